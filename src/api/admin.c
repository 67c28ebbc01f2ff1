/*
 * admin.c - administration over the API: accounts, staff, roles, org units,
 * and the audit log. Every object is checked against the caller's grants on
 * its org unit (a role holds in the unit's whole subtree); reading someone's
 * personal data is audited.
 */
#include "api_int.h"

#include "audit/audit.h"
#include "directory/directory.h"
#include "notify/notify.h"

#include <stdio.h>
#include <string.h>

#define MAX_SCOPE_UNITS 32

static const char *
msgdup(struct eg_call *c, const struct eg_buf *msg)
{
    return msg->len ? eg_arena_strdup(eg_req_arena(c->req), msg->p) : NULL;
}

static void
answer_err(struct eg_call *c, enum eg_err rc, const struct eg_buf *msg)
{
    int status = eg_http_status_of(rc);
    if (status < 500)
        eg_resp_error(c->req, status, eg_err_code(rc), msgdup(c, msg));
    else
        eg_resp_err(c->req, rc, NULL);
}

static bool
id_param(struct eg_call *c, const char *name, long long *out)
{
    if (eg_parse_i64(eg_req_param(c->req, name), 1, INT64_MAX, out) == EG_OK)
        return true;
    eg_resp_error(c->req, 404, "not_found", NULL);
    return false;
}

/* The account as an object of access decisions: its home unit (eg_account_home_unit). */
static enum eg_err
account_target(struct eg_tx *tx, struct eg_call *c, int64_t account_id, struct eg_access_target *t)
{
    t->owner_id = account_id;
    return eg_account_home_unit(c->identity, tx, account_id, &t->org_unit_id);
}

/* GET /api/v1/admin/accounts?q=&kind=&page=&per_page= */
void
eg_api_admin_accounts(struct eg_call *c, void *ctx)
{
    (void)ctx;
    long long page, per_page;
    if (eg_api_query_int(c->req, "page", 1, 100000, 1, &page) != EG_OK ||
        eg_api_query_int(c->req, "per_page", 1, 200, 50, &per_page) != EG_OK)
        return;
    const char *q = eg_req_query(c->req, "q");
    const char *kind = eg_req_query(c->req, "kind");
    enum eg_account_kind k;
    if ((q && strlen(q) > 200) || (kind && eg_account_kind_parse(kind, &k) != EG_OK)) {
        eg_resp_error(c->req, 400, "invalid_argument",
                      "Tham số q tối đa 200 byte; kind là citizen, business hoặc staff.");
        return;
    }
    int64_t units[MAX_SCOPE_UNITS], root = 0;
    size_t n = 0;
    struct eg_tx *tx;
    json_t *out = NULL;
    enum eg_err rc = eg_db_begin(c->db, EG_TX_READ, &tx);
    if (rc == EG_OK)
        rc = eg_access_units(tx, &c->subject, EG_PERM_ACCOUNT_READ, units, MAX_SCOPE_UNITS, &n);
    if (rc == EG_OK)
        rc = eg_org_unit_root(tx, &root);
    struct eg_account_query aq = {
        .q = q && *q ? q : NULL,
        .kind = kind,
        .units = units,
        .nunits = n,
        .limit = (int)per_page,
        .offset = (int)((page - 1) * per_page),
    };
    /* A grant on the root covers everyone, citizens included. */
    for (size_t i = 0; i < n; i++)
        aq.all = aq.all || units[i] == root;
    if (rc == EG_OK)
        rc = eg_account_search(c->identity, tx, &aq, &out);
    eg_tx_rollback(tx);
    if (rc != EG_OK) {
        eg_resp_err(c->req, rc, NULL);
        return;
    }
    json_object_set_new(out, "page", json_integer(page));
    json_object_set_new(out, "per_page", json_integer(per_page));
    eg_resp_json(c->req, 200, out);
}

/* GET /api/v1/admin/accounts/{id}: the whole account, personal id included (audited). */
void
eg_api_admin_account(struct eg_call *c, void *ctx)
{
    (void)ctx;
    long long id;
    if (!id_param(c, "id", &id))
        return;
    struct eg_tx *tx;
    struct eg_access_target t;
    enum eg_err rc = eg_db_begin(c->db, EG_TX_READ, &tx);
    if (rc == EG_OK)
        rc = account_target(tx, c, id, &t);
    eg_tx_rollback(tx);
    if (rc == EG_ENOTFOUND) {
        eg_resp_error(c->req, 404, "not_found", NULL);
        return;
    }
    if (rc != EG_OK) {
        eg_resp_err(c->req, rc, NULL);
        return;
    }
    if (eg_gate_allow(c, EG_PERM_ACCOUNT_READ, &t) != EG_OK)
        return;
    json_t *a = NULL, *roles = NULL, *units = NULL;
    char object[40];
    snprintf(object, sizeof(object), "account:%lld", id);
    /* The read of personal data and its audit entry go together. */
    rc = eg_db_begin(c->db, EG_TX_WRITE, &tx);
    if (rc == EG_OK)
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
    if (rc != EG_OK) {
        json_decref(a);
        json_decref(roles);
        json_decref(units);
        eg_resp_err(c->req, rc, NULL);
        return;
    }
    json_object_set_new(a, "roles", roles);
    json_object_set_new(a, "assignments", units);
    eg_resp_json(c->req, 200, a);
}

/* POST /api/v1/admin/staff {"login","name","email","org","position","ldap"} */
void
eg_api_admin_staff_new(struct eg_call *c, void *ctx)
{
    (void)ctx;
    static const struct eg_json_field fields[] = {
        {"login", EG_JSON_STRING, true, 64, 0, 0},
        {"name", EG_JSON_STRING, true, 300, 0, 0},
        {"email", EG_JSON_STRING, true, 254, 0, 0},
        {"phone", EG_JSON_STRING, false, 32, 0, 0},
        {"org", EG_JSON_STRING, true, EG_AGENCY_CODE_MAX, 0, 0},
        {"position", EG_JSON_STRING, true, 200, 0, 0},
        {"ldap", EG_JSON_BOOL, false, 0, 0, 0},
    };
    json_t *in;
    if (eg_api_read_json(c->req, &in) != EG_OK)
        return;
    if (eg_api_check(c->req, in, fields, EG_ARRAY_LEN(fields)) != EG_OK) {
        json_decref(in);
        return;
    }
    struct eg_buf msg = EG_BUF_INIT(512);
    struct eg_tx *tx;
    int64_t unit = 0, account = 0;
    bool ldap = json_is_true(json_object_get(in, "ldap"));
    enum eg_err rc = eg_db_begin(c->db, EG_TX_READ, &tx);
    if (rc == EG_OK) {
        rc = eg_org_unit_id(tx, json_string_value(json_object_get(in, "org")), &unit);
        eg_tx_rollback(tx);
    }
    if (rc == EG_ENOTFOUND) {
        eg_resp_error(c->req, 400, "invalid_argument", "Không có đơn vị với mã định danh này.");
        goto out;
    }
    if (rc != EG_OK) {
        eg_resp_err(c->req, rc, NULL);
        goto out;
    }
    struct eg_access_target t = {unit, 0};
    if (eg_gate_allow(c, EG_PERM_STAFF_MANAGE, &t) != EG_OK)
        goto out;
    /*
     * No password is chosen for someone else: a local account gets an emailed
     * link to set its own (a password reset), an LDAP one signs in with its
     * directory password.
     */
    struct eg_account_new n = {
        .kind = EG_ACCOUNT_STAFF,
        .login = json_string_value(json_object_get(in, "login")),
        .name = json_string_value(json_object_get(in, "name")),
        .email = json_string_value(json_object_get(in, "email")),
        .phone = json_string_value(json_object_get(in, "phone")),
        .ldap = ldap,
        .password_later = !ldap,
        .active = true,
    };
    char actor[40];
    snprintf(actor, sizeof(actor), "account:%lld", (long long)c->who.account_id);
    rc = eg_db_begin(c->db, EG_TX_WRITE, &tx);
    if (rc == EG_OK) {
        rc = eg_account_create(c->identity, tx, &n, actor, c->now_ms, &account, &msg);
        if (rc == EG_OK)
            rc = eg_staff_assign(tx, account, unit,
                                 json_string_value(json_object_get(in, "position")), c->now_ms,
                                 &msg);
        if (rc == EG_OK && !ldap)
            rc = eg_password_reset_request(c->identity, tx, n.login, eg_req_remote(c->req),
                                           c->now_ms);
        if (rc == EG_OK)
            rc = eg_tx_commit(tx);
        else
            eg_tx_rollback(tx);
    }
    if (rc != EG_OK) {
        answer_err(c, rc, &msg);
        goto out;
    }
    eg_notifier_kick(c->notifier);
    eg_resp_json(c->req, 201,
                 json_pack("{s:I, s:s, s:s}", "id", (json_int_t)account, "login", n.login,
                           "auth_source", ldap ? "ldap" : "local"));
out:
    eg_buf_release(&msg);
    json_decref(in);
}

/* PATCH /api/v1/admin/accounts/{id} {"status":"active"|"disabled"} */
void
eg_api_admin_account_update(struct eg_call *c, void *ctx)
{
    (void)ctx;
    static const struct eg_json_field fields[] = {{"status", EG_JSON_STRING, true, 16, 0, 0}};
    long long id;
    if (!id_param(c, "id", &id))
        return;
    json_t *in;
    if (eg_api_read_json(c->req, &in) != EG_OK)
        return;
    if (eg_api_check(c->req, in, fields, EG_ARRAY_LEN(fields)) != EG_OK) {
        json_decref(in);
        return;
    }
    const char *status = json_string_value(json_object_get(in, "status"));
    struct eg_tx *tx;
    struct eg_access_target t;
    enum eg_err rc = EG_OK;
    if (strcmp(status, "active") != 0 && strcmp(status, "disabled") != 0) {
        eg_resp_error(c->req, 400, "invalid_argument", "status là active hoặc disabled.");
        goto out;
    }
    if (id == c->who.account_id) {
        eg_gate_refuse(c, "forbidden", "Không ai tự khóa hay mở khóa tài khoản của mình.");
        goto out;
    }
    rc = eg_db_begin(c->db, EG_TX_READ, &tx);
    if (rc == EG_OK) {
        rc = account_target(tx, c, id, &t);
        eg_tx_rollback(tx);
    }
    if (rc == EG_ENOTFOUND) {
        eg_resp_error(c->req, 404, "not_found", NULL);
        goto out;
    }
    if (rc != EG_OK) {
        eg_resp_err(c->req, rc, NULL);
        goto out;
    }
    if (eg_gate_allow(c, EG_PERM_STAFF_MANAGE, &t) != EG_OK)
        goto out;
    /* A lower administrator does not lock out a province administrator. */
    bool target_top = false, actor_top = false;
    rc = eg_db_begin(c->db, EG_TX_READ, &tx);
    if (rc == EG_OK) {
        rc = eg_access_holds_role(tx, id, EG_ROLE_PROVINCE_ADMIN, &target_top);
        if (rc == EG_OK)
            rc = eg_access_holds_role(tx, c->who.account_id, EG_ROLE_PROVINCE_ADMIN, &actor_top);
        eg_tx_rollback(tx);
    }
    if (rc != EG_OK) {
        eg_resp_err(c->req, rc, NULL);
        goto out;
    }
    if (target_top && !actor_top) {
        eg_gate_refuse(c, "forbidden",
                       "Chỉ quản trị cấp tỉnh mới khóa được tài khoản quản trị cấp tỉnh.");
        goto out;
    }
    char actor[40];
    snprintf(actor, sizeof(actor), "account:%lld", (long long)c->who.account_id);
    rc = eg_db_begin(c->db, EG_TX_WRITE, &tx);
    if (rc == EG_OK) {
        rc = eg_account_set_status(tx, id, status, actor, c->now_ms);
        if (rc == EG_OK)
            rc = eg_tx_commit(tx);
        else
            eg_tx_rollback(tx);
    }
    if (rc != EG_OK)
        eg_resp_err(c->req, rc, NULL);
    else
        eg_resp_json(c->req, 200, json_pack("{s:I, s:s}", "id", (json_int_t)id, "status", status));
out:
    json_decref(in);
}

/* POST /api/v1/admin/accounts/{id}/roles {"role","org"} */
void
eg_api_admin_role_grant(struct eg_call *c, void *ctx)
{
    (void)ctx;
    static const struct eg_json_field fields[] = {
        {"role", EG_JSON_STRING, true, 32, 0, 0},
        {"org", EG_JSON_STRING, true, EG_AGENCY_CODE_MAX, 0, 0},
    };
    long long id;
    if (!id_param(c, "id", &id))
        return;
    json_t *in;
    if (eg_api_read_json(c->req, &in) != EG_OK)
        return;
    if (eg_api_check(c->req, in, fields, EG_ARRAY_LEN(fields)) != EG_OK) {
        json_decref(in);
        return;
    }
    enum eg_role role;
    struct eg_buf msg = EG_BUF_INIT(512);
    int64_t unit = 0, grant = 0;
    struct eg_tx *tx;
    enum eg_err rc = eg_role_parse(json_string_value(json_object_get(in, "role")), &role);
    if (rc != EG_OK) {
        eg_resp_error(c->req, 400, "invalid_argument", "Vai trò không hợp lệ.");
        goto out;
    }
    rc = eg_db_begin(c->db, EG_TX_WRITE, &tx);
    if (rc == EG_OK) {
        rc = eg_org_unit_id(tx, json_string_value(json_object_get(in, "org")), &unit);
        if (rc == EG_ENOTFOUND &&
            eg_buf_adds(&msg, "Không có đơn vị với mã định danh này.") != EG_OK)
            eg_buf_reset(&msg);
        if (rc == EG_OK)
            rc = eg_role_grant(tx, &c->subject, id, role, unit, c->now_ms, &grant, &msg);
        if (rc == EG_OK)
            rc = eg_tx_commit(tx);
        else
            eg_tx_rollback(tx);
    }
    if (rc == EG_EFORBIDDEN || rc == EG_EUNAUTH) {
        eg_gate_refuse(c, "forbidden", msgdup(c, &msg));
    } else if (rc != EG_OK) {
        answer_err(c, rc, &msg);
    } else {
        eg_resp_json(c->req, 201,
                     json_pack("{s:I, s:s, s:s}", "id", (json_int_t)grant, "role",
                               eg_role_str(role), "org",
                               json_string_value(json_object_get(in, "org"))));
    }
out:
    eg_buf_release(&msg);
    json_decref(in);
}

/* DELETE /api/v1/admin/role-grants/{id} */
void
eg_api_admin_role_revoke(struct eg_call *c, void *ctx)
{
    (void)ctx;
    long long id;
    if (!id_param(c, "id", &id))
        return;
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
    if (rc == EG_OK)
        eg_resp_bytes(c->req, 204, "application/json", "", 0);
    else if (rc == EG_EFORBIDDEN || rc == EG_EUNAUTH)
        eg_gate_refuse(c, "forbidden", msgdup(c, &msg));
    else
        answer_err(c, rc, &msg);
    eg_buf_release(&msg);
}

/* POST /api/v1/org-units {"code","parent","kind","name",...} */
void
eg_api_org_unit_new(struct eg_call *c, void *ctx)
{
    (void)ctx;
    static const struct eg_json_field fields[] = {
        {"code", EG_JSON_STRING, true, EG_AGENCY_CODE_MAX, 0, 0},
        {"parent", EG_JSON_STRING, true, EG_AGENCY_CODE_MAX, 0, 0},
        {"kind", EG_JSON_STRING, true, 32, 0, 0},
        {"name", EG_JSON_STRING, true, 300, 0, 0},
        {"name_en", EG_JSON_STRING, false, 300, 0, 0},
        {"short_name", EG_JSON_STRING, false, 300, 0, 0},
        {"address", EG_JSON_STRING, false, 300, 0, 0},
        {"phone", EG_JSON_STRING, false, 300, 0, 0},
        {"email", EG_JSON_STRING, false, 300, 0, 0},
        {"website", EG_JSON_STRING, false, 300, 0, 0},
        {"valid_from", EG_JSON_STRING, true, 10, 0, 0},
    };
    json_t *in;
    if (eg_api_read_json(c->req, &in) != EG_OK)
        return;
    if (eg_api_check(c->req, in, fields, EG_ARRAY_LEN(fields)) != EG_OK) {
        json_decref(in);
        return;
    }
    struct eg_buf msg = EG_BUF_INIT(512);
    struct eg_tx *tx;
    int64_t parent = 0;
    enum eg_org_kind kind;
    const char *code = json_string_value(json_object_get(in, "code"));
    enum eg_err rc = eg_org_kind_parse(json_string_value(json_object_get(in, "kind")), &kind);
    if (rc != EG_OK) {
        eg_resp_error(c->req, 400, "invalid_argument", "Loại đơn vị (kind) không hợp lệ.");
        goto out;
    }
    rc = eg_db_begin(c->db, EG_TX_READ, &tx);
    if (rc == EG_OK) {
        rc = eg_org_unit_id(tx, json_string_value(json_object_get(in, "parent")), &parent);
        eg_tx_rollback(tx);
    }
    if (rc == EG_ENOTFOUND) {
        eg_resp_error(c->req, 400, "invalid_argument", "Không có đơn vị cấp trên với mã này.");
        goto out;
    }
    if (rc != EG_OK) {
        eg_resp_err(c->req, rc, NULL);
        goto out;
    }
    struct eg_access_target t = {parent, 0};
    if (eg_gate_allow(c, EG_PERM_ORG_MANAGE, &t) != EG_OK)
        goto out;
    struct eg_org_unit u = {
        .code = code,
        .parent_code = json_string_value(json_object_get(in, "parent")),
        .kind = kind,
        .name = json_string_value(json_object_get(in, "name")),
        .name_en = json_string_value(json_object_get(in, "name_en")),
        .short_name = json_string_value(json_object_get(in, "short_name")),
        .address = json_string_value(json_object_get(in, "address")),
        .phone = json_string_value(json_object_get(in, "phone")),
        .email = json_string_value(json_object_get(in, "email")),
        .website = json_string_value(json_object_get(in, "website")),
        .valid_from = json_string_value(json_object_get(in, "valid_from")),
    };
    char object[64];
    snprintf(object, sizeof(object), "org_unit:%s", code);
    rc = eg_db_begin(c->db, EG_TX_WRITE, &tx);
    if (rc == EG_OK) {
        rc = eg_org_unit_create(tx, &u, c->now_ms, &msg);
        if (rc == EG_OK)
            rc = eg_gate_audit(c, tx, "admin.org_unit.create", object, true, NULL);
        if (rc == EG_OK)
            rc = eg_tx_commit(tx);
        else
            eg_tx_rollback(tx);
    }
    if (rc != EG_OK) {
        answer_err(c, rc, &msg);
        goto out;
    }
    json_t *unit = NULL;
    rc = eg_org_unit_get(c->db, code, &unit);
    if (rc != EG_OK)
        eg_resp_err(c->req, rc, NULL);
    else
        eg_resp_json(c->req, 201, unit);
out:
    eg_buf_release(&msg);
    json_decref(in);
}

/* PATCH /api/v1/org-units/{code} {fields..., "valid_to"} */
void
eg_api_org_unit_update(struct eg_call *c, void *ctx)
{
    (void)ctx;
    static const struct eg_json_field fields[] = {
        {"name", EG_JSON_STRING, false, 300, 0, 0},
        {"name_en", EG_JSON_STRING, false, 300, 0, 0},
        {"short_name", EG_JSON_STRING, false, 300, 0, 0},
        {"address", EG_JSON_STRING, false, 300, 0, 0},
        {"phone", EG_JSON_STRING, false, 300, 0, 0},
        {"email", EG_JSON_STRING, false, 300, 0, 0},
        {"website", EG_JSON_STRING, false, 300, 0, 0},
        {"valid_to", EG_JSON_STRING, false, 10, 0, 0},
    };
    const char *code = eg_req_param(c->req, "code");
    json_t *in;
    if (eg_api_read_json(c->req, &in) != EG_OK)
        return;
    if (eg_api_check(c->req, in, fields, EG_ARRAY_LEN(fields)) != EG_OK) {
        json_decref(in);
        return;
    }
    struct eg_buf msg = EG_BUF_INIT(512);
    struct eg_tx *tx;
    int64_t unit = 0;
    enum eg_err rc = eg_db_begin(c->db, EG_TX_READ, &tx);
    if (rc == EG_OK) {
        rc = eg_org_unit_id(tx, code, &unit);
        eg_tx_rollback(tx);
    }
    if (rc == EG_ENOTFOUND) {
        eg_resp_error(c->req, 404, "not_found", NULL);
        goto out;
    }
    if (rc != EG_OK) {
        eg_resp_err(c->req, rc, NULL);
        goto out;
    }
    struct eg_access_target t = {unit, 0};
    if (eg_gate_allow(c, EG_PERM_ORG_MANAGE, &t) != EG_OK)
        goto out;
    struct eg_org_unit_update u = {
        .name = json_string_value(json_object_get(in, "name")),
        .name_en = json_string_value(json_object_get(in, "name_en")),
        .short_name = json_string_value(json_object_get(in, "short_name")),
        .address = json_string_value(json_object_get(in, "address")),
        .phone = json_string_value(json_object_get(in, "phone")),
        .email = json_string_value(json_object_get(in, "email")),
        .website = json_string_value(json_object_get(in, "website")),
    };
    const char *valid_to = json_string_value(json_object_get(in, "valid_to"));
    bool changes =
        u.name || u.name_en || u.short_name || u.address || u.phone || u.email || u.website;
    char object[64];
    snprintf(object, sizeof(object), "org_unit:%s", code);
    rc = eg_db_begin(c->db, EG_TX_WRITE, &tx);
    if (rc == EG_OK) {
        if (changes)
            rc = eg_org_unit_update(tx, code, &u, c->now_ms, &msg);
        if (rc == EG_OK && valid_to)
            rc = eg_org_unit_close(tx, code, valid_to, c->now_ms, &msg);
        if (rc == EG_OK)
            rc = eg_gate_audit(c, tx, valid_to ? "admin.org_unit.close" : "admin.org_unit.update",
                               object, true, NULL);
        if (rc == EG_OK)
            rc = eg_tx_commit(tx);
        else
            eg_tx_rollback(tx);
    }
    if (rc != EG_OK) {
        answer_err(c, rc, &msg);
        goto out;
    }
    json_t *o = NULL;
    rc = eg_org_unit_get(c->db, code, &o);
    if (rc != EG_OK)
        eg_resp_err(c->req, rc, NULL);
    else
        eg_resp_json(c->req, 200, o);
out:
    eg_buf_release(&msg);
    json_decref(in);
}

/* GET /api/v1/audit?actor=&action=&object=&outcome=&from=&to=&before=&limit= */
void
eg_api_audit(struct eg_call *c, void *ctx)
{
    (void)ctx;
    long long limit, before, from, to;
    if (eg_api_query_int(c->req, "limit", 1, 200, 50, &limit) != EG_OK ||
        eg_api_query_int(c->req, "before", 0, INT64_MAX, 0, &before) != EG_OK ||
        eg_api_query_int(c->req, "from", 0, INT64_MAX, 0, &from) != EG_OK ||
        eg_api_query_int(c->req, "to", 0, INT64_MAX, 0, &to) != EG_OK)
        return;
    struct eg_audit_filter f = {
        .actor = eg_req_query(c->req, "actor"),
        .action_prefix = eg_req_query(c->req, "action"),
        .object = eg_req_query(c->req, "object"),
        .from_ms = from,
        .to_ms = to,
        .before_seq = before,
        .limit = (int)limit,
    };
    f.outcome = eg_req_query(c->req, "outcome");
    json_t *out = NULL;
    enum eg_err rc = eg_audit_list(c->db, &f, &out);
    if (rc == EG_EINVAL)
        eg_resp_error(c->req, 400, "invalid_argument",
                      "Bộ lọc không hợp lệ (outcome là success, failure hoặc denied).");
    else if (rc != EG_OK)
        eg_resp_err(c->req, rc, NULL);
    else
        eg_resp_json(c->req, 200, out);
}
