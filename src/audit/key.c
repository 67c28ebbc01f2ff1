/*
 * key.c - the Ed25519 signing key: a file outside the database holding the
 * 32-byte seed in hex (0600), and its public key beside it as KEY.pub (hex).
 * New files are written to a temporary name, fsync'ed and linked into place,
 * so two processes starting at once never see half a key and never replace
 * one another's.
 */
#include "audit_int.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

#define KEY_FILE_MAX 1024

enum eg_err
eg_audit_mkdirs_for(const char *path, struct eg_buf *msg)
{
    struct eg_buf dir = EG_BUF_INIT(4096);
    enum eg_err rc = eg_buf_adds(&dir, path);
    if (rc != EG_OK)
        return eg_audit_say(msg, rc, "the path %s is too long", path);
    char *slash = strrchr(dir.p, '/');
    if (!slash || slash == dir.p) {
        eg_buf_release(&dir);
        return EG_OK;
    }
    *slash = '\0';
    /* Create each missing component, parents first. */
    for (char *p = dir.p + 1; rc == EG_OK; p++) {
        if (*p != '/' && *p != '\0')
            continue;
        char saved = *p;
        *p = '\0';
        if (mkdir(dir.p, 0750) != 0 && errno != EEXIST)
            rc = eg_audit_say(msg, EG_EIO, "cannot create the directory %s: %s", dir.p,
                              strerror(errno));
        *p = saved;
        if (saved == '\0')
            break;
    }
    eg_buf_release(&dir);
    return rc;
}

enum eg_err
eg_audit_sync_dir_of(const char *path)
{
    struct eg_buf dir = EG_BUF_INIT(4096);
    enum eg_err rc = eg_buf_adds(&dir, path);
    if (rc != EG_OK)
        return rc;
    char *slash = strrchr(dir.p, '/');
    if (!slash) {
        eg_buf_reset(&dir);
        rc = eg_buf_adds(&dir, ".");
    } else if (slash == dir.p) {
        slash[1] = '\0';
    } else {
        *slash = '\0';
    }
    int fd = rc == EG_OK ? open(eg_buf_str(&dir), O_RDONLY | O_DIRECTORY | O_CLOEXEC) : -1;
    if (rc == EG_OK && (fd < 0 || fsync(fd) != 0))
        rc = EG_EIO;
    if (fd >= 0)
        close(fd);
    eg_buf_release(&dir);
    return rc;
}

/* The first line that is not blank or a '#' comment, as exactly len bytes of hex. */
static enum eg_err
read_hex_file(const char *path, bool secret, unsigned char *out, size_t len, struct eg_buf *msg)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return eg_audit_say(msg, errno == ENOENT ? EG_ENOTFOUND : EG_EIO, "cannot read %s: %s",
                            path, strerror(errno));
    char text[KEY_FILE_MAX + 1];
    struct stat sb;
    enum eg_err rc = EG_OK;
    ssize_t n = 0;
    if (fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode))
        rc = eg_audit_say(msg, EG_EIO, "%s is not a regular file", path);
    else if (secret && (sb.st_mode & 077) != 0)
        rc = eg_audit_say(msg, EG_EFORBIDDEN,
                          "%s can be read by other users; make it private (chmod 600)", path);
    if (rc == EG_OK) {
        n = read(fd, text, sizeof(text));
        if (n < 0)
            rc = eg_audit_say(msg, EG_EIO, "cannot read %s: %s", path, strerror(errno));
        else if (n > KEY_FILE_MAX)
            rc = eg_audit_say(msg, EG_EINVAL, "%s is not a key file (too long)", path);
    }
    close(fd);
    if (rc != EG_OK)
        return rc;
    text[n] = '\0';
    bool found = false;
    for (char *line = text; *line;) {
        size_t m = strcspn(line, "\n");
        char *next = line[m] ? line + m + 1 : line + m;
        line[m] = '\0';
        while (m > 0 && (line[m - 1] == ' ' || line[m - 1] == '\r' || line[m - 1] == '\t'))
            line[--m] = '\0';
        line += strspn(line, " \t");
        if (*line && *line != '#') {
            size_t got = 0;
            found = strlen(line) == 2 * len &&
                    sodium_hex2bin(out, len, line, 2 * len, NULL, &got, NULL) == 0 && got == len;
            break;
        }
        line = next;
    }
    sodium_memzero(text, sizeof(text));
    if (!found)
        return eg_audit_say(msg, EG_EINVAL, "%s does not hold a key of %zu hex digits", path,
                            2 * len);
    return EG_OK;
}

/* Writes text to path only if path does not exist yet; EG_ECONFLICT when it does. */
static enum eg_err
write_new_file(const char *path, const char *text, mode_t mode, struct eg_buf *msg)
{
    enum eg_err rc = eg_audit_mkdirs_for(path, msg);
    if (rc != EG_OK)
        return rc;
    struct eg_buf tmp = EG_BUF_INIT(8192);
    unsigned char r[8];
    char rhex[17];
    rc = eg_random(r, sizeof(r));
    eg_hex(r, sizeof(r), rhex);
    if (rc == EG_OK)
        rc = eg_buf_printf(&tmp, "%s.tmp.%ld.%s", path, (long)getpid(), rhex);
    if (rc != EG_OK)
        return eg_audit_say(msg, rc, "cannot name a temporary file beside %s", path);
    int fd = open(tmp.p, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
    if (fd < 0) {
        rc = eg_audit_say(msg, EG_EIO, "cannot create %s: %s", tmp.p, strerror(errno));
        eg_buf_release(&tmp);
        return rc;
    }
    size_t n = strlen(text);
    bool ok = fchmod(fd, mode) == 0 && write(fd, text, n) == (ssize_t)n && fsync(fd) == 0;
    ok = close(fd) == 0 && ok;
    if (!ok) {
        rc = eg_audit_say(msg, EG_EIO, "cannot write %s: %s", tmp.p, strerror(errno));
    } else if (link(tmp.p, path) != 0) {
        rc = errno == EEXIST
                 ? EG_ECONFLICT
                 : eg_audit_say(msg, EG_EIO, "cannot create %s: %s", path, strerror(errno));
    } else if (eg_audit_sync_dir_of(path) != EG_OK) {
        rc = eg_audit_say(msg, EG_EIO, "cannot sync the directory of %s", path);
    }
    (void)unlink(tmp.p);
    eg_buf_release(&tmp);
    return rc;
}

static enum eg_err
create_key(const char *path, struct eg_buf *msg)
{
    unsigned char seed[32];
    char hex[65];
    char text[256];
    enum eg_err rc = eg_random(seed, sizeof(seed));
    if (rc != EG_OK)
        return eg_audit_say(msg, rc, "no random bytes for a new audit key");
    eg_hex(seed, sizeof(seed), hex);
    snprintf(text, sizeof(text),
             "# egov audit signing key (Ed25519 seed, hex). Keep it secret and back it up;\n"
             "# its public key, for egov audit verify, is in the .pub file beside it.\n%s\n",
             hex);
    rc = write_new_file(path, text, 0600, msg);
    if (rc == EG_ECONFLICT)
        rc = EG_OK; /* another process made one first: use theirs */
    sodium_memzero(seed, sizeof(seed));
    sodium_memzero(hex, sizeof(hex));
    sodium_memzero(text, sizeof(text));
    if (rc == EG_OK)
        eg_info("audit: created a new signing key at %s", path);
    return rc;
}

/* KEY.pub: written when missing, compared when present. */
static enum eg_err
sync_pub(const char *key_path, const unsigned char pk[32], struct eg_buf *msg)
{
    struct eg_buf pub = EG_BUF_INIT(8192);
    enum eg_err rc = eg_buf_printf(&pub, "%s.pub", key_path);
    char hex[65], text[80];
    eg_hex(pk, 32, hex);
    snprintf(text, sizeof(text), "%s\n", hex);
    if (rc == EG_OK)
        rc = write_new_file(pub.p, text, 0644, msg);
    if (rc == EG_ECONFLICT) {
        unsigned char have[32];
        rc = read_hex_file(pub.p, false, have, sizeof(have), msg);
        if (rc == EG_OK && memcmp(have, pk, 32) != 0)
            rc = eg_audit_say(msg, EG_ECONFLICT,
                              "%s does not match the key %s; restore the right pair", pub.p,
                              key_path);
    }
    eg_buf_release(&pub);
    return rc;
}

enum eg_err
eg_audit_open(const struct eg_audit_opts *o, struct eg_audit **out, struct eg_buf *msg)
{
    *out = NULL;
    if (sodium_init() < 0)
        return eg_audit_say(msg, EG_EINTERNAL, "libsodium cannot start");
    if (!o || !o->key_path || !*o->key_path)
        return eg_audit_say(msg, EG_EINVAL, "no audit key path (setting audit_key)");
    unsigned char seed[32];
    enum eg_err rc = read_hex_file(o->key_path, true, seed, sizeof(seed), msg);
    if (rc == EG_ENOTFOUND && o->create_key) {
        rc = create_key(o->key_path, msg);
        if (rc == EG_OK)
            rc = read_hex_file(o->key_path, true, seed, sizeof(seed), msg);
    }
    if (rc == EG_ENOTFOUND)
        eg_audit_say(msg, rc, "there is no audit signing key at %s (egov serve creates one)",
                     o->key_path);
    if (rc != EG_OK)
        return rc;
    struct eg_audit *a = calloc(1, sizeof(*a));
    if (!a) {
        sodium_memzero(seed, sizeof(seed));
        return EG_ENOMEM;
    }
    crypto_sign_ed25519_seed_keypair(a->pk, a->sk, seed);
    sodium_memzero(seed, sizeof(seed));
    a->clock = o->clock ? *o->clock : eg_clock_system;
    pthread_mutex_init(&a->lock, NULL);
    if (o->anchor_path && *o->anchor_path) {
        a->anchor_path = strdup(o->anchor_path);
        if (!a->anchor_path)
            rc = EG_ENOMEM;
    }
    if (rc == EG_OK)
        rc = sync_pub(o->key_path, a->pk, msg);
    if (rc != EG_OK) {
        eg_audit_free(a);
        return rc;
    }
    *out = a;
    return EG_OK;
}

void
eg_audit_free(struct eg_audit *a)
{
    if (!a)
        return;
    pthread_mutex_destroy(&a->lock);
    free(a->anchor_path);
    sodium_memzero(a, sizeof(*a));
    free(a);
}

void
eg_audit_public_key(const struct eg_audit *a, unsigned char out[EG_AUDIT_PUBKEY_LEN])
{
    memcpy(out, a->pk, EG_AUDIT_PUBKEY_LEN);
}

enum eg_err
eg_audit_pubkey_read(const char *path, unsigned char out[EG_AUDIT_PUBKEY_LEN], struct eg_buf *msg)
{
    return read_hex_file(path, false, out, EG_AUDIT_PUBKEY_LEN, msg);
}
