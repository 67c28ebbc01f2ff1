/*
 * test_routes.c - the route table is the contract: every route declares a
 * permission, and /api/v1/openapi.json describes every route the server answers.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "api/api.h"

static json_t *
openapi(void)
{
    const struct eg_embedded_file *f = eg_embedded("src/api/openapi.json");
    assert_non_null(f);
    json_t *doc = NULL;
    assert_int_equal(eg_json_parse((const char *)f->data, f->len, &doc, NULL), EG_OK);
    return doc;
}

/* "/static/{path*}" is written "/static/{path}" in OpenAPI. */
static void
openapi_path(const char *pattern, char *out, size_t n)
{
    size_t j = 0;
    for (size_t i = 0; pattern[i] && j + 1 < n; i++)
        if (!(pattern[i] == '*' && pattern[i + 1] == '}'))
            out[j++] = pattern[i];
    out[j] = '\0';
}

static void
test_openapi_is_3_1(void **state)
{
    (void)state;
    json_t *doc = openapi();
    const char *v = json_string_value(json_object_get(doc, "openapi"));
    assert_non_null(v);
    assert_true(strncmp(v, "3.1.", 4) == 0);
    json_decref(doc);
}

static void
test_every_route_documented_and_permitted(void **state)
{
    (void)state;
    struct eg_gate *gate;
    struct eg_gate_config gc = {0};
    assert_int_equal(eg_gate_new(&gc, &gate), EG_OK);
    struct eg_api api = {.gate = gate};
    struct eg_router *r = eg_router_new();
    assert_int_equal(eg_api_register(r, &api), EG_OK);
    assert_true(eg_router_count(r) >= 7);
    json_t *doc = openapi();
    json_t *paths = json_object_get(doc, "paths");
    size_t documented = 0;
    for (size_t i = 0; i < eg_router_count(r); i++) {
        const struct eg_route *rt = eg_router_at(r, i);
        assert_non_null(rt->perm);
        assert_true(rt->perm[0] != '\0');
        assert_non_null(rt->summary);
        if (strncmp(rt->pattern, "/static/", 8) == 0)
            continue; /* files, not API */
        char path[256];
        openapi_path(rt->pattern, path, sizeof(path));
        char method[16];
        size_t k = 0;
        for (; rt->method[k] && k + 1 < sizeof(method); k++)
            method[k] = (char)(rt->method[k] - 'A' + 'a');
        method[k] = '\0';
        json_t *op = json_object_get(json_object_get(paths, path), method);
        if (!op)
            print_error("route %s %s is missing from openapi.json\n", rt->method, rt->pattern);
        assert_non_null(op);
        /* The document states the same permission as the route table. */
        const char *perm = json_string_value(json_object_get(op, "x-egov-permission"));
        if (!perm || strcmp(perm, rt->perm) != 0)
            print_error("route %s %s: openapi.json says permission %s, the table %s\n", rt->method,
                        rt->pattern, perm ? perm : "(none)", rt->perm);
        assert_non_null(perm);
        assert_string_equal(perm, rt->perm);
        documented++;
    }
    /* And nothing documented that the server does not answer. */
    const char *p;
    json_t *item;
    size_t ops = 0;
    json_object_foreach(paths, p, item)
    {
        ops += json_object_size(item);
    }
    assert_int_equal(ops, documented);
    json_decref(doc);
    eg_router_free(r);
    eg_gate_free(gate);
}

/* A route that forgets its permission cannot enter the table. */
static void
noop(struct eg_req *r, void *ctx)
{
    (void)r;
    (void)ctx;
}

static void
test_route_without_permission_refused(void **state)
{
    (void)state;
    struct eg_router *r = eg_router_new();
    struct eg_route bad = {"GET", "/x", noop, NULL, NULL, 0, "x"};
    assert_int_equal(eg_router_add(r, &bad), EG_EINVAL);
    bad.perm = "";
    assert_int_equal(eg_router_add(r, &bad), EG_EINVAL);
    bad.perm = "public";
    assert_int_equal(eg_router_add(r, &bad), EG_OK);
    eg_router_free(r);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_openapi_is_3_1),
        cmocka_unit_test(test_every_route_documented_and_permitted),
        cmocka_unit_test(test_route_without_permission_refused),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
