/* The kernel's side of IOKit: bringing it up at boot, the work loop, and
 * the registry as tasks and the control channel read it. */
#ifndef IOKIT_IOKITKERNEL_H
#define IOKIT_IOKITKERNEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "iokit/IOReturn.h"

/* libkern, the registry, the catalogue (every Extensions/<bundle>/Info.plist
 * in the boot collection), IOResources and the matching thread; then wait
 * (at most timeout_ms) for the first round of matching to finish. */
bool iokit_init(uint64_t timeout_ms);

/* Personalities loaded at boot, and bundles they came from. */
extern unsigned iokit_boot_personalities, iokit_boot_bundles;

/* The registry archive (XML) of the plane named plane_name into a new
 * lk_alloc'd buffer (*len_out bytes plus a NUL; free with lk_free(p, len+1)).
 * kIOReturnBadArgument for an unknown plane, kIOReturnNoMemory. */
IOReturn iokit_copy_archive(const char *plane_name, char **text_out,
                            size_t *len_out);

/* SYS_io_registry_copy_archive. */
struct task;
kern_return_t iokit_sys_copy_archive(struct task *task, uint64_t uplane,
                                     uint64_t ubuf, uint64_t len,
                                     uint64_t uneeded);

/* Control-channel commands of IOKit ("ioreg", "iokit-stats"); false when cmd
 * is not one of them. */
bool iokit_control_command(const char *cmd, const char *line, const char *ids);

#endif
