/*
 * dossiers.c - /api/v1/dossiers, /api/v1/drafts and /api/v1/track: submission,
 * counter intake, the workflow's actions, lists and the public tracking view
 * (docs/dossiers.md). Business rules live in dossiers/; this file reads
 * requests and writes answers.
 */
#include "api_int.h"

#include "dossiers/dossiers.h"
#include "files/files.h"
#include "notify/notify.h"

#include <openssl/sha.h>
#include <stdio.h>
#include <string.h>

static bool
en(struct eg_req *r)
{
    return strcmp(eg_req_lang(r), "en") == 0;
}

static struct eg_actor
actor_of(struct eg_call *c)
{
    struct eg_actor a = {
        .subject = c->subject,
        .remote = eg_req_remote(c->req),
        .request_id = eg_req_id(c->req),
    };
    return a;
}

static bool
ready(struct eg_api *api, struct eg_req *r)
{
    if (api && api->dossiers)
        return true;
    eg_resp_err(r, EG_EUNAVAIL, NULL);
    return false;
}

/* An error from dossiers/: its sentence when it has one. A refusal is audited like the gate's. */
static void
fail_call(struct eg_call *c, enum eg_err rc, const struct eg_buf *msg)
{
    struct eg_req *r = c->req;
    const char *text = msg->len ? eg_arena_strdup(eg_req_arena(r), msg->p) : NULL;
    if (rc == EG_EFORBIDDEN) {
        eg_gate_refuse(c, "forbidden",
                       text    ? text
                       : en(r) ? "You may not do this with this dossier."
                               : "Bạn không có quyền thực hiện thao tác này với hồ sơ này.");
        return;
    }
    if (rc == EG_ENOTFOUND)
        eg_resp_error(r, 404, "not_found",
                      en(r) ? "No such dossier." : "Không tìm thấy hồ sơ này.");
    else
        eg_resp_err(r, rc, text);
}

/* The same for the public route, which refuses nobody. */
static void
fail(struct eg_req *r, enum eg_err rc, const struct eg_buf *msg)
{
    const char *text = msg->len ? eg_arena_strdup(eg_req_arena(r), msg->p) : NULL;
    if (rc == EG_ENOTFOUND)
        eg_resp_error(r, 404, "not_found",
                      en(r) ? "No such dossier." : "Không tìm thấy hồ sơ này.");
    else
        eg_resp_err(r, rc, text);
}

/*
 * A write that waits for its durable commit runs on the gate's write threads
 * (eg_gate_run_write), so the HTTP threads keep serving while it waits and
 * the writes of many requests share one fsync. The job lives in the
 * request's arena; work fills rc, ref and msg, finish answers.
 */
struct write_job {
    struct eg_api *api;
    struct eg_actor actor;
    json_t *in; /* the request's JSON, released with the request (job_cleanup) */
    struct eg_dossier_new n;
    struct eg_dossier_act act;
    const char *code;
    long long id;
    enum eg_err rc;
    struct eg_dossier_ref ref;
    struct eg_buf msg;
};

/* What a job holds, released with the request whether finish ran or not (a full queue). */
static void
job_cleanup(void *arg)
{
    struct write_job *j = arg;
    json_decref(j->in);
    j->in = NULL;
    eg_buf_release(&j->msg);
}

static struct write_job *
job_new(struct eg_call *c, struct eg_api *api, json_t *in)
{
    struct write_job *j = eg_arena_zalloc(eg_req_arena(c->req), sizeof(*j));
    if (!j || eg_arena_cleanup(eg_req_arena(c->req), job_cleanup, j) != EG_OK) {
        json_decref(in);
        eg_resp_err(c->req, EG_ENOMEM, NULL);
        return NULL;
    }
    j->api = api;
    j->actor = actor_of(c);
    j->in = in;
    eg_buf_init(&j->msg, 2048);
    return j;
}

/* finish's common part: false (and the error answered) when work failed. */
static bool
job_done(struct eg_call *c, struct write_job *j)
{
    bool ok = j->rc == EG_OK;
    if (!ok)
        fail_call(c, j->rc, &j->msg);
    return ok;
}

/* "files":[{"id":N,"component":I} | {"id":N,"field":"name"}] into refs (arena strings). */
static enum eg_err
file_refs(struct eg_req *r, const json_t *files, struct eg_dossier_file_ref **out, size_t *n)
{
    *out = NULL;
    *n = 0;
    if (!files)
        return EG_OK;
    size_t count = json_array_size(files);
    if (!json_is_array(files) || count > EG_DOSSIER_MAX_FILES) {
        eg_resp_error(r, 400, "invalid_argument",
                      en(r) ? "files: a list of at most 100 {id, component | field}."
                            : "files: danh sách tối đa 100 mục {id, component hoặc field}.");
        return EG_EINVAL;
    }
    struct eg_dossier_file_ref *refs =
        count ? eg_arena_zalloc(eg_req_arena(r), count * sizeof(*refs)) : NULL;
    if (count && !refs) {
        eg_resp_err(r, EG_ENOMEM, NULL);
        return EG_ENOMEM;
    }
    size_t i;
    const json_t *f;
    json_array_foreach(files, i, f)
    {
        const json_t *id = json_object_get(f, "id"), *comp = json_object_get(f, "component");
        const json_t *field = json_object_get(f, "field");
        bool ok = json_is_object(f) && json_is_integer(id) && json_integer_value(id) > 0 &&
                  (!comp || (json_is_integer(comp) && json_integer_value(comp) >= 0 &&
                             json_integer_value(comp) < 1000)) &&
                  (!field || (json_is_string(field) && json_string_length(field) < 64)) &&
                  json_object_size(f) <= 3 && (comp || field);
        if (!ok) {
            eg_resp_error(r, 400, "invalid_argument",
                          en(r) ? "files: each item is {id, component} or {id, field}."
                                : "files: mỗi mục gồm id và component (số thứ tự thành phần "
                                  "hồ sơ) hoặc field (mục tệp của tờ khai).");
            return EG_EINVAL;
        }
        refs[i].attachment_id = json_integer_value(id);
        refs[i].component = comp ? (int)json_integer_value(comp) : -1;
        refs[i].field = field ? eg_arena_strdup(eg_req_arena(r), json_string_value(field)) : NULL;
    }
    *out = refs;
    *n = count;
    return EG_OK;
}

static json_t *
ref_json(const struct eg_dossier_ref *ref)
{
    json_t *o = json_pack("{s:I,s:s,s:s,s:i}", "id", (json_int_t)ref->id, "status",
                          eg_dossier_state_str(ref->state), "status_title",
                          eg_dossier_state_title(ref->state, "vi"), "version", ref->version);
    if (o) {
        json_object_set_new(o, "code", ref->code[0] ? json_string(ref->code) : json_null());
        json_object_set_new(o, "due", ref->due[0] ? json_string(ref->due) : json_null());
        if (ref->due_ms) {
            char at[EG_DATETIME_STR];
            eg_datetime_format(ref->due_ms, at);
            json_object_set_new(o, "due_at", json_string(at));
        }
    }
    return o;
}

static void
hash_hex(const void *p, size_t n, char out[65])
{
    unsigned char md[SHA256_DIGEST_LENGTH];
    SHA256(p, n, md);
    for (int i = 0; i < SHA256_DIGEST_LENGTH; i++)
        snprintf(out + 2 * (size_t)i, 3, "%02x", md[i]);
}

static const struct eg_json_field new_fields[] = {
    {"procedure", EG_JSON_STRING, true, 64, 0, 0},
    {"agency", EG_JSON_STRING, false, 40, 0, 0},
    {"form", EG_JSON_OBJECT, false, 0, 0, 0},
    {"files", EG_JSON_ARRAY, false, EG_DOSSIER_MAX_FILES, 0, 0},
    {"draft", EG_JSON_BOOL, false, 0, 0, 0},
    {"channel", EG_JSON_STRING, false, 16, 0, 0},
    {"applicant", EG_JSON_OBJECT, false, 0, 0, 0},
    {"paper", EG_JSON_ARRAY, false, 50, 0, 0},
};

static const struct eg_json_field applicant_fields[] = {
    {"name", EG_JSON_STRING, true, 255, 0, 0},        {"kind", EG_JSON_STRING, false, 16, 0, 0},
    {"email", EG_JSON_STRING, false, 254, 0, 0},      {"phone", EG_JSON_STRING, false, 20, 0, 0},
    {"account", EG_JSON_INT, false, 0, 1, INT64_MAX},
};

/* Reads the body of a new dossier or a draft into n; false when answered. */
static bool
read_new(struct eg_req *r, json_t *in, struct eg_dossier_new *n)
{
    memset(n, 0, sizeof(*n));
    if (eg_api_check(r, in, new_fields, EG_ARRAY_LEN(new_fields)) != EG_OK)
        return false;
    const json_t *app = json_object_get(in, "applicant");
    if (app && eg_api_check(r, app, applicant_fields, EG_ARRAY_LEN(applicant_fields)) != EG_OK)
        return false;
    const json_t *paper = json_object_get(in, "paper");
    size_t i;
    const json_t *p;
    json_array_foreach(paper, i, p)
    {
        if (!json_is_integer(p) || json_integer_value(p) < 0 || json_integer_value(p) >= 1000) {
            eg_resp_error(r, 400, "invalid_argument",
                          en(r) ? "paper: the numbers of the components handed in on paper."
                                : "paper: số thứ tự các thành phần hồ sơ nộp bản giấy.");
            return false;
        }
    }
    n->procedure_code = json_string_value(json_object_get(in, "procedure"));
    n->agency_code = json_string_value(json_object_get(in, "agency"));
    n->form = json_object_get(in, "form");
    n->draft = json_is_true(json_object_get(in, "draft"));
    n->paper = paper;
    const char *ch = json_string_value(json_object_get(in, "channel"));
    n->channel = EG_CHANNEL_ONLINE;
    if (ch && eg_channel_parse(ch, &n->channel) != EG_OK) {
        eg_resp_error(r, 400, "invalid_argument",
                      en(r) ? "channel: online, counter, post, phone or fax."
                            : "channel: online, counter, post, phone hoặc fax.");
        return false;
    }
    n->applicant_name = json_string_value(json_object_get(app, "name"));
    n->applicant_kind = json_string_value(json_object_get(app, "kind"));
    n->applicant_email = json_string_value(json_object_get(app, "email"));
    n->applicant_phone = json_string_value(json_object_get(app, "phone"));
    n->applicant_account = json_integer_value(json_object_get(app, "account"));
    struct eg_dossier_file_ref *refs;
    size_t nrefs;
    if (file_refs(r, json_object_get(in, "files"), &refs, &nrefs) != EG_OK)
        return false;
    n->files = refs;
    n->nfiles = nrefs;
    return true;
}

static void
new_work(struct eg_call *c, void *data)
{
    (void)c;
    struct write_job *j = data;
    j->rc = eg_dossier_create(j->api->dossiers, &j->actor, &j->n, &j->ref, &j->msg);
}

static void
new_finish(struct eg_call *c, void *data)
{
    struct write_job *j = data;
    struct eg_req *r = c->req;
    if (!job_done(c, j))
        return;
    if (!j->ref.replayed)
        eg_notifier_kick(c->notifier);
    char loc[128];
    if (j->ref.code[0])
        snprintf(loc, sizeof(loc), "/api/v1/dossiers/%s", j->ref.code);
    else
        snprintf(loc, sizeof(loc), "/api/v1/drafts/%lld", (long long)j->ref.id);
    eg_resp_header(r, "Location", loc);
    if (j->ref.replayed)
        eg_resp_header(r, "Idempotent-Replayed", "true");
    eg_resp_json(r, 201, ref_json(&j->ref));
}

void
eg_api_dossier_new(struct eg_call *c, void *ctx)
{
    struct eg_api *api = ctx;
    struct eg_req *r = c->req;
    if (!ready(api, r))
        return;
    const char *key = eg_req_header(r, "Idempotency-Key");
    if (key && (strlen(key) == 0 || strlen(key) > 255)) {
        eg_resp_error(r, 400, "invalid_argument",
                      en(r) ? "Idempotency-Key: 1 to 255 characters."
                            : "Idempotency-Key: từ 1 đến 255 ký tự.");
        return;
    }
    json_t *in = NULL;
    if (eg_api_read_json(r, &in) != EG_OK)
        return;
    struct write_job *j = job_new(c, api, in); /* j holds in from here on */
    if (!j || !read_new(r, in, &j->n))
        return;
    char *hash = eg_arena_alloc(eg_req_arena(r), 65);
    if (!hash) {
        eg_resp_err(r, EG_ENOMEM, NULL);
        return;
    }
    struct eg_str body = eg_req_body(r);
    hash_hex(body.p, body.n, hash);
    j->n.idem_key = key;
    j->n.request_hash = hash;
    eg_gate_run_write(c, new_work, new_finish, j);
}

void
eg_api_dossiers(struct eg_call *c, void *ctx)
{
    struct eg_api *api = ctx;
    struct eg_req *r = c->req;
    if (!ready(api, r))
        return;
    struct eg_dossier_query q = {
        .queue = c->subject.kind == EG_SUBJECT_STAFF ? EG_QUEUE_ALL : EG_QUEUE_MINE, .limit = 20};
    const char *queue = eg_req_query(r, "queue");
    if (queue && eg_queue_parse(queue, &q.queue) != EG_OK) {
        eg_resp_error(r, 400, "invalid_argument",
                      en(r) ? "queue: mine, new, assigned, step, due_soon, overdue, results or all."
                            : "queue: hàng đợi không hợp lệ (mine, new, assigned, step, due_soon, "
                              "overdue, results, all).");
        return;
    }
    enum eg_dossier_state st;
    q.state = eg_req_query(r, "state");
    if (q.state && eg_dossier_state_parse(q.state, &st) != EG_OK) {
        eg_resp_error(r, 400, "invalid_argument",
                      en(r) ? "state: unknown state." : "state: trạng thái không hợp lệ.");
        return;
    }
    long long page, limit;
    if (eg_api_query_int(r, "page", 1, 10000, 1, &page) != EG_OK ||
        eg_api_query_int(r, "limit", 1, 100, 20, &limit) != EG_OK)
        return;
    q.limit = (int)limit;
    q.offset = (int)((page - 1) * limit);
    json_t *out = NULL;
    enum eg_err rc = eg_dossier_list(api->dossiers, &(struct eg_actor){.subject = c->subject}, &q,
                                     eg_req_lang(r), &out);
    if (rc == EG_EFORBIDDEN) {
        eg_gate_refuse(c, "forbidden",
                       en(r) ? "This list is for staff; yours is queue=mine."
                             : "Danh sách này dành cho cán bộ; hồ sơ của bạn ở queue=mine.");
        return;
    }
    if (rc != EG_OK) {
        eg_resp_err(r, rc, NULL);
        return;
    }
    json_object_set_new(out, "page", json_integer(page));
    eg_resp_header(r, "Cache-Control", "private, no-store");
    eg_resp_json(r, 200, out);
}

void
eg_api_dossier(struct eg_call *c, void *ctx)
{
    struct eg_api *api = ctx;
    struct eg_req *r = c->req;
    if (!ready(api, r))
        return;
    struct eg_actor a = actor_of(c);
    json_t *out = NULL;
    enum eg_err rc = eg_dossier_get(api->dossiers, &a, eg_req_param(r, "code"), EG_VIEW_FULL,
                                    eg_req_lang(r), &out);
    if (rc != EG_OK) {
        struct eg_buf none = EG_BUF_INIT(16);
        fail_call(c, rc, &none);
        return;
    }
    eg_resp_header(r, "Cache-Control", "private, no-store");
    eg_resp_json(r, 200, out);
}

void
eg_api_track(struct eg_req *r, void *ctx)
{
    struct eg_api *api = ctx;
    if (!ready(api, r))
        return;
    struct eg_buf out = EG_BUF_INIT(1 << 20);
    enum eg_err rc =
        eg_dossier_track_json(api->dossiers, eg_req_param(r, "code"), eg_req_lang(r), &out);
    if (rc == EG_OK)
        rc = eg_buf_addc(&out, '\n');
    if (rc != EG_OK) {
        eg_buf_release(&out);
        struct eg_buf none = EG_BUF_INIT(16);
        fail(r, rc, &none);
        return;
    }
    eg_resp_header(r, "Cache-Control", "no-cache");
    eg_resp_bytes(r, 200, "application/json", out.p, out.len);
    eg_buf_release(&out);
}

static const struct eg_json_field act_fields[] = {
    {"action", EG_JSON_STRING, true, 32, 0, 0},
    {"version", EG_JSON_INT, true, 0, 1, INT32_MAX},
    {"note", EG_JSON_STRING, false, 2000, 0, 0},
    {"assignee", EG_JSON_INT, false, 0, 1, INT64_MAX},
    {"new_due", EG_JSON_STRING, false, 10, 0, 0},
    {"files", EG_JSON_ARRAY, false, EG_DOSSIER_MAX_FILES, 0, 0},
};

static void
act_work(struct eg_call *c, void *data)
{
    (void)c;
    struct write_job *j = data;
    j->rc = eg_dossier_do(j->api->dossiers, &j->actor, j->code, &j->act, &j->ref, &j->msg);
}

static void
act_finish(struct eg_call *c, void *data)
{
    struct write_job *j = data;
    if (!job_done(c, j))
        return;
    eg_notifier_kick(c->notifier);
    eg_resp_json(c->req, 200, ref_json(&j->ref));
}

void
eg_api_dossier_act(struct eg_call *c, void *ctx)
{
    struct eg_api *api = ctx;
    struct eg_req *r = c->req;
    if (!ready(api, r))
        return;
    json_t *in = NULL;
    if (eg_api_read_json(r, &in) != EG_OK)
        return;
    if (eg_api_check(r, in, act_fields, EG_ARRAY_LEN(act_fields)) != EG_OK) {
        json_decref(in);
        return;
    }
    struct eg_dossier_act act = {0};
    if (eg_dossier_action_parse(json_string_value(json_object_get(in, "action")), &act.action) !=
        EG_OK) {
        json_decref(in);
        eg_resp_error(r, 400, "invalid_argument",
                      en(r) ? "action: receive, refuse, assign, forward, send_back, "
                              "request_supplement, supplement, approve, reject, extend, "
                              "return_result, withdraw or stop."
                            : "action: thao tác không hợp lệ (receive, refuse, assign, forward, "
                              "send_back, request_supplement, supplement, approve, reject, "
                              "extend, return_result, withdraw, stop).");
        return;
    }
    act.version = (int)json_integer_value(json_object_get(in, "version"));
    act.note = json_string_value(json_object_get(in, "note"));
    act.assignee = json_integer_value(json_object_get(in, "assignee"));
    act.new_due = json_string_value(json_object_get(in, "new_due"));
    struct eg_dossier_file_ref *refs;
    size_t nrefs;
    if (file_refs(r, json_object_get(in, "files"), &refs, &nrefs) != EG_OK) {
        json_decref(in);
        return;
    }
    act.files = refs;
    act.nfiles = nrefs;
    struct write_job *j = job_new(c, api, in);
    if (!j)
        return;
    j->act = act;
    j->code = eg_req_param(r, "code");
    eg_gate_run_write(c, act_work, act_finish, j);
}

void
eg_api_dossier_file(struct eg_call *c, void *ctx)
{
    struct eg_api *api = ctx;
    struct eg_req *r = c->req;
    if (!ready(api, r))
        return;
    if (!api->files) {
        eg_resp_err(r, EG_EUNAVAIL, NULL);
        return;
    }
    long long id;
    int64_t att = 0;
    struct eg_actor a = actor_of(c);
    enum eg_err rc = eg_parse_i64(eg_req_param(r, "id"), 1, INT64_MAX, &id);
    if (rc == EG_OK)
        rc = eg_dossier_file(api->dossiers, &a, eg_req_param(r, "code"), id, &att);
    struct eg_attachment at;
    if (rc == EG_OK)
        rc = eg_files_get(c->db, att, &at);
    if (rc != EG_OK) {
        eg_resp_error(r, 404, "not_found", NULL);
        return;
    }
    int fd = -1;
    uint64_t size = 0;
    rc = eg_files_open_blob(api->files, at.sha256, &fd, &size);
    if (rc != EG_OK) {
        eg_resp_err(r, rc == EG_ENOTFOUND ? EG_EIO : rc, NULL);
        return;
    }
    eg_resp_header(r, "Cache-Control", "private, no-store");
    eg_resp_file(r, fd, size, eg_ftype_mime(at.type), at.filename);
}

/* GET /api/v1/dossiers/{code}/slips/{n}: one of the one-stop shop's slips (01-06) as a PDF. */
void
eg_api_dossier_slip(struct eg_call *c, void *ctx)
{
    struct eg_api *api = ctx;
    struct eg_req *r = c->req;
    if (!ready(api, r))
        return;
    long long n;
    if (eg_parse_i64(eg_req_param(r, "n"), 1, 6, &n) != EG_OK) {
        eg_resp_error(r, 404, "not_found",
                      en(r) ? "Slips are numbered 1 to 6." : "Các phiếu được đánh số từ 1 đến 6.");
        return;
    }
    struct eg_actor a = actor_of(c);
    json_t *d = NULL;
    const char *code = eg_req_param(r, "code");
    enum eg_err rc = eg_dossier_get(api->dossiers, &a, code, EG_VIEW_FULL, "vi", &d);
    struct eg_buf msg = EG_BUF_INIT(1024);
    if (rc != EG_OK) {
        fail_call(c, rc, &msg);
        return;
    }
    if (!eg_slip_available(d, (enum eg_slip)n)) {
        json_decref(d);
        eg_resp_error(r, 404, "not_found",
                      en(r) ? "This dossier has no such slip (yet)."
                            : "Hồ sơ này chưa có (hoặc không có) phiếu này.");
        return;
    }
    char url[700];
    eg_dossier_track_url(api->dossiers, code, url, sizeof(url));
    struct eg_buf pdf = EG_BUF_INIT(16u << 20);
    rc = eg_slip_pdf(d, (enum eg_slip)n, url, &pdf, &msg);
    json_decref(d);
    if (rc != EG_OK) {
        fail_call(c, rc, &msg);
    } else {
        /* The code passed eg_dossier_code_valid (digits, capitals, dots, dashes): header-safe. */
        const char *cd =
            eg_arena_printf(eg_req_arena(r), "inline; filename=\"phieu-%02lld-%s.pdf\"", n, code);
        eg_resp_header(r, "Content-Disposition", cd ? cd : "inline");
        eg_resp_header(r, "Cache-Control", "private, no-store");
        eg_resp_bytes(r, 200, "application/pdf", pdf.p, pdf.len);
    }
    eg_buf_release(&msg);
    eg_buf_release(&pdf);
}

void
eg_api_draft(struct eg_call *c, void *ctx)
{
    struct eg_api *api = ctx;
    struct eg_req *r = c->req;
    if (!ready(api, r))
        return;
    long long id;
    json_t *out = NULL;
    struct eg_actor a = actor_of(c);
    enum eg_err rc = eg_parse_i64(eg_req_param(r, "id"), 1, INT64_MAX, &id);
    if (rc == EG_OK)
        rc = eg_dossier_get_draft(api->dossiers, &a, id, eg_req_lang(r), &out);
    if (rc == EG_OK && strcmp(json_string_value(json_object_get(out, "status")), "draft") != 0)
        rc = EG_ENOTFOUND;
    if (rc != EG_OK) {
        json_decref(out);
        eg_resp_error(r, 404, "not_found", en(r) ? "No such draft." : "Không có bản nháp này.");
        return;
    }
    eg_resp_header(r, "Cache-Control", "private, no-store");
    eg_resp_json(r, 200, out);
}

void
eg_api_draft_put(struct eg_call *c, void *ctx)
{
    struct eg_api *api = ctx;
    struct eg_req *r = c->req;
    if (!ready(api, r))
        return;
    long long id;
    if (eg_parse_i64(eg_req_param(r, "id"), 1, INT64_MAX, &id) != EG_OK) {
        eg_resp_error(r, 404, "not_found", NULL);
        return;
    }
    json_t *in = NULL;
    if (eg_api_read_json(r, &in) != EG_OK)
        return;
    /* The same body as a new dossier, with the version seen; procedure and agency are kept. */
    json_t *version = json_incref(json_object_get(in, "version"));
    json_object_del(in, "version");
    if (!json_object_get(in, "procedure"))
        json_object_set_new(in, "procedure", json_string("-"));
    struct eg_dossier_new n;
    if (!read_new(r, in, &n)) {
        json_decref(version);
        json_decref(in);
        return;
    }
    n.version = json_is_integer(version) ? (int)json_integer_value(version) : 0;
    struct eg_actor a = actor_of(c);
    struct eg_dossier_ref ref;
    struct eg_buf msg = EG_BUF_INIT(2048);
    enum eg_err rc = eg_dossier_draft_update(api->dossiers, &a, id, &n, &ref, &msg);
    json_decref(version);
    json_decref(in);
    if (rc != EG_OK) {
        if (rc == EG_ENOTFOUND)
            eg_resp_error(r, 404, "not_found", en(r) ? "No such draft." : "Không có bản nháp này.");
        else
            fail_call(c, rc, &msg);
        eg_buf_release(&msg);
        return;
    }
    eg_buf_release(&msg);
    eg_resp_json(r, 200, ref_json(&ref));
}

static void
submit_work(struct eg_call *c, void *data)
{
    (void)c;
    struct write_job *j = data;
    j->rc = eg_dossier_draft_submit(j->api->dossiers, &j->actor, j->id, &j->ref, &j->msg);
}

static void
submit_finish(struct eg_call *c, void *data)
{
    struct write_job *j = data;
    struct eg_req *r = c->req;
    if (j->rc == EG_ENOTFOUND) {
        eg_resp_error(r, 404, "not_found", en(r) ? "No such draft." : "Không có bản nháp này.");
        return;
    }
    if (!job_done(c, j))
        return;
    eg_notifier_kick(c->notifier);
    char loc[128];
    snprintf(loc, sizeof(loc), "/api/v1/dossiers/%s", j->ref.code);
    eg_resp_header(r, "Location", loc);
    eg_resp_json(r, 200, ref_json(&j->ref));
}

void
eg_api_draft_submit(struct eg_call *c, void *ctx)
{
    struct eg_api *api = ctx;
    struct eg_req *r = c->req;
    if (!ready(api, r))
        return;
    long long id;
    if (eg_parse_i64(eg_req_param(r, "id"), 1, INT64_MAX, &id) != EG_OK) {
        eg_resp_error(r, 404, "not_found", NULL);
        return;
    }
    struct write_job *j = job_new(c, api, NULL);
    if (!j)
        return;
    j->id = id;
    eg_gate_run_write(c, submit_work, submit_finish, j);
}

void
eg_api_draft_delete(struct eg_call *c, void *ctx)
{
    struct eg_api *api = ctx;
    struct eg_req *r = c->req;
    if (!ready(api, r))
        return;
    long long id;
    struct eg_actor a = actor_of(c);
    enum eg_err rc = eg_parse_i64(eg_req_param(r, "id"), 1, INT64_MAX, &id);
    if (rc == EG_OK)
        rc = eg_dossier_draft_delete(api->dossiers, &a, id);
    if (rc == EG_EINVAL || rc == EG_ENOTFOUND) {
        eg_resp_error(r, 404, "not_found", en(r) ? "No such draft." : "Không có bản nháp này.");
        return;
    }
    if (rc != EG_OK) {
        eg_resp_err(r, rc, NULL);
        return;
    }
    eg_resp_bytes(r, 204, "application/json", "", 0);
}
