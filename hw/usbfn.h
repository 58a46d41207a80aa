/*
 * QEMU glue shared by dextbed's USB functions (usb-serial.c, usb-hid.c):
 * mirrors the usbfn core's address, configuration and endpoints into
 * QEMU's USBDevice, and logs refused requests.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#ifndef HW_DEXTBED_USBFN_H
#define HW_DEXTBED_USBFN_H

#include "hw/usb.h"
#include "usbfn-core.h"

/* Speed property values: "low", "full", "high".  Sets *mask or errp. */
bool usbfn_parse_speed(const char *speed, unsigned *mask, Error **errp);

/* The request QEMU hands handle_control, as a setup packet. */
UsbfnSetup usbfn_setup(int request, int value, int index, int length);

/*
 * After the device core answered @st with @r (a length, 0, or USBFN_STALL
 * with @why): set the packet's status and length, log a STALL as a guest
 * error, and mirror address and configuration into @dev.
 */
void usbfn_finish_control(USBDevice *dev, UsbfnState *s, USBPacket *p,
                          const UsbfnSetup *st, int r, const char *why);

/*
 * Check a data packet against the configuration: configured, endpoint
 * exists in that direction, not halted.  On false the packet is STALLed
 * and logged.  *ep_addr gets the endpoint address (number | 0x80 for IN).
 */
bool usbfn_check_data(USBDevice *dev, UsbfnState *s, USBPacket *p,
                      uint8_t *ep_addr);

/* Bus reset / attach: reset the core at the connected speed. */
void usbfn_bus_reset(USBDevice *dev, UsbfnState *s);

/* Mirror address, configuration and endpoints into @dev (after a device
 * core reset itself, or after migration). */
void usbfn_sync(USBDevice *dev, UsbfnState *s);

/* Wake the host controller for endpoint @ep_addr (it NAKed before). */
void usbfn_wakeup(USBDevice *dev, uint8_t ep_addr);

/* VMState of the core's guest-visible part. */
extern const VMStateDescription vmstate_usbfn;

#endif
