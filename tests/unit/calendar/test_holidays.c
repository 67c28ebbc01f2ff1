/*
 * test_holidays.c - the computed calendar against the breaks the Government
 * actually gave (each from a published source), the compensatory days of
 * Labour Code Art. 111(3), administrators' entries winning over the rules, a
 * province's own working week, and the calendar's queries and limits.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "calendar/calendar.h"

#include <stdio.h>
#include <string.h>

static struct eg_date
parse(const char *s)
{
    struct eg_date d;
    if (eg_date_parse(s, &d) != EG_OK)
        fail_msg("bad date in the test: %s", s);
    return d;
}

static struct eg_calendar *
build(const struct eg_calendar_entry *entries, size_t n, int first, int last)
{
    struct eg_calendar_week w;
    eg_calendar_week_default(&w);
    struct eg_calendar *cal = NULL;
    struct eg_buf msg = EG_BUF_INIT(512);
    enum eg_err rc = eg_calendar_build(&w, entries, n, first, last, &cal, &msg);
    if (rc != EG_OK)
        fail_msg("build: %s: %s", eg_strerror(rc), eg_buf_str(&msg));
    eg_buf_release(&msg);
    return cal;
}

static bool
working(const struct eg_calendar *cal, const char *day)
{
    bool w = false;
    assert_int_equal(eg_calendar_is_working_day(cal, parse(day), &w), EG_OK);
    return w;
}

/*
 * Every day from `first` to `last` is off, and the working days just outside
 * are not: the break as the Government announced it, weekends included.
 */
static void
assert_break(const struct eg_calendar *cal, const char *first, const char *last)
{
    struct eg_date a = parse(first), b = parse(last);
    for (struct eg_date d = a; eg_date_cmp(d, b) <= 0; d = eg_date_add(d, 1)) {
        bool w = true;
        assert_int_equal(eg_calendar_is_working_day(cal, d, &w), EG_OK);
        if (w)
            fail_msg("%04d-%02d-%02d is a working day inside the break %s..%s", d.year, d.month,
                     d.day, first, last);
    }
    bool before = false, after = false;
    assert_int_equal(eg_calendar_is_working_day(cal, eg_date_add(a, -1), &before), EG_OK);
    assert_int_equal(eg_calendar_is_working_day(cal, eg_date_add(b, 1), &after), EG_OK);
    if (!before || !after)
        fail_msg("the break %s..%s is longer than announced", first, last);
}

/*
 * Tết breaks as decided (Labour Code 2012 Art. 115 until 2020, 2019 Art. 112
 * since: five days either way), from the weekend before to the weekend after:
 *  2018  14-20/2  e.vnexpress.net/news/news/vietnam-to-kick-off-lunar-new-year-break-on-
 *                 valentine-s-day-3684669.html
 *  2019  2-10/2   e.vnexpress.net/news/travel-life/vietnam-s-2019-holiday-plan-includes-9-day-
 *                 tet-break-3777252.html
 *  2020  23-29/1  vietnamnet.vn/en/seven-day-holiday-for-lunar-new-year-2020-approved-582674.html
 *  2021  10-16/2  nvmgroup.com (document 9895/VPCP-KGVX: 15 and 16/2 compensate the weekend)
 *  2022  29/1-6/2 sggpnews.org.vn/national/nine-days-off-for-2022-lunar-new-year-holiday-
 *                 proposed-95252.html; en.baobinhthuan.com.vn/print/94428.html
 *  2023  20-26/1  en.nhandan.vn/2023-lunar-new-year-holiday-to-last-seven-days-post120513.html
 *  2024  8-14/2   vietnamnews.vn/society/1636141/one-week-break-approved-for-tet-holiday-in-2024.html
 *  2025  25/1-2/2 en.sggp.org.vn/prime-minister-approves-9-day-tet-break-for-2025-post114084.html
 *  2026  14-22/2  vietnamnews.vn/politics-laws/1727514/ (Ministry of Home Affairs, 2025-10-17)
 * The default five days (the last two of the old lunar year, the first three
 * of the new) with the compensatory days give each of them.
 */
static void
test_tet_breaks(void **state)
{
    (void)state;
    struct eg_calendar *cal = build(NULL, 0, 2018, 2026);
    assert_break(cal, "2018-02-14", "2018-02-20");
    assert_break(cal, "2019-02-02", "2019-02-10");
    assert_break(cal, "2020-01-23", "2020-01-29");
    assert_break(cal, "2021-02-10", "2021-02-16");
    assert_break(cal, "2022-01-29", "2022-02-06");
    assert_break(cal, "2023-01-20", "2023-01-26");
    assert_break(cal, "2024-02-08", "2024-02-14");
    assert_break(cal, "2025-01-25", "2025-02-02");
    assert_break(cal, "2026-02-14", "2026-02-22");
    eg_calendar_free(cal);
}

/*
 * National Day since 2021 (2 September and the day before or after):
 *  2021  2-5/9    nvmgroup.com (9895/VPCP-KGVX); sggpnews.org.vn (public holidays in 2021)
 *  2022  1-4/9    en.dangcongsan.vn; en.vietnamplus.vn (2022-08-04)
 *  2023  1-4/9    vietnaminsider.vn (MOLISA: the 4th compensates Saturday the 2nd)
 *  2024  31/8-3/9 en.sggp.org.vn/national-day-holiday-to-last-four-days-post111612.html
 *  2025  30/8-2/9 en.sggp.org.vn (2025-08-03: "the adjacent holiday ... September 1")
 *  2026  29/8-2/9 vietnamnews.vn/politics-laws/1727514/: the 1st is the adjacent day, and
 *                 a swap (work Saturday 22/8 for Monday 31/8) that only an entry can give.
 */
static void
test_national_day(void **state)
{
    (void)state;
    struct eg_calendar *cal = build(NULL, 0, 2021, 2029);
    assert_break(cal, "2021-09-02", "2021-09-05");
    assert_break(cal, "2022-09-01", "2022-09-04");
    assert_break(cal, "2023-09-01", "2023-09-04");
    assert_break(cal, "2024-08-31", "2024-09-03");
    assert_break(cal, "2025-08-30", "2025-09-02");
    /* Without the swap, 2026 is Tuesday 1 and Wednesday 2 September. */
    assert_break(cal, "2026-09-01", "2026-09-02");
    assert_true(working(cal, "2026-08-31"));
    /* 2 September 2029 is a Sunday: the 1st (Saturday) and 2nd are holidays on rest
     * days, compensated on Monday 3 and Tuesday 4. */
    assert_break(cal, "2029-09-01", "2029-09-04");
    eg_calendar_free(cal);

    struct eg_calendar_entry swap[] = {
        {.date = {2026, 8, 22},
         .kind = EG_CALENDAR_WORKING_DAY,
         .name = "Làm bù cho thứ Hai 31/8/2026",
         .document = "Thông báo của Bộ Nội vụ",
         .document_date = {2025, 10, 17}},
        {.date = {2026, 8, 31},
         .kind = EG_CALENDAR_DAY_OFF,
         .name = "Nghỉ hoán đổi (làm bù thứ Bảy 22/8/2026)",
         .document = "Thông báo của Bộ Nội vụ",
         .document_date = {2025, 10, 17}},
    };
    cal = build(swap, 2, 2026, 2026);
    assert_break(cal, "2026-08-29", "2026-09-02");
    assert_true(working(cal, "2026-08-22"));
    assert_false(working(cal, "2026-08-23"));
    eg_calendar_free(cal);
}

/*
 * Compensatory days: Giỗ Tổ on Sunday 26/4/2026 gives Monday 27/4 (DOMAIN-VN §5.2;
 * "a three-day weekend from April 25-27"); 1/1/2022 a Saturday gives Monday 3/1;
 * in 2023 Giỗ Tổ (Saturday 29/4) and 30/4 (Sunday) before 1/5 (Monday) give 2 and 3/5.
 */
static void
test_compensatory(void **state)
{
    (void)state;
    struct eg_calendar *cal = build(NULL, 0, 2021, 2026);
    assert_break(cal, "2026-04-25", "2026-04-27");
    assert_break(cal, "2022-01-01", "2022-01-03");
    assert_break(cal, "2023-04-29", "2023-05-03");
    /* 30/4 and 1/5/2026 on Thursday and Friday: no compensation, a four-day weekend. */
    assert_break(cal, "2026-04-30", "2026-05-03");
    const struct eg_calendar_holiday *items;
    size_t n;
    assert_int_equal(eg_calendar_holidays(cal, 2026, &items, &n), EG_OK);
    size_t comp = 0, hol = 0;
    for (size_t i = 0; i < n; i++) {
        assert_int_equal(items[i].date.year, 2026);
        assert_false(items[i].working);
        assert_non_null(items[i].name);
        assert_non_null(items[i].name_en);
        assert_true(eg_text_is_nfc(items[i].name, strlen(items[i].name)));
        if (i)
            assert_true(eg_date_cmp(items[i - 1].date, items[i].date) <= 0);
        if (items[i].reason == EG_CALENDAR_COMPENSATORY) {
            comp++;
            assert_string_equal(items[i].name,
                                comp == 1 ? "Nghỉ bù Tết Âm lịch" : "Nghỉ bù Giỗ Tổ Hùng Vương");
        } else {
            assert_int_equal(items[i].reason, EG_CALENDAR_HOLIDAY);
            hol++;
        }
    }
    /* 2026: the 11 days of Art. 112, Tết's Sunday and Giỗ Tổ's Sunday compensated. */
    assert_int_equal(hol, 11);
    assert_int_equal(comp, 2);
    eg_calendar_free(cal);
}

/* An entry wins over everything computed, and shows in the year's list. */
static void
test_entries_override(void **state)
{
    (void)state;
    struct eg_calendar_entry e[] = {
        /* The Prime Minister moves a Tết day: work the default 29/12, rest on 4/1. */
        {.date = {2026, 2, 16},
         .kind = EG_CALENDAR_WORKING_DAY,
         .name = "Làm việc",
         .document = "1/QĐ-TTg",
         .document_date = {2025, 11, 1},
         .created_by = "operator:test"},
        {.date = {2026, 2, 23},
         .kind = EG_CALENDAR_DAY_OFF,
         .name = "Nghỉ Tết",
         .document = "1/QĐ-TTg",
         .document_date = {2025, 11, 1}},
        /* A day off a province declares. */
        {.date = {2026, 11, 24},
         .kind = EG_CALENDAR_DAY_OFF,
         .name = "Ngày Văn hóa Việt Nam",
         .document = "2/QĐ-UBND",
         .document_date = {2026, 11, 1}},
        /* Outside the calendar's years: ignored. */
        {.date = {2031, 1, 2},
         .kind = EG_CALENDAR_DAY_OFF,
         .name = "x",
         .document = "y",
         .document_date = {2030, 1, 1}},
    };
    struct eg_calendar *cal = build(e, EG_ARRAY_LEN(e), 2026, 2026);
    assert_true(working(cal, "2026-02-16"));
    assert_false(working(cal, "2026-02-23"));
    assert_false(working(cal, "2026-11-24"));
    const struct eg_calendar_holiday *items;
    size_t n;
    assert_int_equal(eg_calendar_holidays(cal, 2026, &items, &n), EG_OK);
    int entered = 0;
    for (size_t i = 0; i < n; i++) {
        if (eg_date_cmp(items[i].date, e[0].date) == 0) {
            /* The computed Tết day comes first, then the entry; both say it is worked. */
            assert_true(items[i].working);
            if (items[i].reason == EG_CALENDAR_ENTERED) {
                assert_string_equal(items[i].document, "1/QĐ-TTg");
                assert_string_equal(items[i].created_by, "operator:test");
                assert_int_equal(items[i - 1].reason, EG_CALENDAR_HOLIDAY);
            }
        }
        entered += items[i].reason == EG_CALENDAR_ENTERED;
    }
    assert_int_equal(entered, 3);
    eg_calendar_free(cal);

    /* The same date twice is refused. */
    struct eg_calendar_entry twice[] = {e[2], e[2]};
    struct eg_calendar_week w;
    eg_calendar_week_default(&w);
    struct eg_buf msg = EG_BUF_INIT(256);
    assert_int_equal(eg_calendar_build(&w, twice, 2, 2026, 2026, &cal, &msg), EG_EINVAL);
    assert_null(cal);
    assert_true(msg.len > 0);
    eg_buf_release(&msg);
}

/*
 * A province that works Saturdays: Saturday holidays are not compensated,
 * Sunday ones still are (Art. 111(3) speaks of the weekly rest day).
 */
static void
test_six_day_week(void **state)
{
    (void)state;
    struct eg_calendar_week w;
    struct eg_buf msg = EG_BUF_INIT(256);
    assert_int_equal(eg_calendar_week_parse("123456", "07:30-11:30,13:00-17:30", &w, &msg), EG_OK);
    struct eg_calendar *cal = NULL;
    assert_int_equal(eg_calendar_build(&w, NULL, 0, 2029, 2029, &cal, &msg), EG_OK);
    /* 1/9/2029 Saturday: a holiday, no compensation; 2/9 Sunday: compensated on Monday. */
    assert_false(working(cal, "2029-09-01"));
    assert_false(working(cal, "2029-09-02"));
    assert_false(working(cal, "2029-09-03"));
    assert_true(working(cal, "2029-09-04"));
    assert_true(working(cal, "2029-09-08")); /* an ordinary Saturday */
    assert_int_equal(eg_calendar_get_week(cal)->periods[1].end, 17 * 60 + 30);
    eg_calendar_free(cal);
    eg_buf_release(&msg);
}

static void
test_queries(void **state)
{
    (void)state;
    struct eg_calendar *cal = build(NULL, 0, 2026, 2026);
    struct eg_date next;
    assert_int_equal(eg_calendar_next_working_day(cal, parse("2026-03-06"), &next), EG_OK);
    assert_int_equal(eg_date_cmp(next, parse("2026-03-09")), 0);
    assert_int_equal(eg_calendar_next_working_day(cal, parse("2026-02-13"), &next), EG_OK);
    assert_int_equal(eg_date_cmp(next, parse("2026-02-23")), 0);
    /* The next working day of a working day is the one after it. */
    assert_int_equal(eg_calendar_next_working_day(cal, parse("2026-03-09"), &next), EG_OK);
    assert_int_equal(eg_date_cmp(next, parse("2026-03-10")), 0);
    int n = 0;
    assert_int_equal(
        eg_calendar_working_days_between(cal, parse("2026-03-06"), parse("2026-03-09"), &n), EG_OK);
    assert_int_equal(n, 1);
    assert_int_equal(
        eg_calendar_working_days_between(cal, parse("2026-03-09"), parse("2026-03-06"), &n), EG_OK);
    assert_int_equal(n, -1);
    assert_int_equal(
        eg_calendar_working_days_between(cal, parse("2026-03-09"), parse("2026-03-09"), &n), EG_OK);
    assert_int_equal(n, 0);
    /* Across Tết: 13/2 (Friday) to 27/2: the week of 23/2 only. */
    assert_int_equal(
        eg_calendar_working_days_between(cal, parse("2026-02-13"), parse("2026-02-27"), &n), EG_OK);
    assert_int_equal(n, 5);
    /* A whole year: 365 days, 104 weekend days, 11 holidays and compensatory days on weekdays. */
    assert_int_equal(
        eg_calendar_working_days_between(cal, parse("2026-01-01"), parse("2026-12-31"), &n), EG_OK);
    assert_int_equal(n, 250);
    /* Outside the calendar's years, or not a date. */
    bool w;
    assert_int_equal(eg_calendar_is_working_day(cal, parse("2025-12-31"), &w), EG_EINVAL);
    assert_int_equal(eg_calendar_is_working_day(cal, (struct eg_date){2026, 2, 30}, &w), EG_EINVAL);
    assert_int_equal(eg_calendar_next_working_day(cal, parse("2026-12-31"), &next), EG_EINVAL);
    assert_int_equal(
        eg_calendar_working_days_between(cal, parse("2026-01-01"), parse("2027-01-04"), &n),
        EG_EINVAL);
    const struct eg_calendar_holiday *items;
    size_t count;
    assert_int_equal(eg_calendar_holidays(cal, 2027, &items, &count), EG_EINVAL);
    int first, last;
    eg_calendar_years(cal, &first, &last);
    assert_true(first == 2026 && last == 2026);
    eg_calendar_free(cal);
}

static void
test_build_limits(void **state)
{
    (void)state;
    struct eg_calendar_week w;
    eg_calendar_week_default(&w);
    struct eg_calendar *cal = (struct eg_calendar *)&w; /* must be reset to NULL */
    assert_int_equal(eg_calendar_build(&w, NULL, 0, 1899, 2000, &cal, NULL), EG_EINVAL);
    assert_null(cal);
    assert_int_equal(eg_calendar_build(&w, NULL, 0, 2000, 2101, &cal, NULL), EG_EINVAL);
    assert_int_equal(eg_calendar_build(&w, NULL, 0, 2027, 2026, &cal, NULL), EG_EINVAL);
    w.nperiods = 0;
    assert_int_equal(eg_calendar_build(&w, NULL, 0, 2026, 2026, &cal, NULL), EG_EINVAL);
    /* The whole span builds (and quickly enough to load at start-up). */
    eg_calendar_week_default(&w);
    assert_int_equal(eg_calendar_build(&w, NULL, 0, 1900, 2100, &cal, NULL), EG_OK);
    /* Tết 1900 began on 31/1: its first two days were the 29th and 30th January. */
    assert_false(working(cal, "1900-01-29"));
    assert_true(working(cal, "1900-01-26"));
    eg_calendar_free(cal);
    eg_calendar_free(NULL);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_tet_breaks),   cmocka_unit_test(test_national_day),
        cmocka_unit_test(test_compensatory), cmocka_unit_test(test_entries_override),
        cmocka_unit_test(test_six_day_week), cmocka_unit_test(test_queries),
        cmocka_unit_test(test_build_limits),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
