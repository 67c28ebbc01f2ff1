/*
 * filter.c - how values are printed: HTML escaping, plain numbers, and the
 * filters date, datetime, number and url.
 *
 * Dates are shown in Asia/Ho_Chi_Minh (UTC+7, no DST since 1975) as
 * dd/MM/yyyy (DOMAIN-VN §7); numbers group thousands with "." and use ","
 * for decimals in Vietnamese ("," and "." in English). The arithmetic is done
 * here on int64 days, not with gmtime_r, so no timestamp a client can send
 * falls outside what it handles.
 */
#include "tmpl_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define REPLACEMENT "\xef\xbf\xbd" /* U+FFFD */
#define VN_OFFSET_S ((int64_t)7 * 3600)

/*
 * The bytes that are not copied as they are, as bitmaps over 0..127 (bytes
 * from 0x80 up, all of UTF-8's multi-byte forms, are always copied): C0
 * controls but tab, LF and CR, and DEL; in HTML also & < > " ' ` =.
 */
#define CONTROLS (0xffffffffu & ~((1u << '\t') | (1u << '\n') | (1u << '\r')))
#define BIT(c) ((uint64_t)1 << ((c)&63))
static const uint64_t special_text[2] = {CONTROLS, BIT(0x7f)};
static const uint64_t special_html[2] = {
    CONTROLS | BIT('&') | BIT('<') | BIT('>') | BIT('"') | BIT('\'') | BIT('='),
    BIT('`') | BIT(0x7f),
};

static bool
special(const uint64_t *map, unsigned char c)
{
    return c < 128 && (map[c >> 6] >> (c & 63)) & 1;
}

/* What special byte c becomes. */
static struct eg_str
replacement(unsigned char c)
{
    switch (c) {
    case '&':
        return EG_STR("&amp;");
    case '<':
        return EG_STR("&lt;");
    case '>':
        return EG_STR("&gt;");
    case '"':
        return EG_STR("&quot;");
    case '\'':
        return EG_STR("&#39;");
    case '`':
        return EG_STR("&#96;");
    case '=':
        return EG_STR("&#61;");
    default:
        return EG_STR(REPLACEMENT);
    }
}

enum eg_err
tmpl_put(struct eg_buf *out, const char *s, size_t n, bool html)
{
    const uint64_t *map = html ? special_html : special_text;
    size_t run = 0;
    enum eg_err rc = EG_OK;
    for (size_t i = 0; i < n && rc == EG_OK; i++) {
        if (!special(map, (unsigned char)s[i]))
            continue;
        struct eg_str r = replacement((unsigned char)s[i]);
        rc = eg_buf_add(out, s + run, i - run);
        if (rc == EG_OK)
            rc = eg_buf_add(out, r.p, r.n);
        run = i + 1;
    }
    if (rc == EG_OK)
        rc = eg_buf_add(out, s + run, n - run);
    return rc;
}

enum eg_err
eg_tmpl_escape(const char *s, size_t n, struct eg_buf *out)
{
    size_t len = out->len;
    enum eg_err rc = tmpl_put(out, s, n, true);
    if (rc != EG_OK && out->p) {
        out->len = len;
        out->p[len] = '\0';
    }
    return rc;
}

bool
tmpl_filter_parse(const char *s, size_t n, enum tfilter *out)
{
    static const struct {
        const char *name;
        enum tfilter f;
    } filters[] = {
        {"date", TF_DATE},
        {"datetime", TF_DATETIME},
        {"number", TF_NUMBER},
        {"url", TF_URL},
    };
    for (size_t i = 0; i < EG_ARRAY_LEN(filters); i++) {
        if (strlen(filters[i].name) == n && memcmp(filters[i].name, s, n) == 0) {
            *out = filters[i].f;
            return true;
        }
    }
    return false;
}

/* The shortest "%g" form that reads back as d ("0.1", not "0.10000000000000001"); its length. */
static size_t
fmt_real(double d, char *buf, size_t n)
{
    for (int prec = 15; prec <= 17; prec++) {
        snprintf(buf, n, "%.*g", prec, d);
        if (strtod(buf, NULL) == d)
            break;
    }
    return strlen(buf);
}

/* "-1234567" into buf (at least 21 bytes), without printf; its length. */
static size_t
fmt_int(long long v, char *buf)
{
    char rev[24];
    size_t n = 0, len = 0;
    unsigned long long u = v < 0 ? 0ULL - (unsigned long long)v : (unsigned long long)v;
    do {
        rev[n++] = (char)('0' + u % 10);
        u /= 10;
    } while (u);
    if (v < 0)
        buf[len++] = '-';
    while (n)
        buf[len++] = rev[--n];
    buf[len] = '\0';
    return len;
}

static enum eg_err
put_plain(struct eg_buf *out, const json_t *v, bool html)
{
    char buf[40];
    switch (v ? json_typeof(v) : JSON_NULL) {
    case JSON_STRING:
        return tmpl_put(out, json_string_value(v), json_string_length(v), html);
    case JSON_INTEGER:
        return eg_buf_add(out, buf, fmt_int(json_integer_value(v), buf));
    case JSON_REAL:
        return eg_buf_add(out, buf, fmt_real(json_real_value(v), buf, sizeof(buf)));
    default:
        return EG_OK; /* true, false, null, objects and arrays print nothing */
    }
}

/* ---- dates ------------------------------------------------------------- */

struct civil {
    int64_t y;
    int m, d, hh, mi;
    bool has_time;
};

static int64_t
floor_div(int64_t a, int64_t b)
{
    int64_t q = a / b;
    return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

/* Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's algorithm). */
static int64_t
days_from_civil(int64_t y, int m, int d)
{
    y -= m <= 2;
    int64_t era = floor_div(y, 400);
    int64_t yoe = y - era * 400;
    int64_t doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

static void
civil_from_days(int64_t z, struct civil *c)
{
    z += 719468;
    int64_t era = floor_div(z, 146097);
    int64_t doe = z - era * 146097;
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int64_t mp = (5 * doy + 2) / 153;
    c->d = (int)(doy - (153 * mp + 2) / 5 + 1);
    c->m = (int)(mp < 10 ? mp + 3 : mp - 9);
    c->y = yoe + era * 400 + (c->m <= 2);
}

/* The wall clock in Viet Nam at ms after the epoch; false outside years 1..9999. */
static bool
vn_from_ms(int64_t ms, struct civil *c)
{
    int64_t s = floor_div(ms, 1000) + VN_OFFSET_S;
    int64_t days = floor_div(s, 86400);
    int64_t sod = s - days * 86400;
    civil_from_days(days, c);
    c->hh = (int)(sod / 3600);
    c->mi = (int)(sod % 3600 / 60);
    c->has_time = true;
    return c->y >= 1 && c->y <= 9999;
}

static bool
digits(const char *s, size_t n, int *out)
{
    int v = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return false;
        v = v * 10 + (s[i] - '0');
    }
    *out = v;
    return true;
}

static int
month_days(int y, int m)
{
    static const int days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    return m == 2 && leap ? 29 : days[m - 1];
}

/*
 * "YYYY-MM-DD" (a calendar date, shown as it is) or the UTC instant
 * "YYYY-MM-DDTHH:MM[:SS[.fff]]Z" (shown in Viet Nam's time).
 */
static bool
parse_iso(const char *s, size_t n, struct civil *c)
{
    int y, m, d, hh = 0, mi = 0, ss = 0, frac;
    if (n < 10 || s[4] != '-' || s[7] != '-' || !digits(s, 4, &y) || !digits(s + 5, 2, &m) ||
        !digits(s + 8, 2, &d) || y < 1 || m < 1 || m > 12 || d < 1 || d > month_days(y, m))
        return false;
    if (n == 10) {
        *c = (struct civil){y, m, d, 0, 0, false};
        return true;
    }
    size_t i = 16;
    if (n < 17 || s[10] != 'T' || s[13] != ':' || !digits(s + 11, 2, &hh) ||
        !digits(s + 14, 2, &mi) || hh > 23 || mi > 59)
        return false;
    if (s[i] == ':') {
        if (n < 20 || !digits(s + 17, 2, &ss) || ss > 59)
            return false;
        i = 19;
        if (s[i] == '.') {
            size_t f = ++i;
            while (i < n && i - f < 9 && digits(s + i, 1, &frac))
                i++;
            if (i == f)
                return false;
        }
    }
    if (i != n - 1 || s[i] != 'Z')
        return false;
    int64_t sec = days_from_civil(y, m, d) * 86400 + (int64_t)hh * 3600 + (int64_t)mi * 60 + ss;
    return vn_from_ms(sec * 1000, c);
}

/* v as width digits at p, zeros in front. */
static void
put_digits(char *p, int v, int width)
{
    for (int i = width - 1; i >= 0; i--) {
        p[i] = (char)('0' + v % 10);
        v /= 10;
    }
}

/* "28/11/2026" or "28/11/2026 03:13" into buf (at least 17 bytes); its length, 0 if v is no date. */
static size_t
fmt_date(const json_t *v, bool with_time, char *buf)
{
    struct civil c;
    if (json_is_integer(v)) {
        if (!vn_from_ms(json_integer_value(v), &c))
            return 0;
    } else if (!json_is_string(v) || !parse_iso(json_string_value(v), json_string_length(v), &c)) {
        return 0;
    }
    put_digits(buf, c.d, 2);
    buf[2] = '/';
    put_digits(buf + 3, c.m, 2);
    buf[5] = '/';
    put_digits(buf + 6, (int)c.y, 4);
    if (!with_time || !c.has_time)
        return 10;
    buf[10] = ' ';
    put_digits(buf + 11, c.hh, 2);
    buf[13] = ':';
    put_digits(buf + 14, c.mi, 2);
    return 16;
}

/* ---- numbers ----------------------------------------------------------- */

/* Appends digits d[0..n) to buf with sep between groups of three. */
static void
group(const char *d, size_t n, char sep, char *buf, size_t *len)
{
    for (size_t i = 0; i < n; i++) {
        if (i > 0 && (n - i) % 3 == 0)
            buf[(*len)++] = sep;
        buf[(*len)++] = d[i];
    }
}

#define NUMBER_DIGITS_MAX 40

/* [-]digits[.digits] with the language's separators; its length, 0 for any other shape. */
static size_t
fmt_decimal(const char *s, size_t n, bool english, char *buf, size_t size)
{
    size_t len = 0, i = 0;
    if (n > 0 && s[0] == '-')
        i = 1;
    size_t int_start = i;
    while (i < n && s[i] >= '0' && s[i] <= '9')
        i++;
    size_t int_len = i - int_start;
    size_t frac_start = i + 1;
    if (i < n && s[i] == '.') {
        i++;
        while (i < n && s[i] >= '0' && s[i] <= '9')
            i++;
        if (i == frac_start)
            return 0;
    } else {
        frac_start = i;
    }
    size_t frac_len = i - frac_start;
    if (i != n || int_len == 0 || int_len > NUMBER_DIGITS_MAX || frac_len > NUMBER_DIGITS_MAX ||
        size < 2 * NUMBER_DIGITS_MAX + NUMBER_DIGITS_MAX / 3 + 4)
        return 0;
    if (int_start == 1)
        buf[len++] = '-';
    group(s + int_start, int_len, english ? ',' : '.', buf, &len);
    if (frac_len) {
        buf[len++] = english ? '.' : ',';
        memcpy(buf + len, s + frac_start, frac_len);
        len += frac_len;
    }
    return len;
}

static size_t
fmt_number(const json_t *v, bool english, char *buf, size_t n)
{
    char plain[40];
    size_t len;
    if (json_is_integer(v)) {
        len = fmt_int(json_integer_value(v), plain);
        return fmt_decimal(plain, len, english, buf, n);
    }
    if (json_is_real(v)) {
        len = fmt_real(json_real_value(v), plain, sizeof(plain));
        return fmt_decimal(plain, len, english, buf, n); /* 0 for 1e+21 */
    }
    if (json_is_string(v))
        return fmt_decimal(json_string_value(v), json_string_length(v), english, buf, n);
    return 0;
}

/* ---- links ------------------------------------------------------------- */

/*
 * http:, https:, mailto: or a relative reference (no scheme before the first
 * / ? #), without control characters. Anything else (javascript:, data:,
 * " javascript:", "java\tscript:") is refused.
 */
static bool
url_ok(const char *s, size_t n)
{
    static const char *const schemes[] = {"http", "https", "mailto"};
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
            return false;
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '/' || s[i] == '?' || s[i] == '#')
            return true;
        if (s[i] != ':')
            continue;
        for (size_t k = 0; k < EG_ARRAY_LEN(schemes); k++)
            if (strlen(schemes[k]) == i && strncasecmp(s, schemes[k], i) == 0)
                return true;
        return false;
    }
    return true;
}

enum eg_err
tmpl_put_value(struct eg_buf *out, const json_t *v, enum tfilter f, bool english, bool html)
{
    char buf[2 * NUMBER_DIGITS_MAX + NUMBER_DIGITS_MAX / 3 + 8];
    size_t n;
    switch (f) {
    case TF_DATE:
    case TF_DATETIME:
        n = fmt_date(v, f == TF_DATETIME, buf);
        if (n)
            return eg_buf_add(out, buf, n);
        break;
    case TF_NUMBER:
        n = fmt_number(v, english, buf, sizeof(buf));
        if (n)
            return eg_buf_add(out, buf, n);
        break;
    case TF_URL:
        if (json_is_string(v) && url_ok(json_string_value(v), json_string_length(v)))
            break;
        return eg_buf_add(out, "#", 1);
    case TF_NONE:
        break;
    }
    return put_plain(out, v, html);
}
