/* Threads and the scheduler: one CPU, 32 priorities (higher runs first),
 * round robin within a priority, preemption from the LAPIC timer.
 *
 * The kernel is not preemptible: kernel code runs until it blocks, yields or
 * returns to user mode, so kernel data needs no locks.  Interrupt handlers
 * touch only the run queues and the timeout list, with interrupts off.
 * System calls run with interrupts off; kernel threads run with them on and
 * call into the scheduler, which disables them itself. */
#ifndef KERN_SCHED_H
#define KERN_SCHED_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kern/return.h"

struct task;
struct thread;
struct trap_frame;

/* A FIFO of blocked threads.  Waiters re-check their condition when they
 * wake (a wakeup is a hint, not a handover). */
struct waitq {
    struct thread *head, *tail;
};

enum thread_state {
    TH_RUNNABLE,        /* on a run queue */
    TH_RUNNING,         /* the current thread */
    TH_BLOCKED,         /* on a waitq and/or the timeout list */
    TH_DEAD,            /* waiting for the reaper */
};

/* Why waitq_wait returned. */
#define WAIT_AWAKENED     0
#define WAIT_TIMED_OUT    1
#define WAIT_INTERRUPTED  2     /* the thread's task is being terminated */

struct thread {
    uint64_t ksp;               /* saved kernel %rsp while switched out */
    uint8_t *kstack;            /* KERNEL_STACK_SIZE bytes */
    struct task *task;          /* NULL for kernel threads */
    uint32_t tid;
    int priority;               /* 0..THREAD_PRIORITY_MAX */
    enum thread_state state;
    bool terminating;           /* killed: leave the kernel at the next chance */
    struct thread *q_next;      /* run queue or waitq link */
    struct waitq *waitq;        /* the waitq it is blocked on, or NULL */
    uint64_t deadline;          /* ticks; 0 = no timeout */
    struct thread *timeout_next;
    int wait_result;            /* WAIT_* */
    struct thread *task_next;   /* the task's thread list */
    struct thread *all_next;    /* every thread (for stats) */
    uint32_t quantum;           /* ticks left before round robin */
    uint64_t cpu_ticks;
    struct trap_frame *user_frame;  /* the frame to return to user mode with */
    void (*kfn)(void *);        /* kernel threads: body */
    void *karg;
    char name[16];
};

void sched_init(void);
/* Make the boot flow the first kernel thread and start the idle thread. */
void sched_start(void);
struct thread *current_thread(void);
static inline struct task *current_task(void);

/* A kernel thread running fn(arg); it ends when fn returns. */
struct thread *thread_create_kernel(void (*fn)(void *), void *arg, int priority,
                                    const char *name);
/* A user thread of task starting at entry with %rsp = stack_top, %rdi = arg
 * (and %rsi, %rdx, %rcx from a[1..3] for a task's first thread). */
kern_return_t thread_create_user(struct task *task, uint64_t entry,
                                 uint64_t stack_top, const uint64_t args[4],
                                 int priority, struct thread **out);
/* End the current thread; never returns. */
__attribute__((noreturn)) void thread_exit(void);
/* Mark t to end: wakes it if blocked (WAIT_INTERRUPTED), removes it from the
 * run queue if it is not current.  It is freed once it is off the CPU. */
void thread_terminate(struct thread *t);

/* Put t on its run queue (it must be blocked or new). */
void sched_make_runnable(struct thread *t);
/* Give up the CPU to the best runnable thread (maybe us again). */
void sched_yield(void);
/* From the timer interrupt: account a tick, expire timeouts. */
void sched_tick(struct trap_frame *tf);
/* On every way back to user mode: a terminating thread exits here, and a
 * better thread waiting (or a used-up quantum) switches here. */
void sched_return_to_user(void);
/* Set by the timer when the current thread should give way. */
extern volatile bool sched_need_resched;
/* Set t's priority, requeueing it. */
void thread_set_priority(struct thread *t, int priority);

void waitq_init(struct waitq *wq);
/* Block the current thread on wq (or only on the clock if wq is NULL) until
 * a wakeup, the deadline (absolute ticks; 0 = none) or termination. */
int waitq_wait(struct waitq *wq, uint64_t deadline);
/* Wake the first / every waiter with WAIT_AWAKENED; true if any woke. */
bool waitq_wakeup_one(struct waitq *wq);
bool waitq_wakeup_all(struct waitq *wq);
/* Sleep for ms milliseconds (WAIT_TIMED_OUT normally). */
int thread_sleep_ms(uint64_t ms);

/* Counters for kernel_stats and the tests. */
extern uint32_t sched_thread_count;
extern uint64_t sched_context_switches;

static inline struct task *current_task(void)
{
    return current_thread()->task;
}

#endif
