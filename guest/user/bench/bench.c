/* bin/bench: micro-benchmarks reported on the control channel.
 *   bench null [N]   N null system calls
 *   bench ipc [N]    N mach_msg round trips to a server task (bench server)
 *   bench server     (internal) the IPC peer; publishes its port like echo
 * Every call is timed alone with lfence;rdtsc around it, after 100 warm-up
 * calls; the report has the median, 99th percentile, minimum and mean in TSC
 * ticks plus the TSC frequency.  Integer arithmetic only. */
#include "libc.h"
#include "mach.h"

#define WARMUP        100
#define DEFAULT_N     10000
#define MAX_N         1000000

/* Heapsort (no recursion, O(n log n) for large N). */
static void sift_down(uint64_t *a, size_t start, size_t end)
{
    size_t root = start;

    while (2 * root + 1 < end) {
        size_t child = 2 * root + 1;
        if (child + 1 < end && a[child] < a[child + 1])
            child++;
        if (a[root] >= a[child])
            return;
        uint64_t t = a[root];
        a[root] = a[child];
        a[child] = t;
        root = child;
    }
}

static void sort(uint64_t *a, size_t n)
{
    for (size_t i = n / 2; i-- > 0;)
        sift_down(a, i, n);
    for (size_t end = n; end-- > 1;) {
        uint64_t t = a[0];
        a[0] = a[end];
        a[end] = t;
        sift_down(a, 0, end);
    }
}

static void report(const char *name, uint64_t *s, size_t n)
{
    struct clock_info ci = { 0, 0 };
    uint64_t sum = 0;
    char json[320];

    sort(s, n);
    for (size_t i = 0; i < n; i++)
        sum += s[i];
    size_t p99 = (n * 99 + 99) / 100;       /* ceil(0.99 n), 1-based */
    if (p99 > n)
        p99 = n;
    clock_info(&ci);
    snprintf(json, sizeof(json),
             "{\"event\":\"bench\",\"name\":\"%s\",\"calls\":%lu,"
             "\"tsc_median\":%lu,\"tsc_p99\":%lu,\"tsc_min\":%lu,"
             "\"tsc_mean\":%lu,\"tsc_hz\":%lu}",
             name, (unsigned long)n, (unsigned long)s[n / 2],
             (unsigned long)s[p99 - 1], (unsigned long)s[0],
             (unsigned long)(sum / n), (unsigned long)ci.tsc_hz);
    printf("bench: %s calls %lu median %lu p99 %lu min %lu mean %lu ticks "
           "(tsc %lu Hz)\n", name, (unsigned long)n, (unsigned long)s[n / 2],
           (unsigned long)s[p99 - 1], (unsigned long)s[0],
           (unsigned long)(sum / n), (unsigned long)ci.tsc_hz);
    kern_return_t kr = control_report(json);
    if (kr != KERN_SUCCESS)
        printf("bench: control_report: %s\n", kern_return_name(kr));
}

static int bench_null(uint64_t *s, size_t n)
{
    for (int i = 0; i < WARMUP; i++)
        syscall6(SYS_null, 0, 0, 0, 0, 0, 0);
    for (size_t i = 0; i < n; i++) {
        uint64_t t0 = rdtsc();
        syscall6(SYS_null, 0, 0, 0, 0, 0, 0);
        s[i] = rdtsc() - t0;
    }
    report("null_syscall", s, n);
    return 0;
}

/* The server: reply to every message with a header-only message, through
 * the combined reply-and-receive call. */
static int bench_server(void)
{
    mach_port_name_t service;
    union {
        mach_msg_header_t h;
        uint8_t space[256];
    } m;

    kern_return_t kr = mach_port_allocate(MACH_PORT_RIGHT_RECEIVE, &service);
    if (kr == KERN_SUCCESS)
        kr = service_publish(bootstrap_port, service, 1);
    if (kr != KERN_SUCCESS) {
        printf("bench server: cannot publish: %s\n", kern_return_name(kr));
        return 1;
    }
    kr = mach_msg(&m.h, MACH_RCV_MSG, 0, sizeof(m), service, 0);
    for (;;) {
        if (kr != KERN_SUCCESS) {
            printf("bench server: %s\n", kern_return_name(kr));
            return 1;
        }
        mach_port_name_t reply = m.h.msgh_remote_port;
        unsigned kind = MACH_MSGH_BITS_REMOTE(m.h.msgh_bits);
        m.h.msgh_remote_port = MACH_PORT_NULL;
        mach_msg_destroy(&m.h);     /* anything else it carried */
        if (reply == MACH_PORT_NULL || (kind != MACH_MSG_TYPE_PORT_SEND_ONCE &&
                                        kind != MACH_MSG_TYPE_PORT_SEND)) {
            kr = mach_msg(&m.h, MACH_RCV_MSG, 0, sizeof(m), service, 0);
            continue;
        }
        m.h.msgh_bits = MACH_MSGH_BITS(kind, 0);
        m.h.msgh_size = sizeof(m.h);
        m.h.msgh_remote_port = reply;
        m.h.msgh_local_port = MACH_PORT_NULL;
        kr = mach_msg(&m.h, MACH_SEND_MSG | MACH_RCV_MSG | MACH_SEND_TIMEOUT,
                      sizeof(m.h), sizeof(m), service, 1000);
        if (((uint32_t)kr & 0xffffc000u) == 0x10000000u) {   /* send failed */
            mach_port_deallocate(reply);
            kr = mach_msg(&m.h, MACH_RCV_MSG, 0, sizeof(m), service, 0);
        }
    }
}

/* A 24-byte request to service with a send-once right to reply (rebuilt
 * before every call: the receive overwrites it). */
static void prepare(mach_msg_header_t *h, mach_port_name_t service,
                    mach_port_name_t reply)
{
    h->msgh_bits = MACH_MSGH_BITS(MACH_MSG_TYPE_COPY_SEND,
                                  MACH_MSG_TYPE_MAKE_SEND_ONCE);
    h->msgh_size = sizeof(*h);
    h->msgh_remote_port = service;
    h->msgh_local_port = reply;
    h->msgh_id = 0;
}

static int bench_ipc(uint64_t *s, size_t n)
{
    mach_port_name_t boot = MACH_PORT_NULL, service = MACH_PORT_NULL;
    mach_port_name_t reply = MACH_PORT_NULL;
    struct spawn_result server = { MACH_PORT_NULL, 0 };
    static const char *const argv[] = { "bench", "server", NULL };
    union {
        mach_msg_header_t h;
        uint8_t space[256];
    } m;
    int status = 1;

    /* Our bootstrap port for the server: a receive right plus a send right
     * under the same name, which task_spawn copies to the server. */
    kern_return_t kr = mach_port_allocate(MACH_PORT_RIGHT_RECEIVE, &boot);
    if (kr == KERN_SUCCESS)
        kr = mach_port_insert_right(boot, MACH_MSG_TYPE_MAKE_SEND);
    if (kr == KERN_SUCCESS)
        kr = mach_port_allocate(MACH_PORT_RIGHT_RECEIVE, &reply);
    if (kr != KERN_SUCCESS) {
        printf("bench: ports: %s\n", kern_return_name(kr));
        goto out_ports;
    }
    kr = task_spawn("bin/bench", argv, boot, 0, &server);
    if (kr != KERN_SUCCESS) {
        printf("bench: cannot start the server: %s\n", kern_return_name(kr));
        goto out_ports;
    }
    kr = service_await(boot, 5000, &service, NULL);
    if (kr != KERN_SUCCESS) {
        printf("bench: no service port from the server: %s\n", kern_return_name(kr));
        goto out_server;
    }
    for (int i = 0; i < WARMUP + (int)n; i++) {
        prepare(&m.h, service, reply);
        uint64_t t0 = rdtsc();
        kr = mach_msg(&m.h, MACH_SEND_MSG | MACH_RCV_MSG, sizeof(m.h),
                      sizeof(m), reply, 0);
        uint64_t t1 = rdtsc();
        if (kr != KERN_SUCCESS) {
            printf("bench: round trip %d: %s\n", i, kern_return_name(kr));
            goto out_server;
        }
        if (i >= WARMUP)
            s[i - WARMUP] = t1 - t0;
    }
    report("ipc_round_trip", s, n);
    status = 0;
out_server:
    task_kill(server.task_port, 0);
    mach_port_deallocate(server.task_port);
    if (service != MACH_PORT_NULL)
        mach_port_deallocate(service);
out_ports:
    if (reply != MACH_PORT_NULL)
        mach_port_mod_refs(reply, MACH_PORT_RIGHT_RECEIVE, -1);
    if (boot != MACH_PORT_NULL) {
        mach_port_deallocate(boot);     /* the send right (if made) */
        mach_port_mod_refs(boot, MACH_PORT_RIGHT_RECEIVE, -1);
    }
    return status;
}

static int usage(void)
{
    printf("usage: bench null [N] | bench ipc [N]   (N = 1..%d, default %d)\n",
           MAX_N, DEFAULT_N);
    return 2;
}

int main(int argc, char **argv)
{
    if (argc == 2 && strcmp(argv[1], "server") == 0)
        return bench_server();
    if (argc < 2 || argc > 3)
        return usage();
    size_t n = DEFAULT_N;
    if (argc == 3) {
        char *end;
        unsigned long v = strtoul(argv[2], &end, 10);
        if (*end || v < 1 || v > MAX_N)
            return usage();
        n = v;
    }
    bool null = strcmp(argv[1], "null") == 0;
    if (!null && strcmp(argv[1], "ipc") != 0)
        return usage();
    uint64_t *samples = malloc(n * sizeof(*samples));
    if (!samples) {
        printf("bench: cannot allocate %lu samples\n", (unsigned long)n);
        return 1;
    }
    int status = null ? bench_null(samples, n) : bench_ipc(samples, n);
    free(samples);
    return status;
}
