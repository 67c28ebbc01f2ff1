/*
 * test_render.c - every construct of the template language, rendered: values
 * and their escaping in text and attribute positions, raw fields, sections over
 * arrays, objects, booleans and empty values, inverted sections, nested
 * contexts and dotted names, partials and their recursion limit, layouts with
 * blocks, comments, exact whitespace, Vietnamese bytes, plain-text templates,
 * and the limits (output max, nesting, work).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "tmpl/tmpl.h"

#include <stdlib.h>
#include <string.h>

static void
add(struct eg_tmpl_set *set, const char *name, const char *text)
{
    struct eg_buf msg = EG_BUF_INIT(1024);
    enum eg_err rc = eg_tmpl_set_add(set, name, text, strlen(text), &msg);
    if (rc != EG_OK)
        fail_msg("%s refused: %s", name, eg_buf_str(&msg));
    eg_buf_release(&msg);
}

static json_t *
ctx_of(const char *json)
{
    json_error_t err;
    json_t *v = json_loads(json, 0, &err);
    if (!v)
        fail_msg("bad test JSON: %s", err.text);
    return v;
}

/* Renders name with the JSON text ctx and compares with want. */
static void
expect(const struct eg_tmpl_set *set, const char *name, const char *ctx, const char *want)
{
    json_t *c = ctx ? ctx_of(ctx) : NULL;
    struct eg_buf out = EG_BUF_INIT(1 << 20);
    enum eg_err rc = eg_tmpl_render(set, name, c, "vi", &out);
    if (rc != EG_OK)
        fail_msg("%s: %s", name, eg_strerror(rc));
    assert_string_equal(eg_buf_str(&out), want);
    eg_buf_release(&out);
    json_decref(c);
}

/* A one-template set: text rendered with ctx must give want. */
static void
check(const char *text, const char *ctx, const char *want)
{
    struct eg_tmpl_set *set = eg_tmpl_set_new();
    assert_non_null(set);
    add(set, "t", text);
    expect(set, "t", ctx, want);
    eg_tmpl_set_free(set);
}

static void
test_text_and_values(void **state)
{
    (void)state;
    check("", NULL, "");
    check("plain text, } and { and }} alone", NULL, "plain text, } and { and }} alone");
    check("Hello {{name}}!", "{\"name\":\"world\"}", "Hello world!");
    check("[{{ name }}]", "{\"name\":\"x\"}", "[x]");
    check("[{{missing}}]", "{}", "[]");
    check("[{{a}}]", NULL, "[]");
    check("{{i}}|{{neg}}|{{r}}|{{r2}}|{{big}}",
          "{\"i\":1234567,\"neg\":-5,\"r\":0.1,\"r2\":1.5,"
          "\"big\":1e21}",
          "1234567|-5|0.1|1.5|1e+21");
    /* true, false, null, objects and arrays print nothing. */
    check("[{{t}}{{f}}{{n}}{{o}}{{a}}]",
          "{\"t\":true,\"f\":false,\"n\":null,\"o\":{\"k\":1},"
          "\"a\":[1,2]}",
          "[]");
    check("a{{! a comment, {{ with braces }}b", NULL, "ab");
    check("a{{!\n multi-line\n comment }}b", NULL, "ab");
}

static void
test_escaping_every_character(void **state)
{
    (void)state;
    static const struct {
        const char *in, *out;
    } cases[] = {
        {"&", "&amp;"}, {"<", "&lt;"},  {">", "&gt;"},  {"\\\"", "&quot;"},
        {"'", "&#39;"}, {"`", "&#96;"}, {"=", "&#61;"}, {"a/b:c;d", "a/b:c;d"},
    };
    struct eg_tmpl_set *set = eg_tmpl_set_new();
    add(set, "text", "<p>{{s}}</p>");
    add(set, "attr", "<a title=\"{{s}}\" data-x='{{s}}' class={{s}}>");
    for (size_t i = 0; i < EG_ARRAY_LEN(cases); i++) {
        char ctx[64], want[256];
        snprintf(ctx, sizeof(ctx), "{\"s\":\"x%sy\"}", cases[i].in);
        snprintf(want, sizeof(want), "<p>x%sy</p>", cases[i].out);
        expect(set, "text", ctx, want);
        snprintf(want, sizeof(want), "<a title=\"x%sy\" data-x='x%sy' class=x%sy>", cases[i].out,
                 cases[i].out, cases[i].out);
        expect(set, "attr", ctx, want);
    }
    eg_tmpl_set_free(set);
}

static void
test_hostile_strings(void **state)
{
    (void)state;
    struct eg_tmpl_set *set = eg_tmpl_set_new();
    add(set, "t", "<div title=\"{{s}}\">{{s}}</div><input value='{{s}}'>");
    json_t *c = json_object();
    static const char *const hostile[] = {
        "<script>alert(1)</script>",    "\"><img src=x onerror=alert(1)>",
        "' onmouseover='alert(1)",      "`-alert(1)-`",
        "</div><script>x</script><!--", "&lt;already-escaped&gt;",
    };
    for (size_t i = 0; i < EG_ARRAY_LEN(hostile); i++) {
        json_object_set_new(c, "s", json_string(hostile[i]));
        struct eg_buf out = EG_BUF_INIT(4096);
        assert_int_equal(eg_tmpl_render(set, "t", c, "vi", &out), EG_OK);
        const char *o = eg_buf_str(&out);
        /* The only markup characters left are the template's own. */
        size_t lt = 0, gt = 0, dq = 0, sq = 0, eq = 0;
        for (const char *p = o; *p; p++) {
            lt += *p == '<';
            gt += *p == '>';
            dq += *p == '"';
            sq += *p == '\'';
            eq += *p == '=';
            assert_true(*p != '`');
        }
        assert_int_equal(eq, 2);
        assert_int_equal(lt, 3);
        assert_int_equal(gt, 3);
        assert_int_equal(dq, 2);
        assert_int_equal(sq, 2);
        eg_buf_release(&out);
    }
    json_object_set_new(c, "s", json_string("<script>alert(1)</script>"));
    struct eg_buf out = EG_BUF_INIT(4096);
    assert_int_equal(eg_tmpl_render(set, "t", c, "vi", &out), EG_OK);
    assert_string_equal(eg_buf_str(&out),
                        "<div title=\"&lt;script&gt;alert(1)&lt;/script&gt;\">&lt;script&gt;alert("
                        "1)&lt;/script&gt;</div><input value='&lt;script&gt;alert(1)&lt;/"
                        "script&gt;'>");
    eg_buf_release(&out);
    json_decref(c);
    eg_tmpl_set_free(set);
}

static void
test_control_characters(void **state)
{
    (void)state;
    struct eg_tmpl_set *set = eg_tmpl_set_new();
    add(set, "t", "[{{s}}]");
    json_t *c = json_object();
    json_object_set_new(c, "s",
                        json_stringn("a\x01"
                                     "b\0c\td\ne\rf\x7fg\x1b",
                                     14));
    assert_non_null(json_object_get(c, "s"));
    struct eg_buf out = EG_BUF_INIT(4096);
    assert_int_equal(eg_tmpl_render(set, "t", c, "vi", &out), EG_OK);
    assert_int_equal(out.len, 2 + 14 + 4 * 2);
    assert_memory_equal(out.p,
                        "[a\xef\xbf\xbd"
                        "b\xef\xbf\xbd"
                        "c\td\ne\rf\xef\xbf\xbdg\xef\xbf\xbd]",
                        out.len);
    eg_buf_release(&out);
    json_decref(c);
    /* eg_tmpl_escape is what {{x}} does. */
    struct eg_buf e = EG_BUF_INIT(64);
    assert_int_equal(eg_tmpl_escape("<a href='x'>&\x02", 14, &e), EG_OK);
    assert_string_equal(eg_buf_str(&e), "&lt;a href&#61;&#39;x&#39;&gt;&amp;\xef\xbf\xbd");
    struct eg_buf small = EG_BUF_INIT(8);
    assert_int_equal(eg_buf_adds(&small, "ab"), EG_OK);
    assert_int_equal(eg_tmpl_escape("<<<<", 4, &small), EG_ETOOBIG);
    assert_string_equal(eg_buf_str(&small), "ab");
    eg_buf_release(&small);
    eg_buf_release(&e);
    eg_tmpl_set_free(set);
}

static void
test_raw(void **state)
{
    (void)state;
    check("{{{raw_svg}}}", "{\"raw_svg\":\"<svg><path d='M0'/></svg>\"}",
          "<svg><path d='M0'/></svg>");
    check("{{{ item.raw_html }}}|{{item.raw_html}}", "{\"item\":{\"raw_html\":\"<b>&</b>\"}}",
          "<b>&</b>|&lt;b&gt;&amp;&lt;/b&gt;");
    check("[{{{raw_n}}}{{{raw_missing}}}{{{raw_t}}}]", "{\"raw_n\":42,\"raw_t\":true}", "[42]");
}

static void
test_sections(void **state)
{
    (void)state;
    const char *data = "{\"items\":[{\"name\":\"a\"},{\"name\":\"b\"}],\"tags\":[\"x\",\"<y>\"],"
                       "\"user\":{\"name\":\"Lan\"},\"yes\":true,\"no\":false,\"empty\":[],"
                       "\"blank\":\"\",\"zero\":0,\"zr\":0.0,\"nil\":null,\"title\":\"T&\","
                       "\"one\":1,\"obj0\":{},\"rows\":[[1,2],[3]]}";
    check("{{#items}}[{{name}}]{{/items}}", data, "[a][b]");
    check("{{#tags}}<{{.}}>{{/tags}}", data, "<x><&lt;y&gt;>");
    check("{{#user}}{{name}}{{/user}}", data, "Lan");
    check("{{#yes}}yes{{/yes}}{{#no}}no{{/no}}", data, "yes");
    check("{{#empty}}E{{/empty}}{{#blank}}B{{/blank}}{{#zero}}Z{{/zero}}{{#zr}}R{{/zr}}"
          "{{#nil}}N{{/nil}}{{#missing}}M{{/missing}}",
          data, "");
    check("{{#title}}<h1>{{.}}</h1>{{/title}}", data, "<h1>T&amp;</h1>");
    check("{{#one}}[{{.}}]{{/one}}{{#obj0}}O{{/obj0}}", data, "[1]O");
    check("{{#rows}}({{#.}}{{.}},{{/.}}){{/rows}}", data, "(1,2,)(3,)");
    check("{{#user.name}}has name{{/user.name}}", data, "has name");
}

static void
test_inverted_sections(void **state)
{
    (void)state;
    const char *data = "{\"items\":[1],\"empty\":[],\"no\":false,\"yes\":true,\"blank\":\"\","
                       "\"zero\":0,\"nil\":null,\"obj\":{}}";
    check("{{^items}}I{{/items}}{{^yes}}Y{{/yes}}{{^obj}}O{{/obj}}", data, "");
    check("{{^empty}}E{{/empty}}{{^no}}N{{/no}}{{^blank}}B{{/blank}}{{^zero}}Z{{/zero}}"
          "{{^nil}}L{{/nil}}{{^missing}}M{{/missing}}",
          data, "ENBZLM");
    /* The usual pair. */
    check("{{#empty}}<li>{{.}}</li>{{/empty}}{{^empty}}<p>Chưa có hồ sơ.</p>{{/empty}}", data,
          "<p>Chưa có hồ sơ.</p>");
}

static void
test_nested_contexts(void **state)
{
    (void)state;
    const char *data =
        "{\"name\":\"outer\",\"site\":{\"org\":{\"name\":\"Sở Tư pháp\"}},"
        "\"items\":[{\"name\":\"a\",\"sub\":[{\"k\":1},{\"name\":\"s\"}]},{\"x\":1}],"
        "\"a\":{\"b\":\"outer-b\"},\"list\":[{\"a\":{\"c\":2}}]}";
    /* A name missing in the item is found in an outer context. */
    check("{{#items}}{{name}};{{/items}}", data, "a;outer;");
    check("{{#items}}{{#sub}}{{name}},{{/sub}}|{{/items}}", data, "a,s,||");
    /* Dotted names start where their first segment is found, then go down only. */
    check("{{#items}}{{site.org.name}};{{/items}}", data, "Sở Tư pháp;Sở Tư pháp;");
    check("{{#list}}[{{a.b}}][{{a.c}}]{{/list}}", data, "[][2]");
    check("{{a.b}}|{{a.b.c}}|{{name.x}}|{{.}}", data, "outer-b|||");
    check("{{#site.org}}{{name}}{{/site.org}}", data, "Sở Tư pháp");
}

static void
test_partials(void **state)
{
    (void)state;
    struct eg_tmpl_set *set = eg_tmpl_set_new();
    add(set, "partials/item", "<li>{{name}}</li>");
    add(set, "page", "<ul>{{#items}}{{> partials/item }}{{/items}}</ul>{{>partials/item}}");
    add(set, "tree", "{{name}}({{#children}}{{>tree}}{{/children}})");
    add(set, "loop", "x{{>loop}}");
    add(set, "ping", "{{>pong}}");
    add(set, "pong", "{{>ping}}");
    add(set, "broken", "a{{>nowhere}}b");
    expect(set, "page", "{\"name\":\"top\",\"items\":[{\"name\":\"a\"},{\"name\":\"<b>\"}]}",
           "<ul><li>a</li><li>&lt;b&gt;</li></ul><li>top</li>");
    expect(set, "tree",
           "{\"name\":\"r\",\"children\":[{\"name\":\"a\",\"children\":[{\"name\":\"b\","
           "\"children\":[]}]},{\"name\":\"c\",\"children\":[]}]}",
           "r(a(b())c())");
    assert_true(eg_tmpl_has(set, "partials/item"));
    assert_false(eg_tmpl_has(set, "partials/item.html"));

    /* Endless recursion stops at the partial limit; out is left as it was. */
    const char *const stuck[] = {"loop", "ping"};
    for (size_t i = 0; i < EG_ARRAY_LEN(stuck); i++) {
        struct eg_buf out = EG_BUF_INIT(1 << 20);
        assert_int_equal(eg_buf_adds(&out, "before"), EG_OK);
        assert_int_equal(eg_tmpl_render(set, stuck[i], NULL, NULL, &out), EG_ETOOBIG);
        assert_string_equal(eg_buf_str(&out), "before");
        eg_buf_release(&out);
    }
    struct eg_buf out = EG_BUF_INIT(1024);
    assert_int_equal(eg_tmpl_render(set, "broken", NULL, NULL, &out), EG_ENOTFOUND);
    assert_int_equal(out.len, 0);
    assert_int_equal(eg_tmpl_render(set, "no-such-page", NULL, NULL, &out), EG_ENOTFOUND);
    eg_buf_release(&out);
    eg_tmpl_set_free(set);
}

static void
test_partial_depth_allows_sixteen(void **state)
{
    (void)state;
    /* A chain of exactly EG_TMPL_MAX_PARTIALS partials renders; one more does not. */
    struct eg_tmpl_set *set = eg_tmpl_set_new();
    char name[16], text[64];
    for (int i = 0; i <= EG_TMPL_MAX_PARTIALS + 2; i++) {
        snprintf(name, sizeof(name), "p%d", i);
        snprintf(text, sizeof(text), "%d{{>p%d}}", i, i + 1);
        add(set, name, text);
    }
    add(set, "p19", "end");
    struct eg_buf out = EG_BUF_INIT(1024);
    snprintf(name, sizeof(name), "p%d", 3);
    assert_int_equal(eg_tmpl_render(set, name, NULL, NULL, &out), EG_OK);
    assert_string_equal(eg_buf_str(&out), "3456789101112131415161718end");
    eg_buf_reset(&out);
    assert_int_equal(eg_tmpl_render(set, "p2", NULL, NULL, &out), EG_ETOOBIG);
    eg_buf_release(&out);
    eg_tmpl_set_free(set);
}

static void
test_layouts(void **state)
{
    (void)state;
    struct eg_tmpl_set *set = eg_tmpl_set_new();
    add(set, "layout",
        "<!doctype html>\n<title>{{$title}}Cổng{{/title}}</title>\n"
        "<header>{{site}}</header>\n<main>{{$content}}{{/content}}</main>\n"
        "<footer>{{$footer}}f{{/footer}}</footer>\n");
    add(set, "home",
        "{{! the home page }}\n{{<layout}}\n  {{$title}}Trang chủ{{/title}}\n"
        "  {{! comments are fine here }}\n"
        "  {{$content}}<p>{{body}}</p>{{#items}}<i>{{.}}</i>{{/items}}{{/content}}\n"
        "{{/layout}}\n");
    add(set, "bare", "{{<layout}}{{/layout}}");
    expect(set, "home", "{\"site\":\"S\",\"body\":\"<b>\",\"items\":[1,2]}",
           "\n<!doctype html>\n<title>Trang chủ</title>\n<header>S</header>\n"
           "<main><p>&lt;b&gt;</p><i>1</i><i>2</i></main>\n<footer>f</footer>\n\n");
    expect(set, "bare", "{\"site\":\"S\"}",
           "<!doctype html>\n<title>Cổng</title>\n<header>S</header>\n<main></main>\n"
           "<footer>f</footer>\n");
    eg_tmpl_set_free(set);

    /* A layout filling another: the page's blocks win over the middle layout's. */
    set = eg_tmpl_set_new();
    add(set, "base", "[{{$title}}B{{/title}}|{{$content}}{{/content}}]");
    add(set, "mid",
        "{{<base}}{{$title}}M{{/title}}{{$content}}<nav/>{{$inner}}-{{/inner}}"
        "{{/content}}{{/base}}");
    add(set, "page", "{{<mid}}{{$inner}}{{x}}{{/inner}}{{$title}}P{{/title}}{{/mid}}");
    add(set, "page2", "{{<mid}}{{$inner}}only inner{{/inner}}{{/mid}}");
    expect(set, "page", "{\"x\":\"X\"}", "[P|<nav/>X]");
    expect(set, "page2", NULL, "[M|<nav/>only inner]");
    expect(set, "mid", NULL, "[M|<nav/>-]");

    /*
     * A layout used inside a fill, or in a partial, is filled only by its own
     * page: the outer page's blocks of the same name do not reach it.
     */
    add(set, "card", "<div>{{$content}}empty{{/content}}|{{$title}}card{{/title}}</div>");
    add(set, "widget", "{{<card}}{{$content}}w:{{x}}{{/content}}{{/card}}");
    add(set, "outer",
        "{{<base}}{{$title}}O{{/title}}{{$content}}{{>widget}}"
        "{{<card}}{{$title}}inline{{/title}}{{/card}}{{/content}}{{/base}}");
    add(set, "header", "<h>{{$title}}h{{/title}}</h>{{<card}}{{/card}}");
    add(set, "with-header",
        "{{<base}}{{$title}}W{{/title}}{{$content}}{{>header}}{{/content}}"
        "{{/base}}");
    expect(set, "outer", "{\"x\":\"X\"}", "[O|<div>w:X|card</div><div>empty|inline</div>]");
    /* Blocks in a layout's partials are the page's to fill; a layout in them is not. */
    expect(set, "with-header", NULL, "[W|<h>W</h><div>empty|card</div>]");
    eg_tmpl_set_free(set);
}

static void
test_whitespace_is_kept(void **state)
{
    (void)state;
    check("a\n  {{#x}}\n  b\n  {{/x}}\nc", "{\"x\":true}", "a\n  \n  b\n  \nc");
    check("a\n  {{#x}}\n  b\n  {{/x}}\nc", "{\"x\":false}", "a\n  \nc");
    check("\t{{! c }}\r\n {{v}} \n", "{\"v\":\" v \"}", "\t\r\n  v  \n");
    /* NUL bytes in a template are text like any other. */
    struct eg_tmpl_set *set = eg_tmpl_set_new();
    struct eg_buf msg = EG_BUF_INIT(256);
    assert_int_equal(eg_tmpl_set_add(set, "nul", "a\0b{{x}}", 8, &msg), EG_OK);
    struct eg_buf out = EG_BUF_INIT(64);
    assert_int_equal(eg_tmpl_render(set, "nul", NULL, NULL, &out), EG_OK);
    assert_int_equal(out.len, 3);
    assert_memory_equal(out.p, "a\0b", 3);
    eg_buf_release(&out);
    eg_buf_release(&msg);
    eg_tmpl_set_free(set);
}

static void
test_vietnamese_bytes(void **state)
{
    (void)state;
    /* NFC and NFD forms pass through untouched, in text, values and attributes. */
    check("Ủy ban nhân dân tỉnh — {{name}} <a title=\"{{name}}\">", "{\"name\":\"Nguyễn Thị Ánh\"}",
          "Ủy ban nhân dân tỉnh — Nguyễn Thị Ánh <a title=\"Nguyễn Thị Ánh\">");
    check("{{s}}", "{\"s\":\"Nguye\\u0302\\u0303n ho\\u0300a\"}",
          "Nguye\xcc\x82\xcc\x83n ho\xcc\x80"
          "a");
    check("{{s}}", "{\"s\":\"đĐ ư ơ ₫ 🇻🇳\"}", "đĐ ư ơ ₫ 🇻🇳");
}

static void
test_text_templates(void **state)
{
    (void)state;
    struct eg_tmpl_set *set = eg_tmpl_set_new();
    add(set, "mail/received.txt", "Kính gửi {{name}},\nMã hồ sơ: {{code}}\n{{link|url}}\n");
    add(set, "page", "{{>mail/received.txt}}");
    const char *data = "{\"name\":\"Ông A & Bà B <c>\",\"code\":\"H41\\u0001\","
                       "\"link\":\"javascript:x\"}";
    /* Nothing escaped in mail text; control characters still replaced; url still checked. */
    expect(set, "mail/received.txt", data,
           "Kính gửi Ông A & Bà B <c>,\nMã hồ sơ: H41\xef\xbf\xbd\n#\n");
    /* Escaping follows the template asked for: an HTML page escapes a text partial. */
    expect(set, "page", data,
           "Kính gửi Ông A &amp; Bà B &lt;c&gt;,\nMã hồ sơ: H41\xef\xbf\xbd\n#\n");
    eg_tmpl_set_free(set);
}

static void
test_output_max(void **state)
{
    (void)state;
    struct eg_tmpl_set *set = eg_tmpl_set_new();
    add(set, "t", "<p>{{s}}</p>");
    json_t *c = json_pack("{s:s}", "s", "<<<<<<<<");
    struct eg_buf out = EG_BUF_INIT(20);
    assert_int_equal(eg_buf_adds(&out, "pre:"), EG_OK);
    assert_int_equal(eg_tmpl_render(set, "t", c, NULL, &out), EG_ETOOBIG);
    assert_string_equal(eg_buf_str(&out), "pre:");
    /* Enough room: appended after what was there. */
    out.max = 4 + 3 + 32 + 4;
    assert_int_equal(eg_tmpl_render(set, "t", c, NULL, &out), EG_OK);
    assert_string_equal(eg_buf_str(&out), "pre:<p>&lt;&lt;&lt;&lt;&lt;&lt;&lt;&lt;</p>");
    /* One byte short. */
    eg_buf_reset(&out);
    out.max = 3 + 32 + 3;
    assert_int_equal(eg_tmpl_render(set, "t", c, NULL, &out), EG_ETOOBIG);
    assert_int_equal(out.len, 0);
    eg_buf_release(&out);
    json_decref(c);
    eg_tmpl_set_free(set);
}

static void
test_work_and_depth_limits(void **state)
{
    (void)state;
    struct eg_tmpl_set *set = eg_tmpl_set_new();
    add(set, "t", "{{#a}}{{#a}}{{#a}}{{#a}}.{{/a}}{{/a}}{{/a}}{{/a}}");
    add(set, "self", "{{#a}}{{>self}}{{/a}}");
    json_t *c = json_pack("{s:[iiiiiiiiii]}", "a", 1, 2, 3, 4, 5, 6, 7, 8, 9, 10);
    struct eg_buf out = EG_BUF_INIT(1 << 20);
    assert_int_equal(eg_tmpl_render(set, "t", c, NULL, &out), EG_OK);
    assert_int_equal(out.len, 10000);
    eg_buf_reset(&out);
    eg_tmpl_set_max_steps(set, 5000);
    assert_int_equal(eg_tmpl_render(set, "t", c, NULL, &out), EG_ETOOBIG);
    assert_int_equal(out.len, 0);
    eg_tmpl_set_max_steps(set, 0); /* back to the default */
    assert_int_equal(eg_tmpl_render(set, "t", c, NULL, &out), EG_OK);
    eg_buf_reset(&out);
    /* 10^16 paths through a recursive partial: stopped by a limit, not by patience. */
    assert_int_equal(eg_tmpl_render(set, "self", c, NULL, &out), EG_ETOOBIG);
    eg_buf_release(&out);
    json_decref(c);
    eg_tmpl_set_free(set);

    /* Sections nested EG_TMPL_MAX_NEST deep compile and render; the context stack holds. */
    char text[8192] = "";
    size_t n = 0;
    for (int i = 0; i < EG_TMPL_MAX_NEST; i++)
        n += (size_t)snprintf(text + n, sizeof(text) - n, "{{#o}}");
    n += (size_t)snprintf(text + n, sizeof(text) - n, "{{v}}");
    for (int i = 0; i < EG_TMPL_MAX_NEST; i++)
        n += (size_t)snprintf(text + n, sizeof(text) - n, "{{/o}}");
    check(text, "{\"o\":{\"o\":{}},\"v\":\"deep\"}", "deep");
}

int
main(void)
{
    eg_log_setup(EG_LOG_ERROR, 2); /* the limits tested here log warnings */
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_text_and_values),
        cmocka_unit_test(test_escaping_every_character),
        cmocka_unit_test(test_hostile_strings),
        cmocka_unit_test(test_control_characters),
        cmocka_unit_test(test_raw),
        cmocka_unit_test(test_sections),
        cmocka_unit_test(test_inverted_sections),
        cmocka_unit_test(test_nested_contexts),
        cmocka_unit_test(test_partials),
        cmocka_unit_test(test_partial_depth_allows_sixteen),
        cmocka_unit_test(test_layouts),
        cmocka_unit_test(test_whitespace_is_kept),
        cmocka_unit_test(test_vietnamese_bytes),
        cmocka_unit_test(test_text_templates),
        cmocka_unit_test(test_output_max),
        cmocka_unit_test(test_work_and_depth_limits),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
