/*
 * qtest for dextbed-wifi, the FullMAC PCIe Wi-Fi NIC: PCI identity,
 * registers, scan/connect/disconnect, frames through libslirp,
 * interrupts, the QMP radio environment, power management and hostile
 * guests, all as docs/specs/wifi.md says.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "qemu/osdep.h"
#include "qemu/bswap.h"
#include "libqtest.h"
#include "libqos/pci-pc.h"
#include "hw/pci/pci_regs.h"
#include "qobject/qdict.h"

#define WIFI_SLOT           4
#define WIFI_QOM_PATH       "/machine/peripheral/wifi0"

/* PCI identity (spec section 1) */
#define WIFI_VENDOR         0x1209
#define WIFI_DEVICE         0xd0e1
#define WIFI_SUBSYS_VENDOR  0x1209
#define WIFI_SUBSYS         0x0001
#define WIFI_REVISION       0x01
#define WIFI_CLASS          0x0280
#define WIFI_BAR0_SIZE      0x4000
#define WIFI_BAR2_SIZE      0x1000

/* Registers in BAR0 (spec section 2) */
#define REG_ID              0x000
#define REG_VERSION         0x004
#define REG_CTRL            0x008
#define REG_STATUS          0x00c
#define REG_INT_STATUS      0x010
#define REG_INT_MASK        0x014
#define REG_INT_SET         0x018
#define REG_BAD_ACCESS      0x01c
#define REG_MAC_LO          0x020
#define REG_MAC_HI          0x024
#define REG_CMD             0x040
#define REG_CMD_STATUS      0x044
#define REG_SCAN_BUF_LO     0x048
#define REG_SCAN_BUF_HI     0x04c
#define REG_SCAN_BUF_LEN    0x050
#define REG_SCAN_COUNT      0x054
#define REG_SCAN_TOTAL      0x058
#define REG_CONN_PARAM_LO   0x060
#define REG_CONN_PARAM_HI   0x064
#define REG_LINK_REASON     0x068
#define REG_LINK_BSSID_LO   0x06c
#define REG_LINK_BSSID_HI   0x070
#define REG_LINK_CHANNEL    0x074
#define REG_LINK_RSSI       0x078
#define REG_TX_RING_LO      0x100
#define REG_TX_RING_HI      0x104
#define REG_TX_RING_SIZE    0x108
#define REG_TX_HEAD         0x10c
#define REG_TX_TAIL         0x110
#define REG_RX_RING_LO      0x120
#define REG_RX_RING_HI      0x124
#define REG_RX_RING_SIZE    0x128
#define REG_RX_HEAD         0x12c
#define REG_RX_TAIL         0x130
#define REG_STAT_TX_FRAMES  0x200
#define REG_STAT_TX_BYTES   0x204
#define REG_STAT_RX_FRAMES  0x208
#define REG_STAT_RX_BYTES   0x20c
#define REG_STAT_TX_DROPPED 0x210
#define REG_STAT_RX_DROPPED 0x214
#define REG_STAT_DMA_ERRORS 0x218
#define REG_STAT_BAD_DESC   0x21c
#define REG_STAT_CLEAR      0x220

#define WIFI_ID             0x57494649
#define WIFI_VERSION        0x00010000

#define CTRL_RX_EN          (1u << 0)
#define CTRL_TX_EN          (1u << 1)
#define CTRL_RESET          (1u << 31)

#define STATUS_LINK_UP      (1u << 0)
#define STATUS_SCANNING     (1u << 1)
#define STATUS_CONNECTING   (1u << 2)

/* Interrupt causes (spec section 4) */
#define INT_TX_DONE         (1u << 0)
#define INT_RX_DONE         (1u << 1)
#define INT_SCAN_DONE       (1u << 2)
#define INT_LINK_UP         (1u << 3)
#define INT_LINK_DOWN       (1u << 4)
#define INT_CONNECT_FAIL    (1u << 5)
#define INT_DMA_ERROR       (1u << 6)
#define INT_RX_NO_BUF       (1u << 7)
#define INT_CMD_ERROR       (1u << 8)
#define INT_ALL             0x1ffu

/* Commands and CMD_STATUS (spec section 5) */
#define CMD_SCAN            1
#define CMD_CONNECT         2
#define CMD_DISCONNECT      3
#define CMD_STATUS_IDLE     0
#define CMD_STATUS_BUSY     1
#define CMD_STATUS_DONE     2
#define CMD_STATUS_ERROR    3

/* LINK_REASON (spec section 6) */
#define REASON_OUT_OF_RANGE 1
#define REASON_DEAUTH       2
#define REASON_LOCAL        3
#define REASON_AUTH_FAILED  4
#define REASON_NOT_FOUND    5
#define REASON_SEC_MISMATCH 6

/* Descriptors (spec sections 3 and 7) */
#define DESC_SIZE           16
#define DESC_OWN            (1u << 0)
#define DESC_DONE           (1u << 0)
#define DESC_ERROR          (1u << 1)
#define DESC_CODE(st)       (((st) >> 8) & 0xff)
#define ERR_TX_LEN          1
#define ERR_RX_LEN0         2
#define ERR_RX_TOO_BIG      3
#define ERR_DMA             4

#define SCAN_REC_SIZE       48
#define CONN_PARAM_SIZE     104
#define SEC_OPEN            0
#define SEC_WPA2            1

/* Fixed guest-physical layout in q35's low RAM */
#define SCAN_BUF_ADDR       0x100000
#define CONN_PARAM_ADDR     0x101000
#define MSG_ADDR            0x102000
#define TX_RING_ADDR        0x110000    /* up to 4096 descriptors */
#define RX_RING_ADDR        0x130000
#define TX_BUF_ADDR         0x200000
#define RX_BUF_ADDR         0x300000
#define BUF_SIZE            2048
#define RING_SIZE           8

#define MSG_DATA            0x4321

/* Long enough for the ~10 ms scan and the ~5 ms connect */
#define WAIT_MS             50

typedef struct ApInfo {
    const char *ssid;
    uint8_t bssid[6];
    uint8_t channel;
    int rssi;
    uint8_t security;
    const char *passphrase;
} ApInfo;

/* The default radio environment (spec section 9) */
static const ApInfo ap_open = {
    "dextbed-open", { 0x02, 0xd0, 0xe1, 0x00, 0x00, 0x01 }, 1, -40,
    SEC_OPEN, NULL,
};
static const ApInfo ap_wpa2 = {
    "dextbed-wpa2", { 0x02, 0xd0, 0xe1, 0x00, 0x00, 0x02 }, 6, -55,
    SEC_WPA2, "dextbed-secret",
};

#define APS_OPEN(rssi) \
    "ssid=dextbed-open,bssid=02:d0:e1:00:00:01,channel=1,rssi=" rssi \
    ",security=open"
#define APS_WPA2 \
    "ssid=dextbed-wpa2,bssid=02:d0:e1:00:00:02,channel=6,rssi=-55," \
    "security=wpa2,passphrase=dextbed-secret"
#define APS_DEFAULT APS_OPEN("-40") ";" APS_WPA2

typedef struct Fixture {
    QTestState *qts;
    QPCIBus *bus;
    QPCIDevice *dev;
    QPCIBar bar;
    uint64_t bar_size;
    uint8_t mac[6];
    uint32_t tx_size;
} Fixture;

/* Register and time helpers */

static uint32_t rd(Fixture *f, uint32_t reg)
{
    return qpci_io_readl(f->dev, f->bar, reg);
}

static void wr(Fixture *f, uint32_t reg, uint32_t val)
{
    qpci_io_writel(f->dev, f->bar, reg, val);
}

static void step_ms(Fixture *f, int ms)
{
    qtest_clock_step(f->qts, (int64_t)ms * 1000 * 1000);
}

static void clear_ints(Fixture *f)
{
    wr(f, REG_INT_STATUS, INT_ALL);
    g_assert_cmphex(rd(f, REG_INT_STATUS), ==, 0);
}

static uint32_t bytes_lo(const uint8_t *b)
{
    return b[0] | (b[1] << 8) | (b[2] << 16) | ((uint32_t)b[3] << 24);
}

static uint32_t bytes_hi(const uint8_t *b)
{
    return b[4] | (b[5] << 8);
}

static void read_mac(Fixture *f)
{
    uint32_t lo = rd(f, REG_MAC_LO);
    uint32_t hi = rd(f, REG_MAC_HI);
    int i;

    for (i = 0; i < 4; i++) {
        f->mac[i] = lo >> (8 * i);
    }
    f->mac[4] = hi;
    f->mac[5] = hi >> 8;
}

static void fixture_up_props(Fixture *f, const char *props)
{
    memset(f, 0, sizeof(*f));
    f->qts = qtest_initf("-machine q35 -nodefaults -netdev user,id=n0 "
                         "-device dextbed-wifi,netdev=n0,id=wifi0,"
                         "addr=0x%x%s", WIFI_SLOT, props);
    f->bus = qpci_new_pc(f->qts, NULL);
    f->dev = qpci_device_find(f->bus, QPCI_DEVFN(WIFI_SLOT, 0));
    g_assert_nonnull(f->dev);
    qpci_device_enable(f->dev);
    f->bar = qpci_iomap(f->dev, 0, &f->bar_size);
    read_mac(f);
}

static void fixture_up(Fixture *f)
{
    fixture_up_props(f, "");
}

static void fixture_down(Fixture *f)
{
    /* Whatever the test did, the device still answers. */
    g_assert_cmphex(rd(f, REG_ID), ==, WIFI_ID);
    g_free(f->dev);
    qpci_free_pc(f->bus);
    qtest_quit(f->qts);
}

/* Walk the capability list by hand, bounded against a looping list. */
static uint8_t find_cap(Fixture *f, uint8_t id)
{
    uint8_t pos = qpci_config_readb(f->dev, PCI_CAPABILITY_LIST) & ~3;
    int n;

    for (n = 0; pos && n < 48; n++) {
        if (qpci_config_readb(f->dev, pos + PCI_CAP_LIST_ID) == id) {
            return pos;
        }
        pos = qpci_config_readb(f->dev, pos + PCI_CAP_LIST_NEXT) & ~3;
    }
    return 0;
}

/* Reset values (spec section 2); MAC_LO/HI are checked separately. */
typedef struct RegReset {
    uint32_t reg;
    const char *name;
    uint32_t value;
} RegReset;

static const RegReset reset_table[] = {
    { REG_ID, "ID", WIFI_ID },
    { REG_VERSION, "VERSION", WIFI_VERSION },
    { REG_CTRL, "CTRL", 0 },
    { REG_STATUS, "STATUS", 0 },
    { REG_INT_STATUS, "INT_STATUS", 0 },
    { REG_INT_MASK, "INT_MASK", 0 },
    { REG_INT_SET, "INT_SET (WO, reads 0)", 0 },
    { REG_BAD_ACCESS, "BAD_ACCESS", 0 },
    { REG_CMD, "CMD (WO, reads 0)", 0 },
    { REG_CMD_STATUS, "CMD_STATUS", 0 },
    { REG_SCAN_BUF_LO, "SCAN_BUF_LO", 0 },
    { REG_SCAN_BUF_HI, "SCAN_BUF_HI", 0 },
    { REG_SCAN_BUF_LEN, "SCAN_BUF_LEN", 0 },
    { REG_SCAN_COUNT, "SCAN_COUNT", 0 },
    { REG_SCAN_TOTAL, "SCAN_TOTAL", 0 },
    { REG_CONN_PARAM_LO, "CONN_PARAM_LO", 0 },
    { REG_CONN_PARAM_HI, "CONN_PARAM_HI", 0 },
    { REG_LINK_REASON, "LINK_REASON", 0 },
    { REG_LINK_BSSID_LO, "LINK_BSSID_LO", 0 },
    { REG_LINK_BSSID_HI, "LINK_BSSID_HI", 0 },
    { REG_LINK_CHANNEL, "LINK_CHANNEL", 0 },
    { REG_LINK_RSSI, "LINK_RSSI", 0 },
    { REG_TX_RING_LO, "TX_RING_LO", 0 },
    { REG_TX_RING_HI, "TX_RING_HI", 0 },
    { REG_TX_RING_SIZE, "TX_RING_SIZE", 0 },
    { REG_TX_HEAD, "TX_HEAD", 0 },
    { REG_TX_TAIL, "TX_TAIL", 0 },
    { REG_RX_RING_LO, "RX_RING_LO", 0 },
    { REG_RX_RING_HI, "RX_RING_HI", 0 },
    { REG_RX_RING_SIZE, "RX_RING_SIZE", 0 },
    { REG_RX_HEAD, "RX_HEAD", 0 },
    { REG_RX_TAIL, "RX_TAIL", 0 },
    { REG_STAT_TX_FRAMES, "STAT_TX_FRAMES", 0 },
    { REG_STAT_TX_BYTES, "STAT_TX_BYTES", 0 },
    { REG_STAT_RX_FRAMES, "STAT_RX_FRAMES", 0 },
    { REG_STAT_RX_BYTES, "STAT_RX_BYTES", 0 },
    { REG_STAT_TX_DROPPED, "STAT_TX_DROPPED", 0 },
    { REG_STAT_RX_DROPPED, "STAT_RX_DROPPED", 0 },
    { REG_STAT_DMA_ERRORS, "STAT_DMA_ERRORS", 0 },
    { REG_STAT_BAD_DESC, "STAT_BAD_DESC", 0 },
    { REG_STAT_CLEAR, "STAT_CLEAR (WO, reads 0)", 0 },
};

static void check_reset_values(Fixture *f)
{
    size_t i;

    for (i = 0; i < ARRAY_SIZE(reset_table); i++) {
        const RegReset *r = &reset_table[i];
        uint32_t val = rd(f, r->reg);

        if (val != r->value) {
            g_test_message("register %s (0x%03x) reads 0x%08x, expected "
                           "0x%08x", r->name, r->reg, val, r->value);
        }
        g_assert_cmphex(val, ==, r->value);
    }
    /* The MAC address survives every kind of reset. */
    g_assert_cmphex(rd(f, REG_MAC_LO), ==, bytes_lo(f->mac));
    g_assert_cmphex(rd(f, REG_MAC_HI), ==, bytes_hi(f->mac));
}

/* Descriptors in guest memory */

static void desc_fill(Fixture *f, uint64_t ring, unsigned idx,
                      uint64_t addr, uint16_t len)
{
    uint8_t d[DESC_SIZE];

    stq_le_p(d, addr);
    stw_le_p(d + 8, len);
    stw_le_p(d + 10, DESC_OWN);
    stl_le_p(d + 12, 0);
    qtest_memwrite(f->qts, ring + (uint64_t)idx * DESC_SIZE, d, sizeof(d));
}

static uint16_t desc_len(Fixture *f, uint64_t ring, unsigned idx)
{
    return qtest_readw(f->qts, ring + (uint64_t)idx * DESC_SIZE + 8);
}

static uint16_t desc_flags(Fixture *f, uint64_t ring, unsigned idx)
{
    return qtest_readw(f->qts, ring + (uint64_t)idx * DESC_SIZE + 10);
}

static uint32_t desc_status(Fixture *f, uint64_t ring, unsigned idx)
{
    return qtest_readl(f->qts, ring + (uint64_t)idx * DESC_SIZE + 12);
}

/* Written back by the device: OWN clear, DONE set, ERROR as given. */
static void check_desc_done(Fixture *f, uint64_t ring, unsigned idx,
                            bool error, unsigned code)
{
    uint32_t st = desc_status(f, ring, idx);

    g_assert_cmphex(desc_flags(f, ring, idx) & DESC_OWN, ==, 0);
    g_assert_cmphex(st & DESC_DONE, ==, DESC_DONE);
    g_assert_cmphex(st & DESC_ERROR, ==, error ? DESC_ERROR : 0);
    if (error) {
        g_assert_cmpuint(DESC_CODE(st), ==, code);
    }
}

/* Rings */

static void setup_tx_ring(Fixture *f, uint32_t size)
{
    wr(f, REG_TX_RING_LO, TX_RING_ADDR);
    wr(f, REG_TX_RING_HI, 0);
    wr(f, REG_TX_RING_SIZE, size);
    f->tx_size = size;
}

/* Post empty buffers in RX descriptors 0..@posted-1; RX_TAIL = @posted */
static void post_rx(Fixture *f, unsigned posted)
{
    unsigned i;

    for (i = 0; i < posted; i++) {
        desc_fill(f, RX_RING_ADDR, i, RX_BUF_ADDR + i * BUF_SIZE, BUF_SIZE);
    }
    wr(f, REG_RX_TAIL, posted);
}

/* Program the RX ring and post buffers (spec section 10, step 3) */
static void setup_rx_ring(Fixture *f, uint32_t size, unsigned posted)
{
    wr(f, REG_RX_RING_LO, RX_RING_ADDR);
    wr(f, REG_RX_RING_HI, 0);
    wr(f, REG_RX_RING_SIZE, size);
    post_rx(f, posted);
}

static void set_ctrl(Fixture *f, uint32_t bits)
{
    wr(f, REG_CTRL, bits);
    g_assert_cmphex(rd(f, REG_CTRL), ==, bits);
}

/* Queue one frame in TX descriptor @idx and ring the doorbell after it. */
static void tx_frame(Fixture *f, unsigned idx, const uint8_t *frame,
                     uint16_t len)
{
    uint64_t buf = TX_BUF_ADDR + (uint64_t)idx * BUF_SIZE;

    qtest_memwrite(f->qts, buf, frame, len);
    desc_fill(f, TX_RING_ADDR, idx, buf, len);
    wr(f, REG_TX_TAIL, (idx + 1) & (f->tx_size - 1));
}

/* Ethernet + ARP "who-has 10.0.2.2 tell 10.0.2.15", padded to 60 bytes */
#define ARP_FRAME_LEN       60

static const uint8_t guest_ip[4] = { 10, 0, 2, 15 };
static const uint8_t gateway_ip[4] = { 10, 0, 2, 2 };

static void build_arp_request(Fixture *f, uint8_t *frame)
{
    static const uint8_t arp_hdr[8] = { 0x00, 0x01, 0x08, 0x00, 6, 4,
                                        0x00, 0x01 };

    memset(frame, 0, ARP_FRAME_LEN);
    memset(frame, 0xff, 6);
    memcpy(frame + 6, f->mac, 6);
    frame[12] = 0x08;
    frame[13] = 0x06;
    memcpy(frame + 14, arp_hdr, sizeof(arp_hdr));
    memcpy(frame + 22, f->mac, 6);
    memcpy(frame + 28, guest_ip, 4);
    memcpy(frame + 38, gateway_ip, 4);
}

static void tx_arp(Fixture *f, unsigned idx)
{
    uint8_t frame[ARP_FRAME_LEN];

    build_arp_request(f, frame);
    tx_frame(f, idx, frame, sizeof(frame));
}

/* slirp may answer asynchronously: step the clock until RX_HEAD moves. */
static void wait_rx_head_moves(Fixture *f, uint32_t old_head)
{
    int i;

    for (i = 0; i < 200 && rd(f, REG_RX_HEAD) == old_head; i++) {
        step_ms(f, 1);
    }
}

static bool is_arp_reply_for_us(Fixture *f, const uint8_t *frame, size_t len)
{
    return len >= 42 &&
           memcmp(frame, f->mac, 6) == 0 &&
           frame[12] == 0x08 && frame[13] == 0x06 &&
           frame[20] == 0x00 && frame[21] == 0x02 &&
           memcmp(frame + 28, gateway_ip, 4) == 0 &&
           memcmp(frame + 32, f->mac, 6) == 0 &&
           memcmp(frame + 38, guest_ip, 4) == 0;
}

/* Scan */

static void start_scan(Fixture *f, uint64_t addr, uint32_t len)
{
    wr(f, REG_SCAN_BUF_LO, (uint32_t)addr);
    wr(f, REG_SCAN_BUF_HI, addr >> 32);
    wr(f, REG_SCAN_BUF_LEN, len);
    wr(f, REG_CMD, CMD_SCAN);
}

/* Scan into a buffer pre-filled with 0xaa and wait for SCAN_DONE. */
static void scan_and_wait(Fixture *f, uint32_t len)
{
    qtest_memset(f->qts, SCAN_BUF_ADDR, 0xaa, 4096);
    clear_ints(f);
    start_scan(f, SCAN_BUF_ADDR, len);
    step_ms(f, WAIT_MS);
    g_assert_cmpuint(rd(f, REG_CMD_STATUS), ==, CMD_STATUS_DONE);
    g_assert_cmphex(rd(f, REG_STATUS) & STATUS_SCANNING, ==, 0);
    g_assert_cmphex(rd(f, REG_INT_STATUS) & INT_SCAN_DONE, ==,
                    INT_SCAN_DONE);
}

static void check_record(Fixture *f, unsigned idx, const ApInfo *ap,
                         int rssi)
{
    uint8_t rec[SCAN_REC_SIZE];
    size_t ssid_len = strlen(ap->ssid);
    size_t i;

    qtest_memread(f->qts, SCAN_BUF_ADDR + idx * SCAN_REC_SIZE, rec,
                  sizeof(rec));
    g_assert_cmpuint(rec[0], ==, ssid_len);
    g_assert(memcmp(rec + 1, ap->ssid, ssid_len) == 0);
    for (i = 1 + ssid_len; i < 33; i++) {
        g_assert_cmphex(rec[i], ==, 0);
    }
    g_assert(memcmp(rec + 33, ap->bssid, 6) == 0);
    g_assert_cmpuint(rec[39], ==, ap->channel);
    g_assert_cmpint((int8_t)rec[40], ==, rssi);
    g_assert_cmpuint(rec[41], ==, ap->security);
    for (i = 42; i < SCAN_REC_SIZE; i++) {
        g_assert_cmphex(rec[i], ==, 0);
    }
}

/* Connect */

static void build_conn_param(uint8_t *blk, const char *ssid,
                             const uint8_t *bssid, const char *pass)
{
    size_t ssid_len = strlen(ssid);
    size_t pass_len = pass ? strlen(pass) : 0;

    memset(blk, 0, CONN_PARAM_SIZE);
    blk[0] = ssid_len;
    memcpy(blk + 1, ssid, MIN(ssid_len, 32));
    if (bssid) {
        memcpy(blk + 33, bssid, 6);
    }
    blk[39] = pass_len;
    if (pass) {
        memcpy(blk + 40, pass, MIN(pass_len, 63));
    }
}

static void start_connect_blk(Fixture *f, const uint8_t *blk)
{
    qtest_memwrite(f->qts, CONN_PARAM_ADDR, blk, CONN_PARAM_SIZE);
    wr(f, REG_CONN_PARAM_LO, CONN_PARAM_ADDR);
    wr(f, REG_CONN_PARAM_HI, 0);
    wr(f, REG_CMD, CMD_CONNECT);
}

static void start_connect(Fixture *f, const char *ssid,
                          const uint8_t *bssid, const char *pass)
{
    uint8_t blk[CONN_PARAM_SIZE];

    build_conn_param(blk, ssid, bssid, pass);
    start_connect_blk(f, blk);
}

static void check_link(Fixture *f, const ApInfo *ap, int rssi)
{
    g_assert_cmphex(rd(f, REG_STATUS), ==, STATUS_LINK_UP);
    g_assert_cmphex(rd(f, REG_LINK_BSSID_LO), ==, bytes_lo(ap->bssid));
    g_assert_cmphex(rd(f, REG_LINK_BSSID_HI), ==, bytes_hi(ap->bssid));
    g_assert_cmpuint(rd(f, REG_LINK_CHANNEL), ==, ap->channel);
    g_assert_cmpint((int32_t)rd(f, REG_LINK_RSSI), ==, rssi);
}

/* Connect to @ap by SSID and expect the link to come up. */
static void connect_ok(Fixture *f, const ApInfo *ap)
{
    clear_ints(f);
    start_connect(f, ap->ssid, NULL, ap->passphrase);
    step_ms(f, WAIT_MS);
    g_assert_cmpuint(rd(f, REG_CMD_STATUS), ==, CMD_STATUS_DONE);
    g_assert_cmphex(rd(f, REG_INT_STATUS) & (INT_LINK_UP | INT_CONNECT_FAIL),
                    ==, INT_LINK_UP);
    check_link(f, ap, ap->rssi);
}

/* Connect and expect CONNECT_FAIL with @reason. */
static void connect_fails(Fixture *f, const char *ssid, const uint8_t *bssid,
                          const char *pass, uint32_t reason)
{
    clear_ints(f);
    start_connect(f, ssid, bssid, pass);
    g_assert_cmphex(rd(f, REG_STATUS) & STATUS_CONNECTING, ==,
                    STATUS_CONNECTING);
    step_ms(f, WAIT_MS);
    g_assert_cmpuint(rd(f, REG_CMD_STATUS), ==, CMD_STATUS_DONE);
    g_assert_cmphex(rd(f, REG_INT_STATUS) & (INT_LINK_UP | INT_CONNECT_FAIL),
                    ==, INT_CONNECT_FAIL);
    g_assert_cmphex(rd(f, REG_STATUS), ==, 0);
    g_assert_cmpuint(rd(f, REG_LINK_REASON), ==, reason);
}

/* Rings of RING_SIZE, all RX buffers posted, both enabled, associated */
static void setup_datapath(Fixture *f, unsigned rx_posted)
{
    setup_tx_ring(f, RING_SIZE);
    setup_rx_ring(f, RING_SIZE, rx_posted);
    set_ctrl(f, CTRL_RX_EN | CTRL_TX_EN);
    connect_ok(f, &ap_open);
    clear_ints(f);
}

/* Migration */

/* Poll query-migrate until @qts reports @want (bounded: 30 s of polling). */
static void wait_migration(QTestState *qts, const char *want)
{
    int i;

    for (i = 0; i < 3000; i++) {
        QDict *rsp = qtest_qmp(qts, "{ 'execute': 'query-migrate' }");
        QDict *ret = qdict_get_qdict(rsp, "return");
        const char *status = qdict_get_try_str(ret, "status");
        bool done = status && !strcmp(status, want);
        bool failed = status && !strcmp(status, "failed");

        qobject_unref(rsp);
        g_assert_false(failed);
        if (done) {
            return;
        }
        g_usleep(10 * 1000);
    }
    g_assert_not_reached();
}

/* VMState: a connected device with rings set up survives a save/load. */
static void test_migration(void)
{
    Fixture f, g;
    g_autofree char *path = g_strdup_printf("%s/dextbed-wifi-mig-%d.bin",
                                            g_get_tmp_dir(), getpid());
    g_autofree char *uri = g_strdup_printf("file:%s", path);

    fixture_up(&f);
    setup_datapath(&f, 3);
    wr(&f, REG_INT_MASK, INT_RX_DONE | INT_LINK_DOWN);
    tx_arp(&f, 0);
    step_ms(&f, 5);
    g_assert_cmpuint(rd(&f, REG_STAT_TX_FRAMES), ==, 1);
    qtest_qmp_assert_success(f.qts, "{ 'execute': 'migrate', "
                             "'arguments': { 'uri': %s } }", uri);
    wait_migration(f.qts, "completed");

    memset(&g, 0, sizeof(g));
    g.qts = qtest_initf("-machine q35 -nodefaults -netdev user,id=n0 "
                        "-device dextbed-wifi,netdev=n0,id=wifi0,addr=0x%x "
                        "-incoming %s", WIFI_SLOT, uri);
    wait_migration(g.qts, "completed");
    g.bus = qpci_new_pc(g.qts, NULL);
    g.dev = qpci_device_find(g.bus, QPCI_DEVFN(WIFI_SLOT, 0));
    g_assert_nonnull(g.dev);
    g.bar = qpci_iomap(g.dev, 0, &g.bar_size);

    g_assert_cmphex(rd(&g, REG_STATUS), ==, STATUS_LINK_UP);
    check_link(&g, &ap_open, ap_open.rssi);
    g_assert_cmphex(rd(&g, REG_CTRL), ==, CTRL_RX_EN | CTRL_TX_EN);
    g_assert_cmphex(rd(&g, REG_INT_MASK), ==, INT_RX_DONE | INT_LINK_DOWN);
    g_assert_cmphex(rd(&g, REG_TX_RING_LO), ==, rd(&f, REG_TX_RING_LO));
    g_assert_cmpuint(rd(&g, REG_TX_RING_SIZE), ==, RING_SIZE);
    g_assert_cmpuint(rd(&g, REG_TX_HEAD), ==, 1);
    g_assert_cmpuint(rd(&g, REG_RX_TAIL), ==, rd(&f, REG_RX_TAIL));
    g_assert_cmpuint(rd(&g, REG_STAT_TX_FRAMES), ==, 1);

    fixture_down(&g);
    fixture_down(&f);
    unlink(path);
}

/* QMP */

static void qom_set_aps(Fixture *f, const char *aps)
{
    qtest_qmp_assert_success(f->qts,
                             "{'execute': 'qom-set', 'arguments': "
                             "{'path': %s, 'property': 'aps', "
                             "'value': %s}}", WIFI_QOM_PATH, aps);
}

static void qom_set_aps_refused(Fixture *f, const char *aps)
{
    QDict *err;
    const char *desc;

    err = qtest_qmp_assert_failure_ref(f->qts,
                                       "{'execute': 'qom-set', "
                                       "'arguments': {'path': %s, "
                                       "'property': 'aps', 'value': %s}}",
                                       WIFI_QOM_PATH, aps);
    desc = qdict_get_try_str(err, "desc");
    g_assert_nonnull(desc);
    g_assert_cmpuint(strlen(desc), >, 0);
    qobject_unref(err);
}

static void qom_deauth(Fixture *f)
{
    qtest_qmp_assert_success(f->qts,
                             "{'execute': 'qom-set', 'arguments': "
                             "{'path': %s, 'property': 'deauth', "
                             "'value': true}}", WIFI_QOM_PATH);
}

/* Interrupt lines: q35 routes PCI INTx to IOAPIC GSIs 16..23. */
static int raised_pci_gsi(Fixture *f)
{
    int gsi, found = -1;

    for (gsi = 16; gsi < 24; gsi++) {
        if (qtest_get_irq(f->qts, gsi)) {
            g_assert_cmpint(found, ==, -1);
            found = gsi;
        }
    }
    return found;
}

/*
 * 1. PCI identity
 */

static void test_identity(void)
{
    Fixture f;
    uint8_t msi, msix;
    uint16_t flags;
    uint64_t bar2_size;

    fixture_up(&f);
    g_assert_cmphex(qpci_config_readw(f.dev, PCI_VENDOR_ID), ==, WIFI_VENDOR);
    g_assert_cmphex(qpci_config_readw(f.dev, PCI_DEVICE_ID), ==, WIFI_DEVICE);
    g_assert_cmphex(qpci_config_readw(f.dev, PCI_SUBSYSTEM_VENDOR_ID), ==,
                    WIFI_SUBSYS_VENDOR);
    g_assert_cmphex(qpci_config_readw(f.dev, PCI_SUBSYSTEM_ID), ==,
                    WIFI_SUBSYS);
    g_assert_cmphex(qpci_config_readb(f.dev, PCI_REVISION_ID), ==,
                    WIFI_REVISION);
    g_assert_cmphex(qpci_config_readw(f.dev, PCI_CLASS_DEVICE), ==,
                    WIFI_CLASS);
    g_assert_cmphex(qpci_config_readb(f.dev, PCI_CLASS_PROG), ==, 0x00);
    g_assert_cmphex(qpci_config_readb(f.dev, PCI_INTERRUPT_PIN), ==, 1);

    /* Capabilities: PM, MSI (1 vector, 64-bit), MSI-X (1 vector), PCIe */
    g_assert_cmphex(find_cap(&f, PCI_CAP_ID_PM), !=, 0);
    g_assert_cmphex(find_cap(&f, PCI_CAP_ID_EXP), !=, 0);
    msi = find_cap(&f, PCI_CAP_ID_MSI);
    g_assert_cmphex(msi, !=, 0);
    flags = qpci_config_readw(f.dev, msi + PCI_MSI_FLAGS);
    g_assert_cmphex(flags & PCI_MSI_FLAGS_64BIT, ==, PCI_MSI_FLAGS_64BIT);
    g_assert_cmphex(flags & PCI_MSI_FLAGS_QMASK, ==, 0);
    msix = find_cap(&f, PCI_CAP_ID_MSIX);
    g_assert_cmphex(msix, !=, 0);
    flags = qpci_config_readw(f.dev, msix + PCI_MSIX_FLAGS);
    g_assert_cmpuint((flags & PCI_MSIX_FLAGS_QSIZE) + 1, ==, 1);
    g_assert_cmpuint(qpci_config_readl(f.dev, msix + PCI_MSIX_TABLE) &
                     PCI_MSIX_TABLE_BIR, ==, 2);
    g_assert_cmpuint(qpci_config_readl(f.dev, msix + PCI_MSIX_PBA) &
                     PCI_MSIX_PBA_BIR, ==, 2);

    /* BARs */
    g_assert_cmphex(f.bar_size, ==, WIFI_BAR0_SIZE);
    qpci_iomap(f.dev, 2, &bar2_size);
    g_assert_cmphex(bar2_size, ==, WIFI_BAR2_SIZE);

    g_assert_cmphex(rd(&f, REG_ID), ==, WIFI_ID);
    g_assert_cmphex(rd(&f, REG_VERSION), ==, WIFI_VERSION);
    fixture_down(&f);
}

static void test_identity_properties(void)
{
    Fixture f;

    fixture_up_props(&f, ",vendor-id=0x1af4,device-id=0x1234,"
                     "subsystem-vendor-id=0x1b36,subsystem-id=0x4321,"
                     "revision=0x07");
    g_assert_cmphex(qpci_config_readw(f.dev, PCI_VENDOR_ID), ==, 0x1af4);
    g_assert_cmphex(qpci_config_readw(f.dev, PCI_DEVICE_ID), ==, 0x1234);
    g_assert_cmphex(qpci_config_readw(f.dev, PCI_SUBSYSTEM_VENDOR_ID), ==,
                    0x1b36);
    g_assert_cmphex(qpci_config_readw(f.dev, PCI_SUBSYSTEM_ID), ==, 0x4321);
    g_assert_cmphex(qpci_config_readb(f.dev, PCI_REVISION_ID), ==, 0x07);
    /* The class code is fixed. */
    g_assert_cmphex(qpci_config_readw(f.dev, PCI_CLASS_DEVICE), ==,
                    WIFI_CLASS);
    g_assert_cmphex(rd(&f, REG_ID), ==, WIFI_ID);
    fixture_down(&f);
}

/*
 * 2. Reset values
 */

static void test_reset_values(void)
{
    Fixture f;

    fixture_up_props(&f, ",mac=52:54:00:12:34:56");
    check_reset_values(&f);
    g_assert_cmphex(rd(&f, REG_MAC_LO), ==, 0x12005452);
    g_assert_cmphex(rd(&f, REG_MAC_HI), ==, 0x5634);
    /* Reads of unknown offsets return 0. */
    g_assert_cmphex(rd(&f, 0x800), ==, 0);
    g_assert_cmphex(rd(&f, 0x3ffc), ==, 0);
    fixture_down(&f);
}

static void test_ctrl_reset(void)
{
    Fixture f;
    uint8_t byte;

    fixture_up_props(&f, ",mac=52:54:00:12:34:56");

    /* Plain RW registers return to 0. */
    wr(&f, REG_INT_MASK, INT_ALL);
    wr(&f, REG_INT_SET, INT_TX_DONE | INT_CMD_ERROR);
    wr(&f, REG_SCAN_BUF_LO, 0x12345678);
    wr(&f, REG_SCAN_BUF_HI, 0x1);
    wr(&f, REG_SCAN_BUF_LEN, 480);
    wr(&f, REG_CONN_PARAM_LO, 0x8765430);
    wr(&f, REG_CONN_PARAM_HI, 0x2);
    wr(&f, REG_TX_RING_LO, 0x4000);
    wr(&f, REG_TX_RING_HI, 0x3);
    wr(&f, REG_TX_RING_SIZE, 64);
    wr(&f, REG_RX_RING_LO, 0x8000);
    wr(&f, REG_RX_RING_HI, 0x4);
    wr(&f, REG_RX_RING_SIZE, 128);
    g_assert_cmphex(rd(&f, REG_INT_MASK), ==, INT_ALL);
    g_assert_cmphex(rd(&f, REG_TX_RING_SIZE), ==, 64);
    wr(&f, REG_CTRL, CTRL_RESET);
    check_reset_values(&f);

    /* Active state: rings, link, statistics, then a scan in flight. */
    setup_datapath(&f, RING_SIZE - 1);
    wr(&f, REG_INT_MASK, INT_ALL);
    tx_arp(&f, 0);
    step_ms(&f, 5);
    g_assert_cmpuint(rd(&f, REG_STAT_TX_FRAMES), ==, 1);
    qtest_memset(f.qts, SCAN_BUF_ADDR, 0xaa, 4096);
    start_scan(&f, SCAN_BUF_ADDR, 4096);
    g_assert_cmphex(rd(&f, REG_STATUS), ==,
                    STATUS_LINK_UP | STATUS_SCANNING);
    wr(&f, REG_CTRL, CTRL_RESET);
    check_reset_values(&f);

    /* The link dropped without an event and the scan was abandoned. */
    step_ms(&f, WAIT_MS);
    check_reset_values(&f);
    byte = qtest_readb(f.qts, SCAN_BUF_ADDR);
    g_assert_cmphex(byte, ==, 0xaa);

    /* A connect in progress is abandoned too. */
    start_connect(&f, ap_open.ssid, NULL, NULL);
    g_assert_cmphex(rd(&f, REG_STATUS), ==, STATUS_CONNECTING);
    wr(&f, REG_CTRL, CTRL_RESET);
    step_ms(&f, WAIT_MS);
    check_reset_values(&f);

    /* The device works normally afterwards. */
    connect_ok(&f, &ap_open);
    fixture_down(&f);
}

/*
 * 3. Scan
 */

static void test_scan(void)
{
    Fixture f;

    fixture_up(&f);
    qtest_memset(f.qts, SCAN_BUF_ADDR, 0xaa, 4096);
    start_scan(&f, SCAN_BUF_ADDR, 4096);
    g_assert_cmpuint(rd(&f, REG_CMD_STATUS), ==, CMD_STATUS_BUSY);
    g_assert_cmphex(rd(&f, REG_STATUS), ==, STATUS_SCANNING);
    step_ms(&f, WAIT_MS);

    g_assert_cmpuint(rd(&f, REG_CMD_STATUS), ==, CMD_STATUS_DONE);
    g_assert_cmphex(rd(&f, REG_STATUS), ==, 0);
    /* INT_STATUS records causes whatever INT_MASK says (mask is 0 here). */
    g_assert_cmphex(rd(&f, REG_INT_STATUS), ==, INT_SCAN_DONE);
    g_assert_cmpuint(rd(&f, REG_SCAN_COUNT), ==, 2);
    g_assert_cmpuint(rd(&f, REG_SCAN_TOTAL), ==, 2);
    /* Strongest first: dextbed-open (-40) before dextbed-wpa2 (-55). */
    check_record(&f, 0, &ap_open, ap_open.rssi);
    check_record(&f, 1, &ap_wpa2, ap_wpa2.rssi);
    fixture_down(&f);
}

static void test_scan_short_buffer(void)
{
    Fixture f;

    fixture_up(&f);

    /* Room for exactly one record: the strongest one. */
    scan_and_wait(&f, SCAN_REC_SIZE);
    g_assert_cmpuint(rd(&f, REG_SCAN_COUNT), ==, 1);
    g_assert_cmpuint(rd(&f, REG_SCAN_TOTAL), ==, 2);
    check_record(&f, 0, &ap_open, ap_open.rssi);
    g_assert_cmphex(qtest_readb(f.qts, SCAN_BUF_ADDR + SCAN_REC_SIZE), ==,
                    0xaa);

    /* Room for no record ("as many as fit" = 0); nothing is written. */
    scan_and_wait(&f, SCAN_REC_SIZE - 1);
    g_assert_cmpuint(rd(&f, REG_SCAN_COUNT), ==, 0);
    g_assert_cmpuint(rd(&f, REG_SCAN_TOTAL), ==, 2);
    g_assert_cmphex(qtest_readb(f.qts, SCAN_BUF_ADDR), ==, 0xaa);
    fixture_down(&f);
}

/*
 * 4.-6. Connect and disconnect
 */

static void test_connect_open(void)
{
    Fixture f;

    fixture_up(&f);
    start_connect(&f, ap_open.ssid, NULL, NULL);
    g_assert_cmphex(rd(&f, REG_STATUS), ==, STATUS_CONNECTING);
    g_assert_cmpuint(rd(&f, REG_CMD_STATUS), ==, CMD_STATUS_BUSY);
    step_ms(&f, WAIT_MS);

    g_assert_cmpuint(rd(&f, REG_CMD_STATUS), ==, CMD_STATUS_DONE);
    g_assert_cmphex(rd(&f, REG_INT_STATUS), ==, INT_LINK_UP);
    check_link(&f, &ap_open, ap_open.rssi);
    g_assert_cmphex(rd(&f, REG_LINK_BSSID_LO), ==, 0x00e1d002);
    g_assert_cmphex(rd(&f, REG_LINK_BSSID_HI), ==, 0x0100);
    /* No link has gone down yet. */
    g_assert_cmpuint(rd(&f, REG_LINK_REASON), ==, 0);
    fixture_down(&f);
}

static void test_connect_wpa2(void)
{
    Fixture f;

    fixture_up(&f);
    connect_fails(&f, ap_wpa2.ssid, NULL, "dextbed-wrong",
                  REASON_AUTH_FAILED);

    /* Right passphrase, and this time with the BSSID given. */
    clear_ints(&f);
    start_connect(&f, ap_wpa2.ssid, ap_wpa2.bssid, ap_wpa2.passphrase);
    step_ms(&f, WAIT_MS);
    g_assert_cmpuint(rd(&f, REG_CMD_STATUS), ==, CMD_STATUS_DONE);
    g_assert_cmphex(rd(&f, REG_INT_STATUS), ==, INT_LINK_UP);
    check_link(&f, &ap_wpa2, ap_wpa2.rssi);
    g_assert_cmphex(rd(&f, REG_LINK_BSSID_LO), ==, 0x00e1d002);
    g_assert_cmphex(rd(&f, REG_LINK_BSSID_HI), ==, 0x0200);
    fixture_down(&f);
}

static void test_connect_failures(void)
{
    Fixture f;
    char ssid32[33];

    fixture_up(&f);
    connect_fails(&f, ap_open.ssid, NULL, "not-needed",
                  REASON_SEC_MISMATCH);
    connect_fails(&f, ap_wpa2.ssid, NULL, NULL, REASON_SEC_MISMATCH);
    connect_fails(&f, "no-such-network", NULL, NULL, REASON_NOT_FOUND);
    /* Right SSID, but the BSSID of the other network */
    connect_fails(&f, ap_open.ssid, ap_wpa2.bssid, NULL, REASON_NOT_FOUND);
    /* Longest valid SSID: accepted, then not found */
    memset(ssid32, 'z', 32);
    ssid32[32] = '\0';
    connect_fails(&f, ssid32, NULL, NULL, REASON_NOT_FOUND);
    /* Longest valid passphrase (63): accepted, then wrong */
    connect_fails(&f, ap_wpa2.ssid, NULL,
                  "0123456789012345678901234567890123456789"
                  "01234567890123456789012", REASON_AUTH_FAILED);
    fixture_down(&f);
}

static void connect_malformed(Fixture *f, const uint8_t *blk)
{
    clear_ints(f);
    start_connect_blk(f, blk);
    /* Rejected at once: no clock step. */
    g_assert_cmpuint(rd(f, REG_CMD_STATUS), ==, CMD_STATUS_ERROR);
    g_assert_cmphex(rd(f, REG_INT_STATUS), ==, INT_CMD_ERROR);
    g_assert_cmphex(rd(f, REG_STATUS), ==, 0);
    step_ms(f, WAIT_MS);
    g_assert_cmphex(rd(f, REG_INT_STATUS), ==, INT_CMD_ERROR);
    g_assert_cmphex(rd(f, REG_STATUS), ==, 0);
}

static void test_connect_malformed(void)
{
    Fixture f;
    uint8_t blk[CONN_PARAM_SIZE];

    fixture_up(&f);
    build_conn_param(blk, ap_open.ssid, NULL, NULL);
    blk[0] = 0;
    connect_malformed(&f, blk);
    blk[0] = 33;
    connect_malformed(&f, blk);

    build_conn_param(blk, ap_wpa2.ssid, NULL, ap_wpa2.passphrase);
    blk[39] = 5;
    connect_malformed(&f, blk);
    blk[39] = 7;
    connect_malformed(&f, blk);
    blk[39] = 64;
    connect_malformed(&f, blk);

    /* A well-formed block still works afterwards. */
    connect_ok(&f, &ap_wpa2);
    fixture_down(&f);
}

static void test_disconnect(void)
{
    Fixture f;

    fixture_up(&f);
    connect_ok(&f, &ap_open);
    clear_ints(&f);
    wr(&f, REG_CMD, CMD_DISCONNECT);
    /* The spec gives disconnect no delay: checked without a clock step. */
    g_assert_cmpuint(rd(&f, REG_CMD_STATUS), ==, CMD_STATUS_DONE);
    g_assert_cmphex(rd(&f, REG_INT_STATUS), ==, INT_LINK_DOWN);
    g_assert_cmpuint(rd(&f, REG_LINK_REASON), ==, REASON_LOCAL);
    g_assert_cmphex(rd(&f, REG_STATUS), ==, 0);

    /* With no link: completes without an interrupt. */
    clear_ints(&f);
    wr(&f, REG_CMD, CMD_DISCONNECT);
    step_ms(&f, WAIT_MS);
    g_assert_cmpuint(rd(&f, REG_CMD_STATUS), ==, CMD_STATUS_DONE);
    g_assert_cmphex(rd(&f, REG_INT_STATUS), ==, 0);

    /* Cancels a connect in progress. */
    start_connect(&f, ap_open.ssid, NULL, NULL);
    g_assert_cmphex(rd(&f, REG_STATUS), ==, STATUS_CONNECTING);
    wr(&f, REG_CMD, CMD_DISCONNECT);
    g_assert_cmpuint(rd(&f, REG_CMD_STATUS), ==, CMD_STATUS_DONE);
    g_assert_cmphex(rd(&f, REG_STATUS), ==, 0);
    step_ms(&f, WAIT_MS);
    g_assert_cmphex(rd(&f, REG_STATUS), ==, 0);
    g_assert_cmphex(rd(&f, REG_INT_STATUS) & INT_LINK_UP, ==, 0);

    /* Connecting while associated drops the link first (reason 3). */
    connect_ok(&f, &ap_open);
    clear_ints(&f);
    start_connect(&f, ap_wpa2.ssid, NULL, ap_wpa2.passphrase);
    step_ms(&f, WAIT_MS);
    g_assert_cmphex(rd(&f, REG_INT_STATUS), ==, INT_LINK_DOWN | INT_LINK_UP);
    g_assert_cmpuint(rd(&f, REG_LINK_REASON), ==, REASON_LOCAL);
    check_link(&f, &ap_wpa2, ap_wpa2.rssi);
    fixture_down(&f);
}

/*
 * 7.-8. Frames
 */

static void test_tx_rx_arp(void)
{
    Fixture f;
    uint32_t head, i, rx_frames;
    uint8_t frame[BUF_SIZE];
    bool found = false;

    fixture_up(&f);
    setup_datapath(&f, RING_SIZE - 1);
    tx_arp(&f, 0);
    wait_rx_head_moves(&f, 0);

    /* TX side */
    check_desc_done(&f, TX_RING_ADDR, 0, false, 0);
    g_assert_cmpuint(rd(&f, REG_TX_HEAD), ==, 1);
    g_assert_cmpuint(rd(&f, REG_STAT_TX_FRAMES), ==, 1);
    g_assert_cmpuint(rd(&f, REG_STAT_TX_BYTES), ==, ARP_FRAME_LEN);
    g_assert_cmpuint(rd(&f, REG_STAT_TX_DROPPED), ==, 0);

    /* RX side: slirp's ARP reply from 10.0.2.2 */
    head = rd(&f, REG_RX_HEAD);
    g_assert_cmpuint(head, >=, 1);
    g_assert_cmpuint(head, <, RING_SIZE);
    g_assert_cmphex(rd(&f, REG_INT_STATUS) & (INT_TX_DONE | INT_RX_DONE),
                    ==, INT_TX_DONE | INT_RX_DONE);
    rx_frames = rd(&f, REG_STAT_RX_FRAMES);
    g_assert_cmpuint(rx_frames, >=, 1);
    g_assert_cmpuint(rx_frames, ==, head);
    g_assert_cmpuint(rd(&f, REG_STAT_RX_BYTES), >=, 42);
    for (i = 0; i < head; i++) {
        uint16_t len = desc_len(&f, RX_RING_ADDR, i);

        check_desc_done(&f, RX_RING_ADDR, i, false, 0);
        g_assert_cmpuint(len, >=, 14);
        g_assert_cmpuint(len, <=, BUF_SIZE);
        qtest_memread(f.qts, RX_BUF_ADDR + i * BUF_SIZE, frame, len);
        if (is_arp_reply_for_us(&f, frame, len)) {
            found = true;
        }
    }
    g_assert_true(found);
    /* Descriptors past RX_HEAD are still the device's. */
    g_assert_cmphex(desc_flags(&f, RX_RING_ADDR, head) & DESC_OWN, ==,
                    DESC_OWN);
    fixture_down(&f);
}

static void test_tx_without_link(void)
{
    Fixture f;

    fixture_up(&f);
    setup_tx_ring(&f, RING_SIZE);
    set_ctrl(&f, CTRL_TX_EN);
    tx_arp(&f, 0);
    step_ms(&f, 5);

    check_desc_done(&f, TX_RING_ADDR, 0, false, 0);
    g_assert_cmpuint(rd(&f, REG_TX_HEAD), ==, 1);
    g_assert_cmpuint(rd(&f, REG_STAT_TX_DROPPED), ==, 1);
    g_assert_cmpuint(rd(&f, REG_STAT_TX_FRAMES), ==, 0);
    g_assert_cmpuint(rd(&f, REG_STAT_TX_BYTES), ==, 0);
    g_assert_cmphex(rd(&f, REG_INT_STATUS), ==, INT_TX_DONE);

    /* STAT_CLEAR zeroes the statistics. */
    wr(&f, REG_STAT_CLEAR, 1);
    g_assert_cmpuint(rd(&f, REG_STAT_TX_DROPPED), ==, 0);

    /* Clearing TX_EN resets TX_HEAD and TX_TAIL. */
    set_ctrl(&f, 0);
    g_assert_cmpuint(rd(&f, REG_TX_HEAD), ==, 0);
    g_assert_cmpuint(rd(&f, REG_TX_TAIL), ==, 0);
    fixture_down(&f);
}

static void test_rx_no_buffer(void)
{
    Fixture f;
    uint8_t frame[BUF_SIZE];
    uint16_t len;

    fixture_up(&f);
    setup_datapath(&f, 0);
    tx_arp(&f, 0);
    step_ms(&f, 20);
    g_assert_cmpuint(rd(&f, REG_STAT_TX_FRAMES), ==, 1);
    g_assert_cmphex(rd(&f, REG_INT_STATUS) & INT_RX_NO_BUF, ==,
                    INT_RX_NO_BUF);
    g_assert_cmpuint(rd(&f, REG_RX_HEAD), ==, 0);
    g_assert_cmpuint(rd(&f, REG_STAT_RX_FRAMES), ==, 0);

    /* Posting buffers delivers the waiting frame: nothing is lost. */
    clear_ints(&f);
    post_rx(&f, RING_SIZE - 1);
    wait_rx_head_moves(&f, 0);
    g_assert_cmpuint(rd(&f, REG_RX_HEAD), >=, 1);
    g_assert_cmphex(rd(&f, REG_INT_STATUS) & INT_RX_DONE, ==, INT_RX_DONE);
    check_desc_done(&f, RX_RING_ADDR, 0, false, 0);
    len = desc_len(&f, RX_RING_ADDR, 0);
    g_assert_cmpuint(len, <=, BUF_SIZE);
    qtest_memread(f.qts, RX_BUF_ADDR, frame, len);
    g_assert_true(is_arp_reply_for_us(&f, frame, len));
    g_assert_cmpuint(rd(&f, REG_STAT_RX_DROPPED), ==, 0);
    fixture_down(&f);
}

static void test_rx_bad_buffers(void)
{
    Fixture f;

    fixture_up(&f);
    setup_datapath(&f, 0);

    /* A frame longer than the buffer: dropped, code 3. */
    desc_fill(&f, RX_RING_ADDR, 0, RX_BUF_ADDR, 16);
    wr(&f, REG_RX_TAIL, 1);
    tx_arp(&f, 0);
    wait_rx_head_moves(&f, 0);
    g_assert_cmpuint(rd(&f, REG_RX_HEAD), ==, 1);
    check_desc_done(&f, RX_RING_ADDR, 0, true, ERR_RX_TOO_BIG);
    g_assert_cmpuint(rd(&f, REG_STAT_RX_DROPPED), ==, 1);
    g_assert_cmpuint(rd(&f, REG_STAT_RX_FRAMES), ==, 0);
    g_assert_cmpuint(rd(&f, REG_STAT_BAD_DESC), ==, 1);
    g_assert_cmphex(rd(&f, REG_INT_STATUS) & INT_DMA_ERROR, ==,
                    INT_DMA_ERROR);

    /*
     * A zero-length buffer: code 2. Whether the frame then goes to the
     * next buffer or is dropped is not specified, so only desc 1 is checked.
     */
    clear_ints(&f);
    desc_fill(&f, RX_RING_ADDR, 1, RX_BUF_ADDR, 0);
    desc_fill(&f, RX_RING_ADDR, 2, RX_BUF_ADDR + BUF_SIZE, BUF_SIZE);
    wr(&f, REG_RX_TAIL, 3);
    tx_arp(&f, 1);
    wait_rx_head_moves(&f, 1);
    step_ms(&f, 5);
    check_desc_done(&f, RX_RING_ADDR, 1, true, ERR_RX_LEN0);
    g_assert_cmpuint(rd(&f, REG_STAT_BAD_DESC), >=, 2);
    g_assert_cmphex(rd(&f, REG_INT_STATUS) & INT_DMA_ERROR, ==,
                    INT_DMA_ERROR);
    fixture_down(&f);
}

/*
 * 9. Interrupts
 */

static void msix_vector0_setup(Fixture *f, bool masked)
{
    uint64_t off = f->dev->msix_table_off;

    qpci_io_writel(f->dev, f->dev->msix_table_bar,
                   off + PCI_MSIX_ENTRY_LOWER_ADDR, MSG_ADDR);
    qpci_io_writel(f->dev, f->dev->msix_table_bar,
                   off + PCI_MSIX_ENTRY_UPPER_ADDR, 0);
    qpci_io_writel(f->dev, f->dev->msix_table_bar,
                   off + PCI_MSIX_ENTRY_DATA, MSG_DATA);
    qpci_io_writel(f->dev, f->dev->msix_table_bar,
                   off + PCI_MSIX_ENTRY_VECTOR_CTRL,
                   masked ? PCI_MSIX_ENTRY_CTRL_MASKBIT : 0);
}

static void test_msix(void)
{
    Fixture f;

    fixture_up(&f);
    qtest_irq_intercept_in(f.qts, "ioapic");
    qpci_msix_enable(f.dev);
    g_assert_cmpuint(qpci_msix_table_size(f.dev), ==, 1);
    msix_vector0_setup(&f, true);
    g_assert_true(qpci_msix_masked(f.dev, 0));
    qtest_writel(f.qts, MSG_ADDR, 0);

    /* A masked-off cause is recorded but does not interrupt. */
    wr(&f, REG_INT_MASK, INT_ALL & ~INT_TX_DONE);
    wr(&f, REG_INT_SET, INT_TX_DONE);
    g_assert_cmphex(rd(&f, REG_INT_STATUS), ==, INT_TX_DONE);
    g_assert_false(qpci_msix_pending(f.dev, 0));

    /* An enabled cause with vector 0 masked: the PBA bit is set. */
    wr(&f, REG_INT_SET, INT_SCAN_DONE);
    g_assert_cmphex(rd(&f, REG_INT_STATUS), ==, INT_TX_DONE | INT_SCAN_DONE);
    g_assert_true(qpci_msix_pending(f.dev, 0));
    g_assert_cmphex(qtest_readl(f.qts, MSG_ADDR), ==, 0);

    /* Unmasking delivers the pending message. */
    msix_vector0_setup(&f, false);
    g_assert_cmphex(qtest_readl(f.qts, MSG_ADDR), ==, MSG_DATA);
    g_assert_false(qpci_msix_pending(f.dev, 0));

    /* With MSI-X on, INTx stays low. */
    g_assert_cmpint(raised_pci_gsi(&f), ==, -1);

    /* W1C clears only the bits written. */
    wr(&f, REG_INT_STATUS, INT_TX_DONE);
    g_assert_cmphex(rd(&f, REG_INT_STATUS), ==, INT_SCAN_DONE);
    wr(&f, REG_INT_STATUS, INT_SCAN_DONE);
    g_assert_cmphex(rd(&f, REG_INT_STATUS), ==, 0);

    /* A real event sends a new message. */
    qtest_writel(f.qts, MSG_ADDR, 0);
    start_scan(&f, SCAN_BUF_ADDR, 4096);
    step_ms(&f, WAIT_MS);
    g_assert_cmphex(rd(&f, REG_INT_STATUS), ==, INT_SCAN_DONE);
    g_assert_cmphex(qtest_readl(f.qts, MSG_ADDR), ==, MSG_DATA);
    fixture_down(&f);
}

static void test_msi(void)
{
    Fixture f;
    uint8_t msi;
    uint16_t flags;

    fixture_up(&f);
    qtest_irq_intercept_in(f.qts, "ioapic");
    msi = find_cap(&f, PCI_CAP_ID_MSI);
    g_assert_cmphex(msi, !=, 0);
    flags = qpci_config_readw(f.dev, msi + PCI_MSI_FLAGS);
    g_assert_cmphex(flags & PCI_MSI_FLAGS_64BIT, ==, PCI_MSI_FLAGS_64BIT);
    qpci_config_writel(f.dev, msi + PCI_MSI_ADDRESS_LO, MSG_ADDR);
    qpci_config_writel(f.dev, msi + PCI_MSI_ADDRESS_HI, 0);
    qpci_config_writew(f.dev, msi + PCI_MSI_DATA_64, MSG_DATA);
    qpci_config_writew(f.dev, msi + PCI_MSI_FLAGS,
                       flags | PCI_MSI_FLAGS_ENABLE);
    qtest_writel(f.qts, MSG_ADDR, 0);

    wr(&f, REG_INT_MASK, INT_SCAN_DONE);
    wr(&f, REG_INT_SET, INT_TX_DONE);
    g_assert_cmphex(qtest_readl(f.qts, MSG_ADDR), ==, 0);
    wr(&f, REG_INT_SET, INT_SCAN_DONE);
    g_assert_cmphex(qtest_readl(f.qts, MSG_ADDR), ==, MSG_DATA);
    g_assert_cmpint(raised_pci_gsi(&f), ==, -1);

    /* Literal reading: a cause already pending does not "become" pending. */
    qtest_writel(f.qts, MSG_ADDR, 0);
    wr(&f, REG_INT_SET, INT_SCAN_DONE);
    g_assert_cmphex(qtest_readl(f.qts, MSG_ADDR), ==, 0);

    /* After W1C, the same cause is new again. */
    wr(&f, REG_INT_STATUS, INT_ALL);
    wr(&f, REG_INT_SET, INT_SCAN_DONE);
    g_assert_cmphex(qtest_readl(f.qts, MSG_ADDR), ==, MSG_DATA);
    fixture_down(&f);
}

static void test_intx(void)
{
    Fixture f;
    int gsi;

    fixture_up(&f);
    qtest_irq_intercept_in(f.qts, "ioapic");
    g_assert_cmpint(raised_pci_gsi(&f), ==, -1);

    /* Masked-off cause: line stays low. */
    wr(&f, REG_INT_MASK, INT_SCAN_DONE);
    wr(&f, REG_INT_SET, INT_TX_DONE);
    g_assert_cmphex(rd(&f, REG_INT_STATUS), ==, INT_TX_DONE);
    g_assert_cmpint(raised_pci_gsi(&f), ==, -1);

    /* Enabled cause: INTA goes high on one of GSI 16..23. */
    wr(&f, REG_INT_SET, INT_SCAN_DONE);
    gsi = raised_pci_gsi(&f);
    g_assert_cmpint(gsi, >=, 16);

    /* W1C of the enabled cause: low again (TX_DONE still pending). */
    wr(&f, REG_INT_STATUS, INT_SCAN_DONE);
    g_assert_cmphex(rd(&f, REG_INT_STATUS), ==, INT_TX_DONE);
    g_assert_false(qtest_get_irq(f.qts, gsi));

    /* Level follows INT_STATUS & INT_MASK, also when the mask changes. */
    wr(&f, REG_INT_MASK, INT_SCAN_DONE | INT_TX_DONE);
    g_assert_true(qtest_get_irq(f.qts, gsi));
    wr(&f, REG_INT_MASK, 0);
    g_assert_false(qtest_get_irq(f.qts, gsi));
    wr(&f, REG_INT_STATUS, INT_ALL);
    g_assert_cmphex(rd(&f, REG_INT_STATUS), ==, 0);

    /* A real event: the end of a scan. */
    wr(&f, REG_INT_MASK, INT_SCAN_DONE);
    start_scan(&f, SCAN_BUF_ADDR, 4096);
    g_assert_false(qtest_get_irq(f.qts, gsi));
    step_ms(&f, WAIT_MS);
    g_assert_true(qtest_get_irq(f.qts, gsi));
    wr(&f, REG_INT_STATUS, INT_SCAN_DONE);
    g_assert_false(qtest_get_irq(f.qts, gsi));
    fixture_down(&f);
}

/*
 * 10. The radio environment through QMP
 */

static void test_qmp_link_loss(void)
{
    Fixture f;

    fixture_up(&f);

    /* The network disappears: reason 1. */
    connect_ok(&f, &ap_open);
    clear_ints(&f);
    qom_set_aps(&f, APS_WPA2);
    /* No delay is specified: checked without a clock step. */
    g_assert_cmphex(rd(&f, REG_INT_STATUS), ==, INT_LINK_DOWN);
    g_assert_cmpuint(rd(&f, REG_LINK_REASON), ==, REASON_OUT_OF_RANGE);
    g_assert_cmphex(rd(&f, REG_STATUS), ==, 0);
    connect_fails(&f, ap_open.ssid, NULL, NULL, REASON_NOT_FOUND);

    /* The AP ends the association: reason 2. */
    qom_set_aps(&f, APS_DEFAULT);
    connect_ok(&f, &ap_open);
    clear_ints(&f);
    qom_deauth(&f);
    g_assert_cmphex(rd(&f, REG_INT_STATUS), ==, INT_LINK_DOWN);
    g_assert_cmpuint(rd(&f, REG_LINK_REASON), ==, REASON_DEAUTH);
    g_assert_cmphex(rd(&f, REG_STATUS), ==, 0);

    /* The network moves out of range (below -90 dBm): reason 1. */
    connect_ok(&f, &ap_open);
    clear_ints(&f);
    qom_set_aps(&f, APS_OPEN("-95") ";" APS_WPA2);
    g_assert_cmphex(rd(&f, REG_INT_STATUS), ==, INT_LINK_DOWN);
    g_assert_cmpuint(rd(&f, REG_LINK_REASON), ==, REASON_OUT_OF_RANGE);
    connect_fails(&f, ap_open.ssid, NULL, NULL, REASON_NOT_FOUND);
    fixture_down(&f);
}

static void test_qmp_rssi(void)
{
    Fixture f;

    fixture_up(&f);
    connect_ok(&f, &ap_open);
    clear_ints(&f);

    /* RSSI change while associated: LINK_RSSI follows, link stays. */
    qom_set_aps(&f, APS_OPEN("-70") ";" APS_WPA2);
    check_link(&f, &ap_open, -70);
    g_assert_cmphex(rd(&f, REG_INT_STATUS), ==, 0);

    /* The scan order follows: dextbed-wpa2 (-55) is now strongest. */
    scan_and_wait(&f, 4096);
    g_assert_cmpuint(rd(&f, REG_SCAN_TOTAL), ==, 2);
    check_record(&f, 0, &ap_wpa2, ap_wpa2.rssi);
    check_record(&f, 1, &ap_open, -70);

    /* -90 is still in range, -91 is not. */
    qom_set_aps(&f, APS_OPEN("-90") ";" APS_WPA2);
    check_link(&f, &ap_open, -90);
    scan_and_wait(&f, 4096);
    g_assert_cmpuint(rd(&f, REG_SCAN_TOTAL), ==, 2);
    qom_set_aps(&f, APS_OPEN("-91") ";" APS_WPA2);
    g_assert_cmpuint(rd(&f, REG_LINK_REASON), ==, REASON_OUT_OF_RANGE);
    scan_and_wait(&f, 4096);
    g_assert_cmpuint(rd(&f, REG_SCAN_TOTAL), ==, 1);
    check_record(&f, 0, &ap_wpa2, ap_wpa2.rssi);
    fixture_down(&f);
}

#define BAD_BSSID ",bssid=02:00:00:00:00:09"

static const char *const bad_aps[] = {
    "ssid=x" BAD_BSSID ",channel=15,rssi=-50,security=open",
    "ssid=x" BAD_BSSID ",channel=0,rssi=-50,security=open",
    "ssid=x,bssid=02:00:00:00:09,channel=1,rssi=-50,security=open",
    "ssid=x,bssid=zz:00:00:00:00:09,channel=1,rssi=-50,security=open",
    "ssid=x" BAD_BSSID ",channel=1,rssi=1,security=open",
    "ssid=x" BAD_BSSID ",channel=1,rssi=-101,security=open",
    "ssid=x" BAD_BSSID ",channel=1,rssi=-50,security=wep",
    "ssid=x" BAD_BSSID ",channel=1,rssi=-50,security=wpa2",
    "ssid=x" BAD_BSSID ",channel=1,rssi=-50,security=wpa2,"
        "passphrase=seven77",
    "ssid=x" BAD_BSSID ",channel=1,rssi=-50,security=wpa2,"
        "passphrase=0123456789012345678901234567890123456789"
        "012345678901234567890123",
    "ssid=x" BAD_BSSID ",channel=1,rssi=-50,security=open,"
        "passphrase=abcdefgh",
    "ssid=" BAD_BSSID ",channel=1,rssi=-50,security=open",
    "ssid=0123456789abcdef0123456789abcdef0" BAD_BSSID
        ",channel=1,rssi=-50,security=open",
    "ssid=x" BAD_BSSID ",channel=one,rssi=-50,security=open",
    "garbage",
    /* A valid entry followed by a bad one: nothing is applied. */
    APS_WPA2 ";ssid=y" BAD_BSSID ",channel=99,rssi=-50,security=open",
};

static void test_qmp_bad_aps(void)
{
    Fixture f;
    size_t i;

    fixture_up(&f);
    connect_ok(&f, &ap_open);
    clear_ints(&f);
    for (i = 0; i < ARRAY_SIZE(bad_aps); i++) {
        g_test_message("aps=%s", bad_aps[i]);
        qom_set_aps_refused(&f, bad_aps[i]);
        /* The environment is unchanged: still associated. */
        check_link(&f, &ap_open, ap_open.rssi);
        g_assert_cmphex(rd(&f, REG_INT_STATUS), ==, 0);
    }

    /* A scan still finds both default networks. */
    scan_and_wait(&f, 4096);
    g_assert_cmpuint(rd(&f, REG_SCAN_COUNT), ==, 2);
    g_assert_cmpuint(rd(&f, REG_SCAN_TOTAL), ==, 2);
    check_record(&f, 0, &ap_open, ap_open.rssi);
    check_record(&f, 1, &ap_wpa2, ap_wpa2.rssi);
    fixture_down(&f);
}

/*
 * 11. Power management
 */

static void test_pm_d3hot(void)
{
    Fixture f;
    uint8_t pm;
    uint16_t pmcsr;

    fixture_up(&f);
    pm = find_cap(&f, PCI_CAP_ID_PM);
    g_assert_cmphex(pm, !=, 0);
    pmcsr = qpci_config_readw(f.dev, pm + PCI_PM_CTRL);
    g_assert_cmphex(pmcsr & PCI_PM_CTRL_STATE_MASK, ==, 0);
    g_assert_cmphex(pmcsr & PCI_PM_CTRL_NO_SOFT_RESET, ==, 0);

    /* A configured, associated device */
    wr(&f, REG_INT_MASK, INT_ALL);
    setup_datapath(&f, RING_SIZE - 1);

    /* D3hot: BARs stop responding. */
    qpci_config_writew(f.dev, pm + PCI_PM_CTRL,
                       (pmcsr & ~PCI_PM_CTRL_STATE_MASK) | 3);
    g_assert_cmphex(qpci_config_readw(f.dev, pm + PCI_PM_CTRL) &
                    PCI_PM_CTRL_STATE_MASK, ==, 3);
    g_assert_cmphex(rd(&f, REG_ID), !=, WIFI_ID);
    step_ms(&f, WAIT_MS);

    /* Back to D0: the device has reset itself. */
    qpci_config_writew(f.dev, pm + PCI_PM_CTRL,
                       pmcsr & ~PCI_PM_CTRL_STATE_MASK);
    g_assert_cmphex(qpci_config_readw(f.dev, pm + PCI_PM_CTRL) &
                    PCI_PM_CTRL_STATE_MASK, ==, 0);
    /* Section 8 does not say whether BARs/COMMAND survive: redo them. */
    qpci_device_enable(f.dev);
    f.bar = qpci_iomap(f.dev, 0, NULL);
    check_reset_values(&f);

    /* The link was lost without an interrupt, also later. */
    step_ms(&f, WAIT_MS);
    g_assert_cmphex(rd(&f, REG_INT_STATUS), ==, 0);
    g_assert_cmphex(rd(&f, REG_STATUS) & STATUS_LINK_UP, ==, 0);
    g_assert_cmphex(rd(&f, REG_ID), ==, WIFI_ID);
    fixture_down(&f);
}

/*
 * 12. Hostile guests
 */

static void test_hostile_tail_out_of_range(void)
{
    Fixture f;

    fixture_up(&f);
    setup_tx_ring(&f, RING_SIZE);
    set_ctrl(&f, CTRL_TX_EN);
    tx_arp(&f, 0);
    step_ms(&f, 5);
    g_assert_cmpuint(rd(&f, REG_TX_HEAD), ==, 1);
    g_assert_cmpuint(rd(&f, REG_TX_TAIL), ==, 1);
    g_assert_cmpuint(rd(&f, REG_BAD_ACCESS), ==, 0);

    wr(&f, REG_TX_TAIL, RING_SIZE);
    wr(&f, REG_TX_TAIL, 0xffffffff);
    step_ms(&f, 5);
    g_assert_cmpuint(rd(&f, REG_TX_TAIL), ==, 1);
    g_assert_cmpuint(rd(&f, REG_TX_HEAD), ==, 1);
    g_assert_cmpuint(rd(&f, REG_STAT_TX_DROPPED), ==, 1);
    g_assert_cmpuint(rd(&f, REG_BAD_ACCESS), ==, 2);
    /* BAD_ACCESS is cleared on read. */
    g_assert_cmpuint(rd(&f, REG_BAD_ACCESS), ==, 0);

    setup_rx_ring(&f, RING_SIZE, 3);
    set_ctrl(&f, CTRL_TX_EN | CTRL_RX_EN);
    g_assert_cmpuint(rd(&f, REG_RX_TAIL), ==, 3);
    wr(&f, REG_RX_TAIL, RING_SIZE);
    wr(&f, REG_RX_TAIL, 1000);
    g_assert_cmpuint(rd(&f, REG_RX_TAIL), ==, 3);
    g_assert_cmpuint(rd(&f, REG_RX_HEAD), ==, 0);
    g_assert_cmpuint(rd(&f, REG_BAD_ACCESS), ==, 2);
    fixture_down(&f);
}

static void enable_rejected(Fixture *f, uint32_t bit)
{
    clear_ints(f);
    wr(f, REG_CTRL, bit);
    g_assert_cmphex(rd(f, REG_CTRL) & bit, ==, 0);
    g_assert_cmphex(rd(f, REG_INT_STATUS) & INT_DMA_ERROR, ==,
                    INT_DMA_ERROR);
    g_assert_cmpuint(rd(f, REG_CMD_STATUS), ==, CMD_STATUS_IDLE);
}

static void test_hostile_bad_ring_config(void)
{
    static const uint32_t bad_sizes[] = {
        0, 1, 4, 7, 12, 100, 4097, 6144, 8192, 0x80000000, 0xffffffff,
    };
    Fixture f;
    size_t i;

    fixture_up(&f);
    for (i = 0; i < ARRAY_SIZE(bad_sizes); i++) {
        g_test_message("ring size %u", bad_sizes[i]);
        wr(&f, REG_CTRL, CTRL_RESET);
        wr(&f, REG_TX_RING_LO, TX_RING_ADDR);
        wr(&f, REG_TX_RING_SIZE, bad_sizes[i]);
        enable_rejected(&f, CTRL_TX_EN);
        wr(&f, REG_RX_RING_LO, RX_RING_ADDR);
        wr(&f, REG_RX_RING_SIZE, bad_sizes[i]);
        enable_rejected(&f, CTRL_RX_EN);
    }

    /* Base not 16-byte aligned */
    wr(&f, REG_CTRL, CTRL_RESET);
    wr(&f, REG_TX_RING_LO, TX_RING_ADDR + 8);
    wr(&f, REG_TX_RING_SIZE, RING_SIZE);
    enable_rejected(&f, CTRL_TX_EN);
    wr(&f, REG_RX_RING_LO, RX_RING_ADDR + 4);
    wr(&f, REG_RX_RING_SIZE, RING_SIZE);
    enable_rejected(&f, CTRL_RX_EN);

    /* Per bit: a valid TX ring is enabled even if RX is rejected. */
    wr(&f, REG_CTRL, CTRL_RESET);
    setup_tx_ring(&f, 4096);
    wr(&f, REG_RX_RING_LO, RX_RING_ADDR);
    wr(&f, REG_RX_RING_SIZE, 8192);
    clear_ints(&f);
    wr(&f, REG_CTRL, CTRL_TX_EN | CTRL_RX_EN);
    g_assert_cmphex(rd(&f, REG_CTRL), ==, CTRL_TX_EN);
    g_assert_cmphex(rd(&f, REG_INT_STATUS) & INT_DMA_ERROR, ==,
                    INT_DMA_ERROR);

    /*
     * Ring registers are locked while the ring is enabled. Whether the
     * rejected RX_EN above counted in BAD_ACCESS is not specified: clear.
     */
    rd(&f, REG_BAD_ACCESS);
    wr(&f, REG_TX_RING_SIZE, 16);
    wr(&f, REG_TX_RING_LO, RX_RING_ADDR);
    wr(&f, REG_TX_RING_HI, 1);
    g_assert_cmpuint(rd(&f, REG_TX_RING_SIZE), ==, 4096);
    g_assert_cmphex(rd(&f, REG_TX_RING_LO), ==, TX_RING_ADDR);
    g_assert_cmphex(rd(&f, REG_TX_RING_HI), ==, 0);
    g_assert_cmpuint(rd(&f, REG_BAD_ACCESS), ==, 3);

    /* The smallest valid ring */
    wr(&f, REG_CTRL, CTRL_RESET);
    setup_rx_ring(&f, RING_SIZE, 0);
    set_ctrl(&f, CTRL_RX_EN);
    fixture_down(&f);
}

static void test_hostile_bad_tx_len(void)
{
    Fixture f;
    uint8_t frame[1514];

    fixture_up(&f);
    setup_tx_ring(&f, RING_SIZE);
    set_ctrl(&f, CTRL_TX_EN);
    connect_ok(&f, &ap_open);
    clear_ints(&f);

    /* An unknown ethertype (IEEE local experimental): slirp ignores it. */
    memset(frame, 0x5a, sizeof(frame));
    memset(frame, 0xff, 6);
    memcpy(frame + 6, f.mac, 6);
    frame[12] = 0x88;
    frame[13] = 0xb5;
    qtest_memwrite(f.qts, TX_BUF_ADDR, frame, sizeof(frame));
    desc_fill(&f, TX_RING_ADDR, 0, TX_BUF_ADDR, 0);
    desc_fill(&f, TX_RING_ADDR, 1, TX_BUF_ADDR, 1515);
    desc_fill(&f, TX_RING_ADDR, 2, TX_BUF_ADDR, 13);
    desc_fill(&f, TX_RING_ADDR, 3, TX_BUF_ADDR, 14);
    desc_fill(&f, TX_RING_ADDR, 4, TX_BUF_ADDR, 1514);
    desc_fill(&f, TX_RING_ADDR, 5, TX_BUF_ADDR, 0xffff);
    wr(&f, REG_TX_TAIL, 6);
    step_ms(&f, 5);

    check_desc_done(&f, TX_RING_ADDR, 0, true, ERR_TX_LEN);
    check_desc_done(&f, TX_RING_ADDR, 1, true, ERR_TX_LEN);
    check_desc_done(&f, TX_RING_ADDR, 2, true, ERR_TX_LEN);
    check_desc_done(&f, TX_RING_ADDR, 3, false, 0);
    check_desc_done(&f, TX_RING_ADDR, 4, false, 0);
    check_desc_done(&f, TX_RING_ADDR, 5, true, ERR_TX_LEN);
    g_assert_cmpuint(rd(&f, REG_TX_HEAD), ==, 6);
    g_assert_cmpuint(rd(&f, REG_STAT_BAD_DESC), ==, 4);
    g_assert_cmpuint(rd(&f, REG_STAT_TX_FRAMES), ==, 2);
    g_assert_cmpuint(rd(&f, REG_STAT_TX_BYTES), ==, 14 + 1514);
    /* STAT_TX_DROPPED lists "bad length" among its reasons. */
    g_assert_cmpuint(rd(&f, REG_STAT_TX_DROPPED), ==, 4);
    g_assert_cmphex(rd(&f, REG_INT_STATUS) & (INT_DMA_ERROR | INT_TX_DONE),
                    ==, INT_DMA_ERROR | INT_TX_DONE);
    g_assert_cmphex(rd(&f, REG_CTRL), ==, CTRL_TX_EN);
    fixture_down(&f);
}

static void test_hostile_cyclic_ring(void)
{
    enum { BIG = 4096 };
    Fixture f;
    uint8_t *ring = g_malloc0(BIG * DESC_SIZE);
    uint8_t frame[ARP_FRAME_LEN];
    unsigned i;

    fixture_up(&f);
    build_arp_request(&f, frame);
    qtest_memwrite(f.qts, TX_BUF_ADDR, frame, sizeof(frame));

    /* Small ring: every descriptor OWN, TAIL = SIZE - 1. */
    setup_tx_ring(&f, RING_SIZE);
    set_ctrl(&f, CTRL_TX_EN);
    for (i = 0; i < RING_SIZE; i++) {
        desc_fill(&f, TX_RING_ADDR, i, TX_BUF_ADDR, ARP_FRAME_LEN);
    }
    wr(&f, REG_TX_TAIL, RING_SIZE - 1);
    step_ms(&f, 5);
    g_assert_cmpuint(rd(&f, REG_TX_HEAD), ==, RING_SIZE - 1);
    g_assert_cmpuint(rd(&f, REG_STAT_TX_DROPPED), ==, RING_SIZE - 1);
    g_assert_cmphex(desc_flags(&f, TX_RING_ADDR, RING_SIZE - 1), ==,
                    DESC_OWN);

    /* Re-arm everything and ring the same doorbell: the ring is empty. */
    for (i = 0; i < RING_SIZE; i++) {
        desc_fill(&f, TX_RING_ADDR, i, TX_BUF_ADDR, ARP_FRAME_LEN);
    }
    wr(&f, REG_TX_TAIL, RING_SIZE - 1);
    step_ms(&f, 5);
    g_assert_cmpuint(rd(&f, REG_TX_HEAD), ==, RING_SIZE - 1);
    g_assert_cmpuint(rd(&f, REG_STAT_TX_DROPPED), ==, RING_SIZE - 1);

    /* Wrap around: from 7 up to 6 is again SIZE - 1 descriptors. */
    wr(&f, REG_TX_TAIL, RING_SIZE - 2);
    step_ms(&f, 5);
    g_assert_cmpuint(rd(&f, REG_TX_HEAD), ==, RING_SIZE - 2);
    g_assert_cmpuint(rd(&f, REG_STAT_TX_DROPPED), ==, 2 * (RING_SIZE - 1));

    /* The largest ring, all OWN, TAIL = 4095, rung twice */
    set_ctrl(&f, 0);
    wr(&f, REG_STAT_CLEAR, 1);
    for (i = 0; i < BIG; i++) {
        uint8_t *d = ring + i * DESC_SIZE;

        stq_le_p(d, TX_BUF_ADDR);
        stw_le_p(d + 8, ARP_FRAME_LEN);
        stw_le_p(d + 10, DESC_OWN);
    }
    qtest_memwrite(f.qts, TX_RING_ADDR, ring, BIG * DESC_SIZE);
    setup_tx_ring(&f, BIG);
    set_ctrl(&f, CTRL_TX_EN);
    wr(&f, REG_TX_TAIL, BIG - 1);
    wr(&f, REG_TX_TAIL, BIG - 1);
    step_ms(&f, 5);
    g_assert_cmpuint(rd(&f, REG_TX_HEAD), ==, BIG - 1);
    g_assert_cmpuint(rd(&f, REG_STAT_TX_DROPPED), ==, BIG - 1);
    g_assert_cmphex(desc_flags(&f, TX_RING_ADDR, BIG - 1), ==, DESC_OWN);
    g_free(ring);
    fixture_down(&f);
}

static void test_hostile_dma_to_bar_tx(void)
{
    Fixture f;
    uint64_t bar0;
    uint32_t dma_errors;

    fixture_up(&f);
    bar0 = f.bar.addr;
    setup_tx_ring(&f, RING_SIZE);
    set_ctrl(&f, CTRL_TX_EN);
    connect_ok(&f, &ap_open);
    wr(&f, REG_INT_MASK, 0x155);
    clear_ints(&f);

    /* A TX buffer inside BAR0: code 4. */
    desc_fill(&f, TX_RING_ADDR, 0, bar0, ARP_FRAME_LEN);
    wr(&f, REG_TX_TAIL, 1);
    step_ms(&f, 5);
    check_desc_done(&f, TX_RING_ADDR, 0, true, ERR_DMA);
    g_assert_cmpuint(rd(&f, REG_STAT_BAD_DESC), ==, 1);
    g_assert_cmpuint(rd(&f, REG_STAT_DMA_ERRORS), >=, 1);
    g_assert_cmpuint(rd(&f, REG_STAT_TX_FRAMES), ==, 0);
    g_assert_cmphex(rd(&f, REG_INT_STATUS) & INT_DMA_ERROR, ==,
                    INT_DMA_ERROR);
    g_assert_cmphex(rd(&f, REG_ID), ==, WIFI_ID);
    g_assert_cmphex(rd(&f, REG_INT_MASK), ==, 0x155);
    g_assert_cmphex(rd(&f, REG_CTRL), ==, CTRL_TX_EN);

    /* The TX ring itself inside BAR0: the ring stops. */
    set_ctrl(&f, 0);
    wr(&f, REG_TX_RING_LO, (uint32_t)bar0);
    wr(&f, REG_TX_RING_HI, bar0 >> 32);
    clear_ints(&f);
    dma_errors = rd(&f, REG_STAT_DMA_ERRORS);
    wr(&f, REG_CTRL, CTRL_TX_EN);
    /* Whether such a base is "invalid" at enable time is not specified. */
    if (rd(&f, REG_CTRL) & CTRL_TX_EN) {
        wr(&f, REG_TX_TAIL, 1);
        step_ms(&f, 5);
        g_assert_cmpuint(rd(&f, REG_STAT_DMA_ERRORS), >, dma_errors);
    }
    g_assert_cmphex(rd(&f, REG_CTRL) & CTRL_TX_EN, ==, 0);
    g_assert_cmphex(rd(&f, REG_INT_STATUS) & INT_DMA_ERROR, ==,
                    INT_DMA_ERROR);
    g_assert_cmphex(rd(&f, REG_ID), ==, WIFI_ID);
    g_assert_cmphex(rd(&f, REG_INT_MASK), ==, 0x155);
    g_assert_cmphex(rd(&f, REG_STATUS), ==, STATUS_LINK_UP);
    fixture_down(&f);
}

static void test_hostile_dma_to_bar_rx(void)
{
    Fixture f;
    uint64_t bar0;

    fixture_up(&f);
    bar0 = f.bar.addr;
    setup_datapath(&f, 0);
    wr(&f, REG_INT_MASK, 0x155);

    /* An RX buffer inside BAR0: the reply cannot be written, code 4. */
    desc_fill(&f, RX_RING_ADDR, 0, bar0, BUF_SIZE);
    wr(&f, REG_RX_TAIL, 1);
    tx_arp(&f, 0);
    wait_rx_head_moves(&f, 0);
    g_assert_cmpuint(rd(&f, REG_RX_HEAD), ==, 1);
    check_desc_done(&f, RX_RING_ADDR, 0, true, ERR_DMA);
    g_assert_cmpuint(rd(&f, REG_STAT_RX_FRAMES), ==, 0);
    g_assert_cmpuint(rd(&f, REG_STAT_DMA_ERRORS), >=, 1);
    g_assert_cmphex(rd(&f, REG_INT_STATUS) & INT_DMA_ERROR, ==,
                    INT_DMA_ERROR);
    g_assert_cmphex(rd(&f, REG_ID), ==, WIFI_ID);
    g_assert_cmphex(rd(&f, REG_INT_MASK), ==, 0x155);
    g_assert_cmphex(rd(&f, REG_CTRL), ==, CTRL_RX_EN | CTRL_TX_EN);
    fixture_down(&f);
}

static void test_hostile_dma_to_bar_cmds(void)
{
    Fixture f;
    uint64_t bar0;

    fixture_up(&f);
    bar0 = f.bar.addr;
    wr(&f, REG_INT_MASK, 0x155);

    /* Scan results aimed at BAR0: refused, registers intact. */
    start_scan(&f, bar0, 4096);
    step_ms(&f, WAIT_MS);
    g_assert_cmphex(rd(&f, REG_ID), ==, WIFI_ID);
    g_assert_cmphex(rd(&f, REG_INT_MASK), ==, 0x155);
    g_assert_cmphex(rd(&f, REG_CTRL), ==, 0);
    g_assert_cmphex(rd(&f, REG_STATUS), ==, 0);
    g_assert_true((rd(&f, REG_INT_STATUS) & INT_DMA_ERROR) ||
                  rd(&f, REG_STAT_DMA_ERRORS) > 0);

    /* A connect block in BAR0 is unreadable: rejected at once. */
    clear_ints(&f);
    wr(&f, REG_CONN_PARAM_LO, (uint32_t)bar0);
    wr(&f, REG_CONN_PARAM_HI, bar0 >> 32);
    wr(&f, REG_CMD, CMD_CONNECT);
    g_assert_cmpuint(rd(&f, REG_CMD_STATUS), ==, CMD_STATUS_ERROR);
    g_assert_cmphex(rd(&f, REG_INT_STATUS) & INT_CMD_ERROR, ==,
                    INT_CMD_ERROR);
    g_assert_cmphex(rd(&f, REG_INT_MASK), ==, 0x155);

    /* Still fully working */
    scan_and_wait(&f, 4096);
    g_assert_cmpuint(rd(&f, REG_SCAN_COUNT), ==, 2);
    fixture_down(&f);
}

static void test_hostile_register_abuse(void)
{
    Fixture f;
    uint32_t mac_lo;

    fixture_up(&f);
    mac_lo = rd(&f, REG_MAC_LO);
    g_assert_cmpuint(rd(&f, REG_BAD_ACCESS), ==, 0);

    /* Writes to read-only and unknown registers: ignored and counted. */
    wr(&f, REG_ID, 0xdeadbeef);
    wr(&f, REG_VERSION, 0);
    wr(&f, REG_STATUS, 0xffffffff);
    wr(&f, REG_MAC_LO, 0);
    wr(&f, REG_CMD_STATUS, 1);
    wr(&f, REG_SCAN_COUNT, 5);
    wr(&f, REG_LINK_RSSI, 5);
    wr(&f, REG_TX_HEAD, 5);
    wr(&f, REG_RX_HEAD, 5);
    wr(&f, REG_STAT_TX_FRAMES, 5);
    wr(&f, 0x800, 1);
    wr(&f, 0x3ffc, 1);
    g_assert_cmphex(rd(&f, REG_ID), ==, WIFI_ID);
    g_assert_cmphex(rd(&f, REG_VERSION), ==, WIFI_VERSION);
    g_assert_cmphex(rd(&f, REG_STATUS), ==, 0);
    g_assert_cmphex(rd(&f, REG_MAC_LO), ==, mac_lo);
    g_assert_cmpuint(rd(&f, REG_CMD_STATUS), ==, 0);
    g_assert_cmpuint(rd(&f, REG_SCAN_COUNT), ==, 0);
    g_assert_cmpuint(rd(&f, REG_LINK_RSSI), ==, 0);
    g_assert_cmpuint(rd(&f, REG_TX_HEAD), ==, 0);
    g_assert_cmpuint(rd(&f, REG_RX_HEAD), ==, 0);
    g_assert_cmpuint(rd(&f, REG_STAT_TX_FRAMES), ==, 0);
    g_assert_cmpuint(rd(&f, REG_BAD_ACCESS), ==, 12);
    g_assert_cmpuint(rd(&f, REG_BAD_ACCESS), ==, 0);

    /* 1- and 2-byte writes: dropped and counted. */
    wr(&f, REG_INT_MASK, 0x0f);
    qpci_io_writeb(f.dev, f.bar, REG_INT_MASK, 0xff);
    qpci_io_writeb(f.dev, f.bar, REG_INT_MASK + 1, 0xff);
    qpci_io_writew(f.dev, f.bar, REG_INT_MASK, 0xffff);
    qpci_io_writew(f.dev, f.bar, REG_INT_MASK + 2, 0xffff);
    qpci_io_writeb(f.dev, f.bar, REG_CTRL + 3, 0x80);
    qpci_io_writeb(f.dev, f.bar, REG_CMD, CMD_SCAN);
    g_assert_cmphex(rd(&f, REG_INT_MASK), ==, 0x0f);
    g_assert_cmphex(rd(&f, REG_CTRL), ==, 0);
    g_assert_cmpuint(rd(&f, REG_CMD_STATUS), ==, CMD_STATUS_IDLE);
    g_assert_cmpuint(rd(&f, REG_BAD_ACCESS), ==, 6);

    /*
     * Unaligned 32-bit write: QEMU's memory core may split it into
     * several smaller accesses, each rejected, so only >= 1 is certain.
     */
    qpci_io_writel(f.dev, f.bar, REG_INT_MASK + 1, 0xffffffff);
    qpci_io_writel(f.dev, f.bar, REG_INT_SET - 2, 0xffffffff);
    g_assert_cmphex(rd(&f, REG_INT_MASK), ==, 0x0f);
    g_assert_cmphex(rd(&f, REG_INT_STATUS), ==, 0);
    g_assert_cmpuint(rd(&f, REG_BAD_ACCESS), >=, 2);

    /* Narrow and unaligned reads return 0 and change nothing. */
    g_assert_cmphex(qpci_io_readb(f.dev, f.bar, REG_ID), ==, 0);
    g_assert_cmphex(qpci_io_readb(f.dev, f.bar, REG_ID + 3), ==, 0);
    g_assert_cmphex(qpci_io_readw(f.dev, f.bar, REG_ID), ==, 0);
    g_assert_cmphex(qpci_io_readw(f.dev, f.bar, REG_VERSION + 2), ==, 0);
    g_assert_cmphex(qpci_io_readl(f.dev, f.bar, REG_ID + 2), ==, 0);
    g_assert_cmphex(qpci_io_readb(f.dev, f.bar, REG_BAD_ACCESS), ==, 0);
    g_assert_cmphex(rd(&f, REG_ID), ==, WIFI_ID);
    g_assert_cmphex(rd(&f, REG_INT_MASK), ==, 0x0f);
    fixture_down(&f);
}

static void test_hostile_bad_commands(void)
{
    Fixture f;

    fixture_up(&f);
    wr(&f, REG_CMD, 99);
    g_assert_cmpuint(rd(&f, REG_CMD_STATUS), ==, CMD_STATUS_ERROR);
    g_assert_cmphex(rd(&f, REG_INT_STATUS), ==, INT_CMD_ERROR);
    clear_ints(&f);
    wr(&f, REG_CMD, 0xffffffff);
    g_assert_cmpuint(rd(&f, REG_CMD_STATUS), ==, CMD_STATUS_ERROR);
    g_assert_cmphex(rd(&f, REG_INT_STATUS), ==, INT_CMD_ERROR);

    /* SCAN or CONNECT while a scan is busy: rejected. */
    clear_ints(&f);
    qtest_memset(f.qts, SCAN_BUF_ADDR, 0xaa, 4096);
    start_scan(&f, SCAN_BUF_ADDR, 4096);
    g_assert_cmpuint(rd(&f, REG_CMD_STATUS), ==, CMD_STATUS_BUSY);
    wr(&f, REG_CMD, CMD_SCAN);
    g_assert_cmphex(rd(&f, REG_INT_STATUS), ==, INT_CMD_ERROR);
    start_connect(&f, ap_open.ssid, NULL, NULL);
    g_assert_cmphex(rd(&f, REG_INT_STATUS), ==, INT_CMD_ERROR);
    g_assert_cmphex(rd(&f, REG_STATUS) & STATUS_CONNECTING, ==, 0);

    /* The first scan still completes; the rejected connect never runs. */
    step_ms(&f, WAIT_MS);
    g_assert_cmphex(rd(&f, REG_INT_STATUS), ==,
                    INT_CMD_ERROR | INT_SCAN_DONE);
    g_assert_cmpuint(rd(&f, REG_CMD_STATUS), ==, CMD_STATUS_DONE);
    g_assert_cmpuint(rd(&f, REG_SCAN_COUNT), ==, 2);
    g_assert_cmphex(rd(&f, REG_STATUS), ==, 0);
    check_record(&f, 0, &ap_open, ap_open.rssi);

    /* SCAN while a connect is busy: rejected; the connect goes on. */
    clear_ints(&f);
    start_connect(&f, ap_open.ssid, NULL, NULL);
    wr(&f, REG_CMD, CMD_SCAN);
    g_assert_cmphex(rd(&f, REG_INT_STATUS), ==, INT_CMD_ERROR);
    step_ms(&f, WAIT_MS);
    g_assert_cmphex(rd(&f, REG_INT_STATUS), ==, INT_CMD_ERROR | INT_LINK_UP);
    check_link(&f, &ap_open, ap_open.rssi);
    fixture_down(&f);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    qtest_add_func("/dextbed-wifi/identity", test_identity);
    qtest_add_func("/dextbed-wifi/identity-properties",
                   test_identity_properties);
    qtest_add_func("/dextbed-wifi/reset-values", test_reset_values);
    qtest_add_func("/dextbed-wifi/ctrl-reset", test_ctrl_reset);
    qtest_add_func("/dextbed-wifi/scan", test_scan);
    qtest_add_func("/dextbed-wifi/scan-short-buffer",
                   test_scan_short_buffer);
    qtest_add_func("/dextbed-wifi/connect-open", test_connect_open);
    qtest_add_func("/dextbed-wifi/connect-wpa2", test_connect_wpa2);
    qtest_add_func("/dextbed-wifi/connect-failures", test_connect_failures);
    qtest_add_func("/dextbed-wifi/connect-malformed",
                   test_connect_malformed);
    qtest_add_func("/dextbed-wifi/disconnect", test_disconnect);
    qtest_add_func("/dextbed-wifi/tx-rx-arp", test_tx_rx_arp);
    qtest_add_func("/dextbed-wifi/tx-without-link", test_tx_without_link);
    qtest_add_func("/dextbed-wifi/rx-no-buffer", test_rx_no_buffer);
    qtest_add_func("/dextbed-wifi/rx-bad-buffers", test_rx_bad_buffers);
    qtest_add_func("/dextbed-wifi/msix", test_msix);
    qtest_add_func("/dextbed-wifi/msi", test_msi);
    qtest_add_func("/dextbed-wifi/intx", test_intx);
    qtest_add_func("/dextbed-wifi/qmp-link-loss", test_qmp_link_loss);
    qtest_add_func("/dextbed-wifi/qmp-rssi", test_qmp_rssi);
    qtest_add_func("/dextbed-wifi/qmp-bad-aps", test_qmp_bad_aps);
    qtest_add_func("/dextbed-wifi/pm-d3hot", test_pm_d3hot);
    qtest_add_func("/dextbed-wifi/migration", test_migration);
    qtest_add_func("/dextbed-wifi/hostile/tail-out-of-range",
                   test_hostile_tail_out_of_range);
    qtest_add_func("/dextbed-wifi/hostile/bad-ring-config",
                   test_hostile_bad_ring_config);
    qtest_add_func("/dextbed-wifi/hostile/bad-tx-len",
                   test_hostile_bad_tx_len);
    qtest_add_func("/dextbed-wifi/hostile/cyclic-ring",
                   test_hostile_cyclic_ring);
    qtest_add_func("/dextbed-wifi/hostile/dma-to-bar-tx",
                   test_hostile_dma_to_bar_tx);
    qtest_add_func("/dextbed-wifi/hostile/dma-to-bar-rx",
                   test_hostile_dma_to_bar_rx);
    qtest_add_func("/dextbed-wifi/hostile/dma-to-bar-cmds",
                   test_hostile_dma_to_bar_cmds);
    qtest_add_func("/dextbed-wifi/hostile/register-abuse",
                   test_hostile_register_abuse);
    qtest_add_func("/dextbed-wifi/hostile/bad-commands",
                   test_hostile_bad_commands);
    return g_test_run();
}
