/* ioreg's value syntax (ioreg_internal.h): how a property's value reads
 * in ioreg's text output. */
#include <stdarg.h>
#include <stdint.h>
#include <string.h>
#if __STDC_HOSTED__
#include <stdio.h>
#else
#include <format.h>
#endif

#include "ioreg_internal.h"

static void app(OSSerialize *s, const char *text, size_t len)
{
    OSSerialize_append(s, text, len);
}

static void apps(OSSerialize *s, const char *text)
{
    OSSerialize_append(s, text, strlen(text));
}

static __attribute__((format(printf, 2, 3)))
void appf(OSSerialize *s, const char *fmt, ...)
{
    char buf[64];
    va_list ap;

    va_start(ap, fmt);
    int n = vsnprintf(buf, sizeof(buf), fmt, ap);
    va_end(ap);
    if (n > 0)
        app(s, buf, (size_t)n < sizeof(buf) ? (size_t)n : sizeof(buf) - 1);
}

void ioreg_append_string(OSSerialize *s, const char *str)
{
    app(s, "\"", 1);
    apps(s, str);
    app(s, "\"", 1);
}

static void show_number(OSSerialize *s, const OSNumber *n, bool hex)
{
    unsigned bits = OSNumber_get_bits(n);
    uint64_t u = OSNumber_unsigned_64(n);

    if (OSNumber_is_real(n))
        apps(s, OSNumber_get_real_text(n));
    else if (hex)
        appf(s, "0x%llx", (unsigned long long)(bits < 64 ? u & ((1ull << bits) - 1) : u));
    else if (n->is_signed && OSNumber_signed_64(n) < 0)
        appf(s, "%lld", (long long)OSNumber_signed_64(n));
    else
        appf(s, "%llu", (unsigned long long)u);
}

/* Data as ioreg shows it: <"text"> (or <"a","b"> for NUL-separated
 * strings) when it is mostly printable text, else <hex>. */
static void show_data(OSSerialize *s, const OSData *d, bool hex)
{
    const uint8_t *b = OSData_get_bytes(d);
    size_t len = OSData_get_length(d), i = 0;
    unsigned printable = 0, high = 0;

    /* Runs of printable bytes, each ended by one NUL (the last need not
     * be); i reaches len only if the whole of the data is such runs. */
    while (i < len && b[i] != 0) {
        for (; i < len; i++) {
            if (b[i] >= 0x20 && b[i] < 0x7f)
                printable++;
            else if (b[i] >= 0x80 && b[i] < 0xff)
                high++;
            else
                break;
        }
        if (i < len && b[i] == 0)
            i++;
        else
            break;
    }
    bool text = i >= len && printable && len > 1 && !hex &&
                (printable >> 2) >= high;
    app(s, "<", 1);
    if (text) {
        bool quoted = false;
        for (i = 0; i < len; i++) {
            if (b[i]) {
                if (!quoted)
                    app(s, i ? ",\"" : "\"", i ? 2 : 1);
                quoted = true;
                app(s, (const char *)&b[i], 1);
            } else if (quoted) {
                app(s, "\"", 1);
                quoted = false;
            }
        }
        if (quoted)
            app(s, "\"", 1);
    } else {
        static const char hex[] = "0123456789abcdef";
        for (i = 0; i < len; i++) {
            char pair[2] = { hex[b[i] >> 4], hex[b[i] & 15] };
            app(s, pair, 2);
        }
    }
    app(s, ">", 1);
}

/* Days since 1970-01-01 to a civil date (proleptic Gregorian). */
static void civil_from_days(int64_t z, int64_t *y, unsigned *m, unsigned *d)
{
    z += 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    unsigned doe = (unsigned)(z - era * 146097);
    unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    unsigned mp = (5 * doy + 2) / 153;

    *d = doy - (153 * mp + 2) / 5 + 1;
    *m = mp < 10 ? mp + 3 : mp - 9;
    *y = (int64_t)yoe + era * 400 + (*m <= 2);
}

static void show_date(OSSerialize *s, const OSDate *date)
{
    /* 2001-01-01 is day 11323 after 1970-01-01. */
    int64_t secs = OSDate_get_seconds(date);
    int64_t days = (secs >= 0 ? secs : secs - 86399) / 86400;
    int64_t rem = secs - days * 86400;
    int64_t y;
    unsigned m, d;

    civil_from_days(days + 11323, &y, &m, &d);
    appf(s, "%04lld-%02u-%02uT%02u:%02u:%02uZ", (long long)y, m, d,
         (unsigned)(rem / 3600), (unsigned)(rem / 60 % 60), (unsigned)(rem % 60));
}

/* ioreg's value syntax: "string", 123, Yes/No, <data>, (a,b), {"k"=v},
 * [set members]. */
void ioreg_append_value(OSSerialize *s, const OSObject *v, bool hex)
{
    const OSArray *a;
    const OSDictionary *d;
    const OSSet *set;

    if (OSDynamicCast(OSString, v)) {
        ioreg_append_string(s, OSString_get_cstring((const OSString *)v));
    } else if (OSDynamicCast(OSNumber, v)) {
        show_number(s, (const OSNumber *)v, hex);
    } else if (OSDynamicCast(OSBoolean, v)) {
        apps(s, OSBoolean_get_value((const OSBoolean *)v) ? "Yes" : "No");
    } else if (OSDynamicCast(OSData, v)) {
        show_data(s, (const OSData *)v, hex);
    } else if (OSDynamicCast(OSDate, v)) {
        show_date(s, (const OSDate *)v);
    } else if ((a = OSDynamicCast(OSArray, v))) {
        app(s, "(", 1);
        for (unsigned i = 0; i < OSArray_get_count(a); i++) {
            if (i)
                app(s, ",", 1);
            ioreg_append_value(s, OSArray_get_object(a, i), hex);
        }
        app(s, ")", 1);
    } else if ((d = OSDynamicCast(OSDictionary, v))) {
        app(s, "{", 1);
        for (unsigned i = 0; i < OSDictionary_get_count(d); i++) {
            if (i)
                app(s, ",", 1);
            ioreg_append_string(s, OSSymbol_get_cstring(OSDictionary_get_key_at(d, i)));
            app(s, "=", 1);
            ioreg_append_value(s, OSDictionary_get_value_at(d, i), hex);
        }
        app(s, "}", 1);
    } else if ((set = OSDynamicCast(OSSet, v))) {
        app(s, "[", 1);
        for (unsigned i = 0; i < OSSet_get_count(set); i++) {
            if (i)
                app(s, ",", 1);
            ioreg_append_value(s, OSSet_get_object_at(set, i), hex);
        }
        app(s, "]", 1);
    } else {
        apps(s, "<unknown object>");
    }
}
