/* Out-of-line memory in messages.  A send checks every range (readable;
 * with deallocate, made of whole mappings so the unmap cannot fail), then
 * copies each into a new anonymous object (vm_copyin_object: the range's
 * first byte at object offset 0) and only then unmaps what the sender gave
 * away.  A receive maps each object read-write anywhere in the receiver; the
 * descriptor's address is the mapping's start (the data begins at offset 0
 * of the page: the sender's in-page offset is not kept), size is kept and
 * deallocate is 0. */
#include "ipc_internal.h"
#include "kern/kernel.h"
#include "kern/panic.h"
#include "kern/pmm.h"
#include "kern/vm.h"

/* a rounded down / up to a page boundary. */
static uint64_t trunc_page(uint64_t a)
{
    return a & ~(PAGE_SIZE - 1);
}

static uint64_t round_page(uint64_t a)
{
    return (a + PAGE_SIZE - 1) & ~(PAGE_SIZE - 1);
}

/* Whether [addr, addr + size) is mapped readable throughout. */
static bool range_readable(struct vm_map *map, uint64_t addr, uint64_t size)
{
    uint64_t a = addr, end = addr + size;

    if (!vm_user_range_ok(addr, size))
        return false;
    for (uint32_t n = 0; a < end && n <= VM_REGIONS_MAX; n++) {
        struct vm_region *r = vm_map_lookup(map, a);
        if (!r || !(r->prot & VM_PROT_READ))
            return false;
        a = r->end;
    }
    return a >= end;
}

/* Whether the page-rounded [addr, addr + size), already known to be mapped
 * throughout, is exactly one or more whole mappings. */
static bool range_whole_mappings(struct vm_map *map, uint64_t addr, uint64_t size)
{
    uint64_t start = trunc_page(addr), end = round_page(addr + size);
    struct vm_region *r = vm_map_lookup(map, start);

    if (!r || r->start != start)
        return false;
    for (uint32_t n = 0; r && n <= VM_REGIONS_MAX; n++) {
        if (r->end == end)
            return true;
        if (r->end > end)
            return false;
        r = vm_map_lookup(map, r->end);
    }
    return false;
}

/* Whether the page-rounded ranges of two descriptors overlap. */
static bool ranges_overlap(const mach_msg_descriptor_t *a, const mach_msg_descriptor_t *b)
{
    return trunc_page(a->address) < round_page(b->address + b->size) &&
           trunc_page(b->address) < round_page(a->address + a->size);
}

/* Decode the OOL ranges of kmsg (sizes already checked): readable, and
 * for deallocate whole mappings that no other deallocated range shares. */
mach_msg_return_t ipc_ool_check(struct vm_map *map, struct ipc_kmsg *kmsg)
{
    mach_msg_descriptor_t *descs = ikm_descs(kmsg);

    for (uint32_t i = 0; i < kmsg->ndesc; i++) {
        mach_msg_descriptor_t *d = &descs[i];
        if (d->type != MACH_MSG_OOL_DESCRIPTOR || d->size == 0)
            continue;
        if (!range_readable(map, d->address, d->size))
            return MACH_SEND_INVALID_MEMORY;
        if (!d->deallocate)
            continue;
        if (!range_whole_mappings(map, d->address, d->size))
            return MACH_SEND_INVALID_MEMORY;
        for (uint32_t j = 0; j < i; j++) {
            if (descs[j].type == MACH_MSG_OOL_DESCRIPTOR && descs[j].size &&
                descs[j].deallocate && ranges_overlap(d, &descs[j]))
                return MACH_SEND_INVALID_MEMORY;
        }
    }
    return MACH_MSG_SUCCESS;
}

/* Copy kmsg's OOL ranges into new objects, then unmap the ranges the sender
 * deallocates; the descriptors then hold the objects.  On failure nothing
 * has changed: MACH_SEND_NO_BUFFER (memory) or MACH_SEND_INVALID_MEMORY. */
mach_msg_return_t ipc_kmsg_copyin_ool(struct vm_map *map, struct ipc_kmsg *kmsg)
{
    struct vm_object *objs[MACH_MSG_DESCRIPTORS_MAX];
    mach_msg_descriptor_t *descs = ikm_descs(kmsg);
    uint32_t i;
    kern_return_t kr = KERN_SUCCESS;

    for (i = 0; i < kmsg->ndesc; i++) {
        mach_msg_descriptor_t *d = &descs[i];
        objs[i] = NULL;
        if (d->type != MACH_MSG_OOL_DESCRIPTOR || d->size == 0)
            continue;
        kr = vm_copyin_object(map, d->address, d->size, &objs[i]);
        if (kr != KERN_SUCCESS)
            break;
    }
    if (kr != KERN_SUCCESS) {
        while (i-- > 0) {
            if (objs[i])
                vm_object_release(objs[i]);
        }
        return kr == KERN_RESOURCE_SHORTAGE ? MACH_SEND_NO_BUFFER
                                            : MACH_SEND_INVALID_MEMORY;
    }
    for (i = 0; i < kmsg->ndesc; i++) {
        mach_msg_descriptor_t *d = &descs[i];
        if (d->type != MACH_MSG_OOL_DESCRIPTOR)
            continue;
        if (objs[i] && d->deallocate) {
            uint64_t start = trunc_page(d->address);
            kr = vm_map_remove(map, start, round_page(d->address + d->size) - start);
            /* ipc_ool_check proved these whole, disjoint mappings. */
            KASSERT(kr == KERN_SUCCESS);
        }
        d->address = (uint64_t)(uintptr_t)objs[i];
        d->deallocate = 0;
    }
    return MACH_MSG_SUCCESS;
}

/* Map the OOL objects of queued kmsg into the receiver's map and turn its
 * descriptors into the user form.  On failure the mappings made so far are
 * removed and kmsg is untouched: MACH_RCV_BODY_ERROR. */
mach_msg_return_t ipc_ool_map(struct vm_map *map, struct ipc_kmsg *kmsg)
{
    uint64_t addrs[MACH_MSG_DESCRIPTORS_MAX];
    mach_msg_descriptor_t *descs = ikm_descs(kmsg);
    uint32_t i;
    kern_return_t kr = KERN_SUCCESS;

    for (i = 0; i < kmsg->ndesc; i++) {
        mach_msg_descriptor_t *d = &descs[i];
        addrs[i] = 0;
        if (d->type != MACH_MSG_OOL_DESCRIPTOR || !d->address)
            continue;
        kr = vm_map_enter(map, &addrs[i], d->size, VM_PROT_READ | VM_PROT_WRITE,
                          (struct vm_object *)(uintptr_t)d->address, 0);
        if (kr != KERN_SUCCESS)
            break;
    }
    if (kr != KERN_SUCCESS) {
        while (i-- > 0) {
            if (addrs[i]) {
                kr = vm_map_remove(map, addrs[i], descs[i].size);
                KASSERT(kr == KERN_SUCCESS);    /* we just mapped it */
            }
        }
        return MACH_RCV_BODY_ERROR;
    }
    for (i = 0; i < kmsg->ndesc; i++) {
        mach_msg_descriptor_t *d = &descs[i];
        if (d->type != MACH_MSG_OOL_DESCRIPTOR)
            continue;
        /* The mapping holds its own reference now. */
        if (d->address)
            vm_object_release((struct vm_object *)(uintptr_t)d->address);
        d->address = addrs[i];
        d->deallocate = 0;
    }
    return MACH_MSG_SUCCESS;
}
