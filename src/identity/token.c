/* token.c - personal API tokens and emailed single-use tokens. */
#include "identity_int.h"

#include <stdio.h>
#include <string.h>

#define TOKEN_PREFIX "egov_"
#define TTL_MIN_MS (3600LL * 1000)
#define TTL_MAX_MS (366LL * 24 * 3600 * 1000)

static const char *const known_scopes[] = {"read", "write", "admin"};

enum eg_err
eg_scopes_check(const char *scopes, struct eg_buf *msg)
{
    /* Canonical: known names, each once, separated by single spaces. */
    if (!scopes || !*scopes || strlen(scopes) > 100)
        goto bad;
    const char *p = scopes;
    unsigned seen = 0;
    for (;;) {
        size_t n = strcspn(p, " ");
        size_t i;
        for (i = 0; i < EG_ARRAY_LEN(known_scopes); i++)
            if (strlen(known_scopes[i]) == n && strncmp(p, known_scopes[i], n) == 0)
                break;
        if (i == EG_ARRAY_LEN(known_scopes) || (seen & (1u << i)))
            goto bad;
        seen |= 1u << i;
        p += n;
        if (*p == '\0')
            break;
        p++; /* the one space */
        if (*p == ' ' || *p == '\0')
            goto bad;
    }
    return EG_OK;
bad:
    if (msg &&
        eg_buf_adds(msg, "Phạm vi (scope) phải là một hoặc nhiều trong: read, write, admin.") !=
            EG_OK)
        eg_buf_reset(msg);
    return EG_EINVAL;
}

enum eg_err
eg_api_token_create(struct eg_tx *tx, int64_t account_id, const char *name, const char *scopes,
                    long long ttl_ms, const char *actor, int64_t now_ms, int64_t *out_id,
                    char *token, size_t n)
{
    *out_id = 0;
    if (n < sizeof(TOKEN_PREFIX) + EG_TOKEN_TEXT || ttl_ms < TTL_MIN_MS || ttl_ms > TTL_MAX_MS ||
        !name || !*name || strlen(name) > 100 || !eg_utf8_valid(name, strlen(name)))
        return EG_EINVAL;
    enum eg_err rc = eg_scopes_check(scopes, NULL);
    if (rc != EG_OK)
        return rc;
    char raw[EG_TOKEN_TEXT];
    rc = eg_token_new(raw);
    if (rc != EG_OK)
        return rc;
    snprintf(token, n, TOKEN_PREFIX "%s", raw);
    unsigned char h[32];
    eg_token_hash(token, h);
    struct eg_stmt *st;
    bool row = false;
    rc = eg_tx_prepare(tx,
                       "INSERT INTO api_token (token_hash, account_id, name, scopes, created_at, "
                       "expires_at) VALUES (?, ?, ?, ?, ?, ?) RETURNING id",
                       &st);
    if (rc == EG_OK)
        rc = eg_stmt_bind_blob(st, 1, h, sizeof(h));
    if (rc == EG_OK)
        rc = eg_stmt_bind_i64(st, 2, account_id);
    if (rc == EG_OK)
        rc = eg_stmt_bind_text(st, 3, name, SIZE_MAX);
    if (rc == EG_OK)
        rc = eg_stmt_bind_text(st, 4, scopes, SIZE_MAX);
    if (rc == EG_OK)
        rc = eg_stmt_bind_i64(st, 5, now_ms);
    if (rc == EG_OK)
        rc = eg_stmt_bind_i64(st, 6, now_ms + ttl_ms);
    if (rc == EG_OK)
        rc = eg_stmt_step(st, &row);
    if (rc == EG_OK && row)
        *out_id = eg_stmt_i64(st, 0);
    if (rc == EG_OK && row)
        rc = eg_stmt_step(st, &row);
    char object[40];
    snprintf(object, sizeof(object), "api_token:%lld", (long long)*out_id);
    if (rc == EG_OK)
        rc = eg_identity_audit(tx, actor, "auth.token_create", object, true, NULL, NULL, now_ms);
    if (rc != EG_OK)
        sodium_memzero(token, n);
    return rc;
}

enum eg_err
eg_api_token_resolve(struct eg_db *db, const char *token, int64_t now_ms, struct eg_principal *out)
{
    memset(out, 0, sizeof(*out));
    if (!token || strncmp(token, TOKEN_PREFIX, strlen(TOKEN_PREFIX)) != 0 ||
        strlen(token) != strlen(TOKEN_PREFIX) + 43)
        return EG_EUNAUTH;
    unsigned char h[32];
    eg_token_hash(token, h);
    struct eg_tx *tx;
    struct eg_stmt *st;
    bool row = false;
    enum eg_err rc = eg_db_begin(db, EG_TX_READ, &tx);
    if (rc != EG_OK)
        return rc;
    rc = eg_tx_prepare(tx,
                       "SELECT t.account_id, t.scopes, a.kind FROM api_token t JOIN account a ON "
                       "a.id = t.account_id WHERE t.token_hash = ? AND t.revoked_at IS NULL AND "
                       "t.expires_at > ? AND a.status = 'active'",
                       &st);
    if (rc == EG_OK)
        rc = eg_stmt_bind_blob(st, 1, h, sizeof(h));
    if (rc == EG_OK)
        rc = eg_stmt_bind_i64(st, 2, now_ms);
    if (rc == EG_OK)
        rc = eg_stmt_step(st, &row);
    if (rc == EG_OK && row && eg_account_kind_parse(eg_stmt_text(st, 2), &out->kind) == EG_OK) {
        out->account_id = eg_stmt_i64(st, 0);
        out->via_token = true;
        snprintf(out->scopes, sizeof(out->scopes), "%s", eg_stmt_text(st, 1));
    }
    eg_tx_rollback(tx);
    if (rc != EG_OK)
        return rc;
    return out->account_id ? EG_OK : EG_EUNAUTH;
}

enum eg_err
eg_api_token_revoke(struct eg_tx *tx, int64_t account_id, int64_t token_id, const char *actor,
                    int64_t now_ms)
{
    struct eg_stmt *st;
    bool row;
    enum eg_err rc = eg_tx_prepare(tx,
                                   "UPDATE api_token SET revoked_at = ? WHERE id = ? AND "
                                   "revoked_at IS NULL AND (account_id = ? OR ? = 0)",
                                   &st);
    if (rc == EG_OK)
        rc = eg_stmt_bind_i64(st, 1, now_ms);
    if (rc == EG_OK)
        rc = eg_stmt_bind_i64(st, 2, token_id);
    if (rc == EG_OK)
        rc = eg_stmt_bind_i64(st, 3, account_id);
    if (rc == EG_OK)
        rc = eg_stmt_bind_i64(st, 4, account_id);
    if (rc == EG_OK)
        rc = eg_stmt_step(st, &row);
    if (rc == EG_OK && eg_stmt_changes(st) != 1)
        return EG_ENOTFOUND;
    char object[40];
    snprintf(object, sizeof(object), "api_token:%lld", (long long)token_id);
    if (rc == EG_OK)
        rc = eg_identity_audit(tx, actor, "auth.token_revoke", object, true, NULL, NULL, now_ms);
    return rc;
}

enum eg_err
eg_api_token_list(struct eg_db *db, int64_t account_id, json_t **out)
{
    *out = NULL;
    json_t *items = json_array();
    struct eg_tx *tx;
    struct eg_stmt *st;
    if (!items)
        return EG_ENOMEM;
    enum eg_err rc = eg_db_begin(db, EG_TX_READ, &tx);
    if (rc != EG_OK) {
        json_decref(items);
        return rc;
    }
    rc = eg_tx_prepare(tx,
                       "SELECT id, name, scopes, created_at, expires_at, last_used_at, revoked_at "
                       "FROM api_token WHERE account_id = ? ORDER BY id DESC LIMIT 200",
                       &st);
    if (rc == EG_OK)
        rc = eg_stmt_bind_i64(st, 1, account_id);
    bool row = true;
    while (rc == EG_OK) {
        rc = eg_stmt_step(st, &row);
        if (rc != EG_OK || !row)
            break;
        json_t *o = json_pack(
            "{s:I, s:s, s:s, s:I, s:I, s:o, s:b}", "id", (json_int_t)eg_stmt_i64(st, 0), "name",
            eg_stmt_text(st, 1), "scopes", eg_stmt_text(st, 2), "created_at",
            (json_int_t)eg_stmt_i64(st, 3), "expires_at", (json_int_t)eg_stmt_i64(st, 4),
            "last_used_at", eg_stmt_is_null(st, 5) ? json_null() : json_integer(eg_stmt_i64(st, 5)),
            "revoked", !eg_stmt_is_null(st, 6));
        if (!o || json_array_append_new(items, o) != 0)
            rc = EG_ENOMEM;
    }
    eg_tx_rollback(tx);
    if (rc != EG_OK) {
        json_decref(items);
        return rc;
    }
    *out = items;
    return EG_OK;
}

static const char *
purpose_str(enum eg_ott_purpose p)
{
    return p == EG_OTT_VERIFY_EMAIL ? "verify_email" : "reset_password";
}

enum eg_err
eg_ott_create(struct eg_tx *tx, int64_t account_id, enum eg_ott_purpose p, long long ttl_ms,
              int64_t now_ms, char token[EG_TOKEN_TEXT])
{
    enum eg_err rc = eg_token_new(token);
    if (rc != EG_OK)
        return rc;
    unsigned char h[32];
    eg_token_hash(token, h);
    struct eg_stmt *st;
    bool row;
    /* One live token per purpose: a new link replaces the old one. */
    rc = eg_tx_prepare(tx,
                       "UPDATE one_time_token SET used_at = ? WHERE account_id = ? AND purpose = "
                       "? AND used_at IS NULL",
                       &st);
    if (rc == EG_OK)
        rc = eg_stmt_bind_i64(st, 1, now_ms);
    if (rc == EG_OK)
        rc = eg_stmt_bind_i64(st, 2, account_id);
    if (rc == EG_OK)
        rc = eg_stmt_bind_text(st, 3, purpose_str(p), SIZE_MAX);
    if (rc == EG_OK)
        rc = eg_stmt_step(st, &row);
    if (rc == EG_OK)
        rc = eg_tx_prepare(tx,
                           "INSERT INTO one_time_token (token_hash, account_id, purpose, "
                           "created_at, expires_at) VALUES (?, ?, ?, ?, ?)",
                           &st);
    if (rc == EG_OK)
        rc = eg_stmt_bind_blob(st, 1, h, sizeof(h));
    if (rc == EG_OK)
        rc = eg_stmt_bind_i64(st, 2, account_id);
    if (rc == EG_OK)
        rc = eg_stmt_bind_text(st, 3, purpose_str(p), SIZE_MAX);
    if (rc == EG_OK)
        rc = eg_stmt_bind_i64(st, 4, now_ms);
    if (rc == EG_OK)
        rc = eg_stmt_bind_i64(st, 5, now_ms + ttl_ms);
    if (rc == EG_OK)
        rc = eg_stmt_step(st, &row);
    return rc;
}

enum eg_err
eg_ott_consume(struct eg_tx *tx, const char *token, enum eg_ott_purpose p, int64_t now_ms,
               int64_t *account_id)
{
    *account_id = 0;
    if (!token || strlen(token) != 43)
        return EG_EINVAL;
    unsigned char h[32];
    eg_token_hash(token, h);
    struct eg_stmt *st;
    bool row = false;
    /* UPDATE ... RETURNING: only one consumer can ever win the token. */
    enum eg_err rc = eg_tx_prepare(tx,
                                   "UPDATE one_time_token SET used_at = ? WHERE token_hash = ? AND "
                                   "purpose = ? AND used_at IS NULL AND expires_at > ? "
                                   "RETURNING account_id",
                                   &st);
    if (rc == EG_OK)
        rc = eg_stmt_bind_i64(st, 1, now_ms);
    if (rc == EG_OK)
        rc = eg_stmt_bind_blob(st, 2, h, sizeof(h));
    if (rc == EG_OK)
        rc = eg_stmt_bind_text(st, 3, purpose_str(p), SIZE_MAX);
    if (rc == EG_OK)
        rc = eg_stmt_bind_i64(st, 4, now_ms);
    if (rc == EG_OK)
        rc = eg_stmt_step(st, &row);
    if (rc == EG_OK && !row)
        return EG_EINVAL;
    if (rc == EG_OK)
        *account_id = eg_stmt_i64(st, 0);
    if (rc == EG_OK)
        rc = eg_stmt_step(st, &row);
    return rc;
}
