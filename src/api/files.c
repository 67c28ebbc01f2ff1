/*
 * files.c - POST /api/v1/files and GET /api/v1/files/{id}: one's own
 * attachments, stored by files/ (docs/files.md). The upload route streams its
 * body to the spool (EG_GATE_UPLOAD), so the handler gets files on disk with
 * their SHA-256 already computed; files/ decides the type by content, stores
 * the blob once, and records the attachment in the same transaction as its
 * audit entry.
 */
#include "api_int.h"

#include <stdio.h>
#include <string.h>

static bool
en(struct eg_req *r)
{
    return strcmp(eg_req_lang(r), "en") == 0;
}

/* The one file of the request, or NULL with a 400 answered. */
static const struct eg_upload_file *
one_file(struct eg_req *r)
{
    const struct eg_upload *up = eg_req_upload(r);
    if (!up || up->nfiles == 0) {
        eg_resp_error(r, 400, "no_file",
                      en(r) ? "No file was sent: send it as the body, or as a multipart/form-data "
                              "file field."
                            : "Chưa có tệp nào được gửi lên: hãy gửi tệp làm nội dung yêu cầu, "
                              "hoặc trong một trường tệp của biểu mẫu multipart/form-data.");
        return NULL;
    }
    if (up->nfiles > 1) {
        eg_resp_error(r, 400, "one_file",
                      en(r) ? "One file per request, please."
                            : "Mỗi yêu cầu chỉ nhận một tệp; hãy gửi từng tệp một.");
        return NULL;
    }
    return &up->files[0];
}

static json_t *
attachment_json(const struct eg_attachment *a)
{
    return json_pack("{s:I, s:s, s:I, s:s, s:s}", "id", (json_int_t)a->id, "sha256", a->sha256,
                     "size", (json_int_t)a->size, "type", eg_ftype_mime(a->type), "filename",
                     a->filename);
}

void
eg_api_file_upload(struct eg_call *c, void *ctx)
{
    struct eg_api *api = ctx;
    struct eg_req *r = c->req;
    if (!api || !api->files) {
        eg_resp_err(r, EG_EUNAVAIL, NULL);
        return;
    }
    struct eg_buf msg = EG_BUF_INIT(1024);
    unsigned accept = EG_FTYPE_SCANS;
    const char *q = eg_req_query(r, "accept");
    if (q && eg_ftype_parse(q, &accept, &msg) != EG_OK) {
        eg_resp_error(r, 400, "invalid_argument",
                      eg_arena_strdup(eg_req_arena(r), eg_buf_str(&msg)));
        eg_buf_release(&msg);
        return;
    }
    const struct eg_upload_file *f = one_file(r);
    if (!f) {
        eg_buf_release(&msg);
        return;
    }
    /* A raw body's name comes in ?filename=; a form's with its file part. */
    const char *name = eg_req_upload(r)->multipart ? f->filename : eg_req_query(r, "filename");
    struct eg_blob_src src = {.fd = f->fd, .path = f->path, .sha256 = f->sha256};
    struct eg_blob blob;
    enum eg_err rc = eg_files_store(api->files, &src, accept, &blob, &msg);
    if (rc == EG_EINVAL) {
        eg_resp_error(r, 415, "unsupported_file_type",
                      msg.len ? eg_arena_strdup(eg_req_arena(r), msg.p) : NULL);
        eg_buf_release(&msg);
        return;
    }
    eg_buf_release(&msg);
    struct eg_attach in = {
        .filename = name,
        .declared_type = f->ctype,
        .owner_account = c->who.account_id,
        .owner_kind = "upload",
    };
    struct eg_attachment a;
    struct eg_tx *tx = NULL;
    if (rc == EG_OK)
        rc = eg_db_begin(c->db, EG_TX_WRITE, &tx);
    if (rc == EG_OK)
        rc = eg_files_attach_tx(tx, &blob, &in, c->now_ms, &a);
    if (rc == EG_OK) {
        char object[48], detail[160];
        snprintf(object, sizeof(object), "attachment:%lld", (long long)a.id);
        snprintf(detail, sizeof(detail), "{\"sha256\":\"%s\",\"size\":%llu,\"type\":\"%s\"}",
                 a.sha256, (unsigned long long)a.size, eg_ftype_mime(a.type));
        rc = eg_gate_audit(c, tx, "file.upload", object, true, detail);
    }
    if (rc == EG_OK)
        rc = eg_tx_commit(tx);
    else
        eg_tx_rollback(tx);
    /* Committed: the blob must still be there (gc may have run in between). */
    if (rc == EG_OK)
        rc = eg_files_settle(api->files, &src, &blob);
    if (rc != EG_OK) {
        eg_resp_err(r, rc, NULL);
        return;
    }
    char loc[64];
    snprintf(loc, sizeof(loc), "/api/v1/files/%lld", (long long)a.id);
    eg_resp_header(r, "Location", loc);
    eg_resp_json(r, 201, attachment_json(&a));
}

void
eg_api_file_get(struct eg_call *c, void *ctx)
{
    struct eg_api *api = ctx;
    struct eg_req *r = c->req;
    long long id;
    struct eg_attachment a;
    /* Someone else's file answers exactly like one that does not exist. */
    if (eg_parse_i64(eg_req_param(r, "id"), 1, INT64_MAX, &id) != EG_OK) {
        eg_resp_error(r, 404, "not_found", NULL);
        return;
    }
    if (!api || !api->files) {
        eg_resp_err(r, EG_EUNAVAIL, NULL);
        return;
    }
    enum eg_err rc = eg_files_get(c->db, id, &a);
    if (rc == EG_ENOTFOUND || (rc == EG_OK && a.owner_account != c->who.account_id)) {
        eg_resp_error(r, 404, "not_found", NULL);
        return;
    }
    int fd = -1;
    uint64_t size = 0;
    if (rc == EG_OK)
        rc = eg_files_open_blob(api->files, a.sha256, &fd, &size);
    if (rc != EG_OK) {
        /* A row whose blob is gone is lost data, not a missing resource. */
        eg_resp_err(r, rc == EG_ENOTFOUND ? EG_EIO : rc, NULL);
        return;
    }
    eg_resp_header(r, "Cache-Control", "private, no-store");
    eg_resp_file(r, fd, size, eg_ftype_mime(a.type), a.filename);
}
