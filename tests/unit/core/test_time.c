/*
 * test_time.c - the injectable clock, ISO-8601 UTC timestamps, and the time
 * shown to people in Asia/Ho_Chi_Minh (UTC+7, no DST).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "core/core.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

/* 2026-11-27T20:13:00Z */
#define T_2026_11_27_2013 INT64_C(1795810380000)

static void
assert_iso(int64_t ms, const char *want)
{
    char buf[64];
    memset(buf, '#', sizeof(buf));
    eg_time_iso_utc(ms, buf, sizeof(buf));
    assert_string_equal(buf, want);
}

static void
assert_vn(int64_t ms, const char *want)
{
    char buf[64];
    memset(buf, '#', sizeof(buf));
    eg_time_vn(ms, buf, sizeof(buf));
    assert_string_equal(buf, want);
}

static void
test_iso_utc(void **state)
{
    (void)state;
    assert_iso(0, "1970-01-01T00:00:00.000Z");
    assert_iso(T_2026_11_27_2013, "2026-11-27T20:13:00.000Z");
    assert_iso(T_2026_11_27_2013 + 22123, "2026-11-27T20:13:22.123Z");
    assert_iso(T_2026_11_27_2013 + 999, "2026-11-27T20:13:00.999Z");
    assert_iso(INT64_C(951782400000), "2000-02-29T00:00:00.000Z"); /* leap day */
    assert_iso(INT64_C(253402300799999), "9999-12-31T23:59:59.999Z");
}

static void
test_iso_utc_negative(void **state)
{
    (void)state;
    /* Milliseconds before the epoch round towards the past, not towards zero. */
    assert_iso(-1, "1969-12-31T23:59:59.999Z");
    assert_iso(-1000, "1969-12-31T23:59:59.000Z");
    assert_iso(-1001, "1969-12-31T23:59:58.999Z");
    assert_iso(-1500, "1969-12-31T23:59:58.500Z");
    assert_iso(INT64_C(-86400000), "1969-12-31T00:00:00.000Z");
    /* 30/04/1975 11:30 in Saigon, 04:30 UTC */
    assert_iso(INT64_C(168064200000), "1975-04-30T04:30:00.000Z");
}

static void
test_iso_utc_fits_32_bytes(void **state)
{
    (void)state;
    /* core.h: "into buf (at least 32 bytes)". */
    char buf[32];
    eg_time_iso_utc(T_2026_11_27_2013, buf, sizeof(buf));
    assert_string_equal(buf, "2026-11-27T20:13:00.000Z");
    /* A short buffer is cut but still terminated. */
    char small[11];
    memset(small, '#', sizeof(small));
    eg_time_iso_utc(T_2026_11_27_2013, small, sizeof(small));
    assert_string_equal(small, "2026-11-27");
}

static void
test_vn(void **state)
{
    (void)state;
    /* 20:13 UTC is 03:13 the next morning in Vietnam. */
    assert_vn(T_2026_11_27_2013, "28/11/2026 03:13");
    assert_vn(T_2026_11_27_2013 + 59999, "28/11/2026 03:13"); /* seconds dropped */
    assert_vn(0, "01/01/1970 07:00");
    /* New Year: 17:00 UTC on 31/12 is midnight in Hà Nội. */
    assert_vn(INT64_C(1798736400000), "01/01/2027 00:00");
    assert_vn(INT64_C(1798736399999), "31/12/2026 23:59");
    /* No DST: the offset is +7 in January and in July. */
    assert_vn(INT64_C(1783512000000), "08/07/2026 19:00"); /* 2026-07-08T12:00Z */
    assert_vn(INT64_C(1767960000000), "09/01/2026 19:00"); /* 2026-01-09T12:00Z */
    assert_vn(-1, "01/01/1970 06:59");
}

/* The result must not depend on the process's TZ. */
static void
test_vn_ignores_tz(void **state)
{
    (void)state;
    const char *old = getenv("TZ");
    char *saved = old ? strdup(old) : NULL;
    setenv("TZ", "America/New_York", 1);
    tzset();
    char a[32];
    char b[32];
    eg_time_vn(T_2026_11_27_2013, a, sizeof(a));
    eg_time_iso_utc(T_2026_11_27_2013, b, sizeof(b));
    if (saved) {
        setenv("TZ", saved, 1);
        free(saved);
    } else {
        unsetenv("TZ");
    }
    tzset();
    assert_string_equal(a, "28/11/2026 03:13");
    assert_string_equal(b, "2026-11-27T20:13:00.000Z");
}

/* A fixed test clock: "now" is whatever the test says. */
struct fixed {
    int64_t now;
    int calls;
};

static int64_t
fixed_now(void *ctx)
{
    struct fixed *f = ctx;
    f->calls++;
    return f->now;
}

static void
test_fixed_clock(void **state)
{
    (void)state;
    struct fixed f = {T_2026_11_27_2013, 0};
    const struct eg_clock clock = {fixed_now, &f};
    assert_true(eg_clock_now_ms(&clock) == T_2026_11_27_2013);
    assert_int_equal(f.calls, 1);
    char buf[32];
    eg_time_vn(eg_clock_now_ms(&clock), buf, sizeof(buf));
    assert_string_equal(buf, "28/11/2026 03:13");
    /* Advance by 5 days. */
    f.now += INT64_C(5) * 86400 * 1000;
    eg_time_vn(eg_clock_now_ms(&clock), buf, sizeof(buf));
    assert_string_equal(buf, "03/12/2026 03:13");
    assert_int_equal(f.calls, 3);
}

static void
test_system_clock(void **state)
{
    (void)state;
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    int64_t before = (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
    int64_t now = eg_clock_now_ms(&eg_clock_system);
    clock_gettime(CLOCK_REALTIME, &ts);
    int64_t after = (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
    assert_true(now >= before);
    assert_true(now <= after);
    /* Not seconds, not microseconds: some time after 2020. */
    assert_true(now > INT64_C(1577836800000));
}

static void
test_mono(void **state)
{
    (void)state;
    int64_t a = eg_mono_ns();
    struct timespec d = {0, 2000000}; /* 2 ms */
    nanosleep(&d, NULL);
    int64_t b = eg_mono_ns();
    assert_true(b > a);
    assert_true(b - a >= 2000000);
    assert_true(b - a < INT64_C(5000000000));
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_iso_utc),
        cmocka_unit_test(test_iso_utc_negative),
        cmocka_unit_test(test_iso_utc_fits_32_bytes),
        cmocka_unit_test(test_vn),
        cmocka_unit_test(test_vn_ignores_tz),
        cmocka_unit_test(test_fixed_clock),
        cmocka_unit_test(test_system_clock),
        cmocka_unit_test(test_mono),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
