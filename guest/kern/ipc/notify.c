/* Notifications: kernel messages sent through send-once rights, and the
 * requests (dead-name, no-senders) that ask for them.
 *
 * Deviations from Mach, on purpose:
 *  - A dead-name request dies silently with the right it watches: if the
 *    requester deallocates (or moves away) its send / send-once right before
 *    the port dies, the request's send-once right is destroyed without a
 *    MACH_NOTIFY_SEND_ONCE (Mach would send a port-deleted notification).
 *    The same happens when the name keeps only a receive right.
 *  - A request replaced or cancelled (notify = MACH_PORT_NULL) releases the
 *    old send-once right as ipc_port_release_send_once does, so its port
 *    hears MACH_NOTIFY_SEND_ONCE (Mach hands the old right back instead). */
#include "ipc_internal.h"
#include "kern/kernel.h"
#include "kern/panic.h"
#include "string.h"

/* Send notification id through so_port, consuming it. */
void ipc_notify(struct ipc_port *so_port, mach_msg_id_t id,
                mach_port_name_t name, uint32_t count)
{
    mach_notification_t n;

    memset(&n, 0, sizeof(n));
    n.not_header.msgh_size = sizeof(n);
    n.not_header.msgh_id = id;
    n.not_port = name;
    n.not_count = count;
    ipc_kernel_send_once(so_port, &n.not_header, sizeof(n));
}

/* Queue a kernel message on so_port's port, consuming the send-once right.
 * Ignores qlimit; a dead or kernel-object port, or no memory, drops it. */
void ipc_kernel_send_once(struct ipc_port *so_port, const mach_msg_header_t *msg,
                          mach_msg_size_t size)
{
    struct ipc_kmsg *kmsg;
    mach_msg_header_t *h;

    KASSERT(so_port && so_port->sorights > 0);
    KASSERT(msg && size >= sizeof(*msg) && size % 4 == 0 &&
            size <= MACH_MSG_SIZE_MAX);
    if (!so_port->active || so_port->kotype != IKOT_NONE) {
        ipc_port_release_sonce_silent(so_port);
        return;
    }
    kmsg = ipc_kmsg_alloc(size);
    if (!kmsg) {
        ipc_port_release_sonce_silent(so_port);
        return;
    }
    memcpy(kmsg->data, msg, size);
    h = ikm_header(kmsg);
    h->msgh_bits = 0;
    h->msgh_size = size;
    h->msgh_remote_port = MACH_PORT_NULL;
    h->msgh_local_port = MACH_PORT_NULL;
    h->msgh_sender = 0;
    kmsg->dest = so_port;
    kmsg->dest_type = MACH_MSG_TYPE_PORT_SEND_ONCE;
    ipc_port_enqueue(so_port, kmsg);
}

/* Unlink request r from its port's list. */
static void dnrequest_unlink(struct ipc_dnrequest *r)
{
    if (r->prev)
        r->prev->next = r->next;
    else
        r->port->dnrequests = r->next;
    if (r->next)
        r->next->prev = r->prev;
    r->next = r->prev = NULL;
}

/* port just died: tell every requester its name is dead. */
void ipc_port_fire_dnrequests(struct ipc_port *port)
{
    struct ipc_dnrequest *r;

    /* Each pass takes one request off the list; nothing adds to a dead
     * port's list. */
    while ((r = port->dnrequests) != NULL) {
        struct ipc_entry *entry = ipc_entry_lookup_raw(r->space, r->name);
        struct ipc_port *notify = r->notify;
        mach_port_name_t name = r->name;

        dnrequest_unlink(r);
        KASSERT(entry && entry->dnreq == r);
        entry->dnreq = NULL;
        kfree(r);
        ipc_notify(notify, MACH_NOTIFY_DEAD_NAME, name, 0);
    }
}

/* The right entry's request watches is leaving the name: drop the request
 * and its send-once right without a notification. */
void ipc_dnrequest_cancel(struct ipc_entry *entry)
{
    struct ipc_dnrequest *r = entry->dnreq;

    KASSERT(r);
    entry->dnreq = NULL;
    dnrequest_unlink(r);
    ipc_port_release_sonce_silent(r->notify);
    kfree(r);
}

/* Dead-name request on entry (a send / send-once right or dead name of
 * space): notify NULL cancels. */
static kern_return_t request_dead_name(struct ipc_space *space, mach_port_name_t name,
                                       struct ipc_entry *entry, struct ipc_port *notify)
{
    struct ipc_dnrequest *r = entry->dnreq;

    if (entry->type & MACH_PORT_TYPE_DEAD_NAME) {
        /* Already dead: tell them now. */
        if (notify)
            ipc_notify(ipc_port_make_send_once(notify), MACH_NOTIFY_DEAD_NAME, name, 0);
        return KERN_SUCCESS;
    }
    if (!(entry->type & (MACH_PORT_TYPE_SEND | MACH_PORT_TYPE_SEND_ONCE)))
        return KERN_INVALID_RIGHT;
    if (!notify) {
        if (r) {
            struct ipc_port *old = r->notify;
            entry->dnreq = NULL;
            dnrequest_unlink(r);
            kfree(r);
            ipc_port_release_send_once(old);
        }
        return KERN_SUCCESS;
    }
    if (r) {
        struct ipc_port *old = r->notify;
        r->notify = ipc_port_make_send_once(notify);
        ipc_port_release_send_once(old);
        return KERN_SUCCESS;
    }
    r = kmalloc(sizeof(*r));
    if (!r)
        return KERN_RESOURCE_SHORTAGE;
    r->port = entry->object;
    r->space = space;
    r->name = name;
    r->notify = ipc_port_make_send_once(notify);
    r->prev = NULL;
    r->next = r->port->dnrequests;
    if (r->next)
        r->next->prev = r;
    r->port->dnrequests = r;
    entry->dnreq = r;
    return KERN_SUCCESS;
}

/* No-senders request on the receive right in entry: notify NULL cancels.
 * Fires at once if there are no send rights now. */
static kern_return_t request_no_senders(struct ipc_entry *entry, struct ipc_port *notify)
{
    struct ipc_port *port, *old;

    if (!(entry->type & MACH_PORT_TYPE_RECEIVE))
        return KERN_INVALID_RIGHT;
    port = entry->object;
    old = port->nsrequest;
    port->nsrequest = notify ? ipc_port_make_send_once(notify) : NULL;
    if (old)
        ipc_port_release_send_once(old);
    if (port->nsrequest && port->srights == 0) {
        struct ipc_port *so = port->nsrequest;
        port->nsrequest = NULL;
        ipc_notify(so, MACH_NOTIFY_NO_SENDERS, MACH_PORT_NULL, port->mscount);
    }
    return KERN_SUCCESS;
}

/* mach_port_request_notification: variant DEAD_NAME on a send / send-once
 * right or NO_SENDERS on a receive right; notify names a receive right of
 * space (the kernel makes a send-once right to it) or is MACH_PORT_NULL. */
kern_return_t ipc_port_request_notification(struct ipc_space *space,
                                            mach_port_name_t name, uint32_t variant,
                                            mach_port_name_t notify)
{
    struct ipc_port *nport = NULL;
    struct ipc_entry *entry;

    if (!space || !space->active)
        return KERN_INVALID_TASK;
    if (variant != MACH_NOTIFY_REQUEST_DEAD_NAME &&
        variant != MACH_NOTIFY_REQUEST_NO_SENDERS)
        return KERN_INVALID_VALUE;
    if (notify != MACH_PORT_NULL) {
        struct ipc_entry *ne = ipc_entry_lookup(space, notify);
        if (!ne || !(ne->type & MACH_PORT_TYPE_RECEIVE))
            return KERN_INVALID_CAPABILITY;
        nport = ne->object;
    }
    entry = ipc_entry_lookup(space, name);
    if (!entry)
        return KERN_INVALID_NAME;
    if (variant == MACH_NOTIFY_REQUEST_DEAD_NAME)
        return request_dead_name(space, name, entry, nport);
    return request_no_senders(entry, nport);
}
