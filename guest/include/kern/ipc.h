/* Mach-style IPC inside the kernel: ports, rights in per-task name spaces,
 * port sets, messages and notifications.  The user-visible format is
 * mach/message.h; this is the kernel's side.
 *
 * Objects and references:
 *  - struct ipc_port: a message queue with one receive right.  Counted
 *    references come from name-space entries, messages in flight (header and
 *    descriptors), threads blocked on it and kernel holders (task watchers,
 *    kernel-object owners).  A port dies when its receive right is destroyed
 *    (or its kernel object goes): queued messages are destroyed, blocked
 *    senders and receivers wake with an error, send rights elsewhere become
 *    dead names and dead-name notifications are sent.  It is freed when the
 *    last reference goes.
 *  - struct ipc_space: a task's names.  An entry holds a receive right, a
 *    send right (with user references), a send-once right, a dead name or a
 *    port set.  Names are never 0 or ~0 and are not reused at once (a
 *    generation count in the low byte).
 *
 * Every operation decodes first (names, rights, dispositions, sizes, memory)
 * and only then changes anything, so an error leaves the caller's space as
 * it was. */
#ifndef KERN_IPC_H
#define KERN_IPC_H

#include <stdint.h>

#include "kern/return.h"
#include "mach/message.h"

struct ipc_port;
struct ipc_space;
struct task;

/* Kernel objects a port can stand for (a capability, not a mailbox: a
 * message sent to one is refused with MACH_SEND_INVALID_DEST). */
enum ipc_kobject_type {
    IKOT_NONE = 0,
    IKOT_TASK,          /* struct task */
    IKOT_MEMORY,        /* struct vm_object (shared memory) */
};

extern uint32_t ipc_port_count;     /* live ports (not yet freed) */
extern uint32_t ipc_pset_count;
extern uint32_t ipc_kmsg_count;     /* messages queued or in flight */

/* Name spaces. */
struct ipc_space *ipc_space_create(struct task *task);
/* At task end, after its threads are gone: destroy receive rights (those
 * ports die), release send and send-once rights (no-senders and send-once
 * notifications), free the space. */
void ipc_space_destroy(struct ipc_space *space);
uint32_t ipc_space_name_count(const struct ipc_space *space);

/* Kernel-object ports.  The caller gets the port with one reference and is
 * its receiver; ipc_port_kobject_destroy kills it and drops that reference. */
struct ipc_port *ipc_port_alloc_kobject(enum ipc_kobject_type type, void *object);
void ipc_port_kobject_destroy(struct ipc_port *port);
/* The object behind a send right in space, checked for type: NULL with
 * *kr = KERN_INVALID_NAME / KERN_INVALID_RIGHT / KERN_INVALID_CAPABILITY. */
void *ipc_space_lookup_kobject(struct ipc_space *space, mach_port_name_t name,
                               enum ipc_kobject_type type, kern_return_t *kr);
/* Called (by the IPC code) when the last send right to a kernel-object port
 * goes away; implemented by the kernel (kern/kobject.c). */
void ipc_kobject_no_senders(struct ipc_port *port, enum ipc_kobject_type type,
                            void *object);

/* Give space a new send right to port (the name it already uses for port if
 * it has one, with one more user reference). */
kern_return_t ipc_right_copyout_send(struct ipc_space *space, struct ipc_port *port,
                                     mach_port_name_t *name);
/* Copy the send right `name` of `from` into `to` (MACH_PORT_NULL stays NULL). */
kern_return_t ipc_right_copy_send(struct ipc_space *from, mach_port_name_t name,
                                  struct ipc_space *to, mach_port_name_t *out);
/* A send-once right to the receive right `name` of space, for the kernel to
 * hold (task watchers).  The caller owns it: use it with
 * ipc_kernel_send_once, or destroy it with ipc_port_release_send_once. */
kern_return_t ipc_right_make_send_once(struct ipc_space *space, mach_port_name_t name,
                                       struct ipc_port **out);
/* Send a kernel-made message (no rights, no descriptors; msgh_remote_port and
 * msgh_local_port are ignored) through a send-once right, consuming it.
 * Never blocks: a full queue takes it anyway (send-once rights are owed
 * their message); a dead port drops it. */
void ipc_kernel_send_once(struct ipc_port *so_port, const mach_msg_header_t *msg,
                          mach_msg_size_t size);
void ipc_port_release_send_once(struct ipc_port *so_port);

/* The mach_msg system call for the current thread: umsg is a user address. */
mach_msg_return_t ipc_mach_msg(uint64_t umsg, uint32_t option, uint32_t send_size,
                               uint32_t rcv_size, mach_port_name_t rcv_name,
                               uint64_t timeout_ms);

/* Port management (the SYS_port_* calls), on the caller's space. */
kern_return_t ipc_port_allocate_name(struct ipc_space *space, uint32_t right,
                                     mach_port_name_t *name);
kern_return_t ipc_port_deallocate_name(struct ipc_space *space, mach_port_name_t name);
kern_return_t ipc_port_mod_refs(struct ipc_space *space, mach_port_name_t name,
                                uint32_t right, int32_t delta);
kern_return_t ipc_port_insert_right(struct ipc_space *space, mach_port_name_t name,
                                    uint32_t disposition);
kern_return_t ipc_port_move_member(struct ipc_space *space, mach_port_name_t member,
                                   mach_port_name_t set);
kern_return_t ipc_port_request_notification(struct ipc_space *space,
                                            mach_port_name_t name, uint32_t variant,
                                            mach_port_name_t notify);
kern_return_t ipc_port_set_qlimit(struct ipc_space *space, mach_port_name_t name,
                                  uint32_t limit);
kern_return_t ipc_port_type(struct ipc_space *space, mach_port_name_t name,
                            uint32_t *type, uint32_t *urefs);

#endif
