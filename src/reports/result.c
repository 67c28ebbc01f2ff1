/* result.c - the balance check, the JSON view and the download name of a report. */
#include "reports_int.h"

#include <stdio.h>
#include <string.h>

int64_t
eg_report_row_balance(const struct eg_report_row *row)
{
    const int64_t *v = row->v;
    return v[EG_RC_RECEIVED] - v[EG_RC_RESOLVED] - v[EG_RC_PENDING] - v[EG_RC_WITHDRAWN] -
           v[EG_RC_STOPPED] - v[EG_RC_REFUSED];
}

bool
eg_report_row_balanced(const struct eg_report_row *row)
{
    const int64_t *v = row->v;
    for (int c = 0; c < EG_RC_COUNT; c++)
        if (v[c] < 0)
            return false;
    return eg_report_row_balance(row) == 0 &&
           v[EG_RC_RECEIVED] == v[EG_RC_ONLINE] + v[EG_RC_DIRECT] + v[EG_RC_CARRIED] &&
           v[EG_RC_RESOLVED] == v[EG_RC_EARLY] + v[EG_RC_ON_TIME] + v[EG_RC_LATE] &&
           v[EG_RC_PENDING] == v[EG_RC_PENDING_ON_TIME] + v[EG_RC_PENDING_LATE];
}

size_t
eg_report_unbalanced(const struct eg_report *r, const struct eg_report_row **out, size_t cap)
{
    size_t n = 0;
    int64_t sum[EG_RC_COUNT] = {0};
    for (size_t i = 0; i < r->nrows; i++) {
        for (int c = 0; c < EG_RC_COUNT; c++)
            sum[c] += r->rows[i].v[c];
        if (!eg_report_row_balanced(&r->rows[i])) {
            if (n < cap)
                out[n] = &r->rows[i];
            n++;
        }
    }
    bool total_ok = eg_report_row_balanced(&r->total) && memcmp(sum, r->total.v, sizeof(sum)) == 0;
    if (!total_ok) {
        if (n < cap)
            out[n] = &r->total;
        n++;
    }
    return n;
}

/* ---- JSON ------------------------------------------------------------------------ */

static json_t *
row_json(const struct eg_report_row *row)
{
    json_t *o = json_object();
    if (!o)
        return NULL;
    int bad = json_object_set_new(o, "code", json_string(row->code));
    bad |= json_object_set_new(o, "name", json_string(row->name));
    bad |= json_object_set_new(o, "subtree", json_boolean(row->subtree));
    for (int c = 0; c < EG_RC_COUNT; c++)
        bad |= json_object_set_new(o, eg_report_col_key((enum eg_report_col)c),
                                   json_integer(row->v[c]));
    bad |= json_object_set_new(o, "balance", json_integer(eg_report_row_balance(row)));
    if (bad) {
        json_decref(o);
        return NULL;
    }
    return o;
}

static json_t *
named(const char *code, const char *name)
{
    if (!code)
        return json_null();
    return json_pack("{s:s, s:s}", "code", code, "name", name ? name : code);
}

enum eg_err
eg_report_json(const struct eg_report *r, json_t **out)
{
    *out = NULL;
    struct eg_buf label = EG_BUF_INIT(512);
    char asof[32];
    eg_time_iso_utc(r->asof_ms, asof, sizeof(asof));
    enum eg_err rc = eg_report_period_label(r, &label);
    json_t *o = NULL;
    if (rc == EG_OK)
        o = json_pack("{s:s, s:{s:s, s:s, s:s}, s:s, s:b, s:b, s:s, s:{s:o, s:o, s:o}, s:b}",
                      "title", EG_REPORT_TITLE, "period", "from", r->query.from, "to", r->query.to,
                      "label", eg_buf_str(&label), "group", eg_report_group_str(r->query.group),
                      "rollup", r->query.group == EG_REPORT_BY_AGENCY && r->query.rollup, "by_desk",
                      r->query.by_desk, "asof", asof, "scope", "agency",
                      named(r->query.agency, r->agency_name), "field",
                      named(r->query.field, r->field_name), "procedure",
                      named(r->query.procedure, r->procedure_name), "balanced",
                      eg_report_unbalanced(r, NULL, 0) == 0);
    eg_buf_release(&label);
    if (rc != EG_OK)
        return rc;
    json_t *cols = json_array(), *rows = json_array(), *months = json_array();
    int bad = !o || !cols || !rows || !months;
    for (int c = 0; !bad && c < EG_RC_COUNT; c++)
        bad |= json_array_append_new(
            cols, json_pack("{s:s, s:i, s:s}", "key", eg_report_col_key((enum eg_report_col)c),
                            "number", eg_report_col_number((enum eg_report_col)c), "title",
                            eg_report_col_title((enum eg_report_col)c, "vi")));
    for (size_t i = 0; !bad && i < r->nrows; i++)
        bad |= json_array_append_new(rows, row_json(&r->rows[i]));
    for (size_t i = 0; !bad && i < r->nmonths; i++) {
        const struct eg_report_month *m = &r->months[i];
        char ym[16];
        snprintf(ym, sizeof(ym), "%04d-%02d", m->year, m->month);
        bad |= json_array_append_new(
            months, json_pack("{s:s, s:I, s:I, s:I}", "month", ym, "online", (json_int_t)m->online,
                              "direct", (json_int_t)m->direct, "received",
                              (json_int_t)m->online + (json_int_t)m->direct));
    }
    if (!bad) {
        bad |= json_object_set_new(o, "columns", cols);
        bad |= json_object_set_new(o, "rows", rows);
        bad |= json_object_set_new(o, "months", months);
        cols = rows = months = NULL;
        bad |= json_object_set_new(o, "total", row_json(&r->total));
    }
    json_decref(cols);
    json_decref(rows);
    json_decref(months);
    if (bad) {
        json_decref(o);
        return EG_ENOMEM;
    }
    *out = o;
    return EG_OK;
}

enum eg_err
eg_report_filename(const struct eg_report *r, const char *ext, struct eg_buf *out)
{
    size_t n = ext ? strlen(ext) : 0;
    if (n == 0 || n > 8)
        return EG_EINVAL;
    for (size_t i = 0; i < n; i++)
        if (!((ext[i] >= 'a' && ext[i] <= 'z') || (ext[i] >= '0' && ext[i] <= '9')))
            return EG_EINVAL;
    /* from and to were checked as YYYY-MM-DD: ASCII digits and dashes. */
    return eg_buf_printf(out, "bao-cao-tthc-%s-%s.%s", r->query.from, r->query.to, ext);
}
