/* Message delivery: queue limits and timeouts, blocked senders, the
 * combined send-and-receive, receive buffers too small or unwritable, the
 * largest inline message. */
#include "ut.h"

UT_TEST(msg_queue_full, "ipc.msg.queue_full")
{
    mach_port_name_t p, r, stale;
    struct ut_msg m;
    uint64_t start;

    TRY(ut_port_send(t, &p));
    TRY(ut_port(t, &r));
    CHECK_KR(mach_port_set_qlimit(p, 2), KERN_SUCCESS);
    CHECK_KR(ut_send(p, MACH_MSG_TYPE_COPY_SEND, 0, 0, 1, MACH_SEND_TIMEOUT, 0),
             KERN_SUCCESS);
    CHECK_KR(ut_send(p, MACH_MSG_TYPE_COPY_SEND, 0, 0, 2, MACH_SEND_TIMEOUT, 0),
             KERN_SUCCESS);
    CHECK_KR(ut_send(p, MACH_MSG_TYPE_COPY_SEND, 0, 0, 3, MACH_SEND_TIMEOUT, 0),
             MACH_SEND_QUEUE_FULL);
    start = uptime_ms();
    CHECK_KR(ut_send(p, MACH_MSG_TYPE_COPY_SEND, 0, 0, 3, MACH_SEND_TIMEOUT, 30),
             MACH_SEND_TIMED_OUT);
    /* 30 ms, with room for a coarse clock; never bounded from above. */
    CHECK(uptime_ms() - start >= 20);

    /* A send refused on a full queue takes nothing from the sender: no
     * send-once right was made (r hears nothing), the moved uref stays. */
    CHECK_KR(ut_send(p, MACH_MSG_TYPE_MOVE_SEND, r, MACH_MSG_TYPE_MAKE_SEND_ONCE, 3,
                     MACH_SEND_TIMEOUT, 0), MACH_SEND_QUEUE_FULL);
    CHECK_TYPE(p, TYPE_SR, 1);
    TRY(ut_expect_empty(t, r));

    /* One out, one in; first in, first out; the refused ones never queued. */
    TRY(ut_recv_simple(t, p, 1, &m));
    CHECK_KR(ut_send(p, MACH_MSG_TYPE_COPY_SEND, 0, 0, 4, MACH_SEND_TIMEOUT, 0),
             KERN_SUCCESS);
    TRY(ut_recv_simple(t, p, 2, &m));
    TRY(ut_recv_simple(t, p, 4, &m));
    CHECK_KR(ut_recv(p, &m, 0), MACH_RCV_TIMED_OUT);

    /* Limits: 1..MACH_PORT_QLIMIT_MAX, on a receive right. */
    TRY(ut_stale_name(t, &stale));
    CHECK_FAILS(mach_port_set_qlimit(p, 0));
    CHECK_FAILS(mach_port_set_qlimit(p, MACH_PORT_QLIMIT_MAX + 1));
    CHECK_FAILS(mach_port_set_qlimit(stale, 4));
    CHECK_FAILS(mach_port_set_qlimit(task_self_port, 4));
    CHECK_KR(mach_port_set_qlimit(p, MACH_PORT_QLIMIT_MAX), KERN_SUCCESS);
    CHECK_KR(mach_port_set_qlimit(p, 1), KERN_SUCCESS);
    CHECK_KR(ut_send(p, MACH_MSG_TYPE_COPY_SEND, 0, 0, 5, MACH_SEND_TIMEOUT, 0),
             KERN_SUCCESS);
    CHECK_KR(ut_send(p, MACH_MSG_TYPE_COPY_SEND, 0, 0, 6, MACH_SEND_TIMEOUT, 0),
             MACH_SEND_QUEUE_FULL);
    TRY(ut_recv_simple(t, p, 5, &m));

    TRY(ut_port_destroy(t, p));
    TRY(ut_port_destroy(t, r));
}

UT_TEST(msg_default_qlimit, "ipc.msg.default_qlimit")
{
    mach_port_name_t p;
    struct ut_msg m;

    TRY(ut_port_send(t, &p));
    for (int i = 0; i < MACH_PORT_QLIMIT_DEFAULT; i++)
        CHECK_KR(ut_send(p, MACH_MSG_TYPE_COPY_SEND, 0, 0, i, MACH_SEND_TIMEOUT, 0),
                 KERN_SUCCESS);
    CHECK_KR(ut_send(p, MACH_MSG_TYPE_COPY_SEND, 0, 0, 99, MACH_SEND_TIMEOUT, 0),
             MACH_SEND_QUEUE_FULL);
    for (int i = 0; i < MACH_PORT_QLIMIT_DEFAULT; i++)
        TRY(ut_recv_simple(t, p, i, &m));
    CHECK_KR(ut_recv(p, &m, 0), MACH_RCV_TIMED_OUT);
    TRY(ut_port_destroy(t, p));
}

UT_TEST(msg_rcv_timeout, "ipc.msg.rcv_timeout")
{
    mach_port_name_t p, stale, dead;
    struct ut_msg m;
    uint64_t start;

    TRY(ut_port(t, &p));
    CHECK_KR(ut_recv(p, &m, 0), MACH_RCV_TIMED_OUT);
    start = uptime_ms();
    CHECK_KR(ut_recv(p, &m, 20), MACH_RCV_TIMED_OUT);
    CHECK(uptime_ms() - start >= 10);

    /* Only a receive right or a port set can be received on. */
    TRY(ut_stale_name(t, &stale));
    CHECK_KR(mach_port_allocate(MACH_PORT_RIGHT_DEAD_NAME, &dead), KERN_SUCCESS);
    ut_track_name(dead);
    CHECK_KR(ut_recv(MACH_PORT_NULL, &m, 0), MACH_RCV_INVALID_NAME);
    CHECK_KR(ut_recv(stale, &m, 0), MACH_RCV_INVALID_NAME);
    CHECK_KR(ut_recv(dead, &m, 0), MACH_RCV_INVALID_NAME);
    CHECK_KR(ut_recv(task_self_port, &m, 0), MACH_RCV_INVALID_NAME);

    CHECK_KR(mach_port_deallocate(dead), KERN_SUCCESS);
    TRY(ut_port_destroy(t, p));
}

/* The sender thread of msg_blocked_sender. */
static struct {
    mach_port_name_t port;
    volatile int done;
    kern_return_t kr;
} tx;

static void tx_thread(void *arg)
{
    struct ut_simple m;

    (void)arg;
    memset(&m, 0, sizeof(m));
    m.h.msgh_bits = MACH_MSGH_BITS(MACH_MSG_TYPE_COPY_SEND, 0);
    m.h.msgh_size = sizeof(m);
    m.h.msgh_remote_port = tx.port;
    m.h.msgh_id = 2;
    m.w[0] = UT_W0(2);
    m.w[1] = UT_W1(2);
    /* No timeout: blocks until there is room (or the port dies). */
    tx.kr = mach_msg(&m.h, MACH_SEND_MSG, sizeof(m), 0, MACH_PORT_NULL, 0);
    __atomic_store_n(&tx.done, 1, __ATOMIC_SEQ_CST);
}

UT_TEST(msg_blocked_sender, "ipc.msg.blocked_sender_released")
{
    mach_port_name_t p;
    struct ut_msg m;

    TRY(ut_port_send(t, &p));
    CHECK_KR(mach_port_set_qlimit(p, 1), KERN_SUCCESS);
    CHECK_KR(ut_send(p, MACH_MSG_TYPE_COPY_SEND, 0, 0, 1, 0, 0), KERN_SUCCESS);
    tx.port = p;
    tx.done = 0;
    tx.kr = KERN_FAILURE;
    TRY(ut_thread(t, tx_thread, NULL, THREAD_PRIORITY_DEFAULT));
    thread_sleep_ms(UT_QUIET_MS);
    CHECK_EQ(tx.done, 0);                   /* the queue is full: it waits */

    TRY(ut_recv_simple(t, p, 1, &m));       /* room: it is released */
    CHECK(ut_wait_flag(&tx.done, UT_WAIT_MS));
    CHECK_KR(tx.kr, KERN_SUCCESS);
    TRY(ut_recv_simple(t, p, 2, &m));
    CHECK_KR(ut_recv(p, &m, 0), MACH_RCV_TIMED_OUT);
    TRY(ut_port_destroy(t, p));
}

UT_TEST(msg_send_and_receive, "ipc.msg.send_and_receive")
{
    mach_port_name_t p, stale;
    struct ut_simple s;
    struct ut_msg m;

    TRY(ut_port_send(t, &p));
    /* One call: the message goes out and comes back in. */
    memset(&s, 0, sizeof(s));
    s.h.msgh_bits = MACH_MSGH_BITS(MACH_MSG_TYPE_COPY_SEND, 0);
    s.h.msgh_size = sizeof(s);
    s.h.msgh_remote_port = p;
    s.h.msgh_id = 90;
    s.w[0] = UT_W0(90);
    s.w[1] = UT_W1(90);
    memset(&m, 0xa5, sizeof(m));
    memcpy(&m, &s, sizeof(s));
    CHECK_KR(mach_msg(&m.h, MACH_SEND_MSG | MACH_RCV_MSG | MACH_RCV_TIMEOUT, sizeof(s),
                      sizeof(m), p, UT_WAIT_MS), KERN_SUCCESS);
    CHECK_EQ(m.h.msgh_id, 90);
    CHECK_EQ(m.h.msgh_size, sizeof(s));
    CHECK_EQ(m.h.msgh_local_port, p);
    CHECK(memcmp(&m.body, s.w, sizeof(s.w)) == 0);
    CHECK_EQ(((const uint8_t *)&m)[sizeof(s)], 0xa5);   /* nothing written past it */

    /* A failed send does not go on to receive: the queued message stays. */
    TRY(ut_stale_name(t, &stale));
    CHECK_KR(ut_send(p, MACH_MSG_TYPE_COPY_SEND, 0, 0, 91, 0, 0), KERN_SUCCESS);
    memset(&m, 0, sizeof(m));
    m.h.msgh_bits = MACH_MSGH_BITS(MACH_MSG_TYPE_COPY_SEND, 0);
    m.h.msgh_size = sizeof(m.h);
    m.h.msgh_remote_port = stale;
    CHECK_KR(mach_msg(&m.h, MACH_SEND_MSG | MACH_RCV_MSG | MACH_RCV_TIMEOUT,
                      sizeof(m.h), sizeof(m), p, UT_WAIT_MS), MACH_SEND_INVALID_DEST);
    TRY(ut_recv_simple(t, p, 91, &m));

    TRY(ut_port_destroy(t, p));
}

UT_TEST(msg_rcv_too_large, "ipc.msg.rcv_too_large")
{
    static struct {
        mach_msg_header_t h;
        uint8_t data[176];
        uint8_t spare[64];
    } big, in;
    mach_port_name_t p, r;
    struct ut_msg m;

    TRY(ut_port_send(t, &p));
    TRY(ut_port(t, &r));
    memset(&big, 0, sizeof(big));
    big.h.msgh_bits = MACH_MSGH_BITS(MACH_MSG_TYPE_COPY_SEND, MACH_MSG_TYPE_MAKE_SEND_ONCE);
    big.h.msgh_size = sizeof(big.h) + sizeof(big.data);
    big.h.msgh_remote_port = p;
    big.h.msgh_local_port = r;
    big.h.msgh_id = 93;
    ut_fill(big.data, sizeof(big.data), 93);
    CHECK_KR(mach_msg(&big.h, MACH_SEND_MSG | MACH_SEND_TIMEOUT, big.h.msgh_size, 0,
                      MACH_PORT_NULL, UT_WAIT_MS), KERN_SUCCESS);

    /* Too small: the needed size comes back and the message stays. */
    memset(&in, 0, sizeof(in));
    CHECK_KR(mach_msg(&in.h, MACH_RCV_MSG | MACH_RCV_TIMEOUT, 0, 64, p, UT_WAIT_MS),
             MACH_RCV_TOO_LARGE);
    CHECK_EQ(in.h.msgh_size, sizeof(big.h) + sizeof(big.data));
    CHECK_KR(mach_msg(&in.h, MACH_RCV_MSG | MACH_RCV_TIMEOUT, 0, sizeof(in.h), p,
                      UT_WAIT_MS), MACH_RCV_TOO_LARGE);
    /* Big enough: intact, reply right included. */
    memset(&in, 0, sizeof(in));
    CHECK_KR(mach_msg(&in.h, MACH_RCV_MSG | MACH_RCV_TIMEOUT, 0, sizeof(in), p,
                      UT_WAIT_MS), KERN_SUCCESS);
    if (MACH_MSGH_BITS_REMOTE(in.h.msgh_bits) == MACH_MSG_TYPE_PORT_SEND_ONCE)
        ut_track_name(in.h.msgh_remote_port);
    CHECK_EQ(in.h.msgh_id, 93);
    CHECK_EQ(in.h.msgh_size, sizeof(big.h) + sizeof(big.data));
    CHECK(ut_check_fill(in.data, sizeof(in.data), 93));
    CHECK_EQ(MACH_MSGH_BITS_REMOTE(in.h.msgh_bits), MACH_MSG_TYPE_PORT_SEND_ONCE);
    CHECK_KR(ut_send(in.h.msgh_remote_port, MACH_MSG_TYPE_MOVE_SEND_ONCE, 0, 0, 94, 0, 0),
             KERN_SUCCESS);
    TRY(ut_recv_simple(t, r, 94, &m));
    CHECK_KR(ut_recv(p, &m, 0), MACH_RCV_TIMED_OUT);

    TRY(ut_port_destroy(t, p));
    TRY(ut_port_destroy(t, r));
}

UT_TEST(msg_max_inline, "ipc.msg.max_inline")
{
    static union {
        mach_msg_header_t h;
        uint8_t bytes[MACH_MSG_SIZE_MAX + 256];
    } out, in;
    mach_port_name_t p;

    TRY(ut_port_send(t, &p));
    memset(&out, 0, sizeof(out));
    out.h.msgh_bits = MACH_MSGH_BITS(MACH_MSG_TYPE_COPY_SEND, 0);
    out.h.msgh_size = MACH_MSG_SIZE_MAX;
    out.h.msgh_remote_port = p;
    out.h.msgh_id = 95;
    ut_fill(out.bytes + sizeof(out.h), MACH_MSG_SIZE_MAX - sizeof(out.h), 95);
    CHECK_KR(mach_msg(&out.h, MACH_SEND_MSG | MACH_SEND_TIMEOUT, MACH_MSG_SIZE_MAX, 0,
                      MACH_PORT_NULL, UT_WAIT_MS), KERN_SUCCESS);
    memset(&in, 0xa5, sizeof(in));
    CHECK_KR(mach_msg(&in.h, MACH_RCV_MSG | MACH_RCV_TIMEOUT, 0, sizeof(in), p,
                      UT_WAIT_MS), KERN_SUCCESS);
    CHECK_EQ(in.h.msgh_size, MACH_MSG_SIZE_MAX);
    CHECK_EQ(in.h.msgh_id, 95);
    CHECK(ut_check_fill(in.bytes + sizeof(in.h), MACH_MSG_SIZE_MAX - sizeof(in.h), 95));
    /* Nothing written past the message. */
    CHECK_EQ(in.bytes[MACH_MSG_SIZE_MAX], 0xa5);
    TRY(ut_port_destroy(t, p));
}

UT_TEST(msg_rcv_bad_buffer, "ipc.msg.rcv_bad_buffer")
{
    mach_port_name_t p;
    uint64_t ro;
    struct ut_msg m;

    TRY(ut_port_send(t, &p));
    TRY(ut_vm_alloc(t, &ro, PAGE, VM_PROT_READ));
    CHECK_KR(ut_send(p, MACH_MSG_TYPE_COPY_SEND, 0, 0, 96, 0, 0), KERN_SUCCESS);
    /* An unwritable buffer takes no message. */
    CHECK_KR(mach_msg((mach_msg_header_t *)(uintptr_t)ro, MACH_RCV_MSG | MACH_RCV_TIMEOUT,
                      0, 256, p, UT_WAIT_MS), MACH_RCV_INVALID_DATA);
    CHECK_KR(mach_msg((mach_msg_header_t *)(uintptr_t)UT_KERNEL_ADDR,
                      MACH_RCV_MSG | MACH_RCV_TIMEOUT, 0, 256, p, UT_WAIT_MS),
             MACH_RCV_INVALID_DATA);
    CHECK_KR(mach_msg((mach_msg_header_t *)(uintptr_t)UT_UNMAPPED_ADDR,
                      MACH_RCV_MSG | MACH_RCV_TIMEOUT, 0, 256, p, UT_WAIT_MS),
             MACH_RCV_INVALID_DATA);
    TRY(ut_recv_simple(t, p, 96, &m));
    TRY(ut_vm_free(t, ro, PAGE));
    TRY(ut_port_destroy(t, p));
}
