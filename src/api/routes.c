/* routes.c - the route table: every route, its permission, and its handler. */
#include "api_int.h"

#include <string.h>
#include <strings.h>

#define KiB ((size_t)1024)
#define MiB (KiB * KiB)

/* Operational endpoints and files: no account involved, so outside the gate. */
static enum eg_err
add_open_routes(struct eg_router *r, struct eg_api *api)
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
        {"GET", "/api/v1/procedures", eg_api_procedures, api, "public", 0,
         "Search the catalogue of administrative procedures, without diacritics if you like"},
        {"GET", "/api/v1/procedures/{code}", eg_api_procedure, api, "public", 0,
         "One published procedure: what to bring, how long, what it costs, the form"},
        {"GET", "/api/v1/procedures/{code}/form.pdf", eg_api_procedure_form_pdf, api, "public", 0,
         "The blank declaration (tờ khai) of a procedure as an A4 PDF"},
        {"GET", "/api/v1/procedure-fields", eg_api_procedure_fields, api, "public", 0,
         "The fields (lĩnh vực) of the catalogue with their number of procedures"},
        {"GET", "/api/v1/procedure-catalogue", eg_api_procedure_export, api, "public", 0,
         "Every published procedure, in the shape the import reads"},
        {"GET", "/api/v1/track/{code}", eg_api_track, api, "public", 0,
         "Follow a dossier by its code: status and dates, no personal data"},
        {"GET", "/static/{path*}", eg_http_static, NULL, "public", 0, "Static files"},
    };
    for (size_t i = 0; i < EG_ARRAY_LEN(routes); i++) {
        enum eg_err rc = eg_router_add(r, &routes[i]);
        if (rc != EG_OK)
            return rc;
    }
    return EG_OK;
}

/* Everything that concerns an account goes through the gate. */
static const struct eg_gated_route gated[] = {
    {"POST", "/api/v1/accounts", "public", eg_api_signup, NULL, 16 * KiB,
     "Sign up as a citizen or a business", 0},
    {"POST", "/api/v1/accounts/verify-email", "public", eg_api_verify_email, NULL, KiB,
     "Verify an email address with the emailed link's token", 0},
    {"POST", "/api/v1/password-reset", "public", eg_api_reset_request, NULL, KiB,
     "Ask for a password reset link", 0},
    {"POST", "/api/v1/password-reset/confirm", "public", eg_api_reset_confirm, NULL, 4 * KiB,
     "Set a new password with the emailed link's token", 0},
    {"POST", "/api/v1/session", "public", eg_api_login, NULL, 4 * KiB, "Sign in", 0},
    {"POST", "/api/v1/session/mfa", "signed_in", eg_api_login_mfa, NULL, KiB,
     "Second factor: the TOTP or recovery code", EG_GATE_MFA_STEP},
    {"DELETE", "/api/v1/session", "signed_in", eg_api_logout, NULL, 0, "Sign out",
     EG_GATE_MFA_STEP},
    {"GET", "/api/v1/me", "signed_in", eg_api_me, NULL, 0, "The signed-in account",
     EG_GATE_MFA_SETUP},
    {"PATCH", "/api/v1/me", "signed_in", eg_api_me_update, NULL, 8 * KiB,
     "Change one's own profile", 0},
    {"POST", "/api/v1/me/password", "signed_in", eg_api_me_password, NULL, 4 * KiB,
     "Change one's own password", 0},
    {"GET", "/api/v1/me/sessions", "signed_in", eg_api_my_sessions, NULL, 0, "One's open sessions",
     0},
    {"DELETE", "/api/v1/me/sessions", "signed_in", eg_api_logout_everywhere, NULL, 0,
     "Sign out everywhere", 0},
    {"DELETE", "/api/v1/me/sessions/{id}", "signed_in", eg_api_my_session_delete, NULL, 0,
     "End one of one's sessions", 0},
    {"POST", "/api/v1/me/totp", "signed_in", eg_api_totp_begin, NULL, 0,
     "Start setting up a TOTP second factor", EG_GATE_MFA_SETUP},
    {"POST", "/api/v1/me/totp/confirm", "signed_in", eg_api_totp_confirm, NULL, KiB,
     "Turn TOTP on with a first code; returns recovery codes", EG_GATE_MFA_SETUP},
    {"DELETE", "/api/v1/me/totp", "signed_in", eg_api_totp_disable, NULL, KiB, "Turn TOTP off", 0},
    {"GET", "/api/v1/me/tokens", "signed_in", eg_api_tokens, NULL, 0, "One's API tokens", 0},
    {"POST", "/api/v1/me/tokens", "signed_in", eg_api_token_new, NULL, 4 * KiB,
     "Create a personal API token", 0},
    {"DELETE", "/api/v1/me/tokens/{id}", "signed_in", eg_api_token_delete, NULL, 0,
     "Revoke one of one's API tokens", 0},
    {"GET", "/api/v1/admin/accounts", "account.read", eg_api_admin_accounts, NULL, 0,
     "Find accounts (administrators)", 0},
    {"GET", "/api/v1/admin/accounts/{id}", "account.read", eg_api_admin_account, NULL, 0,
     "One account with its personal data, roles and units (audited)", 0},
    {"PATCH", "/api/v1/admin/accounts/{id}", "staff.manage", eg_api_admin_account_update, NULL, KiB,
     "Enable or disable an account", 0},
    {"POST", "/api/v1/admin/staff", "staff.manage", eg_api_admin_staff_new, NULL, 8 * KiB,
     "Create a staff account in an org unit", 0},
    {"POST", "/api/v1/admin/accounts/{id}/roles", "role.grant", eg_api_admin_role_grant, NULL, KiB,
     "Grant a role on an org unit", 0},
    {"DELETE", "/api/v1/admin/role-grants/{id}", "role.grant", eg_api_admin_role_revoke, NULL, 0,
     "Revoke a role", 0},
    {"POST", "/api/v1/org-units", "org.manage", eg_api_org_unit_new, NULL, 8 * KiB,
     "Add an org unit", 0},
    {"PATCH", "/api/v1/org-units/{code}", "org.manage", eg_api_org_unit_update, NULL, 8 * KiB,
     "Change or close an org unit", 0},
    {"GET", "/api/v1/audit", "audit.read", eg_api_audit, NULL, 0, "Browse the audit log", 0},
    {"GET", "/api/v1/admin/procedures", "procedure.manage", eg_api_admin_procedures, NULL, 0,
     "Find procedures, drafts included", 0},
    {"GET", "/api/v1/admin/procedures/{code}", "procedure.manage", eg_api_admin_procedure, NULL, 0,
     "A procedure's newest version, whatever its state, and its versions", 0},
    {"POST", "/api/v1/admin/procedures", "procedure.manage", eg_api_admin_procedure_new, NULL,
     1024 * KiB, "Add a procedure (a draft unless ?publish=true)", 0},
    {"PUT", "/api/v1/admin/procedures/{code}", "procedure.manage", eg_api_admin_procedure_put, NULL,
     1024 * KiB, "A new version of a procedure (a draft unless ?publish=true)", 0},
    {"POST", "/api/v1/admin/procedures/{code}/versions/{version}/publish", "procedure.manage",
     eg_api_admin_procedure_publish, NULL, 0, "Publish a version: it becomes current", 0},
    {"GET", "/api/v1/admin/procedures/{code}/process", "procedure.manage", eg_api_admin_process,
     NULL, 0, "How a procedure's dossiers move between units (its current process)", 0},
    {"PUT", "/api/v1/admin/procedures/{code}/process", "procedure.manage", eg_api_admin_process_put,
     NULL, 64 * KiB, "A new version of a procedure's process, for dossiers submitted from now on",
     0},
    {"POST", "/api/v1/admin/procedures/{code}/retire", "procedure.manage",
     eg_api_admin_procedure_retire, NULL, 0, "Retire a procedure: it leaves the portal", 0},
    {"POST", "/api/v1/admin/procedure-catalogue", "procedure.manage", eg_api_admin_procedure_import,
     NULL, 16 * MiB, "Import a catalogue, all or nothing (published if ?publish=true)", 0},
};

/* Routes whose handlers need the struct eg_api (ctx is set when they are added). */
static const struct eg_gated_route gated_api[] = {
    {"POST", "/api/v1/files", "signed_in", eg_api_file_upload, NULL, 20 * MiB,
     "Upload one file (PDF, JPEG, PNG; raw body or multipart/form-data), kept as one's own",
     EG_GATE_UPLOAD},
    {"GET", "/api/v1/files/{id}", "signed_in", eg_api_file_get, NULL, 0,
     "Download one of one's own uploaded files", 0},
    {"POST", "/api/v1/dossiers", "signed_in", eg_api_dossier_new, NULL, 1 * MiB,
     "Submit a dossier online (or save a draft); a desk officer enters one handed in at the "
     "counter, by post, phone or fax; Idempotency-Key honoured",
     0},
    {"GET", "/api/v1/dossiers", "signed_in", eg_api_dossiers, NULL, 0,
     "One's own dossiers, or an officer's queues (new, assigned, step, due soon, overdue, "
     "results, all)",
     0},
    {"GET", "/api/v1/dossiers/{code}", "signed_in", eg_api_dossier, NULL, 0,
     "One dossier, for its applicant and the staff responsible (404 for anyone else)", 0},
    {"POST", "/api/v1/dossiers/{code}/actions", "signed_in", eg_api_dossier_act, NULL, 64 * KiB,
     "Act on a dossier: receive, refuse, assign, forward, send back, request a supplement, "
     "supplement, approve, reject, extend, return the result, withdraw, stop",
     0},
    {"GET", "/api/v1/dossiers/{code}/files/{id}", "signed_in", eg_api_dossier_file, NULL, 0,
     "Download a file of a dossier one may see", 0},
    {"GET", "/api/v1/dossiers/{code}/slips/{n}", "signed_in", eg_api_dossier_slip, NULL, 0,
     "A one-stop-shop slip of a dossier as a PDF: 1 receipt, 2 supplement request, 3 refusal, "
     "4 apology, 5 stop notice, 6 control slip",
     0},
    {"GET", "/api/v1/reports", "report.read", eg_api_reports, NULL, 0,
     "The standard report of dossiers received and resolved, by agency, field or procedure, "
     "as JSON, CSV or XLSX",
     0},
    {"GET", "/api/v1/drafts/{id}", "signed_in", eg_api_draft, NULL, 0, "One's own draft", 0},
    {"PUT", "/api/v1/drafts/{id}", "signed_in", eg_api_draft_put, NULL, 1 * MiB,
     "Change one's own draft (form and files)", 0},
    {"POST", "/api/v1/drafts/{id}/submit", "signed_in", eg_api_draft_submit, NULL, 0,
     "Submit one's own draft", 0},
    {"DELETE", "/api/v1/drafts/{id}", "signed_in", eg_api_draft_delete, NULL, 0,
     "Delete one's own draft", 0},
};

enum eg_err
eg_api_register(struct eg_router *r, struct eg_api *api)
{
    enum eg_err rc = add_open_routes(r, api);
    if (rc == EG_OK && api->gate)
        rc = eg_gate_add(api->gate, r, gated, EG_ARRAY_LEN(gated));
    for (size_t i = 0; rc == EG_OK && api->gate && i < EG_ARRAY_LEN(gated_api); i++) {
        struct eg_gated_route rt = gated_api[i];
        rt.ctx = api;
        rc = eg_gate_add(api->gate, r, &rt, 1);
    }
    return rc;
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
eg_api_check(struct eg_req *r, const json_t *in, const struct eg_json_field *fields, size_t n)
{
    struct eg_buf msg = EG_BUF_INIT(512);
    enum eg_err rc = eg_json_check(in, fields, n, &msg);
    if (rc != EG_OK)
        eg_resp_error(r, 400, "invalid_argument",
                      msg.len ? eg_arena_strdup(eg_req_arena(r), msg.p) : NULL);
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
