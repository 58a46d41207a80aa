/* Private to guest/kern/ipc: the objects behind kern/ipc.h and the helpers
 * its files share.  Nothing outside this directory includes it.
 *
 * The kernel is not preemptible and has one CPU: nothing else runs between
 * two statements here unless the code blocks in waitq_wait, so no locks.
 * Code that blocks re-checks everything when it wakes.
 *
 * Port references (struct ipc_port.refs), one for each of:
 *  - a name-space entry naming the port: one per entry whether it holds the
 *    receive right, send rights (any number of urefs) or both; one per
 *    send-once entry;
 *  - each right a queued or in-flight message carries (its destination, its
 *    reply right, each port descriptor);
 *  - each send-once right the kernel holds (no-senders and dead-name
 *    requests, ipc_right_make_send_once callers);
 *  - a kernel-object port's owner (it is the receiver);
 *  - a thread sleeping on one of the port's waitqs.
 * Rights are counted apart from references: srights = send rights in
 * existence (1 per entry holding send, whatever its urefs; 1 per send right
 * in a message), sorights = send-once rights, mscount = send rights ever
 * made.  Port sets are referenced by their entry and by sleeping receivers.
 *
 * A dead port stays referenced by the entries that named it until a lookup
 * turns each into a dead name (ipc_entry_lookup), so death costs nothing per
 * holder. */
#ifndef KERN_IPC_INTERNAL_H
#define KERN_IPC_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kern/ipc.h"
#include "kern/sched.h"

struct ipc_kmsg;
struct ipc_pset;
struct ipc_dnrequest;
struct vm_map;

/* A port: a message queue and the one receive right to it. */
struct ipc_port {
    uint32_t refs;                  /* see the rules above */
    bool active;                    /* false once the receive right is gone */
    enum ipc_kobject_type kotype;   /* IKOT_NONE for an ordinary port */
    void *kobject;                  /* what a kernel-object port stands for */
    /* Where the receive right is: a space (receiver, under receiver_name),
     * a message queued on transit_dest, or (both NULL) the kernel for a
     * kernel-object port, or nowhere once dead. */
    struct ipc_space *receiver;
    mach_port_name_t receiver_name;
    struct ipc_port *transit_dest;  /* valid while that message is queued */
    uint32_t srights;               /* send rights in existence */
    uint32_t sorights;              /* send-once rights in existence */
    uint32_t mscount;               /* send rights ever made */
    /* The queue: FIFO, msgcount long, qlimit before senders wait. */
    struct ipc_kmsg *msg_head, *msg_tail;
    uint32_t msgcount;
    uint32_t qlimit;
    struct waitq rcv_waitq;         /* receivers on this port (not in a set) */
    struct waitq snd_waitq;         /* senders waiting for room */
    /* Port-set membership: the set's member list, and its ready list while
     * we have messages. */
    struct ipc_pset *pset;
    struct ipc_port *member_next, *member_prev;
    struct ipc_port *ready_next, *ready_prev;
    bool ready;
    /* Notification requests: send-once rights the kernel holds. */
    struct ipc_port *nsrequest;             /* NO_SENDERS, or NULL */
    struct ipc_dnrequest *dnrequests;       /* DEAD_NAME, one per (space, name) */
};

/* A port set: receive from whichever member has a message. */
struct ipc_pset {
    uint32_t refs;                  /* its entry + receivers sleeping on it */
    bool active;                    /* false once destroyed */
    struct ipc_port *members;       /* through member_next / member_prev */
    struct ipc_port *ready_head, *ready_tail;  /* members with messages,
                                                  served round robin */
    struct waitq rcv_waitq;
};

/* A dead-name request: when port dies, tell notify that space's name died.
 * Owned by the port's list; the requester's entry points back at it. */
struct ipc_dnrequest {
    struct ipc_port *port;
    struct ipc_dnrequest *next, *prev;  /* port->dnrequests */
    struct ipc_space *space;
    mach_port_name_t name;
    struct ipc_port *notify;        /* a send-once right */
};

/* One name in a space.  type is a set of MACH_PORT_TYPE_* bits: RECEIVE,
 * SEND, RECEIVE|SEND, SEND_ONCE, PORT_SET or DEAD_NAME; 0 = free. */
struct ipc_entry {
    void *object;                   /* struct ipc_port / ipc_pset; NULL for a
                                       dead name or a free entry */
    uint32_t type;
    uint32_t urefs;                 /* SEND / DEAD_NAME user references;
                                       1 for SEND_ONCE; 0 otherwise */
    struct ipc_dnrequest *dnreq;    /* our dead-name request on this
                                       send / send-once right, or NULL */
    uint32_t next_free;             /* free entries: next free index, 0 = end */
    uint8_t gen;                    /* generation: the low byte of the name */
};

/* A task's names: an array indexed by name >> 8 (index 0 unused) and a
 * hash from port to the entry holding its send / receive right. */
struct ipc_space {
    struct task *task;
    bool active;                    /* false once ipc_space_destroy started */
    struct ipc_entry *table;
    uint32_t size;                  /* entries in table, index 0 included */
    uint32_t used;                  /* names in use */
    uint32_t free_head;             /* free entry indices, 0 = none */
    uint32_t *hash;                 /* entry index or 0; linear probing */
    uint32_t hash_size;             /* power of two, >= 2 * size */
};

/* A message in the kernel: the user's bytes with names replaced by what
 * they stand for.  Once committed it owns one reference and one right for
 * dest, reply and each port descriptor (whose address field then holds the
 * struct ipc_port *, 0 with name MACH_PORT_NULL / MACH_PORT_DEAD for none /
 * a dead name; disposition holds the MACH_MSG_TYPE_PORT_* it carries), and
 * one object reference per OOL descriptor (address = the struct vm_object *,
 * 0 for an empty range). */
struct ipc_kmsg {
    struct ipc_kmsg *next;          /* port queue, doomed list or pool */
    struct ipc_port *dest;
    struct ipc_port *reply;         /* NULL: none (reply_type 0) or dead */
    uint8_t dest_type;              /* MACH_MSG_TYPE_PORT_SEND / _SEND_ONCE */
    uint8_t reply_type;             /* MACH_MSG_TYPE_PORT_*, 0 = no reply */
    bool pooled;                    /* from the static pool */
    uint32_t size;                  /* msgh_size */
    uint32_t ndesc;                 /* descriptors (complex messages) */
    uint32_t nrights;               /* rights that need a name on receipt */
    uint32_t nool;                  /* OOL descriptors with an object */
    uint32_t sender_pid;            /* 0 for the kernel */
    /* From decode to commit only (nothing between them touches the
     * sender's space): the entries the header names. */
    struct ipc_entry *dest_entry, *reply_entry;
    uint64_t data[];                /* the message, header first */
};

#define IPC_TRANSIT_DEPTH_MAX 64    /* ports-in-transit chain walked per move */

static inline mach_msg_header_t *ikm_header(struct ipc_kmsg *k)
{
    return (mach_msg_header_t *)k->data;
}

static inline mach_msg_descriptor_t *ikm_descs(struct ipc_kmsg *k)
{
    return (mach_msg_descriptor_t *)((uint8_t *)k->data +
                                     sizeof(mach_msg_header_t) +
                                     sizeof(mach_msg_body_t));
}

static inline bool ipc_name_valid(mach_port_name_t name)
{
    return name != MACH_PORT_NULL && name != MACH_PORT_DEAD;
}

/* space.c: names and entries. */
struct ipc_entry *ipc_entry_convert_dead(struct ipc_space *space, struct ipc_entry *entry);
struct ipc_entry *ipc_entry_lookup_raw(struct ipc_space *space, mach_port_name_t name);
mach_port_name_t ipc_entry_name(const struct ipc_space *space,
                                const struct ipc_entry *entry);
kern_return_t ipc_space_reserve(struct ipc_space *space, uint32_t n);
struct ipc_entry *ipc_entry_alloc(struct ipc_space *space);
mach_port_name_t ipc_space_next_name(const struct ipc_space *space);
void ipc_entry_free(struct ipc_space *space, struct ipc_entry *entry);
struct ipc_entry *ipc_space_find_port(struct ipc_space *space,
                                      const struct ipc_port *port);
void ipc_hash_insert(struct ipc_space *space, struct ipc_entry *entry);
void ipc_hash_remove(struct ipc_space *space, struct ipc_entry *entry);

/* port.c: ports, queues, death. */
struct ipc_port *ipc_port_alloc(void);
void ipc_port_free(struct ipc_port *port);
void ipc_port_destroy(struct ipc_port *port);
void ipc_port_enqueue(struct ipc_port *port, struct ipc_kmsg *kmsg);
struct ipc_kmsg *ipc_port_dequeue(struct ipc_port *port);
void ipc_port_srights_dec(struct ipc_port *port);
void ipc_port_release_send(struct ipc_port *port);
void ipc_port_release_sonce_silent(struct ipc_port *port);
struct ipc_port *ipc_port_make_send_once(struct ipc_port *port);

/* The entry name denotes in space, or NULL.  A send or send-once right to
 * a port that has died becomes a dead name here.  The pointer is good until
 * the next ipc_space_reserve / ipc_entry_alloc on space.  Inline: the RPC
 * path looks up a few names per message. */
static inline struct ipc_entry *ipc_entry_lookup(struct ipc_space *space,
                                                 mach_port_name_t name)
{
    uint32_t index = name >> 8;
    struct ipc_entry *entry;

    /* index 0 wraps around and fails too. */
    if (index - 1 >= space->size - 1)
        return NULL;
    entry = &space->table[index];
    if (entry->type == 0 || entry->gen != (name & 0xff))
        return NULL;
    if ((entry->type & (MACH_PORT_TYPE_SEND | MACH_PORT_TYPE_SEND_ONCE)) &&
        !((struct ipc_port *)entry->object)->active)
        return ipc_entry_convert_dead(space, entry);
    return entry;
}

/* The entry for name in space, which must hold `type` (a MACH_PORT_TYPE_*
 * bit): KERN_INVALID_TASK for a dying space, KERN_INVALID_NAME,
 * KERN_INVALID_RIGHT. */
static inline kern_return_t ipc_entry_lookup_type(struct ipc_space *space,
                                                  mach_port_name_t name,
                                                  uint32_t type,
                                                  struct ipc_entry **out)
{
    if (!space || !space->active)
        return KERN_INVALID_TASK;
    *out = ipc_entry_lookup(space, name);
    if (!*out)
        return KERN_INVALID_NAME;
    if (!((*out)->type & type))
        return KERN_INVALID_RIGHT;
    return KERN_SUCCESS;
}

/* Wake the first thread on wq, if any (no call into the scheduler when
 * nobody waits: the common case on the RPC path). */
static inline void ipc_wakeup_one(struct waitq *wq)
{
    if (wq->head)
        waitq_wakeup_one(wq);
}

/* Whether space can take n more names without growing (else see
 * ipc_space_reserve). */
static inline bool ipc_space_has_room(const struct ipc_space *space, uint32_t n)
{
    return space->size - 1 - space->used >= n;
}

/* Take one more reference to port. */
static inline void ipc_port_reference(struct ipc_port *port)
{
    port->refs++;
}

/* Drop a reference to port; the last one frees it (it must be dead: a live
 * port's receive right holds a reference). */
static inline void ipc_port_release(struct ipc_port *port)
{
    if (--port->refs == 0)
        ipc_port_free(port);
}

/* pset.c: port sets. */
struct ipc_pset *ipc_pset_alloc(void);
void ipc_pset_reference(struct ipc_pset *pset);
void ipc_pset_release(struct ipc_pset *pset);
void ipc_pset_destroy(struct ipc_pset *pset);
void ipc_pset_add(struct ipc_pset *pset, struct ipc_port *port);
void ipc_pset_remove(struct ipc_port *port);
void ipc_pset_ready_add(struct ipc_pset *pset, struct ipc_port *port);
void ipc_pset_ready_remove(struct ipc_pset *pset, struct ipc_port *port);

/* notify.c: notifications and requests. */
void ipc_notify(struct ipc_port *so_port, mach_msg_id_t id,
                mach_port_name_t name, uint32_t count);
void ipc_port_fire_dnrequests(struct ipc_port *port);
void ipc_dnrequest_cancel(struct ipc_entry *entry);

/* right.c: rights held in entries. */
mach_port_name_t ipc_right_copyout(struct ipc_space *space, struct ipc_port *port,
                                   uint8_t type);
void ipc_right_release_carried(struct ipc_port *port, uint8_t type);
void ipc_right_drop_send(struct ipc_space *space, struct ipc_entry *entry,
                         uint32_t n);
void ipc_right_drop_dead(struct ipc_space *space, struct ipc_entry *entry,
                         uint32_t n);
struct ipc_port *ipc_right_take_sonce(struct ipc_space *space,
                                      struct ipc_entry *entry);
void ipc_right_destroy_receive(struct ipc_space *space, struct ipc_entry *entry);
void ipc_right_destroy_entry(struct ipc_space *space, struct ipc_entry *entry);

/* kmsg.c: messages in the kernel. */
struct ipc_kmsg *ipc_kmsg_alloc(uint32_t size);
void ipc_kmsg_free(struct ipc_kmsg *kmsg);
mach_msg_return_t ipc_kmsg_copyin(struct ipc_space *space, struct vm_map *map,
                                  uint64_t umsg, uint32_t send_size,
                                  struct ipc_kmsg **out);
mach_msg_return_t ipc_kmsg_copyin_ool(struct vm_map *map, struct ipc_kmsg *kmsg);
void ipc_kmsg_commit(struct ipc_space *space, struct ipc_kmsg *kmsg, uint32_t pid);
void ipc_kmsg_destroy_queue(struct ipc_kmsg *head);

/* ool.c: out-of-line memory. */
mach_msg_return_t ipc_ool_check(struct vm_map *map, struct ipc_kmsg *kmsg);
mach_msg_return_t ipc_ool_map(struct vm_map *map, struct ipc_kmsg *kmsg);

#endif
