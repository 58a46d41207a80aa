/* Host unit tests for the dextbed-usb-serial device core
 * (hw/usb-serial-core.c), written from its contract: docs/specs/usb-serial.md
 * and hw/usb-serial-core.h (CDC 1.1, PSTN 1.2, USB 2.0 chapter 9). */
#include "qemu/osdep.h"
#include "usb-serial-core.h"
#include "tap.h"

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

#define DUAL    (USBFN_SPEED_MASK(USBFN_SPEED_FULL) | \
                 USBFN_SPEED_MASK(USBFN_SPEED_HIGH))
#define FULL    USBFN_SPEED_MASK(USBFN_SPEED_FULL)

/* -- a recording fake of the glue ------------------------------------------ */

static struct {
    unsigned events[4];         /* per UsbserEvent */
    unsigned n_events;
    UsbserEvent last_event;
    unsigned tx_ready;
    unsigned rx_room;
    unsigned wake[256];         /* per endpoint address */
    unsigned n_wakes;
    void *opaque;               /* the last opaque seen */
} rec;

static void fake_event(void *opaque, UsbserEvent ev)
{
    rec.opaque = opaque;
    if ((unsigned)ev < COUNT(rec.events)) {
        rec.events[ev]++;
    }
    rec.n_events++;
    rec.last_event = ev;
}

static void fake_tx_ready(void *opaque)
{
    rec.opaque = opaque;
    rec.tx_ready++;
}

static void fake_rx_room(void *opaque)
{
    rec.opaque = opaque;
    rec.rx_room++;
}

static void fake_wake(void *opaque, uint8_t ep_addr)
{
    rec.opaque = opaque;
    rec.wake[ep_addr]++;
    rec.n_wakes++;
}

static const UsbserCoreOps fake_ops = {
    .event = fake_event,
    .tx_ready = fake_tx_ready,
    .rx_room = fake_rx_room,
    .wake = fake_wake,
};

static void rec_clear(void)
{
    memset(&rec, 0, sizeof(rec));
}

/* -- the device ----------------------------------------------------------- */

static UsbserCore core;
static int opaque_cookie;
static uint8_t buf[4096];
static const char *why;

static UsbserIdentity default_id(void)
{
    UsbserIdentity id = {
        .vid = 0x1209, .pid = 0xd0e1, .bcd_device = 0x0100,
        .manufacturer = "dextbed",
        .product = "dextbed USB serial",
        .serial = "DXS0001",
        .speed_mask = DUAL,
    };
    return id;
}

static bool init_id(const UsbserIdentity *id)
{
    char *err = NULL;
    bool ok = usbser_init(&core, id, &fake_ops, &opaque_cookie, &err);

    if (!ok) {
        TAP_NOTE("usbser_init: %s", err ? err : "(no message)");
    }
    g_free(err);
    rec_clear();
    return ok;
}

static bool init_default(void)
{
    UsbserIdentity id = default_id();

    return init_id(&id);
}

static int ctl_len(uint8_t type, uint8_t req, uint16_t value, uint16_t index,
                   uint16_t length)
{
    UsbfnSetup s = { type, req, value, index, length };

    why = NULL;
    return usbser_control(&core, &s, buf, sizeof(buf), &why);
}

/* Address and configure; clears the recorder afterwards. */
static void configure(void)
{
    CHECK_EQ(ctl_len(0x00, USBFN_SET_ADDRESS, 3, 0, 0), 0);
    CHECK_EQ(ctl_len(0x00, USBFN_SET_CONFIGURATION, 1, 0, 0), 0);
    rec_clear();
}

static bool init_configured(void)
{
    uint8_t n[16];

    if (!init_default()) {
        return false;
    }
    configure();
    /* Drop the notification SET_CONFIGURATION queued. */
    usbser_notify(&core, n, sizeof(n));
    rec_clear();
    return true;
}

/* Issue a request that must STALL and change nothing. */
static void expect_stall(int line, uint8_t type, uint8_t req, uint16_t value,
                         uint16_t index, uint16_t length, const uint8_t *data)
{
    uint8_t lc[7];
    uint32_t div = core.divisor;
    uint8_t lines = core.control_lines, loop = core.loopback;
    uint16_t brk = core.break_ms;
    int r;

    memcpy(lc, core.line_coding, 7);
    if (data) {
        memcpy(buf, data, length);
    }
    rec_clear();
    r = ctl_len(type, req, value, index, length);
    if (r != USBFN_STALL) {
        tap_fail(__FILE__, line, "request %02x %02x %04x %04x %u gave %d, "
                 "want STALL", type, req, value, index, length, r);
    } else if (!why || !*why) {
        tap_fail(__FILE__, line, "STALL without a reason");
    }
    if (memcmp(lc, core.line_coding, 7) || div != core.divisor ||
        lines != core.control_lines || loop != core.loopback ||
        brk != core.break_ms) {
        tap_fail(__FILE__, line, "a STALLed request changed the settings");
    }
    if (rec.n_events) {
        tap_fail(__FILE__, line, "a STALLed request reported an event");
    }
}

#define STALLS(t, r, v, i, l) expect_stall(__LINE__, t, r, v, i, l, NULL)
#define STALLS_DATA(t, r, v, i, l, d) expect_stall(__LINE__, t, r, v, i, l, d)

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

static void make_lc(uint8_t *lc, uint32_t rate, uint8_t stop, uint8_t parity,
                    uint8_t bits)
{
    usbfn_put32(lc, rate);
    lc[4] = stop;
    lc[5] = parity;
    lc[6] = bits;
}

static int set_lc(uint32_t rate, uint8_t stop, uint8_t parity, uint8_t bits)
{
    make_lc(buf, rate, stop, parity, bits);
    return ctl_len(0x21, CDC_SET_LINE_CODING, 0, 0, 7);
}

static uint32_t get_divisor(void)
{
    if (ctl_len(0xc0, USBSER_VREQ_GET_DIVISOR, 0, 0, 4) != 4) {
        return 0;
    }
    return usbfn_get32(buf);
}

static void get_stats(UsbserStats *out)
{
    memset(out, 0xff, sizeof(*out));
    if (ctl_len(0xc0, USBSER_VREQ_GET_STATS, 0, 0, 24) != 24) {
        return;
    }
    out->out_bytes = usbfn_get32(buf);
    out->in_bytes = usbfn_get32(buf + 4);
    out->out_waits = usbfn_get32(buf + 8);
    out->in_naks = usbfn_get32(buf + 12);
    out->notifications = usbfn_get32(buf + 16);
    out->stalls = usbfn_get32(buf + 20);
}

/* -- descriptors ---------------------------------------------------------- */

static void t_device_descriptor(void)
{
    REQUIRE(init_default());
    REQUIRE_EQ(ctl_len(0x80, USBFN_GET_DESCRIPTOR, 0x0100, 0, 18), 18);
    BYTES(buf, 18, 1, 0x00, 0x02, 0x02, 0x00, 0x00, 64,
          0x09, 0x12, 0xe1, 0xd0, 0x00, 0x01, 1, 2, 3, 1);
}

static void t_identity(void)
{
    UsbserIdentity id = default_id();

    id.vid = 0x0403;
    id.pid = 0x6001;
    id.bcd_device = 0x0600;
    id.serial = "";
    id.speed_mask = FULL;
    REQUIRE(init_id(&id));
    REQUIRE_EQ(ctl_len(0x80, USBFN_GET_DESCRIPTOR, 0x0100, 0, 18), 18);
    BYTES(buf, 18, 1, 0x00, 0x02, 0x02, 0x00, 0x00, 64,
          0x03, 0x04, 0x01, 0x60, 0x00, 0x06, 1, 2, 0, 1);
    STALLS(0x80, USBFN_GET_DESCRIPTOR, 0x0303, 0x0409, 255);
    /* Full speed only: no qualifier, no other-speed configuration. */
    STALLS(0x80, USBFN_GET_DESCRIPTOR, 0x0600, 0, 10);
    STALLS(0x80, USBFN_GET_DESCRIPTOR, 0x0700, 0, 255);
    /* GET_INFO reports the product id. */
    configure();
    REQUIRE_EQ(ctl_len(0xc0, USBSER_VREQ_GET_INFO, 0, 0, 16), 16);
    CHECK_EQ(usbfn_get16(buf + 4), 0x6001);
}

static void t_strings(void)
{
    REQUIRE(init_default());
    REQUIRE_EQ(ctl_len(0x80, USBFN_GET_DESCRIPTOR, 0x0300, 0, 255), 4);
    BYTES(buf, 4, 3, 0x09, 0x04);
    REQUIRE_EQ(ctl_len(0x80, USBFN_GET_DESCRIPTOR, 0x0301, 0x0409, 255), 16);
    BYTES(buf, 16, 3, 'd', 0, 'e', 0, 'x', 0, 't', 0, 'b', 0, 'e', 0,
          'd', 0);
    REQUIRE_EQ(ctl_len(0x80, USBFN_GET_DESCRIPTOR, 0x0302, 0x0409, 255),
               2 + 2 * 18);
    BYTES(buf + 26, 's', 0, 'e', 0, 'r', 0, 'i', 0, 'a', 0, 'l', 0);
    REQUIRE_EQ(ctl_len(0x80, USBFN_GET_DESCRIPTOR, 0x0303, 0x0409, 255), 16);
    BYTES(buf, 16, 3, 'D', 0, 'X', 0, 'S', 0, '0', 0, '0', 0, '0', 0,
          '1', 0);
    STALLS(0x80, USBFN_GET_DESCRIPTOR, 0x0301, 0x0809, 255);
    STALLS(0x80, USBFN_GET_DESCRIPTOR, 0x0304, 0x0409, 255);
}

/* The 67 bytes of docs/specs/usb-serial.md, with mp and bi filled in. */
static void check_config_bytes(int line, const uint8_t *d, uint8_t type,
                               uint16_t mp, uint8_t bi)
{
    const uint8_t want[67] = {
        0x09, type, 67, 0, 2, 1, 0, 0x80, 50,
        0x09, 0x04, 0x00, 0x00, 0x01, 0x02, 0x02, 0x00, 0x00,
        0x05, 0x24, 0x00, 0x10, 0x01,
        0x05, 0x24, 0x01, 0x00, 0x01,
        0x04, 0x24, 0x02, 0x06,
        0x05, 0x24, 0x06, 0x00, 0x01,
        0x07, 0x05, 0x83, 0x03, 0x10, 0x00, bi,
        0x09, 0x04, 0x01, 0x00, 0x02, 0x0a, 0x00, 0x00, 0x00,
        0x07, 0x05, 0x81, 0x02, mp & 0xff, mp >> 8, 0x00,
        0x07, 0x05, 0x02, 0x02, mp & 0xff, mp >> 8, 0x00,
    };

    expect_bytes(line, d, want, sizeof(want));
}

static void t_configuration_67_bytes(void)
{
    REQUIRE(init_default());
    usbser_reset(&core, USBFN_SPEED_HIGH);
    REQUIRE_EQ(ctl_len(0x80, USBFN_GET_DESCRIPTOR, 0x0200, 0, 255), 67);
    check_config_bytes(__LINE__, buf, 2, 512, 8);
    REQUIRE_EQ(ctl_len(0x80, USBFN_GET_DESCRIPTOR, 0x0700, 0, 255), 67);
    check_config_bytes(__LINE__, buf, 7, 64, 16);

    usbser_reset(&core, USBFN_SPEED_FULL);
    REQUIRE_EQ(ctl_len(0x80, USBFN_GET_DESCRIPTOR, 0x0200, 0, 255), 67);
    check_config_bytes(__LINE__, buf, 2, 64, 16);
    REQUIRE_EQ(ctl_len(0x80, USBFN_GET_DESCRIPTOR, 0x0700, 0, 255), 67);
    check_config_bytes(__LINE__, buf, 7, 512, 8);
    REQUIRE_EQ(ctl_len(0x80, USBFN_GET_DESCRIPTOR, 0x0600, 0, 10), 10);
    BYTES(buf, 10, 6, 0x00, 0x02, 0x02, 0x00, 0x00, 64, 1, 0);

    /* Full-speed-only device: the same bytes at full speed. */
    {
        UsbserIdentity id = default_id();

        id.speed_mask = FULL;
        REQUIRE(init_id(&id));
        REQUIRE_EQ(ctl_len(0x80, USBFN_GET_DESCRIPTOR, 0x0200, 0, 255), 67);
        check_config_bytes(__LINE__, buf, 2, 64, 16);
    }
}

static void t_init_refuses(void)
{
    UsbserIdentity id = default_id();
    char *err = NULL;
    char long_str[200];

    id.speed_mask = USBFN_SPEED_MASK(USBFN_SPEED_LOW);
    CHECK(!usbser_init(&core, &id, &fake_ops, NULL, &err));
    CHECK(err && *err);
    g_free(err);
    err = NULL;
    id.speed_mask = USBFN_SPEED_MASK(USBFN_SPEED_LOW) | DUAL;
    CHECK(!usbser_init(&core, &id, &fake_ops, NULL, &err));
    CHECK(err && *err);
    g_free(err);
    err = NULL;
    id.speed_mask = USBFN_SPEED_MASK(3);        /* super speed */
    CHECK(!usbser_init(&core, &id, &fake_ops, NULL, &err));
    CHECK(err && *err);
    g_free(err);
    err = NULL;
    id = default_id();
    memset(long_str, 'z', 127);
    long_str[127] = 0;
    id.product = long_str;
    CHECK(!usbser_init(&core, &id, &fake_ops, NULL, &err));
    CHECK(err && *err);
    g_free(err);
    err = NULL;
    long_str[126] = 0;          /* 126 characters is fine */
    CHECK(usbser_init(&core, &id, &fake_ops, NULL, &err));
    g_free(err);
    err = NULL;
    id.product = "\x01 control";
    CHECK(!usbser_init(&core, &id, &fake_ops, NULL, &err));
    CHECK(err && *err);
    g_free(err);
}

/* -- CDC class requests --------------------------------------------------- */

static void t_line_coding_default(void)
{
    REQUIRE(init_configured());
    memset(buf, 0xee, sizeof(buf));
    REQUIRE_EQ(ctl_len(0xa1, CDC_GET_LINE_CODING, 0, 0, 7), 7);
    BYTES(buf, 0x00, 0xc2, 0x01, 0x00, 0, 0, 8, 0xee);
    CHECK_EQ(usbser_baud(&core), 115200);
}

static void t_line_coding_round_trip(void)
{
    static const struct {
        uint32_t rate;
        uint8_t stop, parity, bits;
    } tab[] = {
        { 9600, 2, 2, 7 }, { 50, 1, 1, 5 }, { 3000000, 0, 3, 6 },
        { 1234567, 2, 4, 16 }, { 300, 0, 0, 8 }, { 115200, 0, 0, 8 },
    };

    REQUIRE(init_configured());
    for (size_t i = 0; i < COUNT(tab); i++) {
        rec_clear();
        REQUIRE_EQ(set_lc(tab[i].rate, tab[i].stop, tab[i].parity,
                          tab[i].bits), 0);
        CHECK_EQ(rec.events[USBSER_EV_LINE_CODING], 1);
        CHECK_EQ(rec.n_events, 1);
        CHECK(rec.opaque == &opaque_cookie);
        CHECK_EQ(usbser_baud(&core), tab[i].rate);
        memset(buf, 0, sizeof(buf));
        REQUIRE_EQ(ctl_len(0xa1, CDC_GET_LINE_CODING, 0, 0, 7), 7);
        CHECK_EQ(usbfn_get32(buf), tab[i].rate);
        CHECK_EQ(buf[4], tab[i].stop);
        CHECK_EQ(buf[5], tab[i].parity);
        CHECK_EQ(buf[6], tab[i].bits);
    }
}

static void t_line_coding_invalid(void)
{
    uint8_t lc[7];

    REQUIRE(init_configured());
    REQUIRE_EQ(set_lc(9600, 0, 0, 8), 0);
    make_lc(lc, 49, 0, 0, 8);
    STALLS_DATA(0x21, CDC_SET_LINE_CODING, 0, 0, 7, lc);
    make_lc(lc, 0, 0, 0, 8);
    STALLS_DATA(0x21, CDC_SET_LINE_CODING, 0, 0, 7, lc);
    make_lc(lc, 3000001, 0, 0, 8);
    STALLS_DATA(0x21, CDC_SET_LINE_CODING, 0, 0, 7, lc);
    make_lc(lc, 0xffffffff, 0, 0, 8);
    STALLS_DATA(0x21, CDC_SET_LINE_CODING, 0, 0, 7, lc);
    make_lc(lc, 9600, 3, 0, 8);
    STALLS_DATA(0x21, CDC_SET_LINE_CODING, 0, 0, 7, lc);
    make_lc(lc, 9600, 0xff, 0, 8);
    STALLS_DATA(0x21, CDC_SET_LINE_CODING, 0, 0, 7, lc);
    make_lc(lc, 9600, 0, 5, 8);
    STALLS_DATA(0x21, CDC_SET_LINE_CODING, 0, 0, 7, lc);
    for (unsigned bits = 0; bits < 256; bits++) {
        if ((bits >= 5 && bits <= 8) || bits == 16) {
            continue;
        }
        make_lc(lc, 9600, 0, 0, bits);
        STALLS_DATA(0x21, CDC_SET_LINE_CODING, 0, 0, 7, lc);
    }
    /* Malformed setup: wLength, wValue, direction, interface. */
    make_lc(lc, 19200, 0, 0, 8);
    STALLS_DATA(0x21, CDC_SET_LINE_CODING, 0, 0, 5, lc);
    STALLS_DATA(0x21, CDC_SET_LINE_CODING, 0, 0, 6, lc);
    STALLS_DATA(0x21, CDC_SET_LINE_CODING, 1, 0, 7, lc);
    STALLS_DATA(0xa1, CDC_SET_LINE_CODING, 0, 0, 7, lc);
    STALLS_DATA(0x21, CDC_SET_LINE_CODING, 0, 1, 7, lc);
    STALLS_DATA(0x21, CDC_SET_LINE_CODING, 0, 0x100, 7, lc);
    STALLS_DATA(0x20, CDC_SET_LINE_CODING, 0, 0, 7, lc);
    STALLS_DATA(0x22, CDC_SET_LINE_CODING, 0, 0, 7, lc);
    STALLS(0xa1, CDC_GET_LINE_CODING, 0, 0, 8);
    STALLS(0xa1, CDC_GET_LINE_CODING, 0, 0, 6);
    STALLS(0xa1, CDC_GET_LINE_CODING, 1, 0, 7);
    STALLS(0xa1, CDC_GET_LINE_CODING, 0, 1, 7);
    STALLS(0x21, CDC_GET_LINE_CODING, 0, 0, 7);
    STALLS(0xa0, CDC_GET_LINE_CODING, 0, 0, 7);
    CHECK_EQ(usbser_baud(&core), 9600);
}

static void t_class_before_configuration(void)
{
    uint8_t lc[7];

    REQUIRE(init_default());
    make_lc(lc, 9600, 0, 0, 8);
    STALLS_DATA(0x21, CDC_SET_LINE_CODING, 0, 0, 7, lc);
    STALLS(0xa1, CDC_GET_LINE_CODING, 0, 0, 7);
    STALLS(0x21, CDC_SET_CONTROL_LINE_STATE, 3, 0, 0);
    STALLS(0x21, CDC_SEND_BREAK, 10, 0, 0);
    CHECK_EQ(ctl_len(0x00, USBFN_SET_ADDRESS, 3, 0, 0), 0);
    STALLS_DATA(0x21, CDC_SET_LINE_CODING, 0, 0, 7, lc);
    STALLS(0xa1, CDC_GET_LINE_CODING, 0, 0, 7);
    STALLS(0x21, CDC_SET_CONTROL_LINE_STATE, 3, 0, 0);
    CHECK_EQ(ctl_len(0x00, USBFN_SET_CONFIGURATION, 1, 0, 0), 0);
    CHECK_EQ(ctl_len(0xa1, CDC_GET_LINE_CODING, 0, 0, 7), 7);
    /* Unconfigured again. */
    CHECK_EQ(ctl_len(0x00, USBFN_SET_CONFIGURATION, 0, 0, 0), 0);
    STALLS(0xa1, CDC_GET_LINE_CODING, 0, 0, 7);
}

static void t_class_other_requests(void)
{
    REQUIRE(init_configured());
    /* Encapsulated command / response: not implemented. */
    STALLS(0x21, CDC_SEND_ENCAPSULATED_COMMAND, 0, 0, 8);
    STALLS(0xa1, CDC_GET_ENCAPSULATED_RESPONSE, 0, 0, 64);
    /* Other PSTN requests this device does not have. */
    STALLS(0x21, 0x02, 0, 0, 0);       /* SET_COMM_FEATURE */
    STALLS(0xa1, 0x03, 0, 0, 2);       /* GET_COMM_FEATURE */
    STALLS(0x21, 0x24, 0, 0, 0);
    STALLS(0xa1, 0xff, 0, 0, 0);
    /* Addressed to the data interface. */
    STALLS(0x21, CDC_SET_CONTROL_LINE_STATE, 1, 1, 0);
    STALLS(0x21, CDC_SEND_BREAK, 1, 1, 0);
}

static void t_control_line_state(void)
{
    REQUIRE(init_configured());
    for (uint16_t v = 0; v < 4; v++) {
        rec_clear();
        CHECK_EQ(ctl_len(0x21, CDC_SET_CONTROL_LINE_STATE, v, 0, 0), 0);
        CHECK_EQ(core.control_lines, v);
        CHECK_EQ(rec.events[USBSER_EV_CONTROL_LINES], 1);
        CHECK_EQ(rec.n_events, 1);
    }
    STALLS(0x21, CDC_SET_CONTROL_LINE_STATE, 4, 0, 0);
    STALLS(0x21, CDC_SET_CONTROL_LINE_STATE, 0x8001, 0, 0);
    STALLS(0x21, CDC_SET_CONTROL_LINE_STATE, 1, 0, 1);
    STALLS(0xa1, CDC_SET_CONTROL_LINE_STATE, 1, 0, 0);
    STALLS(0x21, CDC_SET_CONTROL_LINE_STATE, 1, 2, 0);
    CHECK_EQ(core.control_lines, 3);
}

static void t_send_break(void)
{
    static const uint16_t ms[] = { 100, 0, 0xffff, 0, 1 };

    REQUIRE(init_configured());
    for (size_t i = 0; i < COUNT(ms); i++) {
        rec_clear();
        CHECK_EQ(ctl_len(0x21, CDC_SEND_BREAK, ms[i], 0, 0), 0);
        CHECK_EQ(core.break_ms, ms[i]);
        CHECK_EQ(rec.events[USBSER_EV_BREAK], 1);
        CHECK_EQ(rec.n_events, 1);
    }
    STALLS(0x21, CDC_SEND_BREAK, 5, 0, 2);
    STALLS(0xa1, CDC_SEND_BREAK, 5, 0, 0);
    CHECK_EQ(core.break_ms, 1);
}

/* -- vendor requests ------------------------------------------------------ */

static void t_vendor_get_info(void)
{
    REQUIRE(init_configured());
    memset(buf, 0xee, sizeof(buf));
    REQUIRE_EQ(ctl_len(0xc0, USBSER_VREQ_GET_INFO, 0, 0, 16), 16);
    BYTES(buf, 'D', 'X', 'S', 'R', 0xe1, 0xd0, 0x00, 0x01,
          0x00, 0x6c, 0xdc, 0x02,           /* 48,000,000 */
          0x00, 0x10, 0x00, 0x10,           /* 4096, 4096 */
          0xee);
    STALLS(0xc0, USBSER_VREQ_GET_INFO, 0, 0, 15);
    STALLS(0xc0, USBSER_VREQ_GET_INFO, 0, 0, 17);
    STALLS(0xc0, USBSER_VREQ_GET_INFO, 1, 0, 16);
    STALLS(0xc0, USBSER_VREQ_GET_INFO, 0, 1, 16);
    STALLS(0x40, USBSER_VREQ_GET_INFO, 0, 0, 16);
    STALLS(0xc1, USBSER_VREQ_GET_INFO, 0, 0, 16);
    STALLS(0xc2, USBSER_VREQ_GET_INFO, 0, 0, 16);
}

static void t_vendor_set_divisor(void)
{
    static const struct {
        uint32_t div, baud;
    } tab[] = {
        { 16, 3000000 }, { 960000, 50 }, { 417, 115107 }, { 5000, 9600 },
        { 7, 0 }, { 1001, 47952 }, { 48, 1000000 },
    };
    uint8_t d[4];

    REQUIRE(init_configured());
    for (size_t i = 0; i < COUNT(tab); i++) {
        if (!tab[i].baud) {
            continue;
        }
        rec_clear();
        usbfn_put32(buf, tab[i].div);
        CHECK_EQ(ctl_len(0x40, USBSER_VREQ_SET_DIVISOR, 0, 0, 4), 0);
        CHECK_EQ(rec.events[USBSER_EV_LINE_CODING], 1);
        CHECK_EQ(usbser_baud(&core), tab[i].baud);
        CHECK_EQ(get_divisor(), tab[i].div);
        REQUIRE_EQ(ctl_len(0xa1, CDC_GET_LINE_CODING, 0, 0, 7), 7);
        CHECK_EQ(usbfn_get32(buf), tab[i].baud);
        CHECK_EQ(buf[6], 8);    /* the rest of the line coding stays */
    }
    /* Out of range, malformed. */
    usbfn_put32(d, 15);
    STALLS_DATA(0x40, USBSER_VREQ_SET_DIVISOR, 0, 0, 4, d);
    usbfn_put32(d, 0);
    STALLS_DATA(0x40, USBSER_VREQ_SET_DIVISOR, 0, 0, 4, d);
    usbfn_put32(d, 960001);
    STALLS_DATA(0x40, USBSER_VREQ_SET_DIVISOR, 0, 0, 4, d);
    usbfn_put32(d, 0xffffffff);
    STALLS_DATA(0x40, USBSER_VREQ_SET_DIVISOR, 0, 0, 4, d);
    usbfn_put32(d, 100);
    STALLS_DATA(0x40, USBSER_VREQ_SET_DIVISOR, 0, 0, 3, d);
    STALLS_DATA(0x40, USBSER_VREQ_SET_DIVISOR, 0, 0, 2, d);
    STALLS_DATA(0x40, USBSER_VREQ_SET_DIVISOR, 1, 0, 4, d);
    STALLS_DATA(0x40, USBSER_VREQ_SET_DIVISOR, 0, 1, 4, d);
    STALLS_DATA(0xc0, USBSER_VREQ_SET_DIVISOR, 0, 0, 4, d);
    STALLS_DATA(0x41, USBSER_VREQ_SET_DIVISOR, 0, 0, 4, d);
    STALLS(0xc0, USBSER_VREQ_GET_DIVISOR, 0, 0, 2);
    STALLS(0xc0, USBSER_VREQ_GET_DIVISOR, 0, 0, 8);
    STALLS(0xc0, USBSER_VREQ_GET_DIVISOR, 1, 0, 4);
    STALLS(0x40, USBSER_VREQ_GET_DIVISOR, 0, 0, 4);
    CHECK_EQ(get_divisor(), 48);
}

static void t_vendor_get_divisor_nearest(void)
{
    static const struct {
        uint32_t rate, div;
    } tab[] = {
        { 115200, 417 },        /* 416.67 */
        { 9600, 5000 },
        { 3000000, 16 },
        { 50, 960000 },
        { 110, 436364 },        /* 436363.6 */
        { 230400, 208 },        /* 208.33 */
        { 921600, 52 },         /* 52.08 */
        { 1000000, 48 },
        { 2900000, 17 },        /* 16.55 */
        { 57600, 833 },         /* 833.33 */
    };

    REQUIRE(init_configured());
    CHECK_EQ(get_divisor(), 417);
    for (size_t i = 0; i < COUNT(tab); i++) {
        REQUIRE_EQ(set_lc(tab[i].rate, 0, 0, 8), 0);
        CHECK_EQ(get_divisor(), tab[i].div);
    }
}

static void t_line_coding_drops_divisor(void)
{
    REQUIRE(init_configured());
    usbfn_put32(buf, 1001);
    REQUIRE_EQ(ctl_len(0x40, USBSER_VREQ_SET_DIVISOR, 0, 0, 4), 0);
    CHECK_EQ(get_divisor(), 1001);
    REQUIRE_EQ(set_lc(9600, 0, 0, 8), 0);
    CHECK_EQ(get_divisor(), 5000);
    CHECK_EQ(core.divisor, 0);
    /* Even when the rate is the same as the divisor's. */
    usbfn_put32(buf, 417);
    REQUIRE_EQ(ctl_len(0x40, USBSER_VREQ_SET_DIVISOR, 0, 0, 4), 0);
    CHECK_EQ(usbser_baud(&core), 115107);
    REQUIRE_EQ(set_lc(115107, 0, 0, 8), 0);
    CHECK_EQ(core.divisor, 0);
    CHECK_EQ(get_divisor(), 417);
}

static void t_vendor_malformed(void)
{
    REQUIRE(init_default());
    /* Before SET_CONFIGURATION. */
    STALLS(0xc0, USBSER_VREQ_GET_INFO, 0, 0, 16);
    STALLS(0xc0, USBSER_VREQ_GET_STATS, 0, 0, 24);
    STALLS(0x40, USBSER_VREQ_SET_LOOPBACK, 1, 0, 0);
    configure();
    STALLS(0xc0, 0x00, 0, 0, 4);
    STALLS(0xc0, 0x06, 0, 0, 4);
    STALLS(0x40, 0x06, 0, 0, 0);
    STALLS(0xc0, 0xff, 0, 0, 4);
    STALLS(0x40, USBSER_VREQ_SET_LOOPBACK, 2, 0, 0);
    STALLS(0x40, USBSER_VREQ_SET_LOOPBACK, 0x100, 0, 0);
    STALLS(0x40, USBSER_VREQ_SET_LOOPBACK, 1, 0, 1);
    STALLS(0x40, USBSER_VREQ_SET_LOOPBACK, 1, 1, 0);
    STALLS(0xc0, USBSER_VREQ_SET_LOOPBACK, 1, 0, 0);
    STALLS(0xc0, USBSER_VREQ_GET_STATS, 0, 0, 16);
    STALLS(0xc0, USBSER_VREQ_GET_STATS, 1, 0, 24);
    STALLS(0x40, USBSER_VREQ_GET_STATS, 0, 0, 24);
    STALLS(0xc1, USBSER_VREQ_GET_STATS, 0, 0, 24);
    CHECK_EQ(core.loopback, 0);
}

static void t_interface_descriptor_request(void)
{
    REQUIRE(init_configured());
    /* The serial function has no class descriptors to fetch. */
    STALLS(0x81, USBFN_GET_DESCRIPTOR, 0x2200, 0, 64);
    STALLS(0x81, USBFN_GET_DESCRIPTOR, 0x2100, 1, 9);
    /* Reserved request type. */
    STALLS(0x60 | 0x80, 0x01, 0, 0, 4);
}

/* -- data path ------------------------------------------------------------ */

static void t_out_to_tx(void)
{
    const uint8_t msg[] = "hello, host";
    const uint8_t *p;
    size_t n;

    REQUIRE(init_configured());
    CHECK_EQ(usbser_out_room(&core), USBSER_FIFO_SIZE);
    usbser_out(&core, msg, sizeof(msg));
    CHECK(rec.tx_ready >= 1);
    CHECK(rec.opaque == &opaque_cookie);
    CHECK_EQ(rec.wake[USBSER_EP_IN], 0);
    CHECK_EQ(usbser_out_room(&core), USBSER_FIFO_SIZE - sizeof(msg));
    n = usbser_tx_peek(&core, &p);
    REQUIRE_EQ(n, sizeof(msg));
    CHECK(memcmp(p, msg, n) == 0);
    /* Nothing arrives on bulk IN. */
    CHECK_EQ(usbser_in(&core, buf, sizeof(buf)), 0);
    rec_clear();
    usbser_tx_consume(&core, 5);
    CHECK(rec.wake[USBSER_EP_OUT] >= 1);    /* room for the OUT endpoint */
    n = usbser_tx_peek(&core, &p);
    REQUIRE_EQ(n, sizeof(msg) - 5);
    CHECK(memcmp(p, msg + 5, n) == 0);
    usbser_tx_consume(&core, n);
    CHECK_EQ(usbser_tx_peek(&core, &p), 0);
    CHECK_EQ(usbser_out_room(&core), USBSER_FIFO_SIZE);
    /* Consuming more than is there consumes what is there. */
    usbser_tx_consume(&core, 100);
    CHECK_EQ(usbser_tx_peek(&core, &p), 0);
    CHECK_EQ(usbser_out_room(&core), USBSER_FIFO_SIZE);
}

static void t_rx_to_in(void)
{
    const uint8_t msg[] = "hello, guest";
    size_t n;

    REQUIRE(init_configured());
    CHECK_EQ(usbser_rx_room(&core), USBSER_FIFO_SIZE);
    /* Empty: NAK. */
    CHECK_EQ(usbser_in(&core, buf, 64), 0);
    CHECK_EQ(rec.wake[USBSER_EP_IN], 0);
    CHECK_EQ(usbser_rx_push(&core, msg, sizeof(msg)), sizeof(msg));
    CHECK(rec.wake[USBSER_EP_IN] >= 1);
    CHECK(rec.opaque == &opaque_cookie);
    CHECK_EQ(rec.tx_ready, 0);
    CHECK_EQ(usbser_rx_room(&core), USBSER_FIFO_SIZE - sizeof(msg));
    /* A short transfer: what is waiting, up to the transfer's length. */
    rec_clear();
    n = usbser_in(&core, buf, 4);
    REQUIRE_EQ(n, 4);
    CHECK(memcmp(buf, msg, 4) == 0);
    CHECK(rec.rx_room >= 1);
    n = usbser_in(&core, buf, 512);
    REQUIRE_EQ(n, sizeof(msg) - 4);
    CHECK(memcmp(buf, msg + 4, n) == 0);
    CHECK_EQ(usbser_in(&core, buf, 512), 0);
    /* A push of nothing wakes nobody. */
    rec_clear();
    CHECK_EQ(usbser_rx_push(&core, msg, 0), 0);
    CHECK_EQ(rec.wake[USBSER_EP_IN], 0);
}

static void t_fifos_full(void)
{
    uint8_t data[USBSER_FIFO_SIZE + 100];
    const uint8_t *p;
    size_t n, total;

    for (size_t i = 0; i < sizeof(data); i++) {
        data[i] = i * 7 + 3;
    }
    REQUIRE(init_configured());
    /* tx: fill to the brim in two pieces. */
    usbser_out(&core, data, 4000);
    CHECK_EQ(usbser_out_room(&core), 96);
    usbser_out(&core, data + 4000, 96);
    CHECK_EQ(usbser_out_room(&core), 0);
    total = 0;
    while ((n = usbser_tx_peek(&core, &p)) > 0) {
        REQUIRE(total + n <= USBSER_FIFO_SIZE);
        CHECK(memcmp(p, data + total, n) == 0);
        usbser_tx_consume(&core, n);
        total += n;
    }
    CHECK_EQ(total, USBSER_FIFO_SIZE);
    CHECK_EQ(usbser_out_room(&core), USBSER_FIFO_SIZE);

    /* rx: a push larger than the room takes what fits. */
    CHECK_EQ(usbser_rx_push(&core, data, 100), 100);
    CHECK_EQ(usbser_rx_push(&core, data + 100, sizeof(data) - 100),
             USBSER_FIFO_SIZE - 100);
    CHECK_EQ(usbser_rx_room(&core), 0);
    rec_clear();
    CHECK_EQ(usbser_rx_push(&core, data, 10), 0);
    CHECK_EQ(usbser_rx_room(&core), 0);
    total = 0;
    while ((n = usbser_in(&core, buf, 512)) > 0) {
        REQUIRE(total + n <= USBSER_FIFO_SIZE);
        CHECK(memcmp(buf, data + total, n) == 0);
        total += n;
    }
    CHECK_EQ(total, USBSER_FIFO_SIZE);
    CHECK(rec.rx_room >= 1);
    CHECK_EQ(usbser_rx_room(&core), USBSER_FIFO_SIZE);
}

static void t_tx_peek_wraps(void)
{
    uint8_t data[2 * USBSER_FIFO_SIZE];
    const uint8_t *p;
    size_t n;

    for (size_t i = 0; i < sizeof(data); i++) {
        data[i] = (i * 13) ^ (i >> 8);
    }
    REQUIRE(init_configured());
    /* Move the head to 4000, then put 300 bytes across the end. */
    usbser_out(&core, data, 4000);
    usbser_tx_consume(&core, 4000);
    usbser_out(&core, data, 300);
    CHECK_EQ(usbser_out_room(&core), USBSER_FIFO_SIZE - 300);
    n = usbser_tx_peek(&core, &p);
    CHECK(n > 0 && n <= 300);
    REQUIRE(n <= 300);
    CHECK(memcmp(p, data, n) == 0);
    CHECK_EQ(n, 96);            /* contiguous up to the end of the buffer */
    usbser_tx_consume(&core, n);
    n = usbser_tx_peek(&core, &p);
    REQUIRE_EQ(n, 300 - 96);
    CHECK(memcmp(p, data + 96, n) == 0);
    /* Fill the rest: a full FIFO across the wrap. */
    REQUIRE_EQ(usbser_out_room(&core), USBSER_FIFO_SIZE - 204);
    usbser_out(&core, data + 300, USBSER_FIFO_SIZE - 204);
    CHECK_EQ(usbser_out_room(&core), 0);
    CHECK_EQ(core.stats.out_bytes, 4000 + 300 + USBSER_FIFO_SIZE - 204);
    n = usbser_tx_peek(&core, &p);
    REQUIRE_EQ(n, USBSER_FIFO_SIZE);   /* head is at 0 now */
    CHECK(memcmp(p, data + 96, n) == 0);
}

/* Random-sized transfers through both FIFOs of the core; the streams out
 * must equal the streams in. */
static void t_stream_integrity(void)
{
    enum { TOTAL = 200000 };
    uint64_t rng = tap_seed(0x5eed5e71a1ULL);
    uint8_t *src = g_malloc(TOTAL), *dst_tx = g_malloc(TOTAL);
    uint8_t *dst_rx = g_malloc(TOTAL);
    size_t out_in = 0, out_done = 0, rx_in = 0, rx_done = 0;
    unsigned spins = 0;

    for (size_t i = 0; i < TOTAL; i++) {
        src[i] = tap_rand(&rng) >> 56;
    }
    if (!init_configured()) {
        CHECK(0);
        goto out;
    }
    while ((out_done < TOTAL || rx_done < TOTAL) && spins++ < 1000000) {
        /* MIN evaluates its arguments twice: draw the size first. */
        size_t r = tap_rand_below(&rng, 1500), n, room;
        const uint8_t *p;

        switch (tap_rand_below(&rng, 4)) {
        case 0:                 /* guest OUT */
            room = usbser_out_room(&core);
            n = MIN(r, TOTAL - out_in);
            n = MIN(n, room);
            usbser_out(&core, src + out_in, n);
            out_in += n;
            break;
        case 1:                 /* backend drains tx */
            n = usbser_tx_peek(&core, &p);
            n = MIN(n, r + 1);
            if (out_done + n > TOTAL) {
                CHECK(0);
                goto out;
            }
            memcpy(dst_tx + out_done, p, n);
            usbser_tx_consume(&core, n);
            out_done += n;
            break;
        case 2:                 /* backend pushes rx */
            n = MIN(r, TOTAL - rx_in);
            n = usbser_rx_push(&core, src + rx_in, n);
            rx_in += n;
            break;
        default:                /* guest IN */
            n = usbser_in(&core, dst_rx + rx_done, MIN(r, TOTAL - rx_done));
            rx_done += n;
            break;
        }
        if (!usbser_fifo_valid(&core.tx) || !usbser_fifo_valid(&core.rx)) {
            CHECK(0);
            goto out;
        }
        if (core.tx.len != out_in - out_done ||
            core.rx.len != rx_in - rx_done) {
            TAP_NOTE("spin %u tx %u/%zu rx %u/%zu", spins, core.tx.len,
                     out_in - out_done, core.rx.len, rx_in - rx_done);
            CHECK(0);
            goto out;
        }
    }
    CHECK_EQ(out_done, TOTAL);
    CHECK_EQ(rx_done, TOTAL);
    CHECK(memcmp(src, dst_tx, TOTAL) == 0);
    CHECK(memcmp(src, dst_rx, TOTAL) == 0);
    CHECK_EQ(core.stats.out_bytes, TOTAL);
    CHECK_EQ(core.stats.in_bytes, TOTAL);
out:
    g_free(src);
    g_free(dst_tx);
    g_free(dst_rx);
}

/* The FIFO primitives alone, against a model. */
static void t_fifo_primitives(void)
{
    static UsbserFifo f;
    uint64_t rng = tap_seed(0xf1f0c0de);
    uint8_t in[5000], out[5000];
    uint32_t next_in = 0, next_out = 0;

    memset(&f, 0, sizeof(f));
    CHECK(usbser_fifo_valid(&f));
    CHECK_EQ(usbser_fifo_pop(&f, out, 10), 0);
    for (unsigned round = 0; round < 20000; round++) {
        size_t n = tap_rand_below(&rng, 5000), got;

        if (tap_rand_below(&rng, 2)) {
            for (size_t i = 0; i < n; i++) {
                in[i] = (next_in + i) * 2654435761u >> 24;
            }
            got = usbser_fifo_push(&f, in, n);
            REQUIRE_EQ(got, MIN(n, (size_t)(USBSER_FIFO_SIZE -
                                            (next_in - next_out))));
            next_in += got;
        } else {
            got = usbser_fifo_pop(&f, out, n);
            REQUIRE_EQ(got, MIN(n, (size_t)(next_in - next_out)));
            for (size_t i = 0; i < got; i++) {
                REQUIRE_EQ(out[i],
                           (uint8_t)((next_out + i) * 2654435761u >> 24));
            }
            next_out += got;
        }
        REQUIRE(usbser_fifo_valid(&f));
        REQUIRE_EQ(f.len, next_in - next_out);
    }
    /* Not valid: a head or length out of range (migration checks it). */
    f.head = USBSER_FIFO_SIZE;
    f.len = 0;
    CHECK(!usbser_fifo_valid(&f));
    f.head = 0;
    f.len = USBSER_FIFO_SIZE + 1;
    CHECK(!usbser_fifo_valid(&f));
    f.len = USBSER_FIFO_SIZE;
    CHECK(usbser_fifo_valid(&f));
}

static void t_loopback(void)
{
    const uint8_t msg[] = "echo me";
    const uint8_t chr[] = "from host";
    const uint8_t *p;

    REQUIRE(init_configured());
    CHECK_EQ(ctl_len(0x40, USBSER_VREQ_SET_LOOPBACK, 1, 0, 0), 0);
    CHECK_EQ(rec.events[USBSER_EV_LOOPBACK], 1);
    CHECK_EQ(core.loopback, 1);
    rec_clear();
    usbser_out(&core, msg, sizeof(msg));
    CHECK_EQ(rec.tx_ready, 0);              /* never reaches the chardev */
    CHECK(rec.wake[USBSER_EP_IN] >= 1);
    CHECK_EQ(usbser_tx_peek(&core, &p), 0);
    /* The chardev's bytes still arrive, after the looped ones. */
    CHECK_EQ(usbser_rx_push(&core, chr, sizeof(chr)), sizeof(chr));
    REQUIRE_EQ(usbser_in(&core, buf, 512), sizeof(msg) + sizeof(chr));
    CHECK(memcmp(buf, msg, sizeof(msg)) == 0);
    CHECK(memcmp(buf + sizeof(msg), chr, sizeof(chr)) == 0);
    CHECK_EQ(usbser_tx_peek(&core, &p), 0);
    CHECK_EQ(core.stats.out_bytes, sizeof(msg));

    /* In loopback the OUT room is the rx FIFO's room. */
    usbser_rx_push(&core, buf, 1000);
    CHECK_EQ(usbser_out_room(&core), USBSER_FIFO_SIZE - 1000);
    rec_clear();
    CHECK_EQ(usbser_in(&core, buf, 1000), 1000);
    CHECK(rec.wake[USBSER_EP_OUT] >= 1);    /* the OUT side has room again */

    /* Off again: OUT goes to the chardev. */
    rec_clear();
    CHECK_EQ(ctl_len(0x40, USBSER_VREQ_SET_LOOPBACK, 0, 0, 0), 0);
    CHECK_EQ(rec.events[USBSER_EV_LOOPBACK], 1);
    CHECK_EQ(core.loopback, 0);
    usbser_out(&core, msg, sizeof(msg));
    CHECK(rec.tx_ready >= 1);
    CHECK_EQ(usbser_tx_peek(&core, &p), sizeof(msg));
    CHECK_EQ(usbser_in(&core, buf, 512), 0);
}

static void t_get_stats(void)
{
    UsbserStats a, b;
    uint8_t n[16];

    REQUIRE(init_default());
    configure();
    get_stats(&a);
    CHECK_EQ(a.out_bytes, 0);
    CHECK_EQ(a.in_bytes, 0);
    CHECK_EQ(a.out_waits, 0);
    CHECK_EQ(a.in_naks, 0);
    CHECK_EQ(a.notifications, 0);
    CHECK_EQ(a.stalls, 0);

    usbser_out(&core, (const uint8_t *)"abcdef", 6);
    usbser_rx_push(&core, (const uint8_t *)"0123456789", 10);
    CHECK_EQ(usbser_in(&core, buf, 4), 4);
    CHECK_EQ(usbser_in(&core, buf, 64), 6);
    CHECK_EQ(usbser_in(&core, buf, 64), 0);
    CHECK_EQ(usbser_in(&core, buf, 64), 0);
    CHECK_EQ(usbser_notify(&core, n, sizeof(n)), 10);
    CHECK_EQ(ctl_len(0x21, CDC_SET_CONTROL_LINE_STATE, 9, 0, 0),
             USBFN_STALL);
    CHECK_EQ(ctl_len(0x80, USBFN_GET_DESCRIPTOR, 0x0900, 0, 9), USBFN_STALL);
    CHECK_EQ(ctl_len(0xc0, 0x77, 0, 0, 1), USBFN_STALL);
    get_stats(&b);
    CHECK_EQ(b.out_bytes, 6);
    CHECK_EQ(b.in_bytes, 10);
    CHECK_EQ(b.out_waits, 0);
    CHECK_EQ(b.in_naks, 2);
    CHECK_EQ(b.notifications, 1);
    CHECK_EQ(b.stalls, 3);      /* standard, class and vendor alike */
    /* A truncating buffer: GET_STATS gives 24 bytes when it can. */
    memset(buf, 0xee, sizeof(buf));
    REQUIRE_EQ(ctl_len(0xc0, USBSER_VREQ_GET_STATS, 0, 0, 24), 24);
    CHECK_EQ(buf[24], 0xee);
}

/* -- SERIAL_STATE notifications ------------------------------------------- */

static void expect_notification(int line, uint16_t state)
{
    uint8_t n[64];
    size_t r;

    memset(n, 0xee, sizeof(n));
    r = usbser_notify(&core, n, sizeof(n));
    if (r != 10) {
        tap_fail(__FILE__, line, "notification of %zu bytes, want 10", r);
        return;
    }
    {
        const uint8_t want[11] = {
            0xa1, 0x20, 0x00, 0x00, 0x00, 0x00, 0x02, 0x00,
            state & 0xff, state >> 8, 0xee,
        };

        expect_bytes(line, n, want, sizeof(want));
    }
}

static void expect_nak(int line)
{
    uint8_t n[64];
    size_t r = usbser_notify(&core, n, sizeof(n));

    if (r != 0) {
        tap_fail(__FILE__, line, "notification of %zu bytes (state %02x), "
                 "want NAK", r, n[8]);
    }
}

#define NOTIFIES(state) expect_notification(__LINE__, state)
#define NAKS() expect_nak(__LINE__)

static void t_notify_after_set_configuration(void)
{
    REQUIRE(init_default());
    NAKS();
    CHECK_EQ(ctl_len(0x00, USBFN_SET_ADDRESS, 3, 0, 0), 0);
    NAKS();
    rec_clear();
    CHECK_EQ(ctl_len(0x00, USBFN_SET_CONFIGURATION, 1, 0, 0), 0);
    CHECK(rec.wake[USBSER_EP_NOTIFY] >= 1);
    NOTIFIES(0);
    NAKS();

    /* Chardev connected before the guest configures: DCD and DSR. */
    REQUIRE(init_default());
    usbser_set_lines(&core, USBSER_STATE_DCD | USBSER_STATE_DSR);
    CHECK_EQ(ctl_len(0x00, USBFN_SET_ADDRESS, 3, 0, 0), 0);
    CHECK_EQ(ctl_len(0x00, USBFN_SET_CONFIGURATION, 1, 0, 0), 0);
    NOTIFIES(USBSER_STATE_DCD | USBSER_STATE_DSR);
    NAKS();

    /* Every SET_CONFIGURATION(1) tells the driver the line state. */
    rec_clear();
    CHECK_EQ(ctl_len(0x00, USBFN_SET_CONFIGURATION, 1, 0, 0), 0);
    CHECK(rec.wake[USBSER_EP_NOTIFY] >= 1);
    NOTIFIES(USBSER_STATE_DCD | USBSER_STATE_DSR);
    CHECK_EQ(ctl_len(0x00, USBFN_SET_CONFIGURATION, 0, 0, 0), 0);
    CHECK_EQ(ctl_len(0x00, USBFN_SET_CONFIGURATION, 1, 0, 0), 0);
    NOTIFIES(USBSER_STATE_DCD | USBSER_STATE_DSR);
    NAKS();
    /* A STALLed SET_CONFIGURATION does not. */
    CHECK_EQ(ctl_len(0x00, USBFN_SET_CONFIGURATION, 2, 0, 0), USBFN_STALL);
    NAKS();
}

static void t_notify_line_changes(void)
{
    REQUIRE(init_configured());
    NAKS();
    usbser_set_lines(&core, USBSER_STATE_DCD | USBSER_STATE_DSR);
    CHECK(rec.wake[USBSER_EP_NOTIFY] >= 1);
    NOTIFIES(USBSER_STATE_DCD | USBSER_STATE_DSR);
    NAKS();
    /* No change, no notification. */
    rec_clear();
    usbser_set_lines(&core, USBSER_STATE_DCD | USBSER_STATE_DSR);
    CHECK_EQ(rec.wake[USBSER_EP_NOTIFY], 0);
    NAKS();
    /* Only DCD/DSR are lines; event bits passed here are ignored. */
    usbser_set_lines(&core, USBSER_STATE_DCD | USBSER_STATE_DSR |
                     USBSER_STATE_RING);
    NAKS();
    usbser_set_lines(&core, 0);
    CHECK(rec.wake[USBSER_EP_NOTIFY] >= 1);
    NOTIFIES(0);
    NAKS();
    usbser_set_lines(&core, USBSER_STATE_DSR);
    NOTIFIES(USBSER_STATE_DSR);
    /* A change and its undo before the guest polls: the current state. */
    usbser_set_lines(&core, USBSER_STATE_DCD | USBSER_STATE_DSR);
    usbser_set_lines(&core, USBSER_STATE_DSR);
    {
        uint8_t n[16];
        size_t r = usbser_notify(&core, n, sizeof(n));

        if (r) {
            CHECK_EQ(r, 10);
            CHECK_EQ(usbfn_get16(n + 8), USBSER_STATE_DSR);
        }
    }
    NAKS();
}

static void t_notify_events_one_shot(void)
{
    static const uint16_t evs[] = {
        USBSER_STATE_BREAK, USBSER_STATE_RING, USBSER_STATE_FRAMING,
        USBSER_STATE_PARITY, USBSER_STATE_OVERRUN,
    };

    REQUIRE(init_configured());
    usbser_set_lines(&core, USBSER_STATE_DCD | USBSER_STATE_DSR);
    NOTIFIES(USBSER_STATE_DCD | USBSER_STATE_DSR);
    for (size_t i = 0; i < COUNT(evs); i++) {
        rec_clear();
        usbser_line_event(&core, evs[i]);
        CHECK(rec.wake[USBSER_EP_NOTIFY] >= 1);
        NOTIFIES(USBSER_STATE_DCD | USBSER_STATE_DSR | evs[i]);
        NAKS();
        /* The next notification no longer has it. */
        usbser_set_lines(&core, USBSER_STATE_DSR);
        NOTIFIES(USBSER_STATE_DSR);
        usbser_set_lines(&core, USBSER_STATE_DCD | USBSER_STATE_DSR);
        NOTIFIES(USBSER_STATE_DCD | USBSER_STATE_DSR);
    }
    /* The same event twice before a poll: one notification. */
    usbser_line_event(&core, USBSER_STATE_RING);
    usbser_line_event(&core, USBSER_STATE_RING);
    NOTIFIES(USBSER_STATE_DCD | USBSER_STATE_DSR | USBSER_STATE_RING);
    NAKS();
    /* Not events: nothing happens. */
    rec_clear();
    usbser_line_event(&core, 0);
    usbser_line_event(&core, USBSER_STATE_DCD);
    usbser_line_event(&core, 0x80);
    CHECK_EQ(rec.wake[USBSER_EP_NOTIFY], 0);
    NAKS();
}

static void t_notify_merged(void)
{
    REQUIRE(init_configured());
    usbser_set_lines(&core, USBSER_STATE_DCD | USBSER_STATE_DSR);
    usbser_line_event(&core, USBSER_STATE_BREAK);
    usbser_line_event(&core, USBSER_STATE_PARITY | USBSER_STATE_OVERRUN);
    NOTIFIES(USBSER_STATE_DCD | USBSER_STATE_DSR | USBSER_STATE_BREAK |
             USBSER_STATE_PARITY | USBSER_STATE_OVERRUN);
    NAKS();
    usbser_line_event(&core, USBSER_STATE_FRAMING);
    usbser_set_lines(&core, 0);
    NOTIFIES(USBSER_STATE_FRAMING);
    NAKS();
}

static void t_notify_short_buffer(void)
{
    uint8_t n[10];

    REQUIRE(init_configured());
    usbser_line_event(&core, USBSER_STATE_RING);
    CHECK_EQ(usbser_notify(&core, n, 9), 0);
    CHECK_EQ(usbser_notify(&core, n, 0), 0);
    /* Still pending for a transfer that fits. */
    CHECK_EQ(usbser_notify(&core, n, 10), 10);
    CHECK_EQ(usbfn_get16(n + 8), USBSER_STATE_RING);
    NAKS();
}

static void t_event_from_name(void)
{
    CHECK_EQ(usbser_event_from_name("break"), USBSER_STATE_BREAK);
    CHECK_EQ(usbser_event_from_name("ring"), USBSER_STATE_RING);
    CHECK_EQ(usbser_event_from_name("framing"), USBSER_STATE_FRAMING);
    CHECK_EQ(usbser_event_from_name("parity"), USBSER_STATE_PARITY);
    CHECK_EQ(usbser_event_from_name("overrun"), USBSER_STATE_OVERRUN);
    CHECK_EQ(usbser_event_from_name(""), 0);
    CHECK_EQ(usbser_event_from_name("Break"), 0);
    CHECK_EQ(usbser_event_from_name("rings"), 0);
    CHECK_EQ(usbser_event_from_name("rin"), 0);
    CHECK_EQ(usbser_event_from_name("dcd"), 0);
    CHECK_EQ(usbser_event_from_name(" ring"), 0);
}

/* -- reset ---------------------------------------------------------------- */

static void t_reset(void)
{
    const uint8_t *p;
    uint8_t lc[7];

    REQUIRE(init_configured());
    REQUIRE_EQ(set_lc(9600, 2, 1, 7), 0);
    usbfn_put32(buf, 1000);
    REQUIRE_EQ(ctl_len(0x40, USBSER_VREQ_SET_DIVISOR, 0, 0, 4), 0);
    REQUIRE_EQ(ctl_len(0x21, CDC_SET_CONTROL_LINE_STATE, 3, 0, 0), 0);
    REQUIRE_EQ(ctl_len(0x21, CDC_SEND_BREAK, 0xffff, 0, 0), 0);
    REQUIRE_EQ(ctl_len(0x40, USBSER_VREQ_SET_LOOPBACK, 1, 0, 0), 0);
    usbser_out(&core, (const uint8_t *)"looped", 6);    /* to rx */
    REQUIRE_EQ(ctl_len(0x40, USBSER_VREQ_SET_LOOPBACK, 0, 0, 0), 0);
    usbser_out(&core, (const uint8_t *)"to host", 7);   /* to tx */
    usbser_rx_push(&core, (const uint8_t *)"!", 1);
    usbser_set_lines(&core, USBSER_STATE_DCD | USBSER_STATE_DSR);
    usbser_line_event(&core, USBSER_STATE_RING);

    usbser_reset(&core, USBFN_SPEED_FULL);
    CHECK_EQ(core.fn.speed, USBFN_SPEED_FULL);
    CHECK_EQ(core.fn.address, 0);
    CHECK_EQ(core.fn.configuration, 0);
    CHECK_EQ(core.control_lines, 0);
    CHECK_EQ(core.loopback, 0);
    CHECK_EQ(core.divisor, 0);
    CHECK_EQ(core.break_ms, 0);
    make_lc(lc, 115200, 0, 0, 8);
    CHECK(memcmp(core.line_coding, lc, 7) == 0);
    /* The FIFOs keep what either side handed over. */
    CHECK_EQ(usbser_tx_peek(&core, &p), 7);
    CHECK(memcmp(p, "to host", 7) == 0);
    CHECK_EQ(usbser_rx_room(&core), USBSER_FIFO_SIZE - 7);

    configure();
    REQUIRE_EQ(ctl_len(0xa1, CDC_GET_LINE_CODING, 0, 0, 7), 7);
    CHECK(memcmp(buf, lc, 7) == 0);
    CHECK_EQ(get_divisor(), 417);
    /* The lines survive; the one-shot ring was lost with the reset or is
     * reported once — either way DCD/DSR are told after configuration. */
    {
        uint8_t n[16];

        REQUIRE_EQ(usbser_notify(&core, n, sizeof(n)), 10);
        CHECK_EQ(usbfn_get16(n + 8) & USBSER_STATE_LINES,
                 USBSER_STATE_DCD | USBSER_STATE_DSR);
    }
    REQUIRE_EQ(usbser_in(&core, buf, 64), 7);
    CHECK(memcmp(buf, "looped!", 7) == 0);
}

static const struct tap_case cases[] = {
    TAP_CASE(t_device_descriptor),
    TAP_CASE(t_identity),
    TAP_CASE(t_strings),
    TAP_CASE(t_configuration_67_bytes),
    TAP_CASE(t_init_refuses),
    TAP_CASE(t_line_coding_default),
    TAP_CASE(t_line_coding_round_trip),
    TAP_CASE(t_line_coding_invalid),
    TAP_CASE(t_class_before_configuration),
    TAP_CASE(t_class_other_requests),
    TAP_CASE(t_control_line_state),
    TAP_CASE(t_send_break),
    TAP_CASE(t_vendor_get_info),
    TAP_CASE(t_vendor_set_divisor),
    TAP_CASE(t_vendor_get_divisor_nearest),
    TAP_CASE(t_line_coding_drops_divisor),
    TAP_CASE(t_vendor_malformed),
    TAP_CASE(t_interface_descriptor_request),
    TAP_CASE(t_out_to_tx),
    TAP_CASE(t_rx_to_in),
    TAP_CASE(t_fifos_full),
    TAP_CASE(t_tx_peek_wraps),
    TAP_CASE(t_stream_integrity),
    TAP_CASE(t_fifo_primitives),
    TAP_CASE(t_loopback),
    TAP_CASE(t_get_stats),
    TAP_CASE(t_notify_after_set_configuration),
    TAP_CASE(t_notify_line_changes),
    TAP_CASE(t_notify_events_one_shot),
    TAP_CASE(t_notify_merged),
    TAP_CASE(t_notify_short_buffer),
    TAP_CASE(t_event_from_name),
    TAP_CASE(t_reset),
};

int main(void)
{
    return tap_run(cases, TAP_COUNT(cases));
}
