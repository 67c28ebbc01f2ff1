/* staff.c - changing and closing org units, and staff assignments. */
#include "directory.h"

#include <stdio.h>
#include <string.h>

static enum eg_err
say(struct eg_buf *msg, enum eg_err rc, const char *why)
{
    if (msg) {
        eg_buf_reset(msg);
        if (eg_buf_adds(msg, why) != EG_OK)
            eg_buf_reset(msg);
    }
    return rc;
}

static bool
short_text(const char *s, size_t max)
{
    if (!s)
        return true;
    size_t n = strlen(s);
    if (n > max || !eg_utf8_valid(s, n) || !eg_text_is_nfc(s, n))
        return false;
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
            return false;
    return true;
}

enum eg_err
eg_org_unit_update(struct eg_tx *tx, const char *code, const struct eg_org_unit_update *u,
                   int64_t now_ms, struct eg_buf *msg)
{
    const char *fields[] = {u->name,  u->name_en, u->short_name, u->address,
                            u->phone, u->email,   u->website};
    for (size_t i = 0; i < EG_ARRAY_LEN(fields); i++)
        if (!short_text(fields[i], 300))
            return say(msg, EG_EINVAL, "Thông tin đơn vị quá dài hoặc chứa ký tự không hợp lệ.");
    if (u->name && !*u->name)
        return say(msg, EG_EINVAL, "Tên đơn vị không được để trống.");
    /* The folded shadow follows the name. */
    struct eg_buf fold = EG_BUF_INIT(2048);
    enum eg_err rc = EG_OK;
    if (u->name)
        rc = eg_text_fold(u->name, strlen(u->name), &fold);
    if (rc == EG_OK && u->name && u->short_name && eg_buf_addc(&fold, ' ') == EG_OK)
        rc = eg_text_fold(u->short_name, strlen(u->short_name), &fold);
    struct eg_stmt *st = NULL;
    bool row;
    if (rc == EG_OK)
        rc = eg_tx_prepare(tx,
                           "UPDATE org_unit SET name = COALESCE(?, name), name_fold = COALESCE(?, "
                           "name_fold), name_en = COALESCE(?, name_en), short_name = COALESCE(?, "
                           "short_name), address = COALESCE(?, address), phone = COALESCE(?, "
                           "phone), email = COALESCE(?, email), website = COALESCE(?, website), "
                           "updated_at = ? WHERE code = ? AND valid_to IS NULL",
                           &st);
    if (rc == EG_OK)
        rc = eg_stmt_bind_text(st, 1, u->name, SIZE_MAX);
    if (rc == EG_OK)
        rc = u->name ? eg_stmt_bind_text(st, 2, eg_buf_str(&fold), fold.len)
                     : eg_stmt_bind_null(st, 2);
    for (int i = 1; rc == EG_OK && i < 7; i++)
        rc = eg_stmt_bind_text(st, 2 + i, fields[i], SIZE_MAX);
    if (rc == EG_OK)
        rc = eg_stmt_bind_i64(st, 9, now_ms);
    if (rc == EG_OK)
        rc = eg_stmt_bind_text(st, 10, code, SIZE_MAX);
    if (rc == EG_OK)
        rc = eg_stmt_step(st, &row);
    eg_buf_release(&fold);
    if (rc == EG_OK && eg_stmt_changes(st) != 1)
        return say(msg, EG_ENOTFOUND, "Không có đơn vị đang hoạt động với mã này.");
    return rc;
}

enum eg_err
eg_org_unit_close(struct eg_tx *tx, const char *code, const char *valid_to, int64_t now_ms,
                  struct eg_buf *msg)
{
    if (!valid_to || strlen(valid_to) != 10 || valid_to[4] != '-' || valid_to[7] != '-')
        return say(msg, EG_EINVAL, "Ngày ngừng hoạt động phải có dạng YYYY-MM-DD.");
    struct eg_stmt *st;
    bool row = false;
    enum eg_err rc = eg_tx_prepare(tx,
                                   "SELECT count(*) FROM org_unit c JOIN org_unit p ON p.id = "
                                   "c.parent_id WHERE p.code = ? AND c.valid_to IS NULL",
                                   &st);
    if (rc == EG_OK)
        rc = eg_stmt_bind_text(st, 1, code, SIZE_MAX);
    if (rc == EG_OK)
        rc = eg_stmt_step(st, &row);
    int64_t open_children = row ? eg_stmt_i64(st, 0) : 0;
    if (rc == EG_OK && row)
        rc = eg_stmt_step(st, &row);
    if (rc != EG_OK)
        return rc;
    if (open_children > 0)
        return say(msg, EG_ECONFLICT,
                   "Đơn vị còn đơn vị trực thuộc đang hoạt động; hãy đóng các đơn vị đó trước.");
    rc = eg_tx_prepare(tx,
                       "UPDATE org_unit SET valid_to = ?, updated_at = ? WHERE code = ? AND "
                       "valid_to IS NULL AND valid_from <= ?",
                       &st);
    if (rc == EG_OK)
        rc = eg_stmt_bind_text(st, 1, valid_to, SIZE_MAX);
    if (rc == EG_OK)
        rc = eg_stmt_bind_i64(st, 2, now_ms);
    if (rc == EG_OK)
        rc = eg_stmt_bind_text(st, 3, code, SIZE_MAX);
    if (rc == EG_OK)
        rc = eg_stmt_bind_text(st, 4, valid_to, SIZE_MAX);
    if (rc == EG_OK)
        rc = eg_stmt_step(st, &row);
    if (rc == EG_OK && eg_stmt_changes(st) != 1)
        return say(
            msg, EG_ENOTFOUND,
            "Không có đơn vị đang hoạt động với mã này, hoặc ngày đóng trước ngày hiệu lực.");
    return rc;
}

enum eg_err
eg_staff_assign(struct eg_tx *tx, int64_t account_id, int64_t org_unit_id, const char *position,
                int64_t now_ms, struct eg_buf *msg)
{
    if (!position || !*position || !short_text(position, 200))
        return say(msg, EG_EINVAL, "Chức vụ là bắt buộc, tối đa 200 byte.");
    struct eg_stmt *st;
    bool row;
    enum eg_err rc = eg_tx_prepare(tx,
                                   "INSERT INTO staff_assignment (account_id, org_unit_id, "
                                   "position, valid_from) VALUES (?, ?, ?, ?)",
                                   &st);
    if (rc == EG_OK)
        rc = eg_stmt_bind_i64(st, 1, account_id);
    if (rc == EG_OK)
        rc = eg_stmt_bind_i64(st, 2, org_unit_id);
    if (rc == EG_OK)
        rc = eg_stmt_bind_text(st, 3, position, SIZE_MAX);
    if (rc == EG_OK)
        rc = eg_stmt_bind_i64(st, 4, now_ms);
    if (rc == EG_OK)
        rc = eg_stmt_step(st, &row);
    return rc;
}

enum eg_err
eg_staff_primary_unit(struct eg_tx *tx, int64_t account_id, int64_t *out)
{
    *out = 0;
    struct eg_stmt *st;
    bool row = false;
    enum eg_err rc = eg_tx_prepare(tx,
                                   "SELECT org_unit_id FROM staff_assignment WHERE account_id = ? "
                                   "AND valid_to IS NULL ORDER BY id LIMIT 1",
                                   &st);
    if (rc == EG_OK)
        rc = eg_stmt_bind_i64(st, 1, account_id);
    if (rc == EG_OK)
        rc = eg_stmt_step(st, &row);
    if (rc == EG_OK && row) {
        *out = eg_stmt_i64(st, 0);
        eg_stmt_reset(st);
    }
    return rc;
}

enum eg_err
eg_staff_assignments(struct eg_tx *tx, int64_t account_id, json_t **out)
{
    *out = NULL;
    json_t *items = json_array();
    struct eg_stmt *st;
    if (!items)
        return EG_ENOMEM;
    enum eg_err rc = eg_tx_prepare(tx,
                                   "SELECT o.id, o.code, o.name, a.position, a.valid_from FROM "
                                   "staff_assignment a JOIN org_unit o ON o.id = a.org_unit_id "
                                   "WHERE a.account_id = ? AND a.valid_to IS NULL ORDER BY a.id",
                                   &st);
    if (rc == EG_OK)
        rc = eg_stmt_bind_i64(st, 1, account_id);
    bool row = true;
    while (rc == EG_OK) {
        rc = eg_stmt_step(st, &row);
        if (rc != EG_OK || !row)
            break;
        json_t *o = json_pack("{s:{s:I, s:s, s:s}, s:s, s:I}", "org_unit", "id",
                              (json_int_t)eg_stmt_i64(st, 0), "code", eg_stmt_text(st, 1), "name",
                              eg_stmt_text(st, 2), "position", eg_stmt_text(st, 3), "since",
                              (json_int_t)eg_stmt_i64(st, 4));
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
