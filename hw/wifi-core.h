/*
 * dextbed-wifi device core: registers, rings, scan/connect state machine and
 * the radio environment, apart from QEMU's PCI and net glue (wifi.c).
 * The register contract is docs/specs/wifi.md.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#ifndef HW_DEXTBED_WIFI_CORE_H
#define HW_DEXTBED_WIFI_CORE_H

#define WIFI_MAX_APS        16
#define WIFI_MMIO_SIZE      0x4000
#define WIFI_FRAME_MIN      14
#define WIFI_FRAME_MAX      1514
#define WIFI_RING_MIN       8
#define WIFI_RING_MAX       4096
#define WIFI_DESC_SIZE      16
#define WIFI_SCAN_RECORD    48
#define WIFI_CONN_PARAM     104
#define WIFI_RSSI_FLOOR     (-90)
#define WIFI_SCAN_NS        (10 * 1000 * 1000)
#define WIFI_CONNECT_NS     (5 * 1000 * 1000)

/* Registers (offsets in BAR0). */
#define WIFI_ID             0x000
#define WIFI_VERSION        0x004
#define WIFI_CTRL           0x008
#define WIFI_STATUS         0x00c
#define WIFI_INT_STATUS     0x010
#define WIFI_INT_MASK       0x014
#define WIFI_INT_SET        0x018
#define WIFI_BAD_ACCESS     0x01c
#define WIFI_MAC_LO         0x020
#define WIFI_MAC_HI         0x024
#define WIFI_CMD            0x040
#define WIFI_CMD_STATUS     0x044
#define WIFI_SCAN_BUF_LO    0x048
#define WIFI_SCAN_BUF_HI    0x04c
#define WIFI_SCAN_BUF_LEN   0x050
#define WIFI_SCAN_COUNT     0x054
#define WIFI_SCAN_TOTAL     0x058
#define WIFI_CONN_PARAM_LO  0x060
#define WIFI_CONN_PARAM_HI  0x064
#define WIFI_LINK_REASON    0x068
#define WIFI_LINK_BSSID_LO  0x06c
#define WIFI_LINK_BSSID_HI  0x070
#define WIFI_LINK_CHANNEL   0x074
#define WIFI_LINK_RSSI      0x078
#define WIFI_TX_RING_BASE   0x100   /* TX ring block: +0 LO, +4 HI, +8 SIZE, */
#define WIFI_RX_RING_BASE   0x120   /* +0xc HEAD, +0x10 TAIL */
#define WIFI_RING_LO        0x00
#define WIFI_RING_HI        0x04
#define WIFI_RING_SIZE      0x08
#define WIFI_RING_HEAD      0x0c
#define WIFI_RING_TAIL      0x10
#define WIFI_STAT_BASE      0x200
#define WIFI_STAT_CLEAR     0x220

#define WIFI_ID_VALUE       0x57494649  /* "WIFI" */
#define WIFI_VERSION_VALUE  0x00010000

#define WIFI_CTRL_RX_EN     (1u << 0)
#define WIFI_CTRL_TX_EN     (1u << 1)
#define WIFI_CTRL_RESET     (1u << 31)

#define WIFI_STATUS_LINK_UP    (1u << 0)
#define WIFI_STATUS_SCANNING   (1u << 1)
#define WIFI_STATUS_CONNECTING (1u << 2)

#define WIFI_INT_TX_DONE      (1u << 0)
#define WIFI_INT_RX_DONE      (1u << 1)
#define WIFI_INT_SCAN_DONE    (1u << 2)
#define WIFI_INT_LINK_UP      (1u << 3)
#define WIFI_INT_LINK_DOWN    (1u << 4)
#define WIFI_INT_CONNECT_FAIL (1u << 5)
#define WIFI_INT_DMA_ERROR    (1u << 6)
#define WIFI_INT_RX_NO_BUF    (1u << 7)
#define WIFI_INT_CMD_ERROR    (1u << 8)
#define WIFI_INT_ALL          0x1ffu

#define WIFI_CMD_SCAN        1
#define WIFI_CMD_CONNECT     2
#define WIFI_CMD_DISCONNECT  3

#define WIFI_CMD_IDLE        0
#define WIFI_CMD_BUSY        1
#define WIFI_CMD_DONE        2
#define WIFI_CMD_ERROR       3

#define WIFI_REASON_OUT_OF_RANGE      1
#define WIFI_REASON_DEAUTH            2
#define WIFI_REASON_LOCAL             3
#define WIFI_REASON_AUTH_FAILED       4
#define WIFI_REASON_NOT_FOUND         5
#define WIFI_REASON_SECURITY_MISMATCH 6

#define WIFI_DESC_OWN        (1u << 0)
#define WIFI_DESC_DONE       (1u << 0)
#define WIFI_DESC_ERROR      (1u << 1)
#define WIFI_DESC_ERR_TX_LEN   1
#define WIFI_DESC_ERR_RX_LEN   2
#define WIFI_DESC_ERR_TOO_BIG  3
#define WIFI_DESC_ERR_DMA      4

enum {
    WIFI_STAT_TX_FRAMES, WIFI_STAT_TX_BYTES, WIFI_STAT_RX_FRAMES,
    WIFI_STAT_RX_BYTES, WIFI_STAT_TX_DROPPED, WIFI_STAT_RX_DROPPED,
    WIFI_STAT_DMA_ERRORS, WIFI_STAT_BAD_DESC, WIFI_STAT_COUNT
};

enum { WIFI_TIMER_SCAN, WIFI_TIMER_CONNECT, WIFI_TIMER_COUNT };

#define WIFI_SEC_OPEN 0
#define WIFI_SEC_WPA2 1

typedef struct WifiAp {
    uint8_t ssid_len;
    uint8_t ssid[32];
    uint8_t bssid[6];
    uint8_t channel;
    int8_t rssi;
    uint8_t security;
    char passphrase[64];
} WifiAp;

/* What the core needs from its host (QEMU glue, or a unit test). */
typedef struct WifiCoreOps {
    /* Guest memory; false if the access failed. */
    bool (*dma_read)(void *opaque, uint64_t addr, void *buf, size_t len);
    bool (*dma_write)(void *opaque, uint64_t addr, const void *buf,
                      size_t len);
    void (*send)(void *opaque, const uint8_t *frame, size_t len);
    /* level: an enabled cause is pending; edge: one just became pending. */
    void (*irq)(void *opaque, bool level, bool edge);
    /* Arm timer `which` delay_ns from now; a negative delay cancels it. */
    void (*timer)(void *opaque, int which, int64_t delay_ns);
    /* RX buffers were posted: deliver frames that were waiting. */
    void (*rx_ready)(void *opaque);
    /* For tracing: the link went up or down (reason when down). */
    void (*link_changed)(void *opaque, bool up, uint32_t reason);
} WifiCoreOps;

typedef struct WifiRing {
    uint64_t base;
    uint32_t size;
    uint32_t head;
    uint32_t tail;
} WifiRing;

typedef struct WifiCore {
    const WifiCoreOps *ops;
    void *opaque;
    uint8_t mac[6];

    WifiAp aps[WIFI_MAX_APS];
    uint32_t n_aps;

    uint32_t ctrl;
    uint32_t status;
    uint32_t int_status;
    uint32_t int_mask;
    uint32_t bad_access;
    uint32_t cmd_status;
    uint64_t scan_buf;
    uint32_t scan_buf_len;
    uint32_t scan_count;
    uint32_t scan_total;
    uint64_t conn_param;
    uint32_t link_reason;
    uint8_t link_bssid[6];
    uint32_t link_channel;
    int32_t link_rssi;
    WifiRing tx;
    WifiRing rx;
    uint32_t stats[WIFI_STAT_COUNT];

    /* The connect block copied when CONNECT was written. */
    uint8_t conn[WIFI_CONN_PARAM];
} WifiCore;

void wifi_core_init(WifiCore *s, const WifiCoreOps *ops, void *opaque,
                    const uint8_t mac[6]);
void wifi_core_reset(WifiCore *s);
uint32_t wifi_core_read(WifiCore *s, uint32_t addr);
void wifi_core_write(WifiCore *s, uint32_t addr, uint32_t val);
/* A rejected register access (wrong size, unaligned): count it. */
void wifi_core_bad_access(WifiCore *s);
void wifi_core_timer_expired(WifiCore *s, int which);
bool wifi_core_can_receive(WifiCore *s);
/* Returns len when the frame was consumed (or dropped), 0 to queue it. */
size_t wifi_core_receive(WifiCore *s, const uint8_t *buf, size_t len);

/* Parse an `aps` property value; on error *errmsg (g_free it) says where. */
bool wifi_core_parse_aps(const char *str, WifiAp *aps, uint32_t *n,
                         char **errmsg);
char *wifi_core_format_aps(const WifiAp *aps, uint32_t n);
void wifi_core_set_aps(WifiCore *s, const WifiAp *aps, uint32_t n);
void wifi_core_deauth(WifiCore *s);
void wifi_core_refresh_irq(WifiCore *s);
/* Base 16-byte aligned, size a power of two from 8 to 4096. */
bool wifi_core_ring_valid(const WifiRing *r);

#define WIFI_DEFAULT_APS \
    "ssid=dextbed-open,bssid=02:d0:e1:00:00:01,channel=1,rssi=-40," \
    "security=open;" \
    "ssid=dextbed-wpa2,bssid=02:d0:e1:00:00:02,channel=6,rssi=-55," \
    "security=wpa2,passphrase=dextbed-secret"

#endif
