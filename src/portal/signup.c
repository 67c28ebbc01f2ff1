/*
 * signup.c - signing up (citizen or business), verifying the email address,
 * and resetting a forgotten password. The emailed links are consumed only by
 * a POST from a button: mail scanners that fetch links must not use them up.
 */
#include "portal_int.h"

#include "notify/notify.h"

#include <string.h>

#define TOKEN_MAX 64

/* Commits tx, or rolls it back on rc, and wakes the mail sender. */
static enum eg_err
commit(struct eg_call *c, struct eg_tx *tx, enum eg_err rc)
{
    if (rc == EG_OK)
        rc = eg_tx_commit(tx);
    else
        eg_tx_rollback(tx);
    if (rc == EG_OK)
        eg_notifier_kick(c->notifier);
    return rc;
}

/* A simple page with a form and nothing to look up. */
static void
form_page(struct eg_call *c, void *ctx, const char *name, const char *nav)
{
    struct page pg;
    pg_begin(&pg, c, ctx);
    if (nav)
        json_object_set_new(pg.ctx, nav, json_true());
    pg_csrf(&pg);
    pg_render(&pg, 200, name);
}

static void
plain_page(struct eg_call *c, void *ctx, const char *name)
{
    struct page pg;
    pg_begin(&pg, c, ctx);
    pg_render(&pg, 200, name);
}

/* The year now in Vietnam, for decoding a personal identification number. */
static int
year_now(int64_t now_ms)
{
    char s[32];
    long long y = 2000;
    eg_time_vn(now_ms, s, sizeof(s)); /* "27/11/2026 03:13" */
    s[10] = '\0';
    if (eg_parse_i64(s + 6, 1, 9999, &y) != EG_OK)
        y = 2000;
    return (int)y;
}

static const char *
msgdup(struct eg_call *c, const struct eg_buf *msg)
{
    return eg_arena_strdup(eg_req_arena(c->req), eg_buf_str(msg));
}

/* ---- /signup ------------------------------------------------------------------------ */

void
pg_signup(struct eg_call *c, void *ctx)
{
    struct page pg;
    pg_begin(&pg, c, ctx);
    json_object_set_new(pg.ctx, "nav_signup", json_true());
    const char *kind = pg_flash_value(&pg, "kind");
    pg_flag(pg.ctx, "kind", kind && strcmp(kind, "business") == 0 ? "business" : "citizen");
    pg_csrf(&pg);
    pg_render(&pg, 200, "signup");
}

struct signup {
    struct form f;
    struct eg_account_new a;
    char *password;
    char hash[128];
    enum eg_err rc;
};

static void
signup_work(struct eg_call *c, void *data)
{
    (void)c;
    struct signup *s = data;
    s->rc = eg_password_hash(s->password, s->hash, sizeof(s->hash));
    explicit_bzero(s->password, strlen(s->password));
}

static void
signup_finish(struct eg_call *c, void *data)
{
    struct signup *s = data;
    struct eg_buf msg = EG_BUF_INIT(512);
    struct eg_tx *tx;
    enum eg_err rc = s->rc;
    s->a.password_hash = s->hash;
    if (rc == EG_OK)
        rc = eg_db_begin(c->db, EG_TX_WRITE, &tx);
    if (rc == EG_OK)
        rc = commit(c, tx,
                    eg_signup(c->identity, tx, &s->a, eg_req_remote(c->req), eg_req_id(c->req),
                              c->now_ms, &msg));
    explicit_bzero(s->hash, sizeof(s->hash));
    if (rc == EG_EINVAL) {
        form_error_text(&s->f, "", msgdup(c, &msg));
        form_fail(&s->f, "/signup");
    } else if (rc != EG_OK) {
        form_release(&s->f);
        eg_resp_err(c->req, rc, NULL);
    } else {
        /* The same answer whether or not the person already had an account. */
        form_release(&s->f);
        pg_redirect(c, "/signup/sent");
    }
    eg_buf_release(&msg);
}

/* The identifier of the chosen kind; false (and an error recorded) when it is not valid. */
static bool
check_identifier(struct eg_call *c, struct form *f, enum eg_account_kind kind, const char *pid,
                 const char *tax)
{
    struct eg_buf msg = EG_BUF_INIT(256);
    bool ok = true;
    if (kind == EG_ACCOUNT_CITIZEN) {
        struct eg_pid p;
        if (!pid) {
            form_error(f, "personal_id", "personal_id_required");
            ok = false;
        } else if (eg_pid_parse(pid, year_now(c->now_ms), &p, &msg) != EG_OK) {
            form_error_text(f, "personal_id", msgdup(c, &msg));
            ok = false;
        }
    } else {
        char code[16];
        if (!tax) {
            form_error(f, "tax_code", "tax_code_required");
            ok = false;
        } else if (eg_tax_code_parse(tax, code, &msg) != EG_OK) {
            form_error_text(f, "tax_code", msgdup(c, &msg));
            ok = false;
        }
    }
    eg_buf_release(&msg);
    return ok;
}

void
pg_signup_post(struct eg_call *c, void *ctx)
{
    (void)ctx;
    static const struct field fields[] = {
        {"kind", 16, F_REQUIRED, "kind_required"},
        {"personal_id", 32, 0, NULL},
        {"tax_code", 32, 0, NULL},
        {"name", 300, F_REQUIRED, "name_required"},
        {"email", 254, F_REQUIRED, "email_required"},
        {"phone", 32, 0, NULL},
        {"password", PASSWORD_MAX_BYTES, F_REQUIRED | F_SECRET | F_RAW, "password_required"},
    };
    struct signup *s = eg_arena_zalloc(eg_req_arena(c->req), sizeof(*s));
    if (!s) {
        eg_resp_err(c->req, EG_ENOMEM, NULL);
        return;
    }
    if (form_read(c, &s->f) != EG_OK)
        return;
    const char *v[EG_ARRAY_LEN(fields)];
    form_check(&s->f, fields, EG_ARRAY_LEN(fields), v);
    enum eg_account_kind kind = EG_ACCOUNT_CITIZEN;
    if (v[0] && (eg_account_kind_parse(v[0], &kind) != EG_OK || kind == EG_ACCOUNT_STAFF)) {
        form_error(&s->f, "kind", "kind_required");
        v[0] = NULL;
    }
    if (v[0])
        check_identifier(c, &s->f, kind, v[1], v[2]);
    if (v[4] && !strchr(v[4], '@'))
        form_error(&s->f, "email", "email_invalid");
    struct eg_buf msg = EG_BUF_INIT(256);
    if (v[6] && eg_password_check(c->identity, v[6], &msg) != EG_OK)
        form_error_text(&s->f, "password", msgdup(c, &msg));
    eg_buf_release(&msg);
    if (form_has_errors(&s->f)) {
        form_fail(&s->f, "/signup");
        return;
    }
    s->password = (char *)v[6];
    s->a = (struct eg_account_new){
        .kind = kind,
        .personal_id = kind == EG_ACCOUNT_CITIZEN ? v[1] : NULL,
        .tax_code = kind == EG_ACCOUNT_BUSINESS ? v[2] : NULL,
        .name = v[3],
        .email = v[4],
        .phone = v[5],
    };
    eg_gate_run_slow(c, signup_work, signup_finish, s);
}

void
pg_signup_sent(struct eg_call *c, void *ctx)
{
    plain_page(c, ctx, "signup_sent");
}

/* ---- /verify-email ---------------------------------------------------------------------- */

void
pg_verify(struct eg_call *c, void *ctx)
{
    struct page pg;
    pg_begin(&pg, c, ctx);
    const char *token = pg_query_str(c, "token", TOKEN_MAX);
    if (token)
        json_object_set_new(pg.ctx, "token", json_string(token));
    pg_csrf(&pg);
    pg_render(&pg, 200, "verify_email");
}

void
pg_verify_post(struct eg_call *c, void *ctx)
{
    (void)ctx;
    static const struct field fields[] = {{"token", TOKEN_MAX, F_REQUIRED | F_SECRET, NULL}};
    struct form f;
    if (form_read(c, &f) != EG_OK)
        return;
    const char *v[1];
    enum eg_err rc = EG_EINVAL;
    struct eg_tx *tx;
    if (form_check(&f, fields, 1, v)) {
        rc = eg_db_begin(c->db, EG_TX_WRITE, &tx);
        if (rc == EG_OK)
            rc = commit(c, tx, eg_verify_email(tx, v[0], eg_req_remote(c->req), c->now_ms));
    }
    if (rc == EG_EINVAL) {
        json_array_clear(f.errors);
        form_error(&f, "", "link_invalid");
        form_fail(&f, "/verify-email");
    } else if (rc != EG_OK) {
        form_release(&f);
        eg_resp_err(c->req, rc, NULL);
    } else {
        form_release(&f);
        pg_redirect_notice(c, "/signin", "email_verified");
    }
}

/* ---- /password-reset ----------------------------------------------------------------------- */

void
pg_reset(struct eg_call *c, void *ctx)
{
    /* The emailed link says /password-reset?token=...: the page that sets the password. */
    const char *token = pg_query_str(c, "token", TOKEN_MAX);
    if (token) {
        const char *kv[] = {"token", token, NULL};
        pg_redirect(c, pg_link(c, "/password-reset/new", kv));
        return;
    }
    form_page(c, ctx, "reset", "nav_signin");
}

void
pg_reset_post(struct eg_call *c, void *ctx)
{
    (void)ctx;
    static const struct field fields[] = {{"login", 256, F_REQUIRED, "login_required"}};
    struct form f;
    if (form_read(c, &f) != EG_OK)
        return;
    const char *v[1];
    if (!form_check(&f, fields, 1, v)) {
        form_fail(&f, "/password-reset");
        return;
    }
    struct eg_tx *tx;
    enum eg_err rc = eg_db_begin(c->db, EG_TX_WRITE, &tx);
    if (rc == EG_OK)
        rc = commit(
            c, tx,
            eg_password_reset_request(c->identity, tx, v[0], eg_req_remote(c->req), c->now_ms));
    form_release(&f);
    if (rc != EG_OK) {
        eg_resp_err(c->req, rc, NULL);
        return;
    }
    /* Always the same answer, whether or not such an account exists. */
    pg_redirect(c, "/password-reset/sent");
}

void
pg_reset_sent(struct eg_call *c, void *ctx)
{
    plain_page(c, ctx, "reset_sent");
}

void
pg_reset_new(struct eg_call *c, void *ctx)
{
    struct page pg;
    pg_begin(&pg, c, ctx);
    const char *token = pg_query_str(c, "token", TOKEN_MAX);
    if (token)
        json_object_set_new(pg.ctx, "token", json_string(token));
    pg_csrf(&pg);
    pg_render(&pg, 200, "reset_new");
}

struct reset {
    struct form f;
    const char *token;
    char *password;
    char hash[128];
    enum eg_err rc;
};

static void
reset_work(struct eg_call *c, void *data)
{
    (void)c;
    struct reset *r = data;
    r->rc = eg_password_hash(r->password, r->hash, sizeof(r->hash));
    explicit_bzero(r->password, strlen(r->password));
}

static void
reset_finish(struct eg_call *c, void *data)
{
    struct reset *r = data;
    struct eg_tx *tx;
    enum eg_err rc = r->rc;
    if (rc == EG_OK)
        rc = eg_db_begin(c->db, EG_TX_WRITE, &tx);
    if (rc == EG_OK)
        rc = commit(
            c, tx,
            eg_password_reset_confirm(tx, r->token, r->hash, eg_req_remote(c->req), c->now_ms));
    explicit_bzero(r->hash, sizeof(r->hash));
    if (rc == EG_EINVAL) {
        form_error(&r->f, "", "link_invalid");
        form_fail(&r->f, "/password-reset/new");
    } else if (rc != EG_OK) {
        form_release(&r->f);
        eg_resp_err(c->req, rc, NULL);
    } else {
        form_release(&r->f);
        pg_redirect_notice(c, "/signin", "password_reset_done");
    }
}

void
pg_reset_new_post(struct eg_call *c, void *ctx)
{
    (void)ctx;
    static const struct field fields[] = {
        {"token", TOKEN_MAX, F_REQUIRED | F_SECRET, NULL},
        {"password", PASSWORD_MAX_BYTES, F_REQUIRED | F_SECRET | F_RAW, "new_password_required"},
    };
    struct reset *r = eg_arena_zalloc(eg_req_arena(c->req), sizeof(*r));
    if (!r) {
        eg_resp_err(c->req, EG_ENOMEM, NULL);
        return;
    }
    if (form_read(c, &r->f) != EG_OK)
        return;
    const char *v[EG_ARRAY_LEN(fields)];
    form_check(&r->f, fields, EG_ARRAY_LEN(fields), v);
    if (!v[0]) {
        json_array_clear(r->f.errors);
        form_error(&r->f, "", "link_invalid");
        form_fail(&r->f, "/password-reset/new");
        return;
    }
    struct eg_buf msg = EG_BUF_INIT(256);
    if (v[1] && eg_password_check(c->identity, v[1], &msg) != EG_OK)
        form_error_text(&r->f, "password", msgdup(c, &msg));
    eg_buf_release(&msg);
    if (form_has_errors(&r->f)) {
        const char *kv[] = {"token", v[0], NULL};
        form_fail(&r->f, pg_link(c, "/password-reset/new", kv));
        return;
    }
    r->token = eg_arena_strdup(eg_req_arena(c->req), v[0]);
    r->password = (char *)v[1];
    eg_gate_run_slow(c, reset_work, reset_finish, r);
}
