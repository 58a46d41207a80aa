/* OSArray: an ordered list of retained objects. */
#include "lk_internal.h"

static void OSArray_dtor(OSObject *obj)
{
    OSArray *a = (OSArray *)obj;

    for (unsigned i = 0; i < a->count; i++)
        OSObject_release(a->items[i]);
    if (a->items)
        lk_free(a->items, a->capacity * sizeof(*a->items));
    a->items = NULL;
    a->count = a->capacity = 0;
}

OSDefineMetaClass(OSArray, OSObject, NULL, OSArray_dtor, NULL);

/* Room for at least want items; false (unchanged) if memory ran out. */
static bool array_reserve(OSArray *a, unsigned want)
{
    OSObject **items;
    unsigned cap;

    if (want <= a->capacity)
        return true;
    if (want > (1u << 28))
        return false;
    cap = a->capacity ? a->capacity : 4;
    while (cap < want)
        cap *= 2;
    items = lk_alloc(cap * sizeof(*items));
    if (!items)
        return false;
    if (a->items) {
        memcpy(items, a->items, a->count * sizeof(*items));
        lk_free(a->items, a->capacity * sizeof(*items));
    }
    a->items = items;
    a->capacity = cap;
    return true;
}

OSArray *OSArray_with_capacity(unsigned capacity)
{
    OSArray *a = (OSArray *)OSMetaClass_alloc_instance(&OSArray_metaClass);

    if (a && capacity && !array_reserve(a, capacity)) {
        OSObject_release(a);
        return NULL;
    }
    return a;
}

unsigned OSArray_get_count(const OSArray *a)
{
    return a ? a->count : 0;
}

OSObject *OSArray_get_object(const OSArray *a, unsigned index)
{
    return a && index < a->count ? a->items[index] : NULL;
}

bool OSArray_insert_object(OSArray *a, unsigned index, const void *obj)
{
    if (!a || !obj || index > a->count || !array_reserve(a, a->count + 1))
        return false;
    memmove(&a->items[index + 1], &a->items[index],
            (a->count - index) * sizeof(*a->items));
    OSObject_retain(obj);
    a->items[index] = (OSObject *)obj;
    a->count++;
    return true;
}

bool OSArray_set_object(OSArray *a, const void *obj)
{
    return a && OSArray_insert_object(a, a->count, obj);
}

bool OSArray_replace_object(OSArray *a, unsigned index, const void *obj)
{
    OSObject *old;

    if (!a || !obj || index >= a->count)
        return false;
    OSObject_retain(obj);
    old = a->items[index];
    a->items[index] = (OSObject *)obj;
    OSObject_release(old);
    return true;
}

void OSArray_remove_object(OSArray *a, unsigned index)
{
    OSObject *old;

    if (!a || index >= a->count)
        return;
    old = a->items[index];
    memmove(&a->items[index], &a->items[index + 1],
            (a->count - index - 1) * sizeof(*a->items));
    a->count--;
    OSObject_release(old);
}

int OSArray_get_next_index_of_object(const OSArray *a, const void *obj,
                                     unsigned start)
{
    if (!a)
        return -1;
    for (unsigned i = start; i < a->count; i++)
        if (a->items[i] == obj)
            return (int)i;
    return -1;
}

OSArray *OSArray_copy(const OSArray *a)
{
    OSArray *c;

    if (!a)
        return NULL;
    c = OSArray_with_capacity(a->count);
    if (!c)
        return NULL;
    for (unsigned i = 0; i < a->count; i++)
        OSArray_set_object(c, a->items[i]);     /* capacity reserved */
    return c;
}
