/*
 * dextbed-usb-serial: QEMU glue for the CDC-ACM USB serial adapter (USB
 * device, chardev backend, properties, migration).  The device logic is in
 * usb-serial-core.c; the contract is docs/specs/usb-serial.md.
 *
 * Flow control: the chardev is read only while the rx FIFO has room
 * (can_receive); a bulk OUT transfer the tx FIFO cannot take whole stays
 * pending (USB_RET_ASYNC) and is completed as the backend drains it.
 * Everything that could re-enter the host controller (endpoint wake-ups,
 * draining, completing the pending OUT) runs from one bottom half.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "qemu/osdep.h"
#include "qemu/cutils.h"
#include "qemu/log.h"
#include "qemu/main-loop.h"
#include "qemu/module.h"
#include "qemu/timer.h"
#include "qapi/error.h"
#include "chardev/char-fe.h"
#include "chardev/char-serial.h"
#include "hw/qdev-properties.h"
#include "hw/qdev-properties-system.h"
#include "hw/usb.h"
#include "migration/vmstate.h"
#include "qom/object.h"
#include "trace.h"
#include "usbfn.h"
#include "usb-serial-core.h"

#define TYPE_DEXTBED_USB_SERIAL "dextbed-usb-serial"
OBJECT_DECLARE_SIMPLE_TYPE(DextbedUsbSerialState, DEXTBED_USB_SERIAL)

struct DextbedUsbSerialState {
    USBDevice parent_obj;

    UsbserCore core;
    CharBackend chr;
    bool backend_open;      /* chardev connected: drain tx, DCD/DSR on */
    guint watch;            /* waiting for the chardev to take more */
    USBPacket *out_pending; /* bulk OUT waiting for FIFO room */
    QEMUBH *bh;
    uint32_t wake_eps;      /* endpoints to wake from the bottom half */
    QEMUTimer *break_timer;

    /* Properties */
    uint16_t vendor_id;
    uint16_t product_id;
    uint16_t bcd_device;
    char *manufacturer;
    char *product;
    char *speed;
};

/* -- bottom half: drain, pump, wake ---------------------------------------- */

static gboolean serial_watch_cb(void *do_not_use, GIOCondition cond,
                                void *opaque)
{
    DextbedUsbSerialState *s = opaque;

    s->watch = 0;
    qemu_bh_schedule(s->bh);
    return G_SOURCE_REMOVE;
}

/* Hand the tx FIFO to the chardev until it is empty or the chardev full. */
static void serial_drain(DextbedUsbSerialState *s)
{
    const uint8_t *data;
    size_t n;
    int w;

    while (s->backend_open && !s->watch &&
           (n = usbser_tx_peek(&s->core, &data)) > 0) {
        w = qemu_chr_fe_write(&s->chr, data, n);
        trace_dextbed_usb_serial_chardev(n, w);
        if (w <= 0) {
            s->watch = qemu_chr_fe_add_watch(&s->chr, G_IO_OUT | G_IO_HUP,
                                             serial_watch_cb, s);
            break;
        }
        usbser_tx_consume(&s->core, w);
    }
}

/* Move as much of @p's data into the core as fits; true when all of it. */
static bool serial_take_out(DextbedUsbSerialState *s, USBPacket *p)
{
    uint8_t buf[USBSER_FIFO_SIZE];
    size_t want = p->iov.size - p->actual_length;
    size_t n = MIN(want, usbser_out_room(&s->core));

    if (n) {
        usb_packet_copy(p, buf, n);
        usbser_out(&s->core, buf, n);
    }
    return p->actual_length == p->iov.size;
}

static void serial_bh(void *opaque)
{
    DextbedUsbSerialState *s = opaque;
    USBDevice *dev = USB_DEVICE(s);
    uint32_t wake;

    serial_drain(s);
    if (s->out_pending && serial_take_out(s, s->out_pending)) {
        USBPacket *p = s->out_pending;

        s->out_pending = NULL;
        p->status = USB_RET_SUCCESS;
        trace_dextbed_usb_serial_out(p->actual_length, false);
        usb_packet_complete(dev, p);
    }
    serial_drain(s);
    wake = s->wake_eps;
    s->wake_eps = 0;
    if (wake & (1u << (USBSER_EP_IN & 0x0f))) {
        usbfn_wakeup(dev, USBSER_EP_IN);
    }
    if (wake & (1u << (USBSER_EP_NOTIFY & 0x0f))) {
        usbfn_wakeup(dev, USBSER_EP_NOTIFY);
    }
}

/* -- core ops -------------------------------------------------------------- */

static void serial_apply_line_coding(DextbedUsbSerialState *s)
{
    static const int parity[] = { 'N', 'O', 'E', 'M', 'S' };
    const uint8_t *lc = s->core.line_coding;
    QEMUSerialSetParams params = {
        .speed = usbser_baud(&s->core),
        .parity = parity[lc[5] % ARRAY_SIZE(parity)],
        .data_bits = lc[6],
        .stop_bits = lc[4] == 0 ? 1 : 2,
    };

    trace_dextbed_usb_serial_line_coding(params.speed, lc[4], lc[5], lc[6]);
    if (s->core.divisor) {
        trace_dextbed_usb_serial_divisor(s->core.divisor, params.speed);
    }
    /* Only host serial ports and ptys take this; others ignore it. */
    qemu_chr_fe_ioctl(&s->chr, CHR_IOCTL_SERIAL_SET_PARAMS, &params);
}

static void serial_set_break(DextbedUsbSerialState *s, bool on)
{
    int arg = on;

    qemu_chr_fe_ioctl(&s->chr, CHR_IOCTL_SERIAL_SET_BREAK, &arg);
}

static void serial_break_end(void *opaque)
{
    DextbedUsbSerialState *s = opaque;

    trace_dextbed_usb_serial_break(0);
    serial_set_break(s, false);
}

static void serial_event_op(void *opaque, UsbserEvent ev)
{
    DextbedUsbSerialState *s = opaque;
    uint16_t ms = s->core.break_ms;
    int tiocm;

    switch (ev) {
    case USBSER_EV_LINE_CODING:
        serial_apply_line_coding(s);
        break;
    case USBSER_EV_CONTROL_LINES:
        tiocm = (s->core.control_lines & 1 ? CHR_TIOCM_DTR : 0) |
                (s->core.control_lines & 2 ? CHR_TIOCM_RTS : 0);
        trace_dextbed_usb_serial_control_lines(tiocm & CHR_TIOCM_DTR,
                                               tiocm & CHR_TIOCM_RTS);
        qemu_chr_fe_ioctl(&s->chr, CHR_IOCTL_SERIAL_SET_TIOCM, &tiocm);
        break;
    case USBSER_EV_BREAK:
        trace_dextbed_usb_serial_break(ms);
        timer_del(s->break_timer);
        serial_set_break(s, ms != 0);
        if (ms != 0 && ms != 0xffff) {
            timer_mod(s->break_timer,
                      qemu_clock_get_ms(QEMU_CLOCK_VIRTUAL) + ms);
        }
        break;
    case USBSER_EV_LOOPBACK:
        trace_dextbed_usb_serial_loopback(s->core.loopback);
        break;
    }
}

static void serial_tx_ready(void *opaque)
{
    DextbedUsbSerialState *s = opaque;

    qemu_bh_schedule(s->bh);
}

static void serial_rx_room(void *opaque)
{
    DextbedUsbSerialState *s = opaque;

    qemu_chr_fe_accept_input(&s->chr);
}

static void serial_wake(void *opaque, uint8_t ep_addr)
{
    DextbedUsbSerialState *s = opaque;

    s->wake_eps |= 1u << (ep_addr & 0x0f);
    qemu_bh_schedule(s->bh);
}

static const UsbserCoreOps serial_core_ops = {
    .event = serial_event_op,
    .tx_ready = serial_tx_ready,
    .rx_room = serial_rx_room,
    .wake = serial_wake,
};

/* -- chardev --------------------------------------------------------------- */

static int serial_can_receive(void *opaque)
{
    DextbedUsbSerialState *s = opaque;

    return usbser_rx_room(&s->core);
}

static void serial_receive(void *opaque, const uint8_t *buf, int size)
{
    DextbedUsbSerialState *s = opaque;
    size_t n = usbser_rx_push(&s->core, buf, size);

    if (n < (size_t)size) {
        /* can_receive promised the room; this would be a QEMU bug. */
        error_report("%s: chardev delivered %d bytes with room for %zu",
                     TYPE_DEXTBED_USB_SERIAL, size, n);
    }
}

static void serial_chr_event(void *opaque, QEMUChrEvent event)
{
    DextbedUsbSerialState *s = opaque;

    switch (event) {
    case CHR_EVENT_OPENED:
        s->backend_open = true;
        usbser_set_lines(&s->core, USBSER_STATE_DCD | USBSER_STATE_DSR);
        qemu_bh_schedule(s->bh);
        break;
    case CHR_EVENT_CLOSED:
        s->backend_open = false;
        usbser_set_lines(&s->core, 0);
        break;
    case CHR_EVENT_BREAK:
        usbser_line_event(&s->core, USBSER_STATE_BREAK);
        break;
    default:
        break;
    }
}

/* -- USB device ------------------------------------------------------------ */

static void serial_handle_reset(USBDevice *dev)
{
    DextbedUsbSerialState *s = DEXTBED_USB_SERIAL(dev);

    usbser_reset(&s->core, dev->speed);
    usbfn_sync(dev, &s->core.fn);
}

static void serial_handle_control(USBDevice *dev, USBPacket *p, int request,
                                  int value, int index, int length,
                                  uint8_t *data)
{
    DextbedUsbSerialState *s = DEXTBED_USB_SERIAL(dev);
    UsbfnSetup st = usbfn_setup(request, value, index, length);
    const char *why = NULL;
    int r;

    r = usbser_control(&s->core, &st, data, sizeof(dev->data_buf), &why);
    usbfn_finish_control(dev, &s->core.fn, p, &st, r, why);
}

static void serial_handle_data(USBDevice *dev, USBPacket *p)
{
    DextbedUsbSerialState *s = DEXTBED_USB_SERIAL(dev);
    uint8_t buf[USBSER_FIFO_SIZE];
    uint8_t ep;
    size_t n;

    if (!usbfn_check_data(dev, &s->core.fn, p, &ep)) {
        return;
    }
    switch (ep) {
    case USBSER_EP_OUT:
        if (serial_take_out(s, p)) {
            trace_dextbed_usb_serial_out(p->actual_length, false);
            p->status = USB_RET_SUCCESS;
        } else {
            /* The rest waits for room; QEMU queues later transfers. */
            trace_dextbed_usb_serial_out(p->actual_length, true);
            s->core.stats.out_waits++;
            s->out_pending = p;
            p->status = USB_RET_ASYNC;
        }
        break;
    case USBSER_EP_IN:
        n = usbser_in(&s->core, buf, MIN(p->iov.size, sizeof(buf)));
        if (n == 0) {
            p->status = USB_RET_NAK;
            break;
        }
        trace_dextbed_usb_serial_in(n);
        usb_packet_copy(p, buf, n);
        p->status = USB_RET_SUCCESS;
        break;
    case USBSER_EP_NOTIFY:
        if (p->iov.size < 10) {
            qemu_log_mask(LOG_GUEST_ERROR, "%s: STALL interrupt IN of %zu "
                          "bytes: SERIAL_STATE needs 10\n",
                          dev->product_desc, p->iov.size);
            p->status = USB_RET_STALL;
            break;
        }
        n = usbser_notify(&s->core, buf, p->iov.size);
        if (n == 0) {
            p->status = USB_RET_NAK;
            break;
        }
        trace_dextbed_usb_serial_state(usbfn_get16(buf + 8));
        usb_packet_copy(p, buf, n);
        p->status = USB_RET_SUCCESS;
        break;
    default:
        p->status = USB_RET_STALL;
        break;
    }
}

static void serial_cancel_packet(USBDevice *dev, USBPacket *p)
{
    DextbedUsbSerialState *s = DEXTBED_USB_SERIAL(dev);

    /* Bytes already copied into the FIFO stay there and are delivered. */
    if (s->out_pending == p) {
        s->out_pending = NULL;
    }
}

static void serial_set_line_event(Object *obj, const char *value,
                                  Error **errp)
{
    DextbedUsbSerialState *s = DEXTBED_USB_SERIAL(obj);
    uint16_t ev = usbser_event_from_name(value);

    if (!ev) {
        error_setg(errp, "unknown line event '%s'; use break, ring, "
                   "framing, parity or overrun", value);
        return;
    }
    usbser_line_event(&s->core, ev);
}

static void serial_realize(USBDevice *dev, Error **errp)
{
    DextbedUsbSerialState *s = DEXTBED_USB_SERIAL(dev);
    UsbserIdentity id = {
        .vid = s->vendor_id,
        .pid = s->product_id,
        .bcd_device = s->bcd_device,
        .manufacturer = s->manufacturer,
        .product = s->product,
        .serial = dev->serial ? dev->serial : "DXS0001",
    };
    char *err = NULL;

    if (!qemu_chr_fe_backend_connected(&s->chr)) {
        error_setg(errp, "property 'chardev' is required, e.g. -chardev "
                   "socket,id=ser0,path=serial.sock,server=on,wait=off "
                   "-device %s,chardev=ser0", TYPE_DEXTBED_USB_SERIAL);
        return;
    }
    if (!usbfn_parse_speed(s->speed, &id.speed_mask, errp)) {
        return;
    }
    if (!usbser_init(&s->core, &id, &serial_core_ops, s, &err)) {
        error_setg(errp, "%s", err);
        g_free(err);
        return;
    }
    dev->speedmask = s->core.fn.speed_mask;
    /* What `info usb` and QEMU's messages call this device. */
    if (s->product && *s->product) {
        pstrcpy(dev->product_desc, sizeof(dev->product_desc), s->product);
    }
    s->bh = qemu_bh_new_guarded(serial_bh, s,
                                &DEVICE(dev)->mem_reentrancy_guard);
    s->break_timer = timer_new_ms(QEMU_CLOCK_VIRTUAL, serial_break_end, s);
    qemu_chr_fe_set_handlers(&s->chr, serial_can_receive, serial_receive,
                             serial_chr_event, NULL, s, NULL, true);
}

static void serial_unrealize(USBDevice *dev)
{
    DextbedUsbSerialState *s = DEXTBED_USB_SERIAL(dev);

    qemu_chr_fe_deinit(&s->chr, false);
    if (s->watch) {
        g_source_remove(s->watch);
        s->watch = 0;
    }
    if (s->bh) {
        qemu_bh_delete(s->bh);
        s->bh = NULL;
    }
    if (s->break_timer) {
        timer_free(s->break_timer);
        s->break_timer = NULL;
    }
}

/* -- migration ------------------------------------------------------------- */

static int serial_post_load(void *opaque, int version_id)
{
    DextbedUsbSerialState *s = opaque;
    UsbserCore *c = &s->core;

    if (!usbser_fifo_valid(&c->rx) || !usbser_fifo_valid(&c->tx) ||
        c->loopback > 1 || c->control_lines > 3 ||
        c->fn.configuration > 1 || c->fn.address > 127 ||
        (c->divisor && (c->divisor < USBSER_DIVISOR_MIN ||
                        c->divisor > USBSER_DIVISOR_MAX)) ||
        usbser_baud(c) == 0) {
        return -EINVAL;
    }
    usbfn_sync(USB_DEVICE(s), &c->fn);
    qemu_bh_schedule(s->bh);
    return 0;
}

static const VMStateDescription vmstate_usbser_fifo = {
    .name = "dextbed-usb-serial-fifo",
    .version_id = 1,
    .minimum_version_id = 1,
    .fields = (const VMStateField[]) {
        VMSTATE_BUFFER(buf, UsbserFifo),
        VMSTATE_UINT32(head, UsbserFifo),
        VMSTATE_UINT32(len, UsbserFifo),
        VMSTATE_END_OF_LIST()
    },
};

static const VMStateDescription vmstate_usb_serial = {
    .name = TYPE_DEXTBED_USB_SERIAL,
    .version_id = 1,
    .minimum_version_id = 1,
    .post_load = serial_post_load,
    .fields = (const VMStateField[]) {
        VMSTATE_USB_DEVICE(parent_obj, DextbedUsbSerialState),
        VMSTATE_STRUCT(core.fn, DextbedUsbSerialState, 1, vmstate_usbfn,
                       UsbfnState),
        VMSTATE_BUFFER(core.line_coding, DextbedUsbSerialState),
        VMSTATE_UINT32(core.divisor, DextbedUsbSerialState),
        VMSTATE_UINT8(core.control_lines, DextbedUsbSerialState),
        VMSTATE_UINT16(core.break_ms, DextbedUsbSerialState),
        VMSTATE_UINT8(core.loopback, DextbedUsbSerialState),
        VMSTATE_UINT16(core.state, DextbedUsbSerialState),
        VMSTATE_UINT8(core.notify_pending, DextbedUsbSerialState),
        VMSTATE_UINT32(core.stats.out_bytes, DextbedUsbSerialState),
        VMSTATE_UINT32(core.stats.in_bytes, DextbedUsbSerialState),
        VMSTATE_UINT32(core.stats.out_waits, DextbedUsbSerialState),
        VMSTATE_UINT32(core.stats.in_naks, DextbedUsbSerialState),
        VMSTATE_UINT32(core.stats.notifications, DextbedUsbSerialState),
        VMSTATE_UINT32(core.stats.stalls, DextbedUsbSerialState),
        VMSTATE_STRUCT(core.rx, DextbedUsbSerialState, 1,
                       vmstate_usbser_fifo, UsbserFifo),
        VMSTATE_STRUCT(core.tx, DextbedUsbSerialState, 1,
                       vmstate_usbser_fifo, UsbserFifo),
        VMSTATE_TIMER_PTR(break_timer, DextbedUsbSerialState),
        VMSTATE_END_OF_LIST()
    },
};

static const Property serial_properties[] = {
    DEFINE_PROP_CHR("chardev", DextbedUsbSerialState, chr),
    DEFINE_PROP_UINT16("vendorid", DextbedUsbSerialState, vendor_id, 0x1209),
    DEFINE_PROP_UINT16("productid", DextbedUsbSerialState, product_id,
                       0xd0e1),
    DEFINE_PROP_UINT16("bcd-device", DextbedUsbSerialState, bcd_device,
                       0x0100),
    DEFINE_PROP_STRING("manufacturer", DextbedUsbSerialState, manufacturer),
    DEFINE_PROP_STRING("product", DextbedUsbSerialState, product),
    DEFINE_PROP_STRING("speed", DextbedUsbSerialState, speed),
};

static void serial_instance_init(Object *obj)
{
    DextbedUsbSerialState *s = DEXTBED_USB_SERIAL(obj);

    /* String defaults (qdev string properties default to NULL). */
    s->manufacturer = g_strdup("dextbed");
    s->product = g_strdup("dextbed USB serial");
    s->speed = g_strdup("high");
}

static void serial_class_init(ObjectClass *klass, void *data)
{
    DeviceClass *dc = DEVICE_CLASS(klass);
    USBDeviceClass *uc = USB_DEVICE_CLASS(klass);

    uc->realize = serial_realize;
    uc->unrealize = serial_unrealize;
    uc->product_desc = "dextbed USB serial";
    uc->handle_attach = serial_handle_reset;
    uc->handle_reset = serial_handle_reset;
    uc->handle_control = serial_handle_control;
    uc->handle_data = serial_handle_data;
    uc->cancel_packet = serial_cancel_packet;
    dc->desc = "dextbed CDC-ACM USB serial adapter (docs/specs/usb-serial.md)";
    dc->vmsd = &vmstate_usb_serial;
    device_class_set_props(dc, serial_properties);
    set_bit(DEVICE_CATEGORY_INPUT, dc->categories);
    object_class_property_add_str(klass, "line-event", NULL,
                                  serial_set_line_event);
    object_class_property_set_description(klass, "line-event",
        "report a one-shot line event to the guest: break, ring, framing, "
        "parity or overrun");
}

static const TypeInfo serial_info = {
    .name = TYPE_DEXTBED_USB_SERIAL,
    .parent = TYPE_USB_DEVICE,
    .instance_size = sizeof(DextbedUsbSerialState),
    .instance_init = serial_instance_init,
    .class_init = serial_class_init,
};

static void serial_register_types(void)
{
    type_register_static(&serial_info);
}

type_init(serial_register_types)
