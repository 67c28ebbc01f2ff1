/*
 * test_open.c - eg_db_open by URL on both drivers: the good cases, every way
 * it can be refused (with a message that names the problem and never the
 * password), eg_db_ping, eg_db_url_safe and eg_db_metrics.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "db/dbtest.h"

#include <fcntl.h>
#include <sys/stat.h>

/* eg_db_open that must fail: returns rc, copies the message into msg_out. */
static enum eg_err
open_fails(const char *url, bool create, char *msg_out, size_t cap)
{
    struct eg_db *db = (struct eg_db *)1;
    struct eg_buf msg = EG_BUF_INIT(4096);
    struct eg_db_opts o = {.create = create};
    enum eg_err rc = eg_db_open(url, &o, &db, &msg);
    snprintf(msg_out, cap, "%s", eg_buf_str(&msg));
    eg_buf_release(&msg);
    if (rc == EG_OK)
        eg_db_close(db);
    else
        assert_null(db);
    return rc;
}

static bool
exists(const char *path)
{
    struct stat sb;
    return stat(path, &sb) == 0;
}

/* ---- URL schemes ---------------------------------------------------------------- */

static void
test_bad_scheme(void **state)
{
    (void)state;
    static const char *const urls[] = {
        "mysql://root@localhost/egov",
        "",
        "sqlite",
        "SQLITE:x.db",
        "postgres:/x",
        "http://x/y",
        "file:/tmp/x.db",
    };
    char msg[4096];
    for (size_t i = 0; i < EG_ARRAY_LEN(urls); i++) {
        assert_int_equal(open_fails(urls[i], true, msg, sizeof(msg)), EG_EINVAL);
        assert_contains(msg, "sqlite:");
        assert_contains(msg, "postgres://");
    }
}

static void
test_sqlite_empty_path(void **state)
{
    (void)state;
    char msg[4096];
    assert_int_equal(open_fails("sqlite:", true, msg, sizeof(msg)), EG_EINVAL);
    assert_true(strlen(msg) > 0);
    assert_contains(msg, "sqlite:PATH");
}

/* eg_db_open with a NULL message buffer must not crash. */
static void
test_null_msg(void **state)
{
    (void)state;
    struct eg_db *db = NULL;
    assert_int_equal(eg_db_open("nope://x", NULL, &db, NULL), EG_EINVAL);
    assert_int_equal(eg_db_open("sqlite:", NULL, &db, NULL), EG_EINVAL);
    assert_int_equal(eg_db_open("sqlite:/nonexistent-egov-dir/x.db", NULL, &db, NULL),
                     EG_ENOTFOUND);
    assert_null(db);
}

/* ---- SQLite files ------------------------------------------------------------------ */

static void
test_sqlite_create_makes_dirs(void **state)
{
    struct dbt *t = dbt_get(state);
    char path[512], url[600];
    snprintf(path, sizeof(path), "%s/a/b/c/egov.db", t->dir);
    snprintf(url, sizeof(url), "sqlite:%s", path);
    assert_false(exists(path));
    struct eg_db *db = NULL;
    struct eg_buf msg = EG_BUF_INIT(1024);
    struct eg_db_opts o = {.create = true};
    assert_int_equal(eg_db_open(url, &o, &db, &msg), EG_OK);
    eg_buf_release(&msg);
    assert_non_null(db);
    assert_true(exists(path));
    assert_int_equal(eg_db_kind(db), EG_DB_SQLITE);
    assert_string_equal(eg_db_url_safe(db), url);
    assert_int_equal(eg_db_ping(db), EG_OK);
    eg_db_close(db);

    /* Now it exists, create=false opens it too. */
    o.create = false;
    assert_int_equal(eg_db_open(url, &o, &db, NULL), EG_OK);
    assert_int_equal(eg_db_ping(db), EG_OK);
    eg_db_close(db);
}

static void
test_sqlite_missing_file(void **state)
{
    struct dbt *t = dbt_get(state);
    char url[600], msg[4096];
    snprintf(url, sizeof(url), "sqlite:%s/missing.db", t->dir);
    assert_int_equal(open_fails(url, false, msg, sizeof(msg)), EG_ENOTFOUND);
    assert_contains(msg, "missing.db");
    /* ... and nothing was created by looking. */
    assert_false(exists(url + 7));
    snprintf(url, sizeof(url), "sqlite:%s/no/such/dir/x.db", t->dir);
    assert_int_equal(open_fails(url, false, msg, sizeof(msg)), EG_ENOTFOUND);
    assert_false(exists(url + 7));
}

static void
test_sqlite_unwritable(void **state)
{
    (void)state;
    char msg[4096];
    /* /proc refuses new directories and files even to root. */
    enum eg_err rc = open_fails("sqlite:/proc/x/y.db", true, msg, sizeof(msg));
    assert_int_not_equal(rc, EG_OK);
    assert_contains(msg, "/proc/x/y.db");
    rc = open_fails("sqlite:/proc/y.db", true, msg, sizeof(msg));
    assert_int_not_equal(rc, EG_OK);
    assert_contains(msg, "/proc/y.db");
    assert_int_equal(open_fails("sqlite:/proc/x/y.db", false, msg, sizeof(msg)), EG_ENOTFOUND);
}

static void
test_sqlite_not_a_database(void **state)
{
    struct dbt *t = dbt_get(state);
    char path[512], url[600], msg[4096];
    snprintf(path, sizeof(path), "%s/garbage.db", t->dir);
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    assert_true(fd >= 0);
    char junk[4096];
    for (size_t i = 0; i < sizeof(junk); i++)
        junk[i] = (char)(i * 7 + 3);
    assert_int_equal(write(fd, junk, sizeof(junk)), (ssize_t)sizeof(junk));
    close(fd);
    snprintf(url, sizeof(url), "sqlite:%s", path);
    enum eg_err rc = open_fails(url, false, msg, sizeof(msg));
    assert_int_not_equal(rc, EG_OK);
    assert_true(strlen(msg) > 0);

    /* A directory is not a database file either. */
    snprintf(url, sizeof(url), "sqlite:%s", t->dir);
    rc = open_fails(url, false, msg, sizeof(msg));
    assert_int_not_equal(rc, EG_OK);
    assert_true(strlen(msg) > 0);
}

/* ---- PostgreSQL that is not there --------------------------------------------------- */

static void
test_pg_unreachable(void **state)
{
    (void)state;
    static const char *const urls[] = {
        "postgres://egov:s3cr3tpw@127.0.0.1:1/egov",
        "postgresql://egov:s3cr3tpw@127.0.0.1:1/egov?sslmode=disable",
        "postgres://egov@127.0.0.1:1/egov?password=s3cr3tpw",
        "postgresql://127.0.0.1:1/egov?user=egov&password=s3cr3tpw&connect_timeout=2",
    };
    char msg[4096];
    for (size_t i = 0; i < EG_ARRAY_LEN(urls); i++) {
        assert_int_equal(open_fails(urls[i], false, msg, sizeof(msg)), EG_EUNAVAIL);
        assert_contains(msg, "PostgreSQL");
        assert_contains(msg, "127.0.0.1");
        assert_not_contains(msg, "s3cr3tpw");
        /* One line, for the log. */
        assert_null(strchr(msg, '\n'));
    }
}

/* The redacted URL of an open PostgreSQL database hides the password. */
static void
test_pg_url_safe(void **state)
{
    struct dbt *t = dbt_get(state);
    /* trust authentication accepts any password, so one can be put in the URL. */
    char url[DBT_URL_MAX + 64];
    const char *auth = strstr(t->url, "://") + 3;
    const char *at = strchr(auth, '@');
    if (at && memchr(auth, ':', (size_t)(at - auth)))
        snprintf(url, sizeof(url), "%s", t->url); /* already has one */
    else if (at)
        snprintf(url, sizeof(url), "%.*s:s3cr3tpw%s", (int)(at - t->url), t->url, at);
    else
        snprintf(url, sizeof(url), "%.*segov:s3cr3tpw@%s", (int)(auth - t->url), t->url, auth);
    struct eg_db *db = NULL;
    struct eg_buf msg = EG_BUF_INIT(2048);
    enum eg_err rc = eg_db_open(url, NULL, &db, &msg);
    if (rc != EG_OK)
        print_error("%s\n", eg_buf_str(&msg));
    eg_buf_release(&msg);
    assert_int_equal(rc, EG_OK);
    assert_int_equal(eg_db_kind(db), EG_DB_POSTGRES);
    assert_not_contains(eg_db_url_safe(db), "s3cr3tpw");
    assert_contains(eg_db_url_safe(db), "***");
    assert_contains(eg_db_url_safe(db), t->pgname);
    assert_int_equal(eg_db_ping(db), EG_OK);
    eg_db_close(db);
}

/*
 * The server drops our connection (a restart, a failover, an idle timeout):
 * the transaction that meets the dead connection fails with EG_EUNAVAIL, and
 * the next one gets a repaired connection with its statements prepared again
 * (RELIABILITY C8: recovery without manual steps).
 */
static void
test_pg_reconnect(void **state)
{
    struct dbt *t = dbt_get(state);
    struct eg_db *db = NULL;
    struct eg_db_opts o = {.pool_size = 1};
    dbt_open_opts(t, &o, &db);
    static const char q[] = "SELECT count(*) FROM pg_class WHERE relname = ?";
    for (int round = 0; round < 3; round++) {
        /* A cached statement on the one connection. */
        struct eg_tx *tx = dbt_begin(db, EG_TX_READ);
        struct eg_stmt *st = dbt_prepare(tx, q);
        assert_int_equal(eg_stmt_bind_text(st, 1, "pg_class", SIZE_MAX), EG_OK);
        bool row;
        assert_int_equal(eg_stmt_step(st, &row), EG_OK);
        assert_true(row);
        assert_int_equal(eg_stmt_i64(st, 0), 1);
        eg_tx_rollback(tx);

        char sql[256];
        snprintf(sql, sizeof(sql),
                 "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '%s' "
                 "AND pid <> pg_backend_pid()",
                 t->pgname);
        struct eg_buf msg = EG_BUF_INIT(1024);
        assert_int_equal(dbt_pg_admin(t->admin_url, sql, &msg), EG_OK);
        eg_buf_release(&msg);
        /* Wait until the server has really let it go. */
        struct eg_db *adb = NULL;
        assert_int_equal(eg_db_open(t->admin_url, NULL, &adb, NULL), EG_OK);
        snprintf(sql, sizeof(sql), "SELECT count(*) FROM pg_stat_activity WHERE datname = '%s'",
                 t->pgname);
        for (int i = 0; i < 250 && dbt_scalar(adb, sql) > 0; i++)
            usleep(20 * 1000);
        assert_int_equal(dbt_scalar(adb, sql), 0);
        eg_db_close(adb);

        /* At most one transaction sees the loss ... */
        int failures = 0;
        enum eg_err rc = EG_EINTERNAL;
        for (int attempt = 0; attempt < 3; attempt++) {
            tx = NULL;
            rc = eg_db_begin(db, EG_TX_READ, &tx);
            if (rc == EG_OK) {
                rc = eg_tx_prepare(tx, q, &st);
                if (rc == EG_OK)
                    rc = eg_stmt_bind_text(st, 1, "pg_class", SIZE_MAX);
                if (rc == EG_OK)
                    rc = eg_stmt_step(st, &row);
                if (rc == EG_OK && (!row || eg_stmt_i64(st, 0) != 1))
                    rc = EG_EINTERNAL;
                eg_tx_rollback(tx);
            }
            if (rc == EG_OK)
                break;
            assert_int_equal(rc, EG_EUNAVAIL);
            failures++;
        }
        /* ... and the next one works. */
        assert_int_equal(rc, EG_OK);
        assert_true(failures <= 1);
    }
    struct eg_buf m = EG_BUF_INIT(64 * 1024);
    assert_int_equal(eg_db_metrics(db, &m), EG_OK);
    const char *r = strstr(eg_buf_str(&m), "\negov_db_reconnects_total{driver=\"postgres\"} ");
    assert_non_null(r);
    assert_true(strtod(strchr(r + 1, ' ') + 1, NULL) >= 1);
    eg_buf_release(&m);
    eg_db_close(db);
}

/* ---- open, ping, close on both ------------------------------------------------------ */

static void
test_open_close_ping(void **state)
{
    struct dbt *t = dbt_get(state);
    assert_int_equal(eg_db_kind(t->db), t->kind);
    assert_int_equal(eg_db_ping(t->db), EG_OK);
    assert_int_equal(eg_db_ping(t->db), EG_OK);
    struct eg_tx *tx = dbt_begin(t->db, EG_TX_READ);
    assert_int_equal(eg_tx_kind(tx), t->kind);
    assert_string_equal(eg_tx_errmsg(tx), "");
    eg_tx_rollback(tx);
    eg_db_close(t->db);
    t->db = NULL;
    eg_db_close(NULL); /* NULL-safe */
    /* Opening again, many times, leaks nothing (ASan watches). */
    for (int i = 0; i < 20; i++) {
        struct eg_db *db = NULL;
        dbt_open_opts(t, NULL, &db);
        assert_int_equal(eg_db_ping(db), EG_OK);
        eg_db_close(db);
    }
    eg_tx_rollback(NULL); /* NULL-safe */
}

/* ---- metrics -------------------------------------------------------------------------- */

/* Every sample line names a metric that has # HELP and # TYPE lines before it. */
static void
assert_prometheus(const char *text)
{
    const char *p = text;
    assert_true(*p != '\0');
    while (*p) {
        const char *nl = strchr(p, '\n');
        assert_non_null(nl); /* every line ends in \n */
        size_t n = (size_t)(nl - p);
        if (p[0] != '#') {
            size_t name_len = strcspn(p, "{ ");
            assert_true(name_len > 0 && name_len < n);
            char help[160], type[160];
            snprintf(help, sizeof(help), "# HELP %.*s ", (int)name_len, p);
            snprintf(type, sizeof(type), "# TYPE %.*s ", (int)name_len, p);
            const char *h = strstr(text, help), *ty = strstr(text, type);
            if (!h || !ty || h > p || ty > p)
                fail_msg("sample without HELP/TYPE before it: %.*s", (int)n, p);
            /* The value after the last space is a number. */
            const char *sp = p + n;
            while (sp > p && sp[-1] != ' ')
                sp--;
            char *end;
            (void)strtod(sp, &end);
            assert_ptr_equal(end, nl);
        }
        p = nl + 1;
    }
}

/* The value of the sample line that starts with prefix (name and labels). */
static double
sample(const char *text, const char *prefix)
{
    const char *p = text;
    size_t n = strlen(prefix);
    while (p && *p) {
        if (strncmp(p, prefix, n) == 0 && p[n] == ' ')
            return strtod(p + n + 1, NULL);
        p = strchr(p, '\n');
        if (p)
            p++;
    }
    fail_msg("no sample %s in:\n%s", prefix, text);
    return -1;
}

static void
test_metrics(void **state)
{
    struct dbt *t = dbt_get(state);
    const char *drv = t->kind == EG_DB_SQLITE ? "sqlite" : "postgres";
    char name[128];

    /* A failing statement counts as an error. */
    struct eg_tx *tx = dbt_begin(t->db, EG_TX_READ);
    assert_int_not_equal(eg_tx_exec(tx, "SELECT * FROM no_such_table_here"), EG_OK);
    assert_true(strlen(eg_tx_errmsg(tx)) > 0);
    eg_tx_rollback(tx);
    dbt_write(t->db, "CREATE TABLE m (x INTEGER)");

    struct eg_buf out = EG_BUF_INIT(64 * 1024);
    assert_int_equal(eg_buf_adds(&out, "# existing content stays\n"), EG_OK);
    tx = dbt_begin(t->db, EG_TX_WRITE);
    assert_int_equal(eg_db_metrics(t->db, &out), EG_OK);
    eg_tx_rollback(tx);
    const char *m = eg_buf_str(&out);
    assert_true(strncmp(m, "# existing content stays\n", 25) == 0);
    assert_prometheus(m);
    static const char *const common[] = {
        "egov_db_connections",        "egov_db_connections_in_use", "egov_db_waits_total",
        "egov_db_wait_seconds_total", "egov_db_errors_total",
    };
    for (size_t i = 0; i < EG_ARRAY_LEN(common); i++) {
        snprintf(name, sizeof(name), "# TYPE %s ", common[i]);
        assert_contains(m, name);
    }
    snprintf(name, sizeof(name), "egov_db_errors_total{driver=\"%s\"}", drv);
    assert_true(sample(m, name) >= 1);
    if (t->kind == EG_DB_SQLITE) {
        assert_contains(m, "# TYPE egov_db_transactions_total counter");
        assert_true(sample(m, "egov_db_connections_in_use{driver=\"sqlite\",role=\"writer\"}") ==
                    1);
        assert_true(sample(m, "egov_db_transactions_total{driver=\"sqlite\",mode=\"write\"}") >= 2);
        assert_true(sample(m, "egov_db_connections{driver=\"sqlite\",role=\"reader\"}") >= 1);
    } else {
        assert_contains(m, "# TYPE egov_db_pool_size gauge");
        assert_contains(m, "# TYPE egov_db_checkouts_total counter");
        assert_contains(m, "# TYPE egov_db_reconnects_total counter");
        assert_true(sample(m, "egov_db_pool_size{driver=\"postgres\"}") == 4);
        assert_true(sample(m, "egov_db_connections_in_use{driver=\"postgres\",role=\"pool\"}") ==
                    1);
        assert_true(sample(m, "egov_db_checkouts_total{driver=\"postgres\"}") >= 3);
    }
    eg_buf_release(&out);

    /* Nothing in use once the transactions ended. */
    assert_int_equal(eg_db_metrics(t->db, &out), EG_OK);
    m = eg_buf_str(&out);
    if (t->kind == EG_DB_SQLITE)
        assert_true(sample(m, "egov_db_connections_in_use{driver=\"sqlite\",role=\"writer\"}") ==
                    0);
    else
        assert_true(sample(m, "egov_db_connections_in_use{driver=\"postgres\",role=\"pool\"}") ==
                    0);
    eg_buf_release(&out);

    /* A buffer too small for the text reports it instead of truncating silently. */
    struct eg_buf tiny = EG_BUF_INIT(64);
    assert_int_equal(eg_db_metrics(t->db, &tiny), EG_ETOOBIG);
    eg_buf_release(&tiny);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_bad_scheme),
        cmocka_unit_test(test_sqlite_empty_path),
        cmocka_unit_test(test_null_msg),
        cmocka_unit_test_prestate_setup_teardown(test_sqlite_create_makes_dirs, dbt_setup_closed,
                                                 dbt_teardown, &dbt_kind_sqlite),
        cmocka_unit_test_prestate_setup_teardown(test_sqlite_missing_file, dbt_setup_closed,
                                                 dbt_teardown, &dbt_kind_sqlite),
        cmocka_unit_test(test_sqlite_unwritable),
        cmocka_unit_test_prestate_setup_teardown(test_sqlite_not_a_database, dbt_setup_closed,
                                                 dbt_teardown, &dbt_kind_sqlite),
        cmocka_unit_test(test_pg_unreachable),
        cmocka_unit_test_prestate_setup_teardown(test_pg_url_safe, dbt_setup_closed, dbt_teardown,
                                                 &dbt_kind_pg),
        cmocka_unit_test_prestate_setup_teardown(test_pg_reconnect, dbt_setup_closed, dbt_teardown,
                                                 &dbt_kind_pg),
        DBT_BOTH(test_open_close_ping, dbt_setup_empty),
        DBT_BOTH(test_metrics, dbt_setup_empty),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
