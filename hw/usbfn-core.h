/*
 * usbfn: the USB 2.0 chapter 9 part of a dextbed USB device function —
 * descriptor building and the standard control requests — apart from
 * QEMU's USB glue, so it can be unit tested on the host.
 *
 * A device core (usb-serial-core.c, usb-hid-core.c) describes its function
 * with a UsbfnConfig, lets usbfn build the descriptors once, and passes every
 * control request to usbfn_control() first.  usbfn answers the standard
 * requests (GET_DESCRIPTOR, SET_ADDRESS, SET_CONFIGURATION, GET_STATUS,
 * SET/CLEAR_FEATURE, GET/SET_INTERFACE) and says USBFN_NOT_MINE for the
 * class and vendor requests, which the device core handles itself.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#ifndef HW_DEXTBED_USBFN_CORE_H
#define HW_DEXTBED_USBFN_CORE_H

#define USBFN_MAX_IFACES    4
#define USBFN_MAX_EPS       3       /* per interface */
#define USBFN_MAX_EXTRA     64      /* class-specific bytes per interface */
#define USBFN_CFG_MAX       256     /* whole configuration descriptor */
#define USBFN_STRING_MAX    126     /* characters in one string */
#define USBFN_MAX_STRINGS   8       /* indexes 1..7 */

/* Speeds (values match QEMU's USB_SPEED_*). */
#define USBFN_SPEED_LOW     0
#define USBFN_SPEED_FULL    1
#define USBFN_SPEED_HIGH    2
#define USBFN_SPEED_MASK(s) (1u << (s))

/* Endpoint transfer types (bmAttributes). */
#define USBFN_EP_BULK       2
#define USBFN_EP_INTR       3
#define USBFN_DIR_IN        0x80

/* bmRequestType fields. */
#define USBFN_REQ_DIR_IN        0x80
#define USBFN_REQ_TYPE_MASK     0x60
#define USBFN_REQ_STANDARD      0x00
#define USBFN_REQ_CLASS         0x20
#define USBFN_REQ_VENDOR        0x40
#define USBFN_REQ_RECIP_MASK    0x1f
#define USBFN_RECIP_DEVICE      0
#define USBFN_RECIP_INTERFACE   1
#define USBFN_RECIP_ENDPOINT    2

/* Standard requests (USB 2.0 table 9-4). */
#define USBFN_GET_STATUS        0
#define USBFN_CLEAR_FEATURE     1
#define USBFN_SET_FEATURE       3
#define USBFN_SET_ADDRESS       5
#define USBFN_GET_DESCRIPTOR    6
#define USBFN_SET_DESCRIPTOR    7
#define USBFN_GET_CONFIGURATION 8
#define USBFN_SET_CONFIGURATION 9
#define USBFN_GET_INTERFACE     10
#define USBFN_SET_INTERFACE     11
#define USBFN_SYNCH_FRAME       12

/* Descriptor types. */
#define USBFN_DT_DEVICE         1
#define USBFN_DT_CONFIG         2
#define USBFN_DT_STRING         3
#define USBFN_DT_INTERFACE      4
#define USBFN_DT_ENDPOINT       5
#define USBFN_DT_QUALIFIER      6
#define USBFN_DT_OTHER_SPEED    7

/* Feature selectors. */
#define USBFN_FEAT_ENDPOINT_HALT    0
#define USBFN_FEAT_REMOTE_WAKEUP    1
#define USBFN_FEAT_TEST_MODE        2

/* usbfn_control() results other than a length. */
#define USBFN_STALL     (-1)
#define USBFN_NOT_MINE  (-2)

typedef struct UsbfnSetup {
    uint8_t type;           /* bmRequestType */
    uint8_t request;        /* bRequest */
    uint16_t value;         /* wValue */
    uint16_t index;         /* wIndex */
    uint16_t length;        /* wLength */
} UsbfnSetup;

typedef struct UsbfnEndpoint {
    uint8_t address;        /* number | USBFN_DIR_IN */
    uint8_t type;           /* USBFN_EP_BULK or USBFN_EP_INTR */
    uint16_t mps_full;      /* wMaxPacketSize at low and full speed */
    uint16_t mps_high;      /* wMaxPacketSize at high speed */
    uint8_t interval_ms;    /* interrupt endpoints: polling interval */
} UsbfnEndpoint;

typedef struct UsbfnInterface {
    uint8_t cls, subclass, protocol;
    uint8_t istring;        /* 0 = none */
    uint8_t extra_len;      /* class-specific descriptors after the */
    uint8_t extra[USBFN_MAX_EXTRA]; /* interface descriptor (CDC, HID) */
    uint8_t n_eps;
    UsbfnEndpoint eps[USBFN_MAX_EPS];
} UsbfnInterface;

/* What a device function presents; filled by the device core. */
typedef struct UsbfnConfig {
    uint16_t vid, pid, bcd_device;
    uint8_t dev_class, dev_subclass, dev_protocol;
    uint8_t max_power_ma;           /* bMaxPower * 2 */
    /* strings[i] is string index i (1..7); NULL or "" = none */
    const char *strings[USBFN_MAX_STRINGS];
    uint8_t imanufacturer, iproduct, iserial;
    uint8_t n_ifaces;
    UsbfnInterface ifaces[USBFN_MAX_IFACES];
} UsbfnConfig;

typedef struct UsbfnState {
    /* Built by usbfn_init(); not guest state. */
    UsbfnConfig cfg;
    unsigned speed_mask;
    uint8_t dev_desc[18];
    uint8_t cfg_desc[2][USBFN_CFG_MAX];     /* [0] low/full, [1] high */
    uint16_t cfg_len;
    char strings[USBFN_MAX_STRINGS][USBFN_STRING_MAX + 1];

    /* Guest-visible state (migrated). */
    uint8_t speed;              /* connected speed */
    uint8_t address;            /* 0 = default state */
    uint8_t configuration;      /* 0 = not configured */
    uint8_t remote_wakeup;      /* DEVICE_REMOTE_WAKEUP feature */
    uint32_t halted;            /* bit n: IN ep n; bit 16+n: OUT ep n */
    uint32_t stalls;            /* requests answered with STALL */
} UsbfnState;

/*
 * Check @cfg, build the descriptors for every speed in @speed_mask, and
 * reset.  On error returns false with a message in @err (g_free it).
 */
bool usbfn_init(UsbfnState *s, const UsbfnConfig *cfg, unsigned speed_mask,
                char **err);

/* Bus reset or attach at @speed: default state, unconfigured, no halts. */
void usbfn_reset(UsbfnState *s, uint8_t speed);

/*
 * Handle a control request.  For IN requests @data has room for @cap bytes
 * and the result is the number of bytes to return (never more than
 * wLength); for OUT requests @data holds the wLength bytes of the data
 * stage and the result is 0.  USBFN_STALL: refused, *why says why.
 * USBFN_NOT_MINE: a class or vendor request (or an interface-recipient
 * GET_DESCRIPTOR) for the device core.
 */
int usbfn_control(UsbfnState *s, const UsbfnSetup *setup, uint8_t *data,
                  size_t cap, const char **why);

/* Answer an IN request with @len bytes of @src, cut to wLength and @cap;
 * returns the length to send. */
int usbfn_reply(const uint8_t *src, size_t len, const UsbfnSetup *st,
                uint8_t *data, size_t cap);

/* The interface that owns endpoint @ep_addr in the configuration, or NULL. */
const UsbfnInterface *usbfn_find_ep(const UsbfnState *s, uint8_t ep_addr,
                                    const UsbfnEndpoint **ep);
/* wMaxPacketSize of @ep at the connected speed (0 if no such endpoint). */
uint16_t usbfn_ep_mps(const UsbfnState *s, uint8_t ep_addr);
bool usbfn_ep_halted(const UsbfnState *s, uint8_t ep_addr);
void usbfn_ep_set_halt(UsbfnState *s, uint8_t ep_addr, bool halt);
/* bInterval of an interrupt endpoint at @speed (at high speed the largest
 * power-of-two period not longer than @interval_ms). */
uint8_t usbfn_interval_code(uint8_t interval_ms, uint8_t speed);

/* Little-endian helpers for descriptor and request bodies. */
static inline void usbfn_put16(uint8_t *p, uint16_t v)
{
    p[0] = v & 0xff;
    p[1] = v >> 8;
}

static inline void usbfn_put32(uint8_t *p, uint32_t v)
{
    p[0] = v & 0xff;
    p[1] = (v >> 8) & 0xff;
    p[2] = (v >> 16) & 0xff;
    p[3] = v >> 24;
}

static inline uint16_t usbfn_get16(const uint8_t *p)
{
    return p[0] | (p[1] << 8);
}

static inline uint32_t usbfn_get32(const uint8_t *p)
{
    return p[0] | (p[1] << 8) | (p[2] << 16) | ((uint32_t)p[3] << 24);
}

#endif
