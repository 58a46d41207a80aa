/* Fatal errors: only for broken invariants of the kernel's own. */
#ifndef KERN_PANIC_H
#define KERN_PANIC_H

struct trap_frame;

__attribute__((noreturn, format(printf, 1, 2)))
void panic(const char *fmt, ...);
/* An unhandled CPU exception in the kernel: report it and stop. */
__attribute__((noreturn)) void panic_trap(struct trap_frame *tf);

#define KASSERT(cond)                                                  \
    do {                                                               \
        if (!(cond))                                                   \
            panic("assertion failed: %s (%s:%d)", #cond, __FILE__, __LINE__); \
    } while (0)

#endif
