/*
 * date.c - plain local dates and local times in Asia/Ho_Chi_Minh (UTC+7, no
 * daylight saving since 1975): day numbers, weekdays, strict parsing.
 */
#include "calendar_int.h"

#include <stdio.h>
#include <string.h>

#define MS_PER_DAY INT64_C(86400000)
#define MS_PER_MINUTE INT64_C(60000)
#define UTC_OFFSET_MINUTES 420 /* +07:00 */

static bool
leap_year(int y)
{
    return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static int
month_days(int y, int m)
{
    static const int days[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    return m == 2 && leap_year(y) ? 29 : days[m - 1];
}

bool
eg_date_valid(struct eg_date d)
{
    return d.year >= 1 && d.year <= 9999 && d.month >= 1 && d.month <= 12 && d.day >= 1 &&
           d.day <= month_days(d.year, d.month);
}

/*
 * Counting in years that begin on March 1 puts the leap day at the end of a
 * year, so the days before each month follow one formula, (153 m + 2) / 5 for
 * m = 0 (March) .. 11 (February); 400 Gregorian years are exactly 146097 days.
 * Day 0 of this count is 0000-03-01, 719468 days before 1970-01-01.
 */
int64_t
eg_date_days(struct eg_date d)
{
    int64_t y = d.month <= 2 ? d.year - 1 : d.year;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t year_of_era = y - era * 400;
    int64_t m = d.month > 2 ? d.month - 3 : d.month + 9;
    int64_t day_of_year = (153 * m + 2) / 5 + d.day - 1;
    int64_t day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    return era * 146097 + day_of_era - 719468;
}

struct eg_date
eg_date_from_days(int64_t days)
{
    int64_t z = days + 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    int64_t day_of_era = z - era * 146097;
    int64_t year_of_era =
        (day_of_era - day_of_era / 1460 + day_of_era / 36524 - day_of_era / 146096) / 365;
    int64_t day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    int64_t m = (5 * day_of_year + 2) / 153;
    struct eg_date d;
    d.day = (int)(day_of_year - (153 * m + 2) / 5 + 1);
    d.month = (int)(m < 10 ? m + 3 : m - 9);
    d.year = (int)(year_of_era + era * 400 + (d.month <= 2 ? 1 : 0));
    return d;
}

struct eg_date
eg_date_add(struct eg_date d, int64_t n)
{
    return eg_date_from_days(eg_date_days(d) + n);
}

int
eg_date_cmp(struct eg_date a, struct eg_date b)
{
    if (a.year != b.year)
        return a.year < b.year ? -1 : 1;
    if (a.month != b.month)
        return a.month < b.month ? -1 : 1;
    if (a.day != b.day)
        return a.day < b.day ? -1 : 1;
    return 0;
}

int
eg_date_weekday(struct eg_date d)
{
    /* 1970-01-01 was a Thursday (4). */
    int64_t r = (eg_date_days(d) + 3) % 7;
    return (int)(r < 0 ? r + 7 : r) + 1;
}

/* n decimal digits at s; -1 if any is not a digit. */
static int
digits(const char *s, int n)
{
    int v = 0;
    for (int i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return -1;
        v = v * 10 + (s[i] - '0');
    }
    return v;
}

/* "YYYY-MM-DD" at s (10 bytes available). */
static bool
parse_date10(const char *s, struct eg_date *out)
{
    if (s[4] != '-' || s[7] != '-')
        return false;
    struct eg_date d = {digits(s, 4), digits(s + 5, 2), digits(s + 8, 2)};
    if (!eg_date_valid(d))
        return false;
    *out = d;
    return true;
}

enum eg_err
eg_date_parse(const char *s, struct eg_date *out)
{
    if (!s || strlen(s) != 10 || !parse_date10(s, out))
        return EG_EINVAL;
    return EG_OK;
}

/* v as exactly n decimal digits (v >= 0 and fits: the callers check). */
static void
put_digits(char *p, int v, int n)
{
    for (int i = n - 1; i >= 0; i--) {
        p[i] = (char)('0' + v % 10);
        v /= 10;
    }
}

void
eg_date_format(struct eg_date d, char out[EG_DATE_STR])
{
    if (!eg_date_valid(d)) {
        memcpy(out, "0000-00-00", EG_DATE_STR);
        return;
    }
    put_digits(out, d.year, 4);
    out[4] = '-';
    put_digits(out + 5, d.month, 2);
    out[7] = '-';
    put_digits(out + 8, d.day, 2);
    out[10] = '\0';
}

struct eg_date
eg_date_of_ms(int64_t utc_ms, int *minute)
{
    /* Split before adding the offset, so no instant can overflow. */
    int64_t days = utc_ms / MS_PER_DAY;
    int64_t rest = utc_ms % MS_PER_DAY;
    if (rest < 0) {
        rest += MS_PER_DAY;
        days--;
    }
    rest += UTC_OFFSET_MINUTES * MS_PER_MINUTE;
    if (rest >= MS_PER_DAY) {
        rest -= MS_PER_DAY;
        days++;
    }
    if (minute)
        *minute = (int)(rest / MS_PER_MINUTE);
    return eg_date_from_days(days);
}

int64_t
eg_date_to_ms(struct eg_date d, int minute)
{
    return (eg_date_days(d) * 1440 + minute - UTC_OFFSET_MINUTES) * MS_PER_MINUTE;
}

enum eg_err
eg_datetime_parse(const char *s, int64_t *utc_ms)
{
    struct eg_date d;
    if (!s || strlen(s) != 16 || !parse_date10(s, &d) || s[10] != 'T' || s[13] != ':')
        return EG_EINVAL;
    int h = digits(s + 11, 2), m = digits(s + 14, 2);
    if (h < 0 || h > 23 || m < 0 || m > 59)
        return EG_EINVAL;
    *utc_ms = eg_date_to_ms(d, h * 60 + m);
    return EG_OK;
}

void
eg_datetime_format(int64_t utc_ms, char out[EG_DATETIME_STR])
{
    int minute;
    struct eg_date d = eg_date_of_ms(utc_ms, &minute);
    eg_date_format(d, out);
    out[10] = 'T';
    put_digits(out + 11, minute / 60, 2);
    out[13] = ':';
    put_digits(out + 14, minute % 60, 2);
    out[16] = '\0';
}
