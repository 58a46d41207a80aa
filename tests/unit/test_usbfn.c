/* Host unit tests for the USB 2.0 chapter 9 core (hw/usbfn-core.c), written
 * from its contract: hw/usbfn-core.h and USB 2.0 chapter 9. */
#include "qemu/osdep.h"
#include "usbfn-core.h"
#include "tap.h"

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

/* bmRequestType values. */
#define RT_DEV_OUT      0x00
#define RT_DEV_IN       0x80
#define RT_IF_OUT       0x01
#define RT_IF_IN        0x81
#define RT_EP_OUT       0x02
#define RT_EP_IN        0x82

/* A dual-speed test function: an interrupt IN endpoint with class bytes
 * on interface 0 and a bulk pair on interface 1. */
static const uint8_t test_extra[] = { 5, 0x24, 0x00, 0x10, 0x01 };

static UsbfnConfig test_config(void)
{
    UsbfnConfig cfg = {
        .vid = 0x1234, .pid = 0xabcd, .bcd_device = 0x0321,
        .dev_class = 0xef, .dev_subclass = 0x02, .dev_protocol = 0x01,
        .max_power_ma = 200,
        .strings = { NULL, "Maker", "Widget", "SN42" },
        .imanufacturer = 1, .iproduct = 2, .iserial = 3,
        .n_ifaces = 2,
        .ifaces = {
            {
                .cls = 0x02, .subclass = 0x02, .protocol = 0x01,
                .istring = 2,
                .extra_len = sizeof(test_extra),
                .n_eps = 1,
                .eps = { { 0x83, USBFN_EP_INTR, 16, 64, 16 } },
            },
            {
                .cls = 0x0a,
                .n_eps = 2,
                .eps = {
                    { 0x81, USBFN_EP_BULK, 64, 512, 0 },
                    { 0x02, USBFN_EP_BULK, 32, 512, 0 },
                },
            },
        },
    };

    memcpy(cfg.ifaces[0].extra, test_extra, sizeof(test_extra));
    return cfg;
}

#define DUAL    (USBFN_SPEED_MASK(USBFN_SPEED_FULL) | \
                 USBFN_SPEED_MASK(USBFN_SPEED_HIGH))
#define FULL    USBFN_SPEED_MASK(USBFN_SPEED_FULL)

static UsbfnState st;
static uint8_t buf[1024];
static const char *why;

static bool init_with(const UsbfnConfig *cfg, unsigned mask)
{
    char *err = NULL;
    bool ok = usbfn_init(&st, cfg, mask, &err);

    if (!ok) {
        TAP_NOTE("usbfn_init: %s", err ? err : "(no message)");
    }
    g_free(err);
    return ok;
}

static bool init_test(unsigned mask)
{
    UsbfnConfig cfg = test_config();

    return init_with(&cfg, mask);
}

/* Issue a request; for OUT requests @buf is the data stage. */
static int ctl_cap(uint8_t type, uint8_t req, uint16_t value, uint16_t index,
                   uint16_t length, size_t cap)
{
    UsbfnSetup s = { type, req, value, index, length };

    why = NULL;
    return usbfn_control(&st, &s, buf, cap, &why);
}

static int ctl(uint8_t type, uint8_t req, uint16_t value, uint16_t index,
               uint16_t length)
{
    return ctl_cap(type, req, value, index, length, sizeof(buf));
}

/* Report a request that was not STALLed, or STALLed without a reason. */
static void expect_stall(int line, uint8_t type, uint8_t req, uint16_t value,
                         uint16_t index, uint16_t length)
{
    uint32_t stalls = st.stalls;
    int r = ctl(type, req, value, index, length);

    if (r != USBFN_STALL) {
        tap_fail(__FILE__, line, "request %02x %02x %04x %04x %u gave %d, "
                 "want STALL", type, req, value, index, length, r);
    } else if (!why || !*why) {
        tap_fail(__FILE__, line, "STALL of %02x %02x without a reason",
                 type, req);
    } else if (st.stalls != stalls + 1) {
        tap_fail(__FILE__, line, "STALL of %02x %02x not counted", type, req);
    }
}

#define STALLS(t, r, v, i, l) expect_stall(__LINE__, t, r, v, i, l)

static void expect_bytes(int line, const uint8_t *got, const uint8_t *want,
                         size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (got[i] != want[i]) {
            tap_fail(__FILE__, line, "byte %zu is %02x, want %02x", i,
                     got[i], want[i]);
            return;
        }
    }
}

#define BYTES(got, ...) do { \
        static const uint8_t want_[] = { __VA_ARGS__ }; \
        expect_bytes(__LINE__, got, want_, sizeof(want_)); \
    } while (0)

/* Bring the device to the address or configured state. */
static void address(void)
{
    CHECK_EQ(ctl(RT_DEV_OUT, USBFN_SET_ADDRESS, 7, 0, 0), 0);
}

static void configure(void)
{
    address();
    CHECK_EQ(ctl(RT_DEV_OUT, USBFN_SET_CONFIGURATION, 1, 0, 0), 0);
}

/* Configuration (type 2) or other-speed (type 7) descriptor at the
 * connected speed, fetched with a generous wLength. */
static int get_cfg(uint8_t type)
{
    return ctl(RT_DEV_IN, USBFN_GET_DESCRIPTOR, type << 8, 0, 255);
}

/* -- descriptors ----------------------------------------------------------- */

static void t_device_descriptor(void)
{
    REQUIRE(init_test(DUAL));
    REQUIRE_EQ(ctl(RT_DEV_IN, USBFN_GET_DESCRIPTOR, 0x0100, 0, 64), 18);
    BYTES(buf, 18, 1, 0x00, 0x02, 0xef, 0x02, 0x01, 64,
          0x34, 0x12, 0xcd, 0xab, 0x21, 0x03, 1, 2, 3, 1);
    /* Same at full speed and in every state. */
    usbfn_reset(&st, USBFN_SPEED_FULL);
    configure();
    REQUIRE_EQ(ctl(RT_DEV_IN, USBFN_GET_DESCRIPTOR, 0x0100, 0, 18), 18);
    BYTES(buf, 18, 1, 0x00, 0x02, 0xef, 0x02, 0x01, 64);
}

static void t_device_descriptor_empty_strings(void)
{
    UsbfnConfig cfg = test_config();

    cfg.strings[1] = "";
    cfg.strings[3] = NULL;
    REQUIRE(init_with(&cfg, FULL));
    REQUIRE_EQ(ctl(RT_DEV_IN, USBFN_GET_DESCRIPTOR, 0x0100, 0, 18), 18);
    CHECK_EQ(buf[14], 0);       /* iManufacturer: empty */
    CHECK_EQ(buf[15], 2);
    CHECK_EQ(buf[16], 0);       /* iSerialNumber: none */
    STALLS(RT_DEV_IN, USBFN_GET_DESCRIPTOR, 0x0301, 0x0409, 255);
    STALLS(RT_DEV_IN, USBFN_GET_DESCRIPTOR, 0x0303, 0x0409, 255);
}

static void t_config_full_speed(void)
{
    REQUIRE(init_test(DUAL));
    usbfn_reset(&st, USBFN_SPEED_FULL);
    /* 9 + (9 + 5 + 7) + (9 + 7 + 7) */
    REQUIRE_EQ(get_cfg(USBFN_DT_CONFIG), 53);
    BYTES(buf,
          9, 2, 53, 0, 2, 1, 0, 0x80, 100,
          9, 4, 0, 0, 1, 0x02, 0x02, 0x01, 2,
          5, 0x24, 0x00, 0x10, 0x01,
          7, 5, 0x83, 3, 16, 0, 16,
          9, 4, 1, 0, 2, 0x0a, 0, 0, 0,
          7, 5, 0x81, 2, 64, 0, 0,
          7, 5, 0x02, 2, 32, 0, 0);
}

static void t_config_high_speed(void)
{
    REQUIRE(init_test(DUAL));
    CHECK_EQ(st.speed, USBFN_SPEED_HIGH);   /* dual speed attaches high */
    usbfn_reset(&st, USBFN_SPEED_HIGH);
    REQUIRE_EQ(get_cfg(USBFN_DT_CONFIG), 53);
    BYTES(buf,
          9, 2, 53, 0, 2, 1, 0, 0x80, 100,
          9, 4, 0, 0, 1, 0x02, 0x02, 0x01, 2,
          5, 0x24, 0x00, 0x10, 0x01,
          7, 5, 0x83, 3, 64, 0, 8,      /* 16 ms = 2^(8-1) microframes */
          9, 4, 1, 0, 2, 0x0a, 0, 0, 0,
          7, 5, 0x81, 2, 0x00, 0x02, 0,
          7, 5, 0x02, 2, 0x00, 0x02, 0);
}

static void t_interval_codes(void)
{
    static const struct {
        uint8_t ms, high;
    } tab[] = {
        { 1, 4 }, { 2, 5 }, { 4, 6 }, { 8, 7 }, { 16, 8 }, { 32, 9 },
        { 64, 10 }, { 128, 11 },
    };

    for (size_t i = 0; i < COUNT(tab); i++) {
        uint8_t code = usbfn_interval_code(tab[i].ms, USBFN_SPEED_HIGH);

        CHECK_EQ(code, tab[i].high);
        /* 2^(bInterval-1) microframes of 125 us is the interval. */
        CHECK_EQ((1u << (code - 1)) / 8, tab[i].ms);
        CHECK_EQ(usbfn_interval_code(tab[i].ms, USBFN_SPEED_FULL), tab[i].ms);
    }
    CHECK_EQ(usbfn_interval_code(255, USBFN_SPEED_FULL), 255);
    CHECK_EQ(usbfn_interval_code(10, USBFN_SPEED_LOW), 10);
    /* Every high-speed code is in the legal range 1..16, and its period is
     * the longest power of two not longer than asked: never polled less
     * often than the interval, never more than twice as often. */
    for (unsigned ms = 1; ms < 256; ms++) {
        uint8_t code = usbfn_interval_code(ms, USBFN_SPEED_HIGH);
        unsigned uframes = 1u << (code - 1);

        REQUIRE(code >= 1 && code <= 16);
        CHECK(uframes <= ms * 8);
        CHECK(uframes * 2 > ms * 8);
    }
}

static void t_other_speed(void)
{
    uint8_t cfg_full[64], cfg_high[64];

    REQUIRE(init_test(DUAL));
    usbfn_reset(&st, USBFN_SPEED_FULL);
    REQUIRE_EQ(get_cfg(USBFN_DT_CONFIG), 53);
    memcpy(cfg_full, buf, 53);
    usbfn_reset(&st, USBFN_SPEED_HIGH);
    REQUIRE_EQ(get_cfg(USBFN_DT_CONFIG), 53);
    memcpy(cfg_high, buf, 53);

    /* At high speed the other speed is full speed, and vice versa. */
    REQUIRE_EQ(get_cfg(USBFN_DT_OTHER_SPEED), 53);
    CHECK_EQ(buf[1], 7);
    CHECK(memcmp(buf + 2, cfg_full + 2, 51) == 0);
    CHECK_EQ(buf[0], 9);
    usbfn_reset(&st, USBFN_SPEED_FULL);
    REQUIRE_EQ(get_cfg(USBFN_DT_OTHER_SPEED), 53);
    CHECK_EQ(buf[1], 7);
    CHECK(memcmp(buf + 2, cfg_high + 2, 51) == 0);
    /* The plain configuration still says type 2. */
    REQUIRE_EQ(get_cfg(USBFN_DT_CONFIG), 53);
    CHECK_EQ(buf[1], 2);
    /* Index other than 0: there is one configuration. */
    STALLS(RT_DEV_IN, USBFN_GET_DESCRIPTOR, 0x0701, 0, 255);
    STALLS(RT_DEV_IN, USBFN_GET_DESCRIPTOR, 0x0201, 0, 255);
}

static void t_qualifier(void)
{
    REQUIRE(init_test(DUAL));
    REQUIRE_EQ(ctl(RT_DEV_IN, USBFN_GET_DESCRIPTOR, 0x0600, 0, 64), 10);
    BYTES(buf, 10, 6, 0x00, 0x02, 0xef, 0x02, 0x01, 64, 1, 0);
    usbfn_reset(&st, USBFN_SPEED_FULL);
    REQUIRE_EQ(ctl(RT_DEV_IN, USBFN_GET_DESCRIPTOR, 0x0600, 0, 10), 10);
    BYTES(buf, 10, 6, 0x00, 0x02, 0xef, 0x02, 0x01, 64, 1, 0);
}

static void t_full_speed_only(void)
{
    REQUIRE(init_test(FULL));
    CHECK_EQ(st.speed, USBFN_SPEED_FULL);
    /* USB 2.0 9.6.2: a full-speed-only device has no qualifier. */
    STALLS(RT_DEV_IN, USBFN_GET_DESCRIPTOR, 0x0600, 0, 10);
    STALLS(RT_DEV_IN, USBFN_GET_DESCRIPTOR, 0x0700, 0, 255);
    CHECK_EQ(get_cfg(USBFN_DT_CONFIG), 53);
    CHECK_EQ(buf[1], 2);
}

static void t_strings(void)
{
    REQUIRE(init_test(DUAL));
    REQUIRE_EQ(ctl(RT_DEV_IN, USBFN_GET_DESCRIPTOR, 0x0300, 0, 255), 4);
    BYTES(buf, 4, 3, 0x09, 0x04);
    REQUIRE_EQ(ctl(RT_DEV_IN, USBFN_GET_DESCRIPTOR, 0x0301, 0x0409, 255), 12);
    BYTES(buf, 12, 3, 'M', 0, 'a', 0, 'k', 0, 'e', 0, 'r', 0);
    REQUIRE_EQ(ctl(RT_DEV_IN, USBFN_GET_DESCRIPTOR, 0x0302, 0x0409, 255), 14);
    BYTES(buf, 14, 3, 'W', 0, 'i', 0, 'd', 0, 'g', 0, 'e', 0, 't', 0);
    REQUIRE_EQ(ctl(RT_DEV_IN, USBFN_GET_DESCRIPTOR, 0x0303, 0x0409, 255), 10);
    BYTES(buf, 10, 3, 'S', 0, 'N', 0, '4', 0, '2', 0);
    /* Another language, an index without a string. */
    STALLS(RT_DEV_IN, USBFN_GET_DESCRIPTOR, 0x0301, 0x0407, 255);
    STALLS(RT_DEV_IN, USBFN_GET_DESCRIPTOR, 0x0301, 0, 255);
    STALLS(RT_DEV_IN, USBFN_GET_DESCRIPTOR, 0x0304, 0x0409, 255);
    STALLS(RT_DEV_IN, USBFN_GET_DESCRIPTOR, 0x0307, 0x0409, 255);
    STALLS(RT_DEV_IN, USBFN_GET_DESCRIPTOR, 0x0308, 0x0409, 255);
    STALLS(RT_DEV_IN, USBFN_GET_DESCRIPTOR, 0x03ee, 0x0409, 255);
}

static void t_longest_string(void)
{
    char s[USBFN_STRING_MAX + 1];
    UsbfnConfig cfg = test_config();

    memset(s, 'x', USBFN_STRING_MAX);
    s[USBFN_STRING_MAX] = 0;
    s[0] = ' ';
    s[USBFN_STRING_MAX - 1] = '~';
    cfg.strings[7] = s;
    REQUIRE(init_with(&cfg, DUAL));
    s[1] = 'y';                 /* usbfn keeps its own copy */
    REQUIRE_EQ(ctl(RT_DEV_IN, USBFN_GET_DESCRIPTOR, 0x0307, 0x0409, 255),
               2 + 2 * USBFN_STRING_MAX);
    CHECK_EQ(buf[0], 2 + 2 * USBFN_STRING_MAX);
    CHECK_EQ(buf[1], 3);
    CHECK_EQ(buf[2], ' ');
    CHECK_EQ(buf[4], 'x');
    CHECK_EQ(buf[2 + 2 * (USBFN_STRING_MAX - 1)], '~');
    for (unsigned i = 0; i < USBFN_STRING_MAX; i++) {
        REQUIRE_EQ(buf[3 + 2 * i], 0);
    }
}

static void t_truncation(void)
{
    REQUIRE(init_test(DUAL));
    memset(buf, 0xee, sizeof(buf));
    /* The host's first 8-byte read of the device descriptor. */
    REQUIRE_EQ(ctl(RT_DEV_IN, USBFN_GET_DESCRIPTOR, 0x0100, 0, 8), 8);
    BYTES(buf, 18, 1, 0x00, 0x02, 0xef, 0x02, 0x01, 64, 0xee);
    /* The configuration header alone, wTotalLength intact. */
    REQUIRE_EQ(ctl(RT_DEV_IN, USBFN_GET_DESCRIPTOR, 0x0200, 0, 9), 9);
    CHECK_EQ(usbfn_get16(buf + 2), 53);
    CHECK_EQ(ctl(RT_DEV_IN, USBFN_GET_DESCRIPTOR, 0x0200, 0, 52), 52);
    CHECK_EQ(ctl(RT_DEV_IN, USBFN_GET_DESCRIPTOR, 0x0700, 0, 20), 20);
    CHECK_EQ(buf[1], 7);
    /* A string's length byte alone. */
    memset(buf, 0xee, sizeof(buf));
    REQUIRE_EQ(ctl(RT_DEV_IN, USBFN_GET_DESCRIPTOR, 0x0301, 0x0409, 2), 2);
    BYTES(buf, 12, 3, 0xee);
    CHECK_EQ(ctl(RT_DEV_IN, USBFN_GET_DESCRIPTOR, 0x0300, 0, 1), 1);
    CHECK_EQ(ctl(RT_DEV_IN, USBFN_GET_DESCRIPTOR, 0x0600, 0, 3), 3);
    /* wLength 0: nothing, and nothing written. */
    memset(buf, 0xee, sizeof(buf));
    CHECK_EQ(ctl(RT_DEV_IN, USBFN_GET_DESCRIPTOR, 0x0100, 0, 0), 0);
    CHECK_EQ(buf[0], 0xee);
    /* Longer wLength: the descriptor's own length. */
    CHECK_EQ(ctl(RT_DEV_IN, USBFN_GET_DESCRIPTOR, 0x0100, 0, 0xffff), 18);
    CHECK_EQ(ctl(RT_DEV_IN, USBFN_GET_DESCRIPTOR, 0x0200, 0, 0xffff), 53);
}

static void t_cap_respected(void)
{
    REQUIRE(init_test(DUAL));
    configure();
    /* @data has room for @cap bytes only: nothing beyond may be written. */
    memset(buf, 0xee, sizeof(buf));
    CHECK_EQ(ctl_cap(RT_DEV_IN, USBFN_GET_DESCRIPTOR, 0x0200, 0, 255, 4), 4);
    CHECK_EQ(buf[4], 0xee);
    memset(buf, 0xee, sizeof(buf));
    CHECK_EQ(ctl_cap(RT_DEV_IN, USBFN_GET_STATUS, 0, 0, 2, 1), 1);
    CHECK_EQ(buf[1], 0xee);
    memset(buf, 0xee, sizeof(buf));
    CHECK_EQ(ctl_cap(RT_DEV_IN, USBFN_GET_CONFIGURATION, 0, 0, 1, 0), 0);
    CHECK_EQ(buf[0], 0xee);
    CHECK_EQ(ctl_cap(RT_IF_IN, USBFN_GET_INTERFACE, 0, 1, 1, 0), 0);
    CHECK_EQ(buf[0], 0xee);
}

static void t_unknown_descriptors(void)
{
    REQUIRE(init_test(DUAL));
    STALLS(RT_DEV_IN, USBFN_GET_DESCRIPTOR, 0x0400, 0, 9);   /* interface */
    STALLS(RT_DEV_IN, USBFN_GET_DESCRIPTOR, 0x0500, 0, 7);   /* endpoint */
    STALLS(RT_DEV_IN, USBFN_GET_DESCRIPTOR, 0x0f00, 0, 255); /* BOS */
    STALLS(RT_DEV_IN, USBFN_GET_DESCRIPTOR, 0x0000, 0, 255);
    STALLS(RT_DEV_IN, USBFN_GET_DESCRIPTOR, 0xff00, 0, 255);
    /* Wrong direction or recipient. */
    STALLS(RT_DEV_OUT, USBFN_GET_DESCRIPTOR, 0x0100, 0, 18);
    STALLS(RT_EP_IN, USBFN_GET_DESCRIPTOR, 0x0100, 0, 18);
    STALLS(0x83, USBFN_GET_DESCRIPTOR, 0x0100, 0, 18);
}

/* -- status, features ----------------------------------------------------- */

static void t_get_status(void)
{
    REQUIRE(init_test(DUAL));
    memset(buf, 0xee, sizeof(buf));
    REQUIRE_EQ(ctl(RT_DEV_IN, USBFN_GET_STATUS, 0, 0, 2), 2);
    BYTES(buf, 0, 0, 0xee);     /* bus powered, remote wakeup off */
    /* Endpoint 0 exists in every state. */
    REQUIRE_EQ(ctl(RT_EP_IN, USBFN_GET_STATUS, 0, 0x00, 2), 2);
    BYTES(buf, 0, 0);
    REQUIRE_EQ(ctl(RT_EP_IN, USBFN_GET_STATUS, 0, 0x80, 2), 2);
    BYTES(buf, 0, 0);
    configure();
    REQUIRE_EQ(ctl(RT_IF_IN, USBFN_GET_STATUS, 0, 0, 2), 2);
    BYTES(buf, 0, 0);
    REQUIRE_EQ(ctl(RT_IF_IN, USBFN_GET_STATUS, 0, 1, 2), 2);
    BYTES(buf, 0, 0);
    STALLS(RT_IF_IN, USBFN_GET_STATUS, 0, 2, 2);
    for (unsigned i = 0; i < 3; i++) {
        static const uint8_t eps[] = { 0x83, 0x81, 0x02 };

        memset(buf, 0xee, sizeof(buf));
        CHECK_EQ(ctl(RT_EP_IN, USBFN_GET_STATUS, 0, eps[i], 2), 2);
        BYTES(buf, 0, 0);
    }
    /* Endpoints that do not exist (0x01 is the wrong direction of 0x81). */
    STALLS(RT_EP_IN, USBFN_GET_STATUS, 0, 0x01, 2);
    STALLS(RT_EP_IN, USBFN_GET_STATUS, 0, 0x82, 2);
    STALLS(RT_EP_IN, USBFN_GET_STATUS, 0, 0x84, 2);
    STALLS(RT_EP_IN, USBFN_GET_STATUS, 0, 0x0f, 2);
    STALLS(RT_EP_IN, USBFN_GET_STATUS, 0, 0x181, 2);
    /* Malformed. */
    STALLS(RT_DEV_IN, USBFN_GET_STATUS, 0, 0, 1);
    STALLS(RT_DEV_IN, USBFN_GET_STATUS, 0, 0, 3);
    STALLS(RT_DEV_IN, USBFN_GET_STATUS, 0, 0, 0);
    STALLS(RT_DEV_IN, USBFN_GET_STATUS, 1, 0, 2);
    STALLS(RT_DEV_IN, USBFN_GET_STATUS, 0, 1, 2);
    STALLS(RT_DEV_OUT, USBFN_GET_STATUS, 0, 0, 2);
    STALLS(0x83, USBFN_GET_STATUS, 0, 0, 2);        /* recipient other */
    STALLS(0x9f, USBFN_GET_STATUS, 0, 0, 2);
}

static void t_remote_wakeup(void)
{
    REQUIRE(init_test(DUAL));
    address();
    CHECK_EQ(ctl(RT_DEV_OUT, USBFN_SET_FEATURE,
                 USBFN_FEAT_REMOTE_WAKEUP, 0, 0), 0);
    REQUIRE_EQ(ctl(RT_DEV_IN, USBFN_GET_STATUS, 0, 0, 2), 2);
    BYTES(buf, 2, 0);
    CHECK_EQ(ctl(RT_DEV_OUT, USBFN_CLEAR_FEATURE,
                 USBFN_FEAT_REMOTE_WAKEUP, 0, 0), 0);
    REQUIRE_EQ(ctl(RT_DEV_IN, USBFN_GET_STATUS, 0, 0, 2), 2);
    BYTES(buf, 0, 0);
    CHECK_EQ(ctl(RT_DEV_OUT, USBFN_SET_FEATURE,
                 USBFN_FEAT_REMOTE_WAKEUP, 0, 0), 0);
    /* A bus reset clears it. */
    usbfn_reset(&st, USBFN_SPEED_HIGH);
    REQUIRE_EQ(ctl(RT_DEV_IN, USBFN_GET_STATUS, 0, 0, 2), 2);
    BYTES(buf, 0, 0);
    /* Malformed, or features this device does not have. */
    STALLS(RT_DEV_OUT, USBFN_SET_FEATURE, USBFN_FEAT_REMOTE_WAKEUP, 0, 1);
    STALLS(RT_DEV_OUT, USBFN_SET_FEATURE, USBFN_FEAT_REMOTE_WAKEUP, 1, 0);
    STALLS(RT_DEV_IN, USBFN_SET_FEATURE, USBFN_FEAT_REMOTE_WAKEUP, 0, 0);
    STALLS(RT_DEV_OUT, USBFN_SET_FEATURE, USBFN_FEAT_TEST_MODE, 0x0100, 0);
    STALLS(RT_DEV_OUT, USBFN_SET_FEATURE, 7, 0, 0);
    STALLS(RT_DEV_OUT, USBFN_SET_FEATURE, USBFN_FEAT_ENDPOINT_HALT, 0, 0);
    STALLS(RT_IF_OUT, USBFN_SET_FEATURE, USBFN_FEAT_REMOTE_WAKEUP, 0, 0);
    CHECK_EQ(st.remote_wakeup, 0);
}

static void t_halt(void)
{
    static const uint8_t eps[] = { 0x83, 0x81, 0x02 };

    REQUIRE(init_test(DUAL));
    configure();
    for (unsigned i = 0; i < COUNT(eps); i++) {
        CHECK_EQ(ctl(RT_EP_OUT, USBFN_SET_FEATURE, USBFN_FEAT_ENDPOINT_HALT,
                     eps[i], 0), 0);
        CHECK(usbfn_ep_halted(&st, eps[i]));
        REQUIRE_EQ(ctl(RT_EP_IN, USBFN_GET_STATUS, 0, eps[i], 2), 2);
        BYTES(buf, 1, 0);
        /* Only that endpoint (and not the other direction of its number). */
        for (unsigned j = 0; j < COUNT(eps); j++) {
            if (j != i) {
                CHECK(!usbfn_ep_halted(&st, eps[j]));
            }
        }
        CHECK(!usbfn_ep_halted(&st, eps[i] ^ USBFN_DIR_IN));
        CHECK_EQ(ctl(RT_EP_OUT, USBFN_CLEAR_FEATURE, USBFN_FEAT_ENDPOINT_HALT,
                     eps[i], 0), 0);
        CHECK(!usbfn_ep_halted(&st, eps[i]));
        REQUIRE_EQ(ctl(RT_EP_IN, USBFN_GET_STATUS, 0, eps[i], 2), 2);
        BYTES(buf, 0, 0);
    }
    /* The device itself halting an endpoint shows in GET_STATUS too. */
    usbfn_ep_set_halt(&st, 0x81, true);
    REQUIRE_EQ(ctl(RT_EP_IN, USBFN_GET_STATUS, 0, 0x81, 2), 2);
    BYTES(buf, 1, 0);
    /* CLEAR_FEATURE of a running endpoint is fine. */
    CHECK_EQ(ctl(RT_EP_OUT, USBFN_CLEAR_FEATURE, USBFN_FEAT_ENDPOINT_HALT,
                 0x02, 0), 0);
    CHECK(usbfn_ep_halted(&st, 0x81));
    /* Endpoint 0 can be addressed. */
    CHECK_EQ(ctl(RT_EP_OUT, USBFN_CLEAR_FEATURE, USBFN_FEAT_ENDPOINT_HALT,
                 0x00, 0), 0);
    CHECK_EQ(ctl(RT_EP_OUT, USBFN_CLEAR_FEATURE, USBFN_FEAT_ENDPOINT_HALT,
                 0x80, 0), 0);
    /* Malformed: no such endpoint, wLength, direction, other feature. */
    STALLS(RT_EP_OUT, USBFN_SET_FEATURE, USBFN_FEAT_ENDPOINT_HALT, 0x01, 0);
    STALLS(RT_EP_OUT, USBFN_SET_FEATURE, USBFN_FEAT_ENDPOINT_HALT, 0x85, 0);
    STALLS(RT_EP_OUT, USBFN_SET_FEATURE, USBFN_FEAT_ENDPOINT_HALT, 0x181, 0);
    STALLS(RT_EP_OUT, USBFN_SET_FEATURE, USBFN_FEAT_ENDPOINT_HALT, 0x81, 2);
    STALLS(RT_EP_IN, USBFN_SET_FEATURE, USBFN_FEAT_ENDPOINT_HALT, 0x81, 0);
    STALLS(RT_EP_OUT, USBFN_SET_FEATURE, USBFN_FEAT_REMOTE_WAKEUP, 0x81, 0);
    STALLS(RT_EP_OUT, USBFN_CLEAR_FEATURE, 0x100, 0x81, 0);
    CHECK(!usbfn_ep_halted(&st, 0x01));
    CHECK(!usbfn_ep_halted(&st, 0x85));
}

static void t_halt_cleared_by_configuration(void)
{
    REQUIRE(init_test(DUAL));
    configure();
    CHECK_EQ(ctl(RT_EP_OUT, USBFN_SET_FEATURE, USBFN_FEAT_ENDPOINT_HALT,
                 0x81, 0), 0);
    CHECK_EQ(ctl(RT_EP_OUT, USBFN_SET_FEATURE, USBFN_FEAT_ENDPOINT_HALT,
                 0x83, 0), 0);
    CHECK_EQ(ctl(RT_DEV_OUT, USBFN_SET_CONFIGURATION, 1, 0, 0), 0);
    CHECK(!usbfn_ep_halted(&st, 0x81));
    CHECK(!usbfn_ep_halted(&st, 0x83));

    /* SET_INTERFACE clears the halts of that interface's endpoints. */
    CHECK_EQ(ctl(RT_EP_OUT, USBFN_SET_FEATURE, USBFN_FEAT_ENDPOINT_HALT,
                 0x81, 0), 0);
    CHECK_EQ(ctl(RT_EP_OUT, USBFN_SET_FEATURE, USBFN_FEAT_ENDPOINT_HALT,
                 0x02, 0), 0);
    CHECK_EQ(ctl(RT_IF_OUT, USBFN_SET_INTERFACE, 0, 1, 0), 0);
    CHECK(!usbfn_ep_halted(&st, 0x81));
    CHECK(!usbfn_ep_halted(&st, 0x02));

    /* A bus reset clears them as well. */
    usbfn_ep_set_halt(&st, 0x83, true);
    usbfn_reset(&st, USBFN_SPEED_HIGH);
    CHECK(!usbfn_ep_halted(&st, 0x83));
}

/* -- state rules ---------------------------------------------------------- */

static void t_address_and_configuration(void)
{
    REQUIRE(init_test(DUAL));
    CHECK_EQ(st.address, 0);
    CHECK_EQ(st.configuration, 0);
    /* Default state: no configuration without an address. */
    STALLS(RT_DEV_OUT, USBFN_SET_CONFIGURATION, 1, 0, 0);
    CHECK_EQ(st.configuration, 0);
    REQUIRE_EQ(ctl(RT_DEV_IN, USBFN_GET_CONFIGURATION, 0, 0, 1), 1);
    CHECK_EQ(buf[0], 0);

    CHECK_EQ(ctl(RT_DEV_OUT, USBFN_SET_ADDRESS, 127, 0, 0), 0);
    CHECK_EQ(st.address, 127);
    CHECK_EQ(ctl(RT_DEV_OUT, USBFN_SET_ADDRESS, 1, 0, 0), 0);
    CHECK_EQ(st.address, 1);
    STALLS(RT_DEV_OUT, USBFN_SET_ADDRESS, 128, 0, 0);
    STALLS(RT_DEV_OUT, USBFN_SET_ADDRESS, 0x8001, 0, 0);
    STALLS(RT_DEV_OUT, USBFN_SET_ADDRESS, 2, 1, 0);
    STALLS(RT_DEV_OUT, USBFN_SET_ADDRESS, 2, 0, 1);
    STALLS(RT_DEV_IN, USBFN_SET_ADDRESS, 2, 0, 0);
    STALLS(RT_IF_OUT, USBFN_SET_ADDRESS, 2, 0, 0);
    CHECK_EQ(st.address, 1);

    CHECK_EQ(ctl(RT_DEV_OUT, USBFN_SET_CONFIGURATION, 1, 0, 0), 0);
    CHECK_EQ(st.configuration, 1);
    REQUIRE_EQ(ctl(RT_DEV_IN, USBFN_GET_CONFIGURATION, 0, 0, 1), 1);
    CHECK_EQ(buf[0], 1);
    /* Configured: SET_ADDRESS is refused. */
    STALLS(RT_DEV_OUT, USBFN_SET_ADDRESS, 9, 0, 0);
    CHECK_EQ(st.address, 1);
    /* Malformed SET_CONFIGURATION. */
    STALLS(RT_DEV_OUT, USBFN_SET_CONFIGURATION, 2, 0, 0);
    STALLS(RT_DEV_OUT, USBFN_SET_CONFIGURATION, 0x0101, 0, 0);
    STALLS(RT_DEV_OUT, USBFN_SET_CONFIGURATION, 1, 1, 0);
    STALLS(RT_DEV_OUT, USBFN_SET_CONFIGURATION, 1, 0, 1);
    STALLS(RT_DEV_IN, USBFN_SET_CONFIGURATION, 1, 0, 0);
    STALLS(RT_IF_OUT, USBFN_SET_CONFIGURATION, 1, 0, 0);
    CHECK_EQ(st.configuration, 1);
    /* Malformed GET_CONFIGURATION. */
    STALLS(RT_DEV_IN, USBFN_GET_CONFIGURATION, 0, 0, 2);
    STALLS(RT_DEV_IN, USBFN_GET_CONFIGURATION, 0, 0, 0);
    STALLS(RT_DEV_IN, USBFN_GET_CONFIGURATION, 1, 0, 1);
    STALLS(RT_DEV_IN, USBFN_GET_CONFIGURATION, 0, 1, 1);
    STALLS(RT_DEV_OUT, USBFN_GET_CONFIGURATION, 0, 0, 1);
    STALLS(RT_IF_IN, USBFN_GET_CONFIGURATION, 0, 0, 1);

    /* Back to the address state; SET_ADDRESS works again. */
    CHECK_EQ(ctl(RT_DEV_OUT, USBFN_SET_CONFIGURATION, 0, 0, 0), 0);
    CHECK_EQ(st.configuration, 0);
    CHECK_EQ(ctl(RT_DEV_OUT, USBFN_SET_ADDRESS, 9, 0, 0), 0);
    CHECK_EQ(st.address, 9);
    /* Address 0 is the default state again: no configuration. */
    CHECK_EQ(ctl(RT_DEV_OUT, USBFN_SET_ADDRESS, 0, 0, 0), 0);
    CHECK_EQ(st.address, 0);
    STALLS(RT_DEV_OUT, USBFN_SET_CONFIGURATION, 1, 0, 0);
    CHECK_EQ(ctl(RT_DEV_OUT, USBFN_SET_ADDRESS, 9, 0, 0), 0);
    /* Reset: default state. */
    CHECK_EQ(ctl(RT_DEV_OUT, USBFN_SET_CONFIGURATION, 1, 0, 0), 0);
    usbfn_reset(&st, USBFN_SPEED_FULL);
    CHECK_EQ(st.address, 0);
    CHECK_EQ(st.configuration, 0);
    CHECK_EQ(st.speed, USBFN_SPEED_FULL);
    STALLS(RT_DEV_OUT, USBFN_SET_CONFIGURATION, 1, 0, 0);
}

static void t_before_configuration(void)
{
    REQUIRE(init_test(DUAL));
    address();
    /* Interface and endpoint (other than 0) requests need a configuration. */
    STALLS(RT_IF_IN, USBFN_GET_STATUS, 0, 0, 2);
    STALLS(RT_IF_IN, USBFN_GET_INTERFACE, 0, 0, 1);
    STALLS(RT_IF_OUT, USBFN_SET_INTERFACE, 0, 0, 0);
    STALLS(RT_EP_IN, USBFN_GET_STATUS, 0, 0x81, 2);
    STALLS(RT_EP_OUT, USBFN_SET_FEATURE, USBFN_FEAT_ENDPOINT_HALT, 0x81, 0);
    STALLS(RT_EP_OUT, USBFN_CLEAR_FEATURE, USBFN_FEAT_ENDPOINT_HALT, 0x02, 0);
    CHECK_EQ(st.halted, 0);
    /* Device requests and endpoint 0 are fine. */
    CHECK_EQ(ctl(RT_DEV_IN, USBFN_GET_STATUS, 0, 0, 2), 2);
    CHECK_EQ(ctl(RT_EP_IN, USBFN_GET_STATUS, 0, 0, 2), 2);
    CHECK_EQ(ctl(RT_DEV_IN, USBFN_GET_DESCRIPTOR, 0x0200, 0, 255), 53);
    /* And after SET_CONFIGURATION 0 they are refused again. */
    CHECK_EQ(ctl(RT_DEV_OUT, USBFN_SET_CONFIGURATION, 1, 0, 0), 0);
    CHECK_EQ(ctl(RT_IF_IN, USBFN_GET_STATUS, 0, 0, 2), 2);
    CHECK_EQ(ctl(RT_DEV_OUT, USBFN_SET_CONFIGURATION, 0, 0, 0), 0);
    STALLS(RT_IF_IN, USBFN_GET_STATUS, 0, 0, 2);
    STALLS(RT_EP_IN, USBFN_GET_STATUS, 0, 0x83, 2);
}

static void t_interfaces(void)
{
    REQUIRE(init_test(DUAL));
    configure();
    for (uint16_t i = 0; i < 2; i++) {
        buf[0] = 0xee;
        REQUIRE_EQ(ctl(RT_IF_IN, USBFN_GET_INTERFACE, 0, i, 1), 1);
        CHECK_EQ(buf[0], 0);
        CHECK_EQ(ctl(RT_IF_OUT, USBFN_SET_INTERFACE, 0, i, 0), 0);
    }
    STALLS(RT_IF_IN, USBFN_GET_INTERFACE, 0, 2, 1);
    STALLS(RT_IF_IN, USBFN_GET_INTERFACE, 0, 0x100, 1);
    STALLS(RT_IF_IN, USBFN_GET_INTERFACE, 0, 0, 2);
    STALLS(RT_IF_IN, USBFN_GET_INTERFACE, 0, 0, 0);
    STALLS(RT_IF_IN, USBFN_GET_INTERFACE, 1, 0, 1);
    STALLS(RT_IF_OUT, USBFN_GET_INTERFACE, 0, 0, 1);
    STALLS(RT_DEV_IN, USBFN_GET_INTERFACE, 0, 0, 1);
    STALLS(RT_IF_OUT, USBFN_SET_INTERFACE, 1, 0, 0);   /* alt 1 */
    STALLS(RT_IF_OUT, USBFN_SET_INTERFACE, 0, 2, 0);
    STALLS(RT_IF_OUT, USBFN_SET_INTERFACE, 0, 0, 1);
    STALLS(RT_IF_IN, USBFN_SET_INTERFACE, 0, 0, 0);
    STALLS(RT_DEV_OUT, USBFN_SET_INTERFACE, 0, 0, 0);
}

static void t_unsupported_requests(void)
{
    REQUIRE(init_test(DUAL));
    configure();
    STALLS(RT_DEV_OUT, USBFN_SET_DESCRIPTOR, 0x0100, 0, 18);
    STALLS(RT_EP_IN, USBFN_SYNCH_FRAME, 0, 0x81, 2);
    STALLS(RT_EP_IN, USBFN_SYNCH_FRAME, 0, 0x83, 2);
    STALLS(RT_DEV_OUT, 2, 0, 0, 0);         /* reserved */
    STALLS(RT_DEV_OUT, 4, 0, 0, 0);         /* reserved */
    STALLS(RT_DEV_IN, 13, 0, 0, 0);
    STALLS(RT_DEV_IN, 0xff, 0, 0, 0);
    STALLS(RT_DEV_OUT, USBFN_SET_FEATURE, USBFN_FEAT_TEST_MODE, 0x0100, 0);
    CHECK_EQ(st.configuration, 1);
    CHECK_EQ(st.halted, 0);
}

static void t_not_mine(void)
{
    static const uint8_t types[] = {
        0x21, 0xa1, 0x20, 0xa0, 0x22, 0x40, 0xc0, 0x41, 0xc1, 0x42, 0x60,
    };
    uint32_t stalls;

    REQUIRE(init_test(DUAL));
    stalls = st.stalls;
    for (unsigned i = 0; i < COUNT(types); i++) {
        for (unsigned req = 0; req < 256; req += 5) {
            CHECK_EQ(ctl(types[i], req, 0x1234, 0, 7), USBFN_NOT_MINE);
        }
    }
    /* The class descriptors (HID report) belong to the device core. */
    CHECK_EQ(ctl(RT_IF_IN, USBFN_GET_DESCRIPTOR, 0x2200, 0, 64),
             USBFN_NOT_MINE);
    CHECK_EQ(st.stalls, stalls);
    configure();
    CHECK_EQ(ctl(0x21, 0x20, 0, 0, 7), USBFN_NOT_MINE);
    CHECK_EQ(ctl(0xc0, 0x01, 0, 0, 16), USBFN_NOT_MINE);
}

/* -- helpers -------------------------------------------------------------- */

static void t_endpoint_helpers(void)
{
    const UsbfnEndpoint *ep = NULL;
    const UsbfnInterface *ifc;

    REQUIRE(init_test(DUAL));
    ifc = usbfn_find_ep(&st, 0x02, &ep);
    REQUIRE(ifc != NULL);
    REQUIRE(ep != NULL);
    CHECK_EQ(ifc->cls, 0x0a);
    CHECK_EQ(ep->address, 0x02);
    CHECK(usbfn_find_ep(&st, 0x83, NULL) != NULL);
    CHECK(usbfn_find_ep(&st, 0x03, NULL) == NULL);
    CHECK(usbfn_find_ep(&st, 0x82, NULL) == NULL);
    CHECK(usbfn_find_ep(&st, 0x00, NULL) == NULL);

    usbfn_reset(&st, USBFN_SPEED_HIGH);
    CHECK_EQ(usbfn_ep_mps(&st, 0x81), 512);
    CHECK_EQ(usbfn_ep_mps(&st, 0x02), 512);
    CHECK_EQ(usbfn_ep_mps(&st, 0x83), 64);
    CHECK_EQ(usbfn_ep_mps(&st, 0x84), 0);
    usbfn_reset(&st, USBFN_SPEED_FULL);
    CHECK_EQ(usbfn_ep_mps(&st, 0x81), 64);
    CHECK_EQ(usbfn_ep_mps(&st, 0x02), 32);
    CHECK_EQ(usbfn_ep_mps(&st, 0x83), 16);
    CHECK_EQ(usbfn_ep_mps(&st, 0x01), 0);

    usbfn_ep_set_halt(&st, 0x02, true);
    CHECK(usbfn_ep_halted(&st, 0x02));
    CHECK(!usbfn_ep_halted(&st, 0x82));
    usbfn_ep_set_halt(&st, 0x02, false);
    CHECK(!usbfn_ep_halted(&st, 0x02));
}

static void t_low_speed(void)
{
    UsbfnConfig cfg = {
        .vid = 1, .pid = 2, .dev_class = 0, .max_power_ma = 100,
        .n_ifaces = 1,
        .ifaces = { {
            .cls = 3, .n_eps = 1,
            .eps = { { 0x81, USBFN_EP_INTR, 8, 8, 10 } },
        } },
    };

    REQUIRE(init_with(&cfg, USBFN_SPEED_MASK(USBFN_SPEED_LOW)));
    CHECK_EQ(st.speed_mask, USBFN_SPEED_MASK(USBFN_SPEED_LOW));
    REQUIRE_EQ(ctl(RT_DEV_IN, USBFN_GET_DESCRIPTOR, 0x0100, 0, 18), 18);
    CHECK_EQ(buf[7], 8);        /* bMaxPacketSize0 is 8 at low speed */
    CHECK_EQ(buf[14], 0);       /* no strings */
    CHECK_EQ(buf[15], 0);
    CHECK_EQ(buf[16], 0);
    usbfn_reset(&st, USBFN_SPEED_LOW);
    REQUIRE_EQ(get_cfg(USBFN_DT_CONFIG), 9 + 9 + 7);
    BYTES(buf + 18, 7, 5, 0x81, 3, 8, 0, 10);
    STALLS(RT_DEV_IN, USBFN_GET_DESCRIPTOR, 0x0600, 0, 10);
    STALLS(RT_DEV_IN, USBFN_GET_DESCRIPTOR, 0x0301, 0x0409, 255);
}

/* -- usbfn_init refusals --------------------------------------------------- */

/* usbfn_init must fail with a message. */
static void expect_refused(int line, const UsbfnConfig *cfg, unsigned mask)
{
    char *err = NULL;

    if (usbfn_init(&st, cfg, mask, &err)) {
        tap_fail(__FILE__, line, "usbfn_init accepted a bad configuration");
    } else if (!err || !*err) {
        tap_fail(__FILE__, line, "usbfn_init failed without a message");
    } else {
        TAP_NOTE("refused as expected: %s", err);
    }
    g_free(err);
}

#define REFUSED(cfg, mask) expect_refused(__LINE__, cfg, mask)

static void t_init_refuses(void)
{
    UsbfnConfig cfg;
    char long_str[USBFN_STRING_MAX + 2];

    cfg = test_config();
    REQUIRE(init_with(&cfg, DUAL));
    /* Low speed has no bulk endpoints. */
    REFUSED(&cfg, USBFN_SPEED_MASK(USBFN_SPEED_LOW));
    REFUSED(&cfg, USBFN_SPEED_MASK(USBFN_SPEED_LOW) | FULL);
    /* No speed, or an unknown one (super speed). */
    REFUSED(&cfg, 0);
    REFUSED(&cfg, USBFN_SPEED_MASK(3) | FULL);
    /* Interface counts. */
    cfg.n_ifaces = 0;
    REFUSED(&cfg, DUAL);
    cfg = test_config();
    cfg.n_ifaces = USBFN_MAX_IFACES + 1;
    REFUSED(&cfg, DUAL);
    /* The same endpoint twice, in one interface or in two. */
    cfg = test_config();
    cfg.ifaces[1].eps[1].address = 0x81;
    REFUSED(&cfg, DUAL);
    cfg = test_config();
    cfg.ifaces[1].eps[0].address = 0x83;
    REFUSED(&cfg, DUAL);
    /* The same number in both directions is two endpoints: fine. */
    cfg = test_config();
    cfg.ifaces[1].eps[1].address = 0x01;
    CHECK(init_with(&cfg, DUAL));
    /* Endpoint 0, and reserved address bits. */
    cfg = test_config();
    cfg.ifaces[1].eps[0].address = 0x80;
    REFUSED(&cfg, DUAL);
    cfg = test_config();
    cfg.ifaces[1].eps[1].address = 0x12;
    REFUSED(&cfg, DUAL);
    /* Too many endpoints. */
    cfg = test_config();
    cfg.ifaces[1].n_eps = USBFN_MAX_EPS + 1;
    REFUSED(&cfg, DUAL);
    /* Impossible packet sizes. */
    cfg = test_config();
    cfg.ifaces[1].eps[0].mps_full = 65;
    REFUSED(&cfg, DUAL);
    cfg = test_config();
    cfg.ifaces[1].eps[0].mps_high = 1024;
    REFUSED(&cfg, DUAL);
    cfg = test_config();
    cfg.ifaces[0].eps[0].mps_full = 0;
    REFUSED(&cfg, DUAL);
    /* Bulk: 8, 16, 32 or 64 at full speed, 512 at high (USB 2.0 5.8.3). */
    cfg = test_config();
    cfg.ifaces[1].eps[0].mps_full = 48;
    REFUSED(&cfg, DUAL);
    cfg = test_config();
    cfg.ifaces[1].eps[0].mps_full = 4;
    REFUSED(&cfg, FULL);
    cfg = test_config();
    cfg.ifaces[1].eps[0].mps_high = 256;
    REFUSED(&cfg, DUAL);
    CHECK(init_with(&cfg, FULL));   /* high-speed size unused */
    cfg.ifaces[1].eps[0].mps_full = 8;
    CHECK(init_with(&cfg, FULL));
    /* Not a bulk or interrupt endpoint (isochronous, control). */
    cfg = test_config();
    cfg.ifaces[1].eps[0].type = 1;
    REFUSED(&cfg, DUAL);
    cfg = test_config();
    cfg.ifaces[1].eps[0].type = 0;
    REFUSED(&cfg, DUAL);
    /* Strings: too long, not printable ASCII. */
    memset(long_str, 'a', USBFN_STRING_MAX + 1);
    long_str[USBFN_STRING_MAX + 1] = 0;
    cfg = test_config();
    cfg.strings[1] = long_str;
    REFUSED(&cfg, DUAL);
    cfg.strings[1] = "caf\xc3\xa9";
    REFUSED(&cfg, DUAL);
    cfg.strings[1] = "tab\there";
    REFUSED(&cfg, DUAL);
    cfg.strings[1] = "del\x7f";
    REFUSED(&cfg, DUAL);
    /* String indexes that cannot exist. */
    cfg = test_config();
    cfg.imanufacturer = USBFN_MAX_STRINGS + 1;
    REFUSED(&cfg, DUAL);
    cfg = test_config();
    cfg.ifaces[0].istring = USBFN_MAX_STRINGS;
    REFUSED(&cfg, DUAL);
    /* Class bytes beyond what fits. */
    cfg = test_config();
    cfg.ifaces[0].extra_len = USBFN_MAX_EXTRA + 1;
    REFUSED(&cfg, DUAL);
    /* A configuration descriptor larger than USBFN_CFG_MAX. */
    cfg = test_config();
    cfg.n_ifaces = 4;
    for (unsigned i = 0; i < 4; i++) {
        cfg.ifaces[i].extra_len = USBFN_MAX_EXTRA;
        cfg.ifaces[i].n_eps = 0;
    }
    REFUSED(&cfg, DUAL);
    /* A refused init leaves a good state alone?  Not promised; but a
     * fresh good init still works. */
    cfg = test_config();
    CHECK(init_with(&cfg, DUAL));
}

static void t_four_interfaces(void)
{
    UsbfnConfig cfg = test_config();

    cfg.n_ifaces = USBFN_MAX_IFACES;
    cfg.ifaces[2] = (UsbfnInterface){ .cls = 0xff, .n_eps = 1,
        .eps = { { 0x84, USBFN_EP_INTR, 8, 8, 1 } } };
    cfg.ifaces[3] = (UsbfnInterface){ .cls = 0xfe, .istring = 1 };
    REQUIRE(init_with(&cfg, DUAL));
    configure();
    REQUIRE_EQ(get_cfg(USBFN_DT_CONFIG), 53 + 16 + 9);
    CHECK_EQ(buf[4], 4);
    BYTES(buf + 53, 9, 4, 2, 0, 1, 0xff, 0, 0, 0, 7, 5, 0x84, 3, 8, 0, 4,
          9, 4, 3, 0, 0, 0xfe, 0, 0, 1);
    CHECK_EQ(ctl(RT_IF_IN, USBFN_GET_STATUS, 0, 3, 2), 2);
    STALLS(RT_IF_IN, USBFN_GET_STATUS, 0, 4, 2);
}

static const struct tap_case cases[] = {
    TAP_CASE(t_device_descriptor),
    TAP_CASE(t_device_descriptor_empty_strings),
    TAP_CASE(t_config_full_speed),
    TAP_CASE(t_config_high_speed),
    TAP_CASE(t_interval_codes),
    TAP_CASE(t_other_speed),
    TAP_CASE(t_qualifier),
    TAP_CASE(t_full_speed_only),
    TAP_CASE(t_strings),
    TAP_CASE(t_longest_string),
    TAP_CASE(t_truncation),
    TAP_CASE(t_cap_respected),
    TAP_CASE(t_unknown_descriptors),
    TAP_CASE(t_get_status),
    TAP_CASE(t_remote_wakeup),
    TAP_CASE(t_halt),
    TAP_CASE(t_halt_cleared_by_configuration),
    TAP_CASE(t_address_and_configuration),
    TAP_CASE(t_before_configuration),
    TAP_CASE(t_interfaces),
    TAP_CASE(t_unsupported_requests),
    TAP_CASE(t_not_mine),
    TAP_CASE(t_endpoint_helpers),
    TAP_CASE(t_low_speed),
    TAP_CASE(t_init_refuses),
    TAP_CASE(t_four_interfaces),
};

int main(void)
{
    return tap_run(cases, TAP_COUNT(cases));
}
