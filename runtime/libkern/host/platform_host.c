/* libkern's platform on the host (tools, unit tests): the C library. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "libkern/platform.h"

void *lk_alloc(size_t size)
{
    return calloc(1, size ? size : 1);
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
    fputs("libkern: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
}

_Noreturn void lk_panic(const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    fputs("libkern panic: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    abort();
}
