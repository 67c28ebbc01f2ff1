/*
 * dossier_track.c - public tracking ("Tra cứu hồ sơ"): /tra-cuu with a search
 * box (GET ?ma=CODE, sent on to /tra-cuu/CODE) and /tra-cuu/{code}, the link
 * on the receipt's QR code and in the notification mails. Only the public
 * view of dossiers/ is shown: status, procedure, agency, dates and the
 * timeline's steps, no names, notes or personal data. An unknown or malformed
 * code is a 404 page that says so, with the code as typed (escaped).
 */
#include "portal_int.h"

#include <ctype.h>
#include <string.h>

#define TYPED_MAX 200 /* bytes of a code typed, shown back on the not-found page */

static void
render(struct page *pg, json_t *d, const char *typed, int status)
{
    json_object_set_new(pg->ctx, "d", d ? d : json_null());
    json_object_set_new(pg->ctx, "ma", typed ? json_string(typed) : json_null());
    json_object_set_new(pg->ctx, "not_found", json_boolean(status == 404));
    json_object_set_new(pg->ctx, "nav_track", json_true());
    eg_resp_header(pg->c->req, "Cache-Control", "no-cache");
    pg_render(pg, status, "track");
}

/* The code as people type it: spaces around it dropped, letters in upper case. */
static char *
normalise(struct eg_call *c, const char *s)
{
    while (*s == ' ')
        s++;
    char *out = eg_arena_strdup(eg_req_arena(c->req), s);
    if (!out)
        return NULL;
    size_t n = strlen(out);
    while (n > 0 && out[n - 1] == ' ')
        out[--n] = '\0';
    for (char *p = out; *p; p++)
        if (*p >= 'a' && *p <= 'z')
            *p = (char)toupper((unsigned char)*p);
    return out;
}

void
pg_track(struct eg_call *c, void *ctx)
{
    struct page pg;
    pg_begin(&pg, c, ctx);
    const char *ma = eg_req_query(c->req, "ma");
    if (!ma || !*ma) {
        render(&pg, NULL, NULL, 200);
        return;
    }
    const char *shown = strlen(ma) <= TYPED_MAX ? ma : NULL;
    char *code = strlen(ma) <= TYPED_MAX ? normalise(c, ma) : NULL;
    if (code && eg_dossier_code_valid(code)) {
        pg_release(&pg);
        pg_redirect(c, eg_arena_printf(eg_req_arena(c->req), "/tra-cuu/%s", code));
        return;
    }
    render(&pg, NULL, shown, 404);
}

void
pg_track_code(struct eg_call *c, void *ctx)
{
    const struct eg_portal_config *cfg = ctx;
    struct page pg;
    pg_begin(&pg, c, ctx);
    if (!dv_ready(&pg))
        return;
    const char *code = eg_req_param(c->req, "code");
    struct eg_actor anyone = {.remote = eg_req_remote(c->req), .request_id = eg_req_id(c->req)};
    json_t *d = NULL;
    enum eg_err rc = eg_dossier_code_valid(code)
                         ? eg_dossier_get(cfg->dossiers, &anyone, code, EG_VIEW_PUBLIC, pg.lang, &d)
                         : EG_ENOTFOUND;
    if (rc == EG_ENOTFOUND) {
        render(&pg, NULL, code && strlen(code) <= TYPED_MAX ? code : NULL, 404);
        return;
    }
    if (rc != EG_OK) {
        pg_release(&pg);
        eg_resp_err(c->req, rc, NULL);
        return;
    }
    dv_shape(&pg, d, NULL, false);
    render(&pg, d, code, 200);
}
