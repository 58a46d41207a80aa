/* bin/spin [MODE]: a task that never ends by itself, for kill and leak
 * tests.  busy (default): loop without system calls; sleep: loop on 1 s
 * sleeps; threads N: N more threads that sleep forever, then block. */
#include "libc.h"
#include "mach.h"

static void sleeper(void *arg)
{
    (void)arg;
    for (;;)
        thread_sleep_ms(1000);
}

/* Block in mach_msg on a port nobody can send to. */
static int block_forever(void)
{
    mach_port_name_t port;
    mach_msg_header_t h;
    kern_return_t kr = mach_port_allocate(MACH_PORT_RIGHT_RECEIVE, &port);

    if (kr != KERN_SUCCESS) {
        printf("spin: cannot allocate a port: %s\n", kern_return_name(kr));
        return 1;
    }
    for (;;) {
        kr = mach_msg(&h, MACH_RCV_MSG, 0, sizeof(h), port, 0);
        if (kr != KERN_SUCCESS)
            thread_sleep_ms(1000);
    }
}

static int usage(void)
{
    printf("usage: spin [busy | sleep | threads N]  (N = 1..%d)\n",
           TASK_THREADS_MAX - 1);
    return 2;
}

int main(int argc, char **argv)
{
    const char *mode = argc > 1 ? argv[1] : "busy";

    if (strcmp(mode, "busy") == 0 && argc <= 2) {
        printf("spin: busy\n");
        for (;;)
            __asm__ volatile("pause" ::: "memory");
    }
    if (strcmp(mode, "sleep") == 0 && argc == 2) {
        printf("spin: sleeping\n");
        for (;;)
            thread_sleep_ms(1000);
    }
    if (strcmp(mode, "threads") == 0 && argc == 3) {
        char *end;
        unsigned long n = strtoul(argv[2], &end, 10);
        if (*end || n < 1 || n > TASK_THREADS_MAX - 1)
            return usage();
        for (unsigned long i = 0; i < n; i++) {
            kern_return_t kr = thread_create(sleeper, NULL, THREAD_PRIORITY_DEFAULT,
                                             NULL);
            if (kr != KERN_SUCCESS) {
                printf("spin: thread %lu: %s\n", i + 1, kern_return_name(kr));
                return 1;
            }
        }
        printf("spin: %lu threads started\n", n);
        return block_forever();
    }
    return usage();
}
