/* Tasks: faults kill only the faulting task and are reported precisely,
 * task_kill, resources come back, task_list, spawn and watch errors. */
#include "ut.h"

#define FAULT_DE 0
#define FAULT_UD 6
#define FAULT_GP 13
#define FAULT_PF 14

/* Where a fault address must lie for a mode. */
enum { ADDR_ANY, ADDR_ZERO, ADDR_USER, ADDR_KERNEL, ADDR_STACK };

static void crash_case(struct utest_ctx *t, const char *mode, uint32_t vector,
                       int addr)
{
    const char *argv[] = { "crash", mode, NULL };
    struct kernel_stats before, after;
    struct ut_child c;
    task_exit_notification_t n;

    TRY(ut_stats(t, &before));
    TRY(ut_spawn(t, "bin/crash", argv, MACH_PORT_NULL, &c));
    TRY(ut_wait_exit(t, &c, &n));
    CHECK_EQ(n.reason, TASK_EXIT_FAULT);
    CHECK_EQ(n.fault_vector, vector);
    /* It faulted in its own code. */
    CHECK(n.fault_rip >= USER_SPACE_BASE && n.fault_rip < USER_HEAP_BASE);
    switch (addr) {
    case ADDR_ZERO:
        CHECK_EQ(n.fault_address, 0);
        break;
    case ADDR_USER:
        CHECK(n.fault_address >= USER_SPACE_BASE && n.fault_address < USER_HEAP_BASE);
        break;
    case ADDR_KERNEL:
        CHECK(n.fault_address >= 0xffff800000000000ULL);
        break;
    case ADDR_STACK:
        /* Just below the stack (its guard), not anywhere else. */
        CHECK(n.fault_address < USER_STACK_TOP &&
              n.fault_address >= USER_STACK_TOP - USER_STACK_SIZE - (1u << 20));
        break;
    }
    TRY(ut_stats(t, &after));
    CHECK(after.user_faults >= before.user_faults + 1);
    TRY(ut_child_done(t, &c));
    /* We are unharmed and IPC still works. */
    TRY(ut_self_ping(t));
}

UT_TEST(crash_null, "task.crash.null")
{
    crash_case(t, "null", FAULT_PF, ADDR_ZERO);
}

UT_TEST(crash_write_ro, "task.crash.write_ro")
{
    crash_case(t, "write-ro", FAULT_PF, ADDR_USER);
}

UT_TEST(crash_ud2, "task.crash.ud2")
{
    crash_case(t, "ud2", FAULT_UD, ADDR_ANY);
}

UT_TEST(crash_divide, "task.crash.divide")
{
    crash_case(t, "divide", FAULT_DE, ADDR_ANY);
}

UT_TEST(crash_stack_overflow, "task.crash.stack_overflow")
{
    crash_case(t, "stack-overflow", FAULT_PF, ADDR_STACK);
}

UT_TEST(crash_kernel, "task.crash.kernel_address")
{
    crash_case(t, "kernel", FAULT_PF, ADDR_KERNEL);
}

UT_TEST(crash_gp, "task.crash.gp")
{
    crash_case(t, "gp", FAULT_GP, ADDR_ANY);
}

/* Spawn bin/spin MODE, kill it with status, check the report. */
static void kill_case(struct utest_ctx *t, const char *const argv[])
{
    struct ut_child c;
    task_exit_notification_t n;

    TRY(ut_spawn(t, "bin/spin", argv, MACH_PORT_NULL, &c));
    thread_sleep_ms(UT_QUIET_MS);                   /* let it get going */
    TRY(ut_expect_empty(t, c.notify));             /* it does not end alone */
    CHECK_KR(task_kill(c.sr.task_port, 7), KERN_SUCCESS);
    TRY(ut_wait_exit(t, &c, &n));
    CHECK_EQ(n.reason, TASK_EXIT_KILLED);
    CHECK_EQ(n.status, 7);
    /* Dead once: a second kill has nothing to kill. */
    CHECK_FAILS(task_kill(c.sr.task_port, 7));
    TRY(ut_child_done(t, &c));
}

UT_TEST(kill_busy, "task.kill.busy")
{
    static const char *const argv[] = { "spin", "busy", NULL };
    kill_case(t, argv);
}

UT_TEST(kill_sleeping, "task.kill.sleeping")
{
    static const char *const argv[] = { "spin", "sleep", NULL };
    kill_case(t, argv);
}

/* Threads of pid in task_list, or -1 if it is not there. */
static int threads_of(uint32_t pid)
{
    static struct task_info list[128];
    uint32_t count = 0;

    if (task_list(list, 128, &count) != KERN_SUCCESS)
        return -1;
    for (uint32_t i = 0; i < count && i < 128; i++) {
        if (list[i].pid == pid)
            return (int)list[i].threads;
    }
    return -1;
}

/* bin/spin threads 4 up and running, then killed. */
static void spin_threads_cycle(struct utest_ctx *t)
{
    static const char *const argv[] = { "spin", "threads", "4", NULL };
    struct ut_child c;
    task_exit_notification_t n;
    uint64_t end;

    TRY(ut_spawn(t, "bin/spin", argv, MACH_PORT_NULL, &c));
    end = uptime_ms() + UT_WAIT_MS;
    while (threads_of(c.sr.pid) < 5 && uptime_ms() < end)
        thread_sleep_ms(2);
    CHECK_EQ(threads_of(c.sr.pid), 5);
    CHECK_KR(task_kill(c.sr.task_port, 1), KERN_SUCCESS);
    TRY(ut_wait_exit(t, &c, &n));
    CHECK_EQ(n.reason, TASK_EXIT_KILLED);
    TRY(ut_child_done(t, &c));
}

UT_TEST(kill_reclaims, "task.kill.reclaims_resources")
{
    struct kernel_stats base0, base;

    /* The first round may leave heap pages behind (kernel and ours): it is
     * measured with room for that; once settled, the second is exact. */
    TRY(ut_stats_quiet(t, &base0));
    TRY(spin_threads_cycle(t));
    TRY(ut_stats_settle(t, &base0, 64));
    TRY(ut_stats_quiet(t, &base));
    TRY(spin_threads_cycle(t));
    /* Slack: one growth of the kernel heap (16 pages), should fragmentation
     * need it; kernel memory itself is checked by heap_allocations. */
    TRY(ut_stats_settle(t, &base, 24));
}

UT_TEST(task_list_self, "task.list")
{
    static const char *const argv[] = { "spin", "sleep", NULL };
    static struct task_info list[128];
    struct task_info self;
    struct ut_child c;
    task_exit_notification_t n;
    uint32_t count = 0;
    uint64_t end;
    bool found = false;

    TRY(ut_self(t, &self));
    CHECK_EQ(self.pid, ut_self_pid());
    CHECK_EQ(self.state, TASK_STATE_RUNNING);
    CHECK_EQ(self.flags & TASK_PRIV_ALL, TASK_PRIV_CONTROL | TASK_PRIV_SPAWN | TASK_PRIV_IO);
    CHECK(self.threads >= 1);
    CHECK(self.ports >= 1);
    CHECK(self.resident_pages >= 1);
    CHECK(strncmp(self.name, "utest", 5) == 0);

    /* A child shows up with us as its parent and without privileges ... */
    TRY(ut_spawn(t, "bin/spin", argv, MACH_PORT_NULL, &c));
    CHECK_KR(task_list(list, 128, &count), KERN_SUCCESS);
    for (uint32_t i = 0; i < count && i < 128; i++) {
        if (list[i].pid != c.sr.pid)
            continue;
        found = true;
        CHECK_EQ(list[i].parent_pid, self.pid);
        CHECK_EQ(list[i].flags, 0);
        CHECK(strncmp(list[i].name, "spin", 4) == 0);
    }
    CHECK(found);
    /* ... and is gone once it ended. */
    CHECK_KR(task_kill(c.sr.task_port, 0), KERN_SUCCESS);
    TRY(ut_wait_exit(t, &c, &n));
    end = uptime_ms() + UT_WAIT_MS;
    while (threads_of(c.sr.pid) >= 0 && uptime_ms() < end)
        thread_sleep_ms(2);
    CHECK_EQ(threads_of(c.sr.pid), -1);
    TRY(ut_child_done(t, &c));

    CHECK_KR(syscall6(SYS_task_list, (long)UT_KERNEL_ADDR, 4, (long)(uintptr_t)&count,
                      0, 0, 0), KERN_INVALID_ADDRESS);
}

UT_TEST(spawn_errors, "task.spawn.errors")
{
    static const char args[] = "spin\0sleep";
    struct kernel_stats base;
    struct spawn_result sr;
    mach_port_name_t stale;
    static char huge[TASK_ARGS_MAX + 16];

    TRY(ut_stale_name(t, &stale));
    TRY(ut_stats(t, &base));
    CHECK_FAILS(task_spawn("bin/does-not-exist", NULL, MACH_PORT_NULL, 0, &sr));
    CHECK_FAILS(task_spawn("etc/motd", NULL, MACH_PORT_NULL, 0, &sr));   /* not an ELF */
    CHECK_FAILS(task_spawn("", NULL, MACH_PORT_NULL, 0, &sr));
    /* Privileges nobody has. */
    CHECK_FAILS(task_spawn("bin/spin", NULL, MACH_PORT_NULL, 0x100, &sr));
    /* A bootstrap name that is not a send right. */
    CHECK_FAILS(task_spawn("bin/spin", NULL, stale, 0, &sr));
    /* Raw: bad pointers and lengths. */
    CHECK_KR(syscall6(SYS_task_spawn, (long)UT_KERNEL_ADDR, (long)(uintptr_t)args,
                      sizeof(args), 0, 0, (long)(uintptr_t)&sr), KERN_INVALID_ADDRESS);
    CHECK_KR(syscall6(SYS_task_spawn, (long)(uintptr_t)"bin/spin", (long)UT_KERNEL_ADDR,
                      sizeof(args), 0, 0, (long)(uintptr_t)&sr), KERN_INVALID_ADDRESS);
    memset(huge, 'a', sizeof(huge));
    CHECK_FAILS(syscall6(SYS_task_spawn, (long)(uintptr_t)"bin/spin", (long)(uintptr_t)huge,
                         sizeof(huge), 0, 0, (long)(uintptr_t)&sr));
    /* Nothing was started by any of it. */
    TRY(ut_stats_settle(t, &base, 8));
}

UT_TEST(watch_errors, "task.watch_and_kill_errors")
{
    mach_port_name_t p, stale;

    TRY(ut_port_send(t, &p));
    TRY(ut_stale_name(t, &stale));
    /* Only a task port names a task. */
    CHECK_FAILS(task_watch(p, p));
    CHECK_FAILS(task_watch(stale, p));
    CHECK_FAILS(task_kill(p, 0));
    CHECK_FAILS(task_kill(stale, 0));
    CHECK_FAILS(task_kill(MACH_PORT_NULL, 0));
    /* The notify port must be a receive right of ours. */
    CHECK_FAILS(task_watch(task_self_port, stale));
    CHECK_FAILS(task_watch(task_self_port, task_self_port));
    TRY(ut_expect_empty(t, p));
    TRY(ut_port_destroy(t, p));
}

/* A task can be watched at most 64 times (the kernel holds a send-once
 * right per watch); the 65th watch is refused, and every watcher is told. */
UT_TEST(watch_limit, "task.watch_limit")
{
    static const char *const argv[] = { "spin", "sleep", NULL };
    struct ut_child c;
    task_exit_notification_t n;

    TRY(ut_spawn(t, "bin/spin", argv, MACH_PORT_NULL, &c));   /* watch 1 */
    for (int i = 1; i < 64; i++)
        CHECK_KR(task_watch(c.sr.task_port, c.notify), KERN_SUCCESS);
    CHECK_KR(task_watch(c.sr.task_port, c.notify), KERN_RESOURCE_SHORTAGE);
    CHECK_KR(task_kill(c.sr.task_port, 3), KERN_SUCCESS);
    for (int i = 0; i < 64; i++) {
        TRY(ut_wait_exit(t, &c, &n));
        CHECK_EQ(n.reason, TASK_EXIT_KILLED);
        CHECK_EQ(n.status, 3);
    }
    TRY(ut_child_done(t, &c));
}
