/*
 * checkpoint.c - signed tree heads. The text signed with Ed25519 is
 *
 *   egov-audit-checkpoint v1\n<origin>\n<size>\n<root base64>\n<ts_ms>\n
 *
 * where origin is "egov-audit/<log_id>" and log_id is random per database
 * (made by the migration), so a checkpoint of one log never verifies for another.
 * A checkpoint is stored in audit_checkpoint, then appended to the anchor file.
 */
#include "audit_int.h"

#include <stdio.h>
#include <string.h>

#include <sodium.h>

void
eg_audit_origin(const char *log_id, char *out, size_t cap)
{
    snprintf(out, cap, "egov-audit/%s", log_id);
}

enum eg_err
eg_audit_checkpoint_text(const char *origin, int64_t size,
                         const unsigned char root[EG_AUDIT_HASH_LEN], int64_t ts_ms,
                         struct eg_buf *out)
{
    char b64[64];
    sodium_bin2base64(b64, sizeof(b64), root, EG_AUDIT_HASH_LEN, sodium_base64_VARIANT_ORIGINAL);
    return eg_buf_printf(out, "egov-audit-checkpoint v1\n%s\n%lld\n%s\n%lld\n", origin,
                         (long long)size, b64, (long long)ts_ms);
}

bool
eg_audit_sig_ok(const unsigned char pk[EG_AUDIT_PUBKEY_LEN], const char *origin, int64_t size,
                const unsigned char root[EG_AUDIT_HASH_LEN], int64_t ts_ms,
                const unsigned char sig[EG_AUDIT_SIG_LEN])
{
    struct eg_buf text = EG_BUF_INIT(1024);
    bool ok =
        eg_audit_checkpoint_text(origin, size, root, ts_ms, &text) == EG_OK &&
        crypto_sign_ed25519_verify_detached(sig, (const unsigned char *)text.p, text.len, pk) == 0;
    eg_buf_release(&text);
    return ok;
}

enum eg_err
eg_audit_tree_head(struct eg_db *db, struct eg_audit_head *out)
{
    memset(out, 0, sizeof(*out));
    struct eg_tx *tx = NULL;
    struct eg_audit_frontier f;
    enum eg_err rc = eg_db_begin(db, EG_TX_READ, &tx);
    if (rc == EG_OK)
        rc = eg_audit_state_read(tx, false, NULL, &f);
    eg_tx_rollback(tx);
    if (rc == EG_OK) {
        out->size = f.size;
        eg_audit_frontier_root(&f, out->root);
    }
    return rc;
}

/* The newest checkpoint in tx; EG_ENOTFOUND when there is none. */
static enum eg_err
newest(struct eg_tx *tx, struct eg_audit_head *out)
{
    struct eg_stmt *st = NULL;
    bool row = false;
    enum eg_err rc = eg_tx_prepare(tx,
                                   "SELECT tree_size, ts_ms, root_hash FROM audit_checkpoint "
                                   "ORDER BY tree_size DESC LIMIT 1",
                                   &st);
    if (rc == EG_OK)
        rc = eg_stmt_step(st, &row);
    if (rc != EG_OK)
        return rc;
    if (!row)
        return EG_ENOTFOUND;
    out->size = eg_stmt_i64(st, 0);
    out->ts_ms = eg_stmt_i64(st, 1);
    size_t n = 0;
    const void *p = eg_stmt_blob(st, 2, &n);
    if (p && n == EG_AUDIT_HASH_LEN)
        memcpy(out->root, p, EG_AUDIT_HASH_LEN);
    eg_stmt_reset(st);
    return EG_OK;
}

enum eg_err
eg_audit_last_checkpoint(struct eg_db *db, struct eg_audit_head *out)
{
    memset(out, 0, sizeof(*out));
    struct eg_tx *tx = NULL;
    enum eg_err rc = eg_db_begin(db, EG_TX_READ, &tx);
    if (rc == EG_OK)
        rc = newest(tx, out);
    eg_tx_rollback(tx);
    return rc;
}

static enum eg_err
insert(struct eg_tx *tx, const struct eg_audit_anchor_line *l)
{
    struct eg_stmt *st = NULL;
    bool row;
    enum eg_err rc = eg_tx_prepare(tx,
                                   "INSERT INTO audit_checkpoint (tree_size, ts_ms, root_hash, "
                                   "signature) VALUES (?, ?, ?, ?)",
                                   &st);
    if (rc == EG_OK)
        rc = eg_stmt_bind_i64(st, 1, l->size);
    if (rc == EG_OK)
        rc = eg_stmt_bind_i64(st, 2, l->ts_ms);
    if (rc == EG_OK)
        rc = eg_stmt_bind_blob(st, 3, l->root, sizeof(l->root));
    if (rc == EG_OK)
        rc = eg_stmt_bind_blob(st, 4, l->sig, sizeof(l->sig));
    if (rc == EG_OK)
        rc = eg_stmt_step(st, &row);
    return rc;
}

/* Signs the head in tx and inserts it; *skip when the newest checkpoint has this size. */
static enum eg_err
sign_and_store(struct eg_audit *a, struct eg_tx *tx, int64_t now_ms, struct eg_audit_anchor_line *l,
               bool *skip, struct eg_buf *msg)
{
    char log_id[64];
    struct eg_audit_frontier f;
    struct eg_audit_head last;
    /*
     * The newest checkpoint first, then the state: on PostgreSQL each statement
     * sees its own snapshot, and in this order a checkpoint another process
     * commits in between can only be older than the state we read.
     */
    enum eg_err last_rc = newest(tx, &last);
    if (last_rc != EG_OK && last_rc != EG_ENOTFOUND)
        return eg_audit_say(msg, last_rc, "cannot read the checkpoints: %s", eg_tx_errmsg(tx));
    enum eg_err rc = eg_audit_state_read(tx, false, log_id, &f);
    if (rc == EG_ENOTFOUND || rc == EG_EINVAL)
        return eg_audit_say(msg, EG_EINTERNAL,
                            "the audit state row is missing or damaged; run "
                            "egov audit verify");
    if (rc != EG_OK)
        return eg_audit_say(msg, rc, "cannot read the audit state: %s", eg_tx_errmsg(tx));
    rc = last_rc;
    if (rc == EG_OK && last.size > f.size)
        return eg_audit_say(msg, EG_ECONFLICT,
                            "the audit log holds %lld entries but its newest checkpoint covers "
                            "%lld: it was truncated; run egov audit verify",
                            (long long)f.size, (long long)last.size);
    if (rc == EG_OK && last.size == f.size) {
        *skip = true;
        return EG_OK;
    }
    eg_audit_origin(log_id, l->origin, sizeof(l->origin));
    l->size = f.size;
    l->ts_ms = now_ms;
    eg_audit_frontier_root(&f, l->root);
    struct eg_buf text = EG_BUF_INIT(1024);
    rc = eg_audit_checkpoint_text(l->origin, l->size, l->root, l->ts_ms, &text);
    if (rc == EG_OK)
        crypto_sign_ed25519_detached(l->sig, NULL, (const unsigned char *)text.p, text.len, a->sk);
    eg_buf_release(&text);
    if (rc == EG_OK)
        rc = insert(tx, l);
    if (rc == EG_ECONFLICT) {
        *skip = true; /* another process signed this size first */
        return EG_OK;
    }
    if (rc != EG_OK)
        return eg_audit_say(msg, rc, "cannot store the checkpoint: %s", eg_tx_errmsg(tx));
    return EG_OK;
}

enum eg_err
eg_audit_checkpoint(struct eg_audit *a, struct eg_db *db, int64_t now_ms, struct eg_audit_head *out,
                    struct eg_buf *msg)
{
    struct eg_audit_head dummy;
    if (!out)
        out = &dummy;
    memset(out, 0, sizeof(*out));
    if (now_ms < 0)
        return eg_audit_say(msg, EG_EINVAL, "the checkpoint time is before 1970");
    struct eg_audit_anchor_line l = {0};
    struct eg_tx *tx = NULL;
    bool skip = false;
    pthread_mutex_lock(&a->lock);
    enum eg_err rc = eg_db_begin(db, EG_TX_WRITE, &tx);
    if (rc != EG_OK) {
        eg_audit_say(msg, rc, "cannot begin a checkpoint: %s", eg_strerror(rc));
        goto out;
    }
    rc = sign_and_store(a, tx, now_ms, &l, &skip, msg);
    if (rc != EG_OK || skip) {
        eg_tx_rollback(tx);
        goto out;
    }
    rc = eg_tx_commit(tx);
    if (rc == EG_ECONFLICT) {
        skip = true;
        rc = EG_OK;
        goto out;
    }
    if (rc != EG_OK) {
        eg_audit_say(msg, rc, "cannot commit the checkpoint: %s", eg_strerror(rc));
        goto out;
    }
    /* After the commit: every anchored checkpoint is also in the database. */
    out->written = true;
    if (a->anchor_path) {
        struct eg_buf line = EG_BUF_INIT(1024);
        rc = eg_audit_anchor_format(&l, &line);
        if (rc == EG_OK)
            rc = eg_audit_anchor_append(a->anchor_path, line.p, line.len, msg);
        eg_buf_release(&line);
    }
out:
    pthread_mutex_unlock(&a->lock);
    if (out->written) {
        /* Stored, even when the anchor then failed (rc says so). */
        out->size = l.size;
        out->ts_ms = l.ts_ms;
        memcpy(out->root, l.root, sizeof(l.root));
    } else if (rc == EG_OK && skip) {
        rc = eg_audit_last_checkpoint(db, out);
    }
    return rc;
}
