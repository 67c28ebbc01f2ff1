/*
 * stats.c - /thong-ke: the statistics dashboard (docs/reports.md) for heads,
 * leaders and administrators: the standard report of a period for the units
 * they hold report.read on, its two charts as server-rendered SVG, and links
 * to the CSV and XLSX exports of the same numbers.
 */
#include "portal_int.h"

#include "directory/directory.h"
#include "reports/reports.h"

#include <stdio.h>
#include <string.h>

/* The default scope: the root when the caller may see the province, else its first unit. */
static enum eg_err
default_scope(struct eg_call *c, char out[40])
{
    out[0] = '\0';
    int64_t units[8];
    size_t n = 0;
    struct eg_tx *tx;
    enum eg_err rc = eg_db_begin(c->db, EG_TX_READ, &tx);
    if (rc != EG_OK)
        return rc;
    int64_t root = 0;
    rc = eg_org_unit_root(tx, &root);
    if (rc == EG_OK)
        rc = eg_access_units(tx, &c->subject, EG_PERM_REPORT_READ, units, 8, &n);
    bool province = false;
    for (size_t i = 0; rc == EG_OK && i < n; i++)
        province = province || units[i] == root;
    if (rc == EG_OK && n > 0 && !province) {
        struct eg_stmt *st;
        bool row = false;
        rc = eg_tx_prepare(tx, "SELECT code FROM org_unit WHERE id = ?", &st);
        if (rc == EG_OK)
            rc = eg_stmt_bind_i64(st, 1, units[0]);
        if (rc == EG_OK)
            rc = eg_stmt_step(st, &row);
        if (rc == EG_OK && row) {
            snprintf(out, 40, "%s", eg_stmt_text(st, 0));
            eg_stmt_reset(st);
        }
    }
    eg_tx_rollback(tx);
    return rc;
}

static enum eg_err
scope_unit(struct eg_call *c, const char *agency, int64_t *unit)
{
    struct eg_tx *tx;
    enum eg_err rc = eg_db_begin(c->db, EG_TX_READ, &tx);
    if (rc != EG_OK)
        return rc;
    rc = agency && *agency ? eg_org_unit_id(tx, agency, unit) : eg_org_unit_root(tx, unit);
    eg_tx_rollback(tx);
    return rc;
}

/* This month so far, as "YYYY-MM-01" and today (local). */
static void
this_month(int64_t now_ms, char from[EG_DATE_STR], char to[EG_DATE_STR])
{
    struct eg_date today = eg_date_of_ms(now_ms, NULL);
    eg_date_format(today, to);
    today.day = 1;
    eg_date_format(today, from);
}

static void
fail_field(struct page *pg, const char *name, const char *kind)
{
    json_t *e = json_pack("{s:s}", "field", name);
    pg_flag(e, "k", kind);
    json_object_set(json_object_get(pg->ctx, "e"), name, e);
    json_t *list = json_object_get(pg->ctx, "errors");
    if (!list) {
        list = json_array();
        json_object_set_new(pg->ctx, "errors", list);
        json_object_set_new(pg->ctx, "has_errors", json_true());
    }
    json_array_append_new(list, e);
}

void
pg_stats(struct eg_call *c, void *ctx)
{
    struct page pg;
    pg_begin(&pg, c, ctx);
    json_object_set_new(pg.ctx, "nav_stats", json_true());
    json_t *v = json_object_get(pg.ctx, "v");
    char dfrom[EG_DATE_STR], dto[EG_DATE_STR], dscope[40];
    this_month(c->now_ms, dfrom, dto);
    const char *from = pg_query_str(c, "from", 10);
    const char *to = pg_query_str(c, "to", 10);
    const char *agency = pg_query_str(c, "agency", 35);
    const char *group = pg_query_str(c, "group", 16);
    struct eg_report_query q = {.from = from ? from : dfrom, .to = to ? to : dto};
    if (!group || eg_report_group_parse(group, &q.group) != EG_OK)
        q.group = EG_REPORT_BY_AGENCY;
    enum eg_err rc = EG_OK;
    if (!agency) {
        rc = default_scope(c, dscope);
        agency = dscope[0] ? dscope : NULL;
    }
    q.agency = agency && *agency ? agency : NULL;
    q.rollup = q.group == EG_REPORT_BY_AGENCY;
    q.now_ms = c->now_ms;
    json_object_set_new(v, "from", json_string(q.from));
    json_object_set_new(v, "to", json_string(q.to));
    json_object_set_new(v, "agency", json_string(q.agency ? q.agency : ""));
    pg_flag(v, "group", eg_report_group_str(q.group));
    int64_t unit = 0;
    if (rc == EG_OK)
        rc = scope_unit(c, q.agency, &unit);
    if (rc == EG_ENOTFOUND) {
        fail_field(&pg, "agency", "agency_unknown");
        pg_render(&pg, 400, "stats");
        return;
    }
    if (rc != EG_OK) {
        pg_release(&pg);
        eg_resp_err(c->req, rc, NULL);
        return;
    }
    if (eg_gate_allow(c, EG_PERM_REPORT_READ, &(struct eg_access_target){.org_unit_id = unit}) !=
        EG_OK) {
        pg_release(&pg);
        return;
    }
    struct eg_report *rep = NULL;
    struct eg_buf msg = EG_BUF_INIT(1024);
    rc = eg_report_run(c->db, &q, &rep, &msg);
    if (rc == EG_EINVAL || rc == EG_ETOOBIG) {
        json_object_set_new(pg.ctx, "report_error",
                            json_string(msg.len ? msg.p
                                                : "Không lập được báo cáo với các điều kiện "
                                                  "này; hãy thu hẹp kỳ hoặc phạm vi."));
        eg_buf_release(&msg);
        pg_render(&pg, 400, "stats");
        return;
    }
    eg_buf_release(&msg);
    if (rc != EG_OK) {
        pg_release(&pg);
        eg_resp_err(c->req, rc, NULL);
        return;
    }
    json_t *out = NULL;
    struct eg_buf svg1 = EG_BUF_INIT(1u << 20), svg2 = EG_BUF_INIT(1u << 20);
    rc = eg_report_json(rep, &out);
    if (rc == EG_OK)
        rc = eg_report_svg_outcomes(rep, &svg1);
    if (rc == EG_OK)
        rc = eg_report_svg_months(rep, &svg2);
    eg_report_free(rep);
    if (rc != EG_OK) {
        json_decref(out);
        eg_buf_release(&svg1);
        eg_buf_release(&svg2);
        pg_release(&pg);
        eg_resp_err(c->req, rc, NULL);
        return;
    }
    /* The charts are SVG written by reports/, every text in them escaped there. */
    json_object_set_new(pg.ctx, "raw_chart_outcomes", json_string(eg_buf_str(&svg1)));
    json_object_set_new(pg.ctx, "raw_chart_months", json_string(eg_buf_str(&svg2)));
    eg_buf_release(&svg1);
    eg_buf_release(&svg2);
    json_object_set_new(pg.ctx, "report", out);
    char query[256];
    snprintf(query, sizeof(query), "from=%s&to=%s&group=%s%s%s%s", q.from, q.to,
             eg_report_group_str(q.group), q.rollup ? "&rollup=true" : "",
             q.agency ? "&agency=" : "", q.agency ? q.agency : "");
    json_object_set_new(pg.ctx, "export_query", json_string(query));
    pg_render(&pg, 200, "stats");
}
