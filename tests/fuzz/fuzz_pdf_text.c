/*
 * fuzz_pdf_text.c - the PDF writer's text path (NFC, upper case, white space,
 * line breaking by measured width, page breaks) on arbitrary bytes, through
 * eg_pdf_text, eg_pdf_fill, eg_pdf_checkboxes and eg_pdf_columns, then
 * eg_pdf_save.
 *
 * Input: byte 0 chooses the style (bits 0-1 bold/italic, bits 2-3 the
 * alignment, bit 4 upper case, bits 5-7 the size); the rest is the text.
 * Invariants:
 *  - every call returns EG_OK, EG_EINVAL or EG_ETOOBIG (the 3-page limit);
 *  - EG_EINVAL exactly when the text is not valid UTF-8, and then the error
 *    sticks: the next call and the save return it too;
 *  - a document that took all its blocks saves to bytes framed as a PDF;
 *  - the page count never passes the limit.
 */
#include "fuzz.h"

#include "pdf/pdf.h"

#define MAX_PAGES 3

static void
check_rc(enum eg_err rc, bool valid)
{
    FUZZ_CHECK(rc == EG_OK || rc == EG_EINVAL || rc == EG_ETOOBIG);
    if (rc == EG_EINVAL)
        FUZZ_CHECK(!valid);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    fuzz_paint_stack();
    uint8_t sel = data[0];
    char *text = fuzz_cstr(data + 1, size - 1);
    size_t n = strlen(text);
    bool valid = eg_utf8_valid(text, n);

    struct eg_pdf_opts o = {.max_pages = MAX_PAGES, .footer = text, .page_numbers = true};
    struct eg_pdf *d = NULL;
    struct eg_buf msg = EG_BUF_INIT(1024);
    enum eg_err rc = eg_pdf_new(&o, &d, &msg);
    if (!valid) {
        /* The footer is prepared when the document is made. */
        FUZZ_CHECK(rc == EG_EINVAL && d == NULL);
        o.footer = NULL;
        rc = eg_pdf_new(&o, &d, &msg);
    }
    FUZZ_CHECK(rc == EG_OK && d != NULL);

    struct eg_pdf_style st = {
        .size = 8 + 2 * (sel >> 5),
        .flags = (sel & 3u) | ((sel & 0x10u) ? EG_PDF_UPPER : 0),
        .align = (enum eg_pdf_align)((sel >> 2) & 3),
        .indent = (sel & 1) ? 10 : 0,
    };
    rc = eg_pdf_text(d, &st, text);
    check_rc(rc, valid);
    if (rc == EG_OK) {
        rc = eg_pdf_fill(d, &st, text, sel & 3);
        check_rc(rc, valid);
    }
    if (rc == EG_OK) {
        const char *labels[] = {text, "Có", text};
        rc = eg_pdf_checkboxes(d, &st, text, labels, 3);
        check_rc(rc, valid);
    }
    if (rc == EG_OK) {
        struct eg_pdf_cell left[] = {{text, EG_PDF_BOLD | EG_PDF_RULE, 0}};
        struct eg_pdf_cell right[] = {{"Độc lập - Tự do - Hạnh phúc", EG_PDF_UNDERLINE, 0}};
        rc = eg_pdf_columns(d, 0, left, 1, right, 1);
        check_rc(rc, valid);
    }
    if (!valid)
        FUZZ_CHECK(rc == EG_EINVAL);
    FUZZ_CHECK(eg_pdf_pages(d) <= MAX_PAGES);

    struct eg_buf out = EG_BUF_INIT((size_t)32 << 20);
    enum eg_err saved = eg_pdf_save(d, &out);
    if (rc == EG_OK) {
        FUZZ_CHECK(saved == EG_OK);
        FUZZ_CHECK(out.len > 16 && memcmp(out.p, "%PDF-", 5) == 0);
        FUZZ_CHECK(fuzz_contains(out.p, out.len, "%%EOF"));
    } else {
        FUZZ_CHECK(saved == rc && out.len == 0);
        FUZZ_CHECK(*eg_pdf_errmsg(d) != '\0');
    }
    eg_buf_release(&out);
    eg_pdf_free(d);
    eg_buf_release(&msg);
    free(text);
    return 0;
}
