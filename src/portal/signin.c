/*
 * signin.c - signing in (the password step on the hashing pool, then the TOTP
 * step when the account has it), and signing out. Every failure of the password
 * step gives the same page: nothing tells an unknown login from a wrong password.
 */
#include "portal_int.h"

#include <string.h>

#define LOGIN_MAX 256

/* Where to go after signing in: a local path given by the form, or the account page. */
static const char *
next_of(const char *next)
{
    return pg_local_path(next) ? next : "/account";
}

static bool
fully_signed_in(const struct eg_call *c)
{
    return c->who.account_id && !c->who.mfa_pending && !c->who.mfa_enroll && !c->who.via_token;
}

/* ---- GET /signin ------------------------------------------------------------------- */

void
pg_signin(struct eg_call *c, void *ctx)
{
    if (fully_signed_in(c)) {
        pg_redirect(c, next_of(eg_req_query(c->req, "next")));
        return;
    }
    struct page pg;
    pg_begin(&pg, c, ctx);
    json_object_set_new(pg.ctx, "nav_signin", json_true());
    const char *next = pg_local_path(eg_req_query(c->req, "next"));
    if (!pg_flash_value(&pg, "next") && next)
        json_object_set_new(json_object_get(pg.ctx, "v"), "next", json_string(next));
    pg_csrf(&pg);
    pg_render(&pg, 200, "signin");
}

/* ---- POST /signin -------------------------------------------------------------------- */

struct login {
    struct form f;
    const char *login, *next;
    char *password;
    char *ua;
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
    explicit_bzero(l->password, strlen(l->password));
}

static void
login_finish(struct eg_call *c, void *data)
{
    struct login *l = data;
    const char *next = next_of(l->next);
    if (l->rc != EG_OK) {
        form_release(&l->f);
        eg_resp_err(c->req, l->rc, NULL);
        return;
    }
    switch (l->res.outcome) {
    case EG_LOGIN_OK:
        eg_gate_set_session(c->req, l->res.token);
        form_release(&l->f);
        pg_redirect(c, next);
        break;
    case EG_LOGIN_MFA_ENROLL:
        /* Approve and admin roles need a second factor: set it up before anything else. */
        eg_gate_set_session(c->req, l->res.token);
        form_release(&l->f);
        pg_redirect(c, "/account/security/setup");
        break;
    case EG_LOGIN_MFA_REQUIRED: {
        eg_gate_set_session(c->req, l->res.token);
        const char *kv[] = {"next", strcmp(next, "/account") ? next : NULL, NULL};
        form_release(&l->f);
        pg_redirect(c, pg_link(c, "/signin/code", kv));
        break;
    }
    case EG_LOGIN_PENDING:
        form_error(&l->f, "login", "email_not_verified");
        form_fail(&l->f, "/signin");
        break;
    case EG_LOGIN_IP_THROTTLED:
        form_error(&l->f, "login", "throttled");
        form_fail(&l->f, "/signin");
        break;
    case EG_LOGIN_FAILED:
    default:
        /* One answer for every failure, with what was typed as the login kept. */
        form_error(&l->f, "login", "login_failed");
        form_fail(&l->f, "/signin");
        break;
    }
    explicit_bzero(l->res.token, sizeof(l->res.token));
}

void
pg_signin_post(struct eg_call *c, void *ctx)
{
    (void)ctx;
    static const struct field fields[] = {
        {"login", LOGIN_MAX, F_REQUIRED, "login_required"},
        {"password", PASSWORD_MAX_BYTES, F_REQUIRED | F_SECRET | F_RAW, "password_required"},
        {"next", 512, 0, NULL},
    };
    struct login *l = eg_arena_zalloc(eg_req_arena(c->req), sizeof(*l));
    if (!l) {
        eg_resp_err(c->req, EG_ENOMEM, NULL);
        return;
    }
    if (form_read(c, &l->f) != EG_OK)
        return;
    const char *v[EG_ARRAY_LEN(fields)];
    if (!form_check(&l->f, fields, EG_ARRAY_LEN(fields), v)) {
        form_fail(&l->f, "/signin");
        return;
    }
    l->login = v[0];
    l->password = (char *)v[1];
    l->next = pg_local_path(v[2]);
    const char *ua = eg_req_header(c->req, "User-Agent");
    l->ua = ua ? eg_arena_strndup(eg_req_arena(c->req), ua, strnlen(ua, 200)) : NULL;
    eg_gate_run_slow(c, login_work, login_finish, l);
}

/* ---- GET/POST /signin/code ------------------------------------------------------------- */

void
pg_signin_code(struct eg_call *c, void *ctx)
{
    if (!c->who.mfa_pending) {
        pg_redirect(c, next_of(eg_req_query(c->req, "next")));
        return;
    }
    struct page pg;
    pg_begin(&pg, c, ctx);
    json_object_set_new(pg.ctx, "nav_signin", json_true());
    const char *next = pg_local_path(eg_req_query(c->req, "next"));
    if (next)
        json_object_set_new(pg.ctx, "next", json_string(next));
    pg_csrf(&pg);
    pg_render(&pg, 200, "signin_code");
}

/* "123 456" as typed from the app's display: the digits only. */
static const char *
compact(struct eg_call *c, const char *code)
{
    char *s = eg_arena_strdup(eg_req_arena(c->req), code);
    size_t j = 0;
    for (size_t i = 0; s && s[i]; i++)
        if (s[i] != ' ')
            s[j++] = s[i];
    if (s)
        s[j] = '\0';
    return s;
}

void
pg_signin_code_post(struct eg_call *c, void *ctx)
{
    (void)ctx;
    static const struct field fields[] = {
        {"code", 32, F_REQUIRED | F_SECRET, "code_required"},
        {"next", 512, 0, NULL},
    };
    struct form f;
    if (form_read(c, &f) != EG_OK)
        return;
    const char *v[EG_ARRAY_LEN(fields)];
    const char *next = next_of(form_get(&f, "next"));
    const char *kv[] = {"next", strcmp(next, "/account") ? next : NULL, NULL};
    const char *back = pg_link(c, "/signin/code", kv);
    if (!form_check(&f, fields, EG_ARRAY_LEN(fields), v)) {
        form_fail(&f, back);
        return;
    }
    char token[EG_TOKEN_TEXT];
    enum eg_err rc = eg_login_mfa(c->identity, c->db, &c->who, compact(c, v[0]),
                                  eg_req_remote(c->req), c->now_ms, token);
    if (rc == EG_ECONFLICT) {
        form_release(&f);
        pg_redirect(c, next);
    } else if (rc == EG_EFORBIDDEN || rc == EG_ERATE) {
        form_error(&f, "code", rc == EG_ERATE ? "throttled" : "code_wrong");
        form_fail(&f, back);
    } else if (rc != EG_OK) {
        form_release(&f);
        eg_resp_err(c->req, rc, NULL);
    } else {
        eg_gate_set_session(c->req, token);
        explicit_bzero(token, sizeof(token));
        form_release(&f);
        pg_redirect(c, next);
    }
}

/* ---- POST /signout ------------------------------------------------------------------------- */

void
pg_signout_post(struct eg_call *c, void *ctx)
{
    (void)ctx;
    if (c->who.via_token || !c->who.session_id) {
        pg_redirect(c, "/");
        return;
    }
    struct eg_tx *tx;
    enum eg_err rc = eg_db_begin(c->db, EG_TX_WRITE, &tx);
    if (rc == EG_OK) {
        rc = eg_session_revoke(tx, c->who.session_id, c->now_ms);
        if (rc == EG_OK)
            rc = eg_gate_audit(c, tx, "auth.logout", NULL, true, NULL);
        if (rc == EG_OK)
            rc = eg_tx_commit(tx);
        else
            eg_tx_rollback(tx);
    }
    if (rc != EG_OK) {
        eg_resp_err(c->req, rc, NULL);
        return;
    }
    eg_gate_clear_session(c->req);
    pg_redirect_notice(c, "/", "signed_out");
}
