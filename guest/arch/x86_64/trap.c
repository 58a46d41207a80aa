/* GDT, TSS and IDT; dispatch of exceptions and interrupts. */
#include <stdint.h>
#include <string.h>

#include "arch/layout.h"
#include "arch/trap.h"
#include "arch/x86.h"
#include "kern/panic.h"
#include "kern/sched.h"
#include "kern/task.h"
#include "kern/vm.h"

struct tss {
    uint32_t reserved0;
    uint64_t rsp[3];
    uint64_t reserved1;
    uint64_t ist[7];
    uint64_t reserved2;
    uint16_t reserved3;
    uint16_t iomap_base;
} __attribute__((packed));

struct idt_entry {
    uint16_t offset_low;
    uint16_t selector;
    uint8_t ist;
    uint8_t type;
    uint16_t offset_mid;
    uint32_t offset_high;
    uint32_t reserved;
} __attribute__((packed));

struct table_desc {
    uint16_t limit;
    uint64_t base;
} __attribute__((packed));

#define GDT_TSS   0x28
#define IST_FATAL 1

static uint64_t gdt[7];
static struct tss tss;
static struct idt_entry idt[256];
static trap_handler_fn handlers[256];
/* A separate stack for double faults, NMIs and machine checks, so a kernel
 * stack overflow still produces a readable panic. */
static uint8_t fatal_stack[KERNEL_STACK_SIZE] __attribute__((aligned(16)));

extern const uint64_t isr_table[32];
extern const uint64_t isr_timer_entry, isr_spurious_entry;

static const char *const exception_names[32] = {
    "divide error", "debug", "NMI", "breakpoint", "overflow",
    "bound range exceeded", "invalid opcode", "device not available",
    "double fault", "coprocessor segment overrun", "invalid TSS",
    "segment not present", "stack-segment fault", "general protection fault",
    "page fault", "reserved (15)", "x87 floating-point error",
    "alignment check", "machine check", "SIMD floating-point error",
    "virtualization exception", "control protection", "reserved (22)",
    "reserved (23)", "reserved (24)", "reserved (25)", "reserved (26)",
    "reserved (27)", "hypervisor injection", "VMM communication",
    "security exception", "reserved (31)",
};

const char *trap_name(unsigned vector)
{
    if (vector < 32)
        return exception_names[vector];
    if (vector == VEC_TIMER)
        return "LAPIC timer";
    if (vector == VEC_SPURIOUS)
        return "spurious interrupt";
    return "interrupt";
}

void gdt_init(void)
{
    uint64_t base = (uint64_t)&tss;
    uint64_t limit = sizeof(tss) - 1;

    gdt[0] = 0;
    gdt[1] = 0x00af9a000000ffffULL;     /* kernel code, 64-bit */
    gdt[2] = 0x00cf92000000ffffULL;     /* kernel data */
    gdt[3] = 0x00cff2000000ffffULL;     /* user data (for later) */
    gdt[4] = 0x00affa000000ffffULL;     /* user code, 64-bit */
    gdt[5] = (limit & 0xffff) | ((base & 0xffffff) << 16) |
             (0x89ULL << 40) | (((limit >> 16) & 0xf) << 48) |
             (((base >> 24) & 0xff) << 56);
    gdt[6] = base >> 32;

    tss.ist[IST_FATAL - 1] = (uint64_t)(fatal_stack + sizeof(fatal_stack));
    tss.iomap_base = sizeof(tss);

    struct table_desc d = { sizeof(gdt) - 1, (uint64_t)gdt };
    __asm__ volatile(
        "lgdt %0\n"
        "pushq %1\n"
        "leaq 1f(%%rip), %%rax\n"
        "pushq %%rax\n"
        "lretq\n"
        "1:\n"
        "movw %w2, %%ax\n"
        "movw %%ax, %%ds\n"
        "movw %%ax, %%es\n"
        "movw %%ax, %%ss\n"
        "ltr %w3\n"
        : : "m"(d), "i"(GDT_KCODE), "r"(GDT_KDATA), "r"(GDT_TSS)
        : "rax", "memory");
}

static void idt_set(unsigned vector, uint64_t entry, uint8_t ist)
{
    idt[vector] = (struct idt_entry){
        .offset_low = entry & 0xffff,
        .selector = GDT_KCODE,
        .ist = ist,
        .type = 0x8e,                   /* present, DPL 0, interrupt gate */
        .offset_mid = (entry >> 16) & 0xffff,
        .offset_high = entry >> 32,
    };
}

void idt_init(void)
{
    for (unsigned v = 0; v < 32; v++) {
        uint8_t ist = (v == 2 || v == VEC_DOUBLE_FAULT || v == 18) ? IST_FATAL : 0;
        idt_set(v, isr_table[v], ist);
    }
    idt_set(VEC_TIMER, isr_timer_entry, 0);
    idt_set(VEC_SPURIOUS, isr_spurious_entry, 0);

    struct table_desc d = { sizeof(idt) - 1, (uint64_t)idt };
    __asm__ volatile("lidt %0" : : "m"(d));
}

void tss_set_rsp0(uint64_t rsp0)
{
    tss.rsp[0] = rsp0;
}

void trap_set_handler(unsigned vector, trap_handler_fn fn)
{
    if (vector < 256)
        handlers[vector] = fn;
}

/* A CPU exception in user mode: a page fault may be demand paging;
 * anything else ends the task (never the kernel). */
static void user_exception(struct trap_frame *tf)
{
    if (tf->vector == VEC_PAGE_FAULT) {
        uint32_t access = (tf->error & 2) ? VM_PROT_WRITE :
                          (tf->error & 16) ? VM_PROT_EXECUTE : VM_PROT_READ;
        /* Protection violations on present pages are final. */
        if (!(tf->error & 1) &&
            vm_fault(current_task()->map, read_cr2(), access) == KERN_SUCCESS)
            return;
    }
    task_fault(tf);
}

void trap_dispatch(struct trap_frame *tf)
{
    bool from_user = (tf->cs & 3) == 3;
    trap_handler_fn fn = tf->vector < 256 ? handlers[tf->vector] : NULL;

    if (from_user)
        current_thread()->user_frame = tf;
    if (fn) {
        fn(tf);
    } else if (tf->vector == VEC_SPURIOUS) {
        /* nothing */
    } else if (from_user && tf->vector < 32 && current_task()) {
        user_exception(tf);
    } else {
        panic_trap(tf);
    }
    if (from_user)
        sched_return_to_user();
}
