/* Physical page allocator: one bit per 4 KiB page (1 = in use).
 * Pure logic over a caller-supplied bitmap, so host unit tests run it too.
 * Not thread-safe: callers serialise (the kernel is single-CPU for now). */
#ifndef KERN_PMM_H
#define KERN_PMM_H

#include <stddef.h>
#include <stdint.h>

#include "kern/return.h"

#define PAGE_SIZE  4096ULL
#define PAGE_SHIFT 12
#define PMM_NONE   UINT64_MAX

struct pmm {
    uint64_t *bitmap;   /* npages bits */
    uint64_t base;      /* physical address of page 0 (page aligned) */
    size_t npages;
    size_t free_pages;
    size_t hint;        /* first page worth looking at */
};

/* Size in bytes of the bitmap for npages pages. */
size_t pmm_bitmap_bytes(size_t npages);
/* Start with every page in use; release what the memory map says is RAM. */
void pmm_init(struct pmm *p, uint64_t *bitmap, uint64_t base, size_t npages);
/* Pages wholly inside [addr, addr+len) become free. */
void pmm_release_range(struct pmm *p, uint64_t addr, uint64_t len);
/* Pages touching [addr, addr+len) become used. */
void pmm_reserve_range(struct pmm *p, uint64_t addr, uint64_t len);
/* One page, lowest address first; PMM_NONE when memory is exhausted. */
uint64_t pmm_alloc(struct pmm *p);
/* count contiguous pages starting at a multiple of align_pages. */
uint64_t pmm_alloc_contig(struct pmm *p, size_t count, size_t align_pages);
/* Free pages from an earlier alloc; refuses pages that are not in use,
 * out of range or unaligned (KERN_INVALID_ADDRESS), changing nothing. */
kern_return_t pmm_free(struct pmm *p, uint64_t addr, size_t count);
int pmm_is_used(const struct pmm *p, uint64_t addr);

#endif
