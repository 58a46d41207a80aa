/* The `syscall` entry.  The CPU leaves %rip in %rcx and %rflags in %r11 and
 * clears IF (SFMASK), so this runs with interrupts off on the user's stack
 * until it switches to the thread's kernel stack.  It builds a struct
 * trap_frame (vector SYSCALL_VECTOR) so that everything that looks at user
 * state (faults, new threads, termination) sees one layout. */

#include "arch/frame.h"

#define SYSCALL_VECTOR 0x80

    .text
    .globl syscall_entry
syscall_entry:
    movq %rsp, syscall_user_rsp(%rip)
    movq syscall_kstack_top(%rip), %rsp
    pushq $0x1b                     /* ss: user data */
    pushq syscall_user_rsp(%rip)    /* rsp */
    pushq %r11                      /* rflags */
    pushq $0x23                     /* cs: user code */
    pushq %rcx                      /* rip */
    pushq $0                        /* error */
    pushq $SYSCALL_VECTOR
    PUSH_GPRS
    movq %rsp, %rdi
    xorq %rbp, %rbp                 /* kernel backtraces stop here */
    cld
    call syscall_dispatch
    POP_GPRS
    addq $16, %rsp                  /* vector, error */
    /* sysret needs a canonical user %rip (else it faults in ring 0); the
     * frame's %rip came from %rcx at entry, but check anyway. */
    movq (%rsp), %rcx
    shrq $47, %rcx
    jnz 1f
    movq (%rsp), %rcx
    movq 16(%rsp), %r11
    movq 24(%rsp), %rsp
    sysretq
1:  iretq

    .bss
    .align 8
    .globl syscall_user_rsp, syscall_kstack_top
syscall_user_rsp:   .quad 0
syscall_kstack_top: .quad 0
