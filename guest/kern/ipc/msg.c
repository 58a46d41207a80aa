/* mach_msg: send, receive, and both (the RPC path).
 *
 * Send: decode the whole message (ipc_kmsg_copyin); if the destination's
 * queue is full, wait for room and decode again from scratch (the space may
 * have changed meanwhile); copy OOL memory; commit the rights; enqueue.
 * Receive: find the message, check that it can be delivered (buffer size,
 * buffer writable, room for names, OOL mappings) while it is still queued,
 * then dequeue and copy out, which cannot fail.  A message without
 * descriptors (the RPC case) skips the page-by-page probe: its copyout runs
 * before the dequeue with the reply's name worked out in advance.
 *
 * Waits re-check everything when they wake; they end at the deadline, on
 * the condition, on the object's death or when the task is killed, so the
 * wait loops are bounded by those events rather than by a count. */
#include <stddef.h>

#include "ipc_internal.h"
#include "kern/kernel.h"
#include "kern/panic.h"
#include "kern/pmm.h"
#include "kern/task.h"
#include "kern/vm.h"

_Static_assert(HZ == 1000, "timeouts are milliseconds, counted in ticks");

/* The tick at which a timeout of ms milliseconds from now expires. */
static uint64_t deadline_after(uint64_t ms)
{
    uint64_t now = timer_ticks();

    return ms > UINT64_MAX - now ? UINT64_MAX : now + ms;
}

/* Send the message at umsg from task. */
static mach_msg_return_t msg_send(struct task *task, uint64_t umsg, uint32_t send_size,
                                  uint32_t option, uint64_t timeout)
{
    bool timed = option & MACH_SEND_TIMEOUT;
    uint64_t deadline = timed && timeout ? deadline_after(timeout) : 0;
    struct ipc_kmsg *kmsg;
    mach_msg_return_t mr;

    for (;;) {
        mr = ipc_kmsg_copyin(task->space, task->map, umsg, send_size, &kmsg);
        if (mr != MACH_MSG_SUCCESS)
            return mr;
        struct ipc_port *dest = kmsg->dest;
        /* A send-once right is owed its message whatever the queue. */
        if (dest->msgcount < dest->qlimit ||
            kmsg->dest_type == MACH_MSG_TYPE_PORT_SEND_ONCE)
            break;
        ipc_kmsg_free(kmsg);
        if (timed && timeout == 0)
            return MACH_SEND_QUEUE_FULL;
        if (timed && timer_ticks() >= deadline)
            return MACH_SEND_TIMED_OUT;
        ipc_port_reference(dest);
        int wr = waitq_wait(&dest->snd_waitq, deadline);
        ipc_port_release(dest);
        if (wr == WAIT_INTERRUPTED)
            return MACH_SEND_INTERRUPTED;
    }
    if (kmsg->nool) {
        mr = ipc_kmsg_copyin_ool(task->map, kmsg);
        if (mr != MACH_MSG_SUCCESS) {
            ipc_kmsg_free(kmsg);
            return mr;
        }
    }
    ipc_kmsg_commit(task->space, kmsg, task->pid);
    ipc_port_enqueue(kmsg->dest, kmsg);
    return MACH_MSG_SUCCESS;
}

/* Whether [uaddr, uaddr + len) can be written by the receiver, faulting its
 * pages in now so the copyout after the dequeue succeeds. */
static bool user_writable(struct vm_map *map, uint64_t uaddr, uint64_t len)
{
    if (!vm_user_range_ok(uaddr, len))
        return false;
    /* len <= MACH_MSG_SIZE_MAX: three pages at most. */
    for (uint64_t page = uaddr & ~(PAGE_SIZE - 1); page < uaddr + len; page += PAGE_SIZE) {
        if (vm_fault(map, page, VM_PROT_WRITE) != KERN_SUCCESS)
            return false;
    }
    return true;
}

/* Write the receiver's header into kmsg (queued on port, our receive
 * right): reply name remote, the port's name, the sender.  The kernel reads
 * nothing from a committed message's header but its size and COMPLEX bit,
 * so this may run while the message is still queued. */
static void write_header(struct ipc_port *port, struct ipc_kmsg *kmsg,
                         mach_port_name_t remote)
{
    mach_msg_header_t *h = ikm_header(kmsg);

    h->msgh_bits = MACH_MSGH_BITS(kmsg->reply_type, kmsg->dest_type) |
                   (h->msgh_bits & MACH_MSGH_BITS_COMPLEX);
    h->msgh_remote_port = remote;
    h->msgh_local_port = port->receiver_name;
    h->msgh_sender = kmsg->sender_pid;
}

/* The destination right is used up by the delivery. */
static void release_dest(struct ipc_port *port, struct ipc_kmsg *kmsg)
{
    if (kmsg->dest_type == MACH_MSG_TYPE_PORT_SEND)
        ipc_port_release_send(port);
    else
        ipc_port_release_sonce_silent(port);
}

/* Deliver dequeued kmsg's rights into space and put its header and
 * descriptors in the receiver's form.  Names were reserved: this cannot
 * fail. */
static void copyout_rights(struct ipc_space *space, struct ipc_port *port,
                           struct ipc_kmsg *kmsg)
{
    mach_port_name_t remote = kmsg->reply_type ? MACH_PORT_DEAD : MACH_PORT_NULL;

    if (kmsg->reply)
        remote = ipc_right_copyout(space, kmsg->reply, kmsg->reply_type);
    write_header(port, kmsg, remote);
    release_dest(port, kmsg);
    for (uint32_t i = 0; i < kmsg->ndesc; i++) {
        mach_msg_descriptor_t *d = ikm_descs(kmsg) + i;
        if (d->type != MACH_MSG_PORT_DESCRIPTOR)
            continue;
        if (d->address)
            d->name = ipc_right_copyout(space, (struct ipc_port *)(uintptr_t)d->address,
                                        d->disposition);
        d->address = 0;
    }
}

/* The name kmsg's reply right will get in space (which has room for it):
 * ipc_right_copyout's choice, worked out without changing anything. */
static mach_port_name_t predict_reply_name(struct ipc_space *space, struct ipc_kmsg *kmsg)
{
    struct ipc_port *reply = kmsg->reply;
    struct ipc_entry *entry;

    if (!reply)
        return kmsg->reply_type ? MACH_PORT_DEAD : MACH_PORT_NULL;
    if (!reply->active)
        return MACH_PORT_DEAD;
    if (kmsg->reply_type == MACH_MSG_TYPE_PORT_SEND &&
        (entry = ipc_space_find_port(space, reply)) != NULL)
        return ipc_entry_name(space, entry);
    return ipc_space_next_name(space);
}

/* Deliver a message without descriptors (the RPC path): the copyout, with
 * the reply's name worked out in advance, runs before the dequeue and is
 * itself the check that the buffer is writable (a buffer only partly
 * writable may be partly written).  Returns MACH_RCV_INVALID_DATA with the
 * message still queued and nothing changed. */
static mach_msg_return_t deliver_simple(struct task *task, struct ipc_port *port,
                                        struct ipc_kmsg *kmsg, uint64_t umsg)
{
    mach_port_name_t remote = predict_reply_name(task->space, kmsg);

    write_header(port, kmsg, remote);
    if (copyout(task->map, kmsg->data, umsg, kmsg->size) != KERN_SUCCESS)
        return MACH_RCV_INVALID_DATA;
    ipc_port_dequeue(port);
    if (kmsg->reply) {
        mach_port_name_t name = ipc_right_copyout(task->space, kmsg->reply,
                                                  kmsg->reply_type);
        KASSERT(name == remote);
    }
    release_dest(port, kmsg);
    ipc_kmsg_free(kmsg);
    return MACH_MSG_SUCCESS;
}

/* Deliver the first message queued on port (ours, or a member of the set
 * we receive on) into the buffer at umsg.  Every check runs while the
 * message is still queued, in this order: size, buffer writable, room for
 * names, OOL mappings; a failed one leaves it there and passes the wakeup
 * on to another receiver on wq. */
static mach_msg_return_t deliver(struct task *task, struct ipc_port *port, uint64_t umsg,
                                 uint32_t rcv_size, struct waitq *wq)
{
    struct ipc_kmsg *kmsg = port->msg_head;
    mach_msg_return_t mr;

    if (kmsg->size > rcv_size) {
        uint32_t need = kmsg->size;
        mr = copyout(task->map, &need, umsg + offsetof(mach_msg_header_t, msgh_size),
                     sizeof(need)) == KERN_SUCCESS ? MACH_RCV_TOO_LARGE
                                                   : MACH_RCV_INVALID_DATA;
        goto keep;
    }
    if (kmsg->ndesc == 0 && ipc_space_has_room(task->space, kmsg->nrights)) {
        mr = deliver_simple(task, port, kmsg, umsg);
        if (mr != MACH_MSG_SUCCESS)
            goto keep;
        return mr;
    }
    if (!user_writable(task->map, umsg, kmsg->size)) {
        mr = MACH_RCV_INVALID_DATA;
        goto keep;
    }
    if (!ipc_space_has_room(task->space, kmsg->nrights) &&
        ipc_space_reserve(task->space, kmsg->nrights) != KERN_SUCCESS) {
        mr = MACH_RCV_HEADER_ERROR;
        goto keep;
    }
    if (kmsg->nool) {
        mr = ipc_ool_map(task->map, kmsg);
        if (mr != MACH_MSG_SUCCESS)
            goto keep;
    }
    ipc_port_dequeue(port);
    copyout_rights(task->space, port, kmsg);
    /* The buffer was faulted in writable just now and nothing since could
     * unmap it; should the copy fail anyway, the rights stay with the
     * receiver under their names. */
    mr = copyout(task->map, kmsg->data, umsg, kmsg->size) == KERN_SUCCESS
             ? MACH_MSG_SUCCESS : MACH_RCV_INVALID_DATA;
    ipc_kmsg_free(kmsg);
    return mr;

keep:
    ipc_wakeup_one(wq);
    return mr;
}

/* What rcv_name denotes for receiving: a receive right not in a set
 * (*port) or a port set (*pset). */
static mach_msg_return_t rcv_lookup(struct ipc_space *space, mach_port_name_t name,
                                    struct ipc_port **port, struct ipc_pset **pset)
{
    struct ipc_entry *entry = ipc_entry_lookup(space, name);

    if (!entry)
        return MACH_RCV_INVALID_NAME;
    if (entry->type & MACH_PORT_TYPE_RECEIVE) {
        struct ipc_port *p = entry->object;
        if (p->pset)
            return MACH_RCV_IN_SET;
        *port = p;
        return MACH_MSG_SUCCESS;
    }
    if (entry->type & MACH_PORT_TYPE_PORT_SET) {
        *pset = entry->object;
        return MACH_MSG_SUCCESS;
    }
    return MACH_RCV_INVALID_NAME;
}

/* Receive a message on rcv_name into the buffer at umsg. */
static mach_msg_return_t msg_receive(struct task *task, uint64_t umsg, uint32_t rcv_size,
                                     mach_port_name_t rcv_name, uint32_t option,
                                     uint64_t timeout)
{
    bool timed = option & MACH_RCV_TIMEOUT;
    uint64_t deadline = timed && timeout ? deadline_after(timeout) : 0;
    mach_msg_return_t mr;
    int wr;

    for (;;) {
        struct ipc_port *port = NULL;
        struct ipc_pset *pset = NULL;

        mr = rcv_lookup(task->space, rcv_name, &port, &pset);
        if (mr != MACH_MSG_SUCCESS)
            return mr;
        if (pset && pset->ready_head)
            return deliver(task, pset->ready_head, umsg, rcv_size, &pset->rcv_waitq);
        if (port && port->msg_head)
            return deliver(task, port, umsg, rcv_size, &port->rcv_waitq);
        if (timed && (timeout == 0 || timer_ticks() >= deadline))
            return MACH_RCV_TIMED_OUT;
        if (port) {
            ipc_port_reference(port);
            wr = waitq_wait(&port->rcv_waitq, deadline);
            if (!port->active)
                mr = MACH_RCV_PORT_DIED;
            else if (port->receiver != task->space)
                mr = MACH_RCV_INVALID_NAME;     /* the receive right left */
            else if (port->pset)
                mr = MACH_RCV_PORT_CHANGED;
            else
                mr = MACH_MSG_SUCCESS;
            ipc_port_release(port);
        } else {
            ipc_pset_reference(pset);
            wr = waitq_wait(&pset->rcv_waitq, deadline);
            mr = !pset->active ? MACH_RCV_PORT_DIED : MACH_MSG_SUCCESS;
            ipc_pset_release(pset);
        }
        if (wr == WAIT_INTERRUPTED)
            return MACH_RCV_INTERRUPTED;
        if (mr != MACH_MSG_SUCCESS)
            return mr;
        /* Woken, or timed out: look again (a message may have come). */
    }
}

/* The mach_msg system call for the current thread. */
mach_msg_return_t ipc_mach_msg(uint64_t umsg, uint32_t option, uint32_t send_size,
                               uint32_t rcv_size, mach_port_name_t rcv_name,
                               uint64_t timeout_ms)
{
    struct task *task = current_task();
    mach_msg_return_t mr;

    if (option & ~MACH_MSG_OPTIONS)
        return MACH_SEND_INVALID_HEADER;
    if (!task || !task->space || !task->map)
        return (option & MACH_SEND_MSG) ? MACH_SEND_INVALID_DEST : MACH_RCV_INVALID_NAME;
    if (option & MACH_SEND_MSG) {
        mr = msg_send(task, umsg, send_size, option, timeout_ms);
        if (mr != MACH_MSG_SUCCESS)
            return mr;
    }
    if (option & MACH_RCV_MSG)
        return msg_receive(task, umsg, rcv_size, rcv_name, option, timeout_ms);
    return MACH_MSG_SUCCESS;
}
