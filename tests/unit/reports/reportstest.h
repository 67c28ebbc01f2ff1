/*
 * reportstest.h - the data of the report tests: a small org tree, two fields,
 * three procedures, and dossiers written straight into the table (the
 * report reads the table, not the dossiers component, so neither do these
 * tests). Times are local (UTC+7) wall-clock times turned into UTC ms.
 *
 * The fixed set (fixed_dossiers) is the one the expectations in
 * test_reports.c are computed by hand from; each dossier says what it tests.
 * Include after <cmocka.h>.
 */
#ifndef EG_TESTS_REPORTSTEST_H
#define EG_TESTS_REPORTSTEST_H

#include "db/dbtest.h"
#include "reports/reports_int.h"

#define ROOT "000.00.00.H41"
#define JUSTICE "000.00.04.H41"     /* Sở Tư pháp */
#define JUSTICE_SUB "000.01.04.H41" /* a sub-unit of it */
#define BUILD "000.00.05.H41"       /* Sở Xây dựng */
#define HOSTILE "000.00.09.H41"     /* a unit whose name is markup */
#define HOSTILE_NAME "<script>alert(\"x\")</script> & 'Sở' ]]>"
/* A field whose name a spreadsheet would run as a formula, with a comma and quotes. */
#define FORMULA_NAME "=HYPERLINK(\"http://x\"), \"xây dựng\""

#define NOW_MS 1767225600000LL /* 2026-01-01T00:00:00Z */
#define MIN_MS 60000LL
#define HOUR_MS 3600000LL

/* Local wall-clock time to UTC ms. */
static inline int64_t
rt_local(int y, int m, int d, int hh, int mm)
{
    return eg_report_days_from_civil(y, m, d) * EG_REPORT_DAY_MS +
           ((int64_t)hh * 60 + mm) * MIN_MS - EG_REPORT_TZ_MS;
}

/* 17:00 local of a due date, as the calendar sets due_ms. */
static inline int64_t
rt_due(int y, int m, int d)
{
    return rt_local(y, m, d, 17, 0);
}

#define RT_NULL INT64_MIN

struct rt_units {
    int64_t root, justice, justice_sub, build, hostile;
};

static inline int64_t
rt_unit(struct eg_tx *tx, const char *code, int64_t parent, const char *kind, const char *name)
{
    struct eg_stmt *st = dbt_prepare(
        tx, "INSERT INTO org_unit (code, parent_id, kind, name, name_fold, valid_from, demo,"
            " created_at, updated_at) VALUES (?, ?, ?, ?, ?, '2025-07-01', 1, ?, ?) RETURNING id");
    assert_int_equal(eg_stmt_bind_text(st, 1, code, SIZE_MAX), EG_OK);
    if (parent)
        assert_int_equal(eg_stmt_bind_i64(st, 2, parent), EG_OK);
    else
        assert_int_equal(eg_stmt_bind_null(st, 2), EG_OK);
    assert_int_equal(eg_stmt_bind_text(st, 3, kind, SIZE_MAX), EG_OK);
    assert_int_equal(eg_stmt_bind_text(st, 4, name, SIZE_MAX), EG_OK);
    assert_int_equal(eg_stmt_bind_text(st, 5, name, SIZE_MAX), EG_OK);
    assert_int_equal(eg_stmt_bind_i64(st, 6, NOW_MS), EG_OK);
    assert_int_equal(eg_stmt_bind_i64(st, 7, NOW_MS), EG_OK);
    bool row = false;
    assert_int_equal(eg_stmt_step(st, &row), EG_OK);
    assert_true(row);
    int64_t id = eg_stmt_i64(st, 0);
    assert_int_equal(eg_stmt_step(st, &row), EG_OK);
    return id;
}

/* The org tree, the fields and procedures (names for the report's joins). */
static inline void
rt_catalogue(struct eg_db *db, struct rt_units *u)
{
    struct eg_tx *tx = dbt_begin(db, EG_TX_WRITE);
    u->root = rt_unit(tx, ROOT, 0, "province_committee", "UBND tỉnh Nghệ An");
    u->justice = rt_unit(tx, JUSTICE, u->root, "department", "Sở Tư pháp");
    u->justice_sub = rt_unit(tx, JUSTICE_SUB, u->justice, "sub_unit", "Phòng Hành chính tư pháp");
    u->build = rt_unit(tx, BUILD, u->root, "department", "Sở Xây dựng");
    u->hostile = rt_unit(tx, HOSTILE, u->root, "department", HOSTILE_NAME);
    dbt_exec_ok(tx, "INSERT INTO procedure_field (code, name) VALUES ('HT', 'Hộ tịch')");
    struct eg_stmt *st =
        dbt_prepare(tx, "INSERT INTO procedure_field (code, name) VALUES ('XD', ?)");
    assert_int_equal(eg_stmt_bind_text(st, 1, FORMULA_NAME, SIZE_MAX), EG_OK);
    bool row = false;
    assert_int_equal(eg_stmt_step(st, &row), EG_OK);
    dbt_exec_ok(tx,
                "INSERT INTO procedure (code, name, name_fold, body_fold, field_code, level,"
                " applicants, online_level, working_days, status, created_at, updated_at) VALUES"
                " ('1.001193', 'Đăng ký khai sinh', 'dang ky khai sinh', '', 'HT', 'commune',"
                "  'citizen', 'full', 3, 'published', 0, 0),"
                " ('1.000656', 'Đăng ký khai tử', 'dang ky khai tu', '', 'HT', 'commune',"
                "  'citizen', 'full', 3, 'published', 0, 0),"
                " ('1.009974', 'Cấp giấy phép xây dựng', 'cap giay phep xay dung', '', 'XD',"
                "  'province', 'business', 'partial', 15, 'published', 0, 0)");
    assert_int_equal(eg_tx_commit(tx), EG_OK);
}

struct rt_dossier {
    int64_t unit; /* the implementing agency (agency_unit_id) */
    const char *procedure, *field, *channel, *state;
    int64_t received, due, finished, returned, closed; /* RT_NULL for none */
    int64_t desk; /* the receiving unit (org_unit_id); 0: the agency itself */
};

static inline void
rt_bind_opt(struct eg_stmt *st, int idx, int64_t v)
{
    if (v == RT_NULL)
        assert_int_equal(eg_stmt_bind_null(st, idx), EG_OK);
    else
        assert_int_equal(eg_stmt_bind_i64(st, idx, v), EG_OK);
}

static inline void
rt_insert(struct eg_tx *tx, const struct rt_dossier *d, int n)
{
    for (int i = 0; i < n; i++) {
        struct eg_stmt *st = dbt_prepare(
            tx, "INSERT INTO dossier (procedure_code, procedure_version, field_code, org_unit_id,"
                " channel, applicant_kind, applicant_name, form_sealed, state, national_status,"
                " working_days, created_ms, received_ms, due_ms, finished_ms, returned_ms,"
                " closed_ms, updated_ms, agency_unit_id) VALUES (?, 1, ?, ?, ?, 'citizen',"
                " 'Nguyễn Văn A', ?, ?, 0, 5, ?, ?, ?, ?, ?, ?, ?, ?)");
        const struct rt_dossier *x = &d[i];
        assert_int_equal(eg_stmt_bind_text(st, 1, x->procedure, SIZE_MAX), EG_OK);
        assert_int_equal(eg_stmt_bind_text(st, 2, x->field, SIZE_MAX), EG_OK);
        assert_int_equal(eg_stmt_bind_i64(st, 3, x->desk ? x->desk : x->unit), EG_OK);
        assert_int_equal(eg_stmt_bind_text(st, 4, x->channel, SIZE_MAX), EG_OK);
        assert_int_equal(eg_stmt_bind_blob(st, 5, "x", 1), EG_OK);
        assert_int_equal(eg_stmt_bind_text(st, 6, x->state, SIZE_MAX), EG_OK);
        int64_t created = x->received != RT_NULL ? x->received - HOUR_MS : NOW_MS;
        assert_int_equal(eg_stmt_bind_i64(st, 7, created), EG_OK);
        rt_bind_opt(st, 8, x->received);
        rt_bind_opt(st, 9, x->due);
        rt_bind_opt(st, 10, x->finished);
        rt_bind_opt(st, 11, x->returned);
        rt_bind_opt(st, 12, x->closed);
        assert_int_equal(eg_stmt_bind_i64(st, 13, created), EG_OK);
        assert_int_equal(eg_stmt_bind_i64(st, 14, x->unit), EG_OK);
        bool row = false;
        enum eg_err rc = eg_stmt_step(st, &row);
        if (rc != EG_OK)
            fail_msg("insert dossier %d: %s: %s", i, eg_strerror(rc), eg_tx_errmsg(tx));
    }
}

#define N RT_NULL
#define L rt_local
#define DUE rt_due

/* The fixed set; the period of the expectations is March 2026. */
static inline void
rt_fixed(struct eg_db *db, const struct rt_units *u)
{
    const int64_t J = u->justice;
    const struct rt_dossier d[] = {
        /* d1 the first instant of the period, online; ready a day early */
        {J, "1.001193", "HT", "online", "result_ready", L(2026, 3, 1, 0, 0), DUE(2026, 3, 6),
         L(2026, 3, 5, 10, 0), N, N, 0},
        /* d2 the last minute of the period, at the counter; open, due later */
        {J, "1.001193", "HT", "counter", "processing", L(2026, 3, 31, 23, 59), DUE(2026, 4, 7), N,
         N, N, 0},
        /* d3 the last minute before the period: carried over; ready on the due date */
        {J, "1.001193", "HT", "online", "returned", L(2026, 2, 28, 23, 59), DUE(2026, 3, 10),
         L(2026, 3, 10, 16, 0), L(2026, 3, 11, 9, 0), L(2026, 3, 11, 9, 0), 0},
        /* d4 the first instant after the period: not in it */
        {J, "1.001193", "HT", "post", "received", L(2026, 4, 1, 0, 0), DUE(2026, 4, 8), N, N, N, 0},
        /* d5 received and ready before the period: not in it */
        {J, "1.001193", "HT", "counter", "result_ready", L(2026, 2, 10, 9, 0), DUE(2026, 2, 27),
         L(2026, 2, 27, 9, 0), N, N, 0},
        /* d6 carried over, ready the day after its due date: late */
        {J, "1.001193", "HT", "counter", "result_ready", L(2026, 2, 20, 9, 0), DUE(2026, 3, 11),
         L(2026, 3, 12, 9, 0), N, N, 0},
        /* d7 online, open and past its due time at the end of the period */
        {J, "1.001193", "HT", "online", "processing", L(2026, 3, 3, 9, 0), DUE(2026, 3, 9), N, N, N,
         0},
        /* d8 withdrawn in the period */
        {J, "1.001193", "HT", "online", "withdrawn", L(2026, 3, 4, 9, 0), DUE(2026, 3, 11), N, N,
         L(2026, 3, 6, 9, 0), 0},
        /* d9 stopped in the period */
        {J, "1.001193", "HT", "counter", "stopped", L(2026, 3, 5, 9, 0), DUE(2026, 3, 12), N, N,
         L(2026, 3, 20, 9, 0), 0},
        /* d10 received by phone, then refused (legacy data) */
        {J, "1.001193", "HT", "phone", "refused", L(2026, 3, 6, 9, 0), DUE(2026, 3, 13), N, N,
         L(2026, 3, 7, 9, 0), 0},
        /* d11 submitted online, never received: not in any column */
        {J, "1.001193", "HT", "online", "submitted", N, N, N, N, N, 0},
        /* d12 a draft: nowhere */
        {J, "1.001193", "HT", "online", "draft", N, N, N, N, N, 0},
        /* d13 refused at intake (never received): nowhere */
        {J, "1.001193", "HT", "online", "refused", N, N, N, N, L(2026, 3, 2, 9, 0), 0},
        /* d14 by fax; ready only after the period: in progress at its end, in time */
        {J, "1.001193", "HT", "fax", "result_ready", L(2026, 3, 15, 9, 0), DUE(2026, 4, 10),
         L(2026, 4, 2, 9, 0), N, N, 0},
        /* d15 withdrawn before the period: not in it */
        {J, "1.001193", "HT", "counter", "withdrawn", L(2026, 1, 15, 9, 0), DUE(2026, 1, 22), N, N,
         L(2026, 2, 1, 9, 0), 0},
        /* d16 carried over, open and long overdue */
        {J, "1.001193", "HT", "counter", "processing", L(2026, 1, 20, 9, 0), DUE(2026, 2, 20), N, N,
         N, 0},
        /* d17 ready on the due date but after the due time: late */
        {J, "1.000656", "HT", "online", "result_ready", L(2026, 3, 20, 9, 0), DUE(2026, 3, 25),
         L(2026, 3, 25, 17, 30), N, N, 0},
        /* d18 returned; ready the day before: early (returning changes nothing) */
        {J, "1.000656", "HT", "online", "returned", L(2026, 3, 21, 9, 0), DUE(2026, 3, 25),
         L(2026, 3, 24, 8, 0), L(2026, 3, 26, 9, 0), L(2026, 3, 26, 9, 0), 0},
        /* d19 ready exactly at the due time: on time */
        {J, "1.001193", "HT", "counter", "result_ready", L(2026, 3, 22, 9, 0), DUE(2026, 3, 25),
         DUE(2026, 3, 25), N, N, 0},
        /* d20 waiting for a supplement, the clock stopped (no due time): in time */
        {J, "1.001193", "HT", "counter", "supplement", L(2026, 3, 10, 9, 0), N, N, N, N, 0},
        /* d21 carried over, withdrawn at the very first instant of the period */
        {J, "1.001193", "HT", "counter", "withdrawn", L(2026, 2, 25, 9, 0), DUE(2026, 3, 4), N, N,
         L(2026, 3, 1, 0, 0), 0},
        /* d22 ready one millisecond before the period: not in it */
        {J, "1.001193", "HT", "counter", "result_ready", L(2026, 2, 25, 9, 0), DUE(2026, 3, 4),
         L(2026, 3, 1, 0, 0) - 1, N, N, 0},
        /* d23 ready, no due time (0 working days): on time */
        {J, "1.001193", "HT", "online", "result_ready", L(2026, 3, 28, 9, 0), N,
         L(2026, 3, 28, 10, 0), N, N, 0},
        /* d24 the sub-unit: online, early */
        {u->justice_sub, "1.001193", "HT", "online", "result_ready", L(2026, 3, 2, 9, 0),
         DUE(2026, 3, 5), L(2026, 3, 3, 9, 0), N, N, 0},
        /* d25 Sở Xây dựng's, received at the province's desk: at the counter, open, overdue */
        {u->build, "1.009974", "XD", "counter", "processing", L(2026, 3, 2, 9, 0), DUE(2026, 3, 20),
         N, N, N, u->root},
        /* d26 the hostile unit: online, ready on the due date */
        {u->hostile, "1.001193", "HT", "online", "result_ready", L(2026, 3, 5, 9, 0),
         DUE(2026, 3, 6), L(2026, 3, 6, 10, 0), N, N, 0},
    };
    struct eg_tx *tx = dbt_begin(db, EG_TX_WRITE);
    rt_insert(tx, d, (int)EG_ARRAY_LEN(d));
    assert_int_equal(eg_tx_commit(tx), EG_OK);
}

#undef N
#undef L
#undef DUE

/* Setup: migrated, the catalogue and the fixed set. */
static inline int
rt_setup_fixed(void **state)
{
    dbt_setup_migrated(state);
    struct dbt *t = *state;
    if (t->skip)
        return 0;
    struct rt_units u;
    rt_catalogue(t->db, &u);
    rt_fixed(t->db, &u);
    return 0;
}

static inline struct eg_report *
rt_run(struct eg_db *db, const struct eg_report_query *q)
{
    struct eg_report *r = NULL;
    struct eg_buf msg = EG_BUF_INIT(1024);
    enum eg_err rc = eg_report_run(db, q, &r, &msg);
    if (rc != EG_OK)
        fail_msg("eg_report_run: %s: %s", eg_strerror(rc), eg_buf_str(&msg));
    eg_buf_release(&msg);
    assert_non_null(r);
    return r;
}

/* The row with that code, or NULL. */
static inline const struct eg_report_row *
rt_row(const struct eg_report *r, const char *code)
{
    for (size_t i = 0; i < r->nrows; i++)
        if (strcmp(r->rows[i].code, code) == 0)
            return &r->rows[i];
    return NULL;
}

#endif /* EG_TESTS_REPORTSTEST_H */
