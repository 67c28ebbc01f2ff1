/*
 * test_prepare.c - eg_tx_prepare given SQL that is not exactly one statement.
 *
 * In a file of its own because SQLite crashes today on a statement-less SQL
 * text (a NULL sqlite3_stmt reaches sqlite3_clear_bindings at the end of the
 * transaction); under ASan that stops the whole process.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "db/dbtest.h"

static int
setup_values(void **state)
{
    dbt_setup_empty(state);
    struct dbt *t = *state;
    if (!t->skip)
        dbt_write(t->db, "CREATE TABLE v (i BIGINT)");
    return 0;
}

/*
 * eg_tx_prepare takes one statement. Given two, PostgreSQL refuses; SQLite
 * today compiles the first and silently drops the rest, so the second
 * statement never runs.
 */
static void
test_prepare_refuses_two_statements(void **state)
{
    struct dbt *t = dbt_get(state);
    struct eg_tx *tx = dbt_begin(t->db, EG_TX_WRITE);
    struct eg_stmt *st = NULL;
    enum eg_err rc =
        eg_tx_prepare(tx, "INSERT INTO v (i) VALUES (1); INSERT INTO v (i) VALUES (2)", &st);
    bool row;
    if (rc == EG_OK)
        rc = eg_stmt_step(st, &row);
    eg_tx_rollback(tx);
    if (rc == EG_OK)
        fail_msg("two statements in eg_tx_prepare were accepted (only the first runs)");
    /* A trailing semicolon and white space are one statement. */
    tx = dbt_begin(t->db, EG_TX_WRITE);
    st = dbt_prepare(tx, "INSERT INTO v (i) VALUES (3);  \n");
    assert_int_equal(eg_stmt_step(st, &row), EG_OK);
    assert_int_equal(eg_tx_commit(tx), EG_OK);
    assert_int_equal(dbt_scalar(t->db, "SELECT count(*) FROM v"), 1);
}

/* SQL holding no statement is an error, never a crash. */
static void
prepare_empty(struct dbt *t, const char *sql)
{
    struct eg_tx *tx = dbt_begin(t->db, EG_TX_READ);
    struct eg_stmt *st = NULL;
    enum eg_err rc = eg_tx_prepare(tx, sql, &st);
    bool row = true;
    if (rc == EG_OK) {
        (void)eg_stmt_columns(st);
        rc = eg_stmt_step(st, &row);
        assert_false(row);
    }
    eg_tx_rollback(tx); /* SQLite crashes here today */
    assert_int_not_equal(rc, EG_OK);
    /* The connection is fine afterwards. */
    assert_int_equal(dbt_scalar(t->db, "SELECT count(*) FROM v"), 0);
}

static void
test_prepare_empty_string(void **state)
{
    prepare_empty(dbt_get(state), "");
}

static void
test_prepare_only_comment(void **state)
{
    prepare_empty(dbt_get(state), "-- nothing to do");
}

static void
test_prepare_only_semicolon(void **state)
{
    prepare_empty(dbt_get(state), " ; ");
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        DBT_BOTH(test_prepare_refuses_two_statements, setup_values),
        DBT_BOTH(test_prepare_empty_string, setup_values),
        DBT_BOTH(test_prepare_only_comment, setup_values),
        DBT_BOTH(test_prepare_only_semicolon, setup_values),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
