/*
 * test_ftype.c - what tests/fuzz/fuzz_ftype.c found in ftype.c, kept as
 * cases: a stored name that was not NFC (controls removed after NFC), an
 * accept list refused with half a character in its message (a 500 from the
 * API instead of a 400), and an XML declaration seen past the first
 * EG_FTYPE_HEAD bytes.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "files/files.h"

#include <stdio.h>
#include <string.h>

static void
name_is(const char *given, enum eg_ftype t, const char *want)
{
    struct eg_buf out = EG_BUF_INIT(EG_FILENAME_MAX + 1);
    assert_int_equal(eg_files_filename(given, t, &out), EG_OK);
    assert_string_equal(eg_buf_str(&out), want);
    assert_true(eg_text_is_nfc(out.p, out.len));
    eg_buf_release(&out);
}

/* A control character between a letter and its mark: gone, and the two compose. */
static void
test_controls_removed_before_nfc(void **state)
{
    (void)state;
    /* "Â", U+0085 (C1), U+0309 (hook above): "Ẩ". */
    name_is("\xc3\x82\xc2\x85\xcc\x89.pdf", EG_FTYPE_PDF, "\xe1\xba\xa8.pdf");
    /* "e", U+0001, U+0301 (acute): "é". */
    name_is("e\x01\xcc\x81.png", EG_FTYPE_PNG, "\xc3\xa9.png");
    /* Nguyễn typed with a tab between its marks. */
    name_is("Nguye\xcc\x82\t\xcc\x83n.jpg", EG_FTYPE_JPEG, "Nguy\xe1\xbb\x85n.jpg");
    /* Still: invalid UTF-8 loses the name, even if removing a control would mend it. */
    name_is("\xc3\x01\xa9.pdf", EG_FTYPE_PDF, "tep-dinh-kem.pdf");
}

static void
test_accept_message_is_utf8(void **state)
{
    (void)state;
    unsigned mask;
    struct eg_buf msg = EG_BUF_INIT(1024);
    /* 31 ASCII letters and "é": the 32-byte quote used to end inside the é. */
    char list[64];
    memset(list, 'a', 31);
    snprintf(list + 31, sizeof(list) - 31, "%s", "\xc3\xa9,png");
    assert_int_equal(eg_ftype_parse(list, &mask, &msg), EG_EINVAL);
    assert_true(msg.len > 0);
    assert_true(eg_utf8_valid(msg.p, msg.len));
    assert_non_null(strstr(msg.p, "\"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\""));
    /* A name that is not UTF-8 at all is quoted with U+FFFD in its place. */
    assert_int_equal(eg_ftype_parse("pdf,\xc3(", &mask, &msg), EG_EINVAL);
    assert_true(eg_utf8_valid(msg.p, msg.len));
    assert_non_null(strstr(msg.p, "\"\xef\xbf\xbd(\""));
    /* Short Vietnamese names are quoted whole. */
    assert_int_equal(eg_ftype_parse("ảnh", &mask, &msg), EG_EINVAL);
    assert_non_null(strstr(msg.p, "\"ảnh\""));
    eg_buf_release(&msg);
}

static void
test_detect_reads_only_the_head(void **state)
{
    (void)state;
    char buf[EG_FTYPE_HEAD + 16];
    /* The declaration ends at byte 256: XML. */
    memset(buf, '\n', sizeof(buf));
    memcpy(buf + EG_FTYPE_HEAD - 6, "<?xml ", 6);
    assert_int_equal(eg_ftype_detect(buf, EG_FTYPE_HEAD), EG_FTYPE_XML);
    assert_int_equal(eg_ftype_detect(buf, sizeof(buf)), EG_FTYPE_XML);
    /* It starts inside the head and ends after it: not XML, however much is given (the
     * store reads only the head, and must agree). */
    memset(buf, '\n', sizeof(buf));
    memcpy(buf + EG_FTYPE_HEAD - 4, "<?xml ", 6);
    assert_int_equal(eg_ftype_detect(buf, EG_FTYPE_HEAD), EG_FTYPE_NONE);
    assert_int_equal(eg_ftype_detect(buf, sizeof(buf)), EG_FTYPE_NONE);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_controls_removed_before_nfc),
        cmocka_unit_test(test_accept_message_is_utf8),
        cmocka_unit_test(test_detect_reads_only_the_head),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
