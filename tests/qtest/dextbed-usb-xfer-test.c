/*
 * qtest: end-to-end data transfers through QEMU's qemu-xhci to
 * dextbed-usb-serial (docs/specs/usb-serial.md).
 *
 * The guest kernel has no xHCI driver yet, so this file carries a minimal
 * one (xHCI 1.2, restricted to what QEMU's hw/usb/hcd-xhci.c implements):
 * controller reset, one command ring, one event ring segment on
 * interrupter 0, port reset, Enable Slot, Address Device, Configure
 * Endpoint, Reset Endpoint, Set TR Dequeue Pointer, Stop Endpoint,
 * control transfers on EP0 and Normal TRBs on the bulk and interrupt
 * rings.  Nothing is interrupt driven: the event ring is polled, with
 * qtest_clock_step in between so virtual time advances (the interrupt
 * endpoint's schedule runs on it).  Every wait is bounded in both polls
 * and wall-clock time and fails with a message naming what it waited for.
 *
 * The host side of the serial device is a Unix socket chardev; the test
 * is its client (non-blocking, serviced between polls).
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "qemu/osdep.h"
#include "qemu/bswap.h"
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/ioctl.h>
#include "libqtest.h"
#include "libqos/pci.h"
#include "libqos/pci-pc.h"
#include "libqos/malloc-pc.h"
#include "qobject/qdict.h"

#define SERIAL_VID          0x1209
#define SERIAL_PID          0xd0e1

/* qemu-xhci */
#define XHCI_VENDOR         0x1b36
#define XHCI_DEVICE         0x000d

/* Capability registers */
#define CAP_CAPLENGTH       0x00
#define CAP_HCSPARAMS1      0x04
#define CAP_HCSPARAMS2      0x08
#define CAP_HCCPARAMS1      0x10
#define CAP_DBOFF           0x14
#define CAP_RTSOFF          0x18

/* Operational registers (relative to CAPLENGTH) */
#define OP_USBCMD           0x00
#define OP_USBSTS           0x04
#define OP_PAGESIZE         0x08
#define OP_CRCR_LO          0x18
#define OP_CRCR_HI          0x1c
#define OP_DCBAAP_LO        0x30
#define OP_DCBAAP_HI        0x34
#define OP_CONFIG           0x38
#define OP_PORTSC(n)        (0x400 + 0x10 * ((n) - 1))

#define USBCMD_RS           (1u << 0)
#define USBCMD_HCRST        (1u << 1)
#define USBSTS_HCH          (1u << 0)
#define USBSTS_HSE          (1u << 2)
#define USBSTS_CNR          (1u << 11)
#define USBSTS_HCE          (1u << 12)

#define PORTSC_CCS          (1u << 0)
#define PORTSC_PED          (1u << 1)
#define PORTSC_PR           (1u << 4)
#define PORTSC_PP           (1u << 9)
#define PORTSC_SPEED(sc)    (((sc) >> 10) & 0xf)
#define PORTSC_CSC          (1u << 17)
#define PORTSC_PRC          (1u << 21)

/* Runtime registers, interrupter 0 (relative to RTSOFF) */
#define RT_IR0              0x20
#define IR_IMAN             0x00
#define IR_ERSTSZ           0x08
#define IR_ERSTBA_LO        0x10
#define IR_ERSTBA_HI        0x14
#define IR_ERDP_LO          0x18
#define IR_ERDP_HI          0x1c
#define ERDP_EHB            (1u << 3)

/* Protocol speed IDs of a USB 2 port (xHCI 1.2, 7.2.2.1.1) */
#define PSI_FULL            1
#define PSI_HIGH            3

/* TRBs (xHCI 1.2, 6.4) */
#define TRB_SIZE            16
#define TRB_C               (1u << 0)
#define TRB_TC              (1u << 1)   /* Link: toggle cycle */
#define TRB_ISP             (1u << 2)
#define TRB_CH              (1u << 4)
#define TRB_IOC             (1u << 5)
#define TRB_IDT             (1u << 6)
#define TRB_DIR_IN          (1u << 16)  /* Data and Status TRBs */
#define TRB_TYPE(t)         ((uint32_t)(t) << 10)
#define TRB_GET_TYPE(c)     (((c) >> 10) & 0x3f)
#define TRB_SLOT(s)         ((uint32_t)(s) << 24)
#define TRB_EP(e)           ((uint32_t)(e) << 16)

#define TR_NORMAL           1
#define TR_SETUP            2
#define TR_DATA             3
#define TR_STATUS           4
#define TR_LINK             6
#define CR_ENABLE_SLOT      9
#define CR_DISABLE_SLOT     10
#define CR_ADDRESS_DEVICE   11
#define CR_CONFIGURE_EP     12
#define CR_RESET_EP         14
#define CR_STOP_EP          15
#define CR_SET_TR_DEQUEUE   16
#define ER_TRANSFER         32
#define ER_COMMAND_COMPLETE 33
#define ER_PORT_STATUS      34

#define TRT_NO_DATA         0
#define TRT_OUT_DATA        2
#define TRT_IN_DATA         3

/* Completion codes (xHCI 1.2, 6.4.5) */
#define CC_SUCCESS          1
#define CC_STALL            6
#define CC_SHORT_PACKET     13
#define CC_STOPPED          26

/* Contexts (32-byte, HCCPARAMS1.CSZ = 0) */
#define CTX_SIZE            32
#define EP_TYPE_BULK_OUT    2
#define EP_TYPE_CONTROL     4
#define EP_TYPE_BULK_IN     6
#define EP_TYPE_INTR_IN     7
#define EP_STATE_RUNNING    1
#define EP_STATE_HALTED     2
#define SLOT_STATE_ADDRESSED  2
#define SLOT_STATE_CONFIGURED 3

/* Device Context Indexes of the serial function's endpoints */
#define DCI_EP0             1
#define DCI_BULK_IN         3           /* 0x81 */
#define DCI_BULK_OUT        4           /* 0x02 */
#define DCI_NOTIFY          7           /* 0x83 */

/* USB requests */
#define REQ_GET_DESCRIPTOR  0x06
#define REQ_SET_CONFIG      0x09
#define CDC_SET_LINE_CODING 0x20
#define CDC_GET_LINE_CODING 0x21
#define VREQ_GET_INFO       0x01
#define VREQ_SET_LOOPBACK   0x04
#define VREQ_GET_STATS      0x05
#define FIFO_SIZE           4096

/* Driver sizes */
#define RING_TRBS           256         /* one 4 KiB segment per ring */
#define MAX_SLOTS           8
#define TD_MAX_TRBS         160
#define TRB_MAX_LEN         65536
#define SLOT_BUF_SIZE       (64 * 1024)
#define N_SLOT_BUFS         4
#define BIG_MIN             (1024 * 1024)
#define BIG_MAX             (8 * 1024 * 1024)

/* Waiting */
#define STEP_NS             (1000 * 1000)       /* 1 ms virtual per poll */
#define WAIT_POLLS          20000
#define WAIT_WALL_US        (30 * G_USEC_PER_SEC)

typedef struct Ring {
    uint64_t base;
    unsigned enq;
    bool cycle;
} Ring;

typedef struct Event {
    uint64_t ptr;
    uint32_t status;
    uint32_t control;
} Event;

#define EV_TYPE(e)          TRB_GET_TYPE((e)->control)
#define EV_CC(e)            ((e)->status >> 24)
#define EV_LEN(e)           ((e)->status & 0xffffff)
#define EV_SLOT(e)          ((e)->control >> 24)
#define EV_EP(e)            (((e)->control >> 16) & 0x1f)

/* A transfer descriptor queued on a bulk or interrupt ring. */
typedef struct Td {
    unsigned dci;
    uint64_t trb[TD_MAX_TRBS];
    unsigned ntrb;
    uint64_t buf;
    uint32_t len;
    bool done;
    unsigned cc;
    uint32_t residual;
} Td;

typedef struct Fixture {
    QTestState *qts;
    QGuestAllocator alloc;
    QPCIBus *bus;
    QPCIDevice *xhci;
    QPCIBar bar;
    uint32_t op, rt, db;
    unsigned nports;

    uint64_t dcbaa, out_ctx, in_ctx, erst, ctl_buf;
    uint64_t slot_buf[N_SLOT_BUFS];
    uint64_t big_buf;
    size_t big_size;            /* see big_size() */
    Ring cmd, ev;
    Ring tr[32];                /* transfer rings by DCI */
    GQueue events;              /* Event *, not yet claimed */

    unsigned port, psi, slot;
    unsigned mps_bulk;

    /* Unix socket: the chardev's peer */
    char *dir, *sock_path;
    int sock;
    bool reading;               /* read the socket while polling */
    GByteArray *rx;             /* bytes read from the socket */
    const uint8_t *tx;          /* bytes still to write to the socket */
    size_t tx_len, tx_off;
} Fixture;

/* -- small helpers --------------------------------------------------------- */

static uint32_t rd(Fixture *f, uint32_t off)
{
    return qpci_io_readl(f->xhci, f->bar, off);
}

static void wr(Fixture *f, uint32_t off, uint32_t val)
{
    qpci_io_writel(f->xhci, f->bar, off, val);
}

static uint32_t op_rd(Fixture *f, uint32_t reg)
{
    return rd(f, f->op + reg);
}

static void op_wr(Fixture *f, uint32_t reg, uint32_t val)
{
    wr(f, f->op + reg, val);
}

static void fill_pattern(uint8_t *buf, size_t len, uint32_t seed)
{
    uint32_t x = seed ? seed : 0x9e3779b9;
    size_t i;

    for (i = 0; i < len; i++) {
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        buf[i] = x >> 24;
    }
}

/* Index of the first difference, or -1. */
static ssize_t first_diff(const uint8_t *a, const uint8_t *b, size_t len)
{
    size_t i;

    for (i = 0; i < len; i++) {
        if (a[i] != b[i]) {
            return i;
        }
    }
    return -1;
}

static void assert_same_bytes(const char *what, const uint8_t *got,
                              size_t got_len, const uint8_t *want,
                              size_t want_len)
{
    ssize_t d = first_diff(got, want, MIN(got_len, want_len));

    if (got_len != want_len || d >= 0) {
        g_test_message("%s: got %zu bytes, want %zu; first difference at "
                       "offset %zd", what, got_len, want_len, d);
    }
    g_assert_cmpuint(got_len, ==, want_len);
    g_assert_cmpint(d, ==, -1);
}

/* -- socket (chardev peer) ------------------------------------------------- */

static void sock_connect(Fixture *f)
{
    struct sockaddr_un sa = { .sun_family = AF_UNIX };
    int sndbuf = 64 * 1024;
    int i, r = -1;

    f->sock = socket(AF_UNIX, SOCK_STREAM, 0);
    g_assert_cmpint(f->sock, >=, 0);
    g_assert_cmpuint(strlen(f->sock_path), <, sizeof(sa.sun_path));
    strcpy(sa.sun_path, f->sock_path);
    for (i = 0; i < 200 && r < 0; i++) {
        r = connect(f->sock, (struct sockaddr *)&sa, sizeof(sa));
        if (r < 0) {
            g_usleep(10 * 1000);
        }
    }
    if (r < 0) {
        g_test_message("cannot connect to %s: %s", f->sock_path,
                       strerror(errno));
    }
    g_assert_cmpint(r, ==, 0);
    g_assert_cmpint(fcntl(f->sock, F_SETFL, O_NONBLOCK), ==, 0);
    /* A known, small send buffer: host-to-guest backpressure shows early */
    g_assert_cmpint(setsockopt(f->sock, SOL_SOCKET, SO_SNDBUF, &sndbuf,
                               sizeof(sndbuf)), ==, 0);
}

/* Bytes sitting unread in our socket's receive queue. */
static int sock_queued(Fixture *f)
{
    int n = 0;

    g_assert_cmpint(ioctl(f->sock, FIONREAD, &n), ==, 0);
    return n;
}

static void sock_io(Fixture *f)
{
    uint8_t buf[65536];
    ssize_t n;

    while (f->reading) {
        n = recv(f->sock, buf, sizeof(buf), MSG_DONTWAIT);
        if (n > 0) {
            g_byte_array_append(f->rx, buf, n);
            continue;
        }
        if (n == 0) {
            g_test_message("QEMU closed the serial socket");
            g_assert_not_reached();
        }
        g_assert(errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR);
        break;
    }
    while (f->tx_off < f->tx_len) {
        n = send(f->sock, f->tx + f->tx_off, f->tx_len - f->tx_off,
                 MSG_DONTWAIT | MSG_NOSIGNAL);
        if (n > 0) {
            f->tx_off += n;
            continue;
        }
        g_assert(errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR);
        break;
    }
}

/* Write @len bytes of @data to the socket as the device takes them. */
static void sock_send(Fixture *f, const uint8_t *data, size_t len)
{
    g_assert_cmpuint(f->tx_off, ==, f->tx_len);
    f->tx = data;
    f->tx_len = len;
    f->tx_off = 0;
    sock_io(f);
}

/* -- rings and events ------------------------------------------------------ */

static void ring_init(Fixture *f, Ring *r)
{
    r->base = guest_alloc(&f->alloc, RING_TRBS * TRB_SIZE);
    g_assert(r->base);
    qtest_memset(f->qts, r->base, 0, RING_TRBS * TRB_SIZE);
    r->enq = 0;
    r->cycle = true;
}

static void trb_write(Fixture *f, uint64_t addr, uint64_t param,
                      uint32_t status, uint32_t control)
{
    uint32_t t[4] = {
        cpu_to_le32(param), cpu_to_le32(param >> 32),
        cpu_to_le32(status), cpu_to_le32(control),
    };

    /* One qtest write: QEMU never sees half a TRB. */
    qtest_memwrite(f->qts, addr, t, sizeof(t));
}

/*
 * Put one TRB on @r; @mid says that it continues a TD, so a Link TRB in
 * front of it gets the chain bit.  Returns the TRB's address.
 */
static uint64_t ring_push(Fixture *f, Ring *r, uint64_t param,
                          uint32_t status, uint32_t control, bool mid)
{
    uint64_t addr;

    if (r->enq == RING_TRBS - 1) {
        trb_write(f, r->base + r->enq * TRB_SIZE, r->base, 0,
                  TRB_TYPE(TR_LINK) | TRB_TC | (mid ? TRB_CH : 0) |
                  (r->cycle ? TRB_C : 0));
        r->enq = 0;
        r->cycle = !r->cycle;
    }
    addr = r->base + r->enq * TRB_SIZE;
    trb_write(f, addr, param, status, control | (r->cycle ? TRB_C : 0));
    r->enq++;
    return addr;
}

static uint64_t ring_enq_ptr(Ring *r)
{
    /* The Link TRB is written lazily: index RING_TRBS-1 means "base". */
    if (r->enq == RING_TRBS - 1) {
        return r->base | (r->cycle ? 0 : 1);
    }
    return (r->base + r->enq * TRB_SIZE) | (r->cycle ? 1 : 0);
}

/* Move every new event from the event ring to f->events. */
static void poll_events(Fixture *f)
{
    for (;;) {
        uint32_t t[4];
        uint64_t next;
        Event *e;

        qtest_memread(f->qts, f->ev.base + f->ev.enq * TRB_SIZE, t,
                      sizeof(t));
        if (!!(le32_to_cpu(t[3]) & TRB_C) != f->ev.cycle) {
            return;
        }
        e = g_new(Event, 1);
        e->ptr = le32_to_cpu(t[0]) | (uint64_t)le32_to_cpu(t[1]) << 32;
        e->status = le32_to_cpu(t[2]);
        e->control = le32_to_cpu(t[3]);
        if (++f->ev.enq == RING_TRBS) {
            f->ev.enq = 0;
            f->ev.cycle = !f->ev.cycle;
        }
        next = f->ev.base + f->ev.enq * TRB_SIZE;
        wr(f, f->rt + RT_IR0 + IR_ERDP_HI, next >> 32);
        wr(f, f->rt + RT_IR0 + IR_ERDP_LO, (uint32_t)next | ERDP_EHB);
        if (EV_TYPE(e) == ER_PORT_STATUS) {
            g_free(e);              /* PORTSC is read directly */
            continue;
        }
        g_assert(EV_TYPE(e) == ER_TRANSFER ||
                 EV_TYPE(e) == ER_COMMAND_COMPLETE);
        g_queue_push_tail(&f->events, e);
    }
}

/* One round: events, socket, and 1 ms of virtual time. */
static void pump(Fixture *f)
{
    uint32_t sts;

    poll_events(f);
    sock_io(f);
    qtest_clock_step(f->qts, STEP_NS);
    sts = op_rd(f, OP_USBSTS);
    if (sts & (USBSTS_HSE | USBSTS_HCE)) {
        g_test_message("xHC error: USBSTS 0x%08x", sts);
        g_assert_not_reached();
    }
}

typedef bool (*EventPred)(const Event *e, const void *data);

/* Claim the first queued event @pred accepts, or NULL. */
static Event *take_event(Fixture *f, EventPred pred, const void *data)
{
    GList *l;

    for (l = f->events.head; l; l = l->next) {
        Event *e = l->data;

        if (pred(e, data)) {
            g_queue_delete_link(&f->events, l);
            return e;
        }
    }
    return NULL;
}

static Event *wait_event(Fixture *f, EventPred pred, const void *data,
                         const char *what)
{
    gint64 deadline = g_get_monotonic_time() + WAIT_WALL_US;
    int i;

    for (i = 0; i < WAIT_POLLS; i++) {
        Event *e;

        poll_events(f);
        e = take_event(f, pred, data);
        if (e) {
            return e;
        }
        if (g_get_monotonic_time() > deadline) {
            break;
        }
        pump(f);
    }
    g_test_message("timed out after %d polls waiting for %s "
                   "(%u unclaimed events)", i, what, f->events.length);
    g_assert_not_reached();
}

/* Poll until @cond(f, data), bounded; fails naming @what. */
static void wait_until(Fixture *f, bool (*cond)(Fixture *, const void *),
                       const void *data, const char *what)
{
    gint64 deadline = g_get_monotonic_time() + WAIT_WALL_US;
    int i;

    for (i = 0; i < WAIT_POLLS; i++) {
        if (cond(f, data)) {
            return;
        }
        if (g_get_monotonic_time() > deadline) {
            break;
        }
        pump(f);
    }
    g_test_message("timed out after %d polls waiting for %s", i, what);
    g_assert_not_reached();
}

/* -- commands -------------------------------------------------------------- */

static bool is_cmd_completion(const Event *e, const void *data)
{
    return EV_TYPE(e) == ER_COMMAND_COMPLETE &&
           e->ptr == *(const uint64_t *)data;
}

/* Run one command; returns its completion code, the slot in *slot_out. */
static unsigned command(Fixture *f, uint64_t param, uint32_t status,
                        uint32_t control, unsigned *slot_out)
{
    uint64_t addr = ring_push(f, &f->cmd, param, status, control, false);
    g_autofree char *what = g_strdup_printf("completion of command type %u",
                                            TRB_GET_TYPE(control));
    Event *e;
    unsigned cc;

    wr(f, f->db, 0);
    e = wait_event(f, is_cmd_completion, &addr, what);
    cc = EV_CC(e);
    if (slot_out) {
        *slot_out = EV_SLOT(e);
    }
    g_free(e);
    return cc;
}

static void command_ok(Fixture *f, uint64_t param, uint32_t control,
                       const char *what)
{
    unsigned cc = command(f, param, 0, control, NULL);

    if (cc != CC_SUCCESS) {
        g_test_message("%s: completion code %u", what, cc);
    }
    g_assert_cmpuint(cc, ==, CC_SUCCESS);
}

/* -- transfers on bulk / interrupt rings ----------------------------------- */

static void ring_doorbell(Fixture *f, unsigned dci)
{
    wr(f, f->db + 4 * f->slot, dci);
}

/*
 * Queue one TD of @len bytes at guest address @buf on endpoint @dci:
 * Normal TRBs, none crossing a 64 KiB boundary, chained, the last with
 * IOC (and ISP, so a short IN is reported on it).  Rings the doorbell.
 */
static Td *td_submit(Fixture *f, unsigned dci, uint64_t buf, uint32_t len)
{
    Td *td = g_new0(Td, 1);
    uint32_t off = 0;

    td->dci = dci;
    td->buf = buf;
    td->len = len;
    do {
        uint64_t a = buf + off;
        uint32_t chunk = MIN(len - off, TRB_MAX_LEN - (a & (TRB_MAX_LEN - 1)));
        bool last = off + chunk == len;
        uint32_t ctl = TRB_TYPE(TR_NORMAL) |
                       (last ? TRB_IOC | TRB_ISP : TRB_CH);

        g_assert_cmpuint(td->ntrb, <, TD_MAX_TRBS);
        td->trb[td->ntrb] = ring_push(f, &f->tr[dci], a, chunk, ctl,
                                      td->ntrb > 0);
        td->ntrb++;
        off += chunk;
    } while (off < len);
    ring_doorbell(f, dci);
    return td;
}

typedef struct TdMatch {
    unsigned slot;
    const Td *td;
} TdMatch;

static bool is_td_event(const Event *e, const void *data)
{
    const TdMatch *m = data;
    unsigned i;

    if (EV_TYPE(e) != ER_TRANSFER || EV_SLOT(e) != m->slot ||
        EV_EP(e) != m->td->dci) {
        return false;
    }
    for (i = 0; i < m->td->ntrb; i++) {
        if (e->ptr == m->td->trb[i]) {
            return true;
        }
    }
    return false;
}

static void td_complete(Td *td, Event *e)
{
    td->done = true;
    td->cc = EV_CC(e);
    td->residual = EV_LEN(e);
    g_free(e);
}

/* Has @td completed?  Does not wait. */
static bool td_poll(Fixture *f, Td *td)
{
    TdMatch m = { f->slot, td };
    Event *e;

    if (!td->done) {
        poll_events(f);
        e = take_event(f, is_td_event, &m);
        if (e) {
            td_complete(td, e);
        }
    }
    return td->done;
}

static void td_wait(Fixture *f, Td *td, const char *what)
{
    TdMatch m = { f->slot, td };

    if (!td->done) {
        td_complete(td, wait_event(f, is_td_event, &m, what));
    }
}

/* Bytes a completed TD moved; fails unless it succeeded (or was short). */
static uint32_t td_actual(Td *td, const char *what)
{
    if (td->cc != CC_SUCCESS && td->cc != CC_SHORT_PACKET) {
        g_test_message("%s: completion code %u", what, td->cc);
    }
    g_assert(td->cc == CC_SUCCESS || td->cc == CC_SHORT_PACKET);
    g_assert_cmpuint(td->residual, <=, td->len);
    return td->len - td->residual;
}

/* -- control transfers on EP0 ---------------------------------------------- */

typedef struct CtlMatch {
    unsigned slot;
    uint64_t trb[3];
} CtlMatch;

static bool is_ctl_event(const Event *e, const void *data)
{
    const CtlMatch *m = data;

    return EV_TYPE(e) == ER_TRANSFER && EV_SLOT(e) == m->slot &&
           EV_EP(e) == DCI_EP0 &&
           (e->ptr == m->trb[0] || e->ptr == m->trb[1] ||
            e->ptr == m->trb[2]);
}

/*
 * One control transfer; returns the completion code (CC_SUCCESS or the
 * error), *actual the bytes of the data stage.  @data is the OUT data or
 * receives the IN data (at most @len bytes).
 */
static unsigned control(Fixture *f, uint8_t type, uint8_t req,
                        uint16_t value, uint16_t index, uint16_t len,
                        void *data, uint32_t *actual)
{
    bool in = type & 0x80;
    uint64_t setup = type | (uint64_t)req << 8 | (uint64_t)value << 16 |
                     (uint64_t)index << 32 | (uint64_t)len << 48;
    unsigned trt = !len ? TRT_NO_DATA : in ? TRT_IN_DATA : TRT_OUT_DATA;
    Ring *r = &f->tr[DCI_EP0];
    CtlMatch m = { .slot = f->slot };
    g_autofree char *what = g_strdup_printf("control transfer %02x %02x "
                                            "wValue %04x wLength %u",
                                            type, req, value, len);
    uint32_t got = 0;
    unsigned cc;
    Event *e;

    g_assert_cmpuint(len, <=, 4096);
    if (len && !in) {
        qtest_memwrite(f->qts, f->ctl_buf, data, len);
    }
    m.trb[0] = ring_push(f, r, setup, 8,
                         TRB_TYPE(TR_SETUP) | TRB_IDT | (trt << 16), false);
    if (len) {
        m.trb[1] = ring_push(f, r, f->ctl_buf, len,
                             TRB_TYPE(TR_DATA) | TRB_ISP | TRB_IOC |
                             (in ? TRB_DIR_IN : 0), true);
    }
    /* Status stage in the opposite direction (IN when no data stage). */
    m.trb[2] = ring_push(f, r, 0, 0,
                         TRB_TYPE(TR_STATUS) | TRB_IOC |
                         (in && len ? 0 : TRB_DIR_IN), true);
    ring_doorbell(f, DCI_EP0);

    e = wait_event(f, is_ctl_event, &m, what);
    cc = EV_CC(e);
    if (cc != CC_SUCCESS && cc != CC_SHORT_PACKET) {
        g_free(e);
        return cc;
    }
    if (len) {
        /* Data stage event first (ISP|IOC), then the status stage's. */
        g_assert_cmphex(e->ptr, ==, m.trb[1]);
        g_assert_cmpuint(EV_LEN(e), <=, len);
        got = len - EV_LEN(e);
        g_free(e);
        e = wait_event(f, is_ctl_event, &m, what);
        cc = EV_CC(e);
        g_assert_cmphex(e->ptr, ==, m.trb[2]);
    } else {
        g_assert_cmpuint(cc, ==, CC_SUCCESS);
    }
    g_free(e);
    if (cc == CC_SUCCESS && in && got) {
        qtest_memread(f->qts, f->ctl_buf, data, got);
    }
    if (actual) {
        *actual = got;
    }
    return cc;
}

static uint32_t control_ok(Fixture *f, uint8_t type, uint8_t req,
                           uint16_t value, uint16_t index, uint16_t len,
                           void *data)
{
    uint32_t got = 0;
    unsigned cc = control(f, type, req, value, index, len, data, &got);

    if (cc != CC_SUCCESS) {
        g_test_message("control %02x %02x wValue %04x wIndex %04x "
                       "wLength %u: completion code %u", type, req, value,
                       index, len, cc);
    }
    g_assert_cmpuint(cc, ==, CC_SUCCESS);
    return got;
}

/* -- controller and device bring-up ---------------------------------------- */

static void find_xhci(QPCIDevice *dev, int devfn, void *data)
{
    QPCIDevice **found = data;

    if (*found) {
        g_free(dev);
    } else {
        *found = dev;
    }
}

static bool hc_reset_done(Fixture *f, const void *unused)
{
    return !(op_rd(f, OP_USBCMD) & USBCMD_HCRST) &&
           !(op_rd(f, OP_USBSTS) & USBSTS_CNR);
}

static bool hc_running(Fixture *f, const void *unused)
{
    return !(op_rd(f, OP_USBSTS) & USBSTS_HCH);
}

static bool hc_halted(Fixture *f, const void *unused)
{
    return op_rd(f, OP_USBSTS) & USBSTS_HCH;
}

static void xhci_start(Fixture *f)
{
    uint32_t hcs1, hcc1, erst[4];
    uint64_t er;

    hcs1 = rd(f, CAP_HCSPARAMS1);
    hcc1 = rd(f, CAP_HCCPARAMS1);
    f->nports = hcs1 >> 24;
    f->db = rd(f, CAP_DBOFF) & ~3u;
    f->rt = rd(f, CAP_RTSOFF) & ~0x1fu;
    g_assert_cmpuint(f->nports, >=, 1);
    g_assert_cmpuint(hcs1 & 0xff, >=, MAX_SLOTS);
    g_assert_cmphex(hcc1 & (1u << 2), ==, 0);          /* CSZ: 32-byte */
    /* No scratchpad buffers (HCSPARAMS2 Max Scratchpad Bufs = 0) */
    g_assert_cmphex(rd(f, CAP_HCSPARAMS2) & 0xffe00000u, ==, 0);
    g_assert_cmphex(op_rd(f, OP_PAGESIZE) & 1, ==, 1); /* 4 KiB pages */

    /* Stop, then reset (xHCI 1.2, 4.2) */
    op_wr(f, OP_USBCMD, 0);
    wait_until(f, hc_halted, NULL, "USBSTS.HCH after clearing RS");
    op_wr(f, OP_USBCMD, USBCMD_HCRST);
    wait_until(f, hc_reset_done, NULL, "USBCMD.HCRST and USBSTS.CNR to clear");

    op_wr(f, OP_CONFIG, MAX_SLOTS);

    f->dcbaa = guest_alloc(&f->alloc, 4096);
    qtest_memset(f->qts, f->dcbaa, 0, 4096);
    op_wr(f, OP_DCBAAP_LO, (uint32_t)f->dcbaa);
    op_wr(f, OP_DCBAAP_HI, f->dcbaa >> 32);

    ring_init(f, &f->cmd);
    op_wr(f, OP_CRCR_LO, (uint32_t)f->cmd.base | 1);   /* RCS = 1 */
    op_wr(f, OP_CRCR_HI, f->cmd.base >> 32);

    /* One event ring segment on interrupter 0 */
    ring_init(f, &f->ev);
    f->erst = guest_alloc(&f->alloc, 64);
    er = f->ev.base;
    erst[0] = cpu_to_le32(er);
    erst[1] = cpu_to_le32(er >> 32);
    erst[2] = cpu_to_le32(RING_TRBS);
    erst[3] = 0;
    qtest_memwrite(f->qts, f->erst, erst, sizeof(erst));
    wr(f, f->rt + RT_IR0 + IR_ERSTSZ, 1);
    wr(f, f->rt + RT_IR0 + IR_ERDP_HI, er >> 32);
    wr(f, f->rt + RT_IR0 + IR_ERDP_LO, (uint32_t)er);
    wr(f, f->rt + RT_IR0 + IR_ERSTBA_LO, (uint32_t)f->erst);
    wr(f, f->rt + RT_IR0 + IR_ERSTBA_HI, f->erst >> 32);
    wr(f, f->rt + RT_IR0 + IR_IMAN, 0);                /* polled */

    op_wr(f, OP_USBCMD, USBCMD_RS);
    wait_until(f, hc_running, NULL, "USBSTS.HCH to clear after RS");
}

static bool port_reset_done(Fixture *f, const void *unused)
{
    return op_rd(f, OP_PORTSC(f->port)) & PORTSC_PRC;
}

/* The one connected port: reset it, note its speed. */
static void port_setup(Fixture *f)
{
    unsigned n, found = 0;
    uint32_t sc;

    for (n = 1; n <= f->nports; n++) {
        if (op_rd(f, OP_PORTSC(n)) & PORTSC_CCS) {
            g_assert_cmpuint(found, ==, 0);
            found = n;
        }
    }
    if (!found) {
        g_test_message("no root hub port has PORTSC.CCS set");
    }
    g_assert_cmpuint(found, !=, 0);
    f->port = found;
    op_wr(f, OP_PORTSC(f->port), PORTSC_PP | PORTSC_CSC);
    op_wr(f, OP_PORTSC(f->port), PORTSC_PP | PORTSC_PR);
    wait_until(f, port_reset_done, NULL, "PORTSC.PRC after port reset");
    sc = op_rd(f, OP_PORTSC(f->port));
    op_wr(f, OP_PORTSC(f->port), PORTSC_PP | PORTSC_PRC);
    g_assert_cmphex(sc & (PORTSC_CCS | PORTSC_PED), ==,
                    PORTSC_CCS | PORTSC_PED);
    g_assert_cmphex(sc & PORTSC_PR, ==, 0);
    f->psi = PORTSC_SPEED(sc);
}

static void ctx_write(Fixture *f, uint64_t addr, const uint32_t *w, int n)
{
    uint32_t le[8];
    int i;

    g_assert_cmpint(n, <=, 8);
    for (i = 0; i < n; i++) {
        le[i] = cpu_to_le32(w[i]);
    }
    qtest_memwrite(f->qts, addr, le, n * 4);
}

static uint32_t ctx_read32(Fixture *f, uint64_t addr)
{
    uint32_t v;

    qtest_memread(f->qts, addr, &v, 4);
    return le32_to_cpu(v);
}

/* Output context: slot state, and EP @dci's state. */
static unsigned slot_state(Fixture *f)
{
    return ctx_read32(f, f->out_ctx + 12) >> 27;
}

static unsigned ep_state(Fixture *f, unsigned dci)
{
    return ctx_read32(f, f->out_ctx + dci * CTX_SIZE) & 7;
}

static void ep_ctx_fill(uint32_t *w, unsigned type, unsigned mps,
                        unsigned interval, uint64_t deq, unsigned avg,
                        unsigned esit)
{
    memset(w, 0, 8 * sizeof(*w));
    w[0] = interval << 16;
    w[1] = (3u << 1) | (type << 3) | (mps << 16);          /* CErr 3 */
    w[2] = (uint32_t)deq | 1;                              /* DCS 1 */
    w[3] = deq >> 32;
    w[4] = avg | (esit << 16);
}

static void enable_and_address(Fixture *f)
{
    uint32_t w[8];
    unsigned cc, slot = 0;

    cc = command(f, 0, 0, TRB_TYPE(CR_ENABLE_SLOT), &slot);
    g_assert_cmpuint(cc, ==, CC_SUCCESS);
    g_assert_cmpuint(slot, >=, 1);
    g_assert_cmpuint(slot, <=, MAX_SLOTS);
    f->slot = slot;

    f->out_ctx = guest_alloc(&f->alloc, 32 * CTX_SIZE);
    qtest_memset(f->qts, f->out_ctx, 0, 32 * CTX_SIZE);
    qtest_writeq(f->qts, f->dcbaa + 8 * slot, f->out_ctx);
    f->in_ctx = guest_alloc(&f->alloc, 33 * CTX_SIZE);

    ring_init(f, &f->tr[DCI_EP0]);
    qtest_memset(f->qts, f->in_ctx, 0, 33 * CTX_SIZE);
    memset(w, 0, sizeof(w));
    w[1] = 0x3;                                 /* add A0 (slot), A1 (EP0) */
    ctx_write(f, f->in_ctx, w, 8);
    memset(w, 0, sizeof(w));
    w[0] = (f->psi << 20) | (1u << 27);         /* route 0, speed, 1 entry */
    w[1] = f->port << 16;                       /* root hub port number */
    ctx_write(f, f->in_ctx + CTX_SIZE, w, 8);
    ep_ctx_fill(w, EP_TYPE_CONTROL, 64, 0, f->tr[DCI_EP0].base, 8, 0);
    ctx_write(f, f->in_ctx + 2 * CTX_SIZE, w, 8);

    command_ok(f, f->in_ctx, TRB_TYPE(CR_ADDRESS_DEVICE) | TRB_SLOT(slot),
               "Address Device");
    g_assert_cmpuint(slot_state(f), ==, SLOT_STATE_ADDRESSED);
    /* QEMU's USB device address is the slot id */
    g_assert_cmpuint(ctx_read32(f, f->out_ctx + 12) & 0xff, ==, slot);
    g_assert_cmpuint(ep_state(f, DCI_EP0), ==, EP_STATE_RUNNING);
}

static void get_descriptor(Fixture *f, uint8_t type, uint8_t index,
                           uint16_t len, uint8_t *buf, uint32_t *got)
{
    *got = control_ok(f, 0x80, REQ_GET_DESCRIPTOR, type << 8 | index, 0,
                      len, buf);
}

typedef struct DevInfo {
    uint8_t dev[18];
    uint8_t cfg[255];
    uint32_t cfg_len;
    unsigned mps[3];            /* 0x81, 0x02, 0x83 */
    unsigned interval[3];
} DevInfo;

static void read_descriptors(Fixture *f, DevInfo *d)
{
    uint32_t got, i;
    int found = 0;

    get_descriptor(f, 1, 0, 18, d->dev, &got);
    g_assert_cmpuint(got, ==, 18);
    g_assert_cmpuint(d->dev[0], ==, 18);
    g_assert_cmpuint(d->dev[1], ==, 1);
    g_assert_cmphex(lduw_le_p(d->dev + 2), ==, 0x0200);    /* bcdUSB */
    g_assert_cmpuint(d->dev[4], ==, 2);                     /* CDC */
    g_assert_cmpuint(d->dev[7], ==, 64);                    /* MPS0 */
    g_assert_cmphex(lduw_le_p(d->dev + 8), ==, SERIAL_VID);
    g_assert_cmphex(lduw_le_p(d->dev + 10), ==, SERIAL_PID);
    g_assert_cmpuint(d->dev[17], ==, 1);

    /* Header first, then the whole configuration */
    get_descriptor(f, 2, 0, 9, d->cfg, &got);
    g_assert_cmpuint(got, ==, 9);
    g_assert_cmpuint(lduw_le_p(d->cfg + 2), ==, 67);
    get_descriptor(f, 2, 0, 255, d->cfg, &got);
    g_assert_cmpuint(got, ==, 67);          /* short: the device has 67 */
    d->cfg_len = got;
    g_assert_cmpuint(d->cfg[4], ==, 2);     /* bNumInterfaces */
    g_assert_cmpuint(d->cfg[5], ==, 1);     /* bConfigurationValue */

    for (i = 0; i + 2 <= d->cfg_len && d->cfg[i]; i += d->cfg[i]) {
        const uint8_t *ep = d->cfg + i;
        int k;

        if (ep[1] != 5) {
            continue;
        }
        g_assert_cmpuint(ep[0], ==, 7);
        k = ep[2] == 0x81 ? 0 : ep[2] == 0x02 ? 1 : ep[2] == 0x83 ? 2 : -1;
        g_assert_cmpint(k, >=, 0);
        g_assert_cmpuint(ep[3], ==, k == 2 ? 3 : 2);
        d->mps[k] = lduw_le_p(ep + 4);
        d->interval[k] = ep[6];
        found |= 1 << k;
    }
    g_assert_cmpint(found, ==, 7);
    g_assert_cmpuint(d->mps[0], ==, d->mps[1]);
    g_assert_cmpuint(d->mps[0], ==, f->psi == PSI_HIGH ? 512 : 64);
    g_assert_cmpuint(d->mps[2], ==, 16);
    g_assert_cmpuint(d->interval[2], ==, f->psi == PSI_HIGH ? 8 : 16);
}

/* Configure Endpoint adding 0x81 (DCI 3), 0x02 (DCI 4), 0x83 (DCI 7). */
static void configure_endpoints(Fixture *f, const DevInfo *d)
{
    uint32_t w[8];
    unsigned i;
    /* xHCI Interval: 2^n x 125 us; 16 ms at either speed (2^7) */
    unsigned intr_interval = f->psi == PSI_HIGH ? d->interval[2] - 1 : 7;

    ring_init(f, &f->tr[DCI_BULK_IN]);
    ring_init(f, &f->tr[DCI_BULK_OUT]);
    ring_init(f, &f->tr[DCI_NOTIFY]);

    qtest_memset(f->qts, f->in_ctx, 0, 33 * CTX_SIZE);
    memset(w, 0, sizeof(w));
    w[1] = 1u | 1u << DCI_BULK_IN | 1u << DCI_BULK_OUT | 1u << DCI_NOTIFY;
    ctx_write(f, f->in_ctx, w, 8);
    /* Slot context: the current one, Context Entries = 7 */
    for (i = 0; i < 4; i++) {
        w[i] = ctx_read32(f, f->out_ctx + 4 * i);
    }
    w[0] = (w[0] & ~(0x1fu << 27)) | (7u << 27);
    w[3] = 0;
    w[4] = w[5] = w[6] = w[7] = 0;
    ctx_write(f, f->in_ctx + CTX_SIZE, w, 8);

    ep_ctx_fill(w, EP_TYPE_BULK_IN, d->mps[0], 0, f->tr[DCI_BULK_IN].base,
                1024, 0);
    ctx_write(f, f->in_ctx + (DCI_BULK_IN + 1) * CTX_SIZE, w, 8);
    ep_ctx_fill(w, EP_TYPE_BULK_OUT, d->mps[1], 0, f->tr[DCI_BULK_OUT].base,
                1024, 0);
    ctx_write(f, f->in_ctx + (DCI_BULK_OUT + 1) * CTX_SIZE, w, 8);
    ep_ctx_fill(w, EP_TYPE_INTR_IN, d->mps[2], intr_interval,
                f->tr[DCI_NOTIFY].base, 16, 16);
    ctx_write(f, f->in_ctx + (DCI_NOTIFY + 1) * CTX_SIZE, w, 8);

    command_ok(f, f->in_ctx, TRB_TYPE(CR_CONFIGURE_EP) | TRB_SLOT(f->slot),
               "Configure Endpoint");
    g_assert_cmpuint(slot_state(f), ==, SLOT_STATE_CONFIGURED);
    g_assert_cmpuint(ep_state(f, DCI_BULK_IN), ==, EP_STATE_RUNNING);
    g_assert_cmpuint(ep_state(f, DCI_BULK_OUT), ==, EP_STATE_RUNNING);
    g_assert_cmpuint(ep_state(f, DCI_NOTIFY), ==, EP_STATE_RUNNING);
}

/*
 * A bulk OUT transfer that cannot complete while the socket peer does not
 * read: well beyond what the kernel buffers on QEMU's side of the Unix
 * socket (its send buffer, net.core.wmem_default, 212992 by default).
 */
static size_t big_size(void)
{
    g_autofree char *txt = NULL;
    size_t wmem = 0;

    if (g_file_get_contents("/proc/sys/net/core/wmem_default", &txt, NULL,
                            NULL)) {
        wmem = g_ascii_strtoull(txt, NULL, 10);
    }
    return MIN(MAX((size_t)BIG_MIN, 4 * wmem), (size_t)BIG_MAX);
}

/*
 * Boot QEMU with the serial device on qemu-xhci, connect to its socket,
 * start the controller.  @speed: NULL for the default, or "full".
 */
static void fixture_up(Fixture *f, const char *speed)
{
    int i;

    memset(f, 0, sizeof(*f));
    g_queue_init(&f->events);
    f->rx = g_byte_array_new();
    f->dir = g_dir_make_tmp("dextbed-usb-xfer-XXXXXX", NULL);
    g_assert_nonnull(f->dir);
    f->sock_path = g_build_filename(f->dir, "ser.sock", NULL);
    f->qts = qtest_initf("-M q35 -nodefaults -device qemu-xhci,id=xhci "
                         "-chardev socket,id=c0,path=%s,server=on,wait=off "
                         "-device dextbed-usb-serial,id=ser,bus=xhci.0,"
                         "chardev=c0%s%s", f->sock_path,
                         speed ? ",speed=" : "", speed ? speed : "");
    /*
     * Connect first: QEMU's main loop accepts while it serves the many
     * qtest commands of the controller bring-up below, so the device
     * sees the chardev open (DCD|DSR) long before it is configured.
     */
    g_usleep(10 * 1000);
    sock_connect(f);
    f->reading = true;

    pc_alloc_init(&f->alloc, f->qts, ALLOC_NO_FLAGS);
    f->bus = qpci_new_pc(f->qts, &f->alloc);
    qpci_device_foreach(f->bus, XHCI_VENDOR, XHCI_DEVICE, find_xhci,
                        &f->xhci);
    g_assert_nonnull(f->xhci);
    qpci_device_enable(f->xhci);
    f->bar = qpci_iomap(f->xhci, 0, NULL);
    f->op = rd(f, CAP_CAPLENGTH) & 0xff;
    g_assert_cmpuint(f->op, >=, 0x20);

    f->ctl_buf = guest_alloc(&f->alloc, 4096);
    for (i = 0; i < N_SLOT_BUFS; i++) {
        f->slot_buf[i] = guest_alloc(&f->alloc, SLOT_BUF_SIZE);
    }
    f->big_size = big_size();
    f->big_buf = guest_alloc(&f->alloc, f->big_size);

    xhci_start(f);
    port_setup(f);
}

/* Enumerate and configure; @d receives the descriptors. */
static void device_up(Fixture *f, DevInfo *d)
{
    enable_and_address(f);
    read_descriptors(f, d);
    configure_endpoints(f, d);
    control_ok(f, 0x00, REQ_SET_CONFIG, 1, 0, 0, NULL);
    f->mps_bulk = d->mps[0];
}

static void fixture_down(Fixture *f)
{
    Event *e;

    while ((e = g_queue_pop_head(&f->events))) {
        g_free(e);
    }
    if (f->sock >= 0) {
        close(f->sock);
    }
    g_free(f->xhci);
    qpci_free_pc(f->bus);
    alloc_destroy(&f->alloc);
    qtest_quit(f->qts);
    g_byte_array_free(f->rx, true);
    unlink(f->sock_path);
    rmdir(f->dir);
    g_free(f->sock_path);
    g_free(f->dir);
}

/* -- data path helpers ----------------------------------------------------- */

/* Nothing unclaimed may be left: every event belongs to some request. */
static void check_no_stray_events(Fixture *f)
{
    poll_events(f);
    if (f->events.length) {
        Event *e = g_queue_peek_head(&f->events);

        g_test_message("%u unexpected events, first: type %u cc %u slot %u "
                       "ep %u ptr 0x%" PRIx64, f->events.length, EV_TYPE(e),
                       EV_CC(e), EV_SLOT(e), EV_EP(e), e->ptr);
    }
    g_assert_cmpuint(f->events.length, ==, 0);
}

static bool rx_has(Fixture *f, const void *data)
{
    return f->rx->len >= *(const size_t *)data;
}

/* Wait until the socket has delivered @want bytes in all. */
static void wait_rx(Fixture *f, size_t want, const char *what)
{
    g_assert_true(f->reading);
    wait_until(f, rx_has, &want, what);
}

/* Keep polling a little and check no more bytes arrive on the socket. */
static void check_rx_quiet(Fixture *f, size_t expect, const char *what)
{
    int i;

    for (i = 0; i < 50; i++) {
        pump(f);
    }
    if (f->rx->len != expect) {
        g_test_message("%s: %u bytes on the socket, expected exactly %zu",
                       what, f->rx->len, expect);
    }
    g_assert_cmpuint(f->rx->len, ==, expect);
}

/*
 * Send @len bytes of @data on bulk OUT in TDs of the sizes @sizes (cycled,
 * the last one trimmed), up to N_SLOT_BUFS TDs in flight.  Every TD must
 * complete with Success and no residual.
 */
static void bulk_out_stream(Fixture *f, const uint8_t *data, size_t len,
                            const uint32_t *sizes, size_t nsizes)
{
    Td *inflight[N_SLOT_BUFS] = { NULL };
    size_t off = 0, k = 0;
    unsigned zero_tds = 0;
    bool busy;
    int i;

    do {
        busy = false;
        for (i = 0; i < N_SLOT_BUFS; i++) {
            Td *td = inflight[i];

            if (td && td_poll(f, td)) {
                g_assert_cmpuint(td->cc, ==, CC_SUCCESS);
                g_assert_cmpuint(td->residual, ==, 0);
                g_free(td);
                td = inflight[i] = NULL;
            }
            if (!td && off < len) {
                uint32_t n = MIN(sizes[k++ % nsizes], len - off);

                g_assert_cmpuint(n, <=, SLOT_BUF_SIZE);
                if (n) {
                    qtest_memwrite(f->qts, f->slot_buf[i], data + off, n);
                } else {
                    zero_tds++;
                }
                inflight[i] = td_submit(f, DCI_BULK_OUT, f->slot_buf[i], n);
                off += n;
            }
            busy |= inflight[i] != NULL;
        }
        if (busy) {
            /* Bounded: each TD's completion is awaited with a limit. */
            for (i = 0; i < N_SLOT_BUFS; i++) {
                if (inflight[i]) {
                    td_wait(f, inflight[i], "bulk OUT completion");
                    break;
                }
            }
        }
    } while (busy || off < len);
    g_test_message("sent %zu bytes in %zu bulk OUT TDs (%u zero-length)",
                   len, k, zero_tds);
}

/*
 * Receive exactly @want bytes on bulk IN, one TD at a time, with buffer
 * sizes @sizes (cycled).  More data than @want would be a duplicate.
 */
static void bulk_in_collect(Fixture *f, uint8_t *out, size_t want,
                            const uint32_t *sizes, size_t nsizes)
{
    size_t got = 0, k = 0;

    while (got < want) {
        uint32_t n = sizes[k++ % nsizes];
        Td *td = td_submit(f, DCI_BULK_IN, f->slot_buf[0], n);
        uint32_t a;

        td_wait(f, td, "bulk IN completion");
        a = td_actual(td, "bulk IN");
        g_assert_cmpuint(a, >, 0);          /* NAK, not a zero-length IN */
        if (got + a > want) {
            g_test_message("bulk IN delivered %zu bytes, only %zu were sent",
                           got + a, want);
        }
        g_assert_cmpuint(got + a, <=, want);
        qtest_memread(f->qts, f->slot_buf[0], out + got, a);
        got += a;
        g_free(td);
    }
}

static void get_stats(Fixture *f, uint32_t st[6])
{
    uint8_t b[24];
    int i;

    g_assert_cmpuint(control_ok(f, 0xc0, VREQ_GET_STATS, 0, 0, 24, b), ==,
                     24);
    for (i = 0; i < 6; i++) {
        st[i] = ldl_le_p(b + 4 * i);
    }
}

static void qom_line_event(Fixture *f, const char *ev)
{
    QDict *resp = qtest_qmp(f->qts, "{'execute': 'qom-set', 'arguments': "
                            "{'path': '/machine/peripheral/ser', "
                            "'property': 'line-event', 'value': %s}}", ev);

    g_assert(qdict_haskey(resp, "return"));
    qobject_unref(resp);
}

/* -- 1. enumeration -------------------------------------------------------- */

/* The next SERIAL_STATE notification on 0x83 must carry @state. */
static void check_notification(Fixture *f, uint16_t state)
{
    uint8_t want[10] = {
        0xa1, 0x20, 0x00, 0x00, 0x00, 0x00, 0x02, 0x00,
        state & 0xff, state >> 8,
    };
    uint8_t got[16];
    uint32_t n;
    Td *td;

    td = td_submit(f, DCI_NOTIFY, f->ctl_buf + 2048, 16);
    td_wait(f, td, "SERIAL_STATE notification on 0x83");
    n = td_actual(td, "interrupt IN 0x83");
    /* 10 bytes in a 16-byte buffer: a short packet with residual 6 */
    g_assert_cmpuint(td->cc, ==, CC_SHORT_PACKET);
    g_assert_cmpuint(td->residual, ==, 6);
    g_assert_cmpuint(n, ==, 10);
    qtest_memread(f->qts, td->buf, got, n);
    g_assert_cmpmem(got, n, want, sizeof(want));
    g_free(td);
}

/* Wait for the pending notification TD @td; returns the state, frees it. */
static uint16_t pending_notification(Fixture *f, Td *td, const char *why)
{
    g_autofree char *what = g_strdup_printf("SERIAL_STATE after %s", why);
    uint8_t got[10];

    td_wait(f, td, what);
    g_assert_cmpuint(td_actual(td, "interrupt IN 0x83"), ==, 10);
    qtest_memread(f->qts, td->buf, got, 10);
    g_assert_cmpmem(got, 8, "\xa1\x20\x00\x00\x00\x00\x02\x00", 8);
    g_free(td);
    return lduw_le_p(got + 8);
}

/* After SET_CONFIGURATION(1) with the socket client connected: DCD|DSR */
static void check_first_notification(Fixture *f)
{
    check_notification(f, 0x0003);
}

/* An interrupt IN on 0x83 NAKs (stays pending) for a while; returns it. */
static Td *check_notify_quiet(Fixture *f)
{
    Td *td = td_submit(f, DCI_NOTIFY, f->ctl_buf + 2048, 16);
    int i;

    for (i = 0; i < 100; i++) {     /* 100 ms, six polling intervals */
        pump(f);
        if (td_poll(f, td)) {
            uint8_t got[10];

            qtest_memread(f->qts, td->buf, got, 10);
            g_test_message("unexpected notification, state 0x%02x%02x",
                           got[9], got[8]);
        }
        g_assert_false(td->done);
    }
    return td;
}

static void enumerate(const char *speed, unsigned psi)
{
    Fixture f;
    DevInfo d;
    uint8_t info[16], cfg;
    uint32_t st[6];
    Td *td;

    fixture_up(&f, speed);
    g_assert_cmpuint(f.psi, ==, psi);
    device_up(&f, &d);

    /* GET_CONFIGURATION reads back 1 */
    g_assert_cmpuint(control_ok(&f, 0x80, 0x08, 0, 0, 1, &cfg), ==, 1);
    g_assert_cmpuint(cfg, ==, 1);

    check_first_notification(&f);

    /* Vendor GET_INFO: "DXSR", pid, fw 0x0100, 48 MHz, FIFOs 4096 */
    g_assert_cmpuint(control_ok(&f, 0xc0, VREQ_GET_INFO, 0, 0, 16, info),
                     ==, 16);
    g_assert_cmpmem(info, 4, "DXSR", 4);
    g_assert_cmphex(lduw_le_p(info + 4), ==, SERIAL_PID);
    g_assert_cmphex(lduw_le_p(info + 6), ==, 0x0100);
    g_assert_cmpuint(ldl_le_p(info + 8), ==, 48000000);
    g_assert_cmpuint(lduw_le_p(info + 12), ==, FIFO_SIZE);
    g_assert_cmpuint(lduw_le_p(info + 14), ==, FIFO_SIZE);

    get_stats(&f, st);
    g_assert_cmpuint(st[4], ==, 1);         /* one notification sent */

    /* Nothing changes: the endpoint NAKs ... */
    td = check_notify_quiet(&f);
    /* ... until an event: RING once, on top of DCD|DSR */
    qom_line_event(&f, "ring");
    g_assert_cmphex(pending_notification(&f, td, "line-event=ring"), ==,
                    0x000b);
    /* Two events before the guest polls are merged into one */
    qom_line_event(&f, "parity");
    qom_line_event(&f, "break");
    check_notification(&f, 0x0027);
    /* One-shot: reported once, then cleared */
    td = check_notify_quiet(&f);
    /* SET_CONFIGURATION(1) again re-sends the line state */
    control_ok(&f, 0x00, REQ_SET_CONFIG, 1, 0, 0, NULL);
    g_assert_cmphex(pending_notification(&f, td, "re-selected "
                                         "configuration"), ==, 0x0003);

    check_no_stray_events(&f);
    g_free(check_notify_quiet(&f)); /* its TD stays queued; fine at quit */
    fixture_down(&f);
}

static void test_enumerate(void)
{
    enumerate(NULL, PSI_HIGH);
}

/* speed=full: bulk endpoints of 64 bytes; a short echo both ways. */
static void test_enumerate_full_speed(void)
{
    static const uint32_t in_sizes[] = { 64, 128, 512 };
    static const uint32_t out_sizes[] = { 1000, 64, 1 };
    uint8_t out[3000], host[3000], in[3000];
    Fixture f;
    DevInfo d;

    fixture_up(&f, "full");
    g_assert_cmpuint(f.psi, ==, PSI_FULL);
    device_up(&f, &d);
    g_assert_cmpuint(f.mps_bulk, ==, 64);
    check_first_notification(&f);

    fill_pattern(out, sizeof(out), 11);
    bulk_out_stream(&f, out, sizeof(out), out_sizes,
                    G_N_ELEMENTS(out_sizes));
    wait_rx(&f, sizeof(out), "3000 bytes on the socket");
    assert_same_bytes("full speed, guest to host", f.rx->data, f.rx->len,
                      out, sizeof(out));

    fill_pattern(host, sizeof(host), 12);
    sock_send(&f, host, sizeof(host));
    bulk_in_collect(&f, in, sizeof(in), in_sizes, G_N_ELEMENTS(in_sizes));
    assert_same_bytes("full speed, host to guest", in, sizeof(in), host,
                      sizeof(host));
    check_no_stray_events(&f);
    fixture_down(&f);
}

/* -- 2. guest to host ------------------------------------------------------ */

static bool td_done_cond(Fixture *f, const void *data)
{
    return td_poll(f, (Td *)data);
}

static void test_guest_to_host(void)
{
    /* Around and across the 512-byte packet and the 4096-byte FIFO */
    static const uint32_t sizes[] = {
        1, 511, 512, 513, 4095, 4096, 4097, 0, 8192, 3, 12345, 65536,
        1000, 0, 20000, 7, 4096 * 3 + 1,
    };
    const size_t total = 100 * 1024;
    g_autofree uint8_t *data = g_malloc(total);
    g_autofree uint8_t *big = g_malloc(big_size());
    size_t i, held, base;
    uint32_t st[6], st2[6];
    Fixture f;
    DevInfo d;
    Td *td;

    fixture_up(&f, NULL);
    device_up(&f, &d);
    check_first_notification(&f);

    /* 100 KiB, varied transfer sizes, up to four TDs in flight */
    fill_pattern(data, total, 2);
    bulk_out_stream(&f, data, total, sizes, G_N_ELEMENTS(sizes));
    wait_rx(&f, total, "100 KiB of bulk OUT data on the socket");
    check_rx_quiet(&f, total, "after 100 KiB");
    assert_same_bytes("guest to host, 100 KiB", f.rx->data, f.rx->len,
                      data, total);
    get_stats(&f, st);
    g_assert_cmpuint(st[0], ==, total);     /* bytes accepted on bulk OUT */

    /*
     * Flow control: the socket peer stops reading.  A 1 MiB OUT transfer
     * (more if net.core.wmem_default is large, see big_size()) is far more
     * than the FIFO (4 KiB) plus what the kernel buffers on a Unix socket
     * (~180 KiB with the default wmem of 212992), so the device must hold
     * it: no completion while nobody reads.
     */
    f.reading = false;
    base = f.rx->len;
    fill_pattern(big, f.big_size, 3);
    qtest_memwrite(f.qts, f.big_buf, big, f.big_size);
    td = td_submit(&f, DCI_BULK_OUT, f.big_buf, f.big_size);
    for (i = 0; i < 300; i++) {
        pump(&f);
        g_usleep(1000);     /* real time for QEMU to write the socket */
        g_assert_false(td_poll(&f, td));
    }
    held = sock_queued(&f);
    g_test_message("peer not reading: %zu bytes wait in the socket, the "
                   "%zu-byte transfer is pending", held, f.big_size);
    g_assert_cmpuint(held, >, 0);
    g_assert_cmpuint(held, <, f.big_size - FIFO_SIZE);
    g_assert_false(td_poll(&f, td));
    /* EP0 still works while the bulk OUT waits */
    get_stats(&f, st2);
    g_assert_cmpuint(st2[2], >, st[2]);     /* OUT transfers that waited */
    g_assert_cmpuint(st2[0] - st[0], <, f.big_size);

    /* Read again: the transfer completes, every byte arrives once */
    f.reading = true;
    wait_until(&f, td_done_cond, td, "the held big bulk OUT to complete");
    g_assert_cmpuint(td->cc, ==, CC_SUCCESS);
    g_assert_cmpuint(td->residual, ==, 0);
    g_free(td);
    wait_rx(&f, base + f.big_size, "the held transfer's bytes on the socket");
    check_rx_quiet(&f, base + f.big_size, "after the held transfer");
    assert_same_bytes("guest to host, big transfer held back",
                      f.rx->data + base,
                      f.rx->len - base, big, f.big_size);
    check_no_stray_events(&f);
    fixture_down(&f);
}

/* -- 3. host to guest ------------------------------------------------------ */

static bool tx_blocked(Fixture *f, const void *unused)
{
    return f->tx_off < f->tx_len;
}

static void test_host_to_guest(void)
{
    static const uint32_t sizes[] = { 512, 1024, 4096, 2048, 1536, 3072 };
    const size_t n1 = 64 * 1024, n2 = 512 * 1024;
    g_autofree uint8_t *host = g_malloc(n2);
    g_autofree uint8_t *got = g_malloc(n2);
    uint32_t st[6];
    Fixture f;
    DevInfo d;
    int i;

    fixture_up(&f, NULL);
    device_up(&f, &d);
    check_first_notification(&f);

    /* 64 KiB while the guest reads */
    fill_pattern(host, n1, 4);
    sock_send(&f, host, n1);
    bulk_in_collect(&f, got, n1, sizes, G_N_ELEMENTS(sizes));
    assert_same_bytes("host to guest, 64 KiB", got, n1, host, n1);
    g_assert_cmpuint(f.tx_off, ==, n1);

    /*
     * Flow control: 512 KiB while the guest does not read.  The device
     * takes its FIFO's 4096 bytes and then leaves the socket alone, so the
     * kernel's buffers fill and our writer is held back.
     */
    fill_pattern(host, n2, 5);
    sock_send(&f, host, n2);
    for (i = 0; i < 200; i++) {
        pump(&f);
        g_usleep(1000);
    }
    g_test_message("guest not reading: %zu of %zu bytes accepted by the "
                   "socket", f.tx_off, n2);
    g_assert_true(tx_blocked(&f, NULL));
    get_stats(&f, st);
    g_assert_cmpuint(st[1], ==, n1);        /* bytes sent on bulk IN */

    bulk_in_collect(&f, got, n2, sizes, G_N_ELEMENTS(sizes));
    assert_same_bytes("host to guest, 512 KiB held back", got, n2, host, n2);
    get_stats(&f, st);
    g_assert_cmpuint(st[1], ==, n1 + n2);

    /* And nothing more: the next IN NAKs until new data arrives. */
    {
        Td *td = td_submit(&f, DCI_BULK_IN, f.slot_buf[1], 512);
        static const uint8_t one = 0x5a;
        uint8_t b;

        for (i = 0; i < 50; i++) {
            pump(&f);
            g_assert_false(td_poll(&f, td));
        }
        sock_send(&f, &one, 1);
        wait_until(&f, td_done_cond, td, "bulk IN woken by 1 new byte");
        g_assert_cmpuint(td_actual(td, "bulk IN"), ==, 1);
        g_assert_cmpuint(td->cc, ==, CC_SHORT_PACKET);
        qtest_memread(f.qts, td->buf, &b, 1);
        g_assert_cmphex(b, ==, one);
        g_free(td);
    }
    check_no_stray_events(&f);
    fixture_down(&f);
}

/* -- 4. line coding and STALL recovery ------------------------------------- */

static void test_line_coding(void)
{
    static const uint8_t dflt[7] = { 0x00, 0xc2, 0x01, 0x00, 0, 0, 8 };
    /* 9600 baud, 2 stop bits, even parity, 7 data bits */
    static const uint8_t lc[7] = { 0x80, 0x25, 0x00, 0x00, 2, 2, 7 };
    uint8_t got[7];
    uint32_t n, st[6];
    unsigned cc;
    uint64_t deq;
    Fixture f;
    DevInfo d;

    fixture_up(&f, NULL);
    device_up(&f, &d);

    n = control_ok(&f, 0xa1, CDC_GET_LINE_CODING, 0, 0, 7, got);
    g_assert_cmpuint(n, ==, 7);
    g_assert_cmpmem(got, 7, dflt, 7);

    control_ok(&f, 0x21, CDC_SET_LINE_CODING, 0, 0, 7, (void *)lc);
    n = control_ok(&f, 0xa1, CDC_GET_LINE_CODING, 0, 0, 7, got);
    g_assert_cmpuint(n, ==, 7);
    g_assert_cmpmem(got, 7, lc, 7);

    /* wLength 5: STALL, reported as Stall Error; EP0 halts in the xHC */
    cc = control(&f, 0x21, CDC_SET_LINE_CODING, 0, 0, 5, (void *)dflt,
                 NULL);
    g_assert_cmpuint(cc, ==, CC_STALL);
    g_assert_cmpuint(ep_state(&f, DCI_EP0), ==, EP_STATE_HALTED);

    /*
     * Recovery as xHCI 1.2, 4.6.8 says: Reset Endpoint, then move the
     * dequeue pointer past the stalled TD.  QEMU needs it: its EP0 stays
     * halted (and would re-run the stalled TD) otherwise.
     */
    command_ok(&f, 0, TRB_TYPE(CR_RESET_EP) | TRB_SLOT(f.slot) |
               TRB_EP(DCI_EP0), "Reset Endpoint (EP0)");
    deq = ring_enq_ptr(&f.tr[DCI_EP0]);
    command_ok(&f, deq, TRB_TYPE(CR_SET_TR_DEQUEUE) | TRB_SLOT(f.slot) |
               TRB_EP(DCI_EP0), "Set TR Dequeue Pointer (EP0)");

    /* The device kept the good coding and answers again */
    n = control_ok(&f, 0xa1, CDC_GET_LINE_CODING, 0, 0, 7, got);
    g_assert_cmpuint(n, ==, 7);
    g_assert_cmpmem(got, 7, lc, 7);
    control_ok(&f, 0x21, CDC_SET_LINE_CODING, 0, 0, 7, (void *)dflt);
    n = control_ok(&f, 0xa1, CDC_GET_LINE_CODING, 0, 0, 7, got);
    g_assert_cmpmem(got, 7, dflt, 7);
    get_stats(&f, st);
    g_assert_cmpuint(st[5], ==, 1);         /* requests STALLed */

    /* Data still flows after the STALL */
    {
        static const uint8_t msg[] = "still alive";
        Td *td;

        qtest_memwrite(f.qts, f.slot_buf[0], msg, sizeof(msg));
        td = td_submit(&f, DCI_BULK_OUT, f.slot_buf[0], sizeof(msg));

        td_wait(&f, td, "bulk OUT after the STALL");
        g_assert_cmpuint(td->cc, ==, CC_SUCCESS);
        g_free(td);
        wait_rx(&f, sizeof(msg), "bytes after the STALL");
        assert_same_bytes("after STALL", f.rx->data, f.rx->len, msg,
                          sizeof(msg));
    }
    check_no_stray_events(&f);
    fixture_down(&f);
}

/* -- 5. vendor loopback ---------------------------------------------------- */

static void test_loopback(void)
{
    static const uint32_t out_sizes[] = { 100, 4096, 3000, 5000, 1 };
    static const uint32_t in_sizes[] = { 4096, 512, 2048 };
    const size_t len = 20 * 1024;
    g_autofree uint8_t *data = g_malloc(len);
    g_autofree uint8_t *got = g_malloc(len);
    Td *outs[N_SLOT_BUFS - 1] = { NULL };
    size_t off = 0, rcv = 0, k = 0, ki = 0;
    Td *in = NULL;
    Fixture f;
    DevInfo d;
    int i, guard;

    fixture_up(&f, NULL);
    device_up(&f, &d);
    check_first_notification(&f);

    control_ok(&f, 0x40, VREQ_SET_LOOPBACK, 1, 0, 0, NULL);

    /*
     * 20 KiB out, read back on bulk IN.  More than the FIFO: the OUT side
     * must wait for the IN side, so both run at once (OUT TDs use buffers
     * 1.., the IN TD buffer 0).
     */
    fill_pattern(data, len, 6);
    for (guard = 0; guard < 100000 && rcv < len; guard++) {
        for (i = 0; i < N_SLOT_BUFS - 1; i++) {
            if (outs[i] && td_poll(&f, outs[i])) {
                g_assert_cmpuint(outs[i]->cc, ==, CC_SUCCESS);
                g_free(outs[i]);
                outs[i] = NULL;
            }
            if (!outs[i] && off < len) {
                uint32_t n = MIN(out_sizes[k++ % G_N_ELEMENTS(out_sizes)],
                                 len - off);

                qtest_memwrite(f.qts, f.slot_buf[i + 1], data + off, n);
                outs[i] = td_submit(&f, DCI_BULK_OUT, f.slot_buf[i + 1], n);
                off += n;
            }
        }
        if (!in) {
            in = td_submit(&f, DCI_BULK_IN, f.slot_buf[0],
                           in_sizes[ki++ % G_N_ELEMENTS(in_sizes)]);
        }
        if (td_poll(&f, in)) {
            uint32_t a = td_actual(in, "loopback bulk IN");

            g_assert_cmpuint(rcv + a, <=, len);
            qtest_memread(f.qts, in->buf, got + rcv, a);
            rcv += a;
            g_free(in);
            in = NULL;
        } else {
            pump(&f);
        }
    }
    if (rcv < len) {
        g_test_message("loopback: %zu of %zu bytes came back", rcv, len);
    }
    g_assert_cmpuint(rcv, ==, len);
    for (i = 0; i < N_SLOT_BUFS - 1; i++) {
        if (outs[i]) {
            td_wait(&f, outs[i], "loopback bulk OUT");
            g_assert_cmpuint(outs[i]->cc, ==, CC_SUCCESS);
            g_free(outs[i]);
        }
    }
    assert_same_bytes("loopback", got, rcv, data, len);
    /* Nothing reached the socket */
    check_rx_quiet(&f, 0, "loopback on");

    /* Loopback off: bytes go to the socket again, not back to the guest */
    control_ok(&f, 0x40, VREQ_SET_LOOPBACK, 0, 0, 0, NULL);
    {
        static const uint8_t msg[] = "to the host";
        Td *td;

        qtest_memwrite(f.qts, f.slot_buf[1], msg, sizeof(msg));
        td = td_submit(&f, DCI_BULK_OUT, f.slot_buf[1], sizeof(msg));
        td_wait(&f, td, "bulk OUT, loopback off");
        g_assert_cmpuint(td->cc, ==, CC_SUCCESS);
        g_free(td);
        wait_rx(&f, sizeof(msg), "bytes after loopback off");
        assert_same_bytes("loopback off", f.rx->data, f.rx->len, msg,
                          sizeof(msg));
        td = td_submit(&f, DCI_BULK_IN, f.slot_buf[0], 512);
        for (i = 0; i < 50; i++) {
            pump(&f);
            g_assert_false(td_poll(&f, td));
        }
        g_free(td);     /* left NAKing; QEMU drops it at quit */
    }
    fixture_down(&f);
}

/* -- 6. socket client leaves and comes back -------------------------------- */

static void test_reconnect(void)
{
    const size_t n1 = 1000, n2 = 5000;
    uint8_t data[6000];
    Td *note, *t1, *t2;
    Fixture f;
    DevInfo d;
    int i;

    fixture_up(&f, NULL);
    device_up(&f, &d);
    check_first_notification(&f);

    /* The client goes away: DCD and DSR drop */
    note = check_notify_quiet(&f);
    close(f.sock);
    f.sock = -1;
    f.reading = false;
    g_assert_cmphex(pending_notification(&f, note, "socket client closed"),
                    ==, 0x0000);

    /*
     * Bytes written meanwhile wait in the FIFO: 1000 fit and complete,
     * the next 5000 do not (3096 fit) and stay pending.
     */
    fill_pattern(data, sizeof(data), 8);
    qtest_memwrite(f.qts, f.slot_buf[0], data, n1);
    qtest_memwrite(f.qts, f.slot_buf[1], data + n1, n2);
    t1 = td_submit(&f, DCI_BULK_OUT, f.slot_buf[0], n1);
    t2 = td_submit(&f, DCI_BULK_OUT, f.slot_buf[1], n2);
    td_wait(&f, t1, "bulk OUT of 1000 bytes with no client");
    g_assert_cmpuint(t1->cc, ==, CC_SUCCESS);
    note = td_submit(&f, DCI_NOTIFY, f.ctl_buf + 2048, 16);
    for (i = 0; i < 100; i++) {
        pump(&f);
        g_assert_false(td_poll(&f, t2));
        g_assert_false(td_poll(&f, note));
    }

    /* A client again: DCD|DSR, and all 6000 bytes, in order, once */
    sock_connect(&f);
    f.reading = true;
    g_assert_cmphex(pending_notification(&f, note, "socket client "
                                         "connected"), ==, 0x0003);
    td_wait(&f, t2, "held bulk OUT after the client came back");
    g_assert_cmpuint(t2->cc, ==, CC_SUCCESS);
    wait_rx(&f, sizeof(data), "6000 bytes held while no client");
    check_rx_quiet(&f, sizeof(data), "after reconnect");
    assert_same_bytes("held while disconnected", f.rx->data, f.rx->len,
                      data, sizeof(data));
    g_free(t1);
    g_free(t2);
    check_no_stray_events(&f);
    fixture_down(&f);
}

/* -- 7. unplug with a transfer pending ------------------------------------- */

static void test_unplug_pending(void)
{
    g_autofree uint8_t *big = g_malloc(big_size());
    bool deleted = false;
    QDict *resp;
    Fixture f;
    DevInfo d;
    Td *td, *in;
    int i;

    fixture_up(&f, NULL);
    device_up(&f, &d);

    f.reading = false;
    fill_pattern(big, f.big_size, 7);
    qtest_memwrite(f.qts, f.big_buf, big, f.big_size);
    td = td_submit(&f, DCI_BULK_OUT, f.big_buf, f.big_size);
    /* And an IN waiting for data, for good measure */
    in = td_submit(&f, DCI_BULK_IN, f.slot_buf[0], 512);
    for (i = 0; i < 100; i++) {
        pump(&f);
        g_usleep(1000);
    }
    g_assert_false(td_poll(&f, td));
    g_assert_false(td_poll(&f, in));

    resp = qtest_qmp(f.qts, "{'execute': 'device_del', "
                     "'arguments': {'id': 'ser'}}");
    g_assert(qdict_haskey(resp, "return"));
    qobject_unref(resp);
    for (i = 0; i < 1000 && !deleted; i++) {
        QDict *ev = qtest_qmp_event_ref(f.qts, "DEVICE_DELETED");

        if (ev) {
            QDict *data = qdict_get_qdict(ev, "data");

            deleted = qdict_haskey(data, "device") &&
                      !strcmp(qdict_get_str(data, "device"), "ser");
            qobject_unref(ev);
            continue;
        }
        pump(&f);
        /* A QMP round trip reads any event QEMU has sent meanwhile. */
        qobject_unref(qtest_qmp(f.qts, "{'execute': 'query-status'}"));
    }
    if (!deleted) {
        g_test_message("no DEVICE_DELETED for 'ser' after %d polls", i);
    }
    g_assert_true(deleted);

    /* QEMU is alive, the port is empty, the controller answers */
    g_assert_cmphex(op_rd(&f, OP_PORTSC(f.port)) & PORTSC_CCS, ==, 0);
    f.reading = true;
    for (i = 0; i < 50; i++) {
        pump(&f);
    }
    g_test_message("after unplug: %u bytes reached the socket, the OUT TD "
                   "%s", f.rx->len, td_poll(&f, td) ? "completed" :
                   "was dropped without an event");
    command_ok(&f, 0, TRB_TYPE(CR_DISABLE_SLOT) | TRB_SLOT(f.slot),
               "Disable Slot after unplug");
    g_assert_false(op_rd(&f, OP_USBSTS) & (USBSTS_HSE | USBSTS_HCE));
    /* The bytes that did reach the socket are a prefix of the data */
    g_assert_cmpuint(f.rx->len, <=, f.big_size);
    g_assert_cmpint(first_diff(f.rx->data, big, f.rx->len), ==, -1);
    g_free(td);
    g_free(in);
    /* Drop events of the nuked transfers, if QEMU reported any */
    {
        Event *e;

        poll_events(&f);
        while ((e = g_queue_pop_head(&f.events))) {
            g_test_message("event after unplug: type %u cc %u ep %u",
                           EV_TYPE(e), EV_CC(e), EV_EP(e));
            g_free(e);
        }
    }
    fixture_down(&f);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    qtest_add_func("/dextbed-usb-xfer/enumerate", test_enumerate);
    qtest_add_func("/dextbed-usb-xfer/enumerate-full-speed",
                   test_enumerate_full_speed);
    qtest_add_func("/dextbed-usb-xfer/guest-to-host", test_guest_to_host);
    qtest_add_func("/dextbed-usb-xfer/host-to-guest", test_host_to_guest);
    qtest_add_func("/dextbed-usb-xfer/line-coding", test_line_coding);
    qtest_add_func("/dextbed-usb-xfer/loopback", test_loopback);
    qtest_add_func("/dextbed-usb-xfer/reconnect", test_reconnect);
    qtest_add_func("/dextbed-usb-xfer/unplug-pending", test_unplug_pending);
    return g_test_run();
}
