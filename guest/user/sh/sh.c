/* bin/sh: a small shell on the console.  The kernel echoes what is typed;
 * the shell edits its own line buffer (backspace) and runs a command when
 * CR or LF arrives.  Programs it starts get the shell's own privileges and
 * bootstrap port; it keeps their task ports, so `kill` works only on tasks
 * it started. */
#include "libc.h"
#include "mach.h"

#define LINE_MAX   256
#define ARGS_MAX   16
#define CHILDREN   16

struct child {
    uint32_t pid;                   /* 0 = free slot */
    mach_port_name_t task;          /* our send right to its task port */
    char name[TASK_NAME_MAX];
};

static struct child children[CHILDREN];
static mach_port_name_t notify;     /* TASK_NOTIFY_EXIT for our children */
static uint32_t my_flags;           /* privileges passed on to children */

static struct child *find_child(uint32_t pid)
{
    if (pid == 0)
        return NULL;
    for (int i = 0; i < CHILDREN; i++) {
        if (children[i].pid == pid)
            return &children[i];
    }
    return NULL;
}

/* Receive one notification (poll: wait at most timeout_ms; 0 = not at
 * all); report and forget the child it is about.  False if none came. */
static bool reap_one(bool poll, uint64_t timeout_ms)
{
    union {
        task_exit_notification_t n;
        uint8_t space[512];
    } m;
    mach_msg_option_t opt = MACH_RCV_MSG | (poll ? MACH_RCV_TIMEOUT : 0);

    if (mach_msg(&m.n.header, opt, 0, sizeof(m), notify, timeout_ms) !=
        KERN_SUCCESS)
        return false;
    if (m.n.header.msgh_id != TASK_NOTIFY_EXIT ||
        m.n.header.msgh_size < sizeof(m.n)) {
        mach_msg_destroy(&m.n.header);
        return true;
    }
    struct child *c = find_child(m.n.pid);
    if (!c)
        return true;
    char why[128];
    task_exit_describe(&m.n, why, sizeof(why));
    printf("%s (pid %u) %s\n", c->name, c->pid, why);
    mach_port_deallocate(c->task);
    c->pid = 0;
    return true;
}

static void cmd_help(void)
{
    printf("commands:\n"
           "  help                 this list\n"
           "  ps                   tasks: pid, parent, threads, state, pages, name\n"
           "  run PROG [ARGS] [&]  start bin/PROG (or a path) and wait for it;\n"
           "                       with a final '&' do not wait\n"
           "  PROG [ARGS] [&]      the same as run\n"
           "  kill PID             end a task this shell started\n"
           "  stats                kernel object counts\n"
           "  exit                 leave the shell\n"
           "programs: ioreg [-l] [-c CLASS] [-n NAME] [-r] [-a] (the IORegistry),\n"
           "  utest (userland tests), crash KIND, echo, spin, bench\n");
}

static void cmd_ps(void)
{
    uint32_t max = 128, count = 0;
    struct task_info *list = malloc(max * sizeof(*list));

    if (!list) {
        printf("ps: out of memory\n");
        return;
    }
    kern_return_t kr = task_list(list, max, &count);
    if (kr != KERN_SUCCESS) {
        printf("ps: %s\n", kern_return_name(kr));
        free(list);
        return;
    }
    printf("  PID  PPID  THR STATE    PAGES  NAME\n");
    for (uint32_t i = 0; i < count && i < max; i++) {
        const struct task_info *t = &list[i];
        char name[TASK_NAME_MAX + 1];
        memcpy(name, t->name, TASK_NAME_MAX);
        name[TASK_NAME_MAX] = '\0';            /* the kernel's may be full */
        printf("%5u %5u %4u %-7s %6lu  %s\n", t->pid, t->parent_pid,
               t->threads, t->state == TASK_STATE_RUNNING ? "run" : "exiting",
               (unsigned long)t->resident_pages, name);
    }
    if (count > max)
        printf("... and %u more\n", count - max);
    free(list);
}

static void cmd_stats(void)
{
    struct kernel_stats s;
    kern_return_t kr = kernel_stats(&s);

    if (kr != KERN_SUCCESS) {
        printf("stats: %s\n", kern_return_name(kr));
        return;
    }
    printf("free pages %lu, heap allocations %lu\n",
           (unsigned long)s.free_pages, (unsigned long)s.heap_allocations);
    printf("tasks %u, threads %u, ports %u, port sets %u, messages %u, "
           "vm objects %u\n", s.tasks, s.threads, s.ports, s.port_sets,
           s.messages, s.vm_objects);
    printf("context switches %lu, syscalls %lu, user faults %lu\n",
           (unsigned long)s.context_switches, (unsigned long)s.syscalls,
           (unsigned long)s.user_faults);
}

static void cmd_kill(int argc, char **argv)
{
    char *end;

    if (argc != 2) {
        printf("usage: kill PID\n");
        return;
    }
    unsigned long pid = strtoul(argv[1], &end, 10);
    if (*end || pid == 0 || pid > 0xffffffffUL) {
        printf("kill: '%s' is not a pid\n", argv[1]);
        return;
    }
    struct child *c = find_child((uint32_t)pid);
    if (!c) {
        printf("kill: pid %lu was not started by this shell\n", pid);
        return;
    }
    kern_return_t kr = task_kill(c->task, -1);
    if (kr != KERN_SUCCESS) {
        printf("kill: %s\n", kern_return_name(kr));
        return;
    }
    /* Wait (briefly) for it to be gone so the report comes in order. */
    uint64_t deadline = uptime_ms() + 1000;
    while (find_child((uint32_t)pid) && uptime_ms() < deadline)
        reap_one(true, 100);
}

/* run PROG [ARGS] [&]; shorthand: typed without "run". */
static void cmd_run(int argc, char **argv, bool shorthand)
{
    bool background = false;
    char path[64];

    if (argc > 0 && strcmp(argv[argc - 1], "&") == 0) {
        background = true;
        argv[--argc] = NULL;
    }
    if (argc < 1) {
        printf("usage: run PROG [ARGS...] [&]\n");
        return;
    }
    const char *prog = argv[0];
    int n = strchr(prog, '/') ? snprintf(path, sizeof(path), "%s", prog)
                              : snprintf(path, sizeof(path), "bin/%s", prog);
    if (n >= (int)sizeof(path)) {
        printf("run: program name too long\n");
        return;
    }
    struct child *c = NULL;
    for (int i = 0; i < CHILDREN && !c; i++) {
        if (!children[i].pid)
            c = &children[i];
    }
    if (!c) {
        printf("run: already %d tasks running; kill one first\n", CHILDREN);
        return;
    }
    struct spawn_result res;
    /* Children inherit our bootstrap port (init's, for now) and privileges. */
    kern_return_t kr = task_spawn(path, (const char *const *)argv, bootstrap_port,
                                  my_flags, &res);
    if (kr != KERN_SUCCESS && shorthand)
        printf("%s: unknown command, and no program %s (%s); try 'help'\n",
               prog, path, kern_return_name(kr));
    if (kr != KERN_SUCCESS) {
        if (!shorthand)
            printf("run: cannot start %s: %s\n", path, kern_return_name(kr));
        return;
    }
    kr = task_watch(res.task_port, notify);
    if (kr != KERN_SUCCESS) {
        printf("%s: cannot watch it (%s); killing it\n", path, kern_return_name(kr));
        task_kill(res.task_port, -1);
        mach_port_deallocate(res.task_port);
        return;
    }
    c->pid = res.pid;
    c->task = res.task_port;
    snprintf(c->name, sizeof(c->name), "%s", prog);
    if (background) {
        printf("[%u] %s\n", res.pid, prog);
        return;
    }
    while (find_child(res.pid)) {
        if (!reap_one(false, 0)) {
            printf("sh: lost track of %s (pid %u)\n", prog, res.pid);
            return;
        }
    }
}

/* Split line into words in place; returns the count. */
static int split(char *line, char **argv)
{
    int argc = 0;

    for (char *p = line; *p;) {
        while (*p == ' ' || *p == '\t')
            *p++ = '\0';
        if (!*p)
            break;
        if (argc == ARGS_MAX) {
            printf("too many arguments (at most %d)\n", ARGS_MAX);
            return -1;
        }
        argv[argc++] = p;
        while (*p && *p != ' ' && *p != '\t')
            p++;
    }
    argv[argc] = NULL;
    return argc;
}

static void execute(char *line)
{
    char *argv[ARGS_MAX + 1];
    int argc = split(line, argv);

    if (argc <= 0)
        return;
    if (strcmp(argv[0], "help") == 0)
        cmd_help();
    else if (strcmp(argv[0], "ps") == 0)
        cmd_ps();
    else if (strcmp(argv[0], "stats") == 0)
        cmd_stats();
    else if (strcmp(argv[0], "kill") == 0)
        cmd_kill(argc, argv);
    else if (strcmp(argv[0], "exit") == 0)
        exit(0);
    else if (strcmp(argv[0], "run") == 0)
        cmd_run(argc - 1, argv + 1, false);
    else
        cmd_run(argc, argv, true);
}

/* Read one line from the console into line (NUL-terminated). */
static void read_line(char *line)
{
    static char pending[64];
    static size_t npending, next;
    static bool last_cr;
    size_t len = 0;

    for (;;) {
        if (next == npending) {
            size_t got = 0;
            kern_return_t kr = console_read(pending, sizeof(pending), &got);
            if (kr != KERN_SUCCESS) {
                printf("sh: console_read: %s\n", kern_return_name(kr));
                exit(1);
            }
            npending = got < sizeof(pending) ? got : sizeof(pending);
            next = 0;
            continue;
        }
        char c = pending[next++];
        bool was_cr = last_cr;
        last_cr = c == '\r';
        if (c == '\n' && was_cr)
            continue;               /* the LF of a CR LF */
        if (c == '\r' || c == '\n')
            break;
        if (c == 0x7f || c == 0x08) {
            if (len)
                len--;
        } else if (c == 0x15) {     /* ^U: forget the line */
            len = 0;
        } else if ((unsigned char)c >= 0x20 && len < LINE_MAX - 1) {
            line[len++] = c;
        }
    }
    line[len] = '\0';
}

int main(int argc, char **argv)
{
    char line[LINE_MAX];
    struct task_info self;

    (void)argc;
    (void)argv;
    kern_return_t kr = mach_port_allocate(MACH_PORT_RIGHT_RECEIVE, &notify);
    if (kr != KERN_SUCCESS) {
        printf("sh: cannot allocate a port: %s\n", kern_return_name(kr));
        return 1;
    }
    kr = task_self_info(&self);
    if (kr == KERN_SUCCESS)
        my_flags = self.flags & TASK_PRIV_ALL;
    else
        printf("sh: cannot read own privileges (%s); children get none\n",
               kern_return_name(kr));
    printf("dextbed shell; type 'help' for commands\n");
    for (;;) {
        while (reap_one(true, 0))
            ;
        printf("dextbed$ ");
        stdout_flush();
        read_line(line);
        execute(line);
    }
}
