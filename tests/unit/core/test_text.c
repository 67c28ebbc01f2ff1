/*
 * test_text.c - UTF-8 validity, NFC, and the diacritic-insensitive folding of
 * DOMAIN-VN §7. Every Vietnamese literal in this file is NFC; decomposed (NFD)
 * forms are spelled out with explicit code points ("e\xcc\x82" = e U+0302).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "core/core.h"

#include <stdio.h>
#include <string.h>
#include <utf8proc.h>

/* NFD "Nguyễn": e U+0302 (circumflex) U+0303 (tilde). */
#define NGUYEN_NFD "Nguye\xcc\x82\xcc\x83n"
/* NFD "Nguyễn Thị Thuỷ": also i U+0323 (dot below) and y U+0309 (hook above). */
#define NAME_NFD "Nguye\xcc\x82\xcc\x83n Thi\xcc\xa3 Thuy\xcc\x89"

static bool
valid(const char *s)
{
    return eg_utf8_valid(s, strlen(s));
}

/* eg_text_fold of s into a fresh buffer, compared with want. */
/*
 * Runs fn (eg_text_fold or eg_text_nfc) on s into a fresh buffer and compares
 * with want. The buffer is copied out and released before asserting, so a
 * failure does not also show up as a leak.
 */
static void
assert_mapped(enum eg_err (*fn)(const char *, size_t, struct eg_buf *), const char *s,
              const char *want)
{
    struct eg_buf b = EG_BUF_INIT(4096);
    enum eg_err rc = fn(s, strlen(s), &b);
    char got[4097];
    size_t len = b.len;
    memcpy(got, eg_buf_str(&b), len + 1);
    eg_buf_release(&b);
    assert_int_equal(rc, EG_OK);
    assert_string_equal(got, want);
    assert_int_equal(len, strlen(want));
}

static void
assert_fold(const char *s, const char *want)
{
    assert_mapped(eg_text_fold, s, want);
}

static void
assert_nfc(const char *s, const char *want)
{
    assert_mapped(eg_text_nfc, s, want);
}

/* ---- eg_utf8_valid ------------------------------------------------------ */

static void
test_utf8_valid_accepts(void **state)
{
    (void)state;
    assert_true(eg_utf8_valid("", 0));
    assert_true(eg_utf8_valid(NULL, 0));
    assert_true(valid("plain ASCII 123 ~"));
    assert_true(valid("Đăng ký khai sinh"));
    assert_true(valid("Ủy ban nhân dân phường Trường Vinh"));
    assert_true(valid(NAME_NFD));
    assert_true(valid("\xc2\x80"));         /* U+0080, smallest 2-byte */
    assert_true(valid("\xdf\xbf"));         /* U+07FF */
    assert_true(valid("\xe0\xa0\x80"));     /* U+0800, smallest 3-byte */
    assert_true(valid("\xed\x9f\xbf"));     /* U+D7FF, just below surrogates */
    assert_true(valid("\xee\x80\x80"));     /* U+E000, just above */
    assert_true(valid("\xef\xbf\xbf"));     /* U+FFFF */
    assert_true(valid("\xf0\x90\x80\x80")); /* U+10000, smallest 4-byte */
    assert_true(valid("\xf0\x9f\x98\x80")); /* U+1F600 */
    assert_true(valid("\xf4\x8f\xbf\xbf")); /* U+10FFFF, the last code point */
    /* NUL is a valid character when the length says so. */
    assert_true(eg_utf8_valid("a\0ễ", 5));
}

static void
test_utf8_valid_rejects(void **state)
{
    (void)state;
    /* Overlong encodings. */
    assert_false(valid("\xc0\x80"));
    assert_false(valid("a\xc0\x80z"));
    assert_false(valid("\xc1\xbf"));
    assert_false(valid("\xe0\x80\x80"));
    assert_false(valid("\xe0\x9f\xbf"));
    assert_false(valid("\xf0\x80\x80\x80"));
    assert_false(valid("\xf0\x8f\xbf\xbf"));
    /* UTF-16 surrogates. */
    assert_false(valid("\xed\xa0\x80"));
    assert_false(valid("\xed\xbf\xbf"));
    assert_false(valid("\xed\xa0\xbd\xed\xb8\x80")); /* CESU-8 pair */
    /* Beyond U+10FFFF, and bytes that never occur. */
    assert_false(valid("\xf4\x90\x80\x80"));
    assert_false(valid("\xf5\x80\x80\x80"));
    assert_false(valid("\xf8\x88\x80\x80\x80"));
    assert_false(valid("\xfe"));
    assert_false(valid("\xff"));
    /* Truncated sequences. */
    assert_false(valid("\xc3"));
    assert_false(valid("\xe1\xbb"));     /* "ễ" without its last byte */
    assert_false(valid("Nguy\xe1\xbb")); /* ... at the end of a word */
    assert_false(valid("\xe1\xbb n"));   /* ... followed by ASCII */
    assert_false(valid("\xf0\x9f\x98"));
    /* The length cuts "ễ" (3 bytes) short. */
    assert_false(eg_utf8_valid("ễ", 2));
    assert_false(eg_utf8_valid("Nguyễn", 6));
    assert_true(eg_utf8_valid("Nguyễn", 4));
    /* Lone or stray continuation bytes. */
    assert_false(valid("\x80"));
    assert_false(valid("\xbf"));
    assert_false(valid("a\x80z"));
    assert_false(valid("\xe1\xbb\x85\x85")); /* one continuation too many */
    /* A lead byte followed by a non-continuation. */
    assert_false(valid("\xc3\x28"));
    assert_false(valid("\xe1\x28\xa1"));
    assert_false(valid("\xf0\x28\x8c\xbc"));
}

/* ---- NFC ---------------------------------------------------------------- */

static void
test_nfc_composes(void **state)
{
    (void)state;
    assert_nfc(NGUYEN_NFD, "Nguyễn");
    assert_nfc(NAME_NFD, "Nguyễn Thị Thuỷ");
    assert_nfc("Da\xcc\x86ng ky\xcc\x81", "Dăng ký");
    /* ệ: the dot below (ccc 220) sorts before the circumflex (ccc 230). */
    assert_nfc("e\xcc\xa3\xcc\x82", "ệ");
    assert_nfc("e\xcc\x82\xcc\xa3", "ệ");
    /* u U+031B = ư; o U+031B U+0300 = ờ. */
    assert_nfc("Tru\xcc\x9bo\xcc\x9b\xcc\x80ng", "Trường");
}

static void
test_nfc_leaves_nfc_alone(void **state)
{
    (void)state;
    assert_nfc("Nguyễn", "Nguyễn");
    assert_nfc("Ủy ban nhân dân phường Trường Vinh", "Ủy ban nhân dân phường Trường Vinh");
    assert_nfc("plain ASCII", "plain ASCII");
    assert_nfc("", "");
    /* Tone placement is not a normalisation question: hoà and hòa stay apart. */
    assert_nfc("hoà", "hoà");
    assert_nfc("hòa", "hòa");
    assert_string_not_equal("hoà", "hòa");
}

static void
test_nfc_appends_and_rejects(void **state)
{
    (void)state;
    struct eg_buf b = EG_BUF_INIT(256);
    assert_int_equal(eg_buf_adds(&b, "Họ tên: "), EG_OK);
    assert_int_equal(eg_text_nfc(NGUYEN_NFD, strlen(NGUYEN_NFD), &b), EG_OK);
    assert_string_equal(eg_buf_str(&b), "Họ tên: Nguyễn");
    /* Invalid UTF-8 is EG_EINVAL and adds nothing. */
    assert_int_equal(eg_text_nfc("a\xc0\x80", 3, &b), EG_EINVAL);
    assert_int_equal(eg_text_nfc("Nguy\xe1\xbb", 6, &b), EG_EINVAL);
    assert_int_equal(eg_text_nfc("\xed\xa0\x80", 3, &b), EG_EINVAL);
    assert_string_equal(eg_buf_str(&b), "Họ tên: Nguyễn");
    /* Only n bytes are read. */
    assert_int_equal(eg_text_nfc("Thuy\xcc\x89 and more", 6, &b), EG_OK);
    assert_string_equal(eg_buf_str(&b), "Họ tên: NguyễnThuỷ");
    eg_buf_release(&b);
}

static void
test_nfc_respects_buffer_max(void **state)
{
    (void)state;
    struct eg_buf b = EG_BUF_INIT(5);
    assert_int_equal(eg_buf_adds(&b, "ab"), EG_OK);
    assert_int_equal(eg_text_nfc(NGUYEN_NFD, strlen(NGUYEN_NFD), &b), EG_ETOOBIG);
    assert_string_equal(eg_buf_str(&b), "ab");
    eg_buf_release(&b);
}

/*
 * Most text is NFC by itself and is copied without utf8proc; what is not goes
 * through it. Strings drawn from code points on both sides of that line (and
 * broken bytes) must come out exactly as utf8proc's own NFC makes them.
 */
static void
test_nfc_same_as_utf8proc(void **state)
{
    (void)state;
    static const char *const pieces[] = {"a",
                                         "Z",
                                         " ",
                                         "\n",
                                         "\xc3\xa0" /* à */,
                                         "\xc4\x91" /* đ */,
                                         "\xc6\xb0" /* ư */,
                                         "\xcb\xbf" /* U+02FF */,
                                         "\xe1\xba\xa1" /* ạ */,
                                         "\xe1\xbb\xb9" /* ỹ */,
                                         "\xe1\xb8\x80" /* U+1E00 */,
                                         "\xe1\xbb\xbf" /* U+1EFF */,
                                         "\xe2\x80\x93" /* – */,
                                         "\xe2\x82\xab" /* ₫ */,
                                         "\xe2\x80\x80" /* U+2000 -> U+2002 */,
                                         "\xe2\x80\x81" /* U+2001 -> U+2003 */,
                                         "\xcc\x80" /* U+0300 */,
                                         "\xcc\x81",
                                         "\xcc\xa3" /* U+0323 */,
                                         "\xcc\x9b" /* U+031B */,
                                         "\xcd\x80" /* U+0340 */,
                                         "\xe2\x84\xab" /* U+212B Angstrom */,
                                         "\xe2\x83\x90" /* U+20D0 */,
                                         "\xe1\x84\x80" /* U+1100 */,
                                         "\xe1\x85\xa1" /* U+1161 */,
                                         "\xea\xb0\x80" /* 가 */,
                                         "\xef\xa4\x80" /* U+F900 */,
                                         "\xf0\x9f\x98\x80" /* emoji */,
                                         "\xc0\x80",
                                         "\xe1\xbb" /* cut */,
                                         "\xed\xa0\x80" /* surrogate */,
                                         "\xff",
                                         "\x80"};
    const size_t npieces = sizeof(pieces) / sizeof(pieces[0]);
    unsigned seed = 12345;
    char s[256];
    for (int round = 0; round < 20000; round++) {
        size_t n = 0;
        int count = round % 9;
        for (int k = 0; k < count; k++) {
            seed = seed * 1103515245u + 12345u;
            /* broken pieces (the last five) rarely, so most strings are valid */
            size_t limit = (seed >> 16) % 8 == 0 ? npieces : npieces - 5;
            seed = seed * 1103515245u + 12345u;
            const char *p = pieces[(seed >> 16) % limit];
            size_t len = strlen(p);
            memcpy(s + n, p, len);
            n += len;
        }
        s[n] = '\0';
        struct eg_buf b = EG_BUF_INIT(1024);
        enum eg_err rc = eg_text_nfc(s, n, &b);
        utf8proc_uint8_t *want = NULL;
        utf8proc_ssize_t k = -1;
        if (eg_utf8_valid(s, n))
            k = utf8proc_map((const utf8proc_uint8_t *)s, (utf8proc_ssize_t)n, &want,
                             UTF8PROC_STABLE | UTF8PROC_COMPOSE);
        if (k < 0) {
            assert_int_equal(rc, EG_EINVAL);
        } else {
            assert_int_equal(rc, EG_OK);
            assert_int_equal(b.len, (size_t)k);
            assert_memory_equal(b.p, want, (size_t)k);
            assert_int_equal(eg_text_is_nfc(s, n), (size_t)k == n && memcmp(s, want, n) == 0);
        }
        free(want);
        eg_buf_release(&b);
    }
}

static void
test_is_nfc(void **state)
{
    (void)state;
    assert_true(eg_text_is_nfc("", 0));
    assert_true(eg_text_is_nfc("ASCII only", 10));
    assert_true(eg_text_is_nfc("Nguyễn", strlen("Nguyễn")));
    assert_true(eg_text_is_nfc("Nguyễn Thị Thuỷ", strlen("Nguyễn Thị Thuỷ")));
    assert_true(eg_text_is_nfc("Sở Tư pháp", strlen("Sở Tư pháp")));
    assert_false(eg_text_is_nfc(NGUYEN_NFD, strlen(NGUYEN_NFD)));
    assert_false(eg_text_is_nfc(NAME_NFD, strlen(NAME_NFD)));
    /* Mixed: NFC then one NFD character. */
    assert_false(eg_text_is_nfc("Thị Thuy\xcc\x89", strlen("Thị Thuy\xcc\x89")));
    /* Combining marks in the wrong canonical order are not NFC either. */
    assert_false(eg_text_is_nfc("e\xcc\x82\xcc\xa3", 5));
    /* Invalid UTF-8 is never NFC. */
    assert_false(eg_text_is_nfc("\xc0\x80", 2));
    assert_false(eg_text_is_nfc("Nguy\xe1\xbb", 6));
}

/* ---- folding ------------------------------------------------------------ */

static void
test_fold_examples(void **state)
{
    (void)state;
    assert_fold("Đăng ký khai sinh", "dang ky khai sinh");
    assert_fold("  ĐĂNG   KÝ\tKHAI  SINH ", "dang ky khai sinh");
    assert_fold("  Đăng KÝ  khai sinh", "dang ky khai sinh"); /* core.h's own example */
    assert_fold("Nguyễn Thị Thuỷ", "nguyen thi thuy");
    assert_fold(NAME_NFD, "nguyen thi thuy");
    assert_fold("Nguyễn Thị Thủy", "nguyen thi thuy"); /* the old tone placement */
    assert_fold("Sở Tư pháp", "so tu phap");
    assert_fold("Ủy ban nhân dân phường Trường Vinh", "uy ban nhan dan phuong truong vinh");
    assert_fold("đường", "duong");
    assert_fold("ĐƯỜNG", "duong");
    assert_fold("Khánh Hòa", "khanh hoa");
    assert_fold("Thanh Hoá", "thanh hoa");
}

static void
test_fold_tone_marks(void **state)
{
    (void)state;
    /* ngang, huyền, sắc, hỏi, ngã, nặng */
    assert_fold("a à á ả ã ạ", "a a a a a a");
    assert_fold("ma mà má mả mã mạ", "ma ma ma ma ma ma");
    /* The vowel marks: breve, circumflex, horn. */
    assert_fold("ă â ê ô ơ ư", "a a e o o u");
    assert_fold("Ă Â Ê Ô Ơ Ư", "a a e o o u");
    assert_fold("đ Đ", "d d");
}

static void
test_fold_every_vowel(void **state)
{
    (void)state;
    /* The 12 vowels x 6 tones, lower and upper case. */
    static const char lower[] = "aàáảãạăằắẳẵặâầấẩẫậeèéẻẽẹêềếểễệiìíỉĩịoòóỏõọôồốổỗộ"
                                "ơờớởỡợuùúủũụưừứửữựyỳýỷỹỵ";
    static const char upper[] = "AÀÁẢÃẠĂẰẮẲẴẶÂẦẤẨẪẬEÈÉẺẼẸÊỀẾỂỄỆIÌÍỈĨỊOÒÓỎÕỌÔỒỐỔỖỘ"
                                "ƠỜỚỞỠỢUÙÚỦŨỤƯỪỨỬỮỰYỲÝỶỸỴ";
    static const char want[] = "aaaaaaaaaaaaaaaaaa"
                               "eeeeeeeeeeee"
                               "iiiiii"
                               "oooooooooooooooooo"
                               "uuuuuuuuuuuu"
                               "yyyyyy";
    assert_fold(lower, want);
    assert_fold(upper, want);
}

/* The same vowels built from explicit combining marks (NFD input). */
static void
test_fold_nfd_marks(void **state)
{
    (void)state;
    static const char *const marks[] = {
        "\xcc\x80", /* U+0300 huyền */
        "\xcc\x81", /* U+0301 sắc */
        "\xcc\x83", /* U+0303 ngã */
        "\xcc\x89", /* U+0309 hỏi */
        "\xcc\xa3", /* U+0323 nặng */
        "\xcc\x82", /* U+0302 circumflex */
        "\xcc\x86", /* U+0306 breve */
        "\xcc\x9b", /* U+031B horn */
    };
    for (size_t i = 0; i < EG_ARRAY_LEN(marks); i++) {
        for (size_t j = 0; j < EG_ARRAY_LEN(marks); j++) {
            char s[32];
            int k = snprintf(s, sizeof(s), "  O%s%s  X", marks[i], marks[j]);
            assert_true(k > 0 && (size_t)k < sizeof(s));
            assert_fold(s, "o x");
        }
    }
}

static void
test_fold_white_space(void **state)
{
    (void)state;
    assert_fold("", "");
    assert_fold(" ", "");
    assert_fold(" \t\r\n\f\v ", "");
    assert_fold("a\r\nb\n\nc", "a b c");
    assert_fold("\tsở\t\ttư\n pháp\n", "so tu phap");
    /* A no-break space (U+00A0) is white space too. */
    assert_fold("Sở\xc2\xa0Tư \xc2\xa0 pháp", "so tu phap");
}

static void
test_fold_keeps_other_characters(void **state)
{
    (void)state;
    assert_fold("Hồ sơ số 01/2026/QĐ-UBND", "ho so so 01/2026/qd-ubnd");
    assert_fold("CCCD: 001099012345", "cccd: 001099012345");
}

static void
test_fold_is_idempotent(void **state)
{
    (void)state;
    static const char *const in[] = {
        "Đăng ký khai sinh", "  ĐĂNG   KÝ\tKHAI  SINH ", NAME_NFD,
        "Ủy ban nhân dân",   "Sở\xc2\xa0Tư pháp",
    };
    for (size_t i = 0; i < EG_ARRAY_LEN(in); i++) {
        struct eg_buf once = EG_BUF_INIT(1024);
        struct eg_buf twice = EG_BUF_INIT(1024);
        assert_int_equal(eg_text_fold(in[i], strlen(in[i]), &once), EG_OK);
        assert_int_equal(eg_text_fold(eg_buf_str(&once), once.len, &twice), EG_OK);
        assert_string_equal(eg_buf_str(&once), eg_buf_str(&twice));
        eg_buf_release(&once);
        eg_buf_release(&twice);
    }
}

static void
test_fold_rejects_invalid_utf8(void **state)
{
    (void)state;
    struct eg_buf b = EG_BUF_INIT(256);
    assert_int_equal(eg_buf_adds(&b, "old"), EG_OK);
    assert_int_equal(eg_text_fold("Đăng \xc0\x80", strlen("Đăng \xc0\x80"), &b), EG_EINVAL);
    assert_int_equal(eg_text_fold("\xed\xa0\x80", 3, &b), EG_EINVAL);
    assert_int_equal(eg_text_fold("\xf4\x90\x80\x80", 4, &b), EG_EINVAL);
    assert_int_equal(eg_text_fold("ab\x80", 3, &b), EG_EINVAL);
    assert_int_equal(eg_text_fold("Nguy\xe1\xbb", 6, &b), EG_EINVAL);
    assert_string_equal(eg_buf_str(&b), "old");
    eg_buf_release(&b);
}

static void
test_fold_appends(void **state)
{
    (void)state;
    struct eg_buf b = EG_BUF_INIT(256);
    assert_int_equal(eg_buf_adds(&b, "abc|"), EG_OK);
    assert_int_equal(eg_text_fold("  Đường  ", strlen("  Đường  "), &b), EG_OK);
    assert_string_equal(eg_buf_str(&b), "abc|duong");
    /* Trimming applies to the folded part only, not the old content. */
    eg_buf_reset(&b);
    assert_int_equal(eg_buf_adds(&b, "x "), EG_OK);
    assert_int_equal(eg_text_fold(" Sở  Tư ", strlen(" Sở  Tư "), &b), EG_OK);
    assert_string_equal(eg_buf_str(&b), "x so tu");
    /* Folding only white space appends nothing. */
    assert_int_equal(eg_text_fold("  \t ", 4, &b), EG_OK);
    assert_string_equal(eg_buf_str(&b), "x so tu");
    eg_buf_release(&b);
}

static void
test_fold_uses_length(void **state)
{
    (void)state;
    struct eg_buf b = EG_BUF_INIT(256);
    /* "Đă" is 4 bytes: Đ (2) and ă (2). */
    assert_int_equal(eg_text_fold("Đăng ký", 4, &b), EG_OK);
    assert_string_equal(eg_buf_str(&b), "da");
    eg_buf_release(&b);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_utf8_valid_accepts),
        cmocka_unit_test(test_utf8_valid_rejects),
        cmocka_unit_test(test_nfc_composes),
        cmocka_unit_test(test_nfc_leaves_nfc_alone),
        cmocka_unit_test(test_nfc_appends_and_rejects),
        cmocka_unit_test(test_nfc_respects_buffer_max),
        cmocka_unit_test(test_nfc_same_as_utf8proc),
        cmocka_unit_test(test_is_nfc),
        cmocka_unit_test(test_fold_examples),
        cmocka_unit_test(test_fold_tone_marks),
        cmocka_unit_test(test_fold_every_vowel),
        cmocka_unit_test(test_fold_nfd_marks),
        cmocka_unit_test(test_fold_white_space),
        cmocka_unit_test(test_fold_keeps_other_characters),
        cmocka_unit_test(test_fold_is_idempotent),
        cmocka_unit_test(test_fold_rejects_invalid_utf8),
        cmocka_unit_test(test_fold_appends),
        cmocka_unit_test(test_fold_uses_length),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
