/*
 * qtest smoke test for dextbed-testdev: the overlay's device is compiled in,
 * enumerates on q35's PCI bus, and its registers behave as
 * docs/specs/testdev.md says, including under bad accesses.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "qemu/osdep.h"
#include "libqtest.h"
#include "libqos/pci-pc.h"
#include "hw/pci/pci_regs.h"

#define TESTDEV_SLOT     4
#define TESTDEV_VENDOR   0x1209
#define TESTDEV_DEVICE   0xd0e0
#define TESTDEV_MAGIC    0x44585442
#define TESTDEV_VERSION  0x00010000

#define REG_ID           0x00
#define REG_VERSION      0x04
#define REG_SCRATCH      0x08
#define REG_INVERT       0x0c
#define REG_BAD_ACCESS   0x10

typedef struct Fixture {
    QTestState *qts;
    QPCIBus *bus;
    QPCIDevice *dev;
    QPCIBar bar;
} Fixture;

static void fixture_up(Fixture *f)
{
    f->qts = qtest_init("-machine q35 -device dextbed-testdev,addr=0x4");
    f->bus = qpci_new_pc(f->qts, NULL);
    f->dev = qpci_device_find(f->bus, QPCI_DEVFN(TESTDEV_SLOT, 0));
    g_assert_nonnull(f->dev);
    qpci_device_enable(f->dev);
    f->bar = qpci_iomap(f->dev, 0, NULL);
}

static void fixture_down(Fixture *f)
{
    g_free(f->dev);
    qpci_free_pc(f->bus);
    qtest_quit(f->qts);
}

static void test_identity(void)
{
    Fixture f;

    fixture_up(&f);
    g_assert_cmphex(qpci_config_readw(f.dev, PCI_VENDOR_ID), ==,
                    TESTDEV_VENDOR);
    g_assert_cmphex(qpci_config_readw(f.dev, PCI_DEVICE_ID), ==,
                    TESTDEV_DEVICE);
    g_assert_cmphex(qpci_config_readw(f.dev, PCI_CLASS_DEVICE), ==, 0xff00);
    g_assert_cmphex(qpci_io_readl(f.dev, f.bar, REG_ID), ==, TESTDEV_MAGIC);
    g_assert_cmphex(qpci_io_readl(f.dev, f.bar, REG_VERSION), ==,
                    TESTDEV_VERSION);
    fixture_down(&f);
}

static void test_scratch_and_reset(void)
{
    Fixture f;

    fixture_up(&f);
    g_assert_cmphex(qpci_io_readl(f.dev, f.bar, REG_SCRATCH), ==, 0);
    qpci_io_writel(f.dev, f.bar, REG_SCRATCH, 0x12345678);
    g_assert_cmphex(qpci_io_readl(f.dev, f.bar, REG_SCRATCH), ==, 0x12345678);
    g_assert_cmphex(qpci_io_readl(f.dev, f.bar, REG_INVERT), ==, 0xedcba987);

    /* A system reset returns the device to its reset values. */
    qtest_qmp_assert_success(f.qts, "{'execute': 'system_reset'}");
    qtest_qmp_eventwait(f.qts, "RESET");
    qpci_device_enable(f.dev);
    f.bar = qpci_iomap(f.dev, 0, NULL);
    g_assert_cmphex(qpci_io_readl(f.dev, f.bar, REG_SCRATCH), ==, 0);
    fixture_down(&f);
}

static void test_bad_accesses_survive(void)
{
    Fixture f;

    fixture_up(&f);
    /* Writes to read-only and unknown registers are ignored and counted. */
    qpci_io_writel(f.dev, f.bar, REG_ID, 0xdeadbeef);
    qpci_io_writel(f.dev, f.bar, 0x800, 1);
    g_assert_cmphex(qpci_io_readl(f.dev, f.bar, REG_ID), ==, TESTDEV_MAGIC);
    g_assert_cmpuint(qpci_io_readl(f.dev, f.bar, REG_BAD_ACCESS), ==, 2);
    g_assert_cmpuint(qpci_io_readl(f.dev, f.bar, REG_BAD_ACCESS), ==, 0);

    /* Wrong-size, unaligned and out-of-BAR accesses: QEMU keeps running. */
    qpci_io_writeb(f.dev, f.bar, REG_SCRATCH, 0xff);
    qpci_io_writew(f.dev, f.bar, REG_SCRATCH + 2, 0xffff);
    qpci_io_readb(f.dev, f.bar, REG_ID + 1);
    qpci_io_writel(f.dev, f.bar, 0xffc, 0xffffffff);
    g_assert_cmphex(qpci_io_readl(f.dev, f.bar, REG_SCRATCH), ==, 0);
    g_assert_cmphex(qpci_io_readl(f.dev, f.bar, REG_ID), ==, TESTDEV_MAGIC);
    fixture_down(&f);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    qtest_add_func("/dextbed-testdev/identity", test_identity);
    qtest_add_func("/dextbed-testdev/scratch-and-reset",
                   test_scratch_and_reset);
    qtest_add_func("/dextbed-testdev/bad-accesses", test_bad_accesses_survive);
    return g_test_run();
}
