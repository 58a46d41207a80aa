/* bin/utest's kit (see ut.h): the per-test runner and cleanup registry,
 * message helpers, child tasks and kernel-wide counts. */
#include "ut.h"

/* ---- The runner and its cleanup registry ---- */

enum { REG_NAME, REG_TASK, REG_VM };

#define REG_MAX 128

static struct {
    int kind;
    uint64_t a, b;
} reg[REG_MAX];
static int nreg;
static bool reg_overflow;
static volatile int threads_live;
static uint32_t self_pid;

static void reg_add(int kind, uint64_t a, uint64_t b)
{
    if (nreg == REG_MAX) {
        reg_overflow = true;
        return;
    }
    reg[nreg].kind = kind;
    reg[nreg].a = a;
    reg[nreg].b = b;
    nreg++;
}

void ut_track_name(mach_port_name_t name)
{
    reg_add(REG_NAME, name, 0);
}

void ut_track_task(mach_port_name_t task)
{
    reg_add(REG_TASK, task, 0);
}

void ut_track_vm(uint64_t addr, uint64_t size)
{
    reg_add(REG_VM, addr, size);
}

void ut_untrack_vm(uint64_t addr)
{
    for (int i = 0; i < nreg; i++) {
        if (reg[i].kind == REG_VM && reg[i].a == addr)
            reg[i].a = reg[i].b = 0;
    }
}

void ut_destroy_name(mach_port_name_t name)
{
    /* A few rounds: RECEIVE|SEND needs two steps. */
    for (int round = 0; round < 4; round++) {
        uint32_t type = 0, urefs = 0;
        if (mach_port_type(name, &type, &urefs) != KERN_SUCCESS)
            return;
        if (type & MACH_PORT_TYPE_SEND)
            mach_port_mod_refs(name, MACH_PORT_RIGHT_SEND, -(int32_t)urefs);
        else if (type & MACH_PORT_TYPE_RECEIVE)
            mach_port_mod_refs(name, MACH_PORT_RIGHT_RECEIVE, -1);
        else if (type & MACH_PORT_TYPE_PORT_SET)
            mach_port_mod_refs(name, MACH_PORT_RIGHT_PORT_SET, -1);
        else if (type & MACH_PORT_TYPE_SEND_ONCE)
            mach_port_deallocate(name);
        else if (type & MACH_PORT_TYPE_DEAD_NAME)
            mach_port_mod_refs(name, MACH_PORT_RIGHT_DEAD_NAME, -(int32_t)urefs);
        else
            return;
    }
}

/* Our entry's name count, from task_list. */
static bool name_count(uint32_t *out)
{
    static struct task_info list[128];
    uint32_t count = 0;

    if (!self_pid || task_list(list, 128, &count) != KERN_SUCCESS)
        return false;
    for (uint32_t i = 0; i < count && i < 128; i++) {
        if (list[i].pid == self_pid) {
            *out = list[i].ports;
            return true;
        }
    }
    return false;
}

static bool wait_threads(uint64_t ms)
{
    uint64_t end = uptime_ms() + ms;

    while (__atomic_load_n(&threads_live, __ATOMIC_SEQ_CST) > 0) {
        if (uptime_ms() >= end)
            return false;
        thread_sleep_ms(1);
    }
    return true;
}

void ut_run_test(struct utest_ctx *t, void (*body)(struct utest_ctx *))
{
    uint32_t before = 0, after = 0;
    bool counted = name_count(&before);

    nreg = 0;
    reg_overflow = false;
    body(t);
    counted = counted && name_count(&after);
    thread_set_priority(0, THREAD_PRIORITY_DEFAULT);

    /* Children first (so they stop using our ports), then names in reverse
     * order: destroying ports wakes helper threads blocked on them. */
    for (int i = nreg - 1; i >= 0; i--) {
        if (reg[i].kind == REG_TASK) {
            task_kill((mach_port_name_t)reg[i].a, -1);
            ut_destroy_name((mach_port_name_t)reg[i].a);
        }
    }
    for (int i = nreg - 1; i >= 0; i--) {
        if (reg[i].kind == REG_NAME)
            ut_destroy_name((mach_port_name_t)reg[i].a);
    }
    bool threads_done = wait_threads(UT_WAIT_MS);
    /* Memory last, and only once no helper thread can touch it. */
    for (int i = nreg - 1; i >= 0 && threads_done; i--) {
        if (reg[i].kind == REG_VM && reg[i].a)
            vm_deallocate(reg[i].a, reg[i].b);
    }
    nreg = 0;

    if (!threads_done)
        utest_fail(t, __FILE__, __LINE__, "a helper thread still runs %d ms "
                   "after the test", UT_WAIT_MS);
    if (reg_overflow)
        utest_fail(t, __FILE__, __LINE__, "cleanup registry full (REG_MAX)");
    if (counted && after != before)
        utest_fail(t, __FILE__, __LINE__, "leaked %d port names (%u before, "
                   "%u after)", (int)(after - before), before, after);
}

void ut_init(void)
{
    struct task_info self;

    if (task_self_info(&self) == KERN_SUCCESS)
        self_pid = self.pid;
}

uint32_t ut_self_pid(void)
{
    return self_pid;
}

/* ---- Ports ---- */

void ut_port(struct utest_ctx *t, mach_port_name_t *out)
{
    mach_port_name_t name = MACH_PORT_NULL;

    CHECK_KR(mach_port_allocate(MACH_PORT_RIGHT_RECEIVE, &name), KERN_SUCCESS);
    ut_track_name(name);
    CHECK(name != MACH_PORT_NULL && name != MACH_PORT_DEAD);
    *out = name;
}

void ut_port_send(struct utest_ctx *t, mach_port_name_t *out)
{
    TRY(ut_port(t, out));
    CHECK_KR(mach_port_insert_right(*out, MACH_MSG_TYPE_MAKE_SEND), KERN_SUCCESS);
}

void ut_pset(struct utest_ctx *t, mach_port_name_t *out)
{
    mach_port_name_t name = MACH_PORT_NULL;

    CHECK_KR(mach_port_allocate(MACH_PORT_RIGHT_PORT_SET, &name), KERN_SUCCESS);
    ut_track_name(name);
    CHECK(name != MACH_PORT_NULL && name != MACH_PORT_DEAD);
    *out = name;
}

void ut_stale_name(struct utest_ctx *t, mach_port_name_t *out)
{
    mach_port_name_t name;

    CHECK_KR(mach_port_allocate(MACH_PORT_RIGHT_RECEIVE, &name), KERN_SUCCESS);
    CHECK_KR(mach_port_mod_refs(name, MACH_PORT_RIGHT_RECEIVE, -1), KERN_SUCCESS);
    *out = name;
}

void ut_port_destroy(struct utest_ctx *t, mach_port_name_t name)
{
    uint32_t type = 0, urefs = 0;

    CHECK_KR(mach_port_type(name, &type, &urefs), KERN_SUCCESS);
    CHECK(type & MACH_PORT_TYPE_RECEIVE);
    if (type & MACH_PORT_TYPE_SEND)
        CHECK_KR(mach_port_mod_refs(name, MACH_PORT_RIGHT_SEND, -(int32_t)urefs),
                 KERN_SUCCESS);
    CHECK_KR(mach_port_mod_refs(name, MACH_PORT_RIGHT_RECEIVE, -1), KERN_SUCCESS);
    CHECK_GONE(name);
}

void ut_pset_destroy(struct utest_ctx *t, mach_port_name_t set)
{
    CHECK_KR(mach_port_mod_refs(set, MACH_PORT_RIGHT_PORT_SET, -1), KERN_SUCCESS);
    CHECK_GONE(set);
}

/* ---- Memory ---- */

void ut_vm_alloc(struct utest_ctx *t, uint64_t *addr, uint64_t size, uint32_t prot)
{
    uint64_t a = 0;

    CHECK_KR(vm_allocate(&a, size, prot), KERN_SUCCESS);
    ut_track_vm(a, size);
    CHECK(a != 0 && (a & (PAGE - 1)) == 0);
    *addr = a;
}

void ut_vm_free(struct utest_ctx *t, uint64_t addr, uint64_t size)
{
    CHECK_KR(vm_deallocate(addr, size), KERN_SUCCESS);
    ut_untrack_vm(addr);
}

kern_return_t ut_probe_write(uint64_t addr)
{
    return clock_info((struct clock_info *)(uintptr_t)addr);
}

void ut_fill(void *p, size_t n, uint32_t seed)
{
    uint8_t *b = p;
    uint32_t x = seed * 2654435761u + 1;

    for (size_t i = 0; i < n; i++) {
        if ((i & 3) == 0) {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
        }
        b[i] = (uint8_t)(x >> (8 * (i & 3)));
    }
}

bool ut_check_fill(const void *p, size_t n, uint32_t seed)
{
    const uint8_t *b = p;
    uint32_t x = seed * 2654435761u + 1;

    for (size_t i = 0; i < n; i++) {
        if ((i & 3) == 0) {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
        }
        if (b[i] != (uint8_t)(x >> (8 * (i & 3))))
            return false;
    }
    return true;
}

uint64_t ut_checksum(const void *p, size_t n)
{
    const uint8_t *b = p;
    uint64_t h = 0xcbf29ce484222325ULL;

    for (size_t i = 0; i < n; i++) {
        h ^= b[i];
        h *= 0x100000001b3ULL;
    }
    return h;
}

/* ---- Messages ---- */

kern_return_t ut_send(mach_port_name_t dest, uint32_t ddisp, mach_port_name_t reply,
                      uint32_t rdisp, mach_msg_id_t id, uint32_t options,
                      uint64_t timeout_ms)
{
    struct ut_simple m;

    memset(&m, 0, sizeof(m));
    m.h.msgh_bits = MACH_MSGH_BITS(ddisp, reply ? rdisp : 0);
    m.h.msgh_size = sizeof(m);
    m.h.msgh_remote_port = dest;
    m.h.msgh_local_port = reply;
    m.h.msgh_id = id;
    m.w[0] = UT_W0(id);
    m.w[1] = UT_W1(id);
    if (!(options & MACH_SEND_TIMEOUT)) {
        options |= MACH_SEND_TIMEOUT;
        timeout_ms = UT_WAIT_MS;
    }
    return mach_msg(&m.h, MACH_SEND_MSG | options, sizeof(m), 0, MACH_PORT_NULL,
                    timeout_ms);
}

mach_msg_descriptor_t ut_port_desc(mach_port_name_t name, uint32_t disposition)
{
    mach_msg_descriptor_t d;

    memset(&d, 0, sizeof(d));
    d.name = name;
    d.type = MACH_MSG_PORT_DESCRIPTOR;
    d.disposition = (uint8_t)disposition;
    return d;
}

mach_msg_descriptor_t ut_ool_desc(uint64_t addr, uint32_t size, int deallocate)
{
    mach_msg_descriptor_t d;

    memset(&d, 0, sizeof(d));
    d.address = addr;
    d.size = size;
    d.type = MACH_MSG_OOL_DESCRIPTOR;
    d.deallocate = (uint8_t)(deallocate != 0);
    return d;
}

kern_return_t ut_send_desc(mach_port_name_t dest, uint32_t ddisp,
                           const mach_msg_descriptor_t *d, uint32_t n,
                           mach_msg_id_t id)
{
    struct ut_msg m;

    if (n > UT_DESC_MAX)
        return KERN_INVALID_ARGUMENT;
    memset(&m, 0, sizeof(m));
    mach_msg_size_t size = (mach_msg_size_t)(sizeof(m.h) + sizeof(m.body) +
                                             n * sizeof(m.d[0]));
    m.h.msgh_bits = MACH_MSGH_BITS(ddisp, 0) | MACH_MSGH_BITS_COMPLEX;
    m.h.msgh_size = size;
    m.h.msgh_remote_port = dest;
    m.h.msgh_id = id;
    m.body.msgh_descriptor_count = n;
    for (uint32_t i = 0; i < n; i++)
        m.d[i] = d[i];
    return mach_msg(&m.h, MACH_SEND_MSG | MACH_SEND_TIMEOUT, size, 0,
                    MACH_PORT_NULL, UT_WAIT_MS);
}

kern_return_t ut_recv(mach_port_name_t name, struct ut_msg *m, uint64_t timeout_ms)
{
    memset(m, 0, sizeof(*m));
    return mach_msg(&m->h, MACH_RCV_MSG | MACH_RCV_TIMEOUT, 0, sizeof(*m), name,
                    timeout_ms);
}

void ut_recv_simple(struct utest_ctx *t, mach_port_name_t name, mach_msg_id_t id,
                    struct ut_msg *m)
{
    CHECK_KR(ut_recv(name, m, UT_WAIT_MS), KERN_SUCCESS);
    const struct ut_simple *s = (const void *)m;
    CHECK_EQ(m->h.msgh_id, id);
    CHECK_EQ(m->h.msgh_size, sizeof(struct ut_simple));
    CHECK_EQ(m->h.msgh_local_port, name);
    CHECK_EQ(s->w[0], UT_W0(id));
    CHECK_EQ(s->w[1], UT_W1(id));
}

void ut_recv_desc(struct utest_ctx *t, mach_port_name_t name, uint32_t n,
                  struct ut_msg *m)
{
    CHECK_KR(ut_recv(name, m, UT_WAIT_MS), KERN_SUCCESS);
    CHECK(m->h.msgh_bits & MACH_MSGH_BITS_COMPLEX);
    CHECK_EQ(m->body.msgh_descriptor_count, n);
    CHECK_EQ(m->h.msgh_size, sizeof(m->h) + sizeof(m->body) + n * sizeof(m->d[0]));
}

void ut_expect_empty(struct utest_ctx *t, mach_port_name_t name)
{
    struct ut_msg m;

    kern_return_t kr = ut_recv(name, &m, UT_QUIET_MS);
    if (kr == KERN_SUCCESS) {
        mach_msg_destroy(&m.h);
        utest_fail(t, __FILE__, __LINE__, "unexpected message id %d on 0x%x",
                   m.h.msgh_id, name);
        return;
    }
    CHECK_KR(kr, MACH_RCV_TIMED_OUT);
}

void ut_self_ping(struct utest_ctx *t)
{
    mach_port_name_t p;
    struct ut_msg m;

    TRY(ut_port(t, &p));
    CHECK_KR(ut_send(p, MACH_MSG_TYPE_MAKE_SEND, MACH_PORT_NULL, 0, 77, 0, 0),
             KERN_SUCCESS);
    TRY(ut_recv_simple(t, p, 77, &m));
    TRY(ut_port_destroy(t, p));
}

/* ---- Child tasks ---- */

/* Above THREAD_PRIORITY_DEFAULT (a child's first thread), within the
 * task maximum. */
#define SPAWN_PRIORITY 20

void ut_spawn(struct utest_ctx *t, const char *path, const char *const argv[],
              mach_port_name_t bootstrap, struct ut_child *c)
{
    memset(c, 0, sizeof(*c));
    TRY(ut_port(t, &c->notify));
    /* Best effort: if refused, the child may race us to its end, and
     * task_watch then says KERN_TERMINATED. */
    thread_set_priority(0, SPAWN_PRIORITY);
    kern_return_t kr = task_spawn(path, argv, bootstrap, 0, &c->sr);
    kern_return_t wkr = KERN_SUCCESS;
    if (kr == KERN_SUCCESS) {
        ut_track_task(c->sr.task_port);
        wkr = task_watch(c->sr.task_port, c->notify);
    }
    thread_set_priority(0, THREAD_PRIORITY_DEFAULT);
    CHECK_KR(kr, KERN_SUCCESS);
    CHECK(c->sr.pid != 0);
    CHECK(c->sr.task_port != MACH_PORT_NULL);
    CHECK_KR(wkr, KERN_SUCCESS);
}

void ut_wait_exit(struct utest_ctx *t, struct ut_child *c,
                  task_exit_notification_t *n)
{
    union {
        task_exit_notification_t n;
        struct ut_msg m;
    } u;

    CHECK_KR(ut_recv(c->notify, &u.m, UT_WAIT_MS), KERN_SUCCESS);
    CHECK_EQ(u.n.header.msgh_id, TASK_NOTIFY_EXIT);
    CHECK_EQ(u.n.header.msgh_size, sizeof(task_exit_notification_t));
    CHECK_EQ(u.n.header.msgh_local_port, c->notify);
    CHECK_EQ(u.n.header.msgh_sender, 0);            /* from the kernel */
    CHECK_EQ(u.n.pid, c->sr.pid);
    *n = u.n;
}

/* Wait until name is a dead name; *urefs its user references. */
static void wait_dead(struct utest_ctx *t, mach_port_name_t name, uint32_t *urefs)
{
    uint64_t end = uptime_ms() + UT_WAIT_MS;
    uint32_t type = 0;

    for (;;) {
        CHECK_KR(mach_port_type(name, &type, urefs), KERN_SUCCESS);
        if (type == MACH_PORT_TYPE_DEAD_NAME || uptime_ms() >= end)
            break;
        thread_sleep_ms(2);
    }
    CHECK_EQ(type, MACH_PORT_TYPE_DEAD_NAME);
    CHECK(*urefs >= 1);
}

void ut_child_done(struct utest_ctx *t, struct ut_child *c)
{
    uint32_t urefs = 0;

    TRY(wait_dead(t, c->sr.task_port, &urefs));
    CHECK_KR(mach_port_mod_refs(c->sr.task_port, MACH_PORT_RIGHT_DEAD_NAME,
                                -(int32_t)urefs), KERN_SUCCESS);
    CHECK_GONE(c->sr.task_port);
    TRY(ut_port_destroy(t, c->notify));
}

void ut_echo_start(struct utest_ctx *t, struct ut_echo *e)
{
    mach_port_name_t bs;
    struct ut_msg m;

    memset(e, 0, sizeof(*e));
    TRY(ut_port_send(t, &bs));
    TRY(ut_spawn(t, "bin/echo", NULL, bs, &e->c));
    /* Its first message: a send right to its service port. */
    TRY(ut_recv_desc(t, bs, 1, &m));
    if (m.d[0].type == MACH_MSG_PORT_DESCRIPTOR)
        ut_track_name(m.d[0].name);
    CHECK_EQ(m.h.msgh_id, 1);
    CHECK_EQ(m.h.msgh_sender, e->c.sr.pid);
    CHECK_EQ(m.h.msgh_local_port, bs);
    CHECK_EQ(m.d[0].type, MACH_MSG_PORT_DESCRIPTOR);
    CHECK_EQ(m.d[0].disposition, MACH_MSG_TYPE_PORT_SEND);
    e->service = m.d[0].name;
    CHECK(e->service != MACH_PORT_NULL && e->service != MACH_PORT_DEAD);
    CHECK_TYPE(e->service, MACH_PORT_TYPE_SEND, 1);
    TRY(ut_port_destroy(t, bs));
    TRY(ut_port(t, &e->reply));
}

void ut_echo_call(struct utest_ctx *t, struct ut_echo *e, mach_msg_id_t id,
                  uint32_t len)
{
    static struct {
        mach_msg_header_t h;
        uint32_t w[64];
        uint32_t spare[16];
    } m;
    uint32_t want[64];

    CHECK(len % 4 == 0 && len <= sizeof(want));
    for (uint32_t i = 0; i < len / 4; i++)
        want[i] = (uint32_t)id * 0x9e3779b9u + i;
    memset(&m, 0, sizeof(m));
    m.h.msgh_bits = MACH_MSGH_BITS(MACH_MSG_TYPE_COPY_SEND,
                                   MACH_MSG_TYPE_MAKE_SEND_ONCE);
    m.h.msgh_size = (mach_msg_size_t)(sizeof(m.h) + len);
    m.h.msgh_remote_port = e->service;
    m.h.msgh_local_port = e->reply;
    m.h.msgh_id = id;
    memcpy(m.w, want, len);
    CHECK_KR(mach_msg(&m.h, MACH_SEND_MSG | MACH_RCV_MSG | MACH_SEND_TIMEOUT |
                      MACH_RCV_TIMEOUT, m.h.msgh_size, sizeof(m), e->reply,
                      UT_WAIT_MS), KERN_SUCCESS);
    CHECK_EQ(m.h.msgh_id, id + 100);
    CHECK_EQ(m.h.msgh_size, sizeof(m.h) + len);
    CHECK_EQ(m.h.msgh_local_port, e->reply);
    CHECK_EQ(m.h.msgh_remote_port, MACH_PORT_NULL);     /* no reply right */
    CHECK_EQ(m.h.msgh_sender, e->c.sr.pid);
    CHECK(memcmp(m.w, want, len) == 0);
}

void ut_echo_stop(struct utest_ctx *t, struct ut_echo *e)
{
    task_exit_notification_t n;
    uint32_t urefs = 0;

    TRY(ut_echo_call(t, e, 999, 8));
    TRY(ut_wait_exit(t, &e->c, &n));
    CHECK_EQ(n.reason, TASK_EXIT_NORMAL);
    CHECK_EQ(n.status, 0);
    TRY(ut_child_done(t, &e->c));
    /* Its service port died with it. */
    TRY(wait_dead(t, e->service, &urefs));
    CHECK_KR(mach_port_mod_refs(e->service, MACH_PORT_RIGHT_DEAD_NAME,
                                -(int32_t)urefs), KERN_SUCCESS);
    TRY(ut_port_destroy(t, e->reply));
}

/* ---- Threads ---- */

struct tramp {
    void (*fn)(void *);
    void *arg;
};

static void tramp_entry(void *p)
{
    struct tramp tr = *(struct tramp *)p;

    free(p);
    tr.fn(tr.arg);
    __atomic_sub_fetch(&threads_live, 1, __ATOMIC_SEQ_CST);
}

void ut_thread(struct utest_ctx *t, void (*fn)(void *), void *arg, int priority)
{
    struct tramp *tr = malloc(sizeof(*tr));

    CHECK(tr != NULL);
    tr->fn = fn;
    tr->arg = arg;
    __atomic_add_fetch(&threads_live, 1, __ATOMIC_SEQ_CST);
    kern_return_t kr = thread_create(tramp_entry, tr, priority, NULL);
    if (kr != KERN_SUCCESS) {
        __atomic_sub_fetch(&threads_live, 1, __ATOMIC_SEQ_CST);
        free(tr);
    }
    CHECK_KR(kr, KERN_SUCCESS);
}

bool ut_wait_flag(volatile int *flag, uint64_t ms)
{
    uint64_t end = uptime_ms() + ms;

    while (!__atomic_load_n(flag, __ATOMIC_SEQ_CST)) {
        if (uptime_ms() >= end)
            return false;
        thread_sleep_ms(1);
    }
    return true;
}

/* ---- Kernel-wide counts ---- */

void ut_stats(struct utest_ctx *t, struct kernel_stats *ks)
{
    CHECK_KR(kernel_stats(ks), KERN_SUCCESS);
}

/* The first count that differs from base, or NULL. */
static const char *stats_differ(const struct kernel_stats *base,
                                const struct kernel_stats *now, uint64_t slack,
                                uint32_t slack_objects, uint64_t *was, uint64_t *is)
{
#define CMP(field)                                                           \
    if (now->field != base->field) {                                         \
        *was = base->field;                                                  \
        *is = now->field;                                                    \
        return #field;                                                       \
    }
    CMP(tasks)
    CMP(threads)
    CMP(ports)
    CMP(port_sets)
    CMP(messages)
    CMP(heap_allocations)
#undef CMP
    if (now->vm_objects > base->vm_objects + slack_objects ||
        now->vm_objects + slack_objects < base->vm_objects) {
        *was = base->vm_objects;
        *is = now->vm_objects;
        return "vm_objects";
    }
    if (now->free_pages + slack < base->free_pages) {
        *was = base->free_pages;
        *is = now->free_pages;
        return "free_pages";
    }
    return NULL;
}

void ut_stats_settle(struct utest_ctx *t, const struct kernel_stats *base,
                     uint64_t slack_pages)
{
    ut_stats_settle_objs(t, base, slack_pages, 0);
}

void ut_stats_settle_objs(struct utest_ctx *t, const struct kernel_stats *base,
                          uint64_t slack_pages, uint32_t slack_objects)
{
    uint64_t end = uptime_ms() + UT_WAIT_MS;
    struct kernel_stats now;
    const char *what;
    uint64_t was = 0, is = 0;

    for (;;) {
        CHECK_KR(kernel_stats(&now), KERN_SUCCESS);
        what = stats_differ(base, &now, slack_pages, slack_objects, &was, &is);
        if (!what || uptime_ms() >= end)
            break;
        thread_sleep_ms(5);
    }
    if (what)
        utest_fail(t, __FILE__, __LINE__, "kernel_stats %s: %lu before, %lu "
                   "after", what, (unsigned long)was, (unsigned long)is);
}

void ut_stats_quiet(struct utest_ctx *t, struct kernel_stats *ks)
{
    uint64_t end = uptime_ms() + UT_WAIT_MS;
    struct kernel_stats prev;
    uint64_t was, is;

    CHECK_KR(kernel_stats(&prev), KERN_SUCCESS);
    for (;;) {
        thread_sleep_ms(10);
        CHECK_KR(kernel_stats(ks), KERN_SUCCESS);
        if (!stats_differ(&prev, ks, 0, 0, &was, &is) &&
            ks->free_pages == prev.free_pages)
            return;
        if (uptime_ms() >= end)
            break;
        prev = *ks;
    }
    utest_fail(t, __FILE__, __LINE__, "kernel_stats never settled");
}

void ut_self(struct utest_ctx *t, struct task_info *out)
{
    CHECK_KR(task_self_info(out), KERN_SUCCESS);
}
