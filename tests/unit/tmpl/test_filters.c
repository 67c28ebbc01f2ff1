/*
 * test_filters.c - date, datetime, number and url (DOMAIN-VN §7): dates in
 * Asia/Ho_Chi_Minh (UTC+7, no DST) as dd/MM/yyyy, across the day, month and
 * year boundaries; numbers with "." thousands and "," decimals in Vietnamese;
 * links only to http, https, mailto or relative addresses. Values a filter
 * cannot read print as {{x}} would, escaped.
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

static struct eg_tmpl_set *set;

static int
setup(void **state)
{
    (void)state;
    set = eg_tmpl_set_new();
    static const char *const t[][2] = {
        {"date", "{{v|date}}"},     {"datetime", "{{v|datetime}}"},
        {"number", "{{v|number}}"}, {"url", "<a href=\"{{v|url}}\">"},
        {"url.txt", "{{v|url}}"},
    };
    for (size_t i = 0; i < EG_ARRAY_LEN(t); i++)
        if (eg_tmpl_set_add(set, t[i][0], t[i][1], strlen(t[i][1]), NULL) != EG_OK)
            return -1;
    /* Number separators follow the catalogue a render uses. */
    static const char *const langs[] = {"vi", "en"};
    for (size_t i = 0; i < EG_ARRAY_LEN(langs); i++) {
        json_t *m = json_pack("{s:s}", "k", langs[i]);
        enum eg_err rc = eg_tmpl_set_catalogue(set, langs[i], m, NULL);
        json_decref(m);
        if (rc != EG_OK)
            return -1;
    }
    return 0;
}

static int
teardown(void **state)
{
    (void)state;
    eg_tmpl_set_free(set);
    return 0;
}

/* Renders filter (a template name) with v = value in lang. */
static void
expect_lang(const char *filter, json_t *value, const char *lang, const char *want)
{
    json_t *c = json_object();
    if (value)
        json_object_set_new(c, "v", value);
    struct eg_buf out = EG_BUF_INIT(4096);
    assert_int_equal(eg_tmpl_render(set, filter, c, lang, &out), EG_OK);
    if (strcmp(eg_buf_str(&out), want) != 0)
        fail_msg("%s: got \"%s\", want \"%s\"", filter, eg_buf_str(&out), want);
    eg_buf_release(&out);
    json_decref(c);
}

static void
expect(const char *filter, json_t *value, const char *want)
{
    expect_lang(filter, value, "vi", want);
}

static void
test_date_across_the_day_boundary(void **state)
{
    (void)state;
    /* 2026-11-27T20:13Z is 03:13 on the 28th in Hà Nội. */
    expect("date", json_integer(1795810380000), "28/11/2026");
    expect("datetime", json_integer(1795810380000), "28/11/2026 03:13");
    expect("date", json_string("2026-11-27T20:13:00Z"), "28/11/2026");
    expect("datetime", json_string("2026-11-27T20:13Z"), "28/11/2026 03:13");
    expect("datetime", json_string("2026-11-27T20:13:00.123Z"), "28/11/2026 03:13");
    /* The last second of the 27th, and the first of the 28th, in UTC+7. */
    expect("datetime", json_integer(1795798799000), "27/11/2026 23:59");
    expect("datetime", json_integer(1795798799999), "27/11/2026 23:59");
    expect("datetime", json_integer(1795798800000), "28/11/2026 00:00");
    /* New year arrives at 17:00 UTC. */
    expect("datetime", json_integer(1767200400000), "01/01/2026 00:00");
    expect("datetime", json_integer(1767200399999), "31/12/2025 23:59");
    expect("datetime", json_string("2025-12-31T16:59:59Z"), "31/12/2025 23:59");
    /* Before 1970 too. */
    expect("datetime", json_integer(0), "01/01/1970 07:00");
    expect("datetime", json_integer(-1), "01/01/1970 06:59");
    expect("datetime", json_integer(-25201000), "31/12/1969 23:59");
    expect("date", json_integer(1709164800000), "29/02/2024");
}

static void
test_calendar_dates(void **state)
{
    (void)state;
    /* A plain date is a date: no time zone arithmetic. */
    expect("date", json_string("2026-11-27"), "27/11/2026");
    expect("datetime", json_string("2026-11-27"), "27/11/2026");
    expect("date", json_string("2024-02-29"), "29/02/2024");
    expect("date", json_string("2000-02-29"), "29/02/2000");
    expect("date", json_string("0001-01-01"), "01/01/0001");
    expect("date", json_string("9999-12-31"), "31/12/9999");
}

static void
test_dates_that_are_not(void **state)
{
    (void)state;
    /* What a filter cannot read prints like {{v}}: escaped, or nothing. */
    static const struct {
        const char *in, *out;
    } bad[] = {
        {"2023-02-29", "2023-02-29"},
        {"1900-02-29", "1900-02-29"},
        {"2026-13-01", "2026-13-01"},
        {"2026-00-10", "2026-00-10"},
        {"2026-04-31", "2026-04-31"},
        {"0000-01-01", "0000-01-01"},
        {"2026-1-1", "2026-1-1"},
        {"27/11/2026", "27/11/2026"},
        {"2026-11-27T20:13", "2026-11-27T20:13"},
        {"2026-11-27T24:00Z", "2026-11-27T24:00Z"},
        {"2026-11-27T20:60Z", "2026-11-27T20:60Z"},
        {"2026-11-27T20:13:60Z", "2026-11-27T20:13:60Z"},
        {"2026-11-27T20:13:00.Z", "2026-11-27T20:13:00.Z"},
        {"2026-11-27T20:13:00+07:00", "2026-11-27T20:13:00+07:00"},
        {"2026-11-27 20:13:00Z", "2026-11-27 20:13:00Z"},
        {"2026-11-27Z", "2026-11-27Z"},
        {"", ""},
        {"<b>2026-11-27</b>", "&lt;b&gt;2026-11-27&lt;/b&gt;"},
    };
    for (size_t i = 0; i < EG_ARRAY_LEN(bad); i++) {
        expect("date", json_string(bad[i].in), bad[i].out);
        expect("datetime", json_string(bad[i].in), bad[i].out);
    }
    expect("date", NULL, "");
    expect("date", json_null(), "");
    expect("date", json_true(), "");
    expect("date", json_real(1.5), "1.5");
    expect("date", json_object(), "");
    /* Far outside years 1..9999. */
    expect("date", json_integer(INT64_MAX), "9223372036854775807");
    expect("datetime", json_integer(INT64_MIN), "-9223372036854775808");
    expect("date", json_integer(253402300800000), "253402300800000"); /* 10000-01-01 */
    expect("date", json_integer(253402275599999), "31/12/9999");
}

static void
test_numbers(void **state)
{
    (void)state;
    static const struct {
        long long in;
        const char *vi, *en;
    } ints[] = {
        {0, "0", "0"},
        {7, "7", "7"},
        {999, "999", "999"},
        {1000, "1.000", "1,000"},
        {-1000, "-1.000", "-1,000"},
        {12345, "12.345", "12,345"},
        {123456, "123.456", "123,456"},
        {1234567, "1.234.567", "1,234,567"},
        {-999999, "-999.999", "-999,999"},
        {INT64_MAX, "9.223.372.036.854.775.807", "9,223,372,036,854,775,807"},
        {INT64_MIN, "-9.223.372.036.854.775.808", "-9,223,372,036,854,775,808"},
    };
    for (size_t i = 0; i < EG_ARRAY_LEN(ints); i++) {
        expect_lang("number", json_integer(ints[i].in), "vi", ints[i].vi);
        expect_lang("number", json_integer(ints[i].in), "en", ints[i].en);
    }
    /* No language, or one without a catalogue: Vietnamese. */
    expect_lang("number", json_integer(1234567), NULL, "1.234.567");
    expect_lang("number", json_integer(1234567), "fr", "1.234.567");
    expect_lang("number", json_real(1234.5), "vi", "1.234,5");
    expect_lang("number", json_real(1234.5), "en", "1,234.5");
    expect_lang("number", json_real(-0.25), "vi", "-0,25");
    expect_lang("number", json_real(0.1), "vi", "0,1");
    expect_lang("number", json_real(1234567.0), "vi", "1.234.567");
    /* Decimal strings (big integers from a database) are grouped; anything else is not. */
    expect_lang("number", json_string("1234567"), "vi", "1.234.567");
    expect_lang("number", json_string("-1234567.891"), "en", "-1,234,567.891");
    expect_lang("number", json_string("12345678901234567890123"), "vi",
                "12.345.678.901.234.567.890.123");
    static const char *const not_numbers[] = {"",      "-",  "1.", ".5",   "1e5",
                                              "1,000", " 1", "+1", "0x10", "1.2.3"};
    for (size_t i = 0; i < EG_ARRAY_LEN(not_numbers); i++)
        expect_lang("number", json_string(not_numbers[i]), "vi", not_numbers[i]);
    expect_lang("number", json_string("<1000>"), "vi", "&lt;1000&gt;");
    expect_lang("number", json_real(1e21), "vi", "1e+21");
    expect_lang("number", json_false(), "vi", "");
    expect_lang("number", NULL, "vi", "");
}

static void
test_urls(void **state)
{
    (void)state;
    static const struct {
        const char *in, *out;
    } ok[] = {
        {"https://dichvucong.gov.vn/p?x=1&y=2", "https://dichvucong.gov.vn/p?x&#61;1&amp;y&#61;2"},
        {"http://a.vn", "http://a.vn"},
        {"HTTPS://A.VN", "HTTPS://A.VN"},
        {"mailto:mot.cua@a.gov.vn", "mailto:mot.cua@a.gov.vn"},
        {"/ho-so/H41-0001", "/ho-so/H41-0001"},
        {"ho-so?q=a:b", "ho-so?q&#61;a:b"},
        {"./a:b", "./a:b"},
        {"#main", "#main"},
        {"?page=2", "?page&#61;2"},
        {"//cdn.example.vn/x.js", "//cdn.example.vn/x.js"},
        {"", ""},
        {"/tìm-kiếm?q=khai sinh", "/tìm-kiếm?q&#61;khai sinh"},
        {"\"><script>alert(1)</script>", "&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;"},
        {"jav&#x09;ascript:alert(1)", "jav&amp;#x09;ascript:alert(1)"},
    };
    for (size_t i = 0; i < EG_ARRAY_LEN(ok); i++) {
        char want[256];
        snprintf(want, sizeof(want), "<a href=\"%s\">", ok[i].out);
        expect("url", json_string(ok[i].in), want);
    }
    static const char *const refused[] = {
        "javascript:alert(1)",
        "JavaScript:alert(1)",
        "JAVASCRIPT:alert(document.cookie)",
        " javascript:alert(1)",
        "java\tscript:alert(1)",
        "java\nscript:alert(1)",
        "\x01javascript:alert(1)",
        "data:text/html,<script>alert(1)</script>",
        "vbscript:msgbox(1)",
        "file:///etc/passwd",
        "ftp://a.vn",
        "http :x",
        "https\t://a.vn",
        "https://a.vn/\x7f",
        "a:b",
        ":",
    };
    for (size_t i = 0; i < EG_ARRAY_LEN(refused); i++)
        expect("url", json_string(refused[i]), "<a href=\"#\">");
    static const char nul[] = "javascript\0:alert(1)";
    expect("url", json_stringn(nul, sizeof(nul) - 1), "<a href=\"#\">");
    /* Not a string: a link to nowhere. */
    expect("url", NULL, "<a href=\"#\">");
    expect("url", json_integer(5), "<a href=\"#\">");
    expect("url", json_null(), "<a href=\"#\">");
    expect("url", json_object(), "<a href=\"#\">");
    /* In a text template the link is checked but not escaped. */
    expect("url.txt", json_string("https://a.vn/?x=1&y=<2>"), "https://a.vn/?x=1&y=<2>");
    expect("url.txt", json_string("javascript:alert(1)"), "#");
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_date_across_the_day_boundary),
        cmocka_unit_test(test_calendar_dates),
        cmocka_unit_test(test_dates_that_are_not),
        cmocka_unit_test(test_numbers),
        cmocka_unit_test(test_urls),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
