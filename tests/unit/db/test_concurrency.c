/*
 * test_concurrency.c - eg_db shared by threads (RELIABILITY D10 at the storage
 * level): concurrent writers lose no update, readers are never refused while
 * someone writes, a pool smaller than the number of threads makes them wait,
 * and a wait longer than busy_timeout_ms is EG_EBUSY.
 *
 * cmocka's assertions must run on the test's own thread, so worker threads
 * only record what happened; the test thread checks it after pthread_join.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "db/dbtest.h"

#include <pthread.h>
#include <stdatomic.h>

static int
setup_counter(void **state)
{
    dbt_setup_empty(state);
    struct dbt *t = *state;
    if (!t->skip) {
        dbt_write(t->db, "CREATE TABLE counter (id INTEGER PRIMARY KEY, n BIGINT NOT NULL)");
        dbt_write(t->db, "INSERT INTO counter VALUES (1, 0)");
    }
    return 0;
}

static int64_t
mono_ms(void)
{
    return eg_mono_ns() / 1000000;
}

/* ---- writers and a reader --------------------------------------------------------- */

struct worker {
    struct eg_db *db;
    int iterations;
    atomic_int *writers_left;
    /* results */
    int ok;
    enum eg_err first_err;
    int64_t reads;
    int64_t last_seen;
    bool went_back;
};

/*
 * One increment per write tx, read-modify-write through two statements: on
 * SQLite the single writer alone makes it safe; on PostgreSQL (READ COMMITTED)
 * the row lock of SELECT ... FOR UPDATE does.
 */
static const char *
select_for_update(const struct eg_db *db)
{
    return eg_db_kind(db) == EG_DB_SQLITE ? "SELECT n FROM counter WHERE id = 1"
                                          : "SELECT n FROM counter WHERE id = 1 FOR UPDATE";
}

static void *
writer_main(void *arg)
{
    struct worker *w = arg;
    for (int i = 0; i < w->iterations; i++) {
        struct eg_tx *tx = NULL;
        struct eg_stmt *st = NULL;
        bool row = false;
        enum eg_err rc = eg_db_begin(w->db, EG_TX_WRITE, &tx);
        if (rc == EG_OK)
            rc = eg_tx_prepare(tx, select_for_update(w->db), &st);
        if (rc == EG_OK)
            rc = eg_stmt_step(st, &row);
        int64_t n = row ? eg_stmt_i64(st, 0) : -1;
        if (rc == EG_OK)
            rc = eg_tx_prepare(tx, "UPDATE counter SET n = ? WHERE id = 1", &st);
        if (rc == EG_OK)
            rc = eg_stmt_bind_i64(st, 1, n + 1);
        if (rc == EG_OK)
            rc = eg_stmt_step(st, &row);
        if (rc == EG_OK)
            rc = eg_tx_commit(tx);
        else
            eg_tx_rollback(tx);
        if (rc == EG_OK)
            w->ok++;
        else if (w->first_err == EG_OK)
            w->first_err = rc;
    }
    if (w->writers_left)
        atomic_fetch_sub(w->writers_left, 1);
    return NULL;
}

/* Reads the counter until the writers are done; it must only go up. */
static void *
reader_main(void *arg)
{
    struct worker *w = arg;
    w->last_seen = -1;
    do {
        struct eg_tx *tx = NULL;
        struct eg_stmt *st = NULL;
        bool row = false;
        enum eg_err rc = eg_db_begin(w->db, EG_TX_READ, &tx);
        if (rc == EG_OK)
            rc = eg_tx_prepare(tx, "SELECT n FROM counter WHERE id = 1", &st);
        if (rc == EG_OK)
            rc = eg_stmt_step(st, &row);
        if (rc == EG_OK && row) {
            int64_t n = eg_stmt_i64(st, 0);
            if (n < w->last_seen)
                w->went_back = true;
            w->last_seen = n;
            w->reads++;
        }
        eg_tx_rollback(tx);
        if (rc != EG_OK && w->first_err == EG_OK)
            w->first_err = rc;
    } while (atomic_load(w->writers_left) > 0);
    return NULL;
}

static void
test_writers_and_reader(void **state)
{
    struct dbt *t = dbt_get(state);
    enum { WRITERS = 2, ITER = 500 };
    atomic_int left = WRITERS;
    struct worker w[WRITERS + 1];
    pthread_t th[WRITERS + 1];
    for (int i = 0; i <= WRITERS; i++)
        w[i] = (struct worker){.db = t->db, .iterations = ITER, .writers_left = &left};
    assert_int_equal(pthread_create(&th[WRITERS], NULL, reader_main, &w[WRITERS]), 0);
    for (int i = 0; i < WRITERS; i++)
        assert_int_equal(pthread_create(&th[i], NULL, writer_main, &w[i]), 0);
    for (int i = 0; i <= WRITERS; i++)
        pthread_join(th[i], NULL);
    for (int i = 0; i < WRITERS; i++) {
        if (w[i].first_err != EG_OK)
            fail_msg("writer %d: %s", i, eg_strerror(w[i].first_err));
        assert_int_equal(w[i].ok, ITER);
    }
    struct worker *r = &w[WRITERS];
    if (r->first_err != EG_OK)
        fail_msg("reader: %s (never refused while others write)", eg_strerror(r->first_err));
    assert_true(r->reads > 0);
    assert_false(r->went_back);
    assert_int_equal(dbt_scalar(t->db, "SELECT n FROM counter WHERE id = 1"), WRITERS * ITER);
}

/* ---- more threads than connections ---------------------------------------------------- */

static void
test_pool_more_threads_than_connections(void **state)
{
    struct dbt *t = dbt_get(state);
    enum { THREADS = 8, ITER = 25 };
    struct eg_db *db = NULL;
    struct eg_db_opts o = {.pool_size = 2, .busy_timeout_ms = 30000};
    dbt_open_opts(t, &o, &db);
    struct worker w[THREADS];
    pthread_t th[THREADS];
    for (int i = 0; i < THREADS; i++)
        w[i] = (struct worker){.db = db, .iterations = ITER};
    for (int i = 0; i < THREADS; i++)
        assert_int_equal(pthread_create(&th[i], NULL, writer_main, &w[i]), 0);
    for (int i = 0; i < THREADS; i++)
        pthread_join(th[i], NULL);
    for (int i = 0; i < THREADS; i++) {
        if (w[i].first_err != EG_OK)
            fail_msg("thread %d: %s", i, eg_strerror(w[i].first_err));
        assert_int_equal(w[i].ok, ITER);
    }
    assert_int_equal(dbt_scalar(db, "SELECT n FROM counter WHERE id = 1"), THREADS * ITER);
    struct eg_buf m = EG_BUF_INIT(64 * 1024);
    assert_int_equal(eg_db_metrics(db, &m), EG_OK);
    if (t->kind == EG_DB_POSTGRES)
        assert_contains(eg_buf_str(&m),
                        "egov_db_connections{driver=\"postgres\",role=\"pool\"} 2\n");
    eg_buf_release(&m);
    eg_db_close(db);
}

/* ---- a wait longer than busy_timeout_ms ------------------------------------------------ */

struct holder {
    struct eg_db *db;
    int ntx;              /* transactions to hold */
    pthread_mutex_t lock; /* guards the flags */
    pthread_cond_t cond;
    bool holding, release;
    enum eg_err rc;
};

static void *
holder_main(void *arg)
{
    struct holder *h = arg;
    struct eg_tx *tx[8] = {0};
    enum eg_err rc = eg_db_begin(h->db, EG_TX_WRITE, &tx[0]);
    for (int i = 1; i < h->ntx && rc == EG_OK; i++)
        rc = eg_db_begin(h->db, EG_TX_WRITE, &tx[i]);
    pthread_mutex_lock(&h->lock);
    h->rc = rc;
    h->holding = true;
    pthread_cond_broadcast(&h->cond);
    while (!h->release)
        pthread_cond_wait(&h->cond, &h->lock);
    pthread_mutex_unlock(&h->lock);
    for (int i = h->ntx - 1; i >= 0; i--)
        eg_tx_rollback(tx[i]);
    return NULL;
}

static void
test_busy_timeout(void **state)
{
    struct dbt *t = dbt_get(state);
    struct eg_db *db = NULL;
    struct eg_db_opts o = {.pool_size = 2, .busy_timeout_ms = 200};
    dbt_open_opts(t, &o, &db);
    /* SQLite has one writer; PostgreSQL 2 pooled connections. */
    struct holder h = {.db = db, .ntx = t->kind == EG_DB_SQLITE ? 1 : 2};
    pthread_mutex_init(&h.lock, NULL);
    pthread_cond_init(&h.cond, NULL);
    pthread_t th;
    assert_int_equal(pthread_create(&th, NULL, holder_main, &h), 0);
    pthread_mutex_lock(&h.lock);
    while (!h.holding)
        pthread_cond_wait(&h.cond, &h.lock);
    pthread_mutex_unlock(&h.lock);

    struct eg_tx *tx = (struct eg_tx *)1;
    int64_t t0 = mono_ms();
    enum eg_err rc = eg_db_begin(db, EG_TX_WRITE, &tx);
    int64_t waited = mono_ms() - t0;
    enum eg_err read_rc = EG_OK;
    if (t->kind == EG_DB_SQLITE) {
        /* Readers are not held up by the writer. */
        struct eg_tx *rtx = NULL;
        read_rc = eg_db_begin(db, EG_TX_READ, &rtx);
        if (read_rc == EG_OK)
            eg_tx_rollback(rtx);
    }

    pthread_mutex_lock(&h.lock);
    h.release = true;
    pthread_cond_broadcast(&h.cond);
    pthread_mutex_unlock(&h.lock);
    pthread_join(th, NULL);
    pthread_mutex_destroy(&h.lock);
    pthread_cond_destroy(&h.cond);

    assert_int_equal(h.rc, EG_OK);
    assert_int_equal(rc, EG_EBUSY);
    assert_null(tx);
    assert_true(waited >= 150); /* it did wait ... */
    assert_true(waited < 5000); /* ... about busy_timeout_ms, not the default */
    assert_int_equal(read_rc, EG_OK);

    /* Once released, the same begin works. */
    tx = dbt_begin(db, EG_TX_WRITE);
    eg_tx_rollback(tx);
    struct eg_buf m = EG_BUF_INIT(64 * 1024);
    assert_int_equal(eg_db_metrics(db, &m), EG_OK);
    const char *s = strstr(eg_buf_str(&m), "\negov_db_waits_total{");
    assert_non_null(s);
    s = strchr(s, ' ');
    assert_true(strtod(s + 1, NULL) >= 1);
    eg_buf_release(&m);
    eg_db_close(db);
}

/* ---- short-lived reader threads -------------------------------------------------------- */

static void *
one_read(void *arg)
{
    struct worker *w = arg;
    struct eg_tx *tx = NULL;
    w->first_err = eg_db_begin(w->db, EG_TX_READ, &tx);
    if (w->first_err == EG_OK) {
        struct eg_stmt *st = NULL;
        bool row = false;
        w->first_err = eg_tx_prepare(tx, "SELECT n FROM counter", &st);
        if (w->first_err == EG_OK)
            w->first_err = eg_stmt_step(st, &row);
        w->reads = row;
        eg_tx_rollback(tx);
    }
    return NULL;
}

static double
reader_connections(struct eg_db *db)
{
    struct eg_buf m = EG_BUF_INIT(64 * 1024);
    assert_int_equal(eg_db_metrics(db, &m), EG_OK);
    const char *s = strstr(eg_buf_str(&m), "role=\"reader\"} ");
    double v = s ? strtod(s + 15, NULL) : -1;
    eg_buf_release(&m);
    return v;
}

/* Each thread's SQLite read connection goes away with the thread. */
static void
test_reader_threads_come_and_go(void **state)
{
    struct dbt *t = dbt_get(state);
    (void)dbt_scalar(t->db, "SELECT n FROM counter"); /* this thread's reader */
    double before = t->kind == EG_DB_SQLITE ? reader_connections(t->db) : 0;
    for (int round = 0; round < 5; round++) {
        enum { N = 8 };
        struct worker w[N];
        pthread_t th[N];
        for (int i = 0; i < N; i++) {
            w[i] = (struct worker){.db = t->db};
            assert_int_equal(pthread_create(&th[i], NULL, one_read, &w[i]), 0);
        }
        for (int i = 0; i < N; i++) {
            pthread_join(th[i], NULL);
            assert_int_equal(w[i].first_err, EG_OK);
            assert_int_equal(w[i].reads, 1);
        }
    }
    if (t->kind == EG_DB_SQLITE) {
        assert_true(before == 1);
        assert_true(reader_connections(t->db) == before);
    }
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        DBT_BOTH(test_writers_and_reader, setup_counter),
        DBT_BOTH(test_pool_more_threads_than_connections, setup_counter),
        DBT_BOTH(test_busy_timeout, setup_counter),
        DBT_BOTH(test_reader_threads_come_and_go, setup_counter),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
