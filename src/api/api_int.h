/* api_int.h - handlers shared between the files of src/api/. */
#ifndef EG_API_INT_H
#define EG_API_INT_H

#include "api/api.h"
#include "gate/gate.h"

void eg_api_healthz(struct eg_req *r, void *ctx);
void eg_api_readyz(struct eg_req *r, void *ctx);
void eg_api_metrics(struct eg_req *r, void *ctx);
void eg_api_openapi(struct eg_req *r, void *ctx);
void eg_api_org_units(struct eg_req *r, void *ctx);
void eg_api_org_unit(struct eg_req *r, void *ctx);
void eg_api_agency_codes(struct eg_req *r, void *ctx);

/* The catalogue of procedures (procedures.c). */
void eg_api_procedures(struct eg_req *r, void *ctx);
void eg_api_procedure(struct eg_req *r, void *ctx);
void eg_api_procedure_form_pdf(struct eg_req *r, void *ctx);
void eg_api_procedure_fields(struct eg_req *r, void *ctx);
void eg_api_procedure_export(struct eg_req *r, void *ctx);
void eg_api_admin_procedures(struct eg_call *c, void *ctx);
void eg_api_admin_procedure(struct eg_call *c, void *ctx);
void eg_api_admin_procedure_new(struct eg_call *c, void *ctx);
void eg_api_admin_procedure_put(struct eg_call *c, void *ctx);
void eg_api_admin_procedure_publish(struct eg_call *c, void *ctx);
void eg_api_admin_procedure_retire(struct eg_call *c, void *ctx);
void eg_api_admin_procedure_import(struct eg_call *c, void *ctx);

/* Sign-in and the signed-in person's own account (auth.c, account.c). */
void eg_api_login(struct eg_call *c, void *ctx);
void eg_api_login_mfa(struct eg_call *c, void *ctx);
void eg_api_logout(struct eg_call *c, void *ctx);
void eg_api_logout_everywhere(struct eg_call *c, void *ctx);
void eg_api_my_sessions(struct eg_call *c, void *ctx);
void eg_api_my_session_delete(struct eg_call *c, void *ctx);
void eg_api_me(struct eg_call *c, void *ctx);
void eg_api_me_update(struct eg_call *c, void *ctx);
void eg_api_me_password(struct eg_call *c, void *ctx);
void eg_api_totp_begin(struct eg_call *c, void *ctx);
void eg_api_totp_confirm(struct eg_call *c, void *ctx);
void eg_api_totp_disable(struct eg_call *c, void *ctx);
void eg_api_tokens(struct eg_call *c, void *ctx);
void eg_api_signup(struct eg_call *c, void *ctx);
void eg_api_admin_accounts(struct eg_call *c, void *ctx);
void eg_api_admin_account(struct eg_call *c, void *ctx);
void eg_api_admin_staff_new(struct eg_call *c, void *ctx);
void eg_api_admin_account_update(struct eg_call *c, void *ctx);
void eg_api_admin_role_grant(struct eg_call *c, void *ctx);
void eg_api_admin_role_revoke(struct eg_call *c, void *ctx);
void eg_api_org_unit_new(struct eg_call *c, void *ctx);
void eg_api_org_unit_update(struct eg_call *c, void *ctx);
void eg_api_audit(struct eg_call *c, void *ctx);
void eg_api_verify_email(struct eg_call *c, void *ctx);
void eg_api_reset_request(struct eg_call *c, void *ctx);
void eg_api_reset_confirm(struct eg_call *c, void *ctx);
void eg_api_token_new(struct eg_call *c, void *ctx);
void eg_api_token_delete(struct eg_call *c, void *ctx);

/* Attachments (files.c); ctx is the struct eg_api. */
void eg_api_file_upload(struct eg_call *c, void *ctx);
void eg_api_file_get(struct eg_call *c, void *ctx);

/* Dossiers (dossiers.c); ctx is the struct eg_api. */
void eg_api_dossier_new(struct eg_call *c, void *ctx);
void eg_api_dossiers(struct eg_call *c, void *ctx);
void eg_api_dossier(struct eg_call *c, void *ctx);
void eg_api_dossier_act(struct eg_call *c, void *ctx);
void eg_api_dossier_file(struct eg_call *c, void *ctx);
void eg_api_dossier_slip(struct eg_call *c, void *ctx);
void eg_api_draft(struct eg_call *c, void *ctx);
void eg_api_draft_put(struct eg_call *c, void *ctx);
void eg_api_draft_submit(struct eg_call *c, void *ctx);
void eg_api_draft_delete(struct eg_call *c, void *ctx);
void eg_api_track(struct eg_req *r, void *ctx);

/* procedure.manage on the root unit (the catalogue is the province's); answered when not. */
bool eg_api_catalogue_keeper(struct eg_call *c);

/* Processes of procedures (processes.c). */
void eg_api_admin_process(struct eg_call *c, void *ctx);
void eg_api_admin_process_put(struct eg_call *c, void *ctx);

/* Statistics (reports.c); ctx is the struct eg_api. */
void eg_api_reports(struct eg_call *c, void *ctx);

/* Reads a JSON object body; on failure the 400/413 answer is already set. */
EG_WUR enum eg_err eg_api_read_json(struct eg_req *r, json_t **out);
/* Checks in against declared fields; 400 with the first problem answered on failure. */
EG_WUR enum eg_err eg_api_check(struct eg_req *r, const json_t *in,
                                const struct eg_json_field *fields, size_t n);
/* An integer query parameter within [min, max], or def when absent; EG_EINVAL answered. */
EG_WUR enum eg_err eg_api_query_int(struct eg_req *r, const char *name, long long min,
                                    long long max, long long def, long long *out);

#endif /* EG_API_INT_H */
