/* Private to the user library. */
#ifndef USER_LIB_INTERNAL_H
#define USER_LIB_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>

/* A spinlock that yields the CPU while it waits (threads are preemptible). */
typedef struct {
    volatile int held;
} ulock_t;

void ulock_take(ulock_t *l);
/* Take it within about `tries` yields; false if still held (exit uses this
 * so a thread that died holding it cannot hang the task). */
bool ulock_try(ulock_t *l, int tries);
void ulock_drop(ulock_t *l);

/* Stacks of exited threads, linked through their first 8 bytes; pushed by
 * release_and_exit (thread.c), reclaimed by thread_reap_stacks. */
extern uint64_t dead_stacks;
void thread_reap_stacks(void);

/* exit/abort: flush output without waiting long for the lock. */
void stdout_flush_exiting(void);

#endif
