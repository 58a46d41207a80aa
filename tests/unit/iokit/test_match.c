/* Host unit tests for the matching engine (guest/iokit/match*.c,
 * catalogue.c): every matching key, positive and negative, with the key
 * and reason a rejection reports; the PCI and USB families; scores,
 * categories and ranking; the catalogue.
 *
 * Nubs are built as the explain-match tool builds them: instances of
 * classes made at run time by name ("IOPCIDevice" under "IOService"),
 * attached under a chain of parents. */
#include "iokit_internal.h"
#include "iokit_test.h"

#define PERS(...) D(K("IOClass") S("TestDriver") __VA_ARGS__)

/* --- Generic keys ------------------------------------------------------- */

static void t_provider_class(void)
{
    IOService *nub;

    iokit_test_setup();
    test_class("IOPCIDevice", "IOService");
    nub = make_nub("TestPCIBridgeDevice", "IOPCIDevice", NULL, NULL, NULL);
    EXPECT_MATCH(nub, PERS(K("IOProviderClass") S("TestPCIBridgeDevice")), 0);
    EXPECT_MATCH(nub, PERS(K("IOProviderClass") S("IOPCIDevice")), 0);
    EXPECT_MATCH(nub, PERS(K("IOProviderClass") S("IOService")), 0);
    EXPECT_REJECT(nub, PERS(K("IOProviderClass") S("IOUSBHostDevice")), "IOProviderClass",
                  "IOUSBHostDevice is not in the class chain of the nub, a TestPCIBridgeDevice");
    EXPECT_REJECT(nub, PERS(K("IOProviderClass") I(3)), "IOProviderClass", "must be a string");
    /* Unknown keys are properties for the driver, not matching keys. */
    EXPECT_MATCH(nub, PERS(K("IOProviderClass") S("IOService") K("SomeDriverSetting") I(7)
                           K("IOUserClass") S("X")), 0);
    /* IOProbeScore is the score; a negative one stays negative. */
    EXPECT_MATCH(nub, PERS(K("IOProviderClass") S("IOService") K("IOProbeScore") I(1234)), 1234);
    EXPECT_MATCH(nub, PERS(K("IOProviderClass") S("IOService") K("IOProbeScore") I(-5)), -5);
    drop_nub(nub);
}

static void t_name_match(void)
{
    static const char compat[] = "pci8086,10d3\0pciclass,020000";
    IOService *nub;
    OSData *d;
    OSObject *names;
    const OSString *matched = NULL;

    iokit_test_setup();
    nub = make_nub("IOService", "IOService", "ethernet", NULL, NULL);
    d = OSData_with_bytes(compat, sizeof(compat));      /* NUL-terminated list */
    IORegistryEntry_set_property(&nub->entry, "compatible", d);
    OSObject_release(d);

    EXPECT_MATCH(nub, PERS(K("IOProviderClass") S("IOService") K("IONameMatch") S("ethernet")), 0);
    EXPECT_MATCH(nub, PERS(K("IOProviderClass") S("IOService") K("IONameMatch") S("pci8086,10d3")),
                 0);
    EXPECT_MATCH(nub, PERS(K("IOProviderClass") S("IOService")
                           K("IONameMatch") S("pciclass,020000")), 0);
    EXPECT_MATCH(nub, PERS(K("IOProviderClass") S("IOService")
                           K("IONameMatch") A(S("nope") S("pciclass,020000"))), 0);
    EXPECT_REJECT(nub, PERS(K("IOProviderClass") S("IOService") K("IONameMatch") S("pci8086")),
                  "IONameMatch", "the nub is named \"ethernet\" and no compatible name matches");
    EXPECT_REJECT(nub, PERS(K("IOProviderClass") S("IOService")
                            K("IONameMatch") A(S("a") S("b"))), "IONameMatch", "IONameMatch");
    EXPECT_REJECT(nub, PERS(K("IOProviderClass") S("IOService") K("IONameMatch") I(1)),
                  "IONameMatch", "must be a string or an array of strings");

    /* Which name matched (the driver's IONameMatched). */
    names = plist(A(S("nope") S("pci8086,10d3") S("ethernet")));
    CHECK(IOMatch_compare_names(nub, names, &matched));
    CHECK(matched && strcmp(OSString_get_cstring(matched), "pci8086,10d3") == 0);
    OSObject_release(names);

    /* compatible as a string and as an array of strings. */
    OSString *s = OSString_with_cstring("vendor,thing");
    IORegistryEntry_set_property(&nub->entry, "compatible", s);
    OSObject_release(s);
    EXPECT_MATCH(nub, PERS(K("IONameMatch") S("vendor,thing")), 0);
    EXPECT_REJECT(nub, PERS(K("IONameMatch") S("pci8086,10d3")), "IONameMatch", "IONameMatch");
    OSObject *arr = plist(A(S("one") S("two")));
    IORegistryEntry_set_property(&nub->entry, "compatible", arr);
    OSObject_release(arr);
    EXPECT_MATCH(nub, PERS(K("IONameMatch") S("two")), 0);
    /* An OSData compatible list without a final NUL, and an empty one. */
    d = OSData_with_bytes("aa\0bb", 5);
    IORegistryEntry_set_property(&nub->entry, "compatible", d);
    OSObject_release(d);
    EXPECT_MATCH(nub, PERS(K("IONameMatch") S("bb")), 0);
    EXPECT_REJECT(nub, PERS(K("IONameMatch") S("b")), "IONameMatch", "IONameMatch");
    d = OSData_with_bytes("", 0);
    IORegistryEntry_set_property(&nub->entry, "compatible", d);
    OSObject_release(d);
    EXPECT_REJECT(nub, PERS(K("IONameMatch") S("")), "IONameMatch", "IONameMatch");
    drop_nub(nub);
}

static void t_property_match(void)
{
    IOService *nub;

    iokit_test_setup();
    nub = make_nub("IOService", "IOService", "propnub",
                   D(K("model") S("X") K("flag") T K("blob") "<data>AQID</data>"), NULL);
    set_num(nub, "rev", 3, 8);          /* an 8-bit number matches a plist integer */

    EXPECT_MATCH(nub, PERS(K("IOPropertyMatch") D(K("model") S("X"))), 0);
    EXPECT_MATCH(nub, PERS(K("IOPropertyMatch") D(K("model") S("X") K("rev") I(3) K("flag") T
                                                   K("blob") "<data>AQID</data>")), 0);
    EXPECT_REJECT(nub, PERS(K("IOPropertyMatch") D(K("model") S("Y"))), "IOPropertyMatch",
                  "IOPropertyMatch wants \"model\" = \"Y\", the nub has \"X\"");
    EXPECT_REJECT(nub, PERS(K("IOPropertyMatch") D(K("model") S("X") K("rev") I(4))),
                  "IOPropertyMatch", "wants \"rev\" = 4, the nub has 3");
    EXPECT_REJECT(nub, PERS(K("IOPropertyMatch") D(K("missing") I(1))), "IOPropertyMatch",
                  "the nub has (none)");
    /* An array: any one dictionary. */
    EXPECT_MATCH(nub, PERS(K("IOPropertyMatch") A(D(K("model") S("Y")) D(K("rev") I(3)))), 0);
    EXPECT_REJECT(nub, PERS(K("IOPropertyMatch") A(D(K("model") S("Y")) D(K("rev") I(4)))),
                  "IOPropertyMatch", "none of the 2 dictionaries matches");
    EXPECT_REJECT(nub, PERS(K("IOPropertyMatch") S("model")), "IOPropertyMatch",
                  "must be a dictionary or an array of dictionaries");
    EXPECT_REJECT(nub, PERS(K("IOPropertyMatch") A()), "IOPropertyMatch",
                  "must be a dictionary or an array of dictionaries");
    /* An empty dictionary asks for nothing. */
    EXPECT_MATCH(nub, PERS(K("IOPropertyMatch") D()), 0);

    /* IOPropertyExistsMatch: a name, or a list of which any one exists. */
    EXPECT_MATCH(nub, PERS(K("IOPropertyExistsMatch") S("flag")), 0);
    EXPECT_MATCH(nub, PERS(K("IOPropertyExistsMatch") A(S("nope") S("rev"))), 0);
    EXPECT_REJECT(nub, PERS(K("IOPropertyExistsMatch") S("nope")), "IOPropertyExistsMatch",
                  "the nub has no such property");
    EXPECT_REJECT(nub, PERS(K("IOPropertyExistsMatch") A(S("a") S("b"))),
                  "IOPropertyExistsMatch", "the nub has no such property");
    EXPECT_REJECT(nub, PERS(K("IOPropertyExistsMatch") I(1)), "IOPropertyExistsMatch",
                  "must be a string or an array of strings");
    drop_nub(nub);
}

static void t_resource_match(void)
{
    IOService *nub;
    OSString *v;

    iokit_test_setup();
    nub = make_nub("IOService", "IOService", "resnub", NULL, NULL);
    EXPECT_REJECT(nub, PERS(K("IOResourceMatch") S("TestMatchRes1")), "IOResourceMatch",
                  "resource \"TestMatchRes1\" is not published");
    REQUIRE(IOService_publish_resource("TestMatchRes1", NULL));
    EXPECT_MATCH(nub, PERS(K("IOResourceMatch") S("TestMatchRes1")), 0);
    /* An array: every resource. */
    EXPECT_REJECT(nub, PERS(K("IOResourceMatch") A(S("TestMatchRes1") S("TestMatchRes2"))),
                  "IOResourceMatch", "resource \"TestMatchRes2\" is not published");
    v = OSString_with_cstring("v");
    REQUIRE(IOService_publish_resource("TestMatchRes2", v));
    OSObject_release(v);
    EXPECT_MATCH(nub, PERS(K("IOResourceMatch") A(S("TestMatchRes1") S("TestMatchRes2"))), 0);
    EXPECT_REJECT(nub, PERS(K("IOResourceMatch") I(2)), "IOResourceMatch",
                  "must be a string or an array of strings");
    IOService_wait_quiet(NULL, 0);
    drop_nub(nub);
}

static void t_location_and_path_match(void)
{
    IOService *bus, *nub, *other;
    char path[IO_REGISTRY_PATH_MAX];
    char xml[IO_REGISTRY_PATH_MAX + 200];

    iokit_test_setup();
    bus = make_nub("IOService", "IOService", "LocBus", NULL, NULL);
    nub = make_nub("IOService", "IOService", "locnub", NULL, bus);
    other = make_nub("IOService", "IOService", "locnub", NULL, bus);
    IORegistryEntry_set_location(&nub->entry, "1f,3");

    EXPECT_MATCH(nub, PERS(K("IOLocationMatch") S("1f,3")), 0);
    EXPECT_REJECT(nub, PERS(K("IOLocationMatch") S("2")), "IOLocationMatch",
                  "IOLocationMatch \"2\": the nub's location is \"1f,3\"");
    EXPECT_REJECT(other, PERS(K("IOLocationMatch") S("1f,3")), "IOLocationMatch",
                  "the nub's location is (none)");
    EXPECT_REJECT(nub, PERS(K("IOLocationMatch") D(K("x") I(1))), "IOLocationMatch",
                  "the dictionary form is not supported");

    REQUIRE(IORegistryEntry_get_path(&nub->entry, gIOServicePlane, path, sizeof(path)));
    CHECK_STR(path, "IOService:/LocBus/locnub@1f,3");
    snprintf(xml, sizeof(xml), PERS(K("IOPathMatch") S("%s")), path);
    EXPECT_MATCH(nub, xml, 0);
    EXPECT_REJECT(other, xml, "IOPathMatch", "names another entry");
    EXPECT_REJECT(nub, PERS(K("IOPathMatch") S("IOService:/LocBus/nothing")), "IOPathMatch",
                  "names no entry");
    EXPECT_REJECT(nub, PERS(K("IOPathMatch") I(1)), "IOPathMatch", "must be a string");
    drop_nub(other);
    drop_nub(nub);
    drop_nub(bus);
}

static void t_parent_match(void)
{
    IOService *bridge, *mid, *nub;

    iokit_test_setup();
    test_class("IOPCIDevice", "IOService");
    bridge = make_nub("TestBridge", "IOService", "pcibridge", D(K("kind") S("bridge")), NULL);
    mid = make_nub("IOPCIDevice", "IOService", "mid", NULL, bridge);
    nub = make_nub("IOService", "IOService", "leaf", NULL, mid);

    EXPECT_MATCH(nub, PERS(K("IOParentMatch") D(K("IONameMatch") S("mid"))), 0);
    EXPECT_MATCH(nub, PERS(K("IOParentMatch") D(K("IOProviderClass") S("TestBridge"))), 0);
    EXPECT_MATCH(nub, PERS(K("IOParentMatch") D(K("IOPropertyMatch") D(K("kind") S("bridge")))),
                 0);
    /* Not the nub itself: its providers only. */
    EXPECT_REJECT(nub, PERS(K("IOParentMatch") D(K("IONameMatch") S("leaf"))), "IOParentMatch",
                  "no provider up to the root matches (the nub's provider mid fails on "
                  "IONameMatch)");
    EXPECT_REJECT(bridge, PERS(K("IOParentMatch") D(K("IONameMatch") S("x"))), "IOParentMatch",
                  "the nub has no provider");
    EXPECT_REJECT(nub, PERS(K("IOParentMatch") S("mid")), "IOParentMatch",
                  "must be a dictionary");
    /* Nested: a parent whose own parent matches. */
    EXPECT_MATCH(nub, PERS(K("IOParentMatch") D(K("IONameMatch") S("mid")
                                                K("IOParentMatch") D(K("IONameMatch")
                                                                     S("pcibridge")))), 0);
    EXPECT_REJECT(nub, PERS(K("IOParentMatch") D(K("IOParentMatch") D(K("IOParentMatch")
                  D(K("IOParentMatch") D(K("IOParentMatch") D(K("IONameMatch") S("x"))))))),
                  "IOParentMatch", "IOParentMatch");
    drop_nub(nub);
    drop_nub(mid);
    drop_nub(bridge);
}

static void t_other_generic_keys(void)
{
    IOService *nub;
    char xml[256];

    iokit_test_setup();
    nub = make_nub("IOService", "IOService", "idnub", NULL, NULL);
    snprintf(xml, sizeof(xml), PERS(K("IORegistryEntryID") "<integer>%llu</integer>"),
             (unsigned long long)nub->entry.registry_id);
    EXPECT_MATCH(nub, xml, 0);
    EXPECT_REJECT(nub, PERS(K("IORegistryEntryID") I(5)), "IORegistryEntryID",
                  "IORegistryEntryID 0x5");
    EXPECT_MATCH(nub, PERS(K("IOMatchedServiceCountMatch") I(0)), 0);
    EXPECT_REJECT(nub, PERS(K("IOMatchedServiceCountMatch") I(1)), "IOMatchedServiceCountMatch",
                  "the nub has 0 matched clients");
    drop_nub(nub);
}

/* --- PCI ---------------------------------------------------------------- */

/* A PCI nub: 8086:10d3, subsystem 1af4:1100, class 020000, revision 1,
 * stored as IOPCIFamily stores them (4-byte little-endian OSData). */
static IOService *pci_nub(bool numbers)
{
    IOService *nub;

    test_class("IOPCIDevice", "IOService");
    nub = make_nub("TestPCIFunction", "IOPCIDevice", "pci8086,10d3", NULL, NULL);
    if (numbers) {
        set_num(nub, "vendor-id", 0x8086, 32);
        set_num(nub, "device-id", 0x10d3, 32);
        set_num(nub, "subsystem-vendor-id", 0x1af4, 32);
        set_num(nub, "subsystem-id", 0x1100, 32);
        set_num(nub, "class-code", 0x020000, 32);
        set_num(nub, "revision-id", 1, 32);
    } else {
        set_data_le(nub, "vendor-id", 0x8086, 4);
        set_data_le(nub, "device-id", 0x10d3, 4);
        set_data_le(nub, "subsystem-vendor-id", 0x1af4, 4);
        set_data_le(nub, "subsystem-id", 0x1100, 4);
        set_data_le(nub, "class-code", 0x020000, 4);
        set_data_le(nub, "revision-id", 1, 4);
    }
    return nub;
}

#define PCI(...) PERS(K("IOProviderClass") S("IOPCIDevice") __VA_ARGS__)

static void t_pci_match(void)
{
    for (int numbers = 0; numbers < 2; numbers++) {
        IOService *nub;

        iokit_test_setup();
        nub = pci_nub(numbers);
        /* The primary ID adds 1000; the subsystem ID matches without it. */
        EXPECT_MATCH(nub, PCI(K("IOPCIMatch") S("0x10d38086")), 1000);
        EXPECT_MATCH(nub, PCI(K("IOPCIMatch") S("0x11008086 0x10d38086")), 1000);
        EXPECT_MATCH(nub, PCI(K("IOPCIMatch") S("0x11001af4")), 0);
        EXPECT_MATCH(nub, PCI(K("IOPCIMatch") S("10d38086")), 1000);       /* 0x optional */
        EXPECT_MATCH(nub, PCI(K("IOPCIMatch") S("0x10008086&amp;0xff00ffff")), 1000);
        EXPECT_MATCH(nub, PCI(K("IOPCIMatch") S("  0x12348086&amp;0x0000ffff\t")), 1000);
        EXPECT_MATCH(nub, PCI(K("IOPCIMatch") S("0x10d38086") K("IOProbeScore") I(5)), 1005);
        EXPECT_REJECT(nub, PCI(K("IOPCIMatch") S("0x10008086 0x10d48086")), "IOPCIMatch",
                      "IOPCIMatch: vendor 0x8086 device 0x10d3 (subsystem vendor 0x1af4 id "
                      "0x1100) is not in \"0x10008086 0x10d48086\"");
        EXPECT_REJECT(nub, PCI(K("IOPCIMatch") S("0x10008086&amp;0xffffffff")), "IOPCIMatch",
                      "is not in");
        drop_nub(nub);
    }
}

static void t_pci_primary_secondary_class(void)
{
    IOService *nub;

    iokit_test_setup();
    nub = pci_nub(false);
    EXPECT_MATCH(nub, PCI(K("IOPCIPrimaryMatch") S("0x10d38086")), 0);
    EXPECT_MATCH(nub, PCI(K("IOPCIPrimaryMatch") S("0x1000 0x10d38086&amp;0xffffffff")), 0);
    EXPECT_REJECT(nub, PCI(K("IOPCIPrimaryMatch") S("0x11001af4")), "IOPCIPrimaryMatch",
                  "IOPCIPrimaryMatch: vendor 0x8086 device 0x10d3 (0x10d38086) is not in");
    EXPECT_MATCH(nub, PCI(K("IOPCISecondaryMatch") S("0x11001af4")), 0);
    EXPECT_MATCH(nub, PCI(K("IOPCISecondaryMatch") S("0x00001af4&amp;0x0000ffff")), 0);
    EXPECT_REJECT(nub, PCI(K("IOPCISecondaryMatch") S("0x10d38086")), "IOPCISecondaryMatch",
                  "IOPCISecondaryMatch: subsystem vendor 0x1af4 id 0x1100 (0x11001af4)");

    /* Class: class-code << 8 | revision, the revision masked off by
     * default. */
    EXPECT_MATCH(nub, PCI(K("IOPCIClassMatch") S("0x02000000")), 0);
    EXPECT_MATCH(nub, PCI(K("IOPCIClassMatch") S("0x02000000&amp;0xffff0000")), 0);
    EXPECT_MATCH(nub, PCI(K("IOPCIClassMatch") S("0x0c033000 0x02000001&amp;0xffffffff")), 0);
    EXPECT_REJECT(nub, PCI(K("IOPCIClassMatch") S("0x02000000&amp;0xffffffff")), "IOPCIClassMatch",
                  "IOPCIClassMatch: class-code 0x020000 revision 0x01 (0x02000001) is not in");
    EXPECT_REJECT(nub, PCI(K("IOPCIClassMatch") S("0x03000000")), "IOPCIClassMatch",
                  "class-code 0x020000");

    /* Every key given must match: the first that fails is reported. */
    EXPECT_MATCH(nub, PCI(K("IOPCIMatch") S("0x10d38086") K("IOPCIClassMatch") S("0x02000000")),
                 1000);
    EXPECT_REJECT(nub, PCI(K("IOPCIMatch") S("0x10d38086") K("IOPCIClassMatch")
                           S("0x03000000")), "IOPCIClassMatch", "IOPCIClassMatch");
    EXPECT_REJECT(nub, PCI(K("IOPCIMatch") S("0x10d38086") K("IOPCISecondaryMatch")
                           S("0x1")), "IOPCISecondaryMatch", "IOPCISecondaryMatch");

    /* Malformed values never match. */
    EXPECT_REJECT(nub, PCI(K("IOPCIMatch") S("0x10d3808z")), "IOPCIMatch",
                  "is not a list of hex numbers with optional &mask (at \"0x10d3808z\")");
    EXPECT_REJECT(nub, PCI(K("IOPCIMatch") S("0x10d38086&amp;")), "IOPCIMatch",
                  "not a list of hex numbers");
    EXPECT_REJECT(nub, PCI(K("IOPCIMatch") S("0x110d38086")), "IOPCIMatch",
                  "not a list of hex numbers");
    EXPECT_REJECT(nub, PCI(K("IOPCIMatch") S("0x")), "IOPCIMatch", "not a list of hex numbers");
    EXPECT_REJECT(nub, PCI(K("IOPCIClassMatch") S("0x02000000,0x03000000")), "IOPCIClassMatch",
                  "(at \"0x02000000,0x03000000\")");
    EXPECT_REJECT(nub, PCI(K("IOPCIMatch") I(0x10d38086)), "IOPCIMatch", "must be a string");
    /* An empty list names nothing. */
    EXPECT_REJECT(nub, PCI(K("IOPCIMatch") S("")), "IOPCIMatch", "is not in \"\"");

    /* A PCI nub without IDs. */
    IORegistryEntry_remove_property(&nub->entry, "vendor-id");
    EXPECT_REJECT(nub, PCI(K("IOPCIMatch") S("0x10d38086")), "IOPCIMatch",
                  "the nub has no vendor-id or device-id property");
    IORegistryEntry_remove_property(&nub->entry, "class-code");
    EXPECT_REJECT(nub, PCI(K("IOPCIClassMatch") S("0x02000000")), "IOPCIClassMatch",
                  "the nub has no class-code property");
    drop_nub(nub);

    /* The PCI keys are the PCI family's: on another nub they are only
     * properties. */
    nub = make_nub("IOService", "IOService", "notpci", NULL, NULL);
    EXPECT_MATCH(nub, PERS(K("IOPCIMatch") S("0x10d38086")), 0);
    drop_nub(nub);
}

/* --- USB ---------------------------------------------------------------- */

static IOService *usb_device(unsigned cls)
{
    char props[512];

    test_class("IOUSBHostDevice", "IOService");
    snprintf(props, sizeof(props),
             D(K("idVendor") I(1452) K("idProduct") I(4660) K("bcdDevice") I(256)
               K("bDeviceClass") "<integer>%u</integer>" K("bDeviceSubClass") I(0)
               K("bDeviceProtocol") I(1)), cls);
    return make_nub("TestUSBDevice", "IOUSBHostDevice", "usbdev", props, NULL);
}

#define USBD(...) PERS(K("IOProviderClass") S("IOUSBHostDevice") __VA_ARGS__)

static void t_usb_device_combinations(void)
{
    IOService *hub, *vs;

    iokit_test_setup();
    hub = usb_device(9);
    vs = usb_device(0xff);
    /* The rows of the precedence table. */
    EXPECT_MATCH(hub, USBD(K("idVendor") I(1452) K("idProduct") I(4660) K("bcdDevice") I(256)),
                 100000);
    EXPECT_MATCH(hub, USBD(K("idVendor") I(1452) K("idProduct") I(4660)), 90000);
    EXPECT_MATCH(hub, USBD(K("idVendor") I(1452) K("idProduct") I(4660) K("bDeviceClass") I(9)),
                 90000);
    EXPECT_MATCH(vs, USBD(K("idVendor") I(1452) K("bDeviceSubClass") I(0)
                          K("bDeviceProtocol") I(1)), 80000);
    EXPECT_MATCH(vs, USBD(K("idVendor") I(1452) K("bDeviceSubClass") I(0)), 70000);
    EXPECT_MATCH(hub, USBD(K("bDeviceClass") I(9) K("bDeviceSubClass") I(0)
                           K("bDeviceProtocol") I(1)), 60000);
    EXPECT_MATCH(hub, USBD(K("bDeviceClass") I(9) K("bDeviceSubClass") I(0)), 50000);
    EXPECT_MATCH(hub, USBD(K("bDeviceClass") I(9)), 40000);

    /* The vendor rows are only for vendor-specific devices. */
    EXPECT_REJECT(hub, USBD(K("idVendor") I(1452) K("bDeviceSubClass") I(0)), "idVendor",
                  "matches only a vendor-specific device (bDeviceClass 0xff); this one's is 9");
    /* Combinations that are not in the table. */
    EXPECT_REJECT(hub, USBD(K("idVendor") I(1452)), "idVendor",
                  "idVendor is not a USB device key combination");
    EXPECT_REJECT(hub, USBD(K("idVendor") I(1452) K("bDeviceClass") I(9)), "idVendor",
                  "idVendor + bDeviceClass is not a USB device key combination");
    EXPECT_REJECT(hub, USBD(K("idProduct") I(4660) K("bcdDevice") I(256)), "idProduct",
                  "idProduct + bcdDevice is not a USB device key combination");
    EXPECT_REJECT(hub, USBD(K("bDeviceClass") I(9) K("bDeviceProtocol") I(1)), "bDeviceClass",
                  "bDeviceClass + bDeviceProtocol is not");
    EXPECT_REJECT(hub, USBD(K("bDeviceSubClass") I(0)), "bDeviceSubClass", "is not a USB device");
    /* No USB key at all. */
    EXPECT_REJECT(hub, USBD(K("IOProbeScore") I(1)), "IOProviderClass",
                  "the personality has no USB key");
    /* ... but a bare matching dictionary (IOService_service_matching) is not
     * the family's business. */
    OSDictionary *m = IOService_service_matching("IOUSBHostDevice");
    IOMatchResult r;
    CHECK(IOCatalogue_match_personality(hub, m, &r));
    OSObject_release(m);

    /* Every key given must equal the device's. */
    EXPECT_REJECT(hub, USBD(K("idVendor") I(1452) K("idProduct") I(4661)), "idProduct",
                  "idProduct 0x1235: the device's is 0x1234");
    EXPECT_REJECT(hub, USBD(K("idVendor") I(1452) K("idProduct") I(4660) K("bDeviceClass") I(3)),
                  "bDeviceClass", "bDeviceClass 3: the device's is 9");
    EXPECT_REJECT(hub, USBD(K("idVendor") S("0x5ac") K("idProduct") I(4660)), "idVendor",
                  "idVendor must be an integer or \"*\"");
    drop_nub(vs);
    drop_nub(hub);
}

static void t_usb_scores(void)
{
    IOService *dev;

    iokit_test_setup();
    dev = usb_device(9);
    /* IOProbeScore adds, up to 9000 (10000 or more counts as 9000). */
    EXPECT_MATCH(dev, USBD(K("bDeviceClass") I(9) K("IOProbeScore") I(5000)), 45000);
    EXPECT_MATCH(dev, USBD(K("bDeviceClass") I(9) K("IOProbeScore") I(9999)), 49999);
    EXPECT_MATCH(dev, USBD(K("bDeviceClass") I(9) K("IOProbeScore") I(20000)), 49000);
    /* Wildcards: 1000 less each; idProductMask: 500 less. */
    EXPECT_MATCH(dev, USBD(K("idVendor") I(1452) K("idProduct") S("*")), 89000);
    EXPECT_MATCH(dev, USBD(K("idVendor") S("*") K("idProduct") S("*")), 88000);
    EXPECT_MATCH(dev, USBD(K("idVendor") I(1452) K("idProduct") I(4608)
                           K("idProductMask") I(65280)), 89500);
    EXPECT_MATCH(dev, USBD(K("idVendor") I(1452) K("idProduct") I(4660)
                           K("idProductMask") I(65280)), 90000);    /* exact: no penalty */
    EXPECT_REJECT(dev, USBD(K("idVendor") I(1452) K("idProduct") I(8704)
                            K("idProductMask") I(65280)), "idProduct",
                  "(also under idProductMask)");
    /* idProductArray: any entry. */
    EXPECT_MATCH(dev, USBD(K("idVendor") I(1452) K("idProductArray") A(I(1) I(4660))), 90000);
    EXPECT_MATCH(dev, USBD(K("idVendor") I(1452) K("idProductArray") A(I(4608))
                           K("idProductMask") I(65280)), 89500);
    EXPECT_REJECT(dev, USBD(K("idVendor") I(1452) K("idProductArray") A(I(1) I(2))),
                  "idProductArray", "idProductArray: the device's idProduct 0x1234 is not in it");
    drop_nub(dev);
}

static void t_usb_interface(void)
{
    IOService *intf, *vs;

    iokit_test_setup();
    test_class("IOUSBHostInterface", "IOService");
    intf = make_nub("TestUSBInterface", "IOUSBHostInterface", "intf",
                    D(K("idVendor") I(1452) K("idProduct") I(4660) K("bcdDevice") I(256)
                      K("bConfigurationValue") I(1) K("bInterfaceNumber") I(0)
                      K("bInterfaceClass") I(3) K("bInterfaceSubClass") I(1)
                      K("bInterfaceProtocol") I(2)), NULL);
    vs = make_nub("TestUSBInterface", "IOUSBHostInterface", "intf",
                  D(K("idVendor") I(1452) K("bInterfaceClass") I(255) K("bInterfaceSubClass") I(7)
                    K("bInterfaceProtocol") I(8)), NULL);
#define USBI(...) PERS(K("IOProviderClass") S("IOUSBHostInterface") __VA_ARGS__)
    EXPECT_MATCH(intf, USBI(K("idVendor") I(1452) K("idProduct") I(4660) K("bcdDevice") I(256)
                            K("bConfigurationValue") I(1) K("bInterfaceNumber") I(0)), 100000);
    EXPECT_MATCH(intf, USBI(K("idVendor") I(1452) K("idProduct") I(4660)
                            K("bConfigurationValue") I(1) K("bInterfaceNumber") I(0)), 90000);
    EXPECT_MATCH(vs, USBI(K("idVendor") I(1452) K("bInterfaceSubClass") I(7)
                          K("bInterfaceProtocol") I(8)), 80000);
    EXPECT_MATCH(vs, USBI(K("idVendor") I(1452) K("bInterfaceSubClass") I(7)), 70000);
    EXPECT_MATCH(intf, USBI(K("bInterfaceClass") I(3) K("bInterfaceSubClass") I(1)
                            K("bInterfaceProtocol") I(2)), 60000);
    EXPECT_MATCH(intf, USBI(K("bInterfaceClass") I(3) K("bInterfaceSubClass") I(1)), 50000);
    EXPECT_MATCH(intf, USBI(K("bInterfaceClass") I(3)), 40000);
    /* A device's vendor + product is not an interface combination. */
    EXPECT_REJECT(intf, USBI(K("idVendor") I(1452) K("idProduct") I(4660)), "idVendor",
                  "idVendor + idProduct is not a USB interface key combination");
    EXPECT_REJECT(intf, USBI(K("bInterfaceClass") I(3) K("bInterfaceNumber") I(0)),
                  "bInterfaceClass", "bInterfaceClass + bInterfaceNumber is not");
    EXPECT_REJECT(intf, USBI(K("bInterfaceClass") I(8)), "bInterfaceClass",
                  "bInterfaceClass 8: the interface's is 3");
    EXPECT_REJECT(intf, USBI(K("idVendor") I(1452) K("bInterfaceSubClass") I(1)), "idVendor",
                  "vendor-specific interface (bInterfaceClass 0xff)");
    /* Device keys on an interface are ignored (properties). */
    EXPECT_MATCH(intf, USBI(K("bInterfaceClass") I(3) K("bDeviceClass") I(99)), 40000);
    drop_nub(vs);
    drop_nub(intf);
}

/* --- Ranking and the catalogue ------------------------------------------ */

struct report_log {
    char text[1024];
    unsigned n;
};

static void record_report(void *ctx, OSDictionary *p, const IOMatchResult *r)
{
    struct report_log *log = ctx;
    OSString *name = OSDynamicCast(OSString, OSDictionary_get_object(p, kIOPersonalityNameKey));
    size_t len = strlen(log->text);

    snprintf(log->text + len, sizeof(log->text) - len, "%s:%s:%d ",
             name ? OSString_get_cstring(name) : "?",
             r->matched ? "ok" : r->rejected_key, (int)r->score);
    log->n++;
}

static OSDictionary *bundle(void)
{
    return plist_dict(D(K("CFBundleIdentifier") S("com.example.rank")
        K("IOKitPersonalities") D(
            K("low") D(K("IOClass") S("X") K("IOProviderClass") S("IOService"))
            K("highA") D(K("IOClass") S("X") K("IOProviderClass") S("IOPCIDevice")
                         K("IOProbeScore") I(100))
            K("usb") D(K("IOClass") S("X") K("IOProviderClass") S("IOUSBHostDevice")
                       K("bDeviceClass") I(9))
            K("highB") D(K("IOClass") S("X") K("IOProviderClass") S("TestRankNub")
                         K("IOProbeScore") I(100))
            K("zcat") D(K("IOClass") S("X") K("IOProviderClass") S("IOService")
                        K("IOMatchCategory") S("Zeta") K("IOProbeScore") I(999))
            K("acat") D(K("IOClass") S("X") K("IOProviderClass") S("IOService")
                        K("IOMatchCategory") S("Alpha"))
            K("miss") D(K("IOClass") S("X") K("IOProviderClass") S("IOPCIDevice")
                        K("IONameMatch") S("other")))));
}

static const char *cand_name(const IOMatchCandidates *c, unsigned i)
{
    return OSString_get_cstring((OSString *)OSDictionary_get_object(c->items[i].personality,
                                                                    kIOPersonalityNameKey));
}

static void t_ranking(void)
{
    IOCatalogue *cat;
    IOMatchCandidates c = { 0 };
    OSDictionary *info;
    IOService *nub;
    struct report_log log = { "", 0 };
    uint64_t tests;

    iokit_test_setup();
    test_class("IOPCIDevice", "IOService");
    nub = make_nub("TestRankNub", "IOPCIDevice", "rank", NULL, NULL);
    cat = IOCatalogue_create();
    REQUIRE(cat);
    info = bundle();
    CHECK_EQ(IOCatalogue_add_bundle(cat, info, "test"), 7);
    CHECK_EQ(IOCatalogue_get_count(cat), 7);

    /* Categories by name; in each, highest score first, then catalogue
     * order (highA was added before highB). */
    REQUIRE_EQ(IOCatalogue_find_candidates(cat, nub, &c, NULL, NULL, false), 5);
    CHECK_STR(cand_name(&c, 0), "acat");
    CHECK_STR(OSSymbol_get_cstring(c.items[0].category), "Alpha");
    CHECK_STR(cand_name(&c, 1), "highA");
    CHECK_STR(cand_name(&c, 2), "highB");
    CHECK_STR(cand_name(&c, 3), "low");
    CHECK_STR(OSSymbol_get_cstring(c.items[3].category), "IODefaultMatchCategory");
    CHECK(c.items[1].category == c.items[3].category);
    CHECK_STR(cand_name(&c, 4), "zcat");
    CHECK_EQ(c.items[4].score, 999);
    CHECK(c.items[1].order < c.items[2].order);
    /* Only the personalities of the nub's classes were tested: not usb. */
    tests = IOCatalogue_get_match_tests(cat);
    CHECK_EQ(tests, 6);

    /* report_all: every personality, in catalogue order, with the key
     * that rejected it. */
    REQUIRE_EQ(IOCatalogue_find_candidates(cat, nub, &c, record_report, &log, true), 5);
    CHECK_EQ(log.n, 7);
    CHECK_STR(log.text, "low:ok:0 highA:ok:100 usb:IOProviderClass:0 highB:ok:100 "
                        "zcat:ok:999 acat:ok:0 miss:IONameMatch:0 ");
    CHECK_EQ(IOCatalogue_get_match_tests(cat), tests + 6);

    /* Removal by bundle. */
    OSDictionary *byname = plist_dict(D(K("IOPersonalityName") S("highA")));
    CHECK_EQ(IOCatalogue_remove_drivers(cat, byname), 1);
    OSObject_release(byname);
    CHECK_EQ(IOCatalogue_find_candidates(cat, nub, &c, NULL, NULL, false), 4);
    CHECK_STR(cand_name(&c, 1), "highB");
    OSDictionary *bybundle = plist_dict(D(K("CFBundleIdentifier") S("com.example.rank")));
    CHECK_EQ(IOCatalogue_remove_drivers(cat, bybundle), 6);
    OSObject_release(bybundle);
    CHECK_EQ(IOCatalogue_get_count(cat), 0);
    CHECK_EQ(IOCatalogue_find_candidates(cat, nub, &c, NULL, NULL, false), 0);
    IOMatchCandidates_free(&c);
    IOCatalogue_destroy(cat);
    OSObject_release(info);
    drop_nub(nub);
}

static void t_catalogue_bundles(void)
{
    IOCatalogue *cat;
    OSDictionary *info, *p, *empty;
    OSArray *drivers;

    iokit_test_setup();
    cat = IOCatalogue_create();
    REQUIRE(cat);
    info = plist_dict(D(K("CFBundleIdentifier") S("com.example.b")
        K("IOKitPersonalities") D(
            K("good") D(K("IOClass") S("X") K("IOProviderClass") S("IOService"))
            K("notdict") S("oops")
            K("noprovider") D(K("IOClass") S("X"))
            K("badprovider") D(K("IOClass") S("X") K("IOProviderClass") I(1))
            K("good2") D(K("IOClass") S("Y") K("IOProviderClass") S("IOPCIDevice")))));
    /* The bad ones are skipped (and logged). */
    CHECK_EQ(IOCatalogue_add_bundle(cat, info, "test"), 2);
    p = IOCatalogue_get_personality(cat, 1);
    REQUIRE(p != NULL);
    CHECK_STR(OSString_get_cstring((OSString *)OSDictionary_get_object(p, "CFBundleIdentifier")),
              "com.example.b");
    CHECK_STR(OSString_get_cstring((OSString *)OSDictionary_get_object(p, "IOPersonalityName")),
              "good2");
    /* The catalogue keeps copies: the Info.plist is unchanged. */
    CHECK(OSDictionary_get_object((OSDictionary *)OSDictionary_get_object(
              (OSDictionary *)OSDictionary_get_object(info, "IOKitPersonalities"), "good"),
              "IOPersonalityName") == NULL);
    CHECK(IOCatalogue_get_personality(cat, 2) == NULL);
    p = plist_dict(D(K("IOKitPersonalities") S("x")));
    CHECK_EQ(IOCatalogue_add_bundle(cat, p, NULL), 0);
    OSObject_release(p);

    /* add_drivers: all or nothing; defaults; duplicates skipped. */
    drivers = (OSArray *)plist(A(D(K("IOClass") S("Z") K("IOProviderClass") S("IOService"))
                                 S("not a dictionary")));
    CHECK_EQ(IOCatalogue_add_drivers(cat, drivers, false), kIOReturnBadArgument);
    OSObject_release(drivers);
    CHECK_EQ(IOCatalogue_get_count(cat), 2);
    drivers = (OSArray *)plist(A(D(K("IOClass") S("Z") K("IOProviderClass") S("IOService"))
                                 D(K("IOClass") S("Z") K("IOProviderClass") S("IOService"))));
    CHECK_EQ(IOCatalogue_add_drivers(cat, drivers, false), kIOReturnSuccess);
    CHECK_EQ(IOCatalogue_get_count(cat), 3);
    CHECK_EQ(IOCatalogue_add_drivers(cat, drivers, false), kIOReturnSuccess);
    CHECK_EQ(IOCatalogue_get_count(cat), 3);
    OSObject_release(drivers);
    p = IOCatalogue_get_personality(cat, 2);
    CHECK_STR(OSString_get_cstring((OSString *)OSDictionary_get_object(p, "IOPersonalityName")),
              "Z");
    CHECK_STR(OSString_get_cstring((OSString *)OSDictionary_get_object(p, "CFBundleIdentifier")),
              "dextbed.runtime");
    CHECK_EQ(IOCatalogue_add_drivers(cat, NULL, false), kIOReturnBadArgument);

    /* An empty matching dictionary removes nothing. */
    empty = plist_dict(D());
    CHECK_EQ(IOCatalogue_remove_drivers(cat, empty), 0);
    CHECK_EQ(IOCatalogue_remove_drivers(cat, NULL), 0);
    OSObject_release(empty);
    CHECK_EQ(IOCatalogue_get_count(cat), 3);
    IOCatalogue_destroy(cat);
    OSObject_release(info);
}

static void t_bad_input(void)
{
    IOMatchResult r;
    IOMatchCandidates c = { 0 };
    IOService *nub;
    OSDictionary *p;

    iokit_test_setup();
    nub = make_nub("IOService", "IOService", "bad", NULL, NULL);
    p = IOService_name_matching("bad");
    CHECK(!IOCatalogue_match_personality(NULL, p, &r));
    CHECK_STR(r.rejected_key, "IOProviderClass");
    CHECK(!IOCatalogue_match_personality(nub, NULL, &r));
    CHECK(!IOCatalogue_match_personality((IOService *)p, p, &r));       /* not a service */
    CHECK(IOCatalogue_match_personality(nub, p, NULL));
    CHECK_EQ(IOCatalogue_find_candidates(NULL, nub, &c, NULL, NULL, false), 0);
    CHECK_EQ(IOCatalogue_find_candidates(gIOCatalogue, NULL, &c, NULL, NULL, true), 0);
    CHECK_EQ(IOCatalogue_find_candidates(gIOCatalogue, nub, NULL, NULL, NULL, false), 0);
    CHECK_EQ(IOCatalogue_add_bundle(NULL, p, NULL), 0);
    CHECK_EQ(IOCatalogue_add_bundle(gIOCatalogue, NULL, NULL), 0);
    OSObject_release(p);
    drop_nub(nub);
}

static const struct tap_case cases[] = {
    TAP_CASE(t_provider_class),
    TAP_CASE(t_name_match),
    TAP_CASE(t_property_match),
    TAP_CASE(t_resource_match),
    TAP_CASE(t_location_and_path_match),
    TAP_CASE(t_parent_match),
    TAP_CASE(t_other_generic_keys),
    TAP_CASE(t_pci_match),
    TAP_CASE(t_pci_primary_secondary_class),
    TAP_CASE(t_usb_device_combinations),
    TAP_CASE(t_usb_scores),
    TAP_CASE(t_usb_interface),
    TAP_CASE(t_ranking),
    TAP_CASE(t_catalogue_bundles),
    TAP_CASE(t_bad_input),
};

int main(void)
{
    return tap_run(cases, TAP_COUNT(cases));
}
