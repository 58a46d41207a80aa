/* Control-channel commands about tasks (docs/control-channel.md):
 *   run    {"path":P, "args":"A B", "timeout":S}  spawn, wait, reply how it ended
 *   spawn  {"path":P, "args":"A B"}               spawn, reply its pid
 *   kill   {"pid":N}
 *   tasks                                          list the tasks
 *   stats                                          kernel-wide counts
 * Programs started here get every privilege (TASK_PRIV_ALL): the host is
 * the machine's owner. */
#include <format.h>
#include <string.h>

#include "boot/collection.h"
#include "kern/console.h"
#include "kern/control.h"
#include "kern/json.h"
#include "kern/kernel.h"
#include "kern/sched.h"
#include "kern/syscall.h"
#include "kern/task.h"
#include "kern/vm.h"

#define RUN_TIMEOUT_DEFAULT_S 60
#define RUN_TIMEOUT_MAX_S     3600

static const char *reason_name(uint32_t reason)
{
    switch (reason) {
    case TASK_EXIT_NORMAL: return "exit";
    case TASK_EXIT_KILLED: return "killed";
    case TASK_EXIT_FAULT: return "fault";
    default: return "unknown";
    }
}

/* Spawn from a command's "path" and "args" (space-separated). */
static struct task *spawn_from(const char *line, const char *ids)
{
    char path[BOOTCOL_NAME_MAX], argstr[256], args[TASK_ARGS_MAX];
    size_t len = 0;
    const char *why;
    struct task *task;

    if (json_get(line, "path", path, sizeof(path), NULL) != JSON_STRING) {
        control_reply_error(ids, "needs \"path\": a program in the boot collection, "
                            "e.g. \"bin/utest\"");
        return NULL;
    }
    enum json_type at = json_get(line, "args", argstr, sizeof(argstr), NULL);
    if (at != JSON_NONE && at != JSON_STRING) {
        control_reply_error(ids, "\"args\" must be a string of space-separated "
                            "arguments (at most %zu bytes)", sizeof(argstr) - 1);
        return NULL;
    }
    if (at == JSON_NONE)
        argstr[0] = '\0';
    /* argv[0] is the path; then the words of args. */
    size_t n = strlen(path) + 1;
    memcpy(args, path, n);
    len = n;
    for (char *p = argstr; *p;) {
        while (*p == ' ')
            p++;
        if (!*p)
            break;
        char *w = p;
        while (*p && *p != ' ')
            p++;
        size_t wl = (size_t)(p - w);
        if (len + wl + 1 > sizeof(args)) {
            control_reply_error(ids, "arguments too long");
            return NULL;
        }
        memcpy(args + len, w, wl);
        args[len + wl] = '\0';
        len += wl + 1;
    }
    kern_return_t kr = task_spawn(path, args, len, NULL, 0, TASK_PRIV_ALL, 0, &task,
                                  &why);
    if (kr != KERN_SUCCESS) {
        control_reply_error(ids, "cannot run %s: %s (%s)", path, why,
                            kern_return_name(kr));
        return NULL;
    }
    return task;
}

static void cmd_run(const char *line, const char *ids)
{
    int64_t timeout = RUN_TIMEOUT_DEFAULT_S;
    enum json_type tt = json_get(line, "timeout", NULL, 0, &timeout);

    if ((tt != JSON_NONE && tt != JSON_NUMBER) || timeout < 1 ||
        timeout > RUN_TIMEOUT_MAX_S) {
        control_reply_error(ids, "\"timeout\" is seconds, 1 to %d", RUN_TIMEOUT_MAX_S);
        return;
    }
    struct task *task = spawn_from(line, ids);
    if (!task)
        return;
    uint32_t pid = task->pid;
    uint64_t deadline = timer_ticks() + (uint64_t)timeout * HZ;
    bool killed = false;
    /* Wait for it to end; keep the console alive meanwhile. */
    while (task_find(pid)) {
        if (!killed && timer_ticks() >= deadline) {
            kprintf("control: %s[%u] still running after %ld s: killing it\n",
                    task->name, pid, (long)timeout);
            task_terminate(task, TASK_EXIT_KILLED, -1);
            killed = true;
        }
        console_input_poll();
        thread_sleep_ms(2);
    }
    struct task_exit_record rec;
    if (!task_exit_lookup(pid, &rec)) {
        control_reply_error(ids, "task %u ended but its exit record is gone", pid);
        return;
    }
    control_sendf("{\"reply\":\"run\",\"pid\":%u,\"reason\":\"%s\",\"status\":%d,"
                  "\"timed_out\":%s,\"vector\":%u,\"address\":%lu,\"rip\":%lu%s}",
                  pid, reason_name(rec.reason), rec.status, killed ? "true" : "false",
                  rec.fault_vector, rec.fault_address, rec.fault_rip, ids);
}

static void cmd_tasks(const char *ids)
{
    char buf[900];
    size_t n = 0;

    unsigned listed = 0;

    n += snprintf(buf + n, sizeof(buf) - n, "{\"reply\":\"tasks\",\"tasks\":[");
    for (struct task *t = task_list_head; t && n < sizeof(buf) - 160; t = t->next) {
        listed++;
        char name[2 * TASK_NAME_MAX];
        json_escape(name, sizeof(name), t->name);
        n += snprintf(buf + n, sizeof(buf) - n,
                      "%s{\"pid\":%u,\"name\":\"%s\",\"threads\":%u,\"pages\":%lu}",
                      t == task_list_head ? "" : ",", t->pid, name, t->nthreads,
                      t->map ? t->map->resident : 0);
    }
    /* "more": tasks that did not fit in one line. */
    snprintf(buf + n, sizeof(buf) - n, "],\"more\":%u%s}", task_count - listed, ids);
    control_send(buf);
}

static void cmd_stats(const char *ids)
{
    struct kernel_stats ks;

    kernel_stats_fill(&ks);
    control_sendf("{\"reply\":\"stats\",\"free_pages\":%lu,\"heap_allocations\":%lu,"
                  "\"tasks\":%u,\"threads\":%u,\"ports\":%u,\"port_sets\":%u,"
                  "\"messages\":%u,\"vm_objects\":%u,\"context_switches\":%lu,"
                  "\"syscalls\":%lu,\"user_faults\":%lu,\"heap_pages\":%lu%s}", ks.free_pages,
                  ks.heap_allocations, ks.tasks, ks.threads, ks.ports, ks.port_sets,
                  ks.messages, ks.vm_objects, ks.context_switches, ks.syscalls,
                  ks.user_faults, heap_pages, ids);
}

bool control_task_command(const char *cmd, const char *line, const char *ids)
{
    int64_t pid;

    if (strcmp(cmd, "run") == 0) {
        cmd_run(line, ids);
    } else if (strcmp(cmd, "spawn") == 0) {
        struct task *t = spawn_from(line, ids);
        if (t)
            control_sendf("{\"reply\":\"spawn\",\"pid\":%u%s}", t->pid, ids);
    } else if (strcmp(cmd, "kill") == 0) {
        struct task *t;
        if (json_get(line, "pid", NULL, 0, &pid) != JSON_NUMBER || pid <= 0 ||
            pid > UINT32_MAX || !(t = task_find((uint32_t)pid))) {
            control_reply_error(ids, "kill needs \"pid\" of a running task (see tasks)");
            return true;
        }
        task_terminate(t, TASK_EXIT_KILLED, -1);
        control_sendf("{\"reply\":\"kill\",\"pid\":%ld%s}", (long)pid, ids);
    } else if (strcmp(cmd, "tasks") == 0) {
        cmd_tasks(ids);
    } else if (strcmp(cmd, "stats") == 0) {
        cmd_stats(ids);
    } else {
        return false;
    }
    return true;
}
