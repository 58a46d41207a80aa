/* A tiny TAP (Test Anything Protocol) producer for the host unit tests.
 *
 * A test program is a table of cases, each a void function:
 *
 *     static void t_basic(void) { CHECK(1 + 1 == 2); }
 *     static const struct tap_case cases[] = { TAP_CASE(t_basic) };
 *     int main(void) { return tap_run(cases, TAP_COUNT(cases)); }
 *
 * tap_run prints the plan ("1..N"), then one "ok N - name" or
 * "not ok N - name" line per case, and returns the exit status: 0 only if
 * every case passed.  Failed checks are reported as TAP comments
 * ("# file:line: ...") before the case's result line.
 *
 *   CHECK(cond)           soft check: records a failure and carries on.
 *   CHECK_EQ(a, b)        soft check of two integers (printed on failure).
 *   REQUIRE(cond)         like CHECK but returns from the case on failure
 *   REQUIRE_EQ(a, b)      (use in loops, or before dereferencing).
 *   TAP_SKIP(why)         end the case now, reported as "ok N - name # SKIP why".
 *   TAP_NOTE(fmt, ...)    print a "# ..." diagnostic line.
 *
 * Single-threaded; one test program per executable. */
#ifndef UNIT_TAP_H
#define UNIT_TAP_H

#include <inttypes.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

struct tap_case {
    const char *name;
    void (*fn)(void);
};

#define TAP_CASE(fn)      { #fn, fn }
#define TAP_COUNT(cases)  (sizeof(cases) / sizeof((cases)[0]))

/* State of the case being run. */
static struct {
    unsigned failures;      /* failed checks in the current case */
    unsigned reported;      /* of which printed (the rest are counted) */
    const char *skip;       /* non-NULL once the case skipped itself */
} tap_cur;

#define TAP_MAX_REPORTS 20

static inline void tap_vnote(const char *fmt, va_list ap)
{
    fputs("# ", stdout);
    vprintf(fmt, ap);
    fputc('\n', stdout);
}

static inline __attribute__((format(printf, 1, 2)))
void tap_note(const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    tap_vnote(fmt, ap);
    va_end(ap);
}

static inline __attribute__((format(printf, 3, 4)))
void tap_fail(const char *file, int line, const char *fmt, ...)
{
    va_list ap;
    char msg[1024];

    tap_cur.failures++;
    if (tap_cur.reported >= TAP_MAX_REPORTS)
        return;
    tap_cur.reported++;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    /* One line whatever the message holds: escape control characters. */
    printf("# %s:%d: ", file, line);
    for (const unsigned char *p = (const unsigned char *)msg; *p; p++) {
        if (*p < 0x20 || *p == 0x7f)
            printf("\\x%02x", *p);
        else
            fputc(*p, stdout);
    }
    fputc('\n', stdout);
    fflush(stdout);
}

/* Each returns non-zero when the check held. */
static inline int tap_check(int ok, const char *file, int line, const char *expr)
{
    if (!ok)
        tap_fail(file, line, "CHECK(%s) failed", expr);
    return ok;
}

static inline int tap_check_eq(intmax_t a, intmax_t b, const char *file, int line,
                               const char *ea, const char *eb)
{
    if (a != b)
        tap_fail(file, line, "CHECK_EQ(%s, %s) failed: %jd (%#jx) != %jd (%#jx)",
                 ea, eb, a, (uintmax_t)a, b, (uintmax_t)b);
    return a == b;
}

#define TAP_NOTE(...) tap_note(__VA_ARGS__)

#define CHECK(cond) ((void)tap_check(!!(cond), __FILE__, __LINE__, #cond))
#define CHECK_EQ(a, b) \
    ((void)tap_check_eq((intmax_t)(a), (intmax_t)(b), __FILE__, __LINE__, #a, #b))
#define REQUIRE(cond) \
    do { if (!tap_check(!!(cond), __FILE__, __LINE__, #cond)) return; } while (0)
#define REQUIRE_EQ(a, b) \
    do { \
        if (!tap_check_eq((intmax_t)(a), (intmax_t)(b), __FILE__, __LINE__, #a, #b)) \
            return; \
    } while (0)
#define TAP_SKIP(why) do { tap_cur.skip = (why); return; } while (0)

/* Run every case; returns the process exit status. */
static inline int tap_run(const struct tap_case *cases, size_t n)
{
    unsigned failed = 0;

    setvbuf(stdout, NULL, _IOLBF, 0);
    printf("1..%zu\n", n);
    for (size_t i = 0; i < n; i++) {
        tap_cur.failures = 0;
        tap_cur.reported = 0;
        tap_cur.skip = NULL;
        cases[i].fn();
        if (tap_cur.failures > tap_cur.reported)
            printf("# ... and %u more failed checks\n",
                   tap_cur.failures - tap_cur.reported);
        if (tap_cur.failures) {
            failed++;
            printf("not ok %zu - %s\n", i + 1, cases[i].name);
        } else if (tap_cur.skip) {
            printf("ok %zu - %s # SKIP %s\n", i + 1, cases[i].name, tap_cur.skip);
        } else {
            printf("ok %zu - %s\n", i + 1, cases[i].name);
        }
    }
    if (failed)
        printf("# %u of %zu failed\n", failed, n);
    fflush(stdout);
    return failed ? 1 : 0;
}

/* Deterministic PRNG (xorshift64*) for the randomized tests, so a failure
 * reproduces.  The seed can be overridden with UNIT_SEED=N to explore. */
static inline uint64_t tap_seed(uint64_t dflt)
{
    const char *s = getenv("UNIT_SEED");
    uint64_t seed = s && *s ? strtoull(s, NULL, 0) : dflt;

    return seed ? seed : dflt;
}

static inline uint64_t tap_rand(uint64_t *state)
{
    uint64_t x = *state;

    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    *state = x;
    return x * 0x2545f4914f6cdd1dULL;
}

/* Uniform-enough value in [0, n); n > 0. */
static inline uint64_t tap_rand_below(uint64_t *state, uint64_t n)
{
    return tap_rand(state) % n;
}

#endif
