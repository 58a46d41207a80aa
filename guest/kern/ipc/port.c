/* Ports: allocation and references, the message queue, send-right
 * accounting, death, and kernel-object ports.  The reference rules are at
 * the top of ipc_internal.h. */
#include "ipc_internal.h"
#include "kern/kernel.h"
#include "kern/panic.h"
#include "string.h"

uint32_t ipc_port_count;
uint32_t ipc_pset_count;
uint32_t ipc_kmsg_count;

/* A new active port; the caller's one reference stands for its receive
 * right.  NULL when out of memory. */
struct ipc_port *ipc_port_alloc(void)
{
    struct ipc_port *port = kmalloc(sizeof(*port));

    if (!port)
        return NULL;
    memset(port, 0, sizeof(*port));
    port->refs = 1;
    port->active = true;
    port->qlimit = MACH_PORT_QLIMIT_DEFAULT;
    waitq_init(&port->rcv_waitq);
    waitq_init(&port->snd_waitq);
    ipc_port_count++;
    return port;
}

/* Free port: its last reference is gone (ipc_port_release). */
void ipc_port_free(struct ipc_port *port)
{
    KASSERT(port->refs == 0 && !port->active);
    KASSERT(!port->msg_head && port->msgcount == 0);
    KASSERT(!port->rcv_waitq.head && !port->snd_waitq.head);
    KASSERT(!port->pset && !port->nsrequest && !port->dnrequests);
    kfree(port);
    ipc_port_count--;
}

/* Append kmsg (already aimed at port) to the queue and wake one receiver. */
void ipc_port_enqueue(struct ipc_port *port, struct ipc_kmsg *kmsg)
{
    kmsg->next = NULL;
    if (port->msg_tail)
        port->msg_tail->next = kmsg;
    else
        port->msg_head = kmsg;
    port->msg_tail = kmsg;
    port->msgcount++;
    if (port->pset) {
        if (!port->ready)
            ipc_pset_ready_add(port->pset, port);
        ipc_wakeup_one(&port->pset->rcv_waitq);
    } else {
        ipc_wakeup_one(&port->rcv_waitq);
    }
}

/* Take the first message off port's queue; a waiting sender may go on. */
struct ipc_kmsg *ipc_port_dequeue(struct ipc_port *port)
{
    struct ipc_kmsg *kmsg = port->msg_head;

    KASSERT(kmsg && port->msgcount > 0);
    port->msg_head = kmsg->next;
    if (!port->msg_head)
        port->msg_tail = NULL;
    port->msgcount--;
    kmsg->next = NULL;
    if (port->pset) {
        /* Round robin: a member that still has messages goes to the back. */
        ipc_pset_ready_remove(port->pset, port);
        if (port->msg_head)
            ipc_pset_ready_add(port->pset, port);
    }
    ipc_wakeup_one(&port->snd_waitq);
    return kmsg;
}

/* One send right to port is gone (the caller still holds a reference, and
 * drops it after: a no-senders callout may run here). */
void ipc_port_srights_dec(struct ipc_port *port)
{
    KASSERT(port->srights > 0);
    if (--port->srights > 0 || !port->active)
        return;
    if (port->nsrequest) {
        struct ipc_port *so = port->nsrequest;
        port->nsrequest = NULL;
        ipc_notify(so, MACH_NOTIFY_NO_SENDERS, MACH_PORT_NULL, port->mscount);
    }
    if (port->kotype != IKOT_NONE)
        ipc_kobject_no_senders(port, port->kotype, port->kobject);
}

/* Drop a send right and the reference that came with it. */
void ipc_port_release_send(struct ipc_port *port)
{
    ipc_port_srights_dec(port);
    ipc_port_release(port);
}

/* Drop a send-once right and its reference with no notification (it was
 * used, or its port is dead). */
void ipc_port_release_sonce_silent(struct ipc_port *port)
{
    KASSERT(port->sorights > 0);
    port->sorights--;
    ipc_port_release(port);
}

/* A new send-once right to port (with its reference), for the kernel. */
struct ipc_port *ipc_port_make_send_once(struct ipc_port *port)
{
    port->sorights++;
    ipc_port_reference(port);
    return port;
}

/* A send-once right destroyed unused: its port hears MACH_NOTIFY_SEND_ONCE
 * through it. */
void ipc_port_release_send_once(struct ipc_port *so_port)
{
    KASSERT(so_port);
    ipc_notify(so_port, MACH_NOTIFY_SEND_ONCE, MACH_PORT_NULL, 0);
}

/* Kill port: its receive right has been destroyed.  Queued messages are
 * destroyed with what they carry, its set lets it go, sleepers wake (and
 * find it dead), its requests fire.  Entries elsewhere that name it become
 * dead names when next looked up.  References are the callers' to drop. */
void ipc_port_destroy(struct ipc_port *port)
{
    struct ipc_kmsg *queue = port->msg_head;

    KASSERT(port->active && port->refs > 0);
    port->active = false;
    port->receiver = NULL;
    port->receiver_name = MACH_PORT_NULL;
    port->transit_dest = NULL;
    if (port->pset)
        ipc_pset_remove(port);
    port->msg_head = port->msg_tail = NULL;
    port->msgcount = 0;
    waitq_wakeup_all(&port->rcv_waitq);
    waitq_wakeup_all(&port->snd_waitq);
    if (port->nsrequest) {
        struct ipc_port *so = port->nsrequest;
        port->nsrequest = NULL;
        ipc_port_release_send_once(so);
    }
    ipc_port_fire_dnrequests(port);
    /* Last: destroying messages can kill more ports (receive rights they
     * carry); that runs as a loop in ipc_kmsg_destroy_queue, not a
     * recursion. */
    ipc_kmsg_destroy_queue(queue);
}

/* A port standing for a kernel object, held (receive right and one
 * reference) by the caller. */
struct ipc_port *ipc_port_alloc_kobject(enum ipc_kobject_type type, void *object)
{
    struct ipc_port *port;

    KASSERT(type != IKOT_NONE);
    port = ipc_port_alloc();
    if (!port)
        return NULL;
    port->kotype = type;
    port->kobject = object;
    return port;
}

/* The kernel object is going: kill its port and drop the owner's reference.
 * Send rights to it become dead names. */
void ipc_port_kobject_destroy(struct ipc_port *port)
{
    KASSERT(port && port->kotype != IKOT_NONE && port->active);
    port->kobject = NULL;
    ipc_port_destroy(port);
    ipc_port_release(port);
}

/* The object behind the send right name in space, if it is a live port of
 * the given kernel-object type. */
void *ipc_space_lookup_kobject(struct ipc_space *space, mach_port_name_t name,
                               enum ipc_kobject_type type, kern_return_t *kr)
{
    struct ipc_entry *entry = space ? ipc_entry_lookup(space, name) : NULL;
    struct ipc_port *port;
    kern_return_t result;
    void *object = NULL;

    if (!entry) {
        result = KERN_INVALID_NAME;
    } else if (!(entry->type & MACH_PORT_TYPE_SEND)) {
        result = KERN_INVALID_RIGHT;
    } else {
        port = entry->object;
        if (type == IKOT_NONE || port->kotype != type || !port->kobject) {
            result = KERN_INVALID_CAPABILITY;
        } else {
            result = KERN_SUCCESS;
            object = port->kobject;
        }
    }
    if (kr)
        *kr = result;
    return object;
}
