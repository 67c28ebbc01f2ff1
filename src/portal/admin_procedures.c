/*
 * admin_procedures.c - keeping the catalogue of procedures: finding them
 * (drafts included, retired ones when asked), one procedure with its versions,
 * publishing a version, retiring, a new procedure or a new version written as
 * its JSON document (indented, the newest version exactly as written), and
 * importing a catalogue pasted as JSON. Every action is decided on the
 * root unit (procedure.manage) and audited in its own transaction, exactly as
 * src/api/procedures.c does.
 *
 * The document and the catalogue are too big for the flash cookie: a refused
 * one is answered with the form itself (400, 404 or 409), everything typed in
 * it, and the business layer's sentence (it names the JSON path) in the
 * error summary, instead of a 303.
 */
#include "portal_int.h"

#include "directory/directory.h"
#include "procedures/procedures.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PER_PAGE 25
#define DOC_MAX_BYTES ((size_t)1024 * 1024)            /* eg_procedure_put's limit */
#define CATALOGUE_MAX_BYTES ((size_t)16 * 1024 * 1024) /* the API's import limit */

static const char *const states[] = {"published", "draft", "retired", NULL};

static void
section(struct page *pg)
{
    json_object_set_new(pg->ctx, "nav_admin", json_true());
    pg_flag(pg->ctx, "tab", "procedures");
}

static const char *
admin_path(struct eg_call *c, const char *code, const char *suffix)
{
    struct eg_buf b = EG_BUF_INIT(512);
    const char *s = NULL;
    if (eg_buf_adds(&b, "/admin/procedures/") == EG_OK && pg_url_encode(&b, code) == EG_OK &&
        eg_buf_adds(&b, suffix ? suffix : "") == EG_OK)
        s = eg_arena_strdup(eg_req_arena(c->req), b.p);
    eg_buf_release(&b);
    return s ? s : "/admin/procedures";
}

static void
not_found(struct eg_call *c, void *ctx)
{
    struct page pg;
    pg_begin(&pg, c, ctx);
    pg_error(&pg, 404, "procedure_not_found");
}

/* May the caller keep the catalogue? Decided on the root unit, as the API does; answered when not. */
static bool
allowed(struct eg_call *c)
{
    return eg_gate_allow_province(c, EG_PERM_PROCEDURE_MANAGE) == EG_OK;
}

/* ---- GET /admin/procedures?q=&retired=1&page= ------------------------------------------------ */

void
pg_admin_procedures(struct eg_call *c, void *ctx)
{
    if (!allowed(c))
        return;
    struct page pg;
    pg_begin(&pg, c, ctx);
    section(&pg);
    pg_set(&pg, "imported", json_null());
    long long page = pg_query_int(c, "page", 1, 10000, 1);
    const char *q = eg_req_query(c->req, "q");
    json_object_set_new(json_object_get(pg.ctx, "v"), "q", json_string(q ? q : ""));
    if (q && strlen(q) > EG_PROCEDURE_QUERY_MAX) {
        pg_field_error(&pg, "q", "procedure_query_too_long");
        q = NULL;
    }
    /* A checkbox: "1" when ticked, absent otherwise. */
    const char *retired = eg_req_query(c->req, "retired");
    bool with_retired = retired && strcmp(retired, "1") == 0;
    json_object_set_new(json_object_get(pg.ctx, "v"), "retired", json_boolean(with_retired));
    struct eg_procedure_query pq = {
        .q = q && *q ? q : NULL,
        .include_drafts = true,
        .include_retired = with_retired,
        .limit = PER_PAGE,
        .offset = (int)((page - 1) * PER_PAGE),
    };
    json_t *out = NULL;
    enum eg_err rc = eg_procedure_search(c->db, &pq, &out);
    if (rc == EG_EINVAL) {
        pg_field_error(&pg, "q", "procedure_query_invalid");
    } else if (rc != EG_OK) {
        pg_release(&pg);
        eg_resp_err(c->req, rc, NULL);
        return;
    }
    json_t *items = json_object_get(out, "items");
    size_t i;
    json_t *it;
    json_array_foreach(items, i, it)
    {
        cat_shape_item(&pg, it);
        pg_flags(it, "status", json_string_value(json_object_get(it, "status")), states);
        json_object_set_new(
            it, "admin_link",
            json_string(admin_path(c, json_string_value(json_object_get(it, "code")), "")));
    }
    json_int_t total = json_integer_value(json_object_get(out, "total"));
    json_object_set(pg.ctx, "items", items ? items : json_array());
    json_object_set_new(pg.ctx, "items_any", json_boolean(json_array_size(items) > 0));
    json_object_set_new(pg.ctx, "total", json_integer(total));
    const char *kv[] = {"q", pq.q, "retired", with_retired ? "1" : NULL, NULL};
    pg_paging(&pg, "/admin/procedures", kv, page, PER_PAGE, total);
    json_decref(out);
    pg_render(&pg, json_object_get(pg.ctx, "has_errors") ? 400 : 200, "admin/procedures");
}

/* ---- GET /admin/procedures/{code} --------------------------------------------------------- */

/* "account:42" becomes a link to that account (for those who may read accounts). */
static void
shape_version(struct eg_call *c, const char *code, bool retired, json_t *v)
{
    const char *by = json_string_value(json_object_get(v, "created_by"));
    long long id = 0;
    const char *link = NULL;
    if (by && strncmp(by, "account:", 8) == 0 && eg_parse_i64(by + 8, 1, INT64_MAX, &id) == EG_OK)
        link = eg_arena_printf(eg_req_arena(c->req), "/admin/accounts/%lld", id);
    json_object_set_new(v, "actor_link", link ? json_string(link) : json_null());
    bool current = json_is_true(json_object_get(v, "current"));
    json_int_t n = json_integer_value(json_object_get(v, "version"));
    const char *publish = eg_arena_printf(eg_req_arena(c->req), "%s/versions/%lld/publish",
                                          admin_path(c, code, ""), (long long)n);
    /* A retired procedure comes back by publishing any of its versions, the current one too. */
    json_object_set_new(v, "publish_url", current && !retired ? json_null() : json_string(publish));
}

void
pg_admin_procedure(struct eg_call *c, void *ctx)
{
    if (!allowed(c))
        return;
    const char *code = eg_req_param(c->req, "code");
    json_t *doc = NULL, *versions = NULL;
    enum eg_err rc =
        eg_procedure_code_ok(code) ? eg_procedure_get(c->db, code, true, &doc) : EG_ENOTFOUND;
    if (rc == EG_OK)
        rc = eg_procedure_versions(c->db, code, &versions);
    if (rc != EG_OK) {
        json_decref(doc);
        if (rc == EG_ENOTFOUND)
            not_found(c, ctx);
        else
            eg_resp_err(c->req, rc, NULL);
        return;
    }
    struct page pg;
    pg_begin(&pg, c, ctx);
    section(&pg);
    cat_shape_item(&pg, doc);
    const char *status = json_string_value(json_object_get(doc, "status"));
    pg_flags(doc, "status", status, states);
    bool published = status && strcmp(status, "published") == 0;
    json_object_set_new(doc, "public_link",
                        published ? json_string(cat_path(c, code, "")) : json_null());
    json_object_set_new(doc, "edit_url", json_string(admin_path(c, code, "/edit")));
    json_object_set_new(doc, "retire_url", json_string(admin_path(c, code, "/retire")));
    json_object_set_new(doc, "can_retire", json_boolean(status && strcmp(status, "retired") != 0));
    size_t i;
    json_t *v;
    json_array_foreach(versions, i, v)
    {
        shape_version(c, code, status && strcmp(status, "retired") == 0, v);
    }
    json_object_set_new(doc, "versions", versions);
    json_object_set_new(pg.ctx, "p", doc);
    pg_csrf(&pg);
    pg_render(&pg, 200, "admin/procedure");
}

/* ---- POST .../versions/{version}/publish, POST .../retire ------------------------------------ */

static void
change(struct eg_call *c, void *ctx, bool retire)
{
    if (!allowed(c))
        return;
    const char *code = eg_req_param(c->req, "code");
    long long version = 0;
    if (!eg_procedure_code_ok(code) ||
        (!retire && eg_parse_i64(eg_req_param(c->req, "version"), 1, 1000000, &version) != EG_OK)) {
        not_found(c, ctx);
        return;
    }
    struct eg_tx *tx;
    enum eg_err rc = eg_db_begin(c->db, EG_TX_WRITE, &tx);
    if (rc != EG_OK) {
        eg_resp_err(c->req, rc, NULL);
        return;
    }
    rc = retire ? eg_procedure_retire(tx, code, c->now_ms)
                : eg_procedure_publish(tx, code, (int)version, c->now_ms, NULL);
    const char *object = eg_arena_printf(eg_req_arena(c->req), "procedure:%s", code);
    if (rc == EG_OK)
        rc = eg_gate_audit(
            c, tx, retire ? "admin.procedure.retire" : "admin.procedure.publish", object, true,
            retire ? NULL : eg_arena_printf(eg_req_arena(c->req), "{\"version\":%lld}", version));
    if (rc == EG_OK)
        rc = eg_tx_commit(tx);
    else
        eg_tx_rollback(tx);
    if (rc == EG_ENOTFOUND)
        not_found(c, ctx);
    else if (rc != EG_OK)
        eg_resp_err(c->req, rc, NULL);
    else
        pg_redirect_notice(c, admin_path(c, code, ""),
                           retire ? "procedure_retired" : "procedure_published");
}

void
pg_admin_procedure_publish_post(struct eg_call *c, void *ctx)
{
    change(c, ctx, false);
}

void
pg_admin_procedure_retire_post(struct eg_call *c, void *ctx)
{
    change(c, ctx, true);
}

/* ---- /admin/procedures/new and /admin/procedures/{code}/edit ---------------------------------- */

/*
 * The order keys are shown in: procedures/ stores documents with sorted keys,
 * which puts "agencies" before "code". Keys are shown in the order of
 * docs/procedures.md (and the new procedure's template) at every level; any
 * other key follows in the order it has. JSON objects have no order: the
 * document stays exactly what was stored.
 */
static const char *const key_order[] = {
    "code",       "name",         "name_en",       "label",      "value",        "type",
    "required",   "keywords_vi",  "field",         "equals",     "level",        "agencies",
    "applicants", "online_level", "legacy_level",  "processing", "working_days", "cutoff",
    "note_vi",    "fees",         "amount_vnd",    "components", "originals",    "copies",
    "template",   "steps_vi",     "conditions_vi", "result_vi",  "legal_basis",  "form",
    "fields",     "popularity",   "valid_from",
};

/* A copy of v with the keys of every object in key_order. */
static json_t *
readable(json_t *v)
{
    if (json_is_array(v)) {
        json_t *a = json_array();
        size_t i;
        json_t *x;
        json_array_foreach(v, i, x)
        {
            json_array_append_new(a, readable(x));
        }
        return a;
    }
    if (!json_is_object(v))
        return json_incref(v);
    json_t *o = json_object();
    for (size_t i = 0; i < EG_ARRAY_LEN(key_order); i++) {
        json_t *x = json_object_get(v, key_order[i]);
        if (x)
            json_object_set_new(o, key_order[i], readable(x));
    }
    const char *k;
    json_t *x;
    json_object_foreach(v, k, x)
    {
        if (!json_object_get(o, k))
            json_object_set_new(o, k, readable(x));
    }
    return o;
}

/* A new procedure's starting point: every key, to be filled in. */
static json_t *
skeleton(struct eg_call *c)
{
    char today[32];
    eg_time_vn(c->now_ms, today, sizeof(today)); /* "27/11/2026 03:13" */
    char ymd[11];
    snprintf(ymd, sizeof(ymd), "%.4s-%.2s-%.2s", today + 6, today + 3, today);
    return json_pack(
        "{s:s, s:s, s:s, s:s, s:s, s:[s], s:[s], s:s, s:{s:i, s:s, s:s}, s:[], s:[{s:s, s:i, "
        "s:i, s:b, s:n}], s:[s], s:s, s:s, s:[s], s:{s:[]}, s:s}",
        "code", "", "name", "", "name_en", "", "field", "", "level", "", "agencies", "",
        "applicants", "citizen", "online_level", "", "processing", "working_days", 0, "cutoff",
        "15:00", "note_vi", "", "fees", "components", "name", "", "originals", 1, "copies", 0,
        "required", 1, "template", "steps_vi", "", "conditions_vi", "", "result_vi", "",
        "legal_basis", "", "form", "fields", "valid_from", ymd);
}

struct edit {
    const char *code;  /* NULL for a new procedure */
    const char *typed; /* the document as sent, or NULL to start from the stored one */
    bool publish;
    const char *err_key;  /* err.<key> on the document */
    const char *err_text; /* or the business layer's sentence */
    int status;
};

static void
edit_page(struct eg_call *c, void *ctx, const struct edit *e)
{
    json_t *doc = NULL;
    if (!e->typed) {
        enum eg_err rc = EG_OK;
        if (e->code) /* the newest version as written: agencies as codes or "*communes*" */
            rc = eg_procedure_code_ok(e->code) ? eg_procedure_document(c->db, e->code, 0, &doc)
                                               : EG_ENOTFOUND;
        else
            doc = skeleton(c);
        if (rc == EG_ENOTFOUND) {
            not_found(c, ctx);
            return;
        }
        if (rc != EG_OK || !doc) {
            eg_resp_err(c->req, rc != EG_OK ? rc : EG_ENOMEM, NULL);
            return;
        }
    }
    struct page pg;
    pg_begin(&pg, c, ctx);
    section(&pg);
    json_t *v = json_object_get(pg.ctx, "v");
    if (doc) {
        /* Indented (the textarea keeps line breaks: F_LINES), the keys in a readable order. */
        json_t *shown = readable(doc);
        char *text = json_dumps(shown, JSON_INDENT(2));
        json_decref(shown);
        json_object_set_new(v, "doc", json_string(text ? text : "{}"));
        free(text);
        json_decref(doc);
    } else {
        json_object_set_new(v, "doc", json_string(e->typed));
    }
    json_object_set_new(v, "publish", json_boolean(e->publish));
    if (e->err_key)
        pg_field_error(&pg, "doc", e->err_key);
    else if (e->err_text)
        pg_field_error_text(&pg, "doc", e->err_text);
    json_t *fields = NULL;
    if (eg_procedure_fields(c->db, &fields) == EG_OK)
        json_object_set_new(pg.ctx, "fields", fields);
    json_object_set_new(pg.ctx, "code", e->code ? json_string(e->code) : json_null());
    json_object_set_new(pg.ctx, "is_new", json_boolean(!e->code));
    json_object_set_new(
        pg.ctx, "action",
        json_string(e->code ? admin_path(c, e->code, "/edit") : "/admin/procedures/new"));
    json_object_set_new(pg.ctx, "back",
                        json_string(e->code ? admin_path(c, e->code, "") : "/admin/procedures"));
    pg_csrf(&pg);
    pg_render(&pg, e->status, "admin/procedure_edit");
}

void
pg_admin_procedure_new(struct eg_call *c, void *ctx)
{
    if (!allowed(c))
        return;
    struct edit e = {.status = 200};
    edit_page(c, ctx, &e);
}

void
pg_admin_procedure_edit(struct eg_call *c, void *ctx)
{
    if (!allowed(c))
        return;
    struct edit e = {.code = eg_req_param(c->req, "code"), .status = 200};
    edit_page(c, ctx, &e);
}

/* Stores doc in one transaction with its audit entry; msg says why not. */
static enum eg_err
put(struct eg_call *c, const char *code, const json_t *doc, bool publish, struct eg_buf *msg)
{
    const char *doc_code = json_string_value(json_object_get(doc, "code"));
    struct eg_procedure_put how = {code ? EG_PUT_VERSION : EG_PUT_NEW, publish, false, pg_actor(c),
                                   c->now_ms};
    struct eg_tx *tx;
    int version = 0;
    enum eg_err rc = eg_db_begin(c->db, EG_TX_WRITE, &tx);
    if (rc != EG_OK)
        return rc;
    rc = eg_procedure_put(tx, doc, &how, &version, msg);
    const char *object =
        eg_arena_printf(eg_req_arena(c->req), "procedure:%s", doc_code ? doc_code : "");
    const char *detail = eg_arena_printf(eg_req_arena(c->req), "{\"version\":%d,\"published\":%s}",
                                         version, publish ? "true" : "false");
    if (rc == EG_OK)
        rc = eg_gate_audit(c, tx, code ? "admin.procedure.version" : "admin.procedure.create",
                           object, true, detail);
    if (rc == EG_OK)
        rc = eg_tx_commit(tx);
    else
        eg_tx_rollback(tx);
    return rc;
}

/* Stores the posted document as a new procedure (code NULL) or its next version. */
static void
store(struct eg_call *c, void *ctx, const char *code)
{
    static const struct field fields[] = {
        {"doc", DOC_MAX_BYTES, F_REQUIRED | F_RAW | F_LINES, "procedure_doc_required"},
        {"publish", 8, 0, NULL},
    };
    if (!allowed(c))
        return;
    if (code && !eg_procedure_code_ok(code)) {
        not_found(c, ctx);
        return;
    }
    struct form f;
    if (form_read(c, &f) != EG_OK)
        return;
    const char *v[EG_ARRAY_LEN(fields)];
    bool ok = form_check(&f, fields, EG_ARRAY_LEN(fields), v);
    const char *typed = form_get(&f, "doc");
    struct edit e = {.code = code, .typed = typed ? typed : "", .status = 400};
    e.publish = v[1] && strcmp(v[1], "1") == 0;
    struct eg_buf msg = EG_BUF_INIT(2048);
    json_t *doc = NULL;
    const char *doc_code = NULL;
    enum eg_err rc = EG_EINVAL;
    if (!ok) {
        e.err_key = v[0] || (typed && *typed) ? "too_long" : "procedure_doc_required";
    } else if (eg_json_parse(v[0], strlen(v[0]), &doc, &msg) != EG_OK) {
        e.err_text = eg_arena_printf(eg_req_arena(c->req), "JSON: %s", eg_buf_str(&msg));
    } else {
        doc_code = json_string_value(json_object_get(doc, "code"));
        if (code && (!doc_code || strcmp(doc_code, code) != 0))
            e.err_key = "procedure_code_mismatch";
        else
            rc = put(c, code, doc, e.publish, &msg);
    }
    if (rc == EG_OK) {
        pg_redirect_notice(c, admin_path(c, doc_code, ""),
                           code ? "procedure_saved" : "procedure_created");
    } else if (!e.err_key && !e.err_text && eg_http_status_of(rc) >= 500) {
        eg_resp_err(c->req, rc, NULL);
    } else {
        if (!e.err_key && !e.err_text) {
            e.status = eg_http_status_of(rc);
            e.err_text = msg.len ? eg_arena_strdup(eg_req_arena(c->req), msg.p) : NULL;
            e.err_key = e.err_text ? NULL : "procedure_doc_invalid";
        }
        edit_page(c, ctx, &e);
    }
    json_decref(doc);
    eg_buf_release(&msg);
    form_release(&f);
}

void
pg_admin_procedure_new_post(struct eg_call *c, void *ctx)
{
    store(c, ctx, NULL);
}

void
pg_admin_procedure_edit_post(struct eg_call *c, void *ctx)
{
    store(c, ctx, eg_req_param(c->req, "code"));
}

/* ---- /admin/procedures/import ------------------------------------------------------------------ */

static void
import_page(struct eg_call *c, void *ctx, const char *typed, bool publish, const char *err_key,
            const char *err_text, int status)
{
    struct page pg;
    pg_begin(&pg, c, ctx);
    section(&pg);
    json_t *v = json_object_get(pg.ctx, "v");
    json_object_set_new(v, "catalogue", json_string(typed ? typed : ""));
    json_object_set_new(v, "publish", json_boolean(publish));
    if (err_key)
        pg_field_error(&pg, "catalogue", err_key);
    else if (err_text)
        pg_field_error_text(&pg, "catalogue", err_text);
    pg_csrf(&pg);
    pg_render(&pg, status, "admin/procedure_import");
}

void
pg_admin_procedure_import(struct eg_call *c, void *ctx)
{
    if (allowed(c))
        import_page(c, ctx, NULL, false, NULL, NULL, 200);
}

void
pg_admin_procedure_import_post(struct eg_call *c, void *ctx)
{
    static const struct field fields[] = {
        {"catalogue", CATALOGUE_MAX_BYTES, F_REQUIRED | F_RAW | F_LINES, "catalogue_required"},
        {"mode", 16, 0, NULL},
    };
    if (!allowed(c))
        return;
    struct form f;
    if (form_read(c, &f) != EG_OK)
        return;
    const char *v[EG_ARRAY_LEN(fields)];
    bool ok = form_check(&f, fields, EG_ARRAY_LEN(fields), v);
    const char *typed = form_get(&f, "catalogue");
    bool pub = v[1] && strcmp(v[1], "publish") == 0;
    struct eg_buf msg = EG_BUF_INIT(2048);
    json_t *cat = NULL;
    const char *err_key = NULL, *err_text = NULL;
    enum eg_err rc = EG_EINVAL;
    size_t count = 0;
    if (!ok) {
        err_key = v[0] || (typed && *typed) ? "too_long" : "catalogue_required";
    } else if (eg_json_parse(v[0], strlen(v[0]), &cat, &msg) != EG_OK) {
        err_text = eg_arena_printf(eg_req_arena(c->req), "JSON: %s", eg_buf_str(&msg));
    } else {
        struct eg_tx *tx;
        rc = eg_db_begin(c->db, EG_TX_WRITE, &tx);
        if (rc == EG_OK) {
            rc = eg_procedure_import(tx, cat, pub, false, pg_actor(c), c->now_ms, &count, &msg);
            if (rc == EG_OK)
                rc = eg_gate_audit(c, tx, "admin.procedure.import", "procedures", true,
                                   eg_arena_printf(eg_req_arena(c->req),
                                                   "{\"procedures\":%zu,\"published\":%s}", count,
                                                   pub ? "true" : "false"));
            if (rc == EG_OK)
                rc = eg_tx_commit(tx);
            else
                eg_tx_rollback(tx);
        }
        if (rc != EG_OK && eg_http_status_of(rc) < 500)
            err_text = msg.len ? eg_arena_strdup(eg_req_arena(c->req), msg.p) : NULL;
        if (rc != EG_OK && eg_http_status_of(rc) < 500 && !err_text)
            err_key = "catalogue_invalid";
    }
    if (rc == EG_OK) {
        json_object_set_new(f.data, "imported",
                            json_pack("{s:I, s:b}", "count", (json_int_t)count, "published", pub));
        form_done(&f, "/admin/procedures", NULL);
    } else if (err_key || err_text) {
        import_page(c, ctx, typed, pub, err_key, err_text, 400);
        form_release(&f);
    } else {
        eg_resp_err(c->req, rc, NULL);
        form_release(&f);
    }
    json_decref(cat);
    eg_buf_release(&msg);
}
