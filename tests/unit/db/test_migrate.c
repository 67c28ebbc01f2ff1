/*
 * test_migrate.c - schema versions and migrations on both drivers: an empty
 * database is version 0, migrate applies everything once, a database newer
 * than this binary is refused untouched, several processes migrating at once
 * apply each migration exactly once.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "db/db_int.h"
#include "db/dbtest.h"

#include <pthread.h>

static int
version_of(struct eg_db *db)
{
    int v = -1;
    assert_int_equal(eg_db_schema_version(db, &v), EG_OK);
    return v;
}

/* Does the table exist? (A SELECT from it works.) */
static bool
has_table(struct eg_db *db, const char *table)
{
    char sql[256];
    snprintf(sql, sizeof(sql), "SELECT count(*) FROM %s", table);
    struct eg_tx *tx = dbt_begin(db, EG_TX_READ);
    enum eg_err rc = eg_tx_exec(tx, sql);
    eg_tx_rollback(tx);
    return rc == EG_OK;
}

static void
test_latest(void **state)
{
    (void)state;
    /* 0001_instance.sql and 0002_org_unit.sql at least. */
    assert_true(eg_db_schema_latest() >= 2);
    assert_int_equal(eg_db_schema_latest(), eg_db_schema_latest());
}

static void
test_migrate_empty(void **state)
{
    struct dbt *t = dbt_get(state);
    assert_int_equal(version_of(t->db), 0);
    assert_false(has_table(t->db, "org_unit"));

    struct eg_buf msg = EG_BUF_INIT(4096);
    int applied = -1;
    assert_int_equal(eg_db_migrate(t->db, &applied, &msg), EG_OK);
    assert_int_equal(applied, eg_db_schema_latest());
    assert_int_equal(version_of(t->db), eg_db_schema_latest());
    assert_true(has_table(t->db, "org_unit"));
    assert_true(has_table(t->db, "instance_setting"));
    assert_true(has_table(t->db, "schema_migrations"));
    /* One row per migration, named after its file. */
    assert_int_equal(dbt_scalar(t->db, "SELECT count(*) FROM schema_migrations"),
                     eg_db_schema_latest());
    assert_int_equal(
        dbt_scalar(t->db, "SELECT count(*) FROM schema_migrations WHERE version = 2 AND name = "
                          "'0002_org_unit.sql' AND applied_at > 1700000000"),
        1);

    /* Idempotent. */
    applied = -1;
    assert_int_equal(eg_db_migrate(t->db, &applied, &msg), EG_OK);
    assert_int_equal(applied, 0);
    assert_int_equal(version_of(t->db), eg_db_schema_latest());
    assert_int_equal(dbt_scalar(t->db, "SELECT count(*) FROM schema_migrations"),
                     eg_db_schema_latest());
    eg_buf_release(&msg);

    /* The message buffer is optional. */
    assert_int_equal(eg_db_migrate(t->db, &applied, NULL), EG_OK);
    assert_int_equal(applied, 0);
}

/* A database a newer egov migrated: refused with EG_EVERSION, nothing changed. */
static void
test_newer_database_refused(void **state)
{
    struct dbt *t = dbt_get(state);
    dbt_migrate(t->db);
    int latest = eg_db_schema_latest();
    dbt_write(t->db, "INSERT INTO schema_migrations (version, name, applied_at) "
                     "VALUES (999, '0999_future.sql', 0)");
    assert_int_equal(version_of(t->db), 999);

    struct eg_buf msg = EG_BUF_INIT(4096);
    int applied = -1;
    assert_int_equal(eg_db_migrate(t->db, &applied, &msg), EG_EVERSION);
    assert_int_equal(applied, 0);
    assert_contains(eg_buf_str(&msg), "999");
    assert_null(strchr(eg_buf_str(&msg), '\n'));
    eg_buf_release(&msg);
    assert_int_equal(version_of(t->db), 999);
    assert_int_equal(dbt_scalar(t->db, "SELECT count(*) FROM schema_migrations"), latest + 1);
    (void)latest;
}

/* The same on an otherwise empty database: not even the first migration runs. */
static void
test_newer_empty_database_untouched(void **state)
{
    struct dbt *t = dbt_get(state);
    dbt_write(t->db, "CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, "
                     "name TEXT NOT NULL, applied_at BIGINT NOT NULL)");
    dbt_write(t->db, "INSERT INTO schema_migrations VALUES (999, '0999_future.sql', 0)");
    struct eg_buf msg = EG_BUF_INIT(4096);
    int applied = -1;
    assert_int_equal(eg_db_migrate(t->db, &applied, &msg), EG_EVERSION);
    assert_int_equal(applied, 0);
    assert_true(msg.len > 0);
    eg_buf_release(&msg);
    assert_false(has_table(t->db, "instance_setting"));
    assert_false(has_table(t->db, "org_unit"));
    assert_int_equal(dbt_scalar(t->db, "SELECT count(*) FROM schema_migrations"), 1);
}

/* A half-migrated database (version 1, as an older egov left it) gets only the rest. */
static void
test_partial(void **state)
{
    struct dbt *t = dbt_get(state);
    const struct eg_embedded_file *f = eg_embedded("src/db/migrations/0001_instance.sql");
    assert_non_null(f);
    struct eg_buf sql = EG_BUF_INIT(1 << 20);
    assert_int_equal(eg_sql_dialect((const char *)f->data, t->kind, &sql), EG_OK);
    struct eg_tx *tx = dbt_begin(t->db, EG_TX_WRITE);
    dbt_exec_ok(tx, eg_buf_str(&sql));
    dbt_exec_ok(tx, "CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, "
                    "name TEXT NOT NULL, applied_at BIGINT NOT NULL);"
                    "INSERT INTO schema_migrations VALUES (1, '0001_instance.sql', 0);"
                    "INSERT INTO instance_setting VALUES ('kept', 'giữ nguyên', 0)");
    assert_int_equal(eg_tx_commit(tx), EG_OK);
    eg_buf_release(&sql);
    assert_int_equal(version_of(t->db), 1);
    assert_false(has_table(t->db, "org_unit"));

    int applied = -1;
    assert_int_equal(eg_db_migrate(t->db, &applied, NULL), EG_OK);
    assert_int_equal(applied, eg_db_schema_latest() - 1);
    assert_int_equal(version_of(t->db), eg_db_schema_latest());
    assert_true(has_table(t->db, "org_unit"));
    /* What was there stays. */
    assert_int_equal(dbt_scalar(t->db, "SELECT count(*) FROM instance_setting WHERE key = 'kept'"),
                     1);
}

/* A migration that fails leaves nothing behind: its tx rolls back. */
static void
test_failed_migration_rolls_back(void **state)
{
    struct dbt *t = dbt_get(state);
    /* A table in the way of 0001 makes its CREATE TABLE fail. */
    dbt_write(t->db, "CREATE TABLE instance_setting (x INTEGER)");
    struct eg_buf msg = EG_BUF_INIT(4096);
    int applied = -1;
    enum eg_err rc = eg_db_migrate(t->db, &applied, &msg);
    assert_int_not_equal(rc, EG_OK);
    assert_int_equal(applied, 0);
    assert_contains(eg_buf_str(&msg), "0001_instance.sql");
    eg_buf_release(&msg);
    assert_int_equal(version_of(t->db), 0);
    assert_false(has_table(t->db, "org_unit"));
}

/* ---- several processes starting at once ------------------------------------------- */

struct racer {
    const char *url;
    pthread_barrier_t *go;
    enum eg_err rc;
    int applied;
};

static void *
race_migrate(void *arg)
{
    struct racer *r = arg;
    struct eg_db *db = NULL;
    struct eg_db_opts o = {.create = true, .busy_timeout_ms = 20000};
    r->rc = eg_db_open(r->url, &o, &db, NULL);
    pthread_barrier_wait(r->go);
    if (r->rc == EG_OK)
        r->rc = eg_db_migrate(db, &r->applied, NULL);
    eg_db_close(db);
    return NULL;
}

static void
test_concurrent_migrate(void **state)
{
    struct dbt *t = dbt_get(state);
    enum { N = 4 };
    pthread_t th[N];
    struct racer r[N];
    pthread_barrier_t go;
    pthread_barrier_init(&go, NULL, N);
    for (int i = 0; i < N; i++) {
        r[i] = (struct racer){.url = t->url, .go = &go, .rc = EG_EINTERNAL, .applied = -1};
        assert_int_equal(pthread_create(&th[i], NULL, race_migrate, &r[i]), 0);
    }
    int total = 0;
    for (int i = 0; i < N; i++) {
        pthread_join(th[i], NULL);
        if (r[i].rc != EG_OK)
            print_error("migrator %d: %s\n", i, eg_strerror(r[i].rc));
        assert_int_equal(r[i].rc, EG_OK);
        total += r[i].applied;
    }
    pthread_barrier_destroy(&go);
    assert_int_equal(total, eg_db_schema_latest());
    assert_int_equal(version_of(t->db), eg_db_schema_latest());
    assert_int_equal(dbt_scalar(t->db, "SELECT count(*) FROM schema_migrations"),
                     eg_db_schema_latest());
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_latest),
        DBT_BOTH(test_migrate_empty, dbt_setup_empty),
        DBT_BOTH(test_newer_database_refused, dbt_setup_empty),
        DBT_BOTH(test_newer_empty_database_untouched, dbt_setup_empty),
        DBT_BOTH(test_partial, dbt_setup_empty),
        DBT_BOTH(test_failed_migration_rolls_back, dbt_setup_empty),
        DBT_BOTH(test_concurrent_migrate, dbt_setup_empty),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
