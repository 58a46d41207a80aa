/*
 * dextbed-usb-serial device core: a CDC-ACM function with a vendor
 * extension, apart from QEMU's USB and chardev glue (usb-serial.c).
 * The contract is docs/specs/usb-serial.md.
 *
 * Data path: bulk OUT -> tx FIFO -> host backend; host backend -> rx FIFO
 * -> bulk IN.  The FIFOs are the only buffers; a full FIFO holds the
 * producer back (the glue stops reading the chardev, the guest's OUT
 * transfer waits), so no byte is dropped or duplicated.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#ifndef HW_DEXTBED_USB_SERIAL_CORE_H
#define HW_DEXTBED_USB_SERIAL_CORE_H

#include "usbfn-core.h"

#define USBSER_FIFO_SIZE        4096
#define USBSER_BASE_CLOCK       48000000u   /* baud = clock / divisor */
#define USBSER_DIVISOR_MIN      16          /* 3,000,000 baud */
#define USBSER_DIVISOR_MAX      960000      /* 50 baud */
#define USBSER_FW_VERSION       0x0100      /* BCD */

/* Endpoints. */
#define USBSER_EP_IN            0x81        /* bulk, data to the guest */
#define USBSER_EP_OUT           0x02        /* bulk, data from the guest */
#define USBSER_EP_NOTIFY        0x83        /* interrupt, SERIAL_STATE */
#define USBSER_NOTIFY_MS        16

/* CDC class requests (PSTN 1.2, table 13). */
#define CDC_SEND_ENCAPSULATED_COMMAND   0x00
#define CDC_GET_ENCAPSULATED_RESPONSE   0x01
#define CDC_SET_LINE_CODING             0x20
#define CDC_GET_LINE_CODING             0x21
#define CDC_SET_CONTROL_LINE_STATE      0x22
#define CDC_SEND_BREAK                  0x23
#define CDC_SERIAL_STATE                0x20    /* notification */

/* Vendor requests (bmRequestType 0xC0 / 0x40). */
#define USBSER_VREQ_GET_INFO        0x01
#define USBSER_VREQ_SET_DIVISOR     0x02
#define USBSER_VREQ_GET_DIVISOR     0x03
#define USBSER_VREQ_SET_LOOPBACK    0x04
#define USBSER_VREQ_GET_STATS       0x05
#define USBSER_INFO_LEN             16
#define USBSER_STATS_LEN            24

/* SERIAL_STATE bits (PSTN 1.2, table 31). */
#define USBSER_STATE_DCD        (1u << 0)   /* bRxCarrier */
#define USBSER_STATE_DSR        (1u << 1)   /* bTxCarrier */
#define USBSER_STATE_BREAK      (1u << 2)
#define USBSER_STATE_RING       (1u << 3)
#define USBSER_STATE_FRAMING    (1u << 4)
#define USBSER_STATE_PARITY     (1u << 5)
#define USBSER_STATE_OVERRUN    (1u << 6)
#define USBSER_STATE_LINES      (USBSER_STATE_DCD | USBSER_STATE_DSR)
#define USBSER_STATE_EVENTS     0x7cu       /* one-shot bits */

/* What changed, for the glue (trace, chardev ioctls). */
typedef enum UsbserEvent {
    USBSER_EV_LINE_CODING,
    USBSER_EV_CONTROL_LINES,
    USBSER_EV_BREAK,        /* break_ms: 0 = end, 0xffff = until ended */
    USBSER_EV_LOOPBACK,
} UsbserEvent;

typedef struct UsbserCoreOps {
    /* Settings changed; read them from the core. */
    void (*event)(void *opaque, UsbserEvent ev);
    /* The tx FIFO has bytes for the backend. */
    void (*tx_ready)(void *opaque);
    /* The rx FIFO has room again. */
    void (*rx_room)(void *opaque);
    /* Endpoint @ep_addr has something new (data, room or a notification). */
    void (*wake)(void *opaque, uint8_t ep_addr);
} UsbserCoreOps;

typedef struct UsbserFifo {
    uint8_t buf[USBSER_FIFO_SIZE];
    uint32_t head;          /* index of the oldest byte */
    uint32_t len;           /* bytes held */
} UsbserFifo;

typedef struct UsbserIdentity {
    uint16_t vid, pid, bcd_device;
    const char *manufacturer, *product, *serial;
    unsigned speed_mask;    /* USBFN_SPEED_MASK bits */
} UsbserIdentity;

/* Counters, as GET_STATS reports them (all wrap at 2^32). */
typedef struct UsbserStats {
    uint32_t out_bytes;     /* accepted from bulk OUT */
    uint32_t in_bytes;      /* delivered on bulk IN */
    uint32_t out_waits;     /* OUT transfers that had to wait for room */
    uint32_t in_naks;       /* bulk IN polls with nothing to send */
    uint32_t notifications; /* SERIAL_STATE notifications sent */
    uint32_t stalls;        /* class/vendor requests refused */
} UsbserStats;

typedef struct UsbserCore {
    UsbfnState fn;
    const UsbserCoreOps *ops;
    void *opaque;

    /* Guest-visible state (migrated). */
    uint8_t line_coding[7];     /* dwDTERate, bCharFormat, bParityType, */
                                /* bDataBits, as on the wire */
    uint32_t divisor;           /* vendor divisor; 0 = derived from rate */
    uint8_t control_lines;      /* D0 DTR, D1 RTS */
    uint16_t break_ms;          /* last SEND_BREAK wValue */
    uint8_t loopback;
    uint16_t state;             /* DCD/DSR now, plus one-shot events */
    uint8_t notify_pending;
    UsbserStats stats;
    UsbserFifo rx;              /* backend -> guest */
    UsbserFifo tx;              /* guest -> backend */
} UsbserCore;

/* Build descriptors for @id; false with *err (g_free it) if impossible. */
bool usbser_init(UsbserCore *s, const UsbserIdentity *id,
                 const UsbserCoreOps *ops, void *opaque, char **err);
/* Bus reset at @speed: chapter 9 state and line settings reset; the FIFOs
 * keep their bytes (nothing either side handed over is lost). */
void usbser_reset(UsbserCore *s, uint8_t speed);

/* A control request (see usbfn_control for the result convention). */
int usbser_control(UsbserCore *s, const UsbfnSetup *st, uint8_t *data,
                   size_t cap, const char **why);

/* Bulk OUT: room for this many bytes now. */
size_t usbser_out_room(const UsbserCore *s);
/* Bulk OUT: take @len bytes (at most usbser_out_room()). */
void usbser_out(UsbserCore *s, const uint8_t *data, size_t len);
/* Bulk IN: up to @max bytes into @buf; 0 means NAK. */
size_t usbser_in(UsbserCore *s, uint8_t *buf, size_t max);
/* Interrupt IN: a 10-byte SERIAL_STATE notification, or 0 (NAK). */
size_t usbser_notify(UsbserCore *s, uint8_t *buf, size_t max);

/* Backend side: room in the rx FIFO, and bytes from the backend. */
size_t usbser_rx_room(const UsbserCore *s);
size_t usbser_rx_push(UsbserCore *s, const uint8_t *data, size_t len);
/* Backend side: the contiguous bytes waiting for it, and consume them. */
size_t usbser_tx_peek(const UsbserCore *s, const uint8_t **data);
void usbser_tx_consume(UsbserCore *s, size_t len);

/* Line state from the backend: DCD/DSR levels, or a one-shot event. */
void usbser_set_lines(UsbserCore *s, uint16_t lines);
void usbser_line_event(UsbserCore *s, uint16_t events);
/* Parse a line-event name ("ring", "break", "overrun", "parity",
 * "framing"); 0 if unknown. */
uint16_t usbser_event_from_name(const char *name);

/* The current rate in baud (dwDTERate). */
uint32_t usbser_baud(const UsbserCore *s);

/* FIFO primitives (exported for unit tests). */
size_t usbser_fifo_push(UsbserFifo *f, const uint8_t *data, size_t len);
size_t usbser_fifo_pop(UsbserFifo *f, uint8_t *buf, size_t max);
bool usbser_fifo_valid(const UsbserFifo *f);

#endif
