/* The system call interface: numbers, arguments and the structures that
 * cross it.  Shared by the kernel (guest/kern/syscall.c) and the userland
 * stubs (guest/user/lib).
 *
 * Calling convention (x86_64 `syscall`): number in %rax, arguments in %rdi,
 * %rsi, %rdx, %r10, %r8, %r9; the result, a kern_return_t (mach_msg: a
 * mach_msg_return_t), comes back in %rax.  %rcx and %r11 are clobbered, every
 * other register is preserved.  Results other than the status are written
 * through pointers the caller passes; the kernel checks every pointer, length
 * and name before it acts (a bad one is KERN_INVALID_ADDRESS /
 * KERN_INVALID_ARGUMENT / KERN_INVALID_NAME and nothing changes).
 *
 * A task's memory: ELF segments from 0x400000, the main stack below
 * USER_STACK_TOP, vm_allocate's region from USER_HEAP_BASE; everything below
 * USER_SPACE_TOP.  Programs start at their ELF entry with %rdi = argc,
 * %rsi = argv (on the stack), %rdx = the bootstrap port name (a send right the
 * spawner passed, or MACH_PORT_NULL), %rcx = the task's own task port name. */
#ifndef MACH_SYSCALL_H
#define MACH_SYSCALL_H

#include <stdint.h>

#include "mach/message.h"

#define USER_SPACE_BASE  0x0000000000400000ULL
#define USER_SPACE_TOP   0x00007ffffffff000ULL  /* exclusive */
#define USER_HEAP_BASE   0x0000100000000000ULL
#define USER_STACK_TOP   0x00007fffff000000ULL
#define USER_STACK_SIZE  (256ULL << 10)

enum {
    SYS_null = 0,                   /* (): KERN_SUCCESS; the cheapest call */
    SYS_task_exit,                  /* (int status): does not return */
    SYS_log,                        /* (const char *buf, size_t len): a line on
                                       the console, prefixed "[name:pid]" */
    SYS_control_report,             /* (const char *json, size_t len): one JSON
                                       object as a control-channel line; needs
                                       TASK_PRIV_CONTROL */
    SYS_thread_create,              /* (entry, stack_top, arg, int priority,
                                       uint32_t *tid_out) */
    SYS_thread_exit,                /* (): the last thread's exit ends the task
                                       with status 0 */
    SYS_thread_sleep,               /* (uint64_t ms) */
    SYS_thread_yield,               /* () */
    SYS_thread_set_priority,        /* (uint32_t tid or 0 = self, int priority):
                                       0..task's maximum */
    SYS_clock_info,                 /* (struct clock_info *out) */
    SYS_vm_allocate,                /* (uint64_t *addr_out, uint64_t size,
                                       uint32_t prot): demand-zero memory */
    SYS_vm_deallocate,              /* (uint64_t addr, uint64_t size): whole
                                       mappings only */
    SYS_memory_object_create,       /* (uint64_t size, mach_port_name_t *out):
                                       shared memory, named by a send right */
    SYS_vm_map,                     /* (mach_port_name_t object, uint64_t size,
                                       uint32_t prot, uint64_t *addr_out) */
    SYS_vm_map_physical,            /* (uint64_t phys, uint64_t size,
                                       uint32_t cache, uint64_t *addr_out):
                                       MMIO; needs TASK_PRIV_IO */
    SYS_mach_msg,                   /* (mach_msg_header_t *msg, option,
                                       send_size, rcv_size, rcv_name,
                                       timeout_ms) */
    SYS_port_allocate,              /* (uint32_t right, mach_port_name_t *out):
                                       RECEIVE, PORT_SET or DEAD_NAME */
    SYS_port_deallocate,            /* (name): drop one user reference of a
                                       send, send-once or dead name */
    SYS_port_mod_refs,              /* (name, uint32_t right, int32_t delta):
                                       delta -1 on RECEIVE destroys the port */
    SYS_port_insert_right,          /* (name, uint32_t disposition): MAKE_SEND
                                       on our own receive right, same name */
    SYS_port_move_member,           /* (member, set or MACH_PORT_NULL) */
    SYS_port_request_notification,  /* (name, uint32_t variant, notify): notify
                                       names a receive right of ours (the
                                       kernel makes a send-once right to it) or
                                       MACH_PORT_NULL to cancel */
    SYS_port_set_qlimit,            /* (name, uint32_t limit): 1..QLIMIT_MAX */
    SYS_port_type,                  /* (name, uint32_t *type_out,
                                       uint32_t *urefs_out) */
    SYS_task_spawn,                 /* (const char *path, const char *args,
                                       size_t args_len, bootstrap name,
                                       uint32_t flags, struct spawn_result *):
                                       args: NUL-separated argv strings */
    SYS_task_kill,                  /* (task port name, int32_t status) */
    SYS_task_watch,                 /* (task port name, notify): notify names a
                                       receive right of ours; TASK_NOTIFY_EXIT
                                       arrives there when the task ends */
    SYS_task_list,                  /* (struct task_info *buf, uint32_t max,
                                       uint32_t *count_out) */
    SYS_console_read,               /* (char *buf, size_t len, size_t *got):
                                       waits for at least one byte */
    SYS_kernel_stats,               /* (struct kernel_stats *out) */
    SYS_io_registry_copy_archive,   /* (const char *plane, char *buf,
                                       size_t len, size_t *needed): the
                                       registry archive (XML, NUL-terminated)
                                       of plane; KERN_NO_SPACE with *needed
                                       when buf is too small */
    SYS_COUNT
};

struct clock_info {
    uint64_t uptime_ms;
    uint64_t tsc_hz;                /* TSC ticks per second (calibrated) */
};

/* vm protections */
#define VM_PROT_READ     1u
#define VM_PROT_WRITE    2u
#define VM_PROT_EXECUTE  4u
#define VM_PROT_ALL      7u

/* Caching for vm_map_physical. */
#define VM_CACHE_DEFAULT  0         /* uncached for MMIO */
#define VM_CACHE_UC       1
#define VM_CACHE_WC       2
#define VM_CACHE_WT       3
#define VM_CACHE_WB       4

/* Privileges: a spawner can pass on only what it holds itself. */
#define TASK_PRIV_CONTROL  0x1u     /* may write control-channel lines */
#define TASK_PRIV_IO       0x2u     /* may map physical memory */
#define TASK_PRIV_SPAWN    0x4u     /* may spawn tasks */
#define TASK_PRIV_ALL      0x7u

#define TASK_NAME_MAX      32
#define TASK_ARGS_MAX      1024     /* bytes of argv strings */
#define TASK_THREADS_MAX   64
#define THREAD_PRIORITY_MAX     31
#define THREAD_PRIORITY_DEFAULT 16

struct spawn_result {
    mach_port_name_t task_port;     /* a send right to the new task's port */
    uint32_t pid;
};

#define TASK_STATE_RUNNING  0
#define TASK_STATE_EXITING  1

struct task_info {
    uint32_t pid;
    uint32_t parent_pid;
    uint32_t threads;
    uint32_t state;
    uint32_t flags;                 /* TASK_PRIV_* */
    uint32_t ports;                 /* names in its space */
    uint64_t resident_pages;        /* user pages + page tables */
    uint64_t cpu_ticks;             /* timer ticks spent running it */
    char name[TASK_NAME_MAX];
};

/* Kernel-wide counts: what leak tests compare before and after. */
struct kernel_stats {
    uint64_t free_pages;
    uint64_t heap_allocations;
    uint32_t tasks;
    uint32_t threads;
    uint32_t ports;
    uint32_t port_sets;
    uint32_t messages;              /* queued or in flight */
    uint32_t vm_objects;
    uint64_t context_switches;
    uint64_t syscalls;
    uint64_t user_faults;
};

#endif
