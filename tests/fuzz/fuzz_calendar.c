/*
 * fuzz_calendar.c - the calendar's parsers and the lunar round trip.
 *
 * The first byte chooses what the rest is (its value modulo 4, so the seeds
 * can start with an ASCII digit):
 *   0  a date "YYYY-MM-DD": eg_date_parse accepts exactly ten bytes of that
 *      shape naming a real date of years 0001-9999, and formats back to the
 *      same bytes; between 1900 and 2100 the date goes to the lunar calendar
 *      and back to itself, with day 1..30 and month 1..12;
 *   1  a local time "YYYY-MM-DDTHH:MM": accepted ones format back to the same
 *      bytes and land on that local date and minute;
 *   2  a working week "DAYS|HOURS": an accepted week passes its own check and
 *      formats to text that parses to the same week;
 *   3  binary: a lunar date (any day, month, year, leap) that converts to a
 *      solar day converts back to itself; an instant and a number of working
 *      days give, in a 2026 calendar, a deadline after the instant on a
 *      working day by which exactly that many working days are used.
 * Failures are EG_EINVAL, never anything else.
 */
#include "fuzz.h"

#include "calendar/calendar.h"

static bool
digits_at(const char *s, const int *pos, int n)
{
    for (int i = 0; i < n; i++)
        if (s[pos[i]] < '0' || s[pos[i]] > '9')
            return false;
    return true;
}

static void
check_date(const char *s, size_t n)
{
    struct eg_date d;
    enum eg_err rc = eg_date_parse(s, &d);
    FUZZ_CHECK(rc == EG_OK || rc == EG_EINVAL);
    static const int pos[] = {0, 1, 2, 3, 5, 6, 8, 9};
    bool shape = n == 10 && s[4] == '-' && s[7] == '-' && digits_at(s, pos, 8);
    if (rc != EG_OK) {
        if (shape) {
            /* Refused although shaped like a date: it must not be a real one. */
            struct eg_date m = {(s[0] - '0') * 1000 + (s[1] - '0') * 100 + (s[2] - '0') * 10 +
                                    (s[3] - '0'),
                                (s[5] - '0') * 10 + (s[6] - '0'), (s[8] - '0') * 10 + (s[9] - '0')};
            FUZZ_CHECK(!eg_date_valid(m));
        }
        return;
    }
    FUZZ_CHECK(shape && eg_date_valid(d));
    char out[EG_DATE_STR];
    eg_date_format(d, out);
    FUZZ_CHECK(memcmp(out, s, 10) == 0 && out[10] == '\0');
    FUZZ_CHECK(eg_date_cmp(eg_date_from_days(eg_date_days(d)), d) == 0);
    int wd = eg_date_weekday(d);
    FUZZ_CHECK(wd >= 1 && wd <= 7);
    struct eg_lunar_date l;
    rc = eg_lunar_from_solar(d, &l);
    bool in_span = d.year >= EG_LUNAR_FIRST_YEAR && d.year <= EG_LUNAR_LAST_YEAR;
    FUZZ_CHECK(in_span ? rc == EG_OK : rc == EG_EINVAL);
    if (rc != EG_OK)
        return;
    FUZZ_CHECK(l.day >= 1 && l.day <= 30 && l.month >= 1 && l.month <= 12);
    FUZZ_CHECK(l.year == d.year || l.year == d.year - 1);
    struct eg_date back;
    FUZZ_CHECK(eg_lunar_to_solar(&l, &back) == EG_OK);
    FUZZ_CHECK(eg_date_cmp(back, d) == 0);
}

static void
check_datetime(const char *s, size_t n)
{
    int64_t ms = 0;
    enum eg_err rc = eg_datetime_parse(s, &ms);
    FUZZ_CHECK(rc == EG_OK || rc == EG_EINVAL);
    if (rc != EG_OK)
        return;
    FUZZ_CHECK(n == 16);
    char out[EG_DATETIME_STR];
    eg_datetime_format(ms, out);
    FUZZ_CHECK(memcmp(out, s, 16) == 0 && out[16] == '\0');
    int minute = -1;
    struct eg_date d = eg_date_of_ms(ms, &minute);
    struct eg_date want;
    char day[EG_DATE_STR];
    memcpy(day, s, 10);
    day[10] = '\0';
    FUZZ_CHECK(eg_date_parse(day, &want) == EG_OK && eg_date_cmp(d, want) == 0);
    FUZZ_CHECK(minute ==
               ((s[11] - '0') * 10 + (s[12] - '0')) * 60 + (s[14] - '0') * 10 + (s[15] - '0'));
    FUZZ_CHECK(eg_date_to_ms(d, minute) == ms);
}

static void
check_week(char *s)
{
    char *bar = strchr(s, '|');
    const char *hours = bar ? bar + 1 : NULL;
    if (bar)
        *bar = '\0';
    struct eg_calendar_week w;
    struct eg_buf msg = EG_BUF_INIT(512);
    enum eg_err rc = eg_calendar_week_parse(s, hours, &w, &msg);
    FUZZ_CHECK(rc == EG_OK || rc == EG_EINVAL);
    if (rc != EG_OK) {
        FUZZ_CHECK(msg.len > 0 && eg_utf8_valid(msg.p, msg.len));
        eg_buf_release(&msg);
        return;
    }
    FUZZ_CHECK(eg_calendar_week_check(&w, NULL) == EG_OK);
    struct eg_buf days = EG_BUF_INIT(16), hrs = EG_BUF_INIT(128);
    FUZZ_CHECK(eg_calendar_week_format(&w, &days, &hrs) == EG_OK);
    struct eg_calendar_week again;
    FUZZ_CHECK(eg_calendar_week_parse(eg_buf_str(&days), eg_buf_str(&hrs), &again, NULL) == EG_OK);
    FUZZ_CHECK(memcmp(&w, &again, sizeof(w)) == 0);
    eg_buf_release(&days);
    eg_buf_release(&hrs);
    eg_buf_release(&msg);
}

static uint32_t
take(const uint8_t **p, size_t *n, int bytes)
{
    uint32_t v = 0;
    for (int i = 0; i < bytes; i++) {
        v = v << 8 | (*n ? **p : 0);
        if (*n) {
            (*p)++;
            (*n)--;
        }
    }
    return v;
}

static void
check_binary(const uint8_t *p, size_t n)
{
    /* A lunar date from the bytes. */
    struct eg_lunar_date l = {(int)(take(&p, &n, 1) % 32), (int)(take(&p, &n, 1) % 14),
                              1890 + (int)(take(&p, &n, 1) % 220), (take(&p, &n, 1) & 1) != 0};
    struct eg_date d;
    enum eg_err rc = eg_lunar_to_solar(&l, &d);
    FUZZ_CHECK(rc == EG_OK || rc == EG_EINVAL);
    if (rc == EG_OK) {
        struct eg_lunar_date back;
        FUZZ_CHECK(eg_lunar_from_solar(d, &back) == EG_OK);
        FUZZ_CHECK(back.day == l.day && back.month == l.month && back.year == l.year &&
                   back.leap == l.leap);
    }
    /* A deadline in 2026. */
    struct eg_calendar_week w;
    eg_calendar_week_default(&w);
    struct eg_calendar *cal = NULL;
    FUZZ_CHECK(eg_calendar_build(&w, NULL, 0, 2026, 2026, &cal, NULL) == EG_OK);
    int64_t from = eg_date_to_ms((struct eg_date){2026, 1, 1}, 0) +
                   (int64_t)(take(&p, &n, 4) % (330u * 1440u)) * 60000;
    int days = (int)(take(&p, &n, 1) % 40);
    struct eg_calendar_due due;
    rc = eg_calendar_due(cal, from, days, NULL, 0, &due);
    FUZZ_CHECK(rc == EG_OK || rc == EG_EINVAL);
    if (rc == EG_OK) {
        bool working = false;
        int used = -1;
        FUZZ_CHECK(due.at > from);
        FUZZ_CHECK(eg_calendar_is_working_day(cal, due.date, &working) == EG_OK && working);
        FUZZ_CHECK(eg_calendar_elapsed(cal, from, NULL, 0, due.at, &used) == EG_OK);
        FUZZ_CHECK(used == days);
    }
    eg_calendar_free(cal);
    /* Any instant has a local date and a minute of the day. */
    int64_t any = (int64_t)((uint64_t)take(&p, &n, 4) << 32 | take(&p, &n, 4));
    int minute = -1;
    (void)eg_date_of_ms(any, &minute);
    FUZZ_CHECK(minute >= 0 && minute < 1440);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0)
        return 0;
    int mode = data[0] % 4;
    char *s = fuzz_cstr(data + 1, size - 1);
    size_t n = strlen(s);
    if (mode == 0)
        check_date(s, n);
    else if (mode == 1)
        check_datetime(s, n);
    else if (mode == 2)
        check_week(s);
    else
        check_binary(data + 1, size - 1);
    free(s);
    return 0;
}
