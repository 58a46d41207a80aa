/* Tasks: spawning from the boot collection, termination and reclaiming,
 * user faults (kern/task.h). */
#include <format.h>
#include <string.h>

#include "arch/trap.h"
#include "arch/x86.h"
#include "boot/collection.h"
#include "kern/console.h"
#include "kern/control.h"
#include "kern/elf.h"
#include "kern/ipc.h"
#include "kern/kernel.h"
#include "kern/panic.h"
#include "kern/syscall.h"
#include "kern/task.h"
#include "kern/vm.h"

#define ARGC_MAX      64
#define EXIT_RECORDS  16
#define BACKTRACE_MAX 16

struct task *task_list_head;
uint32_t task_count;
static uint32_t next_pid = 1;
static struct task_exit_record exits[EXIT_RECORDS];
static unsigned exits_next;

struct task *task_find(uint32_t pid)
{
    for (struct task *t = task_list_head; t; t = t->next) {
        if (t->pid == pid)
            return t;
    }
    return NULL;
}

bool task_exit_lookup(uint32_t pid, struct task_exit_record *out)
{
    for (unsigned i = 0; i < EXIT_RECORDS; i++) {
        if (exits[i].pid == pid && pid) {
            *out = exits[i];
            return true;
        }
    }
    return false;
}

/* Copy argv onto the new stack: strings at the top, then the pointer
 * array (16-byte aligned, NULL-terminated).  Returns the initial %rsp. */
static kern_return_t push_args(struct vm_map *map, const char *args, size_t len,
                               int argc, uint64_t *rsp, uint64_t *argv_out)
{
    uint64_t sp = USER_STACK_TOP;
    uint64_t ptrs[ARGC_MAX + 1];

    sp -= len;
    uint64_t strings = sp;
    if (len && copyout(map, args, strings, len) != KERN_SUCCESS)
        return KERN_RESOURCE_SHORTAGE;
    for (int i = 0, off = 0; i < argc; i++) {
        ptrs[i] = strings + off;
        off += strnlen(args + off, len - off) + 1;
    }
    ptrs[argc] = 0;
    sp = (sp - (argc + 1) * 8) & ~15ULL;
    if (copyout(map, ptrs, sp, (argc + 1) * 8) != KERN_SUCCESS)
        return KERN_RESOURCE_SHORTAGE;
    *argv_out = sp;
    *rsp = sp - 8;              /* as if main's caller had pushed a return */
    return KERN_SUCCESS;
}

/* Free everything of a task whose threads are all gone, and tell its
 * watchers. */
static void task_destroy(struct task *task)
{
    for (struct task **pp = &task_list_head; *pp; pp = &(*pp)->next) {
        if (*pp == task) {
            *pp = task->next;
            task_count--;
            break;
        }
    }
    if (task->space)
        ipc_space_destroy(task->space);
    if (task->self_port)
        ipc_port_kobject_destroy(task->self_port);
    if (task->map)
        vm_map_destroy(task->map);

    struct task_exit_record *rec = &exits[exits_next++ % EXIT_RECORDS];
    rec->pid = task->pid;
    rec->reason = task->exit_reason;
    rec->status = task->exit_status;
    rec->fault_vector = task->fault_vector;
    rec->fault_address = task->fault_address;
    rec->fault_rip = task->fault_rip;

    task_exit_notification_t n;
    memset(&n, 0, sizeof(n));
    n.header.msgh_size = sizeof(n);
    n.header.msgh_id = TASK_NOTIFY_EXIT;
    n.pid = task->pid;
    n.status = task->exit_status;
    n.reason = task->exit_reason;
    n.fault_vector = task->fault_vector;
    n.fault_address = task->fault_address;
    n.fault_rip = task->fault_rip;
    memcpy(n.name, task->name, sizeof(n.name));
    while (task->watchers) {
        struct task_watcher *w = task->watchers;
        task->watchers = w->next;
        ipc_kernel_send_once(w->port, &n.header, sizeof(n));
        kfree(w);
    }
    kfree(task);
}

kern_return_t task_spawn(const char *path, const char *args, size_t args_len,
                         struct ipc_space *bs_space, uint32_t bs_name,
                         uint32_t flags, uint32_t parent_pid, struct task **out,
                         const char **why)
{
    kern_return_t kr;
    int argc = 0;

    *why = "";
    /* Decode: the program and its arguments. */
    if (!boot_collection) {
        *why = "no boot collection";
        return KERN_NOT_FOUND;
    }
    const struct bootcol_entry *e = bootcol_find(boot_collection, path);
    if (!e) {
        *why = "no such program in the boot collection";
        return KERN_NOT_FOUND;
    }
    if (args_len > TASK_ARGS_MAX || (args_len && args[args_len - 1] != '\0')) {
        *why = "arguments too long or not NUL-terminated";
        return KERN_INVALID_ARGUMENT;
    }
    for (size_t i = 0; i < args_len; i++) {
        if (!args[i] && ++argc > ARGC_MAX) {
            *why = "too many arguments";
            return KERN_INVALID_ARGUMENT;
        }
    }

    struct task *task = kmalloc(sizeof(*task));
    if (!task) {
        *why = "out of memory";
        return KERN_RESOURCE_SHORTAGE;
    }
    memset(task, 0, sizeof(*task));
    task->pid = next_pid++;
    task->parent_pid = parent_pid;
    task->flags = flags & TASK_PRIV_ALL;
    task->max_priority = 24;
    task->state = TASK_STATE_RUNNING;
    const char *base = path;
    for (const char *p = path; *p; p++) {
        if (*p == '/')
            base = p + 1;
    }
    size_t namelen = strnlen(base, TASK_NAME_MAX - 1);
    memcpy(task->name, base, namelen);
    task->name[namelen] = '\0';
    task->image = (const uint8_t *)boot_collection + e->offset;
    task->image_size = e->size;
    task->next = task_list_head;
    task_list_head = task;
    task_count++;

    uint64_t entry, rsp, argv;
    uint64_t stack_at = USER_STACK_TOP - USER_STACK_SIZE;
    struct vm_object *stack;
    task->map = vm_map_create();
    if (!task->map) {
        *why = "out of memory";
        kr = KERN_RESOURCE_SHORTAGE;
        goto fail;
    }
    kr = elf_load(task->map, task->image, task->image_size, &entry, why);
    if (kr != KERN_SUCCESS)
        goto fail;
    stack = vm_object_create_anon(USER_STACK_SIZE);
    if (!stack) {
        *why = "out of memory";
        kr = KERN_RESOURCE_SHORTAGE;
        goto fail;
    }
    kr = vm_map_enter(task->map, &stack_at, USER_STACK_SIZE,
                      VM_PROT_READ | VM_PROT_WRITE, stack, 0);
    vm_object_release(stack);
    if (kr == KERN_SUCCESS)
        kr = push_args(task->map, args, args_len, argc, &rsp, &argv);
    if (kr != KERN_SUCCESS) {
        *why = "cannot set up the stack";
        goto fail;
    }

    task->space = ipc_space_create(task);
    task->self_port = task->space ? ipc_port_alloc_kobject(IKOT_TASK, task) : NULL;
    if (!task->self_port) {
        *why = "out of memory";
        kr = KERN_RESOURCE_SHORTAGE;
        goto fail;
    }
    mach_port_name_t bs = MACH_PORT_NULL, self = MACH_PORT_NULL;
    if (bs_space && bs_name != MACH_PORT_NULL) {
        kr = ipc_right_copy_send(bs_space, bs_name, task->space, &bs);
        if (kr != KERN_SUCCESS) {
            *why = "the bootstrap port is not a send right";
            goto fail;
        }
    }
    kr = ipc_right_copyout_send(task->space, task->self_port, &self);
    if (kr != KERN_SUCCESS) {
        *why = "cannot name the task port";
        goto fail;
    }
    uint64_t regs[4] = { (uint64_t)argc, argv, bs, self };
    struct thread *th;
    kr = thread_create_user(task, entry, rsp, regs, THREAD_PRIORITY_DEFAULT, &th);
    if (kr != KERN_SUCCESS) {
        *why = "cannot create the first thread";
        goto fail;
    }
    *out = task;
    return KERN_SUCCESS;

fail:
    task->state = TASK_STATE_EXITING;
    task->exit_reason = TASK_EXIT_KILLED;
    task_destroy(task);
    return kr;
}

void task_terminate(struct task *task, uint32_t reason, int32_t status)
{
    if (task->state != TASK_STATE_RUNNING)
        return;
    task->state = TASK_STATE_EXITING;
    task->exit_reason = reason;
    task->exit_status = status;
    for (struct thread *t = task->threads; t; t = t->task_next)
        thread_terminate(t);
    if (!task->nthreads)
        task_destroy(task);
}

void task_thread_reaped(struct task *task, struct thread *t)
{
    (void)t;
    if (task->nthreads)
        return;
    if (task->state == TASK_STATE_RUNNING) {
        /* Its last thread called thread_exit. */
        task->state = TASK_STATE_EXITING;
        task->exit_reason = TASK_EXIT_NORMAL;
        task->exit_status = 0;
    }
    task_destroy(task);
}

/* "<symbol+0x12>" for a user address, or "". */
static void user_symbol(struct task *task, uint64_t addr, char *buf, size_t size)
{
    uint64_t off;
    const char *name = elf_symbolize(task->image, task->image_size, addr, &off);

    if (name)
        snprintf(buf, size, " <%s+0x%lx>", name, off);
    else
        buf[0] = '\0';
}

static void describe_fault(const struct trap_frame *tf, uint64_t cr2, char *buf,
                           size_t size)
{
    if (tf->vector != VEC_PAGE_FAULT) {
        snprintf(buf, size, "%s", trap_name(tf->vector));
        return;
    }
    const char *what = (tf->error & 16) ? "execute" : (tf->error & 2) ? "write" : "read";
    const char *why = (tf->error & 1) ? "a protected" : "an unmapped";
    if (cr2 >= USER_SPACE_TOP)
        why = "a kernel or non-canonical";
    snprintf(buf, size, "page fault: %s of %s address 0x%lx", what, why, cr2);
}

void task_fault(struct trap_frame *tf)
{
    struct task *task = current_task();
    uint64_t cr2 = tf->vector == VEC_PAGE_FAULT ? read_cr2() : 0;
    char what[96], sym[64];

    describe_fault(tf, cr2, what, sizeof(what));
    user_symbol(task, tf->rip, sym, sizeof(sym));
    kprintf("task %s[%u]: %s (vector %lu) at rip 0x%lx%s; ending the task\n",
            task->name, task->pid, what, tf->vector, tf->rip, sym);
    /* The user backtrace: the frame-pointer chain, read with copyin. */
    uint64_t rbp = tf->rbp;
    kprintf("  #0 0x%lx%s\n", tf->rip, sym);
    for (int i = 1; i < BACKTRACE_MAX && rbp; i++) {
        uint64_t frame[2];
        if (copyin(task->map, rbp, frame, sizeof(frame)) != KERN_SUCCESS || !frame[1])
            break;
        user_symbol(task, frame[1], sym, sizeof(sym));
        kprintf("  #%d 0x%lx%s\n", i, frame[1], sym);
        if (frame[0] <= rbp)
            break;
        rbp = frame[0];
    }
    char esc[160], name[2 * TASK_NAME_MAX];
    json_escape(esc, sizeof(esc), what);
    json_escape(name, sizeof(name), task->name);
    control_sendf("{\"event\":\"task-fault\",\"pid\":%u,\"name\":\"%s\",\"vector\":%lu,"
                  "\"rip\":%lu,\"address\":%lu,\"what\":\"%s\"}", task->pid,
                  name, tf->vector, tf->rip, cr2, esc);
    user_fault_count++;
    task->fault_vector = (uint32_t)tf->vector;
    task->fault_address = cr2;
    task->fault_rip = tf->rip;
    task_terminate(task, TASK_EXIT_FAULT, -1);
    thread_exit();
}
