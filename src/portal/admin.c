/*
 * admin.c - administration of accounts: finding them, one account with its
 * roles and units (reading it is audited, as in the API), enabling and
 * disabling, granting and revoking roles, and creating staff accounts. Every
 * object is checked against the caller's grants on its org unit.
 */
#include "portal_int.h"

#include "directory/directory.h"
#include "notify/notify.h"

#include <stdio.h>
#include <string.h>

#define MAX_SCOPE_UNITS 32
#define PER_PAGE 25

static void
section(struct page *pg, const char *tab)
{
    json_object_set_new(pg->ctx, "nav_admin", json_true());
    pg_flag(pg->ctx, "tab", tab);
}

static const char *
account_path(struct eg_call *c, long long id)
{
    return eg_arena_printf(eg_req_arena(c->req), "/admin/accounts/%lld", id);
}

static void
not_found(struct eg_call *c, void *ctx)
{
    struct page pg;
    pg_begin(&pg, c, ctx);
    pg_error(&pg, 404, "not_found");
}

/* The account as an object of access decisions: its home unit (eg_account_home_unit). */
static enum eg_err
account_target(struct eg_tx *tx, struct eg_call *c, int64_t account_id, struct eg_access_target *t)
{
    t->owner_id = account_id;
    return eg_account_home_unit(c->identity, tx, account_id, &t->org_unit_id);
}

/* Reads the target of account id; answers 404 (or the error) itself when it fails. */
static bool
target_of(struct eg_call *c, void *ctx, long long id, struct eg_access_target *t)
{
    struct eg_tx *tx;
    enum eg_err rc = eg_db_begin(c->db, EG_TX_READ, &tx);
    if (rc == EG_OK) {
        rc = account_target(tx, c, id, t);
        eg_tx_rollback(tx);
    }
    if (rc == EG_ENOTFOUND)
        not_found(c, ctx);
    else if (rc != EG_OK)
        eg_resp_err(c->req, rc, NULL);
    return rc == EG_OK;
}

static bool
id_param(struct eg_call *c, void *ctx, const char *name, long long *out)
{
    if (eg_parse_i64(eg_req_param(c->req, name), 1, INT64_MAX, out) == EG_OK)
        return true;
    not_found(c, ctx);
    return false;
}

/* ---- GET /admin --------------------------------------------------------------------------- */

void
pg_admin(struct eg_call *c, void *ctx)
{
    static const enum eg_perm perms[] = {EG_PERM_ACCOUNT_READ, EG_PERM_STAFF_MANAGE,
                                         EG_PERM_ROLE_GRANT,   EG_PERM_ORG_MANAGE,
                                         EG_PERM_AUDIT_READ,   EG_PERM_PROCEDURE_MANAGE};
    bool any = false;
    struct eg_tx *tx;
    if (eg_db_begin(c->db, EG_TX_READ, &tx) == EG_OK) {
        for (size_t i = 0; i < EG_ARRAY_LEN(perms) && !any; i++)
            any = eg_access_decide(tx, &c->subject, perms[i], NULL) == EG_OK;
        eg_tx_rollback(tx);
    }
    /* Nothing to administer: the gate's refusal, audited like any other. */
    if (!any && eg_gate_allow(c, EG_PERM_ACCOUNT_READ, NULL) != EG_OK)
        return;
    struct page pg;
    pg_begin(&pg, c, ctx);
    section(&pg, "home");
    pg_render(&pg, 200, "admin/index");
}

/* ---- GET /admin/accounts ------------------------------------------------------------------- */

void
pg_admin_accounts(struct eg_call *c, void *ctx)
{
    struct page pg;
    pg_begin(&pg, c, ctx);
    section(&pg, "accounts");
    long long page = pg_query_int(c, "page", 1, 100000, 1);
    const char *q = eg_req_query(c->req, "q");
    const char *kind = pg_query_str(c, "kind", 16);
    enum eg_account_kind k;
    if (q && strlen(q) > 200) {
        json_object_set_new(pg.ctx, "q_too_long", json_true());
        q = NULL;
    }
    if (kind && eg_account_kind_parse(kind, &k) != EG_OK)
        kind = NULL;
    json_object_set_new(pg.ctx, "q", json_string(q ? q : ""));
    pg_flag(pg.ctx, "filter_kind", kind ? kind : "any");
    int64_t units[MAX_SCOPE_UNITS], root = 0;
    size_t n = 0;
    struct eg_tx *tx;
    json_t *out = NULL;
    enum eg_err rc = eg_db_begin(c->db, EG_TX_READ, &tx);
    if (rc == EG_OK) {
        rc = eg_access_units(tx, &c->subject, EG_PERM_ACCOUNT_READ, units, MAX_SCOPE_UNITS, &n);
        if (rc == EG_OK)
            rc = eg_org_unit_root(tx, &root);
        struct eg_account_query aq = {
            .q = q && *q ? q : NULL,
            .kind = kind,
            .units = units,
            .nunits = n,
            .limit = PER_PAGE,
            .offset = (int)((page - 1) * PER_PAGE),
        };
        /* A grant on the root covers everyone, citizens included. */
        for (size_t i = 0; i < n; i++)
            aq.all = aq.all || units[i] == root;
        if (rc == EG_OK)
            rc = eg_account_search(c->identity, tx, &aq, &out);
        eg_tx_rollback(tx);
    }
    if (rc != EG_OK) {
        pg_release(&pg);
        eg_resp_err(c->req, rc, NULL);
        return;
    }
    json_t *items = json_object_get(out, "items");
    size_t i;
    json_t *a;
    json_array_foreach(items, i, a)
    {
        pg_flag(a, "kind", json_string_value(json_object_get(a, "kind")));
        pg_flag(a, "status", json_string_value(json_object_get(a, "status")));
        if (!json_object_get(a, "personal_id_masked"))
            json_object_set_new(a, "personal_id_masked", json_null());
        json_object_set_new(
            a, "link",
            json_string(account_path(c, (long long)json_integer_value(json_object_get(a, "id")))));
    }
    json_object_set_new(pg.ctx, "accounts_any", json_boolean(json_array_size(items) > 0));
    json_int_t total = json_integer_value(json_object_get(out, "total"));
    json_object_set(pg.ctx, "accounts", items);
    json_object_set_new(pg.ctx, "total", json_integer(total));
    const char *kv[] = {"q", q, "kind", kind, NULL};
    pg_paging(&pg, "/admin/accounts", kv, page, PER_PAGE, total);
    json_decref(out);
    pg_render(&pg, 200, "admin/accounts");
}

/* ---- GET /admin/accounts/{id} --------------------------------------------------------------- */

/* The roles an administrator may grant, with their names in this language. */
static json_t *
role_options(const char *lang)
{
    json_t *list = json_array();
    for (int r = EG_ROLE_DESK_OFFICER; r < EG_ROLE_COUNT; r++)
        json_array_append_new(list, json_pack("{s:s, s:s}", "value", eg_role_str((enum eg_role)r),
                                              "title", eg_role_title((enum eg_role)r, lang)));
    return list;
}

/* The account page's data: role names in the page's language, links, the role choices. */
static void
shape_account(struct page *pg, json_t *a, json_t *roles, json_t *units, long long id)
{
    struct eg_call *c = pg->c;
    struct eg_arena *ar = eg_req_arena(c->req);
    size_t i;
    json_t *g;
    json_array_foreach(roles, i, g)
    {
        enum eg_role r;
        if (eg_role_parse(json_string_value(json_object_get(g, "role")), &r) == EG_OK)
            json_object_set_new(g, "title", json_string(eg_role_title(r, pg->lang)));
        json_object_set_new(
            g, "revoke_url",
            json_string(eg_arena_printf(ar, "/admin/role-grants/%lld/revoke",
                                        (long long)json_integer_value(json_object_get(g, "id")))));
    }
    const char *show = eg_req_query(c->req, "show");
    pg_mask_pid(a, show && strcmp(show, "pid") == 0);
    const char *kind = json_string_value(json_object_get(a, "kind"));
    pg_flag(a, "kind", kind);
    pg_flag(a, "status", json_string_value(json_object_get(a, "status")));
    json_object_set_new(a, "self", json_boolean(id == c->who.account_id));
    json_object_set_new(a, "account_id", json_integer(id));
    json_object_set_new(a, "roles_any", json_boolean(json_array_size(roles) > 0));
    json_object_set_new(a, "assignments_any", json_boolean(json_array_size(units) > 0));
    json_object_set_new(a, "roles", roles);
    json_object_set_new(a, "assignments", units);
    json_object_set_new(a, "status_url",
                        json_string(eg_arena_printf(ar, "/admin/accounts/%lld/status", id)));
    json_object_set_new(a, "grant_url",
                        json_string(eg_arena_printf(ar, "/admin/accounts/%lld/roles", id)));
    json_object_set_new(a, "show_pid_url",
                        json_string(eg_arena_printf(ar, "/admin/accounts/%lld?show=pid", id)));
    json_object_set_new(pg->ctx, "is_staff", json_boolean(kind && strcmp(kind, "staff") == 0));
    json_object_set_new(pg->ctx, "account", a);
    json_t *options = role_options(pg->lang);
    const char *chosen = pg_flash_value(pg, "role");
    json_array_foreach(options, i, g)
    {
        const char *v = json_string_value(json_object_get(g, "value"));
        json_object_set_new(g, "selected", json_boolean(chosen && strcmp(chosen, v) == 0));
    }
    json_object_set_new(pg->ctx, "role_options", options);
}

void
pg_admin_account(struct eg_call *c, void *ctx)
{
    long long id;
    struct eg_access_target t;
    if (!id_param(c, ctx, "id", &id) || !target_of(c, ctx, id, &t))
        return;
    if (eg_gate_allow(c, EG_PERM_ACCOUNT_READ, &t) != EG_OK)
        return;
    json_t *a = NULL, *roles = NULL, *units = NULL;
    char object[40];
    snprintf(object, sizeof(object), "account:%lld", id);
    /* The read of personal data and its audit entry go together. */
    struct eg_tx *tx;
    enum eg_err rc = eg_db_begin(c->db, EG_TX_WRITE, &tx);
    if (rc == EG_OK) {
        rc = eg_account_get(c->identity, tx, id, &a);
        if (rc == EG_OK)
            rc = eg_roles_of(tx, id, eg_req_lang(c->req), &roles);
        if (rc == EG_OK)
            rc = eg_staff_assignments(tx, id, &units);
        if (rc == EG_OK)
            rc = eg_gate_audit(c, tx, "pii.read", object, true, NULL);
        if (rc == EG_OK)
            rc = eg_tx_commit(tx);
        else
            eg_tx_rollback(tx);
    }
    if (rc != EG_OK) {
        json_decref(a);
        json_decref(roles);
        json_decref(units);
        eg_resp_err(c->req, rc, NULL);
        return;
    }
    struct page pg;
    pg_begin(&pg, c, ctx);
    section(&pg, "accounts");
    shape_account(&pg, a, roles, units, id);
    pg_csrf(&pg);
    pg_render(&pg, 200, "admin/account");
}

/* ---- POST /admin/accounts/{id}/status ---------------------------------------------------------- */

void
pg_admin_status_post(struct eg_call *c, void *ctx)
{
    static const struct field fields[] = {{"status", 16, F_REQUIRED, NULL}};
    long long id;
    struct eg_access_target t;
    if (!id_param(c, ctx, "id", &id))
        return;
    struct form f;
    if (form_read(c, &f) != EG_OK)
        return;
    const char *v[1];
    const char *back = account_path(c, id);
    form_check(&f, fields, 1, v);
    if (!v[0] || (strcmp(v[0], "active") != 0 && strcmp(v[0], "disabled") != 0)) {
        form_release(&f);
        struct page pg;
        pg_begin(&pg, c, ctx);
        pg_error(&pg, 400, "bad_request");
        return;
    }
    if (id == c->who.account_id) {
        form_error(&f, "status", "self_status");
        form_fail(&f, back);
        return;
    }
    if (!target_of(c, ctx, id, &t) || eg_gate_allow(c, EG_PERM_STAFF_MANAGE, &t) != EG_OK) {
        form_release(&f);
        return;
    }
    struct eg_tx *tx;
    enum eg_err rc = eg_db_begin(c->db, EG_TX_WRITE, &tx);
    if (rc == EG_OK) {
        rc = eg_account_set_status(tx, id, v[0], pg_actor(c), c->now_ms);
        if (rc == EG_OK)
            rc = eg_tx_commit(tx);
        else
            eg_tx_rollback(tx);
    }
    form_release(&f);
    if (rc != EG_OK)
        eg_resp_err(c->req, rc, NULL);
    else
        pg_redirect_notice(c, back, "status_changed");
}

/* ---- POST /admin/accounts/{id}/roles, /admin/role-grants/{id}/revoke --------------------------- */

void
pg_admin_grant_post(struct eg_call *c, void *ctx)
{
    static const struct field fields[] = {
        {"role", 32, F_REQUIRED, "role_required"},
        {"org", EG_AGENCY_CODE_MAX, F_REQUIRED, "org_required"},
    };
    long long id;
    if (!id_param(c, ctx, "id", &id))
        return;
    struct form f;
    if (form_read(c, &f) != EG_OK)
        return;
    const char *v[EG_ARRAY_LEN(fields)];
    const char *back = account_path(c, id);
    enum eg_role role = EG_ROLE_COUNT;
    form_check(&f, fields, EG_ARRAY_LEN(fields), v);
    if (v[0] && eg_role_parse(v[0], &role) != EG_OK)
        form_error(&f, "role", "role_required");
    if (form_has_errors(&f)) {
        form_fail(&f, back);
        return;
    }
    struct eg_buf msg = EG_BUF_INIT(512);
    int64_t unit = 0, grant = 0;
    struct eg_tx *tx;
    enum eg_err rc = eg_db_begin(c->db, EG_TX_WRITE, &tx);
    if (rc == EG_OK) {
        rc = eg_org_unit_id(tx, v[1], &unit);
        if (rc == EG_OK)
            rc = eg_role_grant(tx, &c->subject, id, role, unit, c->now_ms, &grant, &msg);
        if (rc == EG_OK)
            rc = eg_tx_commit(tx);
        else
            eg_tx_rollback(tx);
    }
    if (rc == EG_ENOTFOUND && unit == 0) {
        form_error(&f, "org", "org_unknown");
        form_fail(&f, back);
    } else if (rc == EG_EFORBIDDEN || rc == EG_EUNAUTH) {
        /* Through the gate's door, so the denial is answered and audited the same way. */
        struct eg_access_target t = {unit, 0};
        if (eg_gate_allow(c, EG_PERM_ROLE_GRANT, &t) == EG_OK) {
            form_error_text(&f, "role", eg_arena_strdup(eg_req_arena(c->req), eg_buf_str(&msg)));
            form_fail(&f, back);
        } else {
            form_release(&f);
        }
    } else if (rc == EG_EINVAL || rc == EG_ECONFLICT || rc == EG_ENOTFOUND) {
        form_error_text(&f, "role", eg_arena_strdup(eg_req_arena(c->req), eg_buf_str(&msg)));
        form_fail(&f, back);
    } else if (rc != EG_OK) {
        form_release(&f);
        eg_resp_err(c->req, rc, NULL);
    } else {
        form_release(&f);
        pg_redirect_notice(c, back, "role_granted");
    }
    eg_buf_release(&msg);
}

void
pg_admin_revoke_post(struct eg_call *c, void *ctx)
{
    static const struct field fields[] = {{"account", 20, F_REQUIRED, NULL}};
    long long id, account;
    if (!id_param(c, ctx, "id", &id))
        return;
    struct form f;
    if (form_read(c, &f) != EG_OK)
        return;
    const char *v[1];
    form_check(&f, fields, 1, v);
    if (!v[0] || eg_parse_i64(v[0], 1, INT64_MAX, &account) != EG_OK) {
        form_release(&f);
        not_found(c, ctx);
        return;
    }
    const char *back = account_path(c, account);
    struct eg_buf msg = EG_BUF_INIT(512);
    struct eg_tx *tx;
    enum eg_err rc = eg_db_begin(c->db, EG_TX_WRITE, &tx);
    if (rc == EG_OK) {
        rc = eg_role_revoke(tx, &c->subject, id, c->now_ms, &msg);
        if (rc == EG_OK)
            rc = eg_tx_commit(tx);
        else
            eg_tx_rollback(tx);
    }
    if (rc == EG_OK) {
        form_release(&f);
        pg_redirect_notice(c, back, "role_revoked");
    } else if (eg_http_status_of(rc) < 500) {
        form_error_text(&f, "role",
                        msg.len ? eg_arena_strdup(eg_req_arena(c->req), msg.p) : eg_strerror(rc));
        form_fail(&f, back);
    } else {
        form_release(&f);
        eg_resp_err(c->req, rc, NULL);
    }
    eg_buf_release(&msg);
}

/* ---- /admin/staff/new ------------------------------------------------------------------------- */

void
pg_admin_staff_new(struct eg_call *c, void *ctx)
{
    struct page pg;
    pg_begin(&pg, c, ctx);
    section(&pg, "staff");
    const char *org = pg_query_str(c, "org", EG_AGENCY_CODE_MAX);
    if (!pg.flash && org)
        json_object_set_new(json_object_get(pg.ctx, "v"), "org", json_string(org));
    pg_csrf(&pg);
    pg_render(&pg, 200, "admin/staff_new");
}

void
pg_admin_staff_new_post(struct eg_call *c, void *ctx)
{
    (void)ctx;
    static const struct field fields[] = {
        {"login", 64, F_REQUIRED, "staff_login_required"},
        {"name", 300, F_REQUIRED, "name_required"},
        {"email", 254, F_REQUIRED, "email_required"},
        {"phone", 32, 0, NULL},
        {"org", EG_AGENCY_CODE_MAX, F_REQUIRED, "org_required"},
        {"position", 200, F_REQUIRED, "position_required"},
        {"ldap", 8, 0, NULL},
    };
    struct form f;
    if (form_read(c, &f) != EG_OK)
        return;
    const char *v[EG_ARRAY_LEN(fields)];
    form_check(&f, fields, EG_ARRAY_LEN(fields), v);
    struct eg_buf msg = EG_BUF_INIT(512);
    if (v[0] && eg_login_name_check(v[0], &msg) != EG_OK)
        form_error_text(&f, "login", eg_arena_strdup(eg_req_arena(c->req), eg_buf_str(&msg)));
    int64_t unit = 0, account = 0;
    struct eg_tx *tx;
    enum eg_err rc = form_unit(&f, "org", v[4], &unit);
    if (rc != EG_OK) {
        form_release(&f);
        eg_resp_err(c->req, rc, NULL);
        goto out;
    }
    if (form_has_errors(&f)) {
        form_fail(&f, "/admin/staff/new");
        goto out;
    }
    struct eg_access_target t = {unit, 0};
    if (eg_gate_allow(c, EG_PERM_STAFF_MANAGE, &t) != EG_OK) {
        form_release(&f);
        goto out;
    }
    /* No password is chosen for someone else: a local account gets an emailed link. */
    bool ldap = v[6] != NULL;
    struct eg_account_new n = {
        .kind = EG_ACCOUNT_STAFF,
        .login = v[0],
        .name = v[1],
        .email = v[2],
        .phone = v[3],
        .ldap = ldap,
        .password_later = !ldap,
        .active = true,
    };
    eg_buf_reset(&msg);
    rc = eg_db_begin(c->db, EG_TX_WRITE, &tx);
    if (rc == EG_OK) {
        rc = eg_account_create(c->identity, tx, &n, pg_actor(c), c->now_ms, &account, &msg);
        if (rc == EG_OK)
            rc = eg_staff_assign(tx, account, unit, v[5], c->now_ms, &msg);
        if (rc == EG_OK && !ldap)
            rc = eg_password_reset_request(c->identity, tx, n.login, eg_req_remote(c->req),
                                           c->now_ms);
        if (rc == EG_OK)
            rc = eg_tx_commit(tx);
        else
            eg_tx_rollback(tx);
    }
    if (rc == EG_EINVAL || rc == EG_ECONFLICT) {
        form_error_text(&f, "", eg_arena_strdup(eg_req_arena(c->req), eg_buf_str(&msg)));
        form_fail(&f, "/admin/staff/new");
    } else if (rc != EG_OK) {
        form_release(&f);
        eg_resp_err(c->req, rc, NULL);
    } else {
        eg_notifier_kick(c->notifier);
        form_release(&f);
        pg_redirect_notice(c, account_path(c, account), "staff_created");
    }
out:
    eg_buf_release(&msg);
}
