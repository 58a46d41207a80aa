/* The USB family's matching keys, for nubs whose class chain holds
 * IOUSBHostDevice or IOUSBHostInterface, as IOUSBFamily's
 * IOUSBDevice::matchPropertyTable and IOUSBInterface::matchPropertyTable
 * rank them.
 *
 * Every USB key the personality gives must equal the nub's property of the
 * same name (an integer, or the string "*" for any value); idProductArray
 * (an array of integers) replaces idProduct; idProductMask masks idProduct
 * (or each idProductArray entry) when the exact comparison fails.  Then the
 * set of keys given must be one of the family's combinations below, each
 * with its score; a combination may also carry the keys in brackets, which
 * must then match too:
 *
 *   device (IOUSBHostDevice)                      interface (IOUSBHostInterface)
 *   100000 idVendor idProduct bcdDevice [class]   idVendor idProduct bcdDevice
 *                                                   bConfigurationValue bInterfaceNumber [class]
 *    90000 idVendor idProduct [class]             idVendor idProduct bConfigurationValue
 *                                                   bInterfaceNumber [class]
 *    80000 idVendor bDeviceSubClass               idVendor bInterfaceSubClass
 *            bDeviceProtocol [bDeviceClass] *       bInterfaceProtocol [bInterfaceClass] *
 *    70000 idVendor bDeviceSubClass               idVendor bInterfaceSubClass
 *            [bDeviceClass] *                       [bInterfaceClass] *
 *    60000 bDeviceClass bDeviceSubClass           bInterfaceClass bInterfaceSubClass
 *            bDeviceProtocol                        bInterfaceProtocol
 *    50000 bDeviceClass bDeviceSubClass           bInterfaceClass bInterfaceSubClass
 *    40000 bDeviceClass                           bInterfaceClass
 *
 *   [class] = any of the class, subclass and protocol keys.
 *   *       = only for a vendor-specific nub (class 0xff).
 *
 * The scores 100000 ... 50000 are IOUSBFamily's; the class-only row (40000)
 * is dextbed's, below them.  The final score is the row's plus the
 * personality's IOProbeScore (9000 when it is 10000 or more, so no
 * IOProbeScore lifts a personality into a higher row), minus 1000 per "*"
 * and 500 when idProductMask was needed. */
#include <stdarg.h>

#include "iokit_internal.h"

enum { K_VENDOR, K_PRODUCT, K_BCD, K_CLASS, K_SUBCLASS, K_PROTOCOL, K_CONFIG, K_IFNUM,
       K_COUNT };
#define B(k) (1u << (k))
#define CLASS_KEYS (B(K_CLASS) | B(K_SUBCLASS) | B(K_PROTOCOL))

#define USB_VENDOR_SPECIFIC_CLASS 0xff
#define USB_PROBE_SCORE_LIMIT     10000
#define USB_PROBE_SCORE_CLAMP     9000
#define USB_WILDCARD_PENALTY      1000
#define USB_MASK_PENALTY          500

static const char *const device_keys[K_COUNT] = {
    kUSBVendorID, kUSBProductID, kUSBDeviceReleaseNumber, kUSBDeviceClass,
    kUSBDeviceSubClass, kUSBDeviceProtocol, NULL, NULL,
};
static const char *const interface_keys[K_COUNT] = {
    kUSBVendorID, kUSBProductID, kUSBDeviceReleaseNumber, kUSBInterfaceClass,
    kUSBInterfaceSubClass, kUSBInterfaceProtocol, kUSBConfigurationValue,
    kUSBInterfaceNumber,
};

typedef struct UsbLevel {
    int32_t score;
    unsigned required, allowed;     /* key bits: must be given / may be given */
    bool vendor_specific;           /* only for a class 0xff nub */
} UsbLevel;

#define ALL_DEVICE (B(K_VENDOR) | B(K_PRODUCT) | B(K_BCD) | CLASS_KEYS)
static const UsbLevel device_levels[] = {
    { 100000, B(K_VENDOR) | B(K_PRODUCT) | B(K_BCD), ALL_DEVICE, false },
    { 90000, B(K_VENDOR) | B(K_PRODUCT), B(K_VENDOR) | B(K_PRODUCT) | CLASS_KEYS, false },
    { 80000, B(K_VENDOR) | B(K_SUBCLASS) | B(K_PROTOCOL), B(K_VENDOR) | CLASS_KEYS, true },
    { 70000, B(K_VENDOR) | B(K_SUBCLASS), B(K_VENDOR) | B(K_CLASS) | B(K_SUBCLASS), true },
    { 60000, CLASS_KEYS, CLASS_KEYS, false },
    { 50000, B(K_CLASS) | B(K_SUBCLASS), B(K_CLASS) | B(K_SUBCLASS), false },
    { 40000, B(K_CLASS), B(K_CLASS), false },
};

#define IF_IDS (B(K_CONFIG) | B(K_IFNUM))
static const UsbLevel interface_levels[] = {
    { 100000, B(K_VENDOR) | B(K_PRODUCT) | B(K_BCD) | IF_IDS,
      B(K_VENDOR) | B(K_PRODUCT) | B(K_BCD) | IF_IDS | CLASS_KEYS, false },
    { 90000, B(K_VENDOR) | B(K_PRODUCT) | IF_IDS,
      B(K_VENDOR) | B(K_PRODUCT) | IF_IDS | CLASS_KEYS, false },
    { 80000, B(K_VENDOR) | B(K_SUBCLASS) | B(K_PROTOCOL), B(K_VENDOR) | CLASS_KEYS, true },
    { 70000, B(K_VENDOR) | B(K_SUBCLASS), B(K_VENDOR) | B(K_CLASS) | B(K_SUBCLASS), true },
    { 60000, CLASS_KEYS, CLASS_KEYS, false },
    { 50000, B(K_CLASS) | B(K_SUBCLASS), B(K_CLASS) | B(K_SUBCLASS), false },
    { 40000, B(K_CLASS), B(K_CLASS), false },
};


static bool is_wildcard(const OSObject *v)
{
    const OSString *s = OSDynamicCast(OSString, v);

    return s && strcmp(OSString_get_cstring(s), "*") == 0;
}

/* " + "-joined names of the keys in bits, into buf. */
static void combination_text(const char *const *names, unsigned bits, char *buf,
                             size_t size)
{
    size_t pos = 0;

    buf[0] = '\0';
    for (unsigned k = 0; k < K_COUNT && pos < size; k++) {
        if (bits & B(k))
            pos += (size_t)snprintf(buf + pos, size - pos, "%s%s", pos ? " + " : "",
                                    names[k]);
    }
}

/* Does the nub's idProduct match idProductArray (exactly, or under
 * mask)? */
static bool product_in_array(const OSArray *a, uint64_t have, const OSNumber *mask,
                             bool *used_mask)
{
    for (int pass = 0; pass < (mask ? 2 : 1); pass++) {
        for (unsigned i = 0; i < OSArray_get_count(a); i++) {
            const OSNumber *n = OSDynamicCast(OSNumber, OSArray_get_object(a, i));
            uint64_t m = pass ? OSNumber_unsigned_64(mask) : ~0ull;

            if (n && (OSNumber_unsigned_64(n) & m) == (have & m)) {
                *used_mask = pass == 1;
                return true;
            }
        }
    }
    return false;
}

bool IOMatch_usb_property_table(IOService *nub, OSDictionary *table, bool interface,
                                int32_t *score, const char **rejected_key, char *reason,
                                size_t reason_size)
{
    const char *const *names = interface ? interface_keys : device_keys;
    const UsbLevel *levels = interface ? interface_levels : device_levels;
    const char *kind = interface ? "interface" : "device";
    const OSArray *parray = OSDynamicCast(OSArray, OSDictionary_get_object(table,
                                                                           kUSBProductIDArray));
    const OSNumber *mask = OSDynamicCast(OSNumber, OSDictionary_get_object(table,
                                                                           kUSBProductIDMask));
    unsigned present = 0, wildcards = 0;
    bool used_mask = false;
    int32_t probe;
    char combo[160], want[48], have[48];
    const UsbLevel *level = NULL;
    const OSNumber *nub_class;

    for (unsigned k = 0; k < K_COUNT; k++) {
        const char *key = names[k];
        OSObject *v = key ? OSDictionary_get_object(table, key) : NULL;
        const OSNumber *n = OSDynamicCast(OSNumber, v), *h;

        if (k == K_PRODUCT && parray) {
            key = kUSBProductIDArray;
            v = (OSObject *)parray;
        }
        if (!v)
            continue;
        present |= B(k);
        if (is_wildcard(v)) {
            wildcards++;
            continue;
        }
        h = OSDynamicCast(OSNumber, IORegistryEntry_get_property(&nub->entry, names[k]));
        if (!h)
            return IOMatch_reject(rejected_key, reason, reason_size, key,
                              "%s: the nub has no %s property", key, names[k]);
        if (k == K_PRODUCT && parray) {
            if (!product_in_array(parray, OSNumber_unsigned_64(h), mask, &used_mask)) {
                iokit_describe_value(h, have, sizeof(have));
                return IOMatch_reject(rejected_key, reason, reason_size, key,
                                  "idProductArray: the %s's idProduct %s is not in it%s",
                                  kind, have, mask ? " (under idProductMask)" : "");
            }
            continue;
        }
        if (!n)
            return IOMatch_reject(rejected_key, reason, reason_size, key,
                              "%s must be an integer or \"*\"", key);
        if (OSNumber_unsigned_64(n) == OSNumber_unsigned_64(h))
            continue;
        if (k == K_PRODUCT && mask
            && (OSNumber_unsigned_64(n) & OSNumber_unsigned_64(mask))
                   == (OSNumber_unsigned_64(h) & OSNumber_unsigned_64(mask))) {
            used_mask = true;
            continue;
        }
        iokit_describe_value(n, want, sizeof(want));
        iokit_describe_value(h, have, sizeof(have));
        return IOMatch_reject(rejected_key, reason, reason_size, key,
                          "%s %s: the %s's is %s%s", key, want, kind, have,
                          k == K_PRODUCT && mask ? " (also under idProductMask)" : "");
    }
    if (!present)
        return IOMatch_reject(rejected_key, reason, reason_size, kIOProviderClassKey,
                          "the USB family matches a %s only on one of its key "
                          "combinations, and the personality has no USB key", kind);

    for (unsigned i = 0; i < sizeof(device_levels) / sizeof(device_levels[0]); i++) {
        if ((present & levels[i].required) == levels[i].required
            && (present & ~levels[i].allowed) == 0) {
            level = &levels[i];
            break;
        }
    }
    combination_text(names, present, combo, sizeof(combo));
    if (!level) {
        unsigned first = 0;

        while (!(present & B(first)))
            first++;
        return IOMatch_reject(rejected_key, reason, reason_size, names[first],
                          "%s is not a USB %s key combination (docs/matching.md lists "
                          "them)", combo, kind);
    }
    nub_class = OSDynamicCast(OSNumber, IORegistryEntry_get_property(&nub->entry,
                                                                     names[K_CLASS]));
    if (level->vendor_specific
        && (!nub_class || OSNumber_unsigned_64(nub_class) != USB_VENDOR_SPECIFIC_CLASS)) {
        iokit_describe_value(nub_class, have, sizeof(have));
        return IOMatch_reject(rejected_key, reason, reason_size, kUSBVendorID,
                          "%s matches only a vendor-specific %s (%s 0xff); this one's is %s",
                          combo, kind, names[K_CLASS], have);
    }

    probe = *score;
    if (probe >= USB_PROBE_SCORE_LIMIT)
        probe = USB_PROBE_SCORE_CLAMP;
    *score = level->score + probe - (int32_t)wildcards * USB_WILDCARD_PENALTY
             - (used_mask ? USB_MASK_PENALTY : 0);
    return true;
}
