/* Program start-up (called from _start in crt0.S) and the library lock. */
#include "libc.h"
#include "mach.h"

#include "internal.h"

mach_port_name_t bootstrap_port;
mach_port_name_t task_self_port;

__attribute__((noreturn, used)) void libc_start(int argc, char **argv);

void libc_start(int argc, char **argv)
{
    exit(main(argc, argv));
}

void ulock_take(ulock_t *l)
{
    while (__atomic_exchange_n(&l->held, 1, __ATOMIC_ACQUIRE))
        thread_yield();
}

bool ulock_try(ulock_t *l, int tries)
{
    for (int i = 0; i <= tries; i++) {
        if (!__atomic_exchange_n(&l->held, 1, __ATOMIC_ACQUIRE))
            return true;
        thread_yield();
    }
    return false;
}

void ulock_drop(ulock_t *l)
{
    __atomic_store_n(&l->held, 0, __ATOMIC_RELEASE);
}
