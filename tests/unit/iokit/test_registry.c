/* Host unit tests for IORegistryEntry (guest/iokit/registry.c): IDs,
 * names and locations, properties, planes and links, paths, and the
 * registry archive. */
#include "iokit_test.h"

static IORegistryEntry *new_entry(const char *name)
{
    IORegistryEntry *e = (IORegistryEntry *)OSMetaClass_alloc_instance(OSTypeID(IORegistryEntry));

    if (!e || !IORegistryEntry_init(e, NULL) || (name && !IORegistryEntry_set_name(e, name))) {
        printf("Bail out! new_entry\n");
        exit(1);
    }
    return e;
}

static IORegistryEntry *root(void)
{
    return IORegistryEntry_get_root();
}

static void t_root_and_planes(void)
{
    iokit_test_setup();
    REQUIRE(root() != NULL);
    CHECK_STR(IORegistryEntry_get_name(root()), "Root");
    CHECK(gIOServicePlane && gIOPowerPlane && gIOServicePlane != gIOPowerPlane);
    CHECK(IORegistry_get_plane("IOService") == gIOServicePlane);
    CHECK(IORegistry_get_plane("IOPower") == gIOPowerPlane);
    CHECK(IORegistry_get_plane("IODeviceTree") == NULL);
    CHECK(IORegistryEntry_in_plane(root(), gIOServicePlane));
    CHECK(IORegistryEntry_in_plane(root(), gIOPowerPlane));
    CHECK_EQ(IORegistryEntry_get_depth(root(), gIOServicePlane), 0);
    CHECK(IORegistry_init());                   /* a second call is harmless */
    CHECK(IORegistryEntry_get_root() == root());
}

static void t_ids_unique(void)
{
    size_t base;
    IORegistryEntry *e[50];

    iokit_test_setup();
    base = IORegistry_entry_count();
    for (int i = 0; i < 50; i++) {
        e[i] = new_entry(NULL);
        if (i > 0)
            CHECK(IORegistryEntry_get_registry_entry_id(e[i])
                  > IORegistryEntry_get_registry_entry_id(e[i - 1]));
    }
    CHECK_EQ(IORegistry_entry_count(), base + 50);
    for (int i = 0; i < 50; i++)
        CHECK(IORegistryEntry_find_by_id(IORegistryEntry_get_registry_entry_id(e[i])) == e[i]);
    uint64_t gone = IORegistryEntry_get_registry_entry_id(e[7]);
    OSObject_release(e[7]);
    CHECK(IORegistryEntry_find_by_id(gone) == NULL);
    /* IDs are never reused. */
    e[7] = new_entry(NULL);
    CHECK(IORegistryEntry_get_registry_entry_id(e[7])
          > IORegistryEntry_get_registry_entry_id(e[49]));
    CHECK(IORegistryEntry_find_by_id(0) == NULL);
    for (int i = 0; i < 50; i++)
        OSObject_release(e[i]);
    CHECK_EQ(IORegistry_entry_count(), base);
}

static void t_names_locations_properties(void)
{
    IORegistryEntry *e;
    OSString *s;
    OSDictionary *init = plist_dict(D(K("a") I(1) K("b") S("two")));

    iokit_test_setup();
    e = (IORegistryEntry *)OSMetaClass_alloc_instance(OSTypeID(IORegistryEntry));
    REQUIRE(e && IORegistryEntry_init(e, init));
    /* init copies: later changes to the dictionary do not show. */
    OSDictionary_remove_object(init, "a");
    CHECK(IORegistryEntry_get_property(e, "a") != NULL);
    CHECK_STR(IORegistryEntry_get_name(e), "IORegistryEntry");      /* the class name */
    CHECK(IORegistryEntry_set_name(e, "pci8086,10d3"));
    CHECK_STR(IORegistryEntry_get_name(e), "pci8086,10d3");
    CHECK(IORegistryEntry_get_location(e) == NULL);
    CHECK(IORegistryEntry_set_location(e, "1f,3"));
    CHECK_STR(IORegistryEntry_get_location(e), "1f,3");
    CHECK(IORegistryEntry_set_location(e, NULL));
    CHECK(IORegistryEntry_get_location(e) == NULL);

    s = OSString_with_cstring("value");
    CHECK(IORegistryEntry_set_property(e, "key", s));
    CHECK(IORegistryEntry_get_property(e, "key") == (OSObject *)s);
    CHECK(!IORegistryEntry_set_property(e, "key", NULL));
    IORegistryEntry_remove_property(e, "key");
    CHECK(IORegistryEntry_get_property(e, "key") == NULL);
    CHECK(IORegistryEntry_get_property(e, NULL) == NULL);
    CHECK(IORegistryEntry_get_property_table(e) != NULL);
    OSObject_release(s);
    OSObject_release(init);
    OSObject_release(e);
}

static void t_attach_detach(void)
{
    size_t base;
    IORegistryEntry *a, *b, *c;

    iokit_test_setup();
    base = IORegistry_entry_count();
    a = new_entry("a");
    b = new_entry("b");
    c = new_entry("c");
    CHECK(!IORegistryEntry_in_plane(a, gIOServicePlane));
    CHECK_EQ(IORegistryEntry_get_depth(a, gIOServicePlane), -1);
    REQUIRE(IORegistryEntry_attach_to_parent(a, root(), gIOServicePlane));
    REQUIRE(IORegistryEntry_attach_to_parent(b, a, gIOServicePlane));
    REQUIRE(IORegistryEntry_attach_to_parent(c, b, gIOServicePlane));
    CHECK(!IORegistryEntry_attach_to_parent(c, b, gIOServicePlane));   /* already */
    CHECK(!IORegistryEntry_attach_to_parent(a, c, gIOServicePlane));   /* a cycle */
    CHECK(!IORegistryEntry_attach_to_parent(a, a, gIOServicePlane));
    CHECK(!IORegistryEntry_attach_to_parent(root(), a, gIOServicePlane));
    CHECK(IORegistryEntry_in_plane(c, gIOServicePlane));
    CHECK(!IORegistryEntry_in_plane(c, gIOPowerPlane));
    CHECK_EQ(IORegistryEntry_get_depth(c, gIOServicePlane), 3);
    CHECK(IORegistryEntry_get_parent_entry(c, gIOServicePlane) == b);
    CHECK_EQ(OSArray_get_count(IORegistryEntry_get_child_array(a, gIOServicePlane)), 1);
    CHECK(IORegistryEntry_get_child_array(c, gIOServicePlane) == NULL);

    /* A second parent, and a link in another plane. */
    REQUIRE(IORegistryEntry_attach_to_parent(c, a, gIOServicePlane));
    CHECK_EQ(OSArray_get_count(IORegistryEntry_get_parent_array(c, gIOServicePlane)), 2);
    REQUIRE(IORegistryEntry_attach_to_parent(c, root(), gIOPowerPlane));
    CHECK_EQ(IORegistryEntry_get_depth(c, gIOPowerPlane), 1);

    /* Links hold references: the test's own can go. */
    OSObject_release(c);
    CHECK_EQ(IORegistry_entry_count(), base + 3);
    IORegistryEntry_detach_from_parent(c, a, gIOServicePlane);
    CHECK(IORegistryEntry_get_parent_entry(c, gIOServicePlane) == b);
    CHECK_EQ(OSArray_get_count(IORegistryEntry_get_parent_array(c, gIOServicePlane)), 1);

    /* Property found up the first-parent chain. */
    OSString *v = OSString_with_cstring("inherited");
    IORegistryEntry_set_property(a, "up", v);
    OSObject_release(v);
    CHECK(IORegistryEntry_get_property_recursive(c, "up", gIOServicePlane) == (OSObject *)v);
    CHECK(IORegistryEntry_get_property_recursive(c, "nowhere", gIOServicePlane) == NULL);

    IORegistryEntry_detach_all(c);              /* the last links: c is freed */
    CHECK_EQ(IORegistry_entry_count(), base + 2);
    CHECK(IORegistryEntry_get_child_array(b, gIOServicePlane) == NULL);
    IORegistryEntry_detach_all(a);
    CHECK(!IORegistryEntry_in_plane(a, gIOServicePlane));
    CHECK(IORegistryEntry_get_parent_entry(b, gIOServicePlane) == NULL);
    OSObject_release(a);
    OSObject_release(b);
    CHECK_EQ(IORegistry_entry_count(), base);
}

static void t_depth_limit(void)
{
    IORegistryEntry *chain[70];
    size_t base;
    int n = 0;

    iokit_test_setup();
    base = IORegistry_entry_count();
    chain[0] = new_entry("d0");
    REQUIRE(IORegistryEntry_attach_to_parent(chain[0], root(), gIOServicePlane));
    for (n = 1; n < 70; n++) {
        chain[n] = new_entry("d");
        if (!IORegistryEntry_attach_to_parent(chain[n], chain[n - 1], gIOServicePlane)) {
            OSObject_release(chain[n]);
            break;
        }
    }
    /* Attach stops at the walks' bound, 64 levels below the root. */
    CHECK_EQ(n, 64);
    CHECK_EQ(IORegistryEntry_get_depth(chain[n - 1], gIOServicePlane), 64);
    for (int i = n - 1; i >= 0; i--) {
        IORegistryEntry_detach_all(chain[i]);
        OSObject_release(chain[i]);
    }
    CHECK_EQ(IORegistry_entry_count(), base);
}

static void t_paths(void)
{
    IORegistryEntry *bus, *dev, *dev2, *found;
    char buf[IO_REGISTRY_PATH_MAX], tiny[12];

    iokit_test_setup();
    bus = new_entry("PCI0");
    dev = new_entry("pci8086,10d3");
    dev2 = new_entry("pci8086,10d3");
    IORegistryEntry_set_location(bus, "0");
    IORegistryEntry_set_location(dev, "2");
    IORegistryEntry_set_location(dev2, "3");
    REQUIRE(IORegistryEntry_attach_to_parent(bus, root(), gIOServicePlane));
    REQUIRE(IORegistryEntry_attach_to_parent(dev, bus, gIOServicePlane));
    REQUIRE(IORegistryEntry_attach_to_parent(dev2, bus, gIOServicePlane));

    CHECK(IORegistryEntry_get_path(root(), gIOServicePlane, buf, sizeof(buf)));
    CHECK_STR(buf, "IOService:/");
    CHECK(IORegistryEntry_get_path(dev2, gIOServicePlane, buf, sizeof(buf)));
    CHECK_STR(buf, "IOService:/PCI0@0/pci8086,10d3@3");
    CHECK(!IORegistryEntry_get_path(dev2, gIOServicePlane, tiny, sizeof(tiny)));
    CHECK(!IORegistryEntry_get_path(dev2, gIOPowerPlane, buf, sizeof(buf)));

    found = IORegistryEntry_from_path("IOService:/PCI0@0/pci8086,10d3@3", NULL);
    CHECK(found == dev2);
    OSSafeReleaseNULL(found);
    /* Without a location: the first child of that name. */
    found = IORegistryEntry_from_path("IOService:/PCI0/pci8086,10d3", NULL);
    CHECK(found == dev);
    OSSafeReleaseNULL(found);
    /* Without a plane: the default plane. */
    found = IORegistryEntry_from_path("/PCI0@0/pci8086,10d3@2/", gIOServicePlane);
    CHECK(found == dev);
    OSSafeReleaseNULL(found);
    found = IORegistryEntry_from_path("IOService:/", NULL);
    CHECK(found == root());
    OSSafeReleaseNULL(found);
    CHECK(IORegistryEntry_from_path("/PCI0", NULL) == NULL);           /* no plane */
    CHECK(IORegistryEntry_from_path("IOService:/PCI0@1", NULL) == NULL);
    CHECK(IORegistryEntry_from_path("IOService:/PCI0/nothing", NULL) == NULL);
    CHECK(IORegistryEntry_from_path("IOPower:/PCI0", NULL) == NULL);
    CHECK(IORegistryEntry_from_path("IONoPlane:/PCI0", NULL) == NULL);
    CHECK(IORegistryEntry_from_path("IOService:PCI0", NULL) == NULL);
    CHECK(IORegistryEntry_from_path("", gIOServicePlane) == NULL);
    CHECK(IORegistryEntry_from_path(NULL, gIOServicePlane) == NULL);

    /* A path round-trips through get_path and from_path. */
    CHECK(IORegistryEntry_get_path(dev, gIOServicePlane, buf, sizeof(buf)));
    found = IORegistryEntry_from_path(buf, NULL);
    CHECK(found == dev);
    OSSafeReleaseNULL(found);

    IORegistryEntry_detach_all(dev);
    IORegistryEntry_detach_all(dev2);
    IORegistryEntry_detach_all(bus);
    OSObject_release(dev);
    OSObject_release(dev2);
    OSObject_release(bus);
}

/* The archive dictionary whose IORegistryEntryName is name, searching
 * children depth-first. */
static OSDictionary *find_in_archive(OSDictionary *d, const char *name)
{
    OSString *n = OSDynamicCast(OSString, OSDictionary_get_object(d, kIORegistryEntryNameKey));
    OSArray *kids = OSDynamicCast(OSArray, OSDictionary_get_object(d, kIORegistryEntryChildrenKey));

    if (n && strcmp(OSString_get_cstring(n), name) == 0)
        return d;
    for (unsigned i = 0; kids && i < OSArray_get_count(kids); i++) {
        OSDictionary *f = find_in_archive((OSDictionary *)OSArray_get_object(kids, i), name);

        if (f)
            return f;
    }
    return NULL;
}

static void t_archive(void)
{
    IORegistryEntry *bus, *dev;
    IOService *nub;
    OSSerialize s;
    OSPlistError err;
    OSObject *parsed;
    OSDictionary *top, *d;
    OSArray *chain;
    OSString *str;
    OSNumber *num;

    iokit_test_setup();
    bus = new_entry("ArchiveBus");
    dev = new_entry("ArchiveDev");
    IORegistryEntry_set_location(dev, "5");
    str = OSString_with_cstring("a <value> & more");
    IORegistryEntry_set_property(dev, "model", str);
    OSObject_release(str);
    /* An object that is not a plist value is left out, not an error. */
    IORegistryEntry_set_property(dev, "object", bus);
    REQUIRE(IORegistryEntry_attach_to_parent(bus, root(), gIOServicePlane));
    REQUIRE(IORegistryEntry_attach_to_parent(dev, bus, gIOServicePlane));
    nub = make_nub("ArchiveNubClass", "IOService", "ArchiveNub", NULL, NULL);
    IORegistryEntry_detach_all(&nub->entry);
    REQUIRE(IORegistryEntry_attach_to_parent(&nub->entry, dev, gIOServicePlane));

    OSSerialize_init(&s);
    REQUIRE(IORegistryEntry_serialize_archive(root(), gIOServicePlane, &s));
    CHECK(strncmp(s.text, "<?xml", 5) == 0);
    parsed = OSUnserializeXML(s.text, s.length, &err);
    if (!parsed)
        TAP_NOTE("parse error %u:%u %s", err.line, err.column, err.message);
    REQUIRE(parsed != NULL);
    top = OSDynamicCast(OSDictionary, parsed);
    REQUIRE(top != NULL);
    CHECK_STR(OSString_get_cstring((OSString *)OSDictionary_get_object(top, kIORegistryEntryNameKey)),
              "Root");
    CHECK(find_in_archive(top, "IOResources") != NULL);

    d = find_in_archive(top, "ArchiveDev");
    REQUIRE(d != NULL);
    CHECK_STR(OSString_get_cstring((OSString *)OSDictionary_get_object(d, "model")),
              "a <value> & more");
    CHECK(OSDictionary_get_object(d, "object") == NULL);
    CHECK_STR(OSString_get_cstring((OSString *)OSDictionary_get_object(d, kIOObjectClassKey)),
              "IORegistryEntry");
    CHECK_STR(OSString_get_cstring((OSString *)OSDictionary_get_object(d, kIORegistryEntryLocationKey)),
              "5");
    num = OSDynamicCast(OSNumber, OSDictionary_get_object(d, kIORegistryEntryIDKey));
    CHECK(num && OSNumber_unsigned_64(num) == IORegistryEntry_get_registry_entry_id(dev));
    num = OSDynamicCast(OSNumber, OSDictionary_get_object(d, kIOObjectRetainCountKey));
    CHECK(num && OSNumber_unsigned_64(num) == OSObject_get_retain_count(dev));
    CHECK(OSDictionary_get_object(d, kIOServiceStateKey) == NULL);     /* not a service */
    chain = OSDynamicCast(OSArray, OSDictionary_get_object(d, kIOObjectClassChainKey));
    REQUIRE(chain && OSArray_get_count(chain) == 2);
    CHECK_STR(OSString_get_cstring((OSString *)OSArray_get_object(chain, 1)), "OSObject");

    d = find_in_archive(top, "ArchiveNub");
    REQUIRE(d != NULL);
    chain = OSDynamicCast(OSArray, OSDictionary_get_object(d, kIOObjectClassChainKey));
    REQUIRE(chain && OSArray_get_count(chain) == 4);
    CHECK_STR(OSString_get_cstring((OSString *)OSArray_get_object(chain, 0)), "ArchiveNubClass");
    CHECK_STR(OSString_get_cstring((OSString *)OSArray_get_object(chain, 1)), "IOService");
    CHECK_STR(OSString_get_cstring((OSString *)OSDictionary_get_object(d, kIOServiceStateKey)),
              "!registered, !matched, active");
    CHECK(OSDynamicCast(OSNumber, OSDictionary_get_object(d, kIOServiceBusyStateKey)) != NULL);
    CHECK(OSDictionary_get_object(d, kIORegistryEntryChildrenKey) == NULL);
    OSObject_release(parsed);
    OSSerialize_free(&s);

    /* A subtree alone. */
    OSSerialize_init(&s);
    REQUIRE(IORegistryEntry_serialize_archive(dev, gIOServicePlane, &s));
    parsed = OSUnserializeXML(s.text, s.length, NULL);
    REQUIRE(parsed != NULL);
    CHECK(find_in_archive((OSDictionary *)parsed, "ArchiveNub") != NULL);
    CHECK(find_in_archive((OSDictionary *)parsed, "IOResources") == NULL);
    OSObject_release(parsed);
    OSSerialize_free(&s);

    drop_nub(nub);
    IORegistryEntry_remove_property(dev, "object");
    IORegistryEntry_detach_all(dev);
    IORegistryEntry_detach_all(bus);
    OSObject_release(dev);
    OSObject_release(bus);
}

static void t_bad_input(void)
{
    char buf[64];

    iokit_test_setup();
    CHECK(!IORegistryEntry_init(NULL, NULL));
    CHECK(!IORegistryEntry_attach_to_parent(NULL, root(), gIOServicePlane));
    CHECK(!IORegistryEntry_attach_to_parent(root(), NULL, gIOServicePlane));
    IORegistryEntry_detach_from_parent(NULL, root(), gIOServicePlane);
    IORegistryEntry_detach_all(NULL);
    CHECK(!IORegistryEntry_get_path(NULL, gIOServicePlane, buf, sizeof(buf)));
    CHECK(!IORegistryEntry_serialize_archive(NULL, gIOServicePlane, NULL));
    CHECK_STR(IOReturn_name(kIOReturnNoMemory), "kIOReturnNoMemory");
    CHECK_STR(IOReturn_name(kIOReturnSuccess), "kIOReturnSuccess");
    CHECK_STR(IOReturn_name((IOReturn)0xe00002ff), "kIOReturn(0xe00002ff)");
}

static const struct tap_case cases[] = {
    TAP_CASE(t_root_and_planes),
    TAP_CASE(t_ids_unique),
    TAP_CASE(t_names_locations_properties),
    TAP_CASE(t_attach_detach),
    TAP_CASE(t_depth_limit),
    TAP_CASE(t_paths),
    TAP_CASE(t_archive),
    TAP_CASE(t_bad_input),
};

int main(void)
{
    return tap_run(cases, TAP_COUNT(cases));
}
