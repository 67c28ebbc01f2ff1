/*
 * calendar.h - working days in Asia/Ho_Chi_Minh, and legal deadlines counted
 * in them (docs/calendar.md).
 *
 * Owns: plain local dates; the Vietnamese lunar calendar (âm lịch), computed
 * from the astronomy (Meeus) and the published rules, 1900-2100; the public
 * holidays of the Labour Code 2019 Art. 112 with the compensatory days of
 * Art. 111(3); the days an administrator enters from the deciding documents
 * (make-up Saturdays, swaps, extra days off) and the province's working week
 * and hours (tables calendar_day and calendar_week, migration 0008); and the
 * counting of deadlines by Civil Code Arts. 147-148.
 *
 * Time: Asia/Ho_Chi_Minh is UTC+7 without daylight saving. Instants cross this
 * API as UTC milliseconds (int64_t); calendar days as struct eg_date, a plain
 * local date. No function here reads the clock.
 *
 * Ownership and threads: the lunar and date functions are pure (no state at
 * all). A struct eg_calendar is built once (eg_calendar_load from the
 * database, or eg_calendar_build from data in memory) and never changes
 * afterwards: any number of threads may query it at once without locks. Its
 * owner frees it with eg_calendar_free(); pointers it hands out live as long
 * as it does. The storage functions take the caller's transaction; the caller
 * writes the audit entry in the same transaction.
 */
#ifndef EG_CALENDAR_H
#define EG_CALENDAR_H

#include "core/core.h"
#include "db/db.h"

/* ---- plain dates ------------------------------------------------------------------- */

/* A day of the (proleptic) Gregorian calendar, as people in Viet Nam name it. */
struct eg_date {
    int year;
    int month; /* 1..12 */
    int day;   /* 1..31 */
};

#define EG_DATE_STR 11     /* "2026-02-17" and its NUL */
#define EG_DATETIME_STR 17 /* "2026-02-17T07:30" and its NUL */

/* A real date with a year from 1 to 9999. */
bool eg_date_valid(struct eg_date d);
/* Days since 1970-01-01 (negative before), and back. d must be valid. */
int64_t eg_date_days(struct eg_date d);
struct eg_date eg_date_from_days(int64_t days);
/* d plus n days. */
struct eg_date eg_date_add(struct eg_date d, int64_t n);
/* <0, 0, >0 as a is before, the same as, after b. */
int eg_date_cmp(struct eg_date a, struct eg_date b);
/* ISO weekday: 1 Monday .. 7 Sunday. */
int eg_date_weekday(struct eg_date d);
/* Exactly "YYYY-MM-DD" naming a real date (years 0001-9999); EG_EINVAL otherwise. */
EG_WUR enum eg_err eg_date_parse(const char *s, struct eg_date *out);
void eg_date_format(struct eg_date d, char out[EG_DATE_STR]);

/* The local date of an instant, and the minute of that local day (0..1439) if asked. */
struct eg_date eg_date_of_ms(int64_t utc_ms, int *minute);
/* The instant at which local date d reaches minute (0..1440) of its day. */
int64_t eg_date_to_ms(struct eg_date d, int minute);
/* Local time "YYYY-MM-DDTHH:MM" (00:00-23:59) to UTC milliseconds; EG_EINVAL otherwise. */
EG_WUR enum eg_err eg_datetime_parse(const char *s, int64_t *utc_ms);
/* An instant as local time "YYYY-MM-DDTHH:MM" (seconds are cut). */
void eg_datetime_format(int64_t utc_ms, char out[EG_DATETIME_STR]);

/* ---- the lunar calendar -------------------------------------------------------------- */

/*
 * The Vietnamese lunar calendar as published: months start on the local
 * (UTC+7) day of the new moon; month 11 holds the winter solstice; a year of
 * 13 months makes its first month without a major solar term (trung khí)
 * leap, numbered like the month before it. Written from Jean Meeus,
 * Astronomical Algorithms (2nd ed., 1998), chapters 7, 25 and 49, and the
 * rules in DOMAIN-VN §5.2; see docs/calendar.md.
 *
 * Solar dates from 1900-01-01 to 2100-12-31 convert; anything else, and any
 * lunar date that does not exist (day 30 of a short month, a leap month the
 * year does not have) or falls outside that span, is EG_EINVAL.
 */
#define EG_LUNAR_FIRST_YEAR 1900
#define EG_LUNAR_LAST_YEAR 2100

struct eg_lunar_date {
    int day;   /* 1..30 */
    int month; /* 1..12; 1 is tháng Giêng, 12 tháng Chạp */
    int year;  /* the Gregorian year in which the lunar year begins */
    bool leap; /* a leap month (tháng nhuận), numbered like the month before */
};

EG_WUR enum eg_err eg_lunar_from_solar(struct eg_date d, struct eg_lunar_date *out);
EG_WUR enum eg_err eg_lunar_to_solar(const struct eg_lunar_date *l, struct eg_date *out);
/*
 * The leap month of lunar year `year` (1900-2099): its number, or 0 when the
 * year has twelve months.
 */
EG_WUR enum eg_err eg_lunar_leap_month(int year, int *month);
#define EG_LUNAR_NAME_MAX 32
/* The lunar year's name in the sexagenary cycle (can chi), NFC: "Bính Ngọ" for 2026. */
void eg_lunar_year_name(int year, char out[EG_LUNAR_NAME_MAX]);

/* ---- the province's working week ------------------------------------------------------ */

#define EG_CALENDAR_MAX_PERIODS 4

/* Working hours of one day, in minutes after local midnight: [start, end). */
struct eg_calendar_period {
    int start;
    int end;
};

struct eg_calendar_week {
    bool working[8]; /* by ISO weekday, [1] Monday .. [7] Sunday; [0] unused */
    int nperiods;    /* 1..EG_CALENDAR_MAX_PERIODS, in order, not overlapping */
    struct eg_calendar_period periods[EG_CALENDAR_MAX_PERIODS];
};

/* Monday to Friday, 07:00-11:30 and 13:30-17:00: the default of migration 0008. */
void eg_calendar_week_default(struct eg_calendar_week *w);
/*
 * days: ISO weekday digits, "12345" (Monday to Friday) or "123456"; hours:
 * "07:00-11:30,13:30-17:00". At least one working day and one period; periods
 * in order, not overlapping, within 00:00-24:00. msg says what is wrong.
 */
EG_WUR enum eg_err eg_calendar_week_parse(const char *days, const char *hours,
                                          struct eg_calendar_week *out, struct eg_buf *msg);
/* The two strings eg_calendar_week_parse() reads, appended to days and hours. */
EG_WUR enum eg_err eg_calendar_week_format(const struct eg_calendar_week *w, struct eg_buf *days,
                                           struct eg_buf *hours);
/* Checks a week built by hand; EG_EINVAL with msg. */
EG_WUR enum eg_err eg_calendar_week_check(const struct eg_calendar_week *w, struct eg_buf *msg);

/* ---- days an administrator enters ---------------------------------------------------- */

enum eg_calendar_kind {
    EG_CALENDAR_DAY_OFF,     /* a day off: a swap's day off, an extra holiday */
    EG_CALENDAR_WORKING_DAY, /* a working day: a make-up Saturday (làm bù), a cancelled day off */
};
const char *eg_calendar_kind_str(enum eg_calendar_kind k); /* "day_off", "working_day" */
EG_WUR enum eg_err eg_calendar_kind_parse(const char *s, enum eg_calendar_kind *out);

#define EG_CALENDAR_NAME_MAX 200     /* bytes */
#define EG_CALENDAR_DOCUMENT_MAX 100 /* bytes */

/*
 * One day as the deciding document sets it (the Prime Minister's decision on
 * the Tết break, the Ministry's notice of a swap). An entry always wins over
 * the computed calendar for its date.
 */
struct eg_calendar_entry {
    struct eg_date date;
    enum eg_calendar_kind kind;
    const char *name;     /* "Làm bù cho thứ Hai 31/8", NFC, no control characters */
    const char *document; /* the document's number and notation, "1234/QĐ-TTg" */
    struct eg_date document_date;
    const char *created_by; /* set when read back */
    int64_t created_at;     /* UTC ms; set when read back */
};

/*
 * Stores an entry (its date between 1900 and 2100, one entry per date:
 * EG_ECONFLICT when the date has one). actor is who entered it
 * ("operator:root", "account:42"). The caller audits it in the same tx.
 */
EG_WUR enum eg_err eg_calendar_entry_add(struct eg_tx *tx, const struct eg_calendar_entry *e,
                                         const char *actor, int64_t now_ms, struct eg_buf *msg);
/*
 * Removes the entry of date; EG_ENOTFOUND when there is none. *removed (if
 * asked) is the entry as it was, {"date","kind","name","document",
 * "document_date","created_by","created_at"}, owned by the caller: the audit
 * entry's detail.
 */
EG_WUR enum eg_err eg_calendar_entry_remove(struct eg_tx *tx, struct eg_date date,
                                            json_t **removed);
/* The working week and hours stored for this installation. */
EG_WUR enum eg_err eg_calendar_week_get(struct eg_tx *tx, struct eg_calendar_week *out);
EG_WUR enum eg_err eg_calendar_week_set(struct eg_tx *tx, const struct eg_calendar_week *w,
                                        const char *actor, int64_t now_ms, struct eg_buf *msg);

/* ---- the calendar in memory --------------------------------------------------------- */

struct eg_calendar;

/* The widest span a calendar may cover: the lunar calendar's. */
#define EG_CALENDAR_FIRST_YEAR EG_LUNAR_FIRST_YEAR
#define EG_CALENDAR_LAST_YEAR EG_LUNAR_LAST_YEAR

/*
 * The calendar of years first_year..last_year (1900-2100): the week and hours
 * and the entries of those years from the database (one read transaction),
 * with the holidays computed. Queries outside the years are EG_EINVAL, so load
 * a year or two past the longest deadline you count.
 */
EG_WUR enum eg_err eg_calendar_load(struct eg_db *db, int first_year, int last_year,
                                    struct eg_calendar **out);
/* The same from data in memory (entries outside the years are ignored). */
EG_WUR enum eg_err eg_calendar_build(const struct eg_calendar_week *week,
                                     const struct eg_calendar_entry *entries, size_t n,
                                     int first_year, int last_year, struct eg_calendar **out,
                                     struct eg_buf *msg);
/* NULL-safe. */
void eg_calendar_free(struct eg_calendar *cal);
void eg_calendar_years(const struct eg_calendar *cal, int *first_year, int *last_year);
const struct eg_calendar_week *eg_calendar_get_week(const struct eg_calendar *cal);

/* Whether people work on d: the week, the holidays, compensatory days, then entries. */
EG_WUR enum eg_err eg_calendar_is_working_day(const struct eg_calendar *cal, struct eg_date d,
                                              bool *out);
/* The first working day after d (d itself never). */
EG_WUR enum eg_err eg_calendar_next_working_day(const struct eg_calendar *cal, struct eg_date d,
                                                struct eg_date *out);
/*
 * Working days in (from, to]: from is not counted, to is (Civil Code Art. 147);
 * negative, -(working days in (to, from]), when to is before from. Compare a
 * completion date with a due date to say how many working days early or late.
 */
EG_WUR enum eg_err eg_calendar_working_days_between(const struct eg_calendar *cal,
                                                    struct eg_date from, struct eg_date to,
                                                    int *out);

/* ---- deadlines -------------------------------------------------------------------------- */

/* A pause's `until` while the dossier is still waiting for its supplement. */
#define EG_CALENDAR_OPEN INT64_MAX

/*
 * The clock stopped at `from` (a supplement was requested) until `until` (the
 * dossier was complete again), both UTC ms. Pauses are given in order, do not
 * overlap, start at or after the intake, and only the last may be open.
 */
struct eg_calendar_pause {
    int64_t from;
    int64_t until;
};

struct eg_calendar_due {
    struct eg_date received; /* the day the intake counts on (not itself counted) */
    struct eg_date date;     /* the last working day of the deadline */
    int64_t at;              /* the end of that day's working hours (17:00), UTC ms */
    bool paused;             /* an open pause stopped the clock: date and at are unset */
    int remaining;           /* paused: working days still left when the clock stopped */
};

/*
 * The deadline of working_days (0..3660) working days for a dossier received
 * at `from` (UTC ms), by Civil Code Arts. 147-148 and the one-stop-shop rules
 * (docs/calendar.md):
 *   - received on a working day before the end of its working hours, the
 *     intake counts on that day; after them, or on a day off, on the next
 *     working day. That day is not counted;
 *   - the deadline is the working_days-th working day after it, and ends when
 *     that day's working hours end (out->at); 0 days is the intake day itself;
 *   - during a pause the clock stops: a working day counts if the clock was
 *     running when its working hours began, and the day the clock starts
 *     again is not counted (like an intake). A deadline that had already
 *     passed when a pause began stays where it was.
 * EG_EINVAL for bad arguments or a deadline outside the calendar's years.
 */
EG_WUR enum eg_err eg_calendar_due(const struct eg_calendar *cal, int64_t from, int working_days,
                                   const struct eg_calendar_pause *pauses, size_t npauses,
                                   struct eg_calendar_due *out);
/*
 * The working days used by `at` (UTC ms) of a deadline counted from `from`
 * with those pauses: the counted days whose working hours had begun by then.
 * working_days - *out is what is left (negative once overdue).
 */
EG_WUR enum eg_err eg_calendar_elapsed(const struct eg_calendar *cal, int64_t from,
                                       const struct eg_calendar_pause *pauses, size_t npauses,
                                       int64_t at, int *out);

/* ---- what a year holds ------------------------------------------------------------------ */

enum eg_calendar_reason {
    EG_CALENDAR_HOLIDAY,      /* a public holiday, Labour Code Art. 112 */
    EG_CALENDAR_COMPENSATORY, /* a day off for a holiday on a weekly rest day, Art. 111(3) */
    EG_CALENDAR_ENTERED,      /* an administrator's entry */
};
const char *eg_calendar_reason_str(enum eg_calendar_reason r); /* "holiday" ... */

struct eg_calendar_holiday {
    struct eg_date date;
    enum eg_calendar_reason reason;
    enum eg_calendar_kind kind; /* holidays and compensatory days are days off */
    const char *name;           /* Vietnamese */
    const char *name_en;        /* NULL for entries */
    const char *document;       /* entries: the deciding document; else NULL */
    struct eg_date document_date;
    const char *created_by; /* entries */
    bool working;           /* what the date finally is: an entry may override a holiday */
};

/*
 * The holidays, compensatory days and entries of one year of the calendar,
 * by date (computed days before an entry of the same date). *items lives as
 * long as cal.
 */
EG_WUR enum eg_err eg_calendar_holidays(const struct eg_calendar *cal, int year,
                                        const struct eg_calendar_holiday **items, size_t *n);

#endif /* EG_CALENDAR_H */
