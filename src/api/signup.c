/* signup.c - signing up, verifying the email address, and resetting a forgotten password. */
#include "api_int.h"

#include "notify/notify.h"

#include <sodium.h>
#include <string.h>

#define PASSWORD_MAX_BYTES 1024

static char *
copy(struct eg_call *c, const json_t *in, const char *key)
{
    const char *s = json_string_value(json_object_get(in, key));
    return s ? eg_arena_strdup(eg_req_arena(c->req), s) : NULL;
}

/* Commits tx (or rolls it back on rc) and wakes the mail sender. */
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

/* ---- POST /api/v1/accounts -------------------------------------------------------- */

struct signup {
    struct eg_account_new a;
    char *password;
    char hash[crypto_pwhash_STRBYTES];
    enum eg_err rc;
};

static void
signup_work(struct eg_call *c, void *data)
{
    (void)c;
    struct signup *s = data;
    s->rc = eg_password_hash(s->password, s->hash, sizeof(s->hash));
    sodium_memzero(s->password, strlen(s->password));
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
    sodium_memzero(s->hash, sizeof(s->hash));
    if (rc == EG_EINVAL) {
        eg_resp_error(c->req, 400, "invalid_argument",
                      eg_arena_strdup(eg_req_arena(c->req), eg_buf_str(&msg)));
    } else if (rc != EG_OK) {
        eg_resp_err(c->req, rc, NULL);
    } else {
        /* The same answer whether or not the person already had an account. */
        eg_resp_json(c->req, 202,
                     json_pack("{s:s, s:s}", "status", "check_email", "message",
                               strcmp(eg_req_lang(c->req), "en") == 0
                                   ? "We have sent a message to the address you gave; follow "
                                     "its link to activate the account."
                                   : "Chúng tôi đã gửi thư đến địa chỉ bạn cung cấp; hãy mở "
                                     "liên kết trong thư để kích hoạt tài khoản."));
    }
    eg_buf_release(&msg);
}

void
eg_api_signup(struct eg_call *c, void *ctx)
{
    (void)ctx;
    static const struct eg_json_field fields[] = {
        {"kind", EG_JSON_STRING, true, 16, 0, 0},
        {"personal_id", EG_JSON_STRING, false, 32, 0, 0},
        {"tax_code", EG_JSON_STRING, false, 32, 0, 0},
        {"login", EG_JSON_STRING, false, 64, 0, 0},
        {"name", EG_JSON_STRING, true, 300, 0, 0},
        {"email", EG_JSON_STRING, true, 254, 0, 0},
        {"phone", EG_JSON_STRING, false, 32, 0, 0},
        {"birth_date", EG_JSON_STRING, false, 10, 0, 0},
        {"address", EG_JSON_STRING, false, 300, 0, 0},
        {"admin_unit", EG_JSON_STRING, false, 300, 0, 0},
        {"password", EG_JSON_SECRET, true, PASSWORD_MAX_BYTES, 0, 0},
    };
    json_t *in;
    if (eg_api_read_json(c->req, &in) != EG_OK)
        return;
    if (eg_api_check(c->req, in, fields, EG_ARRAY_LEN(fields)) != EG_OK) {
        json_decref(in);
        return;
    }
    struct signup *s = eg_arena_zalloc(eg_req_arena(c->req), sizeof(*s));
    struct eg_buf msg = EG_BUF_INIT(512);
    enum eg_account_kind kind;
    const char *why = NULL;
    if (!s) {
        eg_resp_err(c->req, EG_ENOMEM, NULL);
        goto out;
    }
    if (eg_account_kind_parse(json_string_value(json_object_get(in, "kind")), &kind) != EG_OK ||
        kind == EG_ACCOUNT_STAFF) {
        why = "Loại tài khoản phải là citizen (công dân) hoặc business (doanh nghiệp, tổ chức).";
    } else if (kind == EG_ACCOUNT_CITIZEN && !json_object_get(in, "personal_id")) {
        why = "Công dân đăng ký bằng số định danh cá nhân (personal_id).";
    } else if (kind == EG_ACCOUNT_BUSINESS && !json_object_get(in, "tax_code")) {
        why = "Doanh nghiệp, tổ chức đăng ký bằng mã số thuế (tax_code).";
    }
    s->password = copy(c, in, "password");
    if (!why && eg_password_check(c->identity, s->password, &msg) != EG_OK)
        why = eg_arena_strdup(eg_req_arena(c->req), eg_buf_str(&msg));
    if (why) {
        eg_resp_error(c->req, 400, "invalid_argument", why);
        goto out;
    }
    s->a = (struct eg_account_new){
        .kind = kind,
        .login = copy(c, in, "login"),
        .personal_id = copy(c, in, "personal_id"),
        .tax_code = copy(c, in, "tax_code"),
        .name = copy(c, in, "name"),
        .email = copy(c, in, "email"),
        .phone = copy(c, in, "phone"),
        .birth_date = copy(c, in, "birth_date"),
        .address = copy(c, in, "address"),
        .admin_unit = copy(c, in, "admin_unit"),
    };
    eg_gate_run_slow(c, signup_work, signup_finish, s);
out:
    eg_buf_release(&msg);
    json_decref(in);
}

/* ---- POST /api/v1/accounts/verify-email ---------------------------------------------- */

void
eg_api_verify_email(struct eg_call *c, void *ctx)
{
    (void)ctx;
    static const struct eg_json_field fields[] = {{"token", EG_JSON_STRING, true, 64, 0, 0}};
    json_t *in;
    if (eg_api_read_json(c->req, &in) != EG_OK)
        return;
    if (eg_api_check(c->req, in, fields, EG_ARRAY_LEN(fields)) != EG_OK) {
        json_decref(in);
        return;
    }
    struct eg_tx *tx;
    enum eg_err rc = eg_db_begin(c->db, EG_TX_WRITE, &tx);
    if (rc == EG_OK)
        rc = commit(c, tx,
                    eg_verify_email(tx, json_string_value(json_object_get(in, "token")),
                                    eg_req_remote(c->req), c->now_ms));
    json_decref(in);
    if (rc == EG_EINVAL)
        eg_resp_error(c->req, 400, "invalid_link",
                      "Liên kết không hợp lệ, đã được dùng hoặc đã hết hạn.");
    else if (rc != EG_OK)
        eg_resp_err(c->req, rc, NULL);
    else
        eg_resp_json(c->req, 200, json_pack("{s:b}", "email_verified", 1));
}

/* ---- POST /api/v1/password-reset ------------------------------------------------------ */

void
eg_api_reset_request(struct eg_call *c, void *ctx)
{
    (void)ctx;
    static const struct eg_json_field fields[] = {{"login", EG_JSON_STRING, true, 256, 0, 0}};
    json_t *in;
    if (eg_api_read_json(c->req, &in) != EG_OK)
        return;
    if (eg_api_check(c->req, in, fields, EG_ARRAY_LEN(fields)) != EG_OK) {
        json_decref(in);
        return;
    }
    struct eg_tx *tx;
    enum eg_err rc = eg_db_begin(c->db, EG_TX_WRITE, &tx);
    if (rc == EG_OK)
        rc = commit(c, tx,
                    eg_password_reset_request(c->identity, tx,
                                              json_string_value(json_object_get(in, "login")),
                                              eg_req_remote(c->req), c->now_ms));
    json_decref(in);
    if (rc != EG_OK) {
        eg_resp_err(c->req, rc, NULL);
        return;
    }
    /* Always the same answer. */
    eg_resp_json(c->req, 202,
                 json_pack("{s:s, s:s}", "status", "check_email", "message",
                           strcmp(eg_req_lang(c->req), "en") == 0
                               ? "If an account with an email address matches, a link to set a "
                                 "new password is on its way."
                               : "Nếu có tài khoản khớp và có địa chỉ thư điện tử, liên kết đặt "
                                 "lại mật khẩu đang được gửi đến địa chỉ đó."));
}

/* ---- POST /api/v1/password-reset/confirm ----------------------------------------------- */

struct reset {
    char *token, *password;
    char hash[crypto_pwhash_STRBYTES];
    enum eg_err rc;
};

static void
reset_work(struct eg_call *c, void *data)
{
    (void)c;
    struct reset *r = data;
    r->rc = eg_password_hash(r->password, r->hash, sizeof(r->hash));
    sodium_memzero(r->password, strlen(r->password));
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
    sodium_memzero(r->hash, sizeof(r->hash));
    if (rc == EG_EINVAL)
        eg_resp_error(c->req, 400, "invalid_link",
                      "Liên kết không hợp lệ, đã được dùng hoặc đã hết hạn.");
    else if (rc != EG_OK)
        eg_resp_err(c->req, rc, NULL);
    else
        eg_resp_bytes(c->req, 204, "application/json", "", 0);
}

void
eg_api_reset_confirm(struct eg_call *c, void *ctx)
{
    (void)ctx;
    static const struct eg_json_field fields[] = {
        {"token", EG_JSON_STRING, true, 64, 0, 0},
        {"password", EG_JSON_SECRET, true, PASSWORD_MAX_BYTES, 0, 0},
    };
    json_t *in;
    if (eg_api_read_json(c->req, &in) != EG_OK)
        return;
    if (eg_api_check(c->req, in, fields, EG_ARRAY_LEN(fields)) != EG_OK) {
        json_decref(in);
        return;
    }
    struct reset *r = eg_arena_zalloc(eg_req_arena(c->req), sizeof(*r));
    struct eg_buf msg = EG_BUF_INIT(256);
    if (r) {
        r->token = copy(c, in, "token");
        r->password = copy(c, in, "password");
    }
    if (!r || !r->token || !r->password)
        eg_resp_err(c->req, EG_ENOMEM, NULL);
    else if (eg_password_check(c->identity, r->password, &msg) != EG_OK)
        eg_resp_error(c->req, 400, "weak_password",
                      eg_arena_strdup(eg_req_arena(c->req), eg_buf_str(&msg)));
    else
        eg_gate_run_slow(c, reset_work, reset_finish, r);
    eg_buf_release(&msg);
    json_decref(in);
}
