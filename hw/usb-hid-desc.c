/*
 * dextbed-usb-hid: the data-only parts of the core — the Linux key code to
 * HID usage map, the report-descriptor validator and the hex report
 * syntax.  See usb-hid-core.h and docs/specs/usb-hid.md, sections 8 and 9.
 *
 * The validator walks a descriptor the user supplied item by item, checks
 * every size before reading, and names the offset and item of the first
 * problem.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "qemu/osdep.h"
#include "usbfn-core.h"
#include "usb-hid-core.h"

/* -- Linux evdev key codes -> HID usages (page 0x07) ----------------------- */

static const uint8_t linux_to_hid[256] = {
    [1] = 0x29,                                     /* Esc */
    [2] = 0x1e, [3] = 0x1f, [4] = 0x20, [5] = 0x21, /* 1 2 3 4 */
    [6] = 0x22, [7] = 0x23, [8] = 0x24, [9] = 0x25, /* 5 6 7 8 */
    [10] = 0x26, [11] = 0x27,                       /* 9 0 */
    [12] = 0x2d, [13] = 0x2e,                       /* - = */
    [14] = 0x2a, [15] = 0x2b,                       /* Backspace Tab */
    [16] = 0x14, [17] = 0x1a, [18] = 0x08, [19] = 0x15, /* q w e r */
    [20] = 0x17, [21] = 0x1c, [22] = 0x18, [23] = 0x0c, /* t y u i */
    [24] = 0x12, [25] = 0x13,                       /* o p */
    [26] = 0x2f, [27] = 0x30,                       /* [ ] */
    [28] = 0x28,                                    /* Enter */
    [29] = 0xe0,                                    /* Left Ctrl */
    [30] = 0x04, [31] = 0x16, [32] = 0x07, [33] = 0x09, /* a s d f */
    [34] = 0x0a, [35] = 0x0b, [36] = 0x0d, [37] = 0x0e, /* g h j k */
    [38] = 0x0f,                                    /* l */
    [39] = 0x33, [40] = 0x34, [41] = 0x35,          /* ; ' ` */
    [42] = 0xe1,                                    /* Left Shift */
    [43] = 0x31,                                    /* \ */
    [44] = 0x1d, [45] = 0x1b, [46] = 0x06, [47] = 0x19, /* z x c v */
    [48] = 0x05, [49] = 0x11, [50] = 0x10,          /* b n m */
    [51] = 0x36, [52] = 0x37, [53] = 0x38,          /* , . / */
    [54] = 0xe5,                                    /* Right Shift */
    [55] = 0x55,                                    /* KP * */
    [56] = 0xe2,                                    /* Left Alt */
    [57] = 0x2c,                                    /* Space */
    [58] = 0x39,                                    /* Caps Lock */
    [59] = 0x3a, [60] = 0x3b, [61] = 0x3c, [62] = 0x3d, /* F1 - F4 */
    [63] = 0x3e, [64] = 0x3f, [65] = 0x40, [66] = 0x41, /* F5 - F8 */
    [67] = 0x42, [68] = 0x43,                       /* F9 F10 */
    [69] = 0x53, [70] = 0x47,                       /* Num Lock, Scroll Lock */
    [71] = 0x5f, [72] = 0x60, [73] = 0x61,          /* KP 7 8 9 */
    [74] = 0x56,                                    /* KP - */
    [75] = 0x5c, [76] = 0x5d, [77] = 0x5e,          /* KP 4 5 6 */
    [78] = 0x57,                                    /* KP + */
    [79] = 0x59, [80] = 0x5a, [81] = 0x5b,          /* KP 1 2 3 */
    [82] = 0x62, [83] = 0x63,                       /* KP 0 . */
    [85] = 0x94,                                    /* Zenkaku/Hankaku */
    [86] = 0x64,                                    /* 102nd (\ |) */
    [87] = 0x44, [88] = 0x45,                       /* F11 F12 */
    [89] = 0x87,                                    /* Ro */
    [90] = 0x92, [91] = 0x93,                       /* Katakana, Hiragana */
    [92] = 0x8a, [93] = 0x88, [94] = 0x8b,          /* Henkan, K/H, Muhenkan */
    [95] = 0x8c,                                    /* KP JP comma */
    [96] = 0x58,                                    /* KP Enter */
    [97] = 0xe4,                                    /* Right Ctrl */
    [98] = 0x54,                                    /* KP / */
    [99] = 0x46,                                    /* SysRq / Print */
    [100] = 0xe6,                                   /* Right Alt */
    [102] = 0x4a,                                   /* Home */
    [103] = 0x52,                                   /* Up */
    [104] = 0x4b,                                   /* Page Up */
    [105] = 0x50, [106] = 0x4f,                     /* Left Right */
    [107] = 0x4d,                                   /* End */
    [108] = 0x51,                                   /* Down */
    [109] = 0x4e,                                   /* Page Down */
    [110] = 0x49, [111] = 0x4c,                     /* Insert Delete */
    [113] = 0x7f, [114] = 0x81, [115] = 0x80,       /* Mute, Vol-, Vol+ */
    [116] = 0x66,                                   /* Power */
    [117] = 0x67,                                   /* KP = */
    [119] = 0x48,                                   /* Pause */
    [121] = 0x85,                                   /* KP , */
    [122] = 0x90, [123] = 0x91,                     /* Hangeul, Hanja */
    [124] = 0x89,                                   /* Yen */
    [125] = 0xe3, [126] = 0xe7,                     /* Left/Right Meta */
    [127] = 0x65,                                   /* Compose (Menu) */
    [128] = 0x78, [129] = 0x79, [130] = 0x76,       /* Stop Again Props */
    [131] = 0x7a, [132] = 0x77, [133] = 0x7c,       /* Undo Front Copy */
    [134] = 0x74, [135] = 0x7d, [136] = 0x7e,       /* Open Paste Find */
    [137] = 0x7b, [138] = 0x75,                     /* Cut Help */
    [183] = 0x68, [184] = 0x69, [185] = 0x6a, [186] = 0x6b, /* F13 - F16 */
    [187] = 0x6c, [188] = 0x6d, [189] = 0x6e, [190] = 0x6f, /* F17 - F20 */
    [191] = 0x70, [192] = 0x71, [193] = 0x72, [194] = 0x73, /* F21 - F24 */
};

uint8_t hid_core_usage_of_linux(unsigned code)
{
    return code < G_N_ELEMENTS(linux_to_hid) ? linux_to_hid[code] : 0;
}

/* -- report descriptor validation ----------------------------------------- */

/* Report Size, Report Count and Report ID: the globals validation tracks. */
typedef struct HidGlobals {
    uint32_t size, count;
    bool size_set, count_set;
    uint8_t id;
} HidGlobals;

static const char *const main_names[16] = {
    [0x8] = "Input", [0x9] = "Output", [0xa] = "Collection",
    [0xb] = "Feature", [0xc] = "End Collection",
};

static const char *const global_names[16] = {
    "Usage Page", "Logical Minimum", "Logical Maximum", "Physical Minimum",
    "Physical Maximum", "Unit Exponent", "Unit", "Report Size", "Report ID",
    "Report Count", "Push", "Pop",
};

static const char *const local_names[16] = {
    "Usage", "Usage Minimum", "Usage Maximum", "Designator Index",
    "Designator Minimum", "Designator Maximum", NULL, "String Index",
    "String Minimum", "String Maximum", "Delimiter",
};

/* A readable name of the short item with @prefix. */
static const char *item_name(uint8_t prefix)
{
    const char *const *names[3] = { main_names, global_names, local_names };
    unsigned type = (prefix >> 2) & 3;
    const char *n = type < 3 ? names[type][prefix >> 4] : NULL;

    return n ? n : "reserved item";
}

static bool desc_error(char **err, size_t at, uint8_t prefix, const char *fmt,
                       ...) G_GNUC_PRINTF(4, 5);

static bool desc_error(char **err, size_t at, uint8_t prefix, const char *fmt,
                       ...)
{
    va_list ap;
    char *what;

    va_start(ap, fmt);
    what = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    *err = g_strdup_printf("report descriptor offset %zu (%s, 0x%02x): %s",
                           at, item_name(prefix), prefix, what);
    g_free(what);
    return false;
}

unsigned hid_desc_report_len(const HidDescInfo *info, uint8_t type,
                             uint8_t id)
{
    uint32_t bits;

    if (type < HID_REPORT_INPUT || type > HID_REPORT_FEATURE ||
        info->uses_ids != (id != 0)) {
        return 0;
    }
    bits = info->bits[type - 1][id];
    return bits ? (bits + 7) / 8 + (info->uses_ids ? 1 : 0) : 0;
}

/* One Input, Output or Feature item adds its bits to the current report. */
static bool desc_main_data(HidDescInfo *info, const HidGlobals *g,
                           bool *unnumbered, size_t at, uint8_t prefix,
                           char **err)
{
    static const char *const kinds[3] = { "input", "output", "feature" };
    unsigned k = (prefix >> 4) == 0x8 ? 0 : (prefix >> 4) == 0x9 ? 1 : 2;
    uint64_t bits, max_bits = (HID_REPORT_MAX - (g->id ? 1 : 0)) * 8;

    if (!g->size_set) {
        return desc_error(err, at, prefix, "Report Size is not set yet");
    }
    if (!g->count_set) {
        return desc_error(err, at, prefix, "Report Count is not set yet");
    }
    if (g->id == 0 && info->uses_ids) {
        return desc_error(err, at, prefix, "no Report ID in effect, but "
                          "other reports have IDs (a descriptor uses IDs "
                          "for all its reports or for none)");
    }
    if (g->id == 0) {
        *unnumbered = true;
    }
    bits = info->bits[k][g->id] + (uint64_t)g->size * g->count;
    if (bits > max_bits) {
        return desc_error(err, at, prefix, "%s report %u grows to %llu "
                          "bits; a report holds at most %u bytes (Report ID "
                          "included)",
                          kinds[k], g->id, (unsigned long long)bits,
                          HID_REPORT_MAX);
    }
    info->bits[k][g->id] = bits;
    return true;
}

bool hid_desc_validate(const uint8_t *d, size_t len, HidDescInfo *info,
                       char **err)
{
    HidGlobals g = { 0 }, stack[HID_MAX_DEPTH];
    size_t coll_at[HID_MAX_DEPTH], push_at[HID_MAX_DEPTH];
    unsigned depth = 0, sp = 0;
    bool unnumbered = false;
    size_t pos = 0;

    memset(info, 0, sizeof(*info));
    *err = NULL;
    if (len == 0) {
        *err = g_strdup("the report descriptor is empty");
        return false;
    }
    if (len > HID_DESC_MAX) {
        *err = g_strdup_printf("the report descriptor has %zu bytes; at most "
                               "%u are supported", len, HID_DESC_MAX);
        return false;
    }
    while (pos < len) {
        uint8_t prefix = d[pos];
        unsigned size = (prefix & 3) == 3 ? 4 : prefix & 3;
        unsigned type = (prefix >> 2) & 3, tag = prefix >> 4;
        size_t at = pos;
        uint32_t v = 0;

        if (prefix == 0xfe) {
            /* Long item: bDataSize, bLongItemTag, data.  None defined. */
            if (len - pos < 3 || len - pos - 3 < d[pos + 1]) {
                *err = g_strdup_printf("report descriptor offset %zu (long "
                                       "item, 0xfe): truncated; the "
                                       "descriptor ends first", at);
                return false;
            }
            pos += 3 + d[pos + 1];
            continue;
        }
        if (len - pos - 1 < size) {
            return desc_error(err, at, prefix, "truncated item: %u data "
                              "bytes needed, %zu left", size, len - pos - 1);
        }
        for (unsigned i = 0; i < size; i++) {
            v |= (uint32_t)d[pos + 1 + i] << (8 * i);
        }
        pos += 1 + size;

        switch (type) {
        case 0:                 /* main */
            switch (tag) {
            case 0x8:
            case 0x9:
            case 0xb:
                if (!desc_main_data(info, &g, &unnumbered, at, prefix, err)) {
                    return false;
                }
                break;
            case 0xa:
                if (depth == HID_MAX_DEPTH) {
                    return desc_error(err, at, prefix, "collections nest "
                                      "deeper than %u", HID_MAX_DEPTH);
                }
                coll_at[depth++] = at;
                break;
            case 0xc:
                if (depth == 0) {
                    return desc_error(err, at, prefix, "End Collection "
                                      "without an open Collection");
                }
                depth--;
                break;
            default:
                return desc_error(err, at, prefix, "reserved main item tag "
                                  "0x%x", tag);
            }
            break;
        case 1:                 /* global */
            switch (tag) {
            case 0x7:
                g.size = v;
                g.size_set = true;
                break;
            case 0x8:
                if (v == 0) {
                    return desc_error(err, at, prefix, "Report ID 0 is "
                                      "reserved");
                }
                if (v > 255) {
                    return desc_error(err, at, prefix, "Report ID %u does "
                                      "not fit in a byte", v);
                }
                if (unnumbered) {
                    return desc_error(err, at, prefix, "Report ID after "
                                      "reports without an ID (a descriptor "
                                      "uses IDs for all its reports or for "
                                      "none)");
                }
                g.id = v;
                info->uses_ids = true;
                break;
            case 0x9:
                g.count = v;
                g.count_set = true;
                break;
            case 0xa:
                if (sp == HID_MAX_DEPTH) {
                    return desc_error(err, at, prefix, "Push nests deeper "
                                      "than %u", HID_MAX_DEPTH);
                }
                push_at[sp] = at;
                stack[sp++] = g;
                break;
            case 0xb:
                if (sp == 0) {
                    return desc_error(err, at, prefix, "Pop without a Push");
                }
                g = stack[--sp];
                break;
            default:
                if (tag > 0xb) {
                    return desc_error(err, at, prefix, "reserved global "
                                      "item tag 0x%x", tag);
                }
                break;
            }
            break;
        case 2:                 /* local: usages and designators */
            break;
        default:
            return desc_error(err, at, prefix, "reserved item type 3");
        }
    }
    if (depth) {
        return desc_error(err, coll_at[depth - 1], d[coll_at[depth - 1]],
                          "collection not closed: End Collection missing "
                          "at the end of the descriptor");
    }
    if (sp) {
        return desc_error(err, push_at[sp - 1], d[push_at[sp - 1]],
                          "Push without a matching Pop at the end of the "
                          "descriptor");
    }
    for (unsigned id = 0; id < 256; id++) {
        info->max_input = MAX(info->max_input,
                              hid_desc_report_len(info, HID_REPORT_INPUT, id));
    }
    if (info->max_input == 0) {
        *err = g_strdup("the report descriptor declares no input report, "
                        "so the interrupt IN endpoint would carry nothing");
        return false;
    }
    return true;
}

/* -- hex ------------------------------------------------------------------ */

static int hex_digit(char c)
{
    if (c >= '0' && c <= '9') {
        return c - '0';
    }
    if (c >= 'a' && c <= 'f') {
        return c - 'a' + 10;
    }
    if (c >= 'A' && c <= 'F') {
        return c - 'A' + 10;
    }
    return -1;
}

bool hid_parse_hex(const char *text, uint8_t *buf, size_t cap, size_t *len,
                   char **err)
{
    const char *p = text;

    *len = 0;
    *err = NULL;
    while (*p) {
        const char *tok;
        size_t n = 0;

        if (g_ascii_isspace(*p)) {
            p++;
            continue;
        }
        tok = p;
        while (*p && !g_ascii_isspace(*p)) {
            if (hex_digit(*p) < 0) {
                *err = g_strdup_printf("'%c' at column %zu is not a hex "
                                       "digit", *p, (size_t)(p - text) + 1);
                return false;
            }
            p++;
            n++;
        }
        if (n % 2) {
            *err = g_strdup_printf("odd number of hex digits in '%.*s'",
                                   (int)MIN(n, 16), tok);
            return false;
        }
        for (size_t i = 0; i < n; i += 2) {
            if (*len == cap) {
                *err = g_strdup_printf("more than %zu bytes", cap);
                return false;
            }
            buf[(*len)++] = hex_digit(tok[i]) << 4 | hex_digit(tok[i + 1]);
        }
    }
    return true;
}

char *hid_format_hex(const uint8_t *data, size_t len)
{
    GString *s = g_string_new(NULL);

    for (size_t i = 0; i < len; i++) {
        g_string_append_printf(s, i ? " %02x" : "%02x", data[i]);
    }
    return g_string_free(s, false);
}
