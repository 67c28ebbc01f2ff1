/*
 * staff.c - what the desk pages need to know about people: the officers a
 * dossier's current step may be assigned to. The workflow itself (who may
 * assign, whom) stays in act.c; this only lists the candidates it would
 * accept, so that a page can offer them as a choice instead of an account id.
 */
#include "dossiers_int.h"

#include <string.h>

#define ASSIGNEES_MAX 200

/*
 * Active staff accounts holding role on unit, by a grant there or on a unit
 * above it (grants hold in a unit's subtree), by name.
 */
static enum eg_err
holders(struct eg_tx *tx, int64_t unit, const char *role, json_t *out)
{
    struct eg_stmt *st;
    bool row = false;
    enum eg_err rc = eg_tx_prepare(
        tx,
        "WITH RECURSIVE up (id) AS (SELECT id FROM org_unit WHERE id = ? UNION SELECT o.parent_id "
        "FROM org_unit o JOIN up ON o.id = up.id WHERE o.parent_id IS NOT NULL) "
        "SELECT DISTINCT a.id, a.name FROM role_grant g JOIN account a ON a.id = g.account_id "
        "WHERE g.role = ? AND g.revoked_at IS NULL AND g.org_unit_id IN (SELECT id FROM up) "
        "AND a.kind = 'staff' AND a.status = 'active' ORDER BY a.name, a.id LIMIT ?",
        &st);
    if (rc == EG_OK)
        rc = eg_stmt_bind_i64(st, 1, unit);
    if (rc == EG_OK)
        rc = eg_stmt_bind_text(st, 2, role, strlen(role));
    if (rc == EG_OK)
        rc = eg_stmt_bind_i64(st, 3, ASSIGNEES_MAX);
    while (rc == EG_OK && (rc = eg_stmt_step(st, &row)) == EG_OK && row) {
        json_t *o = json_pack("{s:I,s:s}", "id", (json_int_t)eg_stmt_i64(st, 0), "name",
                              eg_stmt_text(st, 1));
        if (!o || json_array_append_new(out, o) != 0) {
            eg_stmt_reset(st);
            rc = EG_ENOMEM;
        }
    }
    return rc;
}

enum eg_err
eg_dossier_assignees(struct eg_dossiers *d, const struct eg_actor *a, const char *code,
                     json_t **out)
{
    *out = NULL;
    if (a->subject.account_id <= 0 || a->subject.kind != EG_SUBJECT_STAFF ||
        !eg_dossier_code_valid(code))
        return EG_ENOTFOUND;
    struct eg_tx *tx;
    enum eg_err rc = eg_db_begin(d->db, EG_TX_READ, &tx);
    if (rc != EG_OK)
        return rc;
    struct drow r = {0};
    bool sees = false;
    json_t *list = json_array();
    rc = list ? ds_load_row(tx, code, 0, false, &r) : EG_ENOMEM;
    /* Whoever works on the dossier's units may see who else does. */
    if (rc == EG_OK)
        rc = ds_holds_on(tx, a->subject.account_id, DOSSIER_STAFF, r.unit_id, &sees);
    if (rc == EG_OK && !sees && r.step_unit_id > 0)
        rc = ds_holds_on(tx, a->subject.account_id, DOSSIER_STAFF, r.step_unit_id, &sees);
    if (rc == EG_OK && !sees)
        rc = EG_ENOTFOUND;
    bool at_step = r.state == EG_DS_RECEIVED || r.state == EG_DS_PROCESSING;
    if (rc == EG_OK && at_step && r.step_unit_id > 0 && r.step_role[0])
        rc = holders(tx, r.step_unit_id, r.step_role, list);
    eg_tx_rollback(tx);
    if (rc != EG_OK) {
        json_decref(list);
        return rc;
    }
    *out = list;
    return EG_OK;
}

enum eg_err
eg_dossier_idem_find(struct eg_dossiers *d, const struct eg_actor *a, const char *key,
                     const char *request_hash, struct eg_dossier_ref *out)
{
    memset(out, 0, sizeof(*out));
    if (a->subject.account_id <= 0 || !key || !*key || strlen(key) > 255)
        return EG_ENOTFOUND;
    return ds_idem_lookup(d, a->subject.account_id, key, request_hash, out, NULL);
}
