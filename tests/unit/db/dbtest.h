/*
 * dbtest.h - fresh databases for unit tests, on SQLite always and on
 * PostgreSQL when EGOV_TEST_PG_URL is set.
 *
 * A test that should run on both drivers is registered twice with
 * DBT_BOTH(fn, setup): once with the SQLite prestate, once with PostgreSQL.
 * The setup makes a database nobody else uses (a temporary directory for
 * SQLite; CREATE DATABASE egov_u_<pid>_<n> through the server's "postgres"
 * database for PostgreSQL) and opens it; the teardown closes and removes it.
 * The test body starts with dbt_get(state), which skips with a clear message
 * when PostgreSQL was asked for but EGOV_TEST_PG_URL is not set.
 *
 * Include after <cmocka.h>. Everything here is static inline so a test file
 * that uses only part of it compiles warning-free.
 */
#ifndef EG_TESTS_DBTEST_H
#define EG_TESTS_DBTEST_H

#include "db/db.h"

#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <sys/stat.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define DBT_URL_MAX 1024

struct dbt {
    enum eg_db_kind kind;
    bool skip; /* PostgreSQL asked for, EGOV_TEST_PG_URL unset */
    char url[DBT_URL_MAX];
    char admin_url[DBT_URL_MAX]; /* PostgreSQL: the "postgres" database */
    char pgname[64];
    char dir[256]; /* SQLite: the temporary directory */
    struct eg_db *db;
};

/* Prestates: pass their address as the initial state. */
static enum eg_db_kind dbt_kind_sqlite __attribute__((unused)) = EG_DB_SQLITE;
static enum eg_db_kind dbt_kind_pg __attribute__((unused)) = EG_DB_POSTGRES;
static unsigned dbt_counter __attribute__((unused));

#define DBT_SKIP_MSG "skipped: EGOV_TEST_PG_URL not set\n"

/* One test body, registered for both drivers. */
#define DBT_BOTH(fn, setup)                                                                        \
    {"sqlite/" #fn, fn, setup, dbt_teardown, &dbt_kind_sqlite},                                    \
    {                                                                                              \
        "pg/" #fn, fn, setup, dbt_teardown, &dbt_kind_pg                                           \
    }

static inline const char *
dbt_pg_env(void)
{
    const char *u = getenv("EGOV_TEST_PG_URL");
    return u && *u ? u : NULL;
}

/* base with its database name replaced by name ("postgres://h:1/x?y" -> ".../name?y"). */
static inline void
dbt_pg_url_with_db(const char *base, const char *name, char *out, size_t cap)
{
    const char *auth = strstr(base, "://");
    auth = auth ? auth + 3 : base;
    size_t auth_len = strcspn(auth, "/?");
    const char *after = auth + auth_len;
    const char *query = strchr(after, '?');
    if (!query)
        query = after + strlen(after);
    int n = snprintf(out, cap, "%.*s/%s%s", (int)(after - base), base, name, query);
    assert_true(n > 0 && (size_t)n < cap);
}

/* Runs one statement outside a transaction block on the "postgres" database. */
static inline enum eg_err
dbt_pg_admin(const char *admin_url, const char *sql, struct eg_buf *msg)
{
    struct eg_db *adb = NULL;
    enum eg_err rc = eg_db_open(admin_url, NULL, &adb, msg);
    if (rc != EG_OK)
        return rc;
    struct eg_tx *tx = NULL;
    rc = eg_db_begin(adb, EG_TX_READ, &tx); /* READ on PostgreSQL: no BEGIN */
    if (rc == EG_OK) {
        rc = eg_tx_exec(tx, sql);
        if (rc != EG_OK && msg && eg_buf_printf(msg, "%s: %s", sql, eg_tx_errmsg(tx)) != EG_OK)
            eg_buf_reset(msg);
        eg_tx_rollback(tx);
    }
    eg_db_close(adb);
    return rc;
}

/*
 * Drops egov_u_<pid>_<n> databases whose process is gone: a test that crashed
 * (an ASan abort, say) never ran its teardown. Live runs are left alone.
 */
static inline void
dbt_pg_drop_stale(const char *admin_url)
{
    struct eg_db *adb = NULL;
    if (eg_db_open(admin_url, NULL, &adb, NULL) != EG_OK)
        return;
    char names[64][64];
    int n = 0;
    struct eg_tx *tx = NULL;
    if (eg_db_begin(adb, EG_TX_READ, &tx) == EG_OK) {
        struct eg_stmt *st = NULL;
        bool row = false;
        if (eg_tx_prepare(tx, "SELECT datname FROM pg_database WHERE datname LIKE 'egov\\_u\\_%'",
                          &st) == EG_OK) {
            while (n < 64 && eg_stmt_step(st, &row) == EG_OK && row)
                snprintf(names[n++], sizeof(names[0]), "%s", eg_stmt_text(st, 0));
        }
        eg_tx_rollback(tx);
    }
    eg_db_close(adb);
    for (int i = 0; i < n; i++) {
        long pid = strtol(names[i] + 7, NULL, 10);
        if (pid <= 0 || pid == (long)getpid() || kill((pid_t)pid, 0) == 0 || errno != ESRCH)
            continue;
        char sql[128];
        snprintf(sql, sizeof(sql), "DROP DATABASE IF EXISTS %s WITH (FORCE)", names[i]);
        (void)dbt_pg_admin(admin_url, sql, NULL);
    }
}

/* rm -r path (files and directories only; the tests make nothing else). */
static inline void
dbt_rm_rf(const char *path)
{
    struct stat sb;
    if (lstat(path, &sb) != 0)
        return;
    if (S_ISDIR(sb.st_mode)) {
        DIR *d = opendir(path);
        if (d) {
            struct dirent *e;
            while ((e = readdir(d)) != NULL) {
                if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
                    continue;
                char sub[1024];
                int n = snprintf(sub, sizeof(sub), "%s/%s", path, e->d_name);
                if (n > 0 && (size_t)n < sizeof(sub))
                    dbt_rm_rf(sub);
            }
            closedir(d);
        }
        (void)rmdir(path);
    } else {
        (void)unlink(path);
    }
}

/* Removes /tmp/egov_u_<pid>_* directories whose process is gone (a crashed test). */
static inline void
dbt_sqlite_drop_stale(void)
{
    DIR *d = opendir("/tmp");
    if (!d)
        return;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (strncmp(e->d_name, "egov_u_", 7) != 0)
            continue;
        long pid = strtol(e->d_name + 7, NULL, 10);
        if (pid <= 0 || pid == (long)getpid() || kill((pid_t)pid, 0) == 0 || errno != ESRCH)
            continue;
        char path[512];
        int n = snprintf(path, sizeof(path), "/tmp/%s", e->d_name);
        if (n > 0 && (size_t)n < sizeof(path))
            dbt_rm_rf(path);
    }
    closedir(d);
}

/* Makes a new, empty database of kind; fills url. Fails the test if it cannot. */
static inline void
dbt_create(struct dbt *t, enum eg_db_kind kind)
{
    memset(t, 0, sizeof(*t));
    t->kind = kind;
    unsigned n = ++dbt_counter;
    if (kind == EG_DB_SQLITE) {
        static bool swept_files;
        if (!swept_files) {
            swept_files = true;
            dbt_sqlite_drop_stale();
        }
        snprintf(t->dir, sizeof(t->dir), "/tmp/egov_u_%ld_%u_XXXXXX", (long)getpid(), n);
        assert_non_null(mkdtemp(t->dir));
        snprintf(t->url, sizeof(t->url), "sqlite:%s/t.db", t->dir);
        return;
    }
    const char *base = dbt_pg_env();
    if (!base) {
        t->skip = true;
        return;
    }
    snprintf(t->pgname, sizeof(t->pgname), "egov_u_%ld_%u", (long)getpid(), n);
    dbt_pg_url_with_db(base, "postgres", t->admin_url, sizeof(t->admin_url));
    dbt_pg_url_with_db(base, t->pgname, t->url, sizeof(t->url));
    static bool swept;
    if (!swept) {
        swept = true;
        dbt_pg_drop_stale(t->admin_url);
    }
    char sql[128];
    struct eg_buf msg = EG_BUF_INIT(2048);
    snprintf(sql, sizeof(sql), "DROP DATABASE IF EXISTS %s", t->pgname);
    enum eg_err rc = dbt_pg_admin(t->admin_url, sql, &msg);
    if (rc == EG_OK) {
        snprintf(sql, sizeof(sql), "CREATE DATABASE %s", t->pgname);
        rc = dbt_pg_admin(t->admin_url, sql, &msg);
    }
    if (rc != EG_OK)
        print_error("cannot create the test database: %s\n", eg_buf_str(&msg));
    eg_buf_release(&msg);
    assert_int_equal(rc, EG_OK);
}

/* Removes what dbt_create made. */
static inline void
dbt_destroy(struct dbt *t)
{
    if (t->dir[0]) {
        dbt_rm_rf(t->dir);
        t->dir[0] = '\0';
    }
    if (t->pgname[0]) {
        char sql[128];
        struct eg_buf msg = EG_BUF_INIT(2048);
        snprintf(sql, sizeof(sql), "DROP DATABASE IF EXISTS %s WITH (FORCE)", t->pgname);
        if (dbt_pg_admin(t->admin_url, sql, &msg) != EG_OK)
            print_error("cannot drop %s: %s\n", t->pgname, eg_buf_str(&msg));
        eg_buf_release(&msg);
        t->pgname[0] = '\0';
    }
}

/* Opens t->url (creating the SQLite file) into *out. */
static inline void
dbt_open_opts(struct dbt *t, const struct eg_db_opts *opts, struct eg_db **out)
{
    struct eg_buf msg = EG_BUF_INIT(2048);
    struct eg_db_opts o = {0};
    if (opts)
        o = *opts;
    o.create = true;
    enum eg_err rc = eg_db_open(t->url, &o, out, &msg);
    if (rc != EG_OK)
        print_error("eg_db_open(%s): %s: %s\n", t->url, eg_strerror(rc), eg_buf_str(&msg));
    eg_buf_release(&msg);
    assert_int_equal(rc, EG_OK);
}

static inline void
dbt_migrate(struct eg_db *db)
{
    struct eg_buf msg = EG_BUF_INIT(4096);
    int applied = -1;
    enum eg_err rc = eg_db_migrate(db, &applied, &msg);
    if (rc != EG_OK)
        print_error("eg_db_migrate: %s: %s\n", eg_strerror(rc), eg_buf_str(&msg));
    eg_buf_release(&msg);
    assert_int_equal(rc, EG_OK);
}

static inline struct dbt *
dbt_new_fixture(void **state)
{
    const enum eg_db_kind *kind = *state;
    struct dbt *t = malloc(sizeof(*t));
    assert_non_null(t);
    dbt_create(t, *kind);
    *state = t;
    return t;
}

/* Setup: a fresh database, opened, no schema. */
static inline int
dbt_setup_empty(void **state)
{
    struct dbt *t = dbt_new_fixture(state);
    if (!t->skip)
        dbt_open_opts(t, NULL, &t->db);
    return 0;
}

/* Setup: a fresh database, opened and migrated to the latest schema. */
static inline int
dbt_setup_migrated(void **state)
{
    struct dbt *t = dbt_new_fixture(state);
    if (!t->skip) {
        dbt_open_opts(t, NULL, &t->db);
        dbt_migrate(t->db);
    }
    return 0;
}

/* Setup: a fresh database that is not opened (the test opens it itself). */
static inline int
dbt_setup_closed(void **state)
{
    (void)dbt_new_fixture(state);
    return 0;
}

/* The fixture of this test; skips when its database cannot exist here. */
static inline struct dbt *
dbt_get(void **state)
{
    struct dbt *t = *state;
    if (t->skip) {
        print_message(DBT_SKIP_MSG);
        skip();
    }
    return t;
}

static inline int
dbt_teardown(void **state)
{
    struct dbt *t = *state;
    if (!t)
        return 0;
    eg_db_close(t->db);
    t->db = NULL;
    dbt_destroy(t);
    free(t);
    *state = NULL;
    return 0;
}

/* ---- small helpers for test bodies -------------------------------------------- */

static inline struct eg_tx *
dbt_begin(struct eg_db *db, enum eg_tx_mode mode)
{
    struct eg_tx *tx = NULL;
    enum eg_err rc = eg_db_begin(db, mode, &tx);
    assert_int_equal(rc, EG_OK);
    assert_non_null(tx);
    return tx;
}

static inline void
dbt_exec_ok(struct eg_tx *tx, const char *sql)
{
    enum eg_err rc = eg_tx_exec(tx, sql);
    if (rc != EG_OK)
        print_error("%s: %s: %s\n", sql, eg_strerror(rc), eg_tx_errmsg(tx));
    assert_int_equal(rc, EG_OK);
}

/* One write transaction running sql, committed. */
static inline void
dbt_write(struct eg_db *db, const char *sql)
{
    struct eg_tx *tx = dbt_begin(db, EG_TX_WRITE);
    dbt_exec_ok(tx, sql);
    assert_int_equal(eg_tx_commit(tx), EG_OK);
}

static inline struct eg_stmt *
dbt_prepare(struct eg_tx *tx, const char *sql)
{
    struct eg_stmt *st = NULL;
    enum eg_err rc = eg_tx_prepare(tx, sql, &st);
    if (rc != EG_OK)
        print_error("prepare %s: %s: %s\n", sql, eg_strerror(rc), eg_tx_errmsg(tx));
    assert_int_equal(rc, EG_OK);
    assert_non_null(st);
    return st;
}

/* The first column of the only row of sql, as an integer, in a tx of its own. */
static inline int64_t
dbt_scalar(struct eg_db *db, const char *sql)
{
    struct eg_tx *tx = dbt_begin(db, EG_TX_READ);
    struct eg_stmt *st = dbt_prepare(tx, sql);
    bool row = false;
    assert_int_equal(eg_stmt_step(st, &row), EG_OK);
    assert_true(row);
    int64_t v = eg_stmt_i64(st, 0);
    assert_int_equal(eg_stmt_step(st, &row), EG_OK);
    assert_false(row);
    eg_tx_rollback(tx);
    return v;
}

/* Like dbt_scalar inside an existing tx. */
static inline int64_t
dbt_scalar_tx(struct eg_tx *tx, const char *sql)
{
    struct eg_stmt *st = dbt_prepare(tx, sql);
    bool row = false;
    assert_int_equal(eg_stmt_step(st, &row), EG_OK);
    assert_true(row);
    int64_t v = eg_stmt_i64(st, 0);
    assert_int_equal(eg_stmt_step(st, &row), EG_OK);
    assert_false(row);
    return v;
}

/* Does buf contain needle? With a readable failure. */
#define assert_contains(hay, needle)                                                               \
    do {                                                                                           \
        const char *h_ = (hay);                                                                    \
        if (!h_ || !strstr(h_, (needle)))                                                          \
            fail_msg("expected \"%s\" to contain \"%s\"", h_ ? h_ : "(null)", (needle));           \
    } while (0)

#define assert_not_contains(hay, needle)                                                           \
    do {                                                                                           \
        const char *h_ = (hay);                                                                    \
        if (h_ && strstr(h_, (needle)))                                                            \
            fail_msg("expected \"%s\" not to contain \"%s\"", h_, (needle));                       \
    } while (0)

#endif /* EG_TESTS_DBTEST_H */
