/* IORegistry access for guest programs: iokit_user.h. */
#include "iokit_user.h"
#include "libc.h"
#include "mach/syscall.h"
#include "mach.h"

#define P(x) ((long)(uintptr_t)(x))

kern_return_t io_registry_copy_archive(const char *plane, char **xml_out,
                                       size_t *len_out)
{
    size_t size = 64 * 1024;

    for (int attempt = 0; attempt < 8; attempt++) {
        size_t needed = 0;
        char *buf = malloc(size);
        if (!buf)
            return KERN_RESOURCE_SHORTAGE;
        kern_return_t kr = (kern_return_t)syscall6(
            SYS_io_registry_copy_archive, P(plane), P(buf), (long)size,
            P(&needed), 0, 0);
        if (kr == KERN_SUCCESS) {
            *xml_out = buf;
            if (len_out)
                *len_out = strlen(buf);
            return KERN_SUCCESS;
        }
        free(buf);
        if (kr != KERN_NO_SPACE)
            return kr;
        /* The registry may grow between calls: ask for some slack. */
        size = needed + needed / 4 + 4096;
    }
    return KERN_NO_SPACE;
}
