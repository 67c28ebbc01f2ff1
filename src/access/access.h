/*
 * access.h - who may do what: roles granted on org units, and the one decision
 * function every handler uses.
 *
 * Owns the role_grant table. A role granted on an org unit holds in that unit's
 * whole subtree. Citizens and businesses hold their kind's role implicitly and
 * only over what they own. Deny by default: a permission no rule grants is
 * refused. Nobody changes the grants that decide their own access.
 *
 * access sits below identity: it knows a subject only by account id and kind.
 * Thread safety: stateless; everything goes through the caller's transaction.
 */
#ifndef EG_ACCESS_H
#define EG_ACCESS_H

#include "core/core.h"
#include "db/db.h"

enum eg_role {
    EG_ROLE_CITIZEN,
    EG_ROLE_BUSINESS,
    EG_ROLE_DESK_OFFICER,    /* cán bộ một cửa */
    EG_ROLE_SPECIALIST,      /* chuyên viên */
    EG_ROLE_DEPARTMENT_HEAD, /* lãnh đạo phòng */
    EG_ROLE_AGENCY_LEADER,   /* lãnh đạo cơ quan */
    EG_ROLE_CLERK,           /* văn thư */
    EG_ROLE_AGENCY_ADMIN,    /* quản trị cơ quan */
    EG_ROLE_PROVINCE_ADMIN,  /* quản trị tỉnh */
    EG_ROLE_COUNT
};

const char *eg_role_str(enum eg_role r);
/* The role's name for people, in "vi" or "en". */
const char *eg_role_title(enum eg_role r, const char *lang);
EG_WUR enum eg_err eg_role_parse(const char *s, enum eg_role *out);
/* Roles that approve or administer: their holders must use a second factor. */
bool eg_role_privileged(enum eg_role r);

/* Permissions, named in the route table ("org.manage"); unknown names are refused. */
enum eg_perm {
    EG_PERM_PUBLIC,           /* anyone */
    EG_PERM_SIGNED_IN,        /* any account, second factor done */
    EG_PERM_SELF,             /* the subject's own account and objects */
    EG_PERM_ORG_MANAGE,       /* create, change, close org units */
    EG_PERM_STAFF_MANAGE,     /* create staff accounts, assign them, enable/disable them */
    EG_PERM_ROLE_GRANT,       /* grant and revoke roles */
    EG_PERM_ACCOUNT_READ,     /* read other people's accounts (personal data: audited) */
    EG_PERM_AUDIT_READ,       /* browse the audit log */
    EG_PERM_PROCEDURE_MANAGE, /* create, change, publish, retire, import catalogue procedures */
    EG_PERM_REPORT_READ,      /* the statistics of dossiers received and resolved in a unit */
    EG_PERM_COUNT
};

const char *eg_perm_str(enum eg_perm p);
EG_WUR enum eg_err eg_perm_parse(const char *s, enum eg_perm *out);

enum eg_subject_kind {
    EG_SUBJECT_ANONYMOUS,
    EG_SUBJECT_CITIZEN,
    EG_SUBJECT_BUSINESS,
    EG_SUBJECT_STAFF
};

struct eg_subject {
    int64_t account_id; /* 0 for anonymous */
    enum eg_subject_kind kind;
};

/* What a permission is checked against; 0 fields mean "not about one object". */
struct eg_access_target {
    int64_t org_unit_id; /* the object's org unit: the grant must cover it */
    int64_t owner_id;    /* the object's owner account: EG_PERM_SELF compares with it */
};

/*
 * The one decision. EG_OK when allowed, EG_EUNAUTH when nobody is signed in
 * and signing in could help, EG_EFORBIDDEN otherwise. With no target unit, a
 * staff permission is allowed when the subject holds it on any unit (listing
 * pages then show only what each unit check allows).
 */
EG_WUR enum eg_err eg_access_decide(struct eg_tx *tx, const struct eg_subject *s, enum eg_perm p,
                                    const struct eg_access_target *t);

/*
 * Grants role on org_unit_id to account_id, decided for `by`: it must hold
 * EG_PERM_ROLE_GRANT over the unit, may not grant to itself, an agency admin
 * may not grant province_admin, and only staff accounts receive roles.
 */
EG_WUR enum eg_err eg_role_grant(struct eg_tx *tx, const struct eg_subject *by, int64_t account_id,
                                 enum eg_role role, int64_t org_unit_id, int64_t now_ms,
                                 int64_t *grant_id, struct eg_buf *msg);
/*
 * The operator's grant from the command line (someone with the server's
 * keys): no permission check, but the same rules on the receiving account, and
 * audited as actor (e.g. "operator:root").
 */
EG_WUR enum eg_err eg_role_grant_operator(struct eg_tx *tx, const char *actor, int64_t account_id,
                                          enum eg_role role, int64_t org_unit_id, int64_t now_ms,
                                          int64_t *grant_id, struct eg_buf *msg);
/* The operator's revocation of role on org_unit_id; EG_ENOTFOUND when not held there. */
EG_WUR enum eg_err eg_role_revoke_operator(struct eg_tx *tx, const char *actor, int64_t account_id,
                                           enum eg_role role, int64_t org_unit_id, int64_t now_ms,
                                           struct eg_buf *msg);
EG_WUR enum eg_err eg_role_revoke(struct eg_tx *tx, const struct eg_subject *by, int64_t grant_id,
                                  int64_t now_ms, struct eg_buf *msg);
/* [{"id","role","title","org_unit":{"id","code","name"},"granted_at"}], open grants. */
EG_WUR enum eg_err eg_roles_of(struct eg_tx *tx, int64_t account_id, const char *lang,
                               json_t **out);
/*
 * Where the subject holds permission p: the ids of the units its grants sit on
 * (each with its subtree), at most max of them. For listing pages.
 */
EG_WUR enum eg_err eg_access_units(struct eg_tx *tx, const struct eg_subject *s, enum eg_perm p,
                                   int64_t *units, size_t max, size_t *n);
/*
 * Does the account hold one of the roles of mask (bit 1u << role) on unit_id,
 * by a grant there or on a unit above it? For rules that name roles, not
 * permissions (a dossier's step belongs to a role on a unit).
 */
EG_WUR enum eg_err eg_access_holds_on(struct eg_tx *tx, int64_t account_id, unsigned mask,
                                      int64_t unit_id, bool *out);
/* Does the account hold role r anywhere? */
EG_WUR enum eg_err eg_access_holds_role(struct eg_tx *tx, int64_t account_id, enum eg_role r,
                                        bool *out);
/* Does the account hold an approve or admin role anywhere? */
EG_WUR enum eg_err eg_access_privileged(struct eg_tx *tx, int64_t account_id, bool *out);

#endif /* EG_ACCESS_H */
