/* Panic reports: what went wrong, the registers, and a symbolic backtrace,
 * on the console and (one line) on the control channel. */
#include <format.h>
#include <stdarg.h>
#include <stdint.h>

#include "arch/layout.h"
#include "arch/trap.h"
#include "arch/x86.h"
#include "kern/console.h"
#include "kern/control.h"
#include "kern/ksyms.h"
#include "kern/panic.h"

extern const char _kernel_start[], _kernel_end[];

static int panicking;

static void print_symbol(const char *prefix, uint64_t addr)
{
    uint64_t off;
    const char *name = ksyms_lookup(addr, &off);

    if (name)
        kprintf("%s%016lx %s+0x%lx\n", prefix, addr, name, off);
    else
        kprintf("%s%016lx ?\n", prefix, addr);
}

/* Walk the frame-pointer chain; every frame must lie inside the kernel image
 * (where the kernel stacks are) and move up the stack. */
static void backtrace(uint64_t rip, uint64_t rbp)
{
    kprintf("backtrace:\n");
    print_symbol("  ", rip);
    for (int depth = 0; depth < 32; depth++) {
        if (rbp & 7 || rbp < (uint64_t)_kernel_start ||
            rbp + 16 > (uint64_t)_kernel_end)
            break;
        uint64_t next = ((uint64_t *)rbp)[0];
        uint64_t ret = ((uint64_t *)rbp)[1];
        if (!ret)
            break;
        print_symbol("  ", ret);
        if (next <= rbp)
            break;
        rbp = next;
    }
}

static void report_to_host(const char *what)
{
    char esc[256];

    json_escape(esc, sizeof(esc), what);
    control_sendf("{\"event\":\"panic\",\"message\":\"%s\"}", esc);
}

__attribute__((noreturn)) static void halt_forever(void)
{
    for (;;) {
        cli();
        hlt();
    }
}

void panic(const char *fmt, ...)
{
    char msg[256];
    va_list ap;

    cli();
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    if (panicking++)
        halt_forever();
    kprintf("\nPANIC: %s\n", msg);
    /* Start at our caller: its return address, then its caller's frame. */
    uint64_t *frame = __builtin_frame_address(0);
    backtrace(frame[1], frame[0]);
    kprintf("dextbed: kernel halted\n");
    report_to_host(msg);
    halt_forever();
}

void panic_trap(struct trap_frame *tf)
{
    char msg[160];

    cli();
    if (panicking++)
        halt_forever();
    uint64_t off;
    const char *where = ksyms_lookup(tf->rip, &off);
    snprintf(msg, sizeof(msg), "%s (vector %lu, error 0x%lx) at %s+0x%lx",
             trap_name(tf->vector), tf->vector, tf->error,
             where ? where : "?", where ? off : tf->rip);
    kprintf("\nPANIC: CPU exception: %s\n", msg);
    if (tf->vector == VEC_PAGE_FAULT) {
        kprintf("faulting address (cr2): %016lx (%s, %s, %s mode)\n",
                read_cr2(), tf->error & 1 ? "protection violation" : "not present",
                tf->error & 2 ? "write" : (tf->error & 16 ? "instruction fetch" : "read"),
                tf->error & 4 ? "user" : "kernel");
    }
    kprintf("rip %016lx  cs %04lx  rflags %016lx\n", tf->rip, tf->cs, tf->rflags);
    kprintf("rsp %016lx  ss %04lx  cr2 %016lx  cr3 %016lx\n", tf->rsp, tf->ss,
            read_cr2(), read_cr3());
    kprintf("rax %016lx  rbx %016lx  rcx %016lx  rdx %016lx\n",
            tf->rax, tf->rbx, tf->rcx, tf->rdx);
    kprintf("rsi %016lx  rdi %016lx  rbp %016lx  r8  %016lx\n",
            tf->rsi, tf->rdi, tf->rbp, tf->r8);
    kprintf("r9  %016lx  r10 %016lx  r11 %016lx  r12 %016lx\n",
            tf->r9, tf->r10, tf->r11, tf->r12);
    kprintf("r13 %016lx  r14 %016lx  r15 %016lx\n", tf->r13, tf->r14, tf->r15);
    backtrace(tf->rip, tf->rbp);
    kprintf("dextbed: kernel halted\n");
    report_to_host(msg);
    halt_forever();
}
