/* Kernel-wide state and services that main.c sets up. */
#ifndef KERN_KERNEL_H
#define KERN_KERNEL_H

#include <stddef.h>
#include <stdint.h>

#include "kern/heap.h"
#include "kern/pmm.h"

#define DEXTBED_VERSION "0.1.0"

extern struct pmm kernel_pmm;
extern struct heap kernel_heap;
extern uint64_t heap_pages;     /* pages the heap has taken (it keeps them) */

/* Physical -> kernel virtual (the direct map once paging_init has run). */
void *phys_to_virt(uint64_t phys);
uint64_t virt_to_phys(const void *virt);

void *kmalloc(size_t size);
void kfree(void *ptr);

/* "tcg", "kvm", or another hypervisor's name, from CPUID. */
const char *cpu_accel_name(void);

/* Timer ticks since the LAPIC timer started (HZ per second). */
#define HZ 1000
uint64_t timer_ticks(void);
extern uint64_t tsc_hz;         /* TSC ticks per second, PIT-calibrated */
void timer_init(void);

/* Paging: build the kernel's own tables and switch to them. */
struct hvm_start_info;
void paging_init(const struct hvm_start_info *si);
/* The kernel's page tables (every address space shares slots 256-511). */
extern uint64_t kernel_pml4_phys;
extern uint64_t *kernel_pml4;

/* The boot collection, once validated (NULL otherwise). */
extern const void *boot_collection;
extern size_t boot_collection_size;

/* Ask QEMU to exit (isa-debug-exit): QEMU's status is (code << 1) | 1. */
void machine_exit(uint32_t code);

#endif
