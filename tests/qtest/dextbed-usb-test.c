/*
 * qtest for dextbed's USB devices on qemu-xhci: dextbed-usb-serial
 * (docs/specs/usb-serial.md) and dextbed-usb-hid (docs/specs/usb-hid.md).
 *
 * What a user notices without a guest driver: hot-plug and unplug with
 * QMP device_add / device_del (repeated, and fast), the xHCI root-hub
 * port status (PORTSC: connect status, connect status change, port
 * speed), `info usb`, the identity properties through QOM, the realize
 * errors for impossible properties, and the serial device's run-time
 * `line-event` property.
 *
 * The HID tests skip when the dextbed-usb-hid type is not built.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "qemu/osdep.h"
#include <sys/socket.h>
#include <sys/un.h>
#include "qemu/host-utils.h"
#include "libqtest.h"
#include "libqos/pci.h"
#include "libqos/pci-pc.h"
#include "qobject/qdict.h"
#include "qobject/qjson.h"
#include "qobject/qstring.h"
#include "qapi/error.h"

#define SERIAL_TYPE         "dextbed-usb-serial"
#define HID_TYPE            "dextbed-usb-hid"
#define SERIAL_PRODUCT      "dextbed USB serial"    /* spec: `product` */
#define SERIAL_VID          0x1209
#define SERIAL_PID          0xd0e1
/*
 * `info usb` names a device by QEMU's product description.  For the HID
 * device accept its USB product string as well as its class description,
 * as long as docs/specs/usb-hid.md does not say which.
 */
#define HID_PRODUCT         "dextbed HID keyboard and mouse|dextbed USB HID"
#define HID_PRODUCT_CUSTOM  "dextbed HID device|dextbed USB HID"

#define N_CHARDEVS          4
#define CYCLES              20
#define FAST_CYCLES         100

/* qemu-xhci */
#define XHCI_VENDOR         0x1b36
#define XHCI_DEVICE         0x000d
#define XHCI_CAPLENGTH      0x00
#define XHCI_HCSPARAMS1     0x04
#define XHCI_PORTSC(n)      (0x400 + 0x10 * ((n) - 1))   /* op-relative */

#define PORTSC_CCS          (1u << 0)
#define PORTSC_PP           (1u << 9)
#define PORTSC_SPEED_SHIFT  10
#define PORTSC_SPEED_MASK   (0xfu << PORTSC_SPEED_SHIFT)
#define PORTSC_CSC          (1u << 17)

/* xHCI 1.2, 7.2.2.1.1: default Protocol Speed IDs of a USB 2 port */
#define PSI_FULL            1
#define PSI_LOW             2
#define PSI_HIGH            3

typedef struct Fixture {
    QTestState *qts;
    QPCIBus *bus;
    QPCIDevice *xhci;
    QPCIBar bar;
    uint32_t op;            /* operational registers: BAR0 + CAPLENGTH */
    unsigned nports;
} Fixture;

/* -- machine --------------------------------------------------------------- */

static void find_xhci(QPCIDevice *dev, int devfn, void *data)
{
    QPCIDevice **found = data;

    if (*found) {
        g_free(dev);
    } else {
        *found = dev;
    }
}

static void fixture_up_args(Fixture *f, const char *extra)
{
    GString *cmd = g_string_new("-M q35 -nodefaults "
                                "-device qemu-xhci,id=xhci");
    int i;

    for (i = 0; i < N_CHARDEVS; i++) {
        g_string_append_printf(cmd, " -chardev null,id=c%d", i);
    }
    if (extra) {
        g_string_append_printf(cmd, " %s", extra);
    }
    memset(f, 0, sizeof(*f));
    f->qts = qtest_init(cmd->str);
    g_string_free(cmd, true);

    f->bus = qpci_new_pc(f->qts, NULL);
    qpci_device_foreach(f->bus, XHCI_VENDOR, XHCI_DEVICE, find_xhci,
                        &f->xhci);
    g_assert_nonnull(f->xhci);
    qpci_device_enable(f->xhci);
    f->bar = qpci_iomap(f->xhci, 0, NULL);
    f->op = qpci_io_readl(f->xhci, f->bar, XHCI_CAPLENGTH) & 0xff;
    g_assert_cmpuint(f->op, >=, 0x20);
    f->nports = qpci_io_readl(f->xhci, f->bar, XHCI_HCSPARAMS1) >> 24;
    g_assert_cmpuint(f->nports, >=, 2);
    g_assert_cmpuint(f->nports, <=, 31);   /* a bit per port, 1-based */
}

static void fixture_up(Fixture *f)
{
    fixture_up_args(f, NULL);
}

static void fixture_down(Fixture *f)
{
    g_free(f->xhci);
    qpci_free_pc(f->bus);
    qtest_quit(f->qts);
}

/* g_test_skip and true when the HID device is not built (yet). */
static bool hid_missing(void)
{
    if (!qtest_has_device(HID_TYPE)) {
        g_test_skip(HID_TYPE " is not built");
        return true;
    }
    return false;
}

/* -- xHCI root hub --------------------------------------------------------- */

static uint32_t portsc(Fixture *f, unsigned port)
{
    g_assert_cmpuint(port, >=, 1);
    g_assert_cmpuint(port, <=, f->nports);
    return qpci_io_readl(f->xhci, f->bar, f->op + XHCI_PORTSC(port));
}

static unsigned port_speed(uint32_t sc)
{
    return (sc & PORTSC_SPEED_MASK) >> PORTSC_SPEED_SHIFT;
}

/* Bit n set: port n has a device connected (CCS). */
static uint32_t connected_ports(Fixture *f)
{
    uint32_t mask = 0;
    unsigned n;

    for (n = 1; n <= f->nports; n++) {
        if (portsc(f, n) & PORTSC_CCS) {
            mask |= 1u << n;
        }
    }
    return mask;
}

/* Acknowledge every connect status change (CSC is write-1-to-clear). */
static void clear_csc(Fixture *f)
{
    unsigned n;

    for (n = 1; n <= f->nports; n++) {
        if (portsc(f, n) & PORTSC_CSC) {
            qpci_io_writel(f->xhci, f->bar, f->op + XHCI_PORTSC(n),
                           PORTSC_PP | PORTSC_CSC);
        }
        g_assert_cmphex(portsc(f, n) & PORTSC_CSC, ==, 0);
    }
}

/* -- QMP / HMP ------------------------------------------------------------- */

/* device_add with @args (consumed); fails the test on an error. */
static void dev_add_args_ok(Fixture *f, QDict *args)
{
    QDict *resp = qtest_qmp(f->qts, "{'execute': 'device_add', "
                            "'arguments': %p}", args);

    if (qdict_haskey(resp, "error")) {
        g_test_message("device_add failed: %s",
                       qdict_get_str(qdict_get_qdict(resp, "error"), "desc"));
    }
    g_assert(!qdict_haskey(resp, "error"));
    qobject_unref(resp);
}

/* device_add with the arguments @fmt (JSON, with %-interpolation). */
static void G_GNUC_PRINTF(2, 3) dev_add_ok(Fixture *f, const char *fmt, ...)
{
    va_list ap;
    QDict *args;

    va_start(ap, fmt);
    args = qdict_from_vjsonf_nofail(fmt, ap);
    va_end(ap);
    dev_add_args_ok(f, args);
}

/* device_add with the arguments @json (plain JSON text, no interpolation). */
static void dev_add_json_ok(Fixture *f, const char *json)
{
    QDict *args = qobject_to(QDict, qobject_from_json(json, &error_abort));

    g_assert_nonnull(args);
    dev_add_args_ok(f, args);
}

/* device_add that must fail; returns the error message. */
static char * G_GNUC_PRINTF(2, 3) dev_add_err(Fixture *f, const char *fmt,
                                              ...)
{
    va_list ap;
    QDict *resp;
    char *desc;

    va_start(ap, fmt);
    resp = qtest_qmp(f->qts, "{'execute': 'device_add', 'arguments': %p}",
                     qdict_from_vjsonf_nofail(fmt, ap));
    va_end(ap);
    g_assert(qdict_haskey(resp, "error"));
    desc = g_strdup(qdict_get_str(qdict_get_qdict(resp, "error"), "desc"));
    g_test_message("device_add refused as expected: %s", desc);
    qobject_unref(resp);
    return desc;
}

/* device_del @id and wait for its own DEVICE_DELETED event. */
static void dev_del(Fixture *f, const char *id)
{
    QDict *resp = qtest_qmp(f->qts, "{'execute': 'device_del', "
                            "'arguments': {'id': %s}}", id);
    bool mine;

    if (qdict_haskey(resp, "error")) {
        g_test_message("device_del %s failed: %s", id,
                       qdict_get_str(qdict_get_qdict(resp, "error"), "desc"));
    }
    g_assert(!qdict_haskey(resp, "error"));
    qobject_unref(resp);
    do {
        QDict *ev = qtest_qmp_eventwait_ref(f->qts, "DEVICE_DELETED");
        QDict *data = qdict_get_qdict(ev, "data");

        mine = qdict_haskey(data, "device") &&
               !strcmp(qdict_get_str(data, "device"), id);
        qobject_unref(ev);
    } while (!mine);
}

/* The `info usb` line of the device with id @id, or NULL. */
static char *info_usb_line(Fixture *f, const char *id)
{
    g_autofree char *out = qtest_hmp(f->qts, "info usb");
    g_autofree char *suffix = g_strdup_printf(", ID: %s", id);
    g_auto(GStrv) lines = g_strsplit(out, "\n", -1);
    char *found = NULL;
    int i;

    for (i = 0; lines[i]; i++) {
        g_strchomp(lines[i]);
        if (g_str_has_suffix(lines[i], suffix)) {
            g_assert_null(found);   /* listed once */
            found = g_strdup(lines[i]);
        }
    }
    return found;
}

static const char *info_usb_speed(unsigned psi)
{
    switch (psi) {
    case PSI_FULL:
        return "Speed 12 Mb/s";
    case PSI_LOW:
        return "Speed 1.5 Mb/s";
    case PSI_HIGH:
        return "Speed 480 Mb/s";
    }
    g_assert_not_reached();
}

static char *qom_path(const char *id)
{
    return g_strdup_printf("/machine/peripheral/%s", id);
}

static QDict *qom_get(Fixture *f, const char *id, const char *prop)
{
    g_autofree char *path = qom_path(id);

    return qtest_qmp(f->qts, "{'execute': 'qom-get', 'arguments': "
                     "{'path': %s, 'property': %s}}", path, prop);
}

static char *qom_get_str(Fixture *f, const char *id, const char *prop)
{
    QDict *resp = qom_get(f, id, prop);
    char *s;

    g_assert(qdict_haskey(resp, "return"));
    s = g_strdup(qdict_get_str(resp, "return"));
    qobject_unref(resp);
    return s;
}

static int64_t qom_get_int(Fixture *f, const char *id, const char *prop)
{
    QDict *resp = qom_get(f, id, prop);
    int64_t v;

    g_assert(qdict_haskey(resp, "return"));
    v = qdict_get_int(resp, "return");
    qobject_unref(resp);
    return v;
}

/* -- plug / unplug with the user-visible checks ---------------------------- */

/*
 * After device_add of @id: exactly one more root-hub port is connected,
 * its CSC is set, its speed is @psi; `info usb` lists the device once,
 * with the speed and the product name @product ('|' separates names that
 * are all acceptable).  Returns the port number.
 */
static unsigned check_plugged(Fixture *f, const char *id, uint32_t before,
                              unsigned psi, const char *product)
{
    uint32_t after = connected_ports(f);
    uint32_t added = after & ~before;
    g_autofree char *line = NULL;
    g_auto(GStrv) names = g_strsplit(product, "|", -1);
    bool named = false;
    unsigned port;
    uint32_t sc;
    int i;

    g_assert_cmphex(after & before, ==, before);
    g_assert_cmpuint(ctpop32(added), ==, 1);
    port = ctz32(added);
    sc = portsc(f, port);
    g_assert_cmphex(sc & PORTSC_CCS, ==, PORTSC_CCS);
    g_assert_cmphex(sc & PORTSC_CSC, ==, PORTSC_CSC);
    g_assert_cmphex(sc & PORTSC_PP, ==, PORTSC_PP);
    g_assert_cmpuint(port_speed(sc), ==, psi);

    line = info_usb_line(f, id);
    g_assert_nonnull(line);
    for (i = 0; names[i]; i++) {
        g_autofree char *want = g_strdup_printf("Product %s, ID: %s",
                                                names[i], id);

        named |= strstr(line, want) != NULL;
    }
    if (!named) {
        g_test_message("info usb line '%s' does not name the product '%s'",
                       line, product);
    }
    g_assert_true(named);
    g_assert_nonnull(strstr(line, info_usb_speed(psi)));
    return port;
}

static void check_unplugged(Fixture *f, const char *id, unsigned port,
                            uint32_t before)
{
    g_autofree char *line = info_usb_line(f, id);
    uint32_t sc = portsc(f, port);

    g_assert_cmphex(sc & PORTSC_CCS, ==, 0);
    g_assert_cmphex(sc & PORTSC_CSC, ==, PORTSC_CSC);
    g_assert_cmpuint(port_speed(sc), ==, 0);
    g_assert_cmphex(connected_ports(f), ==, before & ~(1u << port));
    g_assert_null(line);
}

/*
 * device_add @type with @props_json (more JSON members, each after a comma:
 * ", 'chardev': 'c0'") and check what check_plugged() checks.
 */
static unsigned plug(Fixture *f, const char *type, const char *id,
                     const char *props_json, unsigned psi,
                     const char *product)
{
    uint32_t before = connected_ports(f);
    g_autofree char *json = g_strdup_printf("{'driver': '%s', 'id': '%s', "
                                            "'bus': 'xhci.0'%s}", type, id,
                                            props_json ? props_json : "");

    clear_csc(f);
    dev_add_json_ok(f, json);
    return check_plugged(f, id, before, psi, product);
}

static void unplug(Fixture *f, const char *id, unsigned port)
{
    uint32_t before = connected_ports(f);

    g_assert_cmphex(before & (1u << port), ==, 1u << port);
    clear_csc(f);
    dev_del(f, id);
    check_unplugged(f, id, port, before);
}

static void check_nothing_connected(Fixture *f)
{
    g_autofree char *out = qtest_hmp(f->qts, "info usb");

    g_assert_cmphex(connected_ports(f), ==, 0);
    g_assert_null(strstr(out, "Device"));
}

/* -- 1. hot-plug / unplug cycles ------------------------------------------- */

static void hotplug_cycles(const char *type, const char *props_json,
                           unsigned psi, const char *product, int cycles)
{
    Fixture f;
    int i;

    fixture_up(&f);
    check_nothing_connected(&f);
    for (i = 0; i < cycles; i++) {
        unsigned port = plug(&f, type, "u0", props_json, psi, product);

        unplug(&f, "u0", port);
    }
    check_nothing_connected(&f);
    fixture_down(&f);
}

static void test_serial_hotplug(void)
{
    /* Default speed high: a high-speed connection on a USB 2 port. */
    hotplug_cycles(SERIAL_TYPE, ", 'chardev': 'c0'", PSI_HIGH,
                   SERIAL_PRODUCT, CYCLES);
}

static void test_serial_hotplug_full_speed(void)
{
    hotplug_cycles(SERIAL_TYPE, ", 'chardev': 'c0', 'speed': 'full'",
                   PSI_FULL, SERIAL_PRODUCT, CYCLES);
}

static void test_hid_hotplug(void)
{
    if (hid_missing()) {
        return;
    }
    /* Default: composite keyboard + mouse at full speed. */
    hotplug_cycles(HID_TYPE, NULL, PSI_FULL, HID_PRODUCT, CYCLES);
}

/* The HID device may run at any USB 2 speed; the port reports it. */
static void test_hid_hotplug_speeds(void)
{
    if (hid_missing()) {
        return;
    }
    hotplug_cycles(HID_TYPE, ", 'speed': 'low'", PSI_LOW, HID_PRODUCT, 5);
    hotplug_cycles(HID_TYPE, ", 'speed': 'full'", PSI_FULL, HID_PRODUCT, 5);
    hotplug_cycles(HID_TYPE, ", 'speed': 'high'", PSI_HIGH, HID_PRODUCT, 5);
}

/*
 * Plugged on the command line (as the spec's first example): connected
 * from the start; device_del unplugs it; it hot-plugs again afterwards.
 */
static void test_coldplug_unplug(void)
{
    bool hid = qtest_has_device(HID_TYPE);
    g_autofree char *line = NULL;
    uint32_t mask;
    unsigned ps, ph = 0;
    Fixture f;

    fixture_up_args(&f, hid ? "-device " SERIAL_TYPE ",id=ser,bus=xhci.0,"
                              "chardev=c0 -device " HID_TYPE ",id=hid,"
                              "bus=xhci.0"
                            : "-device " SERIAL_TYPE ",id=ser,bus=xhci.0,"
                              "chardev=c0");
    mask = connected_ports(&f);
    g_assert_cmpuint(ctpop32(mask), ==, hid ? 2 : 1);
    line = info_usb_line(&f, "ser");
    g_assert_nonnull(line);
    g_assert_nonnull(strstr(line, "Product " SERIAL_PRODUCT));
    /* Which port is which: by speed (serial high, HID full). */
    for (ps = 1; ps <= f.nports; ps++) {
        if ((mask & (1u << ps)) && port_speed(portsc(&f, ps)) == PSI_HIGH) {
            break;
        }
    }
    g_assert_cmpuint(ps, <=, f.nports);
    unplug(&f, "ser", ps);
    if (hid) {
        ph = ctz32(connected_ports(&f));
        g_assert_cmpuint(port_speed(portsc(&f, ph)), ==, PSI_FULL);
        unplug(&f, "hid", ph);
    }
    check_nothing_connected(&f);
    unplug(&f, "ser", plug(&f, SERIAL_TYPE, "ser", ", 'chardev': 'c0'",
                           PSI_HIGH, SERIAL_PRODUCT));
    fixture_down(&f);
}

/* Plug several at once: each gets its own connected port. */
static void test_serial_two_at_once(void)
{
    Fixture f;
    unsigned p0, p1;
    int i;

    fixture_up(&f);
    for (i = 0; i < 5; i++) {
        p0 = plug(&f, SERIAL_TYPE, "s0", ", 'chardev': 'c0'", PSI_HIGH,
                  SERIAL_PRODUCT);
        p1 = plug(&f, SERIAL_TYPE, "s1", ", 'chardev': 'c1', 'speed': 'full'",
                  PSI_FULL, SERIAL_PRODUCT);
        g_assert_cmpuint(p0, !=, p1);
        g_assert_cmphex(connected_ports(&f), ==, (1u << p0) | (1u << p1));
        /* Unplug in the other order every other round. */
        if (i & 1) {
            unplug(&f, "s0", p0);
            unplug(&f, "s1", p1);
        } else {
            unplug(&f, "s1", p1);
            unplug(&f, "s0", p0);
        }
        check_nothing_connected(&f);
    }
    fixture_down(&f);
}

static void test_both_at_once(void)
{
    Fixture f;
    unsigned ps, ph;
    int i;

    if (hid_missing()) {
        return;
    }
    fixture_up(&f);
    for (i = 0; i < 5; i++) {
        ps = plug(&f, SERIAL_TYPE, "ser", ", 'chardev': 'c0'", PSI_HIGH,
                  SERIAL_PRODUCT);
        ph = plug(&f, HID_TYPE, "hid", NULL, PSI_FULL, HID_PRODUCT);
        g_assert_cmpuint(ps, !=, ph);
        g_assert_cmphex(connected_ports(&f), ==, (1u << ps) | (1u << ph));
        g_assert_cmpuint(port_speed(portsc(&f, ps)), ==, PSI_HIGH);
        g_assert_cmpuint(port_speed(portsc(&f, ph)), ==, PSI_FULL);
        if (i & 1) {
            unplug(&f, "ser", ps);
            unplug(&f, "hid", ph);
        } else {
            unplug(&f, "hid", ph);
            unplug(&f, "ser", ps);
        }
        check_nothing_connected(&f);
    }
    fixture_down(&f);
}

/* -- 2. identity properties ------------------------------------------------ */

#define CUSTOM_PRODUCT      "Acme Serial 3000"
#define CUSTOM_PROPS \
    ", 'chardev': 'c0', 'vendorid': 4660, 'productid': 22136, " \
    "'manufacturer': 'Acme', 'product': '" CUSTOM_PRODUCT "', " \
    "'serial': 'ACME42', 'bcd-device': 512"

static void test_serial_identity_defaults(void)
{
    Fixture f;
    g_autofree char *product = NULL;
    g_autofree char *manufacturer = NULL;
    unsigned port;

    fixture_up(&f);
    port = plug(&f, SERIAL_TYPE, "s0", ", 'chardev': 'c0'", PSI_HIGH,
                SERIAL_PRODUCT);
    g_assert_cmphex(qom_get_int(&f, "s0", "vendorid"), ==, SERIAL_VID);
    g_assert_cmphex(qom_get_int(&f, "s0", "productid"), ==, SERIAL_PID);
    g_assert_cmphex(qom_get_int(&f, "s0", "bcd-device"), ==, 0x0100);
    product = qom_get_str(&f, "s0", "product");
    g_assert_cmpstr(product, ==, SERIAL_PRODUCT);
    manufacturer = qom_get_str(&f, "s0", "manufacturer");
    g_assert_cmpstr(manufacturer, ==, "dextbed");
    unplug(&f, "s0", port);
    fixture_down(&f);
}

static void test_serial_identity_qom(void)
{
    Fixture f;
    g_autofree char *product = NULL;
    g_autofree char *manufacturer = NULL;
    g_autofree char *serial = NULL;
    uint32_t before;
    unsigned port;

    fixture_up(&f);
    before = connected_ports(&f);
    dev_add_ok(&f, "{'driver': %s, 'id': 's0', 'bus': 'xhci.0' "
               CUSTOM_PROPS "}", SERIAL_TYPE);
    g_assert_cmphex(qom_get_int(&f, "s0", "vendorid"), ==, 0x1234);
    g_assert_cmphex(qom_get_int(&f, "s0", "productid"), ==, 0x5678);
    g_assert_cmphex(qom_get_int(&f, "s0", "bcd-device"), ==, 0x0200);
    product = qom_get_str(&f, "s0", "product");
    g_assert_cmpstr(product, ==, CUSTOM_PRODUCT);
    manufacturer = qom_get_str(&f, "s0", "manufacturer");
    g_assert_cmpstr(manufacturer, ==, "Acme");
    serial = qom_get_str(&f, "s0", "serial");
    g_assert_cmpstr(serial, ==, "ACME42");
    /* Still a high-speed device on one newly connected port. */
    port = ctz32(connected_ports(&f) & ~before);
    g_assert_cmpuint(port_speed(portsc(&f, port)), ==, PSI_HIGH);
    unplug(&f, "s0", port);
    fixture_down(&f);
}

#define HID_CUSTOM_PROPS \
    ", 'vendorid': 4660, 'productid': 22136, " \
    "'manufacturer': 'Acme', 'product': '" CUSTOM_PRODUCT "', " \
    "'serial': 'ACME42', 'bcd-device': 512"

static void test_hid_identity_qom(void)
{
    Fixture f;
    g_autofree char *product = NULL;
    g_autofree char *manufacturer = NULL;
    g_autofree char *serial = NULL;
    uint32_t before;
    unsigned port;

    if (hid_missing()) {
        return;
    }
    fixture_up(&f);
    /* Defaults: pid.codes vendor, the product id next to the serial's */
    port = plug(&f, HID_TYPE, "h0", NULL, PSI_FULL, HID_PRODUCT);
    g_assert_cmphex(qom_get_int(&f, "h0", "vendorid"), ==, 0x1209);
    g_assert_cmphex(qom_get_int(&f, "h0", "productid"), ==, 0xd0e2);
    unplug(&f, "h0", port);

    before = connected_ports(&f);
    dev_add_ok(&f, "{'driver': %s, 'id': 'h1', 'bus': 'xhci.0' "
               HID_CUSTOM_PROPS "}", HID_TYPE);
    g_assert_cmphex(qom_get_int(&f, "h1", "vendorid"), ==, 0x1234);
    g_assert_cmphex(qom_get_int(&f, "h1", "productid"), ==, 0x5678);
    g_assert_cmphex(qom_get_int(&f, "h1", "bcd-device"), ==, 0x0200);
    product = qom_get_str(&f, "h1", "product");
    g_assert_cmpstr(product, ==, CUSTOM_PRODUCT);
    manufacturer = qom_get_str(&f, "h1", "manufacturer");
    g_assert_cmpstr(manufacturer, ==, "Acme");
    serial = qom_get_str(&f, "h1", "serial");
    g_assert_cmpstr(serial, ==, "ACME42");
    port = ctz32(connected_ports(&f) & ~before);
    g_assert_cmpuint(port_speed(portsc(&f, port)), ==, PSI_FULL);
    unplug(&f, "h1", port);
    fixture_down(&f);
}

/* `info usb` names the device by its `product` string. */
static void identity_info_usb(const char *type, const char *props,
                              unsigned psi)
{
    Fixture f;
    unsigned port;

    fixture_up(&f);
    port = plug(&f, type, "u0", props, psi, CUSTOM_PRODUCT);
    unplug(&f, "u0", port);
    fixture_down(&f);
}

static void test_serial_identity_info_usb(void)
{
    identity_info_usb(SERIAL_TYPE, CUSTOM_PROPS, PSI_HIGH);
}

static void test_hid_identity_info_usb(void)
{
    if (hid_missing()) {
        return;
    }
    identity_info_usb(HID_TYPE, HID_CUSTOM_PROPS, PSI_FULL);
}

/* -- 3. realize errors ----------------------------------------------------- */

/*
 * After a refused device_add: nothing half-attached, and the machine still
 * takes a valid device (with the chardev the refused one named).
 */
static void check_still_works(Fixture *f)
{
    unsigned port;

    check_nothing_connected(f);
    port = plug(f, SERIAL_TYPE, "ok", ", 'chardev': 'c0'", PSI_HIGH,
                SERIAL_PRODUCT);
    unplug(f, "ok", port);
}

static void check_error_mentions(const char *err, const char *what)
{
    if (!strstr(err, what)) {
        g_test_message("error '%s' does not mention '%s'", err, what);
    }
    g_assert_nonnull(strstr(err, what));
}

static void test_serial_realize_errors(void)
{
    Fixture f;
    char *err;

    fixture_up(&f);

    err = dev_add_err(&f, "{'driver': %s, 'id': 'bad', 'bus': 'xhci.0'}",
                      SERIAL_TYPE);
    check_error_mentions(err, "chardev");
    g_free(err);
    check_still_works(&f);

    err = dev_add_err(&f, "{'driver': %s, 'id': 'bad', 'bus': 'xhci.0', "
                      "'chardev': 'c0', 'speed': 'low'}", SERIAL_TYPE);
    check_error_mentions(err, "low");
    g_free(err);
    check_still_works(&f);

    err = dev_add_err(&f, "{'driver': %s, 'id': 'bad', 'bus': 'xhci.0', "
                      "'chardev': 'c0', 'speed': 'super'}", SERIAL_TYPE);
    check_error_mentions(err, "super");
    g_free(err);
    check_still_works(&f);

    err = dev_add_err(&f, "{'driver': %s, 'id': 'bad', 'bus': 'xhci.0', "
                      "'chardev': 'c0', 'speed': 'warp'}", SERIAL_TYPE);
    check_error_mentions(err, "warp");
    g_free(err);
    check_still_works(&f);

    /* The same id works after all the refusals. */
    dev_add_ok(&f, "{'driver': %s, 'id': 'bad', 'bus': 'xhci.0', "
               "'chardev': 'c0'}", SERIAL_TYPE);
    dev_del(&f, "bad");
    check_nothing_connected(&f);
    fixture_down(&f);
}

/* A chardev serves one device; after device_del it is free again. */
static void test_serial_chardev_in_use(void)
{
    Fixture f;
    unsigned port;
    char *err;

    fixture_up(&f);
    port = plug(&f, SERIAL_TYPE, "s0", ", 'chardev': 'c0'", PSI_HIGH,
                SERIAL_PRODUCT);
    err = dev_add_err(&f, "{'driver': %s, 'id': 's1', 'bus': 'xhci.0', "
                      "'chardev': 'c0'}", SERIAL_TYPE);
    check_error_mentions(err, "c0");
    g_free(err);
    g_assert_cmphex(connected_ports(&f), ==, 1u << port);
    unplug(&f, "s0", port);
    check_still_works(&f);
    fixture_down(&f);
}

/* Strings: printable ASCII, at most 126 characters (spec, Properties). */
static void test_serial_realize_errors_strings(void)
{
    Fixture f;
    g_autofree char *s126 = g_strnfill(126, 'x');
    g_autofree char *s127 = g_strnfill(127, 'x');
    g_autofree char *got = NULL;
    unsigned port;
    char *err;

    fixture_up(&f);

    err = dev_add_err(&f, "{'driver': %s, 'id': 'bad', 'bus': 'xhci.0', "
                      "'chardev': 'c0', 'product': %s}", SERIAL_TYPE, s127);
    check_error_mentions(err, "126");
    g_free(err);
    check_still_works(&f);

    err = dev_add_err(&f, "{'driver': %s, 'id': 'bad', 'bus': 'xhci.0', "
                      "'chardev': 'c0', 'manufacturer': %s}", SERIAL_TYPE,
                      "tab\there");
    check_error_mentions(err, "printable");
    g_free(err);
    check_still_works(&f);

    err = dev_add_err(&f, "{'driver': %s, 'id': 'bad', 'bus': 'xhci.0', "
                      "'chardev': 'c0', 'serial': %s}", SERIAL_TYPE,
                      "caf\xc3\xa9");
    check_error_mentions(err, "printable");
    g_free(err);
    check_still_works(&f);

    /* 126 characters are fine. */
    clear_csc(&f);
    dev_add_ok(&f, "{'driver': %s, 'id': 's0', 'bus': 'xhci.0', "
               "'chardev': 'c0', 'product': %s}", SERIAL_TYPE, s126);
    got = qom_get_str(&f, "s0", "product");
    g_assert_cmpstr(got, ==, s126);
    port = ctz32(connected_ports(&f));
    g_assert_cmpuint(port, >=, 1);
    unplug(&f, "s0", port);
    fixture_down(&f);
}

/* A temporary file holding @len bytes of @data; returns its path. */
static char *write_tmp(const void *data, size_t len)
{
    GError *error = NULL;
    char *path = NULL;
    int fd = g_file_open_tmp("dextbed-usb-test-XXXXXX.bin", &path, &error);

    g_assert_no_error(error);
    g_assert_cmpint(fd, >=, 0);
    g_assert_cmpint(write(fd, data, len), ==, (ssize_t)len);
    close(fd);
    return path;
}

static void hid_bad_descriptor(Fixture *f, const uint8_t *bytes, size_t len,
                               const char *what)
{
    g_autofree char *path = write_tmp(bytes, len);
    char *err;

    err = dev_add_err(f, "{'driver': %s, 'id': 'bad', 'bus': 'xhci.0', "
                      "'report-descriptor': %s}", HID_TYPE, path);
    check_error_mentions(err, "report descriptor");
    check_error_mentions(err, what);
    g_free(err);
    unlink(path);
    check_still_works(f);
}

/* The rest of the spec's section 10 table. */
static void hid_more_realize_errors(Fixture *f)
{
    /* Generic desktop application collection, 9-byte input report */
    static const uint8_t input9[] = {
        0x05, 0x01, 0x09, 0x00, 0xa1, 0x01, 0x75, 0x08, 0x95, 0x09,
        0x81, 0x02, 0xc0,
    };
    /* Only an output report */
    static const uint8_t output_only[] = {
        0x05, 0x01, 0x09, 0x00, 0xa1, 0x01, 0x75, 0x08, 0x95, 0x01,
        0x91, 0x02, 0xc0,
    };
    /* A 65-byte input report */
    static const uint8_t input65[] = {
        0x05, 0x01, 0x09, 0x00, 0xa1, 0x01, 0x75, 0x08, 0x95, 0x41,
        0x81, 0x02, 0xc0,
    };
    g_autofree uint8_t *big = g_malloc0(4097);
    g_autofree char *path = NULL;
    char *err;

    err = dev_add_err(f, "{'driver': %s, 'id': 'bad', 'bus': 'xhci.0', "
                      "'interval': 0}", HID_TYPE);
    check_error_mentions(err, "out of range");
    g_free(err);
    err = dev_add_err(f, "{'driver': %s, 'id': 'bad', 'bus': 'xhci.0', "
                      "'interval': 256}", HID_TYPE);
    check_error_mentions(err, "out of range");
    g_free(err);
    err = dev_add_err(f, "{'driver': %s, 'id': 'bad', 'bus': 'xhci.0', "
                      "'speed': 'low', 'interval': 5}", HID_TYPE);
    check_error_mentions(err, "too short for low speed");
    g_free(err);

    path = write_tmp(input9, sizeof(input9));
    err = dev_add_err(f, "{'driver': %s, 'id': 'bad', 'bus': 'xhci.0', "
                      "'speed': 'low', 'report-descriptor': %s}",
                      HID_TYPE, path);
    check_error_mentions(err, "at most 8 bytes");
    g_free(err);
    /* ... which is fine at full speed */
    dev_add_ok(f, "{'driver': %s, 'id': 'h9', 'bus': 'xhci.0', "
               "'report-descriptor': %s}", HID_TYPE, path);
    dev_del(f, "h9");
    unlink(path);
    g_free(path);

    path = write_tmp(big, 4097);
    err = dev_add_err(f, "{'driver': %s, 'id': 'bad', 'bus': 'xhci.0', "
                      "'report-descriptor': %s}", HID_TYPE, path);
    check_error_mentions(err, "larger than 4096 bytes");
    g_free(err);
    unlink(path);
    g_free(path);
    path = NULL;

    hid_bad_descriptor(f, output_only, sizeof(output_only),
                       "no input report");
    hid_bad_descriptor(f, input65, sizeof(input65), "at most 64 bytes");
    check_still_works(f);
}

static void test_hid_realize_errors(void)
{
    static const uint8_t end_collection[] = { 0xc0 };
    static const uint8_t truncated[] = { 0x05 };
    /* Usage Page (Generic Desktop), Usage (Mouse), Collection, no end */
    static const uint8_t unclosed[] = { 0x05, 0x01, 0x09, 0x02, 0xa1, 0x01 };
    g_autofree char *missing = NULL;
    g_autofree char *dir = NULL;
    char *err;
    Fixture f;

    if (hid_missing()) {
        return;
    }
    fixture_up(&f);

    /* End Collection without Collection, at offset 0 */
    hid_bad_descriptor(&f, end_collection, sizeof(end_collection),
                       "offset 0");
    /* A one-byte-data item with no data byte */
    hid_bad_descriptor(&f, truncated, sizeof(truncated), "truncated");
    /* A Collection never closed */
    hid_bad_descriptor(&f, unclosed, sizeof(unclosed), "report descriptor");
    /* An empty file */
    hid_bad_descriptor(&f, NULL, 0, "empty");

    /* A file that does not exist */
    dir = g_dir_make_tmp("dextbed-usb-test-XXXXXX", NULL);
    g_assert_nonnull(dir);
    missing = g_build_filename(dir, "no-such-descriptor.bin", NULL);
    err = dev_add_err(&f, "{'driver': %s, 'id': 'bad', 'bus': 'xhci.0', "
                      "'report-descriptor': %s}", HID_TYPE, missing);
    check_error_mentions(err, "no-such-descriptor.bin");
    g_free(err);
    rmdir(dir);
    check_still_works(&f);

    /* An impossible speed */
    err = dev_add_err(&f, "{'driver': %s, 'id': 'bad', 'bus': 'xhci.0', "
                      "'speed': 'super'}", HID_TYPE);
    check_error_mentions(err, "super");
    g_free(err);
    check_still_works(&f);

    hid_more_realize_errors(&f);

    /* And a valid HID still plugs after all that. */
    unplug(&f, "hid", plug(&f, HID_TYPE, "hid", NULL, PSI_FULL,
                            HID_PRODUCT));
    fixture_down(&f);
}

/* A valid custom descriptor is taken (counterpart of the refusals). */
static void test_hid_custom_descriptor(void)
{
    /* A boot-style 3-button mouse (HID 1.11, appendix E.10) */
    static const uint8_t mouse[] = {
        0x05, 0x01, 0x09, 0x02, 0xa1, 0x01, 0x09, 0x01,
        0xa1, 0x00, 0x05, 0x09, 0x19, 0x01, 0x29, 0x03,
        0x15, 0x00, 0x25, 0x01, 0x95, 0x03, 0x75, 0x01,
        0x81, 0x02, 0x95, 0x01, 0x75, 0x05, 0x81, 0x01,
        0x05, 0x01, 0x09, 0x30, 0x09, 0x31, 0x15, 0x81,
        0x25, 0x7f, 0x75, 0x08, 0x95, 0x02, 0x81, 0x06,
        0xc0, 0xc0,
    };
    g_autofree char *path = NULL;
    g_autofree char *props = NULL;
    Fixture f;
    int i;

    if (hid_missing()) {
        return;
    }
    path = write_tmp(mouse, sizeof(mouse));
    props = g_strdup_printf(", 'report-descriptor': '%s'", path);
    fixture_up(&f);
    for (i = 0; i < 3; i++) {
        unplug(&f, "hid", plug(&f, HID_TYPE, "hid", props, PSI_FULL,
                                HID_PRODUCT_CUSTOM));
    }
    fixture_down(&f);
    unlink(path);
}

/* -- 4. run-time QOM property ---------------------------------------------- */

static QDict *qom_set_str(Fixture *f, const char *id, const char *prop,
                          const char *value)
{
    g_autofree char *path = qom_path(id);

    return qtest_qmp(f->qts, "{'execute': 'qom-set', 'arguments': "
                     "{'path': %s, 'property': %s, 'value': %s}}",
                     path, prop, value);
}

static void test_serial_line_event(void)
{
    static const char *const good[] = {
        "ring", "break", "framing", "parity", "overrun",
    };
    static const char *const bad[] = { "bogus", "", "RING", "ring " };
    Fixture f;
    unsigned port;
    QDict *resp;
    size_t i;

    fixture_up(&f);
    port = plug(&f, SERIAL_TYPE, "s0", ", 'chardev': 'c0'", PSI_HIGH,
                SERIAL_PRODUCT);

    for (i = 0; i < ARRAY_SIZE(good); i++) {
        resp = qom_set_str(&f, "s0", "line-event", good[i]);
        if (qdict_haskey(resp, "error")) {
            g_test_message("line-event=%s: %s", good[i],
                           qdict_get_str(qdict_get_qdict(resp, "error"),
                                         "desc"));
        }
        g_assert(qdict_haskey(resp, "return"));
        qobject_unref(resp);
    }
    for (i = 0; i < ARRAY_SIZE(bad); i++) {
        const char *desc;

        resp = qom_set_str(&f, "s0", "line-event", bad[i]);
        g_assert(qdict_haskey(resp, "error"));
        desc = qdict_get_str(qdict_get_qdict(resp, "error"), "desc");
        g_test_message("line-event='%s' refused: %s", bad[i], desc);
        if (bad[i][0]) {
            check_error_mentions(desc, bad[i]);
        }
        qobject_unref(resp);
    }
    /* Events do not disturb the connection; unplug still works. */
    g_assert_cmphex(portsc(&f, port) & PORTSC_CCS, ==, PORTSC_CCS);
    unplug(&f, "s0", port);
    fixture_down(&f);
}

/* -- 5. unplug of a device no guest ever configured, fast ------------------ */

static void fast_cycles(const char *type, bool serial)
{
    Fixture f;
    unsigned port;
    int i;

    fixture_up(&f);
    for (i = 0; i < FAST_CYCLES; i++) {
        /* Rotate chardevs: each is free again right after device_del. */
        if (serial) {
            g_autofree char *chr = g_strdup_printf("c%d", i % N_CHARDEVS);

            dev_add_ok(&f, "{'driver': %s, 'id': 'u0', 'bus': 'xhci.0', "
                       "'chardev': %s}", type, chr);
        } else {
            dev_add_ok(&f, "{'driver': %s, 'id': 'u0', 'bus': 'xhci.0'}",
                       type);
        }
        /* Every few rounds let timers and bottom halves run in between. */
        if (i % 3 == 1) {
            qtest_clock_step(f.qts, (i % 7 + 1) * 1000 * 1000);
        }
        dev_del(&f, "u0");
    }
    qtest_clock_step(f.qts, 100 * 1000 * 1000);
    check_nothing_connected(&f);
    /* The controller and the type are still fine. */
    port = serial ? plug(&f, type, "u0", ", 'chardev': 'c0'", PSI_HIGH,
                         SERIAL_PRODUCT)
                  : plug(&f, type, "u0", NULL, PSI_FULL, HID_PRODUCT);
    unplug(&f, "u0", port);
    fixture_down(&f);
}

static void test_serial_fast_unplug(void)
{
    fast_cycles(SERIAL_TYPE, true);
}

static void test_hid_fast_unplug(void)
{
    if (hid_missing()) {
        return;
    }
    fast_cycles(HID_TYPE, false);
}

/*
 * A chardev peer that writes lines but never reads the answers must not
 * stall QEMU: the device keeps 4096 bytes of lines for it and drops the
 * rest whole, counting them (spec section 8.2).  With a blocking write the
 * QMP command below would never be answered and the test would time out.
 */
static void test_hid_chardev_peer_not_reading(void)
{
    g_autofree char *dir = g_dir_make_tmp("dextbed-usb-XXXXXX", NULL);
    g_autofree char *sock = g_build_filename(dir, "hid.sock", NULL);
    g_autofree char *args = NULL;
    struct sockaddr_un addr = { .sun_family = AF_UNIX };
    const size_t total = 20000 * 3;     /* 20,000 lines "00\n" */
    g_autofree char *lines = g_malloc(total);
    size_t sent = 0;
    int rcvbuf = 4096, fd, tries;
    Fixture f;

    if (hid_missing()) {
        return;
    }
    for (size_t i = 0; i < total; i += 3) {
        memcpy(lines + i, "00\n", 3);
    }
    args = g_strdup_printf("-chardev socket,id=hc,path=%s,server=on,"
                           "wait=off -device %s,id=h0,bus=xhci.0,"
                           "chardev=hc", sock, HID_TYPE);
    fixture_up_args(&f, args);

    fd = socket(AF_UNIX, SOCK_STREAM, 0);
    g_assert_cmpint(fd, >=, 0);
    setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf));
    g_strlcpy(addr.sun_path, sock, sizeof(addr.sun_path));
    g_assert_cmpint(connect(fd, (struct sockaddr *)&addr, sizeof(addr)),
                    ==, 0);
    g_assert_cmpint(fcntl(fd, F_SETFL, O_NONBLOCK), ==, 0);

    /* Each line is answered with an error (keyboard + mouse mode). */
    for (tries = 0; sent < total && tries < 100000; tries++) {
        ssize_t n = send(fd, lines + sent, total - sent, 0);

        if (n > 0) {
            sent += n;
        } else {
            g_assert(n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK));
            /* Let QEMU's main loop run: a QMP round trip. */
            qom_get_int(&f, "h0", "chardev-dropped");
        }
    }
    g_assert_cmpuint(sent, ==, total);
    /* QEMU still answers, and says it dropped what the peer left unread. */
    for (tries = 0; tries < 1000 &&
         qom_get_int(&f, "h0", "chardev-dropped") == 0; tries++) {
        g_usleep(1000);
    }
    g_assert_cmpint(qom_get_int(&f, "h0", "chardev-dropped"), >, 0);
    close(fd);
    fixture_down(&f);
    unlink(sock);
    rmdir(dir);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    qtest_add_func("/dextbed-usb/serial/hotplug", test_serial_hotplug);
    qtest_add_func("/dextbed-usb/serial/hotplug-full-speed",
                   test_serial_hotplug_full_speed);
    qtest_add_func("/dextbed-usb/serial/two-at-once",
                   test_serial_two_at_once);
    qtest_add_func("/dextbed-usb/serial/identity-defaults",
                   test_serial_identity_defaults);
    qtest_add_func("/dextbed-usb/serial/identity-qom",
                   test_serial_identity_qom);
    qtest_add_func("/dextbed-usb/serial/realize-errors",
                   test_serial_realize_errors);
    qtest_add_func("/dextbed-usb/serial/realize-errors-strings",
                   test_serial_realize_errors_strings);
    qtest_add_func("/dextbed-usb/serial/chardev-in-use",
                   test_serial_chardev_in_use);
    qtest_add_func("/dextbed-usb/serial/line-event", test_serial_line_event);
    qtest_add_func("/dextbed-usb/serial/fast-unplug",
                   test_serial_fast_unplug);
    qtest_add_func("/dextbed-usb/hid/hotplug", test_hid_hotplug);
    qtest_add_func("/dextbed-usb/hid/hotplug-speeds",
                   test_hid_hotplug_speeds);
    qtest_add_func("/dextbed-usb/hid/identity-qom", test_hid_identity_qom);
    qtest_add_func("/dextbed-usb/hid/custom-descriptor",
                   test_hid_custom_descriptor);
    qtest_add_func("/dextbed-usb/hid/realize-errors",
                   test_hid_realize_errors);
    qtest_add_func("/dextbed-usb/hid/fast-unplug", test_hid_fast_unplug);
    qtest_add_func("/dextbed-usb/hid/chardev-peer-not-reading",
                   test_hid_chardev_peer_not_reading);
    qtest_add_func("/dextbed-usb/both-at-once", test_both_at_once);
    qtest_add_func("/dextbed-usb/coldplug-unplug", test_coldplug_unplug);
    qtest_add_func("/dextbed-usb/identity-info-usb/serial",
                   test_serial_identity_info_usb);
    qtest_add_func("/dextbed-usb/identity-info-usb/hid",
                   test_hid_identity_info_usb);
    return g_test_run();
}
