/*
 * test_form_pdf.c - the blank declaration of every demo procedure that has an
 * online form (data/demo/procedures.json), read back with pdftotext: the
 * title, the name, every field label and every option; conditional fields
 * name their condition; a long form spans several pages; English fixed
 * texts; the errors (no form, bad language, missing fonts).
 *
 * With EGOV_PDF_OUT set to a directory, the PDFs are also written there
 * (<code>.pdf) for a person to look at.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <utf8proc.h>

#include "procedures/procedures.h"
#include "pdf/pdftest.h"

static json_t *
demo_catalogue(void)
{
    const char *src = getenv("EGOV_SOURCE_DIR");
    char path[1024];
    snprintf(path, sizeof(path), "%s/data/demo/procedures.json", src != NULL ? src : ".");
    json_error_t err;
    json_t *cat = json_load_file(path, 0, &err);
    if (cat == NULL)
        fail_msg("%s: %s", path, err.text);
    return cat;
}

static void
render_as(const json_t *proc, const char *lang, const char *tag, struct eg_buf *out)
{
    struct eg_buf msg = EG_BUF_INIT(1024);
    enum eg_err rc = eg_procedure_form_pdf(proc, lang, NULL, out, &msg);
    if (rc != EG_OK)
        fail_msg("%s: %s: %s", json_string_value(json_object_get(proc, "code")), eg_strerror(rc),
                 eg_buf_str(&msg));
    assert_true(pdftest_framed(out));
    eg_buf_release(&msg);

    const char *dir = getenv("EGOV_PDF_OUT");
    if (dir != NULL && *dir != '\0') {
        char path[1024];
        snprintf(path, sizeof(path), "%s/%s%s%s.pdf", dir,
                 json_string_value(json_object_get(proc, "code")), tag,
                 lang != NULL && strcmp(lang, "en") == 0 ? "-en" : "");
        FILE *f = fopen(path, "wb");
        if (f != NULL) {
            fwrite(out->p, 1, out->len, f);
            fclose(f);
        }
    }
}

static void
render(const json_t *proc, const char *lang, struct eg_buf *out)
{
    render_as(proc, lang, "", out);
}

/* The text in upper case, as the title shows the name (malloc'ed). */
static char *
upper(const char *s)
{
    size_t n = strlen(s);
    char *out = malloc(n * 2 + 1);
    assert_non_null(out);
    size_t o = 0;
    const utf8proc_uint8_t *p = (const utf8proc_uint8_t *)s;
    utf8proc_ssize_t left = (utf8proc_ssize_t)n;
    while (left > 0) {
        utf8proc_int32_t c;
        utf8proc_ssize_t k = utf8proc_iterate(p, left, &c);
        assert_true(k > 0);
        o += (size_t)utf8proc_encode_char(utf8proc_toupper(c), (utf8proc_uint8_t *)out + o);
        p += k;
        left -= k;
    }
    out[o] = '\0';
    return out;
}

static void
contains(const char *code, const char *text, const char *want)
{
    char *w = strdup(want);
    assert_non_null(w);
    pdftest_squash(w);
    if (strstr(text, w) == NULL)
        fail_msg("%s: the form's text lacks \"%s\"; it is:\n%s", code, w, text);
    free(w);
}

static void
check_form(const json_t *proc, const char *text)
{
    const char *code = json_string_value(json_object_get(proc, "code"));
    const char *name = json_string_value(json_object_get(proc, "name"));
    contains(code, text, "TỜ KHAI");
    char *up = upper(name);
    contains(code, text, up);
    free(up);
    contains(code, text, "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM");
    contains(code, text, "Độc lập - Tự do - Hạnh phúc");
    contains(code, text, "Tôi cam đoan những nội dung khai trên đây là đúng sự thật");
    contains(code, text, "NGƯỜI KHAI");
    contains(code, text, "(Ký, ghi rõ họ tên)");
    contains(code, text, "Mẫu do hệ thống egov tạo từ biểu mẫu trực tuyến");
    contains(code, text, code);
    size_t i;
    const json_t *f;
    json_array_foreach(json_object_get(json_object_get(proc, "form"), "fields"), i, f)
    {
        contains(code, text, json_string_value(json_object_get(f, "label")));
        size_t k;
        const json_t *opt;
        json_array_foreach(json_object_get(f, "options"), k, opt)
            contains(code, text, json_string_value(json_object_get(opt, "label")));
    }
}

static void
test_demo_forms(void **state)
{
    (void)state;
    bool tools = pdftest_tools();
    json_t *cat = demo_catalogue();
    size_t i;
    const json_t *proc;
    int rendered = 0;
    json_array_foreach(json_object_get(cat, "procedures"), i, proc)
    {
        const json_t *fields = json_object_get(json_object_get(proc, "form"), "fields");
        if (json_array_size(fields) == 0)
            continue;
        struct eg_buf out = EG_BUF_INIT((size_t)16 << 20);
        render(proc, NULL, &out);
        rendered++;
        if (tools) {
            char *text = pdftest_text(&out);
            assert_non_null(text);
            check_form(proc, text);
            char *title = pdftest_info(&out, "Title");
            assert_non_null(title);
            contains(json_string_value(json_object_get(proc, "code")), title,
                     json_string_value(json_object_get(proc, "name")));
            free(title);
            free(text);
        }
        eg_buf_release(&out);
    }
    assert_true(rendered >= 30);
    json_decref(cat);
    if (!tools)
        skip();
}

static json_t *
birth_registration(json_t *cat)
{
    size_t i;
    json_t *proc;
    json_array_foreach(json_object_get(cat, "procedures"), i, proc)
    {
        if (strcmp(json_string_value(json_object_get(proc, "code")), "1.001193") == 0)
            return proc;
    }
    fail_msg("no birth registration (1.001193) in the demo catalogue");
    return NULL;
}

static void
test_birth_registration(void **state)
{
    (void)state;
    json_t *cat = demo_catalogue();
    json_t *proc = birth_registration(cat);
    struct eg_buf out = EG_BUF_INIT((size_t)16 << 20);
    render(proc, "vi", &out);
    if (!pdftest_tools()) {
        eg_buf_release(&out);
        json_decref(cat);
        skip();
    }
    char *text = pdftest_text(&out);
    assert_non_null(text);
    /* Numbered items; the father's items depend on item 7. */
    contains("1.001193", text, "1. Họ, chữ đệm và tên của trẻ (*):");
    contains("1.001193", text, "Họ, chữ đệm và tên của cha (*) (nếu mục 7 chọn \"Có\"):");
    contains("1.001193", text, "ngày ........ tháng ........ năm ............");
    contains("1.001193", text, "Giấy tờ kèm theo:");
    contains("1.001193", text, "Kính gửi: Ủy ban nhân dân xã, phường, đặc khu");
    contains("1.001193", text, "Ghi chú: nội dung có dấu (*) là bắt buộc phải khai.");
    contains("1.001193", text, "........, ngày .... tháng .... năm ......");
    free(text);

    /* As eg_procedure_get() returns it: one named agency. */
    json_t *one = json_deep_copy(proc);
    json_object_set_new(
        one, "agencies",
        json_pack("[{s:s, s:s}]", "code", "000.00.04.H41", "name", "Sở Tư pháp tỉnh Nghệ An"));
    eg_buf_reset(&out);
    render_as(one, "vi", "-agency", &out);
    text = pdftest_text(&out);
    assert_non_null(text);
    contains("1.001193", text, "SỞ TƯ PHÁP TỈNH NGHỆ AN");
    contains("1.001193", text, "Kính gửi: Sở Tư pháp tỉnh Nghệ An");
    free(text);

    /* English fixed texts; the labels stay as written. */
    eg_buf_reset(&out);
    render(one, "en", &out);
    text = pdftest_text(&out);
    assert_non_null(text);
    contains("1.001193", text, "SOCIALIST REPUBLIC OF VIETNAM");
    contains("1.001193", text, "Independence - Freedom - Happiness");
    contains("1.001193", text, "DECLARATION");
    contains("1.001193", text, "BIRTH REGISTRATION");
    contains("1.001193", text, "Họ, chữ đệm và tên của trẻ");
    contains("1.001193", text, "(if item 7 is \"Có\")");
    contains("1.001193", text, "DECLARANT");
    free(text);
    json_decref(one);
    eg_buf_release(&out);
    json_decref(cat);
}

static void
test_long_form(void **state)
{
    (void)state;
    static const char *const types[] = {"text",        "textarea", "date",  "select", "address",
                                        "personal_id", "number",   "phone", "email",  "tax_code"};
    json_t *fields = json_array();
    for (int i = 0; i < 60; i++) {
        char name[32];
        char label[128];
        snprintf(name, sizeof(name), "f%d", i);
        snprintf(label, sizeof(label), "Nội dung thứ %d cần khai", i + 1);
        const char *type = types[i % EG_ARRAY_LEN(types)];
        json_t *f = json_pack("{s:s, s:s, s:s, s:b}", "name", name, "label", label, "type", type,
                              "required", i % 2);
        if (strcmp(type, "select") == 0)
            json_object_set_new(f, "options",
                                json_pack("[{s:s, s:s}, {s:s, s:s}]", "value", "a", "label",
                                          "Phương án một", "value", "b", "label", "Phương án hai"));
        json_array_append_new(fields, f);
    }
    json_t *proc = json_pack("{s:s, s:s, s:s, s:[s], s:{s:o}}", "code", "1.999999", "name",
                             "Thủ tục có biểu mẫu dài", "level", "province", "agencies",
                             "000.00.04.H41", "form", "fields", fields);
    assert_non_null(proc);
    struct eg_buf out = EG_BUF_INIT((size_t)16 << 20);
    render(proc, NULL, &out);
    if (!pdftest_tools()) {
        eg_buf_release(&out);
        json_decref(proc);
        skip();
    }
    int pages = pdftest_pages(&out);
    if (pages < 3)
        fail_msg("60 fields on %d page(s)", pages);
    char *text = pdftest_text(&out);
    assert_non_null(text);
    contains("1.999999", text, "60. Nội dung thứ 60 cần khai");
    contains("1.999999", text, "NGƯỜI KHAI");
    free(text);
    eg_buf_release(&out);
    json_decref(proc);
}

static void
test_errors(void **state)
{
    (void)state;
    json_t *cat = demo_catalogue();
    json_t *proc = birth_registration(cat);
    struct eg_buf out = EG_BUF_INIT((size_t)16 << 20);
    struct eg_buf msg = EG_BUF_INIT(1024);

    assert_int_equal(eg_procedure_form_pdf(proc, "fr", NULL, &out, &msg), EG_EINVAL);
    assert_non_null(strstr(eg_buf_str(&msg), "fr"));
    assert_int_equal(eg_procedure_form_pdf(proc, "vi", "/nonexistent/fonts", &out, &msg),
                     EG_EINVAL);
    assert_non_null(strstr(eg_buf_str(&msg), "/nonexistent/fonts"));
    assert_int_equal(out.len, 0);

    json_t *bare = json_pack("{s:s, s:s, s:{s:[]}}", "code", "2.000884", "name", "Chứng thực",
                             "form", "fields");
    assert_int_equal(eg_procedure_form_pdf(bare, NULL, NULL, &out, &msg), EG_ENOTFOUND);
    assert_non_null(strstr(eg_buf_str(&msg), "2.000884"));
    json_decref(bare);
    json_t *noname = json_pack("{s:s}", "code", "1.000001");
    assert_int_equal(eg_procedure_form_pdf(noname, NULL, NULL, &out, &msg), EG_EINVAL);
    json_decref(noname);

    /* An output limit too small for the PDF. */
    struct eg_buf small = EG_BUF_INIT(4096);
    assert_int_equal(eg_procedure_form_pdf(proc, NULL, NULL, &small, &msg), EG_ETOOBIG);
    assert_int_equal(small.len, 0);
    eg_buf_release(&small);
    eg_buf_release(&msg);
    eg_buf_release(&out);
    json_decref(cat);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_demo_forms),
        cmocka_unit_test(test_birth_registration),
        cmocka_unit_test(test_long_form),
        cmocka_unit_test(test_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
