/* store.c - reading and writing dossier rows, timeline events, files and audit entries. */
#include "dossiers_int.h"

#include "audit/audit.h"
#include "files/files.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

enum eg_err
ds_say(struct eg_buf *msg, enum eg_err rc, const char *fmt, ...)
{
    if (msg) {
        char line[1024];
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(line, sizeof(line), fmt, ap);
        va_end(ap);
        eg_buf_reset(msg);
        if (eg_buf_adds(msg, line) != EG_OK)
            eg_buf_reset(msg);
    }
    return rc;
}

static void
copy_text(const struct eg_stmt *st, int col, char *out, size_t n)
{
    const char *s = eg_stmt_is_null(st, col) ? NULL : eg_stmt_text(st, col);
    snprintf(out, n, "%s", s ? s : "");
}

static int64_t
opt_i64(const struct eg_stmt *st, int col)
{
    return eg_stmt_is_null(st, col) ? 0 : eg_stmt_i64(st, col);
}

#define ROW_COLUMNS                                                                                \
    "d.id, d.code, d.procedure_code, d.procedure_version, d.field_code, d.process_id, "            \
    "d.org_unit_id, u.code, d.channel, d.applicant_account, d.applicant_kind, "                    \
    "d.applicant_name, d.applicant_email, d.applicant_phone, d.state, d.step, d.step_unit_id, "    \
    "d.step_started_ms, d.step_due_ms, d.assignee, d.resume_state, d.result, d.working_days, "     \
    "d.created_ms, d.submitted_ms, d.received_ms, d.due_ms, d.due_date, d.finished_ms, "           \
    "d.returned_ms, d.closed_ms, d.overdue, d.version, d.step_role, d.agency_unit_id, au.code"

static enum eg_err
read_row(struct eg_stmt *st, struct drow *r)
{
    memset(r, 0, sizeof(*r));
    r->id = eg_stmt_i64(st, 0);
    copy_text(st, 1, r->code, sizeof(r->code));
    copy_text(st, 2, r->procedure_code, sizeof(r->procedure_code));
    r->procedure_version = (int)eg_stmt_i64(st, 3);
    copy_text(st, 4, r->field_code, sizeof(r->field_code));
    r->process_id = opt_i64(st, 5);
    r->unit_id = eg_stmt_i64(st, 6);
    copy_text(st, 7, r->unit_code, sizeof(r->unit_code));
    if (eg_channel_parse(eg_stmt_text(st, 8), &r->channel) != EG_OK)
        return EG_EIO;
    r->applicant_account = opt_i64(st, 9);
    copy_text(st, 10, r->applicant_kind, sizeof(r->applicant_kind));
    copy_text(st, 11, r->applicant_name, sizeof(r->applicant_name));
    copy_text(st, 12, r->applicant_email, sizeof(r->applicant_email));
    copy_text(st, 13, r->applicant_phone, sizeof(r->applicant_phone));
    if (eg_dossier_state_parse(eg_stmt_text(st, 14), &r->state) != EG_OK)
        return EG_EIO;
    r->step = (int)eg_stmt_i64(st, 15);
    r->step_unit_id = opt_i64(st, 16);
    r->step_started_ms = opt_i64(st, 17);
    r->step_due_ms = opt_i64(st, 18);
    r->assignee = opt_i64(st, 19);
    r->has_resume = !eg_stmt_is_null(st, 20) &&
                    eg_dossier_state_parse(eg_stmt_text(st, 20), &r->resume_state) == EG_OK;
    copy_text(st, 21, r->result, sizeof(r->result));
    r->working_days = (int)eg_stmt_i64(st, 22);
    r->created_ms = opt_i64(st, 23);
    r->submitted_ms = opt_i64(st, 24);
    r->received_ms = opt_i64(st, 25);
    r->due_ms = opt_i64(st, 26);
    copy_text(st, 27, r->due_date, sizeof(r->due_date));
    r->finished_ms = opt_i64(st, 28);
    r->returned_ms = opt_i64(st, 29);
    r->closed_ms = opt_i64(st, 30);
    r->overdue = eg_stmt_i64(st, 31) != 0;
    r->version = (int)eg_stmt_i64(st, 32);
    copy_text(st, 33, r->step_role, sizeof(r->step_role));
    r->agency_unit_id = eg_stmt_i64(st, 34);
    copy_text(st, 35, r->agency_code, sizeof(r->agency_code));
    return EG_OK;
}

enum eg_err
ds_load_row(struct eg_tx *tx, const char *code, int64_t id, bool for_update, struct drow *out)
{
    char sql[1024];
    bool lock = for_update && eg_tx_kind(tx) == EG_DB_POSTGRES;
    snprintf(sql, sizeof(sql),
             "SELECT " ROW_COLUMNS " FROM dossier d JOIN org_unit u ON u.id = d.org_unit_id "
             "JOIN org_unit au ON au.id = d.agency_unit_id WHERE %s%s",
             code ? "d.code = ?" : "d.id = ?", lock ? " FOR UPDATE OF d" : "");
    struct eg_stmt *st;
    bool row = false;
    enum eg_err rc = eg_tx_prepare(tx, sql, &st);
    if (rc == EG_OK)
        rc = code ? eg_stmt_bind_text(st, 1, code, strlen(code)) : eg_stmt_bind_i64(st, 1, id);
    if (rc == EG_OK)
        rc = eg_stmt_step(st, &row);
    if (rc != EG_OK)
        return rc;
    if (!row)
        return EG_ENOTFOUND;
    rc = read_row(st, out);
    eg_stmt_reset(st);
    return rc;
}

static enum eg_err
bind_opt_i64(struct eg_stmt *st, int idx, int64_t v)
{
    return v ? eg_stmt_bind_i64(st, idx, v) : eg_stmt_bind_null(st, idx);
}

static enum eg_err
bind_opt_text(struct eg_stmt *st, int idx, const char *s)
{
    return s && *s ? eg_stmt_bind_text(st, idx, s, strlen(s)) : eg_stmt_bind_null(st, idx);
}

enum eg_err
ds_add_event(struct eg_tx *tx, const struct drow *before, const struct drow *after,
             const char *action, const struct eg_actor *a, int64_t unit_id, const char *note,
             const char *outcome, int64_t now_ms, int64_t *event_id)
{
    struct eg_stmt *st;
    bool row = false;
    enum eg_err rc = eg_tx_prepare(
        tx,
        "INSERT INTO dossier_event (dossier_id, action, from_state, to_state, step, to_step, "
        "actor_account, actor_name, org_unit_id, note, step_due_ms, step_outcome, due_ms, at_ms) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
        &st);
    char looked_up[256] = "";
    const char *name = a && a->name && *a->name ? a->name : "Hệ thống";
    if (a && (!a->name || !*a->name) && a->subject.account_id > 0 &&
        ds_account_name(tx, a->subject.account_id, looked_up, sizeof(looked_up)) == EG_OK &&
        looked_up[0])
        name = looked_up;
    if (rc == EG_OK)
        rc = eg_stmt_bind_i64(st, 1, after->id);
    if (rc == EG_OK)
        rc = eg_stmt_bind_text(st, 2, action, strlen(action));
    if (rc == EG_OK)
        rc = bind_opt_text(st, 3, before ? eg_dossier_state_str(before->state) : NULL);
    if (rc == EG_OK) {
        const char *to = eg_dossier_state_str(after->state);
        rc = eg_stmt_bind_text(st, 4, to, strlen(to));
    }
    if (rc == EG_OK)
        rc = eg_stmt_bind_i64(st, 5, before ? before->step : -1);
    if (rc == EG_OK)
        rc = eg_stmt_bind_i64(st, 6, after->step);
    if (rc == EG_OK)
        rc = bind_opt_i64(st, 7, a ? a->subject.account_id : 0);
    if (rc == EG_OK)
        rc = eg_stmt_bind_text(st, 8, name, strlen(name));
    if (rc == EG_OK)
        rc = bind_opt_i64(st, 9, unit_id);
    if (rc == EG_OK)
        rc = bind_opt_text(st, 10, note);
    if (rc == EG_OK)
        rc = bind_opt_i64(st, 11, outcome && before ? before->step_due_ms : 0);
    if (rc == EG_OK)
        rc = bind_opt_text(st, 12, outcome);
    if (rc == EG_OK)
        rc = bind_opt_i64(st, 13, after->due_ms);
    if (rc == EG_OK)
        rc = eg_stmt_bind_i64(st, 14, now_ms);
    if (rc == EG_OK)
        rc = eg_stmt_step(st, &row);
    if (rc == EG_OK && row && event_id)
        *event_id = eg_stmt_i64(st, 0);
    if (rc == EG_OK && row)
        eg_stmt_reset(st);
    return rc;
}

enum eg_err
ds_audit_action(struct eg_tx *tx, const struct eg_actor *a, const char *action,
                const struct drow *d, enum eg_dossier_state from, int64_t now_ms)
{
    char actor[48], what[64], object[96];
    if (a && a->subject.account_id > 0)
        snprintf(actor, sizeof(actor), "account:%lld", (long long)a->subject.account_id);
    else
        snprintf(actor, sizeof(actor), "system");
    snprintf(what, sizeof(what), "dossier.%s", action);
    if (d->code[0])
        snprintf(object, sizeof(object), "dossier:%s", d->code);
    else
        snprintf(object, sizeof(object), "dossier_draft:%lld", (long long)d->id);
    json_t *detail = json_pack("{s:s,s:s,s:i}", "from", eg_dossier_state_str(from), "to",
                               eg_dossier_state_str(d->state), "step", d->step);
    char *text = detail ? json_dumps(detail, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
    json_decref(detail);
    if (!text)
        return EG_ENOMEM;
    struct eg_audit_event e = {
        .actor = actor,
        .action = what,
        .object = object,
        .outcome = EG_AUDIT_SUCCESS,
        .remote = a ? a->remote : NULL,
        .request_id = a ? a->request_id : NULL,
        .detail = text,
    };
    enum eg_err rc = eg_audit_append(tx, &e, now_ms);
    free(text);
    return rc;
}

enum eg_err
ds_lookup_unit(struct eg_tx *tx, const char *code, int64_t *id)
{
    struct eg_stmt *st;
    bool row = false;
    enum eg_err rc =
        eg_tx_prepare(tx, "SELECT id FROM org_unit WHERE code = ? AND valid_to IS NULL", &st);
    if (rc == EG_OK)
        rc = eg_stmt_bind_text(st, 1, code, strlen(code));
    if (rc == EG_OK)
        rc = eg_stmt_step(st, &row);
    if (rc != EG_OK)
        return rc;
    if (!row)
        return EG_ENOTFOUND;
    *id = eg_stmt_i64(st, 0);
    eg_stmt_reset(st);
    return EG_OK;
}

enum eg_err
ds_unit_code_of(struct eg_tx *tx, int64_t id, char *out, size_t n)
{
    struct eg_stmt *st;
    bool row = false;
    out[0] = '\0';
    enum eg_err rc = eg_tx_prepare(tx, "SELECT code FROM org_unit WHERE id = ?", &st);
    if (rc == EG_OK)
        rc = eg_stmt_bind_i64(st, 1, id);
    if (rc == EG_OK)
        rc = eg_stmt_step(st, &row);
    if (rc == EG_OK && row) {
        copy_text(st, 0, out, n);
        eg_stmt_reset(st);
    }
    return rc == EG_OK && !row ? EG_ENOTFOUND : rc;
}

enum eg_err
ds_account_name(struct eg_tx *tx, int64_t id, char *out, size_t n)
{
    struct eg_stmt *st;
    bool row = false;
    out[0] = '\0';
    enum eg_err rc =
        eg_tx_prepare(tx, "SELECT COALESCE(name, login) FROM account WHERE id = ?", &st);
    if (rc == EG_OK)
        rc = eg_stmt_bind_i64(st, 1, id);
    if (rc == EG_OK)
        rc = eg_stmt_step(st, &row);
    if (rc == EG_OK && row) {
        copy_text(st, 0, out, n);
        eg_stmt_reset(st);
    }
    return rc;
}

enum eg_err
ds_holds_on(struct eg_tx *tx, int64_t account, unsigned mask, int64_t unit, bool *out)
{
    return eg_access_holds_on(tx, account, mask, unit, out);
}

/*
 * Links files to the dossier: each an attachment of owner's (the applicant,
 * or the officer entering it), not yet part of another dossier; it becomes
 * the dossier's (owner_kind 'dossier').
 */
enum eg_err
ds_attach_files(struct eg_tx *tx, const struct drow *d, const struct eg_actor *a, int64_t owner,
                const struct eg_dossier_file_ref *files, size_t n, int64_t event_id,
                struct eg_buf *msg)
{
    (void)a;
    if (n > EG_DOSSIER_MAX_FILES)
        return ds_say(msg, EG_EINVAL, "Mỗi lần nộp tối đa %d tệp.", EG_DOSSIER_MAX_FILES);
    for (size_t i = 0; i < n; i++) {
        struct eg_stmt *st;
        bool row = false;
        char ref[64];
        snprintf(ref, sizeof(ref), "%lld", (long long)d->id);
        enum eg_err rc =
            eg_tx_prepare(tx,
                          "UPDATE attachment SET owner_kind = 'dossier', owner_ref = ? "
                          "WHERE id = ? AND owner_account = ? AND (owner_kind = "
                          "'upload' OR (owner_kind = 'dossier' AND owner_ref = ?))",
                          &st);
        if (rc == EG_OK)
            rc = eg_stmt_bind_text(st, 1, ref, strlen(ref));
        if (rc == EG_OK)
            rc = eg_stmt_bind_i64(st, 2, files[i].attachment_id);
        if (rc == EG_OK)
            rc = eg_stmt_bind_i64(st, 3, owner);
        if (rc == EG_OK)
            rc = eg_stmt_bind_text(st, 4, ref, strlen(ref));
        if (rc == EG_OK)
            rc = eg_stmt_step(st, &row);
        if (rc != EG_OK)
            return rc;
        if (eg_stmt_changes(st) != 1)
            return ds_say(msg, EG_EINVAL,
                          "Tệp số %lld không phải tệp bạn đã tải lên, hoặc đã thuộc hồ sơ khác.",
                          (long long)files[i].attachment_id);
        rc = eg_tx_prepare(tx,
                           "INSERT INTO dossier_file (dossier_id, attachment_id, component, field, "
                           "event_id) VALUES (?, ?, ?, ?, ?) ON CONFLICT (dossier_id, "
                           "attachment_id) DO UPDATE SET component = excluded.component, field = "
                           "excluded.field",
                           &st);
        if (rc == EG_OK)
            rc = eg_stmt_bind_i64(st, 1, d->id);
        if (rc == EG_OK)
            rc = eg_stmt_bind_i64(st, 2, files[i].attachment_id);
        if (rc == EG_OK)
            rc = eg_stmt_bind_i64(st, 3, files[i].component);
        if (rc == EG_OK)
            rc = bind_opt_text(st, 4, files[i].field);
        if (rc == EG_OK)
            rc = bind_opt_i64(st, 5, event_id);
        if (rc == EG_OK)
            rc = eg_stmt_step(st, &row);
        if (rc != EG_OK)
            return rc;
    }
    return EG_OK;
}
