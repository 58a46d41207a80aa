/* The one status type: Mach's kern_return_t values (IOReturn builds on it). */
#ifndef KERN_RETURN_H
#define KERN_RETURN_H

#include <stdint.h>

typedef int32_t kern_return_t;

#define KERN_SUCCESS            0
#define KERN_INVALID_ADDRESS    1
#define KERN_NO_SPACE           3
#define KERN_INVALID_ARGUMENT   4
#define KERN_FAILURE            5
#define KERN_RESOURCE_SHORTAGE  6
#define KERN_NOT_FOUND          56

#endif
