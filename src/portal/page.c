/*
 * page.c - answering with a page: the language, the common context of the
 * layout (who is signed in, the demo banner, the language switch), the flash
 * cookie that carries a refused form back to itself, redirects, and dates.
 */
#include "portal_int.h"

#include "directory/directory.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#define PAGE_MAX ((size_t)4 << 20)
#define FLASH_MAX 3800 /* bytes of the encoded cookie value: browsers keep 4096 per cookie */

/* Notices a page may show from ?m=KEY: catalogue keys "notice.KEY". */
static const char *const notices[] = {
    "signed_out",        "email_verified",  "password_reset_done", "password_changed",
    "profile_saved",     "session_ended",   "sessions_ended",      "totp_on",
    "totp_off",          "token_created",   "token_revoked",       "staff_created",
    "status_changed",    "role_granted",    "role_revoked",        "org_created",
    "org_saved",         "org_closed",      "signin_required",     "password_set",
    "procedure_created", "procedure_saved", "procedure_published", "procedure_retired",
};

/* ---- base64url (RFC 4648 §5, no padding) for the flash cookie ----------------------- */

static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

static enum eg_err
b64_encode(const unsigned char *p, size_t n, struct eg_buf *out)
{
    enum eg_err rc = EG_OK;
    for (size_t i = 0; i < n && rc == EG_OK; i += 3) {
        unsigned v = (unsigned)p[i] << 16;
        if (i + 1 < n)
            v |= (unsigned)p[i + 1] << 8;
        if (i + 2 < n)
            v |= p[i + 2];
        char q[4] = {b64[(v >> 18) & 63], b64[(v >> 12) & 63], b64[(v >> 6) & 63], b64[v & 63]};
        rc = eg_buf_add(out, q, i + 2 < n ? 4 : i + 1 < n ? 3 : 2);
    }
    return rc;
}

static int
b64_val(char c)
{
    const char *p = c ? strchr(b64, c) : NULL;
    return p ? (int)(p - b64) : -1;
}

static enum eg_err
b64_decode(const char *s, struct eg_buf *out)
{
    size_t n = strlen(s);
    if (n % 4 == 1)
        return EG_EINVAL;
    enum eg_err rc = EG_OK;
    for (size_t i = 0; i < n && rc == EG_OK; i += 4) {
        unsigned v = 0;
        size_t k = n - i < 4 ? n - i : 4;
        for (size_t j = 0; j < 4; j++) {
            int d = j < k ? b64_val(s[i + j]) : 0;
            if (d < 0)
                return EG_EINVAL;
            v = v << 6 | (unsigned)d;
        }
        char q[3] = {(char)(v >> 16), (char)(v >> 8), (char)v};
        rc = eg_buf_add(out, q, k - 1);
    }
    return rc;
}

/* ---- the flash cookie ------------------------------------------------------------- */

/* The path part of a location ("/a?b" -> "/a"), in the request's arena. */
static const char *
path_of(struct eg_req *r, const char *location)
{
    return eg_arena_strndup(eg_req_arena(r), location, strcspn(location, "?#"));
}

void
pg_flash_send(struct eg_req *r, const char *to, json_t *flash)
{
    struct eg_buf js = EG_BUF_INIT(64 * KiB), enc = EG_BUF_INIT(FLASH_MAX);
    json_object_set_new(flash, "to", json_string(path_of(r, to)));
    enum eg_err rc = eg_json_dump(flash, &js);
    if (rc == EG_OK)
        rc = b64_encode((const unsigned char *)js.p, js.len, &enc);
    if (rc == EG_ETOOBIG) {
        /* Too much input to carry back: the errors still go, the values do not. */
        json_object_del(flash, "v");
        eg_buf_reset(&js);
        eg_buf_reset(&enc);
        rc = eg_json_dump(flash, &js);
        if (rc == EG_OK)
            rc = b64_encode((const unsigned char *)js.p, js.len, &enc);
    }
    if (rc == EG_OK) {
        const char *v = eg_arena_printf(eg_req_arena(r),
                                        FLASH_COOKIE "=%s; Path=/; Secure; HttpOnly; "
                                                     "SameSite=Strict; Max-Age=120",
                                        enc.p);
        if (v)
            eg_resp_header(r, "Set-Cookie", v);
    } else {
        eg_warn("portal: could not carry a form back to %s: %s", path_of(r, to), eg_strerror(rc));
    }
    if (js.p)
        explicit_bzero(js.p, js.len);
    eg_buf_release(&js);
    eg_buf_release(&enc);
}

/* The flash cookie, if it was meant for this path; the cookie is cleared either way. */
static json_t *
flash_take(struct eg_req *r)
{
    const char *v = eg_cookie(r, FLASH_COOKIE);
    if (!v)
        return NULL;
    eg_resp_header(r, "Set-Cookie",
                   FLASH_COOKIE "=; Path=/; Secure; HttpOnly; SameSite=Strict; Max-Age=0");
    struct eg_buf raw = EG_BUF_INIT(64 * KiB);
    json_t *obj = NULL;
    if (b64_decode(v, &raw) == EG_OK &&
        eg_json_parse(raw.p ? raw.p : "", raw.len, &obj, NULL) == EG_OK) {
        const char *to = json_string_value(json_object_get(obj, "to"));
        if (!json_is_object(obj) || !to || strcmp(to, eg_req_path(r)) != 0) {
            json_decref(obj);
            obj = NULL;
        }
    }
    eg_buf_release(&raw);
    return obj;
}

/* ---- the language ----------------------------------------------------------------- */

const char *
pg_lang(struct eg_call *c)
{
    const char *q = eg_req_query(c->req, "lang");
    if (q && (strcmp(q, "vi") == 0 || strcmp(q, "en") == 0))
        return strcmp(q, "en") == 0 ? "en" : "vi";
    const char *k = eg_cookie(c->req, LANG_COOKIE);
    return k && strcmp(k, "en") == 0 ? "en" : "vi";
}

static const char *
lang_of(struct eg_req *r)
{
    const char *q = eg_req_query(r, "lang");
    const char *k = eg_cookie(r, LANG_COOKIE);
    if (q && (strcmp(q, "vi") == 0 || strcmp(q, "en") == 0)) {
        if (!k || strcmp(k, q) != 0) {
            const char *v = strcmp(q, "en") == 0
                                ? LANG_COOKIE "=en; Path=/; Secure; SameSite=Lax; Max-Age=31536000"
                                : LANG_COOKIE "=vi; Path=/; Secure; SameSite=Lax; Max-Age=31536000";
            eg_resp_header(r, "Set-Cookie", v);
        }
        return strcmp(q, "en") == 0 ? "en" : "vi";
    }
    if (k && strcmp(k, "en") == 0)
        return "en";
    return "vi";
}

/* ---- beginning a page -------------------------------------------------------------- */

void
pg_flag(json_t *obj, const char *prefix, const char *value)
{
    char key[96];
    if (!obj || !value)
        return;
    snprintf(key, sizeof(key), "%s_%s", prefix, value);
    json_object_set_new(obj, key, json_true());
}

void
pg_flags(json_t *obj, const char *prefix, const char *value, const char *const *set)
{
    char key[96];
    for (; obj && *set; set++) {
        snprintf(key, sizeof(key), "%s_%s", prefix, *set);
        json_object_set_new(obj, key, json_boolean(value && strcmp(value, *set) == 0));
    }
}

static bool
known_notice(const char *m)
{
    for (size_t i = 0; m && i < EG_ARRAY_LEN(notices); i++)
        if (strcmp(m, notices[i]) == 0)
            return true;
    return false;
}

/* Per-field errors for the inputs ("e": {"name": {...}}) and the summary ("errors": [...]). */
static void
flash_errors(struct page *pg)
{
    json_t *list = json_object_get(pg->flash, "errors");
    json_t *by = json_object();
    size_t i;
    json_t *e;
    json_array_foreach(list, i, e)
    {
        const char *f = json_string_value(json_object_get(e, "field"));
        if (f && !json_object_get(by, f))
            json_object_set(by, f, e);
    }
    json_object_set_new(pg->ctx, "e", by);
    if (json_array_size(list) > 0) {
        json_object_set(pg->ctx, "errors", list);
        json_object_set_new(pg->ctx, "has_errors", json_true());
    }
}

void
pg_begin(struct page *pg, struct eg_call *c, void *cfg)
{
    memset(pg, 0, sizeof(*pg));
    pg->c = c;
    pg->cfg = cfg;
    pg->lang = lang_of(c->req);
    pg->en = strcmp(pg->lang, "en") == 0;
    pg->ctx = json_object();
    pg->flash = flash_take(c->req);
    json_t *v = json_object_get(pg->flash, "v");
    json_object_set_new(pg->ctx, "v", json_is_object(v) ? json_incref(v) : json_object());
    if (pg->flash)
        flash_errors(pg);
    else
        json_object_set_new(pg->ctx, "e", json_object());
    const char *m = json_string_value(json_object_get(pg->flash, "m"));
    if (!m)
        m = eg_req_query(c->req, "m");
    if (known_notice(m)) {
        json_t *n = json_object();
        pg_flag(n, "m", m);
        json_object_set_new(pg->ctx, "notice", n);
    }
}

void
pg_release(struct page *pg)
{
    json_decref(pg->ctx);
    json_decref(pg->flash);
    pg->ctx = pg->flash = NULL;
}

void
pg_set(struct page *pg, const char *key, json_t *v)
{
    json_t *f = json_object_get(json_object_get(pg->flash, "d"), key);
    if (f) {
        json_decref(v);
        json_object_set(pg->ctx, key, f);
    } else {
        json_object_set_new(pg->ctx, key, v);
    }
}

const char *
pg_flash_value(const struct page *pg, const char *name)
{
    return json_string_value(json_object_get(json_object_get(pg->flash, "v"), name));
}

const char *
pg_csrf(struct page *pg)
{
    const char *have = json_string_value(json_object_get(pg->ctx, "csrf"));
    if (have)
        return have;
    const char *t = eg_gate_form_csrf(pg->c);
    json_object_set_new(pg->ctx, "csrf", json_string(t ? t : ""));
    return t;
}

const char *
pg_actor(struct eg_call *c)
{
    return eg_arena_printf(eg_req_arena(c->req), "account:%lld", (long long)c->who.account_id);
}

/* ---- the layout's data ------------------------------------------------------------- */

static const char *
instance(struct page *pg, const char *key)
{
    struct eg_buf b = EG_BUF_INIT(4096);
    const char *s = NULL;
    if (eg_instance_get(pg->c->db, key, &b) == EG_OK)
        s = eg_arena_strdup(eg_req_arena(pg->c->req), eg_buf_str(&b));
    eg_buf_release(&b);
    return s;
}

/* What the header says about the caller, and which administration it may open. */
static void
me(struct page *pg)
{
    struct eg_call *c = pg->c;
    if (!c->who.account_id || c->who.via_token)
        return;
    json_t *me = json_object();
    json_t *a = NULL;
    struct eg_tx *tx;
    if (eg_db_begin(c->db, EG_TX_READ, &tx) != EG_OK) {
        json_decref(me);
        return;
    }
    if (eg_account_get(c->identity, tx, c->who.account_id, &a) == EG_OK) {
        json_object_set(me, "name", json_object_get(a, "name"));
        pg_flag(me, "kind", json_string_value(json_object_get(a, "kind")));
    }
    json_decref(a);
    if (c->who.mfa_pending) {
        json_object_set_new(me, "pending", json_true());
    } else if (c->who.mfa_enroll) {
        json_object_set_new(me, "enroll", json_true());
    } else {
        json_object_set_new(me, "full", json_true());
        static const struct {
            enum eg_perm p;
            const char *key;
        } admin[] = {
            {EG_PERM_ACCOUNT_READ, "can_accounts"}, {EG_PERM_STAFF_MANAGE, "can_staff"},
            {EG_PERM_ROLE_GRANT, "can_roles"},      {EG_PERM_ORG_MANAGE, "can_orgs"},
            {EG_PERM_AUDIT_READ, "can_audit"},      {EG_PERM_PROCEDURE_MANAGE, "can_procedures"},
        };
        bool any = false;
        for (size_t i = 0; c->who.kind == EG_ACCOUNT_STAFF && i < EG_ARRAY_LEN(admin); i++) {
            if (eg_access_decide(tx, &c->subject, admin[i].p, NULL) == EG_OK) {
                json_object_set_new(me, admin[i].key, json_true());
                any = true;
            }
        }
        if (any)
            json_object_set_new(me, "admin", json_true());
        if (c->who.kind == EG_ACCOUNT_STAFF &&
            eg_access_decide(tx, &c->subject, EG_PERM_REPORT_READ, NULL) == EG_OK)
            json_object_set_new(me, "can_reports", json_true());
    }
    eg_tx_rollback(tx);
    json_object_set_new(pg->ctx, "me", me);
    if (c->who.session_id)
        json_object_set_new(pg->ctx, "csrf_session", json_string(c->who.csrf));
}

/* This page in the other language: the same path and query with lang switched. */
static void
lang_switch(struct page *pg)
{
    struct eg_req *r = pg->c->req;
    const struct eg_url *u = eg_req_url(r);
    struct eg_buf b = EG_BUF_INIT(4096);
    enum eg_err rc = EG_OK;
    const char *p = u && u->path ? u->path : "/";
    for (; *p && rc == EG_OK; p++) {
        unsigned char ch = (unsigned char)*p;
        if (ch == '/' || ch == '-' || ch == '.' || ch == '_' || ch == '~' ||
            (ch >= '0' && ch <= '9') || ((ch | 0x20) >= 'a' && (ch | 0x20) <= 'z'))
            rc = eg_buf_addc(&b, (char)ch);
        else
            rc = eg_buf_printf(&b, "%%%02X", ch);
    }
    char sep = '?';
    for (size_t i = 0; u && i < u->nquery && rc == EG_OK; i++) {
        if (strcmp(u->query[i].key, "lang") == 0 || strcmp(u->query[i].key, "m") == 0)
            continue;
        rc = eg_buf_addc(&b, sep);
        if (rc == EG_OK)
            rc = pg_url_encode(&b, u->query[i].key);
        if (rc == EG_OK)
            rc = eg_buf_addc(&b, '=');
        if (rc == EG_OK)
            rc = pg_url_encode(&b, u->query[i].value);
        sep = '&';
    }
    if (rc == EG_OK)
        rc = eg_buf_printf(&b, "%clang=%s", sep, pg->en ? "vi" : "en");
    json_object_set_new(pg->ctx, "lang_switch", json_string(rc == EG_OK ? b.p : "/"));
    eg_buf_release(&b);
}

static void
layout_data(struct page *pg)
{
    me(pg);
    const char *demo = instance(pg, "demo");
    if (demo && strcmp(demo, "true") == 0) {
        const char *label = instance(pg, pg->en ? "demo_label_en" : "demo_label_vi");
        json_object_set_new(pg->ctx, "demo", json_pack("{s:s}", "label", label ? label : ""));
    }
    const char *province = instance(pg, "province_name");
    if (province)
        json_object_set_new(pg->ctx, "province", json_string(province));
    lang_switch(pg);
}

void
pg_render(struct page *pg, int status, const char *name)
{
    struct eg_req *r = pg->c->req;
    struct eg_buf out = EG_BUF_INIT(PAGE_MAX);
    layout_data(pg);
    enum eg_err rc = eg_tmpl_render(pg->cfg->templates, name, pg->ctx, pg->lang, &out);
    if (rc != EG_OK) {
        eg_error("portal: cannot render %s: %s", name, eg_strerror(rc));
        eg_resp_err(r, EG_EINTERNAL, NULL);
    } else {
        pg_memo_keep(pg, status, out.p, out.len);
        eg_resp_header(r, "Content-Language", pg->lang);
        eg_resp_bytes(r, status, "text/html; charset=utf-8", out.p, out.len);
    }
    eg_buf_release(&out);
    pg_release(pg);
}

void
pg_error(struct page *pg, int status, const char *message_key)
{
    json_t *e = json_object();
    pg_flag(e, "m", message_key);
    json_object_set_new(pg->ctx, "error", e);
    pg_render(pg, status, "error");
}

void
pg_mask_pid(json_t *a, bool whole)
{
    const char *pid = json_string_value(json_object_get(a, "personal_id"));
    if (pid && strlen(pid) == 12) {
        char masked[13];
        eg_pid_mask(pid, masked);
        json_t *shown = json_string(whole ? pid : masked);
        /* A citizen without a login name signs in with the number: that is masked too. */
        const char *login = json_string_value(json_object_get(a, "login"));
        if (login && strcmp(login, pid) == 0)
            json_object_set(a, "login", shown);
        json_object_set_new(a, "personal_id_shown", shown);
        if (!whole)
            json_object_set_new(a, "pid_masked", json_true());
        explicit_bzero(masked, sizeof(masked));
    }
    json_object_del(a, "personal_id");
}

/* ---- redirects ---------------------------------------------------------------------- */

void
pg_redirect(struct eg_call *c, const char *location)
{
    eg_resp_header(c->req, "Location", location);
    eg_resp_bytes(c->req, 303, "text/plain; charset=utf-8", "", 0);
}

void
pg_redirect_notice(struct eg_call *c, const char *path, const char *notice)
{
    const char *to = eg_arena_printf(eg_req_arena(c->req), "%s%sm=%s", path,
                                     strchr(path, '?') ? "&" : "?", notice);
    pg_redirect(c, to ? to : path);
}

const char *
pg_local_path(const char *s)
{
    if (!s || s[0] != '/' || s[1] == '/' || s[1] == '\\' || strlen(s) > 512)
        return NULL;
    for (const char *p = s; *p; p++)
        if ((unsigned char)*p <= 0x20 || *p == '\\' || *p == 0x7f)
            return NULL;
    return s;
}

enum eg_err
pg_url_encode(struct eg_buf *b, const char *s)
{
    enum eg_err rc = EG_OK;
    for (; s && *s && rc == EG_OK; s++) {
        unsigned char ch = (unsigned char)*s;
        if (ch == '-' || ch == '.' || ch == '_' || ch == '~' || (ch >= '0' && ch <= '9') ||
            ((ch | 0x20) >= 'a' && (ch | 0x20) <= 'z'))
            rc = eg_buf_addc(b, (char)ch);
        else
            rc = eg_buf_printf(b, "%%%02X", ch);
    }
    return rc;
}

const char *
pg_link(struct eg_call *c, const char *path, const char *const *kv)
{
    struct eg_buf b = EG_BUF_INIT(8192);
    enum eg_err rc = eg_buf_adds(&b, path);
    char sep = strchr(path, '?') ? '&' : '?';
    for (size_t i = 0; kv && kv[i] && rc == EG_OK; i += 2) {
        if (!kv[i + 1] || !*kv[i + 1])
            continue;
        rc = eg_buf_addc(&b, sep);
        if (rc == EG_OK)
            rc = pg_url_encode(&b, kv[i]);
        if (rc == EG_OK)
            rc = eg_buf_addc(&b, '=');
        if (rc == EG_OK)
            rc = pg_url_encode(&b, kv[i + 1]);
        sep = '&';
    }
    const char *s = rc == EG_OK ? eg_arena_strdup(eg_req_arena(c->req), b.p) : path;
    eg_buf_release(&b);
    return s ? s : path;
}

void
pg_paging(struct page *pg, const char *path, const char *const *kv, long long page,
          long long per_page, long long total)
{
    long long pages = total > 0 ? (total + per_page - 1) / per_page : 1;
    json_t *p = json_pack("{s:I, s:I}", "page", (json_int_t)page, "pages", (json_int_t)pages);
    const char *with[32];
    size_t n = 0;
    for (; kv && kv[n] && n < 28; n += 2) {
        with[n] = kv[n];
        with[n + 1] = kv[n + 1];
    }
    with[n] = "page";
    with[n + 2] = NULL;
    char num[24];
    if (page > 1) {
        snprintf(num, sizeof(num), "%lld", page - 1);
        with[n + 1] = num;
        json_object_set_new(p, "prev", json_string(pg_link(pg->c, path, with)));
    }
    if (page < pages) {
        snprintf(num, sizeof(num), "%lld", page + 1);
        with[n + 1] = num;
        json_object_set_new(p, "next", json_string(pg_link(pg->c, path, with)));
    }
    if (pages > 1)
        json_object_set_new(p, "many", json_true());
    json_object_set_new(pg->ctx, "paging", p);
}

long long
pg_query_int(struct eg_call *c, const char *name, long long min, long long max, long long def)
{
    long long v;
    const char *s = eg_req_query(c->req, name);
    return s && eg_parse_i64(s, min, max, &v) == EG_OK ? v : def;
}

const char *
pg_query_str(struct eg_call *c, const char *name, size_t max)
{
    const char *s = eg_req_query(c->req, name);
    return s && *s && strlen(s) <= max ? s : NULL;
}

/* ---- dates ------------------------------------------------------------------------------ */

static int
days_in_month(int y, int m)
{
    static const int d[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    return m == 2 && leap ? 29 : d[m - 1];
}

static bool
digits(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (s[i] < '0' || s[i] > '9')
            return false;
    return true;
}

enum eg_err
pg_date_norm(const char *s, char out[11])
{
    int y, m, d;
    size_t n = s ? strlen(s) : 0;
    if (n == 10 && s[4] == '-' && s[7] == '-' && digits(s, 4) && digits(s + 5, 2) &&
        digits(s + 8, 2)) {
        y = (s[0] - '0') * 1000 + (s[1] - '0') * 100 + (s[2] - '0') * 10 + (s[3] - '0');
        m = (s[5] - '0') * 10 + (s[6] - '0');
        d = (s[8] - '0') * 10 + (s[9] - '0');
    } else {
        /* d/m/yyyy, the way dates are written in Vietnam */
        const char *a = s ? strchr(s, '/') : NULL;
        const char *b = a ? strchr(a + 1, '/') : NULL;
        if (!a || !b || a - s < 1 || a - s > 2 || b - a - 1 < 1 || b - a - 1 > 2 ||
            strlen(b + 1) != 4 || !digits(s, (size_t)(a - s)) ||
            !digits(a + 1, (size_t)(b - a - 1)) || !digits(b + 1, 4))
            return EG_EINVAL;
        d = a - s == 2 ? (s[0] - '0') * 10 + (s[1] - '0') : s[0] - '0';
        m = b - a - 1 == 2 ? (a[1] - '0') * 10 + (a[2] - '0') : a[1] - '0';
        y = (b[1] - '0') * 1000 + (b[2] - '0') * 100 + (b[3] - '0') * 10 + (b[4] - '0');
    }
    if (y < 1900 || y > 9999 || m < 1 || m > 12 || d < 1 || d > days_in_month(y, m))
        return EG_EINVAL;
    out[0] = (char)('0' + y / 1000);
    out[1] = (char)('0' + y / 100 % 10);
    out[2] = (char)('0' + y / 10 % 10);
    out[3] = (char)('0' + y % 10);
    out[4] = '-';
    out[5] = (char)('0' + m / 10);
    out[6] = (char)('0' + m % 10);
    out[7] = '-';
    out[8] = (char)('0' + d / 10);
    out[9] = (char)('0' + d % 10);
    out[10] = '\0';
    return EG_OK;
}

enum eg_err
pg_date_ms(const char *ymd, int64_t *out)
{
    char n[11];
    if (pg_date_norm(ymd, n) != EG_OK)
        return EG_EINVAL;
    int y = (n[0] - '0') * 1000 + (n[1] - '0') * 100 + (n[2] - '0') * 10 + (n[3] - '0');
    unsigned m = (unsigned)((n[5] - '0') * 10 + (n[6] - '0'));
    unsigned d = (unsigned)((n[8] - '0') * 10 + (n[9] - '0'));
    /* days_from_civil (H. Hinnant), then midnight in UTC+7 */
    y -= m <= 2;
    int era = y / 400;
    unsigned yoe = (unsigned)(y - era * 400);
    unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
    unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    int64_t days = (int64_t)era * 146097 + (int64_t)doe - 719468;
    *out = days * 86400000LL - 7LL * 3600000LL;
    return EG_OK;
}
