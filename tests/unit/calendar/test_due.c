/*
 * test_due.c - deadlines in working days (Civil Code Arts. 147-148): the first
 * day not counted, weekends, fixed and lunar holidays, compensatory days, an
 * administrator's swap, intake after working hours and on days off, deadlines
 * of 0 days, and the clock stopped while a dossier waits for a supplement.
 * Times are written in local time (Asia/Ho_Chi_Minh).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "calendar/calendar.h"

#include <stdio.h>
#include <string.h>

static struct eg_calendar *
calendar(const struct eg_calendar_entry *entries, size_t n)
{
    struct eg_calendar_week w;
    eg_calendar_week_default(&w);
    struct eg_calendar *cal = NULL;
    assert_int_equal(eg_calendar_build(&w, entries, n, 2026, 2029, &cal, NULL), EG_OK);
    return cal;
}

static int64_t
at(const char *local)
{
    int64_t ms;
    if (eg_datetime_parse(local, &ms) != EG_OK)
        fail_msg("bad time in the test: %s", local);
    return ms;
}

/* The deadline of `days` working days from `from`, with pauses, is `want` (local). */
static void
assert_due_p(const struct eg_calendar *cal, const char *from, int days,
             const struct eg_calendar_pause *p, size_t np, const char *want)
{
    struct eg_calendar_due due;
    enum eg_err rc = eg_calendar_due(cal, at(from), days, p, np, &due);
    if (rc != EG_OK)
        fail_msg("%s + %d: %s", from, days, eg_strerror(rc));
    assert_false(due.paused);
    char got[EG_DATETIME_STR];
    eg_datetime_format(due.at, got);
    if (strcmp(got, want) != 0)
        fail_msg("%s + %d working days: due %s, want %s", from, days, got, want);
    /* The date and the instant agree. */
    char d[EG_DATE_STR];
    eg_date_format(due.date, d);
    assert_memory_equal(d, want, 10);
}

static void
assert_due(const struct eg_calendar *cal, const char *from, int days, const char *want)
{
    assert_due_p(cal, from, days, NULL, 0, want);
}

static void
test_weekends(void **state)
{
    (void)state;
    struct eg_calendar *cal = calendar(NULL, 0);
    /* Monday 9/3/2026 at 10:00: Monday is not counted. */
    assert_due(cal, "2026-03-09T10:00", 1, "2026-03-10T17:00");
    assert_due(cal, "2026-03-09T10:00", 4, "2026-03-13T17:00");
    assert_due(cal, "2026-03-09T10:00", 5, "2026-03-16T17:00");
    /* Friday: the weekend is skipped. */
    assert_due(cal, "2026-03-06T10:00", 1, "2026-03-09T17:00");
    assert_due(cal, "2026-03-06T10:00", 3, "2026-03-11T17:00");
    /* 15 working days: three weeks. */
    assert_due(cal, "2026-03-09T10:00", 15, "2026-03-30T17:00");
    struct eg_calendar_due due;
    assert_int_equal(eg_calendar_due(cal, at("2026-03-09T10:00"), 1, NULL, 0, &due), EG_OK);
    assert_true(due.received.year == 2026 && due.received.month == 3 && due.received.day == 9);
    /* 17:00 local is 10:00 UTC. */
    assert_int_equal(due.at, at("2026-03-10T17:00"));
    assert_int_equal(due.at % 86400000, 10 * 3600000);
    eg_calendar_free(cal);
}

static void
test_holidays(void **state)
{
    (void)state;
    struct eg_calendar *cal = calendar(NULL, 0);
    /* 30/4 and 1/5 (Thursday, Friday), then the weekend. */
    assert_due(cal, "2026-04-29T09:00", 1, "2026-05-04T17:00");
    /* Tết Bính Ngọ: 15-19/2 and the compensatory 20/2, between two weekends. */
    assert_due(cal, "2026-02-13T10:00", 1, "2026-02-23T17:00");
    assert_due(cal, "2026-02-13T10:00", 5, "2026-02-27T17:00");
    assert_due(cal, "2026-02-11T10:00", 3, "2026-02-23T17:00");
    /* Giỗ Tổ (lunar 10/3) on Sunday 26/4/2026, compensated on Monday 27/4. */
    assert_due(cal, "2026-04-24T10:00", 1, "2026-04-28T17:00");
    /* 2/9/2029 a Sunday: 1/9 (Saturday) and 2/9 compensated on Monday 3 and Tuesday 4. */
    assert_due(cal, "2029-08-31T10:00", 1, "2029-09-05T17:00");
    /* 1/1/2028 a Saturday: compensated on Monday 3/1. */
    assert_due(cal, "2027-12-31T10:00", 1, "2028-01-04T17:00");
    eg_calendar_free(cal);
}

/*
 * 2026's swap (Ministry of Home Affairs): Saturday 22/8 worked for Monday
 * 31/8, so National Day runs from Saturday 29/8 to Wednesday 2/9.
 */
static void
test_swap(void **state)
{
    (void)state;
    struct eg_calendar_entry swap[] = {
        {.date = {2026, 8, 22},
         .kind = EG_CALENDAR_WORKING_DAY,
         .name = "Làm bù",
         .document = "Thông báo của Bộ Nội vụ",
         .document_date = {2025, 10, 17}},
        {.date = {2026, 8, 31},
         .kind = EG_CALENDAR_DAY_OFF,
         .name = "Nghỉ hoán đổi",
         .document = "Thông báo của Bộ Nội vụ",
         .document_date = {2025, 10, 17}},
    };
    struct eg_calendar *cal = calendar(swap, 2);
    /* The make-up Saturday counts. */
    assert_due(cal, "2026-08-21T10:00", 1, "2026-08-22T17:00");
    assert_due(cal, "2026-08-21T10:00", 2, "2026-08-24T17:00");
    /* An intake on the make-up Saturday counts on it. */
    assert_due(cal, "2026-08-22T09:00", 1, "2026-08-24T17:00");
    /* Friday 28/8: Monday 31/8 to Wednesday 2/9 are off. */
    assert_due(cal, "2026-08-28T10:00", 1, "2026-09-03T17:00");
    eg_calendar_free(cal);
    /* Without the entries Monday 31/8 would be worked. */
    cal = calendar(NULL, 0);
    assert_due(cal, "2026-08-28T10:00", 1, "2026-08-31T17:00");
    assert_due(cal, "2026-08-21T10:00", 1, "2026-08-24T17:00");
    eg_calendar_free(cal);
}

static void
test_after_hours(void **state)
{
    (void)state;
    struct eg_calendar *cal = calendar(NULL, 0);
    /* Until 16:59 the intake counts on Monday; from 17:00 on Tuesday. */
    assert_due(cal, "2026-03-09T16:59", 1, "2026-03-10T17:00");
    assert_due(cal, "2026-03-09T17:00", 1, "2026-03-11T17:00");
    assert_due(cal, "2026-03-09T23:59", 1, "2026-03-11T17:00");
    /* Before opening and at lunch the day is a working day all the same. */
    assert_due(cal, "2026-03-09T06:00", 1, "2026-03-10T17:00");
    assert_due(cal, "2026-03-09T12:15", 1, "2026-03-10T17:00");
    /* On a Sunday and a Saturday: from Monday, which is not counted. */
    assert_due(cal, "2026-03-08T10:00", 1, "2026-03-10T17:00");
    assert_due(cal, "2026-03-07T10:00", 1, "2026-03-10T17:00");
    /* Friday evening: Monday is the intake day. */
    assert_due(cal, "2026-03-06T18:30", 1, "2026-03-10T17:00");
    /* On a holiday: Giỗ Tổ's compensatory Monday 27/4/2026. */
    assert_due(cal, "2026-04-27T09:00", 1, "2026-04-29T17:00");
    struct eg_calendar_due due;
    assert_int_equal(eg_calendar_due(cal, at("2026-03-08T10:00"), 1, NULL, 0, &due), EG_OK);
    assert_int_equal(due.received.day, 9);
    eg_calendar_free(cal);
}

static void
test_zero_days(void **state)
{
    (void)state;
    struct eg_calendar *cal = calendar(NULL, 0);
    assert_due(cal, "2026-03-09T10:00", 0, "2026-03-09T17:00");
    assert_due(cal, "2026-03-09T06:30", 0, "2026-03-09T17:00");
    assert_due(cal, "2026-03-09T17:30", 0, "2026-03-10T17:00");
    assert_due(cal, "2026-03-07T10:00", 0, "2026-03-09T17:00");
    assert_due(cal, "2026-02-14T10:00", 0, "2026-02-23T17:00");
    eg_calendar_free(cal);
}

/* Working hours of the province decide both the intake cut-off and the end of the day. */
static void
test_province_hours(void **state)
{
    (void)state;
    struct eg_calendar_week w;
    assert_int_equal(eg_calendar_week_parse("12345", "07:30-11:30,13:00-16:30", &w, NULL), EG_OK);
    struct eg_calendar *cal = NULL;
    assert_int_equal(eg_calendar_build(&w, NULL, 0, 2026, 2026, &cal, NULL), EG_OK);
    assert_due(cal, "2026-03-09T16:29", 1, "2026-03-10T16:30");
    assert_due(cal, "2026-03-09T16:30", 1, "2026-03-11T16:30");
    eg_calendar_free(cal);
}

/*
 * Supplement pauses: intake Monday 2/3/2026 09:00, 5 working days, normally
 * due Monday 9/3. The day a pause starts counts when it starts after opening;
 * the day the dossier is complete again counts like an intake (not counted).
 */
static void
test_pauses(void **state)
{
    (void)state;
    struct eg_calendar *cal = calendar(NULL, 0);
    const char *from = "2026-03-02T09:00";
    assert_due(cal, from, 5, "2026-03-09T17:00");
    /* Requested Wednesday 10:00, complete Friday 15:00: Tuesday and Wednesday
     * counted; Monday to Wednesday of the next week finish it. */
    struct eg_calendar_pause p = {at("2026-03-04T10:00"), at("2026-03-06T15:00")};
    assert_due_p(cal, from, 5, &p, 1, "2026-03-11T17:00");
    /* Requested before Wednesday's opening: only Tuesday counted. Complete on
     * Wednesday afternoon: Thursday is the next day counted. */
    struct eg_calendar_pause early = {at("2026-03-04T06:00"), at("2026-03-04T15:00")};
    assert_due_p(cal, from, 5, &early, 1, "2026-03-10T17:00");
    /* Complete again after hours: counting from the next working day's next. */
    struct eg_calendar_pause late = {at("2026-03-04T10:00"), at("2026-03-06T18:00")};
    assert_due_p(cal, from, 5, &late, 1, "2026-03-12T17:00");
    /* Two pauses. */
    struct eg_calendar_pause two[] = {
        {at("2026-03-03T10:00"), at("2026-03-04T10:00")}, /* Tuesday counted; Wednesday not */
        {at("2026-03-05T10:00"), at("2026-03-09T10:00")}, /* Thursday counted; Monday not */
    };
    assert_due_p(cal, from, 5, two, 2, "2026-03-12T17:00");
    /* A pause during the last day, before it ends: the day the dossier is complete again. */
    struct eg_calendar_pause last_day = {at("2026-03-09T10:00"), at("2026-03-10T14:00")};
    assert_due_p(cal, from, 5, &last_day, 1, "2026-03-10T17:00");
    /* A pause after the deadline had passed changes nothing. */
    struct eg_calendar_pause after = {at("2026-03-09T17:30"), at("2026-03-12T09:00")};
    assert_due_p(cal, from, 5, &after, 1, "2026-03-09T17:00");
    /* A same-day procedure paused in the afternoon ends the day it is complete again. */
    struct eg_calendar_pause same = {at("2026-03-02T14:00"), at("2026-03-05T09:00")};
    assert_due_p(cal, from, 0, &same, 1, "2026-03-05T17:00");
    /* A pause across Tết. */
    struct eg_calendar_pause tet = {at("2026-02-12T10:00"), at("2026-02-24T08:00")};
    assert_due_p(cal, "2026-02-10T09:00", 3, &tet, 1, "2026-02-25T17:00");

    /* Still waiting: no due date, but the days left. */
    struct eg_calendar_pause open = {at("2026-03-04T10:00"), EG_CALENDAR_OPEN};
    struct eg_calendar_due due;
    assert_int_equal(eg_calendar_due(cal, at(from), 5, &open, 1, &due), EG_OK);
    assert_true(due.paused);
    assert_int_equal(due.remaining, 3);
    eg_calendar_free(cal);
}

/* The working days used so far, for "n days left" and overdue scans. */
static void
test_elapsed(void **state)
{
    (void)state;
    struct eg_calendar *cal = calendar(NULL, 0);
    int64_t from = at("2026-03-02T09:00");
    struct {
        const char *when;
        int used;
    } plain[] = {
        {"2026-03-02T16:00", 0}, {"2026-03-03T06:59", 0}, {"2026-03-03T07:00", 1},
        {"2026-03-06T12:00", 4}, {"2026-03-08T12:00", 4}, {"2026-03-09T08:00", 5},
        {"2026-03-10T08:00", 6}, {"2026-03-01T08:00", 0},
    };
    for (size_t i = 0; i < EG_ARRAY_LEN(plain); i++) {
        int used = -1;
        assert_int_equal(eg_calendar_elapsed(cal, from, NULL, 0, at(plain[i].when), &used), EG_OK);
        if (used != plain[i].used)
            fail_msg("at %s: %d used, want %d", plain[i].when, used, plain[i].used);
    }
    struct eg_calendar_pause p = {at("2026-03-04T10:00"), at("2026-03-06T15:00")};
    int used = -1;
    assert_int_equal(eg_calendar_elapsed(cal, from, &p, 1, at("2026-03-05T12:00"), &used), EG_OK);
    assert_int_equal(used, 2);
    assert_int_equal(eg_calendar_elapsed(cal, from, &p, 1, at("2026-03-11T08:00"), &used), EG_OK);
    assert_int_equal(used, 5);
    struct eg_calendar_pause open = {at("2026-03-04T10:00"), EG_CALENDAR_OPEN};
    assert_int_equal(eg_calendar_elapsed(cal, from, &open, 1, at("2026-03-20T08:00"), &used),
                     EG_OK);
    assert_int_equal(used, 2);
    /* Due and elapsed agree: the due day is the first on which all days are used. */
    struct eg_calendar_due due;
    assert_int_equal(eg_calendar_due(cal, from, 7, &p, 1, &due), EG_OK);
    assert_int_equal(eg_calendar_elapsed(cal, from, &p, 1, due.at, &used), EG_OK);
    assert_int_equal(used, 7);
    assert_int_equal(eg_calendar_elapsed(cal, from, &p, 1,
                                         eg_date_to_ms(eg_date_add(due.date, -1), 1439), &used),
                     EG_OK);
    assert_true(used < 7);
    eg_calendar_free(cal);
}

static void
test_bad_arguments(void **state)
{
    (void)state;
    struct eg_calendar *cal = calendar(NULL, 0);
    struct eg_calendar_due due;
    int64_t from = at("2026-03-02T09:00");
    assert_int_equal(eg_calendar_due(cal, from, -1, NULL, 0, &due), EG_EINVAL);
    assert_int_equal(eg_calendar_due(cal, from, 3661, NULL, 0, &due), EG_EINVAL);
    assert_int_equal(eg_calendar_due(cal, from, 1, NULL, 1, &due), EG_EINVAL);
    struct eg_calendar_pause bad[][2] = {
        {{at("2026-03-01T10:00"), at("2026-03-03T10:00")}, {0, 0}}, /* before the intake */
        {{at("2026-03-04T10:00"), at("2026-03-04T10:00")}, {0, 0}}, /* empty */
        {{at("2026-03-04T10:00"), at("2026-03-03T10:00")}, {0, 0}}, /* backwards */
        {{at("2026-03-04T10:00"), at("2026-03-06T10:00")},
         {at("2026-03-05T10:00"), at("2026-03-09T10:00")}}, /* overlapping */
        {{at("2026-03-04T10:00"), EG_CALENDAR_OPEN},
         {at("2026-03-05T10:00"), at("2026-03-09T10:00")}}, /* open, then another */
    };
    for (size_t i = 0; i < EG_ARRAY_LEN(bad); i++) {
        size_t n = bad[i][1].from ? 2 : 1;
        assert_int_equal(eg_calendar_due(cal, from, 5, bad[i], n, &due), EG_EINVAL);
        int used;
        assert_int_equal(eg_calendar_elapsed(cal, from, bad[i], n, at("2026-03-20T10:00"), &used),
                         EG_EINVAL);
    }
    /* Outside the calendar's years: the intake, or a deadline past its end. */
    assert_int_equal(eg_calendar_due(cal, at("2025-12-31T10:00"), 1, NULL, 0, &due), EG_EINVAL);
    assert_int_equal(eg_calendar_due(cal, at("2029-12-28T10:00"), 5, NULL, 0, &due), EG_EINVAL);
    assert_int_equal(eg_calendar_due(cal, at("2029-12-31T18:00"), 0, NULL, 0, &due), EG_EINVAL);
    assert_int_equal(eg_calendar_due(cal, INT64_MAX, 0, NULL, 0, &due), EG_EINVAL);
    assert_int_equal(eg_calendar_due(cal, INT64_MIN, 0, NULL, 0, &due), EG_EINVAL);
    /* The longest deadline that fits. */
    assert_int_equal(eg_calendar_due(cal, at("2026-01-05T10:00"), 990, NULL, 0, &due), EG_OK);
    assert_int_equal(due.date.year, 2029);
    eg_calendar_free(cal);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_weekends),      cmocka_unit_test(test_holidays),
        cmocka_unit_test(test_swap),          cmocka_unit_test(test_after_hours),
        cmocka_unit_test(test_zero_days),     cmocka_unit_test(test_province_hours),
        cmocka_unit_test(test_pauses),        cmocka_unit_test(test_elapsed),
        cmocka_unit_test(test_bad_arguments),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
