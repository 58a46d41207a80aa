/* Threads: thread_create gives each thread a vm_allocate'd stack; the stack
 * of a thread that has exited is put on a lock-free list and unmapped by the
 * next thread_create or thread_exit (a thread cannot unmap the stack it is
 * running on).  The main thread's stack belongs to the kernel. */
#include "libc.h"
#include "mach.h"

#include "internal.h"

/* Placed at the top of a new thread's stack; %rdi at thread_entry. */
struct thread_start {
    void (*fn)(void *);
    void *arg;
    uint64_t stack_base;
    uint64_t pad;               /* keeps the stack top 16-byte aligned */
};

uint64_t dead_stacks;           /* list head; see internal.h */

/* Bases of the live thread_create stacks, so thread_exit can tell whose
 * stack it runs on.  A slot is claimed with a compare-and-swap from 0. */
static uint64_t live_stacks[TASK_THREADS_MAX];

void thread_entry(void);        /* crt0.S */
__attribute__((noreturn, used)) void thread_start_c(struct thread_start *s);

/* Push base onto dead_stacks and end the thread; after the push nothing
 * touches the stack (`syscall` does not), so another thread may unmap it
 * at any moment. */
__attribute__((noreturn)) static void release_and_exit(uint64_t base)
{
    __asm__ volatile("mov dead_stacks(%%rip), %%rax\n\t"
                     "1: mov %%rax, (%0)\n\t"       /* node->next = head */
                     "lock cmpxchg %0, dead_stacks(%%rip)\n\t"
                     "jne 1b\n\t"                   /* %rax = new head; retry */
                     "mov %1, %%eax\n\t"
                     "syscall\n\t"
                     "ud2"
                     :
                     : "r"(base), "i"(SYS_thread_exit)
                     : "rax", "rcx", "r11", "memory");
    __builtin_unreachable();
}

void thread_reap_stacks(void)
{
    uint64_t node = __atomic_exchange_n(&dead_stacks, 0, __ATOMIC_ACQUIRE);

    while (node) {
        uint64_t next = *(volatile uint64_t *)node;
        vm_deallocate(node, THREAD_STACK_SIZE);
        node = next;
    }
}

static int claim_slot(uint64_t base)
{
    for (int i = 0; i < TASK_THREADS_MAX; i++) {
        uint64_t zero = 0;
        if (__atomic_compare_exchange_n(&live_stacks[i], &zero, base, false,
                                        __ATOMIC_ACQ_REL, __ATOMIC_RELAXED))
            return i;
    }
    return -1;
}

kern_return_t thread_create(void (*fn)(void *), void *arg, int priority,
                            uint32_t *tid)
{
    if (!fn)
        return KERN_INVALID_ARGUMENT;     /* the kernel checks the priority */
    thread_reap_stacks();

    uint64_t base = 0;
    kern_return_t kr = vm_allocate(&base, THREAD_STACK_SIZE,
                                   VM_PROT_READ | VM_PROT_WRITE);
    if (kr != KERN_SUCCESS)
        return kr;
    int slot = claim_slot(base);
    if (slot < 0) {
        vm_deallocate(base, THREAD_STACK_SIZE);
        return KERN_RESOURCE_SHORTAGE;
    }
    struct thread_start *s =
        (void *)(base + THREAD_STACK_SIZE - sizeof(struct thread_start));
    s->fn = fn;
    s->arg = arg;
    s->stack_base = base;
    uint32_t id = 0;
    kr = (kern_return_t)syscall6(SYS_thread_create, (long)(uintptr_t)thread_entry,
                                 (long)(uintptr_t)s, (long)(uintptr_t)s,
                                 priority, (long)(uintptr_t)&id, 0);
    if (kr != KERN_SUCCESS) {
        __atomic_store_n(&live_stacks[slot], 0, __ATOMIC_RELEASE);
        vm_deallocate(base, THREAD_STACK_SIZE);
        return kr;
    }
    if (tid)
        *tid = id;
    return KERN_SUCCESS;
}

void thread_start_c(struct thread_start *s)
{
    s->fn(s->arg);
    thread_exit();
}

void thread_exit(void)
{
    uint64_t sp = (uint64_t)(uintptr_t)__builtin_frame_address(0);

    thread_reap_stacks();
    for (int i = 0; i < TASK_THREADS_MAX; i++) {
        uint64_t base = __atomic_load_n(&live_stacks[i], __ATOMIC_ACQUIRE);
        if (base && sp >= base && sp < base + THREAD_STACK_SIZE) {
            __atomic_store_n(&live_stacks[i], 0, __ATOMIC_RELEASE);
            release_and_exit(base);
        }
    }
    /* The main thread, or a thread the library did not start. */
    syscall6(SYS_thread_exit, 0, 0, 0, 0, 0, 0);
    __builtin_unreachable();
}

kern_return_t thread_sleep_ms(uint64_t ms)
{
    return (kern_return_t)syscall6(SYS_thread_sleep, (long)ms, 0, 0, 0, 0, 0);
}

void thread_yield(void)
{
    syscall6(SYS_thread_yield, 0, 0, 0, 0, 0, 0);
}

kern_return_t thread_set_priority(uint32_t tid, int priority)
{
    return (kern_return_t)syscall6(SYS_thread_set_priority, tid, priority, 0,
                                   0, 0, 0);
}
