/* json.c - strict JSON input on jansson, and declared-field checks. */
#include "core.h"

#include <stdlib.h>
#include <string.h>

/* Depth of nesting, stopping early once it passes limit. */
static size_t
depth_of(const json_t *v, size_t limit)
{
    if (limit == 0)
        return 1;
    size_t best = 0;
    if (json_is_object(v)) {
        const char *k;
        const json_t *x;
        json_object_foreach((json_t *)v, k, x)
        {
            size_t d = depth_of(x, limit - 1);
            if (d > best)
                best = d;
            if (best >= limit)
                break;
        }
        return best + 1;
    }
    if (json_is_array(v)) {
        size_t i;
        const json_t *x;
        json_array_foreach(v, i, x)
        {
            size_t d = depth_of(x, limit - 1);
            if (d > best)
                best = d;
            if (best >= limit)
                break;
        }
        return best + 1;
    }
    return 0;
}

enum eg_err
eg_json_parse(const char *p, size_t n, json_t **out, struct eg_buf *msg)
{
    *out = NULL;
    json_error_t e;
    json_t *v = json_loadb(p, n, JSON_REJECT_DUPLICATES, &e);
    if (!v) {
        if (msg) {
            /* jansson quotes the client's bytes, and may cut a character in two. */
            eg_buf_reset(msg);
            if (eg_buf_printf(msg, "JSON không hợp lệ (dòng %d, cột %d): ", e.line, e.column) !=
                    EG_OK ||
                eg_utf8_sanitize(e.text, strlen(e.text), msg) != EG_OK)
                eg_buf_reset(msg);
        }
        return EG_EINVAL;
    }
    if (depth_of(v, EG_JSON_MAX_DEPTH + 1) > EG_JSON_MAX_DEPTH) {
        json_decref(v);
        if (msg) {
            eg_buf_reset(msg);
            if (eg_buf_printf(msg, "JSON lồng nhau quá %d cấp", EG_JSON_MAX_DEPTH) != EG_OK)
                eg_buf_reset(msg);
        }
        return EG_EINVAL;
    }
    *out = v;
    return EG_OK;
}

static enum eg_err
fail(struct eg_buf *msg, const char *field, const char *what)
{
    if (msg) {
        eg_buf_reset(msg);
        if (eg_buf_printf(msg, "trường \"%s\": %s", field, what) != EG_OK)
            eg_buf_reset(msg);
    }
    return EG_EINVAL;
}

/* C0 controls but tab and newlines, DEL, and the C1 range U+0080-U+009F (C2 80..C2 9F). */
static bool
has_control(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if ((c < 0x20 && c != '\n' && c != '\r' && c != '\t') || c == 0x7f)
            return true;
        if (c == 0xc2 && i + 1 < n && (unsigned char)s[i + 1] <= 0x9f)
            return true;
    }
    return false;
}

static enum eg_err
check_one(const json_t *v, const struct eg_json_field *f, struct eg_buf *msg)
{
    switch (f->type) {
    case EG_JSON_STRING:
    case EG_JSON_SECRET: {
        if (!json_is_string(v))
            return fail(msg, f->name, "phải là chuỗi");
        const char *s = json_string_value(v);
        size_t n = json_string_length(v);
        size_t max = f->max_len ? f->max_len : 4096;
        if (n > max)
            return fail(msg, f->name, "quá dài");
        if (memchr(s, '\0', n) || has_control(s, n))
            return fail(msg, f->name, "chứa ký tự điều khiển");
        if (f->type != EG_JSON_SECRET && !eg_text_is_nfc(s, n))
            return fail(msg, f->name, "phải ở dạng Unicode NFC");
        return EG_OK;
    }
    case EG_JSON_INT:
        if (!json_is_integer(v))
            return fail(msg, f->name, "phải là số nguyên");
        if (f->min < f->max && (json_integer_value(v) < f->min || json_integer_value(v) > f->max))
            return fail(msg, f->name, "nằm ngoài khoảng cho phép");
        return EG_OK;
    case EG_JSON_NUMBER:
        return json_is_number(v) ? EG_OK : fail(msg, f->name, "phải là số");
    case EG_JSON_BOOL:
        return json_is_boolean(v) ? EG_OK : fail(msg, f->name, "phải là true hoặc false");
    case EG_JSON_OBJECT:
        return json_is_object(v) ? EG_OK : fail(msg, f->name, "phải là đối tượng");
    case EG_JSON_ARRAY: {
        if (!json_is_array(v))
            return fail(msg, f->name, "phải là mảng");
        size_t max = f->max_len ? f->max_len : 1000;
        if (json_array_size(v) > max)
            return fail(msg, f->name, "có quá nhiều phần tử");
        return EG_OK;
    }
    }
    return fail(msg, f->name, "kiểu không xác định");
}

enum eg_err
eg_json_check(const json_t *obj, const struct eg_json_field *fields, size_t n, struct eg_buf *msg)
{
    if (!json_is_object(obj)) {
        if (msg) {
            eg_buf_reset(msg);
            if (eg_buf_adds(msg, "nội dung phải là một đối tượng JSON") != EG_OK)
                eg_buf_reset(msg);
        }
        return EG_EINVAL;
    }
    const char *key;
    const json_t *v;
    json_object_foreach((json_t *)obj, key, v)
    {
        size_t i;
        for (i = 0; i < n; i++)
            if (strcmp(fields[i].name, key) == 0)
                break;
        if (i == n) {
            /* Name the key only if it is short and printable: it is client input. */
            size_t kn = strlen(key);
            if (kn <= 64 && eg_utf8_valid(key, kn) && !has_control(key, kn))
                return fail(msg, key, "không được hỗ trợ");
            return fail(msg, "?", "tên trường không hợp lệ");
        }
        if (json_is_null(v) && !fields[i].required)
            continue;
        enum eg_err rc = check_one(v, &fields[i], msg);
        if (rc != EG_OK)
            return rc;
    }
    for (size_t i = 0; i < n; i++) {
        const json_t *x = json_object_get(obj, fields[i].name);
        if (fields[i].required && (!x || json_is_null(x)))
            return fail(msg, fields[i].name, "là bắt buộc");
    }
    return EG_OK;
}

struct dump {
    struct eg_buf *b;
    enum eg_err rc;
};

static int
dump_chunk(const char *p, size_t n, void *data)
{
    struct dump *d = data;
    d->rc = eg_buf_add(d->b, p, n);
    return d->rc == EG_OK ? 0 : -1;
}

enum eg_err
eg_json_dump(const json_t *v, struct eg_buf *b)
{
    /* One pass, straight into the buffer (json_dumpb would need a sizing pass first). */
    struct dump d = {b, EG_OK};
    size_t before = b->len;
    if (!v || json_dump_callback(v, dump_chunk, &d, JSON_COMPACT) != 0) {
        b->len = before;
        if (b->p)
            b->p[b->len] = '\0';
        return d.rc != EG_OK ? d.rc : EG_EINVAL;
    }
    return b->p ? EG_OK : eg_buf_adds(b, "");
}
