/* Port rights in one task: allocation, MAKE/COPY/MOVE_SEND accounting,
 * moving a receive right through a message, mod_refs and deallocate
 * errors, send-once rights. */
#include "ut.h"

UT_TEST(rights_allocate, "ipc.rights.allocate")
{
    mach_port_name_t r, s, d, x;
    uint32_t before = 0, after = 0;
    struct task_info self;

    TRY(ut_port(t, &r));
    CHECK_TYPE(r, MACH_PORT_TYPE_RECEIVE, -1);
    TRY(ut_pset(t, &s));
    CHECK_TYPE(s, MACH_PORT_TYPE_PORT_SET, -1);
    CHECK_KR(mach_port_allocate(MACH_PORT_RIGHT_DEAD_NAME, &d), KERN_SUCCESS);
    ut_track_name(d);
    CHECK_TYPE(d, MACH_PORT_TYPE_DEAD_NAME, 1);
    CHECK(r != s && s != d && r != d);

    /* Only receive rights, port sets and dead names can be allocated; a
     * refused or unwritable request creates no name. */
    TRY(ut_self(t, &self));
    before = self.ports;
    CHECK_FAILS(mach_port_allocate(MACH_PORT_RIGHT_SEND, &x));
    CHECK_FAILS(mach_port_allocate(MACH_PORT_RIGHT_SEND_ONCE, &x));
    CHECK_FAILS(mach_port_allocate(99, &x));
    CHECK_KR(syscall6(SYS_port_allocate, MACH_PORT_RIGHT_RECEIVE,
                      (long)UT_KERNEL_ADDR, 0, 0, 0, 0), KERN_INVALID_ADDRESS);
    TRY(ut_self(t, &self));
    after = self.ports;
    CHECK_EQ(after, before);

    TRY(ut_port_destroy(t, r));
    TRY(ut_pset_destroy(t, s));
    CHECK_KR(mach_port_deallocate(d), KERN_SUCCESS);
    CHECK_GONE(d);
}

UT_TEST(rights_make_send, "ipc.rights.make_send")
{
    mach_port_name_t p, set, stale;
    struct ut_msg m;

    TRY(ut_port(t, &p));
    CHECK_KR(mach_port_insert_right(p, MACH_MSG_TYPE_MAKE_SEND), KERN_SUCCESS);
    CHECK_TYPE(p, TYPE_SR, 1);
    CHECK_KR(mach_port_insert_right(p, MACH_MSG_TYPE_MAKE_SEND), KERN_SUCCESS);
    CHECK_TYPE(p, TYPE_SR, 2);

    /* Dispositions that make no send right, and names without a receive
     * right, are refused. */
    CHECK_FAILS(mach_port_insert_right(p, MACH_MSG_TYPE_MOVE_RECEIVE));
    CHECK_FAILS(mach_port_insert_right(p, 99));
    CHECK_TYPE(p, TYPE_SR, 2);
    TRY(ut_pset(t, &set));
    CHECK_FAILS(mach_port_insert_right(set, MACH_MSG_TYPE_MAKE_SEND));
    CHECK_TYPE(set, MACH_PORT_TYPE_PORT_SET, -1);
    TRY(ut_stale_name(t, &stale));
    CHECK_KR(mach_port_insert_right(stale, MACH_MSG_TYPE_MAKE_SEND), KERN_INVALID_NAME);
    CHECK_GONE(stale);

    /* Without a send right COPY_SEND has nothing to copy; MAKE_SEND as the
     * destination disposition works from the receive right alone. */
    CHECK_KR(mach_port_mod_refs(p, MACH_PORT_RIGHT_SEND, -2), KERN_SUCCESS);
    CHECK_TYPE(p, MACH_PORT_TYPE_RECEIVE, -1);
    CHECK_KR(ut_send(p, MACH_MSG_TYPE_COPY_SEND, 0, 0, 1, 0, 0), MACH_SEND_INVALID_DEST);
    CHECK_KR(ut_send(p, MACH_MSG_TYPE_MAKE_SEND, 0, 0, 2, 0, 0), KERN_SUCCESS);
    CHECK_TYPE(p, MACH_PORT_TYPE_RECEIVE, -1);
    TRY(ut_recv_simple(t, p, 2, &m));
    CHECK_EQ(m.h.msgh_remote_port, MACH_PORT_NULL);
    CHECK_TYPE(p, MACH_PORT_TYPE_RECEIVE, -1);

    TRY(ut_port_destroy(t, p));
    TRY(ut_pset_destroy(t, set));
}

UT_TEST(rights_copy_send, "ipc.rights.copy_send")
{
    mach_port_name_t p, c;
    struct ut_msg m;
    mach_msg_descriptor_t d;

    TRY(ut_port_send(t, &p));
    TRY(ut_port(t, &c));

    /* In a descriptor: the sender keeps its right; the receiver's copy
     * lands on the name it already has, one more user reference. */
    d = ut_port_desc(p, MACH_MSG_TYPE_COPY_SEND);
    CHECK_KR(ut_send_desc(c, MACH_MSG_TYPE_MAKE_SEND, &d, 1, 10), KERN_SUCCESS);
    CHECK_TYPE(p, TYPE_SR, 1);
    TRY(ut_recv_desc(t, c, 1, &m));
    CHECK_EQ(m.h.msgh_id, 10);
    CHECK_EQ(m.d[0].type, MACH_MSG_PORT_DESCRIPTOR);
    CHECK_EQ(m.d[0].disposition, MACH_MSG_TYPE_PORT_SEND);
    CHECK_EQ(m.d[0].name, p);
    CHECK_TYPE(p, TYPE_SR, 2);

    /* As the reply right in the header: same. */
    CHECK_KR(ut_send(c, MACH_MSG_TYPE_MAKE_SEND, p, MACH_MSG_TYPE_COPY_SEND, 11, 0, 0),
             KERN_SUCCESS);
    CHECK_TYPE(p, TYPE_SR, 2);
    TRY(ut_recv_simple(t, c, 11, &m));
    CHECK_EQ(m.h.msgh_remote_port, p);
    CHECK_EQ(MACH_MSGH_BITS_REMOTE(m.h.msgh_bits), MACH_MSG_TYPE_PORT_SEND);
    CHECK_TYPE(p, TYPE_SR, 3);

    /* COPY_SEND as the destination: the sender's urefs do not change. */
    CHECK_KR(ut_send(p, MACH_MSG_TYPE_COPY_SEND, 0, 0, 12, 0, 0), KERN_SUCCESS);
    CHECK_TYPE(p, TYPE_SR, 3);
    TRY(ut_recv_simple(t, p, 12, &m));
    CHECK_TYPE(p, TYPE_SR, 3);

    TRY(ut_port_destroy(t, p));
    TRY(ut_port_destroy(t, c));
}

UT_TEST(rights_move_send, "ipc.rights.move_send")
{
    mach_port_name_t p, c, q;
    struct ut_msg m;
    mach_msg_descriptor_t d;

    TRY(ut_port_send(t, &p));
    CHECK_KR(mach_port_mod_refs(p, MACH_PORT_RIGHT_SEND, 2), KERN_SUCCESS);
    CHECK_TYPE(p, TYPE_SR, 3);
    TRY(ut_port(t, &c));

    /* One uref leaves with the message and comes back on receive. */
    d = ut_port_desc(p, MACH_MSG_TYPE_MOVE_SEND);
    CHECK_KR(ut_send_desc(c, MACH_MSG_TYPE_MAKE_SEND, &d, 1, 20), KERN_SUCCESS);
    CHECK_TYPE(p, TYPE_SR, 2);
    TRY(ut_recv_desc(t, c, 1, &m));
    CHECK_EQ(m.d[0].disposition, MACH_MSG_TYPE_PORT_SEND);
    CHECK_EQ(m.d[0].name, p);
    CHECK_TYPE(p, TYPE_SR, 3);

    /* MOVE_SEND as the destination: the uref is used up by the delivery. */
    CHECK_KR(ut_send(p, MACH_MSG_TYPE_MOVE_SEND, 0, 0, 21, 0, 0), KERN_SUCCESS);
    CHECK_TYPE(p, TYPE_SR, 2);
    TRY(ut_recv_simple(t, p, 21, &m));
    CHECK_TYPE(p, TYPE_SR, 2);

    /* Moving the last uref leaves the receive right alone under the name. */
    CHECK_KR(mach_port_mod_refs(p, MACH_PORT_RIGHT_SEND, -1), KERN_SUCCESS);
    d = ut_port_desc(p, MACH_MSG_TYPE_MOVE_SEND);
    CHECK_KR(ut_send_desc(c, MACH_MSG_TYPE_MAKE_SEND, &d, 1, 22), KERN_SUCCESS);
    CHECK_TYPE(p, MACH_PORT_TYPE_RECEIVE, -1);
    TRY(ut_recv_desc(t, c, 1, &m));
    CHECK_EQ(m.d[0].name, p);
    CHECK_TYPE(p, TYPE_SR, 1);

    /* No send right, nothing to move. */
    TRY(ut_port(t, &q));
    d = ut_port_desc(q, MACH_MSG_TYPE_MOVE_SEND);
    CHECK_KR(ut_send_desc(c, MACH_MSG_TYPE_MAKE_SEND, &d, 1, 23), MACH_SEND_INVALID_RIGHT);
    CHECK_TYPE(q, MACH_PORT_TYPE_RECEIVE, -1);
    TRY(ut_expect_empty(t, c));

    TRY(ut_port_destroy(t, q));
    TRY(ut_port_destroy(t, p));
    TRY(ut_port_destroy(t, c));
}

UT_TEST(rights_move_receive, "ipc.rights.move_receive")
{
    mach_port_name_t a, b, c, c2;
    struct ut_msg m;
    mach_msg_descriptor_t d;

    TRY(ut_port_send(t, &a));
    TRY(ut_port(t, &b));
    /* A message queued on a travels with its receive right. */
    CHECK_KR(ut_send(a, MACH_MSG_TYPE_COPY_SEND, 0, 0, 30, 0, 0), KERN_SUCCESS);

    d = ut_port_desc(a, MACH_MSG_TYPE_MOVE_RECEIVE);
    CHECK_KR(ut_send_desc(b, MACH_MSG_TYPE_MAKE_SEND, &d, 1, 31), KERN_SUCCESS);
    /* In flight: we keep only the send right. */
    CHECK_TYPE(a, MACH_PORT_TYPE_SEND, 1);
    CHECK_KR(ut_recv(a, &m, 0), MACH_RCV_INVALID_NAME);
    CHECK_KR(mach_port_mod_refs(a, MACH_PORT_RIGHT_RECEIVE, -1), KERN_INVALID_RIGHT);

    /* Back again: under the same name, as our send right already uses it. */
    TRY(ut_recv_desc(t, b, 1, &m));
    CHECK_EQ(m.h.msgh_id, 31);
    CHECK_EQ(m.d[0].disposition, MACH_MSG_TYPE_PORT_RECEIVE);
    CHECK_EQ(m.d[0].name, a);
    CHECK_TYPE(a, TYPE_SR, 1);
    TRY(ut_recv_simple(t, a, 30, &m));
    CHECK_KR(ut_send(a, MACH_MSG_TYPE_COPY_SEND, 0, 0, 32, 0, 0), KERN_SUCCESS);
    TRY(ut_recv_simple(t, a, 32, &m));

    /* A receive right alone: its name goes away and it comes back under a
     * new one (names are not reused at once), fully working. */
    TRY(ut_port(t, &c));
    d = ut_port_desc(c, MACH_MSG_TYPE_MOVE_RECEIVE);
    CHECK_KR(ut_send_desc(b, MACH_MSG_TYPE_MAKE_SEND, &d, 1, 33), KERN_SUCCESS);
    CHECK_GONE(c);
    TRY(ut_recv_desc(t, b, 1, &m));
    c2 = m.d[0].name;
    ut_track_name(c2);
    CHECK_EQ(m.d[0].disposition, MACH_MSG_TYPE_PORT_RECEIVE);
    CHECK(c2 != MACH_PORT_NULL && c2 != c);
    CHECK_TYPE(c2, MACH_PORT_TYPE_RECEIVE, -1);
    CHECK_KR(ut_send(c2, MACH_MSG_TYPE_MAKE_SEND, 0, 0, 34, 0, 0), KERN_SUCCESS);
    TRY(ut_recv_simple(t, c2, 34, &m));

    TRY(ut_port_destroy(t, c2));
    TRY(ut_port_destroy(t, a));
    TRY(ut_port_destroy(t, b));
}

UT_TEST(rights_mod_refs_errors, "ipc.rights.mod_refs_errors")
{
    mach_port_name_t p, q, stale;

    TRY(ut_port_send(t, &p));
    TRY(ut_port(t, &q));
    TRY(ut_stale_name(t, &stale));

    CHECK_KR(mach_port_mod_refs(p, MACH_PORT_RIGHT_SEND, -2), KERN_INVALID_VALUE);
    CHECK_KR(mach_port_mod_refs(stale, MACH_PORT_RIGHT_SEND, -1), KERN_INVALID_NAME);
    CHECK_KR(mach_port_mod_refs(0x7fffff00u, MACH_PORT_RIGHT_SEND, 1), KERN_INVALID_NAME);
    CHECK_KR(mach_port_mod_refs(q, MACH_PORT_RIGHT_SEND, -1), KERN_INVALID_RIGHT);
    CHECK_KR(mach_port_mod_refs(q, MACH_PORT_RIGHT_SEND_ONCE, -1), KERN_INVALID_RIGHT);
    CHECK_KR(mach_port_mod_refs(q, MACH_PORT_RIGHT_PORT_SET, -1), KERN_INVALID_RIGHT);
    CHECK_KR(mach_port_mod_refs(q, MACH_PORT_RIGHT_DEAD_NAME, -1), KERN_INVALID_RIGHT);
    CHECK_KR2(mach_port_mod_refs(q, 99, -1), KERN_INVALID_VALUE, KERN_INVALID_RIGHT);
    /* A receive right is one right, never counted up or below zero. */
    CHECK_FAILS(mach_port_mod_refs(q, MACH_PORT_RIGHT_RECEIVE, 1));
    CHECK_FAILS(mach_port_mod_refs(q, MACH_PORT_RIGHT_RECEIVE, -2));
    /* Past MACH_PORT_UREFS_MAX. */
    CHECK_FAILS(mach_port_mod_refs(p, MACH_PORT_RIGHT_SEND, (int32_t)MACH_PORT_UREFS_MAX));

    /* Nothing changed on the way. */
    CHECK_TYPE(p, TYPE_SR, 1);
    CHECK_TYPE(q, MACH_PORT_TYPE_RECEIVE, -1);
    CHECK_GONE(stale);

    TRY(ut_port_destroy(t, p));
    TRY(ut_port_destroy(t, q));
}

UT_TEST(rights_deallocate_twice, "ipc.rights.deallocate_twice")
{
    mach_port_name_t d, p, s, c, set;
    struct ut_msg m;
    mach_msg_descriptor_t desc;

    /* A dead name. */
    CHECK_KR(mach_port_allocate(MACH_PORT_RIGHT_DEAD_NAME, &d), KERN_SUCCESS);
    ut_track_name(d);
    CHECK_KR(mach_port_deallocate(d), KERN_SUCCESS);
    CHECK_KR(mach_port_deallocate(d), KERN_INVALID_NAME);

    /* A send right whose receive right is elsewhere (in flight). */
    TRY(ut_port_send(t, &s));
    TRY(ut_port(t, &c));
    desc = ut_port_desc(s, MACH_MSG_TYPE_MOVE_RECEIVE);
    CHECK_KR(ut_send_desc(c, MACH_MSG_TYPE_MAKE_SEND, &desc, 1, 40), KERN_SUCCESS);
    CHECK_TYPE(s, MACH_PORT_TYPE_SEND, 1);
    CHECK_KR(mach_port_deallocate(s), KERN_SUCCESS);
    CHECK_GONE(s);
    CHECK_KR(mach_port_deallocate(s), KERN_INVALID_NAME);
    TRY(ut_recv_desc(t, c, 1, &m));
    ut_track_name(m.d[0].name);
    CHECK_EQ(m.d[0].disposition, MACH_MSG_TYPE_PORT_RECEIVE);
    TRY(ut_port_destroy(t, m.d[0].name));

    /* Send and receive under one name: the second deallocate finds only the
     * receive right, which deallocate never touches. */
    TRY(ut_port_send(t, &p));
    CHECK_KR(mach_port_deallocate(p), KERN_SUCCESS);
    CHECK_TYPE(p, MACH_PORT_TYPE_RECEIVE, -1);
    CHECK_KR(mach_port_deallocate(p), KERN_INVALID_RIGHT);
    CHECK_TYPE(p, MACH_PORT_TYPE_RECEIVE, -1);
    TRY(ut_pset(t, &set));
    CHECK_KR(mach_port_deallocate(set), KERN_INVALID_RIGHT);
    CHECK_TYPE(set, MACH_PORT_TYPE_PORT_SET, -1);

    TRY(ut_pset_destroy(t, set));
    TRY(ut_port_destroy(t, p));
    TRY(ut_port_destroy(t, c));
}

UT_TEST(sonce_reply, "ipc.sonce.reply_once")
{
    mach_port_name_t s, r, so;
    struct ut_msg m;

    TRY(ut_port(t, &s));
    TRY(ut_port(t, &r));
    CHECK_KR(ut_send(s, MACH_MSG_TYPE_MAKE_SEND, r, MACH_MSG_TYPE_MAKE_SEND_ONCE, 50, 0, 0),
             KERN_SUCCESS);
    /* Making a send-once right leaves ours as it was. */
    CHECK_TYPE(r, MACH_PORT_TYPE_RECEIVE, -1);
    TRY(ut_recv_simple(t, s, 50, &m));
    so = m.h.msgh_remote_port;
    ut_track_name(so);
    CHECK_EQ(MACH_MSGH_BITS_REMOTE(m.h.msgh_bits), MACH_MSG_TYPE_PORT_SEND_ONCE);
    CHECK(so != MACH_PORT_NULL && so != r);
    CHECK_TYPE(so, MACH_PORT_TYPE_SEND_ONCE, 1);

    /* One use, then the name is gone. */
    CHECK_KR(ut_send(so, MACH_MSG_TYPE_MOVE_SEND_ONCE, 0, 0, 150, 0, 0), KERN_SUCCESS);
    CHECK_GONE(so);
    TRY(ut_recv_simple(t, r, 150, &m));
    CHECK_EQ(m.h.msgh_remote_port, MACH_PORT_NULL);
    CHECK_KR(ut_send(so, MACH_MSG_TYPE_MOVE_SEND_ONCE, 0, 0, 151, 0, 0),
             MACH_SEND_INVALID_DEST);
    TRY(ut_expect_empty(t, r));

    TRY(ut_port_destroy(t, s));
    TRY(ut_port_destroy(t, r));
}

UT_TEST(sonce_unused_notifies, "ipc.sonce.unused_notifies")
{
    mach_port_name_t s, r, so;
    struct ut_msg m;

    TRY(ut_port(t, &s));
    TRY(ut_port(t, &r));

    /* Deallocated unused: MACH_NOTIFY_SEND_ONCE on its port, exactly once. */
    CHECK_KR(ut_send(s, MACH_MSG_TYPE_MAKE_SEND, r, MACH_MSG_TYPE_MAKE_SEND_ONCE, 60, 0, 0),
             KERN_SUCCESS);
    TRY(ut_recv_simple(t, s, 60, &m));
    so = m.h.msgh_remote_port;
    ut_track_name(so);
    CHECK_TYPE(so, MACH_PORT_TYPE_SEND_ONCE, 1);
    TRY(ut_expect_empty(t, r));
    CHECK_KR(mach_port_deallocate(so), KERN_SUCCESS);
    CHECK_KR(mach_port_deallocate(so), KERN_INVALID_NAME);
    CHECK_KR(ut_recv(r, &m, UT_WAIT_MS), KERN_SUCCESS);
    CHECK_EQ(m.h.msgh_id, MACH_NOTIFY_SEND_ONCE);
    CHECK_EQ(m.h.msgh_local_port, r);
    CHECK_EQ(m.h.msgh_sender, 0);
    TRY(ut_expect_empty(t, r));

    /* Carried by a message that is never received: destroyed with it. */
    CHECK_KR(ut_send(s, MACH_MSG_TYPE_MAKE_SEND, r, MACH_MSG_TYPE_MAKE_SEND_ONCE, 61, 0, 0),
             KERN_SUCCESS);
    TRY(ut_port_destroy(t, s));
    CHECK_KR(ut_recv(r, &m, UT_WAIT_MS), KERN_SUCCESS);
    CHECK_EQ(m.h.msgh_id, MACH_NOTIFY_SEND_ONCE);
    TRY(ut_expect_empty(t, r));

    TRY(ut_port_destroy(t, r));
}
