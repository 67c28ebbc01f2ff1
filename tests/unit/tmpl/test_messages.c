/*
 * test_messages.c - message catalogues: {{@key}} in Vietnamese (the default)
 * and English, placeholders filled from the context and escaped, missing keys
 * counted and (in a strict set) refused, bad catalogues refused, and the
 * catalogues and templates that ship in the binary.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "tmpl/tmpl.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static json_t *
json_of(const char *s)
{
    json_error_t err;
    json_t *v = json_loads(s, 0, &err);
    if (!v)
        fail_msg("bad test JSON: %s", err.text);
    return v;
}

static void
add(struct eg_tmpl_set *set, const char *name, const char *text)
{
    struct eg_buf msg = EG_BUF_INIT(1024);
    if (eg_tmpl_set_add(set, name, text, strlen(text), &msg) != EG_OK)
        fail_msg("%s refused: %s", name, eg_buf_str(&msg));
    eg_buf_release(&msg);
}

static void
catalogue(struct eg_tmpl_set *set, const char *lang, const char *json)
{
    struct eg_buf msg = EG_BUF_INIT(1024);
    json_t *m = json_of(json);
    if (eg_tmpl_set_catalogue(set, lang, m, &msg) != EG_OK)
        fail_msg("%s refused: %s", lang, eg_buf_str(&msg));
    json_decref(m);
    eg_buf_release(&msg);
}

static void
expect(const struct eg_tmpl_set *set, const char *name, const char *ctx, const char *lang,
       const char *want)
{
    json_t *c = ctx ? json_of(ctx) : NULL;
    struct eg_buf out = EG_BUF_INIT(1 << 16);
    enum eg_err rc = eg_tmpl_render(set, name, c, lang, &out);
    if (rc != EG_OK)
        fail_msg("%s: %s", name, eg_strerror(rc));
    assert_string_equal(eg_buf_str(&out), want);
    eg_buf_release(&out);
    json_decref(c);
}

static struct eg_tmpl_set *
bilingual(void)
{
    struct eg_tmpl_set *set = eg_tmpl_set_new();
    assert_non_null(set);
    /* English first: the default language is still Vietnamese. */
    catalogue(set, "en",
              "{\"site.name\":\"Provincial Public Service Portal\","
              "\"dossier.received\":\"Dossier {0} was received on {1}.\","
              "\"search.results\":\"{0} results for “{1}”\","
              "\"order\":\"{1} before {0}, {0} again\",\"html\":\"Terms & <conditions>\","
              "\"braces\":\"{x} {} {{0}} {10}\",\"gap\":\"a {3} b\"}");
    catalogue(set, "vi",
              "{\"site.name\":\"Cổng dịch vụ công tỉnh\","
              "\"dossier.received\":\"Hồ sơ {0} đã được tiếp nhận ngày {1}.\","
              "\"search.results\":\"{0} kết quả cho “{1}”\","
              "\"order\":\"{1} trước {0}, lại {0}\",\"html\":\"Điều khoản & <điều kiện>\","
              "\"braces\":\"{x} {} {{0}} {10}\",\"gap\":\"a {3} b\"}");
    add(set, "name", "{{@site.name}}");
    add(set, "received", "<p>{{@dossier.received code received_at|date}}</p>");
    add(set, "results", "{{@search.results total|number q}}");
    add(set, "order", "{{@order a b}}");
    add(set, "html", "<a title=\"{{@html}}\">{{@html}}</a>");
    add(set, "braces", "{{@braces v}}");
    add(set, "gap", "{{@gap}}|{{@order a}}");
    add(set, "missing", "[{{@no.such.key}}]");
    return set;
}

static void
test_languages(void **state)
{
    (void)state;
    struct eg_tmpl_set *set = bilingual();
    expect(set, "name", NULL, "vi", "Cổng dịch vụ công tỉnh");
    expect(set, "name", NULL, "en", "Provincial Public Service Portal");
    /* No language, or one without a catalogue: Vietnamese. */
    expect(set, "name", NULL, NULL, "Cổng dịch vụ công tỉnh");
    expect(set, "name", NULL, "fr", "Cổng dịch vụ công tỉnh");
    expect(set, "name", NULL, "EN", "Cổng dịch vụ công tỉnh");
    expect(set, "name", NULL, "", "Cổng dịch vụ công tỉnh");
    assert_int_equal(eg_tmpl_missing_count(set), 0);
    eg_tmpl_set_free(set);
}

static void
test_placeholders(void **state)
{
    (void)state;
    struct eg_tmpl_set *set = bilingual();
    /* 2026-11-27T20:13Z is already the 28th in Viet Nam. */
    const char *ctx = "{\"code\":\"000.00.05.H41-261128-0001\",\"received_at\":1795810380000}";
    expect(set, "received", ctx, "vi",
           "<p>Hồ sơ 000.00.05.H41-261128-0001 đã được tiếp nhận ngày 28/11/2026.</p>");
    expect(set, "received", ctx, "en",
           "<p>Dossier 000.00.05.H41-261128-0001 was received on 28/11/2026.</p>");
    /* Arguments are escaped like any value; numbers follow the language. */
    ctx = "{\"total\":1234,\"q\":\"<script>alert(1)</script>\"}";
    expect(set, "results", ctx, "vi", "1.234 kết quả cho “&lt;script&gt;alert(1)&lt;/script&gt;”");
    expect(set, "results", ctx, "en", "1,234 results for “&lt;script&gt;alert(1)&lt;/script&gt;”");
    /* Any order, repeated; missing values print nothing. */
    expect(set, "order", "{\"a\":\"A\",\"b\":\"B\"}", "vi", "B trước A, lại A");
    expect(set, "order", "{\"a\":\"A\"}", "en", " before A, A again");
    /* Placeholders without an argument stay visible; other braces are text. */
    expect(set, "gap", "{\"a\":\"A\"}", "en", "a {3} b|{1} before A, A again");
    expect(set, "braces", "{\"v\":\"V\"}", "vi", "{x} {} {V} {10}");
    /* Message text is escaped too: catalogues hold text, not markup. */
    expect(
        set, "html", NULL, "vi",
        "<a title=\"Điều khoản &amp; &lt;điều kiện&gt;\">Điều khoản &amp; &lt;điều kiện&gt;</a>");
    /* Arguments are looked up in the current context, like {{name}}. */
    add(set, "loop", "{{#items}}{{@order name n}};{{/items}}");
    expect(set, "loop", "{\"n\":\"N\",\"items\":[{\"name\":\"x\"},{\"name\":\"y\",\"n\":\"M\"}]}",
           "vi", "N trước x, lại x;M trước y, lại y;");
    assert_int_equal(eg_tmpl_missing_count(set), 0);
    eg_tmpl_set_free(set);
}

static void
test_missing_keys(void **state)
{
    (void)state;
    eg_log_setup(EG_LOG_ERROR, 2); /* misses are logged as warnings */
    struct eg_tmpl_set *set = bilingual();
    expect(set, "missing", NULL, "vi", "[no.such.key]");
    assert_int_equal(eg_tmpl_missing_count(set), 1);
    expect(set, "missing", NULL, "en", "[no.such.key]");
    assert_int_equal(eg_tmpl_missing_count(set), 2);

    /* Missing in one language only. */
    add(set, "vi-only", "{{@only.vi}}");
    json_t *more = json_of("{\"only.vi\":\"chỉ tiếng Việt\"}");
    assert_int_equal(eg_tmpl_set_catalogue(set, "vi-x", more, NULL), EG_OK);
    json_decref(more);
    expect(set, "vi-only", NULL, "vi-x", "chỉ tiếng Việt");
    expect(set, "vi-only", NULL, "en", "only.vi");
    assert_int_equal(eg_tmpl_missing_count(set), 3);

    /* Strict: the render fails and out is untouched, but still counted. */
    eg_tmpl_set_strict(set, true);
    struct eg_buf out = EG_BUF_INIT(1024);
    assert_int_equal(eg_buf_adds(&out, "kept"), EG_OK);
    assert_int_equal(eg_tmpl_render(set, "missing", NULL, "vi", &out), EG_ENOTFOUND);
    assert_string_equal(eg_buf_str(&out), "kept");
    assert_int_equal(eg_tmpl_missing_count(set), 4);
    assert_int_equal(eg_tmpl_render(set, "name", NULL, "en", &out), EG_OK);
    assert_string_equal(eg_buf_str(&out), "keptProvincial Public Service Portal");
    eg_buf_release(&out);
    eg_tmpl_set_free(set);

    /* No catalogue at all: every message is missing. */
    set = eg_tmpl_set_new();
    add(set, "t", "{{@a}} {{@b x}}");
    expect(set, "t", NULL, "vi", "a b");
    assert_int_equal(eg_tmpl_missing_count(set), 2);
    eg_tmpl_set_free(set);
}

static void
test_bad_catalogues(void **state)
{
    (void)state;
    static const struct {
        const char *lang, *json, *msg;
        enum eg_err rc;
    } cases[] = {
        {"vi", "{\"a\":1}", "vi: message 'a' is not a string", EG_EINVAL},
        {"vi", "{\"a\":{\"b\":\"nested\"}}", "vi: message 'a' is not a string", EG_EINVAL},
        {"vi", "{\"a b\":\"x\"}", "vi: bad key 'a b' (letters, digits, _ - .)", EG_EINVAL},
        {"vi", "{\"\":\"x\"}", "vi: bad key '' (letters, digits, _ - .)", EG_EINVAL},
        {"vi", "[\"x\"]", "vi: a catalogue is a JSON object of key -> message", EG_EINVAL},
        {"v i", "{}", "bad language code 'v i'", EG_EINVAL},
        {"", "{}", "bad language code ''", EG_EINVAL},
        {"en", "{}", "en: the catalogue is already there", EG_ECONFLICT},
    };
    for (size_t i = 0; i < EG_ARRAY_LEN(cases); i++) {
        struct eg_tmpl_set *set = eg_tmpl_set_new();
        catalogue(set, "en", "{\"k\":\"v\"}");
        json_t *m = json_of(cases[i].json);
        struct eg_buf msg = EG_BUF_INIT(1024);
        assert_int_equal(eg_tmpl_set_catalogue(set, cases[i].lang, m, &msg), cases[i].rc);
        assert_string_equal(eg_buf_str(&msg), cases[i].msg);
        /* The set is as it was: the refused language is not there. */
        add(set, "t", "{{@k}}");
        expect(set, "t", NULL, cases[i].lang, "v");
        json_decref(m);
        eg_buf_release(&msg);
        eg_tmpl_set_free(set);
    }
    /* At most EG_TMPL_MAX_LANGS catalogues. */
    struct eg_tmpl_set *set = eg_tmpl_set_new();
    json_t *m = json_object();
    for (int i = 0; i < EG_TMPL_MAX_LANGS; i++) {
        char lang[8];
        snprintf(lang, sizeof(lang), "l%d", i);
        assert_int_equal(eg_tmpl_set_catalogue(set, lang, m, NULL), EG_OK);
    }
    assert_int_equal(eg_tmpl_set_catalogue(set, "one-more", m, NULL), EG_ETOOBIG);
    json_decref(m);
    eg_tmpl_set_free(set);
}

/* Every key of a in b, and back. */
static void
same_keys(const json_t *a, const json_t *b)
{
    const char *k;
    json_t *v;
    json_object_foreach((json_t *)a, k, v)
    {
        if (!json_object_get(b, k))
            fail_msg("catalogues differ at '%s'", k);
        assert_true(json_is_string(v));
    }
    assert_int_equal(json_object_size(a), json_object_size(b));
}

static void
test_embedded_catalogues(void **state)
{
    (void)state;
    struct eg_tmpl_set *set = eg_tmpl_set_new();
    struct eg_buf msg = EG_BUF_INIT(4096);
    enum eg_err rc = eg_tmpl_set_load_catalogues(set, "web/i18n/", &msg);
    if (rc != EG_OK)
        fail_msg("%s", eg_buf_str(&msg));
    assert_int_equal(eg_tmpl_set_check(set, &msg), EG_OK);
    add(set, "t",
        "<html lang=\"{{@meta.lang}}\"><title>{{@site.name}}</title>"
        "<a href=\"#main\">{{@nav.skip}}</a>");
    expect(set, "t", NULL, "vi",
           "<html lang=\"vi\"><title>Cổng dịch vụ công tỉnh</title>"
           "<a href=\"#main\">Bỏ qua, đến nội dung chính</a>");
    expect(set, "t", NULL, "en",
           "<html lang=\"en\"><title>Provincial Public Service Portal</title>"
           "<a href=\"#main\">Skip to main content</a>");
    /* The files themselves: strict JSON, the same keys, NFC text. */
    const struct eg_embedded_file *vi = eg_embedded("web/i18n/vi.json");
    const struct eg_embedded_file *en = eg_embedded("web/i18n/en.json");
    assert_non_null(vi);
    assert_non_null(en);
    json_t *jvi = NULL, *jen = NULL;
    assert_int_equal(eg_json_parse((const char *)vi->data, vi->len, &jvi, NULL), EG_OK);
    assert_int_equal(eg_json_parse((const char *)en->data, en->len, &jen, NULL), EG_OK);
    same_keys(jvi, jen);
    same_keys(jen, jvi);
    const char *k;
    json_t *v;
    json_object_foreach(jvi, k, v)
        assert_true(eg_text_is_nfc(json_string_value(v), json_string_length(v)));
    json_decref(jvi);
    json_decref(jen);
    /* Loading twice is a conflict; a prefix with nothing under it is not found. */
    assert_int_equal(eg_tmpl_set_load_catalogues(set, "web/i18n/", &msg), EG_ECONFLICT);
    assert_int_equal(eg_tmpl_set_load_catalogues(set, "web/nowhere/", &msg), EG_ENOTFOUND);
    eg_buf_release(&msg);
    eg_tmpl_set_free(set);
}

static bool
starts_with(const char *s, const char *p)
{
    return strncmp(s, p, strlen(p)) == 0;
}

static void
test_embedded_templates(void **state)
{
    (void)state;
    /* Whatever web/templates/ holds today compiles, and is found by its short name. */
    size_t want = 0;
    for (size_t i = 0; i < eg_embedded_count; i++) {
        const char *n = eg_embedded_files[i].name;
        size_t len = strlen(n);
        if (starts_with(n, "web/templates/") && ((len > 5 && strcmp(n + len - 5, ".html") == 0) ||
                                                 (len > 4 && strcmp(n + len - 4, ".txt") == 0)))
            want++;
    }
    struct eg_tmpl_set *set = eg_tmpl_set_new();
    struct eg_buf msg = EG_BUF_INIT(4096);
    enum eg_err rc = eg_tmpl_set_load_embedded(set, "web/templates/", &msg);
    if (want == 0) {
        assert_int_equal(rc, EG_ENOTFOUND);
    } else {
        if (rc != EG_OK)
            fail_msg("%s", eg_buf_str(&msg));
        for (size_t i = 0; i < eg_embedded_count; i++) {
            const char *n = eg_embedded_files[i].name;
            size_t len = strlen(n);
            if (!starts_with(n, "web/templates/") || len < 19 || strcmp(n + len - 5, ".html"))
                continue;
            char name[256];
            snprintf(name, sizeof(name), "%.*s", (int)(len - 19), n + 14);
            assert_true(eg_tmpl_has(set, name));
        }
        /* With the shipped catalogues, the shipped templates are complete. */
        assert_int_equal(eg_tmpl_set_load_catalogues(set, "web/i18n/", &msg), EG_OK);
        if (eg_tmpl_set_check(set, &msg) != EG_OK)
            fail_msg("%s", eg_buf_str(&msg));
    }
    assert_int_equal(eg_tmpl_set_load_embedded(set, "no/such/dir/", &msg), EG_ENOTFOUND);
    assert_string_equal(eg_buf_str(&msg), "no embedded template under 'no/such/dir/'");
    eg_buf_release(&msg);
    eg_tmpl_set_free(set);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_languages),           cmocka_unit_test(test_placeholders),
        cmocka_unit_test(test_missing_keys),        cmocka_unit_test(test_bad_catalogues),
        cmocka_unit_test(test_embedded_catalogues), cmocka_unit_test(test_embedded_templates),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
