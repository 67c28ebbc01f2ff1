/* read.c - one dossier as JSON (full or public view), its files, and the timeline. */
#include "dossiers_int.h"

#include "audit/audit.h"
#include "procedures/procedures.h"

#include <stdio.h>
#include <string.h>

static json_t *
time_or_null(int64_t ms)
{
    if (!ms)
        return json_null();
    char s[EG_DATETIME_STR];
    eg_datetime_format(ms, s);
    return json_string(s);
}

static json_t *
text_or_null(const char *s)
{
    return s && *s ? json_string(s) : json_null();
}

/* {"code","name", ...} of a unit (with contacts when full). */
static enum eg_err
unit_json(struct eg_tx *tx, int64_t id, bool full, json_t **out)
{
    struct eg_stmt *st;
    bool row = false;
    *out = NULL;
    enum eg_err rc = eg_tx_prepare(
        tx, "SELECT code, name, address, phone, email FROM org_unit WHERE id = ?", &st);
    if (rc == EG_OK)
        rc = eg_stmt_bind_i64(st, 1, id);
    if (rc == EG_OK)
        rc = eg_stmt_step(st, &row);
    if (rc != EG_OK)
        return rc;
    if (!row) {
        *out = json_null();
        return EG_OK;
    }
    *out = json_pack("{s:s,s:s}", "code", eg_stmt_text(st, 0), "name", eg_stmt_text(st, 1));
    for (int i = 2; full && *out && i < 5; i++) {
        static const char *const keys[] = {"", "", "address", "phone", "email"};
        json_object_set_new(
            *out, keys[i], eg_stmt_is_null(st, i) ? json_null() : json_string(eg_stmt_text(st, i)));
    }
    eg_stmt_reset(st);
    return *out ? EG_OK : EG_ENOMEM;
}

static enum eg_err
root_name(struct eg_tx *tx, json_t **out)
{
    struct eg_stmt *st;
    bool row = false;
    enum eg_err rc = eg_tx_prepare(
        tx, "SELECT name FROM org_unit WHERE parent_id IS NULL ORDER BY id LIMIT 1", &st);
    if (rc == EG_OK)
        rc = eg_stmt_step(st, &row);
    if (rc != EG_OK)
        return rc;
    *out = json_pack("{s:s?}", "name", row ? eg_stmt_text(st, 0) : NULL);
    if (row)
        eg_stmt_reset(st);
    return *out ? EG_OK : EG_ENOMEM;
}

static enum eg_err
timeline(struct eg_tx *tx, int64_t id, bool full, const char *lang, json_t **out)
{
    struct eg_stmt *st;
    bool row = false;
    json_t *arr = json_array();
    if (!arr)
        return EG_ENOMEM;
    enum eg_err rc = eg_tx_prepare(
        tx,
        "SELECT e.id, e.action, e.from_state, e.to_state, e.step, e.to_step, e.actor_name, "
        "u.code, u.name, e.note, e.at_ms, e.step_due_ms, e.step_outcome, e.due_ms "
        "FROM dossier_event e LEFT JOIN org_unit u ON u.id = e.org_unit_id "
        "WHERE e.dossier_id = ? ORDER BY e.id",
        &st);
    if (rc == EG_OK)
        rc = eg_stmt_bind_i64(st, 1, id);
    while (rc == EG_OK && (rc = eg_stmt_step(st, &row)) == EG_OK && row) {
        const char *action = eg_stmt_text(st, 1);
        json_t *e = json_pack("{s:s,s:s,s:s,s:o}", "action", action, "action_title",
                              eg_dossier_event_title(action, lang), "to", eg_stmt_text(st, 3), "at",
                              time_or_null(eg_stmt_i64(st, 10)));
        if (e && full) {
            char due[EG_DATE_STR] = "";
            if (!eg_stmt_is_null(st, 13))
                eg_date_format(eg_date_of_ms(eg_stmt_i64(st, 13), NULL), due);
            json_object_set_new(e, "id", json_integer(eg_stmt_i64(st, 0)));
            json_object_set_new(
                e, "from", eg_stmt_is_null(st, 2) ? json_null() : json_string(eg_stmt_text(st, 2)));
            json_object_set_new(e, "step", json_integer(eg_stmt_i64(st, 4)));
            json_object_set_new(e, "to_step", json_integer(eg_stmt_i64(st, 5)));
            json_object_set_new(e, "actor", json_string(eg_stmt_text(st, 6)));
            json_object_set_new(e, "unit",
                                eg_stmt_is_null(st, 7)
                                    ? json_null()
                                    : json_pack("{s:s,s:s}", "code", eg_stmt_text(st, 7), "name",
                                                eg_stmt_text(st, 8)));
            json_object_set_new(
                e, "note", eg_stmt_is_null(st, 9) ? json_null() : json_string(eg_stmt_text(st, 9)));
            json_object_set_new(e, "step_due_at",
                                time_or_null(eg_stmt_is_null(st, 11) ? 0 : eg_stmt_i64(st, 11)));
            json_object_set_new(e, "step_outcome",
                                eg_stmt_is_null(st, 12) ? json_null()
                                                        : json_string(eg_stmt_text(st, 12)));
            json_object_set_new(e, "due", text_or_null(due));
        }
        if (!e || json_array_append_new(arr, e) != 0) {
            eg_stmt_reset(st);
            rc = EG_ENOMEM;
        }
    }
    if (rc != EG_OK) {
        json_decref(arr);
        return rc;
    }
    *out = arr;
    return EG_OK;
}

static enum eg_err
files_json(struct eg_tx *tx, int64_t id, json_t **out)
{
    struct eg_stmt *st;
    bool row = false;
    json_t *arr = json_array();
    if (!arr)
        return EG_ENOMEM;
    enum eg_err rc = eg_tx_prepare(
        tx,
        "SELECT a.id, a.filename, a.detected_type, b.size, f.component, f.field, e.action "
        "FROM dossier_file f JOIN attachment a ON a.id = f.attachment_id "
        "JOIN file_blob b ON b.sha256 = a.blob_sha256 LEFT JOIN dossier_event e ON e.id = "
        "f.event_id WHERE f.dossier_id = ? ORDER BY a.id",
        &st);
    if (rc == EG_OK)
        rc = eg_stmt_bind_i64(st, 1, id);
    while (rc == EG_OK && (rc = eg_stmt_step(st, &row)) == EG_OK && row) {
        json_t *f = json_pack(
            "{s:I,s:s,s:s,s:I,s:I,s:o,s:b}", "id", (json_int_t)eg_stmt_i64(st, 0), "filename",
            eg_stmt_text(st, 1), "type", eg_stmt_text(st, 2), "size",
            (json_int_t)eg_stmt_i64(st, 3), "component", (json_int_t)eg_stmt_i64(st, 4), "field",
            eg_stmt_is_null(st, 5) ? json_null() : json_string(eg_stmt_text(st, 5)), "supplement",
            !eg_stmt_is_null(st, 6) && strcmp(eg_stmt_text(st, 6), "supplement") == 0);
        if (!f || json_array_append_new(arr, f) != 0) {
            eg_stmt_reset(st);
            rc = EG_ENOMEM;
        }
    }
    if (rc != EG_OK) {
        json_decref(arr);
        return rc;
    }
    *out = arr;
    return EG_OK;
}

static enum eg_err
pauses_json(struct eg_tx *tx, int64_t id, json_t **out)
{
    struct eg_stmt *st;
    bool row = false;
    json_t *arr = json_array();
    enum eg_err rc = arr ? eg_tx_prepare(tx,
                                         "SELECT from_ms, until_ms FROM dossier_pause WHERE "
                                         "dossier_id = ? ORDER BY from_ms",
                                         &st)
                         : EG_ENOMEM;
    if (rc == EG_OK)
        rc = eg_stmt_bind_i64(st, 1, id);
    while (rc == EG_OK && (rc = eg_stmt_step(st, &row)) == EG_OK && row)
        json_array_append_new(
            arr, json_pack("{s:o,s:o}", "from", time_or_null(eg_stmt_i64(st, 0)), "until",
                           time_or_null(eg_stmt_is_null(st, 1) ? 0 : eg_stmt_i64(st, 1))));
    if (rc != EG_OK) {
        json_decref(arr);
        return rc;
    }
    *out = arr;
    return EG_OK;
}

static enum eg_err
paper_of(struct eg_tx *tx, int64_t id, json_t **out)
{
    struct eg_stmt *st;
    bool row = false;
    *out = NULL;
    enum eg_err rc = eg_tx_prepare(tx, "SELECT paper FROM dossier WHERE id = ?", &st);
    if (rc == EG_OK)
        rc = eg_stmt_bind_i64(st, 1, id);
    if (rc == EG_OK)
        rc = eg_stmt_step(st, &row);
    if (rc == EG_OK && row) {
        if (!eg_stmt_is_null(st, 0))
            *out = json_loads(eg_stmt_text(st, 0), 0, NULL);
        eg_stmt_reset(st);
    }
    return rc;
}

/* The procedure's components, each with its files and whether it came on paper. */
static json_t *
components_json(const json_t *doc, const json_t *files, const json_t *paper)
{
    json_t *arr = json_array();
    size_t i;
    const json_t *c;
    json_array_foreach(json_object_get(doc, "components"), i, c)
    {
        json_t *mine = json_array();
        size_t k;
        const json_t *f;
        /* A component carried by a file field of the form lists that field's files too. */
        const char *by = json_string_value(json_object_get(c, "field"));
        json_array_foreach(files, k, f)
        {
            const char *field = json_string_value(json_object_get(f, "field"));
            if (json_integer_value(json_object_get(f, "component")) == (json_int_t)i ||
                (by && field && strcmp(field, by) == 0))
                json_array_append(mine, (json_t *)f);
        }
        bool on_paper = false;
        json_array_foreach(paper, k, f)
        {
            on_paper = on_paper || json_integer_value(f) == (json_int_t)i;
        }
        json_array_append_new(arr, json_pack("{s:I,s:O,s:O,s:O,s:b,s:b,s:o}", "index",
                                             (json_int_t)i, "name", json_object_get(c, "name"),
                                             "originals", json_object_get(c, "originals"), "copies",
                                             json_object_get(c, "copies"), "required",
                                             json_is_true(json_object_get(c, "required")), "paper",
                                             on_paper, "files", mine));
    }
    return arr;
}

/* The form's fields in order, with the values given (only the fields asked). */
static json_t *
form_fields_json(const json_t *doc, const json_t *form, const char **personal_id)
{
    json_t *arr = json_array();
    size_t i;
    const json_t *f;
    *personal_id = NULL;
    json_array_foreach(json_object_get(json_object_get(doc, "form"), "fields"), i, f)
    {
        const char *name = json_string_value(json_object_get(f, "name"));
        const char *type = json_string_value(json_object_get(f, "type"));
        const json_t *v = name ? json_object_get(form, name) : NULL;
        if (!v)
            continue;
        if (type && strcmp(type, "personal_id") == 0 && !*personal_id)
            *personal_id = json_string_value(v);
        json_array_append_new(arr, json_pack("{s:s,s:O,s:s,s:O}", "name", name, "label",
                                             json_object_get(f, "label"), "type", type ? type : "",
                                             "value", v));
    }
    return arr;
}

static json_t *
steps_json(struct eg_tx *tx, const struct process *p, const char *lang)
{
    json_t *arr = json_array();
    for (int i = 0; i < p->n; i++) {
        json_t *u = NULL;
        if (unit_json(tx, p->steps[i].unit_id, false, &u) != EG_OK)
            u = json_null();
        json_array_append_new(arr, json_pack("{s:i,s:s,s:s,s:o,s:s,s:s,s:i,s:b}", "index", i, "id",
                                             p->steps[i].id, "name", p->steps[i].name, "unit", u,
                                             "role", eg_role_str(p->steps[i].role), "role_title",
                                             eg_role_title(p->steps[i].role, lang), "days",
                                             p->steps[i].days, "decides", p->steps[i].decides));
    }
    return arr;
}

static json_t *
current_step(struct eg_tx *tx, const struct drow *r, const struct process *p, const char *lang)
{
    if (r->step < 0 || r->step >= p->n || eg_dossier_state_final(r->state) ||
        r->state == EG_DS_RESULT_READY)
        return json_null();
    const struct step *s = &p->steps[r->step];
    json_t *u = NULL, *assignee = json_null();
    if (unit_json(tx, s->unit_id, false, &u) != EG_OK)
        u = json_null();
    char name[256];
    if (r->assignee && ds_account_name(tx, r->assignee, name, sizeof(name)) == EG_OK)
        assignee = json_pack("{s:I,s:s}", "id", (json_int_t)r->assignee, "name", name);
    return json_pack("{s:i,s:s,s:s,s:o,s:s,s:s,s:o,s:o,s:o}", "index", r->step, "id", s->id, "name",
                     s->name, "unit", u, "role", eg_role_str(s->role), "role_title",
                     eg_role_title(s->role, lang), "started", time_or_null(r->step_started_ms),
                     "due_at", time_or_null(r->step_due_ms), "assignee", assignee);
}

static const char *
last_reason(const json_t *tl)
{
    const char *reason = NULL;
    size_t i;
    const json_t *e;
    json_array_foreach(tl, i, e)
    {
        const char *a = json_string_value(json_object_get(e, "action"));
        const char *note = json_string_value(json_object_get(e, "note"));
        if (note && a &&
            (strcmp(a, "refuse") == 0 || strcmp(a, "request_supplement") == 0 ||
             strcmp(a, "reject") == 0 || strcmp(a, "stop") == 0 || strcmp(a, "extend") == 0))
            reason = note;
    }
    return reason;
}

/* The common part of both views. */
static json_t *
base_json(const struct drow *r, const json_t *doc, const char *lang)
{
    char due_at[EG_DATETIME_STR] = "";
    if (r->due_ms)
        eg_datetime_format(r->due_ms, due_at);
    return json_pack("{s:o,s:s,s:s,s:i,s:{s:s,s:O?},s:s,s:s,s:o,s:o,s:o,s:o,s:o,s:o,s:o,s:b,s:b}",
                     "code", text_or_null(r->code), "status", eg_dossier_state_str(r->state),
                     "status_title", eg_dossier_state_title(r->state, lang), "national_status",
                     eg_dossier_national_status(r->state), "procedure", "code", r->procedure_code,
                     "name", json_object_get(doc, "name"), "channel", eg_channel_str(r->channel),
                     "channel_title", eg_channel_title(r->channel, lang), "submitted",
                     time_or_null(r->submitted_ms), "received", time_or_null(r->received_ms), "due",
                     text_or_null(r->due_date), "due_at", text_or_null(due_at), "finished",
                     time_or_null(r->finished_ms), "returned", time_or_null(r->returned_ms),
                     "result", text_or_null(r->result), "overdue", r->overdue, "paused",
                     r->state == EG_DS_SUPPLEMENT && r->received_ms != 0);
}

/* The applicant's personal identification number from their account (sealed there), or "". */
static enum eg_err
account_pid(struct eg_dossiers *d, struct eg_tx *tx, int64_t account, char out[16])
{
    out[0] = '\0';
    if (account <= 0)
        return EG_OK;
    struct eg_stmt *st;
    bool row = false;
    enum eg_err rc = eg_tx_prepare(tx, "SELECT pid_enc FROM account WHERE id = ?", &st);
    if (rc == EG_OK)
        rc = eg_stmt_bind_i64(st, 1, account);
    if (rc == EG_OK)
        rc = eg_stmt_step(st, &row);
    if (rc != EG_OK || !row)
        return rc;
    if (!eg_stmt_is_null(st, 0)) {
        size_t n = 0;
        const void *p = eg_stmt_blob(st, 0, &n);
        struct eg_buf plain = EG_BUF_INIT(64);
        if (eg_identity_open_sealed(d->identity, p, n, &plain) == EG_OK && plain.len < 16)
            snprintf(out, 16, "%.*s", (int)plain.len, plain.p);
        eg_buf_release(&plain);
    }
    eg_stmt_reset(st);
    return EG_OK;
}

static enum eg_err
full_json(struct eg_dossiers *d, struct eg_tx *tx, const struct eg_actor *a, const struct drow *r,
          const struct process *p, const struct who *w, const json_t *doc, const char *lang,
          json_t *out)
{
    json_t *form = NULL, *files = NULL, *tl = NULL, *pauses = NULL, *paper = NULL, *agency = NULL,
           *province = NULL;
    enum eg_err rc = ds_form_of(d, tx, r->id, &form);
    if (rc == EG_OK)
        rc = files_json(tx, r->id, &files);
    if (rc == EG_OK)
        rc = timeline(tx, r->id, true, lang, &tl);
    if (rc == EG_OK)
        rc = pauses_json(tx, r->id, &pauses);
    if (rc == EG_OK)
        rc = paper_of(tx, r->id, &paper);
    if (rc == EG_OK)
        rc = unit_json(tx, r->unit_id, true, &agency);
    if (rc == EG_OK)
        rc = root_name(tx, &province);
    if (rc != EG_OK)
        goto out;
    const char *form_pid = NULL;
    char pid[16];
    json_t *fields = form_fields_json(doc, form, &form_pid);
    rc = account_pid(d, tx, r->applicant_account, pid);
    if (rc != EG_OK) {
        json_decref(fields);
        goto out;
    }
    json_t *actions = json_array();
    for (int i = 0; i < EG_DA_COUNT; i++)
        if (ds_may((enum eg_dossier_action)i, r, p, w, a->subject.account_id, NULL) == EG_OK)
            json_array_append_new(actions, json_string(eg_dossier_action_str(i)));
    json_t *applicant = json_pack(
        "{s:s,s:s,s:o,s:o,s:o,s:o}", "kind", r->applicant_kind, "name", r->applicant_name, "email",
        text_or_null(r->applicant_email), "phone", text_or_null(r->applicant_phone), "account",
        r->applicant_account ? json_integer(r->applicant_account) : json_null(), "personal_id",
        text_or_null(pid));
    const json_t *proc = json_object_get(doc, "processing");
    json_object_set_new(out, "id", json_integer(r->id));
    json_object_set_new(out, "version", json_integer(r->version));
    json_t *pj = json_object_get(out, "procedure");
    json_object_set_new(pj, "version", json_integer(r->procedure_version));
    json_object_set_new(pj, "working_days", json_integer(r->working_days));
    json_object_set(pj, "field", json_object_get(doc, "field"));
    json_object_set(pj, "online_level", json_object_get(doc, "online_level"));
    (void)proc;
    json_object_set_new(out, "agency", agency);
    json_object_set_new(out, "province", province);
    json_object_set_new(out, "applicant", applicant);
    json_object_set_new(out, "created", time_or_null(r->created_ms));
    json_object_set_new(out, "reason", text_or_null(last_reason(tl)));
    json_object_set_new(out, "step", current_step(tx, r, p, lang));
    json_object_set_new(out, "steps", steps_json(tx, p, lang));
    json_object_set_new(out, "form_fields", fields);
    json_object_set_new(out, "components", components_json(doc, files, paper));
    json_object_set_new(out, "form", form);
    json_object_set_new(out, "files", files);
    json_object_set_new(out, "timeline", tl);
    json_object_set_new(out, "pauses", pauses);
    json_object_set_new(out, "actions", actions);
    json_decref(paper);
    return EG_OK;
out:
    json_decref(form);
    json_decref(files);
    json_decref(tl);
    json_decref(pauses);
    json_decref(paper);
    json_decref(agency);
    json_decref(province);
    return rc;
}

/* A staff member read someone's personal data: audited in a transaction of its own. */
static enum eg_err
audit_read(struct eg_dossiers *d, const struct eg_actor *a, const struct drow *r)
{
    struct eg_tx *tx;
    enum eg_err rc = eg_db_begin(d->db, EG_TX_WRITE, &tx);
    if (rc != EG_OK)
        return rc;
    char actor[48], object[96];
    snprintf(actor, sizeof(actor), "account:%lld", (long long)a->subject.account_id);
    snprintf(object, sizeof(object), "dossier:%s", r->code);
    struct eg_audit_event e = {.actor = actor,
                               .action = "dossier.read",
                               .object = object,
                               .outcome = EG_AUDIT_SUCCESS,
                               .remote = a->remote,
                               .request_id = a->request_id};
    rc = eg_audit_append(tx, &e, eg_clock_now_ms(d->clock));
    if (rc == EG_OK)
        rc = eg_tx_commit(tx);
    else
        eg_tx_rollback(tx);
    return rc;
}

static enum eg_err
get(struct eg_dossiers *d, const struct eg_actor *a, const char *code, int64_t id,
    enum eg_dossier_view view, const char *lang, json_t **out)
{
    *out = NULL;
    struct eg_tx *tx;
    enum eg_err rc = eg_db_begin(d->db, EG_TX_READ, &tx);
    if (rc != EG_OK)
        return rc;
    struct drow r;
    struct process p;
    struct who w;
    json_t *doc = NULL, *o = NULL;
    rc = ds_load_row(tx, code, id, false, &r);
    if (rc == EG_OK && view == EG_VIEW_PUBLIC && r.state == EG_DS_DRAFT)
        rc = EG_ENOTFOUND;
    if (rc == EG_OK && view == EG_VIEW_FULL)
        rc = ds_load_process(tx, &r, &p);
    if (rc == EG_OK && view == EG_VIEW_FULL) {
        rc = ds_who_is(tx, a, &r, &p, &w);
        if (rc == EG_OK && !w.applicant && !w.staff_sees)
            rc = EG_ENOTFOUND;
        if (rc == EG_OK && id && !w.applicant)
            rc = EG_ENOTFOUND; /* drafts: their applicant only */
    }
    if (rc == EG_OK && view == EG_VIEW_FULL) {
        rc = eg_procedure_document_tx(tx, r.procedure_code, r.procedure_version, &doc);
    } else if (rc == EG_OK) {
        /* The public page needs the name only: the procedure's row, not its whole document. */
        char name[1024];
        rc = eg_procedure_name_tx(tx, r.procedure_code, name, sizeof(name));
        doc = rc == EG_OK ? json_pack("{s:s}", "name", name) : NULL;
        if (rc == EG_OK && !doc)
            rc = EG_ENOMEM;
    }
    if (rc == EG_OK) {
        o = base_json(&r, doc, lang);
        rc = o ? EG_OK : EG_ENOMEM;
    }
    if (rc == EG_OK && view == EG_VIEW_PUBLIC) {
        json_t *u = NULL, *tl = NULL;
        rc = unit_json(tx, r.unit_id, false, &u);
        if (rc == EG_OK)
            rc = timeline(tx, r.id, false, lang, &tl);
        json_object_set_new(o, "agency", u ? u : json_null());
        json_object_set_new(o, "timeline", tl ? tl : json_array());
    } else if (rc == EG_OK) {
        rc = full_json(d, tx, a, &r, &p, &w, doc, lang, o);
    }
    eg_tx_rollback(tx);
    json_decref(doc);
    if (rc == EG_OK && view == EG_VIEW_FULL && !w.applicant)
        rc = audit_read(d, a, &r);
    if (rc != EG_OK) {
        json_decref(o);
        return rc;
    }
    *out = o;
    return EG_OK;
}

enum eg_err
eg_dossier_get(struct eg_dossiers *d, const struct eg_actor *a, const char *code,
               enum eg_dossier_view view, const char *lang, json_t **out)
{
    *out = NULL;
    if (!eg_dossier_code_valid(code))
        return EG_ENOTFOUND;
    return get(d, a, code, 0, view, lang, out);
}

enum eg_err
eg_dossier_get_draft(struct eg_dossiers *d, const struct eg_actor *a, int64_t id, const char *lang,
                     json_t **out)
{
    *out = NULL;
    if (id <= 0 || a->subject.account_id <= 0)
        return EG_ENOTFOUND;
    return get(d, a, NULL, id, EG_VIEW_FULL, lang, out);
}

enum eg_err
eg_dossier_file(struct eg_dossiers *d, const struct eg_actor *a, const char *code,
                int64_t attachment_id, int64_t *out)
{
    *out = 0;
    if (!eg_dossier_code_valid(code) || attachment_id <= 0)
        return EG_ENOTFOUND;
    struct eg_tx *tx;
    enum eg_err rc = eg_db_begin(d->db, EG_TX_READ, &tx);
    if (rc != EG_OK)
        return rc;
    struct drow r;
    struct process p;
    struct who w = {0};
    rc = ds_load_row(tx, code, 0, false, &r);
    if (rc == EG_OK)
        rc = ds_load_process(tx, &r, &p);
    if (rc == EG_OK)
        rc = ds_who_is(tx, a, &r, &p, &w);
    if (rc == EG_OK && !w.applicant && !w.staff_sees)
        rc = EG_ENOTFOUND;
    struct eg_stmt *st;
    bool row = false;
    if (rc == EG_OK)
        rc = eg_tx_prepare(tx,
                           "SELECT attachment_id FROM dossier_file WHERE dossier_id = ? AND "
                           "attachment_id = ?",
                           &st);
    if (rc == EG_OK)
        rc = eg_stmt_bind_i64(st, 1, r.id);
    if (rc == EG_OK)
        rc = eg_stmt_bind_i64(st, 2, attachment_id);
    if (rc == EG_OK)
        rc = eg_stmt_step(st, &row);
    if (rc == EG_OK && !row)
        rc = EG_ENOTFOUND;
    if (rc == EG_OK) {
        *out = eg_stmt_i64(st, 0);
        eg_stmt_reset(st);
    }
    eg_tx_rollback(tx);
    if (rc == EG_OK && !w.applicant)
        rc = audit_read(d, a, &r);
    return rc;
}
