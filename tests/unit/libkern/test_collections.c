/* libkern collections: OSArray, OSDictionary (insertion order, hashed
 * lookups when large), OSSet; deep equality and deep copy. */
#include <string.h>

#include "lk_test.h"
#include "tap.h"

static OSString *str(const char *s)
{
    return OSString_with_cstring(s);
}

static void t_array_growth_and_order(void)
{
    OSArray *a = OSArray_with_capacity(0);
    OSString *s[100];
    char buf[16];

    REQUIRE(a);
    for (int i = 0; i < 100; i++) {
        snprintf(buf, sizeof(buf), "%d", i);
        s[i] = str(buf);
        REQUIRE(OSArray_set_object(a, s[i]));
        CHECK_EQ(OSObject_get_retain_count(s[i]), 2);   /* retained */
    }
    CHECK_EQ(OSArray_get_count(a), 100);
    CHECK(a->capacity >= 100);
    for (int i = 0; i < 100; i++)
        CHECK(OSArray_get_object(a, (unsigned)i) == (OSObject *)s[i]);
    CHECK(OSArray_get_object(a, 100) == NULL);
    CHECK_EQ(OSArray_get_next_index_of_object(a, s[42], 0), 42);
    CHECK_EQ(OSArray_get_next_index_of_object(a, s[42], 43), -1);
    CHECK(!OSArray_set_object(a, NULL));
    OSObject_release(a);
    for (int i = 0; i < 100; i++) {
        CHECK_EQ(OSObject_get_retain_count(s[i]), 1);   /* released */
        OSObject_release(s[i]);
    }
}

static void t_array_insert_replace_remove(void)
{
    OSArray *a = OSArray_with_capacity(2);
    OSString *x = str("x"), *y = str("y"), *z = str("z"), *w = str("w");

    REQUIRE(a && x && y && z && w);
    CHECK(OSArray_set_object(a, x));
    CHECK(OSArray_set_object(a, z));
    CHECK(OSArray_insert_object(a, 1, y));      /* x y z */
    CHECK(OSArray_insert_object(a, 0, w));      /* w x y z */
    CHECK(!OSArray_insert_object(a, 9, w));
    CHECK_EQ(OSArray_get_count(a), 4);
    CHECK(OSArray_get_object(a, 0) == (OSObject *)w);
    CHECK(OSArray_get_object(a, 2) == (OSObject *)y);
    CHECK(OSArray_replace_object(a, 2, x));     /* w x x z */
    CHECK_EQ(OSObject_get_retain_count(y), 1);
    CHECK_EQ(OSObject_get_retain_count(x), 3);
    CHECK(!OSArray_replace_object(a, 4, x));
    CHECK_EQ(OSArray_get_next_index_of_object(a, x, 2), 2);
    OSArray_remove_object(a, 0);                /* x x z */
    OSArray_remove_object(a, 7);                /* no-op */
    CHECK_EQ(OSArray_get_count(a), 3);
    CHECK(OSArray_get_object(a, 2) == (OSObject *)z);
    CHECK_EQ(OSObject_get_retain_count(w), 1);
    /* The same object may be in an array twice. */
    CHECK_EQ(OSArray_get_next_index_of_object(a, x, 1), 1);
    {
        OSArray *c = OSArray_copy(a);

        REQUIRE(c);
        CHECK(c != a);
        CHECK_EQ(OSArray_get_count(c), 3);
        CHECK(OSArray_get_object(c, 2) == (OSObject *)z);   /* shallow */
        CHECK(OSObject_is_equal_to(a, c));
        OSArray_remove_object(c, 0);
        CHECK(!OSObject_is_equal_to(a, c));
        OSObject_release(c);
    }
    OSObject_release(a);
    CHECK_EQ(OSObject_get_retain_count(x), 1);
    OSObject_release(x);
    OSObject_release(y);
    OSObject_release(z);
    OSObject_release(w);
}

static void t_dictionary_basics(void)
{
    OSDictionary *d = OSDictionary_with_capacity(1);
    OSString *v1 = str("one"), *v2 = str("two"), *v3 = str("three");
    const OSSymbol *k;

    REQUIRE(d && v1 && v2 && v3);
    CHECK(OSDictionary_set_object(d, "b", v1));
    CHECK(OSDictionary_set_object(d, "a", v2));
    CHECK(OSDictionary_set_object(d, "c", v3));
    CHECK_EQ(OSDictionary_get_count(d), 3);
    CHECK(OSDictionary_get_object(d, "a") == (OSObject *)v2);
    CHECK(OSDictionary_get_object(d, "zz") == NULL);
    /* Insertion order, not sorted. */
    CHECK(strcmp(OSSymbol_get_cstring(OSDictionary_get_key_at(d, 0)), "b") == 0);
    CHECK(strcmp(OSSymbol_get_cstring(OSDictionary_get_key_at(d, 1)), "a") == 0);
    CHECK(OSDictionary_get_value_at(d, 2) == (OSObject *)v3);
    CHECK(OSDictionary_get_key_at(d, 3) == NULL);
    /* Replacing keeps the position and releases the old value. */
    CHECK(OSDictionary_set_object(d, "b", v3));
    CHECK(OSDictionary_get_value_at(d, 0) == (OSObject *)v3);
    CHECK_EQ(OSObject_get_retain_count(v1), 1);
    CHECK_EQ(OSDictionary_get_count(d), 3);
    /* Lookup by symbol. */
    k = OSSymbol_with_cstring("c");
    CHECK(OSDictionary_get_object_sym(d, k) == (OSObject *)v3);
    OSObject_release(k);
    /* Removal keeps the others in order. */
    OSDictionary_remove_object(d, "b");
    OSDictionary_remove_object(d, "not there");
    CHECK_EQ(OSDictionary_get_count(d), 2);
    CHECK(strcmp(OSSymbol_get_cstring(OSDictionary_get_key_at(d, 0)), "a") == 0);
    CHECK(OSDictionary_get_object(d, "b") == NULL);
    CHECK(!OSDictionary_set_object(d, "x", NULL));
    CHECK(!OSDictionary_set_object(d, NULL, v1));
    OSObject_release(d);
    CHECK_EQ(OSObject_get_retain_count(v3), 1);
    OSObject_release(v1);
    OSObject_release(v2);
    OSObject_release(v3);
}

static void t_dictionary_merge_copy(void)
{
    OSDictionary *a = OSDictionary_with_capacity(0), *b = OSDictionary_with_capacity(0);
    OSDictionary *c;
    OSNumber *one = OSNumber_with_value(1, 32), *two = OSNumber_with_value(2, 32);

    REQUIRE(a && b && one && two);
    OSDictionary_set_object(a, "x", one);
    OSDictionary_set_object(a, "y", one);
    OSDictionary_set_object(b, "y", two);
    OSDictionary_set_object(b, "z", two);
    CHECK(OSDictionary_merge(a, b));        /* y replaced in place, z added */
    CHECK_EQ(OSDictionary_get_count(a), 3);
    CHECK(OSDictionary_get_value_at(a, 1) == (OSObject *)two);
    CHECK(strcmp(OSSymbol_get_cstring(OSDictionary_get_key_at(a, 2)), "z") == 0);
    c = OSDictionary_copy(a);
    REQUIRE(c);
    CHECK(OSObject_is_equal_to(a, c));
    OSDictionary_remove_object(c, "x");
    CHECK(!OSObject_is_equal_to(a, c));
    CHECK_EQ(OSDictionary_get_count(a), 3);
    OSObject_release(a);
    OSObject_release(b);
    OSObject_release(c);
    OSObject_release(one);
    OSObject_release(two);
}

/* 5,000 keys: hashed lookups, order kept through removals. */
static void t_dictionary_large(void)
{
    enum { N = 5000 };
    OSDictionary *d = OSDictionary_with_capacity(0);
    size_t syms = OSSymbol_count();
    char key[32];
    unsigned bad = 0;

    REQUIRE(d);
    for (int i = 0; i < N; i++) {
        OSNumber *n = OSNumber_with_value((uint64_t)i, 32);

        snprintf(key, sizeof(key), "key-%d", (i * 7919) % N);
        REQUIRE(n && OSDictionary_set_object(d, key, n));
        OSObject_release(n);
    }
    CHECK_EQ(OSDictionary_get_count(d), N);
    CHECK(d->hash_index != NULL);
    for (int i = 0; i < N; i++) {
        OSNumber *n;

        snprintf(key, sizeof(key), "key-%d", (i * 7919) % N);
        n = (OSNumber *)OSDictionary_get_object(d, key);
        if (!n || OSNumber_unsigned_64(n) != (uint64_t)i ||
            OSDictionary_get_value_at(d, (unsigned)i) != (OSObject *)n)
            bad++;
    }
    CHECK_EQ(bad, 0);
    /* Remove every other entry; the rest keep order and stay findable. */
    for (int i = 0; i < N; i += 2) {
        snprintf(key, sizeof(key), "key-%d", (i * 7919) % N);
        OSDictionary_remove_object(d, key);
    }
    CHECK_EQ(OSDictionary_get_count(d), N / 2);
    bad = 0;
    for (int i = 1; i < N; i += 2) {
        OSNumber *n;

        snprintf(key, sizeof(key), "key-%d", (i * 7919) % N);
        n = (OSNumber *)OSDictionary_get_object(d, key);
        if (!n || OSNumber_unsigned_64(n) != (uint64_t)i ||
            OSDictionary_get_value_at(d, (unsigned)i / 2) != (OSObject *)n)
            bad++;
        snprintf(key, sizeof(key), "key-%d", ((i - 1) * 7919) % N);
        if (OSDictionary_get_object(d, key))
            bad++;
    }
    CHECK_EQ(bad, 0);
    OSObject_release(d);
    CHECK_EQ(OSSymbol_count(), syms);
}

static void t_set(void)
{
    OSSet *s = OSSet_with_capacity(0);
    OSSet *t = (OSSet *)OSMetaClass_alloc_instance(OSTypeID(OSSet));
    OSString *a = str("a"), *a2 = str("a"), *b = str("b");

    REQUIRE(s && t && a && a2 && b);
    CHECK(OSSet_set_object(s, a));
    CHECK(OSSet_set_object(s, a));      /* already there: still true */
    CHECK_EQ(OSSet_get_count(s), 1);
    CHECK(OSSet_set_object(s, a2));     /* equal but distinct object */
    CHECK_EQ(OSSet_get_count(s), 2);
    CHECK(OSSet_contains_object(s, a2));
    CHECK(!OSSet_contains_object(s, b));
    CHECK(!OSSet_set_object(s, NULL));
    /* A set made by alloc_instance works too (its ctor made the storage). */
    CHECK(OSSet_set_object(t, b));
    CHECK(OSSet_set_object(t, a));
    CHECK(OSSet_set_object(t, a));
    CHECK_EQ(OSSet_get_count(t), 2);
    /* Membership equality: {a, a2} vs {b, a}: no. */
    CHECK(!OSObject_is_equal_to(s, t));
    OSSet_remove_object(t, b);
    OSSet_set_object(t, str("a"));      /* +1 held by the set only after release */
    OSObject_release(OSSet_get_object_at(t, 1));
    CHECK(OSObject_is_equal_to(s, t));  /* {a, a2} vs {a, "a"} */
    CHECK(OSSet_get_object_at(s, 5) == NULL);
    OSSet_remove_object(s, a);
    CHECK_EQ(OSSet_get_count(s), 1);
    CHECK_EQ(OSObject_get_retain_count(a), 2);  /* held by t */
    OSObject_release(s);
    OSObject_release(t);
    OSObject_release(a);
    OSObject_release(a2);
    OSObject_release(b);
}

/* A value tree with one of everything. */
static OSDictionary *sample_tree(void)
{
    OSDictionary *d = OSDictionary_with_capacity(0);
    OSArray *a = OSArray_with_capacity(0);
    OSObject *v[] = {
        (OSObject *)str("s"), (OSObject *)OSNumber_with_signed(-5, 64),
        (OSObject *)OSNumber_with_real_text("2.5"), (OSObject *)OSData_with_bytes("ab", 2),
        (OSObject *)OSDate_with_seconds(12345), (OSObject *)OSSet_with_capacity(1),
    };

    OSArray_set_object(a, kOSBooleanTrue);
    for (size_t i = 0; i < TAP_COUNT(v); i++) {
        OSArray_set_object(a, v[i]);
        OSObject_release(v[i]);
    }
    OSSet_set_object((OSSet *)v[5], v[0]);
    OSDictionary_set_object(d, "array", a);
    OSDictionary_set_object(d, "sym", OSDictionary_get_key_at(d, 0));
    OSObject_release(a);
    return d;
}

static void t_copy_deep_and_equality(void)
{
    OSDictionary *d = sample_tree(), *c;
    OSArray *ca;
    OSString *s;

    REQUIRE(d);
    c = (OSDictionary *)OSObject_copy_deep(d);
    REQUIRE(c);
    CHECK(c != d);
    CHECK(OSObject_is_equal_to(d, c));
    CHECK(OSObject_is_equal_to(c, d));
    ca = (OSArray *)OSDictionary_get_object(c, "array");
    REQUIRE(ca);
    CHECK(ca != (OSArray *)OSDictionary_get_object(d, "array"));
    CHECK(OSArray_get_object(ca, 0) == (OSObject *)kOSBooleanTrue);
    /* Values are new objects, not shared. */
    CHECK(OSArray_get_object(ca, 1) !=
          OSArray_get_object((OSArray *)OSDictionary_get_object(d, "array"), 1));
    /* Change the copy: no longer equal; the original is untouched. */
    s = str("changed");
    OSArray_replace_object(ca, 1, s);
    OSObject_release(s);
    CHECK(!OSObject_is_equal_to(d, c));
    CHECK(OSString_is_equal_to_cstring(
        (OSString *)OSArray_get_object(
            (OSArray *)OSDictionary_get_object(d, "array"), 1), "s"));
    OSObject_release(c);
    CHECK(OSObject_copy_deep(NULL) == NULL);
    CHECK(!OSObject_is_equal_to(d, NULL));
    CHECK(OSObject_is_equal_to(NULL, NULL));
    OSObject_release(d);
}

/* Equality and copy refuse trees deeper than 64 containers. */
static void t_depth_bounded(void)
{
    OSArray *top = OSArray_with_capacity(0), *cur = top;
    OSArray *top2, *cur2;
    OSObject *c;

    for (int i = 1; i < 64; i++) {      /* 64 nested arrays */
        OSArray *n = OSArray_with_capacity(0);

        OSArray_set_object(cur, n);
        OSObject_release(n);
        cur = n;
    }
    c = OSObject_copy_deep(top);
    CHECK(c != NULL);
    CHECK(OSObject_is_equal_to(top, c));
    OSSafeReleaseNULL(c);
    top2 = OSArray_with_capacity(0);    /* 65 nested */
    OSArray_set_object(top2, top);
    CHECK(OSObject_copy_deep(top2) == NULL);
    cur2 = (OSArray *)OSObject_copy_deep(top);
    REQUIRE(cur2);
    {
        OSArray *t3 = OSArray_with_capacity(0);

        OSArray_set_object(t3, cur2);
        CHECK(!OSObject_is_equal_to(top2, t3));     /* refused, not crashed */
        CHECK(OSObject_is_equal_to(top2, top2));    /* identity */
        OSObject_release(t3);
    }
    OSObject_release(cur2);
    OSObject_release(top2);
    OSObject_release(top);
}

static const struct tap_case cases[] = {
    TAP_CASE(t_array_growth_and_order),
    TAP_CASE(t_array_insert_replace_remove),
    TAP_CASE(t_dictionary_basics),
    TAP_CASE(t_dictionary_merge_copy),
    TAP_CASE(t_dictionary_large),
    TAP_CASE(t_set),
    TAP_CASE(t_copy_deep_and_equality),
    TAP_CASE(t_depth_bounded),
};

int main(void)
{
    return lk_test_run(cases, TAP_COUNT(cases));
}
