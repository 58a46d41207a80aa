/* The guest test runner (see utest.h). */
#include "libc.h"
#include "mach.h"
#include "utest.h"

extern const struct utest __utests_start[], __utests_end[];

void utest_fail(struct utest_ctx *t, const char *file, int line,
                const char *fmt, ...)
{
    char msg[160];
    va_list ap;

    if (t->failed)
        return;
    t->failed = true;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    const char *base = file;
    for (const char *p = file; *p; p++) {
        if (*p == '/')
            base = p + 1;
    }
    snprintf(t->message, sizeof(t->message), "%s:%d: %s", base, line, msg);
}

/* s as the body of a JSON string, truncated to fit out. */
static void json_escape(char *out, size_t size, const char *s)
{
    size_t n = 0;

    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        char esc[8];
        size_t len;
        if (c == '"' || c == '\\') {
            esc[0] = '\\';
            esc[1] = (char)c;
            len = 2;
        } else if (c < 0x20 || c == 0x7f) {
            len = (size_t)snprintf(esc, sizeof(esc), "\\u%04x", c);
        } else {
            esc[0] = (char)c;
            len = 1;
        }
        if (n + len + 1 > size)
            break;
        memcpy(out + n, esc, len);
        n += len;
    }
    out[n] = '\0';
}

static bool selected(const char *prefix, const char *name, const char *filter)
{
    size_t flen = filter ? strlen(filter) : 0;
    size_t plen = strlen(prefix);

    if (flen == 0 || strncmp(name, filter, flen) == 0)
        return true;
    /* The filter may also spell the prefixed name. */
    if (strncmp(filter, prefix, flen < plen ? flen : plen) != 0)
        return false;
    return flen <= plen || strncmp(name, filter + plen, flen - plen) == 0;
}

int utest_run(const char *prefix, const char *filter)
{
    int failed = 0, ran = 0;

    if (!prefix)
        prefix = "";
    for (const struct utest *u = __utests_start; u < __utests_end; u++) {
        if (!selected(prefix, u->name, filter))
            continue;
        struct utest_ctx ctx = { .failed = false, .message = "" };
        uint64_t start = uptime_ms();
        u->fn(&ctx);
        uint64_t ms = uptime_ms() - start;
        char esc[2 * sizeof(ctx.message)];
        char json[sizeof(esc) + 256];
        json_escape(esc, sizeof(esc), ctx.message);
        snprintf(json, sizeof(json),
                 "{\"event\":\"test\",\"name\":\"%s%s\",\"ok\":%s,\"ms\":%lu,"
                 "\"message\":\"%s\"}",
                 prefix, u->name, ctx.failed ? "false" : "true",
                 (unsigned long)ms, esc);
        control_report(json);
        if (ctx.failed) {
            printf("utest: FAIL %s%s: %s\n", prefix, u->name, ctx.message);
            failed++;
        } else {
            printf("utest: ok %s%s\n", prefix, u->name);
        }
        ran++;
    }
    printf("utest: %d run, %d failed\n", ran, failed);
    return failed;
}
