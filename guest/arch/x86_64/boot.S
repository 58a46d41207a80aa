/*
 * PVH entry: QEMU's -kernel jumps to pvh_start in 32-bit protected mode with
 * paging off and %ebx holding the physical address of struct hvm_start_info.
 * We build boot page tables (identity map of the first GiB for the switch,
 * and the kernel's higher-half map), enter long mode, jump to the higher
 * half and call kmain(start_info_phys).  kmain then builds the kernel's own
 * page tables (arch/x86_64/paging.c) and drops these.
 */

#include "arch/layout.h"

#define XEN_ELFNOTE_PHYS32_ENTRY 18
#define PTE_P   0x001
#define PTE_W   0x002
#define PTE_PS  0x080
#define PHYS(x) ((x) - KERNEL_VMA)

    .pushsection .note.Xen, "a", @note
    .align 4
    .long 4                         /* name size */
    .long 4                         /* desc size */
    .long XEN_ELFNOTE_PHYS32_ENTRY
    .asciz "Xen"
    .align 4
    .long PHYS(pvh_start)
    .align 4
    .popsection

    .section .boot.text, "ax"
    .code32
    .globl pvh_start
pvh_start:
    cli
    cld
    movl %ebx, %esi                 /* hvm_start_info, kept until kmain */
    movl $PHYS(boot_stack_top), %esp

    /* PD: 512 x 2 MiB pages = the first GiB. */
    movl $PHYS(boot_pd), %edi
    xorl %ecx, %ecx
1:  movl %ecx, %eax
    shll $21, %eax
    orl $(PTE_P | PTE_W | PTE_PS), %eax
    movl %eax, (%edi, %ecx, 8)
    movl $0, 4(%edi, %ecx, 8)
    incl %ecx
    cmpl $512, %ecx
    jb 1b

    /* PDPTs -> PD; PML4[0] -> low PDPT, PML4[511] -> high PDPT. */
    movl $PHYS(boot_pd) + (PTE_P | PTE_W), %eax
    movl %eax, PHYS(boot_pdpt_low)
    movl %eax, PHYS(boot_pdpt_high) + 510 * 8
    movl $PHYS(boot_pdpt_low) + (PTE_P | PTE_W), %eax
    movl %eax, PHYS(boot_pml4)
    movl $PHYS(boot_pdpt_high) + (PTE_P | PTE_W), %eax
    movl %eax, PHYS(boot_pml4) + 511 * 8

    /* PAE, then EFER.LME (and NXE), then paging. */
    movl %cr4, %eax
    orl $0x20, %eax
    movl %eax, %cr4
    movl $PHYS(boot_pml4), %eax
    movl %eax, %cr3
    movl $0xc0000080, %ecx
    rdmsr
    orl $0x900, %eax
    wrmsr
    movl %cr0, %eax
    orl $0x80010001, %eax           /* PG | WP | PE */
    movl %eax, %cr0

    lgdt PHYS(boot_gdt_desc)
    ljmp $0x08, $PHYS(long_mode_low)

    .code64
long_mode_low:
    movabsq $long_mode_high, %rax
    jmp *%rax

    .text
long_mode_high:
    movw $0x10, %ax
    movw %ax, %ds
    movw %ax, %es
    movw %ax, %ss
    xorw %ax, %ax
    movw %ax, %fs
    movw %ax, %gs
    movabsq $boot_stack_top, %rsp
    xorq %rbp, %rbp                 /* ends backtraces */
    movl %esi, %edi                 /* kmain(start_info_phys) */
    call kmain
2:  cli
    hlt
    jmp 2b

    .section .boot.data, "aw"
    .align 16
boot_gdt:
    .quad 0
    .quad 0x00af9a000000ffff        /* 0x08: 64-bit code */
    .quad 0x00cf92000000ffff        /* 0x10: data */
boot_gdt_end:
boot_gdt_desc:
    .word boot_gdt_end - boot_gdt - 1
    .long PHYS(boot_gdt)

    .section .boot.bss, "aw", @nobits
    .align 4096
boot_pml4:      .skip 4096
boot_pdpt_low:  .skip 4096
boot_pdpt_high: .skip 4096
boot_pd:        .skip 4096

    .bss
    .align 16
    .globl boot_stack_bottom
boot_stack_bottom:
    .skip KERNEL_STACK_SIZE
    .globl boot_stack_top
boot_stack_top:
