/* RPC across tasks with bin/echo: send-and-receive with a send-once reply
 * right, 100 times, then a normal exit. */
#include "ut.h"

UT_TEST(rpc_echo, "ipc.rpc.echo_100")
{
    struct ut_echo e;
    struct task_info self_before, self_after;

    TRY(ut_echo_start(t, &e));
    TRY(ut_self(t, &self_before));
    for (int i = 0; i < 100; i++)
        TRY(ut_echo_call(t, &e, 1000 + i, 4 * (uint32_t)(i % 64 + 1)));
    /* Every reply right was used up: our name count did not grow. */
    TRY(ut_self(t, &self_after));
    CHECK_EQ(self_after.ports, self_before.ports);
    TRY(ut_expect_empty(t, e.reply));
    TRY(ut_echo_stop(t, &e));
}

UT_TEST(rpc_server_killed, "ipc.rpc.server_killed_mid_request")
{
    struct ut_echo e;
    struct ut_msg m;
    task_exit_notification_t n;

    TRY(ut_echo_start(t, &e));
    TRY(ut_echo_call(t, &e, 7, 8));
    /* Above the server's priority it cannot run: the request is still
     * pending when it is killed, and its send-once reply right, dying
     * unused, tells us (instead of leaving us waiting forever). */
    CHECK_KR(thread_set_priority(0, 20), KERN_SUCCESS);
    kern_return_t skr = ut_send(e.service, MACH_MSG_TYPE_COPY_SEND, e.reply,
                                MACH_MSG_TYPE_MAKE_SEND_ONCE, 8, 0, 0);
    kern_return_t kkr = task_kill(e.c.sr.task_port, 3);
    CHECK_KR(thread_set_priority(0, THREAD_PRIORITY_DEFAULT), KERN_SUCCESS);
    CHECK_KR(skr, KERN_SUCCESS);
    CHECK_KR(kkr, KERN_SUCCESS);
    CHECK_KR(ut_recv(e.reply, &m, UT_WAIT_MS), KERN_SUCCESS);
    CHECK_EQ(m.h.msgh_id, MACH_NOTIFY_SEND_ONCE);
    CHECK_EQ(m.h.msgh_sender, 0);
    TRY(ut_wait_exit(t, &e.c, &n));
    CHECK_EQ(n.reason, TASK_EXIT_KILLED);
    CHECK_EQ(n.status, 3);

    /* Too late now: the service is dead and a send makes nothing. */
    CHECK_KR(ut_send(e.service, MACH_MSG_TYPE_COPY_SEND, e.reply,
                     MACH_MSG_TYPE_MAKE_SEND_ONCE, 9, 0, 0), MACH_SEND_INVALID_DEST);
    TRY(ut_expect_empty(t, e.reply));
    TRY(ut_child_done(t, &e.c));
    ut_destroy_name(e.service);
    CHECK_GONE(e.service);
    TRY(ut_port_destroy(t, e.reply));
}
