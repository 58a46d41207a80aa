/* Rights in name spaces: giving a space a right (merging with the name it
 * already has for the port), taking rights out of entries, destroying them,
 * and the kernel's own ways to hand out rights. */
#include "ipc_internal.h"
#include "kern/kernel.h"
#include "kern/panic.h"

/* Give space the right `type` (MACH_MSG_TYPE_PORT_*) to port, with the
 * reference that comes with it; returns the name.  A send right joins the
 * space's existing send / receive entry for port (urefs saturate at
 * MACH_PORT_UREFS_MAX), a receive right joins its send entry; a right to a
 * dead port arrives as MACH_PORT_DEAD.  The caller reserved a name for every
 * right it copies out, so this cannot fail. */
mach_port_name_t ipc_right_copyout(struct ipc_space *space, struct ipc_port *port,
                                   uint8_t type)
{
    struct ipc_entry *entry;
    mach_port_name_t name;

    switch (type) {
    case MACH_MSG_TYPE_PORT_SEND:
        if (!port->active) {
            ipc_port_release_send(port);
            return MACH_PORT_DEAD;
        }
        entry = ipc_space_find_port(space, port);
        if (entry) {
            /* Our entry already counts in srights and holds a reference. */
            if (entry->type & MACH_PORT_TYPE_SEND) {
                if (entry->urefs < MACH_PORT_UREFS_MAX)
                    entry->urefs++;
                ipc_port_srights_dec(port);
            } else {
                entry->type |= MACH_PORT_TYPE_SEND;
                entry->urefs = 1;
            }
            ipc_port_release(port);
            return ipc_entry_name(space, entry);
        }
        entry = ipc_entry_alloc(space);
        KASSERT(entry);
        entry->type = MACH_PORT_TYPE_SEND;
        entry->urefs = 1;
        entry->object = port;
        ipc_hash_insert(space, entry);
        return ipc_entry_name(space, entry);

    case MACH_MSG_TYPE_PORT_SEND_ONCE:
        if (!port->active) {
            ipc_port_release_sonce_silent(port);
            return MACH_PORT_DEAD;
        }
        entry = ipc_entry_alloc(space);
        KASSERT(entry);
        entry->type = MACH_PORT_TYPE_SEND_ONCE;
        entry->urefs = 1;
        entry->object = port;
        return ipc_entry_name(space, entry);

    case MACH_MSG_TYPE_PORT_RECEIVE:
        KASSERT(port->active && !port->receiver);
        entry = ipc_space_find_port(space, port);
        if (entry) {
            KASSERT(entry->type == MACH_PORT_TYPE_SEND);
            entry->type |= MACH_PORT_TYPE_RECEIVE;
            ipc_port_release(port);
        } else {
            entry = ipc_entry_alloc(space);
            KASSERT(entry);
            entry->type = MACH_PORT_TYPE_RECEIVE;
            entry->object = port;
            ipc_hash_insert(space, entry);
        }
        name = ipc_entry_name(space, entry);
        port->receiver = space;
        port->receiver_name = name;
        port->transit_dest = NULL;
        return name;
    }
    panic("ipc_right_copyout: type %u", type);
}

/* Destroy a right a message carried (with its reference): a receive right
 * kills its port, a send-once right sends MACH_NOTIFY_SEND_ONCE. */
void ipc_right_release_carried(struct ipc_port *port, uint8_t type)
{
    switch (type) {
    case MACH_MSG_TYPE_PORT_SEND:
        ipc_port_release_send(port);
        return;
    case MACH_MSG_TYPE_PORT_SEND_ONCE:
        ipc_port_release_send_once(port);
        return;
    case MACH_MSG_TYPE_PORT_RECEIVE:
        port->transit_dest = NULL;
        ipc_port_destroy(port);
        ipc_port_release(port);
        return;
    }
    panic("ipc_right_release_carried: type %u", type);
}

/* Take n of entry's send urefs; the last removes its send right (and the
 * entry unless it holds the receive right too). */
void ipc_right_drop_send(struct ipc_space *space, struct ipc_entry *entry, uint32_t n)
{
    struct ipc_port *port = entry->object;

    KASSERT((entry->type & MACH_PORT_TYPE_SEND) && entry->urefs >= n);
    entry->urefs -= n;
    if (entry->urefs > 0 || n == 0)
        return;
    if (entry->dnreq)
        ipc_dnrequest_cancel(entry);
    if (entry->type & MACH_PORT_TYPE_RECEIVE) {
        entry->type &= ~MACH_PORT_TYPE_SEND;
        ipc_port_srights_dec(port);
        return;
    }
    ipc_hash_remove(space, entry);
    ipc_entry_free(space, entry);
    ipc_port_release_send(port);
}

/* Take n of a dead name's urefs; the last removes the name. */
void ipc_right_drop_dead(struct ipc_space *space, struct ipc_entry *entry, uint32_t n)
{
    KASSERT(entry->type == MACH_PORT_TYPE_DEAD_NAME && entry->urefs >= n);
    entry->urefs -= n;
    if (entry->urefs == 0 && n > 0)
        ipc_entry_free(space, entry);
}

/* Remove entry's send-once right from space and hand it (with its
 * reference) to the caller. */
struct ipc_port *ipc_right_take_sonce(struct ipc_space *space, struct ipc_entry *entry)
{
    struct ipc_port *port = entry->object;

    KASSERT(entry->type == MACH_PORT_TYPE_SEND_ONCE);
    if (entry->dnreq)
        ipc_dnrequest_cancel(entry);
    ipc_entry_free(space, entry);
    return port;
}

/* Destroy the receive right in entry: the port dies.  A send right under
 * the same name stays, to become a dead name on its next lookup. */
void ipc_right_destroy_receive(struct ipc_space *space, struct ipc_entry *entry)
{
    struct ipc_port *port = entry->object;

    KASSERT((entry->type & MACH_PORT_TYPE_RECEIVE) && port->receiver == space);
    if (entry->type & MACH_PORT_TYPE_SEND) {
        entry->type &= ~MACH_PORT_TYPE_RECEIVE;
        ipc_port_destroy(port);
        return;
    }
    ipc_hash_remove(space, entry);
    ipc_entry_free(space, entry);
    ipc_port_destroy(port);
    ipc_port_release(port);
}

/* Remove entry and destroy whatever it holds (space teardown).  Its
 * dead-name request, if any, is already gone. */
void ipc_right_destroy_entry(struct ipc_space *space, struct ipc_entry *entry)
{
    struct ipc_entry e = *entry;
    struct ipc_port *port = e.object;

    KASSERT(!e.dnreq);
    if (e.type & (MACH_PORT_TYPE_SEND | MACH_PORT_TYPE_RECEIVE))
        ipc_hash_remove(space, entry);
    ipc_entry_free(space, entry);
    /* The space is consistent again before anything below calls out. */
    if (e.type & MACH_PORT_TYPE_RECEIVE) {
        port->receiver = NULL;
        port->receiver_name = MACH_PORT_NULL;
        ipc_port_destroy(port);
    }
    if (e.type & MACH_PORT_TYPE_SEND)
        ipc_port_srights_dec(port);
    if (e.type & (MACH_PORT_TYPE_SEND | MACH_PORT_TYPE_RECEIVE))
        ipc_port_release(port);
    if (e.type & MACH_PORT_TYPE_SEND_ONCE)
        ipc_port_release_send_once(port);
    if (e.type & MACH_PORT_TYPE_PORT_SET) {
        ipc_pset_destroy(e.object);
        ipc_pset_release(e.object);
    }
}

/* Give space one more send right to the live port (made if make, else
 * copied): the name it already uses for port, or a new one. */
static kern_return_t give_send(struct ipc_space *space, struct ipc_port *port, bool make,
                               mach_port_name_t *name)
{
    struct ipc_entry *entry = ipc_space_find_port(space, port);
    kern_return_t kr;

    if (entry && (entry->type & MACH_PORT_TYPE_SEND) &&
        entry->urefs >= MACH_PORT_UREFS_MAX)
        return KERN_UREFS_OVERFLOW;
    if (!entry) {
        kr = ipc_space_reserve(space, 1);
        if (kr != KERN_SUCCESS)
            return kr;
    }
    if (make)
        port->mscount++;
    port->srights++;
    ipc_port_reference(port);
    *name = ipc_right_copyout(space, port, MACH_MSG_TYPE_PORT_SEND);
    return KERN_SUCCESS;
}

/* Give space a new send right to port (made now, counting in mscount); a
 * dead port gives MACH_PORT_DEAD. */
kern_return_t ipc_right_copyout_send(struct ipc_space *space, struct ipc_port *port,
                                     mach_port_name_t *name)
{
    if (!space || !port || !name)
        return KERN_INVALID_ARGUMENT;
    if (!space->active)
        return KERN_INVALID_TASK;
    if (!port->active) {
        *name = MACH_PORT_DEAD;
        return KERN_SUCCESS;
    }
    return give_send(space, port, true, name);
}

/* Copy from's send right `name` into to: MACH_PORT_NULL stays NULL, a dead
 * name arrives as MACH_PORT_DEAD; anything but a send right is
 * KERN_INVALID_NAME / KERN_INVALID_RIGHT and changes nothing. */
kern_return_t ipc_right_copy_send(struct ipc_space *from, mach_port_name_t name,
                                  struct ipc_space *to, mach_port_name_t *out)
{
    struct ipc_entry *entry;

    if (!from || !to || !out)
        return KERN_INVALID_ARGUMENT;
    if (!from->active || !to->active)
        return KERN_INVALID_TASK;
    if (name == MACH_PORT_NULL || name == MACH_PORT_DEAD) {
        *out = name;
        return KERN_SUCCESS;
    }
    entry = ipc_entry_lookup(from, name);
    if (!entry)
        return KERN_INVALID_NAME;
    if (entry->type & MACH_PORT_TYPE_DEAD_NAME) {
        *out = MACH_PORT_DEAD;
        return KERN_SUCCESS;
    }
    if (!(entry->type & MACH_PORT_TYPE_SEND))
        return KERN_INVALID_RIGHT;
    return give_send(to, entry->object, false, out);
}

/* A send-once right to space's receive right `name`, for the kernel. */
kern_return_t ipc_right_make_send_once(struct ipc_space *space, mach_port_name_t name,
                                       struct ipc_port **out)
{
    struct ipc_entry *entry;

    if (!space || !out)
        return KERN_INVALID_ARGUMENT;
    kern_return_t kr = ipc_entry_lookup_type(space, name, MACH_PORT_TYPE_RECEIVE, &entry);
    if (kr != KERN_SUCCESS)
        return kr;
    *out = ipc_port_make_send_once(entry->object);
    return KERN_SUCCESS;
}

/* mach_port_type: the rights name denotes (MACH_PORT_TYPE_* bits) and its
 * user references: send urefs with a send right, a dead name's urefs,
 * otherwise 1. */
kern_return_t ipc_port_type(struct ipc_space *space, mach_port_name_t name,
                            uint32_t *type, uint32_t *urefs)
{
    struct ipc_entry *entry;

    if (!space)
        return KERN_INVALID_TASK;
    entry = ipc_entry_lookup(space, name);
    if (!entry)
        return KERN_INVALID_NAME;
    if (type)
        *type = entry->type;
    if (urefs) {
        if (entry->type & (MACH_PORT_TYPE_SEND | MACH_PORT_TYPE_DEAD_NAME))
            *urefs = entry->urefs;
        else
            *urefs = 1;
    }
    return KERN_SUCCESS;
}
