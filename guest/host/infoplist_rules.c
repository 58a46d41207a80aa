/* The Info.plist rules (infoplist_rules.h, docs/info-plist.md).
 *
 * Table-driven: each personality key the matching engine reads has a kind
 * (the type it must have, and for some a range or a syntax) and an example
 * of a correct value, which every message offers as the fix.  Keys not in
 * the table are the driver's own properties and may be anything. */
#include "infoplist_rules.h"

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "iokit/IOKitKeys.h"

enum kind {
    K_STRING,           /* <string> */
    K_NAME,             /* non-empty <string> */
    K_INT32,            /* <integer> fitting SInt32 */
    K_STRINGS,          /* <string> or <array> of <string> */
    K_DICT,             /* <dict> */
    K_DICTS,            /* <dict> or <array> of <dict> */
    K_PCI,              /* <string> of 0xVALUE[&0xMASK] tokens */
    K_U16,              /* <integer> 0..0xffff */
    K_USB16,            /* <integer> 0..0xffff or <string>*</string> */
    K_USB8,             /* <integer> 0..0xff or <string>*</string> */
    K_U16_ARRAY,        /* <array> of <integer> 0..0xffff */
    K_UINT,             /* <integer> >= 0 */
    K_LOCATION,         /* <string>: the engine compares the nub's location */
};

struct rule {
    const char *key;
    enum kind kind;
    const char *example;            /* one correct value (an element's for
                                     * K_STRINGS, K_DICTS, K_U16_ARRAY) */
};

#define PCI_ID_EXAMPLE    "<string>0x10d38086</string>"
#define PCI_CLASS_EXAMPLE "<string>0x02000000&amp;0xffff0000</string>"

static const struct rule personality_rules[] = {
    { kIOClassKey,               K_NAME,    "<string>MyDriver</string>" },
    { kIOProviderClassKey,       K_NAME,    "<string>IOPCIDevice</string>" },
    { kIOProbeScoreKey,          K_INT32,   "<integer>1000</integer>" },
    { kIOMatchCategoryKey,       K_STRING,
      "<string>IODefaultMatchCategory</string>" },
    { kIONameMatchKey,           K_STRINGS, "<string>pci8086,10d3</string>" },
    { kIOPropertyMatchKey,       K_DICTS,
      "<dict><key>property</key><string>value</string></dict>" },
    { kIOPropertyExistsMatchKey, K_STRINGS, "<string>property</string>" },
    { kIOResourceMatchKey,       K_STRINGS, "<string>IOKit</string>" },
    { kIOParentMatchKey,         K_DICT,
      "<dict><key>IOProviderClass</key><string>IOPCIDevice</string></dict>" },
    { kIOPathMatchKey,           K_STRING,
      "<string>IOService:/PCI0@0/pci8086,10d3@2</string>" },
    { kIOLocationMatchKey,       K_LOCATION, "<string>2</string>" },
    { kIOMatchedServiceCountKey, K_UINT,    "<integer>0</integer>" },
    { kIORegistryEntryIDKey,     K_UINT,    "<integer>4096</integer>" },
    { kIOPCIMatchKey,            K_PCI,     PCI_ID_EXAMPLE },
    { kIOPCIPrimaryMatchKey,     K_PCI,     PCI_ID_EXAMPLE },
    { kIOPCISecondaryMatchKey,   K_PCI,     PCI_ID_EXAMPLE },
    { kIOPCIClassMatchKey,       K_PCI,     PCI_CLASS_EXAMPLE },
    { kUSBVendorID,              K_USB16,   "<integer>0x05ac</integer>" },
    { kUSBProductID,             K_USB16,   "<integer>0x1234</integer>" },
    { kUSBDeviceReleaseNumber,   K_USB16,   "<integer>0x0100</integer>" },
    { kUSBProductIDMask,         K_U16,     "<integer>0xfff0</integer>" },
    { kUSBProductIDArray,        K_U16_ARRAY, "<integer>0x1234</integer>" },
    { kUSBDeviceClass,           K_USB8,    "<integer>2</integer>" },
    { kUSBDeviceSubClass,        K_USB8,    "<integer>0</integer>" },
    { kUSBDeviceProtocol,        K_USB8,    "<integer>0</integer>" },
    { kUSBInterfaceClass,        K_USB8,    "<integer>3</integer>" },
    { kUSBInterfaceSubClass,     K_USB8,    "<integer>1</integer>" },
    { kUSBInterfaceProtocol,     K_USB8,    "<integer>1</integer>" },
    { kUSBConfigurationValue,    K_USB8,    "<integer>1</integer>" },
    { kUSBInterfaceNumber,       K_USB8,    "<integer>0</integer>" },
    { kIOUserClassKey,           K_NAME,    "<string>MyDriver</string>" },
    { kIOUserServerNameKey,      K_NAME,    NULL /* the bundle ID */ },
    { kCFBundleIdentifierKey,    K_STRING,  NULL /* the bundle ID */ },
};

#define EXAMPLE_BUNDLE_ID "com.example.driver.MyDriver"

/* One personality being checked. */
typedef struct Check {
    PlistFile *pf;
    const OSDictionary *dict;
    const char *name;               /* "personality \"X\"" */
    const char *bundle_id;
    unsigned errors;
} Check;

/* ------------------------------------------------------------------ */

static const struct rule *find_rule(const char *key)
{
    for (size_t i = 0; i < sizeof(personality_rules) /
                           sizeof(personality_rules[0]); i++)
        if (strcmp(personality_rules[i].key, key) == 0)
            return &personality_rules[i];
    return NULL;
}

static void where(const Check *c, const void *container, const OSSymbol *key,
                  unsigned index, unsigned *line, unsigned *col)
{
    PlistFile_where(c->pf, container, key, index, line, col);
}

/* "<integer>TEXT</integer>" when s is an integer written as a string (so
 * the fix keeps the user's number), else the example. */
static const char *int_fix(const OSObject *found, const char *example,
                           char *buf, size_t size)
{
    const OSString *s = OSDynamicCast(OSString, found);
    char *end;

    if (!s)
        return example;
    const char *t = OSString_get_cstring(s);
    while (isspace((unsigned char)*t))
        t++;
    size_t n = strlen(t);
    while (n && isspace((unsigned char)t[n - 1]))
        n--;
    if (n == 0 || n > 24)
        return example;
    errno = 0;
    if (*t == '-')
        (void)strtoll(t, &end, 0);
    else
        (void)strtoull(t, &end, 0);
    if (errno || (size_t)(end - t) != n)
        return example;
    snprintf(buf, size, "<integer>%.*s</integer>", (int)n, t);
    return buf;
}

static void type_error(Check *c, unsigned line, unsigned col,
                       const char *label, const char *want,
                       const OSObject *found, const char *fix)
{
    PlistFile_error(c->pf, line, col, "%s must be %s, found %s; write %s",
                    label, want, plist_type_name(found), fix);
    c->errors++;
}

/* The value as text for a message: "-5", "70000 (0x11170)". */
static void number_text(const OSNumber *n, char *buf, size_t size)
{
    if (n->is_signed)
        snprintf(buf, size, "%" PRId64, OSNumber_signed_64(n));
    else
        snprintf(buf, size, "%" PRIu64 " (0x%" PRIx64 ")",
                 OSNumber_unsigned_64(n), OSNumber_unsigned_64(n));
}

/* An <integer> in lo..hi (hi <= INT64_MAX), or with wildcard the string
 * "*" (any value: the USB keys); false after an error. */
static bool check_integer(Check *c, const OSObject *v, unsigned line,
                          unsigned col, const char *label, int64_t lo,
                          int64_t hi, const char *range, const char *example,
                          bool wildcard)
{
    const OSNumber *n = OSDynamicCast(OSNumber, v);
    const OSString *s = OSDynamicCast(OSString, v);
    char fix[96], text[64];

    if (wildcard && s && strcmp(OSString_get_cstring(s), "*") == 0)
        return true;
    if (!n || OSNumber_is_real(n)) {
        type_error(c, line, col, label,
                   wildcard ? "an <integer> (or <string>*</string> for any "
                              "value)" : "an <integer>", v,
                   int_fix(v, example, fix, sizeof(fix)));
        return false;
    }
    bool in_range = n->is_signed
        ? OSNumber_signed_64(n) >= lo && OSNumber_signed_64(n) <= hi
        : OSNumber_unsigned_64(n) <= (uint64_t)hi &&
          (lo <= 0 || OSNumber_unsigned_64(n) >= (uint64_t)lo);
    if (!in_range) {
        number_text(n, text, sizeof(text));
        PlistFile_error(c->pf, line, col,
                        "%s %s is out of range; write a value from %s, e.g. %s",
                        label, text, range, example);
        c->errors++;
        return false;
    }
    return true;
}

/* ---- IOPCIMatch and friends: "0xVALUE[&0xMASK] ..." ---- */

/* Length of a "0x" + 1..8 hex digits number at s, or 0 with *why set. */
static size_t pci_number(const char *s, size_t len, const char **why)
{
    size_t i;

    if (len < 2 || s[0] != '0' || (s[1] != 'x' && s[1] != 'X')) {
        *why = "does not start with 0x";
        return 0;
    }
    for (i = 2; i < len && isxdigit((unsigned char)s[i]); i++)
        ;
    if (i == 2) {
        *why = "has no hex digits after 0x";
        return 0;
    }
    if (i - 2 > 8) {
        *why = "has more than 8 hex digits (values are 32 bits)";
        return 0;
    }
    return i;
}

/* Why token (len bytes) is not VALUE[&MASK], or NULL if it is. */
static const char *pci_token_error(const char *tok, size_t len)
{
    const char *why = NULL;
    size_t n = pci_number(tok, len, &why);

    if (!n)
        return why;
    if (n == len)
        return NULL;
    if (tok[n] != '&')
        return "has a character that is not a hex digit";
    size_t m = pci_number(tok + n + 1, len - n - 1, &why);
    if (!m)
        return why ? (strcmp(why, "does not start with 0x") == 0
                      ? "has a mask that does not start with 0x"
                      : "has a mask that is not 1 to 8 hex digits")
                   : "has a bad mask";
    if (n + 1 + m != len)
        return "has a character that is not a hex digit";
    return NULL;
}

/* The token with "0x" put before a value or mask written without it, as
 * it would be written in the plist (&amp;), when that makes it valid. */
static bool pci_fix_token(const char *tok, size_t len, char *buf, size_t size)
{
    const char *amp = memchr(tok, '&', len);
    size_t vlen = amp ? (size_t)(amp - tok) : len;
    char fixed[40];
    int n;

    if (len > 20)
        return false;
    n = snprintf(fixed, sizeof(fixed), "%s%.*s", strncmp(tok, "0x", 2) ? "0x" : "",
                 (int)vlen, tok);
    if (amp)
        n += snprintf(fixed + n, sizeof(fixed) - (size_t)n, "&%s%.*s",
                      strncmp(amp + 1, "0x", 2) ? "0x" : "",
                      (int)(len - vlen - 1), amp + 1);
    if (pci_token_error(fixed, (size_t)n))
        return false;
    if (amp)
        snprintf(buf, size, "%.*s&amp;%s", (int)(strchr(fixed, '&') - fixed),
                 fixed, strchr(fixed, '&') + 1);
    else
        snprintf(buf, size, "%s", fixed);
    return true;
}

static void check_pci(Check *c, const OSSymbol *key, const OSString *s,
                      unsigned line, unsigned col, const struct rule *r)
{
    const char *text = OSString_get_cstring(s);
    const char *name = OSSymbol_get_cstring(key);
    size_t i = 0, len = OSString_get_length(s);
    unsigned tokens = 0, token_no = 0;

    while (i < len) {
        while (i < len && isspace((unsigned char)text[i]))
            i++;
        if (i == len)
            break;
        size_t start = i;
        while (i < len && !isspace((unsigned char)text[i]))
            i++;
        token_no++;
        tokens++;
        const char *why = pci_token_error(text + start, i - start);
        if (why) {
            unsigned l = line, cl = col;
            char fix[48];
            PlistFile_where_in_string(c->pf, start, &l, &cl);
            if (pci_fix_token(text + start, i - start, fix, sizeof(fix)))
                PlistFile_error(c->pf, l, cl, "%s token %u \"%.*s\" %s; write "
                                "%s", name, token_no, (int)(i - start),
                                text + start, why, fix);
            else
                PlistFile_error(c->pf, l, cl,
                                "%s token %u \"%.*s\" %s; each space-separated "
                                "token is a 32-bit 0x-hex value with an optional "
                                "&0xMASK (written &amp; in XML), e.g. %s",
                                name, token_no, (int)(i - start), text + start,
                                why, r->example);
            c->errors++;
        }
    }
    if (!tokens) {
        PlistFile_error(c->pf, line, col,
                        "%s is empty; write one or more values, e.g. %s",
                        name, r->example);
        c->errors++;
    }
}

/* ---- one key of a personality ---- */

static void check_array(Check *c, const OSSymbol *key, const OSArray *a,
                        const struct rule *r)
{
    char label[160];
    unsigned line, col;

    for (unsigned i = 0; i < OSArray_get_count(a); i++) {
        const OSObject *e = OSArray_get_object(a, i);
        snprintf(label, sizeof(label), "%s[%u]", OSSymbol_get_cstring(key), i);
        where(c, a, NULL, i, &line, &col);
        if (r->kind == K_STRINGS && !OSDynamicCast(OSString, e))
            type_error(c, line, col, label, "a <string>", e, r->example);
        else if (r->kind == K_DICTS && !OSDynamicCast(OSDictionary, e))
            type_error(c, line, col, label, "a <dict>", e, r->example);
        else if (r->kind == K_U16_ARRAY)
            check_integer(c, e, line, col, label, 0, 0xffff, "0 to 0xffff",
                          r->example, false);
    }
}

static void check_key(Check *c, const OSSymbol *key, const OSObject *v,
                      const struct rule *r)
{
    const char *name = OSSymbol_get_cstring(key);
    const OSString *s = OSDynamicCast(OSString, v);
    const OSArray *a = OSDynamicCast(OSArray, v);
    char example[200];
    unsigned line, col;

    where(c, c->dict, key, 0, &line, &col);
    if (!r->example) {
        snprintf(example, sizeof(example), "<string>%s</string>",
                 c->bundle_id && *c->bundle_id ? c->bundle_id
                                               : EXAMPLE_BUNDLE_ID);
    } else if (r->kind == K_STRINGS || r->kind == K_DICTS) {
        snprintf(example, sizeof(example), "%s", r->example);
    } else if (r->kind == K_U16_ARRAY) {
        snprintf(example, sizeof(example), "<array>%s</array>", r->example);
    } else {
        snprintf(example, sizeof(example), "%s", r->example);
    }

    switch (r->kind) {
    case K_STRING:
    case K_NAME:
        if (!s)
            type_error(c, line, col, name, "a <string>", v, example);
        else if (r->kind == K_NAME && OSString_get_length(s) == 0) {
            PlistFile_error(c->pf, line, col, "%s is empty; write %s", name,
                            example);
            c->errors++;
        }
        break;
    case K_INT32:
        check_integer(c, v, line, col, name, INT32_MIN, INT32_MAX,
                      "-2147483648 to 2147483647 (32 bits, signed)", example,
                      false);
        break;
    case K_UINT:
        check_integer(c, v, line, col, name, 0, INT64_MAX, "0 up", example,
                      false);
        break;
    case K_U16:
    case K_USB16:
        check_integer(c, v, line, col, name, 0, 0xffff, "0 to 0xffff", example,
                      r->kind == K_USB16);
        break;
    case K_USB8:
        check_integer(c, v, line, col, name, 0, 0xff, "0 to 0xff", example,
                      true);
        break;
    case K_LOCATION:
        /* Apple's IOLocationMatch is a matching dictionary for the
         * provider's matchLocation(); dextbed's engine compares the
         * nub's location string, and never matches the dictionary. */
        if (OSDynamicCast(OSDictionary, v) || a)
            type_error(c, line, col, name, "a <string> in dextbed (the nub's "
                       "location, as IORegistryEntryLocation shows it; the "
                       "dictionary form is not supported)", v, example);
        else if (!s)
            type_error(c, line, col, name, "a <string>", v, example);
        break;
    case K_STRINGS:
        if (a)
            check_array(c, key, a, r);
        else if (!s)
            type_error(c, line, col, name,
                       "a <string> or an <array> of <string>", v, example);
        break;
    case K_DICT:
        if (!OSDynamicCast(OSDictionary, v))
            type_error(c, line, col, name, "a <dict>", v, example);
        break;
    case K_DICTS:
        if (a)
            check_array(c, key, a, r);
        else if (!OSDynamicCast(OSDictionary, v))
            type_error(c, line, col, name, "a <dict> or an <array> of <dict>",
                       v, example);
        break;
    case K_PCI:
        if (!s) {
            const OSNumber *n = OSDynamicCast(OSNumber, v);
            char hex[64];
            const char *fix = example;
            if (n && !OSNumber_is_real(n) && !n->is_signed &&
                OSNumber_unsigned_64(n) <= 0xffffffffu) {
                snprintf(hex, sizeof(hex), "<string>0x%08" PRIx64 "</string>",
                         OSNumber_unsigned_64(n));
                fix = hex;
            }
            type_error(c, line, col, name, "a <string>", v, fix);
        } else {
            check_pci(c, key, s, line, col, r);
        }
        break;
    case K_U16_ARRAY:
        if (!a)
            type_error(c, line, col, name, "an <array> of <integer>", v,
                       example);
        else
            check_array(c, key, a, r);
        break;
    }
}

/* ---- a personality ---- */

static void missing(Check *c, const void *container, const OSSymbol *key,
                    unsigned index, const char *what, const char *fix)
{
    unsigned line, col;

    where(c, container, key, index, &line, &col);
    PlistFile_error(c->pf, line, col, "%s has no %s; add %s", c->name, what,
                    fix);
    c->errors++;
}

unsigned infoplist_validate_personality(PlistFile *pf, const void *container,
                                        const OSSymbol *key, unsigned index,
                                        const OSObject *value, const char *name,
                                        const char *bundle_id)
{
    const OSDictionary *d = OSDynamicCast(OSDictionary, value);
    char label[300], fix[300];
    unsigned line, col;
    Check c = { .pf = pf, .dict = d, .bundle_id = bundle_id };

    if (name)
        snprintf(label, sizeof(label), "personality \"%s\"", name);
    else
        snprintf(label, sizeof(label), "the personality");
    c.name = label;
    if (!d) {
        PlistFile_where(pf, container, key, index, &line, &col);
        PlistFile_error(pf, line, col,
                        "%s must be a <dict>, found %s; write <dict> with at "
                        "least IOClass and IOProviderClass", label,
                        plist_type_name(value));
        return 1;
    }
    for (unsigned i = 0; i < OSDictionary_get_count(d); i++) {
        const OSSymbol *k = OSDictionary_get_key_at(d, i);
        const struct rule *r = find_rule(OSSymbol_get_cstring(k));
        if (r)
            check_key(&c, k, OSDictionary_get_value_at(d, i), r);
    }

    bool dext = OSDictionary_get_object(d, kIOUserClassKey) != NULL;
    const OSObject *cls = OSDictionary_get_object(d, kIOClassKey);
    if (!cls)
        missing(&c, container, key, index, kIOClassKey, dext
                ? "<key>IOClass</key><string>IOUserService</string> (a dext "
                  "personality: it has IOUserClass)"
                : "<key>IOClass</key><string>MyDriver</string> (the class "
                  "the kernel instantiates)");
    if (!OSDictionary_get_object(d, kIOProviderClassKey))
        missing(&c, container, key, index, kIOProviderClassKey,
                "<key>IOProviderClass</key><string>IOPCIDevice</string> (the "
                "class of the nub it attaches to)");
    if (dext) {
        const OSString *s = OSDynamicCast(OSString, cls);
        if (s && strcmp(OSString_get_cstring(s), "IOUserService") != 0) {
            const OSSymbol *ks = OSSymbol_with_cstring(kIOClassKey);
            where(&c, d, ks, 0, &line, &col);
            OSObject_release(ks);
            PlistFile_error(pf, line, col,
                            "a dext personality (it has IOUserClass) must have "
                            "IOClass IOUserService, found \"%s\"; write "
                            "<string>IOUserService</string> and put the "
                            "driver's class in IOUserClass",
                            OSString_get_cstring(s));
            c.errors++;
        }
        if (!OSDictionary_get_object(d, kIOUserServerNameKey)) {
            snprintf(fix, sizeof(fix),
                     "<key>IOUserServerName</key><string>%s</string> (the "
                     "dext's process; usually the bundle ID)",
                     bundle_id && *bundle_id ? bundle_id : EXAMPLE_BUNDLE_ID);
            missing(&c, container, key, index,
                    "IOUserServerName, which a dext personality (it has "
                    "IOUserClass) needs", fix);
        }
    }
    return c.errors;
}

/* ---- the bundle ---- */

/* Letters, digits and '-' in two or more dot-separated parts. */
static bool is_reverse_dns(const char *s)
{
    unsigned parts = 0;
    size_t run = 0;

    for (;; s++) {
        if (*s == '.' || *s == '\0') {
            if (run == 0)
                return false;
            parts++;
            run = 0;
            if (*s == '\0')
                break;
        } else if (isalnum((unsigned char)*s) || *s == '-') {
            run++;
        } else {
            return false;
        }
    }
    return parts >= 2;
}

unsigned infoplist_validate(PlistFile *pf)
{
    const OSDictionary *top = OSDynamicCast(OSDictionary, pf->top);
    const char *bundle_id = NULL;
    unsigned errors = 0;
    unsigned line, col;

    PlistFile_where(pf, NULL, NULL, 0, &line, &col);
    if (!top) {
        PlistFile_error(pf, line, col,
                        "the top of an Info.plist must be a <dict>, found %s; "
                        "put the bundle's keys (CFBundleIdentifier, "
                        "IOKitPersonalities) in one <dict>",
                        plist_type_name(pf->top));
        return errors + 1;
    }

    const OSSymbol *idkey = OSSymbol_with_cstring(kCFBundleIdentifierKey);
    const OSObject *idv = OSDictionary_get_object_sym(top, idkey);
    const OSString *ids = OSDynamicCast(OSString, idv);
    unsigned il, ic;
    PlistFile_where(pf, top, idkey, 0, &il, &ic);
    OSObject_release(idkey);
    if (!idv) {
        PlistFile_error(pf, line, col,
                        "CFBundleIdentifier is missing; add <key>"
                        "CFBundleIdentifier</key><string>%s</string>",
                        EXAMPLE_BUNDLE_ID);
        errors++;
    } else if (!ids) {
        PlistFile_error(pf, il, ic,
                        "CFBundleIdentifier must be a <string>, found %s; "
                        "write <string>%s</string>", plist_type_name(idv),
                        EXAMPLE_BUNDLE_ID);
        errors++;
    } else if (OSString_get_length(ids) == 0) {
        PlistFile_error(pf, il, ic,
                        "CFBundleIdentifier is empty; write a reverse-DNS "
                        "name, e.g. <string>%s</string>", EXAMPLE_BUNDLE_ID);
        errors++;
    } else if (!is_reverse_dns(OSString_get_cstring(ids))) {
        PlistFile_error(pf, il, ic,
                        "CFBundleIdentifier \"%s\" is not a reverse-DNS name "
                        "(two or more dot-separated parts of letters, digits "
                        "and '-'); write e.g. <string>%s</string>",
                        OSString_get_cstring(ids), EXAMPLE_BUNDLE_ID);
        errors++;
    } else {
        bundle_id = OSString_get_cstring(ids);
    }

    const OSSymbol *pkey = OSSymbol_with_cstring(kIOKitPersonalitiesKey);
    const OSObject *pv = OSDictionary_get_object_sym(top, pkey);
    const OSDictionary *pers = OSDynamicCast(OSDictionary, pv);
    if (pv && !pers) {
        PlistFile_where(pf, top, pkey, 0, &line, &col);
        PlistFile_error(pf, line, col,
                        "IOKitPersonalities must be a <dict> of personalities, "
                        "found %s; write <dict><key>MyDriver</key><dict>..."
                        "</dict></dict> (one <dict> per personality, under "
                        "its name)", plist_type_name(pv));
        errors++;
    }
    OSObject_release(pkey);
    for (unsigned i = 0; pers && i < OSDictionary_get_count(pers); i++) {
        const OSSymbol *name = OSDictionary_get_key_at(pers, i);
        errors += infoplist_validate_personality(
            pf, pers, name, 0, OSDictionary_get_value_at(pers, i),
            OSSymbol_get_cstring(name), bundle_id);
    }
    return errors;
}
