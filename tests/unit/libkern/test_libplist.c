/* Cross-check of libkern's plist parser and serializer against Debian's
 * libplist over the corpus:
 *   - every good file is accepted by both, with equal trees;
 *   - our serialization of it, read back by libplist, is equal;
 *   - libplist's plist_to_xml of it, read by us, equals libplist's own
 *     reading of that text;
 *   - every bad file is rejected by us, and libplist accepts exactly the
 *     files bad/MANIFEST says it accepts (so a change on either side shows).
 * argv[1]: the corpus directory. */
#include <math.h>
#include <plist/plist.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lk_test.h"
#include "tap.h"

static const char *corpus_dir;

/* Report the first difference between our tree and libplist's. */
static bool differ(const char *file, const char *path, const char *what)
{
    TAP_NOTE("%s: at %s: %s", file, path, what);
    return false;
}

static bool same(const char *file, const OSObject *o, plist_t n, char *path,
                 size_t path_len, unsigned depth)
{
    plist_type t = plist_get_node_type(n);
    size_t plen = strlen(path);
    char note[160];

    if (depth > 70)
        return differ(file, path, "runaway depth");
    if (OSDynamicCast(OSString, o)) {
        char *s = NULL;
        bool eq;

        if (t != PLIST_STRING)
            return differ(file, path, "string vs other type");
        plist_get_string_val(n, &s);
        eq = s && strcmp(s, OSString_get_cstring((const OSString *)o)) == 0;
        if (!eq) {
            snprintf(note, sizeof(note), "string \"%.40s\" vs \"%.40s\"",
                     OSString_get_cstring((const OSString *)o), s ? s : "(null)");
            differ(file, path, note);
        }
        free(s);
        return eq;
    }
    if (OSDynamicCast(OSNumber, o)) {
        const OSNumber *num = (const OSNumber *)o;

        if (OSNumber_is_real(num)) {
            double ours = strtod(OSNumber_get_real_text(num), NULL), theirs = 0;

            if (t != PLIST_REAL)
                return differ(file, path, "real vs other type");
            plist_get_real_val(n, &theirs);
            if (ours == theirs || (isnan(ours) && isnan(theirs)))
                return true;
            snprintf(note, sizeof(note), "real %s (%.17g) vs %.17g",
                     OSNumber_get_real_text(num), ours, theirs);
            return differ(file, path, note);
        } else {
            uint64_t theirs = 0, ours = OSNumber_unsigned_64(num);

            if (t != PLIST_UINT)
                return differ(file, path, "integer vs other type");
            plist_get_uint_val(n, &theirs);
            if (ours == theirs)
                return true;
            snprintf(note, sizeof(note), "integer %llu vs %llu",
                     (unsigned long long)ours, (unsigned long long)theirs);
            return differ(file, path, note);
        }
    }
    if (OSDynamicCast(OSBoolean, o)) {
        uint8_t b = 2;

        if (t != PLIST_BOOLEAN)
            return differ(file, path, "boolean vs other type");
        plist_get_bool_val(n, &b);
        return b == OSBoolean_get_value((const OSBoolean *)o)
                   ? true
                   : differ(file, path, "boolean value");
    }
    if (OSDynamicCast(OSData, o)) {
        char *bytes = NULL;
        uint64_t len = 0;
        bool eq;

        if (t != PLIST_DATA)
            return differ(file, path, "data vs other type");
        plist_get_data_val(n, &bytes, &len);
        eq = len == OSData_get_length((const OSData *)o) &&
             (!len || memcmp(bytes, OSData_get_bytes((const OSData *)o), len) == 0);
        free(bytes);
        return eq ? true : differ(file, path, "data bytes");
    }
    if (OSDynamicCast(OSDate, o)) {
        int32_t sec = 0, usec = -1;

        if (t != PLIST_DATE)
            return differ(file, path, "date vs other type");
        plist_get_date_val(n, &sec, &usec);
        if (sec == OSDate_get_seconds((const OSDate *)o) && usec == 0)
            return true;
        snprintf(note, sizeof(note), "date %lld vs %d.%06d",
                 (long long)OSDate_get_seconds((const OSDate *)o), sec, usec);
        return differ(file, path, note);
    }
    if (OSDynamicCast(OSArray, o)) {
        const OSArray *a = (const OSArray *)o;

        if (t != PLIST_ARRAY)
            return differ(file, path, "array vs other type");
        if (plist_array_get_size(n) != OSArray_get_count(a))
            return differ(file, path, "array size");
        for (unsigned i = 0; i < OSArray_get_count(a); i++) {
            snprintf(path + plen, path_len - plen, "[%u]", i);
            if (!same(file, OSArray_get_object(a, i), plist_array_get_item(n, i),
                       path, path_len, depth + 1))
                return false;
        }
        path[plen] = '\0';
        return true;
    }
    if (OSDynamicCast(OSDictionary, o)) {
        const OSDictionary *d = (const OSDictionary *)o;
        plist_dict_iter it = NULL;
        unsigned i = 0;
        bool ok = true;

        if (t != PLIST_DICT)
            return differ(file, path, "dict vs other type");
        if (plist_dict_get_size(n) != OSDictionary_get_count(d))
            return differ(file, path, "dict size");
        plist_dict_new_iter(n, &it);
        for (;; i++) {
            char *key = NULL;
            plist_t v = NULL;

            plist_dict_next_item(n, it, &key, &v);
            if (!v) {
                free(key);
                break;
            }
            snprintf(path + plen, path_len - plen, ".%.40s", key);
            if (i >= OSDictionary_get_count(d) ||
                strcmp(key, OSSymbol_get_cstring(OSDictionary_get_key_at(d, i))) != 0)
                ok = differ(file, path, "key order");
            else
                ok = same(file, OSDictionary_get_value_at(d, i), v, path,
                          path_len, depth + 1);
            free(key);
            if (!ok)
                break;
        }
        free(it);
        path[plen] = '\0';
        return ok && i == OSDictionary_get_count(d);
    }
    return differ(file, path, "object of no plist type");
}

static bool trees_equal(const char *file, const OSObject *o, plist_t n)
{
    char path[512] = "top";

    return same(file, o, n, path, sizeof(path), 0);
}

static plist_t libplist_parse(const char *text, size_t len)
{
    plist_t n = NULL;

    plist_from_xml(text, (uint32_t)len, &n);
    return n;
}

static void t_good_files_parse_alike(void)
{
    struct corpus c;
    char dir[1024];
    size_t before = lk_live_objects();

    snprintf(dir, sizeof(dir), "%s/good", corpus_dir);
    REQUIRE(corpus_load(dir, &c));
    CHECK(c.n >= 25);
    for (size_t i = 0; i < c.n; i++) {
        struct corpus_file *f = &c.files[i];
        OSPlistError err;
        OSObject *ours = OSUnserializeXML(f->text, f->len, &err);
        plist_t theirs = libplist_parse(f->text, f->len);

        if (!ours)
            tap_fail(__FILE__, __LINE__, "%s: we reject it: %u:%u: %s", f->name,
                     err.line, err.column, err.message);
        if (!theirs)
            tap_fail(__FILE__, __LINE__, "%s: libplist rejects it", f->name);
        if (ours && theirs && !trees_equal(f->name, ours, theirs))
            tap_fail(__FILE__, __LINE__, "%s: the trees differ", f->name);
        OSSafeReleaseNULL(ours);
        if (theirs)
            plist_free(theirs);
    }
    corpus_free(&c);
    CHECK_EQ(lk_live_objects(), before);
}

static void t_libplist_reads_our_output(void)
{
    struct corpus c;
    char dir[1024];

    snprintf(dir, sizeof(dir), "%s/good", corpus_dir);
    REQUIRE(corpus_load(dir, &c));
    for (size_t i = 0; i < c.n; i++) {
        struct corpus_file *f = &c.files[i];
        OSObject *ours = OSUnserializeXML(f->text, f->len, NULL);
        OSSerialize s;
        plist_t theirs;

        if (!ours)
            continue;   /* reported by t_good_files_parse_alike */
        OSSerialize_init(&s);
        if (!OSSerialize_object_xml(&s, ours, 0)) {
            tap_fail(__FILE__, __LINE__, "%s: we cannot serialize it", f->name);
        } else if (!(theirs = libplist_parse(s.text, s.length))) {
            tap_fail(__FILE__, __LINE__, "%s: libplist rejects our output", f->name);
        } else {
            if (!trees_equal(f->name, ours, theirs))
                tap_fail(__FILE__, __LINE__,
                         "%s: libplist reads our output differently", f->name);
            plist_free(theirs);
        }
        OSSerialize_free(&s);
        OSObject_release(ours);
    }
    corpus_free(&c);
}

static void t_we_read_libplist_output(void)
{
    struct corpus c;
    char dir[1024];

    snprintf(dir, sizeof(dir), "%s/good", corpus_dir);
    REQUIRE(corpus_load(dir, &c));
    for (size_t i = 0; i < c.n; i++) {
        struct corpus_file *f = &c.files[i];
        plist_t theirs = libplist_parse(f->text, f->len), again;
        char *xml = NULL;
        uint32_t len = 0;
        OSPlistError err;
        OSObject *ours;

        if (!theirs)
            continue;   /* reported by t_good_files_parse_alike */
        plist_to_xml(theirs, &xml, &len);
        plist_free(theirs);
        if (!xml) {
            tap_fail(__FILE__, __LINE__, "%s: libplist cannot write it", f->name);
            continue;
        }
        /* Compare both readings of the same text: libplist's writer may be
         * lossy, its reader and ours must agree on what it wrote. */
        again = libplist_parse(xml, len);
        ours = OSUnserializeXML(xml, len, &err);
        if (!ours)
            tap_fail(__FILE__, __LINE__, "%s: we reject libplist's output: %u:%u: %s",
                     f->name, err.line, err.column, err.message);
        else if (!again)
            tap_fail(__FILE__, __LINE__, "%s: libplist rejects its own output",
                     f->name);
        else if (!trees_equal(f->name, ours, again))
            tap_fail(__FILE__, __LINE__, "%s: we read libplist's output differently",
                     f->name);
        OSSafeReleaseNULL(ours);
        if (again)
            plist_free(again);
        plist_to_xml_free(xml);
    }
    corpus_free(&c);
}

static void t_bad_files_and_manifest(void)
{
    struct manifest_entry *m = NULL;
    struct corpus c;
    char dir[1024], path[1100];
    size_t nm = 0, accepted = 0;

    snprintf(dir, sizeof(dir), "%s/bad", corpus_dir);
    snprintf(path, sizeof(path), "%s/MANIFEST", dir);
    REQUIRE(corpus_load(dir, &c));
    REQUIRE(manifest_load(path, &m, &nm));
    CHECK_EQ(nm, c.n);
    for (size_t i = 0; i < c.n; i++) {
        struct corpus_file *f = &c.files[i];
        struct manifest_entry *e = NULL;
        OSObject *ours = OSUnserializeXML(f->text, f->len, NULL);
        plist_t theirs = libplist_parse(f->text, f->len);

        for (size_t j = 0; j < nm; j++)
            if (strcmp(m[j].name, f->name) == 0)
                e = &m[j];
        if (ours)
            tap_fail(__FILE__, __LINE__, "%s: we accept a bad plist", f->name);
        if (!e)
            tap_fail(__FILE__, __LINE__, "%s: not in MANIFEST", f->name);
        else if (!!theirs != e->libplist_accepts)
            tap_fail(__FILE__, __LINE__, "%s: libplist %s it, MANIFEST says %s",
                     f->name, theirs ? "accepts" : "rejects",
                     e->libplist_accepts ? "accepts" : "rejects");
        accepted += theirs != NULL;
        OSSafeReleaseNULL(ours);
        if (theirs)
            plist_free(theirs);
    }
    TAP_NOTE("%zu bad plists; libplist accepts %zu of them (see MANIFEST)", c.n,
             accepted);
    free(m);
    corpus_free(&c);
}

static const struct tap_case cases[] = {
    TAP_CASE(t_good_files_parse_alike),
    TAP_CASE(t_libplist_reads_our_output),
    TAP_CASE(t_we_read_libplist_output),
    TAP_CASE(t_bad_files_and_manifest),
};

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: %s corpus-dir\n", argv[0]);
        return 2;
    }
    corpus_dir = argv[1];
    return lk_test_run(cases, TAP_COUNT(cases));
}
