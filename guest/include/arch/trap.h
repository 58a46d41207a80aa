/* Trap frames and the IDT. */
#ifndef ARCH_TRAP_H
#define ARCH_TRAP_H

#include <stdint.h>

/* Saved by isr.S in this order (lowest address first). */
struct trap_frame {
    uint64_t r15, r14, r13, r12, r11, r10, r9, r8;
    uint64_t rbp, rdi, rsi, rdx, rcx, rbx, rax;
    uint64_t vector, error;
    uint64_t rip, cs, rflags, rsp, ss;     /* pushed by the CPU */
};

#define VEC_BREAKPOINT  3
#define VEC_DOUBLE_FAULT 8
#define VEC_PAGE_FAULT  14
#define VEC_TIMER       32
#define VEC_SPURIOUS    255

typedef void (*trap_handler_fn)(struct trap_frame *tf);

void gdt_init(void);
void idt_init(void);
/* Install a handler for a vector (interrupts, or a test's own trap). */
void trap_set_handler(unsigned vector, trap_handler_fn fn);
const char *trap_name(unsigned vector);
/* The kernel stack the CPU switches to on an interrupt from user mode. */
void tss_set_rsp0(uint64_t rsp0);
/* Pops a trap frame at %rsp and returns from the interrupt (isr.S). */
extern char trap_return[];

/* Segment selectors (GDT in trap.c). */
#define GDT_KCODE  0x08
#define GDT_KDATA  0x10
#define GDT_UDATA  0x1b         /* index 3, RPL 3 */
#define GDT_UCODE  0x23         /* index 4, RPL 3 */

#endif
