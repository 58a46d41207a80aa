/* IOCatalogue: the personalities in catalogue order, an index by
 * IOProviderClass, and finding the ranked candidates for a nub.  The
 * contract is guest/include/iokit/IOCatalogue.h.
 *
 * Each personality gets an order number when added (increasing, never
 * reused); the list is kept sorted by it, and the index maps a class name
 * to the order numbers of the personalities with that IOProviderClass, so
 * matching a nub tests only the personalities of the classes in its
 * chain. */
#include <libkern/platform.h>

#include "iokit_internal.h"

/* Defaults for personalities added at run time without them. */
#define RUNTIME_BUNDLE_ID "dextbed.runtime"

typedef struct CatEntry {
    OSDictionary *personality;      /* +1 */
    uint32_t order;
} CatEntry;

struct IOCatalogue {
    CatEntry *entries;              /* sorted by order */
    unsigned count, capacity;
    OSDictionary *index;            /* class name -> OSArray of OSNumber order */
    uint32_t next_order;
    uint64_t match_tests;
};

IOCatalogue *gIOCatalogue;

IOCatalogue *IOCatalogue_create(void)
{
    IOCatalogue *cat = lk_alloc(sizeof(*cat));

    if (!cat)
        return NULL;
    if (!(cat->index = OSDictionary_with_capacity(16))) {
        lk_free(cat, sizeof(*cat));
        return NULL;
    }
    return cat;
}

void IOCatalogue_destroy(IOCatalogue *cat)
{
    if (!cat)
        return;
    for (unsigned i = 0; i < cat->count; i++)
        OSObject_release(cat->entries[i].personality);
    if (cat->entries)
        lk_free(cat->entries, cat->capacity * sizeof(CatEntry));
    OSObject_release(cat->index);
    if (cat == gIOCatalogue)
        gIOCatalogue = NULL;
    lk_free(cat, sizeof(*cat));
}

/* Creates gIOCatalogue; an existing one is replaced (host tests start
 * afresh this way). */
bool IOCatalogue_init(void)
{
    IOCatalogue *cat = IOCatalogue_create();

    if (!cat)
        return false;
    IOCatalogue_destroy(gIOCatalogue);
    gIOCatalogue = cat;
    return true;
}

unsigned IOCatalogue_get_count(const IOCatalogue *cat)
{
    return cat ? cat->count : 0;
}

OSDictionary *IOCatalogue_get_personality(const IOCatalogue *cat, unsigned i)
{
    return cat && i < cat->count ? cat->entries[i].personality : NULL;
}

uint64_t IOCatalogue_get_match_tests(const IOCatalogue *cat)
{
    return cat ? cat->match_tests : 0;
}

static const char *provider_class(const OSDictionary *p)
{
    OSString *s = OSDynamicCast(OSString, OSDictionary_get_object(p, kIOProviderClassKey));

    return s ? OSString_get_cstring(s) : NULL;
}

/* Append p (retained) at the end of the catalogue and index it. */
static bool catalogue_append(IOCatalogue *cat, OSDictionary *p)
{
    const char *cls = provider_class(p);
    OSArray *orders = (OSArray *)OSDictionary_get_object(cat->index, cls);
    OSNumber *num;
    bool ok;

    if (cat->count == cat->capacity) {
        unsigned cap = cat->capacity ? cat->capacity * 2 : 32;
        CatEntry *e = lk_alloc(cap * sizeof(CatEntry));

        if (!e)
            return false;
        if (cat->entries) {
            memcpy(e, cat->entries, cat->count * sizeof(CatEntry));
            lk_free(cat->entries, cat->capacity * sizeof(CatEntry));
        }
        cat->entries = e;
        cat->capacity = cap;
    }
    if (!orders) {
        if (!(orders = OSArray_with_capacity(4)))
            return false;
        ok = OSDictionary_set_object(cat->index, cls, orders);
        OSObject_release(orders);
        if (!ok)
            return false;
    }
    if (!(num = OSNumber_with_value(cat->next_order, 32)))
        return false;
    ok = OSArray_set_object(orders, num);
    OSObject_release(num);
    if (!ok)
        return false;
    OSObject_retain(p);
    cat->entries[cat->count].personality = p;
    cat->entries[cat->count].order = cat->next_order++;
    cat->count++;
    return true;
}

/* The entry with this order number, or NULL. */
static CatEntry *find_order(IOCatalogue *cat, uint32_t order)
{
    unsigned lo = 0, hi = cat->count;

    while (lo < hi) {
        unsigned mid = (lo + hi) / 2;

        if (cat->entries[mid].order == order)
            return &cat->entries[mid];
        if (cat->entries[mid].order < order)
            lo = mid + 1;
        else
            hi = mid;
    }
    return NULL;
}

static const char *personality_name(const OSDictionary *p)
{
    OSString *s = OSDynamicCast(OSString, OSDictionary_get_object(p, kIOPersonalityNameKey));

    return s ? OSString_get_cstring(s) : "";
}

/* Is an equal personality already indexed under its class?  (Names are
 * compared first: most personalities differ there, and cheaply.) */
static bool already_present(IOCatalogue *cat, const OSDictionary *p)
{
    OSArray *orders = (OSArray *)OSDictionary_get_object(cat->index, provider_class(p));
    const char *name = personality_name(p);

    for (unsigned i = 0; orders && i < OSArray_get_count(orders); i++) {
        CatEntry *e = find_order(cat, OSNumber_unsigned_32(
                                          (OSNumber *)OSArray_get_object(orders, i)));

        if (e && strcmp(personality_name(e->personality), name) == 0
            && OSObject_is_equal_to(e->personality, p))
            return true;
    }
    return false;
}

/* A copy of p with key set to value when p lacks it (+1), or NULL. */
static bool set_default(OSDictionary *p, const char *key, const char *value)
{
    OSString *s;
    bool ok;

    if (OSDictionary_get_object(p, key))
        return true;
    if (!(s = OSString_with_cstring(value)))
        return false;
    ok = OSDictionary_set_object(p, key, s);
    OSObject_release(s);
    return ok;
}

unsigned IOCatalogue_add_bundle(IOCatalogue *cat, OSDictionary *info, const char *origin)
{
    OSString *bundle;
    OSObject *pv;
    OSDictionary *pers;
    const char *label;
    unsigned added = 0;

    if (!cat || !info)
        return 0;
    bundle = OSDynamicCast(OSString, OSDictionary_get_object(info, kCFBundleIdentifierKey));
    label = bundle ? OSString_get_cstring(bundle) : "(no CFBundleIdentifier)";
    if (!origin)
        origin = "IOCatalogue";
    pv = OSDictionary_get_object(info, kIOKitPersonalitiesKey);
    if (!(pers = OSDynamicCast(OSDictionary, pv))) {
        if (pv)
            lk_log("%s: bundle %s: IOKitPersonalities is not a dictionary", origin, label);
        return 0;
    }
    for (unsigned i = 0; i < OSDictionary_get_count(pers); i++) {
        const OSSymbol *name = OSDictionary_get_key_at(pers, i);
        OSDictionary *p = OSDynamicCast(OSDictionary, OSDictionary_get_value_at(pers, i));
        OSDictionary *copy;
        bool ok;

        if (!p) {
            lk_log("%s: bundle %s personality %s: not a dictionary; skipped", origin, label,
                   OSSymbol_get_cstring(name));
            continue;
        }
        if (!provider_class(p)) {
            lk_log("%s: bundle %s personality %s: no IOProviderClass string; skipped",
                   origin, label, OSSymbol_get_cstring(name));
            continue;
        }
        if (!(copy = OSDictionary_copy(p)))
            break;
        ok = (!bundle || OSDictionary_set_object(copy, kCFBundleIdentifierKey, bundle))
             && OSDictionary_set_object(copy, kIOPersonalityNameKey, name)
             && catalogue_append(cat, copy);
        OSObject_release(copy);
        if (!ok) {
            lk_log("%s: bundle %s: out of memory adding personalities", origin, label);
            break;
        }
        added++;
    }
    return added;
}

/* IOCatalogue_add_drivers' rematch: the classes to look for. */
static bool rematch_applier(IOService *svc, void *arg)
{
    OSArray *classes = arg;

    for (unsigned i = 0; i < OSArray_get_count(classes); i++) {
        if (iokit_class_chain_has(svc, OSString_get_cstring(
                                           (OSString *)OSArray_get_object(classes, i)))) {
            IOService_register_service(svc);
            break;
        }
    }
    return true;
}

IOReturn IOCatalogue_add_drivers(IOCatalogue *cat, OSArray *personalities, bool do_match)
{
    OSArray *classes = NULL;
    IOReturn ret = kIOReturnSuccess;

    if (!cat || !personalities)
        return kIOReturnBadArgument;
    for (unsigned i = 0; i < OSArray_get_count(personalities); i++) {
        OSDictionary *p = OSDynamicCast(OSDictionary, OSArray_get_object(personalities, i));

        if (!p || !provider_class(p))
            return kIOReturnBadArgument;
    }
    if (do_match && !(classes = OSArray_with_capacity(4)))
        return kIOReturnNoMemory;
    for (unsigned i = 0; i < OSArray_get_count(personalities); i++) {
        OSDictionary *p = OSDictionary_copy((OSDictionary *)OSArray_get_object(personalities, i));
        OSString *cls = p ? OSDynamicCast(OSString, OSDictionary_get_object(p,
                                                                            kIOProviderClassKey))
                          : NULL;
        OSString *ioclass = p ? OSDynamicCast(OSString, OSDictionary_get_object(p, kIOClassKey))
                              : NULL;
        bool ok = p && set_default(p, kCFBundleIdentifierKey, RUNTIME_BUNDLE_ID)
                  && set_default(p, kIOPersonalityNameKey,
                                 ioclass ? OSString_get_cstring(ioclass) : "personality");

        if (ok && !already_present(cat, p)) {
            ok = catalogue_append(cat, p)
                 && (!classes || OSArray_set_object(classes, cls));
        }
        OSSafeReleaseNULL(p);
        if (!ok) {
            ret = kIOReturnNoMemory;
            break;
        }
    }
    if (classes && OSArray_get_count(classes))
        IOService_apply_registered(rematch_applier, classes);
    OSSafeReleaseNULL(classes);
    return ret;
}

/* Does p hold every key of matching with an equal value? */
static bool personality_has_all(const OSDictionary *p, const OSDictionary *matching)
{
    for (unsigned i = 0; i < OSDictionary_get_count(matching); i++) {
        OSObject *v = OSDictionary_get_object_sym(p, OSDictionary_get_key_at(matching, i));

        if (!v || !OSObject_is_equal_to(v, OSDictionary_get_value_at(matching, i)))
            return false;
    }
    return true;
}

/* An empty matching dictionary removes nothing (not everything). */
unsigned IOCatalogue_remove_drivers(IOCatalogue *cat, OSDictionary *matching)
{
    unsigned removed = 0, kept = 0;

    if (!cat || !matching || OSDictionary_get_count(matching) == 0)
        return 0;
    for (unsigned i = 0; i < cat->count; i++) {
        CatEntry e = cat->entries[i];
        OSArray *orders;

        if (!personality_has_all(e.personality, matching)) {
            cat->entries[kept++] = e;
            continue;
        }
        orders = (OSArray *)OSDictionary_get_object(cat->index, provider_class(e.personality));
        for (unsigned j = 0; orders && j < OSArray_get_count(orders); j++) {
            if (OSNumber_unsigned_32((OSNumber *)OSArray_get_object(orders, j)) == e.order) {
                OSArray_remove_object(orders, j);
                break;
            }
        }
        OSObject_release(e.personality);
        removed++;
    }
    cat->count = kept;
    return removed;
}

/* --- Candidates --------------------------------------------------------- */

void IOMatchCandidates_free(IOMatchCandidates *c)
{
    if (!c)
        return;
    for (unsigned i = 0; i < c->count; i++) {
        OSSafeReleaseNULL(c->items[i].personality);
        OSSafeReleaseNULL(c->items[i].category);
    }
    if (c->items)
        lk_free(c->items, c->capacity * sizeof(IOMatchCandidate));
    c->items = NULL;
    c->count = c->capacity = 0;
}

static bool candidates_add(IOMatchCandidates *c, OSDictionary *p, const IOMatchResult *r,
                           uint32_t order)
{
    IOMatchCandidate *item;

    if (!r->category)
        return false;
    if (c->count == c->capacity) {
        unsigned cap = c->capacity ? c->capacity * 2 : 8;
        IOMatchCandidate *items = lk_alloc(cap * sizeof(IOMatchCandidate));

        if (!items)
            return false;
        if (c->items) {
            memcpy(items, c->items, c->count * sizeof(IOMatchCandidate));
            lk_free(c->items, c->capacity * sizeof(IOMatchCandidate));
        }
        c->items = items;
        c->capacity = cap;
    }
    item = &c->items[c->count++];
    OSObject_retain(p);
    OSObject_retain(r->category);
    item->personality = p;
    item->category = r->category;
    item->score = r->score;
    item->order = order;
    return true;
}

/* Rank: category (by name), score highest first, catalogue order. */
static int candidate_cmp(const IOMatchCandidate *a, const IOMatchCandidate *b)
{
    int c = a->category == b->category ? 0
                                       : strcmp(OSSymbol_get_cstring(a->category),
                                                OSSymbol_get_cstring(b->category));

    if (c)
        return c;
    if (a->score != b->score)
        return a->score > b->score ? -1 : 1;
    return a->order < b->order ? -1 : a->order > b->order;
}

/* Bottom-up merge sort (stable, no recursion); false when out of memory. */
static bool candidates_sort(IOMatchCandidates *c)
{
    IOMatchCandidate *tmp, *src = c->items, *dst;
    unsigned n = c->count;

    if (n < 2)
        return true;
    if (!(tmp = lk_alloc(n * sizeof(*tmp))))
        return false;
    dst = tmp;
    for (unsigned width = 1; width < n; width *= 2) {
        for (unsigned lo = 0; lo < n; lo += 2 * width) {
            unsigned mid = lo + width < n ? lo + width : n;
            unsigned hi = lo + 2 * width < n ? lo + 2 * width : n;
            unsigned i = lo, j = mid, k = lo;

            while (i < mid && j < hi)
                dst[k++] = candidate_cmp(&src[j], &src[i]) < 0 ? src[j++] : src[i++];
            while (i < mid)
                dst[k++] = src[i++];
            while (j < hi)
                dst[k++] = src[j++];
        }
        IOMatchCandidate *swap = src;
        src = dst;
        dst = swap;
    }
    if (src != c->items)
        memcpy(c->items, src, n * sizeof(*src));
    lk_free(tmp, n * sizeof(*tmp));
    return true;
}

/* Test one personality against nub; report it; keep it when it matches. */
static bool consider(IOCatalogue *cat, IOService *nub, const CatEntry *e,
                     IOMatchCandidates *out, IOMatchReportFn report, void *ctx)
{
    IOMatchResult r;

    cat->match_tests++;
    IOMatch_personality(nub, e->personality, &r, report != NULL);
    if (report)
        report(ctx, e->personality, &r);
    return !r.matched || candidates_add(out, e->personality, &r, e->order);
}

/* Report a personality whose IOProviderClass is not in the nub's chain. */
static void report_not_in_chain(IOService *nub, OSDictionary *p, IOMatchReportFn report,
                                void *ctx)
{
    IOMatchResult r;
    OSNumber *probe = OSDynamicCast(OSNumber, OSDictionary_get_object(p, kIOProbeScoreKey));

    memset(&r, 0, sizeof(r));
    r.rejected_key = kIOProviderClassKey;
    snprintf(r.reason, sizeof(r.reason), "%s is not in the class chain of the nub, a %s",
             provider_class(p), OSObject_get_class_name(nub));
    r.score = probe ? (int32_t)OSNumber_signed_64(probe) : 0;
    r.category = IOMatch_category_of(p);
    report(ctx, p, &r);
}

unsigned IOCatalogue_find_candidates(IOCatalogue *cat, IOService *nub, IOMatchCandidates *out,
                                     IOMatchReportFn report, void *ctx, bool report_all)
{
    bool ok = true;

    if (!out)
        return 0;
    IOMatchCandidates_free(out);
    if (!cat || !OSDynamicCast(IOService, nub))
        return 0;
    if (report && report_all) {
        /* The whole catalogue, in its order. */
        for (unsigned i = 0; ok && i < cat->count; i++) {
            const CatEntry *e = &cat->entries[i];

            if (iokit_class_chain_has(nub, provider_class(e->personality)))
                ok = consider(cat, nub, e, out, report, ctx);
            else
                report_not_in_chain(nub, e->personality, report, ctx);
        }
    } else {
        /* Only the personalities of the classes in the nub's chain. */
        for (const OSMetaClass *m = OSObject_get_meta_class(nub); ok && m; m = m->super) {
            OSArray *orders = (OSArray *)OSDictionary_get_object(cat->index, m->name);

            for (unsigned i = 0; ok && orders && i < OSArray_get_count(orders); i++) {
                const CatEntry *e = find_order(cat, OSNumber_unsigned_32(
                                                        (OSNumber *)OSArray_get_object(orders, i)));

                if (e)
                    ok = consider(cat, nub, e, out, report, ctx);
            }
        }
    }
    if (!ok || !candidates_sort(out)) {
        lk_log("IOCatalogue: out of memory matching %s",
               IORegistryEntry_get_name(&nub->entry));
        IOMatchCandidates_free(out);
        return 0;
    }
    return out->count;
}
