/* System calls (mach/syscall.h): each is decoded (arguments checked, user
 * memory copied in) before it is invoked; results go back with copyout. */
#include <format.h>
#include <string.h>

#include "arch/trap.h"
#include "arch/x86.h"
#include "boot/collection.h"
#include "iokit/IOKitKernel.h"
#include "kern/console.h"
#include "kern/control.h"
#include "kern/ipc.h"
#include "kern/json.h"
#include "kern/kernel.h"
#include "kern/sched.h"
#include "kern/syscall.h"
#include "kern/task.h"
#include "kern/vm.h"

#define MSR_EFER   0xc0000080
#define MSR_STAR   0xc0000081
#define MSR_LSTAR  0xc0000082
#define MSR_FMASK  0xc0000084
#define EFER_SCE   1

#define LOG_MAX    512
#define MMIO_HOLE_START 0xc0000000ULL
#define MMIO_HOLE_END   0x100000000ULL
#define WATCHERS_MAX    64      /* per watched task */
#define SLEEP_MAX_MS (24ULL * 3600 * 1000)

extern char syscall_entry[];
uint64_t syscall_count;
uint64_t user_fault_count;

void syscall_init(void)
{
    wrmsr(MSR_EFER, rdmsr(MSR_EFER) | EFER_SCE);
    /* sysret: CS = 0x10 + 16 | 3 (user code), SS = 0x10 + 8 | 3 (user data);
     * syscall: CS = 0x08, SS = 0x10. */
    wrmsr(MSR_STAR, ((uint64_t)0x10 << 48) | ((uint64_t)GDT_KCODE << 32));
    wrmsr(MSR_LSTAR, (uint64_t)syscall_entry);
    /* Clear IF, DF, TF, AC on entry. */
    wrmsr(MSR_FMASK, (1 << 9) | (1 << 10) | (1 << 8) | (1 << 18));
}

static kern_return_t sys_log(struct task *task, uint64_t buf, uint64_t len)
{
    char text[LOG_MAX + 1];

    if (len > LOG_MAX)
        len = LOG_MAX;      /* longer lines are cut, never refused */
    kern_return_t kr = copyin(task->map, buf, text, len);
    if (kr != KERN_SUCCESS)
        return kr;
    while (len && (text[len - 1] == '\n' || text[len - 1] == '\r'))
        len--;
    text[len] = '\0';
    kprintf("[%s:%u] %s\n", task->name, task->pid, text);
    return KERN_SUCCESS;
}

static kern_return_t sys_control_report(struct task *task, uint64_t buf, uint64_t len)
{
    char line[1000];

    if (!(task->flags & TASK_PRIV_CONTROL))
        return KERN_NO_ACCESS;
    if (len >= sizeof(line))
        return KERN_INVALID_ARGUMENT;
    kern_return_t kr = copyin(task->map, buf, line, len);
    if (kr != KERN_SUCCESS)
        return kr;
    line[len] = '\0';
    if (strlen(line) != len || strchr(line, '\n') || !json_valid_object(line))
        return KERN_INVALID_ARGUMENT;
    control_send(line);
    return KERN_SUCCESS;
}

static void thread_trampoline_regs(uint64_t arg, uint64_t regs[4])
{
    regs[0] = arg;
    regs[1] = regs[2] = regs[3] = 0;
}

static kern_return_t sys_thread_create(struct task *task, uint64_t entry,
                                       uint64_t stack, uint64_t arg, int64_t prio,
                                       uint64_t tid_out)
{
    uint64_t regs[4];
    struct thread *t;

    if (!vm_user_range_ok(entry, 1) || !vm_user_range_ok(stack - 1, 1) ||
        (stack & 15))
        return KERN_INVALID_ADDRESS;
    if (prio < 0 || prio > task->max_priority)
        return KERN_INVALID_VALUE;
    /* Check the out pointer before creating anything. */
    uint32_t tid = 0;
    kern_return_t kr = copyout(task->map, &tid, tid_out, sizeof(tid));
    if (kr != KERN_SUCCESS)
        return kr;
    thread_trampoline_regs(arg, regs);
    kr = thread_create_user(task, entry, stack - 8, regs, (int)prio, &t);
    if (kr != KERN_SUCCESS)
        return kr;
    tid = t->tid;
    return copyout(task->map, &tid, tid_out, sizeof(tid));
}

static kern_return_t sys_set_priority(struct task *task, uint64_t tid, int64_t prio)
{
    if (prio < 0 || prio > task->max_priority)
        return KERN_INVALID_VALUE;
    for (struct thread *t = task->threads; t; t = t->task_next) {
        if ((tid == 0 && t == current_thread()) || t->tid == tid) {
            thread_set_priority(t, (int)prio);
            return KERN_SUCCESS;
        }
    }
    return KERN_INVALID_ARGUMENT;
}

static kern_return_t sys_vm_allocate(struct task *task, uint64_t addr_out,
                                     uint64_t size, uint64_t prot)
{
    uint64_t addr = 0;

    if (!size || size > (256ULL << 20) || (prot & ~(uint64_t)VM_PROT_ALL) ||
        (prot & VM_PROT_EXECUTE))
        return KERN_INVALID_ARGUMENT;
    kern_return_t kr = copyout(task->map, &addr, addr_out, sizeof(addr));
    if (kr != KERN_SUCCESS)
        return kr;
    struct vm_object *obj = vm_object_create_anon(size);
    if (!obj)
        return KERN_RESOURCE_SHORTAGE;
    kr = vm_map_enter(task->map, &addr, size, (uint32_t)prot | VM_PROT_READ, obj, 0);
    vm_object_release(obj);
    if (kr != KERN_SUCCESS)
        return kr;
    return copyout(task->map, &addr, addr_out, sizeof(addr));
}

static kern_return_t sys_memory_object_create(struct task *task, uint64_t size,
                                              uint64_t name_out)
{
    mach_port_name_t name = MACH_PORT_NULL;

    if (!size || size > (256ULL << 20))
        return KERN_INVALID_ARGUMENT;
    kern_return_t kr = copyout(task->map, &name, name_out, sizeof(name));
    if (kr != KERN_SUCCESS)
        return kr;
    struct vm_object *obj = vm_object_create_anon(size);
    if (!obj)
        return KERN_RESOURCE_SHORTAGE;
    struct ipc_port *port = ipc_port_alloc_kobject(IKOT_MEMORY, obj);
    if (!port) {
        vm_object_release(obj);
        return KERN_RESOURCE_SHORTAGE;
    }
    kr = ipc_right_copyout_send(task->space, port, &name);
    if (kr != KERN_SUCCESS) {
        ipc_port_kobject_destroy(port);
        vm_object_release(obj);
        return kr;
    }
    return copyout(task->map, &name, name_out, sizeof(name));
}

static kern_return_t sys_vm_map(struct task *task, uint64_t name, uint64_t size,
                                uint64_t prot, uint64_t addr_out)
{
    kern_return_t kr;
    uint64_t addr = 0;

    if (!size || (prot & ~(uint64_t)VM_PROT_ALL) || (prot & VM_PROT_EXECUTE))
        return KERN_INVALID_ARGUMENT;
    struct vm_object *obj = ipc_space_lookup_kobject(task->space, (uint32_t)name,
                                                     IKOT_MEMORY, &kr);
    if (!obj)
        return kr;
    kr = copyout(task->map, &addr, addr_out, sizeof(addr));
    if (kr != KERN_SUCCESS)
        return kr;
    kr = vm_map_enter(task->map, &addr, size, (uint32_t)prot | VM_PROT_READ, obj, 0);
    if (kr != KERN_SUCCESS)
        return kr;
    return copyout(task->map, &addr, addr_out, sizeof(addr));
}

static kern_return_t sys_vm_map_physical(struct task *task, uint64_t phys,
                                         uint64_t size, uint64_t cache,
                                         uint64_t addr_out)
{
    uint64_t addr = 0;

    if (!(task->flags & TASK_PRIV_IO))
        return KERN_NO_ACCESS;
    if (!size || size > (1ULL << 30) || (phys & (PAGE_SIZE - 1)) ||
        cache > VM_CACHE_WB || phys >= (1ULL << 46) || size > (1ULL << 46) - phys)
        return KERN_INVALID_ARGUMENT;
    /* Device memory only: never RAM the kernel hands out.  Everything from
     * 1 MiB to the top of RAM is RAM except the 3-4 GiB MMIO hole (where the
     * LAPIC, IOAPIC and PCI BARs live). */
    uint64_t top = kernel_pmm.npages * PAGE_SIZE;
    for (uint64_t p = phys; p < phys + size; p += PAGE_SIZE) {
        if (p >= 0x100000 && p < top && !(p >= MMIO_HOLE_START && p < MMIO_HOLE_END))
            return KERN_PROTECTION_FAILURE;
    }
    kern_return_t kr = copyout(task->map, &addr, addr_out, sizeof(addr));
    if (kr != KERN_SUCCESS)
        return kr;
    struct vm_object *obj = vm_object_create_phys(phys, size,
                                                  cache ? (uint32_t)cache : VM_CACHE_UC);
    if (!obj)
        return KERN_RESOURCE_SHORTAGE;
    kr = vm_map_enter(task->map, &addr, size, VM_PROT_READ | VM_PROT_WRITE, obj, 0);
    vm_object_release(obj);
    if (kr != KERN_SUCCESS)
        return kr;
    return copyout(task->map, &addr, addr_out, sizeof(addr));
}

static kern_return_t sys_task_spawn(struct task *task, uint64_t upath, uint64_t uargs,
                                    uint64_t args_len, uint64_t bootstrap,
                                    uint64_t flags, uint64_t result_out)
{
    char path[BOOTCOL_NAME_MAX];
    char args[TASK_ARGS_MAX];
    struct spawn_result res = { 0, 0 };
    const char *why;
    struct task *child;

    if (!(task->flags & TASK_PRIV_SPAWN))
        return KERN_NO_ACCESS;
    if ((flags & ~(uint64_t)TASK_PRIV_ALL) || (flags & ~(uint64_t)task->flags))
        return KERN_NO_ACCESS;      /* privileges only shrink */
    if (args_len > TASK_ARGS_MAX)
        return KERN_INVALID_ARGUMENT;
    kern_return_t kr = copyinstr(task->map, upath, path, sizeof(path));
    if (kr == KERN_SUCCESS)
        kr = copyin(task->map, uargs, args, args_len);
    if (kr == KERN_SUCCESS)
        kr = copyout(task->map, &res, result_out, sizeof(res));
    if (kr != KERN_SUCCESS)
        return kr;
    kr = task_spawn(path, args, args_len, task->space, (uint32_t)bootstrap,
                    (uint32_t)flags, task->pid, &child, &why);
    if (kr != KERN_SUCCESS)
        return kr;
    res.pid = child->pid;
    kr = ipc_right_copyout_send(task->space, child->self_port, &res.task_port);
    if (kr != KERN_SUCCESS)
        return kr;      /* the child runs on; the caller just cannot name it */
    return copyout(task->map, &res, result_out, sizeof(res));
}

static kern_return_t sys_task_watch(struct task *task, uint64_t tname, uint64_t notify)
{
    kern_return_t kr;
    struct ipc_port *so;

    struct task *target = ipc_space_lookup_kobject(task->space, (uint32_t)tname,
                                                   IKOT_TASK, &kr);
    if (!target)
        return kr;
    if (target->state != TASK_STATE_RUNNING)
        return KERN_TERMINATED;
    unsigned n = 0;
    for (struct task_watcher *x = target->watchers; x; x = x->next)
        n++;
    if (n >= WATCHERS_MAX)
        return KERN_RESOURCE_SHORTAGE;
    struct task_watcher *w = kmalloc(sizeof(*w));
    if (!w)
        return KERN_RESOURCE_SHORTAGE;
    kr = ipc_right_make_send_once(task->space, (uint32_t)notify, &so);
    if (kr != KERN_SUCCESS) {
        kfree(w);
        return kr;
    }
    w->port = so;
    w->next = target->watchers;
    target->watchers = w;
    return KERN_SUCCESS;
}

static kern_return_t sys_task_list(struct task *task, uint64_t buf, uint64_t max,
                                   uint64_t count_out)
{
    uint32_t n = 0;

    for (struct task *t = task_list_head; t && n < max; t = t->next, n++) {
        struct task_info ti;
        memset(&ti, 0, sizeof(ti));
        ti.pid = t->pid;
        ti.parent_pid = t->parent_pid;
        ti.threads = t->nthreads;
        ti.state = (uint32_t)t->state;
        ti.flags = t->flags;
        ti.ports = t->space ? ipc_space_name_count(t->space) : 0;
        ti.resident_pages = t->map ? t->map->resident : 0;
        ti.cpu_ticks = t->cpu_ticks;
        memcpy(ti.name, t->name, sizeof(ti.name));
        kern_return_t kr = copyout(task->map, &ti, buf + n * sizeof(ti), sizeof(ti));
        if (kr != KERN_SUCCESS)
            return kr;
    }
    return copyout(task->map, &n, count_out, sizeof(n));
}

void kernel_stats_fill(struct kernel_stats *ks)
{
    memset(ks, 0, sizeof(*ks));
    ks->free_pages = kernel_pmm.free_pages;
    ks->heap_allocations = kernel_heap.allocations;
    ks->tasks = task_count;
    ks->threads = sched_thread_count;
    ks->ports = ipc_port_count;
    ks->port_sets = ipc_pset_count;
    ks->messages = ipc_kmsg_count;
    ks->vm_objects = vm_object_count;
    ks->context_switches = sched_context_switches;
    ks->syscalls = syscall_count;
    ks->user_faults = user_fault_count;
}

static kern_return_t dispatch(struct task *task, struct trap_frame *tf)
{
    uint64_t a0 = tf->rdi, a1 = tf->rsi, a2 = tf->rdx, a3 = tf->r10;
    uint64_t a4 = tf->r8, a5 = tf->r9;

    switch (tf->rax) {
    case SYS_null:
        return KERN_SUCCESS;
    case SYS_task_exit:
        task_terminate(task, TASK_EXIT_NORMAL, (int32_t)a0);
        return KERN_SUCCESS;    /* the thread ends on its way out */
    case SYS_log:
        return sys_log(task, a0, a1);
    case SYS_control_report:
        return sys_control_report(task, a0, a1);
    case SYS_thread_create:
        return sys_thread_create(task, a0, a1, a2, (int64_t)a3, a4);
    case SYS_thread_exit:
        thread_exit();
    case SYS_thread_sleep:
        if (a0 > SLEEP_MAX_MS)
            return KERN_INVALID_ARGUMENT;
        return thread_sleep_ms(a0) == WAIT_INTERRUPTED ? KERN_ABORTED : KERN_SUCCESS;
    case SYS_thread_yield:
        sched_yield();
        return KERN_SUCCESS;
    case SYS_thread_set_priority:
        return sys_set_priority(task, a0, (int64_t)a1);
    case SYS_clock_info: {
        struct clock_info ci = { timer_ticks() * (1000 / HZ), tsc_hz };
        return copyout(task->map, &ci, a0, sizeof(ci));
    }
    case SYS_vm_allocate:
        return sys_vm_allocate(task, a0, a1, a2);
    case SYS_vm_deallocate:
        return vm_map_remove(task->map, a0, a1);
    case SYS_memory_object_create:
        return sys_memory_object_create(task, a0, a1);
    case SYS_vm_map:
        return sys_vm_map(task, a0, a1, a2, a3);
    case SYS_vm_map_physical:
        return sys_vm_map_physical(task, a0, a1, a2, a3);
    case SYS_mach_msg:
        if (a1 > UINT32_MAX || a2 > UINT32_MAX || a3 > UINT32_MAX || a4 > UINT32_MAX)
            return MACH_SEND_INVALID_HEADER;
        return ipc_mach_msg(a0, (uint32_t)a1, (uint32_t)a2, (uint32_t)a3,
                            (uint32_t)a4, a5);
    case SYS_port_allocate: {
        mach_port_name_t name = MACH_PORT_NULL;
        kern_return_t kr = copyout(task->map, &name, a1, sizeof(name));
        if (kr == KERN_SUCCESS)
            kr = ipc_port_allocate_name(task->space, (uint32_t)a0, &name);
        if (kr == KERN_SUCCESS)
            kr = copyout(task->map, &name, a1, sizeof(name));
        return kr;
    }
    case SYS_port_deallocate:
        return ipc_port_deallocate_name(task->space, (uint32_t)a0);
    case SYS_port_mod_refs:
        return ipc_port_mod_refs(task->space, (uint32_t)a0, (uint32_t)a1, (int32_t)a2);
    case SYS_port_insert_right:
        return ipc_port_insert_right(task->space, (uint32_t)a0, (uint32_t)a1);
    case SYS_port_move_member:
        return ipc_port_move_member(task->space, (uint32_t)a0, (uint32_t)a1);
    case SYS_port_request_notification:
        return ipc_port_request_notification(task->space, (uint32_t)a0, (uint32_t)a1,
                                             (uint32_t)a2);
    case SYS_port_set_qlimit:
        return ipc_port_set_qlimit(task->space, (uint32_t)a0, (uint32_t)a1);
    case SYS_port_type: {
        uint32_t type = 0, urefs = 0;
        kern_return_t kr = copyout(task->map, &type, a1, sizeof(type));
        if (kr == KERN_SUCCESS)
            kr = copyout(task->map, &urefs, a2, sizeof(urefs));
        if (kr == KERN_SUCCESS)
            kr = ipc_port_type(task->space, (uint32_t)a0, &type, &urefs);
        if (kr == KERN_SUCCESS)
            kr = copyout(task->map, &type, a1, sizeof(type));
        if (kr == KERN_SUCCESS)
            kr = copyout(task->map, &urefs, a2, sizeof(urefs));
        return kr;
    }
    case SYS_task_spawn:
        return sys_task_spawn(task, a0, a1, a2, a3, a4, a5);
    case SYS_task_kill: {
        kern_return_t kr;
        struct task *t = ipc_space_lookup_kobject(task->space, (uint32_t)a0,
                                                  IKOT_TASK, &kr);
        if (!t)
            return kr;
        task_terminate(t, TASK_EXIT_KILLED, (int32_t)a1);
        return KERN_SUCCESS;
    }
    case SYS_task_watch:
        return sys_task_watch(task, a0, a1);
    case SYS_task_list:
        return sys_task_list(task, a0, a1, a2);
    case SYS_console_read:
        return console_read_user(task, a0, a1, a2);
    case SYS_kernel_stats: {
        struct kernel_stats ks;
        kernel_stats_fill(&ks);
        return copyout(task->map, &ks, a0, sizeof(ks));
    }
    case SYS_io_registry_copy_archive:
        return iokit_sys_copy_archive(task, a0, a1, a2, a3);
    default:
        return KERN_INVALID_SYSCALL;
    }
}

void syscall_dispatch(struct trap_frame *tf);
void syscall_dispatch(struct trap_frame *tf)
{
    struct thread *t = current_thread();

    t->user_frame = tf;
    syscall_count++;
    tf->rax = (uint64_t)(int64_t)dispatch(t->task, tf);
    sched_return_to_user();
}
