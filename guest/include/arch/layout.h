/* Kernel virtual memory layout (shared by C and assembly). */
#ifndef ARCH_LAYOUT_H
#define ARCH_LAYOUT_H

/* The kernel image: linked here, loaded at physical KERNEL_PHYS. */
#define KERNEL_VMA        0xffffffff80000000
#define KERNEL_PHYS       0x100000
/* All physical memory (and the MMIO below 4 GiB) is mapped from here. */
#define DIRECT_MAP_BASE   0xffff800000000000
#define KERNEL_STACK_SIZE 16384

#endif
