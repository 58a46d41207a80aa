/* Virtual test drivers (testdrivers.h). */
#include <format.h>
#include <string.h>

#include "testdrivers.h"

struct iotest_event iotest_log[IOTEST_LOG_MAX];
unsigned iotest_log_count;

void iotest_log_reset(void)
{
    iotest_log_count = 0;
}

int iotest_log_find(const char *what, const char *personality, unsigned start)
{
    for (unsigned i = start; i < iotest_log_count && i < IOTEST_LOG_MAX; i++)
        if (strcmp(iotest_log[i].what, what) == 0 &&
            strcmp(iotest_log[i].personality, personality) == 0)
            return (int)i;
    return -1;
}

static void log_event(const char *what, IOService *svc, IOService *provider)
{
    if (iotest_log_count >= IOTEST_LOG_MAX)
        return;
    struct iotest_event *ev = &iotest_log[iotest_log_count++];
    OSString *name = OSDynamicCast(OSString,
        IORegistryEntry_get_property(&svc->entry, kIOPersonalityNameKey));
    size_t n;

    memset(ev, 0, sizeof(*ev));
    n = strlen(what) < sizeof(ev->what) - 1 ? strlen(what) : sizeof(ev->what) - 1;
    memcpy(ev->what, what, n);
    if (name) {
        const char *s = OSString_get_cstring(name);
        n = strlen(s) < sizeof(ev->personality) - 1 ? strlen(s)
                                                    : sizeof(ev->personality) - 1;
        memcpy(ev->personality, s, n);
    }
    ev->nub_id = provider ? IORegistryEntry_get_registry_entry_id(&provider->entry) : 0;
    ev->id = IORegistryEntry_get_registry_entry_id(&svc->entry);
}

static bool flag(IOService *svc, const char *key)
{
    return IORegistryEntry_get_property(&svc->entry, key) ==
           (OSObject *)kOSBooleanTrue;
}

static IOService *test_probe(IOService *svc, IOService *provider, int32_t *score)
{
    OSNumber *n = OSDynamicCast(OSNumber,
        IORegistryEntry_get_property(&svc->entry, "TestProbeScore"));

    log_event("probe", svc, provider);
    if (n)
        *score = (int32_t)OSNumber_signed_64(n);
    return flag(svc, "TestProbeFail") ? NULL : svc;
}

/* Publish count children of test-kind "leaf" under svc. */
static bool publish_children(IOService *svc, unsigned count)
{
    for (unsigned i = 0; i < count; i++) {
        OSDictionary *props = OSDictionary_with_capacity(2);
        OSString *kind = OSString_with_cstring("leaf");
        IOService *child = (IOService *)OSMetaClass_alloc_instance(OSTypeID(IOTestNub));
        bool ok = props && kind && child &&
                  OSDictionary_set_object(props, "test-kind", kind) &&
                  IORegistryEntry_init(&child->entry, props);
        char loc[8];
        snprintf(loc, sizeof(loc), "%u", i);
        ok = ok && IORegistryEntry_set_location(&child->entry, loc) &&
             IOService_attach(child, svc);
        if (ok)
            IOService_register_service(child);
        OSSafeReleaseNULL(props);
        OSSafeReleaseNULL(kind);
        OSSafeReleaseNULL(child);
        if (!ok)
            return false;
    }
    return true;
}

static bool test_start(IOService *svc, IOService *provider)
{
    OSNumber *children = OSDynamicCast(OSNumber,
        IORegistryEntry_get_property(&svc->entry, "TestChildren"));

    log_event("start", svc, provider);
    if (flag(svc, "TestStartFail"))
        return false;
    if (children && !publish_children(svc, OSNumber_unsigned_32(children)))
        return false;
    ((IOTestDriver *)svc)->started = true;
    return true;
}

static void test_stop(IOService *svc, IOService *provider)
{
    log_event("stop", svc, provider);
    ((IOTestDriver *)svc)->started = false;
}

static const IOServiceMethods test_driver_methods = {
    .probe = test_probe,
    .start = test_start,
    .stop = test_stop,
};

OSDefineMetaClass(IOTestNub, IOService, NULL, NULL, NULL);
OSDefineMetaClass(IOTestDriver, IOService, NULL, NULL, &test_driver_methods);
/* The subclasses inherit IOTestDriver's methods (no table of their own). */
OSDefineMetaClass(IOTestGenericDriver, IOTestDriver, NULL, NULL, NULL);
OSDefineMetaClass(IOTestVendorDriver, IOTestDriver, NULL, NULL, NULL);
