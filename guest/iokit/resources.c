/* IOResources: the nub for drivers with no hardware.  Its properties are
 * the published resources that IOResourceMatch asks for; publishing one
 * matches IOResources again, so a driver waiting on it starts.  Drivers
 * matching IOResources should each give their own IOMatchCategory (as on
 * macOS), or the first one started holds IODefaultMatchCategory. */
#include <libkern/platform.h>

#include "iokit_internal.h"

static IOService *g_resources;     /* +1 while it exists */

bool IOService_init_resources(void)
{
    IOService *res;
    IORegistryEntry *root = IORegistryEntry_get_root();

    if (g_resources && !IOService_is_inactive(g_resources))
        return true;
    if (!root || !gIOServicePlane)
        return false;
    res = (IOService *)OSMetaClass_alloc_instance(OSTypeID(IOResources));
    if (!res)
        return false;
    if (!IOService_init(res, NULL)
        || !IORegistryEntry_attach_to_parent(&res->entry, root, gIOServicePlane)) {
        OSObject_release(res);
        return false;
    }
    OSSafeReleaseNULL(g_resources);     /* an earlier, terminated one */
    g_resources = res;
    IOService_register_service(res);
    return true;
}

IOService *IOService_get_resource_service(void)
{
    return g_resources;
}

bool IOService_publish_resource(const char *key, const void *value)
{
    const OSSymbol *dflt = NULL;
    bool ok;

    if (!g_resources || !key)
        return false;
    /* As xnu: a resource published without a value is the symbol
     * "IOService". */
    if (!value && !(value = dflt = OSSymbol_with_cstring("IOService")))
        return false;
    ok = IORegistryEntry_set_property(&g_resources->entry, key, value);
    OSSafeReleaseNULL(dflt);
    if (ok)
        IOService_register_service(g_resources);
    return ok;
}
