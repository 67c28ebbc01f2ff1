/*
 * dossier_intake.c - a dossier handed in at the counter (or by post, phone or
 * fax) and entered by a desk officer: choose the procedure (a search), then
 * its form with the receiving unit (among the procedure's agencies where the
 * officer is a desk officer), the applicant, the channel, the components
 * received on paper (checkboxes) and optional scans. dossiers/ receives it at
 * once; the officer lands on the dossier's page with its receipt slip (01).
 * As on the citizen's form, a hidden key made when the form is shown is the
 * Idempotency key: a double click at the counter makes one dossier, not two.
 */
#include "portal_int.h"

#include "directory/directory.h"
#include "notify/notify.h"
#include "procedures/procedures.h"

#include <stdio.h>
#include <string.h>

static bool
staff_only(struct eg_call *c)
{
    if (c->subject.kind == EG_SUBJECT_STAFF)
        return true;
    eg_gate_refuse(c, "staff_only", "Trang này dành cho cán bộ bộ phận một cửa.");
    return false;
}

static const char *
intake_path(struct eg_call *c, const char *code)
{
    return eg_arena_printf(eg_req_arena(c->req), "/desk/intake/%s", code);
}

/* The units the officer holds desk_officer on (grants), [{code,name,selected}]. */
static enum eg_err
desk_units(struct eg_call *c, const char *lang, const char *chosen, json_t **out)
{
    struct eg_tx *tx;
    json_t *roles = NULL;
    *out = json_array();
    enum eg_err rc = eg_db_begin(c->db, EG_TX_READ, &tx);
    if (rc != EG_OK)
        return rc;
    rc = eg_roles_of(tx, c->who.account_id, lang, &roles);
    eg_tx_rollback(tx);
    size_t i;
    const json_t *r;
    json_array_foreach(roles, i, r)
    {
        const char *role = json_string_value(json_object_get(r, "role"));
        const json_t *u = json_object_get(r, "org_unit");
        const char *code = json_string_value(json_object_get(u, "code"));
        if (!role || strcmp(role, "desk_officer") != 0 || !code)
            continue;
        json_array_append_new(*out, json_pack("{s:s,s:O,s:b}", "code", code, "name",
                                              json_object_get(u, "name"), "selected",
                                              chosen && strcmp(chosen, code) == 0));
    }
    json_decref(roles);
    return rc;
}

/* ---- GET /desk/intake?q=&agency= ----------------------------------------------------------------- */

void
pg_desk_intake(struct eg_call *c, void *ctx)
{
    if (!staff_only(c))
        return;
    struct page pg;
    pg_begin(&pg, c, ctx);
    if (!dv_ready(&pg))
        return;
    const char *q = pg_query_str(c, "q", EG_PROCEDURE_QUERY_MAX);
    const char *agency = pg_query_str(c, "agency", 40);
    json_t *units = NULL, *found = NULL;
    enum eg_err rc = desk_units(c, pg.lang, agency, &units);
    bool known = false;
    size_t i;
    json_t *u;
    json_array_foreach(units, i, u)
    {
        known =
            known || (agency && strcmp(json_string_value(json_object_get(u, "code")), agency) == 0);
    }
    struct eg_procedure_query pq = {.q = q, .agency = known ? agency : NULL, .limit = 30};
    if (rc == EG_OK)
        rc = eg_procedure_search(c->db, &pq, &found);
    if (rc != EG_OK) {
        json_decref(units);
        json_decref(found);
        pg_release(&pg);
        eg_resp_err(c->req, rc, NULL);
        return;
    }
    json_t *items = json_object_get(found, "items"), *it;
    json_array_foreach(items, i, it)
    {
        const char *code = json_string_value(json_object_get(it, "code"));
        json_object_set_new(it, "intake_link", json_string(intake_path(c, code)));
    }
    json_object_set(pg.ctx, "items", items);
    json_object_set_new(pg.ctx, "any", json_boolean(json_array_size(items) > 0));
    json_object_set_new(pg.ctx, "units", units);
    json_object_set_new(pg.ctx, "units_any", json_boolean(json_array_size(units) > 0));
    json_object_set_new(pg.ctx, "q", q ? json_string(q) : json_null());
    json_object_set_new(pg.ctx, "nav_desk", json_true());
    json_decref(found);
    pg_render(&pg, 200, "desk_intake");
}

/* ---- GET and POST /desk/intake/{code} --------------------------------------------------------------- */

/* The procedure's agencies where the officer is a desk officer: [{code,name,selected}]. */
static enum eg_err
receiving_units(struct eg_call *c, const json_t *doc, const char *chosen, json_t **out)
{
    struct eg_tx *tx = NULL;
    *out = json_array();
    enum eg_err rc = eg_db_begin(c->db, EG_TX_READ, &tx);
    size_t i;
    const json_t *a;
    json_array_foreach(json_object_get(doc, "agencies"), i, a)
    {
        const char *code = json_string_value(json_object_get(a, "code"));
        int64_t id = 0;
        bool desk = false;
        if (rc != EG_OK || !code)
            break;
        rc = eg_org_unit_id(tx, code, &id);
        if (rc == EG_ENOTFOUND) {
            rc = EG_OK;
            continue;
        }
        if (rc == EG_OK)
            rc = eg_access_holds_on(tx, c->who.account_id, 1u << EG_ROLE_DESK_OFFICER, id, &desk);
        if (rc == EG_OK && desk)
            json_array_append_new(*out, json_pack("{s:s,s:O,s:b}", "code", code, "name",
                                                  json_object_get(a, "name"), "selected",
                                                  chosen && strcmp(chosen, code) == 0));
    }
    if (tx)
        eg_tx_rollback(tx);
    return rc;
}

static void
render_intake(struct page *pg, struct dform *f, json_t *units, const char *idem, int status)
{
    static const char *const channels[] = {"counter", "post", "phone", "fax", NULL};
    static const char *const kinds[] = {"citizen", "business", NULL};
    const json_t *doc = f->doc;
    const char *code = json_string_value(json_object_get(doc, "code"));
    pg_csrf(pg);
    df_render(pg, f);
    json_object_set_new(pg->ctx, "idem", idem ? json_string(idem) : json_null());
    json_t *p = json_pack("{s:s,s:O,s:s,s:s}", "code", code, "name", json_object_get(doc, "name"),
                          "link", cat_path(pg->c, code, ""), "action", intake_path(pg->c, code));
    json_object_set_new(pg->ctx, "p", p);
    size_t n = json_array_size(units);
    json_object_set_new(pg->ctx, "unit_one",
                        n == 1 ? json_incref(json_array_get(units, 0)) : json_null());
    json_object_set_new(pg->ctx, "units_many", json_boolean(n > 1));
    json_object_set_new(pg->ctx, "units_none", json_boolean(n == 0));
    json_object_set_new(pg->ctx, "units", units);
    const char *ch = json_string_value(json_object_get(f->typed, "channel"));
    json_t *chs = json_array();
    for (size_t i = 0; channels[i]; i++) {
        enum eg_channel e;
        if (eg_channel_parse(channels[i], &e) != EG_OK)
            continue;
        json_array_append_new(chs, json_pack("{s:s,s:s,s:b}", "value", channels[i], "label",
                                             eg_channel_title(e, pg->lang), "selected",
                                             ch ? strcmp(ch, channels[i]) == 0 : i == 0));
    }
    json_object_set_new(pg->ctx, "channels", chs);
    const char *kind = json_string_value(json_object_get(f->typed, "applicant_kind"));
    json_t *ks = json_array();
    size_t i;
    const json_t *a;
    json_array_foreach(json_object_get(doc, "applicants"), i, a)
    {
        const char *k = json_string_value(a);
        if (!k)
            continue;
        json_t *o = json_pack("{s:s,s:s,s:b}", "value", k, "oid",
                              json_array_size(ks) == 0 ? "applicant_kind" : "applicant_kind-2",
                              "checked", kind ? strcmp(kind, k) == 0 : json_array_size(ks) == 0);
        pg_flags(o, "kind", k, kinds);
        json_array_append_new(ks, o);
    }
    json_object_set_new(pg->ctx, "kinds", ks);
    json_object_set_new(pg->ctx, "intake", json_true());
    json_object_set_new(pg->ctx, "nav_desk", json_true());
    pg_render(pg, status, "desk_intake_form");
}

/* The published procedure of the path's code; answered 404 when there is none. */
static json_t *
load(struct page *pg)
{
    const char *code = eg_req_param(pg->c->req, "code");
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

void
pg_desk_intake_form(struct eg_call *c, void *ctx)
{
    const struct eg_portal_config *cfg = ctx;
    if (!staff_only(c))
        return;
    struct page pg;
    pg_begin(&pg, c, ctx);
    if (!dv_ready(&pg))
        return;
    json_t *doc = load(&pg);
    if (!doc)
        return;
    json_t *units = NULL;
    enum eg_err rc = receiving_units(c, doc, NULL, &units);
    if (rc != EG_OK) {
        json_decref(units);
        json_decref(doc);
        pg_release(&pg);
        eg_resp_err(c->req, rc, NULL);
        return;
    }
    struct dform f;
    df_init(&f, c, cfg, doc, false);
    render_intake(&pg, &f, units, df_new_key(c), json_array_size(units) ? 200 : 403);
    df_release(&f);
    json_decref(doc);
}

static void
keep_typed(struct dform *f, const char *name, const char *v)
{
    if (v)
        json_object_set_new(f->typed, name, json_string(v));
}

void
pg_desk_intake_post(struct eg_call *c, void *ctx)
{
    const struct eg_portal_config *cfg = ctx;
    if (!staff_only(c))
        return;
    struct page pg;
    pg_begin(&pg, c, ctx);
    if (!dv_ready(&pg))
        return;
    json_t *doc = load(&pg);
    if (!doc)
        return;
    struct dform f;
    df_init(&f, c, cfg, doc, false);
    const char *unit = df_text(&f, "unit", false);
    const char *name = df_text(&f, "applicant_name", false);
    const char *kind = df_text(&f, "applicant_kind", false);
    const char *phone = df_text(&f, "applicant_phone", false);
    const char *email = df_text(&f, "applicant_email", false);
    const char *channel = df_text(&f, "channel", false);
    keep_typed(&f, "applicant_name", name);
    keep_typed(&f, "applicant_kind", kind);
    keep_typed(&f, "applicant_phone", phone);
    keep_typed(&f, "applicant_email", email);
    keep_typed(&f, "channel", channel);
    const char *idem = eg_upload_field(eg_req_upload(c->req), "idem");
    const char *key = df_key_ok(idem) ? idem : df_new_key(c);
    char hash[65];
    df_request_hash(&f, "intake", hash);
    struct eg_actor a = dv_actor(c);
    struct eg_dossier_ref ref;
    /* A double click or a retry: the dossier the first request made, before anything is stored. */
    enum eg_err found =
        df_key_ok(idem) ? eg_dossier_idem_find(cfg->dossiers, &a, idem, hash, &ref) : EG_ENOTFOUND;
    if (found == EG_OK) {
        pg_release(&pg);
        dv_redirect_done(c, eg_arena_printf(eg_req_arena(c->req), "/desk/dossiers/%s", ref.code),
                         "intake");
        goto out;
    }
    if (found != EG_ENOTFOUND && found != EG_ECONFLICT) {
        pg_release(&pg);
        eg_resp_err(c->req, found, NULL);
        goto out;
    }
    json_t *units = NULL;
    enum eg_err rc = receiving_units(c, doc, unit, &units);
    if (rc == EG_OK)
        rc = df_read_fields(&f);
    if (rc == EG_OK)
        rc = df_read_files(&f);
    if (rc != EG_OK) {
        json_decref(units);
        pg_release(&pg);
        eg_resp_err(c->req, rc, NULL);
        goto out;
    }
    size_t nc = json_array_size(json_object_get(doc, "components"));
    for (size_t i = 0; i < nc; i++) {
        char id[32];
        snprintf(id, sizeof(id), "paper_%zu", i);
        if (eg_upload_field(eg_req_upload(c->req), id))
            json_array_append_new(f.paper, json_integer((json_int_t)i));
    }
    enum eg_channel ch = EG_CHANNEL_COUNTER;
    if (!channel || eg_channel_parse(channel, &ch) != EG_OK || ch == EG_CHANNEL_ONLINE)
        ch = EG_CHANNEL_COUNTER;
    if (!unit && json_array_size(units) == 1)
        unit = json_string_value(json_object_get(json_array_get(units, 0), "code"));
    if (!unit)
        dv_error(f.errors, "unit", "unit_required", NULL);
    if (!name)
        dv_error(f.errors, "applicant_name", "applicant_name_required", NULL);
    df_check_required(&f);
    int status = 400;
    if (found == EG_ECONFLICT) {
        /* The key made a dossier from another form (the back button): say so, a new key. */
        key = df_new_key(c);
        dv_error(f.errors, "", "form_used", NULL);
        status = 409;
    }
    if (json_array_size(f.errors) == 0) {
        struct eg_dossier_new n = {
            .procedure_code = json_string_value(json_object_get(doc, "code")),
            .agency_code = unit,
            .form = f.form,
            .files = f.refs,
            .nfiles = f.nrefs,
            .channel = ch,
            .applicant_name = name,
            .applicant_kind = kind,
            .applicant_email = email,
            .applicant_phone = phone,
            .paper = f.paper,
            .idem_key = df_key_ok(idem) ? idem : NULL,
            .request_hash = hash,
        };
        struct eg_buf msg = EG_BUF_INIT(2048);
        rc = eg_dossier_create(cfg->dossiers, &a, &n, &ref, &msg);
        if (rc == EG_OK) {
            if (!ref.replayed)
                eg_notifier_kick(c->notifier);
            pg_release(&pg);
            dv_redirect_done(
                c, eg_arena_printf(eg_req_arena(c->req), "/desk/dossiers/%s", ref.code), "intake");
            eg_buf_release(&msg);
            json_decref(units);
            goto out;
        }
        if (rc == EG_ECONFLICT) {
            key = df_new_key(c);
            dv_error(f.errors, "", "form_used", NULL);
            status = 409;
        } else if (rc == EG_EINVAL || rc == EG_EFORBIDDEN) {
            df_business_error(&f, msg.len ? msg.p : "");
            status = rc == EG_EINVAL ? 400 : 403;
        } else {
            eg_buf_release(&msg);
            json_decref(units);
            pg_release(&pg);
            eg_resp_err(c->req, rc, NULL);
            goto out;
        }
        eg_buf_release(&msg);
    }
    render_intake(&pg, &f, units, key, status);
out:
    df_release(&f);
    json_decref(doc);
}
