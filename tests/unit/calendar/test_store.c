/*
 * test_store.c - the calendar's data on both drivers (migration 0008): adding
 * and removing the days an administrator enters, refusals that store nothing,
 * the working week, and loading a calendar that uses both.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "calendar/calendar.h"
#include "db/dbtest.h"

#define NOW INT64_C(1767225600000) /* 2026-01-01T00:00:00Z */

static const struct eg_calendar_entry make_up = {
    .date = {2026, 8, 22},
    .kind = EG_CALENDAR_WORKING_DAY,
    .name = "Làm bù cho thứ Hai 31/8/2026",
    .document = "Thông báo 1234/TB-BNV",
    .document_date = {2025, 10, 17},
};

static const struct eg_calendar_entry swap_off = {
    .date = {2026, 8, 31},
    .kind = EG_CALENDAR_DAY_OFF,
    .name = "Nghỉ hoán đổi",
    .document = "Thông báo 1234/TB-BNV",
    .document_date = {2025, 10, 17},
};

static enum eg_err
add(struct eg_db *db, const struct eg_calendar_entry *e, char *msg_out, size_t cap)
{
    struct eg_tx *tx = dbt_begin(db, EG_TX_WRITE);
    struct eg_buf msg = EG_BUF_INIT(1024);
    enum eg_err rc = eg_calendar_entry_add(tx, e, "operator:test", NOW, &msg);
    if (msg_out)
        snprintf(msg_out, cap, "%s", eg_buf_str(&msg));
    eg_buf_release(&msg);
    if (rc == EG_OK)
        rc = eg_tx_commit(tx);
    else
        eg_tx_rollback(tx);
    return rc;
}

static int64_t
rows(struct eg_db *db)
{
    return dbt_scalar(db, "SELECT count(*) FROM calendar_day");
}

static struct eg_calendar *
load(struct eg_db *db, int first, int last)
{
    struct eg_calendar *cal = NULL;
    assert_int_equal(eg_calendar_load(db, first, last, &cal), EG_OK);
    assert_non_null(cal);
    return cal;
}

static bool
working(const struct eg_calendar *cal, int y, int m, int d)
{
    bool w = false;
    assert_int_equal(eg_calendar_is_working_day(cal, (struct eg_date){y, m, d}, &w), EG_OK);
    return w;
}

static void
test_add_load_remove(void **state)
{
    struct dbt *t = dbt_get(state);
    /* The migration's default: the rules alone. */
    struct eg_calendar *cal = load(t->db, 2026, 2026);
    assert_true(working(cal, 2026, 8, 31));
    assert_false(working(cal, 2026, 8, 22));
    eg_calendar_free(cal);

    char msg[1024];
    assert_int_equal(add(t->db, &make_up, msg, sizeof(msg)), EG_OK);
    assert_int_equal(add(t->db, &swap_off, msg, sizeof(msg)), EG_OK);
    assert_int_equal(rows(t->db), 2);
    cal = load(t->db, 2026, 2027);
    assert_false(working(cal, 2026, 8, 31));
    assert_true(working(cal, 2026, 8, 22));
    const struct eg_calendar_holiday *items;
    size_t n;
    assert_int_equal(eg_calendar_holidays(cal, 2026, &items, &n), EG_OK);
    int found = 0;
    for (size_t i = 0; i < n; i++)
        if (items[i].reason == EG_CALENDAR_ENTERED) {
            found++;
            assert_string_equal(items[i].document, "Thông báo 1234/TB-BNV");
            assert_string_equal(items[i].created_by, "operator:test");
            assert_int_equal(items[i].document_date.day, 17);
        }
    assert_int_equal(found, 2);
    /* A deadline uses them without the database. */
    struct eg_calendar_due due;
    int64_t from;
    assert_int_equal(eg_datetime_parse("2026-08-21T10:00", &from), EG_OK);
    assert_int_equal(eg_calendar_due(cal, from, 1, NULL, 0, &due), EG_OK);
    assert_int_equal(due.date.day, 22);
    eg_calendar_free(cal);

    /* A calendar of other years does not see them. */
    cal = load(t->db, 2027, 2027);
    assert_int_equal(eg_calendar_holidays(cal, 2027, &items, &n), EG_OK);
    for (size_t i = 0; i < n; i++)
        assert_int_not_equal(items[i].reason, EG_CALENDAR_ENTERED);
    eg_calendar_free(cal);

    /* Removing gives back what was there, for the audit entry. */
    struct eg_tx *tx = dbt_begin(t->db, EG_TX_WRITE);
    json_t *was = NULL;
    assert_int_equal(eg_calendar_entry_remove(tx, make_up.date, &was), EG_OK);
    assert_int_equal(eg_tx_commit(tx), EG_OK);
    assert_non_null(was);
    assert_string_equal(json_string_value(json_object_get(was, "date")), "2026-08-22");
    assert_string_equal(json_string_value(json_object_get(was, "kind")), "working_day");
    assert_string_equal(json_string_value(json_object_get(was, "name")), make_up.name);
    assert_string_equal(json_string_value(json_object_get(was, "document")), make_up.document);
    assert_string_equal(json_string_value(json_object_get(was, "document_date")), "2025-10-17");
    assert_string_equal(json_string_value(json_object_get(was, "created_by")), "operator:test");
    assert_int_equal(json_integer_value(json_object_get(was, "created_at")), NOW);
    json_decref(was);
    assert_int_equal(rows(t->db), 1);
    cal = load(t->db, 2026, 2026);
    assert_false(working(cal, 2026, 8, 22));
    eg_calendar_free(cal);

    /* Removing again: not found, nothing changes. */
    tx = dbt_begin(t->db, EG_TX_WRITE);
    assert_int_equal(eg_calendar_entry_remove(tx, make_up.date, &was), EG_ENOTFOUND);
    assert_null(was);
    assert_int_equal(eg_calendar_entry_remove(tx, (struct eg_date){2026, 2, 30}, NULL), EG_EINVAL);
    eg_tx_rollback(tx);
    assert_int_equal(rows(t->db), 1);
}

static void
test_refusals(void **state)
{
    struct dbt *t = dbt_get(state);
    char msg[1024];
    assert_int_equal(add(t->db, &make_up, msg, sizeof(msg)), EG_OK);
    /* The same date again, even of the other kind: a conflict naming the date. */
    struct eg_calendar_entry e = swap_off;
    e.date = make_up.date;
    assert_int_equal(add(t->db, &e, msg, sizeof(msg)), EG_ECONFLICT);
    assert_contains(msg, "2026-08-22");
    struct {
        struct eg_calendar_entry e;
        const char *field;
    } bad[] = {
        {make_up, "date"},     {make_up, "date"},          {make_up, "name"},
        {make_up, "name"},     {make_up, "name"},          {make_up, "document"},
        {make_up, "document"}, {make_up, "document_date"}, {make_up, "document_date"},
        {make_up, "kind"},     {make_up, "name"},          {make_up, "name"},
    };
    bad[0].e.date = (struct eg_date){1899, 12, 31};
    bad[1].e.date = (struct eg_date){2026, 2, 29};
    bad[2].e.name = "";
    bad[3].e.name = NULL;
    bad[4].e.name = "bad\nname";
    bad[5].e.document = "   ";
    bad[6].e.document = "0123456789012345678901234567890123456789012345678901234567890123456789"
                        "0123456789012345678901234567890";
    bad[7].e.document_date = (struct eg_date){2026, 9, 1}; /* after the day it decides */
    bad[8].e.document_date = (struct eg_date){2025, 2, 30};
    bad[9].e.kind = (enum eg_calendar_kind)7;
    bad[10].e.name = "Nghi\xcc\x89 bu\xcc\x80"; /* NFD */
    bad[11].e.name = "\xff\xfe";
    for (size_t i = 0; i < EG_ARRAY_LEN(bad); i++) {
        bad[i].e.date.day = bad[i].e.date.day == 22 ? 21 : bad[i].e.date.day; /* a free date */
        enum eg_err rc = add(t->db, &bad[i].e, msg, sizeof(msg));
        if (rc != EG_EINVAL)
            fail_msg("case %zu (%s): %s", i, bad[i].field, eg_strerror(rc));
        assert_contains(msg, bad[i].field);
        assert_true(eg_utf8_valid(msg, strlen(msg)));
    }
    /* No actor. */
    struct eg_tx *tx = dbt_begin(t->db, EG_TX_WRITE);
    struct eg_calendar_entry ok = swap_off;
    assert_int_equal(eg_calendar_entry_add(tx, &ok, "", NOW, NULL), EG_EINVAL);
    eg_tx_rollback(tx);
    assert_int_equal(rows(t->db), 1);
}

static void
test_week(void **state)
{
    struct dbt *t = dbt_get(state);
    struct eg_calendar_week w, def;
    eg_calendar_week_default(&def);
    struct eg_tx *tx = dbt_begin(t->db, EG_TX_READ);
    assert_int_equal(eg_calendar_week_get(tx, &w), EG_OK);
    eg_tx_rollback(tx);
    assert_memory_equal(&w, &def, sizeof(w));

    /* A province that works Saturday mornings' hours all day, 07:30-17:30. */
    struct eg_calendar_week six;
    assert_int_equal(eg_calendar_week_parse("123456", "07:30-11:30,13:00-17:30", &six, NULL),
                     EG_OK);
    tx = dbt_begin(t->db, EG_TX_WRITE);
    assert_int_equal(eg_calendar_week_set(tx, &six, "operator:test", NOW, NULL), EG_OK);
    assert_int_equal(eg_tx_commit(tx), EG_OK);
    tx = dbt_begin(t->db, EG_TX_READ);
    assert_int_equal(eg_calendar_week_get(tx, &w), EG_OK);
    eg_tx_rollback(tx);
    assert_memory_equal(&w, &six, sizeof(w));
    struct eg_calendar *cal = load(t->db, 2026, 2026);
    assert_true(working(cal, 2026, 3, 7)); /* a Saturday */
    /* Intake at 17:15 counts on the day; the deadline ends at 17:30. */
    struct eg_calendar_due due;
    int64_t from;
    assert_int_equal(eg_datetime_parse("2026-03-06T17:15", &from), EG_OK);
    assert_int_equal(eg_calendar_due(cal, from, 1, NULL, 0, &due), EG_OK);
    char got[EG_DATETIME_STR];
    eg_datetime_format(due.at, got);
    assert_string_equal(got, "2026-03-07T17:30");
    eg_calendar_free(cal);

    /* A week without working days is refused and nothing changes. */
    struct eg_calendar_week none = six;
    for (int d = 1; d <= 7; d++)
        none.working[d] = false;
    struct eg_buf msg = EG_BUF_INIT(256);
    tx = dbt_begin(t->db, EG_TX_WRITE);
    assert_int_equal(eg_calendar_week_set(tx, &none, "operator:test", NOW, &msg), EG_EINVAL);
    assert_true(msg.len > 0);
    assert_int_equal(eg_calendar_week_set(tx, &six, NULL, NOW, NULL), EG_EINVAL);
    eg_tx_rollback(tx);
    eg_buf_release(&msg);
    assert_int_equal(dbt_scalar(t->db, "SELECT count(*) FROM calendar_week"), 1);
}

static void
test_load_limits(void **state)
{
    struct dbt *t = dbt_get(state);
    struct eg_calendar *cal = NULL;
    assert_int_equal(eg_calendar_load(t->db, 1899, 2026, &cal), EG_EINVAL);
    assert_null(cal);
    assert_int_equal(eg_calendar_load(t->db, 2026, 2101, &cal), EG_EINVAL);
    assert_int_equal(eg_calendar_load(t->db, 2027, 2026, &cal), EG_EINVAL);
    /* Entries at the edges of the span. */
    char msg[512];
    struct eg_calendar_entry first = make_up, last = make_up;
    first.date = (struct eg_date){1900, 1, 1};
    first.document_date = (struct eg_date){1900, 1, 1};
    last.date = (struct eg_date){2100, 12, 31};
    assert_int_equal(add(t->db, &first, msg, sizeof(msg)), EG_OK);
    assert_int_equal(add(t->db, &last, msg, sizeof(msg)), EG_OK);
    cal = load(t->db, 1900, 2100);
    assert_true(working(cal, 1900, 1, 1));
    assert_true(working(cal, 2100, 12, 31));
    eg_calendar_free(cal);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        DBT_BOTH(test_add_load_remove, dbt_setup_migrated),
        DBT_BOTH(test_refusals, dbt_setup_migrated),
        DBT_BOTH(test_week, dbt_setup_migrated),
        DBT_BOTH(test_load_limits, dbt_setup_migrated),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
