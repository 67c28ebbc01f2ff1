/*
 * dossier_mine.c - an applicant's own dossiers: the list ("Hồ sơ của tôi",
 * drafts with a link to continue them), one dossier (status, timeline,
 * components and files, the form's values, the reason of a request for a
 * supplement), handing in a supplement (files and a note, multipart) and
 * withdrawing (a confirmation page with the reason). Staff are sent to the
 * desk's pages. dossiers/ decides what may be done: the page offers what the
 * dossier's "actions" list.
 */
#include "portal_int.h"

#include "notify/notify.h"

#include <stdio.h>
#include <string.h>

#define PER_PAGE 20

/* ---- GET /dossiers ------------------------------------------------------------------------ */

static void
shape_item(struct page *pg, json_t *it)
{
    const char *code = json_string_value(json_object_get(it, "code"));
    const char *status = json_string_value(json_object_get(it, "status"));
    bool draft = status && strcmp(status, "draft") == 0;
    json_object_set_new(it, "is_draft", json_boolean(draft));
    json_object_set_new(
        it, "link",
        json_string(draft || !code
                        ? eg_arena_printf(eg_req_arena(pg->c->req), "/drafts/%lld",
                                          (long long)json_integer_value(json_object_get(it, "id")))
                        : dv_path(pg->c, code, "")));
    json_object_set_new(
        it, "status_class",
        json_string(draft ? "tag"
                    : strcmp(status ? status : "", "supplement") == 0 ? "tag tag-warn"
                    : json_is_true(json_object_get(it, "overdue")) ? "tag tag-off"
                                                                   : "tag tag-info"));
    static const char *const when[] = {"created", "submitted", "received", "due", "returned"};
    for (size_t i = 0; i < EG_ARRAY_LEN(when); i++) {
        char k[32];
        snprintf(k, sizeof(k), "%s_shown", when[i]);
        json_object_set_new(it, k, dv_when(json_object_get(it, when[i])));
    }
    json_object_set_new(it, "supplement",
                        json_boolean(status && strcmp(status, "supplement") == 0));
}

void
pg_dossiers_mine(struct eg_call *c, void *ctx)
{
    const struct eg_portal_config *cfg = ctx;
    if (c->subject.kind == EG_SUBJECT_STAFF) {
        pg_redirect(c, "/desk");
        return;
    }
    struct page pg;
    pg_begin(&pg, c, ctx);
    if (!dv_ready(&pg))
        return;
    long long page = pg_query_int(c, "page", 1, 10000, 1);
    struct eg_dossier_query q = {
        .queue = EG_QUEUE_MINE, .limit = PER_PAGE, .offset = (int)((page - 1) * PER_PAGE)};
    struct eg_actor a = dv_actor(c);
    json_t *out = NULL;
    enum eg_err rc = eg_dossier_list(cfg->dossiers, &a, &q, pg.lang, &out);
    if (rc != EG_OK) {
        pg_release(&pg);
        eg_resp_err(c->req, rc, NULL);
        return;
    }
    json_t *items = json_object_get(out, "items");
    size_t i;
    json_t *it;
    json_array_foreach(items, i, it)
    {
        shape_item(&pg, it);
    }
    json_int_t total = json_integer_value(json_object_get(out, "total"));
    json_object_set(pg.ctx, "items", items);
    json_object_set_new(pg.ctx, "total", json_integer(total));
    json_object_set_new(pg.ctx, "any", json_boolean(json_array_size(items) > 0));
    pg_paging(&pg, "/dossiers", NULL, page, PER_PAGE, total);
    json_object_set_new(pg.ctx, "nav_dossiers", json_true());
    json_decref(out);
    dv_done(&pg);
    eg_resp_header(c->req, "Cache-Control", "private, no-store");
    pg_render(&pg, 200, "dossiers");
}

/* ---- GET /dossiers/{code} ------------------------------------------------------------------- */

/* The dossier page, with errors and what was typed when a form on it was refused. */
static void
render_dossier(struct page *pg, json_t *errors, const char *note, json_t *kept, int status)
{
    struct eg_call *c = pg->c;
    const struct eg_portal_config *cfg = pg->cfg;
    struct eg_actor a = dv_actor(c);
    json_t *d = NULL;
    enum eg_err rc =
        eg_dossier_get(cfg->dossiers, &a, eg_req_param(c->req, "code"), EG_VIEW_FULL, pg->lang, &d);
    if (rc == EG_ENOTFOUND) {
        json_decref(errors);
        json_decref(kept);
        dv_not_found(pg);
        return;
    }
    if (rc != EG_OK) {
        json_decref(errors);
        json_decref(kept);
        pg_release(pg);
        eg_resp_err(c->req, rc, NULL);
        return;
    }
    json_t *doc = dv_doc(c, d);
    dv_shape(pg, d, doc, false);
    json_decref(doc);
    /* The supplement form: a file input per component. */
    json_t *comps = json_array();
    size_t i;
    json_t *comp;
    json_array_foreach(json_object_get(d, "components"), i, comp)
    {
        json_array_append_new(comps, json_pack("{s:s,s:O,s:I}", "id",
                                               eg_arena_printf(eg_req_arena(c->req), "comp_%zu", i),
                                               "name", json_object_get(comp, "name"), "number",
                                               (json_int_t)i + 1));
    }
    json_object_set_new(pg->ctx, "supp_components", comps);
    json_object_set_new(pg->ctx, "note", note ? json_string(note) : json_null());
    json_object_set_new(pg->ctx, "kept", kept ? kept : json_array());
    json_object_set_new(pg->ctx, "has_kept", json_boolean(json_array_size(kept) > 0));
    json_object_set_new(pg->ctx, "d", d);
    json_object_set_new(pg->ctx, "nav_dossiers", json_true());
    pg_csrf(pg);
    dv_errors(pg, errors ? errors : json_array());
    dv_done(pg);
    eg_resp_header(c->req, "Cache-Control", "private, no-store");
    pg_render(pg, status, "dossier");
}

void
pg_dossier_mine(struct eg_call *c, void *ctx)
{
    if (c->subject.kind == EG_SUBJECT_STAFF) {
        const char *code = eg_req_param(c->req, "code");
        if (eg_dossier_code_valid(code)) {
            pg_redirect(c, eg_arena_printf(eg_req_arena(c->req), "/desk/dossiers/%s", code));
            return;
        }
    }
    struct page pg;
    pg_begin(&pg, c, ctx);
    if (!dv_ready(&pg))
        return;
    render_dossier(&pg, NULL, NULL, NULL, 200);
}

/* ---- POST /dossiers/{code}/supplement (multipart) ---------------------------------------------- */

void
pg_dossier_supplement_post(struct eg_call *c, void *ctx)
{
    const struct eg_portal_config *cfg = ctx;
    struct page pg;
    pg_begin(&pg, c, ctx);
    if (!dv_ready(&pg))
        return;
    const char *code = eg_req_param(c->req, "code");
    struct eg_actor a = dv_actor(c);
    json_t *d = NULL;
    enum eg_err rc = eg_dossier_get(cfg->dossiers, &a, code, EG_VIEW_FULL, pg.lang, &d);
    if (rc == EG_ENOTFOUND) {
        dv_not_found(&pg);
        return;
    }
    if (rc != EG_OK) {
        pg_release(&pg);
        eg_resp_err(c->req, rc, NULL);
        return;
    }
    json_t *doc = dv_doc(c, d);
    json_decref(d);
    struct dform f;
    df_init(&f, c, cfg, doc, true);
    const char *note = df_text(&f, "note", true);
    long long version = 0;
    struct eg_buf msg = EG_BUF_INIT(2048);
    rc = doc ? df_read_files(&f) : EG_EIO;
    if (rc != EG_OK) {
        pg_release(&pg);
        eg_resp_err(c->req, rc, NULL);
        goto out;
    }
    if (eg_parse_i64(df_text(&f, "version", false), 1, INT32_MAX, &version) != EG_OK)
        version = 0;
    if (!note && f.nrefs == 0 && json_array_size(f.errors) == 0)
        dv_error(f.errors, "comp_0", "supplement_empty", NULL);
    int status = 400;
    if (json_array_size(f.errors) == 0) {
        struct eg_dossier_act act = {.action = EG_DA_SUPPLEMENT,
                                     .version = (int)version,
                                     .note = note,
                                     .files = f.refs,
                                     .nfiles = f.nrefs};
        struct eg_dossier_ref ref;
        rc = eg_dossier_do(cfg->dossiers, &a, code, &act, &ref, &msg);
        if (rc == EG_OK) {
            eg_notifier_kick(c->notifier);
            pg_release(&pg);
            dv_redirect_done(c, dv_path(c, code, ""), "supplement");
            goto out;
        }
        if (rc == EG_ENOTFOUND) {
            dv_not_found(&pg);
            goto out;
        }
        if (rc == EG_ECONFLICT) {
            dv_error(f.errors, "", "conflict", NULL);
            status = 409;
        } else if (rc == EG_EINVAL || rc == EG_EFORBIDDEN) {
            dv_error(f.errors, "", NULL, msg.len ? msg.p : "");
            status = rc == EG_EINVAL ? 400 : 403;
        } else {
            pg_release(&pg);
            eg_resp_err(c->req, rc, NULL);
            goto out;
        }
    }
    /* The files stored stay the applicant's uploads: listed again, ticked. */
    render_dossier(&pg, json_incref(f.errors), note, json_incref(f.kept), status);
out:
    eg_buf_release(&msg);
    df_release(&f);
    json_decref(doc);
}

/* ---- GET and POST /dossiers/{code}/withdraw ------------------------------------------------------ */

static void
render_withdraw(struct page *pg, int status)
{
    struct eg_call *c = pg->c;
    struct eg_actor a = dv_actor(c);
    json_t *d = NULL;
    enum eg_err rc = eg_dossier_get(pg->cfg->dossiers, &a, eg_req_param(c->req, "code"),
                                    EG_VIEW_FULL, pg->lang, &d);
    if (rc == EG_ENOTFOUND) {
        dv_not_found(pg);
        return;
    }
    if (rc != EG_OK) {
        pg_release(pg);
        eg_resp_err(c->req, rc, NULL);
        return;
    }
    dv_shape(pg, d, NULL, false);
    json_object_set_new(pg->ctx, "d", d);
    json_object_set_new(pg->ctx, "nav_dossiers", json_true());
    pg_csrf(pg);
    pg_render(pg, status, "dossier_withdraw");
}

void
pg_dossier_withdraw(struct eg_call *c, void *ctx)
{
    struct page pg;
    pg_begin(&pg, c, ctx);
    if (!dv_ready(&pg))
        return;
    render_withdraw(&pg, 200);
}

void
pg_dossier_withdraw_post(struct eg_call *c, void *ctx)
{
    const struct eg_portal_config *cfg = ctx;
    struct form f;
    if (form_read(c, &f) != EG_OK)
        return;
    static const struct field fields[] = {
        {"version", 12, F_REQUIRED, NULL},
        {"reason", 2000, F_REQUIRED | F_LINES, "withdraw_reason_required"},
    };
    const char *v[EG_ARRAY_LEN(fields)];
    const char *code = eg_req_param(c->req, "code");
    const char *path = dv_path(c, code, "/withdraw");
    long long version = 0;
    bool ok = form_check(&f, fields, EG_ARRAY_LEN(fields), v);
    if (ok && eg_parse_i64(v[0], 1, INT32_MAX, &version) != EG_OK)
        ok = false;
    if (!ok || !cfg->dossiers) {
        form_fail(&f, path);
        return;
    }
    struct eg_actor a = dv_actor(c);
    struct eg_dossier_act act = {.action = EG_DA_WITHDRAW, .version = (int)version, .note = v[1]};
    struct eg_dossier_ref ref;
    struct eg_buf msg = EG_BUF_INIT(2048);
    enum eg_err rc = eg_dossier_do(cfg->dossiers, &a, code, &act, &ref, &msg);
    if (rc == EG_OK) {
        eg_notifier_kick(c->notifier);
        form_release(&f);
        dv_redirect_done(c, dv_path(c, code, ""), "withdrawn");
    } else if (rc == EG_ENOTFOUND) {
        form_release(&f);
        struct page pg;
        pg_begin(&pg, c, ctx);
        dv_not_found(&pg);
    } else if (rc == EG_ECONFLICT || rc == EG_EINVAL || rc == EG_EFORBIDDEN) {
        if (rc == EG_ECONFLICT)
            form_error(&f, "", "dossier_conflict");
        else
            form_error_text(&f, "reason", msg.len ? msg.p : "");
        form_fail(&f, path);
    } else {
        form_release(&f);
        eg_resp_err(c->req, rc, NULL);
    }
    eg_buf_release(&msg);
}
