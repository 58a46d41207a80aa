/* kern_return_name: the symbolic name of a kern_return_t or
 * mach_msg_return_t, for logs and test messages.  Freestanding; shared by
 * the kernel and guest userland. */
#include <format.h>
#include <stdint.h>

#include "kern/return.h"
#include "mach/message.h"

#define NAME(code) case code: return #code

const char *kern_return_name(kern_return_t kr)
{
    /* Unknown codes are formatted into one of a few rotating buffers, so a
     * message may name two unknown codes; not thread-safe beyond that. */
    static char unknown[4][24];
    static unsigned next;

    switch (kr) {
    NAME(KERN_SUCCESS);
    NAME(KERN_INVALID_ADDRESS);
    NAME(KERN_PROTECTION_FAILURE);
    NAME(KERN_NO_SPACE);
    NAME(KERN_INVALID_ARGUMENT);
    NAME(KERN_FAILURE);
    NAME(KERN_RESOURCE_SHORTAGE);
    NAME(KERN_NOT_RECEIVER);
    NAME(KERN_NO_ACCESS);
    NAME(KERN_ALREADY_IN_SET);
    NAME(KERN_NOT_IN_SET);
    NAME(KERN_NAME_EXISTS);
    NAME(KERN_ABORTED);
    NAME(KERN_INVALID_NAME);
    NAME(KERN_INVALID_TASK);
    NAME(KERN_INVALID_RIGHT);
    NAME(KERN_INVALID_VALUE);
    NAME(KERN_UREFS_OVERFLOW);
    NAME(KERN_INVALID_CAPABILITY);
    NAME(KERN_RIGHT_EXISTS);
    NAME(KERN_TERMINATED);
    NAME(KERN_NOT_SUPPORTED);
    NAME(KERN_OPERATION_TIMED_OUT);
    NAME(KERN_NOT_FOUND);
    NAME(KERN_INVALID_SYSCALL);
    /* mach_msg (MACH_MSG_SUCCESS is KERN_SUCCESS). */
    NAME(MACH_SEND_INVALID_DATA);
    NAME(MACH_SEND_INVALID_DEST);
    NAME(MACH_SEND_TIMED_OUT);
    NAME(MACH_SEND_INTERRUPTED);
    NAME(MACH_SEND_MSG_TOO_SMALL);
    NAME(MACH_SEND_INVALID_REPLY);
    NAME(MACH_SEND_INVALID_RIGHT);
    NAME(MACH_SEND_INVALID_MEMORY);
    NAME(MACH_SEND_NO_BUFFER);
    NAME(MACH_SEND_TOO_LARGE);
    NAME(MACH_SEND_INVALID_TYPE);
    NAME(MACH_SEND_INVALID_HEADER);
    NAME(MACH_SEND_QUEUE_FULL);
    NAME(MACH_RCV_INVALID_NAME);
    NAME(MACH_RCV_TIMED_OUT);
    NAME(MACH_RCV_TOO_LARGE);
    NAME(MACH_RCV_INTERRUPTED);
    NAME(MACH_RCV_PORT_CHANGED);
    NAME(MACH_RCV_IN_SET);
    NAME(MACH_RCV_INVALID_DATA);
    NAME(MACH_RCV_PORT_DIED);
    NAME(MACH_RCV_HEADER_ERROR);
    NAME(MACH_RCV_BODY_ERROR);
    }
    char *buf = unknown[next++ % 4];
    snprintf(buf, sizeof(unknown[0]), "unknown (0x%x)", (unsigned)kr);
    return buf;
}
