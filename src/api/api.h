/*
 * api.h - the JSON API under /api/v1/ and the operational endpoints
 * (/healthz, /readyz, /metrics). Thin adapters: they validate input, call the
 * business and shared-service functions, and shape the answer; no business
 * rule lives here. The route table is the contract: each route declares its
 * permission, and /api/v1/openapi.json describes every one of them.
 */
#ifndef EG_API_H
#define EG_API_H

#include "core/core.h"
#include "db/db.h"
#include "dossiers/dossiers.h"
#include "files/files.h"
#include "gate/gate.h"
#include "http/http.h"
#include "identity/identity.h"

struct eg_api {
    struct eg_db *db;
    const struct eg_clock *clock;
    const char *version;
    struct eg_identity *identity;
    struct eg_gate *gate;
    struct eg_files *files;        /* the attachment store; NULL: the file routes answer 503 */
    struct eg_dossiers *dossiers;  /* NULL: the dossier routes answer 503 */
    struct eg_http_server *server; /* set once the server is running; for /metrics */
};

/* Adds every route (API, operations, static files) to r; api must outlive r. */
EG_WUR enum eg_err eg_api_register(struct eg_router *r, struct eg_api *api);

#endif /* EG_API_H */
