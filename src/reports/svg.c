/*
 * svg.c - the report's charts as SVG drawn on the server: no script, no
 * external reference, so a page can inline them under a strict CSP and a
 * screen reader gets role="img", a <title>, a <desc> with every figure, and a
 * <title> per bar. The series differ by pattern (stripes, solid, dots) as
 * well as by colour, and every colour has at least 5:1 contrast with the
 * white background; all text is dark on white. Names are escaped (a unit
 * named "<script>" is text) and cut to a length that fits.
 */
#include "reports_int.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#define INK "#1a1a1a"
#define GRID "#c8c8c8"
#define C_EARLY "#1b7837"
#define C_ON_TIME "#2166ac"
#define C_LATE "#b2182b"
#define OUTCOME_ROWS_MAX 30
#define LABEL_CHARS 34

struct svg {
    struct eg_buf *out;
    enum eg_err rc;
};

static void put(struct svg *s, const char *fmt, ...) EG_PRINTF(2, 3);

static void
put(struct svg *s, const char *fmt, ...)
{
    if (s->rc != EG_OK)
        return;
    va_list ap;
    va_start(ap, fmt);
    s->rc = eg_buf_vprintf(s->out, fmt, ap);
    va_end(ap);
}

static void
esc(struct svg *s, const char *text)
{
    if (s->rc == EG_OK)
        s->rc = eg_report_xml_escape(s->out, text);
}

/* text cut to max characters, then escaped. */
static void
esc_cut(struct svg *s, const char *text, size_t max)
{
    struct eg_buf cut = EG_BUF_INIT(4 * max + 8);
    if (s->rc == EG_OK)
        s->rc = eg_report_utf8_cut(&cut, text, max);
    esc(s, eg_buf_str(&cut));
    eg_buf_release(&cut);
}

static void
open_svg(struct svg *s, const char *id, int w, int h, const char *title, const char *desc)
{
    put(s,
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" "
        "viewBox=\"0 0 %d %d\" role=\"img\" aria-labelledby=\"%s-title %s-desc\" "
        "font-family=\"DejaVu Sans, Arial, sans-serif\" font-size=\"12\">",
        w, h, w, h, id, id);
    put(s, "<title id=\"%s-title\">", id);
    esc(s, title);
    put(s, "</title><desc id=\"%s-desc\">", id);
    esc(s, desc);
    put(s, "</desc><rect width=\"%d\" height=\"%d\" fill=\"#ffffff\"/>", w, h);
}

/* Stripes, solid and dots: told apart without colour. */
static void
patterns(struct svg *s, const char *id, const char *striped, const char *dotted)
{
    put(s,
        "<defs><pattern id=\"%s-stripes\" width=\"6\" height=\"6\" "
        "patternUnits=\"userSpaceOnUse\" patternTransform=\"rotate(45)\">"
        "<rect width=\"6\" height=\"6\" fill=\"%s\"/>"
        "<rect width=\"2\" height=\"6\" fill=\"#ffffff\"/></pattern>",
        id, striped);
    if (dotted)
        put(s,
            "<pattern id=\"%s-dots\" width=\"6\" height=\"6\" patternUnits=\"userSpaceOnUse\">"
            "<rect width=\"6\" height=\"6\" fill=\"%s\"/>"
            "<circle cx=\"3\" cy=\"3\" r=\"1.4\" fill=\"#ffffff\"/></pattern>",
            id, dotted);
    put(s, "</defs>");
}

static void
legend_item(struct svg *s, int x, int y, const char *fill, const char *label)
{
    put(s,
        "<rect x=\"%d\" y=\"%d\" width=\"14\" height=\"14\" fill=\"%s\" stroke=\"" INK
        "\" stroke-width=\"0.5\"/><text x=\"%d\" y=\"%d\" fill=\"" INK "\">",
        x, y, fill, x + 19, y + 11);
    esc(s, label);
    put(s, "</text>");
}

static void
period_words(struct svg *s, const struct eg_report *r, struct eg_buf *b)
{
    if (s->rc == EG_OK)
        s->rc = eg_report_period_label(r, b);
}

/* ---- outcomes: early / on time / late per group ----------------------------------- */

/* Row indexes by resolved, most first, ties in report order. */
static int
by_resolved(const void *a, const void *b, const struct eg_report *r)
{
    size_t i = *(const size_t *)a, j = *(const size_t *)b;
    int64_t x = r->rows[i].v[EG_RC_RESOLVED], y = r->rows[j].v[EG_RC_RESOLVED];
    if (x != y)
        return x > y ? -1 : 1;
    return i < j ? -1 : i > j;
}

static void
pick_rows(const struct eg_report *r, size_t *idx, size_t *n)
{
    /* Insertion into a sorted top list: at most OUTCOME_ROWS_MAX kept, no allocation. */
    *n = 0;
    for (size_t i = 0; i < r->nrows; i++) {
        if (r->rows[i].v[EG_RC_RESOLVED] <= 0)
            continue;
        size_t k = *n < OUTCOME_ROWS_MAX ? (*n)++ : OUTCOME_ROWS_MAX;
        if (k == OUTCOME_ROWS_MAX) {
            if (by_resolved(&i, &idx[k - 1], r) >= 0)
                continue;
            k--;
        }
        while (k > 0 && by_resolved(&i, &idx[k - 1], r) < 0) {
            idx[k] = idx[k - 1];
            k--;
        }
        idx[k] = i;
    }
}

static void
outcome_desc(struct svg *s, const struct eg_report *r, const size_t *idx, size_t n,
             size_t with_resolved, struct eg_buf *d)
{
    enum eg_err rc =
        eg_buf_printf(d, "Hồ sơ đã giải quyết theo %s, ", eg_report_group_title(&r->query));
    if (rc == EG_OK)
        rc = eg_report_period_label(r, d);
    if (rc == EG_OK)
        rc = eg_buf_printf(d,
                           ". Tổng cộng %" PRId64 ": trước hạn %" PRId64 ", đúng hạn %" PRId64
                           ", quá hạn %" PRId64 ".",
                           r->total.v[EG_RC_RESOLVED], r->total.v[EG_RC_EARLY],
                           r->total.v[EG_RC_ON_TIME], r->total.v[EG_RC_LATE]);
    for (size_t i = 0; rc == EG_OK && i < n; i++) {
        const struct eg_report_row *row = &r->rows[idx[i]];
        rc = eg_buf_printf(d,
                           " %s: %" PRId64 " (trước hạn %" PRId64 ", đúng hạn %" PRId64
                           ", quá hạn %" PRId64 ").",
                           row->name, row->v[EG_RC_RESOLVED], row->v[EG_RC_EARLY],
                           row->v[EG_RC_ON_TIME], row->v[EG_RC_LATE]);
    }
    if (rc == EG_OK && with_resolved > n)
        rc = eg_buf_printf(d, " Biểu đồ chỉ vẽ %zu trong %zu nhóm có hồ sơ đã giải quyết.", n,
                           with_resolved);
    if (rc == EG_OK && n == 0)
        rc = eg_buf_adds(d, " Không có hồ sơ đã giải quyết trong kỳ.");
    if (rc != EG_OK)
        s->rc = rc;
}

static void
outcome_bar(struct svg *s, const struct eg_report_row *row, int y, int x0, int width, int64_t max)
{
    static const struct {
        enum eg_report_col col;
        const char *fill, *name;
    } seg[3] = {
        {EG_RC_EARLY, "url(#egr-o-stripes)", "trước hạn"},
        {EG_RC_ON_TIME, C_ON_TIME, "đúng hạn"},
        {EG_RC_LATE, "url(#egr-o-dots)", "quá hạn"},
    };
    put(s, "<g><title>");
    esc(s, row->name);
    put(s,
        ": %" PRId64 " hồ sơ đã giải quyết, trước hạn %" PRId64 ", đúng hạn %" PRId64
        ", quá hạn %" PRId64 "</title>",
        row->v[EG_RC_RESOLVED], row->v[EG_RC_EARLY], row->v[EG_RC_ON_TIME], row->v[EG_RC_LATE]);
    put(s, "<text x=\"%d\" y=\"%d\" text-anchor=\"end\" fill=\"" INK "\">", x0 - 6, y + 12);
    esc_cut(s, row->name, LABEL_CHARS);
    put(s, "</text>");
    /* Positions from cumulative sums, so rounding never makes the bar overshoot. */
    int64_t acc = 0;
    int prev = x0;
    if (max <= 0)
        max = 1; /* only rows with results are drawn; this keeps the division safe */
    for (int k = 0; k < 3; k++) {
        acc += row->v[seg[k].col];
        int end = x0 + (int)(acc * width / max);
        if (end > prev)
            put(s,
                "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"16\" fill=\"%s\" "
                "stroke=\"#ffffff\" stroke-width=\"1\"><title>%s: %" PRId64 "</title></rect>",
                prev, y, end - prev, seg[k].fill, seg[k].name, row->v[seg[k].col]);
        prev = end;
    }
    put(s,
        "<text x=\"%d\" y=\"%d\" fill=\"" INK "\">%" PRId64 " (%" PRId64 " / %" PRId64 " / %" PRId64
        ")</text></g>",
        prev + 6, y + 12, row->v[EG_RC_RESOLVED], row->v[EG_RC_EARLY], row->v[EG_RC_ON_TIME],
        row->v[EG_RC_LATE]);
}

enum eg_err
eg_report_svg_outcomes(const struct eg_report *r, struct eg_buf *out)
{
    size_t mark = out->len;
    struct svg s = {out, EG_OK};
    size_t idx[OUTCOME_ROWS_MAX], n = 0, with_resolved = 0;
    pick_rows(r, idx, &n);
    for (size_t i = 0; i < r->nrows; i++)
        with_resolved += r->rows[i].v[EG_RC_RESOLVED] > 0;
    int64_t max = 0;
    for (size_t i = 0; i < n; i++)
        if (r->rows[idx[i]].v[EG_RC_RESOLVED] > max)
            max = r->rows[idx[i]].v[EG_RC_RESOLVED];

    const int w = 820, x0 = 260, bar_w = 380, top = 64, step = 26;
    int h = top + (int)(n ? n : 1) * step + 16;
    struct eg_buf title = EG_BUF_INIT(1024), desc = EG_BUF_INIT((size_t)256 * 1024);
    if (eg_buf_printf(&title, "Kết quả giải quyết hồ sơ theo %s",
                      eg_report_group_title(&r->query)) != EG_OK)
        s.rc = EG_ENOMEM;
    outcome_desc(&s, r, idx, n, with_resolved, &desc);
    open_svg(&s, "egr-o", w, h, eg_buf_str(&title), eg_buf_str(&desc));
    patterns(&s, "egr-o", C_EARLY, C_LATE);

    put(&s, "<text x=\"10\" y=\"20\" font-size=\"14\" font-weight=\"bold\" fill=\"" INK "\">");
    esc(&s, eg_buf_str(&title));
    put(&s, ", ");
    eg_buf_reset(&title);
    period_words(&s, r, &title);
    esc(&s, eg_buf_str(&title));
    put(&s, "</text>");
    legend_item(&s, 10, 34, "url(#egr-o-stripes)", "Trước hạn");
    legend_item(&s, 110, 34, C_ON_TIME, "Đúng hạn");
    legend_item(&s, 210, 34, "url(#egr-o-dots)", "Quá hạn");
    put(&s, "<text x=\"320\" y=\"45\" fill=\"" INK "\">");
    esc(&s, "Số ghi: tổng (trước hạn / đúng hạn / quá hạn)");
    put(&s, "</text>");

    if (n == 0) {
        put(&s, "<text x=\"10\" y=\"%d\" fill=\"" INK "\">", top + 14);
        esc(&s, "Không có hồ sơ đã giải quyết trong kỳ.");
        put(&s, "</text>");
    }
    for (size_t i = 0; i < n; i++)
        outcome_bar(&s, &r->rows[idx[i]], top + (int)i * step, x0, bar_w, max);
    put(&s, "</svg>");
    eg_buf_release(&title);
    eg_buf_release(&desc);
    if (s.rc != EG_OK && out->p) {
        out->len = mark;
        out->p[mark] = '\0';
    }
    return s.rc;
}

/* ---- received per month ------------------------------------------------------------- */

/* A round step (1, 2, 5 x 10^k) giving at most 5 grid lines up to max. */
static int64_t
nice_step(int64_t max)
{
    int64_t step = 1;
    for (;;) {
        static const int mult[3] = {1, 2, 5};
        for (int i = 0; i < 3; i++)
            if (step * mult[i] * 5 >= max)
                return step * mult[i];
        step *= 10;
    }
}

static void
months_desc(struct svg *s, const struct eg_report *r, struct eg_buf *d)
{
    enum eg_err rc = eg_buf_adds(d, "Hồ sơ tiếp nhận mới theo tháng, ");
    if (rc == EG_OK)
        rc = eg_report_period_label(r, d);
    if (rc == EG_OK)
        rc = eg_buf_adds(d, ".");
    for (size_t i = 0; rc == EG_OK && i < r->nmonths; i++) {
        const struct eg_report_month *m = &r->months[i];
        rc = eg_buf_printf(d,
                           " Tháng %02d/%04d: %" PRId64 " (trực tuyến %" PRId64
                           ", trực tiếp và khác %" PRId64 ").",
                           m->month, m->year, m->online + m->direct, m->online, m->direct);
    }
    if (rc != EG_OK)
        s->rc = rc;
}

enum eg_err
eg_report_svg_months(const struct eg_report *r, struct eg_buf *out)
{
    size_t mark = out->len;
    struct svg s = {out, EG_OK};
    int n = (int)r->nmonths;
    int slot = n > 0 ? 600 / n : 60;
    slot = slot > 60 ? 60 : slot < 10 ? 10 : slot;
    const int left = 64, top = 64, plot_h = 200;
    int w = left + n * slot + 24;
    if (w < 640)
        w = 640; /* room for the title line */
    int base = top + plot_h, h = base + 40;
    int64_t max = 0;
    for (int i = 0; i < n; i++)
        if (r->months[i].online + r->months[i].direct > max)
            max = r->months[i].online + r->months[i].direct;
    int64_t step = nice_step(max > 0 ? max : 1);
    int64_t top_v = ((max + step - 1) / step) * step;
    if (top_v == 0)
        top_v = step;

    struct eg_buf desc = EG_BUF_INIT((size_t)64 * 1024), period = EG_BUF_INIT(256);
    months_desc(&s, r, &desc);
    open_svg(&s, "egr-m", w, h, "Hồ sơ tiếp nhận theo tháng", eg_buf_str(&desc));
    patterns(&s, "egr-m", C_EARLY, NULL);
    put(&s, "<text x=\"10\" y=\"20\" font-size=\"14\" font-weight=\"bold\" fill=\"" INK "\">");
    esc(&s, "Hồ sơ tiếp nhận theo tháng, ");
    period_words(&s, r, &period);
    esc(&s, eg_buf_str(&period));
    put(&s, "</text>");
    legend_item(&s, 10, 34, "url(#egr-m-stripes)", "Trực tuyến");
    legend_item(&s, 120, 34, C_ON_TIME, "Trực tiếp, bưu chính, điện thoại, fax");

    /* Grid and axis values. */
    for (int64_t v = 0; v <= top_v; v += step) {
        int y = base - (int)(v * plot_h / top_v);
        put(&s,
            "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"" GRID "\"/>"
            "<text x=\"%d\" y=\"%d\" text-anchor=\"end\" fill=\"" INK "\">%" PRId64 "</text>",
            left, y, left + n * slot, y, left - 6, y + 4, v);
    }
    int every = (40 + slot - 1) / slot; /* a month label needs about 40 px */
    for (int i = 0; i < n; i++) {
        const struct eg_report_month *m = &r->months[i];
        int64_t total = m->online + m->direct;
        int x = left + i * slot + slot / 6, bw = slot - slot / 3;
        int y_direct = base - (int)(m->direct * plot_h / top_v);
        int y_total = base - (int)(total * plot_h / top_v);
        put(&s,
            "<g><title>Tháng %02d/%04d: %" PRId64 " hồ sơ, trực tuyến %" PRId64
            ", trực tiếp và khác %" PRId64 "</title>",
            m->month, m->year, total, m->online, m->direct);
        if (base > y_direct)
            put(&s,
                "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"" C_ON_TIME
                "\" stroke=\"#ffffff\" stroke-width=\"1\"/>",
                x, y_direct, bw, base - y_direct);
        if (y_direct > y_total)
            put(&s,
                "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"url(#egr-m-stripes)\""
                " stroke=\"#ffffff\" stroke-width=\"1\"/>",
                x, y_total, bw, y_direct - y_total);
        if (slot >= 24)
            put(&s,
                "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\" fill=\"" INK "\">%" PRId64
                "</text>",
                x + bw / 2, y_total - 4, total);
        if (i % every == 0)
            put(&s,
                "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\" fill=\"" INK "\">%02d/%02d</text>",
                left + i * slot + slot / 2, base + 16, m->month, m->year % 100);
        put(&s, "</g>");
    }
    put(&s, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"" INK "\"/></svg>", left, base,
        left + n * slot, base);
    eg_buf_release(&desc);
    eg_buf_release(&period);
    if (s.rc != EG_OK && out->p) {
        out->len = mark;
        out->p[mark] = '\0';
    }
    return s.rc;
}
