/* The PCI family's matching keys, for nubs whose class chain holds
 * IOPCIDevice (IOPCIFamily's IOPCIBridge::pciMatchNub and matchKeys):
 *
 *   IOPCIMatch           the primary ID register (device << 16 | vendor),
 *                        or else the subsystem one (subsystem id << 16 |
 *                        subsystem vendor)
 *   IOPCIPrimaryMatch    the primary ID register only
 *   IOPCISecondaryMatch  the subsystem ID register only
 *   IOPCIClassMatch      class-code << 8 | revision-id (config offset 8),
 *                        default mask 0xffffff00 (the revision ignored)
 *
 * Each value is a string: hex numbers separated by white space, each with
 * an optional "&mask" (default 0xffffffff); the key matches when any
 * number equals the register under its mask.  Every key present must
 * match.  As IOPCIFamily (without ACPI), IOPCIMatch matching the primary
 * register adds 1000 to the score, so a device-ID driver outranks a class
 * driver.  One difference: a list that is not well-formed never matches
 * (IOPCIFamily stops reading at the first bad character).
 *
 * The nub's IDs are its properties vendor-id, device-id,
 * subsystem-vendor-id, subsystem-id, class-code and revision-id: OSData
 * (little-endian, as IOPCIFamily stores them) or OSNumber. */
#include <stdarg.h>

#include "iokit_internal.h"

#define PCI_PRIMARY_SCORE 1000


/* A 32-bit ID property: OSData (up to 4 bytes, little-endian) or
 * OSNumber. */
static bool read_id(IOService *nub, const char *key, uint32_t *out)
{
    OSObject *v = IORegistryEntry_get_property(&nub->entry, key);
    const OSData *d;
    const OSNumber *n;

    *out = 0;
    if ((d = OSDynamicCast(OSData, v)) && OSData_get_length(d) > 0) {
        const uint8_t *b = OSData_get_bytes(d);
        size_t len = OSData_get_length(d);

        for (size_t i = 0; i < len && i < 4; i++)
            *out |= (uint32_t)b[i] << (8 * i);
        return true;
    }
    if ((n = OSDynamicCast(OSNumber, v))) {
        *out = (uint32_t)OSNumber_unsigned_64(n);
        return true;
    }
    return false;
}

static bool is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

static int hex_digit(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* A hex number at *p ("0x" optional, at most 32 bits); advances *p. */
static bool parse_hex(const char **p, uint32_t *out)
{
    const char *s = *p;
    uint64_t v = 0;
    int d, n = 0;

    if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X') && hex_digit(s[2]) >= 0)
        s += 2;
    while ((d = hex_digit(*s)) >= 0) {
        v = v << 4 | (uint64_t)d;
        if (v > 0xffffffffull)
            return false;
        s++;
        n++;
    }
    if (n == 0)
        return false;
    *out = (uint32_t)v;
    *p = s;
    return true;
}

/* Does any "value[&mask]" of list equal reg under its mask?  1 yes, 0 no,
 * -1 when list is not well-formed (*bad: where). */
static int list_matches(const char *list, uint32_t reg, uint32_t default_mask,
                        const char **bad)
{
    const char *p = list;
    int found = 0;

    for (;;) {
        uint32_t value, mask = default_mask;
        const char *q;

        while (is_space(*p))
            p++;
        if (!*p)
            return found;
        *bad = p;
        if (!parse_hex(&p, &value))
            return -1;
        for (q = p; is_space(*q); q++)
            ;
        if (*q == '&') {
            for (p = q + 1; is_space(*p); p++)
                ;
            if (!parse_hex(&p, &mask))
                return -1;
        }
        if (*p && !is_space(*p))
            return -1;
        if ((value & mask) == (reg & mask))
            found = 1;
    }
}

/* The key's string, or NULL with the rejection recorded. */
static const char *key_string(OSObject *v, const char *key, const char **rej, char *reason,
                              size_t rsize)
{
    OSString *s = OSDynamicCast(OSString, v);

    if (!s)
        IOMatch_reject(rej, reason, rsize, key,
                   "%s must be a string of hex numbers, each with an optional &mask", key);
    return s ? OSString_get_cstring(s) : NULL;
}

/* Match the key's list (value v) against reg: 1 when an entry matches, 0
 * when none does, -1 when v is not a string or not a list (rejection
 * recorded).  *list is the list's text. */
static int key_matches(OSObject *v, const char *key, uint32_t reg, uint32_t default_mask,
                       const char **list, const char **rej, char *reason, size_t rsize)
{
    const char *bad = NULL;
    int m;

    if (!(*list = key_string(v, key, rej, reason, rsize)))
        return -1;
    m = list_matches(*list, reg, default_mask, &bad);
    if (m < 0)
        IOMatch_reject(rej, reason, rsize, key,
                       "%s \"%s\" is not a list of hex numbers with optional &mask "
                       "(at \"%s\")", key, *list, bad);
    return m;
}

bool IOMatch_pci_property_table(IOService *nub, OSDictionary *table, int32_t *score,
                                const char **rejected_key, char *reason,
                                size_t reason_size)
{
    OSObject *match = OSDictionary_get_object(table, kIOPCIMatchKey);
    OSObject *primary = OSDictionary_get_object(table, kIOPCIPrimaryMatchKey);
    OSObject *secondary = OSDictionary_get_object(table, kIOPCISecondaryMatchKey);
    OSObject *cls = OSDictionary_get_object(table, kIOPCIClassMatchKey);
    uint32_t vendor = 0, device = 0, subvendor = 0, subsys = 0, class_code = 0, rev = 0;
    uint32_t reg_primary, reg_secondary, reg_class;
    const char *list, *bad = NULL;
    int m;

    if (!match && !primary && !secondary && !cls)
        return true;
    if ((match || primary)
        && (!read_id(nub, kIOPCIVendorIDKey, &vendor) || !read_id(nub, kIOPCIDeviceIDKey, &device)))
        return IOMatch_reject(rejected_key, reason, reason_size,
                          match ? kIOPCIMatchKey : kIOPCIPrimaryMatchKey,
                          "the nub has no vendor-id or device-id property");
    if (cls && !read_id(nub, kIOPCIClassCodeKey, &class_code))
        return IOMatch_reject(rejected_key, reason, reason_size, kIOPCIClassMatchKey,
                          "the nub has no class-code property");
    read_id(nub, kIOPCISubsystemVendorIDKey, &subvendor);
    read_id(nub, kIOPCISubsystemIDKey, &subsys);
    read_id(nub, kIOPCIRevisionIDKey, &rev);
    reg_primary = (device & 0xffff) << 16 | (vendor & 0xffff);
    reg_secondary = (subsys & 0xffff) << 16 | (subvendor & 0xffff);
    reg_class = (class_code & 0xffffff) << 8 | (rev & 0xff);

    if (match) {
        m = key_matches(match, kIOPCIMatchKey, reg_primary, 0xffffffff, &list, rejected_key,
                        reason, reason_size);
        if (m < 0)
            return false;
        if (m) {
            *score += PCI_PRIMARY_SCORE;
        } else if (list_matches(list, reg_secondary, 0xffffffff, &bad) != 1) {
            return IOMatch_reject(rejected_key, reason, reason_size, kIOPCIMatchKey,
                              "IOPCIMatch: vendor 0x%04x device 0x%04x (subsystem vendor "
                              "0x%04x id 0x%04x) is not in \"%s\"",
                              vendor, device, subvendor, subsys, list);
        }
    }
    if (primary) {
        m = key_matches(primary, kIOPCIPrimaryMatchKey, reg_primary, 0xffffffff, &list,
                        rejected_key, reason, reason_size);
        if (m < 0)
            return false;
        if (!m)
            return IOMatch_reject(rejected_key, reason, reason_size, kIOPCIPrimaryMatchKey,
                              "IOPCIPrimaryMatch: vendor 0x%04x device 0x%04x (0x%08x) is "
                              "not in \"%s\"", vendor, device, reg_primary, list);
    }
    if (secondary) {
        m = key_matches(secondary, kIOPCISecondaryMatchKey, reg_secondary, 0xffffffff, &list,
                        rejected_key, reason, reason_size);
        if (m < 0)
            return false;
        if (!m)
            return IOMatch_reject(rejected_key, reason, reason_size, kIOPCISecondaryMatchKey,
                              "IOPCISecondaryMatch: subsystem vendor 0x%04x id 0x%04x "
                              "(0x%08x) is not in \"%s\"", subvendor, subsys, reg_secondary,
                              list);
    }
    if (cls) {
        m = key_matches(cls, kIOPCIClassMatchKey, reg_class, 0xffffff00, &list, rejected_key,
                        reason, reason_size);
        if (m < 0)
            return false;
        if (!m)
            return IOMatch_reject(rejected_key, reason, reason_size, kIOPCIClassMatchKey,
                              "IOPCIClassMatch: class-code 0x%06x revision 0x%02x "
                              "(0x%08x) is not in \"%s\"", class_code & 0xffffff, rev & 0xff,
                              reg_class, list);
    }
    return true;
}
