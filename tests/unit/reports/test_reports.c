/*
 * test_reports.c - the standard report on both drivers: every column of a
 * small fixed set computed by hand (reportstest.h says what each dossier
 * tests), the edges of the period (the first and the last minute, a close at
 * the first instant, a finish a millisecond before), carried-over counting,
 * grouping by agency with and without the subtree rolled up, by field and by
 * procedure, the filters, the "as of" of overdue; then a few thousand random
 * dossiers (fixed seed, odd data included) where every row and the total must
 * balance and the total must equal a count done here in C by the documented
 * rules; query plans that never scan the dossier table; refused input.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "reports/reportstest.h"

enum {
    R3 = EG_RC_RECEIVED,
    R4 = EG_RC_ONLINE,
    R5 = EG_RC_DIRECT,
    R6 = EG_RC_CARRIED,
    R7 = EG_RC_RESOLVED,
    R8 = EG_RC_EARLY,
    R9 = EG_RC_ON_TIME,
    R10 = EG_RC_LATE,
    R11 = EG_RC_PENDING,
    R12 = EG_RC_PENDING_ON_TIME,
    R13 = EG_RC_PENDING_LATE,
    R14 = EG_RC_WITHDRAWN,
    R15 = EG_RC_STOPPED,
    R16 = EG_RC_REFUSED,
};

/* Expected values of columns (3)..(16), in the form's order. */
struct want {
    int64_t v[EG_RC_COUNT];
};

static void
expect_row(const struct eg_report_row *row, const char *what, struct want w)
{
    if (!row)
        fail_msg("%s: no such row", what);
    for (int c = 0; c < EG_RC_COUNT; c++)
        if (row->v[c] != w.v[c])
            fail_msg("%s: column (%d) %s is %lld, expected %lld", what,
                     eg_report_col_number((enum eg_report_col)c),
                     eg_report_col_key((enum eg_report_col)c), (long long)row->v[c],
                     (long long)w.v[c]);
    assert_true(eg_report_row_balanced(row));
}

static void
expect_balanced(const struct eg_report *r)
{
    const struct eg_report_row *bad[4];
    size_t n = eg_report_unbalanced(r, bad, 4);
    if (n > 0)
        fail_msg("%zu row(s) do not balance, first %s (%s): balance %lld", n, bad[0]->code,
                 bad[0]->name, (long long)eg_report_row_balance(bad[0]));
}

static struct eg_report_query
march(enum eg_report_group g)
{
    struct eg_report_query q = {0};
    q.from = "2026-03-01";
    q.to = "2026-03-31";
    q.group = g;
    return q;
}

/*                                      3   4  5  6  7  8  9 10 11 12 13 14 15 16 */
#define W_JUSTICE ((struct want){{16, 6, 6, 4, 7, 2, 3, 2, 5, 3, 2, 2, 1, 1}})
#define W_SUB ((struct want){{1, 1, 0, 0, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0}})
#define W_BUILD ((struct want){{1, 0, 1, 0, 0, 0, 0, 0, 1, 0, 1, 0, 0, 0}})
#define W_HOSTILE ((struct want){{1, 1, 0, 0, 1, 0, 1, 0, 0, 0, 0, 0, 0, 0}})
#define W_JUSTICE_TREE ((struct want){{17, 7, 6, 4, 8, 3, 3, 2, 5, 3, 2, 2, 1, 1}})
#define W_TOTAL ((struct want){{19, 8, 7, 4, 9, 3, 4, 2, 6, 3, 3, 2, 1, 1}})

static void
test_fixed_by_agency(void **state)
{
    struct dbt *t = dbt_get(state);
    struct eg_report_query q = march(EG_REPORT_BY_AGENCY);
    struct eg_report *r = rt_run(t->db, &q);
    assert_int_equal(r->nrows, 4);
    /* Ordered by code. */
    assert_string_equal(r->rows[0].code, JUSTICE);
    assert_string_equal(r->rows[1].code, BUILD);
    assert_string_equal(r->rows[2].code, HOSTILE);
    assert_string_equal(r->rows[3].code, JUSTICE_SUB);
    assert_string_equal(r->rows[0].name, "Sở Tư pháp");
    assert_string_equal(r->rows[2].name, HOSTILE_NAME);
    expect_row(rt_row(r, JUSTICE), "Sở Tư pháp", W_JUSTICE);
    expect_row(rt_row(r, JUSTICE_SUB), "sub-unit", W_SUB);
    expect_row(rt_row(r, BUILD), "Sở Xây dựng", W_BUILD);
    expect_row(rt_row(r, HOSTILE), "hostile", W_HOSTILE);
    expect_row(&r->total, "total", W_TOTAL);
    for (size_t i = 0; i < r->nrows; i++)
        assert_false(r->rows[i].subtree);
    expect_balanced(r);
    /* The months: March only, new receipts by channel. */
    assert_int_equal(r->nmonths, 1);
    assert_int_equal(r->months[0].year, 2026);
    assert_int_equal(r->months[0].month, 3);
    assert_int_equal(r->months[0].online, 8);
    assert_int_equal(r->months[0].direct, 7);
    /* The period in UTC: 2026-02-28T17:00Z to 2026-03-31T17:00Z. */
    assert_int_equal(r->from_ms, 1772298000000LL);
    assert_int_equal(r->to_ms, 1774976400000LL);
    assert_int_equal(r->asof_ms, r->to_ms);
    assert_null(r->agency_name);
    eg_report_free(r);
}

static void
test_fixed_rollup(void **state)
{
    struct dbt *t = dbt_get(state);
    /* The whole province rolled up under the root's sub-units; the root has no dossier. */
    struct eg_report_query q = march(EG_REPORT_BY_AGENCY);
    q.rollup = true;
    struct eg_report *r = rt_run(t->db, &q);
    assert_int_equal(r->nrows, 3);
    expect_row(rt_row(r, JUSTICE), "Sở Tư pháp and its sub-unit", W_JUSTICE_TREE);
    expect_row(rt_row(r, BUILD), "Sở Xây dựng", W_BUILD);
    expect_row(rt_row(r, HOSTILE), "hostile", W_HOSTILE);
    assert_true(rt_row(r, JUSTICE)->subtree);
    assert_null(rt_row(r, JUSTICE_SUB));
    expect_row(&r->total, "total", W_TOTAL);
    expect_balanced(r);
    eg_report_free(r);

    /* The same from the root by code. */
    q.agency = ROOT;
    r = rt_run(t->db, &q);
    assert_int_equal(r->nrows, 3);
    expect_row(rt_row(r, JUSTICE), "Sở Tư pháp from the root", W_JUSTICE_TREE);
    expect_row(&r->total, "total from the root", W_TOTAL);
    assert_string_equal(r->agency_name, "UBND tỉnh Nghệ An");
    eg_report_free(r);

    /* Scope Sở Tư pháp, rolled up: its own row (not a subtree) and the sub-unit's. */
    q.agency = JUSTICE;
    r = rt_run(t->db, &q);
    assert_int_equal(r->nrows, 2);
    expect_row(rt_row(r, JUSTICE), "Sở Tư pháp's own", W_JUSTICE);
    expect_row(rt_row(r, JUSTICE_SUB), "sub-unit", W_SUB);
    assert_false(rt_row(r, JUSTICE)->subtree);
    assert_true(rt_row(r, JUSTICE_SUB)->subtree);
    expect_row(&r->total, "Sở Tư pháp's tree", W_JUSTICE_TREE);
    eg_report_free(r);

    /* Scope without rollup: one row per unit of the subtree. */
    q.rollup = false;
    r = rt_run(t->db, &q);
    assert_int_equal(r->nrows, 2);
    expect_row(&r->total, "Sở Tư pháp's tree, flat", W_JUSTICE_TREE);
    assert_false(rt_row(r, JUSTICE_SUB)->subtree);
    eg_report_free(r);

    q.agency = JUSTICE_SUB;
    r = rt_run(t->db, &q);
    assert_int_equal(r->nrows, 1);
    expect_row(&r->total, "the sub-unit alone", W_SUB);
    eg_report_free(r);
}

/* By the desk that received them: d25 (Sở Xây dựng's) was received at the province's. */
static void
test_fixed_by_desk(void **state)
{
    struct dbt *t = dbt_get(state);
    struct eg_report_query q = march(EG_REPORT_BY_AGENCY);
    q.by_desk = true;
    struct eg_report *r = rt_run(t->db, &q);
    assert_int_equal(r->nrows, 4);
    assert_string_equal(r->rows[0].code, ROOT);
    expect_row(&r->rows[0], "the province's desk", W_BUILD);
    assert_null(rt_row(r, BUILD));
    expect_row(rt_row(r, JUSTICE), "Sở Tư pháp's desk", W_JUSTICE);
    expect_row(&r->total, "total by desk", W_TOTAL);
    eg_report_free(r);

    /* Rolled up: the root's own row (its desk), not a subtree. */
    q.rollup = true;
    r = rt_run(t->db, &q);
    assert_int_equal(r->nrows, 3);
    expect_row(rt_row(r, ROOT), "the province's own desk", W_BUILD);
    assert_false(rt_row(r, ROOT)->subtree);
    expect_row(rt_row(r, JUSTICE), "Sở Tư pháp's tree of desks", W_JUSTICE_TREE);
    assert_true(rt_row(r, JUSTICE)->subtree);
    eg_report_free(r);

    /* The scope follows the same column. */
    q.rollup = false;
    q.agency = BUILD;
    r = rt_run(t->db, &q);
    assert_int_equal(r->nrows, 0);
    eg_report_free(r);
    q.by_desk = false;
    r = rt_run(t->db, &q);
    assert_int_equal(r->nrows, 1);
    expect_row(&r->rows[0], "Sở Xây dựng as the agency", W_BUILD);
    eg_report_free(r);
}

static void
test_fixed_by_field_and_procedure(void **state)
{
    struct dbt *t = dbt_get(state);
    struct eg_report_query q = march(EG_REPORT_BY_FIELD);
    struct eg_report *r = rt_run(t->db, &q);
    assert_int_equal(r->nrows, 2);
    assert_string_equal(r->rows[0].code, "HT");
    assert_string_equal(r->rows[0].name, "Hộ tịch");
    assert_string_equal(r->rows[1].code, "XD");
    assert_string_equal(r->rows[1].name, FORMULA_NAME);
    expect_row(&r->rows[1], "XD", W_BUILD);
    expect_row(&r->total, "total by field", W_TOTAL);
    /* HT is everything but XD. */
    struct want ht = W_TOTAL;
    for (int c = 0; c < EG_RC_COUNT; c++)
        ht.v[c] -= W_BUILD.v[c];
    expect_row(&r->rows[0], "HT", ht);
    eg_report_free(r);

    q = march(EG_REPORT_BY_PROCEDURE);
    r = rt_run(t->db, &q);
    assert_int_equal(r->nrows, 3);
    assert_string_equal(r->rows[0].code, "1.000656");
    assert_string_equal(r->rows[0].name, "Đăng ký khai tử");
    /*                                               3  4  5  6  7  8  9 10 11 12 13 14 15 16 */
    expect_row(&r->rows[0], "1.000656", (struct want){{2, 2, 0, 0, 2, 1, 0, 1, 0, 0, 0, 0, 0, 0}});
    expect_row(&r->rows[1], "1.001193", (struct want){{16, 6, 6, 4, 7, 2, 4, 1, 5, 3, 2, 2, 1, 1}});
    expect_row(&r->rows[2], "1.009974", W_BUILD);
    expect_row(&r->total, "total by procedure", W_TOTAL);
    eg_report_free(r);

    /* Filters: a field, a procedure, both with a scope. */
    q = march(EG_REPORT_BY_AGENCY);
    q.field = "XD";
    r = rt_run(t->db, &q);
    assert_int_equal(r->nrows, 1);
    assert_string_equal(r->rows[0].code, BUILD);
    assert_string_equal(r->field_name, FORMULA_NAME);
    eg_report_free(r);

    q = march(EG_REPORT_BY_AGENCY);
    q.procedure = "1.000656";
    r = rt_run(t->db, &q);
    assert_int_equal(r->nrows, 1);
    assert_string_equal(r->rows[0].code, JUSTICE);
    assert_string_equal(r->procedure_name, "Đăng ký khai tử");
    expect_row(&r->total, "1.000656 by agency",
               (struct want){{2, 2, 0, 0, 2, 1, 0, 1, 0, 0, 0, 0, 0, 0}});
    eg_report_free(r);

    q = march(EG_REPORT_BY_PROCEDURE);
    q.agency = JUSTICE;
    q.field = "HT";
    r = rt_run(t->db, &q);
    assert_int_equal(r->nrows, 2);
    expect_row(&r->total, "Sở Tư pháp's tree in HT", W_JUSTICE_TREE);
    eg_report_free(r);

    /* An unknown field or procedure is a filter that matches nothing. */
    q = march(EG_REPORT_BY_FIELD);
    q.procedure = "9.999999";
    r = rt_run(t->db, &q);
    assert_int_equal(r->nrows, 0);
    assert_string_equal(r->procedure_name, "9.999999");
    expect_row(&r->total, "nothing", (struct want){{0}});
    expect_balanced(r);
    eg_report_free(r);
}

static void
test_fixed_asof(void **state)
{
    struct dbt *t = dbt_get(state);
    /* Asked on 8 March, noon: d7 (due 9 March) is not overdue yet. */
    struct eg_report_query q = march(EG_REPORT_BY_AGENCY);
    q.now_ms = rt_local(2026, 3, 8, 12, 0);
    struct eg_report *r = rt_run(t->db, &q);
    assert_int_equal(r->asof_ms, q.now_ms);
    struct want w = W_JUSTICE;
    w.v[R12] = 4;
    w.v[R13] = 1;
    expect_row(rt_row(r, JUSTICE), "Sở Tư pháp on 8 March", w);
    w = W_BUILD; /* due 20 March */
    w.v[R12] = 1;
    w.v[R13] = 0;
    expect_row(rt_row(r, BUILD), "Sở Xây dựng on 8 March", w);
    expect_balanced(r);
    eg_report_free(r);
    /* A now after the period changes nothing. */
    q.now_ms = rt_local(2027, 1, 1, 0, 0);
    r = rt_run(t->db, &q);
    assert_int_equal(r->asof_ms, r->to_ms);
    expect_row(rt_row(r, JUSTICE), "Sở Tư pháp, asked later", W_JUSTICE);
    eg_report_free(r);
}

static struct eg_report *
justice_between(struct eg_db *db, const char *from, const char *to)
{
    struct eg_report_query q = {0};
    q.from = from;
    q.to = to;
    q.group = EG_REPORT_BY_AGENCY;
    q.agency = JUSTICE;
    return rt_run(db, &q);
}

static void
test_period_edges(void **state)
{
    struct dbt *t = dbt_get(state);
    /* 1 March alone: d1 (00:00) is received; d3, d6, d16, d21 are carried over;
     * d21 was withdrawn at 00:00 (in the period); d22 was ready 1 ms before (not). */
    struct eg_report *r = justice_between(t->db, "2026-03-01", "2026-03-01");
    /*                                                 3  4  5  6  7  8  9 10 11 12 13 14 15 16 */
    expect_row(rt_row(r, JUSTICE), "1 March",
               (struct want){{5, 1, 0, 4, 0, 0, 0, 0, 4, 3, 1, 1, 0, 0}});
    expect_balanced(r);
    eg_report_free(r);

    /* 31 March alone: d2 (23:59) is received; d7, d14, d16, d20 are carried over. */
    r = justice_between(t->db, "2026-03-31", "2026-03-31");
    expect_row(rt_row(r, JUSTICE), "31 March",
               (struct want){{5, 0, 1, 4, 0, 0, 0, 0, 5, 3, 2, 0, 0, 0}});
    eg_report_free(r);

    /* 1 April alone: d4 (00:00, by post) is received; d2, d7, d14, d16, d20 carried over;
     * d7 and d16 are overdue. */
    r = justice_between(t->db, "2026-04-01", "2026-04-01");
    expect_row(rt_row(r, JUSTICE), "1 April",
               (struct want){{6, 0, 1, 5, 0, 0, 0, 0, 6, 4, 2, 0, 0, 0}});
    eg_report_free(r);

    /* February: d3 (28 Feb 23:59) received online; d5, d6, d21, d22 at the counter;
     * d15 (withdrawn 1 Feb) and d16 carried over; d22 ready at 23:59:59.999 is early,
     * d21 (withdrawn at 1 March 00:00) still in progress at the end. */
    r = justice_between(t->db, "2026-02-01", "2026-02-28");
    expect_row(rt_row(r, JUSTICE), "February",
               (struct want){{7, 1, 4, 2, 2, 1, 1, 0, 4, 3, 1, 1, 0, 0}});
    assert_int_equal(r->nmonths, 1);
    assert_int_equal(r->months[0].month, 2);
    assert_int_equal(r->months[0].online, 1);
    assert_int_equal(r->months[0].direct, 4);
    eg_report_free(r);

    /* February and March together: carried over only from before February. */
    r = justice_between(t->db, "2026-02-01", "2026-03-31");
    const struct eg_report_row *j = rt_row(r, JUSTICE);
    assert_non_null(j);
    assert_int_equal(j->v[R6], 2);  /* d15, d16 */
    assert_int_equal(j->v[R3], 19); /* 17 received in the two months, 2 carried over */
    assert_int_equal(r->nmonths, 2);
    assert_int_equal(r->months[0].online + r->months[0].direct, 5);
    assert_int_equal(r->months[1].online + r->months[1].direct, 13); /* with d24 of the sub-unit */
    expect_balanced(r);
    eg_report_free(r);

    /* Long before anything: an empty report, balanced. */
    r = justice_between(t->db, "2020-01-01", "2020-12-31");
    assert_int_equal(r->nrows, 0);
    assert_int_equal(r->nmonths, 12);
    expect_balanced(r);
    eg_report_free(r);
}

/* ---- random data, checked against a count done here ------------------------------- */

static uint64_t rng_state;

static uint64_t
rng(void)
{
    /* xorshift64*, fixed seed: the same data every run. */
    rng_state ^= rng_state >> 12;
    rng_state ^= rng_state << 25;
    rng_state ^= rng_state >> 27;
    return rng_state * 2685821657736338717ULL;
}

static int64_t
pick(int64_t n)
{
    return (int64_t)(rng() % (uint64_t)n);
}

#define RANDOM_N 3000

static const char *const STATES[] = {"draft",      "submitted",    "received", "processing",
                                     "supplement", "result_ready", "returned", "refused",
                                     "withdrawn",  "stopped"};
static const char *const CHANNELS[] = {"online", "counter", "post", "phone", "fax"};

static void
random_dossiers(struct eg_db *db, const struct rt_units *u)
{
    rng_state = 0x9E3779B97F4A7C15ULL;
    const int64_t units[5] = {u->root, u->justice, u->justice_sub, u->build, u->hostile};
    const char *const procs[3] = {"1.001193", "1.000656", "1.009974"};
    const char *const fields[3] = {"HT", "HT", "XD"};
    int64_t start = rt_local(2025, 6, 1, 0, 0), span = 450 * EG_REPORT_DAY_MS;
    struct rt_dossier *d = calloc(RANDOM_N, sizeof(*d));
    assert_non_null(d);
    for (int i = 0; i < RANDOM_N; i++) {
        struct rt_dossier *x = &d[i];
        int p = (int)pick(3);
        x->unit = units[pick(5)];
        x->desk = pick(3) == 0 ? units[pick(5)] : 0;
        x->procedure = procs[p];
        x->field = fields[p];
        x->channel = CHANNELS[pick(5)];
        const char *s = STATES[pick(10)];
        x->state = s;
        bool unreceived = strcmp(s, "draft") == 0 || strcmp(s, "submitted") == 0 ||
                          (strcmp(s, "refused") == 0 && pick(2) == 0);
        x->received = unreceived && pick(20) != 0 ? RT_NULL : start + pick(span);
        int64_t base = x->received != RT_NULL ? x->received : start + pick(span);
        /* Due: mostly 17:00 local some days later; sometimes none (a pause). */
        int64_t dd = (base + EG_REPORT_TZ_MS) / EG_REPORT_DAY_MS + pick(30);
        x->due = pick(10) == 0 ? RT_NULL : dd * EG_REPORT_DAY_MS + 10 * HOUR_MS;
        bool done = strcmp(s, "result_ready") == 0 || strcmp(s, "returned") == 0;
        /* A finish now and then where it does not belong, and before the receipt. */
        x->finished = (done && pick(20) != 0) || pick(12) == 0
                          ? base - 2 * EG_REPORT_DAY_MS + pick(40 * EG_REPORT_DAY_MS)
                          : RT_NULL;
        /* Sometimes exactly at the due time or a local midnight. */
        if (x->finished != RT_NULL && x->due != RT_NULL && pick(15) == 0)
            x->finished = x->due;
        if (x->finished != RT_NULL && pick(15) == 0)
            x->finished = ((x->finished + EG_REPORT_TZ_MS) / EG_REPORT_DAY_MS) * EG_REPORT_DAY_MS -
                          EG_REPORT_TZ_MS;
        bool closes = strcmp(s, "withdrawn") == 0 || strcmp(s, "stopped") == 0 ||
                      strcmp(s, "refused") == 0 || strcmp(s, "returned") == 0;
        x->closed = (closes && pick(10) != 0) || pick(20) == 0 ? base + pick(50 * EG_REPORT_DAY_MS)
                                                               : RT_NULL;
        x->returned = strcmp(s, "returned") == 0 && x->finished != RT_NULL
                          ? x->finished + pick(5 * EG_REPORT_DAY_MS)
                          : RT_NULL;
    }
    struct eg_tx *tx = dbt_begin(db, EG_TX_WRITE);
    rt_insert(tx, d, RANDOM_N);
    assert_int_equal(eg_tx_commit(tx), EG_OK);
    free(d);
}

static int
setup_random(void **state)
{
    dbt_setup_migrated(state);
    struct dbt *t = *state;
    if (t->skip)
        return 0;
    struct rt_units u;
    rt_catalogue(t->db, &u);
    random_dossiers(t->db, &u);
    return 0;
}

/* One dossier as the table has it. */
struct raw {
    char unit[16], desk[16], field[8], proc[16], channel[8], state[16];
    int64_t received, due, finished, closed;
    bool has_received, has_due, has_finished, has_closed;
};

static struct raw *
read_raw(struct eg_db *db, size_t *n)
{
    struct raw *all = calloc(RANDOM_N + 64, sizeof(*all));
    assert_non_null(all);
    struct eg_tx *tx = dbt_begin(db, EG_TX_READ);
    struct eg_stmt *st = dbt_prepare(
        tx, "SELECT u.code, d.field_code, d.procedure_code, d.channel, d.state, d.received_ms,"
            " d.due_ms, d.finished_ms, d.closed_ms, k.code FROM dossier d"
            " JOIN org_unit u ON u.id = d.agency_unit_id JOIN org_unit k ON k.id = d.org_unit_id");
    bool row = false;
    *n = 0;
    for (;;) {
        assert_int_equal(eg_stmt_step(st, &row), EG_OK);
        if (!row)
            break;
        assert_true(*n < RANDOM_N + 64);
        struct raw *x = &all[(*n)++];
        snprintf(x->unit, sizeof(x->unit), "%s", eg_stmt_text(st, 0));
        snprintf(x->field, sizeof(x->field), "%s", eg_stmt_text(st, 1));
        snprintf(x->proc, sizeof(x->proc), "%s", eg_stmt_text(st, 2));
        snprintf(x->channel, sizeof(x->channel), "%s", eg_stmt_text(st, 3));
        snprintf(x->state, sizeof(x->state), "%s", eg_stmt_text(st, 4));
        x->has_received = !eg_stmt_is_null(st, 5);
        x->received = eg_stmt_i64(st, 5);
        x->has_due = !eg_stmt_is_null(st, 6);
        x->due = eg_stmt_i64(st, 6);
        x->has_finished = !eg_stmt_is_null(st, 7);
        x->finished = eg_stmt_i64(st, 7);
        x->has_closed = !eg_stmt_is_null(st, 8);
        x->closed = eg_stmt_i64(st, 8);
        snprintf(x->desk, sizeof(x->desk), "%s", eg_stmt_text(st, 9));
    }
    eg_tx_rollback(tx);
    return all;
}

static int64_t
local_day(int64_t ms)
{
    return (ms + EG_REPORT_TZ_MS) / EG_REPORT_DAY_MS;
}

/* docs/reports.md, "Counting", written out again in C. */
static void
count_one(const struct raw *x, int64_t from, int64_t to, int64_t asof, int64_t *v)
{
    if (!x->has_received || x->received >= to)
        return;
    bool ended = x->has_finished || x->has_closed;
    int64_t end = x->has_finished ? x->finished : x->closed;
    if (x->received < from && ended && end < from)
        return;
    v[R3]++;
    if (x->received < from)
        v[R6]++;
    else if (strcmp(x->channel, "online") == 0)
        v[R4]++;
    else
        v[R5]++;
    if (ended && end < to) {
        if (!x->has_finished && strcmp(x->state, "withdrawn") == 0) {
            v[R14]++;
            return;
        }
        if (!x->has_finished && strcmp(x->state, "stopped") == 0) {
            v[R15]++;
            return;
        }
        if (!x->has_finished && strcmp(x->state, "refused") == 0) {
            v[R16]++;
            return;
        }
        v[R7]++;
        if (!x->has_due)
            v[R9]++;
        else if (end > x->due)
            v[R10]++;
        else if (local_day(end) < local_day(x->due - 1))
            v[R8]++;
        else
            v[R9]++;
        return;
    }
    v[R11]++;
    if (x->has_due && x->due < asof)
        v[R13]++;
    else
        v[R12]++;
}

static void
check_against_raw(const struct eg_report *r, const struct raw *all, size_t n, const char *what)
{
    expect_balanced(r);
    int64_t total[EG_RC_COUNT] = {0};
    for (size_t i = 0; i < n; i++) {
        const struct raw *x = &all[i];
        const struct eg_report_query *q = &r->query;
        if (q->field && strcmp(x->field, q->field) != 0)
            continue;
        if (q->procedure && strcmp(x->proc, q->procedure) != 0)
            continue;
        const char *unit = q->by_desk ? x->desk : x->unit;
        if (q->agency && strcmp(q->agency, ROOT) != 0 && strcmp(unit, q->agency) != 0 &&
            !(strcmp(q->agency, JUSTICE) == 0 && strcmp(unit, JUSTICE_SUB) == 0))
            continue;
        count_one(x, r->from_ms, r->to_ms, r->asof_ms, total);
    }
    struct want w;
    memcpy(w.v, total, sizeof(total));
    expect_row(&r->total, what, w);
    /* By field over everything, each row against the count restricted to its field. */
    if (r->query.group == EG_REPORT_BY_FIELD && !r->query.agency && !r->query.procedure) {
        for (size_t k = 0; k < r->nrows; k++) {
            int64_t v[EG_RC_COUNT] = {0};
            for (size_t i = 0; i < n; i++)
                if (strcmp(all[i].field, r->rows[k].code) == 0)
                    count_one(&all[i], r->from_ms, r->to_ms, r->asof_ms, v);
            memcpy(w.v, v, sizeof(v));
            expect_row(&r->rows[k], r->rows[k].code, w);
        }
    }
    /* By agency, flat, over everything: each row against the count of its unit. */
    if (r->query.group == EG_REPORT_BY_AGENCY && !r->query.rollup && !r->query.agency &&
        !r->query.field && !r->query.procedure) {
        for (size_t k = 0; k < r->nrows; k++) {
            int64_t v[EG_RC_COUNT] = {0};
            for (size_t i = 0; i < n; i++) {
                const char *unit = r->query.by_desk ? all[i].desk : all[i].unit;
                if (strcmp(unit, r->rows[k].code) == 0)
                    count_one(&all[i], r->from_ms, r->to_ms, r->asof_ms, v);
            }
            memcpy(w.v, v, sizeof(v));
            expect_row(&r->rows[k], r->rows[k].code, w);
        }
    }
}

static void
test_random_balance(void **state)
{
    struct dbt *t = dbt_get(state);
    size_t n = 0;
    struct raw *all = read_raw(t->db, &n);
    assert_int_equal(n, RANDOM_N);
    static const char *const periods[][2] = {
        {"2025-06-01", "2025-06-30"}, {"2025-10-01", "2025-12-31"}, {"2026-01-01", "2026-12-31"},
        {"2026-02-14", "2026-02-14"}, {"2025-01-01", "2025-05-31"}, {"2025-06-01", "2026-09-30"},
        {"2026-08-01", "2026-08-31"},
    };
    const char *agencies[] = {NULL, ROOT, JUSTICE};
    size_t runs = 0;
    for (size_t p = 0; p < EG_ARRAY_LEN(periods); p++) {
        for (int g = 0; g < EG_REPORT_GROUP_COUNT; g++) {
            for (size_t a = 0; a < EG_ARRAY_LEN(agencies); a++) {
                for (int shape = 0; shape < 4; shape++) {
                    bool rollup = shape & 1, by_desk = shape & 2;
                    if (by_desk && g != EG_REPORT_BY_AGENCY && !agencies[a])
                        continue; /* the same report as without */
                    struct eg_report_query q = {0};
                    q.from = periods[p][0];
                    q.to = periods[p][1];
                    q.group = (enum eg_report_group)g;
                    q.agency = agencies[a];
                    q.rollup = rollup;
                    q.by_desk = by_desk;
                    /* Half the runs judge overdue at a "now" inside the period. */
                    if ((p + a) % 2)
                        q.now_ms = rt_local(2026, 2, 10, 12, 0);
                    struct eg_report *r = rt_run(t->db, &q);
                    char what[128];
                    snprintf(what, sizeof(what), "%s..%s by %s in %s%s%s", q.from, q.to,
                             eg_report_group_str(q.group), q.agency ? q.agency : "all",
                             rollup ? " rolled up" : "", by_desk ? " by desk" : "");
                    check_against_raw(r, all, n, what);
                    eg_report_free(r);
                    runs++;
                }
            }
        }
    }
    /* Filters by field and procedure. */
    struct eg_report_query q = {0};
    q.from = "2025-09-01";
    q.to = "2026-03-31";
    q.group = EG_REPORT_BY_AGENCY;
    q.rollup = true;
    q.field = "XD";
    struct eg_report *r = rt_run(t->db, &q);
    check_against_raw(r, all, n, "XD rolled up");
    eg_report_free(r);
    q.field = NULL;
    q.procedure = "1.000656";
    q.agency = JUSTICE;
    r = rt_run(t->db, &q);
    check_against_raw(r, all, n, "1.000656 in Sở Tư pháp");
    assert_true(r->total.v[R3] > 0);
    eg_report_free(r);
    assert_true(runs > 100);
    free(all);
}

/* ---- query plans ------------------------------------------------------------------- */

static void
expect_no_scan(struct eg_db *db, const struct eg_report_query *q, enum eg_report_sql_kind kind)
{
    struct eg_buf sql = EG_BUF_INIT(65536);
    assert_int_equal(eg_buf_adds(&sql, "EXPLAIN QUERY PLAN "), EG_OK);
    assert_int_equal(eg_report_sql(q, kind, &sql), EG_OK);
    struct eg_tx *tx = dbt_begin(db, EG_TX_READ);
    struct eg_stmt *st = dbt_prepare(tx, eg_buf_str(&sql));
    bool row = false;
    struct eg_buf plan = EG_BUF_INIT(65536);
    for (;;) {
        assert_int_equal(eg_stmt_step(st, &row), EG_OK);
        if (!row)
            break;
        const char *detail = eg_stmt_text(st, 3);
        assert_int_equal(eg_buf_printf(&plan, "%s\n", detail), EG_OK);
        /* The dossier table (alias d) is only ever searched through an index. */
        if (strcmp(detail, "SCAN d") == 0 || strncmp(detail, "SCAN d ", 7) == 0)
            fail_msg("full scan of dossier for %s by %s:\n%s", kind ? "days" : "groups",
                     eg_report_group_str(q->group), eg_buf_str(&plan));
    }
    if (kind == EG_REPORT_SQL_GROUPS && !q->agency && !(q->rollup && q->group == 0))
        assert_contains(eg_buf_str(&plan), "dossier_report_end");
    eg_tx_rollback(tx);
    eg_buf_release(&sql);
    eg_buf_release(&plan);
}

static void
test_plans(void **state)
{
    struct dbt *t = dbt_get(state);
    dbt_write(t->db, "ANALYZE");
    for (int g = 0; g < EG_REPORT_GROUP_COUNT; g++) {
        for (int shape = 0; shape < 16; shape++) {
            struct eg_report_query q = march((enum eg_report_group)g);
            q.rollup = shape & 1;
            q.by_desk = shape & 8;
            q.agency = shape & 2 ? JUSTICE : NULL;
            q.field = shape & 4 ? "HT" : NULL;
            expect_no_scan(t->db, &q, EG_REPORT_SQL_GROUPS);
            expect_no_scan(t->db, &q, EG_REPORT_SQL_DAYS);
        }
    }
}

/* ---- refused input ----------------------------------------------------------------- */

static void
refused(struct eg_db *db, const struct eg_report_query *q, enum eg_err want, const char *words)
{
    struct eg_report *r = NULL;
    struct eg_buf msg = EG_BUF_INIT(1024);
    enum eg_err rc = eg_report_run(db, q, &r, &msg);
    if (rc != want)
        fail_msg("%s..%s: %s, expected %s", q->from ? q->from : "(null)", q->to ? q->to : "(null)",
                 eg_strerror(rc), eg_strerror(want));
    assert_null(r);
    assert_contains(eg_buf_str(&msg), words);
    eg_buf_release(&msg);
}

static void
test_refused(void **state)
{
    struct dbt *t = dbt_get(state);
    struct eg_report_query q = march(EG_REPORT_BY_AGENCY);
    q.from = "2026-02-30";
    refused(t->db, &q, EG_EINVAL, "bắt đầu");
    q.from = "2026-3-01";
    refused(t->db, &q, EG_EINVAL, "bắt đầu");
    q.from = NULL;
    refused(t->db, &q, EG_EINVAL, "bắt đầu");
    q = march(EG_REPORT_BY_AGENCY);
    q.to = "2026-03-01x";
    refused(t->db, &q, EG_EINVAL, "kết thúc");
    q.to = "2026-02-28";
    refused(t->db, &q, EG_EINVAL, "đứng trước");
    q.from = "2020-01-01";
    q.to = "2025-01-01";
    refused(t->db, &q, EG_EINVAL, "dài quá");
    q = march(EG_REPORT_BY_AGENCY);
    q.agency = "000.00.99.H41";
    refused(t->db, &q, EG_EINVAL, "000.00.99.H41");
    q.agency = "";
    refused(t->db, &q, EG_EINVAL, "cơ quan");
    q = march(EG_REPORT_BY_AGENCY);
    q.procedure = "1.000656.000.00.00.H41.000000000000000000000000000000000000000000000000000";
    refused(t->db, &q, EG_EINVAL, "thủ tục");
    q = march((enum eg_report_group)7);
    refused(t->db, &q, EG_EINVAL, "nhóm");
    q = march(EG_REPORT_BY_AGENCY);
    q.now_ms = -1;
    refused(t->db, &q, EG_EINVAL, "quá hạn");

    /* The longest period allowed runs. */
    q = march(EG_REPORT_BY_FIELD);
    q.from = "2022-01-01";
    q.to = "2026-12-31";
    struct eg_report *r = rt_run(t->db, &q);
    assert_int_equal(r->nmonths, 60);
    expect_balanced(r);
    eg_report_free(r);

    enum eg_report_group g;
    assert_int_equal(eg_report_group_parse("procedure", &g), EG_OK);
    assert_int_equal(g, EG_REPORT_BY_PROCEDURE);
    assert_int_equal(eg_report_group_parse("Agency", &g), EG_EINVAL);
    assert_int_equal(eg_report_group_parse(NULL, &g), EG_EINVAL);
    assert_int_equal(eg_report_col_number(EG_RC_RECEIVED), 3);
    assert_int_equal(eg_report_col_number(EG_RC_REFUSED), 16);
}

/* More groups than EG_REPORT_MAX_ROWS is refused, not truncated. */
static void
test_too_many_rows(void **state)
{
    struct dbt *t = dbt_get(state);
    int64_t unit = dbt_scalar(t->db, "SELECT id FROM org_unit WHERE code = '000.00.05.H41'");
    struct eg_tx *tx = dbt_begin(t->db, EG_TX_WRITE);
    char codes[EG_REPORT_MAX_ROWS + 1][16];
    struct rt_dossier *d = calloc(EG_REPORT_MAX_ROWS + 1, sizeof(*d));
    assert_non_null(d);
    for (int i = 0; i <= EG_REPORT_MAX_ROWS; i++) {
        snprintf(codes[i], sizeof(codes[i]), "9.%06d", i);
        d[i] = (struct rt_dossier){
            unit,    codes[i], "XD",    "online", "processing", rt_local(2026, 3, 2, 9, 0), RT_NULL,
            RT_NULL, RT_NULL,  RT_NULL, 0};
    }
    rt_insert(tx, d, EG_REPORT_MAX_ROWS + 1);
    assert_int_equal(eg_tx_commit(tx), EG_OK);
    free(d);
    struct eg_report_query q = march(EG_REPORT_BY_PROCEDURE);
    refused(t->db, &q, EG_ETOOBIG, "thu hẹp");
    /* Narrowed, it runs. */
    q.field = "HT";
    struct eg_report *r = rt_run(t->db, &q);
    assert_int_equal(r->nrows, 2);
    eg_report_free(r);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        DBT_BOTH(test_fixed_by_agency, rt_setup_fixed),
        DBT_BOTH(test_fixed_rollup, rt_setup_fixed),
        DBT_BOTH(test_fixed_by_desk, rt_setup_fixed),
        DBT_BOTH(test_fixed_by_field_and_procedure, rt_setup_fixed),
        DBT_BOTH(test_fixed_asof, rt_setup_fixed),
        DBT_BOTH(test_period_edges, rt_setup_fixed),
        DBT_BOTH(test_random_balance, setup_random),
        cmocka_unit_test_prestate_setup_teardown(test_plans, setup_random, dbt_teardown,
                                                 &dbt_kind_sqlite),
        cmocka_unit_test_prestate_setup_teardown(test_refused, rt_setup_fixed, dbt_teardown,
                                                 &dbt_kind_sqlite),
        cmocka_unit_test_prestate_setup_teardown(test_too_many_rows, rt_setup_fixed, dbt_teardown,
                                                 &dbt_kind_sqlite),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
