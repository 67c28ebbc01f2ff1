/*
 * test_compile.c - what the compiler refuses, and how it says so: every error
 * names the template, the line and the column (in characters), and a refused
 * template leaves the set as it was. Also the set's own rules (names,
 * duplicates, size) and the whole-set check of partials and messages.
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

/* Compiling text as "page" fails with EG_EINVAL and exactly the message want. */
static void
refused(const char *text, const char *want)
{
    struct eg_tmpl_set *set = eg_tmpl_set_new();
    assert_non_null(set);
    struct eg_buf msg = EG_BUF_INIT(1024);
    assert_int_equal(eg_buf_adds(&msg, "old text"), EG_OK);
    enum eg_err rc = eg_tmpl_set_add(set, "page", text, strlen(text), &msg);
    if (rc != EG_EINVAL)
        fail_msg("accepted (%s): %s", eg_strerror(rc), text);
    assert_string_equal(eg_buf_str(&msg), want);
    assert_true(eg_utf8_valid(msg.p, msg.len));
    /* Nothing of it is left in the set, and the name is still free. */
    assert_false(eg_tmpl_has(set, "page"));
    assert_int_equal(eg_tmpl_set_add(set, "page", text, strlen(text), NULL), EG_EINVAL);
    assert_int_equal(eg_tmpl_set_add(set, "page", "ok", 2, &msg), EG_OK);
    assert_true(eg_tmpl_has(set, "page"));
    eg_buf_release(&msg);
    eg_tmpl_set_free(set);
}

static void
test_unclosed_and_mismatched(void **state)
{
    (void)state;
    refused("a\n  {{#items}}\nb", "page:2:3: section 'items' is never closed");
    refused("{{#a}}{{/b}}", "page:1:7: '{{/b}}' does not close section 'a' opened at 1:1");
    refused("{{#a}}\n {{^b}}{{/a}}{{/b}}",
            "page:2:8: '{{/a}}' does not close inverted section 'b' opened at 2:2");
    refused("x{{/a}}", "page:1:2: '{{/a}}' closes nothing");
    refused("{{#a}}{{/a}}{{/a}}", "page:1:13: '{{/a}}' closes nothing");
    refused("{{#a}}{{/a|x}}", "page:1:7: '{{/a|x}}' does not close section 'a' opened at 1:1");
    refused("{{<layout}}", "page:1:1: layout 'layout' is never closed");
    refused("{{$b}}x", "page:1:1: block 'b' is never closed");
    refused("abc {{name", "page:1:5: '{{' has no '}}'");
    refused("{{{raw_x}}", "page:1:1: '{{{' has no '}}}'");
    refused("{{!comment", "page:1:1: '{{' has no '}}'");
}

static void
test_positions_count_characters(void **state)
{
    (void)state;
    /* "Hồ sơ: " is 7 characters but 10 bytes. */
    refused("Hồ sơ: {{#x}}", "page:1:8: section 'x' is never closed");
    refused("dòng 1\r\ndòng 2\n\tđ {{/x}}", "page:3:4: '{{/x}}' closes nothing");
    refused("{{! a\nlong\ncomment }}{{#y}}", "page:3:11: section 'y' is never closed");
}

static void
test_filters_and_raw(void **state)
{
    (void)state;
    refused("<p>\n{{name|upper}}",
            "page:2:1: unknown filter 'upper' (date, datetime, number, url)");
    refused("{{name|}}", "page:1:1: unknown filter '' (date, datetime, number, url)");
    refused("{{x|date|number}}",
            "page:1:1: unknown filter 'date|number' (date, datetime, number, url)");
    refused("{{x | date}}", "page:1:1: unknown filter ' date' (date, datetime, number, url)");
    refused("{{#a|date}}{{/a}}", "page:1:1: no filter is allowed in this tag");
    refused("{{{name}}}",
            "page:1:1: '{{{name}}}' prints unescaped: only names starting with raw_ may");
    refused("{{{svg_raw}}}",
            "page:1:1: '{{{svg_raw}}}' prints unescaped: only names starting with raw_ may");
    refused("{{{raw_x.svg}}}",
            "page:1:1: '{{{raw_x.svg}}}' prints unescaped: only names starting with raw_ may");
    refused("{{{.}}}", "page:1:1: '{{{.}}}' prints unescaped: only names starting with raw_ may");
    refused("{{{raw_x|url}}}", "page:1:1: no filter is allowed in this tag");
    refused("{{&name}}", "page:1:1: '{{&' is not supported; unescaped output is {{{raw_name}}}");
}

static void
test_bad_tags(void **state)
{
    (void)state;
    refused("{{}}", "page:1:1: empty tag");
    refused("x {{  \n }}", "page:1:3: empty tag");
    refused("{{a..b}}", "page:1:1: bad name 'a..b' (letters, digits, _ and -, joined by dots)");
    refused("{{a b}}", "page:1:1: bad name 'a b' (letters, digits, _ and -, joined by dots)");
    refused("{{.a}}", "page:1:1: bad name '.a' (letters, digits, _ and -, joined by dots)");
    refused("{{^}}{{/}}", "page:1:1: bad name '' (letters, digits, _ and -, joined by dots)");
    refused("{{=<% %>=}}", "page:1:1: bad tag '{{=<% %>=}}'");
    refused("{{>bad name}}", "page:1:1: bad partial name 'bad name'");
    refused("{{>}}", "page:1:1: bad partial name ''");
    refused("{{<}}{{/}}", "page:1:1: bad layout name ''");
    refused("{{$a.b}}{{/a.b}}", "page:1:1: bad block name 'a.b'");
    refused("{{@}}", "page:1:1: a message tag needs a key: {{@key}}");
    refused("{{@bad!key}}", "page:1:1: bad message key 'bad!key'");
    refused("{{@k a|upper}}", "page:1:1: unknown filter 'upper' (date, datetime, number, url)");
    refused("{{@k 0 1 2 3 4 5 6 7 8 9 10}}", "page:1:1: a message takes at most 10 arguments");
    refused("{{@k a b..c}}",
            "page:1:1: bad name 'b..c' (letters, digits, _ and -, joined by dots)");
    /* Long names are cut in messages. */
    refused("{{#aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa}}",
            "page:1:1: section 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa' is never closed");
}

static void
test_layout_rules(void **state)
{
    (void)state;
    const char *only = "only blocks {{$name}}..{{/name}} may fill layout 'layout'";
    char want[256];
    snprintf(want, sizeof(want), "page:1:12: %s", only);
    refused("{{<layout}}text{{/layout}}", want);
    refused("{{<layout}}{{x}}{{/layout}}", want);
    refused("{{<layout}}{{{raw_x}}}{{/layout}}", want);
    refused("{{<layout}}{{#s}}{{/s}}{{/layout}}", want);
    refused("{{<layout}}{{>p}}{{/layout}}", want);
    refused("{{<layout}}{{@k}}{{/layout}}", want);
    snprintf(want, sizeof(want), "page:2:1: %s", only);
    refused("{{<layout}}\n{{<other}}{{/other}}{{/layout}}", want);
    refused("{{<layout}}{{$a}}{{/a}}{{$a}}{{/a}}{{/layout}}",
            "page:1:24: block 'a' is filled twice");
}

static void
test_nesting_limit(void **state)
{
    (void)state;
    char text[1024] = "";
    size_t n = 0;
    for (int i = 0; i <= EG_TMPL_MAX_NEST; i++)
        n += (size_t)snprintf(text + n, sizeof(text) - n, "{{#o}}");
    char want[128];
    snprintf(want, sizeof(want), "page:1:%d: more than %d sections nested",
             EG_TMPL_MAX_NEST * 6 + 1, EG_TMPL_MAX_NEST);
    refused(text, want);
}

static void
test_what_compiles(void **state)
{
    (void)state;
    static const char *const ok[] = {
        "",
        "{ { } } {x} }}",
        "{{ a }}{{a-b_c.d-1}}{{.}}{{.|number}}{{x|url}}",
        "{{#a.b}}{{/a.b}}{{# s }}{{/ s }}{{#.}}{{/.}}",
        "{{{raw_x}}}{{{ raw_x }}}{{{a.raw_b}}}",
        "{{>p}}{{> partials/header }}{{>mail/x.txt}}",
        "{{<layouts/base}} \n\t{{! c }}{{$title}}T{{/title}}\n{{/layouts/base}}",
        "{{$block}}default{{/block}}",
        "{{@k}}{{@ k.x-y_z }}{{@k a b.c d|date}}{{@k 0 1 2 3 4 5 6 7 8 9}}",
        "{{!}}{{! {{ }}",
    };
    struct eg_tmpl_set *set = eg_tmpl_set_new();
    struct eg_buf msg = EG_BUF_INIT(1024);
    for (size_t i = 0; i < EG_ARRAY_LEN(ok); i++) {
        char name[16];
        snprintf(name, sizeof(name), "ok%zu", i);
        if (eg_tmpl_set_add(set, name, ok[i], strlen(ok[i]), &msg) != EG_OK)
            fail_msg("refused %s: %s", ok[i], eg_buf_str(&msg));
    }
    eg_buf_release(&msg);
    eg_tmpl_set_free(set);
}

static void
test_set_rules(void **state)
{
    (void)state;
    struct eg_tmpl_set *set = eg_tmpl_set_new();
    struct eg_buf msg = EG_BUF_INIT(1024);
    static const char *const bad_names[] = {"", "a b", "a\"b", "page.html<", "x\n"};
    for (size_t i = 0; i < EG_ARRAY_LEN(bad_names); i++) {
        assert_int_equal(eg_tmpl_set_add(set, bad_names[i], "x", 1, &msg), EG_EINVAL);
        assert_true(msg.len > 0);
    }
    assert_int_equal(eg_tmpl_set_add(set, "a", "x", 1, &msg), EG_OK);
    assert_int_equal(eg_tmpl_set_add(set, "a", "y", 1, &msg), EG_ECONFLICT);
    assert_string_equal(eg_buf_str(&msg), "a: a template of this name is already there");
    assert_int_equal(eg_tmpl_set_add(set, "empty", NULL, 0, NULL), EG_OK);

    size_t big = EG_TMPL_MAX_SIZE + 1;
    char *text = malloc(big);
    assert_non_null(text);
    memset(text, 'a', big);
    assert_int_equal(eg_tmpl_set_add(set, "big", text, big, &msg), EG_ETOOBIG);
    assert_int_equal(eg_tmpl_set_add(set, "big", text, big - 1, &msg), EG_OK);
    free(text);

    /* Many templates: the index grows and finds every one. */
    for (int i = 0; i < 500; i++) {
        char name[32], body[32];
        snprintf(name, sizeof(name), "many/t%d", i);
        snprintf(body, sizeof(body), "%d", i);
        assert_int_equal(eg_tmpl_set_add(set, name, body, strlen(body), NULL), EG_OK);
    }
    for (int i = 0; i < 500; i++) {
        char name[32], want[32];
        snprintf(name, sizeof(name), "many/t%d", i);
        snprintf(want, sizeof(want), "%d", i);
        struct eg_buf out = EG_BUF_INIT(64);
        assert_int_equal(eg_tmpl_render(set, name, NULL, NULL, &out), EG_OK);
        assert_string_equal(eg_buf_str(&out), want);
        eg_buf_release(&out);
    }
    eg_buf_release(&msg);
    eg_tmpl_set_free(set);
    eg_tmpl_set_free(NULL);
}

static json_t *
json_of(const char *s)
{
    json_t *v = json_loads(s, 0, NULL);
    assert_non_null(v);
    return v;
}

static void
test_check_the_whole_set(void **state)
{
    (void)state;
    struct eg_tmpl_set *set = eg_tmpl_set_new();
    struct eg_buf msg = EG_BUF_INIT(4096);
    const char *page = "{{>header}}{{>nowhere}}\n{{@nav.home}}{{@no.such}}\n"
                       "{{#x}}{{@footer.contact phone}}{{/x}}{{<nolayout}}{{/nolayout}}";
    assert_int_equal(eg_tmpl_set_add(set, "page", page, strlen(page), &msg), EG_OK);
    assert_int_equal(eg_tmpl_set_add(set, "header", "{{@nav.home}}", 13, &msg), EG_OK);
    /* Templates alone: only the missing templates. */
    assert_int_equal(eg_tmpl_set_check(set, &msg), EG_ENOTFOUND);
    assert_string_equal(eg_buf_str(&msg), "page:1:12: no template 'nowhere'\n"
                                          "page:3:38: no template 'nolayout'\n");
    json_t *vi = json_of("{\"nav.home\":\"Trang chủ\",\"footer.contact\":\"ĐT {0} - {1}\","
                         "\"only.vi\":\"x\"}");
    json_t *en = json_of("{\"nav.home\":\"Home\",\"footer.contact\":\"Phone {0}\"}");
    assert_int_equal(eg_tmpl_set_catalogue(set, "vi", vi, &msg), EG_OK);
    assert_int_equal(eg_tmpl_set_catalogue(set, "en", en, &msg), EG_OK);
    assert_int_equal(eg_tmpl_set_check(set, &msg), EG_ENOTFOUND);
    assert_string_equal(eg_buf_str(&msg),
                        "page:1:12: no template 'nowhere'\n"
                        "page:2:14: no message 'no.such' in vi\n"
                        "page:2:14: no message 'no.such' in en\n"
                        "page:3:7: message 'footer.contact' in vi needs 2 arguments, the tag "
                        "gives 1\n"
                        "page:3:38: no template 'nolayout'\n"
                        "catalogue en: no message 'only.vi' (vi has it)\n");
    json_decref(vi);
    json_decref(en);
    eg_tmpl_set_free(set);

    /* A sound set passes; msg is emptied. */
    set = eg_tmpl_set_new();
    assert_int_equal(eg_tmpl_set_add(set, "a", "{{>b}}", 6, NULL), EG_OK);
    assert_int_equal(eg_tmpl_set_add(set, "b", "{{@k}}", 6, NULL), EG_OK);
    vi = json_of("{\"k\":\"v\"}");
    assert_int_equal(eg_tmpl_set_catalogue(set, "vi", vi, NULL), EG_OK);
    assert_int_equal(eg_tmpl_set_check(set, &msg), EG_OK);
    assert_int_equal(msg.len, 0);
    assert_int_equal(eg_tmpl_set_check(set, NULL), EG_OK);
    json_decref(vi);
    eg_tmpl_set_free(set);

    /* Many problems: the first 20 and a count. */
    set = eg_tmpl_set_new();
    char text[1024] = "";
    size_t n = 0;
    for (int i = 0; i < 25; i++)
        n += (size_t)snprintf(text + n, sizeof(text) - n, "{{>no%d}}\n", i);
    assert_int_equal(eg_tmpl_set_add(set, "many", text, n, NULL), EG_OK);
    assert_int_equal(eg_tmpl_set_check(set, &msg), EG_ENOTFOUND);
    assert_non_null(strstr(eg_buf_str(&msg), "many:20:1: no template 'no19'\n... and 5 more\n"));
    assert_null(strstr(eg_buf_str(&msg), "no20"));
    eg_buf_release(&msg);
    eg_tmpl_set_free(set);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_unclosed_and_mismatched),
        cmocka_unit_test(test_positions_count_characters),
        cmocka_unit_test(test_filters_and_raw),
        cmocka_unit_test(test_bad_tags),
        cmocka_unit_test(test_layout_rules),
        cmocka_unit_test(test_nesting_limit),
        cmocka_unit_test(test_what_compiles),
        cmocka_unit_test(test_set_rules),
        cmocka_unit_test(test_check_the_whole_set),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
