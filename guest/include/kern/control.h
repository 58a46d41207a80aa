/* The control channel: JSON lines on COM2 between the guest and host tools.
 * Protocol: docs/control-channel.md. */
#ifndef KERN_CONTROL_H
#define KERN_CONTROL_H

#include <stdbool.h>
#include <stddef.h>

void control_init(void);
/* Send one JSON object (no newline) as a line. */
void control_send(const char *json);
void control_sendf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Append s to out as a JSON string body (escaped, no quotes). */
size_t json_escape(char *out, size_t size, const char *s);
/* Poll for a complete command line and handle it; returns true if one ran. */
bool control_poll(void);

/* Reply {"reply":"error","error":...} to the command with ids (",\"id\":N"). */
void control_reply_error(const char *ids, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* Task commands (run, spawn, kill, tasks, stats): true if cmd was one. */
bool control_task_command(const char *cmd, const char *line, const char *ids);

#endif
