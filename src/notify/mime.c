/*
 * mime.c - RFC 5322 messages with MIME (RFC 2045-2047): the checks that make
 * header injection impossible, encoded-words for Vietnamese header text,
 * quoted-printable bodies, the Date and the Message-ID.
 *
 * Every header line is at most 78 characters and every body line at most 76,
 * so no relay ever has a reason to rewrap or re-encode what we send.
 */
#include "notify_int.h"

#include <string.h>
#include <time.h>

#define MSG_MAX ((size_t)8 << 20)
#define EW_OVERHEAD 12 /* "=?UTF-8?B?" and "?=" */
#define EW_MAX 75      /* RFC 2047 2: an encoded-word is at most 75 characters */

static const char hexdig[] = "0123456789ABCDEF";
static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

static enum eg_err
say(struct eg_buf *err, enum eg_err rc, const char *what)
{
    if (err) {
        eg_buf_reset(err);
        if (eg_buf_adds(err, what) != EG_OK)
            eg_buf_reset(err);
    }
    return rc;
}

/* ---- checks ------------------------------------------------------------------------ */

static bool
is_atext(unsigned char c)
{
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))
        return true;
    return c != '\0' && strchr("!#$%&'*+-/=?^_`{|}~", c) != NULL;
}

static bool
domain_valid(const char *d, size_t n)
{
    size_t label = 0;
    int labels = 1;
    if (n == 0 || n > 253)
        return false;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)d[i];
        if (c == '.') {
            if (label == 0 || d[i - 1] == '-')
                return false;
            label = 0;
            labels++;
            continue;
        }
        bool alnum = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
        if (!alnum && !(c == '-' && label > 0))
            return false;
        if (++label > 63)
            return false;
    }
    return label > 0 && d[n - 1] != '-' && labels >= 2;
}

bool
eg_mail_addr_valid(const char *a)
{
    if (!a)
        return false;
    size_t n = strlen(a);
    const char *at = strchr(a, '@');
    if (n > EG_MAIL_ADDR_MAX || !at || strchr(at + 1, '@'))
        return false;
    size_t local = (size_t)(at - a);
    if (local == 0 || local > 64 || a[0] == '.' || a[local - 1] == '.')
        return false;
    for (size_t i = 0; i < local; i++) {
        if (a[i] == '.' && a[i + 1] == '.')
            return false;
        if (a[i] != '.' && !is_atext((unsigned char)a[i]))
            return false;
    }
    return domain_valid(at + 1, n - local - 1);
}

bool
eg_mail_field_valid(const char *s, size_t max, bool tab)
{
    if (!s)
        return false;
    size_t n = strlen(s);
    if (n > max || !eg_utf8_valid(s, n))
        return false;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if ((c < 0x20 && !(tab && c == '\t')) || c == 0x7f)
            return false;
        /* C1 controls U+0080..U+009F are C2 80..C2 9F in UTF-8. */
        if (c == 0xc2 && (unsigned char)s[i + 1] >= 0x80 && (unsigned char)s[i + 1] <= 0x9f)
            return false;
    }
    return true;
}

bool
eg_mail_msgid_valid(const char *id)
{
    if (!id)
        return false;
    size_t n = strlen(id);
    if (n < 5 || n > EG_MAIL_MSGID_MAX || id[0] != '<' || id[n - 1] != '>')
        return false;
    int ats = 0;
    for (size_t i = 1; i + 1 < n; i++) {
        unsigned char c = (unsigned char)id[i];
        if (c <= 0x20 || c >= 0x7f || strchr("<>\"\\(),;:[]", c))
            return false;
        if (c == '@') {
            if (i == 1 || i + 2 == n)
                return false;
            ats++;
        }
    }
    return ats == 1;
}

enum eg_err
eg_mail_check(const struct eg_mail *m, struct eg_buf *err)
{
    if (!eg_mail_addr_valid(m->to))
        return say(err, EG_EINVAL, "the recipient is not a plain email address");
    if (m->to_name && !eg_mail_field_valid(m->to_name, EG_MAIL_NAME_MAX, false))
        return say(err, EG_EINVAL,
                   "the recipient's name is too long, not UTF-8, or has a control character");
    if (!m->subject || !eg_mail_field_valid(m->subject, EG_MAIL_SUBJECT_MAX, false))
        return say(err, EG_EINVAL,
                   "the subject is missing, too long, not UTF-8, or has a line break or "
                   "another control character");
    if (!m->text || strlen(m->text) > EG_MAIL_BODY_MAX || !eg_utf8_valid(m->text, strlen(m->text)))
        return say(err, EG_EINVAL, "the text body is missing, too long or not UTF-8");
    if (m->html && (strlen(m->html) > EG_MAIL_BODY_MAX || !eg_utf8_valid(m->html, strlen(m->html))))
        return say(err, EG_EINVAL, "the HTML body is too long or not UTF-8");
    if (m->message_id && !eg_mail_msgid_valid(m->message_id))
        return say(err, EG_EINVAL, "the Message-ID is not of the form <local@domain>");
    return EG_OK;
}

/* ---- header text -------------------------------------------------------------------- */

static bool
plain_ascii(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (s[i] < 0x20 || s[i] > 0x7e)
            return false;
        if (s[i] == '=' && i + 1 < n && s[i + 1] == '?')
            return false; /* would read as the start of an encoded-word */
    }
    return true;
}

static enum eg_err
add_b64(struct eg_buf *out, const unsigned char *p, size_t n)
{
    enum eg_err rc = eg_buf_grow(out, (n + 2) / 3 * 4);
    for (size_t i = 0; rc == EG_OK && i < n; i += 3) {
        unsigned v = (unsigned)p[i] << 16;
        if (i + 1 < n)
            v |= (unsigned)p[i + 1] << 8;
        if (i + 2 < n)
            v |= p[i + 2];
        char q[4] = {b64[(v >> 18) & 63], b64[(v >> 12) & 63], i + 1 < n ? b64[(v >> 6) & 63] : '=',
                     i + 2 < n ? b64[v & 63] : '='};
        rc = eg_buf_add(out, q, 4);
    }
    return rc;
}

/*
 * Plain ASCII folded greedily at its spaces (a fold is CRLF inserted before a
 * space, so unfolding gives the text back exactly). Returns false, with out
 * unchanged and *rc EG_OK, when some word is too long for a line or the
 * spacing would make a line of white space only; the caller then encodes.
 */
static bool
fold_ascii(struct eg_buf *out, const char *s, size_t n, size_t *col, enum eg_err *rc)
{
    *rc = EG_OK;
    if (n == 0 || s[0] == ' ' || s[n - 1] == ' ')
        return false;
    for (size_t i = 1; i < n; i++)
        if (s[i] == ' ' && s[i - 1] == ' ')
            return false;
    size_t mark = out->len;
    size_t c = *col;
    size_t pos = 0;
    while (*rc == EG_OK && pos < n) {
        size_t rest = n - pos;
        if (c + rest <= EG_MAIL_LINE_MAX) {
            *rc = eg_buf_add(out, s + pos, rest);
            c += rest;
            break;
        }
        size_t j = c < EG_MAIL_LINE_MAX ? pos + (EG_MAIL_LINE_MAX - c) : pos;
        while (j > pos && s[j] != ' ')
            j--;
        if (j <= pos + 1) {
            out->len = mark;
            if (out->p)
                out->p[mark] = '\0';
            return false;
        }
        *rc = eg_buf_add(out, s + pos, j - pos);
        if (*rc == EG_OK)
            *rc = eg_buf_adds(out, "\r\n");
        c = 0;
        pos = j;
    }
    *col = c;
    return true; /* done, or a buffer error in *rc */
}

static enum eg_err
add_quoted(struct eg_buf *out, const char *s, size_t n, size_t *col)
{
    enum eg_err rc = eg_buf_addc(out, '"');
    size_t w = 2;
    for (size_t i = 0; rc == EG_OK && i < n; i++) {
        if (s[i] == '"' || s[i] == '\\') {
            rc = eg_buf_addc(out, '\\');
            w++;
        }
        if (rc == EG_OK)
            rc = eg_buf_addc(out, s[i]);
        w++;
    }
    if (rc == EG_OK)
        rc = eg_buf_addc(out, '"');
    *col += w;
    return rc;
}

static size_t
quoted_width(const char *s, size_t n)
{
    size_t w = 2 + n;
    for (size_t i = 0; i < n; i++)
        if (s[i] == '"' || s[i] == '\\')
            w++;
    return w;
}

/* RFC 2047 "B" encoded-words of whole UTF-8 characters, one per line after the first. */
static enum eg_err
add_encoded_words(struct eg_buf *out, const char *s, size_t n, size_t *col)
{
    enum eg_err rc = EG_OK;
    size_t c = *col;
    size_t pos = 0;
    bool first = true;
    while (rc == EG_OK && pos < n) {
        /* Room for at least 8 base64 characters (6 bytes: any UTF-8 character). */
        if (!first || c + EW_OVERHEAD + 8 > EG_MAIL_LINE_MAX) {
            rc = eg_buf_adds(out, "\r\n ");
            c = 1;
        }
        size_t width = EG_MAIL_LINE_MAX - c;
        if (width > EW_MAX)
            width = EW_MAX;
        size_t take = (width - EW_OVERHEAD) / 4 * 3;
        if (take >= n - pos)
            take = n - pos;
        else
            while (take > 0 && ((unsigned char)s[pos + take] & 0xc0) == 0x80)
                take--;
        if (take == 0)
            EG_BUG("an encoded-word cannot hold one character");
        if (rc == EG_OK)
            rc = eg_buf_adds(out, "=?UTF-8?B?");
        if (rc == EG_OK)
            rc = add_b64(out, (const unsigned char *)s + pos, take);
        if (rc == EG_OK)
            rc = eg_buf_adds(out, "?=");
        c += EW_OVERHEAD + (take + 2) / 3 * 4;
        pos += take;
        first = false;
    }
    *col = c;
    return rc;
}

enum eg_err
eg_mime_header_text(struct eg_buf *out, const char *s, size_t n, bool phrase, size_t *col)
{
    if (plain_ascii(s, n)) {
        if (phrase) {
            if (*col + quoted_width(s, n) <= EG_MAIL_LINE_MAX)
                return add_quoted(out, s, n, col);
        } else {
            if (n == 0)
                return EG_OK;
            enum eg_err rc = EG_OK;
            if (fold_ascii(out, s, n, col, &rc))
                return rc;
        }
    }
    if (n == 0)
        return phrase ? add_quoted(out, s, n, col) : EG_OK;
    return add_encoded_words(out, s, n, col);
}

/* ---- quoted-printable ------------------------------------------------------------- */

static bool
is_break(const char *s, size_t n, size_t i)
{
    return i >= n || s[i] == '\n' || s[i] == '\r';
}

enum eg_err
eg_mime_qp(struct eg_buf *out, const char *s, size_t n)
{
    enum eg_err rc = eg_buf_grow(out, n + n / 8 + 8);
    size_t line = 0;
    bool ended = true; /* the output ends with a hard line break */
    for (size_t i = 0; rc == EG_OK && i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '\r' || c == '\n') {
            if (c == '\r' && i + 1 < n && s[i + 1] == '\n')
                i++;
            rc = eg_buf_adds(out, "\r\n");
            line = 0;
            ended = true;
            continue;
        }
        bool at_eol = is_break(s, n, i + 1);
        for (int pass = 0; pass < 2; pass++) {
            bool enc = !(c >= 33 && c <= 126 && c != '=');
            if (c == ' ' || c == '\t')
                enc = at_eol; /* trailing white space would be stripped in transit */
            if (line == 0 &&
                (c == '.' || (c == 'F' && n - i >= 5 && memcmp(s + i, "From ", 5) == 0)))
                enc = true; /* SMTP dot lines and mbox "From " lines */
            size_t w = enc ? 3 : 1;
            /* A soft break "=" takes the 76th column unless this is the line's last. */
            size_t limit = at_eol ? EG_MAIL_QP_LINE : EG_MAIL_QP_LINE - 1;
            if (pass == 0 && line + w > limit) {
                rc = eg_buf_adds(out, "=\r\n");
                line = 0;
                continue; /* re-decide: the start of a line has its own rule */
            }
            if (rc == EG_OK && enc) {
                char q[3] = {'=', hexdig[c >> 4], hexdig[c & 15]};
                rc = eg_buf_add(out, q, 3);
            } else if (rc == EG_OK) {
                rc = eg_buf_addc(out, (char)c);
            }
            line += w;
            break;
        }
        ended = false;
    }
    if (rc == EG_OK && !ended)
        rc = eg_buf_adds(out, "\r\n");
    return rc;
}

/* ---- Date and Message-ID ---------------------------------------------------------- */

void
eg_mime_date(int64_t ms, char *buf, size_t n)
{
    static const char *const days[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
    static const char *const months[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                         "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    time_t t = (time_t)(ms >= 0 ? ms / 1000 : 0);
    struct tm tm;
    if (!gmtime_r(&t, &tm)) {
        snprintf(buf, n, "Thu, 1 Jan 1970 00:00:00 +0000");
        return;
    }
    snprintf(buf, n, "%s, %d %s %04d %02d:%02d:%02d +0000", days[tm.tm_wday], tm.tm_mday,
             months[tm.tm_mon], tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
}

enum eg_err
eg_mime_message_id(const char *from, struct eg_buf *out)
{
    const char *at = from ? strchr(from, '@') : NULL;
    if (!at || !at[1])
        return EG_EINVAL;
    unsigned char r[16];
    char hex[2 * sizeof(r) + 1];
    enum eg_err rc = eg_random(r, sizeof(r));
    if (rc != EG_OK)
        return rc;
    eg_hex(r, sizeof(r), hex);
    return eg_buf_printf(out, "<%s@%s>", hex, at + 1);
}

/* ---- the message ------------------------------------------------------------------ */

/* "Name: display name <addr>" or "Name: addr", folded, with CRLF. */
static enum eg_err
add_mailbox(struct eg_buf *out, const char *field, const char *name, const char *addr)
{
    size_t col = strlen(field) + 2;
    enum eg_err rc = eg_buf_printf(out, "%s: ", field);
    if (rc != EG_OK)
        return rc;
    if (!name || !*name)
        return eg_buf_printf(out, "%s\r\n", addr);
    rc = eg_mime_header_text(out, name, strlen(name), true, &col);
    if (rc == EG_OK)
        rc = eg_buf_printf(out, "%s<%s>\r\n",
                           col + 3 + strlen(addr) <= EG_MAIL_LINE_MAX ? " " : "\r\n ", addr);
    return rc;
}

static enum eg_err
nfc_opt(const char *s, struct eg_buf *out)
{
    if (!s)
        return EG_OK;
    return eg_text_nfc(s, strlen(s), out);
}

/* A boundary from the Message-ID, so a retried message is the same bytes. "=_" never
 * occurs in quoted-printable, so no body can contain it. */
static void
boundary_for(const char *msgid, char *out, size_t n)
{
    uint64_t h = eg_hash64(EG_HASH64_INIT, msgid, strlen(msgid));
    snprintf(out, n, "=_egov_%016llx", (unsigned long long)h);
}

static enum eg_err
add_part(struct eg_buf *out, const char *type, const char *body, size_t n)
{
    enum eg_err rc = eg_buf_printf(out,
                                   "Content-Type: %s; charset=utf-8\r\n"
                                   "Content-Transfer-Encoding: quoted-printable\r\n\r\n",
                                   type);
    if (rc == EG_OK)
        rc = eg_mime_qp(out, body, n);
    return rc;
}

/* The text part alone, or multipart/alternative with the HTML part when html is given. */
static enum eg_err
add_body(struct eg_buf *msg, const struct eg_buf *text, const struct eg_buf *html,
         const char *msgid)
{
    if (!html)
        return add_part(msg, "text/plain", eg_buf_str(text), text->len);
    char boundary[40];
    boundary_for(msgid, boundary, sizeof(boundary));
    enum eg_err rc =
        eg_buf_printf(msg,
                      "Content-Type: multipart/alternative;\r\n boundary=\"%s\"\r\n\r\n"
                      "--%s\r\n",
                      boundary, boundary);
    if (rc == EG_OK)
        rc = add_part(msg, "text/plain", eg_buf_str(text), text->len);
    if (rc == EG_OK)
        rc = eg_buf_printf(msg, "\r\n--%s\r\n", boundary);
    if (rc == EG_OK)
        rc = add_part(msg, "text/html", eg_buf_str(html), html->len);
    if (rc == EG_OK)
        rc = eg_buf_printf(msg, "\r\n--%s--\r\n", boundary);
    return rc;
}

enum eg_err
eg_mail_build(const struct eg_smtp_config *c, const struct eg_mail *m, struct eg_buf *out,
              struct eg_buf *err)
{
    struct eg_buf subject = EG_BUF_INIT(EG_MAIL_SUBJECT_MAX * 3);
    struct eg_buf from_name = EG_BUF_INIT(EG_MAIL_NAME_MAX * 3);
    struct eg_buf to_name = EG_BUF_INIT(EG_MAIL_NAME_MAX * 3);
    struct eg_buf text = EG_BUF_INIT(EG_MAIL_BODY_MAX * 3);
    struct eg_buf html = EG_BUF_INIT(EG_MAIL_BODY_MAX * 3);
    struct eg_buf msgid = EG_BUF_INIT(EG_MAIL_MSGID_MAX + 1);
    struct eg_buf msg = EG_BUF_INIT(MSG_MAX);
    char date[40];
    size_t col;

    enum eg_err rc = eg_smtp_config_check(c, err);
    if (rc != EG_OK)
        goto out;
    rc = eg_mail_check(m, err);
    if (rc != EG_OK)
        goto out;
    rc = nfc_opt(m->subject, &subject);
    if (rc == EG_OK)
        rc = nfc_opt(c->from_name, &from_name);
    if (rc == EG_OK)
        rc = nfc_opt(m->to_name, &to_name);
    if (rc == EG_OK)
        rc = nfc_opt(m->text, &text);
    if (rc == EG_OK)
        rc = nfc_opt(m->html, &html);
    if (rc == EG_OK)
        rc = m->message_id ? eg_buf_adds(&msgid, m->message_id)
                           : eg_mime_message_id(c->from, &msgid);
    if (rc != EG_OK) {
        say(err, rc, "the message could not be prepared (text too large or not UTF-8)");
        goto out;
    }

    eg_mime_date(m->date_ms ? m->date_ms : eg_clock_now_ms(&eg_clock_system), date, sizeof(date));
    rc = eg_buf_printf(&msg, "Date: %s\r\n", date);
    if (rc == EG_OK)
        rc = add_mailbox(&msg, "From", eg_buf_str(&from_name), c->from);
    if (rc == EG_OK)
        rc = add_mailbox(&msg, "To", eg_buf_str(&to_name), m->to);
    col = strlen("Subject: ");
    if (rc == EG_OK)
        rc = eg_buf_adds(&msg, "Subject: ");
    if (rc == EG_OK)
        rc = eg_mime_header_text(&msg, eg_buf_str(&subject), subject.len, false, &col);
    if (rc == EG_OK)
        rc = eg_buf_printf(&msg,
                           "\r\nMessage-ID: %s\r\n"
                           "MIME-Version: 1.0\r\n"
                           "Auto-Submitted: auto-generated\r\n",
                           eg_buf_str(&msgid));
    if (rc == EG_OK)
        rc = add_body(&msg, &text, m->html ? &html : NULL, eg_buf_str(&msgid));
    if (rc == EG_OK)
        rc = eg_buf_add(out, msg.p, msg.len);
    if (rc != EG_OK)
        say(err, rc, "the message is too large");
out:
    eg_buf_release(&subject);
    eg_buf_release(&from_name);
    eg_buf_release(&to_name);
    eg_buf_release(&text);
    eg_buf_release(&html);
    eg_buf_release(&msgid);
    eg_buf_release(&msg);
    return rc;
}
