/*
 * login.c - the password step and the TOTP step of signing in.
 *
 * One answer for every failure: an unknown login, a wrong password, a disabled
 * account and an attempt beyond the per-login limit all come back as
 * EG_LOGIN_FAILED after the same amount of argon2id work (a dummy verify when
 * there is nothing real to verify). Only a throttled address is told so (429),
 * which says nothing about any account.
 */
#include "identity_int.h"

#include "access/access.h"

#include <stdio.h>
#include <string.h>

#define MINUTE_MS 60000

/* "login:<first 16 bytes of the keyed hash, hex>": the same for known and unknown logins. */
static void
login_key(const struct eg_identity *id, const char *login, char out[64])
{
    char norm[257];
    size_t n = 0;
    for (const char *p = login; *p && n < sizeof(norm) - 1; p++)
        if (*p != ' ' && *p != '.')
            norm[n++] = (*p >= 'A' && *p <= 'Z') ? (char)(*p - 'A' + 'a') : *p;
    norm[n] = '\0';
    unsigned char h[EG_PII_HASH_LEN];
    eg_identity_pii_hash(id, norm, n, h);
    char hex[33];
    eg_hex(h, 16, hex);
    snprintf(out, 64, "login:%s", hex);
}

/* Attempts for key in the hour before now. */
static enum eg_err
recent(struct eg_tx *tx, const char *key, int64_t minute, int64_t *out)
{
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
    *out = row ? eg_stmt_i64(st, 0) : 0;
    if (rc == EG_OK && row)
        rc = eg_stmt_step(st, &row);
    return rc;
}

static enum eg_err
count_attempt(struct eg_tx *tx, const char *key, int64_t minute)
{
    struct eg_stmt *st;
    bool row;
    enum eg_err rc = eg_tx_prepare(tx,
                                   "INSERT INTO signin_attempt (key, minute, attempts) VALUES (?, "
                                   "?, 1) ON CONFLICT (key, minute) DO UPDATE SET attempts = "
                                   "signin_attempt.attempts + 1",
                                   &st);
    if (rc == EG_OK)
        rc = eg_stmt_bind_text(st, 1, key, SIZE_MAX);
    if (rc == EG_OK)
        rc = eg_stmt_bind_i64(st, 2, minute);
    if (rc == EG_OK)
        rc = eg_stmt_step(st, &row);
    return rc;
}

/* Old counters go once an hour is over; a tenth of the attempts do the sweeping. */
static enum eg_err
sweep(struct eg_tx *tx, int64_t minute)
{
    if (randombytes_uniform(10) != 0)
        return EG_OK;
    struct eg_stmt *st;
    bool row;
    enum eg_err rc = eg_tx_prepare(tx, "DELETE FROM signin_attempt WHERE minute <= ?", &st);
    if (rc == EG_OK)
        rc = eg_stmt_bind_i64(st, 1, minute - 61);
    if (rc == EG_OK)
        rc = eg_stmt_step(st, &row);
    return rc;
}

struct candidate {
    int64_t id;
    char login[80];
    char hash[crypto_pwhash_STRBYTES];
    bool active, pending, totp, local, privileged;
};

static enum eg_err
load_candidate(const struct eg_identity *id, struct eg_tx *tx, const char *login,
               struct candidate *c)
{
    memset(c, 0, sizeof(*c));
    enum eg_err rc = eg_account_find(id, tx, login, &c->id);
    if (rc == EG_ENOTFOUND)
        return EG_OK;
    if (rc != EG_OK)
        return rc;
    struct eg_stmt *st;
    bool row = false;
    rc = eg_tx_prepare(tx,
                       "SELECT password_hash, status, totp_enabled, auth_source, login FROM "
                       "account WHERE id = ?",
                       &st);
    if (rc == EG_OK)
        rc = eg_stmt_bind_i64(st, 1, c->id);
    if (rc == EG_OK)
        rc = eg_stmt_step(st, &row);
    if (rc == EG_OK && row) {
        const char *h = eg_stmt_text(st, 0);
        if (h)
            snprintf(c->hash, sizeof(c->hash), "%s", h);
        c->active = strcmp(eg_stmt_text(st, 1), "active") == 0;
        c->pending = strcmp(eg_stmt_text(st, 1), "pending") == 0;
        c->totp = eg_stmt_i64(st, 2) != 0;
        c->local = strcmp(eg_stmt_text(st, 3), "local") == 0;
        if (eg_stmt_text(st, 4))
            snprintf(c->login, sizeof(c->login), "%s", eg_stmt_text(st, 4));
        rc = eg_stmt_step(st, &row);
    }
    if (rc == EG_OK && c->id)
        rc = eg_access_privileged(tx, c->id, &c->privileged);
    return rc;
}

/*
 * Step 1: lookup and throttling, in one short write transaction. The per-login
 * count is kept per account when the login names one (whichever of its
 * identifiers was typed), and per typed login otherwise, so that known and
 * unknown logins behave alike.
 */
static enum eg_err
admit(const struct eg_identity *id, struct eg_db *db, const struct eg_login_request *rq, char *lkey,
      const char *ikey, int64_t minute, bool *evaluate, bool *ip_blocked, struct candidate *c)
{
    struct eg_tx *tx;
    int64_t by_login = 0, by_ip = 0;
    enum eg_err rc = eg_db_begin(db, EG_TX_WRITE, &tx);
    if (rc != EG_OK)
        return rc;
    rc = load_candidate(id, tx, rq->login, c);
    if (rc == EG_OK && c->id)
        snprintf(lkey, 64, "account:%lld", (long long)c->id);
    if (rc == EG_OK)
        rc = recent(tx, lkey, minute, &by_login);
    if (rc == EG_OK)
        rc = recent(tx, ikey, minute, &by_ip);
    *ip_blocked = by_ip >= id->cfg.attempts_per_ip_hour;
    *evaluate = !*ip_blocked && by_login < id->cfg.attempts_per_account_hour;
    if (rc == EG_OK && *evaluate)
        rc = count_attempt(tx, lkey, minute);
    if (rc == EG_OK && !*ip_blocked)
        rc = count_attempt(tx, ikey, minute);
    if (rc == EG_OK)
        rc = sweep(tx, minute);
    if (rc != EG_OK) {
        eg_tx_rollback(tx);
        return rc;
    }
    return eg_tx_commit(tx);
}

/* Step 3: the outcome, its audit entry and the session, in one transaction. */
static enum eg_err
conclude(const struct eg_identity *id, struct eg_db *db, const struct eg_login_request *rq,
         const char *lkey, const struct candidate *c, bool evaluated, int64_t now_ms,
         struct eg_login_result *out)
{
    struct eg_tx *tx;
    enum eg_err rc = eg_db_begin(db, EG_TX_WRITE, &tx);
    if (rc != EG_OK)
        return rc;
    char actor[32], object[64];
    if (out->outcome == EG_LOGIN_OK || out->outcome == EG_LOGIN_MFA_REQUIRED ||
        out->outcome == EG_LOGIN_MFA_ENROLL) {
        rc = eg_session_create(id, tx, c->id, out->outcome == EG_LOGIN_MFA_REQUIRED,
                               out->outcome == EG_LOGIN_MFA_ENROLL, rq->remote, rq->user_agent,
                               now_ms, out->token, out->csrf);
        if (rc == EG_OK)
            rc = eg_identity_audit(tx, eg_actor_of(c->id, actor, sizeof(actor)),
                                   out->outcome == EG_LOGIN_OK ? "auth.login"
                                                               : "auth.login_password",
                                   actor, true, rq->remote, rq->request_id, now_ms);
    } else {
        /* Who failed: the account when one matched, else the keyed login hash. */
        if (c->id)
            eg_actor_of(c->id, object, sizeof(object));
        else
            snprintf(object, sizeof(object), "%s", lkey);
        rc = eg_identity_audit(tx, "anonymous",
                               !evaluated                         ? "auth.login_throttled"
                               : out->outcome == EG_LOGIN_PENDING ? "auth.login_pending"
                                                                  : "auth.login_failed",
                               object, false, rq->remote, rq->request_id, now_ms);
    }
    if (rc != EG_OK) {
        eg_tx_rollback(tx);
        return rc;
    }
    return eg_tx_commit(tx);
}

enum eg_err
eg_login(const struct eg_identity *id, struct eg_db *db, const struct eg_login_request *rq,
         int64_t now_ms, struct eg_login_result *out)
{
    memset(out, 0, sizeof(*out));
    out->outcome = EG_LOGIN_FAILED;
    const char *login = rq->login ? rq->login : "";
    const char *pw = rq->password ? rq->password : "";
    char lkey[64], ikey[80];
    login_key(id, login, lkey);
    snprintf(ikey, sizeof(ikey), "ip:%s", rq->remote ? rq->remote : "-");
    int64_t minute = now_ms / MINUTE_MS;
    bool evaluate = false, ip_blocked = false;
    struct candidate c;
    memset(&c, 0, sizeof(c));
    enum eg_err rc = admit(id, db, rq, lkey, ikey, minute, &evaluate, &ip_blocked, &c);
    if (rc != EG_OK)
        return rc;
    if (ip_blocked) {
        out->outcome = EG_LOGIN_IP_THROTTLED;
        return EG_OK;
    }
    /* Step 2, outside any transaction: the slow part. */
    bool match = false;
    if (evaluate && c.id && !c.local && c.login[0] && eg_ldap_enabled(&id->cfg.ldap)) {
        /* Staff of the province's directory: a bind with the account's own login. */
        struct eg_ldap_person person;
        struct eg_buf lmsg = EG_BUF_INIT(1024);
        rc = eg_ldap_authenticate(&id->cfg.ldap, c.login, pw, &person, &lmsg);
        match = rc == EG_OK;
        if (match)
            eg_ldap_person_release(&person);
        if (rc == EG_EUNAVAIL)
            eg_warn("sign-in: LDAP unavailable: %s", eg_buf_str(&lmsg));
        eg_buf_release(&lmsg);
        if (rc == EG_EUNAVAIL)
            return EG_EUNAVAIL; /* the directory is down: 503, not "wrong password" */
    } else if (evaluate && c.id && c.local && c.hash[0]) {
        match = eg_password_verify(c.hash, pw) == EG_OK;
    } else {
        eg_password_dummy_verify(id, pw);
    }
    sodium_memzero(c.hash, sizeof(c.hash));
    /* Approve and admin roles need a second factor: without one, only setting it up. */
    if (match && c.active)
        out->outcome = c.totp         ? EG_LOGIN_MFA_REQUIRED
                       : c.privileged ? EG_LOGIN_MFA_ENROLL
                                      : EG_LOGIN_OK;
    else if (match && c.pending)
        out->outcome = EG_LOGIN_PENDING;
    out->account_id = match ? c.id : 0;
    rc = conclude(id, db, rq, lkey, &c, evaluate, now_ms, out);
    if (rc != EG_OK)
        memset(out->token, 0, sizeof(out->token));
    return rc;
}

enum eg_err
eg_login_mfa(const struct eg_identity *id, struct eg_db *db, const struct eg_principal *p,
             const char *code, const char *remote, int64_t now_ms, char token[EG_TOKEN_TEXT])
{
    if (!p->mfa_pending || p->session_id == 0)
        return EG_ECONFLICT;
    struct eg_tx *tx;
    char actor[32];
    eg_actor_of(p->account_id, actor, sizeof(actor));
    /* The per-login limit covers codes too: guessing six digits is no easier than a password. */
    char key[64];
    snprintf(key, sizeof(key), "totp:%lld", (long long)p->account_id);
    int64_t minute = now_ms / MINUTE_MS, tries = 0;
    enum eg_err rc = eg_db_begin(db, EG_TX_WRITE, &tx);
    if (rc != EG_OK)
        return rc;
    rc = recent(tx, key, minute, &tries);
    if (rc == EG_OK && tries >= id->cfg.attempts_per_account_hour)
        rc = EG_ERATE;
    if (rc == EG_OK)
        rc = count_attempt(tx, key, minute);
    enum eg_err check = rc == EG_OK ? eg_totp_check(id, tx, p->account_id, code, now_ms) : rc;
    if (check == EG_OK) {
        rc = eg_session_complete_mfa(tx, p->session_id, now_ms, token);
        if (rc == EG_OK)
            rc = eg_identity_audit(tx, actor, "auth.login", actor, true, remote, NULL, now_ms);
        if (rc == EG_OK)
            return eg_tx_commit(tx);
        eg_tx_rollback(tx);
        return rc;
    }
    if (rc != EG_OK || check != EG_EFORBIDDEN) {
        eg_tx_rollback(tx);
        return rc != EG_OK ? rc : check;
    }
    /* A wrong code: keep the attempt count and the audit entry, refuse. */
    rc = eg_identity_audit(tx, actor, "auth.mfa_failed", actor, false, remote, NULL, now_ms);
    if (rc == EG_OK)
        rc = eg_tx_commit(tx);
    else
        eg_tx_rollback(tx);
    return rc == EG_OK ? EG_EFORBIDDEN : rc;
}
