/* OSNumber: integers of 8..64 bits kept as raw bits plus sign, and reals
 * kept as canonical decimal text (no floating point anywhere: the kernel
 * is built without an FPU). */
#include "lk_internal.h"

static void OSNumber_dtor(OSObject *obj)
{
    OSNumber *n = (OSNumber *)obj;

    if (n->real_text)
        lk_free(n->real_text, strlen(n->real_text) + 1);
    n->real_text = NULL;
}

OSDefineMetaClass(OSNumber, OSObject, NULL, OSNumber_dtor, NULL);

/* 8, 16, 32 or 64 for 1..64 bits (rounded up); 0 otherwise. */
static unsigned round_bits(unsigned bits)
{
    if (bits == 0 || bits > 64)
        return 0;
    return bits <= 8 ? 8 : bits <= 16 ? 16 : bits <= 32 ? 32 : 64;
}

static uint64_t mask_bits(uint64_t v, unsigned bits)
{
    return bits >= 64 ? v : v & ((UINT64_C(1) << bits) - 1);
}

static OSNumber *number_new(void)
{
    return (OSNumber *)OSMetaClass_alloc_instance(&OSNumber_metaClass);
}

OSNumber *OSNumber_with_value(uint64_t value, unsigned bits)
{
    OSNumber *n;

    bits = round_bits(bits);
    if (!bits || !(n = number_new()))
        return NULL;
    n->value = mask_bits(value, bits);
    n->bits = (uint8_t)bits;
    return n;
}

OSNumber *OSNumber_with_signed(int64_t value, unsigned bits)
{
    OSNumber *n = OSNumber_with_value((uint64_t)value, bits);

    if (n)
        n->is_signed = value < 0;
    return n;
}

/* The integer's value sign-extended from its width when written negative. */
static int64_t signed_value(const OSNumber *n)
{
    uint64_t v = n->value;

    if (n->is_signed && n->bits < 64 && (v >> (n->bits - 1)) & 1)
        v |= ~UINT64_C(0) << n->bits;
    return (int64_t)v;
}

int64_t OSNumber_signed_64(const OSNumber *n)
{
    if (!n)
        return 0;
    if (n->is_real) {
        /* value holds the magnitude of the truncated real. */
        if (n->is_signed)
            return n->value > (uint64_t)INT64_MAX ? INT64_MIN
                                                  : -(int64_t)n->value;
        return n->value > (uint64_t)INT64_MAX ? INT64_MAX : (int64_t)n->value;
    }
    return signed_value(n);
}

uint64_t OSNumber_unsigned_64(const OSNumber *n)
{
    if (!n)
        return 0;
    if (n->is_real && n->is_signed)
        return (uint64_t)OSNumber_signed_64(n);
    if (!n->is_real && n->is_signed)
        return (uint64_t)signed_value(n);
    return n->value;
}

uint32_t OSNumber_unsigned_32(const OSNumber *n)
{
    return (uint32_t)OSNumber_unsigned_64(n);
}

unsigned OSNumber_get_bits(const OSNumber *n)
{
    return n ? n->bits : 0;
}

bool OSNumber_is_real(const OSNumber *n)
{
    return n && n->is_real;
}

const char *OSNumber_get_real_text(const OSNumber *n)
{
    return n && n->is_real ? n->real_text : NULL;
}

bool lk_number_equal(const OSNumber *a, const OSNumber *b)
{
    if (a->is_real != b->is_real)
        return false;
    if (a->is_real)
        return strcmp(a->real_text, b->real_text) == 0;
    if (a->is_signed != b->is_signed)
        return false;
    return a->is_signed ? signed_value(a) == signed_value(b)
                        : a->value == b->value;
}

/* --- Reals ------------------------------------------------------------ */

static char lower(char c)
{
    return c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
}

static bool word_is(const char *s, size_t len, const char *w)
{
    size_t i;

    for (i = 0; i < len && w[i]; i++)
        if (lower(s[i]) != w[i])
            return false;
    return i == len && !w[i];
}

/* A bounded appender for the canonical text. */
struct out {
    char *p;
    size_t len, cap;
};

static void put(struct out *o, char c)
{
    if (o->len + 1 < o->cap)
        o->p[o->len] = c;
    o->len++;
}

static void put_int(struct out *o, long v)
{
    char tmp[24];
    int n = 0;

    if (v < 0) {
        put(o, '-');
        v = -v;
    } else {
        put(o, '+');
    }
    do {
        tmp[n++] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    while (n)
        put(o, tmp[--n]);
}

/* Canonical text: sign only when negative; significant digits without
 * leading or trailing zeros; plain notation when the decimal exponent x (of
 * d.ddd x 10^x) is in [-7, 21), otherwise d.ddde+x.  Equal decimal values
 * give identical text, so equality is a string compare.  "nan", "inf",
 * "-inf" for the specials; zero is "0". */
bool lk_real_canonical(const char *s, size_t len, char *out, size_t cap)
{
    struct out o = { out, 0, cap };
    const char *digits = NULL;  /* first significant digit */
    size_t i = 0, ndig = 0, sig_start = 0, last_nonzero = 0;
    long exp10 = 0, x;
    bool neg = false, any = false, point = false;
    long frac_zeros = 0;    /* zeros after the point before the first digit */
    long int_digits = 0;    /* integer digits from the first significant */

    if (!s || !out || cap == 0 || len == 0 || len > LK_REAL_MAX_TEXT)
        return false;
    if (s[0] == '-' || s[0] == '+') {
        neg = s[0] == '-';
        i = 1;
    }
    if (word_is(s + i, len - i, "nan")) {
        o.len = 0;
        for (const char *w = "nan"; *w; w++)
            put(&o, *w);
    } else if (word_is(s + i, len - i, "inf") ||
               word_is(s + i, len - i, "infinity")) {
        if (neg)
            put(&o, '-');
        for (const char *w = "inf"; *w; w++)
            put(&o, *w);
    } else {
        /* Mantissa: digits with at most one point. */
        for (; i < len; i++) {
            char c = s[i];

            if (c == '.' && !point) {
                point = true;
                continue;
            }
            if (c < '0' || c > '9')
                break;
            any = true;
            if (!digits) {
                if (c == '0') {
                    if (point)
                        frac_zeros++;
                    continue;
                }
                digits = s + i;
                sig_start = i;
            }
            if (c != '0')
                last_nonzero = i;
            if (!point)
                int_digits++;
        }
        if (!any)
            return false;
        if (i < len) {
            bool eneg = false, edig = false;

            if (s[i] != 'e' && s[i] != 'E')
                return false;
            i++;
            if (i < len && (s[i] == '-' || s[i] == '+'))
                eneg = s[i++] == '-';
            for (; i < len && s[i] >= '0' && s[i] <= '9'; i++) {
                edig = true;
                if (exp10 < 100000000)
                    exp10 = exp10 * 10 + (s[i] - '0');
            }
            if (!edig || i < len || exp10 > 10000000)
                return false;
            if (eneg)
                exp10 = -exp10;
        }
        if (!digits) {
            put(&o, '0');
        } else {
            /* Significant digits sig_start..last_nonzero (skipping the
             * point); x = exponent of the first one. */
            char sig[LK_REAL_MAX_TEXT];

            for (size_t k = sig_start; k <= last_nonzero; k++)
                if (s[k] != '.')
                    sig[ndig++] = s[k];
            if (ndig > LK_REAL_MAX_DIGITS)
                return false;
            x = (int_digits > 0 ? int_digits - 1 : -frac_zeros - 1) + exp10;
            if (neg)
                put(&o, '-');
            if (x >= -7 && x < 21) {
                if (x < 0) {
                    put(&o, '0');
                    put(&o, '.');
                    for (long z = -1; z > x; z--)
                        put(&o, '0');
                    for (size_t k = 0; k < ndig; k++)
                        put(&o, sig[k]);
                } else {
                    for (size_t k = 0; k < ndig || (long)k <= x; k++) {
                        if ((long)k == x + 1)
                            put(&o, '.');
                        put(&o, k < ndig ? sig[k] : '0');
                    }
                }
            } else {
                put(&o, sig[0]);
                if (ndig > 1)
                    put(&o, '.');
                for (size_t k = 1; k < ndig; k++)
                    put(&o, sig[k]);
                put(&o, 'e');
                put_int(&o, x);
            }
        }
    }
    if (o.len + 1 > cap)
        return false;
    out[o.len] = '\0';
    return true;
}

/* Magnitude of the real's integer part, saturated (0 for nan). */
static uint64_t real_trunc(const char *t)
{
    uint64_t v = 0;
    const char *e;
    long x = 0, lead;
    bool eneg = false;

    if (*t == '-')
        t++;
    if (*t == 'n')
        return 0;
    if (*t == 'i')
        return UINT64_MAX;
    e = strchr(t, 'e');
    if (e) {
        eneg = e[1] == '-';
        for (const char *p = e + 2; *p; p++)
            x = x * 10 + (*p - '0');
        if (eneg)
            return 0;   /* |value| < 1e-7 */
        /* d.ddd e+x: x+1 integer digits. */
        lead = x + 1;
        for (const char *p = t; lead > 0; p++) {
            if (*p == '.')
                continue;
            if (v > UINT64_MAX / 10)
                return UINT64_MAX;
            v *= 10;
            if (p < e && *p >= '0' && *p <= '9') {
                if (v > UINT64_MAX - (uint64_t)(*p - '0'))
                    return UINT64_MAX;
                v += (uint64_t)(*p - '0');
            } else {
                p--;    /* past the digits: zeros */
            }
            lead--;
        }
        return v;
    }
    for (; *t >= '0' && *t <= '9'; t++) {
        if (v > UINT64_MAX / 10 || v * 10 > UINT64_MAX - (uint64_t)(*t - '0'))
            return UINT64_MAX;
        v = v * 10 + (uint64_t)(*t - '0');
    }
    return v;
}

OSNumber *lk_number_with_real_bytes(const char *s, size_t len)
{
    char canon[LK_REAL_CANON_CAP];
    OSNumber *n;

    if (!lk_real_canonical(s, len, canon, sizeof(canon)))
        return NULL;
    n = number_new();
    if (!n)
        return NULL;
    n->real_text = lk_strndup(canon, strlen(canon));
    if (!n->real_text) {
        OSObject_release(n);
        return NULL;
    }
    n->is_real = true;
    n->bits = 64;
    n->is_signed = canon[0] == '-';
    n->value = real_trunc(canon);
    return n;
}

OSNumber *OSNumber_with_real_text(const char *text)
{
    return text ? lk_number_with_real_bytes(text, strlen(text)) : NULL;
}
