/* db.c - opening a database by URL, and dispatch to its driver. */
#include "db_int.h"

#include <stdlib.h>
#include <string.h>

/* "postgres://user:secret@host/db" -> "postgres://user:***@host/db". */
static char *
redact(const char *url)
{
    struct eg_buf b = EG_BUF_INIT(strlen(url) + 8);
    const char *scheme = strstr(url, "://");
    const char *at = scheme ? strchr(scheme + 3, '@') : NULL;
    const char *colon = at ? memchr(scheme + 3, ':', (size_t)(at - (scheme + 3))) : NULL;
    enum eg_err rc;
    if (colon) {
        rc = eg_buf_add(&b, url, (size_t)(colon + 1 - url));
        if (rc == EG_OK)
            rc = eg_buf_adds(&b, "***");
        if (rc == EG_OK)
            rc = eg_buf_adds(&b, at);
    } else {
        rc = eg_buf_adds(&b, url);
    }
    /* A password may also travel as ?password=...; hide the whole query then. */
    if (rc == EG_OK && strstr(eg_buf_str(&b), "password=")) {
        char *q = strchr(b.p, '?');
        if (q) {
            b.len = (size_t)(q - b.p);
            b.p[b.len] = '\0';
            rc = eg_buf_adds(&b, "?***");
        }
    }
    if (rc != EG_OK) {
        eg_buf_release(&b);
        return strdup("(database)");
    }
    return eg_buf_take(&b);
}

enum eg_err
eg_db_open(const char *url, const struct eg_db_opts *opts, struct eg_db **out, struct eg_buf *msg)
{
    *out = NULL;
    const struct eg_db_driver *drv;
    enum eg_db_kind kind;
    const char *target;
    if (strncmp(url, "sqlite:", 7) == 0) {
        drv = &eg_db_sqlite_driver;
        kind = EG_DB_SQLITE;
        target = url + 7;
        if (target[0] == '\0') {
            if (msg && eg_buf_adds(msg, "the SQLite URL names no file (sqlite:PATH)") != EG_OK)
                eg_buf_reset(msg);
            return EG_EINVAL;
        }
    } else if (strncmp(url, "postgres://", 11) == 0 || strncmp(url, "postgresql://", 13) == 0) {
        drv = &eg_db_pg_driver;
        kind = EG_DB_POSTGRES;
        target = url;
    } else {
        if (msg &&
            eg_buf_adds(msg, "the database URL must start with sqlite: or postgres://") != EG_OK)
            eg_buf_reset(msg);
        return EG_EINVAL;
    }
    struct eg_db *db = calloc(1, sizeof(*db));
    if (!db)
        return EG_ENOMEM;
    db->drv = drv;
    db->kind = kind;
    if (opts)
        db->opts = *opts;
    if (db->opts.pool_size <= 0)
        db->opts.pool_size = 4;
    if (db->opts.busy_timeout_ms <= 0)
        db->opts.busy_timeout_ms = 5000;
    db->url_safe = redact(url);
    enum eg_err rc = db->url_safe ? drv->open(db, target, msg) : EG_ENOMEM;
    if (rc != EG_OK) {
        free(db->url_safe);
        free(db);
        return rc;
    }
    *out = db;
    return EG_OK;
}

void
eg_db_close(struct eg_db *db)
{
    if (!db)
        return;
    db->drv->close(db);
    free(db->url_safe);
    free(db);
}

enum eg_db_kind
eg_db_kind(const struct eg_db *db)
{
    return db->kind;
}

const char *
eg_db_url_safe(const struct eg_db *db)
{
    return db->url_safe;
}

enum eg_err
eg_db_ping(struct eg_db *db)
{
    return db->drv->ping(db);
}

enum eg_err
eg_db_metrics(struct eg_db *db, struct eg_buf *out)
{
    return db->drv->metrics(db, out);
}

enum eg_err
eg_db_begin(struct eg_db *db, enum eg_tx_mode mode, struct eg_tx **out)
{
    *out = NULL;
    return db->drv->begin(db, mode, out);
}

enum eg_err
eg_db_read_i64(struct eg_db *db, const char *sql, int64_t *out)
{
    struct eg_tx *tx;
    struct eg_stmt *st;
    bool row = false;
    enum eg_err rc = eg_db_begin(db, EG_TX_READ, &tx);
    if (rc != EG_OK)
        return rc;
    rc = eg_tx_prepare(tx, sql, &st);
    if (rc == EG_OK)
        rc = eg_stmt_step(st, &row);
    if (rc == EG_OK && !row)
        rc = EG_ENOTFOUND;
    if (rc == EG_OK) {
        *out = eg_stmt_i64(st, 0);
        eg_stmt_reset(st);
    }
    eg_tx_rollback(tx);
    return rc;
}

enum eg_err
eg_tx_commit(struct eg_tx *tx)
{
    return tx->db->drv->commit(tx);
}

void
eg_tx_rollback(struct eg_tx *tx)
{
    if (tx)
        tx->db->drv->rollback(tx);
}

const char *
eg_tx_errmsg(const struct eg_tx *tx)
{
    return tx->errmsg;
}

enum eg_db_kind
eg_tx_kind(const struct eg_tx *tx)
{
    return tx->db->kind;
}

void
eg_tx_set_errmsg(struct eg_tx *tx, const char *msg)
{
    size_t i = 0;
    for (; msg && msg[i] && msg[i] != '\n' && i < sizeof(tx->errmsg) - 1; i++)
        tx->errmsg[i] = msg[i];
    tx->errmsg[i] = '\0';
}

enum eg_err
eg_tx_exec(struct eg_tx *tx, const char *sql)
{
    return tx->db->drv->exec(tx, sql);
}

enum eg_err
eg_tx_prepare(struct eg_tx *tx, const char *sql, struct eg_stmt **out)
{
    *out = NULL;
    return tx->db->drv->prepare(tx, sql, out);
}

static enum eg_err
bind(struct eg_stmt *st, int idx, struct eg_db_value v)
{
    if (idx < 1)
        return EG_EINVAL;
    return st->tx->db->drv->bind(st, idx, &v);
}

enum eg_err
eg_stmt_bind_i64(struct eg_stmt *st, int idx, int64_t v)
{
    return bind(st, idx, (struct eg_db_value){.type = EG_DBV_I64, .i = v});
}

enum eg_err
eg_stmt_bind_double(struct eg_stmt *st, int idx, double v)
{
    return bind(st, idx, (struct eg_db_value){.type = EG_DBV_DOUBLE, .d = v});
}

enum eg_err
eg_stmt_bind_text(struct eg_stmt *st, int idx, const char *s, size_t n)
{
    if (!s)
        return eg_stmt_bind_null(st, idx);
    if (n == SIZE_MAX)
        n = strlen(s);
    else if (memchr(s, '\0', n))
        return EG_EINVAL; /* not text on PostgreSQL; the same answer on SQLite */
    return bind(st, idx, (struct eg_db_value){.type = EG_DBV_TEXT, .p = s, .n = n});
}

enum eg_err
eg_stmt_bind_blob(struct eg_stmt *st, int idx, const void *p, size_t n)
{
    return bind(st, idx, (struct eg_db_value){.type = EG_DBV_BLOB, .p = p ? p : "", .n = n});
}

enum eg_err
eg_stmt_bind_null(struct eg_stmt *st, int idx)
{
    return bind(st, idx, (struct eg_db_value){.type = EG_DBV_NULL});
}

enum eg_err
eg_stmt_step(struct eg_stmt *st, bool *row)
{
    *row = false;
    return st->tx->db->drv->step(st, row);
}

void
eg_stmt_reset(struct eg_stmt *st)
{
    if (st)
        st->tx->db->drv->reset(st);
}

int64_t
eg_stmt_changes(const struct eg_stmt *st)
{
    return st->changes;
}

int
eg_stmt_columns(const struct eg_stmt *st)
{
    return st->ncols;
}

bool
eg_stmt_is_null(const struct eg_stmt *st, int col)
{
    if (col < 0 || col >= st->ncols)
        return true;
    return st->tx->db->drv->is_null(st, col);
}

int64_t
eg_stmt_i64(const struct eg_stmt *st, int col)
{
    if (col < 0 || col >= st->ncols)
        return 0;
    return st->tx->db->drv->i64(st, col);
}

double
eg_stmt_double(const struct eg_stmt *st, int col)
{
    if (col < 0 || col >= st->ncols)
        return 0;
    return st->tx->db->drv->dbl(st, col);
}

const char *
eg_stmt_text(const struct eg_stmt *st, int col)
{
    if (col < 0 || col >= st->ncols)
        return NULL;
    return st->tx->db->drv->text(st, col);
}

size_t
eg_stmt_len(const struct eg_stmt *st, int col)
{
    if (col < 0 || col >= st->ncols)
        return 0;
    return st->tx->db->drv->len(st, col);
}

const void *
eg_stmt_blob(struct eg_stmt *st, int col, size_t *n)
{
    *n = 0;
    if (col < 0 || col >= st->ncols)
        return NULL;
    return st->tx->db->drv->blob(st, col, n);
}
