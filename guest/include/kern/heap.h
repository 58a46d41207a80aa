/* Kernel heap: first-fit over an address-ordered free list, with neighbours
 * coalesced on free.  Memory comes in chunks from a grow callback (the kernel
 * gives it pages; host unit tests give it an arena).  Pure logic, so the
 * host unit tests run the same code.  Not thread-safe: callers serialise. */
#ifndef KERN_HEAP_H
#define KERN_HEAP_H

#include <stddef.h>
#include <stdint.h>

#include "kern/return.h"

#define HEAP_ALIGN 16

struct heap_block;

/* Return at least want bytes (16-byte aligned), setting *got; NULL if none. */
typedef void *(*heap_grow_fn)(void *ctx, size_t want, size_t *got);

struct heap {
    heap_grow_fn grow;
    void *ctx;
    struct heap_block *free_list;   /* sorted by address */
    size_t bytes_allocated;         /* payload bytes handed out */
    size_t bytes_free;              /* payload bytes on the free list */
    size_t allocations;             /* live allocations */
    size_t chunks;                  /* chunks obtained from grow */
};

void heap_init(struct heap *h, heap_grow_fn grow, void *ctx);
/* size bytes aligned to HEAP_ALIGN; NULL if size is 0, absurd or memory is
 * exhausted. */
void *heap_alloc(struct heap *h, size_t size);
/* KERN_INVALID_ADDRESS for a pointer the heap did not hand out or has
 * already taken back (the heap is left unchanged). */
kern_return_t heap_free(struct heap *h, void *ptr);
size_t heap_usable_size(const void *ptr);
/* Largest single free block's payload. */
size_t heap_largest_free(const struct heap *h);
/* Walk the free list checking every invariant; KERN_SUCCESS if sound. */
kern_return_t heap_check(const struct heap *h);

#endif
