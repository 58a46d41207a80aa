/* IORegistryEntry: registry IDs, names, locations, properties, planes and
 * links, paths, and the registry archive that ioreg reads.  The contract is
 * guest/include/iokit/IORegistryEntry.h.
 *
 * Portable C over libkern: built into the kernel and into host tools. */
#include <libkern/platform.h>

#include "iokit_internal.h"

/* Registry IDs start where xnu's do, so ids look familiar in ioreg. */
#define FIRST_REGISTRY_ID 0x100000100ull
#define ID_BUCKETS        256u

static IORegistryPlane g_planes[IO_REGISTRY_MAX_PLANES];
static unsigned g_plane_count;
const IORegistryPlane *gIOServicePlane;
const IORegistryPlane *gIOPowerPlane;

static IORegistryEntry *g_root;
static uint64_t g_next_id = FIRST_REGISTRY_ID;
static IORegistryEntry *g_id_table[ID_BUCKETS];     /* chained on id_next */
static size_t g_entry_count;

static void registry_entry_dtor(OSObject *obj);

OSDefineMetaClass(IORegistryEntry, OSObject, NULL, registry_entry_dtor, NULL);

/* --- IDs ---------------------------------------------------------------- */

static void id_table_remove(IORegistryEntry *e)
{
    IORegistryEntry **link = &g_id_table[e->registry_id % ID_BUCKETS];

    while (*link && *link != e)
        link = &(*link)->id_next;
    if (*link)
        *link = e->id_next;
    e->id_next = NULL;
    e->in_id_table = false;
    g_entry_count--;
}

IORegistryEntry *IORegistryEntry_find_by_id(uint64_t id)
{
    IORegistryEntry *e = g_id_table[id % ID_BUCKETS];

    while (e && e->registry_id != id)
        e = e->id_next;
    return e;
}

size_t IORegistry_entry_count(void)
{
    return g_entry_count;
}

/* Last release: out of the ID table, links and tables dropped.  An entry
 * that still had links could not get here (each link holds a reference). */
static void registry_entry_dtor(OSObject *obj)
{
    IORegistryEntry *e = (IORegistryEntry *)obj;

    if (e->in_id_table)
        id_table_remove(e);
    for (unsigned i = 0; i < IO_REGISTRY_MAX_PLANES; i++) {
        OSSafeReleaseNULL(e->parents[i]);
        OSSafeReleaseNULL(e->children[i]);
    }
    OSSafeReleaseNULL(e->properties);
    OSSafeReleaseNULL(e->name);
    OSSafeReleaseNULL(e->location);
}

bool IORegistryEntry_init(IORegistryEntry *e, OSDictionary *dict)
{
    if (!e)
        return false;
    if (!e->properties) {
        e->properties = dict ? OSDictionary_copy(dict)
                             : OSDictionary_with_capacity(8);
        if (!e->properties)
            return false;
    } else if (dict && !OSDictionary_merge(e->properties, dict)) {
        return false;
    }
    if (!e->in_id_table) {
        IORegistryEntry **bucket;

        e->registry_id = g_next_id++;
        bucket = &g_id_table[e->registry_id % ID_BUCKETS];
        e->id_next = *bucket;
        *bucket = e;
        e->in_id_table = true;
        g_entry_count++;
    }
    return true;
}

uint64_t IORegistryEntry_get_registry_entry_id(const IORegistryEntry *e)
{
    return e ? e->registry_id : 0;
}

/* --- Planes and the root ------------------------------------------------ */

static const IORegistryPlane *make_plane(const char *name)
{
    IORegistryPlane *p;

    if (g_plane_count >= IO_REGISTRY_MAX_PLANES)
        return NULL;
    p = &g_planes[g_plane_count];
    p->name = OSSymbol_with_cstring(name);
    if (!p->name)
        return NULL;
    p->index = g_plane_count++;
    return p;
}

bool IORegistry_init(void)
{
    IORegistryEntry *root;

    if (g_root)
        return true;
    if (!gIOServicePlane && !(gIOServicePlane = make_plane(kIOServicePlane)))
        return false;
    if (!gIOPowerPlane && !(gIOPowerPlane = make_plane(kIOPowerPlane)))
        return false;
    root = (IORegistryEntry *)OSMetaClass_alloc_instance(OSTypeID(IORegistryEntry));
    if (!root)
        return false;
    if (!IORegistryEntry_init(root, NULL) || !IORegistryEntry_set_name(root, "Root")) {
        OSObject_release(root);
        return false;
    }
    g_root = root;
    return true;
}

IORegistryEntry *IORegistryEntry_get_root(void)
{
    return g_root;
}

const IORegistryPlane *IORegistry_get_plane(const char *name)
{
    for (unsigned i = 0; name && i < g_plane_count; i++) {
        if (strcmp(OSSymbol_get_cstring(g_planes[i].name), name) == 0)
            return &g_planes[i];
    }
    return NULL;
}

/* The plane named by the len bytes at name, or NULL. */
static const IORegistryPlane *plane_named(const char *name, size_t len)
{
    for (unsigned i = 0; i < g_plane_count; i++) {
        const char *n = OSSymbol_get_cstring(g_planes[i].name);

        if (strlen(n) == len && strncmp(n, name, len) == 0)
            return &g_planes[i];
    }
    return NULL;
}

/* --- Names, locations, properties --------------------------------------- */

const char *IORegistryEntry_get_name(const IORegistryEntry *e)
{
    if (!e)
        return "";
    return e->name ? OSSymbol_get_cstring(e->name) : OSObject_get_class_name(e);
}

/* Replace *slot with the symbol for s (NULL clears). */
static bool set_symbol(const OSSymbol **slot, const char *s)
{
    const OSSymbol *sym = NULL;

    if (s && !(sym = OSSymbol_with_cstring(s)))
        return false;
    OSSafeReleaseNULL(*slot);
    *slot = sym;
    return true;
}

bool IORegistryEntry_set_name(IORegistryEntry *e, const char *name)
{
    return e && name && set_symbol(&e->name, name);
}

const char *IORegistryEntry_get_location(const IORegistryEntry *e)
{
    return e && e->location ? OSSymbol_get_cstring(e->location) : NULL;
}

bool IORegistryEntry_set_location(IORegistryEntry *e, const char *location)
{
    return e && set_symbol(&e->location, location);
}

OSObject *IORegistryEntry_get_property(const IORegistryEntry *e, const char *key)
{
    if (!e || !e->properties || !key)
        return NULL;
    return OSDictionary_get_object(e->properties, key);
}

bool IORegistryEntry_set_property(IORegistryEntry *e, const char *key,
                                  const void *value)
{
    if (!e || !e->properties || !key || !value)
        return false;
    return OSDictionary_set_object(e->properties, key, value);
}

void IORegistryEntry_remove_property(IORegistryEntry *e, const char *key)
{
    if (e && e->properties && key)
        OSDictionary_remove_object(e->properties, key);
}

OSDictionary *IORegistryEntry_get_property_table(const IORegistryEntry *e)
{
    return e ? e->properties : NULL;
}

/* --- Links -------------------------------------------------------------- */

IORegistryEntry *IORegistryEntry_get_parent_entry(const IORegistryEntry *e,
                                                  const IORegistryPlane *plane)
{
    if (!e || !plane || !e->parents[plane->index])
        return NULL;
    return (IORegistryEntry *)OSArray_get_object(e->parents[plane->index], 0);
}

OSArray *IORegistryEntry_get_parent_array(const IORegistryEntry *e,
                                          const IORegistryPlane *plane)
{
    return e && plane ? e->parents[plane->index] : NULL;
}

OSArray *IORegistryEntry_get_child_array(const IORegistryEntry *e,
                                         const IORegistryPlane *plane)
{
    return e && plane ? e->children[plane->index] : NULL;
}

bool IORegistryEntry_in_plane(const IORegistryEntry *e, const IORegistryPlane *plane)
{
    if (!e || !plane)
        return false;
    return e == g_root || (e->parents[plane->index]
                           && OSArray_get_count(e->parents[plane->index]) > 0);
}

int IORegistryEntry_get_depth(const IORegistryEntry *e, const IORegistryPlane *plane)
{
    int depth = 0;

    if (!e || !plane)
        return -1;
    while (e != g_root) {
        e = IORegistryEntry_get_parent_entry(e, plane);
        if (!e || ++depth > IOKIT_MAX_DEPTH)
            return -1;
    }
    return depth;
}

/* Steps up the first-parent chain from e to the top (bounded). */
static unsigned chain_length(const IORegistryEntry *e, const IORegistryPlane *plane)
{
    unsigned n = 0;

    while ((e = IORegistryEntry_get_parent_entry(e, plane)) && n <= IOKIT_MAX_DEPTH)
        n++;
    return n;
}

/* Levels of children under e (a leaf is 0), counting no further than
 * limit. */
static unsigned subtree_height(const IORegistryEntry *e, const IORegistryPlane *plane,
                               unsigned limit)
{
    OSArray *kids = e->children[plane->index];
    unsigned best = 0;

    if (!kids || limit == 0)
        return 0;
    for (unsigned i = 0; i < OSArray_get_count(kids) && best < limit; i++) {
        unsigned h = 1 + subtree_height((IORegistryEntry *)OSArray_get_object(kids, i),
                                        plane, limit - 1);
        if (h > best)
            best = h;
    }
    return best;
}

bool IORegistryEntry_attach_to_parent(IORegistryEntry *e, IORegistryEntry *parent,
                                      const IORegistryPlane *plane)
{
    unsigned p;
    bool made_kids = false, made_parents = false;

    if (!e || !parent || !plane || e == parent || e == g_root)
        return false;
    p = plane->index;
    if (parent->children[p]
        && OSArray_get_next_index_of_object(parent->children[p], e, 0) >= 0)
        return false;
    /* No cycles through first parents, and no deeper than the walks go. */
    {
        const IORegistryEntry *a = parent;

        for (unsigned n = 0; a && n <= IOKIT_MAX_DEPTH; n++) {
            if (a == e)
                return false;
            a = IORegistryEntry_get_parent_entry(a, plane);
        }
    }
    if (chain_length(parent, plane) + 1 + subtree_height(e, plane, IOKIT_MAX_DEPTH)
        > IOKIT_MAX_DEPTH) {
        lk_log("IORegistry: %s not attached under %s: deeper than %d levels",
               IORegistryEntry_get_name(e), IORegistryEntry_get_name(parent),
               IOKIT_MAX_DEPTH);
        return false;
    }
    if (!parent->children[p]) {
        if (!(parent->children[p] = OSArray_with_capacity(2)))
            return false;
        made_kids = true;
    }
    if (!e->parents[p]) {
        if (!(e->parents[p] = OSArray_with_capacity(1)))
            goto undo_kids;
        made_parents = true;
    }
    if (!OSArray_set_object(parent->children[p], e))
        goto undo_parents;
    if (!OSArray_set_object(e->parents[p], parent)) {
        OSArray_remove_object(parent->children[p],
                              OSArray_get_count(parent->children[p]) - 1);
        goto undo_parents;
    }
    return true;

undo_parents:
    if (made_parents)
        OSSafeReleaseNULL(e->parents[p]);
undo_kids:
    if (made_kids)
        OSSafeReleaseNULL(parent->children[p]);
    return false;
}

/* Remove obj from *slot (an array), dropping the array when it empties. */
static void array_slot_remove(OSArray **slot, const void *obj)
{
    int i;

    if (!*slot || (i = OSArray_get_next_index_of_object(*slot, obj, 0)) < 0)
        return;
    OSArray_remove_object(*slot, (unsigned)i);
    if (OSArray_get_count(*slot) == 0)
        OSSafeReleaseNULL(*slot);
}

void IORegistryEntry_detach_from_parent(IORegistryEntry *e, IORegistryEntry *parent,
                                        const IORegistryPlane *plane)
{
    if (!e || !parent || !plane)
        return;
    /* Each array holds a reference to the other end: keep both alive until
     * both links are gone. */
    OSObject_retain(e);
    OSObject_retain(parent);
    array_slot_remove(&parent->children[plane->index], e);
    array_slot_remove(&e->parents[plane->index], parent);
    OSObject_release(parent);
    OSObject_release(e);
}

void IORegistryEntry_detach_all(IORegistryEntry *e)
{
    if (!e)
        return;
    OSObject_retain(e);
    for (unsigned p = 0; p < g_plane_count; p++) {
        while (e->parents[p])
            IORegistryEntry_detach_from_parent(
                e, (IORegistryEntry *)OSArray_get_object(e->parents[p], 0), &g_planes[p]);
        while (e->children[p])
            IORegistryEntry_detach_from_parent(
                (IORegistryEntry *)OSArray_get_object(e->children[p], 0), e, &g_planes[p]);
    }
    OSObject_release(e);
}

OSObject *IORegistryEntry_get_property_recursive(const IORegistryEntry *e,
                                                 const char *key,
                                                 const IORegistryPlane *plane)
{
    for (unsigned depth = 0; e && depth <= IOKIT_MAX_DEPTH; depth++) {
        OSObject *v = IORegistryEntry_get_property(e, key);

        if (v)
            return v;
        e = IORegistryEntry_get_parent_entry(e, plane);
    }
    return NULL;
}

/* --- Paths -------------------------------------------------------------- */

/* Append s to buf at *pos; false when it does not fit. */
static bool path_append(char *buf, size_t size, size_t *pos, const char *s)
{
    size_t len = strlen(s);

    if (*pos + len + 1 > size)
        return false;
    memcpy(buf + *pos, s, len + 1);
    *pos += len;
    return true;
}

bool IORegistryEntry_get_path(const IORegistryEntry *e, const IORegistryPlane *plane,
                              char *buf, size_t size)
{
    const IORegistryEntry *chain[IOKIT_MAX_DEPTH];
    unsigned n = 0;
    size_t pos = 0;

    if (!e || !plane || !buf || size == 0)
        return false;
    buf[0] = '\0';
    while (e != g_root) {
        if (n == IOKIT_MAX_DEPTH)
            return false;
        chain[n++] = e;
        if (!(e = IORegistryEntry_get_parent_entry(e, plane)))
            return false;               /* not under the root in this plane */
    }
    if (!path_append(buf, size, &pos, OSSymbol_get_cstring(plane->name))
        || !path_append(buf, size, &pos, ":"))
        goto too_long;
    if (n == 0 && !path_append(buf, size, &pos, "/"))
        goto too_long;
    while (n-- > 0) {
        const char *loc = IORegistryEntry_get_location(chain[n]);

        if (!path_append(buf, size, &pos, "/")
            || !path_append(buf, size, &pos, IORegistryEntry_get_name(chain[n])))
            goto too_long;
        if (loc && (!path_append(buf, size, &pos, "@")
                    || !path_append(buf, size, &pos, loc)))
            goto too_long;
    }
    return true;

too_long:
    buf[0] = '\0';
    return false;
}

/* Does s equal the len bytes at text? */
static bool equals_span(const char *s, const char *text, size_t len)
{
    return s && strlen(s) == len && strncmp(s, text, len) == 0;
}

/* The child of parent in plane named by the component [comp, end):
 * "name" or "name@location". */
static IORegistryEntry *find_component(const IORegistryEntry *parent,
                                       const IORegistryPlane *plane,
                                       const char *comp, const char *end)
{
    OSArray *kids = parent->children[plane->index];
    const char *at = comp;

    while (at < end && *at != '@')
        at++;
    for (unsigned i = 0; kids && i < OSArray_get_count(kids); i++) {
        IORegistryEntry *c = (IORegistryEntry *)OSArray_get_object(kids, i);

        if (!equals_span(IORegistryEntry_get_name(c), comp, (size_t)(at - comp)))
            continue;
        if (at < end && !equals_span(IORegistryEntry_get_location(c), at + 1,
                                     (size_t)(end - at - 1)))
            continue;
        return c;
    }
    return NULL;
}

IORegistryEntry *IORegistryEntry_from_path(const char *path,
                                           const IORegistryPlane *default_plane)
{
    const IORegistryPlane *plane = default_plane;
    const IORegistryEntry *cur = g_root;
    const char *colon, *slash, *p;
    unsigned depth = 0;

    if (!path || !g_root)
        return NULL;
    colon = strchr(path, ':');
    slash = strchr(path, '/');
    p = path;
    if (colon && (!slash || colon < slash)) {
        if (!(plane = plane_named(path, (size_t)(colon - path))))
            return NULL;
        p = colon + 1;
    }
    if (!plane || *p != '/')
        return NULL;
    while (*p) {
        const char *end;

        while (*p == '/')
            p++;
        if (!*p)
            break;
        end = p;
        while (*end && *end != '/')
            end++;
        if (++depth > IOKIT_MAX_DEPTH || !(cur = find_component(cur, plane, p, end)))
            return NULL;
        p = end;
    }
    OSObject_retain(cur);
    return (IORegistryEntry *)cur;
}

/* --- The registry archive ----------------------------------------------- */

/* Can OSSerialize_object_xml write v (a plist value all the way down)? */
static bool is_plist_value(const OSObject *v, unsigned depth)
{
    const OSArray *a;
    const OSDictionary *d;

    if (!v || depth > OS_PLIST_MAX_DEPTH)
        return false;
    if (OSDynamicCast(OSString, v) || OSDynamicCast(OSNumber, v)
        || OSDynamicCast(OSBoolean, v) || OSDynamicCast(OSData, v)
        || OSDynamicCast(OSDate, v))
        return true;
    if ((a = OSDynamicCast(OSArray, v))) {
        for (unsigned i = 0; i < OSArray_get_count(a); i++) {
            if (!is_plist_value(OSArray_get_object(a, i), depth + 1))
                return false;
        }
        return true;
    }
    if ((d = OSDynamicCast(OSDictionary, v))) {
        for (unsigned i = 0; i < OSDictionary_get_count(d); i++) {
            if (!is_plist_value(OSDictionary_get_value_at(d, i), depth + 1))
                return false;
        }
        return true;
    }
    return false;
}

/* d[key] = value, releasing value (a fresh +1 object; NULL fails). */
static bool set_consumed(OSDictionary *d, const char *key, OSObject *value)
{
    bool ok = value && OSDictionary_set_object(d, key, value);

    OSSafeReleaseNULL(value);
    return ok;
}

static bool set_string(OSDictionary *d, const char *key, const char *s)
{
    return set_consumed(d, key, (OSObject *)OSString_with_cstring(s));
}

static bool set_number(OSDictionary *d, const char *key, uint64_t v, unsigned bits)
{
    return set_consumed(d, key, (OSObject *)OSNumber_with_value(v, bits));
}

/* The class names of obj from its class up to OSObject. */
static OSArray *class_chain_array(const void *obj)
{
    OSArray *a = OSArray_with_capacity(4);

    for (const OSMetaClass *m = OSObject_get_meta_class(obj); a && m; m = m->super) {
        OSString *s = OSString_with_cstring(m->name);

        if (!s || !OSArray_set_object(a, s)) {
            OSSafeReleaseNULL(s);
            OSSafeReleaseNULL(a);
            break;
        }
        OSObject_release(s);
    }
    return a;
}

/* The archive keys of one entry (not its properties or children). */
static bool archive_meta_keys(OSDictionary *d, const IORegistryEntry *e)
{
    const char *loc = IORegistryEntry_get_location(e);
    IOService *svc = OSDynamicCast(IOService, e);
    bool ok = set_string(d, kIOObjectClassKey, OSObject_get_class_name(e))
              && set_consumed(d, kIOObjectClassChainKey, (OSObject *)class_chain_array(e))
              && set_number(d, kIOObjectRetainCountKey, OSObject_get_retain_count(e), 32)
              && set_number(d, kIORegistryEntryIDKey, e->registry_id, 64)
              && set_string(d, kIORegistryEntryNameKey, IORegistryEntry_get_name(e));

    if (ok && loc)
        ok = set_string(d, kIORegistryEntryLocationKey, loc);
    if (ok && svc) {
        char state[64];

        IOService_state_string(svc, state, sizeof(state));
        ok = set_string(d, kIOServiceStateKey, state)
             && set_consumed(d, kIOServiceBusyStateKey,
                             (OSObject *)OSNumber_with_signed(
                                 IOService_get_busy_state(svc), 32));
    }
    return ok;
}

/* The archive dictionary of e and its subtree (+1), or NULL when out of
 * memory. */
static OSDictionary *archive_entry(const IORegistryEntry *e, const IORegistryPlane *plane,
                                   unsigned depth)
{
    OSDictionary *d = OSDictionary_with_capacity(16);
    OSArray *kids = e->children[plane->index];
    OSArray *out;

    if (!d || !archive_meta_keys(d, e))
        goto fail;
    for (unsigned i = 0; e->properties && i < OSDictionary_get_count(e->properties); i++) {
        const OSSymbol *key = OSDictionary_get_key_at(e->properties, i);
        OSObject *v = OSDictionary_get_value_at(e->properties, i);

        /* The archive's own keys win; values that are not plist types
         * (objects) are left out, as ioreg leaves them. */
        if (OSDictionary_get_object_sym(d, key) || !is_plist_value(v, 0))
            continue;
        if (!OSDictionary_set_object_sym(d, key, v))
            goto fail;
    }
    if (!kids || OSArray_get_count(kids) == 0 || depth >= IOKIT_MAX_DEPTH)
        return d;
    if (!(out = OSArray_with_capacity(OSArray_get_count(kids))))
        goto fail;
    for (unsigned i = 0; i < OSArray_get_count(kids); i++) {
        OSDictionary *c = archive_entry((IORegistryEntry *)OSArray_get_object(kids, i),
                                        plane, depth + 1);

        if (!c || !OSArray_set_object(out, c)) {
            OSSafeReleaseNULL(c);
            OSObject_release(out);
            goto fail;
        }
        OSObject_release(c);
    }
    if (set_consumed(d, kIORegistryEntryChildrenKey, (OSObject *)out))
        return d;
fail:
    OSSafeReleaseNULL(d);
    return NULL;
}

bool IORegistryEntry_serialize_archive(const IORegistryEntry *e,
                                       const IORegistryPlane *plane,
                                       OSSerialize *s)
{
    OSDictionary *tree;
    bool ok;

    if (!e || !plane || !s)
        return false;
    if (!(tree = archive_entry(e, plane, 0)))
        return false;
    ok = OSSerialize_object_xml(s, tree, 0);
    OSObject_release(tree);
    return ok;
}
