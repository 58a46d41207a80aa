/* libkern's platform (runtime/libkern/include/libkern/platform.h) in the
 * kernel: the kernel heap and the console. */
#include <format.h>
#include <libkern/platform.h>
#include <string.h>

#include "kern/console.h"
#include "kern/kernel.h"
#include "kern/panic.h"

void *lk_alloc(size_t size)
{
    void *p = kmalloc(size);

    if (p)
        memset(p, 0, size);
    return p;
}

void lk_free(void *ptr, size_t size)
{
    (void)size;
    kfree(ptr);
}

void lk_log(const char *fmt, ...)
{
    char buf[320];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(buf, sizeof(buf), fmt, ap);
    va_end(ap);
    kprintf("%s\n", buf);
}

_Noreturn void lk_panic(const char *fmt, ...)
{
    char buf[320];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(buf, sizeof(buf), fmt, ap);
    va_end(ap);
    panic("libkern: %s", buf);
}
