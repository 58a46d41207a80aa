/* The self-test runner. */
#include <format.h>
#include <stdarg.h>
#include <string.h>

#include "kern/console.h"
#include "kern/control.h"
#include "kern/kernel.h"
#include "kern/selftest.h"

extern const struct selftest __selftests_start[], __selftests_end[];

void selftest_fail(struct selftest_ctx *t, const char *file, int line,
                   const char *fmt, ...)
{
    char msg[128];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    if (!t->failed) {
        const char *base = file;
        for (const char *p = file; *p; p++) {
            if (*p == '/')
                base = p + 1;
        }
        snprintf(t->message, sizeof(t->message), "%s:%d: %s", base, line, msg);
    }
    t->failed = true;
}

int selftest_run_all(const char *filter, int *passed)
{
    int failed = 0;
    size_t flen = filter ? strlen(filter) : 0;

    *passed = 0;
    for (const struct selftest *s = __selftests_start; s < __selftests_end; s++) {
        if (flen && strncmp(s->name, filter, flen) != 0)
            continue;
        struct selftest_ctx ctx = { .failed = false, .message = "" };
        uint64_t start = timer_ticks();
        s->fn(&ctx);
        uint64_t ms = (timer_ticks() - start) * (1000 / HZ);
        char esc[200];
        json_escape(esc, sizeof(esc), ctx.message);
        control_sendf("{\"event\":\"test\",\"name\":\"%s\",\"ok\":%s,\"ms\":%lu,"
                      "\"message\":\"%s\"}", s->name,
                      ctx.failed ? "false" : "true", ms, esc);
        kprintf("selftest: %s %s%s%s\n", ctx.failed ? "FAIL" : "ok  ", s->name,
                ctx.failed ? ": " : "", ctx.message);
        if (ctx.failed)
            failed++;
        else
            (*passed)++;
    }
    return failed;
}
