/*
 * test_tx.c - transactions, statements, binds and error mapping, one body for
 * both drivers: commit and rollback, constraint errors mapped onto enum
 * eg_err, every bind type round-tripped, eg_stmt_changes, the statement cache
 * handing out a second statement for the same SQL, and the org_unit guard
 * triggers of migration 0002.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "db/db_int.h"
#include "db/dbtest.h"

#include <float.h>
#include <math.h>

/* Runs DDL with {{ID}}/{{BLOB}} expanded for the driver, in its own write tx. */
static void
ddl(struct eg_db *db, const char *sql)
{
    struct eg_buf b = EG_BUF_INIT(1 << 16);
    assert_int_equal(eg_sql_dialect(sql, eg_db_kind(db), &b), EG_OK);
    dbt_write(db, eg_buf_str(&b));
    eg_buf_release(&b);
}

static int
setup_values(void **state)
{
    dbt_setup_empty(state);
    struct dbt *t = *state;
    if (!t->skip)
        ddl(t->db, "CREATE TABLE v (id {{ID}}, i BIGINT, d DOUBLE PRECISION, s TEXT, "
                   "b {{BLOB}}, n INTEGER NOT NULL DEFAULT 0 CHECK (n >= 0));");
    return 0;
}

static enum eg_err
insert_i(struct eg_tx *tx, int64_t i)
{
    struct eg_stmt *st = NULL;
    bool row;
    enum eg_err rc = eg_tx_prepare(tx, "INSERT INTO v (i) VALUES (?)", &st);
    if (rc == EG_OK)
        rc = eg_stmt_bind_i64(st, 1, i);
    if (rc == EG_OK)
        rc = eg_stmt_step(st, &row);
    return rc;
}

/* ---- commit, rollback, isolation ------------------------------------------------ */

static void
test_commit_visible(void **state)
{
    struct dbt *t = dbt_get(state);
    struct eg_tx *tx = dbt_begin(t->db, EG_TX_WRITE);
    for (int i = 1; i <= 3; i++)
        assert_int_equal(insert_i(tx, i), EG_OK);
    /* Inside the write tx its own rows are visible. */
    assert_int_equal(dbt_scalar_tx(tx, "SELECT count(*) FROM v"), 3);
    /* A read tx meanwhile (same thread, another connection) does not see them yet. */
    assert_int_equal(dbt_scalar(t->db, "SELECT count(*) FROM v"), 0);
    assert_int_equal(eg_tx_commit(tx), EG_OK);
    assert_int_equal(dbt_scalar(t->db, "SELECT count(*) FROM v"), 3);
    assert_int_equal(dbt_scalar(t->db, "SELECT sum(i) FROM v"), 6);
}

static void
test_rollback_leaves_nothing(void **state)
{
    struct dbt *t = dbt_get(state);
    struct eg_tx *tx = dbt_begin(t->db, EG_TX_WRITE);
    assert_int_equal(insert_i(tx, 7), EG_OK);
    dbt_exec_ok(tx, "CREATE TABLE gone (x INTEGER)");
    eg_tx_rollback(tx);
    assert_int_equal(dbt_scalar(t->db, "SELECT count(*) FROM v"), 0);
    tx = dbt_begin(t->db, EG_TX_READ);
    assert_int_not_equal(eg_tx_exec(tx, "SELECT count(*) FROM gone"), EG_OK);
    eg_tx_rollback(tx);
    /* The writer is free again. */
    tx = dbt_begin(t->db, EG_TX_WRITE);
    assert_int_equal(insert_i(tx, 8), EG_OK);
    assert_int_equal(eg_tx_commit(tx), EG_OK);
    assert_int_equal(dbt_scalar(t->db, "SELECT count(*) FROM v"), 1);
}

static void
test_exec_several_statements(void **state)
{
    struct dbt *t = dbt_get(state);
    struct eg_tx *tx = dbt_begin(t->db, EG_TX_WRITE);
    dbt_exec_ok(tx, "INSERT INTO v (i) VALUES (1); INSERT INTO v (i) VALUES (2);\n"
                    "-- a comment\nUPDATE v SET i = i * 10;");
    assert_int_equal(eg_tx_commit(tx), EG_OK);
    assert_int_equal(dbt_scalar(t->db, "SELECT sum(i) FROM v"), 30);
}

static void
test_bad_sql(void **state)
{
    struct dbt *t = dbt_get(state);
    struct eg_tx *tx = dbt_begin(t->db, EG_TX_READ);
    struct eg_stmt *st = (struct eg_stmt *)1;
    assert_int_equal(eg_tx_prepare(tx, "SELEKT nonsense", &st), EG_EINTERNAL);
    assert_null(st);
    assert_true(strlen(eg_tx_errmsg(tx)) > 0);
    assert_null(strchr(eg_tx_errmsg(tx), '\n'));
    eg_tx_rollback(tx);
    tx = dbt_begin(t->db, EG_TX_READ);
    assert_int_equal(eg_tx_exec(tx, "SELECT * FROM no_such_table"), EG_EINTERNAL);
    assert_true(strlen(eg_tx_errmsg(tx)) > 0);
    eg_tx_rollback(tx);
}

/* ---- constraint errors ----------------------------------------------------------- */

static const char insert_unit[] =
    "INSERT INTO org_unit (code, parent_id, kind, name, name_fold, valid_from, created_at, "
    "updated_at) VALUES (?, ?, ?, ?, 'x', '2025-07-01', 0, 0)";

static enum eg_err
try_unit(struct eg_db *db, const char *code, int64_t parent, const char *kind, const char *name,
         char *errmsg, size_t cap)
{
    struct eg_tx *tx = dbt_begin(db, EG_TX_WRITE);
    struct eg_stmt *st = dbt_prepare(tx, insert_unit);
    bool row;
    enum eg_err rc = eg_stmt_bind_text(st, 1, code, SIZE_MAX);
    if (rc == EG_OK)
        rc = parent ? eg_stmt_bind_i64(st, 2, parent) : eg_stmt_bind_null(st, 2);
    if (rc == EG_OK)
        rc = eg_stmt_bind_text(st, 3, kind, SIZE_MAX);
    if (rc == EG_OK)
        rc = eg_stmt_bind_text(st, 4, name, SIZE_MAX);
    if (rc == EG_OK)
        rc = eg_stmt_step(st, &row);
    if (errmsg)
        snprintf(errmsg, cap, "%s", eg_tx_errmsg(tx));
    if (rc == EG_OK)
        rc = eg_tx_commit(tx);
    else
        eg_tx_rollback(tx);
    return rc;
}

static void
test_unique_conflict(void **state)
{
    struct dbt *t = dbt_get(state);
    char err[512];
    assert_int_equal(try_unit(t->db, "000.00.00.H41", 0, "province_committee", "A", err, 512),
                     EG_OK);
    assert_int_equal(try_unit(t->db, "000.00.00.H41", 0, "province_committee", "B", err, 512),
                     EG_ECONFLICT);
    assert_true(strlen(err) > 0);
    assert_int_equal(dbt_scalar(t->db, "SELECT count(*) FROM org_unit"), 1);
    /* A primary key too. */
    struct eg_tx *tx = dbt_begin(t->db, EG_TX_WRITE);
    assert_int_equal(eg_tx_exec(tx, "INSERT INTO schema_migrations VALUES (1, 'again', 0)"),
                     EG_ECONFLICT);
    eg_tx_rollback(tx);
}

static void
test_not_null_check_fk(void **state)
{
    struct dbt *t = dbt_get(state);
    char err[512];
    /* NOT NULL */
    assert_int_equal(try_unit(t->db, "000.00.00.H41", 0, "province_committee", NULL, err, 512),
                     EG_EINVAL);
    assert_true(strlen(err) > 0);
    /* CHECK */
    assert_int_equal(try_unit(t->db, "000.00.00.H41", 0, "ministry", "A", err, 512), EG_EINVAL);
    assert_true(strlen(err) > 0);
    /* FOREIGN KEY */
    assert_int_equal(try_unit(t->db, "000.00.01.H41", 999999, "department", "A", err, 512),
                     EG_EINVAL);
    assert_true(strlen(err) > 0);
    assert_int_equal(dbt_scalar(t->db, "SELECT count(*) FROM org_unit"), 0);
    /* And the same tx shape works with good values. */
    assert_int_equal(try_unit(t->db, "000.00.00.H41", 0, "province_committee", "A", err, 512),
                     EG_OK);
}

/*
 * The guard triggers of 0002: an org unit is never deleted and its code never
 * changes. Both drivers refuse, and with the same error: a refused data rule
 * is EG_EINVAL (400), as SQLite reports it and as NOT NULL/CHECK are on both.
 */
static void
test_org_unit_guard(void **state)
{
    struct dbt *t = dbt_get(state);
    assert_int_equal(try_unit(t->db, "000.00.00.H41", 0, "province_committee", "A", NULL, 0),
                     EG_OK);
    struct eg_tx *tx = dbt_begin(t->db, EG_TX_WRITE);
    enum eg_err del = eg_tx_exec(tx, "DELETE FROM org_unit WHERE code = '000.00.00.H41'");
    char delmsg[512];
    snprintf(delmsg, sizeof(delmsg), "%s", eg_tx_errmsg(tx));
    eg_tx_rollback(tx);

    tx = dbt_begin(t->db, EG_TX_WRITE);
    enum eg_err upd = eg_tx_exec(tx, "UPDATE org_unit SET code = '000.00.00.H42'");
    char updmsg[512];
    snprintf(updmsg, sizeof(updmsg), "%s", eg_tx_errmsg(tx));
    eg_tx_rollback(tx);

    /* Other columns may change, and the code may be "changed" to itself. */
    dbt_write(t->db, "UPDATE org_unit SET name = 'B', valid_to = '2026-01-01'");
    dbt_write(t->db, "UPDATE org_unit SET code = code");
    assert_int_equal(dbt_scalar(t->db, "SELECT count(*) FROM org_unit WHERE code = "
                                       "'000.00.00.H41' AND name = 'B'"),
                     1);

    /* Refused on both drivers, the row untouched, the reason in the driver's words. */
    assert_int_not_equal(del, EG_OK);
    assert_int_not_equal(upd, EG_OK);
    assert_contains(delmsg, "never deleted");
    assert_contains(updmsg, "never changes");
    assert_int_equal(dbt_scalar(t->db, "SELECT count(*) FROM org_unit"), 1);
    /* Same error on both drivers (fails on PostgreSQL today: RAISE EXCEPTION is P0001 -> EG_EIO). */
    if (del != EG_EINVAL || upd != EG_EINVAL)
        fail_msg("guard refusal mapped to %s / %s, expected EG_EINVAL like SQLite's "
                 "SQLITE_CONSTRAINT_TRIGGER",
                 eg_err_code(del), eg_err_code(upd));
}

/* ---- binds of every type ----------------------------------------------------------- */

static void
test_bind_roundtrip(void **state)
{
    struct dbt *t = dbt_get(state);
    static const int64_t ints[] = {0, 1, -1, INT64_MAX, INT64_MIN, 4294967296LL, -4294967297LL};
    static const double dbls[] = {0.0,     0.1,     -2.5,    3.141592653589793,  1e300,
                                  -1e-300, DBL_MAX, DBL_MIN, 123456789.123456789};
    static const char *const texts[] = {
        "",
        "plain",
        "Ủy ban nhân dân tỉnh Nghệ An",
        "Đăng ký khai sinh – “trích lục”",
        "quote ' and \" and \\ and ? and $1",
        "tab\tnewline\nend",
        "😀 U+1F600",
    };
    static const unsigned char blob1[] = {0x00, 0x01, 0x00, 0xff, 0x7f, 0x80, 0x00, '\\', 'x'};

    struct eg_tx *tx = dbt_begin(t->db, EG_TX_WRITE);
    struct eg_stmt *st = dbt_prepare(tx, "INSERT INTO v (id, i, d, s, b) VALUES (?, ?, ?, ?, ?)");
    bool row;
    int id = 0;
    for (size_t k = 0; k < EG_ARRAY_LEN(ints); k++) {
        assert_int_equal(eg_stmt_bind_i64(st, 1, ++id), EG_OK);
        assert_int_equal(eg_stmt_bind_i64(st, 2, ints[k]), EG_OK);
        assert_int_equal(eg_stmt_bind_null(st, 3), EG_OK);
        assert_int_equal(eg_stmt_bind_null(st, 4), EG_OK);
        assert_int_equal(eg_stmt_bind_null(st, 5), EG_OK);
        assert_int_equal(eg_stmt_step(st, &row), EG_OK);
        assert_false(row);
        assert_int_equal(eg_stmt_changes(st), 1);
    }
    for (size_t k = 0; k < EG_ARRAY_LEN(dbls); k++) {
        assert_int_equal(eg_stmt_bind_i64(st, 1, ++id), EG_OK);
        assert_int_equal(eg_stmt_bind_null(st, 2), EG_OK);
        assert_int_equal(eg_stmt_bind_double(st, 3, dbls[k]), EG_OK);
        assert_int_equal(eg_stmt_bind_null(st, 4), EG_OK);
        assert_int_equal(eg_stmt_bind_null(st, 5), EG_OK);
        assert_int_equal(eg_stmt_step(st, &row), EG_OK);
    }
    for (size_t k = 0; k < EG_ARRAY_LEN(texts); k++) {
        assert_int_equal(eg_stmt_bind_i64(st, 1, ++id), EG_OK);
        assert_int_equal(eg_stmt_bind_null(st, 2), EG_OK);
        assert_int_equal(eg_stmt_bind_null(st, 3), EG_OK);
        assert_int_equal(eg_stmt_bind_text(st, 4, texts[k], SIZE_MAX), EG_OK);
        assert_int_equal(eg_stmt_bind_null(st, 5), EG_OK);
        assert_int_equal(eg_stmt_step(st, &row), EG_OK);
    }
    /* Text by length: only the first 5 bytes of "plain text". */
    assert_int_equal(eg_stmt_bind_i64(st, 1, 100), EG_OK);
    assert_int_equal(eg_stmt_bind_null(st, 2), EG_OK);
    assert_int_equal(eg_stmt_bind_null(st, 3), EG_OK);
    assert_int_equal(eg_stmt_bind_text(st, 4, "plain text", 5), EG_OK);
    assert_int_equal(eg_stmt_bind_blob(st, 5, blob1, sizeof(blob1)), EG_OK);
    assert_int_equal(eg_stmt_step(st, &row), EG_OK);
    /* NULL text pointer is SQL NULL; an empty blob is not NULL. */
    assert_int_equal(eg_stmt_bind_i64(st, 1, 101), EG_OK);
    assert_int_equal(eg_stmt_bind_null(st, 2), EG_OK);
    assert_int_equal(eg_stmt_bind_null(st, 3), EG_OK);
    assert_int_equal(eg_stmt_bind_text(st, 4, NULL, 0), EG_OK);
    assert_int_equal(eg_stmt_bind_blob(st, 5, NULL, 0), EG_OK);
    assert_int_equal(eg_stmt_step(st, &row), EG_OK);
    /* A large blob. */
    size_t big_n = 1 << 20;
    unsigned char *big = malloc(big_n);
    assert_non_null(big);
    for (size_t k = 0; k < big_n; k++)
        big[k] = (unsigned char)(k * 31 + (k >> 8));
    assert_int_equal(eg_stmt_bind_i64(st, 1, 102), EG_OK);
    assert_int_equal(eg_stmt_bind_null(st, 2), EG_OK);
    assert_int_equal(eg_stmt_bind_null(st, 3), EG_OK);
    assert_int_equal(eg_stmt_bind_null(st, 4), EG_OK);
    assert_int_equal(eg_stmt_bind_blob(st, 5, big, big_n), EG_OK);
    assert_int_equal(eg_stmt_step(st, &row), EG_OK);
    assert_int_equal(eg_tx_commit(tx), EG_OK);

    /* Read everything back in a read tx. */
    tx = dbt_begin(t->db, EG_TX_READ);
    st = dbt_prepare(tx, "SELECT id, i, d, s, b FROM v ORDER BY id");
    id = 0;
    for (size_t k = 0; k < EG_ARRAY_LEN(ints); k++) {
        assert_int_equal(eg_stmt_step(st, &row), EG_OK);
        assert_true(row);
        assert_int_equal(eg_stmt_columns(st), 5);
        assert_int_equal(eg_stmt_i64(st, 0), ++id);
        assert_false(eg_stmt_is_null(st, 1));
        assert_true(eg_stmt_i64(st, 1) == ints[k]);
        assert_true(eg_stmt_is_null(st, 2));
        assert_true(eg_stmt_is_null(st, 3));
        assert_null(eg_stmt_text(st, 3));
        assert_true(eg_stmt_is_null(st, 4));
    }
    for (size_t k = 0; k < EG_ARRAY_LEN(dbls); k++) {
        assert_int_equal(eg_stmt_step(st, &row), EG_OK);
        assert_true(row);
        assert_true(eg_stmt_is_null(st, 1));
        assert_false(eg_stmt_is_null(st, 2));
        double got = eg_stmt_double(st, 2);
        if (got != dbls[k])
            fail_msg("double %.17g came back as %.17g", dbls[k], got);
    }
    for (size_t k = 0; k < EG_ARRAY_LEN(texts); k++) {
        assert_int_equal(eg_stmt_step(st, &row), EG_OK);
        assert_true(row);
        assert_false(eg_stmt_is_null(st, 3));
        assert_string_equal(eg_stmt_text(st, 3), texts[k]);
        assert_int_equal(eg_stmt_len(st, 3), strlen(texts[k]));
    }
    assert_int_equal(eg_stmt_step(st, &row), EG_OK);
    assert_true(row);
    assert_int_equal(eg_stmt_i64(st, 0), 100);
    assert_string_equal(eg_stmt_text(st, 3), "plain");
    size_t n = 0;
    const void *p = eg_stmt_blob(st, 4, &n);
    assert_int_equal(n, sizeof(blob1));
    assert_non_null(p);
    assert_memory_equal(p, blob1, sizeof(blob1));

    assert_int_equal(eg_stmt_step(st, &row), EG_OK);
    assert_true(row);
    assert_int_equal(eg_stmt_i64(st, 0), 101);
    assert_true(eg_stmt_is_null(st, 3));
    assert_null(eg_stmt_text(st, 3));
    assert_false(eg_stmt_is_null(st, 4));
    n = 99;
    (void)eg_stmt_blob(st, 4, &n);
    assert_int_equal(n, 0);

    assert_int_equal(eg_stmt_step(st, &row), EG_OK);
    assert_true(row);
    assert_int_equal(eg_stmt_i64(st, 0), 102);
    p = eg_stmt_blob(st, 4, &n);
    assert_int_equal(n, big_n);
    assert_memory_equal(p, big, big_n);

    assert_int_equal(eg_stmt_step(st, &row), EG_OK);
    assert_false(row);
    eg_tx_rollback(tx);
    free(big);
}

/* Values bound straight into a SELECT come back through every accessor. */
static void
test_select_conversions(void **state)
{
    struct dbt *t = dbt_get(state);
    struct eg_tx *tx = dbt_begin(t->db, EG_TX_READ);
    struct eg_stmt *st = dbt_prepare(tx, "SELECT 42, 'bốn hai', NULL, 2.5");
    bool row;
    assert_int_equal(eg_stmt_step(st, &row), EG_OK);
    assert_true(row);
    assert_int_equal(eg_stmt_columns(st), 4);
    assert_int_equal(eg_stmt_i64(st, 0), 42);
    assert_string_equal(eg_stmt_text(st, 0), "42");
    assert_int_equal(eg_stmt_len(st, 0), 2);
    assert_string_equal(eg_stmt_text(st, 1), "bốn hai");
    assert_int_equal(eg_stmt_len(st, 1), strlen("bốn hai"));
    assert_true(eg_stmt_is_null(st, 2));
    assert_null(eg_stmt_text(st, 2));
    assert_int_equal(eg_stmt_i64(st, 2), 0);
    assert_true(eg_stmt_double(st, 3) == 2.5);
    /* Out of range columns are NULL, never a crash. */
    assert_true(eg_stmt_is_null(st, 4));
    assert_true(eg_stmt_is_null(st, -1));
    assert_null(eg_stmt_text(st, 99));
    assert_int_equal(eg_stmt_i64(st, 99), 0);
    assert_true(eg_stmt_double(st, -5) == 0);
    assert_int_equal(eg_stmt_len(st, 4), 0);
    size_t n = 7;
    assert_null(eg_stmt_blob(st, 4, &n));
    assert_int_equal(n, 0);
    assert_int_equal(eg_stmt_step(st, &row), EG_OK);
    assert_false(row);
    eg_tx_rollback(tx);
}

static void
test_bind_errors(void **state)
{
    struct dbt *t = dbt_get(state);
    struct eg_tx *tx = dbt_begin(t->db, EG_TX_WRITE);
    struct eg_stmt *st = dbt_prepare(tx, "INSERT INTO v (i, s) VALUES (?, ?)");
    assert_int_equal(eg_stmt_bind_i64(st, 0, 1), EG_EINVAL);
    assert_int_equal(eg_stmt_bind_i64(st, -1, 1), EG_EINVAL);
    assert_int_not_equal(eg_stmt_bind_i64(st, 3, 1), EG_OK);
    assert_int_not_equal(eg_stmt_bind_text(st, 99, "x", 1), EG_OK);
    /* The statement still works afterwards. */
    bool row;
    assert_int_equal(eg_stmt_bind_i64(st, 1, 5), EG_OK);
    assert_int_equal(eg_stmt_bind_text(st, 2, "x", SIZE_MAX), EG_OK);
    assert_int_equal(eg_stmt_step(st, &row), EG_OK);
    assert_int_equal(eg_tx_commit(tx), EG_OK);
    assert_int_equal(dbt_scalar(t->db, "SELECT count(*) FROM v WHERE i = 5 AND s = 'x'"), 1);
}

/* PostgreSQL text cannot hold NUL: refused at bind time, not truncated. */
static void
test_text_with_nul(void **state)
{
    struct dbt *t = dbt_get(state);
    struct eg_tx *tx = dbt_begin(t->db, EG_TX_WRITE);
    struct eg_stmt *st = dbt_prepare(tx, "INSERT INTO v (s) VALUES (?)");
    assert_int_equal(eg_stmt_bind_text(st, 1, "a\0b", 3), EG_EINVAL);
    /* A blob carries it fine. */
    st = dbt_prepare(tx, "INSERT INTO v (b) VALUES (?)");
    assert_int_equal(eg_stmt_bind_blob(st, 1, "a\0b", 3), EG_OK);
    bool row;
    assert_int_equal(eg_stmt_step(st, &row), EG_OK);
    assert_int_equal(eg_tx_commit(tx), EG_OK);
    assert_int_equal(dbt_scalar(t->db, "SELECT count(*) FROM v WHERE s IS NULL"), 1);
}

/* ---- eg_stmt_changes ---------------------------------------------------------------- */

static void
test_changes(void **state)
{
    struct dbt *t = dbt_get(state);
    struct eg_tx *tx = dbt_begin(t->db, EG_TX_WRITE);
    for (int i = 1; i <= 5; i++)
        assert_int_equal(insert_i(tx, i), EG_OK);
    bool row;
    struct eg_stmt *up = dbt_prepare(tx, "UPDATE v SET s = ? WHERE i <= ?");
    assert_int_equal(eg_stmt_bind_text(up, 1, "x", SIZE_MAX), EG_OK);
    assert_int_equal(eg_stmt_bind_i64(up, 2, 3), EG_OK);
    assert_int_equal(eg_stmt_step(up, &row), EG_OK);
    assert_false(row);
    assert_int_equal(eg_stmt_changes(up), 3);
    /* Run again with other values: the count is of the last run. */
    assert_int_equal(eg_stmt_bind_text(up, 1, "y", SIZE_MAX), EG_OK);
    assert_int_equal(eg_stmt_bind_i64(up, 2, 0), EG_OK);
    assert_int_equal(eg_stmt_step(up, &row), EG_OK);
    assert_int_equal(eg_stmt_changes(up), 0);
    assert_int_equal(eg_stmt_bind_text(up, 1, "z", SIZE_MAX), EG_OK);
    assert_int_equal(eg_stmt_bind_i64(up, 2, 100), EG_OK);
    assert_int_equal(eg_stmt_step(up, &row), EG_OK);
    assert_int_equal(eg_stmt_changes(up), 5);

    struct eg_stmt *del = dbt_prepare(tx, "DELETE FROM v WHERE i > ?");
    assert_int_equal(eg_stmt_bind_i64(del, 1, 3), EG_OK);
    assert_int_equal(eg_stmt_step(del, &row), EG_OK);
    assert_int_equal(eg_stmt_changes(del), 2);
    /* The other statement keeps its own count. */
    assert_int_equal(eg_stmt_changes(up), 5);
    assert_int_equal(eg_tx_commit(tx), EG_OK);
    assert_int_equal(dbt_scalar(t->db, "SELECT count(*) FROM v WHERE s = 'z'"), 3);
}

/*
 * A SELECT changes no rows, so eg_stmt_changes() of a SELECT statement is 0.
 * Today SQLite reports the connection's last INSERT/UPDATE/DELETE count (from
 * another statement) and PostgreSQL the number of rows selected.
 */
static void
test_changes_of_select(void **state)
{
    struct dbt *t = dbt_get(state);
    struct eg_tx *tx = dbt_begin(t->db, EG_TX_WRITE);
    for (int i = 1; i <= 3; i++)
        assert_int_equal(insert_i(tx, i), EG_OK);
    dbt_exec_ok(tx, "UPDATE v SET n = 1");
    struct eg_stmt *up = dbt_prepare(tx, "UPDATE v SET n = 2 WHERE i >= 2");
    bool row;
    assert_int_equal(eg_stmt_step(up, &row), EG_OK);
    assert_int_equal(eg_stmt_changes(up), 2);
    struct eg_stmt *sel = dbt_prepare(tx, "SELECT i FROM v WHERE i = 1");
    assert_int_equal(eg_stmt_step(sel, &row), EG_OK);
    assert_true(row);
    assert_int_equal(eg_stmt_step(sel, &row), EG_OK);
    assert_false(row);
    int64_t got = eg_stmt_changes(sel);
    eg_tx_rollback(tx);
    if (got != 0)
        fail_msg("eg_stmt_changes() of a SELECT is %lld, expected 0", (long long)got);
}

/* ---- statements: rerun, reset, nested, cached --------------------------------------- */

static void
test_rerun_and_reset(void **state)
{
    struct dbt *t = dbt_get(state);
    struct eg_tx *tx = dbt_begin(t->db, EG_TX_WRITE);
    for (int i = 1; i <= 4; i++)
        assert_int_equal(insert_i(tx, i), EG_OK);
    struct eg_stmt *st = dbt_prepare(tx, "SELECT i FROM v WHERE i >= ? ORDER BY i");
    bool row;
    /* Bound and run to the end twice with different values. */
    for (int from = 1; from <= 4; from += 3) {
        assert_int_equal(eg_stmt_bind_i64(st, 1, from), EG_OK);
        int64_t want = from;
        for (;;) {
            assert_int_equal(eg_stmt_step(st, &row), EG_OK);
            if (!row)
                break;
            assert_int_equal(eg_stmt_i64(st, 0), want++);
        }
        assert_int_equal(want, 5);
    }
    /* Stopped in the middle and reset: starts again from the first row. */
    assert_int_equal(eg_stmt_bind_i64(st, 1, 2), EG_OK);
    assert_int_equal(eg_stmt_step(st, &row), EG_OK);
    assert_int_equal(eg_stmt_i64(st, 0), 2);
    eg_stmt_reset(st);
    assert_int_equal(eg_stmt_bind_i64(st, 1, 3), EG_OK);
    assert_int_equal(eg_stmt_step(st, &row), EG_OK);
    assert_true(row);
    assert_int_equal(eg_stmt_i64(st, 0), 3);
    eg_stmt_reset(NULL); /* NULL-safe */
    /* Commit with a SELECT left half-way is fine. */
    assert_int_equal(eg_tx_commit(tx), EG_OK);
    assert_int_equal(dbt_scalar(t->db, "SELECT count(*) FROM v"), 4);
}

/* The same SQL prepared while its first statement is still iterating. */
static void
test_nested_same_sql(void **state)
{
    struct dbt *t = dbt_get(state);
    static const char sql[] = "SELECT i FROM v WHERE i >= ? ORDER BY i";
    for (int round = 0; round < 3; round++) {
        struct eg_tx *tx = dbt_begin(t->db, round == 0 ? EG_TX_WRITE : EG_TX_READ);
        if (round == 0)
            for (int i = 1; i <= 5; i++)
                assert_int_equal(insert_i(tx, i), EG_OK);
        struct eg_stmt *outer = dbt_prepare(tx, sql);
        assert_int_equal(eg_stmt_bind_i64(outer, 1, 1), EG_OK);
        bool row;
        int pairs = 0;
        int64_t sum = 0;
        for (;;) {
            assert_int_equal(eg_stmt_step(outer, &row), EG_OK);
            if (!row)
                break;
            int64_t a = eg_stmt_i64(outer, 0);
            struct eg_stmt *inner = dbt_prepare(tx, sql);
            assert_ptr_not_equal(inner, outer);
            assert_int_equal(eg_stmt_bind_i64(inner, 1, a), EG_OK);
            for (;;) {
                bool r2;
                assert_int_equal(eg_stmt_step(inner, &r2), EG_OK);
                if (!r2)
                    break;
                pairs++;
                sum += a * 10 + eg_stmt_i64(inner, 0);
                /* The outer row is untouched by the inner statement. */
                assert_int_equal(eg_stmt_i64(outer, 0), a);
            }
        }
        /* Pairs (a, b) with b >= a among 1..5. */
        assert_int_equal(pairs, 15);
        assert_int_equal(sum, 10 * (1 * 5 + 2 * 4 + 3 * 3 + 4 * 2 + 5 * 1) +
                                  (1 + 2 + 3 + 4 + 5 + 2 + 3 + 4 + 5 + 3 + 4 + 5 + 4 + 5 + 5));
        if (round == 0)
            assert_int_equal(eg_tx_commit(tx), EG_OK);
        else
            eg_tx_rollback(tx);
    }
}

/* Thousands of transactions reuse the cached statements (ASan counts the leaks). */
static void
test_many_txs(void **state)
{
    struct dbt *t = dbt_get(state);
    enum { N = 1500 };
    for (int k = 0; k < N; k++) {
        struct eg_tx *tx = dbt_begin(t->db, (k % 3) ? EG_TX_READ : EG_TX_WRITE);
        assert_int_equal(eg_tx_kind(tx), t->kind);
        if ((k % 3) == 0)
            assert_int_equal(insert_i(tx, k), EG_OK);
        struct eg_stmt *st = dbt_prepare(tx, "SELECT count(*), ? FROM v");
        assert_int_equal(eg_stmt_bind_text(st, 1, "tham số", SIZE_MAX), EG_OK);
        bool row;
        assert_int_equal(eg_stmt_step(st, &row), EG_OK);
        assert_true(row);
        assert_int_equal(eg_stmt_i64(st, 0), k / 3 + 1);
        assert_string_equal(eg_stmt_text(st, 1), "tham số");
        /* Leave some statements unfinished and some read txs rolled back. */
        if (k % 2)
            assert_int_equal(eg_stmt_step(st, &row), EG_OK);
        if ((k % 3) == 0)
            assert_int_equal(eg_tx_commit(tx), EG_OK);
        else if (k % 2)
            assert_int_equal(eg_tx_commit(tx), EG_OK);
        else
            eg_tx_rollback(tx);
    }
    assert_int_equal(dbt_scalar(t->db, "SELECT count(*) FROM v"), N / 3);
}

/* A cached statement handed to the next tx carries none of the last tx's bindings. */
static void
test_cached_statement_starts_clean(void **state)
{
    struct dbt *t = dbt_get(state);
    static const char sql[] = "SELECT CAST(? AS TEXT), CAST(? AS TEXT)";
    for (int k = 0; k < 3; k++) {
        struct eg_tx *tx = dbt_begin(t->db, EG_TX_READ);
        struct eg_stmt *st = dbt_prepare(tx, sql);
        bool row;
        if (k == 0) {
            assert_int_equal(eg_stmt_bind_text(st, 1, "x", SIZE_MAX), EG_OK);
            assert_int_equal(eg_stmt_bind_text(st, 2, "giá trị cũ", SIZE_MAX), EG_OK);
        }
        assert_int_equal(eg_stmt_step(st, &row), EG_OK);
        assert_true(row);
        if (k == 0) {
            assert_string_equal(eg_stmt_text(st, 0), "x");
            assert_string_equal(eg_stmt_text(st, 1), "giá trị cũ");
        } else {
            assert_true(eg_stmt_is_null(st, 0));
            assert_true(eg_stmt_is_null(st, 1));
        }
        eg_tx_rollback(tx);
    }
}

/* INSERT ... RETURNING and ON CONFLICT, the dialect both drivers share. */
static void
test_returning_and_upsert(void **state)
{
    struct dbt *t = dbt_get(state);
    struct eg_tx *tx = dbt_begin(t->db, EG_TX_WRITE);
    struct eg_stmt *st = dbt_prepare(tx, "INSERT INTO v (i) VALUES (?) RETURNING id, i");
    bool row;
    int64_t last = 0;
    for (int k = 0; k < 3; k++) {
        assert_int_equal(eg_stmt_bind_i64(st, 1, 40 + k), EG_OK);
        assert_int_equal(eg_stmt_step(st, &row), EG_OK);
        assert_true(row);
        assert_true(eg_stmt_i64(st, 0) > last);
        last = eg_stmt_i64(st, 0);
        assert_int_equal(eg_stmt_i64(st, 1), 40 + k);
        assert_int_equal(eg_stmt_step(st, &row), EG_OK);
        assert_false(row);
    }
    st = dbt_prepare(tx, "INSERT INTO instance_setting (key, value, updated_at) VALUES (?, ?, 0) "
                         "ON CONFLICT (key) DO UPDATE SET value = excluded.value");
    for (int k = 0; k < 2; k++) {
        assert_int_equal(eg_stmt_bind_text(st, 1, "k", SIZE_MAX), EG_OK);
        assert_int_equal(eg_stmt_bind_text(st, 2, k ? "hai" : "một", SIZE_MAX), EG_OK);
        assert_int_equal(eg_stmt_step(st, &row), EG_OK);
    }
    assert_int_equal(eg_tx_commit(tx), EG_OK);
    assert_int_equal(dbt_scalar(t->db, "SELECT count(*) FROM v"), 3);
    assert_int_equal(dbt_scalar(t->db, "SELECT count(*) FROM instance_setting WHERE value = 'hai'"),
                     1);
}

static int
setup_values_migrated(void **state)
{
    setup_values(state);
    struct dbt *t = *state;
    if (!t->skip)
        dbt_migrate(t->db);
    return 0;
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        DBT_BOTH(test_commit_visible, setup_values),
        DBT_BOTH(test_rollback_leaves_nothing, setup_values),
        DBT_BOTH(test_exec_several_statements, setup_values),
        DBT_BOTH(test_bad_sql, setup_values),
        DBT_BOTH(test_unique_conflict, dbt_setup_migrated),
        DBT_BOTH(test_not_null_check_fk, dbt_setup_migrated),
        DBT_BOTH(test_org_unit_guard, dbt_setup_migrated),
        DBT_BOTH(test_bind_roundtrip, setup_values),
        DBT_BOTH(test_select_conversions, dbt_setup_empty),
        DBT_BOTH(test_bind_errors, setup_values),
        {"pg/test_text_with_nul", test_text_with_nul, setup_values, dbt_teardown, &dbt_kind_pg},
        DBT_BOTH(test_changes, setup_values),
        DBT_BOTH(test_changes_of_select, setup_values),
        DBT_BOTH(test_rerun_and_reset, setup_values),
        DBT_BOTH(test_nested_same_sql, setup_values),
        DBT_BOTH(test_many_txs, setup_values),
        DBT_BOTH(test_cached_statement_starts_clean, dbt_setup_empty),
        DBT_BOTH(test_returning_and_upsert, setup_values_migrated),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
