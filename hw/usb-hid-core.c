/*
 * dextbed-usb-hid core.  See usb-hid-core.h and docs/specs/usb-hid.md.
 *
 * Every class request is decoded (recipient, interface, wValue, wLength,
 * device state) before it changes anything; anything out of place is a
 * STALL with a reason the glue logs.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "qemu/osdep.h"
#include "usbfn-core.h"
#include "usb-hid-core.h"

#define HID_MOTION_LIMIT    (1 << 24)   /* saturation of pending motion */

/* Boot keyboard: modifiers, reserved, 6 key slots; 5 LED bits out. */
static const uint8_t kbd_report_desc[] = {
    0x05, 0x01,         /* Usage Page (Generic Desktop) */
    0x09, 0x06,         /* Usage (Keyboard) */
    0xa1, 0x01,         /* Collection (Application) */
    0x05, 0x07,         /*   Usage Page (Keyboard/Keypad) */
    0x19, 0xe0,         /*   Usage Minimum (Left Control) */
    0x29, 0xe7,         /*   Usage Maximum (Right GUI) */
    0x15, 0x00,         /*   Logical Minimum (0) */
    0x25, 0x01,         /*   Logical Maximum (1) */
    0x75, 0x01,         /*   Report Size (1) */
    0x95, 0x08,         /*   Report Count (8) */
    0x81, 0x02,         /*   Input (Data, Variable, Absolute) */
    0x95, 0x01,         /*   Report Count (1) */
    0x75, 0x08,         /*   Report Size (8) */
    0x81, 0x01,         /*   Input (Constant) */
    0x95, 0x05,         /*   Report Count (5) */
    0x75, 0x01,         /*   Report Size (1) */
    0x05, 0x08,         /*   Usage Page (LEDs) */
    0x19, 0x01,         /*   Usage Minimum (Num Lock) */
    0x29, 0x05,         /*   Usage Maximum (Kana) */
    0x91, 0x02,         /*   Output (Data, Variable, Absolute) */
    0x95, 0x01,         /*   Report Count (1) */
    0x75, 0x03,         /*   Report Size (3) */
    0x91, 0x01,         /*   Output (Constant) */
    0x95, 0x06,         /*   Report Count (6) */
    0x75, 0x08,         /*   Report Size (8) */
    0x15, 0x00,         /*   Logical Minimum (0) */
    0x26, 0xff, 0x00,   /*   Logical Maximum (255) */
    0x05, 0x07,         /*   Usage Page (Keyboard/Keypad) */
    0x19, 0x00,         /*   Usage Minimum (0) */
    0x2a, 0xff, 0x00,   /*   Usage Maximum (255) */
    0x81, 0x00,         /*   Input (Data, Array, Absolute) */
    0xc0,               /* End Collection */
};

/* Mouse: 3 buttons, X, Y, wheel (boot protocol: the first 3 bytes). */
static const uint8_t mouse_report_desc[] = {
    0x05, 0x01,         /* Usage Page (Generic Desktop) */
    0x09, 0x02,         /* Usage (Mouse) */
    0xa1, 0x01,         /* Collection (Application) */
    0x09, 0x01,         /*   Usage (Pointer) */
    0xa1, 0x00,         /*   Collection (Physical) */
    0x05, 0x09,         /*     Usage Page (Button) */
    0x19, 0x01,         /*     Usage Minimum (1) */
    0x29, 0x03,         /*     Usage Maximum (3) */
    0x15, 0x00,         /*     Logical Minimum (0) */
    0x25, 0x01,         /*     Logical Maximum (1) */
    0x95, 0x03,         /*     Report Count (3) */
    0x75, 0x01,         /*     Report Size (1) */
    0x81, 0x02,         /*     Input (Data, Variable, Absolute) */
    0x95, 0x01,         /*     Report Count (1) */
    0x75, 0x05,         /*     Report Size (5) */
    0x81, 0x01,         /*     Input (Constant) */
    0x05, 0x01,         /*     Usage Page (Generic Desktop) */
    0x09, 0x30,         /*     Usage (X) */
    0x09, 0x31,         /*     Usage (Y) */
    0x09, 0x38,         /*     Usage (Wheel) */
    0x15, 0x81,         /*     Logical Minimum (-127) */
    0x25, 0x7f,         /*     Logical Maximum (127) */
    0x75, 0x08,         /*     Report Size (8) */
    0x95, 0x03,         /*     Report Count (3) */
    0x81, 0x06,         /*     Input (Data, Variable, Relative) */
    0xc0,               /*   End Collection */
    0xc0,               /* End Collection */
};

#define KBD_REPORT_LEN          8
#define MOUSE_BOOT_LEN          3
#define MOUSE_REPORT_LEN        4

/* -- queues --------------------------------------------------------------- */

static bool configured(const HidCore *s)
{
    return s->fn.configuration != 0;
}

static HidIface *iface_of_kind(HidCore *s, uint8_t kind)
{
    for (unsigned i = 0; i < s->n_ifaces; i++) {
        if (s->ifc[i].kind == kind) {
            return &s->ifc[i];
        }
    }
    return NULL;
}

static HidEntry *queue_tail(HidIface *ifc)
{
    return &ifc->queue[(ifc->head + ifc->count - 1) % HID_QUEUE_LEN];
}

/* Append @e; false if the queue is full. */
static bool queue_push(HidIface *ifc, const HidEntry *e)
{
    if (ifc->count == HID_QUEUE_LEN) {
        return false;
    }
    ifc->queue[(ifc->head + ifc->count) % HID_QUEUE_LEN] = *e;
    ifc->count++;
    return true;
}

static void queue_clear(HidCore *s)
{
    for (unsigned i = 0; i < s->n_ifaces; i++) {
        s->ifc[i].head = 0;
        s->ifc[i].count = 0;
        s->ifc[i].have_last = false;
    }
    s->acc_dx = s->acc_dy = s->acc_dw = 0;
    s->queued_buttons = s->buttons;
    s->idle_dirty = (1u << s->n_ifaces) - 1;
}

static int32_t motion_add(int32_t a, int b)
{
    int64_t v = (int64_t)a + b;

    return MAX(MIN(v, HID_MOTION_LIMIT), -HID_MOTION_LIMIT);
}

/* -- keyboard ------------------------------------------------------------- */

static void kbd_report(const HidCore *s, uint8_t *r)
{
    memset(r, 0, KBD_REPORT_LEN);
    r[0] = s->modifiers;
    if (s->n_keys > HID_KBD_ROLLOVER) {
        memset(r + 2, HID_USAGE_ERR_ROLLOVER, HID_KBD_ROLLOVER);
    } else {
        memcpy(r + 2, s->keys, s->n_keys);
    }
}

/* Queue the keyboard state; a full queue's tail becomes the newest state. */
static bool kbd_queue(HidCore *s, HidIface *ifc)
{
    HidEntry e = { .len = KBD_REPORT_LEN };

    if (!configured(s)) {
        return false;
    }
    kbd_report(s, e.data);
    if (!queue_push(ifc, &e)) {
        *queue_tail(ifc) = e;
        ifc->overflows++;
    }
    return true;
}

bool hid_core_key(HidCore *s, unsigned code, bool down)
{
    HidIface *ifc = iface_of_kind(s, HID_KIND_KEYBOARD);
    uint8_t usage = hid_core_usage_of_linux(code);
    unsigned i;

    if (!ifc || !usage) {
        return false;
    }
    if (usage >= 0xe0 && usage <= 0xe7) {
        uint8_t old = s->modifiers;

        if (down) {
            s->modifiers |= 1u << (usage - 0xe0);
        } else {
            s->modifiers &= ~(1u << (usage - 0xe0));
        }
        return s->modifiers != old && kbd_queue(s, ifc);
    }
    for (i = 0; i < s->n_keys && s->keys[i] != usage; i++) {
        continue;
    }
    if (down) {
        if (i < s->n_keys || s->n_keys == HID_KBD_MAX_KEYS) {
            return false;       /* auto-repeat, or beyond what we track */
        }
        s->keys[s->n_keys++] = usage;
    } else {
        if (i == s->n_keys) {
            return false;
        }
        memmove(s->keys + i, s->keys + i + 1, s->n_keys - i - 1);
        s->keys[--s->n_keys] = 0;
    }
    return kbd_queue(s, ifc);
}

/* -- mouse ---------------------------------------------------------------- */

void hid_core_mouse_button(HidCore *s, uint8_t button, bool down)
{
    if (down) {
        s->buttons |= button;
    } else {
        s->buttons &= ~button;
    }
}

void hid_core_mouse_wheel(HidCore *s, int delta)
{
    s->acc_dw = motion_add(s->acc_dw, delta);
}

void hid_core_mouse_move(HidCore *s, int dx, int dy)
{
    s->acc_dx = motion_add(s->acc_dx, dx);
    s->acc_dy = motion_add(s->acc_dy, dy);
}

bool hid_core_mouse_sync(HidCore *s)
{
    HidIface *ifc = iface_of_kind(s, HID_KIND_MOUSE);
    HidEntry e = { .len = MOUSE_REPORT_LEN };

    if (!ifc) {
        return false;
    }
    if (!configured(s) ||
        (!s->acc_dx && !s->acc_dy && !s->acc_dw &&
         s->buttons == s->queued_buttons)) {
        s->acc_dx = s->acc_dy = s->acc_dw = 0;
        s->queued_buttons = s->buttons;
        return false;
    }
    e.data[0] = s->buttons;
    e.dx = s->acc_dx;
    e.dy = s->acc_dy;
    e.dw = s->acc_dw;
    if (!queue_push(ifc, &e)) {
        HidEntry *t = queue_tail(ifc);

        t->data[0] = e.data[0];
        t->dx = motion_add(t->dx, e.dx);
        t->dy = motion_add(t->dy, e.dy);
        t->dw = motion_add(t->dw, e.dw);
        ifc->overflows++;
    }
    s->acc_dx = s->acc_dy = s->acc_dw = 0;
    s->queued_buttons = s->buttons;
    return true;
}

static int8_t motion_take(int32_t *v)
{
    int8_t d = MAX(MIN(*v, 127), -127);

    *v -= d;
    return d;
}

/* -- raw reports ---------------------------------------------------------- */

static HidStored *store_find(HidCore *s, uint8_t type, uint8_t id,
                             bool create)
{
    HidStored *slot;

    for (unsigned i = 0; i < HID_STORE_SLOTS; i++) {
        if (s->store[i].type == type && s->store[i].id == id) {
            return &s->store[i];
        }
    }
    if (!create) {
        return NULL;
    }
    slot = &s->store[s->store_next];
    s->store_next = (s->store_next + 1) % HID_STORE_SLOTS;
    slot->type = type;
    slot->id = id;
    return slot;
}

static void store_set(HidCore *s, uint8_t type, uint8_t id,
                      const uint8_t *data, size_t len)
{
    HidStored *slot = store_find(s, type, id, true);

    slot->len = len;
    memcpy(slot->data, data, len);
}

bool hid_core_inject(HidCore *s, const uint8_t *data, size_t len,
                     char **err)
{
    HidIface *ifc = iface_of_kind(s, HID_KIND_RAW);
    HidEntry e = { 0 };
    uint8_t id;
    unsigned n;

    *err = NULL;
    if (!ifc) {
        *err = g_strdup("this device has no report-descriptor: it is the "
                        "built-in keyboard and mouse, driven by QEMU's "
                        "input layer");
        return false;
    }
    if (len == 0) {
        *err = g_strdup("empty report");
        return false;
    }
    id = s->info.uses_ids ? data[0] : 0;
    n = hid_desc_report_len(&s->info, HID_REPORT_INPUT, id);
    if (n == 0) {
        *err = g_strdup_printf("report ID %u has no input report in the "
                               "report descriptor", id);
        return false;
    }
    if (len != n) {
        *err = g_strdup_printf("input report %u is %u bytes%s, not %zu", id,
                               n, s->info.uses_ids ? " with its ID byte" : "",
                               len);
        return false;
    }
    store_set(s, HID_REPORT_INPUT, id, data, len);
    if (!configured(s)) {
        *err = g_strdup("the guest has not configured the device; report "
                        "dropped");
        return false;
    }
    e.len = len;
    memcpy(e.data, data, len);
    if (!queue_push(ifc, &e)) {
        ifc->overflows++;
        *err = g_strdup_printf("report queue full (%u reports the guest has "
                               "not read); report dropped", HID_QUEUE_LEN);
        return false;
    }
    return true;
}

/* -- interrupt IN and idle ------------------------------------------------ */

int hid_core_iface_of_ep(const HidCore *s, uint8_t ep)
{
    for (unsigned i = 0; i < s->n_ifaces; i++) {
        if (s->ifc[i].ep == ep) {
            return i;
        }
    }
    return -1;
}

int hid_core_poll(HidCore *s, unsigned i, uint8_t *buf, size_t cap)
{
    HidIface *ifc;
    HidEntry *e;
    bool done = true;
    unsigned n;

    if (i >= s->n_ifaces || !configured(s) || !s->ifc[i].count) {
        return 0;
    }
    ifc = &s->ifc[i];
    e = &ifc->queue[ifc->head];
    if (ifc->kind == HID_KIND_MOUSE) {
        n = ifc->protocol == HID_PROTOCOL_BOOT ? MOUSE_BOOT_LEN :
            MOUSE_REPORT_LEN;
        if (cap < n) {
            return HID_POLL_TOO_SMALL;
        }
        buf[0] = e->data[0];
        buf[1] = motion_take(&e->dx);
        buf[2] = motion_take(&e->dy);
        if (n == MOUSE_REPORT_LEN) {
            buf[3] = motion_take(&e->dw);
        } else {
            e->dw = 0;          /* the boot report has no wheel */
        }
        done = !e->dx && !e->dy && !e->dw;
    } else {
        n = e->len;
        if (cap < n) {
            return HID_POLL_TOO_SMALL;
        }
        memcpy(buf, e->data, n);
        ifc->last = *e;
        ifc->have_last = true;
    }
    if (done) {
        ifc->head = (ifc->head + 1) % HID_QUEUE_LEN;
        ifc->count--;
    }
    return n;
}

unsigned hid_core_idle_ms(const HidCore *s, unsigned i)
{
    return i < s->n_ifaces ? s->ifc[i].idle * 4u : 0;
}

bool hid_core_idle_expired(HidCore *s, unsigned i)
{
    HidIface *ifc;
    HidEntry e = { 0 };

    if (i >= s->n_ifaces || !configured(s)) {
        return false;
    }
    ifc = &s->ifc[i];
    if (!ifc->idle || ifc->count || usbfn_ep_halted(&s->fn, ifc->ep)) {
        return false;
    }
    switch (ifc->kind) {
    case HID_KIND_KEYBOARD:
        e.len = KBD_REPORT_LEN;
        kbd_report(s, e.data);
        break;
    case HID_KIND_MOUSE:
        e.len = MOUSE_REPORT_LEN;
        e.data[0] = s->buttons;
        break;
    default:
        if (!ifc->have_last) {
            return false;
        }
        e = ifc->last;
        break;
    }
    return queue_push(ifc, &e);
}

uint32_t hid_core_overflows(const HidCore *s)
{
    uint32_t n = 0;

    for (unsigned i = 0; i < s->n_ifaces; i++) {
        n += s->ifc[i].overflows;
    }
    return n;
}

/* -- class requests ------------------------------------------------------- */

static const uint8_t *report_desc(const HidCore *s, const HidIface *ifc,
                                  uint16_t *len)
{
    switch (ifc->kind) {
    case HID_KIND_KEYBOARD:
        *len = sizeof(kbd_report_desc);
        return kbd_report_desc;
    case HID_KIND_MOUSE:
        *len = sizeof(mouse_report_desc);
        return mouse_report_desc;
    default:
        *len = s->rdesc_len;
        return s->rdesc;
    }
}

/* The 9-byte HID descriptor (HID 1.11 section 6.2.1). */
static void hid_descriptor(uint8_t *d, uint16_t report_len)
{
    d[0] = 9;
    d[1] = HID_DT_HID;
    usbfn_put16(d + 2, 0x0111);     /* bcdHID */
    d[4] = 0;                       /* bCountryCode: not localized */
    d[5] = 1;                       /* bNumDescriptors */
    d[6] = HID_DT_REPORT;
    usbfn_put16(d + 7, report_len);
}

/* GET_DESCRIPTOR with recipient interface: HID or report descriptor. */
static int get_class_descriptor(HidCore *s, const HidIface *ifc,
                                const UsbfnSetup *st, uint8_t *data,
                                size_t cap, const char **why)
{
    uint8_t type = st->value >> 8;
    uint16_t len;
    const uint8_t *rd = report_desc(s, ifc, &len);
    uint8_t hd[9];

    if (!(st->type & USBFN_REQ_DIR_IN) || (st->value & 0xff) != 0) {
        *why = "GET_DESCRIPTOR (interface): not IN, or descriptor index "
               "other than 0";
        return USBFN_STALL;
    }
    switch (type) {
    case HID_DT_HID:
        hid_descriptor(hd, len);
        return usbfn_reply(hd, sizeof(hd), st, data, cap);
    case HID_DT_REPORT:
        return usbfn_reply(rd, len, st, data, cap);
    default:
        *why = "GET_DESCRIPTOR (interface): only HID (0x21) and report "
               "(0x22) descriptors exist";
        return USBFN_STALL;
    }
}

static int get_report(HidCore *s, HidIface *ifc, const UsbfnSetup *st,
                      uint8_t *data, size_t cap, const char **why)
{
    uint8_t type = st->value >> 8, id = st->value & 0xff;
    uint8_t buf[HID_REPORT_MAX] = { 0 };
    const HidStored *slot;
    unsigned n;

    if (st->length == 0) {
        *why = "GET_REPORT: wLength 0";
        return USBFN_STALL;
    }
    if (ifc->kind != HID_KIND_RAW && id != 0) {
        *why = "GET_REPORT: report ID other than 0 (this interface uses no "
               "report IDs)";
        return USBFN_STALL;
    }
    switch (ifc->kind) {
    case HID_KIND_KEYBOARD:
        if (type == HID_REPORT_INPUT) {
            kbd_report(s, buf);
            n = KBD_REPORT_LEN;
        } else if (type == HID_REPORT_OUTPUT) {
            buf[0] = s->leds;
            n = 1;
        } else {
            *why = "GET_REPORT: the keyboard has only input and output "
                   "reports";
            return USBFN_STALL;
        }
        break;
    case HID_KIND_MOUSE:
        if (type != HID_REPORT_INPUT) {
            *why = "GET_REPORT: the mouse has only an input report";
            return USBFN_STALL;
        }
        buf[0] = s->buttons;
        n = ifc->protocol == HID_PROTOCOL_BOOT ? MOUSE_BOOT_LEN :
            MOUSE_REPORT_LEN;
        break;
    default:
        n = hid_desc_report_len(&s->info, type, id);
        if (n == 0) {
            *why = "GET_REPORT: the report descriptor declares no such "
                   "report type and ID";
            return USBFN_STALL;
        }
        slot = store_find(s, type, id, false);
        if (slot && slot->len == n) {
            memcpy(buf, slot->data, n);
        } else {
            buf[0] = id;        /* never set: zeros after the ID, if any */
        }
        break;
    }
    return usbfn_reply(buf, n, st, data, cap);
}

static int set_report(HidCore *s, HidIface *ifc, const UsbfnSetup *st,
                      const uint8_t *data, const char **why)
{
    uint8_t type = st->value >> 8, id = st->value & 0xff;
    unsigned n;

    if (ifc->kind == HID_KIND_MOUSE) {
        *why = "SET_REPORT: the mouse has no output or feature report";
        return USBFN_STALL;
    }
    if (type == HID_REPORT_INPUT) {
        *why = "SET_REPORT: input reports are read-only";
        return USBFN_STALL;
    }
    if (ifc->kind == HID_KIND_KEYBOARD) {
        if (type != HID_REPORT_OUTPUT || id != 0 || st->length != 1) {
            *why = "SET_REPORT: the keyboard takes only its 1-byte LED "
                   "output report, ID 0";
            return USBFN_STALL;
        }
        s->leds = data[0] & 0x1f;
        n = 1;
    } else {
        n = hid_desc_report_len(&s->info, type, id);
        if (n == 0) {
            *why = "SET_REPORT: the report descriptor declares no such "
                   "report type and ID";
            return USBFN_STALL;
        }
        if (st->length != n) {
            *why = "SET_REPORT: wLength differs from the report's size";
            return USBFN_STALL;
        }
        if (id && data[0] != id) {
            *why = "SET_REPORT: first byte differs from the report ID in "
                   "wValue";
            return USBFN_STALL;
        }
        store_set(s, type, id, data, n);
    }
    if (s->ops && s->ops->output) {
        s->ops->output(s->opaque, type, data, n);
    }
    return 0;
}

/* A request the HID class defines (HID 1.11 section 7.2). */
static int class_request(HidCore *s, HidIface *ifc, unsigned i,
                         const UsbfnSetup *st, uint8_t *data, size_t cap,
                         const char **why)
{
    bool in = st->type & USBFN_REQ_DIR_IN;
    bool boot = ifc->kind != HID_KIND_RAW;

    switch (st->request) {
    case HID_GET_REPORT:
        if (!in) {
            break;
        }
        return get_report(s, ifc, st, data, cap, why);
    case HID_SET_REPORT:
        if (in) {
            break;
        }
        return set_report(s, ifc, st, data, why);
    case HID_GET_IDLE:
        if (!in || st->value != 0 || st->length != 1) {
            *why = "GET_IDLE: not IN, report ID other than 0, or wLength "
                   "other than 1";
            return USBFN_STALL;
        }
        data[0] = ifc->idle;
        return cap ? 1 : 0;
    case HID_SET_IDLE:
        if (in || (st->value & 0xff) != 0 || st->length != 0) {
            *why = "SET_IDLE: not OUT, report ID other than 0, or wLength "
                   "other than 0";
            return USBFN_STALL;
        }
        ifc->idle = st->value >> 8;
        s->idle_dirty |= 1u << i;
        return 0;
    case HID_GET_PROTOCOL:
        if (!in || !boot || st->value != 0 || st->length != 1) {
            *why = "GET_PROTOCOL: not IN, not a boot interface, wValue other "
                   "than 0, or wLength other than 1";
            return USBFN_STALL;
        }
        data[0] = ifc->protocol;
        return cap ? 1 : 0;
    case HID_SET_PROTOCOL:
        if (in || !boot || st->value > HID_PROTOCOL_REPORT ||
            st->length != 0) {
            *why = "SET_PROTOCOL: not OUT, not a boot interface, wValue "
                   "other than 0 or 1, or wLength other than 0";
            return USBFN_STALL;
        }
        ifc->protocol = st->value;
        return 0;
    default:
        *why = "unknown HID class request";
        return USBFN_STALL;
    }
    *why = "HID class request with the wrong direction";
    return USBFN_STALL;
}

/* Everything usbfn left to the HID function. */
static int hid_request(HidCore *s, const UsbfnSetup *st, uint8_t *data,
                       size_t cap, const char **why)
{
    uint8_t kind = st->type & USBFN_REQ_TYPE_MASK;
    HidIface *ifc;

    if ((st->type & USBFN_REQ_RECIP_MASK) != USBFN_RECIP_INTERFACE) {
        *why = "class or vendor request not addressed to an interface";
        return USBFN_STALL;
    }
    if (st->index >= s->n_ifaces) {
        *why = "no such interface";
        return USBFN_STALL;
    }
    ifc = &s->ifc[st->index];
    if (kind == USBFN_REQ_STANDARD) {
        /* usbfn passes on only GET_DESCRIPTOR to an interface. */
        return get_class_descriptor(s, ifc, st, data, cap, why);
    }
    if (kind != USBFN_REQ_CLASS) {
        *why = "vendor or reserved request type";
        return USBFN_STALL;
    }
    if (!configured(s)) {
        *why = "HID class request before SET_CONFIGURATION";
        return USBFN_STALL;
    }
    return class_request(s, ifc, st->index, st, data, cap, why);
}

int hid_core_control(HidCore *s, const UsbfnSetup *st, uint8_t *data,
                     size_t cap, const char **why)
{
    uint8_t old_config = s->fn.configuration;
    int r = usbfn_control(&s->fn, st, data, cap, why);

    if (r != USBFN_NOT_MINE) {
        if (s->fn.configuration != old_config) {
            queue_clear(s);
        }
        return r;
    }
    *why = NULL;
    r = hid_request(s, st, data, cap, why);
    if (r == USBFN_STALL) {
        s->fn.stalls++;
    }
    return r;
}

/* -- lifecycle ------------------------------------------------------------ */

static void iface_config(UsbfnInterface *u, uint8_t subclass,
                         uint8_t protocol, uint8_t ep, uint16_t mps,
                         uint8_t interval, uint16_t report_len)
{
    u->cls = 3;                     /* HID */
    u->subclass = subclass;
    u->protocol = protocol;
    u->extra_len = 9;
    hid_descriptor(u->extra, report_len);
    u->n_eps = 1;
    u->eps[0].address = ep;
    u->eps[0].type = USBFN_EP_INTR;
    u->eps[0].mps_full = mps;
    u->eps[0].mps_high = mps;
    u->eps[0].interval_ms = interval;
}

bool hid_core_init(HidCore *s, const HidCoreParams *p, const HidCoreOps *ops,
                   void *opaque, char **err)
{
    UsbfnConfig cfg = { 0 };
    bool low = p->speed_mask & USBFN_SPEED_MASK(USBFN_SPEED_LOW);

    memset(s, 0, sizeof(*s));
    *err = NULL;
    if (p->interval_ms < 1 || p->interval_ms > 255) {
        *err = g_strdup_printf("interval %u ms is out of range; use 1 to "
                               "255", p->interval_ms);
        return false;
    }
    if (low && p->interval_ms < 10) {
        *err = g_strdup_printf("interval %u ms is too short for low speed, "
                               "which polls every 10 to 255 ms",
                               p->interval_ms);
        return false;
    }
    cfg.vid = p->vid;
    cfg.pid = p->pid;
    cfg.bcd_device = p->bcd_device;
    cfg.max_power_ma = 100;
    cfg.strings[1] = p->manufacturer;
    cfg.strings[2] = p->product;
    cfg.strings[3] = p->serial;
    cfg.imanufacturer = 1;
    cfg.iproduct = 2;
    cfg.iserial = 3;

    if (p->rdesc) {
        if (!hid_desc_validate(p->rdesc, p->rdesc_len, &s->info, err)) {
            return false;
        }
        if (low && s->info.max_input > 8) {
            *err = g_strdup_printf("low speed allows interrupt packets of at "
                                   "most 8 bytes, but the largest input "
                                   "report is %u bytes", s->info.max_input);
            return false;
        }
        memcpy(s->rdesc, p->rdesc, p->rdesc_len);
        s->rdesc_len = p->rdesc_len;
        s->n_ifaces = 1;
        s->ifc[0].kind = HID_KIND_RAW;
        s->ifc[0].ep = 0x81;
        iface_config(&cfg.ifaces[0], 0, 0, 0x81, s->info.max_input,
                     p->interval_ms, s->rdesc_len);
    } else {
        s->n_ifaces = 2;
        s->ifc[0].kind = HID_KIND_KEYBOARD;
        s->ifc[0].ep = 0x81;
        s->ifc[0].default_idle = 125;       /* 500 ms */
        s->ifc[1].kind = HID_KIND_MOUSE;
        s->ifc[1].ep = 0x82;
        iface_config(&cfg.ifaces[0], 1, 1, 0x81, KBD_REPORT_LEN,
                     p->interval_ms, sizeof(kbd_report_desc));
        iface_config(&cfg.ifaces[1], 1, 2, 0x82, MOUSE_REPORT_LEN,
                     p->interval_ms, sizeof(mouse_report_desc));
    }
    cfg.n_ifaces = s->n_ifaces;
    if (!usbfn_init(&s->fn, &cfg, p->speed_mask, err)) {
        return false;
    }
    s->ops = ops;
    s->opaque = opaque;
    hid_core_reset(s, s->fn.speed);
    return true;
}

void hid_core_reset(HidCore *s, uint8_t speed)
{
    usbfn_reset(&s->fn, speed);
    for (unsigned i = 0; i < s->n_ifaces; i++) {
        s->ifc[i].protocol = HID_PROTOCOL_REPORT;
        s->ifc[i].idle = s->ifc[i].default_idle;
    }
    queue_clear(s);
    s->leds = 0;
    memset(s->store, 0, sizeof(s->store));
    s->store_next = 0;
}

bool hid_core_state_valid(const HidCore *s)
{
    if (s->n_keys > HID_KBD_MAX_KEYS || s->store_next >= HID_STORE_SLOTS) {
        return false;
    }
    for (unsigned i = 0; i < s->n_ifaces; i++) {
        const HidIface *ifc = &s->ifc[i];

        if (ifc->head >= HID_QUEUE_LEN || ifc->count > HID_QUEUE_LEN ||
            ifc->protocol > HID_PROTOCOL_REPORT ||
            ifc->last.len > HID_REPORT_MAX) {
            return false;
        }
        for (unsigned q = 0; q < HID_QUEUE_LEN; q++) {
            if (ifc->queue[q].len > HID_REPORT_MAX) {
                return false;
            }
        }
    }
    for (unsigned i = 0; i < HID_STORE_SLOTS; i++) {
        if (s->store[i].len > HID_REPORT_MAX) {
            return false;
        }
    }
    return true;
}
