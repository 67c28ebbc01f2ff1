/*
 * migrate.c - versioned, forward-only schema migrations compiled into the binary.
 *
 * Each file src/db/migrations/NNNN_name.sql is one version. It runs with the
 * row that records it in one transaction, so a failed migration leaves
 * nothing behind. On PostgreSQL an advisory lock lets several egov processes
 * start at once against one database.
 */
#include "db_int.h"

#include <stdlib.h>
#include <string.h>

#define PREFIX "src/db/migrations/"
#define PG_LOCK_KEY "7302051" /* any constant, the same in every egov */

struct migration {
    int version;
    const char *name;
    const char *sql;
};

static int
version_of(const char *name)
{
    const char *base = name + strlen(PREFIX);
    int v = 0;
    for (int i = 0; i < 4; i++) {
        if (base[i] < '0' || base[i] > '9')
            return -1;
        v = v * 10 + (base[i] - '0');
    }
    return base[4] == '_' ? v : -1;
}

/* The embedded migrations in order; the build guarantees 1..N without gaps. */
static size_t
collect(struct migration *out, size_t max)
{
    size_t n = 0;
    for (size_t i = 0; i < eg_embedded_count; i++) {
        const struct eg_embedded_file *f = &eg_embedded_files[i];
        if (strncmp(f->name, PREFIX, strlen(PREFIX)) != 0)
            continue;
        int v = version_of(f->name);
        if (v <= 0 || n >= max)
            EG_BUG("a migration file is not named NNNN_name.sql");
        out[n].version = v;
        out[n].name = f->name + strlen(PREFIX);
        out[n].sql = (const char *)f->data;
        n++;
    }
    for (size_t i = 1; i < n; i++) {
        struct migration m = out[i];
        size_t j = i;
        for (; j > 0 && out[j - 1].version > m.version; j--)
            out[j] = out[j - 1];
        out[j] = m;
    }
    for (size_t i = 0; i < n; i++)
        if (out[i].version != (int)i + 1)
            EG_BUG("migration versions must run 1..N without gaps or repeats");
    return n;
}

int
eg_db_schema_latest(void)
{
    struct migration m[256];
    return (int)collect(m, EG_ARRAY_LEN(m));
}

static const char create_table[] = "CREATE TABLE IF NOT EXISTS schema_migrations ("
                                   " version INTEGER PRIMARY KEY,"
                                   " name TEXT NOT NULL,"
                                   " applied_at BIGINT NOT NULL)";

static enum eg_err
read_version(struct eg_tx *tx, int *out)
{
    struct eg_stmt *st;
    enum eg_err rc =
        eg_tx_prepare(tx, "SELECT COALESCE(MAX(version), 0) FROM schema_migrations", &st);
    bool row = false;
    if (rc == EG_OK)
        rc = eg_stmt_step(st, &row);
    if (rc == EG_OK && row)
        *out = (int)eg_stmt_i64(st, 0);
    if (rc == EG_OK && row)
        rc = eg_stmt_step(st, &row);
    return rc;
}

enum eg_err
eg_db_schema_version(struct eg_db *db, int *out)
{
    *out = 0;
    struct eg_tx *tx;
    enum eg_err rc = eg_db_begin(db, EG_TX_READ, &tx);
    if (rc != EG_OK)
        return rc;
    /* An empty database has no table yet: that is version 0, not an error. */
    struct eg_stmt *st;
    const char *probe = db->kind == EG_DB_SQLITE
                            ? "SELECT count(*) FROM sqlite_schema WHERE name = 'schema_migrations'"
                            : "SELECT count(*) FROM pg_catalog.pg_tables WHERE tablename = "
                              "'schema_migrations' AND schemaname = current_schema()";
    bool row = false;
    rc = eg_tx_prepare(tx, probe, &st);
    if (rc == EG_OK)
        rc = eg_stmt_step(st, &row);
    bool exists = rc == EG_OK && row && eg_stmt_i64(st, 0) > 0;
    if (rc == EG_OK && row)
        rc = eg_stmt_step(st, &row);
    if (rc == EG_OK && exists)
        rc = read_version(tx, out);
    eg_tx_rollback(tx);
    return rc;
}

static void say(struct eg_buf *msg, const char *fmt, ...) EG_PRINTF(2, 3);

static void
say(struct eg_buf *msg, const char *fmt, ...)
{
    if (!msg)
        return;
    eg_buf_reset(msg);
    va_list ap;
    va_start(ap, fmt);
    if (eg_buf_vprintf(msg, fmt, ap) != EG_OK)
        eg_buf_reset(msg);
    va_end(ap);
}

static enum eg_err
apply(struct eg_db *db, const struct migration *m, bool *skipped, struct eg_buf *msg)
{
    *skipped = false;
    struct eg_tx *tx;
    enum eg_err rc = eg_db_begin(db, EG_TX_WRITE, &tx);
    if (rc != EG_OK) {
        say(msg, "cannot begin migration %s: %s", m->name, eg_strerror(rc));
        return rc;
    }
    if (db->kind == EG_DB_POSTGRES)
        rc = eg_tx_exec(tx, "SELECT pg_advisory_xact_lock(" PG_LOCK_KEY ")");
    if (rc == EG_OK)
        rc = eg_tx_exec(tx, create_table);
    int current = 0;
    if (rc == EG_OK)
        rc = read_version(tx, &current);
    if (rc == EG_OK && current >= m->version) {
        /* Another process got there first. */
        *skipped = true;
        eg_tx_rollback(tx);
        return EG_OK;
    }
    struct eg_buf sql = EG_BUF_INIT(4 << 20);
    if (rc == EG_OK)
        rc = eg_sql_dialect(m->sql, db->kind, &sql);
    if (rc == EG_OK)
        rc = eg_tx_exec(tx, eg_buf_str(&sql));
    eg_buf_release(&sql);
    struct eg_stmt *st = NULL;
    if (rc == EG_OK)
        rc = eg_tx_prepare(
            tx, "INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)", &st);
    if (rc == EG_OK)
        rc = eg_stmt_bind_i64(st, 1, m->version);
    if (rc == EG_OK)
        rc = eg_stmt_bind_text(st, 2, m->name, SIZE_MAX);
    if (rc == EG_OK)
        rc = eg_stmt_bind_i64(st, 3, eg_clock_now_ms(&eg_clock_system));
    bool row;
    if (rc == EG_OK)
        rc = eg_stmt_step(st, &row);
    if (rc != EG_OK) {
        say(msg, "migration %s failed: %s", m->name,
            *eg_tx_errmsg(tx) ? eg_tx_errmsg(tx) : eg_strerror(rc));
        eg_tx_rollback(tx);
        return rc;
    }
    rc = eg_tx_commit(tx);
    if (rc != EG_OK)
        say(msg, "migration %s could not be committed: %s", m->name, eg_strerror(rc));
    return rc;
}

enum eg_err
eg_db_migrate(struct eg_db *db, int *applied, struct eg_buf *msg)
{
    *applied = 0;
    struct migration ms[256];
    size_t n = collect(ms, EG_ARRAY_LEN(ms));
    int current;
    enum eg_err rc = eg_db_schema_version(db, &current);
    if (rc != EG_OK) {
        say(msg, "cannot read the schema version of %s: %s", eg_db_url_safe(db), eg_strerror(rc));
        return rc;
    }
    if (current > (int)n) {
        say(msg,
            "the database %s is at schema version %d, newer than this egov knows (%zu); "
            "run the egov release that created it or a newer one",
            eg_db_url_safe(db), current, n);
        return EG_EVERSION;
    }
    for (size_t i = (size_t)current; i < n; i++) {
        bool skipped;
        rc = apply(db, &ms[i], &skipped, msg);
        if (rc != EG_OK)
            return rc;
        if (!skipped)
            (*applied)++;
    }
    return EG_OK;
}
