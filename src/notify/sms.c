/*
 * sms.c - SMS through an HTTP gateway with libcurl: Vietnamese mobile numbers
 * to E.164, Vietnamese text to unaccented GSM 7-bit within a number of
 * segments, and one POST per message in the configured provider's dialect.
 *
 * Nothing here logs. The sentence left in err names the gateway without its
 * query or credentials, carries at most 200 bytes of the gateway's answer with
 * the token removed and long digit runs masked, so neither a token nor a phone
 * number reaches a log or the outbox's last_error.
 */
#include "notify_int.h"

#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <utf8proc.h>

#define URL_MAX 1024
#define TOKEN_MAX 512
#define SENDER_MAX 32
#define BRANDNAME_MAX 11 /* an alphanumeric sender id is at most 11 characters (GSM 03.40) */
#define PHONE_IN_MAX 40
#define ANSWER_MAX ((size_t)4096) /* bytes of the gateway's answer kept */
#define EXCERPT_MAX ((size_t)200) /* bytes of it in err */
#define REF_MAX 64

static enum eg_err say(struct eg_buf *err, enum eg_err rc, const char *fmt, ...) EG_PRINTF(3, 4);

static enum eg_err
say(struct eg_buf *err, enum eg_err rc, const char *fmt, ...)
{
    if (!err)
        return rc;
    eg_buf_reset(err);
    va_list ap;
    va_start(ap, fmt);
    if (eg_buf_vprintf(err, fmt, ap) != EG_OK)
        eg_buf_reset(err);
    va_end(ap);
    return rc;
}

/* ---- phone numbers ---------------------------------------------------------------- */

static const char phone_msg[] =
    "Số điện thoại không hợp lệ: cần một số di động Việt Nam gồm 10 chữ số bắt đầu bằng 0 "
    "(ví dụ 0912 345 678) hoặc viết với mã quốc gia +84 (ví dụ +84 912 345 678).";

enum eg_err
eg_sms_phone_normalize(const char *in, char *out, size_t n, struct eg_buf *err)
{
    char d[PHONE_IN_MAX + 1];
    size_t k = 0;
    bool plus = false;
    const char *p = in;
    if (out && n)
        out[0] = '\0';
    if (!p || strlen(p) > PHONE_IN_MAX || !out || n < EG_SMS_PHONE_MAX)
        return say(err, EG_EINVAL, "%s", phone_msg);
    while (*p == ' ')
        p++;
    if (*p == '+') {
        plus = true;
        p++;
    }
    for (; *p; p++) {
        if (*p >= '0' && *p <= '9')
            d[k++] = *p; /* k < PHONE_IN_MAX: the input is no longer */
        else if (*p != ' ' && *p != '.' && *p != '-')
            return say(err, EG_EINVAL, "%s", phone_msg);
    }
    d[k] = '\0';
    const char *nsn = NULL; /* the 9-digit national significant number */
    if (k == 11 && strncmp(d, "84", 2) == 0)
        nsn = d + 2;
    else if (k == 12 && strncmp(d, "840", 3) == 0) /* "+84 0912 ...": the trunk 0 kept */
        nsn = d + 3;
    else if (!plus && k == 10 && d[0] == '0')
        nsn = d + 1;
    if (!nsn || !strchr("35789", nsn[0]))
        return say(err, EG_EINVAL, "%s", phone_msg);
    snprintf(out, n, "+84%s", nsn);
    return EG_OK;
}

void
eg_sms_phone_mask(const char *phone, char *out, size_t n)
{
    if (!out || n == 0)
        return;
    out[0] = '\0';
    if (!phone)
        return;
    size_t len = strlen(phone);
    size_t digits = 0;
    for (size_t i = 0; i < len; i++)
        digits += phone[i] >= '0' && phone[i] <= '9';
    /* The country code of an E.164 number says nothing about the person: kept. */
    size_t keep_head = strncmp(phone, "+84", 3) == 0 ? 3 : 0;
    size_t seen = 0, o = 0;
    for (size_t i = 0; i < len && o + 1 < n; i++) {
        char c = phone[i];
        bool digit = c >= '0' && c <= '9';
        if (digit)
            seen++;
        out[o++] = digit && i >= keep_head && seen + 3 <= digits ? '*' : c;
    }
    out[o] = '\0';
}

/* ---- text --------------------------------------------------------------------------- */

/*
 * Called on each code point before decomposition. đ and Đ have no decomposition
 * in Unicode; Ð (eth) stands in for Đ in text converted from old Vietnamese
 * encodings. utf8proc's LUMP makes single quotes, dashes and spaces plain but
 * leaves double quotes alone.
 */
static utf8proc_int32_t
map_special(utf8proc_int32_t cp, void *data)
{
    (void)data;
    switch (cp) {
    case 0x0111: /* đ */
    case 0x00F0: /* ð */
        return 'd';
    case 0x0110: /* Đ */
    case 0x00D0: /* Ð */
    case 0x0189: /* Ɖ */
        return 'D';
    case 0x201C: /* “ */
    case 0x201D: /* ” */
    case 0x201E: /* „ */
    case 0x201F: /* ‟ */
    case 0x2033: /* ″ */
    case 0x00AB: /* « */
    case 0x00BB: /* » */
        return '"';
    case 0x201A: /* ‚ */
    case 0x201B: /* ‛ */
    case 0x2032: /* ′ */
        return '\'';
    default:
        return cp;
    }
}

enum eg_err
eg_sms_unaccent(const char *s, size_t n, struct eg_buf *out)
{
    if (!s || !eg_utf8_valid(s, n))
        return EG_EINVAL;
    utf8proc_uint8_t *r = NULL;
    utf8proc_ssize_t k =
        utf8proc_map_custom((const utf8proc_uint8_t *)s, (utf8proc_ssize_t)n, &r,
                            UTF8PROC_STABLE | UTF8PROC_COMPAT | UTF8PROC_DECOMPOSE |
                                UTF8PROC_STRIPMARK | UTF8PROC_LUMP | UTF8PROC_NLF2LF,
                            map_special, NULL);
    if (k < 0) {
        free(r);
        return k == UTF8PROC_ERROR_NOMEM ? EG_ENOMEM : EG_EINVAL;
    }
    size_t start = out->len;
    enum eg_err rc = EG_OK;
    for (utf8proc_ssize_t i = 0; rc == EG_OK && i < k;) {
        utf8proc_int32_t cp;
        utf8proc_ssize_t step = utf8proc_iterate(r + i, k - i, &cp);
        if (step <= 0) {
            rc = EG_EINVAL; /* utf8proc wrote it: cannot happen */
            break;
        }
        i += step;
        char c;
        if (cp == '\n')
            c = '\n';
        else if (cp < 0x20 || cp == 0x7f)
            c = ' ';
        else if (cp == '`')
            c = '\''; /* not in GSM 03.38 at all */
        else if (cp < 0x7f)
            c = (char)cp;
        else if (cp >= 0x80 && cp <= 0x9f)
            c = ' '; /* C1 controls */
        else
            c = '?';
        rc = eg_buf_addc(out, c);
    }
    free(r);
    if (rc != EG_OK && out->p) {
        out->len = start;
        out->p[start] = '\0';
    }
    return rc;
}

static size_t
septets_of(char c)
{
    return c && strchr("[\\]^{|}~", c) ? 2 : 1;
}

size_t
eg_sms_septets(const char *s, size_t n)
{
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        k += septets_of(s[i]);
    return k;
}

int
eg_sms_segments(size_t septets)
{
    if (septets == 0)
        return 0;
    if (septets <= EG_SMS_SEGMENT)
        return 1;
    return (int)((septets + EG_SMS_SEGMENT_PART - 1) / EG_SMS_SEGMENT_PART);
}

static bool
is_space(char c)
{
    return c == ' ' || c == '\n';
}

enum eg_err
eg_sms_fit(const char *s, size_t n, int max_segments, struct eg_buf *out, bool *cut)
{
    /* A compatibility decomposition can be long (U+FDFA is 18 characters): room for it. */
    struct eg_buf t = EG_BUF_INIT(6 * n + 16);
    if (cut)
        *cut = false;
    if (max_segments == 0)
        max_segments = EG_SMS_SEGMENTS;
    if (max_segments < 1 || max_segments > EG_SMS_SEGMENTS_MAX)
        return EG_EINVAL;
    enum eg_err rc = eg_sms_unaccent(s, n, &t);
    if (rc != EG_OK)
        goto out;
    size_t a = 0, b = t.len;
    while (a < b && is_space(t.p[a]))
        a++;
    while (b > a && is_space(t.p[b - 1]))
        b--;
    size_t limit =
        max_segments == 1 ? EG_SMS_SEGMENT : (size_t)EG_SMS_SEGMENT_PART * (size_t)max_segments;
    if (eg_sms_septets(t.p + a, b - a) <= limit) {
        rc = eg_buf_add(out, t.p + a, b - a);
        goto out;
    }
    /* Room for the text and "...": the longest prefix that fits. */
    size_t used = 0, end = a;
    while (end < b && used + septets_of(t.p[end]) <= limit - 3)
        used += septets_of(t.p[end++]);
    /* Cut at a space when one is near (a word is not cut in half), else mid-word. */
    size_t sp = end;
    while (sp > a && sp + 40 > end && !is_space(t.p[sp]))
        sp--;
    if (sp > a && is_space(t.p[sp]))
        end = sp;
    while (end > a && (is_space(t.p[end - 1]) || t.p[end - 1] == ',' || t.p[end - 1] == '.'))
        end--;
    rc = eg_buf_add(out, t.p + a, end - a);
    if (rc == EG_OK)
        rc = eg_buf_adds(out, "...");
    if (rc == EG_OK && cut)
        *cut = true;
out:
    eg_buf_release(&t);
    return rc;
}

/* ---- settings ---------------------------------------------------------------------- */

static bool
is_brandname(const struct eg_sms_config *c)
{
    return c->provider && strcmp(c->provider, "brandname") == 0;
}

static bool
loopback_url(const char *url)
{
    CURLU *u = curl_url();
    char *host = NULL;
    bool yes = false;
    if (u && curl_url_set(u, CURLUPART_URL, url, 0) == CURLUE_OK &&
        curl_url_get(u, CURLUPART_HOST, &host, 0) == CURLUE_OK && host)
        yes = strcmp(host, "localhost") == 0 || strcmp(host, "[::1]") == 0 ||
              strncmp(host, "127.", 4) == 0;
    curl_free(host);
    curl_url_cleanup(u);
    return yes;
}

enum eg_err
eg_sms_config_check(const struct eg_sms_config *c, struct eg_buf *err)
{
    if (!c->url || !*c->url)
        return say(err, EG_EINVAL, "sms_url is not set");
    if (!eg_mail_field_valid(c->url, URL_MAX, false) || strchr(c->url, ' '))
        return say(err, EG_EINVAL, "sms_url is too long or has a space or a control character");
    if (strncasecmp(c->url, "https://", 8) != 0 &&
        !(strncasecmp(c->url, "http://", 7) == 0 && loopback_url(c->url)))
        return say(err, EG_EINVAL,
                   "sms_url must start with https:// (http:// only to a loopback address)");
    if (c->provider && *c->provider && strcmp(c->provider, "json") != 0 && !is_brandname(c))
        return say(err, EG_EINVAL, "sms_provider must be json or brandname");
    if (c->token && !eg_mail_field_valid(c->token, TOKEN_MAX, false))
        return say(err, EG_EINVAL, "sms_token is too long or has a control character");
    if (c->sender && !eg_mail_field_valid(c->sender, SENDER_MAX, false))
        return say(err, EG_EINVAL, "sms_sender is too long or has a control character");
    if (is_brandname(c)) {
        if (!c->token || !*c->token)
            return say(err, EG_EINVAL, "sms_provider brandname needs sms_token (the API key)");
        size_t n = c->sender ? strlen(c->sender) : 0;
        bool ok = n >= 1 && n <= BRANDNAME_MAX;
        for (size_t i = 0; ok && i < n; i++) {
            char ch = c->sender[i];
            ok = (ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') ||
                 ch == ' ' || ch == '.' || ch == '-' || ch == '_';
        }
        if (!ok)
            return say(err, EG_EINVAL,
                       "sms_sender must be the registered brandname: 1 to 11 letters, digits, "
                       "spaces, '.', '-' or '_'");
    }
    if (c->timeout_ms < 0)
        return say(err, EG_EINVAL, "the SMS timeout cannot be negative");
    if (c->max_segments < 0 || c->max_segments > EG_SMS_SEGMENTS_MAX)
        return say(err, EG_EINVAL, "sms_max_segments must be 1 to 10");
    return EG_OK;
}

void
eg_sms_url_safe(const char *url, char *out, size_t n)
{
    CURLU *u = curl_url();
    char *s = NULL;
    if (u && url && curl_url_set(u, CURLUPART_URL, url, 0) == CURLUE_OK) {
        (void)curl_url_set(u, CURLUPART_USER, NULL, 0);
        (void)curl_url_set(u, CURLUPART_PASSWORD, NULL, 0);
        (void)curl_url_set(u, CURLUPART_OPTIONS, NULL, 0);
        (void)curl_url_set(u, CURLUPART_QUERY, NULL, 0); /* a token may hide in it */
        (void)curl_url_set(u, CURLUPART_FRAGMENT, NULL, 0);
        if (curl_url_get(u, CURLUPART_URL, &s, 0) != CURLUE_OK)
            s = NULL;
    }
    snprintf(out, n, "%s", s ? s : "(an unreadable sms_url)");
    curl_free(s);
    curl_url_cleanup(u);
}

/* ---- the request ------------------------------------------------------------------ */

static enum eg_err
json_body(const struct eg_sms_config *c, const char *to, const char *text, struct eg_buf *out)
{
    json_t *o = json_object();
    if (!o)
        return EG_ENOMEM;
    int bad = json_object_set_new(o, "to", json_string(to));
    if (c->sender && *c->sender)
        bad |= json_object_set_new(o, "from", json_string(c->sender));
    bad |= json_object_set_new(o, "text", json_string(text));
    enum eg_err rc = bad ? EG_ENOMEM : eg_json_dump(o, out);
    json_decref(o);
    return rc;
}

static enum eg_err
form_field(CURL *h, struct eg_buf *out, const char *name, const char *value)
{
    char *e = curl_easy_escape(h, value, 0);
    if (!e)
        return EG_ENOMEM;
    enum eg_err rc = eg_buf_printf(out, "%s%s=%s", out->len ? "&" : "", name, e);
    explicit_bzero(e, strlen(e));
    curl_free(e);
    return rc;
}

/* phone=84912345678&brandname=...&message=...&apikey=...[&request_id=...] */
static enum eg_err
form_body(CURL *h, const struct eg_sms_config *c, const char *to, const char *text, const char *ref,
          struct eg_buf *out)
{
    enum eg_err rc = form_field(h, out, "phone", to + 1); /* 84..., without the + */
    if (rc == EG_OK)
        rc = form_field(h, out, "brandname", c->sender);
    if (rc == EG_OK)
        rc = form_field(h, out, "message", text);
    if (rc == EG_OK)
        rc = form_field(h, out, "apikey", c->token);
    if (rc == EG_OK && ref && *ref)
        rc = form_field(h, out, "request_id", ref);
    return rc;
}

static size_t
answer_cb(char *p, size_t size, size_t nmemb, void *arg)
{
    struct eg_buf *b = arg;
    size_t n = size * nmemb;
    size_t room = b->max > b->len ? b->max - b->len : 0;
    enum eg_err rc = eg_buf_add(b, p, n < room ? n : room);
    (void)rc; /* the rest of a long answer is not needed */
    return n;
}

/*
 * At most EXCERPT_MAX bytes of the answer, one line of printable ASCII, with every
 * run of 7 or more digits (spaces, dots and hyphens between them allowed) masked
 * but its last 3: a gateway that echoes the number does not put it in our log.
 */
static void
excerpt(const struct eg_buf *answer, char *out, size_t n)
{
    size_t len = answer->len < EXCERPT_MAX ? answer->len : EXCERPT_MAX;
    size_t o = 0;
    for (size_t i = 0; i < len && o + 1 < n; i++) {
        unsigned char c = (unsigned char)answer->p[i];
        out[o++] = c >= 0x20 && c < 0x7f ? (char)c : (c == '\n' || c == '\t' ? ' ' : '?');
    }
    out[o] = '\0';
    for (size_t i = 0; i < o;) {
        if (out[i] < '0' || out[i] > '9') {
            i++;
            continue;
        }
        size_t j = i, digits = 0, last = i;
        while (j < o) {
            if (out[j] >= '0' && out[j] <= '9') {
                digits++;
                last = j++;
            } else if (strchr(" .-", out[j]) && j + 1 < o && out[j + 1] >= '0' &&
                       out[j + 1] <= '9') {
                j++;
            } else {
                break;
            }
        }
        if (digits >= 7) {
            size_t mask = digits - 3;
            for (size_t x = i; x <= last && mask > 0; x++)
                if (out[x] >= '0' && out[x] <= '9') {
                    out[x] = '*';
                    mask--;
                }
        }
        i = last + 1;
    }
}

/* A "brandname" gateway's 2xx answer: {"code": "00" | 0 | "100", ...} is success. */
static bool
brandname_ok(const struct eg_buf *answer, char *code, size_t n)
{
    json_t *o = NULL;
    snprintf(code, n, "?");
    if (eg_json_parse(eg_buf_str(answer), answer->len, &o, NULL) != EG_OK)
        return true; /* not JSON: the HTTP status said it */
    json_t *v = json_is_object(o) ? json_object_get(o, "code") : NULL;
    bool ok = true;
    if (json_is_string(v)) {
        snprintf(code, n, "%.16s", json_string_value(v));
        ok = strcmp(code, "0") == 0 || strcmp(code, "00") == 0 || strcmp(code, "100") == 0;
    } else if (json_is_integer(v)) {
        snprintf(code, n, "%lld", (long long)json_integer_value(v));
        ok = json_integer_value(v) == 0 || json_integer_value(v) == 100;
    }
    json_decref(o);
    return ok;
}

static enum eg_err
map_result(const struct eg_sms_config *c, CURLcode cc, long code, const char *url,
           const char *detail, const struct eg_buf *answer, struct eg_buf *err)
{
    char ex[EXCERPT_MAX + 1];
    excerpt(answer, ex, sizeof(ex));
    switch (cc) {
    case CURLE_OK:
        break;
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_RESOLVE_PROXY:
    case CURLE_COULDNT_CONNECT:
        return say(err, EG_EUNAVAIL, "cannot reach the SMS gateway %s: %s", url, detail);
    case CURLE_OPERATION_TIMEDOUT:
        return say(err, EG_EUNAVAIL, "the SMS gateway %s did not answer in time: %s", url, detail);
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CACERT_BADFILE:
    case CURLE_SSL_CERTPROBLEM:
        return say(err, EG_EUNAVAIL, "TLS with the SMS gateway %s failed: %s", url, detail);
    default:
        return say(err, EG_EUNAVAIL, "the exchange with the SMS gateway %s failed: %s", url,
                   detail);
    }
    if (code >= 200 && code <= 299) {
        char bc[24];
        if (!is_brandname(c) || brandname_ok(answer, bc, sizeof(bc)))
            return EG_OK;
        return say(err, EG_EBUSY, "the SMS gateway %s did not take the message (code %s): %s", url,
                   bc, ex);
    }
    if (code == 401 || code == 403)
        return say(err, EG_EUNAVAIL,
                   "the SMS gateway %s refused the credentials (%ld; check sms_token): %s", url,
                   code, ex);
    if (code == 429 || code == 408)
        return say(err, EG_EBUSY, "the SMS gateway %s asks to try later (%ld): %s", url, code, ex);
    if (code >= 400 && code <= 499)
        return say(err, EG_EINVAL, "the SMS gateway %s refused the message for good (%ld): %s", url,
                   code, ex);
    if (code >= 500 && code <= 599)
        return say(err, EG_EBUSY, "the SMS gateway %s failed for now (%ld): %s", url, code, ex);
    return say(err, EG_EUNAVAIL, "the SMS gateway %s answered %ld (a redirect? check sms_url)", url,
               code);
}

static enum eg_err
set_options(CURL *h, const struct eg_sms_config *c, const struct eg_buf *body,
            struct curl_slist *headers, struct eg_buf *answer, char *ebuf)
{
    long total_ms = c->timeout_ms ? c->timeout_ms : EG_SMS_TIMEOUT_MS;
    long connect_ms = total_ms < EG_SMS_CONNECT_TIMEOUT_MS ? total_ms : EG_SMS_CONNECT_TIMEOUT_MS;
    CURLcode cc = curl_easy_setopt(h, CURLOPT_ERRORBUFFER, ebuf);
    if (cc == CURLE_OK)
        cc = curl_easy_setopt(h, CURLOPT_URL, c->url);
    if (cc == CURLE_OK)
        cc = curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
    if (cc == CURLE_OK)
        cc = curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    if (cc == CURLE_OK)
        cc = curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L); /* a redirect is a wrong sms_url */
    if (cc == CURLE_OK)
        cc = curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, connect_ms);
    if (cc == CURLE_OK)
        cc = curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, total_ms);
    if (cc == CURLE_OK)
        cc = curl_easy_setopt(h, CURLOPT_USERAGENT, "egov-notify");
    if (cc == CURLE_OK)
        cc = curl_easy_setopt(h, CURLOPT_HTTPHEADER, headers);
    if (cc == CURLE_OK)
        cc = curl_easy_setopt(h, CURLOPT_POSTFIELDS, body->p);
    if (cc == CURLE_OK)
        cc = curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)body->len);
    if (cc == CURLE_OK)
        cc = curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, answer_cb);
    if (cc == CURLE_OK)
        cc = curl_easy_setopt(h, CURLOPT_WRITEDATA, answer);
    return cc == CURLE_OK ? EG_OK : EG_EINTERNAL;
}

static bool
ref_valid(const char *ref)
{
    size_t n = ref ? strlen(ref) : 0;
    if (n > REF_MAX)
        return false;
    for (size_t i = 0; i < n; i++)
        if (!((ref[i] >= '0' && ref[i] <= '9') || (ref[i] >= 'a' && ref[i] <= 'z') ||
              (ref[i] >= 'A' && ref[i] <= 'Z') || ref[i] == '-'))
            return false;
    return true;
}

/* Appends line to *h; on failure frees the whole list and leaves *h NULL. */
static bool
append(struct curl_slist **h, const char *line)
{
    struct curl_slist *t = curl_slist_append(*h, line);
    if (!t)
        curl_slist_free_all(*h);
    *h = t;
    return t != NULL;
}

/* The request's headers; auth holds "Authorization: Bearer <token>" while they live. */
static enum eg_err
make_headers(const struct eg_sms_config *c, const char *ref, struct eg_buf *auth,
             struct curl_slist **out)
{
    struct curl_slist *h = NULL;
    char idem[REF_MAX + 32];
    bool ok;
    *out = NULL;
    if (is_brandname(c)) {
        ok = append(&h, "Content-Type: application/x-www-form-urlencoded");
    } else {
        ok = append(&h, "Content-Type: application/json; charset=utf-8");
        if (ok && c->token && *c->token) {
            ok = eg_buf_printf(auth, "Authorization: Bearer %s", c->token) == EG_OK &&
                 append(&h, eg_buf_str(auth));
        }
        if (ok && ref && *ref) {
            snprintf(idem, sizeof(idem), "Idempotency-Key: %s", ref);
            ok = append(&h, idem);
        }
    }
    /* curl sends "Expect: 100-continue" for larger bodies; gateways rarely want it. */
    ok = ok && append(&h, "Accept: application/json") && append(&h, "Expect:");
    if (!ok) {
        curl_slist_free_all(h);
        return EG_ENOMEM;
    }
    *out = h;
    return EG_OK;
}

enum eg_err
eg_sms_send_ref(const struct eg_sms_config *c, const char *phone, const char *text, const char *ref,
                struct eg_buf *err)
{
    struct eg_buf msg = EG_BUF_INIT(EG_SMS_TEXT_MAX + 16);
    struct eg_buf body = EG_BUF_INIT((size_t)4 * EG_SMS_TEXT_MAX + 1024);
    struct eg_buf auth = EG_BUF_INIT(TOKEN_MAX + 64);
    struct eg_buf answer = EG_BUF_INIT(ANSWER_MAX);
    struct curl_slist *headers = NULL;
    char to[EG_SMS_PHONE_MAX];
    char url[URL_MAX];
    char ebuf[CURL_ERROR_SIZE] = "";
    CURL *h = NULL;

    if (err)
        eg_buf_reset(err);
    enum eg_err rc = eg_sms_config_check(c, err);
    if (rc != EG_OK)
        goto out;
    rc = eg_sms_phone_normalize(phone, to, sizeof(to), NULL);
    if (rc != EG_OK) {
        say(err, rc, "the SMS recipient is not a Vietnamese mobile number");
        goto out;
    }
    if (!text || strlen(text) > EG_SMS_TEXT_MAX) {
        rc =
            say(err, EG_EINVAL, "the SMS text is missing or longer than %d bytes", EG_SMS_TEXT_MAX);
        goto out;
    }
    if (!ref_valid(ref)) {
        rc = say(err, EG_EINVAL, "the SMS request id is not letters and digits");
        goto out;
    }
    rc = eg_sms_fit(text, strlen(text), c->max_segments, &msg, NULL);
    if (rc == EG_OK && msg.len == 0)
        rc = EG_EINVAL;
    if (rc != EG_OK) {
        say(err, rc, "the SMS text is empty or not UTF-8");
        goto out;
    }
    const char *why = eg_notify_curl_start();
    if (why) {
        rc = say(err, EG_EINTERNAL, "libcurl could not start: %s", why);
        goto out;
    }
    eg_sms_url_safe(c->url, url, sizeof(url));
    h = curl_easy_init();
    if (!h) {
        rc = say(err, EG_ENOMEM, "out of memory starting the SMS request");
        goto out;
    }
    rc = is_brandname(c) ? form_body(h, c, to, eg_buf_str(&msg), ref, &body)
                         : json_body(c, to, eg_buf_str(&msg), &body);
    if (rc == EG_OK)
        rc = make_headers(c, ref, &auth, &headers);
    if (rc == EG_OK)
        rc = set_options(h, c, &body, headers, &answer, ebuf);
    if (rc != EG_OK) {
        say(err, rc, "the SMS request could not be prepared");
        goto out;
    }
    CURLcode cc = curl_easy_perform(h);
    long code = 0;
    (void)curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &code);
    rc = map_result(c, cc, code, url, ebuf[0] ? ebuf : curl_easy_strerror(cc), &answer, err);
out:
    if (err && c->token && *c->token) {
        eg_notify_redact(err, c->token);
        char *e = h ? curl_easy_escape(h, c->token, 0) : NULL;
        eg_notify_redact(err, e);
        curl_free(e);
    }
    curl_slist_free_all(headers);
    if (h)
        curl_easy_cleanup(h);
    if (body.p)
        explicit_bzero(body.p, body.len); /* the form carries the API key */
    if (auth.p)
        explicit_bzero(auth.p, auth.len);
    eg_buf_release(&body);
    eg_buf_release(&auth);
    eg_buf_release(&msg);
    eg_buf_release(&answer);
    return rc;
}

enum eg_err
eg_sms_send(const struct eg_sms_config *c, const char *phone, const char *text, struct eg_buf *err)
{
    return eg_sms_send_ref(c, phone, text, NULL, err);
}
