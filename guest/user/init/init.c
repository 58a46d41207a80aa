/* bin/init: the first task; the kernel starts it at boot with every
 * privilege.  For now it keeps one shell (bin/sh) running on the console:
 * it watches the shell, says how it ended and starts another, backing off
 * when the shell keeps dying.  Later it will also launch dexts and serve
 * their bootstrap lookups, as launchd does. */
#include "libc.h"
#include "mach.h"

#define SHELL_PATH       "bin/sh"
#define SHELL_FLAGS      TASK_PRIV_SPAWN
#define RESTART_MAX      5          /* restarts allowed ... */
#define RESTART_WINDOW   10000      /* ... within this many ms */

/* Restart times, oldest first, for the back-off. */
static uint64_t restarts[RESTART_MAX];
static unsigned nrestarts;

/* Record a restart; false if RESTART_MAX already happened in the window. */
static bool may_restart(void)
{
    uint64_t now = uptime_ms();

    if (nrestarts == RESTART_MAX) {
        if (now - restarts[0] < RESTART_WINDOW)
            return false;
        memmove(restarts, restarts + 1, sizeof(restarts[0]) * (RESTART_MAX - 1));
        nrestarts--;
    }
    restarts[nrestarts++] = now;
    return true;
}

/* Block for good (never busy-loop): receive on port forever. */
__attribute__((noreturn)) static void idle_forever(mach_port_name_t port)
{
    union {
        mach_msg_header_t h;
        uint8_t space[MACH_MSG_SIZE_MAX + 64];
    } *m = malloc(sizeof(*m));

    for (;;) {
        if (m && mach_msg(&m->h, MACH_RCV_MSG, 0, sizeof(*m), port, 0) ==
                     KERN_SUCCESS)
            mach_msg_destroy(&m->h);
        else
            thread_sleep_ms(60000);
    }
}

/* Start the shell and watch it; false if that failed. */
static bool start_shell(mach_port_name_t notify, struct spawn_result *sh)
{
    static const char *const argv[] = { "sh", NULL };
    kern_return_t kr = task_spawn(SHELL_PATH, argv, bootstrap_port, SHELL_FLAGS, sh);

    if (kr != KERN_SUCCESS) {
        printf("init: cannot start %s: %s\n", SHELL_PATH, kern_return_name(kr));
        return false;
    }
    kr = task_watch(sh->task_port, notify);
    if (kr != KERN_SUCCESS) {
        /* Most likely it ended before we could watch it; make sure no
         * unwatched shell is left behind. */
        printf("init: cannot watch %s (pid %u): %s\n", SHELL_PATH, sh->pid,
               kern_return_name(kr));
        task_kill(sh->task_port, -1);
        mach_port_deallocate(sh->task_port);
        return false;
    }
    printf("init: started %s (pid %u)\n", SHELL_PATH, sh->pid);
    return true;
}

/* Wait for the exit notification of pid, ignoring anything else. */
static void wait_for_exit(mach_port_name_t notify, uint32_t pid)
{
    union {
        task_exit_notification_t n;
        uint8_t space[512];
    } m;

    for (;;) {
        kern_return_t kr = mach_msg(&m.n.header, MACH_RCV_MSG, 0, sizeof(m),
                                    notify, 0);
        if (kr != KERN_SUCCESS) {
            printf("init: receive failed: %s\n", kern_return_name(kr));
            thread_sleep_ms(1000);
            continue;
        }
        if (m.n.header.msgh_id != TASK_NOTIFY_EXIT ||
            m.n.header.msgh_size < sizeof(m.n) || m.n.pid != pid) {
            mach_msg_destroy(&m.n.header);
            continue;
        }
        char why[128];
        task_exit_describe(&m.n, why, sizeof(why));
        printf("init: %s (pid %u) %s\n", SHELL_PATH, pid, why);
        return;
    }
}

int main(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    printf("init: started\n");

    mach_port_name_t notify;
    kern_return_t kr = mach_port_allocate(MACH_PORT_RIGHT_RECEIVE, &notify);
    if (kr != KERN_SUCCESS) {
        printf("init: cannot allocate a port: %s\n", kern_return_name(kr));
        for (;;)
            thread_sleep_ms(60000);
    }
    for (bool first = true;; first = false) {
        if (!first && !may_restart()) {
            printf("init: %s restarted %d times within %d s; giving up\n",
                   SHELL_PATH, RESTART_MAX, RESTART_WINDOW / 1000);
            idle_forever(notify);
        }
        struct spawn_result sh;
        if (!start_shell(notify, &sh)) {
            thread_sleep_ms(1000);
            continue;
        }
        wait_for_exit(notify, sh.pid);
        mach_port_deallocate(sh.task_port);
    }
}
