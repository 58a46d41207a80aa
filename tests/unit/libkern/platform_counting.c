/* libkern's platform for the fuzz test (see platform_counting.h). */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "libkern/platform.h"
#include "platform_counting.h"

size_t lkc_live_blocks;
size_t lkc_bad_frees;
long lkc_fail_countdown = -1;
size_t lkc_failed;

#define MAGIC 0x6c6b616c6c6f6321ull

/* Each block is preceded by 16 bytes: its size and a magic word. */
void *lk_alloc(size_t size)
{
    uint64_t *h;

    if (lkc_fail_countdown == 0) {
        lkc_fail_countdown = -1;
        lkc_failed++;
        return NULL;
    }
    if (lkc_fail_countdown > 0)
        lkc_fail_countdown--;
    h = calloc(1, size + 16);
    if (!h)
        return NULL;
    h[0] = size;
    h[1] = MAGIC;
    lkc_live_blocks++;
    return h + 2;
}

void lk_free(void *ptr, size_t size)
{
    uint64_t *h;

    if (!ptr)
        return;
    h = (uint64_t *)ptr - 2;
    if (h[1] != MAGIC || h[0] != size) {
        if (lkc_bad_frees++ < 10)
            fprintf(stderr, "lk_free(%p, %zu): block of %llu bytes%s\n", ptr,
                    size, (unsigned long long)h[0],
                    h[1] != MAGIC ? " (bad magic)" : "");
    }
    h[1] = 0;
    lkc_live_blocks--;
    free(h);
}

void lk_log(const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
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
