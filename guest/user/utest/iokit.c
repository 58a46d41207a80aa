/* libkern in a guest program (the third build of the same sources) and the
 * registry archive system call. */
#include <libkern/libkern.h>

#include "iokit_user.h"
#include "mach/syscall.h"
#include "ut.h"

static bool libkern_ready(void)
{
    static bool ready;

    if (!ready)
        ready = libkern_init();
    return ready;
}

static const char sample[] =
    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
    "<plist version=\"1.0\">\n"
    "<dict>\n"
    "\t<key>name</key>\n\t<string>caf&amp;e</string>\n"
    "\t<key>hex</key>\n\t<integer>0x8086</integer>\n"
    "\t<key>neg</key>\n\t<integer>-42</integer>\n"
    "\t<key>on</key>\n\t<true/>\n"
    "\t<key>blob</key>\n\t<data>3q2+7w==</data>\n"
    "\t<key>list</key>\n\t<array><real>1.5</real><date>2001-01-02T00:00:00Z</date></array>\n"
    "</dict>\n"
    "</plist>\n";

UT_TEST(libkern_user_parse, "iokit.libkern_parse_in_userland")
{
    OSPlistError err;

    CHECK(libkern_ready());
    OSDictionary *d = OSDynamicCast(OSDictionary,
        OSUnserializeXML(sample, sizeof(sample) - 1, &err));
    CHECK(d != NULL);
    CHECK_EQ(OSDictionary_get_count(d), 6);
    OSString *name = OSDynamicCast(OSString, OSDictionary_get_object(d, "name"));
    CHECK(name && OSString_is_equal_to_cstring(name, "caf&e"));
    OSNumber *hex = OSDynamicCast(OSNumber, OSDictionary_get_object(d, "hex"));
    CHECK(hex && OSNumber_unsigned_64(hex) == 0x8086);
    OSNumber *neg = OSDynamicCast(OSNumber, OSDictionary_get_object(d, "neg"));
    CHECK(neg && OSNumber_signed_64(neg) == -42);
    CHECK(OSDictionary_get_object(d, "on") == (OSObject *)kOSBooleanTrue);
    OSData *blob = OSDynamicCast(OSData, OSDictionary_get_object(d, "blob"));
    CHECK(blob && OSData_get_length(blob) == 4 &&
          ((const uint8_t *)OSData_get_bytes(blob))[0] == 0xde);
    OSArray *list = OSDynamicCast(OSArray, OSDictionary_get_object(d, "list"));
    CHECK(list && OSArray_get_count(list) == 2);
    OSDate *date = OSDynamicCast(OSDate, OSArray_get_object(list, 1));
    CHECK(date && OSDate_get_seconds(date) == 86400);

    /* Serialize, parse again: equal, and serializing that is byte-exact. */
    OSSerialize s1, s2;
    OSSerialize_init(&s1);
    OSSerialize_init(&s2);
    CHECK(OSSerialize_object_xml(&s1, d, 0));
    OSObject *again = OSUnserializeXML(s1.text, s1.length, &err);
    CHECK(again && OSObject_is_equal_to(again, d));
    CHECK(OSSerialize_object_xml(&s2, again, 0));
    CHECK(s1.length == s2.length && memcmp(s1.text, s2.text, s1.length) == 0);
    OSSerialize_free(&s1);
    OSSerialize_free(&s2);
    OSObject_release(again);
    OSObject_release(d);
}

UT_TEST(libkern_user_error, "iokit.libkern_error_line_column_in_userland")
{
    static const char bad[] = "<dict>\n  <key>a</key>\n  <integer>12x</integer>\n</dict>";
    OSPlistError err;

    CHECK(libkern_ready());
    CHECK(OSUnserializeXML(bad, sizeof(bad) - 1, &err) == NULL);
    CHECK_EQ(err.line, 3);
    CHECK(err.column >= 3);
    CHECK(err.message[0] != '\0');
}

/* The IOService plane's archive: Root with IOResources under it. */
UT_TEST(registry_archive, "iokit.registry_archive_syscall")
{
    char *xml = NULL;
    size_t len = 0;
    OSPlistError err;

    CHECK(libkern_ready());
    CHECK_KR(io_registry_copy_archive("IOService", &xml, &len), KERN_SUCCESS);
    CHECK(xml && len > 100 && strlen(xml) == len);
    OSDictionary *root = OSDynamicCast(OSDictionary, OSUnserializeXML(xml, len, &err));
    free(xml);
    CHECK(root != NULL);
    OSString *name = OSDynamicCast(OSString,
        OSDictionary_get_object(root, "IORegistryEntryName"));
    CHECK(name && OSString_is_equal_to_cstring(name, "Root"));
    OSArray *kids = OSDynamicCast(OSArray,
        OSDictionary_get_object(root, "IORegistryEntryChildren"));
    bool found = false;
    for (unsigned i = 0; kids && i < OSArray_get_count(kids); i++) {
        OSDictionary *k = OSDynamicCast(OSDictionary, OSArray_get_object(kids, i));
        OSString *cls = k ? OSDynamicCast(OSString,
            OSDictionary_get_object(k, "IOObjectClass")) : NULL;
        if (cls && OSString_is_equal_to_cstring(cls, "IOResources")) {
            found = true;
            CHECK(OSDictionary_get_object(k, "IOKit") == (OSObject *)kOSBooleanTrue);
        }
    }
    OSObject_release(root);
    CHECK(found);
}

UT_TEST(registry_archive_errors, "iokit.registry_archive_bad_input")
{
    char buf[16];
    uint64_t needed = 0;

    CHECK_KR(syscall6(SYS_io_registry_copy_archive, (long)"NoSuchPlane",
                      (long)buf, sizeof(buf), (long)&needed, 0, 0),
             KERN_INVALID_ARGUMENT);
    CHECK_KR(syscall6(SYS_io_registry_copy_archive, (long)UT_UNMAPPED_ADDR,
                      (long)buf, sizeof(buf), (long)&needed, 0, 0),
             KERN_INVALID_ADDRESS);
    /* Too small: says how much is needed, writes nothing into buf. */
    memset(buf, 'x', sizeof(buf));
    CHECK_KR(syscall6(SYS_io_registry_copy_archive, (long)"IOService",
                      (long)buf, sizeof(buf), (long)&needed, 0, 0),
             KERN_NO_SPACE);
    CHECK(needed > sizeof(buf));
    CHECK(buf[0] == 'x');
    CHECK_KR(syscall6(SYS_io_registry_copy_archive, (long)"IOService",
                      (long)UT_KERNEL_ADDR, 1 << 20, (long)&needed, 0, 0),
             KERN_INVALID_ADDRESS);
}
