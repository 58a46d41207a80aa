/*
 * dextbed-usb-hid: QEMU glue for the USB HID 1.11 function (USB device,
 * QEMU input layer, idle timers, chardev and QOM injection, migration).
 * The device logic is in usb-hid-core.c; the contract is
 * docs/specs/usb-hid.md.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "qemu/osdep.h"
#include "qemu/cutils.h"
#include "qemu/error-report.h"
#include "qemu/log.h"
#include "qemu/module.h"
#include "qemu/timer.h"
#include "qapi/error.h"
#include "qapi/visitor.h"
#include "chardev/char-fe.h"
#include "hw/qdev-properties.h"
#include "hw/qdev-properties-system.h"
#include "hw/usb.h"
#include "migration/vmstate.h"
#include "qom/object.h"
#include "ui/input.h"
#include "trace.h"
#include "usbfn.h"
#include "usb-hid-core.h"

#define TYPE_DEXTBED_USB_HID "dextbed-usb-hid"
OBJECT_DECLARE_SIMPLE_TYPE(DextbedUsbHidState, DEXTBED_USB_HID)

/* One chardev line: 64 bytes as "xx " plus slack. */
#define HID_LINE_MAX    256
/* Answers and output lines waiting for a slow chardev peer. */
#define HID_OUT_MAX     4096

struct DextbedUsbHidState {
    USBDevice parent_obj;

    HidCore core;
    QemuInputHandlerState *input;           /* keyboard + mouse only */
    QEMUTimer *idle_timer[HID_MAX_IFACES];
    CharBackend chr;
    char line[HID_LINE_MAX];                /* chardev line being read */
    uint32_t line_len;
    bool line_too_long;
    /* Lines for the chardev not yet taken: never block the main loop. */
    char out[HID_OUT_MAX];
    uint32_t out_len;
    uint32_t out_dropped;                   /* lines that did not fit */
    guint out_watch;

    /* Properties */
    uint16_t vendor_id;
    uint16_t product_id;
    uint16_t bcd_device;
    char *manufacturer;
    char *product;
    char *speed;
    char *report_desc;
    uint32_t interval;
};

/* -- idle timers ---------------------------------------------------------- */

/* Restart interface @i's idle period now, or stop it (idle rate 0). */
static void hid_idle_arm(DextbedUsbHidState *s, unsigned i)
{
    unsigned ms = hid_core_idle_ms(&s->core, i);

    if (ms && s->core.fn.configuration) {
        timer_mod(s->idle_timer[i], qemu_clock_get_ns(QEMU_CLOCK_VIRTUAL) +
                  ms * SCALE_MS);
    } else {
        timer_del(s->idle_timer[i]);
    }
}

/* Re-arm the timers the core marked (SET_IDLE, configuration, reset). */
static void hid_idle_sync(DextbedUsbHidState *s)
{
    for (unsigned i = 0; i < s->core.n_ifaces; i++) {
        if (s->core.idle_dirty & (1u << i)) {
            hid_idle_arm(s, i);
        }
    }
    s->core.idle_dirty = 0;
}

static void hid_idle_expired(DextbedUsbHidState *s, unsigned i)
{
    trace_dextbed_usb_hid_idle(i, hid_core_idle_ms(&s->core, i));
    if (hid_core_idle_expired(&s->core, i)) {
        usbfn_wakeup(USB_DEVICE(s), s->core.ifc[i].ep);
    }
}

static void hid_idle_timer0(void *opaque)
{
    hid_idle_expired(opaque, 0);
}

static void hid_idle_timer1(void *opaque)
{
    hid_idle_expired(opaque, 1);
}

/* -- USB ------------------------------------------------------------------ */

static void hid_handle_reset(USBDevice *dev)
{
    DextbedUsbHidState *s = DEXTBED_USB_HID(dev);

    hid_core_reset(&s->core, dev->speed);
    usbfn_bus_reset(dev, &s->core.fn);
    hid_idle_sync(s);
}

static void hid_handle_control(USBDevice *dev, USBPacket *p, int request,
                               int value, int index, int length,
                               uint8_t *data)
{
    DextbedUsbHidState *s = DEXTBED_USB_HID(dev);
    UsbfnSetup st = usbfn_setup(request, value, index, length);
    const char *why = NULL;
    int r;

    r = hid_core_control(&s->core, &st, data, sizeof(dev->data_buf), &why);
    usbfn_finish_control(dev, &s->core.fn, p, &st, r, why);
    hid_idle_sync(s);
}

static void hid_handle_data(USBDevice *dev, USBPacket *p)
{
    DextbedUsbHidState *s = DEXTBED_USB_HID(dev);
    uint8_t buf[HID_REPORT_MAX];
    uint8_t ep;
    int i, n;

    if (!usbfn_check_data(dev, &s->core.fn, p, &ep)) {
        return;
    }
    i = hid_core_iface_of_ep(&s->core, ep);
    if (i < 0) {
        /* usbfn_check_data() lets through only our IN endpoints. */
        p->status = USB_RET_STALL;
        return;
    }
    n = hid_core_poll(&s->core, i, buf, MIN(p->iov.size, sizeof(buf)));
    if (n == HID_POLL_TOO_SMALL) {
        qemu_log_mask(LOG_GUEST_ERROR, "%s: interrupt IN on endpoint 0x%02x "
                      "with a %zu-byte buffer, smaller than the report\n",
                      TYPE_DEXTBED_USB_HID, ep, p->iov.size);
        p->status = USB_RET_BABBLE;
        return;
    }
    if (n == 0) {
        p->status = USB_RET_NAK;
        return;
    }
    if (trace_event_get_state_backends(TRACE_DEXTBED_USB_HID_REPORT)) {
        g_autofree char *hex = hid_format_hex(buf, n);

        trace_dextbed_usb_hid_report(i, hex, s->core.ifc[i].count);
    }
    usb_packet_copy(p, buf, n);
    hid_idle_arm(s, i);
}

/* -- QEMU input layer (keyboard + mouse) ---------------------------------- */

static void hid_input_event(DeviceState *d, QemuConsole *src, InputEvent *evt)
{
    DextbedUsbHidState *s = DEXTBED_USB_HID(d);
    InputKeyEvent *key;
    InputBtnEvent *btn;
    InputMoveEvent *move;
    unsigned code = 0;
    int qcode;

    switch (evt->type) {
    case INPUT_EVENT_KIND_KEY:
        key = evt->u.key.data;
        qcode = qemu_input_key_value_to_qcode(key->key);
        if (qcode >= 0 &&
            (unsigned)qcode < qemu_input_map_qcode_to_linux_len) {
            code = qemu_input_map_qcode_to_linux[qcode];
        }
        trace_dextbed_usb_hid_key(code, hid_core_usage_of_linux(code),
                                  key->down);
        if (hid_core_key(&s->core, code, key->down)) {
            usbfn_wakeup(USB_DEVICE(s), s->core.ifc[0].ep);
        }
        break;
    case INPUT_EVENT_KIND_BTN:
        btn = evt->u.btn.data;
        switch (btn->button) {
        case INPUT_BUTTON_LEFT:
            hid_core_mouse_button(&s->core, HID_BTN_LEFT, btn->down);
            break;
        case INPUT_BUTTON_RIGHT:
            hid_core_mouse_button(&s->core, HID_BTN_RIGHT, btn->down);
            break;
        case INPUT_BUTTON_MIDDLE:
            hid_core_mouse_button(&s->core, HID_BTN_MIDDLE, btn->down);
            break;
        case INPUT_BUTTON_WHEEL_UP:
            if (btn->down) {
                hid_core_mouse_wheel(&s->core, 1);
            }
            break;
        case INPUT_BUTTON_WHEEL_DOWN:
            if (btn->down) {
                hid_core_mouse_wheel(&s->core, -1);
            }
            break;
        default:
            break;
        }
        break;
    case INPUT_EVENT_KIND_REL:
        move = evt->u.rel.data;
        if (move->axis == INPUT_AXIS_X) {
            hid_core_mouse_move(&s->core, move->value, 0);
        } else if (move->axis == INPUT_AXIS_Y) {
            hid_core_mouse_move(&s->core, 0, move->value);
        }
        break;
    default:
        break;
    }
}

static void hid_input_sync(DeviceState *d)
{
    DextbedUsbHidState *s = DEXTBED_USB_HID(d);

    if (hid_core_mouse_sync(&s->core)) {
        usbfn_wakeup(USB_DEVICE(s), s->core.ifc[1].ep);
    }
}

static const QemuInputHandler hid_input_handler = {
    .name  = "dextbed USB HID keyboard and mouse",
    .mask  = INPUT_EVENT_MASK_KEY | INPUT_EVENT_MASK_BTN |
             INPUT_EVENT_MASK_REL,
    .event = hid_input_event,
    .sync  = hid_input_sync,
};

/* -- host injection: chardev lines and the "inject" property -------------- */

static bool hid_inject_text(DextbedUsbHidState *s, const char *text,
                            char **err)
{
    uint8_t buf[HID_REPORT_MAX];
    size_t len;
    bool ok;

    ok = hid_parse_hex(text, buf, sizeof(buf), &len, err) &&
         hid_core_inject(&s->core, buf, len, err);
    trace_dextbed_usb_hid_inject(len, ok ? "ok" : *err);
    if (ok) {
        usbfn_wakeup(USB_DEVICE(s), s->core.ifc[0].ep);
    }
    return ok;
}

static gboolean hid_chr_writable(void *do_not_use, GIOCondition cond,
                                 void *opaque);

/* Hand queued lines to the chardev without blocking; wait if it is full. */
static void hid_chr_flush(DextbedUsbHidState *s)
{
    while (s->out_len && !s->out_watch) {
        int w = qemu_chr_fe_write(&s->chr, (const uint8_t *)s->out,
                                  s->out_len);

        if (w <= 0) {
            s->out_watch = qemu_chr_fe_add_watch(&s->chr,
                                                 G_IO_OUT | G_IO_HUP,
                                                 hid_chr_writable, s);
            if (!s->out_watch) {
                s->out_len = 0;     /* the backend cannot take anything */
            }
            return;
        }
        memmove(s->out, s->out + w, s->out_len - w);
        s->out_len -= w;
    }
}

static gboolean hid_chr_writable(void *do_not_use, GIOCondition cond,
                                 void *opaque)
{
    DextbedUsbHidState *s = opaque;

    s->out_watch = 0;
    hid_chr_flush(s);
    return G_SOURCE_REMOVE;
}

/*
 * Queue one whole line for the chardev.  A peer that does not read must
 * not stall QEMU (the guest can cause output lines), so a line that does
 * not fit in the buffer is dropped whole and counted.
 */
static void hid_chr_reply(DextbedUsbHidState *s, const char *line)
{
    size_t len = strlen(line);

    if (len > sizeof(s->out) - s->out_len) {
        s->out_dropped++;
        warn_report_once("%s: the chardev peer is not reading; lines for "
                         "it are dropped (see the chardev-dropped property)",
                         TYPE_DEXTBED_USB_HID);
        return;
    }
    memcpy(s->out + s->out_len, line, len);
    s->out_len += len;
    hid_chr_flush(s);
}

static void hid_chr_line(DextbedUsbHidState *s)
{
    g_autofree char *reply = NULL;
    char *err = NULL;
    char *text;

    if (s->line_too_long) {
        reply = g_strdup_printf("error line longer than %u characters\n",
                                HID_LINE_MAX - 1);
        hid_chr_reply(s, reply);
        return;
    }
    s->line[s->line_len] = '\0';
    text = g_strstrip(s->line);
    if (!*text) {
        return;                 /* blank lines get no answer */
    }
    if (hid_inject_text(s, text, &err)) {
        hid_chr_reply(s, "ok\n");
    } else {
        reply = g_strdup_printf("error %s\n", err);
        g_free(err);
        hid_chr_reply(s, reply);
    }
}

static int hid_chr_can_receive(void *opaque)
{
    return HID_LINE_MAX;        /* excess bytes of a line are dropped */
}

static void hid_chr_receive(void *opaque, const uint8_t *buf, int size)
{
    DextbedUsbHidState *s = opaque;

    for (int i = 0; i < size; i++) {
        if (buf[i] == '\n') {
            hid_chr_line(s);
            s->line_len = 0;
            s->line_too_long = false;
        } else if (s->line_len < HID_LINE_MAX - 1) {
            s->line[s->line_len++] = buf[i];
        } else {
            s->line_too_long = true;
        }
    }
}

/* The guest sent an output or feature report: tell the chardev. */
static void hid_output(void *opaque, uint8_t type, const uint8_t *data,
                       size_t len)
{
    DextbedUsbHidState *s = opaque;
    g_autofree char *hex = hid_format_hex(data, len);
    g_autofree char *line = NULL;

    trace_dextbed_usb_hid_output(type, hex);
    if (!qemu_chr_fe_backend_connected(&s->chr)) {
        return;
    }
    line = g_strdup_printf("%s %s\n", type == HID_REPORT_FEATURE ?
                           "feature" : "output", hex);
    hid_chr_reply(s, line);
}

static const HidCoreOps hid_core_ops = {
    .output = hid_output,
};

static void hid_set_inject(Object *obj, const char *value, Error **errp)
{
    DextbedUsbHidState *s = DEXTBED_USB_HID(obj);
    char *err = NULL;

    if (!DEVICE(obj)->realized) {
        error_setg(errp, "inject: the device is not realized yet");
        return;
    }
    if (!hid_inject_text(s, value, &err)) {
        error_setg(errp, "inject: %s", err);
        g_free(err);
    }
}

static void hid_get_overflows(Object *obj, Visitor *v, const char *name,
                              void *opaque, Error **errp)
{
    DextbedUsbHidState *s = DEXTBED_USB_HID(obj);
    uint32_t n = hid_core_overflows(&s->core);

    visit_type_uint32(v, name, &n, errp);
}

static void hid_get_leds(Object *obj, Visitor *v, const char *name,
                         void *opaque, Error **errp)
{
    DextbedUsbHidState *s = DEXTBED_USB_HID(obj);
    uint8_t leds = s->core.leds;

    visit_type_uint8(v, name, &leds, errp);
}

static void hid_get_chardev_dropped(Object *obj, Visitor *v,
                                    const char *name, void *opaque,
                                    Error **errp)
{
    DextbedUsbHidState *s = DEXTBED_USB_HID(obj);

    visit_type_uint32(v, name, &s->out_dropped, errp);
}

/* -- lifecycle ------------------------------------------------------------ */

/* Read the report-descriptor file; false with errp set on error. */
static bool hid_read_desc(const char *path, uint8_t *buf, size_t *len,
                          Error **errp)
{
    FILE *f = fopen(path, "rb");
    size_t n;

    if (!f) {
        error_setg_errno(errp, errno, "report-descriptor '%s'", path);
        return false;
    }
    n = fread(buf, 1, HID_DESC_MAX + 1, f);
    if (ferror(f)) {
        error_setg(errp, "report-descriptor '%s': read error", path);
        fclose(f);
        return false;
    }
    fclose(f);
    if (n > HID_DESC_MAX) {
        error_setg(errp, "report-descriptor '%s' is larger than %u bytes",
                   path, HID_DESC_MAX);
        return false;
    }
    *len = n;
    return true;
}

static void hid_realize(USBDevice *dev, Error **errp)
{
    DextbedUsbHidState *s = DEXTBED_USB_HID(dev);
    g_autofree uint8_t *rdesc = NULL;
    HidCoreParams p = {
        .vid = s->vendor_id,
        .pid = s->product_id,
        .bcd_device = s->bcd_device,
        .manufacturer = s->manufacturer ? s->manufacturer : "dextbed",
        .product = s->product,
        .serial = dev->serial,
        .interval_ms = s->interval,
    };
    char *err = NULL;

    if (!usbfn_parse_speed(s->speed, &p.speed_mask, errp)) {
        return;
    }
    if (s->report_desc) {
        rdesc = g_malloc(HID_DESC_MAX + 1);
        if (!hid_read_desc(s->report_desc, rdesc, &p.rdesc_len, errp)) {
            return;
        }
        p.rdesc = rdesc;
    }
    if (!p.product) {
        p.product = s->report_desc ? "dextbed HID device" :
                    "dextbed HID keyboard and mouse";
    }
    if (!hid_core_init(&s->core, &p, &hid_core_ops, s, &err)) {
        error_setg(errp, "%s", err);
        g_free(err);
        return;
    }
    dev->speedmask = s->core.fn.speed_mask;
    /* What `info usb` and QEMU's messages call this device. */
    if (*p.product) {
        pstrcpy(dev->product_desc, sizeof(dev->product_desc), p.product);
    }
    s->idle_timer[0] = timer_new_ns(QEMU_CLOCK_VIRTUAL, hid_idle_timer0, s);
    s->idle_timer[1] = timer_new_ns(QEMU_CLOCK_VIRTUAL, hid_idle_timer1, s);
    if (!s->report_desc) {
        s->input = qemu_input_handler_register(DEVICE(dev),
                                               &hid_input_handler);
        qemu_input_handler_activate(s->input);
    }
    if (qemu_chr_fe_backend_connected(&s->chr)) {
        qemu_chr_fe_set_handlers(&s->chr, hid_chr_can_receive,
                                 hid_chr_receive, NULL, NULL, s, NULL, true);
    }
}

static void hid_unrealize(USBDevice *dev)
{
    DextbedUsbHidState *s = DEXTBED_USB_HID(dev);

    if (s->input) {
        qemu_input_handler_unregister(s->input);
        s->input = NULL;
    }
    for (unsigned i = 0; i < HID_MAX_IFACES; i++) {
        timer_free(s->idle_timer[i]);
        s->idle_timer[i] = NULL;
    }
    if (s->out_watch) {
        g_source_remove(s->out_watch);
        s->out_watch = 0;
    }
    qemu_chr_fe_deinit(&s->chr, false);
}

/* A migration stream is input too: refuse state the device cannot reach. */
static int hid_post_load(void *opaque, int version_id)
{
    DextbedUsbHidState *s = opaque;
    USBDevice *dev = USB_DEVICE(s);

    if (!hid_core_state_valid(&s->core)) {
        return -EINVAL;
    }
    /* USBDevice's own VMState does not carry the configuration. */
    usbfn_sync(dev, &s->core.fn);
    return 0;
}

static const VMStateDescription vmstate_hid_entry = {
    .name = "dextbed-usb-hid/entry",
    .version_id = 1,
    .minimum_version_id = 1,
    .fields = (const VMStateField[]) {
        VMSTATE_UINT8(len, HidEntry),
        VMSTATE_UINT8_ARRAY(data, HidEntry, HID_REPORT_MAX),
        VMSTATE_INT32(dx, HidEntry),
        VMSTATE_INT32(dy, HidEntry),
        VMSTATE_INT32(dw, HidEntry),
        VMSTATE_END_OF_LIST()
    },
};

static const VMStateDescription vmstate_hid_iface = {
    .name = "dextbed-usb-hid/iface",
    .version_id = 1,
    .minimum_version_id = 1,
    .fields = (const VMStateField[]) {
        VMSTATE_UINT8(protocol, HidIface),
        VMSTATE_UINT8(idle, HidIface),
        VMSTATE_UINT8(head, HidIface),
        VMSTATE_UINT8(count, HidIface),
        VMSTATE_STRUCT_ARRAY(queue, HidIface, HID_QUEUE_LEN, 1,
                             vmstate_hid_entry, HidEntry),
        VMSTATE_STRUCT(last, HidIface, 1, vmstate_hid_entry, HidEntry),
        VMSTATE_BOOL(have_last, HidIface),
        VMSTATE_UINT32(overflows, HidIface),
        VMSTATE_END_OF_LIST()
    },
};

static const VMStateDescription vmstate_hid_stored = {
    .name = "dextbed-usb-hid/stored",
    .version_id = 1,
    .minimum_version_id = 1,
    .fields = (const VMStateField[]) {
        VMSTATE_UINT8(type, HidStored),
        VMSTATE_UINT8(id, HidStored),
        VMSTATE_UINT8(len, HidStored),
        VMSTATE_UINT8_ARRAY(data, HidStored, HID_REPORT_MAX),
        VMSTATE_END_OF_LIST()
    },
};

static const VMStateDescription vmstate_dextbed_usb_hid = {
    .name = TYPE_DEXTBED_USB_HID,
    .version_id = 1,
    .minimum_version_id = 1,
    .post_load = hid_post_load,
    .fields = (const VMStateField[]) {
        VMSTATE_USB_DEVICE(parent_obj, DextbedUsbHidState),
        VMSTATE_STRUCT(core.fn, DextbedUsbHidState, 1, vmstate_usbfn,
                       UsbfnState),
        VMSTATE_STRUCT_ARRAY(core.ifc, DextbedUsbHidState, HID_MAX_IFACES, 1,
                             vmstate_hid_iface, HidIface),
        VMSTATE_UINT8(core.modifiers, DextbedUsbHidState),
        VMSTATE_UINT8(core.n_keys, DextbedUsbHidState),
        VMSTATE_UINT8_ARRAY(core.keys, DextbedUsbHidState, HID_KBD_MAX_KEYS),
        VMSTATE_UINT8(core.leds, DextbedUsbHidState),
        VMSTATE_UINT8(core.buttons, DextbedUsbHidState),
        VMSTATE_UINT8(core.queued_buttons, DextbedUsbHidState),
        VMSTATE_INT32(core.acc_dx, DextbedUsbHidState),
        VMSTATE_INT32(core.acc_dy, DextbedUsbHidState),
        VMSTATE_INT32(core.acc_dw, DextbedUsbHidState),
        VMSTATE_STRUCT_ARRAY(core.store, DextbedUsbHidState, HID_STORE_SLOTS,
                             1, vmstate_hid_stored, HidStored),
        VMSTATE_UINT8(core.store_next, DextbedUsbHidState),
        VMSTATE_TIMER_PTR_ARRAY(idle_timer, DextbedUsbHidState,
                                HID_MAX_IFACES),
        VMSTATE_END_OF_LIST()
    },
};

static const Property hid_properties[] = {
    DEFINE_PROP_UINT16("vendorid", DextbedUsbHidState, vendor_id, HID_VID),
    DEFINE_PROP_UINT16("productid", DextbedUsbHidState, product_id, HID_PID),
    DEFINE_PROP_UINT16("bcd-device", DextbedUsbHidState, bcd_device, 0x0100),
    DEFINE_PROP_STRING("manufacturer", DextbedUsbHidState, manufacturer),
    DEFINE_PROP_STRING("product", DextbedUsbHidState, product),
    DEFINE_PROP_STRING("speed", DextbedUsbHidState, speed),
    DEFINE_PROP_STRING("report-descriptor", DextbedUsbHidState, report_desc),
    DEFINE_PROP_CHR("chardev", DextbedUsbHidState, chr),
    DEFINE_PROP_UINT32("interval", DextbedUsbHidState, interval,
                       HID_DEFAULT_INTERVAL),
};

static void hid_class_init(ObjectClass *klass, void *data)
{
    DeviceClass *dc = DEVICE_CLASS(klass);
    USBDeviceClass *uc = USB_DEVICE_CLASS(klass);

    uc->product_desc = "dextbed USB HID";
    uc->realize = hid_realize;
    uc->unrealize = hid_unrealize;
    uc->handle_attach = hid_handle_reset;
    uc->handle_reset = hid_handle_reset;
    uc->handle_control = hid_handle_control;
    uc->handle_data = hid_handle_data;
    dc->desc = "dextbed USB HID 1.11 device (keyboard + mouse, or any "
               "report descriptor)";
    dc->vmsd = &vmstate_dextbed_usb_hid;
    device_class_set_props(dc, hid_properties);
    set_bit(DEVICE_CATEGORY_INPUT, dc->categories);

    object_class_property_add_str(klass, "inject", NULL, hid_set_inject);
    object_class_property_set_description(klass, "inject",
        "write-only: queue one raw input report, given as hex bytes "
        "(report ID first when the descriptor uses IDs)");
    object_class_property_add(klass, "overflows", "uint32",
                              hid_get_overflows, NULL, NULL, NULL);
    object_class_property_set_description(klass, "overflows",
        "reports merged or dropped because a report queue was full");
    object_class_property_add(klass, "leds", "uint8", hid_get_leds,
                              NULL, NULL, NULL);
    object_class_property_set_description(klass, "leds",
        "the keyboard LED output report the guest sent last");
    object_class_property_add(klass, "chardev-dropped", "uint32",
                              hid_get_chardev_dropped, NULL, NULL, NULL);
    object_class_property_set_description(klass, "chardev-dropped",
        "lines for the chardev dropped because its peer did not read");
}

static const TypeInfo hid_info = {
    .name          = TYPE_DEXTBED_USB_HID,
    .parent        = TYPE_USB_DEVICE,
    .instance_size = sizeof(DextbedUsbHidState),
    .class_init    = hid_class_init,
};

static void hid_register_types(void)
{
    type_register_static(&hid_info);
}

type_init(hid_register_types)
