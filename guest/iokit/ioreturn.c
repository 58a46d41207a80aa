/* IOReturn_name: the constant's name for an IOReturn (IOReturn.h). */
#include "iokit_internal.h"

static const struct {
    IOReturn value;
    const char *name;
} ioreturn_names[] = {
    { kIOReturnSuccess, "kIOReturnSuccess" },
    { kIOReturnError, "kIOReturnError" },
    { kIOReturnNoMemory, "kIOReturnNoMemory" },
    { kIOReturnNoResources, "kIOReturnNoResources" },
    { kIOReturnBadArgument, "kIOReturnBadArgument" },
    { kIOReturnExclusiveAccess, "kIOReturnExclusiveAccess" },
    { kIOReturnUnsupported, "kIOReturnUnsupported" },
    { kIOReturnNoDevice, "kIOReturnNoDevice" },
    { kIOReturnInternalError, "kIOReturnInternalError" },
    { kIOReturnBusy, "kIOReturnBusy" },
    { kIOReturnTimeout, "kIOReturnTimeout" },
    { kIOReturnNotReady, "kIOReturnNotReady" },
    { kIOReturnOffline, "kIOReturnOffline" },
    { kIOReturnNotPermitted, "kIOReturnNotPermitted" },
    { kIOReturnNoSpace, "kIOReturnNoSpace" },
    { kIOReturnAborted, "kIOReturnAborted" },
    { kIOReturnNotFound, "kIOReturnNotFound" },
};

const char *IOReturn_name(IOReturn r)
{
    /* For values without a name; the next call overwrites it. */
    static char unknown[32];

    for (size_t i = 0; i < sizeof(ioreturn_names) / sizeof(ioreturn_names[0]); i++) {
        if (ioreturn_names[i].value == r)
            return ioreturn_names[i].name;
    }
    snprintf(unknown, sizeof(unknown), "kIOReturn(0x%x)", (unsigned)r);
    return unknown;
}
