/* store.c - versions, publishing, reading, import and export of procedures. */
#include "procedures_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DOC_MAX ((size_t)1024 * 1024)

static enum eg_err
say(struct eg_buf *msg, enum eg_err rc, const char *fmt, const char *arg)
{
    if (msg) {
        eg_buf_reset(msg);
        if (eg_buf_printf(msg, fmt, arg) != EG_OK)
            eg_buf_reset(msg);
    }
    return rc;
}

static const char *
str(const json_t *o, const char *key)
{
    const char *s = json_string_value(json_object_get(o, key));
    return s ? s : "";
}

static bool
field_code_ok(const char *code)
{
    size_t n = code ? strlen(code) : 0;
    if (n == 0 || n > 16)
        return false;
    for (size_t i = 0; i < n; i++)
        if (!((code[i] >= 'A' && code[i] <= 'Z') || (code[i] >= '0' && code[i] <= '9') ||
              code[i] == '_'))
            return false;
    return true;
}

static bool
field_name_ok(const char *s, bool required)
{
    if (!s)
        return !required;
    size_t n = strlen(s);
    return n > 0 && n <= 300 && eg_proc_clean_text(s, n, false);
}

enum eg_err
eg_procedure_field_put(struct eg_tx *tx, const char *code, const char *name, const char *name_en)
{
    if (!field_code_ok(code) || !field_name_ok(name, true) || !field_name_ok(name_en, false))
        return EG_EINVAL;
    struct eg_stmt *st;
    bool row;
    /* A rename without an English name keeps the one there is. */
    enum eg_err rc = eg_tx_prepare(tx,
                                   "INSERT INTO procedure_field (code, name, name_en) VALUES (?, "
                                   "?, ?) ON CONFLICT (code) DO UPDATE SET name = excluded.name, "
                                   "name_en = COALESCE(excluded.name_en, procedure_field.name_en)",
                                   &st);
    if (rc == EG_OK)
        rc = eg_stmt_bind_text(st, 1, code, SIZE_MAX);
    if (rc == EG_OK)
        rc = eg_stmt_bind_text(st, 2, name, SIZE_MAX);
    if (rc == EG_OK)
        rc = eg_stmt_bind_text(st, 3, name_en, SIZE_MAX);
    if (rc == EG_OK)
        rc = eg_stmt_step(st, &row);
    return rc;
}

/* One scalar from a query with one text parameter. */
static enum eg_err
lookup_id(struct eg_tx *tx, const char *sql, const char *arg, int64_t *out)
{
    struct eg_stmt *st;
    bool row = false;
    *out = 0;
    enum eg_err rc = eg_tx_prepare(tx, sql, &st);
    if (rc == EG_OK)
        rc = eg_stmt_bind_text(st, 1, arg, SIZE_MAX);
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

/* The folded text search runs over: everything a person might type about it. */
static enum eg_err
fold_body(struct eg_tx *tx, const json_t *doc, struct eg_buf *out)
{
    struct eg_buf text = EG_BUF_INIT((size_t)64 * 1024);
    enum eg_err rc = eg_buf_printf(&text, "%s %s %s", str(doc, "name_en"), str(doc, "result_vi"),
                                   str(doc, "conditions_vi"));
    size_t i;
    const json_t *v;
    json_array_foreach(json_object_get(doc, "keywords_vi"), i, v)
    {
        if (rc == EG_OK)
            rc = eg_buf_printf(&text, " %s.", json_string_value(v));
    }
    json_array_foreach(json_object_get(doc, "components"), i, v)
    {
        if (rc == EG_OK)
            rc = eg_buf_printf(&text, " %s", str(v, "name"));
    }
    struct eg_stmt *st;
    bool row = false;
    if (rc == EG_OK)
        rc = eg_tx_prepare(tx, "SELECT name FROM procedure_field WHERE code = ?", &st);
    if (rc == EG_OK)
        rc = eg_stmt_bind_text(st, 1, str(doc, "field"), SIZE_MAX);
    if (rc == EG_OK)
        rc = eg_stmt_step(st, &row);
    if (rc == EG_OK && row) {
        rc = eg_buf_printf(&text, " %s", eg_stmt_text(st, 0));
        eg_stmt_reset(st);
    }
    if (rc == EG_ETOOBIG)
        rc = EG_OK; /* a very long document is searched on its first 64 KiB */
    if (rc == EG_OK)
        rc = eg_proc_words(eg_buf_str(&text), text.len, out);
    eg_buf_release(&text);
    return rc;
}

enum eg_err
eg_proc_words(const char *text, size_t n, struct eg_buf *out)
{
    struct eg_buf fold = EG_BUF_INIT(n * 2 + 64);
    enum eg_err rc = eg_text_fold(text, n, &fold);
    bool gap = false;
    size_t start = out->len;
    for (size_t i = 0; rc == EG_OK && i < fold.len; i++) {
        char ch = fold.p[i];
        if ((ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9')) {
            if (gap && out->len > start)
                rc = eg_buf_add(out, " ", 1);
            if (rc == EG_OK)
                rc = eg_buf_add(out, &ch, 1);
            gap = false;
        } else {
            gap = true;
        }
    }
    eg_buf_release(&fold);
    return rc;
}

/* Every agency of the document is an open unit ("*communes*" always is). */
static enum eg_err
check_agencies(struct eg_tx *tx, const json_t *doc, struct eg_buf *msg)
{
    size_t i;
    const json_t *v;
    json_array_foreach(json_object_get(doc, "agencies"), i, v)
    {
        const char *code = json_string_value(v);
        if (strcmp(code, "*communes*") == 0)
            continue;
        int64_t unit = 0;
        enum eg_err rc = lookup_id(
            tx, "SELECT id FROM org_unit WHERE code = ? AND valid_to IS NULL", code, &unit);
        if (rc == EG_ENOTFOUND)
            return say(msg, EG_EINVAL, "agencies: không có cơ quan đang hoạt động với mã %s", code);
        if (rc != EG_OK)
            return rc;
    }
    return EG_OK;
}

/* Replaces the agencies of a procedure from the document's list. */
static enum eg_err
set_agencies(struct eg_tx *tx, int64_t pid, const json_t *doc, struct eg_buf *msg)
{
    struct eg_stmt *st;
    bool row;
    enum eg_err rc = eg_tx_prepare(tx, "DELETE FROM procedure_agency WHERE procedure_id = ?", &st);
    if (rc == EG_OK)
        rc = eg_stmt_bind_i64(st, 1, pid);
    if (rc == EG_OK)
        rc = eg_stmt_step(st, &row);
    size_t i;
    const json_t *v;
    json_array_foreach(json_object_get(doc, "agencies"), i, v)
    {
        const char *code = json_string_value(v);
        if (rc != EG_OK)
            break;
        if (strcmp(code, "*communes*") == 0) {
            rc = eg_tx_prepare(tx,
                               "INSERT INTO procedure_agency (procedure_id, org_unit_id) SELECT "
                               "?, id FROM org_unit WHERE kind = 'commune_committee' AND "
                               "valid_to IS NULL ON CONFLICT DO NOTHING",
                               &st);
            if (rc == EG_OK)
                rc = eg_stmt_bind_i64(st, 1, pid);
            if (rc == EG_OK)
                rc = eg_stmt_step(st, &row);
            continue;
        }
        int64_t unit = 0;
        rc = lookup_id(tx, "SELECT id FROM org_unit WHERE code = ? AND valid_to IS NULL", code,
                       &unit);
        if (rc == EG_ENOTFOUND)
            return say(msg, EG_EINVAL, "agencies: không có cơ quan đang hoạt động với mã %s", code);
        if (rc == EG_OK)
            rc = eg_tx_prepare(tx,
                               "INSERT INTO procedure_agency (procedure_id, org_unit_id) VALUES "
                               "(?, ?) ON CONFLICT DO NOTHING",
                               &st);
        if (rc == EG_OK)
            rc = eg_stmt_bind_i64(st, 1, pid);
        if (rc == EG_OK)
            rc = eg_stmt_bind_i64(st, 2, unit);
        if (rc == EG_OK)
            rc = eg_stmt_step(st, &row);
    }
    return rc;
}

static enum eg_err
applicants_text(const json_t *doc, char *out, size_t n)
{
    size_t off = 0, i;
    const json_t *v;
    out[0] = '\0';
    json_array_foreach(json_object_get(doc, "applicants"), i, v)
    {
        off += (size_t)snprintf(out + off, n - off, "%s%s", off ? " " : "", json_string_value(v));
        if (off >= n)
            return EG_ETOOBIG;
    }
    return EG_OK;
}

/* procedure_field.published for one field, from the (field_code, status) index. */
static enum eg_err
recount(struct eg_tx *tx, const char *field)
{
    struct eg_stmt *st;
    bool row;
    enum eg_err rc = eg_tx_prepare(tx,
                                   "UPDATE procedure_field SET published = (SELECT count(*) FROM "
                                   "procedure p WHERE p.field_code = ? AND p.status = "
                                   "'published') WHERE code = ?",
                                   &st);
    if (rc == EG_OK)
        rc = eg_stmt_bind_text(st, 1, field, SIZE_MAX);
    if (rc == EG_OK)
        rc = eg_stmt_bind_text(st, 2, field, SIZE_MAX);
    if (rc == EG_OK)
        rc = eg_stmt_step(st, &row);
    return rc;
}

/* The procedure's field before a change, to recount it after. */
static enum eg_err
field_of(struct eg_tx *tx, int64_t pid, char *out, size_t n)
{
    struct eg_stmt *st;
    bool row = false;
    out[0] = '\0';
    enum eg_err rc = eg_tx_prepare(tx, "SELECT field_code FROM procedure WHERE id = ?", &st);
    if (rc == EG_OK)
        rc = eg_stmt_bind_i64(st, 1, pid);
    if (rc == EG_OK)
        rc = eg_stmt_step(st, &row);
    if (rc == EG_OK && row) {
        snprintf(out, n, "%s", eg_stmt_text(st, 0));
        eg_stmt_reset(st);
    }
    return rc;
}

/* Copies what lists and search need from doc onto the procedure row. */
static enum eg_err
denormalise(struct eg_tx *tx, int64_t pid, const json_t *doc, const char *status, int version,
            int64_t now_ms, struct eg_buf *msg)
{
    struct eg_buf name = EG_BUF_INIT(4096), body = EG_BUF_INIT((size_t)256 * 1024);
    char applicants[64], old_field[32];
    const json_t *legacy = json_object_get(doc, "legacy_level");
    enum eg_err rc = field_of(tx, pid, old_field, sizeof(old_field));
    if (rc == EG_OK)
        rc = eg_proc_words(str(doc, "name"), strlen(str(doc, "name")), &name);
    if (rc == EG_OK)
        rc = fold_body(tx, doc, &body);
    if (rc == EG_OK)
        rc = applicants_text(doc, applicants, sizeof(applicants));
    struct eg_stmt *st;
    bool row;
    if (rc == EG_OK)
        rc = eg_tx_prepare(tx,
                           "UPDATE procedure SET name = ?, name_fold = ?, body_fold = ?, "
                           "field_code = ?, level = ?, applicants = ?, online_level = ?, "
                           "legacy_level = ?, working_days = ?, popularity = ?, status = ?, "
                           "current_version = ?, updated_at = ?, name_en = ? WHERE id = ?",
                           &st);
    if (rc == EG_OK)
        rc = eg_stmt_bind_text(st, 1, str(doc, "name"), SIZE_MAX);
    if (rc == EG_OK)
        rc = eg_stmt_bind_text(st, 2, eg_buf_str(&name), name.len);
    if (rc == EG_OK)
        rc = eg_stmt_bind_text(st, 3, eg_buf_str(&body), body.len);
    if (rc == EG_OK)
        rc = eg_stmt_bind_text(st, 4, str(doc, "field"), SIZE_MAX);
    if (rc == EG_OK)
        rc = eg_stmt_bind_text(st, 5, str(doc, "level"), SIZE_MAX);
    if (rc == EG_OK)
        rc = eg_stmt_bind_text(st, 6, applicants, SIZE_MAX);
    if (rc == EG_OK)
        rc = eg_stmt_bind_text(st, 7, str(doc, "online_level"), SIZE_MAX);
    if (rc == EG_OK)
        rc = json_is_integer(legacy) ? eg_stmt_bind_i64(st, 8, json_integer_value(legacy))
                                     : eg_stmt_bind_null(st, 8);
    if (rc == EG_OK)
        rc = eg_stmt_bind_i64(st, 9,
                              json_integer_value(json_object_get(json_object_get(doc, "processing"),
                                                                 "working_days")));
    if (rc == EG_OK)
        rc = eg_stmt_bind_i64(st, 10, json_integer_value(json_object_get(doc, "popularity")));
    if (rc == EG_OK)
        rc = eg_stmt_bind_text(st, 11, status, SIZE_MAX);
    if (rc == EG_OK)
        rc = eg_stmt_bind_i64(st, 12, version);
    if (rc == EG_OK)
        rc = eg_stmt_bind_i64(st, 13, now_ms);
    const char *name_en = json_string_value(json_object_get(doc, "name_en"));
    if (rc == EG_OK)
        rc = name_en ? eg_stmt_bind_text(st, 14, name_en, SIZE_MAX) : eg_stmt_bind_null(st, 14);
    if (rc == EG_OK)
        rc = eg_stmt_bind_i64(st, 15, pid);
    if (rc == EG_OK)
        rc = eg_stmt_step(st, &row);
    if (rc == EG_OK)
        rc = set_agencies(tx, pid, doc, msg);
    if (rc == EG_OK)
        rc = recount(tx, str(doc, "field"));
    if (rc == EG_OK && old_field[0] && strcmp(old_field, str(doc, "field")) != 0)
        rc = recount(tx, old_field);
    /* SQLite keeps its own full-text table; PostgreSQL a generated column. */
    if (rc == EG_OK && eg_tx_kind(tx) == EG_DB_SQLITE) {
        rc = eg_tx_prepare(tx, "DELETE FROM procedure_search WHERE rowid = ?", &st);
        if (rc == EG_OK)
            rc = eg_stmt_bind_i64(st, 1, pid);
        if (rc == EG_OK)
            rc = eg_stmt_step(st, &row);
        if (rc == EG_OK)
            rc = eg_tx_prepare(
                tx, "INSERT INTO procedure_search (rowid, name, body) VALUES (?, ?, ?)", &st);
        if (rc == EG_OK)
            rc = eg_stmt_bind_i64(st, 1, pid);
        if (rc == EG_OK)
            rc = eg_stmt_bind_text(st, 2, eg_buf_str(&name), name.len);
        if (rc == EG_OK)
            rc = eg_stmt_bind_text(st, 3, eg_buf_str(&body), body.len);
        if (rc == EG_OK)
            rc = eg_stmt_step(st, &row);
    }
    eg_buf_release(&name);
    eg_buf_release(&body);
    return rc;
}

/* The procedure's id, creating a draft row for a new code. */
static enum eg_err
procedure_row(struct eg_tx *tx, const json_t *doc, bool demo, int64_t now_ms, int64_t *pid,
              int *max_version, bool *created)
{
    *created = false;
    enum eg_err rc = lookup_id(
        tx,
        /* PostgreSQL: hold the row, so two new versions at once queue, not collide. */
        eg_tx_kind(tx) == EG_DB_POSTGRES ? "SELECT id FROM procedure WHERE code = ? FOR UPDATE"
                                         : "SELECT id FROM procedure WHERE code = ?",
        str(doc, "code"), pid);
    if (rc == EG_ENOTFOUND) {
        struct eg_stmt *st;
        bool row = false;
        rc = eg_tx_prepare(tx,
                           "INSERT INTO procedure (code, name, name_fold, body_fold, field_code, "
                           "level, applicants, online_level, working_days, status, demo, "
                           "created_at, updated_at) VALUES (?, ?, '', '', ?, ?, '', ?, 0, "
                           "'draft', ?, ?, ?) RETURNING id",
                           &st);
        if (rc == EG_OK)
            rc = eg_stmt_bind_text(st, 1, str(doc, "code"), SIZE_MAX);
        if (rc == EG_OK)
            rc = eg_stmt_bind_text(st, 2, str(doc, "name"), SIZE_MAX);
        if (rc == EG_OK)
            rc = eg_stmt_bind_text(st, 3, str(doc, "field"), SIZE_MAX);
        if (rc == EG_OK)
            rc = eg_stmt_bind_text(st, 4, str(doc, "level"), SIZE_MAX);
        if (rc == EG_OK)
            rc = eg_stmt_bind_text(st, 5, str(doc, "online_level"), SIZE_MAX);
        if (rc == EG_OK)
            rc = eg_stmt_bind_i64(st, 6, demo ? 1 : 0);
        if (rc == EG_OK)
            rc = eg_stmt_bind_i64(st, 7, now_ms);
        if (rc == EG_OK)
            rc = eg_stmt_bind_i64(st, 8, now_ms);
        if (rc == EG_OK)
            rc = eg_stmt_step(st, &row);
        if (rc == EG_OK && row)
            *pid = eg_stmt_i64(st, 0);
        if (rc == EG_OK && row)
            rc = eg_stmt_step(st, &row);
        *created = rc == EG_OK;
    }
    if (rc != EG_OK)
        return rc;
    struct eg_stmt *st;
    bool row = false;
    rc = eg_tx_prepare(tx,
                       "SELECT COALESCE(MAX(version), 0) FROM procedure_version WHERE "
                       "procedure_id = ?",
                       &st);
    if (rc == EG_OK)
        rc = eg_stmt_bind_i64(st, 1, *pid);
    if (rc == EG_OK)
        rc = eg_stmt_step(st, &row);
    if (rc == EG_OK && row) {
        *max_version = (int)eg_stmt_i64(st, 0);
        eg_stmt_reset(st);
    }
    return rc;
}

enum eg_err
eg_procedure_put(struct eg_tx *tx, const json_t *doc, const struct eg_procedure_put *how,
                 int *version, struct eg_buf *msg)
{
    bool publish = how->publish;
    int64_t now_ms = how->now_ms;
    *version = 0;
    enum eg_err rc = eg_procedure_check(doc, msg);
    if (rc != EG_OK)
        return rc;
    int64_t field = 0;
    rc = lookup_id(tx, "SELECT 1 FROM procedure_field WHERE code = ?", str(doc, "field"), &field);
    if (rc == EG_ENOTFOUND)
        return say(msg, EG_EINVAL, "field: không có lĩnh vực %s", str(doc, "field"));
    if (rc == EG_OK)
        rc = check_agencies(tx, doc, msg);
    if (rc != EG_OK)
        return rc;
    int64_t pid = 0;
    int max = 0;
    bool created = false;
    rc = procedure_row(tx, doc, how->demo, now_ms, &pid, &max, &created);
    if (rc == EG_OK && how->mode == EG_PUT_NEW && !created)
        return say(msg, EG_ECONFLICT, "code: đã có thủ tục mang mã %s", str(doc, "code"));
    if (rc == EG_OK && how->mode == EG_PUT_VERSION && created)
        return say(msg, EG_ENOTFOUND, "code: không có thủ tục mang mã %s", str(doc, "code"));
    struct eg_buf text = EG_BUF_INIT(DOC_MAX);
    if (rc == EG_OK) {
        char *s = json_dumps(doc, JSON_COMPACT | JSON_SORT_KEYS);
        rc = s ? eg_buf_adds(&text, s) : EG_ENOMEM;
        free(s);
        if (rc == EG_ETOOBIG)
            say(msg, rc, "%s", "thủ tục quá lớn (tối đa 1 MiB)");
    }
    struct eg_stmt *st;
    bool row;
    if (rc == EG_OK)
        rc = eg_tx_prepare(tx,
                           "INSERT INTO procedure_version (procedure_id, version, valid_from, "
                           "document, created_at, created_by, published_at) VALUES (?, ?, ?, ?, "
                           "?, ?, ?)",
                           &st);
    if (rc == EG_OK)
        rc = eg_stmt_bind_i64(st, 1, pid);
    if (rc == EG_OK)
        rc = eg_stmt_bind_i64(st, 2, max + 1);
    if (rc == EG_OK)
        rc = eg_stmt_bind_text(st, 3, str(doc, "valid_from"), SIZE_MAX);
    if (rc == EG_OK)
        rc = eg_stmt_bind_text(st, 4, eg_buf_str(&text), text.len);
    if (rc == EG_OK)
        rc = eg_stmt_bind_i64(st, 5, now_ms);
    if (rc == EG_OK)
        rc = eg_stmt_bind_text(st, 6, how->actor, SIZE_MAX);
    if (rc == EG_OK)
        rc = publish ? eg_stmt_bind_i64(st, 7, now_ms) : eg_stmt_bind_null(st, 7);
    if (rc == EG_OK)
        rc = eg_stmt_step(st, &row);
    eg_buf_release(&text);
    /* A new procedure shows its draft to administrators; an old one keeps its current version. */
    if (rc == EG_OK && (publish || created))
        rc = denormalise(tx, pid, doc, publish ? "published" : "draft", max + 1, now_ms, msg);
    if (rc == EG_OK)
        *version = max + 1;
    return rc;
}

/* A stored version's document. */
static enum eg_err
version_doc(struct eg_tx *tx, int64_t pid, int version, json_t **out)
{
    struct eg_stmt *st;
    bool row = false;
    *out = NULL;
    enum eg_err rc = eg_tx_prepare(
        tx, "SELECT document FROM procedure_version WHERE procedure_id = ? AND version = ?", &st);
    if (rc == EG_OK)
        rc = eg_stmt_bind_i64(st, 1, pid);
    if (rc == EG_OK)
        rc = eg_stmt_bind_i64(st, 2, version);
    if (rc == EG_OK)
        rc = eg_stmt_step(st, &row);
    if (rc == EG_OK && !row)
        return EG_ENOTFOUND;
    if (rc == EG_OK) {
        rc = eg_json_parse(eg_stmt_text(st, 0), eg_stmt_len(st, 0), out, NULL);
        eg_stmt_reset(st);
    }
    return rc;
}

enum eg_err
eg_procedure_publish(struct eg_tx *tx, const char *code, int version, int64_t now_ms,
                     struct eg_buf *msg)
{
    int64_t pid = 0;
    json_t *doc = NULL;
    enum eg_err rc = lookup_id(tx, "SELECT id FROM procedure WHERE code = ?", code, &pid);
    if (rc == EG_OK)
        rc = version_doc(tx, pid, version, &doc);
    struct eg_stmt *st;
    bool row;
    if (rc == EG_OK)
        rc = eg_tx_prepare(tx,
                           "UPDATE procedure_version SET published_at = COALESCE(published_at, "
                           "?) WHERE procedure_id = ? AND version = ?",
                           &st);
    if (rc == EG_OK)
        rc = eg_stmt_bind_i64(st, 1, now_ms);
    if (rc == EG_OK)
        rc = eg_stmt_bind_i64(st, 2, pid);
    if (rc == EG_OK)
        rc = eg_stmt_bind_i64(st, 3, version);
    if (rc == EG_OK)
        rc = eg_stmt_step(st, &row);
    /* A unit may have closed since the version was written. */
    if (rc == EG_OK)
        rc = check_agencies(tx, doc, msg);
    if (rc == EG_OK)
        rc = denormalise(tx, pid, doc, "published", version, now_ms, msg);
    json_decref(doc);
    return rc;
}

enum eg_err
eg_procedure_retire(struct eg_tx *tx, const char *code, int64_t now_ms)
{
    struct eg_stmt *st;
    bool row;
    int64_t pid = 0;
    char field[32] = "";
    enum eg_err rc = lookup_id(tx, "SELECT id FROM procedure WHERE code = ?", code, &pid);
    if (rc == EG_OK)
        rc = field_of(tx, pid, field, sizeof(field));
    if (rc != EG_OK)
        return rc;
    rc = eg_tx_prepare(tx,
                       "UPDATE procedure SET status = 'retired', updated_at = ? WHERE "
                       "code = ? AND status <> 'retired'",
                       &st);
    if (rc == EG_OK)
        rc = eg_stmt_bind_i64(st, 1, now_ms);
    if (rc == EG_OK)
        rc = eg_stmt_bind_text(st, 2, code, SIZE_MAX);
    if (rc == EG_OK)
        rc = eg_stmt_step(st, &row);
    if (rc == EG_OK && eg_stmt_changes(st) != 1)
        return EG_ENOTFOUND;
    if (rc == EG_OK)
        rc = recount(tx, field);
    return rc;
}

static enum eg_err
agencies_of(struct eg_tx *tx, int64_t pid, const char *only, json_t *out)
{
    struct eg_stmt *st;
    enum eg_err rc = eg_tx_prepare(
        tx,
        only ? "SELECT o.code, o.name FROM procedure_agency a JOIN org_unit o ON o.id "
               "= a.org_unit_id WHERE a.procedure_id = ? AND o.code = ?"
             : "SELECT o.code, o.name FROM procedure_agency a JOIN org_unit o ON o.id "
               "= a.org_unit_id WHERE a.procedure_id = ? ORDER BY o.code",
        &st);
    if (rc == EG_OK)
        rc = eg_stmt_bind_i64(st, 1, pid);
    if (rc == EG_OK && only)
        rc = eg_stmt_bind_text(st, 2, only, strlen(only));
    bool row = true;
    while (rc == EG_OK) {
        rc = eg_stmt_step(st, &row);
        if (rc != EG_OK || !row)
            break;
        json_t *o =
            json_pack("{s:s, s:s}", "code", eg_stmt_text(st, 0), "name", eg_stmt_text(st, 1));
        if (!o || json_array_append_new(out, o) != 0)
            rc = EG_ENOMEM;
    }
    return rc;
}

/* A stored version's document, parsed or from the cache (a copy of the cache's). */
static enum eg_err
version_doc_cached(struct eg_tx *tx, struct eg_procedure_cache *cache, int64_t pid, int version,
                   json_t **out)
{
    if (!cache)
        return version_doc(tx, pid, version, out);
    *out = eg_proc_cache_get(cache, pid, version);
    if (*out)
        return EG_OK;
    json_t *doc = NULL;
    enum eg_err rc = version_doc(tx, pid, version, &doc);
    if (rc != EG_OK)
        return rc;
    *out = json_copy(doc);
    if (*out)
        eg_proc_cache_put(cache, pid, version, doc);
    json_decref(doc);
    return *out ? EG_OK : EG_ENOMEM;
}

static enum eg_err
get(struct eg_db *db, struct eg_procedure_cache *cache, const char *code, const char *agency,
    bool include_drafts, json_t **out)
{
    *out = NULL;
    struct eg_tx *tx;
    struct eg_stmt *st;
    bool row = false;
    enum eg_err rc = eg_db_begin(db, EG_TX_READ, &tx);
    if (rc != EG_OK)
        return rc;
    rc = eg_tx_prepare(tx,
                       "SELECT p.id, p.status, p.current_version, f.name, f.name_en, "
                       "(SELECT MAX(version) FROM procedure_version v WHERE v.procedure_id = "
                       "p.id) FROM procedure p JOIN procedure_field f ON f.code = p.field_code "
                       "WHERE p.code = ?",
                       &st);
    if (rc == EG_OK)
        rc = eg_stmt_bind_text(st, 1, code, SIZE_MAX);
    if (rc == EG_OK)
        rc = eg_stmt_step(st, &row);
    int64_t pid = 0;
    int version = 0;
    char status[16] = "", field_name[512] = "", field_en[512] = "";
    if (rc == EG_OK && row) {
        pid = eg_stmt_i64(st, 0);
        snprintf(status, sizeof(status), "%s", eg_stmt_text(st, 1));
        snprintf(field_name, sizeof(field_name), "%s", eg_stmt_text(st, 3));
        snprintf(field_en, sizeof(field_en), "%s", eg_stmt_text(st, 4) ? eg_stmt_text(st, 4) : "");
        version = (int)(include_drafts ? eg_stmt_i64(st, 5) : eg_stmt_i64(st, 2));
        /* A newer version than the current one is a draft, whatever the procedure's state. */
        if (eg_stmt_is_null(st, 2) || version != (int)eg_stmt_i64(st, 2))
            snprintf(status, sizeof(status), "draft");
        eg_stmt_reset(st);
    }
    if (rc == EG_OK && (!row || (!include_drafts && strcmp(status, "published") != 0)))
        rc = EG_ENOTFOUND;
    json_t *doc = NULL;
    if (rc == EG_OK)
        rc = version_doc_cached(tx, cache, pid, version, &doc);
    json_t *agencies = json_array();
    if (rc == EG_OK)
        rc = agencies ? agencies_of(tx, pid, agency, agencies) : EG_ENOMEM;
    eg_tx_rollback(tx);
    if (rc != EG_OK) {
        json_decref(doc);
        json_decref(agencies);
        return rc;
    }
    json_object_set_new(doc, "version", json_integer(version));
    json_object_set_new(doc, "status", json_string(status));
    json_object_set_new(doc, "field_name", json_string(field_name));
    json_object_set_new(doc, "field_name_en", field_en[0] ? json_string(field_en) : json_null());
    json_object_set_new(doc, "agencies", agencies);
    *out = doc;
    return EG_OK;
}

enum eg_err
eg_procedure_get(struct eg_db *db, const char *code, bool include_drafts, json_t **out)
{
    return get(db, NULL, code, NULL, include_drafts, out);
}

enum eg_err
eg_procedure_get_cached(struct eg_db *db, struct eg_procedure_cache *cache, const char *code,
                        const char *agency, json_t **out)
{
    return get(db, cache, code, agency && *agency ? agency : NULL, false, out);
}

enum eg_err
eg_procedure_fields(struct eg_db *db, json_t **out)
{
    *out = NULL;
    json_t *items = json_array();
    struct eg_tx *tx;
    struct eg_stmt *st;
    if (!items)
        return EG_ENOMEM;
    enum eg_err rc = eg_db_begin(db, EG_TX_READ, &tx);
    if (rc != EG_OK) {
        json_decref(items);
        return rc;
    }
    rc = eg_tx_prepare(
        tx, "SELECT code, name, name_en, published FROM procedure_field ORDER BY name", &st);
    bool row = true;
    while (rc == EG_OK) {
        rc = eg_stmt_step(st, &row);
        if (rc != EG_OK || !row)
            break;
        json_t *o = json_pack("{s:s, s:s, s:s?, s:I}", "code", eg_stmt_text(st, 0), "name",
                              eg_stmt_text(st, 1), "name_en", eg_stmt_text(st, 2), "count",
                              (json_int_t)eg_stmt_i64(st, 3));
        if (!o || json_array_append_new(items, o) != 0)
            rc = EG_ENOMEM;
    }
    eg_tx_rollback(tx);
    if (rc != EG_OK) {
        json_decref(items);
        return rc;
    }
    *out = items;
    return EG_OK;
}

enum eg_err
eg_procedure_export(struct eg_db *db, json_t **out)
{
    *out = NULL;
    json_t *fields = NULL, *procs = json_array();
    enum eg_err rc = eg_procedure_fields(db, &fields);
    struct eg_tx *tx = NULL;
    struct eg_stmt *st;
    if (rc == EG_OK)
        rc = procs ? eg_db_begin(db, EG_TX_READ, &tx) : EG_ENOMEM;
    if (rc == EG_OK)
        rc = eg_tx_prepare(tx,
                           "SELECT v.document FROM procedure p JOIN procedure_version v ON "
                           "v.procedure_id = p.id AND v.version = p.current_version WHERE "
                           "p.status = 'published' ORDER BY p.code",
                           &st);
    bool row = true;
    while (rc == EG_OK) {
        rc = eg_stmt_step(st, &row);
        if (rc != EG_OK || !row)
            break;
        json_t *doc = NULL;
        rc = eg_json_parse(eg_stmt_text(st, 0), eg_stmt_len(st, 0), &doc, NULL);
        if (rc == EG_OK && json_array_append_new(procs, doc) != 0)
            rc = EG_ENOMEM;
    }
    eg_tx_rollback(tx);
    if (rc == EG_OK) {
        /* Fields as the import reads them: no counts. */
        size_t i;
        json_t *f;
        json_array_foreach(fields, i, f)
        {
            json_object_del(f, "count");
        }
        *out = json_pack("{s:o, s:o}", "fields", fields, "procedures", procs);
        return *out ? EG_OK : EG_ENOMEM;
    }
    json_decref(fields);
    json_decref(procs);
    return rc;
}

enum eg_err
eg_procedure_import(struct eg_tx *tx, const json_t *catalogue, bool publish, bool demo,
                    const char *actor, int64_t now_ms, size_t *count, struct eg_buf *msg)
{
    *count = 0;
    const json_t *fields = json_object_get(catalogue, "fields");
    const json_t *procs = json_object_get(catalogue, "procedures");
    if (!json_is_array(fields) || !json_is_array(procs))
        return say(msg, EG_EINVAL, "%s", "danh mục cần \"fields\" và \"procedures\" là danh sách");
    size_t i;
    const json_t *v;
    enum eg_err rc = EG_OK;
    json_array_foreach(fields, i, v)
    {
        rc = eg_procedure_field_put(tx, json_string_value(json_object_get(v, "code")),
                                    json_string_value(json_object_get(v, "name")),
                                    json_string_value(json_object_get(v, "name_en")));
        if (rc != EG_OK)
            return say(msg, rc, "fields: lĩnh vực %s không hợp lệ", str(v, "code"));
    }
    json_array_foreach(procs, i, v)
    {
        int version;
        struct eg_procedure_put how = {EG_PUT_ANY, publish, demo, actor, now_ms};
        rc = eg_procedure_put(tx, v, &how, &version, msg);
        if (rc != EG_OK) {
            if (msg) {
                struct eg_buf tmp = EG_BUF_INIT(2048);
                if (eg_buf_printf(&tmp, "thủ tục %s: %s", str(v, "code"), eg_buf_str(msg)) ==
                    EG_OK) {
                    eg_buf_reset(msg);
                    if (eg_buf_add(msg, tmp.p, tmp.len) != EG_OK)
                        eg_buf_reset(msg);
                }
                eg_buf_release(&tmp);
            }
            return rc;
        }
        (*count)++;
    }
    return EG_OK;
}

enum eg_err
eg_procedure_versions(struct eg_db *db, const char *code, json_t **out)
{
    *out = NULL;
    struct eg_tx *tx;
    enum eg_err rc = eg_db_begin(db, EG_TX_READ, &tx);
    if (rc != EG_OK)
        return rc;
    int64_t pid = 0;
    rc = lookup_id(tx, "SELECT id FROM procedure WHERE code = ?", code, &pid);
    struct eg_stmt *st = NULL;
    json_t *items = json_array();
    if (rc == EG_OK)
        rc = items ? eg_tx_prepare(tx,
                                   "SELECT v.version, v.valid_from, v.created_at, v.created_by, "
                                   "v.published_at, CASE WHEN v.version = p.current_version AND "
                                   "v.published_at IS NOT NULL THEN 1 ELSE 0 END FROM "
                                   "procedure_version v JOIN procedure p ON p.id = "
                                   "v.procedure_id WHERE v.procedure_id = ? ORDER BY v.version "
                                   "DESC",
                                   &st)
                   : EG_ENOMEM;
    if (rc == EG_OK)
        rc = eg_stmt_bind_i64(st, 1, pid);
    bool row = true;
    while (rc == EG_OK) {
        rc = eg_stmt_step(st, &row);
        if (rc != EG_OK || !row)
            break;
        json_t *o = json_pack(
            "{s:I, s:s, s:I, s:s, s:o, s:b}", "version", (json_int_t)eg_stmt_i64(st, 0),
            "valid_from", eg_stmt_text(st, 1), "created_at", (json_int_t)eg_stmt_i64(st, 2),
            "created_by", eg_stmt_text(st, 3), "published_at",
            eg_stmt_is_null(st, 4) ? json_null() : json_integer(eg_stmt_i64(st, 4)), "current",
            (int)(eg_stmt_i64(st, 5) != 0));
        if (!o || json_array_append_new(items, o) != 0)
            rc = EG_ENOMEM;
    }
    eg_tx_rollback(tx);
    if (rc != EG_OK) {
        json_decref(items);
        return rc;
    }
    *out = items;
    return EG_OK;
}

enum eg_err
eg_procedure_count(struct eg_db *db, int64_t *out)
{
    *out = 0;
    return eg_db_read_i64(db, "SELECT count(*) FROM procedure", out);
}

enum eg_err
eg_catalogue_generation(struct eg_db *db, int64_t *out)
{
    *out = 0;
    return eg_db_read_i64(db, "SELECT n FROM catalogue_generation WHERE id = 1", out);
}

enum eg_err
eg_procedure_document(struct eg_db *db, const char *code, int version, json_t **out)
{
    *out = NULL;
    struct eg_tx *tx;
    enum eg_err rc = eg_db_begin(db, EG_TX_READ, &tx);
    if (rc != EG_OK)
        return rc;
    rc = eg_procedure_document_tx(tx, code, version, out);
    eg_tx_rollback(tx);
    return rc;
}

enum eg_err
eg_procedure_name_tx(struct eg_tx *tx, const char *code, char *out, size_t n)
{
    struct eg_stmt *st;
    bool row = false;
    out[0] = '\0';
    enum eg_err rc = eg_tx_prepare(tx, "SELECT name FROM procedure WHERE code = ?", &st);
    if (rc == EG_OK)
        rc = eg_stmt_bind_text(st, 1, code, strlen(code));
    if (rc == EG_OK)
        rc = eg_stmt_step(st, &row);
    if (rc == EG_OK && row) {
        snprintf(out, n, "%s", eg_stmt_text(st, 0));
        eg_stmt_reset(st);
    }
    return rc == EG_OK && !row ? EG_ENOTFOUND : rc;
}

enum eg_err
eg_procedure_document_tx(struct eg_tx *tx, const char *code, int version, json_t **out)
{
    return eg_procedure_document_cached_tx(tx, NULL, code, version, out);
}

enum eg_err
eg_procedure_document_cached_tx(struct eg_tx *tx, struct eg_procedure_cache *cache,
                                const char *code, int version, json_t **out)
{
    *out = NULL;
    int64_t pid = 0;
    enum eg_err rc = lookup_id(tx, "SELECT id FROM procedure WHERE code = ?", code, &pid);
    if (rc == EG_OK && version == 0) {
        struct eg_stmt *st;
        bool row = false;
        rc = eg_tx_prepare(tx, "SELECT MAX(version) FROM procedure_version WHERE procedure_id = ?",
                           &st);
        if (rc == EG_OK)
            rc = eg_stmt_bind_i64(st, 1, pid);
        if (rc == EG_OK)
            rc = eg_stmt_step(st, &row);
        if (rc == EG_OK && row) {
            version = (int)eg_stmt_i64(st, 0);
            eg_stmt_reset(st);
        }
    }
    if (rc == EG_OK)
        rc = version_doc_cached(tx, cache, pid, version, out);
    return rc;
}

enum eg_err
eg_procedure_agencies(struct eg_db *db, json_t **out)
{
    *out = NULL;
    json_t *items = json_array();
    struct eg_tx *tx;
    struct eg_stmt *st;
    if (!items)
        return EG_ENOMEM;
    enum eg_err rc = eg_db_begin(db, EG_TX_READ, &tx);
    if (rc != EG_OK) {
        json_decref(items);
        return rc;
    }
    rc = eg_tx_prepare(tx,
                       "SELECT o.code, o.name, o.kind, count(*) FROM procedure_agency a JOIN "
                       "procedure p ON p.id = a.procedure_id JOIN org_unit o ON o.id = "
                       "a.org_unit_id WHERE p.status = 'published' GROUP BY o.code, o.name, "
                       "o.kind ORDER BY CASE WHEN o.kind = 'commune_committee' THEN 1 ELSE 0 "
                       "END, o.code",
                       &st);
    bool row = true;
    while (rc == EG_OK) {
        rc = eg_stmt_step(st, &row);
        if (rc != EG_OK || !row)
            break;
        json_t *o = json_pack("{s:s, s:s, s:s, s:I}", "code", eg_stmt_text(st, 0), "name",
                              eg_stmt_text(st, 1), "kind", eg_stmt_text(st, 2), "count",
                              (json_int_t)eg_stmt_i64(st, 3));
        if (!o || json_array_append_new(items, o) != 0)
            rc = EG_ENOMEM;
    }
    eg_tx_rollback(tx);
    if (rc != EG_OK) {
        json_decref(items);
        return rc;
    }
    *out = items;
    return EG_OK;
}
