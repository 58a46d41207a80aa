# dextbed's device configuration for qemu-system-x86_64: only what the
# emulated machine needs.  Overlaid as configs/devices/x86_64-softmmu/dextbed.mak
# and selected with --without-default-devices --with-devices-x86_64=dextbed.

CONFIG_Q35=y
# COM1 (console) and COM2 (control channel) are ISA 16550s, selected by PC.
CONFIG_SERIAL_ISA=y
# isa-debug-exit lets a guest end QEMU with a status (tests, benchmarks).
CONFIG_ISA_DEBUG=y
# qemu-xhci, the host controller the USB devices attach to.
CONFIG_USB_XHCI_PCI=y
# dextbed's own devices.
CONFIG_DEXTBED_TESTDEV=y
CONFIG_DEXTBED_WIFI=y
CONFIG_DEXTBED_USB_SERIAL=y
CONFIG_DEXTBED_USB_HID=y
