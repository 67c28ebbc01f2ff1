/*
 * test_router.c - the route table: literal segments beat captures whatever
 * the order of eg_router_add, {name} and {name*} captures, 404 versus 405
 * with an Allow list (GET implies HEAD), and the routes eg_router_add refuses
 * (no permission declared, malformed patterns).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "http/http.h"

#include <stdio.h>
#include <string.h>

static void
h_list(struct eg_req *r, void *ctx)
{
    (void)r;
    (void)ctx;
}

static void
h_other(struct eg_req *r, void *ctx)
{
    (void)r;
    (void)ctx;
}

struct result {
    enum eg_match m;
    size_t idx;
    struct eg_param params[EG_ROUTE_MAX_PARAMS];
    size_t nparams;
    char allow[256];
};

/* Matches a path like "/a/b" (split on '/', no decoding). */
static struct result
match(const struct eg_router *r, const char *method, const char *path)
{
    static char copy[1024];
    const char *segs[64];
    size_t n = 0;
    snprintf(copy, sizeof(copy), "%s", path + 1);
    if (copy[0]) {
        char *p = copy;
        for (;;) {
            segs[n++] = p;
            char *slash = strchr(p, '/');
            if (!slash)
                break;
            *slash = '\0';
            p = slash + 1;
        }
    }
    struct result res;
    memset(&res, 0, sizeof(res));
    res.idx = (size_t)-1;
    struct eg_buf allow = EG_BUF_INIT(256);
    res.m = eg_router_match(r, method, segs, n, &res.idx, res.params, &res.nparams, &allow);
    snprintf(res.allow, sizeof(res.allow), "%s", eg_buf_str(&allow));
    eg_buf_release(&allow);
    return res;
}

static const char *
param(const struct result *res, const char *name)
{
    for (size_t i = 0; i < res->nparams; i++)
        if (strcmp(res->params[i].name, name) == 0)
            return res->params[i].value;
    return NULL;
}

static void
add(struct eg_router *r, const char *method, const char *pattern, const char *perm)
{
    struct eg_route rt = {method, pattern, h_list, NULL, perm, 0, "test"};
    enum eg_err rc = eg_router_add(r, &rt);
    if (rc != EG_OK)
        fail_msg("eg_router_add %s %s: %s", method, pattern, eg_strerror(rc));
}

/* The table of src/api/routes.c, more or less, in an order that puts captures first. */
static struct eg_router *
api_router(bool literal_first)
{
    struct eg_router *r = eg_router_new();
    assert_non_null(r);
    add(r, "GET", "/", "public");
    add(r, "GET", "/api/v1/org-units", "public");
    add(r, "POST", "/api/v1/org-units", "directory.write");
    if (literal_first)
        add(r, "GET", "/api/v1/org-units/new", "directory.write");
    add(r, "GET", "/api/v1/org-units/{code}", "public");
    add(r, "DELETE", "/api/v1/org-units/{code}", "directory.write");
    if (!literal_first)
        add(r, "GET", "/api/v1/org-units/new", "directory.write");
    add(r, "GET", "/api/v1/org-units/{code}/children", "public");
    add(r, "GET", "/static/{path*}", "public");
    add(r, "PUT", "/api/v1/settings/{key}", "admin");
    add(r, "PATCH", "/api/v1/settings/{key}", "admin");
    return r;
}

static int
router_setup(void **state)
{
    *state = api_router(false);
    return 0;
}

static int
router_teardown(void **state)
{
    eg_router_free(*state);
    return 0;
}

#define T(f) cmocka_unit_test_setup_teardown(f, router_setup, router_teardown)

static void
test_count_and_at(void **state)
{
    struct eg_router *r = *state;
    assert_int_equal(eg_router_count(r), 10);
    const struct eg_route *rt = eg_router_at(r, 0);
    assert_non_null(rt);
    assert_string_equal(rt->method, "GET");
    assert_string_equal(rt->pattern, "/");
    assert_string_equal(rt->perm, "public");
    assert_ptr_equal(rt->fn, h_list);
    assert_null(eg_router_at(r, 10));
    assert_null(eg_router_at(r, (size_t)-1));
    eg_router_free(NULL); /* NULL-safe */
}

static void
test_literal_beats_capture(void **state)
{
    for (int order = 0; order < 2; order++) {
        struct eg_router *r = order ? api_router(true) : *state;
        struct result res = match(r, "GET", "/api/v1/org-units/new");
        assert_int_equal(res.m, EG_MATCH_OK);
        assert_string_equal(eg_router_at(r, res.idx)->pattern, "/api/v1/org-units/new");
        assert_int_equal(res.nparams, 0);
        /* HEAD too. */
        res = match(r, "HEAD", "/api/v1/org-units/new");
        assert_int_equal(res.m, EG_MATCH_OK);
        assert_string_equal(eg_router_at(r, res.idx)->pattern, "/api/v1/org-units/new");
        if (order)
            eg_router_free(r);
    }
}

static void
test_captures(void **state)
{
    struct eg_router *r = *state;
    struct result res = match(r, "GET", "/api/v1/org-units/000.00.00.H41");
    assert_int_equal(res.m, EG_MATCH_OK);
    assert_string_equal(eg_router_at(r, res.idx)->pattern, "/api/v1/org-units/{code}");
    assert_int_equal(res.nparams, 1);
    assert_string_equal(res.params[0].name, "code");
    assert_string_equal(param(&res, "code"), "000.00.00.H41");

    res = match(r, "GET", "/api/v1/org-units/000.00.05.H41/children");
    assert_int_equal(res.m, EG_MATCH_OK);
    assert_string_equal(eg_router_at(r, res.idx)->pattern, "/api/v1/org-units/{code}/children");
    assert_string_equal(param(&res, "code"), "000.00.05.H41");

    res = match(r, "DELETE", "/api/v1/org-units/x");
    assert_int_equal(res.m, EG_MATCH_OK);
    assert_string_equal(eg_router_at(r, res.idx)->method, "DELETE");

    res = match(r, "GET", "/");
    assert_int_equal(res.m, EG_MATCH_OK);
    assert_string_equal(eg_router_at(r, res.idx)->pattern, "/");
    assert_int_equal(res.nparams, 0);
}

static void
test_empty_segment_not_captured(void **state)
{
    struct eg_router *r = *state;
    const char *segs[] = {"api", "v1", "org-units", ""};
    size_t idx, np;
    struct eg_param params[EG_ROUTE_MAX_PARAMS];
    assert_int_equal(eg_router_match(r, "GET", segs, 4, &idx, params, &np, NULL), EG_MATCH_NO_PATH);
}

static void
test_rest_capture(void **state)
{
    struct eg_router *r = *state;
    struct result res = match(r, "GET", "/static/css/site.css");
    assert_int_equal(res.m, EG_MATCH_OK);
    assert_string_equal(eg_router_at(r, res.idx)->pattern, "/static/{path*}");
    assert_int_equal(res.nparams, 1);
    assert_string_equal(res.params[0].name, "path");
    /* The value is the first segment of the rest; the caller walks the segments. */
    assert_string_equal(param(&res, "path"), "css");
    res = match(r, "GET", "/static/logo.svg");
    assert_int_equal(res.m, EG_MATCH_OK);
    assert_string_equal(param(&res, "path"), "logo.svg");
    /* The rest holds at least one segment. */
    res = match(r, "GET", "/static");
    assert_int_equal(res.m, EG_MATCH_NO_PATH);
    /* Deep rests are fine. */
    res = match(r, "GET", "/static/a/b/c/d/e/f/g/h/i/j/k/l/m/n/o/p/q/r/s/t");
    assert_int_equal(res.m, EG_MATCH_OK);
    res = match(r, "POST", "/static/a/b");
    assert_int_equal(res.m, EG_MATCH_NO_METHOD);
    assert_string_equal(res.allow, "GET, HEAD");
}

static void
test_404(void **state)
{
    struct eg_router *r = *state;
    static const char *const paths[] = {
        "/nope",
        "/api",
        "/api/v1",
        "/api/v1/org-units/x/y",
        "/api/v1/org-units/x/children/z",
        "/API/v1/org-units",
        "/api/v1/org-units/x/Children",
    };
    for (size_t i = 0; i < EG_ARRAY_LEN(paths); i++) {
        struct result res = match(r, "GET", paths[i]);
        if (res.m != EG_MATCH_NO_PATH)
            fail_msg("GET %s: expected no path, got %d", paths[i], res.m);
        assert_string_equal(res.allow, "");
    }
}

static void
test_405_allow(void **state)
{
    struct eg_router *r = *state;
    struct result res = match(r, "PUT", "/api/v1/org-units");
    assert_int_equal(res.m, EG_MATCH_NO_METHOD);
    assert_string_equal(res.allow, "GET, HEAD, POST");

    res = match(r, "POST", "/api/v1/org-units/000.00.00.H41");
    assert_int_equal(res.m, EG_MATCH_NO_METHOD);
    assert_string_equal(res.allow, "GET, HEAD, DELETE");

    res = match(r, "GET", "/api/v1/settings/x");
    assert_int_equal(res.m, EG_MATCH_NO_METHOD);
    assert_string_equal(res.allow, "PUT, PATCH");
    res = match(r, "HEAD", "/api/v1/settings/x");
    assert_int_equal(res.m, EG_MATCH_NO_METHOD);
    assert_string_equal(res.allow, "PUT, PATCH");

    /* Methods are case-sensitive (RFC 9110). */
    res = match(r, "get", "/api/v1/org-units");
    assert_int_equal(res.m, EG_MATCH_NO_METHOD);

    /* HEAD is answered by GET routes; a POST-only path is no HEAD. */
    res = match(r, "HEAD", "/api/v1/org-units");
    assert_int_equal(res.m, EG_MATCH_OK);
    assert_string_equal(eg_router_at(r, res.idx)->method, "GET");

    /* allow is optional. */
    size_t idx, np;
    struct eg_param params[EG_ROUTE_MAX_PARAMS];
    const char *segs[] = {"api", "v1", "org-units"};
    assert_int_equal(eg_router_match(r, "PUT", segs, 3, &idx, params, &np, NULL),
                     EG_MATCH_NO_METHOD);
}

static void
test_route_without_permission_refused(void **state)
{
    (void)state;
    struct eg_router *r = eg_router_new();
    struct eg_route rt = {"GET", "/a", h_list, NULL, NULL, 0, "no perm"};
    assert_int_equal(eg_router_add(r, &rt), EG_EINVAL);
    rt.perm = "";
    assert_int_equal(eg_router_add(r, &rt), EG_EINVAL);
    rt.perm = "public";
    rt.fn = NULL;
    assert_int_equal(eg_router_add(r, &rt), EG_EINVAL);
    rt.fn = h_other;
    rt.method = NULL;
    assert_int_equal(eg_router_add(r, &rt), EG_EINVAL);
    assert_int_equal(eg_router_count(r), 0);
    rt.method = "GET";
    assert_int_equal(eg_router_add(r, &rt), EG_OK);
    assert_int_equal(eg_router_count(r), 1);
    eg_router_free(r);
}

static void
test_bad_patterns_refused(void **state)
{
    (void)state;
    static const char *const bad[] = {
        "",    "a",    "a/b",     "/a//b",   "//",
        "/{}", "/{*}", "/{x*}/b", "/a{b}",   "/{a}b",
        "/a}", "/{a",  "/{a/b}",  "/x/{}/y", "/{0123456789012345678901234567890123456789}",
    };
    struct eg_router *r = eg_router_new();
    for (size_t i = 0; i < EG_ARRAY_LEN(bad); i++) {
        struct eg_route rt = {"GET", bad[i], h_list, NULL, "public", 0, "bad"};
        enum eg_err rc = eg_router_add(r, &rt);
        if (rc == EG_OK)
            fail_msg("pattern \"%s\" accepted", bad[i]);
    }
    struct eg_route rt = {"GET", NULL, h_list, NULL, "public", 0, "bad"};
    assert_int_not_equal(eg_router_add(r, &rt), EG_OK);
    /* Too many segments. */
    char deep[256] = "";
    size_t n = 0;
    for (int i = 0; i < 17; i++)
        n += (size_t)snprintf(deep + n, sizeof(deep) - n, "/s%d", i);
    rt.pattern = deep;
    assert_int_not_equal(eg_router_add(r, &rt), EG_OK);
    assert_int_equal(eg_router_count(r), 0);
    /* 16 segments are fine, and a 31-byte capture name. */
    deep[strlen(deep) - 4] = '\0';
    assert_int_equal(eg_router_add(r, &rt), EG_OK);
    rt.pattern = "/{abcdefghijabcdefghijabcdefghij1}";
    assert_int_equal(eg_router_add(r, &rt), EG_OK);
    assert_int_equal(eg_router_count(r), 2);
    eg_router_free(r);
}

/* More captures than EG_ROUTE_MAX_PARAMS: the extra are dropped, never overflowed. */
static void
test_many_captures(void **state)
{
    (void)state;
    struct eg_router *r = eg_router_new();
    /* More captures than a request can carry: refused, not silently cut. */
    struct eg_route too_many = {
        "GET", "/{a}/{b}/{c}/{d}/{e}/{f}/{g}/{h}/{i}/{j}", h_list, NULL, "public", 0, "test"};
    assert_int_equal(eg_router_add(r, &too_many), EG_ETOOBIG);
    /* Exactly the limit: every capture arrives. */
    add(r, "GET", "/{a}/{b}/{c}/{d}/{e}/{f}/{g}/{h}", "public");
    struct eg_param params[EG_ROUTE_MAX_PARAMS + 1];
    params[EG_ROUTE_MAX_PARAMS].name = "canary";
    const char *segs[] = {"1", "2", "3", "4", "5", "6", "7", "8"};
    size_t idx, np;
    assert_int_equal(eg_router_match(r, "GET", segs, 8, &idx, params, &np, NULL), EG_MATCH_OK);
    assert_int_equal(np, EG_ROUTE_MAX_PARAMS);
    assert_string_equal(params[0].value, "1");
    assert_string_equal(params[7].value, "8");
    assert_string_equal(params[EG_ROUTE_MAX_PARAMS].name, "canary");
    eg_router_free(r);
}

/* Many routes: the table grows and all stay reachable. */
static void
test_many_routes(void **state)
{
    (void)state;
    struct eg_router *r = eg_router_new();
    static char patterns[300][32];
    for (int i = 0; i < 300; i++) {
        snprintf(patterns[i], sizeof(patterns[i]), "/r%d/{id}", i);
        add(r, i % 2 ? "POST" : "GET", patterns[i], "public");
    }
    assert_int_equal(eg_router_count(r), 300);
    for (int i = 0; i < 300; i += 37) {
        char path[64];
        snprintf(path, sizeof(path), "/r%d/x", i);
        struct result res = match(r, i % 2 ? "POST" : "GET", path);
        assert_int_equal(res.m, EG_MATCH_OK);
        assert_int_equal(res.idx, (size_t)i);
    }
    eg_router_free(r);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        T(test_count_and_at),
        T(test_literal_beats_capture),
        T(test_captures),
        T(test_empty_segment_not_captured),
        T(test_rest_capture),
        T(test_404),
        T(test_405_allow),
        cmocka_unit_test(test_route_without_permission_refused),
        cmocka_unit_test(test_bad_patterns_refused),
        cmocka_unit_test(test_many_captures),
        cmocka_unit_test(test_many_routes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
