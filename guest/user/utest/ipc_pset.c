/* Port sets: receiving from members, membership changes, and threads
 * blocked on a set or on a port that joins one. */
#include "ut.h"

UT_TEST(pset_receive, "ipc.pset.receive")
{
    mach_port_name_t set, set2, p[3], stale;
    struct ut_msg m;
    int seen[3] = { 0, 0, 0 };

    TRY(ut_pset(t, &set));
    for (int i = 0; i < 3; i++)
        TRY(ut_port(t, &p[i]));
    /* Queued before joining: still received through the set. */
    CHECK_KR(ut_send(p[2], MACH_MSG_TYPE_MAKE_SEND, 0, 0, 2, 0, 0), KERN_SUCCESS);
    for (int i = 0; i < 3; i++)
        CHECK_KR(mach_port_move_member(p[i], set), KERN_SUCCESS);
    CHECK_KR(ut_send(p[0], MACH_MSG_TYPE_MAKE_SEND, 0, 0, 0, 0, 0), KERN_SUCCESS);
    CHECK_KR(ut_send(p[1], MACH_MSG_TYPE_MAKE_SEND, 0, 0, 1, 0, 0), KERN_SUCCESS);

    /* Each arrives once, and msgh_local_port names the member. */
    for (int i = 0; i < 3; i++) {
        CHECK_KR(ut_recv(set, &m, UT_WAIT_MS), KERN_SUCCESS);
        CHECK(m.h.msgh_id >= 0 && m.h.msgh_id < 3);
        CHECK_EQ(m.h.msgh_local_port, p[m.h.msgh_id]);
        seen[m.h.msgh_id]++;
    }
    CHECK(seen[0] == 1 && seen[1] == 1 && seen[2] == 1);
    CHECK_KR(ut_recv(set, &m, 0), MACH_RCV_TIMED_OUT);

    /* A member is received through its set only; its message waits. */
    CHECK_KR(ut_send(p[1], MACH_MSG_TYPE_MAKE_SEND, 0, 0, 11, 0, 0), KERN_SUCCESS);
    CHECK_KR(ut_recv(p[1], &m, 0), MACH_RCV_IN_SET);
    /* Taken out of the set, it is received directly, queue and all. */
    CHECK_KR(mach_port_move_member(p[1], MACH_PORT_NULL), KERN_SUCCESS);
    CHECK_KR(mach_port_move_member(p[1], MACH_PORT_NULL), KERN_NOT_IN_SET);
    CHECK_KR(ut_recv(set, &m, 0), MACH_RCV_TIMED_OUT);
    TRY(ut_recv_simple(t, p[1], 11, &m));
    CHECK_KR(ut_send(p[1], MACH_MSG_TYPE_MAKE_SEND, 0, 0, 12, 0, 0), KERN_SUCCESS);
    TRY(ut_recv_simple(t, p[1], 12, &m));
    CHECK_KR(ut_recv(set, &m, 0), MACH_RCV_TIMED_OUT);

    /* Only a set can take members; only a port can be one. */
    TRY(ut_stale_name(t, &stale));
    CHECK_FAILS(mach_port_move_member(p[0], p[1]));
    CHECK_FAILS(mach_port_move_member(set, set));
    CHECK_KR(mach_port_move_member(stale, set), KERN_INVALID_NAME);
    CHECK_FAILS(mach_port_move_member(p[1], stale));

    /* Moving to another set moves the membership. */
    TRY(ut_pset(t, &set2));
    CHECK_KR(mach_port_move_member(p[0], set2), KERN_SUCCESS);
    CHECK_KR(ut_send(p[0], MACH_MSG_TYPE_MAKE_SEND, 0, 0, 20, 0, 0), KERN_SUCCESS);
    CHECK_KR(ut_recv(set, &m, 0), MACH_RCV_TIMED_OUT);
    CHECK_KR(ut_recv(set2, &m, UT_WAIT_MS), KERN_SUCCESS);
    CHECK_EQ(m.h.msgh_id, 20);
    CHECK_EQ(m.h.msgh_local_port, p[0]);

    /* Destroying a set frees its members for direct receive. */
    TRY(ut_pset_destroy(t, set));
    CHECK_KR(ut_recv(set, &m, 0), MACH_RCV_INVALID_NAME);
    CHECK_KR(ut_send(p[2], MACH_MSG_TYPE_MAKE_SEND, 0, 0, 30, 0, 0), KERN_SUCCESS);
    TRY(ut_recv_simple(t, p[2], 30, &m));

    TRY(ut_pset_destroy(t, set2));
    for (int i = 0; i < 3; i++)
        TRY(ut_port_destroy(t, p[i]));
}

/* A helper thread receiving on one name, for the blocked-receiver tests. */
static struct {
    mach_port_name_t name;
    volatile int done;
    kern_return_t kr;
    mach_port_name_t local;
    mach_msg_id_t id;
} rx;

static void rx_thread(void *arg)
{
    struct ut_msg m;

    (void)arg;
    rx.kr = ut_recv(rx.name, &m, UT_WAIT_MS);
    rx.local = m.h.msgh_local_port;
    rx.id = m.h.msgh_id;
    __atomic_store_n(&rx.done, 1, __ATOMIC_SEQ_CST);
}

static void rx_start(struct utest_ctx *t, mach_port_name_t name)
{
    rx.name = name;
    rx.done = 0;
    rx.kr = KERN_FAILURE;
    rx.local = MACH_PORT_NULL;
    rx.id = -1;
    TRY(ut_thread(t, rx_thread, NULL, THREAD_PRIORITY_DEFAULT));
    /* Let it block; if it has not got there yet the test still holds. */
    thread_sleep_ms(UT_QUIET_MS);
    CHECK_EQ(rx.done, 0);
}

UT_TEST(pset_blocked_receiver, "ipc.pset.blocked_receiver_woken")
{
    mach_port_name_t set, p1, p2;

    TRY(ut_pset(t, &set));
    TRY(ut_port(t, &p1));
    TRY(ut_port(t, &p2));
    CHECK_KR(mach_port_move_member(p1, set), KERN_SUCCESS);

    /* A send to a member wakes the thread blocked on the set. */
    TRY(rx_start(t, set));
    CHECK_KR(ut_send(p1, MACH_MSG_TYPE_MAKE_SEND, 0, 0, 42, 0, 0), KERN_SUCCESS);
    CHECK(ut_wait_flag(&rx.done, UT_WAIT_MS));
    CHECK_KR(rx.kr, KERN_SUCCESS);
    CHECK_EQ(rx.local, p1);
    CHECK_EQ(rx.id, 42);

    /* So does a port with a queued message joining the set. */
    CHECK_KR(ut_send(p2, MACH_MSG_TYPE_MAKE_SEND, 0, 0, 43, 0, 0), KERN_SUCCESS);
    TRY(rx_start(t, set));
    CHECK_KR(mach_port_move_member(p2, set), KERN_SUCCESS);
    CHECK(ut_wait_flag(&rx.done, UT_WAIT_MS));
    CHECK_KR(rx.kr, KERN_SUCCESS);
    CHECK_EQ(rx.local, p2);
    CHECK_EQ(rx.id, 43);

    TRY(ut_pset_destroy(t, set));
    TRY(ut_port_destroy(t, p1));
    TRY(ut_port_destroy(t, p2));
}

UT_TEST(pset_receiver_on_moved_port, "ipc.pset.receiver_on_moved_port")
{
    mach_port_name_t set, p;

    TRY(ut_pset(t, &set));
    TRY(ut_port(t, &p));
    /* A thread blocked on p must not stay blocked when p joins a set: it
     * returns (PORT_CHANGED; IN_SET if it was not blocked yet). */
    TRY(rx_start(t, p));
    CHECK_KR(mach_port_move_member(p, set), KERN_SUCCESS);
    CHECK(ut_wait_flag(&rx.done, UT_WAIT_MS));
    CHECK_KR2(rx.kr, MACH_RCV_PORT_CHANGED, MACH_RCV_IN_SET);

    TRY(ut_pset_destroy(t, set));
    TRY(ut_port_destroy(t, p));
}
