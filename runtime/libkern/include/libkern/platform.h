/* What libkern needs from the environment it is built into.  libkern is one
 * source built three ways: for the host (tools, unit tests; libc), for the
 * guest kernel (kernel heap, console) and for guest userland (the user heap,
 * the task's console).  Each environment supplies these four functions:
 *   host:    runtime/libkern/host/platform_host.c
 *   kernel:  guest/kern/libkern_glue.c
 *   user:    guest/user/lib/libkern_glue.c
 * Nothing else in libkern touches the environment; it needs only memcpy,
 * memmove, memset, memcmp, strlen, strnlen, strcmp, strchr and
 * (v)snprintf (runtime/libc/include in the guest). */
#ifndef LIBKERN_PLATFORM_H
#define LIBKERN_PLATFORM_H

#include <stdarg.h>
#include <stddef.h>

/* size bytes, zeroed, 16-byte aligned; NULL when memory is exhausted (callers
 * fail cleanly: a failed allocation is never a crash). */
void *lk_alloc(size_t size);
/* Give back a block from lk_alloc; size is the size it was allocated with. */
void lk_free(void *ptr, size_t size);
/* One line of diagnostic output (no trailing newline needed). */
void lk_log(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* A broken libkern invariant (never bad input): stop. */
_Noreturn void lk_panic(const char *fmt, ...)
    __attribute__((format(printf, 1, 2)));

#endif
