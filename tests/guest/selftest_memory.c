/* In-guest tests: physical allocator, heap and page tables, on the real
 * machine's memory. */
#include <string.h>

#include "arch/layout.h"
#include "arch/trap.h"
#include "arch/x86.h"
#include "kern/kernel.h"
#include "kern/selftest.h"

SELFTEST(pmm_alloc_free, "memory.pmm_alloc_free")
{
    size_t before = kernel_pmm.free_pages;
    uint64_t page = pmm_alloc(&kernel_pmm);

    ST_CHECK(page != PMM_NONE);
    ST_CHECK_EQ(page % PAGE_SIZE, 0);
    ST_CHECK(pmm_is_used(&kernel_pmm, page));
    ST_CHECK_EQ(kernel_pmm.free_pages, before - 1);
    /* The page is usable memory through the direct map. */
    uint64_t *p = phys_to_virt(page);
    p[0] = 0x1122334455667788ULL;
    p[511] = ~p[0];
    ST_CHECK_EQ(p[0] ^ p[511], ~0ULL);
    ST_CHECK_EQ(pmm_free(&kernel_pmm, page, 1), KERN_SUCCESS);
    ST_CHECK_EQ(pmm_free(&kernel_pmm, page, 1), KERN_INVALID_ADDRESS);
    ST_CHECK_EQ(kernel_pmm.free_pages, before);
}

SELFTEST(pmm_reserved, "memory.pmm_kernel_and_low_memory_reserved")
{
    extern const char _kernel_start[], _kernel_end[];

    ST_CHECK(pmm_is_used(&kernel_pmm, 0));
    ST_CHECK(pmm_is_used(&kernel_pmm, 0x9f000));
    ST_CHECK(pmm_is_used(&kernel_pmm, (uint64_t)_kernel_start - KERNEL_VMA));
    ST_CHECK(pmm_is_used(&kernel_pmm, (uint64_t)_kernel_end - KERNEL_VMA - 1));
    if (boot_collection)
        ST_CHECK(pmm_is_used(&kernel_pmm, virt_to_phys(boot_collection)));
}

SELFTEST(pmm_contig, "memory.pmm_contiguous_aligned")
{
    size_t before = kernel_pmm.free_pages;
    uint64_t run = pmm_alloc_contig(&kernel_pmm, 16, 16);

    ST_CHECK(run != PMM_NONE);
    ST_CHECK_EQ(run % (16 * PAGE_SIZE), 0);
    for (int i = 0; i < 16; i++)
        ST_CHECK(pmm_is_used(&kernel_pmm, run + i * PAGE_SIZE));
    ST_CHECK_EQ(pmm_free(&kernel_pmm, run, 16), KERN_SUCCESS);
    ST_CHECK_EQ(kernel_pmm.free_pages, before);
}

SELFTEST(heap_kmalloc, "memory.heap_kmalloc_patterns")
{
    enum { N = 64 };
    unsigned char *blocks[N];
    size_t live = kernel_heap.allocations;

    for (int i = 0; i < N; i++) {
        size_t size = 1 + (size_t)i * 37 % 3000;
        blocks[i] = kmalloc(size);
        ST_CHECK(blocks[i] != NULL);
        ST_CHECK_EQ((uintptr_t)blocks[i] % HEAP_ALIGN, 0);
        memset(blocks[i], i, size);
    }
    for (int i = 0; i < N; i += 2)
        kfree(blocks[i]);
    for (int i = 1; i < N; i += 2) {
        size_t size = 1 + (size_t)i * 37 % 3000;
        for (size_t j = 0; j < size; j++)
            ST_CHECK_EQ(blocks[i][j], (unsigned char)i);
        kfree(blocks[i]);
    }
    ST_CHECK_EQ(kernel_heap.allocations, live);
    ST_CHECK_EQ(heap_check(&kernel_heap), KERN_SUCCESS);
}

SELFTEST(heap_bad_free, "memory.heap_rejects_bad_free")
{
    uint64_t not_heap[4] __attribute__((aligned(16))) = { 0 };
    void *p = kmalloc(100);

    ST_CHECK(p != NULL);
    ST_CHECK_EQ(heap_free(&kernel_heap, &not_heap[2]), KERN_INVALID_ADDRESS);
    ST_CHECK_EQ(heap_free(&kernel_heap, p), KERN_SUCCESS);
    ST_CHECK_EQ(heap_free(&kernel_heap, p), KERN_INVALID_ADDRESS);
    ST_CHECK_EQ(heap_check(&kernel_heap), KERN_SUCCESS);
}

/* A page-fault handler that records the fault and skips the 3-byte
 * instruction the paging tests use. */
static volatile uint64_t fault_addr, fault_error;
static volatile int faults;

static void skip_fault(struct trap_frame *tf)
{
    fault_addr = read_cr2();
    fault_error = tf->error;
    faults++;
    tf->rip += 3;
}

SELFTEST(paging_null, "paging.null_page_unmapped")
{
    faults = 0;
    trap_set_handler(VEC_PAGE_FAULT, skip_fault);
    __asm__ volatile("movq (%%rax), %%rax"     /* 48 8b 00 */
                     : : "a"(8ULL) : "memory");
    trap_set_handler(VEC_PAGE_FAULT, NULL);
    ST_CHECK_EQ(faults, 1);
    ST_CHECK_EQ(fault_addr, 8);
    ST_CHECK_EQ(fault_error & 1, 0);            /* not present */
}

SELFTEST(paging_wx, "paging.kernel_text_not_writable")
{
    extern const char _text_start[];

    faults = 0;
    trap_set_handler(VEC_PAGE_FAULT, skip_fault);
    __asm__ volatile("movq %%rbx, (%%rax)"     /* 48 89 18 */
                     : : "a"(_text_start), "b"(0ULL) : "memory");
    trap_set_handler(VEC_PAGE_FAULT, NULL);
    ST_CHECK_EQ(faults, 1);
    ST_CHECK_EQ(fault_addr, (uint64_t)_text_start);
    ST_CHECK_EQ(fault_error & 3, 3);            /* present, write */
}
