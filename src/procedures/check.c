/* check.c - what a procedure document must look like (docs/procedures.md). */
#include "procedures_int.h"

#include <stdio.h>
#include <string.h>

#define TEXT_MAX 4000
#define LIST_MAX 50
#define FORM_FIELDS_MAX 60
#define FILE_MAX_BYTES (20LL * 1024 * 1024)

struct ctx {
    struct eg_buf *msg;
};

static enum eg_err
bad(struct ctx *c, const char *path, const char *why)
{
    if (c->msg) {
        eg_buf_reset(c->msg);
        if (eg_buf_printf(c->msg, "%s: %s", path, why) != EG_OK)
            eg_buf_reset(c->msg);
    }
    return EG_EINVAL;
}

bool
eg_proc_clean_text(const char *s, size_t n, bool multiline)
{
    if (!eg_utf8_valid(s, n) || !eg_text_is_nfc(s, n))
        return false;
    for (size_t i = 0; i < n; i++) {
        unsigned char ch = (unsigned char)s[i];
        if ((ch < 0x20 && !(multiline && (ch == '\n' || ch == '\t'))) || ch == 0x7f)
            return false;
        if (ch == 0xc2 && i + 1 < n && (unsigned char)s[i + 1] <= 0x9f)
            return false;
    }
    return true;
}

/* A string member: present (when required), a string, bounded, clean. */
static enum eg_err
text(struct ctx *c, const json_t *o, const char *key, const char *path, bool required, size_t max,
     const char **out)
{
    const json_t *v = json_object_get(o, key);
    char where[160];
    snprintf(where, sizeof(where), "%s%s%s", path, *path ? "." : "", key);
    if (out)
        *out = NULL;
    if (!v || json_is_null(v)) {
        if (required)
            return bad(c, where, "là bắt buộc");
        return EG_OK;
    }
    if (!json_is_string(v))
        return bad(c, where, "phải là chuỗi");
    size_t n = json_string_length(v);
    if (required && n == 0)
        return bad(c, where, "không được để trống");
    if (n > max)
        return bad(c, where, "quá dài");
    if (!eg_proc_clean_text(json_string_value(v), n, max > 300))
        return bad(c, where, "phải là văn bản Unicode NFC, không có ký tự điều khiển");
    if (out)
        *out = json_string_value(v);
    return EG_OK;
}

static enum eg_err
integer(struct ctx *c, const json_t *o, const char *key, const char *path, bool required,
        long long min, long long max, long long *out)
{
    const json_t *v = json_object_get(o, key);
    char where[160];
    snprintf(where, sizeof(where), "%s%s%s", path, *path ? "." : "", key);
    if (!v || json_is_null(v)) {
        if (required)
            return bad(c, where, "là bắt buộc");
        return EG_OK;
    }
    if (!json_is_integer(v) || json_integer_value(v) < min || json_integer_value(v) > max)
        return bad(c, where, "phải là số nguyên trong khoảng cho phép");
    if (out)
        *out = json_integer_value(v);
    return EG_OK;
}

static bool
one_of(const char *s, const char *const *set)
{
    for (; s && *set; set++)
        if (strcmp(s, *set) == 0)
            return true;
    return false;
}

/* Only the keys in known: an unknown key is a typo that would be silently dropped. */
static enum eg_err
keys_only(struct ctx *c, const json_t *o, const char *path, const char *const *known)
{
    const char *key;
    const json_t *v;
    json_object_foreach((json_t *)o, key, v)
    {
        if (!one_of(key, known)) {
            char why[200];
            snprintf(why, sizeof(why), "có khóa không được hỗ trợ \"%.60s\"", key);
            return bad(c, path, why);
        }
    }
    return EG_OK;
}

static enum eg_err
boolean(struct ctx *c, const json_t *o, const char *key, const char *path)
{
    const json_t *v = json_object_get(o, key);
    if (v && !json_is_boolean(v) && !json_is_null(v)) {
        char where[160];
        snprintf(where, sizeof(where), "%s.%s", path, key);
        return bad(c, where, "phải là true hoặc false");
    }
    return EG_OK;
}

static bool
date_ok(const char *s)
{
    if (!s || strlen(s) != 10 || s[4] != '-' || s[7] != '-')
        return false;
    for (int i = 0; i < 10; i++)
        if (i != 4 && i != 7 && (s[i] < '0' || s[i] > '9'))
            return false;
    int m = (s[5] - '0') * 10 + (s[6] - '0'), d = (s[8] - '0') * 10 + (s[9] - '0');
    return m >= 1 && m <= 12 && d >= 1 && d <= 31;
}

bool
eg_procedure_code_ok(const char *s)
{
    /* "1.000656", optionally with a local suffix ".000.00.41.H41". */
    size_t n = s ? strlen(s) : 0;
    if (n < 8 || n > EG_PROCEDURE_CODE_MAX || s[0] < '1' || s[0] > '9' || s[1] != '.')
        return false;
    for (int i = 2; i < 8; i++)
        if (s[i] < '0' || s[i] > '9')
            return false;
    if (n == 8)
        return true;
    if (s[8] != '.' || n == 9)
        return false;
    for (size_t i = 9; i < n; i++)
        if (!((s[i] >= 'A' && s[i] <= 'Z') || (s[i] >= '0' && s[i] <= '9') || s[i] == '.'))
            return false;
    return true;
}

static bool
name_ok(const char *s)
{
    size_t n = strlen(s);
    if (n == 0 || n > 40 || s[0] < 'a' || s[0] > 'z')
        return false;
    for (size_t i = 0; i < n; i++)
        if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') || s[i] == '_'))
            return false;
    return true;
}

/* An array of strings, each clean and bounded. */
static enum eg_err
string_list(struct ctx *c, const json_t *o, const char *key, size_t min, size_t max, size_t each)
{
    const json_t *a = json_object_get(o, key);
    if (!json_is_array(a) || json_array_size(a) < min || json_array_size(a) > max)
        return bad(c, key, "phải là danh sách với số phần tử cho phép");
    size_t i;
    const json_t *v;
    json_array_foreach(a, i, v)
    {
        if (!json_is_string(v) || json_string_length(v) == 0 || json_string_length(v) > each ||
            !eg_proc_clean_text(json_string_value(v), json_string_length(v), true))
            return bad(c, key, "có phần tử không phải văn bản hợp lệ");
    }
    return EG_OK;
}

static enum eg_err
check_select(struct ctx *c, const json_t *f, const char *path)
{
    const json_t *opts = json_object_get(f, "options");
    char where[160];
    snprintf(where, sizeof(where), "%s.options", path);
    if (!json_is_array(opts) || json_array_size(opts) < 2 || json_array_size(opts) > 100)
        return bad(c, where, "trường chọn cần từ 2 đến 100 lựa chọn");
    size_t i;
    const json_t *o;
    json_array_foreach(opts, i, o)
    {
        char at[192];
        snprintf(at, sizeof(at), "%s[%zu]", where, i);
        static const char *const keys[] = {"value", "label", NULL};
        enum eg_err rc = keys_only(c, o, at, keys);
        if (rc == EG_OK)
            rc = text(c, o, "value", at, true, 64, NULL);
        if (rc == EG_OK)
            rc = text(c, o, "label", at, true, 300, NULL);
        if (rc != EG_OK)
            return rc;
    }
    return EG_OK;
}

static bool
select_has(const json_t *fields, size_t upto, const char *name, const char *value)
{
    for (size_t i = 0; i < upto; i++) {
        const json_t *f = json_array_get(fields, i);
        if (strcmp(json_string_value(json_object_get(f, "name")), name) != 0)
            continue;
        if (strcmp(json_string_value(json_object_get(f, "type")), "select") != 0)
            return false;
        size_t k;
        const json_t *o;
        json_array_foreach(json_object_get(f, "options"), k, o)
        {
            if (strcmp(json_string_value(json_object_get(o, "value")), value) == 0)
                return true;
        }
        return false;
    }
    return false;
}

/* min and max: whole numbers, for number fields only, min <= max. */
static enum eg_err
check_bounds(struct ctx *c, const json_t *f, const char *type, const char *path)
{
    const json_t *min = json_object_get(f, "min"), *max = json_object_get(f, "max");
    if (!min && !max)
        return EG_OK;
    if (strcmp(type, "number") != 0)
        return bad(c, path, "min và max chỉ dùng cho trường số");
    long long lo = 0, hi = 0;
    enum eg_err rc = integer(c, f, "min", path, false, -1000000000000LL, 1000000000000LL, &lo);
    if (rc == EG_OK)
        rc = integer(c, f, "max", path, false, -1000000000000LL, 1000000000000LL, &hi);
    if (rc == EG_OK && min && max && lo > hi)
        rc = bad(c, path, "min phải nhỏ hơn hoặc bằng max");
    return rc;
}

/* The accepted file types: MIME types from a short list people can open. */
static enum eg_err
check_accept(struct ctx *c, const json_t *f, const char *path)
{
    static const char *const types[] = {"application/pdf", "image/jpeg", "image/png",
                                        "application/xml", "text/xml",   NULL};
    const json_t *acc = json_object_get(f, "accept");
    if (!json_is_array(acc) || json_array_size(acc) == 0 || json_array_size(acc) > 5)
        return bad(c, path, "trường tệp cần danh sách kiểu tệp (accept)");
    size_t i;
    const json_t *v;
    json_array_foreach(acc, i, v)
    {
        if (!one_of(json_string_value(v), types))
            return bad(c, path,
                       "accept chỉ gồm application/pdf, image/jpeg, image/png, "
                       "application/xml, text/xml");
    }
    return EG_OK;
}

static enum eg_err
check_form(struct ctx *c, const json_t *doc)
{
    static const char *const types[] = {"text",   "textarea",    "number",   "date",
                                        "select", "personal_id", "tax_code", "address",
                                        "phone",  "email",       "file",     NULL};
    const json_t *form = json_object_get(doc, "form");
    const json_t *fields = json_object_get(form, "fields");
    static const char *const form_keys[] = {"fields", NULL};
    if (!json_is_object(form) || !json_is_array(fields) ||
        json_array_size(fields) > FORM_FIELDS_MAX)
        return bad(c, "form.fields", "phải là danh sách tối đa 60 trường");
    enum eg_err frc = keys_only(c, form, "form", form_keys);
    if (frc != EG_OK)
        return frc;
    size_t i;
    const json_t *f;
    json_array_foreach(fields, i, f)
    {
        char path[64];
        snprintf(path, sizeof(path), "form.fields[%zu]", i);
        static const char *const keys[] = {"name",       "label",   "type", "required", "hint",
                                           "max_length", "min",     "max",  "options",  "accept",
                                           "max_bytes",  "show_if", NULL};
        const char *name, *type;
        if (!json_is_object(f))
            return bad(c, path, "phải là đối tượng");
        enum eg_err rc = keys_only(c, f, path, keys);
        if (rc == EG_OK)
            rc = text(c, f, "name", path, true, 40, &name);
        if (rc == EG_OK)
            rc = text(c, f, "label", path, true, 300, NULL);
        if (rc == EG_OK)
            rc = text(c, f, "type", path, true, 20, &type);
        if (rc == EG_OK)
            rc = text(c, f, "hint", path, false, 1000, NULL);
        if (rc != EG_OK)
            return rc;
        if (!name_ok(name))
            return bad(c, path, "tên trường chỉ gồm a-z, 0-9, _ và bắt đầu bằng chữ cái");
        for (size_t k = 0; k < i; k++)
            if (strcmp(json_string_value(json_object_get(json_array_get(fields, k), "name")),
                       name) == 0)
                return bad(c, path, "tên trường bị trùng");
        if (!one_of(type, types))
            return bad(c, path, "kiểu trường không được hỗ trợ");
        rc = boolean(c, f, "required", path);
        if (rc == EG_OK)
            rc = integer(c, f, "max_length", path, false, 1, 10000, NULL);
        if (rc == EG_OK)
            rc = check_bounds(c, f, type, path);
        if (rc == EG_OK && strcmp(type, "select") == 0)
            rc = check_select(c, f, path);
        if (rc == EG_OK && strcmp(type, "file") == 0) {
            long long maxb = 0;
            rc = integer(c, f, "max_bytes", path, true, 1, FILE_MAX_BYTES, &maxb);
            if (rc == EG_OK)
                rc = check_accept(c, f, path);
        }
        if (rc != EG_OK)
            return rc;
        static const char *const cond_keys[] = {"field", "equals", NULL};
        const json_t *cond = json_object_get(f, "show_if");
        if (cond && (!json_is_object(cond) || keys_only(c, cond, path, cond_keys) != EG_OK))
            return bad(c, path, "show_if gồm field và equals");
        if (cond) {
            const char *on = json_string_value(json_object_get(cond, "field"));
            const char *eq = json_string_value(json_object_get(cond, "equals"));
            if (!on || !eq || !select_has(fields, i, on, eq))
                return bad(c, path,
                           "show_if phải trỏ tới một trường chọn đứng trước và một giá trị của nó");
        }
    }
    return EG_OK;
}

/* The form's file field called name, or NULL. */
static const json_t *
file_field(const json_t *fields, const char *name)
{
    size_t i;
    const json_t *f;
    json_array_foreach(fields, i, f)
    {
        const char *n = json_string_value(json_object_get(f, "name"));
        const char *t = json_string_value(json_object_get(f, "type"));
        if (n && t && strcmp(n, name) == 0 && strcmp(t, "file") == 0)
            return f;
    }
    return NULL;
}

static enum eg_err
check_components(struct ctx *c, const json_t *doc, const json_t *form_fields)
{
    bool has_form = json_array_size(form_fields) > 0;
    const json_t *a = json_object_get(doc, "components");
    if (!json_is_array(a) || json_array_size(a) < 1 || json_array_size(a) > LIST_MAX)
        return bad(c, "components", "cần từ 1 đến 50 thành phần hồ sơ");
    size_t i;
    const json_t *v;
    json_array_foreach(a, i, v)
    {
        char path[48];
        snprintf(path, sizeof(path), "components[%zu]", i);
        static const char *const keys[] = {"name",     "originals", "copies", "required",
                                           "template", "field",     NULL};
        const char *tmpl = NULL, *field = NULL;
        if (!json_is_object(v))
            return bad(c, path, "phải là đối tượng");
        enum eg_err rc = keys_only(c, v, path, keys);
        if (rc == EG_OK)
            rc = text(c, v, "name", path, true, 1000, NULL);
        if (rc == EG_OK)
            rc = boolean(c, v, "required", path);
        if (rc == EG_OK)
            rc = integer(c, v, "originals", path, true, 0, 100, NULL);
        if (rc == EG_OK)
            rc = integer(c, v, "copies", path, true, 0, 100, NULL);
        if (rc == EG_OK)
            rc = text(c, v, "template", path, false, 80, &tmpl);
        if (rc == EG_OK)
            rc = text(c, v, "field", path, false, 64, &field);
        if (rc != EG_OK)
            return rc;
        if (tmpl && !has_form)
            return bad(c, path, "có mẫu tờ khai nhưng thủ tục không có biểu mẫu trực tuyến");
        if (field && tmpl)
            return bad(c, path, "một thành phần có mẫu tờ khai thì không gắn với mục tệp (field)");
        /* The file field that carries this component online: asked once, not twice. */
        const json_t *ff = field ? file_field(form_fields, field) : NULL;
        if (field && !ff)
            return bad(c, path, "field phải là tên một mục kiểu file của biểu mẫu");
        if (ff && json_object_get(ff, "show_if"))
            return bad(c, path, "field không trỏ tới mục có điều kiện hiện (show_if)");
        for (size_t k = 0; field && k < i; k++) {
            const char *other = json_string_value(json_object_get(json_array_get(a, k), "field"));
            if (other && strcmp(other, field) == 0)
                return bad(c, path, "hai thành phần không gắn cùng một mục tệp (field)");
        }
    }
    return EG_OK;
}

static enum eg_err
check_fees(struct ctx *c, const json_t *doc)
{
    const json_t *a = json_object_get(doc, "fees");
    if (!json_is_array(a) || json_array_size(a) > LIST_MAX)
        return bad(c, "fees", "phải là danh sách");
    size_t i;
    const json_t *v;
    json_array_foreach(a, i, v)
    {
        char path[32];
        static const char *const keys[] = {"name", "amount_vnd", "note_vi", NULL};
        snprintf(path, sizeof(path), "fees[%zu]", i);
        if (!json_is_object(v))
            return bad(c, path, "phải là đối tượng");
        enum eg_err rc = keys_only(c, v, path, keys);
        if (rc == EG_OK)
            rc = text(c, v, "name", path, true, 500, NULL);
        if (rc == EG_OK)
            rc = integer(c, v, "amount_vnd", path, true, 0, 1000000000000LL, NULL);
        if (rc == EG_OK)
            rc = text(c, v, "note_vi", path, false, 1000, NULL);
        if (rc != EG_OK)
            return rc;
    }
    return EG_OK;
}

enum eg_err
eg_procedure_check(const json_t *doc, struct eg_buf *msg)
{
    static const char *const levels[] = {"province", "commune", NULL};
    static const char *const online[] = {"full", "partial", "offline", NULL};
    static const char *const applicants[] = {"citizen", "business", NULL};
    struct ctx c = {msg};
    const char *code, *level, *ol, *valid_from;
    if (!json_is_object(doc))
        return bad(&c, "(thủ tục)", "phải là đối tượng JSON");
    enum eg_err rc = text(&c, doc, "code", "", true, EG_PROCEDURE_CODE_MAX, &code);
    if (rc == EG_OK && !eg_procedure_code_ok(code))
        rc = bad(&c, "code", "mã thủ tục có dạng 1.000656 (có thể thêm hậu tố mã cơ quan)");
    if (rc == EG_OK)
        rc = text(&c, doc, "name", "", true, 500, NULL);
    if (rc == EG_OK)
        rc = text(&c, doc, "name_en", "", false, 500, NULL);
    if (rc == EG_OK)
        rc = text(&c, doc, "field", "", true, 16, NULL);
    if (rc == EG_OK)
        rc = text(&c, doc, "level", "", true, 16, &level);
    if (rc == EG_OK && !one_of(level, levels))
        rc = bad(&c, "level", "là province hoặc commune");
    if (rc == EG_OK)
        rc = text(&c, doc, "online_level", "", true, 16, &ol);
    if (rc == EG_OK && !one_of(ol, online))
        rc = bad(&c, "online_level", "là full, partial hoặc offline");
    if (rc == EG_OK)
        rc = integer(&c, doc, "legacy_level", "", false, 1, 4, NULL);
    if (rc == EG_OK)
        rc = integer(&c, doc, "popularity", "", false, 0, 100, NULL);
    if (rc == EG_OK)
        rc = text(&c, doc, "valid_from", "", true, 10, &valid_from);
    if (rc == EG_OK && !date_ok(valid_from))
        rc = bad(&c, "valid_from", "ngày có dạng YYYY-MM-DD");
    if (rc != EG_OK)
        return rc;
    const json_t *ap = json_object_get(doc, "applicants");
    if (!json_is_array(ap) || json_array_size(ap) < 1 || json_array_size(ap) > 2)
        return bad(&c, "applicants", "là danh sách citizen và/hoặc business");
    size_t i;
    const json_t *v;
    json_array_foreach(ap, i, v)
    {
        if (!one_of(json_string_value(v), applicants))
            return bad(&c, "applicants", "là danh sách citizen và/hoặc business");
    }
    const json_t *ag = json_object_get(doc, "agencies");
    if (!json_is_array(ag) || json_array_size(ag) < 1 || json_array_size(ag) > 500)
        return bad(&c, "agencies", "là danh sách mã định danh cơ quan thực hiện");
    json_array_foreach(ag, i, v)
    {
        if (!json_is_string(v) || json_string_length(v) > 35)
            return bad(&c, "agencies", "là danh sách mã định danh cơ quan thực hiện");
    }
    const json_t *proc = json_object_get(doc, "processing");
    char cutoff_ok = 1;
    if (!json_is_object(proc))
        return bad(&c, "processing", "là bắt buộc");
    static const char *const proc_keys[] = {"working_days", "cutoff", "note_vi", NULL};
    rc = keys_only(&c, proc, "processing", proc_keys);
    if (rc == EG_OK)
        rc = integer(&c, proc, "working_days", "processing", true, 0, 365, NULL);
    if (rc == EG_OK) {
        const char *cut = NULL;
        rc = text(&c, proc, "cutoff", "processing", false, 5, &cut);
        if (rc == EG_OK && cut)
            cutoff_ok = strlen(cut) == 5 && cut[2] == ':' && cut[0] >= '0' && cut[0] <= '2' &&
                        cut[1] >= '0' && cut[1] <= '9' && cut[3] >= '0' && cut[3] <= '5' &&
                        cut[4] >= '0' && cut[4] <= '9' &&
                        (cut[0] - '0') * 10 + (cut[1] - '0') <= 23;
    }
    if (rc == EG_OK && !cutoff_ok)
        rc = bad(&c, "processing.cutoff", "giờ có dạng HH:MM");
    if (rc == EG_OK)
        rc = text(&c, proc, "note_vi", "processing", false, 1000, NULL);
    if (rc == EG_OK)
        rc = check_fees(&c, doc);
    const json_t *form_fields = json_object_get(json_object_get(doc, "form"), "fields");
    if (rc == EG_OK)
        rc = check_form(&c, doc);
    if (rc == EG_OK)
        rc = check_components(&c, doc, form_fields);
    if (rc == EG_OK)
        rc = string_list(&c, doc, "steps_vi", 1, LIST_MAX, TEXT_MAX);
    if (rc == EG_OK)
        rc = string_list(&c, doc, "legal_basis", 1, LIST_MAX, 1000);
    /* What people call it besides its name ("sổ đỏ"), for search only. */
    if (rc == EG_OK && json_object_get(doc, "keywords_vi"))
        rc = string_list(&c, doc, "keywords_vi", 0, 30, 200);
    if (rc == EG_OK)
        rc = text(&c, doc, "conditions_vi", "", false, TEXT_MAX, NULL);
    if (rc == EG_OK)
        rc = text(&c, doc, "result_vi", "", true, TEXT_MAX, NULL);
    static const char *const known[] = {
        "code",        "name",       "name_en",      "field",         "level",
        "agencies",    "applicants", "online_level", "legacy_level",  "processing",
        "fees",        "components", "steps_vi",     "conditions_vi", "result_vi",
        "legal_basis", "form",       "popularity",   "valid_from",    "keywords_vi",
        NULL};
    if (rc == EG_OK)
        rc = keys_only(&c, doc, "(thủ tục)", known);
    return rc;
}
