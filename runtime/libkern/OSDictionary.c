/* OSDictionary: symbol keys in insertion order; an open-addressing hash
 * index over the entries once there are more than HASH_THRESHOLD. */
#include "lk_internal.h"

#define HASH_THRESHOLD 16

static void free_index(OSDictionary *d)
{
    if (d->hash_index)
        lk_free(d->hash_index, d->hash_slots * sizeof(*d->hash_index));
    d->hash_index = NULL;
    d->hash_slots = 0;
}

static void OSDictionary_dtor(OSObject *obj)
{
    OSDictionary *d = (OSDictionary *)obj;

    for (unsigned i = 0; i < d->count; i++) {
        OSObject_release(d->keys[i]);
        OSObject_release(d->values[i]);
    }
    if (d->keys)
        lk_free(d->keys, d->capacity * sizeof(*d->keys));
    if (d->values)
        lk_free(d->values, d->capacity * sizeof(*d->values));
    d->keys = NULL;
    d->values = NULL;
    d->count = d->capacity = 0;
    d->key_filter = 0;
    free_index(d);
}

OSDefineMetaClass(OSDictionary, OSObject, NULL, OSDictionary_dtor, NULL);

/* Put entry i into the index (which has a free slot). */
static void index_insert(OSDictionary *d, unsigned i)
{
    unsigned mask = d->hash_slots - 1;
    unsigned s = d->keys[i]->hash & mask;

    while (d->hash_index[s])
        s = (s + 1) & mask;
    d->hash_index[s] = i + 1;
}

static void index_refill(OSDictionary *d)
{
    memset(d->hash_index, 0, d->hash_slots * sizeof(*d->hash_index));
    for (unsigned i = 0; i < d->count; i++)
        index_insert(d, i);
}

/* Keep the index at most half full; without memory, drop it (lookups fall
 * back to a scan, still correct). */
static void index_update(OSDictionary *d)
{
    unsigned slots;

    if (d->count <= HASH_THRESHOLD && !d->hash_index)
        return;
    if (d->hash_index && d->hash_slots >= 2 * d->count) {
        index_insert(d, d->count - 1);
        return;
    }
    for (slots = 64; slots < 4 * d->count; slots *= 2)
        ;
    free_index(d);
    d->hash_index = lk_alloc(slots * sizeof(*d->hash_index));
    if (!d->hash_index)
        return;
    d->hash_slots = slots;
    index_refill(d);
}

static uint64_t key_filter_bit(const OSSymbol *key)
{
    return 1ull << (key->hash & 63);
}

/* Index of key's entry, or -1. */
static long find(const OSDictionary *d, const OSSymbol *key)
{
    if (!key || !(d->key_filter & key_filter_bit(key)))
        return -1;
    if (d->hash_index) {
        unsigned mask = d->hash_slots - 1;

        for (unsigned s = key->hash & mask; d->hash_index[s];
             s = (s + 1) & mask)
            if (d->keys[d->hash_index[s] - 1] == key)
                return (long)d->hash_index[s] - 1;
        return -1;
    }
    for (unsigned i = 0; i < d->count; i++)
        if (d->keys[i] == key)
            return (long)i;
    return -1;
}

static bool reserve(OSDictionary *d, unsigned want)
{
    const OSSymbol **keys;
    OSObject **values;
    unsigned cap;

    if (want <= d->capacity)
        return true;
    if (want > (1u << 27))
        return false;
    cap = d->capacity ? d->capacity : 4;
    while (cap < want)
        cap *= 2;
    keys = lk_alloc(cap * sizeof(*keys));
    values = lk_alloc(cap * sizeof(*values));
    if (!keys || !values) {
        if (keys)
            lk_free(keys, cap * sizeof(*keys));
        if (values)
            lk_free(values, cap * sizeof(*values));
        return false;
    }
    if (d->count) {
        memcpy(keys, d->keys, d->count * sizeof(*keys));
        memcpy(values, d->values, d->count * sizeof(*values));
    }
    if (d->keys)
        lk_free(d->keys, d->capacity * sizeof(*keys));
    if (d->values)
        lk_free(d->values, d->capacity * sizeof(*values));
    d->keys = keys;
    d->values = values;
    d->capacity = cap;
    return true;
}

OSDictionary *OSDictionary_with_capacity(unsigned capacity)
{
    OSDictionary *d =
        (OSDictionary *)OSMetaClass_alloc_instance(&OSDictionary_metaClass);

    if (d && capacity && !reserve(d, capacity)) {
        OSObject_release(d);
        return NULL;
    }
    return d;
}

unsigned OSDictionary_get_count(const OSDictionary *d)
{
    return d ? d->count : 0;
}

OSObject *OSDictionary_get_object_sym(const OSDictionary *d,
                                      const OSSymbol *key)
{
    long i;

    if (!d)
        return NULL;
    i = find(d, key);
    return i < 0 ? NULL : d->values[i];
}

OSObject *OSDictionary_get_object(const OSDictionary *d, const char *key)
{
    if (!d || !key)
        return NULL;
    return OSDictionary_get_object_sym(d, lk_symbol_find(key, strlen(key)));
}

bool OSDictionary_set_object_sym(OSDictionary *d, const OSSymbol *key,
                                 const void *obj)
{
    OSObject *old;
    long i;

    if (!d || !key || !obj)
        return false;
    i = find(d, key);
    if (i >= 0) {
        OSObject_retain(obj);
        old = d->values[i];
        d->values[i] = (OSObject *)obj;
        OSObject_release(old);
        return true;
    }
    if (!reserve(d, d->count + 1))
        return false;
    OSObject_retain(key);
    OSObject_retain(obj);
    d->keys[d->count] = key;
    d->values[d->count] = (OSObject *)obj;
    d->count++;
    d->key_filter |= key_filter_bit(key);
    index_update(d);
    return true;
}

bool OSDictionary_set_object(OSDictionary *d, const char *key, const void *obj)
{
    const OSSymbol *sym;
    bool ok;

    if (!d || !key || !obj)
        return false;
    sym = OSSymbol_with_cstring(key);
    if (!sym)
        return false;
    ok = OSDictionary_set_object_sym(d, sym, obj);
    OSObject_release(sym);
    return ok;
}

void OSDictionary_remove_object(OSDictionary *d, const char *key)
{
    const OSSymbol *k;
    OSObject *v;
    long i;

    if (!d || !key)
        return;
    i = find(d, lk_symbol_find(key, strlen(key)));
    if (i < 0)
        return;
    k = d->keys[i];
    v = d->values[i];
    memmove(&d->keys[i], &d->keys[i + 1],
            (d->count - (unsigned)i - 1) * sizeof(*d->keys));
    memmove(&d->values[i], &d->values[i + 1],
            (d->count - (unsigned)i - 1) * sizeof(*d->values));
    d->count--;
    d->key_filter = 0;
    for (unsigned j = 0; j < d->count; j++)
        d->key_filter |= key_filter_bit(d->keys[j]);
    if (d->hash_index)
        index_refill(d);
    OSObject_release(v);
    OSObject_release(k);
}

const OSSymbol *OSDictionary_get_key_at(const OSDictionary *d, unsigned index)
{
    return d && index < d->count ? d->keys[index] : NULL;
}

OSObject *OSDictionary_get_value_at(const OSDictionary *d, unsigned index)
{
    return d && index < d->count ? d->values[index] : NULL;
}

bool OSDictionary_merge(OSDictionary *d, const OSDictionary *src)
{
    if (!d || !src)
        return false;
    if (d == src)
        return true;
    for (unsigned i = 0; i < src->count; i++)
        if (!OSDictionary_set_object_sym(d, src->keys[i], src->values[i]))
            return false;
    return true;
}

OSDictionary *OSDictionary_copy(const OSDictionary *d)
{
    OSDictionary *c;

    if (!d)
        return NULL;
    c = OSDictionary_with_capacity(d->count);
    if (c && !OSDictionary_merge(c, d))
        OSSafeReleaseNULL(c);
    return c;
}
