/* In-kernel self-tests (tests/guest), run on the control channel's
 * "selftest" command.  Each test is a function registered with SELFTEST;
 * checks record the first failure with its file and line. */
#ifndef KERN_SELFTEST_H
#define KERN_SELFTEST_H

#include <stdbool.h>

struct selftest_ctx {
    bool failed;
    char message[160];
};

struct selftest {
    const char *name;
    void (*fn)(struct selftest_ctx *t);
};

#define SELFTEST(id, label)                                                  \
    static void id##_fn(struct selftest_ctx *t);                            \
    static const struct selftest id##_desc                                  \
        __attribute__((section(".selftests"), used, aligned(8))) = {        \
            label, id##_fn };                                               \
    static void id##_fn(struct selftest_ctx *t)

void selftest_fail(struct selftest_ctx *t, const char *file, int line,
                   const char *fmt, ...) __attribute__((format(printf, 4, 5)));

#define ST_CHECK(cond)                                                       \
    do {                                                                    \
        if (!(cond)) {                                                      \
            selftest_fail(t, __FILE__, __LINE__, "check failed: %s", #cond);\
            return;                                                         \
        }                                                                   \
    } while (0)

#define ST_CHECK_EQ(a, b)                                                    \
    do {                                                                    \
        unsigned long long _a = (unsigned long long)(a);                    \
        unsigned long long _b = (unsigned long long)(b);                    \
        if (_a != _b) {                                                     \
            selftest_fail(t, __FILE__, __LINE__, "%s == %s: 0x%llx != 0x%llx", \
                          #a, #b, _a, _b);                                  \
            return;                                                         \
        }                                                                   \
    } while (0)

/* Run every test (or those whose name starts with filter), reporting each
 * on the control channel; returns the number that failed. */
int selftest_run_all(const char *filter, int *passed);

#endif
