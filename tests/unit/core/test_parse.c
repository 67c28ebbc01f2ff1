/*
 * test_parse.c - eg_parse_i64, eg_parse_size, eg_parse_duration_ms, eg_hex
 * and eg_random.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "core/core.h"

#include <limits.h>
#include <string.h>

/* ---- eg_parse_i64 ------------------------------------------------------- */

static long long
i64_ok(const char *s, long long min, long long max)
{
    long long v = -12345;
    assert_int_equal(eg_parse_i64(s, min, max, &v), EG_OK);
    return v;
}

static void
i64_bad(const char *s, long long min, long long max)
{
    long long v = 4242;
    assert_int_equal(eg_parse_i64(s, min, max, &v), EG_EINVAL);
}

static void
test_i64_valid(void **state)
{
    (void)state;
    assert_int_equal(i64_ok("0", 0, 10), 0);
    assert_int_equal(i64_ok("7", 0, 10), 7);
    assert_int_equal(i64_ok("-7", -10, 10), -7);
    assert_int_equal(i64_ok("-0", -1, 1), 0);
    assert_int_equal(i64_ok("0042", 0, 100), 42);
    assert_true(i64_ok("9223372036854775807", LLONG_MIN, LLONG_MAX) == LLONG_MAX);
    assert_true(i64_ok("-9223372036854775808", LLONG_MIN, LLONG_MAX) == LLONG_MIN);
}

static void
test_i64_bounds(void **state)
{
    (void)state;
    /* Both ends are inclusive. */
    assert_int_equal(i64_ok("1", 1, 12), 1);
    assert_int_equal(i64_ok("12", 1, 12), 12);
    i64_bad("0", 1, 12);
    i64_bad("13", 1, 12);
    i64_bad("-1", 0, 100);
    assert_int_equal(i64_ok("5", 5, 5), 5);
    i64_bad("4", 5, 5);
    i64_bad("6", 5, 5);
}

static void
test_i64_malformed(void **state)
{
    (void)state;
    i64_bad("", 0, 100);
    i64_bad("-", -100, 100);
    i64_bad("12x", 0, 100);
    i64_bad("x12", 0, 100);
    i64_bad("1 2", 0, 100);
    i64_bad(" 12", 0, 100);
    i64_bad("12 ", 0, 100);
    i64_bad("\t1", 0, 100);
    i64_bad("+12", 0, 100);
    i64_bad("--1", -100, 100);
    i64_bad("-+1", -100, 100);
    i64_bad("0x10", 0, 100);
    i64_bad("1e2", 0, 1000);
    i64_bad("1.0", 0, 100);
    i64_bad("١٢", 0, 100); /* Arabic-Indic digits are not digits here */
    long long v = 0;
    assert_int_equal(eg_parse_i64(NULL, 0, 100, &v), EG_EINVAL);
}

static void
test_i64_overflow(void **state)
{
    (void)state;
    i64_bad("9223372036854775808", LLONG_MIN, LLONG_MAX);
    i64_bad("-9223372036854775809", LLONG_MIN, LLONG_MAX);
    i64_bad("99999999999999999999999999", LLONG_MIN, LLONG_MAX);
    i64_bad("-99999999999999999999999999", LLONG_MIN, LLONG_MAX);
    /* A failed parse does not poison the next one (errno is reset). */
    assert_int_equal(i64_ok("1", 0, 10), 1);
}

/* ---- eg_parse_size ------------------------------------------------------ */

static size_t
size_ok(const char *s)
{
    size_t v = 0;
    assert_int_equal(eg_parse_size(s, &v), EG_OK);
    return v;
}

static void
size_bad(const char *s)
{
    size_t v = 0;
    assert_int_equal(eg_parse_size(s, &v), EG_EINVAL);
}

static void
test_size_valid(void **state)
{
    (void)state;
    assert_int_equal(size_ok("0"), 0);
    assert_int_equal(size_ok("512"), 512);
    assert_int_equal(size_ok("64k"), 64 * 1024);
    assert_int_equal(size_ok("64K"), 64 * 1024);
    assert_int_equal(size_ok("1M"), 1024 * 1024);
    assert_int_equal(size_ok("10M"), 10 * 1024 * 1024);
    assert_int_equal(size_ok("2G"), 2ULL * 1024 * 1024 * 1024);
    assert_int_equal(size_ok("0k"), 0);
    /* The spelled-out units the implementation also takes. */
    assert_int_equal(size_ok("512B"), 512);
    assert_int_equal(size_ok("64KiB"), 64 * 1024);
    assert_int_equal(size_ok("1MiB"), 1024 * 1024);
    assert_int_equal(size_ok("2GiB"), 2ULL * 1024 * 1024 * 1024);
}

static void
test_size_invalid(void **state)
{
    (void)state;
    size_bad("1T");
    size_bad("k");
    size_bad("M");
    size_bad("");
    size_bad("-1");
    size_bad("-1k");
    size_bad("+1k");
    size_bad(" 1k");
    size_bad("1 k");
    size_bad("1k ");
    size_bad("1kk");
    size_bad("1kb");
    size_bad("1.5M");
    size_bad("1m"); /* lower-case m is ambiguous (milli? minutes?) */
    size_bad("0x10");
    size_t v = 0;
    assert_int_equal(eg_parse_size(NULL, &v), EG_EINVAL);
}

static void
test_size_overflow(void **state)
{
    (void)state;
    /* SIZE_MAX itself is fine; one more is not. */
    assert_true(size_ok("18446744073709551615") == SIZE_MAX);
    size_bad("18446744073709551616");
    size_bad("99999999999999999999999");
    /* 2^34 G = 2^64 bytes overflows; 2^34 - 1 G does not. */
    size_bad("17179869184G");
    assert_true(size_ok("17179869183G") == 17179869183ULL << 30);
    size_bad("18014398509481984k"); /* 2^54 k = 2^64 */
    assert_true(size_ok("18014398509481983k") == 18014398509481983ULL << 10);
}

/* ---- eg_parse_duration_ms ----------------------------------------------- */

static long long
dur_ok(const char *s)
{
    long long v = -1;
    assert_int_equal(eg_parse_duration_ms(s, &v), EG_OK);
    return v;
}

static void
dur_bad(const char *s)
{
    long long v = -1;
    assert_int_equal(eg_parse_duration_ms(s, &v), EG_EINVAL);
}

static void
test_duration_valid(void **state)
{
    (void)state;
    assert_int_equal(dur_ok("500ms"), 500);
    assert_int_equal(dur_ok("30s"), 30000);
    assert_int_equal(dur_ok("5m"), 5 * 60 * 1000);
    assert_int_equal(dur_ok("2h"), 2 * 3600 * 1000);
    assert_int_equal(dur_ok("30"), 30000); /* plain seconds */
    assert_int_equal(dur_ok("0"), 0);
    assert_int_equal(dur_ok("0ms"), 0);
    assert_int_equal(dur_ok("1ms"), 1);
}

static void
test_duration_invalid(void **state)
{
    (void)state;
    dur_bad("");
    dur_bad("s");
    dur_bad("ms");
    dur_bad("5d");
    dur_bad("5min");
    dur_bad("5sec");
    dur_bad("5 s");
    dur_bad(" 5s");
    dur_bad("5s ");
    dur_bad("5S");
    dur_bad("5M"); /* minutes are m; M means nothing here */
    dur_bad("5H");
    dur_bad("5us");
    dur_bad("1.5s");
    dur_bad("-5s");
    dur_bad("+5s");
    dur_bad("5ms5");
    dur_bad("1h30m");
    long long v = 0;
    assert_int_equal(eg_parse_duration_ms(NULL, &v), EG_EINVAL);
}

static void
test_duration_overflow(void **state)
{
    (void)state;
    assert_true(dur_ok("9223372036854775807ms") == LLONG_MAX);
    dur_bad("9223372036854775808ms");
    dur_bad("18446744073709551616ms");
    assert_true(dur_ok("9223372036854775s") == 9223372036854775000LL);
    dur_bad("9223372036854776s");
    dur_bad("9223372036854776"); /* plain seconds too */
    assert_true(dur_ok("153722867280912m") == 153722867280912LL * 60000);
    dur_bad("153722867280913m");
    assert_true(dur_ok("2562047788015h") == 2562047788015LL * 3600000);
    dur_bad("2562047788015216h");
    dur_bad("99999999999999999999999h");
}

/* ---- eg_hex, eg_random -------------------------------------------------- */

static void
test_hex(void **state)
{
    (void)state;
    static const unsigned char in[] = {0x00, 0x01, 0x0f, 0x10, 0x7f, 0x80, 0xab, 0xff};
    char out[2 * sizeof(in) + 1];
    memset(out, '#', sizeof(out));
    eg_hex(in, sizeof(in), out);
    assert_string_equal(out, "00010f107f80abff");

    char empty[1] = {'#'};
    eg_hex(in, 0, empty);
    assert_string_equal(empty, "");

    /* Writes exactly 2n + 1 bytes. */
    char guard[8];
    memset(guard, '#', sizeof(guard));
    eg_hex("\xde\xad", 2, guard);
    assert_string_equal(guard, "dead");
    assert_int_equal(guard[5], '#');
}

static void
test_random(void **state)
{
    (void)state;
    unsigned char a[64];
    unsigned char b[64];
    memset(a, 0, sizeof(a));
    memset(b, 0, sizeof(b));
    assert_int_equal(eg_random(a, 32), EG_OK);
    assert_int_equal(eg_random(b, 32), EG_OK);
    /* 2^-256 chance of a false failure. */
    assert_memory_not_equal(a, b, 32);
    static const unsigned char zero[32];
    assert_memory_not_equal(a, zero, 32);
    /* Only n bytes are written. */
    assert_memory_equal(a + 32, zero, 32);
    assert_int_equal(eg_random(a, 0), EG_OK);

    /* A large request is filled completely (getrandom may return short). */
    static unsigned char big[1 << 20];
    assert_int_equal(eg_random(big, sizeof(big)), EG_OK);
    size_t zeros = 0;
    for (size_t i = sizeof(big) - 4096; i < sizeof(big); i++)
        zeros += big[i] == 0;
    assert_true(zeros < 64); /* about 16 expected */
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_i64_valid),
        cmocka_unit_test(test_i64_bounds),
        cmocka_unit_test(test_i64_malformed),
        cmocka_unit_test(test_i64_overflow),
        cmocka_unit_test(test_size_valid),
        cmocka_unit_test(test_size_invalid),
        cmocka_unit_test(test_size_overflow),
        cmocka_unit_test(test_duration_valid),
        cmocka_unit_test(test_duration_invalid),
        cmocka_unit_test(test_duration_overflow),
        cmocka_unit_test(test_hex),
        cmocka_unit_test(test_random),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
