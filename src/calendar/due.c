/*
 * due.c - deadlines in working days (Civil Code 2015 Arts. 147-148, DOMAIN-VN
 * §3.6), with the clock stopped while a dossier waits for a supplement.
 *
 * The clock runs in segments: from the intake to the first pause, from the end
 * of each pause to the start of the next, and from the end of the last one on.
 * Each segment starts on a "received" day, which is not counted (Art. 147: the
 * first day is not counted; the one-stop-shop rule: after working hours or on a
 * day off, the next working day). A working day is counted in a segment when
 * the clock was running as its working hours began: the day a pause starts is
 * counted if the pause starts after the opening time.
 */
#include "calendar_int.h"

#include <string.h>

#define MAX_WORKING_DAYS 3660

/* The day a segment starting at instant t counts from (not itself counted); -1 outside. */
static int64_t
received_day(const struct eg_calendar *cal, int64_t t)
{
    int minute;
    int64_t i = eg_cal_index(cal, eg_date_days(eg_date_of_ms(t, &minute)));
    if (i < 0)
        return -1;
    if (cal->working[i] && minute < eg_cal_close(cal))
        return i;
    for (i++; i < cal->ndays; i++)
        if (cal->working[i])
            return i;
    return -1;
}

/*
 * The last day the clock ran into before stopping at instant t: t's own day if
 * it is a working day whose hours had begun, else the working day before (or
 * -1 when there is none in the calendar: nothing before it counts anyway).
 * ok is false when t is after the calendar's years.
 */
static int64_t
last_running_day(const struct eg_calendar *cal, int64_t t, bool *ok)
{
    int minute;
    int64_t days = eg_date_days(eg_date_of_ms(t, &minute));
    int64_t i = days - cal->day0;
    *ok = i < cal->ndays;
    if (!*ok)
        return -1;
    if (i < 0)
        return -1;
    if (cal->working[i] && minute >= eg_cal_open(cal))
        return i;
    for (i--; i >= 0; i--)
        if (cal->working[i])
            return i;
    return -1;
}

/* Working days in (a, b], 0 when b <= a. */
static int
count(const struct eg_calendar *cal, int64_t a, int64_t b)
{
    if (b <= a)
        return 0;
    return cal->before[b + 1] - cal->before[a + 1];
}

/* The n-th working day after day a (n >= 1), or cal->ndays past the calendar's years. */
static int64_t
nth_after(const struct eg_calendar *cal, int64_t a, int n)
{
    int32_t target = cal->before[a + 1] + n;
    if (cal->before[cal->ndays] < target)
        return cal->ndays;
    /* The smallest j with before[j + 1] >= target. */
    int64_t lo = a + 1, hi = cal->ndays - 1;
    while (lo < hi) {
        int64_t mid = lo + (hi - lo) / 2;
        if (cal->before[mid + 1] >= target)
            hi = mid;
        else
            lo = mid + 1;
    }
    return lo;
}

/* When the working hours of day i end, UTC ms. */
static int64_t
close_of(const struct eg_calendar *cal, int64_t i)
{
    return eg_date_to_ms(eg_date_from_days(cal->day0 + i), eg_cal_close(cal));
}

static bool
pauses_ok(int64_t from, const struct eg_calendar_pause *pauses, size_t n)
{
    int64_t prev = from;
    for (size_t k = 0; k < n; k++) {
        if (pauses[k].from < prev || pauses[k].until <= pauses[k].from)
            return false;
        if (pauses[k].until == EG_CALENDAR_OPEN && k + 1 != n)
            return false;
        prev = pauses[k].until;
    }
    return true;
}

enum eg_err
eg_calendar_due(const struct eg_calendar *cal, int64_t from, int working_days,
                const struct eg_calendar_pause *pauses, size_t npauses, struct eg_calendar_due *out)
{
    memset(out, 0, sizeof(*out));
    if (working_days < 0 || working_days > MAX_WORKING_DAYS || (npauses && !pauses) ||
        !pauses_ok(from, pauses, npauses))
        return EG_EINVAL;
    int remaining = working_days;
    int64_t start = received_day(cal, from);
    if (start < 0)
        return EG_EINVAL;
    out->received = eg_date_from_days(cal->day0 + start);
    for (size_t k = 0;; k++) {
        int64_t due = remaining == 0 ? start : nth_after(cal, start, remaining);
        if (k == npauses || (due < cal->ndays && close_of(cal, due) <= pauses[k].from)) {
            /* No pause left, or the deadline passed before this pause began. */
            if (due >= cal->ndays)
                return EG_EINVAL;
            out->date = eg_date_from_days(cal->day0 + due);
            out->at = close_of(cal, due);
            return EG_OK;
        }
        bool ok;
        int64_t last = last_running_day(cal, pauses[k].from, &ok);
        if (!ok)
            return EG_EINVAL;
        int used = count(cal, start, last);
        remaining = used >= remaining ? 0 : remaining - used;
        if (pauses[k].until == EG_CALENDAR_OPEN) {
            out->paused = true;
            out->remaining = remaining;
            return EG_OK;
        }
        start = received_day(cal, pauses[k].until);
        if (start < 0)
            return EG_EINVAL;
    }
}

enum eg_err
eg_calendar_elapsed(const struct eg_calendar *cal, int64_t from,
                    const struct eg_calendar_pause *pauses, size_t npauses, int64_t at, int *out)
{
    *out = 0;
    if ((npauses && !pauses) || !pauses_ok(from, pauses, npauses))
        return EG_EINVAL;
    int64_t seg = from;
    int used = 0;
    for (size_t k = 0; seg < at; k++) {
        int64_t start = received_day(cal, seg);
        int64_t stop = k < npauses && pauses[k].from < at ? pauses[k].from : at;
        bool ok;
        int64_t last = last_running_day(cal, stop, &ok);
        if (start < 0 || !ok)
            return EG_EINVAL;
        used += count(cal, start, last);
        if (k >= npauses || pauses[k].from >= at || pauses[k].until == EG_CALENDAR_OPEN)
            break;
        seg = pauses[k].until;
    }
    *out = used;
    return EG_OK;
}
