/*
 * test_blob.c - how long what eg_stmt_blob() returns stays valid.
 *
 * Like eg_stmt_text(), a blob of the current row should stay readable until
 * the next step or reset, so a row with two blob columns (a hash and a
 * signature, say) can be read with both pointers at hand. Kept in a file of
 * its own: on PostgreSQL today the first pointer is freed by the second call,
 * which ASan reports as a heap-use-after-free and stops the process.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "db/db_int.h"
#include "db/dbtest.h"

static int
setup_blobs(void **state)
{
    dbt_setup_empty(state);
    struct dbt *t = *state;
    if (t->skip)
        return 0;
    struct eg_buf b = EG_BUF_INIT(4096);
    assert_int_equal(eg_sql_dialect("CREATE TABLE two (a {{BLOB}}, b {{BLOB}})", t->kind, &b),
                     EG_OK);
    dbt_write(t->db, eg_buf_str(&b));
    eg_buf_release(&b);
    return 0;
}

static void
test_two_blob_columns(void **state)
{
    struct dbt *t = dbt_get(state);
    unsigned char a[64], b[64];
    memset(a, 0xAA, sizeof(a));
    memset(b, 0xBB, sizeof(b));
    a[0] = 0;
    b[0] = 0;
    struct eg_tx *tx = dbt_begin(t->db, EG_TX_WRITE);
    struct eg_stmt *st = dbt_prepare(tx, "INSERT INTO two (a, b) VALUES (?, ?)");
    bool row;
    assert_int_equal(eg_stmt_bind_blob(st, 1, a, sizeof(a)), EG_OK);
    assert_int_equal(eg_stmt_bind_blob(st, 2, b, sizeof(b)), EG_OK);
    assert_int_equal(eg_stmt_step(st, &row), EG_OK);
    assert_int_equal(eg_tx_commit(tx), EG_OK);

    tx = dbt_begin(t->db, EG_TX_READ);
    st = dbt_prepare(tx, "SELECT a, b FROM two");
    assert_int_equal(eg_stmt_step(st, &row), EG_OK);
    assert_true(row);
    size_t na = 0, nb = 0;
    const unsigned char *pa = eg_stmt_blob(st, 0, &na);
    const unsigned char *pb = eg_stmt_blob(st, 1, &nb);
    assert_int_equal(na, sizeof(a));
    assert_int_equal(nb, sizeof(b));
    assert_memory_equal(pb, b, sizeof(b));
    /* The first is still the first. */
    bool same = memcmp(pa, a, sizeof(a)) == 0;
    eg_tx_rollback(tx);
    if (!same)
        fail_msg("the blob of column 0 changed after eg_stmt_blob() of column 1");
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        DBT_BOTH(test_two_blob_columns, setup_blobs),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
