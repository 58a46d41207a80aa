/* System-call hygiene: unknown numbers, bad pointers and bad input are
 * errors for the caller, never a crash; the clock and counters are sane. */
#include "ut.h"

UT_TEST(sys_unknown, "sys.unknown_syscall")
{
    CHECK_KR(syscall6(SYS_COUNT, 0, 0, 0, 0, 0, 0), KERN_INVALID_SYSCALL);
    CHECK_KR(syscall6(1000, 0, 0, 0, 0, 0, 0), KERN_INVALID_SYSCALL);
    CHECK_KR(syscall6(-1, 0, 0, 0, 0, 0, 0), KERN_INVALID_SYSCALL);
    /* High bits are part of the number, not ignored. */
    CHECK_KR(syscall6((1L << 32) | SYS_null, 0, 0, 0, 0, 0, 0), KERN_INVALID_SYSCALL);
    CHECK_KR(syscall6(SYS_null, 0, 0, 0, 0, 0, 0), KERN_SUCCESS);
    TRY(ut_self_ping(t));
}

UT_TEST(sys_log_bad_pointer, "sys.log_bad_pointer")
{
    static const char line[] = "utest: sys_log works";

    CHECK_KR(sys_log((const char *)(uintptr_t)UT_KERNEL_ADDR, 16), KERN_INVALID_ADDRESS);
    CHECK_KR(sys_log((const char *)(uintptr_t)UT_UNMAPPED_ADDR, 16), KERN_INVALID_ADDRESS);
    CHECK_KR(sys_log(NULL, 16), KERN_INVALID_ADDRESS);
    CHECK_KR(sys_log(line, sizeof(line) - 1), KERN_SUCCESS);
    TRY(ut_self_ping(t));
}

UT_TEST(sys_control_report_invalid, "sys.control_report_invalid")
{
    CHECK_FAILS(control_report("{not json"));
    CHECK_FAILS(control_report("[1, 2]"));
    CHECK_FAILS(control_report("\"text\""));
    CHECK_FAILS(control_report(""));
    CHECK_FAILS(control_report("{\"a\":1}\n{\"b\":2}"));        /* one line, one object */
    CHECK_FAILS(control_report("{\"a\":1} trailing"));
    CHECK_KR(syscall6(SYS_control_report, (long)UT_KERNEL_ADDR, 8, 0, 0, 0, 0),
             KERN_INVALID_ADDRESS);
}

UT_TEST(sys_clock, "sys.clock")
{
    struct clock_info c0, c1;

    CHECK_KR(clock_info(&c0), KERN_SUCCESS);
    CHECK(c0.uptime_ms > 0);
    CHECK(c0.tsc_hz >= 1000000);
    CHECK_KR(thread_sleep_ms(20), KERN_SUCCESS);
    CHECK_KR(clock_info(&c1), KERN_SUCCESS);
    /* At least the sleep, with room for a coarse clock. */
    CHECK(c1.uptime_ms - c0.uptime_ms >= 15);
    CHECK_EQ(c1.tsc_hz, c0.tsc_hz);
    CHECK_KR(syscall6(SYS_clock_info, (long)UT_KERNEL_ADDR, 0, 0, 0, 0, 0),
             KERN_INVALID_ADDRESS);
}

UT_TEST(sys_kernel_stats, "sys.kernel_stats")
{
    struct kernel_stats a, b;
    mach_port_name_t p;

    TRY(ut_stats(t, &a));
    CHECK(a.tasks >= 1 && a.threads >= a.tasks);
    CHECK(a.free_pages > 0 && a.ports >= 1);
    /* Counts follow what we do. */
    TRY(ut_port(t, &p));
    TRY(ut_stats(t, &b));
    CHECK_EQ(b.ports, a.ports + 1);
    CHECK(b.syscalls > a.syscalls);
    TRY(ut_port_destroy(t, p));
    CHECK_KR(syscall6(SYS_kernel_stats, (long)UT_KERNEL_ADDR, 0, 0, 0, 0, 0),
             KERN_INVALID_ADDRESS);
    CHECK_KR(syscall6(SYS_port_type, (long)task_self_port, (long)UT_KERNEL_ADDR,
                      (long)UT_KERNEL_ADDR, 0, 0, 0), KERN_INVALID_ADDRESS);
}
