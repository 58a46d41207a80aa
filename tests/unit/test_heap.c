/* Host unit tests for the kernel heap (guest/kern/heap.c). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "kern/heap.h"
#include "tap.h"

/* Every block starts with a 16-byte header (guest/kern/heap.c); a block
 * spans [ptr - HDR, ptr + heap_usable_size(ptr)). */
#define HDR 16

/* ---- grow callback: hands out consecutive pieces of a static arena ---- */

struct arena {
    unsigned char *mem;
    size_t size, used;
    unsigned calls, fails;
};

static void *arena_grow(void *ctx, size_t want, size_t *got)
{
    struct arena *a = ctx;
    size_t n = (want + HEAP_ALIGN - 1) & ~(size_t)(HEAP_ALIGN - 1);

    a->calls++;
    if (n < want || n > a->size - a->used) {
        a->fails++;
        return NULL;
    }
    void *p = a->mem + a->used;
    a->used += n;
    *got = n;
    return p;
}

#define ARENA_SIZE (2u << 20)
static _Alignas(HEAP_ALIGN) unsigned char arena_mem[ARENA_SIZE];

static struct arena A;
static struct heap H;

/* A heap over the first size bytes of the arena, which is filled with junk. */
static void fresh(size_t size)
{
    memset(arena_mem, 0xdb, sizeof(arena_mem));
    A = (struct arena){ .mem = arena_mem, .size = size };
    heap_init(&H, arena_grow, &A);
}

static int in_arena(const void *p)
{
    return (const unsigned char *)p >= A.mem && (const unsigned char *)p < A.mem + A.used;
}

static int aligned(const void *p)
{
    return ((uintptr_t)p & (HEAP_ALIGN - 1)) == 0;
}

/* Free blocks implied by the byte counts: every byte the arena handed out
 * is either a live block or a free block, and each block has one header. */
static size_t free_blocks(void)
{
    size_t span = A.used - H.bytes_allocated - HDR * H.allocations;

    if (span < H.bytes_free || (span - H.bytes_free) % HDR)
        return SIZE_MAX;
    return (span - H.bytes_free) / HDR;
}

/* Everything freed: one free block covering all the arena handed out. */
#define CHECK_ONE_BLOCK() do { \
        CHECK_EQ(heap_check(&H), KERN_SUCCESS); \
        CHECK_EQ(H.allocations, 0); \
        CHECK_EQ(H.bytes_allocated, 0); \
        CHECK_EQ(H.bytes_free, A.used - HDR); \
        CHECK_EQ(heap_largest_free(&H), A.used - HDR); \
        CHECK_EQ(free_blocks(), 1); \
    } while (0)

struct stats {
    size_t bytes_allocated, bytes_free, allocations, chunks, largest;
    void *free_list;
};

static void take(struct stats *s)
{
    *s = (struct stats){ H.bytes_allocated, H.bytes_free, H.allocations, H.chunks,
                         heap_largest_free(&H), H.free_list };
}

static int same(const struct stats *s)
{
    struct stats now;

    take(&now);
    return memcmp(&now, s, sizeof(now)) == 0;
}

static void t_first_alloc_grows(void)
{
    fresh(256 * 1024);
    CHECK_EQ(heap_check(&H), KERN_SUCCESS);
    CHECK_EQ(heap_largest_free(&H), 0);

    unsigned char *p = heap_alloc(&H, 1);
    REQUIRE(p != NULL);
    CHECK_EQ(A.calls, 1);
    CHECK_EQ(H.chunks, 1);
    CHECK(aligned(p));
    CHECK(p == A.mem + HDR);        /* first fit in the first chunk */
    CHECK(heap_usable_size(p) >= 1);
    CHECK_EQ(heap_usable_size(p) % HEAP_ALIGN, 0);
    CHECK_EQ(H.allocations, 1);
    CHECK_EQ(H.bytes_allocated, heap_usable_size(p));
    CHECK_EQ(free_blocks(), 1);     /* the rest of the chunk */
    CHECK_EQ(heap_check(&H), KERN_SUCCESS);
    memset(p, 0x11, heap_usable_size(p));

    /* The next one comes from the same chunk, straight after. */
    unsigned char *q = heap_alloc(&H, 1000);
    REQUIRE(q != NULL);
    CHECK_EQ(A.calls, 1);
    CHECK(q == p + heap_usable_size(p) + HDR);
    CHECK_EQ(H.allocations, 2);

    CHECK_EQ(heap_free(&H, p), KERN_SUCCESS);
    CHECK_EQ(heap_free(&H, q), KERN_SUCCESS);
    CHECK_EQ(heap_usable_size(p), 0);           /* no longer in use */
    CHECK_ONE_BLOCK();
}

static void t_alignment(void)
{
    static void *ptrs[400];
    size_t n = 0;

    fresh(ARENA_SIZE);
    for (size_t size = 1; size <= 300; size++)
        ptrs[n++] = heap_alloc(&H, size);
    for (size_t k = 4; k <= 15; k++) {
        ptrs[n++] = heap_alloc(&H, ((size_t)1 << k) - 1);
        ptrs[n++] = heap_alloc(&H, (size_t)1 << k);
        ptrs[n++] = heap_alloc(&H, ((size_t)1 << k) + 1);
    }
    for (size_t i = 0; i < n; i++) {
        REQUIRE(ptrs[i] != NULL);
        CHECK(aligned(ptrs[i]));
        CHECK(in_arena(ptrs[i]));
        CHECK_EQ(heap_usable_size(ptrs[i]) % HEAP_ALIGN, 0);
        memset(ptrs[i], (int)i, heap_usable_size(ptrs[i]));
    }
    /* Sizes are as asked (checked after all the memsets above). */
    for (size_t size = 1; size <= 300; size++) {
        unsigned char *p = ptrs[size - 1];
        CHECK(heap_usable_size(p) >= size);
        CHECK(heap_usable_size(p) < size + HEAP_ALIGN + HDR);
        CHECK(p[0] == (unsigned char)(size - 1) && p[size - 1] == (unsigned char)(size - 1));
    }
    CHECK_EQ(H.allocations, n);
    CHECK_EQ(heap_check(&H), KERN_SUCCESS);
    for (size_t i = 0; i < n; i++)
        CHECK_EQ(heap_free(&H, ptrs[i]), KERN_SUCCESS);
    CHECK_ONE_BLOCK();
}

static void t_zero_and_absurd_sizes(void)
{
    static const size_t absurd[] = {
        SIZE_MAX, SIZE_MAX - 1, SIZE_MAX - 15, SIZE_MAX - 16, SIZE_MAX - 31,
        SIZE_MAX / 2, SIZE_MAX / 2 + 1, (size_t)1 << 63, ((size_t)1 << 40) + 1,
        (size_t)1 << 41,
    };

    fresh(256 * 1024);
    CHECK(heap_alloc(&H, 0) == NULL);
    for (size_t i = 0; i < sizeof(absurd) / sizeof(absurd[0]); i++) {
        if (heap_alloc(&H, absurd[i]) != NULL)
            tap_fail(__FILE__, __LINE__, "heap_alloc(%#zx) did not return NULL", absurd[i]);
    }
    CHECK_EQ(H.allocations, 0);
    CHECK_EQ(H.bytes_allocated, 0);
    CHECK_EQ(H.chunks, 0);
    CHECK_EQ(heap_check(&H), KERN_SUCCESS);

    /* Plausible but more than the arena has: NULL, and nothing broken. */
    CHECK(heap_alloc(&H, 1u << 20) == NULL);
    CHECK(A.fails >= 1);
    CHECK_EQ(H.allocations, 0);
    CHECK_EQ(heap_check(&H), KERN_SUCCESS);

    /* The heap still works, and still refuses 0 with memory on hand. */
    void *p = heap_alloc(&H, 64);
    CHECK(p != NULL);
    CHECK(heap_alloc(&H, 0) == NULL);
    CHECK(heap_alloc(&H, SIZE_MAX) == NULL);
    CHECK_EQ(H.allocations, 1);
    CHECK_EQ(heap_free(&H, p), KERN_SUCCESS);
    CHECK_ONE_BLOCK();
}

/* ---- grow callbacks that fail or break their contract ---- */

static unsigned null_calls;

static void *grow_null(void *ctx, size_t want, size_t *got)
{
    (void)ctx;
    (void)want;
    (void)got;
    null_calls++;
    return NULL;
}

static void t_grow_returns_null(void)
{
    struct heap h;

    heap_init(&h, grow_null, NULL);
    null_calls = 0;
    CHECK(heap_alloc(&h, 16) == NULL);
    CHECK(null_calls >= 1);
    CHECK(heap_alloc(&h, 1) == NULL);
    CHECK(heap_alloc(&h, 100000) == NULL);
    CHECK(h.free_list == NULL);
    CHECK_EQ(h.allocations, 0);
    CHECK_EQ(h.bytes_allocated, 0);
    CHECK_EQ(h.bytes_free, 0);
    CHECK_EQ(h.chunks, 0);
    CHECK_EQ(heap_largest_free(&h), 0);
    CHECK_EQ(heap_check(&h), KERN_SUCCESS);

    /* No grow callback at all. */
    heap_init(&h, NULL, NULL);
    CHECK(heap_alloc(&h, 16) == NULL);
    CHECK_EQ(h.chunks, 0);
    CHECK_EQ(heap_check(&h), KERN_SUCCESS);

    /* Growing fails part way: earlier allocations are untouched. */
    fresh(64 * 1024);
    unsigned char *p = heap_alloc(&H, 100);
    REQUIRE(p != NULL);
    memset(p, 0x5c, 100);
    struct stats s;
    take(&s);
    CHECK(heap_alloc(&H, 70000) == NULL);
    CHECK(A.fails >= 1);
    CHECK(same(&s));
    CHECK_EQ(heap_check(&H), KERN_SUCCESS);
    for (int i = 0; i < 100; i++)
        CHECK_EQ(p[i], 0x5c);
    CHECK_EQ(heap_free(&H, p), KERN_SUCCESS);
    CHECK_ONE_BLOCK();
}

static _Alignas(HEAP_ALIGN) unsigned char odd_mem[4096 + HEAP_ALIGN];

static void *grow_misaligned(void *ctx, size_t want, size_t *got)
{
    (void)ctx;
    (void)want;
    *got = 4096;
    return odd_mem + 8;
}

static void *grow_tiny(void *ctx, size_t want, size_t *got)
{
    (void)ctx;
    (void)want;
    *got = 16;
    return odd_mem;
}

static void t_grow_contract_violations(void)
{
    struct heap h;

    heap_init(&h, grow_misaligned, NULL);
    CHECK(heap_alloc(&h, 16) == NULL);
    CHECK_EQ(h.chunks, 0);
    CHECK(h.free_list == NULL);
    CHECK_EQ(heap_check(&h), KERN_SUCCESS);

    heap_init(&h, grow_tiny, NULL);
    CHECK(heap_alloc(&h, 16) == NULL);
    CHECK_EQ(h.chunks, 0);
    CHECK(h.free_list == NULL);
    CHECK_EQ(heap_check(&h), KERN_SUCCESS);
}

static void t_exhaustion(void)
{
    static void *ptrs[2048];
    size_t n = 0;
    uint64_t rng = 12345;

    fresh(256 * 1024);
    while (n < sizeof(ptrs) / sizeof(ptrs[0])) {
        void *p = heap_alloc(&H, 1000);
        if (!p)
            break;
        CHECK(in_arena(p));
        ptrs[n++] = p;
    }
    REQUIRE(n < sizeof(ptrs) / sizeof(ptrs[0]));
    TAP_NOTE("%zu allocations of 1000 bytes from a 256 KiB arena, %zu chunks", n,
             H.chunks);
    CHECK(A.fails >= 1);
    CHECK(A.used <= A.size);
    CHECK(n >= A.used / (1000 + HEAP_ALIGN + HDR) - 1);
    CHECK_EQ(H.allocations, n);
    CHECK(heap_largest_free(&H) < 1000);
    CHECK_EQ(heap_check(&H), KERN_SUCCESS);
    CHECK(heap_alloc(&H, 1000) == NULL);

    /* Free in a shuffled order; the chunks were contiguous, so it all
     * coalesces into one block. */
    for (size_t i = n; i > 1; i--) {
        size_t j = (size_t)tap_rand_below(&rng, i);
        void *t = ptrs[i - 1];
        ptrs[i - 1] = ptrs[j];
        ptrs[j] = t;
    }
    for (size_t i = 0; i < n; i++) {
        REQUIRE_EQ(heap_free(&H, ptrs[i]), KERN_SUCCESS);
        REQUIRE_EQ(heap_check(&H), KERN_SUCCESS);
    }
    CHECK_ONE_BLOCK();

    /* That block can be handed out whole, leaving nothing. */
    size_t all = A.used - HDR;
    void *big = heap_alloc(&H, all);
    CHECK(big == A.mem + HDR);
    CHECK_EQ(heap_usable_size(big), all);
    CHECK_EQ(H.bytes_free, 0);
    CHECK_EQ(heap_largest_free(&H), 0);
    CHECK(H.free_list == NULL);
    CHECK(heap_alloc(&H, 1) == NULL);
    CHECK_EQ(heap_check(&H), KERN_SUCCESS);
    CHECK_EQ(heap_free(&H, big), KERN_SUCCESS);
    CHECK_ONE_BLOCK();
}

static void t_split_and_reuse(void)
{
    fresh(256 * 1024);
    unsigned char *a = heap_alloc(&H, 100), *b = heap_alloc(&H, 200), *c = heap_alloc(&H, 300);
    REQUIRE(a && b && c);
    /* Split off the front of one free block, in address order. */
    CHECK(b == a + heap_usable_size(a) + HDR);
    CHECK(c == b + heap_usable_size(b) + HDR);
    CHECK_EQ(free_blocks(), 1);

    size_t ub = heap_usable_size(b), before = H.bytes_free;
    CHECK_EQ(heap_free(&H, b), KERN_SUCCESS);
    CHECK_EQ(H.bytes_free, before + ub);
    CHECK_EQ(free_blocks(), 2);         /* b's hole and the tail */

    /* First fit: a small block comes from b's hole, split... */
    unsigned char *d = heap_alloc(&H, 50);
    CHECK(d == b);
    CHECK(heap_usable_size(d) >= 50 && heap_usable_size(d) < ub);
    CHECK_EQ(free_blocks(), 2);
    /* ...and a remainder too small to split off goes with the block. */
    size_t left = ub - heap_usable_size(d) - HDR;   /* payload of the rest */
    unsigned char *e = heap_alloc(&H, left - 24);   /* would leave 16 bytes */
    CHECK(heap_usable_size(e) >= left - 24);
    CHECK(e == d + heap_usable_size(d) + HDR);
    CHECK(e + heap_usable_size(e) + HDR == c);
    CHECK_EQ(free_blocks(), 1);
    CHECK_EQ(heap_check(&H), KERN_SUCCESS);

    /* Too big for any hole: from the tail. */
    unsigned char *f = heap_alloc(&H, 5000);
    CHECK(f == c + heap_usable_size(c) + HDR);

    CHECK_EQ(heap_free(&H, a), KERN_SUCCESS);
    CHECK_EQ(heap_free(&H, c), KERN_SUCCESS);
    CHECK_EQ(heap_free(&H, e), KERN_SUCCESS);
    CHECK_EQ(heap_free(&H, f), KERN_SUCCESS);
    CHECK_EQ(heap_free(&H, d), KERN_SUCCESS);
    CHECK_ONE_BLOCK();
}

/* Free three adjacent blocks in every order, with a guard block after them
 * so the tail does not take part; after the last free they must be one
 * block (two headers given back), whatever the order. */
static void t_coalesce_every_order(void)
{
    static const int order[6][3] = {
        { 0, 1, 2 }, { 0, 2, 1 }, { 1, 0, 2 }, { 1, 2, 0 }, { 2, 0, 1 }, { 2, 1, 0 },
    };

    for (int o = 0; o < 6; o++) {
        fresh(256 * 1024);
        unsigned char *x[3] = { heap_alloc(&H, 64), heap_alloc(&H, 128), heap_alloc(&H, 256) };
        unsigned char *guard = heap_alloc(&H, 32);
        REQUIRE(x[0] && x[1] && x[2] && guard);
        size_t span = heap_usable_size(x[0]) + heap_usable_size(x[1]) +
                      heap_usable_size(x[2]) + 3 * HDR;
        size_t tail = H.bytes_free;

        for (int k = 0; k < 3; k++) {
            REQUIRE_EQ(heap_free(&H, x[order[o][k]]), KERN_SUCCESS);
            REQUIRE_EQ(heap_check(&H), KERN_SUCCESS);
        }
        if (H.bytes_free != tail + span - HDR || free_blocks() != 2)
            tap_fail(__FILE__, __LINE__, "order %d%d%d: bytes_free %zu, want %zu; "
                     "%zu free blocks, want 2", order[o][0], order[o][1], order[o][2],
                     H.bytes_free, tail + span - HDR, free_blocks());
        /* The merged hole is reused whole, at the first block's address. */
        unsigned char *y = heap_alloc(&H, span - HDR);
        CHECK(y == x[0]);
        CHECK_EQ(heap_free(&H, y), KERN_SUCCESS);
        CHECK_EQ(heap_free(&H, guard), KERN_SUCCESS);
        CHECK_ONE_BLOCK();
    }
}

/* Allocations larger than one grow's worth, so the heap grows several
 * times; the arena's chunks are adjacent, so frees merge across them. */
static void t_coalesce_across_chunks(void)
{
    static void *ptrs[64];

    fresh(ARENA_SIZE);
    for (int i = 0; i < 64; i++) {
        ptrs[i] = heap_alloc(&H, 20000 + (size_t)i * 100);
        REQUIRE(ptrs[i] != NULL);
    }
    CHECK(H.chunks > 1);
    TAP_NOTE("%zu chunks, %zu arena bytes", H.chunks, A.used);
    for (int i = 0; i < 64; i += 2)
        CHECK_EQ(heap_free(&H, ptrs[i]), KERN_SUCCESS);
    CHECK_EQ(heap_check(&H), KERN_SUCCESS);
    CHECK_EQ(H.allocations, 32);
    for (int i = 1; i < 64; i += 2)
        CHECK_EQ(heap_free(&H, ptrs[i]), KERN_SUCCESS);
    CHECK_ONE_BLOCK();

    /* And the merged block satisfies a request bigger than any one chunk. */
    void *big = heap_alloc(&H, A.used / 2);
    CHECK(big == A.mem + HDR);
    CHECK_EQ(heap_free(&H, big), KERN_SUCCESS);
    CHECK_ONE_BLOCK();
}

static _Alignas(HEAP_ALIGN) unsigned char not_heap[256];

static void t_bad_free(void)
{
    struct stats s;

    fresh(256 * 1024);
    unsigned char *a = heap_alloc(&H, 64), *b = heap_alloc(&H, 64), *c = heap_alloc(&H, 64);
    REQUIRE(a && b && c);
    memset(a, 0, heap_usable_size(a));
    memset(b, 0xff, heap_usable_size(b));
    memset(c, 0x75, heap_usable_size(c));
    take(&s);

    /* Not from the heap. */
    CHECK_EQ(heap_free(&H, NULL), KERN_INVALID_ADDRESS);
    CHECK_EQ(heap_free(&H, not_heap + 16), KERN_INVALID_ADDRESS);
    CHECK_EQ(heap_free(&H, not_heap + 128), KERN_INVALID_ADDRESS);
    CHECK(same(&s));
    /* Misaligned pointers into a live block. */
    CHECK_EQ(heap_free(&H, a + 1), KERN_INVALID_ADDRESS);
    CHECK_EQ(heap_free(&H, a + 8), KERN_INVALID_ADDRESS);
    CHECK_EQ(heap_free(&H, b - 1), KERN_INVALID_ADDRESS);
    CHECK_EQ(heap_free(&H, c + 15), KERN_INVALID_ADDRESS);
    CHECK(same(&s));
    /* Aligned, but inside a block's payload rather than at its start. */
    CHECK_EQ(heap_free(&H, a + 16), KERN_INVALID_ADDRESS);
    CHECK_EQ(heap_free(&H, b + 32), KERN_INVALID_ADDRESS);
    CHECK_EQ(heap_free(&H, c + 16), KERN_INVALID_ADDRESS);
    CHECK(same(&s));
    /* A block's header, and the free tail's payload. */
    CHECK_EQ(heap_free(&H, b - HDR), KERN_INVALID_ADDRESS);
    CHECK_EQ(heap_free(&H, c + heap_usable_size(c) + HDR), KERN_INVALID_ADDRESS);
    CHECK(same(&s));
    CHECK_EQ(heap_check(&H), KERN_SUCCESS);

    /* The live blocks are intact and still free normally. */
    CHECK_EQ(heap_usable_size(a), heap_usable_size(b));
    CHECK(a[0] == 0 && b[0] == 0xff && c[heap_usable_size(c) - 1] == 0x75);
    CHECK_EQ(heap_free(&H, b), KERN_SUCCESS);
    CHECK_EQ(heap_free(&H, a), KERN_SUCCESS);
    CHECK_EQ(heap_free(&H, c), KERN_SUCCESS);
    CHECK_ONE_BLOCK();
}

static void t_double_free(void)
{
    struct stats s;

    fresh(256 * 1024);
    void *a = heap_alloc(&H, 48), *b = heap_alloc(&H, 48), *c = heap_alloc(&H, 48);
    void *guard = heap_alloc(&H, 48);
    REQUIRE(a && b && c && guard);

    /* A free block on its own. */
    CHECK_EQ(heap_free(&H, b), KERN_SUCCESS);
    take(&s);
    CHECK_EQ(heap_free(&H, b), KERN_INVALID_ADDRESS);
    CHECK(same(&s));
    CHECK_EQ(heap_check(&H), KERN_SUCCESS);

    /* a absorbs b: both pointers are stale now. */
    CHECK_EQ(heap_free(&H, a), KERN_SUCCESS);
    take(&s);
    CHECK_EQ(heap_free(&H, a), KERN_INVALID_ADDRESS);
    CHECK_EQ(heap_free(&H, b), KERN_INVALID_ADDRESS);
    CHECK(same(&s));
    CHECK_EQ(heap_check(&H), KERN_SUCCESS);

    /* c merges into the block before it. */
    CHECK_EQ(heap_free(&H, c), KERN_SUCCESS);
    take(&s);
    CHECK_EQ(heap_free(&H, c), KERN_INVALID_ADDRESS);
    CHECK_EQ(heap_free(&H, b), KERN_INVALID_ADDRESS);
    CHECK_EQ(heap_free(&H, a), KERN_INVALID_ADDRESS);
    CHECK(same(&s));
    CHECK_EQ(heap_check(&H), KERN_SUCCESS);

    /* The guard merges with both neighbours. */
    CHECK_EQ(heap_free(&H, guard), KERN_SUCCESS);
    CHECK_EQ(heap_free(&H, guard), KERN_INVALID_ADDRESS);
    CHECK_EQ(heap_free(&H, c), KERN_INVALID_ADDRESS);
    CHECK_ONE_BLOCK();
}

/* ---- randomized stress ---- */

#define SLOTS 256
/* Small enough that the arena runs out now and then. */
#define STRESS_ARENA (512u * 1024)

struct slot {
    unsigned char *p;
    size_t size, usable;
    unsigned char tag;
};

static int by_addr(const void *x, const void *y)
{
    const struct slot *a = x, *b = y;

    return a->p < b->p ? -1 : a->p > b->p;
}

static int intact(const struct slot *s)
{
    for (size_t i = 0; i < s->usable; i++) {
        if (s->p[i] != (unsigned char)(s->tag + i))
            return 0;
    }
    return 1;
}

/* Live blocks are inside the arena, do not overlap, and the gaps between
 * them are exactly the free list: one free block per gap (so neighbours
 * were coalesced), with bytes_free matching. */
static int layout_ok(const struct slot *live, size_t n, char *why, size_t whylen)
{
    static struct slot sorted[SLOTS];
    unsigned char *at = A.mem;
    size_t gaps = 0, gap_bytes = 0, sum = 0;

    memcpy(sorted, live, n * sizeof(*live));
    qsort(sorted, n, sizeof(*sorted), by_addr);
    for (size_t i = 0; i < n; i++) {
        unsigned char *start = sorted[i].p - HDR;
        if (start < at) {
            snprintf(why, whylen, "block %p overlaps the one before", (void *)sorted[i].p);
            return 0;
        }
        if (start > at) {
            gaps++;
            gap_bytes += (size_t)(start - at);
        }
        at = sorted[i].p + sorted[i].usable;
        sum += sorted[i].usable;
    }
    if (at > A.mem + A.used) {
        snprintf(why, whylen, "block past the end of the arena");
        return 0;
    }
    if (at < A.mem + A.used) {
        gaps++;
        gap_bytes += (size_t)(A.mem + A.used - at);
    }
    if (sum != H.bytes_allocated) {
        snprintf(why, whylen, "bytes_allocated %zu, live blocks %zu", H.bytes_allocated, sum);
        return 0;
    }
    if (gap_bytes - gaps * HDR != H.bytes_free || free_blocks() != gaps) {
        snprintf(why, whylen, "%zu gaps of %zu bytes, but bytes_free %zu (%zu free blocks)",
                 gaps, gap_bytes, H.bytes_free, free_blocks());
        return 0;
    }
    return 1;
}

static size_t random_size(uint64_t *rng)
{
    uint64_t r = tap_rand_below(rng, 100);

    if (r < 70)
        return 1 + (size_t)tap_rand_below(rng, 128);
    if (r < 90)
        return 129 + (size_t)tap_rand_below(rng, 2048 - 128);
    if (r < 98)
        return 2049 + (size_t)tap_rand_below(rng, 16384 - 2048);
    return 16385 + (size_t)tap_rand_below(rng, 100000 - 16384);
}

static void t_stress(void)
{
    static struct slot live[SLOTS];
    size_t nlive = 0;
    uint64_t seed = tap_seed(0x243f6a8885a308d3ULL), rng = seed;
    unsigned long n_alloc = 0, n_null = 0, n_free = 0, n_bad = 0;
    unsigned serial = 0;
    char why[160];

    TAP_NOTE("heap stress seed %#" PRIx64, seed);
    fresh(STRESS_ARENA);
    for (int step = 0; step < 20000; step++) {
        uint64_t r = tap_rand_below(&rng, 100);
        /* Drift between mostly allocating and mostly freeing. */
        uint64_t alloc_pct = (step / 2000) % 2 ? 40 : 65;

        if (nlive == SLOTS || (nlive && r >= alloc_pct)) {
            size_t k = (size_t)tap_rand_below(&rng, nlive);
            struct slot sl = live[k];
            if (!intact(&sl)) {
                tap_fail(__FILE__, __LINE__, "step %d: block %p (%zu bytes) corrupted",
                         step, (void *)sl.p, sl.size);
                return;
            }
            REQUIRE_EQ(heap_usable_size(sl.p), sl.usable);
            REQUIRE_EQ(heap_free(&H, sl.p), KERN_SUCCESS);
            live[k] = live[--nlive];
            n_free++;
            if (tap_rand_below(&rng, 8) == 0) {
                /* Immediately again: must be refused, changing nothing. */
                struct stats s;
                take(&s);
                REQUIRE_EQ(heap_free(&H, sl.p), KERN_INVALID_ADDRESS);
                REQUIRE(same(&s));
                n_bad++;
            }
        } else {
            size_t size = random_size(&rng);
            unsigned fails = A.fails;
            unsigned char *p = heap_alloc(&H, size);
            n_alloc++;
            if (!p) {
                /* Only when nothing fits and the arena could not grow. */
                REQUIRE(heap_largest_free(&H) < size);
                REQUIRE(A.fails > fails);
                n_null++;
            } else {
                REQUIRE(aligned(p));
                REQUIRE(in_arena(p));
                size_t usable = heap_usable_size(p);
                REQUIRE(usable >= size);
                REQUIRE(p + usable <= A.mem + A.used);
                struct slot sl = { p, size, usable, (unsigned char)(serial++ * 37 + 11) };
                for (size_t i = 0; i < usable; i++)
                    p[i] = (unsigned char)(sl.tag + i);
                live[nlive++] = sl;
            }
        }
        if (tap_rand_below(&rng, 16) == 0 && nlive) {
            /* A misaligned or interior pointer into a live block. */
            struct slot sl = live[tap_rand_below(&rng, nlive)];
            struct stats s;
            size_t off = 1 + (size_t)tap_rand_below(&rng, HEAP_ALIGN - 1);
            take(&s);
            REQUIRE_EQ(heap_free(&H, sl.p + off), KERN_INVALID_ADDRESS);
            REQUIRE(same(&s));
            n_bad++;
        }

        if (heap_check(&H) != KERN_SUCCESS) {
            tap_fail(__FILE__, __LINE__, "step %d: heap_check failed", step);
            return;
        }
        REQUIRE_EQ(H.allocations, nlive);
        if (!layout_ok(live, nlive, why, sizeof(why))) {
            tap_fail(__FILE__, __LINE__, "step %d: %s", step, why);
            return;
        }
        if (step % 500 == 499) {
            for (size_t k = 0; k < nlive; k++) {
                if (!intact(&live[k])) {
                    tap_fail(__FILE__, __LINE__, "step %d: block %p corrupted", step,
                             (void *)live[k].p);
                    return;
                }
            }
        }
    }
    TAP_NOTE("%lu allocs (%lu NULL), %lu frees, %lu bad frees; %zu chunks, %zu arena bytes",
             n_alloc, n_null, n_free, n_bad, H.chunks, A.used);
    CHECK(n_null > 0);      /* the arena did run out at times */

    while (nlive) {
        struct slot sl = live[--nlive];
        CHECK(intact(&sl));
        REQUIRE_EQ(heap_free(&H, sl.p), KERN_SUCCESS);
    }
    CHECK_ONE_BLOCK();
}

static const struct tap_case cases[] = {
    TAP_CASE(t_first_alloc_grows),
    TAP_CASE(t_alignment),
    TAP_CASE(t_zero_and_absurd_sizes),
    TAP_CASE(t_grow_returns_null),
    TAP_CASE(t_grow_contract_violations),
    TAP_CASE(t_exhaustion),
    TAP_CASE(t_split_and_reuse),
    TAP_CASE(t_coalesce_every_order),
    TAP_CASE(t_coalesce_across_chunks),
    TAP_CASE(t_bad_free),
    TAP_CASE(t_double_free),
    TAP_CASE(t_stress),
};

int main(void)
{
    return tap_run(cases, TAP_COUNT(cases));
}
