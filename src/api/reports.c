/*
 * reports.c - GET /api/v1/reports: the standard statistics of dossiers
 * received and resolved (docs/reports.md) as JSON, CSV or XLSX. Who may see
 * a unit's figures: the holders of report.read on it (heads, leaders,
 * administrators); the whole province needs it on the root unit.
 */
#include "api_int.h"

#include "directory/directory.h"
#include "reports/reports.h"

#include <stdio.h>
#include <string.h>

static bool
en(struct eg_req *r)
{
    return strcmp(eg_req_lang(r), "en") == 0;
}

/* The unit whose report.read the caller needs: the scope's, else the root. */
static enum eg_err
scope_unit(struct eg_call *c, const char *agency, int64_t *unit)
{
    struct eg_tx *tx;
    enum eg_err rc = eg_db_begin(c->db, EG_TX_READ, &tx);
    if (rc != EG_OK)
        return rc;
    rc = agency ? eg_org_unit_id(tx, agency, unit) : eg_org_unit_root(tx, unit);
    eg_tx_rollback(tx);
    return rc;
}

static bool
query_of(struct eg_req *r, struct eg_report_query *q)
{
    memset(q, 0, sizeof(*q));
    q->from = eg_req_query(r, "from");
    q->to = eg_req_query(r, "to");
    q->agency = eg_req_query(r, "agency");
    q->field = eg_req_query(r, "field");
    q->procedure = eg_req_query(r, "procedure");
    const char *group = eg_req_query(r, "group");
    const char *rollup = eg_req_query(r, "rollup");
    const char *desk = eg_req_query(r, "by_desk");
    q->group = EG_REPORT_BY_AGENCY;
    if (group && eg_report_group_parse(group, &q->group) != EG_OK) {
        eg_resp_error(r, 400, "invalid_argument",
                      en(r) ? "group: agency, field or procedure."
                            : "group: agency (theo cơ quan), field (theo lĩnh vực) hoặc "
                              "procedure (theo thủ tục).");
        return false;
    }
    q->rollup = rollup && strcmp(rollup, "true") == 0;
    q->by_desk = desk && strcmp(desk, "true") == 0;
    if (!q->from || !q->to) {
        eg_resp_error(r, 400, "invalid_argument",
                      en(r) ? "from and to: the period's first and last day, YYYY-MM-DD."
                            : "from và to: ngày đầu và ngày cuối của kỳ báo cáo, dạng YYYY-MM-DD.");
        return false;
    }
    return true;
}

void
eg_api_reports(struct eg_call *c, void *ctx)
{
    struct eg_api *api = ctx;
    struct eg_req *r = c->req;
    struct eg_report_query q;
    if (!query_of(r, &q))
        return;
    const char *format = eg_req_query(r, "format");
    if (format && strcmp(format, "json") != 0 && strcmp(format, "csv") != 0 &&
        strcmp(format, "xlsx") != 0) {
        eg_resp_error(r, 400, "invalid_argument",
                      en(r) ? "format: json, csv or xlsx." : "format: json, csv hoặc xlsx.");
        return;
    }
    int64_t unit = 0;
    enum eg_err rc =
        q.agency && strlen(q.agency) > 35 ? EG_ENOTFOUND : scope_unit(c, q.agency, &unit);
    if (rc == EG_ENOTFOUND) {
        eg_resp_error(r, 400, "invalid_argument",
                      en(r) ? "agency: no unit has this code."
                            : "agency: không có cơ quan nào mang mã này.");
        return;
    }
    if (rc != EG_OK) {
        eg_resp_err(r, rc, NULL);
        return;
    }
    if (eg_gate_allow(c, EG_PERM_REPORT_READ, &(struct eg_access_target){.org_unit_id = unit}) !=
        EG_OK)
        return;
    q.now_ms = c->now_ms;
    struct eg_report *rep = NULL;
    struct eg_buf msg = EG_BUF_INIT(1024);
    rc = eg_report_run(api->db, &q, &rep, &msg);
    if (rc != EG_OK) {
        eg_resp_err(r, rc == EG_ETOOBIG ? EG_EINVAL : rc,
                    msg.len ? eg_arena_strdup(eg_req_arena(r), msg.p)
                    : rc == EG_ETOOBIG
                        ? (en(r) ? "Too many groups: narrow the report to one agency or field."
                                 : "Quá nhiều nhóm: hãy giới hạn báo cáo theo một cơ quan hoặc "
                                   "lĩnh vực.")
                        : NULL);
        eg_buf_release(&msg);
        return;
    }
    eg_buf_release(&msg);
    eg_resp_header(r, "Cache-Control", "private, no-store");
    if (!format || strcmp(format, "json") == 0) {
        json_t *out = NULL;
        rc = eg_report_json(rep, &out);
        eg_report_free(rep);
        if (rc != EG_OK) {
            eg_resp_err(r, rc, NULL);
            return;
        }
        eg_resp_json(r, 200, out);
        return;
    }
    bool csv = strcmp(format, "csv") == 0;
    struct eg_buf out = EG_BUF_INIT(64u << 20), name = EG_BUF_INIT(256);
    rc = csv ? eg_report_csv(rep, &out) : eg_report_xlsx(rep, NULL, &out);
    if (rc == EG_OK)
        rc = eg_report_filename(rep, csv ? "csv" : "xlsx", &name);
    eg_report_free(rep);
    if (rc != EG_OK) {
        eg_resp_err(r, rc, NULL);
    } else {
        /* The file name is ASCII letters, digits, dashes and dots (eg_report_filename). */
        const char *cd =
            eg_arena_printf(eg_req_arena(r), "attachment; filename=\"%s\"", eg_buf_str(&name));
        eg_resp_header(r, "Content-Disposition", cd ? cd : "attachment");
        eg_resp_bytes(r, 200,
                      csv ? "text/csv; charset=utf-8"
                          : "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                      out.p, out.len);
    }
    eg_buf_release(&out);
    eg_buf_release(&name);
}
