/*
 * test_lunar.c - the Vietnamese lunar calendar: every day of 1900-2100 goes to
 * the lunar calendar and back; Tết, Giỗ Tổ and leap months against dates
 * published independently of this code; the fence at 1900-2100; lunar dates
 * that do not exist.
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
date(int y, int m, int d)
{
    return (struct eg_date){y, m, d};
}

static struct eg_date
parse(const char *s)
{
    struct eg_date d;
    if (eg_date_parse(s, &d) != EG_OK)
        fail_msg("bad date in the test: %s", s);
    return d;
}

static void
assert_lunar(const char *solar, int day, int month, int year, bool leap)
{
    struct eg_lunar_date l;
    assert_int_equal(eg_lunar_from_solar(parse(solar), &l), EG_OK);
    if (l.day != day || l.month != month || l.year != year || l.leap != leap)
        fail_msg("%s: got %d/%d%s/%d, want %d/%d%s/%d", solar, l.day, l.month,
                 l.leap ? " leap" : "", l.year, day, month, leap ? " leap" : "", year);
}

static void
assert_solar(int day, int month, int year, bool leap, const char *want)
{
    struct eg_lunar_date l = {day, month, year, leap};
    struct eg_date d;
    assert_int_equal(eg_lunar_to_solar(&l, &d), EG_OK);
    char got[EG_DATE_STR];
    eg_date_format(d, got);
    if (strcmp(got, want) != 0)
        fail_msg("%d/%d%s/%d: got %s, want %s", day, month, leap ? " leap" : "", year, got, want);
}

/*
 * Every day from 1900-01-01 to 2100-12-31 converts to a lunar date that
 * converts back to the same day; lunar days run 1, 2, ... within a month, a
 * month has 29 or 30 days, and months follow each other in order.
 */
static void
test_round_trip_every_day(void **state)
{
    (void)state;
    int64_t first = eg_date_days(date(1900, 1, 1)), last = eg_date_days(date(2100, 12, 31));
    struct eg_lunar_date prev = {0};
    long mismatches = 0, months = 0, leaps = 0;
    for (int64_t n = first; n <= last; n++) {
        struct eg_date d = eg_date_from_days(n), back;
        struct eg_lunar_date l;
        assert_int_equal(eg_lunar_from_solar(d, &l), EG_OK);
        assert_int_equal(eg_lunar_to_solar(&l, &back), EG_OK);
        if (eg_date_cmp(d, back) != 0 && mismatches++ < 5)
            print_error("%04d-%02d-%02d -> %d/%d/%d -> %04d-%02d-%02d\n", d.year, d.month, d.day,
                        l.day, l.month, l.year, back.year, back.month, back.day);
        if (n == first)
            assert_true(l.day >= 1 && l.day <= 30);
        else if (l.day != 1)
            assert_true(l.day == prev.day + 1 && l.month == prev.month && l.year == prev.year &&
                        l.leap == prev.leap);
        else {
            months++;
            assert_true(prev.day == 29 || prev.day == 30);
            if (l.leap) {
                /* A leap month follows the month of its number. */
                leaps++;
                assert_int_equal(l.month, prev.month);
                assert_false(prev.leap);
            } else if (prev.month == 12) {
                assert_int_equal(l.month, 1);
                assert_int_equal(l.year, prev.year + 1);
            } else {
                assert_int_equal(l.month, prev.month + 1);
                assert_int_equal(l.year, prev.year);
            }
        }
        prev = l;
    }
    assert_int_equal(mismatches, 0);
    /* 201 years of 12.368 lunations; 7 leap months in 19 years. */
    assert_true(months > 2480 && months < 2490);
    assert_true(leaps > 72 && leaps < 76);
}

/*
 * Tết (lunar 1/1) as published, each from a source independent of this code:
 *  1985-01-21  a month before China's (1985-02-20): oreateai.com/blog/1985-lunar-new-year;
 *              DOMAIN-VN §5.2
 *  2007-02-17  a day before China's: viet-jo.com/news/life/060706102756.html (2006, citing
 *              the government); kientruc2014.com/vietnam/cau-tra-loi-nhanh-chong-what-year-
 *              is-it-in-vietnam.html
 *  2010-02-14  duykhanh.wordpress.com/2010/02/03/tet-lunar-new-year-2010-vn-holiday-year-of-
 *              the-tiger-feb-14-18/ ("The First (Sun, Feb 14)")
 *  2016-02-08  vietnamvisaapplication.com/post/upcoming-public-holidays-in-vietnam-in-2016
 *  2018-02-16  e.vnexpress.net/news/news/vietnam-to-kick-off-lunar-new-year-break-on-valentine-
 *              s-day-3684669.html
 *  2019-02-05  amchamvietnam.com/tet-lunar-new-year-holidays-2019-feb-2-10/;
 *              emporiumhanoi.com/tet-explained/
 *  2020-01-25  e.vnexpress.net/news/news/vietnam-to-enjoy-7-day-lunar-new-year-break-3993888.html
 *  2021-02-12  sggpnews.org.vn/national/seven-days-off-for-tet-holiday-2021-proposed-88465.html
 *              (lunar 2/1 and 3/1 on February 13-14, 30/12 on February 11)
 *  2022-02-01  fr.vietnamplus.vn (VNA, "Le 1er jour du Nouvel An lunaire 2022 tombera ...
 *              mardi 1er février")
 *  2023-01-22  vietnamstonejsc.com/vietnamese-new-year-2023-year-of-the-cat/
 *  2025-01-29  en.sggp.org.vn/prime-minister-approves-9-day-tet-break-for-2025-post114084.html
 *              (January 27 the 28th of the last month, January 31 the 3rd of the first)
 *  2026-02-17  myvietnamvisa.com/vietnamese-lunar-new-year-dates-animals-of-the-zodiac.html
 *  2030-02-02  a day before China's: kientruc2014.com (above); scienceinfo.net/why-is-the-
 *              vietnamese-and-chinese-new-year-a-day-different.html
 *  2053-02-18  a day before China's: kientruc2014.com (above)
 * and the table of DOMAIN-VN §5.2 for 2024-2035.
 */
static void
test_tet(void **state)
{
    (void)state;
    static const char *const tet[] = {
        "1985-01-21", "2007-02-17", "2010-02-14", "2016-02-08", "2018-02-16", "2019-02-05",
        "2020-01-25", "2021-02-12", "2022-02-01", "2023-01-22", "2024-02-10", "2025-01-29",
        "2026-02-17", "2027-02-06", "2028-01-26", "2029-02-13", "2030-02-02", "2031-01-23",
        "2032-02-11", "2033-01-31", "2034-02-19", "2035-02-08", "2053-02-18",
    };
    for (size_t i = 0; i < EG_ARRAY_LEN(tet); i++) {
        int year = parse(tet[i]).year;
        assert_lunar(tet[i], 1, 1, year, false);
        assert_solar(1, 1, year, false, tet[i]);
        /* The day before is the last day of the old year. */
        struct eg_lunar_date eve;
        assert_int_equal(eg_lunar_from_solar(eg_date_add(parse(tet[i]), -1), &eve), EG_OK);
        assert_int_equal(eve.year, year - 1);
        assert_true(eve.month == 12 && (eve.day == 29 || eve.day == 30));
    }
    /* The days around them that the sources also name. */
    assert_lunar("2021-02-11", 30, 12, 2020, false);
    assert_lunar("2021-02-14", 3, 1, 2021, false);
    assert_lunar("2025-01-27", 28, 12, 2024, false);
    assert_lunar("2025-01-31", 3, 1, 2025, false);
    assert_lunar("2020-01-23", 29, 12, 2019, false);
    assert_lunar("2020-01-29", 5, 1, 2020, false);
    assert_lunar("2022-01-29", 27, 12, 2021, false);
}

/*
 * Giỗ Tổ Hùng Vương (lunar 10/3): 2018-04-25 (e.vnexpress.net, above), 2020-04-02
 * (vneconomictimes.com, "2020 public holidays announced"), 2021-04-21 (sggpnews.org.vn,
 * "Vietnam's public holidays in 2021"), and DOMAIN-VN §5.2 for 2024-2035.
 */
static void
test_hung_kings(void **state)
{
    (void)state;
    static const char *const days[] = {
        "2018-04-25", "2020-04-02", "2021-04-21", "2024-04-18", "2025-04-07",
        "2026-04-26", "2027-04-16", "2028-04-04", "2029-04-23", "2030-04-12",
        "2031-04-01", "2032-04-19", "2033-04-09", "2034-04-28", "2035-04-17",
    };
    for (size_t i = 0; i < EG_ARRAY_LEN(days); i++) {
        assert_lunar(days[i], 10, 3, parse(days[i]).year, false);
        assert_solar(10, 3, parse(days[i]).year, false, days[i]);
    }
}

/*
 * Leap months: 2020 the 4th, 2023 the 2nd, 2025 the 6th, 2028 the 5th, 2031
 * the 3rd, 2033 the 11th (DOMAIN-VN §5.2; the same in the Hong Kong
 * Observatory's tables, where the two calendars agree). 2024 and 2026 have none.
 */
static void
test_leap_months(void **state)
{
    (void)state;
    static const struct {
        int year, month;
    } leap[] = {{2020, 4},  {2023, 2}, {2025, 6}, {2028, 5}, {2031, 3},
                {2033, 11}, {2024, 0}, {2026, 0}, {2027, 0}, {2030, 0}};
    for (size_t i = 0; i < EG_ARRAY_LEN(leap); i++) {
        int m = -1;
        assert_int_equal(eg_lunar_leap_month(leap[i].year, &m), EG_OK);
        if (m != leap[i].month)
            fail_msg("%d: leap month %d, want %d", leap[i].year, m, leap[i].month);
    }
    /* The leap 4th month of 2020 began on 2020-05-23 (right after the 4th). */
    assert_lunar("2020-05-23", 1, 4, 2020, true);
    assert_lunar("2020-05-22", 30, 4, 2020, false);
    assert_solar(1, 4, 2020, true, "2020-05-23");
    assert_lunar("2023-03-22", 1, 2, 2023, true);
    assert_lunar("2025-07-25", 1, 6, 2025, true);
    /* The "2033 problem": a leap 11th month, at the end of lunar year 2033. */
    struct eg_lunar_date l = {1, 11, 2033, true};
    struct eg_date d;
    assert_int_equal(eg_lunar_to_solar(&l, &d), EG_OK);
    assert_int_equal(d.year * 100 + d.month, 203312);
    struct eg_lunar_date back;
    assert_int_equal(eg_lunar_from_solar(d, &back), EG_OK);
    assert_true(back.leap && back.month == 11 && back.year == 2033);
    /* Every year's leap month converts both ways; about 7 in 19 years have one. */
    int with_leap = 0;
    for (int y = 1900; y <= 2099; y++) {
        int m = -1;
        assert_int_equal(eg_lunar_leap_month(y, &m), EG_OK);
        assert_true(m >= 0 && m <= 12);
        if (m == 0)
            continue;
        with_leap++;
        struct eg_lunar_date first = {1, m, y, true}, again;
        assert_int_equal(eg_lunar_to_solar(&first, &d), EG_OK);
        assert_int_equal(eg_lunar_from_solar(d, &again), EG_OK);
        assert_true(again.leap && again.month == m && again.year == y && again.day == 1);
        /* ... and no other month of that year is leap. */
        for (int other = 1; other <= 12; other++) {
            struct eg_lunar_date o = {1, other, y, true};
            if (other != m)
                assert_int_equal(eg_lunar_to_solar(&o, &d), EG_EINVAL);
        }
    }
    assert_true(with_leap >= 72 && with_leap <= 76);
}

/* Outside 1900-01-01..2100-12-31 nothing converts; invalid dates never do. */
static void
test_fence(void **state)
{
    (void)state;
    struct eg_lunar_date l;
    struct eg_date d;
    assert_int_equal(eg_lunar_from_solar(date(1899, 12, 31), &l), EG_EINVAL);
    assert_int_equal(eg_lunar_from_solar(date(2101, 1, 1), &l), EG_EINVAL);
    assert_int_equal(eg_lunar_from_solar(date(2026, 2, 30), &l), EG_EINVAL);
    assert_int_equal(eg_lunar_from_solar(date(2026, 13, 1), &l), EG_EINVAL);
    assert_int_equal(eg_lunar_from_solar(date(0, 1, 1), &l), EG_EINVAL);
    /* The first and last days: 1900-01-01 is in the 12th month of lunar 1899. */
    assert_lunar("1900-01-01", 1, 12, 1899, false);
    assert_lunar("1900-01-31", 1, 1, 1900, false);
    assert_int_equal(eg_lunar_from_solar(date(2100, 12, 31), &l), EG_OK);
    assert_int_equal(eg_lunar_to_solar(&l, &d), EG_OK);
    assert_int_equal(eg_date_cmp(d, date(2100, 12, 31)), 0);
    /* A lunar date whose solar day falls outside. */
    struct eg_lunar_date before = {30, 11, 1899, false};
    assert_int_equal(eg_lunar_to_solar(&before, &d), EG_EINVAL);
    struct eg_lunar_date after = {1, 1, 2101, false};
    assert_int_equal(eg_lunar_to_solar(&after, &d), EG_EINVAL);
    struct eg_lunar_date far = {1, 1, -5, false};
    assert_int_equal(eg_lunar_to_solar(&far, &d), EG_EINVAL);
    int m;
    assert_int_equal(eg_lunar_leap_month(1899, &m), EG_EINVAL);
    assert_int_equal(eg_lunar_leap_month(2101, &m), EG_EINVAL);
}

static void
test_no_such_lunar_date(void **state)
{
    (void)state;
    struct eg_date d;
    static const struct eg_lunar_date bad[] = {
        {0, 1, 2026, false},   {31, 1, 2026, false}, {1, 0, 2026, false},
        {1, 13, 2026, false},  {1, 4, 2026, true}, /* 2026 has no leap month */
        {1, 5, 2020, true},                        /* 2020's is the 4th */
        {30, 12, 2024, false},                     /* the 12th month of 2024 had 29 days */
    };
    for (size_t i = 0; i < EG_ARRAY_LEN(bad); i++)
        if (eg_lunar_to_solar(&bad[i], &d) != EG_EINVAL)
            fail_msg("%d/%d%s/%d converted", bad[i].day, bad[i].month, bad[i].leap ? " leap" : "",
                     bad[i].year);
    /* ... while the 29th of that month and the 30th of a long month exist. */
    assert_solar(29, 12, 2024, false, "2025-01-28");
    assert_solar(30, 12, 2020, false, "2021-02-11");
}

static void
test_year_names(void **state)
{
    (void)state;
    static const struct {
        int year;
        const char *name;
    } names[] = {{1984, "Giáp Tý"},  {2024, "Giáp Thìn"}, {2025, "Ất Tỵ"},   {2026, "Bính Ngọ"},
                 {2027, "Đinh Mùi"}, {1968, "Mậu Thân"},  {1900, "Canh Tý"}, {2100, "Canh Thân"}};
    for (size_t i = 0; i < EG_ARRAY_LEN(names); i++) {
        char buf[EG_LUNAR_NAME_MAX];
        eg_lunar_year_name(names[i].year, buf);
        assert_string_equal(buf, names[i].name);
        assert_true(eg_text_is_nfc(buf, strlen(buf)));
    }
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_round_trip_every_day),
        cmocka_unit_test(test_tet),
        cmocka_unit_test(test_hung_kings),
        cmocka_unit_test(test_leap_months),
        cmocka_unit_test(test_fence),
        cmocka_unit_test(test_no_such_lunar_date),
        cmocka_unit_test(test_year_names),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
