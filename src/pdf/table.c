/*
 * table.c - ruled tables written row by row (control slips, registers).
 *
 * A row is laid out before anything is drawn: each cell's text is prepared
 * (NFC, white space) and wrapped to its column, giving a list of lines per
 * cell; the row is as tall as its tallest cell. Then it is drawn where it
 * fits: on this page, on the next one (under the header again), or, when it
 * is taller than a page, split between lines across pages. Only one row is
 * held at a time, so a register of thousands of rows costs the memory of
 * its longest row.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pdf/pdf_int.h"

#define MM (72.0 / 25.4)
#define MIN_COL (5.0 * MM)
#define PAD_X 0.35 /* cell padding, in font sizes */
#define PAD_Y 0.2
#define RULE 0.5 /* points */
#define ROW_TEXT_MAX ((size_t)EG_PDF_TABLE_MAX_COLS * 8 * EG_PDF_TEXT_MAX)

struct tline {
    size_t off; /* in the layout's text */
    size_t len;
    double w;
};

/* The wrapped cells of one row. */
struct layout {
    int v;
    double size;
    struct eg_buf text; /* the prepared cells, one after another */
    size_t cell_off[EG_PDF_TABLE_MAX_COLS];
    size_t cell_len[EG_PDF_TABLE_MAX_COLS];
    size_t first[EG_PDF_TABLE_MAX_COLS]; /* index of the cell's first line */
    size_t count[EG_PDF_TABLE_MAX_COLS];
    size_t nmax; /* lines of the tallest cell */
    struct tline *lines;
    size_t nlines;
    size_t cap;
};

struct pdf_table {
    size_t ncols;
    double x[EG_PDF_TABLE_MAX_COLS + 1]; /* column edges, points */
    enum eg_pdf_align align[EG_PDF_TABLE_MAX_COLS];
    struct layout head; /* laid out once */
    struct layout nums; /* "(1) (2) ...", when numbered */
    bool numbered;
    struct layout row;
    int head_page; /* the page whose header is drawn; 0 = none yet */
    size_t rows;
};

static void
layout_init(struct layout *l, int v, double size)
{
    memset(l, 0, sizeof(*l));
    l->v = v;
    l->size = size;
    eg_buf_init(&l->text, ROW_TEXT_MAX);
}

static void
layout_release(struct layout *l)
{
    eg_buf_release(&l->text);
    free(l->lines);
    l->lines = NULL;
}

void
pdf_table_free(struct pdf_table *t)
{
    if (t == NULL)
        return;
    layout_release(&t->head);
    layout_release(&t->nums);
    layout_release(&t->row);
    free(t);
}

static double
line_h(const struct layout *l)
{
    return pdf_leading(l->size);
}

static double
pad_y(const struct layout *l)
{
    return PAD_Y * l->size;
}

/* The height of lines [k0, k1) of a layout as a ruled row. */
static double
seg_h(const struct layout *l, size_t k0, size_t k1)
{
    return (double)(k1 - k0) * line_h(l) + 2 * pad_y(l);
}

struct collect {
    struct layout *l;
    size_t base; /* offset of the cell in l->text */
};

static enum eg_err
collect_line(struct eg_pdf *d, void *ctx, const char *s, const struct pdf_line *ln, int idx)
{
    struct collect *c = ctx;
    struct layout *l = c->l;
    (void)s;
    (void)idx;
    if (l->nlines == l->cap) {
        size_t cap = l->cap > 0 ? l->cap * 2 : 64;
        struct tline *p = realloc(l->lines, cap * sizeof(*p));
        if (p == NULL)
            return pdf_fail(d, EG_ENOMEM, "laying out a table row");
        l->lines = p;
        l->cap = cap;
    }
    l->lines[l->nlines++] = (struct tline){c->base + ln->off, ln->len, ln->w};
    return EG_OK;
}

/* Prepares and wraps cells[0..n) into l, cell i in column i. */
static enum eg_err
lay_out(struct eg_pdf *d, const struct pdf_table *t, struct layout *l, const char *const *cells,
        unsigned flags)
{
    eg_buf_reset(&l->text);
    l->nlines = 0;
    l->nmax = 1;
    enum eg_err rc = EG_OK;
    for (size_t i = 0; i < t->ncols && rc == EG_OK; i++) {
        rc = pdf_prepare(d, cells[i] != NULL ? cells[i] : "", flags, &d->tx);
        l->cell_off[i] = l->text.len;
        l->cell_len[i] = d->tx.len;
        if (rc == EG_OK && d->tx.len > 0 && eg_buf_add(&l->text, d->tx.p, d->tx.len) != EG_OK)
            rc = pdf_fail(d, EG_ETOOBIG, "a table row of more than %zu bytes", ROW_TEXT_MAX);
    }
    for (size_t i = 0; i < t->ncols && rc == EG_OK; i++) {
        double w = t->x[i + 1] - t->x[i] - 2 * PAD_X * l->size;
        struct pdf_widths ws = {w, w, w, false};
        struct collect c = {l, l->cell_off[i]};
        l->first[i] = l->nlines;
        /* Empty: no line at all, rather than one empty line. */
        if (l->cell_len[i] > 0)
            rc = pdf_wrap(d, l->v, l->size, eg_buf_str(&l->text) + l->cell_off[i], l->cell_len[i],
                          &ws, collect_line, &c);
        l->count[i] = l->nlines - l->first[i];
        if (l->count[i] > l->nmax)
            l->nmax = l->count[i];
    }
    return rc;
}

/*
 * Draws lines [k0, k1) of a layout as one ruled row from the cursor down.
 * vcenter: cells with fewer lines are centred in the row (the header).
 * align NULL: every cell centred.
 */
static enum eg_err
draw_seg(struct eg_pdf *d, const struct pdf_table *t, const struct layout *l, size_t k0, size_t k1,
         bool vcenter, const enum eg_pdf_align *align)
{
    double top = d->y;
    double h = seg_h(l, k0, k1);
    double lh = line_h(l);
    double px = PAD_X * l->size;
    enum eg_err rc = EG_OK;
    for (size_t i = 0; i < t->ncols && rc == EG_OK; i++) {
        double off = vcenter ? (double)(l->nmax - l->count[i]) * lh / 2 : 0;
        double left = t->x[i] + px;
        double right = t->x[i + 1] - px;
        for (size_t k = k0; k < k1 && k < l->count[i] && rc == EG_OK; k++) {
            const struct tline *ln = &l->lines[l->first[i] + k];
            double base =
                top - pad_y(l) - off - (double)(k - k0) * lh - pdf_base_offset(d, l->size);
            enum eg_pdf_align a = align != NULL ? align[i] : EG_PDF_CENTER;
            double x = left;
            if (a == EG_PDF_CENTER)
                x = left + (right - left - ln->w) / 2;
            else if (a == EG_PDF_RIGHT)
                x = right - ln->w;
            rc = pdf_draw(d, l->v, l->size, x, base, eg_buf_str(&l->text) + ln->off, ln->len);
        }
    }
    if (rc == EG_OK)
        rc = pdf_rect(d, t->x[0], top - h, t->x[t->ncols] - t->x[0], h, RULE);
    for (size_t i = 1; i < t->ncols && rc == EG_OK; i++)
        rc = pdf_vline(d, t->x[i], top, top - h, RULE);
    d->y = top - h;
    d->x = d->ml;
    return rc;
}

static double
head_h(const struct pdf_table *t)
{
    double h = seg_h(&t->head, 0, t->head.nmax);
    if (t->numbered)
        h += seg_h(&t->nums, 0, t->nums.nmax);
    return h;
}

static enum eg_err
draw_head(struct eg_pdf *d, struct pdf_table *t)
{
    enum eg_err rc = draw_seg(d, t, &t->head, 0, t->head.nmax, true, NULL);
    if (rc == EG_OK && t->numbered)
        rc = draw_seg(d, t, &t->nums, 0, t->nums.nmax, true, NULL);
    t->head_page = d->pages;
    return rc;
}

static bool
at_top(const struct eg_pdf *d)
{
    return d->y >= d->ph - d->mt - 0.01;
}

/* Draws the laid-out row t->row where it fits, across pages when it must. */
static enum eg_err
place_row(struct eg_pdf *d, struct pdf_table *t)
{
    struct layout *l = &t->row;
    double page = d->ph - d->mt - d->mb;
    size_t k0 = 0;
    enum eg_err rc = EG_OK;
    while (k0 < l->nmax && rc == EG_OK) {
        double hh = t->head_page == d->pages ? 0 : head_h(t);
        double avail = d->y - d->mb - hh;
        double rest = seg_h(l, k0, l->nmax);
        if (rest <= avail + 0.01) {
            if (hh > 0)
                rc = draw_head(d, t);
            if (rc == EG_OK)
                rc = draw_seg(d, t, l, k0, l->nmax, false, t->align);
            return rc;
        }
        /* It would fit on a page of its own, or not one line fits here: next page. */
        size_t fit =
            avail > 2 * pad_y(l) ? (size_t)((avail - 2 * pad_y(l)) / line_h(l) + 0.001) : 0;
        if (!at_top(d) && (rest <= page - head_h(t) || fit == 0)) {
            rc = pdf_new_page(d);
            continue;
        }
        if (fit == 0)
            return pdf_fail(d, EG_ETOOBIG, "a table header taller than a page");
        if (hh > 0)
            rc = draw_head(d, t);
        if (rc == EG_OK)
            rc = draw_seg(d, t, l, k0, k0 + fit, false, t->align);
        k0 += fit;
        if (rc == EG_OK && k0 < l->nmax)
            rc = pdf_new_page(d);
    }
    return rc;
}

/* Column edges from the widths asked; EG_EINVAL when they do not fit. */
static enum eg_err
set_columns(struct eg_pdf *d, struct pdf_table *t, const struct eg_pdf_table *def)
{
    double tw = eg_pdf_text_width(d);
    double fixed = 0;
    size_t shared = 0;
    for (size_t i = 0; i < def->ncols; i++) {
        const struct eg_pdf_column *c = &def->cols[i];
        if (!(c->width >= 0 && c->width <= 1000))
            return pdf_fail(d, EG_EINVAL, "column %zu: a width of %g mm", i + 1, c->width);
        if (c->width > 0)
            fixed += c->width * MM;
        else
            shared++;
        if (c->align == EG_PDF_JUSTIFY)
            t->align[i] = EG_PDF_LEFT;
        else if (c->align == EG_PDF_LEFT || c->align == EG_PDF_CENTER || c->align == EG_PDF_RIGHT)
            t->align[i] = c->align;
        else
            return pdf_fail(d, EG_EINVAL, "column %zu: unknown alignment %d", i + 1, (int)c->align);
    }
    if (fixed > tw + 0.01)
        return pdf_fail(d, EG_EINVAL, "table columns of %.1f mm in a text width of %.1f mm",
                        fixed / MM, tw / MM);
    double share = shared > 0 ? (tw - fixed) / (double)shared : 0;
    t->x[0] = d->ml;
    for (size_t i = 0; i < def->ncols; i++) {
        double w = def->cols[i].width > 0 ? def->cols[i].width * MM : share;
        if (w < MIN_COL - 0.01)
            return pdf_fail(d, EG_EINVAL, "table column %zu is narrower than 5 mm", i + 1);
        t->x[i + 1] = t->x[i] + w;
    }
    return EG_OK;
}

static enum eg_err
check_size(struct eg_pdf *d, double size, double *out)
{
    double s = size > 0 ? size : d->body;
    if (!(s >= 4 && s <= 72))
        return pdf_fail(d, EG_EINVAL, "a font size of %g points (4 to 72)", size);
    *out = s;
    return EG_OK;
}

enum eg_err
eg_pdf_table_begin(struct eg_pdf *d, const struct eg_pdf_table *def)
{
    enum eg_err rc = pdf_ready(d);
    if (rc != EG_OK)
        return rc;
    if (def == NULL || def->cols == NULL || def->ncols == 0 || def->ncols > EG_PDF_TABLE_MAX_COLS)
        return pdf_fail(d, EG_EINVAL, "a table needs 1 to %d columns", EG_PDF_TABLE_MAX_COLS);
    double size = 0;
    double hsize = 0;
    rc = check_size(d, def->size, &size);
    if (rc == EG_OK)
        rc = check_size(d, def->header_size > 0 ? def->header_size : size, &hsize);
    if (rc != EG_OK)
        return rc;
    struct pdf_table *t = calloc(1, sizeof(*t));
    if (t == NULL)
        return pdf_fail(d, EG_ENOMEM, "a table");
    t->ncols = def->ncols;
    t->numbered = def->numbered;
    layout_init(&t->head, pdf_variant(EG_PDF_BOLD), hsize);
    layout_init(&t->nums, pdf_variant(EG_PDF_ITALIC), size * 0.85 >= 4 ? size * 0.85 : 4);
    layout_init(&t->row, 0, size);
    pdf_float_clear(d);
    rc = set_columns(d, t, def);
    const char *titles[EG_PDF_TABLE_MAX_COLS];
    char nums[EG_PDF_TABLE_MAX_COLS][24];
    const char *nump[EG_PDF_TABLE_MAX_COLS];
    for (size_t i = 0; i < def->ncols; i++) {
        titles[i] = def->cols[i].title;
        snprintf(nums[i], sizeof(nums[i]), "(%zu)", i + 1);
        nump[i] = nums[i];
    }
    if (rc == EG_OK)
        rc = lay_out(d, t, &t->head, titles, 0);
    if (rc == EG_OK && t->numbered)
        rc = lay_out(d, t, &t->nums, nump, 0);
    /* The header and one line of a row must fit on a page. */
    if (rc == EG_OK && head_h(t) + seg_h(&t->row, 0, 1) > d->ph - d->mt - d->mb)
        rc = pdf_fail(d, EG_ETOOBIG, "a table header taller than a page");
    if (rc != EG_OK) {
        pdf_table_free(t);
        return rc;
    }
    d->table = t;
    return EG_OK;
}

enum eg_err
eg_pdf_table_row(struct eg_pdf *d, const char *const *cells, size_t n)
{
    if (d->err != EG_OK)
        return d->err;
    struct pdf_table *t = d->table;
    if (t == NULL)
        return pdf_fail(d, EG_EINVAL, "a table row without a table");
    if (cells == NULL || n != t->ncols)
        return pdf_fail(d, EG_EINVAL, "a table row of %zu cells in a table of %zu columns",
                        cells != NULL ? n : 0, t->ncols);
    enum eg_err rc = lay_out(d, t, &t->row, cells, 0);
    if (rc == EG_OK)
        rc = place_row(d, t);
    if (rc == EG_OK)
        t->rows++;
    return rc;
}

enum eg_err
pdf_table_close(struct eg_pdf *d)
{
    if (d->err != EG_OK)
        return d->err;
    struct pdf_table *t = d->table;
    if (t == NULL)
        return EG_OK;
    enum eg_err rc = EG_OK;
    if (t->rows == 0) {
        /* An empty table still shows what it would have held. */
        if (d->y - head_h(t) < d->mb - 0.01)
            rc = pdf_new_page(d);
        if (rc == EG_OK)
            rc = draw_head(d, t);
    }
    d->table = NULL;
    pdf_table_free(t);
    return rc;
}

enum eg_err
eg_pdf_table_end(struct eg_pdf *d)
{
    if (d->err != EG_OK)
        return d->err;
    if (d->table == NULL)
        return pdf_fail(d, EG_EINVAL, "no table to end");
    return pdf_table_close(d);
}
