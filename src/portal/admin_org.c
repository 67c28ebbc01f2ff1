/*
 * admin_org.c - administration of org units (add, change, close: a unit is
 * closed, never deleted) and the audit log browser with its filters.
 */
#include "portal_int.h"

#include "audit/audit.h"
#include "directory/directory.h"

#include <stdio.h>
#include <string.h>

#define PER_PAGE 25

static const char *const kinds[] = {"province_committee", "department", "service_center",
                                    "sub_unit", "commune_committee"};

static void
section(struct page *pg, const char *tab)
{
    json_object_set_new(pg->ctx, "nav_admin", json_true());
    pg_flag(pg->ctx, "tab", tab);
}

static const char *
unit_path(struct eg_call *c, const char *code)
{
    struct eg_buf b = EG_BUF_INIT(256);
    const char *s = NULL;
    if (eg_buf_adds(&b, "/admin/org-units/") == EG_OK && pg_url_encode(&b, code) == EG_OK)
        s = eg_arena_strdup(eg_req_arena(c->req), b.p);
    eg_buf_release(&b);
    return s ? s : "/admin/org-units";
}

static void
shape_unit(struct page *pg, json_t *u)
{
    const char *en = json_string_value(json_object_get(u, "name_en"));
    json_object_set(u, "display_name",
                    pg->en && en && *en ? json_object_get(u, "name_en")
                                        : json_object_get(u, "name"));
    pg_flag(u, "kind", json_string_value(json_object_get(u, "kind")));
    json_object_set_new(
        u, "link", json_string(unit_path(pg->c, json_string_value(json_object_get(u, "code")))));
}

/* "Today" in Vietnam as YYYY-MM-DD, the default date of a new or closing unit. */
static void
today(int64_t now_ms, char out[11])
{
    char s[32];
    eg_time_vn(now_ms, s, sizeof(s)); /* "27/11/2026 03:13" */
    snprintf(out, 11, "%.4s-%.2s-%.2s", s + 6, s + 3, s);
}

/* ---- GET /admin/org-units --------------------------------------------------------------------- */

void
pg_admin_orgs(struct eg_call *c, void *ctx)
{
    struct page pg;
    pg_begin(&pg, c, ctx);
    section(&pg, "orgs");
    long long page = pg_query_int(c, "page", 1, 100000, 1);
    const char *q = eg_req_query(c->req, "q");
    const char *closed = pg_query_str(c, "closed", 8);
    if (q && strlen(q) > 200) {
        json_object_set_new(pg.ctx, "q_too_long", json_true());
        q = NULL;
    }
    json_object_set_new(pg.ctx, "q", json_string(q ? q : ""));
    json_object_set_new(pg.ctx, "closed", json_boolean(closed != NULL));
    struct eg_org_query oq = {
        .q = q && *q ? q : NULL,
        .include_closed = closed != NULL,
        .limit = PER_PAGE,
        .offset = (int)((page - 1) * PER_PAGE),
    };
    json_t *out = NULL;
    enum eg_err rc = eg_org_unit_list(c->db, &oq, &out);
    if (rc != EG_OK) {
        pg_release(&pg);
        eg_resp_err(c->req, rc, NULL);
        return;
    }
    json_t *items = json_object_get(out, "items");
    size_t i;
    json_t *u;
    json_array_foreach(items, i, u)
    {
        shape_unit(&pg, u);
    }
    json_int_t total = json_integer_value(json_object_get(out, "total"));
    json_object_set(pg.ctx, "units", items);
    json_object_set_new(pg.ctx, "units_any", json_boolean(json_array_size(items) > 0));
    json_object_set_new(pg.ctx, "total", json_integer(total));
    const char *kv[] = {"q", oq.q, "closed", closed ? "1" : NULL, NULL};
    pg_paging(&pg, "/admin/org-units", kv, page, PER_PAGE, total);
    json_decref(out);
    pg_render(&pg, 200, "admin/orgs");
}

/* ---- /admin/org-units/new ------------------------------------------------------------------------ */

static json_t *
kind_options(void)
{
    json_t *list = json_array();
    for (size_t i = 0; i < EG_ARRAY_LEN(kinds); i++) {
        json_t *o = json_pack("{s:s}", "value", kinds[i]);
        pg_flag(o, "kind", kinds[i]);
        json_array_append_new(list, o);
    }
    return list;
}

/* Marks the chosen kind among the options ("selected": true). */
static void
kind_selected(struct page *pg, json_t *options)
{
    const char *k = json_string_value(json_object_get(json_object_get(pg->ctx, "v"), "kind"));
    size_t i;
    json_t *o;
    json_array_foreach(options, i, o)
    {
        const char *v = json_string_value(json_object_get(o, "value"));
        json_object_set_new(o, "selected", json_boolean(k && strcmp(k, v) == 0));
    }
}

void
pg_admin_org_new(struct eg_call *c, void *ctx)
{
    struct page pg;
    pg_begin(&pg, c, ctx);
    section(&pg, "orgs");
    json_t *v = json_object_get(pg.ctx, "v");
    if (!pg.flash) {
        char d[11];
        today(c->now_ms, d);
        json_object_set_new(v, "valid_from", json_string(d));
        json_object_set_new(v, "kind", json_string("sub_unit"));
        const char *parent = pg_query_str(c, "parent", EG_AGENCY_CODE_MAX);
        if (parent)
            json_object_set_new(v, "parent", json_string(parent));
    }
    json_t *options = kind_options();
    kind_selected(&pg, options);
    json_object_set_new(pg.ctx, "kinds", options);
    pg_csrf(&pg);
    pg_render(&pg, 200, "admin/org_new");
}

static const struct field unit_fields[] = {
    {"name", 300, F_REQUIRED, "org_name_required"},
    {"name_en", 300, 0, NULL},
    {"short_name", 300, 0, NULL},
    {"address", 300, 0, NULL},
    {"phone", 300, 0, NULL},
    {"email", 300, 0, NULL},
    {"website", 300, 0, NULL},
};
#define NFIELDS EG_ARRAY_LEN(unit_fields)

void
pg_admin_org_new_post(struct eg_call *c, void *ctx)
{
    (void)ctx;
    static const struct field fields[] = {
        {"code", EG_AGENCY_CODE_MAX, F_REQUIRED, "org_code_required"},
        {"parent", EG_AGENCY_CODE_MAX, F_REQUIRED, "org_parent_required"},
        {"kind", 32, F_REQUIRED, "org_kind_required"},
        {"valid_from", 10, F_REQUIRED, "date_invalid"},
    };
    struct form f;
    if (form_read(c, &f) != EG_OK)
        return;
    const char *v[EG_ARRAY_LEN(fields)], *u[NFIELDS];
    form_check(&f, fields, EG_ARRAY_LEN(fields), v);
    form_check(&f, unit_fields, NFIELDS, u);
    enum eg_org_kind kind = EG_ORG_SUB_UNIT;
    char from[11] = "";
    if (v[2] && eg_org_kind_parse(v[2], &kind) != EG_OK)
        form_error(&f, "kind", "org_kind_required");
    if (v[3] && pg_date_norm(v[3], from) != EG_OK)
        form_error(&f, "valid_from", "date_invalid");
    struct eg_buf msg = EG_BUF_INIT(512);
    if (v[0] && eg_agency_code_parse(v[0], &(struct eg_agency_code){0}, &msg) != EG_OK)
        form_error_text(&f, "code", eg_arena_strdup(eg_req_arena(c->req), eg_buf_str(&msg)));
    int64_t parent = 0;
    struct eg_tx *tx;
    enum eg_err rc = form_unit(&f, "parent", v[1], &parent);
    if (rc == EG_OK && form_has_errors(&f)) {
        form_fail(&f, "/admin/org-units/new");
        goto out;
    }
    struct eg_access_target t = {parent, 0};
    if (rc != EG_OK || eg_gate_allow(c, EG_PERM_ORG_MANAGE, &t) != EG_OK) {
        if (rc != EG_OK)
            eg_resp_err(c->req, rc, NULL);
        form_release(&f);
        goto out;
    }
    struct eg_org_unit n = {
        .code = v[0],
        .parent_code = v[1],
        .kind = kind,
        .name = u[0],
        .name_en = u[1],
        .short_name = u[2],
        .address = u[3],
        .phone = u[4],
        .email = u[5],
        .website = u[6],
        .valid_from = from,
    };
    char object[64];
    snprintf(object, sizeof(object), "org_unit:%s", v[0]);
    eg_buf_reset(&msg);
    rc = eg_db_begin(c->db, EG_TX_WRITE, &tx);
    if (rc == EG_OK) {
        rc = eg_org_unit_create(tx, &n, c->now_ms, &msg);
        if (rc == EG_OK)
            rc = eg_gate_audit(c, tx, "admin.org_unit.create", object, true, NULL);
        if (rc == EG_OK)
            rc = eg_tx_commit(tx);
        else
            eg_tx_rollback(tx);
    }
    if (eg_http_status_of(rc) < 500 && rc != EG_OK) {
        form_error_text(&f, "code",
                        msg.len ? eg_arena_strdup(eg_req_arena(c->req), msg.p) : eg_strerror(rc));
        form_fail(&f, "/admin/org-units/new");
    } else if (rc != EG_OK) {
        form_release(&f);
        eg_resp_err(c->req, rc, NULL);
    } else {
        form_release(&f);
        pg_redirect_notice(c, unit_path(c, v[0]), "org_created");
    }
out:
    eg_buf_release(&msg);
}

/* ---- /admin/org-units/{code} ------------------------------------------------------------------- */

/* The unit's id for the access decision; answers 404 (or the error) itself. */
static bool
unit_allowed(struct eg_call *c, void *ctx, const char *code)
{
    int64_t unit = 0;
    struct eg_tx *tx;
    enum eg_err rc = eg_db_begin(c->db, EG_TX_READ, &tx);
    if (rc == EG_OK) {
        rc = eg_org_unit_id(tx, code, &unit);
        eg_tx_rollback(tx);
    }
    if (rc == EG_ENOTFOUND) {
        struct page pg;
        pg_begin(&pg, c, ctx);
        pg_error(&pg, 404, "not_found");
        return false;
    }
    if (rc != EG_OK) {
        eg_resp_err(c->req, rc, NULL);
        return false;
    }
    struct eg_access_target t = {unit, 0};
    return eg_gate_allow(c, EG_PERM_ORG_MANAGE, &t) == EG_OK;
}

void
pg_admin_org(struct eg_call *c, void *ctx)
{
    const char *code = eg_req_param(c->req, "code");
    if (!unit_allowed(c, ctx, code))
        return;
    json_t *u = NULL;
    enum eg_err rc = eg_org_unit_get(c->db, code, &u);
    if (rc != EG_OK) {
        eg_resp_err(c->req, rc, NULL);
        return;
    }
    struct page pg;
    pg_begin(&pg, c, ctx);
    section(&pg, "orgs");
    shape_unit(&pg, u);
    if (!pg.flash) {
        json_t *v = json_object_get(pg.ctx, "v");
        for (size_t i = 0; i < NFIELDS; i++) {
            json_t *x = json_object_get(u, unit_fields[i].name);
            if (json_is_string(x))
                json_object_set(v, unit_fields[i].name, x);
        }
        char d[11];
        today(c->now_ms, d);
        json_object_set_new(v, "valid_to", json_string(d));
    }
    const char *code_q[] = {"parent", code, NULL}, *org_q[] = {"org", code, NULL};
    json_object_set_new(u, "new_child_url",
                        json_string(pg_link(c, "/admin/org-units/new", code_q)));
    json_object_set_new(u, "new_staff_url", json_string(pg_link(c, "/admin/staff/new", org_q)));
    json_object_set_new(
        u, "close_url",
        json_string(eg_arena_printf(eg_req_arena(c->req), "%s/close", unit_path(c, code))));
    json_object_set_new(pg.ctx, "unit", u);
    pg_csrf(&pg);
    pg_render(&pg, 200, "admin/org");
}

void
pg_admin_org_post(struct eg_call *c, void *ctx)
{
    const char *code = eg_req_param(c->req, "code");
    struct form f;
    if (form_read(c, &f) != EG_OK)
        return;
    const char *back = unit_path(c, code);
    const char *u[NFIELDS];
    if (!form_check(&f, unit_fields, NFIELDS, u)) {
        form_fail(&f, back);
        return;
    }
    if (!unit_allowed(c, ctx, code)) {
        form_release(&f);
        return;
    }
    /* Every field of the form is sent: an empty one clears what was there. */
    struct eg_org_unit_update up = {
        .name = u[0],
        .name_en = u[1] ? u[1] : "",
        .short_name = u[2] ? u[2] : "",
        .address = u[3] ? u[3] : "",
        .phone = u[4] ? u[4] : "",
        .email = u[5] ? u[5] : "",
        .website = u[6] ? u[6] : "",
    };
    char object[64];
    snprintf(object, sizeof(object), "org_unit:%s", code);
    struct eg_buf msg = EG_BUF_INIT(512);
    struct eg_tx *tx;
    enum eg_err rc = eg_db_begin(c->db, EG_TX_WRITE, &tx);
    if (rc == EG_OK) {
        rc = eg_org_unit_update(tx, code, &up, c->now_ms, &msg);
        if (rc == EG_OK)
            rc = eg_gate_audit(c, tx, "admin.org_unit.update", object, true, NULL);
        if (rc == EG_OK)
            rc = eg_tx_commit(tx);
        else
            eg_tx_rollback(tx);
    }
    if (rc != EG_OK && eg_http_status_of(rc) < 500) {
        form_error_text(&f, "",
                        msg.len ? eg_arena_strdup(eg_req_arena(c->req), msg.p) : eg_strerror(rc));
        form_fail(&f, back);
    } else if (rc != EG_OK) {
        form_release(&f);
        eg_resp_err(c->req, rc, NULL);
    } else {
        form_release(&f);
        pg_redirect_notice(c, back, "org_saved");
    }
    eg_buf_release(&msg);
}

void
pg_admin_org_close_post(struct eg_call *c, void *ctx)
{
    static const struct field fields[] = {{"valid_to", 10, F_REQUIRED, "date_invalid"}};
    const char *code = eg_req_param(c->req, "code");
    struct form f;
    if (form_read(c, &f) != EG_OK)
        return;
    const char *back = unit_path(c, code);
    const char *v[1];
    char to[11];
    form_check(&f, fields, 1, v);
    if (v[0] && pg_date_norm(v[0], to) != EG_OK)
        form_error(&f, "valid_to", "date_invalid");
    if (form_has_errors(&f)) {
        form_fail(&f, back);
        return;
    }
    if (!unit_allowed(c, ctx, code)) {
        form_release(&f);
        return;
    }
    char object[64];
    snprintf(object, sizeof(object), "org_unit:%s", code);
    struct eg_buf msg = EG_BUF_INIT(512);
    struct eg_tx *tx;
    enum eg_err rc = eg_db_begin(c->db, EG_TX_WRITE, &tx);
    if (rc == EG_OK) {
        rc = eg_org_unit_close(tx, code, to, c->now_ms, &msg);
        if (rc == EG_OK)
            rc = eg_gate_audit(c, tx, "admin.org_unit.close", object, true, NULL);
        if (rc == EG_OK)
            rc = eg_tx_commit(tx);
        else
            eg_tx_rollback(tx);
    }
    if (rc != EG_OK && eg_http_status_of(rc) < 500) {
        form_error_text(&f, "valid_to",
                        msg.len ? eg_arena_strdup(eg_req_arena(c->req), msg.p) : eg_strerror(rc));
        form_fail(&f, back);
    } else if (rc != EG_OK) {
        form_release(&f);
        eg_resp_err(c->req, rc, NULL);
    } else {
        form_release(&f);
        pg_redirect_notice(c, back, "org_closed");
    }
    eg_buf_release(&msg);
}

/* ---- GET /admin/audit ----------------------------------------------------------------------------- */

/* A date filter: "" is none, a bad one is an error on the page. */
static bool
date_filter(struct page *pg, const char *name, int64_t add_ms, int64_t *out)
{
    const char *s = pg_query_str(pg->c, name, 10);
    *out = 0;
    if (!s)
        return true;
    json_object_set_new(json_object_get(pg->ctx, "v"), name, json_string(s));
    if (pg_date_ms(s, out) == EG_OK) {
        *out += add_ms;
        return true;
    }
    json_t *e = json_pack("{s:s}", "field", name);
    pg_flag(e, "k", "date_invalid");
    json_object_set(json_object_get(pg->ctx, "e"), name, e);
    json_t *list = json_object_get(pg->ctx, "errors");
    if (!list) {
        list = json_array();
        json_object_set_new(pg->ctx, "errors", list);
        json_object_set_new(pg->ctx, "has_errors", json_true());
    }
    json_array_append_new(list, e);
    return false;
}

void
pg_admin_audit(struct eg_call *c, void *ctx)
{
    struct page pg;
    pg_begin(&pg, c, ctx);
    section(&pg, "audit");
    json_t *v = json_object_get(pg.ctx, "v");
    const char *actor = pg_query_str(c, "actor", EG_AUDIT_ACTOR_MAX);
    const char *action = pg_query_str(c, "action", EG_AUDIT_ACTION_MAX);
    const char *outcome = pg_query_str(c, "outcome", 16);
    enum eg_audit_outcome o;
    if (outcome && eg_audit_outcome_parse(outcome, &o) != EG_OK)
        outcome = NULL;
    json_object_set_new(v, "actor", json_string(actor ? actor : ""));
    json_object_set_new(v, "action", json_string(action ? action : ""));
    pg_flag(v, "outcome", outcome ? outcome : "any");
    int64_t from = 0, to = 0;
    bool ok = date_filter(&pg, "from", 0, &from);
    ok = date_filter(&pg, "to", 86400000LL, &to) && ok; /* "to" includes its whole day */
    long long before = pg_query_int(c, "before", 1, INT64_MAX, 0);
    struct eg_audit_filter f = {
        .actor = actor,
        .action_prefix = action,
        .outcome = outcome,
        .from_ms = from,
        .to_ms = to,
        .before_seq = before,
        .limit = PER_PAGE,
    };
    json_t *out = NULL;
    enum eg_err rc = ok ? eg_audit_list(c->db, &f, &out) : EG_OK;
    if (rc == EG_EINVAL) {
        json_object_set_new(pg.ctx, "filter_invalid", json_true());
    } else if (rc != EG_OK) {
        pg_release(&pg);
        eg_resp_err(c->req, rc, NULL);
        return;
    }
    json_t *items = json_object_get(out, "items");
    size_t i;
    json_t *e;
    json_array_foreach(items, i, e)
    {
        pg_flag(e, "outcome", json_string_value(json_object_get(e, "outcome")));
        json_t *d = json_object_get(e, "detail");
        struct eg_buf b = EG_BUF_INIT(8192);
        if (json_is_object(d) && eg_json_dump(d, &b) == EG_OK)
            json_object_set_new(e, "detail_text", json_string(b.p));
        else
            json_object_set_new(e, "detail_text", json_null());
        eg_buf_release(&b);
    }
    if (items)
        json_object_set(pg.ctx, "entries", items);
    json_object_set_new(pg.ctx, "entries_any", json_boolean(json_array_size(items) > 0));
    json_object_set(pg.ctx, "total", json_object_get(out, "total"));
    const char *from_s = pg_query_str(c, "from", 10), *to_s = pg_query_str(c, "to", 10);
    json_t *next = json_object_get(out, "next_before_seq");
    if (json_is_integer(next) && json_array_size(items) == PER_PAGE) {
        char seq[24];
        snprintf(seq, sizeof(seq), "%lld", (long long)json_integer_value(next));
        const char *kv[] = {"actor", actor, "action", action,   "outcome", outcome, "from",
                            from_s,  "to",  to_s,     "before", seq,       NULL};
        json_object_set_new(pg.ctx, "older", json_string(pg_link(c, "/admin/audit", kv)));
    }
    if (before) {
        const char *kv[] = {"actor", actor,  "action", action, "outcome", outcome,
                            "from",  from_s, "to",     to_s,   NULL};
        json_object_set_new(pg.ctx, "newest", json_string(pg_link(c, "/admin/audit", kv)));
    }
    json_decref(out);
    pg_render(&pg, 200, "admin/audit");
}
