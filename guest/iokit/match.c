/* Passive matching: one personality (or matching dictionary) against one
 * nub, key by key, as xnu's IOService::matchPassive / matchInternal,
 * compareNames and compareProperty do it.  docs/matching.md states every
 * rule; the families' keys are in match_pci.c and match_usb.c.
 *
 * Order (IOCatalogue.h): IOProviderClass, the family keys, IONameMatch,
 * IOPropertyMatch, IOPropertyExistsMatch, IOResourceMatch, IOLocationMatch,
 * IOPathMatch, IOMatchedServiceCountMatch, IORegistryEntryID,
 * IOParentMatch.  The first key that fails is the one reported.  Keys that
 * are not matching keys are properties for the driver and are ignored. */
#include <stdarg.h>

#include <libkern/platform.h>

#include "iokit_internal.h"

/* The generic matching keys (the first MK_GENERIC of match_keys).  As in
 * xnu, a table made only of these (a user's matching dictionary such as
 * { IOProviderClass: IOUSBHostDevice }) is not given to the family's
 * match_property_table; a personality always has other keys (IOClass,
 * CFBundleIdentifier), so the family sees it. */
enum {
    MK_PROVIDER, MK_NAME, MK_PROPERTY, MK_EXISTS, MK_RESOURCE, MK_LOCATION, MK_PATH,
    MK_PARENT, MK_SERVICE_COUNT, MK_ID,
    MK_GENERIC,                         /* the count of generic keys */
    MK_PROBE_SCORE = MK_GENERIC,
    MK_CATEGORY,
    MK_COUNT
};
static const char *const match_keys[MK_COUNT] = {
    kIOProviderClassKey, kIONameMatchKey, kIOPropertyMatchKey,
    kIOPropertyExistsMatchKey, kIOResourceMatchKey, kIOLocationMatchKey,
    kIOPathMatchKey, kIOParentMatchKey, kIOMatchedServiceCountKey,
    kIORegistryEntryIDKey, kIOProbeScoreKey, kIOMatchCategoryKey,
};
/* Their symbols, made on first use and kept, so a lookup does not hash
 * the key's text (matching tests thousands of personalities per nub). */
static const OSSymbol *g_key_syms[MK_COUNT];

static OSObject *key_get(const OSDictionary *t, unsigned k)
{
    if (!g_key_syms[k])
        g_key_syms[k] = OSSymbol_with_cstring(match_keys[k]);
    return g_key_syms[k] ? OSDictionary_get_object_sym(t, g_key_syms[k])
                         : OSDictionary_get_object(t, match_keys[k]);
}

/* --- Helpers ------------------------------------------------------------ */

void iokit_describe_value(const void *value, char *buf, size_t size)
{
    const OSString *s;
    const OSNumber *n;
    const OSBoolean *b;
    const OSData *d;

    if (!buf || !size)
        return;
    if (!value) {
        snprintf(buf, size, "(none)");
    } else if ((s = OSDynamicCast(OSString, value))) {
        snprintf(buf, size, "\"%s\"", OSString_get_cstring(s));
    } else if ((n = OSDynamicCast(OSNumber, value))) {
        if (OSNumber_is_real(n))
            snprintf(buf, size, "%s", OSNumber_get_real_text(n));
        else if (n->is_signed && OSNumber_signed_64(n) < 0)
            snprintf(buf, size, "%lld", (long long)OSNumber_signed_64(n));
        else if (OSNumber_unsigned_64(n) < 10)
            snprintf(buf, size, "%llu", (unsigned long long)OSNumber_unsigned_64(n));
        else
            snprintf(buf, size, "0x%llx", (unsigned long long)OSNumber_unsigned_64(n));
    } else if ((b = OSDynamicCast(OSBoolean, value))) {
        snprintf(buf, size, "%s", OSBoolean_get_value(b) ? "true" : "false");
    } else if ((d = OSDynamicCast(OSData, value))) {
        const uint8_t *bytes = OSData_get_bytes(d);
        size_t len = OSData_get_length(d), pos;

        pos = (size_t)snprintf(buf, size, "<");
        for (size_t i = 0; i < len && i < 8 && pos < size; i++)
            pos += (size_t)snprintf(buf + pos, size - pos, "%02x", bytes[i]);
        if (pos < size)
            snprintf(buf + pos, size - pos, "%s>", len > 8 ? "..." : "");
    } else {
        snprintf(buf, size, "<%s>", OSObject_get_class_name(value));
    }
}

bool IOMatch_reject(const char **rej, char *reason, size_t rsize, const char *key,
                    const char *fmt, ...)
{
    va_list ap;

    *rej = key;
    if (reason && rsize) {
        va_start(ap, fmt);
        vsnprintf(reason, rsize, fmt, ap);
        va_end(ap);
    }
    return false;
}


/* Property equality for matching: numbers by value (whatever their
 * width), everything else as OSObject_is_equal_to. */
static bool values_equal(const OSObject *want, const OSObject *have)
{
    const OSNumber *a = OSDynamicCast(OSNumber, want), *b = OSDynamicCast(OSNumber, have);

    if (a && b && !OSNumber_is_real(a) && !OSNumber_is_real(b))
        return OSNumber_unsigned_64(a) == OSNumber_unsigned_64(b);
    return OSObject_is_equal_to(want, have);
}

/* Each string of `list` (an OSString, or an OSArray / OSSet of them) in
 * turn: fn(item, ctx) until it returns true.  *bad is set when list holds
 * something else.  Returns whether fn returned true. */
static bool any_string(const OSObject *list, bool (*fn)(const OSString *, void *),
                       void *ctx, bool *bad)
{
    const OSArray *a;
    const OSSet *set;
    const OSString *s;

    *bad = false;
    if ((s = OSDynamicCast(OSString, list)))
        return fn(s, ctx);
    if ((a = OSDynamicCast(OSArray, list))) {
        for (unsigned i = 0; i < OSArray_get_count(a); i++) {
            if (!(s = OSDynamicCast(OSString, OSArray_get_object(a, i))))
                *bad = true;
            else if (fn(s, ctx))
                return true;
        }
        return false;
    }
    if ((set = OSDynamicCast(OSSet, list))) {
        for (unsigned i = 0; i < OSSet_get_count(set); i++) {
            if (!(s = OSDynamicCast(OSString, OSSet_get_object_at(set, i))))
                *bad = true;
            else if (fn(s, ctx))
                return true;
        }
        return false;
    }
    *bad = true;
    return false;
}

/* --- Names -------------------------------------------------------------- */

/* Is name one of the nub's "compatible" names: an OSData of NUL-separated
 * strings (as device trees have them), an OSString, or an OSArray of
 * strings? */
static bool compatible_has(IOService *nub, const OSString *name)
{
    OSObject *compat = IORegistryEntry_get_property(&nub->entry, kIOCompatibleKey);
    const char *want = OSString_get_cstring(name);
    size_t want_len = OSString_get_length(name);
    const OSData *d;
    const OSString *s;
    const OSArray *a;

    if ((d = OSDynamicCast(OSData, compat))) {
        const char *p = OSData_get_bytes(d), *end = p + OSData_get_length(d);

        while (p && p < end) {
            const char *q = p;

            while (q < end && *q)
                q++;
            if ((size_t)(q - p) == want_len && memcmp(p, want, want_len) == 0)
                return true;
            p = q + 1;
        }
        return false;
    }
    if ((s = OSDynamicCast(OSString, compat)))
        return strcmp(OSString_get_cstring(s), want) == 0;
    if ((a = OSDynamicCast(OSArray, compat))) {
        for (unsigned i = 0; i < OSArray_get_count(a); i++) {
            s = OSDynamicCast(OSString, OSArray_get_object(a, i));
            if (s && strcmp(OSString_get_cstring(s), want) == 0)
                return true;
        }
    }
    return false;
}

struct name_ctx {
    IOService *nub;
    const OSString *matched;
};

static bool name_matches(const OSString *name, void *arg)
{
    struct name_ctx *ctx = arg;

    if (strcmp(IORegistryEntry_get_name(&ctx->nub->entry), OSString_get_cstring(name)) == 0
        || compatible_has(ctx->nub, name)) {
        ctx->matched = name;
        return true;
    }
    return false;
}

bool IOMatch_compare_names(IOService *nub, const OSObject *names, const OSString **matched)
{
    struct name_ctx ctx = { nub, NULL };
    bool bad;
    bool ok = nub && any_string(names, name_matches, &ctx, &bad);

    if (matched)
        *matched = ctx.matched;
    return ok;
}

/* --- Categories --------------------------------------------------------- */

/* Interned categories: each symbol is kept for the life of the system so
 * results can borrow it. */
static OSDictionary *g_categories;

const OSSymbol *IOMatch_category_of(const OSDictionary *personality)
{
    OSString *s = personality ? OSDynamicCast(OSString, key_get(personality, MK_CATEGORY))
                              : NULL;
    const OSSymbol *sym = OSSymbol_with_cstring(s ? OSString_get_cstring(s)
                                                  : kIODefaultMatchCategoryKey);
    bool kept;

    if (!sym)
        return NULL;
    if (!g_categories)
        g_categories = OSDictionary_with_capacity(8);
    kept = g_categories && (OSDictionary_get_object_sym(g_categories, sym)
                            || OSDictionary_set_object_sym(g_categories, sym, sym));
    OSObject_release(sym);
    return kept ? sym : NULL;
}

/* --- The generic keys --------------------------------------------------- */

static bool match_table(IOService *nub, OSDictionary *t, int32_t *score,
                        const char **rej, char *reason, size_t rsize, unsigned nesting);

/* IOPropertyMatch, one dictionary: every key's value equals the nub's. */
static bool property_dict_matches(IOService *nub, const OSDictionary *want,
                                  const OSSymbol **bad_key)
{
    for (unsigned i = 0; i < OSDictionary_get_count(want); i++) {
        const OSSymbol *key = OSDictionary_get_key_at(want, i);
        OSDictionary *props = IORegistryEntry_get_property_table(&nub->entry);
        OSObject *have = props ? OSDictionary_get_object_sym(props, key) : NULL;

        if (!have || !values_equal(OSDictionary_get_value_at(want, i), have)) {
            *bad_key = key;
            return false;
        }
    }
    return true;
}

static bool match_property_match(IOService *nub, const OSObject *v, const char **rej,
                                 char *reason, size_t rsize)
{
    const OSDictionary *d = OSDynamicCast(OSDictionary, v);
    const OSArray *a = OSDynamicCast(OSArray, v);
    const OSSymbol *bad = NULL, *first_bad = NULL;
    unsigned n = 0;
    char want[64], have[64];

    if (d) {
        if (property_dict_matches(nub, d, &bad))
            return true;
        first_bad = bad;
    } else if (a) {
        for (unsigned i = 0; i < OSArray_get_count(a); i++) {
            if (!(d = OSDynamicCast(OSDictionary, OSArray_get_object(a, i))))
                continue;
            n++;
            if (property_dict_matches(nub, d, &bad))
                return true;
            if (!first_bad) {
                first_bad = bad;
                v = (const OSObject *)d;
            }
        }
        d = OSDynamicCast(OSDictionary, v);
    }
    if (!d || !first_bad)
        return IOMatch_reject(rej, reason, rsize, kIOPropertyMatchKey,
                      "IOPropertyMatch must be a dictionary or an array of dictionaries");
    if (!reason)        /* no words wanted: skip describing the values */
        return IOMatch_reject(rej, NULL, 0, kIOPropertyMatchKey, "%s", "");
    iokit_describe_value(OSDictionary_get_object_sym(d, first_bad), want, sizeof(want));
    iokit_describe_value(IORegistryEntry_get_property(&nub->entry,
                                                      OSSymbol_get_cstring(first_bad)),
                         have, sizeof(have));
    if (n > 1)
        return IOMatch_reject(rej, reason, rsize, kIOPropertyMatchKey,
                      "IOPropertyMatch: none of the %u dictionaries matches (the first "
                      "wants \"%s\" = %s, the nub has %s)",
                      n, OSSymbol_get_cstring(first_bad), want, have);
    return IOMatch_reject(rej, reason, rsize, kIOPropertyMatchKey,
                  "IOPropertyMatch wants \"%s\" = %s, the nub has %s",
                  OSSymbol_get_cstring(first_bad), want, have);
}

static bool property_exists(const OSString *key, void *arg)
{
    return IORegistryEntry_get_property(arg, OSString_get_cstring(key)) != NULL;
}

static bool resource_missing(const OSString *key, void *arg)
{
    const OSString **missing = arg;

    if (IORegistryEntry_get_property((IORegistryEntry *)IOService_get_resource_service(),
                                     OSString_get_cstring(key)))
        return false;
    *missing = key;
    return true;
}

/* IOMatchedServiceCountMatch: active clients of nub with an
 * IOMatchCategory. */
static unsigned matched_client_count(IOService *nub)
{
    OSArray *kids = IORegistryEntry_get_child_array(&nub->entry, gIOServicePlane);
    unsigned n = 0;

    for (unsigned i = 0; kids && i < OSArray_get_count(kids); i++) {
        IOService *c = OSDynamicCast(IOService, OSArray_get_object(kids, i));

        if (c && !IOService_is_inactive(c)
            && IORegistryEntry_get_property(&c->entry, kIOMatchCategoryKey))
            n++;
    }
    return n;
}

static bool match_parent(IOService *nub, OSObject *v, const char **rej, char *reason,
                         size_t rsize, unsigned nesting)
{
    OSDictionary *pt = OSDynamicCast(OSDictionary, v);
    const char *first_key = NULL;
    unsigned depth = 0;

    if (!pt)
        return IOMatch_reject(rej, reason, rsize, kIOParentMatchKey,
                      "IOParentMatch must be a dictionary");
    if (nesting >= IOKIT_MAX_PARENT_MATCH_NESTING)
        return IOMatch_reject(rej, reason, rsize, kIOParentMatchKey,
                      "IOParentMatch nested more than %d deep", IOKIT_MAX_PARENT_MATCH_NESTING);
    /* As xnu: the nub's providers up to the root, not the nub itself. */
    for (IOService *p = nub->provider; p && depth <= IOKIT_MAX_DEPTH; p = p->provider, depth++) {
        int32_t ignored = 0;
        const char *key = NULL;

        if (match_table(p, pt, &ignored, &key, NULL, 0, nesting + 1))
            return true;
        if (!first_key)
            first_key = key;
    }
    if (!nub->provider)
        return IOMatch_reject(rej, reason, rsize, kIOParentMatchKey,
                      "IOParentMatch: the nub has no provider");
    return IOMatch_reject(rej, reason, rsize, kIOParentMatchKey,
                  "IOParentMatch: no provider up to the root matches (the nub's "
                  "provider %s fails on %s)",
                  IORegistryEntry_get_name(&nub->provider->entry),
                  first_key ? first_key : "?");
}

/* How many of the generic keys t has. */
/* One pass over t's keys: vals[k] for each generic matching key t has
 * (pointer compares against the interned key symbols, instead of a dozen
 * lookups of keys a personality mostly lacks); returns how many it has. */
static unsigned collect_keys(const OSDictionary *t, OSObject *vals[MK_GENERIC])
{
    unsigned n = 0, count = OSDictionary_get_count(t);
    bool syms = true;

    for (unsigned k = 0; k < MK_GENERIC; k++) {
        vals[k] = NULL;
        if (!g_key_syms[k])
            g_key_syms[k] = OSSymbol_with_cstring(match_keys[k]);
        syms = syms && g_key_syms[k];
    }
    if (!syms) {            /* out of memory for a symbol: look each up */
        for (unsigned k = 0; k < MK_GENERIC; k++)
            n += (vals[k] = key_get(t, k)) != NULL;
        return n;
    }
    for (unsigned i = 0; i < count; i++) {
        const OSSymbol *key = OSDictionary_get_key_at(t, i);

        for (unsigned k = 0; k < MK_GENERIC; k++) {
            if (key == g_key_syms[k]) {
                vals[k] = OSDictionary_get_value_at(t, i);
                n++;
                break;
            }
        }
    }
    return n;
}

static bool match_table(IOService *nub, OSDictionary *t, int32_t *score,
                        const char **rej, char *reason, size_t rsize, unsigned nesting)
{
    OSObject *v, *vals[MK_GENERIC];
    const OSString *s;
    const OSNumber *num;
    char desc[64];
    bool bad;
    unsigned generic = collect_keys(t, vals);

    /* IOProviderClass: a class in the nub's chain, by name. */
    if ((v = vals[MK_PROVIDER])) {
        if (!(s = OSDynamicCast(OSString, v)))
            return IOMatch_reject(rej, reason, rsize, kIOProviderClassKey,
                          "IOProviderClass must be a string");
        if (!iokit_class_chain_has(nub, OSString_get_cstring(s)))
            return IOMatch_reject(rej, reason, rsize, kIOProviderClassKey,
                          "%s is not in the class chain of the nub, a %s", OSString_get_cstring(s),
                          OSObject_get_class_name(nub));
    }

    /* The family's keys, unless every key of t is a generic one. */
    if (generic < OSDictionary_get_count(t)) {
        const char *key = NULL;

        if (!IOService_match_property_table(nub, t, score, &key, reason, rsize)) {
            if (!key) {
                key = kIOProviderClassKey;
                if (reason && rsize && !reason[0])
                    snprintf(reason, rsize, "the %s family refused the personality",
                             OSObject_get_class_name(nub));
            }
            *rej = key;
            return false;
        }
    }

    if ((v = vals[MK_NAME])) {
        if (!IOMatch_compare_names(nub, v, NULL)) {
            iokit_describe_value(v, desc, sizeof(desc));
            any_string(v, name_matches, &(struct name_ctx){ nub, NULL }, &bad);
            if (bad)
                return IOMatch_reject(rej, reason, rsize, kIONameMatchKey,
                              "IONameMatch must be a string or an array of strings");
            return IOMatch_reject(rej, reason, rsize, kIONameMatchKey,
                          "IONameMatch %s: the nub is named \"%s\"%s", desc,
                          IORegistryEntry_get_name(&nub->entry),
                          IORegistryEntry_get_property(&nub->entry, kIOCompatibleKey)
                              ? " and no compatible name matches" : "");
        }
    }

    if ((v = vals[MK_PROPERTY])
        && !match_property_match(nub, v, rej, reason, rsize))
        return false;

    /* IOPropertyExistsMatch: any one of the named properties (as xnu). */
    if ((v = vals[MK_EXISTS])
        && !any_string(v, property_exists, &nub->entry, &bad)) {
        iokit_describe_value(v, desc, sizeof(desc));
        if (bad && !OSDynamicCast(OSArray, v) && !OSDynamicCast(OSSet, v))
            return IOMatch_reject(rej, reason, rsize, kIOPropertyExistsMatchKey,
                          "IOPropertyExistsMatch must be a string or an array of strings");
        return IOMatch_reject(rej, reason, rsize, kIOPropertyExistsMatchKey,
                      "IOPropertyExistsMatch %s: the nub has no such property", desc);
    }

    /* IOResourceMatch: every named resource published on IOResources. */
    if ((v = vals[MK_RESOURCE])) {
        const OSString *missing = NULL;

        if (any_string(v, resource_missing, &missing, &bad))
            return IOMatch_reject(rej, reason, rsize, kIOResourceMatchKey,
                          "IOResourceMatch: resource \"%s\" is not published",
                          OSString_get_cstring(missing));
        if (bad)
            return IOMatch_reject(rej, reason, rsize, kIOResourceMatchKey,
                          "IOResourceMatch must be a string or an array of strings");
    }

    if ((v = vals[MK_LOCATION])) {
        const char *loc = IORegistryEntry_get_location(&nub->entry);

        if (!(s = OSDynamicCast(OSString, v)))
            return IOMatch_reject(rej, reason, rsize, kIOLocationMatchKey,
                          "IOLocationMatch must be a string (the dictionary form is "
                          "not supported)");
        if (!loc || strcmp(loc, OSString_get_cstring(s)) != 0)
            return IOMatch_reject(rej, reason, rsize, kIOLocationMatchKey,
                          "IOLocationMatch \"%s\": the nub's location is %s%s%s",
                          OSString_get_cstring(s), loc ? "\"" : "", loc ? loc : "(none)",
                          loc ? "\"" : "");
    }

    if ((v = vals[MK_PATH])) {
        IORegistryEntry *e;
        bool same;

        if (!(s = OSDynamicCast(OSString, v)))
            return IOMatch_reject(rej, reason, rsize, kIOPathMatchKey, "IOPathMatch must be a string");
        e = IORegistryEntry_from_path(OSString_get_cstring(s), gIOServicePlane);
        same = e == &nub->entry;
        if (e)
            OSObject_release(e);
        if (!same)
            return IOMatch_reject(rej, reason, rsize, kIOPathMatchKey, "IOPathMatch \"%s\" names %s",
                          OSString_get_cstring(s), e ? "another entry" : "no entry");
    }

    if ((v = vals[MK_SERVICE_COUNT])) {
        if (!(num = OSDynamicCast(OSNumber, v)))
            return IOMatch_reject(rej, reason, rsize, kIOMatchedServiceCountKey,
                          "IOMatchedServiceCountMatch must be a number");
        if (matched_client_count(nub) != OSNumber_unsigned_64(num))
            return IOMatch_reject(rej, reason, rsize, kIOMatchedServiceCountKey,
                          "IOMatchedServiceCountMatch %llu: the nub has %u matched clients",
                          (unsigned long long)OSNumber_unsigned_64(num),
                          matched_client_count(nub));
    }

    if ((v = vals[MK_ID])) {
        if (!(num = OSDynamicCast(OSNumber, v)))
            return IOMatch_reject(rej, reason, rsize, kIORegistryEntryIDKey,
                          "IORegistryEntryID must be a number");
        if (OSNumber_unsigned_64(num) != nub->entry.registry_id)
            return IOMatch_reject(rej, reason, rsize, kIORegistryEntryIDKey,
                          "IORegistryEntryID 0x%llx: the nub's is 0x%llx",
                          (unsigned long long)OSNumber_unsigned_64(num),
                          (unsigned long long)nub->entry.registry_id);
    }

    if ((v = vals[MK_PARENT])
        && !match_parent(nub, v, rej, reason, rsize, nesting))
        return false;
    return true;
}

bool IOMatch_personality(IOService *nub, OSDictionary *personality, IOMatchResult *r,
                         bool explain)
{
    OSNumber *probe;

    r->matched = false;
    r->rejected_key = NULL;
    r->reason[0] = '\0';
    r->score = 0;
    r->category = NULL;
    if (!OSDynamicCast(IOService, nub) || !OSDynamicCast(OSDictionary, personality)) {
        r->rejected_key = kIOProviderClassKey;
        snprintf(r->reason, sizeof(r->reason), "no nub or no personality");
        return false;
    }
    if ((probe = OSDynamicCast(OSNumber, key_get(personality, MK_PROBE_SCORE))))
        r->score = (int32_t)OSNumber_signed_64(probe);
    /* The reason is words for people; matching for the kernel skips them. */
    r->matched = match_table(nub, personality, &r->score, &r->rejected_key,
                             explain ? r->reason : NULL,
                             explain ? sizeof(r->reason) : 0, 0);
    if (r->matched) {
        r->rejected_key = NULL;
        r->reason[0] = '\0';
    }
    if (r->matched || explain)
        r->category = IOMatch_category_of(personality);
    return r->matched;
}

bool IOCatalogue_match_personality(IOService *nub, OSDictionary *personality,
                                   IOMatchResult *r)
{
    IOMatchResult scratch;

    return IOMatch_personality(nub, personality, r ? r : &scratch, true);
}
