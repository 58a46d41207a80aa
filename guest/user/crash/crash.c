/* bin/crash MODE: fault on purpose, so tests can check that a faulting task
 * dies alone, is reported with the right vector and address, and leaks
 * nothing.  Each mode prints what it is about to do first. */
#include "libc.h"
#include "mach.h"

static const char rodata_bytes[] = "crash: read-only data";
static volatile int keep_recursing = 1;     /* defeats -Winfinite-recursion */

/* An address the compiler cannot reason about. */
static void *opaque(const void *p)
{
    void *q = (void *)p;
    __asm__ volatile("" : "+r"(q));
    return q;
}

static void do_null(void)
{
    (void)*(volatile int *)opaque(NULL);
}

static void do_write_ro(void)
{
    *(volatile char *)opaque(rodata_bytes) = 'X';
}

static void do_write_text(void)
{
    *(volatile char *)opaque((const void *)(uintptr_t)do_write_text) = (char)0xcc;
}

static void do_ud2(void)
{
    __asm__ volatile("ud2");
}

static void do_divide(void)
{
    /* In asm: gcc may turn a C division it can prove odd into a compare. */
    unsigned zero = *(volatile unsigned *)opaque(&(unsigned){ 0 });
    __asm__ volatile("mov $1, %%eax\n\t"
                     "xor %%edx, %%edx\n\t"
                     "div %0"
                     : : "r"(zero) : "rax", "rdx");
}

static int recurse(int depth)
{
    volatile char pad[256];

    pad[0] = (char)depth;
    if (keep_recursing)
        return recurse(depth + 1) + pad[0];
    return pad[0];
}

static void do_stack_overflow(void)
{
    printf("crash: result %d\n", recurse(0));
}

static void do_kernel(void)
{
    (void)*(volatile uint64_t *)opaque((void *)0xffff800000000000ULL);
}

static void do_noncanonical(void)
{
    (void)*(volatile uint64_t *)opaque((void *)0x0000800000000000ULL);
}

static void do_gp(void)
{
    __asm__ volatile("cli");
}

static const struct {
    const char *name;
    const char *what;
    void (*fn)(void);
} modes[] = {
    { "null", "read address 0 (#PF)", do_null },
    { "write-ro", "write into .rodata (#PF)", do_write_ro },
    { "write-text", "write into .text (#PF)", do_write_text },
    { "ud2", "execute ud2 (#UD)", do_ud2 },
    { "divide", "divide by zero (#DE)", do_divide },
    { "stack-overflow", "recurse until the stack runs out (#PF)", do_stack_overflow },
    { "kernel", "read kernel address 0xffff800000000000 (#PF)", do_kernel },
    { "noncanonical", "read non-canonical 0x0000800000000000 (#GP)", do_noncanonical },
    { "gp", "execute cli in user mode (#GP)", do_gp },
};
#define NMODES (sizeof(modes) / sizeof(modes[0]))

static int usage(void)
{
    printf("usage: crash MODE, MODE one of:\n");
    for (size_t i = 0; i < NMODES; i++)
        printf("  %-15s %s\n", modes[i].name, modes[i].what);
    return 2;
}

int main(int argc, char **argv)
{
    if (argc != 2)
        return usage();
    for (size_t i = 0; i < NMODES; i++) {
        if (strcmp(argv[1], modes[i].name) == 0) {
            printf("crash: about to %s\n", modes[i].what);
            modes[i].fn();
            printf("crash: %s did not fault!\n", modes[i].name);
            return 1;
        }
    }
    printf("crash: unknown mode '%s'\n", argv[1]);
    return usage();
}
