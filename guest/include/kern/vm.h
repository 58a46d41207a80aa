/* Virtual memory: per-task address spaces (4-level paging), memory objects
 * and user-pointer checking.
 *
 * Every address space shares the kernel half (PML4 slots 256-511, built at
 * boot and never changed) and has its own user half below USER_SPACE_TOP.
 * A mapping (struct vm_region) maps part of a memory object:
 *  - anonymous objects are demand-zero: a page is allocated on first touch;
 *  - physical objects are a fixed range of physical addresses (MMIO) with a
 *    caching attribute, never freed by the VM.
 * Objects are reference counted; a shared-memory object mapped by two tasks
 * is one object in two maps, and a page freed only when the last map and the
 * last port naming it are gone.
 *
 * copyin/copyout translate user addresses through the map (faulting pages in
 * as a user access would, checking the protection) and copy through the
 * kernel's direct map; the kernel itself never touches a user address, so a
 * bad pointer is an error code, never a kernel fault. */
#ifndef KERN_VM_H
#define KERN_VM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kern/return.h"
#include "mach/syscall.h"

enum vm_object_kind { VM_OBJECT_ANON, VM_OBJECT_PHYS };

struct vm_object {
    uint32_t refs;
    enum vm_object_kind kind;
    uint64_t npages;
    uint64_t *pages;            /* ANON: physical page per index, 0 = absent */
    uint64_t phys;              /* PHYS: first physical address */
    uint32_t cache;             /* VM_CACHE_* */
};

struct vm_region {
    uint64_t start, end;        /* page aligned, end exclusive */
    uint32_t prot;              /* VM_PROT_* */
    struct vm_object *object;   /* one reference held */
    uint64_t offset;            /* first object page mapped */
    struct vm_region *next;     /* sorted by start */
};

struct vm_map {
    uint64_t pml4_phys;
    uint64_t *pml4;
    struct vm_region *regions;
    struct vm_region *hint;     /* the last mapping looked up, or NULL */
    uint64_t resident;          /* user pages + page-table pages */
    uint32_t nregions;
};

#define VM_REGIONS_MAX 1024     /* per map */

extern uint32_t vm_object_count;

void vm_init(void);             /* after paging_init */
/* A new, empty user address space. */
struct vm_map *vm_map_create(void);
/* Unmap everything, free the page tables and the map. */
void vm_map_destroy(struct vm_map *map);
/* Load map's page tables (NULL: the kernel's). */
void vm_map_activate(struct vm_map *map);

struct vm_object *vm_object_create_anon(uint64_t size);
struct vm_object *vm_object_create_phys(uint64_t phys, uint64_t size, uint32_t cache);
void vm_object_retain(struct vm_object *obj);
void vm_object_release(struct vm_object *obj);

/* Map size bytes of obj (from object page offset) into map.  *addr = 0 means
 * anywhere (from USER_HEAP_BASE up); otherwise exactly there (page aligned,
 * free).  Takes its own object reference. */
kern_return_t vm_map_enter(struct vm_map *map, uint64_t *addr, uint64_t size,
                           uint32_t prot, struct vm_object *obj, uint64_t offset);
/* Remove the mappings that exactly cover [addr, addr + size); a range that
 * cuts a mapping is KERN_INVALID_ARGUMENT and changes nothing. */
kern_return_t vm_map_remove(struct vm_map *map, uint64_t addr, uint64_t size);
/* The mapping containing addr, or NULL. */
struct vm_region *vm_map_lookup(struct vm_map *map, uint64_t addr);

/* Resolve a user access at addr (write/exec as given): KERN_SUCCESS once the
 * page is present; KERN_INVALID_ADDRESS (unmapped), KERN_PROTECTION_FAILURE
 * (wrong access) or KERN_RESOURCE_SHORTAGE (no memory). */
kern_return_t vm_fault(struct vm_map *map, uint64_t addr, uint32_t access);

kern_return_t copyin(struct vm_map *map, uint64_t uaddr, void *kbuf, size_t len);
kern_return_t copyout(struct vm_map *map, const void *kbuf, uint64_t uaddr, size_t len);
/* A NUL-terminated string of at most max - 1 bytes; KERN_INVALID_ARGUMENT if
 * longer. */
kern_return_t copyinstr(struct vm_map *map, uint64_t uaddr, char *buf, size_t max);
/* A new anonymous object holding a copy of [uaddr, uaddr + len) starting at
 * the object's first byte, the rest of its last page zero (out-of-line
 * message memory). */
kern_return_t vm_copyin_object(struct vm_map *map, uint64_t uaddr, uint64_t len,
                               struct vm_object **out);
/* True if [uaddr, uaddr+len) lies inside user space. */
bool vm_user_range_ok(uint64_t uaddr, uint64_t len);

#endif
