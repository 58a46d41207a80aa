/* Tasks: an address space, a port name space and threads.  A task is
 * created from a static ELF64 executable in the boot collection and ends
 * when it exits, is killed or faults; everything it held is reclaimed. */
#ifndef KERN_TASK_H
#define KERN_TASK_H

#include <stdbool.h>
#include <stdint.h>

#include "kern/return.h"
#include "kern/sched.h"
#include "mach/syscall.h"

struct ipc_space;
struct ipc_port;
struct trap_frame;

struct task_watcher {
    struct ipc_port *port;      /* a send-once right the kernel holds */
    struct task_watcher *next;
};

struct task {
    uint32_t pid;
    uint32_t parent_pid;
    char name[TASK_NAME_MAX];
    uint32_t flags;             /* TASK_PRIV_* */
    int max_priority;
    int state;                  /* TASK_STATE_* */
    struct vm_map *map;
    struct ipc_space *space;
    struct ipc_port *self_port; /* kernel object port: names the task */
    struct thread *threads;
    uint32_t nthreads;
    struct task_watcher *watchers;
    const void *image;          /* its ELF in the boot collection */
    uint64_t image_size;
    uint64_t cpu_ticks;
    /* How it ended (for watchers). */
    int32_t exit_status;
    uint32_t exit_reason;       /* TASK_EXIT_* */
    uint32_t fault_vector;
    uint64_t fault_address, fault_rip;
    struct task *next;          /* all tasks */
};

extern struct task *task_list_head;
extern uint32_t task_count;

/* Start path (a file in the boot collection) as a new task.  args: argc
 * NUL-terminated strings packed together (args_len bytes, checked).  The new
 * task gets a copy of the send right bs_name in bs_space as its bootstrap
 * port (bs_space NULL or bs_name MACH_PORT_NULL: none).  On success *out is
 * the task (no reference is owned: a task lives until it ends); on failure
 * *why says why for the log. */
kern_return_t task_spawn(const char *path, const char *args, size_t args_len,
                         struct ipc_space *bs_space, uint32_t bs_name,
                         uint32_t flags, uint32_t parent_pid, struct task **out,
                         const char **why);

/* How a task ended, kept for the last few (the control channel's "run"). */
struct task_exit_record {
    uint32_t pid;
    uint32_t reason;            /* TASK_EXIT_* */
    int32_t status;
    uint32_t fault_vector;
    uint64_t fault_address, fault_rip;
};
/* The record of pid, if it ended recently. */
bool task_exit_lookup(uint32_t pid, struct task_exit_record *out);
/* End a task: its threads stop, watchers are told, everything is freed once
 * its last thread is off the CPU.  Safe to call on the current task. */
void task_terminate(struct task *task, uint32_t reason, int32_t status);
struct task *task_find(uint32_t pid);
/* A user-mode CPU exception in the current task: log, notify, terminate. */
__attribute__((noreturn)) void task_fault(struct trap_frame *tf);
/* Called by the scheduler when a thread of task is reaped. */
void task_thread_reaped(struct task *task, struct thread *t);

#endif
