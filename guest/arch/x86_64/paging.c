/* The kernel's own page tables.
 *
 *  - DIRECT_MAP_BASE + p -> p for all RAM and the first 4 GiB (2 MiB pages,
 *    no-execute; 3-4 GiB, where the LAPIC and PCI MMIO live, uncached).
 *  - KERNEL_VMA + p -> p for the kernel image only, 4 KiB pages with
 *    W^X: text read-execute, rodata read-only, data read-write.
 * Nothing is mapped at low addresses, so a NULL dereference faults. */
#include <string.h>

#include "arch/layout.h"
#include "arch/pvh.h"
#include "arch/x86.h"
#include "kern/console.h"
#include "kern/kernel.h"
#include "kern/panic.h"

#define PTE_P    (1ULL << 0)
#define PTE_W    (1ULL << 1)
#define PTE_PWT  (1ULL << 3)
#define PTE_PCD  (1ULL << 4)
#define PTE_PS   (1ULL << 7)
#define PTE_G    (1ULL << 8)
#define PTE_NX   (1ULL << 63)
#define PTE_ADDR 0x000ffffffffff000ULL

#define GIB (1ULL << 30)
#define MIB2 (1ULL << 21)

extern const char _kernel_start[], _text_start[], _text_end[], _kernel_end[];
extern const char __selftests_end[];
extern char __rodata_end_marker[];

static uint64_t *pml4;
static int direct_map_ready;
uint64_t kernel_pml4_phys;
uint64_t *kernel_pml4;

/* PAT: entry 1 (PWT) becomes write-combining and entry 4 (PAT bit)
 * write-through; 0 WB and 3 (PCD|PWT) UC as at reset. */
#define MSR_PAT 0x277
#define PAT_VALUE 0x0007040600070106ULL

void *phys_to_virt(uint64_t phys)
{
    if (direct_map_ready)
        return (void *)(DIRECT_MAP_BASE + phys);
    /* Boot tables: the first GiB at KERNEL_VMA. */
    KASSERT(phys < GIB);
    return (void *)(KERNEL_VMA + phys);
}

uint64_t virt_to_phys(const void *virt)
{
    uint64_t v = (uint64_t)virt;

    if (v >= KERNEL_VMA)
        return v - KERNEL_VMA;
    return v - DIRECT_MAP_BASE;
}

/* A zeroed page for a table (reachable through phys_to_virt). */
static uint64_t *new_table(uint64_t *phys_out)
{
    uint64_t phys = pmm_alloc(&kernel_pmm);

    if (phys == PMM_NONE)
        panic("paging: out of memory for page tables");
    uint64_t *t = phys_to_virt(phys);
    memset(t, 0, PAGE_SIZE);
    *phys_out = phys;
    return t;
}

/* The table that entry idx of t points to, created if absent. */
static uint64_t *next_level(uint64_t *t, unsigned idx)
{
    if (!(t[idx] & PTE_P)) {
        uint64_t phys;
        new_table(&phys);
        t[idx] = phys | PTE_P | PTE_W;
    }
    return phys_to_virt(t[idx] & PTE_ADDR);
}

static void map_2m(uint64_t va, uint64_t pa, uint64_t flags)
{
    uint64_t *pdpt = next_level(pml4, (va >> 39) & 511);
    uint64_t *pd = next_level(pdpt, (va >> 30) & 511);
    pd[(va >> 21) & 511] = pa | flags | PTE_PS | PTE_P;
}

static void map_4k(uint64_t va, uint64_t pa, uint64_t flags)
{
    uint64_t *pdpt = next_level(pml4, (va >> 39) & 511);
    uint64_t *pd = next_level(pdpt, (va >> 30) & 511);
    uint64_t *pt = next_level(pd, (va >> 21) & 511);
    pt[(va >> 12) & 511] = pa | flags | PTE_P;
}

void paging_init(const struct hvm_start_info *si)
{
    uint64_t top = 4 * GIB;
    const struct hvm_memmap_entry *mm = phys_to_virt(si->memmap_paddr);
    uint64_t pml4_phys;

    for (uint32_t i = 0; i < si->memmap_entries; i++) {
        if (mm[i].type == HVM_MEMMAP_RAM && mm[i].addr + mm[i].size > top)
            top = mm[i].addr + mm[i].size;
    }
    top = (top + GIB - 1) & ~(GIB - 1);

    pml4 = new_table(&pml4_phys);
    for (uint64_t pa = 0; pa < top; pa += MIB2) {
        uint64_t flags = PTE_W | PTE_NX | PTE_G;
        if (pa >= 3 * GIB && pa < 4 * GIB)
            flags |= PTE_PCD | PTE_PWT;
        map_2m(DIRECT_MAP_BASE + pa, pa, flags);
    }
    for (uint64_t va = (uint64_t)_kernel_start; va < (uint64_t)_kernel_end;
         va += PAGE_SIZE) {
        uint64_t flags = PTE_G;
        if (va >= (uint64_t)_text_start && va < (uint64_t)_text_end)
            flags |= 0;                         /* read, execute */
        else if (va >= (uint64_t)_text_end && va < (uint64_t)__rodata_end_marker)
            flags |= PTE_NX;                    /* read only */
        else
            flags |= PTE_W | PTE_NX;            /* data, bss, boot tables */
        map_4k(va, va - KERNEL_VMA, flags);
    }

    /* Everything the kernel holds by early pointer moves to the direct map. */
    uint64_t bitmap_phys = virt_to_phys(kernel_pmm.bitmap);
    write_cr3(pml4_phys);
    direct_map_ready = 1;
    kernel_pmm.bitmap = phys_to_virt(bitmap_phys);
    pml4 = phys_to_virt(pml4_phys);
    kernel_pml4_phys = pml4_phys;
    kernel_pml4 = pml4;
    wrmsr(MSR_PAT, PAT_VALUE);
    kprintf("paging: direct map of %lu MiB at %lx, kernel W^X at %lx\n",
            top >> 20, (uint64_t)DIRECT_MAP_BASE, (uint64_t)_kernel_start);
}
