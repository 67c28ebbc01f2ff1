/*
 * flows.c - the emailed flows: sign-up with email verification, and password
 * reset. Every mail goes through the durable outbox in the same transaction as
 * the change that calls for it, so a rolled-back change sends nothing and a
 * mail server that is down loses nothing.
 */
#include "identity_int.h"

#include "notify/notify.h"

#include <stdio.h>
#include <string.h>

#define VERIFY_TTL_MS (24LL * 3600 * 1000)
#define RESET_TTL_MS (3600LL * 1000)
#define RESETS_PER_HOUR 5

static enum eg_err
mail(const struct eg_identity *id, struct eg_tx *tx, const char *key, const char *to,
     const char *to_name, const char *subject, const char *body, int64_t now_ms)
{
    char full_subject[256];
    snprintf(full_subject, sizeof(full_subject), "[%s] %s", id->cfg.site_name, subject);
    enum eg_err rc = eg_outbox_add_email(tx, key, to, to_name, full_subject, body, NULL, now_ms);
    /* The same mail already queued (a double click): fine. */
    return rc == EG_ECONFLICT ? EG_OK : rc;
}

static enum eg_err
account_email(struct eg_tx *tx, int64_t account_id, char *email, size_t en, char *name, size_t nn,
              char *status, size_t sn)
{
    struct eg_stmt *st;
    bool row = false;
    enum eg_err rc = eg_tx_prepare(tx, "SELECT email, name, status FROM account WHERE id = ?", &st);
    if (rc == EG_OK)
        rc = eg_stmt_bind_i64(st, 1, account_id);
    if (rc == EG_OK)
        rc = eg_stmt_step(st, &row);
    if (rc == EG_OK && !row)
        return EG_ENOTFOUND;
    if (rc == EG_OK) {
        snprintf(email, en, "%s", eg_stmt_text(st, 0) ? eg_stmt_text(st, 0) : "");
        snprintf(name, nn, "%s", eg_stmt_text(st, 1));
        snprintf(status, sn, "%s", eg_stmt_text(st, 2));
    }
    eg_stmt_reset(st);
    return rc;
}

/* The first existing account that any of a's identifiers belongs to, or 0. */
static enum eg_err
existing(const struct eg_identity *id, struct eg_tx *tx, const struct eg_account_new *a,
         int64_t *out)
{
    const char *ids[] = {a->personal_id, a->tax_code, a->login, a->email};
    *out = 0;
    for (size_t i = 0; i < EG_ARRAY_LEN(ids) && *out == 0; i++) {
        if (!ids[i] || !*ids[i])
            continue;
        enum eg_err rc = eg_account_find(id, tx, ids[i], out);
        if (rc != EG_OK && rc != EG_ENOTFOUND)
            return rc;
    }
    return EG_OK;
}

enum eg_err
eg_signup(const struct eg_identity *id, struct eg_tx *tx, const struct eg_account_new *a,
          const char *remote, const char *request_id, int64_t now_ms, struct eg_buf *msg)
{
    if (a->kind == EG_ACCOUNT_STAFF)
        return EG_EFORBIDDEN; /* staff accounts are made by administrators */
    int64_t other = 0;
    enum eg_err rc = existing(id, tx, a, &other);
    if (rc != EG_OK)
        return rc;
    char body[2048], key[96];
    if (other) {
        char email[256], name[256], status[16];
        rc = account_email(tx, other, email, sizeof(email), name, sizeof(name), status,
                           sizeof(status));
        if (rc != EG_OK || !email[0])
            return rc;
        snprintf(body, sizeof(body),
                 "Kính gửi %s,\n\n"
                 "Vừa có người dùng thông tin của bạn để đăng ký tài khoản mới trên %s, trong "
                 "khi bạn đã có tài khoản.\n\n"
                 "Nếu đó là bạn, hãy đăng nhập tại %s/signin hoặc đặt lại mật khẩu tại "
                 "%s/password-reset.\n"
                 "Nếu không phải bạn, bạn không cần làm gì; tài khoản của bạn không thay đổi.\n",
                 name, id->cfg.site_name, id->cfg.public_url, id->cfg.public_url);
        snprintf(key, sizeof(key), "signup-existing:%lld:%lld", (long long)other,
                 (long long)(now_ms / 60000));
        rc =
            mail(id, tx, key, email, name, "Có người đăng ký bằng thông tin của bạn", body, now_ms);
        if (rc == EG_OK)
            rc = eg_identity_audit(tx, "anonymous", "account.signup_duplicate",
                                   eg_actor_of(other, key, sizeof(key)), false, remote, request_id,
                                   now_ms);
        return rc;
    }
    struct eg_account_new n = *a;
    n.active = false; /* until the email is verified */
    n.ldap = false;
    int64_t account = 0;
    rc = eg_account_create(id, tx, &n, "anonymous", now_ms, &account, msg);
    char token[EG_TOKEN_TEXT];
    if (rc == EG_OK)
        rc = eg_ott_create(tx, account, EG_OTT_VERIFY_EMAIL, VERIFY_TTL_MS, now_ms, token);
    if (rc != EG_OK)
        return rc;
    snprintf(body, sizeof(body),
             "Kính gửi %s,\n\n"
             "Cảm ơn bạn đã đăng ký tài khoản trên %s.\n"
             "Để kích hoạt tài khoản, hãy mở liên kết sau trong vòng 24 giờ:\n\n"
             "%s/verify-email?token=%s\n\n"
             "Nếu bạn không đăng ký, hãy bỏ qua thư này.\n",
             a->name, id->cfg.site_name, id->cfg.public_url, token);
    snprintf(key, sizeof(key), "verify-email:%lld", (long long)account);
    rc = mail(id, tx, key, a->email, a->name, "Xác nhận địa chỉ thư điện tử", body, now_ms);
    sodium_memzero(token, sizeof(token));
    sodium_memzero(body, sizeof(body));
    return rc;
}

static enum eg_err
set_verified(struct eg_tx *tx, int64_t account_id, int64_t now_ms)
{
    struct eg_stmt *st;
    bool row;
    enum eg_err rc = eg_tx_prepare(tx,
                                   "UPDATE account SET email_verified = 1, status = CASE WHEN "
                                   "status = 'pending' THEN 'active' ELSE status END, "
                                   "updated_at = ? WHERE id = ?",
                                   &st);
    if (rc == EG_OK)
        rc = eg_stmt_bind_i64(st, 1, now_ms);
    if (rc == EG_OK)
        rc = eg_stmt_bind_i64(st, 2, account_id);
    if (rc == EG_OK)
        rc = eg_stmt_step(st, &row);
    return rc;
}

enum eg_err
eg_verify_email(struct eg_tx *tx, const char *token, const char *remote, int64_t now_ms)
{
    int64_t account = 0;
    enum eg_err rc = eg_ott_consume(tx, token, EG_OTT_VERIFY_EMAIL, now_ms, &account);
    if (rc != EG_OK)
        return rc;
    rc = set_verified(tx, account, now_ms);
    char actor[40];
    eg_actor_of(account, actor, sizeof(actor));
    if (rc == EG_OK)
        rc = eg_identity_audit(tx, actor, "account.email_verified", actor, true, remote, NULL,
                               now_ms);
    return rc;
}

/* At most RESETS_PER_HOUR requests a login and hour, counted like sign-in attempts. */
static enum eg_err
reset_allowed(const struct eg_identity *id, struct eg_tx *tx, int64_t account_id, int64_t now_ms,
              bool *ok)
{
    char key[64];
    snprintf(key, sizeof(key), "reset:%lld", (long long)account_id);
    (void)id;
    int64_t minute = now_ms / 60000;
    struct eg_stmt *st;
    bool row = false;
    enum eg_err rc = eg_tx_prepare(tx,
                                   "SELECT COALESCE(SUM(attempts), 0) FROM signin_attempt WHERE "
                                   "key = ? AND minute > ?",
                                   &st);
    if (rc == EG_OK)
        rc = eg_stmt_bind_text(st, 1, key, SIZE_MAX);
    if (rc == EG_OK)
        rc = eg_stmt_bind_i64(st, 2, minute - 60);
    if (rc == EG_OK)
        rc = eg_stmt_step(st, &row);
    int64_t n = row ? eg_stmt_i64(st, 0) : 0;
    if (rc == EG_OK && row)
        rc = eg_stmt_step(st, &row);
    *ok = n < RESETS_PER_HOUR;
    if (rc != EG_OK || !*ok)
        return rc;
    rc =
        eg_tx_prepare(tx,
                      "INSERT INTO signin_attempt (key, minute, attempts) VALUES (?, ?, 1) ON "
                      "CONFLICT (key, minute) DO UPDATE SET attempts = signin_attempt.attempts + 1",
                      &st);
    if (rc == EG_OK)
        rc = eg_stmt_bind_text(st, 1, key, SIZE_MAX);
    if (rc == EG_OK)
        rc = eg_stmt_bind_i64(st, 2, minute);
    if (rc == EG_OK)
        rc = eg_stmt_step(st, &row);
    return rc;
}

enum eg_err
eg_password_reset_request(const struct eg_identity *id, struct eg_tx *tx, const char *login,
                          const char *remote, int64_t now_ms)
{
    int64_t account = 0;
    enum eg_err rc = eg_account_find(id, tx, login, &account);
    if (rc == EG_ENOTFOUND)
        return EG_OK; /* the same answer: nobody learns whether the login exists */
    if (rc != EG_OK)
        return rc;
    char email[256], name[256], status[16];
    rc = account_email(tx, account, email, sizeof(email), name, sizeof(name), status,
                       sizeof(status));
    if (rc != EG_OK || !email[0] || strcmp(status, "disabled") == 0)
        return rc;
    bool ok = false;
    rc = reset_allowed(id, tx, account, now_ms, &ok);
    if (rc != EG_OK || !ok)
        return rc;
    char token[EG_TOKEN_TEXT], body[2048], key[64];
    rc = eg_ott_create(tx, account, EG_OTT_RESET_PASSWORD, RESET_TTL_MS, now_ms, token);
    if (rc != EG_OK)
        return rc;
    snprintf(body, sizeof(body),
             "Kính gửi %s,\n\n"
             "Chúng tôi nhận được yêu cầu đặt lại mật khẩu tài khoản của bạn trên %s.\n"
             "Để đặt mật khẩu mới, hãy mở liên kết sau trong vòng 1 giờ (chỉ dùng được một "
             "lần):\n\n"
             "%s/password-reset?token=%s\n\n"
             "Nếu bạn không yêu cầu, hãy bỏ qua thư này; mật khẩu hiện tại vẫn dùng được.\n",
             name, id->cfg.site_name, id->cfg.public_url, token);
    snprintf(key, sizeof(key), "reset:%lld:%lld", (long long)account, (long long)now_ms);
    rc = mail(id, tx, key, email, name, "Đặt lại mật khẩu", body, now_ms);
    sodium_memzero(token, sizeof(token));
    sodium_memzero(body, sizeof(body));
    char object[40];
    if (rc == EG_OK)
        rc = eg_identity_audit(tx, "anonymous", "auth.password_reset_request",
                               eg_actor_of(account, object, sizeof(object)), true, remote, NULL,
                               now_ms);
    return rc;
}

enum eg_err
eg_password_reset_confirm(struct eg_tx *tx, const char *token, const char *hash, const char *remote,
                          int64_t now_ms)
{
    int64_t account = 0;
    enum eg_err rc = eg_ott_consume(tx, token, EG_OTT_RESET_PASSWORD, now_ms, &account);
    if (rc != EG_OK)
        return rc;
    char actor[40];
    eg_actor_of(account, actor, sizeof(actor));
    (void)remote;
    rc = eg_account_set_password(tx, account, hash, actor, now_ms);
    if (rc == EG_OK)
        rc = set_verified(tx, account, now_ms);
    return rc;
}
