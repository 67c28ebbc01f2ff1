/* import.c - loading org units from JSON, and the instance settings. */
#include "directory.h"

#include <string.h>

static const struct eg_json_field unit_fields[] = {
    {"code", EG_JSON_STRING, true, EG_AGENCY_CODE_MAX, 0, 0},
    {"parent", EG_JSON_STRING, false, EG_AGENCY_CODE_MAX, 0, 0},
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

static const char *
opt(const json_t *o, const char *key)
{
    const json_t *v = json_object_get(o, key);
    return json_is_string(v) ? json_string_value(v) : NULL;
}

/* Prefixes msg with which unit it is about. */
static void
about(struct eg_buf *msg, size_t i, const char *code)
{
    if (!msg)
        return;
    struct eg_buf tmp = EG_BUF_INIT(1024);
    if (eg_buf_printf(&tmp, "đơn vị thứ %zu (%s): %s", i + 1, code ? code : "?", eg_buf_str(msg)) ==
        EG_OK) {
        eg_buf_reset(msg);
        if (eg_buf_add(msg, tmp.p, tmp.len) != EG_OK)
            eg_buf_reset(msg);
    }
    eg_buf_release(&tmp);
}

enum eg_err
eg_org_unit_import(struct eg_tx *tx, const json_t *units, bool demo, int64_t now_ms, size_t *count,
                   struct eg_buf *msg)
{
    *count = 0;
    if (!json_is_array(units)) {
        if (msg && eg_buf_adds(msg, "danh sách đơn vị phải là một mảng JSON") != EG_OK)
            eg_buf_reset(msg);
        return EG_EINVAL;
    }
    size_t i;
    const json_t *o;
    json_array_foreach(units, i, o)
    {
        enum eg_err rc = eg_json_check(o, unit_fields, EG_ARRAY_LEN(unit_fields), msg);
        struct eg_org_unit u = {
            .code = opt(o, "code"),
            .parent_code = opt(o, "parent"),
            .name = opt(o, "name"),
            .name_en = opt(o, "name_en"),
            .short_name = opt(o, "short_name"),
            .address = opt(o, "address"),
            .phone = opt(o, "phone"),
            .email = opt(o, "email"),
            .website = opt(o, "website"),
            .valid_from = opt(o, "valid_from"),
            .demo = demo,
        };
        if (rc == EG_OK && eg_org_kind_parse(opt(o, "kind"), &u.kind) != EG_OK) {
            rc = EG_EINVAL;
            if (msg) {
                eg_buf_reset(msg);
                if (eg_buf_adds(msg, "loại đơn vị (kind) không hợp lệ") != EG_OK)
                    eg_buf_reset(msg);
            }
        }
        if (rc == EG_OK)
            rc = eg_org_unit_create(tx, &u, now_ms, msg);
        if (rc != EG_OK) {
            about(msg, i, u.code);
            return rc;
        }
        (*count)++;
    }
    return EG_OK;
}

enum eg_err
eg_instance_set(struct eg_tx *tx, const char *key, const char *value, int64_t now_ms)
{
    struct eg_stmt *st;
    bool row;
    enum eg_err rc = eg_tx_prepare(tx,
                                   "INSERT INTO instance_setting (key, value, updated_at) "
                                   "VALUES (?, ?, ?) ON CONFLICT (key) DO UPDATE SET "
                                   "value = excluded.value, updated_at = excluded.updated_at",
                                   &st);
    if (rc == EG_OK)
        rc = eg_stmt_bind_text(st, 1, key, SIZE_MAX);
    if (rc == EG_OK)
        rc = eg_stmt_bind_text(st, 2, value, SIZE_MAX);
    if (rc == EG_OK)
        rc = eg_stmt_bind_i64(st, 3, now_ms);
    if (rc == EG_OK)
        rc = eg_stmt_step(st, &row);
    return rc;
}

enum eg_err
eg_instance_get(struct eg_db *db, const char *key, struct eg_buf *out)
{
    struct eg_tx *tx;
    struct eg_stmt *st;
    bool row = false;
    enum eg_err rc = eg_db_begin(db, EG_TX_READ, &tx);
    if (rc != EG_OK)
        return rc;
    rc = eg_tx_prepare(tx, "SELECT value FROM instance_setting WHERE key = ?", &st);
    if (rc == EG_OK)
        rc = eg_stmt_bind_text(st, 1, key, SIZE_MAX);
    if (rc == EG_OK)
        rc = eg_stmt_step(st, &row);
    if (rc == EG_OK && !row)
        rc = EG_ENOTFOUND;
    if (rc == EG_OK)
        rc = eg_buf_add(out, eg_stmt_text(st, 0), eg_stmt_len(st, 0));
    eg_tx_rollback(tx);
    return rc;
}
