/* password.c - the password policy, argon2id, and the breached-password list. */
#include "identity_int.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* m = 19 MiB, t = 2, p = 1 (libsodium's argon2id runs one lane): OWASP's floor. */
#define OPSLIMIT 2
#define MEMLIMIT ((size_t)19 * 1024 * 1024)
#define BREACHED_MAX 5000000

static enum eg_err
bad(struct eg_buf *msg, const char *why)
{
    if (msg) {
        eg_buf_reset(msg);
        if (eg_buf_adds(msg, why) != EG_OK)
            eg_buf_reset(msg);
    }
    return EG_EINVAL;
}

static size_t
characters(const char *s)
{
    size_t n = 0;
    for (; *s; s++)
        n += ((unsigned char)*s & 0xc0) != 0x80;
    return n;
}

static int
cmp(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static bool
breached(const struct eg_identity *id, const char *pw)
{
    if (id->nbreached == 0)
        return false;
    if (bsearch(&pw, id->breached, id->nbreached, sizeof(char *), cmp))
        return true;
    /* "PASSWORD1234" is as weak as "password1234". */
    char lower[4 * EG_PASSWORD_MAX + 1];
    size_t n = strlen(pw);
    if (n >= sizeof(lower))
        return false;
    for (size_t i = 0; i <= n; i++)
        lower[i] = (pw[i] >= 'A' && pw[i] <= 'Z') ? (char)(pw[i] - 'A' + 'a') : pw[i];
    const char *lp = lower;
    return bsearch(&lp, id->breached, id->nbreached, sizeof(char *), cmp) != NULL;
}

enum eg_err
eg_password_check(const struct eg_identity *id, const char *pw, struct eg_buf *msg)
{
    if (!pw || !eg_utf8_valid(pw, strlen(pw)))
        return bad(msg, "Mật khẩu không hợp lệ.");
    size_t n = characters(pw);
    if (n < EG_PASSWORD_MIN)
        return bad(msg, "Mật khẩu phải có ít nhất 12 ký tự.");
    if (n > EG_PASSWORD_MAX)
        return bad(msg, "Mật khẩu dài tối đa 128 ký tự.");
    if (breached(id, pw))
        return bad(msg, "Mật khẩu này đã bị lộ hoặc quá dễ đoán; vui lòng chọn mật khẩu khác.");
    return EG_OK;
}

/*
 * The same password typed on a phone (NFC) and pasted from a Mac (NFD) must be
 * the same password: hash and verify its NFC form.
 */
static enum eg_err
normalise(const char *pw, struct eg_buf *out)
{
    size_t n = strlen(pw);
    if (n > 4 * EG_PASSWORD_MAX)
        return EG_EINVAL;
    return eg_text_nfc(pw, n, out);
}

enum eg_err
eg_password_hash(const char *pw, char *out, size_t n)
{
    if (n < crypto_pwhash_STRBYTES)
        return EG_EINVAL;
    struct eg_buf nfc = EG_BUF_INIT(16 * EG_PASSWORD_MAX);
    enum eg_err rc = normalise(pw, &nfc);
    if (rc == EG_OK && crypto_pwhash_str_alg(out, eg_buf_str(&nfc), nfc.len, OPSLIMIT, MEMLIMIT,
                                             crypto_pwhash_ALG_ARGON2ID13) != 0)
        rc = EG_ENOMEM; /* argon2 could not get its memory */
    if (nfc.p)
        sodium_memzero(nfc.p, nfc.cap);
    eg_buf_release(&nfc);
    return rc;
}

enum eg_err
eg_password_verify(const char *hash, const char *pw)
{
    if (!hash || !pw)
        return EG_EFORBIDDEN;
    struct eg_buf nfc = EG_BUF_INIT(16 * EG_PASSWORD_MAX);
    enum eg_err rc = normalise(pw, &nfc);
    if (rc == EG_OK)
        rc = crypto_pwhash_str_verify(hash, eg_buf_str(&nfc), nfc.len) == 0 ? EG_OK : EG_EFORBIDDEN;
    else
        rc = EG_EFORBIDDEN;
    if (nfc.p)
        sodium_memzero(nfc.p, nfc.cap);
    eg_buf_release(&nfc);
    return rc;
}

void
eg_password_dummy_verify(const struct eg_identity *id, const char *pw)
{
    /* The answer is thrown away; only the time it takes matters. */
    if (crypto_pwhash_str_verify(id->dummy_hash, pw ? pw : "", pw ? strlen(pw) : 0) == 0)
        eg_debug("identity: the dummy password matched");
}

/* Adds each non-comment line of text to the list (copies). */
static enum eg_err
add_lines(struct eg_identity *id, const char *text, size_t len, size_t *cap)
{
    const char *p = text, *end = text + len;
    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);
        if (n > 0 && p[n - 1] == '\r')
            n--;
        if (n > 0 && p[0] != '#') {
            if (id->nbreached == *cap) {
                if (*cap >= BREACHED_MAX)
                    return EG_ETOOBIG;
                size_t nc = *cap ? *cap * 2 : 4096;
                char **v = realloc(id->breached, nc * sizeof(*v));
                if (!v)
                    return EG_ENOMEM;
                id->breached = v;
                *cap = nc;
            }
            char *copy = strndup(p, n);
            if (!copy)
                return EG_ENOMEM;
            id->breached[id->nbreached++] = copy;
        }
        p = nl ? nl + 1 : end;
    }
    return EG_OK;
}

enum eg_err
eg_breached_load(struct eg_identity *id, struct eg_buf *msg)
{
    size_t cap = 0;
    const struct eg_embedded_file *f = eg_embedded("data/breached-passwords.txt");
    enum eg_err rc = f ? add_lines(id, (const char *)f->data, f->len, &cap) : EG_OK;
    if (rc == EG_OK && id->cfg.breached_path && *id->cfg.breached_path) {
        FILE *in = fopen(id->cfg.breached_path, "rb");
        if (!in) {
            if (msg && eg_buf_printf(msg, "cannot read the breached-password list %s: %s",
                                     id->cfg.breached_path, strerror(errno)) != EG_OK)
                eg_buf_reset(msg);
            return EG_EIO;
        }
        char line[1024];
        while (rc == EG_OK && fgets(line, sizeof(line), in))
            rc = add_lines(id, line, strlen(line), &cap);
        fclose(in);
    }
    if (rc == EG_OK && id->nbreached > 1)
        qsort(id->breached, id->nbreached, sizeof(char *), cmp);
    return rc;
}

void
eg_breached_free(struct eg_identity *id)
{
    for (size_t i = 0; i < id->nbreached; i++)
        free(id->breached[i]);
    free(id->breached);
    id->breached = NULL;
    id->nbreached = 0;
}
