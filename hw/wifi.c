/*
 * dextbed-wifi: QEMU glue for the FullMAC PCIe Wi-Fi NIC (PCI, MSI-X/MSI/
 * INTx, DMA, the NIC backend, timers, QOM properties, migration).  The
 * device logic is in wifi-core.c; the contract is docs/specs/wifi.md.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "qemu/osdep.h"
#include "qemu/log.h"
#include "qemu/module.h"
#include "qemu/timer.h"
#include "qapi/error.h"
#include "qapi/visitor.h"
#include "hw/pci/pci_device.h"
#include "hw/pci/pcie.h"
#include "hw/pci/msi.h"
#include "hw/pci/msix.h"
#include "hw/qdev-properties.h"
#include "migration/vmstate.h"
#include "net/net.h"
#include "qom/object.h"
#include "trace.h"
#include "wifi-core.h"

#define TYPE_DEXTBED_WIFI "dextbed-wifi"
OBJECT_DECLARE_SIMPLE_TYPE(DextbedWifiState, DEXTBED_WIFI)

#define WIFI_MSIX_BAR       2
#define WIFI_PM_OFFSET      0xc8
#define WIFI_MSI_OFFSET     0xd0
#define WIFI_PCIE_OFFSET    0xe0

struct DextbedWifiState {
    PCIDevice parent_obj;

    MemoryRegion mmio;
    NICState *nic;
    NICConf conf;
    QEMUTimer *timers[WIFI_TIMER_COUNT];
    WifiCore core;
    bool intx_level;

    /* Properties */
    char *aps;
    uint16_t vendor_id;
    uint16_t device_id;
    uint16_t subsys_vendor_id;
    uint16_t subsys_id;
    uint8_t revision;
};

/* -- core ops ------------------------------------------------------------- */

static bool wifi_dma(DextbedWifiState *s, uint64_t addr, void *buf,
                     size_t len, DMADirection dir)
{
    const char *what = dir == DMA_DIRECTION_TO_DEVICE ? "read" : "write";
    MemTxResult r = pci_dma_rw(PCI_DEVICE(s), addr, buf, len, dir,
                               MEMTXATTRS_UNSPECIFIED);

    trace_dextbed_wifi_dma(what, addr, len, r);
    if (r != MEMTX_OK) {
        qemu_log_mask(LOG_GUEST_ERROR, "%s: DMA %s of %zu bytes at 0x%"
                      PRIx64 " failed\n", TYPE_DEXTBED_WIFI, what, len, addr);
    }
    return r == MEMTX_OK;
}

static bool wifi_dma_read(void *opaque, uint64_t addr, void *buf, size_t len)
{
    return wifi_dma(opaque, addr, buf, len, DMA_DIRECTION_TO_DEVICE);
}

static bool wifi_dma_write(void *opaque, uint64_t addr, const void *buf,
                           size_t len)
{
    return wifi_dma(opaque, addr, (void *)buf, len, DMA_DIRECTION_FROM_DEVICE);
}

static void wifi_send(void *opaque, const uint8_t *frame, size_t len)
{
    DextbedWifiState *s = opaque;

    trace_dextbed_wifi_tx(len);
    qemu_send_packet(qemu_get_queue(s->nic), frame, len);
}

static void wifi_irq(void *opaque, bool level, bool edge)
{
    DextbedWifiState *s = opaque;
    PCIDevice *d = PCI_DEVICE(s);

    if (msix_enabled(d)) {
        if (edge) {
            msix_notify(d, 0);
        }
        level = false;
    } else if (msi_enabled(d)) {
        if (edge) {
            msi_notify(d, 0);
        }
        level = false;
    }
    if (level != s->intx_level) {
        s->intx_level = level;
        pci_set_irq(d, level);
    }
    trace_dextbed_wifi_irq(s->core.int_status, s->core.int_mask, edge);
}

static void wifi_timer_arm(void *opaque, int which, int64_t delay_ns)
{
    DextbedWifiState *s = opaque;

    if (delay_ns < 0) {
        timer_del(s->timers[which]);
    } else {
        timer_mod(s->timers[which],
                  qemu_clock_get_ns(QEMU_CLOCK_VIRTUAL) + delay_ns);
    }
}

static void wifi_rx_ready(void *opaque)
{
    DextbedWifiState *s = opaque;

    qemu_flush_queued_packets(qemu_get_queue(s->nic));
}

static void wifi_link_changed(void *opaque, bool up, uint32_t reason)
{
    trace_dextbed_wifi_link(up, reason);
}

static const WifiCoreOps wifi_core_ops = {
    .dma_read = wifi_dma_read,
    .dma_write = wifi_dma_write,
    .send = wifi_send,
    .irq = wifi_irq,
    .timer = wifi_timer_arm,
    .rx_ready = wifi_rx_ready,
    .link_changed = wifi_link_changed,
};

/*
 * QEMU's re-entrancy guard covers our MMIO handlers only.  Timers and frames
 * arriving from the backend run outside them, so engage it there too: DMA
 * aimed at our own BARs then fails (MEMTX_ACCESS_ERROR) instead of
 * rewriting our registers behind the core's back.
 */
static bool wifi_guard_enter(DextbedWifiState *s)
{
    MemReentrancyGuard *g = &DEVICE(s)->mem_reentrancy_guard;
    bool was = g->engaged_in_io;

    g->engaged_in_io = true;
    return was;
}

static void wifi_guard_exit(DextbedWifiState *s, bool was)
{
    DEVICE(s)->mem_reentrancy_guard.engaged_in_io = was;
}

static void wifi_timer_cb(void *opaque, int which)
{
    DextbedWifiState *s = opaque;
    bool was = wifi_guard_enter(s);

    wifi_core_timer_expired(&s->core, which);
    wifi_guard_exit(s, was);
}

static void wifi_scan_timer(void *opaque)
{
    wifi_timer_cb(opaque, WIFI_TIMER_SCAN);
}

static void wifi_connect_timer(void *opaque)
{
    wifi_timer_cb(opaque, WIFI_TIMER_CONNECT);
}

/* -- MMIO ------------------------------------------------------------------ */

static uint64_t wifi_mmio_read(void *opaque, hwaddr addr, unsigned size)
{
    DextbedWifiState *s = opaque;
    uint32_t val = 0;

    if (size != 4 || (addr & 3)) {
        qemu_log_mask(LOG_GUEST_ERROR, "%s: %u-byte read at 0x%" HWADDR_PRIx
                      " rejected (aligned 32-bit only)\n", TYPE_DEXTBED_WIFI,
                      size, addr);
        wifi_core_bad_access(&s->core);
    } else {
        val = wifi_core_read(&s->core, addr);
    }
    trace_dextbed_wifi_mmio_read(addr, val, size);
    return val;
}

static void wifi_mmio_write(void *opaque, hwaddr addr, uint64_t val,
                            unsigned size)
{
    DextbedWifiState *s = opaque;

    trace_dextbed_wifi_mmio_write(addr, val, size);
    if (size != 4 || (addr & 3)) {
        qemu_log_mask(LOG_GUEST_ERROR, "%s: %u-byte write at 0x%" HWADDR_PRIx
                      " rejected (aligned 32-bit only)\n", TYPE_DEXTBED_WIFI,
                      size, addr);
        wifi_core_bad_access(&s->core);
        return;
    }
    uint32_t before = s->core.bad_access;
    wifi_core_write(&s->core, addr, val);
    if (s->core.bad_access != before) {
        qemu_log_mask(LOG_GUEST_ERROR, "%s: write of 0x%" PRIx64 " to 0x%"
                      HWADDR_PRIx " rejected (read-only, unknown, or not "
                      "allowed now)\n", TYPE_DEXTBED_WIFI, val, addr);
    }
}

/*
 * Accept every size so that bad accesses are counted and logged by the
 * device (the spec promises BAD_ACCESS counts them), rather than dropped by
 * the memory core.
 */
static const MemoryRegionOps wifi_mmio_ops = {
    .read = wifi_mmio_read,
    .write = wifi_mmio_write,
    .endianness = DEVICE_LITTLE_ENDIAN,
    .valid = {
        .min_access_size = 1,
        .max_access_size = 8,
        .unaligned = true,
    },
    .impl = {
        .min_access_size = 1,
        .max_access_size = 8,       /* an 8-byte access is rejected whole */
        .unaligned = true,
    },
};

/* -- net ------------------------------------------------------------------- */

static bool wifi_nc_can_receive(NetClientState *nc)
{
    DextbedWifiState *s = qemu_get_nic_opaque(nc);

    return wifi_core_can_receive(&s->core);
}

static ssize_t wifi_nc_receive(NetClientState *nc, const uint8_t *buf,
                               size_t len)
{
    DextbedWifiState *s = qemu_get_nic_opaque(nc);

    trace_dextbed_wifi_rx(len);
    bool was = wifi_guard_enter(s);
    size_t r = wifi_core_receive(&s->core, buf, len);
    wifi_guard_exit(s, was);
    return r;
}

static NetClientInfo wifi_net_info = {
    .type = NET_CLIENT_DRIVER_NIC,
    .size = sizeof(NICState),
    .can_receive = wifi_nc_can_receive,
    .receive = wifi_nc_receive,
};

/* -- properties -------------------------------------------------------------- */

static char *wifi_get_aps(Object *obj, Error **errp)
{
    DextbedWifiState *s = DEXTBED_WIFI(obj);

    return wifi_core_format_aps(s->core.aps, s->core.n_aps);
}

static void wifi_set_aps(Object *obj, const char *value, Error **errp)
{
    DextbedWifiState *s = DEXTBED_WIFI(obj);
    WifiAp aps[WIFI_MAX_APS];
    uint32_t n;
    char *err = NULL;

    if (!wifi_core_parse_aps(value, aps, &n, &err)) {
        error_setg(errp, "%s: aps: %s", TYPE_DEXTBED_WIFI, err);
        error_append_hint(errp, "Expected entries like ssid=NAME,bssid="
                          "02:00:00:00:00:01,channel=6,rssi=-50,security="
                          "wpa2,passphrase=SECRET separated by ';'\n");
        g_free(err);
        return;
    }
    trace_dextbed_wifi_aps(n);
    wifi_core_set_aps(&s->core, aps, n);
}

static bool wifi_get_deauth(Object *obj, Error **errp)
{
    return false;
}

static void wifi_set_deauth(Object *obj, bool value, Error **errp)
{
    DextbedWifiState *s = DEXTBED_WIFI(obj);

    if (value) {
        wifi_core_deauth(&s->core);
    }
}

/* -- PCI --------------------------------------------------------------------- */

static uint8_t wifi_pm_state(PCIDevice *d)
{
    return pci_get_word(d->config + WIFI_PM_OFFSET + PCI_PM_CTRL) &
           PCI_PM_CTRL_STATE_MASK;
}

static void wifi_write_config(PCIDevice *d, uint32_t addr, uint32_t val,
                              int len)
{
    DextbedWifiState *s = DEXTBED_WIFI(d);
    uint8_t before = wifi_pm_state(d);

    pci_default_write_config(d, addr, val, len);
    uint8_t after = wifi_pm_state(d);
    if (before != after) {
        /* D3hot: radio off, state lost; back to D0: internal reset. */
        trace_dextbed_wifi_power(before, after);
        wifi_core_reset(&s->core);
    }
    if (range_covers_byte(addr, len, PCI_COMMAND) ||
        ranges_overlap(addr, len, d->msix_cap, MSIX_CAP_LENGTH) ||
        ranges_overlap(addr, len, d->msi_cap, 4)) {
        wifi_core_refresh_irq(&s->core);    /* the interrupt mode changed */
    }
}

static void wifi_realize(PCIDevice *pdev, Error **errp)
{
    DextbedWifiState *s = DEXTBED_WIFI(pdev);
    DeviceState *dev = DEVICE(pdev);
    uint8_t *c = pdev->config;

    pci_set_word(c + PCI_VENDOR_ID, s->vendor_id);
    pci_set_word(c + PCI_DEVICE_ID, s->device_id);
    pci_set_word(c + PCI_SUBSYSTEM_VENDOR_ID, s->subsys_vendor_id);
    pci_set_word(c + PCI_SUBSYSTEM_ID, s->subsys_id);
    pci_set_byte(c + PCI_REVISION_ID, s->revision);
    pci_config_set_interrupt_pin(c, 1);

    memory_region_init_io(&s->mmio, OBJECT(s), &wifi_mmio_ops, s,
                          "dextbed-wifi-mmio", WIFI_MMIO_SIZE);
    pci_register_bar(pdev, 0, PCI_BASE_ADDRESS_SPACE_MEMORY |
                     PCI_BASE_ADDRESS_MEM_TYPE_64, &s->mmio);
    if (msix_init_exclusive_bar(pdev, 1, WIFI_MSIX_BAR, errp)) {
        return;
    }
    msix_vector_use(pdev, 0);
    if (msi_init(pdev, WIFI_MSI_OFFSET, 1, true, false, errp)) {
        goto fail_msix;
    }
    if (pci_pm_init(pdev, WIFI_PM_OFFSET, errp) < 0) {
        goto fail_msi;
    }
    /* PM version 3, D0 and D3hot only; No_Soft_Reset clear (D3->D0 resets). */
    pci_set_word(c + WIFI_PM_OFFSET + PCI_PM_PMC, 0x3);
    pci_set_word(pdev->wmask + WIFI_PM_OFFSET + PCI_PM_CTRL,
                 PCI_PM_CTRL_STATE_MASK);
    if (pci_is_express(pdev) &&
        pcie_endpoint_cap_init(pdev, WIFI_PCIE_OFFSET) < 0) {
        error_setg(errp, "%s: cannot add the PCIe capability",
                   TYPE_DEXTBED_WIFI);
        goto fail_msi;
    }

    s->timers[WIFI_TIMER_SCAN] = timer_new_ns(QEMU_CLOCK_VIRTUAL,
                                              wifi_scan_timer, s);
    s->timers[WIFI_TIMER_CONNECT] = timer_new_ns(QEMU_CLOCK_VIRTUAL,
                                                 wifi_connect_timer, s);
    qemu_macaddr_default_if_unset(&s->conf.macaddr);
    s->nic = qemu_new_nic(&wifi_net_info, &s->conf,
                          object_get_typename(OBJECT(s)), dev->id,
                          &dev->mem_reentrancy_guard, s);
    qemu_format_nic_info_str(qemu_get_queue(s->nic), s->conf.macaddr.a);

    /* The environment may have been set before realize; keep it. */
    WifiAp aps[WIFI_MAX_APS];
    uint32_t n_aps = s->core.n_aps;
    memcpy(aps, s->core.aps, sizeof(aps));
    wifi_core_init(&s->core, &wifi_core_ops, s, s->conf.macaddr.a);
    memcpy(s->core.aps, aps, sizeof(aps));
    s->core.n_aps = n_aps;
    return;

fail_msi:
    msi_uninit(pdev);
fail_msix:
    msix_uninit_exclusive_bar(pdev);
}

static void wifi_exit(PCIDevice *pdev)
{
    DextbedWifiState *s = DEXTBED_WIFI(pdev);

    for (int i = 0; i < WIFI_TIMER_COUNT; i++) {
        timer_free(s->timers[i]);
    }
    qemu_del_nic(s->nic);
    if (pci_is_express(pdev)) {
        pcie_cap_exit(pdev);
    }
    msi_uninit(pdev);
    msix_uninit_exclusive_bar(pdev);
}

static void wifi_reset(DeviceState *dev)
{
    DextbedWifiState *s = DEXTBED_WIFI(dev);

    wifi_core_reset(&s->core);
}

static void wifi_instance_init(Object *obj)
{
    DextbedWifiState *s = DEXTBED_WIFI(obj);
    uint32_t n;
    char *err = NULL;
    bool ok = wifi_core_parse_aps(WIFI_DEFAULT_APS, s->core.aps, &n, &err);

    g_assert(ok);           /* the built-in default always parses */
    s->core.n_aps = n;
}

/* A migration stream is input too: refuse state the device cannot reach. */
static int wifi_post_load(void *opaque, int version_id)
{
    DextbedWifiState *s = opaque;
    WifiCore *c = &s->core;
    const WifiRing *rings[2] = { &c->tx, &c->rx };
    const uint32_t enable[2] = { WIFI_CTRL_TX_EN, WIFI_CTRL_RX_EN };

    for (int i = 0; i < 2; i++) {
        const WifiRing *r = rings[i];
        if ((c->ctrl & enable[i]) &&
            (!wifi_core_ring_valid(r) || r->head >= r->size ||
             r->tail >= r->size)) {
            return -EINVAL;
        }
    }
    if (c->ctrl & ~(WIFI_CTRL_TX_EN | WIFI_CTRL_RX_EN) ||
        c->cmd_status > WIFI_CMD_ERROR) {
        return -EINVAL;
    }
    return 0;
}

static const VMStateDescription vmstate_wifi_ring = {
    .name = "dextbed-wifi/ring",
    .version_id = 1,
    .minimum_version_id = 1,
    .fields = (const VMStateField[]) {
        VMSTATE_UINT64(base, WifiRing),
        VMSTATE_UINT32(size, WifiRing),
        VMSTATE_UINT32(head, WifiRing),
        VMSTATE_UINT32(tail, WifiRing),
        VMSTATE_END_OF_LIST()
    },
};

static const VMStateDescription vmstate_wifi = {
    .name = TYPE_DEXTBED_WIFI,
    .version_id = 1,
    .minimum_version_id = 1,
    .post_load = wifi_post_load,
    .fields = (const VMStateField[]) {
        VMSTATE_PCI_DEVICE(parent_obj, DextbedWifiState),
        VMSTATE_MSIX(parent_obj, DextbedWifiState),
        VMSTATE_UINT32(core.ctrl, DextbedWifiState),
        VMSTATE_UINT32(core.status, DextbedWifiState),
        VMSTATE_UINT32(core.int_status, DextbedWifiState),
        VMSTATE_UINT32(core.int_mask, DextbedWifiState),
        VMSTATE_UINT32(core.bad_access, DextbedWifiState),
        VMSTATE_UINT32(core.cmd_status, DextbedWifiState),
        VMSTATE_UINT64(core.scan_buf, DextbedWifiState),
        VMSTATE_UINT32(core.scan_buf_len, DextbedWifiState),
        VMSTATE_UINT32(core.scan_count, DextbedWifiState),
        VMSTATE_UINT32(core.scan_total, DextbedWifiState),
        VMSTATE_UINT64(core.conn_param, DextbedWifiState),
        VMSTATE_UINT32(core.link_reason, DextbedWifiState),
        VMSTATE_UINT8_ARRAY(core.link_bssid, DextbedWifiState, 6),
        VMSTATE_UINT32(core.link_channel, DextbedWifiState),
        VMSTATE_INT32(core.link_rssi, DextbedWifiState),
        VMSTATE_STRUCT(core.tx, DextbedWifiState, 1, vmstate_wifi_ring,
                       WifiRing),
        VMSTATE_STRUCT(core.rx, DextbedWifiState, 1, vmstate_wifi_ring,
                       WifiRing),
        VMSTATE_UINT32_ARRAY(core.stats, DextbedWifiState, WIFI_STAT_COUNT),
        VMSTATE_UINT8_ARRAY(core.conn, DextbedWifiState, WIFI_CONN_PARAM),
        VMSTATE_TIMER_PTR_ARRAY(timers, DextbedWifiState, WIFI_TIMER_COUNT),
        VMSTATE_BOOL(intx_level, DextbedWifiState),
        VMSTATE_END_OF_LIST()
    },
};

static const Property wifi_properties[] = {
    DEFINE_NIC_PROPERTIES(DextbedWifiState, conf),
    DEFINE_PROP_UINT16("vendor-id", DextbedWifiState, vendor_id, 0x1209),
    DEFINE_PROP_UINT16("device-id", DextbedWifiState, device_id, 0xd0e1),
    DEFINE_PROP_UINT16("subsystem-vendor-id", DextbedWifiState,
                       subsys_vendor_id, 0x1209),
    DEFINE_PROP_UINT16("subsystem-id", DextbedWifiState, subsys_id, 0x0001),
    DEFINE_PROP_UINT8("revision", DextbedWifiState, revision, 0x01),
};

static void wifi_class_init(ObjectClass *klass, void *data)
{
    DeviceClass *dc = DEVICE_CLASS(klass);
    PCIDeviceClass *k = PCI_DEVICE_CLASS(klass);

    k->realize = wifi_realize;
    k->exit = wifi_exit;
    k->config_write = wifi_write_config;
    k->vendor_id = 0x1209;
    k->device_id = 0xd0e1;
    k->revision = 0x01;
    k->class_id = 0x0280;           /* network controller, other */
    dc->desc = "dextbed FullMAC Wi-Fi NIC (PCIe)";
    dc->vmsd = &vmstate_wifi;
    device_class_set_legacy_reset(dc, wifi_reset);
    device_class_set_props(dc, wifi_properties);
    set_bit(DEVICE_CATEGORY_NETWORK, dc->categories);

    object_class_property_add_str(klass, "aps", wifi_get_aps, wifi_set_aps);
    object_class_property_set_description(klass, "aps",
        "access points in range: ssid=..,bssid=..,channel=..,rssi=..,"
        "security=open|wpa2[,passphrase=..] entries separated by ';'");
    object_class_property_add_bool(klass, "deauth", wifi_get_deauth,
                                   wifi_set_deauth);
    object_class_property_set_description(klass, "deauth",
        "set to true: the current access point ends the association");
}

static const TypeInfo wifi_info = {
    .name          = TYPE_DEXTBED_WIFI,
    .parent        = TYPE_PCI_DEVICE,
    .instance_size = sizeof(DextbedWifiState),
    .instance_init = wifi_instance_init,
    .class_init    = wifi_class_init,
    .interfaces = (InterfaceInfo[]) {
        { INTERFACE_PCIE_DEVICE },
        { },
    },
};

static void wifi_register_types(void)
{
    type_register_static(&wifi_info);
}

type_init(wifi_register_types)
