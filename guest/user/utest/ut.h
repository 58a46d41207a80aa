/* bin/utest's own kit, on top of utest.h: dotted test names, per-test
 * cleanup, message and child-task helpers.
 *
 * Contract of a test written with UT_TEST:
 *  - CHECK* return from the test body; whatever it registered (ut_track_*,
 *    ut_port, ut_spawn, ut_vm_alloc, ut_thread) is then released by the
 *    runner, so a failing test leaks nothing and leaves no child running.
 *  - A test that passes must have released its port names itself: the
 *    runner compares our name count before and after and fails the test on
 *    a difference ("leaked N names").
 *  - Helper threads share state with the test only through static storage
 *    (a failed test's stack frame is gone while the thread may still run);
 *    the runner waits for them before the next test starts.
 *  - Waiting is always bounded (UT_WAIT_MS) so a lost message or a hung
 *    child fails the test instead of hanging the suite.  Wall time is only
 *    ever bounded from below: tests run under slow emulation. */
#ifndef UTEST_UT_H
#define UTEST_UT_H

#include "libc.h"
#include "mach.h"
#include "utest.h"

/* How long anything that should happen may take before it counts as lost. */
#define UT_WAIT_MS   10000
/* How long to watch for something that must not happen. */
#define UT_QUIET_MS  30
#define PAGE         4096ULL
/* An address in the kernel half: never valid for a user pointer. */
#define UT_KERNEL_ADDR  0xffffffff80000000ULL
/* An address below USER_SPACE_BASE: never mapped. */
#define UT_UNMAPPED_ADDR 0x1000ULL

/* A test named with dots ("ipc.rights.move_send"); body gets `t`. */
#define UT_TEST(id, tname)                                                   \
    static void ut_body_##id(struct utest_ctx *t);                           \
    static void ut_run_##id(struct utest_ctx *t)                             \
    {                                                                        \
        ut_run_test(t, ut_body_##id);                                        \
    }                                                                        \
    static const struct utest ut_desc_##id                                   \
        __attribute__((section("utests"), used, aligned(8))) = {             \
            tname, ut_run_##id };                                            \
    static void ut_body_##id(struct utest_ctx *t)

/* Call a helper that checks (takes t); return if it failed. */
#define TRY(call)                                                            \
    do {                                                                     \
        call;                                                                \
        if (t->failed)                                                       \
            return;                                                          \
    } while (0)

/* kr is one of two acceptable results. */
#define CHECK_KR2(expr, want1, want2)                                        \
    do {                                                                     \
        kern_return_t _got = (expr);                                         \
        if (_got != (want1) && _got != (want2)) {                            \
            utest_fail(t, __FILE__, __LINE__, "%s: %s, expected %s or %s",   \
                       #expr, kern_return_name(_got),                        \
                       kern_return_name(want1), kern_return_name(want2));    \
            return;                                                          \
        }                                                                    \
    } while (0)

/* A call that must fail (the contract leaves the exact code open). */
#define CHECK_FAILS(expr)                                                    \
    do {                                                                     \
        kern_return_t _got = (expr);                                         \
        if (_got == KERN_SUCCESS) {                                          \
            utest_fail(t, __FILE__, __LINE__, "%s succeeded; must fail",     \
                       #expr);                                               \
            return;                                                          \
        }                                                                    \
    } while (0)

/* lo <= v <= hi, with the values in the message. */
#define CHECK_RANGE(v, lo, hi)                                               \
    do {                                                                     \
        long long _v = (long long)(v);                                       \
        if (_v < (long long)(lo) || _v > (long long)(hi)) {                  \
            utest_fail(t, __FILE__, __LINE__, "%s = %lld, not in [%lld, %lld]", \
                       #v, _v, (long long)(lo), (long long)(hi));            \
            return;                                                          \
        }                                                                    \
    } while (0)

/* name denotes exactly want_type with want_urefs user references (-1: any). */
#define CHECK_TYPE(name, want_type, want_urefs)                              \
    do {                                                                     \
        uint32_t _ty = 0, _ur = 0;                                           \
        CHECK_KR(mach_port_type((name), &_ty, &_ur), KERN_SUCCESS);          \
        CHECK_EQ(_ty, (want_type));                                          \
        if ((long long)(want_urefs) >= 0)                                    \
            CHECK_EQ(_ur, (want_urefs));                                     \
    } while (0)

/* name is no longer in our space. */
#define CHECK_GONE(name)                                                     \
    do {                                                                     \
        uint32_t _ty = 0, _ur = 0;                                           \
        CHECK_KR(mach_port_type((name), &_ty, &_ur), KERN_INVALID_NAME);     \
    } while (0)

#define TYPE_SR (MACH_PORT_TYPE_SEND | MACH_PORT_TYPE_RECEIVE)

/* A message buffer big enough for everything but the inline-size tests. */
#define UT_DESC_MAX 4
struct ut_msg {
    mach_msg_header_t h;
    mach_msg_body_t body;
    mach_msg_descriptor_t d[UT_DESC_MAX];
    uint32_t data[64];
};

/* What ut_send puts after the header: two words derived from the id, so
 * the receiver can tell the message arrived intact. */
struct ut_simple {
    mach_msg_header_t h;
    uint32_t w[2];
};
#define UT_W0(id) (0x5eed0000u ^ (uint32_t)(id))
#define UT_W1(id) (~(uint32_t)(id))

/* The runner behind UT_TEST. */
void ut_run_test(struct utest_ctx *t, void (*body)(struct utest_ctx *));
/* Once, before the tests: caches our pid. */
void ut_init(void);

/* Cleanup registry (see the contract above). */
void ut_track_name(mach_port_name_t name);   /* drop every right it denotes */
void ut_track_task(mach_port_name_t task);   /* kill the task, drop the name */
void ut_track_vm(uint64_t addr, uint64_t size);
void ut_untrack_vm(uint64_t addr);
/* Drop every right name denotes now (errors ignored); for cleanup paths. */
void ut_destroy_name(mach_port_name_t name);

/* A new receive right (with send: plus one MAKE_SEND), tracked. */
void ut_port(struct utest_ctx *t, mach_port_name_t *out);
void ut_port_send(struct utest_ctx *t, mach_port_name_t *out);
/* A new port set, tracked. */
void ut_pset(struct utest_ctx *t, mach_port_name_t *out);
/* A name that was valid a moment ago and is now gone. */
void ut_stale_name(struct utest_ctx *t, mach_port_name_t *out);
/* Destroy a receive right / port set the test made; checks it went. */
void ut_port_destroy(struct utest_ctx *t, mach_port_name_t name);
void ut_pset_destroy(struct utest_ctx *t, mach_port_name_t set);

/* vm_allocate / vm_deallocate, tracked. */
void ut_vm_alloc(struct utest_ctx *t, uint64_t *addr, uint64_t size, uint32_t prot);
void ut_vm_free(struct utest_ctx *t, uint64_t addr, uint64_t size);
/* A mapped, writable address? Probed through the kernel (clock_info writes
 * 16 bytes there), so an unmapped address is an error, not our fault. */
kern_return_t ut_probe_write(uint64_t addr);

/* A message without descriptors: dest with disposition ddisp, reply (or
 * MACH_PORT_NULL) with rdisp, msgh_id id and the two UT_W words.  Options
 * are added to MACH_SEND_MSG; without MACH_SEND_TIMEOUT the send still
 * gives up after UT_WAIT_MS. */
kern_return_t ut_send(mach_port_name_t dest, uint32_t ddisp, mach_port_name_t reply,
                      uint32_t rdisp, mach_msg_id_t id, uint32_t options,
                      uint64_t timeout_ms);
/* A complex message to dest (ddisp) carrying n descriptors. */
kern_return_t ut_send_desc(mach_port_name_t dest, uint32_t ddisp,
                           const mach_msg_descriptor_t *d, uint32_t n,
                           mach_msg_id_t id);
mach_msg_descriptor_t ut_port_desc(mach_port_name_t name, uint32_t disposition);
mach_msg_descriptor_t ut_ool_desc(uint64_t addr, uint32_t size, int deallocate);
/* Receive into m with MACH_RCV_TIMEOUT timeout_ms (0: poll). */
kern_return_t ut_recv(mach_port_name_t name, struct ut_msg *m, uint64_t timeout_ms);
/* Receive one message ut_send sent with id on name: checks its size, id,
 * words, and that it came in on name. */
void ut_recv_simple(struct utest_ctx *t, mach_port_name_t name, mach_msg_id_t id,
                    struct ut_msg *m);
/* Receive a complex message with n descriptors on name. */
void ut_recv_desc(struct utest_ctx *t, mach_port_name_t name, uint32_t n,
                  struct ut_msg *m);
/* Nothing arrives on name for UT_QUIET_MS. */
void ut_expect_empty(struct utest_ctx *t, mach_port_name_t name);
/* A message to ourselves and back: IPC still works. */
void ut_self_ping(struct utest_ctx *t);

/* Child tasks.  ut_spawn watches the child on a fresh notify port (both
 * tracked) and raises our priority meanwhile, so the child cannot end
 * before it is watched. */
struct ut_child {
    struct spawn_result sr;
    mach_port_name_t notify;
};
void ut_spawn(struct utest_ctx *t, const char *path, const char *const argv[],
              mach_port_name_t bootstrap, struct ut_child *c);
/* The child's TASK_NOTIFY_EXIT, within UT_WAIT_MS. */
void ut_wait_exit(struct utest_ctx *t, struct ut_child *c,
                  task_exit_notification_t *n);
/* After the exit: its task port turns into a dead name; drop it and the
 * notify port. */
void ut_child_done(struct utest_ctx *t, struct ut_child *c);

/* bin/echo, reached through its service port. */
struct ut_echo {
    struct ut_child c;
    mach_port_name_t service;   /* send right */
    mach_port_name_t reply;     /* our receive right for answers */
};
void ut_echo_start(struct utest_ctx *t, struct ut_echo *e);
/* One round trip of len payload bytes (multiple of 4, at most 256). */
void ut_echo_call(struct utest_ctx *t, struct ut_echo *e, mach_msg_id_t id,
                  uint32_t len);
/* id 999: the answer, then a normal exit (status 0); releases everything. */
void ut_echo_stop(struct utest_ctx *t, struct ut_echo *e);

/* Helper threads, waited for by the runner. */
void ut_thread(struct utest_ctx *t, void (*fn)(void *), void *arg, int priority);
/* Wait (bounded) until *flag is nonzero. */
bool ut_wait_flag(volatile int *flag, uint64_t ms);

/* Kernel-wide counts; settle: wait until tasks, threads, ports, port sets,
 * messages, vm objects and kernel heap allocations equal base again and
 * free pages are back within slack_pages (the kernel heap keeps pages it
 * grew by: warm up before taking base where that matters). */
void ut_stats(struct utest_ctx *t, struct kernel_stats *ks);
void ut_stats_settle(struct utest_ctx *t, const struct kernel_stats *base,
                     uint64_t slack_pages);
/* The same with vm objects within slack_objects of base. */
void ut_stats_settle_objs(struct utest_ctx *t, const struct kernel_stats *base,
                          uint64_t slack_pages, uint32_t slack_objects);
/* kernel_stats once they stopped changing (two samples 10 ms apart agree):
 * a base to compare with after activity that the kernel reaps lazily. */
void ut_stats_quiet(struct utest_ctx *t, struct kernel_stats *ks);
/* Our own task_info entry. */
void ut_self(struct utest_ctx *t, struct task_info *out);
uint32_t ut_self_pid(void);

/* A deterministic byte pattern and a checksum over memory. */
void ut_fill(void *p, size_t n, uint32_t seed);
bool ut_check_fill(const void *p, size_t n, uint32_t seed);
uint64_t ut_checksum(const void *p, size_t n);

#endif
