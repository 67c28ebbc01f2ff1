/* system.c - health, readiness, metrics and the OpenAPI description. */
#include "api_int.h"

#include "notify/notify.h"

#include <string.h>

void
eg_api_healthz(struct eg_req *r, void *ctx)
{
    (void)ctx;
    static const char body[] = "{\"status\":\"ok\"}\n";
    eg_resp_bytes(r, 200, "application/json", body, sizeof(body) - 1);
}

void
eg_api_readyz(struct eg_req *r, void *ctx)
{
    struct eg_api *api = ctx;
    enum eg_err rc = eg_db_ping(api->db);
    if (rc != EG_OK) {
        eg_warn("readyz: the database does not answer: %s", eg_strerror(rc));
        eg_resp_header(r, "Retry-After", "5");
        eg_resp_json(r, 503,
                     json_pack("{s:s, s:s}", "status", "unavailable", "database", eg_err_code(rc)));
        return;
    }
    eg_resp_json(r, 200, json_pack("{s:s, s:s}", "status", "ready", "database", "ok"));
}

void
eg_api_metrics(struct eg_req *r, void *ctx)
{
    struct eg_api *api = ctx;
    struct eg_buf b = EG_BUF_INIT(4 << 20);
    enum eg_err rc = eg_buf_printf(&b,
                                   "# HELP egov_build_info The running egov.\n"
                                   "# TYPE egov_build_info gauge\n"
                                   "egov_build_info{version=\"%s\"} 1\n",
                                   api->version);
    if (rc == EG_OK && api->server)
        rc = eg_http_metrics(api->server, &b);
    if (rc == EG_OK)
        rc = eg_db_metrics(api->db, &b);
    if (rc == EG_OK)
        rc = eg_notify_metrics(api->db, &b);
    if (rc == EG_OK && api->identity)
        rc = eg_buf_printf(&b,
                           "# HELP egov_hash_pool_load Password hashes running or waiting.\n"
                           "# TYPE egov_hash_pool_load gauge\n"
                           "egov_hash_pool_load %d\n",
                           eg_identity_pool_load(api->identity));
    if (rc != EG_OK) {
        eg_buf_release(&b);
        eg_resp_err(r, rc, NULL);
        return;
    }
    eg_resp_bytes(r, 200, "text/plain; version=0.0.4; charset=utf-8", b.p, b.len);
    eg_buf_release(&b);
}

void
eg_api_openapi(struct eg_req *r, void *ctx)
{
    (void)ctx;
    const struct eg_embedded_file *f = eg_embedded("src/api/openapi.json");
    if (!f) {
        eg_resp_err(r, EG_EINTERNAL, NULL);
        return;
    }
    eg_resp_header(r, "Cache-Control", "public, max-age=300");
    eg_resp_bytes(r, 200, "application/json", f->data, f->len);
}
