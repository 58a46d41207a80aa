/* Deep equality and deep copy of value trees, both bounded to
 * LK_MAX_DEPTH nested containers (deeper trees compare unequal and do not
 * copy) so they never run a kernel stack out. */
#include "lk_internal.h"

#define IS(obj, cls) OSObject_is_kind_of(obj, OSTypeID(cls))

static bool dict_equal(const OSDictionary *a, const OSDictionary *b,
                       unsigned depth)
{
    if (a->count != b->count)
        return false;
    for (unsigned i = 0; i < a->count; i++) {
        OSObject *other = OSDictionary_get_object_sym(b, a->keys[i]);

        if (!other || !lk_is_equal_depth(a->values[i], other, depth + 1))
            return false;
    }
    return true;
}

static bool array_equal(const OSArray *a, const OSArray *b, unsigned depth)
{
    if (a->count != b->count)
        return false;
    for (unsigned i = 0; i < a->count; i++)
        if (!lk_is_equal_depth(a->items[i], b->items[i], depth + 1))
            return false;
    return true;
}

/* Every member of a has an equal member in b. */
static bool set_covered(const OSSet *a, const OSSet *b, unsigned depth)
{
    unsigned n = OSSet_get_count(a), nb = OSSet_get_count(b);

    for (unsigned i = 0; i < n; i++) {
        OSObject *m = OSSet_get_object_at(a, i);
        unsigned j;

        if (OSSet_contains_object(b, m))
            continue;
        for (j = 0; j < nb; j++)
            if (lk_is_equal_depth(m, OSSet_get_object_at(b, j), depth + 1))
                break;
        if (j == nb)
            return false;
    }
    return true;
}

/* Same size and the same members up to equality (both ways: a set may hold
 * two equal objects, being keyed by identity). */
static bool set_equal(const OSSet *a, const OSSet *b, unsigned depth)
{
    return OSSet_get_count(a) == OSSet_get_count(b) &&
           set_covered(a, b, depth) && set_covered(b, a, depth);
}

bool lk_is_equal_depth(const void *a, const void *b, unsigned depth)
{
    if (a == b)
        return true;
    if (!a || !b)
        return false;
    if (IS(a, OSString))
        return IS(b, OSString) && lk_string_equal(a, b);
    if (IS(a, OSNumber))
        return IS(b, OSNumber) && lk_number_equal(a, b);
    if (IS(a, OSBoolean))
        return IS(b, OSBoolean) &&
               ((const OSBoolean *)a)->value == ((const OSBoolean *)b)->value;
    if (IS(a, OSData)) {
        const OSData *x = a, *y = b;

        return IS(b, OSData) && x->length == y->length &&
               (!x->length || memcmp(x->bytes, y->bytes, x->length) == 0);
    }
    if (IS(a, OSDate))
        return IS(b, OSDate) &&
               ((const OSDate *)a)->seconds == ((const OSDate *)b)->seconds;
    if (depth >= LK_MAX_DEPTH)
        return false;
    if (IS(a, OSArray))
        return IS(b, OSArray) && array_equal(a, b, depth);
    if (IS(a, OSDictionary))
        return IS(b, OSDictionary) && dict_equal(a, b, depth);
    if (IS(a, OSSet))
        return IS(b, OSSet) && set_equal(a, b, depth);
    return false;
}

static OSObject *copy_depth(const void *obj, unsigned depth);

static OSObject *copy_array(const OSArray *a, unsigned depth)
{
    OSArray *c = OSArray_with_capacity(a->count);

    for (unsigned i = 0; c && i < a->count; i++) {
        OSObject *m = copy_depth(a->items[i], depth + 1);

        if (!m || !OSArray_set_object(c, m))
            OSSafeReleaseNULL(c);
        OSSafeReleaseNULL(m);
    }
    return (OSObject *)c;
}

static OSObject *copy_dict(const OSDictionary *d, unsigned depth)
{
    OSDictionary *c = OSDictionary_with_capacity(d->count);

    for (unsigned i = 0; c && i < d->count; i++) {
        OSObject *m = copy_depth(d->values[i], depth + 1);

        if (!m || !OSDictionary_set_object_sym(c, d->keys[i], m))
            OSSafeReleaseNULL(c);
        OSSafeReleaseNULL(m);
    }
    return (OSObject *)c;
}

static OSObject *copy_set(const OSSet *s, unsigned depth)
{
    unsigned n = OSSet_get_count(s);
    OSSet *c = OSSet_with_capacity(n);

    for (unsigned i = 0; c && i < n; i++) {
        OSObject *m = copy_depth(OSSet_get_object_at(s, i), depth + 1);

        if (!m || !OSSet_set_object(c, m))
            OSSafeReleaseNULL(c);
        OSSafeReleaseNULL(m);
    }
    return (OSObject *)c;
}

static OSObject *copy_depth(const void *obj, unsigned depth)
{
    const OSMetaClass *meta;

    if (!obj)
        return NULL;
    meta = OSObject_get_meta_class(obj);
    /* Symbols are interned and booleans are singletons: shared. */
    if (meta == OSTypeID(OSString)) {
        const OSString *s = obj;

        return (OSObject *)OSString_with_bytes(s->cstr, s->length);
    }
    if (meta == OSTypeID(OSNumber)) {
        const OSNumber *n = obj;
        OSNumber *c;

        if (n->is_real)
            return (OSObject *)OSNumber_with_real_text(n->real_text);
        c = OSNumber_with_value(n->value, n->bits);
        if (c)
            c->is_signed = n->is_signed;
        return (OSObject *)c;
    }
    if (meta == OSTypeID(OSData))
        return (OSObject *)OSData_with_bytes(OSData_get_bytes(obj),
                                             OSData_get_length(obj));
    if (meta == OSTypeID(OSDate))
        return (OSObject *)OSDate_with_seconds(OSDate_get_seconds(obj));
    if (meta == OSTypeID(OSArray) || meta == OSTypeID(OSDictionary) ||
        meta == OSTypeID(OSSet)) {
        if (depth >= LK_MAX_DEPTH)
            return NULL;
        if (meta == OSTypeID(OSArray))
            return copy_array(obj, depth);
        if (meta == OSTypeID(OSDictionary))
            return copy_dict(obj, depth);
        return copy_set(obj, depth);
    }
    /* Symbols, booleans, subclasses and other objects: shared. */
    OSObject_retain(obj);
    return (OSObject *)obj;
}

OSObject *OSObject_copy_deep(const void *obj)
{
    return copy_depth(obj, 0);
}
