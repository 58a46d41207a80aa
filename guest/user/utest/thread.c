/* Threads of this task: IPC between them, priorities (argument checks and
 * who runs first), many threads coming and going without leaks. */
#include "ut.h"

static struct {
    mach_port_name_t port;
    volatile int done;
    kern_return_t kr;
} snd;

static void sender_thread(void *arg)
{
    (void)arg;
    thread_sleep_ms(UT_QUIET_MS);       /* the main thread blocks meanwhile */
    snd.kr = ut_send(snd.port, MACH_MSG_TYPE_MAKE_SEND, 0, 0, 300, 0, 0);
    __atomic_store_n(&snd.done, 1, __ATOMIC_SEQ_CST);
}

UT_TEST(threads_ipc, "task.threads.ipc")
{
    mach_port_name_t p;
    struct ut_msg m;

    TRY(ut_port(t, &p));
    snd.port = p;
    snd.done = 0;
    snd.kr = KERN_FAILURE;
    TRY(ut_thread(t, sender_thread, NULL, THREAD_PRIORITY_DEFAULT));
    /* Blocked in receive until the other thread sends. */
    TRY(ut_recv_simple(t, p, 300, &m));
    CHECK(ut_wait_flag(&snd.done, UT_WAIT_MS));
    CHECK_KR(snd.kr, KERN_SUCCESS);
    TRY(ut_port_destroy(t, p));
}

static volatile int ran;

static void mark_ran(void *arg)
{
    (void)arg;
    __atomic_store_n(&ran, 1, __ATOMIC_SEQ_CST);
}

UT_TEST(threads_priority, "task.threads.priority")
{
    uint32_t tid = 0;
    uint64_t end;

    /* Out of range, or a thread that is not ours. */
    CHECK_FAILS(thread_set_priority(0, -1));
    CHECK_FAILS(thread_set_priority(0, THREAD_PRIORITY_MAX + 1));
    CHECK_FAILS(thread_set_priority(0x7fffffff, THREAD_PRIORITY_DEFAULT));
    CHECK_FAILS(thread_create(mark_ran, NULL, THREAD_PRIORITY_MAX + 1, NULL));
    CHECK_FAILS(syscall6(SYS_thread_create, (long)UT_KERNEL_ADDR, (long)USER_HEAP_BASE,
                         0, THREAD_PRIORITY_DEFAULT, (long)(uintptr_t)&tid, 0));
    CHECK_KR(thread_set_priority(0, THREAD_PRIORITY_DEFAULT), KERN_SUCCESS);

    /* Higher priority runs first: a new thread above us has run by the time
     * thread_create returns ... */
    ran = 0;
    TRY(ut_thread(t, mark_ran, NULL, THREAD_PRIORITY_DEFAULT + 2));
    CHECK_EQ(ran, 1);
    /* ... and one below us does not run while we keep the CPU, but does as
     * soon as we block. */
    ran = 0;
    TRY(ut_thread(t, mark_ran, NULL, THREAD_PRIORITY_DEFAULT - 2));
    end = uptime_ms() + 20;
    while (uptime_ms() < end)
        __asm__ volatile("pause");
    CHECK_EQ(ran, 0);
    CHECK(ut_wait_flag(&ran, UT_WAIT_MS));
}

static volatile int counter;

static void count_up(void *arg)
{
    (void)arg;
    __atomic_add_fetch(&counter, 1, __ATOMIC_SEQ_CST);
}

/* Start n count_up threads and wait until all have counted. */
static void count_threads(struct utest_ctx *t, int n)
{
    uint64_t end;

    counter = 0;
    for (int i = 0; i < n; i++)
        TRY(ut_thread(t, count_up, NULL, THREAD_PRIORITY_DEFAULT));
    end = uptime_ms() + UT_WAIT_MS;
    while (counter < n && uptime_ms() < end)
        thread_sleep_ms(1);
    CHECK_EQ(counter, n);
}

/* Wait until the kernel counts `threads` threads again. */
static void wait_threads(struct utest_ctx *t, uint32_t threads)
{
    uint64_t end = uptime_ms() + UT_WAIT_MS;
    struct kernel_stats ks;

    do {
        TRY(ut_stats(t, &ks));
        if (ks.threads == threads)
            return;
        thread_sleep_ms(2);
    } while (uptime_ms() < end);
    CHECK_EQ(ks.threads, threads);
}

/* n threads come and go, then one more: its thread_create frees every stack
 * the others left (thread_exit leaves one or two behind, depending on how
 * the exits interleaved), so exactly its own stays. */
static void thread_round(struct utest_ctx *t, int n, uint32_t threads)
{
    TRY(count_threads(t, n));
    TRY(wait_threads(t, threads));
    TRY(count_threads(t, 1));
    TRY(wait_threads(t, threads));
}

UT_TEST(threads_many, "task.threads.create_many")
{
    struct kernel_stats base0, base;

    /* The first round grows the kernel heap to hold 16 kernel stacks (it
     * keeps the pages); the second must then leave nothing behind.  Kernel
     * memory is checked by heap_allocations (exact); free pages only within
     * what heap fragmentation can cost (GROW_MIN is 16 pages). */
    TRY(ut_stats(t, &base0));
    TRY(thread_round(t, 16, base0.threads));
    TRY(ut_stats_quiet(t, &base));
    TRY(thread_round(t, 16, base0.threads));
    TRY(ut_stats_settle(t, &base, 48));
}
