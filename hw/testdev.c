/*
 * dextbed-testdev: a minimal PCI device that proves the dextbed overlay is
 * compiled into QEMU.  Register map: docs/specs/testdev.md.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "qemu/osdep.h"
#include "qemu/log.h"
#include "qemu/module.h"
#include "hw/pci/pci_device.h"
#include "hw/qdev-properties.h"
#include "hw/registerfields.h"
#include "migration/vmstate.h"
#include "qom/object.h"
#include "trace.h"

#define TYPE_DEXTBED_TESTDEV "dextbed-testdev"
OBJECT_DECLARE_SIMPLE_TYPE(DextbedTestdevState, DEXTBED_TESTDEV)

#define DEXTBED_PCI_VENDOR_ID   0x1209  /* pid.codes test vendor */
#define DEXTBED_TESTDEV_DEVICE  0xd0e0
#define DEXTBED_TESTDEV_BAR_SIZE 0x1000

#define DEXTBED_TESTDEV_MAGIC   0x44585442  /* "DXTB" */
#define DEXTBED_TESTDEV_VERSION 0x00010000  /* 1.0 */

REG32(ID, 0x00)         /* RO: DEXTBED_TESTDEV_MAGIC */
REG32(VERSION, 0x04)    /* RO: major << 16 | minor */
REG32(SCRATCH, 0x08)    /* RW: any value, reset 0 */
REG32(INVERT, 0x0c)     /* RO: ~SCRATCH, proves the write reached the model */
REG32(BAD_ACCESS, 0x10) /* RC: count of rejected accesses, cleared on read */

struct DextbedTestdevState {
    PCIDevice parent_obj;

    MemoryRegion mmio;
    uint32_t scratch;
    uint32_t bad_access;
};

static void testdev_bad_access(DextbedTestdevState *s, const char *what,
                               hwaddr addr)
{
    qemu_log_mask(LOG_GUEST_ERROR, "%s: %s at offset 0x%" HWADDR_PRIx "\n",
                  TYPE_DEXTBED_TESTDEV, what, addr);
    if (s->bad_access < UINT32_MAX) {
        s->bad_access++;
    }
}

static uint64_t testdev_read(void *opaque, hwaddr addr, unsigned size)
{
    DextbedTestdevState *s = opaque;
    uint64_t val = 0;

    switch (addr) {
    case A_ID:
        val = DEXTBED_TESTDEV_MAGIC;
        break;
    case A_VERSION:
        val = DEXTBED_TESTDEV_VERSION;
        break;
    case A_SCRATCH:
        val = s->scratch;
        break;
    case A_INVERT:
        val = ~s->scratch;
        break;
    case A_BAD_ACCESS:
        val = s->bad_access;
        s->bad_access = 0;
        break;
    default:
        testdev_bad_access(s, "read of unknown register", addr);
        break;
    }
    trace_dextbed_testdev_read(addr, val, size);
    return val;
}

static void testdev_write(void *opaque, hwaddr addr, uint64_t val,
                          unsigned size)
{
    DextbedTestdevState *s = opaque;

    trace_dextbed_testdev_write(addr, val, size);
    switch (addr) {
    case A_SCRATCH:
        s->scratch = val;
        break;
    case A_ID:
    case A_VERSION:
    case A_INVERT:
    case A_BAD_ACCESS:
        testdev_bad_access(s, "write to read-only register", addr);
        break;
    default:
        testdev_bad_access(s, "write to unknown register", addr);
        break;
    }
}

static const MemoryRegionOps testdev_mmio_ops = {
    .read = testdev_read,
    .write = testdev_write,
    .endianness = DEVICE_LITTLE_ENDIAN,
    /* Only aligned 32-bit accesses reach the handlers. */
    .valid = {
        .min_access_size = 4,
        .max_access_size = 4,
        .unaligned = false,
    },
    .impl = {
        .min_access_size = 4,
        .max_access_size = 4,
    },
};

static void testdev_realize(PCIDevice *pdev, Error **errp)
{
    DextbedTestdevState *s = DEXTBED_TESTDEV(pdev);

    memory_region_init_io(&s->mmio, OBJECT(s), &testdev_mmio_ops, s,
                          "dextbed-testdev-mmio", DEXTBED_TESTDEV_BAR_SIZE);
    pci_register_bar(pdev, 0, PCI_BASE_ADDRESS_SPACE_MEMORY, &s->mmio);
}

static void testdev_reset(DeviceState *dev)
{
    DextbedTestdevState *s = DEXTBED_TESTDEV(dev);

    s->scratch = 0;
    s->bad_access = 0;
}

static const VMStateDescription vmstate_testdev = {
    .name = TYPE_DEXTBED_TESTDEV,
    .version_id = 1,
    .minimum_version_id = 1,
    .fields = (const VMStateField[]) {
        VMSTATE_PCI_DEVICE(parent_obj, DextbedTestdevState),
        VMSTATE_UINT32(scratch, DextbedTestdevState),
        VMSTATE_UINT32(bad_access, DextbedTestdevState),
        VMSTATE_END_OF_LIST()
    },
};

static void testdev_class_init(ObjectClass *klass, void *data)
{
    DeviceClass *dc = DEVICE_CLASS(klass);
    PCIDeviceClass *k = PCI_DEVICE_CLASS(klass);

    k->realize = testdev_realize;
    k->vendor_id = DEXTBED_PCI_VENDOR_ID;
    k->device_id = DEXTBED_TESTDEV_DEVICE;
    k->revision = 0x01;
    k->class_id = 0xff00;   /* base class 0xff: fits no defined class */
    dc->desc = "dextbed test device (overlay smoke test)";
    dc->vmsd = &vmstate_testdev;
    device_class_set_legacy_reset(dc, testdev_reset);
    set_bit(DEVICE_CATEGORY_MISC, dc->categories);
}

static const TypeInfo testdev_info = {
    .name          = TYPE_DEXTBED_TESTDEV,
    .parent        = TYPE_PCI_DEVICE,
    .instance_size = sizeof(DextbedTestdevState),
    .class_init    = testdev_class_init,
    .interfaces = (InterfaceInfo[]) {
        { INTERFACE_CONVENTIONAL_PCI_DEVICE },
        { },
    },
};

static void testdev_register_types(void)
{
    type_register_static(&testdev_info);
}

type_init(testdev_register_types)
