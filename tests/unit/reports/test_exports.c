/*
 * test_exports.c - the report's exports on the fixed set (reportstest.h):
 * the CSV parses back (a small RFC 4180 reader here) to the same numbers,
 * names with quotes, commas and markup intact and formula-like text
 * defused; the XLSX is a zip whose xl/worksheets/sheet1.xml holds the same
 * numbers, the merged group headings and SUM formulas, and leaves no file
 * behind; the SVG charts are well-formed XML (python3's minidom when there
 * is one, a tag-balance check here always), accessible, and show a unit
 * named "<script>" as text; the JSON view and the download name.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "reports/reportstest.h"

static struct eg_report *
march(struct eg_db *db, enum eg_report_group g)
{
    struct eg_report_query q = {0};
    q.from = "2026-03-01";
    q.to = "2026-03-31";
    q.group = g;
    return rt_run(db, &q);
}

/* ---- CSV ---------------------------------------------------------------------------- */

#define CSV_MAX_FIELDS 32
#define CSV_MAX_RECORDS 64

struct csv {
    char *f[CSV_MAX_RECORDS][CSV_MAX_FIELDS];
    int nf[CSV_MAX_RECORDS];
    int n;
};

/* RFC 4180: fields separated by commas, records by CRLF, quoted fields double their quotes. */
static void
csv_parse(const char *p, struct csv *c)
{
    memset(c, 0, sizeof(*c));
    while (*p) {
        assert_true(c->n < CSV_MAX_RECORDS);
        int r = c->n++;
        for (;;) {
            assert_true(c->nf[r] < CSV_MAX_FIELDS);
            char *val = calloc(strlen(p) + 1, 1);
            assert_non_null(val);
            size_t k = 0;
            if (*p == '"') {
                p++;
                for (;;) {
                    if (*p == '\0')
                        fail_msg("unterminated quoted field");
                    if (*p == '"' && p[1] == '"') {
                        val[k++] = '"';
                        p += 2;
                    } else if (*p == '"') {
                        p++;
                        break;
                    } else {
                        val[k++] = *p++;
                    }
                }
            } else {
                while (*p && *p != ',' && *p != '\r' && *p != '\n') {
                    if (*p == '"')
                        fail_msg("a quote inside an unquoted field");
                    val[k++] = *p++;
                }
            }
            c->f[r][c->nf[r]++] = val;
            if (*p == ',') {
                p++;
                continue;
            }
            if (p[0] == '\r' && p[1] == '\n') {
                p += 2;
                break;
            }
            if (*p == '\0')
                break;
            fail_msg("record %d: a bare newline or junk after a quoted field: \"%.20s\"", r, p);
        }
    }
}

static void
csv_free(struct csv *c)
{
    for (int r = 0; r < c->n; r++)
        for (int i = 0; i < c->nf[r]; i++)
            free(c->f[r][i]);
}

static int64_t
num(const char *s)
{
    char *end = NULL;
    long long v = strtoll(s, &end, 10);
    if (!*s || *end)
        fail_msg("\"%s\" is not a whole number", s);
    return v;
}

static void
csv_matches(const struct eg_report *r, const struct csv *c, const char *const *names)
{
    assert_int_equal(c->n, (int)r->nrows + 2);
    assert_int_equal(c->nf[0], 3 + EG_RC_COUNT + 1);
    assert_string_equal(c->f[0][0], "STT");
    assert_contains(c->f[0][3], "(3) Tổng số hồ sơ tiếp nhận");
    assert_contains(c->f[0][10], "(10) Đã giải quyết: Quá hạn");
    assert_contains(c->f[0][15], "(15) ");
    assert_contains(c->f[0][17], "cân đối");
    for (size_t i = 0; i <= r->nrows; i++) {
        int k = (int)i + 1;
        const struct eg_report_row *row = i < r->nrows ? &r->rows[i] : &r->total;
        assert_int_equal(c->nf[k], 3 + EG_RC_COUNT + 1);
        if (i < r->nrows) {
            assert_int_equal(num(c->f[k][0]), (int64_t)i + 1);
            assert_string_equal(c->f[k][1], row->code);
            assert_string_equal(c->f[k][2], names ? names[i] : row->name);
        } else {
            assert_string_equal(c->f[k][0], "");
            assert_string_equal(c->f[k][2], "Tổng cộng");
        }
        for (int col = 0; col < EG_RC_COUNT; col++)
            assert_int_equal(num(c->f[k][3 + col]), row->v[col]);
        assert_int_equal(num(c->f[k][3 + EG_RC_COUNT]), 0);
    }
}

static void
test_csv(void **state)
{
    struct dbt *t = dbt_get(state);
    struct eg_report *r = march(t->db, EG_REPORT_BY_AGENCY);
    struct eg_buf out = EG_BUF_INIT(1 << 20);
    assert_int_equal(eg_report_csv(r, &out), EG_OK);
    const char *s = eg_buf_str(&out);
    assert_memory_equal(s, "\xEF\xBB\xBF", 3);
    assert_true(eg_utf8_valid(s, out.len));
    /* Every line ends with CRLF. */
    for (size_t i = 0; i < out.len; i++)
        if (s[i] == '\n')
            assert_true(i > 0 && s[i - 1] == '\r');
    assert_int_equal(s[out.len - 1], '\n');
    struct csv c;
    csv_parse(s + 3, &c);
    csv_matches(r, &c, NULL); /* the hostile name comes back as it was */
    assert_string_equal(c.f[3][2], HOSTILE_NAME);
    csv_free(&c);
    eg_report_free(r);

    /* By field: the formula-like name is defused with an apostrophe, quotes and comma kept. */
    r = march(t->db, EG_REPORT_BY_FIELD);
    eg_buf_reset(&out);
    assert_int_equal(eg_report_csv(r, &out), EG_OK);
    csv_parse(eg_buf_str(&out) + 3, &c);
    const char *names[2] = {"Hộ tịch", "'" FORMULA_NAME};
    csv_matches(r, &c, names);
    csv_free(&c);

    /* A buffer too small is refused and left as it was. */
    struct eg_buf small = EG_BUF_INIT(64);
    assert_int_equal(eg_buf_adds(&small, "keep"), EG_OK);
    assert_int_equal(eg_report_csv(r, &small), EG_ETOOBIG);
    assert_string_equal(eg_buf_str(&small), "keep");
    eg_buf_release(&small);
    eg_report_free(r);
    eg_buf_release(&out);
}

/* ---- XLSX --------------------------------------------------------------------------- */

static bool
have(const char *tool)
{
    char cmd[128];
    snprintf(cmd, sizeof(cmd), "command -v %s >/dev/null 2>&1", tool);
    return system(cmd) == 0;
}

static int
entries(const char *dir)
{
    DIR *d = opendir(dir);
    assert_non_null(d);
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL)
        n += strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0;
    closedir(d);
    return n;
}

static void
write_file(const char *path, const void *p, size_t n)
{
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(p, 1, n, f), n);
    assert_int_equal(fclose(f), 0);
}

/* One member of a zip through `unzip -p`, into out. */
static void
unzip_member(const char *zip, const char *member, struct eg_buf *out)
{
    char cmd[1024];
    snprintf(cmd, sizeof(cmd), "unzip -p '%s' '%s'", zip, member);
    FILE *p = popen(cmd, "r");
    assert_non_null(p);
    char chunk[8192];
    size_t n;
    while ((n = fread(chunk, 1, sizeof(chunk), p)) > 0)
        assert_int_equal(eg_buf_add(out, chunk, n), EG_OK);
    assert_int_equal(pclose(p), 0);
    assert_true(out->len > 0);
}

/* The cached value of cell ref ("D9") in sheet XML; its formula into fx if asked. */
static bool
cell(const char *xml, const char *ref, double *v, char *fx, size_t fxn)
{
    char open[32];
    snprintf(open, sizeof(open), "<c r=\"%s\"", ref);
    const char *c = strstr(xml, open);
    if (!c)
        return false;
    const char *gt = strchr(c, '>');
    assert_non_null(gt);
    if (gt[-1] == '/')
        return false; /* an empty cell */
    const char *end = strstr(c, "</c>");
    const char *vs = strstr(c, "<v>");
    if (!end || !vs || vs > end)
        return false;
    if (fx) {
        fx[0] = '\0';
        const char *f = strstr(c, "<f>");
        if (f && f < end) {
            const char *fe = strstr(f, "</f>");
            snprintf(fx, fxn, "%.*s", (int)(fe - f - 3), f + 3);
        }
    }
    *v = strtod(vs + 3, NULL);
    return true;
}

static void
test_xlsx(void **state)
{
    struct dbt *t = dbt_get(state);
    struct eg_report *r = march(t->db, EG_REPORT_BY_AGENCY);
    char tmp[512];
    snprintf(tmp, sizeof(tmp), "%s/scratch", t->dir);
    assert_int_equal(mkdir(tmp, 0700), 0);
    struct eg_buf out = EG_BUF_INIT(8 << 20);
    assert_int_equal(eg_report_xlsx(r, tmp, &out), EG_OK);
    assert_true(out.len > 1000);
    assert_memory_equal(out.p, "PK\x03\x04", 4);
    /* The zip ends with its central directory's end record. */
    bool eocd = false;
    for (size_t i = out.len - 22; i + 22 > out.len - 200 && !eocd; i--)
        eocd = memcmp(out.p + i, "PK\x05\x06", 4) == 0;
    assert_true(eocd);
    assert_int_equal(entries(tmp), 0); /* nothing left behind */

    /* A directory that does not exist: an error, the buffer untouched. */
    size_t before = out.len;
    assert_int_equal(eg_report_xlsx(r, "/nonexistent/egov-reports", &out), EG_EIO);
    assert_int_equal(out.len, before);

    if (!have("unzip")) {
        print_message(
            "unzip not installed (scripts/install-deps.sh test): zip contents not read\n");
        eg_buf_release(&out);
        eg_report_free(r);
        return;
    }
    char zip[512];
    snprintf(zip, sizeof(zip), "%s/report.xlsx", t->dir);
    write_file(zip, out.p, out.len);
    struct eg_buf sheet = EG_BUF_INIT(8 << 20), strings = EG_BUF_INIT(8 << 20);
    unzip_member(zip, "xl/worksheets/sheet1.xml", &sheet);
    unzip_member(zip, "xl/sharedStrings.xml", &strings);
    const char *x = eg_buf_str(&sheet);

    /* Data from row 9, columns D..Q are (3)..(16), R the balance formula. */
    for (size_t i = 0; i <= r->nrows; i++) {
        const struct eg_report_row *row = i < r->nrows ? &r->rows[i] : &r->total;
        int y = 9 + (int)i;
        for (int c = 0; c < EG_RC_COUNT; c++) {
            char ref[16], fx[64];
            snprintf(ref, sizeof(ref), "%c%d", 'D' + c, y);
            double v = -1;
            if (!cell(x, ref, &v, fx, sizeof(fx)))
                fail_msg("no value in %s", ref);
            assert_int_equal((int64_t)v, row->v[c]);
            if (i == r->nrows) {
                char want[32];
                snprintf(want, sizeof(want), "SUM(%c9:%c%d)", 'D' + c, 'D' + c, y - 1);
                assert_string_equal(fx, want);
            }
        }
        char ref[16], fx[64];
        double v = -1;
        snprintf(ref, sizeof(ref), "R%d", y);
        assert_true(cell(x, ref, &v, fx, sizeof(fx)));
        assert_true(v == 0);
        char want[128];
        snprintf(want, sizeof(want), "D%d-H%d-L%d-O%d-P%d-Q%d", y, y, y, y, y, y);
        assert_string_equal(fx, want);
    }
    /* STT is a number. */
    double v = 0;
    assert_true(cell(x, "A9", &v, NULL, 0));
    assert_true(v == 1);
    /* The form's merged group headings. */
    assert_contains(x, "<mergeCell ref=\"D5:G5\"/>");
    assert_contains(x, "<mergeCell ref=\"H5:K5\"/>");
    assert_contains(x, "<mergeCell ref=\"L5:N5\"/>");
    assert_contains(x, "<mergeCell ref=\"O5:Q5\"/>");
    assert_contains(x, "<mergeCell ref=\"E6:F6\"/>");
    const char *s = eg_buf_str(&strings);
    assert_contains(s, "Tiếp nhận");
    assert_contains(s, "Đã giải quyết");
    assert_contains(s, "Đang giải quyết");
    assert_contains(s, "Kỳ báo cáo: từ ngày 01/03/2026 đến ngày 31/03/2026");
    assert_contains(s, "&lt;script&gt;");
    assert_not_contains(s, "<script>");
    eg_buf_release(&sheet);
    eg_buf_release(&strings);
    eg_buf_release(&out);
    eg_report_free(r);
}

/* ---- SVG ---------------------------------------------------------------------------- */

/* Tags open and close in order; no markup outside the root; attributes quoted. */
static void
xml_balanced(const char *s)
{
    char stack[64][32];
    int depth = 0;
    bool rooted = false;
    for (const char *p = s; *p; p++) {
        if (*p != '<') {
            if (depth == 0 && *p != '\n' && *p != ' ')
                fail_msg("text outside the root: \"%.20s\"", p);
            continue;
        }
        const char *gt = strchr(p, '>');
        assert_non_null(gt);
        bool closing = p[1] == '/', empty = gt[-1] == '/';
        const char *name = p + 1 + closing;
        size_t n = strcspn(name, " />");
        assert_true(n > 0 && n < 32);
        /* Every quote in a tag is paired. */
        int quotes = 0;
        for (const char *q = p; q < gt; q++)
            quotes += *q == '"';
        assert_int_equal(quotes % 2, 0);
        if (closing) {
            assert_true(depth > 0);
            depth--;
            if (strlen(stack[depth]) != n || strncmp(stack[depth], name, n) != 0)
                fail_msg("</%.*s> closes <%s>", (int)n, name, stack[depth]);
        } else if (!empty) {
            assert_true(depth < 64);
            if (depth == 0) {
                assert_false(rooted);
                rooted = true;
            }
            snprintf(stack[depth++], 32, "%.*s", (int)n, name);
        }
        p = gt;
    }
    assert_int_equal(depth, 0);
    assert_true(rooted);
}

static void
svg_ok(struct dbt *t, const char *svg, const char *name)
{
    assert_true(strncmp(svg, "<svg xmlns=\"http://www.w3.org/2000/svg\"", 39) == 0);
    assert_contains(svg, "role=\"img\"");
    assert_contains(svg, "<title id=");
    assert_contains(svg, "<desc id=");
    assert_not_contains(svg, "<script");
    assert_not_contains(svg, "javascript:");
    assert_not_contains(svg, "href");
    assert_true(eg_utf8_valid(svg, strlen(svg)));
    xml_balanced(svg);
    if (!have("python3")) {
        print_message("python3 not installed: the XML parser check is skipped\n");
        return;
    }
    char path[512], cmd[1024];
    snprintf(path, sizeof(path), "%s/%s.svg", t->dir, name);
    write_file(path, svg, strlen(svg));
    snprintf(cmd, sizeof(cmd),
             "python3 -c 'import sys, xml.dom.minidom as m; d = m.parse(sys.argv[1]); "
             "assert d.documentElement.tagName == \"svg\"' '%s'",
             path);
    if (system(cmd) != 0)
        fail_msg("%s is not well-formed XML", path);
}

static size_t
count(const char *hay, const char *needle)
{
    size_t n = 0;
    for (const char *p = strstr(hay, needle); p; p = strstr(p + 1, needle))
        n++;
    return n;
}

static void
test_svg(void **state)
{
    struct dbt *t = dbt_get(state);
    struct eg_report *r = march(t->db, EG_REPORT_BY_AGENCY);
    struct eg_buf out = EG_BUF_INIT(1 << 20);
    assert_int_equal(eg_report_svg_outcomes(r, &out), EG_OK);
    const char *s = eg_buf_str(&out);
    svg_ok(t, s, "outcomes");
    /* The hostile unit is text, in the labels, the bar's title and the desc. */
    assert_true(count(s, "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#39;Sở&#39;") >=
                3);
    /* Three rows with results (Sở Xây dựng has none), most resolved first. */
    assert_int_equal(count(s, " hồ sơ đã giải quyết, trước hạn "), 3);
    assert_true(strstr(s, "Sở Tư pháp</text>") < strstr(s, "Phòng Hành chính tư pháp</text>"));
    /* The figures as text beside each bar, and a pattern per series. */
    assert_contains(s, ">7 (2 / 3 / 2)</text>");
    assert_contains(s, "Tổng cộng 9: trước hạn 3, đúng hạn 4, quá hạn 2.");
    assert_contains(s, "<pattern id=\"egr-o-stripes\"");
    assert_contains(s, "<pattern id=\"egr-o-dots\"");
    assert_contains(s, "Trước hạn</text>");

    eg_buf_reset(&out);
    assert_int_equal(eg_report_svg_months(r, &out), EG_OK);
    s = eg_buf_str(&out);
    svg_ok(t, s, "months");
    assert_contains(s, ">03/26</text>");
    assert_contains(s, ">15</text>"); /* March's bar: 8 online + 7 other */
    assert_contains(s, "Tháng 03/2026: 15 (trực tuyến 8, trực tiếp và khác 7).");
    eg_report_free(r);

    /* An empty year: still a chart, saying so; twelve months. */
    struct eg_report_query q = {0};
    q.from = "2020-01-01";
    q.to = "2020-12-31";
    r = rt_run(t->db, &q);
    eg_buf_reset(&out);
    assert_int_equal(eg_report_svg_outcomes(r, &out), EG_OK);
    svg_ok(t, eg_buf_str(&out), "empty-outcomes");
    assert_contains(eg_buf_str(&out), "Không có hồ sơ đã giải quyết trong kỳ.");
    eg_buf_reset(&out);
    assert_int_equal(eg_report_svg_months(r, &out), EG_OK);
    svg_ok(t, eg_buf_str(&out), "empty-months");
    assert_int_equal(count(eg_buf_str(&out), "<g><title>Tháng "), 12);
    eg_report_free(r);

    /* Five years by month: 60 bars, labels thinned out, still well-formed. */
    q.from = "2022-01-01";
    q.to = "2026-12-31";
    r = rt_run(t->db, &q);
    eg_buf_reset(&out);
    assert_int_equal(eg_report_svg_months(r, &out), EG_OK);
    svg_ok(t, eg_buf_str(&out), "long-months");
    assert_int_equal(count(eg_buf_str(&out), "<g><title>Tháng "), 60);
    eg_report_free(r);
    eg_buf_release(&out);
}

/* More groups than the chart draws: the 30 with most results, and the desc says so. */
static void
test_svg_many(void **state)
{
    struct dbt *t = dbt_get(state);
    int64_t unit = dbt_scalar(t->db, "SELECT id FROM org_unit WHERE code = '000.00.05.H41'");
    char codes[40][16];
    struct rt_dossier d[40 * 2];
    int n = 0;
    for (int i = 0; i < 40; i++) {
        snprintf(codes[i], sizeof(codes[i]), "9.%06d", i);
        /* Procedure i has 1 + i % 2 results. */
        for (int k = 0; k < 1 + i % 2; k++)
            d[n++] = (struct rt_dossier){unit,
                                         codes[i],
                                         "XD",
                                         "online",
                                         "result_ready",
                                         rt_local(2026, 3, 2, 9, 0),
                                         rt_due(2026, 3, 9),
                                         rt_local(2026, 3, 3 + i % 10, 9, 0),
                                         RT_NULL,
                                         RT_NULL,
                                         0};
    }
    struct eg_tx *tx = dbt_begin(t->db, EG_TX_WRITE);
    rt_insert(tx, d, n);
    assert_int_equal(eg_tx_commit(tx), EG_OK);
    struct eg_report *r = march(t->db, EG_REPORT_BY_PROCEDURE);
    assert_int_equal(r->nrows, 43);
    struct eg_buf out = EG_BUF_INIT(1 << 20);
    assert_int_equal(eg_report_svg_outcomes(r, &out), EG_OK);
    const char *s = eg_buf_str(&out);
    svg_ok(t, s, "many");
    assert_int_equal(count(s, " hồ sơ đã giải quyết, trước hạn "), 30);
    assert_contains(s, "Biểu đồ chỉ vẽ 30 trong 42 nhóm có hồ sơ đã giải quyết.");
    eg_buf_release(&out);
    eg_report_free(r);
}

/* ---- JSON and the file name -------------------------------------------------------- */

static void
test_json(void **state)
{
    struct dbt *t = dbt_get(state);
    struct eg_report_query q = {0};
    q.from = "2026-03-01";
    q.to = "2026-03-31";
    q.group = EG_REPORT_BY_AGENCY;
    q.rollup = true;
    q.agency = JUSTICE;
    struct eg_report *r = rt_run(t->db, &q);
    json_t *j = NULL;
    assert_int_equal(eg_report_json(r, &j), EG_OK);
    assert_non_null(j);
    assert_string_equal(json_string_value(json_object_get(j, "group")), "agency");
    assert_true(json_is_true(json_object_get(j, "rollup")));
    assert_true(json_is_true(json_object_get(j, "balanced")));
    json_t *period = json_object_get(j, "period");
    assert_string_equal(json_string_value(json_object_get(period, "from")), "2026-03-01");
    assert_string_equal(json_string_value(json_object_get(period, "label")),
                        "từ ngày 01/03/2026 đến ngày 31/03/2026");
    json_t *agency = json_object_get(json_object_get(j, "scope"), "agency");
    assert_string_equal(json_string_value(json_object_get(agency, "name")), "Sở Tư pháp");
    assert_true(json_is_null(json_object_get(json_object_get(j, "scope"), "field")));
    json_t *cols = json_object_get(j, "columns");
    assert_int_equal(json_array_size(cols), EG_RC_COUNT);
    assert_int_equal(json_integer_value(json_object_get(json_array_get(cols, 0), "number")), 3);
    json_t *rows = json_object_get(j, "rows");
    assert_int_equal(json_array_size(rows), 2);
    json_t *own = json_array_get(rows, 0);
    assert_string_equal(json_string_value(json_object_get(own, "code")), JUSTICE);
    assert_true(json_is_false(json_object_get(own, "subtree")));
    assert_int_equal(json_integer_value(json_object_get(own, "received")), 16);
    assert_int_equal(json_integer_value(json_object_get(own, "carried")), 4);
    assert_int_equal(json_integer_value(json_object_get(own, "pending_late")), 2);
    assert_int_equal(json_integer_value(json_object_get(own, "balance")), 0);
    assert_true(json_is_true(json_object_get(json_array_get(rows, 1), "subtree")));
    json_t *total = json_object_get(j, "total");
    assert_int_equal(json_integer_value(json_object_get(total, "received")), 17);
    assert_string_equal(json_string_value(json_object_get(total, "name")), "Tổng cộng");
    json_t *m = json_array_get(json_object_get(j, "months"), 0);
    assert_string_equal(json_string_value(json_object_get(m, "month")), "2026-03");
    assert_int_equal(json_integer_value(json_object_get(m, "received")), 13);
    struct eg_buf b = EG_BUF_INIT(1 << 20);
    assert_int_equal(eg_json_dump(j, &b), EG_OK);
    eg_buf_release(&b);
    json_decref(j);

    struct eg_buf name = EG_BUF_INIT(256);
    assert_int_equal(eg_report_filename(r, "xlsx", &name), EG_OK);
    assert_string_equal(eg_buf_str(&name), "bao-cao-tthc-2026-03-01-2026-03-31.xlsx");
    assert_int_equal(eg_report_filename(r, "x/y", &name), EG_EINVAL);
    assert_int_equal(eg_report_filename(r, "CSV", &name), EG_EINVAL);
    assert_int_equal(eg_report_filename(r, "", &name), EG_EINVAL);
    eg_buf_release(&name);
    eg_report_free(r);
    eg_report_free(NULL);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_prestate_setup_teardown(test_csv, rt_setup_fixed, dbt_teardown,
                                                 &dbt_kind_sqlite),
        cmocka_unit_test_prestate_setup_teardown(test_xlsx, rt_setup_fixed, dbt_teardown,
                                                 &dbt_kind_sqlite),
        cmocka_unit_test_prestate_setup_teardown(test_svg, rt_setup_fixed, dbt_teardown,
                                                 &dbt_kind_sqlite),
        cmocka_unit_test_prestate_setup_teardown(test_svg_many, rt_setup_fixed, dbt_teardown,
                                                 &dbt_kind_sqlite),
        DBT_BOTH(test_json, rt_setup_fixed),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
