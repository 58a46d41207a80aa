/* Kernel output: the human console on COM1, the control channel on COM2. */
#ifndef KERN_CONSOLE_H
#define KERN_CONSOLE_H

#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>

#define COM1_PORT 0x3f8
#define COM2_PORT 0x2f8

void uart_init(uint16_t port);
void uart_putc(uint16_t port, char c);
/* Returns the next received byte, or -1 if none is waiting. */
int uart_getc_nowait(uint16_t port);

/* Console (COM1) output. */
void kputs(const char *s);
void kprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Console input: poll COM1 into a ring (echoing), and the console_read
 * system call that waits for it. */
struct task;
void console_input_poll(void);
int32_t console_read_user(struct task *task, uint64_t buf, uint64_t len,
                          uint64_t got_out);

#endif
