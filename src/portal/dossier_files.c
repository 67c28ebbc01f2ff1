/*
 * dossier_files.c - a dossier's files and slips, for whoever may see the
 * dossier (its applicant, the staff of its units): a file through
 * eg_dossier_file (which audits staff downloads) and the files store; a slip
 * (01 receipt ... 06 control slip, Circular 01/2018) drawn by eg_slip_pdf from
 * the dossier's full view, with the public tracking link for the receipt's QR
 * code. The control slip is the agency's own: staff only.
 */
#include "portal_int.h"

#include "files/files.h"

#include <stdio.h>
#include <string.h>

#define SLIP_MAX ((size_t)8 << 20)

static void
not_found(struct eg_call *c, void *ctx)
{
    struct page pg;
    pg_begin(&pg, c, ctx);
    dv_not_found(&pg);
}

void
pg_dossier_file(struct eg_call *c, void *ctx)
{
    const struct eg_portal_config *cfg = ctx;
    if (!cfg->dossiers || !cfg->files) {
        eg_resp_err(c->req, EG_EUNAVAIL, NULL);
        return;
    }
    long long id;
    int64_t att = 0;
    struct eg_actor a = dv_actor(c);
    enum eg_err rc = eg_parse_i64(eg_req_param(c->req, "id"), 1, INT64_MAX, &id);
    if (rc == EG_OK)
        rc = eg_dossier_file(cfg->dossiers, &a, eg_req_param(c->req, "code"), id, &att);
    struct eg_attachment at;
    if (rc == EG_OK)
        rc = eg_files_get(c->db, att, &at);
    if (rc == EG_EINVAL || rc == EG_ENOTFOUND) {
        not_found(c, ctx);
        return;
    }
    int fd = -1;
    uint64_t size = 0;
    if (rc == EG_OK)
        rc = eg_files_open_blob(cfg->files, at.sha256, &fd, &size);
    if (rc != EG_OK) {
        /* A row whose blob is gone is lost data, not a missing file. */
        eg_resp_err(c->req, rc == EG_ENOTFOUND ? EG_EIO : rc, NULL);
        return;
    }
    eg_resp_header(c->req, "Cache-Control", "private, no-store");
    eg_resp_file(c->req, fd, size, eg_ftype_mime(at.type), at.filename);
}

void
pg_dossier_slip(struct eg_call *c, void *ctx)
{
    const struct eg_portal_config *cfg = ctx;
    if (!cfg->dossiers) {
        eg_resp_err(c->req, EG_EUNAVAIL, NULL);
        return;
    }
    long long n;
    const char *code = eg_req_param(c->req, "code");
    if (eg_parse_i64(eg_req_param(c->req, "n"), EG_SLIP_RECEIPT, EG_SLIP_CONTROL, &n) != EG_OK ||
        (n == EG_SLIP_CONTROL && c->subject.kind != EG_SUBJECT_STAFF)) {
        not_found(c, ctx);
        return;
    }
    struct eg_actor a = dv_actor(c);
    json_t *d = NULL;
    enum eg_err rc = eg_dossier_get(cfg->dossiers, &a, code, EG_VIEW_FULL, pg_lang(c), &d);
    if (rc == EG_ENOTFOUND || (rc == EG_OK && !eg_slip_available(d, (enum eg_slip)n))) {
        json_decref(d);
        not_found(c, ctx);
        return;
    }
    if (rc != EG_OK) {
        eg_resp_err(c->req, rc, NULL);
        return;
    }
    const char *base = cfg->public_url ? cfg->public_url : "";
    size_t bl = strlen(base);
    while (bl > 0 && base[bl - 1] == '/')
        bl--;
    const char *track =
        eg_arena_printf(eg_req_arena(c->req), "%.*s/tra-cuu/%s", (int)bl, base, code);
    struct eg_buf out = EG_BUF_INIT(SLIP_MAX), msg = EG_BUF_INIT(1024);
    rc = eg_slip_pdf(d, (enum eg_slip)n, track, &out, &msg);
    json_decref(d);
    if (rc == EG_OK) {
        /* The code is [0-9A-Z.-] (eg_dossier_code_valid): safe in the header. */
        const char *cd = eg_arena_printf(eg_req_arena(c->req),
                                         "inline; filename=\"phieu-%02lld-%s.pdf\"", n, code);
        eg_resp_header(c->req, "Content-Disposition", cd ? cd : "inline");
        eg_resp_header(c->req, "Cache-Control", "private, no-store");
        eg_resp_bytes(c->req, 200, "application/pdf", out.p, out.len);
    } else {
        eg_error("portal: slip %lld of dossier %s: %s: %s", n, code, eg_strerror(rc),
                 msg.len ? eg_buf_str(&msg) : "-");
        eg_resp_err(c->req, EG_EINTERNAL, NULL);
    }
    eg_buf_release(&out);
    eg_buf_release(&msg);
}
