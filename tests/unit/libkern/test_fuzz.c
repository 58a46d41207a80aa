/* Robustness of the plist parser and serializer: a deterministic mutation
 * fuzz loop over the corpus (fixed seed; UNIT_SEED=N explores others) and
 * allocation failures injected at every allocation of a parse, a
 * serialization and collection growth.  Nothing may crash, leak (live
 * allocations and objects are counted) or free with the wrong size; any
 * input that parses must serialize, reparse equal and serialize again
 * byte-identical.  argv[1]: the corpus directory. */
#include <string.h>
#include <time.h>

#include "lk_test.h"
#include "platform_counting.h"
#include "tap.h"

#define MUTATIONS 200000

static const char *corpus_dir;
static struct corpus all;       /* good and bad files */

static void load_all(void)
{
    struct corpus c;
    char dir[1024];
    const char *sub[] = { "good", "bad" };

    for (int s = 0; s < 2; s++) {
        snprintf(dir, sizeof(dir), "%s/%s", corpus_dir, sub[s]);
        if (!corpus_load(dir, &c))
            continue;
        all.files = realloc(all.files, (all.n + c.n) * sizeof(*all.files));
        memcpy(all.files + all.n, c.files, c.n * sizeof(*c.files));
        all.n += c.n;
        free(c.files);
    }
}

/* Fragments that steer mutations into the parser's interesting corners. */
static const char *const tokens[] = {
    "<", ">", "/", "</", "/>", "&", ";", "\"", "'", "=", "\n", " ", "\t", "\r",
    "<dict>", "</dict>", "<array>", "</array>", "<key>", "</key>", "<key>a</key>",
    "<string>", "</string>", "<integer>", "</integer>", "<real>", "</real>",
    "<data>", "</data>", "<date>", "</date>", "<true/>", "<false/>", "<plist>",
    "</plist>", "<dict/>", "<array/>", "<!--", "-->", "<![CDATA[", "]]>", "<?",
    "?>", "<!DOCTYPE", "&amp;", "&#x", "&#", "&#x10FFFF;", "&#0;", "0x", "-",
    "99999999999999999999", "size=\"8\"", " size=\"64\"", "=", "==", "e+",
    "nan", "2001-01-01T00:00:00Z", "\xc3\xa9", "\xf0\x9f\x98\x80", "\0", "\xff",
};

static size_t mutate(uint64_t *rng, const struct corpus_file *f, char *out,
                     size_t cap)
{
    size_t len = f->len < cap ? f->len : cap;
    unsigned rounds = 1 + (unsigned)tap_rand_below(rng, 4);

    memcpy(out, f->text, len);
    for (unsigned r = 0; r < rounds; r++) {
        size_t at = len ? (size_t)tap_rand_below(rng, len + 1) : 0;
        size_t n;

        switch (tap_rand_below(rng, 8)) {
        case 0:     /* flip bits */
            if (at < len)
                out[at] ^= (char)(1u << tap_rand_below(rng, 8));
            break;
        case 1:     /* random byte */
            if (at < len)
                out[at] = (char)tap_rand_below(rng, 256);
            break;
        case 2: {   /* insert a token */
            const char *t = tokens[tap_rand_below(rng, TAP_COUNT(tokens))];
            size_t tl = t[0] ? strlen(t) : 1;

            if (len + tl <= cap) {
                memmove(out + at + tl, out + at, len - at);
                memcpy(out + at, t, tl);
                len += tl;
            }
            break;
        }
        case 3:     /* delete a range */
            n = (size_t)tap_rand_below(rng, 32);
            if (at + n > len)
                n = len - at;
            memmove(out + at, out + at + n, len - at - n);
            len -= n;
            break;
        case 4:     /* duplicate a range */
            n = (size_t)tap_rand_below(rng, 64);
            if (at + n > len)
                n = len - at;
            if (len + n <= cap) {
                memmove(out + at + n, out + at, len - at);
                len += n;
            }
            break;
        case 5:     /* truncate */
            len = at;
            break;
        case 6:     /* a run of one byte (long numbers, deep nesting) */
            n = (size_t)tap_rand_below(rng, 200);
            if (len + n <= cap) {
                char c = (char)('0' + tap_rand_below(rng, 10));

                if (at < len && tap_rand_below(rng, 2))
                    c = out[at];

                memmove(out + at + n, out + at, len - at);
                memset(out + at, c, n);
                len += n;
            }
            break;
        default: {  /* splice in part of another file */
            const struct corpus_file *g = &all.files[tap_rand_below(rng, all.n)];
            size_t from = (size_t)tap_rand_below(rng, g->len + 1);

            n = (size_t)tap_rand_below(rng, 128);
            if (from + n > g->len)
                n = g->len - from;
            if (len + n <= cap) {
                memmove(out + at + n, out + at, len - at);
                memcpy(out + at, g->text + from, n);
                len += n;
            }
            break;
        }
        }
    }
    return len;
}

/* Lines in text[0..len), counting the one after a final newline. */
static unsigned count_lines(const char *t, size_t len)
{
    unsigned n = 1;

    for (size_t i = 0; i < len; i++)
        n += t[i] == '\n';
    return n;
}

/* One input: parse; on success round-trip; on failure a sane error. */
static bool exercise(const char *text, size_t len, unsigned *accepted)
{
    OSPlistError err;
    OSObject *a = OSUnserializeXML(text, len, &err), *b = NULL;
    OSSerialize s1, s2;
    bool ok = true;

    if (!a) {
        if (err.line < 1 || err.line > count_lines(text, len) || err.column < 1 ||
            err.column > len + 1 || !err.message[0] ||
            strnlen(err.message, sizeof(err.message)) == sizeof(err.message)) {
            TAP_NOTE("bad error %u:%u: %s", err.line, err.column, err.message);
            return false;
        }
        return true;
    }
    (*accepted)++;
    OSSerialize_init(&s1);
    OSSerialize_init(&s2);
    if (!OSSerialize_object_xml(&s1, a, 0)) {
        TAP_NOTE("accepted input does not serialize");
        ok = false;
    } else if (!(b = OSUnserializeXML(s1.text, s1.length, &err))) {
        TAP_NOTE("our own output rejected at %u:%u: %s", err.line, err.column,
                 err.message);
        ok = false;
    } else if (!OSObject_is_equal_to(a, b)) {
        TAP_NOTE("reparse differs");
        ok = false;
    } else if (!OSSerialize_object_xml(&s2, b, 0) || s1.length != s2.length ||
               memcmp(s1.text, s2.text, s1.length) != 0) {
        TAP_NOTE("second serialization differs");
        ok = false;
    }
    OSSafeReleaseNULL(a);
    OSSafeReleaseNULL(b);
    OSSerialize_free(&s1);
    OSSerialize_free(&s2);
    return ok;
}

static void t_mutation_fuzz(void)
{
    enum { CAP = 64 * 1024 };
    char *buf = malloc(CAP);
    uint64_t seed = tap_seed(0x6c69626b65726e31ull), rng = seed;
    size_t blocks, objects;
    unsigned accepted = 0, bad = 0;
    clock_t t0 = clock();

    REQUIRE(buf);
    REQUIRE(all.n > 0);
    blocks = lkc_live_blocks;
    objects = lk_live_objects();
    for (unsigned i = 0; i < MUTATIONS; i++) {
        const struct corpus_file *f = &all.files[tap_rand_below(&rng, all.n)];
        size_t len = mutate(&rng, f, buf, CAP);

        if (!exercise(buf, len, &accepted)) {
            if (bad++ < 5) {
                FILE *out = fopen("fuzz-failure.plist", "wb");

                TAP_NOTE("input %u (from %s) failed; saved as fuzz-failure.plist",
                         i, f->name);
                if (out) {
                    fwrite(buf, 1, len, out);
                    fclose(out);
                }
            }
        }
    }
    TAP_NOTE("%u mutated inputs (seed %#llx): %u accepted, %.2f s", MUTATIONS,
             (unsigned long long)seed, accepted,
             (double)(clock() - t0) / CLOCKS_PER_SEC);
    CHECK_EQ(bad, 0);
    CHECK(accepted > 0);
    CHECK_EQ(lkc_live_blocks, blocks);
    CHECK_EQ(lk_live_objects(), objects);
    CHECK_EQ(lkc_bad_frees, 0);
    free(buf);
}

/* Parse every good file with the k-th allocation failing, for every k. */
static void t_parse_allocation_failures(void)
{
    char dir[1024];
    struct corpus c;
    size_t blocks = lkc_live_blocks, objects = lk_live_objects(), runs = 0;

    snprintf(dir, sizeof(dir), "%s/good", corpus_dir);
    REQUIRE(corpus_load(dir, &c));
    for (size_t i = 0; i < c.n; i++) {
        if (c.files[i].len > 6000)
            continue;   /* large files: the same paths, just slower */
        for (long k = 0;; k++) {
            OSPlistError err;
            OSObject *o;
            size_t failed = lkc_failed;

            lkc_fail_countdown = k;
            o = OSUnserializeXML(c.files[i].text, c.files[i].len, &err);
            lkc_fail_countdown = -1;
            runs++;
            if (lkc_failed == failed) {     /* no allocation failed: done */
                CHECK(o != NULL);
                OSSafeReleaseNULL(o);
                break;
            }
            /* A failed allocation is an error, never a wrong tree. */
            if (o) {
                tap_fail(__FILE__, __LINE__, "%s: accepted with allocation %ld failing",
                         c.files[i].name, k);
                OSObject_release(o);
            } else if (!strstr(err.message, "out of memory")) {
                tap_fail(__FILE__, __LINE__, "%s: allocation %ld: %s",
                         c.files[i].name, k, err.message);
            }
        }
    }
    corpus_free(&c);
    TAP_NOTE("%zu parses with one allocation failing", runs);
    CHECK_EQ(lkc_live_blocks, blocks);
    CHECK_EQ(lk_live_objects(), objects);
    CHECK_EQ(lkc_bad_frees, 0);
}

static void t_serialize_allocation_failures(void)
{
    char path[1100];
    size_t len, blocks = lkc_live_blocks, objects = lk_live_objects();
    char *text;
    OSObject *o;

    snprintf(path, sizeof(path), "%s/good/iokit_personality.plist", corpus_dir);
    text = lk_read_file(path, &len);
    REQUIRE(text);
    o = OSUnserializeXML(text, len, NULL);
    free(text);
    REQUIRE(o);
    for (long k = 0;; k++) {
        OSSerialize s;
        size_t failed = lkc_failed;
        bool ok;

        OSSerialize_init(&s);
        lkc_fail_countdown = k;
        ok = OSSerialize_object_xml(&s, o, 0);
        lkc_fail_countdown = -1;
        if (lkc_failed == failed) {
            CHECK(ok);
            OSSerialize_free(&s);
            break;
        }
        CHECK(!ok);
        CHECK(s.failed);
        CHECK(!s.text || strlen(s.text) == s.length);   /* still terminated */
        OSSerialize_free(&s);
    }
    /* Deep copy under failure: NULL or an equal tree. */
    for (long k = 0;; k++) {
        size_t failed = lkc_failed;
        OSObject *c;

        lkc_fail_countdown = k;
        c = OSObject_copy_deep(o);
        lkc_fail_countdown = -1;
        if (lkc_failed == failed) {
            CHECK(c && OSObject_is_equal_to(o, c));
            OSSafeReleaseNULL(c);
            break;
        }
        CHECK(c == NULL);
        OSSafeReleaseNULL(c);
    }
    OSObject_release(o);
    CHECK_EQ(lkc_live_blocks, blocks);
    CHECK_EQ(lk_live_objects(), objects);
    CHECK_EQ(lkc_bad_frees, 0);
}

/* Growth that fails leaves a collection unchanged. */
static void t_collection_growth_failures(void)
{
    OSArray *a = OSArray_with_capacity(0);
    OSDictionary *d = OSDictionary_with_capacity(0);
    OSString *s = OSString_with_cstring("v");
    char key[16];

    REQUIRE(a && d && s);
    for (int i = 0; i < 40; i++) {
        bool grows = a->count == a->capacity;

        lkc_fail_countdown = 0;
        if (grows) {
            CHECK(!OSArray_set_object(a, s));
            CHECK_EQ(a->count, (unsigned)i);
        }
        lkc_fail_countdown = -1;
        REQUIRE(OSArray_set_object(a, s));
    }
    CHECK_EQ(OSArray_get_count(a), 40);
    for (int i = 0; i < 40; i++) {
        const OSSymbol *k;

        snprintf(key, sizeof(key), "k%d", i);
        k = OSSymbol_with_cstring(key);
        REQUIRE(k);
        lkc_fail_countdown = 0;
        if (d->count == d->capacity) {
            CHECK(!OSDictionary_set_object_sym(d, k, s));
            CHECK_EQ(d->count, (unsigned)i);
        }
        /* Without memory for the hash index (built at 17 entries, after
         * the keys and values grow) a big dictionary still works. */
        lkc_fail_countdown = i == 16 ? 2 : -1;
        REQUIRE(OSDictionary_set_object_sym(d, k, s));
        if (i == 16)
            CHECK(d->hash_index == NULL);
        lkc_fail_countdown = -1;
        OSObject_release(k);
    }
    for (int i = 0; i < 40; i++) {
        snprintf(key, sizeof(key), "k%d", i);
        CHECK(OSDictionary_get_object(d, key) == (OSObject *)s);
    }
    CHECK(OSDictionary_get_object(d, "k40") == NULL);
    CHECK(d->hash_index != NULL);      /* rebuilt on a later insert */
    OSObject_release(a);
    OSObject_release(d);
    CHECK_EQ(OSObject_get_retain_count(s), 1);
    OSObject_release(s);
}

static const struct tap_case cases[] = {
    TAP_CASE(t_mutation_fuzz),
    TAP_CASE(t_parse_allocation_failures),
    TAP_CASE(t_serialize_allocation_failures),
    TAP_CASE(t_collection_growth_failures),
};

int main(int argc, char **argv)
{
    size_t blocks, objects;
    unsigned warm = 0;
    int rc;

    if (argc < 2) {
        fprintf(stderr, "usage: %s corpus-dir\n", argv[0]);
        return 2;
    }
    corpus_dir = argv[1];
    if (!libkern_init())
        return 1;
    load_all();
    /* Warm up once so the symbol table exists before counting. */
    for (size_t i = 0; i < all.n; i++)
        exercise(all.files[i].text, all.files[i].len, &warm);
    blocks = lkc_live_blocks;
    objects = lk_live_objects();
    rc = tap_run(cases, TAP_COUNT(cases));
    if (lkc_live_blocks != blocks || lk_live_objects() != objects) {
        printf("# leaked %zd blocks, %zd objects\n",
               (ssize_t)(lkc_live_blocks - blocks), (ssize_t)(lk_live_objects() - objects));
        rc = 1;
    }
    corpus_free(&all);
    return rc;
}
