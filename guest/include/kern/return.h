/* The one status type: Mach's kern_return_t values (IOReturn builds on it).
 * Shared by the kernel and guest userland. */
#ifndef KERN_RETURN_H
#define KERN_RETURN_H

#include <stdint.h>

typedef int32_t kern_return_t;

#define KERN_SUCCESS              0
#define KERN_INVALID_ADDRESS      1   /* not mapped, or outside user space */
#define KERN_PROTECTION_FAILURE   2   /* mapped, but not with that access */
#define KERN_NO_SPACE             3   /* no room in an address space / name space */
#define KERN_INVALID_ARGUMENT     4
#define KERN_FAILURE              5
#define KERN_RESOURCE_SHORTAGE    6   /* out of memory or a per-task limit */
#define KERN_NOT_RECEIVER         7
#define KERN_NO_ACCESS            8   /* the task lacks the privilege */
#define KERN_ALREADY_IN_SET       11
#define KERN_NOT_IN_SET           12
#define KERN_NAME_EXISTS          13
#define KERN_ABORTED              14
#define KERN_INVALID_NAME         15  /* no such port name in the space */
#define KERN_INVALID_TASK         16
#define KERN_INVALID_RIGHT        17  /* the name does not denote that right */
#define KERN_INVALID_VALUE        18
#define KERN_UREFS_OVERFLOW       19
#define KERN_INVALID_CAPABILITY   20  /* a port of the wrong kind of object */
#define KERN_RIGHT_EXISTS         21
#define KERN_TERMINATED           37
#define KERN_NOT_SUPPORTED        46
#define KERN_OPERATION_TIMED_OUT  49
#define KERN_NOT_FOUND            56
#define KERN_INVALID_SYSCALL      70  /* dextbed: no such system call */

/* A short name for any kern_return_t or mach_msg_return_t ("KERN_..."). */
const char *kern_return_name(kern_return_t kr);

#endif
