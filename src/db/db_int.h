/*
 * db_int.h - what the drivers share; included only inside src/db/.
 *
 * A driver fills a struct eg_db_driver. Its transaction and statement structs
 * start with struct eg_tx / struct eg_stmt, so db.c can dispatch on them.
 */
#ifndef EG_DB_INT_H
#define EG_DB_INT_H

#include "db/db.h"

#include <pthread.h>

/* A bound value on its way to a driver. */
enum eg_db_vtype { EG_DBV_NULL, EG_DBV_I64, EG_DBV_DOUBLE, EG_DBV_TEXT, EG_DBV_BLOB };
struct eg_db_value {
    enum eg_db_vtype type;
    int64_t i;
    double d;
    const void *p;
    size_t n;
};

struct eg_db_driver {
    enum eg_err (*open)(struct eg_db *db, const char *target, struct eg_buf *msg);
    void (*close)(struct eg_db *db);
    enum eg_err (*begin)(struct eg_db *db, enum eg_tx_mode mode, struct eg_tx **out);
    enum eg_err (*commit)(struct eg_tx *tx);
    void (*rollback)(struct eg_tx *tx);
    enum eg_err (*exec)(struct eg_tx *tx, const char *sql);
    enum eg_err (*prepare)(struct eg_tx *tx, const char *sql, struct eg_stmt **out);
    enum eg_err (*bind)(struct eg_stmt *st, int idx, const struct eg_db_value *v);
    enum eg_err (*step)(struct eg_stmt *st, bool *row);
    void (*reset)(struct eg_stmt *st);
    bool (*is_null)(const struct eg_stmt *st, int col);
    const char *(*text)(const struct eg_stmt *st, int col);
    size_t (*len)(const struct eg_stmt *st, int col);
    int64_t (*i64)(const struct eg_stmt *st, int col);
    double (*dbl)(const struct eg_stmt *st, int col);
    const void *(*blob)(struct eg_stmt *st, int col, size_t *n);
    enum eg_err (*ping)(struct eg_db *db);
    enum eg_err (*metrics)(struct eg_db *db, struct eg_buf *out);
};

struct eg_db {
    const struct eg_db_driver *drv;
    enum eg_db_kind kind;
    struct eg_db_opts opts;
    char *url_safe;
    void *impl;
};

struct eg_tx {
    struct eg_db *db;
    enum eg_tx_mode mode;
    char errmsg[512];
};

struct eg_stmt {
    struct eg_tx *tx;
    int ncols;
    int64_t changes;
};

extern const struct eg_db_driver eg_db_sqlite_driver;
extern const struct eg_db_driver eg_db_pg_driver;

/* Copies a driver message into tx->errmsg, one line, truncated. */
void eg_tx_set_errmsg(struct eg_tx *tx, const char *msg);

/* ---- SQL text helpers (sql.c) -------------------------------------------- */

/* '?' -> $1, $2 ... outside literals, quoted names and comments. */
EG_WUR enum eg_err eg_sql_to_pg(const char *sql, struct eg_buf *out, int *nparams);
/*
 * Keeps the lines meant for kind: blocks between "-- @sqlite" / "-- @pg" and
 * "-- @end" are dropped for the other dialect, and {{ID}}, {{BLOB}} expand.
 */
EG_WUR enum eg_err eg_sql_dialect(const char *sql, enum eg_db_kind kind, struct eg_buf *out);

/* ---- a per-connection statement cache keyed by SQL text ------------------ */

struct eg_stmt_cache_entry {
    char *sql;
    uint64_t hash;
    void *stmt;
};

struct eg_stmt_cache {
    struct eg_stmt_cache_entry *slots;
    size_t cap;
    size_t count;
};

void eg_stmt_cache_init(struct eg_stmt_cache *c);
/* The cached stmt for sql, or NULL. */
void *eg_stmt_cache_get(const struct eg_stmt_cache *c, const char *sql);
EG_WUR enum eg_err eg_stmt_cache_put(struct eg_stmt_cache *c, const char *sql, void *stmt);
/* Calls fn on every stmt, then empties the cache. */
void eg_stmt_cache_clear(struct eg_stmt_cache *c, void (*fn)(void *stmt, void *arg), void *arg);

#endif /* EG_DB_INT_H */
