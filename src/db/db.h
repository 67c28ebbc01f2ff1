/*
 * db.h - one storage interface over SQLite and PostgreSQL.
 *
 * Owns: connections, transactions, prepared statements, the schema migrations.
 * Nothing outside src/db/ includes sqlite3.h or libpq-fe.h.
 *
 * SQL uses one placeholder syntax, '?', bound by position starting at 1;
 * result columns are numbered from 0. The PostgreSQL driver rewrites '?' to $n.
 * Keep SQL to the dialect both understand (INSERT ... ON CONFLICT, RETURNING,
 * integers for times and booleans); migrations may hold dialect-only blocks.
 *
 * Work happens inside a transaction checked out with eg_db_begin():
 *   - SQLite: EG_TX_READ uses this thread's own read connection (WAL lets it
 *     read while another writes); EG_TX_WRITE takes the single writer connection
 *     under a mutex and runs BEGIN IMMEDIATE.
 *   - PostgreSQL: a connection from a small pool; EG_TX_WRITE runs BEGIN,
 *     EG_TX_READ runs each statement on its own (READ COMMITTED gives each
 *     statement its snapshot either way).
 * eg_tx_commit() and eg_tx_rollback() both end the transaction and give the
 * connection back; the tx and its statements are invalid afterwards. An
 * EG_TX_READ transaction must only read: PostgreSQL would commit a write in it
 * at once. A read may begin while the thread holds another (it gets its own
 * connection); a write may not begin while the thread holds a write.
 *
 * One statement per eg_tx_prepare(): SQL with none or with a second one is
 * EG_EINVAL. Text cannot hold NUL bytes (PostgreSQL refuses them); use blobs.
 *
 * Statements are prepared once per connection and cached by their SQL text, so
 * pass SQL that is a constant string. A statement belongs to its tx.
 *
 * Errors map onto enum eg_err: a unique or primary-key violation is
 * EG_ECONFLICT, a lock or pool timeout EG_EBUSY, a lost server EG_EUNAVAIL,
 * anything else EG_EIO. eg_tx_errmsg() has the driver's words for the log.
 *
 * Thread safety: an eg_db is shared by all threads; an eg_tx and its
 * statements are used by one thread at a time.
 */
#ifndef EG_DB_H
#define EG_DB_H

#include "core/core.h"

struct eg_db;
struct eg_tx;
struct eg_stmt;

enum eg_db_kind { EG_DB_SQLITE, EG_DB_POSTGRES };

struct eg_db_opts {
    int pool_size;       /* PostgreSQL connections; 0 = 4 */
    int busy_timeout_ms; /* SQLite busy timeout and pool wait; 0 = 5000 */
    bool create;         /* SQLite: create the file (and its directory) if missing */
};

/*
 * url is "sqlite:PATH" or "postgres://..." / "postgresql://...". On failure msg
 * holds one sentence naming the problem (the password of a URL never appears).
 */
EG_WUR enum eg_err eg_db_open(const char *url, const struct eg_db_opts *opts, struct eg_db **out,
                              struct eg_buf *msg);
/* NULL-safe. All transactions must have ended. */
void eg_db_close(struct eg_db *db);
enum eg_db_kind eg_db_kind(const struct eg_db *db);
/* The URL with any password replaced by "***", for logs and messages. */
const char *eg_db_url_safe(const struct eg_db *db);
/* Runs a trivial query on a connection: EG_OK when the database answers. */
EG_WUR enum eg_err eg_db_ping(struct eg_db *db);
/* Pool and connection figures in Prometheus text format, appended to out. */
EG_WUR enum eg_err eg_db_metrics(struct eg_db *db, struct eg_buf *out);

enum eg_tx_mode { EG_TX_READ, EG_TX_WRITE };

EG_WUR enum eg_err eg_db_begin(struct eg_db *db, enum eg_tx_mode mode, struct eg_tx **out);
/* Ends tx either way; on failure the work is rolled back. */
EG_WUR enum eg_err eg_tx_commit(struct eg_tx *tx);
/* NULL-safe. */
void eg_tx_rollback(struct eg_tx *tx);
/* The driver's last error text for this tx ("" if none): for logs, not for clients. */
const char *eg_tx_errmsg(const struct eg_tx *tx);
enum eg_db_kind eg_tx_kind(const struct eg_tx *tx);

/*
 * The first column of the first row of sql (a query without parameters) as an
 * integer, read in a read transaction of its own: EG_ENOTFOUND for no row.
 */
EG_WUR enum eg_err eg_db_read_i64(struct eg_db *db, const char *sql, int64_t *out);

/* Runs SQL without parameters or results; may hold several statements. */
EG_WUR enum eg_err eg_tx_exec(struct eg_tx *tx, const char *sql);
EG_WUR enum eg_err eg_tx_prepare(struct eg_tx *tx, const char *sql, struct eg_stmt **out);

EG_WUR enum eg_err eg_stmt_bind_i64(struct eg_stmt *st, int idx, int64_t v);
EG_WUR enum eg_err eg_stmt_bind_double(struct eg_stmt *st, int idx, double v);
/* n == SIZE_MAX means strlen(s); s == NULL binds NULL. The bytes are copied. */
EG_WUR enum eg_err eg_stmt_bind_text(struct eg_stmt *st, int idx, const char *s, size_t n);
EG_WUR enum eg_err eg_stmt_bind_blob(struct eg_stmt *st, int idx, const void *p, size_t n);
EG_WUR enum eg_err eg_stmt_bind_null(struct eg_stmt *st, int idx);

/*
 * Executes on the first call, then moves to the next row. *row tells whether
 * a row is available; after the last row it is false and the statement is
 * done (it may be bound and stepped again).
 */
EG_WUR enum eg_err eg_stmt_step(struct eg_stmt *st, bool *row);
/* Clears the bindings' results so the statement can run again. */
void eg_stmt_reset(struct eg_stmt *st);
/* Rows changed by the last INSERT/UPDATE/DELETE run by st. */
int64_t eg_stmt_changes(const struct eg_stmt *st);

int eg_stmt_columns(const struct eg_stmt *st);
bool eg_stmt_is_null(const struct eg_stmt *st, int col);
int64_t eg_stmt_i64(const struct eg_stmt *st, int col);
double eg_stmt_double(const struct eg_stmt *st, int col);
/* NULL for SQL NULL; valid until the next step or reset. */
const char *eg_stmt_text(const struct eg_stmt *st, int col);
/* Bytes of a text column (for blobs, eg_stmt_blob() gives the length). */
size_t eg_stmt_len(const struct eg_stmt *st, int col);
const void *eg_stmt_blob(struct eg_stmt *st, int col, size_t *n);

/* ---- schema ------------------------------------------------------------ */

/* The newest schema version this binary knows. */
int eg_db_schema_latest(void);
/* The version recorded in the database (0 for an empty database). */
EG_WUR enum eg_err eg_db_schema_version(struct eg_db *db, int *out);
/*
 * Applies the missing migrations in order, each in its own transaction.
 * Idempotent. A database newer than this binary is EG_EVERSION with a message
 * saying so; nothing is changed then.
 */
EG_WUR enum eg_err eg_db_migrate(struct eg_db *db, int *applied, struct eg_buf *msg);

#endif /* EG_DB_H */
