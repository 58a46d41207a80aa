/* The guest userland's C library: just enough libc for dextbed's programs
 * and test tasks.  Freestanding; no floating point anywhere (the kernel does
 * not save FPU/SSE state).  string.h and format.h (snprintf) come from
 * runtime/libc and are shared with the kernel.
 *
 * Output: printf/puts/putchar are line-buffered; each completed line goes to
 * the console as one SYS_log call (without its '\n': the kernel prints one
 * console line per call, prefixed "[name:pid]").  exit() flushes.
 * malloc and printf are safe to call from several threads of a task. */
#ifndef USER_LIBC_H
#define USER_LIBC_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <format.h>
#include <string.h>

#include "mach/message.h"

/* Set by crt0 from %rdx / %rcx at entry: the bootstrap send right the
 * spawner passed (or MACH_PORT_NULL) and this task's own task port. */
extern mach_port_name_t bootstrap_port;
extern mach_port_name_t task_self_port;

/* The program: called by crt0 as exit(main(argc, argv)). */
int main(int argc, char **argv);

/* Formatted output to the console, line-buffered; returns the length. */
int printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* printf with a va_list. */
int vprintf(const char *fmt, va_list ap);
/* s and a newline. */
int puts(const char *s);
/* One character. */
int putchar(int c);
/* Send any partial line now (e.g. a prompt). */
void stdout_flush(void);

/* Flush output and end the whole task with status. */
__attribute__((noreturn)) void exit(int status);
/* Flush, then end the task with an invalid-opcode fault (logged with a
 * backtrace by the kernel). */
__attribute__((noreturn)) void abort(void);

/* The heap (vm_allocate'd chunks; 16-byte aligned).  malloc(0) returns a
 * unique pointer; free of a pointer malloc did not return aborts. */
void *malloc(size_t size);
void free(void *ptr);
/* n * size zeroed bytes; NULL on overflow. */
void *calloc(size_t n, size_t size);
/* Resize, keeping the contents; realloc(p, 0) frees and returns NULL. */
void *realloc(void *ptr, size_t size);

/* C's conversions: base 0 (auto: 0x, 0), 2..36; saturate on overflow. */
unsigned long strtoul(const char *s, char **end, int base);
long strtol(const char *s, char **end, int base);
/* strtol(s, NULL, 10) as an int. */
int atoi(const char *s);

/* The TSC, ordered against earlier instructions (lfence; rdtsc). */
uint64_t rdtsc(void);
/* Milliseconds since boot (SYS_clock_info); 0 if the call fails. */
uint64_t uptime_ms(void);

#endif
