/* Notifications: dead names (a server task dies; a port of ours dies),
 * no-senders, cancelling a request. */
#include "ut.h"

UT_TEST(notify_dead_name, "ipc.notify.dead_name")
{
    struct ut_echo e;
    mach_port_name_t dn;
    struct ut_msg m;
    task_exit_notification_t n;
    const mach_notification_t *note = (const void *)&m;

    TRY(ut_echo_start(t, &e));
    TRY(ut_port(t, &dn));
    CHECK_KR(mach_port_request_notification(e.service, MACH_NOTIFY_REQUEST_DEAD_NAME, dn),
             KERN_SUCCESS);
    TRY(ut_echo_call(t, &e, 5, 16));
    TRY(ut_expect_empty(t, dn));

    CHECK_KR(task_kill(e.c.sr.task_port, 9), KERN_SUCCESS);
    CHECK_KR(ut_recv(dn, &m, UT_WAIT_MS), KERN_SUCCESS);
    CHECK_EQ(m.h.msgh_id, MACH_NOTIFY_DEAD_NAME);
    CHECK_EQ(m.h.msgh_local_port, dn);
    CHECK_EQ(m.h.msgh_sender, 0);
    CHECK(m.h.msgh_size >= sizeof(mach_notification_t));
    CHECK_EQ(note->not_port, e.service);
    CHECK_TYPE(e.service, MACH_PORT_TYPE_DEAD_NAME, -1);
    CHECK_KR(ut_send(e.service, MACH_MSG_TYPE_COPY_SEND, 0, 0, 6, 0, 0),
             MACH_SEND_INVALID_DEST);

    TRY(ut_wait_exit(t, &e.c, &n));
    CHECK_EQ(n.reason, TASK_EXIT_KILLED);
    TRY(ut_child_done(t, &e.c));
    ut_destroy_name(e.service);
    CHECK_GONE(e.service);
    TRY(ut_port_destroy(t, e.reply));
    TRY(ut_port_destroy(t, dn));
}

UT_TEST(notify_dead_name_local, "ipc.notify.dead_name_local")
{
    mach_port_name_t p, c, r, so;
    struct ut_msg m;
    mach_msg_descriptor_t d;

    TRY(ut_port_send(t, &p));
    CHECK_KR(mach_port_mod_refs(p, MACH_PORT_RIGHT_SEND, 1), KERN_SUCCESS);
    TRY(ut_port(t, &c));
    TRY(ut_port(t, &r));

    /* A send-once right to p under a name of its own. */
    d = ut_port_desc(p, MACH_MSG_TYPE_MAKE_SEND_ONCE);
    CHECK_KR(ut_send_desc(c, MACH_MSG_TYPE_MAKE_SEND, &d, 1, 70), KERN_SUCCESS);
    TRY(ut_recv_desc(t, c, 1, &m));
    so = m.d[0].name;
    ut_track_name(so);
    CHECK_EQ(m.d[0].disposition, MACH_MSG_TYPE_PORT_SEND_ONCE);
    CHECK(so != p);
    CHECK_TYPE(so, MACH_PORT_TYPE_SEND_ONCE, 1);
    /* A message left on p, carrying a send-once right to r. */
    CHECK_KR(ut_send(p, MACH_MSG_TYPE_COPY_SEND, r, MACH_MSG_TYPE_MAKE_SEND_ONCE, 71, 0, 0),
             KERN_SUCCESS);

    /* p dies: its send rights turn into dead names (urefs kept), the queued
     * message is destroyed and its send-once right tells r. */
    CHECK_KR(mach_port_mod_refs(p, MACH_PORT_RIGHT_RECEIVE, -1), KERN_SUCCESS);
    CHECK_TYPE(p, MACH_PORT_TYPE_DEAD_NAME, 2);
    CHECK_TYPE(so, MACH_PORT_TYPE_DEAD_NAME, 1);
    CHECK_KR(ut_send(p, MACH_MSG_TYPE_COPY_SEND, 0, 0, 72, 0, 0), MACH_SEND_INVALID_DEST);
    CHECK_KR(ut_recv(p, &m, 0), MACH_RCV_INVALID_NAME);
    CHECK_KR(ut_recv(r, &m, UT_WAIT_MS), KERN_SUCCESS);
    CHECK_EQ(m.h.msgh_id, MACH_NOTIFY_SEND_ONCE);
    TRY(ut_expect_empty(t, r));

    CHECK_KR(mach_port_mod_refs(p, MACH_PORT_RIGHT_DEAD_NAME, -2), KERN_SUCCESS);
    CHECK_GONE(p);
    CHECK_KR(mach_port_deallocate(so), KERN_SUCCESS);
    CHECK_GONE(so);
    TRY(ut_port_destroy(t, c));
    TRY(ut_port_destroy(t, r));
}

/* Receive the no-senders notification for the request made on n. */
static void expect_no_senders(struct utest_ctx *t, mach_port_name_t n)
{
    struct ut_msg m;
    const mach_notification_t *note = (const void *)&m;

    CHECK_KR(ut_recv(n, &m, UT_WAIT_MS), KERN_SUCCESS);
    CHECK_EQ(m.h.msgh_id, MACH_NOTIFY_NO_SENDERS);
    CHECK_EQ(m.h.msgh_local_port, n);
    CHECK_EQ(m.h.msgh_sender, 0);
    CHECK(m.h.msgh_size >= sizeof(mach_notification_t));
    CHECK(note->not_count >= 1);
}

UT_TEST(notify_no_senders, "ipc.notify.no_senders")
{
    mach_port_name_t p, n, c;
    struct ut_msg m;
    mach_msg_descriptor_t d;

    TRY(ut_port_send(t, &p));
    TRY(ut_port(t, &n));
    TRY(ut_port(t, &c));
    CHECK_KR(mach_port_request_notification(p, MACH_NOTIFY_REQUEST_NO_SENDERS, n),
             KERN_SUCCESS);
    TRY(ut_expect_empty(t, n));

    /* Extra urefs are still one sender. */
    CHECK_KR(mach_port_mod_refs(p, MACH_PORT_RIGHT_SEND, 1), KERN_SUCCESS);
    CHECK_KR(mach_port_deallocate(p), KERN_SUCCESS);
    TRY(ut_expect_empty(t, n));

    /* A send right in a queued message is a sender too. */
    d = ut_port_desc(p, MACH_MSG_TYPE_MOVE_SEND);
    CHECK_KR(ut_send_desc(c, MACH_MSG_TYPE_MAKE_SEND, &d, 1, 80), KERN_SUCCESS);
    CHECK_TYPE(p, MACH_PORT_TYPE_RECEIVE, -1);
    TRY(ut_expect_empty(t, n));
    TRY(ut_recv_desc(t, c, 1, &m));
    CHECK_EQ(m.d[0].name, p);
    CHECK_TYPE(p, TYPE_SR, 1);

    /* The last one goes: exactly one notification. */
    CHECK_KR(mach_port_deallocate(p), KERN_SUCCESS);
    TRY(expect_no_senders(t, n));
    TRY(ut_expect_empty(t, n));

    /* Again, with the last send right destroyed inside a message that is
     * never received. */
    CHECK_KR(mach_port_insert_right(p, MACH_MSG_TYPE_MAKE_SEND), KERN_SUCCESS);
    CHECK_KR(mach_port_request_notification(p, MACH_NOTIFY_REQUEST_NO_SENDERS, n),
             KERN_SUCCESS);
    d = ut_port_desc(p, MACH_MSG_TYPE_MOVE_SEND);
    CHECK_KR(ut_send_desc(c, MACH_MSG_TYPE_MAKE_SEND, &d, 1, 81), KERN_SUCCESS);
    TRY(ut_expect_empty(t, n));
    TRY(ut_port_destroy(t, c));
    TRY(expect_no_senders(t, n));

    TRY(ut_port_destroy(t, p));
    TRY(ut_port_destroy(t, n));
}

UT_TEST(notify_request_errors, "ipc.notify.request_errors")
{
    mach_port_name_t p, n, stale, dead;
    struct ut_msg m;

    TRY(ut_port_send(t, &p));
    TRY(ut_port(t, &n));
    TRY(ut_stale_name(t, &stale));
    CHECK_KR(mach_port_allocate(MACH_PORT_RIGHT_DEAD_NAME, &dead), KERN_SUCCESS);
    ut_track_name(dead);

    CHECK_KR(mach_port_request_notification(stale, MACH_NOTIFY_REQUEST_DEAD_NAME, n),
             KERN_INVALID_NAME);
    CHECK_FAILS(mach_port_request_notification(dead, MACH_NOTIFY_REQUEST_NO_SENDERS, n));
    CHECK_FAILS(mach_port_request_notification(p, 0x55, n));
    /* notify must be a receive right of ours. */
    CHECK_FAILS(mach_port_request_notification(p, MACH_NOTIFY_REQUEST_NO_SENDERS, stale));
    CHECK_FAILS(mach_port_request_notification(p, MACH_NOTIFY_REQUEST_NO_SENDERS, dead));
    CHECK_FAILS(mach_port_request_notification(p, MACH_NOTIFY_REQUEST_NO_SENDERS,
                                               task_self_port));
    CHECK_TYPE(p, TYPE_SR, 1);

    /* A cancelled request sends no NO_SENDERS (its send-once right may
     * report its own death: anything but NO_SENDERS is fine). */
    CHECK_KR(mach_port_request_notification(p, MACH_NOTIFY_REQUEST_NO_SENDERS, n),
             KERN_SUCCESS);
    CHECK_KR(mach_port_request_notification(p, MACH_NOTIFY_REQUEST_NO_SENDERS,
                                            MACH_PORT_NULL), KERN_SUCCESS);
    CHECK_KR(mach_port_deallocate(p), KERN_SUCCESS);
    for (;;) {
        kern_return_t kr = ut_recv(n, &m, UT_QUIET_MS);
        if (kr == MACH_RCV_TIMED_OUT)
            break;
        CHECK_KR(kr, KERN_SUCCESS);
        CHECK(m.h.msgh_id != MACH_NOTIFY_NO_SENDERS);
        CHECK_EQ(m.h.msgh_id, MACH_NOTIFY_SEND_ONCE);
    }

    CHECK_KR(mach_port_deallocate(dead), KERN_SUCCESS);
    TRY(ut_port_destroy(t, p));
    TRY(ut_port_destroy(t, n));
}
