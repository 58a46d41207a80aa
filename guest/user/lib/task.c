/* Task helpers built on the raw calls: spawning with an argv, finding our
 * own task_info, describing how a task ended. */
#include "libc.h"
#include "mach.h"

kern_return_t task_spawn(const char *path, const char *const argv[],
                         mach_port_name_t bootstrap, uint32_t flags,
                         struct spawn_result *out)
{
    char args[TASK_ARGS_MAX];
    size_t len = 0;

    if (!path || !out)
        return KERN_INVALID_ARGUMENT;
    const char *fallback[2] = { path, NULL };
    if (!argv || !argv[0]) {
        /* argv[0] is the path's last component. */
        for (const char *p = path; *p; p++) {
            if (*p == '/' && p[1])
                fallback[0] = p + 1;
        }
        argv = fallback;
    }
    for (size_t i = 0; argv[i]; i++) {
        size_t n = strlen(argv[i]) + 1;
        if (n > sizeof(args) - len)
            return KERN_INVALID_ARGUMENT;
        memcpy(args + len, argv[i], n);
        len += n;
    }
    return (kern_return_t)syscall6(SYS_task_spawn, (long)(uintptr_t)path,
                                   (long)(uintptr_t)args, (long)len, bootstrap,
                                   flags, (long)(uintptr_t)out);
}

/* Our pid: the msgh_sender of a message we send ourselves. */
static kern_return_t self_pid(uint32_t *pid)
{
    static uint32_t cached;
    mach_port_name_t port;
    union {
        mach_msg_header_t h;
        uint8_t space[64];
    } m;

    if (cached) {
        *pid = cached;
        return KERN_SUCCESS;
    }
    kern_return_t kr = mach_port_allocate(MACH_PORT_RIGHT_RECEIVE, &port);
    if (kr != KERN_SUCCESS)
        return kr;
    memset(&m, 0, sizeof(m));
    m.h.msgh_bits = MACH_MSGH_BITS(MACH_MSG_TYPE_MAKE_SEND_ONCE, 0);
    m.h.msgh_size = sizeof(m.h);
    m.h.msgh_remote_port = port;
    kr = mach_msg(&m.h, MACH_SEND_MSG | MACH_RCV_MSG | MACH_SEND_TIMEOUT |
                  MACH_RCV_TIMEOUT, sizeof(m.h), sizeof(m), port, 1000);
    mach_port_mod_refs(port, MACH_PORT_RIGHT_RECEIVE, -1);
    if (kr != KERN_SUCCESS)
        return kr;
    cached = m.h.msgh_sender;
    *pid = cached;
    return KERN_SUCCESS;
}

kern_return_t task_self_info(struct task_info *out)
{
    uint32_t pid, count = 0, max = 256;
    kern_return_t kr = self_pid(&pid);

    if (kr != KERN_SUCCESS)
        return kr;
    struct task_info *list = malloc(max * sizeof(*list));
    if (!list)
        return KERN_RESOURCE_SHORTAGE;
    kr = task_list(list, max, &count);
    if (kr == KERN_SUCCESS) {
        kr = KERN_NOT_FOUND;
        for (uint32_t i = 0; i < count && i < max; i++) {
            if (list[i].pid == pid) {
                *out = list[i];
                kr = KERN_SUCCESS;
                break;
            }
        }
    }
    free(list);
    return kr;
}

static const char *vector_name(uint32_t v)
{
    static const char *const names[] = {
        "#DE", "#DB", "NMI", "#BP", "#OF", "#BR", "#UD", "#NM", "#DF", "?",
        "#TS", "#NP", "#SS", "#GP", "#PF", "?", "#MF", "#AC", "#MC", "#XM",
    };
    return v < sizeof(names) / sizeof(names[0]) ? names[v] : "?";
}

void task_exit_describe(const task_exit_notification_t *n, char *buf,
                        size_t size)
{
    switch (n->reason) {
    case TASK_EXIT_NORMAL:
        snprintf(buf, size, "exited with status %d", n->status);
        break;
    case TASK_EXIT_KILLED:
        snprintf(buf, size, "killed (status %d)", n->status);
        break;
    case TASK_EXIT_FAULT:
        snprintf(buf, size, "crashed: vector %u (%s) at rip 0x%lx address 0x%lx",
                 n->fault_vector, vector_name(n->fault_vector),
                 (unsigned long)n->fault_rip, (unsigned long)n->fault_address);
        break;
    default:
        snprintf(buf, size, "ended (reason %u, status %d)", n->reason, n->status);
        break;
    }
}
