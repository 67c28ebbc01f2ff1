/*
 * pdf.c - the document: libharu set-up, fonts, pages, errors, saving.
 *
 * libharu reports errors through a handler and then returns from the failing
 * call; its documentation pairs that handler with setjmp/longjmp, which would
 * jump over our cleanups. Here the handler only records the first error in
 * the document, and pdf_check() turns it into the sticky eg_err after each
 * call that can fail.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "pdf/pdf_int.h"

#define MM (72.0 / 25.4)
#define A4_W (210.0 * MM)
#define A4_H (297.0 * MM)
#define FOOTER_SIZE 8.5
#define SCRATCH_MAX (8 * (size_t)EG_PDF_TEXT_MAX)
#define MSG_MAX 1024

static void
on_hpdf_error(HPDF_STATUS error_no, HPDF_STATUS detail_no, void *user)
{
    struct eg_pdf *d = user;
    if (d->herr == 0) {
        d->herr = error_no;
        d->hdetail = detail_no;
    }
}

enum eg_err
pdf_fail(struct eg_pdf *d, enum eg_err e, const char *fmt, ...)
{
    if (d->err != EG_OK)
        return d->err;
    d->err = e;
    eg_buf_reset(&d->msg);
    va_list ap;
    va_start(ap, fmt);
    if (eg_buf_vprintf(&d->msg, fmt, ap) != EG_OK || d->msg.len == 0) {
        eg_buf_reset(&d->msg);
        if (eg_buf_adds(&d->msg, eg_strerror(e)) != EG_OK)
            eg_buf_reset(&d->msg);
    }
    va_end(ap);
    return e;
}

/* Replaces msg with a sentence and returns rc (messages of eg_pdf_new()). */
static enum eg_err say(struct eg_buf *msg, enum eg_err rc, const char *fmt, ...) EG_PRINTF(3, 4);

static enum eg_err
say(struct eg_buf *msg, enum eg_err rc, const char *fmt, ...)
{
    eg_buf_reset(msg);
    va_list ap;
    va_start(ap, fmt);
    if (eg_buf_vprintf(msg, fmt, ap) != EG_OK)
        eg_buf_reset(msg);
    va_end(ap);
    return rc;
}

static enum eg_err
map_hpdf(HPDF_STATUS e)
{
    switch (e) {
    case HPDF_FAILD_TO_ALLOC_MEM:
        return EG_ENOMEM;
    case HPDF_FILE_IO_ERROR:
    case HPDF_FILE_OPEN_ERROR:
        return EG_EIO;
    case HPDF_TTF_CANNOT_EMBEDDING_FONT:
    case HPDF_TTF_INVALID_CMAP:
    case HPDF_TTF_INVALID_FOMAT:
    case HPDF_TTF_MISSING_TABLE:
    case HPDF_UNSUPPORTED_FONT_TYPE:
    case HPDF_INVALID_FONTDEF_DATA:
    case HPDF_FONT_INVALID_WIDTHS_TABLE:
        return EG_EINVAL;
    default:
        return EG_EINTERNAL;
    }
}

enum eg_err
pdf_check(struct eg_pdf *d, const char *what)
{
    if (d->err != EG_OK)
        return d->err;
    if (d->herr == 0)
        return EG_OK;
    return pdf_fail(d, map_hpdf(d->herr), "libharu error 0x%04X (detail %u) in %s",
                    (unsigned)d->herr, (unsigned)d->hdetail, what);
}

/* ---- fonts ---------------------------------------------------------------------- */

static bool
is_file(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

/* dir/family-suffix.ttf into out; false when it does not fit. */
static bool
font_file(char *out, size_t cap, const char *dir, const char *family, const char *suffix)
{
    int n = snprintf(out, cap, "%s/%s%s.ttf", dir, family, suffix);
    return n > 0 && (size_t)n < cap;
}

static bool
family_ok(const char *f)
{
    size_t n = strlen(f);
    if (n == 0 || n > 64)
        return false;
    for (size_t i = 0; i < n; i++) {
        char c = f[i];
        if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
              c == '-' || c == '_'))
            return false;
    }
    return true;
}

/* Finds the font files; msg names the missing path. */
static enum eg_err
find_fonts(struct eg_pdf *d, const char *dir, const char *family, struct eg_buf *msg)
{
    static const char *const regular[] = {"", "-Regular"};
    static const char *const styled[FONT_VARIANTS] = {NULL, "-Bold", "-Italic", "-BoldItalic"};
    struct stat st;

    if (!family_ok(family))
        return say(msg, EG_EINVAL, "font family \"%s\" is not a plain file name", family);
    if (stat(dir, &st) != 0)
        return say(msg, EG_EINVAL,
                   "font directory %s: %s (install fonts-dejavu-core or set the font directory)",
                   dir, strerror(errno));
    if (!S_ISDIR(st.st_mode))
        return say(msg, EG_EINVAL, "font directory %s is not a directory", dir);
    bool found = false;
    for (size_t i = 0; i < EG_ARRAY_LEN(regular) && !found; i++) {
        if (!font_file(d->font_path[0], PATH_MAX, dir, family, regular[i]))
            goto too_long;
        found = is_file(d->font_path[0]);
    }
    if (!found)
        return say(msg, EG_EINVAL, "font file %s/%s.ttf (or %s-Regular.ttf) not found", dir, family,
                   family);
    for (int v = 1; v < FONT_VARIANTS; v++) {
        if (!font_file(d->font_path[v], PATH_MAX, dir, family, styled[v]))
            goto too_long;
        if (is_file(d->font_path[v]))
            continue;
        if (v == 1)
            return say(msg, EG_EINVAL, "font file %s not found", d->font_path[v]);
        d->font_path[v][0] = '\0'; /* italic: the upright font, slanted */
    }
    return EG_OK;
too_long:
    return say(msg, EG_EINVAL, "font directory %s: the path is too long", dir);
}

/*
 * libharu 2.3.0 embeds a glyph's components only one level deep, and it looks
 * at a glyph's components only the first time the glyph is used. In DejaVu
 * "ộ" is o + U+0323 + U+0302, and U+0323 is itself made of U+02D9: unless
 * U+0323 was used first, the dot below is missing from the embedded font.
 * So the marks, and the letters with one mark that Vietnamese letters are
 * built from, are used (measured) as soon as the font is loaded, before any
 * text: their components are then embedded whatever comes later. Upstream
 * fixed this after 2.3.0 (resolving components recursively).
 */
static enum eg_err
prime_components(struct eg_pdf *d, HPDF_Font f)
{
    static const char letters[] = "ăâêôơưĂÂÊÔƠƯàáãèéìíòóõùúýÀÁÃÈÉÌÍÒÓÕÙÚÝĩũĨŨđĐ";
    char s[1024];
    size_t n = 0;
    /* Spacing modifier letters U+02B0-U+02FF and combining marks U+0300-U+036F. */
    for (unsigned c = 0x2B0; c <= 0x36F; c++) {
        s[n++] = (char)(0xC0 | (c >> 6));
        s[n++] = (char)(0x80 | (c & 0x3F));
    }
    static const char spacing[] = "`^~\xc2\xa8\xc2\xaf\xc2\xb4\xc2\xb8";
    memcpy(s + n, spacing, sizeof(spacing) - 1);
    n += sizeof(spacing) - 1;
    HPDF_Font_TextWidth(f, (const HPDF_BYTE *)s, (HPDF_UINT)n);
    HPDF_Font_TextWidth(f, (const HPDF_BYTE *)letters, (HPDF_UINT)(sizeof(letters) - 1));
    return pdf_check(d, "HPDF_Font_TextWidth");
}

enum eg_err
pdf_font(struct eg_pdf *d, int v, HPDF_Font *out)
{
    if (d->font[v] != NULL) {
        *out = d->font[v];
        return EG_OK;
    }
    if (d->font_path[v][0] == '\0') {
        /* No italic file: the upright font of the same weight, slanted when drawn. */
        HPDF_Font upright = NULL;
        enum eg_err rc = pdf_font(d, v & 1, &upright);
        if (rc != EG_OK)
            return rc;
        d->font[v] = upright;
        d->slant[v] = true;
        *out = upright;
        return EG_OK;
    }
    const char *name = HPDF_LoadTTFontFromFile(d->h, d->font_path[v], HPDF_TRUE);
    if (name == NULL || d->herr != 0) {
        enum eg_err e = d->herr != 0 ? map_hpdf(d->herr) : EG_EINVAL;
        return pdf_fail(d, e == EG_EINTERNAL ? EG_EINVAL : e,
                        "font file %s cannot be loaded (libharu error 0x%04X)", d->font_path[v],
                        (unsigned)d->herr);
    }
    HPDF_Font f = HPDF_GetFont(d->h, name, "UTF-8");
    enum eg_err rc = pdf_check(d, "HPDF_GetFont");
    if (rc != EG_OK)
        return rc;
    if (f == NULL)
        return pdf_fail(d, EG_EINTERNAL, "font %s has no UTF-8 encoding", d->font_path[v]);
    d->font[v] = f;
    *out = f;
    return prime_components(d, f);
}

/* ---- drawing primitives --------------------------------------------------------- */

enum eg_err
pdf_width(struct eg_pdf *d, int v, double size, const char *s, size_t n, double *w)
{
    *w = 0;
    if (d->err != EG_OK)
        return d->err;
    if (n == 0)
        return EG_OK;
    HPDF_Font f = NULL;
    enum eg_err rc = pdf_font(d, v, &f);
    if (rc != EG_OK)
        return rc;
    HPDF_TextWidth tw = HPDF_Font_TextWidth(f, (const HPDF_BYTE *)s, (HPDF_UINT)n);
    rc = pdf_check(d, "HPDF_Font_TextWidth");
    if (rc != EG_OK)
        return rc;
    *w = (double)tw.width * size / 1000.0;
    return EG_OK;
}

enum eg_err
pdf_draw(struct eg_pdf *d, int v, double size, double x, double base, const char *s, size_t n)
{
    if (d->err != EG_OK)
        return d->err;
    if (n == 0)
        return EG_OK;
    HPDF_Font f = NULL;
    enum eg_err rc = pdf_font(d, v, &f);
    if (rc != EG_OK)
        return rc;
    eg_buf_reset(&d->run);
    rc = eg_buf_add(&d->run, s, n);
    if (rc != EG_OK)
        return pdf_fail(d, rc, "a line of text is too long");
    /* tan(12 degrees): the slant of a synthetic italic. */
    double skew = d->slant[v] ? 0.2126 : 0.0;
    HPDF_Page_BeginText(d->page);
    HPDF_Page_SetFontAndSize(d->page, f, (HPDF_REAL)size);
    HPDF_Page_SetTextMatrix(d->page, 1, 0, (HPDF_REAL)skew, 1, (HPDF_REAL)x, (HPDF_REAL)base);
    HPDF_Page_ShowText(d->page, eg_buf_str(&d->run));
    HPDF_Page_EndText(d->page);
    return pdf_check(d, "drawing text");
}

enum eg_err
pdf_hline(struct eg_pdf *d, double x1, double x2, double y, double width, bool dotted)
{
    static const HPDF_UINT16 dots[] = {1, 2};
    if (d->err != EG_OK)
        return d->err;
    if (x2 <= x1)
        return EG_OK;
    HPDF_Page_SetLineWidth(d->page, (HPDF_REAL)width);
    if (dotted)
        HPDF_Page_SetDash(d->page, dots, 2, 0);
    HPDF_Page_MoveTo(d->page, (HPDF_REAL)x1, (HPDF_REAL)y);
    HPDF_Page_LineTo(d->page, (HPDF_REAL)x2, (HPDF_REAL)y);
    HPDF_Page_Stroke(d->page);
    if (dotted)
        HPDF_Page_SetDash(d->page, NULL, 0, 0);
    return pdf_check(d, "drawing a line");
}

enum eg_err
pdf_box(struct eg_pdf *d, double x, double y, double w, double h)
{
    return pdf_rect(d, x, y, w, h, 0.6);
}

enum eg_err
pdf_rect(struct eg_pdf *d, double x, double y, double w, double h, double width)
{
    if (d->err != EG_OK)
        return d->err;
    HPDF_Page_SetLineWidth(d->page, (HPDF_REAL)width);
    HPDF_Page_Rectangle(d->page, (HPDF_REAL)x, (HPDF_REAL)y, (HPDF_REAL)w, (HPDF_REAL)h);
    HPDF_Page_Stroke(d->page);
    return pdf_check(d, "drawing a box");
}

enum eg_err
pdf_vline(struct eg_pdf *d, double x, double y1, double y2, double width)
{
    if (d->err != EG_OK)
        return d->err;
    HPDF_Page_SetLineWidth(d->page, (HPDF_REAL)width);
    HPDF_Page_MoveTo(d->page, (HPDF_REAL)x, (HPDF_REAL)y1);
    HPDF_Page_LineTo(d->page, (HPDF_REAL)x, (HPDF_REAL)y2);
    HPDF_Page_Stroke(d->page);
    return pdf_check(d, "drawing a line");
}

/* A filled rectangle (a QR module or a run of them), in the current fill colour (black). */
enum eg_err
pdf_fill_rect(struct eg_pdf *d, double x, double y, double w, double h)
{
    if (d->err != EG_OK)
        return d->err;
    HPDF_Page_Rectangle(d->page, (HPDF_REAL)x, (HPDF_REAL)y, (HPDF_REAL)w, (HPDF_REAL)h);
    HPDF_Page_Fill(d->page);
    return pdf_check(d, "filling a rectangle");
}

/* ---- pages ---------------------------------------------------------------------- */

struct footer_ctx {
    double top;
    double floor;
};

static enum eg_err
footer_line(struct eg_pdf *d, void *ctx, const char *s, const struct pdf_line *ln, int idx)
{
    struct footer_ctx *c = ctx;
    (void)idx;
    double base = c->top - pdf_base_offset(d, FOOTER_SIZE);
    c->top -= pdf_leading(FOOTER_SIZE);
    if (base < c->floor)
        return EG_OK; /* what does not fit in the margin is left out */
    return pdf_draw(d, pdf_variant(EG_PDF_ITALIC), FOOTER_SIZE, d->ml, base, s + ln->off, ln->len);
}

enum eg_err
pdf_new_page(struct eg_pdf *d)
{
    if (d->err != EG_OK)
        return d->err;
    if (d->pages >= d->max_pages)
        return pdf_fail(d, EG_ETOOBIG, "the document would have more than %d pages", d->max_pages);
    d->page = HPDF_AddPage(d->h);
    enum eg_err rc = pdf_check(d, "HPDF_AddPage");
    if (rc != EG_OK)
        return rc;
    HPDF_Page_SetWidth(d->page, (HPDF_REAL)d->pw);
    HPDF_Page_SetHeight(d->page, (HPDF_REAL)d->ph);
    rc = pdf_check(d, "setting the page size");
    if (rc != EG_OK)
        return rc;
    d->pages++;
    d->y = d->ph - d->mt;
    d->x = d->ml;
    d->base = d->y;
    d->float_w = 0;
    if (d->page_numbers && d->pages > 1) {
        char num[16];
        int n = snprintf(num, sizeof(num), "%d", d->pages);
        double w;
        rc = pdf_width(d, 0, d->body, num, (size_t)n, &w);
        if (rc == EG_OK)
            rc = pdf_draw(d, 0, d->body, d->ml + (d->pw - d->ml - d->mr - w) / 2,
                          d->ph - d->mt / 2 - d->body / 3, num, (size_t)n);
        if (rc != EG_OK)
            return rc;
    }
    if (d->footer != NULL) {
        struct footer_ctx c = {d->mb - FOOTER_SIZE, 4.0};
        double tw = d->pw - d->ml - d->mr;
        struct pdf_widths w = {tw, tw, tw, false};
        rc = pdf_wrap(d, pdf_variant(EG_PDF_ITALIC), FOOTER_SIZE, d->footer, strlen(d->footer), &w,
                      footer_line, &c);
    }
    return rc;
}

/* ---- the document --------------------------------------------------------------- */

static bool
margin_ok(double mm)
{
    return mm >= 5.0 && mm <= 60.0;
}

static enum eg_err
set_info(struct eg_pdf *d, HPDF_InfoType t, const char *v, const char *what)
{
    if (v == NULL || *v == '\0')
        return EG_OK;
    enum eg_err rc = pdf_prepare(d, v, 0, &d->tx);
    if (rc != EG_OK)
        return rc;
    if (d->tx.len > 4096)
        return pdf_fail(d, EG_ETOOBIG, "the %s is longer than 4096 bytes", what);
    HPDF_SetInfoAttr(d->h, t, eg_buf_str(&d->tx));
    return pdf_check(d, "HPDF_SetInfoAttr");
}

static enum eg_err
setup(struct eg_pdf *d, const struct eg_pdf_opts *o, struct eg_buf *msg)
{
    double mt = o->margin_top > 0 ? o->margin_top : EG_PDF_MARGIN_TOP;
    double mb = o->margin_bottom > 0 ? o->margin_bottom : EG_PDF_MARGIN_BOTTOM;
    double ml = o->margin_left > 0 ? o->margin_left : EG_PDF_MARGIN_LEFT;
    double mr = o->margin_right > 0 ? o->margin_right : EG_PDF_MARGIN_RIGHT;
    if (!margin_ok(mt) || !margin_ok(mb) || !margin_ok(ml) || !margin_ok(mr)) {
        return say(msg, EG_EINVAL, "%s", "margins must be between 5 and 60 mm");
    }
    d->body = o->body_size > 0 ? o->body_size : EG_PDF_BODY_SIZE;
    if (d->body < 6 || d->body > 36) {
        return say(msg, EG_EINVAL, "%s", "the body size must be between 6 and 36 points");
    }
    if (o->max_pages < 0) {
        return say(msg, EG_EINVAL, "%s", "max_pages must not be negative");
    }
    d->max_pages = o->max_pages > 0 ? o->max_pages : EG_PDF_MAX_PAGES;
    d->pw = o->landscape ? A4_H : A4_W;
    d->ph = o->landscape ? A4_W : A4_H;
    d->mt = mt * MM;
    d->mb = mb * MM;
    d->ml = ml * MM;
    d->mr = mr * MM;
    d->page_numbers = o->page_numbers;
    return find_fonts(d, o->fonts_dir != NULL ? o->fonts_dir : EG_PDF_FONTS_DIR,
                      o->font_family != NULL ? o->font_family : EG_PDF_FONT_FAMILY, msg);
}

enum eg_err
eg_pdf_new(const struct eg_pdf_opts *opts, struct eg_pdf **out, struct eg_buf *msg)
{
    static const struct eg_pdf_opts none;
    const struct eg_pdf_opts *o = opts != NULL ? opts : &none;
    *out = NULL;
    if (msg != NULL)
        eg_buf_reset(msg);
    struct eg_buf scratch = EG_BUF_INIT(MSG_MAX);
    struct eg_buf *m = msg != NULL ? msg : &scratch;

    struct eg_pdf *d = calloc(1, sizeof(*d));
    if (d == NULL)
        return EG_ENOMEM;
    eg_buf_init(&d->msg, MSG_MAX);
    eg_buf_init(&d->tx, SCRATCH_MAX);
    eg_buf_init(&d->run, SCRATCH_MAX);
    eg_buf_init(&d->tmp, SCRATCH_MAX);

    enum eg_err rc = setup(d, o, m);
    if (rc != EG_OK)
        goto fail;
    d->h = HPDF_New(on_hpdf_error, d);
    if (d->h == NULL) {
        rc = EG_ENOMEM;
        goto fail;
    }
    HPDF_SetCompressionMode(d->h, HPDF_COMP_ALL);
    HPDF_UseUTFEncodings(d->h);
    HPDF_SetCurrentEncoder(d->h, "UTF-8");
    rc = pdf_check(d, "setting up libharu");
    if (rc == EG_OK)
        rc = set_info(d, HPDF_INFO_TITLE, o->title, "title");
    if (rc == EG_OK)
        rc = set_info(d, HPDF_INFO_AUTHOR, o->author, "author");
    if (rc == EG_OK)
        rc = set_info(d, HPDF_INFO_SUBJECT, o->subject, "subject");
    if (rc == EG_OK)
        rc = set_info(d, HPDF_INFO_CREATOR, "egov", "creator");
    if (rc == EG_OK && o->footer != NULL && *o->footer != '\0') {
        rc = pdf_prepare(d, o->footer, 0, &d->tx);
        /* A footer of nothing but white space is no footer. */
        if (rc == EG_OK && d->tx.len > 0) {
            d->footer = eg_buf_take(&d->tx);
            eg_buf_init(&d->tx, SCRATCH_MAX);
        }
    }
    /* The regular font is always drawn: loading it now reports a bad file early. */
    HPDF_Font f = NULL;
    if (rc == EG_OK)
        rc = pdf_font(d, 0, &f);
    if (rc == EG_OK) {
        d->ascent = HPDF_Font_GetAscent(f);
        d->descent = HPDF_Font_GetDescent(f);
        if (d->ascent <= 0 || d->ascent > 2000 || d->descent > 0 || d->descent < -2000) {
            d->ascent = 900; /* a font with odd metrics: sensible values */
            d->descent = -250;
        }
        rc = pdf_new_page(d);
    }
    if (rc != EG_OK) {
        if (d->err != EG_OK)
            (void)say(m, rc, "%s", eg_buf_str(&d->msg));
        goto fail;
    }
    *out = d;
    eg_buf_release(&scratch);
    return EG_OK;
fail:
    if (m->len == 0)
        (void)say(m, rc, "%s", eg_strerror(rc));
    eg_buf_release(&scratch);
    eg_pdf_free(d);
    return rc;
}

void
eg_pdf_free(struct eg_pdf *d)
{
    if (d == NULL)
        return;
    pdf_table_free(d->table);
    if (d->h != NULL)
        HPDF_Free(d->h);
    free(d->footer);
    eg_buf_release(&d->msg);
    eg_buf_release(&d->tx);
    eg_buf_release(&d->run);
    eg_buf_release(&d->tmp);
    free(d);
}

const char *
eg_pdf_errmsg(const struct eg_pdf *d)
{
    return d->err == EG_OK ? "" : eg_buf_str(&d->msg);
}

int
eg_pdf_pages(const struct eg_pdf *d)
{
    return d->pages;
}

double
eg_pdf_text_width(const struct eg_pdf *d)
{
    return d->pw - d->ml - d->mr;
}

enum eg_err
pdf_ready(struct eg_pdf *d)
{
    if (d->err != EG_OK)
        return d->err;
    if (d->saved)
        return pdf_fail(d, EG_EINVAL, "the document is already saved");
    if (d->table != NULL)
        return pdf_fail(d, EG_EINVAL, "a table is open: end it before other blocks");
    return EG_OK;
}

double
pdf_right(struct eg_pdf *d)
{
    double right = d->pw - d->mr;
    if (d->float_w > 0 && d->y > d->float_bottom + 0.01)
        return right - d->float_w;
    d->float_w = 0; /* below it: the float is over */
    return right;
}

void
pdf_float_clear(struct eg_pdf *d)
{
    if (d->float_w > 0 && d->y > d->float_bottom)
        d->y = d->float_bottom;
    d->float_w = 0;
}

enum eg_err
eg_pdf_space(struct eg_pdf *d, double pt)
{
    enum eg_err rc = pdf_ready(d);
    if (rc != EG_OK)
        return rc;
    if (!(pt >= 0 && pt <= d->ph))
        return pdf_fail(d, EG_EINVAL, "space of %g points", pt);
    d->y -= pt;
    if (d->y < d->mb)
        return pdf_new_page(d);
    return EG_OK;
}

enum eg_err
eg_pdf_need(struct eg_pdf *d, double pt)
{
    enum eg_err rc = pdf_ready(d);
    if (rc != EG_OK)
        return rc;
    if (!(pt >= 0))
        return pdf_fail(d, EG_EINVAL, "need of %g points", pt);
    if (d->y - pt < d->mb && d->y < d->ph - d->mt)
        return pdf_new_page(d);
    return EG_OK;
}

enum eg_err
eg_pdf_page_break(struct eg_pdf *d)
{
    enum eg_err rc = pdf_ready(d);
    if (rc != EG_OK)
        return rc;
    return pdf_new_page(d);
}

enum eg_err
eg_pdf_save(struct eg_pdf *d, struct eg_buf *out)
{
    if (d->err != EG_OK)
        return d->err;
    if (d->saved)
        return pdf_fail(d, EG_EINVAL, "the document is already saved");
    enum eg_err rc = pdf_table_close(d);
    if (rc != EG_OK)
        return rc;
    d->saved = true;
    HPDF_SaveToStream(d->h);
    rc = pdf_check(d, "HPDF_SaveToStream");
    if (rc != EG_OK)
        return rc;
    HPDF_UINT32 size = HPDF_GetStreamSize(d->h);
    rc = pdf_check(d, "HPDF_GetStreamSize");
    if (rc != EG_OK)
        return rc;
    size_t old = out->len;
    rc = eg_buf_grow(out, size);
    if (rc != EG_OK)
        return pdf_fail(d, rc, "the PDF (%u bytes) does not fit in the buffer", (unsigned)size);
    HPDF_BYTE chunk[16384];
    for (;;) {
        HPDF_UINT32 n = sizeof(chunk);
        HPDF_STATUS st = HPDF_ReadFromStream(d->h, chunk, &n);
        if (st != HPDF_OK && st != HPDF_STREAM_EOF) {
            rc = pdf_check(d, "HPDF_ReadFromStream");
            if (rc == EG_OK)
                rc = pdf_fail(d, EG_EINTERNAL, "HPDF_ReadFromStream: 0x%04X", (unsigned)st);
            break;
        }
        if (n > 0) {
            rc = eg_buf_add(out, chunk, n);
            if (rc != EG_OK) {
                rc = pdf_fail(d, rc, "the PDF does not fit in the buffer");
                break;
            }
        }
        if (st == HPDF_STREAM_EOF || n == 0)
            break;
    }
    if (rc == EG_OK && out->len - old != size)
        rc = pdf_fail(d, EG_EINTERNAL, "libharu gave %zu bytes of %u", out->len - old,
                      (unsigned)size);
    if (rc != EG_OK) {
        out->len = old;
        if (out->p != NULL)
            out->p[old] = '\0';
    }
    return rc;
}
