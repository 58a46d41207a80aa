/* OSSet: objects held at most once (by identity), unordered. */
#include "lk_internal.h"

/* The member array exists from construction, so a set made with
 * OSMetaClass_alloc_instance is usable too. */
static bool OSSet_ctor(OSObject *obj)
{
    OSSet *s = (OSSet *)obj;

    s->members = OSArray_with_capacity(0);
    return s->members != NULL;
}

static void OSSet_dtor(OSObject *obj)
{
    OSSet *s = (OSSet *)obj;

    OSSafeReleaseNULL(s->members);
}

OSDefineMetaClass(OSSet, OSObject, OSSet_ctor, OSSet_dtor, NULL);

OSSet *OSSet_with_capacity(unsigned capacity)
{
    OSSet *s = (OSSet *)OSMetaClass_alloc_instance(&OSSet_metaClass);

    if (!s)
        return NULL;
    if (capacity) {
        OSArray *m = OSArray_with_capacity(capacity);

        if (!m) {
            OSObject_release(s);
            return NULL;
        }
        OSObject_release(s->members);
        s->members = m;
    }
    return s;
}

unsigned OSSet_get_count(const OSSet *s)
{
    return s ? OSArray_get_count(s->members) : 0;
}

bool OSSet_contains_object(const OSSet *s, const void *obj)
{
    return s && obj &&
           OSArray_get_next_index_of_object(s->members, obj, 0) >= 0;
}

bool OSSet_set_object(OSSet *s, const void *obj)
{
    if (!s || !obj)
        return false;
    if (OSSet_contains_object(s, obj))
        return true;
    return OSArray_set_object(s->members, obj);
}

void OSSet_remove_object(OSSet *s, const void *obj)
{
    int i;

    if (!s || !obj)
        return;
    i = OSArray_get_next_index_of_object(s->members, obj, 0);
    if (i >= 0)
        OSArray_remove_object(s->members, (unsigned)i);
}

OSObject *OSSet_get_object_at(const OSSet *s, unsigned index)
{
    return s ? OSArray_get_object(s->members, index) : NULL;
}
