/* The port-management system calls (SYS_port_*), on the caller's space.
 * Each decodes its arguments completely, then acts: an error changes
 * nothing. */
#include "ipc_internal.h"
#include "kern/kernel.h"
#include "kern/panic.h"

/* New receive right, port set or dead name in space. */
kern_return_t ipc_port_allocate_name(struct ipc_space *space, uint32_t right,
                                     mach_port_name_t *name)
{
    struct ipc_entry *entry;
    void *object = NULL;
    kern_return_t kr;

    if (!space || !space->active)
        return KERN_INVALID_TASK;
    if (!name)
        return KERN_INVALID_ARGUMENT;
    if (right != MACH_PORT_RIGHT_RECEIVE && right != MACH_PORT_RIGHT_PORT_SET &&
        right != MACH_PORT_RIGHT_DEAD_NAME)
        return KERN_INVALID_VALUE;
    kr = ipc_space_reserve(space, 1);
    if (kr != KERN_SUCCESS)
        return kr;
    if (right == MACH_PORT_RIGHT_RECEIVE)
        object = ipc_port_alloc();
    else if (right == MACH_PORT_RIGHT_PORT_SET)
        object = ipc_pset_alloc();
    if (right != MACH_PORT_RIGHT_DEAD_NAME && !object)
        return KERN_RESOURCE_SHORTAGE;
    entry = ipc_entry_alloc(space);
    KASSERT(entry);
    entry->type = MACH_PORT_TYPE(right);
    entry->object = object;
    entry->urefs = right == MACH_PORT_RIGHT_DEAD_NAME ? 1 : 0;
    *name = ipc_entry_name(space, entry);
    if (right == MACH_PORT_RIGHT_RECEIVE) {
        struct ipc_port *port = object;
        ipc_hash_insert(space, entry);
        port->receiver = space;
        port->receiver_name = *name;
    }
    return KERN_SUCCESS;
}

/* Drop one user reference of a send right or dead name, or destroy a
 * send-once right (its port hears MACH_NOTIFY_SEND_ONCE). */
kern_return_t ipc_port_deallocate_name(struct ipc_space *space, mach_port_name_t name)
{
    struct ipc_entry *entry;

    if (!space || !space->active)
        return KERN_INVALID_TASK;
    entry = ipc_entry_lookup(space, name);
    if (!entry)
        return KERN_INVALID_NAME;
    if (entry->type & MACH_PORT_TYPE_SEND) {
        ipc_right_drop_send(space, entry, 1);
    } else if (entry->type & MACH_PORT_TYPE_DEAD_NAME) {
        ipc_right_drop_dead(space, entry, 1);
    } else if (entry->type & MACH_PORT_TYPE_SEND_ONCE) {
        ipc_port_release_send_once(ipc_right_take_sonce(space, entry));
    } else {
        return KERN_INVALID_RIGHT;
    }
    return KERN_SUCCESS;
}

/* urefs + delta within 0..MACH_PORT_UREFS_MAX, or an error. */
static kern_return_t urefs_check(uint32_t urefs, int32_t delta)
{
    int64_t n = (int64_t)urefs + delta;

    if (n < 0)
        return KERN_INVALID_VALUE;
    if (n > MACH_PORT_UREFS_MAX)
        return KERN_UREFS_OVERFLOW;
    return KERN_SUCCESS;
}

/* Change the references name holds for `right`: SEND and DEAD_NAME by
 * delta (0 urefs removes the right), RECEIVE / SEND_ONCE / PORT_SET only
 * by -1 (destroying it) or 0. */
kern_return_t ipc_port_mod_refs(struct ipc_space *space, mach_port_name_t name,
                                uint32_t right, int32_t delta)
{
    struct ipc_entry *entry;
    kern_return_t kr;

    if (!space || !space->active)
        return KERN_INVALID_TASK;
    if (right > MACH_PORT_RIGHT_DEAD_NAME)
        return KERN_INVALID_VALUE;
    entry = ipc_entry_lookup(space, name);
    if (!entry)
        return KERN_INVALID_NAME;
    if (!(entry->type & MACH_PORT_TYPE(right)))
        return KERN_INVALID_RIGHT;

    switch (right) {
    case MACH_PORT_RIGHT_SEND:
    case MACH_PORT_RIGHT_DEAD_NAME:
        kr = urefs_check(entry->urefs, delta);
        if (kr != KERN_SUCCESS)
            return kr;
        if (delta > 0)
            entry->urefs += (uint32_t)delta;
        else if (right == MACH_PORT_RIGHT_SEND)
            ipc_right_drop_send(space, entry, (uint32_t)-(int64_t)delta);
        else
            ipc_right_drop_dead(space, entry, (uint32_t)-(int64_t)delta);
        return KERN_SUCCESS;
    default:
        break;
    }
    if (delta == 0)
        return KERN_SUCCESS;
    if (delta != -1)
        return KERN_INVALID_VALUE;
    switch (right) {
    case MACH_PORT_RIGHT_RECEIVE:
        ipc_right_destroy_receive(space, entry);
        break;
    case MACH_PORT_RIGHT_SEND_ONCE:
        ipc_port_release_send_once(ipc_right_take_sonce(space, entry));
        break;
    case MACH_PORT_RIGHT_PORT_SET: {
        struct ipc_pset *pset = entry->object;
        ipc_entry_free(space, entry);
        ipc_pset_destroy(pset);
        ipc_pset_release(pset);
        break;
    }
    }
    return KERN_SUCCESS;
}

/* Add a send right to our own receive right under its name: MAKE_SEND
 * makes one, COPY_SEND copies the send right the name already holds. */
kern_return_t ipc_port_insert_right(struct ipc_space *space, mach_port_name_t name,
                                    uint32_t disposition)
{
    struct ipc_entry *entry;
    struct ipc_port *port;

    if (space && space->active && disposition != MACH_MSG_TYPE_MAKE_SEND &&
        disposition != MACH_MSG_TYPE_COPY_SEND)
        return KERN_INVALID_VALUE;
    kern_return_t kr = ipc_entry_lookup_type(space, name, MACH_PORT_TYPE_RECEIVE, &entry);
    if (kr != KERN_SUCCESS)
        return kr;
    if (disposition == MACH_MSG_TYPE_COPY_SEND && !(entry->type & MACH_PORT_TYPE_SEND))
        return KERN_INVALID_RIGHT;
    if (entry->urefs >= MACH_PORT_UREFS_MAX)
        return KERN_UREFS_OVERFLOW;
    port = entry->object;
    if (disposition == MACH_MSG_TYPE_MAKE_SEND)
        port->mscount++;
    if (!(entry->type & MACH_PORT_TYPE_SEND)) {
        entry->type |= MACH_PORT_TYPE_SEND;
        port->srights++;
    }
    entry->urefs++;
    return KERN_SUCCESS;
}

/* Put our receive right `member` into port set `set` (leaving any set it
 * was in), or take it out of its set with set = MACH_PORT_NULL. */
kern_return_t ipc_port_move_member(struct ipc_space *space, mach_port_name_t member,
                                   mach_port_name_t set)
{
    struct ipc_entry *me, *se;
    struct ipc_port *port;
    struct ipc_pset *pset;

    kern_return_t kr = ipc_entry_lookup_type(space, member, MACH_PORT_TYPE_RECEIVE, &me);
    if (kr != KERN_SUCCESS)
        return kr;
    port = me->object;
    if (set == MACH_PORT_NULL) {
        if (!port->pset)
            return KERN_NOT_IN_SET;
        ipc_pset_remove(port);
        return KERN_SUCCESS;
    }
    se = ipc_entry_lookup(space, set);
    if (!se)
        return KERN_INVALID_NAME;
    if (!(se->type & MACH_PORT_TYPE_PORT_SET))
        return KERN_INVALID_RIGHT;
    pset = se->object;
    if (port->pset == pset)
        return KERN_SUCCESS;
    if (port->pset)
        ipc_pset_remove(port);
    ipc_pset_add(pset, port);
    return KERN_SUCCESS;
}

/* Set how many messages the receive right `name` queues before senders
 * wait (1..MACH_PORT_QLIMIT_MAX); raising it lets waiting senders retry. */
kern_return_t ipc_port_set_qlimit(struct ipc_space *space, mach_port_name_t name,
                                  uint32_t limit)
{
    struct ipc_entry *entry;
    struct ipc_port *port;

    if (space && space->active && (limit < 1 || limit > MACH_PORT_QLIMIT_MAX))
        return KERN_INVALID_VALUE;
    kern_return_t kr = ipc_entry_lookup_type(space, name, MACH_PORT_TYPE_RECEIVE, &entry);
    if (kr != KERN_SUCCESS)
        return kr;
    port = entry->object;
    if (limit > port->qlimit)
        waitq_wakeup_all(&port->snd_waitq);
    port->qlimit = limit;
    return KERN_SUCCESS;
}
