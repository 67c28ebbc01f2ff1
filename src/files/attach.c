/* attach.c - the file_blob and attachment rows (migration 0009). */
#include "files_int.h"

#include <stdio.h>
#include <string.h>

/* Copies s (or "") into a fixed field, cut on a UTF-8 character boundary. */
static void
copy_field(char *dst, size_t cap, const char *s)
{
    size_t n = s ? strlen(s) : 0;
    if (n >= cap) {
        n = cap - 1;
        while (n > 0 && ((unsigned char)s[n] & 0xc0) == 0x80)
            n--;
    }
    if (n)
        memcpy(dst, s, n);
    dst[n] = '\0';
}

/* A declared Content-Type worth keeping: printable ASCII, at most 127 bytes. */
static const char *
declared(const char *t, char *buf, size_t cap)
{
    if (!t)
        return NULL;
    size_t n = strlen(t);
    if (n == 0 || n >= cap)
        return NULL;
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)t[i] < 0x20 || (unsigned char)t[i] > 0x7e)
            return NULL;
    memcpy(buf, t, n + 1);
    return buf;
}

enum eg_err
eg_files_attach_tx(struct eg_tx *tx, const struct eg_blob *b, const struct eg_attach *a,
                   int64_t now_ms, struct eg_attachment *out)
{
    memset(out, 0, sizeof(*out));
    const char *mime = eg_ftype_mime(b->type);
    if (!mime || !eg_files_hex_ok(b->sha256) || !a->owner_kind || !*a->owner_kind ||
        strlen(a->owner_kind) >= sizeof(out->owner_kind) ||
        (a->owner_ref && strlen(a->owner_ref) >= sizeof(out->owner_ref)))
        return EG_EINVAL;
    struct eg_buf name = EG_BUF_INIT(EG_FILENAME_MAX + 1);
    char dtype[sizeof(out->declared_type)];
    const char *dt = declared(a->declared_type, dtype, sizeof(dtype));
    enum eg_err rc = eg_files_filename(a->filename, b->type, &name);
    struct eg_stmt *st = NULL;
    bool row = false;
    /* The blob: new, or used again now (which keeps gc away from it). */
    if (rc == EG_OK)
        rc = eg_tx_prepare(tx,
                           "INSERT INTO file_blob (sha256, size, type, created_at, last_used_at) "
                           "VALUES (?, ?, ?, ?, ?) ON CONFLICT (sha256) DO UPDATE SET "
                           "last_used_at = excluded.last_used_at",
                           &st);
    if (rc == EG_OK)
        rc = eg_stmt_bind_text(st, 1, b->sha256, 64);
    if (rc == EG_OK)
        rc = eg_stmt_bind_i64(st, 2, (int64_t)b->size);
    if (rc == EG_OK)
        rc = eg_stmt_bind_text(st, 3, mime, SIZE_MAX);
    if (rc == EG_OK)
        rc = eg_stmt_bind_i64(st, 4, now_ms);
    if (rc == EG_OK)
        rc = eg_stmt_bind_i64(st, 5, now_ms);
    if (rc == EG_OK)
        rc = eg_stmt_step(st, &row);
    if (rc == EG_OK)
        rc = eg_tx_prepare(tx,
                           "INSERT INTO attachment (blob_sha256, filename, declared_type, "
                           "detected_type, owner_account, owner_kind, owner_ref, created_at) "
                           "VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
                           &st);
    if (rc == EG_OK)
        rc = eg_stmt_bind_text(st, 1, b->sha256, 64);
    if (rc == EG_OK)
        rc = eg_stmt_bind_text(st, 2, eg_buf_str(&name), name.len);
    if (rc == EG_OK)
        rc = eg_stmt_bind_text(st, 3, dt, SIZE_MAX);
    if (rc == EG_OK)
        rc = eg_stmt_bind_text(st, 4, mime, SIZE_MAX);
    if (rc == EG_OK)
        rc = eg_stmt_bind_i64(st, 5, a->owner_account);
    if (rc == EG_OK)
        rc = eg_stmt_bind_text(st, 6, a->owner_kind, SIZE_MAX);
    if (rc == EG_OK)
        rc = eg_stmt_bind_text(st, 7, a->owner_ref, SIZE_MAX);
    if (rc == EG_OK)
        rc = eg_stmt_bind_i64(st, 8, now_ms);
    if (rc == EG_OK)
        rc = eg_stmt_step(st, &row);
    if (rc == EG_OK && !row)
        rc = EG_EINTERNAL;
    if (rc == EG_OK)
        out->id = eg_stmt_i64(st, 0);
    if (rc == EG_OK)
        rc = eg_stmt_step(st, &row); /* to its end, so the statement is done */
    if (rc == EG_OK) {
        memcpy(out->sha256, b->sha256, sizeof(out->sha256));
        out->size = b->size;
        out->type = b->type;
        copy_field(out->filename, sizeof(out->filename), eg_buf_str(&name));
        copy_field(out->declared_type, sizeof(out->declared_type), dt);
        out->owner_account = a->owner_account;
        copy_field(out->owner_kind, sizeof(out->owner_kind), a->owner_kind);
        copy_field(out->owner_ref, sizeof(out->owner_ref), a->owner_ref);
        out->created_ms = now_ms;
    }
    eg_buf_release(&name);
    return rc;
}

enum eg_err
eg_files_attach(struct eg_files *fs, struct eg_db *db, const struct eg_blob_src *src,
                unsigned accept, const struct eg_attach *a, int64_t now_ms,
                struct eg_attachment *out, struct eg_buf *msg)
{
    struct eg_blob b;
    enum eg_err rc = eg_files_store(fs, src, accept, &b, msg);
    if (rc != EG_OK)
        return rc;
    struct eg_tx *tx = NULL;
    rc = eg_db_begin(db, EG_TX_WRITE, &tx);
    if (rc == EG_OK)
        rc = eg_files_attach_tx(tx, &b, a, now_ms, out);
    if (rc == EG_OK)
        rc = eg_tx_commit(tx);
    else
        eg_tx_rollback(tx);
    if (rc == EG_OK)
        rc = eg_files_settle(fs, src, &b);
    return rc;
}

enum eg_err
eg_files_get(struct eg_db *db, int64_t id, struct eg_attachment *out)
{
    memset(out, 0, sizeof(*out));
    struct eg_tx *tx = NULL;
    struct eg_stmt *st = NULL;
    bool row = false;
    enum eg_err rc = eg_db_begin(db, EG_TX_READ, &tx);
    if (rc == EG_OK)
        rc = eg_tx_prepare(tx,
                           "SELECT a.id, a.blob_sha256, b.size, a.detected_type, a.filename, "
                           "a.declared_type, a.owner_account, a.owner_kind, a.owner_ref, "
                           "a.created_at FROM attachment a JOIN file_blob b ON b.sha256 = "
                           "a.blob_sha256 WHERE a.id = ?",
                           &st);
    if (rc == EG_OK)
        rc = eg_stmt_bind_i64(st, 1, id);
    if (rc == EG_OK)
        rc = eg_stmt_step(st, &row);
    if (rc == EG_OK && !row)
        rc = EG_ENOTFOUND;
    if (rc == EG_OK) {
        out->id = eg_stmt_i64(st, 0);
        copy_field(out->sha256, sizeof(out->sha256), eg_stmt_text(st, 1));
        out->size = (uint64_t)eg_stmt_i64(st, 2);
        out->type = eg_ftype_of_mime(eg_stmt_text(st, 3));
        copy_field(out->filename, sizeof(out->filename), eg_stmt_text(st, 4));
        copy_field(out->declared_type, sizeof(out->declared_type), eg_stmt_text(st, 5));
        out->owner_account = eg_stmt_i64(st, 6);
        copy_field(out->owner_kind, sizeof(out->owner_kind), eg_stmt_text(st, 7));
        copy_field(out->owner_ref, sizeof(out->owner_ref), eg_stmt_text(st, 8));
        out->created_ms = eg_stmt_i64(st, 9);
        eg_stmt_reset(st);
    }
    eg_tx_rollback(tx);
    return rc;
}
