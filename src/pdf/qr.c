/*
 * qr.c - QR codes drawn as vectors (libqrencode for the symbol).
 *
 * libqrencode gives the modules as a width x width array of bytes, bit 0 set
 * for a dark module. Each horizontal run of dark modules is one filled
 * rectangle (a third of the drawing operations of one per module, and no
 * hairline seams between neighbours in a viewer). The quiet zone of four
 * light modules is part of the size asked for: nothing else is drawn there.
 */
#include <errno.h>
#include <string.h>

#include <qrencode.h>

#include "pdf/pdf_int.h"

#define MM (72.0 / 25.4)
#define QUIET 4                /* modules of quiet zone on each side (ISO/IEC 18004) */
#define MIN_MODULE (0.25 * MM) /* about three dots at 300 dpi */
#define CAPTION_SIZE 8.5
#define CAPTION_GAP 2.0 /* points between the symbol and its caption */
#define BESIDE_GAP (3.0 * MM)

struct caption {
    double x0; /* the column the caption is centred in */
    double w;
    double top;
    double size;
    int v;
};

static enum eg_err
caption_line(struct eg_pdf *d, void *ctx, const char *s, const struct pdf_line *ln, int idx)
{
    struct caption *c = ctx;
    (void)idx;
    double base = c->top - pdf_base_offset(d, c->size);
    c->top -= pdf_leading(c->size);
    return pdf_draw(d, c->v, c->size, c->x0 + (c->w - ln->w) / 2, base, s + ln->off, ln->len);
}

static enum eg_err
count_line(struct eg_pdf *d, void *ctx, const char *s, const struct pdf_line *ln, int idx)
{
    int *n = ctx;
    (void)d;
    (void)s;
    (void)ln;
    (void)idx;
    (*n)++;
    return EG_OK;
}

static enum eg_err
encode(struct eg_pdf *d, const char *text, size_t n, QRcode **out)
{
    errno = 0;
    *out = QRcode_encodeData((int)n, (const unsigned char *)text, 0, QR_ECLEVEL_M);
    if (*out != NULL)
        return EG_OK;
    if (errno == ENOMEM)
        return pdf_fail(d, EG_ENOMEM, "encoding a QR code");
    if (errno == ERANGE)
        return pdf_fail(d, EG_ETOOBIG, "%zu bytes do not fit in a QR code", n);
    return pdf_fail(d, EG_EINVAL, "the text cannot be encoded as a QR code");
}

/* Draws the symbol with its top left corner (quiet zone included) at x, top. */
static enum eg_err
draw_symbol(struct eg_pdf *d, const QRcode *q, double x, double top, double module)
{
    enum eg_err rc = EG_OK;
    int w = q->width;
    for (int r = 0; r < w && rc == EG_OK; r++) {
        const unsigned char *row = q->data + (size_t)r * (size_t)w;
        double y = top - (QUIET + r + 1) * module;
        int c = 0;
        while (c < w && rc == EG_OK) {
            if (!(row[c] & 1)) {
                c++;
                continue;
            }
            int start = c;
            while (c < w && (row[c] & 1))
                c++;
            rc = pdf_fill_rect(d, x + (QUIET + start) * module, y, (c - start) * module, module);
        }
    }
    return rc;
}

/*
 * Prepares the caption in d->tx: as wide as it needs up to half the text
 * width, at least the symbol's (*w); *lines it wraps to (0 without one).
 */
static enum eg_err
measure_caption(struct eg_pdf *d, const char *caption, double csize, double size, double *w,
                int *lines)
{
    *w = size;
    *lines = 0;
    if (caption == NULL || *caption == '\0')
        return EG_OK;
    int cv = pdf_variant(0);
    double natural = 0;
    enum eg_err rc = pdf_prepare(d, caption, 0, &d->tx);
    if (rc == EG_OK)
        rc = pdf_width(d, cv, csize, eg_buf_str(&d->tx), d->tx.len, &natural);
    if (rc != EG_OK)
        return rc;
    double tw = eg_pdf_text_width(d);
    double most = tw / 2 > size ? tw / 2 : size;
    if (natural > size)
        *w = natural < most ? natural + 1 : most;
    struct pdf_widths ws = {*w, *w, *w, false};
    return pdf_wrap(d, cv, csize, eg_buf_str(&d->tx), d->tx.len, &ws, count_line, lines);
}

enum eg_err
eg_pdf_qr(struct eg_pdf *d, const char *text, double size_mm, const struct eg_pdf_qr_opts *o)
{
    static const struct eg_pdf_qr_opts centred = {.align = EG_PDF_CENTER};
    if (o == NULL)
        o = &centred;
    enum eg_err rc = pdf_ready(d);
    if (rc != EG_OK)
        return rc;
    if (text == NULL || *text == '\0')
        return pdf_fail(d, EG_EINVAL, "a QR code of no text");
    size_t n = strlen(text);
    if (n > EG_PDF_QR_MAX)
        return pdf_fail(d, EG_ETOOBIG, "a QR code of %zu bytes (at most %d)", n, EG_PDF_QR_MAX);
    if (!(size_mm >= 10 && size_mm <= 100))
        return pdf_fail(d, EG_EINVAL, "a QR code of %g mm (10 to 100)", size_mm);
    if (o->align != EG_PDF_LEFT && o->align != EG_PDF_CENTER && o->align != EG_PDF_RIGHT &&
        o->align != EG_PDF_JUSTIFY)
        return pdf_fail(d, EG_EINVAL, "unknown alignment %d", (int)o->align);
    if (o->beside && o->align != EG_PDF_RIGHT)
        return pdf_fail(d, EG_EINVAL, "only a QR code on the right can have text beside it");
    double csize = o->caption_size > 0 ? o->caption_size : CAPTION_SIZE;
    if (!(csize >= 4 && csize <= 36))
        return pdf_fail(d, EG_EINVAL, "a caption of %g points (4 to 36)", csize);

    QRcode *q = NULL;
    rc = encode(d, text, n, &q);
    if (rc != EG_OK)
        return rc;
    double size = size_mm * MM;
    double module = size / (q->width + 2 * QUIET);
    if (module < MIN_MODULE) {
        rc = pdf_fail(d, EG_EINVAL,
                      "%zu bytes need a QR code of %d modules: more than %g mm can show sharply", n,
                      q->width, size_mm);
        goto out;
    }

    pdf_float_clear(d);
    double tw = eg_pdf_text_width(d);
    double cw = size;
    int clines = 0;
    int cv = pdf_variant(0);
    rc = measure_caption(d, o->caption, csize, size, &cw, &clines);
    if (rc != EG_OK)
        goto out;
    double height = size + (clines > 0 ? CAPTION_GAP + clines * pdf_leading(csize) : 0);
    if (height > d->ph - d->mt - d->mb) {
        rc = pdf_fail(d, EG_ETOOBIG, "a QR code taller than a page");
        goto out;
    }
    if (d->y - height < d->mb - 0.01) {
        rc = pdf_new_page(d);
        if (rc != EG_OK)
            goto out;
    }
    /* The block (symbol and caption) is cw wide; the symbol is centred in it. */
    double bx = d->ml + (tw - cw) / 2;
    if (o->align == EG_PDF_LEFT)
        bx = d->ml;
    else if (o->align == EG_PDF_RIGHT)
        bx = d->ml + tw - cw;
    double top = d->y;
    rc = draw_symbol(d, q, bx + (cw - size) / 2, top, module);
    if (rc == EG_OK && clines > 0) {
        struct caption c = {bx, cw, top - size - CAPTION_GAP, csize, cv};
        struct pdf_widths ws = {cw, cw, cw, false};
        rc = pdf_wrap(d, cv, csize, eg_buf_str(&d->tx), d->tx.len, &ws, caption_line, &c);
    }
    if (rc != EG_OK)
        goto out;
    if (o->beside) {
        d->float_w = cw + BESIDE_GAP;
        d->float_bottom = top - height;
    } else {
        d->y = top - height;
    }
    d->x = d->ml;
out:
    QRcode_free(q);
    return rc;
}
