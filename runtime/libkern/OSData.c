/* OSData: an immutable copy of some bytes. */
#include "lk_internal.h"

static void OSData_dtor(OSObject *obj)
{
    OSData *d = (OSData *)obj;

    if (d->bytes)
        lk_free(d->bytes, d->length);
    d->bytes = NULL;
}

OSDefineMetaClass(OSData, OSObject, NULL, OSData_dtor, NULL);

OSData *OSData_with_bytes(const void *bytes, size_t length)
{
    OSData *d;

    if (!bytes && length)
        return NULL;
    d = (OSData *)OSMetaClass_alloc_instance(&OSData_metaClass);
    if (!d)
        return NULL;
    if (length) {
        d->bytes = lk_alloc(length);
        if (!d->bytes) {
            OSObject_release(d);
            return NULL;
        }
        memcpy(d->bytes, bytes, length);
        d->length = length;
    }
    return d;
}

const void *OSData_get_bytes(const OSData *d)
{
    static const uint8_t empty[1];

    if (!d)
        return NULL;
    return d->bytes ? d->bytes : empty;
}

size_t OSData_get_length(const OSData *d)
{
    return d ? d->length : 0;
}
