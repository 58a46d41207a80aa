/* Thread switching.  switch_context saves the callee-saved registers on the
 * old thread's kernel stack, stores its %rsp, and resumes the new one. */

    .text
    /* void switch_context(uint64_t *old_ksp, uint64_t new_ksp) */
    .globl switch_context
switch_context:
    pushq %rbp
    pushq %rbx
    pushq %r12
    pushq %r13
    pushq %r14
    pushq %r15
    movq %rsp, (%rdi)
    movq %rsi, %rsp
    popq %r15
    popq %r14
    popq %r13
    popq %r12
    popq %rbx
    popq %rbp
    ret

    /* First run of a kernel thread (interrupts on). */
    .globl thread_kernel_trampoline
thread_kernel_trampoline:
    xorq %rbp, %rbp
    sti
    call thread_kernel_main
1:  hlt
    jmp 1b

    /* First run of a user thread: %rsp is at its trap frame. */
    .globl thread_user_trampoline
thread_user_trampoline:
    jmp trap_return
