/* IOReturn: IOKit's status codes (the values Apple's IOReturn.h gives them).
 * IOReturn is a kern_return_t, so one status type runs through the kernel. */
#ifndef IOKIT_IORETURN_H
#define IOKIT_IORETURN_H

#include "kern/return.h"

typedef kern_return_t IOReturn;

#define kIOReturnSuccess         0
#define kIOReturnError           ((IOReturn)0xe00002bc)
#define kIOReturnNoMemory        ((IOReturn)0xe00002bd)
#define kIOReturnNoResources     ((IOReturn)0xe00002be)
#define kIOReturnBadArgument     ((IOReturn)0xe00002c2)
#define kIOReturnExclusiveAccess ((IOReturn)0xe00002c5)
#define kIOReturnUnsupported     ((IOReturn)0xe00002c7)
#define kIOReturnNoDevice        ((IOReturn)0xe00002c0)
#define kIOReturnInternalError   ((IOReturn)0xe00002c9)
#define kIOReturnBusy            ((IOReturn)0xe00002d5)
#define kIOReturnTimeout         ((IOReturn)0xe00002d6)
#define kIOReturnNotReady        ((IOReturn)0xe00002d8)
#define kIOReturnOffline         ((IOReturn)0xe00002db)
#define kIOReturnNotPermitted    ((IOReturn)0xe00002e2)
#define kIOReturnNoSpace         ((IOReturn)0xe00002e4)
#define kIOReturnAborted         ((IOReturn)0xe00002eb)
#define kIOReturnNotFound        ((IOReturn)0xe00002f0)

/* "kIOReturnNoMemory" etc.; "kIOReturn(0x...)" for others (static buffer). */
const char *IOReturn_name(IOReturn r);

#endif
