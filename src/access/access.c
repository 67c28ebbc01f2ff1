/* access.c - roles, permissions, and the decision. */
#include "access.h"

#include "audit/audit.h"
#include "directory/directory.h"

#include <stdio.h>
#include <string.h>

static const struct {
    const char *name, *vi, *en;
    bool privileged;
} roles[EG_ROLE_COUNT] = {
    [EG_ROLE_CITIZEN] = {"citizen", "Công dân", "Citizen", false},
    [EG_ROLE_BUSINESS] = {"business", "Doanh nghiệp, tổ chức", "Business", false},
    [EG_ROLE_DESK_OFFICER] = {"desk_officer", "Cán bộ một cửa", "One-stop desk officer", false},
    [EG_ROLE_SPECIALIST] = {"specialist", "Chuyên viên", "Specialist", false},
    [EG_ROLE_DEPARTMENT_HEAD] = {"department_head", "Lãnh đạo phòng", "Head of division", true},
    [EG_ROLE_AGENCY_LEADER] = {"agency_leader", "Lãnh đạo cơ quan", "Agency leader", true},
    [EG_ROLE_CLERK] = {"clerk", "Văn thư", "Records clerk", false},
    [EG_ROLE_AGENCY_ADMIN] = {"agency_admin", "Quản trị cơ quan", "Agency administrator", true},
    [EG_ROLE_PROVINCE_ADMIN] = {"province_admin", "Quản trị hệ thống cấp tỉnh",
                                "Province administrator", true},
};

static const char *const perms[EG_PERM_COUNT] = {
    [EG_PERM_PUBLIC] = "public",
    [EG_PERM_SIGNED_IN] = "signed_in",
    [EG_PERM_SELF] = "self",
    [EG_PERM_ORG_MANAGE] = "org.manage",
    [EG_PERM_STAFF_MANAGE] = "staff.manage",
    [EG_PERM_ROLE_GRANT] = "role.grant",
    [EG_PERM_ACCOUNT_READ] = "account.read",
    [EG_PERM_AUDIT_READ] = "audit.read",
    [EG_PERM_PROCEDURE_MANAGE] = "procedure.manage",
    [EG_PERM_REPORT_READ] = "report.read",
};

/*
 * The policy: which granted roles carry a staff permission. Everything not
 * listed is denied. Kept as data so the tests can walk it.
 */
static const unsigned policy[EG_PERM_COUNT] = {
    [EG_PERM_ORG_MANAGE] = 1u << EG_ROLE_AGENCY_ADMIN | 1u << EG_ROLE_PROVINCE_ADMIN,
    [EG_PERM_STAFF_MANAGE] = 1u << EG_ROLE_AGENCY_ADMIN | 1u << EG_ROLE_PROVINCE_ADMIN,
    [EG_PERM_ROLE_GRANT] = 1u << EG_ROLE_AGENCY_ADMIN | 1u << EG_ROLE_PROVINCE_ADMIN,
    [EG_PERM_ACCOUNT_READ] = 1u << EG_ROLE_AGENCY_ADMIN | 1u << EG_ROLE_PROVINCE_ADMIN,
    [EG_PERM_AUDIT_READ] = 1u << EG_ROLE_PROVINCE_ADMIN,
    /* The catalogue is the province's: its administrators keep it (on the root unit). */
    [EG_PERM_PROCEDURE_MANAGE] = 1u << EG_ROLE_PROVINCE_ADMIN,
    [EG_PERM_REPORT_READ] = 1u << EG_ROLE_DEPARTMENT_HEAD | 1u << EG_ROLE_AGENCY_LEADER |
                            1u << EG_ROLE_AGENCY_ADMIN | 1u << EG_ROLE_PROVINCE_ADMIN,
};

const char *
eg_role_str(enum eg_role r)
{
    return (unsigned)r < EG_ROLE_COUNT ? roles[r].name : "unknown";
}

const char *
eg_role_title(enum eg_role r, const char *lang)
{
    if ((unsigned)r >= EG_ROLE_COUNT)
        return "?";
    return lang && strcmp(lang, "en") == 0 ? roles[r].en : roles[r].vi;
}

enum eg_err
eg_role_parse(const char *s, enum eg_role *out)
{
    for (int i = 0; s && i < EG_ROLE_COUNT; i++) {
        if (strcmp(s, roles[i].name) == 0) {
            *out = (enum eg_role)i;
            return EG_OK;
        }
    }
    return EG_EINVAL;
}

bool
eg_role_privileged(enum eg_role r)
{
    return (unsigned)r < EG_ROLE_COUNT && roles[r].privileged;
}

const char *
eg_perm_str(enum eg_perm p)
{
    return (unsigned)p < EG_PERM_COUNT ? perms[p] : "unknown";
}

enum eg_err
eg_perm_parse(const char *s, enum eg_perm *out)
{
    for (int i = 0; s && i < EG_PERM_COUNT; i++) {
        if (strcmp(s, perms[i]) == 0) {
            *out = (enum eg_perm)i;
            return EG_OK;
        }
    }
    return EG_EINVAL;
}

/* Append the SQL list of role names carrying mask to buf: "'a', 'b'". */
static void
role_list(unsigned mask, char *buf, size_t n)
{
    size_t off = 0;
    buf[0] = '\0';
    for (int i = 0; i < EG_ROLE_COUNT; i++) {
        if (mask & (1u << i))
            off += (size_t)snprintf(buf + off, n - off, "%s'%s'", off ? ", " : "", roles[i].name);
        if (off >= n)
            break;
    }
}

/* Does the account hold a role of mask on unit_id or any unit above it (any unit if 0)? */
static enum eg_err
holds(struct eg_tx *tx, int64_t account_id, unsigned mask, int64_t unit_id, bool *out)
{
    *out = false;
    if (mask == 0)
        return EG_OK;
    char list[256], sql[1024];
    role_list(mask, list, sizeof(list));
    if (unit_id == 0)
        snprintf(sql, sizeof(sql),
                 "SELECT count(*) FROM role_grant WHERE account_id = ? AND revoked_at IS NULL "
                 "AND role IN (%s) AND ? = 0",
                 list);
    else
        snprintf(sql, sizeof(sql),
                 "WITH RECURSIVE up (id, parent_id) AS (SELECT id, parent_id FROM org_unit WHERE "
                 "id = ? UNION ALL SELECT o.id, o.parent_id FROM org_unit o JOIN up ON o.id = "
                 "up.parent_id) SELECT count(*) FROM role_grant WHERE account_id = ? AND "
                 "revoked_at IS NULL AND role IN (%s) AND org_unit_id IN (SELECT id FROM up)",
                 list);
    struct eg_stmt *st;
    bool row = false;
    enum eg_err rc = eg_tx_prepare(tx, sql, &st);
    if (rc == EG_OK)
        rc = eg_stmt_bind_i64(st, 1, unit_id == 0 ? account_id : unit_id);
    if (rc == EG_OK)
        rc = eg_stmt_bind_i64(st, 2, unit_id == 0 ? 0 : account_id);
    if (rc == EG_OK)
        rc = eg_stmt_step(st, &row);
    if (rc == EG_OK && row)
        *out = eg_stmt_i64(st, 0) > 0;
    if (rc == EG_OK && row)
        rc = eg_stmt_step(st, &row);
    return rc;
}

enum eg_err
eg_access_holds_on(struct eg_tx *tx, int64_t account_id, unsigned mask, int64_t unit_id, bool *out)
{
    *out = false;
    if (unit_id <= 0 || account_id <= 0)
        return EG_OK;
    return holds(tx, account_id, mask & ((1u << EG_ROLE_COUNT) - 1), unit_id, out);
}

enum eg_err
eg_access_decide(struct eg_tx *tx, const struct eg_subject *s, enum eg_perm p,
                 const struct eg_access_target *t)
{
    static const struct eg_access_target none = {0, 0};
    if (!t)
        t = &none;
    if ((unsigned)p >= EG_PERM_COUNT)
        return EG_EFORBIDDEN;
    if (p == EG_PERM_PUBLIC)
        return EG_OK;
    if (s->kind == EG_SUBJECT_ANONYMOUS || s->account_id <= 0)
        return EG_EUNAUTH;
    if (p == EG_PERM_SIGNED_IN)
        return EG_OK;
    if (p == EG_PERM_SELF)
        return t->owner_id == s->account_id ? EG_OK : EG_EFORBIDDEN;
    /* Staff permissions come only from grants; citizens and businesses hold none. */
    if (s->kind != EG_SUBJECT_STAFF)
        return EG_EFORBIDDEN;
    bool ok = false;
    enum eg_err rc = holds(tx, s->account_id, policy[p], t->org_unit_id, &ok);
    if (rc != EG_OK)
        return rc;
    return ok ? EG_OK : EG_EFORBIDDEN;
}

static enum eg_err
refuse(struct eg_buf *msg, enum eg_err rc, const char *why)
{
    if (msg) {
        eg_buf_reset(msg);
        if (eg_buf_adds(msg, why) != EG_OK)
            eg_buf_reset(msg);
    }
    return rc;
}

static enum eg_err
account_kind(struct eg_tx *tx, int64_t account_id, char *kind, size_t n)
{
    struct eg_stmt *st;
    bool row = false;
    enum eg_err rc = eg_tx_prepare(tx, "SELECT kind FROM account WHERE id = ?", &st);
    if (rc == EG_OK)
        rc = eg_stmt_bind_i64(st, 1, account_id);
    if (rc == EG_OK)
        rc = eg_stmt_step(st, &row);
    if (rc == EG_OK && !row)
        return EG_ENOTFOUND;
    if (rc == EG_OK)
        snprintf(kind, n, "%s", eg_stmt_text(st, 0));
    eg_stmt_reset(st);
    return rc;
}

static enum eg_err
audit(struct eg_tx *tx, const struct eg_subject *by, const char *action, const char *object,
      const char *detail, int64_t now_ms)
{
    char actor[40];
    snprintf(actor, sizeof(actor), "account:%lld", (long long)by->account_id);
    struct eg_audit_event e = {
        .actor = actor,
        .action = action,
        .object = object,
        .outcome = EG_AUDIT_SUCCESS,
        .detail = detail,
    };
    return eg_audit_append(tx, &e, now_ms);
}

/* The grant itself: staff only, recorded and audited. */
static enum eg_err
insert_grant(struct eg_tx *tx, const char *actor, int64_t account_id, enum eg_role role,
             int64_t org_unit_id, int64_t now_ms, int64_t *grant_id, struct eg_buf *msg)
{
    char kind[16];
    enum eg_err rc = account_kind(tx, account_id, kind, sizeof(kind));
    if (rc == EG_ENOTFOUND)
        return refuse(msg, EG_ENOTFOUND, "Không có tài khoản này.");
    if (rc != EG_OK)
        return rc;
    if (strcmp(kind, "staff") != 0)
        return refuse(msg, EG_EINVAL, "Chỉ tài khoản cán bộ mới nhận được vai trò.");
    struct eg_stmt *st;
    bool row = false;
    rc = eg_tx_prepare(tx,
                       "INSERT INTO role_grant (account_id, role, org_unit_id, granted_by, "
                       "granted_at) VALUES (?, ?, ?, ?, ?) RETURNING id",
                       &st);
    if (rc == EG_OK)
        rc = eg_stmt_bind_i64(st, 1, account_id);
    if (rc == EG_OK)
        rc = eg_stmt_bind_text(st, 2, roles[role].name, SIZE_MAX);
    if (rc == EG_OK)
        rc = eg_stmt_bind_i64(st, 3, org_unit_id);
    if (rc == EG_OK)
        rc = eg_stmt_bind_text(st, 4, actor, SIZE_MAX);
    if (rc == EG_OK)
        rc = eg_stmt_bind_i64(st, 5, now_ms);
    if (rc == EG_OK)
        rc = eg_stmt_step(st, &row);
    if (rc == EG_OK && row)
        *grant_id = eg_stmt_i64(st, 0);
    if (rc == EG_OK && row)
        rc = eg_stmt_step(st, &row);
    char object[40], detail[128];
    snprintf(object, sizeof(object), "account:%lld", (long long)account_id);
    snprintf(detail, sizeof(detail), "{\"role\":\"%s\",\"org_unit_id\":%lld,\"grant_id\":%lld}",
             roles[role].name, (long long)org_unit_id, (long long)*grant_id);
    struct eg_audit_event e = {
        .actor = actor,
        .action = "admin.role_grant",
        .object = object,
        .outcome = EG_AUDIT_SUCCESS,
        .detail = detail,
    };
    if (rc == EG_OK)
        rc = eg_audit_append(tx, &e, now_ms);
    return rc;
}

enum eg_err
eg_role_grant(struct eg_tx *tx, const struct eg_subject *by, int64_t account_id, enum eg_role role,
              int64_t org_unit_id, int64_t now_ms, int64_t *grant_id, struct eg_buf *msg)
{
    *grant_id = 0;
    if (role == EG_ROLE_CITIZEN || role == EG_ROLE_BUSINESS || (unsigned)role >= EG_ROLE_COUNT)
        return refuse(msg, EG_EINVAL, "Vai trò này không cấp được cho cán bộ.");
    if (account_id == by->account_id)
        return refuse(msg, EG_EFORBIDDEN, "Không ai được tự cấp quyền cho chính mình.");
    struct eg_access_target t = {org_unit_id, 0};
    enum eg_err rc = eg_access_decide(tx, by, EG_PERM_ROLE_GRANT, &t);
    if (rc != EG_OK)
        return refuse(msg, rc, "Bạn không có quyền cấp vai trò tại đơn vị này.");
    /* And over the person: an agency administers its own staff, not another agency's. */
    struct eg_access_target who = {0, account_id};
    rc = eg_staff_primary_unit(tx, account_id, &who.org_unit_id);
    if (rc == EG_OK && who.org_unit_id == 0)
        rc = eg_org_unit_root(tx, &who.org_unit_id);
    if (rc == EG_OK)
        rc = eg_access_decide(tx, by, EG_PERM_STAFF_MANAGE, &who);
    if (rc != EG_OK)
        return refuse(msg, rc, "Cán bộ này không thuộc đơn vị bạn quản lý.");
    if (role == EG_ROLE_PROVINCE_ADMIN) {
        bool ok = false;
        rc = holds(tx, by->account_id, 1u << EG_ROLE_PROVINCE_ADMIN, org_unit_id, &ok);
        if (rc != EG_OK)
            return rc;
        if (!ok)
            return refuse(msg, EG_EFORBIDDEN,
                          "Chỉ quản trị cấp tỉnh mới cấp được vai trò quản trị cấp tỉnh.");
    }
    char actor[40];
    snprintf(actor, sizeof(actor), "account:%lld", (long long)by->account_id);
    return insert_grant(tx, actor, account_id, role, org_unit_id, now_ms, grant_id, msg);
}

enum eg_err
eg_role_grant_operator(struct eg_tx *tx, const char *actor, int64_t account_id, enum eg_role role,
                       int64_t org_unit_id, int64_t now_ms, int64_t *grant_id, struct eg_buf *msg)
{
    *grant_id = 0;
    if (role == EG_ROLE_CITIZEN || role == EG_ROLE_BUSINESS || (unsigned)role >= EG_ROLE_COUNT)
        return refuse(msg, EG_EINVAL, "Vai trò này không cấp được cho cán bộ.");
    return insert_grant(tx, actor, account_id, role, org_unit_id, now_ms, grant_id, msg);
}

enum eg_err
eg_role_revoke_operator(struct eg_tx *tx, const char *actor, int64_t account_id, enum eg_role role,
                        int64_t org_unit_id, int64_t now_ms, struct eg_buf *msg)
{
    if ((unsigned)role >= EG_ROLE_COUNT)
        return EG_EINVAL;
    struct eg_stmt *st;
    bool row;
    enum eg_err rc = eg_tx_prepare(tx,
                                   "UPDATE role_grant SET revoked_at = ?, revoked_by = ? WHERE "
                                   "account_id = ? AND role = ? AND org_unit_id = ? AND "
                                   "revoked_at IS NULL",
                                   &st);
    if (rc == EG_OK)
        rc = eg_stmt_bind_i64(st, 1, now_ms);
    if (rc == EG_OK)
        rc = eg_stmt_bind_text(st, 2, actor, SIZE_MAX);
    if (rc == EG_OK)
        rc = eg_stmt_bind_i64(st, 3, account_id);
    if (rc == EG_OK)
        rc = eg_stmt_bind_text(st, 4, roles[role].name, SIZE_MAX);
    if (rc == EG_OK)
        rc = eg_stmt_bind_i64(st, 5, org_unit_id);
    if (rc == EG_OK)
        rc = eg_stmt_step(st, &row);
    if (rc == EG_OK && eg_stmt_changes(st) == 0)
        return refuse(msg, EG_ENOTFOUND, "Tài khoản không giữ vai trò này tại đơn vị này.");
    char object[40], detail[96];
    snprintf(object, sizeof(object), "account:%lld", (long long)account_id);
    snprintf(detail, sizeof(detail), "{\"role\":\"%s\",\"org_unit_id\":%lld}", roles[role].name,
             (long long)org_unit_id);
    struct eg_audit_event e = {
        .actor = actor,
        .action = "admin.role_revoke",
        .object = object,
        .outcome = EG_AUDIT_SUCCESS,
        .detail = detail,
    };
    if (rc == EG_OK)
        rc = eg_audit_append(tx, &e, now_ms);
    return rc;
}

enum eg_err
eg_role_revoke(struct eg_tx *tx, const struct eg_subject *by, int64_t grant_id, int64_t now_ms,
               struct eg_buf *msg)
{
    struct eg_stmt *st;
    bool row = false;
    enum eg_err rc = eg_tx_prepare(
        tx,
        "SELECT account_id, org_unit_id, role FROM role_grant WHERE id = ? AND revoked_at IS NULL",
        &st);
    if (rc == EG_OK)
        rc = eg_stmt_bind_i64(st, 1, grant_id);
    if (rc == EG_OK)
        rc = eg_stmt_step(st, &row);
    if (rc != EG_OK)
        return rc;
    if (!row)
        return refuse(msg, EG_ENOTFOUND, "Không có vai trò đang hiệu lực với mã này.");
    int64_t account_id = eg_stmt_i64(st, 0), unit = eg_stmt_i64(st, 1);
    enum eg_role role;
    if (eg_role_parse(eg_stmt_text(st, 2), &role) != EG_OK)
        role = EG_ROLE_COUNT;
    eg_stmt_reset(st);
    if (account_id == by->account_id)
        return refuse(msg, EG_EFORBIDDEN, "Không ai được tự thay đổi quyền của chính mình.");
    struct eg_access_target t = {unit, 0};
    rc = eg_access_decide(tx, by, EG_PERM_ROLE_GRANT, &t);
    if (rc == EG_OK && role == EG_ROLE_PROVINCE_ADMIN) {
        bool ok = false;
        rc = holds(tx, by->account_id, 1u << EG_ROLE_PROVINCE_ADMIN, unit, &ok);
        if (rc == EG_OK && !ok)
            rc = EG_EFORBIDDEN;
    }
    if (rc != EG_OK)
        return refuse(msg, rc, "Bạn không có quyền thu hồi vai trò này.");
    char actor[40];
    snprintf(actor, sizeof(actor), "account:%lld", (long long)by->account_id);
    rc =
        eg_tx_prepare(tx, "UPDATE role_grant SET revoked_at = ?, revoked_by = ? WHERE id = ?", &st);
    if (rc == EG_OK)
        rc = eg_stmt_bind_i64(st, 1, now_ms);
    if (rc == EG_OK)
        rc = eg_stmt_bind_text(st, 2, actor, SIZE_MAX);
    if (rc == EG_OK)
        rc = eg_stmt_bind_i64(st, 3, grant_id);
    if (rc == EG_OK)
        rc = eg_stmt_step(st, &row);
    char object[40], detail[64];
    snprintf(object, sizeof(object), "account:%lld", (long long)account_id);
    snprintf(detail, sizeof(detail), "{\"grant_id\":%lld}", (long long)grant_id);
    if (rc == EG_OK)
        rc = audit(tx, by, "admin.role_revoke", object, detail, now_ms);
    return rc;
}

enum eg_err
eg_roles_of(struct eg_tx *tx, int64_t account_id, const char *lang, json_t **out)
{
    *out = NULL;
    json_t *items = json_array();
    if (!items)
        return EG_ENOMEM;
    struct eg_stmt *st;
    enum eg_err rc = eg_tx_prepare(tx,
                                   "SELECT g.id, g.role, o.id, o.code, o.name, g.granted_at FROM "
                                   "role_grant g JOIN org_unit o ON o.id = g.org_unit_id WHERE "
                                   "g.account_id = ? AND g.revoked_at IS NULL ORDER BY g.id",
                                   &st);
    if (rc == EG_OK)
        rc = eg_stmt_bind_i64(st, 1, account_id);
    bool row = true;
    while (rc == EG_OK) {
        rc = eg_stmt_step(st, &row);
        if (rc != EG_OK || !row)
            break;
        enum eg_role r;
        if (eg_role_parse(eg_stmt_text(st, 1), &r) != EG_OK)
            r = EG_ROLE_COUNT;
        json_t *o = json_pack("{s:I, s:s, s:s, s:{s:I, s:s, s:s}, s:I}", "id",
                              (json_int_t)eg_stmt_i64(st, 0), "role", eg_stmt_text(st, 1), "title",
                              eg_role_title(r, lang), "org_unit", "id",
                              (json_int_t)eg_stmt_i64(st, 2), "code", eg_stmt_text(st, 3), "name",
                              eg_stmt_text(st, 4), "granted_at", (json_int_t)eg_stmt_i64(st, 5));
        if (!o || json_array_append_new(items, o) != 0)
            rc = EG_ENOMEM;
    }
    if (rc != EG_OK) {
        json_decref(items);
        return rc;
    }
    *out = items;
    return EG_OK;
}

enum eg_err
eg_access_units(struct eg_tx *tx, const struct eg_subject *s, enum eg_perm p, int64_t *units,
                size_t max, size_t *n)
{
    *n = 0;
    if (s->kind != EG_SUBJECT_STAFF || (unsigned)p >= EG_PERM_COUNT || policy[p] == 0)
        return EG_OK;
    char list[256], sql[512];
    role_list(policy[p], list, sizeof(list));
    snprintf(sql, sizeof(sql),
             "SELECT DISTINCT org_unit_id FROM role_grant WHERE account_id = ? AND revoked_at IS "
             "NULL AND role IN (%s) ORDER BY org_unit_id",
             list);
    struct eg_stmt *st;
    enum eg_err rc = eg_tx_prepare(tx, sql, &st);
    if (rc == EG_OK)
        rc = eg_stmt_bind_i64(st, 1, s->account_id);
    bool row = true;
    while (rc == EG_OK && *n < max) {
        rc = eg_stmt_step(st, &row);
        if (rc != EG_OK || !row)
            break;
        units[(*n)++] = eg_stmt_i64(st, 0);
    }
    if (rc == EG_OK && row)
        eg_stmt_reset(st);
    return rc;
}

enum eg_err
eg_access_holds_role(struct eg_tx *tx, int64_t account_id, enum eg_role r, bool *out)
{
    *out = false;
    if ((unsigned)r >= EG_ROLE_COUNT)
        return EG_EINVAL;
    return holds(tx, account_id, 1u << r, 0, out);
}

enum eg_err
eg_access_privileged(struct eg_tx *tx, int64_t account_id, bool *out)
{
    unsigned mask = 0;
    for (int i = 0; i < EG_ROLE_COUNT; i++)
        if (roles[i].privileged)
            mask |= 1u << i;
    return holds(tx, account_id, mask, 0, out);
}
