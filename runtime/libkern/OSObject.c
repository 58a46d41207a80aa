/* OSObject and OSMetaClass: retain/release, construction and destruction
 * along the class chain, checked casts, the class registry. */
#include "lk_internal.h"

/* OSObject is the root: no superclass, so it is defined by hand and
 * registered first by libkern_init. */
OSMetaClass OSObject_metaClass = {
    .name = "OSObject", .super = NULL, .size = sizeof(OSObject),
};

/* Classes placed in the osmetaclass section by OSDefineMetaClass.  Weak: a
 * program with no classes there still links (both are then NULL). */
extern OSMetaClass *const __start_osmetaclass[] __attribute__((weak));
extern OSMetaClass *const __stop_osmetaclass[] __attribute__((weak));

/* The registry, in registration order. */
static OSMetaClass *registry_head, *registry_tail;
static bool libkern_ready;

/* A class chain longer than this is a cycle: a broken invariant. */
#define MAX_CLASS_DEPTH 256

uint32_t lk_hash(const char *s, size_t len)
{
    uint32_t h = 2166136261u;

    for (size_t i = 0; i < len; i++) {
        h ^= (uint8_t)s[i];
        h *= 16777619u;
    }
    return h;
}

char *lk_strndup(const char *s, size_t len)
{
    char *c = lk_alloc(len + 1);

    if (c) {
        memcpy(c, s, len);
        c[len] = '\0';
    }
    return c;
}

OSMetaClass *OSMetaClass_get_class_with_name(const char *name)
{
    if (!name)
        return NULL;
    for (OSMetaClass *m = registry_head; m; m = m->next_registered)
        if (strcmp(m->name, name) == 0)
            return m;
    return NULL;
}

bool OSMetaClass_register(OSMetaClass *meta)
{
    OSMetaClass *other;

    if (!meta || !meta->name)
        return false;
    if (meta->registered)
        return true;
    other = OSMetaClass_get_class_with_name(meta->name);
    if (other) {
        lk_log("class %s registered twice (size %zu and %zu)", meta->name,
               other->size, meta->size);
        return false;
    }
    if (meta->super && meta->size < meta->super->size)
        lk_panic("class %s is smaller than its superclass %s", meta->name,
                 meta->super->name);
    /* A superclass from a module whose section was not scanned comes along. */
    if (meta->super && !meta->super->registered)
        OSMetaClass_register(meta->super);
    meta->registered = true;
    meta->next_registered = NULL;
    if (registry_tail)
        registry_tail->next_registered = meta;
    else
        registry_head = meta;
    registry_tail = meta;
    return true;
}

bool libkern_init(void)
{
    bool ok = true;

    if (libkern_ready)
        return true;
    OSMetaClass_register(&OSObject_metaClass);
    if (__start_osmetaclass && __stop_osmetaclass) {
        for (OSMetaClass *const *p = __start_osmetaclass;
             p < __stop_osmetaclass; p++)
            if (*p && !OSMetaClass_register(*p))
                ok = false;
    }
    libkern_ready = true;
    return ok;
}

OSMetaClass *OSMetaClass_create_dynamic(const char *name, OSMetaClass *super)
{
    OSMetaClass *meta;
    size_t len;

    if (!name || !super)
        return NULL;
    meta = OSMetaClass_get_class_with_name(name);
    if (meta)
        return meta;
    meta = lk_alloc(sizeof(*meta));
    if (!meta)
        return NULL;
    len = strlen(name);
    meta->name = lk_strndup(name, len);
    if (!meta->name) {
        lk_free(meta, sizeof(*meta));
        return NULL;
    }
    meta->super = super;
    meta->size = super->size;
    meta->dynamic = true;
    if (!OSMetaClass_register(meta)) {
        lk_free((char *)meta->name, len + 1);
        lk_free(meta, sizeof(*meta));
        return NULL;
    }
    return meta;
}

const OSMetaClass *OSMetaClass_first(void)
{
    return registry_head;
}

const OSMetaClass *OSMetaClass_next(const OSMetaClass *meta)
{
    return meta ? meta->next_registered : NULL;
}

uint32_t OSMetaClass_get_instance_count(const OSMetaClass *meta)
{
    return meta ? meta->instance_count : 0;
}

const void *OSMetaClass_get_methods(const OSMetaClass *meta)
{
    unsigned depth = 0;

    for (; meta; meta = meta->super) {
        if (meta->methods)
            return meta->methods;
        if (++depth > MAX_CLASS_DEPTH)
            lk_panic("class chain of %s loops", meta->name);
    }
    return NULL;
}

bool OSMetaClass_is_subclass_of(const OSMetaClass *cls, const OSMetaClass *base)
{
    unsigned depth = 0;

    if (!base)
        return false;
    for (; cls; cls = cls->super) {
        if (cls == base)
            return true;
        if (++depth > MAX_CLASS_DEPTH)
            lk_panic("class chain of %s loops", cls->name);
    }
    return false;
}

void *OSMetaClass_safe_cast(const void *obj, const OSMetaClass *meta)
{
    if (!obj ||
        !OSMetaClass_is_subclass_of(((const OSObject *)obj)->meta, meta))
        return NULL;
    return (void *)obj;
}

/* The ancestor of meta `up` steps up its chain. */
static const OSMetaClass *ancestor(const OSMetaClass *meta, unsigned up)
{
    while (up--)
        meta = meta->super;
    return meta;
}

static unsigned chain_length(const OSMetaClass *meta)
{
    unsigned n = 0;

    for (; meta; meta = meta->super)
        if (++n > MAX_CLASS_DEPTH)
            lk_panic("class chain of %s loops", meta->name);
    return n;
}

/* Run the destructors of meta and its ancestors, leaf first, skipping the
 * first `skip` classes (those whose constructors did not complete). */
static void run_dtors(OSObject *obj, const OSMetaClass *meta, unsigned skip)
{
    for (meta = ancestor(meta, skip); meta; meta = meta->super)
        if (meta->dtor)
            meta->dtor(obj);
}

OSObject *OSMetaClass_alloc_instance(OSMetaClass *meta)
{
    OSObject *obj;
    unsigned n;

    if (!meta || meta->size < sizeof(OSObject))
        return NULL;
    n = chain_length(meta);
    obj = lk_alloc(meta->size);
    if (!obj)
        return NULL;
    obj->meta = meta;
    obj->retain_count = 1;
    /* Root first: the class `up` steps above meta, up = n-1 .. 0.  A failing
     * constructor undoes its own work; the classes above it are undone. */
    for (unsigned up = n; up-- > 0;) {
        const OSMetaClass *m = ancestor(meta, up);

        if (m->ctor && !m->ctor(obj)) {
            run_dtors(obj, meta, up + 1);
            lk_free(obj, meta->size);
            return NULL;
        }
    }
    meta->instance_count++;
    return obj;
}

OSObject *OSMetaClass_alloc_class_with_name(const char *name)
{
    return OSMetaClass_alloc_instance(OSMetaClass_get_class_with_name(name));
}

void OSObject_retain(const void *o)
{
    OSObject *obj = (OSObject *)o;

    if (!obj || obj->retain_count == OS_RETAIN_IMMORTAL)
        return;
    if (obj->retain_count == 0 || obj->retain_count == OS_RETAIN_IMMORTAL - 1)
        lk_panic("retain of %s %p with retain count %u", obj->meta->name,
                 o, obj->retain_count);
    obj->retain_count++;
}

void OSObject_release(const void *o)
{
    OSObject *obj = (OSObject *)o;
    OSMetaClass *meta;

    if (!obj || obj->retain_count == OS_RETAIN_IMMORTAL)
        return;
    if (obj->retain_count == 0)
        lk_panic("release of freed %s %p", obj->meta->name, o);
    if (--obj->retain_count)
        return;
    meta = (OSMetaClass *)obj->meta;
    run_dtors(obj, meta, 0);
    if (meta->instance_count == 0)
        lk_panic("instance count of %s underflows", meta->name);
    meta->instance_count--;
    lk_free(obj, meta->size);
}

uint32_t OSObject_get_retain_count(const void *obj)
{
    return obj ? ((const OSObject *)obj)->retain_count : 0;
}

const OSMetaClass *OSObject_get_meta_class(const void *obj)
{
    return obj ? ((const OSObject *)obj)->meta : NULL;
}

const char *OSObject_get_class_name(const void *obj)
{
    return obj ? ((const OSObject *)obj)->meta->name : NULL;
}

bool OSObject_is_kind_of(const void *obj, const OSMetaClass *meta)
{
    return OSMetaClass_safe_cast(obj, meta) != NULL;
}

bool OSObject_is_equal_to(const void *a, const void *b)
{
    return lk_is_equal_depth(a, b, 0);
}
