/* A tiny test kit for guest test programs.  A test is a function registered
 * with UTEST(name); it gets `struct utest_ctx *t`, and CHECK/CHECK_EQ/
 * CHECK_KR record the first failure (file:line and the values) and return
 * from the test.  Helpers that check must take the same `t` parameter.
 *
 *     UTEST(port_allocate) {
 *         mach_port_name_t p;
 *         CHECK_KR(mach_port_allocate(MACH_PORT_RIGHT_RECEIVE, &p), KERN_SUCCESS);
 *         CHECK(p != MACH_PORT_NULL);
 *     }
 *
 * utest_run reports each test on the control channel as
 * {"event":"test","name":"<prefix><name>","ok":...,"ms":N,"message":"..."}. */
#ifndef USER_UTEST_H
#define USER_UTEST_H

#include <stdbool.h>

#include "kern/return.h"

struct utest_ctx {
    bool failed;
    char message[192];
};

struct utest {
    const char *name;
    void (*fn)(struct utest_ctx *t);
};

/* Registered in section "utests" (kept by user.ld, bounded by
 * __utests_start/__utests_end), in link order. */
#define UTEST(id)                                                            \
    static void utest_fn_##id(struct utest_ctx *t);                          \
    static const struct utest utest_desc_##id                                \
        __attribute__((section("utests"), used, aligned(8))) = {             \
            #id, utest_fn_##id };                                            \
    static void utest_fn_##id(struct utest_ctx *t)

/* Record a failure (the first one is kept). */
void utest_fail(struct utest_ctx *t, const char *file, int line,
                const char *fmt, ...) __attribute__((format(printf, 4, 5)));

#define CHECK(cond)                                                          \
    do {                                                                     \
        if (!(cond)) {                                                       \
            utest_fail(t, __FILE__, __LINE__, "check failed: %s", #cond);    \
            return;                                                          \
        }                                                                    \
    } while (0)

#define CHECK_EQ(a, b)                                                       \
    do {                                                                     \
        long long _a = (long long)(a);                                       \
        long long _b = (long long)(b);                                       \
        if (_a != _b) {                                                      \
            utest_fail(t, __FILE__, __LINE__,                                \
                       "%s == %s: %lld != %lld (0x%llx != 0x%llx)", #a, #b,  \
                       _a, _b, (unsigned long long)_a,                       \
                       (unsigned long long)_b);                              \
            return;                                                          \
        }                                                                    \
    } while (0)

/* CHECK_EQ for kern_return_t, printing the names. */
#define CHECK_KR(expr, want)                                                 \
    do {                                                                     \
        kern_return_t _got = (expr);                                         \
        kern_return_t _want = (want);                                        \
        if (_got != _want) {                                                 \
            utest_fail(t, __FILE__, __LINE__, "%s: %s, expected %s", #expr,  \
                       kern_return_name(_got), kern_return_name(_want));     \
            return;                                                          \
        }                                                                    \
    } while (0)

/* Run the tests whose name (or prefix + name) starts with filter (NULL or
 * "" = all) in registration order; returns the number that failed. */
int utest_run(const char *prefix, const char *filter);

#endif
