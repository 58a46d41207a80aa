/* Interrupt entry stubs: push a uniform frame (struct trap_frame) and call
 * trap_dispatch.  Vectors without a CPU error code push a zero. */

#include "arch/frame.h"

    .text
.macro ISR_NOERR n
    .globl isr\n
isr\n:
    pushq $0
    pushq $\n
    jmp isr_common
.endm
.macro ISR_ERR n
    .globl isr\n
isr\n:
    pushq $\n
    jmp isr_common
.endm

ISR_NOERR 0
ISR_NOERR 1
ISR_NOERR 2
ISR_NOERR 3
ISR_NOERR 4
ISR_NOERR 5
ISR_NOERR 6
ISR_NOERR 7
ISR_ERR   8
ISR_NOERR 9
ISR_ERR   10
ISR_ERR   11
ISR_ERR   12
ISR_ERR   13
ISR_ERR   14
ISR_NOERR 15
ISR_NOERR 16
ISR_ERR   17
ISR_NOERR 18
ISR_NOERR 19
ISR_NOERR 20
ISR_ERR   21
ISR_NOERR 22
ISR_NOERR 23
ISR_NOERR 24
ISR_NOERR 25
ISR_NOERR 26
ISR_NOERR 27
ISR_NOERR 28
ISR_ERR   29
ISR_ERR   30
ISR_NOERR 31
ISR_NOERR 32
ISR_NOERR 255

isr_common:
    PUSH_GPRS
    movq %rsp, %rdi
    /* Align the stack for the C call; the frame pointer chain continues
     * from the interrupted code's %rbp for backtraces. */
    movq %rsp, %rbx
    andq $-16, %rsp
    cld
    call trap_dispatch
    movq %rbx, %rsp
    /* Also the way into user mode for a new thread: %rsp at a trap frame. */
    .globl trap_return
trap_return:
    POP_GPRS
    addq $16, %rsp
    iretq

    .section .rodata
    .align 8
    .globl isr_table
isr_table:
    .irp n, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31
    .quad isr\n
    .endr
    .globl isr_timer_entry, isr_spurious_entry
isr_timer_entry:    .quad isr32
isr_spurious_entry: .quad isr255
