/* drafts.c - an applicant's drafts: changed (form and files) and submitted. Made in create.c. */
#include "dossiers_int.h"

#include <stdio.h>
#include <string.h>

/* The applicant's own draft, locked for the change. */
static enum eg_err
own_draft(struct eg_tx *tx, const struct eg_actor *a, int64_t id, struct drow *r)
{
    enum eg_err rc = ds_load_row(tx, NULL, id, true, r);
    if (rc != EG_OK)
        return rc;
    if (r->applicant_account != a->subject.account_id || r->state != EG_DS_DRAFT)
        return EG_ENOTFOUND;
    return EG_OK;
}

/* The draft's files go back to being uploads before its new list is attached. */
static enum eg_err
release_files(struct eg_tx *tx, int64_t id)
{
    char ref[32];
    snprintf(ref, sizeof(ref), "%lld", (long long)id);
    struct eg_stmt *st;
    bool row;
    enum eg_err rc = eg_tx_prepare(tx,
                                   "UPDATE attachment SET owner_kind = 'upload', owner_ref = NULL "
                                   "WHERE owner_kind = 'dossier' AND owner_ref = ?",
                                   &st);
    if (rc == EG_OK)
        rc = eg_stmt_bind_text(st, 1, ref, strlen(ref));
    if (rc == EG_OK)
        rc = eg_stmt_step(st, &row);
    if (rc == EG_OK)
        rc = eg_tx_prepare(tx, "DELETE FROM dossier_file WHERE dossier_id = ?", &st);
    if (rc == EG_OK)
        rc = eg_stmt_bind_i64(st, 1, id);
    if (rc == EG_OK)
        rc = eg_stmt_step(st, &row);
    return rc;
}

enum eg_err
eg_dossier_draft_update(struct eg_dossiers *d, const struct eg_actor *a, int64_t id,
                        const struct eg_dossier_new *n, struct eg_dossier_ref *out,
                        struct eg_buf *msg)
{
    memset(out, 0, sizeof(*out));
    eg_buf_reset(msg);
    struct eg_tx *tx;
    struct drow r;
    enum eg_err rc = eg_db_begin(d->db, EG_TX_READ, &tx);
    if (rc != EG_OK)
        return rc;
    rc = ds_load_row(tx, NULL, id, false, &r);
    eg_tx_rollback(tx);
    if (rc == EG_OK && (r.applicant_account != a->subject.account_id || r.state != EG_DS_DRAFT))
        rc = EG_ENOTFOUND;
    if (rc != EG_OK)
        return rc;
    struct proc p;
    rc = ds_proc_load(d, r.procedure_code, NULL, &p, msg);
    if (rc != EG_OK)
        return rc;
    struct eg_dossier_new m = *n;
    m.draft = true;
    m.channel = EG_CHANNEL_ONLINE;
    json_t *clean = NULL;
    int64_t now_ms = eg_clock_now_ms(d->clock);
    rc = ds_form_check(p.doc, n->form, eg_date_of_ms(now_ms, NULL).year, true, &clean, msg);
    if (rc == EG_OK)
        rc = ds_files_check(p.doc, &m, true, msg);
    struct eg_buf sealed = EG_BUF_INIT(4096);
    if (rc == EG_OK)
        rc = ds_seal_form(d, clean, &sealed);
    if (rc == EG_OK)
        rc = eg_db_begin(d->db, EG_TX_WRITE, &tx);
    if (rc != EG_OK)
        goto out;
    rc = own_draft(tx, a, id, &r);
    if (rc == EG_OK && n->version && n->version != r.version)
        rc = ds_say(msg, EG_ECONFLICT, "Bản nháp đã được sửa ở nơi khác; hãy tải lại trang.");
    struct eg_stmt *st;
    bool row;
    if (rc == EG_OK)
        rc = eg_tx_prepare(tx,
                           "UPDATE dossier SET form_sealed = ?, procedure_version = ?, "
                           "working_days = ?, version = version + 1, updated_ms = ? WHERE id = ?",
                           &st);
    if (rc == EG_OK)
        rc = eg_stmt_bind_blob(st, 1, sealed.p, sealed.len);
    if (rc == EG_OK)
        rc = eg_stmt_bind_i64(st, 2, p.version);
    if (rc == EG_OK)
        rc = eg_stmt_bind_i64(st, 3, p.working_days);
    if (rc == EG_OK)
        rc = eg_stmt_bind_i64(st, 4, now_ms);
    if (rc == EG_OK)
        rc = eg_stmt_bind_i64(st, 5, id);
    if (rc == EG_OK)
        rc = eg_stmt_step(st, &row);
    if (rc == EG_OK)
        rc = release_files(tx, id);
    if (rc == EG_OK)
        rc = ds_attach_files(tx, &r, a, a->subject.account_id, n->files, n->nfiles, 0, msg);
    if (rc == EG_OK)
        rc = ds_load_row(tx, NULL, id, false, &r);
    if (rc == EG_OK)
        rc = eg_tx_commit(tx);
    else
        eg_tx_rollback(tx);
    if (rc == EG_OK)
        ds_ref_of(&r, out);
out:
    eg_buf_release(&sealed);
    json_decref(clean);
    ds_proc_free(&p);
    return rc;
}

/* The files of a draft as references, to check them as a submission would be. */
static enum eg_err
files_of(struct eg_tx *tx, int64_t id, struct eg_dossier_file_ref *out, char (*fields)[64],
         size_t max, size_t *n)
{
    struct eg_stmt *st;
    bool row = false;
    *n = 0;
    enum eg_err rc = eg_tx_prepare(tx,
                                   "SELECT attachment_id, component, field FROM dossier_file "
                                   "WHERE dossier_id = ? ORDER BY attachment_id",
                                   &st);
    if (rc == EG_OK)
        rc = eg_stmt_bind_i64(st, 1, id);
    while (rc == EG_OK && (rc = eg_stmt_step(st, &row)) == EG_OK && row) {
        if (*n == max) {
            eg_stmt_reset(st);
            return EG_ETOOBIG;
        }
        out[*n].attachment_id = eg_stmt_i64(st, 0);
        out[*n].component = (int)eg_stmt_i64(st, 1);
        out[*n].field = NULL;
        if (!eg_stmt_is_null(st, 2)) {
            snprintf(fields[*n], 64, "%s", eg_stmt_text(st, 2));
            out[*n].field = fields[*n];
        }
        (*n)++;
    }
    return rc;
}

enum eg_err
eg_dossier_draft_submit(struct eg_dossiers *d, const struct eg_actor *a, int64_t id,
                        struct eg_dossier_ref *out, struct eg_buf *msg)
{
    memset(out, 0, sizeof(*out));
    eg_buf_reset(msg);
    struct eg_tx *tx;
    struct drow r;
    json_t *form = NULL, *clean = NULL;
    struct eg_dossier_file_ref files[EG_DOSSIER_MAX_FILES];
    static _Thread_local char fields[EG_DOSSIER_MAX_FILES][64];
    size_t nfiles = 0;
    enum eg_err rc = eg_db_begin(d->db, EG_TX_READ, &tx);
    if (rc != EG_OK)
        return rc;
    rc = ds_load_row(tx, NULL, id, false, &r);
    if (rc == EG_OK && (r.applicant_account != a->subject.account_id || r.state != EG_DS_DRAFT))
        rc = EG_ENOTFOUND;
    if (rc == EG_OK)
        rc = ds_form_of(d, tx, id, &form);
    if (rc == EG_OK)
        rc = files_of(tx, id, files, fields, EG_DOSSIER_MAX_FILES, &nfiles);
    eg_tx_rollback(tx);
    if (rc != EG_OK) {
        json_decref(form);
        return rc;
    }
    struct proc p;
    rc = ds_proc_load(d, r.procedure_code, NULL, &p, msg);
    if (rc != EG_OK) {
        json_decref(form);
        return rc;
    }
    struct eg_dossier_new m = {.procedure_code = r.procedure_code,
                               .form = form,
                               .files = files,
                               .nfiles = nfiles,
                               .channel = EG_CHANNEL_ONLINE};
    int64_t now_ms = eg_clock_now_ms(d->clock);
    rc = ds_form_check(p.doc, form, eg_date_of_ms(now_ms, NULL).year, false, &clean, msg);
    if (rc == EG_OK)
        rc = ds_files_check(p.doc, &m, false, msg);
    if (rc == EG_OK)
        rc = ds_form_files_check(p.doc, clean, files, nfiles, msg);
    if (rc == EG_OK)
        rc = ds_calendar_hold(d);
    if (rc == EG_OK)
        rc = eg_db_begin(d->db, EG_TX_WRITE, &tx);
    if (rc != EG_OK)
        goto out;
    rc = own_draft(tx, a, id, &r);
    int64_t event_id = 0;
    if (rc == EG_OK)
        rc = ds_submit_row(d, tx, a, &r, now_ms, &event_id);
    if (rc == EG_OK)
        rc = eg_tx_commit(tx);
    else
        eg_tx_rollback(tx);
    if (rc == EG_OK)
        ds_ref_of(&r, out);
out:
    ds_calendar_release(d);
    json_decref(clean);
    json_decref(form);
    ds_proc_free(&p);
    return rc;
}

enum eg_err
eg_dossier_draft_delete(struct eg_dossiers *d, const struct eg_actor *a, int64_t id)
{
    if (id <= 0 || !a || a->subject.account_id <= 0)
        return EG_ENOTFOUND;
    static const char *const rows[] = {
        "DELETE FROM dossier_unit WHERE dossier_id = ?",
        "DELETE FROM dossier_event WHERE dossier_id = ?",
        "DELETE FROM dossier_pause WHERE dossier_id = ?",
        "DELETE FROM dossier_idempotency WHERE dossier_id = ?",
        "DELETE FROM dossier WHERE id = ?",
    };
    struct eg_tx *tx;
    struct drow r;
    enum eg_err rc = eg_db_begin(d->db, EG_TX_WRITE, &tx);
    if (rc != EG_OK)
        return rc;
    rc = own_draft(tx, a, id, &r);
    /* Its files go back to being the applicant's uploads (kept by files/'s own rules). */
    if (rc == EG_OK)
        rc = release_files(tx, id);
    for (size_t i = 0; rc == EG_OK && i < EG_ARRAY_LEN(rows); i++) {
        struct eg_stmt *st;
        bool row;
        rc = eg_tx_prepare(tx, rows[i], &st);
        if (rc == EG_OK)
            rc = eg_stmt_bind_i64(st, 1, id);
        if (rc == EG_OK)
            rc = eg_stmt_step(st, &row);
    }
    if (rc == EG_OK)
        rc = ds_audit_action(tx, a, "draft_delete", &r, EG_DS_DRAFT, eg_clock_now_ms(d->clock));
    if (rc != EG_OK) {
        eg_tx_rollback(tx);
        return rc;
    }
    return eg_tx_commit(tx);
}
