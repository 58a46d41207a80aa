/* Control channel: JSON lines on COM2.  Protocol: docs/control-channel.md.
 *
 * The guest sends events ({"event": ...}) and replies ({"reply": ...}); the
 * host sends commands ({"cmd": ..., "id": N}).  A reply carries the
 * command's id when it had one.  Lines longer than CONTROL_LINE_MAX are
 * rejected whole. */
#include <format.h>
#include <stdarg.h>
#include <string.h>

#include "arch/x86.h"
#include "iokit/IOKitKernel.h"
#include "kern/console.h"
#include "kern/control.h"
#include "kern/json.h"
#include "kern/kernel.h"
#include "kern/panic.h"
#include "kern/selftest.h"

#define CONTROL_LINE_MAX 1024

static char line[CONTROL_LINE_MAX];
static size_t line_len;
static bool line_overflow;

void control_init(void)
{
    uart_init(COM2_PORT);
    line_len = 0;
    line_overflow = false;
}

void control_send(const char *json)
{
    for (; *json; json++)
        uart_putc(COM2_PORT, *json);
    uart_putc(COM2_PORT, '\n');
}

void control_sendf(const char *fmt, ...)
{
    char buf[CONTROL_LINE_MAX];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(buf, sizeof(buf), fmt, ap);
    va_end(ap);
    control_send(buf);
}

size_t json_escape(char *out, size_t size, const char *s)
{
    size_t n = 0;

    if (!size)
        return 0;
    for (; *s; s++) {
        char esc[8];
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\')
            snprintf(esc, sizeof(esc), "\\%c", c);
        else if (c == '\n')
            snprintf(esc, sizeof(esc), "\\n");
        else if (c < 0x20 || c >= 0x7f)
            snprintf(esc, sizeof(esc), "\\u%04x", c);
        else
            snprintf(esc, sizeof(esc), "%c", c);
        size_t len = strlen(esc);
        if (n + len + 1 > size)
            break;
        memcpy(out + n, esc, len);
        n += len;
    }
    out[n] = '\0';
    return n;
}

/* ",\"id\":N" when the command had an id, else "". */
static void id_suffix(const char *cmd, char *out, size_t size)
{
    int64_t id;

    out[0] = '\0';
    if (json_get(cmd, "id", NULL, 0, &id) == JSON_NUMBER)
        snprintf(out, size, ",\"id\":%ld", (long)id);
}

void control_reply_error(const char *ids, const char *fmt, ...)
{
    char msg[200], esc[300];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    json_escape(esc, sizeof(esc), msg);
    control_sendf("{\"reply\":\"error\",\"error\":\"%s\"%s}", esc, ids);
}

static void cmd_info(const char *ids)
{
    control_sendf("{\"reply\":\"info\",\"version\":\"%s\",\"accel\":\"%s\","
                  "\"free_pages\":%zu,\"total_pages\":%zu,\"ticks\":%lu,"
                  "\"heap_allocations\":%zu,\"bootcol_bytes\":%zu%s}",
                  DEXTBED_VERSION, cpu_accel_name(), kernel_pmm.free_pages,
                  kernel_pmm.npages, timer_ticks(), kernel_heap.allocations,
                  boot_collection_size, ids);
}

/* Deliberate faults, so tests can check what a kernel panic reports. */
__attribute__((noinline)) static void crash(const char *kind)
{
    if (strcmp(kind, "ud2") == 0)
        __asm__ volatile("ud2");
    if (strcmp(kind, "pagefault") == 0) {
        volatile uint64_t *volatile bad = (volatile uint64_t *)0x10;
        *bad = 1;
    }
    if (strcmp(kind, "divide") == 0) {
        uint32_t q;
        __asm__ volatile("divl %2" : "=a"(q) : "a"(1), "r"(0), "d"(0));
        kprintf("%u\n", q);
    }
    panic("crash requested on the control channel (kind '%s')", kind);
}

static void handle(const char *cmdline)
{
    char cmd[32], arg[256], ids[32];
    int64_t num;

    if (!json_valid_object(cmdline)) {
        control_reply_error("", "malformed command: expected one JSON object per line");
        return;
    }
    id_suffix(cmdline, ids, sizeof(ids));
    if (json_get(cmdline, "cmd", cmd, sizeof(cmd), NULL) != JSON_STRING) {
        control_reply_error(ids, "missing \"cmd\" (a string)");
        return;
    }
    if (strcmp(cmd, "ping") == 0) {
        control_sendf("{\"reply\":\"pong\",\"ticks\":%lu%s}", timer_ticks(), ids);
    } else if (strcmp(cmd, "info") == 0) {
        cmd_info(ids);
    } else if (strcmp(cmd, "echo") == 0) {
        char esc[600];
        if (json_get(cmdline, "text", arg, sizeof(arg), NULL) != JSON_STRING) {
            control_reply_error(ids, "echo needs \"text\" (a string of at most %zu bytes)",
                        sizeof(arg) - 1);
            return;
        }
        json_escape(esc, sizeof(esc), arg);
        control_sendf("{\"reply\":\"echo\",\"text\":\"%s\"%s}", esc, ids);
    } else if (strcmp(cmd, "selftest") == 0) {
        int passed;
        const char *filter = NULL;
        if (json_get(cmdline, "filter", arg, sizeof(arg), NULL) == JSON_STRING)
            filter = arg;
        int failed = selftest_run_all(filter, &passed);
        control_sendf("{\"reply\":\"selftest\",\"passed\":%d,\"failed\":%d%s}",
                      passed, failed, ids);
    } else if (strcmp(cmd, "crash") == 0) {
        if (json_get(cmdline, "kind", arg, sizeof(arg), NULL) != JSON_STRING)
            snprintf(arg, sizeof(arg), "panic");
        crash(arg);
    } else if (strcmp(cmd, "exit") == 0) {
        if (json_get(cmdline, "code", NULL, 0, &num) != JSON_NUMBER ||
            num < 0 || num > 127) {
            control_reply_error(ids, "exit needs \"code\" (0 to 127)");
            return;
        }
        control_sendf("{\"reply\":\"exit\",\"code\":%ld%s}", (long)num, ids);
        machine_exit((uint32_t)num);
    } else if (!control_task_command(cmd, cmdline, ids) &&
               !iokit_control_command(cmd, cmdline, ids)) {
        control_reply_error(ids, "unknown command '%s' (try ping, info, echo, selftest, "
                    "crash, exit, run, spawn, kill, tasks, stats, ioreg)", cmd);
    }
}

bool control_poll(void)
{
    int c;
    bool ran = false;

    /* Bounded per call, so a flood cannot starve the caller. */
    for (int budget = 0; budget < 4096 && (c = uart_getc_nowait(COM2_PORT)) >= 0;
         budget++) {
        if (c == '\r')
            continue;
        if (c != '\n') {
            if (line_len + 1 < sizeof(line))
                line[line_len++] = (char)c;
            else
                line_overflow = true;
            continue;
        }
        line[line_len] = '\0';
        if (line_overflow)
            control_reply_error("", "command line longer than %d bytes rejected",
                        CONTROL_LINE_MAX - 1);
        else if (line_len)
            handle(line);
        line_len = 0;
        line_overflow = false;
        ran = true;
    }
    return ran;
}
