/*
 * test_json.c - strict JSON parsing, declared-field checks (kcgi's kvalid) and
 * compact dumping.
 *
 * Depth counting as implemented: every object or array is one level, scalars
 * add nothing. "[]" and "{}" are depth 1, so EG_JSON_MAX_DEPTH nested
 * containers are accepted and one more is refused.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "core/core.h"

#include <string.h>

/* ---- helpers ------------------------------------------------------------ */

/* Parses s (strlen bytes); msg gets the message. Returns rc, frees the value. */
static enum eg_err
parse_rc(const char *s, struct eg_buf *msg)
{
    json_t *v = (json_t *)1; /* must be set to NULL on failure */
    enum eg_err rc = eg_json_parse(s, strlen(s), &v, msg);
    if (rc != EG_OK)
        assert_null(v);
    else
        assert_non_null(v);
    json_decref(rc == EG_OK ? v : NULL);
    return rc;
}

/* A refused input: EG_EINVAL, *out NULL, and a Vietnamese sentence in msg. */
static void
assert_refused(const char *s, size_t n)
{
    struct eg_buf msg = EG_BUF_INIT(1024);
    json_t *v = (json_t *)1;
    enum eg_err rc = eg_json_parse(s, n, &v, &msg);
    char text[1025];
    memcpy(text, eg_buf_str(&msg), msg.len + 1);
    size_t len = msg.len;
    eg_buf_release(&msg);
    if (rc == EG_OK)
        json_decref(v);
    assert_int_equal(rc, EG_EINVAL);
    assert_null(v);
    assert_true(len > 0);
    assert_true(eg_utf8_valid(text, len));
    /* The message is for people who read Vietnamese. */
    assert_non_null(strstr(text, "JSON"));
    assert_true(strstr(text, "không hợp lệ") != NULL || strstr(text, "lồng nhau") != NULL);
}

static void
assert_refused_s(const char *s)
{
    assert_refused(s, strlen(s));
}

/* d nested arrays around inner ("" for the innermost []). */
static void
nested_arrays(struct eg_buf *b, size_t d, const char *inner)
{
    eg_buf_reset(b);
    for (size_t i = 0; i < d; i++)
        assert_int_equal(eg_buf_addc(b, '['), EG_OK);
    assert_int_equal(eg_buf_adds(b, inner), EG_OK);
    for (size_t i = 0; i < d; i++)
        assert_int_equal(eg_buf_addc(b, ']'), EG_OK);
}

/* d nested objects: {"a":{"a":...{}}} */
static void
nested_objects(struct eg_buf *b, size_t d)
{
    eg_buf_reset(b);
    for (size_t i = 1; i < d; i++)
        assert_int_equal(eg_buf_adds(b, "{\"a\":"), EG_OK);
    assert_int_equal(eg_buf_adds(b, "{}"), EG_OK);
    for (size_t i = 1; i < d; i++)
        assert_int_equal(eg_buf_addc(b, '}'), EG_OK);
}

/* ---- eg_json_parse ------------------------------------------------------ */

static void
test_parse_object_and_array(void **state)
{
    (void)state;
    static const char text[] = " {\"ho_ten\": \"Nguyễn Thị Thuỷ\", \"tuoi\": 34,"
                               " \"giay_to\": [\"CCCD\", {\"so\": \"001099012345\"}],"
                               " \"da_ket_hon\": false, \"ghi_chu\": null} \n";
    json_t *v = NULL;
    struct eg_buf msg = EG_BUF_INIT(512);
    assert_int_equal(eg_json_parse(text, strlen(text), &v, &msg), EG_OK);
    assert_true(json_is_object(v));
    assert_string_equal(json_string_value(json_object_get(v, "ho_ten")), "Nguyễn Thị Thuỷ");
    assert_int_equal(json_integer_value(json_object_get(v, "tuoi")), 34);
    json_t *arr = json_object_get(v, "giay_to");
    assert_true(json_is_array(arr));
    assert_int_equal(json_array_size(arr), 2);
    assert_string_equal(json_string_value(json_object_get(json_array_get(arr, 1), "so")),
                        "001099012345");
    assert_true(json_is_false(json_object_get(v, "da_ket_hon")));
    assert_true(json_is_null(json_object_get(v, "ghi_chu")));
    json_decref(v);

    static const char arr_text[] = "[1, 2.5, \"a\", true, null, [], {}]";
    assert_int_equal(eg_json_parse(arr_text, strlen(arr_text), &v, NULL), EG_OK);
    assert_true(json_is_array(v));
    assert_int_equal(json_array_size(v), 7);
    json_decref(v);

    assert_int_equal(parse_rc("{}", NULL), EG_OK);
    assert_int_equal(parse_rc("[]", NULL), EG_OK);
    /* Escapes for non-ASCII are fine and decode to UTF-8. */
    static const char esc_text[] = "[\"\\u0110\\u0103ng\"]";
    assert_int_equal(eg_json_parse(esc_text, strlen(esc_text), &v, NULL), EG_OK);
    assert_string_equal(json_string_value(json_array_get(v, 0)), "Đăng");
    json_decref(v);
    eg_buf_release(&msg);
}

/* Only n bytes are parsed; what follows them is not looked at. */
static void
test_parse_uses_length(void **state)
{
    (void)state;
    json_t *v = NULL;
    assert_int_equal(eg_json_parse("[1]garbage", 3, &v, NULL), EG_OK);
    assert_int_equal(json_array_size(v), 1);
    json_decref(v);
    assert_refused("[1]garbage", 4);
    assert_refused("[1,2]", 4);
}

static void
test_parse_rejects_duplicate_keys(void **state)
{
    (void)state;
    assert_refused_s("{\"a\": 1, \"a\": 2}");
    assert_refused_s("{\"a\": 1, \"b\": {\"c\": 1, \"c\": 1}}");
    assert_refused_s("[{\"ho_ten\": \"x\", \"ho_ten\": \"x\"}]");
    /* Same name spelled with an escape is still the same key. */
    assert_refused_s("{\"a\": 1, \"\\u0061\": 2}");
}

static void
test_parse_rejects_invalid_utf8(void **state)
{
    (void)state;
    assert_refused_s("{\"a\": \"\xc3\x28\"}");
    assert_refused_s("{\"a\": \"\xc0\xaf\"}");         /* overlong "/" */
    assert_refused_s("{\"a\": \"\xed\xa0\x80\"}");     /* surrogate */
    assert_refused_s("{\"a\": \"\xf4\x90\x80\x80\"}"); /* > U+10FFFF */
    assert_refused_s("{\"a\": \"x\x80y\"}");           /* lone continuation */
    assert_refused_s("{\"a\": \"Nguy\xe1\xbb\"}");     /* truncated */
    assert_refused_s("{\"\xff\": 1}");                 /* in a key */
    /* A lone surrogate written as an escape is not a character either. */
    assert_refused_s("[\"\\ud800\"]");
    assert_refused_s("[\"\\udc00x\"]");
}

static void
test_parse_rejects_trailing_garbage(void **state)
{
    (void)state;
    assert_refused_s("{\"a\": 1} x");
    assert_refused_s("{}{}");
    assert_refused_s("[1]]");
    assert_refused_s("[1],");
    assert_refused("[1]\0", 4); /* a NUL byte is garbage too */
    /* Trailing white space is not garbage. */
    assert_int_equal(parse_rc("{} \r\n\t", NULL), EG_OK);
}

static void
test_parse_rejects_nul_escape(void **state)
{
    (void)state;
    assert_refused_s("[\"\\u0000\"]");
    assert_refused_s("[\"a\\u0000b\"]");
    assert_refused_s("{\"a\\u0000\": 1}");
}

static void
test_parse_rejects_malformed(void **state)
{
    (void)state;
    assert_refused("", 0);
    assert_refused_s("   ");
    assert_refused_s("{");
    assert_refused_s("[1,]");
    assert_refused_s("{'a': 1}");
    assert_refused_s("{\"a\" 1}");
    assert_refused_s("[01]");
    assert_refused_s("[NaN]");
    assert_refused_s("[\"tab\there\"]"); /* raw control character in a string */
}

static void
test_parse_depth_boundary(void **state)
{
    (void)state;
    struct eg_buf b = EG_BUF_INIT(1 << 20);
    json_t *v = NULL;

    nested_arrays(&b, EG_JSON_MAX_DEPTH, "");
    assert_int_equal(eg_json_parse(b.p, b.len, &v, NULL), EG_OK);
    json_decref(v);
    nested_arrays(&b, EG_JSON_MAX_DEPTH, "1");
    assert_int_equal(eg_json_parse(b.p, b.len, &v, NULL), EG_OK);
    json_decref(v);
    nested_arrays(&b, EG_JSON_MAX_DEPTH, "\"lá\", 1, null"); /* scalars add no level */
    assert_int_equal(eg_json_parse(b.p, b.len, &v, NULL), EG_OK);
    json_decref(v);
    nested_arrays(&b, EG_JSON_MAX_DEPTH - 1, "{}, [], {\"k\": 1}"); /* siblings at level 64 */
    assert_int_equal(eg_json_parse(b.p, b.len, &v, NULL), EG_OK);
    json_decref(v);
    nested_objects(&b, EG_JSON_MAX_DEPTH);
    assert_int_equal(eg_json_parse(b.p, b.len, &v, NULL), EG_OK);
    json_decref(v);

    nested_arrays(&b, EG_JSON_MAX_DEPTH + 1, "");
    assert_refused(b.p, b.len);
    nested_arrays(&b, EG_JSON_MAX_DEPTH + 1, "1");
    assert_refused(b.p, b.len);
    nested_objects(&b, EG_JSON_MAX_DEPTH + 1);
    assert_refused(b.p, b.len);

    /* The deep branch need not be the first one. */
    eg_buf_reset(&b);
    assert_int_equal(eg_buf_adds(&b, "[1, {\"x\": []}, "), EG_OK);
    struct eg_buf deep = EG_BUF_INIT(1 << 20);
    nested_arrays(&deep, EG_JSON_MAX_DEPTH, "");
    assert_int_equal(eg_buf_add(&b, deep.p, deep.len), EG_OK);
    assert_int_equal(eg_buf_addc(&b, ']'), EG_OK);
    assert_refused(b.p, b.len); /* 1 + 64 levels */
    eg_buf_release(&deep);

    /* Far too deep: refused cleanly, no stack overflow. */
    nested_arrays(&b, 100000, "");
    assert_refused(b.p, b.len);
    eg_buf_release(&b);
}

static void
test_parse_depth_message(void **state)
{
    (void)state;
    struct eg_buf b = EG_BUF_INIT(1 << 16);
    struct eg_buf msg = EG_BUF_INIT(512);
    json_t *v = NULL;
    nested_arrays(&b, EG_JSON_MAX_DEPTH + 1, "");
    assert_int_equal(eg_json_parse(b.p, b.len, &v, &msg), EG_EINVAL);
    assert_null(v);
    assert_non_null(strstr(eg_buf_str(&msg), "64"));
    assert_true(eg_utf8_valid(msg.p, msg.len));
    eg_buf_release(&b);
    eg_buf_release(&msg);
}

static void
test_parse_message(void **state)
{
    (void)state;
    struct eg_buf msg = EG_BUF_INIT(512);
    /* Old content is replaced, not appended to. */
    assert_int_equal(eg_buf_adds(&msg, "cũ"), EG_OK);
    assert_int_equal(parse_rc("{\"a\": 1,\n \"a\": 2}", &msg), EG_EINVAL);
    const char *m = eg_buf_str(&msg);
    assert_true(strncmp(m, "JSON không hợp lệ", strlen("JSON không hợp lệ")) == 0);
    /* It names the position: line 2. */
    assert_non_null(strstr(m, "dòng 2"));
    assert_non_null(strstr(m, "cột"));
    assert_null(strstr(m, "cũ"));

    /* A message that does not fit msg's limit leaves msg empty, not cut. */
    struct eg_buf tiny = EG_BUF_INIT(8);
    assert_int_equal(eg_buf_adds(&tiny, "old"), EG_OK);
    assert_int_equal(parse_rc("{", &tiny), EG_EINVAL);
    assert_string_equal(eg_buf_str(&tiny), "");
    eg_buf_release(&tiny);
    eg_buf_release(&msg);
}

/* ---- eg_json_check ------------------------------------------------------ */

static const struct eg_json_field person[] = {
    {"name", EG_JSON_STRING, true, 20, 0, 0}, {"age", EG_JSON_INT, false, 0, 0, 150},
    {"tags", EG_JSON_ARRAY, false, 3, 0, 0},  {"ok", EG_JSON_BOOL, false, 0, 0, 0},
    {"meta", EG_JSON_OBJECT, false, 0, 0, 0}, {"score", EG_JSON_NUMBER, false, 0, 0, 0},
    {"note", EG_JSON_STRING, false, 0, 0, 0}, /* default limit 4096 bytes */
    {"list", EG_JSON_ARRAY, false, 0, 0, 0},  /* default limit 1000 items */
    {"any", EG_JSON_INT, false, 0, 5, 5},     /* min == max: no range */
};

/*
 * Checks the JSON text against person[]. Returns rc; the message is copied
 * into out (if given) before everything is freed.
 */
static enum eg_err
check_text(const char *text, char *out, size_t outn)
{
    json_t *v = NULL;
    enum eg_err rc = eg_json_parse(text, strlen(text), &v, NULL);
    assert_int_equal(rc, EG_OK);
    struct eg_buf msg = EG_BUF_INIT(1024);
    rc = eg_json_check(v, person, EG_ARRAY_LEN(person), &msg);
    if (out) {
        size_t n = msg.len < outn ? msg.len : outn - 1;
        memcpy(out, eg_buf_str(&msg), n);
        out[n] = '\0';
    }
    eg_buf_release(&msg);
    json_decref(v);
    return rc;
}

static enum eg_err
check_obj(json_t *v)
{
    struct eg_buf msg = EG_BUF_INIT(1024);
    enum eg_err rc = eg_json_check(v, person, EG_ARRAY_LEN(person), &msg);
    if (rc != EG_OK && (msg.len == 0 || !eg_utf8_valid(msg.p, msg.len)))
        rc = EG_EINTERNAL; /* a refusal must always say why */
    eg_buf_release(&msg);
    json_decref(v);
    return rc;
}

/* Refused with a message that names the field. */
static void
assert_check_fails(const char *text, const char *field)
{
    char m[1024];
    assert_int_equal(check_text(text, m, sizeof(m)), EG_EINVAL);
    assert_true(strlen(m) > 0);
    assert_true(eg_utf8_valid(m, strlen(m)));
    char quoted[80];
    snprintf(quoted, sizeof(quoted), "\"%s\"", field);
    assert_non_null(strstr(m, quoted));
}

static void
test_check_accepts_valid(void **state)
{
    (void)state;
    assert_int_equal(check_text("{\"name\": \"Nguyễn Văn An\"}", NULL, 0), EG_OK);
    assert_int_equal(check_text("{\"name\": \"Lê Văn Tám\", \"age\": 150, \"tags\": [1, \"a\", {}],"
                                " \"ok\": true, \"meta\": {\"x\": 1}, \"score\": 9.5,"
                                " \"note\": \"Dòng 1\\nDòng 2\", \"list\": [], \"any\": -99}",
                                NULL, 0),
                     EG_OK);
    /* A NUMBER field takes integers too. */
    assert_int_equal(check_text("{\"name\": \"a\", \"score\": 7}", NULL, 0), EG_OK);
    /* Empty string is a string. */
    assert_int_equal(check_text("{\"name\": \"\"}", NULL, 0), EG_OK);
}

static void
test_check_missing_required(void **state)
{
    (void)state;
    char m[1024];
    assert_int_equal(check_text("{}", m, sizeof(m)), EG_EINVAL);
    assert_non_null(strstr(m, "\"name\""));
    assert_non_null(strstr(m, "bắt buộc"));
    assert_check_fails("{\"age\": 3}", "name");
    /* null does not satisfy a required field. */
    assert_check_fails("{\"name\": null}", "name");
}

static void
test_check_wrong_type(void **state)
{
    (void)state;
    assert_check_fails("{\"name\": 5}", "name");
    assert_check_fails("{\"name\": [\"a\"]}", "name");
    assert_check_fails("{\"name\": \"a\", \"age\": \"5\"}", "age");
    assert_check_fails("{\"name\": \"a\", \"age\": 1.5}", "age");
    assert_check_fails("{\"name\": \"a\", \"age\": true}", "age");
    assert_check_fails("{\"name\": \"a\", \"ok\": 1}", "ok");
    assert_check_fails("{\"name\": \"a\", \"ok\": \"true\"}", "ok");
    assert_check_fails("{\"name\": \"a\", \"meta\": []}", "meta");
    assert_check_fails("{\"name\": \"a\", \"tags\": {}}", "tags");
    assert_check_fails("{\"name\": \"a\", \"score\": \"1\"}", "score");
}

static void
test_check_string_length(void **state)
{
    (void)state;
    /* 20 bytes is the limit for name. */
    assert_int_equal(check_text("{\"name\": \"12345678901234567890\"}", NULL, 0), EG_OK);
    assert_check_fails("{\"name\": \"123456789012345678901\"}", "name");
    /* Bytes, not characters: 7 characters of 3 bytes each = 21 bytes. */
    assert_check_fails("{\"name\": \"ễễễễễễễ\"}", "name");
    assert_int_equal(check_text("{\"name\": \"ễễễễễễ\"}", NULL, 0), EG_OK);

    /* max_len 0 means 4096. */
    char s[4098];
    memset(s, 'n', sizeof(s) - 1);
    s[4096] = '\0';
    json_t *v = json_pack("{s:s, s:s}", "name", "a", "note", s);
    assert_int_equal(check_obj(v), EG_OK);
    s[4096] = 'n';
    s[4097] = '\0';
    v = json_pack("{s:s, s:s}", "name", "a", "note", s);
    assert_int_equal(check_obj(v), EG_EINVAL);
}

static void
test_check_control_characters(void **state)
{
    (void)state;
    assert_check_fails("{\"name\": \"a\\u0001b\"}", "name");
    assert_check_fails("{\"name\": \"\\u001b[31m\"}", "name");
    assert_check_fails("{\"name\": \"a\\u007fb\"}", "name");
    assert_check_fails("{\"name\": \"a\", \"note\": \"x\\by\"}", "note");
    /* An embedded NUL (only possible when the value is built in C). */
    json_t *v = json_pack("{s:s, s:s#}", "name", "a", "note", "a\0b", (int)3);
    assert_non_null(v);
    assert_int_equal(check_obj(v), EG_EINVAL);
}

/*
 * core.h promises strings "without control characters". U+0080..U+009F are
 * control characters (category Cc) too; U+009B is the 8-bit CSI that terminals
 * act on. has_control() in json.c only looks at single bytes < 0x20 and 0x7f,
 * so these pass today.
 */
static void
test_check_c1_control_characters(void **state)
{
    (void)state;
    assert_check_fails("{\"name\": \"a\\u009bb\"}", "name");
    assert_check_fails("{\"name\": \"a\\u0085b\"}", "name");
}

static void
test_check_nfc(void **state)
{
    (void)state;
    char m[1024];
    /* "Nguyễn" as e U+0302 U+0303, once escaped, once raw. */
    assert_int_equal(check_text("{\"name\": \"Nguye\\u0302\\u0303n\"}", m, sizeof(m)), EG_EINVAL);
    assert_non_null(strstr(m, "\"name\""));
    assert_non_null(strstr(m, "NFC"));
    assert_check_fails("{\"name\": \"Nguye\xcc\x82\xcc\x83n\"}", "name");
    assert_int_equal(check_text("{\"name\": \"Nguyễn\"}", NULL, 0), EG_OK);
}

static void
test_check_unknown_key(void **state)
{
    (void)state;
    char m[1024];
    assert_int_equal(check_text("{\"name\": \"a\", \"admin\": true}", m, sizeof(m)), EG_EINVAL);
    assert_non_null(strstr(m, "\"admin\""));
    /* Unknown even when null. */
    assert_check_fails("{\"name\": \"a\", \"admin\": null}", "admin");
    /* Names are case-sensitive. */
    assert_check_fails("{\"Name\": \"a\"}", "Name");

    /* A long or unprintable key is not echoed back. */
    char text[300];
    char key[101];
    memset(key, 'k', 100);
    key[100] = '\0';
    snprintf(text, sizeof(text), "{\"name\": \"a\", \"%s\": 1}", key);
    assert_int_equal(check_text(text, m, sizeof(m)), EG_EINVAL);
    assert_null(strstr(m, key));
    assert_true(strlen(m) > 0);
    assert_int_equal(check_text("{\"name\": \"a\", \"\\u001b[2J\": 1}", m, sizeof(m)), EG_EINVAL);
    assert_null(strchr(m, '\x1b'));
}

static void
test_check_int_range(void **state)
{
    (void)state;
    assert_int_equal(check_text("{\"name\": \"a\", \"age\": 0}", NULL, 0), EG_OK);
    assert_int_equal(check_text("{\"name\": \"a\", \"age\": 150}", NULL, 0), EG_OK);
    assert_check_fails("{\"name\": \"a\", \"age\": -1}", "age");
    assert_check_fails("{\"name\": \"a\", \"age\": 151}", "age");
    assert_check_fails("{\"name\": \"a\", \"age\": 9223372036854775807}", "age");
    assert_check_fails("{\"name\": \"a\", \"age\": -9223372036854775808}", "age");
    /* min == max declares no range. */
    assert_int_equal(check_text("{\"name\": \"a\", \"any\": 9223372036854775807}", NULL, 0), EG_OK);
}

static void
test_check_null_on_optional(void **state)
{
    (void)state;
    assert_int_equal(check_text("{\"name\": \"a\", \"age\": null, \"tags\": null, \"ok\": null,"
                                " \"meta\": null, \"score\": null, \"note\": null}",
                                NULL, 0),
                     EG_OK);
}

static void
test_check_array_items(void **state)
{
    (void)state;
    assert_int_equal(check_text("{\"name\": \"a\", \"tags\": [1, 2, 3]}", NULL, 0), EG_OK);
    assert_check_fails("{\"name\": \"a\", \"tags\": [1, 2, 3, 4]}", "tags");
    /* max_len 0 means 1000 items. */
    json_t *list = json_array();
    for (int i = 0; i < 1000; i++)
        json_array_append_new(list, json_integer(i));
    json_t *v = json_pack("{s:s, s:O}", "name", "a", "list", list);
    assert_int_equal(check_obj(v), EG_OK);
    json_array_append_new(list, json_integer(1000));
    v = json_pack("{s:s, s:O}", "name", "a", "list", list);
    assert_int_equal(check_obj(v), EG_EINVAL);
    json_decref(list);
}

static void
test_check_not_an_object(void **state)
{
    (void)state;
    struct eg_buf msg = EG_BUF_INIT(256);
    json_t *arr = json_array();
    assert_int_equal(eg_json_check(arr, person, EG_ARRAY_LEN(person), &msg), EG_EINVAL);
    assert_true(msg.len > 0);
    assert_int_equal(eg_json_check(NULL, person, EG_ARRAY_LEN(person), NULL), EG_EINVAL);
    json_decref(arr);
    /* No declared fields: only {} passes. */
    json_t *empty = json_object();
    assert_int_equal(eg_json_check(empty, NULL, 0, NULL), EG_OK);
    json_object_set_new(empty, "x", json_true());
    assert_int_equal(eg_json_check(empty, NULL, 0, NULL), EG_EINVAL);
    json_decref(empty);
    eg_buf_release(&msg);
}

/* ---- eg_json_dump ------------------------------------------------------- */

static void
assert_round_trip(const char *text)
{
    json_t *v = NULL;
    assert_int_equal(eg_json_parse(text, strlen(text), &v, NULL), EG_OK);
    struct eg_buf b = EG_BUF_INIT(1 << 16);
    enum eg_err rc = eg_json_dump(v, &b);
    char got[4096];
    size_t n = b.len < sizeof(got) ? b.len : sizeof(got) - 1;
    memcpy(got, eg_buf_str(&b), n);
    got[n] = '\0';
    eg_buf_release(&b);
    json_decref(v);
    assert_int_equal(rc, EG_OK);
    assert_string_equal(got, text);
}

static void
test_dump_round_trip(void **state)
{
    (void)state;
    assert_round_trip("{}");
    assert_round_trip("[]");
    assert_round_trip("{\"a\":1,\"b\":[true,false,null],\"c\":{\"d\":-5,\"e\":1.5}}");
    /* Compact UTF-8: Vietnamese is written as is, not as \u escapes. */
    assert_round_trip("{\"co_quan\":\"Sở Tư pháp\",\"ho_ten\":\"Nguyễn Thị Thuỷ\"}");
    assert_round_trip("[\"quote \\\" backslash \\\\ newline \\n\"]");
}

/* eg_json_dump writes what jansson's json_dumps(JSON_COMPACT) writes, byte for byte. */
static void
assert_dumps_as_jansson(const json_t *v)
{
    char *want = json_dumps(v, JSON_COMPACT);
    assert_non_null(want);
    struct eg_buf b = EG_BUF_INIT(1 << 20);
    assert_int_equal(eg_json_dump(v, &b), EG_OK);
    assert_string_equal(eg_buf_str(&b), want);
    assert_int_equal(b.len, strlen(want));
    free(want);
    eg_buf_release(&b);
}

static void
test_dump_same_as_jansson(void **state)
{
    (void)state;
    static const double reals[] = {
        0.0, -0.0, 1.5, -2.25, 1e300, 1e-300, 3.0, 100.0, 1.0 / 3.0, 123456789012345678.0, 2.5e-5};
    static const json_int_t ints[] = {0, 1, -1, 9, 10, -10, 1234567890, INT64_MAX, INT64_MIN};
    json_t *all = json_array();
    for (size_t i = 0; i < sizeof(reals) / sizeof(reals[0]); i++)
        json_array_append_new(all, json_real(reals[i]));
    for (size_t i = 0; i < sizeof(ints) / sizeof(ints[0]); i++)
        json_array_append_new(all, json_integer(ints[i]));
    /* Every byte below 0x80 (NUL included), then Vietnamese, then U+2028 and an emoji. */
    char bytes[128];
    for (int c = 0; c < 128; c++)
        bytes[c] = (char)c;
    json_array_append_new(all, json_stringn(bytes, sizeof(bytes)));
    json_array_append_new(all,
                          json_string("Nguyễn Thị Thuỷ \xe2\x80\xa8 \xf0\x9f\x98\x80 / </script>"));
    json_array_append_new(all, json_string(""));
    json_array_append_new(all,
                          json_pack("{s:b, s:b, s:n, s:{}, s:[], s:{s:[i, {s:s}]}}", "t", 1, "f", 0,
                                    "n", "o", "a", "nested", "x", 1, "khóa\n\"", "giá trị\t"));
    assert_dumps_as_jansson(all);
    /* Generated objects: keys in insertion order, escapes anywhere. */
    unsigned seed = 7;
    for (int round = 0; round < 300; round++) {
        json_t *o = json_object();
        for (int k = 0; k < round % 13; k++) {
            char key[16], val[24];
            for (size_t j = 0; j < sizeof(val) - 1; j++) {
                seed = seed * 1103515245u + 12345u;
                val[j] = (char)(1 + (seed >> 16) % 126);
            }
            val[sizeof(val) - 1] = '\0';
            snprintf(key, sizeof(key), "k%d\"%d", (int)(seed % 1000), k);
            json_object_set_new(o, key, k % 3 ? json_string(val) : json_integer((json_int_t)seed));
        }
        json_array_append_new(all, o);
        assert_dumps_as_jansson(o);
    }
    assert_dumps_as_jansson(all);
    json_decref(all);
    /* Deeper than anything egov makes (or a cycle): refused, nothing written. */
    struct eg_buf b = EG_BUF_INIT(1 << 20);
    json_t *deep = json_array();
    for (int i = 0; i < 3000; i++) {
        json_t *outer = json_array();
        json_array_append_new(outer, deep);
        deep = outer;
    }
    assert_int_equal(eg_buf_adds(&b, "x"), EG_OK);
    assert_int_equal(eg_json_dump(deep, &b), EG_EINVAL);
    assert_string_equal(eg_buf_str(&b), "x");
    json_decref(deep);
    eg_buf_release(&b);
}

static void
test_dump_appends(void **state)
{
    (void)state;
    struct eg_buf b = EG_BUF_INIT(256);
    json_t *v = json_pack("{s:i}", "so", 7);
    assert_int_equal(eg_buf_adds(&b, "data: "), EG_OK);
    assert_int_equal(eg_json_dump(v, &b), EG_OK);
    assert_string_equal(eg_buf_str(&b), "data: {\"so\":7}");
    assert_int_equal(b.len, strlen("data: {\"so\":7}"));
    json_decref(v);
    eg_buf_release(&b);
}

static void
test_dump_max(void **state)
{
    (void)state;
    static const char want[] = "{\"ten\":\"Đăng ký khai sinh\"}";
    const size_t w = strlen(want);
    const size_t max = 64;
    char prefix[64];
    json_t *v = json_pack("{s:s}", "ten", "Đăng ký khai sinh");
    struct eg_buf b = EG_BUF_INIT(max);

    /* One byte too many: refused, content unchanged. */
    memset(prefix, 'x', max - w + 1);
    prefix[max - w + 1] = '\0';
    assert_int_equal(eg_buf_adds(&b, prefix), EG_OK);
    assert_int_equal(eg_json_dump(v, &b), EG_ETOOBIG);
    assert_string_equal(eg_buf_str(&b), prefix);
    assert_int_equal(b.len, max - w + 1);

    /* Exactly max: accepted. */
    eg_buf_reset(&b);
    prefix[max - w] = '\0';
    assert_int_equal(eg_buf_adds(&b, prefix), EG_OK);
    assert_int_equal(eg_json_dump(v, &b), EG_OK);
    assert_int_equal(b.len, max);
    assert_string_equal(eg_buf_str(&b) + (max - w), want);
    assert_memory_equal(b.p, prefix, max - w);

    /* A buffer with max 0 cannot take even "{}". */
    struct eg_buf zero = EG_BUF_INIT(0);
    json_t *empty = json_object();
    assert_int_equal(eg_json_dump(empty, &zero), EG_ETOOBIG);
    assert_string_equal(eg_buf_str(&zero), "");
    json_decref(empty);
    json_decref(v);
    eg_buf_release(&b);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_object_and_array),
        cmocka_unit_test(test_parse_uses_length),
        cmocka_unit_test(test_parse_rejects_duplicate_keys),
        cmocka_unit_test(test_parse_rejects_invalid_utf8),
        cmocka_unit_test(test_parse_rejects_trailing_garbage),
        cmocka_unit_test(test_parse_rejects_nul_escape),
        cmocka_unit_test(test_parse_rejects_malformed),
        cmocka_unit_test(test_parse_depth_boundary),
        cmocka_unit_test(test_parse_depth_message),
        cmocka_unit_test(test_parse_message),
        cmocka_unit_test(test_check_accepts_valid),
        cmocka_unit_test(test_check_missing_required),
        cmocka_unit_test(test_check_wrong_type),
        cmocka_unit_test(test_check_string_length),
        cmocka_unit_test(test_check_control_characters),
        cmocka_unit_test(test_check_c1_control_characters),
        cmocka_unit_test(test_check_nfc),
        cmocka_unit_test(test_check_unknown_key),
        cmocka_unit_test(test_check_int_range),
        cmocka_unit_test(test_check_null_on_optional),
        cmocka_unit_test(test_check_array_items),
        cmocka_unit_test(test_check_not_an_object),
        cmocka_unit_test(test_dump_round_trip),
        cmocka_unit_test(test_dump_same_as_jansson),
        cmocka_unit_test(test_dump_appends),
        cmocka_unit_test(test_dump_max),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
