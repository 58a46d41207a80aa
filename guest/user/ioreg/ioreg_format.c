/* ioreg's formatter (ioreg_format.h): the registry archive as macOS ioreg
 * draws it, or back out as a plist.  The same source runs in the guest
 * (freestanding, no floating point) and on the host. */
#include "ioreg_internal.h"

#include <stdarg.h>
#include <stdint.h>
#include <string.h>
#if __STDC_HOSTED__
#include <stdio.h>
#else
#include <format.h>
#endif

#include "iokit/IOKitKeys.h"

/* The keys an entry's dictionary carries besides its properties. */
static const char *const meta_keys[] = {
    kIORegistryEntryNameKey, kIOObjectClassKey, kIOObjectClassChainKey,
    kIORegistryEntryIDKey, kIORegistryEntryLocationKey, kIOObjectRetainCountKey,
    kIOServiceStateKey, kIOServiceBusyStateKey, kIORegistryEntryChildrenKey,
};
#define META_KEYS (sizeof(meta_keys) / sizeof(meta_keys[0]))

/* Room for an entry's path of names in messages (longer ones are cut). */
#define PATH_BUF 256


static bool is_meta_key(const char *key)
{
    for (size_t i = 0; i < META_KEYS; i++) {
        if (strcmp(key, meta_keys[i]) == 0)
            return true;
    }
    return false;
}

/* --- Reading an entry ------------------------------------------------------ */

static const char *entry_string(const OSDictionary *e, const char *key)
{
    OSString *s = OSDynamicCast(OSString, OSDictionary_get_object(e, key));
    return s ? OSString_get_cstring(s) : NULL;
}

static OSNumber *entry_number(const OSDictionary *e, const char *key)
{
    return OSDynamicCast(OSNumber, OSDictionary_get_object(e, key));
}

static OSArray *entry_children(const OSDictionary *e)
{
    return OSDynamicCast(OSArray,
                         OSDictionary_get_object(e, kIORegistryEntryChildrenKey));
}

static OSDictionary *entry_child(const OSDictionary *e, unsigned i)
{
    OSArray *kids = entry_children(e);
    return kids ? OSDynamicCast(OSDictionary, OSArray_get_object(kids, i)) : NULL;
}

static unsigned entry_child_count(const OSDictionary *e)
{
    OSArray *kids = entry_children(e);
    return kids ? OSArray_get_count(kids) : 0;
}

/* --- Checking the archive ------------------------------------------------- */

/* The plist element a value came from, for messages. */
static const char *plist_type(const OSObject *v)
{
    if (OSDynamicCast(OSString, v))
        return "a string";
    if (OSDynamicCast(OSNumber, v))
        return OSNumber_is_real((const OSNumber *)v) ? "a real" : "an integer";
    if (OSDynamicCast(OSBoolean, v))
        return "a boolean";
    if (OSDynamicCast(OSData, v))
        return "data";
    if (OSDynamicCast(OSDate, v))
        return "a date";
    if (OSDynamicCast(OSArray, v))
        return "an array";
    if (OSDynamicCast(OSDictionary, v))
        return "a dictionary";
    return OSObject_get_class_name(v);
}

struct meta_type {
    const char *key;
    const OSMetaClass *meta;
    const char *want;
    bool required;
};

/* Check one entry (where: how to name it before its name is known) and,
 * recursively, its children.  path: the names from the top down to the
 * parent, extended in place. */
static bool check_entry(const OSObject *obj, unsigned depth, const char *where,
                        char *path, size_t path_size, char *err, size_t size)
{
    const struct meta_type types[] = {
        { kIORegistryEntryNameKey, OSTypeID(OSString), "a string", true },
        { kIOObjectClassKey, OSTypeID(OSString), "a string", true },
        { kIOObjectClassChainKey, OSTypeID(OSArray), "an array", false },
        { kIORegistryEntryIDKey, OSTypeID(OSNumber), "an integer", false },
        { kIORegistryEntryLocationKey, OSTypeID(OSString), "a string", false },
        { kIOObjectRetainCountKey, OSTypeID(OSNumber), "an integer", false },
        { kIOServiceStateKey, OSTypeID(OSString), "a string", false },
        { kIOServiceBusyStateKey, OSTypeID(OSNumber), "an integer", false },
        { kIORegistryEntryChildrenKey, OSTypeID(OSArray), "an array", false },
    };
    const OSDictionary *e = OSDynamicCast(OSDictionary, obj);

    if (depth > IOREG_MAX_DEPTH) {
        ioreg_set_err(err, size, "%s is more than %d entries deep", where, IOREG_MAX_DEPTH);
        return false;
    }
    if (!e) {
        ioreg_set_err(err, size, "%s is %s, not an entry dictionary", where, plist_type(obj));
        return false;
    }
    const char *name = entry_string(e, kIORegistryEntryNameKey);
    size_t plen = strlen(path);
    if (name && plen < path_size)
        snprintf(path + plen, path_size - plen, "%s%s", plen ? "/" : "", name);
    const char *who = name ? path : where;
    for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
        OSObject *v = OSDictionary_get_object(e, types[i].key);
        if (!v && types[i].required) {
            ioreg_set_err(err, size, "%s has no %s: not a registry archive entry", who,
                    types[i].key);
            return false;
        }
        if (v && !OSObject_is_kind_of(v, types[i].meta)) {
            ioreg_set_err(err, size, "%s: %s is %s, not %s", who, types[i].key,
                    plist_type(v), types[i].want);
            return false;
        }
        if (v && types[i].meta == OSTypeID(OSNumber) && OSNumber_is_real((OSNumber *)v)) {
            ioreg_set_err(err, size, "%s: %s is a real, not an integer", who, types[i].key);
            return false;
        }
    }
    OSArray *chain = OSDynamicCast(OSArray,
                                   OSDictionary_get_object(e, kIOObjectClassChainKey));
    for (unsigned i = 0; chain && i < OSArray_get_count(chain); i++) {
        if (!OSDynamicCast(OSString, OSArray_get_object(chain, i))) {
            ioreg_set_err(err, size, "%s: %s holds %s, not only class names", who,
                    kIOObjectClassChainKey, plist_type(OSArray_get_object(chain, i)));
            return false;
        }
    }
    for (unsigned i = 0; i < entry_child_count(e); i++) {
        char child_where[PATH_BUF];
        snprintf(child_where, sizeof(child_where), "child %u of %s", i, who);
        if (!check_entry(OSArray_get_object(entry_children(e), i), depth + 1,
                         child_where, path, path_size, err, size))
            return false;
    }
    path[plen] = '\0';
    return true;
}

bool ioreg_check_archive(const OSObject *archive, char *err, size_t err_size)
{
    char path[PATH_BUF] = "";
    const OSArray *top = OSDynamicCast(OSArray, archive);

    if (!archive) {
        ioreg_set_err(err, err_size, "no archive");
        return false;
    }
    if (!top)
        return check_entry(archive, 0, "the top object", path, sizeof(path), err,
                           err_size);
    for (unsigned i = 0; i < OSArray_get_count(top); i++) {
        char where[48];
        snprintf(where, sizeof(where), "entry %u of the top array", i);
        if (!check_entry(OSArray_get_object(top, i), 0, where, path, sizeof(path), err,
                         err_size))
            return false;
    }
    return true;
}

/* --- Which entries match -c, -n, -k ---------------------------------------- */

bool ioreg_has_criteria(const ioreg_options *o)
{
    return o->class_name || o->name || o->key;
}

/* Of class cls or a subclass: cls is in the entry's class chain (or is its
 * class, for an archive without chains). */
static bool class_matches(const OSDictionary *e, const char *cls)
{
    OSArray *chain = OSDynamicCast(OSArray,
                                   OSDictionary_get_object(e, kIOObjectClassChainKey));
    const char *own = entry_string(e, kIOObjectClassKey);

    if (own && strcmp(own, cls) == 0)
        return true;
    for (unsigned i = 0; chain && i < OSArray_get_count(chain); i++) {
        OSString *s = OSDynamicCast(OSString, OSArray_get_object(chain, i));
        if (s && strcmp(OSString_get_cstring(s), cls) == 0)
            return true;
    }
    return false;
}

/* "name", or "name@location" when want has an '@' ("name@" for none). */
static bool name_matches(const OSDictionary *e, const char *want)
{
    const char *name = entry_string(e, kIORegistryEntryNameKey);
    const char *loc = entry_string(e, kIORegistryEntryLocationKey);
    const char *at = strchr(want, '@');

    if (!name)
        return false;
    if (!at)
        return strcmp(name, want) == 0;
    size_t n = strlen(name);
    return n == (size_t)(at - want) && memcmp(name, want, n) == 0 &&
           strcmp(at + 1, loc ? loc : "") == 0;
}

/* Every criterion given holds (none given: no match), as ioreg's compare. */
static bool matches(const ioreg_options *o, const OSDictionary *e)
{
    if (!ioreg_has_criteria(o))
        return false;
    if (o->class_name && !class_matches(e, o->class_name))
        return false;
    if (o->name && !name_matches(e, o->name))
        return false;
    if (o->key && (is_meta_key(o->key) || !OSDictionary_get_object(e, o->key)))
        return false;
    return true;
}

static long count_matches(const ioreg_options *o, const OSDictionary *e)
{
    long n = matches(o, e) ? 1 : 0;

    for (unsigned i = 0; i < entry_child_count(e); i++)
        n += count_matches(o, entry_child(e, i));
    return n;
}

static bool match_below(const ioreg_options *o, const OSDictionary *e)
{
    for (unsigned i = 0; i < entry_child_count(e); i++) {
        const OSDictionary *c = entry_child(e, i);
        if (matches(o, c) || match_below(o, c))
            return true;
    }
    return false;
}

/* --- Text output ------------------------------------------------------------ */

/* How a tree is cut: PLAIN shows every entry down to -d levels below the
 * root of the walk; PRUNE shows the matches with -d levels under each, and
 * the entries on the way down to them. */
enum walk { WALK_PLAIN, WALK_PRUNE };

struct out {
    const ioreg_options *o;
    ioreg_write_fn write;
    void *ctx;
    enum walk walk;
    OSSerialize line;           /* the line being built */
    bool failed;                /* out of memory */
    long shown;                 /* entries shown */
    /* ioreg's stack of bits, for an entry at depth n: bar[i], i <= n, is
     * "the entry at depth i has more siblings below it"; bar[n + 1] is
     * "the entry at depth n has children shown". */
    bool bar[IOREG_MAX_DEPTH + 2];
};

static void put(struct out *out, const char *text, size_t len)
{
    if (!OSSerialize_append(&out->line, text, len))
        out->failed = true;
}

static void puts_(struct out *out, const char *text)
{
    put(out, text, strlen(text));
}

static __attribute__((format(printf, 2, 3)))
void putf(struct out *out, const char *fmt, ...)
{
    char buf[64];
    va_list ap;

    va_start(ap, fmt);
    int n = vsnprintf(buf, sizeof(buf), fmt, ap);
    va_end(ap);
    if (n > 0)
        put(out, buf, (size_t)n < sizeof(buf) ? (size_t)n : sizeof(buf) - 1);
}

/* End the line: control characters become spaces (a string's newline
 * stays on its line, a terminal escape is not sent); a line longer than
 * width - 1 columns is cut there and ends in '$', as ioreg clips. */
static void end_line(struct out *out)
{
    OSSerialize *l = &out->line;
    size_t n = l->length;
    bool clipped = false;

    if (out->failed || l->failed) {
        out->failed = true;
        return;
    }
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)l->text[i];
        if (c < 0x20 || c == 0x7f)
            l->text[i] = ' ';
    }
    if (out->o->width && n >= out->o->width) {
        n = out->o->width - 1;
        /* Not in the middle of a UTF-8 sequence. */
        while (n > 0 && ((unsigned char)l->text[n] & 0xc0) == 0x80)
            n--;
        clipped = true;
    }
    l->length = n;
    put(out, clipped ? "$\n" : "\n", clipped ? 2 : 1);
    if (!out->failed)
        out->write(out->ctx, l->text, l->length);
    l->length = 0;
    if (l->text)
        l->text[0] = '\0';
}

/* ioreg's tree drawing: "| " under an entry whose later siblings are
 * still to come, "  " otherwise; "+-o " before an entry's own line. */
static void indent(struct out *out, bool node, unsigned depth)
{
    unsigned columns = node ? depth : depth + 2;

    for (unsigned i = 0; i < columns; i++)
        put(out, out->bar[i] ? "| " : "  ", 2);
    if (node)
        put(out, "+-o ", 4);
}

/* The class: its own name, or with -i the chain from the top down
 * ("IORegistryEntry:IOService:IOResources", OSObject left out). */
static void show_class(struct out *out, const OSDictionary *e)
{
    OSArray *chain = OSDynamicCast(OSArray,
                                   OSDictionary_get_object(e, kIOObjectClassChainKey));
    unsigned n = chain ? OSArray_get_count(chain) : 0;
    bool first = true;

    if (!out->o->inheritance || n == 0) {
        puts_(out, entry_string(e, kIOObjectClassKey));
        return;
    }
    for (unsigned i = n; i-- > 0;) {
        const char *c = OSString_get_cstring((OSString *)OSArray_get_object(chain, i));
        if (strcmp(c, "OSObject") == 0)
            continue;
        if (!first)
            put(out, ":", 1);
        puts_(out, c);
        first = false;
    }
    if (first)                  /* a chain of OSObject alone */
        puts_(out, entry_string(e, kIOObjectClassKey));
}

/* One entry: its line, and its properties with -l or when it matched:
 *   +-o Name@loc  <class C, id 0x.., registered, matched, active, busy 0, retain 8>
 *   | {
 *   |   "key" = value
 *   | }
 *   |                                                                 */
static void show(struct out *out, const OSDictionary *e, unsigned depth, bool matched)
{
    const char *loc = entry_string(e, kIORegistryEntryLocationKey);
    const char *state = entry_string(e, kIOServiceStateKey);
    OSNumber *id = entry_number(e, kIORegistryEntryIDKey);
    OSNumber *busy = entry_number(e, kIOServiceBusyStateKey);
    OSNumber *retain = entry_number(e, kIOObjectRetainCountKey);

    out->shown++;
    indent(out, true, depth);
    puts_(out, entry_string(e, kIORegistryEntryNameKey));
    if (loc) {
        put(out, "@", 1);
        puts_(out, loc);
    }
    puts_(out, "  <class ");
    show_class(out, e);
    if (id)
        putf(out, ", id 0x%llx", (unsigned long long)OSNumber_unsigned_64(id));
    if (state && *state) {
        put(out, ", ", 2);
        puts_(out, state);
    }
    if (busy)
        putf(out, ", busy %lld", (long long)OSNumber_signed_64(busy));
    if (retain)
        putf(out, ", retain %llu", (unsigned long long)OSNumber_unsigned_64(retain));
    put(out, ">", 1);
    end_line(out);

    if (!out->o->list && !matched)
        return;
    indent(out, false, depth);
    put(out, "{", 1);
    end_line(out);
    for (unsigned i = 0; i < OSDictionary_get_count(e); i++) {
        const char *key = OSSymbol_get_cstring(OSDictionary_get_key_at(e, i));
        if (is_meta_key(key))
            continue;
        indent(out, false, depth);
        put(out, "  ", 2);
        ioreg_append_string(&out->line, key);
        put(out, " = ", 3);
        ioreg_append_value(&out->line, OSDictionary_get_value_at(e, i), out->o->hex);
        end_line(out);
    }
    indent(out, false, depth);
    put(out, "}", 1);
    end_line(out);
    indent(out, false, depth);
    end_line(out);
}

/* Is child (of an entry depth levels below the walk's root, and inside
 * levels below the nearest match above it, 0 if none) shown? */
static bool child_shown(const struct out *out, const OSDictionary *child,
                        unsigned depth, unsigned inside)
{
    const ioreg_options *o = out->o;

    if (out->walk == WALK_PLAIN)
        return o->depth == 0 || o->depth > depth + 1;
    if (inside && (o->depth == 0 || inside < o->depth))
        return true;
    return matches(o, child) || match_below(o, child);
}

/* The next child at or after index i that is shown; count if none. */
static unsigned next_shown(const struct out *out, const OSDictionary *e, unsigned i,
                           unsigned depth, unsigned inside)
{
    unsigned n = entry_child_count(e);

    for (; i < n; i++) {
        if (child_shown(out, entry_child(e, i), depth, inside))
            break;
    }
    return i;
}

/* Show e at depth, then its children that are shown (ioreg's scan). */
static void scan(struct out *out, const OSDictionary *e, unsigned depth,
                 bool more_siblings, unsigned inside)
{
    unsigned n = entry_child_count(e);
    bool matched = matches(out->o, e);

    if (out->walk == WALK_PRUNE && matched)
        inside = 1;
    unsigned i = next_shown(out, e, 0, depth, inside);
    out->bar[depth] = more_siblings;
    out->bar[depth + 1] = i < n;
    show(out, e, depth, matched);
    while (i < n && !out->failed) {
        unsigned next = next_shown(out, e, i + 1, depth, inside);
        scan(out, entry_child(e, i), depth + 1, next < n, inside ? inside + 1 : 0);
        i = next;
    }
}

/* -r: each match not already shown under an earlier one becomes the root
 * of its own tree, followed by an empty line (ioreg's search).
 * shown_until: entries at depths below it are inside a subtree shown. */
static void search(struct out *out, const OSDictionary *e, unsigned depth,
                   unsigned shown_until)
{
    const ioreg_options *o = out->o;

    if (shown_until < depth + 1 && matches(o, e)) {
        shown_until = o->depth ? depth + o->depth : ~0u;
        scan(out, e, 0, false, 0);
        end_line(out);
    }
    for (unsigned i = 0; i < entry_child_count(e) && !out->failed; i++)
        search(out, entry_child(e, i), depth + 1, shown_until);
}

static void format_text(struct out *out, const OSDictionary *top, bool several)
{
    const ioreg_options *o = out->o;

    if (o->root) {
        out->walk = WALK_PLAIN;
        search(out, top, 0, 0);
    } else if (ioreg_has_criteria(o)) {
        out->walk = WALK_PRUNE;
        if (matches(o, top) || match_below(o, top))
            scan(out, top, 0, false, 0);
    } else {
        out->walk = WALK_PLAIN;
        scan(out, top, 0, false, 0);
        /* An array of subtrees (ioreg -a -r): each ends as -r's do. */
        if (several)
            end_line(out);
    }
}

/* --- Archive output (-a) ---------------------------------------------------- */

/* A copy of entry e, depth levels below the root of what is written: its
 * meta keys, its properties with -l or when it matched, and its children
 * down to -d levels. */
static OSDictionary *archive_entry(struct out *out, const OSDictionary *e,
                                   unsigned depth)
{
    const ioreg_options *o = out->o;
    bool props = o->list || matches(o, e);
    bool kids = o->depth == 0 || o->depth > depth + 1;
    OSDictionary *copy = OSDictionary_with_capacity(OSDictionary_get_count(e));

    if (!copy)
        goto fail;
    out->shown++;
    for (unsigned i = 0; i < OSDictionary_get_count(e); i++) {
        const OSSymbol *key = OSDictionary_get_key_at(e, i);
        const char *k = OSSymbol_get_cstring(key);
        bool ok = true;
        if (strcmp(k, kIORegistryEntryChildrenKey) == 0) {
            if (!kids)
                continue;
            OSArray *a = OSArray_with_capacity(entry_child_count(e));
            for (unsigned c = 0; a && c < entry_child_count(e); c++) {
                OSDictionary *child = archive_entry(out, entry_child(e, c), depth + 1);
                ok = child && OSArray_set_object(a, child);
                OSSafeReleaseNULL(child);
                if (!ok)
                    break;
            }
            ok = a && ok && OSDictionary_set_object_sym(copy, key, a);
            OSSafeReleaseNULL(a);
        } else if (props || is_meta_key(k)) {
            ok = OSDictionary_set_object_sym(copy, key, OSDictionary_get_value_at(e, i));
        }
        if (!ok)
            goto fail;
    }
    return copy;
fail:
    OSSafeReleaseNULL(copy);
    out->failed = true;
    return NULL;
}

/* With -c/-n/-k: the matching subtrees, as search() finds them. */
static void archive_search(struct out *out, OSArray *found, const OSDictionary *e,
                           unsigned depth, unsigned shown_until)
{
    const ioreg_options *o = out->o;

    if (shown_until < depth + 1 && matches(o, e)) {
        shown_until = o->depth ? depth + o->depth : ~0u;
        OSDictionary *copy = archive_entry(out, e, 0);
        if (!copy || !OSArray_set_object(found, copy))
            out->failed = true;
        OSSafeReleaseNULL(copy);
    }
    for (unsigned i = 0; i < entry_child_count(e) && !out->failed; i++)
        archive_search(out, found, entry_child(e, i), depth + 1, shown_until);
}

static void format_archive(struct out *out, const OSObject *archive)
{
    const OSArray *tops = OSDynamicCast(OSArray, archive);
    unsigned n = tops ? OSArray_get_count(tops) : 1;
    OSObject *result = NULL;
    OSSerialize s;

    if (ioreg_has_criteria(out->o) || tops) {
        OSArray *a = OSArray_with_capacity(n);
        for (unsigned i = 0; a && i < n && !out->failed; i++) {
            const OSDictionary *top = tops ? (OSDictionary *)OSArray_get_object(tops, i)
                                           : (const OSDictionary *)archive;
            if (ioreg_has_criteria(out->o)) {
                archive_search(out, a, top, 0, 0);
            } else {
                OSDictionary *copy = archive_entry(out, top, 0);
                if (!copy || !OSArray_set_object(a, copy))
                    out->failed = true;
                OSSafeReleaseNULL(copy);
            }
        }
        result = (OSObject *)a;
    } else {
        result = (OSObject *)archive_entry(out, (const OSDictionary *)archive, 0);
    }
    if (!result || out->failed) {
        out->failed = true;
        OSSafeReleaseNULL(result);
        return;
    }
    OSSerialize_init(&s);
    if (OSSerialize_object_xml(&s, result, 0) && !s.failed)
        out->write(out->ctx, s.text, s.length);
    else
        out->failed = true;
    OSSerialize_free(&s);
    OSObject_release(result);
}

long ioreg_format(const OSObject *archive, const ioreg_options *o,
                  ioreg_write_fn write, void *ctx, char *err, size_t err_size)
{
    const OSArray *tops = OSDynamicCast(OSArray, archive);
    unsigned n = tops ? OSArray_get_count(tops) : 1;
    struct out out = { .o = o, .write = write, .ctx = ctx };
    long found = 0;

    if (!ioreg_check_archive(archive, err, err_size))
        return -1;
    OSSerialize_init(&out.line);
    if (o->archive) {
        format_archive(&out, archive);
    } else {
        for (unsigned i = 0; i < n && !out.failed; i++) {
            const OSDictionary *top = tops ? (OSDictionary *)OSArray_get_object(tops, i)
                                           : (const OSDictionary *)archive;
            format_text(&out, top, tops != NULL);
        }
    }
    OSSerialize_free(&out.line);
    if (out.failed) {
        ioreg_set_err(err, err_size, "out of memory formatting the registry");
        return -1;
    }
    if (!ioreg_has_criteria(o))
        return out.shown;
    for (unsigned i = 0; i < n; i++)
        found += count_matches(o, tops ? (OSDictionary *)OSArray_get_object(tops, i)
                                       : (const OSDictionary *)archive);
    return found;
}

long ioreg_format_xml(const char *xml, size_t len, const ioreg_options *o,
                      ioreg_write_fn write, void *ctx, char *err, size_t err_size)
{
    OSPlistError perr;
    size_t i = 0;

    while (i < len && (xml[i] == ' ' || xml[i] == '\t' || xml[i] == '\n' ||
                       xml[i] == '\r'))
        i++;
    if (i == len) {
        ioreg_set_err(err, err_size, "the input is empty: no registry archive");
        return -1;
    }
    OSObject *archive = OSUnserializeXML(xml, len, &perr);
    if (!archive) {
        ioreg_set_err(err, err_size, "not a registry archive: line %u, column %u: %s",
                perr.line, perr.column, perr.message);
        return -1;
    }
    long r = ioreg_format(archive, o, write, ctx, err, err_size);
    OSObject_release(archive);
    return r;
}
