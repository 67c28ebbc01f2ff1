/*
 * processes.c - GET/PUT /api/v1/admin/procedures/{code}/process: how a
 * procedure's dossiers move between units (docs/dossiers.md), kept by the
 * province administrators with the catalogue. A new definition is a new
 * version; dossiers already submitted keep theirs.
 */
#include "api_int.h"

#include "procedures/procedures.h"

#include <stdio.h>
#include <string.h>

static bool
procedure_exists(struct eg_call *c, const char *code)
{
    json_t *doc = NULL;
    enum eg_err rc = strlen(code) > 63 ? EG_ENOTFOUND : eg_procedure_document(c->db, code, 0, &doc);
    json_decref(doc);
    if (rc == EG_ENOTFOUND) {
        eg_resp_error(c->req, 404, "not_found", "Không có thủ tục với mã này.");
        return false;
    }
    if (rc != EG_OK) {
        eg_resp_err(c->req, rc, NULL);
        return false;
    }
    return true;
}

void
eg_api_admin_process(struct eg_call *c, void *ctx)
{
    (void)ctx;
    const char *code = eg_req_param(c->req, "code");
    if (!eg_api_catalogue_keeper(c) || !procedure_exists(c, code))
        return;
    struct eg_tx *tx;
    int64_t id = 0;
    json_t *def = NULL;
    enum eg_err rc = eg_db_begin(c->db, EG_TX_READ, &tx);
    if (rc == EG_OK) {
        rc = eg_process_current(tx, code, &id, &def);
        eg_tx_rollback(tx);
    }
    bool dflt = false;
    if (rc == EG_ENOTFOUND) {
        json_t *doc = NULL;
        rc = eg_procedure_document(c->db, code, 0, &doc);
        int days = (int)json_integer_value(
            json_object_get(json_object_get(doc, "processing"), "working_days"));
        json_decref(doc);
        if (rc == EG_OK)
            rc = eg_process_default(days, &def);
        dflt = true;
    }
    if (rc != EG_OK) {
        eg_resp_err(c->req, rc, NULL);
        return;
    }
    eg_resp_json(c->req, 200,
                 json_pack("{s:s,s:b,s:o}", "procedure", code, "default", dflt, "process", def));
}

void
eg_api_admin_process_put(struct eg_call *c, void *ctx)
{
    (void)ctx;
    const char *code = eg_req_param(c->req, "code");
    if (!eg_api_catalogue_keeper(c) || !procedure_exists(c, code))
        return;
    json_t *def;
    if (eg_api_read_json(c->req, &def) != EG_OK)
        return;
    struct eg_buf msg = EG_BUF_INIT(2048);
    struct eg_tx *tx;
    int version = 0;
    const char *actor =
        eg_arena_printf(eg_req_arena(c->req), "account:%lld", (long long)c->who.account_id);
    enum eg_err rc = eg_db_begin(c->db, EG_TX_WRITE, &tx);
    if (rc == EG_OK) {
        rc = eg_process_put(tx, code, def, actor, c->now_ms, &version, &msg);
        if (rc == EG_OK)
            rc = eg_gate_audit(c, tx, "admin.process.put",
                               eg_arena_printf(eg_req_arena(c->req), "procedure:%s", code), true,
                               eg_arena_printf(eg_req_arena(c->req), "{\"version\":%d}", version));
        if (rc == EG_OK)
            rc = eg_tx_commit(tx);
        else
            eg_tx_rollback(tx);
    }
    if (rc != EG_OK) {
        eg_resp_err(c->req, rc, msg.len ? eg_arena_strdup(eg_req_arena(c->req), msg.p) : NULL);
        eg_buf_release(&msg);
        json_decref(def);
        return;
    }
    eg_buf_release(&msg);
    eg_resp_json(c->req, 200,
                 json_pack("{s:s,s:i,s:o}", "procedure", code, "version", version, "process", def));
}
