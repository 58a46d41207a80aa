/* Kernel entry: bring the machine up, then serve the control channel. */
#include <string.h>

#include "arch/layout.h"
#include "arch/pvh.h"
#include "iokit/IOKitKernel.h"
#include "arch/trap.h"
#include "arch/x86.h"
#include "boot/collection.h"
#include "kern/console.h"
#include "kern/control.h"
#include "kern/kernel.h"
#include "kern/panic.h"
#include "kern/sched.h"
#include "kern/syscall.h"
#include "kern/task.h"
#include "kern/vm.h"

#define DEBUG_EXIT_PORT 0xf4

struct pmm kernel_pmm;
struct heap kernel_heap;
uint64_t heap_pages;
const void *boot_collection;
size_t boot_collection_size;

extern const char _kernel_start[], _kernel_end[];

const char *cpu_accel_name(void)
{
    static char sig[13];
    uint32_t r[4];

    cpuid(1, 0, r);
    if (!(r[2] & (1u << 31)))
        return "none";
    cpuid(0x40000000, 0, r);
    memcpy(sig, &r[1], 4);
    memcpy(sig + 4, &r[2], 4);
    memcpy(sig + 8, &r[3], 4);
    if (memcmp(sig, "TCGTCGTCGTCG", 12) == 0)
        return "tcg";
    if (memcmp(sig, "KVMKVMKVM", 9) == 0)
        return "kvm";
    for (int i = 0; i < 12; i++) {
        if (sig[i] < 0x20 || sig[i] > 0x7e)
            sig[i] = '\0';
    }
    return sig[0] ? sig : "unknown";
}

void machine_exit(uint32_t code)
{
    outl(DEBUG_EXIT_PORT, code);
    /* No isa-debug-exit device: stop here. */
    for (;;) {
        cli();
        hlt();
    }
}

void *kmalloc(size_t size)
{
    return heap_alloc(&kernel_heap, size);
}

void kfree(void *ptr)
{
    if (ptr && heap_free(&kernel_heap, ptr) != KERN_SUCCESS)
        panic("kfree: %p was not allocated by kmalloc (or freed twice)", ptr);
}

/* Heap memory: whole pages from the physical allocator, via the direct map. */
static void *heap_grow_pages(void *ctx, size_t want, size_t *got)
{
    size_t pages = (want + PAGE_SIZE - 1) / PAGE_SIZE;
    uint64_t phys = pmm_alloc_contig(ctx, pages, 1);

    (void)ctx;
    if (phys == PMM_NONE)
        return NULL;
    *got = pages * PAGE_SIZE;
    heap_pages += pages;
    return phys_to_virt(phys);
}

/* Physical memory from the PVH memory map; the kernel image, the boot info
 * and the boot module stay reserved. */
static void memory_init(const struct hvm_start_info *si)
{
    const struct hvm_memmap_entry *mm = phys_to_virt(si->memmap_paddr);
    uint64_t top = 0, ram = 0;

    kprintf("memory map (%u entries):\n", si->memmap_entries);
    for (uint32_t i = 0; i < si->memmap_entries; i++) {
        kprintf("  %016lx-%016lx %s\n", mm[i].addr, mm[i].addr + mm[i].size - 1,
                mm[i].type == HVM_MEMMAP_RAM ? "usable" : "reserved");
        if (mm[i].type == HVM_MEMMAP_RAM) {
            ram += mm[i].size;
            if (mm[i].addr + mm[i].size > top)
                top = mm[i].addr + mm[i].size;
        }
    }
    size_t npages = top / PAGE_SIZE;
    size_t bm_bytes = pmm_bitmap_bytes(npages);
    /* The bitmap goes right after the kernel image. */
    uint64_t bm_phys = ((uint64_t)_kernel_end - KERNEL_VMA + PAGE_SIZE - 1) &
                       ~(PAGE_SIZE - 1);
    pmm_init(&kernel_pmm, phys_to_virt(bm_phys), 0, npages);
    for (uint32_t i = 0; i < si->memmap_entries; i++) {
        if (mm[i].type == HVM_MEMMAP_RAM)
            pmm_release_range(&kernel_pmm, mm[i].addr, mm[i].size);
    }
    pmm_reserve_range(&kernel_pmm, 0, 0x100000);    /* real-mode area, BIOS */
    pmm_reserve_range(&kernel_pmm, KERNEL_PHYS, bm_phys + bm_bytes - KERNEL_PHYS);
    pmm_reserve_range(&kernel_pmm, (uint64_t)(uintptr_t)si - KERNEL_VMA, PAGE_SIZE);
    pmm_reserve_range(&kernel_pmm, si->memmap_paddr,
                      si->memmap_entries * sizeof(struct hvm_memmap_entry));
    if (si->nr_modules) {
        const struct hvm_modlist_entry *mod = phys_to_virt(si->modlist_paddr);
        pmm_reserve_range(&kernel_pmm, si->modlist_paddr,
                          si->nr_modules * sizeof(*mod));
        for (uint32_t i = 0; i < si->nr_modules; i++)
            pmm_reserve_range(&kernel_pmm, mod[i].paddr, mod[i].size);
    }
    kprintf("memory: %lu MiB usable, %zu pages free\n", ram >> 20,
            kernel_pmm.free_pages);
}

/* Find and check the boot collection; false (with a message) if unusable. */
static bool boot_collection_init(const struct hvm_start_info *si)
{
    if (si->nr_modules == 0) {
        kprintf("bootcol: ERROR: no boot module: start QEMU with "
                "-initrd <bootcol.img> (scripts/dextbed run does this)\n");
        control_send("{\"event\":\"boot-error\",\"message\":\"no boot collection module\"}");
        return false;
    }
    const struct hvm_modlist_entry *mod = phys_to_virt(si->modlist_paddr);
    const void *img = phys_to_virt(mod[0].paddr);
    long bad = -1;
    enum bootcol_status st = bootcol_validate(img, mod[0].size, &bad);
    if (st != BOOTCOL_OK) {
        kprintf("bootcol: ERROR: boot module at %lx (%lu bytes) rejected: %s",
                mod[0].paddr, mod[0].size, bootcol_status_text(st));
        if (bad >= 0)
            kprintf(" (entry %ld)", bad);
        kprintf("\n");
        control_sendf("{\"event\":\"boot-error\",\"message\":\"boot collection "
                      "rejected: %s\"}", bootcol_status_text(st));
        return false;
    }
    const struct bootcol_header *h = img;
    boot_collection = img;
    boot_collection_size = mod[0].size;
    kprintf("bootcol: %u files, %lu bytes, checksum ok\n", h->count, h->total_size);
    return true;
}

/* The boot flow ends as the control thread: it serves the control channel
 * and the console input, waking every 2 ms to poll the UARTs. */
static void control_loop(void)
{
    for (;;) {
        control_poll();
        console_input_poll();
        thread_sleep_ms(2);
    }
}

/* The first task, as launchd is on macOS. */
static void start_init(void)
{
    struct task *init;
    const char *why;
    static const char args[] = "bin/init";

    if (!bootcol_find(boot_collection, "bin/init")) {
        kprintf("init: bin/init is not in the boot collection; no userland\n");
        return;
    }
    kern_return_t kr = task_spawn("bin/init", args, sizeof(args), NULL, 0,
                                  TASK_PRIV_ALL, 0, &init, &why);
    if (kr != KERN_SUCCESS)
        kprintf("init: cannot start bin/init: %s (%s)\n", why, kern_return_name(kr));
    else
        kprintf("init: started bin/init as pid %u\n", init->pid);
}

void kmain(uint32_t start_info_phys)
{
    uart_init(COM1_PORT);
    gdt_init();
    idt_init();
    kprintf("\ndextbed kernel %s (x86_64), accel: %s\n", DEXTBED_VERSION,
            cpu_accel_name());

    const struct hvm_start_info *si = phys_to_virt(start_info_phys);
    if (si->magic != HVM_START_MAGIC || si->version < 1 || !si->memmap_entries)
        panic("boot: no usable PVH start info (magic %x version %u): boot "
              "with QEMU's -kernel", si->magic, si->version);
    if (si->cmdline_paddr && *(const char *)phys_to_virt(si->cmdline_paddr))
        kprintf("command line: %s\n", (const char *)phys_to_virt(si->cmdline_paddr));

    memory_init(si);
    /* Copy what we still need from the boot info before the identity map goes. */
    struct hvm_start_info info = *si;
    paging_init(&info);
    heap_init(&kernel_heap, heap_grow_pages, &kernel_pmm);
    vm_init();
    sched_init();
    syscall_init();
    control_init();
    timer_init();
    sti();
    sched_start();

    if (!boot_collection_init(&info)) {
        kprintf("dextbed: boot failed: see the bootcol error above\n");
        for (;;) {
            cli();
            hlt();
        }
    }
    iokit_init(10000);
    start_init();
    /* The console line first: whoever sees the event finds it logged. */
    uint64_t ready_tsc = rdtsc();
    kprintf("dextbed: ready\n");
    control_sendf("{\"event\":\"ready\",\"version\":\"%s\",\"accel\":\"%s\","
                  "\"tsc\":%lu}", DEXTBED_VERSION, cpu_accel_name(), ready_tsc);
    control_loop();
}
