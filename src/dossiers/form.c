/* form.c - a submitted form checked against the procedure's form definition. */
#include "dossiers_int.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#define TEXT_MAX_DEFAULT 500
#define TEXTAREA_MAX_DEFAULT 5000

/* Text a person typed: valid UTF-8, NFC (normalised), no control characters but
 * line breaks in a textarea, trimmed; *out a new string or NULL (msg set). */
static enum eg_err
clean_text(const char *label, const json_t *v, bool lines, long long max, json_t **out,
           struct eg_buf *msg)
{
    const char *s = json_string_value(v);
    if (!s)
        return ds_say(msg, EG_EINVAL, "%s: phải là chữ.", label);
    size_t n = json_string_length(v);
    if (!eg_utf8_valid(s, n) || memchr(s, '\0', n))
        return ds_say(msg, EG_EINVAL, "%s: có ký tự không hợp lệ.", label);
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if ((c < 0x20 && !(lines && (c == '\n' || c == '\r' || c == '\t'))) || c == 0x7f)
            return ds_say(msg, EG_EINVAL, "%s: có ký tự điều khiển không hợp lệ.", label);
    }
    struct eg_buf nfc = EG_BUF_INIT(n + 16 < 1024 ? 1024 : n * 2 + 16);
    enum eg_err rc = eg_text_nfc(s, n, &nfc);
    if (rc != EG_OK) {
        eg_buf_release(&nfc);
        return rc == EG_EINVAL ? ds_say(msg, EG_EINVAL, "%s: có ký tự không hợp lệ.", label) : rc;
    }
    const char *p = eg_buf_str(&nfc);
    size_t len = nfc.len;
    while (len && isspace((unsigned char)p[len - 1]))
        len--;
    while (len && isspace((unsigned char)*p)) {
        p++;
        len--;
    }
    /* Characters, not bytes: count UTF-8 lead bytes. */
    long long chars = 0;
    for (size_t i = 0; i < len; i++)
        chars += ((unsigned char)p[i] & 0xC0) != 0x80;
    if (chars > max) {
        eg_buf_release(&nfc);
        return ds_say(msg, EG_EINVAL, "%s: dài quá %lld ký tự.", label, max);
    }
    *out = json_stringn(p, len);
    eg_buf_release(&nfc);
    return *out ? EG_OK : EG_ENOMEM;
}

static bool
date_ok(const char *s)
{
    struct eg_date d;
    return s && eg_date_parse(s, &d) == EG_OK;
}

/* A Vietnamese phone number: 0 and 9-10 digits, or +84 and 9-10 digits; spaces, dots, dashes. */
bool
ds_phone_ok(const char *s, char out[16])
{
    char digits[24];
    size_t n = 0;
    const char *p = s;
    if (p[0] == '+') {
        if (strncmp(p, "+84", 3) != 0)
            return false;
        digits[n++] = '0';
        p += 3;
    }
    for (; *p; p++) {
        if (*p >= '0' && *p <= '9') {
            if (n >= sizeof(digits) - 1)
                return false;
            digits[n++] = *p;
        } else if (*p != ' ' && *p != '.' && *p != '-') {
            return false;
        }
    }
    digits[n] = '\0';
    if (n < 10 || n > 11 || digits[0] != '0')
        return false;
    memcpy(out, digits, n + 1);
    return true;
}

bool
ds_email_ok(const char *s)
{
    size_t n = strlen(s);
    const char *at = strchr(s, '@');
    if (n < 3 || n > 254 || !at || at == s || strchr(at + 1, '@') || !strchr(at + 1, '.'))
        return false;
    for (const char *p = s; *p; p++)
        if ((unsigned char)*p <= ' ' || (unsigned char)*p >= 0x7f || *p == '<' || *p == '>' ||
            *p == '"' || *p == ',')
            return false;
    return at[1] != '.' && s[n - 1] != '.';
}

/* Is field f asked, given the values so far (show_if on an earlier select)? */
static bool
asked(const json_t *f, const json_t *clean)
{
    const json_t *cond = json_object_get(f, "show_if");
    if (!cond)
        return true;
    const char *on = json_string_value(json_object_get(cond, "field"));
    const char *eq = json_string_value(json_object_get(cond, "equals"));
    const char *val = on ? json_string_value(json_object_get(clean, on)) : NULL;
    return val && eq && strcmp(val, eq) == 0;
}

static enum eg_err
one_value(const json_t *f, const char *label, const json_t *v, int current_year, json_t **out,
          struct eg_buf *msg)
{
    const char *type = json_string_value(json_object_get(f, "type"));
    const json_t *maxlen = json_object_get(f, "max_length");
    *out = NULL;
    if (strcmp(type, "text") == 0 || strcmp(type, "textarea") == 0) {
        bool lines = strcmp(type, "textarea") == 0;
        long long max = json_is_integer(maxlen) ? json_integer_value(maxlen)
                        : lines                 ? TEXTAREA_MAX_DEFAULT
                                                : TEXT_MAX_DEFAULT;
        return clean_text(label, v, lines, max, out, msg);
    }
    if (strcmp(type, "number") == 0) {
        long long n;
        if (json_is_integer(v)) {
            n = json_integer_value(v);
        } else if (json_is_string(v)) {
            const char *s = json_string_value(v);
            char *end;
            if (!*s || strlen(s) > 18)
                return ds_say(msg, EG_EINVAL, "%s: phải là một số nguyên.", label);
            n = strtoll(s, &end, 10);
            if (*end)
                return ds_say(msg, EG_EINVAL, "%s: phải là một số nguyên.", label);
        } else {
            return ds_say(msg, EG_EINVAL, "%s: phải là một số nguyên.", label);
        }
        const json_t *min = json_object_get(f, "min"), *max = json_object_get(f, "max");
        if (json_is_integer(min) && n < json_integer_value(min))
            return ds_say(msg, EG_EINVAL, "%s: không được nhỏ hơn %lld.", label,
                          (long long)json_integer_value(min));
        if (json_is_integer(max) && n > json_integer_value(max))
            return ds_say(msg, EG_EINVAL, "%s: không được lớn hơn %lld.", label,
                          (long long)json_integer_value(max));
        *out = json_integer(n);
        return *out ? EG_OK : EG_ENOMEM;
    }
    const char *s = json_string_value(v);
    if (strcmp(type, "file") == 0)
        return EG_OK; /* files come as file references, not form values */
    if (strcmp(type, "address") == 0) {
        /* "số nhà, đường, ..." or {"detail": "...", "unit": "<administrative unit code>"} */
        if (json_is_object(v)) {
            json_t *detail = NULL;
            const json_t *unit = json_object_get(v, "unit");
            enum eg_err rc =
                clean_text(label, json_object_get(v, "detail"), false, 500, &detail, msg);
            if (rc != EG_OK)
                return rc;
            if (unit && (!json_is_string(unit) || json_string_length(unit) > 10)) {
                json_decref(detail);
                return ds_say(msg, EG_EINVAL, "%s: mã đơn vị hành chính không hợp lệ.", label);
            }
            *out = json_pack("{s:o,s:O?}", "detail", detail, "unit", unit);
            return *out ? EG_OK : EG_ENOMEM;
        }
        return clean_text(label, v, false, 500, out, msg);
    }
    /* Every type below is a string: s is not NULL past this point. */
    if (!s)
        return ds_say(msg, EG_EINVAL, "%s: phải là chữ.", label);
    if (strcmp(type, "date") == 0) {
        if (!date_ok(s))
            return ds_say(msg, EG_EINVAL, "%s: ngày không hợp lệ (dạng YYYY-MM-DD).", label);
        *out = json_string(s);
    } else if (strcmp(type, "select") == 0) {
        size_t i;
        const json_t *o;
        json_array_foreach(json_object_get(f, "options"), i, o)
        {
            const char *val = json_string_value(json_object_get(o, "value"));
            if (val && strcmp(val, s) == 0) {
                *out = json_string(s);
                break;
            }
        }
        if (!*out)
            return ds_say(msg, EG_EINVAL, "%s: hãy chọn một trong các lựa chọn có sẵn.", label);
    } else if (strcmp(type, "personal_id") == 0) {
        struct eg_pid pid;
        if (eg_pid_parse(s, current_year, &pid, NULL) != EG_OK)
            return ds_say(msg, EG_EINVAL, "%s: số định danh cá nhân gồm 12 chữ số.", label);
        *out = json_string(pid.digits);
    } else if (strcmp(type, "tax_code") == 0) {
        char tax[16];
        if (eg_tax_code_parse(s, tax, NULL) != EG_OK)
            return ds_say(msg, EG_EINVAL, "%s: mã số thuế gồm 10 hoặc 13 chữ số.", label);
        *out = json_string(tax);
    } else if (strcmp(type, "phone") == 0) {
        char phone[16];
        if (!ds_phone_ok(s, phone))
            return ds_say(msg, EG_EINVAL, "%s: số điện thoại không hợp lệ.", label);
        *out = json_string(phone);
    } else if (strcmp(type, "email") == 0) {
        if (!ds_email_ok(s))
            return ds_say(msg, EG_EINVAL, "%s: địa chỉ thư điện tử không hợp lệ.", label);
        *out = json_string(s);
    } else {
        return ds_say(msg, EG_EINVAL, "%s: loại trường không hỗ trợ.", label);
    }
    return *out ? EG_OK : EG_ENOMEM;
}

static bool
empty_value(const json_t *v)
{
    return !v || json_is_null(v) || (json_is_string(v) && json_string_length(v) == 0);
}

enum eg_err
ds_form_check(const json_t *procedure, const json_t *form, int current_year, bool partial,
              json_t **clean, struct eg_buf *msg)
{
    *clean = NULL;
    if (form && !json_is_object(form))
        return ds_say(msg, EG_EINVAL, "Tờ khai (form) phải là một đối tượng JSON.");
    const json_t *fields = json_object_get(json_object_get(procedure, "form"), "fields");
    /* Keys the form does not have are refused: a typo would otherwise be lost. */
    const char *key;
    const json_t *v;
    json_object_foreach((json_t *)form, key, v)
    {
        bool known = false;
        size_t i;
        const json_t *f;
        json_array_foreach(fields, i, f)
        {
            const char *name = json_string_value(json_object_get(f, "name"));
            known = known || (name && strcmp(name, key) == 0);
        }
        if (!known)
            return ds_say(msg, EG_EINVAL, "Tờ khai không có mục \"%.64s\".", key);
    }
    json_t *out = json_object();
    if (!out)
        return EG_ENOMEM;
    size_t i;
    const json_t *f;
    json_array_foreach(fields, i, f)
    {
        const char *name = json_string_value(json_object_get(f, "name"));
        const char *label = json_string_value(json_object_get(f, "label"));
        const char *type = json_string_value(json_object_get(f, "type"));
        if (!name || !type)
            continue;
        if (!label)
            label = name;
        if (!asked(f, out) || strcmp(type, "file") == 0)
            continue; /* not asked: a value given for it is dropped */
        v = form ? json_object_get(form, name) : NULL;
        if (empty_value(v)) {
            if (!partial && json_is_true(json_object_get(f, "required"))) {
                json_decref(out);
                return ds_say(msg, EG_EINVAL, "%s: bắt buộc nhập.", label);
            }
            continue;
        }
        json_t *val = NULL;
        enum eg_err rc = one_value(f, label, v, current_year, &val, msg);
        if (rc != EG_OK) {
            json_decref(out);
            return rc;
        }
        if (val && json_object_set_new(out, name, val) != 0) {
            json_decref(out);
            return EG_ENOMEM;
        }
    }
    *clean = out;
    return EG_OK;
}

enum eg_err
ds_form_files_check(const json_t *procedure, const json_t *clean,
                    const struct eg_dossier_file_ref *files, size_t n, struct eg_buf *msg)
{
    size_t i;
    const json_t *f;
    json_array_foreach(json_object_get(json_object_get(procedure, "form"), "fields"), i, f)
    {
        const char *name = json_string_value(json_object_get(f, "name"));
        const char *type = json_string_value(json_object_get(f, "type"));
        if (!name || !type || strcmp(type, "file") != 0 ||
            !json_is_true(json_object_get(f, "required")) || !asked(f, clean))
            continue;
        bool have = false;
        for (size_t k = 0; k < n; k++)
            have = have || (files[k].field && strcmp(files[k].field, name) == 0);
        if (!have) {
            const char *label = json_string_value(json_object_get(f, "label"));
            return ds_say(msg, EG_EINVAL, "%s: hãy đính kèm tệp.", label ? label : name);
        }
    }
    return EG_OK;
}
