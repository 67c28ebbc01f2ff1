/*
 * calendar_int.h - what the files of src/calendar share; included nowhere else.
 */
#ifndef EG_CALENDAR_INT_H
#define EG_CALENDAR_INT_H

#include "calendar.h"

/* ---- lunar.c: the lunar calendar on day numbers (days since 1970-01-01) ------------- */

/*
 * Without the 1900-2100 fence of the public functions: the astronomy holds
 * for centuries around 2000, and the calendar's own computations reach a
 * little outside (month 11 of 1898 for January 1900).
 */
void eg_cal_lunar_of_days(int64_t days, struct eg_lunar_date *out);
/* false when the lunar date does not exist. */
bool eg_cal_lunar_to_days(const struct eg_lunar_date *l, int64_t *days);
/* The first day of lunar year `year` (Tết Nguyên đán). */
int64_t eg_cal_lunar_new_year(int year);

/* ---- calendar.c: the calendar in memory ---------------------------------------------- */

struct eg_calendar {
    struct eg_arena *arena; /* everything below */
    struct eg_calendar_week week;
    int first_year;
    int last_year;
    int64_t day0; /* days since 1970-01-01 of January 1 of first_year */
    int32_t ndays;
    uint8_t *working; /* [ndays]: 1 on a working day */
    int32_t *before;  /* [ndays + 1]: working days in [0, i) */
    struct eg_calendar_holiday *items;
    size_t nitems;
    size_t *year_item; /* [nyears + 1]: the first item of each year */
};

/* The index of local date `days` in cal, or -1 outside its years. */
static inline int64_t
eg_cal_index(const struct eg_calendar *cal, int64_t days)
{
    int64_t i = days - cal->day0;
    return i >= 0 && i < cal->ndays ? i : -1;
}

/* Minutes after midnight at which the working day opens and closes. */
static inline int
eg_cal_open(const struct eg_calendar *cal)
{
    return cal->week.periods[0].start;
}

static inline int
eg_cal_close(const struct eg_calendar *cal)
{
    return cal->week.periods[cal->week.nperiods - 1].end;
}

/* Sets msg to a sentence (NULL-safe) and returns rc. */
enum eg_err eg_cal_say(struct eg_buf *msg, enum eg_err rc, const char *fmt, ...) EG_PRINTF(3, 4);

#endif /* EG_CALENDAR_INT_H */
