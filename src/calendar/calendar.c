/*
 * calendar.c - the calendar in memory: a flag per day of the years it covers
 * and a running count of working days, so every query is a lookup.
 *
 * A day is a working day when the province's week says so, unless it is a
 * public holiday of the Labour Code 2019 Art. 112 or a compensatory day of
 * Art. 111(3); an administrator's entry overrides all of that for its date.
 * The rules and where each comes from are in docs/calendar.md.
 */
#include "calendar_int.h"

#include <stdlib.h>
#include <string.h>

#define FLAG_HOLIDAY 1
#define FLAG_COMPENSATORY 2
#define FLAG_ENTERED 4

enum holiday {
    NEW_YEAR,
    TET,
    HUNG_KINGS,
    VICTORY,
    LABOUR,
    NATIONAL,
    NATIONAL_ADJACENT,
};

/* Art. 112(1) a) to e), in the words of the Code, and the names of their compensatory days. */
static const struct {
    const char *name, *name_en, *comp, *comp_en;
} holiday_names[] = {
    [NEW_YEAR] = {"Tết Dương lịch", "New Year's Day", "Nghỉ bù Tết Dương lịch",
                  "Compensatory day off for New Year's Day"},
    [TET] = {"Tết Âm lịch", "Lunar New Year (Tết)", "Nghỉ bù Tết Âm lịch",
             "Compensatory day off for the Lunar New Year"},
    [HUNG_KINGS] = {"Giỗ Tổ Hùng Vương (10/3 âm lịch)", "Hung Kings' Commemoration Day",
                    "Nghỉ bù Giỗ Tổ Hùng Vương",
                    "Compensatory day off for the Hung Kings' Commemoration Day"},
    [VICTORY] = {"Ngày Chiến thắng", "Victory Day (Reunification Day)", "Nghỉ bù Ngày Chiến thắng",
                 "Compensatory day off for Victory Day"},
    [LABOUR] = {"Ngày Quốc tế lao động", "International Labour Day",
                "Nghỉ bù Ngày Quốc tế lao động", "Compensatory day off for Labour Day"},
    [NATIONAL] = {"Quốc khánh", "National Day", "Nghỉ bù Quốc khánh",
                  "Compensatory day off for National Day"},
    [NATIONAL_ADJACENT] = {"Quốc khánh (ngày liền kề)", "National Day (adjacent day)",
                           "Nghỉ bù Quốc khánh", "Compensatory day off for National Day"},
};

struct computed {
    int64_t day;
    enum holiday what;
};

static int64_t
days_of(int y, int m, int d)
{
    return eg_date_days((struct eg_date){y, m, d});
}

/*
 * The public holidays of year y in date order (at most 11), Art. 112(1):
 *  a) 1 January;
 *  b) Tết, five days; the Prime Minister picks them each year (Art. 112(3)). By
 *     default the last two days of the old lunar year and the first three of
 *     the new one, which with the compensatory days gives the break of every
 *     decision from 2018 to 2026 (docs/calendar.md);
 *  c) 30 April; d) 1 May;
 *  đ) 2 September and the day before or after it, also picked each year: by
 *     default the one that joins a weekend (3 September when the 2nd is a
 *     Monday or a Thursday, otherwise 1 September), as from 2021 to 2026;
 *  e) the 10th of the 3rd lunar month (never the leap 3rd month).
 */
static size_t
public_holidays(int y, struct computed out[11])
{
    size_t n = 0;
    out[n++] = (struct computed){days_of(y, 1, 1), NEW_YEAR};
    int64_t tet = eg_cal_lunar_new_year(y);
    for (int i = -2; i < 3; i++)
        out[n++] = (struct computed){tet + i, TET};
    struct eg_lunar_date hung = {10, 3, y, false};
    int64_t hung_day = 0;
    bool ok = eg_cal_lunar_to_days(&hung, &hung_day);
    EG_ASSERT(ok);
    out[n++] = (struct computed){hung_day, HUNG_KINGS};
    out[n++] = (struct computed){days_of(y, 4, 30), VICTORY};
    out[n++] = (struct computed){days_of(y, 5, 1), LABOUR};
    int64_t national = days_of(y, 9, 2);
    int wd = eg_date_weekday(eg_date_from_days(national));
    int64_t adjacent = wd == 1 || wd == 4 ? national + 1 : national - 1;
    if (adjacent < national)
        out[n++] = (struct computed){adjacent, NATIONAL_ADJACENT};
    out[n++] = (struct computed){national, NATIONAL};
    if (adjacent > national)
        out[n++] = (struct computed){adjacent, NATIONAL_ADJACENT};
    /* Giỗ Tổ (late March to early May) may fall after 30 April or 1 May. */
    for (size_t i = 1; i < n; i++)
        for (size_t j = i; j > 0 && out[j].day < out[j - 1].day; j--) {
            struct computed t = out[j];
            out[j] = out[j - 1];
            out[j - 1] = t;
        }
    return n;
}

static int
item_cmp(const void *a, const void *b)
{
    const struct eg_calendar_holiday *x = a, *y = b;
    int c = eg_date_cmp(x->date, y->date);
    if (c)
        return c;
    if (x->reason != y->reason)
        return x->reason < y->reason ? -1 : 1;
    return strcmp(x->name, y->name);
}

static bool
weekly_working(const struct eg_calendar *cal, int64_t i)
{
    return cal->week.working[eg_date_weekday(eg_date_from_days(cal->day0 + i))];
}

static enum eg_err
check_entries(const struct eg_calendar_entry *entries, size_t n, struct eg_buf *msg)
{
    for (size_t i = 0; i < n; i++) {
        const struct eg_calendar_entry *e = &entries[i];
        if (!eg_date_valid(e->date) || !e->name || !e->document ||
            (e->kind != EG_CALENDAR_DAY_OFF && e->kind != EG_CALENDAR_WORKING_DAY))
            return eg_cal_say(msg, EG_EINVAL, "ngày nhập thứ %zu không hợp lệ", i + 1);
    }
    return EG_OK;
}

/* Room for the days and items; the flags of the holidays, their items. */
static enum eg_err
lay_out(struct eg_calendar *cal, size_t nentries, uint8_t **flags)
{
    cal->day0 = days_of(cal->first_year, 1, 1);
    cal->ndays = (int32_t)(days_of(cal->last_year + 1, 1, 1) - cal->day0);
    size_t nyears = (size_t)cal->last_year - (size_t)cal->first_year + 1;
    size_t cap = nyears * 22 + nentries; /* 11 holidays and at most as many compensatory days */
    cal->working = eg_arena_zalloc(cal->arena, (size_t)cal->ndays);
    cal->before = eg_arena_alloc(cal->arena, ((size_t)cal->ndays + 1) * sizeof(int32_t));
    cal->items = eg_arena_zalloc(cal->arena, cap * sizeof(*cal->items));
    cal->year_item = eg_arena_zalloc(cal->arena, (nyears + 1) * sizeof(size_t));
    *flags = eg_arena_zalloc(cal->arena, (size_t)cal->ndays);
    if (!cal->working || !cal->before || !cal->items || !cal->year_item || !*flags)
        return EG_ENOMEM;
    return EG_OK;
}

static void
add_item(struct eg_calendar *cal, int64_t day, enum eg_calendar_reason reason, const char *name,
         const char *name_en)
{
    struct eg_calendar_holiday *h = &cal->items[cal->nitems++];
    h->date = eg_date_from_days(day);
    h->reason = reason;
    h->kind = EG_CALENDAR_DAY_OFF;
    h->name = name;
    h->name_en = name_en;
}

/*
 * Art. 111(3): a holiday on a weekly rest day gives a day off on the next
 * working day, one that is neither a holiday nor already a compensatory day.
 * Holidays are taken in date order, so Tết on a Saturday and a Sunday gives
 * the next two working days after the rest of the break.
 */
static void
compensate(struct eg_calendar *cal, uint8_t *flags, const struct computed *h, size_t nh)
{
    for (size_t k = 0; k < nh; k++) {
        int64_t i = eg_cal_index(cal, h[k].day);
        if (i < 0 || weekly_working(cal, i))
            continue;
        int64_t j = i + 1;
        while (j < cal->ndays && (!weekly_working(cal, j) || flags[j]))
            j++;
        if (j >= cal->ndays)
            continue; /* beyond the calendar's years */
        flags[j] |= FLAG_COMPENSATORY;
        add_item(cal, cal->day0 + j, EG_CALENDAR_COMPENSATORY, holiday_names[h[k].what].comp,
                 holiday_names[h[k].what].comp_en);
    }
}

static enum eg_err
add_entries(struct eg_calendar *cal, uint8_t *flags, const struct eg_calendar_entry *entries,
            size_t n, struct eg_buf *msg)
{
    for (size_t k = 0; k < n; k++) {
        const struct eg_calendar_entry *e = &entries[k];
        int64_t i = eg_cal_index(cal, eg_date_days(e->date));
        if (i < 0)
            continue;
        if (flags[i] & FLAG_ENTERED)
            return eg_cal_say(msg, EG_EINVAL, "ngày %04d-%02d-%02d được nhập hai lần", e->date.year,
                              e->date.month, e->date.day);
        flags[i] |= FLAG_ENTERED;
        cal->working[i] = e->kind == EG_CALENDAR_WORKING_DAY;
        struct eg_calendar_holiday *h = &cal->items[cal->nitems++];
        h->date = e->date;
        h->reason = EG_CALENDAR_ENTERED;
        h->kind = e->kind;
        h->name = eg_arena_strdup(cal->arena, e->name);
        h->document = eg_arena_strdup(cal->arena, e->document);
        h->document_date = e->document_date;
        h->created_by = e->created_by ? eg_arena_strdup(cal->arena, e->created_by) : NULL;
        if (!h->name || !h->document || (e->created_by && !h->created_by))
            return EG_ENOMEM;
    }
    return EG_OK;
}

enum eg_err
eg_calendar_build(const struct eg_calendar_week *week, const struct eg_calendar_entry *entries,
                  size_t n, int first_year, int last_year, struct eg_calendar **out,
                  struct eg_buf *msg)
{
    *out = NULL;
    if (first_year < EG_CALENDAR_FIRST_YEAR || last_year > EG_CALENDAR_LAST_YEAR ||
        first_year > last_year)
        return eg_cal_say(msg, EG_EINVAL, "lịch chỉ tính được các năm %d-%d",
                          EG_CALENDAR_FIRST_YEAR, EG_CALENDAR_LAST_YEAR);
    enum eg_err rc = eg_calendar_week_check(week, msg);
    if (rc == EG_OK)
        rc = check_entries(entries, n, msg);
    if (rc != EG_OK)
        return rc;
    struct eg_calendar *cal = calloc(1, sizeof(*cal));
    if (!cal)
        return EG_ENOMEM;
    cal->arena = eg_arena_new((size_t)64 * 1024, (size_t)64 * 1024 * 1024);
    cal->week = *week;
    cal->first_year = first_year;
    cal->last_year = last_year;
    uint8_t *flags = NULL;
    rc = cal->arena ? lay_out(cal, n, &flags) : EG_ENOMEM;
    size_t nyears = (size_t)last_year - (size_t)first_year + 1;
    struct computed *hol = rc == EG_OK ? malloc(nyears * 11 * sizeof(*hol)) : NULL;
    if (rc == EG_OK && !hol)
        rc = EG_ENOMEM;
    if (rc != EG_OK)
        goto out;
    size_t nh = 0;
    for (int y = first_year; y <= last_year; y++)
        nh += public_holidays(y, hol + nh);
    for (size_t k = 0; k < nh; k++) {
        int64_t i = eg_cal_index(cal, hol[k].day);
        if (i < 0)
            continue; /* Tết's first days in the January before the first year */
        flags[i] |= FLAG_HOLIDAY;
        add_item(cal, hol[k].day, EG_CALENDAR_HOLIDAY, holiday_names[hol[k].what].name,
                 holiday_names[hol[k].what].name_en);
    }
    compensate(cal, flags, hol, nh);
    for (int32_t i = 0; i < cal->ndays; i++)
        cal->working[i] = weekly_working(cal, i) && !flags[i];
    rc = add_entries(cal, flags, entries, n, msg);
    if (rc != EG_OK)
        goto out;
    cal->before[0] = 0;
    for (int32_t i = 0; i < cal->ndays; i++)
        cal->before[i + 1] = cal->before[i] + cal->working[i];
    qsort(cal->items, cal->nitems, sizeof(*cal->items), item_cmp);
    size_t k = 0;
    for (size_t y = 0; y <= nyears; y++) {
        while (k < cal->nitems && (size_t)(cal->items[k].date.year - first_year) < y)
            k++;
        cal->year_item[y] = k;
    }
    for (k = 0; k < cal->nitems; k++)
        cal->items[k].working =
            cal->working[eg_cal_index(cal, eg_date_days(cal->items[k].date))] != 0;
out:
    free(hol);
    if (rc != EG_OK) {
        eg_calendar_free(cal);
        return rc;
    }
    *out = cal;
    return EG_OK;
}

void
eg_calendar_free(struct eg_calendar *cal)
{
    if (!cal)
        return;
    eg_arena_free(cal->arena);
    free(cal);
}

void
eg_calendar_years(const struct eg_calendar *cal, int *first_year, int *last_year)
{
    *first_year = cal->first_year;
    *last_year = cal->last_year;
}

const struct eg_calendar_week *
eg_calendar_get_week(const struct eg_calendar *cal)
{
    return &cal->week;
}

/* The index of a valid date inside the calendar, or -1. */
static int64_t
index_of(const struct eg_calendar *cal, struct eg_date d)
{
    return eg_date_valid(d) ? eg_cal_index(cal, eg_date_days(d)) : -1;
}

enum eg_err
eg_calendar_is_working_day(const struct eg_calendar *cal, struct eg_date d, bool *out)
{
    int64_t i = index_of(cal, d);
    if (i < 0)
        return EG_EINVAL;
    *out = cal->working[i] != 0;
    return EG_OK;
}

enum eg_err
eg_calendar_next_working_day(const struct eg_calendar *cal, struct eg_date d, struct eg_date *out)
{
    int64_t i = index_of(cal, d);
    if (i < 0)
        return EG_EINVAL;
    for (int64_t j = i + 1; j < cal->ndays; j++)
        if (cal->working[j]) {
            *out = eg_date_from_days(cal->day0 + j);
            return EG_OK;
        }
    return EG_EINVAL;
}

enum eg_err
eg_calendar_working_days_between(const struct eg_calendar *cal, struct eg_date from,
                                 struct eg_date to, int *out)
{
    int64_t a = index_of(cal, from), b = index_of(cal, to);
    if (a < 0 || b < 0)
        return EG_EINVAL;
    /* Working days in (a, b] are those in [a + 1, b + 1). */
    if (b >= a)
        *out = cal->before[b + 1] - cal->before[a + 1];
    else
        *out = -(cal->before[a + 1] - cal->before[b + 1]);
    return EG_OK;
}

enum eg_err
eg_calendar_holidays(const struct eg_calendar *cal, int year,
                     const struct eg_calendar_holiday **items, size_t *n)
{
    if (year < cal->first_year || year > cal->last_year)
        return EG_EINVAL;
    size_t y = (size_t)(year - cal->first_year);
    *items = cal->items + cal->year_item[y];
    *n = cal->year_item[y + 1] - cal->year_item[y];
    return EG_OK;
}
