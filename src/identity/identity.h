/*
 * identity.h - accounts, passwords, sessions, second factors and API tokens.
 *
 * Owns the tables of migration 0003 (account, session, api_token,
 * one_time_token, recovery_code, signin_attempt). Three kinds of account: a
 * citizen is identified by the 12-digit personal identification number, a
 * business by its tax code, staff by a login name (and their org units).
 *
 * Secrets: passwords are argon2id (m = 19 MiB, t = 2, p = 1) strings; session,
 * API and one-time tokens are 32 random bytes of which only the SHA-256 is
 * stored; a personal identification number is stored as a keyed hash (lookup)
 * and an authenticated encryption (display), with keys read from a file
 * outside the database. Nothing here logs a password, a token or a full
 * personal identification number.
 *
 * Hashing is slow on purpose: it runs on struct eg_identity's bounded pool,
 * never inside a database transaction. Every sign-in, failure and change
 * appends an audit entry in the same transaction as the change.
 *
 * Thread safety: struct eg_identity is read-only after eg_identity_open();
 * every function may be called from any thread.
 */
#ifndef EG_IDENTITY_H
#define EG_IDENTITY_H

#include "core/core.h"
#include "db/db.h"
#include "directory/directory.h"

struct eg_identity;

struct eg_identity_config {
    const char *key_path;          /* 32-byte secret, created 0600 if missing */
    const char *breached_path;     /* extra breached-password list; NULL for the built-in one */
    long long session_idle_ms;     /* a session unused this long ends (default 30 min) */
    long long session_absolute_ms; /* and every session ends after this (default 12 h) */
    int hash_threads;              /* 0 = one per core */
    int hash_queue;                /* sign-ins waiting for a hash; beyond -> EG_ERATE (429) */
    int attempts_per_account_hour; /* evaluated attempts per login and hour (default 100) */
    int attempts_per_ip_hour;      /* evaluated attempts per address and hour (default 1000) */
    const char *public_url;        /* links in mail: "https://dichvucong.nghean.gov.vn" */
    const char *site_name;         /* mail subjects and greetings */
    struct eg_ldap_config ldap;    /* staff with auth_source 'ldap' sign in by bind; url "" = off */
};

void eg_identity_config_defaults(struct eg_identity_config *c);
EG_WUR enum eg_err eg_identity_open(const struct eg_identity_config *c, struct eg_identity **out,
                                    struct eg_buf *msg);
void eg_identity_close(struct eg_identity *id);
/* Runs fn(arg) on the hashing pool; EG_ERATE when it is full. */
EG_WUR enum eg_err eg_identity_submit(struct eg_identity *id, void (*fn)(void *), void *arg);
int eg_identity_pool_load(struct eg_identity *id);

/* ---- identifiers ------------------------------------------------------------ */

enum eg_account_kind { EG_ACCOUNT_CITIZEN, EG_ACCOUNT_BUSINESS, EG_ACCOUNT_STAFF };
const char *eg_account_kind_str(enum eg_account_kind k);
EG_WUR enum eg_err eg_account_kind_parse(const char *s, enum eg_account_kind *out);

/* A decoded personal identification number (DOMAIN-VN §6.2). No check digit exists. */
struct eg_pid {
    char digits[13];
    int birth_year;
    bool female;
    const char *birth_province; /* where the birth was registered; NULL if not a known code */
};
/* Accepts 12 digits, with spaces or dots between groups tolerated. */
EG_WUR enum eg_err eg_pid_parse(const char *s, int current_year, struct eg_pid *out,
                                struct eg_buf *msg);
/* "001******789". out has room for 13 bytes. */
void eg_pid_mask(const char *digits, char *out);

/* A tax code: 10 digits, or 10 + 3 for a branch ("0101234567-001"); out gets 10 or 14 chars. */
EG_WUR enum eg_err eg_tax_code_parse(const char *s, char out[16], struct eg_buf *msg);

/* A staff login name: 3-64 of a-z 0-9 . _ - , starting with a letter. */
EG_WUR enum eg_err eg_login_name_check(const char *s, struct eg_buf *msg);

/* ---- passwords ---------------------------------------------------------------- */

#define EG_PASSWORD_MIN ((size_t)12)  /* Unicode characters */
#define EG_PASSWORD_MAX ((size_t)128) /* characters; longer is refused, never truncated */

/* Length in characters, valid UTF-8, and not on the breached list. */
EG_WUR enum eg_err eg_password_check(const struct eg_identity *id, const char *pw,
                                     struct eg_buf *msg);
/* argon2id into out (at least 128 bytes). Slow: call it from the pool. */
EG_WUR enum eg_err eg_password_hash(const char *pw, char *out, size_t n);
/* EG_OK on a match, EG_EFORBIDDEN on a mismatch. Slow. */
EG_WUR enum eg_err eg_password_verify(const char *hash, const char *pw);
/* Burns the same time as a verify, for unknown logins. */
void eg_password_dummy_verify(const struct eg_identity *id, const char *pw);

/* ---- accounts ------------------------------------------------------------------ */

struct eg_account_new {
    enum eg_account_kind kind;
    const char *login;       /* a login name: required for staff, optional otherwise */
    const char *personal_id; /* citizens: the 12-digit number */
    const char *tax_code;    /* businesses */
    const char *name;
    const char *email; /* required for citizens and businesses (verification, reset) */
    const char *phone;
    const char *birth_date; /* YYYY-MM-DD */
    const char *address;
    const char *admin_unit;
    const char *password_hash; /* from eg_password_hash(); NULL for LDAP staff */
    bool ldap;                 /* staff signing in against LDAP */
    bool password_later;       /* no password yet: the person sets one from an emailed link */
    bool active;               /* false: pending until the email is verified */
};

/*
 * Creates the account inside tx and audits it. EG_ECONFLICT when the login,
 * personal id or email is taken (msg says which in Vietnamese).
 */
EG_WUR enum eg_err eg_account_create(const struct eg_identity *id, struct eg_tx *tx,
                                     const struct eg_account_new *a, const char *actor,
                                     int64_t now_ms, int64_t *out_id, struct eg_buf *msg);
/* Finds an account by what a person types to sign in (login name, personal id, tax code, email). */
EG_WUR enum eg_err eg_account_find(const struct eg_identity *id, struct eg_tx *tx,
                                   const char *login, int64_t *out_id);
/*
 * The account as {"id","kind","login","name","email","email_verified","phone",
 * "birth_date","address","admin_unit","status","totp_enabled","personal_id",
 * "tax_code", ...}. "login" is the login name, or else the number the person
 * signs in with. A citizen's personal id comes back decrypted: the caller
 * decides who may see it (and audits the read).
 */
EG_WUR enum eg_err eg_account_get(const struct eg_identity *id, struct eg_tx *tx,
                                  int64_t account_id, json_t **out);
/*
 * The org unit an account belongs to for access decisions about it (who may
 * read, suspend or grant roles to it): a staff member's primary assignment;
 * a citizen, a business or unassigned staff belong to the whole province (the
 * root unit). EG_ENOTFOUND for no such account.
 */
EG_WUR enum eg_err eg_account_home_unit(const struct eg_identity *id, struct eg_tx *tx,
                                        int64_t account_id, int64_t *unit);

struct eg_account_query {
    const char *q;        /* name words (no diacritics needed), a login, a number or an email */
    const char *kind;     /* "citizen", "business", "staff" or NULL */
    const int64_t *units; /* only staff assigned within these units' subtrees ... */
    size_t nunits;        /* ... unless all is set */
    bool all;             /* every account (province-wide administrators) */
    int limit, offset;
};
/*
 * {"items":[{"id","kind","login","name","email","status","personal_id_masked"}],"total"}.
 * Personal ids appear masked ("001******789") in lists.
 */
EG_WUR enum eg_err eg_account_search(const struct eg_identity *id, struct eg_tx *tx,
                                     const struct eg_account_query *q, json_t **out);

/* Profile fields a person may change about themselves; NULL leaves a field as it is. */
struct eg_profile_update {
    const char *name;
    const char *phone;
    const char *address;
    const char *admin_unit;
    const char *birth_date;
};
EG_WUR enum eg_err eg_account_update_profile(struct eg_tx *tx, int64_t account_id,
                                             const struct eg_profile_update *u, const char *actor,
                                             int64_t now_ms, struct eg_buf *msg);
/* Checks an account's current password (slow): EG_OK, or EG_EFORBIDDEN when it is wrong. */
EG_WUR enum eg_err eg_account_check_password(const struct eg_identity *id, struct eg_db *db,
                                             int64_t account_id, const char *pw);
EG_WUR enum eg_err eg_account_set_password(struct eg_tx *tx, int64_t account_id, const char *hash,
                                           const char *actor, int64_t now_ms);
EG_WUR enum eg_err eg_account_set_status(struct eg_tx *tx, int64_t account_id, const char *status,
                                         const char *actor, int64_t now_ms);

/* ---- sessions ------------------------------------------------------------------ */

#define EG_TOKEN_TEXT 44 /* 32 bytes in base64url, plus NUL, rounded */

/* Who is calling: resolved from the session cookie or a bearer token. */
struct eg_principal {
    int64_t account_id; /* 0: nobody is signed in */
    enum eg_account_kind kind;
    int64_t session_id; /* 0 for API tokens */
    bool via_token;
    bool mfa_pending; /* password accepted, the TOTP step is still to come */
    bool mfa_enroll;  /* holds an approve or admin role without TOTP: must set it up first */
    char scopes[128]; /* API tokens: space-separated scopes */
    char csrf[EG_TOKEN_TEXT];
};

/* A new session (a new token every time: no fixation). */
EG_WUR enum eg_err eg_session_create(const struct eg_identity *id, struct eg_tx *tx,
                                     int64_t account_id, bool mfa_pending, bool mfa_enroll,
                                     const char *remote, const char *user_agent, int64_t now_ms,
                                     char token[EG_TOKEN_TEXT], char csrf[EG_TOKEN_TEXT]);
/*
 * The principal for a session token; EG_EUNAUTH when it is unknown, revoked,
 * idle too long, past its absolute end, or its account is disabled. Touches
 * last_seen at most once a minute.
 */
EG_WUR enum eg_err eg_session_resolve(const struct eg_identity *id, struct eg_db *db,
                                      const char *token, int64_t now_ms, struct eg_principal *out);
EG_WUR enum eg_err eg_session_revoke(struct eg_tx *tx, int64_t session_id, int64_t now_ms);
/* Ends every session of the account (log out everywhere; after a password change). */
EG_WUR enum eg_err eg_session_revoke_all(struct eg_tx *tx, int64_t account_id, int64_t now_ms);
/* Marks the TOTP step done and rotates the token (a new token after the second factor). */
EG_WUR enum eg_err eg_session_complete_mfa(struct eg_tx *tx, int64_t session_id, int64_t now_ms,
                                           char token[EG_TOKEN_TEXT]);
/* The account's open sessions: [{"id","created_at","last_seen_at","remote","user_agent","current"}]. */
EG_WUR enum eg_err eg_session_list(const struct eg_identity *id, struct eg_db *db,
                                   int64_t account_id, int64_t current_session, int64_t now_ms,
                                   json_t **out);

/* ---- API tokens ------------------------------------------------------------------ */

/* Known scopes: "read" (GET routes), "write" (changes), "admin" (administration). */
EG_WUR enum eg_err eg_scopes_check(const char *scopes, struct eg_buf *msg);
/* A new token "egov_<43 chars>"; only its hash is stored. ttl_ms 1 h .. 1 year. */
EG_WUR enum eg_err eg_api_token_create(struct eg_tx *tx, int64_t account_id, const char *name,
                                       const char *scopes, long long ttl_ms, const char *actor,
                                       int64_t now_ms, int64_t *out_id, char *token, size_t n);
EG_WUR enum eg_err eg_api_token_resolve(struct eg_db *db, const char *token, int64_t now_ms,
                                        struct eg_principal *out);
/* Revokes one token of the account (account_id 0: any account, for operators). */
EG_WUR enum eg_err eg_api_token_revoke(struct eg_tx *tx, int64_t account_id, int64_t token_id,
                                       const char *actor, int64_t now_ms);
EG_WUR enum eg_err eg_api_token_list(struct eg_db *db, int64_t account_id, json_t **out);

/* ---- TOTP (RFC 6238: SHA-1, 30 s, 6 digits) --------------------------------------- */

/* A new random secret in base32 (32 chars), for the authenticator app. */
EG_WUR enum eg_err eg_totp_new_secret(char out[33]);
/* The 6-digit code for a secret at a time step (tests, and the RFC vectors). */
EG_WUR enum eg_err eg_totp_code(const unsigned char *key, size_t keylen, int64_t step, int digits,
                                char *out);
/* otpauth:// URI for a QR code. */
EG_WUR enum eg_err eg_totp_uri(const char *secret_b32, const char *account_label,
                               const char *issuer, struct eg_buf *out);
/* Stores the secret (encrypted) and turns TOTP on once a first code checks; returns recovery codes. */
EG_WUR enum eg_err eg_totp_enable(const struct eg_identity *id, struct eg_tx *tx,
                                  int64_t account_id, const char *secret_b32, const char *code,
                                  int64_t now_ms, char codes[10][12], struct eg_buf *msg);
/*
 * Checks a code (±1 step) or a recovery code for the account; a code whose step
 * was already used is refused (replay). EG_EFORBIDDEN on a wrong code.
 */
EG_WUR enum eg_err eg_totp_check(const struct eg_identity *id, struct eg_tx *tx, int64_t account_id,
                                 const char *code, int64_t now_ms);
EG_WUR enum eg_err eg_totp_disable(struct eg_tx *tx, int64_t account_id, const char *actor,
                                   int64_t now_ms);

/* ---- sign-in -------------------------------------------------------------------- */

struct eg_login_request {
    const char *login;
    const char *password;
    const char *remote;
    const char *user_agent;
    const char *request_id;
};

enum eg_login_outcome {
    EG_LOGIN_OK,           /* signed in: token and csrf are set */
    EG_LOGIN_MFA_ENROLL,   /* signed in, but only to set up TOTP (privileged roles need it) */
    EG_LOGIN_MFA_REQUIRED, /* password right; a session waiting for the TOTP code */
    EG_LOGIN_FAILED,       /* unknown login, wrong password, disabled or throttled: one answer */
    EG_LOGIN_PENDING,      /* password right, but the email address is not verified yet */
    EG_LOGIN_IP_THROTTLED, /* this address tried too often: 429 */
};

struct eg_login_result {
    enum eg_login_outcome outcome;
    int64_t account_id;
    char token[EG_TOKEN_TEXT];
    char csrf[EG_TOKEN_TEXT];
};

/*
 * The whole password step: throttling per login and per address (attempts
 * beyond the limit are not evaluated, and answered exactly like a wrong
 * password), lookup, argon2id verify (a dummy verify for unknown logins),
 * audit, and a new session. Blocking and slow: run it on the pool.
 */
EG_WUR enum eg_err eg_login(const struct eg_identity *id, struct eg_db *db,
                            const struct eg_login_request *rq, int64_t now_ms,
                            struct eg_login_result *out);
/* The TOTP step for a session in mfa_pending; rotates the token on success. */
EG_WUR enum eg_err eg_login_mfa(const struct eg_identity *id, struct eg_db *db,
                                const struct eg_principal *p, const char *code, const char *remote,
                                int64_t now_ms, char token[EG_TOKEN_TEXT]);

/* ---- sign-up, email verification, password reset (flows.c) ----------------------- */

/*
 * A citizen or business signs itself up: a pending account, a link to verify
 * the email address (valid 24 h) queued in the outbox, all in tx. When the
 * number, tax code, login or email already has an account, nothing is created
 * and the existing account's address is told instead; the caller answers the
 * same either way, so sign-up cannot be used to find out who has an account.
 * a->password_hash must be set (hash on the pool first).
 */
EG_WUR enum eg_err eg_signup(const struct eg_identity *id, struct eg_tx *tx,
                             const struct eg_account_new *a, const char *remote,
                             const char *request_id, int64_t now_ms, struct eg_buf *msg);
/* Consumes a verification link: the address is verified and a pending account becomes active. */
EG_WUR enum eg_err eg_verify_email(struct eg_tx *tx, const char *token, const char *remote,
                                   int64_t now_ms);
/*
 * Someone asks to reset the password of `login` (any sign-in identifier): if
 * such an active or pending account with an email exists, a single-use link
 * (1 h) goes to that address; at most 5 a login and hour. Always EG_OK unless
 * the database fails, whatever happened.
 */
EG_WUR enum eg_err eg_password_reset_request(const struct eg_identity *id, struct eg_tx *tx,
                                             const char *login, const char *remote, int64_t now_ms);
/*
 * Consumes a reset link and sets the new password (hash made on the pool):
 * every session ends, and the email counts as verified. EG_EINVAL for an
 * unknown, used or expired link.
 */
EG_WUR enum eg_err eg_password_reset_confirm(struct eg_tx *tx, const char *token, const char *hash,
                                             const char *remote, int64_t now_ms);

/* ---- emailed single-use tokens ---------------------------------------------------- */

enum eg_ott_purpose { EG_OTT_VERIFY_EMAIL, EG_OTT_RESET_PASSWORD };
EG_WUR enum eg_err eg_ott_create(struct eg_tx *tx, int64_t account_id, enum eg_ott_purpose p,
                                 long long ttl_ms, int64_t now_ms, char token[EG_TOKEN_TEXT]);
/* Consumes a token: EG_OK and the account once; EG_EINVAL when unknown, used or expired. */
EG_WUR enum eg_err eg_ott_consume(struct eg_tx *tx, const char *token, enum eg_ott_purpose p,
                                  int64_t now_ms, int64_t *account_id);

/* ---- keyed hashing and encryption of personal data --------------------------------- */

#define EG_PII_HASH_LEN 32
void eg_identity_pii_hash(const struct eg_identity *id, const char *s, size_t n,
                          unsigned char out[EG_PII_HASH_LEN]);
/* XChaCha20-Poly1305; out receives nonce || ciphertext || tag. */
EG_WUR enum eg_err eg_identity_seal(const struct eg_identity *id, const void *p, size_t n,
                                    struct eg_buf *out);
EG_WUR enum eg_err eg_identity_open_sealed(const struct eg_identity *id, const void *p, size_t n,
                                           struct eg_buf *out);

#endif /* EG_IDENTITY_H */
