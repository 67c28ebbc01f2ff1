/*
 * fuzz_tmpl.c - the template engine on arbitrary bytes, used two ways: as
 * template text rendered against a fixed hostile context, and as a hostile
 * context value (and catalogue message) printed by fixed templates.
 *
 * Invariants, for the input as a template:
 *  - compiling ends in EG_OK, or EG_EINVAL with a message "fuzz:LINE:COL: ...";
 *  - rendering (Vietnamese and English) ends in EG_OK, EG_ETOOBIG (output,
 *    nesting or work limit) or EG_ENOTFOUND (a partial that is not there),
 *    leaves the output buffer as it was on failure, and gives the same bytes
 *    when done twice;
 *  - none of the markup characters < > " ' ` = reaches the output unless the
 *    template text itself holds it, and no control character other than tab,
 *    CR and LF does: every context value (the fixed partials, layout and
 *    messages carry none of these) comes out escaped. In the plain-text (.txt)
 *    form only the control-character rule holds.
 * For the input as a value x (valid UTF-8, as jansson guarantees; invalid
 * input is sanitized first):
 *  - {{x}} prints exactly x escaped as docs/tmpl.md says (a model written
 *    here), so never a raw < from the context; eg_tmpl_escape agrees;
 *  - {{x|url}} prints "#" or escaped x, and then x has no control character
 *    and a browser would not read it as a javascript:, data: or vbscript: link;
 *  - date, datetime, number and a message with x as argument or as its text
 *    print no markup character at all.
 * Nothing is kept between runs: the set and the contexts are rebuilt each time.
 */
#include "fuzz.h"

#include "tmpl/tmpl.h"

#include <strings.h>

#define OUT_MAX ((size_t)64 * 1024)
#define STEPS_MAX 20000
#define MARKUP "<>\"'`="

/*
 * Partials a fuzzed template may call, and the messages: none holds a markup
 * or control character, so any in the output would be a value's.
 */
static const char *const partials[][2] = {
    {"p", "[{{x}}|{{n|number}}|{{when|datetime}}]"},
    {"rec", "{{#list}}({{name}}{{>rec}}){{/list}}"},
    {"layout", "({{$title}}T{{/title}}|{{$content}}C{{/content}}|{{@site.name}})"},
    {"item", "{{name}}: {{@msg name when|date}}"},
    {"mail.txt", "{{name}} {{url|url}}"},
};

/* Fixed templates printing the input as a value x. */
static const char *const value_templates[][2] = {
    {"v", "{{x}}"},
    {"v-url", "{{x|url}}"},
    {"v-attr", "<a title=\"{{x}}\" href=\"{{x|url}}\" data-d='{{x|datetime}}'>{{x|number}}</a>"},
    {"v-filters", "{{x|date}}|{{x|datetime}}|{{x|number}}|{{@msg x x}}|{{@fz n n}}"},
};

static const char hostile_json[] =
    "{\"x\":\"<script>alert(1)</script>\\\"'`=&\\u0001\\u007f\\u0000\","
    "\"name\":\"\\\"><img src=x onerror=alert(1)>\",\"q\":\"' onmouseover='alert(1)\","
    "\"url\":\"javascript:alert(1)\",\"url2\":\"https://a.vn/?a=1&b=<2>\","
    "\"n\":1234567,\"r\":-1234.5,\"when\":1795810380000,\"day\":\"2026-11-27\","
    "\"t\":true,\"f\":false,\"z\":null,\"e\":[],\"s\":\"\",\"raw_ok\":\"raw text & more\","
    "\"raw_n\":42,\"ctl\":\"\\u0002\\u001b\\r\\n\\t\","
    "\"list\":[{\"name\":\"<a>\"},{\"name\":\"'b'\",\"list\":[]},\"<c>\",5,null,[1,\"<d>\"]],"
    "\"obj\":{\"name\":\"<o>\",\"obj\":{\"name\":\"\\\"deep\\\"\",\"x\":\"`\"}}}";

static json_t *
load(const char *json)
{
    json_t *v = json_loads(json, JSON_ALLOW_NUL, NULL);
    FUZZ_CHECK(v != NULL);
    return v;
}

/*
 * The partials and the vi/en catalogues; with a message (the input as a
 * value), also the value templates and the message "fz" in vi.
 */
static struct eg_tmpl_set *
fixed_set(json_t *message)
{
    struct eg_tmpl_set *set = eg_tmpl_set_new();
    FUZZ_CHECK(set != NULL);
    eg_tmpl_set_max_steps(set, STEPS_MAX);
    for (size_t i = 0; i < EG_ARRAY_LEN(partials); i++) {
        const char *t = partials[i][1];
        FUZZ_CHECK(eg_tmpl_set_add(set, partials[i][0], t, strlen(t), NULL) == EG_OK);
    }
    for (size_t i = 0; message && i < EG_ARRAY_LEN(value_templates); i++) {
        const char *t = value_templates[i][1];
        FUZZ_CHECK(eg_tmpl_set_add(set, value_templates[i][0], t, strlen(t), NULL) == EG_OK);
    }
    json_t *vi = load("{\"site.name\":\"Cổng dịch vụ công tỉnh\",\"msg\":\"Hồ sơ {0} ngày {1}\","
                      "\"k\":\"{2}{1}{0}\"}");
    json_t *en = load("{\"site.name\":\"Provincial Public Service Portal\","
                      "\"msg\":\"Dossier {0} on {1}\",\"k\":\"{0}\"}");
    if (message)
        json_object_set(vi, "fz", message);
    FUZZ_CHECK(eg_tmpl_set_catalogue(set, "vi", vi, NULL) == EG_OK);
    FUZZ_CHECK(eg_tmpl_set_catalogue(set, "en", en, NULL) == EG_OK);
    json_decref(vi);
    json_decref(en);
    return set;
}

static bool
has_control(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if ((c < 0x20 && c != '\t' && c != '\n' && c != '\r') || c == 0x7f)
            return true;
    }
    return false;
}

static bool
has_byte(const char *s, size_t n, char c)
{
    return n > 0 && memchr(s, c, n) != NULL;
}

/* Renders name in lang; checks the result codes, failure atomicity and determinism. */
static enum eg_err
render(const struct eg_tmpl_set *set, const char *name, const json_t *ctx, const char *lang,
       struct eg_buf *out)
{
    FUZZ_CHECK(eg_buf_adds(out, "^") == EG_OK);
    enum eg_err rc = eg_tmpl_render(set, name, ctx, lang, out);
    FUZZ_CHECK(rc == EG_OK || rc == EG_ETOOBIG || rc == EG_ENOTFOUND);
    FUZZ_CHECK(out->len >= 1 && out->p[0] == '^');
    FUZZ_CHECK(strlen(eg_buf_str(out)) <= out->len);
    if (rc != EG_OK) {
        FUZZ_CHECK(out->len == 1);
    } else {
        struct eg_buf again = EG_BUF_INIT(out->max);
        FUZZ_CHECK(eg_buf_adds(&again, "^") == EG_OK);
        FUZZ_CHECK(eg_tmpl_render(set, name, ctx, lang, &again) == EG_OK);
        FUZZ_CHECK(fuzz_buf_eq(out, &again));
        eg_buf_release(&again);
    }
    return rc;
}

static void
as_template(const char *s, size_t n)
{
    json_t *ctx = load(hostile_json);
    struct eg_tmpl_set *set = fixed_set(NULL);
    struct eg_buf msg = EG_BUF_INIT(1024);
    static const char *const names[] = {"fuzz", "fuzz.txt"};
    for (size_t k = 0; k < EG_ARRAY_LEN(names); k++) {
        bool html = k == 0;
        enum eg_err rc = eg_tmpl_set_add(set, names[k], s, n, &msg);
        FUZZ_CHECK(rc == EG_OK || rc == EG_EINVAL || rc == EG_ETOOBIG);
        if (rc == EG_EINVAL) {
            FUZZ_CHECK(strncmp(eg_buf_str(&msg), names[k], strlen(names[k])) == 0);
            FUZZ_CHECK(msg.p[strlen(names[k])] == ':');
        }
        if (rc != EG_OK)
            continue;
        for (int l = 0; l < 2; l++) {
            struct eg_buf out = EG_BUF_INIT(OUT_MAX);
            if (render(set, names[k], ctx, l ? "en" : "vi", &out) == EG_OK) {
                const char *o = out.p + 1;
                size_t on = out.len - 1;
                if (!has_control(s, n))
                    FUZZ_CHECK(!has_control(o, on));
                for (const char *c = MARKUP; html && *c; c++)
                    if (!has_byte(s, n, *c))
                        FUZZ_CHECK(!has_byte(o, on, *c));
            }
            eg_buf_release(&out);
        }
    }
    (void)eg_tmpl_set_check(set, &msg);
    eg_buf_release(&msg);
    eg_tmpl_set_free(set);
    json_decref(ctx);
}

/* {{x}} as docs/tmpl.md defines it. */
static void
model_escape(const char *s, size_t n, struct eg_buf *out)
{
    static const char *const ent[][2] = {{"&", "&amp;"},   {"<", "&lt;"},  {">", "&gt;"},
                                         {"\"", "&quot;"}, {"'", "&#39;"}, {"`", "&#96;"},
                                         {"=", "&#61;"}};
    for (size_t i = 0; i < n; i++) {
        const char *r = NULL;
        for (size_t k = 0; k < EG_ARRAY_LEN(ent); k++)
            if (s[i] == ent[k][0][0])
                r = ent[k][1];
        if (has_control(s + i, 1))
            r = "\xef\xbf\xbd";
        if (r)
            FUZZ_CHECK(eg_buf_adds(out, r) == EG_OK);
        else
            FUZZ_CHECK(eg_buf_addc(out, s[i]) == EG_OK);
    }
}

/* What a browser does before reading the scheme: drop tab, CR, LF, leading controls and spaces. */
static bool
dangerous_link(const char *s, size_t n)
{
    static const char *const bad[] = {"javascript:", "data:", "vbscript:"};
    char b[32];
    size_t k = 0;
    for (size_t i = 0; i < n && k < sizeof(b) - 1; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '\t' || c == '\n' || c == '\r' || (k == 0 && c <= 0x20))
            continue;
        b[k++] = (char)c;
    }
    b[k] = '\0';
    for (size_t i = 0; i < EG_ARRAY_LEN(bad); i++)
        if (strncasecmp(b, bad[i], strlen(bad[i])) == 0)
            return true;
    return false;
}

static void
as_value(const char *s, size_t n)
{
    struct eg_buf clean = EG_BUF_INIT(n * 3 + 16);
    FUZZ_CHECK(eg_utf8_sanitize(s, n, &clean) == EG_OK);
    const char *v = eg_buf_str(&clean);
    size_t vn = clean.len;
    json_t *x = json_stringn(v, vn);
    FUZZ_CHECK(x != NULL);
    json_t *ctx = json_pack("{s:O,s:i}", "x", x, "n", 7);
    FUZZ_CHECK(ctx != NULL);
    struct eg_tmpl_set *set = fixed_set(x);
    size_t max = vn * 6 * 6 + 1024; /* v-filters prints x six times, each up to 6 bytes a byte */

    struct eg_buf out = EG_BUF_INIT(max), want = EG_BUF_INIT(max), esc = EG_BUF_INIT(max);
    FUZZ_CHECK(render(set, "v", ctx, "vi", &out) == EG_OK);
    FUZZ_CHECK(eg_buf_addc(&want, '^') == EG_OK);
    model_escape(v, vn, &want);
    FUZZ_CHECK(fuzz_buf_eq(&out, &want));
    FUZZ_CHECK(!has_byte(out.p, out.len, '<') && !has_control(out.p, out.len));
    FUZZ_CHECK(eg_buf_addc(&esc, '^') == EG_OK);
    FUZZ_CHECK(eg_tmpl_escape(v, vn, &esc) == EG_OK);
    FUZZ_CHECK(fuzz_buf_eq(&esc, &want));

    eg_buf_reset(&out);
    FUZZ_CHECK(render(set, "v-url", ctx, "en", &out) == EG_OK);
    if (strcmp(out.p, "^#") != 0 || strcmp(want.p, "^#") == 0) {
        FUZZ_CHECK(fuzz_buf_eq(&out, &want));
        FUZZ_CHECK(!has_control(v, vn));
        FUZZ_CHECK(!dangerous_link(v, vn));
    }

    static const char *const markup_free[] = {"v-filters", "v-attr"};
    for (size_t i = 0; i < EG_ARRAY_LEN(markup_free); i++) {
        for (int l = 0; l < 2; l++) {
            eg_buf_reset(&out);
            FUZZ_CHECK(render(set, markup_free[i], ctx, l ? "en" : "vi", &out) == EG_OK);
            const char *o = out.p + 1;
            size_t on = out.len - 1;
            FUZZ_CHECK(!has_control(o, on));
            if (i == 0) {
                for (const char *c = MARKUP; *c; c++)
                    FUZZ_CHECK(!has_byte(o, on, *c));
            } else {
                /* Only the template's own: 4 ", 2 ', 3 =, 2 <, 2 >. */
                size_t count[256] = {0};
                for (size_t j = 0; j < on; j++)
                    count[(unsigned char)o[j]]++;
                FUZZ_CHECK(count['"'] == 4 && count['\''] == 2 && count['='] == 3);
                FUZZ_CHECK(count['<'] == 2 && count['>'] == 2 && count['`'] == 0);
            }
        }
    }
    eg_buf_release(&out);
    eg_buf_release(&want);
    eg_buf_release(&esc);
    eg_tmpl_set_free(set);
    json_decref(ctx);
    json_decref(x);
    eg_buf_release(&clean);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    eg_log_setup(EG_LOG_ERROR, 2); /* limits reached are logged as warnings */
    as_template((const char *)data, size);
    as_value((const char *)data, size);
    return 0;
}
