/* account.c - the signed-in person's second factor and API tokens. */
#include "api_int.h"

#include <sodium.h>
#include <stdio.h>
#include <string.h>

#define DAY_MS (24LL * 3600 * 1000)

static const char *
actor(const struct eg_call *c, char *buf, size_t n)
{
    snprintf(buf, n, "account:%lld", (long long)c->who.account_id);
    return buf;
}

/* POST /api/v1/me/totp: a new secret to scan; nothing is stored until it is confirmed. */
void
eg_api_totp_begin(struct eg_call *c, void *ctx)
{
    (void)ctx;
    char secret[33];
    struct eg_buf uri = EG_BUF_INIT(1024);
    json_t *a = NULL;
    struct eg_tx *tx;
    enum eg_err rc = eg_totp_new_secret(secret);
    if (rc == EG_OK)
        rc = eg_db_begin(c->db, EG_TX_READ, &tx);
    if (rc == EG_OK) {
        rc = eg_account_get(c->identity, tx, c->who.account_id, &a);
        eg_tx_rollback(tx);
    }
    /* The label shows in the authenticator app: the name, never a personal id number. */
    const char *label = a ? json_string_value(json_object_get(a, "name")) : NULL;
    if (rc == EG_OK)
        rc = eg_totp_uri(secret, label ? label : "egov", "egov", &uri);
    json_decref(a);
    if (rc != EG_OK) {
        eg_buf_release(&uri);
        eg_resp_err(c->req, rc, NULL);
        return;
    }
    eg_resp_json(c->req, 200, json_pack("{s:s, s:s}", "secret", secret, "otpauth_uri", uri.p));
    sodium_memzero(secret, sizeof(secret));
    eg_buf_release(&uri);
}

/* POST /api/v1/me/totp/confirm: a first code from the app turns TOTP on. */
void
eg_api_totp_confirm(struct eg_call *c, void *ctx)
{
    (void)ctx;
    static const struct eg_json_field fields[] = {
        {"secret", EG_JSON_STRING, true, 64, 0, 0},
        {"code", EG_JSON_STRING, true, 16, 0, 0},
    };
    json_t *in;
    if (eg_api_read_json(c->req, &in) != EG_OK)
        return;
    if (eg_api_check(c->req, in, fields, EG_ARRAY_LEN(fields)) != EG_OK) {
        json_decref(in);
        return;
    }
    char codes[10][12];
    struct eg_buf msg = EG_BUF_INIT(256);
    struct eg_tx *tx;
    enum eg_err rc = eg_db_begin(c->db, EG_TX_WRITE, &tx);
    if (rc == EG_OK) {
        rc = eg_totp_enable(c->identity, tx, c->who.account_id,
                            json_string_value(json_object_get(in, "secret")),
                            json_string_value(json_object_get(in, "code")), c->now_ms, codes, &msg);
        if (rc == EG_OK)
            rc = eg_tx_commit(tx);
        else
            eg_tx_rollback(tx);
    }
    json_decref(in);
    if (rc == EG_EINVAL || rc == EG_EFORBIDDEN) {
        eg_resp_error(c->req, 400, "invalid_code",
                      eg_arena_strdup(eg_req_arena(c->req), eg_buf_str(&msg)));
    } else if (rc != EG_OK) {
        eg_resp_err(c->req, rc, NULL);
    } else {
        json_t *list = json_array();
        for (int i = 0; i < 10; i++)
            json_array_append_new(list, json_string(codes[i]));
        sodium_memzero(codes, sizeof(codes));
        eg_resp_json(c->req, 200,
                     json_pack("{s:b, s:o}", "totp_enabled", 1, "recovery_codes", list));
    }
    eg_buf_release(&msg);
}

/* DELETE /api/v1/me/totp {"code"}: a current code (or a recovery code) turns it off. */
void
eg_api_totp_disable(struct eg_call *c, void *ctx)
{
    (void)ctx;
    static const struct eg_json_field fields[] = {{"code", EG_JSON_STRING, true, 16, 0, 0}};
    json_t *in;
    if (eg_api_read_json(c->req, &in) != EG_OK)
        return;
    if (eg_api_check(c->req, in, fields, EG_ARRAY_LEN(fields)) != EG_OK) {
        json_decref(in);
        return;
    }
    struct eg_tx *tx;
    char who[40];
    bool privileged = false;
    enum eg_err rc = eg_db_begin(c->db, EG_TX_WRITE, &tx);
    if (rc == EG_OK)
        rc = eg_access_privileged(tx, c->who.account_id, &privileged);
    if (rc == EG_OK && privileged)
        rc = EG_ECONFLICT;
    if (rc == EG_OK)
        rc = eg_totp_check(c->identity, tx, c->who.account_id,
                           json_string_value(json_object_get(in, "code")), c->now_ms);
    if (rc == EG_OK)
        rc = eg_totp_disable(tx, c->who.account_id, actor(c, who, sizeof(who)), c->now_ms);
    if (rc == EG_OK)
        rc = eg_tx_commit(tx);
    else
        eg_tx_rollback(tx);
    json_decref(in);
    if (rc == EG_ECONFLICT)
        eg_resp_error(c->req, 409, "mfa_required_for_role",
                      "Tài khoản giữ vai trò phê duyệt hoặc quản trị phải dùng xác thực hai lớp.");
    else if (rc == EG_EFORBIDDEN)
        eg_resp_error(c->req, 403, "invalid_code", "Mã xác thực không đúng hoặc đã được dùng.");
    else if (rc != EG_OK)
        eg_resp_err(c->req, rc, NULL);
    else
        eg_resp_bytes(c->req, 204, "application/json", "", 0);
}

/* GET /api/v1/me/tokens */
void
eg_api_tokens(struct eg_call *c, void *ctx)
{
    (void)ctx;
    json_t *list;
    enum eg_err rc = eg_api_token_list(c->db, c->who.account_id, &list);
    if (rc != EG_OK) {
        eg_resp_err(c->req, rc, NULL);
        return;
    }
    eg_resp_json(c->req, 200, json_pack("{s:o}", "items", list));
}

/* POST /api/v1/me/tokens {"name","scopes","ttl_days"}: the token is shown once, here. */
void
eg_api_token_new(struct eg_call *c, void *ctx)
{
    (void)ctx;
    static const struct eg_json_field fields[] = {
        {"name", EG_JSON_STRING, true, 100, 0, 0},
        {"scopes", EG_JSON_STRING, true, 100, 0, 0},
        {"ttl_days", EG_JSON_INT, false, 0, 1, 366},
    };
    json_t *in;
    if (eg_api_read_json(c->req, &in) != EG_OK)
        return;
    if (eg_api_check(c->req, in, fields, EG_ARRAY_LEN(fields)) != EG_OK) {
        json_decref(in);
        return;
    }
    const char *scopes = json_string_value(json_object_get(in, "scopes"));
    struct eg_buf msg = EG_BUF_INIT(256);
    if (eg_scopes_check(scopes, &msg) != EG_OK) {
        eg_resp_error(c->req, 400, "invalid_argument",
                      eg_arena_strdup(eg_req_arena(c->req), eg_buf_str(&msg)));
        eg_buf_release(&msg);
        json_decref(in);
        return;
    }
    eg_buf_release(&msg);
    /* A token never mints a token wider than itself. */
    if (c->who.via_token) {
        static const char *const all[] = {"read", "write", "admin"};
        for (size_t i = 0; i < EG_ARRAY_LEN(all); i++) {
            if (strstr(scopes, all[i]) && !strstr(c->who.scopes, all[i])) {
                eg_resp_error(c->req, 403, "insufficient_scope",
                              "Mã truy cập không thể tạo mã có phạm vi rộng hơn chính nó.");
                json_decref(in);
                return;
            }
        }
    }
    json_t *ttl = json_object_get(in, "ttl_days");
    long long days = json_is_integer(ttl) ? json_integer_value(ttl) : 90;
    char token[64], who[40];
    int64_t id = 0;
    struct eg_tx *tx;
    enum eg_err rc = eg_db_begin(c->db, EG_TX_WRITE, &tx);
    if (rc == EG_OK) {
        rc = eg_api_token_create(
            tx, c->who.account_id, json_string_value(json_object_get(in, "name")), scopes,
            days * DAY_MS, actor(c, who, sizeof(who)), c->now_ms, &id, token, sizeof(token));
        if (rc == EG_OK)
            rc = eg_tx_commit(tx);
        else
            eg_tx_rollback(tx);
    }
    if (rc != EG_OK) {
        json_decref(in);
        eg_resp_err(c->req, rc, NULL);
        return;
    }
    eg_resp_json(c->req, 201,
                 json_pack("{s:I, s:s, s:O, s:s, s:I}", "id", (json_int_t)id, "token", token,
                           "name", json_object_get(in, "name"), "scopes", scopes, "expires_at",
                           (json_int_t)(c->now_ms + days * DAY_MS)));
    sodium_memzero(token, sizeof(token));
    json_decref(in);
}

/* DELETE /api/v1/me/tokens/{id} */
void
eg_api_token_delete(struct eg_call *c, void *ctx)
{
    (void)ctx;
    long long id;
    if (eg_parse_i64(eg_req_param(c->req, "id"), 1, INT64_MAX, &id) != EG_OK) {
        eg_resp_error(c->req, 404, "not_found", NULL);
        return;
    }
    struct eg_tx *tx;
    char who[40];
    enum eg_err rc = eg_db_begin(c->db, EG_TX_WRITE, &tx);
    if (rc == EG_OK) {
        rc = eg_api_token_revoke(tx, c->who.account_id, id, actor(c, who, sizeof(who)), c->now_ms);
        if (rc == EG_OK)
            rc = eg_tx_commit(tx);
        else
            eg_tx_rollback(tx);
    }
    if (rc == EG_ENOTFOUND)
        eg_resp_error(c->req, 404, "not_found", NULL);
    else if (rc != EG_OK)
        eg_resp_err(c->req, rc, NULL);
    else
        eg_resp_bytes(c->req, 204, "application/json", "", 0);
}
