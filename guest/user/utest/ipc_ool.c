/* Out-of-line memory: copied at send time, deallocate-on-send, large
 * transfers, several descriptors in one message, and no page left behind
 * when a message is destroyed unreceived. */
#include "ut.h"

/* The whole pages holding [addr, addr + size). */
static uint64_t page_start(uint64_t addr)
{
    return addr & ~(PAGE - 1);
}

static uint64_t page_len(uint64_t addr, uint64_t size)
{
    return ((addr & (PAGE - 1)) + size + PAGE - 1) & ~(PAGE - 1);
}

/* Track (and later free) a received OOL range. */
static void track_ool(const mach_msg_descriptor_t *d)
{
    if (d->type == MACH_MSG_OOL_DESCRIPTOR && d->address)
        ut_track_vm(page_start(d->address), page_len(d->address, d->size));
}

static void free_ool(struct utest_ctx *t, const mach_msg_descriptor_t *d)
{
    TRY(ut_vm_free(t, page_start(d->address), page_len(d->address, d->size)));
    /* Gone now: a second unmap finds nothing. */
    CHECK_FAILS(vm_deallocate(page_start(d->address), page_len(d->address, d->size)));
}

UT_TEST(ool_copy_semantics, "ipc.ool.copy_at_send")
{
    mach_port_name_t c;
    uint64_t a, src, size = 3 * PAGE;
    struct ut_msg m;
    mach_msg_descriptor_t d;

    TRY(ut_port(t, &c));
    TRY(ut_vm_alloc(t, &a, 4 * PAGE, VM_PROT_READ | VM_PROT_WRITE));
    src = a + 100;                                  /* not page aligned */
    ut_fill((void *)(uintptr_t)src, size, 200);
    d = ut_ool_desc(src, (uint32_t)size, 0);
    CHECK_KR(ut_send_desc(c, MACH_MSG_TYPE_MAKE_SEND, &d, 1, 200), KERN_SUCCESS);
    /* Written after the send: the receiver must not see it. */
    memset((void *)(uintptr_t)src, 0xee, size);

    TRY(ut_recv_desc(t, c, 1, &m));
    track_ool(&m.d[0]);
    CHECK_EQ(m.d[0].type, MACH_MSG_OOL_DESCRIPTOR);
    CHECK_EQ(m.d[0].size, size);
    CHECK(m.d[0].address != 0 && m.d[0].address != src);
    CHECK(m.d[0].address >= USER_SPACE_BASE && m.d[0].address < USER_SPACE_TOP);
    uint8_t *got = (uint8_t *)(uintptr_t)m.d[0].address;
    CHECK(ut_check_fill(got, size, 200));
    /* Fresh pages: the receiver's writes do not reach the sender either. */
    memset(got, 0x11, size);
    CHECK_EQ(((uint8_t *)(uintptr_t)src)[0], 0xee);
    CHECK_EQ(((uint8_t *)(uintptr_t)src)[size - 1], 0xee);

    TRY(free_ool(t, &m.d[0]));
    TRY(ut_vm_free(t, a, 4 * PAGE));
    TRY(ut_port_destroy(t, c));
}

UT_TEST(ool_deallocate_on_send, "ipc.ool.deallocate_on_send")
{
    mach_port_name_t c;
    uint64_t a;
    struct ut_msg m;
    mach_msg_descriptor_t d;

    TRY(ut_port(t, &c));
    TRY(ut_vm_alloc(t, &a, 2 * PAGE, VM_PROT_READ | VM_PROT_WRITE));
    ut_fill((void *)(uintptr_t)a, 2 * PAGE, 210);
    d = ut_ool_desc(a, 2 * PAGE, 1);
    CHECK_KR(ut_send_desc(c, MACH_MSG_TYPE_MAKE_SEND, &d, 1, 210), KERN_SUCCESS);
    /* The sender's range is gone (probed through the kernel, not touched). */
    CHECK(ut_probe_write(a) != KERN_SUCCESS);
    CHECK_FAILS(vm_deallocate(a, 2 * PAGE));
    ut_untrack_vm(a);

    TRY(ut_recv_desc(t, c, 1, &m));
    track_ool(&m.d[0]);
    CHECK_EQ(m.d[0].size, 2 * PAGE);
    CHECK(ut_check_fill((void *)(uintptr_t)m.d[0].address, 2 * PAGE, 210));
    TRY(free_ool(t, &m.d[0]));
    TRY(ut_port_destroy(t, c));
}

UT_TEST(ool_large, "ipc.ool.large_4mib")
{
    const uint64_t size = 4u << 20;
    mach_port_name_t c;
    uint64_t a;
    struct ut_msg m;
    mach_msg_descriptor_t d;

    TRY(ut_port(t, &c));
    TRY(ut_vm_alloc(t, &a, size, VM_PROT_READ | VM_PROT_WRITE));
    ut_fill((void *)(uintptr_t)a, size, 220);
    uint64_t sum = ut_checksum((void *)(uintptr_t)a, size);
    d = ut_ool_desc(a, (uint32_t)size, 0);
    CHECK_KR(ut_send_desc(c, MACH_MSG_TYPE_MAKE_SEND, &d, 1, 220), KERN_SUCCESS);
    TRY(ut_recv_desc(t, c, 1, &m));
    track_ool(&m.d[0]);
    CHECK_EQ(m.d[0].size, size);
    CHECK_EQ(ut_checksum((void *)(uintptr_t)m.d[0].address, size), sum);
    TRY(free_ool(t, &m.d[0]));
    TRY(ut_vm_free(t, a, size));
    TRY(ut_port_destroy(t, c));
}

UT_TEST(ool_mixed, "ipc.ool.mixed_descriptors")
{
    mach_port_name_t c, p;
    uint64_t a, b;
    struct ut_msg m;
    mach_msg_descriptor_t d[3];

    TRY(ut_port(t, &c));
    TRY(ut_port_send(t, &p));
    TRY(ut_vm_alloc(t, &a, PAGE, VM_PROT_READ | VM_PROT_WRITE));
    TRY(ut_vm_alloc(t, &b, 2 * PAGE, VM_PROT_READ | VM_PROT_WRITE));
    ut_fill((void *)(uintptr_t)(a + 1000), 100, 230);
    ut_fill((void *)(uintptr_t)b, 2 * PAGE, 231);
    d[0] = ut_ool_desc(a + 1000, 100, 0);
    d[1] = ut_port_desc(p, MACH_MSG_TYPE_COPY_SEND);
    d[2] = ut_ool_desc(b, 2 * PAGE, 0);
    CHECK_KR(ut_send_desc(c, MACH_MSG_TYPE_MAKE_SEND, d, 3, 230), KERN_SUCCESS);

    TRY(ut_recv_desc(t, c, 3, &m));
    track_ool(&m.d[0]);
    track_ool(&m.d[2]);
    CHECK_EQ(m.d[0].type, MACH_MSG_OOL_DESCRIPTOR);
    CHECK_EQ(m.d[0].size, 100);
    CHECK(ut_check_fill((void *)(uintptr_t)m.d[0].address, 100, 230));
    CHECK_EQ(m.d[1].type, MACH_MSG_PORT_DESCRIPTOR);
    CHECK_EQ(m.d[1].name, p);
    CHECK_TYPE(p, TYPE_SR, 2);
    CHECK_EQ(m.d[2].type, MACH_MSG_OOL_DESCRIPTOR);
    CHECK_EQ(m.d[2].size, 2 * PAGE);
    CHECK(ut_check_fill((void *)(uintptr_t)m.d[2].address, 2 * PAGE, 231));

    TRY(free_ool(t, &m.d[0]));
    TRY(free_ool(t, &m.d[2]));
    TRY(ut_vm_free(t, a, PAGE));
    TRY(ut_vm_free(t, b, 2 * PAGE));
    TRY(ut_port_destroy(t, p));
    TRY(ut_port_destroy(t, c));
}

UT_TEST(ool_freed_with_port, "ipc.ool.freed_with_port")
{
    const uint64_t size = 1u << 20;
    struct kernel_stats base;
    mach_port_name_t c;
    uint64_t a;
    mach_msg_descriptor_t d;

    TRY(ut_stats(t, &base));
    TRY(ut_port(t, &c));
    TRY(ut_vm_alloc(t, &a, size, VM_PROT_READ | VM_PROT_WRITE));
    ut_fill((void *)(uintptr_t)a, size, 240);
    d = ut_ool_desc(a, (uint32_t)size, 0);
    CHECK_KR(ut_send_desc(c, MACH_MSG_TYPE_MAKE_SEND, &d, 1, 240), KERN_SUCCESS);
    TRY(ut_vm_free(t, a, size));
    /* The port dies with the 256-page copy still queued: all of it, and our
     * own 256 pages, go back. */
    TRY(ut_port_destroy(t, c));
    TRY(ut_stats_settle(t, &base, 16));
}
