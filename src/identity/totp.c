/*
 * totp.c - RFC 6238 time-based one-time passwords (HMAC-SHA-1, 30-second
 * steps, 6 digits: what authenticator apps use), with replay rejection and
 * single-use recovery codes.
 */
#include "identity_int.h"

#include <openssl/evp.h>
#include <stdio.h>
#include <string.h>

#define STEP_MS 30000
#define SECRET_BYTES ((size_t)20) /* 160 bits, as RFC 4226 recommends */
#define RECOVERY_CODES 10

static const char b32[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

static void
base32_encode(const unsigned char *p, size_t n, char *out)
{
    size_t o = 0;
    unsigned buf = 0;
    int bits = 0;
    for (size_t i = 0; i < n; i++) {
        buf = (buf << 8) | p[i];
        bits += 8;
        while (bits >= 5) {
            out[o++] = b32[(buf >> (bits - 5)) & 31];
            bits -= 5;
        }
    }
    if (bits > 0)
        out[o++] = b32[(buf << (5 - bits)) & 31];
    out[o] = '\0';
}

/* Decodes base32 (case-insensitive, spaces ignored); returns the byte count or -1. */
static int
base32_decode(const char *s, unsigned char *out, size_t max)
{
    size_t o = 0;
    unsigned buf = 0;
    int bits = 0;
    for (; *s; s++) {
        char c = *s;
        if (c == ' ' || c == '=')
            continue;
        if (c >= 'a' && c <= 'z')
            c = (char)(c - 'a' + 'A');
        const char *at = strchr(b32, c);
        if (!at || c == '\0')
            return -1;
        buf = (buf << 5) | (unsigned)(at - b32);
        bits += 5;
        if (bits >= 8) {
            if (o == max)
                return -1;
            out[o++] = (unsigned char)(buf >> (bits - 8));
            bits -= 8;
        }
    }
    return (int)o;
}

enum eg_err
eg_totp_new_secret(char out[33])
{
    unsigned char raw[SECRET_BYTES];
    randombytes_buf(raw, sizeof(raw));
    base32_encode(raw, sizeof(raw), out);
    sodium_memzero(raw, sizeof(raw));
    return EG_OK;
}

enum eg_err
eg_totp_code(const unsigned char *key, size_t keylen, int64_t step, int digits, char *out)
{
    if (digits < 6 || digits > 8 || step < 0)
        return EG_EINVAL;
    unsigned char msg[8];
    for (int i = 7; i >= 0; i--) {
        msg[i] = (unsigned char)(step & 0xff);
        step >>= 8;
    }
    unsigned char mac[EVP_MAX_MD_SIZE];
    size_t maclen = 0;
    if (!EVP_Q_mac(NULL, "HMAC", NULL, "SHA1", NULL, key, keylen, msg, sizeof(msg), mac,
                   sizeof(mac), &maclen) ||
        maclen != 20)
        return EG_EINTERNAL;
    int off = mac[19] & 0x0f;
    unsigned long bin = ((unsigned long)(mac[off] & 0x7f) << 24) |
                        ((unsigned long)mac[off + 1] << 16) | ((unsigned long)mac[off + 2] << 8) |
                        (unsigned long)mac[off + 3];
    unsigned long mod = 1;
    for (int i = 0; i < digits; i++)
        mod *= 10;
    char text[16];
    snprintf(text, sizeof(text), "%0*lu", digits, bin % mod);
    memcpy(out, text, (size_t)digits + 1);
    return EG_OK;
}

/* Percent-encodes s for a URI into out. */
static enum eg_err
uri_escape(const char *s, struct eg_buf *out)
{
    enum eg_err rc = EG_OK;
    for (; *s && rc == EG_OK; s++) {
        unsigned char c = (unsigned char)*s;
        if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
            c == '-' || c == '.' || c == '_' || c == '~')
            rc = eg_buf_addc(out, (char)c);
        else
            rc = eg_buf_printf(out, "%%%02X", c);
    }
    return rc;
}

enum eg_err
eg_totp_uri(const char *secret_b32, const char *account_label, const char *issuer,
            struct eg_buf *out)
{
    enum eg_err rc = eg_buf_adds(out, "otpauth://totp/");
    if (rc == EG_OK)
        rc = uri_escape(issuer, out);
    if (rc == EG_OK)
        rc = eg_buf_adds(out, ":");
    if (rc == EG_OK)
        rc = uri_escape(account_label, out);
    if (rc == EG_OK)
        rc = eg_buf_printf(out, "?secret=%s&issuer=", secret_b32);
    if (rc == EG_OK)
        rc = uri_escape(issuer, out);
    if (rc == EG_OK)
        rc = eg_buf_adds(out, "&algorithm=SHA1&digits=6&period=30");
    return rc;
}

/* The account's secret, decrypted; EG_ENOTFOUND when TOTP is off. */
static enum eg_err
load_secret(const struct eg_identity *id, struct eg_tx *tx, int64_t account_id, unsigned char *key,
            int *keylen, int64_t *last_step)
{
    struct eg_stmt *st;
    bool row = false;
    enum eg_err rc = eg_tx_prepare(
        tx, "SELECT totp_secret_enc, totp_enabled, totp_last_step FROM account WHERE id = ?", &st);
    if (rc == EG_OK)
        rc = eg_stmt_bind_i64(st, 1, account_id);
    if (rc == EG_OK)
        rc = eg_stmt_step(st, &row);
    if (rc != EG_OK)
        return rc;
    if (!row || eg_stmt_i64(st, 1) == 0) {
        eg_stmt_reset(st);
        return EG_ENOTFOUND;
    }
    size_t n;
    const void *enc = eg_stmt_blob(st, 0, &n);
    *last_step = eg_stmt_i64(st, 2);
    struct eg_buf plain = EG_BUF_INIT(64);
    rc = enc ? eg_identity_open_sealed(id, enc, n, &plain) : EG_EINVAL;
    eg_stmt_reset(st);
    if (rc == EG_OK) {
        int k = base32_decode(eg_buf_str(&plain), key, SECRET_BYTES * 2);
        rc = k > 0 ? EG_OK : EG_EINVAL;
        *keylen = k;
    }
    if (plain.p)
        sodium_memzero(plain.p, plain.cap);
    eg_buf_release(&plain);
    return rc;
}

/* Matches a code within ±1 step; the matched step, or -1. */
static int64_t
match_step(const unsigned char *key, int keylen, const char *code, int64_t now_ms)
{
    int64_t now_step = now_ms / STEP_MS;
    for (int64_t s = now_step - 1; s <= now_step + 1; s++) {
        char expect[9];
        if (eg_totp_code(key, (size_t)keylen, s, 6, expect) == EG_OK &&
            sodium_memcmp(expect, code, 6) == 0)
            return s;
    }
    return -1;
}

static bool
six_digits(const char *code)
{
    if (!code || strlen(code) != 6)
        return false;
    for (int i = 0; i < 6; i++)
        if (code[i] < '0' || code[i] > '9')
            return false;
    return true;
}

/*
 * Keyed (HMAC under the identity key), so that ~45-bit codes cannot be brute
 * forced from a copy of the database alone.
 */
static void
recovery_hash(const struct eg_identity *id, const char *code, unsigned char out[32])
{
    /* Codes are shown grouped ("ab3k-9xqz"); case and the dash do not matter. */
    char norm[16];
    size_t n = 0;
    for (; *code && n < sizeof(norm) - 1; code++)
        if (*code != '-' && *code != ' ')
            norm[n++] = (*code >= 'A' && *code <= 'Z') ? (char)(*code - 'A' + 'a') : *code;
    norm[n] = '\0';
    eg_identity_pii_hash(id, norm, n, out);
}

static enum eg_err
use_recovery_code(const struct eg_identity *id, struct eg_tx *tx, int64_t account_id,
                  const char *code, int64_t now_ms)
{
    unsigned char h[32];
    recovery_hash(id, code, h);
    struct eg_stmt *st;
    bool row;
    enum eg_err rc = eg_tx_prepare(tx,
                                   "UPDATE recovery_code SET used_at = ? WHERE account_id = ? AND "
                                   "code_hash = ? AND used_at IS NULL",
                                   &st);
    if (rc == EG_OK)
        rc = eg_stmt_bind_i64(st, 1, now_ms);
    if (rc == EG_OK)
        rc = eg_stmt_bind_i64(st, 2, account_id);
    if (rc == EG_OK)
        rc = eg_stmt_bind_blob(st, 3, h, sizeof(h));
    if (rc == EG_OK)
        rc = eg_stmt_step(st, &row);
    if (rc == EG_OK && eg_stmt_changes(st) != 1)
        rc = EG_EFORBIDDEN;
    return rc;
}

static enum eg_err
set_last_step(struct eg_tx *tx, int64_t account_id, int64_t step)
{
    struct eg_stmt *st;
    bool row;
    enum eg_err rc = eg_tx_prepare(tx, "UPDATE account SET totp_last_step = ? WHERE id = ?", &st);
    if (rc == EG_OK)
        rc = eg_stmt_bind_i64(st, 1, step);
    if (rc == EG_OK)
        rc = eg_stmt_bind_i64(st, 2, account_id);
    if (rc == EG_OK)
        rc = eg_stmt_step(st, &row);
    return rc;
}

enum eg_err
eg_totp_check(const struct eg_identity *id, struct eg_tx *tx, int64_t account_id, const char *code,
              int64_t now_ms)
{
    if (!code)
        return EG_EFORBIDDEN;
    if (!six_digits(code))
        return use_recovery_code(id, tx, account_id, code, now_ms);
    unsigned char key[SECRET_BYTES * 2];
    int keylen = 0;
    int64_t last = 0;
    enum eg_err rc = load_secret(id, tx, account_id, key, &keylen, &last);
    if (rc != EG_OK)
        return rc == EG_ENOTFOUND ? EG_EFORBIDDEN : rc;
    int64_t step = match_step(key, keylen, code, now_ms);
    sodium_memzero(key, sizeof(key));
    /* A code may serve once: a step at or before the last one used is a replay. */
    if (step < 0 || step <= last)
        return EG_EFORBIDDEN;
    return set_last_step(tx, account_id, step);
}

enum eg_err
eg_totp_enable(const struct eg_identity *id, struct eg_tx *tx, int64_t account_id,
               const char *secret_b32, const char *code, int64_t now_ms, char codes[10][12],
               struct eg_buf *msg)
{
    unsigned char key[SECRET_BYTES * 2];
    int keylen = secret_b32 ? base32_decode(secret_b32, key, sizeof(key)) : -1;
    if (keylen < 16) {
        if (msg && eg_buf_adds(msg, "Khóa bí mật không hợp lệ.") != EG_OK)
            eg_buf_reset(msg);
        return EG_EINVAL;
    }
    int64_t step = six_digits(code) ? match_step(key, keylen, code, now_ms) : -1;
    sodium_memzero(key, sizeof(key));
    if (step < 0) {
        if (msg &&
            eg_buf_adds(msg, "Mã xác thực không đúng; kiểm tra giờ trên điện thoại và thử lại.") !=
                EG_OK)
            eg_buf_reset(msg);
        return EG_EFORBIDDEN;
    }
    struct eg_buf sealed = EG_BUF_INIT(256);
    enum eg_err rc = eg_identity_seal(id, secret_b32, strlen(secret_b32), &sealed);
    struct eg_stmt *st;
    bool row;
    if (rc == EG_OK)
        rc = eg_tx_prepare(tx,
                           "UPDATE account SET totp_secret_enc = ?, totp_enabled = 1, "
                           "totp_last_step = ?, updated_at = ? WHERE id = ?",
                           &st);
    if (rc == EG_OK)
        rc = eg_stmt_bind_blob(st, 1, sealed.p, sealed.len);
    if (rc == EG_OK)
        rc = eg_stmt_bind_i64(st, 2, step);
    if (rc == EG_OK)
        rc = eg_stmt_bind_i64(st, 3, now_ms);
    if (rc == EG_OK)
        rc = eg_stmt_bind_i64(st, 4, account_id);
    if (rc == EG_OK)
        rc = eg_stmt_step(st, &row);
    eg_buf_release(&sealed);
    if (rc == EG_OK)
        rc = eg_tx_prepare(tx, "DELETE FROM recovery_code WHERE account_id = ?", &st);
    if (rc == EG_OK)
        rc = eg_stmt_bind_i64(st, 1, account_id);
    if (rc == EG_OK)
        rc = eg_stmt_step(st, &row);
    static const char alphabet[] = "abcdefghjkmnpqrstuvwxyz23456789"; /* no 0/o, 1/l/i */
    for (int i = 0; rc == EG_OK && i < RECOVERY_CODES; i++) {
        for (int j = 0; j < 9; j++)
            codes[i][j] =
                j == 4 ? '-' : alphabet[randombytes_uniform((uint32_t)sizeof(alphabet) - 1)];
        codes[i][9] = '\0';
        unsigned char h[32];
        recovery_hash(id, codes[i], h);
        rc = eg_tx_prepare(tx, "INSERT INTO recovery_code (account_id, code_hash) VALUES (?, ?)",
                           &st);
        if (rc == EG_OK)
            rc = eg_stmt_bind_i64(st, 1, account_id);
        if (rc == EG_OK)
            rc = eg_stmt_bind_blob(st, 2, h, sizeof(h));
        if (rc == EG_OK)
            rc = eg_stmt_step(st, &row);
    }
    /* With a second factor set up, sessions that were waiting for it are whole. */
    if (rc == EG_OK)
        rc = eg_tx_prepare(tx, "UPDATE session SET mfa_enroll = 0 WHERE account_id = ?", &st);
    if (rc == EG_OK)
        rc = eg_stmt_bind_i64(st, 1, account_id);
    if (rc == EG_OK)
        rc = eg_stmt_step(st, &row);
    char actor[32];
    if (rc == EG_OK)
        rc = eg_identity_audit(tx, eg_actor_of(account_id, actor, sizeof(actor)), "auth.mfa_enable",
                               actor, true, NULL, NULL, now_ms);
    return rc;
}

enum eg_err
eg_totp_disable(struct eg_tx *tx, int64_t account_id, const char *actor, int64_t now_ms)
{
    struct eg_stmt *st;
    bool row;
    enum eg_err rc = eg_tx_prepare(tx,
                                   "UPDATE account SET totp_secret_enc = NULL, totp_enabled = 0, "
                                   "updated_at = ? WHERE id = ?",
                                   &st);
    if (rc == EG_OK)
        rc = eg_stmt_bind_i64(st, 1, now_ms);
    if (rc == EG_OK)
        rc = eg_stmt_bind_i64(st, 2, account_id);
    if (rc == EG_OK)
        rc = eg_stmt_step(st, &row);
    if (rc == EG_OK)
        rc = eg_tx_prepare(tx, "DELETE FROM recovery_code WHERE account_id = ?", &st);
    if (rc == EG_OK)
        rc = eg_stmt_bind_i64(st, 1, account_id);
    if (rc == EG_OK)
        rc = eg_stmt_step(st, &row);
    char object[32];
    if (rc == EG_OK)
        rc = eg_identity_audit(tx, actor, "auth.mfa_disable",
                               eg_actor_of(account_id, object, sizeof(object)), true, NULL, NULL,
                               now_ms);
    return rc;
}
