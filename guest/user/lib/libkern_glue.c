/* libkern's platform (runtime/libkern/include/libkern/platform.h) for guest
 * programs: the user heap and the task's console. */
#include <libkern/platform.h>

#include "libc.h"

void *lk_alloc(size_t size)
{
    return calloc(1, size);
}

void lk_free(void *ptr, size_t size)
{
    (void)size;
    free(ptr);
}

void lk_log(const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vprintf(fmt, ap);
    va_end(ap);
    putchar('\n');
}

_Noreturn void lk_panic(const char *fmt, ...)
{
    va_list ap;

    printf("libkern: ");
    va_start(ap, fmt);
    vprintf(fmt, ap);
    va_end(ap);
    putchar('\n');
    abort();
}
