/* printf-style formatting into a buffer, shared by the kernel and guest
 * userland.  Supports %d %i %u %x %X %p %s %c %% with l/ll/z length, width,
 * '0' and '-' flags, and precision for %s. */
#ifndef DEXTBED_FORMAT_H
#define DEXTBED_FORMAT_H

#include <stdarg.h>
#include <stddef.h>

/* Like C's: writes at most size-1 bytes plus a NUL; returns the length the
 * whole output would have had. */
int vsnprintf(char *buf, size_t size, const char *fmt, va_list ap);
int snprintf(char *buf, size_t size, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#endif
