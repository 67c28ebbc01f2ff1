/*
 * test_blocks.c - the blocks beyond text: ruled tables (header repeated on
 * every page, wrapped cells, a row taller than a page split, thousands of
 * rows, errors), QR codes (decoded back with zbarimg from a rasterised page
 * when zbar-tools is there; text flowing beside one never runs under it),
 * and landscape pages.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "pdf/pdf.h"
#include "pdf/pdftest.h"

#define MM (72.0 / 25.4)

static struct eg_pdf *
doc_new(const struct eg_pdf_opts *o)
{
    struct eg_pdf *d = NULL;
    struct eg_buf msg = EG_BUF_INIT(1024);
    enum eg_err rc = eg_pdf_new(o, &d, &msg);
    if (rc != EG_OK)
        fail_msg("eg_pdf_new: %s: %s", eg_strerror(rc), eg_buf_str(&msg));
    eg_buf_release(&msg);
    return d;
}

static void
ok(struct eg_pdf *d, enum eg_err rc)
{
    if (rc != EG_OK)
        fail_msg("%s: %s", eg_strerror(rc), eg_pdf_errmsg(d));
}

static void
save(struct eg_pdf *d, struct eg_buf *out)
{
    ok(d, eg_pdf_save(d, out));
    assert_true(pdftest_framed(out));
}

static void
contains(const char *text, const char *want)
{
    char *w = strdup(want);
    assert_non_null(w);
    pdftest_squash(w);
    if (strstr(text, w) == NULL)
        fail_msg("the PDF's text lacks \"%s\"; it is:\n%.4000s", w, text);
    free(w);
}

/* ---- tables ----------------------------------------------------------------------- */

static const struct eg_pdf_column cols[] = {
    {"STT", 14, EG_PDF_CENTER},    {"Bên giao", 0, EG_PDF_LEFT},
    {"Bên nhận", 0, EG_PDF_LEFT},  {"Thời gian giao, nhận", 32, EG_PDF_CENTER},
    {"Kết quả", 22, EG_PDF_RIGHT},
};

static void
test_table_pages(void **state)
{
    (void)state;
    struct eg_pdf_opts o = {.page_numbers = true};
    struct eg_pdf *d = doc_new(&o);
    ok(d, eg_pdf_text(d, NULL, "Bảng thử nghiệm"));
    struct eg_pdf_table t = {cols, EG_ARRAY_LEN(cols), 10, 0, true};
    ok(d, eg_pdf_table_begin(d, &t));
    /* Other blocks wait until the table ends. */
    struct eg_pdf *d2 = doc_new(NULL);
    ok(d2, eg_pdf_table_begin(d2, &t));
    assert_int_equal(eg_pdf_text(d2, NULL, "x"), EG_EINVAL);
    assert_non_null(strstr(eg_pdf_errmsg(d2), "table"));
    eg_pdf_free(d2);

    char a[160], b[160], c[64], e[16];
    for (int i = 1; i <= 150; i++) {
        snprintf(e, sizeof(e), "%d", i);
        snprintf(a, sizeof(a), "Chuyên viên số %d, Phòng Tư pháp - Hộ tịch%s", i,
                 i % 7 == 0 ? " của Ủy ban nhân dân xã Hưng Đông, tỉnh Nghệ An" : "");
        snprintf(b, sizeof(b), "Người nhận %d", i);
        snprintf(c, sizeof(c), "08:%02d %02d/12/2026", i % 60, 1 + i % 28);
        const char *row[] = {e, a, b, c, i % 3 == 0 ? "Quá hạn" : NULL};
        ok(d, eg_pdf_table_row(d, row, 5));
    }
    ok(d, eg_pdf_table_end(d));
    ok(d, eg_pdf_text(d, NULL, "Sau bảng."));
    int pages = eg_pdf_pages(d);
    assert_true(pages >= 4);
    struct eg_buf out = EG_BUF_INIT((size_t)16 << 20);
    save(d, &out);
    eg_pdf_free(d);
    pdftest_keep(&out, "table.pdf");
    if (!pdftest_tools()) {
        eg_buf_release(&out);
        skip();
    }
    assert_int_equal(pdftest_pages(&out), pages);
    /* The header and the column numbers above the rows of every page. */
    for (int p = 1; p <= pages; p++) {
        char *text = pdftest_page_text(&out, p);
        assert_non_null(text);
        contains(text, "STT Bên giao Bên nhận Thời gian giao, nhận Kết quả (1) (2) (3) (4) (5)");
        free(text);
    }
    char *text = pdftest_text(&out);
    assert_non_null(text);
    contains(text, "Chuyên viên số 1, Phòng Tư pháp - Hộ tịch");
    contains(text, "của Ủy ban nhân dân xã Hưng Đông, tỉnh Nghệ An");
    contains(text, "Người nhận 150");
    contains(text, "Sau bảng.");
    /* Every row once, in order. */
    const char *at = text;
    for (int i = 1; i <= 150; i++) {
        snprintf(b, sizeof(b), "Người nhận %d ", i);
        const char *p = strstr(at, b);
        if (p == NULL)
            fail_msg("row %d missing or out of order", i);
        at = p + 1;
    }
    free(text);
    eg_buf_release(&out);
}

/* A row taller than a page is split between lines; an empty table shows its header. */
static void
test_table_tall_row(void **state)
{
    (void)state;
    struct eg_pdf *d = doc_new(NULL);
    struct eg_pdf_table t = {cols, 2, 0, 0, false};
    ok(d, eg_pdf_table_begin(d, &t));
    struct eg_buf big = EG_BUF_INIT((size_t)1 << 20);
    for (int i = 0; i < 120; i++)
        assert_int_equal(eg_buf_printf(&big, "Dòng %d\n", i), EG_OK);
    const char *row[] = {"1", eg_buf_str(&big)};
    ok(d, eg_pdf_table_row(d, row, 2));
    const char *row2[] = {"2", "Hàng sau"};
    ok(d, eg_pdf_table_row(d, row2, 2));
    ok(d, eg_pdf_table_end(d));
    assert_true(eg_pdf_pages(d) >= 3);
    /* Empty, and left open: saving closes it. */
    ok(d, eg_pdf_table_begin(d, &t));
    struct eg_buf out = EG_BUF_INIT((size_t)16 << 20);
    save(d, &out);
    eg_pdf_free(d);
    pdftest_keep(&out, "table-tall.pdf");
    if (!pdftest_tools()) {
        eg_buf_release(&big);
        eg_buf_release(&out);
        skip();
    }
    char *text = pdftest_text(&out);
    assert_non_null(text);
    contains(text, "Dòng 0 Dòng 1");
    contains(text, "Dòng 119 2 Hàng sau");
    /* The header on the three pages of the tall row, and once more for the empty table. */
    size_t heads = 0;
    for (const char *p = text; (p = strstr(p, "STT Bên giao")) != NULL; p++)
        heads++;
    assert_true(heads >= 4);
    free(text);
    eg_buf_release(&big);
    eg_buf_release(&out);
}

static void
test_table_errors(void **state)
{
    (void)state;
    struct eg_pdf *d = doc_new(NULL);
    assert_int_equal(eg_pdf_table_row(d, NULL, 0), EG_EINVAL);
    eg_pdf_free(d);
    d = doc_new(NULL);
    assert_int_equal(eg_pdf_table_end(d), EG_EINVAL);
    eg_pdf_free(d);

    /* Wider than the text width (165 mm). */
    struct eg_pdf_column wide[] = {{"A", 100, EG_PDF_LEFT}, {"B", 70, EG_PDF_LEFT}};
    struct eg_pdf_table t = {wide, 2, 0, 0, false};
    d = doc_new(NULL);
    assert_int_equal(eg_pdf_table_begin(d, &t), EG_EINVAL);
    assert_non_null(strstr(eg_pdf_errmsg(d), "mm"));
    eg_pdf_free(d);
    /* What is left for a shared column is too narrow. */
    struct eg_pdf_column narrow[] = {{"A", 162, EG_PDF_LEFT}, {"B", 0, EG_PDF_LEFT}};
    t = (struct eg_pdf_table){narrow, 2, 0, 0, false};
    d = doc_new(NULL);
    assert_int_equal(eg_pdf_table_begin(d, &t), EG_EINVAL);
    eg_pdf_free(d);
    /* No columns, too many, a bad size. */
    t = (struct eg_pdf_table){cols, 0, 0, 0, false};
    d = doc_new(NULL);
    assert_int_equal(eg_pdf_table_begin(d, &t), EG_EINVAL);
    eg_pdf_free(d);
    struct eg_pdf_column many[EG_PDF_TABLE_MAX_COLS + 1];
    memset(many, 0, sizeof(many));
    t = (struct eg_pdf_table){many, EG_ARRAY_LEN(many), 0, 0, false};
    d = doc_new(NULL);
    assert_int_equal(eg_pdf_table_begin(d, &t), EG_EINVAL);
    eg_pdf_free(d);
    t = (struct eg_pdf_table){cols, 2, 100, 0, false};
    d = doc_new(NULL);
    assert_int_equal(eg_pdf_table_begin(d, &t), EG_EINVAL);
    eg_pdf_free(d);
    /* A row of the wrong width; a cell that is not UTF-8. */
    t = (struct eg_pdf_table){cols, 2, 0, 0, false};
    d = doc_new(NULL);
    ok(d, eg_pdf_table_begin(d, &t));
    const char *one[] = {"x"};
    assert_int_equal(eg_pdf_table_row(d, one, 1), EG_EINVAL);
    eg_pdf_free(d);
    d = doc_new(NULL);
    ok(d, eg_pdf_table_begin(d, &t));
    const char *bad[] = {"x", "\xC3\x28"};
    assert_int_equal(eg_pdf_table_row(d, bad, 2), EG_EINVAL);
    eg_pdf_free(d);
    /* A header taller than a page. */
    struct eg_buf tall = EG_BUF_INIT((size_t)1 << 20);
    for (int i = 0; i < 80; i++)
        assert_int_equal(eg_buf_adds(&tall, "tiêu đề\n"), EG_OK);
    struct eg_pdf_column th[] = {{eg_buf_str(&tall), 0, EG_PDF_LEFT}};
    t = (struct eg_pdf_table){th, 1, 0, 0, false};
    d = doc_new(NULL);
    assert_int_equal(eg_pdf_table_begin(d, &t), EG_ETOOBIG);
    eg_pdf_free(d);
    eg_buf_release(&tall);
}

/* 3,000 rows: a register; the page count follows, nothing is held. */
static void
test_table_register(void **state)
{
    (void)state;
    struct eg_pdf_opts o = {.landscape = true, .max_pages = 2000, .page_numbers = true};
    struct eg_pdf *d = doc_new(&o);
    struct eg_pdf_table t = {cols, EG_ARRAY_LEN(cols), 9, 0, false};
    ok(d, eg_pdf_table_begin(d, &t));
    char n[16];
    for (int i = 1; i <= 3000; i++) {
        snprintf(n, sizeof(n), "%d", i);
        const char *row[] = {n, "Nguyễn Văn An", "Bộ phận một cửa", "10:30 27/11/2026", "Đúng hạn"};
        ok(d, eg_pdf_table_row(d, row, 5));
    }
    ok(d, eg_pdf_table_end(d));
    int pages = eg_pdf_pages(d);
    assert_true(pages > 50);
    struct eg_buf out = EG_BUF_INIT((size_t)64 << 20);
    save(d, &out);
    eg_pdf_free(d);
    if (!pdftest_tools()) {
        eg_buf_release(&out);
        skip();
    }
    assert_int_equal(pdftest_pages(&out), pages);
    char *last = pdftest_page_text(&out, pages);
    assert_non_null(last);
    contains(last, "3000 Nguyễn Văn An");
    contains(last, "STT Bên giao");
    free(last);
    eg_buf_release(&out);
}

/* ---- landscape -------------------------------------------------------------------- */

static void
test_landscape(void **state)
{
    (void)state;
    struct eg_pdf_opts o = {.landscape = true};
    struct eg_pdf *d = doc_new(&o);
    /* 297 mm less the margins of 30 and 15. */
    assert_true(eg_pdf_text_width(d) > 251 * MM && eg_pdf_text_width(d) < 253 * MM);
    ok(d, eg_pdf_text(d, NULL, "Sổ theo dõi hồ sơ"));
    struct eg_buf out = EG_BUF_INIT((size_t)16 << 20);
    save(d, &out);
    eg_pdf_free(d);
    if (!pdftest_tools()) {
        eg_buf_release(&out);
        skip();
    }
    char *info = pdftest_info(&out, "Page size");
    assert_non_null(info);
    double w = 0, h = 0;
    assert_int_equal(sscanf(info, "%lf x %lf", &w, &h), 2);
    assert_true(w > 841 && w < 843 && h > 594 && h < 596);
    free(info);
    eg_buf_release(&out);
}

/* ---- QR codes --------------------------------------------------------------------- */

static const char url[] = "https://dichvucong.nghean.example.vn/tra-cuu/000.00.04.H41-261127-0001";

static void
test_qr_decodes(void **state)
{
    (void)state;
    struct eg_pdf *d = doc_new(NULL);
    ok(d, eg_pdf_qr(d, url, 30, NULL));
    struct eg_pdf_qr_opts right = {.align = EG_PDF_RIGHT, .caption = "000.00.04.H41-261127-0001"};
    ok(d, eg_pdf_qr(d, "Xin chào Việt Nam", 25, &right));
    struct eg_pdf_qr_opts left = {.align = EG_PDF_LEFT,
                                  .caption = "một chú thích khá dài, "
                                             "xuống dòng dưới mã QR"};
    ok(d, eg_pdf_qr(d, "1", 10, &left));
    struct eg_buf out = EG_BUF_INIT((size_t)16 << 20);
    save(d, &out);
    eg_pdf_free(d);
    pdftest_keep(&out, "qr.pdf");
    if (pdftest_tools()) {
        char *text = pdftest_text(&out);
        assert_non_null(text);
        contains(text, "000.00.04.H41-261127-0001");
        contains(text, "xuống dòng dưới mã QR");
        free(text);
    }
    if (!pdftest_qr_tools()) {
        eg_buf_release(&out);
        skip();
    }
    char *codes = pdftest_qr(&out, 1, 200);
    assert_non_null(codes);
    /* zbarimg may list them in any order. */
    size_t found = 0;
    for (char *line = strtok(codes, "\n"); line != NULL; line = strtok(NULL, "\n"))
        found += strcmp(line, url) == 0 || strcmp(line, "Xin chào Việt Nam") == 0 ||
                 strcmp(line, "1") == 0;
    if (found != 3)
        fail_msg("decoded: %s", codes);
    free(codes);
    eg_buf_release(&out);
}

/* The words of page 1 from pdftotext -bbox: every word above y_bottom ends left of x_limit. */
static void
words_left_of(const struct eg_buf *pdf, double x_limit, double y_bottom, int *seen)
{
    char *html = pdftest_run("pdftotext", "-q -bbox -f 1 -l 1", pdf);
    assert_non_null(html);
    *seen = 0;
    for (const char *p = html; (p = strstr(p, "<word ")) != NULL; p++) {
        double x0, y0, x1, y1;
        if (sscanf(p, "<word xMin=\"%lf\" yMin=\"%lf\" xMax=\"%lf\" yMax=\"%lf\"", &x0, &y0, &x1,
                   &y1) != 4)
            fail_msg("cannot read %.80s", p);
        if (y0 < y_bottom) {
            (*seen)++;
            if (x1 > x_limit)
                fail_msg("a word at x %.1f-%.1f, y %.1f runs under the QR code (from x %.1f)", x0,
                         x1, y0, x_limit);
        }
    }
    free(html);
}

static void
test_qr_beside(void **state)
{
    (void)state;
    struct eg_pdf *d = doc_new(NULL);
    struct eg_pdf_qr_opts o = {.align = EG_PDF_RIGHT, .beside = true};
    ok(d, eg_pdf_qr(d, url, 30, &o));
    for (int i = 0; i < 6; i++)
        ok(d, eg_pdf_text(d, NULL,
                          "Tiếp nhận hồ sơ của ông Nguyễn Văn An, số điện thoại 0912345678, "
                          "thư điện tử an@example.vn, về thủ tục đăng ký khai sinh."));
    ok(d, eg_pdf_fill(d, NULL, "Địa chỉ:", 0));
    const char *boxes[] = {"Bản chính", "Bản sao"};
    ok(d, eg_pdf_checkboxes(d, NULL, "Hình thức:", boxes, 2));
    /* A table starts below it whatever is left beside it. */
    struct eg_pdf *d2 = doc_new(NULL);
    ok(d2, eg_pdf_qr(d2, url, 40, &o));
    struct eg_pdf_table t = {cols, 2, 0, 0, false};
    ok(d2, eg_pdf_table_begin(d2, &t));
    const char *row[] = {"1", "dưới mã QR"};
    ok(d2, eg_pdf_table_row(d2, row, 2));
    ok(d2, eg_pdf_table_end(d2));
    struct eg_buf out2 = EG_BUF_INIT((size_t)16 << 20);
    save(d2, &out2);
    eg_pdf_free(d2);

    /* Beside needs the right side. */
    struct eg_pdf_qr_opts bad = {.align = EG_PDF_CENTER, .beside = true};
    d2 = doc_new(NULL);
    assert_int_equal(eg_pdf_qr(d2, url, 30, &bad), EG_EINVAL);
    eg_pdf_free(d2);

    struct eg_buf out = EG_BUF_INIT((size_t)16 << 20);
    save(d, &out);
    eg_pdf_free(d);
    pdftest_keep(&out, "qr-beside.pdf");
    if (!pdftest_tools()) {
        eg_buf_release(&out);
        eg_buf_release(&out2);
        skip();
    }
    /* The symbol: 30 mm square at the right margin (15 mm), from the top margin (20 mm);
     * pdftotext measures from the top left corner in points. */
    int seen = 0;
    words_left_of(&out, (210 - 15 - 30) * MM, (20 + 30) * MM, &seen);
    assert_true(seen > 20);
    /* Below the symbol, lines use the whole width again (the table's first row). */
    char *html = pdftest_run("pdftotext", "-q -bbox", &out2);
    assert_non_null(html);
    const char *w = strstr(html, ">dưới</word>");
    assert_non_null(w);
    while (w > html && strncmp(w, "<word ", 6) != 0)
        w--;
    double x0, y0;
    assert_int_equal(sscanf(w, "<word xMin=\"%lf\" yMin=\"%lf\"", &x0, &y0), 2);
    assert_true(y0 > (20 + 40) * MM);
    free(html);
    if (pdftest_qr_tools()) {
        char *codes = pdftest_qr(&out, 1, 200);
        assert_non_null(codes);
        assert_string_equal(codes, url);
        free(codes);
    }
    eg_buf_release(&out);
    eg_buf_release(&out2);
}

static void
test_qr_errors(void **state)
{
    (void)state;
    struct eg_pdf *d = doc_new(NULL);
    assert_int_equal(eg_pdf_qr(d, "", 30, NULL), EG_EINVAL);
    eg_pdf_free(d);
    d = doc_new(NULL);
    assert_int_equal(eg_pdf_qr(d, NULL, 30, NULL), EG_EINVAL);
    eg_pdf_free(d);
    d = doc_new(NULL);
    assert_int_equal(eg_pdf_qr(d, url, 5, NULL), EG_EINVAL);
    eg_pdf_free(d);
    d = doc_new(NULL);
    assert_int_equal(eg_pdf_qr(d, url, 101, NULL), EG_EINVAL);
    eg_pdf_free(d);
    char *big = malloc(EG_PDF_QR_MAX + 2);
    assert_non_null(big);
    memset(big, 'a', EG_PDF_QR_MAX + 1);
    big[EG_PDF_QR_MAX + 1] = '\0';
    d = doc_new(NULL);
    assert_int_equal(eg_pdf_qr(d, big, 100, NULL), EG_ETOOBIG);
    eg_pdf_free(d);
    /* 1,000 bytes in 15 mm: modules far too small to print. */
    big[1000] = '\0';
    d = doc_new(NULL);
    assert_int_equal(eg_pdf_qr(d, big, 15, NULL), EG_EINVAL);
    assert_non_null(strstr(eg_pdf_errmsg(d), "modules"));
    eg_pdf_free(d);
    /* The same text fits in 80 mm. */
    d = doc_new(NULL);
    ok(d, eg_pdf_qr(d, big, 80, NULL));
    eg_pdf_free(d);
    free(big);
    /* Near the page foot: the symbol goes to the next page, whole. */
    d = doc_new(NULL);
    ok(d, eg_pdf_space(d, 700));
    ok(d, eg_pdf_qr(d, url, 40, NULL));
    assert_int_equal(eg_pdf_pages(d), 2);
    eg_pdf_free(d);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_table_pages),  cmocka_unit_test(test_table_tall_row),
        cmocka_unit_test(test_table_errors), cmocka_unit_test(test_table_register),
        cmocka_unit_test(test_landscape),    cmocka_unit_test(test_qr_decodes),
        cmocka_unit_test(test_qr_beside),    cmocka_unit_test(test_qr_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
