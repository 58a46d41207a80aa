/* Userland system-call stubs: thin wrappers over `syscall` with the
 * arguments in the order mach/syscall.h documents.  Every function returns
 * the kernel's kern_return_t (mach_msg: a mach_msg_return_t) unless stated;
 * outputs are written only on success.  kern_return_name() (kern/return.h)
 * turns a result into text. */
#ifndef USER_MACH_H
#define USER_MACH_H

#include <stddef.h>
#include <stdint.h>

#include "kern/return.h"
#include "mach/message.h"
#include "mach/syscall.h"

/* A raw system call: nr in %rax, a1..a6 in %rdi %rsi %rdx %r10 %r8 %r9;
 * `syscall` clobbers %rcx and %r11. */
static inline long syscall6(long nr, long a1, long a2, long a3, long a4,
                            long a5, long a6)
{
    register long r10 __asm__("r10") = a4;
    register long r8 __asm__("r8") = a5;
    register long r9 __asm__("r9") = a6;
    long ret;

    __asm__ volatile("syscall"
                     : "=a"(ret)
                     : "a"(nr), "D"(a1), "S"(a2), "d"(a3), "r"(r10), "r"(r8),
                       "r"(r9)
                     : "rcx", "r11", "memory");
    return ret;
}

/* IPC */
/* Send and/or receive one message (see mach/message.h). */
kern_return_t mach_msg(mach_msg_header_t *msg, mach_msg_option_t option,
                       mach_msg_size_t send_size, mach_msg_size_t rcv_size,
                       mach_port_name_t rcv_name, uint64_t timeout_ms);
/* A new RECEIVE right, PORT_SET or DEAD_NAME in *name. */
kern_return_t mach_port_allocate(uint32_t right, mach_port_name_t *name);
/* Drop one user reference of a send, send-once or dead name. */
kern_return_t mach_port_deallocate(mach_port_name_t name);
/* Add delta user references to right (RECEIVE -1 destroys the port). */
kern_return_t mach_port_mod_refs(mach_port_name_t name, uint32_t right,
                                 int32_t delta);
/* MAKE_SEND / MAKE_SEND_ONCE on our own receive right, under the same name. */
kern_return_t mach_port_insert_right(mach_port_name_t name, uint32_t disposition);
/* Put member into set (MACH_PORT_NULL: take it out of its set). */
kern_return_t mach_port_move_member(mach_port_name_t member, mach_port_name_t set);
/* Ask for (or with notify MACH_PORT_NULL cancel) a DEAD_NAME / NO_SENDERS
 * notification about name, sent to our receive right notify. */
kern_return_t mach_port_request_notification(mach_port_name_t name,
                                             uint32_t variant,
                                             mach_port_name_t notify);
/* Messages the port may queue: 1..MACH_PORT_QLIMIT_MAX. */
kern_return_t mach_port_set_qlimit(mach_port_name_t name, uint32_t limit);
/* MACH_PORT_TYPE_* bits and user references of name. */
kern_return_t mach_port_type(mach_port_name_t name, uint32_t *type,
                             uint32_t *urefs);
/* Destroy what a received message carries (port rights, OOL memory), so a
 * message that is not used leaks nothing.  The header's own reply right
 * (msgh_remote_port) is released too. */
void mach_msg_destroy(mach_msg_header_t *msg);

/* Send MAKE_SEND of our receive right service, in a port descriptor with
 * msgh_id id, to the send right bootstrap (gives up after 5 s). */
kern_return_t service_publish(mach_port_name_t bootstrap,
                              mach_port_name_t service, mach_msg_id_t id);
/* Receive such a message on our receive right port (waiting at most
 * timeout_ms): *service is the send right it carried, *id (may be NULL) its
 * msgh_id.  KERN_INVALID_VALUE (message destroyed) for any other message. */
kern_return_t service_await(mach_port_name_t port, uint64_t timeout_ms,
                            mach_port_name_t *service, mach_msg_id_t *id);

/* Memory */
/* size bytes of demand-zero memory; *addr is where the kernel put it. */
kern_return_t vm_allocate(uint64_t *addr, uint64_t size, uint32_t prot);
/* Unmap a whole mapping. */
kern_return_t vm_deallocate(uint64_t addr, uint64_t size);
/* Shared memory of size bytes, named by a send right in *name. */
kern_return_t memory_object_create(uint64_t size, mach_port_name_t *name);
/* Map a memory object; *addr is where. */
kern_return_t vm_map(mach_port_name_t object, uint64_t size, uint32_t prot,
                     uint64_t *addr);
/* Map physical memory (MMIO; needs TASK_PRIV_IO); *addr is where. */
kern_return_t vm_map_physical(uint64_t phys, uint64_t size, uint32_t cache,
                              uint64_t *addr);

/* Tasks */
/* Start path (a boot-collection file) with argv (NULL-terminated, argv[0]
 * the program name; NULL = just the path's last component), giving it a
 * copy of our send right `bootstrap` (or MACH_PORT_NULL) and privileges
 * flags (TASK_PRIV_*, at most ours).  KERN_INVALID_ARGUMENT if the strings
 * exceed TASK_ARGS_MAX bytes. */
kern_return_t task_spawn(const char *path, const char *const argv[],
                         mach_port_name_t bootstrap, uint32_t flags,
                         struct spawn_result *out);
/* End the task named by a task port with status (TASK_EXIT_KILLED). */
kern_return_t task_kill(mach_port_name_t task, int32_t status);
/* Send TASK_NOTIFY_EXIT (task_exit_notification_t) to our receive right
 * notify when the task ends. */
kern_return_t task_watch(mach_port_name_t task, mach_port_name_t notify);
/* Up to max tasks into buf; *count is what the kernel reports. */
kern_return_t task_list(struct task_info *buf, uint32_t max, uint32_t *count);
/* Our own entry in task_list (pid, privileges...).  Finds our pid by
 * sending ourselves a message (msgh_sender). */
kern_return_t task_self_info(struct task_info *out);
/* One line saying how a task ended: "exited with status 3", "killed
 * (status 9)", "crashed: vector 14 (#PF) at rip 0x... address 0x...". */
void task_exit_describe(const task_exit_notification_t *n, char *buf,
                        size_t size);

/* Threads */
#define THREAD_STACK_SIZE (64u << 10)
/* A new thread in this task running fn(arg) on a fresh 64 KiB stack, then
 * thread_exit(); *tid (may be NULL) is its id. */
kern_return_t thread_create(void (*fn)(void *), void *arg, int priority,
                            uint32_t *tid);
/* End the calling thread (the task's last thread ends the task, status 0).
 * A thread_create stack is reclaimed by a later thread_create/exit. */
__attribute__((noreturn)) void thread_exit(void);
/* Block for ms milliseconds. */
kern_return_t thread_sleep_ms(uint64_t ms);
/* Let another runnable thread go first. */
void thread_yield(void);
/* tid 0 = the calling thread; priority 0..THREAD_PRIORITY_MAX (capped by
 * the task's maximum). */
kern_return_t thread_set_priority(uint32_t tid, int priority);

/* Kernel services */
/* Uptime and the TSC frequency. */
kern_return_t clock_info(struct clock_info *out);
/* Kernel-wide object counts (leak checks). */
kern_return_t kernel_stats(struct kernel_stats *out);
/* One JSON object as a control-channel line (needs TASK_PRIV_CONTROL). */
kern_return_t control_report(const char *json);
/* Wait for console input: at least one byte, at most len, count in *got. */
kern_return_t console_read(char *buf, size_t len, size_t *got);
/* One console line of len bytes, prefixed by the kernel with our name. */
kern_return_t sys_log(const char *buf, size_t len);

#endif
