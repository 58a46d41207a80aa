/* Port sets: a receive right that takes messages from whichever member port
 * has one.  Members with queued messages sit on the set's ready list, so a
 * receive on the set is O(1) and serves members round robin. */
#include "ipc_internal.h"
#include "kern/kernel.h"
#include "kern/panic.h"
#include "string.h"

/* A new, empty set with one reference (its entry's).  NULL without memory. */
struct ipc_pset *ipc_pset_alloc(void)
{
    struct ipc_pset *pset = kmalloc(sizeof(*pset));

    if (!pset)
        return NULL;
    memset(pset, 0, sizeof(*pset));
    pset->refs = 1;
    pset->active = true;
    waitq_init(&pset->rcv_waitq);
    ipc_pset_count++;
    return pset;
}

/* Take one more reference (a receiver about to sleep on the set). */
void ipc_pset_reference(struct ipc_pset *pset)
{
    KASSERT(pset->refs > 0);
    pset->refs++;
}

/* Drop a reference; the last frees the (destroyed) set. */
void ipc_pset_release(struct ipc_pset *pset)
{
    KASSERT(pset->refs > 0);
    if (--pset->refs > 0)
        return;
    KASSERT(!pset->active && !pset->members && !pset->rcv_waitq.head);
    kfree(pset);
    ipc_pset_count--;
}

/* Destroy the set: members leave it, sleeping receivers wake and find it
 * gone.  The entry's reference is the caller's to drop. */
void ipc_pset_destroy(struct ipc_pset *pset)
{
    KASSERT(pset->active);
    pset->active = false;
    /* Each pass removes one member; members are ports of one space, at most
     * IPC_SPACE_NAMES_MAX of them. */
    for (uint32_t n = 0; pset->members && n <= IPC_SPACE_NAMES_MAX; n++)
        ipc_pset_remove(pset->members);
    KASSERT(!pset->members && !pset->ready_head);
    waitq_wakeup_all(&pset->rcv_waitq);
}

/* port (not in a set) joins pset.  Threads receiving on port itself wake
 * and return MACH_RCV_PORT_CHANGED; queued messages become the set's. */
void ipc_pset_add(struct ipc_pset *pset, struct ipc_port *port)
{
    KASSERT(pset->active && port->active && !port->pset);
    port->pset = pset;
    port->member_prev = NULL;
    port->member_next = pset->members;
    if (pset->members)
        pset->members->member_prev = port;
    pset->members = port;
    waitq_wakeup_all(&port->rcv_waitq);
    if (port->msg_head) {
        ipc_pset_ready_add(pset, port);
        waitq_wakeup_one(&pset->rcv_waitq);
    }
}

/* port leaves its set. */
void ipc_pset_remove(struct ipc_port *port)
{
    struct ipc_pset *pset = port->pset;

    KASSERT(pset);
    if (port->ready)
        ipc_pset_ready_remove(pset, port);
    if (port->member_prev)
        port->member_prev->member_next = port->member_next;
    else
        pset->members = port->member_next;
    if (port->member_next)
        port->member_next->member_prev = port->member_prev;
    port->member_next = port->member_prev = NULL;
    port->pset = NULL;
}

/* Put member port (which has messages) at the back of the ready list. */
void ipc_pset_ready_add(struct ipc_pset *pset, struct ipc_port *port)
{
    KASSERT(!port->ready && port->pset == pset);
    port->ready = true;
    port->ready_next = NULL;
    port->ready_prev = pset->ready_tail;
    if (pset->ready_tail)
        pset->ready_tail->ready_next = port;
    else
        pset->ready_head = port;
    pset->ready_tail = port;
}

/* Take member port off the ready list. */
void ipc_pset_ready_remove(struct ipc_pset *pset, struct ipc_port *port)
{
    KASSERT(port->ready && port->pset == pset);
    if (port->ready_prev)
        port->ready_prev->ready_next = port->ready_next;
    else
        pset->ready_head = port->ready_next;
    if (port->ready_next)
        port->ready_next->ready_prev = port->ready_prev;
    else
        pset->ready_tail = port->ready_prev;
    port->ready_next = port->ready_prev = NULL;
    port->ready = false;
}
