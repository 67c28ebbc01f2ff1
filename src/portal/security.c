/*
 * security.c - one's second factor (TOTP: set up with a code from the app, the
 * recovery codes shown once, turned off with a code) and personal API tokens
 * (created and shown once, revoked).
 */
#include "portal_int.h"

#include <stdio.h>
#include <string.h>

#define DAY_MS (24LL * 3600 * 1000)

static void
section(struct page *pg)
{
    json_object_set_new(pg->ctx, "nav_account", json_true());
}

/* "123 456" as the app shows it: the digits only. */
static const char *
compact(struct eg_call *c, const char *code)
{
    char *s = eg_arena_strdup(eg_req_arena(c->req), code ? code : "");
    size_t j = 0;
    for (size_t i = 0; s && s[i]; i++)
        if (s[i] != ' ')
            s[j++] = s[i];
    if (s)
        s[j] = '\0';
    return s;
}

static void
fail_rc(struct page *pg, enum eg_err rc)
{
    struct eg_call *c = pg->c;
    pg_release(pg);
    eg_resp_err(c->req, rc, NULL);
}

/* ---- GET /account/security ------------------------------------------------------------- */

void
pg_security(struct eg_call *c, void *ctx)
{
    struct page pg;
    pg_begin(&pg, c, ctx);
    section(&pg);
    pg_flag(pg.ctx, "tab", "security");
    struct eg_tx *tx;
    json_t *a = NULL;
    bool privileged = false;
    enum eg_err rc = eg_db_begin(c->db, EG_TX_READ, &tx);
    if (rc == EG_OK) {
        rc = eg_account_get(c->identity, tx, c->who.account_id, &a);
        if (rc == EG_OK)
            rc = eg_access_privileged(tx, c->who.account_id, &privileged);
        eg_tx_rollback(tx);
    }
    if (rc != EG_OK) {
        json_decref(a);
        fail_rc(&pg, rc);
        return;
    }
    json_object_set(pg.ctx, "totp_enabled", json_object_get(a, "totp_enabled"));
    json_object_set_new(pg.ctx, "privileged", json_boolean(privileged));
    json_decref(a);
    pg_csrf(&pg);
    pg_render(&pg, 200, "account_security");
}

/* ---- GET/POST /account/security/setup ------------------------------------------------------ */

/* "ABCD EFGH ..." for reading the secret aloud or typing it into the app. */
static json_t *
grouped(const char *secret)
{
    char out[64];
    size_t j = 0;
    for (size_t i = 0; secret[i] && j + 2 < sizeof(out); i++) {
        if (i && i % 4 == 0)
            out[j++] = ' ';
        out[j++] = secret[i];
    }
    out[j] = '\0';
    json_t *s = json_string(out);
    explicit_bzero(out, sizeof(out));
    return s;
}

void
pg_totp_setup(struct eg_call *c, void *ctx)
{
    struct page pg;
    pg_begin(&pg, c, ctx);
    section(&pg);
    pg_flag(pg.ctx, "tab", "security");
    struct eg_tx *tx;
    json_t *a = NULL;
    enum eg_err rc = eg_db_begin(c->db, EG_TX_READ, &tx);
    if (rc == EG_OK) {
        rc = eg_account_get(c->identity, tx, c->who.account_id, &a);
        eg_tx_rollback(tx);
    }
    if (rc == EG_OK && json_is_true(json_object_get(a, "totp_enabled"))) {
        json_decref(a);
        pg_release(&pg);
        pg_redirect(c, "/account/security");
        return;
    }
    /* After a wrong code the same secret again: the app has it already. Nothing is stored yet. */
    char fresh[33];
    const char *secret =
        json_string_value(json_object_get(json_object_get(pg.flash, "d"), "secret"));
    if (rc == EG_OK && !secret) {
        rc = eg_totp_new_secret(fresh);
        secret = fresh;
    }
    /* The label shows in the authenticator app: the name, never a personal id number. */
    const char *label = json_string_value(json_object_get(a, "name"));
    struct eg_buf uri = EG_BUF_INIT(1024);
    if (rc == EG_OK)
        rc = eg_totp_uri(secret, label ? label : "egov", "egov", &uri);
    json_decref(a);
    if (rc != EG_OK) {
        eg_buf_release(&uri);
        fail_rc(&pg, rc);
        return;
    }
    json_object_set_new(pg.ctx, "secret", json_string(secret));
    json_object_set_new(pg.ctx, "secret_grouped", grouped(secret));
    /* Built by identity/ from a checked secret: the scheme is otpauth: and nothing else. */
    if (strncmp(uri.p, "otpauth://totp/", 15) == 0)
        json_object_set_new(pg.ctx, "otpauth_uri", json_string(uri.p));
    explicit_bzero(fresh, sizeof(fresh));
    eg_buf_release(&uri);
    if (c->who.mfa_enroll)
        json_object_set_new(pg.ctx, "enroll", json_true());
    pg_csrf(&pg);
    pg_render(&pg, 200, "totp_setup");
}

void
pg_totp_setup_post(struct eg_call *c, void *ctx)
{
    (void)ctx;
    static const struct field fields[] = {
        {"secret", 64, F_REQUIRED | F_SECRET, NULL},
        {"code", 16, F_REQUIRED | F_SECRET, "code_required"},
    };
    struct form f;
    if (form_read(c, &f) != EG_OK)
        return;
    const char *v[EG_ARRAY_LEN(fields)];
    form_check(&f, fields, EG_ARRAY_LEN(fields), v);
    if (v[0])
        json_object_set_new(f.data, "secret", json_string(v[0]));
    if (form_has_errors(&f)) {
        form_fail(&f, "/account/security/setup");
        return;
    }
    char codes[10][12];
    struct eg_buf msg = EG_BUF_INIT(256);
    struct eg_tx *tx;
    enum eg_err rc = eg_db_begin(c->db, EG_TX_WRITE, &tx);
    if (rc == EG_OK) {
        rc = eg_totp_enable(c->identity, tx, c->who.account_id, v[0], compact(c, v[1]), c->now_ms,
                            codes, &msg);
        if (rc == EG_OK)
            rc = eg_tx_commit(tx);
        else
            eg_tx_rollback(tx);
    }
    if (rc == EG_EINVAL || rc == EG_EFORBIDDEN) {
        form_error(&f, "code", "code_wrong");
        form_fail(&f, "/account/security/setup");
    } else if (rc != EG_OK) {
        form_release(&f);
        eg_resp_err(c->req, rc, NULL);
    } else {
        json_t *list = json_array();
        for (int i = 0; i < 10; i++)
            json_array_append_new(list, json_string(codes[i]));
        explicit_bzero(codes, sizeof(codes));
        json_object_del(f.data, "secret");
        json_object_set_new(f.data, "codes", list);
        form_done(&f, "/account/security/codes", "totp_on");
    }
    eg_buf_release(&msg);
}

/* The recovery codes, once: from the flash of the setup, gone on the next visit. */
void
pg_totp_codes(struct eg_call *c, void *ctx)
{
    struct page pg;
    pg_begin(&pg, c, ctx);
    json_t *codes = json_object_get(json_object_get(pg.flash, "d"), "codes");
    if (!json_is_array(codes)) {
        pg_release(&pg);
        pg_redirect(c, "/account/security");
        return;
    }
    section(&pg);
    pg_flag(pg.ctx, "tab", "security");
    json_object_set(pg.ctx, "codes", codes);
    pg_render(&pg, 200, "totp_codes");
}

/* ---- POST /account/security/off ------------------------------------------------------------- */

void
pg_totp_off_post(struct eg_call *c, void *ctx)
{
    (void)ctx;
    static const struct field fields[] = {{"code", 16, F_REQUIRED | F_SECRET, "code_required"}};
    struct form f;
    if (form_read(c, &f) != EG_OK)
        return;
    const char *v[1];
    if (!form_check(&f, fields, 1, v)) {
        form_fail(&f, "/account/security");
        return;
    }
    struct eg_tx *tx = NULL;
    bool privileged = false;
    enum eg_err rc = eg_db_begin(c->db, EG_TX_WRITE, &tx);
    if (rc != EG_OK)
        tx = NULL;
    if (rc == EG_OK)
        rc = eg_access_privileged(tx, c->who.account_id, &privileged);
    if (rc == EG_OK && privileged)
        rc = EG_ECONFLICT;
    if (rc == EG_OK)
        rc = eg_totp_check(c->identity, tx, c->who.account_id, compact(c, v[0]), c->now_ms);
    if (rc == EG_OK)
        rc = eg_totp_disable(tx, c->who.account_id, pg_actor(c), c->now_ms);
    if (rc == EG_OK)
        rc = eg_tx_commit(tx);
    else
        eg_tx_rollback(tx);
    if (rc == EG_ECONFLICT || rc == EG_EFORBIDDEN) {
        form_error(&f, "code", rc == EG_ECONFLICT ? "totp_required_for_role" : "code_wrong");
        form_fail(&f, "/account/security");
    } else if (rc != EG_OK) {
        form_release(&f);
        eg_resp_err(c->req, rc, NULL);
    } else {
        form_release(&f);
        pg_redirect_notice(c, "/account/security", "totp_off");
    }
}

/* ---- /account/tokens -------------------------------------------------------------------------- */

void
pg_tokens(struct eg_call *c, void *ctx)
{
    struct page pg;
    pg_begin(&pg, c, ctx);
    section(&pg);
    pg_flag(pg.ctx, "tab", "tokens");
    json_t *list = NULL;
    enum eg_err rc = eg_api_token_list(c->db, c->who.account_id, &list);
    if (rc != EG_OK) {
        fail_rc(&pg, rc);
        return;
    }
    size_t i;
    json_t *t;
    json_array_foreach(list, i, t)
    {
        bool expired = json_integer_value(json_object_get(t, "expires_at")) <= c->now_ms;
        json_object_set_new(t, "expired", json_boolean(expired));
        json_object_set_new(t, "usable",
                            json_boolean(!expired && !json_is_true(json_object_get(t, "revoked"))));
        if (!json_object_get(t, "last_used_at"))
            json_object_set_new(t, "last_used_at", json_null());
        json_object_set_new(
            t, "revoke_url",
            json_string(eg_arena_printf(eg_req_arena(c->req), "/account/tokens/%lld/revoke",
                                        (long long)json_integer_value(json_object_get(t, "id")))));
    }
    json_object_set_new(pg.ctx, "tokens_any", json_boolean(json_array_size(list) > 0));
    json_object_set_new(pg.ctx, "tokens", list);
    json_t *made = json_object_get(json_object_get(pg.flash, "d"), "token");
    if (made)
        json_object_set(pg.ctx, "new_token", made);
    if (!pg.flash) {
        json_t *v = json_object_get(pg.ctx, "v");
        json_object_set_new(v, "ttl_days", json_string("90"));
        json_object_set_new(v, "scope_read", json_true());
    }
    static const char *const ttls[] = {"7", "30", "90", "180", "365"};
    const char *ttl = json_string_value(json_object_get(json_object_get(pg.ctx, "v"), "ttl_days"));
    json_t *options = json_array();
    for (size_t k = 0; k < EG_ARRAY_LEN(ttls); k++)
        json_array_append_new(options, json_pack("{s:s, s:b}", "value", ttls[k], "selected",
                                                 ttl && strcmp(ttl, ttls[k]) == 0));
    json_object_set_new(pg.ctx, "ttl_options", options);
    pg_csrf(&pg);
    pg_render(&pg, 200, "account_tokens");
}

void
pg_token_new_post(struct eg_call *c, void *ctx)
{
    (void)ctx;
    static const struct field fields[] = {
        {"name", 100, F_REQUIRED, "token_name_required"},
        {"ttl_days", 3, F_REQUIRED, "ttl_required"},
    };
    struct form f;
    if (form_read(c, &f) != EG_OK)
        return;
    const char *v[EG_ARRAY_LEN(fields)];
    form_check(&f, fields, EG_ARRAY_LEN(fields), v);
    long long days = 0;
    if (v[1] && eg_parse_i64(v[1], 1, 366, &days) != EG_OK)
        form_error(&f, "ttl_days", "ttl_required");
    /* The ticked boxes, one "scope" pair each, as "read write". */
    struct eg_buf scopes = EG_BUF_INIT(128);
    for (size_t i = 0; i < f.n; i++) {
        if (strcmp(f.kv[i].key, "scope") != 0 || strlen(f.kv[i].value) > 16)
            continue;
        if ((scopes.len && eg_buf_addc(&scopes, ' ') != EG_OK) ||
            eg_buf_adds(&scopes, f.kv[i].value) != EG_OK)
            break;
        char key[32];
        snprintf(key, sizeof(key), "scope_%s", f.kv[i].value);
        json_object_set_new(f.values, key, json_true());
    }
    struct eg_buf msg = EG_BUF_INIT(256);
    if (!scopes.len)
        form_error(&f, "scope-read", "scopes_required");
    else if (eg_scopes_check(scopes.p, &msg) != EG_OK)
        form_error_text(&f, "scope-read", eg_arena_strdup(eg_req_arena(c->req), msg.p));
    if (form_has_errors(&f)) {
        eg_buf_release(&scopes);
        eg_buf_release(&msg);
        form_fail(&f, "/account/tokens");
        return;
    }
    char token[64];
    int64_t id = 0;
    struct eg_tx *tx;
    enum eg_err rc = eg_db_begin(c->db, EG_TX_WRITE, &tx);
    if (rc == EG_OK) {
        rc = eg_api_token_create(tx, c->who.account_id, v[0], scopes.p, days * DAY_MS, pg_actor(c),
                                 c->now_ms, &id, token, sizeof(token));
        if (rc == EG_OK)
            rc = eg_tx_commit(tx);
        else
            eg_tx_rollback(tx);
    }
    eg_buf_release(&scopes);
    eg_buf_release(&msg);
    if (rc != EG_OK) {
        form_release(&f);
        eg_resp_err(c->req, rc, NULL);
        return;
    }
    json_object_set_new(f.data, "token", json_string(token));
    explicit_bzero(token, sizeof(token));
    form_done(&f, "/account/tokens", "token_created");
}

void
pg_token_revoke_post(struct eg_call *c, void *ctx)
{
    long long id;
    struct page pg;
    struct eg_tx *tx;
    enum eg_err rc = eg_parse_i64(eg_req_param(c->req, "id"), 1, INT64_MAX, &id);
    if (rc == EG_OK)
        rc = eg_db_begin(c->db, EG_TX_WRITE, &tx);
    else
        rc = EG_ENOTFOUND;
    if (rc == EG_OK) {
        rc = eg_api_token_revoke(tx, c->who.account_id, id, pg_actor(c), c->now_ms);
        if (rc == EG_OK)
            rc = eg_tx_commit(tx);
        else
            eg_tx_rollback(tx);
    }
    if (rc == EG_ENOTFOUND) {
        pg_begin(&pg, c, ctx);
        pg_error(&pg, 404, "not_found");
    } else if (rc != EG_OK) {
        eg_resp_err(c->req, rc, NULL);
    } else {
        pg_redirect_notice(c, "/account/tokens", "token_revoked");
    }
}
