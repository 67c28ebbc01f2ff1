/*
 * test_pdf.c - the PDF writer: Vietnamese text in and out (every tone, đ/Đ,
 * upper case, decomposed input), every block, wrapping and page breaks read
 * back with poppler-utils, sticky errors and limits, missing or broken fonts,
 * 200 documents without growing memory, and documents on several threads.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <pthread.h>
#include <sys/stat.h>

#include "pdf/pdf.h"
#include "pdf/pdftest.h"

/* Every vowel with every tone, and đ, lower and upper case (NFC). */
static const char *const vietnamese[] = {
    "a á à ả ã ạ ă ắ ằ ẳ ẵ ặ â ấ ầ ẩ ẫ ậ", "e é è ẻ ẽ ẹ ê ế ề ể ễ ệ i í ì ỉ ĩ ị",
    "o ó ò ỏ õ ọ ô ố ồ ổ ỗ ộ ơ ớ ờ ở ỡ ợ", "u ú ù ủ ũ ụ ư ứ ừ ử ữ ự y ý ỳ ỷ ỹ ỵ đ",
    "A Á À Ả Ã Ạ Ă Ắ Ằ Ẳ Ẵ Ặ Â Ấ Ầ Ẩ Ẫ Ậ", "E É È Ẻ Ẽ Ẹ Ê Ế Ề Ể Ễ Ệ I Í Ì Ỉ Ĩ Ị",
    "O Ó Ò Ỏ Õ Ọ Ô Ố Ồ Ổ Ỗ Ộ Ơ Ớ Ờ Ở Ỡ Ợ", "U Ú Ù Ủ Ũ Ụ Ư Ứ Ừ Ử Ữ Ự Y Ý Ỳ Ỷ Ỹ Ỵ Đ",
    "Cộng hòa xã hội chủ nghĩa Việt Nam",  "Độc lập - Tự do - Hạnh phúc",
};

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
        fail_msg("the PDF's text lacks \"%s\"; it is:\n%s", w, text);
    free(w);
}

/* ---- Vietnamese text and every block ---------------------------------------------- */

static void
test_vietnamese(void **state)
{
    (void)state;
    struct eg_pdf_opts o = {.title = "Tờ khai thử nghiệm đ Đ", .author = "Ủy ban nhân dân"};
    struct eg_pdf *d = doc_new(&o);
    struct eg_pdf_cell left[] = {
        {"Ủy ban nhân dân xã Hưng Đông", EG_PDF_BOLD | EG_PDF_UPPER | EG_PDF_RULE, 12}};
    struct eg_pdf_cell right[] = {
        {"CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", EG_PDF_BOLD, 12},
        {"Độc lập - Tự do - Hạnh phúc", EG_PDF_BOLD | EG_PDF_UNDERLINE, 13}};
    ok(d, eg_pdf_columns(d, 0, left, 1, right, 2));
    for (size_t i = 0; i < EG_ARRAY_LEN(vietnamese); i++) {
        struct eg_pdf_style st = {.flags = (unsigned)i % 4, .align = (enum eg_pdf_align)(i % 3)};
        ok(d, eg_pdf_text(d, &st, vietnamese[i]));
    }
    struct eg_pdf_style up = {
        .size = 14, .flags = EG_PDF_BOLD | EG_PDF_UPPER, .align = EG_PDF_CENTER};
    ok(d, eg_pdf_text(d, &up, "tờ khai đăng ký khai sinh"));
    /* Decomposed input (NFD, as some keyboards type it) comes out composed. */
    ok(d, eg_pdf_text(d, NULL, "Nghe\xcc\xa3\xcc\x82 An, Vie\xcc\x82\xcc\xa3t Nam"));
    ok(d, eg_pdf_fill(d, NULL, "Họ, chữ đệm và tên:", 0));
    ok(d, eg_pdf_fill(d, NULL, "Nơi cư trú:", 2));
    const char *sex[] = {"Nam", "Nữ"};
    ok(d, eg_pdf_checkboxes(d, NULL, "Giới tính:", sex, 2));
    ok(d, eg_pdf_char_boxes(d, NULL, "Số định danh cá nhân:", 12));
    ok(d, eg_pdf_space(d, 12));
    struct eg_pdf_cell sign[] = {{"Nghệ An, ngày 01 tháng 01 năm 2026", EG_PDF_ITALIC, 0},
                                 {"NGƯỜI KHAI", EG_PDF_BOLD, 0}};
    ok(d, eg_pdf_columns(d, 0, NULL, 0, sign, 2));
    assert_int_equal(eg_pdf_pages(d), 1);

    struct eg_buf out = EG_BUF_INIT((size_t)16 << 20);
    save(d, &out);
    /* No more content after saving. */
    assert_int_equal(eg_pdf_text(d, NULL, "x"), EG_EINVAL);
    eg_pdf_free(d);

    if (!pdftest_tools()) {
        eg_buf_release(&out);
        skip();
    }
    char *text = pdftest_text(&out);
    assert_non_null(text);
    for (size_t i = 0; i < EG_ARRAY_LEN(vietnamese); i++)
        contains(text, vietnamese[i]);
    contains(text, "ỦY BAN NHÂN DÂN XÃ HƯNG ĐÔNG");
    contains(text, "TỜ KHAI ĐĂNG KÝ KHAI SINH");
    contains(text, "Nghệ An, Việt Nam");
    contains(text, "Họ, chữ đệm và tên:");
    contains(text, "Giới tính:");
    contains(text, "Nữ");
    contains(text, "Số định danh cá nhân:");
    contains(text, "NGƯỜI KHAI");
    char *title = pdftest_info(&out, "Title");
    assert_non_null(title);
    assert_string_equal(title, "Tờ khai thử nghiệm đ Đ");
    assert_int_equal(pdftest_pages(&out), 1);
    free(title);
    free(text);
    eg_buf_release(&out);
}

/* Only fonts-dejavu-core (regular and bold): italic is the upright face slanted. */
static void
test_synthetic_italic(void **state)
{
    (void)state;
    char dir[] = "/tmp/egov-fonts-XXXXXX";
    assert_non_null(mkdtemp(dir));
    const char *files[] = {"DejaVuSerif.ttf", "DejaVuSerif-Bold.ttf"};
    char from[512];
    char to[512];
    for (size_t i = 0; i < 2; i++) {
        snprintf(from, sizeof(from), "%s/%s", EG_PDF_FONTS_DIR, files[i]);
        snprintf(to, sizeof(to), "%s/%s", dir, files[i]);
        assert_int_equal(symlink(from, to), 0);
    }
    struct eg_pdf_opts o = {.fonts_dir = dir, .footer = "chân trang nghiêng"};
    struct eg_pdf *d = doc_new(&o);
    struct eg_pdf_style it = {.flags = EG_PDF_ITALIC};
    struct eg_pdf_style bi = {.flags = EG_PDF_ITALIC | EG_PDF_BOLD, .align = EG_PDF_RIGHT};
    ok(d, eg_pdf_text(d, &it, "(Ký, ghi rõ họ tên)"));
    ok(d, eg_pdf_text(d, &bi, "Nghiêng và đậm"));
    struct eg_buf out = EG_BUF_INIT((size_t)16 << 20);
    save(d, &out);
    eg_pdf_free(d);
    for (size_t i = 0; i < 2; i++) {
        snprintf(to, sizeof(to), "%s/%s", dir, files[i]);
        unlink(to);
    }
    rmdir(dir);
    if (!pdftest_tools()) {
        eg_buf_release(&out);
        skip();
    }
    char *text = pdftest_text(&out);
    assert_non_null(text);
    contains(text, "(Ký, ghi rõ họ tên)");
    contains(text, "Nghiêng và đậm");
    contains(text, "chân trang nghiêng");
    free(text);
    eg_buf_release(&out);
}

/* ---- wrapping and pages ----------------------------------------------------------- */

/* The text after the next space: a place that is surely a character boundary. */
static const char *
after_space(const char *p)
{
    while (*p != '\0' && *p != ' ')
        p++;
    return *p == ' ' ? p + 1 : p;
}

static void
test_wrap_and_pages(void **state)
{
    (void)state;
    struct eg_pdf_opts o = {.page_numbers = true, .footer = "Mẫu thử: chân trang"};
    struct eg_pdf *d = doc_new(&o);
    struct eg_buf para = EG_BUF_INIT((size_t)1 << 20);
    for (int i = 0; i < 120; i++)
        assert_int_equal(eg_buf_printf(&para, "Câu thứ %d của đoạn văn bản rất dài này. ", i),
                         EG_OK);
    assert_int_equal(eg_buf_adds(&para, "Hết đoạn."), EG_OK);
    struct eg_pdf_style just = {.align = EG_PDF_JUSTIFY, .indent = 10};
    ok(d, eg_pdf_text(d, &just, eg_buf_str(&para)));
    /* One word longer than a line is broken anyway. */
    char word[301];
    memset(word, 'x', 300);
    word[300] = '\0';
    ok(d, eg_pdf_text(d, NULL, word));
    /* A long check box label wraps under itself; a long fill label wraps. */
    const char *choice[] = {after_space(eg_buf_str(&para) + 2000)};
    ok(d, eg_pdf_checkboxes(d, NULL, NULL, choice, 1));
    ok(d, eg_pdf_fill(d, NULL, after_space(eg_buf_str(&para) + 4000), 1));
    ok(d, eg_pdf_need(d, 2000)); /* more than a page: starts one */
    int pages = eg_pdf_pages(d);
    assert_true(pages >= 4);
    ok(d, eg_pdf_page_break(d));
    assert_int_equal(eg_pdf_pages(d), pages + 1);

    struct eg_buf out = EG_BUF_INIT((size_t)16 << 20);
    save(d, &out);
    eg_pdf_free(d);
    if (!pdftest_tools()) {
        eg_buf_release(&para);
        eg_buf_release(&out);
        skip();
    }
    assert_int_equal(pdftest_pages(&out), pages + 1);
    char *text = pdftest_text(&out);
    assert_non_null(text);
    contains(text, "Câu thứ 0 của đoạn văn bản rất dài này.");
    contains(text, "Câu thứ 119 của đoạn văn bản rất dài này. Hết đoạn.");
    contains(text, "Mẫu thử: chân trang");
    size_t xs = 0;
    for (const char *p = text; *p; p++)
        xs += *p == 'x';
    assert_int_equal(xs, 300);
    free(text);
    eg_buf_release(&para);
    eg_buf_release(&out);
}

/* ---- errors ----------------------------------------------------------------------- */

static void
test_missing_fonts(void **state)
{
    (void)state;
    struct eg_buf msg = EG_BUF_INIT(1024);
    struct eg_pdf *d = (struct eg_pdf *)&msg; /* must be reset to NULL */
    struct eg_pdf_opts o = {.fonts_dir = "/nonexistent/egov-fonts"};
    assert_int_equal(eg_pdf_new(&o, &d, &msg), EG_EINVAL);
    assert_null(d);
    if (strstr(eg_buf_str(&msg), "/nonexistent/egov-fonts") == NULL)
        fail_msg("message does not name the path: %s", eg_buf_str(&msg));

    /* A directory without the family's files. */
    char dir[] = "/tmp/egov-fonts-XXXXXX";
    assert_non_null(mkdtemp(dir));
    o.fonts_dir = dir;
    assert_int_equal(eg_pdf_new(&o, &d, &msg), EG_EINVAL);
    assert_non_null(strstr(eg_buf_str(&msg), "DejaVuSerif"));

    /* Files that are not fonts: libharu refuses, we report it. */
    char path[256];
    const char *files[] = {"DejaVuSerif.ttf", "DejaVuSerif-Bold.ttf"};
    for (size_t i = 0; i < 2; i++) {
        snprintf(path, sizeof(path), "%s/%s", dir, files[i]);
        FILE *f = fopen(path, "w");
        assert_non_null(f);
        fputs("not a font at all, just some text that is long enough", f);
        fclose(f);
    }
    assert_int_equal(eg_pdf_new(&o, &d, &msg), EG_EINVAL);
    assert_null(d);
    assert_non_null(strstr(eg_buf_str(&msg), dir));
    for (size_t i = 0; i < 2; i++) {
        snprintf(path, sizeof(path), "%s/%s", dir, files[i]);
        unlink(path);
    }
    rmdir(dir);

    /* A family name is a file name, not a path. */
    o.fonts_dir = NULL;
    o.font_family = "../DejaVuSerif";
    assert_int_equal(eg_pdf_new(&o, &d, &msg), EG_EINVAL);
    /* Bad margins. */
    o.font_family = NULL;
    o.margin_left = 80;
    assert_int_equal(eg_pdf_new(&o, &d, &msg), EG_EINVAL);
    assert_non_null(strstr(eg_buf_str(&msg), "margins"));
    eg_buf_release(&msg);
}

static void
test_sticky_errors(void **state)
{
    (void)state;
    struct eg_pdf *d = doc_new(NULL);
    ok(d, eg_pdf_text(d, NULL, "trước"));
    assert_string_equal(eg_pdf_errmsg(d), "");
    assert_int_equal(eg_pdf_text(d, NULL, "bad \xC3\x28 utf-8"), EG_EINVAL);
    assert_non_null(strstr(eg_pdf_errmsg(d), "UTF-8"));
    /* Every later call gives the same error, saving too. */
    assert_int_equal(eg_pdf_text(d, NULL, "sau"), EG_EINVAL);
    assert_int_equal(eg_pdf_fill(d, NULL, "x", 0), EG_EINVAL);
    struct eg_buf out = EG_BUF_INIT(1 << 20);
    assert_int_equal(eg_pdf_save(d, &out), EG_EINVAL);
    assert_int_equal(out.len, 0);
    eg_pdf_free(d);

    /* Bad styles and arguments. */
    struct eg_pdf_style big = {.size = 500};
    d = doc_new(NULL);
    assert_int_equal(eg_pdf_text(d, &big, "x"), EG_EINVAL);
    eg_pdf_free(d);
    d = doc_new(NULL);
    assert_int_equal(eg_pdf_fill(d, NULL, "x", 51), EG_EINVAL);
    eg_pdf_free(d);
    d = doc_new(NULL);
    assert_int_equal(eg_pdf_char_boxes(d, NULL, "x", 0), EG_EINVAL);
    eg_pdf_free(d);
    d = doc_new(NULL);
    assert_int_equal(eg_pdf_text(d, NULL, NULL), EG_EINVAL);
    eg_pdf_free(d);

    /* Text past EG_PDF_TEXT_MAX. */
    d = doc_new(NULL);
    char *huge = malloc(EG_PDF_TEXT_MAX + 2);
    assert_non_null(huge);
    memset(huge, 'a', EG_PDF_TEXT_MAX + 1);
    huge[EG_PDF_TEXT_MAX + 1] = '\0';
    assert_int_equal(eg_pdf_text(d, NULL, huge), EG_ETOOBIG);
    free(huge);
    eg_pdf_free(d);

    /* The page limit. */
    struct eg_pdf_opts o = {.max_pages = 2};
    d = doc_new(&o);
    enum eg_err rc = EG_OK;
    for (int i = 0; i < 200 && rc == EG_OK; i++)
        rc = eg_pdf_text(d, NULL, "Một dòng, rồi một dòng nữa.");
    assert_int_equal(rc, EG_ETOOBIG);
    assert_int_equal(eg_pdf_pages(d), 2);
    assert_non_null(strstr(eg_pdf_errmsg(d), "2 pages"));
    eg_pdf_free(d);

    /* An output buffer too small: EG_ETOOBIG, and what it held stays. */
    d = doc_new(NULL);
    ok(d, eg_pdf_text(d, NULL, "Xin chào"));
    struct eg_buf small = EG_BUF_INIT(1000);
    assert_int_equal(eg_buf_adds(&small, "before"), EG_OK);
    assert_int_equal(eg_pdf_save(d, &small), EG_ETOOBIG);
    assert_string_equal(eg_buf_str(&small), "before");
    eg_pdf_free(d);
    eg_buf_release(&small);
    eg_buf_release(&out);

    eg_pdf_free(NULL);
}

/* ---- memory and threads ----------------------------------------------------------- */

static void
one_document(int i)
{
    struct eg_pdf_opts o = {.title = "Giấy tiếp nhận hồ sơ", .footer = "egov"};
    struct eg_pdf *d = doc_new(&o);
    struct eg_pdf_style st = {.flags = (unsigned)i % 4, .align = EG_PDF_JUSTIFY, .indent = 10};
    for (int k = 0; k < 5; k++)
        ok(d, eg_pdf_text(d, &st, "Tôi cam đoan những nội dung khai trên đây là đúng sự thật."));
    ok(d, eg_pdf_fill(d, NULL, "Họ và tên:", 1));
    /* libqrencode shares its error-correction tables between threads (behind a mutex). */
    ok(d,
       eg_pdf_qr(d, "https://dichvucong.example.vn/tra-cuu/000.00.04.H41-261127-0001", 25, NULL));
    struct eg_buf out = EG_BUF_INIT((size_t)4 << 20);
    save(d, &out);
    eg_pdf_free(d);
    eg_buf_release(&out);
}

static long
rss_kb(void)
{
    FILE *f = fopen("/proc/self/statm", "r");
    long pages = 0;
    long rss = 0;
    if (f != NULL) {
        if (fscanf(f, "%ld %ld", &pages, &rss) != 2)
            rss = 0;
        fclose(f);
    }
    return rss * (sysconf(_SC_PAGESIZE) / 1024);
}

#if defined(__SANITIZE_ADDRESS__)
#define UNDER_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define UNDER_ASAN 1
#endif
#endif

#ifdef UNDER_ASAN
/* The live heap as ASan's allocator counts it (freed memory in quarantine is not live). */
size_t __sanitizer_get_current_allocated_bytes(void);
#endif

static void
test_200_documents(void **state)
{
    (void)state;
    for (int i = 0; i < 20; i++)
        one_document(i);
    long before = rss_kb();
#ifdef UNDER_ASAN
    size_t live_before = __sanitizer_get_current_allocated_bytes();
#endif
    for (int i = 20; i < 200; i++)
        one_document(i);
    long after = rss_kb();
#ifdef UNDER_ASAN
    /* ASan's quarantine holds freed memory, so RSS says little; its live count does. */
    size_t live_after = __sanitizer_get_current_allocated_bytes();
    if (live_after > live_before + 256 * 1024)
        fail_msg("180 documents left %zu bytes more on the heap", live_after - live_before);
    (void)before;
    (void)after;
#else
    if (after - before > 4096)
        fail_msg("180 documents grew the process from %ld to %ld kB", before, after);
#endif
}

static void *
thread_main(void *arg)
{
    int id = (int)(intptr_t)arg;
    for (int i = 0; i < 5; i++)
        one_document(id * 10 + i);
    return NULL;
}

static void
test_threads(void **state)
{
    (void)state;
    pthread_t t[4];
    for (intptr_t i = 0; i < 4; i++)
        assert_int_equal(pthread_create(&t[i], NULL, thread_main, (void *)i), 0);
    for (int i = 0; i < 4; i++)
        assert_int_equal(pthread_join(t[i], NULL), 0);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_vietnamese),     cmocka_unit_test(test_synthetic_italic),
        cmocka_unit_test(test_wrap_and_pages), cmocka_unit_test(test_missing_fonts),
        cmocka_unit_test(test_sticky_errors),  cmocka_unit_test(test_200_documents),
        cmocka_unit_test(test_threads),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
