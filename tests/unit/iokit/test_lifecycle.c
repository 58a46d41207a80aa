/* Host unit tests for the driver lifecycle (guest/iokit/service.c,
 * resources.c): which candidate starts, probe and start fallbacks, match
 * categories, termination order, rematch, resources, busy counts, and that
 * everything created is freed again.
 *
 * The drivers are TestDriver instances whose behaviour comes from their
 * personality: TestTag names them in the event log, TestProbeDelta changes
 * the probe score, TestProbeNull drops out in probe, TestStartFail fails
 * start, TestPublishNub makes start publish a child nub. */
#include <stdarg.h>

#include "iokit_test.h"

/* --- The event log ------------------------------------------------------ */

static char g_log[4096];

static void __attribute__((format(printf, 1, 2))) log_event(const char *fmt, ...)
{
    size_t len = strlen(g_log);
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(g_log + len, sizeof(g_log) - len, fmt, ap);
    va_end(ap);
    len = strlen(g_log);
    if (len + 1 < sizeof(g_log)) {
        g_log[len] = ' ';
        g_log[len + 1] = '\0';
    }
}

/* --- Test drivers ------------------------------------------------------- */

typedef struct TestDriver {
    IOService service;
} TestDriver;

/* A subclass whose table sets only start: probe, stop and will_terminate
 * are TestDriver's. */
typedef struct TestSubDriver {
    TestDriver driver;
} TestSubDriver;

static const char *tag(IOService *svc)
{
    OSString *s = OSDynamicCast(OSString, IORegistryEntry_get_property(&svc->entry, "TestTag"));

    return s ? OSString_get_cstring(s) : "?";
}

static bool flag(IOService *svc, const char *key)
{
    return IORegistryEntry_get_property(&svc->entry, key) == (OSObject *)kOSBooleanTrue;
}

static IOService *td_probe(IOService *svc, IOService *provider, int32_t *score)
{
    OSNumber *delta = OSDynamicCast(OSNumber, IORegistryEntry_get_property(&svc->entry,
                                                                           "TestProbeDelta"));

    (void)provider;
    log_event("probe:%s:%d", tag(svc), (int)*score);
    if (flag(svc, "TestProbeNull"))
        return NULL;
    if (delta)
        *score += (int32_t)OSNumber_signed_64(delta);
    return svc;
}

static bool td_start(IOService *svc, IOService *provider)
{
    (void)provider;
    log_event("start:%s", tag(svc));
    if (flag(svc, "TestStartFail"))
        return false;
    if (flag(svc, "TestPublishNub")) {
        char name[64];
        IOService *child;

        snprintf(name, sizeof(name), "child-%s", tag(svc));
        child = make_nub("TestChildNub", "IOService", name, NULL, svc);
        IOService_register_service(child);
        OSObject_release(child);
    }
    return true;
}

static void td_stop(IOService *svc, IOService *provider)
{
    (void)provider;
    log_event("stop:%s", tag(svc));
}

static void td_will_terminate(IOService *svc, IOService *provider)
{
    (void)provider;
    log_event("willterm:%s", tag(svc));
}

static bool tsd_start(IOService *svc, IOService *provider)
{
    (void)provider;
    log_event("substart:%s", tag(svc));
    return true;
}

static const IOServiceMethods TestDriver_methods = {
    .probe = td_probe,
    .start = td_start,
    .stop = td_stop,
    .will_terminate = td_will_terminate,
};
static const IOServiceMethods TestSubDriver_methods = { .start = tsd_start };

OSDefineMetaClass(TestDriver, IOService, NULL, NULL, &TestDriver_methods);
OSDefineMetaClass(TestSubDriver, TestDriver, NULL, NULL, &TestSubDriver_methods);

/* --- Fixtures ----------------------------------------------------------- */

static size_t g_base_entries;

/* A fresh catalogue and log; remember what the registry holds. */
static void fresh(void)
{
    iokit_test_setup();
    IOService_wait_quiet(NULL, 0);
    if (!IOCatalogue_init()) {
        printf("Bail out! IOCatalogue_init\n");
        exit(1);
    }
    g_log[0] = '\0';
    g_base_entries = IORegistry_entry_count();
}

/* Everything made since fresh() is gone again. */
static void check_no_leaks(const char *file, int line)
{
    if (IORegistry_entry_count() != g_base_entries)
        tap_fail(file, line, "%zu registry entries, want %zu", IORegistry_entry_count(),
                 g_base_entries);
    if (OSMetaClass_get_instance_count(OSTypeID(TestDriver))
        || OSMetaClass_get_instance_count(OSTypeID(TestSubDriver)))
        tap_fail(file, line, "%u TestDriver and %u TestSubDriver instances left",
                 OSMetaClass_get_instance_count(OSTypeID(TestDriver)),
                 OSMetaClass_get_instance_count(OSTypeID(TestSubDriver)));
}
#define CHECK_NO_LEAKS() check_no_leaks(__FILE__, __LINE__)

/* Add a bundle com.example.<name> whose IOKitPersonalities are `pers`. */
static void add_bundle(const char *pers_xml)
{
    char xml[4096];
    OSDictionary *info;

    snprintf(xml, sizeof(xml), D(K("CFBundleIdentifier") S("com.example.test")
                                 K("IOKitPersonalities") "%s"), pers_xml);
    info = plist_dict(xml);
    if (IOCatalogue_add_bundle(gIOCatalogue, info, "test") == 0) {
        printf("Bail out! no personality added\n");
        exit(1);
    }
    OSObject_release(info);
}

/* A PCI nub 8086:10d3, class 020000, registered and matched.  +1. */
static IOService *pci_nub(const char *name)
{
    IOService *nub;

    test_class("IOPCIDevice", "IOService");
    nub = make_nub("TestLifePCI", "IOPCIDevice", name, NULL, NULL);
    set_data_le(nub, "vendor-id", 0x8086, 4);
    set_data_le(nub, "device-id", 0x10d3, 4);
    set_data_le(nub, "class-code", 0x020000, 4);
    return nub;
}

static void run(void)
{
    CHECK_EQ(IOService_wait_quiet(NULL, 1000), kIOReturnSuccess);
}

/* The nub's active clients' tags, space-separated, into buf. */
static const char *clients(IOService *nub)
{
    static char buf[256];
    OSArray *kids = IORegistryEntry_get_child_array(&nub->entry, gIOServicePlane);
    size_t pos = 0;

    buf[0] = '\0';
    for (unsigned i = 0; kids && i < OSArray_get_count(kids); i++) {
        IOService *c = (IOService *)OSArray_get_object(kids, i);

        if (!IOService_is_inactive(c) && pos < sizeof(buf))
            pos += (size_t)snprintf(buf + pos, sizeof(buf) - pos, "%s%s", pos ? " " : "",
                                    tag(c));
    }
    return buf;
}

static IOService *first_client(IOService *nub)
{
    OSArray *kids = IORegistryEntry_get_child_array(&nub->entry, gIOServicePlane);

    return kids ? (IOService *)OSArray_get_object(kids, 0) : NULL;
}

/* Terminate nub (and everything on it) and drop the test's reference. */
static void finish(IOService *nub)
{
    CHECK(IOService_terminate(nub));
    run();
    CHECK(IORegistryEntry_get_parent_array(&nub->entry, gIOServicePlane) == NULL);
    OSObject_release(nub);
}

#define DRV(tagname, ...) \
    K(tagname) D(K("IOClass") S("TestDriver") K("TestTag") S(tagname) __VA_ARGS__)
#define ON_PCI K("IOProviderClass") S("IOPCIDevice")

/* --- Which driver starts ------------------------------------------------ */

static void t_vendor_beats_generic(void)
{
    IOService *nub, *drv;
    OSNumber *score;

    fresh();
    add_bundle(D(DRV("generic", ON_PCI K("IOPCIClassMatch") S("0x02000000"))
                 DRV("vendor", ON_PCI K("IOPCIMatch") S("0x10d38086"))));
    nub = pci_nub("lifenub");
    IOService_register_service(nub);
    run();
    /* IOPCIMatch on the device ID scores 1000: probed and started first. */
    CHECK_STR(g_log, "probe:vendor:1000 probe:generic:0 start:vendor ");
    CHECK_STR(clients(nub), "vendor");
    drv = first_client(nub);
    REQUIRE(drv != NULL);
    CHECK(IOService_get_state(drv) & kIOServiceStartedState);
    CHECK(IOService_get_provider(drv) == nub);
    /* The properties IOKit sets on a driver. */
    score = OSDynamicCast(OSNumber, IORegistryEntry_get_property(&drv->entry, "IOProbeScore"));
    CHECK(score && OSNumber_signed_64(score) == 1000);
    CHECK_STR(OSString_get_cstring((OSString *)IORegistryEntry_get_property(&drv->entry,
                                                                           "IOMatchCategory")),
              "IODefaultMatchCategory");
    CHECK_STR(OSString_get_cstring((OSString *)IORegistryEntry_get_property(&drv->entry,
                                                                           "CFBundleIdentifier")),
              "com.example.test");
    CHECK_STR(OSString_get_cstring((OSString *)IORegistryEntry_get_property(&drv->entry,
                                                                           "IOPersonalityName")),
              "vendor");
    CHECK_STR(OSString_get_cstring((OSString *)IORegistryEntry_get_property(&drv->entry,
                                                                           "IOPCIMatch")),
              "0x10d38086");
    CHECK(IORegistryEntry_get_property(&drv->entry, "IONameMatched") == NULL);
    /* The loser was freed: one driver instance. */
    CHECK_EQ(OSMetaClass_get_instance_count(OSTypeID(TestDriver)), 1);
    CHECK_EQ(IOService_get_state(nub) & (kIOServiceRegisteredState | kIOServiceMatchedState),
             kIOServiceRegisteredState | kIOServiceMatchedState);
    finish(nub);
    CHECK_NO_LEAKS();
}

static void t_equal_scores_catalogue_order(void)
{
    IOService *nub;

    fresh();
    add_bundle(D(DRV("first", ON_PCI) DRV("second", ON_PCI)));
    nub = pci_nub("lifenub");
    IOService_register_service(nub);
    run();
    CHECK_STR(g_log, "probe:first:0 probe:second:0 start:first ");
    CHECK_STR(clients(nub), "first");
    finish(nub);
    CHECK_NO_LEAKS();
}

static void t_probe_changes_winner(void)
{
    IOService *nub;
    OSNumber *score;

    fresh();
    add_bundle(D(DRV("high", ON_PCI K("IOProbeScore") I(100) K("TestProbeDelta") I(-200))
                 DRV("mid", ON_PCI K("IOProbeScore") I(50))));
    nub = pci_nub("lifenub");
    IOService_register_service(nub);
    run();
    /* Probed in passive order, started in probed order. */
    CHECK_STR(g_log, "probe:high:100 probe:mid:50 start:mid ");
    CHECK_STR(clients(nub), "mid");
    score = OSDynamicCast(OSNumber, IORegistryEntry_get_property(&first_client(nub)->entry,
                                                                 "IOProbeScore"));
    CHECK(score && OSNumber_signed_64(score) == 50);
    finish(nub);
    CHECK_NO_LEAKS();
}

static void t_probe_null_and_start_failure(void)
{
    IOService *nub;

    fresh();
    add_bundle(D(DRV("refuses", ON_PCI K("IOProbeScore") I(300) K("TestProbeNull") T)
                 DRV("fails", ON_PCI K("IOProbeScore") I(200) K("TestStartFail") T)
                 DRV("works", ON_PCI K("IOProbeScore") I(100))
                 DRV("spare", ON_PCI K("IOProbeScore") I(0))));
    nub = pci_nub("lifenub");
    IOService_register_service(nub);
    run();
    CHECK_STR(g_log, "probe:refuses:300 probe:fails:200 probe:works:100 probe:spare:0 "
                     "start:fails start:works ");
    CHECK_STR(clients(nub), "works");
    CHECK_EQ(OSMetaClass_get_instance_count(OSTypeID(TestDriver)), 1);
    finish(nub);
    CHECK_NO_LEAKS();
}

static void t_unknown_class_skipped(void)
{
    IOService *nub;

    fresh();
    add_bundle(D(K("ghost") D(K("IOClass") S("NoSuchDriverClass") ON_PCI
                              K("IOProbeScore") I(500))
                 K("noclass") D(ON_PCI K("IOProbeScore") I(400))
                 K("notservice") D(K("IOClass") S("OSString") ON_PCI K("IOProbeScore") I(300))
                 DRV("real", ON_PCI)));
    nub = pci_nub("lifenub");
    IOService_register_service(nub);
    run();
    CHECK_STR(g_log, "probe:real:0 start:real ");
    CHECK_STR(clients(nub), "real");
    finish(nub);
    CHECK_NO_LEAKS();
}

static void t_two_categories(void)
{
    IOService *nub;

    fresh();
    add_bundle(D(DRV("net", ON_PCI K("IOMatchCategory") S("Net"))
                 DRV("net2", ON_PCI K("IOMatchCategory") S("Net"))
                 DRV("debug", ON_PCI K("IOMatchCategory") S("Debug"))));
    nub = pci_nub("lifenub");
    IOService_register_service(nub);
    run();
    /* Categories in name order; one driver each. */
    CHECK_STR(g_log, "probe:debug:0 start:debug probe:net:0 probe:net2:0 start:net ");
    CHECK_STR(clients(nub), "debug net");
    /* Matching again starts nothing new: both categories are held. */
    g_log[0] = '\0';
    IOService_register_service(nub);
    run();
    CHECK_STR(g_log, "");
    CHECK_STR(clients(nub), "debug net");
    CHECK_STR(OSString_get_cstring((OSString *)IORegistryEntry_get_property(
                  &first_client(nub)->entry, "IOMatchCategory")), "Debug");
    finish(nub);
    CHECK_NO_LEAKS();
}

static void t_name_matched_and_inherited_methods(void)
{
    IOService *nub, *drv;

    fresh();
    add_bundle(D(K("sub") D(K("IOClass") S("TestSubDriver") K("TestTag") S("sub") ON_PCI
                            K("IONameMatch") A(S("nope") S("lifenub")))));
    nub = pci_nub("lifenub");
    IOService_register_service(nub);
    run();
    /* TestSubDriver sets only start; probe is TestDriver's. */
    CHECK_STR(g_log, "probe:sub:0 substart:sub ");
    drv = first_client(nub);
    REQUIRE(drv != NULL);
    CHECK(OSDynamicCast(TestSubDriver, drv) != NULL);
    CHECK_STR(OSString_get_cstring((OSString *)IORegistryEntry_get_property(&drv->entry,
                                                                           "IONameMatched")),
              "lifenub");
    g_log[0] = '\0';
    finish(nub);
    /* ... and so are stop and will_terminate. */
    CHECK_STR(g_log, "willterm:sub stop:sub ");
    CHECK_NO_LEAKS();
}

/* --- Termination -------------------------------------------------------- */

static void t_terminate_subtree(void)
{
    IOService *nub, *bus, *child;

    fresh();
    /* nub -> bus driver, which publishes child-bus -> leaf driver. */
    add_bundle(D(DRV("bus", ON_PCI K("TestPublishNub") T)
                 DRV("leaf", K("IOProviderClass") S("TestChildNub"))));
    nub = pci_nub("lifenub");
    IOService_register_service(nub);
    run();
    CHECK_STR(g_log, "probe:bus:0 start:bus probe:leaf:0 start:leaf ");
    bus = first_client(nub);
    REQUIRE(bus != NULL);
    child = first_client(bus);
    REQUIRE(child != NULL);
    CHECK_STR(IORegistryEntry_get_name(&child->entry), "child-bus");
    CHECK_STR(clients(child), "leaf");
    CHECK_EQ(IORegistryEntry_get_depth(&first_client(child)->entry, gIOServicePlane), 4);

    g_log[0] = '\0';
    OSObject_retain(child);
    CHECK(IOService_terminate(nub));
    /* Inactive at once, top-down; stopped later, on the work loop. */
    CHECK(IOService_is_inactive(nub) && IOService_is_inactive(bus)
          && IOService_is_inactive(child));
    CHECK(!IOService_terminate(nub));
    CHECK_STR(g_log, "");
    run();
    /* will_terminate top-down, then stop bottom-up. */
    CHECK_STR(g_log, "willterm:bus willterm:leaf stop:leaf stop:bus ");
    CHECK(IORegistryEntry_get_parent_array(&child->entry, gIOServicePlane) == NULL);
    CHECK(IORegistryEntry_get_child_array(&child->entry, gIOServicePlane) == NULL);
    OSObject_release(child);
    OSObject_release(nub);
    CHECK_NO_LEAKS();
}

static void t_terminate_driver_only(void)
{
    IOService *nub, *drv;

    fresh();
    add_bundle(D(DRV("one", ON_PCI)));
    nub = pci_nub("lifenub");
    IOService_register_service(nub);
    run();
    drv = first_client(nub);
    REQUIRE(drv != NULL);
    g_log[0] = '\0';
    CHECK(IOService_terminate(drv));
    run();
    CHECK_STR(g_log, "willterm:one stop:one ");
    CHECK_STR(clients(nub), "");
    CHECK(!IOService_is_inactive(nub));
    /* The category is free again: matching starts a new instance. */
    g_log[0] = '\0';
    IOService_register_service(nub);
    run();
    CHECK_STR(g_log, "probe:one:0 start:one ");
    finish(nub);
    CHECK_NO_LEAKS();
}

static void t_terminate_before_matching(void)
{
    IOService *nub;

    fresh();
    add_bundle(D(DRV("never", ON_PCI)));
    nub = pci_nub("lifenub");
    IOService_register_service(nub);
    CHECK(IOService_terminate(nub));        /* queued, not yet matched */
    run();
    CHECK_STR(g_log, "");
    CHECK(IORegistryEntry_get_parent_array(&nub->entry, gIOServicePlane) == NULL);
    CHECK_EQ(IOService_get_busy_state(nub), 0);
    OSObject_release(nub);
    CHECK_NO_LEAKS();
}

static void t_client_with_two_providers(void)
{
    IOService *a, *b, *drv;

    fresh();
    add_bundle(D(DRV("shared", ON_PCI K("IONameMatch") S("nub-a"))));
    a = pci_nub("nub-a");
    b = make_nub("TestOtherNub", "IOService", "nub-b", NULL, NULL);
    IOService_register_service(a);
    run();
    drv = first_client(a);
    REQUIRE(drv != NULL);
    /* The driver also becomes a client of b (a second provider). */
    REQUIRE(IOService_attach(drv, b));
    CHECK(IOService_get_provider(drv) == a);
    /* Pending work on the driver counts on its provider, and moves with
     * it. */
    IOService_adjust_busy(drv, 1);
    CHECK_EQ(IOService_get_busy_state(a), 1);
    CHECK_EQ(IOService_get_busy_state(b), 0);

    g_log[0] = '\0';
    CHECK(IOService_terminate(a));
    CHECK(!IOService_is_inactive(drv));     /* b is still active */
    CHECK(IOService_run_matching() >= 1);   /* (not quiet: drv is busy) */
    /* Only detached from a: not stopped, now b's. */
    CHECK_STR(g_log, "");
    CHECK(IOService_get_provider(drv) == b);
    CHECK_EQ(IOService_get_busy_state(b), 1);
    CHECK_EQ(IOService_get_busy_state(a), 0);
    IOService_adjust_busy(drv, -1);
    CHECK_EQ(IOService_get_busy_state(b), 0);
    OSObject_release(a);
    /* Terminating b now takes the driver with it. */
    finish(b);
    CHECK_STR(g_log, "willterm:shared stop:shared ");
    CHECK_NO_LEAKS();
}

/* --- Rematch and resources ---------------------------------------------- */

static void t_rematch_after_add_drivers(void)
{
    IOService *nub, *other;
    OSArray *drivers;
    uint64_t tests;

    fresh();
    nub = pci_nub("lifenub");
    other = make_nub("TestOtherNub", "IOService", "other", NULL, NULL);
    IOService_register_service(nub);
    IOService_register_service(other);
    run();
    CHECK_STR(clients(nub), "");
    drivers = (OSArray *)plist(A(D(K("IOClass") S("TestDriver") K("TestTag") S("late") ON_PCI)));
    CHECK_EQ(IOCatalogue_add_drivers(gIOCatalogue, drivers, true), kIOReturnSuccess);
    OSObject_release(drivers);
    /* Only services whose class chain holds IOPCIDevice are matched again. */
    CHECK_EQ(IOService_get_busy_state(nub), 1);
    CHECK_EQ(IOService_get_busy_state(other), 0);
    tests = IOCatalogue_get_match_tests(gIOCatalogue);
    run();
    CHECK_EQ(IOCatalogue_get_match_tests(gIOCatalogue), tests + 1);
    CHECK_STR(g_log, "probe:late:0 start:late ");
    CHECK_STR(clients(nub), "late");
    /* Adding the same personality again changes nothing. */
    drivers = (OSArray *)plist(A(D(K("IOClass") S("TestDriver") K("TestTag") S("late") ON_PCI)));
    CHECK_EQ(IOCatalogue_add_drivers(gIOCatalogue, drivers, true), kIOReturnSuccess);
    OSObject_release(drivers);
    CHECK_EQ(IOCatalogue_get_count(gIOCatalogue), 1);
    run();
    CHECK_STR(clients(nub), "late");
    finish(other);
    finish(nub);
    CHECK_NO_LEAKS();
}

static void t_resource_driver(void)
{
    IOService *res = IOService_get_resource_service(), *drv;
    OSArray *drivers;

    fresh();
    REQUIRE(res != NULL);
    drivers = (OSArray *)plist(A(D(K("IOClass") S("TestDriver") K("TestTag") S("resdrv")
                                   K("IOProviderClass") S("IOResources")
                                   K("IOResourceMatch") S("TestLifeResource")
                                   K("IOMatchCategory") S("TestLifeResource"))));
    CHECK_EQ(IOCatalogue_add_drivers(gIOCatalogue, drivers, true), kIOReturnSuccess);
    OSObject_release(drivers);
    run();
    CHECK_STR(g_log, "");
    CHECK_STR(clients(res), "");
    REQUIRE(IOService_publish_resource("TestLifeResource", NULL));
    CHECK(IORegistryEntry_get_property(&res->entry, "TestLifeResource") != NULL);
    run();
    CHECK_STR(g_log, "probe:resdrv:0 start:resdrv ");
    CHECK_STR(clients(res), "resdrv");
    /* Publishing another resource starts nothing twice. */
    g_log[0] = '\0';
    REQUIRE(IOService_publish_resource("TestLifeOther", kOSBooleanTrue));
    run();
    CHECK_STR(g_log, "");
    drv = first_client(res);
    REQUIRE(drv != NULL);
    CHECK(IOService_terminate(drv));
    run();
    CHECK_STR(g_log, "willterm:resdrv stop:resdrv ");
    CHECK(!IOService_is_inactive(res));
    IORegistryEntry_remove_property(&res->entry, "TestLifeResource");
    IORegistryEntry_remove_property(&res->entry, "TestLifeOther");
    CHECK_NO_LEAKS();
}

/* --- Busy counts and finding services ----------------------------------- */

static void t_busy_counts(void)
{
    IOService *bus, *nub;
    IORegistryEntry *root = IORegistryEntry_get_root();

    fresh();
    bus = make_nub("TestOtherNub", "IOService", "busybus", NULL, NULL);
    nub = make_nub("TestOtherNub", "IOService", "busynub", NULL, bus);
    CHECK_EQ(IOService_get_busy_state(nub), 0);
    IOService_register_service(nub);
    IOService_register_service(nub);        /* already queued: once */
    CHECK_EQ(IOService_get_busy_state(nub), 1);
    CHECK_EQ(IOService_get_busy_state(bus), 1);     /* up the providers */
    CHECK_EQ(IOService_get_busy_state((IOService *)root), 1);   /* the root: all */
    CHECK_EQ(IOService_get_busy_state(NULL), 1);
    IOService_adjust_busy(bus, 2);
    CHECK_EQ(IOService_get_busy_state(bus), 3);
    CHECK_EQ(IOService_get_busy_state(nub), 1);
    IOService_adjust_busy(bus, -2);
    CHECK_EQ(IOService_wait_quiet(bus, 1000), kIOReturnSuccess);
    CHECK_EQ(IOService_get_busy_state(nub), 0);
    CHECK_EQ(IOService_get_busy_state(NULL), 0);
    CHECK_EQ(IOService_run_matching(), 0);
    /* Busy raised by hand and never lowered: wait_quiet gives up. */
    IOService_adjust_busy(nub, 1);
    CHECK_EQ(IOService_wait_quiet(nub, 10), kIOReturnTimeout);
    IOService_adjust_busy(nub, -1);
    CHECK_EQ(IOService_get_busy_state(NULL), 0);
    finish(nub);
    finish(bus);
    CHECK_NO_LEAKS();
}

static void t_copy_matching_services(void)
{
    IOService *a, *b, *c;
    OSDictionary *m;
    OSArray *found;

    fresh();
    a = pci_nub("copy-a");
    b = pci_nub("copy-b");
    c = pci_nub("copy-c");
    IOService_register_service(b);
    IOService_register_service(a);
    run();
    m = IOService_service_matching("TestLifePCI");
    found = IOService_copy_matching_services(m);
    OSObject_release(m);
    /* Registered ones only (not c), in registry ID order. */
    REQUIRE(found != NULL);
    REQUIRE_EQ(OSArray_get_count(found), 2);
    CHECK(OSArray_get_object(found, 0) == (OSObject *)a);
    CHECK(OSArray_get_object(found, 1) == (OSObject *)b);
    OSObject_release(found);
    m = IOService_name_matching("copy-b");
    found = IOService_copy_matching_services(m);
    OSObject_release(m);
    REQUIRE(found && OSArray_get_count(found) == 1);
    CHECK(OSArray_get_object(found, 0) == (OSObject *)b);
    OSObject_release(found);
    m = IOService_service_matching("IOResources");
    found = IOService_copy_matching_services(m);
    OSObject_release(m);
    REQUIRE(found && OSArray_get_count(found) == 1);
    CHECK(OSArray_get_object(found, 0) == (OSObject *)IOService_get_resource_service());
    OSObject_release(found);
    /* An inactive service is not found. */
    CHECK(IOService_terminate(a));
    m = IOService_service_matching("TestLifePCI");
    found = IOService_copy_matching_services(m);
    CHECK(found && OSArray_get_count(found) == 1);
    OSSafeReleaseNULL(found);
    OSObject_release(m);
    CHECK(IOService_copy_matching_services(NULL) == NULL);
    run();
    OSObject_release(a);
    finish(b);
    drop_nub(c);
    CHECK_NO_LEAKS();
}

static void t_state_in_archive(void)
{
    IOService *nub;
    OSSerialize s;
    char state[64];

    fresh();
    add_bundle(D(DRV("shown", ON_PCI)));
    nub = pci_nub("statenub");
    IOService_state_string(nub, state, sizeof(state));
    CHECK_STR(state, "!registered, !matched, active");
    IOService_register_service(nub);
    run();
    IOService_state_string(nub, state, sizeof(state));
    CHECK_STR(state, "registered, matched, active");
    OSSerialize_init(&s);
    REQUIRE(IORegistryEntry_serialize_archive(&nub->entry, gIOServicePlane, &s));
    CHECK_CONTAINS(s.text, "<string>registered, matched, active</string>");
    CHECK_CONTAINS(s.text, "<key>IORegistryEntryChildren</key>");
    CHECK_CONTAINS(s.text, "<string>TestDriver</string>");
    CHECK_CONTAINS(s.text, "<string>!registered, !matched, active</string>");
    OSSerialize_free(&s);
    IOService_terminate(nub);
    IOService_state_string(nub, state, sizeof(state));
    CHECK_STR(state, "registered, matched, inactive");
    run();
    OSObject_release(nub);
    CHECK_NO_LEAKS();
}

static void t_bad_input(void)
{
    IOService *nub;

    fresh();
    nub = make_nub("TestOtherNub", "IOService", "loose", NULL, NULL);
    IORegistryEntry_detach_all(&nub->entry);
    /* Not in the registry: register_service refuses (and logs). */
    IOService_register_service(nub);
    CHECK_EQ(IOService_get_busy_state(nub), 0);
    CHECK(!(IOService_get_state(nub) & kIOServiceRegisteredState));
    IOService_register_service(NULL);
    CHECK(!IOService_terminate(NULL));
    CHECK(!IOService_attach(NULL, nub));
    CHECK(!IOService_attach(nub, nub));
    IOService_detach(NULL, nub);
    CHECK(IOService_probe(NULL, nub, NULL) == NULL);
    CHECK(!IOService_start(NULL, nub));
    CHECK(IOService_get_provider(NULL) == NULL);
    CHECK(!IOService_publish_resource(NULL, kOSBooleanTrue));
    CHECK(IOService_init_resources());      /* already there */
    OSObject_release(nub);
    CHECK_NO_LEAKS();
}

static const struct tap_case cases[] = {
    TAP_CASE(t_vendor_beats_generic),
    TAP_CASE(t_equal_scores_catalogue_order),
    TAP_CASE(t_probe_changes_winner),
    TAP_CASE(t_probe_null_and_start_failure),
    TAP_CASE(t_unknown_class_skipped),
    TAP_CASE(t_two_categories),
    TAP_CASE(t_name_matched_and_inherited_methods),
    TAP_CASE(t_terminate_subtree),
    TAP_CASE(t_terminate_driver_only),
    TAP_CASE(t_terminate_before_matching),
    TAP_CASE(t_client_with_two_providers),
    TAP_CASE(t_rematch_after_add_drivers),
    TAP_CASE(t_resource_driver),
    TAP_CASE(t_busy_counts),
    TAP_CASE(t_copy_matching_services),
    TAP_CASE(t_state_in_archive),
    TAP_CASE(t_bad_input),
};

int main(void)
{
    return tap_run(cases, TAP_COUNT(cases));
}
