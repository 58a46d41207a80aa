/* The host's work loop (tools and unit tests): nothing runs behind the
 * caller's back.  Queued matching and termination wait in service.c's
 * queue until the caller runs them, with IOService_run_matching or
 * IOService_wait_quiet. */
#include "../iokit_internal.h"

/* The queue lives in service.c; there is no thread to wake. */
void iokit_workloop_queue(IOService *svc)
{
    (void)svc;
}

void iokit_workloop_busy_changed(void)
{
}

/* Run the pending work until svc (or, for NULL or the registry root, the
 * whole system) is quiet.  The host has no clock: timeout_ms is not used;
 * kIOReturnTimeout means busy with nothing left to run (busy counts raised
 * by hand and never lowered). */
IOReturn IOService_wait_quiet(IOService *svc, uint64_t timeout_ms)
{
    (void)timeout_ms;
    while (IOService_get_busy_state(svc) > 0) {
        if (IOService_run_matching() == 0)
            return kIOReturnTimeout;
    }
    return kIOReturnSuccess;
}
