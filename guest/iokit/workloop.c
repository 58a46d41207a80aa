/* The kernel's IOKit work loop: one thread ("iokit-matching") runs all
 * matching and termination (IOService_run_matching), so driver lifecycle
 * calls never run concurrently.  Waiters for quiet sleep on a wait queue
 * woken whenever busy counts change. */
#include "iokit/IOService.h"
#include "kern/kernel.h"
#include "kern/sched.h"

static struct waitq work_wq;
static struct waitq quiet_wq;
static struct thread *workloop_thread;

void iokit_workloop_queue(IOService *svc)
{
    (void)svc;
    waitq_wakeup_one(&work_wq);
}

void iokit_workloop_busy_changed(void)
{
    waitq_wakeup_all(&quiet_wq);
}

IOReturn IOService_wait_quiet(IOService *svc, uint64_t timeout_ms)
{
    uint64_t deadline = timeout_ms ? timer_ticks() + timeout_ms * HZ / 1000 : 0;

    /* A driver waiting on the loop that must run to end its wait. */
    if (current_thread() == workloop_thread)
        return IOService_get_busy_state(svc) > 0 ? kIOReturnBusy : kIOReturnSuccess;
    while (IOService_get_busy_state(svc) > 0) {
        if (deadline && timer_ticks() >= deadline)
            return kIOReturnTimeout;
        waitq_wait(&quiet_wq, deadline);
    }
    return kIOReturnSuccess;
}

/* Drain the queue; sleep when it is empty.  No wakeup can be lost: nothing
 * between finding the queue empty and blocking can yield the CPU. */
static void workloop_main(void *arg)
{
    (void)arg;
    for (;;) {
        if (IOService_run_matching() == 0)
            waitq_wait(&work_wq, 0);
    }
}

bool iokit_workloop_start(void);
bool iokit_workloop_start(void)
{
    waitq_init(&work_wq);
    waitq_init(&quiet_wq);
    workloop_thread = thread_create_kernel(workloop_main, NULL, 24,
                                           "iokit-matching");
    return workloop_thread != NULL;
}
