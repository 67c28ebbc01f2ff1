/* directory.c - org units: create, read, list with diacritic-insensitive search. */
#include "directory.h"

#include <stdio.h>
#include <string.h>

#define NAME_MAX_BYTES ((size_t)300)
#define FIELD_MAX_BYTES 300
#define QUERY_WORDS_MAX 6

static enum eg_err
say(struct eg_buf *msg, enum eg_err rc, const char *what)
{
    if (msg) {
        eg_buf_reset(msg);
        if (eg_buf_adds(msg, what) != EG_OK)
            eg_buf_reset(msg);
    }
    return rc;
}

static bool
valid_date(const char *s)
{
    if (!s || strlen(s) != 10 || s[4] != '-' || s[7] != '-')
        return false;
    for (int i = 0; i < 10; i++)
        if (i != 4 && i != 7 && (s[i] < '0' || s[i] > '9'))
            return false;
    int m = (s[5] - '0') * 10 + (s[6] - '0');
    int d = (s[8] - '0') * 10 + (s[9] - '0');
    return m >= 1 && m <= 12 && d >= 1 && d <= 31;
}

/* Optional short text: NULL is fine; otherwise bounded, valid and without controls. */
static bool
valid_text(const char *s, size_t max)
{
    if (!s)
        return true;
    size_t n = strlen(s);
    if (n > max || !eg_utf8_valid(s, n))
        return false;
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
            return false;
    return true;
}

static enum eg_err
bind_opt(struct eg_stmt *st, int idx, const char *s)
{
    return s ? eg_stmt_bind_text(st, idx, s, SIZE_MAX) : eg_stmt_bind_null(st, idx);
}

static enum eg_err
check_unit(const struct eg_org_unit *u, struct eg_agency_code *code, struct eg_buf *msg)
{
    enum eg_err rc = eg_agency_code_parse(u->code, code, msg);
    if (rc != EG_OK)
        return rc;
    if (!u->parent_code && code->depth != 1)
        return say(msg, EG_EINVAL, "đơn vị cấp dưới phải có đơn vị cấp trên");
    /* The tree follows the codes: the parent is exactly the code one level up. */
    if (u->parent_code && strcmp(u->parent_code, code->parent) != 0)
        return say(msg, EG_EINVAL, "mã định danh không thuộc nhánh của đơn vị cấp trên trực tiếp");
    if (!u->name || !*u->name || !valid_text(u->name, NAME_MAX_BYTES))
        return say(msg, EG_EINVAL,
                   "tên đơn vị là bắt buộc, tối đa 300 byte, không chứa ký tự điều khiển");
    const char *fields[] = {u->name_en, u->short_name, u->address, u->phone, u->email, u->website};
    for (size_t i = 0; i < EG_ARRAY_LEN(fields); i++)
        if (!valid_text(fields[i], FIELD_MAX_BYTES))
            return say(msg, EG_EINVAL, "thông tin liên hệ quá dài hoặc chứa ký tự không hợp lệ");
    if (u->email && *u->email && !strchr(u->email, '@'))
        return say(msg, EG_EINVAL, "địa chỉ thư điện tử không hợp lệ");
    if (!valid_date(u->valid_from))
        return say(msg, EG_EINVAL, "ngày hiệu lực phải có dạng YYYY-MM-DD");
    return EG_OK;
}

static enum eg_err
parent_is_open(struct eg_tx *tx, const char *code, struct eg_buf *msg)
{
    struct eg_stmt *st;
    bool row = false;
    enum eg_err rc = eg_tx_prepare(tx, "SELECT valid_to FROM org_unit WHERE code = ?", &st);
    if (rc == EG_OK)
        rc = eg_stmt_bind_text(st, 1, code, SIZE_MAX);
    if (rc == EG_OK)
        rc = eg_stmt_step(st, &row);
    if (rc != EG_OK)
        return rc;
    if (!row)
        return say(msg, EG_EINVAL, "không có đơn vị cấp trên với mã định danh này");
    bool closed = !eg_stmt_is_null(st, 0);
    eg_stmt_reset(st);
    if (closed)
        return say(msg, EG_EINVAL, "đơn vị cấp trên đã ngừng hoạt động");
    return EG_OK;
}

enum eg_err
eg_org_unit_create(struct eg_tx *tx, const struct eg_org_unit *u, int64_t now_ms,
                   struct eg_buf *msg)
{
    struct eg_agency_code code;
    enum eg_err rc = check_unit(u, &code, msg);
    if (rc != EG_OK)
        return rc;
    if (u->parent_code) {
        rc = parent_is_open(tx, u->parent_code, msg);
        if (rc != EG_OK)
            return rc;
    }
    struct eg_buf name = EG_BUF_INIT(NAME_MAX_BYTES * 3);
    struct eg_buf fold = EG_BUF_INIT(NAME_MAX_BYTES * 4);
    struct eg_stmt *st = NULL;
    bool row;
    rc = eg_text_nfc(u->name, strlen(u->name), &name);
    if (rc == EG_OK)
        rc = eg_text_fold(name.p, name.len, &fold);
    if (rc == EG_OK && u->short_name)
        rc = eg_buf_addc(&fold, ' ') == EG_OK
                 ? eg_text_fold(u->short_name, strlen(u->short_name), &fold)
                 : EG_ETOOBIG;
    if (rc == EG_OK)
        rc = eg_tx_prepare(tx,
                           "INSERT INTO org_unit (code, parent_id, kind, name, name_en, "
                           "short_name, name_fold, address, phone, email, website, valid_from, "
                           "demo, created_at, updated_at) VALUES (?, (SELECT id FROM org_unit "
                           "WHERE code = ?), ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                           &st);
    if (rc == EG_OK)
        rc = eg_stmt_bind_text(st, 1, u->code, SIZE_MAX);
    if (rc == EG_OK)
        rc = bind_opt(st, 2, u->parent_code);
    if (rc == EG_OK)
        rc = eg_stmt_bind_text(st, 3, eg_org_kind_str(u->kind), SIZE_MAX);
    if (rc == EG_OK)
        rc = eg_stmt_bind_text(st, 4, name.p, name.len);
    if (rc == EG_OK)
        rc = bind_opt(st, 5, u->name_en);
    if (rc == EG_OK)
        rc = bind_opt(st, 6, u->short_name);
    if (rc == EG_OK)
        rc = eg_stmt_bind_text(st, 7, eg_buf_str(&fold), fold.len);
    if (rc == EG_OK)
        rc = bind_opt(st, 8, u->address);
    if (rc == EG_OK)
        rc = bind_opt(st, 9, u->phone);
    if (rc == EG_OK)
        rc = bind_opt(st, 10, u->email);
    if (rc == EG_OK)
        rc = bind_opt(st, 11, u->website);
    if (rc == EG_OK)
        rc = eg_stmt_bind_text(st, 12, u->valid_from, SIZE_MAX);
    if (rc == EG_OK)
        rc = eg_stmt_bind_i64(st, 13, u->demo ? 1 : 0);
    if (rc == EG_OK)
        rc = eg_stmt_bind_i64(st, 14, now_ms);
    if (rc == EG_OK)
        rc = eg_stmt_bind_i64(st, 15, now_ms);
    if (rc == EG_OK)
        rc = eg_stmt_step(st, &row);
    if (rc == EG_ECONFLICT)
        say(msg, rc, "mã định danh này đã được dùng (mã không bao giờ được dùng lại)");
    eg_buf_release(&name);
    eg_buf_release(&fold);
    return rc;
}

enum eg_err
eg_org_unit_id(struct eg_tx *tx, const char *code, int64_t *out)
{
    *out = 0;
    struct eg_stmt *st;
    bool row = false;
    enum eg_err rc = eg_tx_prepare(tx, "SELECT id FROM org_unit WHERE code = ?", &st);
    if (rc == EG_OK)
        rc = eg_stmt_bind_text(st, 1, code, SIZE_MAX);
    if (rc == EG_OK)
        rc = eg_stmt_step(st, &row);
    if (rc == EG_OK && !row)
        return EG_ENOTFOUND;
    if (rc == EG_OK)
        *out = eg_stmt_i64(st, 0);
    eg_stmt_reset(st);
    return rc;
}

enum eg_err
eg_org_unit_root(struct eg_tx *tx, int64_t *out)
{
    *out = 0;
    struct eg_stmt *st;
    bool row = false;
    enum eg_err rc = eg_tx_prepare(
        tx,
        "SELECT id FROM org_unit WHERE parent_id IS NULL ORDER BY valid_to IS NOT NULL, id LIMIT 1",
        &st);
    if (rc == EG_OK)
        rc = eg_stmt_step(st, &row);
    if (rc == EG_OK && !row)
        return EG_ENOTFOUND;
    if (rc == EG_OK) {
        *out = eg_stmt_i64(st, 0);
        eg_stmt_reset(st);
    }
    return rc;
}

enum eg_err
eg_org_unit_count(struct eg_db *db, int64_t *out)
{
    *out = 0;
    struct eg_tx *tx;
    struct eg_stmt *st;
    bool row = false;
    enum eg_err rc = eg_db_begin(db, EG_TX_READ, &tx);
    if (rc != EG_OK)
        return rc;
    rc = eg_tx_prepare(tx, "SELECT count(*) FROM org_unit", &st);
    if (rc == EG_OK)
        rc = eg_stmt_step(st, &row);
    if (rc == EG_OK && row)
        *out = eg_stmt_i64(st, 0);
    eg_tx_rollback(tx);
    return rc;
}

#define UNIT_COLUMNS                                                                               \
    "u.code, u.kind, u.name, u.name_en, u.short_name, u.address, u.phone, u.email, u.website, "    \
    "u.valid_from, u.valid_to, u.demo, p.code, p.name"

static void
set_text(json_t *o, const char *key, const struct eg_stmt *st, int col)
{
    const char *s = eg_stmt_text(st, col);
    json_object_set_new(o, key, s ? json_stringn(s, eg_stmt_len(st, col)) : json_null());
}

static json_t *
unit_json(const struct eg_stmt *st)
{
    json_t *o = json_object();
    if (!o)
        return NULL;
    static const char *const keys[] = {"code",       "kind",       "name",    "name_en",
                                       "short_name", "address",    "phone",   "email",
                                       "website",    "valid_from", "valid_to"};
    for (int i = 0; i < (int)EG_ARRAY_LEN(keys); i++)
        set_text(o, keys[i], st, i);
    json_object_set_new(o, "open", json_boolean(eg_stmt_is_null(st, 10)));
    json_object_set_new(o, "demo", json_boolean(eg_stmt_i64(st, 11) != 0));
    struct eg_agency_code c;
    const char *code = eg_stmt_text(st, 0);
    if (code && eg_agency_code_parse(code, &c, NULL) == EG_OK)
        json_object_set_new(o, "level", json_integer(c.depth));
    if (eg_stmt_is_null(st, 12)) {
        json_object_set_new(o, "parent", json_null());
    } else {
        json_t *p = json_object();
        set_text(p, "code", st, 12);
        set_text(p, "name", st, 13);
        json_object_set_new(o, "parent", p);
    }
    return o;
}

enum eg_err
eg_org_unit_get(struct eg_db *db, const char *code, json_t **out)
{
    *out = NULL;
    struct eg_tx *tx;
    struct eg_stmt *st;
    bool row = false;
    enum eg_err rc = eg_db_begin(db, EG_TX_READ, &tx);
    if (rc != EG_OK)
        return rc;
    rc = eg_tx_prepare(tx,
                       "SELECT " UNIT_COLUMNS " FROM org_unit u "
                       "LEFT JOIN org_unit p ON p.id = u.parent_id WHERE u.code = ?",
                       &st);
    if (rc == EG_OK)
        rc = eg_stmt_bind_text(st, 1, code, SIZE_MAX);
    if (rc == EG_OK)
        rc = eg_stmt_step(st, &row);
    if (rc == EG_OK && !row)
        rc = EG_ENOTFOUND;
    if (rc == EG_OK) {
        *out = unit_json(st);
        if (!*out)
            rc = EG_ENOMEM;
    }
    eg_tx_rollback(tx);
    return rc;
}

/* LIKE pattern for one folded word, with % and _ escaped. */
static enum eg_err
like_word(const char *w, size_t n, struct eg_buf *out)
{
    enum eg_err rc = eg_buf_addc(out, '%');
    for (size_t i = 0; i < n && rc == EG_OK; i++) {
        if (w[i] == '%' || w[i] == '_' || w[i] == '\\')
            rc = eg_buf_addc(out, '\\');
        if (rc == EG_OK)
            rc = eg_buf_addc(out, w[i]);
    }
    if (rc == EG_OK)
        rc = eg_buf_addc(out, '%');
    return rc;
}

struct list_plan {
    char where[1024];
    struct eg_buf words[QUERY_WORDS_MAX];
    int nwords;
};

static enum eg_err
plan_query(const struct eg_org_query *q, struct list_plan *p)
{
    memset(p, 0, sizeof(*p));
    struct eg_buf fold = EG_BUF_INIT(4096);
    enum eg_err rc = EG_OK;
    if (q->q)
        rc = eg_text_fold(q->q, strlen(q->q), &fold);
    const char *s = eg_buf_str(&fold);
    while (rc == EG_OK && *s && p->nwords < QUERY_WORDS_MAX) {
        size_t n = strcspn(s, " ");
        eg_buf_init(&p->words[p->nwords], 1024);
        rc = like_word(s, n, &p->words[p->nwords]);
        p->nwords++;
        s += n;
        while (*s == ' ')
            s++;
    }
    eg_buf_release(&fold);
    size_t off = 0;
    off += (size_t)snprintf(p->where + off, sizeof(p->where) - off, " WHERE 1 = 1");
    if (!q->include_closed)
        off += (size_t)snprintf(p->where + off, sizeof(p->where) - off, " AND u.valid_to IS NULL");
    if (q->parent)
        off += (size_t)snprintf(p->where + off, sizeof(p->where) - off, " AND p.code = ?");
    for (int i = 0; i < p->nwords; i++)
        off += (size_t)snprintf(
            p->where + off, sizeof(p->where) - off,
            " AND (u.name_fold LIKE ? ESCAPE '\\' OR lower(u.code) LIKE ? ESCAPE '\\')");
    return rc;
}

static enum eg_err
bind_plan(struct eg_stmt *st, const struct eg_org_query *q, const struct list_plan *p, int *idx)
{
    enum eg_err rc = EG_OK;
    if (q->parent)
        rc = eg_stmt_bind_text(st, (*idx)++, q->parent, SIZE_MAX);
    for (int i = 0; i < p->nwords && rc == EG_OK; i++) {
        rc = eg_stmt_bind_text(st, (*idx)++, p->words[i].p, p->words[i].len);
        if (rc == EG_OK)
            rc = eg_stmt_bind_text(st, (*idx)++, p->words[i].p, p->words[i].len);
    }
    return rc;
}

static enum eg_err
list_rows(struct eg_tx *tx, const struct eg_org_query *q, const struct list_plan *p, json_t *items)
{
    char sql[2048];
    snprintf(sql, sizeof(sql),
             "SELECT " UNIT_COLUMNS " FROM org_unit u LEFT JOIN org_unit p ON p.id = u.parent_id"
             "%s ORDER BY u.code LIMIT ? OFFSET ?",
             p->where);
    struct eg_stmt *st;
    enum eg_err rc = eg_tx_prepare(tx, sql, &st);
    int idx = 1;
    if (rc == EG_OK)
        rc = bind_plan(st, q, p, &idx);
    if (rc == EG_OK)
        rc = eg_stmt_bind_i64(st, idx++, q->limit);
    if (rc == EG_OK)
        rc = eg_stmt_bind_i64(st, idx++, q->offset);
    bool row = true;
    while (rc == EG_OK) {
        rc = eg_stmt_step(st, &row);
        if (rc != EG_OK || !row)
            break;
        json_t *o = unit_json(st);
        if (!o || json_array_append_new(items, o) != 0)
            rc = EG_ENOMEM;
    }
    return rc;
}

static enum eg_err
list_total(struct eg_tx *tx, const struct eg_org_query *q, const struct list_plan *p,
           int64_t *total)
{
    char sql[2048];
    snprintf(sql, sizeof(sql),
             "SELECT count(*) FROM org_unit u LEFT JOIN org_unit p ON p.id = u.parent_id%s",
             p->where);
    struct eg_stmt *st;
    bool row = false;
    int idx = 1;
    enum eg_err rc = eg_tx_prepare(tx, sql, &st);
    if (rc == EG_OK)
        rc = bind_plan(st, q, p, &idx);
    if (rc == EG_OK)
        rc = eg_stmt_step(st, &row);
    if (rc == EG_OK && row)
        *total = eg_stmt_i64(st, 0);
    if (rc == EG_OK && row)
        rc = eg_stmt_step(st, &row);
    return rc;
}

enum eg_err
eg_org_unit_list(struct eg_db *db, const struct eg_org_query *q, json_t **out)
{
    *out = NULL;
    if (q->limit < 1 || q->limit > 200 || q->offset < 0)
        return EG_EINVAL;
    struct list_plan plan;
    enum eg_err rc = plan_query(q, &plan);
    struct eg_tx *tx = NULL;
    json_t *items = json_array();
    int64_t total = 0;
    if (rc == EG_OK && !items)
        rc = EG_ENOMEM;
    if (rc == EG_OK)
        rc = eg_db_begin(db, EG_TX_READ, &tx);
    if (rc == EG_OK)
        rc = list_rows(tx, q, &plan, items);
    if (rc == EG_OK)
        rc = list_total(tx, q, &plan, &total);
    eg_tx_rollback(tx);
    for (int i = 0; i < plan.nwords; i++)
        eg_buf_release(&plan.words[i]);
    if (rc != EG_OK) {
        json_decref(items);
        return rc;
    }
    *out = json_pack("{s:o, s:I}", "items", items, "total", (json_int_t)total);
    return *out ? EG_OK : EG_ENOMEM;
}
