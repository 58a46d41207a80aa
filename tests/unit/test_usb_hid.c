/* Host unit tests of the dextbed-usb-hid core (hw/usb-hid-core.c): what a
 * HID driver writer sees on the wire — descriptors, class requests and
 * their STALLs, report formats, queues, idle, and the report-descriptor
 * validator and injection used by the generic ("any HID") mode.  The
 * contract is docs/specs/usb-hid.md. */
#include "qemu/osdep.h"
#include "usb-hid-core.h"
#include "tap.h"

/* -- harness --------------------------------------------------------------- */

static HidCore hc;
static uint8_t buf[HID_DESC_MAX];
static uint8_t out_type;
static uint8_t out_data[HID_REPORT_MAX];
static size_t out_len;
static unsigned out_calls;

static void on_output(void *opaque, uint8_t type, const uint8_t *data,
                      size_t len)
{
    (void)opaque;
    out_type = type;
    out_len = len;
    memcpy(out_data, data, len);
    out_calls++;
}

static const HidCoreOps ops = { .output = on_output };

static HidCoreParams params(void)
{
    HidCoreParams p = {
        .vid = HID_VID, .pid = HID_PID, .bcd_device = 0x0100,
        .manufacturer = "dextbed", .product = "dextbed HID keyboard and mouse",
        .speed_mask = USBFN_SPEED_MASK(USBFN_SPEED_FULL),
        .interval_ms = HID_DEFAULT_INTERVAL,
    };
    return p;
}

static bool init_with(const HidCoreParams *p, char **err)
{
    out_calls = 0;
    return hid_core_init(&hc, p, &ops, NULL, err);
}

/* The default keyboard + mouse at full speed. */
static void init_default(void)
{
    HidCoreParams p = params();
    char *err;
    bool ok = init_with(&p, &err);

    if (!ok) {
        TAP_NOTE("init failed: %s", err);
        g_free(err);
    }
}

static int ctl(uint8_t type, uint8_t req, uint16_t value, uint16_t index,
               uint16_t length)
{
    UsbfnSetup st = { type, req, value, index, length };
    const char *why;
    int r = hid_core_control(&hc, &st, buf, sizeof(buf), &why);

    if (r == USBFN_STALL && !why) {
        TAP_NOTE("STALL without a reason");
    }
    return r;
}

static void configure(void)
{
    ctl(0x00, USBFN_SET_ADDRESS, 5, 0, 0);
    ctl(0x00, USBFN_SET_CONFIGURATION, 1, 0, 0);
}

static int poll_if(unsigned i)
{
    return hid_core_poll(&hc, i, buf, sizeof(buf));
}

static const uint8_t gamepad_desc[] = {
    0x05, 0x01, 0x09, 0x05, 0xa1, 0x01,             /* GD, Game Pad, App */
    0x85, 0x01,                                     /* Report ID 1 */
    0x05, 0x09, 0x19, 0x01, 0x29, 0x10, 0x15, 0x00, 0x25, 0x01,
    0x75, 0x01, 0x95, 0x10, 0x81, 0x02,             /* 16 buttons */
    0x05, 0x01, 0x09, 0x30, 0x09, 0x31, 0x09, 0x32, 0x09, 0x35,
    0x15, 0x81, 0x25, 0x7f, 0x75, 0x08, 0x95, 0x04, 0x81, 0x02, /* 4 axes */
    0x85, 0x02,                                     /* Report ID 2 */
    0x06, 0x00, 0xff, 0x09, 0x01, 0x15, 0x00, 0x26, 0xff, 0x00,
    0x75, 0x08, 0x95, 0x02, 0x91, 0x02,             /* rumble: 2 bytes out */
    0x85, 0x03, 0x09, 0x02, 0x95, 0x04, 0xb1, 0x02, /* ID 3: 4-byte feature */
    0xc0,
};

static const uint8_t vendor_desc[] = {
    0x06, 0x00, 0xff, 0x09, 0x01, 0xa1, 0x01,       /* vendor page, App */
    0x15, 0x00, 0x26, 0xff, 0x00, 0x75, 0x08,
    0x95, 0x40, 0x09, 0x01, 0x81, 0x02,             /* 64-byte input */
    0x95, 0x40, 0x09, 0x01, 0x91, 0x02,             /* 64-byte output */
    0xc0,
};

/* A boot mouse written with Push/Pop and a long item. */
static const uint8_t pushpop_mouse_desc[] = {
    0x05, 0x01, 0x09, 0x02, 0xa1, 0x01, 0x09, 0x01, 0xa1, 0x00,
    0x05, 0x09, 0x19, 0x01, 0x29, 0x03, 0x15, 0x00, 0x25, 0x01,
    0xa4,                                           /* Push */
    0x95, 0x03, 0x75, 0x01, 0x81, 0x02,
    0x95, 0x01, 0x75, 0x05, 0x81, 0x01,
    0xb4,                                           /* Pop */
    0xfe, 0x02, 0x10, 0xaa, 0xbb,                   /* long item */
    0x05, 0x01, 0x09, 0x30, 0x09, 0x31, 0x15, 0x81, 0x25, 0x7f,
    0x75, 0x08, 0x95, 0x02, 0x81, 0x06,
    0xc0, 0xc0,
};

static bool init_raw(const uint8_t *d, size_t len, char **err)
{
    HidCoreParams p = params();

    p.rdesc = d;
    p.rdesc_len = len;
    p.product = "dextbed HID device";
    return init_with(&p, err);
}

/* -- descriptors ------------------------------------------------------------ */

static void t_device_descriptor(void)
{
    static const uint8_t want[18] = {
        18, 1, 0x00, 0x02, 0, 0, 0, 64, 0x09, 0x12, 0xe2, 0xd0,
        0x00, 0x01, 1, 2, 0, 1,
    };

    init_default();
    REQUIRE_EQ(ctl(0x80, USBFN_GET_DESCRIPTOR, 0x0100, 0, 64), 18);
    CHECK(!memcmp(buf, want, 18));
}

static void t_config_descriptor_full_speed(void)
{
    static const uint8_t want[59] = {
        9, 2, 59, 0, 2, 1, 0, 0x80, 50,
        9, 4, 0, 0, 1, 3, 1, 1, 0,                  /* boot keyboard */
        9, 0x21, 0x11, 0x01, 0, 1, 0x22, 65, 0,
        7, 5, 0x81, 3, 8, 0, 10,
        9, 4, 1, 0, 1, 3, 1, 2, 0,                  /* boot mouse */
        9, 0x21, 0x11, 0x01, 0, 1, 0x22, 52, 0,
        7, 5, 0x82, 3, 4, 0, 10,
    };

    init_default();
    REQUIRE_EQ(ctl(0x80, USBFN_GET_DESCRIPTOR, 0x0200, 0, 255), 59);
    for (unsigned i = 0; i < sizeof(want); i++) {
        CHECK_EQ(buf[i], want[i]);
    }
}

static void t_interval_codes(void)
{
    HidCoreParams p = params();
    char *err;

    p.speed_mask |= USBFN_SPEED_MASK(USBFN_SPEED_HIGH);
    REQUIRE(init_with(&p, &err));
    /* Connected at high speed: 10 ms -> 2^(7-1) microframes = 8 ms, the
     * longest period that still polls at least every 10 ms. */
    REQUIRE_EQ(ctl(0x80, USBFN_GET_DESCRIPTOR, 0x0200, 0, 255), 59);
    CHECK_EQ(buf[33], 7);
    CHECK_EQ(buf[58], 7);
    /* The other-speed (full) configuration: bInterval in frames. */
    REQUIRE_EQ(ctl(0x80, USBFN_GET_DESCRIPTOR, 0x0700, 0, 255), 59);
    CHECK_EQ(buf[33], 10);
    p.interval_ms = 1;
    REQUIRE(init_with(&p, &err));
    REQUIRE_EQ(ctl(0x80, USBFN_GET_DESCRIPTOR, 0x0200, 0, 255), 59);
    CHECK_EQ(buf[33], 4);       /* 8 microframes = 1 ms */
}

static void t_hid_and_report_descriptors(void)
{
    HidDescInfo info;
    char *err;
    int n;

    init_default();
    /* Allowed before SET_CONFIGURATION. */
    REQUIRE_EQ(ctl(0x81, USBFN_GET_DESCRIPTOR, 0x2100, 0, 9), 9);
    CHECK_EQ(buf[0], 9);
    CHECK_EQ(buf[1], 0x21);
    CHECK_EQ(usbfn_get16(buf + 2), 0x0111);
    CHECK_EQ(buf[5], 1);
    CHECK_EQ(buf[6], 0x22);
    CHECK_EQ(usbfn_get16(buf + 7), 65);

    n = ctl(0x81, USBFN_GET_DESCRIPTOR, 0x2200, 0, 4096);
    REQUIRE_EQ(n, 65);
    CHECK_EQ(buf[0], 0x05);
    CHECK_EQ(buf[3], 0x06);     /* Usage (Keyboard) */
    CHECK_EQ(buf[64], 0xc0);
    REQUIRE(hid_desc_validate(buf, n, &info, &err));
    CHECK(!info.uses_ids);
    CHECK_EQ(hid_desc_report_len(&info, HID_REPORT_INPUT, 0), 8);
    CHECK_EQ(hid_desc_report_len(&info, HID_REPORT_OUTPUT, 0), 1);
    CHECK_EQ(hid_desc_report_len(&info, HID_REPORT_FEATURE, 0), 0);

    n = ctl(0x81, USBFN_GET_DESCRIPTOR, 0x2200, 1, 4096);
    REQUIRE_EQ(n, 52);
    CHECK_EQ(buf[3], 0x02);     /* Usage (Mouse) */
    REQUIRE(hid_desc_validate(buf, n, &info, &err));
    CHECK_EQ(hid_desc_report_len(&info, HID_REPORT_INPUT, 0), 4);

    /* Truncated to wLength. */
    CHECK_EQ(ctl(0x81, USBFN_GET_DESCRIPTOR, 0x2200, 0, 10), 10);
    /* Physical descriptor, index != 0, no such interface, OUT: STALL. */
    CHECK_EQ(ctl(0x81, USBFN_GET_DESCRIPTOR, 0x2300, 0, 64), USBFN_STALL);
    CHECK_EQ(ctl(0x81, USBFN_GET_DESCRIPTOR, 0x2201, 0, 64), USBFN_STALL);
    CHECK_EQ(ctl(0x81, USBFN_GET_DESCRIPTOR, 0x2200, 2, 64), USBFN_STALL);
    CHECK_EQ(ctl(0x01, USBFN_GET_DESCRIPTOR, 0x2200, 0, 0), USBFN_STALL);
}

/* -- class requests --------------------------------------------------------- */

static void t_class_requests_need_configuration(void)
{
    init_default();
    CHECK_EQ(ctl(0xa1, HID_GET_IDLE, 0, 0, 1), USBFN_STALL);
    CHECK_EQ(ctl(0xa1, HID_GET_PROTOCOL, 0, 0, 1), USBFN_STALL);
    CHECK_EQ(ctl(0xa1, HID_GET_REPORT, 0x0100, 0, 8), USBFN_STALL);
    CHECK_EQ(ctl(0x21, HID_SET_REPORT, 0x0200, 0, 1), USBFN_STALL);
    configure();
    CHECK_EQ(ctl(0xa1, HID_GET_IDLE, 0, 0, 1), 1);
    /* Deconfigured again: STALL again. */
    CHECK_EQ(ctl(0x00, USBFN_SET_CONFIGURATION, 0, 0, 0), 0);
    CHECK_EQ(ctl(0xa1, HID_GET_IDLE, 0, 0, 1), USBFN_STALL);
}

static void t_bad_addressing_stalls(void)
{
    uint32_t stalls;

    init_default();
    configure();
    stalls = hc.fn.stalls;
    CHECK_EQ(ctl(0xa1, HID_GET_IDLE, 0, 2, 1), USBFN_STALL);     /* iface 2 */
    CHECK_EQ(ctl(0xa1, HID_GET_IDLE, 0, 0x100, 1), USBFN_STALL);
    CHECK_EQ(ctl(0xa0, HID_GET_IDLE, 0, 0, 1), USBFN_STALL);     /* device */
    CHECK_EQ(ctl(0xa2, HID_GET_IDLE, 0, 0x81, 1), USBFN_STALL);  /* ep */
    CHECK_EQ(ctl(0xc1, HID_GET_IDLE, 0, 0, 1), USBFN_STALL);     /* vendor */
    CHECK_EQ(ctl(0xa1, 0x04, 0, 0, 1), USBFN_STALL);             /* unknown */
    CHECK_EQ(ctl(0x21, HID_GET_REPORT, 0x0100, 0, 8), USBFN_STALL); /* OUT */
    CHECK_EQ(ctl(0xa1, HID_SET_REPORT, 0x0200, 0, 1), USBFN_STALL); /* IN */
    CHECK_EQ(hc.fn.stalls, stalls + 8);
}

static void t_idle(void)
{
    init_default();
    configure();
    CHECK_EQ(ctl(0xa1, HID_GET_IDLE, 0, 0, 1), 1);
    CHECK_EQ(buf[0], 125);                      /* keyboard: 500 ms */
    CHECK_EQ(hid_core_idle_ms(&hc, 0), 500);
    CHECK_EQ(ctl(0xa1, HID_GET_IDLE, 0, 1, 1), 1);
    CHECK_EQ(buf[0], 0);                        /* mouse: infinite */
    hc.idle_dirty = 0;
    CHECK_EQ(ctl(0x21, HID_SET_IDLE, 0x0a00, 1, 0), 0);
    CHECK_EQ(hc.idle_dirty, 2);                 /* glue must re-arm */
    CHECK_EQ(ctl(0xa1, HID_GET_IDLE, 0, 1, 1), 1);
    CHECK_EQ(buf[0], 10);
    CHECK_EQ(hid_core_idle_ms(&hc, 1), 40);
    /* Per-report-ID idle rates, wrong lengths: STALL. */
    CHECK_EQ(ctl(0x21, HID_SET_IDLE, 0x0a01, 0, 0), USBFN_STALL);
    CHECK_EQ(ctl(0x21, HID_SET_IDLE, 0x0a00, 0, 1), USBFN_STALL);
    CHECK_EQ(ctl(0xa1, HID_GET_IDLE, 0x0001, 0, 1), USBFN_STALL);
    CHECK_EQ(ctl(0xa1, HID_GET_IDLE, 0, 0, 2), USBFN_STALL);
    CHECK_EQ(ctl(0xa1, HID_GET_IDLE, 0, 0, 0), USBFN_STALL);
}

static void t_idle_resend(void)
{
    init_default();
    configure();
    /* Keyboard: nothing queued, period over -> the current state again. */
    hid_core_key(&hc, 30, true);                /* a */
    REQUIRE_EQ(poll_if(0), 8);
    CHECK_EQ(poll_if(0), 0);
    CHECK(hid_core_idle_expired(&hc, 0));
    REQUIRE_EQ(poll_if(0), 8);
    CHECK_EQ(buf[2], 0x04);
    /* Not while a report is still queued. */
    hid_core_key(&hc, 30, false);
    CHECK(!hid_core_idle_expired(&hc, 0));
    /* Idle 0: never. */
    CHECK_EQ(ctl(0x21, HID_SET_IDLE, 0, 0, 0), 0);
    CHECK_EQ(poll_if(0), 8);
    CHECK(!hid_core_idle_expired(&hc, 0));
    CHECK_EQ(hid_core_idle_ms(&hc, 0), 0);
    /* Mouse with an idle rate: buttons again, motion never repeated. */
    CHECK(!hid_core_idle_expired(&hc, 1));
    CHECK_EQ(ctl(0x21, HID_SET_IDLE, 0x0100, 1, 0), 0);
    hid_core_mouse_button(&hc, HID_BTN_LEFT, true);
    hid_core_mouse_move(&hc, 5, 5);
    hid_core_mouse_sync(&hc);
    REQUIRE_EQ(poll_if(1), 4);
    CHECK(hid_core_idle_expired(&hc, 1));
    REQUIRE_EQ(poll_if(1), 4);
    CHECK_EQ(buf[0], HID_BTN_LEFT);
    CHECK_EQ(buf[1], 0);
    CHECK_EQ(buf[2], 0);
    /* A halted endpoint sends nothing. */
    usbfn_ep_set_halt(&hc.fn, 0x82, true);
    CHECK(!hid_core_idle_expired(&hc, 1));
}

static void t_protocol(void)
{
    init_default();
    configure();
    CHECK_EQ(ctl(0xa1, HID_GET_PROTOCOL, 0, 1, 1), 1);
    CHECK_EQ(buf[0], HID_PROTOCOL_REPORT);      /* default after reset */
    hid_core_mouse_move(&hc, 3, -2);
    hid_core_mouse_wheel(&hc, 1);
    hid_core_mouse_sync(&hc);
    REQUIRE_EQ(poll_if(1), 4);
    CHECK_EQ(buf[1], 3);
    CHECK_EQ((int8_t)buf[2], -2);
    CHECK_EQ(buf[3], 1);

    CHECK_EQ(ctl(0x21, HID_SET_PROTOCOL, HID_PROTOCOL_BOOT, 1, 0), 0);
    CHECK_EQ(ctl(0xa1, HID_GET_PROTOCOL, 0, 1, 1), 1);
    CHECK_EQ(buf[0], HID_PROTOCOL_BOOT);
    hid_core_mouse_move(&hc, 1, 1);
    hid_core_mouse_wheel(&hc, -1);
    hid_core_mouse_sync(&hc);
    CHECK_EQ(poll_if(1), 3);                    /* no wheel byte */
    CHECK_EQ(poll_if(1), 0);                    /* wheel dropped */
    CHECK_EQ(ctl(0xa1, HID_GET_REPORT, 0x0100, 1, 64), 3);

    /* Keyboard: boot and report formats are the same 8 bytes. */
    CHECK_EQ(ctl(0x21, HID_SET_PROTOCOL, HID_PROTOCOL_BOOT, 0, 0), 0);
    hid_core_key(&hc, 30, true);
    CHECK_EQ(poll_if(0), 8);

    CHECK_EQ(ctl(0x21, HID_SET_PROTOCOL, 2, 0, 0), USBFN_STALL);
    CHECK_EQ(ctl(0x21, HID_SET_PROTOCOL, 1, 0, 1), USBFN_STALL);
    CHECK_EQ(ctl(0xa1, HID_GET_PROTOCOL, 0, 0, 2), USBFN_STALL);
    CHECK_EQ(ctl(0xa1, HID_GET_PROTOCOL, 1, 0, 1), USBFN_STALL);

    /* Bus reset: report protocol again. */
    hid_core_reset(&hc, USBFN_SPEED_FULL);
    configure();
    CHECK_EQ(ctl(0xa1, HID_GET_PROTOCOL, 0, 1, 1), 1);
    CHECK_EQ(buf[0], HID_PROTOCOL_REPORT);
}

static void t_leds_set_report(void)
{
    init_default();
    configure();
    buf[0] = 0x03;                              /* Num + Caps Lock */
    CHECK_EQ(ctl(0x21, HID_SET_REPORT, 0x0200, 0, 1), 0);
    CHECK_EQ(hc.leds, 0x03);
    CHECK_EQ(out_calls, 1);
    CHECK_EQ(out_type, HID_REPORT_OUTPUT);
    CHECK_EQ(out_len, 1);
    CHECK_EQ(out_data[0], 0x03);
    buf[0] = 0xff;                              /* padding bits dropped */
    CHECK_EQ(ctl(0x21, HID_SET_REPORT, 0x0200, 0, 1), 0);
    CHECK_EQ(hc.leds, 0x1f);
    CHECK_EQ(ctl(0xa1, HID_GET_REPORT, 0x0200, 0, 1), 1);
    CHECK_EQ(buf[0], 0x1f);

    CHECK_EQ(ctl(0x21, HID_SET_REPORT, 0x0200, 0, 2), USBFN_STALL);
    CHECK_EQ(ctl(0x21, HID_SET_REPORT, 0x0200, 0, 0), USBFN_STALL);
    CHECK_EQ(ctl(0x21, HID_SET_REPORT, 0x0201, 0, 1), USBFN_STALL);
    CHECK_EQ(ctl(0x21, HID_SET_REPORT, 0x0300, 0, 1), USBFN_STALL);
    CHECK_EQ(ctl(0x21, HID_SET_REPORT, 0x0100, 0, 8), USBFN_STALL);
    CHECK_EQ(ctl(0x21, HID_SET_REPORT, 0x0200, 1, 1), USBFN_STALL);
    CHECK_EQ(hc.leds, 0x1f);
    CHECK_EQ(out_calls, 2);

    hid_core_reset(&hc, USBFN_SPEED_FULL);
    CHECK_EQ(hc.leds, 0);
}

static void t_get_report(void)
{
    init_default();
    configure();
    hid_core_key(&hc, 42, true);                /* Left Shift */
    hid_core_key(&hc, 48, true);                /* b */
    CHECK_EQ(ctl(0xa1, HID_GET_REPORT, 0x0100, 0, 64), 8);
    CHECK_EQ(buf[0], HID_MOD_LSHIFT);
    CHECK_EQ(buf[2], 0x05);
    CHECK_EQ(ctl(0xa1, HID_GET_REPORT, 0x0100, 0, 3), 3); /* truncated */
    CHECK_EQ(ctl(0xa1, HID_GET_REPORT, 0x0100, 0, 0), USBFN_STALL);
    CHECK_EQ(ctl(0xa1, HID_GET_REPORT, 0x0300, 0, 8), USBFN_STALL);
    CHECK_EQ(ctl(0xa1, HID_GET_REPORT, 0x0101, 0, 8), USBFN_STALL);
    CHECK_EQ(ctl(0xa1, HID_GET_REPORT, 0x0400, 0, 8), USBFN_STALL);
    hid_core_mouse_button(&hc, HID_BTN_RIGHT, true);
    hid_core_mouse_move(&hc, 9, 9);
    CHECK_EQ(ctl(0xa1, HID_GET_REPORT, 0x0100, 1, 64), 4);
    CHECK_EQ(buf[0], HID_BTN_RIGHT);
    CHECK_EQ(buf[1], 0);                        /* motion only via IN */
    CHECK_EQ(ctl(0xa1, HID_GET_REPORT, 0x0200, 1, 64), USBFN_STALL);
    CHECK_EQ(ctl(0x21, HID_SET_REPORT, 0x0200, 1, 1), USBFN_STALL);
}

/* -- keyboard --------------------------------------------------------------- */

static void t_keyboard_reports(void)
{
    static const uint8_t a_down[8] = { 0, 0, 0x04, 0, 0, 0, 0, 0 };
    static const uint8_t none[8] = { 0 };

    init_default();
    configure();
    CHECK_EQ(poll_if(0), 0);                    /* NAK */
    CHECK(hid_core_key(&hc, 30, true));
    CHECK(!hid_core_key(&hc, 30, true));        /* auto-repeat: no report */
    CHECK(hid_core_key(&hc, 30, false));
    REQUIRE_EQ(poll_if(0), 8);
    CHECK(!memcmp(buf, a_down, 8));
    REQUIRE_EQ(poll_if(0), 8);
    CHECK(!memcmp(buf, none, 8));
    CHECK_EQ(poll_if(0), 0);

    /* Modifiers are bits; Ctrl+Alt+Del. */
    hid_core_key(&hc, 29, true);
    hid_core_key(&hc, 56, true);
    hid_core_key(&hc, 111, true);
    hid_core_key(&hc, 97, true);                /* Right Ctrl */
    hid_core_key(&hc, 126, true);               /* Right Meta */
    CHECK_EQ(hc.ifc[0].count, 5);
    while (hc.ifc[0].count > 1) {
        poll_if(0);
    }
    REQUIRE_EQ(poll_if(0), 8);
    CHECK_EQ(buf[0], HID_MOD_LCTRL | HID_MOD_LALT | HID_MOD_RCTRL |
             HID_MOD_RGUI);
    CHECK_EQ(buf[1], 0);
    CHECK_EQ(buf[2], 0x4c);
    CHECK_EQ(buf[3], 0);
    /* Unmapped keys are ignored. */
    CHECK(!hid_core_key(&hc, 0, true));
    CHECK(!hid_core_key(&hc, 84, true));
    CHECK(!hid_core_key(&hc, 9999, true));
}

static void t_keyboard_rollover(void)
{
    static const unsigned keys[] = { 30, 48, 46, 32, 18, 33, 34 }; /* a-g */

    init_default();
    configure();
    for (unsigned i = 0; i < 6; i++) {
        hid_core_key(&hc, keys[i], true);
    }
    while (hc.ifc[0].count) {
        poll_if(0);
    }
    CHECK_EQ(buf[2], 0x04);
    CHECK_EQ(buf[7], 0x09);                     /* 6 keys in press order */
    hid_core_key(&hc, 42, true);
    hid_core_key(&hc, keys[6], true);           /* seventh key */
    while (hc.ifc[0].count) {
        poll_if(0);
    }
    CHECK_EQ(buf[0], HID_MOD_LSHIFT);           /* modifiers still valid */
    for (unsigned i = 2; i < 8; i++) {
        CHECK_EQ(buf[i], HID_USAGE_ERR_ROLLOVER);
    }
    hid_core_key(&hc, keys[0], false);          /* back to six */
    REQUIRE_EQ(poll_if(0), 8);
    CHECK_EQ(buf[2], 0x05);
    CHECK_EQ(buf[7], 0x0a);
    /* More keys than the device tracks: still rollover, no crash. */
    for (unsigned code = 59; code < 59 + 20; code++) {
        hid_core_key(&hc, code, true);
    }
    CHECK_EQ(hc.n_keys, HID_KBD_MAX_KEYS);
    for (unsigned code = 59; code < 59 + 20; code++) {
        hid_core_key(&hc, code, false);
    }
    CHECK_EQ(hc.n_keys, 6);
}

static void t_keymap(void)
{
    static const struct {
        unsigned linux_code;
        uint8_t usage;
    } map[] = {
        { 30, 0x04 }, { 48, 0x05 }, { 44, 0x1d }, { 16, 0x14 },   /* a b z q */
        { 2, 0x1e }, { 11, 0x27 },                  /* 1 0 */
        { 28, 0x28 }, { 1, 0x29 }, { 14, 0x2a }, { 15, 0x2b }, { 57, 0x2c },
        { 12, 0x2d }, { 13, 0x2e }, { 26, 0x2f }, { 27, 0x30 }, { 43, 0x31 },
        { 39, 0x33 }, { 40, 0x34 }, { 41, 0x35 }, { 51, 0x36 }, { 52, 0x37 },
        { 53, 0x38 }, { 58, 0x39 },
        { 59, 0x3a }, { 68, 0x43 }, { 87, 0x44 }, { 88, 0x45 }, /* F1 F10-12 */
        { 99, 0x46 }, { 70, 0x47 }, { 119, 0x48 },
        { 110, 0x49 }, { 102, 0x4a }, { 104, 0x4b }, { 111, 0x4c },
        { 107, 0x4d }, { 109, 0x4e },
        { 106, 0x4f }, { 105, 0x50 }, { 108, 0x51 }, { 103, 0x52 },
        { 69, 0x53 }, { 98, 0x54 }, { 55, 0x55 }, { 74, 0x56 }, { 78, 0x57 },
        { 96, 0x58 }, { 79, 0x59 }, { 73, 0x61 }, { 82, 0x62 }, { 83, 0x63 },
        { 86, 0x64 }, { 127, 0x65 }, { 183, 0x68 }, { 194, 0x73 },
        { 29, 0xe0 }, { 42, 0xe1 }, { 56, 0xe2 }, { 125, 0xe3 },
        { 97, 0xe4 }, { 54, 0xe5 }, { 100, 0xe6 }, { 126, 0xe7 },
    };

    for (unsigned i = 0; i < G_N_ELEMENTS(map); i++) {
        if (hid_core_usage_of_linux(map[i].linux_code) != map[i].usage) {
            TAP_NOTE("linux %u", map[i].linux_code);
        }
        CHECK_EQ(hid_core_usage_of_linux(map[i].linux_code), map[i].usage);
    }
    /* Every letter and digit maps, to distinct usages 0x04..0x27. */
    {
        uint64_t seen = 0;

        for (unsigned code = 0; code < 256; code++) {
            uint8_t u = hid_core_usage_of_linux(code);

            if (u >= 0x04 && u <= 0x27) {
                CHECK(!(seen & (1ull << (u - 0x04))));
                seen |= 1ull << (u - 0x04);
            }
        }
        CHECK_EQ(seen, (1ull << 36) - 1);
    }
}

static void t_keyboard_queue_overflow(void)
{
    init_default();
    configure();
    /* 20 state changes, nobody polls: 16 queued, the tail is the newest. */
    for (unsigned i = 0; i < 10; i++) {
        hid_core_key(&hc, 30, true);
        hid_core_key(&hc, 30, false);
    }
    hid_core_key(&hc, 48, true);                /* final state: b held */
    CHECK_EQ(hc.ifc[0].count, HID_QUEUE_LEN);
    CHECK_EQ(hid_core_overflows(&hc), 21 - HID_QUEUE_LEN);
    for (unsigned i = 0; i < HID_QUEUE_LEN; i++) {
        REQUIRE_EQ(poll_if(0), 8);
    }
    CHECK_EQ(buf[2], 0x05);                     /* final state not lost */
    CHECK_EQ(poll_if(0), 0);
}

static void t_events_before_configuration(void)
{
    init_default();
    hid_core_key(&hc, 30, true);
    hid_core_mouse_move(&hc, 10, 10);
    CHECK(!hid_core_mouse_sync(&hc));
    configure();
    CHECK_EQ(poll_if(0), 0);
    CHECK_EQ(poll_if(1), 0);
    /* But the state is known: the next change reports a held. */
    hid_core_key(&hc, 48, true);
    REQUIRE_EQ(poll_if(0), 8);
    CHECK_EQ(buf[2], 0x04);
    CHECK_EQ(buf[3], 0x05);
    /* Deconfiguring drops the queue. */
    hid_core_key(&hc, 48, false);
    ctl(0x00, USBFN_SET_CONFIGURATION, 0, 0, 0);
    ctl(0x00, USBFN_SET_CONFIGURATION, 1, 0, 0);
    CHECK_EQ(poll_if(0), 0);
}

/* -- mouse ------------------------------------------------------------------ */

static void t_mouse_accumulates_until_sync(void)
{
    init_default();
    configure();
    hid_core_mouse_move(&hc, 4, 0);
    hid_core_mouse_move(&hc, 0, -3);
    hid_core_mouse_move(&hc, 6, 1);
    hid_core_mouse_button(&hc, HID_BTN_LEFT, true);
    hid_core_mouse_button(&hc, HID_BTN_MIDDLE, true);
    hid_core_mouse_wheel(&hc, 1);
    hid_core_mouse_wheel(&hc, 1);
    CHECK_EQ(poll_if(1), 0);                    /* nothing before sync */
    CHECK(hid_core_mouse_sync(&hc));
    CHECK(!hid_core_mouse_sync(&hc));           /* nothing new */
    REQUIRE_EQ(poll_if(1), 4);
    CHECK_EQ(buf[0], HID_BTN_LEFT | HID_BTN_MIDDLE);
    CHECK_EQ(buf[1], 10);
    CHECK_EQ((int8_t)buf[2], -2);
    CHECK_EQ(buf[3], 2);
    CHECK_EQ(poll_if(1), 0);
    /* A button release alone is a report. */
    hid_core_mouse_button(&hc, HID_BTN_LEFT, false);
    CHECK(hid_core_mouse_sync(&hc));
    REQUIRE_EQ(poll_if(1), 4);
    CHECK_EQ(buf[0], HID_BTN_MIDDLE);
    CHECK_EQ(buf[1], 0);
    /* Large motion is split into several reports, none lost. */
    hid_core_mouse_move(&hc, 300, -200);
    hid_core_mouse_sync(&hc);
    REQUIRE_EQ(poll_if(1), 4);
    CHECK_EQ(buf[1], 127);
    CHECK_EQ((int8_t)buf[2], -127);
    REQUIRE_EQ(poll_if(1), 4);
    CHECK_EQ(buf[1], 127);
    CHECK_EQ((int8_t)buf[2], -73);
    REQUIRE_EQ(poll_if(1), 4);
    CHECK_EQ(buf[1], 46);
    CHECK_EQ(buf[2], 0);
    CHECK_EQ(poll_if(1), 0);
    /* The packet must hold the report. */
    hid_core_mouse_move(&hc, 1, 0);
    hid_core_mouse_sync(&hc);
    CHECK_EQ(hid_core_poll(&hc, 1, buf, 3), HID_POLL_TOO_SMALL);
    CHECK_EQ(hid_core_poll(&hc, 1, buf, 4), 4);
}

static void t_mouse_queue_overflow(void)
{
    int sum = 0;
    int n;

    init_default();
    configure();
    for (unsigned i = 0; i < 20; i++) {
        hid_core_mouse_move(&hc, 1, 0);
        hid_core_mouse_sync(&hc);
    }
    hid_core_mouse_button(&hc, HID_BTN_RIGHT, true);
    hid_core_mouse_sync(&hc);
    CHECK_EQ(hc.ifc[1].count, HID_QUEUE_LEN);
    CHECK_EQ(hid_core_overflows(&hc), 21 - HID_QUEUE_LEN);
    while ((n = poll_if(1)) > 0) {
        sum += (int8_t)buf[1];
    }
    CHECK_EQ(sum, 20);                          /* motion merged, not lost */
    CHECK_EQ(buf[0], HID_BTN_RIGHT);            /* newest buttons */
}

/* -- report descriptor validation ------------------------------------------- */

static void t_validator_accepts_real_descriptors(void)
{
    HidDescInfo info;
    char *err = NULL;

    REQUIRE(hid_desc_validate(gamepad_desc, sizeof(gamepad_desc), &info,
                              &err));
    CHECK(info.uses_ids);
    CHECK_EQ(hid_desc_report_len(&info, HID_REPORT_INPUT, 1), 7);
    CHECK_EQ(hid_desc_report_len(&info, HID_REPORT_OUTPUT, 2), 3);
    CHECK_EQ(hid_desc_report_len(&info, HID_REPORT_FEATURE, 3), 5);
    CHECK_EQ(hid_desc_report_len(&info, HID_REPORT_INPUT, 2), 0);
    CHECK_EQ(hid_desc_report_len(&info, HID_REPORT_INPUT, 0), 0);
    CHECK_EQ(info.max_input, 7);

    REQUIRE(hid_desc_validate(vendor_desc, sizeof(vendor_desc), &info,
                              &err));
    CHECK(!info.uses_ids);
    CHECK_EQ(info.max_input, 64);
    CHECK_EQ(hid_desc_report_len(&info, HID_REPORT_OUTPUT, 0), 64);

    REQUIRE(hid_desc_validate(pushpop_mouse_desc, sizeof(pushpop_mouse_desc),
                              &info, &err));
    /* Pop restored Report Size/Count unset: X/Y set their own. */
    CHECK_EQ(info.max_input, 3);
}

/* Validation of @d fails with a message containing @want. */
static void expect_reject(const uint8_t *d, size_t len, const char *want,
                          int line)
{
    HidDescInfo info;
    char *err = NULL;

    if (hid_desc_validate(d, len, &info, &err)) {
        tap_fail(__FILE__, line, "accepted; expected '%s'", want);
        return;
    }
    if (!err || !strstr(err, want)) {
        tap_fail(__FILE__, line, "message '%s' lacks '%s'", err, want);
    }
    g_free(err);
}

#define REJECT(want, ...) do { \
        static const uint8_t d_[] = { __VA_ARGS__ }; \
        expect_reject(d_, sizeof(d_), want, __LINE__); \
    } while (0)

static void t_validator_rejects_malformed(void)
{
    static uint8_t big[HID_DESC_MAX + 1];

    expect_reject(NULL, 0, "empty", __LINE__);
    expect_reject(big, sizeof(big), "4096", __LINE__);
    REJECT("offset 2 (Usage, 0x09): truncated item", 0x05, 0x01, 0x09);
    REJECT("offset 0 (Logical Maximum, 0x27): truncated", 0x27, 0xff, 0xff);
    REJECT("offset 2 (long item", 0x05, 0x01, 0xfe, 0x05, 0x00, 0x01);
    REJECT("offset 2 (End Collection, 0xc0): End Collection without",
           0x05, 0x01, 0xc0);
    REJECT("offset 2 (Collection, 0xa1): collection not closed",
           0x05, 0x01, 0xa1, 0x01, 0x75, 0x08, 0x95, 0x01, 0x81, 0x02);
    REJECT("offset 3 (Collection, 0xa1): collection not closed",
           0xa1, 0x01, 0xc0, 0xa1, 0x01, 0x75, 0x08, 0x95, 0x01,
           0x81, 0x02);
    REJECT("offset 0 (Pop, 0xb4): Pop without a Push", 0xb4);
    REJECT("offset 0 (Push, 0xa4): Push without a matching Pop",
           0xa4, 0x75, 0x08, 0x95, 0x01, 0x81, 0x02);
    REJECT("offset 2 (Input, 0x81): Report Size is not set",
           0x95, 0x01, 0x81, 0x02);
    REJECT("offset 2 (Output, 0x91): Report Count is not set",
           0x75, 0x08, 0x91, 0x02, 0x81, 0x02);
    REJECT("offset 6 (Feature, 0xb1): Report Size is not set",
           0xa4, 0x75, 0x08, 0xb4, 0x95, 0x01, 0xb1, 0x02);
    REJECT("offset 0 (Report ID, 0x85): Report ID 0 is reserved", 0x85, 0x00);
    REJECT("offset 0 (Report ID, 0x84): Report ID 0", 0x84);
    REJECT("offset 6 (Report ID, 0x85): Report ID after reports without",
           0x75, 0x08, 0x95, 0x01, 0x81, 0x02, 0x85, 0x01);
    REJECT("offset 10 (Input, 0x81): no Report ID in effect",
           0x75, 0x08, 0x95, 0x01, 0xa4, 0x85, 0x01, 0x81, 0x02, 0xb4,
           0x81, 0x02);
    REJECT("offset 4 (Input, 0x81): input report 0 grows to 520 bits",
           0x75, 0x08, 0x95, 0x41, 0x81, 0x02);
    REJECT("offset 6 (Input, 0x81): input report 7 grows to 512 bits",
           0x85, 0x07, 0x75, 0x08, 0x95, 0x40, 0x81, 0x02);
    REJECT("offset 7 (Input, 0x81): input report 0 grows to 8589934590 bits",
           0x77, 0xff, 0xff, 0xff, 0xff, 0x95, 0x02, 0x81, 0x02);
    REJECT("offset 7 (Feature, 0xb1): feature report 0 grows to",
           0x75, 0x08, 0x97, 0xff, 0xff, 0xff, 0xff, 0xb1, 0x02);
    REJECT("offset 0 (reserved item, 0x0c): reserved item type 3", 0x0c);
    REJECT("offset 0 (reserved item, 0xd0): reserved main item tag",
           0xd0);
    REJECT("declares no input report",
           0x75, 0x08, 0x95, 0x01, 0x91, 0x02);
}

/* -- generic HID (report-descriptor) mode ----------------------------------- */

static void t_raw_device_descriptors(void)
{
    char *err;

    REQUIRE(init_raw(gamepad_desc, sizeof(gamepad_desc), &err));
    REQUIRE_EQ(ctl(0x80, USBFN_GET_DESCRIPTOR, 0x0200, 0, 255), 34);
    CHECK_EQ(buf[4], 1);                        /* bNumInterfaces */
    CHECK_EQ(buf[9 + 5], 3);                    /* HID */
    CHECK_EQ(buf[9 + 6], 0);                    /* no subclass */
    CHECK_EQ(buf[9 + 7], 0);                    /* no protocol */
    CHECK_EQ(usbfn_get16(buf + 18 + 7), sizeof(gamepad_desc));
    CHECK_EQ(buf[27 + 2], 0x81);
    CHECK_EQ(usbfn_get16(buf + 27 + 4), 7);     /* largest input report */
    CHECK_EQ(buf[27 + 6], 10);
    REQUIRE_EQ(ctl(0x81, USBFN_GET_DESCRIPTOR, 0x2200, 0, 4096),
               sizeof(gamepad_desc));
    CHECK(!memcmp(buf, gamepad_desc, sizeof(gamepad_desc)));
    configure();
    /* Not a boot device: no protocol requests. */
    CHECK_EQ(ctl(0xa1, HID_GET_PROTOCOL, 0, 0, 1), USBFN_STALL);
    CHECK_EQ(ctl(0x21, HID_SET_PROTOCOL, 0, 0, 0), USBFN_STALL);
    CHECK_EQ(ctl(0xa1, HID_GET_IDLE, 0, 0, 1), 1);
    CHECK_EQ(buf[0], 0);
    CHECK_EQ(ctl(0xa1, HID_GET_IDLE, 0, 1, 1), USBFN_STALL);
}

static void t_raw_inject(void)
{
    static const uint8_t r1[7] = { 1, 0x01, 0x80, 10, 20, 30, 40 };
    uint8_t r[HID_REPORT_MAX] = { 0 };
    char *err = NULL;

    REQUIRE(init_raw(gamepad_desc, sizeof(gamepad_desc), &err));
    CHECK(!hid_core_inject(&hc, r1, sizeof(r1), &err));
    CHECK(err && strstr(err, "not configured"));
    g_free(err);
    configure();
    CHECK(hid_core_inject(&hc, r1, sizeof(r1), &err));
    REQUIRE_EQ(poll_if(0), 7);
    CHECK(!memcmp(buf, r1, 7));
    CHECK_EQ(poll_if(0), 0);

    CHECK(!hid_core_inject(&hc, r1, 6, &err));
    CHECK(err && strstr(err, "is 7 bytes with its ID byte, not 6"));
    g_free(err);
    r[0] = 2;                                   /* output-only ID */
    CHECK(!hid_core_inject(&hc, r, 3, &err));
    CHECK(err && strstr(err, "report ID 2 has no input report"));
    g_free(err);
    r[0] = 0;
    CHECK(!hid_core_inject(&hc, r, 7, &err));
    g_free(err);
    CHECK(!hid_core_inject(&hc, r, 0, &err));
    CHECK(err && strstr(err, "empty"));
    g_free(err);

    /* Queue bound: the newest is dropped and counted. */
    for (unsigned i = 0; i < HID_QUEUE_LEN; i++) {
        CHECK(hid_core_inject(&hc, r1, sizeof(r1), &err));
    }
    CHECK(!hid_core_inject(&hc, r1, sizeof(r1), &err));
    CHECK(err && strstr(err, "queue full"));
    g_free(err);
    CHECK_EQ(hid_core_overflows(&hc), 1);
    CHECK_EQ(hc.ifc[0].count, HID_QUEUE_LEN);
    /* The keyboard-only API does nothing here. */
    CHECK(!hid_core_key(&hc, 30, true));
    CHECK(!hid_core_mouse_sync(&hc));
}

static void t_raw_idle_resends_last(void)
{
    static const uint8_t r1[7] = { 1, 2, 3, 4, 5, 6, 7 };
    char *err;

    REQUIRE(init_raw(gamepad_desc, sizeof(gamepad_desc), &err));
    configure();
    CHECK_EQ(ctl(0x21, HID_SET_IDLE, 0x0100, 0, 0), 0);
    CHECK(!hid_core_idle_expired(&hc, 0));      /* nothing sent yet */
    CHECK(hid_core_inject(&hc, r1, 7, &err));
    REQUIRE_EQ(poll_if(0), 7);
    CHECK(hid_core_idle_expired(&hc, 0));
    REQUIRE_EQ(poll_if(0), 7);
    CHECK(!memcmp(buf, r1, 7));
}

static void t_raw_get_set_report(void)
{
    static const uint8_t r1[7] = { 1, 9, 8, 7, 6, 5, 4 };
    char *err;

    REQUIRE(init_raw(gamepad_desc, sizeof(gamepad_desc), &err));
    configure();
    /* Never set: the ID and zeros. */
    REQUIRE_EQ(ctl(0xa1, HID_GET_REPORT, 0x0103, 0, 64), USBFN_STALL);
    REQUIRE_EQ(ctl(0xa1, HID_GET_REPORT, 0x0101, 0, 64), 7);
    CHECK_EQ(buf[0], 1);
    CHECK_EQ(buf[1], 0);
    CHECK(hid_core_inject(&hc, r1, 7, &err));
    REQUIRE_EQ(ctl(0xa1, HID_GET_REPORT, 0x0101, 0, 64), 7);
    CHECK(!memcmp(buf, r1, 7));

    /* Feature round trip; the host side hears about it. */
    buf[0] = 3;
    buf[1] = 0xaa;
    buf[2] = 0xbb;
    buf[3] = 0xcc;
    buf[4] = 0xdd;
    CHECK_EQ(ctl(0x21, HID_SET_REPORT, 0x0303, 0, 5), 0);
    CHECK_EQ(out_calls, 1);
    CHECK_EQ(out_type, HID_REPORT_FEATURE);
    CHECK_EQ(out_len, 5);
    CHECK_EQ(out_data[4], 0xdd);
    memset(buf, 0, 8);
    REQUIRE_EQ(ctl(0xa1, HID_GET_REPORT, 0x0303, 0, 64), 5);
    CHECK_EQ(buf[0], 3);
    CHECK_EQ(buf[1], 0xaa);

    /* Output report 2 (rumble). */
    buf[0] = 2;
    buf[1] = 0x10;
    buf[2] = 0x20;
    CHECK_EQ(ctl(0x21, HID_SET_REPORT, 0x0202, 0, 3), 0);
    CHECK_EQ(out_type, HID_REPORT_OUTPUT);

    /* Wrong length, ID byte mismatch, unknown ID, input, ID 0: STALL. */
    CHECK_EQ(ctl(0x21, HID_SET_REPORT, 0x0202, 0, 2), USBFN_STALL);
    buf[0] = 3;
    CHECK_EQ(ctl(0x21, HID_SET_REPORT, 0x0202, 0, 3), USBFN_STALL);
    CHECK_EQ(ctl(0x21, HID_SET_REPORT, 0x0209, 0, 3), USBFN_STALL);
    CHECK_EQ(ctl(0x21, HID_SET_REPORT, 0x0101, 0, 7), USBFN_STALL);
    CHECK_EQ(ctl(0x21, HID_SET_REPORT, 0x0200, 0, 3), USBFN_STALL);
    CHECK_EQ(out_calls, 2);
}

static void t_raw_no_ids_vendor(void)
{
    uint8_t r[64];
    char *err;

    REQUIRE(init_raw(vendor_desc, sizeof(vendor_desc), &err));
    configure();
    for (unsigned i = 0; i < 64; i++) {
        r[i] = i;
    }
    CHECK(hid_core_inject(&hc, r, 64, &err));
    CHECK_EQ(hid_core_poll(&hc, 0, buf, 63), HID_POLL_TOO_SMALL);
    REQUIRE_EQ(poll_if(0), 64);
    CHECK_EQ(buf[63], 63);
    CHECK_EQ(ctl(0xa1, HID_GET_REPORT, 0x0101, 0, 64), USBFN_STALL);
    CHECK_EQ(ctl(0xa1, HID_GET_REPORT, 0x0100, 0, 64), 64);
    CHECK_EQ(ctl(0x21, HID_SET_REPORT, 0x0200, 0, 64), 0);
    CHECK_EQ(out_len, 64);
}

static void t_init_errors(void)
{
    HidCoreParams p = params();
    char *err = NULL;

    p.interval_ms = 0;
    CHECK(!init_with(&p, &err));
    CHECK(err && strstr(err, "interval 0 ms is out of range"));
    g_free(err);
    p.interval_ms = 256;
    CHECK(!init_with(&p, &err));
    g_free(err);

    p = params();
    p.speed_mask = USBFN_SPEED_MASK(USBFN_SPEED_LOW);
    p.interval_ms = 5;
    CHECK(!init_with(&p, &err));
    CHECK(err && strstr(err, "too short for low speed"));
    g_free(err);
    p.interval_ms = 10;
    CHECK(init_with(&p, &err));                 /* keyboard + mouse fit */
    REQUIRE_EQ(ctl(0x80, USBFN_GET_DESCRIPTOR, 0x0100, 0, 64), 18);
    CHECK_EQ(buf[7], 8);                        /* bMaxPacketSize0 */

    p.rdesc = vendor_desc;
    p.rdesc_len = sizeof(vendor_desc);
    CHECK(!init_with(&p, &err));
    CHECK(err && strstr(err, "low speed allows interrupt packets of at "
                        "most 8 bytes, but the largest input report is 64"));
    g_free(err);

    p = params();
    p.rdesc = gamepad_desc;
    p.rdesc_len = 3;
    CHECK(!init_with(&p, &err));
    CHECK(err && strstr(err, "offset 2"));
    g_free(err);
}

static void t_hex(void)
{
    uint8_t b[8];
    size_t len;
    char *err = NULL;
    char *s;

    CHECK(hid_parse_hex("01 02ff\tA0", b, sizeof(b), &len, &err));
    CHECK_EQ(len, 4);
    CHECK_EQ(b[2], 0xff);
    CHECK_EQ(b[3], 0xa0);
    CHECK(hid_parse_hex("  ", b, sizeof(b), &len, &err));
    CHECK_EQ(len, 0);
    CHECK(!hid_parse_hex("0 1", b, sizeof(b), &len, &err));
    CHECK(err && strstr(err, "odd number of hex digits in '0'"));
    g_free(err);
    CHECK(!hid_parse_hex("01 0g", b, sizeof(b), &len, &err));
    CHECK(err && strstr(err, "'g' at column 5"));
    g_free(err);
    CHECK(!hid_parse_hex("000102030405060708", b, sizeof(b), &len, &err));
    CHECK(err && strstr(err, "more than 8 bytes"));
    g_free(err);
    s = hid_format_hex((const uint8_t *)"\x01\xab\x00", 3);
    CHECK(!strcmp(s, "01 ab 00"));
    g_free(s);
}

static void t_state_valid(void)
{
    init_default();
    CHECK(hid_core_state_valid(&hc));
    hc.ifc[1].head = HID_QUEUE_LEN;
    CHECK(!hid_core_state_valid(&hc));
    hc.ifc[1].head = 0;
    hc.n_keys = 200;
    CHECK(!hid_core_state_valid(&hc));
}

static const struct tap_case cases[] = {
    TAP_CASE(t_device_descriptor),
    TAP_CASE(t_config_descriptor_full_speed),
    TAP_CASE(t_interval_codes),
    TAP_CASE(t_hid_and_report_descriptors),
    TAP_CASE(t_class_requests_need_configuration),
    TAP_CASE(t_bad_addressing_stalls),
    TAP_CASE(t_idle),
    TAP_CASE(t_idle_resend),
    TAP_CASE(t_protocol),
    TAP_CASE(t_leds_set_report),
    TAP_CASE(t_get_report),
    TAP_CASE(t_keyboard_reports),
    TAP_CASE(t_keyboard_rollover),
    TAP_CASE(t_keymap),
    TAP_CASE(t_keyboard_queue_overflow),
    TAP_CASE(t_events_before_configuration),
    TAP_CASE(t_mouse_accumulates_until_sync),
    TAP_CASE(t_mouse_queue_overflow),
    TAP_CASE(t_validator_accepts_real_descriptors),
    TAP_CASE(t_validator_rejects_malformed),
    TAP_CASE(t_raw_device_descriptors),
    TAP_CASE(t_raw_inject),
    TAP_CASE(t_raw_idle_resends_last),
    TAP_CASE(t_raw_get_set_report),
    TAP_CASE(t_raw_no_ids_vendor),
    TAP_CASE(t_init_errors),
    TAP_CASE(t_hex),
    TAP_CASE(t_state_valid),
};

int main(void)
{
    return tap_run(cases, TAP_COUNT(cases));
}
