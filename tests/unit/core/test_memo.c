/* test_memo.c - answers kept between requests: stamp, age, sizes, shared slots, threads. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "core/core.h"

static enum eg_err
get(struct eg_memo *m, const char *key, int64_t stamp, int64_t now, struct eg_buf *out)
{
    eg_buf_reset(out);
    return eg_memo_get(m, key, strlen(key), stamp, now, out);
}

static void
put(struct eg_memo *m, const char *key, int64_t stamp, int64_t now, const char *v)
{
    eg_memo_put(m, key, strlen(key), stamp, now, v, strlen(v));
}

static void
test_stamp_and_age(void **state)
{
    (void)state;
    struct eg_memo *m;
    struct eg_buf b = EG_BUF_INIT(1 << 20);
    assert_int_equal(eg_memo_new(64, 1 << 20, 1024, 1000, &m), EG_OK);
    assert_int_equal(get(m, "a", 1, 0, &b), EG_ENOTFOUND);
    put(m, "a", 1, 5000, "first");
    assert_int_equal(get(m, "a", 1, 5000, &b), EG_OK);
    assert_string_equal(eg_buf_str(&b), "first");
    assert_int_equal(get(m, "a", 1, 5999, &b), EG_OK);
    assert_int_equal(get(m, "a", 1, 6000, &b), EG_ENOTFOUND); /* a second old: too old */
    assert_int_equal(get(m, "a", 1, 4999, &b), EG_ENOTFOUND); /* the clock went back */
    assert_int_equal(get(m, "a", 2, 5000, &b), EG_ENOTFOUND); /* another stamp */
    assert_int_equal(get(m, "b", 1, 5000, &b), EG_ENOTFOUND);
    /* Keys are bytes, NULs and all: "a\0x" is not "a". */
    assert_int_equal(eg_memo_get(m, "a\0x", 3, 1, 5000, &b), EG_ENOTFOUND);
    put(m, "a", 2, 5100, "second");
    assert_int_equal(get(m, "a", 2, 5100, &b), EG_OK);
    assert_string_equal(eg_buf_str(&b), "second");
    assert_int_equal(get(m, "a", 1, 5100, &b), EG_ENOTFOUND);
    /* An empty value is a value. */
    put(m, "e", 7, 0, "");
    assert_int_equal(get(m, "e", 7, 0, &b), EG_OK);
    assert_int_equal(b.len, 0);
    eg_memo_free(m);
    eg_buf_release(&b);
}

static void
test_sizes(void **state)
{
    (void)state;
    struct eg_memo *m;
    struct eg_buf b = EG_BUF_INIT(1 << 20);
    char big[2000];
    memset(big, 'x', sizeof(big) - 1);
    big[sizeof(big) - 1] = '\0';
    /* Values up to 1,000 bytes, 2,500 bytes in all. */
    assert_int_equal(eg_memo_new(1024, 2500, 1000, 60000, &m), EG_OK);
    put(m, "big", 1, 0, big);
    assert_int_equal(get(m, "big", 1, 0, &b), EG_ENOTFOUND);
    big[1000] = '\0';
    put(m, "k1", 1, 0, big);
    put(m, "k2", 1, 0, big);
    assert_int_equal(get(m, "k1", 1, 0, &b), EG_OK);
    assert_int_equal(b.len, 1000);
    assert_int_equal(get(m, "k2", 1, 0, &b), EG_OK);
    put(m, "k3", 1, 0, big); /* would pass 2,500 bytes: not kept */
    assert_int_equal(get(m, "k3", 1, 0, &b), EG_ENOTFOUND);
    put(m, "k1", 2, 0, "small"); /* replacing frees room */
    put(m, "k3", 1, 0, big);
    assert_int_equal(get(m, "k3", 1, 0, &b), EG_OK);
    eg_memo_free(m);
    eg_buf_release(&b);
}

/* With one slot every key shares it: the newer entry wins, the older is gone, never mixed up. */
static void
test_shared_slot(void **state)
{
    (void)state;
    struct eg_memo *m;
    struct eg_buf b = EG_BUF_INIT(1 << 20);
    assert_int_equal(eg_memo_new(1, 1 << 20, 1024, 60000, &m), EG_OK);
    put(m, "one", 1, 0, "1");
    put(m, "two", 1, 0, "2");
    assert_int_equal(get(m, "one", 1, 0, &b), EG_ENOTFOUND);
    assert_int_equal(get(m, "two", 1, 0, &b), EG_OK);
    assert_string_equal(eg_buf_str(&b), "2");
    eg_memo_free(m);
    eg_buf_release(&b);
}

static void
test_bad_arguments(void **state)
{
    (void)state;
    struct eg_memo *m = (struct eg_memo *)&m;
    assert_int_equal(eg_memo_new(0, 1024, 1024, 1000, &m), EG_EINVAL);
    assert_null(m);
    assert_int_equal(eg_memo_new(16, 1024, 1024, 0, &m), EG_EINVAL);
    eg_memo_free(NULL);
}

struct worker {
    struct eg_memo *m;
    int id;
    int wrong;
};

/* Each thread keeps and reads its own keys and some shared ones; a value always matches its key. */
static void *
hammer(void *arg)
{
    struct worker *w = arg;
    struct eg_buf b = EG_BUF_INIT(1 << 20);
    char key[32], want[64];
    for (int i = 0; i < 20000; i++) {
        int k = (i * 7 + w->id) % 97;
        snprintf(key, sizeof(key), "key-%d", k);
        snprintf(want, sizeof(want), "value of %d", k);
        if (i % 3 == 0)
            put(w->m, key, 1, 0, want);
        else if (get(w->m, key, 1, 0, &b) == EG_OK && strcmp(eg_buf_str(&b), want) != 0)
            w->wrong++;
    }
    eg_buf_release(&b);
    return NULL;
}

static void
test_threads(void **state)
{
    (void)state;
    struct eg_memo *m;
    assert_int_equal(eg_memo_new(31, 1 << 20, 1024, 60000, &m), EG_OK);
    pthread_t t[4];
    struct worker w[4];
    for (int i = 0; i < 4; i++) {
        w[i] = (struct worker){m, i, 0};
        assert_int_equal(pthread_create(&t[i], NULL, hammer, &w[i]), 0);
    }
    for (int i = 0; i < 4; i++) {
        pthread_join(t[i], NULL);
        assert_int_equal(w[i].wrong, 0);
    }
    eg_memo_free(m);
}

static void
test_hash64(void **state)
{
    (void)state;
    /* FNV-1a's published test values: "" and "a". */
    assert_true(eg_hash64(EG_HASH64_INIT, "", 0) == 0xcbf29ce484222325ULL);
    assert_true(eg_hash64(EG_HASH64_INIT, "a", 1) == 0xaf63dc4c8601ec8cULL);
    /* Continuing is hashing the whole. */
    assert_true(eg_hash64(eg_hash64(EG_HASH64_INIT, "ab", 2), "cd", 2) ==
                eg_hash64(EG_HASH64_INIT, "abcd", 4));
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_stamp_and_age), cmocka_unit_test(test_sizes),
        cmocka_unit_test(test_shared_slot),   cmocka_unit_test(test_bad_arguments),
        cmocka_unit_test(test_threads),       cmocka_unit_test(test_hash64),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
