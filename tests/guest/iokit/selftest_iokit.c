/* In-kernel IOKit tests: matching and the driver lifecycle with the
 * virtual test drivers (testdrivers.h, TestDrivers.kext/Info.plist) on
 * nubs the tests create, run by the real matching thread. */
#include <string.h>

#include "iokit/IOCatalogue.h"
#include "iokit/IOKitKernel.h"
#include "kern/kernel.h"
#include "kern/selftest.h"
#include "testdrivers.h"

#define QUIET_MS 5000

/* A registered IOTestNub of the given test-kind under the root (+1), or
 * NULL. */
static IOService *make_nub(const char *kind)
{
    OSDictionary *props = OSDictionary_with_capacity(2);
    OSString *k = OSString_with_cstring(kind);
    IOService *nub = (IOService *)OSMetaClass_alloc_instance(OSTypeID(IOTestNub));
    bool ok = props && k && nub && OSDictionary_set_object(props, "test-kind", k) &&
              IORegistryEntry_init(&nub->entry, props) &&
              IORegistryEntry_attach_to_parent(&nub->entry, IORegistryEntry_get_root(),
                                               gIOServicePlane);
    OSSafeReleaseNULL(props);
    OSSafeReleaseNULL(k);
    if (!ok) {
        OSSafeReleaseNULL(nub);
        return NULL;
    }
    IOService_register_service(nub);
    return nub;
}

/* Terminate nub, wait for it, detach it from the root and drop our
 * reference. */
static IOReturn drop_nub(IOService *nub)
{
    IOService_terminate(nub);
    IOReturn r = IOService_wait_quiet(nub, QUIET_MS);
    IORegistryEntry_detach_from_parent(&nub->entry, IORegistryEntry_get_root(),
                                       gIOServicePlane);
    OSObject_release(nub);
    return r;
}

/* The started clients of nub: how many, and the personality of the first
 * one (or of the one in category when category is not NULL). */
static unsigned started_clients(IOService *nub, const char **personality)
{
    OSArray *kids = IORegistryEntry_get_child_array(&nub->entry, gIOServicePlane);
    unsigned n = 0;

    *personality = NULL;
    for (unsigned i = 0; kids && i < OSArray_get_count(kids); i++) {
        IOTestDriver *d = OSDynamicCast(IOTestDriver, OSArray_get_object(kids, i));
        if (!d || !d->started)
            continue;
        OSString *p = OSDynamicCast(OSString,
            IORegistryEntry_get_property(&d->service.entry, kIOPersonalityNameKey));
        if (!n && p)
            *personality = OSString_get_cstring(p);
        n++;
    }
    return n;
}

/* Take a bundle's personalities out of the catalogue again; how many. */
static unsigned remove_bundle(const char *bundle_id)
{
    OSDictionary *m = OSDictionary_with_capacity(1);
    OSString *id = OSString_with_cstring(bundle_id);
    unsigned n = 0;

    if (m && id && OSDictionary_set_object(m, kCFBundleIdentifierKey, id))
        n = IOCatalogue_remove_drivers(gIOCatalogue, m);
    OSSafeReleaseNULL(id);
    OSSafeReleaseNULL(m);
    return n;
}

static bool is(const char *a, const char *b)
{
    return a && b && strcmp(a, b) == 0;
}

SELFTEST(iokit_boot, "iokit.boot_registry_and_catalogue")
{
    IORegistryEntry *res = IORegistryEntry_from_path("IOService:/IOResources", NULL);
    ST_CHECK(res != NULL);
    ST_CHECK(OSDynamicCast(IOResources, res) != NULL);
    ST_CHECK(IORegistryEntry_get_property(res, "IOKit") == (OSObject *)kOSBooleanTrue);
    OSObject_release(res);
    /* Every personality of the test bundle was loaded at boot. */
    ST_CHECK(iokit_boot_bundles >= 1);
    ST_CHECK(iokit_boot_personalities >= 13);
    ST_CHECK(IOCatalogue_get_count(gIOCatalogue) >= 13);
    ST_CHECK(OSMetaClass_get_class_with_name("IOTestVendorDriver") != NULL);
}

SELFTEST(iokit_vendor, "iokit.generic_vs_vendor_higher_score_wins")
{
    size_t entries = IORegistry_entry_count();
    OSDictionary *props = OSDictionary_with_capacity(1);
    OSNumber *vendor = OSNumber_with_value(0x1234, 32);
    const char *who;

    iotest_log_reset();
    IOService *nub = make_nub("generic-vendor");
    ST_CHECK(nub != NULL);
    ST_CHECK_EQ(IOService_wait_quiet(nub, QUIET_MS), kIOReturnSuccess);
    /* Without test-vendor only the generic personality matches. */
    ST_CHECK_EQ(started_clients(nub, &who), 1);
    ST_CHECK(is(who, "Generic"));
    ST_CHECK_EQ(drop_nub(nub), kIOReturnSuccess);

    /* With it, the vendor personality (2000) outranks the generic (1000). */
    nub = (IOService *)OSMetaClass_alloc_instance(OSTypeID(IOTestNub));
    OSString *k = OSString_with_cstring("generic-vendor");
    ST_CHECK(nub && props && vendor && k);
    OSDictionary_set_object(props, "test-kind", k);
    OSDictionary_set_object(props, "test-vendor", vendor);
    OSObject_release(k);
    OSObject_release(vendor);
    ST_CHECK(IORegistryEntry_init(&nub->entry, props));
    OSObject_release(props);
    ST_CHECK(IORegistryEntry_attach_to_parent(&nub->entry, IORegistryEntry_get_root(),
                                              gIOServicePlane));
    iotest_log_reset();
    IOService_register_service(nub);
    ST_CHECK_EQ(IOService_wait_quiet(nub, QUIET_MS), kIOReturnSuccess);
    ST_CHECK_EQ(started_clients(nub, &who), 1);
    ST_CHECK(is(who, "Vendor"));
    IOService *drv = (IOService *)OSArray_get_object(
        IORegistryEntry_get_child_array(&nub->entry, gIOServicePlane), 0);
    ST_CHECK(OSDynamicCast(IOTestVendorDriver, drv) != NULL);
    /* The loser was never started. */
    ST_CHECK(iotest_log_find("start", "Generic", 0) < 0);
    ST_CHECK_EQ(drop_nub(nub), kIOReturnSuccess);
    ST_CHECK_EQ(IORegistry_entry_count(), entries);
}

SELFTEST(iokit_tie, "iokit.equal_scores_catalogue_order")
{
    const char *who;

    iotest_log_reset();
    IOService *nub = make_nub("tie");
    ST_CHECK(nub != NULL);
    ST_CHECK_EQ(IOService_wait_quiet(nub, QUIET_MS), kIOReturnSuccess);
    ST_CHECK_EQ(started_clients(nub, &who), 1);
    /* Equal IOProbeScore: the personality first in the catalogue wins. */
    ST_CHECK(is(who, "TieFirst"));
    ST_CHECK(iotest_log_find("start", "TieSecond", 0) < 0);
    ST_CHECK_EQ(drop_nub(nub), kIOReturnSuccess);
}

SELFTEST(iokit_probe, "iokit.probe_lowers_score")
{
    const char *who;

    iotest_log_reset();
    IOService *nub = make_nub("probe");
    ST_CHECK(nub != NULL);
    ST_CHECK_EQ(IOService_wait_quiet(nub, QUIET_MS), kIOReturnSuccess);
    /* Both probed; ProbeLow (900 passive, 100 after probe) loses. */
    ST_CHECK(iotest_log_find("probe", "ProbeLow", 0) >= 0);
    ST_CHECK(iotest_log_find("probe", "ProbeSteady", 0) >= 0);
    ST_CHECK_EQ(started_clients(nub, &who), 1);
    ST_CHECK(is(who, "ProbeSteady"));
    ST_CHECK(iotest_log_find("start", "ProbeLow", 0) < 0);
    IOService *drv = (IOService *)OSArray_get_object(
        IORegistryEntry_get_child_array(&nub->entry, gIOServicePlane), 0);
    OSNumber *score = OSDynamicCast(OSNumber,
        IORegistryEntry_get_property(&drv->entry, kIOProbeScoreKey));
    ST_CHECK(score && OSNumber_signed_64(score) == 500);
    ST_CHECK_EQ(drop_nub(nub), kIOReturnSuccess);
}

SELFTEST(iokit_fallback, "iokit.start_failure_falls_through")
{
    const char *who;
    uint32_t before = OSMetaClass_get_instance_count(OSTypeID(IOTestDriver));

    iotest_log_reset();
    IOService *nub = make_nub("start-fail");
    ST_CHECK(nub != NULL);
    ST_CHECK_EQ(IOService_wait_quiet(nub, QUIET_MS), kIOReturnSuccess);
    int failed = iotest_log_find("start", "FailStart", 0);
    int fallback = iotest_log_find("start", "Fallback", 0);
    ST_CHECK(failed >= 0 && fallback > failed);
    ST_CHECK_EQ(started_clients(nub, &who), 1);
    ST_CHECK(is(who, "Fallback"));
    /* The failed instance is detached and freed: only one client left. */
    ST_CHECK_EQ(OSArray_get_count(IORegistryEntry_get_child_array(&nub->entry,
                                                                  gIOServicePlane)), 1);
    ST_CHECK_EQ(OSMetaClass_get_instance_count(OSTypeID(IOTestDriver)), before + 1);
    ST_CHECK_EQ(drop_nub(nub), kIOReturnSuccess);
    ST_CHECK_EQ(OSMetaClass_get_instance_count(OSTypeID(IOTestDriver)), before);
}

SELFTEST(iokit_categories, "iokit.two_match_categories_both_start")
{
    const char *who;

    iotest_log_reset();
    IOService *nub = make_nub("categories");
    ST_CHECK(nub != NULL);
    ST_CHECK_EQ(IOService_wait_quiet(nub, QUIET_MS), kIOReturnSuccess);
    ST_CHECK_EQ(started_clients(nub, &who), 2);
    ST_CHECK(iotest_log_find("start", "CategoryA", 0) >= 0);
    ST_CHECK(iotest_log_find("start", "CategoryB", 0) >= 0);
    /* Matching again does not start a second driver in a held category. */
    IOService_register_service(nub);
    ST_CHECK_EQ(IOService_wait_quiet(nub, QUIET_MS), kIOReturnSuccess);
    ST_CHECK_EQ(started_clients(nub, &who), 2);
    ST_CHECK_EQ(drop_nub(nub), kIOReturnSuccess);
}

SELFTEST(iokit_terminate, "iokit.terminate_walks_subtree")
{
    size_t entries = IORegistry_entry_count();
    const char *who;

    iotest_log_reset();
    IOService *nub = make_nub("bus");
    ST_CHECK(nub != NULL);
    ST_CHECK_EQ(IOService_wait_quiet(nub, QUIET_MS), kIOReturnSuccess);
    /* nub -> Bus driver -> 2 leaf nubs -> a Leaf driver each: 6 entries. */
    ST_CHECK_EQ(IORegistry_entry_count(), entries + 6);
    ST_CHECK_EQ(started_clients(nub, &who), 1);
    ST_CHECK(is(who, "Bus"));
    int first_leaf = iotest_log_find("start", "Leaf", 0);
    ST_CHECK(first_leaf >= 0 && iotest_log_find("start", "Leaf", first_leaf + 1) > 0);
    IOService *bus = (IOService *)OSArray_get_object(
        IORegistryEntry_get_child_array(&nub->entry, gIOServicePlane), 0);
    char path[IO_REGISTRY_PATH_MAX];
    OSArray *leaves = IORegistryEntry_get_child_array(&bus->entry, gIOServicePlane);
    ST_CHECK(leaves && OSArray_get_count(leaves) == 2);
    IORegistryEntry *leaf0 = (IORegistryEntry *)OSArray_get_object(leaves, 0);
    ST_CHECK(IORegistryEntry_get_path(leaf0, gIOServicePlane, path, sizeof(path)));
    IORegistryEntry *found = IORegistryEntry_from_path(path, NULL);
    ST_CHECK(found == leaf0);
    OSSafeReleaseNULL(found);

    unsigned mark = iotest_log_count;
    ST_CHECK(IOService_terminate(nub));
    ST_CHECK(IOService_is_inactive(nub));
    ST_CHECK_EQ(IOService_wait_quiet(nub, QUIET_MS), kIOReturnSuccess);
    /* Bottom-up: both leaf drivers stop before the bus driver. */
    int l1 = iotest_log_find("stop", "Leaf", mark);
    int l2 = l1 >= 0 ? iotest_log_find("stop", "Leaf", (unsigned)l1 + 1) : -1;
    int b = iotest_log_find("stop", "Bus", mark);
    ST_CHECK(l1 >= 0 && l2 >= 0 && b > l2);
    ST_CHECK(IOService_terminate(nub) == false);
    IORegistryEntry_detach_from_parent(&nub->entry, IORegistryEntry_get_root(),
                                       gIOServicePlane);
    OSObject_release(nub);
    ST_CHECK_EQ(IORegistry_entry_count(), entries);
}

SELFTEST(iokit_rematch, "iokit.rematch_after_personality_added")
{
    static const char plist[] =
        "<array><dict>"
        "<key>CFBundleIdentifier</key><string>org.dextbed.test.Late</string>"
        "<key>IOPersonalityName</key><string>Late</string>"
        "<key>IOClass</key><string>IOTestDriver</string>"
        "<key>IOProviderClass</key><string>IOTestNub</string>"
        "<key>IOPropertyMatch</key><dict><key>test-kind</key><string>late</string></dict>"
        "</dict></array>";
    const char *who;

    iotest_log_reset();
    IOService *nub = make_nub("late");
    ST_CHECK(nub != NULL);
    ST_CHECK_EQ(IOService_wait_quiet(nub, QUIET_MS), kIOReturnSuccess);
    ST_CHECK_EQ(started_clients(nub, &who), 0);

    OSPlistError err;
    OSArray *pers = OSDynamicCast(OSArray, OSUnserializeXML(plist, sizeof(plist) - 1, &err));
    ST_CHECK(pers != NULL);
    ST_CHECK_EQ(IOCatalogue_add_drivers(gIOCatalogue, pers, true), kIOReturnSuccess);
    OSObject_release(pers);
    ST_CHECK_EQ(IOService_wait_quiet(nub, QUIET_MS), kIOReturnSuccess);
    ST_CHECK_EQ(started_clients(nub, &who), 1);
    ST_CHECK(is(who, "Late"));
    ST_CHECK_EQ(drop_nub(nub), kIOReturnSuccess);

    ST_CHECK_EQ(remove_bundle("org.dextbed.test.Late"), 1);
}

SELFTEST(iokit_resource, "iokit.resource_match_after_publish")
{
    IOService *res = IOService_get_resource_service();
    OSArray *kids;
    bool found = false;

    iotest_log_reset();
    ST_CHECK(iotest_log_find("start", "Resource", 0) < 0);
    ST_CHECK(IOService_publish_resource("IOTestResource", kOSBooleanTrue));
    ST_CHECK_EQ(IOService_wait_quiet(res, QUIET_MS), kIOReturnSuccess);
    ST_CHECK(iotest_log_find("start", "Resource", 0) >= 0);
    kids = IORegistryEntry_get_child_array(&res->entry, gIOServicePlane);
    for (unsigned i = 0; kids && i < OSArray_get_count(kids); i++) {
        IOTestDriver *d = OSDynamicCast(IOTestDriver, OSArray_get_object(kids, i));
        if (d && d->started) {
            found = true;
            ST_CHECK(IOService_terminate(&d->service));
        }
    }
    ST_CHECK(found);
    ST_CHECK_EQ(IOService_wait_quiet(res, QUIET_MS), kIOReturnSuccess);
    IORegistryEntry_remove_property(&res->entry, "IOTestResource");
}

SELFTEST(iokit_busy, "iokit.busy_until_matched")
{
    IOService *nub = make_nub("generic-vendor");
    ST_CHECK(nub != NULL);
    /* The matching thread has not run yet: the nub is busy. */
    ST_CHECK(IOService_get_busy_state(nub) > 0);
    ST_CHECK(!(IOService_get_state(nub) & kIOServiceMatchedState));
    ST_CHECK_EQ(IOService_wait_quiet(nub, QUIET_MS), kIOReturnSuccess);
    ST_CHECK_EQ(IOService_get_busy_state(nub), 0);
    ST_CHECK(IOService_get_state(nub) & kIOServiceMatchedState);
    char state[64];
    IOService_state_string(nub, state, sizeof(state));
    ST_CHECK(strncmp(state, "registered, matched", 19) == 0);
    ST_CHECK_EQ(drop_nub(nub), kIOReturnSuccess);
}

SELFTEST(iokit_unknown_class, "iokit.unknown_ioclass_is_skipped")
{
    static const char plist[] =
        "<array><dict>"
        "<key>CFBundleIdentifier</key><string>org.dextbed.test.Ghost</string>"
        "<key>IOPersonalityName</key><string>Ghost</string>"
        "<key>IOClass</key><string>IOTestNoSuchDriver</string>"
        "<key>IOProviderClass</key><string>IOTestNub</string>"
        "<key>IOProbeScore</key><integer>99999</integer>"
        "<key>IOPropertyMatch</key><dict><key>test-kind</key><string>tie</string></dict>"
        "</dict></array>";
    const char *who;
    OSPlistError err;
    OSArray *pers = OSDynamicCast(OSArray, OSUnserializeXML(plist, sizeof(plist) - 1, &err));

    ST_CHECK(pers != NULL);
    ST_CHECK_EQ(IOCatalogue_add_drivers(gIOCatalogue, pers, false), kIOReturnSuccess);
    OSObject_release(pers);
    /* The best-scoring candidate cannot be created; the next one starts. */
    IOService *nub = make_nub("tie");
    ST_CHECK(nub != NULL);
    ST_CHECK_EQ(IOService_wait_quiet(nub, QUIET_MS), kIOReturnSuccess);
    ST_CHECK_EQ(started_clients(nub, &who), 1);
    ST_CHECK(is(who, "TieFirst"));
    ST_CHECK_EQ(drop_nub(nub), kIOReturnSuccess);
    ST_CHECK_EQ(remove_bundle("org.dextbed.test.Ghost"), 1);
}

SELFTEST(iokit_no_leak, "iokit.register_terminate_100_no_leak")
{
    /* Warm up once (symbols and first-use allocations), then 100 cycles of
     * a bus with two leaves: registry entries, driver instances, symbols
     * and kernel heap allocations all come back. */
    IOService *nub = make_nub("bus");
    ST_CHECK(nub != NULL);
    ST_CHECK_EQ(IOService_wait_quiet(nub, QUIET_MS), kIOReturnSuccess);
    ST_CHECK_EQ(drop_nub(nub), kIOReturnSuccess);

    size_t entries = IORegistry_entry_count();
    size_t symbols = OSSymbol_count();
    uint32_t drivers = OSMetaClass_get_instance_count(OSTypeID(IOTestDriver));
    size_t allocs = kernel_heap.allocations;
    for (int i = 0; i < 100; i++) {
        iotest_log_reset();
        nub = make_nub("bus");
        ST_CHECK(nub != NULL);
        ST_CHECK_EQ(IOService_wait_quiet(nub, QUIET_MS), kIOReturnSuccess);
        ST_CHECK_EQ(IORegistry_entry_count(), entries + 6);
        ST_CHECK_EQ(drop_nub(nub), kIOReturnSuccess);
    }
    ST_CHECK_EQ(IORegistry_entry_count(), entries);
    ST_CHECK_EQ(OSSymbol_count(), symbols);
    ST_CHECK_EQ(OSMetaClass_get_instance_count(OSTypeID(IOTestDriver)), drivers);
    ST_CHECK_EQ(kernel_heap.allocations, allocs);
}
