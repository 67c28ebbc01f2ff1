/*
 * gc.c - removing what nothing uses, and checking what is kept.
 *
 * gc never removes a blob's file outside the transaction that deletes its
 * row: the DELETE (which re-checks "unused since the cutoff" under the row's
 * lock) comes first, the file goes next, the commit last. An upload that uses
 * the blob again either updated the row first (the DELETE then finds it used
 * and leaves it) or waits for gc's commit and then puts the file back
 * (eg_files_settle() after its own commit). A file without a row (a crash
 * between storing and attaching) is removed the same way: gc inserts a row
 * for it, which fails if an upload made one meanwhile, then removes file and
 * row in that same transaction.
 */
#include "files_int.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define BATCH 100

static bool
hexc(char c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
}

/* A directory level of the store: "ab". */
static bool
hex2(const char *s)
{
    return hexc(s[0]) && hexc(s[1]) && s[2] == '\0';
}

static int64_t
mtime_ms(const struct stat *st)
{
    return (int64_t)st->st_mtim.tv_sec * 1000 + st->st_mtim.tv_nsec / 1000000;
}

/* ---- leftovers in root/tmp ------------------------------------------------------------ */

static enum eg_err
gc_tmp(struct eg_files *fs, int64_t cutoff, bool dry_run, struct eg_files_gc_stats *st)
{
    int d = dup(fs->tmp_fd);
    DIR *dp = d >= 0 ? fdopendir(d) : NULL;
    if (!dp) {
        if (d >= 0)
            close(d);
        return EG_EIO;
    }
    rewinddir(dp);
    for (struct dirent *e = readdir(dp); e; e = readdir(dp)) {
        struct stat sb;
        if (e->d_name[0] == '.' || fstatat(fs->tmp_fd, e->d_name, &sb, AT_SYMLINK_NOFOLLOW) != 0 ||
            !S_ISREG(sb.st_mode) || mtime_ms(&sb) >= cutoff)
            continue;
        if (dry_run || unlinkat(fs->tmp_fd, e->d_name, 0) == 0) {
            st->temporaries++;
            st->bytes += (uint64_t)sb.st_size;
        }
    }
    closedir(dp);
    return EG_OK;
}

/* ---- files without a row ----------------------------------------------------------------- */

struct cand {
    char hex[65];
    uint64_t size;
};

/* Removes those of c[0..n) that have no row, each under a row of its own for the moment. */
static enum eg_err
gc_orphans_batch(struct eg_db *db, int dir, const struct cand *c, size_t n, bool dry_run,
                 struct eg_files_gc_stats *st)
{
    struct eg_tx *tx = NULL;
    enum eg_err rc = eg_db_begin(db, dry_run ? EG_TX_READ : EG_TX_WRITE, &tx);
    for (size_t i = 0; i < n && rc == EG_OK; i++) {
        struct eg_stmt *s = NULL;
        bool row = false;
        if (dry_run) {
            rc = eg_tx_prepare(tx, "SELECT 1 FROM file_blob WHERE sha256 = ?", &s);
            if (rc == EG_OK)
                rc = eg_stmt_bind_text(s, 1, c[i].hex, 64);
            if (rc == EG_OK)
                rc = eg_stmt_step(s, &row);
            if (rc == EG_OK && !row) {
                st->orphans++;
                st->bytes += c[i].size;
            }
            if (row)
                eg_stmt_reset(s);
            continue;
        }
        rc = eg_tx_prepare(tx,
                           "INSERT INTO file_blob (sha256, size, type, created_at, last_used_at) "
                           "VALUES (?, ?, 'application/octet-stream', 0, 0) "
                           "ON CONFLICT (sha256) DO NOTHING",
                           &s);
        if (rc == EG_OK)
            rc = eg_stmt_bind_text(s, 1, c[i].hex, 64);
        if (rc == EG_OK)
            rc = eg_stmt_bind_i64(s, 2, (int64_t)c[i].size);
        if (rc == EG_OK)
            rc = eg_stmt_step(s, &row);
        if (rc != EG_OK || eg_stmt_changes(s) != 1)
            continue; /* it has a row: not an orphan */
        if (unlinkat(dir, c[i].hex, 0) != 0 && errno != ENOENT) {
            eg_warn("files gc: cannot remove %s: %s", c[i].hex, strerror(errno));
            rc = EG_EIO;
            break;
        }
        rc = eg_tx_prepare(tx, "DELETE FROM file_blob WHERE sha256 = ?", &s);
        if (rc == EG_OK)
            rc = eg_stmt_bind_text(s, 1, c[i].hex, 64);
        if (rc == EG_OK)
            rc = eg_stmt_step(s, &row);
        if (rc == EG_OK) {
            st->orphans++;
            st->bytes += c[i].size;
        }
    }
    if (rc == EG_OK && !dry_run)
        rc = eg_tx_commit(tx);
    else
        eg_tx_rollback(tx);
    return rc;
}

/* One leaf directory root/ab/cd: its blob files older than the cutoff. */
static enum eg_err
gc_leaf(struct eg_db *db, int dir, const char *prefix, int64_t cutoff, bool dry_run,
        struct eg_files_gc_stats *st)
{
    int d = dup(dir);
    DIR *dp = d >= 0 ? fdopendir(d) : NULL;
    if (!dp) {
        if (d >= 0)
            close(d);
        return EG_EIO;
    }
    struct cand *c = malloc(BATCH * sizeof(*c));
    size_t n = 0;
    enum eg_err rc = c ? EG_OK : EG_ENOMEM;
    for (struct dirent *e = readdir(dp); e && rc == EG_OK; e = readdir(dp)) {
        struct stat sb;
        if (!eg_files_hex_ok(e->d_name) || strncmp(e->d_name, prefix, 4) != 0 ||
            fstatat(dir, e->d_name, &sb, AT_SYMLINK_NOFOLLOW) != 0 || !S_ISREG(sb.st_mode) ||
            mtime_ms(&sb) >= cutoff)
            continue;
        memcpy(c[n].hex, e->d_name, 65);
        c[n].size = (uint64_t)sb.st_size;
        if (++n == BATCH) {
            rc = gc_orphans_batch(db, dir, c, n, dry_run, st);
            n = 0;
        }
    }
    if (rc == EG_OK && n)
        rc = gc_orphans_batch(db, dir, c, n, dry_run, st);
    free(c);
    closedir(dp);
    return rc;
}

/* Walks root/ab/cd/. */
static enum eg_err
gc_orphans(struct eg_files *fs, struct eg_db *db, int64_t cutoff, bool dry_run,
           struct eg_files_gc_stats *st)
{
    int d = dup(fs->root_fd);
    DIR *top = d >= 0 ? fdopendir(d) : NULL;
    if (!top) {
        if (d >= 0)
            close(d);
        return EG_EIO;
    }
    rewinddir(top);
    enum eg_err rc = EG_OK;
    for (struct dirent *a = readdir(top); a && rc == EG_OK; a = readdir(top)) {
        if (!hex2(a->d_name))
            continue;
        int da = openat(fs->root_fd, a->d_name, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
        DIR *mid = da >= 0 ? fdopendir(da) : NULL;
        if (!mid) {
            if (da >= 0)
                close(da);
            continue;
        }
        for (struct dirent *b = readdir(mid); b && rc == EG_OK; b = readdir(mid)) {
            if (!hex2(b->d_name))
                continue;
            int leaf =
                openat(dirfd(mid), b->d_name, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
            if (leaf < 0)
                continue;
            char prefix[5] = {a->d_name[0], a->d_name[1], b->d_name[0], b->d_name[1], '\0'};
            rc = gc_leaf(db, leaf, prefix, cutoff, dry_run, st);
            close(leaf);
        }
        closedir(mid);
    }
    closedir(top);
    return rc;
}

/* ---- rows nothing references ------------------------------------------------------------- */

static enum eg_err
gc_rows(struct eg_files *fs, struct eg_db *db, int64_t cutoff, bool dry_run,
        struct eg_files_gc_stats *st)
{
    char after[65] = "";
    struct cand *c = malloc(BATCH * sizeof(*c));
    enum eg_err rc = c ? EG_OK : EG_ENOMEM;
    size_t n = BATCH;
    while (rc == EG_OK && n == BATCH) {
        struct eg_tx *tx = NULL;
        struct eg_stmt *s = NULL;
        bool row = false;
        n = 0;
        rc = eg_db_begin(db, dry_run ? EG_TX_READ : EG_TX_WRITE, &tx);
        if (rc == EG_OK)
            rc = eg_tx_prepare(tx,
                               "SELECT sha256, size FROM file_blob b WHERE sha256 > ? AND "
                               "last_used_at < ? AND NOT EXISTS (SELECT 1 FROM attachment a "
                               "WHERE a.blob_sha256 = b.sha256) ORDER BY sha256 LIMIT 100",
                               &s);
        if (rc == EG_OK)
            rc = eg_stmt_bind_text(s, 1, after, SIZE_MAX);
        if (rc == EG_OK)
            rc = eg_stmt_bind_i64(s, 2, cutoff);
        while (rc == EG_OK && n < BATCH) {
            rc = eg_stmt_step(s, &row);
            if (rc != EG_OK || !row)
                break;
            snprintf(c[n].hex, sizeof(c[n].hex), "%s", eg_stmt_text(s, 0));
            c[n].size = (uint64_t)eg_stmt_i64(s, 1);
            n++;
        }
        if (row)
            eg_stmt_reset(s); /* a full page: the statement is not at its end */
        if (n)
            memcpy(after, c[n - 1].hex, sizeof(after));
        for (size_t i = 0; i < n && rc == EG_OK; i++) {
            if (dry_run) {
                st->blobs++;
                st->bytes += c[i].size;
                continue;
            }
            /* Deleted only if still unused now that the row is locked; then the file. */
            rc = eg_tx_prepare(tx,
                               "DELETE FROM file_blob WHERE sha256 = ? AND last_used_at < ? AND "
                               "NOT EXISTS (SELECT 1 FROM attachment a WHERE a.blob_sha256 = "
                               "file_blob.sha256)",
                               &s);
            if (rc == EG_OK)
                rc = eg_stmt_bind_text(s, 1, c[i].hex, 64);
            if (rc == EG_OK)
                rc = eg_stmt_bind_i64(s, 2, cutoff);
            if (rc == EG_OK)
                rc = eg_stmt_step(s, &row);
            if (rc != EG_OK || eg_stmt_changes(s) != 1 || !eg_files_hex_ok(c[i].hex))
                continue;
            char rel[80];
            eg_files_blob_path(c[i].hex, rel, sizeof(rel));
            if (unlinkat(fs->root_fd, rel, 0) != 0 && errno != ENOENT) {
                eg_warn("files gc: cannot remove blob %s: %s", c[i].hex, strerror(errno));
                rc = EG_EIO;
                break;
            }
            st->blobs++;
            st->bytes += c[i].size;
        }
        if (rc == EG_OK && !dry_run)
            rc = eg_tx_commit(tx);
        else
            eg_tx_rollback(tx);
    }
    free(c);
    return rc;
}

enum eg_err
eg_files_gc(struct eg_files *fs, struct eg_db *db, int64_t now_ms, int64_t grace_ms, bool dry_run,
            struct eg_files_gc_stats *st)
{
    memset(st, 0, sizeof(*st));
    int64_t cutoff = now_ms - grace_ms;
    enum eg_err rc = gc_rows(fs, db, cutoff, dry_run, st);
    if (rc == EG_OK)
        rc = gc_orphans(fs, db, cutoff, dry_run, st);
    if (rc == EG_OK)
        rc = gc_tmp(fs, cutoff, dry_run, st);
    return rc;
}

/* ---- verify ----------------------------------------------------------------------------- */

struct vrow {
    char hex[65];
    uint64_t size;
    bool used;
};

static void
verify_one(struct eg_files *fs, const struct vrow *v, eg_files_report_fn report, void *ctx,
           struct eg_files_verify_stats *st)
{
    char rel[80], got[65], line[200];
    uint64_t size = 0;
    st->blobs++;
    if (!eg_files_hex_ok(v->hex)) {
        st->bad++;
        report(ctx, v->hex, "the row's hash is not 64 lower-case hex digits");
        return;
    }
    eg_files_blob_path(v->hex, rel, sizeof(rel));
    int fd = openat(fs->root_fd, rel, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    if (fd < 0) {
        if (v->used) {
            st->missing++;
            report(ctx, v->hex,
                   errno == ENOENT ? "missing: an attachment refers to it" : "cannot be opened");
        } else {
            st->unused_missing++;
            report(ctx, v->hex, "missing, but no attachment refers to it (gc removes the row)");
        }
        return;
    }
    enum eg_err rc = eg_files_hash_fd(fd, got, &size);
    close(fd);
    if (rc != EG_OK) {
        st->bad++;
        report(ctx, v->hex, "cannot be read");
    } else if (strcmp(got, v->hex) != 0) {
        st->bad++;
        snprintf(line, sizeof(line), "damaged: its content hashes to %s", got);
        report(ctx, v->hex, line);
    } else if (size != v->size) {
        st->bad++;
        snprintf(line, sizeof(line), "its size is %llu bytes, the row says %llu",
                 (unsigned long long)size, (unsigned long long)v->size);
        report(ctx, v->hex, line);
    } else {
        st->ok++;
    }
}

enum eg_err
eg_files_verify(struct eg_files *fs, struct eg_db *db, eg_files_report_fn report, void *ctx,
                struct eg_files_verify_stats *st)
{
    memset(st, 0, sizeof(*st));
    char after[65] = "";
    struct vrow *v = malloc(BATCH * sizeof(*v));
    enum eg_err rc = v ? EG_OK : EG_ENOMEM;
    size_t n = BATCH;
    /* Pages of rows, each read in a transaction of its own, hashed after it ended. */
    while (rc == EG_OK && n == BATCH) {
        struct eg_tx *tx = NULL;
        struct eg_stmt *s = NULL;
        bool row = false;
        n = 0;
        rc = eg_db_begin(db, EG_TX_READ, &tx);
        if (rc == EG_OK)
            rc = eg_tx_prepare(tx,
                               "SELECT b.sha256, b.size, (SELECT COUNT(*) FROM attachment a "
                               "WHERE a.blob_sha256 = b.sha256) FROM file_blob b WHERE "
                               "b.sha256 > ? ORDER BY b.sha256 LIMIT 100",
                               &s);
        if (rc == EG_OK)
            rc = eg_stmt_bind_text(s, 1, after, SIZE_MAX);
        while (rc == EG_OK && n < BATCH) {
            rc = eg_stmt_step(s, &row);
            if (rc != EG_OK || !row)
                break;
            snprintf(v[n].hex, sizeof(v[n].hex), "%s", eg_stmt_text(s, 0));
            v[n].size = (uint64_t)eg_stmt_i64(s, 1);
            v[n].used = eg_stmt_i64(s, 2) > 0;
            n++;
        }
        if (row)
            eg_stmt_reset(s);
        eg_tx_rollback(tx);
        if (n)
            memcpy(after, v[n - 1].hex, sizeof(after));
        for (size_t i = 0; i < n && rc == EG_OK; i++)
            verify_one(fs, &v[i], report, ctx, st);
    }
    free(v);
    return rc;
}
