/* list.c - queues: the applicant's own dossiers and the desk's and officers' work lists. */
#include "dossiers_int.h"

#include <stdio.h>
#include <string.h>

/*
 * The units (with their subtrees) where the actor holds a role, as a CTE
 * named g(id, role). Roles are granted on a unit and hold below it.
 */
#define UNITS_CTE                                                                                  \
    "WITH RECURSIVE g (id, role) AS (SELECT org_unit_id, role FROM role_grant WHERE "              \
    "account_id = ? AND revoked_at IS NULL UNION SELECT o.id, g.role FROM org_unit o JOIN g "      \
    "ON o.parent_id = g.id) "

#define IN_PROGRESS "d.state IN ('received', 'processing')"
#define VISIBLE                                                                                    \
    "d.id IN (SELECT du.dossier_id FROM dossier_unit du WHERE du.org_unit_id IN (SELECT id "       \
    "FROM g WHERE role IN ('desk_officer', 'specialist', 'department_head', 'agency_leader', "     \
    "'clerk')))"

struct qdef {
    const char *where; /* with ? for the account (a), now (n) or the warning edge (w) */
    const char *binds; /* one letter per ? in where, in order */
    const char *order;
    bool staff;
};

static const struct qdef qdefs[EG_QUEUE_COUNT] = {
    [EG_QUEUE_MINE] = {"d.applicant_account = ?", "a", "d.id DESC", false},
    [EG_QUEUE_NEW] = {"d.state = 'submitted' AND d.org_unit_id IN (SELECT id FROM g WHERE role = "
                      "'desk_officer')",
                      "", "d.submitted_ms, d.id", true},
    [EG_QUEUE_ASSIGNED] = {"d.assignee = ? AND " IN_PROGRESS, "a", "d.step_due_ms, d.id", true},
    [EG_QUEUE_STEP] = {IN_PROGRESS " AND EXISTS (SELECT 1 FROM g WHERE g.id = d.step_unit_id AND "
                                   "g.role = d.step_role)",
                       "", "d.step_due_ms, d.id", true},
    [EG_QUEUE_DUE_SOON] = {IN_PROGRESS " AND d.due_ms >= ? AND d.due_ms < ? AND " VISIBLE, "nw",
                           "d.due_ms, d.id", true},
    [EG_QUEUE_OVERDUE] = {IN_PROGRESS " AND d.due_ms < ? AND " VISIBLE, "n", "d.due_ms, d.id",
                          true},
    [EG_QUEUE_RESULTS] = {"d.state = 'result_ready' AND d.org_unit_id IN (SELECT id FROM g WHERE "
                          "role = 'desk_officer')",
                          "", "d.finished_ms, d.id", true},
    [EG_QUEUE_ALL] = {"d.state <> 'draft' AND " VISIBLE, "", "d.id DESC", true},
};

static enum eg_err
bind_all(struct eg_stmt *st, const struct qdef *q, bool cte, int64_t me, int64_t now, int64_t warn,
         const char *state, int *next)
{
    int i = 1;
    enum eg_err rc = EG_OK;
    if (cte)
        rc = eg_stmt_bind_i64(st, i++, me);
    for (const char *b = q->binds; rc == EG_OK && *b; b++)
        rc = eg_stmt_bind_i64(st, i++, *b == 'a' ? me : *b == 'n' ? now : now + warn);
    if (rc == EG_OK && state)
        rc = eg_stmt_bind_text(st, i++, state, strlen(state));
    *next = i;
    return rc;
}

static json_t *
opt_time(const struct eg_stmt *st, int col)
{
    if (eg_stmt_is_null(st, col))
        return json_null();
    char s[EG_DATETIME_STR];
    eg_datetime_format(eg_stmt_i64(st, col), s);
    return json_string(s);
}

static json_t *
opt_text(const struct eg_stmt *st, int col)
{
    return eg_stmt_is_null(st, col) ? json_null() : json_string(eg_stmt_text(st, col));
}

enum eg_err
eg_dossier_list(struct eg_dossiers *d, const struct eg_actor *a, const struct eg_dossier_query *q,
                const char *lang, json_t **out)
{
    *out = NULL;
    if ((unsigned)q->queue >= EG_QUEUE_COUNT || q->limit < 1 || q->limit > 100 || q->offset < 0)
        return EG_EINVAL;
    enum eg_dossier_state filter;
    if (q->state && eg_dossier_state_parse(q->state, &filter) != EG_OK)
        return EG_EINVAL;
    const struct qdef *def = &qdefs[q->queue];
    if (a->subject.account_id <= 0)
        return EG_EUNAUTH;
    if (def->staff && a->subject.kind != EG_SUBJECT_STAFF)
        return EG_EFORBIDDEN;
    if (!def->staff && a->subject.kind == EG_SUBJECT_STAFF)
        return EG_EFORBIDDEN;
    char where[1024], sql[3072];
    snprintf(where, sizeof(where), "%s%s", def->where, q->state ? " AND d.state = ?" : "");
    const char *cte = def->staff ? UNITS_CTE : "";
    int64_t now = eg_clock_now_ms(d->clock);
    struct eg_tx *tx;
    enum eg_err rc = eg_db_begin(d->db, EG_TX_READ, &tx);
    if (rc != EG_OK)
        return rc;
    struct eg_stmt *st;
    bool row = false;
    int next = 0;
    int64_t total = 0;
    snprintf(sql, sizeof(sql), "%sSELECT count(*) FROM dossier d WHERE %s", cte, where);
    rc = eg_tx_prepare(tx, sql, &st);
    if (rc == EG_OK)
        rc = bind_all(st, def, def->staff, a->subject.account_id, now, d->warn_before_ms, q->state,
                      &next);
    if (rc == EG_OK)
        rc = eg_stmt_step(st, &row);
    if (rc == EG_OK && row) {
        total = eg_stmt_i64(st, 0);
        eg_stmt_reset(st);
    }
    snprintf(sql, sizeof(sql),
             "%sSELECT d.id, d.code, d.state, d.procedure_code, p.name, u.code, u.name, "
             "d.applicant_name, d.channel, d.submitted_ms, d.received_ms, d.due_date, d.due_ms, "
             "d.finished_ms, d.returned_ms, d.overdue, d.version, d.step, su.code, su.name, "
             "d.created_ms FROM dossier d JOIN org_unit u ON u.id = d.org_unit_id LEFT JOIN "
             "procedure p ON p.code = d.procedure_code LEFT JOIN org_unit su ON su.id = "
             "d.step_unit_id WHERE %s ORDER BY %s LIMIT ? OFFSET ?",
             cte, where, def->order);
    json_t *items = json_array();
    if (rc == EG_OK)
        rc = items ? eg_tx_prepare(tx, sql, &st) : EG_ENOMEM;
    if (rc == EG_OK)
        rc = bind_all(st, def, def->staff, a->subject.account_id, now, d->warn_before_ms, q->state,
                      &next);
    if (rc == EG_OK)
        rc = eg_stmt_bind_i64(st, next, q->limit);
    if (rc == EG_OK)
        rc = eg_stmt_bind_i64(st, next + 1, q->offset);
    while (rc == EG_OK && (rc = eg_stmt_step(st, &row)) == EG_OK && row) {
        enum eg_dossier_state s = EG_DS_DRAFT;
        if (eg_dossier_state_parse(eg_stmt_text(st, 2), &s) != EG_OK) {
            eg_stmt_reset(st);
            rc = EG_EIO;
            break;
        }
        enum eg_channel ch = EG_CHANNEL_ONLINE;
        rc = eg_channel_parse(eg_stmt_text(st, 8), &ch);
        bool overdue =
            eg_stmt_i64(st, 15) != 0 || ((s == EG_DS_RECEIVED || s == EG_DS_PROCESSING) &&
                                         !eg_stmt_is_null(st, 12) && eg_stmt_i64(st, 12) < now);
        json_t *step = json_null();
        if (!eg_stmt_is_null(st, 18) &&
            (s == EG_DS_RECEIVED || s == EG_DS_PROCESSING || s == EG_DS_SUPPLEMENT))
            step =
                json_pack("{s:s,s:s}", "code", eg_stmt_text(st, 18), "name", eg_stmt_text(st, 19));
        json_t *it = json_pack(
            "{s:I,s:o,s:s,s:s,s:{s:s,s:o},s:{s:s,s:s},s:s,s:s,s:s,s:o,s:o,s:o,s:o,s:o,s:o,s:o,"
            "s:b,s:I,s:o}",
            "id", (json_int_t)eg_stmt_i64(st, 0), "code", opt_text(st, 1), "status",
            eg_dossier_state_str(s), "status_title", eg_dossier_state_title(s, lang), "procedure",
            "code", eg_stmt_text(st, 3), "name", opt_text(st, 4), "agency", "code",
            eg_stmt_text(st, 5), "name", eg_stmt_text(st, 6), "applicant_name", eg_stmt_text(st, 7),
            "channel", eg_channel_str(ch), "channel_title", eg_channel_title(ch, lang), "created",
            opt_time(st, 20), "submitted", opt_time(st, 9), "received", opt_time(st, 10), "due",
            opt_text(st, 11), "due_at", opt_time(st, 12), "finished", opt_time(st, 13), "returned",
            opt_time(st, 14), "overdue", overdue, "version", (json_int_t)eg_stmt_i64(st, 16),
            "step_unit", step);
        if (!it || json_array_append_new(items, it) != 0) {
            eg_stmt_reset(st);
            rc = EG_ENOMEM;
        }
    }
    eg_tx_rollback(tx);
    if (rc != EG_OK) {
        json_decref(items);
        return rc;
    }
    *out = json_pack("{s:o,s:I}", "items", items, "total", (json_int_t)total);
    return *out ? EG_OK : EG_ENOMEM;
}
