/* Kernel heap.  See kern/heap.h.
 *
 * Every block starts with a 16-byte header; free blocks also hold the
 * free-list link in their payload.  A block's size includes its header. */
#include "kern/heap.h"

#define MAGIC_USED 0x75736564a110c8edULL
#define MAGIC_FREE 0x66726565f4eef4eeULL
#define HEADER     16
#define MIN_BLOCK  (HEADER + HEAP_ALIGN)
#define MAX_ALLOC  ((size_t)1 << 40)
#define GROW_MIN   (64 * 1024)

struct heap_block {
    uint64_t size;
    uint64_t magic;
    struct heap_block *next;    /* valid only while free */
};

void heap_init(struct heap *h, heap_grow_fn grow, void *ctx)
{
    h->grow = grow;
    h->ctx = ctx;
    h->free_list = NULL;
    h->bytes_allocated = 0;
    h->bytes_free = 0;
    h->allocations = 0;
    h->chunks = 0;
}

static uintptr_t block_end(const struct heap_block *b)
{
    return (uintptr_t)b + b->size;
}

/* Put b on the free list in address order, merging with its neighbours. */
static void insert_free(struct heap *h, struct heap_block *b)
{
    struct heap_block **link = &h->free_list, *prev = NULL;

    while (*link && *link < b) {
        prev = *link;
        link = &(*link)->next;
    }
    b->magic = MAGIC_FREE;
    b->next = *link;
    *link = b;
    h->bytes_free += b->size - HEADER;
    if (b->next && block_end(b) == (uintptr_t)b->next) {
        struct heap_block *n = b->next;
        b->size += n->size;
        b->next = n->next;
        n->magic = 0;
        h->bytes_free += HEADER;
    }
    if (prev && block_end(prev) == (uintptr_t)b) {
        prev->size += b->size;
        prev->next = b->next;
        b->magic = 0;
        h->bytes_free += HEADER;
    }
}

static int grow(struct heap *h, size_t need)
{
    size_t got = 0;
    size_t want = need < GROW_MIN ? GROW_MIN : need;
    void *mem = h->grow ? h->grow(h->ctx, want, &got) : NULL;

    if (!mem || got < MIN_BLOCK || ((uintptr_t)mem & (HEAP_ALIGN - 1)))
        return 0;
    struct heap_block *b = mem;
    b->size = got & ~(uint64_t)(HEAP_ALIGN - 1);
    h->chunks++;
    insert_free(h, b);
    return 1;
}

void *heap_alloc(struct heap *h, size_t size)
{
    if (size == 0 || size > MAX_ALLOC)
        return NULL;
    size_t need = (size + HEADER + HEAP_ALIGN - 1) & ~(size_t)(HEAP_ALIGN - 1);
    if (need < MIN_BLOCK)
        need = MIN_BLOCK;

    for (int attempt = 0; attempt < 2; attempt++) {
        struct heap_block **link = &h->free_list;
        while (*link) {
            struct heap_block *b = *link;
            if (b->size >= need) {
                if (b->size - need >= MIN_BLOCK) {
                    /* Split: the tail stays free in b's place. */
                    struct heap_block *rest = (void *)((uintptr_t)b + need);
                    rest->size = b->size - need;
                    rest->magic = MAGIC_FREE;
                    rest->next = b->next;
                    *link = rest;
                    b->size = need;
                    h->bytes_free -= need;
                } else {
                    *link = b->next;
                    h->bytes_free -= b->size - HEADER;
                }
                b->magic = MAGIC_USED;
                h->bytes_allocated += b->size - HEADER;
                h->allocations++;
                return (void *)((uintptr_t)b + HEADER);
            }
            link = &b->next;
        }
        if (!grow(h, need))
            return NULL;
    }
    return NULL;
}

kern_return_t heap_free(struct heap *h, void *ptr)
{
    if (!ptr || ((uintptr_t)ptr & (HEAP_ALIGN - 1)))
        return KERN_INVALID_ADDRESS;
    struct heap_block *b = (void *)((uintptr_t)ptr - HEADER);
    if (b->magic != MAGIC_USED || b->size < MIN_BLOCK)
        return KERN_INVALID_ADDRESS;
    h->bytes_allocated -= b->size - HEADER;
    h->allocations--;
    insert_free(h, b);
    return KERN_SUCCESS;
}

size_t heap_usable_size(const void *ptr)
{
    const struct heap_block *b = (const void *)((uintptr_t)ptr - HEADER);
    return b->magic == MAGIC_USED ? b->size - HEADER : 0;
}

size_t heap_largest_free(const struct heap *h)
{
    size_t best = 0;

    for (const struct heap_block *b = h->free_list; b; b = b->next) {
        if (b->size - HEADER > best)
            best = b->size - HEADER;
    }
    return best;
}

kern_return_t heap_check(const struct heap *h)
{
    size_t free_bytes = 0;
    const struct heap_block *prev = NULL;

    for (const struct heap_block *b = h->free_list; b; b = b->next) {
        if (b->magic != MAGIC_FREE || b->size < MIN_BLOCK ||
            (b->size & (HEAP_ALIGN - 1)))
            return KERN_FAILURE;
        /* Sorted, not overlapping, and never two adjacent free blocks. */
        if (prev && block_end(prev) >= (uintptr_t)b)
            return KERN_FAILURE;
        free_bytes += b->size - HEADER;
        prev = b;
    }
    return free_bytes == h->bytes_free ? KERN_SUCCESS : KERN_FAILURE;
}
