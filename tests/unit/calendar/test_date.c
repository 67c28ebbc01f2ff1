/*
 * test_date.c - plain dates and local times (Asia/Ho_Chi_Minh, UTC+7): day
 * numbers against the C library, weekdays, strict parsing and formatting, and
 * the working week as text.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "calendar/calendar.h"

#include <string.h>
#include <time.h>

/* Day numbers and weekdays agree with timegm/gmtime over 1900-2100, both ways. */
static void
test_days_against_libc(void **state)
{
    (void)state;
    for (int64_t n = -25567; n <= 47846; n++) { /* 1900-01-01 .. 2100-12-31 */
        time_t t = (time_t)(n * 86400);
        struct tm tm;
        assert_non_null(gmtime_r(&t, &tm));
        struct eg_date d = eg_date_from_days(n);
        assert_int_equal(d.year, tm.tm_year + 1900);
        assert_int_equal(d.month, tm.tm_mon + 1);
        assert_int_equal(d.day, tm.tm_mday);
        assert_true(eg_date_valid(d));
        assert_int_equal(eg_date_days(d), n);
        assert_int_equal(eg_date_weekday(d), tm.tm_wday == 0 ? 7 : tm.tm_wday);
    }
    assert_int_equal(eg_date_days((struct eg_date){1970, 1, 1}), 0);
    assert_int_equal(eg_date_weekday((struct eg_date){2026, 2, 17}), 2); /* a Tuesday */
    /* Far dates still round-trip. */
    struct eg_date far[] = {{1, 1, 1}, {9999, 12, 31}, {1600, 2, 29}, {2000, 2, 29}};
    for (size_t i = 0; i < EG_ARRAY_LEN(far); i++)
        assert_int_equal(eg_date_cmp(eg_date_from_days(eg_date_days(far[i])), far[i]), 0);
}

static void
test_valid_and_compare(void **state)
{
    (void)state;
    assert_true(eg_date_valid((struct eg_date){2024, 2, 29}));
    assert_false(eg_date_valid((struct eg_date){2100, 2, 29}));
    assert_false(eg_date_valid((struct eg_date){2026, 4, 31}));
    assert_false(eg_date_valid((struct eg_date){2026, 0, 1}));
    assert_false(eg_date_valid((struct eg_date){0, 1, 1}));
    assert_false(eg_date_valid((struct eg_date){10000, 1, 1}));
    struct eg_date a = {2026, 2, 17}, b = {2026, 3, 1};
    assert_true(eg_date_cmp(a, b) < 0);
    assert_true(eg_date_cmp(b, a) > 0);
    assert_int_equal(eg_date_cmp(eg_date_add(a, 12), b), 0);
    assert_int_equal(eg_date_cmp(eg_date_add(b, -12), a), 0);
}

static void
test_parse_and_format(void **state)
{
    (void)state;
    struct eg_date d;
    assert_int_equal(eg_date_parse("2026-02-17", &d), EG_OK);
    assert_true(d.year == 2026 && d.month == 2 && d.day == 17);
    char buf[EG_DATE_STR];
    eg_date_format(d, buf);
    assert_string_equal(buf, "2026-02-17");
    eg_date_format((struct eg_date){5, 1, 2}, buf);
    assert_string_equal(buf, "0005-01-02");
    static const char *const bad[] = {
        "",           "2026-2-17",  "2026-02-17 ", " 2026-02-17", "2026-02-30", "2026-13-01",
        "2026/02/17", "20260217",   "2026-02-1x",  "0000-01-01",  "+026-02-17", "2026-02-17T00:00",
        "2026-00-10", "2026-02-00", "-026-02-17",  "2026-0２-17",
    };
    for (size_t i = 0; i < EG_ARRAY_LEN(bad); i++)
        if (eg_date_parse(bad[i], &d) != EG_EINVAL)
            fail_msg("'%s' parsed", bad[i]);
    assert_int_equal(eg_date_parse(NULL, &d), EG_EINVAL);
}

static void
test_local_time(void **state)
{
    (void)state;
    int64_t ms;
    /* 2026-02-17T07:30 in Ha Noi is 00:30 UTC. */
    assert_int_equal(eg_datetime_parse("2026-02-17T07:30", &ms), EG_OK);
    assert_int_equal(ms, INT64_C(1771288200000));
    char buf[EG_DATETIME_STR];
    eg_datetime_format(ms, buf);
    assert_string_equal(buf, "2026-02-17T07:30");
    /* Local midnight is 17:00 UTC the day before. */
    int minute = -1;
    struct eg_date d = eg_date_of_ms(INT64_C(1771261200000), &minute); /* 2026-02-16T17:00Z */
    assert_true(d.year == 2026 && d.month == 2 && d.day == 17 && minute == 0);
    d = eg_date_of_ms(INT64_C(1771261199999), &minute);
    assert_true(d.day == 16 && minute == 23 * 60 + 59);
    assert_int_equal(eg_date_to_ms((struct eg_date){2026, 2, 17}, 0), INT64_C(1771261200000));
    assert_int_equal(eg_date_to_ms((struct eg_date){2026, 2, 17}, 17 * 60),
                     INT64_C(1771261200000) + 17 * 3600000);
    /* Before 1970 too. */
    assert_int_equal(eg_datetime_parse("1969-12-31T23:59", &ms), EG_OK);
    eg_datetime_format(ms, buf);
    assert_string_equal(buf, "1969-12-31T23:59");
    /* Extreme instants do not overflow. */
    d = eg_date_of_ms(INT64_MAX, &minute);
    assert_true(minute >= 0 && minute < 1440);
    d = eg_date_of_ms(INT64_MIN, &minute);
    assert_true(minute >= 0 && minute < 1440);
    static const char *const bad[] = {
        "2026-02-17",       "2026-02-17T7:30",  "2026-02-17T24:00",
        "2026-02-17T23:60", "2026-02-17 07:30", "2026-02-17T07:30Z",
        "2026-02-30T07:30", "2026-02-17T07:3a", "2026-02-17t07:30",
    };
    for (size_t i = 0; i < EG_ARRAY_LEN(bad); i++)
        if (eg_datetime_parse(bad[i], &ms) != EG_EINVAL)
            fail_msg("'%s' parsed", bad[i]);
}

static void
test_week(void **state)
{
    (void)state;
    struct eg_calendar_week w, def;
    struct eg_buf msg = EG_BUF_INIT(512), days = EG_BUF_INIT(16), hours = EG_BUF_INIT(128);
    eg_calendar_week_default(&def);
    assert_int_equal(eg_calendar_week_parse("12345", "07:00-11:30,13:30-17:00", &w, &msg), EG_OK);
    assert_memory_equal(&w, &def, sizeof(w));
    assert_int_equal(eg_calendar_week_format(&w, &days, &hours), EG_OK);
    assert_string_equal(eg_buf_str(&days), "12345");
    assert_string_equal(eg_buf_str(&hours), "07:00-11:30,13:30-17:00");
    assert_int_equal(eg_calendar_week_parse("654321", "07:30-17:30", &w, &msg), EG_OK);
    assert_true(w.working[6] && !w.working[7] && w.nperiods == 1 && w.periods[0].end == 1050);
    assert_int_equal(eg_calendar_week_parse("7", "00:00-24:00", &w, &msg), EG_OK);
    static const struct {
        const char *days, *hours;
    } bad[] = {
        {"", "07:00-17:00"},
        {"8", "07:00-17:00"},
        {"112", "07:00-17:00"},
        {"12345678", "07:00-17:00"},
        {"12345", ""},
        {"12345", "7:00-17:00"},
        {"12345", "07:00-17:00,"},
        {"12345", "17:00-07:00"},
        {"12345", "07:00-07:00"},
        {"12345", "07:00-12:00,11:00-17:00"},
        {"12345", "13:00-17:00,07:00-11:00"},
        {"12345", "07:00-24:01"},
        {"12345", "07:60-17:00"},
        {"12345", "07:00-11:00;13:00-17:00"},
        {"12345", "01:00-02:00,03:00-04:00,05:00-06:00,07:00-08:00,09:00-10:00"},
        {NULL, "07:00-17:00"},
        {"12345", NULL},
    };
    for (size_t i = 0; i < EG_ARRAY_LEN(bad); i++) {
        eg_buf_reset(&msg);
        if (eg_calendar_week_parse(bad[i].days, bad[i].hours, &w, &msg) != EG_EINVAL)
            fail_msg("days '%s' hours '%s' parsed", bad[i].days ? bad[i].days : "(null)",
                     bad[i].hours ? bad[i].hours : "(null)");
        assert_true(msg.len > 0 && eg_utf8_valid(msg.p, msg.len));
    }
    /* A hand-built week is checked too. */
    w = def;
    w.working[1] = w.working[2] = w.working[3] = w.working[4] = w.working[5] = false;
    assert_int_equal(eg_calendar_week_check(&w, NULL), EG_EINVAL);
    eg_buf_release(&msg);
    eg_buf_release(&days);
    eg_buf_release(&hours);
}

static void
test_kinds(void **state)
{
    (void)state;
    enum eg_calendar_kind k;
    assert_int_equal(eg_calendar_kind_parse("day_off", &k), EG_OK);
    assert_int_equal(k, EG_CALENDAR_DAY_OFF);
    assert_int_equal(eg_calendar_kind_parse("working_day", &k), EG_OK);
    assert_int_equal(k, EG_CALENDAR_WORKING_DAY);
    assert_int_equal(eg_calendar_kind_parse("holiday", &k), EG_EINVAL);
    assert_int_equal(eg_calendar_kind_parse(NULL, &k), EG_EINVAL);
    assert_string_equal(eg_calendar_kind_str(EG_CALENDAR_WORKING_DAY), "working_day");
    assert_string_equal(eg_calendar_reason_str(EG_CALENDAR_COMPENSATORY), "compensatory");
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_days_against_libc),
        cmocka_unit_test(test_valid_and_compare),
        cmocka_unit_test(test_parse_and_format),
        cmocka_unit_test(test_local_time),
        cmocka_unit_test(test_week),
        cmocka_unit_test(test_kinds),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
