/*
 * portal_int.h - what the files of src/portal/ share: a page being answered
 * (struct page: the template context and the language), forms read from
 * x-www-form-urlencoded bodies against declared fields, the flash cookie, and
 * the handlers of each file for the route table (routes.c).
 *
 * A handler's life: pg_begin() (language, the flash meant for this page, the
 * caller's name for the header), add its data to pg.ctx, pg_render(). A POST
 * handler: form_read() and form_check(), call the business function, then
 * form_fail() back to the form with the input and errors, or pg_redirect().
 */
#ifndef EG_PORTAL_INT_H
#define EG_PORTAL_INT_H

#include "portal/portal.h"

#include "access/access.h"
#include "dossiers/dossiers.h"

#define KiB ((size_t)1024)
#define FLASH_COOKIE "__Host-egov-flash"
#define LANG_COOKIE "__Host-egov-lang"
#define FORM_MAX_FIELDS 40
#define PASSWORD_MAX_BYTES 1024

struct page {
    struct eg_call *c;
    const struct eg_portal_config *cfg;
    const char *lang; /* "vi" or "en" */
    bool en;
    json_t *ctx;   /* the template context (owned) */
    json_t *flash; /* the flash cookie meant for this page, or NULL (owned) */
    /* A page that may be kept (page_memo.c): its key (arena) and the catalogue generation. */
    const char *memo_key;
    size_t memo_klen;
    int64_t memo_gen;
};

/* ---- pages (page.c) ----------------------------------------------------------- */

/*
 * The language of this request, "vi" or "en" (?lang=, else the cookie), for an
 * answer that is not a page (a PDF): nothing is set or cleared.
 */
const char *pg_lang(struct eg_call *c);
/* Starts a page: language, the common context, the flash cookie if it is for this path. */
void pg_begin(struct page *pg, struct eg_call *c, void *cfg);
/*
 * Fills the header's data (who is signed in, the demo banner, the language
 * switch), renders template name and answers with status; releases pg.
 */
void pg_render(struct page *pg, int status, const char *name);
/*
 * Catalogue pages kept for visitors who are not signed in (page_memo.c). A
 * handler whose page shows only the catalogue (procedures, fields, units, the
 * instance's settings) calls pg_from_memo() right after pg_begin(): true when
 * the page was answered from the memo (pg is released then); otherwise it
 * renders as usual and pg_render() keeps a 200 page for the next visitor.
 */
bool pg_from_memo(struct page *pg);
void pg_memo_keep(struct page *pg, int status, const char *html, size_t n);
/* An error page (404, 400, 409 ...) in the site's layout; releases pg. */
void pg_error(struct page *pg, int status, const char *message_key);
/* Releases pg without answering (the caller answered already). */
void pg_release(struct page *pg);
/* The CSRF token for this page's forms; also set as "csrf" in the context. */
const char *pg_csrf(struct page *pg);
/* The caller's actor string for audit and business functions: "account:42". */
const char *pg_actor(struct eg_call *c);
/* Sets key in the context from the flash's data when present, else to v (taken). */
void pg_set(struct page *pg, const char *key, json_t *v);
/* The flash's saved value of field name, or NULL. */
const char *pg_flash_value(const struct page *pg, const char *name);
/* Sets "<prefix>_<value>": true in obj (enumerations the templates test with sections). */
void pg_flag(json_t *obj, const char *prefix, const char *value);
/*
 * Like pg_flag, and "<prefix>_<other>": false for every other value of the
 * NULL-terminated set, so that an item never inherits a flag from around it.
 */
void pg_flags(json_t *obj, const char *prefix, const char *value, const char *const *set);

/* Sets the flash cookie (flash is borrowed, and gains "to"): only the page at path `to` reads it. */
void pg_flash_send(struct eg_req *r, const char *to, json_t *flash);
/*
 * Replaces an account's "personal_id" by "personal_id_shown": masked
 * ("001******789", with "pid_masked": true) unless whole, and the same for a
 * "login" that is the number itself.
 */
void pg_mask_pid(json_t *a, bool whole);
/* 303 See Other to location (a path on this site). */
void pg_redirect(struct eg_call *c, const char *location);
/* 303 to path with ?m=notice (a message of the "notice." catalogue group). */
void pg_redirect_notice(struct eg_call *c, const char *path, const char *notice);
/* A local path safe to redirect to ("/account", never "//evil" or "https:..."), or NULL. */
const char *pg_local_path(const char *s);
/*
 * path?k1=v1&k2=v2... from NULL-terminated key/value pairs, skipping NULL and
 * empty values, percent-encoded; in the request's arena.
 */
const char *pg_link(struct eg_call *c, const char *path, const char *const *kv);
/* Paging links for a list: "paging": {"page","pages","prev","next"} in ctx. */
void pg_paging(struct page *pg, const char *path, const char *const *kv, long long page,
               long long per_page, long long total);
/* An integer query parameter within [min, max]; def when absent or not such a number. */
long long pg_query_int(struct eg_call *c, const char *name, long long min, long long max,
                       long long def);
/* A query parameter of at most max bytes, NULL when absent, empty or longer. */
const char *pg_query_str(struct eg_call *c, const char *name, size_t max);
/* Appends s percent-encoded for a query value. */
EG_WUR enum eg_err pg_url_encode(struct eg_buf *b, const char *s);
/* A calendar date in Asia/Ho_Chi_Minh ("YYYY-MM-DD" or "dd/mm/yyyy") to UTC ms at its start. */
EG_WUR enum eg_err pg_date_ms(const char *ymd, int64_t *out);
/* Accepts "YYYY-MM-DD" or "dd/mm/yyyy"; writes "YYYY-MM-DD" into out (11 bytes). */
EG_WUR enum eg_err pg_date_norm(const char *s, char out[11]);

/* ---- forms (form.c) -------------------------------------------------------------- */

enum {
    F_REQUIRED = 1, /* an empty value is an error: the field's own "required" message */
    F_SECRET = 2,   /* never kept for the next page (passwords, codes) */
    F_RAW = 4,      /* kept as typed: no trimming (passwords) */
    F_LINES = 8,    /* a textarea: tab and line breaks (LF) kept; elsewhere they become spaces */
};

struct field {
    const char *name;
    size_t max; /* bytes */
    unsigned flags;
    const char *missing; /* error key (err.<missing>) when required and empty */
};

struct form {
    struct eg_call *c;
    struct eg_kv *kv;
    size_t n;
    json_t *values; /* what goes back to the form on an error */
    json_t *errors; /* [{"field", "k_<key>": true} or {"field", "etext"}] in form order */
    json_t *data;   /* other things for the next page (a secret shown once) */
};

/*
 * Parses the body into NFC values; controls are refused except tab and line
 * breaks (CR LF as LF), which form_check keeps only in F_LINES fields. On
 * failure the 400 answer is already set.
 */
EG_WUR enum eg_err form_read(struct eg_call *c, struct form *f);
/*
 * The value of a field as sent (NFC; a declared field without F_LINES has had
 * its tabs and line breaks turned into spaces by form_check), or NULL.
 */
const char *form_get(const struct form *f, const char *name);
/*
 * Reads the declared fields into out[i] (NULL when absent or empty), records
 * "required" and "too long" errors and keeps non-secret values. A field is
 * one line unless declared F_LINES: its tabs and line breaks become spaces
 * (eg_form_parse keeps them in every value), so that a crafted request cannot
 * put a line break into a name. Values are trimmed unless F_RAW. False on errors.
 */
bool form_check(struct form *f, const struct field *fields, size_t n, const char **out);
/* Records an error on a field: the message err.<key>. */
void form_error(struct form *f, const char *field, const char *key);
/* Records an error with a sentence of the business layer (msg) on a field. */
void form_error_text(struct form *f, const char *field, const char *text);
bool form_has_errors(const struct form *f);
/* Keeps value for field on the next page. */
void form_keep(struct form *f, const char *field, const char *value);
/*
 * The row id of the org unit with this code (0 when code is NULL); an unknown
 * code is an "org_unknown" error on field. Other errors are the database's.
 */
EG_WUR enum eg_err form_unit(struct form *f, const char *field, const char *code, int64_t *out);
/* Sends the input and errors to the form at path (303); releases f. */
void form_fail(struct form *f, const char *path);
/*
 * 303 to path carrying data (and a notice key, or NULL) for that page only:
 * secrets shown once (recovery codes, a new API token). Releases f.
 */
void form_done(struct form *f, const char *path, const char *notice);
/* Releases f and wipes its values (they may hold passwords). */
void form_release(struct form *f);
/*
 * Records an error found while reading a GET page's query (no flash): the
 * message err.<key> on field ("" for the whole page), in the summary and above
 * the field, as a refused form shows it.
 */
void pg_field_error(struct page *pg, const char *field, const char *key);
/* The same with a sentence of the business layer. */
void pg_field_error_text(struct page *pg, const char *field, const char *text);

/* ---- handlers ---------------------------------------------------------------------- */

/* public.c */
void pg_home(struct eg_call *c, void *ctx);
void pg_directory(struct eg_call *c, void *ctx);

/* signin.c */
void pg_signin(struct eg_call *c, void *ctx);
void pg_signin_post(struct eg_call *c, void *ctx);
void pg_signin_code(struct eg_call *c, void *ctx);
void pg_signin_code_post(struct eg_call *c, void *ctx);
void pg_signout_post(struct eg_call *c, void *ctx);

/* signup.c */
void pg_signup(struct eg_call *c, void *ctx);
void pg_signup_post(struct eg_call *c, void *ctx);
void pg_signup_sent(struct eg_call *c, void *ctx);
void pg_verify(struct eg_call *c, void *ctx);
void pg_verify_post(struct eg_call *c, void *ctx);
void pg_reset(struct eg_call *c, void *ctx);
void pg_reset_post(struct eg_call *c, void *ctx);
void pg_reset_sent(struct eg_call *c, void *ctx);
void pg_reset_new(struct eg_call *c, void *ctx);
void pg_reset_new_post(struct eg_call *c, void *ctx);

/* account.c */
void pg_account(struct eg_call *c, void *ctx);
void pg_account_post(struct eg_call *c, void *ctx);
void pg_password(struct eg_call *c, void *ctx);
void pg_password_post(struct eg_call *c, void *ctx);
void pg_sessions(struct eg_call *c, void *ctx);
void pg_session_end_post(struct eg_call *c, void *ctx);
void pg_sessions_end_others_post(struct eg_call *c, void *ctx);

/* security.c */
void pg_security(struct eg_call *c, void *ctx);
void pg_totp_setup(struct eg_call *c, void *ctx);
void pg_totp_setup_post(struct eg_call *c, void *ctx);
void pg_totp_codes(struct eg_call *c, void *ctx);
void pg_totp_off_post(struct eg_call *c, void *ctx);
void pg_tokens(struct eg_call *c, void *ctx);
void pg_token_new_post(struct eg_call *c, void *ctx);
void pg_token_revoke_post(struct eg_call *c, void *ctx);

/* admin.c */
void pg_admin(struct eg_call *c, void *ctx);
void pg_admin_accounts(struct eg_call *c, void *ctx);
void pg_admin_account(struct eg_call *c, void *ctx);
void pg_admin_status_post(struct eg_call *c, void *ctx);
void pg_admin_grant_post(struct eg_call *c, void *ctx);
void pg_admin_revoke_post(struct eg_call *c, void *ctx);
void pg_admin_staff_new(struct eg_call *c, void *ctx);
void pg_admin_staff_new_post(struct eg_call *c, void *ctx);

/* catalogue.c: search and browse the catalogue of procedures */
void pg_procedures(struct eg_call *c, void *ctx);
void pg_fields(struct eg_call *c, void *ctx);
void pg_agencies(struct eg_call *c, void *ctx);
/* "/procedures/<code><suffix>" (suffix "" or "/form" ...), percent-encoded, in the request's arena. */
const char *cat_path(struct eg_call *c, const char *code, const char *suffix);
/* "/procedures?agency=<code>". */
const char *cat_agency_path(struct eg_call *c, const char *code);
/* A search result for the templates: its link, level, online level and applicants as flags. */
void cat_shape_item(struct page *pg, json_t *item);
/* The n most used published procedures, shaped, for the home page (an empty list on failure). */
json_t *cat_popular(struct page *pg, int n);
/*
 * Adds to each org unit of units its number of published procedures
 * ("procedures") and, when it has some, the link to them ("procedures_link").
 */
EG_WUR enum eg_err cat_agency_counts(struct eg_call *c, json_t *units);

/* procedure.c: one procedure, its blank declaration (a page and a PDF), the submission entry point */
void pg_procedure(struct eg_call *c, void *ctx);
void pg_procedure_form(struct eg_call *c, void *ctx);
void pg_procedure_form_pdf(struct eg_call *c, void *ctx);
void pg_procedure_submit(struct eg_call *c, void *ctx);

/* admin_procedures.c */
void pg_admin_procedures(struct eg_call *c, void *ctx);
void pg_admin_procedure(struct eg_call *c, void *ctx);
void pg_admin_procedure_new(struct eg_call *c, void *ctx);
void pg_admin_procedure_new_post(struct eg_call *c, void *ctx);
void pg_admin_procedure_edit(struct eg_call *c, void *ctx);
void pg_admin_procedure_edit_post(struct eg_call *c, void *ctx);
void pg_admin_procedure_publish_post(struct eg_call *c, void *ctx);
void pg_admin_procedure_retire_post(struct eg_call *c, void *ctx);
void pg_admin_procedure_import(struct eg_call *c, void *ctx);
void pg_admin_procedure_import_post(struct eg_call *c, void *ctx);

/* admin_org.c */
void pg_admin_orgs(struct eg_call *c, void *ctx);
void pg_admin_org_new(struct eg_call *c, void *ctx);
void pg_admin_org_new_post(struct eg_call *c, void *ctx);
void pg_admin_org(struct eg_call *c, void *ctx);
void pg_admin_org_post(struct eg_call *c, void *ctx);
void pg_admin_org_close_post(struct eg_call *c, void *ctx);
void pg_admin_audit(struct eg_call *c, void *ctx);
/* The statistics dashboard (stats.c). */
void pg_stats(struct eg_call *c, void *ctx);

/* ---- dossiers: submission, one's own, the desk, tracking (dossier_*.c) ------------------ */

/* dossier_view.c: what the dossier pages share */
/* The caller as dossiers/ sees it (subject, address and request id for the audit). */
struct eg_actor dv_actor(struct eg_call *c);
/* The dossier service (and the file store) are configured; otherwise a 503 page (false). */
bool dv_ready(struct page *pg);
/* "dd/mm/yyyy HH:MM" from a local "YYYY-MM-DDTHH:MM", "dd/mm/yyyy" from "YYYY-MM-DD"; else null. */
json_t *dv_when(const json_t *v);
/* "/dossiers/<code><suffix>" in the request's arena (a code has only [0-9A-Z.-]). */
const char *dv_path(struct eg_call *c, const char *code, const char *suffix);
/*
 * Shapes a dossier of eg_dossier_get (either view) for the templates: dates
 * shown, the status as a tag, the timeline, components and files with their
 * download links, the form's values with their labels (doc: the document of
 * the dossier's procedure version; NULL for the public view), the slips that
 * can be printed (the control slip 06 for staff only), the current step.
 */
void dv_shape(struct page *pg, json_t *d, const json_t *doc, bool staff);
/* The document of the dossier's procedure version (a new reference), or NULL. */
json_t *dv_doc(struct eg_call *c, const json_t *d);
/* Redirects (303) to path, carrying "done": what (an action) for a notice there. */
void dv_redirect_done(struct eg_call *c, const char *path, const char *what);
/* The notice of the flash's "done" as the flags "done_<what>" in pg.ctx ("done"). */
void dv_done(struct page *pg);
/* An error on the input with id field ("" for the whole page): err key (dform.err.<key>) or a
 * sentence of the business layer. */
void dv_error(json_t *errors, const char *field, const char *key, const char *text);
/* Sets the error summary ("errors", "has_errors") and "e" {id: error} in pg.ctx; takes errors. */
void dv_errors(struct page *pg, json_t *errors);
/* A 404 page about a dossier (its own message), in the site's layout. */
void dv_not_found(struct page *pg);

/* dossier_form.c: a procedure's form on a page, read back from a multipart body */
struct dform {
    struct eg_call *c;
    const struct eg_portal_config *cfg;
    const json_t *doc; /* the procedure's published document */
    bool online;       /* the applicant online: the declaration (a template) is the form itself */
    int64_t draft_id;  /* files of this draft may be kept */
    json_t *typed;     /* {input name: text as typed}: shown again */
    json_t *form;      /* {field name: value}: what eg_dossier_create gets */
    json_t *errors;    /* [{"field": input id, "k_<key>" | "etext"}] */
    json_t *kept;      /* [{"id","slot","filename","size"}]: stored files, listed again */
    json_t *paper;     /* counter intake: [component indexes handed in on paper] */
    struct eg_dossier_file_ref *refs;
    size_t nrefs;
};
void df_init(struct dform *f, struct eg_call *c, const struct eg_portal_config *cfg,
             const json_t *doc, bool online);
void df_release(struct dform *f);
/* A text field of the multipart body: NFC, trimmed, one line unless lines; NULL when empty. */
const char *df_text(struct dform *f, const char *name, bool lines);
/* Reads the form's fields (asked ones only, by show_if) into typed and form. */
EG_WUR enum eg_err df_read_fields(struct dform *f);
/*
 * Stores the uploaded files (inputs "comp_<i>" and "f_<file field>") as the
 * caller's own uploads and adds the files ticked to keep ("keep": "<id>:<slot>");
 * a refused file is an error on its input. EG errors other than the user's.
 */
EG_WUR enum eg_err df_read_files(struct dform *f);
/*
 * Whether component i gets its own file input: not online when a file field of
 * the form carries it ("field" in the procedure), unless a draft kept files in it.
 */
bool df_component_slot(const struct dform *f, size_t i);
/* What must be there to submit: required fields and files (asked ones), the components. */
void df_check_required(struct dform *f);
/* A sentence of dossiers/ about a field or component, put on its input when it names one. */
void df_business_error(struct dform *f, const char *msg);
/* Values and files of a stored form (a draft), as typed and kept. */
void df_from_dossier(struct dform *f, const json_t *form, const json_t *files);
/* Fields filled from the account (name, personal id, tax code, phone, email, residence). */
void df_prefill(struct dform *f, const json_t *account);
/* The request's fingerprint (hex): its text fields but csrf, its files' hashes, what. */
void df_request_hash(struct dform *f, const char *what, char out[65]);
/* The form for the templates: "fields", "components", "has_kept" in pg.ctx; errors too. */
void df_render(struct page *pg, struct dform *f);
/* A new Idempotency key (32 hex digits) for a form shown, in the request's arena. */
const char *df_new_key(struct eg_call *c);
/* Is s such a key? */
bool df_key_ok(const char *s);

/* dossier_submit.c: online submission, drafts, the confirmation */
void pg_dossier_submit(struct eg_call *c, void *ctx);
void pg_dossier_submit_post(struct eg_call *c, void *ctx);
void pg_dossier_draft(struct eg_call *c, void *ctx);
void pg_dossier_draft_post(struct eg_call *c, void *ctx);
void pg_dossier_submitted(struct eg_call *c, void *ctx);

/* dossier_mine.c: one's own dossiers, a dossier, supplement, withdrawal */
void pg_dossiers_mine(struct eg_call *c, void *ctx);
void pg_dossier_mine(struct eg_call *c, void *ctx);
void pg_dossier_supplement_post(struct eg_call *c, void *ctx);
void pg_dossier_withdraw(struct eg_call *c, void *ctx);
void pg_dossier_draft_delete(struct eg_call *c, void *ctx);
void pg_dossier_draft_delete_post(struct eg_call *c, void *ctx);
void pg_dossier_withdraw_post(struct eg_call *c, void *ctx);

/* dossier_files.c: a dossier's file and its slips (PDF) */
void pg_dossier_file(struct eg_call *c, void *ctx);
void pg_dossier_slip(struct eg_call *c, void *ctx);

/* dossier_desk.c: the staff's queues, a dossier for staff, its actions */
void pg_desk(struct eg_call *c, void *ctx);
void pg_desk_dossier(struct eg_call *c, void *ctx);
void pg_desk_act_post(struct eg_call *c, void *ctx);

/* dossier_intake.c: counter intake by a desk officer */
void pg_desk_intake(struct eg_call *c, void *ctx);
void pg_desk_intake_form(struct eg_call *c, void *ctx);
void pg_desk_intake_post(struct eg_call *c, void *ctx);

/* dossier_track.c: public tracking by code */
void pg_track(struct eg_call *c, void *ctx);
void pg_track_code(struct eg_call *c, void *ctx);

#endif /* EG_PORTAL_INT_H */
