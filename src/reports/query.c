/*
 * query.c - running the report: two GROUP BY queries in one read transaction.
 *
 * The dossiers of the report are found by three index range scans joined
 * with UNION ALL, disjoint by construction:
 *   A  received in the period                     (dossier_received)
 *   B  received before it, ended at or after its start (dossier_report_end)
 *   C  received before it, not ended              (dossier_report_end, IS NULL)
 * where "ended" is COALESCE(finished_ms, closed_ms), the expression migration
 * 0011 indexes (the SQL must spell it exactly so, for both planners to use
 * the index). Each dossier gets one outcome class x in the middle SELECT;
 * the outer SELECT counts per group. Names come from one LEFT JOIN.
 * Received per local day is a second, smaller GROUP BY; months are summed here.
 */
#include "reports_int.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SQL_MAX 16384
#define ARENA_CHUNK 65536
#define ARENA_MAX ((size_t)32 << 20)
#define PARAMS_MAX 32

/* Which value each '?' takes, in the order of the SQL text. */
enum param { P_FROM, P_TO, P_ASOF, P_AGENCY, P_FIELD, P_PROC, P_LIMIT };

struct sqlb {
    struct eg_buf *sql;
    enum param params[PARAMS_MAX];
    int n;
    enum eg_err rc;
};

/* Appends text; every '?' in it takes the next of the given params, in order. */
static void
frag(struct sqlb *b, const char *text, ...)
{
    if (b->rc != EG_OK)
        return;
    va_list ap;
    va_start(ap, text);
    for (const char *p = strchr(text, '?'); p; p = strchr(p + 1, '?')) {
        if (b->n >= PARAMS_MAX) {
            b->rc = EG_EINTERNAL;
            break;
        }
        b->params[b->n++] = (enum param)va_arg(ap, int);
    }
    va_end(ap);
    if (b->rc == EG_OK)
        b->rc = eg_buf_adds(b->sql, text);
}

/* The org subtree in scope: each unit with its group (itself, or with rollup the
 * sub-unit of the scope's root it lies under) and its depth below the root. */
static void
sql_scope(struct sqlb *b, const struct eg_report_query *q, bool rollup)
{
    frag(b, "WITH RECURSIVE scope(id, grp, depth) AS (");
    if (q->agency)
        frag(b, "SELECT id, id, 0 FROM org_unit WHERE code = ?", P_AGENCY);
    else
        frag(b, "SELECT id, id, 0 FROM org_unit WHERE parent_id IS NULL");
    frag(b, " UNION ALL SELECT o.id, ");
    frag(b, rollup ? "CASE WHEN s.depth = 0 THEN o.id ELSE s.grp END" : "o.id");
    /* The tree is at most four levels deep; the bound only stops a cycle. */
    frag(b, ", s.depth + 1 FROM org_unit o JOIN scope s ON o.parent_id = s.id"
            " WHERE s.depth < 16) ");
}

static void
sql_filters(struct sqlb *b, const struct eg_report_query *q)
{
    if (q->field)
        frag(b, " AND d.field_code = ?", P_FIELD);
    if (q->procedure)
        frag(b, " AND d.procedure_code = ?", P_PROC);
}

/* The unit column "agency" means (see struct eg_report_query). */
static const char *
unit_col(const struct eg_report_query *q)
{
    return q->by_desk ? "d.org_unit_id" : "d.agency_unit_id";
}

static void
sql_join_scope(struct sqlb *b, const struct eg_report_query *q)
{
    frag(b, " JOIN scope s ON s.id = ");
    frag(b, unit_col(q));
}

static void
sql_branch(struct sqlb *b, const struct eg_report_query *q, bool scoped, char which)
{
    frag(b, "SELECT ");
    switch (q->group) {
    case EG_REPORT_BY_FIELD:
        frag(b, "d.field_code");
        break;
    case EG_REPORT_BY_PROCEDURE:
        frag(b, "d.procedure_code");
        break;
    default:
        frag(b, scoped ? "s.grp" : unit_col(q));
        break;
    }
    frag(b, " AS k, d.channel, d.state, d.finished_ms,"
            " COALESCE(d.finished_ms, d.closed_ms) AS e, d.due_ms, ");
    frag(b, which == 'A' ? "0" : "1");
    frag(b, " AS c FROM dossier d");
    if (scoped)
        sql_join_scope(b, q);
    if (which == 'A')
        frag(b, " WHERE d.received_ms >= ? AND d.received_ms < ?", P_FROM, P_TO);
    else if (which == 'B')
        frag(b, " WHERE COALESCE(d.finished_ms, d.closed_ms) >= ? AND d.received_ms < ?", P_FROM,
             P_FROM);
    else
        frag(b, " WHERE COALESCE(d.finished_ms, d.closed_ms) IS NULL AND d.received_ms < ?",
             P_FROM);
    sql_filters(b, q);
}

/* The outcome class of a dossier: the column number it counts in, 8..16 but 11. */
static const char SQL_CLASS[] =
    "CASE WHEN e IS NOT NULL AND e < ? THEN CASE"
    " WHEN finished_ms IS NULL AND state = 'withdrawn' THEN 14"
    " WHEN finished_ms IS NULL AND state = 'stopped' THEN 15"
    " WHEN finished_ms IS NULL AND state = 'refused' THEN 16"
    " WHEN due_ms IS NULL THEN 9"
    " WHEN e > due_ms THEN 10"
    /* local day of the end before the local day of the due time (due_ms - 1: a due
       time of 24:00 belongs to the day it ends) */
    " WHEN (e + 25200000) / 86400000 < (due_ms + 25199999) / 86400000 THEN 8"
    " ELSE 9 END"
    " WHEN due_ms IS NOT NULL AND due_ms < ? THEN 13 ELSE 12 END";

static const char SQL_COUNTS[] =
    "SELECT k, COUNT(*) AS n3,"
    " SUM(CASE WHEN c = 0 AND channel = 'online' THEN 1 ELSE 0 END) AS n4,"
    " SUM(CASE WHEN c = 0 AND channel <> 'online' THEN 1 ELSE 0 END) AS n5,"
    " SUM(c) AS n6,"
    " SUM(CASE WHEN x IN (8, 9, 10) THEN 1 ELSE 0 END) AS n7,"
    " SUM(CASE WHEN x = 8 THEN 1 ELSE 0 END) AS n8,"
    " SUM(CASE WHEN x = 9 THEN 1 ELSE 0 END) AS n9,"
    " SUM(CASE WHEN x = 10 THEN 1 ELSE 0 END) AS n10,"
    " SUM(CASE WHEN x IN (12, 13) THEN 1 ELSE 0 END) AS n11,"
    " SUM(CASE WHEN x = 12 THEN 1 ELSE 0 END) AS n12,"
    " SUM(CASE WHEN x = 13 THEN 1 ELSE 0 END) AS n13,"
    " SUM(CASE WHEN x = 14 THEN 1 ELSE 0 END) AS n14,"
    " SUM(CASE WHEN x = 15 THEN 1 ELSE 0 END) AS n15,"
    " SUM(CASE WHEN x = 16 THEN 1 ELSE 0 END) AS n16 FROM (SELECT k, c, channel, ";

static enum eg_err
build(const struct eg_report_query *q, enum eg_report_sql_kind kind, struct sqlb *b)
{
    bool rollup = q->group == EG_REPORT_BY_AGENCY && q->rollup;
    if (kind == EG_REPORT_SQL_DAYS) {
        bool scoped = q->agency != NULL;
        if (scoped)
            sql_scope(b, q, false);
        frag(b, "SELECT (d.received_ms + 25200000) / 86400000 AS day,"
                " SUM(CASE WHEN d.channel = 'online' THEN 1 ELSE 0 END), COUNT(*)"
                " FROM dossier d");
        if (scoped)
            sql_join_scope(b, q);
        frag(b, " WHERE d.received_ms >= ? AND d.received_ms < ?", P_FROM, P_TO);
        sql_filters(b, q);
        frag(b, " GROUP BY (d.received_ms + 25200000) / 86400000");
        return b->rc;
    }
    bool scoped = q->agency != NULL || rollup;
    if (scoped)
        sql_scope(b, q, rollup);
    frag(b, "SELECT g.n3, g.n4, g.n5, g.n6, g.n7, g.n8, g.n9, g.n10, g.n11, g.n12, g.n13,"
            " g.n14, g.n15, g.n16, ");
    switch (q->group) {
    case EG_REPORT_BY_FIELD:
        frag(b, "g.k, f.name, 0 FROM (");
        break;
    case EG_REPORT_BY_PROCEDURE:
        frag(b, "g.k, p.name, 0 FROM (");
        break;
    default:
        frag(b, "u.code, u.name, CASE WHEN u.parent_id IS NULL THEN 1 ELSE 0 END FROM (");
        break;
    }
    frag(b, SQL_COUNTS);
    frag(b, SQL_CLASS, P_TO, P_ASOF);
    frag(b, " AS x FROM (");
    sql_branch(b, q, scoped, 'A');
    frag(b, " UNION ALL ");
    sql_branch(b, q, scoped, 'B');
    frag(b, " UNION ALL ");
    sql_branch(b, q, scoped, 'C');
    frag(b, ") u) v GROUP BY k) g");
    switch (q->group) {
    case EG_REPORT_BY_FIELD:
        frag(b, " LEFT JOIN procedure_field f ON f.code = g.k ORDER BY g.k");
        break;
    case EG_REPORT_BY_PROCEDURE:
        frag(b, " LEFT JOIN procedure p ON p.code = g.k ORDER BY g.k");
        break;
    default:
        frag(b, " LEFT JOIN org_unit u ON u.id = g.k ORDER BY u.code");
        break;
    }
    frag(b, " LIMIT ?", P_LIMIT);
    return b->rc;
}

enum eg_err
eg_report_sql(const struct eg_report_query *q, enum eg_report_sql_kind kind, struct eg_buf *sql)
{
    struct sqlb b = {sql, {0}, 0, EG_OK};
    return build(q, kind, &b);
}

/* ---- running -------------------------------------------------------------------- */

struct run {
    struct eg_report *r;
    struct eg_tx *tx;
    struct eg_buf *msg;
};

static void say(struct eg_buf *msg, const char *fmt, ...) EG_PRINTF(2, 3);

static void
say(struct eg_buf *msg, const char *fmt, ...)
{
    if (!msg)
        return;
    va_list ap;
    va_start(ap, fmt);
    if (eg_buf_vprintf(msg, fmt, ap) != EG_OK)
        eg_buf_reset(msg);
    va_end(ap);
}

static enum eg_err
prepare_bound(struct run *run, const struct eg_report_query *q, enum eg_report_sql_kind kind,
              struct eg_stmt **st)
{
    struct eg_buf sql = EG_BUF_INIT(SQL_MAX);
    struct sqlb b = {&sql, {0}, 0, EG_OK};
    enum eg_err rc = build(q, kind, &b);
    if (rc == EG_OK)
        rc = eg_tx_prepare(run->tx, eg_buf_str(&sql), st);
    for (int i = 0; rc == EG_OK && i < b.n; i++) {
        const struct eg_report *r = run->r;
        switch (b.params[i]) {
        case P_FROM:
            rc = eg_stmt_bind_i64(*st, i + 1, r->from_ms);
            break;
        case P_TO:
            rc = eg_stmt_bind_i64(*st, i + 1, r->to_ms);
            break;
        case P_ASOF:
            rc = eg_stmt_bind_i64(*st, i + 1, r->asof_ms);
            break;
        case P_AGENCY:
            rc = eg_stmt_bind_text(*st, i + 1, q->agency, SIZE_MAX);
            break;
        case P_FIELD:
            rc = eg_stmt_bind_text(*st, i + 1, q->field, SIZE_MAX);
            break;
        case P_PROC:
            rc = eg_stmt_bind_text(*st, i + 1, q->procedure, SIZE_MAX);
            break;
        case P_LIMIT:
            rc = eg_stmt_bind_i64(*st, i + 1, EG_REPORT_MAX_ROWS + 1);
            break;
        }
    }
    eg_buf_release(&sql);
    return rc;
}

/* The name in table (org_unit, procedure_field, procedure) of code; NULL when none. */
static enum eg_err
name_of(struct run *run, const char *sql, const char *code, const char **out)
{
    struct eg_stmt *st = NULL;
    bool row = false;
    *out = NULL;
    enum eg_err rc = eg_tx_prepare(run->tx, sql, &st);
    if (rc == EG_OK)
        rc = eg_stmt_bind_text(st, 1, code, SIZE_MAX);
    if (rc == EG_OK)
        rc = eg_stmt_step(st, &row);
    if (rc == EG_OK && row) {
        const char *t = eg_stmt_text(st, 0);
        *out = eg_arena_strdup(run->r->arena, t ? t : code);
        if (!*out)
            rc = EG_ENOMEM;
    }
    return rc;
}

static enum eg_err
read_names(struct run *run)
{
    struct eg_report *r = run->r;
    const struct eg_report_query *q = &r->query;
    enum eg_err rc = EG_OK;
    if (q->agency) {
        rc = name_of(run, "SELECT name FROM org_unit WHERE code = ?", q->agency, &r->agency_name);
        if (rc == EG_OK && !r->agency_name) {
            say(run->msg, "Không có cơ quan, đơn vị mã %s.", q->agency);
            return EG_EINVAL;
        }
    }
    if (rc == EG_OK && q->field) {
        rc = name_of(run, "SELECT name FROM procedure_field WHERE code = ?", q->field,
                     &r->field_name);
        if (rc == EG_OK && !r->field_name)
            r->field_name = q->field;
    }
    if (rc == EG_OK && q->procedure) {
        rc = name_of(run, "SELECT name FROM procedure WHERE code = ?", q->procedure,
                     &r->procedure_name);
        if (rc == EG_OK && !r->procedure_name)
            r->procedure_name = q->procedure;
    }
    return rc;
}

static enum eg_err
read_rows(struct run *run)
{
    struct eg_report *r = run->r;
    const struct eg_report_query *q = &r->query;
    struct eg_stmt *st = NULL;
    enum eg_err rc = prepare_bound(run, q, EG_REPORT_SQL_GROUPS, &st);
    size_t cap = 0;
    bool row = false;
    while (rc == EG_OK) {
        rc = eg_stmt_step(st, &row);
        if (rc != EG_OK || !row)
            break;
        if (r->nrows == EG_REPORT_MAX_ROWS) {
            say(run->msg, "Báo cáo có quá %d dòng: hãy thu hẹp phạm vi.", EG_REPORT_MAX_ROWS);
            return EG_ETOOBIG;
        }
        if (r->nrows == cap) {
            size_t ncap = cap ? cap * 4 : 64;
            struct eg_report_row *n = eg_arena_alloc(r->arena, ncap * sizeof(*n));
            if (!n)
                return EG_ENOMEM;
            if (r->nrows)
                memcpy(n, r->rows, r->nrows * sizeof(*n));
            r->rows = n;
            cap = ncap;
        }
        struct eg_report_row *w = &r->rows[r->nrows++];
        memset(w, 0, sizeof(*w));
        for (int c = 0; c < EG_RC_COUNT; c++)
            w->v[c] = eg_stmt_i64(st, c);
        const char *code = eg_stmt_text(st, EG_RC_COUNT);
        const char *name = eg_stmt_text(st, EG_RC_COUNT + 1);
        w->code = eg_arena_strdup(r->arena, code ? code : "");
        w->name = eg_arena_strdup(r->arena, name ? name : code ? code : "");
        if (!w->code || !w->name)
            return EG_ENOMEM;
        if (q->group == EG_REPORT_BY_AGENCY && q->rollup) {
            /* Every row but the scope's root counts a subtree. */
            bool root =
                q->agency ? strcmp(w->code, q->agency) == 0 : eg_stmt_i64(st, EG_RC_COUNT + 2) == 1;
            w->subtree = !root;
        }
    }
    return rc;
}

static enum eg_err
read_months(struct run *run)
{
    struct eg_report *r = run->r;
    int64_t first = (r->from_ms + EG_REPORT_TZ_MS) / EG_REPORT_DAY_MS;
    int64_t last = (r->to_ms + EG_REPORT_TZ_MS) / EG_REPORT_DAY_MS - 1;
    int fy, fm, ly, lm, d;
    eg_report_civil_from_days(first, &fy, &fm, &d);
    eg_report_civil_from_days(last, &ly, &lm, &d);
    size_t n = (size_t)(((int64_t)ly * 12 + lm) - ((int64_t)fy * 12 + fm) + 1);
    r->months = eg_arena_zalloc(r->arena, n * sizeof(*r->months));
    if (!r->months)
        return EG_ENOMEM;
    r->nmonths = n;
    for (size_t i = 0; i < n; i++) {
        int k = fy * 12 + (fm - 1) + (int)i;
        r->months[i].year = k / 12;
        r->months[i].month = k % 12 + 1;
    }
    struct eg_stmt *st = NULL;
    enum eg_err rc = prepare_bound(run, &r->query, EG_REPORT_SQL_DAYS, &st);
    bool row = false;
    while (rc == EG_OK) {
        rc = eg_stmt_step(st, &row);
        if (rc != EG_OK || !row)
            break;
        int64_t day = eg_stmt_i64(st, 0);
        if (day < first || day > last)
            continue; /* cannot happen: the WHERE is the same period */
        int y, m;
        eg_report_civil_from_days(day, &y, &m, &d);
        size_t i = (size_t)((y * 12 + m) - (fy * 12 + fm));
        int64_t online = eg_stmt_i64(st, 1);
        r->months[i].online += online;
        r->months[i].direct += eg_stmt_i64(st, 2) - online;
    }
    return rc;
}

static enum eg_err
check_query(const struct eg_report_query *q, int64_t *from, int64_t *to, struct eg_buf *msg)
{
    if (eg_report_parse_date(q->from, from) != EG_OK) {
        say(msg, "Ngày bắt đầu kỳ báo cáo không hợp lệ (YYYY-MM-DD).");
        return EG_EINVAL;
    }
    if (eg_report_parse_date(q->to, to) != EG_OK) {
        say(msg, "Ngày kết thúc kỳ báo cáo không hợp lệ (YYYY-MM-DD).");
        return EG_EINVAL;
    }
    if (*to < *from) {
        say(msg, "Ngày kết thúc kỳ báo cáo đứng trước ngày bắt đầu.");
        return EG_EINVAL;
    }
    if (*to - *from + 1 > EG_REPORT_MAX_DAYS) {
        say(msg, "Kỳ báo cáo dài quá %d ngày.", EG_REPORT_MAX_DAYS);
        return EG_EINVAL;
    }
    if ((unsigned)q->group >= EG_REPORT_GROUP_COUNT) {
        say(msg, "Cách nhóm báo cáo không hợp lệ.");
        return EG_EINVAL;
    }
    const char *codes[3] = {q->agency, q->field, q->procedure};
    for (int i = 0; i < 3; i++) {
        if (codes[i] && (codes[i][0] == '\0' || strlen(codes[i]) > EG_REPORT_CODE_MAX ||
                         !eg_utf8_valid(codes[i], strlen(codes[i])))) {
            say(msg, "Mã %s không hợp lệ.",
                i == 0   ? "cơ quan, đơn vị"
                : i == 1 ? "lĩnh vực"
                         : "thủ tục");
            return EG_EINVAL;
        }
    }
    if (q->now_ms < 0) {
        say(msg, "Thời điểm tính quá hạn không hợp lệ.");
        return EG_EINVAL;
    }
    return EG_OK;
}

static const char *
dup_or_null(struct eg_arena *a, const char *s, bool *oom)
{
    if (!s)
        return NULL;
    char *d = eg_arena_strdup(a, s);
    if (!d)
        *oom = true;
    return d;
}

enum eg_err
eg_report_run(struct eg_db *db, const struct eg_report_query *q, struct eg_report **out,
              struct eg_buf *msg)
{
    *out = NULL;
    int64_t from = 0, to = 0;
    enum eg_err rc = check_query(q, &from, &to, msg);
    if (rc != EG_OK)
        return rc;
    struct eg_report *r = calloc(1, sizeof(*r));
    if (!r)
        return EG_ENOMEM;
    r->arena = eg_arena_new(ARENA_CHUNK, ARENA_MAX);
    if (!r->arena) {
        free(r);
        return EG_ENOMEM;
    }
    bool oom = false;
    r->query = *q;
    r->query.from = dup_or_null(r->arena, q->from, &oom);
    r->query.to = dup_or_null(r->arena, q->to, &oom);
    r->query.agency = dup_or_null(r->arena, q->agency, &oom);
    r->query.field = dup_or_null(r->arena, q->field, &oom);
    r->query.procedure = dup_or_null(r->arena, q->procedure, &oom);
    r->from_ms = from * EG_REPORT_DAY_MS - EG_REPORT_TZ_MS;
    r->to_ms = (to + 1) * EG_REPORT_DAY_MS - EG_REPORT_TZ_MS;
    r->asof_ms = q->now_ms > 0 && q->now_ms < r->to_ms ? q->now_ms : r->to_ms;
    r->total.code = "";
    r->total.name = EG_REPORT_TOTAL;
    if (oom) {
        eg_report_free(r);
        return EG_ENOMEM;
    }

    struct run run = {r, NULL, msg};
    rc = eg_db_begin(db, EG_TX_READ, &run.tx);
    if (rc == EG_OK)
        rc = read_names(&run);
    if (rc == EG_OK)
        rc = read_rows(&run);
    if (rc == EG_OK)
        rc = read_months(&run);
    if (rc != EG_OK && rc != EG_EINVAL && rc != EG_ETOOBIG && run.tx)
        eg_warn("report: %s: %s", eg_strerror(rc), eg_tx_errmsg(run.tx));
    eg_tx_rollback(run.tx);
    if (rc != EG_OK) {
        eg_report_free(r);
        return rc;
    }
    for (size_t i = 0; i < r->nrows; i++)
        for (int c = 0; c < EG_RC_COUNT; c++)
            r->total.v[c] += r->rows[i].v[c];
    *out = r;
    return EG_OK;
}

void
eg_report_free(struct eg_report *r)
{
    if (!r)
        return;
    eg_arena_free(r->arena);
    free(r);
}
