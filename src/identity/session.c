/* session.c - browser sessions: opaque tokens, idle and absolute ends, rotation. */
#include "identity_int.h"

#include <stdio.h>
#include <string.h>

#define TOUCH_EVERY_MS 60000

enum eg_err
eg_session_create(const struct eg_identity *id, struct eg_tx *tx, int64_t account_id,
                  bool mfa_pending, bool mfa_enroll, const char *remote, const char *user_agent,
                  int64_t now_ms, char token[EG_TOKEN_TEXT], char csrf[EG_TOKEN_TEXT])
{
    unsigned char h[32];
    enum eg_err rc = eg_token_new(token);
    if (rc == EG_OK)
        rc = eg_token_new(csrf);
    if (rc != EG_OK)
        return rc;
    eg_token_hash(token, h);
    char ua[256];
    size_t n = 0;
    /* The user agent is shown on "my sessions": keep it short and printable. */
    for (const char *p = user_agent ? user_agent : ""; *p && n < sizeof(ua) - 1; p++)
        ua[n++] = ((unsigned char)*p < 0x20 || (unsigned char)*p >= 0x7f) ? '?' : *p;
    ua[n] = '\0';
    struct eg_stmt *st;
    bool row;
    rc = eg_tx_prepare(tx,
                       "INSERT INTO session (token_hash, account_id, csrf, mfa_pending, "
                       "created_at, last_seen_at, expires_at, remote, user_agent, mfa_enroll) "
                       "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                       &st);
    if (rc == EG_OK)
        rc = eg_stmt_bind_blob(st, 1, h, sizeof(h));
    if (rc == EG_OK)
        rc = eg_stmt_bind_i64(st, 2, account_id);
    if (rc == EG_OK)
        rc = eg_stmt_bind_text(st, 3, csrf, SIZE_MAX);
    if (rc == EG_OK)
        rc = eg_stmt_bind_i64(st, 4, mfa_pending ? 1 : 0);
    if (rc == EG_OK)
        rc = eg_stmt_bind_i64(st, 5, now_ms);
    if (rc == EG_OK)
        rc = eg_stmt_bind_i64(st, 6, now_ms);
    if (rc == EG_OK)
        rc = eg_stmt_bind_i64(st, 7, now_ms + id->cfg.session_absolute_ms);
    if (rc == EG_OK)
        rc = eg_stmt_bind_text(st, 8, remote ? remote : "-", SIZE_MAX);
    if (rc == EG_OK)
        rc = eg_stmt_bind_text(st, 9, ua, n);
    if (rc == EG_OK)
        rc = eg_stmt_bind_i64(st, 10, mfa_enroll ? 1 : 0);
    if (rc == EG_OK)
        rc = eg_stmt_step(st, &row);
    return rc;
}

static enum eg_err
touch(struct eg_db *db, int64_t session_id, int64_t now_ms)
{
    struct eg_tx *tx;
    struct eg_stmt *st;
    bool row;
    enum eg_err rc = eg_db_begin(db, EG_TX_WRITE, &tx);
    if (rc != EG_OK)
        return rc;
    rc = eg_tx_prepare(tx, "UPDATE session SET last_seen_at = ? WHERE id = ?", &st);
    if (rc == EG_OK)
        rc = eg_stmt_bind_i64(st, 1, now_ms);
    if (rc == EG_OK)
        rc = eg_stmt_bind_i64(st, 2, session_id);
    if (rc == EG_OK)
        rc = eg_stmt_step(st, &row);
    if (rc == EG_OK)
        return eg_tx_commit(tx);
    eg_tx_rollback(tx);
    return rc;
}

enum eg_err
eg_session_resolve(const struct eg_identity *id, struct eg_db *db, const char *token,
                   int64_t now_ms, struct eg_principal *out)
{
    memset(out, 0, sizeof(*out));
    if (!token || strlen(token) != 43)
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
                       "SELECT s.id, s.account_id, s.csrf, s.mfa_pending, s.last_seen_at, "
                       "s.expires_at, s.revoked_at, a.kind, a.status, s.mfa_enroll FROM session "
                       "s JOIN account a ON a.id = s.account_id WHERE s.token_hash = ?",
                       &st);
    if (rc == EG_OK)
        rc = eg_stmt_bind_blob(st, 1, h, sizeof(h));
    if (rc == EG_OK)
        rc = eg_stmt_step(st, &row);
    int64_t last_seen = 0;
    if (rc == EG_OK && row) {
        last_seen = eg_stmt_i64(st, 4);
        bool alive = eg_stmt_is_null(st, 6) && now_ms < eg_stmt_i64(st, 5) &&
                     now_ms - last_seen < id->cfg.session_idle_ms &&
                     strcmp(eg_stmt_text(st, 8), "active") == 0;
        if (alive && eg_account_kind_parse(eg_stmt_text(st, 7), &out->kind) == EG_OK) {
            out->session_id = eg_stmt_i64(st, 0);
            out->account_id = eg_stmt_i64(st, 1);
            snprintf(out->csrf, sizeof(out->csrf), "%s", eg_stmt_text(st, 2));
            out->mfa_pending = eg_stmt_i64(st, 3) != 0;
            out->mfa_enroll = eg_stmt_i64(st, 9) != 0;
        }
    }
    eg_tx_rollback(tx);
    if (rc != EG_OK)
        return rc;
    if (out->account_id == 0)
        return EG_EUNAUTH;
    /*
     * Idle time is counted from the last touch; touching at most every tenth of
     * the idle limit (and at most once a minute) spares a write per request while
     * keeping a session in use alive.
     */
    int64_t every = id->cfg.session_idle_ms / 10;
    if (every > TOUCH_EVERY_MS)
        every = TOUCH_EVERY_MS;
    if (now_ms - last_seen >= every)
        (void)touch(db, out->session_id, now_ms);
    return EG_OK;
}

enum eg_err
eg_session_revoke(struct eg_tx *tx, int64_t session_id, int64_t now_ms)
{
    struct eg_stmt *st;
    bool row;
    enum eg_err rc = eg_tx_prepare(
        tx, "UPDATE session SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL", &st);
    if (rc == EG_OK)
        rc = eg_stmt_bind_i64(st, 1, now_ms);
    if (rc == EG_OK)
        rc = eg_stmt_bind_i64(st, 2, session_id);
    if (rc == EG_OK)
        rc = eg_stmt_step(st, &row);
    return rc;
}

enum eg_err
eg_session_revoke_all(struct eg_tx *tx, int64_t account_id, int64_t now_ms)
{
    struct eg_stmt *st;
    bool row;
    enum eg_err rc = eg_tx_prepare(
        tx, "UPDATE session SET revoked_at = ? WHERE account_id = ? AND revoked_at IS NULL", &st);
    if (rc == EG_OK)
        rc = eg_stmt_bind_i64(st, 1, now_ms);
    if (rc == EG_OK)
        rc = eg_stmt_bind_i64(st, 2, account_id);
    if (rc == EG_OK)
        rc = eg_stmt_step(st, &row);
    return rc;
}

enum eg_err
eg_session_complete_mfa(struct eg_tx *tx, int64_t session_id, int64_t now_ms,
                        char token[EG_TOKEN_TEXT])
{
    unsigned char h[32];
    enum eg_err rc = eg_token_new(token);
    if (rc != EG_OK)
        return rc;
    eg_token_hash(token, h);
    struct eg_stmt *st;
    bool row;
    rc = eg_tx_prepare(tx,
                       "UPDATE session SET token_hash = ?, mfa_pending = 0, last_seen_at = ? "
                       "WHERE id = ? AND mfa_pending = 1 AND revoked_at IS NULL",
                       &st);
    if (rc == EG_OK)
        rc = eg_stmt_bind_blob(st, 1, h, sizeof(h));
    if (rc == EG_OK)
        rc = eg_stmt_bind_i64(st, 2, now_ms);
    if (rc == EG_OK)
        rc = eg_stmt_bind_i64(st, 3, session_id);
    if (rc == EG_OK)
        rc = eg_stmt_step(st, &row);
    if (rc == EG_OK && eg_stmt_changes(st) != 1)
        rc = EG_ECONFLICT;
    return rc;
}

enum eg_err
eg_session_list(const struct eg_identity *id, struct eg_db *db, int64_t account_id,
                int64_t current_session, int64_t now_ms, json_t **out)
{
    *out = NULL;
    struct eg_tx *tx;
    struct eg_stmt *st;
    json_t *items = json_array();
    if (!items)
        return EG_ENOMEM;
    enum eg_err rc = eg_db_begin(db, EG_TX_READ, &tx);
    if (rc != EG_OK) {
        json_decref(items);
        return rc;
    }
    rc = eg_tx_prepare(tx,
                       "SELECT id, created_at, last_seen_at, remote, user_agent FROM session "
                       "WHERE account_id = ? AND revoked_at IS NULL AND expires_at > ? AND "
                       "last_seen_at > ? ORDER BY last_seen_at DESC LIMIT 100",
                       &st);
    if (rc == EG_OK)
        rc = eg_stmt_bind_i64(st, 1, account_id);
    if (rc == EG_OK)
        rc = eg_stmt_bind_i64(st, 2, now_ms);
    if (rc == EG_OK)
        rc = eg_stmt_bind_i64(st, 3, now_ms - id->cfg.session_idle_ms);
    bool row = true;
    while (rc == EG_OK) {
        rc = eg_stmt_step(st, &row);
        if (rc != EG_OK || !row)
            break;
        json_t *o =
            json_pack("{s:I, s:I, s:I, s:s?, s:s?, s:b}", "id", (json_int_t)eg_stmt_i64(st, 0),
                      "created_at", (json_int_t)eg_stmt_i64(st, 1), "last_seen_at",
                      (json_int_t)eg_stmt_i64(st, 2), "remote", eg_stmt_text(st, 3), "user_agent",
                      eg_stmt_text(st, 4), "current", eg_stmt_i64(st, 0) == current_session);
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
