/*
 * test_sms.c - the SMS adapter: Vietnamese mobile numbers to E.164, the
 * case-preserving diacritic strip to GSM 7-bit, segments and cutting, the
 * settings, and eg_sms_send() against a real gateway process
 * (tests/support/sms_gateway.py) in both dialects: what arrives, and how
 * 400, 401, 429, 5xx, a dropped connection, a silent gateway and a gateway
 * that is down come back; no token and no full number in any sentence.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "notify/notify_int.h"
#include "notify/smstest.h"

#define TOKEN "Tok-Zebra-S3cret-77"

static struct smsgw gw;

static int
group_setup(void **state)
{
    (void)state;
    smsgw_init(&gw, TOKEN);
    smsgw_start(&gw);
    return 0;
}

static int
group_teardown(void **state)
{
    (void)state;
    smsgw_destroy(&gw);
    return 0;
}

static int
setup(void **state)
{
    (void)state;
    if (gw.pid <= 0)
        smsgw_start(&gw);
    smsgw_clear(&gw);
    return 0;
}

/* ---- phone numbers ------------------------------------------------------------------- */

static void
test_phone_table(void **state)
{
    (void)state;
    static const struct {
        const char *in, *out;
    } ok[] = {
        {"0912345678", "+84912345678"},       {"0912 345 678", "+84912345678"},
        {"0912.345.678", "+84912345678"},     {"0912-345-678", "+84912345678"},
        {"  0912 345 678  ", "+84912345678"}, {"+84912345678", "+84912345678"},
        {"+84 912 345 678", "+84912345678"},  {"+84 91 234 5678", "+84912345678"},
        {"84912345678", "+84912345678"},      {"84 912.345.678", "+84912345678"},
        {"+84 0912 345 678", "+84912345678"}, {"0383.456.789", "+84383456789"},
        {"0563456789", "+84563456789"},       {"0703 456 789", "+84703456789"},
        {"0812345678", "+84812345678"},       {"0987654321", "+84987654321"},
    };
    static const char *const bad[] = {
        "",
        "   ",
        "abc",
        "091234567",            /* 9 digits */
        "09123456789",          /* 11 digits with the trunk 0 */
        "01234567890",          /* an old 11-digit number, converted in 2018 */
        "0243456789",           /* a Hà Nội landline */
        "+84 24 3456 7890",     /* the same in E.164 */
        "0612345678",           /* 06x is no mobile range */
        "0412345678",           /* nor 04x */
        "0012345678",           /* nor 00 */
        "+1 212 555 0100",      /* not Vietnamese */
        "+0912345678",          /* a + before a national number */
        "8491234567",           /* 84 and 8 digits */
        "++84912345678",        /* two + */
        "0912345678a",          /* a letter */
        "0912/345/678",         /* another separator */
        "(+84) 912 345 678",    /* brackets */
        "0912 345 678 9",       /* one digit too many */
        "０９１２３４５６７８", /* full-width digits */
        "0912345678\n",         /* a line break */
        "0912345678901234567890123456789012345678901", /* past the input limit */
    };
    struct eg_buf err = EG_BUF_INIT(1024);
    char out[EG_SMS_PHONE_MAX];
    for (size_t i = 0; i < EG_ARRAY_LEN(ok); i++) {
        enum eg_err rc = eg_sms_phone_normalize(ok[i].in, out, sizeof(out), &err);
        if (rc != EG_OK)
            fail_msg("'%s' refused: %s", ok[i].in, eg_buf_str(&err));
        assert_string_equal(out, ok[i].out);
    }
    for (size_t i = 0; i < EG_ARRAY_LEN(bad); i++) {
        eg_buf_reset(&err);
        snprintf(out, sizeof(out), "untouched");
        if (eg_sms_phone_normalize(bad[i], out, sizeof(out), &err) != EG_EINVAL)
            fail_msg("'%s' was accepted as %s", bad[i], out);
        assert_string_equal(out, "");
        assert_contains(eg_buf_str(&err), "Số điện thoại không hợp lệ");
        assert_contains(eg_buf_str(&err), "0912 345 678");
        assert_true(eg_text_is_nfc(err.p, err.len));
        if (strlen(bad[i]) > 4)
            assert_not_contains(eg_buf_str(&err), bad[i]);
    }
    assert_int_equal(eg_sms_phone_normalize(NULL, out, sizeof(out), NULL), EG_EINVAL);
    char small[8];
    assert_int_equal(eg_sms_phone_normalize("0912345678", small, sizeof(small), NULL), EG_EINVAL);
    eg_buf_release(&err);
}

static void
test_phone_mask(void **state)
{
    (void)state;
    char out[32];
    eg_sms_phone_mask("+84912345678", out, sizeof(out));
    assert_string_equal(out, "+84******678");
    eg_sms_phone_mask("0912 345 678", out, sizeof(out));
    assert_string_equal(out, "**** *** 678");
    eg_sms_phone_mask("12", out, sizeof(out));
    assert_string_equal(out, "12");
    eg_sms_phone_mask(NULL, out, sizeof(out));
    assert_string_equal(out, "");
    eg_sms_phone_mask("+84912345678", out, 6);
    assert_string_equal(out, "+84**");
}

/* ---- text ------------------------------------------------------------------------------ */

static void
check_unaccent(const char *in, const char *want)
{
    struct eg_buf out = EG_BUF_INIT(4096);
    enum eg_err rc = eg_sms_unaccent(in, strlen(in), &out);
    if (rc != EG_OK)
        fail_msg("eg_sms_unaccent(%s): %s", in, eg_strerror(rc));
    if (strcmp(eg_buf_str(&out), want) != 0)
        fail_msg("eg_sms_unaccent(%s) = '%s', want '%s'", in, eg_buf_str(&out), want);
    eg_buf_release(&out);
}

static void
test_unaccent(void **state)
{
    (void)state;
    check_unaccent("Đăng ký khai sinh", "Dang ky khai sinh");
    check_unaccent("ĐƯỜNG Nguyễn Trãi, đường Lê Lợi", "DUONG Nguyen Trai, duong Le Loi");
    check_unaccent("Hồ sơ đã được tiếp nhận", "Ho so da duoc tiep nhan");
    check_unaccent("ăâđêôơư ĂÂĐÊÔƠƯ", "aadeoou AADEOOU");
    /* The five tones on every vowel, lower and upper case. */
    check_unaccent("àáảãạ ằắẳẵặ ầấẩẫậ èéẻẽẹ ềếểễệ ìíỉĩị òóỏõọ ồốổỗộ ờớởỡợ ùúủũụ ừứửữự ỳýỷỹỵ",
                   "aaaaa aaaaa aaaaa eeeee eeeee iiiii ooooo ooooo ooooo uuuuu uuuuu yyyyy");
    check_unaccent("ÀÁẢÃẠ ẰẮẲẴẶ ẦẤẨẪẬ ÈÉẺẼẸ ỀẾỂỄỆ ÌÍỈĨỊ ÒÓỎÕỌ ỒỐỔỖỘ ỜỚỞỠỢ ÙÚỦŨỤ ỪỨỬỮỰ ỲÝỶỸỴ",
                   "AAAAA AAAAA AAAAA EEEEE EEEEE IIIII OOOOO OOOOO OOOOO UUUUU UUUUU YYYYY");
    /* Typed with combining marks (NFD) gives the same. */
    check_unaccent("Tie\xcc\x82\xcc\x81ng Vie\xcc\xa3\xcc\x82t", "Tieng Viet");
    /* Đ from old encodings (Ð, eth) too. */
    check_unaccent("\xc3\x90\xc3\xb4ng", "Dong");
    /* Typography and spaces made plain. */
    check_unaccent("“Hồ sơ” – ‘số 1’…", "\"Ho so\" - 'so 1'...");
    check_unaccent("a\xc2\xa0"
                   "b\tc\r\nd\re",
                   "a b c\nd\ne");
    check_unaccent("x`y", "x'y");
    check_unaccent("ﬁ ２０２６", "fi 2026");
    /* What GSM 7-bit has no letter for. */
    check_unaccent("中文 😀 €", "?? ? ?");
    check_unaccent("a\x01"
                   "b\x7f"
                   "c\xc2\x81"
                   "d",
                   "a b c d");
    check_unaccent("a\xc2\x85"
                   "b\xe2\x80\xa8"
                   "c",
                   "a\nb\nc"); /* NEL, LINE SEPARATOR */
    check_unaccent("", "");
    /* Invalid UTF-8 is refused and leaves out as it was. */
    struct eg_buf out = EG_BUF_INIT(64);
    assert_int_equal(eg_buf_adds(&out, "keep"), EG_OK);
    assert_int_equal(eg_sms_unaccent("ab\xff", 3, &out), EG_EINVAL);
    assert_int_equal(eg_sms_unaccent("\xc3", 1, &out), EG_EINVAL);
    assert_string_equal(eg_buf_str(&out), "keep");
    /* Past the buffer's limit: refused, out unchanged. */
    out.max = 6;
    assert_int_equal(eg_sms_unaccent("Đường", strlen("Đường"), &out), EG_ETOOBIG);
    assert_string_equal(eg_buf_str(&out), "keep");
    eg_buf_release(&out);
}

static void
fit(const char *in, int segs, char *out, size_t n, bool *cut)
{
    struct eg_buf b = EG_BUF_INIT(8192);
    assert_int_equal(eg_sms_fit(in, strlen(in), segs, &b, cut), EG_OK);
    snprintf(out, n, "%s", eg_buf_str(&b));
    eg_buf_release(&b);
}

static void
test_segments(void **state)
{
    (void)state;
    assert_int_equal(eg_sms_septets("abc", 3), 3);
    assert_int_equal(eg_sms_septets("[x]{}~^|\\", 9), 17);
    assert_int_equal(eg_sms_segments(0), 0);
    assert_int_equal(eg_sms_segments(1), 1);
    assert_int_equal(eg_sms_segments(160), 1);
    assert_int_equal(eg_sms_segments(161), 2);
    assert_int_equal(eg_sms_segments(306), 2);
    assert_int_equal(eg_sms_segments(307), 3);
    assert_int_equal(eg_sms_segments(1530), 10);

    char s[2048], out[2048];
    bool cut = true;
    memset(s, 'a', 160);
    s[160] = '\0';
    fit(s, 1, out, sizeof(out), &cut);
    assert_string_equal(out, s);
    assert_false(cut);
    /* 161 characters in one segment: cut to 160 with "...". */
    s[160] = 'b';
    s[161] = '\0';
    fit(s, 1, out, sizeof(out), &cut);
    assert_true(cut);
    assert_int_equal(strlen(out), 160);
    assert_string_equal(out + 157, "...");
    /* Two segments hold 306. */
    fit(s, 2, out, sizeof(out), &cut);
    assert_false(cut);
    assert_string_equal(out, s);
    /* At a word when a space is near; trailing punctuation dropped before "...". */
    snprintf(s, sizeof(s), "%s",
             "Ho so H41.01-260115-0001 can bo sung ban sao giay khai sinh, so ho khau, giay chung "
             "nhan ket hon va to khai theo mau, nop truoc ngay 20/01/2026 tai bo phan mot cua.");
    fit(s, 1, out, sizeof(out), &cut);
    assert_true(cut);
    assert_true(strlen(out) <= 160);
    assert_string_equal(out + strlen(out) - 3, "...");
    assert_true(out[strlen(out) - 4] != ' ' && out[strlen(out) - 4] != ',');
    assert_int_equal(strncmp(out, s, strlen(out) - 3), 0);
    assert_true(s[strlen(out) - 3] == ' ' || s[strlen(out) - 3] == ',');
    /* Characters of the extension table count twice. */
    memset(s, '{', 80);
    s[80] = '\0';
    fit(s, 1, out, sizeof(out), &cut);
    assert_false(cut);
    s[80] = '{';
    s[81] = '\0';
    fit(s, 1, out, sizeof(out), &cut);
    assert_true(cut);
    assert_true(eg_sms_septets(out, strlen(out)) <= 160);
    /* Diacritics are stripped first, white space trimmed; 0 segments means 2. */
    fit("  Hồ sơ đã được tiếp nhận.\n", 0, out, sizeof(out), &cut);
    assert_string_equal(out, "Ho so da duoc tiep nhan.");
    memset(s, 'x', 400);
    s[400] = '\0';
    fit(s, 0, out, sizeof(out), &cut);
    assert_int_equal(strlen(out), 306);
    fit(s, 3, out, sizeof(out), &cut);
    assert_false(cut);
    struct eg_buf b = EG_BUF_INIT(64);
    assert_int_equal(eg_sms_fit("x", 1, 11, &b, NULL), EG_EINVAL);
    assert_int_equal(eg_sms_fit("x", 1, -1, &b, NULL), EG_EINVAL);
    assert_int_equal(eg_sms_fit("\xff", 1, 1, &b, NULL), EG_EINVAL);
    eg_buf_release(&b);
}

/* ---- settings ------------------------------------------------------------------------- */

static void
test_config(void **state)
{
    (void)state;
    struct eg_buf err = EG_BUF_INIT(512);
    struct eg_sms_config c = {.url = "https://sms.example.vn/api/send"};
    assert_int_equal(eg_sms_config_check(&c, &err), EG_OK);
    c.provider = "json";
    c.token = "t";
    c.sender = "UBND Nghe An";
    assert_int_equal(eg_sms_config_check(&c, &err), EG_OK);
    c.url = "http://127.0.0.1:9/send";
    assert_int_equal(eg_sms_config_check(&c, &err), EG_OK);
    c.url = "http://localhost:9/send";
    assert_int_equal(eg_sms_config_check(&c, &err), EG_OK);
    c.url = "http://[::1]:9/send";
    assert_int_equal(eg_sms_config_check(&c, &err), EG_OK);

    static const char *const bad_urls[] = {
        "",
        "http://sms.example.vn/send",
        "http://10.0.0.1/send",
        "ftp://127.0.0.1/x",
        "sms.vn",
        "https://sms.example.vn/a b",
        "https://sms.example.vn/\r\nX: y",
    };
    for (size_t i = 0; i < EG_ARRAY_LEN(bad_urls); i++) {
        c.url = bad_urls[i];
        if (eg_sms_config_check(&c, &err) != EG_EINVAL)
            fail_msg("sms_url '%s' accepted", bad_urls[i]);
        assert_contains(eg_buf_str(&err), "sms_url");
    }
    c.url = NULL;
    assert_int_equal(eg_sms_config_check(&c, &err), EG_EINVAL);
    c.url = "https://sms.example.vn/api/send";
    c.provider = "twilio";
    assert_int_equal(eg_sms_config_check(&c, &err), EG_EINVAL);
    assert_contains(eg_buf_str(&err), "sms_provider");
    c.provider = "brandname";
    c.token = NULL;
    assert_int_equal(eg_sms_config_check(&c, &err), EG_EINVAL);
    assert_contains(eg_buf_str(&err), "sms_token");
    c.token = "key";
    c.sender = "UBNDNGHEAN12"; /* 12 */
    assert_int_equal(eg_sms_config_check(&c, &err), EG_EINVAL);
    assert_contains(eg_buf_str(&err), "brandname");
    c.sender = "UBND Nghệ";
    assert_int_equal(eg_sms_config_check(&c, &err), EG_EINVAL);
    c.sender = NULL;
    assert_int_equal(eg_sms_config_check(&c, &err), EG_EINVAL);
    c.sender = "UBND.NGHEAN";
    assert_int_equal(eg_sms_config_check(&c, &err), EG_OK);
    c.token = "a\nb";
    assert_int_equal(eg_sms_config_check(&c, &err), EG_EINVAL);
    c.token = "key";
    c.timeout_ms = -1;
    assert_int_equal(eg_sms_config_check(&c, &err), EG_EINVAL);
    c.timeout_ms = 0;
    c.max_segments = 11;
    assert_int_equal(eg_sms_config_check(&c, &err), EG_EINVAL);
    c.max_segments = 10;
    assert_int_equal(eg_sms_config_check(&c, &err), EG_OK);
    eg_buf_release(&err);
}

/* ---- against the gateway -------------------------------------------------------------- */

static struct eg_sms_config
json_cfg(void)
{
    struct eg_sms_config c = {.url = gw.url,
                              .provider = "json",
                              .token = TOKEN,
                              .sender = "UBND Nghe An",
                              .timeout_ms = 5000};
    return c;
}

static struct eg_sms_config
form_cfg(void)
{
    struct eg_sms_config c = {.url = gw.url,
                              .provider = "brandname",
                              .token = TOKEN,
                              .sender = "UBND.NGHEAN",
                              .timeout_ms = 5000};
    return c;
}

static json_t *
last_request(void)
{
    json_t *all = smsgw_requests(&gw);
    size_t n = json_array_size(all);
    assert_true(n > 0);
    json_t *r = json_incref(json_array_get(all, n - 1));
    json_decref(all);
    return r;
}

static const char *
field(const json_t *r, const char *key)
{
    const char *v = json_string_value(json_object_get(r, key));
    return v ? v : "";
}

static void
assert_no_secrets(const char *s)
{
    assert_not_contains(s, TOKEN);
    assert_not_contains(s, "912345678");
    assert_not_contains(s, "912 345 678");
}

static void
test_send_json(void **state)
{
    (void)state;
    struct eg_sms_config c = json_cfg();
    struct eg_buf err = EG_BUF_INIT(1024);
    assert_int_equal(
        eg_sms_send(&c, "0912 345 678", "Hồ sơ H41-260115-0001 đã được tiếp nhận.", &err), EG_OK);
    assert_string_equal(eg_buf_str(&err), "");
    json_t *r = last_request();
    assert_string_equal(field(r, "dialect"), "json");
    assert_string_equal(field(r, "path"), "/send");
    assert_string_equal(field(r, "to"), "+84912345678");
    assert_string_equal(field(r, "from"), "UBND Nghe An");
    assert_string_equal(field(r, "text"), "Ho so H41-260115-0001 da duoc tiep nhan.");
    assert_string_equal(field(r, "authorization"), "Bearer " TOKEN);
    assert_true(json_is_null(json_object_get(r, "idempotency_key")));
    json_decref(r);

    /* With a request id, and a text longer than the segments allowed. */
    char text[600];
    memset(text, 'a', sizeof(text) - 1);
    text[sizeof(text) - 1] = '\0';
    c.max_segments = 1;
    assert_int_equal(eg_sms_send_ref(&c, "+84912345678", text, "0123abcd", &err), EG_OK);
    r = last_request();
    assert_string_equal(field(r, "idempotency_key"), "0123abcd");
    assert_int_equal(strlen(field(r, "text")), 160);
    assert_string_equal(field(r, "text") + 157, "...");
    json_decref(r);
    assert_int_equal(smsgw_accepted(&gw), 2);
    eg_buf_release(&err);
}

static void
test_send_brandname(void **state)
{
    (void)state;
    struct eg_sms_config c = form_cfg();
    struct eg_buf err = EG_BUF_INIT(1024);
    assert_int_equal(eg_sms_send_ref(&c, "84 983 456 789",
                                     "Kết quả: \"đạt\" & 100% hợp lệ = xong; a+b?", "ff00", &err),
                     EG_OK);
    json_t *r = last_request();
    assert_string_equal(field(r, "dialect"), "form");
    assert_string_equal(field(r, "to"), "84983456789");
    assert_string_equal(field(r, "brandname"), "UBND.NGHEAN");
    assert_string_equal(field(r, "text"), "Ket qua: \"dat\" & 100% hop le = xong; a+b?");
    assert_string_equal(field(r, "request_id"), "ff00");
    assert_true(json_is_true(json_object_get(r, "apikey_given")));
    assert_true(json_is_null(json_object_get(r, "authorization")));
    json_decref(r);

    /* 200 with a failure code (an empty balance, say): retry. */
    smsgw_control(&gw, "{\"code\": \"99\", \"count\": 1}");
    assert_int_equal(eg_sms_send(&c, "0912345678", "x", &err), EG_EBUSY);
    assert_contains(eg_buf_str(&err), "code 99");
    /* 400 echoing the form, API key and number included: neither reaches err. */
    smsgw_control(&gw, "{\"status\": 400, \"count\": 1}");
    assert_int_equal(eg_sms_send(&c, "0912345678", "x", &err), EG_EINVAL);
    assert_contains(eg_buf_str(&err), "refused the message for good (400)");
    assert_contains(eg_buf_str(&err), "********678");
    assert_no_secrets(eg_buf_str(&err));
    /* A wrong API key: the operator fixes it, the message waits. */
    c.token = "wrong-" TOKEN;
    assert_int_equal(eg_sms_send(&c, "0912345678", "x", &err), EG_EUNAVAIL);
    assert_contains(eg_buf_str(&err), "401");
    assert_contains(eg_buf_str(&err), "sms_token");
    assert_no_secrets(eg_buf_str(&err));
    assert_int_equal(smsgw_accepted(&gw), 1);
    eg_buf_release(&err);
}

static void
test_send_errors(void **state)
{
    (void)state;
    struct eg_sms_config c = json_cfg();
    struct eg_buf err = EG_BUF_INIT(1024);
    static const struct {
        int status;
        enum eg_err want;
        const char *says;
    } cases[] = {
        {400, EG_EINVAL, "for good (400)"},     {404, EG_EINVAL, "for good (404)"},
        {422, EG_EINVAL, "for good (422)"},     {429, EG_EBUSY, "try later (429)"},
        {408, EG_EBUSY, "try later (408)"},     {500, EG_EBUSY, "for now (500)"},
        {503, EG_EBUSY, "for now (503)"},       {401, EG_EUNAVAIL, "credentials (401"},
        {403, EG_EUNAVAIL, "credentials (403"}, {302, EG_EUNAVAIL, "answered 302"},
    };
    for (size_t i = 0; i < EG_ARRAY_LEN(cases); i++) {
        char ctl[64];
        snprintf(ctl, sizeof(ctl), "{\"status\": %d, \"count\": 1}", cases[i].status);
        smsgw_control(&gw, ctl);
        enum eg_err rc = eg_sms_send(&c, "0912345678", "Xin chao", &err);
        if (rc != cases[i].want)
            fail_msg("status %d: %s (%s)", cases[i].status, eg_strerror(rc), eg_buf_str(&err));
        assert_contains(eg_buf_str(&err), cases[i].says);
        assert_contains(eg_buf_str(&err), gw.url);
        assert_no_secrets(eg_buf_str(&err));
    }
    assert_int_equal(smsgw_count(&gw), EG_ARRAY_LEN(cases));
    assert_int_equal(smsgw_accepted(&gw), 0);

    /* Closed without an answer; silent past the timeout. */
    smsgw_control(&gw, "{\"drop\": true, \"count\": 1}");
    assert_int_equal(eg_sms_send(&c, "0912345678", "x", &err), EG_EUNAVAIL);
    c.timeout_ms = 500;
    smsgw_control(&gw, "{\"hang\": 1.5, \"count\": 1}");
    int64_t t0 = eg_mono_ns();
    assert_int_equal(eg_sms_send(&c, "0912345678", "x", &err), EG_EUNAVAIL);
    assert_contains(eg_buf_str(&err), "did not answer in time");
    assert_true(eg_mono_ns() - t0 < 1400LL * 1000000);
    smtpd_sleep_ms(1200); /* let the gateway finish that request */

    /* Down: nobody listens. A query string (a token in it) stays out of err. */
    char url[128];
    snprintf(url, sizeof(url), "http://127.0.0.1:%d/send?key=%s", smtpd_free_port(), TOKEN);
    c.url = url;
    assert_int_equal(eg_sms_send(&c, "0912345678", "x", &err), EG_EUNAVAIL);
    assert_contains(eg_buf_str(&err), "cannot reach the SMS gateway http://127.0.0.1:");
    assert_no_secrets(eg_buf_str(&err));
    assert_not_contains(eg_buf_str(&err), "key=");

    /* Bad input never leaves the process. */
    c = json_cfg();
    size_t before = smsgw_count(&gw);
    assert_int_equal(eg_sms_send(&c, "0243456789", "x", &err), EG_EINVAL);
    assert_contains(eg_buf_str(&err), "not a Vietnamese mobile number");
    assert_int_equal(eg_sms_send(&c, "0912345678", "", &err), EG_EINVAL);
    assert_int_equal(eg_sms_send(&c, "0912345678", "  \n ", &err), EG_EINVAL);
    assert_int_equal(eg_sms_send(&c, "0912345678", NULL, &err), EG_EINVAL);
    assert_int_equal(eg_sms_send(&c, "0912345678", "\xff", &err), EG_EINVAL);
    assert_int_equal(eg_sms_send_ref(&c, "0912345678", "x", "a b", &err), EG_EINVAL);
    c.url = "http://sms.example.vn/";
    assert_int_equal(eg_sms_send(&c, "0912345678", "x", &err), EG_EINVAL);
    assert_int_equal(smsgw_count(&gw), before);
    eg_buf_release(&err);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_phone_table),
        cmocka_unit_test(test_phone_mask),
        cmocka_unit_test(test_unaccent),
        cmocka_unit_test(test_segments),
        cmocka_unit_test(test_config),
        cmocka_unit_test_setup(test_send_json, setup),
        cmocka_unit_test_setup(test_send_brandname, setup),
        cmocka_unit_test_setup(test_send_errors, setup),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
