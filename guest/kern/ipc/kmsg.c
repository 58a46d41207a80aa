/* Messages in the kernel: allocation, copyin and validation of a user
 * message (decode), committing its rights (invoke), and destruction.
 *
 * A send decodes everything first: header, descriptors, every name with its
 * disposition (cumulatively: a name used several times must hold enough for
 * all of them), OOL ranges.  Decode changes nothing the sender can see (a
 * lookup may turn a right to a dead port into the dead name it already
 * was).  Only then does ipc_kmsg_commit take the rights, and it cannot fail.
 *
 * Positions: the rights a message names are numbered 0 (destination,
 * msgh_remote_port), 1 (reply, msgh_local_port), 2 + i (descriptor i). */
#include "ipc_internal.h"
#include "kern/kernel.h"
#include "kern/panic.h"
#include "kern/vm.h"
#include "string.h"

/* Small messages come from a static pool: no heap walk on the RPC path, and
 * the heap's allocation count does not move with traffic. */
#define IKM_POOL_COUNT 8
#define IKM_POOL_BYTES 512
#define IKM_POOL_WORDS ((sizeof(struct ipc_kmsg) + IKM_POOL_BYTES + 7) / 8)

static uint64_t ikm_pool_mem[IKM_POOL_COUNT][IKM_POOL_WORDS];
static struct ipc_kmsg *ikm_pool_free;          /* returned pool buffers */
static uint32_t ikm_pool_fresh = IKM_POOL_COUNT; /* never-used pool buffers */

/* Messages whose destruction is pending; see ipc_kmsg_destroy_queue. */
static struct ipc_kmsg *doomed_head, *doomed_tail;
static bool doomed_draining;

/* A message buffer for size bytes, counted in ipc_kmsg_count; NULL if out
 * of memory.  Only the bookkeeping fields are initialised. */
struct ipc_kmsg *ipc_kmsg_alloc(uint32_t size)
{
    struct ipc_kmsg *kmsg = NULL;
    bool pooled = false;

    if (size <= IKM_POOL_BYTES) {
        pooled = true;
        if (ikm_pool_free) {
            kmsg = ikm_pool_free;
            ikm_pool_free = kmsg->next;
        } else if (ikm_pool_fresh > 0) {
            kmsg = (struct ipc_kmsg *)ikm_pool_mem[--ikm_pool_fresh];
        } else {
            pooled = false;
        }
    }
    if (!kmsg) {
        kmsg = kmalloc(sizeof(*kmsg) + size);
        if (!kmsg)
            return NULL;
    }
    kmsg->next = NULL;
    kmsg->dest = NULL;
    kmsg->reply = NULL;
    kmsg->dest_type = 0;
    kmsg->reply_type = 0;
    kmsg->pooled = pooled;
    kmsg->size = size;
    kmsg->ndesc = 0;
    kmsg->nrights = 0;
    kmsg->nool = 0;
    kmsg->sender_pid = 0;
    ipc_kmsg_count++;
    return kmsg;
}

/* Free the buffer; whatever it carried is the caller's business. */
void ipc_kmsg_free(struct ipc_kmsg *kmsg)
{
    KASSERT(ipc_kmsg_count > 0);
    ipc_kmsg_count--;
    if (kmsg->pooled) {
        kmsg->next = ikm_pool_free;
        ikm_pool_free = kmsg;
    } else {
        kfree(kmsg);
    }
}

/* Release everything a committed message carries (not its buffer). */
static void kmsg_clean(struct ipc_kmsg *kmsg)
{
    mach_msg_descriptor_t *d = ikm_descs(kmsg);

    ipc_right_release_carried(kmsg->dest, kmsg->dest_type);
    if (kmsg->reply)
        ipc_right_release_carried(kmsg->reply, kmsg->reply_type);
    for (uint32_t i = 0; i < kmsg->ndesc; i++, d++) {
        if (!d->address)
            continue;
        if (d->type == MACH_MSG_PORT_DESCRIPTOR)
            ipc_right_release_carried((struct ipc_port *)(uintptr_t)d->address,
                                      d->disposition);
        else
            vm_object_release((struct vm_object *)(uintptr_t)d->address);
    }
}

/* Destroy a list of committed messages (linked through next) and all they
 * carry.  A message can carry receive rights whose ports then die with
 * their own queues, so this works through a list instead of recursing:
 * nested calls only append.  Each pass frees one message; every port dies
 * once, so the list runs dry. */
void ipc_kmsg_destroy_queue(struct ipc_kmsg *head)
{
    struct ipc_kmsg *kmsg;

    if (head) {
        if (doomed_tail)
            doomed_tail->next = head;
        else
            doomed_head = head;
        for (kmsg = head; kmsg->next; kmsg = kmsg->next)
            ;
        doomed_tail = kmsg;
    }
    if (doomed_draining)
        return;
    doomed_draining = true;
    while ((kmsg = doomed_head) != NULL) {
        doomed_head = kmsg->next;
        if (!doomed_head)
            doomed_tail = NULL;
        kmsg->next = NULL;
        kmsg_clean(kmsg);
        ipc_kmsg_free(kmsg);
    }
    doomed_draining = false;
}

/* ---- decode ------------------------------------------------------------ */

/* Whether disp gives the receiver a send or send-once right. */
static bool disp_is_send(uint32_t disp)
{
    return disp == MACH_MSG_TYPE_MOVE_SEND || disp == MACH_MSG_TYPE_COPY_SEND ||
           disp == MACH_MSG_TYPE_MAKE_SEND || disp == MACH_MSG_TYPE_MOVE_SEND_ONCE ||
           disp == MACH_MSG_TYPE_MAKE_SEND_ONCE;
}

/* Whether disp takes the right out of the sender's entry. */
static bool disp_is_move(uint32_t disp)
{
    return disp == MACH_MSG_TYPE_MOVE_SEND || disp == MACH_MSG_TYPE_MOVE_SEND_ONCE ||
           disp == MACH_MSG_TYPE_MOVE_RECEIVE;
}

/* What the receiver gets for a disposition. */
static uint8_t disp_result(uint32_t disp)
{
    switch (disp) {
    case MACH_MSG_TYPE_MOVE_RECEIVE:
        return MACH_MSG_TYPE_PORT_RECEIVE;
    case MACH_MSG_TYPE_MOVE_SEND_ONCE:
    case MACH_MSG_TYPE_MAKE_SEND_ONCE:
        return MACH_MSG_TYPE_PORT_SEND_ONCE;
    default:
        return MACH_MSG_TYPE_PORT_SEND;
    }
}

/* The name and disposition at position pos; false if it names no right
 * (a NULL or dead reply / descriptor, an OOL descriptor). */
static bool position(struct ipc_kmsg *kmsg, uint32_t pos, mach_port_name_t *name,
                     uint32_t *disp)
{
    mach_msg_header_t *h = ikm_header(kmsg);

    if (pos == 0) {
        *name = h->msgh_remote_port;
        *disp = MACH_MSGH_BITS_REMOTE(h->msgh_bits);
        return true;
    }
    if (pos == 1) {
        *name = h->msgh_local_port;
        *disp = MACH_MSGH_BITS_LOCAL(h->msgh_bits);
    } else {
        mach_msg_descriptor_t *d = ikm_descs(kmsg) + (pos - 2);
        if (d->type != MACH_MSG_PORT_DESCRIPTOR)
            return false;
        *name = d->name;
        *disp = d->disposition;
    }
    return ipc_name_valid(*name);
}

/* User references the moves of name at positions 0..pos take. */
static uint32_t moves_upto(struct ipc_kmsg *kmsg, uint32_t pos, mach_port_name_t name)
{
    mach_port_name_t n;
    uint32_t disp, moves = 0;

    for (uint32_t p = 0; p <= pos; p++) {
        if (position(kmsg, p, &n, &disp) && n == name &&
            (disp == MACH_MSG_TYPE_MOVE_SEND || disp == MACH_MSG_TYPE_MOVE_SEND_ONCE))
            moves++;
    }
    return moves;
}

/* Whether name appears at a position other than pos. */
static bool named_elsewhere(struct ipc_kmsg *kmsg, uint32_t pos, mach_port_name_t name)
{
    mach_port_name_t n;
    uint32_t disp;

    for (uint32_t p = 0; p < 2 + kmsg->ndesc; p++) {
        if (p != pos && position(kmsg, p, &n, &disp) && n == name)
            return true;
    }
    return false;
}

/* User references disposition disp moves out of the sender's entry. */
static uint32_t disp_moves(uint32_t disp)
{
    return disp == MACH_MSG_TYPE_MOVE_SEND || disp == MACH_MSG_TYPE_MOVE_SEND_ONCE;
}

/* Whether entry holds what disp needs, moves being the urefs this and the
 * name's earlier uses in the message take.  A dead name will do for
 * COPY_SEND / MOVE_SEND / MOVE_SEND_ONCE (it travels as MACH_PORT_DEAD). */
static bool entry_allows(const struct ipc_entry *entry, uint32_t disp, uint32_t moves)
{
    uint32_t type = entry->type;

    switch (disp) {
    case MACH_MSG_TYPE_MOVE_RECEIVE:
    case MACH_MSG_TYPE_MAKE_SEND:
    case MACH_MSG_TYPE_MAKE_SEND_ONCE:
        return type & MACH_PORT_TYPE_RECEIVE;
    case MACH_MSG_TYPE_COPY_SEND:
        return type & (MACH_PORT_TYPE_SEND | MACH_PORT_TYPE_DEAD_NAME);
    case MACH_MSG_TYPE_MOVE_SEND:
        return (type & (MACH_PORT_TYPE_SEND | MACH_PORT_TYPE_DEAD_NAME)) &&
               moves <= entry->urefs;
    case MACH_MSG_TYPE_MOVE_SEND_ONCE:
        return (type & (MACH_PORT_TYPE_SEND_ONCE | MACH_PORT_TYPE_DEAD_NAME)) &&
               moves <= entry->urefs;
    }
    return false;
}

/* Whether moving moved's receive right into a message queued on dest would
 * make a loop: dest is moved, or is in transit in a message queued on a
 * port ... that is.  Too long a chain to follow counts as a loop. */
static bool transit_loop(const struct ipc_port *moved, const struct ipc_port *dest)
{
    const struct ipc_port *p = dest;

    for (uint32_t n = 0; n < IPC_TRANSIT_DEPTH_MAX; n++) {
        if (p == moved)
            return true;
        if (!p->transit_dest)
            return false;
        p = p->transit_dest;
    }
    return true;
}

/* Check the body: descriptor count, types, dispositions, reserved fields,
 * OOL sizes.  Sets ndesc and nool. */
static mach_msg_return_t decode_body(struct ipc_kmsg *kmsg)
{
    mach_msg_header_t *h = ikm_header(kmsg);
    mach_msg_body_t *body = (mach_msg_body_t *)(h + 1);
    mach_msg_descriptor_t *d;
    uint64_t total = 0;
    uint32_t count;

    if (!(h->msgh_bits & MACH_MSGH_BITS_COMPLEX))
        return MACH_MSG_SUCCESS;
    if (kmsg->size < sizeof(*h) + sizeof(*body))
        return MACH_SEND_MSG_TOO_SMALL;
    if (body->msgh_reserved != 0)
        return MACH_SEND_INVALID_TYPE;
    count = body->msgh_descriptor_count;
    if (count > MACH_MSG_DESCRIPTORS_MAX)
        return MACH_SEND_TOO_LARGE;
    if (sizeof(*h) + sizeof(*body) + (uint64_t)count * sizeof(*d) > kmsg->size)
        return MACH_SEND_MSG_TOO_SMALL;
    d = ikm_descs(kmsg);
    for (uint32_t i = 0; i < count; i++, d++) {
        uint8_t reserved = 0;
        for (uint32_t j = 0; j < sizeof(d->reserved); j++)
            reserved |= d->reserved[j];
        if (reserved)
            return MACH_SEND_INVALID_TYPE;
        if (d->type == MACH_MSG_PORT_DESCRIPTOR) {
            if (d->address || d->size || d->deallocate ||
                !(disp_is_send(d->disposition) ||
                  d->disposition == MACH_MSG_TYPE_MOVE_RECEIVE))
                return MACH_SEND_INVALID_TYPE;
        } else if (d->type == MACH_MSG_OOL_DESCRIPTOR) {
            if (d->name || d->disposition || d->deallocate > 1)
                return MACH_SEND_INVALID_TYPE;
            if (d->size > MACH_MSG_OOL_SIZE_MAX)
                return MACH_SEND_TOO_LARGE;
            total += d->size;
            if (total > MACH_MSG_OOL_TOTAL_MAX)
                return MACH_SEND_TOO_LARGE;
            if (d->size) {
                kmsg->nool++;
            } else {
                /* An empty range carries nothing: kernel form now. */
                d->address = 0;
                d->deallocate = 0;
            }
        } else {
            return MACH_SEND_INVALID_TYPE;
        }
    }
    kmsg->ndesc = count;
    return MACH_MSG_SUCCESS;
}

/* Check the destination and reply rights; sets dest, dest_type and the
 * entries commit will use. */
static mach_msg_return_t decode_header_rights(struct ipc_space *space,
                                              struct ipc_kmsg *kmsg)
{
    mach_msg_header_t *h = ikm_header(kmsg);
    mach_port_name_t dname = h->msgh_remote_port, rname = h->msgh_local_port;
    uint32_t ddisp = MACH_MSGH_BITS_REMOTE(h->msgh_bits);
    uint32_t rdisp = MACH_MSGH_BITS_LOCAL(h->msgh_bits);
    struct ipc_entry *de, *re;
    struct ipc_port *port;

    if (!ipc_name_valid(dname))
        return MACH_SEND_INVALID_DEST;
    de = ipc_entry_lookup(space, dname);
    if (!de || (de->type & MACH_PORT_TYPE_DEAD_NAME) ||
        !entry_allows(de, ddisp, disp_moves(ddisp)))
        return MACH_SEND_INVALID_DEST;
    port = de->object;
    if (port->kotype != IKOT_NONE)
        return MACH_SEND_INVALID_DEST;
    kmsg->dest = port;
    kmsg->dest_type = disp_result(ddisp);
    kmsg->dest_entry = de;
    kmsg->reply_entry = NULL;
    if (ipc_name_valid(rname)) {
        re = ipc_entry_lookup(space, rname);
        if (!re || !entry_allows(re, rdisp, disp_moves(rdisp) +
                                 (rname == dname ? disp_moves(ddisp) : 0)))
            return MACH_SEND_INVALID_REPLY;
        kmsg->reply_entry = re;
    }
    return MACH_MSG_SUCCESS;
}

/* Check the port descriptors' rights, counting every use of a name in the
 * message (header included); a moved receive right must be named nowhere
 * else and must not end up inside its own queue. */
static mach_msg_return_t decode_desc_rights(struct ipc_space *space, struct ipc_kmsg *kmsg)
{
    for (uint32_t i = 0; i < kmsg->ndesc; i++) {
        mach_msg_descriptor_t *d = ikm_descs(kmsg) + i;
        struct ipc_entry *entry;
        bool recv = d->disposition == MACH_MSG_TYPE_MOVE_RECEIVE;

        if (d->type != MACH_MSG_PORT_DESCRIPTOR || !ipc_name_valid(d->name))
            continue;
        entry = ipc_entry_lookup(space, d->name);
        if (!entry || !entry_allows(entry, d->disposition,
                                    moves_upto(kmsg, 2 + i, d->name)))
            return MACH_SEND_INVALID_RIGHT;
        if (recv && (named_elsewhere(kmsg, 2 + i, d->name) ||
                     transit_loop(entry->object, kmsg->dest)))
            return MACH_SEND_INVALID_RIGHT;
    }
    return MACH_MSG_SUCCESS;
}

/* Copy in the message at umsg and decode it completely against space and
 * map.  On success *out holds the uncommitted message: kmsg->dest names its
 * destination port (no reference yet).  Nothing has changed either way. */
mach_msg_return_t ipc_kmsg_copyin(struct ipc_space *space, struct vm_map *map,
                                  uint64_t umsg, uint32_t send_size,
                                  struct ipc_kmsg **out)
{
    mach_msg_header_t h;
    struct ipc_kmsg *kmsg;
    mach_msg_return_t mr;
    uint32_t local;

    if (send_size < sizeof(h))
        return MACH_SEND_INVALID_HEADER;
    if (copyin(map, umsg, &h, sizeof(h)) != KERN_SUCCESS)
        return MACH_SEND_INVALID_DATA;
    if (h.msgh_bits & ~MACH_MSGH_BITS_USER)
        return MACH_SEND_INVALID_HEADER;
    if (h.msgh_size > MACH_MSG_SIZE_MAX)
        return MACH_SEND_TOO_LARGE;
    if (h.msgh_size < sizeof(h) || h.msgh_size % 4 != 0 || h.msgh_size > send_size)
        return MACH_SEND_INVALID_HEADER;
    if (!disp_is_send(MACH_MSGH_BITS_REMOTE(h.msgh_bits)))
        return MACH_SEND_INVALID_TYPE;
    /* A bad reply disposition is a bad reply (message.h); the reply may
     * also be absent: a NULL name with disposition 0. */
    local = MACH_MSGH_BITS_LOCAL(h.msgh_bits);
    if (!disp_is_send(local) && !(local == 0 && h.msgh_local_port == MACH_PORT_NULL))
        return MACH_SEND_INVALID_REPLY;

    kmsg = ipc_kmsg_alloc(h.msgh_size);
    if (!kmsg)
        return MACH_SEND_NO_BUFFER;
    *ikm_header(kmsg) = h;      /* three moves; memcpy is a byte loop */
    if (h.msgh_size > sizeof(h) &&
        copyin(map, umsg + sizeof(h), (uint8_t *)kmsg->data + sizeof(h),
               h.msgh_size - sizeof(h)) != KERN_SUCCESS) {
        mr = MACH_SEND_INVALID_DATA;
        goto fail;
    }
    mr = decode_body(kmsg);
    if (mr == MACH_MSG_SUCCESS)
        mr = decode_header_rights(space, kmsg);
    if (mr == MACH_MSG_SUCCESS && kmsg->ndesc)
        mr = decode_desc_rights(space, kmsg);
    if (mr == MACH_MSG_SUCCESS && kmsg->nool)
        mr = ipc_ool_check(map, kmsg);
    if (mr != MACH_MSG_SUCCESS)
        goto fail;
    *out = kmsg;
    return MACH_MSG_SUCCESS;

fail:
    ipc_kmsg_free(kmsg);
    return mr;
}

/* ---- commit ------------------------------------------------------------ */

/* A right made or copied from entry (the sender keeps what it had); NULL
 * for a dead name. */
static struct ipc_port *commit_copy(struct ipc_entry *entry, uint32_t disp)
{
    struct ipc_port *port;

    KASSERT(entry->type != 0);
    if (entry->type & MACH_PORT_TYPE_DEAD_NAME)
        return NULL;
    port = entry->object;
    if (disp == MACH_MSG_TYPE_MAKE_SEND_ONCE) {
        port->sorights++;
    } else {
        if (disp == MACH_MSG_TYPE_MAKE_SEND)
            port->mscount++;
        port->srights++;
    }
    ipc_port_reference(port);
    return port;
}

/* A right moved out of entry into kmsg; NULL for a dead name. */
static struct ipc_port *commit_move(struct ipc_space *space, struct ipc_kmsg *kmsg,
                                    struct ipc_entry *entry, uint32_t disp)
{
    struct ipc_port *port;

    KASSERT(entry->type != 0);
    if (entry->type & MACH_PORT_TYPE_DEAD_NAME) {
        ipc_right_drop_dead(space, entry, 1);
        return NULL;
    }
    port = entry->object;
    switch (disp) {
    case MACH_MSG_TYPE_MOVE_SEND:
        /* The message's right first, so srights never touches 0. */
        port->srights++;
        ipc_port_reference(port);
        ipc_right_drop_send(space, entry, 1);
        return port;
    case MACH_MSG_TYPE_MOVE_SEND_ONCE:
        return ipc_right_take_sonce(space, entry);
    default:
        KASSERT(disp == MACH_MSG_TYPE_MOVE_RECEIVE && port->receiver == space);
        if (port->pset)
            ipc_pset_remove(port);
        if (entry->type & MACH_PORT_TYPE_SEND) {
            entry->type &= ~MACH_PORT_TYPE_RECEIVE;
            ipc_port_reference(port);   /* the entry keeps its own */
        } else {
            ipc_hash_remove(space, entry);
            ipc_entry_free(space, entry);
        }
        port->receiver = NULL;
        port->receiver_name = MACH_PORT_NULL;
        port->transit_dest = kmsg->dest;
        /* Threads receiving on it here find the name gone. */
        waitq_wakeup_all(&port->rcv_waitq);
        return port;
    }
}

/* Commit the port descriptors that move rights (moves) or the others
 * (!moves); afterwards each holds its port, or 0 and MACH_PORT_DEAD. */
static void commit_descs(struct ipc_space *space, struct ipc_kmsg *kmsg, bool moves)
{
    for (uint32_t i = 0; i < kmsg->ndesc; i++) {
        mach_msg_descriptor_t *d = ikm_descs(kmsg) + i;
        struct ipc_port *port;

        if (d->type != MACH_MSG_PORT_DESCRIPTOR || !ipc_name_valid(d->name) ||
            disp_is_move(d->disposition) != moves)
            continue;
        struct ipc_entry *entry = ipc_entry_lookup(space, d->name);
        KASSERT(entry);
        port = moves ? commit_move(space, kmsg, entry, d->disposition)
                     : commit_copy(entry, d->disposition);
        d->address = (uint64_t)(uintptr_t)port;
        if (port)
            kmsg->nrights++;
        else
            d->name = MACH_PORT_DEAD;
    }
}

/* Take the rights a decoded message names from space; it now owns them.
 * Copies and makes go first so that a COPY_SEND and the MOVE_SEND of the
 * last uref of one name both succeed, whatever their order in the message;
 * moves go header first, in message order. */
void ipc_kmsg_commit(struct ipc_space *space, struct ipc_kmsg *kmsg, uint32_t pid)
{
    mach_msg_header_t *h = ikm_header(kmsg);
    uint32_t ddisp = MACH_MSGH_BITS_REMOTE(h->msgh_bits);
    uint32_t rdisp = MACH_MSGH_BITS_LOCAL(h->msgh_bits);
    struct ipc_entry *re = kmsg->reply_entry;
    struct ipc_port *port;

    if (!disp_is_move(ddisp)) {
        port = commit_copy(kmsg->dest_entry, ddisp);
        KASSERT(port == kmsg->dest);
    }
    if (re && !disp_is_move(rdisp))
        kmsg->reply = commit_copy(re, rdisp);
    if (kmsg->ndesc)
        commit_descs(space, kmsg, false);
    if (disp_is_move(ddisp)) {
        port = commit_move(space, kmsg, kmsg->dest_entry, ddisp);
        KASSERT(port == kmsg->dest);
    }
    if (re && disp_is_move(rdisp))
        kmsg->reply = commit_move(space, kmsg, re, rdisp);
    if (kmsg->ndesc) {
        commit_descs(space, kmsg, true);
        for (uint32_t i = 0; i < kmsg->ndesc; i++) {
            mach_msg_descriptor_t *d = ikm_descs(kmsg) + i;
            if (d->type == MACH_MSG_PORT_DESCRIPTOR)
                d->disposition = disp_result(d->disposition);
        }
    }
    /* A dead reply (MACH_PORT_DEAD, or a dead name) arrives as
     * MACH_PORT_DEAD; a NULL one is no reply at all. */
    if (re || h->msgh_local_port == MACH_PORT_DEAD)
        kmsg->reply_type = disp_result(rdisp);
    kmsg->nrights += kmsg->reply != NULL;
    kmsg->dest_entry = kmsg->reply_entry = NULL;
    kmsg->sender_pid = pid;
}
