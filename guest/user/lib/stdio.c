/* Console output: one line buffer shared by the task's threads; a full
 * line (or a full buffer) becomes one SYS_log call. */
#include "libc.h"
#include "mach.h"

#include "internal.h"

/* Longer lines go out in pieces; the kernel logs up to 512 bytes per call
 * and the console line also carries the "[name:pid] " prefix. */
#define LINE_MAX 480

static ulock_t out_lock;
static char line[LINE_MAX];
static size_t line_len;

/* Caller holds out_lock. */
static void flush_locked(void)
{
    if (line_len) {
        sys_log(line, line_len);
        line_len = 0;
    }
}

/* Caller holds out_lock: append n bytes, sending each completed line. */
static void append_locked(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '\n') {
            /* An empty line is still a line. */
            if (line_len == 0)
                line[line_len++] = ' ';
            flush_locked();
            continue;
        }
        line[line_len++] = s[i];
        if (line_len == LINE_MAX)
            flush_locked();
    }
}

static void append(const char *s, size_t n)
{
    ulock_take(&out_lock);
    append_locked(s, n);
    ulock_drop(&out_lock);
}

int vprintf(const char *fmt, va_list ap)
{
    char buf[512];
    int n = vsnprintf(buf, sizeof(buf), fmt, ap);

    if (n < 0)
        return n;
    append(buf, (size_t)n < sizeof(buf) ? (size_t)n : sizeof(buf) - 1);
    return n;
}

int printf(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vprintf(fmt, ap);
    va_end(ap);
    return n;
}

int puts(const char *s)
{
    ulock_take(&out_lock);
    append_locked(s, strlen(s));
    append_locked("\n", 1);
    ulock_drop(&out_lock);
    return 1;
}

int putchar(int c)
{
    char ch = (char)c;
    append(&ch, 1);
    return (unsigned char)ch;
}

void stdout_flush(void)
{
    ulock_take(&out_lock);
    flush_locked();
    ulock_drop(&out_lock);
}

/* For exit/abort: flush unless another thread holds the lock for long
 * (it may be the one that is about to die with us). */
void stdout_flush_exiting(void)
{
    bool locked = ulock_try(&out_lock, 100);
    if (locked) {
        flush_locked();
        ulock_drop(&out_lock);
    }
}
