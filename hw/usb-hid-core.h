/*
 * dextbed-usb-hid core: a USB HID 1.11 function — descriptors, HID class
 * requests, boot/report protocol, idle rates, keyboard and mouse report
 * building, bounded report queues, report-descriptor validation and raw
 * report injection — apart from QEMU's glue (usb-hid.c), so it can be
 * unit tested on the host.  The contract is docs/specs/usb-hid.md.
 *
 * Threading: every function runs under the caller's lock (QEMU's BQL).
 * The glue owns the timers; the core says when one must be (re)armed.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#ifndef HW_DEXTBED_USB_HID_CORE_H
#define HW_DEXTBED_USB_HID_CORE_H

#include "usbfn-core.h"

#define HID_VID             0x1209  /* pid.codes */
#define HID_PID             0xd0e2
#define HID_MAX_IFACES      2
#define HID_QUEUE_LEN       16      /* reports queued per interface */
#define HID_REPORT_MAX      64      /* bytes in one report, ID included */
#define HID_DESC_MAX        4096    /* bytes in a report descriptor */
#define HID_KBD_MAX_KEYS    16      /* non-modifier keys tracked */
#define HID_KBD_ROLLOVER    6       /* key slots in a keyboard report */
#define HID_STORE_SLOTS     16      /* remembered output/feature reports */
#define HID_MAX_DEPTH       16      /* collection and Push nesting */
#define HID_DEFAULT_INTERVAL 10     /* ms */

/* Interface kinds. */
#define HID_KIND_KEYBOARD   1
#define HID_KIND_MOUSE      2
#define HID_KIND_RAW        3

/* HID class requests (HID 1.11 section 7.2). */
#define HID_GET_REPORT      0x01
#define HID_GET_IDLE        0x02
#define HID_GET_PROTOCOL    0x03
#define HID_SET_REPORT      0x09
#define HID_SET_IDLE        0x0a
#define HID_SET_PROTOCOL    0x0b

/* Class descriptor types. */
#define HID_DT_HID          0x21
#define HID_DT_REPORT       0x22

/* Report types (high byte of wValue in GET/SET_REPORT). */
#define HID_REPORT_INPUT    1
#define HID_REPORT_OUTPUT   2
#define HID_REPORT_FEATURE  3

#define HID_PROTOCOL_BOOT   0
#define HID_PROTOCOL_REPORT 1

/* Keyboard modifier bits (byte 0 of a keyboard report). */
#define HID_MOD_LCTRL       0x01
#define HID_MOD_LSHIFT      0x02
#define HID_MOD_LALT        0x04
#define HID_MOD_LGUI        0x08
#define HID_MOD_RCTRL       0x10
#define HID_MOD_RSHIFT      0x20
#define HID_MOD_RALT        0x40
#define HID_MOD_RGUI        0x80

#define HID_USAGE_ERR_ROLLOVER  0x01

/* Mouse buttons (byte 0 of a mouse report). */
#define HID_BTN_LEFT        0x01
#define HID_BTN_RIGHT       0x02
#define HID_BTN_MIDDLE      0x04

/* hid_core_poll() result when the packet is smaller than the report. */
#define HID_POLL_TOO_SMALL  (-1)

/* What the report descriptor declares; derived by hid_desc_validate(). */
typedef struct HidDescInfo {
    bool uses_ids;
    /*
     * Payload bits per type (0 input, 1 output, 2 feature) and report ID
     * (index 0 when IDs are not used).
     */
    uint32_t bits[3][256];
    uint16_t max_input;     /* largest input report in bytes, ID included */
} HidDescInfo;

/* One queued input report. */
typedef struct HidEntry {
    uint8_t len;                    /* keyboard, raw: bytes in data */
    uint8_t data[HID_REPORT_MAX];   /* mouse: data[0] = buttons */
    int32_t dx, dy, dw;             /* mouse: motion still to report */
} HidEntry;

/* The last value of one raw report, for GET_REPORT. */
typedef struct HidStored {
    uint8_t type;                   /* HID_REPORT_*; 0 = free slot */
    uint8_t id;
    uint8_t len;
    uint8_t data[HID_REPORT_MAX];
} HidStored;

typedef struct HidIface {
    /* Fixed by hid_core_init(). */
    uint8_t kind;
    uint8_t ep;                     /* interrupt IN endpoint address */
    uint8_t default_idle;           /* in 4 ms units */

    /* Guest-visible state (migrated). */
    uint8_t protocol;               /* HID_PROTOCOL_* */
    uint8_t idle;                   /* 4 ms units; 0 = only on change */
    uint8_t head, count;            /* queue ring */
    HidEntry queue[HID_QUEUE_LEN];
    HidEntry last;                  /* raw: last report delivered */
    bool have_last;
    uint32_t overflows;
} HidIface;

/* Called when the guest sends an output or feature report. */
typedef struct HidCoreOps {
    void (*output)(void *opaque, uint8_t type, const uint8_t *data,
                   size_t len);
} HidCoreOps;

/* What the glue's properties ask for. */
typedef struct HidCoreParams {
    uint16_t vid, pid, bcd_device;
    const char *manufacturer, *product, *serial;
    unsigned speed_mask;            /* USBFN_SPEED_MASK() bits */
    uint32_t interval_ms;           /* interrupt IN polling interval */
    const uint8_t *rdesc;           /* NULL: keyboard + mouse */
    size_t rdesc_len;
} HidCoreParams;

typedef struct HidCore {
    UsbfnState fn;
    const HidCoreOps *ops;
    void *opaque;
    uint8_t n_ifaces;
    HidIface ifc[HID_MAX_IFACES];

    /* Report descriptor of a raw device (not migrated: from the file). */
    HidDescInfo info;
    uint16_t rdesc_len;
    uint8_t rdesc[HID_DESC_MAX];

    /* Keyboard state (migrated). */
    uint8_t modifiers;
    uint8_t n_keys;
    uint8_t keys[HID_KBD_MAX_KEYS];     /* usages, in press order */
    uint8_t leds;                       /* last LED output report */

    /* Mouse state (migrated). */
    uint8_t buttons;
    uint8_t queued_buttons;             /* buttons of the last queued report */
    int32_t acc_dx, acc_dy, acc_dw;     /* motion since the last sync */

    /* Raw reports the guest or host last set (migrated). */
    HidStored store[HID_STORE_SLOTS];
    uint8_t store_next;

    /* Interfaces whose idle timer must be re-armed (bit per interface). */
    uint8_t idle_dirty;
} HidCore;

/*
 * Validate a report descriptor and derive its report sizes into @info.
 * On error returns false with "offset N (item): what is wrong" in @err.
 */
bool hid_desc_validate(const uint8_t *d, size_t len, HidDescInfo *info,
                       char **err);

/* Bytes in report @id of @type (HID_REPORT_*), ID byte included; 0 = none. */
unsigned hid_desc_report_len(const HidDescInfo *info, uint8_t type,
                             uint8_t id);

/* Build the function from @p; false with a message in @err on error. */
bool hid_core_init(HidCore *s, const HidCoreParams *p, const HidCoreOps *ops,
                   void *opaque, char **err);

/* Bus reset at @speed: usbfn reset, default protocol and idle, no queue. */
void hid_core_reset(HidCore *s, uint8_t speed);

/* A control request (see usbfn_control() for the contract). */
int hid_core_control(HidCore *s, const UsbfnSetup *st, uint8_t *data,
                     size_t cap, const char **why);

/* The interface (index) that owns IN endpoint @ep, or -1. */
int hid_core_iface_of_ep(const HidCore *s, uint8_t ep);

/*
 * Interrupt IN poll on interface @i: copy the next report into @buf and
 * return its length; 0 when there is nothing to send (NAK);
 * HID_POLL_TOO_SMALL when it does not fit in @cap (it stays queued).
 */
int hid_core_poll(HidCore *s, unsigned i, uint8_t *buf, size_t cap);

/* Idle period of interface @i in ms; 0 = infinite. */
unsigned hid_core_idle_ms(const HidCore *s, unsigned i);

/* The idle period expired: queue the idle report; true if queued. */
bool hid_core_idle_expired(HidCore *s, unsigned i);

/* Keyboard: Linux evdev key @code went down or up; true if queued. */
bool hid_core_key(HidCore *s, unsigned code, bool down);

/* The HID usage (page 7) of Linux key @code; 0 = unmapped. */
uint8_t hid_core_usage_of_linux(unsigned code);

/* Mouse: accumulate until hid_core_mouse_sync(). */
void hid_core_mouse_button(HidCore *s, uint8_t button, bool down);
void hid_core_mouse_wheel(HidCore *s, int delta);
void hid_core_mouse_move(HidCore *s, int dx, int dy);
/* End of an input event batch: queue one report if anything changed. */
bool hid_core_mouse_sync(HidCore *s);

/*
 * Queue raw input report @data (report ID first when IDs are used).
 * False with the reason in @err (length, unknown ID, not configured,
 * queue full).
 */
bool hid_core_inject(HidCore *s, const uint8_t *data, size_t len,
                     char **err);

/*
 * Parse hex bytes ("01 02ff", whitespace between bytes optional) into
 * @buf; false with the reason in @err.
 */
bool hid_parse_hex(const char *text, uint8_t *buf, size_t cap, size_t *len,
                   char **err);

/* "01 02 ff": a new string the caller frees. */
char *hid_format_hex(const uint8_t *data, size_t len);

/* Sum of the overflow counters of every interface. */
uint32_t hid_core_overflows(const HidCore *s);

/* A migrated state the device could reach (checked after loading). */
bool hid_core_state_valid(const HidCore *s);

#endif
