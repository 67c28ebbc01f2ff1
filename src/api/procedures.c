/*
 * procedures.c - the catalogue over the API: search and read for everyone
 * (a procedure's blank declaration as a PDF too);
 * create, new versions, publish, retire, import for the province's
 * administrators (procedure.manage on the root unit), each change audited in
 * its own transaction.
 */
#include "api_int.h"

#include "directory/directory.h"
#include "procedures/procedures.h"

#include <stdio.h>
#include <string.h>

#define PDF_MAX ((size_t)8 << 20) /* a 60-field form is about 300 KB */

static bool
en(struct eg_req *r)
{
    return strcmp(eg_req_lang(r), "en") == 0;
}

static void
not_found(struct eg_req *r)
{
    eg_resp_error(r, 404, "not_found",
                  en(r) ? "No procedure has this code."
                        : "Không có thủ tục hành chính nào mang mã này.");
}

/* A filter that must be one of set, or absent; 400 answered otherwise. */
static bool
one_of(struct eg_req *r, const char *name, const char *const *set, const char **out)
{
    const char *v = eg_req_query(r, name);
    *out = NULL;
    if (!v || !*v)
        return true;
    for (const char *const *s = set; *s; s++) {
        if (strcmp(v, *s) == 0) {
            *out = *s;
            return true;
        }
    }
    eg_resp_error(r, 400, "invalid_argument",
                  eg_arena_printf(eg_req_arena(r), "Tham số \"%s\" không hợp lệ.", name));
    return false;
}

/* Reads ?q=&field=&agency=&level=&applicant=&page=&per_page= into q; false when answered. */
static bool
read_query(struct eg_req *r, struct eg_procedure_query *q, long long *page, long long *per_page)
{
    static const char *const levels[] = {"province", "commune", NULL};
    static const char *const applicants[] = {"citizen", "business", NULL};
    if (eg_api_query_int(r, "page", 1, 10000, 1, page) != EG_OK ||
        eg_api_query_int(r, "per_page", 1, 100, 20, per_page) != EG_OK)
        return false;
    memset(q, 0, sizeof(*q));
    q->q = eg_req_query(r, "q");
    if (q->q && strlen(q->q) > EG_PROCEDURE_QUERY_MAX) {
        eg_resp_error(r, 400, "invalid_argument",
                      en(r) ? "The search text is too long (at most 200 bytes)."
                            : "Từ khóa tìm kiếm quá dài (tối đa 200 byte).");
        return false;
    }
    q->field = eg_req_query(r, "field");
    q->agency = eg_req_query(r, "agency");
    if ((q->field && strlen(q->field) > 16) || (q->agency && strlen(q->agency) > 35)) {
        eg_resp_error(r, 400, "invalid_argument", "Tham số \"field\" hoặc \"agency\" quá dài.");
        return false;
    }
    if (q->field && !*q->field)
        q->field = NULL;
    if (q->agency && !*q->agency)
        q->agency = NULL;
    if (!one_of(r, "level", levels, &q->level) ||
        !one_of(r, "applicant", applicants, &q->applicant))
        return false;
    q->limit = (int)*per_page;
    q->offset = (int)((*page - 1) * *per_page);
    return true;
}

static void
answer_search(struct eg_req *r, struct eg_db *db, const struct eg_procedure_query *q,
              long long page, long long per_page)
{
    json_t *out = NULL;
    enum eg_err rc = eg_procedure_search(db, q, &out);
    if (rc == EG_EINVAL) {
        eg_resp_error(r, 400, "invalid_argument",
                      en(r) ? "The search text is not valid UTF-8 text."
                            : "Từ khóa tìm kiếm không phải văn bản UTF-8 hợp lệ.");
        return;
    }
    if (rc != EG_OK) {
        eg_resp_err(r, rc, NULL);
        return;
    }
    json_object_set_new(out, "page", json_integer(page));
    json_object_set_new(out, "per_page", json_integer(per_page));
    eg_resp_json(r, 200, out);
}

/* GET /api/v1/procedures */
void
eg_api_procedures(struct eg_req *r, void *ctx)
{
    struct eg_api *api = ctx;
    struct eg_procedure_query q;
    long long page, per_page;
    if (read_query(r, &q, &page, &per_page))
        answer_search(r, api->db, &q, page, per_page);
}

/* GET /api/v1/procedures/{code} */
void
eg_api_procedure(struct eg_req *r, void *ctx)
{
    struct eg_api *api = ctx;
    const char *code = eg_req_param(r, "code");
    json_t *out = NULL;
    enum eg_err rc =
        eg_procedure_code_ok(code) ? eg_procedure_get(api->db, code, false, &out) : EG_ENOTFOUND;
    if (rc == EG_ENOTFOUND)
        not_found(r);
    else if (rc != EG_OK)
        eg_resp_err(r, rc, NULL);
    else
        eg_resp_json(r, 200, out);
}

/*
 * GET /api/v1/procedures/{code}/form.pdf: the blank declaration as an A4 PDF,
 * its fixed texts in English with ?lang=en (or Accept-Language: en).
 */
void
eg_api_procedure_form_pdf(struct eg_req *r, void *ctx)
{
    struct eg_api *api = ctx;
    const char *code = eg_req_param(r, "code");
    json_t *p = NULL;
    enum eg_err rc =
        eg_procedure_code_ok(code) ? eg_procedure_get(api->db, code, false, &p) : EG_ENOTFOUND;
    if (rc == EG_ENOTFOUND) {
        not_found(r);
        return;
    }
    if (rc != EG_OK) {
        eg_resp_err(r, rc, NULL);
        return;
    }
    struct eg_buf out = EG_BUF_INIT(PDF_MAX), msg = EG_BUF_INIT(1024);
    rc = eg_procedure_form_pdf(p, en(r) ? "en" : "vi", NULL, &out, &msg);
    json_decref(p);
    if (rc == EG_OK) {
        /* The code is digits, letters and dots (eg_procedure_code_ok): safe in the header. */
        const char *cd =
            eg_arena_printf(eg_req_arena(r), "attachment; filename=\"to-khai-%s.pdf\"", code);
        eg_resp_header(r, "Content-Disposition", cd ? cd : "attachment");
        eg_resp_header(r, "Cache-Control", "public, max-age=3600");
        eg_resp_header(r, "Vary", "Accept-Language");
        eg_resp_header(r, "Content-Language", en(r) ? "en" : "vi");
        eg_resp_bytes(r, 200, "application/pdf", out.p, out.len);
    } else if (rc == EG_ENOTFOUND) {
        eg_resp_error(r, 404, "not_found",
                      en(r) ? "This procedure has no declaration form."
                            : "Thủ tục này không có mẫu tờ khai.");
    } else {
        eg_error("api: the form of procedure %s as PDF: %s: %s", code, eg_strerror(rc),
                 msg.len ? eg_buf_str(&msg) : "-");
        eg_resp_err(r, EG_EINTERNAL, NULL);
    }
    eg_buf_release(&out);
    eg_buf_release(&msg);
}

/* GET /api/v1/procedure-fields */
void
eg_api_procedure_fields(struct eg_req *r, void *ctx)
{
    struct eg_api *api = ctx;
    json_t *items = NULL;
    enum eg_err rc = eg_procedure_fields(api->db, &items);
    if (rc != EG_OK)
        eg_resp_err(r, rc, NULL);
    else
        eg_resp_json(r, 200, json_pack("{s:o}", "items", items));
}

/* GET /api/v1/procedure-catalogue: every published procedure, in the import's shape. */
void
eg_api_procedure_export(struct eg_req *r, void *ctx)
{
    struct eg_api *api = ctx;
    json_t *out = NULL;
    enum eg_err rc = eg_procedure_export(api->db, &out);
    if (rc != EG_OK) {
        eg_resp_err(r, rc, NULL);
        return;
    }
    eg_resp_header(r, "Content-Disposition", "attachment; filename=\"procedures.json\"");
    eg_resp_json(r, 200, out);
}

/* ---- administration ---------------------------------------------------------------- */

/* May the caller keep the catalogue? Decided on the root unit; answered when not. */
bool
eg_api_catalogue_keeper(struct eg_call *c)
{
    return eg_gate_allow_province(c, EG_PERM_PROCEDURE_MANAGE) == EG_OK;
}

static void
answer_err(struct eg_call *c, enum eg_err rc, const struct eg_buf *msg)
{
    int status = eg_http_status_of(rc);
    if (status < 500)
        eg_resp_error(c->req, status, eg_err_code(rc),
                      msg && msg->len ? eg_arena_strdup(eg_req_arena(c->req), msg->p) : NULL);
    else
        eg_resp_err(c->req, rc, NULL);
}

/* ?publish=true|false (1|0); anything else is refused rather than read as false. */
static bool
publish_flag(struct eg_req *r, bool *out)
{
    const char *v = eg_req_query(r, "publish");
    *out = v && (strcmp(v, "true") == 0 || strcmp(v, "1") == 0);
    if (!v || *out || strcmp(v, "false") == 0 || strcmp(v, "0") == 0)
        return true;
    eg_resp_error(r, 400, "invalid_argument",
                  en(r) ? "The parameter \"publish\" is true or false."
                        : "Tham số \"publish\" là true hoặc false.");
    return false;
}

static const char *
actor(struct eg_call *c)
{
    return eg_arena_printf(eg_req_arena(c->req), "account:%lld", (long long)c->who.account_id);
}

/* GET /api/v1/admin/procedures: drafts included; retired ones with ?retired=true. */
void
eg_api_admin_procedures(struct eg_call *c, void *ctx)
{
    (void)ctx;
    struct eg_procedure_query q;
    long long page, per_page;
    if (!eg_api_catalogue_keeper(c) || !read_query(c->req, &q, &page, &per_page))
        return;
    q.include_drafts = true;
    const char *retired = eg_req_query(c->req, "retired");
    q.include_retired = retired && strcmp(retired, "true") == 0;
    answer_search(c->req, c->db, &q, page, per_page);
}

/* GET /api/v1/admin/procedures/{code}: the newest version, whatever its state, and the list. */
void
eg_api_admin_procedure(struct eg_call *c, void *ctx)
{
    (void)ctx;
    if (!eg_api_catalogue_keeper(c))
        return;
    const char *code = eg_req_param(c->req, "code");
    json_t *doc = NULL, *versions = NULL;
    enum eg_err rc =
        eg_procedure_code_ok(code) ? eg_procedure_get(c->db, code, true, &doc) : EG_ENOTFOUND;
    if (rc == EG_OK)
        rc = eg_procedure_versions(c->db, code, &versions);
    if (rc == EG_ENOTFOUND)
        not_found(c->req);
    else if (rc != EG_OK)
        eg_resp_err(c->req, rc, NULL);
    else
        eg_resp_json(c->req, 200, json_pack("{s:o, s:o}", "procedure", doc, "versions", versions));
    if (rc != EG_OK) {
        json_decref(doc);
        json_decref(versions);
    }
}

/*
 * Stores the body as a new version: a new procedure (POST, 409 when the code
 * exists) or the next version of one (PUT, 404 when it does not).
 */
static void
store(struct eg_call *c, const char *path_code)
{
    if (!eg_api_catalogue_keeper(c))
        return;
    json_t *doc;
    if (eg_api_read_json(c->req, &doc) != EG_OK)
        return;
    struct eg_buf msg = EG_BUF_INIT(2048);
    const char *code = json_string_value(json_object_get(doc, "code"));
    if (path_code && (!code || strcmp(code, path_code) != 0)) {
        eg_resp_error(c->req, 400, "invalid_argument",
                      "Mã thủ tục trong nội dung phải trùng với mã trên đường dẫn.");
        goto out;
    }
    bool pub = false;
    if (!publish_flag(c->req, &pub))
        goto out;
    struct eg_procedure_put how = {path_code ? EG_PUT_VERSION : EG_PUT_NEW, pub, false, actor(c),
                                   c->now_ms};
    struct eg_tx *tx;
    int version = 0;
    enum eg_err rc = eg_db_begin(c->db, EG_TX_WRITE, &tx);
    if (rc != EG_OK) {
        eg_resp_err(c->req, rc, NULL);
        goto out;
    }
    rc = eg_procedure_put(tx, doc, &how, &version, &msg);
    const char *object = eg_arena_printf(eg_req_arena(c->req), "procedure:%s", code ? code : "");
    const char *detail = eg_arena_printf(eg_req_arena(c->req), "{\"version\":%d,\"published\":%s}",
                                         version, pub ? "true" : "false");
    if (rc == EG_OK)
        rc = eg_gate_audit(c, tx, path_code ? "admin.procedure.version" : "admin.procedure.create",
                           object, true, detail);
    if (rc == EG_OK)
        rc = eg_tx_commit(tx);
    else
        eg_tx_rollback(tx);
    if (rc == EG_ENOTFOUND)
        not_found(c->req);
    else if (rc == EG_ECONFLICT)
        eg_resp_error(c->req, 409, "conflict",
                      "Đã có thủ tục mang mã này; hãy sửa thủ tục đó để tạo phiên bản mới.");
    else if (rc != EG_OK)
        answer_err(c, rc, &msg);
    else
        eg_resp_json(c->req, path_code ? 200 : 201,
                     json_pack("{s:s, s:i, s:s}", "code", code, "version", version, "status",
                               pub ? "published" : "draft"));
out:
    eg_buf_release(&msg);
    json_decref(doc);
}

/* POST /api/v1/admin/procedures[?publish=true] */
void
eg_api_admin_procedure_new(struct eg_call *c, void *ctx)
{
    (void)ctx;
    store(c, NULL);
}

/* PUT /api/v1/admin/procedures/{code}[?publish=true] */
void
eg_api_admin_procedure_put(struct eg_call *c, void *ctx)
{
    (void)ctx;
    store(c, eg_req_param(c->req, "code"));
}

/* POST .../{code}/versions/{version}/publish and POST .../{code}/retire */
static void
change(struct eg_call *c, bool retire)
{
    if (!eg_api_catalogue_keeper(c))
        return;
    const char *code = eg_req_param(c->req, "code");
    long long version = 0;
    if (!eg_procedure_code_ok(code) ||
        (!retire && eg_parse_i64(eg_req_param(c->req, "version"), 1, 1000000, &version) != EG_OK)) {
        not_found(c->req);
        return;
    }
    struct eg_tx *tx;
    enum eg_err rc = eg_db_begin(c->db, EG_TX_WRITE, &tx);
    if (rc != EG_OK) {
        eg_resp_err(c->req, rc, NULL);
        return;
    }
    struct eg_buf msg = EG_BUF_INIT(1024);
    rc = retire ? eg_procedure_retire(tx, code, c->now_ms)
                : eg_procedure_publish(tx, code, (int)version, c->now_ms, &msg);
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
        not_found(c->req);
    else if (rc != EG_OK)
        answer_err(c, rc, &msg);
    eg_buf_release(&msg);
    if (rc != EG_OK)
        return;
    json_t *doc = NULL;
    rc = eg_procedure_get(c->db, code, retire, &doc); /* published: the current version */
    if (rc != EG_OK)
        eg_resp_err(c->req, rc, NULL);
    else
        eg_resp_json(c->req, 200, doc);
}

void
eg_api_admin_procedure_publish(struct eg_call *c, void *ctx)
{
    (void)ctx;
    change(c, false);
}

void
eg_api_admin_procedure_retire(struct eg_call *c, void *ctx)
{
    (void)ctx;
    change(c, true);
}

/* POST /api/v1/admin/procedure-catalogue[?publish=true]: all or nothing. */
void
eg_api_admin_procedure_import(struct eg_call *c, void *ctx)
{
    (void)ctx;
    if (!eg_api_catalogue_keeper(c))
        return;
    json_t *cat;
    if (eg_api_read_json(c->req, &cat) != EG_OK)
        return;
    bool pub = false;
    if (!publish_flag(c->req, &pub)) {
        json_decref(cat);
        return;
    }
    struct eg_buf msg = EG_BUF_INIT(2048);
    struct eg_tx *tx;
    size_t count = 0;
    enum eg_err rc = eg_db_begin(c->db, EG_TX_WRITE, &tx);
    if (rc == EG_OK) {
        rc = eg_procedure_import(tx, cat, pub, false, actor(c), c->now_ms, &count, &msg);
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
    if (rc != EG_OK)
        answer_err(c, rc == EG_ENOTFOUND ? EG_EINVAL : rc, &msg);
    else
        eg_resp_json(c->req, 200,
                     json_pack("{s:I, s:b}", "imported", (json_int_t)count, "published", pub));
    eg_buf_release(&msg);
    json_decref(cat);
}
