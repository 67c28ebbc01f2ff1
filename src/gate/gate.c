/* gate.c - principal, CSRF, scope and permission before every gated handler. */
#include "gate.h"

#include "audit/audit.h"
#include "directory/directory.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

struct binding {
    struct eg_gate *gate;
    struct eg_gated_route route;
    enum eg_perm perm;
    struct binding *next;
};

struct eg_gate {
    struct eg_gate_config cfg;
    struct binding *bindings;
    struct eg_pool *writers; /* eg_gate_run_write(); NULL: on the HTTP thread */
};

/* Requests that may wait for a write thread, per thread. */
#define WRITE_QUEUE_PER_THREAD 32

enum eg_err
eg_gate_new(const struct eg_gate_config *c, struct eg_gate **out)
{
    struct eg_gate *g = calloc(1, sizeof(*g));
    if (!g)
        return EG_ENOMEM;
    g->cfg = *c;
    if (c->write_threads > 0 &&
        eg_pool_new(c->write_threads, c->write_threads * WRITE_QUEUE_PER_THREAD, false,
                    &g->writers) != EG_OK) {
        free(g);
        return EG_ENOMEM;
    }
    *out = g;
    return EG_OK;
}

void
eg_gate_free(struct eg_gate *g)
{
    if (!g)
        return;
    eg_pool_free(g->writers);
    while (g->bindings) {
        struct binding *b = g->bindings;
        g->bindings = b->next;
        free(b);
    }
    free(g);
}

/* ---- cookies ------------------------------------------------------------------ */

const char *
eg_cookie(struct eg_req *r, const char *name)
{
    const char *h = eg_req_header(r, "Cookie");
    size_t nl = strlen(name);
    while (h && *h) {
        while (*h == ' ' || *h == ';')
            h++;
        const char *end = strchr(h, ';');
        size_t len = end ? (size_t)(end - h) : strlen(h);
        if (len > nl && strncmp(h, name, nl) == 0 && h[nl] == '=')
            return eg_arena_strndup(eg_req_arena(r), h + nl + 1, len - nl - 1);
        h = end;
    }
    return NULL;
}

void
eg_gate_set_session(struct eg_req *r, const char *token)
{
    char v[160];
    snprintf(v, sizeof(v), EG_SESSION_COOKIE "=%s; Path=/; Secure; HttpOnly; SameSite=Lax", token);
    eg_resp_header(r, "Set-Cookie", v);
}

void
eg_gate_clear_session(struct eg_req *r)
{
    eg_resp_header(r, "Set-Cookie",
                   EG_SESSION_COOKIE "=; Path=/; Secure; HttpOnly; SameSite=Lax; Max-Age=0");
}

const char *
eg_gate_form_csrf(struct eg_call *c)
{
    if (c->who.session_id)
        return c->who.csrf;
    /* Before sign-in: a double-submit cookie, set on the page that shows the form. */
    const char *have = eg_cookie(c->req, EG_CSRF_COOKIE);
    if (have && strlen(have) == 43)
        return have;
    char *tok = eg_arena_alloc(eg_req_arena(c->req), EG_TOKEN_TEXT);
    unsigned char raw[32];
    if (!tok)
        return "";
    randombytes_buf(raw, sizeof(raw));
    sodium_bin2base64(tok, EG_TOKEN_TEXT, raw, sizeof(raw),
                      sodium_base64_VARIANT_URLSAFE_NO_PADDING);
    char v[160];
    snprintf(v, sizeof(v), EG_CSRF_COOKIE "=%s; Path=/; Secure; HttpOnly; SameSite=Strict", tok);
    eg_resp_header(c->req, "Set-Cookie", v);
    return tok;
}

/* ---- audit ---------------------------------------------------------------------- */

static const char *
actor_of(const struct eg_call *c, char *buf, size_t n)
{
    if (c->who.account_id)
        snprintf(buf, n, "account:%lld", (long long)c->who.account_id);
    else
        snprintf(buf, n, "anonymous");
    return buf;
}

enum eg_err
eg_gate_audit(struct eg_call *c, struct eg_tx *tx, const char *action, const char *object, bool ok,
              const char *detail)
{
    char actor[40];
    struct eg_audit_event e = {
        .actor = actor_of(c, actor, sizeof(actor)),
        .action = action,
        .object = object,
        .outcome = ok ? EG_AUDIT_SUCCESS : EG_AUDIT_FAILURE,
        .remote = eg_req_remote(c->req),
        .request_id = eg_req_id(c->req),
        .detail = detail,
    };
    return eg_audit_append(tx, &e, c->now_ms);
}

/* An authorization denial, in its own transaction: the request itself changes nothing. */
static void
audit_denial(struct eg_call *c, const char *perm, const char *why)
{
    struct eg_tx *tx;
    if (eg_db_begin(c->db, EG_TX_WRITE, &tx) != EG_OK)
        return;
    char actor[40], detail[160];
    snprintf(detail, sizeof(detail), "{\"perm\":\"%s\",\"method\":\"%s\",\"reason\":\"%s\"}", perm,
             eg_req_method(c->req), why);
    struct eg_audit_event e = {
        .actor = actor_of(c, actor, sizeof(actor)),
        .action = "authz.deny",
        .object = eg_req_path(c->req),
        .outcome = EG_AUDIT_DENIED,
        .remote = eg_req_remote(c->req),
        .request_id = eg_req_id(c->req),
        .detail = detail,
    };
    if (eg_audit_append(tx, &e, c->now_ms) == EG_OK && eg_tx_commit(tx) == EG_OK)
        return;
    eg_tx_rollback(tx);
    eg_warn("gate: could not audit a denial of %s", eg_req_path(c->req));
}

/*
 * A page that needs an account, asked for by someone not signed in: send them
 * to sign in and back (303 to /signin?next=PATH). The API keeps its 401.
 */
static bool
to_signin(struct eg_call *c)
{
    const char *path = eg_req_path(c->req);
    if (!path || strncmp(path, "/api/", 5) == 0 || strcmp(path, "/signin") == 0 ||
        strcmp(path, "/signin/code") == 0 || strlen(path) > 512)
        return false;
    struct eg_buf b = EG_BUF_INIT(2048);
    /* Half signed in: the second factor is what is missing. */
    enum eg_err rc = eg_buf_adds(&b, c->who.mfa_pending ? "/signin/code?next=" : "/signin?next=");
    for (const unsigned char *p = (const unsigned char *)path; *p && rc == EG_OK; p++) {
        if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
            strchr("/-._~", *p))
            rc = eg_buf_add(&b, (const char *)p, 1);
        else
            rc = eg_buf_printf(&b, "%%%02X", *p);
    }
    if (rc == EG_OK) {
        eg_resp_header(c->req, "Location", eg_buf_str(&b));
        eg_resp_bytes(c->req, 303, "text/plain; charset=utf-8", "", 0);
    }
    eg_buf_release(&b);
    return rc == EG_OK;
}

static void
deny(struct eg_call *c, enum eg_err rc, const char *perm, const char *code, const char *message)
{
    if (rc == EG_EUNAUTH && (!c->who.account_id || c->who.mfa_pending) && to_signin(c))
        return;
    if (rc == EG_EUNAUTH) {
        /* RFC 9110 §15.5.2: a 401 says how to authenticate. */
        eg_resp_header(c->req, "WWW-Authenticate", "Bearer realm=\"egov\"");
        eg_resp_error(c->req, 401, code ? code : "unauthenticated", message);
        return;
    }
    if (rc != EG_EFORBIDDEN) {
        eg_resp_err(c->req, rc, NULL);
        return;
    }
    audit_denial(c, perm, code ? code : "forbidden");
    eg_resp_error(c->req, 403, code ? code : "forbidden", message);
}

void
eg_gate_refuse(struct eg_call *c, const char *code, const char *message)
{
    audit_denial(c, "rule", code ? code : "forbidden");
    eg_resp_error(c->req, 403, code ? code : "forbidden", message);
}

enum eg_err
eg_gate_allow(struct eg_call *c, enum eg_perm p, const struct eg_access_target *t)
{
    struct eg_tx *tx;
    enum eg_err rc = eg_db_begin(c->db, EG_TX_READ, &tx);
    if (rc == EG_OK) {
        rc = eg_access_decide(tx, &c->subject, p, t);
        eg_tx_rollback(tx);
    }
    if (rc != EG_OK)
        deny(c, rc, eg_perm_str(p), NULL, NULL);
    return rc;
}

enum eg_err
eg_gate_allow_province(struct eg_call *c, enum eg_perm p)
{
    struct eg_tx *tx;
    int64_t root = 0;
    enum eg_err rc = eg_db_begin(c->db, EG_TX_READ, &tx);
    if (rc == EG_OK) {
        rc = eg_org_unit_root(tx, &root);
        eg_tx_rollback(tx);
    }
    if (rc != EG_OK) {
        eg_resp_err(c->req, rc, NULL);
        return rc;
    }
    struct eg_access_target t = {root, 0};
    return eg_gate_allow(c, p, &t);
}

/* ---- the front door ----------------------------------------------------------------- */

static bool
unsafe(const char *method)
{
    return strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0 &&
           strcmp(method, "OPTIONS") != 0;
}

static enum eg_err
resolve(struct eg_call *c)
{
    const char *auth = eg_req_header(c->req, "Authorization");
    if (auth) {
        if (strncasecmp(auth, "Bearer ", 7) != 0)
            return EG_EUNAUTH;
        return eg_api_token_resolve(c->db, auth + 7, c->now_ms, &c->who);
    }
    const char *token = eg_cookie(c->req, EG_SESSION_COOKIE);
    if (!token)
        return EG_OK;
    enum eg_err rc = eg_session_resolve(c->identity, c->db, token, c->now_ms, &c->who);
    if (rc == EG_EUNAUTH) {
        /* An ended session: carry on as nobody, and drop the stale cookie. */
        memset(&c->who, 0, sizeof(c->who));
        eg_gate_clear_session(c->req);
        return EG_OK;
    }
    return rc;
}

static bool
scope_allows(const struct eg_call *c, enum eg_perm p)
{
    if (!c->who.via_token)
        return true;
    const char *s = c->who.scopes;
    bool admin = strstr(s, "admin") != NULL;
    if (p != EG_PERM_PUBLIC && p != EG_PERM_SIGNED_IN && p != EG_PERM_SELF)
        return admin;
    if (unsafe(eg_req_method(c->req)))
        return admin || strstr(s, "write") != NULL;
    return true; /* every scope reads */
}

static const char *
form_field(struct eg_req *r, const char *name)
{
    const struct eg_upload *up = eg_req_upload(r);
    if (up)
        return eg_upload_field(up, name); /* a multipart body, streamed */
    struct eg_str body = eg_req_body(r);
    struct eg_kv *kv;
    size_t n;
    if (eg_form_parse(eg_req_arena(r), body.p, body.n, &kv, &n, 200, NULL) != EG_OK)
        return NULL;
    for (size_t i = 0; i < n; i++)
        if (strcmp(kv[i].key, name) == 0)
            return kv[i].value;
    return NULL;
}

/*
 * Will this request's CSRF token come in its body? A cookie session's
 * state-changing multipart upload carries it in the "csrf" field (a page's
 * form), unless an API client sent the header.
 */
static bool
csrf_in_body(struct eg_call *c, unsigned flags)
{
    if (!(flags & EG_GATE_UPLOAD) || !unsafe(eg_req_method(c->req)) || c->who.via_token)
        return false;
    const char *ct = eg_req_header(c->req, "Content-Type");
    bool multipart = ct && strncasecmp(ct, "multipart/form-data", 19) == 0;
    return multipart && ((flags & EG_GATE_FORM) || !eg_req_header(c->req, "X-CSRF-Token"));
}

static bool
csrf_ok(struct eg_call *c, unsigned flags)
{
    if (!unsafe(eg_req_method(c->req)) || c->who.via_token)
        return true;
    const char *given =
        (flags & EG_GATE_FORM) ? form_field(c->req, "csrf") : eg_req_header(c->req, "X-CSRF-Token");
    if (!given && (flags & EG_GATE_UPLOAD))
        given = form_field(c->req, "csrf"); /* a page's multipart form, on an API route */
    const char *expect = NULL;
    if (c->who.session_id)
        expect = c->who.csrf;
    else if (flags & EG_GATE_FORM)
        expect = eg_cookie(c->req, EG_CSRF_COOKIE);
    else
        return true; /* anonymous JSON: no cookie to ride on, and JSON needs a preflight */
    return given && expect && strlen(expect) == 43 && strlen(given) == 43 &&
           sodium_memcmp(given, expect, 43) == 0;
}

struct slow {
    struct eg_call *c;
    void (*work)(struct eg_call *c, void *data);
    void (*finish)(struct eg_call *c, void *data);
    void *data;
};

static void
slow_run(void *arg)
{
    struct slow *s = arg;
    s->work(s->c, s->data);
    eg_req_resume(s->c->req);
}

static void
slow_finish(struct eg_req *r, void *arg)
{
    (void)r;
    struct slow *s = arg;
    s->c->now_ms = eg_clock_now_ms(s->c->clock);
    s->finish(s->c, s->data);
}

/* The request suspended with work to run elsewhere; NULL (answered) without memory. */
static struct slow *
slow_new(struct eg_call *c, void (*work)(struct eg_call *c, void *data),
         void (*finish)(struct eg_call *c, void *data), void *data)
{
    struct slow *s = eg_arena_zalloc(eg_req_arena(c->req), sizeof(*s));
    if (!s) {
        eg_resp_err(c->req, EG_ENOMEM, NULL);
        return NULL;
    }
    s->c = c;
    s->work = work;
    s->finish = finish;
    s->data = data;
    eg_req_suspend(c->req, slow_finish, s);
    return s;
}

/* A full queue: status (429 or 503) with Retry-After, in the caller's language. */
static void
busy(struct eg_call *c, int status)
{
    eg_resp_header(c->req, "Retry-After", "2");
    eg_resp_error(c->req, status, "busy",
                  strcmp(eg_req_lang(c->req), "en") == 0
                      ? "Too many requests at once; please try again in a moment."
                      : "Hệ thống đang bận; vui lòng thử lại sau giây lát.");
}

void
eg_gate_run_slow(struct eg_call *c, void (*work)(struct eg_call *c, void *data),
                 void (*finish)(struct eg_call *c, void *data), void *data)
{
    struct slow *s = slow_new(c, work, finish, data);
    if (s && eg_identity_submit(c->identity, slow_run, s) != EG_OK)
        busy(c, 429);
}

void
eg_gate_run_write(struct eg_call *c, void (*work)(struct eg_call *c, void *data),
                  void (*finish)(struct eg_call *c, void *data), void *data)
{
    struct eg_gate *g = c->gate;
    if (!g->writers) {
        work(c, data);
        finish(c, data);
        return;
    }
    struct slow *s = slow_new(c, work, finish, data);
    if (s && eg_pool_submit(g->writers, slow_run, s) != EG_OK)
        busy(c, 503);
}

static struct eg_call *
call_new(struct binding *b, struct eg_req *r)
{
    struct eg_call *c = eg_arena_zalloc(eg_req_arena(r), sizeof(*c));
    if (!c) {
        eg_resp_err(r, EG_ENOMEM, NULL);
        return NULL;
    }
    c->req = r;
    c->gate = b->gate;
    c->db = b->gate->cfg.db;
    c->identity = b->gate->cfg.identity;
    c->clock = b->gate->cfg.clock;
    c->notifier = b->gate->cfg.notifier;
    c->now_ms = eg_clock_now_ms(c->clock);
    return c;
}

static void
deny_csrf(struct eg_call *c, struct binding *b)
{
    deny(c, EG_EFORBIDDEN, b->route.perm, "csrf",
         "Phiên làm việc của biểu mẫu đã hết hạn; vui lòng tải lại trang và thử lại.");
}

/*
 * Every step before the handler, in order: who, second factor, CSRF, scope,
 * permission. false when refused (the answer is set). With late (an upload
 * route, before its body), *late says whether the CSRF token will come in
 * the body, and then it is left for later.
 */
static bool
admit_call(struct eg_call *c, struct binding *b, bool *late)
{
    enum eg_err rc = resolve(c);
    if (rc == EG_EUNAUTH) {
        memset(&c->who, 0, sizeof(c->who));
        deny(c, EG_EUNAUTH, b->route.perm, "invalid_token",
             "Mã truy cập (token) không hợp lệ, đã hết hạn hoặc đã bị thu hồi.");
        return false;
    }
    if (rc != EG_OK) {
        eg_resp_err(c->req, rc, NULL);
        return false;
    }
    if (c->who.mfa_pending && !(b->route.flags & EG_GATE_MFA_STEP)) {
        /* Half signed in: nothing but the second-factor step. */
        deny(c, EG_EUNAUTH, b->route.perm, "mfa_required",
             "Vui lòng nhập mã xác thực hai lớp để hoàn tất đăng nhập.");
        return false;
    }
    if (c->who.mfa_enroll && !(b->route.flags & (EG_GATE_MFA_SETUP | EG_GATE_MFA_STEP))) {
        deny(c, EG_EFORBIDDEN, b->route.perm, "mfa_setup_required",
             "Tài khoản giữ vai trò phê duyệt hoặc quản trị: hãy bật xác thực hai lớp trước.");
        return false;
    }
    c->subject.account_id = c->who.account_id;
    c->subject.kind = c->who.account_id == 0               ? EG_SUBJECT_ANONYMOUS
                      : c->who.kind == EG_ACCOUNT_CITIZEN  ? EG_SUBJECT_CITIZEN
                      : c->who.kind == EG_ACCOUNT_BUSINESS ? EG_SUBJECT_BUSINESS
                                                           : EG_SUBJECT_STAFF;
    if (late)
        *late = csrf_in_body(c, b->route.flags);
    if (!(late && *late) && !csrf_ok(c, b->route.flags)) {
        deny_csrf(c, b);
        return false;
    }
    if (!scope_allows(c, b->perm)) {
        deny(c, EG_EFORBIDDEN, b->route.perm, "insufficient_scope",
             "Mã truy cập này không có phạm vi cho thao tác này.");
        return false;
    }
    if (b->perm != EG_PERM_PUBLIC && eg_gate_allow(c, b->perm, NULL) != EG_OK)
        return false;
    return true;
}

/* An upload route's call, decided before its body (EG_GATE_UPLOAD). */
struct admitted {
    struct eg_call *c;
    bool late_csrf;
};

/* EG_GATE_UPLOAD routes: the http server runs this before reading the body. */
static void
admit(struct eg_req *r, void *ctx)
{
    struct binding *b = ctx;
    struct eg_call *c = call_new(b, r);
    struct admitted *a = eg_arena_zalloc(eg_req_arena(r), sizeof(*a));
    if (!c)
        return;
    if (!a) {
        eg_resp_err(r, EG_ENOMEM, NULL);
        return;
    }
    if (!admit_call(c, b, &a->late_csrf))
        return;
    a->c = c;
    eg_req_set_data(r, a);
}

static void
dispatch(struct eg_req *r, void *ctx)
{
    struct binding *b = ctx;
    const struct admitted *a = eg_req_data(r);
    struct eg_call *c = a ? a->c : NULL;
    if (c) {
        /* Admitted before the body; what is left is a CSRF token that came in it. */
        c->now_ms = eg_clock_now_ms(c->clock);
        if (a->late_csrf && !csrf_ok(c, b->route.flags)) {
            deny_csrf(c, b);
            return;
        }
    } else {
        c = call_new(b, r);
        if (!c || !admit_call(c, b, NULL))
            return;
    }
    b->route.fn(c, b->route.ctx);
}

enum eg_err
eg_gate_add(struct eg_gate *g, struct eg_router *r, const struct eg_gated_route *routes, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        struct binding *b = calloc(1, sizeof(*b));
        if (!b)
            return EG_ENOMEM;
        b->gate = g;
        b->route = routes[i];
        b->next = g->bindings;
        g->bindings = b;
        if (eg_perm_parse(routes[i].perm, &b->perm) != EG_OK) {
            eg_error("gate: route %s %s has an unknown permission '%s'", routes[i].method,
                     routes[i].pattern, routes[i].perm ? routes[i].perm : "(none)");
            return EG_EINVAL;
        }
        struct eg_route rt = {
            .method = routes[i].method,
            .pattern = routes[i].pattern,
            .fn = dispatch,
            .ctx = b,
            .perm = routes[i].perm,
            .max_body = routes[i].max_body,
            .summary = routes[i].summary,
        };
        struct eg_route_opts opts = {.body = EG_BODY_SPOOL, .admit = admit};
        bool upload = routes[i].flags & EG_GATE_UPLOAD;
        enum eg_err rc = eg_router_add_opts(r, &rt, upload ? &opts : NULL);
        if (rc != EG_OK)
            return rc;
    }
    return EG_OK;
}
