/* json.c - strict JSON input on jansson, and declared-field checks. */
#include "core.h"

#include <math.h>
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

/*
 * The serializer: compact JSON as jansson's json_dumps(v, JSON_COMPACT) writes
 * it, byte for byte (tests/unit/core/test_json.c compares the two), but
 * straight into the buffer: jansson hands its output over a few bytes at a
 * time through a callback, which cost an API answer more than building it.
 */
#define DUMP_DEPTH_MAX 2048 /* deeper is refused (and so is a cycle) */

enum eg_err
eg_json_add_string(struct eg_buf *b, const char *s, size_t n)
{
    static const char hex[] = "0123456789ABCDEF";
    /* Worst case six bytes a byte, plus the quotes. */
    if (n > (SIZE_MAX - 2) / 6)
        return EG_ETOOBIG;
    enum eg_err rc = eg_buf_grow(b, n + 2);
    if (rc != EG_OK)
        return rc;
    size_t start = b->len;
    b->p[b->len++] = '"';
    size_t run = 0; /* bytes copied as they are, pending */
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c >= 0x20 && c != '"' && c != '\\') {
            run++;
            continue;
        }
        char esc[6] = {'\\', 0, 0, 0, 0, 0};
        size_t k = 2;
        switch (c) {
        case '"':
            esc[1] = '"';
            break;
        case '\\':
            esc[1] = '\\';
            break;
        case '\b':
            esc[1] = 'b';
            break;
        case '\f':
            esc[1] = 'f';
            break;
        case '\n':
            esc[1] = 'n';
            break;
        case '\r':
            esc[1] = 'r';
            break;
        case '\t':
            esc[1] = 't';
            break;
        default:
            esc[1] = 'u';
            esc[2] = '0';
            esc[3] = '0';
            esc[4] = hex[c >> 4];
            esc[5] = hex[c & 15];
            k = 6;
        }
        /* The run so far and the escape, growing for what is left at most once each. */
        rc = eg_buf_grow(b, run + k + (n - i - 1) + 1);
        if (rc != EG_OK)
            break;
        memcpy(b->p + b->len, s + i - run, run);
        b->len += run;
        run = 0;
        memcpy(b->p + b->len, esc, k);
        b->len += k;
    }
    if (rc == EG_OK)
        rc = eg_buf_grow(b, run + 1);
    if (rc != EG_OK) {
        b->len = start;
        return rc;
    }
    memcpy(b->p + b->len, s + n - run, run);
    b->len += run;
    b->p[b->len++] = '"';
    b->p[b->len] = '\0';
    return EG_OK;
}

static enum eg_err
dump_int(json_int_t x, struct eg_buf *b)
{
    char tmp[24];
    char *end = tmp + sizeof(tmp);
    char *p = end;
    unsigned long long u = x < 0 ? 0ULL - (unsigned long long)x : (unsigned long long)x;
    do {
        *--p = (char)('0' + u % 10);
        u /= 10;
    } while (u);
    if (x < 0)
        *--p = '-';
    return eg_buf_add(b, p, (size_t)(end - p));
}

static enum eg_err
dump_real(double d, struct eg_buf *b)
{
    /* As jansson: %.17g, and a ".0" when that reads as an integer. */
    if (!isfinite(d))
        return EG_EINVAL; /* NaN and infinities are not JSON */
    char tmp[40];
    int n = snprintf(tmp, sizeof(tmp), "%.17g", d);
    if (n <= 0 || (size_t)n >= sizeof(tmp) - 3)
        return EG_EINVAL;
    char *e = strchr(tmp, 'e');
    if (!e && !strchr(tmp, '.')) {
        tmp[n++] = '.';
        tmp[n++] = '0';
        tmp[n] = '\0';
    } else if (e) {
        /* The exponent without its '+' and leading zeros: 1e300, 2.5e-5. */
        char *from = e + 1, *to = e + 1;
        if (*from == '-')
            from = ++to;
        else if (*from == '+')
            from++;
        while (*from == '0' && from[1])
            from++;
        memmove(to, from, strlen(from) + 1);
        n = (int)strlen(tmp);
    }
    return eg_buf_add(b, tmp, (size_t)n);
}

static enum eg_err
dump_value(const json_t *v, struct eg_buf *b, int depth)
{
    if (depth > DUMP_DEPTH_MAX)
        return EG_EINVAL;
    enum eg_err rc = EG_OK;
    switch (json_typeof(v)) {
    case JSON_OBJECT: {
        const char *key;
        const json_t *x;
        bool first = true;
        rc = eg_buf_addc(b, '{');
        // cppcheck-suppress constVariablePointer
        json_object_foreach((json_t *)v, key, x)
        {
            if (rc == EG_OK && !first)
                rc = eg_buf_addc(b, ',');
            first = false;
            if (rc == EG_OK)
                rc = eg_json_add_string(b, key, strlen(key));
            if (rc == EG_OK)
                rc = eg_buf_addc(b, ':');
            if (rc == EG_OK)
                rc = dump_value(x, b, depth + 1);
            if (rc != EG_OK)
                break;
        }
        return rc == EG_OK ? eg_buf_addc(b, '}') : rc;
    }
    case JSON_ARRAY: {
        size_t n = json_array_size(v);
        rc = eg_buf_addc(b, '[');
        for (size_t i = 0; rc == EG_OK && i < n; i++) {
            if (i)
                rc = eg_buf_addc(b, ',');
            if (rc == EG_OK)
                rc = dump_value(json_array_get(v, i), b, depth + 1);
        }
        return rc == EG_OK ? eg_buf_addc(b, ']') : rc;
    }
    case JSON_STRING:
        return eg_json_add_string(b, json_string_value(v), json_string_length(v));
    case JSON_INTEGER:
        return dump_int(json_integer_value(v), b);
    case JSON_REAL:
        return dump_real(json_real_value(v), b);
    case JSON_TRUE:
        return eg_buf_add(b, "true", 4);
    case JSON_FALSE:
        return eg_buf_add(b, "false", 5);
    case JSON_NULL:
        return eg_buf_add(b, "null", 4);
    }
    return EG_EINVAL;
}

enum eg_err
eg_json_dump(const json_t *v, struct eg_buf *b)
{
    size_t before = b->len;
    enum eg_err rc = v ? dump_value(v, b, 0) : EG_EINVAL;
    if (rc != EG_OK) {
        b->len = before;
        if (b->p)
            b->p[b->len] = '\0';
        return rc;
    }
    return EG_OK;
}
