/*
 * pdf_int.h - the fields of struct eg_pdf, shared by pdf.c (the document,
 * fonts, pages, errors, saving), flow.c (text preparation, line breaking
 * and the blocks), table.c (ruled tables) and qr.c (QR codes). Included
 * only inside src/pdf/.
 */
#ifndef EG_PDF_INT_H
#define EG_PDF_INT_H

#include <limits.h>

#include <hpdf.h>

#include "pdf/pdf.h"

/* Font variants: bit 0 bold, bit 1 italic. */
#define FONT_VARIANTS 4

struct eg_pdf {
    HPDF_Doc h;
    HPDF_Page page;

    /* The sticky error and its sentence. */
    enum eg_err err;
    struct eg_buf msg;
    /* What libharu's error handler recorded; 0 while nothing went wrong. */
    HPDF_STATUS herr;
    HPDF_STATUS hdetail;

    /* Font files ("" for a variant drawn by slanting its upright sibling). */
    char font_path[FONT_VARIANTS][PATH_MAX];
    HPDF_Font font[FONT_VARIANTS]; /* loaded on first use */
    bool slant[FONT_VARIANTS];
    double ascent; /* of the regular font, in 1/1000 em */
    double descent;

    /* Page geometry in points, origin at the bottom left. */
    double pw, ph;
    double ml, mr, mt, mb;
    double body;

    /* The cursor: y is the top of the next line; a line in progress (after a
     * prompt or a label) has its baseline in base and its end in x. */
    double y;
    double base;
    double x;
    double line_size;

    int pages;
    int max_pages;
    bool page_numbers;
    bool saved;
    char *footer; /* prepared (NFC) text, or NULL */

    /* A block beside which the next ones flow (a QR code on the right): blocks
     * starting above float_bottom end float_w points short of the margin. */
    double float_w;
    double float_bottom;

    /* The open table (table.c), or NULL. */
    struct pdf_table *table;

    /* Scratch: prepared text, a NUL-terminated run, a step of preparation. */
    struct eg_buf tx;
    struct eg_buf run;
    struct eg_buf tmp;
};

/* A line of wrapped text: bytes [off, off + len) of the prepared text. */
struct pdf_line {
    size_t off;
    size_t len;
    double w;   /* its width in points */
    bool first; /* it starts a paragraph (a hard line) */
    bool last;  /* it ends a paragraph: never justified */
};

/* The widths available to the lines of a text, in points. */
struct pdf_widths {
    double first; /* the very first line */
    double para;  /* the first line of each later paragraph */
    double rest;  /* every other line */
    /* The first line continues a line in progress: a word that does not fit
     * there moves to the next line rather than being broken. */
    bool cont;
};

typedef enum eg_err (*pdf_line_fn)(struct eg_pdf *d, void *ctx, const char *s,
                                   const struct pdf_line *ln, int idx);

/* pdf.c */
enum eg_err pdf_fail(struct eg_pdf *d, enum eg_err e, const char *fmt, ...) EG_PRINTF(3, 4);
enum eg_err pdf_check(struct eg_pdf *d, const char *what);
enum eg_err pdf_font(struct eg_pdf *d, int v, HPDF_Font *out);
enum eg_err pdf_new_page(struct eg_pdf *d);
enum eg_err pdf_width(struct eg_pdf *d, int v, double size, const char *s, size_t n, double *w);
enum eg_err pdf_draw(struct eg_pdf *d, int v, double size, double x, double base, const char *s,
                     size_t n);
enum eg_err pdf_hline(struct eg_pdf *d, double x1, double x2, double y, double width, bool dotted);
enum eg_err pdf_box(struct eg_pdf *d, double x, double y, double w, double h);
enum eg_err pdf_fill_rect(struct eg_pdf *d, double x, double y, double w, double h);
enum eg_err pdf_rect(struct eg_pdf *d, double x, double y, double w, double h, double width);
enum eg_err pdf_vline(struct eg_pdf *d, double x, double y1, double y2, double width);
/* EG_OK when a block may be added: no sticky error, not saved, no table open. */
enum eg_err pdf_ready(struct eg_pdf *d);
/* The right edge for a block starting now (short of a float beside it). */
double pdf_right(struct eg_pdf *d);
/* Moves the cursor below a float, which then ends. */
void pdf_float_clear(struct eg_pdf *d);

/* flow.c */
enum eg_err pdf_prepare(struct eg_pdf *d, const char *text, unsigned flags, struct eg_buf *out);
enum eg_err pdf_wrap(struct eg_pdf *d, int v, double size, const char *s, size_t n,
                     const struct pdf_widths *w, pdf_line_fn fn, void *ctx);
double pdf_leading(double size);
double pdf_base_offset(const struct eg_pdf *d, double size);
enum eg_err pdf_line_new(struct eg_pdf *d, double size);

/* table.c */
enum eg_err pdf_table_close(struct eg_pdf *d);
void pdf_table_free(struct pdf_table *t);

static inline int
pdf_variant(unsigned flags)
{
    return ((flags & EG_PDF_BOLD) ? 1 : 0) | ((flags & EG_PDF_ITALIC) ? 2 : 0);
}

#endif /* EG_PDF_INT_H */
