/*
 * test_url.c - request targets (eg_url_parse) and form pairs (eg_form_parse):
 * path segments, percent-decoding with Vietnamese UTF-8, and every refusal the
 * header promises (RELIABILITY B1/C3: no traversal, no control characters, no
 * invalid UTF-8, bounded counts).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "http/http.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int
arena_setup(void **state)
{
    *state = eg_arena_new(4096, 1 << 20);
    return *state ? 0 : -1;
}

static int
arena_teardown(void **state)
{
    eg_arena_free(*state);
    return 0;
}

#define T(f) cmocka_unit_test_setup_teardown(f, arena_setup, arena_teardown)

static struct eg_url
parse_ok(struct eg_arena *a, const char *target)
{
    struct eg_url u;
    struct eg_buf msg = EG_BUF_INIT(1024);
    enum eg_err rc = eg_url_parse(a, target, strlen(target), &u, &msg);
    if (rc != EG_OK)
        fail_msg("eg_url_parse(\"%s\"): %s: %s", target, eg_strerror(rc), eg_buf_str(&msg));
    eg_buf_release(&msg);
    return u;
}

/* Refused with EG_EINVAL and a message (valid UTF-8, one line). */
static void
refused_n(struct eg_arena *a, const char *target, size_t n)
{
    struct eg_url u;
    memset(&u, 0x5a, sizeof(u));
    struct eg_buf msg = EG_BUF_INIT(1024);
    enum eg_err rc = eg_url_parse(a, target, n, &u, &msg);
    if (rc != EG_EINVAL)
        fail_msg("eg_url_parse(\"%.*s\") = %s, expected EG_EINVAL", (int)n, target,
                 eg_strerror(rc));
    assert_true(msg.len > 0);
    assert_true(eg_utf8_valid(msg.p, msg.len));
    assert_null(strchr(msg.p, '\n'));
    eg_buf_release(&msg);
    assert_int_equal(u.nquery, 0);
    /* And without a message buffer. */
    assert_int_equal(eg_url_parse(a, target, n, &u, NULL), EG_EINVAL);
}

static void
refused(struct eg_arena *a, const char *target)
{
    refused_n(a, target, strlen(target));
}

static void
assert_segs(const struct eg_url *u, size_t n, ...)
{
    assert_int_equal(u->nsegs, n);
    va_list ap;
    va_start(ap, n);
    for (size_t i = 0; i < n; i++)
        assert_string_equal(u->segs[i], va_arg(ap, const char *));
    va_end(ap);
}

/* ---- paths ------------------------------------------------------------------------- */

static void
test_root(void **state)
{
    struct eg_url u = parse_ok(*state, "/");
    assert_int_equal(u.nsegs, 0);
    assert_string_equal(u.path, "/");
    assert_int_equal(u.nquery, 0);
    u = parse_ok(*state, "/?");
    assert_int_equal(u.nsegs, 0);
    assert_string_equal(u.path, "/");
    assert_int_equal(u.nquery, 0);
}

static void
test_normal_paths(void **state)
{
    struct eg_url u = parse_ok(*state, "/api/v1/org-units");
    assert_segs(&u, 3, "api", "v1", "org-units");
    assert_string_equal(u.path, "/api/v1/org-units");
    u = parse_ok(*state, "/api/v1/org-units/000.00.00.H41");
    assert_segs(&u, 4, "api", "v1", "org-units", "000.00.00.H41");
    /* Dots inside a name are fine; only "." and ".." are refused. */
    u = parse_ok(*state, "/static/css/site.min.css");
    assert_segs(&u, 3, "static", "css", "site.min.css");
    u = parse_ok(*state, "/.well-known/x/...");
    assert_segs(&u, 3, ".well-known", "x", "...");
}

static void
test_trailing_slash(void **state)
{
    struct eg_url u = parse_ok(*state, "/api/v1/");
    assert_segs(&u, 2, "api", "v1");
    assert_string_equal(u.path, "/api/v1/");
    u = parse_ok(*state, "/a/?x=1");
    assert_segs(&u, 1, "a");
    assert_string_equal(u.path, "/a/");
    assert_int_equal(u.nquery, 1);
}

static void
test_percent_decoding(void **state)
{
    struct eg_url u = parse_ok(*state, "/a%20b/%41%42c");
    assert_segs(&u, 2, "a b", "ABc");
    assert_string_equal(u.path, "/a b/ABc");
    /* Vietnamese in UTF-8: á = C3 A1, ỉ = E1 BB 89, Đ = C4 90; hex in either case. */
    u = parse_ok(*state, "/t%E1%BB%89nh/Ngh%e1%bb%87%20An/%C3%A1/%c4%90%C3%A0%20N%E1%BA%B5ng");
    assert_segs(&u, 4, "tỉnh", "Nghệ An", "á", "Đà Nẵng");
    assert_string_equal(u.path, "/tỉnh/Nghệ An/á/Đà Nẵng");
    /* Raw UTF-8 is accepted as it is. */
    u = parse_ok(*state, "/tỉnh");
    assert_segs(&u, 1, "tỉnh");
    /* Encoded characters that are not special in a segment. */
    u = parse_ok(*state, "/a%3Fb/c%23d/e%25f");
    assert_segs(&u, 3, "a?b", "c#d", "e%f");
}

static void
test_plus(void **state)
{
    /* '+' is a plus in the path, a space in the query (form encoding). */
    struct eg_url u = parse_ok(*state, "/a+b/c%2Bd?q=a+b&r=c%2Bd&s+t=1");
    assert_segs(&u, 2, "a+b", "c+d");
    assert_int_equal(u.nquery, 3);
    assert_string_equal(u.query[0].key, "q");
    assert_string_equal(u.query[0].value, "a b");
    assert_string_equal(u.query[1].value, "c+d");
    assert_string_equal(u.query[2].key, "s t");
}

static void
test_traversal_refused(void **state)
{
    static const char *const bad[] = {
        "/.",
        "/..",
        "/a/./b",
        "/a/../b",
        "/a/..",
        "/%2e",
        "/%2E%2E",
        "/%2e%2e/etc",
        "/a/.%2e/b",
        "/a/%2e./b",
        "/a%2Fb",
        "/a%2fb",
        "/%2F",
        "/static/..%2Fetc%2Fpasswd",
        "/../../../etc/passwd",
    };
    for (size_t i = 0; i < EG_ARRAY_LEN(bad); i++)
        refused(*state, bad[i]);
}

static void
test_control_characters_refused(void **state)
{
    static const char *const bad[] = {
        "/a%00b", "/%00",  "/a%01", "/a%1F",  "/a%1f",    "/a%7F",    "/a%0D%0Ab",  "/a%09",
        "/a\tb",  "/a\rb", "/a\nb", "/a\x7f", "/a?x=%00", "/a?x=%0A", "/a?x\x01=1", "/a?%00=1",
    };
    for (size_t i = 0; i < EG_ARRAY_LEN(bad); i++)
        refused(*state, bad[i]);
    /* A raw NUL inside the given length. */
    refused_n(*state, "/a\0b", 4);
    refused_n(*state, "/a?x=\0", 6);
}

static void
test_invalid_utf8_refused(void **state)
{
    static const char *const bad[] = {
        "/%C3",          /* truncated */
        "/%C3%28",       /* bad continuation */
        "/%FF",          /* never valid */
        "/%C0%AF",       /* overlong '/' */
        "/%E0%80%AF",    /* overlong '/' */
        "/%ED%A0%80",    /* surrogate */
        "/%F4%90%80%80", /* above U+10FFFF */
        "/a\xff",        /* raw */
        "/a?q=%C3",      /* in the query */
        "/a?%FF=1",
    };
    for (size_t i = 0; i < EG_ARRAY_LEN(bad); i++)
        refused(*state, bad[i]);
}

static void
test_bad_escapes_refused(void **state)
{
    static const char *const bad[] = {
        "/%",       "/%4",    "/%zz",  "/a%g1",  "/a%1g",   "/%%41", "/a%",   "/a%?x=1",
        "/a%4?x=1", "/a%4/b", "/?x=%", "/?x=%4", "/?x=%zz", "/?%=1", "/% 41",
    };
    for (size_t i = 0; i < EG_ARRAY_LEN(bad); i++)
        refused(*state, bad[i]);
}

/* The length given is the end: nothing past it is read as part of an escape. */
static void
test_length_bounds(void **state)
{
    refused_n(*state, "/a%41", 4); /* "/a%4" */
    refused_n(*state, "/a%41", 3); /* "/a%" */
    struct eg_url u;
    assert_int_equal(eg_url_parse(*state, "/ab/cd", 3, &u, NULL), EG_OK);
    assert_segs(&u, 1, "ab");
    assert_int_equal(eg_url_parse(*state, "/a?x=1&y=2", 6, &u, NULL), EG_OK);
    assert_int_equal(u.nquery, 1);
    assert_string_equal(u.query[0].value, "1");
    /* Even "%" as the very last byte of a buffer with no NUL after it. */
    char *heap = malloc(3);
    assert_non_null(heap);
    memcpy(heap, "/a%", 3);
    refused_n(*state, heap, 3);
    memcpy(heap, "/%4", 3);
    refused_n(*state, heap, 3);
    free(heap);
}

static void
test_start_and_fragment_refused(void **state)
{
    static const char *const bad[] = {
        "a/b", "api", "*", "http://example.vn/a", "?x=1", " /a", "/a#b", "/a?x=1#f", "/#", "#",
    };
    for (size_t i = 0; i < EG_ARRAY_LEN(bad); i++)
        refused(*state, bad[i]);
    refused_n(*state, "", 0);
}

static void
test_segment_limit(void **state)
{
    char t[512];
    size_t n = 0;
    for (int i = 0; i < EG_URL_MAX_SEGS; i++)
        n += (size_t)snprintf(t + n, sizeof(t) - n, "/s%d", i);
    struct eg_url u = parse_ok(*state, t);
    assert_int_equal(u.nsegs, EG_URL_MAX_SEGS);
    assert_string_equal(u.segs[EG_URL_MAX_SEGS - 1], "s31");
    /* A trailing slash is no extra segment. */
    snprintf(t + n, sizeof(t) - n, "/");
    u = parse_ok(*state, t);
    assert_int_equal(u.nsegs, EG_URL_MAX_SEGS);
    snprintf(t + n, sizeof(t) - n, "/x");
    refused(*state, t);
}

static void
test_empty_segments(void **state)
{
    /* "//" keeps an empty segment; the router refuses empty captures. */
    struct eg_url u = parse_ok(*state, "/a//b");
    assert_segs(&u, 3, "a", "", "b");
    assert_string_equal(u.path, "/a//b");
}

/* ---- query strings ------------------------------------------------------------------- */

static void
test_query_pairs(void **state)
{
    struct eg_url u = parse_ok(*state, "/s?q=ph%C6%B0%E1%BB%9Dng+Vinh&page=2&flag&empty=&=v&a=b=c");
    assert_segs(&u, 1, "s");
    assert_string_equal(u.path, "/s");
    assert_int_equal(u.nquery, 6);
    assert_string_equal(u.query[0].key, "q");
    assert_string_equal(u.query[0].value, "phường Vinh");
    assert_string_equal(u.query[1].key, "page");
    assert_string_equal(u.query[1].value, "2");
    assert_string_equal(u.query[2].key, "flag");
    assert_string_equal(u.query[2].value, "");
    assert_string_equal(u.query[3].key, "empty");
    assert_string_equal(u.query[3].value, "");
    assert_string_equal(u.query[4].key, "");
    assert_string_equal(u.query[4].value, "v");
    assert_string_equal(u.query[5].key, "a");
    assert_string_equal(u.query[5].value, "b=c");
}

static void
test_query_empty_pairs_skipped(void **state)
{
    struct eg_url u = parse_ok(*state, "/s?&&a=1&&b=2&");
    assert_int_equal(u.nquery, 2);
    assert_string_equal(u.query[0].key, "a");
    assert_string_equal(u.query[1].key, "b");
    u = parse_ok(*state, "/s?a=1&a=2");
    assert_int_equal(u.nquery, 2);
    assert_string_equal(u.query[0].value, "1");
    assert_string_equal(u.query[1].value, "2");
    /* A '?' after the first belongs to the query. */
    u = parse_ok(*state, "/s?a=?&b?=1");
    assert_int_equal(u.nquery, 2);
    assert_string_equal(u.query[0].value, "?");
    assert_string_equal(u.query[1].key, "b?");
}

static void
test_query_limit(void **state)
{
    char t[2048];
    size_t n = (size_t)snprintf(t, sizeof(t), "/s?");
    for (int i = 0; i < EG_URL_MAX_QUERY; i++)
        n += (size_t)snprintf(t + n, sizeof(t) - n, "%sk%d=%d", i ? "&" : "", i, i);
    struct eg_url u = parse_ok(*state, t);
    assert_int_equal(u.nquery, EG_URL_MAX_QUERY);
    assert_string_equal(u.query[EG_URL_MAX_QUERY - 1].key, "k63");
    snprintf(t + n, sizeof(t) - n, "&k64=64");
    refused(*state, t);
}

static void
test_form_parse(void **state)
{
    struct eg_kv *kv = NULL;
    size_t count = 99;
    struct eg_buf msg = EG_BUF_INIT(1024);
    const char *body = "ho_ten=Nguy%E1%BB%85n+V%C4%83n+A&cccd=001099012345";
    assert_int_equal(eg_form_parse(*state, body, strlen(body), &kv, &count, 10, &msg), EG_OK);
    assert_int_equal(count, 2);
    assert_string_equal(kv[0].key, "ho_ten");
    assert_string_equal(kv[0].value, "Nguyễn Văn A");
    assert_string_equal(kv[1].value, "001099012345");
    /* Empty input: no pairs. */
    assert_int_equal(eg_form_parse(*state, "", 0, &kv, &count, 10, &msg), EG_OK);
    assert_int_equal(count, 0);
    /* Too many for max. */
    assert_int_equal(eg_form_parse(*state, "a=1&b=2&c=3", 11, &kv, &count, 2, &msg), EG_EINVAL);
    assert_true(msg.len > 0);
    assert_int_equal(count, 0);
    assert_null(kv);
    /* Not NUL-terminated: only n bytes count. */
    assert_int_equal(eg_form_parse(*state, "a=1&b=2", 3, &kv, &count, 10, NULL), EG_OK);
    assert_int_equal(count, 1);
    assert_string_equal(kv[0].value, "1");
    eg_buf_release(&msg);
}

/* An arena too small for the request is a limit, not a crash. */
static void
test_arena_limit(void **state)
{
    (void)state;
    struct eg_arena *a = eg_arena_new(256, 256);
    assert_non_null(a);
    char t[4096];
    size_t n = 0;
    for (int i = 0; i < 30; i++)
        n += (size_t)snprintf(t + n, sizeof(t) - n, "/segment-number-%02d", i);
    struct eg_url u;
    enum eg_err rc = eg_url_parse(a, t, n, &u, NULL);
    assert_true(rc == EG_ETOOBIG || rc == EG_OK);
    eg_arena_free(a);
}

/*
 * C1 control characters (U+0080..U+009F, category Cc like %00..%1F) are
 * control characters too; U+009B is a terminal CSI. The header promises to
 * refuse "%00 or other control characters"; today only C0 and DEL are.
 */
static void
test_c1_controls_refused(void **state)
{
    refused(*state, "/a%C2%9B31mb");
    refused(*state, "/a%C2%80");
    refused(*state, "/a?x=%C2%85");
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        T(test_root),
        T(test_normal_paths),
        T(test_trailing_slash),
        T(test_percent_decoding),
        T(test_plus),
        T(test_traversal_refused),
        T(test_control_characters_refused),
        T(test_invalid_utf8_refused),
        T(test_bad_escapes_refused),
        T(test_length_bounds),
        T(test_start_and_fragment_refused),
        T(test_segment_limit),
        T(test_empty_segments),
        T(test_query_pairs),
        T(test_query_empty_pairs_skipped),
        T(test_query_limit),
        T(test_form_parse),
        T(test_arena_limit),
        T(test_c1_controls_refused),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
