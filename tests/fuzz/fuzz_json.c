/*
 * fuzz_json.c - eg_json_parse, eg_json_check against a declared field table,
 * and eg_json_dump, as a request body goes through them.
 *
 * Invariants:
 *  - eg_json_parse accepts exactly what jansson accepts with duplicate keys
 *    refused, when the nesting is at most EG_JSON_MAX_DEPTH; on failure *out
 *    is NULL and msg is a non-empty, valid UTF-8 sentence (it reaches clients);
 *  - eg_json_check agrees with a model of the documented rules (types,
 *    required fields, lengths, ranges, NFC strings without control characters,
 *    no unknown keys), and explains a refusal in valid UTF-8;
 *  - eg_json_dump works on anything parsed, gives valid UTF-8, and parsing the
 *    dump gives an equal value (json_equal) whose dump is byte-identical.
 */
#include "fuzz.h"

#include <utf8proc.h>

#define BODY_MAX ((size_t)64 * 1024 * 1024)

/* A table like those of src/directory/import.c and src/api/. */
static const struct eg_json_field fields[] = {
    {.name = "code", .type = EG_JSON_STRING, .required = true, .max_len = 35},
    {.name = "parent", .type = EG_JSON_STRING, .max_len = 35},
    {.name = "name", .type = EG_JSON_STRING, .max_len = 300},
    {.name = "note", .type = EG_JSON_STRING}, /* the default limit */
    {.name = "level", .type = EG_JSON_INT, .min = 1, .max = 4},
    {.name = "page", .type = EG_JSON_INT}, /* no range */
    {.name = "demo", .type = EG_JSON_BOOL},
    {.name = "fee", .type = EG_JSON_NUMBER},
    {.name = "codes", .type = EG_JSON_ARRAY, .max_len = 100},
    {.name = "tags", .type = EG_JSON_ARRAY}, /* the default limit */
    {.name = "extra", .type = EG_JSON_OBJECT},
    {.name = "password", .type = EG_JSON_SECRET, .max_len = 128},
};

static size_t
depth(const json_t *v)
{
    size_t best = 0;
    const char *k;
    const json_t *x;
    size_t i;
    if (json_is_object(v)) {
        json_object_foreach((json_t *)v, k, x)
        {
            size_t d = depth(x);
            best = d > best ? d : best;
        }
        return best + 1;
    }
    if (json_is_array(v)) {
        json_array_foreach(v, i, x)
        {
            size_t d = depth(x);
            best = d > best ? d : best;
        }
        return best + 1;
    }
    return 0;
}

/* Code point by code point: no C0 but tab and newlines, no DEL, no C1, and (unless
 * the text is a secret, which is compared byte for byte) NFC. */
static bool
model_text_ok(const char *s, size_t n, bool nfc_wanted)
{
    const utf8proc_uint8_t *p = (const utf8proc_uint8_t *)s;
    size_t i = 0;
    while (i < n) {
        utf8proc_int32_t cp;
        utf8proc_ssize_t k = utf8proc_iterate(p + i, (utf8proc_ssize_t)(n - i), &cp);
        FUZZ_CHECK(k > 0); /* jansson hands out valid UTF-8 only */
        if ((cp < 0x20 && cp != '\t' && cp != '\n' && cp != '\r') || (cp >= 0x7f && cp < 0xa0))
            return false;
        i += (size_t)k;
    }
    if (n == 0 || !nfc_wanted)
        return true;
    utf8proc_uint8_t *nfc = utf8proc_NFC(p);
    FUZZ_CHECK(nfc != NULL);
    bool same = strcmp((const char *)nfc, s) == 0;
    free(nfc);
    return same;
}

static bool
model_field_ok(const json_t *v, const struct eg_json_field *f)
{
    switch (f->type) {
    case EG_JSON_STRING:
    case EG_JSON_SECRET:
        return json_is_string(v) && json_string_length(v) <= (f->max_len ? f->max_len : 4096) &&
               model_text_ok(json_string_value(v), json_string_length(v),
                             f->type == EG_JSON_STRING);
    case EG_JSON_INT:
        return json_is_integer(v) && (f->min >= f->max || (json_integer_value(v) >= f->min &&
                                                           json_integer_value(v) <= f->max));
    case EG_JSON_NUMBER:
        return json_is_integer(v) || json_is_real(v);
    case EG_JSON_BOOL:
        return json_is_true(v) || json_is_false(v);
    case EG_JSON_OBJECT:
        return json_is_object(v);
    case EG_JSON_ARRAY:
        return json_is_array(v) && json_array_size(v) <= (f->max_len ? f->max_len : 1000);
    }
    return false;
}

static bool
model_check(const json_t *obj)
{
    if (!json_is_object(obj))
        return false;
    const char *key;
    const json_t *v;
    json_object_foreach((json_t *)obj, key, v)
    {
        const struct eg_json_field *f = NULL;
        for (size_t i = 0; i < EG_ARRAY_LEN(fields); i++)
            if (strcmp(fields[i].name, key) == 0)
                f = &fields[i];
        if (!f)
            return false;
        if (json_is_null(v) && !f->required)
            continue;
        if (!model_field_ok(v, f))
            return false;
    }
    for (size_t i = 0; i < EG_ARRAY_LEN(fields); i++) {
        const json_t *x = json_object_get(obj, fields[i].name);
        if (fields[i].required && (!x || json_is_null(x)))
            return false;
    }
    return true;
}

static void
check_msg(const struct eg_buf *msg)
{
    FUZZ_CHECK(msg->len > 0);
    FUZZ_CHECK(eg_utf8_valid(msg->p, msg->len));
}

static void
round_trip(const json_t *v)
{
    struct eg_buf dump = EG_BUF_INIT(BODY_MAX);
    FUZZ_CHECK(eg_json_dump(v, &dump) == EG_OK);
    FUZZ_CHECK(dump.len > 0 && strlen(dump.p) == dump.len);
    FUZZ_CHECK(eg_utf8_valid(dump.p, dump.len));
    json_t *w;
    FUZZ_CHECK(eg_json_parse(dump.p, dump.len, &w, NULL) == EG_OK);
    FUZZ_CHECK(json_equal(v, w));
    struct eg_buf again = EG_BUF_INIT(BODY_MAX);
    FUZZ_CHECK(eg_json_dump(w, &again) == EG_OK);
    FUZZ_CHECK(fuzz_buf_eq(&dump, &again));
    eg_buf_release(&again);
    json_decref(w);
    eg_buf_release(&dump);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *p = (const char *)data;
    json_error_t e;
    json_t *raw = json_loadb(p, size, JSON_REJECT_DUPLICATES, &e);

    json_t *v = json_null(); /* a singleton: eg_json_parse must overwrite it */
    struct eg_buf msg = EG_BUF_INIT(512);
    enum eg_err rc = eg_json_parse(p, size, &v, &msg);
    FUZZ_CHECK(rc == EG_OK || rc == EG_EINVAL);
    FUZZ_CHECK((rc == EG_OK) == (raw && depth(raw) <= EG_JSON_MAX_DEPTH));
    json_decref(raw);
    if (rc != EG_OK) {
        FUZZ_CHECK(v == NULL);
        check_msg(&msg);
        eg_buf_release(&msg);
        return 0;
    }

    eg_buf_reset(&msg);
    rc = eg_json_check(v, fields, EG_ARRAY_LEN(fields), &msg);
    FUZZ_CHECK(rc == EG_OK || rc == EG_EINVAL);
    FUZZ_CHECK((rc == EG_OK) == model_check(v));
    if (rc != EG_OK)
        check_msg(&msg);
    eg_buf_release(&msg);

    round_trip(v);
    json_decref(v);
    return 0;
}
