/* The message format: the one contract between tasks, and between tasks and
 * the kernel.  Shared by the kernel and guest userland; nothing else defines
 * what crosses the boundary.
 *
 * Layout of a message in the sender's memory (all little-endian):
 *
 *   mach_msg_header_t                   24 bytes, always
 *   mach_msg_body_t                      8 bytes, only if MACH_MSGH_BITS_COMPLEX
 *   mach_msg_descriptor_t[count]        24 bytes each, only if complex
 *   inline data                         the rest, up to msgh_size
 *
 * msgh_size is the total, header included, a multiple of 4, at least 24 and
 * at most MACH_MSG_SIZE_MAX.  The kernel copies the whole message in and
 * checks every field (sizes, names, dispositions, descriptor types, memory
 * ranges) before it changes anything: a rejected send leaves the sender's
 * rights and memory exactly as they were.
 *
 * Ownership: on a successful send the rights and out-of-line memory named in
 * the message leave the sender as the dispositions say (MOVE_* moves, COPY_SEND
 * and MAKE_* leave the sender's right in place) and belong to the message;
 * the receiver owns them once it has received the message.  A message that is
 * never received (its port dies) is destroyed with everything it carries.
 *
 * Out-of-line memory is copied when the message is sent: the receiver gets
 * fresh pages mapped at an address the kernel picks, holding what the
 * sender's range held at the moment of the send.  Later writes by the sender
 * are not seen.  With `deallocate` set the sender's range is unmapped on a
 * successful send.
 *
 * Receiving: the kernel writes the message into the receive buffer with the
 * names as the receiver's space knows them: msgh_remote_port is the reply
 * right (what the sender put in msgh_local_port), msgh_local_port the port
 * received on, and the bits say which kind of right each is.  A buffer too
 * small leaves the message queued and returns MACH_RCV_TOO_LARGE with the
 * needed size in msgh_size. */
#ifndef MACH_MESSAGE_H
#define MACH_MESSAGE_H

#include <stdint.h>

#include "kern/return.h"

typedef uint32_t mach_port_name_t;
typedef kern_return_t mach_msg_return_t;
typedef uint32_t mach_msg_bits_t;
typedef uint32_t mach_msg_size_t;
typedef int32_t mach_msg_id_t;
typedef uint32_t mach_msg_option_t;
typedef uint32_t mach_msg_type_name_t;

#define MACH_PORT_NULL  ((mach_port_name_t)0)
#define MACH_PORT_DEAD  ((mach_port_name_t)~0u)

/* Dispositions: what a send does with the sender's right. */
#define MACH_MSG_TYPE_MOVE_RECEIVE    16  /* the receive right moves */
#define MACH_MSG_TYPE_MOVE_SEND       17  /* one send uref moves */
#define MACH_MSG_TYPE_MOVE_SEND_ONCE  18  /* the send-once right moves */
#define MACH_MSG_TYPE_COPY_SEND       19  /* a new send right from a send right */
#define MACH_MSG_TYPE_MAKE_SEND       20  /* a new send right from the receive right */
#define MACH_MSG_TYPE_MAKE_SEND_ONCE  21  /* a new send-once right from the receive right */
/* ... and what the receiver gets. */
#define MACH_MSG_TYPE_PORT_RECEIVE    MACH_MSG_TYPE_MOVE_RECEIVE
#define MACH_MSG_TYPE_PORT_SEND       MACH_MSG_TYPE_MOVE_SEND
#define MACH_MSG_TYPE_PORT_SEND_ONCE  MACH_MSG_TYPE_MOVE_SEND_ONCE

/* msgh_bits: remote (destination) disposition in bits 0-7, local (reply)
 * disposition in bits 8-15, COMPLEX if a body with descriptors follows.
 * Every other bit must be zero. */
#define MACH_MSGH_BITS(remote, local)   ((remote) | ((local) << 8))
#define MACH_MSGH_BITS_REMOTE(bits)     ((bits) & 0xff)
#define MACH_MSGH_BITS_LOCAL(bits)      (((bits) >> 8) & 0xff)
#define MACH_MSGH_BITS_COMPLEX          0x80000000u
#define MACH_MSGH_BITS_USER             (0xffffu | MACH_MSGH_BITS_COMPLEX)

typedef struct {
    mach_msg_bits_t msgh_bits;
    mach_msg_size_t msgh_size;          /* total bytes, header included */
    mach_port_name_t msgh_remote_port;  /* send: destination; receive: reply */
    mach_port_name_t msgh_local_port;   /* send: reply; receive: received on */
    uint32_t msgh_sender;               /* send: ignored; receive: sender's pid
                                           (0 for the kernel) */
    mach_msg_id_t msgh_id;              /* for the receiver; the kernel ignores */
} mach_msg_header_t;

typedef struct {
    uint32_t msgh_descriptor_count;     /* at most MACH_MSG_DESCRIPTORS_MAX */
    uint32_t msgh_reserved;             /* 0 */
} mach_msg_body_t;

#define MACH_MSG_PORT_DESCRIPTOR  0
#define MACH_MSG_OOL_DESCRIPTOR   1

/* One descriptor: a port right, or a range of out-of-line memory. */
typedef struct {
    uint64_t address;       /* OOL: the range's start (any alignment); port: 0 */
    uint32_t name;          /* port: the name; OOL: 0 */
    uint32_t size;          /* OOL: bytes, at most MACH_MSG_OOL_SIZE_MAX; port: 0 */
    uint8_t type;           /* MACH_MSG_PORT_DESCRIPTOR or MACH_MSG_OOL_DESCRIPTOR */
    uint8_t disposition;    /* port: MACH_MSG_TYPE_*; OOL: 0 */
    uint8_t deallocate;     /* OOL: 1 = unmap from the sender on success */
    uint8_t reserved[5];    /* 0 */
} mach_msg_descriptor_t;

_Static_assert(sizeof(mach_msg_header_t) == 24, "header is 24 bytes");
_Static_assert(sizeof(mach_msg_body_t) == 8, "body is 8 bytes");
_Static_assert(sizeof(mach_msg_descriptor_t) == 24, "descriptor is 24 bytes");

#define MACH_MSG_SIZE_MAX         8192          /* inline: header to last byte */
#define MACH_MSG_DESCRIPTORS_MAX  64
#define MACH_MSG_OOL_SIZE_MAX     (16u << 20)   /* per descriptor */
#define MACH_MSG_OOL_TOTAL_MAX    (32u << 20)   /* per message */
#define MACH_PORT_QLIMIT_DEFAULT  16            /* queued messages per port */
#define MACH_PORT_QLIMIT_MAX      1024

/* Options for mach_msg(). */
#define MACH_SEND_MSG       0x00000001u
#define MACH_RCV_MSG        0x00000002u
#define MACH_SEND_TIMEOUT   0x00000010u  /* give up sending after timeout ms */
#define MACH_RCV_TIMEOUT    0x00000100u  /* give up receiving after timeout ms */
#define MACH_MSG_OPTIONS    (MACH_SEND_MSG | MACH_RCV_MSG | MACH_SEND_TIMEOUT | \
                             MACH_RCV_TIMEOUT)
#define MACH_MSG_TIMEOUT_NONE 0

/* Results.  Send errors leave the sender as it was; receive errors leave the
 * message queued (MACH_RCV_TOO_LARGE) or no message taken. */
#define MACH_MSG_SUCCESS            0
#define MACH_SEND_INVALID_DATA      0x10000002  /* the message is not readable */
#define MACH_SEND_INVALID_DEST      0x10000003  /* destination is not a send/send-once right */
#define MACH_SEND_TIMED_OUT         0x10000004  /* queue stayed full for timeout ms */
#define MACH_SEND_INTERRUPTED       0x10000007  /* the task is being terminated */
#define MACH_SEND_MSG_TOO_SMALL     0x10000008  /* smaller than its header/descriptors */
#define MACH_SEND_INVALID_REPLY     0x10000009  /* bad local (reply) name or disposition */
#define MACH_SEND_INVALID_RIGHT     0x1000000a  /* a port descriptor names a bad right */
#define MACH_SEND_INVALID_MEMORY    0x1000000c  /* an OOL range is not readable */
#define MACH_SEND_NO_BUFFER         0x1000000d  /* the kernel is out of memory */
#define MACH_SEND_TOO_LARGE         0x1000000e  /* over MACH_MSG_SIZE_MAX or OOL limits */
#define MACH_SEND_INVALID_TYPE      0x1000000f  /* bad descriptor type or disposition */
#define MACH_SEND_INVALID_HEADER    0x10000010  /* bad bits, size or options */
#define MACH_SEND_QUEUE_FULL        0x10000020  /* dextbed: queue full and timeout 0 */
#define MACH_RCV_INVALID_NAME       0x10004002  /* not a receive right or port set */
#define MACH_RCV_TIMED_OUT          0x10004003
#define MACH_RCV_TOO_LARGE          0x10004004  /* msgh_size says what is needed */
#define MACH_RCV_INTERRUPTED        0x10004005
#define MACH_RCV_PORT_CHANGED       0x10004006  /* the port moved into a set */
#define MACH_RCV_IN_SET             0x1000400a  /* the port is in a set: receive on the set */
#define MACH_RCV_INVALID_DATA       0x10004008  /* the receive buffer is not writable */
#define MACH_RCV_PORT_DIED          0x10004009  /* the receive right went away */
#define MACH_RCV_HEADER_ERROR       0x1000400b  /* no room in the name space */
#define MACH_RCV_BODY_ERROR         0x1000400c  /* no room for OOL memory */

/* Notifications the kernel sends (msgh_id), each to a send-once right the
 * task supplied with mach_port_request_notification. */
#define MACH_NOTIFY_NO_SENDERS  0106   /* the last send right went away */
#define MACH_NOTIFY_SEND_ONCE   0107   /* a send-once right died unused */
#define MACH_NOTIFY_DEAD_NAME   0110   /* a port we hold a send right to died */
#define TASK_NOTIFY_EXIT        0x7400 /* dextbed: a watched task ended */

typedef struct {
    mach_msg_header_t not_header;
    mach_port_name_t not_port;      /* DEAD_NAME: the name, now a dead name */
    uint32_t not_count;             /* NO_SENDERS: send rights ever made */
} mach_notification_t;

/* Why a task ended (TASK_NOTIFY_EXIT). */
#define TASK_EXIT_NORMAL  0     /* it called task_exit; status is its code */
#define TASK_EXIT_KILLED  1     /* task_kill */
#define TASK_EXIT_FAULT   2     /* a CPU exception: vector, address, rip */

typedef struct {
    mach_msg_header_t header;
    uint32_t pid;
    int32_t status;
    uint32_t reason;            /* TASK_EXIT_* */
    uint32_t fault_vector;      /* reason FAULT: the exception vector */
    uint64_t fault_address;     /* page faults: the address touched */
    uint64_t fault_rip;
    char name[32];
} task_exit_notification_t;

/* Rights, for mach_port_allocate / mach_port_mod_refs / mach_port_type. */
#define MACH_PORT_RIGHT_SEND       0
#define MACH_PORT_RIGHT_RECEIVE    1
#define MACH_PORT_RIGHT_SEND_ONCE  2
#define MACH_PORT_RIGHT_PORT_SET   3
#define MACH_PORT_RIGHT_DEAD_NAME  4
#define MACH_PORT_TYPE(right)      (1u << ((right) + 16))
#define MACH_PORT_TYPE_SEND        MACH_PORT_TYPE(MACH_PORT_RIGHT_SEND)
#define MACH_PORT_TYPE_RECEIVE     MACH_PORT_TYPE(MACH_PORT_RIGHT_RECEIVE)
#define MACH_PORT_TYPE_SEND_ONCE   MACH_PORT_TYPE(MACH_PORT_RIGHT_SEND_ONCE)
#define MACH_PORT_TYPE_PORT_SET    MACH_PORT_TYPE(MACH_PORT_RIGHT_PORT_SET)
#define MACH_PORT_TYPE_DEAD_NAME   MACH_PORT_TYPE(MACH_PORT_RIGHT_DEAD_NAME)

/* Variants for mach_port_request_notification. */
#define MACH_NOTIFY_REQUEST_DEAD_NAME   MACH_NOTIFY_DEAD_NAME
#define MACH_NOTIFY_REQUEST_NO_SENDERS  MACH_NOTIFY_NO_SENDERS

#define MACH_PORT_UREFS_MAX  0xffffu     /* user references per send right */
#define IPC_SPACE_NAMES_MAX  4096        /* names per task */

#endif
