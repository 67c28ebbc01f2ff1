/* create.c - new dossiers: online submission (or a first draft) and counter intake.
 * A draft is changed and submitted in drafts.c. */
#include "dossiers_int.h"

#include "procedures/procedures.h"

#include <stdio.h>
#include <string.h>

void
ds_proc_free(struct proc *p)
{
    json_decref(p->doc);
}

enum eg_err
ds_proc_load(struct eg_dossiers *d, const char *code, const char *agency, struct proc *p,
             struct eg_buf *msg)
{
    memset(p, 0, sizeof(*p));
    if (!code || !*code || strlen(code) > 63)
        return ds_say(msg, EG_EINVAL, "Hãy cho biết mã thủ tục (procedure).");
    enum eg_err rc = eg_procedure_get_cached(d->db, d->procedures, code, agency, &p->doc);
    if (rc == EG_ENOTFOUND)
        return ds_say(msg, EG_EINVAL, "Không có thủ tục đang áp dụng với mã %.63s.", code);
    if (rc != EG_OK)
        return rc;
    p->version = (int)json_integer_value(json_object_get(p->doc, "version"));
    const json_t *proc = json_object_get(p->doc, "processing");
    p->working_days = (int)json_integer_value(json_object_get(proc, "working_days"));
    const char *cut = json_string_value(json_object_get(proc, "cutoff"));
    snprintf(p->cutoff, sizeof(p->cutoff), "%s", cut && strlen(cut) == 5 ? cut : "");
    snprintf(p->field, sizeof(p->field), "%s",
             json_string_value(json_object_get(p->doc, "field"))
                 ? json_string_value(json_object_get(p->doc, "field"))
                 : "");
    return EG_OK;
}

static bool
applicant_allowed(const json_t *doc, const char *kind)
{
    size_t i;
    const json_t *v;
    json_array_foreach(json_object_get(doc, "applicants"), i, v)
    {
        if (strcmp(json_string_value(v), kind) == 0)
            return true;
    }
    return false;
}

/* The receiving unit: the one asked for, which must carry the procedure out, or its only one. */
static enum eg_err
pick_agency(const json_t *doc, const char *asked, char out[40], struct eg_buf *msg)
{
    const json_t *agencies = json_object_get(doc, "agencies");
    size_t i;
    const json_t *a;
    if (!asked || !*asked) {
        if (json_array_size(agencies) != 1)
            return ds_say(
                msg, EG_EINVAL,
                "Thủ tục này do nhiều cơ quan thực hiện: hãy chọn nơi nộp hồ sơ (agency).");
        asked = json_string_value(json_object_get(json_array_get(agencies, 0), "code"));
    }
    json_array_foreach(agencies, i, a)
    {
        const char *code = json_string_value(json_object_get(a, "code"));
        if (code && asked && strcmp(code, asked) == 0) {
            snprintf(out, 40, "%s", code);
            return EG_OK;
        }
    }
    return ds_say(msg, EG_EINVAL, "Cơ quan %.40s không thực hiện thủ tục này.", asked ? asked : "");
}

/* Files name real components and file fields; required ones are there (unless partial). */
enum eg_err
ds_files_check(const json_t *doc, const struct eg_dossier_new *n, bool partial, struct eg_buf *msg)
{
    const json_t *components = json_object_get(doc, "components");
    const json_t *fields = json_object_get(json_object_get(doc, "form"), "fields");
    size_t ncomp = json_array_size(components);
    if (n->nfiles > EG_DOSSIER_MAX_FILES)
        return ds_say(msg, EG_EINVAL, "Một hồ sơ có tối đa %d tệp.", EG_DOSSIER_MAX_FILES);
    for (size_t i = 0; i < n->nfiles; i++) {
        const struct eg_dossier_file_ref *f = &n->files[i];
        if (f->attachment_id <= 0)
            return ds_say(msg, EG_EINVAL, "Tệp thứ %zu: thiếu mã tệp.", i + 1);
        for (size_t j = 0; j < i; j++)
            if (n->files[j].attachment_id == f->attachment_id)
                return ds_say(msg, EG_EINVAL, "Tệp %lld được gửi hai lần.",
                              (long long)f->attachment_id);
        if (f->component >= (int)ncomp || f->component < -1)
            return ds_say(msg, EG_EINVAL, "Tệp thứ %zu: thủ tục không có thành phần hồ sơ số %d.",
                          i + 1, f->component + 1);
        if (f->field) {
            bool ok = false;
            size_t k;
            const json_t *fd;
            json_array_foreach(fields, k, fd)
            {
                ok = ok || (strcmp(json_string_value(json_object_get(fd, "name")), f->field) == 0 &&
                            strcmp(json_string_value(json_object_get(fd, "type")), "file") == 0);
            }
            if (!ok)
                return ds_say(msg, EG_EINVAL, "Tệp thứ %zu: tờ khai không có mục tệp \"%.64s\".",
                              i + 1, f->field);
        }
        if (f->component < 0 && !f->field)
            return ds_say(msg, EG_EINVAL,
                          "Tệp thứ %zu: hãy cho biết tệp thuộc thành phần hồ sơ nào (component).",
                          i + 1);
    }
    size_t k;
    const json_t *pp;
    json_array_foreach(n->paper, k, pp)
    {
        if (!json_is_integer(pp) || json_integer_value(pp) < 0 ||
            json_integer_value(pp) >= (json_int_t)ncomp)
            return ds_say(msg, EG_EINVAL, "paper: thủ tục không có thành phần hồ sơ số %lld.",
                          json_is_integer(pp) ? (long long)json_integer_value(pp) + 1 : 0LL);
    }
    if (partial)
        return EG_OK;
    size_t c;
    const json_t *comp;
    json_array_foreach(components, c, comp)
    {
        if (!json_is_true(json_object_get(comp, "required")))
            continue;
        /* The declaration with a template is the online form itself. */
        if (n->channel == EG_CHANNEL_ONLINE && json_is_string(json_object_get(comp, "template")))
            continue;
        /* A component carried by a file field of the form: a file for that field is it. */
        const char *by = json_string_value(json_object_get(comp, "field"));
        bool have = false;
        for (size_t i = 0; i < n->nfiles; i++)
            have = have || n->files[i].component == (int)c ||
                   (by && n->files[i].field && strcmp(n->files[i].field, by) == 0);
        json_array_foreach(n->paper, k, pp)
        {
            have = have || json_integer_value(pp) == (json_int_t)c;
        }
        if (!have)
            return ds_say(msg, EG_EINVAL, "Thiếu thành phần hồ sơ bắt buộc: %.300s",
                          json_string_value(json_object_get(comp, "name")));
    }
    return EG_OK;
}

/* The next number of the unit's day, in the transaction that uses it: gap-free. */
static enum eg_err
next_seq(struct eg_tx *tx, int64_t unit, struct eg_date day, int *seq)
{
    char ds[EG_DATE_STR];
    eg_date_format(day, ds);
    struct eg_stmt *st;
    bool row = false;
    enum eg_err rc = eg_tx_prepare(tx,
                                   "INSERT INTO dossier_seq (org_unit_id, day, last) VALUES (?, ?, "
                                   "1) ON CONFLICT (org_unit_id, day) DO UPDATE SET last = "
                                   "dossier_seq.last + 1 RETURNING last",
                                   &st);
    if (rc == EG_OK)
        rc = eg_stmt_bind_i64(st, 1, unit);
    if (rc == EG_OK)
        rc = eg_stmt_bind_text(st, 2, ds, strlen(ds));
    if (rc == EG_OK)
        rc = eg_stmt_step(st, &row);
    if (rc == EG_OK && !row)
        rc = EG_EIO;
    if (rc == EG_OK) {
        *seq = (int)eg_stmt_i64(st, 0);
        eg_stmt_reset(st);
    }
    return rc;
}

enum eg_err
ds_seal_form(struct eg_dossiers *d, const json_t *form, struct eg_buf *out)
{
    char *text = json_dumps(form, JSON_COMPACT);
    if (!text)
        return EG_ENOMEM;
    enum eg_err rc = eg_identity_seal(d->identity, text, strlen(text), out);
    free(text);
    return rc;
}

static enum eg_err
add_units(struct eg_tx *tx, int64_t dossier, const struct process *p, int64_t receiving,
          int64_t agency)
{
    int64_t units[EG_PROCESS_MAX_STEPS + 2];
    size_t n = 0;
    units[n++] = receiving;
    if (agency != receiving)
        units[n++] = agency;
    for (int i = 0; i < p->n; i++) {
        bool seen = false;
        for (size_t j = 0; j < n; j++)
            seen = seen || units[j] == p->steps[i].unit_id;
        if (!seen)
            units[n++] = p->steps[i].unit_id;
    }
    for (size_t i = 0; i < n; i++) {
        struct eg_stmt *st;
        bool row;
        enum eg_err rc = eg_tx_prepare(
            tx, "INSERT INTO dossier_unit (dossier_id, org_unit_id) VALUES (?, ?)", &st);
        if (rc == EG_OK)
            rc = eg_stmt_bind_i64(st, 1, dossier);
        if (rc == EG_OK)
            rc = eg_stmt_bind_i64(st, 2, units[i]);
        if (rc == EG_OK)
            rc = eg_stmt_step(st, &row);
        if (rc != EG_OK)
            return rc;
    }
    return EG_OK;
}

static enum eg_err
opt_i64(struct eg_stmt *st, int i, int64_t v)
{
    return v ? eg_stmt_bind_i64(st, i, v) : eg_stmt_bind_null(st, i);
}

static enum eg_err
opt_txt(struct eg_stmt *st, int i, const char *s)
{
    return s && *s ? eg_stmt_bind_text(st, i, s, strlen(s)) : eg_stmt_bind_null(st, i);
}

/* Writes the row's changing columns (state, step, dates) back, on its version. */
enum eg_err
ds_save_row(struct eg_tx *tx, const struct drow *r, int expect_version)
{
    struct eg_stmt *st;
    bool row;
    enum eg_err rc = eg_tx_prepare(
        tx,
        "UPDATE dossier SET code = ?, procedure_version = ?, state = ?, national_status = ?, "
        "step = ?, step_unit_id = ?, step_role = ?, step_started_ms = ?, step_due_ms = ?, assignee "
        "= ?, "
        "resume_state = ?, result = ?, submitted_ms = ?, received_ms = ?, due_ms = ?, "
        "due_date = ?, finished_ms = ?, returned_ms = ?, closed_ms = ?, overdue = ?, "
        "version = version + 1, updated_ms = ? WHERE id = ? AND version = ?",
        &st);
    int i = 1;
#define OPT_I64(v) opt_i64(st, i++, (v))
#define OPT_TXT(s) opt_txt(st, i++, (s))
    const char *state = eg_dossier_state_str(r->state);
    if (rc == EG_OK)
        rc = OPT_TXT(r->code);
    if (rc == EG_OK)
        rc = eg_stmt_bind_i64(st, i++, r->procedure_version);
    if (rc == EG_OK)
        rc = eg_stmt_bind_text(st, i++, state, strlen(state));
    if (rc == EG_OK)
        rc = eg_stmt_bind_i64(st, i++, eg_dossier_national_status(r->state));
    if (rc == EG_OK)
        rc = eg_stmt_bind_i64(st, i++, r->step);
    if (rc == EG_OK)
        rc = OPT_I64(r->step_unit_id);
    if (rc == EG_OK)
        rc = OPT_TXT(r->step_role);
    if (rc == EG_OK)
        rc = OPT_I64(r->step_started_ms);
    if (rc == EG_OK)
        rc = OPT_I64(r->step_due_ms);
    if (rc == EG_OK)
        rc = OPT_I64(r->assignee);
    if (rc == EG_OK)
        rc = OPT_TXT(r->has_resume ? eg_dossier_state_str(r->resume_state) : NULL);
    if (rc == EG_OK)
        rc = OPT_TXT(r->result);
    if (rc == EG_OK)
        rc = OPT_I64(r->submitted_ms);
    if (rc == EG_OK)
        rc = OPT_I64(r->received_ms);
    if (rc == EG_OK)
        rc = OPT_I64(r->due_ms);
    if (rc == EG_OK)
        rc = OPT_TXT(r->due_date);
    if (rc == EG_OK)
        rc = OPT_I64(r->finished_ms);
    if (rc == EG_OK)
        rc = OPT_I64(r->returned_ms);
    if (rc == EG_OK)
        rc = OPT_I64(r->closed_ms);
    if (rc == EG_OK)
        rc = eg_stmt_bind_i64(st, i++, r->overdue ? 1 : 0);
    if (rc == EG_OK)
        rc = eg_stmt_bind_i64(st, i++, eg_clock_now_ms(&eg_clock_system));
    if (rc == EG_OK)
        rc = eg_stmt_bind_i64(st, i++, r->id);
    if (rc == EG_OK)
        rc = eg_stmt_bind_i64(st, i++, expect_version);
#undef OPT_I64
#undef OPT_TXT
    if (rc == EG_OK)
        rc = eg_stmt_step(st, &row);
    if (rc == EG_OK && eg_stmt_changes(st) != 1)
        rc = EG_ECONFLICT;
    return rc;
}

/* Puts a dossier at the start of its process: received now, due dates counted. */
enum eg_err
ds_start_processing(struct eg_dossiers *d, struct eg_tx *tx, struct drow *r, int64_t now_ms)
{
    struct process p;
    char cutoff[6];
    enum eg_err rc = ds_procedure_cutoff(d, tx, r->procedure_code, r->procedure_version, cutoff);
    if (rc == EG_OK)
        rc = ds_load_process(tx, r, &p);
    struct eg_calendar_due due, sdue;
    if (rc == EG_OK)
        rc = ds_due_of(d, tx, r, now_ms, r->working_days, cutoff, false, &due);
    if (rc == EG_OK)
        rc = ds_due_of(d, tx, r, now_ms, p.steps[0].days, cutoff, false, &sdue);
    if (rc != EG_OK)
        return rc;
    r->state = EG_DS_RECEIVED;
    r->received_ms = now_ms;
    r->due_ms = due.at;
    eg_date_format(due.date, r->due_date);
    r->step = 0;
    r->step_unit_id = p.steps[0].unit_id;
    snprintf(r->step_role, sizeof(r->step_role), "%s", eg_role_str(p.steps[0].role));
    r->step_started_ms = now_ms;
    r->step_due_ms = sdue.at;
    r->assignee = 0;
    return EG_OK;
}

struct create_ctx;
static enum eg_err receiving_unit(struct eg_tx *tx, struct create_ctx *c, struct eg_buf *msg);

struct create_ctx {
    struct eg_dossiers *d;
    const struct eg_actor *a;
    const struct eg_dossier_new *n;
    struct proc *p;
    json_t *clean;
    int64_t unit_id; /* receiving */
    char unit_code[40];
    int64_t agency_id; /* implementing, as chosen */
    char agency_code[40];
    int64_t process_id; /* 0: the default process */
    int64_t applicant;
    const char *name, *kind, *email, *phone;
};

static enum eg_err
insert_row(struct eg_tx *tx, struct create_ctx *c, int64_t process_id, const struct eg_buf *form,
           int64_t now_ms, int64_t *id)
{
    struct eg_stmt *st;
    bool row = false;
    enum eg_err rc = eg_tx_prepare(
        tx,
        "INSERT INTO dossier (procedure_code, procedure_version, field_code, process_id, "
        "org_unit_id, agency_unit_id, channel, applicant_account, applicant_kind, applicant_name, "
        "applicant_email, applicant_phone, form_sealed, state, national_status, working_days, "
        "created_ms, updated_ms, paper) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'draft', 0, "
        "?, ?, ?, ?) "
        "RETURNING id",
        &st);
    const char *code = c->n->procedure_code, *ch = eg_channel_str(c->n->channel);
    if (rc == EG_OK)
        rc = eg_stmt_bind_text(st, 1, code, strlen(code));
    if (rc == EG_OK)
        rc = eg_stmt_bind_i64(st, 2, c->p->version);
    if (rc == EG_OK)
        rc = eg_stmt_bind_text(st, 3, c->p->field, strlen(c->p->field));
    if (rc == EG_OK)
        rc = process_id ? eg_stmt_bind_i64(st, 4, process_id) : eg_stmt_bind_null(st, 4);
    if (rc == EG_OK)
        rc = eg_stmt_bind_i64(st, 5, c->unit_id);
    if (rc == EG_OK)
        rc = eg_stmt_bind_i64(st, 6, c->agency_id);
    if (rc == EG_OK)
        rc = eg_stmt_bind_text(st, 7, ch, strlen(ch));
    if (rc == EG_OK)
        rc = c->applicant ? eg_stmt_bind_i64(st, 8, c->applicant) : eg_stmt_bind_null(st, 8);
    if (rc == EG_OK)
        rc = eg_stmt_bind_text(st, 9, c->kind, strlen(c->kind));
    if (rc == EG_OK)
        rc = eg_stmt_bind_text(st, 10, c->name, strlen(c->name));
    if (rc == EG_OK)
        rc = c->email && *c->email ? eg_stmt_bind_text(st, 11, c->email, strlen(c->email))
                                   : eg_stmt_bind_null(st, 11);
    if (rc == EG_OK)
        rc = c->phone && *c->phone ? eg_stmt_bind_text(st, 12, c->phone, strlen(c->phone))
                                   : eg_stmt_bind_null(st, 12);
    if (rc == EG_OK)
        rc = eg_stmt_bind_blob(st, 13, form->p, form->len);
    if (rc == EG_OK)
        rc = eg_stmt_bind_i64(st, 14, c->p->working_days);
    if (rc == EG_OK)
        rc = eg_stmt_bind_i64(st, 15, now_ms);
    if (rc == EG_OK)
        rc = eg_stmt_bind_i64(st, 16, now_ms);
    char *paper =
        c->n->paper && json_array_size(c->n->paper) ? json_dumps(c->n->paper, JSON_COMPACT) : NULL;
    if (rc == EG_OK)
        rc = paper ? eg_stmt_bind_text(st, 17, paper, strlen(paper)) : eg_stmt_bind_null(st, 17);
    free(paper);
    if (rc == EG_OK)
        rc = eg_stmt_step(st, &row);
    if (rc == EG_OK && !row)
        rc = EG_EIO;
    if (rc == EG_OK) {
        *id = eg_stmt_i64(st, 0);
        eg_stmt_reset(st);
    }
    return rc;
}

/* Gives a draft its code and sends it on: submitted (online) or received (counter). */
enum eg_err
ds_submit_row(struct eg_dossiers *d, struct eg_tx *tx, const struct eg_actor *a, struct drow *r,
              int64_t now_ms, int64_t *event_id)
{
    struct drow before = *r;
    int seq = 0;
    struct eg_date day = eg_date_of_ms(now_ms, NULL);
    enum eg_err rc = next_seq(tx, r->unit_id, day, &seq);
    if (rc == EG_OK)
        rc = eg_dossier_code_format(r->unit_code, day, seq, r->code, sizeof(r->code));
    if (rc != EG_OK)
        return rc;
    r->submitted_ms = now_ms;
    const char *action = "submit";
    if (r->channel == EG_CHANNEL_ONLINE) {
        r->state = EG_DS_SUBMITTED;
    } else {
        rc = ds_start_processing(d, tx, r, now_ms);
        action = "intake";
    }
    if (rc == EG_OK)
        rc = ds_save_row(tx, r, r->version);
    if (rc == EG_OK)
        r->version++;
    if (rc == EG_OK)
        rc = ds_add_event(tx, &before, r, action, a, r->unit_id, NULL, NULL, now_ms, event_id);
    if (rc == EG_OK)
        rc = ds_audit_action(tx, a, action, r, before.state, now_ms);
    if (rc == EG_OK)
        rc = ds_notice_event(d, tx, r, action, *event_id, NULL, now_ms);
    return rc;
}

void
ds_ref_of(const struct drow *r, struct eg_dossier_ref *out)
{
    memset(out, 0, sizeof(*out));
    out->id = r->id;
    snprintf(out->code, sizeof(out->code), "%s", r->code);
    out->state = r->state;
    out->version = r->version;
    snprintf(out->due, sizeof(out->due), "%s", r->due_date);
    out->due_ms = r->due_ms;
}

/*
 * An Idempotency-Key seen before, inside tx: the dossier it made (out, marked
 * replayed); EG_ENOTFOUND if none; EG_ECONFLICT (msg) when it came with
 * another request.
 */
static enum eg_err
idem_find(struct eg_tx *tx, int64_t account, const char *key, const char *hash,
          struct eg_dossier_ref *out, struct eg_buf *msg)
{
    struct eg_stmt *st;
    bool row = false;
    int64_t id = 0;
    char stored[80] = "";
    enum eg_err rc = eg_tx_prepare(tx,
                                   "SELECT dossier_id, request_hash FROM dossier_idempotency "
                                   "WHERE account_id = ? AND idem_key = ?",
                                   &st);
    if (rc == EG_OK)
        rc = eg_stmt_bind_i64(st, 1, account);
    if (rc == EG_OK)
        rc = eg_stmt_bind_text(st, 2, key, strlen(key));
    if (rc == EG_OK)
        rc = eg_stmt_step(st, &row);
    if (rc != EG_OK)
        return rc;
    if (!row)
        return EG_ENOTFOUND;
    id = eg_stmt_is_null(st, 0) ? 0 : eg_stmt_i64(st, 0);
    snprintf(stored, sizeof(stored), "%s", eg_stmt_text(st, 1));
    eg_stmt_reset(st);
    if (strcmp(stored, hash ? hash : "") != 0)
        return ds_say(msg, EG_ECONFLICT,
                      "Khóa Idempotency-Key này đã dùng cho một yêu cầu khác; hãy dùng khóa mới.");
    struct drow r;
    rc = id ? ds_load_row(tx, NULL, id, false, &r) : EG_EIO;
    if (rc != EG_OK)
        return rc;
    ds_ref_of(&r, out);
    out->replayed = true;
    return EG_OK;
}

/* The same in a read transaction of its own. */
enum eg_err
ds_idem_lookup(struct eg_dossiers *d, int64_t account, const char *key, const char *hash,
               struct eg_dossier_ref *out, struct eg_buf *msg)
{
    struct eg_tx *tx;
    enum eg_err rc = eg_db_begin(d->db, EG_TX_READ, &tx);
    if (rc != EG_OK)
        return rc;
    rc = idem_find(tx, account, key, hash, out, msg);
    eg_tx_rollback(tx);
    return rc;
}

/* Claims the key first in the creating transaction; EG_ECONFLICT if another request has it. */
static enum eg_err
idem_claim(struct eg_tx *tx, int64_t account, const char *key, const char *hash, int64_t now_ms)
{
    struct eg_stmt *st;
    bool row;
    enum eg_err rc = eg_tx_prepare(tx,
                                   "INSERT INTO dossier_idempotency (account_id, idem_key, "
                                   "request_hash, created_ms) VALUES (?, ?, ?, ?)",
                                   &st);
    if (rc == EG_OK)
        rc = eg_stmt_bind_i64(st, 1, account);
    if (rc == EG_OK)
        rc = eg_stmt_bind_text(st, 2, key, strlen(key));
    if (rc == EG_OK)
        rc = eg_stmt_bind_text(st, 3, hash ? hash : "", hash ? strlen(hash) : 0);
    if (rc == EG_OK)
        rc = eg_stmt_bind_i64(st, 4, now_ms);
    if (rc == EG_OK)
        rc = eg_stmt_step(st, &row);
    return rc;
}

static enum eg_err
idem_bind(struct eg_tx *tx, int64_t account, const char *key, int64_t id)
{
    struct eg_stmt *st;
    bool row;
    enum eg_err rc = eg_tx_prepare(tx,
                                   "UPDATE dossier_idempotency SET dossier_id = ? WHERE "
                                   "account_id = ? AND idem_key = ?",
                                   &st);
    if (rc == EG_OK)
        rc = eg_stmt_bind_i64(st, 1, id);
    if (rc == EG_OK)
        rc = eg_stmt_bind_i64(st, 2, account);
    if (rc == EG_OK)
        rc = eg_stmt_bind_text(st, 3, key, strlen(key));
    if (rc == EG_OK)
        rc = eg_stmt_step(st, &row);
    return rc;
}

static bool
account_exists(struct eg_tx *tx, int64_t id)
{
    struct eg_stmt *st;
    bool row = false;
    if (eg_tx_prepare(tx, "SELECT 1 FROM account WHERE id = ?", &st) != EG_OK ||
        eg_stmt_bind_i64(st, 1, id) != EG_OK || eg_stmt_step(st, &row) != EG_OK)
        return false;
    if (row)
        eg_stmt_reset(st);
    return row;
}

/* The applicant's contact details from their account. */
static enum eg_err
applicant_of(struct eg_tx *tx, int64_t account, char *name, char *email, char *phone, char *kind)
{
    struct eg_stmt *st;
    bool row = false;
    enum eg_err rc = eg_tx_prepare(
        tx, "SELECT name, email, phone, kind FROM account WHERE id = ? AND status = 'active'", &st);
    if (rc == EG_OK)
        rc = eg_stmt_bind_i64(st, 1, account);
    if (rc == EG_OK)
        rc = eg_stmt_step(st, &row);
    if (rc != EG_OK)
        return rc;
    if (!row)
        return EG_ENOTFOUND;
    snprintf(name, 256, "%s", eg_stmt_text(st, 0));
    snprintf(email, 256, "%s", eg_stmt_is_null(st, 1) ? "" : eg_stmt_text(st, 1));
    snprintf(phone, 32, "%s", eg_stmt_is_null(st, 2) ? "" : eg_stmt_text(st, 2));
    snprintf(kind, 16, "%s", eg_stmt_text(st, 3));
    eg_stmt_reset(st);
    return EG_OK;
}

/*
 * The units of a new dossier: the implementing unit chosen, and the one whose
 * desk receives it (the process's "receiving" unit, e.g. the Public
 * Administration Service Center, else the implementing unit itself).
 */
static enum eg_err
receiving_unit(struct eg_tx *tx, struct create_ctx *c, struct eg_buf *msg)
{
    enum eg_err rc = ds_lookup_unit(tx, c->agency_code, &c->agency_id);
    if (rc == EG_ENOTFOUND)
        return ds_say(msg, EG_EINVAL, "Cơ quan %s không còn hoạt động.", c->agency_code);
    json_t *def = NULL;
    c->process_id = 0;
    if (rc == EG_OK)
        rc = eg_process_current(tx, c->n->procedure_code, &c->process_id, &def);
    if (rc == EG_ENOTFOUND) {
        c->process_id = 0;
        rc = EG_OK;
    }
    char recv[40] = "";
    if (def)
        ds_process_receiving(def, recv);
    json_decref(def);
    if (rc != EG_OK)
        return rc;
    snprintf(c->unit_code, sizeof(c->unit_code), "%s", recv[0] ? recv : c->agency_code);
    if (!recv[0]) {
        c->unit_id = c->agency_id;
        return EG_OK;
    }
    rc = ds_lookup_unit(tx, c->unit_code, &c->unit_id);
    return rc == EG_ENOTFOUND
               ? ds_say(msg, EG_EINVAL, "Bộ phận tiếp nhận %s không còn hoạt động.", c->unit_code)
               : rc;
}

static enum eg_err
create_tx(struct create_ctx *c, struct eg_tx *tx, int64_t now_ms, struct drow *r,
          struct eg_buf *msg)
{
    struct eg_dossiers *d = c->d;
    const struct eg_dossier_new *n = c->n;
    int64_t process_id = c->process_id;
    struct drow shape = {.process_id = process_id,
                         .working_days = c->p->working_days,
                         .unit_id = c->unit_id,
                         .agency_unit_id = c->agency_id};
    snprintf(shape.unit_code, sizeof(shape.unit_code), "%s", c->unit_code);
    snprintf(shape.agency_code, sizeof(shape.agency_code), "%s", c->agency_code);
    struct process p;
    enum eg_err rc = ds_load_process(tx, &shape, &p);
    struct eg_buf sealed = EG_BUF_INIT(4096);
    if (rc == EG_OK)
        rc = ds_seal_form(d, c->clean, &sealed);
    int64_t id = 0;
    if (rc == EG_OK)
        rc = insert_row(tx, c, process_id, &sealed, now_ms, &id);
    eg_buf_release(&sealed);
    if (rc == EG_OK)
        rc = add_units(tx, id, &p, c->unit_id, c->agency_id);
    if (rc == EG_OK)
        rc = ds_load_row(tx, NULL, id, false, r);
    if (rc != EG_OK)
        return rc;
    int64_t owner = c->applicant ? c->applicant : c->a->subject.account_id;
    if (n->channel != EG_CHANNEL_ONLINE)
        owner = c->a->subject.account_id; /* the desk scanned the papers */
    int64_t event_id = 0;
    if (n->draft) {
        rc = ds_add_event(tx, NULL, r, "create", c->a, c->unit_id, NULL, NULL, now_ms, &event_id);
        if (rc == EG_OK)
            rc = ds_audit_action(tx, c->a, "create", r, EG_DS_DRAFT, now_ms);
    } else {
        rc = ds_submit_row(d, tx, c->a, r, now_ms, &event_id);
    }
    if (rc == EG_OK)
        rc = ds_attach_files(tx, r, c->a, owner, n->files, n->nfiles, 0, msg);
    return rc;
}

enum eg_err
eg_dossier_create(struct eg_dossiers *d, const struct eg_actor *a, const struct eg_dossier_new *n,
                  struct eg_dossier_ref *out, struct eg_buf *msg)
{
    memset(out, 0, sizeof(*out));
    eg_buf_reset(msg);
    enum eg_subject_kind kind = a->subject.kind;
    bool online = n->channel == EG_CHANNEL_ONLINE;
    if (kind == EG_SUBJECT_ANONYMOUS)
        return EG_EUNAUTH;
    if (online && kind == EG_SUBJECT_STAFF)
        return ds_say(msg, EG_EFORBIDDEN,
                      "Cán bộ nhập hồ sơ thay người nộp qua kênh trực tiếp, bưu chính, điện thoại "
                      "hoặc fax (channel), không nộp trực tuyến.");
    if (!online && kind != EG_SUBJECT_STAFF)
        return ds_say(msg, EG_EFORBIDDEN, "Công dân, doanh nghiệp nộp hồ sơ trực tuyến.");
    if (!online && n->draft)
        return ds_say(msg, EG_EINVAL, "Hồ sơ nhập tại quầy được tiếp nhận ngay, không lưu nháp.");
    if (n->idem_key) {
        enum eg_err rc =
            ds_idem_lookup(d, a->subject.account_id, n->idem_key, n->request_hash, out, msg);
        if (rc != EG_ENOTFOUND)
            return rc;
    }
    struct proc p;
    enum eg_err rc = ds_proc_load(d, n->procedure_code, n->agency_code, &p, msg);
    if (rc != EG_OK)
        return rc;
    struct create_ctx c = {.d = d, .a = a, .n = n, .p = &p};
    char name[256] = "", email[256] = "", phone[32] = "", akind[16] = "", counter_phone[16] = "";
    int64_t now_ms = eg_clock_now_ms(d->clock);
    const char *online_level = json_string_value(json_object_get(p.doc, "online_level"));
    if (online && online_level && strcmp(online_level, "offline") == 0) {
        rc = ds_say(msg, EG_EINVAL,
                    "Thủ tục này chưa nhận hồ sơ trực tuyến; hãy nộp tại bộ phận "
                    "một cửa.");
        goto out;
    }
    rc = pick_agency(p.doc, n->agency_code, c.agency_code, msg);
    if (rc == EG_OK)
        rc = ds_form_check(p.doc, n->form, eg_date_of_ms(now_ms, NULL).year, n->draft, &c.clean,
                           msg);
    if (rc == EG_OK)
        rc = ds_files_check(p.doc, n, n->draft, msg);
    /* At the counter the officer checks the papers: a file field's paper counts. */
    if (rc == EG_OK && !n->draft && online)
        rc = ds_form_files_check(p.doc, c.clean, n->files, n->nfiles, msg);
    if (rc == EG_OK)
        rc = ds_calendar_hold(d);
    if (rc != EG_OK)
        goto out;
    for (int attempt = 0; attempt < 2; attempt++) {
        struct eg_tx *tx;
        rc = eg_db_begin(d->db, EG_TX_WRITE, &tx);
        if (rc != EG_OK)
            break;
        /* A retry of a request whose key this transaction can see (SQLite's single writer, or
         * a committed one): the same answer, once its dossier is durable (the commit). */
        bool replay = false;
        if (n->idem_key) {
            rc = idem_find(tx, a->subject.account_id, n->idem_key, n->request_hash, out, msg);
            replay = rc == EG_OK;
            if (rc == EG_ENOTFOUND)
                rc = idem_claim(tx, a->subject.account_id, n->idem_key, n->request_hash, now_ms);
            if (replay || rc != EG_OK) {
                if (replay)
                    rc = eg_tx_commit(tx);
                else
                    eg_tx_rollback(tx);
                if (rc == EG_ECONFLICT && !replay && attempt == 0 && msg->len == 0)
                    continue; /* another request holds the key: it committed by now */
                break;
            }
        }
        rc = receiving_unit(tx, &c, msg);
        if (rc == EG_OK && online) {
            c.applicant = a->subject.account_id;
            rc = applicant_of(tx, c.applicant, name, email, phone, akind);
            if (rc == EG_ENOTFOUND)
                rc = EG_EFORBIDDEN;
            if (rc == EG_OK && !applicant_allowed(p.doc, akind))
                rc = ds_say(msg, EG_EINVAL, "Thủ tục này dành cho %s.",
                            strcmp(akind, "citizen") == 0 ? "tổ chức, doanh nghiệp" : "công dân");
            c.name = name, c.email = email, c.phone = phone, c.kind = akind;
        } else if (rc == EG_OK) {
            bool desk = false;
            rc = ds_holds_on(tx, a->subject.account_id, ROLE(EG_ROLE_DESK_OFFICER), c.unit_id,
                             &desk);
            if (rc == EG_OK && !desk)
                rc = ds_say(msg, EG_EFORBIDDEN,
                            "Chỉ cán bộ một cửa của %s được nhập hồ sơ tại quầy.", c.unit_code);
            c.applicant = n->applicant_account;
            c.name = n->applicant_name;
            c.kind = n->applicant_kind ? n->applicant_kind : "citizen";
            c.email = n->applicant_email;
            c.phone = n->applicant_phone;
            if (rc == EG_OK && (!c.name || !*c.name || strlen(c.name) > 255 ||
                                !eg_utf8_valid(c.name, strlen(c.name))))
                rc = ds_say(msg, EG_EINVAL, "Hãy nhập họ tên người nộp hồ sơ (tối đa 255 byte).");
            if (rc == EG_OK && strcmp(c.kind, "citizen") != 0 && strcmp(c.kind, "business") != 0)
                rc = ds_say(msg, EG_EINVAL, "applicant_kind: citizen hoặc business.");
            if (rc == EG_OK && !applicant_allowed(p.doc, c.kind))
                rc = ds_say(msg, EG_EINVAL, "Thủ tục này không dành cho loại người nộp này.");
            if (rc == EG_OK && c.email && *c.email && !ds_email_ok(c.email))
                rc = ds_say(msg, EG_EINVAL, "Thư điện tử của người nộp không hợp lệ.");
            if (rc == EG_OK && c.phone && *c.phone && !ds_phone_ok(c.phone, counter_phone))
                rc = ds_say(msg, EG_EINVAL,
                            "Số điện thoại của người nộp không hợp lệ (số di động hoặc cố định "
                            "của Việt Nam).");
            if (rc == EG_OK && c.phone && *c.phone)
                c.phone = counter_phone; /* as 0xxxxxxxxx */
            if (rc == EG_OK && c.applicant && !account_exists(tx, c.applicant))
                rc = ds_say(msg, EG_EINVAL, "Không có tài khoản số %lld.", (long long)c.applicant);
        }
        struct drow r = {0};
        if (rc == EG_OK)
            rc = create_tx(&c, tx, now_ms, &r, msg);
        if (rc == EG_OK && n->idem_key)
            rc = idem_bind(tx, a->subject.account_id, n->idem_key, r.id);
        if (rc == EG_OK)
            rc = eg_tx_commit(tx);
        else
            eg_tx_rollback(tx);
        if (rc == EG_OK) {
            ds_ref_of(&r, out);
            break;
        }
        /* Two requests with one key at once: the other one won; answer with its dossier. */
        if (rc == EG_ECONFLICT && n->idem_key && attempt == 0) {
            rc = ds_idem_lookup(d, a->subject.account_id, n->idem_key, n->request_hash, out, msg);
            if (rc != EG_ENOTFOUND)
                break;
            continue;
        }
        break;
    }
out:
    ds_calendar_release(d);
    json_decref(c.clean);
    ds_proc_free(&p);
    return rc;
}

/* The form of a dossier, unsealed (a new reference): what ds_seal_form() stored. */
enum eg_err
ds_form_of(struct eg_dossiers *d, struct eg_tx *tx, int64_t id, json_t **out)
{
    struct eg_stmt *st;
    bool row = false;
    *out = NULL;
    enum eg_err rc = eg_tx_prepare(tx, "SELECT form_sealed FROM dossier WHERE id = ?", &st);
    if (rc == EG_OK)
        rc = eg_stmt_bind_i64(st, 1, id);
    if (rc == EG_OK)
        rc = eg_stmt_step(st, &row);
    if (rc != EG_OK)
        return rc;
    if (!row)
        return EG_ENOTFOUND;
    size_t n = 0;
    const void *p = eg_stmt_blob(st, 0, &n);
    struct eg_buf plain = EG_BUF_INIT(n + 64);
    rc = eg_identity_open_sealed(d->identity, p, n, &plain);
    eg_stmt_reset(st);
    if (rc == EG_OK) {
        *out = json_loadb(plain.p, plain.len, 0, NULL);
        if (!*out)
            rc = EG_EIO;
    }
    eg_buf_release(&plain);
    return rc;
}
