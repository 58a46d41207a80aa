/* Threads and the scheduler (see kern/sched.h for the model).
 *
 * Run queues: one FIFO per priority and a bitmap of non-empty ones.  The
 * timer gives each thread a quantum of QUANTUM_TICKS; a used-up quantum or a
 * better thread becoming runnable sets sched_need_resched, acted on at the
 * next return to user mode (or by the idle thread).  Dead threads go to the
 * reaper thread, which frees their stacks (and their task, after its last
 * thread) on its own stack, so nothing frees the stack it runs on. */
#include <string.h>

#include "arch/layout.h"
#include "arch/trap.h"
#include "arch/x86.h"
#include "kern/console.h"
#include "kern/kernel.h"
#include "kern/panic.h"
#include "kern/sched.h"
#include "kern/task.h"
#include "kern/vm.h"

#define NPRIO          (THREAD_PRIORITY_MAX + 1)
#define QUANTUM_TICKS  10
#define PRIO_IDLE      0
#define PRIO_REAPER    30

extern void switch_context(uint64_t *old_ksp, uint64_t new_ksp);
extern char thread_kernel_trampoline[], thread_user_trampoline[];
extern uint64_t syscall_kstack_top;
extern uint8_t boot_stack_bottom[];

uint32_t sched_thread_count;
uint64_t sched_context_switches;
volatile bool sched_need_resched;

static struct thread *current;
static struct thread *runq_head[NPRIO], *runq_tail[NPRIO];
static uint32_t runq_bitmap;
static struct thread *timeouts;         /* blocked threads with a deadline */
static struct thread *all_threads;
static struct thread *zombies;          /* dead, waiting for the reaper */
static struct waitq reaper_wq;
static struct thread *idle_thread;
static struct thread boot_thread;
static uint32_t next_tid = 1;

static inline uint64_t irq_save(void)
{
    uint64_t flags = read_rflags();
    cli();
    return flags;
}

static inline void irq_restore(uint64_t flags)
{
    if (flags & (1 << 9))
        sti();
}

struct thread *current_thread(void)
{
    return current;
}

static void runq_push(struct thread *t)
{
    int p = t->priority;

    t->q_next = NULL;
    if (runq_tail[p])
        runq_tail[p]->q_next = t;
    else
        runq_head[p] = t;
    runq_tail[p] = t;
    runq_bitmap |= 1u << p;
}

static void runq_remove(struct thread *t)
{
    int p = t->priority;
    struct thread **pp = &runq_head[p], *prev = NULL;

    for (; *pp; prev = *pp, pp = &(*pp)->q_next) {
        if (*pp == t) {
            *pp = t->q_next;
            if (runq_tail[p] == t)
                runq_tail[p] = prev;
            break;
        }
    }
    if (!runq_head[p])
        runq_bitmap &= ~(1u << p);
    t->q_next = NULL;
}

static struct thread *runq_pop(void)
{
    if (!runq_bitmap)
        return NULL;
    int p = 31 - __builtin_clz(runq_bitmap);
    struct thread *t = runq_head[p];
    runq_head[p] = t->q_next;
    if (!runq_head[p]) {
        runq_tail[p] = NULL;
        runq_bitmap &= ~(1u << p);
    }
    t->q_next = NULL;
    return t;
}

static void timeout_remove(struct thread *t)
{
    for (struct thread **pp = &timeouts; *pp; pp = &(*pp)->timeout_next) {
        if (*pp == t) {
            *pp = t->timeout_next;
            break;
        }
    }
    t->timeout_next = NULL;
    t->deadline = 0;
}

void sched_make_runnable(struct thread *t)
{
    uint64_t f = irq_save();

    if (t->state != TH_RUNNABLE && t->state != TH_RUNNING && t->state != TH_DEAD) {
        t->state = TH_RUNNABLE;
        runq_push(t);
        if (current && t->priority > current->priority)
            sched_need_resched = true;
    }
    irq_restore(f);
}

/* Switch to the best runnable thread; the current one must already be on a
 * run queue, blocked or dead.  Interrupts are off. */
static void schedule(void)
{
    struct thread *prev = current, *next = runq_pop();

    if (!next)
        next = idle_thread;
    sched_need_resched = false;
    if (next == prev) {
        prev->state = TH_RUNNING;
        return;
    }
    next->state = TH_RUNNING;
    next->quantum = QUANTUM_TICKS;
    uint64_t top = (uint64_t)next->kstack + KERNEL_STACK_SIZE;
    tss_set_rsp0(top);
    syscall_kstack_top = top;
    if (next->task)
        vm_map_activate(next->task->map);
    current = next;
    sched_context_switches++;
    switch_context(&prev->ksp, next->ksp);
}

void sched_yield(void)
{
    uint64_t f = irq_save();

    if (current->state == TH_RUNNING && current != idle_thread) {
        current->state = TH_RUNNABLE;
        runq_push(current);
    }
    schedule();
    irq_restore(f);
}

void sched_return_to_user(void)
{
    if (current->terminating)
        thread_exit();
    if (sched_need_resched)
        sched_yield();
    if (current->terminating)
        thread_exit();
}

void sched_tick(struct trap_frame *tf)
{
    uint64_t now = timer_ticks();

    (void)tf;
    current->cpu_ticks++;
    if (current->task)
        current->task->cpu_ticks++;
    for (struct thread **pp = &timeouts; *pp;) {
        struct thread *t = *pp;
        if (t->deadline > now) {
            pp = &t->timeout_next;
            continue;
        }
        *pp = t->timeout_next;
        t->timeout_next = NULL;
        t->deadline = 0;
        if (t->state == TH_BLOCKED) {
            t->wait_result = WAIT_TIMED_OUT;
            t->state = TH_RUNNABLE;
            runq_push(t);
            if (t->priority >= current->priority)
                sched_need_resched = true;
        }
    }
    if (current != idle_thread && current->quantum && --current->quantum == 0)
        sched_need_resched = true;
}

void waitq_init(struct waitq *wq)
{
    wq->head = wq->tail = NULL;
}

static void waitq_remove(struct waitq *wq, struct thread *t)
{
    struct thread *prev = NULL;

    for (struct thread **pp = &wq->head; *pp; prev = *pp, pp = &(*pp)->q_next) {
        if (*pp == t) {
            *pp = t->q_next;
            if (wq->tail == t)
                wq->tail = prev;
            break;
        }
    }
    t->q_next = NULL;
    t->waitq = NULL;
}

int waitq_wait(struct waitq *wq, uint64_t deadline)
{
    uint64_t f = irq_save();
    struct thread *t = current;

    if (t->terminating) {
        irq_restore(f);
        return WAIT_INTERRUPTED;
    }
    if (deadline && deadline <= timer_ticks()) {
        irq_restore(f);
        return WAIT_TIMED_OUT;
    }
    t->state = TH_BLOCKED;
    t->wait_result = WAIT_AWAKENED;
    t->waitq = wq;
    if (wq) {
        t->q_next = NULL;
        if (wq->tail)
            wq->tail->q_next = t;
        else
            wq->head = t;
        wq->tail = t;
    }
    if (deadline) {
        t->deadline = deadline;
        t->timeout_next = timeouts;
        timeouts = t;
    }
    schedule();
    /* Woken: by a wakeup (already off the waitq), a timeout or a kill. */
    if (t->waitq)
        waitq_remove(t->waitq, t);
    if (t->deadline)
        timeout_remove(t);
    int r = t->terminating ? WAIT_INTERRUPTED : t->wait_result;
    irq_restore(f);
    return r;
}

static bool wake(struct waitq *wq, bool all)
{
    uint64_t f = irq_save();
    bool any = false;

    while (wq->head) {
        struct thread *t = wq->head;
        waitq_remove(wq, t);
        if (t->state != TH_BLOCKED)
            continue;           /* a timeout already woke it */
        t->wait_result = WAIT_AWAKENED;
        t->state = TH_RUNNABLE;
        runq_push(t);
        if (t->priority > current->priority)
            sched_need_resched = true;
        any = true;
        if (!all)
            break;
    }
    irq_restore(f);
    return any;
}

bool waitq_wakeup_one(struct waitq *wq)
{
    return wake(wq, false);
}

bool waitq_wakeup_all(struct waitq *wq)
{
    return wake(wq, true);
}

int thread_sleep_ms(uint64_t ms)
{
    return waitq_wait(NULL, timer_ticks() + (ms ? ms : 1));
}

static struct thread *thread_alloc(int priority, const char *name)
{
    struct thread *t = kmalloc(sizeof(*t));
    if (!t)
        return NULL;
    memset(t, 0, sizeof(*t));
    t->kstack = kmalloc(KERNEL_STACK_SIZE);
    if (!t->kstack) {
        kfree(t);
        return NULL;
    }
    t->tid = next_tid++;
    t->priority = priority;
    t->state = TH_BLOCKED;      /* until made runnable */
    size_t n = strlen(name);
    if (n >= sizeof(t->name))
        n = sizeof(t->name) - 1;
    memcpy(t->name, name, n);
    uint64_t f = irq_save();
    t->all_next = all_threads;
    all_threads = t;
    sched_thread_count++;
    irq_restore(f);
    return t;
}

static void thread_free(struct thread *t)
{
    for (struct thread **pp = &all_threads; *pp; pp = &(*pp)->all_next) {
        if (*pp == t) {
            *pp = t->all_next;
            break;
        }
    }
    sched_thread_count--;
    kfree(t->kstack);
    kfree(t);
}

/* Lay out a switch frame returning to `to` below sp; returns the new ksp. */
static uint64_t push_switch_frame(uint64_t sp, void *to)
{
    uint64_t *s = (uint64_t *)sp;
    *--s = (uint64_t)to;        /* return address */
    for (int i = 0; i < 6; i++)
        *--s = 0;               /* rbp rbx r12 r13 r14 r15 */
    return (uint64_t)s;
}

__attribute__((noreturn)) void thread_kernel_main(void);
void thread_kernel_main(void)
{
    current->kfn(current->karg);
    thread_exit();
}

struct thread *thread_create_kernel(void (*fn)(void *), void *arg, int priority,
                                    const char *name)
{
    struct thread *t = thread_alloc(priority, name);
    if (!t)
        return NULL;
    t->kfn = fn;
    t->karg = arg;
    t->ksp = push_switch_frame((uint64_t)t->kstack + KERNEL_STACK_SIZE,
                               thread_kernel_trampoline);
    sched_make_runnable(t);
    return t;
}

kern_return_t thread_create_user(struct task *task, uint64_t entry,
                                 uint64_t stack_top, const uint64_t args[4],
                                 int priority, struct thread **out)
{
    if (task->nthreads >= TASK_THREADS_MAX)
        return KERN_RESOURCE_SHORTAGE;
    if (task->state != TASK_STATE_RUNNING)
        return KERN_TERMINATED;
    struct thread *t = thread_alloc(priority, task->name);
    if (!t)
        return KERN_RESOURCE_SHORTAGE;
    t->task = task;
    uint64_t top = (uint64_t)t->kstack + KERNEL_STACK_SIZE;
    struct trap_frame *tf = (struct trap_frame *)(top - sizeof(*tf));
    memset(tf, 0, sizeof(*tf));
    tf->rip = entry;
    tf->cs = GDT_UCODE;
    tf->rflags = 0x202;         /* IF */
    tf->rsp = stack_top;
    tf->ss = GDT_UDATA;
    tf->rdi = args[0];
    tf->rsi = args[1];
    tf->rdx = args[2];
    tf->rcx = args[3];
    t->user_frame = tf;
    t->ksp = push_switch_frame((uint64_t)tf, thread_user_trampoline);
    t->task_next = task->threads;
    task->threads = t;
    task->nthreads++;
    sched_make_runnable(t);
    *out = t;
    return KERN_SUCCESS;
}

void thread_exit(void)
{
    cli();
    struct thread *t = current;
    KASSERT(t != idle_thread && t != &boot_thread);
    if (t->waitq)
        waitq_remove(t->waitq, t);
    if (t->deadline)
        timeout_remove(t);
    t->state = TH_DEAD;
    t->q_next = zombies;
    zombies = t;
    wake(&reaper_wq, false);
    schedule();
    panic("thread_exit: a dead thread was scheduled");
}

void thread_terminate(struct thread *t)
{
    uint64_t f = irq_save();

    t->terminating = true;
    if (t->state == TH_BLOCKED) {
        if (t->waitq)
            waitq_remove(t->waitq, t);
        if (t->deadline)
            timeout_remove(t);
        t->wait_result = WAIT_INTERRUPTED;
        t->state = TH_RUNNABLE;
        runq_push(t);
    }
    /* A runnable thread exits on its way back to user mode. */
    irq_restore(f);
}

void thread_set_priority(struct thread *t, int priority)
{
    uint64_t f = irq_save();

    if (t->state == TH_RUNNABLE) {
        runq_remove(t);
        t->priority = priority;
        runq_push(t);
    } else {
        t->priority = priority;
    }
    if (t == current)
        sched_need_resched = true;
    irq_restore(f);
}

/* Frees dead threads, and their task after its last one. */
static void reaper_main(void *arg)
{
    (void)arg;
    for (;;) {
        cli();
        struct thread *list = zombies;
        zombies = NULL;
        sti();
        while (list) {
            struct thread *t = list;
            list = t->q_next;
            struct task *task = t->task;
            if (task) {
                for (struct thread **pp = &task->threads; *pp;
                     pp = &(*pp)->task_next) {
                    if (*pp == t) {
                        *pp = t->task_next;
                        break;
                    }
                }
                task->nthreads--;
            }
            thread_free(t);
            if (task)
                task_thread_reaped(task, NULL);
        }
        cli();
        if (!zombies)
            waitq_wait(&reaper_wq, 0);
        sti();
    }
}

static void idle_main(void *arg)
{
    (void)arg;
    for (;;) {
        cli();
        if (runq_bitmap) {
            schedule();
            sti();
            continue;
        }
        __asm__ volatile("sti; hlt" ::: "memory");
    }
}

void sched_init(void)
{
    /* The boot flow becomes a kernel thread on the boot stack. */
    current = &boot_thread;
    boot_thread.kstack = boot_stack_bottom;
    boot_thread.tid = 0;
    boot_thread.priority = 28;
    boot_thread.state = TH_RUNNING;
    boot_thread.quantum = QUANTUM_TICKS;
    memcpy(boot_thread.name, "kmain", 6);
    uint64_t top = (uint64_t)boot_stack_bottom + KERNEL_STACK_SIZE;
    tss_set_rsp0(top);
    syscall_kstack_top = top;
    waitq_init(&reaper_wq);
}

void sched_start(void)
{
    idle_thread = thread_create_kernel(idle_main, NULL, PRIO_IDLE, "idle");
    if (!idle_thread)
        panic("sched: cannot create the idle thread");
    /* The idle thread is never on a run queue: schedule() falls back to it. */
    cli();
    runq_remove(idle_thread);
    idle_thread->state = TH_RUNNABLE;
    sti();
    if (!thread_create_kernel(reaper_main, NULL, PRIO_REAPER, "reaper"))
        panic("sched: cannot create the reaper thread");
}
