/*
 * test_status.c - eg_http_status_of, the one mapping from enum eg_err to an
 * HTTP status (STYLE.md §4): every value of the enum, and values outside it.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "http/http.h"

static void
test_every_error(void **state)
{
    (void)state;
    static const struct {
        enum eg_err e;
        int status;
    } want[] = {
        {EG_OK, 200},       {EG_EINVAL, 400},     {EG_ENOTFOUND, 404}, {EG_ECONFLICT, 409},
        {EG_EUNAUTH, 401},  {EG_EFORBIDDEN, 403}, {EG_ETOOBIG, 413},   {EG_ERATE, 429},
        {EG_ENOMEM, 503},   {EG_EIO, 503}, /* disk full, I/O error: RELIABILITY A4 wants 503 */
        {EG_EBUSY, 503},                   /* retry later */
        {EG_EUNAVAIL, 503},                /* database down: RELIABILITY C8 wants 503 */
        {EG_ETIMEOUT, 504}, {EG_EVERSION, 500},   {EG_EINTERNAL, 500},
    };
    /* The table covers the whole enum. */
    assert_int_equal(EG_ARRAY_LEN(want), EG_ERR_COUNT);
    bool seen[EG_ERR_COUNT] = {false};
    for (size_t i = 0; i < EG_ARRAY_LEN(want); i++) {
        int got = eg_http_status_of(want[i].e);
        if (got != want[i].status)
            fail_msg("eg_http_status_of(%s) = %d, expected %d", eg_err_code(want[i].e), got,
                     want[i].status);
        assert_false(seen[want[i].e]);
        seen[want[i].e] = true;
    }
}

static void
test_out_of_range(void **state)
{
    (void)state;
    assert_int_equal(eg_http_status_of(EG_ERR_COUNT), 500);
    assert_int_equal(eg_http_status_of((enum eg_err)(EG_ERR_COUNT + 7)), 500);
    assert_int_equal(eg_http_status_of((enum eg_err) - 1), 500);
}

/* Every failure is an error status: nothing but EG_OK maps below 400. */
static void
test_only_ok_is_success(void **state)
{
    (void)state;
    for (int e = 1; e < EG_ERR_COUNT; e++) {
        int s = eg_http_status_of((enum eg_err)e);
        assert_true(s >= 400 && s <= 599);
    }
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_error),
        cmocka_unit_test(test_out_of_range),
        cmocka_unit_test(test_only_ok_is_success),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
