/* libkern value types: OSString, OSSymbol, OSNumber (integers and decimal
 * reals), OSBoolean, OSData, OSDate. */
#include <string.h>

#include "lk_test.h"
#include "tap.h"

static void t_string(void)
{
    OSString *s = OSString_with_cstring("hello");
    OSString *b = OSString_with_bytes("hello world", 5);
    OSString *e = OSString_with_cstring("");

    REQUIRE(s && b && e);
    CHECK(strcmp(OSString_get_cstring(s), "hello") == 0);
    CHECK_EQ(OSString_get_length(s), 5);
    CHECK(OSString_is_equal_to_cstring(b, "hello"));
    CHECK(!OSString_is_equal_to_cstring(b, "hello world"));
    CHECK(OSObject_is_equal_to(s, b));
    CHECK(s != b);
    CHECK_EQ(OSString_get_length(e), 0);
    CHECK(strcmp(OSString_get_cstring(e), "") == 0);
    CHECK(!OSObject_is_equal_to(s, e));
    /* Embedded NULs are refused; NULL is refused. */
    CHECK(OSString_with_bytes("a\0b", 3) == NULL);
    CHECK(OSString_with_cstring(NULL) == NULL);
    CHECK(OSString_get_cstring(NULL) == NULL);
    OSObject_release(s);
    OSObject_release(b);
    OSObject_release(e);
}

static void t_symbols_interned_and_freed(void)
{
    size_t base = OSSymbol_count();
    const OSSymbol *a = OSSymbol_with_cstring("IOProviderClass");
    const OSSymbol *b = OSSymbol_with_bytes("IOProviderClassX", 15);
    const OSSymbol *c = OSSymbol_with_cstring("IOClass");
    const OSSymbol *x;
    OSString *plain = OSString_with_cstring("IOClass");

    REQUIRE(a && b && c && plain);
    CHECK(a == b);                          /* one symbol per string */
    CHECK(a != c);
    CHECK_EQ(OSSymbol_count(), base + 2);
    CHECK_EQ(OSObject_get_retain_count(a), 2);
    CHECK(strcmp(OSSymbol_get_cstring(a), "IOProviderClass") == 0);
    CHECK(OSDynamicCast(OSString, a) != NULL);   /* a symbol is a string */
    CHECK(OSObject_is_equal_to(c, plain));       /* and equals one */
    x = OSSymbol_existing("IOClass");
    CHECK(x == c);
    OSSafeReleaseNULL(x);
    CHECK(OSSymbol_existing("NeverInterned") == NULL);
    OSObject_release(a);
    OSObject_release(b);
    OSObject_release(c);
    /* The last release takes a symbol out of the table. */
    CHECK_EQ(OSSymbol_count(), base);
    CHECK(OSSymbol_existing("IOClass") == NULL);
    /* Re-creating gives a fresh symbol. */
    c = OSSymbol_with_cstring("IOClass");
    REQUIRE(c);
    CHECK_EQ(OSObject_get_retain_count(c), 1);
    OSObject_release(c);
    OSObject_release(plain);
    CHECK(OSSymbol_with_bytes("a\0b", 3) == NULL);
    CHECK(OSSymbol_with_cstring(NULL) == NULL);
}

static void t_many_symbols(void)
{
    enum { N = 20000 };
    const OSSymbol **syms = calloc(N, sizeof(*syms));
    size_t base = OSSymbol_count();
    char name[32];

    REQUIRE(syms);
    for (int i = 0; i < N; i++) {
        snprintf(name, sizeof(name), "sym-%d", i);
        syms[i] = OSSymbol_with_cstring(name);
        REQUIRE(syms[i]);
    }
    CHECK_EQ(OSSymbol_count(), base + N);
    for (int i = 0; i < N; i += 997) {
        snprintf(name, sizeof(name), "sym-%d", i);
        CHECK(OSSymbol_with_cstring(name) == syms[i]);
        OSObject_release(syms[i]);
    }
    for (int i = 0; i < N; i++)
        OSObject_release(syms[i]);
    CHECK_EQ(OSSymbol_count(), base);
    free(syms);
}

static void t_integers(void)
{
    OSNumber *n = OSNumber_with_value(300, 8);       /* masked to 8 bits */
    OSNumber *m1 = OSNumber_with_signed(-1, 32);
    OSNumber *big = OSNumber_with_value(UINT64_MAX, 64);
    OSNumber *m64 = OSNumber_with_signed(-1, 64);
    OSNumber *odd = OSNumber_with_value(5, 12);      /* rounds up to 16 */
    OSNumber *a = OSNumber_with_value(7, 64), *b = OSNumber_with_value(7, 16);

    REQUIRE(n && m1 && big && m64 && odd && a && b);
    CHECK_EQ(OSNumber_unsigned_64(n), 44);
    CHECK_EQ(OSNumber_get_bits(n), 8);
    CHECK(!OSNumber_is_real(n));
    CHECK(OSNumber_get_real_text(n) == NULL);
    CHECK_EQ(OSNumber_signed_64(m1), -1);
    CHECK_EQ(OSNumber_unsigned_32(m1), 0xffffffffu);
    CHECK_EQ(OSNumber_get_bits(m1), 32);
    CHECK(m1->is_signed);
    CHECK(OSNumber_unsigned_64(big) == UINT64_MAX);
    CHECK_EQ(OSNumber_signed_64(m64), -1);
    /* -1 and 2^64-1 have the same bits but are different numbers. */
    CHECK(!OSObject_is_equal_to(big, m64));
    CHECK(OSObject_is_equal_to(m1, m64));   /* -1 == -1 whatever the width */
    CHECK(OSObject_is_equal_to(a, b));      /* 7 == 7 */
    CHECK_EQ(OSNumber_get_bits(odd), 16);
    CHECK(OSNumber_with_value(1, 0) == NULL);
    CHECK(OSNumber_with_value(1, 65) == NULL);
    OSObject_release(n);
    OSObject_release(m1);
    OSObject_release(big);
    OSObject_release(m64);
    OSObject_release(odd);
    OSObject_release(a);
    OSObject_release(b);
}

/* The canonical text of a real written as `in`, or NULL if refused. */
static void check_real(int line, const char *in, const char *want)
{
    OSNumber *n = OSNumber_with_real_text(in);

    if (!want) {
        if (n)
            tap_fail(__FILE__, line, "real \"%s\" accepted as \"%s\"", in,
                     OSNumber_get_real_text(n));
    } else if (!n) {
        tap_fail(__FILE__, line, "real \"%s\" refused", in);
    } else if (strcmp(OSNumber_get_real_text(n), want) != 0) {
        tap_fail(__FILE__, line, "real \"%s\" -> \"%s\", want \"%s\"", in,
                 OSNumber_get_real_text(n), want);
    } else if (!OSNumber_is_real(n) || OSNumber_get_bits(n) != 64) {
        tap_fail(__FILE__, line, "real \"%s\" is not a 64-bit real", in);
    } else {
        /* Canonical text is a fixed point: it reads back as itself. */
        OSNumber *again = OSNumber_with_real_text(want);

        if (!again || strcmp(OSNumber_get_real_text(again), want) != 0)
            tap_fail(__FILE__, line, "canonical \"%s\" does not read back",
                     want);
        OSSafeReleaseNULL(again);
    }
    OSSafeReleaseNULL(n);
}

#define REAL(in, want) check_real(__LINE__, in, want)

static void t_reals_canonical(void)
{
    REAL("1.5", "1.5");
    REAL("1.50", "1.5");
    REAL("15e-1", "1.5");
    REAL("0.15E1", "1.5");
    REAL("+1.5", "1.5");
    REAL("-1.5", "-1.5");
    REAL("150", "150");
    REAL("1.5e2", "150");
    REAL("3.0", "3");
    REAL("0", "0");
    REAL("-0.0", "0");
    REAL("000.000", "0");
    REAL("0e99", "0");
    REAL(".5", "0.5");
    REAL("5.", "5");
    REAL("007.250", "7.25");
    REAL("0.001", "0.001");
    REAL("0.0000001", "0.0000001");
    REAL("0.00000001", "1e-8");
    REAL("1e20", "100000000000000000000");
    REAL("1e21", "1e+21");
    REAL("-2e10", "-20000000000");
    REAL("12.5e-30", "1.25e-29");
    REAL("6.02214076e23", "6.02214076e+23");
    REAL("4.9e-324", "4.9e-324");
    REAL("3.141592653589793238462643383279", "3.141592653589793238462643383279");
    /* 64 significant digits at most; canonical text may be longer than
     * what was written and must still read back. */
    REAL("6666666666666666666666666666666666666666666666666666666666666666"
         "0000000000000000000000000000000000000000000000000000000000000",
         "6.666666666666666666666666666666666666666666666666666666666666666"
         "e+124");
    REAL("-0.0000000000000000000000000000000000000000000000000000000000000"
         "1234567890123456789012345678901234567890123456789012345678901234",
         "-1.234567890123456789012345678901234567890123456789012345678901234"
         "e-62");
    REAL("12345678901234567890123456789012345678901234567890123456789012345",
         NULL);
    REAL("nan", "nan");
    REAL("NaN", "nan");
    REAL("-nan", "nan");
    REAL("inf", "inf");
    REAL("+Infinity", "inf");
    REAL("-inf", "-inf");
    REAL("-infinity", "-inf");
    /* Not decimal reals. */
    REAL("", NULL);
    REAL("-", NULL);
    REAL(".", NULL);
    REAL("1.2.3", NULL);
    REAL("1e", NULL);
    REAL("1e+", NULL);
    REAL("e5", NULL);
    REAL("0x10", NULL);
    REAL("1 ", NULL);
    REAL(" 1", NULL);
    REAL("infinit", NULL);
    REAL("1e99999999", NULL);
    CHECK(OSNumber_with_real_text(NULL) == NULL);
}

static void t_reals_equal_by_value(void)
{
    OSNumber *a = OSNumber_with_real_text("1.50");
    OSNumber *b = OSNumber_with_real_text("15e-1");
    OSNumber *c = OSNumber_with_real_text("1.5000001");
    OSNumber *i = OSNumber_with_value(1, 64);
    OSNumber *one = OSNumber_with_real_text("1.0");
    OSNumber *n1 = OSNumber_with_real_text("nan"), *n2 = OSNumber_with_real_text("NAN");

    REQUIRE(a && b && c && i && one && n1 && n2);
    CHECK(OSObject_is_equal_to(a, b));
    CHECK(!OSObject_is_equal_to(a, c));
    CHECK(!OSObject_is_equal_to(one, i));   /* a real is never an integer */
    CHECK(OSObject_is_equal_to(n1, n2));    /* nan equals nan (same text) */
    OSObject_release(a);
    OSObject_release(b);
    OSObject_release(c);
    OSObject_release(i);
    OSObject_release(one);
    OSObject_release(n1);
    OSObject_release(n2);
}

static void check_trunc(int line, const char *text, int64_t s, uint64_t u)
{
    OSNumber *n = OSNumber_with_real_text(text);

    if (!n) {
        tap_fail(__FILE__, line, "real \"%s\" refused", text);
        return;
    }
    if (OSNumber_signed_64(n) != s || OSNumber_unsigned_64(n) != u)
        tap_fail(__FILE__, line, "real \"%s\": signed %lld unsigned %llu", text,
                 (long long)OSNumber_signed_64(n),
                 (unsigned long long)OSNumber_unsigned_64(n));
    OSObject_release(n);
}

static void t_reals_as_integers(void)
{
    check_trunc(__LINE__, "1.9", 1, 1);
    check_trunc(__LINE__, "-1.9", -1, (uint64_t)-1);
    check_trunc(__LINE__, "0.5", 0, 0);
    check_trunc(__LINE__, "1e3", 1000, 1000);
    check_trunc(__LINE__, "123.456e2", 12345, 12345);
    check_trunc(__LINE__, "1e-9", 0, 0);
    check_trunc(__LINE__, "1e30", INT64_MAX, UINT64_MAX);
    check_trunc(__LINE__, "-1e30", INT64_MIN, (uint64_t)INT64_MIN);
    check_trunc(__LINE__, "nan", 0, 0);
    check_trunc(__LINE__, "inf", INT64_MAX, UINT64_MAX);
}

static void t_booleans_are_singletons(void)
{
    OSBoolean *t = OSBoolean_with_value(true);
    uint32_t rc = OSObject_get_retain_count(t);

    CHECK(t == kOSBooleanTrue);
    CHECK(OSBoolean_with_value(false) == kOSBooleanFalse);
    CHECK(OSBoolean_get_value(kOSBooleanTrue));
    CHECK(!OSBoolean_get_value(kOSBooleanFalse));
    CHECK_EQ(rc, OS_RETAIN_IMMORTAL);
    for (int i = 0; i < 10; i++)
        OSObject_release(t);    /* immortal: no effect */
    OSObject_retain(t);
    CHECK_EQ(OSObject_get_retain_count(t), OS_RETAIN_IMMORTAL);
    CHECK(OSDynamicCast(OSBoolean, kOSBooleanFalse) == kOSBooleanFalse);
    CHECK(!OSObject_is_equal_to(kOSBooleanTrue, kOSBooleanFalse));
    CHECK(OSMetaClass_get_class_with_name("OSBoolean") == OSTypeID(OSBoolean));
}

static void t_data(void)
{
    static const uint8_t bytes[] = { 0, 1, 2, 0xff };
    OSData *d = OSData_with_bytes(bytes, sizeof(bytes));
    OSData *e = OSData_with_bytes(NULL, 0), *e2 = OSData_with_bytes("", 0);
    OSData *d2 = OSData_with_bytes(bytes, 3);

    REQUIRE(d && e && e2 && d2);
    CHECK_EQ(OSData_get_length(d), 4);
    CHECK(OSData_get_bytes(d) != bytes);    /* a copy */
    CHECK(memcmp(OSData_get_bytes(d), bytes, 4) == 0);
    CHECK_EQ(OSData_get_length(e), 0);
    CHECK(OSData_get_bytes(e) != NULL);
    CHECK(OSObject_is_equal_to(e, e2));
    CHECK(!OSObject_is_equal_to(d, d2));
    CHECK(OSData_with_bytes(NULL, 1) == NULL);
    OSObject_release(d);
    OSObject_release(d2);
    OSObject_release(e);
    OSObject_release(e2);
}

static void t_dates(void)
{
    OSDate *d = OSDate_with_seconds(-978307200);      /* 1970-01-01 */
    OSDate *same = OSDate_with_seconds(-978307200), *other = OSDate_with_seconds(0);

    REQUIRE(d && same && other);
    CHECK_EQ(OSDate_get_seconds(d), -978307200);
    CHECK(OSObject_is_equal_to(d, same));
    CHECK(!OSObject_is_equal_to(d, other));
    OSObject_release(d);
    OSObject_release(same);
    OSObject_release(other);
}

static const struct tap_case cases[] = {
    TAP_CASE(t_string),
    TAP_CASE(t_symbols_interned_and_freed),
    TAP_CASE(t_many_symbols),
    TAP_CASE(t_integers),
    TAP_CASE(t_reals_canonical),
    TAP_CASE(t_reals_equal_by_value),
    TAP_CASE(t_reals_as_integers),
    TAP_CASE(t_booleans_are_singletons),
    TAP_CASE(t_data),
    TAP_CASE(t_dates),
};

int main(void)
{
    return lk_test_run(cases, TAP_COUNT(cases));
}
