/* Physical page allocator (bitmap).  See kern/pmm.h. */
#include "kern/pmm.h"

static int bit_get(const struct pmm *p, size_t i)
{
    return (p->bitmap[i / 64] >> (i % 64)) & 1;
}

static void bit_set(struct pmm *p, size_t i, int used)
{
    if (used)
        p->bitmap[i / 64] |= 1ULL << (i % 64);
    else
        p->bitmap[i / 64] &= ~(1ULL << (i % 64));
}

size_t pmm_bitmap_bytes(size_t npages)
{
    return (npages + 63) / 64 * 8;
}

void pmm_init(struct pmm *p, uint64_t *bitmap, uint64_t base, size_t npages)
{
    p->bitmap = bitmap;
    p->base = base & ~(PAGE_SIZE - 1);
    p->npages = npages;
    p->free_pages = 0;
    p->hint = 0;
    for (size_t i = 0; i < (npages + 63) / 64; i++)
        bitmap[i] = ~0ULL;
}

/* Clamp [first, last) page indexes to the managed range. */
static void clamp(const struct pmm *p, uint64_t lo, uint64_t hi, size_t *first,
                  size_t *last)
{
    uint64_t end = p->base + (uint64_t)p->npages * PAGE_SIZE;

    if (lo < p->base)
        lo = p->base;
    if (hi > end)
        hi = end;
    if (hi <= lo) {
        *first = *last = 0;
        return;
    }
    *first = (lo - p->base) >> PAGE_SHIFT;
    *last = (hi - p->base) >> PAGE_SHIFT;
}

void pmm_release_range(struct pmm *p, uint64_t addr, uint64_t len)
{
    size_t first, last;

    if (addr > UINT64_MAX - (PAGE_SIZE - 1))
        return;                         /* no whole page starts there */
    uint64_t lo = (addr + PAGE_SIZE - 1) & ~(PAGE_SIZE - 1);
    uint64_t hi = (addr + len) & ~(PAGE_SIZE - 1);

    if (addr + len < addr)
        hi = UINT64_MAX & ~(PAGE_SIZE - 1);
    clamp(p, lo, hi, &first, &last);
    for (size_t i = first; i < last; i++) {
        if (bit_get(p, i)) {
            bit_set(p, i, 0);
            p->free_pages++;
        }
    }
    if (first < p->hint)
        p->hint = first;
}

void pmm_reserve_range(struct pmm *p, uint64_t addr, uint64_t len)
{
    size_t first, last;

    if (len == 0)
        return;                         /* an empty range touches no page */
    uint64_t lo = addr & ~(PAGE_SIZE - 1);
    uint64_t hi = (addr + len + PAGE_SIZE - 1) & ~(PAGE_SIZE - 1);

    /* Up to the end of the address space when the end would wrap. */
    if (addr + len < addr || addr + len > UINT64_MAX - (PAGE_SIZE - 1))
        hi = UINT64_MAX & ~(PAGE_SIZE - 1);
    clamp(p, lo, hi, &first, &last);
    for (size_t i = first; i < last; i++) {
        if (!bit_get(p, i)) {
            bit_set(p, i, 1);
            p->free_pages--;
        }
    }
}

uint64_t pmm_alloc(struct pmm *p)
{
    for (size_t w = p->hint / 64; w < (p->npages + 63) / 64; w++) {
        if (p->bitmap[w] == ~0ULL)
            continue;
        size_t i = w * 64 + (size_t)__builtin_ctzll(~p->bitmap[w]);
        if (i >= p->npages)
            break;
        bit_set(p, i, 1);
        p->free_pages--;
        p->hint = i + 1;
        return p->base + ((uint64_t)i << PAGE_SHIFT);
    }
    return PMM_NONE;
}

uint64_t pmm_alloc_contig(struct pmm *p, size_t count, size_t align_pages)
{
    if (count == 0 || count > p->free_pages)
        return PMM_NONE;
    if (align_pages == 0)
        align_pages = 1;
    size_t start = p->hint;
    /* Align in physical terms, not relative to base. */
    for (;;) {
        uint64_t pfn = (p->base >> PAGE_SHIFT) + start;
        size_t mis = pfn % align_pages;
        if (mis)
            start += align_pages - mis;
        if (start + count > p->npages || start + count < start)
            return PMM_NONE;
        size_t run = 0;
        while (run < count && !bit_get(p, start + run))
            run++;
        if (run == count)
            break;
        start += run + 1;
    }
    for (size_t i = start; i < start + count; i++)
        bit_set(p, i, 1);
    p->free_pages -= count;
    if (start == p->hint)
        p->hint = start + count;
    return p->base + ((uint64_t)start << PAGE_SHIFT);
}

kern_return_t pmm_free(struct pmm *p, uint64_t addr, size_t count)
{
    if (addr & (PAGE_SIZE - 1) || addr < p->base || count == 0)
        return KERN_INVALID_ADDRESS;
    size_t first = (addr - p->base) >> PAGE_SHIFT;
    if (first >= p->npages || count > p->npages - first)
        return KERN_INVALID_ADDRESS;
    for (size_t i = first; i < first + count; i++) {
        if (!bit_get(p, i))
            return KERN_INVALID_ADDRESS;    /* double free: change nothing */
    }
    for (size_t i = first; i < first + count; i++)
        bit_set(p, i, 0);
    p->free_pages += count;
    if (first < p->hint)
        p->hint = first;
    return KERN_SUCCESS;
}

int pmm_is_used(const struct pmm *p, uint64_t addr)
{
    if (addr < p->base)
        return 1;
    size_t i = (addr - p->base) >> PAGE_SHIFT;
    return i >= p->npages ? 1 : bit_get(p, i);
}
