/* identity.c - configuration, keys, the hashing pool, and the small shared helpers. */
#include "identity_int.h"

#include "audit/audit.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define MASTER_LEN ((size_t)32)

void
eg_identity_config_defaults(struct eg_identity_config *c)
{
    memset(c, 0, sizeof(*c));
    c->key_path = "var/identity.key";
    c->session_idle_ms = 30LL * 60 * 1000;
    c->session_absolute_ms = 12LL * 3600 * 1000;
    c->hash_threads = 0;
    c->hash_queue = 64;
    c->attempts_per_account_hour = 100;
    c->attempts_per_ip_hour = 1000;
    c->public_url = "http://127.0.0.1:8080";
    eg_ldap_config_defaults(&c->ldap);
    c->site_name = "Cổng dịch vụ công";
}

static enum eg_err
say(struct eg_buf *msg, const char *fmt, const char *a, const char *b)
{
    if (msg) {
        eg_buf_reset(msg);
        if (eg_buf_printf(msg, fmt, a, b) != EG_OK)
            eg_buf_reset(msg);
    }
    return EG_EIO;
}

/* mkdir -p of the directory part of path. */
static void
make_dirs(const char *path)
{
    char tmp[4096];
    snprintf(tmp, sizeof(tmp), "%s", path);
    for (char *p = tmp + 1; *p; p++) {
        if (*p == '/') {
            *p = '\0';
            (void)mkdir(tmp, 0750);
            *p = '/';
        }
    }
}

/* Reads the 32-byte master key (64 hex chars), creating it 0600 when missing. */
static enum eg_err
load_master(const char *path, unsigned char key[MASTER_LEN], struct eg_buf *msg)
{
    char hex[2 * MASTER_LEN + 2];
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0 && errno == ENOENT) {
        make_dirs(path);
        randombytes_buf(key, MASTER_LEN);
        sodium_bin2hex(hex, sizeof(hex), key, MASTER_LEN);
        hex[2 * MASTER_LEN] = '\n';
        fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
        if (fd < 0)
            return say(msg, "cannot create the identity key %s: %s", path, strerror(errno));
        bool ok =
            write(fd, hex, 2 * MASTER_LEN + 1) == (ssize_t)(2 * MASTER_LEN + 1) && fsync(fd) == 0;
        close(fd);
        sodium_memzero(hex, sizeof(hex));
        return ok ? EG_OK : say(msg, "cannot write the identity key %s: %s", path, "write failed");
    }
    if (fd < 0)
        return say(msg, "cannot read the identity key %s: %s", path, strerror(errno));
    ssize_t n = read(fd, hex, sizeof(hex) - 1);
    close(fd);
    if (n < (ssize_t)(2 * MASTER_LEN))
        return say(msg, "the identity key %s is %s", path, "too short");
    size_t got = 0;
    if (sodium_hex2bin(key, MASTER_LEN, hex, 2 * MASTER_LEN, NULL, &got, NULL) != 0 ||
        got != MASTER_LEN)
        return say(msg, "the identity key %s is %s", path, "not 64 hex characters");
    sodium_memzero(hex, sizeof(hex));
    return EG_OK;
}

enum eg_err
eg_identity_open(const struct eg_identity_config *c, struct eg_identity **out, struct eg_buf *msg)
{
    *out = NULL;
    if (sodium_init() < 0)
        return EG_EINTERNAL;
    struct eg_identity *id = calloc(1, sizeof(*id));
    if (!id)
        return EG_ENOMEM;
    id->cfg = *c;
    unsigned char master[MASTER_LEN];
    enum eg_err rc = load_master(c->key_path, master, msg);
    if (rc == EG_OK) {
        /* Separate keys per use, from one secret kept outside the database. */
        crypto_kdf_derive_from_key(id->hash_key, sizeof(id->hash_key), 1, "egov-pii", master);
        crypto_kdf_derive_from_key(id->seal_key, sizeof(id->seal_key), 2, "egov-pii", master);
        sodium_memzero(master, sizeof(master));
        rc = eg_breached_load(id, msg);
    }
    if (rc == EG_OK) {
        /* A real hash of a random secret: unknown logins cost what known ones do. */
        char secret[EG_TOKEN_TEXT];
        rc = eg_token_new(secret);
        if (rc == EG_OK)
            rc = eg_password_hash(secret, id->dummy_hash, sizeof(id->dummy_hash));
    }
    if (rc == EG_OK) {
        long cores = sysconf(_SC_NPROCESSORS_ONLN);
        int threads = c->hash_threads > 0 ? c->hash_threads : (cores > 0 ? (int)cores : 1);
        rc = eg_pool_new(threads, c->hash_queue > 0 ? c->hash_queue : 64, true, &id->pool);
    }
    if (rc != EG_OK) {
        eg_identity_close(id);
        return rc;
    }
    *out = id;
    return EG_OK;
}

void
eg_identity_close(struct eg_identity *id)
{
    if (!id)
        return;
    eg_pool_free(id->pool);
    eg_breached_free(id);
    sodium_memzero(id->hash_key, sizeof(id->hash_key));
    sodium_memzero(id->seal_key, sizeof(id->seal_key));
    free(id);
}

enum eg_err
eg_identity_submit(struct eg_identity *id, void (*fn)(void *), void *arg)
{
    return eg_pool_submit(id->pool, fn, arg);
}

int
eg_identity_pool_load(struct eg_identity *id)
{
    return eg_pool_load(id->pool);
}

void
eg_identity_pii_hash(const struct eg_identity *id, const char *s, size_t n,
                     unsigned char out[EG_PII_HASH_LEN])
{
    crypto_auth_hmacsha256(out, (const unsigned char *)s, n, id->hash_key);
}

enum eg_err
eg_identity_seal(const struct eg_identity *id, const void *p, size_t n, struct eg_buf *out)
{
    size_t total = crypto_aead_xchacha20poly1305_ietf_NPUBBYTES + n +
                   crypto_aead_xchacha20poly1305_ietf_ABYTES;
    enum eg_err rc = eg_buf_grow(out, total);
    if (rc != EG_OK)
        return rc;
    unsigned char *nonce = (unsigned char *)out->p + out->len;
    randombytes_buf(nonce, crypto_aead_xchacha20poly1305_ietf_NPUBBYTES);
    unsigned long long clen = 0;
    crypto_aead_xchacha20poly1305_ietf_encrypt(nonce + crypto_aead_xchacha20poly1305_ietf_NPUBBYTES,
                                               &clen, p, n, NULL, 0, NULL, nonce, id->seal_key);
    out->len += crypto_aead_xchacha20poly1305_ietf_NPUBBYTES + (size_t)clen;
    out->p[out->len] = '\0';
    return EG_OK;
}

enum eg_err
eg_identity_open_sealed(const struct eg_identity *id, const void *p, size_t n, struct eg_buf *out)
{
    const size_t nb = crypto_aead_xchacha20poly1305_ietf_NPUBBYTES;
    const size_t ab = crypto_aead_xchacha20poly1305_ietf_ABYTES;
    if (n < nb + ab)
        return EG_EINVAL;
    enum eg_err rc = eg_buf_grow(out, n - nb - ab);
    if (rc != EG_OK)
        return rc;
    unsigned long long mlen = 0;
    const unsigned char *b = p;
    if (crypto_aead_xchacha20poly1305_ietf_decrypt((unsigned char *)out->p + out->len, &mlen, NULL,
                                                   b + nb, n - nb, NULL, 0, b, id->seal_key) != 0)
        return EG_EINVAL; /* tampered, or sealed with another key */
    out->len += (size_t)mlen;
    out->p[out->len] = '\0';
    return EG_OK;
}

void
eg_token_hash(const char *token, unsigned char out[32])
{
    crypto_hash_sha256(out, (const unsigned char *)token, strlen(token));
}

enum eg_err
eg_token_new(char out[EG_TOKEN_TEXT])
{
    unsigned char raw[32];
    randombytes_buf(raw, sizeof(raw));
    sodium_bin2base64(out, EG_TOKEN_TEXT, raw, sizeof(raw),
                      sodium_base64_VARIANT_URLSAFE_NO_PADDING);
    sodium_memzero(raw, sizeof(raw));
    return EG_OK;
}

const char *
eg_actor_of(int64_t account_id, char *buf, size_t n)
{
    if (account_id > 0)
        snprintf(buf, n, "account:%lld", (long long)account_id);
    else
        snprintf(buf, n, "anonymous");
    return buf;
}

enum eg_err
eg_identity_audit(struct eg_tx *tx, const char *actor, const char *action, const char *object,
                  bool ok, const char *remote, const char *request_id, int64_t now_ms)
{
    struct eg_audit_event e = {
        .actor = actor,
        .action = action,
        .object = object,
        .outcome = ok ? EG_AUDIT_SUCCESS : EG_AUDIT_FAILURE,
        .remote = remote,
        .request_id = request_id,
    };
    return eg_audit_append(tx, &e, now_ms);
}
