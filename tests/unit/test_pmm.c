/* Host unit tests for the physical page allocator (guest/kern/pmm.c). */
#include <stdint.h>
#include <string.h>

#include "kern/pmm.h"
#include "tap.h"

/* A fake physical range whose base is page aligned but deliberately not
 * aligned to 4, 8 or 16 pages (pfn 0x203 = 515 = 512 + 3), and whose page
 * count is not a multiple of 64 (exercises the bitmap's last word). */
#define BASE    0x203000ULL
#define NPAGES  200
#define END     (BASE + NPAGES * PAGE_SIZE)

static uint64_t bm[(NPAGES + 63) / 64];
static struct pmm P;

static uint64_t pg(size_t i)
{
    return BASE + (uint64_t)i * PAGE_SIZE;
}

/* Everything in use, bitmap memory full of junk beforehand. */
static void fresh(void)
{
    memset(bm, 0xa5, sizeof(bm));
    pmm_init(&P, bm, BASE, NPAGES);
}

static void fresh_free(void)
{
    fresh();
    pmm_release_range(&P, BASE, NPAGES * PAGE_SIZE);
}

static size_t used_pages(void)
{
    size_t n = 0;

    for (size_t i = 0; i < NPAGES; i++)
        n += pmm_is_used(&P, pg(i)) != 0;
    return n;
}

/* free_pages must always agree with the bitmap. */
#define CHECK_CONSISTENT() CHECK_EQ(P.free_pages, NPAGES - used_pages())

struct snap {
    uint64_t bm[(NPAGES + 63) / 64];
    size_t free_pages;
};

static void take(struct snap *s)
{
    memcpy(s->bm, bm, sizeof(bm));
    s->free_pages = P.free_pages;
}

static int same(const struct snap *s)
{
    return memcmp(s->bm, bm, sizeof(bm)) == 0 && s->free_pages == P.free_pages;
}

static void t_bitmap_bytes(void)
{
    CHECK_EQ(pmm_bitmap_bytes(0), 0);
    CHECK_EQ(pmm_bitmap_bytes(1), 8);
    CHECK_EQ(pmm_bitmap_bytes(64), 8);
    CHECK_EQ(pmm_bitmap_bytes(65), 16);
    CHECK_EQ(pmm_bitmap_bytes(NPAGES), sizeof(bm));
}

static void t_init_all_used(void)
{
    fresh();
    CHECK_EQ(P.base, BASE);
    CHECK_EQ(P.npages, NPAGES);
    CHECK_EQ(P.free_pages, 0);
    CHECK_EQ(used_pages(), NPAGES);
    /* Outside the managed range counts as used. */
    CHECK(pmm_is_used(&P, 0));
    CHECK(pmm_is_used(&P, BASE - 1));
    CHECK(pmm_is_used(&P, END));
    CHECK(pmm_is_used(&P, UINT64_MAX));
    CHECK_EQ(pmm_alloc(&P), PMM_NONE);
    CHECK_EQ(pmm_alloc_contig(&P, 1, 1), PMM_NONE);

    /* A base that is not page aligned is rounded down. */
    pmm_init(&P, bm, BASE + 0x123, NPAGES);
    CHECK_EQ(P.base, BASE);
}

static void t_release_rounds_inward(void)
{
    fresh();
    /* [+0x800, +0x3800): pages 1 and 2 are wholly inside, 0 and 3 are not. */
    pmm_release_range(&P, BASE + 0x800, 0x3000);
    CHECK_EQ(P.free_pages, 2);
    CHECK(pmm_is_used(&P, pg(0)));
    CHECK(!pmm_is_used(&P, pg(1)));
    CHECK(!pmm_is_used(&P, pg(2)));
    CHECK(pmm_is_used(&P, pg(3)));
    CHECK(!pmm_is_used(&P, pg(2) + 0xfff));     /* any address in the page */

    /* Less than a page, even straddling a boundary: nothing. */
    pmm_release_range(&P, pg(10) + 1, PAGE_SIZE - 1);
    pmm_release_range(&P, pg(20) + 0x800, PAGE_SIZE);
    pmm_release_range(&P, pg(30), PAGE_SIZE - 1);
    CHECK_EQ(P.free_pages, 2);

    /* Exactly one page, and a zero-length range. */
    pmm_release_range(&P, pg(40), PAGE_SIZE);
    pmm_release_range(&P, pg(50), 0);
    CHECK_EQ(P.free_pages, 3);
    CHECK(!pmm_is_used(&P, pg(40)));
    CHECK(pmm_is_used(&P, pg(41)));
    CHECK(pmm_is_used(&P, pg(50)));

    /* Releasing free pages again does not count them twice. */
    pmm_release_range(&P, pg(0), 5 * PAGE_SIZE);
    CHECK_EQ(P.free_pages, 6);
    pmm_release_range(&P, pg(0), 5 * PAGE_SIZE);
    CHECK_EQ(P.free_pages, 6);
    CHECK_CONSISTENT();
}

static void t_release_clamps(void)
{
    fresh();
    /* Starts below the base: only the managed part is released. */
    pmm_release_range(&P, BASE - 0x5000, 0x7000);
    CHECK_EQ(P.free_pages, 2);
    CHECK(!pmm_is_used(&P, pg(0)));
    CHECK(!pmm_is_used(&P, pg(1)));
    CHECK(pmm_is_used(&P, pg(2)));

    /* Entirely outside: nothing. */
    pmm_release_range(&P, 0, BASE);
    pmm_release_range(&P, END, 0x100000);
    CHECK_EQ(P.free_pages, 2);

    /* Runs past the end. */
    pmm_release_range(&P, pg(NPAGES - 2), 0x100000);
    CHECK_EQ(P.free_pages, 4);
    CHECK(!pmm_is_used(&P, pg(NPAGES - 1)));

    /* addr + len overflows: everything from addr up. */
    pmm_release_range(&P, pg(100), UINT64_MAX);
    CHECK_EQ(P.free_pages, 4 + (NPAGES - 100) - 2);
    CHECK(pmm_is_used(&P, pg(99)));

    /* The whole address space. */
    pmm_release_range(&P, 0, UINT64_MAX);
    CHECK_EQ(P.free_pages, NPAGES);
    CHECK_CONSISTENT();
}

/* No page lies wholly inside a range in the last page of the address
 * space, so releasing one must not free anything. */
static void t_release_top_of_address_space(void)
{
    fresh();
    pmm_release_range(&P, 0xfffffffffffff001ULL, 0x10);
    CHECK_EQ(P.free_pages, 0);
    pmm_release_range(&P, UINT64_MAX - 0x10, 0x100);    /* addr + len wraps */
    CHECK_EQ(P.free_pages, 0);
    CHECK_EQ(used_pages(), NPAGES);
}

static void t_reserve_rounds_outward(void)
{
    fresh_free();
    CHECK_EQ(P.free_pages, NPAGES);
    /* [+0x1800, +0x2800) touches pages 1 and 2. */
    pmm_reserve_range(&P, BASE + 0x1800, 0x1000);
    CHECK_EQ(P.free_pages, NPAGES - 2);
    CHECK(!pmm_is_used(&P, pg(0)));
    CHECK(pmm_is_used(&P, pg(1)));
    CHECK(pmm_is_used(&P, pg(2)));
    CHECK(!pmm_is_used(&P, pg(3)));

    /* One byte reserves its whole page. */
    pmm_reserve_range(&P, pg(5) + 0xfff, 1);
    CHECK(pmm_is_used(&P, pg(5)));
    CHECK(!pmm_is_used(&P, pg(6)));
    CHECK_EQ(P.free_pages, NPAGES - 3);

    /* An aligned page reserves exactly that page. */
    pmm_reserve_range(&P, pg(10), PAGE_SIZE);
    CHECK(!pmm_is_used(&P, pg(9)));
    CHECK(pmm_is_used(&P, pg(10)));
    CHECK(!pmm_is_used(&P, pg(11)));
    CHECK_EQ(P.free_pages, NPAGES - 4);

    /* Reserving used pages again does not count them twice. */
    pmm_reserve_range(&P, pg(1), 2 * PAGE_SIZE);
    CHECK_EQ(P.free_pages, NPAGES - 4);
    CHECK_CONSISTENT();
}

static void t_reserve_clamps(void)
{
    fresh_free();
    /* Entirely outside: nothing. */
    pmm_reserve_range(&P, 0, BASE);
    pmm_reserve_range(&P, END, 0x10000);
    CHECK_EQ(P.free_pages, NPAGES);

    /* Last byte below the base up to the first byte of page 0. */
    pmm_reserve_range(&P, BASE - 1, 2);
    CHECK(pmm_is_used(&P, pg(0)));
    CHECK(!pmm_is_used(&P, pg(1)));
    CHECK_EQ(P.free_pages, NPAGES - 1);

    /* Runs past the end. */
    pmm_reserve_range(&P, END - 1, 0x10000);
    CHECK(pmm_is_used(&P, pg(NPAGES - 1)));
    CHECK(!pmm_is_used(&P, pg(NPAGES - 2)));
    CHECK_EQ(P.free_pages, NPAGES - 2);

    /* addr + len overflows: everything from addr's page up. */
    pmm_reserve_range(&P, pg(150) + 7, UINT64_MAX);
    CHECK(!pmm_is_used(&P, pg(149)));
    CHECK(pmm_is_used(&P, pg(150)));
    CHECK_EQ(P.free_pages, NPAGES - 1 - (NPAGES - 150));
    CHECK_CONSISTENT();
}

/* [0, UINT64_MAX) touches every page (addr + len does not overflow, but
 * rounding it up to a page does). */
static void t_reserve_whole_address_space(void)
{
    fresh_free();
    pmm_reserve_range(&P, 0, UINT64_MAX);
    CHECK_EQ(P.free_pages, 0);
    CHECK_EQ(used_pages(), NPAGES);

    fresh_free();
    pmm_reserve_range(&P, 0x10, UINT64_MAX - 0x10);
    CHECK_EQ(P.free_pages, 0);
    CHECK_EQ(used_pages(), NPAGES);
}

static void t_alloc_lowest_first(void)
{
    fresh_free();
    for (size_t i = 0; i < 10; i++) {
        uint64_t a = pmm_alloc(&P);
        CHECK_EQ(a, pg(i));
        CHECK_EQ(a & (PAGE_SIZE - 1), 0);
        CHECK(pmm_is_used(&P, a));
    }
    CHECK_EQ(P.free_pages, NPAGES - 10);

    /* A freed page below the others is handed out next. */
    CHECK_EQ(pmm_free(&P, pg(3), 1), KERN_SUCCESS);
    CHECK_EQ(pmm_free(&P, pg(7), 1), KERN_SUCCESS);
    CHECK_EQ(pmm_alloc(&P), pg(3));
    CHECK_EQ(pmm_alloc(&P), pg(7));
    CHECK_EQ(pmm_alloc(&P), pg(10));

    /* Holes left by the memory map: first free page past a reserved run,
     * including across a bitmap word boundary. */
    fresh();
    pmm_release_range(&P, pg(60), 10 * PAGE_SIZE);
    pmm_release_range(&P, pg(150), 3 * PAGE_SIZE);
    pmm_reserve_range(&P, pg(60), 5 * PAGE_SIZE);
    CHECK_EQ(P.free_pages, 8);
    for (size_t i = 65; i < 70; i++)
        CHECK_EQ(pmm_alloc(&P), pg(i));
    for (size_t i = 150; i < 153; i++)
        CHECK_EQ(pmm_alloc(&P), pg(i));
    CHECK_EQ(pmm_alloc(&P), PMM_NONE);

    /* Releasing a lower range later is still found first. */
    pmm_release_range(&P, pg(1), PAGE_SIZE);
    CHECK_EQ(pmm_alloc(&P), pg(1));
    CHECK_CONSISTENT();
}

static void t_alloc_exhaustion(void)
{
    fresh_free();
    for (size_t i = 0; i < NPAGES; i++) {
        uint64_t a = pmm_alloc(&P);
        REQUIRE_EQ(a, pg(i));
        CHECK_EQ(P.free_pages, NPAGES - 1 - i);
    }
    CHECK_EQ(P.free_pages, 0);
    CHECK_EQ(pmm_alloc(&P), PMM_NONE);
    CHECK_EQ(pmm_alloc(&P), PMM_NONE);
    CHECK_EQ(pmm_alloc_contig(&P, 1, 1), PMM_NONE);
    CHECK_EQ(P.free_pages, 0);
    CHECK_EQ(used_pages(), NPAGES);

    /* The last page freed is the only one to come back. */
    CHECK_EQ(pmm_free(&P, pg(NPAGES - 1), 1), KERN_SUCCESS);
    CHECK_EQ(pmm_alloc(&P), pg(NPAGES - 1));
    CHECK_EQ(pmm_alloc(&P), PMM_NONE);
    CHECK_EQ(P.free_pages, 0);

    /* Everything freed comes back. */
    CHECK_EQ(pmm_free(&P, BASE, NPAGES), KERN_SUCCESS);
    CHECK_EQ(P.free_pages, NPAGES);
    CHECK_EQ(pmm_alloc(&P), pg(0));
}

static void t_free_rejects_bad(void)
{
    struct snap s;

    fresh_free();
    pmm_reserve_range(&P, pg(100), 10 * PAGE_SIZE);     /* used, not ours */
    CHECK_EQ(pmm_alloc(&P), pg(0));
    CHECK_EQ(pmm_alloc(&P), pg(1));
    take(&s);

    /* Never allocated. */
    CHECK_EQ(pmm_free(&P, pg(2), 1), KERN_INVALID_ADDRESS);
    CHECK(same(&s));
    CHECK_EQ(pmm_free(&P, pg(50), 3), KERN_INVALID_ADDRESS);
    CHECK(same(&s));
    /* Partly allocated: pages 0-1 in use, page 2 free; nothing is freed. */
    CHECK_EQ(pmm_free(&P, pg(0), 3), KERN_INVALID_ADDRESS);
    CHECK(same(&s));
    CHECK(pmm_is_used(&P, pg(0)) && pmm_is_used(&P, pg(1)));
    /* Out of range. */
    CHECK_EQ(pmm_free(&P, BASE - PAGE_SIZE, 1), KERN_INVALID_ADDRESS);
    CHECK_EQ(pmm_free(&P, BASE - PAGE_SIZE, 2), KERN_INVALID_ADDRESS);
    CHECK_EQ(pmm_free(&P, 0, 1), KERN_INVALID_ADDRESS);
    CHECK_EQ(pmm_free(&P, END, 1), KERN_INVALID_ADDRESS);
    CHECK_EQ(pmm_free(&P, END + 0x100000, 1), KERN_INVALID_ADDRESS);
    CHECK_EQ(pmm_free(&P, UINT64_MAX & ~(PAGE_SIZE - 1), 1), KERN_INVALID_ADDRESS);
    CHECK_EQ(pmm_free(&P, pg(105), NPAGES), KERN_INVALID_ADDRESS);  /* runs past end */
    CHECK_EQ(pmm_free(&P, pg(105), SIZE_MAX), KERN_INVALID_ADDRESS);
    CHECK(same(&s));
    /* Unaligned, in an allocated page. */
    CHECK_EQ(pmm_free(&P, pg(0) + 1, 1), KERN_INVALID_ADDRESS);
    CHECK_EQ(pmm_free(&P, pg(1) + 0x800, 1), KERN_INVALID_ADDRESS);
    CHECK_EQ(pmm_free(&P, pg(0) + 0xfff, 1), KERN_INVALID_ADDRESS);
    CHECK(same(&s));
    /* Zero pages. */
    CHECK_EQ(pmm_free(&P, pg(0), 0), KERN_INVALID_ADDRESS);
    CHECK(same(&s));

    /* The rejected calls did not disturb allocation order. */
    CHECK_EQ(pmm_alloc(&P), pg(2));
    CHECK_CONSISTENT();
}

static void t_double_free(void)
{
    struct snap s;

    fresh_free();
    uint64_t a = pmm_alloc(&P), b = pmm_alloc(&P);
    uint64_t c = pmm_alloc_contig(&P, 4, 1);
    CHECK_EQ(c, pg(2));
    CHECK_EQ(pmm_free(&P, a, 1), KERN_SUCCESS);
    take(&s);
    CHECK_EQ(pmm_free(&P, a, 1), KERN_INVALID_ADDRESS);
    CHECK(same(&s));

    CHECK_EQ(pmm_free(&P, c, 4), KERN_SUCCESS);
    take(&s);
    CHECK_EQ(pmm_free(&P, c, 4), KERN_INVALID_ADDRESS);
    CHECK_EQ(pmm_free(&P, c + PAGE_SIZE, 1), KERN_INVALID_ADDRESS);
    /* b is still allocated, but the range b..c+1 is not wholly. */
    CHECK_EQ(pmm_free(&P, b, 2), KERN_INVALID_ADDRESS);
    CHECK(same(&s));
    CHECK(pmm_is_used(&P, b));
    CHECK_EQ(pmm_free(&P, b, 1), KERN_SUCCESS);
    CHECK_EQ(pmm_free(&P, b, 1), KERN_INVALID_ADDRESS);
    CHECK_EQ(P.free_pages, NPAGES);
    CHECK_CONSISTENT();
}

/* Is page index i's frame number a multiple of align (0 meaning 1)? */
static int phys_aligned(uint64_t addr, size_t align)
{
    return align <= 1 || ((addr >> PAGE_SHIFT) % align) == 0;
}

static void t_contig_alignment(void)
{
    fresh_free();
    /* Base pfn is 515 (= 3 mod 4), so the first 4-page-aligned frame is
     * page 1 (pfn 516), not page 0 as alignment relative to base would give. */
    uint64_t a = pmm_alloc_contig(&P, 4, 4);
    CHECK_EQ(a, pg(1));
    CHECK_EQ(a % (4 * PAGE_SIZE), 0);
    for (size_t i = 1; i < 5; i++)
        CHECK(pmm_is_used(&P, pg(i)));
    CHECK(!pmm_is_used(&P, pg(0)));
    CHECK(!pmm_is_used(&P, pg(5)));
    CHECK_EQ(P.free_pages, NPAGES - 4);

    /* Next 8-aligned frame at or after page 5 is pfn 520 = page 5. */
    uint64_t b = pmm_alloc_contig(&P, 3, 8);
    CHECK_EQ(b, pg(5));
    CHECK_EQ(b % (8 * PAGE_SIZE), 0);

    /* 16-aligned: pfn 528 = page 13. */
    uint64_t c = pmm_alloc_contig(&P, 16, 16);
    CHECK_EQ(c, pg(13));
    CHECK_EQ(c % (16 * PAGE_SIZE), 0);

    /* Unaligned requests still take the lowest free pages (0, then 8). */
    CHECK_EQ(pmm_alloc_contig(&P, 1, 1), pg(0));
    CHECK_EQ(pmm_alloc_contig(&P, 2, 0), pg(8));      /* 0 means 1 */
    CHECK_EQ(pmm_alloc_contig(&P, 3, 1), pg(10));
    CHECK_EQ(pmm_alloc(&P), pg(29));

    /* Odd alignment (3 pages): pfn 546 = page 31 is the next multiple. */
    uint64_t d = pmm_alloc_contig(&P, 2, 3);
    CHECK_EQ(d, pg(31));
    CHECK(phys_aligned(d, 3));

    CHECK_EQ(pmm_free(&P, a, 4), KERN_SUCCESS);
    CHECK_EQ(pmm_free(&P, c, 16), KERN_SUCCESS);
    CHECK_CONSISTENT();

    /* An alignment no frame in range satisfies (pfn 1024 is page 509). */
    CHECK_EQ(pmm_alloc_contig(&P, 1, 1024), PMM_NONE);
    /* 256-aligned frames: 512 is below the base, 768 (page 253) past the
     * end.  64-aligned: pfn 576. */
    CHECK_EQ(pmm_alloc_contig(&P, 1, 256), PMM_NONE);
    CHECK_EQ(pmm_alloc_contig(&P, 1, 64), pg(576 - 515));
    CHECK_CONSISTENT();
}

static void t_contig_edges(void)
{
    struct snap s;

    fresh_free();
    take(&s);
    CHECK_EQ(pmm_alloc_contig(&P, 0, 1), PMM_NONE);
    CHECK_EQ(pmm_alloc_contig(&P, NPAGES + 1, 1), PMM_NONE);
    CHECK_EQ(pmm_alloc_contig(&P, SIZE_MAX, 1), PMM_NONE);
    CHECK_EQ(pmm_alloc_contig(&P, 2, SIZE_MAX), PMM_NONE);
    CHECK(same(&s));

    /* The whole range in one go, then nothing. */
    CHECK_EQ(pmm_alloc_contig(&P, NPAGES, 1), BASE);
    CHECK_EQ(P.free_pages, 0);
    CHECK_EQ(pmm_alloc_contig(&P, 1, 1), PMM_NONE);
    CHECK_EQ(pmm_free(&P, BASE, NPAGES), KERN_SUCCESS);

    /* The whole range, but the base is not 2-page aligned. */
    CHECK_EQ(pmm_alloc_contig(&P, NPAGES, 2), PMM_NONE);
    CHECK_EQ(pmm_alloc_contig(&P, NPAGES - 1, 2), pg(1));
    CHECK_EQ(P.free_pages, 1);
    CHECK_CONSISTENT();
}

static void t_contig_skips_holes(void)
{
    fresh_free();
    /* Used pages at 3, 9 and 12 leave free runs 0-2, 4-8, 10-11, 13-... */
    pmm_reserve_range(&P, pg(3), 1);
    pmm_reserve_range(&P, pg(9), 1);
    pmm_reserve_range(&P, pg(12), 1);
    CHECK_EQ(pmm_alloc_contig(&P, 5, 1), pg(4));
    CHECK_EQ(pmm_alloc_contig(&P, 3, 1), pg(0));
    CHECK_EQ(pmm_alloc_contig(&P, 3, 1), pg(13));
    CHECK_EQ(pmm_alloc_contig(&P, 2, 1), pg(10));
    /* 4-aligned runs of 4: pfn 532 = page 17 is the first. */
    CHECK_EQ(pmm_alloc_contig(&P, 4, 4), pg(17));
    /* A run that only fits in the misaligned gap 16 is refused there. */
    CHECK_EQ(pmm_alloc_contig(&P, 1, 4), pg(21));
    CHECK_EQ(pmm_alloc(&P), pg(16));
    CHECK_CONSISTENT();
}

/* ---- randomized stress against a shadow array ---- */

#define SN     300
#define SBASE  0x40005000ULL        /* pfn 0x40005: odd */
#define SEND   (SBASE + SN * PAGE_SIZE)

static uint64_t sbm[(SN + 63) / 64];
static unsigned char shadow[SN];    /* 0 free, 1 allocated by us, 2 reserved */

struct live {
    size_t start, count;
};

static size_t shadow_free(void)
{
    size_t n = 0;

    for (size_t i = 0; i < SN; i++)
        n += shadow[i] == 0;
    return n;
}

/* Does the allocator agree with the shadow about every page? */
static int matches(const struct pmm *p)
{
    for (size_t i = 0; i < SN; i++) {
        if (!!pmm_is_used(p, SBASE + i * PAGE_SIZE) != (shadow[i] != 0))
            return 0;
    }
    return p->free_pages == shadow_free();
}

/* Lowest start of count free pages at an aligned frame, or SIZE_MAX. */
static size_t shadow_contig(size_t count, size_t align)
{
    if (align == 0)
        align = 1;
    for (size_t s = 0; s + count <= SN; s++) {
        if (((SBASE >> PAGE_SHIFT) + s) % align)
            continue;
        size_t r = 0;
        while (r < count && shadow[s + r] == 0)
            r++;
        if (r == count)
            return s;
    }
    return SIZE_MAX;
}

static void t_stress(void)
{
    static const size_t aligns[] = { 0, 1, 2, 3, 4, 8, 16, 64 };
    static struct live live[512];
    size_t nlive = 0;
    struct pmm p;
    uint64_t seed = tap_seed(0x9e3779b97f4a7c15ULL), rng = seed;
    unsigned long counts[5] = { 0 };

    TAP_NOTE("pmm stress seed %#" PRIx64, seed);
    memset(sbm, 0x5a, sizeof(sbm));
    pmm_init(&p, sbm, SBASE, SN);
    memset(shadow, 2, sizeof(shadow));
    REQUIRE(matches(&p));

    /* Phase 1: a random memory map, with byte-granular ranges that spill
     * over both ends of the managed range. */
    for (int step = 0; step < 400; step++) {
        uint64_t lo = SBASE - 8 * PAGE_SIZE;
        uint64_t addr = lo + tap_rand_below(&rng, (SN + 16) * PAGE_SIZE);
        uint64_t len = 1 + tap_rand_below(&rng, 40 * PAGE_SIZE);
        int release = tap_rand_below(&rng, 100) < 65;

        if (release)
            pmm_release_range(&p, addr, len);
        else
            pmm_reserve_range(&p, addr, len);
        for (size_t i = 0; i < SN; i++) {
            uint64_t ps = SBASE + i * PAGE_SIZE, pe = ps + PAGE_SIZE;
            if (release && ps >= addr && pe <= addr + len)
                shadow[i] = 0;
            else if (!release && ps < addr + len && pe > addr)
                shadow[i] = 2;
        }
        if (!matches(&p)) {
            tap_fail(__FILE__, __LINE__, "phase 1 step %d: %s(%#" PRIx64 ", %#" PRIx64
                     ") disagrees with the shadow", step, release ? "release" : "reserve",
                     addr, len);
            return;
        }
    }
    size_t initial_free = shadow_free();
    TAP_NOTE("after the memory map: %zu of %d pages free", initial_free, SN);
    REQUIRE(initial_free > SN / 4);

    /* Phase 2: allocations and frees, good and bad. */
    for (int step = 0; step < 20000; step++) {
        enum { ALLOC, CONTIG, FREE, BAD_FREE } op;
        uint64_t r = tap_rand_below(&rng, 100);
        /* Drift between filling memory up and draining it. */
        uint64_t alloc_pct = (step / 1000) % 2 ? 30 : 60;

        if (nlive == sizeof(live) / sizeof(live[0]))
            op = FREE;
        else if (r < alloc_pct)
            op = r % 2 ? ALLOC : CONTIG;
        else if (r < 90)
            op = FREE;
        else
            op = BAD_FREE;
        if (op == ALLOC) {
            /* Single page: the lowest free one, or none. */
            size_t want = shadow_contig(1, 1);
            uint64_t a = pmm_alloc(&p);
            counts[0]++;
            if (want == SIZE_MAX) {
                REQUIRE_EQ(a, PMM_NONE);
            } else {
                REQUIRE_EQ(a, SBASE + want * PAGE_SIZE);
                shadow[want] = 1;
                live[nlive++] = (struct live){ want, 1 };
            }
        } else if (op == CONTIG) {
            size_t count = 1 + (size_t)tap_rand_below(&rng, 12);
            size_t align = aligns[tap_rand_below(&rng, sizeof(aligns) / sizeof(aligns[0]))];
            uint64_t a = pmm_alloc_contig(&p, count, align);
            counts[1]++;
            if (a == PMM_NONE) {
                /* Only when no aligned run exists at all. */
                REQUIRE_EQ(shadow_contig(count, align), SIZE_MAX);
                continue;
            }
            counts[2]++;
            REQUIRE(a >= SBASE && a < SEND && (a & (PAGE_SIZE - 1)) == 0);
            REQUIRE(phys_aligned(a, align));
            size_t s = (size_t)((a - SBASE) >> PAGE_SHIFT);
            REQUIRE(s + count <= SN);
            for (size_t i = s; i < s + count; i++) {
                REQUIRE_EQ(shadow[i], 0);
                shadow[i] = 1;
            }
            live[nlive++] = (struct live){ s, count };
        } else if (op == FREE) {
            if (!nlive)
                continue;
            size_t k = (size_t)tap_rand_below(&rng, nlive);
            struct live l = live[k];
            counts[3]++;
            REQUIRE_EQ(pmm_free(&p, SBASE + l.start * PAGE_SIZE, l.count), KERN_SUCCESS);
            for (size_t i = l.start; i < l.start + l.count; i++)
                shadow[i] = 0;
            live[k] = live[--nlive];
        } else {
            /* A bad free must change nothing. */
            uint64_t before[(SN + 63) / 64];
            size_t free_before = p.free_pages;
            uint64_t addr;
            size_t count = 1;

            memcpy(before, sbm, sizeof(sbm));
            switch (tap_rand_below(&rng, 3)) {
            case 0: {                   /* a free page */
                size_t i = shadow_contig(1, 1);
                if (i == SIZE_MAX)
                    continue;
                i += (size_t)tap_rand_below(&rng, SN - i);
                if (shadow[i] != 0)
                    continue;
                addr = SBASE + i * PAGE_SIZE;
                break;
            }
            case 1:                     /* unaligned, inside an allocation */
                if (!nlive)
                    continue;
                addr = SBASE + live[tap_rand_below(&rng, nlive)].start * PAGE_SIZE +
                       1 + tap_rand_below(&rng, PAGE_SIZE - 1);
                break;
            default: {                  /* one page more than allocated */
                if (!nlive)
                    continue;
                struct live l = live[tap_rand_below(&rng, nlive)];
                if (l.start + l.count < SN && shadow[l.start + l.count] != 0)
                    continue;           /* next page in use: the free is valid */
                addr = SBASE + l.start * PAGE_SIZE;
                count = l.count + 1;
                break;
            }
            }
            counts[4]++;
            REQUIRE_EQ(pmm_free(&p, addr, count), KERN_INVALID_ADDRESS);
            REQUIRE(memcmp(before, sbm, sizeof(sbm)) == 0);
            REQUIRE_EQ(p.free_pages, free_before);
        }
        if (!matches(&p)) {
            tap_fail(__FILE__, __LINE__, "step %d (op %d): allocator disagrees with the "
                     "shadow (free_pages %zu, shadow %zu)", step, (int)op, p.free_pages,
                     shadow_free());
            return;
        }
    }
    TAP_NOTE("%lu allocs, %lu contig (%lu satisfied), %lu frees, %lu bad frees",
             counts[0], counts[1], counts[2], counts[3], counts[4]);

    while (nlive) {
        struct live l = live[--nlive];
        REQUIRE_EQ(pmm_free(&p, SBASE + l.start * PAGE_SIZE, l.count), KERN_SUCCESS);
        for (size_t i = l.start; i < l.start + l.count; i++)
            shadow[i] = 0;
    }
    CHECK(matches(&p));
    CHECK_EQ(p.free_pages, initial_free);
}

static const struct tap_case cases[] = {
    TAP_CASE(t_bitmap_bytes),
    TAP_CASE(t_init_all_used),
    TAP_CASE(t_release_rounds_inward),
    TAP_CASE(t_release_clamps),
    TAP_CASE(t_release_top_of_address_space),
    TAP_CASE(t_reserve_rounds_outward),
    TAP_CASE(t_reserve_clamps),
    TAP_CASE(t_reserve_whole_address_space),
    TAP_CASE(t_alloc_lowest_first),
    TAP_CASE(t_alloc_exhaustion),
    TAP_CASE(t_free_rejects_bad),
    TAP_CASE(t_double_free),
    TAP_CASE(t_contig_alignment),
    TAP_CASE(t_contig_edges),
    TAP_CASE(t_contig_skips_holes),
    TAP_CASE(t_stress),
};

int main(void)
{
    return tap_run(cases, TAP_COUNT(cases));
}
