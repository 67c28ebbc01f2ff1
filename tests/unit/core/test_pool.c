/* test_pool.c - the bounded worker pool: runs everything, refuses when full, drains on free. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <pthread.h>
#include <stdatomic.h>
#include <time.h>

#include "core/core.h"

static atomic_int done;

static void
count(void *arg)
{
    (void)arg;
    atomic_fetch_add(&done, 1);
}

static void
test_runs_every_job(void **state)
{
    (void)state;
    struct eg_pool *p;
    atomic_store(&done, 0);
    assert_int_equal(eg_pool_new(3, 1000, false, &p), EG_OK);
    for (int i = 0; i < 1000; i++) {
        while (eg_pool_submit(p, count, NULL) == EG_ERATE)
            ; /* the queue drains while we wait */
    }
    eg_pool_free(p); /* drains the queue before joining */
    assert_int_equal(atomic_load(&done), 1000);
}

static pthread_mutex_t gate = PTHREAD_MUTEX_INITIALIZER;
static atomic_int started;

static void
blocked(void *arg)
{
    (void)arg;
    atomic_store(&started, 1);
    pthread_mutex_lock(&gate);
    pthread_mutex_unlock(&gate);
    atomic_fetch_add(&done, 1);
}

static void
test_full_queue_refuses(void **state)
{
    (void)state;
    struct eg_pool *p;
    atomic_store(&done, 0);
    atomic_store(&started, 0);
    pthread_mutex_lock(&gate);
    assert_int_equal(eg_pool_new(1, 2, true, &p), EG_OK);
    assert_int_equal(eg_pool_submit(p, blocked, NULL), EG_OK);
    /* Wait until the worker runs the first job, then fill the queue. */
    while (!atomic_load(&started)) {
        struct timespec ts = {0, 1000000};
        nanosleep(&ts, NULL);
    }
    assert_int_equal(eg_pool_submit(p, blocked, NULL), EG_OK);
    assert_int_equal(eg_pool_submit(p, blocked, NULL), EG_OK);
    assert_int_equal(eg_pool_submit(p, blocked, NULL), EG_ERATE);
    assert_int_equal(eg_pool_load(p), 3);
    pthread_mutex_unlock(&gate);
    eg_pool_free(p);
    assert_int_equal(atomic_load(&done), 3);
}

static void
test_bad_arguments(void **state)
{
    (void)state;
    struct eg_pool *p;
    assert_int_equal(eg_pool_new(0, 1, false, &p), EG_EINVAL);
    assert_int_equal(eg_pool_new(1, 0, false, &p), EG_EINVAL);
    eg_pool_free(NULL);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_runs_every_job),
        cmocka_unit_test(test_full_queue_refuses),
        cmocka_unit_test(test_bad_arguments),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
