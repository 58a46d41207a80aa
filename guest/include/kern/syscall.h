/* The system call layer (kern/syscall.c). */
#ifndef KERN_SYSCALL_H
#define KERN_SYSCALL_H

#include <stdint.h>

#include "mach/syscall.h"

/* Enable `syscall` and point it at the entry stub. */
void syscall_init(void);
void kernel_stats_fill(struct kernel_stats *ks);
extern uint64_t syscall_count;
extern uint64_t user_fault_count;

#endif
