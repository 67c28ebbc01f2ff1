/*
 * anchor.c - the anchor file: every checkpoint once more, one line each, in a
 * file outside the database (opened O_APPEND, fsync'ed). A database whose tail
 * was cut or rewritten no longer matches the lines here, even when the
 * checkpoints inside the database were removed as well.
 */
#include "audit_int.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

#define ANCHOR_MAGIC "egov-audit-checkpoint-v1"
#define B64_HASH 44 /* base64 of 32 bytes, padded */
#define B64_SIG 88  /* base64 of 64 bytes, padded */
/* Ends a line that a crash cut short, so the next checkpoint starts on a line of its own. */
#define TORN_MARK " # incomplete line, cut short by a crash"

enum eg_err
eg_audit_anchor_format(const struct eg_audit_anchor_line *l, struct eg_buf *out)
{
    char root[B64_HASH + 1], sig[B64_SIG + 1];
    sodium_bin2base64(root, sizeof(root), l->root, sizeof(l->root), sodium_base64_VARIANT_ORIGINAL);
    sodium_bin2base64(sig, sizeof(sig), l->sig, sizeof(l->sig), sodium_base64_VARIANT_ORIGINAL);
    return eg_buf_printf(out, ANCHOR_MAGIC " %s %lld %s %lld %s\n", l->origin, (long long)l->size,
                         root, (long long)l->ts_ms, sig);
}

/* The next space-separated token of [*p, end); false when there is none. */
static bool
token(const char **p, const char *end, struct eg_str *out)
{
    const char *s = *p;
    if (s >= end || *s == ' ')
        return false;
    const char *e = memchr(s, ' ', (size_t)(end - s));
    if (!e)
        e = end;
    *out = (struct eg_str){s, (size_t)(e - s)};
    *p = e < end ? e + 1 : e;
    return !(e < end && e + 1 == end); /* no trailing space */
}

static bool
decimal(struct eg_str t, int64_t *out)
{
    char buf[24];
    if (t.n == 0 || t.n >= sizeof(buf) || (t.n > 1 && t.p[0] == '0'))
        return false;
    memcpy(buf, t.p, t.n);
    buf[t.n] = '\0';
    long long v;
    if (eg_parse_i64(buf, 0, INT64_MAX, &v) != EG_OK)
        return false;
    *out = v;
    return true;
}

static bool
base64(struct eg_str t, unsigned char *out, size_t len)
{
    size_t got = 0;
    return sodium_base642bin(out, len, t.p, t.n, NULL, &got, NULL,
                             sodium_base64_VARIANT_ORIGINAL) == 0 &&
           got == len;
}

enum eg_err
eg_audit_anchor_parse(const char *s, size_t n, struct eg_audit_anchor_line *out)
{
    const char *p = s, *end = s + n;
    struct eg_str t[6];
    for (size_t i = 0; i < EG_ARRAY_LEN(t); i++)
        if (!token(&p, end, &t[i]))
            return EG_EINVAL;
    if (p != end || !eg_str_eqc(t[0], ANCHOR_MAGIC))
        return EG_EINVAL;
    if (t[1].n == 0 || t[1].n >= sizeof(out->origin))
        return EG_EINVAL;
    for (size_t i = 0; i < t[1].n; i++)
        if (t[1].p[i] <= 0x20 || t[1].p[i] >= 0x7f)
            return EG_EINVAL;
    memcpy(out->origin, t[1].p, t[1].n);
    out->origin[t[1].n] = '\0';
    if (!decimal(t[2], &out->size) || !decimal(t[4], &out->ts_ms))
        return EG_EINVAL;
    if (t[3].n != B64_HASH || !base64(t[3], out->root, sizeof(out->root)))
        return EG_EINVAL;
    if (t[5].n != B64_SIG || !base64(t[5], out->sig, sizeof(out->sig)))
        return EG_EINVAL;
    return EG_OK;
}

bool
eg_audit_anchor_skippable(const char *s, size_t n)
{
    size_t blank = 0;
    while (blank < n && (s[blank] == ' ' || s[blank] == '\t' || s[blank] == '\r'))
        blank++;
    if (blank == n || s[blank] == '#')
        return true;
    size_t m = strlen(TORN_MARK);
    return n >= m && memcmp(s + n - m, TORN_MARK, m) == 0;
}

static bool
write_all(int fd, const char *p, size_t n)
{
    while (n > 0) {
        ssize_t w = write(fd, p, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return false;
        p += w;
        n -= (size_t)w;
    }
    return true;
}

enum eg_err
eg_audit_anchor_append(const char *path, const char *line, size_t n, struct eg_buf *msg)
{
    enum eg_err rc = eg_audit_mkdirs_for(path, msg);
    if (rc != EG_OK)
        return rc;
    bool created = true;
    int fd = open(path, O_RDWR | O_APPEND | O_CREAT | O_EXCL | O_CLOEXEC, 0640);
    if (fd < 0 && errno == EEXIST) {
        created = false;
        fd = open(path, O_RDWR | O_APPEND | O_CLOEXEC);
    }
    if (fd < 0)
        return eg_audit_say(msg, EG_EIO, "cannot open the audit anchor %s: %s", path,
                            strerror(errno));
    /* A line cut short by a crash is left alone; ours starts on a line of its own. */
    struct stat sb;
    char last = '\n';
    if (fstat(fd, &sb) != 0 || (sb.st_size > 0 && pread(fd, &last, 1, sb.st_size - 1) != 1)) {
        rc =
            eg_audit_say(msg, EG_EIO, "cannot read the audit anchor %s: %s", path, strerror(errno));
    } else if ((last != '\n' && !write_all(fd, TORN_MARK "\n", strlen(TORN_MARK) + 1)) ||
               !write_all(fd, line, n)) {
        rc = eg_audit_say(msg, EG_EIO, "cannot write the audit anchor %s: %s", path,
                          strerror(errno));
    } else if (fsync(fd) != 0) {
        /* Never retried: after a failed fsync the page cache may already be clean. */
        rc = eg_audit_say(msg, EG_EIO, "cannot fsync the audit anchor %s: %s", path,
                          strerror(errno));
    }
    if (close(fd) != 0 && rc == EG_OK)
        rc = eg_audit_say(msg, EG_EIO, "cannot close the audit anchor %s: %s", path,
                          strerror(errno));
    if (rc == EG_OK && created && eg_audit_sync_dir_of(path) != EG_OK)
        rc = eg_audit_say(msg, EG_EIO, "cannot sync the directory of the audit anchor %s", path);
    return rc;
}
