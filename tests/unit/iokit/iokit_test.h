/* Helpers for the IOKit core's host unit tests: one-time setup, nubs of
 * classes made at run time (as explain-match makes them), personalities
 * written as plist XML, and matching checks that print the reason. */
#ifndef UNIT_IOKIT_TEST_H
#define UNIT_IOKIT_TEST_H

#include <stdlib.h>
#include <string.h>

#include "iokit/IOCatalogue.h"
#include "../tap.h"

/* Plist XML pieces. */
#define K(k)  "<key>" k "</key>"
#define S(s)  "<string>" s "</string>"
#define I(n)  "<integer>" #n "</integer>"
#define D(...) "<dict>" __VA_ARGS__ "</dict>"
#define A(...) "<array>" __VA_ARGS__ "</array>"
#define T     "<true/>"

/* libkern, the registry, gIOCatalogue and IOResources, once. */
static inline void iokit_test_setup(void)
{
    static bool done;

    if (done)
        return;
    if (!libkern_init() || !IORegistry_init() || !IOCatalogue_init()
        || !IOService_init_resources()) {
        printf("Bail out! IOKit setup failed\n");
        exit(1);
    }
    IOService_wait_quiet(NULL, 0);
    done = true;
}

/* Parse plist XML (+1); exits on a test bug. */
static inline OSObject *plist(const char *xml)
{
    OSPlistError err;
    OSObject *o = OSUnserializeXML(xml, strlen(xml), &err);

    if (!o) {
        printf("Bail out! test plist: %u:%u: %s\n", err.line, err.column, err.message);
        exit(1);
    }
    return o;
}

static inline OSDictionary *plist_dict(const char *xml)
{
    OSObject *o = plist(xml);
    OSDictionary *d = OSDynamicCast(OSDictionary, o);

    if (!d) {
        printf("Bail out! test plist is not a dictionary\n");
        exit(1);
    }
    return d;
}

/* The class `name`: registered, or made at run time under `super`. */
static inline OSMetaClass *test_class(const char *name, const char *super)
{
    OSMetaClass *m = OSMetaClass_get_class_with_name(name);

    if (!m)
        m = OSMetaClass_create_dynamic(name, OSMetaClass_get_class_with_name(super));
    if (!m) {
        printf("Bail out! no class %s\n", name);
        exit(1);
    }
    return m;
}

/* A nub of class cls (made under super if unknown) named name (NULL: the
 * class name), with properties from props_xml (may be NULL), attached to
 * provider (NULL: the registry root).  +1; release after detaching. */
static inline IOService *make_nub(const char *cls, const char *super, const char *name,
                                  const char *props_xml, IOService *provider)
{
    OSDictionary *props = props_xml ? plist_dict(props_xml) : NULL;
    IOService *nub = (IOService *)OSMetaClass_alloc_instance(test_class(cls, super));
    bool ok = nub && IOService_init(nub, props)
              && (!name || IORegistryEntry_set_name(&nub->entry, name))
              && (provider ? IOService_attach(nub, provider)
                           : IORegistryEntry_attach_to_parent(&nub->entry,
                                                              IORegistryEntry_get_root(),
                                                              gIOServicePlane));

    OSSafeReleaseNULL(props);
    if (!ok) {
        printf("Bail out! could not make nub %s\n", cls);
        exit(1);
    }
    return nub;
}

/* Detach nub from everything and drop the test's reference. */
static inline void drop_nub(IOService *nub)
{
    IORegistryEntry_detach_all(&nub->entry);
    OSObject_release(nub);
}

/* Set an OSData property of n little-endian bytes. */
static inline void set_data_le(IOService *nub, const char *key, uint32_t v, unsigned n)
{
    uint8_t b[4] = { (uint8_t)v, (uint8_t)(v >> 8), (uint8_t)(v >> 16), (uint8_t)(v >> 24) };
    OSData *d = OSData_with_bytes(b, n);

    IORegistryEntry_set_property(&nub->entry, key, d);
    OSObject_release(d);
}

static inline void set_num(IOService *nub, const char *key, uint64_t v, unsigned bits)
{
    OSNumber *n = OSNumber_with_value(v, bits);

    IORegistryEntry_set_property(&nub->entry, key, n);
    OSObject_release(n);
}

static inline void check_str_eq(const char *file, int line, const char *a, const char *b,
                                const char *ea)
{
    if (!a || !b || strcmp(a, b) != 0)
        tap_fail(file, line, "%s is \"%s\", want \"%s\"", ea, a ? a : "(null)",
                 b ? b : "(null)");
}
#define CHECK_STR(a, b) check_str_eq(__FILE__, __LINE__, (a), (b), #a)

static inline void check_contains(const char *file, int line, const char *hay,
                                  const char *needle, const char *ehay)
{
    if (!hay || !strstr(hay, needle))
        tap_fail(file, line, "%s is \"%s\", want it to contain \"%s\"", ehay,
                 hay ? hay : "(null)", needle);
}
#define CHECK_CONTAINS(hay, needle) check_contains(__FILE__, __LINE__, (hay), (needle), #hay)

/* Match the personality in xml against nub. */
static inline IOMatchResult match_xml(IOService *nub, const char *xml)
{
    OSDictionary *p = plist_dict(xml);
    IOMatchResult r;

    IOCatalogue_match_personality(nub, p, &r);
    OSObject_release(p);
    return r;
}

static inline void expect_match(const char *file, int line, IOService *nub, const char *xml,
                                int32_t score)
{
    IOMatchResult r = match_xml(nub, xml);

    if (!r.matched)
        tap_fail(file, line, "no match (%s: %s) for %s", r.rejected_key, r.reason, xml);
    else if (r.score != score)
        tap_fail(file, line, "score %d, want %d, for %s", (int)r.score, (int)score, xml);
}
/* The personality matches nub with this score. */
#define EXPECT_MATCH(nub, xml, score) expect_match(__FILE__, __LINE__, (nub), (xml), (score))

static inline void expect_reject(const char *file, int line, IOService *nub, const char *xml,
                                 const char *key, const char *reason_part)
{
    IOMatchResult r = match_xml(nub, xml);

    if (r.matched)
        tap_fail(file, line, "matched, want rejected on %s: %s", key, xml);
    else if (!r.rejected_key || strcmp(r.rejected_key, key) != 0)
        tap_fail(file, line, "rejected on %s (%s), want %s: %s",
                 r.rejected_key ? r.rejected_key : "(null)", r.reason, key, xml);
    else if (!strstr(r.reason, reason_part))
        tap_fail(file, line, "reason \"%s\" lacks \"%s\"", r.reason, reason_part);
}
/* The personality is rejected on key, with reason_part in the reason. */
#define EXPECT_REJECT(nub, xml, key, reason_part) \
    expect_reject(__FILE__, __LINE__, (nub), (xml), (key), (reason_part))

#endif
