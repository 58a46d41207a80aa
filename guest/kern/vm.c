/* Address spaces, memory objects and checked user access (kern/vm.h). */
#include <string.h>

#include "arch/layout.h"
#include "arch/x86.h"
#include "kern/console.h"
#include "kern/kernel.h"
#include "kern/panic.h"
#include "kern/vm.h"

#define PTE_P    (1ULL << 0)
#define PTE_W    (1ULL << 1)
#define PTE_U    (1ULL << 2)
#define PTE_PWT  (1ULL << 3)
#define PTE_PCD  (1ULL << 4)
#define PTE_PAT  (1ULL << 7)
#define PTE_NX   (1ULL << 63)
#define PTE_ADDR 0x000ffffffffff000ULL

#define OBJECT_PAGES_MAX  (256ULL << 20 >> PAGE_SHIFT)   /* 256 MiB */
#define MAP_RESIDENT_MAX  32768                          /* 128 MiB per task */

uint32_t vm_object_count;
/* Pages of all live anonymous objects, present or not.  Each costs the
 * kernel 8 bytes of page array, so the total is capped at 4x RAM: a task
 * that asks for huge sparse objects over and over gets
 * KERN_RESOURCE_SHORTAGE instead of exhausting the kernel heap. */
static uint64_t anon_pages_total;
#define ANON_PAGES_PER_RAM_PAGE 4

static uint64_t active_pml4 = 0;

void vm_init(void)
{
    active_pml4 = kernel_pml4_phys;
}

bool vm_user_range_ok(uint64_t uaddr, uint64_t len)
{
    return uaddr >= USER_SPACE_BASE && uaddr < USER_SPACE_TOP &&
           len <= USER_SPACE_TOP - uaddr;
}

/* -- objects ---------------------------------------------------------------- */

struct vm_object *vm_object_create_anon(uint64_t size)
{
    uint64_t npages = (size + PAGE_SIZE - 1) >> PAGE_SHIFT;

    if (!npages || npages > OBJECT_PAGES_MAX ||
        npages > kernel_pmm.npages * ANON_PAGES_PER_RAM_PAGE - anon_pages_total)
        return NULL;
    struct vm_object *o = kmalloc(sizeof(*o));
    if (!o)
        return NULL;
    o->pages = kmalloc(npages * sizeof(uint64_t));
    if (!o->pages) {
        kfree(o);
        return NULL;
    }
    memset(o->pages, 0, npages * sizeof(uint64_t));
    o->refs = 1;
    o->kind = VM_OBJECT_ANON;
    o->npages = npages;
    o->phys = 0;
    o->cache = VM_CACHE_WB;
    vm_object_count++;
    anon_pages_total += npages;
    return o;
}

struct vm_object *vm_object_create_phys(uint64_t phys, uint64_t size, uint32_t cache)
{
    struct vm_object *o = kmalloc(sizeof(*o));

    if (!o)
        return NULL;
    o->refs = 1;
    o->kind = VM_OBJECT_PHYS;
    o->npages = (size + PAGE_SIZE - 1) >> PAGE_SHIFT;
    o->pages = NULL;
    o->phys = phys & ~(PAGE_SIZE - 1);
    o->cache = cache;
    vm_object_count++;
    return o;
}

void vm_object_retain(struct vm_object *obj)
{
    KASSERT(obj->refs > 0);
    obj->refs++;
}

void vm_object_release(struct vm_object *obj)
{
    KASSERT(obj->refs > 0);
    if (--obj->refs)
        return;
    if (obj->kind == VM_OBJECT_ANON) {
        for (uint64_t i = 0; i < obj->npages; i++) {
            if (obj->pages[i])
                pmm_free(&kernel_pmm, obj->pages[i], 1);
        }
        kfree(obj->pages);
        anon_pages_total -= obj->npages;
    }
    vm_object_count--;
    kfree(obj);
}

/* The physical page behind object page idx, allocating a zero page for an
 * anonymous object; 0 if memory is exhausted. */
static uint64_t object_page(struct vm_object *o, uint64_t idx)
{
    if (o->kind == VM_OBJECT_PHYS)
        return o->phys + (idx << PAGE_SHIFT);
    if (!o->pages[idx]) {
        uint64_t p = pmm_alloc(&kernel_pmm);
        if (p == PMM_NONE)
            return 0;
        memset(phys_to_virt(p), 0, PAGE_SIZE);
        o->pages[idx] = p;
    }
    return o->pages[idx];
}

/* -- page tables ------------------------------------------------------------- */

/* The leaf entry for va, creating tables if create; NULL if absent/no memory. */
static uint64_t *pte_walk(struct vm_map *map, uint64_t va, bool create)
{
    uint64_t *t = map->pml4;

    for (int shift = 39; shift > 12; shift -= 9) {
        unsigned idx = (va >> shift) & 511;
        if (!(t[idx] & PTE_P)) {
            if (!create)
                return NULL;
            uint64_t p = pmm_alloc(&kernel_pmm);
            if (p == PMM_NONE)
                return NULL;
            memset(phys_to_virt(p), 0, PAGE_SIZE);
            t[idx] = p | PTE_P | PTE_W | PTE_U;
            map->resident++;
        }
        t = phys_to_virt(t[idx] & PTE_ADDR);
    }
    return &t[(va >> 12) & 511];
}

static uint64_t pte_flags(const struct vm_region *r)
{
    uint64_t f = PTE_P | PTE_U;

    if (r->prot & VM_PROT_WRITE)
        f |= PTE_W;
    if (!(r->prot & VM_PROT_EXECUTE))
        f |= PTE_NX;
    switch (r->object->cache) {
    case VM_CACHE_UC: f |= PTE_PCD | PTE_PWT; break;
    case VM_CACHE_WC: f |= PTE_PWT; break;
    case VM_CACHE_WT: f |= PTE_PAT | PTE_PWT; break;
    default: break;
    }
    return f;
}

static void tlb_flush_page(struct vm_map *map, uint64_t va)
{
    if (map->pml4_phys == active_pml4)
        __asm__ volatile("invlpg (%0)" : : "r"(va) : "memory");
}

/* -- maps ------------------------------------------------------------------- */

struct vm_map *vm_map_create(void)
{
    struct vm_map *map = kmalloc(sizeof(*map));
    if (!map)
        return NULL;
    uint64_t p = pmm_alloc(&kernel_pmm);
    if (p == PMM_NONE) {
        kfree(map);
        return NULL;
    }
    map->pml4_phys = p;
    map->pml4 = phys_to_virt(p);
    memset(map->pml4, 0, PAGE_SIZE / 2);
    memcpy(map->pml4 + 256, kernel_pml4 + 256, PAGE_SIZE / 2);
    map->regions = NULL;
    map->hint = NULL;
    map->resident = 1;
    map->nregions = 0;
    return map;
}

void vm_map_activate(struct vm_map *map)
{
    uint64_t p = map ? map->pml4_phys : kernel_pml4_phys;

    if (p != active_pml4) {
        active_pml4 = p;
        write_cr3(p);
    }
}

static void region_unmap(struct vm_map *map, struct vm_region *r)
{
    for (uint64_t va = r->start; va < r->end; va += PAGE_SIZE) {
        uint64_t *pte = pte_walk(map, va, false);
        if (pte && (*pte & PTE_P)) {
            *pte = 0;
            tlb_flush_page(map, va);
            map->resident--;
        }
    }
    if (map->hint == r)
        map->hint = NULL;
    vm_object_release(r->object);
    kfree(r);
    map->nregions--;
}

static void free_tables(uint64_t *t, int level)
{
    for (int i = 0; i < 512; i++) {
        if (!(t[i] & PTE_P))
            continue;
        if (level > 1)
            free_tables(phys_to_virt(t[i] & PTE_ADDR), level - 1);
        pmm_free(&kernel_pmm, t[i] & PTE_ADDR, 1);
    }
}

void vm_map_destroy(struct vm_map *map)
{
    if (map->pml4_phys == active_pml4)
        vm_map_activate(NULL);
    while (map->regions) {
        struct vm_region *r = map->regions;
        map->regions = r->next;
        region_unmap(map, r);
    }
    /* User half only: the kernel half is shared. */
    for (int i = 0; i < 256; i++) {
        if (map->pml4[i] & PTE_P) {
            free_tables(phys_to_virt(map->pml4[i] & PTE_ADDR), 2);
            pmm_free(&kernel_pmm, map->pml4[i] & PTE_ADDR, 1);
        }
    }
    pmm_free(&kernel_pmm, map->pml4_phys, 1);
    kfree(map);
}

struct vm_region *vm_map_lookup(struct vm_map *map, uint64_t addr)
{
    struct vm_region *h = map->hint;

    if (h && addr >= h->start && addr < h->end)
        return h;
    for (struct vm_region *r = map->regions; r && r->start <= addr; r = r->next) {
        if (addr < r->end) {
            map->hint = r;
            return r;
        }
    }
    return NULL;
}

/* A free range of size bytes at or above from (one guard page between
 * mappings); 0 if none. */
static uint64_t find_gap(struct vm_map *map, uint64_t from, uint64_t size)
{
    uint64_t at = from;

    for (struct vm_region *r = map->regions; r; r = r->next) {
        if (r->end + PAGE_SIZE <= at)
            continue;
        if (r->start >= at + size + PAGE_SIZE && at + size >= at)
            break;
        at = r->end + PAGE_SIZE;
    }
    if (!vm_user_range_ok(at, size))
        return 0;
    return at;
}

kern_return_t vm_map_enter(struct vm_map *map, uint64_t *addr, uint64_t size,
                           uint32_t prot, struct vm_object *obj, uint64_t offset)
{
    if (!size || (prot & ~VM_PROT_ALL) || size > (OBJECT_PAGES_MAX << PAGE_SHIFT))
        return KERN_INVALID_ARGUMENT;
    size = (size + PAGE_SIZE - 1) & ~(PAGE_SIZE - 1);
    if (offset > obj->npages || (size >> PAGE_SHIFT) > obj->npages - offset)
        return KERN_INVALID_ARGUMENT;
    if (map->nregions >= VM_REGIONS_MAX)
        return KERN_NO_SPACE;
    uint64_t at = *addr;
    if (at) {
        if ((at & (PAGE_SIZE - 1)) || !vm_user_range_ok(at, size))
            return KERN_INVALID_ADDRESS;
        for (struct vm_region *r = map->regions; r; r = r->next) {
            if (r->start < at + size && at < r->end)
                return KERN_NO_SPACE;
        }
    } else {
        at = find_gap(map, USER_HEAP_BASE, size);
        if (!at)
            return KERN_NO_SPACE;
    }
    struct vm_region *nr = kmalloc(sizeof(*nr));
    if (!nr)
        return KERN_RESOURCE_SHORTAGE;
    nr->start = at;
    nr->end = at + size;
    nr->prot = prot;
    nr->object = obj;
    nr->offset = offset;
    vm_object_retain(obj);
    struct vm_region **pp = &map->regions;
    while (*pp && (*pp)->start < at)
        pp = &(*pp)->next;
    nr->next = *pp;
    *pp = nr;
    map->nregions++;
    *addr = at;
    return KERN_SUCCESS;
}

kern_return_t vm_map_remove(struct vm_map *map, uint64_t addr, uint64_t size)
{
    if (!size || (addr & (PAGE_SIZE - 1)) || !vm_user_range_ok(addr, size))
        return KERN_INVALID_ADDRESS;
    uint64_t end = addr + ((size + PAGE_SIZE - 1) & ~(PAGE_SIZE - 1));
    bool any = false;

    /* Decode: every mapping touching the range must lie inside it. */
    for (struct vm_region *r = map->regions; r; r = r->next) {
        if (r->start < end && addr < r->end) {
            if (r->start < addr || r->end > end)
                return KERN_INVALID_ARGUMENT;
            any = true;
        }
    }
    if (!any)
        return KERN_INVALID_ADDRESS;
    for (struct vm_region **pp = &map->regions; *pp;) {
        struct vm_region *r = *pp;
        if (r->start >= addr && r->end <= end) {
            *pp = r->next;
            region_unmap(map, r);
        } else {
            pp = &r->next;
        }
    }
    return KERN_SUCCESS;
}

/* Make the page at addr present for access; its physical address in *phys. */
static kern_return_t fault_page(struct vm_map *map, uint64_t addr, uint32_t access,
                                bool copy_only, uint64_t *phys)
{
    if (!vm_user_range_ok(addr, 1))
        return KERN_INVALID_ADDRESS;
    struct vm_region *r = vm_map_lookup(map, addr);
    if (!r)
        return KERN_INVALID_ADDRESS;
    if ((access & r->prot) != access)
        return KERN_PROTECTION_FAILURE;
    uint64_t va = addr & ~(PAGE_SIZE - 1);
    uint64_t idx = r->offset + ((va - r->start) >> PAGE_SHIFT);
    /* Kernel copies need the page, not the mapping: a present object page
     * is enough (the CPU's own fault maps it when the task touches it). */
    if (copy_only && r->object->kind == VM_OBJECT_ANON && r->object->pages[idx]) {
        *phys = r->object->pages[idx];
        return KERN_SUCCESS;
    }
    uint64_t *pte = pte_walk(map, va, true);
    if (!pte)
        return KERN_RESOURCE_SHORTAGE;
    if (*pte & PTE_P) {
        *phys = *pte & PTE_ADDR;
        return KERN_SUCCESS;
    }
    if (map->resident >= MAP_RESIDENT_MAX)
        return KERN_RESOURCE_SHORTAGE;
    uint64_t p = object_page(r->object, idx);
    if (!p)
        return KERN_RESOURCE_SHORTAGE;
    *pte = p | pte_flags(r);
    map->resident++;
    *phys = p;
    return KERN_SUCCESS;
}

kern_return_t vm_fault(struct vm_map *map, uint64_t addr, uint32_t access)
{
    uint64_t phys;

    return fault_page(map, addr, access, false, &phys);
}

/* Copy len bytes between kernel memory and user memory, page by page. */
static kern_return_t copy_user(struct vm_map *map, uint64_t uaddr, void *kbuf,
                               size_t len, bool to_user)
{
    uint8_t *k = kbuf;

    if (!len)
        return KERN_SUCCESS;
    if (!vm_user_range_ok(uaddr, len))
        return KERN_INVALID_ADDRESS;
    /* Fast path (every message copy): within one page of the last mapping
     * used, whose anonymous page is already there. */
    struct vm_region *h = map->hint;
    size_t off = uaddr & (PAGE_SIZE - 1);
    if (h && uaddr >= h->start && uaddr < h->end && off + len <= PAGE_SIZE &&
        (h->prot & (to_user ? VM_PROT_WRITE : VM_PROT_READ)) &&
        h->object->kind == VM_OBJECT_ANON) {
        uint64_t p = h->object->pages[h->offset + ((uaddr - h->start) >> PAGE_SHIFT)];
        if (p) {
            uint8_t *u = (uint8_t *)(DIRECT_MAP_BASE + p + off);
            if (to_user)
                memcpy(u, k, len);
            else
                memcpy(k, u, len);
            return KERN_SUCCESS;
        }
    }
    while (len) {
        uint64_t phys;
        kern_return_t kr = fault_page(map, uaddr,
                                      to_user ? VM_PROT_WRITE : VM_PROT_READ, true,
                                      &phys);
        if (kr != KERN_SUCCESS)
            return kr == KERN_PROTECTION_FAILURE ? KERN_INVALID_ADDRESS : kr;
        size_t off = uaddr & (PAGE_SIZE - 1);
        size_t n = PAGE_SIZE - off < len ? PAGE_SIZE - off : len;
        uint8_t *p = (uint8_t *)phys_to_virt(phys) + off;
        if (to_user)
            memcpy(p, k, n);
        else
            memcpy(k, p, n);
        k += n;
        uaddr += n;
        len -= n;
    }
    return KERN_SUCCESS;
}

kern_return_t copyin(struct vm_map *map, uint64_t uaddr, void *kbuf, size_t len)
{
    return copy_user(map, uaddr, kbuf, len, false);
}

kern_return_t copyout(struct vm_map *map, const void *kbuf, uint64_t uaddr, size_t len)
{
    return copy_user(map, uaddr, (void *)kbuf, len, true);
}

kern_return_t copyinstr(struct vm_map *map, uint64_t uaddr, char *buf, size_t max)
{
    for (size_t i = 0; i < max; i++) {
        kern_return_t kr = copyin(map, uaddr + i, &buf[i], 1);
        if (kr != KERN_SUCCESS)
            return kr;
        if (!buf[i])
            return KERN_SUCCESS;
    }
    if (max)
        buf[max - 1] = '\0';
    return KERN_INVALID_ARGUMENT;
}

kern_return_t vm_copyin_object(struct vm_map *map, uint64_t uaddr, uint64_t len,
                               struct vm_object **out)
{
    if (!len || !vm_user_range_ok(uaddr, len))
        return KERN_INVALID_ADDRESS;
    struct vm_object *o = vm_object_create_anon(len);
    if (!o)
        return KERN_RESOURCE_SHORTAGE;
    for (uint64_t i = 0; i < o->npages; i++) {
        uint64_t p = object_page(o, i);
        uint64_t n = len - (i << PAGE_SHIFT);
        if (n > PAGE_SIZE)
            n = PAGE_SIZE;
        kern_return_t kr = p ? copyin(map, uaddr + (i << PAGE_SHIFT),
                                      phys_to_virt(p), n)
                             : KERN_RESOURCE_SHORTAGE;
        if (kr != KERN_SUCCESS) {
            vm_object_release(o);
            return kr;
        }
    }
    *out = o;
    return KERN_SUCCESS;
}
