/*
 * test_mime.c - the message egov writes, checked two ways: decoded here in C
 * (encoded-words, quoted-printable, folding and line lengths) and read back by
 * Python's email package (tests/notify/smtp_server.py --parse), a reader we
 * did not write. Also: header injection is refused, addresses are checked,
 * the Date is RFC 5322, a retried message is the same bytes, and the backoff.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "notify/notify_int.h"
#include "notify/smtptest.h"

#define FROM_NAME "Cổng dịch vụ công tỉnh Hà Giang"
#define SUBJECT_VN                                                                                                  \
    "Hồ sơ H41.01-260115-0001 của ông/bà đã được tiếp nhận: Đăng ký khai sinh, kết hôn và " \
    "cấp bản sao trích lục hộ tịch — hẹn trả kết quả ngày 20/01/2026"
#define TEXT_VN                                                                                                                        \
    "Kính gửi ông Nguyễn Văn An,\n\n"                                                                                           \
    "Hồ sơ của ông/bà đã được tiếp nhận tại Bộ phận Một cửa. Thời hạn giải quyết là 5 ngày làm " \
    "việc kể từ ngày tiếp nhận; kết quả được trả tại quầy số 3 hoặc qua dịch vụ bưu chính công "   \
    "ích.\n"                                                                                                                          \
    ".Dòng này bắt đầu bằng dấu chấm\n"                                                                                   \
    "From dòng này bắt đầu bằng From\n"                                                                                       \
    "Dấu bằng = và khoảng trắng cuối dòng   \n"                                                                            \
    "\tThụt lề bằng tab\n"                                                                                                       \
    "Trân trọng.\n"

static const struct eg_smtp_config cfg = {
    .url = "smtp://127.0.0.1:1",
    .from = "noreply@dichvucong.example.vn",
    .from_name = FROM_NAME,
};

/* ---- small decoders, written from the RFCs, independent of mime.c ----------------------- */

static int
b64val(char c)
{
    const char *t = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    const char *p = strchr(t, c);
    return c && p ? (int)(p - t) : -1;
}

static void
b64_decode(const char *s, size_t n, struct eg_buf *out)
{
    assert_int_equal(n % 4, 0);
    for (size_t i = 0; i < n; i += 4) {
        int v[4];
        for (int k = 0; k < 4; k++)
            v[k] = s[i + k] == '=' ? 0 : b64val(s[i + k]);
        for (int k = 0; k < 4; k++)
            assert_true(v[k] >= 0);
        unsigned x = (unsigned)v[0] << 18 | (unsigned)v[1] << 12 | (unsigned)v[2] << 6 | v[3];
        assert_int_equal(eg_buf_addc(out, (char)(x >> 16)), EG_OK);
        if (s[i + 2] != '=')
            assert_int_equal(eg_buf_addc(out, (char)(x >> 8)), EG_OK);
        if (s[i + 3] != '=')
            assert_int_equal(eg_buf_addc(out, (char)x), EG_OK);
    }
}

/* Unfolds a header value and decodes its encoded-words (RFC 2047 6.2: white space
 * between two encoded-words is dropped). Checks each word is at most 75 chars. */
static void
header_decode(const char *v, struct eg_buf *out)
{
    struct eg_buf u = EG_BUF_INIT(1 << 16);
    for (const char *p = v; *p; p++) {
        if (p[0] == '\r' && p[1] == '\n') {
            assert_true(p[2] == ' ' || p[2] == '\t');
            p++;
            continue;
        }
        assert_int_equal(eg_buf_addc(&u, *p), EG_OK);
    }
    const char *p = eg_buf_str(&u);
    bool prev_word = false;
    while (*p) {
        if (strncmp(p, "=?UTF-8?B?", 10) == 0) {
            const char *end = strstr(p + 10, "?=");
            assert_non_null(end);
            assert_true(end + 2 - p <= 75);
            b64_decode(p + 10, (size_t)(end - p - 10), out);
            p = end + 2;
            prev_word = true;
            continue;
        }
        size_t ws = strspn(p, " \t");
        if (ws && prev_word && strncmp(p + ws, "=?", 2) == 0) {
            p += ws;
            continue;
        }
        assert_int_equal(eg_buf_addc(out, *p), EG_OK);
        prev_word = false;
        p++;
    }
    eg_buf_release(&u);
}

static int
hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* Quoted-printable back to bytes, CRLF to LF; checks the line rules on the way. */
static void
qp_decode(const char *s, size_t n, struct eg_buf *out)
{
    size_t line = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        assert_true(c < 0x80);
        if (c == '\r') {
            assert_true(i + 1 < n && s[i + 1] == '\n');
            assert_true(line <= 76);
            if (i > 0)
                assert_true(s[i - 1] != ' ' && s[i - 1] != '\t'); /* no trailing white space */
            line = 0;
            i++;
            assert_int_equal(eg_buf_addc(out, '\n'), EG_OK);
            continue;
        }
        assert_true(c != '\n');
        if (line == 0)
            assert_true(c != '.' && strncmp(s + i, "From ", 5) != 0);
        line++;
        if (c == '=') {
            if (i + 2 < n && s[i + 1] == '\r' && s[i + 2] == '\n') {
                assert_true(line <= 76);
                line = 0;
                i += 2;
                continue;
            }
            assert_true(i + 2 < n);
            int hi = hexval(s[i + 1]), lo = hexval(s[i + 2]);
            assert_true(hi >= 0 && lo >= 0);
            assert_int_equal(eg_buf_addc(out, (char)(hi * 16 + lo)), EG_OK);
            i += 2;
            line += 2;
            continue;
        }
        assert_int_equal(eg_buf_addc(out, (char)c), EG_OK);
    }
    assert_int_equal(line, 0); /* ends with CRLF */
}

/* The value of header field name in msg (folded as it is), into out. */
static bool
header_get(const char *msg, const char *name, struct eg_buf *out)
{
    size_t nl = strlen(name);
    const char *end = strstr(msg, "\r\n\r\n");
    for (const char *p = msg; p && p < end; p = strstr(p, "\r\n") + 2) {
        if (strncmp(p, name, nl) == 0 && p[nl] == ':' && p[nl + 1] == ' ') {
            const char *v = p + nl + 2;
            const char *e = v;
            while (!(e[0] == '\r' && e[1] == '\n' && e[2] != ' ' && e[2] != '\t'))
                e++;
            assert_int_equal(eg_buf_add(out, v, (size_t)(e - v)), EG_OK);
            return true;
        }
    }
    return false;
}

static void
assert_lines_max(const char *s, size_t max)
{
    for (const char *p = s; *p;) {
        const char *e = strstr(p, "\r\n");
        size_t len = e ? (size_t)(e - p) : strlen(p);
        if (len > max)
            fail_msg("a line of %zu > %zu characters: %.*s", len, max, (int)len, p);
        assert_true(!strchr(p, '\n') || strchr(p, '\n') > e); /* no bare LF */
        if (!e)
            break;
        p = e + 2;
    }
}

/* ---- quoted-printable ----------------------------------------------------------------- */

static void
check_qp(const char *text)
{
    struct eg_buf q = EG_BUF_INIT(1 << 20), d = EG_BUF_INIT(1 << 20), want = EG_BUF_INIT(1 << 20);
    assert_int_equal(eg_mime_qp(&q, text, strlen(text)), EG_OK);
    qp_decode(q.p, q.len, &d);
    /* Expected: the text with CRLF or CR as LF, and a final LF. */
    for (const char *p = text; *p; p++) {
        if (*p == '\r' && p[1] == '\n')
            continue;
        assert_int_equal(eg_buf_addc(&want, *p == '\r' ? '\n' : *p), EG_OK);
    }
    if (want.len && want.p[want.len - 1] != '\n')
        assert_int_equal(eg_buf_addc(&want, '\n'), EG_OK);
    assert_string_equal(eg_buf_str(&d), eg_buf_str(&want));
    eg_buf_release(&q);
    eg_buf_release(&d);
    eg_buf_release(&want);
}

static void
test_qp_vietnamese(void **state)
{
    (void)state;
    check_qp(TEXT_VN);
    check_qp("");
    check_qp("không xuống dòng ở cuối");
    check_qp("CRLF\r\nvà CR\rlẫn lộn\n");
    check_qp("="); /* a lone '=' */
    check_qp("....\n. \n \n\t\n");
    /* A long word without spaces: soft breaks only. */
    struct eg_buf longw = EG_BUF_INIT(4000);
    for (int i = 0; i < 300; i++)
        assert_int_equal(eg_buf_adds(&longw, "ữ="), EG_OK);
    check_qp(eg_buf_str(&longw));
    eg_buf_release(&longw);
}

/* Many pseudo-random texts from a small alphabet full of edge cases. */
static void
test_qp_many(void **state)
{
    (void)state;
    static const char *const atoms[] = {"a",     "ệ",  "Đ",    " ", "\t", "=", ".",
                                        "From ", "\n", "\r\n", "ừ", "~",  "𝄞", "x"};
    uint32_t seed = 12345;
    for (int round = 0; round < 2000; round++) {
        char t[2048] = "";
        size_t len = 0;
        int k = (int)(seed % 200);
        for (int i = 0; i < k; i++) {
            seed = seed * 1103515245u + 12345u;
            const char *a = atoms[(seed >> 16) % EG_ARRAY_LEN(atoms)];
            if (len + strlen(a) + 1 >= sizeof(t))
                break;
            memcpy(t + len, a, strlen(a) + 1);
            len += strlen(a);
        }
        seed = seed * 1103515245u + 12345u;
        check_qp(t);
    }
}

/* ---- header text ---------------------------------------------------------------------- */

static void
check_header(const char *field, const char *text, bool phrase, const char *want)
{
    struct eg_buf h = EG_BUF_INIT(1 << 16), d = EG_BUF_INIT(1 << 16);
    size_t col = strlen(field) + 2;
    assert_int_equal(eg_buf_printf(&h, "%s: ", field), EG_OK);
    assert_int_equal(eg_mime_header_text(&h, text, strlen(text), phrase, &col), EG_OK);
    assert_lines_max(eg_buf_str(&h), EG_MAIL_LINE_MAX);
    const char *v = eg_buf_str(&h) + strlen(field) + 2;
    if (phrase && v[0] == '"') {
        /* quoted-string: strip the quotes and the backslashes */
        for (const char *p = v + 1; p[1]; p++) {
            if (*p == '\\')
                p++;
            assert_int_equal(eg_buf_addc(&d, *p), EG_OK);
        }
    } else {
        header_decode(v, &d);
    }
    assert_string_equal(eg_buf_str(&d), want ? want : text);
    eg_buf_release(&h);
    eg_buf_release(&d);
}

static void
test_header_words(void **state)
{
    (void)state;
    /* Every prefix of a long Vietnamese subject, cut at character boundaries. */
    const char *s = SUBJECT_VN SUBJECT_VN;
    for (size_t n = 0; n <= strlen(s); n++) {
        if (((unsigned char)s[n] & 0xc0) == 0x80)
            continue;
        char t[1024];
        memcpy(t, s, n);
        t[n] = '\0';
        check_header("Subject", t, false, NULL);
        check_header("From", t, true, NULL);
    }
    /* Four-byte characters never split between words. */
    check_header("Subject", "𝄞𝄞𝄞𝄞𝄞𝄞𝄞𝄞𝄞𝄞𝄞𝄞𝄞𝄞𝄞𝄞𝄞𝄞𝄞𝄞𝄞𝄞𝄞𝄞𝄞𝄞𝄞𝄞𝄞𝄞", false, NULL);
}

static void
test_header_ascii(void **state)
{
    (void)state;
    struct eg_buf h = EG_BUF_INIT(4096);
    size_t col = 9;
    /* Short ASCII stays as it is. */
    assert_int_equal(eg_mime_header_text(&h, "Your dossier", 12, false, &col), EG_OK);
    assert_string_equal(eg_buf_str(&h), "Your dossier");
    /* Long ASCII folds at spaces, no encoding. */
    const char *lng = "Notice about your application for a birth certificate and the copy of the "
                      "civil status extract that you asked for at the one-stop desk";
    check_header("Subject", lng, false, NULL);
    eg_buf_reset(&h);
    col = 9;
    assert_int_equal(eg_mime_header_text(&h, lng, strlen(lng), false, &col), EG_OK);
    assert_null(strstr(eg_buf_str(&h), "=?"));
    assert_non_null(strstr(eg_buf_str(&h), "\r\n "));
    /* "=?" in plain text would be read as an encoded-word: it gets encoded. */
    check_header("Subject", "a =?UTF-8?B?QQ==?= b", false, NULL);
    eg_buf_reset(&h);
    col = 9;
    assert_int_equal(eg_mime_header_text(&h, "a =?x?= b", 9, false, &col), EG_OK);
    assert_non_null(strstr(eg_buf_str(&h), "=?UTF-8?B?"));
    /* Display names in quotes, with escapes. */
    check_header("From", "Phong \"Mot cua\" \\ A", true, NULL);
    check_header("From", "", true, NULL);
    /* Double spaces and a long unbreakable word fall back to encoded-words and survive. */
    check_header("Subject", "two  spaces", false, NULL);
    check_header("Subject",
                 "Averyveryveryveryveryveryveryveryveryveryveryveryveryveryveryveryverylongword "
                 "x",
                 false, NULL);
    eg_buf_release(&h);
}

/* ---- whole messages --------------------------------------------------------------------- */

static void
test_build_plain(void **state)
{
    (void)state;
    struct eg_mail m = {.to = "an.nguyen@example.vn",
                        .to_name = "Nguyễn Văn An",
                        .subject = SUBJECT_VN,
                        .text = TEXT_VN,
                        .date_ms = 1709208000000LL};
    struct eg_buf msg = EG_BUF_INIT(1 << 20), v = EG_BUF_INIT(4096), d = EG_BUF_INIT(1 << 20);
    struct eg_buf err = EG_BUF_INIT(512);
    assert_int_equal(eg_mail_build(&cfg, &m, &msg, &err), EG_OK);
    const char *s = eg_buf_str(&msg);
    assert_lines_max(s, EG_MAIL_LINE_MAX);

    assert_true(header_get(s, "Date", &v));
    assert_string_equal(eg_buf_str(&v), "Thu, 29 Feb 2024 12:00:00 +0000");
    eg_buf_reset(&v);
    assert_true(header_get(s, "Subject", &v));
    header_decode(eg_buf_str(&v), &d);
    assert_string_equal(eg_buf_str(&d), SUBJECT_VN);
    eg_buf_reset(&v);
    eg_buf_reset(&d);
    assert_true(header_get(s, "From", &v));
    const char *lt = strrchr(eg_buf_str(&v), '<');
    assert_non_null(lt);
    assert_string_equal(lt, "<noreply@dichvucong.example.vn>");
    v.p[lt - v.p] = '\0';
    header_decode(eg_buf_str(&v), &d);
    assert_string_equal(eg_buf_str(&d), FROM_NAME " "); /* the space before '<' stays */
    eg_buf_reset(&v);
    eg_buf_reset(&d);
    assert_true(header_get(s, "Message-ID", &v));
    assert_true(eg_mail_msgid_valid(eg_buf_str(&v)));
    assert_non_null(strstr(eg_buf_str(&v), "@dichvucong.example.vn>"));
    assert_non_null(strstr(s, "\r\nMIME-Version: 1.0\r\n"));
    assert_non_null(strstr(s, "\r\nAuto-Submitted: auto-generated\r\n"));
    assert_non_null(strstr(s, "\r\nContent-Type: text/plain; charset=utf-8\r\n"
                              "Content-Transfer-Encoding: quoted-printable\r\n\r\n"));
    /* Headers are 7-bit ASCII; the body decodes back to the text. */
    const char *body = strstr(s, "\r\n\r\n") + 4;
    for (const char *p = s; p < body; p++)
        assert_true((unsigned char)*p < 0x80);
    qp_decode(body, strlen(body), &d);
    assert_string_equal(eg_buf_str(&d), TEXT_VN);
    eg_buf_release(&msg);
    eg_buf_release(&v);
    eg_buf_release(&d);
    eg_buf_release(&err);
}

static void
test_build_stable(void **state)
{
    (void)state;
    struct eg_mail m = {.to = "a@example.vn",
                        .subject = "Thông báo",
                        .text = "Nội dung",
                        .html = "<p>Nội dung</p>",
                        .message_id = "<outbox.42@dichvucong.example.vn>",
                        .date_ms = 1767225600000LL};
    struct eg_buf a = EG_BUF_INIT(1 << 16), b = EG_BUF_INIT(1 << 16);
    assert_int_equal(eg_mail_build(&cfg, &m, &a, NULL), EG_OK);
    assert_int_equal(eg_mail_build(&cfg, &m, &b, NULL), EG_OK);
    assert_string_equal(eg_buf_str(&a), eg_buf_str(&b)); /* a retry sends the same bytes */
    assert_non_null(
        strstr(eg_buf_str(&a), "\r\nMessage-ID: <outbox.42@dichvucong.example.vn>\r\n"));
    assert_non_null(strstr(eg_buf_str(&a), "Content-Type: multipart/alternative;\r\n boundary="));
    /* Without a Message-ID each message gets its own. */
    m.message_id = NULL;
    eg_buf_reset(&a);
    eg_buf_reset(&b);
    assert_int_equal(eg_mail_build(&cfg, &m, &a, NULL), EG_OK);
    assert_int_equal(eg_mail_build(&cfg, &m, &b, NULL), EG_OK);
    assert_string_not_equal(eg_buf_str(&a), eg_buf_str(&b));
    eg_buf_release(&a);
    eg_buf_release(&b);
}

static void
test_nfc(void **state)
{
    (void)state;
    /* "Cổng" typed with combining marks (NFD) arrives as NFC. */
    struct eg_mail m = {.to = "a@example.vn", .subject = "Co\xcc\x82\xcc\x89ng", .text = "x"};
    struct eg_buf msg = EG_BUF_INIT(1 << 16), v = EG_BUF_INIT(512), d = EG_BUF_INIT(512);
    assert_int_equal(eg_mail_build(&cfg, &m, &msg, NULL), EG_OK);
    assert_true(header_get(eg_buf_str(&msg), "Subject", &v));
    header_decode(eg_buf_str(&v), &d);
    assert_string_equal(eg_buf_str(&d), "Cổng");
    eg_buf_release(&msg);
    eg_buf_release(&v);
    eg_buf_release(&d);
}

/* ---- refusals --------------------------------------------------------------------------- */

static void
expect_refused(const struct eg_smtp_config *c, const struct eg_mail *m)
{
    struct eg_buf msg = EG_BUF_INIT(1 << 16), err = EG_BUF_INIT(512);
    assert_int_equal(eg_mail_build(c, m, &msg, &err), EG_EINVAL);
    assert_int_equal(msg.len, 0);
    assert_true(err.len > 0);
    /* eg_smtp_send refuses before connecting anywhere (the URL's port 1 is closed anyway). */
    eg_buf_reset(&err);
    assert_int_equal(eg_smtp_send(c, m, &err), EG_EINVAL);
    assert_null(strstr(eg_buf_str(&err), "reach"));
    eg_buf_release(&msg);
    eg_buf_release(&err);
}

static void
test_header_injection(void **state)
{
    (void)state;
    const struct eg_mail ok = {.to = "a@example.vn", .subject = "Chào", .text = "x"};
    static const char *const bad_subjects[] = {
        "Chào\r\nBcc: victim@example.vn",
        "Chào\nBcc: victim@example.vn",
        "Chào\rX: y",
        "tab\there",
        "NEL\xc2\x85here",
        "DEL\x7fhere",
        "bad utf-8 \xc3\x28",
    };
    for (size_t i = 0; i < EG_ARRAY_LEN(bad_subjects); i++) {
        struct eg_mail m = ok;
        m.subject = bad_subjects[i];
        expect_refused(&cfg, &m);
    }
    static const char *const bad_to[] = {
        "a@example.vn\r\nBcc: victim@example.vn",
        "a@example.vn\n",
        "<a@example.vn>",
        "a@example.vn>\r\nX: y",
        "a b@example.vn",
        "a@example.vn, c@example.vn",
        "\"q\"@example.vn",
        "a@localhost",
        "a@-x.vn",
        "a@x..vn",
        ".a@x.vn",
        "a..b@x.vn",
        "",
        "a@",
        "@x.vn",
        "ă@x.vn",
    };
    for (size_t i = 0; i < EG_ARRAY_LEN(bad_to); i++) {
        struct eg_mail m = ok;
        m.to = bad_to[i];
        expect_refused(&cfg, &m);
    }
    struct eg_mail m = ok;
    m.to_name = "An\r\nBcc: victim@example.vn";
    expect_refused(&cfg, &m);
    m = ok;
    m.message_id = "<a@b.vn>\r\nBcc: victim@example.vn";
    expect_refused(&cfg, &m);
    m.message_id = "<a b@b.vn>";
    expect_refused(&cfg, &m);
    m.message_id = "no-brackets@b.vn";
    expect_refused(&cfg, &m);
    m = ok;
    m.text = "bad utf-8 \xff";
    expect_refused(&cfg, &m);
    m = ok;
    m.html = "\xed\xa0\x80"; /* a surrogate */
    expect_refused(&cfg, &m);

    struct eg_smtp_config c = cfg;
    c.from_name = "Cổng\r\nBcc: victim@example.vn";
    expect_refused(&c, &ok);
    c = cfg;
    c.from = "noreply@example.vn\r\nBcc: victim@example.vn";
    expect_refused(&c, &ok);
    c = cfg;
    c.url = "http://127.0.0.1:1";
    expect_refused(&c, &ok);
    c = cfg;
    c.url = "smtp://127.0.0.1:1/\r\nX";
    expect_refused(&c, &ok);
}

static void
test_addresses(void **state)
{
    (void)state;
    static const char *const good[] = {"a@example.vn", "nguyen.van.an+hoso@mail.example.gov.vn",
                                       "x_y-z@a-b.c1", "o'brien@example.com"};
    for (size_t i = 0; i < EG_ARRAY_LEN(good); i++)
        assert_true(eg_mail_addr_valid(good[i]));
    char lng[300];
    memset(lng, 'a', 65);
    snprintf(lng + 65, sizeof(lng) - 65, "@example.vn");
    assert_false(eg_mail_addr_valid(lng)); /* local part over 64 */
    assert_false(eg_mail_addr_valid(NULL));
    assert_true(eg_mail_msgid_valid("<1a2b@example.vn>"));
    assert_false(eg_mail_msgid_valid("<@example.vn>"));
    assert_false(eg_mail_msgid_valid("<a@b@c>"));
}

static void
test_date(void **state)
{
    (void)state;
    char b[40];
    eg_mime_date(0, b, sizeof(b));
    assert_string_equal(b, "Thu, 1 Jan 1970 00:00:00 +0000");
    eg_mime_date(1709208000000LL, b, sizeof(b));
    assert_string_equal(b, "Thu, 29 Feb 2024 12:00:00 +0000");
    eg_mime_date(1798761599999LL, b, sizeof(b));
    assert_string_equal(b, "Thu, 31 Dec 2026 23:59:59 +0000");
}

static void
test_backoff(void **state)
{
    (void)state;
    const int64_t s = 1000, base = 30 * s, max = 3600 * s;
    const int64_t want[] = {30 * s,  60 * s,   120 * s,  240 * s,  480 * s,
                            960 * s, 1920 * s, 3600 * s, 3600 * s, 3600 * s};
    for (int i = 0; i < (int)EG_ARRAY_LEN(want); i++)
        assert_int_equal(eg_outbox_backoff_ms(base, max, i + 1, 0), want[i]);
    assert_int_equal(eg_outbox_backoff_ms(base, max, 1000, 0), max);    /* no overflow */
    assert_int_equal(eg_outbox_backoff_ms(base, max, 1, 1000), 33 * s); /* jitter <= +10 % */
    assert_int_equal(eg_outbox_backoff_ms(base, max, 1, 500), 31500);
}

/* ---- a reader we did not write: Python's email package ----------------------------------- */

static json_t *
python_parse(const char *msg, size_t n)
{
    char path[] = "/tmp/egov_mime_XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, msg, n), (ssize_t)n);
    close(fd);
    char script[512], cmd[1200];
    smtpd_script(script, sizeof(script));
    snprintf(cmd, sizeof(cmd), "'%s' '%s' --parse '%s'", smtpd_python(), script, path);
    FILE *p = popen(cmd, "r");
    assert_non_null(p);
    json_error_t je;
    json_t *j = json_loadf(p, 0, &je);
    int st = pclose(p);
    unlink(path);
    if (!j || st != 0)
        fail_msg("%s: exit %d, %s", cmd, st, j ? "" : je.text);
    return j;
}

static void
test_python_reads_it(void **state)
{
    (void)state;
    const char *html = "<p>Kính gửi <b>ông Nguyễn Văn An</b>,</p>\n<p>Hồ sơ đã được tiếp nhận "
                       "và sẽ được giải quyết trong 5 ngày làm việc — xin cảm ơn ông/bà.</p>\n";
    struct eg_mail m = {.to = "an.nguyen@example.vn",
                        .to_name = "Nguyễn Văn An",
                        .subject = SUBJECT_VN,
                        .text = TEXT_VN,
                        .html = html};
    for (int with_html = 0; with_html < 2; with_html++) {
        m.html = with_html ? html : NULL;
        struct eg_buf msg = EG_BUF_INIT(1 << 20);
        assert_int_equal(eg_mail_build(&cfg, &m, &msg, NULL), EG_OK);
        json_t *j = python_parse(msg.p, msg.len);
        assert_int_equal(json_array_size(json_object_get(j, "defects")), 0);
        assert_string_equal(smtpd_field(j, "subject"), SUBJECT_VN);
        assert_string_equal(smtpd_field(j, "from_name"), FROM_NAME);
        assert_string_equal(smtpd_field(j, "from_addr"), "noreply@dichvucong.example.vn");
        assert_string_equal(smtpd_field(j, "to_name"), "Nguyễn Văn An");
        assert_string_equal(smtpd_field(j, "to_addr"), "an.nguyen@example.vn");
        assert_string_equal(smtpd_field(j, "text"), TEXT_VN);
        assert_string_equal(smtpd_field(j, "content_type"),
                            with_html ? "multipart/alternative" : "text/plain");
        if (with_html)
            assert_string_equal(smtpd_field(j, "html"), html);
        assert_true(json_integer_value(json_object_get(j, "max_line")) <= 78);
        assert_true(json_is_true(json_object_get(j, "headers_ascii")));
        assert_true(json_is_false(json_object_get(j, "bare_lf")));
        assert_non_null(strstr(smtpd_field(j, "date_utc"), "+00:00"));
        json_decref(j);
        eg_buf_release(&msg);
    }
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_qp_vietnamese), cmocka_unit_test(test_qp_many),
        cmocka_unit_test(test_header_words),  cmocka_unit_test(test_header_ascii),
        cmocka_unit_test(test_build_plain),   cmocka_unit_test(test_build_stable),
        cmocka_unit_test(test_nfc),           cmocka_unit_test(test_header_injection),
        cmocka_unit_test(test_addresses),     cmocka_unit_test(test_date),
        cmocka_unit_test(test_backoff),       cmocka_unit_test(test_python_reads_it),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
