/*
 * test_concurrency.c - several threads append at once (on SQLite through the
 * single writer, on PostgreSQL through several pooled connections serialised by
 * the state row's lock) while a checkpointer runs: seq stays 0..n-1 without a
 * gap or a repeat, and the log verifies. Worker threads only record results;
 * cmocka's assertions run on the test thread.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "audittest.h"

#include <pthread.h>

enum { THREADS = 6, PER_THREAD = 40 };

struct worker {
    struct fx *f;
    int id;
    int ok;
    enum eg_err first_err;
    const char *errmsg;
};

static void *
worker_main(void *arg)
{
    struct worker *w = arg;
    char actor[32];
    snprintf(actor, sizeof(actor), "account:%d", w->id);
    for (int i = 0; i < PER_THREAD; i++) {
        struct eg_audit_event e = {.actor = actor, .action = "pii.read", .object = "account:1"};
        struct eg_tx *tx = NULL;
        enum eg_err rc = eg_db_begin(w->f->t->db, EG_TX_WRITE, &tx);
        /* Some business work first, as a real caller would. */
        if (rc == EG_OK)
            rc = eg_tx_exec(tx, "UPDATE instance_setting SET updated_at = updated_at + 1");
        if (rc == EG_OK)
            rc = eg_audit_append(tx, &e, 1767225600000LL + i);
        if (rc == EG_OK) {
            rc = eg_tx_commit(tx);
        } else if (tx) {
            eg_tx_rollback(tx);
        }
        if (rc == EG_OK)
            w->ok++;
        else if (w->first_err == EG_OK)
            w->first_err = rc;
    }
    return NULL;
}

struct checkpointer {
    struct fx *f;
    volatile int stop;
    int written;
    enum eg_err err;
};

static void *
checkpointer_main(void *arg)
{
    struct checkpointer *c = arg;
    while (!c->stop) {
        struct eg_audit_head h;
        enum eg_err rc = eg_audit_checkpoint(c->f->a, c->f->t->db, 1767225600000LL, &h, NULL);
        if (rc != EG_OK && c->err == EG_OK)
            c->err = rc;
        c->written += rc == EG_OK && h.written;
    }
    return NULL;
}

static void
test_parallel_appends(void **state)
{
    struct fx *f = fx_get(state);
    pthread_t th[THREADS], cth;
    struct worker w[THREADS];
    struct checkpointer cp = {.f = f};
    assert_int_equal(pthread_create(&cth, NULL, checkpointer_main, &cp), 0);
    for (int i = 0; i < THREADS; i++) {
        w[i] = (struct worker){.f = f, .id = i};
        assert_int_equal(pthread_create(&th[i], NULL, worker_main, &w[i]), 0);
    }
    for (int i = 0; i < THREADS; i++)
        assert_int_equal(pthread_join(th[i], NULL), 0);
    cp.stop = 1;
    assert_int_equal(pthread_join(cth, NULL), 0);
    for (int i = 0; i < THREADS; i++) {
        if (w[i].first_err != EG_OK)
            fail_msg("worker %d: %s", i, eg_strerror(w[i].first_err));
        assert_int_equal(w[i].ok, PER_THREAD);
    }
    assert_int_equal(cp.err, EG_OK);
    const int64_t n = THREADS * PER_THREAD;
    assert_int_equal(dbt_scalar(f->t->db, "SELECT count(*) FROM audit_entry"), n);
    assert_int_equal(dbt_scalar(f->t->db, "SELECT count(DISTINCT seq) FROM audit_entry"), n);
    assert_int_equal(dbt_scalar(f->t->db, "SELECT min(seq) FROM audit_entry"), 0);
    assert_int_equal(dbt_scalar(f->t->db, "SELECT max(seq) FROM audit_entry"), n - 1);
    assert_int_equal(dbt_scalar(f->t->db, "SELECT tree_size FROM audit_state"), n);
    (void)fx_checkpoint(f);
    struct eg_audit_report r = fx_verify(f);
    assert_intact(r);
    assert_int_equal(r.entries, n);
    assert_true(r.checkpoints >= 2);
    print_message("%d checkpoints were written while %d threads appended\n", cp.written, THREADS);
}

static int
setup(void **state)
{
    fx_setup(state);
    struct fx *f = *state;
    if (!f->t->skip)
        dbt_write(f->t->db, "INSERT INTO instance_setting VALUES ('counter', 'x', 0)");
    return 0;
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        {"sqlite/test_parallel_appends", test_parallel_appends, setup, fx_teardown,
         &dbt_kind_sqlite},
        {"pg/test_parallel_appends", test_parallel_appends, setup, fx_teardown, &dbt_kind_pg},
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
