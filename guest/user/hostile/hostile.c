/* bin/hostile [ITERATIONS] [SEED]: a system-call fuzzer.  Every iteration
 * makes one call with arguments drawn from values that tend to break
 * kernels: 0, -1, small numbers, random 64-bit values, kernel and
 * non-canonical addresses, our own buffers (read-only ones included), names
 * we hold and random names; now and then it builds a random Mach message.
 * The random stream depends only on the seed, never on results, so a seed
 * replays the same calls.
 *
 * It must survive its own calls, so a few are tamed: nothing that ends the
 * task or waits for console input; sleeps and mach_msg always time out
 * within 2 ms; new threads start at a stub that exits without touching its
 * stack; no task_kill of our own task port; task_spawn only of garbage
 * paths; no vm_deallocate or OOL `deallocate` near memory we use; a receive
 * into our buffers never gets a size larger than the buffer.
 *
 * Expected privileges: TASK_PRIV_CONTROL (for the final report) only. */
#include "libc.h"
#include "mach.h"

#define NSYS            (SYS_COUNT + 8)
#define DEFAULT_ITERS   20000
#define STACK_BUF       1024
#define HEAP_BUF        4096
#define MSG_BUF         (MACH_MSG_SIZE_MAX + 256)
#define PAGE            4096ULL

extern const char __image_start[], __image_end[];   /* user.ld */

/* A thread entry that exits at once without using its stack (which may be
 * garbage).  SYS_thread_exit is spelled out: top-level asm takes no
 * operands. */
_Static_assert(SYS_thread_exit == 5, "hostile_thread_exit uses 5");
void hostile_thread_exit(void);
__asm__(".text\n"
        ".globl hostile_thread_exit\n"
        "hostile_thread_exit:\n"
        "    mov $5, %eax\n"
        "    syscall\n"
        "    ud2\n");

static const char *const sys_names[SYS_COUNT] = {
    [SYS_null] = "null", [SYS_task_exit] = "task_exit", [SYS_log] = "log",
    [SYS_control_report] = "control_report",
    [SYS_thread_create] = "thread_create", [SYS_thread_exit] = "thread_exit",
    [SYS_thread_sleep] = "thread_sleep", [SYS_thread_yield] = "thread_yield",
    [SYS_thread_set_priority] = "thread_set_priority",
    [SYS_clock_info] = "clock_info", [SYS_vm_allocate] = "vm_allocate",
    [SYS_vm_deallocate] = "vm_deallocate",
    [SYS_memory_object_create] = "memory_object_create", [SYS_vm_map] = "vm_map",
    [SYS_vm_map_physical] = "vm_map_physical", [SYS_mach_msg] = "mach_msg",
    [SYS_port_allocate] = "port_allocate", [SYS_port_deallocate] = "port_deallocate",
    [SYS_port_mod_refs] = "port_mod_refs",
    [SYS_port_insert_right] = "port_insert_right",
    [SYS_port_move_member] = "port_move_member",
    [SYS_port_request_notification] = "port_request_notification",
    [SYS_port_set_qlimit] = "port_set_qlimit", [SYS_port_type] = "port_type",
    [SYS_task_spawn] = "task_spawn", [SYS_task_kill] = "task_kill",
    [SYS_task_watch] = "task_watch", [SYS_task_list] = "task_list",
    [SYS_console_read] = "console_read", [SYS_kernel_stats] = "kernel_stats",
};

/* Argument kinds, one letter per argument: n name, p pointer, s size or
 * address, i small int, r right/disposition, - anything.  Calls handled
 * specially (or never made) have no entry. */
static const char *const sys_args[SYS_COUNT] = {
    [SYS_null] = "------", [SYS_log] = "ps", [SYS_control_report] = "ps",
    [SYS_thread_yield] = "------", [SYS_thread_set_priority] = "ii",
    [SYS_clock_info] = "p", [SYS_vm_allocate] = "psi", [SYS_vm_deallocate] = "ss",
    [SYS_memory_object_create] = "sp", [SYS_vm_map] = "nsip",
    [SYS_vm_map_physical] = "ssip", [SYS_port_allocate] = "rp",
    [SYS_port_deallocate] = "n", [SYS_port_mod_refs] = "nri",
    [SYS_port_insert_right] = "nr", [SYS_port_move_member] = "nn",
    [SYS_port_request_notification] = "nrn", [SYS_port_set_qlimit] = "ni",
    [SYS_port_type] = "npp", [SYS_task_watch] = "nn", [SYS_task_list] = "pip",
    [SYS_kernel_stats] = "p",
};

static const char ro_string[] = "hostile: read-only bytes, not a program path";

/* Our own memory that calls may be pointed at. */
struct buf {
    uint8_t *p;
    size_t size;
};
static struct buf stack_buf, heap_buf, msg_buf;

static mach_port_name_t names[12];
static unsigned nnames;
static uint64_t scratch;            /* a page OOL `deallocate` may take */

static uint64_t calls[NSYS], successes[NSYS];
static uint64_t skipped;

/* xorshift64: deterministic for a seed. */
static uint64_t rng_state;

static uint64_t rnd(void)
{
    uint64_t x = rng_state;
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    return rng_state = x;
}

static uint32_t below(uint32_t n)
{
    return (uint32_t)(rnd() % n);
}

static mach_port_name_t pick_name(void)
{
    switch (below(8)) {
    case 0: return MACH_PORT_NULL;
    case 1: return MACH_PORT_DEAD;
    case 2: return (mach_port_name_t)rnd();
    case 3: return (mach_port_name_t)below(0x10000);
    default: return names[below(nnames)];
    }
}

/* A pointer that is not one of our writable buffers (safe for any write
 * of any length the kernel might do). */
static uint64_t pick_foreign_ptr(void)
{
    switch (below(7)) {
    case 0: return 0;
    case 1: return below(4096);
    case 2: return 0xffff800000000000ULL;
    case 3: return 0xffffffff80100000ULL;
    case 4: return 0x0000800000000000ULL;
    case 5: return (uint64_t)(uintptr_t)ro_string;
    default: return rnd();
    }
}

static uint64_t pick_ptr(void)
{
    switch (below(6)) {
    case 0: return (uint64_t)(uintptr_t)stack_buf.p;
    case 1: return (uint64_t)(uintptr_t)heap_buf.p;
    case 2: return (uint64_t)(uintptr_t)msg_buf.p;
    case 3: return (uint64_t)(uintptr_t)__image_start;   /* our text: R-X */
    default: return pick_foreign_ptr();
    }
}

static uint64_t pick_size(void)
{
    static const uint64_t sizes[] = {
        0, 1, 7, 24, 4095, 4096, 4097, 8192, 1 << 20, 16 << 20, 1ULL << 40,
        USER_SPACE_TOP, USER_HEAP_BASE, ~0ULL, ~0ULL - 4095, 0x8000000000000000ULL,
    };
    if (below(4) == 0)
        return rnd();
    return sizes[below(sizeof(sizes) / sizeof(sizes[0]))];
}

static uint64_t pick_value(void)
{
    switch (below(8)) {
    case 0: return 0;
    case 1: return 1;
    case 2: return ~0ULL;
    case 3: return below(64);
    case 4: return pick_ptr();
    case 5: return pick_name();
    case 6: return pick_size();
    default: return rnd();
    }
}

/* An argument of the given kind; half the time any value at all. */
static uint64_t pick_arg(char kind)
{
    if (below(2))
        return pick_value();
    switch (kind) {
    case 'n': return pick_name();
    case 'p': return pick_ptr();
    case 's': return pick_size();
    case 'i': return (uint64_t)(int64_t)((int)below(40) - 4);
    case 'r': return below(24);
    default: return pick_value();
    }
}

static uint8_t pick_disposition(void)
{
    return below(8) == 0 ? (uint8_t)rnd() : (uint8_t)(16 + below(6));
}

/* A writable buffer of ours containing addr, if any. */
static const struct buf *our_buf(uint64_t addr)
{
    const struct buf *all[] = { &stack_buf, &heap_buf, &msg_buf };
    for (int i = 0; i < 3; i++) {
        uint64_t p = (uint64_t)(uintptr_t)all[i]->p;
        if (addr >= p && addr < p + all[i]->size)
            return all[i];
    }
    return NULL;
}

/* Does [addr, addr + size) touch memory the task lives in (image, main
 * stack, heap)?  vm_deallocate must never unmap that. */
static bool protected_range(uint64_t addr, uint64_t size)
{
    uint64_t end = addr + (size ? size : 1);
    if (end < addr)
        end = ~0ULL;
    uint64_t heap = (uint64_t)(uintptr_t)heap_buf.p;
    uint64_t msg = (uint64_t)(uintptr_t)msg_buf.p;
    const uint64_t zones[][2] = {
        { (uint64_t)(uintptr_t)__image_start, (uint64_t)(uintptr_t)__image_end },
        { USER_STACK_TOP - 2 * USER_STACK_SIZE, USER_STACK_TOP + PAGE },
        { heap - (1 << 20), heap + (1 << 20) },
        { msg - (1 << 20), msg + (1 << 20) },
    };

    for (size_t i = 0; i < sizeof(zones) / sizeof(zones[0]); i++) {
        if (addr < zones[i][1] && zones[i][0] < end)
            return true;
    }
    return false;
}

/* An OOL address; *may_dealloc says whether `deallocate` is harmless. */
static uint64_t pick_ool_address(bool *may_dealloc)
{
    *may_dealloc = false;
    switch (below(4)) {
    case 0:
        if (!scratch && vm_allocate(&scratch, PAGE, VM_PROT_READ | VM_PROT_WRITE) !=
                            KERN_SUCCESS)
            scratch = 0;
        *may_dealloc = scratch != 0;
        return scratch;
    case 1:
        return pick_ptr();          /* may be ours: never deallocated */
    default: {
        uint64_t a = pick_foreign_ptr();
        *may_dealloc = a != (uint64_t)(uintptr_t)ro_string;
        return a;
    }
    }
}

/* A random message in b (at most b->size bytes); returns its real length
 * (msgh_size may lie) and sets *used_scratch if an OOL descriptor may
 * unmap the scratch page. */
static uint32_t build_message(const struct buf *b, bool *used_scratch)
{
    mach_msg_header_t *h = (void *)b->p;
    bool complex = below(2);
    uint32_t ndesc = complex ? (below(8) == 0 ? below(80) : below(4)) : 0;
    uint32_t inline_len = below(4) == 0 ? below((uint32_t)b->size) & ~3u : below(64) * 4;
    size_t fixed = sizeof(*h) + (complex ? sizeof(mach_msg_body_t) : 0);

    *used_scratch = false;
    if (fixed + ndesc * sizeof(mach_msg_descriptor_t) > b->size)
        ndesc = (uint32_t)((b->size - fixed) / sizeof(mach_msg_descriptor_t));
    size_t size = fixed + ndesc * sizeof(mach_msg_descriptor_t);
    if (size + inline_len > b->size)
        inline_len = (uint32_t)((b->size - size) & ~(size_t)3);
    size += inline_len;

    h->msgh_bits = below(8) == 0 ? (uint32_t)rnd()
                                 : MACH_MSGH_BITS(pick_disposition(),
                                                  below(2) ? 0 : pick_disposition()) |
                                       (complex ? MACH_MSGH_BITS_COMPLEX : 0);
    h->msgh_size = below(8) == 0 ? (uint32_t)rnd() : (uint32_t)size;
    h->msgh_remote_port = pick_name();
    h->msgh_local_port = below(2) ? MACH_PORT_NULL : pick_name();
    h->msgh_sender = (uint32_t)rnd();
    h->msgh_id = (mach_msg_id_t)rnd();
    uint8_t *p = (uint8_t *)(h + 1);
    if (complex) {
        mach_msg_body_t *body = (void *)p;
        body->msgh_descriptor_count = below(8) == 0 ? (uint32_t)rnd() : ndesc;
        body->msgh_reserved = below(8) == 0 ? (uint32_t)rnd() : 0;
        mach_msg_descriptor_t *d = (void *)(body + 1);
        for (uint32_t i = 0; i < ndesc; i++, d++) {
            memset(d, 0, sizeof(*d));
            d->type = below(8) == 0 ? (uint8_t)rnd() : (uint8_t)below(2);
            if (d->type == MACH_MSG_PORT_DESCRIPTOR) {
                d->name = pick_name();
                d->disposition = pick_disposition();
            } else {
                bool may_dealloc;
                d->address = pick_ool_address(&may_dealloc);
                d->size = below(2) ? below(2 * PAGE) : (uint32_t)pick_size();
                d->deallocate = may_dealloc && below(4) == 0;
                if (d->deallocate && d->address == scratch)
                    *used_scratch = true;
            }
            if (below(16) == 0)
                d->reserved[below(5)] = (uint8_t)rnd();
        }
        p = (uint8_t *)d;
    }
    for (uint32_t i = 0; i < inline_len; i++)
        p[i] = (uint8_t)rnd();
    return (uint32_t)size;
}

/* mach_msg with a random message (or a bad buffer); always times out. */
static void fuzz_mach_msg(uint64_t a[6])
{
    const struct buf *b = NULL;
    uint32_t size = 0;
    bool used_scratch = false;

    switch (below(8)) {
    case 0: b = &stack_buf; break;
    case 1: b = &heap_buf; break;
    case 2: a[0] = pick_foreign_ptr(); break;
    default: b = &msg_buf; break;
    }
    if (b) {
        a[0] = (uint64_t)(uintptr_t)b->p;
        size = build_message(b, &used_scratch);
    }
    a[1] = (below(4) == 0 ? (uint32_t)rnd() : 1 + below(3)) |
           MACH_SEND_TIMEOUT | MACH_RCV_TIMEOUT;
    a[2] = b && below(4) ? size : pick_size();
    a[3] = b ? below((uint32_t)b->size + 1) : pick_size();
    a[4] = pick_name();
    a[5] = below(3);
    calls[SYS_mach_msg]++;
    if (syscall6(SYS_mach_msg, (long)a[0], (long)a[1], (long)a[2], (long)a[3],
                 (long)a[4], (long)a[5]) == KERN_SUCCESS)
        successes[SYS_mach_msg]++;
    if (used_scratch) {
        vm_deallocate(scratch, PAGE);   /* if the send did not take it */
        scratch = 0;
    }
}

/* Fill a writable buffer of ours with a garbage path for task_spawn. */
static uint64_t garbage_path(void)
{
    if (below(2))
        return pick_foreign_ptr();
    snprintf((char *)heap_buf.p, heap_buf.size, "zz%lx/%lx", (unsigned long)rnd(),
             (unsigned long)rnd());
    return (uint64_t)(uintptr_t)heap_buf.p;
}

/* One fuzzed call. */
static void fuzz_one(void)
{
    uint32_t nr;
    uint64_t a[6];

    do {
        nr = below(NSYS);
    } while (nr == SYS_task_exit || nr == SYS_thread_exit || nr == SYS_console_read);

    const char *kinds = nr < SYS_COUNT && sys_args[nr] ? sys_args[nr] : "------";
    for (int i = 0; i < 6; i++)
        a[i] = pick_arg(i < (int)strlen(kinds) ? kinds[i] : '-');

    switch (nr) {
    case SYS_mach_msg:
        fuzz_mach_msg(a);
        return;
    case SYS_thread_sleep:
        a[0] = below(3);
        break;
    case SYS_thread_create:
        a[0] = (uint64_t)(uintptr_t)hostile_thread_exit;
        a[3] = (uint64_t)(int64_t)((int)below(40) - 4);
        break;
    case SYS_task_kill:
        a[0] = pick_name();
        if ((mach_port_name_t)a[0] == task_self_port) {
            skipped++;
            return;
        }
        break;
    case SYS_task_spawn:
        a[0] = garbage_path();
        break;
    case SYS_vm_deallocate:
        if (protected_range(a[0], a[1])) {
            skipped++;
            return;
        }
        break;
    case SYS_task_list: {
        const struct buf *b = our_buf(a[0]);
        if (b && a[1] > b->size / sizeof(struct task_info))
            a[1] = b->size / sizeof(struct task_info);
        break;
    }
    default:
        break;
    }
    calls[nr]++;
    if (syscall6(nr, (long)a[0], (long)a[1], (long)a[2], (long)a[3], (long)a[4],
                 (long)a[5]) == KERN_SUCCESS)
        successes[nr]++;
    if (nr == SYS_thread_set_priority)
        thread_set_priority(0, THREAD_PRIORITY_DEFAULT);
}

/* Rights to aim at: receive rights (two with send rights), a port set with a
 * member, a dead name, a memory object, and what we were given. */
static void setup_names(void)
{
    mach_port_name_t n;

    for (int i = 0; i < 3; i++) {
        if (mach_port_allocate(MACH_PORT_RIGHT_RECEIVE, &n) == KERN_SUCCESS) {
            names[nnames++] = n;
            if (i < 2)
                mach_port_insert_right(n, MACH_MSG_TYPE_MAKE_SEND);
        }
    }
    if (mach_port_allocate(MACH_PORT_RIGHT_PORT_SET, &n) == KERN_SUCCESS) {
        names[nnames++] = n;
        if (nnames >= 2)
            mach_port_move_member(names[nnames - 2], n);
    }
    if (mach_port_allocate(MACH_PORT_RIGHT_DEAD_NAME, &n) == KERN_SUCCESS)
        names[nnames++] = n;
    if (memory_object_create(2 * PAGE, &n) == KERN_SUCCESS)
        names[nnames++] = n;
    names[nnames++] = task_self_port;
    if (bootstrap_port != MACH_PORT_NULL)
        names[nnames++] = bootstrap_port;
}

static int usage(void)
{
    printf("usage: hostile [ITERATIONS] [SEED]  (ITERATIONS 1..100000000, "
           "default %d)\n", DEFAULT_ITERS);
    return 2;
}

int main(int argc, char **argv)
{
    uint8_t stack_space[STACK_BUF];
    unsigned long iterations = DEFAULT_ITERS;
    uint64_t seed = 0x2545f4914f6cdd1dULL;
    char *end;

    if (argc > 3)
        return usage();
    if (argc > 1) {
        iterations = strtoul(argv[1], &end, 0);
        if (*end || iterations < 1 || iterations > 100000000UL)
            return usage();
    }
    if (argc > 2) {
        seed = strtoul(argv[2], &end, 0);
        if (*end)
            return usage();
    }
    rng_state = seed ? seed : 0x2545f4914f6cdd1dULL;   /* xorshift needs != 0 */

    stack_buf = (struct buf){ stack_space, sizeof(stack_space) };
    heap_buf = (struct buf){ malloc(HEAP_BUF), HEAP_BUF };
    msg_buf = (struct buf){ malloc(MSG_BUF), MSG_BUF };
    if (!heap_buf.p || !msg_buf.p) {
        printf("hostile: out of memory\n");
        return 1;
    }
    for (size_t i = 0; i < sizeof(stack_space); i++)
        stack_space[i] = (uint8_t)rnd();
    setup_names();
    printf("hostile: %lu iterations, seed 0x%lx, %u names\n", iterations,
           (unsigned long)seed, nnames);

    for (unsigned long i = 1; i <= iterations; i++) {
        fuzz_one();
        if (below(16) == 0) {       /* now and then, an extra random message */
            uint64_t a[6] = { 0, 0, 0, 0, 0, 0 };
            fuzz_mach_msg(a);
        }
        if (i % 5000 == 0)
            printf("hostile: %lu iterations\n", i);
    }

    uint64_t total = 0, ok = 0;
    printf("hostile: %-26s %8s %8s %8s\n", "call", "calls", "ok", "errors");
    for (int nr = 0; nr < NSYS; nr++) {
        total += calls[nr];
        ok += successes[nr];
        if (!calls[nr])
            continue;
        char unknown[16];
        snprintf(unknown, sizeof(unknown), "#%d", nr);
        printf("hostile: %-26s %8lu %8lu %8lu\n",
               nr < SYS_COUNT ? sys_names[nr] : unknown, (unsigned long)calls[nr],
               (unsigned long)successes[nr], (unsigned long)(calls[nr] - successes[nr]));
    }
    printf("hostile: %lu calls, %lu succeeded, %lu failed, %lu skipped\n",
           (unsigned long)total, (unsigned long)ok, (unsigned long)(total - ok),
           (unsigned long)skipped);

    char json[160];
    snprintf(json, sizeof(json),
             "{\"event\":\"hostile\",\"iterations\":%lu,\"errors\":%lu,"
             "\"successes\":%lu}", iterations, (unsigned long)(total - ok),
             (unsigned long)ok);
    kern_return_t kr = control_report(json);
    if (kr != KERN_SUCCESS)
        printf("hostile: control_report: %s\n", kern_return_name(kr));
    return 0;
}
