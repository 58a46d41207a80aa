/* A nub rebuilt from its plist (nub_plist.h, docs/explain-match.md). */
#include "nub_plist.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#define PARENT_KEY    "IOParentEntry"
#define RESOURCES_KEY "IOResources"
#define MAX_LINEAGE   72            /* > the registry's depth limit */

#define CHAIN_EXAMPLE                                                       \
    "<key>IOObjectClass</key><string>IOPCIDevice</string> "                 \
    "<key>IOObjectClassChain</key><array><string>IOPCIDevice</string>"      \
    "<string>IOService</string><string>IORegistryEntry</string>"            \
    "<string>OSObject</string></array>"

/* One archive dictionary and where it is written. */
typedef struct Src {
    const OSDictionary *d;
    const void *container;          /* NULL: the file's top */
    const OSSymbol *key;            /* its key in container, or NULL */
    unsigned index;                 /* its index in container (arrays) */
} Src;

/* The keys an archive entry carries besides its properties. */
static const char *const archive_keys[] = {
    kIORegistryEntryNameKey, kIORegistryEntryIDKey,
    kIORegistryEntryLocationKey, kIORegistryEntryChildrenKey,
    kIOObjectClassKey, kIOObjectClassChainKey, kIOObjectRetainCountKey,
    kIOServiceStateKey, kIOServiceBusyStateKey, PARENT_KEY, RESOURCES_KEY,
};

static bool is_archive_key(const char *key)
{
    for (size_t i = 0; i < sizeof(archive_keys) / sizeof(archive_keys[0]); i++)
        if (strcmp(archive_keys[i], key) == 0)
            return true;
    return false;
}

static void src_where(const PlistFile *pf, const Src *s, unsigned *l,
                      unsigned *c)
{
    PlistFile_where(pf, s->container, s->key, s->index, l, c);
}

/* Where d[key] is written (d's own place when it is absent). */
static void key_where(const PlistFile *pf, const Src *s, const char *key,
                      unsigned *l, unsigned *c)
{
    const OSSymbol *sym = OSSymbol_existing(key);

    if (!sym || !PlistFile_where(pf, s->d, sym, 0, l, c))
        src_where(pf, s, l, c);
    OSSafeReleaseNULL(sym);
}

static const char *string_of(const OSDictionary *d, const char *key)
{
    const OSString *s = OSDynamicCast(OSString, OSDictionary_get_object(d, key));

    return s ? OSString_get_cstring(s) : NULL;
}

/* d[key] must be absent or a <string>; false after an error. */
static bool want_string(PlistFile *pf, const Src *s, const char *key,
                        const char *example)
{
    const OSObject *v = OSDictionary_get_object(s->d, key);
    unsigned l, c;

    if (!v || OSDynamicCast(OSString, v))
        return true;
    key_where(pf, s, key, &l, &c);
    PlistFile_error(pf, l, c, "%s must be a <string>, found %s; write %s",
                    key, plist_type_name(v), example);
    return false;
}

/* The entry's class names, class first (borrowed strings into names[]). */
static unsigned class_names(PlistFile *pf, const Src *s, const char **names,
                            unsigned max)
{
    const OSObject *cv = OSDictionary_get_object(s->d, kIOObjectClassKey);
    const OSObject *chv = OSDictionary_get_object(s->d, kIOObjectClassChainKey);
    const OSArray *chain = OSDynamicCast(OSArray, chv);
    unsigned l, c, n = 0;

    if (!want_string(pf, s, kIOObjectClassKey, "<string>IOPCIDevice</string>"))
        return 0;
    if (!cv && !chv) {
        src_where(pf, s, &l, &c);
        PlistFile_error(pf, l, c, "this entry has no IOObjectClass; add "
                        CHAIN_EXAMPLE " (the class first, up to OSObject, as "
                        "ioreg -a prints it)");
        return 0;
    }
    if (chv && (!chain || OSArray_get_count(chain) == 0)) {
        key_where(pf, s, kIOObjectClassChainKey, &l, &c);
        PlistFile_error(pf, l, c, "IOObjectClassChain must be a non-empty "
                        "<array> of <string>, found %s; write %s",
                        chain ? "an empty <array>" : plist_type_name(chv),
                        CHAIN_EXAMPLE);
        return 0;
    }
    if (!chain) {
        names[0] = OSString_get_cstring((const OSString *)cv);
        return 1;
    }
    for (unsigned i = 0; i < OSArray_get_count(chain) && n < max; i++) {
        const OSString *e = OSDynamicCast(OSString, OSArray_get_object(chain, i));
        if (!e || OSString_get_length(e) == 0) {
            PlistFile_where(pf, chain, NULL, i, &l, &c);
            PlistFile_error(pf, l, c, "IOObjectClassChain[%u] must be a class "
                            "name <string>, found %s; write e.g. "
                            "<string>IOService</string>", i,
                            e ? "an empty <string>"
                              : plist_type_name(OSArray_get_object(chain, i)));
            return 0;
        }
        names[n++] = OSString_get_cstring(e);
    }
    if (cv && strcmp(names[0], OSString_get_cstring((const OSString *)cv))) {
        key_where(pf, s, kIOObjectClassChainKey, &l, &c);
        PlistFile_error(pf, l, c, "IOObjectClassChain starts with %s but "
                        "IOObjectClass is %s; the chain lists the entry's own "
                        "class first, then its superclasses up to OSObject",
                        names[0], OSString_get_cstring((const OSString *)cv));
        return 0;
    }
    return n;
}

/* The class of an entry: known classes are used as they are, unknown ones
 * are made (OSMetaClass_create_dynamic) under the class listed after them,
 * or under IOService at the top of the chain.  NULL after an error. */
static OSMetaClass *entry_class(PlistFile *pf, const Src *s, bool is_nub)
{
    const char *names[32];
    unsigned n = class_names(pf, s, names, 32), l, c;
    OSMetaClass *prev = NULL;

    if (!n)
        return NULL;
    key_where(pf, s, n > 1 ? kIOObjectClassChainKey : kIOObjectClassKey, &l, &c);
    for (unsigned i = n; i-- > 0;) {
        OSMetaClass *m = OSMetaClass_get_class_with_name(names[i]);
        if (m && prev && !OSMetaClass_is_subclass_of(m, prev)) {
            PlistFile_error(pf, l, c, "IOObjectClassChain lists %s under %s, "
                            "but %s is a %s; list the class first, then each "
                            "superclass up to OSObject, as ioreg -a prints it",
                            names[i], prev->name, names[i],
                            m->super ? m->super->name : "root class");
            return NULL;
        }
        if (!m)
            m = OSMetaClass_create_dynamic(names[i],
                                           prev ? prev : OSTypeID(IOService));
        if (!m) {
            PlistFile_error(pf, l, c, "cannot make the class %s (out of "
                            "memory)", names[i]);
            return NULL;
        }
        prev = m;
    }
    if (!OSMetaClass_is_subclass_of(prev, OSTypeID(IORegistryEntry))) {
        PlistFile_error(pf, l, c, "%s is not a registry entry class (IORegistry"
                        "Entry is not in its chain); write the chain ioreg -a "
                        "prints, e.g. " CHAIN_EXAMPLE, prev->name);
        return NULL;
    }
    if (is_nub && !OSMetaClass_is_subclass_of(prev, OSTypeID(IOService))) {
        PlistFile_error(pf, l, c, "the nub's class %s is not an IOService "
                        "(IOService is not in its chain), so nothing matches "
                        "on it; pick a service as the nub (docs/explain-"
                        "match.md)", prev->name);
        return NULL;
    }
    return prev;
}

/* d's properties: every key that is not an archive key (+1). */
static OSDictionary *properties_of(const OSDictionary *d)
{
    OSDictionary *p = OSDictionary_with_capacity(OSDictionary_get_count(d));

    for (unsigned i = 0; p && i < OSDictionary_get_count(d); i++) {
        const OSSymbol *k = OSDictionary_get_key_at(d, i);
        if (!is_archive_key(OSSymbol_get_cstring(k)) &&
            !OSDictionary_set_object_sym(p, k, OSDictionary_get_value_at(d, i)))
            OSSafeReleaseNULL(p);
    }
    return p;
}

static bool has_properties(const OSDictionary *d)
{
    for (unsigned i = 0; i < OSDictionary_get_count(d); i++)
        if (!is_archive_key(OSSymbol_get_cstring(OSDictionary_get_key_at(d, i))))
            return true;
    return false;
}

/* The entry for s, initialized, named and located (+1); NULL after an
 * error. */
static IORegistryEntry *make_entry(PlistFile *pf, const Src *s, bool is_nub)
{
    OSMetaClass *meta = entry_class(pf, s, is_nub);
    const char *name = string_of(s->d, kIORegistryEntryNameKey);
    const char *loc = string_of(s->d, kIORegistryEntryLocationKey);

    if (!meta ||
        !want_string(pf, s, kIORegistryEntryNameKey,
                     "<string>pci8086,10d3</string>") ||
        !want_string(pf, s, kIORegistryEntryLocationKey, "<string>2</string>"))
        return NULL;
    IORegistryEntry *e = OSDynamicCast(IORegistryEntry,
                                       OSMetaClass_alloc_instance(meta));
    OSDictionary *props = properties_of(s->d);
    if (!e || !props || !IORegistryEntry_init(e, props) ||
        (name && !IORegistryEntry_set_name(e, name)) ||
        (loc && !IORegistryEntry_set_location(e, loc))) {
        PlistFile_error(pf, 0, 0, "out of memory building the registry entry");
        OSSafeReleaseNULL(e);
        OSSafeReleaseNULL(props);
        return NULL;
    }
    OSObject_release(props);
    return e;
}

static bool is_root(const OSDictionary *d)
{
    const char *cls = string_of(d, kIOObjectClassKey);
    const char *name = string_of(d, kIORegistryEntryNameKey);

    return cls && name && strcmp(cls, "IORegistryEntry") == 0 &&
           strcmp(name, "Root") == 0 &&
           !OSDictionary_get_object(d, PARENT_KEY);
}

/* ---- picking the nub out of an archive ---- */

typedef struct Search {
    PlistFile *pf;
    const NubSelect *sel;
    Src lineage[MAX_LINEAGE];       /* ancestors, then the nub */
    unsigned depth;
    bool found;
    Src resources;                  /* the IOResources entry (d NULL: none) */
} Search;

static const OSArray *children_of(const OSDictionary *d)
{
    return OSDynamicCast(OSArray,
                         OSDictionary_get_object(d, kIORegistryEntryChildrenKey));
}

/* Depth-first to the entry whose IORegistryEntryID is sel->id. */
static void search_id(Search *s, Src at)
{
    const OSNumber *id = OSDynamicCast(OSNumber,
        OSDictionary_get_object(at.d, kIORegistryEntryIDKey));

    if (s->depth >= MAX_LINEAGE)
        return;
    s->lineage[s->depth++] = at;
    if (!s->found && id && OSNumber_unsigned_64(id) == s->sel->id) {
        s->found = true;
        return;
    }
    const OSArray *kids = children_of(at.d);
    for (unsigned i = 0; kids && i < OSArray_get_count(kids); i++) {
        const OSDictionary *k = OSDynamicCast(OSDictionary,
                                              OSArray_get_object(kids, i));
        if (k) {
            search_id(s, (Src){ .d = k, .container = kids, .index = i });
            if (s->found)
                return;
        }
    }
    s->depth--;
}

/* Follow sel->path from the archive's root. */
static bool search_path(Search *s, Src root)
{
    PlistFile *pf = s->pf;
    const char *p = s->sel->path;
    const char *colon = strchr(p, ':');
    char comp[256], walked[IO_REGISTRY_PATH_MAX] = "IOService:";
    unsigned l, c;

    if (colon) {
        if ((size_t)(colon - p) != strlen(kIOServicePlane) ||
            strncmp(p, kIOServicePlane, strlen(kIOServicePlane)) != 0) {
            fprintf(pf->diag, "%s: error: --path %s: only the IOService plane "
                    "is archived; write IOService:/...\n", pf->path, p);
            return false;
        }
        p = colon + 1;
    }
    if (!is_root(root.d)) {
        src_where(pf, &root, &l, &c);
        PlistFile_error(pf, l, c, "--path needs a whole registry archive, "
                        "whose top entry is Root (scripts/dextbed ioreg -a); "
                        "this one starts at %s; use --id N instead",
                        string_of(root.d, kIORegistryEntryNameKey)
                            ? string_of(root.d, kIORegistryEntryNameKey) : "?");
        return false;
    }
    s->lineage[s->depth++] = root;
    while (*p) {
        while (*p == '/')
            p++;
        size_t n = strcspn(p, "/");
        if (n == 0)
            break;
        if (n >= sizeof(comp) || s->depth >= MAX_LINEAGE) {
            fprintf(pf->diag, "%s: error: --path: the path is too long\n",
                    pf->path);
            return false;
        }
        memcpy(comp, p, n);
        comp[n] = '\0';
        p += n;
        char *at = strchr(comp, '@');
        if (at)
            *at++ = '\0';
        const Src *parent = &s->lineage[s->depth - 1];
        const OSArray *kids = children_of(parent->d);
        bool found = false;
        for (unsigned i = 0; kids && i < OSArray_get_count(kids) && !found; i++) {
            const OSDictionary *k = OSDynamicCast(OSDictionary,
                                                  OSArray_get_object(kids, i));
            const char *kn = k ? string_of(k, kIORegistryEntryNameKey) : NULL;
            const char *kl = k ? string_of(k, kIORegistryEntryLocationKey) : NULL;
            if (kn && strcmp(kn, comp) == 0 &&
                (!at || (kl && strcmp(kl, at) == 0))) {
                s->lineage[s->depth++] = (Src){ .d = k, .container = kids,
                                                .index = i };
                found = true;
            }
        }
        if (!found) {
            fprintf(pf->diag, "%s: error: --path %s: %s has no child %s%s%s; "
                    "its children are:", pf->path, s->sel->path,
                    walked[10] ? walked : "IOService:/", comp, at ? "@" : "",
                    at ? at : "");
            for (unsigned i = 0; kids && i < OSArray_get_count(kids); i++) {
                const OSDictionary *k = OSDynamicCast(OSDictionary,
                                                      OSArray_get_object(kids, i));
                const char *kn = k ? string_of(k, kIORegistryEntryNameKey) : NULL;
                const char *kl = k ? string_of(k, kIORegistryEntryLocationKey)
                                   : NULL;
                fprintf(pf->diag, " %s%s%s", kn ? kn : "?", kl ? "@" : "",
                        kl ? kl : "");
            }
            fprintf(pf->diag, "%s\n", kids && OSArray_get_count(kids)
                                      ? "" : " (none)");
            return false;
        }
        size_t w = strlen(walked);
        snprintf(walked + w, sizeof(walked) - w, "/%s%s%s", comp,
                 at ? "@" : "", at ? at : "");
    }
    if (s->depth == 1) {
        fprintf(pf->diag, "%s: error: --path %s names the registry root, which "
                "is not a service; name a nub, e.g. IOService:/IOResources\n",
                pf->path, s->sel->path);
        return false;
    }
    return true;
}

static void find_resources(Search *s, Src at, unsigned depth)
{
    const char *cls = string_of(at.d, kIOObjectClassKey);
    const OSArray *kids = children_of(at.d);

    if (s->resources.d || depth > MAX_LINEAGE)
        return;
    if (cls && strcmp(cls, "IOResources") == 0) {
        s->resources = at;
        return;
    }
    for (unsigned i = 0; kids && i < OSArray_get_count(kids); i++) {
        const OSDictionary *k = OSDynamicCast(OSDictionary,
                                              OSArray_get_object(kids, i));
        if (k)
            find_resources(s, (Src){ .d = k, .container = kids, .index = i },
                           depth + 1);
    }
}

/* The top object's entries: a dictionary, or an array of them (ioreg -a
 * with -r).  Fills roots[]; returns how many. */
static unsigned top_entries(PlistFile *pf, Src *roots, unsigned max)
{
    const OSDictionary *d = OSDynamicCast(OSDictionary, pf->top);
    const OSArray *a = OSDynamicCast(OSArray, pf->top);
    unsigned n = 0, l, c;

    if (d) {
        roots[0] = (Src){ .d = d };
        return 1;
    }
    for (unsigned i = 0; a && i < OSArray_get_count(a) && n < max; i++) {
        const OSDictionary *e = OSDynamicCast(OSDictionary, OSArray_get_object(a, i));
        if (e)
            roots[n++] = (Src){ .d = e, .container = a, .index = i };
    }
    if (!n) {
        PlistFile_where(pf, NULL, NULL, 0, &l, &c);
        PlistFile_error(pf, l, c, "a nub must be a <dict> (or an archive: a "
                        "<dict> or an <array> of <dict>), found %s; write the "
                        "nub as ioreg -a prints it (docs/explain-match.md)",
                        a ? "an <array> without a <dict>"
                          : plist_type_name(pf->top));
    }
    return n;
}

/* The lineage from IOParentEntry links: the nub last. */
static bool lineage_from_parents(Search *s, Src nub)
{
    Src chain[MAX_LINEAGE];
    unsigned n = 0, l, c;
    PlistFile *pf = s->pf;

    for (Src at = nub;;) {
        if (n == MAX_LINEAGE) {
            src_where(pf, &at, &l, &c);
            PlistFile_error(pf, l, c, "IOParentEntry nests deeper than the "
                            "registry can (%d); remove levels", MAX_LINEAGE);
            return false;
        }
        chain[n++] = at;
        const OSObject *pv = OSDictionary_get_object(at.d, PARENT_KEY);
        if (!pv)
            break;
        const OSSymbol *key = OSSymbol_existing(PARENT_KEY);
        Src parent = { .d = OSDynamicCast(OSDictionary, pv), .container = at.d,
                       .key = key };
        OSSafeReleaseNULL(key);     /* the dictionary keeps it alive */
        if (!parent.d) {
            key_where(pf, &at, PARENT_KEY, &l, &c);
            PlistFile_error(pf, l, c, "IOParentEntry must be a <dict> (the "
                            "provider, in the same format as the nub), found "
                            "%s; write <dict><key>IOObjectClass</key>"
                            "<string>IOPCIBridge</string>...</dict>",
                            plist_type_name(pv));
            return false;
        }
        at = parent;
    }
    for (unsigned i = 0; i < n; i++)
        s->lineage[i] = chain[n - 1 - i];
    s->depth = n;
    return true;
}

/* Publish every property of r (the archive's IOResources entry, or a nub
 * file's IOResources dictionary) as a resource. */
static bool publish_dict(PlistFile *pf, const OSDictionary *r)
{
    for (unsigned i = 0; r && i < OSDictionary_get_count(r); i++) {
        const char *k = OSSymbol_get_cstring(OSDictionary_get_key_at(r, i));
        if (is_archive_key(k))
            continue;
        if (!IOService_publish_resource(k, OSDictionary_get_value_at(r, i))) {
            PlistFile_error(pf, 0, 0, "cannot publish the resource %s", k);
            return false;
        }
    }
    return true;
}

/* A nub file's IOResources dictionary into *out (NULL when absent); false
 * after an error. */
static bool nub_resources(PlistFile *pf, const Src *nub,
                          const OSDictionary **out)
{
    const OSObject *rv = OSDictionary_get_object(nub->d, RESOURCES_KEY);
    unsigned l, c;

    *out = OSDynamicCast(OSDictionary, rv);
    if (!rv || *out)
        return true;
    key_where(pf, nub, RESOURCES_KEY, &l, &c);
    PlistFile_error(pf, l, c, "IOResources must be a <dict> of published "
                    "resources, found %s; write <dict><key>IOKit</key>"
                    "<true/></dict>", plist_type_name(rv));
    return false;
}

/* Attach lineage[first..depth) below the root, each under the one before. */
static IOService *attach_lineage(Search *s, unsigned first)
{
    IORegistryEntry *parent = IORegistryEntry_get_root();
    IORegistryEntry *e = NULL;

    for (unsigned i = first; i < s->depth; i++) {
        bool is_nub = i + 1 == s->depth;
        e = make_entry(s->pf, &s->lineage[i], is_nub);
        if (!e)
            return NULL;
        IOService *svc = OSDynamicCast(IOService, e);
        IOService *prov = OSDynamicCast(IOService, parent);
        bool ok = svc && prov ? IOService_attach(svc, prov)
                              : IORegistryEntry_attach_to_parent(e, parent,
                                                                 gIOServicePlane);
        if (!ok) {
            PlistFile_error(s->pf, 0, 0, "cannot attach %s (the registry is "
                            "deeper than it allows, or out of memory)",
                            IORegistryEntry_get_name(e));
            OSObject_release(e);
            return NULL;
        }
        OSObject_release(e);        /* the registry holds it now */
        parent = e;
    }
    return OSDynamicCast(IOService, e);
}

IOService *nub_build(PlistFile *pf, const NubSelect *sel)
{
    Search s = { .pf = pf, .sel = sel };
    Src roots[64];
    unsigned n = top_entries(pf, roots, 64);
    const OSDictionary *resources = NULL;

    if (!n)
        return NULL;
    if (sel->path) {
        if (!search_path(&s, roots[0]))
            return NULL;
        find_resources(&s, roots[0], 0);
    } else if (sel->by_id) {
        for (unsigned i = 0; i < n && !s.found; i++) {
            s.depth = 0;
            search_id(&s, roots[i]);
        }
        for (unsigned i = 0; i < n && !s.resources.d; i++)
            find_resources(&s, roots[i], 0);
        if (!s.found) {
            fprintf(pf->diag, "%s: error: --id %" PRIu64 ": no entry has that "
                    "IORegistryEntryID; the IDs are in the archive "
                    "(scripts/dextbed ioreg -l shows them)\n", pf->path,
                    sel->id);
            return NULL;
        }
    } else {
        if (n > 1) {
            fprintf(pf->diag, "%s: error: the file holds %u entries; pick the "
                    "nub with --id N or --path IOService:/...\n", pf->path, n);
            return NULL;
        }
        if (children_of(roots[0].d) && is_root(roots[0].d)) {
            fprintf(pf->diag, "%s: error: this is a whole registry archive; "
                    "pick the nub with --path IOService:/... or --id N\n",
                    pf->path);
            return NULL;
        }
        if (!lineage_from_parents(&s, roots[0]) ||
            !nub_resources(pf, &roots[0], &resources))
            return NULL;
    }

    /* The nub is IOResources: the one the registry already has, with the
     * nub's properties as the published resources. */
    const Src *nub = &s.lineage[s.depth - 1];
    unsigned l, c;
    src_where(pf, nub, &l, &c);
    if (is_root(nub->d)) {
        PlistFile_error(pf, l, c, "this is the registry root, which is not a "
                        "service; pick a nub below it (--path or --id)");
        return NULL;
    }
    if ((sel->path || sel->by_id) && !has_properties(nub->d))
        PlistFile_note(pf, l, c, "the nub has no properties: was the archive "
                       "written without -l?  scripts/dextbed ioreg -a -l "
                       "writes them");
    const char *cls = string_of(nub->d, kIOObjectClassKey);
    if (cls && strcmp(cls, "IOResources") == 0)
        return publish_dict(pf, nub->d) && publish_dict(pf, resources)
               ? IOService_get_resource_service() : NULL;
    if (!publish_dict(pf, s.resources.d) || !publish_dict(pf, resources))
        return NULL;
    return attach_lineage(&s, is_root(s.lineage[0].d) ? 1 : 0);
}
