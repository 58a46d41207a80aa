/* What the kernel refuses to send, with which code, and that a refused
 * send leaves the sender's rights and memory exactly as they were. */
#include "ut.h"

/* A message with a reply right and descriptors, for the refusal tests. */
static kern_return_t send_with(mach_port_name_t dest, uint32_t ddisp,
                               mach_port_name_t reply, uint32_t rdisp,
                               const mach_msg_descriptor_t *d, uint32_t n)
{
    struct ut_msg m;

    memset(&m, 0, sizeof(m));
    mach_msg_size_t size = (mach_msg_size_t)(sizeof(m.h) + sizeof(m.body) +
                                             n * sizeof(m.d[0]));
    m.h.msgh_bits = MACH_MSGH_BITS(ddisp, rdisp) | MACH_MSGH_BITS_COMPLEX;
    m.h.msgh_size = size;
    m.h.msgh_remote_port = dest;
    m.h.msgh_local_port = reply;
    m.h.msgh_id = 100;
    m.body.msgh_descriptor_count = n;
    for (uint32_t i = 0; i < n && i < UT_DESC_MAX; i++)
        m.d[i] = d[i];
    return mach_msg(&m.h, MACH_SEND_MSG | MACH_SEND_TIMEOUT, size, 0, MACH_PORT_NULL,
                    UT_WAIT_MS);
}

#define OOL_SEED 101

UT_TEST(valid_keeps_rights, "ipc.valid.rejected_send_keeps_rights")
{
    mach_port_name_t c, ms, q, so, z, x, q2, stale;
    uint64_t a;
    struct ut_msg m;
    mach_msg_descriptor_t good[4], bad[7], pair[2];
    static const kern_return_t want[7] = {
        MACH_SEND_INVALID_TYPE, MACH_SEND_INVALID_RIGHT, MACH_SEND_INVALID_TYPE,
        MACH_SEND_INVALID_RIGHT, MACH_SEND_INVALID_MEMORY, MACH_SEND_INVALID_MEMORY,
        MACH_SEND_INVALID_RIGHT,
    };

    TRY(ut_port(t, &c));
    TRY(ut_port_send(t, &ms));          /* MOVE_SEND of its only uref */
    TRY(ut_port(t, &q));                /* MOVE_RECEIVE */
    TRY(ut_port(t, &z));
    TRY(ut_port_send(t, &x));           /* for the bad descriptors */
    TRY(ut_port(t, &q2));
    TRY(ut_stale_name(t, &stale));
    TRY(ut_vm_alloc(t, &a, PAGE, VM_PROT_READ | VM_PROT_WRITE));
    ut_fill((void *)(uintptr_t)a, PAGE - 16, OOL_SEED);
    /* A send-once right to z. */
    good[0] = ut_port_desc(z, MACH_MSG_TYPE_MAKE_SEND_ONCE);
    CHECK_KR(ut_send_desc(c, MACH_MSG_TYPE_MAKE_SEND, good, 1, 102), KERN_SUCCESS);
    TRY(ut_recv_desc(t, c, 1, &m));
    so = m.d[0].name;
    ut_track_name(so);
    CHECK_TYPE(so, MACH_PORT_TYPE_SEND_ONCE, 1);

    good[0] = ut_port_desc(ms, MACH_MSG_TYPE_MOVE_SEND);
    good[1] = ut_port_desc(q, MACH_MSG_TYPE_MOVE_RECEIVE);
    good[2] = ut_port_desc(so, MACH_MSG_TYPE_MOVE_SEND_ONCE);
    good[3] = ut_ool_desc(a, PAGE, 1);
    memset(&bad[0], 0, sizeof(bad[0]));
    bad[0].type = 7;                                            /* no such type */
    bad[1] = ut_port_desc(stale, MACH_MSG_TYPE_COPY_SEND);      /* no such name */
    bad[2] = ut_port_desc(x, 99);                               /* no such disposition */
    bad[3] = ut_port_desc(x, MACH_MSG_TYPE_MOVE_SEND_ONCE);     /* x has none */
    bad[4] = ut_ool_desc(UT_UNMAPPED_ADDR, PAGE, 0);
    bad[5] = ut_ool_desc(UT_KERNEL_ADDR, PAGE, 0);
    bad[6] = ut_port_desc(q2, MACH_MSG_TYPE_COPY_SEND);         /* receive only */

    for (int g = 0; g < 4; g++) {
        for (int b = 0; b < 7; b++) {
            pair[0] = good[g];
            pair[1] = bad[b];
            kern_return_t kr = send_with(c, MACH_MSG_TYPE_MAKE_SEND, MACH_PORT_NULL, 0,
                                         pair, 2);
            if (kr != want[b]) {
                utest_fail(t, __FILE__, __LINE__, "good %d + bad %d: %s, expected %s",
                           g, b, kern_return_name(kr), kern_return_name(want[b]));
                return;
            }
            CHECK_TYPE(ms, TYPE_SR, 1);
            CHECK_TYPE(q, MACH_PORT_TYPE_RECEIVE, -1);
            CHECK_TYPE(so, MACH_PORT_TYPE_SEND_ONCE, 1);
            CHECK_TYPE(x, TYPE_SR, 1);
            CHECK_KR(ut_probe_write(a + PAGE - 16), KERN_SUCCESS);
            CHECK(ut_check_fill((void *)(uintptr_t)a, PAGE - 16, OOL_SEED));
        }
    }
    /* A bad destination or reply keeps them too. */
    CHECK_KR(send_with(stale, MACH_MSG_TYPE_COPY_SEND, MACH_PORT_NULL, 0, good, 4),
             MACH_SEND_INVALID_DEST);
    CHECK_KR(send_with(c, MACH_MSG_TYPE_MAKE_SEND, stale, MACH_MSG_TYPE_MAKE_SEND_ONCE,
                       good, 4), MACH_SEND_INVALID_REPLY);
    CHECK_TYPE(ms, TYPE_SR, 1);
    CHECK_TYPE(q, MACH_PORT_TYPE_RECEIVE, -1);
    CHECK_TYPE(so, MACH_PORT_TYPE_SEND_ONCE, 1);
    CHECK_KR(ut_probe_write(a + PAGE - 16), KERN_SUCCESS);
    CHECK_KR(ut_recv(c, &m, 0), MACH_RCV_TIMED_OUT);

    /* All good: everything leaves as the dispositions say ... */
    CHECK_KR(send_with(c, MACH_MSG_TYPE_MAKE_SEND, MACH_PORT_NULL, 0, good, 4),
             KERN_SUCCESS);
    CHECK_TYPE(ms, MACH_PORT_TYPE_RECEIVE, -1);
    CHECK_GONE(q);
    CHECK_GONE(so);
    CHECK(ut_probe_write(a + PAGE - 16) != KERN_SUCCESS);
    ut_untrack_vm(a);
    /* ... and arrives. */
    TRY(ut_recv_desc(t, c, 4, &m));
    ut_track_name(m.d[1].name);
    ut_track_name(m.d[2].name);
    ut_track_vm(m.d[3].address, PAGE);
    CHECK_EQ(m.d[0].name, ms);
    CHECK_EQ(m.d[0].disposition, MACH_MSG_TYPE_PORT_SEND);
    CHECK_TYPE(ms, TYPE_SR, 1);
    CHECK_EQ(m.d[1].disposition, MACH_MSG_TYPE_PORT_RECEIVE);
    CHECK_TYPE(m.d[1].name, MACH_PORT_TYPE_RECEIVE, -1);
    CHECK_EQ(m.d[2].disposition, MACH_MSG_TYPE_PORT_SEND_ONCE);
    CHECK_TYPE(m.d[2].name, MACH_PORT_TYPE_SEND_ONCE, 1);
    CHECK_EQ(m.d[3].type, MACH_MSG_OOL_DESCRIPTOR);
    CHECK_EQ(m.d[3].size, PAGE);
    CHECK(ut_check_fill((void *)(uintptr_t)m.d[3].address, PAGE - 16, OOL_SEED));

    TRY(ut_vm_free(t, m.d[3].address, PAGE));
    CHECK_KR(mach_port_deallocate(m.d[2].name), KERN_SUCCESS);
    TRY(ut_port_destroy(t, m.d[1].name));
    TRY(ut_port_destroy(t, q2));
    TRY(ut_port_destroy(t, x));
    TRY(ut_port_destroy(t, z));
    TRY(ut_port_destroy(t, ms));
    TRY(ut_port_destroy(t, c));
}

static union {
    mach_msg_header_t h;
    struct {
        mach_msg_header_t h;
        mach_msg_body_t body;
        mach_msg_descriptor_t d[MACH_MSG_DESCRIPTORS_MAX + 1];
    } c;
    uint8_t bytes[MACH_MSG_SIZE_MAX + 512];
} hb;

/* A plain message to dest in hb, msgh_size size. */
static void hb_prep(mach_port_name_t dest, uint32_t size)
{
    memset(&hb, 0, sizeof(hb));
    hb.h.msgh_bits = MACH_MSGH_BITS(MACH_MSG_TYPE_MAKE_SEND, 0);
    hb.h.msgh_size = size;
    hb.h.msgh_remote_port = dest;
    hb.h.msgh_id = 110;
}

static kern_return_t hb_send(uint32_t send_size, uint32_t options)
{
    return mach_msg(&hb.h, MACH_SEND_MSG | MACH_SEND_TIMEOUT | options, send_size, 0,
                    MACH_PORT_NULL, UT_WAIT_MS);
}

UT_TEST(valid_header, "ipc.valid.header")
{
    mach_port_name_t p, r, stale;
    struct ut_msg m;

    TRY(ut_port(t, &p));
    TRY(ut_port(t, &r));
    TRY(ut_stale_name(t, &stale));

    hb_prep(p, 24);
    hb.h.msgh_bits |= 0x00010000u;                      /* a bit nobody defined */
    CHECK_KR(hb_send(24, 0), MACH_SEND_INVALID_HEADER);
    hb_prep(p, 24);
    hb.h.msgh_bits = MACH_MSGH_BITS(99, 0);             /* no such disposition */
    CHECK_KR2(hb_send(24, 0), MACH_SEND_INVALID_HEADER, MACH_SEND_INVALID_TYPE);
    /* message.h: INVALID_REPLY is a "bad local (reply) name or disposition". */
    hb_prep(p, 24);
    hb.h.msgh_bits = MACH_MSGH_BITS(MACH_MSG_TYPE_MAKE_SEND, 99);
    hb.h.msgh_local_port = r;
    CHECK_KR(hb_send(24, 0), MACH_SEND_INVALID_REPLY);
    hb_prep(p, 24);
    hb.h.msgh_bits = MACH_MSGH_BITS(MACH_MSG_TYPE_MAKE_SEND, MACH_MSG_TYPE_MAKE_SEND_ONCE);
    hb.h.msgh_local_port = stale;
    CHECK_KR(hb_send(24, 0), MACH_SEND_INVALID_REPLY);
    hb_prep(p, 24);
    CHECK_KR(hb_send(24, 0x8000), MACH_SEND_INVALID_HEADER);   /* unknown option */

    /* Sizes. */
    hb_prep(p, 26);
    CHECK_KR(hb_send(26, 0), MACH_SEND_INVALID_HEADER);        /* not a multiple of 4 */
    hb_prep(p, 16);
    CHECK_KR2(hb_send(16, 0), MACH_SEND_MSG_TOO_SMALL,          /* not even a header */
              MACH_SEND_INVALID_HEADER);
    hb_prep(p, 40);
    CHECK_KR2(hb_send(32, 0), MACH_SEND_INVALID_HEADER, MACH_SEND_MSG_TOO_SMALL);
    hb_prep(p, MACH_MSG_SIZE_MAX + 4);
    CHECK_KR(hb_send(MACH_MSG_SIZE_MAX + 4, 0), MACH_SEND_TOO_LARGE);
    hb_prep(p, 0x7ffffff0u);
    CHECK_KR(hb_send(0x7ffffff0u, 0), MACH_SEND_TOO_LARGE);

    /* Descriptors: more than the size holds, more than the maximum. */
    hb_prep(p, 24 + 8 + 24);
    hb.h.msgh_bits |= MACH_MSGH_BITS_COMPLEX;
    hb.c.body.msgh_descriptor_count = 2;
    hb.c.d[0] = ut_port_desc(p, MACH_MSG_TYPE_MAKE_SEND);
    hb.c.d[1] = ut_port_desc(p, MACH_MSG_TYPE_MAKE_SEND);
    CHECK_KR(hb_send(24 + 8 + 24, 0), MACH_SEND_MSG_TOO_SMALL);
    uint32_t n = MACH_MSG_DESCRIPTORS_MAX + 1;
    uint32_t size = 24 + 8 + n * 24;
    hb_prep(p, size);
    hb.h.msgh_bits |= MACH_MSGH_BITS_COMPLEX;
    hb.c.body.msgh_descriptor_count = n;
    for (uint32_t i = 0; i < n; i++)
        hb.c.d[i] = ut_port_desc(p, MACH_MSG_TYPE_MAKE_SEND);
    CHECK_KR2(hb_send(size, 0), MACH_SEND_TOO_LARGE, MACH_SEND_INVALID_HEADER);

    /* An unreadable message. */
    CHECK_KR(mach_msg((mach_msg_header_t *)(uintptr_t)UT_UNMAPPED_ADDR,
                      MACH_SEND_MSG | MACH_SEND_TIMEOUT, 24, 0, MACH_PORT_NULL, 0),
             MACH_SEND_INVALID_DATA);
    CHECK_KR(mach_msg((mach_msg_header_t *)(uintptr_t)UT_KERNEL_ADDR,
                      MACH_SEND_MSG | MACH_SEND_TIMEOUT, 24, 0, MACH_PORT_NULL, 0),
             MACH_SEND_INVALID_DATA);

    /* None of it queued anything or made a right. */
    CHECK_KR(ut_recv(p, &m, 0), MACH_RCV_TIMED_OUT);
    CHECK_TYPE(p, MACH_PORT_TYPE_RECEIVE, -1);
    TRY(ut_expect_empty(t, r));
    /* And the same buffer, made right, goes through. */
    hb_prep(p, 24);
    CHECK_KR(hb_send(24, 0), KERN_SUCCESS);
    CHECK_KR(ut_recv(p, &m, UT_WAIT_MS), KERN_SUCCESS);
    CHECK_EQ(m.h.msgh_id, 110);

    TRY(ut_port_destroy(t, p));
    TRY(ut_port_destroy(t, r));
}

UT_TEST(valid_invalid_dest, "ipc.valid.invalid_dest")
{
    mach_port_name_t p, set, stale, dead;
    uint32_t type = 0, urefs = 0, type2 = 0, urefs2 = 0;

    TRY(ut_port(t, &p));
    TRY(ut_pset(t, &set));
    TRY(ut_stale_name(t, &stale));
    CHECK_KR(mach_port_allocate(MACH_PORT_RIGHT_DEAD_NAME, &dead), KERN_SUCCESS);
    ut_track_name(dead);

    CHECK_KR(ut_send(MACH_PORT_NULL, MACH_MSG_TYPE_COPY_SEND, 0, 0, 1, 0, 0),
             MACH_SEND_INVALID_DEST);
    CHECK_KR(ut_send(MACH_PORT_NULL, MACH_MSG_TYPE_MAKE_SEND, 0, 0, 1, 0, 0),
             MACH_SEND_INVALID_DEST);
    CHECK_KR(ut_send(MACH_PORT_DEAD, MACH_MSG_TYPE_COPY_SEND, 0, 0, 1, 0, 0),
             MACH_SEND_INVALID_DEST);
    /* A receive right without a send right. */
    CHECK_KR(ut_send(p, MACH_MSG_TYPE_COPY_SEND, 0, 0, 1, 0, 0), MACH_SEND_INVALID_DEST);
    CHECK_KR(ut_send(p, MACH_MSG_TYPE_MOVE_SEND, 0, 0, 1, 0, 0), MACH_SEND_INVALID_DEST);
    CHECK_KR(ut_send(stale, MACH_MSG_TYPE_COPY_SEND, 0, 0, 1, 0, 0), MACH_SEND_INVALID_DEST);
    CHECK_KR(ut_send(set, MACH_MSG_TYPE_MAKE_SEND, 0, 0, 1, 0, 0), MACH_SEND_INVALID_DEST);
    CHECK_KR(ut_send(dead, MACH_MSG_TYPE_COPY_SEND, 0, 0, 1, 0, 0), MACH_SEND_INVALID_DEST);
    /* A kernel object's port is a capability, not a mailbox. */
    CHECK_KR(mach_port_type(task_self_port, &type, &urefs), KERN_SUCCESS);
    CHECK_KR(ut_send(task_self_port, MACH_MSG_TYPE_COPY_SEND, 0, 0, 1, 0, 0),
             MACH_SEND_INVALID_DEST);
    CHECK_KR(ut_send(task_self_port, MACH_MSG_TYPE_MOVE_SEND, 0, 0, 1, 0, 0),
             MACH_SEND_INVALID_DEST);
    CHECK_KR(mach_port_type(task_self_port, &type2, &urefs2), KERN_SUCCESS);
    CHECK_EQ(type2, type);
    CHECK_EQ(urefs2, urefs);
    CHECK_TYPE(dead, MACH_PORT_TYPE_DEAD_NAME, 1);

    CHECK_KR(mach_port_deallocate(dead), KERN_SUCCESS);
    TRY(ut_pset_destroy(t, set));
    TRY(ut_port_destroy(t, p));
}

UT_TEST(valid_ool_limits, "ipc.valid.ool_limits")
{
    mach_port_name_t c;
    uint64_t big, mid;
    struct ut_msg m;
    mach_msg_descriptor_t d[3];

    TRY(ut_port(t, &c));
    /* Demand-zero and never touched: costs no pages. */
    TRY(ut_vm_alloc(t, &big, MACH_MSG_OOL_SIZE_MAX + PAGE, VM_PROT_READ | VM_PROT_WRITE));
    d[0] = ut_ool_desc(big, MACH_MSG_OOL_SIZE_MAX + PAGE, 0);
    CHECK_KR(ut_send_desc(c, MACH_MSG_TYPE_MAKE_SEND, d, 1, 120), MACH_SEND_TOO_LARGE);
    /* 3 x 12 MiB is over the per-message total. */
    TRY(ut_vm_alloc(t, &mid, 12u << 20, VM_PROT_READ | VM_PROT_WRITE));
    for (int i = 0; i < 3; i++)
        d[i] = ut_ool_desc(mid, 12u << 20, 0);
    CHECK_KR(ut_send_desc(c, MACH_MSG_TYPE_MAKE_SEND, d, 3, 121), MACH_SEND_TOO_LARGE);
    CHECK_KR(ut_recv(c, &m, 0), MACH_RCV_TIMED_OUT);

    TRY(ut_vm_free(t, mid, 12u << 20));
    TRY(ut_vm_free(t, big, MACH_MSG_OOL_SIZE_MAX + PAGE));
    TRY(ut_port_destroy(t, c));
}
