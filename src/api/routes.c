/* routes.c - the route table: every route, its permission, and its handler. */
#include "api_int.h"

#include <string.h>
#include <strings.h>

#define KiB ((size_t)1024)

enum eg_err
eg_api_register(struct eg_router *r, struct eg_api *api)
{
    const struct eg_route routes[] = {
        {"GET", "/healthz", eg_api_healthz, api, "public", 0, "Liveness: the process answers"},
        {"GET", "/readyz", eg_api_readyz, api, "public", 0, "Readiness: the database answers"},
        {"GET", "/metrics", eg_api_metrics, api, "public", 0, "Prometheus metrics"},
        {"GET", "/api/v1/openapi.json", eg_api_openapi, api, "public", 0,
         "This API described in OpenAPI 3.1"},
        {"GET", "/api/v1/org-units", eg_api_org_units, api, "public", 0,
         "Public directory of agencies, searchable without diacritics"},
        {"GET", "/api/v1/org-units/{code}", eg_api_org_unit, api, "public", 0,
         "One agency by its QCVN 102 code"},
        {"POST", "/api/v1/agency-codes/parse", eg_api_agency_codes, api, "public", 64 * KiB,
         "Validate and decode QCVN 102 agency codes"},
        {"GET", "/static/{path*}", eg_http_static, NULL, "public", 0, "Static files"},
    };
    for (size_t i = 0; i < EG_ARRAY_LEN(routes); i++) {
        enum eg_err rc = eg_router_add(r, &routes[i]);
        if (rc != EG_OK)
            return rc;
    }
    return EG_OK;
}

enum eg_err
eg_api_read_json(struct eg_req *r, json_t **out)
{
    *out = NULL;
    const char *ct = eg_req_header(r, "Content-Type");
    size_t tn = ct ? strcspn(ct, "; \t") : 0;
    if (!ct || tn != 16 || strncasecmp(ct, "application/json", 16) != 0) {
        eg_resp_error(r, 415, "unsupported_media_type",
                      "Nội dung phải có Content-Type: application/json.");
        return EG_EINVAL;
    }
    struct eg_str body = eg_req_body(r);
    struct eg_buf msg = EG_BUF_INIT(512);
    enum eg_err rc = eg_json_parse(body.p, body.n, out, &msg);
    if (rc != EG_OK)
        eg_resp_error(r, 400, "invalid_json",
                      msg.len ? eg_arena_strdup(eg_req_arena(r), msg.p) : NULL);
    else if (!json_is_object(*out)) {
        json_decref(*out);
        *out = NULL;
        rc = EG_EINVAL;
        eg_resp_error(r, 400, "invalid_json", "Nội dung phải là một đối tượng JSON.");
    }
    eg_buf_release(&msg);
    return rc;
}

enum eg_err
eg_api_query_int(struct eg_req *r, const char *name, long long min, long long max, long long def,
                 long long *out)
{
    const char *s = eg_req_query(r, name);
    *out = def;
    if (!s)
        return EG_OK;
    if (eg_parse_i64(s, min, max, out) != EG_OK) {
        const char *m = eg_arena_printf(
            eg_req_arena(r), "Tham số \"%s\" phải là số nguyên từ %lld đến %lld.", name, min, max);
        eg_resp_error(r, 400, "invalid_argument", m);
        return EG_EINVAL;
    }
    return EG_OK;
}
