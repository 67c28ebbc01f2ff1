/*
 * gate.h - the front door every API route and page goes through.
 *
 * Before a handler runs, the gate works out who is calling (the session
 * cookie, or an "Authorization: Bearer" API token), refuses a state-changing
 * request without its CSRF token, keeps a session that still owes its second
 * factor out of everything but that step, checks an API token's scope, and
 * decides the route's declared permission with access/. Denials are audited.
 * Handlers that act on one object ask again with eg_gate_allow() and the
 * object's unit or owner.
 *
 * The routes' permission names are parsed when they are added: a route with an
 * unknown or missing permission cannot be registered.
 * Thread safety: the gate is read-only once routes are added.
 */
#ifndef EG_GATE_H
#define EG_GATE_H

#include "access/access.h"
#include "core/core.h"
#include "db/db.h"
#include "http/http.h"
#include "identity/identity.h"

#define EG_SESSION_COOKIE "__Host-egov"
#define EG_CSRF_COOKIE "__Host-egov-csrf"

struct eg_gate;
struct eg_notifier;

struct eg_call {
    struct eg_req *req;
    struct eg_gate *gate;
    struct eg_db *db;
    struct eg_identity *identity;
    const struct eg_clock *clock;
    struct eg_notifier *notifier; /* kick it after committing outbox rows; may be NULL */
    struct eg_principal who;
    struct eg_subject subject;
    int64_t now_ms;
};

typedef void (*eg_call_fn)(struct eg_call *c, void *ctx);

enum {
    EG_GATE_MFA_STEP = 1,  /* reachable by a session still owing its second factor */
    EG_GATE_FORM = 2,      /* a page: CSRF comes in the form field "csrf" */
    EG_GATE_MFA_SETUP = 4, /* reachable by a privileged account that must set up TOTP first */
    /*
     * The body streams to spool files (EG_BODY_SPOOL; eg_req_upload() in the
     * handler). The gate decides before a byte of it is read: a refused
     * caller never fills the spool. Only a CSRF token that comes in a
     * multipart body (its "csrf" field) is checked once the body is in; an
     * API caller may send it in X-CSRF-Token instead, checked at once.
     */
    EG_GATE_UPLOAD = 8,
};

struct eg_gated_route {
    const char *method;
    const char *pattern;
    const char *perm; /* an access/ permission name: "public", "self", "org.manage" ... */
    eg_call_fn fn;
    void *ctx;
    size_t max_body;
    const char *summary;
    unsigned flags;
};

struct eg_gate_config {
    struct eg_db *db;
    struct eg_identity *identity;
    const struct eg_clock *clock;
    struct eg_notifier *notifier;
    /* threads for eg_gate_run_write(); 0 runs the work on the HTTP thread */
    int write_threads;
};

EG_WUR enum eg_err eg_gate_new(const struct eg_gate_config *c, struct eg_gate **out);
void eg_gate_free(struct eg_gate *g);
/* Adds the routes to r behind the gate; EG_EINVAL names no route but refuses a bad perm. */
EG_WUR enum eg_err eg_gate_add(struct eg_gate *g, struct eg_router *r,
                               const struct eg_gated_route *routes, size_t n);

/*
 * Inside a handler: may the caller do p on this object? On refusal the answer
 * (401 or 403, audited) is already set and the handler just returns.
 */
EG_WUR enum eg_err eg_gate_allow(struct eg_call *c, enum eg_perm p,
                                 const struct eg_access_target *t);
/* The same for the whole province: p decided on the root of the org tree (keeping the catalogue). */
EG_WUR enum eg_err eg_gate_allow_province(struct eg_call *c, enum eg_perm p);
/*
 * Refuses the request with 403 and the code and message given, audited as an
 * authorization denial like every other: for rules a handler applies itself
 * (nobody disables themselves ...).
 */
void eg_gate_refuse(struct eg_call *c, const char *code, const char *message);
/* Appends an audit entry about this request (actor, remote and request id filled in). */
EG_WUR enum eg_err eg_gate_audit(struct eg_call *c, struct eg_tx *tx, const char *action,
                                 const char *object, bool ok, const char *detail);

/*
 * Runs work(data) on the identity's hashing pool with the request suspended,
 * then finish(req, data) on an HTTP worker, which answers. A full pool is
 * answered 429 with Retry-After at once.
 */
void eg_gate_run_slow(struct eg_call *c, void (*work)(struct eg_call *c, void *data),
                      void (*finish)(struct eg_call *c, void *data), void *data);
/*
 * The same for a write that waits for its durable commit: work(data) runs on
 * the gate's write threads, so an HTTP thread never sits waiting for an fsync
 * and the writes of many requests can share one (group commit, docs/db.md).
 * A full queue is answered 503 with Retry-After.
 */
void eg_gate_run_write(struct eg_call *c, void (*work)(struct eg_call *c, void *data),
                       void (*finish)(struct eg_call *c, void *data), void *data);

/* Session cookie: __Host- prefixed, Secure, HttpOnly, SameSite=Lax, Path=/. */
void eg_gate_set_session(struct eg_req *r, const char *token);
void eg_gate_clear_session(struct eg_req *r);
/* The CSRF token for a page form: the session's, or a fresh pre-session cookie's. */
const char *eg_gate_form_csrf(struct eg_call *c);
/* A cookie's value from the request, or NULL. */
const char *eg_cookie(struct eg_req *r, const char *name);

#endif /* EG_GATE_H */
