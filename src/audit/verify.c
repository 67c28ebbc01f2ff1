/*
 * verify.c - recompute the whole log and compare it with what was signed.
 *
 * One pass over the entries in seq order (pages of ENTRY_PAGE), keeping the
 * Merkle frontier; whenever the tree reaches the size of a checkpoint (from
 * the database, in pages, or from the anchor file, loaded and sorted), that
 * checkpoint's signature and root are checked against the recomputed root.
 * Afterwards: checkpoints beyond the end (a cut tail), stray rows, the state
 * row. The first problem in log order is reported and the pass stops there.
 */
#include "audit_int.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#define ENTRY_PAGE 1024
#define CP_PAGE 256

struct cp {
    int64_t size;
    int64_t ts_ms;
    unsigned char root[EG_AUDIT_HASH_LEN];
    unsigned char sig[EG_AUDIT_SIG_LEN];
    bool damaged; /* a blob of the wrong length */
};

struct vctx {
    struct eg_tx *tx;
    const unsigned char *pk;
    char origin[80];
    struct eg_audit_report *rep;
    struct eg_audit_frontier f; /* recomputed from the entries */
    int64_t last_good;          /* size of the last checkpoint that matched, 0 if none */
    /* database checkpoints, a page at a time */
    struct cp page[CP_PAGE];
    size_t page_n, page_i;
    int64_t page_after;
    bool page_done;
    /* anchor lines, sorted by size */
    struct eg_audit_anchor_line *an;
    size_t an_n, an_i;
};

static void fault(struct eg_audit_report *r, enum eg_audit_fault f, const char *where,
                  const char *fmt, ...) EG_PRINTF(4, 5);

/* Records the first problem only. */
static void
fault(struct eg_audit_report *r, enum eg_audit_fault f, const char *where, const char *fmt, ...)
{
    if (r->fault != EG_AUDIT_INTACT)
        return;
    r->fault = f;
    r->intact = false;
    snprintf(r->where, sizeof(r->where), "%s", where);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(r->what, sizeof(r->what), fmt, ap);
    va_end(ap);
}

static void
entry_fault(struct vctx *v, int64_t seq, const char *what)
{
    char where[64];
    snprintf(where, sizeof(where), "entry %lld", (long long)seq);
    fault(v->rep, EG_AUDIT_BAD_ENTRY, where, "%s", what);
    v->rep->bad_seq = seq;
}

/* ---- database checkpoints --------------------------------------------------------- */

static enum eg_err
page_fill(struct vctx *v)
{
    struct eg_stmt *st = NULL;
    bool row = false;
    v->page_n = v->page_i = 0;
    enum eg_err rc = eg_tx_prepare(v->tx,
                                   "SELECT tree_size, ts_ms, root_hash, signature FROM "
                                   "audit_checkpoint WHERE tree_size > ? ORDER BY tree_size LIMIT "
                                   "256",
                                   &st);
    if (rc == EG_OK)
        rc = eg_stmt_bind_i64(st, 1, v->page_after);
    for (;;) {
        if (rc == EG_OK)
            rc = eg_stmt_step(st, &row);
        if (rc != EG_OK || !row)
            break;
        struct cp *c = &v->page[v->page_n++];
        size_t rn = 0, sn = 0;
        c->size = eg_stmt_i64(st, 0);
        c->ts_ms = eg_stmt_i64(st, 1);
        const void *r = eg_stmt_blob(st, 2, &rn);
        c->damaged = !r || rn != EG_AUDIT_HASH_LEN;
        if (!c->damaged)
            memcpy(c->root, r, EG_AUDIT_HASH_LEN);
        const void *s = eg_stmt_blob(st, 3, &sn);
        c->damaged = c->damaged || !s || sn != EG_AUDIT_SIG_LEN;
        if (!c->damaged)
            memcpy(c->sig, s, EG_AUDIT_SIG_LEN);
        v->page_after = c->size;
        if (v->page_n == CP_PAGE) {
            eg_stmt_reset(st);
            break;
        }
    }
    if (v->page_n < CP_PAGE)
        v->page_done = true;
    return rc;
}

/* The next database checkpoint, or NULL after the last. */
static enum eg_err
page_peek(struct vctx *v, struct cp **out)
{
    *out = NULL;
    if (v->page_i == v->page_n) {
        if (v->page_done)
            return EG_OK;
        enum eg_err rc = page_fill(v);
        if (rc != EG_OK)
            return rc;
        if (v->page_n == 0)
            return EG_OK;
    }
    *out = &v->page[v->page_i];
    return EG_OK;
}

/* ---- checks at one tree size -------------------------------------------------------- */

static void
root_mismatch(struct vctx *v, const char *where, int64_t size)
{
    fault(v->rep, EG_AUDIT_BAD_CHECKPOINT, where,
          "the entries before it do not hash to its signed root: an entry from %lld to %lld was "
          "changed, inserted, deleted or reordered",
          (long long)v->last_good, (long long)size - 1);
    v->rep->bad_size = size;
}

static void
check_db_cp(struct vctx *v, const struct cp *c, const unsigned char root[32])
{
    char where[64];
    snprintf(where, sizeof(where), "checkpoint %lld", (long long)c->size);
    v->rep->checkpoints++;
    if (v->rep->fault != EG_AUDIT_INTACT)
        return;
    if (c->damaged) {
        fault(v->rep, EG_AUDIT_BAD_CHECKPOINT, where, "its stored root or signature is damaged");
    } else if (!eg_audit_sig_ok(v->pk, v->origin, c->size, c->root, c->ts_ms, c->sig)) {
        fault(v->rep, EG_AUDIT_BAD_CHECKPOINT, where,
              "its signature does not verify with the public key (forged, altered, or signed "
              "by another key)");
    } else if (memcmp(c->root, root, EG_AUDIT_HASH_LEN) != 0) {
        root_mismatch(v, where, c->size);
    }
    if (v->rep->fault != EG_AUDIT_INTACT)
        v->rep->bad_size = c->size;
}

static void
check_anchor_cp(struct vctx *v, const struct eg_audit_anchor_line *l, const struct cp *db,
                const unsigned char root[32])
{
    char where[96];
    snprintf(where, sizeof(where), "checkpoint %lld (anchor line %ld)", (long long)l->size,
             l->line);
    v->rep->anchored++;
    if (strcmp(l->origin, v->origin) != 0) {
        fault(v->rep, EG_AUDIT_BAD_CHECKPOINT, where,
              "it belongs to another audit log (%s, this one is %s)", l->origin, v->origin);
    } else if (!eg_audit_sig_ok(v->pk, l->origin, l->size, l->root, l->ts_ms, l->sig)) {
        fault(v->rep, EG_AUDIT_BAD_CHECKPOINT, where,
              "its signature does not verify with the public key (forged, altered, or signed "
              "by another key)");
    } else if (memcmp(l->root, root, EG_AUDIT_HASH_LEN) != 0) {
        root_mismatch(v, where, l->size);
    } else if (!db) {
        fault(v->rep, EG_AUDIT_BAD_CHECKPOINT, where,
              "it is missing from the database: a checkpoint was deleted");
    } else if (db->ts_ms != l->ts_ms || memcmp(db->root, l->root, EG_AUDIT_HASH_LEN) != 0 ||
               memcmp(db->sig, l->sig, EG_AUDIT_SIG_LEN) != 0) {
        fault(v->rep, EG_AUDIT_BAD_CHECKPOINT, where,
              "the database holds a different checkpoint of this size");
    }
    if (v->rep->fault != EG_AUDIT_INTACT) {
        v->rep->bad_size = l->size;
        v->rep->bad_line = l->line;
    }
    if (l->size >= v->rep->anchored_size) {
        v->rep->anchored_size = l->size;
        v->rep->anchored_ts_ms = l->ts_ms;
    }
}

/* Every checkpoint of the tree's current size. */
static enum eg_err
check_at_size(struct vctx *v)
{
    int64_t n = v->f.size;
    unsigned char root[EG_AUDIT_HASH_LEN];
    bool have_root = false;
    struct cp db_copy, *c = NULL, *db = NULL;
    enum eg_err rc = page_peek(v, &c);
    if (rc == EG_OK && c && c->size == n) {
        eg_audit_frontier_root(&v->f, root);
        have_root = true;
        check_db_cp(v, c, root);
        db_copy = *c;
        db = c->damaged ? NULL : &db_copy;
        v->page_i++;
    }
    while (rc == EG_OK && v->rep->fault == EG_AUDIT_INTACT && v->an_i < v->an_n &&
           v->an[v->an_i].size == n) {
        if (!have_root)
            eg_audit_frontier_root(&v->f, root);
        have_root = true;
        check_anchor_cp(v, &v->an[v->an_i], db, root);
        v->an_i++;
    }
    if (rc == EG_OK && have_root && v->rep->fault == EG_AUDIT_INTACT)
        v->last_good = n;
    return rc;
}

/* ---- entries ------------------------------------------------------------------------- */

static struct eg_str
col(struct eg_stmt *st, int i)
{
    const char *p = eg_stmt_text(st, i);
    return (struct eg_str){p, p ? eg_stmt_len(st, i) : 0};
}

/* One entry, the n-th; false when it is bad (the fault is recorded). */
static enum eg_err
check_entry(struct vctx *v, struct eg_stmt *st, bool *bad)
{
    int64_t n = v->f.size;
    int64_t seq = eg_stmt_i64(st, 0);
    *bad = true;
    if (seq > n) {
        char what[160];
        snprintf(what, sizeof(what), "it is missing: the entry after %lld is %lld (deleted)",
                 (long long)n - 1, (long long)seq);
        entry_fault(v, n, what);
        return EG_OK;
    }
    struct eg_audit_row r = {
        .seq = n,
        .ts_ms = eg_stmt_i64(st, 1),
        .actor = col(st, 2),
        .action = col(st, 3),
        .object = col(st, 4),
        .outcome = col(st, 5),
        .remote = col(st, 6),
        .request_id = col(st, 7),
        .detail = col(st, 8),
    };
    const struct eg_str *req[] = {&r.actor,   &r.action, &r.object,
                                  &r.outcome, &r.remote, &r.request_id};
    for (size_t i = 0; i < EG_ARRAY_LEN(req); i++) {
        if (!req[i]->p) {
            entry_fault(v, n, "a required field is empty (NULL)");
            return EG_OK;
        }
    }
    if (eg_stmt_is_null(st, 1)) {
        entry_fault(v, n, "its time is empty (NULL)");
        return EG_OK;
    }
    size_t hn = 0;
    const void *stored = eg_stmt_blob(st, 9, &hn);
    unsigned char leaf[EG_AUDIT_HASH_LEN];
    if (!stored || hn != EG_AUDIT_HASH_LEN) {
        entry_fault(v, n, "its stored hash is damaged");
        return EG_OK;
    }
    enum eg_err rc = eg_audit_row_hash(&r, leaf);
    if (rc != EG_OK)
        return rc;
    if (memcmp(leaf, stored, EG_AUDIT_HASH_LEN) != 0) {
        entry_fault(v, n, "its fields do not match its hash");
        return EG_OK;
    }
    eg_audit_frontier_push(&v->f, leaf);
    v->rep->entries++;
    *bad = false;
    return check_at_size(v);
}

static enum eg_err
check_entries(struct vctx *v)
{
    int64_t after = -1;
    enum eg_err rc = check_at_size(v); /* checkpoints of the empty tree */
    while (rc == EG_OK && v->rep->fault == EG_AUDIT_INTACT) {
        struct eg_stmt *st = NULL;
        bool row = false;
        int rows = 0;
        rc = eg_tx_prepare(v->tx,
                           "SELECT seq, ts_ms, actor, action, object, outcome, remote, request_id, "
                           "detail, leaf_hash FROM audit_entry WHERE seq > ? ORDER BY seq "
                           "LIMIT 1024",
                           &st);
        if (rc == EG_OK)
            rc = eg_stmt_bind_i64(st, 1, after);
        for (;;) {
            if (rc == EG_OK)
                rc = eg_stmt_step(st, &row);
            if (rc != EG_OK || !row)
                break;
            rows++;
            after = eg_stmt_i64(st, 0);
            bool bad = false;
            rc = check_entry(v, st, &bad);
            if (rc != EG_OK || bad || v->rep->fault != EG_AUDIT_INTACT) {
                eg_stmt_reset(st);
                break;
            }
        }
        if (rows < ENTRY_PAGE)
            break;
    }
    return rc;
}

/* ---- after the last entry -------------------------------------------------------------- */

static enum eg_err
count_rows(struct eg_tx *tx, int64_t *out)
{
    struct eg_stmt *st = NULL;
    bool row = false;
    enum eg_err rc = eg_tx_prepare(tx, "SELECT count(*) FROM audit_entry", &st);
    if (rc == EG_OK)
        rc = eg_stmt_step(st, &row);
    if (rc == EG_OK && row) {
        *out = eg_stmt_i64(st, 0);
        eg_stmt_reset(st);
    }
    return rc;
}

static enum eg_err
check_tail(struct vctx *v, const struct eg_audit_frontier *state)
{
    int64_t n = v->f.size;
    struct eg_audit_report *rep = v->rep;
    struct cp *c = NULL;
    enum eg_err rc = page_peek(v, &c);
    if (rc != EG_OK)
        return rc;
    /* Something signed, in the database or the anchor, covers more than there is. */
    int64_t beyond = c ? c->size : -1;
    long line = 0;
    if (v->an_i < v->an_n && v->an[v->an_i].size > beyond) {
        beyond = v->an[v->an_i].size;
        line = v->an[v->an_i].line;
    }
    for (size_t i = v->an_i; i < v->an_n; i++) {
        rep->anchored++;
        if (v->an[i].size >= rep->anchored_size) {
            rep->anchored_size = v->an[i].size;
            rep->anchored_ts_ms = v->an[i].ts_ms;
        }
    }
    if (beyond > n) {
        char what[200];
        snprintf(what, sizeof(what),
                 "it is missing: %s %lld covers %lld entries but the log ends after %lld (its "
                 "tail was cut off)",
                 line ? "the anchored checkpoint" : "checkpoint", (long long)beyond,
                 (long long)beyond, (long long)n);
        entry_fault(v, n, what);
        rep->bad_size = beyond;
        return EG_OK;
    }
    int64_t total = 0;
    rc = count_rows(v->tx, &total);
    if (rc != EG_OK)
        return rc;
    if (total != n) {
        char what[200];
        snprintf(what, sizeof(what),
                 "the table holds %lld rows but only %lld are numbered 0 to %lld: an entry with "
                 "a repeated or missing number was inserted",
                 (long long)total, (long long)n, (long long)n - 1);
        entry_fault(v, n, what);
        return EG_OK;
    }
    if (state->size > n) {
        char what[160];
        snprintf(what, sizeof(what), "it is missing: the log state counts %lld entries",
                 (long long)state->size);
        entry_fault(v, n, what);
    } else if (state->size < n) {
        entry_fault(v, state->size,
                    "it is not counted in the log state: it was added after the "
                    "fact");
    } else if (!eg_audit_frontier_equal(state, &v->f)) {
        fault(rep, EG_AUDIT_BAD_STATE, "the log state", "its hashes do not match the entries");
    }
    return EG_OK;
}

/* ---- the anchor file ---------------------------------------------------------------- */

static int
by_size(const void *a, const void *b)
{
    const struct eg_audit_anchor_line *x = a, *y = b;
    if (x->size != y->size)
        return x->size < y->size ? -1 : 1;
    return x->line < y->line ? -1 : x->line > y->line;
}

/* Loads and sorts the anchor lines; a problem with the file is a fault, not an error. */
static enum eg_err
load_anchor(struct vctx *v, const char *path, bool *missing)
{
    *missing = false;
    FILE *fp = fopen(path, "re");
    if (!fp) {
        if (errno == ENOENT) {
            *missing = true;
            return EG_OK;
        }
        fault(v->rep, EG_AUDIT_BAD_ANCHOR, "the anchor file", "cannot read %s: %s", path,
              strerror(errno));
        return EG_OK;
    }
    char *line = NULL;
    size_t cap = 0, alloc = 0;
    long no = 0;
    enum eg_err rc = EG_OK;
    for (;;) {
        ssize_t len = getline(&line, &cap, fp);
        if (len < 0)
            break;
        no++;
        bool complete = len > 0 && line[len - 1] == '\n';
        size_t n = complete ? (size_t)len - 1 : (size_t)len;
        if (eg_audit_anchor_skippable(line, n))
            continue;
        struct eg_audit_anchor_line l;
        if (eg_audit_anchor_parse(line, n, &l) != EG_OK) {
            if (!complete)
                continue; /* the last write was cut short and nothing came after it */
            char where[64];
            snprintf(where, sizeof(where), "anchor line %ld", no);
            fault(v->rep, EG_AUDIT_BAD_ANCHOR, where, "it is not a checkpoint line");
            v->rep->bad_line = no;
            break;
        }
        l.line = no;
        if (v->an_n == alloc) {
            size_t grown = alloc ? alloc * 2 : 64;
            struct eg_audit_anchor_line *p = realloc(v->an, grown * sizeof(*p));
            if (!p) {
                rc = EG_ENOMEM;
                break;
            }
            v->an = p;
            alloc = grown;
        }
        v->an[v->an_n++] = l;
    }
    if (rc == EG_OK && ferror(fp))
        fault(v->rep, EG_AUDIT_BAD_ANCHOR, "the anchor file", "cannot read %s: %s", path,
              strerror(errno));
    free(line);
    fclose(fp);
    if (v->an_n > 1)
        qsort(v->an, v->an_n, sizeof(*v->an), by_size);
    return rc;
}

/* ---- the whole check ------------------------------------------------------------------ */

static enum eg_err
begin_snapshot(struct eg_db *db, struct eg_tx **tx)
{
    /*
     * One consistent view: SQLite's read transaction is one already (BEGIN in
     * WAL); a PostgreSQL read tx is not, so take a write tx and make it a
     * read-only REPEATABLE READ one before its first query.
     */
    if (eg_db_kind(db) == EG_DB_SQLITE)
        return eg_db_begin(db, EG_TX_READ, tx);
    enum eg_err rc = eg_db_begin(db, EG_TX_WRITE, tx);
    if (rc == EG_OK)
        rc = eg_tx_exec(*tx, "SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY");
    if (rc != EG_OK) {
        eg_tx_rollback(*tx);
        *tx = NULL;
    }
    return rc;
}

static enum eg_err
run(struct vctx *v, const char *anchor_path)
{
    char log_id[64];
    struct eg_audit_frontier *state = malloc(sizeof(*state));
    if (!state)
        return EG_ENOMEM;
    bool missing = false;
    enum eg_err rc = eg_audit_state_read(v->tx, false, log_id, state);
    if (rc == EG_ENOTFOUND || rc == EG_EINVAL) {
        fault(v->rep, EG_AUDIT_BAD_STATE, "the log state",
              rc == EG_ENOTFOUND ? "its row is missing" : "its row is damaged");
        rc = EG_OK;
        goto out;
    }
    if (rc != EG_OK)
        goto out;
    eg_audit_origin(log_id, v->origin, sizeof(v->origin));
    if (anchor_path)
        rc = load_anchor(v, anchor_path, &missing);
    if (rc == EG_OK && v->rep->fault == EG_AUDIT_INTACT)
        rc = check_entries(v);
    if (rc == EG_OK && v->rep->fault == EG_AUDIT_INTACT)
        rc = check_tail(v, state);
    if (rc == EG_OK && v->rep->fault == EG_AUDIT_INTACT && missing &&
        (v->rep->entries > 0 || v->rep->checkpoints > 0))
        fault(v->rep, EG_AUDIT_BAD_ANCHOR, "the anchor file",
              "%s does not exist, so a cut tail could go unseen", anchor_path);
out:
    free(state);
    return rc;
}

enum eg_err
eg_audit_verify(struct eg_db *db, const unsigned char pubkey[EG_AUDIT_PUBKEY_LEN],
                const char *anchor_path, struct eg_audit_report *rep)
{
    memset(rep, 0, sizeof(*rep));
    rep->fault = EG_AUDIT_INTACT;
    rep->bad_seq = -1;
    rep->bad_size = -1;
    rep->anchored_size = -1;
    if (sodium_init() < 0)
        return EG_EINTERNAL;
    int version = 0;
    enum eg_err rc = eg_db_schema_version(db, &version);
    if (rc != EG_OK)
        return rc;
    if (version < EG_AUDIT_SCHEMA)
        return EG_ENOTFOUND;
    struct vctx *v = calloc(1, sizeof(*v));
    if (!v)
        return EG_ENOMEM;
    v->pk = pubkey;
    v->rep = rep;
    v->page_after = -1;
    eg_audit_frontier_init(&v->f);
    rc = begin_snapshot(db, &v->tx);
    if (rc == EG_OK)
        rc = run(v, anchor_path);
    eg_tx_rollback(v->tx);
    free(v->an);
    free(v);
    if (rc == EG_OK && rep->fault == EG_AUDIT_INTACT)
        rep->intact = true;
    return rc;
}
