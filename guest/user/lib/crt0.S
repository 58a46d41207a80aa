/* Entry points that must not rely on a C stack frame.
 *
 * _start: the kernel enters with %rdi = argc, %rsi = argv, %rdx = bootstrap
 * port name, %rcx = task port name and %rsp on the initial stack. */
    .section .text.start, "ax"
    .globl _start
    .type _start, @function
_start:
    xor %ebp, %ebp                      /* ends backtraces */
    movl %edx, bootstrap_port(%rip)
    movl %ecx, task_self_port(%rip)
    and $-16, %rsp                      /* SysV: aligned before the call */
    call libc_start                     /* (argc, argv); never returns */
    ud2
    .size _start, . - _start

    .text
/* thread_entry: first instruction of every thread_create thread; the kernel
 * sets %rsp = stack_top and %rdi = the struct thread_start on that stack. */
    .globl thread_entry
    .type thread_entry, @function
thread_entry:
    xor %ebp, %ebp
    and $-16, %rsp
    call thread_start_c                 /* (struct thread_start *); no return */
    ud2
    .size thread_entry, . - thread_entry

    .section .note.GNU-stack, "", @progbits
