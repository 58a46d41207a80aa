/*
 * dextbed-wifi device core.  See wifi-core.h and docs/specs/wifi.md.
 *
 * Every value the guest supplies (register writes, descriptors, the connect
 * block) is checked before use; descriptors and the connect block are
 * copied out of guest memory first; each doorbell processes at most one
 * ring's worth of descriptors.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "qemu/osdep.h"
#include "qemu/bswap.h"
#include "qemu/bitops.h"
#include "wifi-core.h"

static void wifi_raise(WifiCore *s, uint32_t causes)
{
    uint32_t before = s->int_status & s->int_mask;

    s->int_status |= causes;
    uint32_t after = s->int_status & s->int_mask;
    s->ops->irq(s->opaque, after != 0, (after & ~before) != 0);
}

void wifi_core_refresh_irq(WifiCore *s)
{
    s->ops->irq(s->opaque, (s->int_status & s->int_mask) != 0, false);
}

void wifi_core_bad_access(WifiCore *s)
{
    if (s->bad_access < UINT32_MAX) {
        s->bad_access++;
    }
}

static void stat_add(WifiCore *s, int which, uint32_t n)
{
    s->stats[which] += n;       /* wraps, as documented */
}

void wifi_core_init(WifiCore *s, const WifiCoreOps *ops, void *opaque,
                    const uint8_t mac[6])
{
    memset(s, 0, sizeof(*s));
    s->ops = ops;
    s->opaque = opaque;
    memcpy(s->mac, mac, 6);
}

void wifi_core_reset(WifiCore *s)
{
    for (int i = 0; i < WIFI_TIMER_COUNT; i++) {
        s->ops->timer(s->opaque, i, -1);
    }
    if (s->status & WIFI_STATUS_LINK_UP) {
        s->ops->link_changed(s->opaque, false, 0);
    }
    s->ctrl = 0;
    s->status = 0;
    s->int_status = 0;
    s->int_mask = 0;
    s->bad_access = 0;
    s->cmd_status = WIFI_CMD_IDLE;
    s->scan_buf = 0;
    s->scan_buf_len = 0;
    s->scan_count = 0;
    s->scan_total = 0;
    s->conn_param = 0;
    s->link_reason = 0;
    memset(s->link_bssid, 0, sizeof(s->link_bssid));
    s->link_channel = 0;
    s->link_rssi = 0;
    memset(&s->tx, 0, sizeof(s->tx));
    memset(&s->rx, 0, sizeof(s->rx));
    memset(s->stats, 0, sizeof(s->stats));
    memset(s->conn, 0, sizeof(s->conn));
    wifi_core_refresh_irq(s);
}

/* -- link ----------------------------------------------------------------- */

static bool in_range(const WifiAp *ap)
{
    return ap->rssi >= WIFI_RSSI_FLOOR;
}

static void link_down(WifiCore *s, uint32_t reason, bool interrupt)
{
    if (!(s->status & WIFI_STATUS_LINK_UP)) {
        return;
    }
    s->status &= ~WIFI_STATUS_LINK_UP;
    s->link_reason = reason;
    memset(s->link_bssid, 0, sizeof(s->link_bssid));
    s->link_channel = 0;
    s->link_rssi = 0;
    s->ops->link_changed(s->opaque, false, reason);
    if (interrupt) {
        wifi_raise(s, WIFI_INT_LINK_DOWN);
    }
}

static const WifiAp *find_linked_ap(WifiCore *s)
{
    for (uint32_t i = 0; i < s->n_aps; i++) {
        if (!memcmp(s->aps[i].bssid, s->link_bssid, 6)) {
            return &s->aps[i];
        }
    }
    return NULL;
}

void wifi_core_set_aps(WifiCore *s, const WifiAp *aps, uint32_t n)
{
    memcpy(s->aps, aps, n * sizeof(*aps));
    s->n_aps = n;
    if (s->status & WIFI_STATUS_LINK_UP) {
        const WifiAp *ap = find_linked_ap(s);
        if (!ap || !in_range(ap)) {
            link_down(s, WIFI_REASON_OUT_OF_RANGE, true);
        } else {
            s->link_rssi = ap->rssi;
        }
    }
}

void wifi_core_deauth(WifiCore *s)
{
    link_down(s, WIFI_REASON_DEAUTH, true);
}

/* -- commands ------------------------------------------------------------- */

static void cmd_error(WifiCore *s)
{
    s->cmd_status = WIFI_CMD_ERROR;
    wifi_raise(s, WIFI_INT_CMD_ERROR);
}

static void scan_done(WifiCore *s)
{
    const WifiAp *order[WIFI_MAX_APS];
    uint32_t n = 0;

    for (uint32_t i = 0; i < s->n_aps; i++) {
        if (in_range(&s->aps[i])) {
            order[n++] = &s->aps[i];
        }
    }
    /* Strongest first (insertion sort: at most WIFI_MAX_APS entries). */
    for (uint32_t i = 1; i < n; i++) {
        for (uint32_t j = i; j > 0 && order[j]->rssi > order[j - 1]->rssi; j--) {
            const WifiAp *t = order[j];
            order[j] = order[j - 1];
            order[j - 1] = t;
        }
    }
    uint32_t room = s->scan_buf_len / WIFI_SCAN_RECORD;
    uint32_t written = 0;
    for (uint32_t i = 0; i < n && written < room; i++) {
        uint8_t rec[WIFI_SCAN_RECORD] = { 0 };
        rec[0] = order[i]->ssid_len;
        memcpy(rec + 1, order[i]->ssid, order[i]->ssid_len);
        memcpy(rec + 33, order[i]->bssid, 6);
        rec[39] = order[i]->channel;
        rec[40] = (uint8_t)order[i]->rssi;
        rec[41] = order[i]->security;
        if (!s->ops->dma_write(s->opaque,
                               s->scan_buf + (uint64_t)written * sizeof(rec),
                               rec, sizeof(rec))) {
            stat_add(s, WIFI_STAT_DMA_ERRORS, 1);
            wifi_raise(s, WIFI_INT_DMA_ERROR);
            break;
        }
        written++;
    }
    s->scan_count = written;
    s->scan_total = n;
    s->status &= ~WIFI_STATUS_SCANNING;
    s->cmd_status = WIFI_CMD_DONE;
    wifi_raise(s, WIFI_INT_SCAN_DONE);
}

static void connect_fail(WifiCore *s, uint32_t reason)
{
    s->status &= ~WIFI_STATUS_CONNECTING;
    s->link_reason = reason;
    s->cmd_status = WIFI_CMD_DONE;
    wifi_raise(s, WIFI_INT_CONNECT_FAIL);
}

static void connect_done(WifiCore *s)
{
    uint8_t ssid_len = s->conn[0];
    const uint8_t *ssid = s->conn + 1;
    const uint8_t *bssid = s->conn + 33;
    uint8_t pass_len = s->conn[39];
    const char *pass = (const char *)s->conn + 40;
    static const uint8_t any[6];
    const WifiAp *best = NULL;

    for (uint32_t i = 0; i < s->n_aps; i++) {
        const WifiAp *ap = &s->aps[i];
        if (ap->ssid_len != ssid_len || memcmp(ap->ssid, ssid, ssid_len) ||
            !in_range(ap) ||
            (memcmp(bssid, any, 6) && memcmp(bssid, ap->bssid, 6))) {
            continue;
        }
        if (!best || ap->rssi > best->rssi) {
            best = ap;
        }
    }
    if (!best) {
        connect_fail(s, WIFI_REASON_NOT_FOUND);
        return;
    }
    if ((best->security == WIFI_SEC_OPEN) != (pass_len == 0)) {
        connect_fail(s, WIFI_REASON_SECURITY_MISMATCH);
        return;
    }
    if (best->security == WIFI_SEC_WPA2 &&
        (strlen(best->passphrase) != pass_len ||
         memcmp(best->passphrase, pass, pass_len))) {
        connect_fail(s, WIFI_REASON_AUTH_FAILED);
        return;
    }
    s->status &= ~WIFI_STATUS_CONNECTING;
    s->status |= WIFI_STATUS_LINK_UP;
    memcpy(s->link_bssid, best->bssid, 6);
    s->link_channel = best->channel;
    s->link_rssi = best->rssi;
    s->cmd_status = WIFI_CMD_DONE;
    s->ops->link_changed(s->opaque, true, 0);
    wifi_raise(s, WIFI_INT_LINK_UP);
}

void wifi_core_timer_expired(WifiCore *s, int which)
{
    if (which == WIFI_TIMER_SCAN && (s->status & WIFI_STATUS_SCANNING)) {
        scan_done(s);
    } else if (which == WIFI_TIMER_CONNECT &&
               (s->status & WIFI_STATUS_CONNECTING)) {
        connect_done(s);
    }
}

static void command(WifiCore *s, uint32_t cmd)
{
    if (cmd == WIFI_CMD_DISCONNECT) {
        if (s->status & WIFI_STATUS_CONNECTING) {
            s->ops->timer(s->opaque, WIFI_TIMER_CONNECT, -1);
            s->status &= ~WIFI_STATUS_CONNECTING;
        }
        link_down(s, WIFI_REASON_LOCAL, true);
        s->cmd_status = WIFI_CMD_DONE;
        return;
    }
    if (s->cmd_status == WIFI_CMD_BUSY) {
        wifi_raise(s, WIFI_INT_CMD_ERROR);       /* CMD_STATUS stays busy */
        return;
    }
    switch (cmd) {
    case WIFI_CMD_SCAN:
        s->status |= WIFI_STATUS_SCANNING;
        s->cmd_status = WIFI_CMD_BUSY;
        s->ops->timer(s->opaque, WIFI_TIMER_SCAN, WIFI_SCAN_NS);
        break;
    case WIFI_CMD_CONNECT: {
        uint8_t block[WIFI_CONN_PARAM];
        if (!s->ops->dma_read(s->opaque, s->conn_param, block, sizeof(block))) {
            stat_add(s, WIFI_STAT_DMA_ERRORS, 1);
            cmd_error(s);
            return;
        }
        uint8_t ssid_len = block[0], pass_len = block[39];
        bool pass_ok = pass_len == 0 || (pass_len >= 8 && pass_len <= 63);
        for (int i = 0; pass_ok && i < pass_len; i++) {
            pass_ok = block[40 + i] >= 0x20 && block[40 + i] < 0x7f;
        }
        if (ssid_len < 1 || ssid_len > 32 || !pass_ok) {
            cmd_error(s);
            return;
        }
        memcpy(s->conn, block, sizeof(block));
        link_down(s, WIFI_REASON_LOCAL, true);
        s->status |= WIFI_STATUS_CONNECTING;
        s->cmd_status = WIFI_CMD_BUSY;
        s->ops->timer(s->opaque, WIFI_TIMER_CONNECT, WIFI_CONNECT_NS);
        break;
    }
    default:
        cmd_error(s);
        break;
    }
}

/* -- rings ----------------------------------------------------------------- */

typedef struct WifiDesc {
    uint64_t addr;
    uint16_t len;
    uint16_t flags;
    uint32_t status;
} WifiDesc;

static uint64_t desc_addr(const WifiRing *r, uint32_t index)
{
    return r->base + (uint64_t)index * WIFI_DESC_SIZE;
}

static bool desc_read(WifiCore *s, const WifiRing *r, uint32_t index,
                      WifiDesc *d)
{
    uint8_t raw[WIFI_DESC_SIZE];

    if (!s->ops->dma_read(s->opaque, desc_addr(r, index), raw, sizeof(raw))) {
        return false;
    }
    d->addr = ldq_le_p(raw);
    d->len = lduw_le_p(raw + 8);
    d->flags = lduw_le_p(raw + 10);
    d->status = ldl_le_p(raw + 12);
    return true;
}

static bool desc_complete(WifiCore *s, const WifiRing *r, uint32_t index,
                          uint16_t len, unsigned error_code)
{
    uint8_t raw[8];

    stw_le_p(raw, len);
    stw_le_p(raw + 2, 0);                   /* OWN clear */
    stl_le_p(raw + 4, WIFI_DESC_DONE |
             (error_code ? WIFI_DESC_ERROR | (error_code << 8) : 0));
    return s->ops->dma_write(s->opaque, desc_addr(r, index) + 8, raw,
                             sizeof(raw));
}

/* The ring's memory failed: stop it; the driver must set it up again. */
static void ring_fault(WifiCore *s, uint32_t enable_bit)
{
    stat_add(s, WIFI_STAT_DMA_ERRORS, 1);
    s->ctrl &= ~enable_bit;
    wifi_raise(s, WIFI_INT_DMA_ERROR);
}

static void bad_desc(WifiCore *s)
{
    stat_add(s, WIFI_STAT_BAD_DESC, 1);
    wifi_raise(s, WIFI_INT_DMA_ERROR);
}

static void tx_process(WifiCore *s)
{
    WifiRing *r = &s->tx;
    uint8_t frame[WIFI_FRAME_MAX];
    uint32_t done = 0;

    if (!(s->ctrl & WIFI_CTRL_TX_EN)) {
        return;
    }
    for (uint32_t n = 0; n < r->size && r->head != r->tail; n++) {
        WifiDesc d;
        unsigned err = 0;

        if (!desc_read(s, r, r->head, &d)) {
            ring_fault(s, WIFI_CTRL_TX_EN);
            break;
        }
        if (d.len < WIFI_FRAME_MIN || d.len > WIFI_FRAME_MAX) {
            err = WIFI_DESC_ERR_TX_LEN;
            bad_desc(s);
        } else if (!(s->status & WIFI_STATUS_LINK_UP)) {
            stat_add(s, WIFI_STAT_TX_DROPPED, 1);
        } else if (!s->ops->dma_read(s->opaque, d.addr, frame, d.len)) {
            err = WIFI_DESC_ERR_DMA;
            stat_add(s, WIFI_STAT_DMA_ERRORS, 1);
            bad_desc(s);
        } else {
            s->ops->send(s->opaque, frame, d.len);
            stat_add(s, WIFI_STAT_TX_FRAMES, 1);
            stat_add(s, WIFI_STAT_TX_BYTES, d.len);
        }
        if (err) {
            stat_add(s, WIFI_STAT_TX_DROPPED, 1);
        }
        if (!desc_complete(s, r, r->head, d.len, err)) {
            ring_fault(s, WIFI_CTRL_TX_EN);
            break;
        }
        r->head = (r->head + 1) & (r->size - 1);
        done++;
    }
    if (done) {
        wifi_raise(s, WIFI_INT_TX_DONE);
    }
}

bool wifi_core_can_receive(WifiCore *s)
{
    if (!(s->status & WIFI_STATUS_LINK_UP) || !(s->ctrl & WIFI_CTRL_RX_EN)) {
        return true;                /* frames are dropped, not queued */
    }
    if (s->rx.head == s->rx.tail) {
        wifi_raise(s, WIFI_INT_RX_NO_BUF);
        return false;               /* QEMU queues until buffers come */
    }
    return true;
}

size_t wifi_core_receive(WifiCore *s, const uint8_t *buf, size_t len)
{
    WifiRing *r = &s->rx;

    if (!(s->status & WIFI_STATUS_LINK_UP) || !(s->ctrl & WIFI_CTRL_RX_EN)) {
        stat_add(s, WIFI_STAT_RX_DROPPED, 1);
        return len;
    }
    /* Skip (and complete) unusable descriptors; bounded by the ring size. */
    for (uint32_t n = 0; n < r->size && r->head != r->tail; n++) {
        WifiDesc d;
        unsigned err = 0;

        if (!desc_read(s, r, r->head, &d)) {
            ring_fault(s, WIFI_CTRL_RX_EN);
            stat_add(s, WIFI_STAT_RX_DROPPED, 1);
            return len;
        }
        if (d.len == 0) {
            err = WIFI_DESC_ERR_RX_LEN;
            bad_desc(s);
        } else if (len > d.len) {
            err = WIFI_DESC_ERR_TOO_BIG;
            bad_desc(s);
        } else if (!s->ops->dma_write(s->opaque, d.addr, buf, len)) {
            err = WIFI_DESC_ERR_DMA;
            stat_add(s, WIFI_STAT_DMA_ERRORS, 1);
            bad_desc(s);
        }
        if (!desc_complete(s, r, r->head, err ? d.len : len, err)) {
            ring_fault(s, WIFI_CTRL_RX_EN);
            stat_add(s, WIFI_STAT_RX_DROPPED, 1);
            return len;
        }
        r->head = (r->head + 1) & (r->size - 1);
        if (err == WIFI_DESC_ERR_RX_LEN) {
            continue;               /* try the next buffer */
        }
        if (err) {
            stat_add(s, WIFI_STAT_RX_DROPPED, 1);
        } else {
            stat_add(s, WIFI_STAT_RX_FRAMES, 1);
            stat_add(s, WIFI_STAT_RX_BYTES, len);
            wifi_raise(s, WIFI_INT_RX_DONE);
        }
        return len;
    }
    /* Every posted buffer was unusable: no buffer left for this frame. */
    if (r->head == r->tail) {
        wifi_raise(s, WIFI_INT_RX_NO_BUF);
        return 0;
    }
    return len;
}

bool wifi_core_ring_valid(const WifiRing *r)
{
    return r->size >= WIFI_RING_MIN && r->size <= WIFI_RING_MAX &&
           !(r->size & (r->size - 1)) && !(r->base & 15);
}

static void write_ctrl(WifiCore *s, uint32_t val)
{
    if (val & WIFI_CTRL_RESET) {
        wifi_core_reset(s);
        return;
    }
    uint32_t want = val & (WIFI_CTRL_RX_EN | WIFI_CTRL_TX_EN);
    uint32_t newly = want & ~s->ctrl;

    if ((newly & WIFI_CTRL_RX_EN) && !wifi_core_ring_valid(&s->rx)) {
        want &= ~WIFI_CTRL_RX_EN;
        wifi_raise(s, WIFI_INT_DMA_ERROR);
    }
    if ((newly & WIFI_CTRL_TX_EN) && !wifi_core_ring_valid(&s->tx)) {
        want &= ~WIFI_CTRL_TX_EN;
        wifi_raise(s, WIFI_INT_DMA_ERROR);
    }
    /* Clearing an enable bit (1 -> 0) resets that ring's indexes. */
    if ((s->ctrl & WIFI_CTRL_RX_EN) && !(want & WIFI_CTRL_RX_EN)) {
        s->rx.head = s->rx.tail = 0;
    }
    if ((s->ctrl & WIFI_CTRL_TX_EN) && !(want & WIFI_CTRL_TX_EN)) {
        s->tx.head = s->tx.tail = 0;
    }
    s->ctrl = want;
    tx_process(s);
    if (want & WIFI_CTRL_RX_EN) {
        s->ops->rx_ready(s->opaque);
    }
}

/* Write one 32-bit half of a 64-bit address register. */
static void write_half(uint64_t *reg, bool high, uint32_t val)
{
    *reg = deposit64(*reg, high ? 32 : 0, 32, val);
}

/* The ring whose register block holds addr, with the register's offset in
 * the block and the ring's enable bit; NULL outside both blocks. */
static WifiRing *ring_at(WifiCore *s, uint32_t addr, uint32_t *reg,
                         uint32_t *enable_bit)
{
    if (addr >= WIFI_TX_RING_BASE && addr <= WIFI_TX_RING_BASE + WIFI_RING_TAIL) {
        *reg = addr - WIFI_TX_RING_BASE;
        *enable_bit = WIFI_CTRL_TX_EN;
        return &s->tx;
    }
    if (addr >= WIFI_RX_RING_BASE && addr <= WIFI_RX_RING_BASE + WIFI_RING_TAIL) {
        *reg = addr - WIFI_RX_RING_BASE;
        *enable_bit = WIFI_CTRL_RX_EN;
        return &s->rx;
    }
    return NULL;
}

/* A write to one of a ring's five registers. */
static void write_ring(WifiCore *s, WifiRing *r, uint32_t enable_bit,
                       uint32_t reg, uint32_t val)
{
    if (reg == WIFI_RING_TAIL) {
        /* Allowed while disabled too: buffers may be posted before RX_EN. */
        if (val >= r->size) {
            wifi_core_bad_access(s);
            return;
        }
        r->tail = val;
        if (!(s->ctrl & enable_bit)) {
            return;
        }
        if (r == &s->tx) {
            tx_process(s);
        } else {
            s->ops->rx_ready(s->opaque);
        }
        return;
    }
    if ((s->ctrl & enable_bit) || reg == WIFI_RING_HEAD) {
        wifi_core_bad_access(s);
        return;
    }
    switch (reg) {
    case WIFI_RING_LO:
    case WIFI_RING_HI:
        write_half(&r->base, reg == WIFI_RING_HI, val);
        break;
    case WIFI_RING_SIZE:
        r->size = val;
        break;
    default:
        wifi_core_bad_access(s);
        break;
    }
}

uint32_t wifi_core_read(WifiCore *s, uint32_t addr)
{
    uint32_t reg, enable_bit;
    const WifiRing *r = ring_at(s, addr, &reg, &enable_bit);

    if (r) {
        uint32_t regs[5] = { r->base, r->base >> 32, r->size, r->head, r->tail };
        return regs[reg / 4];
    }
    if (addr >= WIFI_STAT_BASE && addr < WIFI_STAT_BASE + 4 * WIFI_STAT_COUNT) {
        return s->stats[(addr - WIFI_STAT_BASE) / 4];
    }
    switch (addr) {
    case WIFI_ID:            return WIFI_ID_VALUE;
    case WIFI_VERSION:       return WIFI_VERSION_VALUE;
    case WIFI_CTRL:          return s->ctrl;
    case WIFI_STATUS:        return s->status;
    case WIFI_INT_STATUS:    return s->int_status;
    case WIFI_INT_MASK:      return s->int_mask;
    case WIFI_BAD_ACCESS: {
        uint32_t v = s->bad_access;
        s->bad_access = 0;
        return v;
    }
    case WIFI_MAC_LO:        return ldl_le_p(s->mac);
    case WIFI_MAC_HI:        return lduw_le_p(s->mac + 4);
    case WIFI_CMD_STATUS:    return s->cmd_status;
    case WIFI_SCAN_BUF_LO:   return s->scan_buf;
    case WIFI_SCAN_BUF_HI:   return s->scan_buf >> 32;
    case WIFI_SCAN_BUF_LEN:  return s->scan_buf_len;
    case WIFI_SCAN_COUNT:    return s->scan_count;
    case WIFI_SCAN_TOTAL:    return s->scan_total;
    case WIFI_CONN_PARAM_LO: return s->conn_param;
    case WIFI_CONN_PARAM_HI: return s->conn_param >> 32;
    case WIFI_LINK_REASON:   return s->link_reason;
    case WIFI_LINK_BSSID_LO: return ldl_le_p(s->link_bssid);
    case WIFI_LINK_BSSID_HI: return lduw_le_p(s->link_bssid + 4);
    case WIFI_LINK_CHANNEL:  return s->link_channel;
    case WIFI_LINK_RSSI:     return (uint32_t)s->link_rssi;
    default:
        return 0;           /* write-only and unknown registers read 0 */
    }
}

void wifi_core_write(WifiCore *s, uint32_t addr, uint32_t val)
{
    uint32_t reg, enable_bit;
    WifiRing *r = ring_at(s, addr, &reg, &enable_bit);

    if (r) {
        write_ring(s, r, enable_bit, reg, val);
        return;
    }
    switch (addr) {
    case WIFI_CTRL:
        write_ctrl(s, val);
        break;
    case WIFI_INT_STATUS:
        s->int_status &= ~val;
        wifi_core_refresh_irq(s);
        break;
    case WIFI_INT_MASK: {
        uint32_t before = s->int_status & s->int_mask;
        s->int_mask = val & WIFI_INT_ALL;
        uint32_t after = s->int_status & s->int_mask;
        s->ops->irq(s->opaque, after != 0, (after & ~before) != 0);
        break;
    }
    case WIFI_INT_SET:
        wifi_raise(s, val & WIFI_INT_ALL);
        break;
    case WIFI_CMD:
        command(s, val);
        break;
    case WIFI_SCAN_BUF_LO:
    case WIFI_SCAN_BUF_HI:
        write_half(&s->scan_buf, addr == WIFI_SCAN_BUF_HI, val);
        break;
    case WIFI_SCAN_BUF_LEN:
        s->scan_buf_len = val;
        break;
    case WIFI_CONN_PARAM_LO:
    case WIFI_CONN_PARAM_HI:
        write_half(&s->conn_param, addr == WIFI_CONN_PARAM_HI, val);
        break;
    case WIFI_STAT_CLEAR:
        if (val & 1) {
            memset(s->stats, 0, sizeof(s->stats));
        }
        break;
    default:
        wifi_core_bad_access(s);    /* read-only or unknown */
        break;
    }
}

/* -- the radio environment ------------------------------------------------- */

static bool parse_mac(const char *str, uint8_t mac[6])
{
    unsigned v[6];
    char tail;

    if (sscanf(str, "%x:%x:%x:%x:%x:%x%c", &v[0], &v[1], &v[2], &v[3],
               &v[4], &v[5], &tail) != 6) {
        return false;
    }
    for (int i = 0; i < 6; i++) {
        if (v[i] > 0xff) {
            return false;
        }
        mac[i] = v[i];
    }
    return true;
}

static bool parse_int(const char *str, long min, long max, long *out)
{
    char *end;
    long v;

    errno = 0;
    v = strtol(str, &end, 0);
    if (errno || end == str || *end || v < min || v > max) {
        return false;
    }
    *out = v;
    return true;
}

static bool parse_ap(const char *entry, WifiAp *ap, char **err)
{
    g_auto(GStrv) kvs = g_strsplit(entry, ",", -1);
    bool have_ssid = false, have_bssid = false, have_pass = false;
    long v;

    memset(ap, 0, sizeof(*ap));
    ap->channel = 1;
    ap->rssi = -50;
    for (int i = 0; kvs[i]; i++) {
        const char *kv = kvs[i];
        const char *eq = strchr(kv, '=');
        if (!eq) {
            *err = g_strdup_printf("'%s' is not key=value", kv);
            return false;
        }
        g_autofree char *key = g_strndup(kv, eq - kv);
        const char *val = eq + 1;
        if (!strcmp(key, "ssid")) {
            size_t n = strlen(val);
            if (n < 1 || n > 32) {
                *err = g_strdup_printf("ssid '%s' must be 1 to 32 bytes", val);
                return false;
            }
            ap->ssid_len = n;
            memcpy(ap->ssid, val, n);
            have_ssid = true;
        } else if (!strcmp(key, "bssid")) {
            if (!parse_mac(val, ap->bssid)) {
                *err = g_strdup_printf("bssid '%s' is not xx:xx:xx:xx:xx:xx",
                                       val);
                return false;
            }
            have_bssid = true;
        } else if (!strcmp(key, "channel")) {
            if (!parse_int(val, 1, 14, &v)) {
                *err = g_strdup_printf("channel '%s' must be 1 to 14", val);
                return false;
            }
            ap->channel = v;
        } else if (!strcmp(key, "rssi")) {
            if (!parse_int(val, -100, 0, &v)) {
                *err = g_strdup_printf("rssi '%s' must be -100 to 0", val);
                return false;
            }
            ap->rssi = v;
        } else if (!strcmp(key, "security")) {
            if (!strcmp(val, "open")) {
                ap->security = WIFI_SEC_OPEN;
            } else if (!strcmp(val, "wpa2")) {
                ap->security = WIFI_SEC_WPA2;
            } else {
                *err = g_strdup_printf("security '%s' must be open or wpa2",
                                       val);
                return false;
            }
        } else if (!strcmp(key, "passphrase")) {
            size_t n = strlen(val);
            if (n < 8 || n > 63) {
                *err = g_strdup("passphrase must be 8 to 63 characters");
                return false;
            }
            for (size_t j = 0; j < n; j++) {
                if (val[j] < 0x20 || val[j] >= 0x7f) {
                    *err = g_strdup("passphrase must be printable ASCII");
                    return false;
                }
            }
            memcpy(ap->passphrase, val, n + 1);
            have_pass = true;
        } else {
            *err = g_strdup_printf("unknown key '%s' (ssid, bssid, channel, "
                                   "rssi, security, passphrase)", key);
            return false;
        }
    }
    if (!have_ssid || !have_bssid) {
        *err = g_strdup("ssid and bssid are required");
        return false;
    }
    if (ap->security == WIFI_SEC_WPA2 && !have_pass) {
        *err = g_strdup("security=wpa2 needs a passphrase");
        return false;
    }
    if (ap->security == WIFI_SEC_OPEN && have_pass) {
        *err = g_strdup("an open network takes no passphrase");
        return false;
    }
    return true;
}

bool wifi_core_parse_aps(const char *str, WifiAp *aps, uint32_t *n,
                         char **errmsg)
{
    g_auto(GStrv) entries = g_strsplit(str, ";", -1);
    uint32_t count = 0;

    for (int i = 0; entries[i]; i++) {
        char *err = NULL;
        if (!*g_strstrip(entries[i])) {
            continue;               /* empty entries: "" is no AP at all */
        }
        if (count == WIFI_MAX_APS) {
            *errmsg = g_strdup_printf("more than %d access points",
                                      WIFI_MAX_APS);
            return false;
        }
        if (!parse_ap(entries[i], &aps[count], &err)) {
            *errmsg = g_strdup_printf("access point %d: %s", i + 1, err);
            g_free(err);
            return false;
        }
        for (uint32_t j = 0; j < count; j++) {
            if (!memcmp(aps[j].bssid, aps[count].bssid, 6)) {
                *errmsg = g_strdup_printf("access point %d: bssid already "
                                          "used by access point %u", i + 1,
                                          j + 1);
                return false;
            }
        }
        count++;
    }
    *n = count;
    return true;
}

char *wifi_core_format_aps(const WifiAp *aps, uint32_t n)
{
    GString *out = g_string_new("");

    for (uint32_t i = 0; i < n; i++) {
        const WifiAp *ap = &aps[i];
        g_string_append_printf(out, "%sssid=%.*s,bssid=%02x:%02x:%02x:%02x:"
                               "%02x:%02x,channel=%u,rssi=%d,security=%s",
                               i ? ";" : "", ap->ssid_len, ap->ssid,
                               ap->bssid[0], ap->bssid[1], ap->bssid[2],
                               ap->bssid[3], ap->bssid[4], ap->bssid[5],
                               ap->channel, ap->rssi,
                               ap->security == WIFI_SEC_WPA2 ? "wpa2" : "open");
        if (ap->security == WIFI_SEC_WPA2) {
            g_string_append_printf(out, ",passphrase=%s", ap->passphrase);
        }
    }
    return g_string_free(out, false);
}
