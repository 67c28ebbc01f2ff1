/*
 * auth.c - signing in and out, the second factor, and the signed-in person's
 * own account: profile, password, sessions, TOTP and API tokens.
 */
#include "api_int.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define LOGIN_MAX 256
#define PASSWORD_MAX_BYTES 1024

static char *
field(struct eg_call *c, const json_t *in, const char *key)
{
    const char *s = json_string_value(json_object_get(in, key));
    return s ? eg_arena_strdup(eg_req_arena(c->req), s) : NULL;
}

static void
wipe(char *s)
{
    if (s)
        sodium_memzero(s, strlen(s));
}

/* A request from another site's page must not sign anyone in (login CSRF). */
static bool
same_origin(struct eg_req *r)
{
    const char *origin = eg_req_header(r, "Origin");
    const char *host = eg_req_header(r, "Host");
    if (!origin)
        return true;
    const char *p = strstr(origin, "://");
    return p && host && strcmp(p + 3, host) == 0;
}

/* ---- POST /api/v1/session --------------------------------------------------------- */

struct login {
    char *login, *password, *ua;
    struct eg_login_result res;
    enum eg_err rc;
};

static void
login_work(struct eg_call *c, void *data)
{
    struct login *l = data;
    struct eg_login_request rq = {
        .login = l->login,
        .password = l->password,
        .remote = eg_req_remote(c->req),
        .user_agent = l->ua,
        .request_id = eg_req_id(c->req),
    };
    l->rc = eg_login(c->identity, c->db, &rq, eg_clock_now_ms(c->clock), &l->res);
    wipe(l->password);
}

static json_t *
account_brief(struct eg_call *c, int64_t account_id)
{
    struct eg_tx *tx;
    json_t *a = NULL;
    if (eg_db_begin(c->db, EG_TX_READ, &tx) != EG_OK)
        return NULL;
    if (eg_account_get(c->identity, tx, account_id, &a) != EG_OK)
        a = NULL;
    eg_tx_rollback(tx);
    if (!a)
        return NULL;
    json_t *b = json_pack("{s:O, s:O, s:O, s:O}", "id", json_object_get(a, "id"), "login",
                          json_object_get(a, "login"), "kind", json_object_get(a, "kind"), "name",
                          json_object_get(a, "name"));
    json_decref(a);
    return b;
}

static void
login_finish(struct eg_call *c, void *data)
{
    struct login *l = data;
    struct eg_req *r = c->req;
    bool en = strcmp(eg_req_lang(r), "en") == 0;
    if (l->rc != EG_OK) {
        eg_resp_err(r, l->rc, NULL);
        return;
    }
    switch (l->res.outcome) {
    case EG_LOGIN_OK: {
        eg_gate_set_session(r, l->res.token);
        json_t *a = account_brief(c, l->res.account_id);
        eg_resp_json(
            r, 200,
            json_pack("{s:o*, s:b, s:s}", "account", a, "mfa_required", 0, "csrf", l->res.csrf));
        break;
    }
    case EG_LOGIN_MFA_ENROLL: {
        eg_gate_set_session(r, l->res.token);
        json_t *a = account_brief(c, l->res.account_id);
        eg_resp_json(r, 200,
                     json_pack("{s:o*, s:b, s:b, s:s}", "account", a, "mfa_required", 0,
                               "mfa_setup_required", 1, "csrf", l->res.csrf));
        break;
    }
    case EG_LOGIN_MFA_REQUIRED:
        eg_gate_set_session(r, l->res.token);
        eg_resp_json(r, 200, json_pack("{s:b, s:s}", "mfa_required", 1, "csrf", l->res.csrf));
        break;
    case EG_LOGIN_PENDING:
        eg_resp_error(
            r, 403, "email_not_verified",
            en ? "Please confirm your email address first: follow the link we sent."
               : "Vui lòng xác nhận địa chỉ thư điện tử trước: mở liên kết chúng tôi đã gửi.");
        break;
    case EG_LOGIN_IP_THROTTLED:
        eg_resp_header(r, "Retry-After", "600");
        eg_resp_error(r, 429, "rate_limited", NULL);
        break;
    case EG_LOGIN_FAILED:
    default:
        /* One answer for every failure: nothing here tells whether the login exists. */
        eg_resp_error(r, 401, "invalid_credentials",
                      en ? "The login or password is not correct."
                         : "Tên đăng nhập hoặc mật khẩu không đúng.");
        break;
    }
    sodium_memzero(l->res.token, sizeof(l->res.token));
}

void
eg_api_login(struct eg_call *c, void *ctx)
{
    (void)ctx;
    static const struct eg_json_field fields[] = {
        {"login", EG_JSON_STRING, true, LOGIN_MAX, 0, 0},
        {"password", EG_JSON_SECRET, true, PASSWORD_MAX_BYTES, 0, 0},
    };
    if (!same_origin(c->req)) {
        eg_resp_error(c->req, 403, "cross_origin",
                      "Yêu cầu đăng nhập phải đến từ chính trang này.");
        return;
    }
    json_t *in;
    if (eg_api_read_json(c->req, &in) != EG_OK)
        return;
    if (eg_api_check(c->req, in, fields, EG_ARRAY_LEN(fields)) != EG_OK) {
        json_decref(in);
        return;
    }
    struct login *l = eg_arena_zalloc(eg_req_arena(c->req), sizeof(*l));
    if (l) {
        l->login = field(c, in, "login");
        l->password = field(c, in, "password");
        const char *ua = eg_req_header(c->req, "User-Agent");
        l->ua = ua ? eg_arena_strndup(eg_req_arena(c->req), ua, strnlen(ua, 200)) : NULL;
    }
    /* The body held the password: clear jansson's copy now. */
    json_t *pw = json_object_get(in, "password");
    if (json_is_string(pw))
        sodium_memzero((char *)json_string_value(pw), json_string_length(pw));
    json_decref(in);
    if (!l || !l->login || !l->password) {
        eg_resp_err(c->req, EG_ENOMEM, NULL);
        return;
    }
    eg_gate_run_slow(c, login_work, login_finish, l);
}

/* ---- POST /api/v1/session/mfa ------------------------------------------------------- */

void
eg_api_login_mfa(struct eg_call *c, void *ctx)
{
    (void)ctx;
    static const struct eg_json_field fields[] = {{"code", EG_JSON_STRING, true, 32, 0, 0}};
    json_t *in;
    if (eg_api_read_json(c->req, &in) != EG_OK)
        return;
    if (eg_api_check(c->req, in, fields, EG_ARRAY_LEN(fields)) != EG_OK) {
        json_decref(in);
        return;
    }
    char token[EG_TOKEN_TEXT];
    enum eg_err rc =
        eg_login_mfa(c->identity, c->db, &c->who, json_string_value(json_object_get(in, "code")),
                     eg_req_remote(c->req), c->now_ms, token);
    json_decref(in);
    if (rc == EG_ECONFLICT) {
        eg_resp_error(c->req, 409, "no_mfa_pending", "Phiên này không chờ mã xác thực.");
        return;
    }
    if (rc == EG_EFORBIDDEN) {
        eg_resp_error(c->req, 401, "invalid_code", "Mã xác thực không đúng hoặc đã được dùng.");
        return;
    }
    if (rc == EG_ERATE) {
        eg_resp_header(c->req, "Retry-After", "600");
        eg_resp_error(c->req, 429, "rate_limited", NULL);
        return;
    }
    if (rc != EG_OK) {
        eg_resp_err(c->req, rc, NULL);
        return;
    }
    eg_gate_set_session(c->req, token);
    sodium_memzero(token, sizeof(token));
    json_t *a = account_brief(c, c->who.account_id);
    eg_resp_json(
        c->req, 200,
        json_pack("{s:o*, s:b, s:s}", "account", a, "mfa_required", 0, "csrf", c->who.csrf));
}

/* ---- DELETE /api/v1/session, /api/v1/me/sessions ------------------------------------- */

static void
end_sessions(struct eg_call *c, int64_t only, bool all)
{
    struct eg_tx *tx;
    enum eg_err rc = eg_db_begin(c->db, EG_TX_WRITE, &tx);
    if (rc == EG_OK) {
        if (all)
            rc = eg_session_revoke_all(tx, c->who.account_id, c->now_ms);
        else
            rc = eg_session_revoke(tx, only, c->now_ms);
        if (rc == EG_OK)
            rc = eg_gate_audit(c, tx, all ? "auth.logout_everywhere" : "auth.logout", NULL, true,
                               NULL);
        if (rc == EG_OK)
            rc = eg_tx_commit(tx);
        else
            eg_tx_rollback(tx);
    }
    if (rc != EG_OK) {
        eg_resp_err(c->req, rc, NULL);
        return;
    }
    if (all || only == c->who.session_id)
        eg_gate_clear_session(c->req);
    eg_resp_bytes(c->req, 204, "application/json", "", 0);
}

void
eg_api_logout(struct eg_call *c, void *ctx)
{
    (void)ctx;
    if (c->who.via_token) {
        eg_resp_error(c->req, 400, "not_a_session", "Mã truy cập API không phải phiên đăng nhập.");
        return;
    }
    end_sessions(c, c->who.session_id, false);
}

void
eg_api_logout_everywhere(struct eg_call *c, void *ctx)
{
    (void)ctx;
    end_sessions(c, 0, true);
}

void
eg_api_my_session_delete(struct eg_call *c, void *ctx)
{
    (void)ctx;
    long long id;
    if (eg_parse_i64(eg_req_param(c->req, "id"), 1, INT64_MAX, &id) != EG_OK) {
        eg_resp_error(c->req, 404, "not_found", NULL);
        return;
    }
    /* Only one's own sessions: someone else's id is simply not found. */
    json_t *list;
    enum eg_err rc =
        eg_session_list(c->identity, c->db, c->who.account_id, c->who.session_id, c->now_ms, &list);
    if (rc != EG_OK) {
        eg_resp_err(c->req, rc, NULL);
        return;
    }
    bool mine = false;
    size_t i;
    json_t *v;
    json_array_foreach(list, i, v)
    {
        mine = mine || json_integer_value(json_object_get(v, "id")) == id;
    }
    json_decref(list);
    if (!mine) {
        eg_resp_error(c->req, 404, "not_found", NULL);
        return;
    }
    end_sessions(c, id, false);
}

void
eg_api_my_sessions(struct eg_call *c, void *ctx)
{
    (void)ctx;
    json_t *list;
    enum eg_err rc =
        eg_session_list(c->identity, c->db, c->who.account_id, c->who.session_id, c->now_ms, &list);
    if (rc != EG_OK) {
        eg_resp_err(c->req, rc, NULL);
        return;
    }
    eg_resp_json(c->req, 200, json_pack("{s:o}", "items", list));
}

/* ---- GET/PATCH /api/v1/me -------------------------------------------------------------- */

void
eg_api_me(struct eg_call *c, void *ctx)
{
    (void)ctx;
    struct eg_tx *tx;
    json_t *a = NULL, *roles = NULL;
    enum eg_err rc = eg_db_begin(c->db, EG_TX_READ, &tx);
    if (rc == EG_OK)
        rc = eg_account_get(c->identity, tx, c->who.account_id, &a);
    if (rc == EG_OK && c->who.kind == EG_ACCOUNT_STAFF)
        rc = eg_roles_of(tx, c->who.account_id, eg_req_lang(c->req), &roles);
    eg_tx_rollback(tx);
    if (rc != EG_OK) {
        json_decref(a);
        eg_resp_err(c->req, rc, NULL);
        return;
    }
    if (!roles) {
        roles = json_pack("[{s:s}]", "role",
                          c->who.kind == EG_ACCOUNT_CITIZEN ? "citizen" : "business");
    }
    json_object_set_new(a, "roles", roles);
    if (c->who.session_id)
        json_object_set_new(a, "csrf", json_string(c->who.csrf));
    if (c->who.via_token)
        json_object_set_new(a, "scopes", json_string(c->who.scopes));
    eg_resp_json(c->req, 200, a);
}

void
eg_api_me_update(struct eg_call *c, void *ctx)
{
    (void)ctx;
    /* Only what a person may change about themselves: never kind, login, roles or status. */
    static const struct eg_json_field fields[] = {
        {"name", EG_JSON_STRING, false, 300, 0, 0},
        {"phone", EG_JSON_STRING, false, 32, 0, 0},
        {"address", EG_JSON_STRING, false, 300, 0, 0},
        {"admin_unit", EG_JSON_STRING, false, 300, 0, 0},
        {"birth_date", EG_JSON_STRING, false, 10, 0, 0},
    };
    json_t *in;
    if (eg_api_read_json(c->req, &in) != EG_OK)
        return;
    if (eg_api_check(c->req, in, fields, EG_ARRAY_LEN(fields)) != EG_OK) {
        json_decref(in);
        return;
    }
    struct eg_profile_update u = {
        .name = json_string_value(json_object_get(in, "name")),
        .phone = json_string_value(json_object_get(in, "phone")),
        .address = json_string_value(json_object_get(in, "address")),
        .admin_unit = json_string_value(json_object_get(in, "admin_unit")),
        .birth_date = json_string_value(json_object_get(in, "birth_date")),
    };
    struct eg_buf msg = EG_BUF_INIT(512);
    struct eg_tx *tx;
    char actor[40];
    snprintf(actor, sizeof(actor), "account:%lld", (long long)c->who.account_id);
    enum eg_err rc = eg_db_begin(c->db, EG_TX_WRITE, &tx);
    if (rc == EG_OK) {
        rc = eg_account_update_profile(tx, c->who.account_id, &u, actor, c->now_ms, &msg);
        if (rc == EG_OK)
            rc = eg_tx_commit(tx);
        else
            eg_tx_rollback(tx);
    }
    json_decref(in);
    if (rc == EG_EINVAL)
        eg_resp_error(c->req, 400, "invalid_argument",
                      eg_arena_strdup(eg_req_arena(c->req), eg_buf_str(&msg)));
    else if (rc != EG_OK)
        eg_resp_err(c->req, rc, NULL);
    else
        eg_api_me(c, NULL);
    eg_buf_release(&msg);
}

/* ---- POST /api/v1/me/password ------------------------------------------------------------ */

struct pwchange {
    char *current, *next;
    char hash[crypto_pwhash_STRBYTES];
    bool wrong;
    enum eg_err rc;
};

static void
password_work(struct eg_call *c, void *data)
{
    struct pwchange *p = data;
    /* The current password proves it is the owner at the keyboard. */
    p->rc = eg_account_check_password(c->identity, c->db, c->who.account_id, p->current);
    p->wrong = p->rc == EG_EFORBIDDEN;
    if (p->wrong)
        p->rc = EG_OK;
    if (p->rc == EG_OK && !p->wrong)
        p->rc = eg_password_hash(p->next, p->hash, sizeof(p->hash));
    wipe(p->current);
    wipe(p->next);
}

static void
password_finish(struct eg_call *c, void *data)
{
    struct pwchange *p = data;
    struct eg_req *r = c->req;
    if (p->rc != EG_OK) {
        eg_resp_err(r, p->rc, NULL);
        return;
    }
    if (p->wrong) {
        eg_resp_error(r, 403, "wrong_password", "Mật khẩu hiện tại không đúng.");
        return;
    }
    struct eg_tx *tx;
    char actor[40];
    snprintf(actor, sizeof(actor), "account:%lld", (long long)c->who.account_id);
    enum eg_err rc = eg_db_begin(c->db, EG_TX_WRITE, &tx);
    if (rc == EG_OK) {
        rc = eg_account_set_password(tx, c->who.account_id, p->hash, actor, c->now_ms);
        if (rc == EG_OK)
            rc = eg_tx_commit(tx);
        else
            eg_tx_rollback(tx);
    }
    sodium_memzero(p->hash, sizeof(p->hash));
    if (rc != EG_OK) {
        eg_resp_err(r, rc, NULL);
        return;
    }
    /* Every session ended with the old password, this one too: sign in again. */
    eg_gate_clear_session(r);
    eg_resp_bytes(r, 204, "application/json", "", 0);
}

void
eg_api_me_password(struct eg_call *c, void *ctx)
{
    (void)ctx;
    static const struct eg_json_field fields[] = {
        {"current_password", EG_JSON_SECRET, true, PASSWORD_MAX_BYTES, 0, 0},
        {"new_password", EG_JSON_SECRET, true, PASSWORD_MAX_BYTES, 0, 0},
    };
    json_t *in;
    if (eg_api_read_json(c->req, &in) != EG_OK)
        return;
    if (eg_api_check(c->req, in, fields, EG_ARRAY_LEN(fields)) != EG_OK) {
        json_decref(in);
        return;
    }
    struct pwchange *p = eg_arena_zalloc(eg_req_arena(c->req), sizeof(*p));
    if (p) {
        p->current = field(c, in, "current_password");
        p->next = field(c, in, "new_password");
    }
    json_decref(in);
    struct eg_buf msg = EG_BUF_INIT(256);
    if (!p || !p->current || !p->next) {
        eg_resp_err(c->req, EG_ENOMEM, NULL);
    } else if (eg_password_check(c->identity, p->next, &msg) != EG_OK) {
        eg_resp_error(c->req, 400, "weak_password",
                      eg_arena_strdup(eg_req_arena(c->req), eg_buf_str(&msg)));
    } else {
        eg_gate_run_slow(c, password_work, password_finish, p);
    }
    eg_buf_release(&msg);
}
