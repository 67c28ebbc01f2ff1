/*
 * flow.c - text preparation, line breaking, and the blocks of a document.
 *
 * Text goes through pdf_prepare() (NFC, optional upper case, white space
 * collapsed, control characters dropped), then pdf_wrap() breaks it into
 * lines by measured width, and a block-specific callback draws each line.
 * libharu draws TrueType text without kerning, so the width of a line is the
 * sum of the widths of its words and spaces: each word is measured once.
 */
#include <string.h>

#include <utf8proc.h>

#include "pdf/pdf_int.h"

#define MM (72.0 / 25.4)
#define LEADING 1.25     /* line height / font size: between single and 1.5 lines */
#define FILL_LEADING 1.5 /* dotted lines for handwriting get more room */
#define MIN_LEADER (20.0 * MM)
#define BOX 0.72     /* a check box, in font sizes */
#define BOX_GAP 0.35 /* between a box and its label */
#define ITEM_GAP 1.4 /* between two check boxes on one line */
#define CHAR_BOX 1.2 /* a box for one character */
#define MAX_EXTRA_LINES 50
#define MAX_CHAR_BOXES 32

double
pdf_leading(double size)
{
    return size * LEADING;
}

double
pdf_base_offset(const struct eg_pdf *d, double size)
{
    double height = (d->ascent - d->descent) / 1000.0;
    double pad = (LEADING - height) / 2;
    if (pad < 0)
        pad = 0;
    return (pad + d->ascent / 1000.0) * size;
}

/* Starts a line of the given leading size: a new page when it does not fit. */
static enum eg_err
line_new_lead(struct eg_pdf *d, double size, double lead)
{
    if (d->err != EG_OK)
        return d->err;
    if (d->y - lead < d->mb - 0.01) {
        enum eg_err rc = pdf_new_page(d);
        if (rc != EG_OK)
            return rc;
    }
    d->base = d->y - pdf_base_offset(d, size) - (lead - pdf_leading(size)) / 2;
    d->y -= lead;
    d->x = d->ml;
    d->line_size = size;
    return EG_OK;
}

enum eg_err
pdf_line_new(struct eg_pdf *d, double size)
{
    return line_new_lead(d, size, pdf_leading(size));
}

/* ---- preparing text ------------------------------------------------------------- */

static bool
is_space(utf8proc_int32_t c)
{
    if (c == ' ' || c == '\t' || c == '\v' || c == '\f')
        return true;
    /* Other spaces break lines too, except the no-break ones. */
    return c != 0xA0 && c != 0x2007 && c != 0x202F && utf8proc_category(c) == UTF8PROC_CATEGORY_ZS;
}

static bool
is_dropped(utf8proc_int32_t c)
{
    /* Controls, and invisible characters a font may draw as a box. */
    return utf8proc_category(c) == UTF8PROC_CATEGORY_CC || c == 0xAD || c == 0x200B ||
           c == 0x200C || c == 0x200D || c == 0x2060 || c == 0xFEFF;
}

enum eg_err
pdf_prepare(struct eg_pdf *d, const char *text, unsigned flags, struct eg_buf *out)
{
    if (d->err != EG_OK)
        return d->err;
    if (text == NULL)
        return pdf_fail(d, EG_EINVAL, "no text");
    size_t n = strlen(text);
    if (n > EG_PDF_TEXT_MAX)
        return pdf_fail(d, EG_ETOOBIG, "a text of %zu bytes (at most %u)", n,
                        (unsigned)EG_PDF_TEXT_MAX);
    eg_buf_reset(&d->tmp);
    enum eg_err rc = eg_text_nfc(text, n, &d->tmp);
    if (rc == EG_EINVAL)
        return pdf_fail(d, rc, "the text is not valid UTF-8");
    if (rc != EG_OK)
        return pdf_fail(d, rc, "normalising text: %s", eg_strerror(rc));

    eg_buf_reset(out);
    const utf8proc_uint8_t *p = (const utf8proc_uint8_t *)d->tmp.p;
    utf8proc_ssize_t left = (utf8proc_ssize_t)d->tmp.len;
    bool space = false;
    bool line_start = true;
    while (left > 0 && rc == EG_OK) {
        utf8proc_int32_t c;
        utf8proc_ssize_t k = utf8proc_iterate(p, left, &c);
        if (k <= 0)
            return pdf_fail(d, EG_EINVAL, "the text is not valid UTF-8");
        p += k;
        left -= k;
        if (c == '\r' && left > 0 && *p == '\n')
            continue;
        if (c == '\r' || c == '\n' || c == 0x2028 || c == 0x2029) {
            rc = eg_buf_addc(out, '\n');
            space = false;
            line_start = true;
            continue;
        }
        if (is_space(c)) {
            space = !line_start;
            continue;
        }
        if (is_dropped(c))
            continue;
        if (flags & EG_PDF_UPPER)
            c = utf8proc_toupper(c);
        if (space)
            rc = eg_buf_addc(out, ' ');
        utf8proc_uint8_t enc[4];
        utf8proc_ssize_t m = utf8proc_encode_char(c, enc);
        if (rc == EG_OK)
            rc = eg_buf_add(out, enc, (size_t)m);
        space = false;
        line_start = false;
    }
    if (rc != EG_OK)
        return pdf_fail(d, rc, "preparing text: %s", eg_strerror(rc));
    return EG_OK;
}

/* ---- breaking lines ------------------------------------------------------------- */

static size_t
next_char(const char *s, size_t i, size_t n)
{
    i++;
    while (i < n && ((unsigned char)s[i] & 0xC0) == 0x80)
        i++;
    return i;
}

/*
 * The longest piece of the word at s[pos..end) that fits in avail (at least
 * one character, so a narrow column still makes progress).
 */
static enum eg_err
break_word(struct eg_pdf *d, int v, double size, const char *s, size_t pos, size_t end,
           double avail, size_t *fit, double *fitw)
{
    size_t r = pos;
    double w = 0;
    while (r < end && s[r] != ' ') {
        size_t r2 = next_char(s, r, end);
        double cw;
        enum eg_err rc = pdf_width(d, v, size, s + r, r2 - r, &cw);
        if (rc != EG_OK)
            return rc;
        if (w + cw > avail && r > pos)
            break;
        w += cw;
        r = r2;
    }
    *fit = r;
    *fitw = w;
    return EG_OK;
}

/* One hard line s[a..b); *idx counts lines across the whole text. */
static enum eg_err
wrap_para(struct eg_pdf *d, int v, double size, const char *s, size_t a, size_t b,
          const struct pdf_widths *ws, double space_w, pdf_line_fn fn, void *ctx, int *idx)
{
    enum eg_err rc = EG_OK;
    if (a == b) {
        struct pdf_line ln = {a, 0, 0, true, true};
        return fn(d, ctx, s, &ln, (*idx)++);
    }
    size_t pos = a;
    bool first = true;
    while (pos < b && rc == EG_OK) {
        double avail = *idx == 0 ? ws->first : first ? ws->para : ws->rest;
        size_t fit = pos;
        double fitw = 0;
        size_t q = pos;
        while (q < b) {
            size_t r = q;
            while (r < b && s[r] != ' ')
                r++;
            double ww;
            rc = pdf_width(d, v, size, s + q, r - q, &ww);
            if (rc != EG_OK)
                return rc;
            double w = fit > pos ? fitw + space_w + ww : ww;
            if (w > avail + 1e-6)
                break;
            fit = r;
            fitw = w;
            if (r >= b)
                break;
            q = r + 1;
        }
        if (fit == pos) {
            if (*idx == 0 && ws->cont && ws->first < ws->rest) {
                /* The rest of the line in progress is too short: start below. */
                struct pdf_line ln = {pos, 0, 0, first, false};
                rc = fn(d, ctx, s, &ln, (*idx)++);
                continue;
            }
            rc = break_word(d, v, size, s, pos, b, avail, &fit, &fitw);
            if (rc != EG_OK)
                return rc;
        }
        struct pdf_line ln = {pos, fit - pos, fitw, first, fit >= b};
        rc = fn(d, ctx, s, &ln, (*idx)++);
        first = false;
        pos = fit;
        if (pos < b && s[pos] == ' ')
            pos++;
    }
    return rc;
}

enum eg_err
pdf_wrap(struct eg_pdf *d, int v, double size, const char *s, size_t n, const struct pdf_widths *ws,
         pdf_line_fn fn, void *ctx)
{
    double space_w;
    enum eg_err rc = pdf_width(d, v, size, " ", 1, &space_w);
    int idx = 0;
    size_t p = 0;
    while (rc == EG_OK) {
        const char *nl = memchr(s + p, '\n', n - p);
        size_t e = nl != NULL ? (size_t)(nl - s) : n;
        rc = wrap_para(d, v, size, s, p, e, ws, space_w, fn, ctx, &idx);
        if (e >= n)
            break;
        p = e + 1;
    }
    return rc;
}

/* ---- drawing lines -------------------------------------------------------------- */

static enum eg_err
underline(struct eg_pdf *d, double x, double w, double base, double size)
{
    return pdf_hline(d, x, x + w, base - 0.14 * size, 0.05 * size, false);
}

/* A justified line: words drawn one by one with the slack shared by the gaps. */
static enum eg_err
draw_justified(struct eg_pdf *d, int v, double size, double x, double avail, const char *s,
               const struct pdf_line *ln)
{
    const char *p = s + ln->off;
    size_t n = ln->len;
    size_t gaps = 0;
    for (size_t i = 0; i < n; i++)
        gaps += p[i] == ' ';
    double space_w;
    enum eg_err rc = pdf_width(d, v, size, " ", 1, &space_w);
    double extra = (avail - ln->w) / (double)gaps;
    size_t i = 0;
    while (i < n && rc == EG_OK) {
        size_t j = i;
        while (j < n && p[j] != ' ')
            j++;
        double w;
        rc = pdf_width(d, v, size, p + i, j - i, &w);
        if (rc == EG_OK)
            rc = pdf_draw(d, v, size, x, d->base, p + i, j - i);
        x += w + space_w + extra;
        i = j + 1;
    }
    return rc;
}

struct para {
    int v;
    double size;
    unsigned flags;
    enum eg_pdf_align align;
    double left;   /* x of lines */
    double right;  /* the right edge */
    double indent; /* first line of each paragraph */
    double lead;   /* line height; 0 = normal */
    bool cont;     /* the first line continues the line in progress at d->x */
};

static enum eg_err
para_line(struct eg_pdf *d, void *ctx, const char *s, const struct pdf_line *ln, int idx)
{
    struct para *p = ctx;
    enum eg_err rc = EG_OK;
    double x0;
    if (idx == 0 && p->cont) {
        x0 = d->x;
    } else {
        rc = line_new_lead(d, p->size, p->lead > 0 ? p->lead : pdf_leading(p->size));
        x0 = p->left + (ln->first ? p->indent : 0);
    }
    if (rc != EG_OK)
        return rc;
    double avail = p->right - x0;
    double x = x0;
    if (p->align == EG_PDF_CENTER)
        x = x0 + (avail - ln->w) / 2;
    else if (p->align == EG_PDF_RIGHT)
        x = p->right - ln->w;
    double w = ln->w;
    if (p->align == EG_PDF_JUSTIFY && !ln->last && memchr(s + ln->off, ' ', ln->len) != NULL) {
        rc = draw_justified(d, p->v, p->size, x0, avail, s, ln);
        w = avail;
    } else {
        rc = pdf_draw(d, p->v, p->size, x, d->base, s + ln->off, ln->len);
    }
    if (rc == EG_OK && (p->flags & EG_PDF_UNDERLINE) && ln->len > 0)
        rc = underline(d, x, w, d->base, p->size);
    d->x = x + w;
    return rc;
}

/* ---- blocks --------------------------------------------------------------------- */

struct style {
    int v;
    double size;
    unsigned flags;
    enum eg_pdf_align align;
    double indent;  /* points */
    double leading; /* in font sizes; 0 = the block's default */
    double right;   /* the right edge of the block's lines (short of a float) */
};

#define STYLE_FLAGS (EG_PDF_BOLD | EG_PDF_ITALIC | EG_PDF_UNDERLINE | EG_PDF_RULE | EG_PDF_UPPER)
#define CELL_FLAGS (STYLE_FLAGS | EG_PDF_CELL_LEFT)

static enum eg_err
check_size(struct eg_pdf *d, double size, double *out)
{
    double s = size > 0 ? size : d->body;
    if (!(s >= 4 && s <= 72))
        return pdf_fail(d, EG_EINVAL, "a font size of %g points (4 to 72)", size);
    *out = s;
    return EG_OK;
}

static enum eg_err
begin(struct eg_pdf *d, const struct eg_pdf_style *st, struct style *out)
{
    static const struct eg_pdf_style body;
    enum eg_err rc = pdf_ready(d);
    if (rc != EG_OK)
        return rc;
    if (st == NULL)
        st = &body;
    rc = check_size(d, st->size, &out->size);
    if (rc != EG_OK)
        return rc;
    if (st->flags & ~STYLE_FLAGS)
        return pdf_fail(d, EG_EINVAL, "unknown style flags 0x%x", st->flags);
    if (st->align != EG_PDF_LEFT && st->align != EG_PDF_CENTER && st->align != EG_PDF_RIGHT &&
        st->align != EG_PDF_JUSTIFY)
        return pdf_fail(d, EG_EINVAL, "unknown alignment %d", (int)st->align);
    if (!(st->indent >= 0 && st->indent <= 100))
        return pdf_fail(d, EG_EINVAL, "an indent of %g mm (0 to 100)", st->indent);
    if (!(st->leading == 0 || (st->leading >= 1 && st->leading <= 3)))
        return pdf_fail(d, EG_EINVAL, "a line height of %g (1 to 3)", st->leading);
    out->v = pdf_variant(st->flags);
    out->flags = st->flags;
    out->align = st->align;
    out->indent = st->indent * MM;
    out->leading = st->leading;
    out->right = pdf_right(d);
    return EG_OK;
}

/* The line height of a block in points: the style's, or the block's default. */
static double
lead_of(const struct style *s, double def)
{
    return s->size * (s->leading > 0 ? s->leading : def);
}

/* Lays out the prepared text in d->tx as a left-aligned paragraph from the margin. */
static enum eg_err
flow_left(struct eg_pdf *d, const struct style *s, double lead)
{
    struct para p = {s->v, s->size, s->flags, EG_PDF_LEFT, d->ml, s->right, 0, lead, false};
    double tw = s->right - d->ml;
    struct pdf_widths w = {tw, tw, tw, false};
    return pdf_wrap(d, s->v, s->size, eg_buf_str(&d->tx), d->tx.len, &w, para_line, &p);
}

enum eg_err
eg_pdf_text(struct eg_pdf *d, const struct eg_pdf_style *st, const char *text)
{
    struct style s = {0};
    enum eg_err rc = begin(d, st, &s);
    if (rc == EG_OK)
        rc = pdf_prepare(d, text, s.flags, &d->tx);
    if (rc != EG_OK)
        return rc;
    double tw = s.right - d->ml;
    if (s.indent > tw / 2)
        return pdf_fail(d, EG_EINVAL, "an indent wider than half the line");
    double lead = lead_of(&s, LEADING);
    struct para p = {s.v, s.size, s.flags, s.align, d->ml, s.right, s.indent, lead, false};
    struct pdf_widths w = {tw - s.indent, tw - s.indent, tw, false};
    return pdf_wrap(d, s.v, s.size, eg_buf_str(&d->tx), d->tx.len, &w, para_line, &p);
}

/* ---- two columns ---------------------------------------------------------------- */

struct col {
    double x0;
    double w;
    double top;
    double maxw;
    int v;
    double size;
    unsigned flags;
    bool draw;
};

static enum eg_err
col_line(struct eg_pdf *d, void *ctx, const char *s, const struct pdf_line *ln, int idx)
{
    struct col *c = ctx;
    enum eg_err rc = EG_OK;
    (void)idx;
    if (ln->w > c->maxw)
        c->maxw = ln->w;
    if (c->draw && ln->len > 0) {
        double base = c->top - pdf_base_offset(d, c->size);
        double x = (c->flags & EG_PDF_CELL_LEFT) ? c->x0 : c->x0 + (c->w - ln->w) / 2;
        rc = pdf_draw(d, c->v, c->size, x, base, s + ln->off, ln->len);
        if (rc == EG_OK && (c->flags & EG_PDF_UNDERLINE))
            rc = underline(d, x, ln->w, base, c->size);
    }
    c->top -= pdf_leading(c->size);
    return rc;
}

/* Lays out (or draws) one column from top; *height is what it takes. */
static enum eg_err
column(struct eg_pdf *d, double x0, double w, const struct eg_pdf_cell *cells, size_t n, bool draw,
       double top, double *height)
{
    double y = top;
    for (size_t i = 0; i < n; i++) {
        const struct eg_pdf_cell *cell = &cells[i];
        struct col c = {x0, w, y, 0, pdf_variant(cell->flags), 0, cell->flags, draw};
        if (cell->flags & ~CELL_FLAGS)
            return pdf_fail(d, EG_EINVAL, "unknown cell flags 0x%x", cell->flags);
        enum eg_err rc = check_size(d, cell->size, &c.size);
        if (rc == EG_OK)
            rc = pdf_prepare(d, cell->text, cell->flags, &d->tx);
        struct pdf_widths ws = {w, w, w, false};
        if (rc == EG_OK)
            rc = pdf_wrap(d, c.v, c.size, eg_buf_str(&d->tx), d->tx.len, &ws, col_line, &c);
        if (rc != EG_OK)
            return rc;
        if (cell->flags & EG_PDF_RULE) {
            /* Decree 30: a rule a third to a half as long as the line above it. */
            double half = c.maxw * 0.2;
            if (draw)
                rc = pdf_hline(d, x0 + w / 2 - half, x0 + w / 2 + half, c.top - 0.15 * c.size,
                               0.05 * c.size, false);
            if (rc != EG_OK)
                return rc;
            c.top -= 0.5 * c.size;
        }
        y = c.top;
    }
    *height = top - y;
    return EG_OK;
}

enum eg_err
eg_pdf_columns(struct eg_pdf *d, double left_width, const struct eg_pdf_cell *left, size_t nleft,
               const struct eg_pdf_cell *right, size_t nright)
{
    struct style s = {0};
    enum eg_err rc = begin(d, NULL, &s);
    if (rc != EG_OK)
        return rc;
    pdf_float_clear(d); /* the columns span the text width */
    double tw = eg_pdf_text_width(d);
    double lw = left_width > 0 ? left_width * MM : tw * 0.35;
    double rw = tw - lw;
    if (!(left_width >= 0) || (nleft > 0 && lw < 20 * MM) || (nright > 0 && rw < 20 * MM))
        return pdf_fail(d, EG_EINVAL, "a column narrower than 20 mm");
    if ((nleft > 0 && left == NULL) || (nright > 0 && right == NULL))
        return pdf_fail(d, EG_EINVAL, "no cells");
    double hl = 0;
    double hr = 0;
    rc = column(d, d->ml, lw, left, nleft, false, d->y, &hl);
    if (rc == EG_OK)
        rc = column(d, d->ml + lw, rw, right, nright, false, d->y, &hr);
    if (rc != EG_OK)
        return rc;
    double h = hl > hr ? hl : hr;
    if (h > d->ph - d->mt - d->mb)
        return pdf_fail(d, EG_ETOOBIG, "a two-column block taller than a page");
    if (d->y - h < d->mb - 0.01) {
        rc = pdf_new_page(d);
        if (rc != EG_OK)
            return rc;
    }
    rc = column(d, d->ml, lw, left, nleft, true, d->y, &hl);
    if (rc == EG_OK)
        rc = column(d, d->ml + lw, rw, right, nright, true, d->y, &hr);
    d->y -= h;
    d->x = d->ml;
    return rc;
}

/* ---- fill-in lines and boxes ---------------------------------------------------- */

enum eg_err
eg_pdf_fill(struct eg_pdf *d, const struct eg_pdf_style *st, const char *label, int extra_lines)
{
    struct style s = {0};
    enum eg_err rc = begin(d, st, &s);
    if (rc != EG_OK)
        return rc;
    if (extra_lines < 0 || extra_lines > MAX_EXTRA_LINES)
        return pdf_fail(d, EG_EINVAL, "%d extra lines (0 to %d)", extra_lines, MAX_EXTRA_LINES);
    rc = pdf_prepare(d, label != NULL ? label : "", s.flags, &d->tx);
    double lead = lead_of(&s, FILL_LEADING);
    if (rc == EG_OK)
        rc = flow_left(d, &s, lead);
    if (rc != EG_OK)
        return rc;
    double right = s.right;
    double gap = d->x > d->ml ? 0.3 * s.size : 0;
    double dot_w = 0.06 * s.size;
    if (right - (d->x + gap) < MIN_LEADER) {
        rc = line_new_lead(d, s.size, lead);
        gap = 0;
    }
    if (rc == EG_OK)
        rc = pdf_hline(d, d->x + gap, right, d->base, dot_w, true);
    for (int i = 0; i < extra_lines && rc == EG_OK; i++) {
        rc = line_new_lead(d, s.size, lead);
        if (rc == EG_OK)
            rc = pdf_hline(d, d->ml, right, d->base, dot_w, true);
    }
    d->x = right;
    return rc;
}

static enum eg_err
check_box(struct eg_pdf *d, double x, double size)
{
    return pdf_box(d, x, d->base - 0.02 * size, BOX * size, BOX * size);
}

/* One check box and its label (prepared in d->tx) at x on the line in progress. */
static enum eg_err
box_item(struct eg_pdf *d, const struct style *s, double x, double label_w)
{
    double tx = x + (BOX + BOX_GAP) * s->size;
    enum eg_err rc = check_box(d, x, s->size);
    if (rc == EG_OK)
        rc = pdf_draw(d, s->v, s->size, tx, d->base, eg_buf_str(&d->tx), d->tx.len);
    d->x = tx + label_w;
    return rc;
}

/* A label too long for a line: its box, then the text wrapped under itself. */
static enum eg_err
box_item_long(struct eg_pdf *d, const struct style *s, double x)
{
    double tx = x + (BOX + BOX_GAP) * s->size;
    double right = s->right;
    enum eg_err rc = check_box(d, x, s->size);
    if (rc != EG_OK)
        return rc;
    d->x = tx;
    struct para p = {s->v, s->size, s->flags, EG_PDF_LEFT, tx, right, 0, lead_of(s, LEADING), true};
    struct pdf_widths w = {right - tx, right - tx, right - tx, true};
    return pdf_wrap(d, s->v, s->size, eg_buf_str(&d->tx), d->tx.len, &w, para_line, &p);
}

/* The width of a check box with the label prepared in d->tx; *breaks if it has a "\n". */
static enum eg_err
item_width(struct eg_pdf *d, const struct style *s, double *w, bool *breaks)
{
    double lw = 0;
    enum eg_err rc = pdf_width(d, s->v, s->size, eg_buf_str(&d->tx), d->tx.len, &lw);
    *breaks = memchr(eg_buf_str(&d->tx), '\n', d->tx.len) != NULL;
    *w = (BOX + BOX_GAP) * s->size + lw;
    return rc;
}

/* The width of all the check boxes on one line, or -1 if one of them breaks. */
static enum eg_err
items_width(struct eg_pdf *d, const struct style *s, const char *const *labels, size_t n,
            double *total)
{
    *total = 0;
    for (size_t i = 0; i < n; i++) {
        double w;
        bool breaks;
        enum eg_err rc = pdf_prepare(d, labels[i], s->flags, &d->tx);
        if (rc == EG_OK)
            rc = item_width(d, s, &w, &breaks);
        if (rc != EG_OK)
            return rc;
        if (breaks) {
            *total = -1;
            return EG_OK;
        }
        *total += w + (i > 0 ? ITEM_GAP * s->size : 0);
    }
    return EG_OK;
}

enum eg_err
eg_pdf_checkboxes(struct eg_pdf *d, const struct eg_pdf_style *st, const char *prompt,
                  const char *const *labels, size_t n)
{
    struct style s = {0};
    enum eg_err rc = begin(d, st, &s);
    if (rc != EG_OK)
        return rc;
    if (n > 0 && labels == NULL)
        return pdf_fail(d, EG_EINVAL, "no labels");
    double lead = lead_of(&s, LEADING);
    double right = s.right;
    bool open = false;
    if (prompt != NULL && *prompt != '\0') {
        double total;
        rc = items_width(d, &s, labels, n, &total);
        if (rc == EG_OK)
            rc = pdf_prepare(d, prompt, s.flags, &d->tx);
        if (rc == EG_OK)
            rc = flow_left(d, &s, lead);
        /* The boxes stay after the prompt when all fit there, or when they would
         * not fit on a line of their own either. */
        open = total >= 0 && (d->x + ITEM_GAP * s.size + total <= right || total > right - d->ml);
    }
    for (size_t i = 0; i < n && rc == EG_OK; i++) {
        double need;
        bool breaks;
        rc = pdf_prepare(d, labels[i], s.flags, &d->tx);
        if (rc == EG_OK)
            rc = item_width(d, &s, &need, &breaks);
        if (rc != EG_OK)
            break;
        if (open && !breaks) {
            double x = d->x + (d->x > d->ml ? ITEM_GAP * s.size : 0);
            if (x + need <= right) {
                rc = box_item(d, &s, x, need - (BOX + BOX_GAP) * s.size);
                continue;
            }
        }
        rc = line_new_lead(d, s.size, lead);
        open = true;
        if (rc != EG_OK)
            break;
        if (!breaks && d->ml + need <= right)
            rc = box_item(d, &s, d->ml, need - (BOX + BOX_GAP) * s.size);
        else
            rc = box_item_long(d, &s, d->ml);
    }
    return rc;
}

enum eg_err
eg_pdf_char_boxes(struct eg_pdf *d, const struct eg_pdf_style *st, const char *label, int count)
{
    struct style s = {0};
    enum eg_err rc = begin(d, st, &s);
    if (rc != EG_OK)
        return rc;
    if (count < 1 || count > MAX_CHAR_BOXES)
        return pdf_fail(d, EG_EINVAL, "%d character boxes (1 to %d)", count, MAX_CHAR_BOXES);
    double lead = lead_of(&s, FILL_LEADING);
    rc = pdf_prepare(d, label != NULL ? label : "", s.flags, &d->tx);
    if (rc == EG_OK)
        rc = flow_left(d, &s, lead);
    if (rc != EG_OK)
        return rc;
    double bw = CHAR_BOX * s.size;
    double total = bw * count;
    double x = d->x + (d->x > d->ml ? 0.4 * s.size : 0);
    if (x + total > s.right) {
        rc = line_new_lead(d, s.size, lead);
        x = d->ml;
    }
    for (int k = 0; k < count && rc == EG_OK; k++)
        rc = pdf_box(d, x + k * bw, d->base - 0.3 * s.size, bw, bw);
    d->x = x + total;
    return rc;
}
