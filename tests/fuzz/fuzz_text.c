/*
 * fuzz_text.c - eg_utf8_valid, eg_utf8_sanitize, eg_text_nfc, eg_text_is_nfc
 * and eg_text_fold (the search folding of DOMAIN-VN §7) on arbitrary bytes.
 *
 * Invariants:
 *  - eg_utf8_valid agrees with a strict RFC 3629 decoder written here;
 *  - sanitize always works, its output is valid UTF-8, valid input comes out
 *    unchanged, and sanitizing the output again changes nothing;
 *  - on invalid UTF-8, nfc and fold refuse with EG_EINVAL and leave the
 *    output buffer exactly as it was;
 *  - on valid UTF-8, nfc works, is idempotent, and eg_text_is_nfc says true of
 *    its output and "unchanged by nfc" of its input;
 *  - on valid UTF-8, fold works, appends to what the buffer held, and gives
 *    valid UTF-8 without upper-case ASCII, control characters, đ/Đ, double,
 *    leading or trailing spaces; it is idempotent; for Latin text it does not
 *    depend on the normal form (NFC or NFD) of its input; and for Vietnamese
 *    text it equals a plain table of Vietnamese letters to their base letter.
 */
#include "fuzz.h"

#include <utf8proc.h>

/* Length of the valid UTF-8 sequence at s[0..n) and its code point; 0 if none. */
static size_t
decode(const unsigned char *s, size_t n, int32_t *cp)
{
    static const struct {
        size_t len;
        int32_t min;
        unsigned char lo, hi, mask;
    } leads[] = {
        {1, 0, 0x00, 0x7f, 0x7f},
        {2, 0x80, 0xc2, 0xdf, 0x1f},
        {3, 0x800, 0xe0, 0xef, 0x0f},
        {4, 0x10000, 0xf0, 0xf4, 0x07},
    };
    size_t t = 0;
    while (t < EG_ARRAY_LEN(leads) && (s[0] < leads[t].lo || s[0] > leads[t].hi))
        t++;
    if (t == EG_ARRAY_LEN(leads) || n < leads[t].len)
        return 0;
    int32_t c = s[0] & leads[t].mask;
    for (size_t i = 1; i < leads[t].len; i++) {
        if ((s[i] & 0xc0) != 0x80)
            return 0;
        c = (c << 6) | (s[i] & 0x3f);
    }
    if (c < leads[t].min || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
        return 0;
    *cp = c;
    return leads[t].len;
}

static bool
ref_valid(const unsigned char *s, size_t n)
{
    int32_t cp;
    for (size_t i = 0, k; i < n; i += k) {
        k = decode(s + i, n - i, &cp);
        if (k == 0)
            return false;
    }
    return true;
}

/* Latin letters and the combining diacritics: where fold must not care about NFC vs NFD. */
static bool
all_latin(const unsigned char *s, size_t n)
{
    int32_t cp;
    for (size_t i = 0, k; i < n; i += k) {
        k = decode(s + i, n - i, &cp);
        if (cp == 0 ||
            !(cp < 0x250 || (cp >= 0x300 && cp < 0x370) || (cp >= 0x1e00 && cp < 0x1f00)))
            return false;
    }
    return true;
}

/* The Vietnamese alphabet with every tone, NFC, and the letter each folds to. */
static const struct {
    const char *letters;
    char base;
} vn_letters[] = {
    {"àáảãạăằắẳẵặâầấẩẫậÀÁẢÃẠĂẰẮẲẴẶÂẦẤẨẪẬ", 'a'},
    {"èéẻẽẹêềếểễệÈÉẺẼẸÊỀẾỂỄỆ", 'e'},
    {"ìíỉĩịÌÍỈĨỊ", 'i'},
    {"òóỏõọôồốổỗộơờớởỡợÒÓỎÕỌÔỒỐỔỖỘƠỜỚỞỠỢ", 'o'},
    {"ùúủũụưừứửữựÙÚỦŨỤƯỪỨỬỮỰ", 'u'},
    {"ỳýỷỹỵỲÝỶỸỴ", 'y'},
    {"đĐ", 'd'},
};

/* The marks Vietnamese text carries when typed decomposed (NFD). */
static bool
vn_mark(int32_t cp)
{
    return cp == 0x300 || cp == 0x301 || cp == 0x302 || cp == 0x303 || cp == 0x306 || cp == 0x309 ||
           cp == 0x31b || cp == 0x323;
}

/* The base letter of a precomposed Vietnamese letter, or 0. */
static char
vn_base(const unsigned char *s, size_t k)
{
    for (size_t i = 0; i < EG_ARRAY_LEN(vn_letters); i++) {
        const char *p = vn_letters[i].letters;
        while (*p) {
            size_t len = ((unsigned char)*p >= 0xe0) ? 3 : 2;
            if (len == k && memcmp(p, s, k) == 0)
                return vn_letters[i].base;
            p += len;
        }
    }
    return 0;
}

/*
 * The fold of Vietnamese text (printable ASCII, tab and newlines, the
 * letters above and their marks) by table; false for anything else.
 */
static bool
vn_fold(const unsigned char *s, size_t n, struct eg_buf *out)
{
    bool pending = false;
    int32_t cp;
    for (size_t i = 0, k; i < n; i += k) {
        k = decode(s + i, n - i, &cp);
        char c;
        if (cp == ' ' || cp == '\t' || cp == '\n' || cp == '\r') {
            pending = true;
            continue;
        }
        if (vn_mark(cp))
            continue;
        if (cp > 0x20 && cp < 0x7f)
            c = (cp >= 'A' && cp <= 'Z') ? (char)(cp - 'A' + 'a') : (char)cp;
        else
            c = vn_base(s + i, k);
        if (c == 0)
            return false;
        if (pending && out->len > 0)
            FUZZ_CHECK(eg_buf_addc(out, ' ') == EG_OK);
        pending = false;
        FUZZ_CHECK(eg_buf_addc(out, c) == EG_OK);
    }
    return true;
}

static void
check_folded(const struct eg_buf *f)
{
    const char *s = eg_buf_str(f);
    FUZZ_CHECK(strlen(s) == f->len);
    FUZZ_CHECK(eg_utf8_valid(s, f->len));
    FUZZ_CHECK(fuzz_no_controls(s, f->len));
    for (size_t i = 0; i < f->len; i++)
        FUZZ_CHECK(s[i] < 'A' || s[i] > 'Z');
    FUZZ_CHECK(strstr(s, "  ") == NULL);
    FUZZ_CHECK(f->len == 0 || (s[0] != ' ' && s[f->len - 1] != ' '));
    FUZZ_CHECK(strstr(s, "\xc4\x90") == NULL && strstr(s, "\xc4\x91") == NULL); /* Đ đ */
}

static void
fold_to(const char *s, size_t n, struct eg_buf *out)
{
    FUZZ_CHECK(eg_text_fold(s, n, out) == EG_OK);
}

static void
check_sanitize(const char *s, size_t n, bool valid)
{
    struct eg_buf a = EG_BUF_INIT(n * 3 + 16);
    struct eg_buf b = EG_BUF_INIT(n * 3 + 16);
    FUZZ_CHECK(eg_utf8_sanitize(s, n, &a) == EG_OK);
    FUZZ_CHECK(eg_utf8_valid(eg_buf_str(&a), a.len));
    if (valid)
        FUZZ_CHECK(a.len == n && memcmp(eg_buf_str(&a), s, n) == 0);
    else
        FUZZ_CHECK(fuzz_contains(eg_buf_str(&a), a.len, "\xef\xbf\xbd"));
    FUZZ_CHECK(eg_utf8_sanitize(eg_buf_str(&a), a.len, &b) == EG_OK);
    FUZZ_CHECK(fuzz_buf_eq(&a, &b));
    eg_buf_release(&a);
    eg_buf_release(&b);
}

static void
check_invalid(const char *s, size_t n)
{
    struct eg_buf b = EG_BUF_INIT(4096);
    FUZZ_CHECK(eg_buf_adds(&b, "trước ") == EG_OK);
    FUZZ_CHECK(eg_text_nfc(s, n, &b) == EG_EINVAL);
    FUZZ_CHECK(strcmp(eg_buf_str(&b), "trước ") == 0);
    FUZZ_CHECK(eg_text_fold(s, n, &b) == EG_EINVAL);
    FUZZ_CHECK(strcmp(eg_buf_str(&b), "trước ") == 0);
    FUZZ_CHECK(!eg_text_is_nfc(s, n));
    eg_buf_release(&b);
}

static void
check_nfc(const char *s, size_t n)
{
    size_t max = n * 3 + 16;
    struct eg_buf a = EG_BUF_INIT(max), b = EG_BUF_INIT(max);
    FUZZ_CHECK(eg_text_nfc(s, n, &a) == EG_OK);
    FUZZ_CHECK(eg_utf8_valid(eg_buf_str(&a), a.len));
    FUZZ_CHECK(eg_text_is_nfc(eg_buf_str(&a), a.len));
    bool same = a.len == n && memcmp(eg_buf_str(&a), s, n) == 0;
    FUZZ_CHECK(eg_text_is_nfc(s, n) == same);
    FUZZ_CHECK(eg_text_nfc(eg_buf_str(&a), a.len, &b) == EG_OK);
    FUZZ_CHECK(fuzz_buf_eq(&a, &b));
    eg_buf_release(&a);
    eg_buf_release(&b);
}

static void
check_fold(const char *s, size_t n)
{
    size_t max = n * 4 + 64;
    struct eg_buf f = EG_BUF_INIT(max), g = EG_BUF_INIT(max), h = EG_BUF_INIT(max + 16);
    fold_to(s, n, &f);
    check_folded(&f);
    fold_to(eg_buf_str(&f), f.len, &g);
    FUZZ_CHECK(fuzz_buf_eq(&f, &g));

    /* Appending: what the buffer held stays, and the fold follows it. */
    FUZZ_CHECK(eg_buf_adds(&h, "tìm: ") == EG_OK);
    fold_to(s, n, &h);
    FUZZ_CHECK(h.len == 6 + f.len);
    FUZZ_CHECK(memcmp(h.p, "tìm: ", 6) == 0 && memcmp(h.p + 6, eg_buf_str(&f), f.len) == 0);

    if (all_latin((const unsigned char *)s, n)) {
        eg_buf_reset(&g);
        eg_buf_reset(&h);
        FUZZ_CHECK(eg_text_nfc(s, n, &g) == EG_OK);
        fold_to(eg_buf_str(&g), g.len, &h);
        FUZZ_CHECK(fuzz_buf_eq(&f, &h));
        char *z = fuzz_cstr((const uint8_t *)s, n);
        utf8proc_uint8_t *nfd = utf8proc_NFD((const utf8proc_uint8_t *)z);
        FUZZ_CHECK(nfd != NULL);
        struct eg_buf d = EG_BUF_INIT(max * 2);
        fold_to((const char *)nfd, strlen((const char *)nfd), &d);
        FUZZ_CHECK(fuzz_buf_eq(&f, &d));
        eg_buf_release(&d);
        free(nfd);
        free(z);
    }

    eg_buf_reset(&g);
    if (vn_fold((const unsigned char *)s, n, &g))
        FUZZ_CHECK(fuzz_buf_eq(&f, &g));
    eg_buf_release(&f);
    eg_buf_release(&g);
    eg_buf_release(&h);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *s = (const char *)data;
    bool valid = eg_utf8_valid(s, size);
    FUZZ_CHECK(valid == ref_valid(data, size));
    check_sanitize(s, size, valid);
    if (!valid) {
        check_invalid(s, size);
        return 0;
    }
    check_nfc(s, size);
    check_fold(s, size);
    return 0;
}
