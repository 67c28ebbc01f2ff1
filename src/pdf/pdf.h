/*
 * pdf.h - flowing A4 documents in Vietnamese: receipts, registers, blank forms.
 *
 * A small writer over libharu (libhpdf): the caller adds blocks from top to
 * bottom (paragraphs, a two-column header, fill-in lines, check boxes, tables,
 * QR codes, space) and the writer wraps lines by measured width and starts
 * new pages by itself. Text is UTF-8, normalised to NFC, and drawn in an embedded TrueType
 * font (DejaVu Serif by default: Decree 30/2020 asks for Times New Roman,
 * which Debian does not ship; docs/pdf.md says why this one). The finished
 * document is written to a memory buffer, never to a file.
 *
 * Units: sizes in points (1/72 inch), margins in millimetres.
 * Errors: the first failure (bad input, a libharu error, a limit) sticks: every
 * later call returns the same code at once, eg_pdf_errmsg() says what went
 * wrong, and the document can only be freed. libharu never jumps through
 * this code: its error handler only records the error.
 * Ownership: eg_pdf_new() hands the caller a document that eg_pdf_free()
 * releases; strings passed in are copied or used during the call only.
 * Thread safety: a document belongs to one thread at a time; documents on
 * different threads share nothing (no global state but constant tables).
 */
#ifndef EG_PDF_H
#define EG_PDF_H

#include "core/core.h"

#define EG_PDF_FONTS_DIR "/usr/share/fonts/truetype/dejavu"
#define EG_PDF_FONT_FAMILY "DejaVuSerif"
#define EG_PDF_MAX_PAGES 500        /* default ceiling of one document */
#define EG_PDF_TEXT_MAX (64u << 10) /* bytes of one text argument */
#define EG_PDF_BODY_SIZE 13.0       /* Decree 30/2020: body text 13-14 pt */

/* Decree 30/2020/NĐ-CP, Appendix I: the margins of an A4 page, in mm. */
#define EG_PDF_MARGIN_TOP 20.0    /* 20-25 */
#define EG_PDF_MARGIN_BOTTOM 20.0 /* 20-25 */
#define EG_PDF_MARGIN_LEFT 30.0   /* 30-35 */
#define EG_PDF_MARGIN_RIGHT 15.0  /* 15-20 */

struct eg_pdf;

struct eg_pdf_opts {
    const char *title;   /* document information, UTF-8; NULL for none */
    const char *author;  /* the issuing agency or "egov" */
    const char *subject; /* NULL for none */
    /*
     * Where the TrueType files are (NULL: EG_PDF_FONTS_DIR) and their family:
     * <family>.ttf or <family>-Regular.ttf, <family>-Bold.ttf, and optionally
     * <family>-Italic.ttf and <family>-BoldItalic.ttf (slanted regular or bold
     * otherwise). NULL: EG_PDF_FONT_FAMILY. Both fonts must cover Vietnamese.
     */
    const char *fonts_dir;
    const char *font_family;
    double body_size; /* points; 0 = EG_PDF_BODY_SIZE */
    /* Margins in mm; 0 = the Decree 30 defaults above. Each 5..60. */
    double margin_top, margin_bottom, margin_left, margin_right;
    /* Decree 30: Arabic numerals centred in the top margin, from page 2 on. */
    bool page_numbers;
    /* A small line in the bottom margin of every page (form code, origin). */
    const char *footer;
    int max_pages; /* 0 = EG_PDF_MAX_PAGES; one more is EG_ETOOBIG */
    /* A4 landscape (registers with many columns); the margins keep their
     * names: left is still the binding edge. */
    bool landscape;
};

/* Style flags. */
#define EG_PDF_BOLD 0x1u
#define EG_PDF_ITALIC 0x2u
#define EG_PDF_UNDERLINE 0x4u /* a line under each line of text, as long as it */
#define EG_PDF_RULE 0x8u      /* columns: a short centred rule under the cell (agency name) */
#define EG_PDF_UPPER 0x10u    /* shown in upper case (Unicode, so "đ" is "Đ") */
/* columns: the cell starts at its column's left edge rather than centred ("Nơi nhận:") */
#define EG_PDF_CELL_LEFT 0x20u

enum eg_pdf_align { EG_PDF_LEFT = 0, EG_PDF_CENTER, EG_PDF_RIGHT, EG_PDF_JUSTIFY };

/* How a block looks. NULL where a style is asked for: body text, left-aligned. */
struct eg_pdf_style {
    double size;             /* points; 0 = the document's body size */
    unsigned flags;          /* EG_PDF_BOLD | EG_PDF_ITALIC | EG_PDF_UNDERLINE | EG_PDF_UPPER */
    enum eg_pdf_align align; /* justified text keeps the last line of a paragraph left */
    double indent;           /* first-line indent in mm (Decree 30: 10-12.7 for body text) */
    /* Line height in font sizes, 1 to 3; 0 = 1.25 for text and check boxes, 1.5 for
     * fill-in lines and character boxes (Decree 30: single to 1.5 lines). */
    double leading;
};

/* One cell of a two-column block: a centred paragraph. */
struct eg_pdf_cell {
    const char *text; /* UTF-8; "\n" breaks the line */
    unsigned flags;   /* EG_PDF_BOLD | ITALIC | UNDERLINE | RULE | UPPER | CELL_LEFT */
    double size;      /* points; 0 = the body size */
};

/*
 * A new document with its first page. EG_EINVAL (msg names the path) when the
 * font directory or a font file is missing, or an option is out of range;
 * EG_ENOMEM. msg is replaced, not appended to.
 */
EG_WUR enum eg_err eg_pdf_new(const struct eg_pdf_opts *opts, struct eg_pdf **out,
                              struct eg_buf *msg);
/* Releases the document; NULL is fine. */
void eg_pdf_free(struct eg_pdf *d);

/* The sentence describing the sticky error, or "" while there is none. */
const char *eg_pdf_errmsg(const struct eg_pdf *d);
/* Pages so far (at least 1). */
int eg_pdf_pages(const struct eg_pdf *d);
/* The width between the margins, in points. */
double eg_pdf_text_width(const struct eg_pdf *d);

/*
 * A paragraph: wrapped at spaces to the text width (a word longer than a line
 * is broken anyway), "\n" starts a new line, runs of white space count as
 * one. Pages break between lines. EG_EINVAL for invalid UTF-8, EG_ETOOBIG past
 * EG_PDF_TEXT_MAX bytes or the page limit.
 */
EG_WUR enum eg_err eg_pdf_text(struct eg_pdf *d, const struct eg_pdf_style *st, const char *text);

/*
 * Two columns side by side, each cell centred (or, with EG_PDF_CELL_LEFT, set
 * from the column's left edge) and wrapped in its column, the
 * cursor then below the taller column: the header of an official document
 * (left: the agency; right: the national motto) or a signature block (left
 * empty). left_width in mm (0: 35 % of the text width). The block is never
 * split: it starts a new page when it does not fit (EG_ETOOBIG if it is
 * taller than a page).
 */
EG_WUR enum eg_err eg_pdf_columns(struct eg_pdf *d, double left_width,
                                  const struct eg_pdf_cell *left, size_t nleft,
                                  const struct eg_pdf_cell *right, size_t nright);

/*
 * A fill-in line: label (wrapped like a paragraph), then a dotted leader from
 * its end to the right margin, then extra_lines (0..50) full dotted lines for
 * longer answers. A leader shorter than 20 mm goes to a line of its own.
 */
EG_WUR enum eg_err eg_pdf_fill(struct eg_pdf *d, const struct eg_pdf_style *st, const char *label,
                               int extra_lines);

/*
 * Check boxes: prompt (NULL for none) and then an empty box before each of
 * labels[0..n), flowing on as many lines as they need; a label too long for
 * a line wraps under itself.
 */
EG_WUR enum eg_err eg_pdf_checkboxes(struct eg_pdf *d, const struct eg_pdf_style *st,
                                     const char *prompt, const char *const *labels, size_t n);

/* label, then count (1..32) empty boxes for one character each (a 12-digit personal id). */
EG_WUR enum eg_err eg_pdf_char_boxes(struct eg_pdf *d, const struct eg_pdf_style *st,
                                     const char *label, int count);

/* Vertical space in points; at the foot of a page it is dropped, not carried over. */
EG_WUR enum eg_err eg_pdf_space(struct eg_pdf *d, double pt);
/* Starts a new page unless at least pt points are left on this one (keeps blocks together). */
EG_WUR enum eg_err eg_pdf_need(struct eg_pdf *d, double pt);
/* Starts a new page. */
EG_WUR enum eg_err eg_pdf_page_break(struct eg_pdf *d);

/* ---- tables --------------------------------------------------------------------------- */

#define EG_PDF_TABLE_MAX_COLS 16

struct eg_pdf_column {
    const char *title;       /* the header cell, UTF-8 ("\n" breaks it); NULL for none */
    double width;            /* mm; 0 = an equal share of what the other columns leave */
    enum eg_pdf_align align; /* of the body cells: left, center or right (justify is left) */
};

struct eg_pdf_table {
    const struct eg_pdf_column *cols;
    size_t ncols;       /* 1..EG_PDF_TABLE_MAX_COLS */
    double size;        /* of the cells, points; 0 = the body size */
    double header_size; /* of the header cells; 0 = size */
    bool numbered;      /* a row "(1) (2) ..." under the header, as registers have */
};

/*
 * A ruled table across the text width, written row by row (a register of
 * thousands of rows is never held in memory): eg_pdf_table_begin() copies
 * the definition, each eg_pdf_table_row() wraps its cells in their columns
 * and draws the row, eg_pdf_table_end() closes the table. The header row
 * (bold, centred) is drawn above the first row of every page the table is
 * on; a row that does not fit on the rest of a page goes to the next one,
 * and a row taller than a page is split between lines. Widths that add up
 * to more than the text width, or a column narrower than 5 mm, are
 * EG_EINVAL. While a table is open, other blocks are EG_EINVAL; saving
 * closes it.
 */
EG_WUR enum eg_err eg_pdf_table_begin(struct eg_pdf *d, const struct eg_pdf_table *t);
/* One row: cells[0..n) with n the number of columns; a NULL cell is empty. */
EG_WUR enum eg_err eg_pdf_table_row(struct eg_pdf *d, const char *const *cells, size_t n);
/* Closes the table (a table without rows still shows its header); the cursor is under it. */
EG_WUR enum eg_err eg_pdf_table_end(struct eg_pdf *d);

/* ---- QR codes ------------------------------------------------------------------------- */

#define EG_PDF_QR_MAX 1024 /* bytes of one QR code's text */

struct eg_pdf_qr_opts {
    enum eg_pdf_align align; /* left, center (justify too) or right in the text width */
    const char *caption;     /* a small line centred under the symbol, or NULL */
    double caption_size;     /* points; 0 = 8.5 */
    /*
     * Only with EG_PDF_RIGHT: the cursor stays where it was and the next
     * blocks flow to the left of the symbol until they are below it (a
     * receipt's details beside its QR code). Tables, columns and another QR
     * code start below it.
     */
    bool beside;
};

/*
 * A QR code (ISO/IEC 18004, error correction level M, byte mode) of text,
 * size_mm wide and high (10..100) including its quiet zone of four modules
 * on each side; dark modules are filled rectangles, so it prints sharp at any
 * resolution. o NULL: centred, no caption. EG_EINVAL for an empty text or a
 * module narrower than 0.25 mm (too much text for the size), EG_ETOOBIG
 * past EG_PDF_QR_MAX bytes. Never split across pages.
 */
EG_WUR enum eg_err eg_pdf_qr(struct eg_pdf *d, const char *text, double size_mm,
                             const struct eg_pdf_qr_opts *o);

/*
 * Appends the finished PDF to out (EG_ETOOBIG past out->max, out unchanged).
 * The document takes no more content afterwards.
 */
EG_WUR enum eg_err eg_pdf_save(struct eg_pdf *d, struct eg_buf *out);

#endif /* EG_PDF_H */
