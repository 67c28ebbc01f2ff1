/*
 * dossier_submit.c - submitting online (GET and POST /procedures/{code}/submit),
 * continuing a draft (/drafts/{id}) and the confirmation after submitting.
 *
 * The form is the procedure's definition (dossier_fields.c), filled from the
 * applicant's profile. Its POST is multipart/form-data (EG_GATE_UPLOAD): the
 * files are stored first, as the applicant's uploads, then eg_dossier_create
 * gets the form and their references. A hidden key generated when the form is
 * shown is the Idempotency key, with the request's fingerprint: a double click
 * or a browser's retry gives back the dossier made by the first request.
 *
 * A refused form is answered with the form itself (400), not a redirect: the
 * values can be longer than the flash cookie holds, and the files already
 * stored are listed as kept (ticked), so nobody uploads them twice.
 * Someone not signed in, staff and offline procedures get the page that
 * explains how to submit at the one-stop desk (procedure.c).
 */
#include "portal_int.h"

#include "notify/notify.h"
#include "procedures/procedures.h"

#include <stdio.h>
#include <string.h>

/* The published procedure of the path's code, or NULL (answered 404). */
static json_t *
load_doc(struct page *pg, const char *code)
{
    json_t *doc = NULL;
    enum eg_err rc =
        eg_procedure_code_ok(code) ? eg_procedure_get(pg->c->db, code, false, &doc) : EG_ENOTFOUND;
    if (rc == EG_ENOTFOUND) {
        pg_error(pg, 404, "procedure_not_found");
        return NULL;
    }
    if (rc != EG_OK) {
        pg_release(pg);
        eg_resp_err(pg->c->req, rc, NULL);
        return NULL;
    }
    return doc;
}

static bool
applicant(const struct eg_call *c)
{
    return c->who.account_id && !c->who.mfa_pending && !c->who.mfa_enroll &&
           (c->subject.kind == EG_SUBJECT_CITIZEN || c->subject.kind == EG_SUBJECT_BUSINESS);
}

/* The procedure as the form page shows it, and where the dossier can be handed in. */
static void
shape_procedure(struct page *pg, const json_t *doc, const char *agency_code)
{
    const char *code = json_string_value(json_object_get(doc, "code"));
    const char *en = json_string_value(json_object_get(doc, "name_en"));
    json_t *p = json_pack("{s:s,s:O,s:s}", "code", code, "name", json_object_get(doc, "name"),
                          "link", cat_path(pg->c, code, ""));
    json_object_set_new(
        p, "display_name",
        json_string(pg->en && en && *en ? en : json_string_value(json_object_get(doc, "name"))));
    json_object_set_new(p, "name_vi_shown", json_boolean(pg->en && en && *en));
    json_t *agencies = json_array();
    const char *chosen =
        agency_code
            ? agency_code
            : json_string_value(json_object_get(json_object_get(pg->ctx, "typed"), "agency"));
    size_t i;
    const json_t *a;
    json_array_foreach(json_object_get(doc, "agencies"), i, a)
    {
        const char *ac = json_string_value(json_object_get(a, "code"));
        json_array_append_new(agencies,
                              json_pack("{s:O,s:O,s:b}", "code", json_object_get(a, "code"), "name",
                                        json_object_get(a, "name"), "selected",
                                        ac && chosen && strcmp(ac, chosen) == 0));
    }
    size_t n = json_array_size(agencies);
    json_object_set_new(p, "agency_one",
                        n == 1 ? json_incref(json_array_get(agencies, 0)) : json_null());
    json_object_set_new(p, "agencies_many", json_boolean(n > 1));
    json_object_set_new(p, "agencies", agencies);
    /* Is it for this kind of applicant? dossiers/ refuses it otherwise; say so first. */
    const char *kind = pg->c->subject.kind == EG_SUBJECT_BUSINESS ? "business" : "citizen";
    bool for_me = false;
    json_array_foreach(json_object_get(doc, "applicants"), i, a)
    {
        for_me = for_me || (json_string_value(a) && strcmp(json_string_value(a), kind) == 0);
    }
    json_object_set_new(p, "not_for_me", json_boolean(!for_me));
    json_object_set_new(pg->ctx, "p", p);
}

struct mode {
    const char *action; /* the form's action */
    const char *idem;   /* a new submission's key, or NULL */
    int64_t draft_id;
    int version;
    const json_t *draft; /* the draft (eg_dossier_get_draft), or NULL */
};

static void
render_form(struct page *pg, struct dform *f, const struct mode *m, int status)
{
    json_object_set_new(pg->ctx, "nav_procedures", json_true());
    pg_csrf(pg);
    df_render(pg, f);
    const char *agency =
        m->draft ? json_string_value(json_object_get(json_object_get(m->draft, "agency"), "code"))
                 : NULL;
    shape_procedure(pg, f->doc, agency);
    json_object_set_new(pg->ctx, "form_action", json_string(m->action));
    json_object_set_new(pg->ctx, "idem", m->idem ? json_string(m->idem) : json_null());
    json_object_set_new(pg->ctx, "is_draft", json_boolean(m->draft != NULL));
    json_object_set_new(pg->ctx, "version", json_integer(m->version));
    if (m->draft) {
        json_object_set_new(pg->ctx, "draft_agency",
                            json_incref(json_object_get(m->draft, "agency")));
        json_object_set_new(pg->ctx, "draft_created",
                            dv_when(json_object_get(m->draft, "created")));
    }
    dv_done(pg);
    pg_render(pg, status, "dossier_submit");
}

/* ---- GET /procedures/{code}/submit ------------------------------------------------------ */

void
pg_dossier_submit(struct eg_call *c, void *ctx)
{
    const struct eg_portal_config *cfg = ctx;
    if (!applicant(c) || !cfg->dossiers || !cfg->files) {
        pg_procedure_submit(c, ctx); /* how to submit at the desk; sign in first */
        return;
    }
    struct page pg;
    pg_begin(&pg, c, ctx);
    json_t *doc = load_doc(&pg, eg_req_param(c->req, "code"));
    if (!doc)
        return;
    const char *ol = json_string_value(json_object_get(doc, "online_level"));
    if (ol && strcmp(ol, "offline") == 0) {
        json_decref(doc);
        pg_release(&pg);
        pg_procedure_submit(c, ctx);
        return;
    }
    struct dform f;
    df_init(&f, c, cfg, doc, true);
    json_t *account = NULL;
    struct eg_tx *tx;
    if (eg_db_begin(c->db, EG_TX_READ, &tx) == EG_OK) {
        if (eg_account_get(c->identity, tx, c->who.account_id, &account) != EG_OK)
            account = NULL;
        eg_tx_rollback(tx);
    }
    df_prefill(&f, account);
    json_decref(account);
    struct mode m = {.action =
                         cat_path(c, json_string_value(json_object_get(doc, "code")), "/submit"),
                     .idem = df_new_key(c)};
    render_form(&pg, &f, &m, 200);
    df_release(&f);
    json_decref(doc);
}

/* ---- POST /procedures/{code}/submit ------------------------------------------------------- */

/* Reads the form and its files; false when the answer is set (an error of the server). */
static bool
read_all(struct page *pg, struct dform *f, bool *draft)
{
    const char *what = df_text(f, "action", false);
    *draft = what && strcmp(what, "draft") == 0;
    enum eg_err rc = df_read_fields(f);
    if (rc == EG_OK)
        rc = df_read_files(f);
    if (rc != EG_OK) {
        pg_release(pg);
        eg_resp_err(f->c->req, rc, NULL);
        return false;
    }
    if (!*draft)
        df_check_required(f);
    return true;
}

/* What dossiers/ answered, as the page shows it; false when the answer is set. */
static bool
refused(struct page *pg, struct dform *f, enum eg_err rc, const struct eg_buf *msg, int *status)
{
    if (rc == EG_EINVAL) {
        df_business_error(f, msg->len ? msg->p : "");
        *status = 400;
        return true;
    }
    if (rc == EG_EFORBIDDEN) {
        dv_error(f->errors, "", msg->len ? NULL : "not_allowed", msg->len ? msg->p : NULL);
        *status = 403;
        return true;
    }
    if (rc == EG_ENOTFOUND) {
        dv_not_found(pg);
        return false;
    }
    pg_release(pg);
    eg_resp_err(f->c->req, rc, NULL);
    return false;
}

/* Where a new dossier leads: its confirmation, or back to the draft it became. */
static void
submitted(struct eg_call *c, const struct eg_dossier_ref *ref)
{
    if (ref->code[0])
        pg_redirect(c, dv_path(c, ref->code, "/submitted"));
    else
        dv_redirect_done(c,
                         eg_arena_printf(eg_req_arena(c->req), "/drafts/%lld", (long long)ref->id),
                         "draft_saved");
}

static void
refuse_staff(struct eg_call *c)
{
    eg_gate_refuse(c, "applicants_only",
                   "Chỉ công dân, doanh nghiệp nộp hồ sơ trực tuyến; cán bộ nhập hồ sơ tại quầy.");
}

void
pg_dossier_submit_post(struct eg_call *c, void *ctx)
{
    const struct eg_portal_config *cfg = ctx;
    if (!applicant(c)) {
        refuse_staff(c);
        return;
    }
    struct page pg;
    pg_begin(&pg, c, ctx);
    if (!dv_ready(&pg))
        return;
    json_t *doc = load_doc(&pg, eg_req_param(c->req, "code"));
    if (!doc)
        return;
    const char *code = json_string_value(json_object_get(doc, "code"));
    struct dform f;
    df_init(&f, c, cfg, doc, true);
    struct eg_actor a = dv_actor(c);
    struct eg_dossier_ref ref;
    const char *what = df_text(&f, "action", false);
    const char *idem = eg_upload_field(eg_req_upload(c->req), "idem");
    char hash[65];
    df_request_hash(&f, what && strcmp(what, "draft") == 0 ? "draft" : "submit", hash);
    struct mode m = {.action = cat_path(c, code, "/submit"),
                     .idem = df_key_ok(idem) ? idem : df_new_key(c)};
    /* A retry or a double click: the first answer again, before anything is stored. */
    enum eg_err found =
        df_key_ok(idem) ? eg_dossier_idem_find(cfg->dossiers, &a, idem, hash, &ref) : EG_ENOTFOUND;
    if (found == EG_OK) {
        pg_release(&pg);
        submitted(c, &ref);
        goto out;
    }
    if (found != EG_ENOTFOUND && found != EG_ECONFLICT) {
        pg_release(&pg);
        eg_resp_err(c->req, found, NULL);
        goto out;
    }
    bool draft;
    if (!read_all(&pg, &f, &draft))
        goto out;
    const char *agency = df_text(&f, "agency", false);
    if (agency)
        json_object_set_new(f.typed, "agency", json_string(agency));
    if (!agency && json_array_size(json_object_get(doc, "agencies")) > 1)
        dv_error(f.errors, "agency", "agency_required", NULL);
    if (found == EG_ECONFLICT) {
        /* The key made a dossier from another form (the back button): say so, a new key. */
        m.idem = df_new_key(c);
        dv_error(f.errors, "", "form_used", NULL);
    }
    int status = found == EG_ECONFLICT ? 409 : 400;
    if (json_array_size(f.errors) == 0) {
        struct eg_dossier_new n = {
            .procedure_code = code,
            .agency_code = agency,
            .form = f.form,
            .files = f.refs,
            .nfiles = f.nrefs,
            .draft = draft,
            .channel = EG_CHANNEL_ONLINE,
            .idem_key = df_key_ok(idem) ? idem : NULL,
            .request_hash = hash,
        };
        struct eg_buf msg = EG_BUF_INIT(2048);
        enum eg_err rc = eg_dossier_create(cfg->dossiers, &a, &n, &ref, &msg);
        if (rc == EG_OK) {
            if (!ref.replayed)
                eg_notifier_kick(c->notifier);
            pg_release(&pg);
            submitted(c, &ref);
            eg_buf_release(&msg);
            goto out;
        }
        if (rc == EG_ECONFLICT) {
            /* The key made a dossier from another form: a new key, and the page says so. */
            m.idem = df_new_key(c);
            dv_error(f.errors, "", "form_used", NULL);
            status = 409;
        } else if (!refused(&pg, &f, rc, &msg, &status)) {
            eg_buf_release(&msg);
            goto out;
        }
        eg_buf_release(&msg);
    }
    render_form(&pg, &f, &m, status);
out:
    df_release(&f);
    json_decref(doc);
}

/* ---- drafts: GET and POST /drafts/{id} ----------------------------------------------------- */

/* The applicant's draft of the path, its procedure's current document; false when answered. */
static bool
load_draft(struct page *pg, int64_t *id, json_t **draft, json_t **doc)
{
    struct eg_call *c = pg->c;
    const struct eg_portal_config *cfg = pg->cfg;
    long long v;
    *draft = *doc = NULL;
    struct eg_actor a = dv_actor(c);
    enum eg_err rc = eg_parse_i64(eg_req_param(c->req, "id"), 1, INT64_MAX, &v);
    if (rc == EG_OK)
        rc = eg_dossier_get_draft(cfg->dossiers, &a, v, pg->lang, draft);
    if (rc == EG_EINVAL || rc == EG_ENOTFOUND) {
        dv_not_found(pg);
        return false;
    }
    if (rc != EG_OK) {
        pg_release(pg);
        eg_resp_err(c->req, rc, NULL);
        return false;
    }
    const char *code = json_string_value(json_object_get(*draft, "code"));
    const char *status = json_string_value(json_object_get(*draft, "status"));
    if (code && status && strcmp(status, "draft") != 0) {
        /* Submitted meanwhile (another tab): its page. */
        json_decref(*draft);
        pg_release(pg);
        pg_redirect(c, dv_path(c, code, ""));
        return false;
    }
    *id = v;
    const char *pcode =
        json_string_value(json_object_get(json_object_get(*draft, "procedure"), "code"));
    *doc = load_doc(pg, pcode);
    if (!*doc) {
        json_decref(*draft);
        return false;
    }
    return true;
}

/* An applicant's page about their draft: the page begun and the draft loaded, or answered. */
static bool
open_draft(struct eg_call *c, void *ctx, struct page *pg, int64_t *id, json_t **draft, json_t **doc)
{
    if (!applicant(c)) {
        refuse_staff(c);
        return false;
    }
    pg_begin(pg, c, ctx);
    return dv_ready(pg) && load_draft(pg, id, draft, doc);
}

void
pg_dossier_draft(struct eg_call *c, void *ctx)
{
    const struct eg_portal_config *cfg = ctx;
    struct page pg;
    int64_t id;
    json_t *draft, *doc;
    if (!open_draft(c, ctx, &pg, &id, &draft, &doc))
        return;
    struct dform f;
    df_init(&f, c, cfg, doc, true);
    f.draft_id = id;
    df_from_dossier(&f, json_object_get(draft, "form"), json_object_get(draft, "files"));
    struct mode m = {
        .action = eg_arena_printf(eg_req_arena(c->req), "/drafts/%lld", (long long)id),
        .draft_id = id,
        .version = (int)json_integer_value(json_object_get(draft, "version")),
        .draft = draft,
    };
    render_form(&pg, &f, &m, 200);
    df_release(&f);
    json_decref(doc);
    json_decref(draft);
}

void
pg_dossier_draft_post(struct eg_call *c, void *ctx)
{
    const struct eg_portal_config *cfg = ctx;
    struct page pg;
    int64_t id;
    json_t *draft, *doc;
    if (!open_draft(c, ctx, &pg, &id, &draft, &doc))
        return;
    struct dform f;
    df_init(&f, c, cfg, doc, true);
    f.draft_id = id;
    bool keep_draft;
    long long version = 0;
    struct eg_buf msg = EG_BUF_INIT(2048);
    if (!read_all(&pg, &f, &keep_draft))
        goto out;
    if (eg_parse_i64(df_text(&f, "version", false), 1, INT32_MAX, &version) != EG_OK)
        version = 0;
    struct mode m = {
        .action = eg_arena_printf(eg_req_arena(c->req), "/drafts/%lld", (long long)id),
        .draft_id = id,
        .version = (int)version,
        .draft = draft,
    };
    int status = 400;
    if (json_array_size(f.errors) == 0) {
        struct eg_dossier_new n = {
            .form = f.form,
            .files = f.refs,
            .nfiles = f.nrefs,
            .draft = true,
            .channel = EG_CHANNEL_ONLINE,
            .version = (int)version,
        };
        struct eg_actor a = dv_actor(c);
        struct eg_dossier_ref ref;
        enum eg_err rc = eg_dossier_draft_update(cfg->dossiers, &a, id, &n, &ref, &msg);
        if (rc == EG_OK)
            m.version = ref.version;
        if (rc == EG_OK && !keep_draft)
            rc = eg_dossier_draft_submit(cfg->dossiers, &a, id, &ref, &msg);
        if (rc == EG_OK) {
            pg_release(&pg);
            if (keep_draft) {
                dv_redirect_done(c, m.action, "draft_saved");
            } else {
                eg_notifier_kick(c->notifier);
                pg_redirect(c, dv_path(c, ref.code, "/submitted"));
            }
            goto out;
        }
        if (rc == EG_ECONFLICT) {
            dv_error(f.errors, "", "draft_changed", NULL);
            status = 409;
        } else if (!refused(&pg, &f, rc, &msg, &status)) {
            goto out;
        }
    }
    render_form(&pg, &f, &m, status);
out:
    eg_buf_release(&msg);
    df_release(&f);
    json_decref(doc);
    json_decref(draft);
}

/* ---- GET /dossiers/{code}/submitted ----------------------------------------------------- */

void
pg_dossier_submitted(struct eg_call *c, void *ctx)
{
    const struct eg_portal_config *cfg = ctx;
    struct page pg;
    pg_begin(&pg, c, ctx);
    if (!dv_ready(&pg))
        return;
    struct eg_actor a = dv_actor(c);
    json_t *d = NULL;
    enum eg_err rc =
        eg_dossier_get(cfg->dossiers, &a, eg_req_param(c->req, "code"), EG_VIEW_FULL, pg.lang, &d);
    if (rc == EG_ENOTFOUND) {
        dv_not_found(&pg);
        return;
    }
    if (rc != EG_OK) {
        pg_release(&pg);
        eg_resp_err(c->req, rc, NULL);
        return;
    }
    dv_shape(&pg, d, NULL, false);
    json_object_set_new(pg.ctx, "d", d);
    json_object_set_new(pg.ctx, "nav_dossiers", json_true());
    eg_resp_header(c->req, "Cache-Control", "private, no-store");
    pg_render(&pg, 200, "dossier_done");
}

/* ---- GET and POST /drafts/{id}/delete --------------------------------------------------------- */

void
pg_dossier_draft_delete(struct eg_call *c, void *ctx)
{
    struct page pg;
    int64_t id;
    json_t *draft, *doc;
    if (!open_draft(c, ctx, &pg, &id, &draft, &doc))
        return;
    shape_procedure(&pg, doc, NULL);
    json_object_set_new(pg.ctx, "draft_created", dv_when(json_object_get(draft, "created")));
    json_object_set_new(
        pg.ctx, "draft_link",
        json_string(eg_arena_printf(eg_req_arena(c->req), "/drafts/%lld", (long long)id)));
    json_object_set_new(
        pg.ctx, "delete_link",
        json_string(eg_arena_printf(eg_req_arena(c->req), "/drafts/%lld/delete", (long long)id)));
    json_object_set_new(pg.ctx, "nav_dossiers", json_true());
    pg_csrf(&pg);
    pg_render(&pg, 200, "dossier_draft_delete");
    json_decref(doc);
    json_decref(draft);
}

void
pg_dossier_draft_delete_post(struct eg_call *c, void *ctx)
{
    const struct eg_portal_config *cfg = ctx;
    if (!applicant(c)) {
        refuse_staff(c);
        return;
    }
    long long id = 0;
    struct eg_actor a = dv_actor(c);
    enum eg_err rc =
        cfg->dossiers ? eg_parse_i64(eg_req_param(c->req, "id"), 1, INT64_MAX, &id) : EG_EUNAVAIL;
    if (rc == EG_OK)
        rc = eg_dossier_draft_delete(cfg->dossiers, &a, id);
    if (rc == EG_OK) {
        dv_redirect_done(c, "/dossiers", "draft_deleted");
        return;
    }
    if (rc == EG_EINVAL || rc == EG_ENOTFOUND) {
        struct page pg;
        pg_begin(&pg, c, ctx);
        dv_not_found(&pg);
        return;
    }
    eg_resp_err(c->req, rc, NULL);
}
