/*
 * dextbed-usb-serial device core.  See usb-serial-core.h and
 * docs/specs/usb-serial.md.
 *
 * Class and vendor requests are decoded completely (type, recipient,
 * wValue, wIndex, wLength, device state, the data stage's values) before
 * they change anything; a request that does not fit is a STALL with a
 * reason.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "qemu/osdep.h"
#include "usb-serial-core.h"

#define COMM_IFACE  0
#define DATA_IFACE  1

/* CDC functional descriptors of the communication interface. */
static const uint8_t cdc_functional[] = {
    5, 0x24, 0x00, 0x10, 0x01,          /* Header, bcdCDC 1.10 */
    5, 0x24, 0x01, 0x00, DATA_IFACE,    /* Call Management: none */
    4, 0x24, 0x02, 0x06,                /* ACM: line coding + state, break */
    5, 0x24, 0x06, COMM_IFACE, DATA_IFACE, /* Union */
};

static const uint8_t default_line_coding[7] = {
    0x00, 0xc2, 0x01, 0x00,             /* 115200 baud */
    0,                                  /* 1 stop bit */
    0,                                  /* no parity */
    8,                                  /* 8 data bits */
};

/* -- FIFOs ------------------------------------------------------------- */

bool usbser_fifo_valid(const UsbserFifo *f)
{
    return f->head < USBSER_FIFO_SIZE && f->len <= USBSER_FIFO_SIZE;
}

size_t usbser_fifo_push(UsbserFifo *f, const uint8_t *data, size_t len)
{
    size_t n = MIN(len, (size_t)(USBSER_FIFO_SIZE - f->len));

    for (size_t i = 0; i < n; i++) {
        f->buf[(f->head + f->len + i) % USBSER_FIFO_SIZE] = data[i];
    }
    f->len += n;
    return n;
}

size_t usbser_fifo_pop(UsbserFifo *f, uint8_t *buf, size_t max)
{
    size_t n = MIN(max, (size_t)f->len);

    for (size_t i = 0; i < n; i++) {
        buf[i] = f->buf[(f->head + i) % USBSER_FIFO_SIZE];
    }
    f->head = (f->head + n) % USBSER_FIFO_SIZE;
    f->len -= n;
    return n;
}

/* -- set-up -------------------------------------------------------------- */

bool usbser_init(UsbserCore *s, const UsbserIdentity *id,
                 const UsbserCoreOps *ops, void *opaque, char **err)
{
    UsbfnConfig cfg = {
        .vid = id->vid,
        .pid = id->pid,
        .bcd_device = id->bcd_device,
        .dev_class = 0x02,              /* CDC */
        .max_power_ma = 100,
        .strings = { NULL, id->manufacturer, id->product, id->serial },
        .imanufacturer = 1,
        .iproduct = 2,
        .iserial = 3,
        .n_ifaces = 2,
        .ifaces = {
            [COMM_IFACE] = {
                .cls = 0x02, .subclass = 0x02, .protocol = 0x00,
                .extra_len = sizeof(cdc_functional),
                .n_eps = 1,
                .eps = { { USBSER_EP_NOTIFY, USBFN_EP_INTR, 16, 16,
                           USBSER_NOTIFY_MS } },
            },
            [DATA_IFACE] = {
                .cls = 0x0a,
                .n_eps = 2,
                .eps = {
                    { USBSER_EP_IN, USBFN_EP_BULK, 64, 512, 0 },
                    { USBSER_EP_OUT, USBFN_EP_BULK, 64, 512, 0 },
                },
            },
        },
    };

    memcpy(cfg.ifaces[COMM_IFACE].extra, cdc_functional,
           sizeof(cdc_functional));
    memset(s, 0, sizeof(*s));
    if (id->speed_mask & USBFN_SPEED_MASK(USBFN_SPEED_LOW)) {
        *err = g_strdup("a CDC-ACM function has bulk endpoints, which low "
                        "speed does not allow; use speed=full or "
                        "speed=high");
        return false;
    }
    if (!usbfn_init(&s->fn, &cfg, id->speed_mask, err)) {
        return false;
    }
    s->ops = ops;
    s->opaque = opaque;
    usbser_reset(s, s->fn.speed);
    return true;
}

void usbser_reset(UsbserCore *s, uint8_t speed)
{
    usbfn_reset(&s->fn, speed);
    memcpy(s->line_coding, default_line_coding, sizeof(s->line_coding));
    s->divisor = 0;
    s->control_lines = 0;
    s->break_ms = 0;
    s->loopback = 0;
    s->state &= USBSER_STATE_LINES;
    s->notify_pending = 0;
    /*
     * The FIFOs keep their bytes: what either side handed over is still
     * delivered after a reset.
     */
}

uint32_t usbser_baud(const UsbserCore *s)
{
    return usbfn_get32(s->line_coding);
}

/* -- control requests ---------------------------------------------------- */

static int stall(UsbserCore *s, const char **why, const char *reason)
{
    *why = reason;
    s->stats.stalls++;
    return USBFN_STALL;
}

static bool line_coding_valid(const uint8_t *lc)
{
    uint32_t rate = usbfn_get32(lc);

    return rate >= USBSER_BASE_CLOCK / USBSER_DIVISOR_MAX &&
           rate <= USBSER_BASE_CLOCK / USBSER_DIVISOR_MIN &&
           lc[4] <= 2 && lc[5] <= 4 &&
           ((lc[6] >= 5 && lc[6] <= 8) || lc[6] == 16);
}

static int class_request(UsbserCore *s, const UsbfnSetup *st, uint8_t *data,
                         size_t cap, const char **why)
{
    bool in = st->type & USBFN_REQ_DIR_IN;

    if ((st->type & USBFN_REQ_RECIP_MASK) != USBFN_RECIP_INTERFACE ||
        st->index != COMM_IFACE) {
        return stall(s, why, "CDC request not addressed to the "
                     "communication interface (wIndex 0)");
    }
    if (!s->fn.configuration) {
        return stall(s, why, "CDC request before SET_CONFIGURATION");
    }
    switch (st->request) {
    case CDC_SET_LINE_CODING:
        if (in || st->value != 0 || st->length != 7) {
            return stall(s, why, "SET_LINE_CODING: wValue must be 0 and "
                         "wLength 7");
        }
        if (!line_coding_valid(data)) {
            return stall(s, why, "SET_LINE_CODING: rate outside 50..3000000 "
                         "or bad stop bits, parity or data bits");
        }
        memcpy(s->line_coding, data, 7);
        s->divisor = 0;
        s->ops->event(s->opaque, USBSER_EV_LINE_CODING);
        return 0;
    case CDC_GET_LINE_CODING:
        if (!in || st->value != 0 || st->length != 7) {
            return stall(s, why, "GET_LINE_CODING: wValue must be 0 and "
                         "wLength 7");
        }
        return usbfn_reply(s->line_coding, 7, st, data, cap);
    case CDC_SET_CONTROL_LINE_STATE:
        if (in || (st->value & ~3u) || st->length != 0) {
            return stall(s, why, "SET_CONTROL_LINE_STATE: only DTR (bit 0) "
                         "and RTS (bit 1), no data stage");
        }
        s->control_lines = st->value;
        s->ops->event(s->opaque, USBSER_EV_CONTROL_LINES);
        return 0;
    case CDC_SEND_BREAK:
        if (in || st->length != 0) {
            return stall(s, why, "SEND_BREAK: no data stage");
        }
        s->break_ms = st->value;
        s->ops->event(s->opaque, USBSER_EV_BREAK);
        return 0;
    default:
        return stall(s, why, "unsupported CDC request (encapsulated "
                     "commands are not implemented)");
    }
}

static uint32_t current_divisor(const UsbserCore *s)
{
    uint32_t baud = usbser_baud(s);

    if (s->divisor) {
        return s->divisor;
    }
    return (USBSER_BASE_CLOCK + baud / 2) / baud;
}

static int vendor_request(UsbserCore *s, const UsbfnSetup *st, uint8_t *data,
                          size_t cap, const char **why)
{
    bool in = st->type & USBFN_REQ_DIR_IN;
    uint8_t buf[USBSER_STATS_LEN];
    size_t len;

    if ((st->type & USBFN_REQ_RECIP_MASK) != USBFN_RECIP_DEVICE ||
        st->index != 0) {
        return stall(s, why, "vendor request: recipient must be the device "
                     "and wIndex 0");
    }
    if (!s->fn.configuration) {
        return stall(s, why, "vendor request before SET_CONFIGURATION");
    }
    switch (st->request) {
    case USBSER_VREQ_GET_INFO:
        if (!in || st->value != 0 || st->length != USBSER_INFO_LEN) {
            return stall(s, why, "GET_INFO: IN, wValue 0, wLength 16");
        }
        memcpy(buf, "DXSR", 4);
        usbfn_put16(buf + 4, usbfn_get16(s->fn.dev_desc + 10));
        usbfn_put16(buf + 6, USBSER_FW_VERSION);
        usbfn_put32(buf + 8, USBSER_BASE_CLOCK);
        usbfn_put16(buf + 12, USBSER_FIFO_SIZE);
        usbfn_put16(buf + 14, USBSER_FIFO_SIZE);
        len = USBSER_INFO_LEN;
        break;
    case USBSER_VREQ_SET_DIVISOR: {
        uint32_t div;

        if (in || st->value != 0 || st->length != 4) {
            return stall(s, why, "SET_DIVISOR: OUT, wValue 0, wLength 4");
        }
        div = usbfn_get32(data);
        if (div < USBSER_DIVISOR_MIN || div > USBSER_DIVISOR_MAX) {
            return stall(s, why, "SET_DIVISOR: divisor outside 16..960000");
        }
        s->divisor = div;
        usbfn_put32(s->line_coding, USBSER_BASE_CLOCK / div);
        s->ops->event(s->opaque, USBSER_EV_LINE_CODING);
        return 0;
    }
    case USBSER_VREQ_GET_DIVISOR:
        if (!in || st->value != 0 || st->length != 4) {
            return stall(s, why, "GET_DIVISOR: IN, wValue 0, wLength 4");
        }
        usbfn_put32(buf, current_divisor(s));
        len = 4;
        break;
    case USBSER_VREQ_SET_LOOPBACK:
        if (in || st->value > 1 || st->length != 0) {
            return stall(s, why, "SET_LOOPBACK: OUT, wValue 0 or 1, "
                         "wLength 0");
        }
        s->loopback = st->value;
        s->ops->event(s->opaque, USBSER_EV_LOOPBACK);
        s->ops->wake(s->opaque, USBSER_EP_OUT);
        return 0;
    case USBSER_VREQ_GET_STATS:
        if (!in || st->value != 0 || st->length != USBSER_STATS_LEN) {
            return stall(s, why, "GET_STATS: IN, wValue 0, wLength 24");
        }
        usbfn_put32(buf, s->stats.out_bytes);
        usbfn_put32(buf + 4, s->stats.in_bytes);
        usbfn_put32(buf + 8, s->stats.out_waits);
        usbfn_put32(buf + 12, s->stats.in_naks);
        usbfn_put32(buf + 16, s->stats.notifications);
        usbfn_put32(buf + 20, s->stats.stalls + s->fn.stalls);
        len = USBSER_STATS_LEN;
        break;
    default:
        return stall(s, why, "unknown vendor request");
    }
    return usbfn_reply(buf, len, st, data, cap);
}

int usbser_control(UsbserCore *s, const UsbfnSetup *st, uint8_t *data,
                   size_t cap, const char **why)
{
    int r = usbfn_control(&s->fn, st, data, cap, why);

    if (r != USBFN_NOT_MINE) {
        if (r >= 0 && st->request == USBFN_SET_CONFIGURATION &&
            s->fn.configuration) {
            /*
             * Tell a configured host the line state: after every
             * SET_CONFIGURATION(1), also one that re-selects the
             * configuration (it resets the notification pipe).
             */
            s->notify_pending = 1;
            s->ops->wake(s->opaque, USBSER_EP_NOTIFY);
        }
        return r;
    }
    switch (st->type & USBFN_REQ_TYPE_MASK) {
    case USBFN_REQ_CLASS:
        return class_request(s, st, data, cap, why);
    case USBFN_REQ_VENDOR:
        return vendor_request(s, st, data, cap, why);
    case USBFN_REQ_STANDARD:
        return stall(s, why, "GET_DESCRIPTOR for an interface: this "
                     "function has no interface descriptors to fetch");
    default:
        return stall(s, why, "reserved request type");
    }
}

/* -- data ------------------------------------------------------------------ */

size_t usbser_out_room(const UsbserCore *s)
{
    return USBSER_FIFO_SIZE - (s->loopback ? s->rx.len : s->tx.len);
}

void usbser_out(UsbserCore *s, const uint8_t *data, size_t len)
{
    size_t n;

    if (s->loopback) {
        n = usbser_fifo_push(&s->rx, data, len);
        s->ops->wake(s->opaque, USBSER_EP_IN);
    } else {
        n = usbser_fifo_push(&s->tx, data, len);
        s->ops->tx_ready(s->opaque);
    }
    s->stats.out_bytes += n;
}

size_t usbser_in(UsbserCore *s, uint8_t *buf, size_t max)
{
    size_t n = usbser_fifo_pop(&s->rx, buf, max);

    if (n == 0) {
        s->stats.in_naks++;
        return 0;
    }
    s->stats.in_bytes += n;
    if (s->loopback) {
        s->ops->wake(s->opaque, USBSER_EP_OUT);
    }
    s->ops->rx_room(s->opaque);
    return n;
}

size_t usbser_notify(UsbserCore *s, uint8_t *buf, size_t max)
{
    if (!s->notify_pending || max < 10) {
        return 0;
    }
    buf[0] = 0xa1;
    buf[1] = CDC_SERIAL_STATE;
    usbfn_put16(buf + 2, 0);
    usbfn_put16(buf + 4, COMM_IFACE);
    usbfn_put16(buf + 6, 2);
    usbfn_put16(buf + 8, s->state);
    s->state &= USBSER_STATE_LINES;     /* events are reported once */
    s->notify_pending = 0;
    s->stats.notifications++;
    return 10;
}

size_t usbser_rx_room(const UsbserCore *s)
{
    return USBSER_FIFO_SIZE - s->rx.len;
}

size_t usbser_rx_push(UsbserCore *s, const uint8_t *data, size_t len)
{
    size_t n = usbser_fifo_push(&s->rx, data, len);

    if (n) {
        s->ops->wake(s->opaque, USBSER_EP_IN);
    }
    return n;
}

size_t usbser_tx_peek(const UsbserCore *s, const uint8_t **data)
{
    *data = s->tx.buf + s->tx.head;
    return MIN((size_t)s->tx.len, (size_t)(USBSER_FIFO_SIZE - s->tx.head));
}

void usbser_tx_consume(UsbserCore *s, size_t len)
{
    len = MIN(len, (size_t)s->tx.len);
    s->tx.head = (s->tx.head + len) % USBSER_FIFO_SIZE;
    s->tx.len -= len;
    if (len) {
        s->ops->wake(s->opaque, USBSER_EP_OUT);
    }
}

/* -- line state ------------------------------------------------------------ */

static void notify(UsbserCore *s)
{
    s->notify_pending = 1;
    s->ops->wake(s->opaque, USBSER_EP_NOTIFY);
}

void usbser_set_lines(UsbserCore *s, uint16_t lines)
{
    lines &= USBSER_STATE_LINES;
    if ((s->state & USBSER_STATE_LINES) != lines) {
        s->state = (s->state & ~USBSER_STATE_LINES) | lines;
        notify(s);
    }
}

void usbser_line_event(UsbserCore *s, uint16_t events)
{
    events &= USBSER_STATE_EVENTS;
    if (events) {
        s->state |= events;
        notify(s);
    }
}

uint16_t usbser_event_from_name(const char *name)
{
    static const struct {
        const char *name;
        uint16_t bit;
    } names[] = {
        { "break", USBSER_STATE_BREAK },
        { "ring", USBSER_STATE_RING },
        { "framing", USBSER_STATE_FRAMING },
        { "parity", USBSER_STATE_PARITY },
        { "overrun", USBSER_STATE_OVERRUN },
    };

    for (size_t i = 0; i < G_N_ELEMENTS(names); i++) {
        if (!strcmp(name, names[i].name)) {
            return names[i].bit;
        }
    }
    return 0;
}
