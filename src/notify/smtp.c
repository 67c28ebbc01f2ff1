/*
 * smtp.c - sending one message with libcurl's SMTP client.
 *
 * curl speaks the protocol (EHLO, STARTTLS, AUTH, MAIL/RCPT/DATA, dot
 * stuffing); this file builds the message, sets the limits and turns the
 * outcome into "retry" or "do not retry" (enum eg_err) and one sentence.
 */
#include "notify_int.h"

#include <curl/curl.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#define MSG_MAX ((size_t)8 << 20)
#define URL_MAX 1024

/* curl_global_init() must run once before any handle exists; pthread_once makes
 * that so whichever thread sends first. */
static pthread_once_t curl_once = PTHREAD_ONCE_INIT;
static CURLcode curl_init_result = CURLE_OK;

static void
curl_init(void)
{
    curl_init_result = curl_global_init(CURL_GLOBAL_DEFAULT);
}

const char *
eg_notify_curl_start(void)
{
    pthread_once(&curl_once, curl_init);
    return curl_init_result == CURLE_OK ? NULL : curl_easy_strerror(curl_init_result);
}

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

enum eg_err
eg_smtp_config_check(const struct eg_smtp_config *c, struct eg_buf *err)
{
    if (!c->url || !*c->url)
        return say(err, EG_EINVAL, "smtp_url is not set");
    if (strncasecmp(c->url, "smtp://", 7) != 0 && strncasecmp(c->url, "smtps://", 8) != 0)
        return say(err, EG_EINVAL, "smtp_url must start with smtp:// or smtps://");
    if (!eg_mail_field_valid(c->url, URL_MAX, false) || strchr(c->url, ' '))
        return say(err, EG_EINVAL, "smtp_url has a space or a control character");
    if (!eg_mail_addr_valid(c->from))
        return say(err, EG_EINVAL, "smtp_from is not a plain email address");
    if (c->from_name && !eg_mail_field_valid(c->from_name, EG_MAIL_NAME_MAX, false))
        return say(err, EG_EINVAL,
                   "smtp_from_name is too long, not UTF-8, or has a control character");
    if (c->user && !eg_mail_field_valid(c->user, 256, false))
        return say(err, EG_EINVAL, "smtp_user has a control character");
    if (c->password && !eg_mail_field_valid(c->password, 256, false))
        return say(err, EG_EINVAL, "smtp_password has a control character");
    if (c->connect_timeout_ms < 0 || c->timeout_ms < 0)
        return say(err, EG_EINVAL, "the SMTP timeouts cannot be negative");
    return EG_OK;
}

void
eg_smtp_url_safe(const char *url, char *out, size_t n)
{
    CURLU *u = curl_url();
    char *s = NULL;
    if (u && curl_url_set(u, CURLUPART_URL, url, 0) == CURLUE_OK) {
        (void)curl_url_set(u, CURLUPART_USER, NULL, 0);
        (void)curl_url_set(u, CURLUPART_PASSWORD, NULL, 0);
        (void)curl_url_set(u, CURLUPART_OPTIONS, NULL, 0);
        if (curl_url_get(u, CURLUPART_URL, &s, 0) != CURLUE_OK)
            s = NULL;
    }
    snprintf(out, n, "%s", s ? s : "(an unreadable smtp_url)");
    curl_free(s);
    curl_url_cleanup(u);
}

void
eg_notify_redact(struct eg_buf *err, const char *secret)
{
    if (!err || !err->p || !secret || !*secret)
        return;
    size_t sn = strlen(secret);
    size_t at = 0;
    for (;;) {
        char *hit = strstr(err->p + at, secret);
        if (!hit)
            break;
        at = (size_t)(hit - err->p);
        /* "***" may be longer than the secret: make room, or mask in place if we cannot. */
        if (sn < 3 && eg_buf_grow(err, 3 - sn) != EG_OK) {
            memset(hit, '*', sn);
            at += sn;
            continue;
        }
        hit = err->p + at;
        memmove(hit + 3, hit + sn, err->len - at - sn + 1);
        err->len = err->len + 3 - sn;
        memset(hit, '*', 3);
        at += 3;
    }
}

struct upload {
    const char *p;
    size_t left;
};

static size_t
read_cb(char *buf, size_t size, size_t nitems, void *arg)
{
    struct upload *u = arg;
    size_t n = size * nitems;
    if (n > u->left)
        n = u->left;
    memcpy(buf, u->p, n);
    u->p += n;
    u->left -= n;
    return n;
}

static enum eg_err
map_result(CURLcode cc, long code, const char *url, const char *detail, struct eg_buf *err)
{
    switch (cc) {
    case CURLE_OK:
        return EG_OK;
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_RESOLVE_PROXY:
    case CURLE_COULDNT_CONNECT:
        return say(err, EG_EUNAVAIL, "cannot reach the mail server %s: %s", url, detail);
    case CURLE_OPERATION_TIMEDOUT:
        return say(err, EG_EUNAVAIL, "the mail server %s did not answer in time: %s", url, detail);
    case CURLE_LOGIN_DENIED:
        return say(err, EG_EUNAVAIL,
                   "the mail server %s refused the login (check smtp_user and smtp_password)", url);
    case CURLE_USE_SSL_FAILED:
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CACERT_BADFILE:
    case CURLE_SSL_CERTPROBLEM:
        return say(err, EG_EUNAVAIL, "TLS with the mail server %s failed: %s", url, detail);
    default:
        break;
    }
    if (code >= 500 && code <= 599)
        return say(err, EG_EINVAL, "the mail server %s refused the message for good (%ld): %s", url,
                   code, detail);
    if (code >= 400 && code <= 499)
        return say(err, EG_EBUSY, "the mail server %s refused the message for now (%ld): %s", url,
                   code, detail);
    return say(err, EG_EUNAVAIL, "the exchange with the mail server %s failed (%ld): %s", url, code,
               detail);
}

static enum eg_err
set_options(CURL *h, const struct eg_smtp_config *c, const char *from, struct curl_slist *rcpt,
            struct upload *up, char *ebuf)
{
    long connect_ms = c->connect_timeout_ms ? c->connect_timeout_ms : EG_SMTP_CONNECT_TIMEOUT_MS;
    long total_ms = c->timeout_ms ? c->timeout_ms : EG_SMTP_TIMEOUT_MS;
    bool auth = c->user && *c->user;
    CURLcode cc = curl_easy_setopt(h, CURLOPT_ERRORBUFFER, ebuf);
    if (cc == CURLE_OK)
        cc = curl_easy_setopt(h, CURLOPT_URL, c->url);
    if (cc == CURLE_OK)
        cc = curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "smtp,smtps");
    if (cc == CURLE_OK)
        cc = curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L); /* threads: no SIGALRM */
    if (cc == CURLE_OK)
        cc = curl_easy_setopt(h, CURLOPT_USE_SSL,
                              (long)(c->require_tls ? CURLUSESSL_ALL : CURLUSESSL_TRY));
    if (cc == CURLE_OK && auth)
        cc = curl_easy_setopt(h, CURLOPT_USERNAME, c->user);
    if (cc == CURLE_OK && auth)
        cc = curl_easy_setopt(h, CURLOPT_PASSWORD, c->password ? c->password : "");
    if (cc == CURLE_OK)
        cc = curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, connect_ms);
    if (cc == CURLE_OK)
        cc = curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, total_ms);
    /* The QUIT that curl_easy_cleanup() sends waits for its answer with this timeout,
     * not the total one (120 s by default): a send lasts at most about twice total_ms. */
    if (cc == CURLE_OK)
        cc = curl_easy_setopt(h, CURLOPT_SERVER_RESPONSE_TIMEOUT, (total_ms + 999) / 1000);
    if (cc == CURLE_OK)
        cc = curl_easy_setopt(h, CURLOPT_MAIL_FROM, from);
    if (cc == CURLE_OK)
        cc = curl_easy_setopt(h, CURLOPT_MAIL_RCPT, rcpt);
    if (cc == CURLE_OK)
        cc = curl_easy_setopt(h, CURLOPT_READFUNCTION, read_cb);
    if (cc == CURLE_OK)
        cc = curl_easy_setopt(h, CURLOPT_READDATA, up);
    if (cc == CURLE_OK)
        cc = curl_easy_setopt(h, CURLOPT_UPLOAD, 1L);
    if (cc == CURLE_OK)
        cc = curl_easy_setopt(h, CURLOPT_INFILESIZE_LARGE, (curl_off_t)up->left);
    return cc == CURLE_OK ? EG_OK : EG_EINTERNAL;
}

enum eg_err
eg_smtp_send(const struct eg_smtp_config *c, const struct eg_mail *m, struct eg_buf *err)
{
    struct eg_buf msg = EG_BUF_INIT(MSG_MAX);
    char from[EG_MAIL_ADDR_MAX + 3];
    char to[EG_MAIL_ADDR_MAX + 3];
    char url[URL_MAX];
    char ebuf[CURL_ERROR_SIZE] = "";
    CURL *h = NULL;
    struct curl_slist *rcpt = NULL;

    if (err)
        eg_buf_reset(err);
    enum eg_err rc = eg_mail_build(c, m, &msg, err);
    if (rc != EG_OK)
        goto out;
    eg_smtp_url_safe(c->url, url, sizeof(url));
    const char *why = eg_notify_curl_start();
    if (why) {
        rc = say(err, EG_EINTERNAL, "libcurl could not start: %s", why);
        goto out;
    }
    snprintf(from, sizeof(from), "<%s>", c->from);
    snprintf(to, sizeof(to), "<%s>", m->to);
    h = curl_easy_init();
    rcpt = curl_slist_append(NULL, to);
    if (!h || !rcpt) {
        rc = say(err, EG_ENOMEM, "out of memory starting the SMTP exchange");
        goto out;
    }
    struct upload up = {msg.p, msg.len};
    rc = set_options(h, c, from, rcpt, &up, ebuf);
    if (rc != EG_OK) {
        say(err, rc, "libcurl refused an SMTP option (is it built with SMTP?)");
        goto out;
    }
    CURLcode cc = curl_easy_perform(h);
    long code = 0;
    (void)curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &code);
    rc = map_result(cc, code, url, ebuf[0] ? ebuf : curl_easy_strerror(cc), err);
out:
    eg_notify_redact(err, c->password);
    curl_slist_free_all(rcpt);
    if (h)
        curl_easy_cleanup(h);
    eg_buf_release(&msg);
    return rc;
}
