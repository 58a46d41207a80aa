/* The kernel's own symbol table, for backtraces (filled in at link time by
 * guest/tools/gen-ksyms.py; see guest/meson.build). */
#ifndef KERN_KSYMS_H
#define KERN_KSYMS_H

#include <stdint.h>

/* Name of the function containing addr and the offset into it, or NULL. */
const char *ksyms_lookup(uint64_t addr, uint64_t *offset);

#endif
