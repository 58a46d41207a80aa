/* IOKit in the kernel: bring-up from the boot collection, the registry
 * archive for tasks (SYS_io_registry_copy_archive) and for the control
 * channel ("ioreg"). */
#include <format.h>
#include <string.h>

#include "boot/collection.h"
#include <libkern/platform.h>

#include "iokit/IOCatalogue.h"
#include "iokit/IOKitKernel.h"
#include "kern/console.h"
#include "kern/control.h"
#include "kern/json.h"
#include "kern/kernel.h"
#include "kern/task.h"
#include "kern/vm.h"

bool iokit_workloop_start(void);

unsigned iokit_boot_personalities, iokit_boot_bundles;

static bool ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), m = strlen(suffix);
    return n >= m && strcmp(s + n - m, suffix) == 0;
}

/* Every Extensions/<bundle>/Info.plist of the boot collection into the
 * catalogue, in boot collection order.  The build validated each one
 * (infoplist-check); a plist that still fails to parse is skipped with its
 * line and column. */
static void load_bundles(void)
{
    const struct bootcol_header *h = boot_collection;
    const struct bootcol_entry *e = (const void *)(h + 1);

    for (uint32_t i = 0; i < h->count; i++, e++) {
        if (strncmp(e->name, "Extensions/", 11) != 0 ||
            !ends_with(e->name, "/Info.plist"))
            continue;
        OSPlistError err;
        const char *text = (const char *)boot_collection + e->offset;
        OSObject *top = OSUnserializeXML(text, e->size, &err);
        OSDictionary *info = OSDynamicCast(OSDictionary, top);
        if (!info) {
            kprintf("iokit: %s:%u:%u: %s; bundle skipped\n", e->name,
                    err.line, err.column,
                    top ? "the top object is not a <dict>" : err.message);
            OSSafeReleaseNULL(top);
            continue;
        }
        unsigned n = IOCatalogue_add_bundle(gIOCatalogue, info, e->name);
        iokit_boot_personalities += n;
        iokit_boot_bundles++;
        OSObject_release(info);
    }
}

bool iokit_init(uint64_t timeout_ms)
{
    uint64_t t0 = timer_ticks();

    if (!libkern_init() || !IORegistry_init() || !IOCatalogue_init()) {
        kprintf("iokit: cannot initialise libkern or the registry\n");
        return false;
    }
    if (boot_collection)
        load_bundles();
    kprintf("iokit: %u personalities from %u bundles\n",
            iokit_boot_personalities, iokit_boot_bundles);
    if (!iokit_workloop_start() || !IOService_init_resources()) {
        kprintf("iokit: cannot start the matching thread or IOResources\n");
        return false;
    }
    IOService_publish_resource("IOKit", kOSBooleanTrue);
    IOService *root = (IOService *)IORegistryEntry_get_root();
    IOReturn r = IOService_wait_quiet(
        OSDynamicCast(IOService, root) ? root : IOService_get_resource_service(),
        timeout_ms);
    kprintf("iokit: matching %s after %lu ms, %zu registry entries\n",
            r == kIOReturnSuccess ? "quiet" : "still busy",
            (unsigned long)(timer_ticks() - t0), IORegistry_entry_count());
    return true;
}

IOReturn iokit_copy_archive(const char *plane_name, char **text_out,
                            size_t *len_out)
{
    const IORegistryPlane *plane = IORegistry_get_plane(plane_name);
    OSSerialize s;

    if (!plane)
        return kIOReturnBadArgument;
    OSSerialize_init(&s);
    if (!IORegistryEntry_serialize_archive(IORegistryEntry_get_root(), plane, &s) ||
        s.failed) {
        OSSerialize_free(&s);
        return kIOReturnNoMemory;
    }
    /* Hand over the buffer as a plain lk_alloc block of length + 1. */
    char *copy = lk_alloc(s.length + 1);
    if (!copy) {
        OSSerialize_free(&s);
        return kIOReturnNoMemory;
    }
    memcpy(copy, s.text, s.length);
    *text_out = copy;
    *len_out = s.length;
    OSSerialize_free(&s);
    return kIOReturnSuccess;
}

kern_return_t iokit_sys_copy_archive(struct task *task, uint64_t uplane,
                                     uint64_t ubuf, uint64_t len,
                                     uint64_t uneeded)
{
    char plane[32];
    char *text;
    size_t n;

    kern_return_t kr = copyinstr(task->map, uplane, plane, sizeof(plane));
    if (kr != KERN_SUCCESS)
        return kr;
    IOReturn r = iokit_copy_archive(plane, &text, &n);
    if (r == kIOReturnBadArgument)
        return KERN_INVALID_ARGUMENT;
    if (r != kIOReturnSuccess)
        return KERN_RESOURCE_SHORTAGE;
    uint64_t needed = n + 1;
    if (len < needed) {
        kr = copyout(task->map, &needed, uneeded, sizeof(needed));
        lk_free(text, n + 1);
        return kr == KERN_SUCCESS ? KERN_NO_SPACE : kr;
    }
    kr = copyout(task->map, text, ubuf, n + 1);
    if (kr == KERN_SUCCESS && uneeded)
        kr = copyout(task->map, &needed, uneeded, sizeof(needed));
    lk_free(text, n + 1);
    return kr;
}

/* "ioreg": the archive in ioreg-data events of at most ~900 JSON characters
 * (each byte one character: \u00XX for control and non-ASCII bytes), then
 * the reply with the byte and chunk counts. */
static void cmd_ioreg(const char *line, const char *ids)
{
    char plane[32] = kIOServicePlane;
    char *text;
    size_t n;

    if (json_get(line, "plane", plane, sizeof(plane), NULL) != JSON_STRING &&
        json_get(line, "plane", NULL, 0, NULL) != JSON_NONE) {
        control_reply_error(ids, "ioreg: \"plane\" must be a string (IOService or IOPower)");
        return;
    }
    IOReturn r = iokit_copy_archive(plane, &text, &n);
    if (r == kIOReturnBadArgument) {
        control_reply_error(ids, "ioreg: unknown plane '%s' (planes: IOService, IOPower)",
                            plane);
        return;
    }
    if (r != kIOReturnSuccess) {
        control_reply_error(ids, "ioreg: out of memory serializing the registry");
        return;
    }
    char buf[1000];
    unsigned seq = 0;
    size_t i = 0;
    while (i < n) {
        size_t used = 0;
        while (i < n && used < 880) {
            unsigned char c = (unsigned char)text[i++];
            if (c == '"' || c == '\\') {
                buf[used++] = '\\';
                buf[used++] = (char)c;
            } else if (c == '\n') {
                buf[used++] = '\\';
                buf[used++] = 'n';
            } else if (c == '\t') {
                buf[used++] = '\\';
                buf[used++] = 't';
            } else if (c < 0x20 || c >= 0x7f) {
                used += (size_t)snprintf(buf + used, 8, "\\u%04x", c);
            } else {
                buf[used++] = (char)c;
            }
        }
        buf[used] = '\0';
        control_sendf("{\"event\":\"ioreg-data\",\"seq\":%u,\"data\":\"%s\"%s}",
                      seq++, buf, ids);
    }
    control_sendf("{\"reply\":\"ioreg\",\"plane\":\"%s\",\"bytes\":%zu,"
                  "\"chunks\":%u%s}", plane, n, seq, ids);
    lk_free(text, n + 1);
}

void iokit_bench_command(const char *line, const char *ids);

bool iokit_control_command(const char *cmd, const char *line, const char *ids)
{
    if (strcmp(cmd, "ioreg") == 0) {
        cmd_ioreg(line, ids);
        return true;
    }
    if (strcmp(cmd, "bench-match") == 0) {
        iokit_bench_command(line, ids);
        return true;
    }
    return false;
}
