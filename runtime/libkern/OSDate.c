/* OSDate: whole seconds since 2001-01-01T00:00:00Z, converted to and from
 * ISO 8601 with integer arithmetic only (proleptic Gregorian calendar). */
#include "lk_internal.h"

OSDefineMetaClass(OSDate, OSObject, NULL, NULL, NULL);

/* Days from 1970-01-01 to 2001-01-01. */
#define DAYS_1970_TO_2001 11323
#define SECONDS_PER_DAY 86400

OSDate *OSDate_with_seconds(int64_t seconds_since_2001)
{
    OSDate *d = (OSDate *)OSMetaClass_alloc_instance(&OSDate_metaClass);

    if (d)
        d->seconds = seconds_since_2001;
    return d;
}

int64_t OSDate_get_seconds(const OSDate *d)
{
    return d ? d->seconds : 0;
}

/* Days since 1970-01-01 of y-m-d (H. Hinnant's days_from_civil). */
static int64_t days_from_civil(int64_t y, unsigned m, unsigned d)
{
    int64_t era, yoe, doy, doe;

    y -= m <= 2;
    era = (y >= 0 ? y : y - 399) / 400;
    yoe = y - era * 400;
    doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
    doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

/* The inverse: y-m-d of a day count since 1970-01-01. */
static void civil_from_days(int64_t z, int64_t *y, unsigned *m, unsigned *d)
{
    int64_t era, doe, yoe, doy, mp;

    z += 719468;
    era = (z >= 0 ? z : z - 146096) / 146097;
    doe = z - era * 146097;
    yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    mp = (5 * doy + 2) / 153;
    *d = (unsigned)(doy - (153 * mp + 2) / 5 + 1);
    *m = (unsigned)(mp < 10 ? mp + 3 : mp - 9);
    *y = yoe + era * 400 + (*m <= 2);
}

static bool is_leap(unsigned y)
{
    return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static unsigned days_in_month(unsigned y, unsigned m)
{
    static const uint8_t days[12] = { 31, 28, 31, 30, 31, 30,
                                      31, 31, 30, 31, 30, 31 };

    return m == 2 && is_leap(y) ? 29 : days[m - 1];
}

/* n digits at s[*pos]; false (with *bad) if one is not a digit. */
static bool digits(const char *s, size_t *pos, unsigned n, unsigned *v,
                   size_t *bad)
{
    *v = 0;
    for (unsigned i = 0; i < n; i++, (*pos)++) {
        if (s[*pos] < '0' || s[*pos] > '9') {
            *bad = *pos;
            return false;
        }
        *v = *v * 10 + (unsigned)(s[*pos] - '0');
    }
    return true;
}

static bool sep(const char *s, size_t *pos, char c, size_t *bad)
{
    if (s[*pos] != c) {
        *bad = *pos;
        return false;
    }
    (*pos)++;
    return true;
}

bool lk_date_parse(const char *s, size_t len, int64_t *seconds, size_t *bad)
{
    unsigned y, mo, d, h, mi, sec;
    size_t pos = 0, field;

    *bad = 0;
    if (len < LK_DATE_LEN) {
        /* Report the first byte that is wrong, or the end. */
        char pad[LK_DATE_LEN];

        memset(pad, 0, sizeof(pad));
        if (len)
            memcpy(pad, s, len);
        s = pad;
        if (!digits(s, &pos, 4, &y, bad) || !sep(s, &pos, '-', bad) ||
            !digits(s, &pos, 2, &mo, bad) || !sep(s, &pos, '-', bad) ||
            !digits(s, &pos, 2, &d, bad) || !sep(s, &pos, 'T', bad) ||
            !digits(s, &pos, 2, &h, bad) || !sep(s, &pos, ':', bad) ||
            !digits(s, &pos, 2, &mi, bad) || !sep(s, &pos, ':', bad) ||
            !digits(s, &pos, 2, &sec, bad) || !sep(s, &pos, 'Z', bad))
            return false;
        *bad = len;
        return false;
    }
    if (!digits(s, &pos, 4, &y, bad) || !sep(s, &pos, '-', bad))
        return false;
    field = pos;
    if (!digits(s, &pos, 2, &mo, bad))
        return false;
    if (mo < 1 || mo > 12) {
        *bad = field;
        return false;
    }
    if (!sep(s, &pos, '-', bad))
        return false;
    field = pos;
    if (!digits(s, &pos, 2, &d, bad))
        return false;
    if (d < 1 || d > days_in_month(y, mo)) {
        *bad = field;
        return false;
    }
    if (!sep(s, &pos, 'T', bad))
        return false;
    field = pos;
    if (!digits(s, &pos, 2, &h, bad))
        return false;
    if (h > 23) {
        *bad = field;
        return false;
    }
    if (!sep(s, &pos, ':', bad))
        return false;
    field = pos;
    if (!digits(s, &pos, 2, &mi, bad))
        return false;
    if (mi > 59) {
        *bad = field;
        return false;
    }
    if (!sep(s, &pos, ':', bad))
        return false;
    field = pos;
    if (!digits(s, &pos, 2, &sec, bad))
        return false;
    if (sec > 59) {
        *bad = field;
        return false;
    }
    if (!sep(s, &pos, 'Z', bad))
        return false;
    if (pos != len) {
        *bad = pos;
        return false;
    }
    *seconds = (days_from_civil(y, mo, d) - DAYS_1970_TO_2001) *
                   SECONDS_PER_DAY + h * 3600 + mi * 60 + sec;
    return true;
}

bool lk_date_format(int64_t seconds, char out[LK_DATE_LEN + 1])
{
    int64_t days, rem, y;
    unsigned m, d;

    /* Beyond this the day count alone is past year 9999 either way. */
    if (seconds > INT64_C(400000000000) || seconds < -INT64_C(400000000000))
        return false;
    days = seconds / SECONDS_PER_DAY;
    rem = seconds % SECONDS_PER_DAY;
    if (rem < 0) {
        rem += SECONDS_PER_DAY;
        days--;
    }
    civil_from_days(days + DAYS_1970_TO_2001, &y, &m, &d);
    if (y < 0 || y > 9999)
        return false;
    snprintf(out, LK_DATE_LEN + 1, "%04u-%02u-%02uT%02u:%02u:%02uZ",
             (unsigned)y, m, d, (unsigned)(rem / 3600),
             (unsigned)(rem / 60 % 60), (unsigned)(rem % 60));
    return true;
}
