/*
 * store.c - the calendar's data in the database (migration 0008): the days an
 * administrator enters and the working week, and loading a calendar.
 */
#include "calendar_int.h"

#include <stdlib.h>
#include <string.h>

#define ENTRIES_MAX 100000 /* a generous bound on one load (a few per year are normal) */

/* NFC, valid UTF-8, no control characters, 1..max bytes. */
static bool
good_text(const char *s, size_t max)
{
    if (!s)
        return false;
    size_t n = strlen(s);
    if (n == 0 || n > max || !eg_utf8_valid(s, n) || !eg_text_is_nfc(s, n))
        return false;
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
            return false;
    /* Not only blanks. */
    return strspn(s, " ") < n;
}

static bool
in_years(struct eg_date d)
{
    return eg_date_valid(d) && d.year >= EG_CALENDAR_FIRST_YEAR && d.year <= EG_CALENDAR_LAST_YEAR;
}

enum eg_err
eg_calendar_entry_add(struct eg_tx *tx, const struct eg_calendar_entry *e, const char *actor,
                      int64_t now_ms, struct eg_buf *msg)
{
    if (!in_years(e->date))
        return eg_cal_say(msg, EG_EINVAL, "date: một ngày có thật từ năm %d đến %d",
                          EG_CALENDAR_FIRST_YEAR, EG_CALENDAR_LAST_YEAR);
    if (e->kind != EG_CALENDAR_DAY_OFF && e->kind != EG_CALENDAR_WORKING_DAY)
        return eg_cal_say(msg, EG_EINVAL, "kind: day_off hoặc working_day");
    if (!good_text(e->name, EG_CALENDAR_NAME_MAX))
        return eg_cal_say(msg, EG_EINVAL,
                          "name: tên ngày, từ 1 đến %d byte, dạng NFC, không có ký tự điều khiển",
                          EG_CALENDAR_NAME_MAX);
    if (!good_text(e->document, EG_CALENDAR_DOCUMENT_MAX))
        return eg_cal_say(msg, EG_EINVAL,
                          "document: số, ký hiệu văn bản quyết định, từ 1 đến %d byte",
                          EG_CALENDAR_DOCUMENT_MAX);
    if (!eg_date_valid(e->document_date) || eg_date_cmp(e->document_date, e->date) > 0 ||
        e->document_date.year < EG_CALENDAR_FIRST_YEAR)
        return eg_cal_say(msg, EG_EINVAL,
                          "document_date: ngày ban hành văn bản, không sau ngày được quyết định");
    if (!actor || !*actor)
        return eg_cal_say(msg, EG_EINVAL, "thiếu người nhập");
    char day[EG_DATE_STR], doc_day[EG_DATE_STR];
    eg_date_format(e->date, day);
    eg_date_format(e->document_date, doc_day);
    struct eg_stmt *st = NULL;
    bool row;
    enum eg_err rc = eg_tx_prepare(tx,
                                   "INSERT INTO calendar_day (day, kind, name, document, "
                                   "document_date, created_by, created_at) "
                                   "VALUES (?, ?, ?, ?, ?, ?, ?)",
                                   &st);
    if (rc == EG_OK)
        rc = eg_stmt_bind_text(st, 1, day, SIZE_MAX);
    if (rc == EG_OK)
        rc = eg_stmt_bind_text(st, 2, eg_calendar_kind_str(e->kind), SIZE_MAX);
    if (rc == EG_OK)
        rc = eg_stmt_bind_text(st, 3, e->name, SIZE_MAX);
    if (rc == EG_OK)
        rc = eg_stmt_bind_text(st, 4, e->document, SIZE_MAX);
    if (rc == EG_OK)
        rc = eg_stmt_bind_text(st, 5, doc_day, SIZE_MAX);
    if (rc == EG_OK)
        rc = eg_stmt_bind_text(st, 6, actor, SIZE_MAX);
    if (rc == EG_OK)
        rc = eg_stmt_bind_i64(st, 7, now_ms);
    if (rc == EG_OK)
        rc = eg_stmt_step(st, &row);
    if (rc == EG_ECONFLICT)
        return eg_cal_say(msg, rc, "ngày %s đã được nhập; xoá ngày đó trước khi nhập lại", day);
    if (rc != EG_OK)
        return eg_cal_say(msg, rc, "không lưu được ngày %s", day);
    return EG_OK;
}

/* The entry in the current row of st (day, kind, name, document, document_date, created_by, created_at). */
static enum eg_err
row_json(struct eg_stmt *st, json_t **out)
{
    *out = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:I}", "date", eg_stmt_text(st, 0), "kind",
                     eg_stmt_text(st, 1), "name", eg_stmt_text(st, 2), "document",
                     eg_stmt_text(st, 3), "document_date", eg_stmt_text(st, 4), "created_by",
                     eg_stmt_text(st, 5), "created_at", (json_int_t)eg_stmt_i64(st, 6));
    return *out ? EG_OK : EG_ENOMEM;
}

#define ENTRY_COLUMNS "day, kind, name, document, document_date, created_by, created_at"

enum eg_err
eg_calendar_entry_remove(struct eg_tx *tx, struct eg_date date, json_t **removed)
{
    if (removed)
        *removed = NULL;
    if (!eg_date_valid(date))
        return EG_EINVAL;
    char day[EG_DATE_STR];
    eg_date_format(date, day);
    struct eg_stmt *st = NULL;
    bool row = false;
    json_t *was = NULL;
    enum eg_err rc =
        eg_tx_prepare(tx, "SELECT " ENTRY_COLUMNS " FROM calendar_day WHERE day = ?", &st);
    if (rc == EG_OK)
        rc = eg_stmt_bind_text(st, 1, day, SIZE_MAX);
    if (rc == EG_OK)
        rc = eg_stmt_step(st, &row);
    if (rc == EG_OK && !row)
        rc = EG_ENOTFOUND;
    if (rc == EG_OK)
        rc = row_json(st, &was);
    if (rc == EG_OK) {
        eg_stmt_reset(st);
        rc = eg_tx_prepare(tx, "DELETE FROM calendar_day WHERE day = ?", &st);
    }
    if (rc == EG_OK)
        rc = eg_stmt_bind_text(st, 1, day, SIZE_MAX);
    if (rc == EG_OK)
        rc = eg_stmt_step(st, &row);
    if (rc == EG_OK && removed) {
        *removed = was;
        was = NULL;
    }
    json_decref(was);
    return rc;
}

enum eg_err
eg_calendar_week_get(struct eg_tx *tx, struct eg_calendar_week *out)
{
    struct eg_stmt *st = NULL;
    bool row = false;
    enum eg_err rc =
        eg_tx_prepare(tx, "SELECT working_days, hours FROM calendar_week WHERE id = 1", &st);
    if (rc == EG_OK)
        rc = eg_stmt_step(st, &row);
    if (rc == EG_OK && !row)
        rc = EG_ENOTFOUND;
    if (rc == EG_OK &&
        eg_calendar_week_parse(eg_stmt_text(st, 0), eg_stmt_text(st, 1), out, NULL) != EG_OK) {
        eg_error("calendar_week holds a week that does not parse");
        rc = EG_EINTERNAL;
    }
    eg_stmt_reset(st);
    return rc;
}

enum eg_err
eg_calendar_week_set(struct eg_tx *tx, const struct eg_calendar_week *w, const char *actor,
                     int64_t now_ms, struct eg_buf *msg)
{
    enum eg_err rc = eg_calendar_week_check(w, msg);
    if (rc != EG_OK)
        return rc;
    if (!actor || !*actor)
        return eg_cal_say(msg, EG_EINVAL, "thiếu người nhập");
    struct eg_buf days = EG_BUF_INIT(16), hours = EG_BUF_INIT(128);
    struct eg_stmt *st = NULL;
    bool row;
    rc = eg_calendar_week_format(w, &days, &hours);
    if (rc == EG_OK)
        rc = eg_tx_prepare(tx,
                           "UPDATE calendar_week SET working_days = ?, hours = ?, "
                           "updated_by = ?, updated_at = ? WHERE id = 1",
                           &st);
    if (rc == EG_OK)
        rc = eg_stmt_bind_text(st, 1, eg_buf_str(&days), SIZE_MAX);
    if (rc == EG_OK)
        rc = eg_stmt_bind_text(st, 2, eg_buf_str(&hours), SIZE_MAX);
    if (rc == EG_OK)
        rc = eg_stmt_bind_text(st, 3, actor, SIZE_MAX);
    if (rc == EG_OK)
        rc = eg_stmt_bind_i64(st, 4, now_ms);
    if (rc == EG_OK)
        rc = eg_stmt_step(st, &row);
    if (rc == EG_OK && eg_stmt_changes(st) != 1)
        rc = EG_ENOTFOUND;
    eg_buf_release(&days);
    eg_buf_release(&hours);
    return rc;
}

/* The entries of years first..last, their strings in arena. */
static enum eg_err
read_entries(struct eg_tx *tx, int first, int last, struct eg_arena *arena,
             struct eg_calendar_entry **out, size_t *n)
{
    char from[EG_DATE_STR], to[EG_DATE_STR];
    eg_date_format((struct eg_date){first, 1, 1}, from);
    eg_date_format((struct eg_date){last, 12, 31}, to);
    struct eg_stmt *st = NULL;
    bool row = false;
    size_t cap = 0;
    struct eg_calendar_entry *v = NULL;
    *out = NULL;
    *n = 0;
    enum eg_err rc = eg_tx_prepare(tx,
                                   "SELECT " ENTRY_COLUMNS " FROM calendar_day "
                                   "WHERE day >= ? AND day <= ? ORDER BY day",
                                   &st);
    if (rc == EG_OK)
        rc = eg_stmt_bind_text(st, 1, from, SIZE_MAX);
    if (rc == EG_OK)
        rc = eg_stmt_bind_text(st, 2, to, SIZE_MAX);
    while (rc == EG_OK && (rc = eg_stmt_step(st, &row)) == EG_OK && row) {
        if (*n == ENTRIES_MAX) {
            rc = EG_ETOOBIG;
            break;
        }
        if (*n == cap) {
            size_t ncap = cap ? cap * 2 : 64;
            struct eg_calendar_entry *nv = eg_arena_alloc(arena, ncap * sizeof(*nv));
            if (!nv) {
                rc = EG_ENOMEM;
                break;
            }
            if (v)
                memcpy(nv, v, *n * sizeof(*nv));
            v = nv;
            cap = ncap;
        }
        struct eg_calendar_entry *e = &v[*n];
        memset(e, 0, sizeof(*e));
        if (eg_date_parse(eg_stmt_text(st, 0), &e->date) != EG_OK ||
            eg_calendar_kind_parse(eg_stmt_text(st, 1), &e->kind) != EG_OK ||
            eg_date_parse(eg_stmt_text(st, 4), &e->document_date) != EG_OK) {
            eg_error("calendar_day holds a row that does not parse");
            rc = EG_EINTERNAL;
            break;
        }
        e->name = eg_arena_strdup(arena, eg_stmt_text(st, 2));
        e->document = eg_arena_strdup(arena, eg_stmt_text(st, 3));
        e->created_by = eg_arena_strdup(arena, eg_stmt_text(st, 5));
        e->created_at = eg_stmt_i64(st, 6);
        if (!e->name || !e->document || !e->created_by) {
            rc = EG_ENOMEM;
            break;
        }
        (*n)++;
    }
    eg_stmt_reset(st);
    *out = v;
    return rc;
}

enum eg_err
eg_calendar_load(struct eg_db *db, int first_year, int last_year, struct eg_calendar **out)
{
    *out = NULL;
    if (first_year < EG_CALENDAR_FIRST_YEAR || last_year > EG_CALENDAR_LAST_YEAR ||
        first_year > last_year)
        return EG_EINVAL;
    struct eg_arena *arena = eg_arena_new((size_t)16 * 1024, (size_t)256 * 1024 * 1024);
    if (!arena)
        return EG_ENOMEM;
    struct eg_tx *tx = NULL;
    struct eg_calendar_week week;
    struct eg_calendar_entry *entries = NULL;
    size_t n = 0;
    enum eg_err rc = eg_db_begin(db, EG_TX_READ, &tx);
    if (rc == EG_OK)
        rc = eg_calendar_week_get(tx, &week);
    if (rc == EG_OK)
        rc = read_entries(tx, first_year, last_year, arena, &entries, &n);
    eg_tx_rollback(tx);
    if (rc == EG_OK)
        rc = eg_calendar_build(&week, entries, n, first_year, last_year, out, NULL);
    eg_arena_free(arena);
    return rc;
}
