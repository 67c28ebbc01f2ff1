/*
 * test_list.c - eg_audit_list for the admin page and the API: each filter,
 * newest first, keyset paging that visits every match once, the total, and
 * bad filters refused.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "audittest.h"

static json_t *
list(struct fx *f, const struct eg_audit_filter *q)
{
    json_t *out = NULL;
    enum eg_err rc = eg_audit_list(f->t->db, q, &out);
    if (rc != EG_OK)
        fail_msg("eg_audit_list: %s", eg_strerror(rc));
    return out;
}

static int64_t
total(struct fx *f, const struct eg_audit_filter *q)
{
    json_t *o = list(f, q);
    int64_t t = json_integer_value(json_object_get(o, "total"));
    json_decref(o);
    return t;
}

static void
test_filters(void **state)
{
    struct fx *f = fx_get(state);
    fx_append_batch(f, 0, 60); /* i: actor account:(i%13) or anonymous when i%7==0 ... */
    struct eg_audit_filter q = {0};
    json_t *o = list(f, &q);
    assert_int_equal(json_integer_value(json_object_get(o, "total")), 60);
    json_t *items = json_object_get(o, "items");
    assert_int_equal(json_array_size(items), 50);
    json_t *first = json_array_get(items, 0);
    assert_int_equal(json_integer_value(json_object_get(first, "seq")), 59);
    assert_string_equal(json_string_value(json_object_get(first, "time")),
                        "2026-01-01T00:00:59.000Z");
    assert_int_equal(json_string_length(json_object_get(first, "leaf_hash")), 64);
    /* i = 59: details[59 % 4 = 3] is an object and comes back as one. */
    assert_true(json_is_object(json_object_get(first, "detail")));
    assert_true(json_is_null(json_object_get(json_array_get(items, 3), "detail"))); /* 56 */
    assert_int_equal(json_integer_value(json_object_get(o, "next_before_seq")), 10);
    json_decref(o);

    q = (struct eg_audit_filter){.actor = "anonymous"};
    assert_int_equal(total(f, &q), 9); /* 0, 7, ..., 56 */
    q = (struct eg_audit_filter){.action_prefix = "auth."};
    assert_int_equal(total(f, &q), 24); /* i % 5 in {0, 1} */
    q = (struct eg_audit_filter){.action_prefix = "auth.login_failed"};
    assert_int_equal(total(f, &q), 12);
    q = (struct eg_audit_filter){.action_prefix = "auth.login"}; /* whole parts only */
    assert_int_equal(total(f, &q), 12);
    q = (struct eg_audit_filter){.action_prefix = "auth"}; /* not authz.deny */
    assert_int_equal(total(f, &q), 24);
    q = (struct eg_audit_filter){.action_prefix = "auth_"}; /* '_' is no wildcard */
    assert_int_equal(total(f, &q), 0);
    q = (struct eg_audit_filter){.object = "org_unit:000.05.04.H41"};
    assert_int_equal(total(f, &q), 2); /* 5, 35 */
    q = (struct eg_audit_filter){.outcome = "denied"};
    assert_int_equal(total(f, &q), 20);
    q = (struct eg_audit_filter){.from_ms = f->now + 10000, .to_ms = f->now + 20000};
    assert_int_equal(total(f, &q), 10);
    q = (struct eg_audit_filter){.outcome = "denied", .action_prefix = "authz"};
    assert_int_equal(total(f, &q), 4); /* i%3==2 and i%5==2: 2, 17, 32, 47 */
    q = (struct eg_audit_filter){.object = "nothing"};
    o = list(f, &q);
    assert_int_equal(json_array_size(json_object_get(o, "items")), 0);
    assert_true(json_is_null(json_object_get(o, "next_before_seq")));
    json_decref(o);
}

static void
test_paging(void **state)
{
    struct fx *f = fx_get(state);
    fx_append_batch(f, 0, 45);
    struct eg_audit_filter q = {.limit = 7, .action_prefix = "auth"};
    bool seen[45] = {false};
    int pages = 0, got = 0;
    int64_t prev = INT64_MAX;
    for (;;) {
        json_t *o = list(f, &q);
        assert_int_equal(json_integer_value(json_object_get(o, "total")), 18);
        size_t i;
        json_t *it;
        json_array_foreach(json_object_get(o, "items"), i, it)
        {
            int64_t seq = json_integer_value(json_object_get(it, "seq"));
            assert_true(seq < prev);
            assert_false(seen[seq]);
            seen[seq] = true;
            prev = seq;
            got++;
        }
        pages++;
        json_t *next = json_object_get(o, "next_before_seq");
        if (json_is_null(next)) {
            json_decref(o);
            break;
        }
        q.before_seq = json_integer_value(next);
        json_decref(o);
        assert_true(pages < 10);
    }
    assert_int_equal(got, 18);
    assert_int_equal(pages, 3);
}

static void
test_bad_filters(void **state)
{
    struct fx *f = fx_get(state);
    struct eg_audit_filter bad[] = {
        {.limit = 201},  {.limit = -1},      {.outcome = "ok"},
        {.from_ms = -5}, {.to_ms = -1},      {.before_seq = -2},
        {.actor = ""},   {.object = "a\nb"}, {.action_prefix = "\xff"},
    };
    for (size_t i = 0; i < EG_ARRAY_LEN(bad); i++) {
        json_t *o = NULL;
        if (eg_audit_list(f->t->db, &bad[i], &o) != EG_EINVAL)
            fail_msg("bad filter %zu was accepted", i);
        assert_null(o);
    }
    /* A filter by a full personal number finds the entry stored masked. */
    struct eg_tx *tx = dbt_begin(f->t->db, EG_TX_WRITE);
    struct eg_audit_event e = {
        .actor = "system", .action = "pii.read", .object = "citizen:001234567890"};
    assert_int_equal(eg_audit_append(tx, &e, f->now), EG_OK);
    assert_int_equal(eg_tx_commit(tx), EG_OK);
    struct eg_audit_filter q = {.object = "citizen:001234567890", .limit = 200};
    assert_int_equal(total(f, &q), 1);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        FX_BOTH(test_filters),
        FX_BOTH(test_paging),
        FX_BOTH(test_bad_filters),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
