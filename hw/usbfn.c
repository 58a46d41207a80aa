/*
 * QEMU glue shared by dextbed's USB functions.  See usbfn.h.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "qemu/osdep.h"
#include "qemu/log.h"
#include "qapi/error.h"
#include "migration/vmstate.h"
#include "hw/usb.h"
#include "trace.h"
#include "usbfn.h"

bool usbfn_parse_speed(const char *speed, unsigned *mask, Error **errp)
{
    if (!speed || !strcmp(speed, "full")) {
        *mask = USBFN_SPEED_MASK(USBFN_SPEED_FULL);
    } else if (!strcmp(speed, "high")) {
        *mask = USBFN_SPEED_MASK(USBFN_SPEED_HIGH) |
                USBFN_SPEED_MASK(USBFN_SPEED_FULL);
    } else if (!strcmp(speed, "low")) {
        *mask = USBFN_SPEED_MASK(USBFN_SPEED_LOW);
    } else {
        error_setg(errp, "speed '%s' is not possible for this device; "
                   "use low, full or high", speed);
        return false;
    }
    return true;
}

UsbfnSetup usbfn_setup(int request, int value, int index, int length)
{
    UsbfnSetup st = {
        .type = (request >> 8) & 0xff,
        .request = request & 0xff,
        .value = value,
        .index = index,
        .length = length,
    };
    return st;
}

/* Tell QEMU's USB layer about the endpoints of the current configuration. */
static void sync_endpoints(USBDevice *dev, UsbfnState *s)
{
    usb_ep_reset(dev);
    if (!s->configuration) {
        return;
    }
    for (unsigned i = 0; i < s->cfg.n_ifaces; i++) {
        const UsbfnInterface *ifc = &s->cfg.ifaces[i];

        for (unsigned e = 0; e < ifc->n_eps; e++) {
            const UsbfnEndpoint *ep = &ifc->eps[e];
            int pid = ep->address & USBFN_DIR_IN ? USB_TOKEN_IN : USB_TOKEN_OUT;
            int nr = ep->address & 0x0f;

            usb_ep_set_type(dev, pid, nr, ep->type);
            usb_ep_set_ifnum(dev, pid, nr, i);
            usb_ep_set_max_packet_size(dev, pid, nr,
                                       usbfn_ep_mps(s, ep->address));
        }
    }
}

void usbfn_finish_control(USBDevice *dev, UsbfnState *s, USBPacket *p,
                          const UsbfnSetup *st, int r, const char *why)
{
    uint8_t old_config = dev->configuration;

    trace_dextbed_usbfn_control(dev->product_desc, st->type, st->request,
                                st->value, st->index, st->length, r);
    if (r < 0) {
        qemu_log_mask(LOG_GUEST_ERROR, "%s: STALL bmRequestType 0x%02x "
                      "bRequest 0x%02x wValue 0x%04x wIndex 0x%04x "
                      "wLength %u: %s\n", dev->product_desc, st->type,
                      st->request, st->value, st->index, st->length,
                      why ? why : "unsupported request");
        p->status = USB_RET_STALL;
        return;
    }
    p->status = USB_RET_SUCCESS;
    if (st->type & USBFN_REQ_DIR_IN) {
        p->actual_length = r;
    }
    dev->addr = s->address;
    dev->configuration = s->configuration;
    if (old_config != s->configuration ||
        (st->type == 0x01 && st->request == USBFN_SET_INTERFACE)) {
        sync_endpoints(dev, s);
    }
}

bool usbfn_check_data(USBDevice *dev, UsbfnState *s, USBPacket *p,
                      uint8_t *ep_addr)
{
    uint8_t addr = p->ep->nr | (p->pid == USB_TOKEN_IN ? USBFN_DIR_IN : 0);
    const char *why = NULL;

    *ep_addr = addr;
    if (!s->configuration) {
        why = "device is not configured";
    } else if (!usbfn_find_ep(s, addr, NULL)) {
        why = "no such endpoint in this direction";
    } else if (usbfn_ep_halted(s, addr)) {
        /* A halted endpoint STALLs by definition; not a guest error. */
        p->status = USB_RET_STALL;
        return false;
    }
    if (why) {
        qemu_log_mask(LOG_GUEST_ERROR, "%s: STALL transfer on endpoint "
                      "0x%02x: %s\n", dev->product_desc, addr, why);
        s->stalls++;
        p->status = USB_RET_STALL;
        return false;
    }
    return true;
}

void usbfn_sync(USBDevice *dev, UsbfnState *s)
{
    dev->addr = s->address;
    dev->configuration = s->configuration;
    sync_endpoints(dev, s);
}

void usbfn_bus_reset(USBDevice *dev, UsbfnState *s)
{
    usbfn_reset(s, dev->speed);
    usbfn_sync(dev, s);
}

void usbfn_wakeup(USBDevice *dev, uint8_t ep_addr)
{
    if (!dev->attached) {
        return;
    }
    usb_wakeup(usb_ep_get(dev, ep_addr & USBFN_DIR_IN ? USB_TOKEN_IN :
                          USB_TOKEN_OUT, ep_addr & 0x0f), 0);
}

const VMStateDescription vmstate_usbfn = {
    .name = "dextbed-usbfn",
    .version_id = 1,
    .minimum_version_id = 1,
    .fields = (const VMStateField[]) {
        VMSTATE_UINT8(speed, UsbfnState),
        VMSTATE_UINT8(address, UsbfnState),
        VMSTATE_UINT8(configuration, UsbfnState),
        VMSTATE_UINT8(remote_wakeup, UsbfnState),
        VMSTATE_UINT32(halted, UsbfnState),
        VMSTATE_UINT32(stalls, UsbfnState),
        VMSTATE_END_OF_LIST()
    },
};
