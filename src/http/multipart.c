/*
 * multipart.c - multipart/form-data, parsed as it streams in (multipart.h).
 *
 * Why our own and not libmicrohttpd's MHD_PostProcessor: its parser needs a
 * live MHD_Connection, so it cannot be fuzzed on its own (RELIABILITY B1 lists
 * multipart among the parsers to fuzz); it is lenient where we want a refusal
 * (nested multipart/mixed, "Content-type: " matched only with one space, the
 * boundary taken as the rest of the header line, bare LF line ends) and says
 * nothing about why a body is refused; and its API goes away in
 * libmicrohttpd 2.0. The query and form parsers of url.c are ours for the
 * same reasons. This one is small: a delimiter search, a header block per
 * part, and the two parameter lists of RFC 7578.
 *
 * The delimiter is CR LF "--" boundary. CR appears in it only at the start
 * (a boundary has no CR), so when a partial match fails the bytes matched so
 * far are plain data and only the current byte can start a new match: the
 * search needs no buffer beyond the delimiter text itself. The body's first
 * delimiter has no CR LF before it; the parser starts as if it had just seen
 * one.
 */
#include "multipart.h"

#include <string.h>
#include <strings.h>

enum {
    S_BODY,     /* scanning for the delimiter (in a part, or before the first one) */
    S_AFTER,    /* just after a delimiter: "--", padding, or CR LF */
    S_PAD,      /* transport padding before CR LF */
    S_DASH,     /* one '-' of a close delimiter seen */
    S_LF,       /* CR seen after a delimiter */
    S_HEAD,     /* a part's header block */
    S_EPILOGUE, /* after the close delimiter: ignored */
    S_ERROR,
};

#define MAX_PAD 64
#define NAME_MAX_BYTES 256
#define FILENAME_MAX_BYTES ((size_t)1024)
#define CTYPE_MAX_BYTES 255

static enum eg_err
fail(struct eg_mp *m, const char *why)
{
    m->state = S_ERROR;
    m->error = why;
    return EG_EINVAL;
}

const char *
eg_mp_error(const struct eg_mp *m)
{
    return m->error ? m->error : "nội dung multipart/form-data không hợp lệ";
}

static bool
tchar(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           (c != 0 && strchr("!#$%&'*+-.^_`|~", c) != NULL);
}

static const char *
skip_ows(const char *s)
{
    while (*s == ' ' || *s == '\t')
        s++;
    return s;
}

/*
 * The next "; name=value" of a parameter list: 1 with name (lower case) and
 * the value (unquoted), 0 at the end, -1 on bad syntax. A quoted value is
 * taken as written between the quotes: browsers escape '"' as %22 and leave
 * '\' alone (RFC 7578 §4.2), so a backslash is not an escape here.
 */
static int
next_param(const char **sp, char *name, size_t cap, struct eg_buf *val)
{
    const char *s = skip_ows(*sp);
    if (!*s) {
        *sp = s;
        return 0;
    }
    if (*s != ';')
        return -1;
    s = skip_ows(s + 1);
    size_t n = 0;
    for (; tchar((unsigned char)*s); s++) {
        if (n + 1 >= cap)
            return -1;
        char c = *s;
        name[n++] = (char)(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
    }
    name[n] = '\0';
    if (n == 0 || *s != '=')
        return -1;
    s++;
    eg_buf_reset(val);
    if (*s == '"') {
        for (s++; *s != '"'; s++) {
            unsigned char c = (unsigned char)*s;
            if (c == 0 || (c < 0x20 && c != '\t') || c == 0x7f)
                return -1;
            if (eg_buf_addc(val, (char)c) != EG_OK)
                return -1;
        }
        s++;
    } else {
        for (; tchar((unsigned char)*s); s++)
            if (eg_buf_addc(val, *s) != EG_OK)
                return -1;
        if (val->len == 0)
            return -1;
    }
    *sp = s;
    return 1;
}

bool
eg_mp_is_multipart(const char *ct)
{
    static const char mt[] = "multipart/form-data";
    if (!ct)
        return false;
    ct = skip_ows(ct);
    if (strncasecmp(ct, mt, sizeof(mt) - 1) != 0)
        return false;
    char next = ct[sizeof(mt) - 1];
    return next == '\0' || next == ';' || next == ' ' || next == '\t';
}

/* RFC 2046 bchars; a space may not come last. */
static bool
boundary_ok(const char *b, size_t n)
{
    if (n == 0 || n > EG_MP_BOUNDARY_MAX || b[n - 1] == ' ')
        return false;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)b[i];
        bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                  (c != 0 && strchr("'()+_,-./:=? ", c) != NULL);
        if (!ok)
            return false;
    }
    return true;
}

enum eg_err
eg_mp_init(struct eg_mp *m, const char *ct, const struct eg_mp_handler *h)
{
    memset(m, 0, sizeof(*m));
    m->h = *h;
    eg_buf_init(&m->head, EG_MP_MAX_HEADER);
    if (!eg_mp_is_multipart(ct))
        return fail(m, "Content-Type không phải multipart/form-data");
    const char *s = skip_ows(ct) + strlen("multipart/form-data");
    struct eg_buf val = EG_BUF_INIT(256);
    char name[64];
    int got, seen = 0;
    for (;;) {
        got = next_param(&s, name, sizeof(name), &val);
        if (got != 1)
            break;
        if (strcmp(name, "boundary") != 0)
            continue;
        if (seen++ || !boundary_ok(eg_buf_str(&val), val.len)) {
            got = -1;
            break;
        }
        memcpy(m->delim, "\r\n--", 4);
        memcpy(m->delim + 4, val.p, val.len);
        m->dlen = 4 + val.len;
        m->delim[m->dlen] = '\0';
    }
    eg_buf_release(&val);
    if (got < 0 || !seen)
        return fail(m, "Content-Type multipart/form-data thiếu tham số boundary hợp lệ");
    /* The body starts with the first delimiter, which has no CR LF before it. */
    m->state = S_BODY;
    m->match = 2;
    return EG_OK;
}

void
eg_mp_release(struct eg_mp *m)
{
    eg_buf_release(&m->head);
}

/* UTF-8 without C0 or C1 controls or DEL, of at most max bytes. */
static bool
text_ok(const char *s, size_t n, size_t max)
{
    if (n > max || !eg_utf8_valid(s, n))
        return false;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c < 0x20 || c == 0x7f || (c == 0xc2 && i + 1 < n && (unsigned char)s[i + 1] <= 0x9f))
            return false;
    }
    return true;
}

static int
hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* RFC 8187 ext-value "UTF-8'lang'pct-encoded", decoded in place into out. */
static bool
ext_value(const struct eg_buf *in, struct eg_buf *out)
{
    const char *s = eg_buf_str(in);
    const char *q1 = strchr(s, '\'');
    const char *q2 = q1 ? strchr(q1 + 1, '\'') : NULL;
    if (!q2 || (size_t)(q1 - s) != 5 || strncasecmp(s, "utf-8", 5) != 0)
        return false;
    eg_buf_reset(out);
    for (const char *p = q2 + 1; *p; p++) {
        unsigned char c = (unsigned char)*p;
        if (c == '%') {
            int hi = hexval(p[1]), lo = hi < 0 ? -1 : hexval(p[2]);
            if (lo < 0)
                return false;
            c = (unsigned char)(hi * 16 + lo);
            p += 2;
        } else if (!tchar(c) || c == '%' || c == '\'' || c == '*') {
            return false;
        }
        if (eg_buf_addc(out, (char)c) != EG_OK)
            return false;
    }
    return true;
}

/* Content-Disposition: form-data; name="..."; filename="..."; filename*=UTF-8''... */
static enum eg_err
disposition(struct eg_mp *m, const char *v, struct eg_buf *name, struct eg_buf *filename,
            bool *has_filename)
{
    static const char fd[] = "form-data";
    if (strncasecmp(v, fd, sizeof(fd) - 1) != 0 ||
        (v[sizeof(fd) - 1] != '\0' && v[sizeof(fd) - 1] != ';' && v[sizeof(fd) - 1] != ' ' &&
         v[sizeof(fd) - 1] != '\t'))
        return fail(m, "mỗi phần phải có Content-Disposition: form-data");
    const char *s = v + sizeof(fd) - 1;
    struct eg_buf val = EG_BUF_INIT(4 * FILENAME_MAX_BYTES);
    struct eg_buf ext = EG_BUF_INIT(FILENAME_MAX_BYTES + 1);
    char pname[64];
    int got, seen_name = 0, seen_file = 0, seen_ext = 0;
    enum eg_err rc = EG_OK;
    while (rc == EG_OK && (got = next_param(&s, pname, sizeof(pname), &val)) == 1) {
        if (strcmp(pname, "name") == 0) {
            eg_buf_reset(name);
            if (seen_name++ || eg_buf_add(name, val.p, val.len) != EG_OK)
                rc = fail(m, "tên trường của một phần bị lặp hoặc quá dài");
        } else if (strcmp(pname, "filename") == 0) {
            if (seen_file++)
                rc = fail(m, "tên tệp của một phần bị lặp");
            else if (!seen_ext) {
                eg_buf_reset(filename);
                if (eg_buf_add(filename, eg_buf_str(&val), val.len) != EG_OK)
                    rc = fail(m, "tên tệp quá dài");
            }
        } else if (strcmp(pname, "filename*") == 0) {
            if (seen_ext++ || !ext_value(&val, &ext))
                rc = fail(m, "tham số filename* không hợp lệ (cần UTF-8''...)");
            else {
                eg_buf_reset(filename);
                if (eg_buf_add(filename, eg_buf_str(&ext), ext.len) != EG_OK)
                    rc = fail(m, "tên tệp quá dài");
            }
        }
    }
    eg_buf_release(&val);
    eg_buf_release(&ext);
    if (rc != EG_OK)
        return rc;
    if (got < 0)
        return fail(m, "Content-Disposition của một phần không đúng cú pháp");
    if (!seen_name || name->len == 0)
        return fail(m, "một phần thiếu tên trường (name)");
    *has_filename = seen_file || seen_ext;
    return EG_OK;
}

/* The header block in m->head (ending in CR LF CR LF) into a part, then begin(). */
static enum eg_err
part_headers(struct eg_mp *m)
{
    char *s = m->head.p;
    s[m->head.len - 4] = '\0'; /* drop the blank line */
    struct eg_buf name = EG_BUF_INIT(NAME_MAX_BYTES + 1);
    struct eg_buf filename = EG_BUF_INIT(FILENAME_MAX_BYTES + 1);
    const char *ctype = NULL;
    bool has_filename = false, seen_cd = false;
    enum eg_err rc = EG_OK;
    while (rc == EG_OK && s) {
        char *eol = strstr(s, "\r\n");
        if (eol)
            *eol = '\0';
        char *next = eol ? eol + 2 : NULL;
        if (*s == ' ' || *s == '\t') {
            rc = fail(m, "dòng tiêu đề gập (obs-fold) không được chấp nhận");
            break;
        }
        if (strpbrk(s, "\r\n")) {
            rc = fail(m, "tiêu đề của một phần phải kết thúc dòng bằng CR LF");
            break;
        }
        char *colon = strchr(s, ':');
        size_t nl = colon ? (size_t)(colon - s) : 0;
        bool tok = nl > 0;
        for (size_t i = 0; i < nl && tok; i++)
            tok = tchar((unsigned char)s[i]);
        if (!tok) {
            rc = fail(m, "tiêu đề của một phần không đúng cú pháp");
            break;
        }
        *colon = '\0';
        char *v = (char *)skip_ows(colon + 1);
        size_t vl = strlen(v);
        while (vl > 0 && (v[vl - 1] == ' ' || v[vl - 1] == '\t'))
            v[--vl] = '\0';
        for (size_t i = 0; i < vl && rc == EG_OK; i++)
            if (((unsigned char)v[i] < 0x20 && v[i] != '\t') || v[i] == 0x7f)
                rc = fail(m, "tiêu đề của một phần chứa ký tự điều khiển");
        if (rc != EG_OK)
            break;
        if (strcasecmp(s, "Content-Disposition") == 0) {
            if (seen_cd)
                rc = fail(m, "một phần có hai tiêu đề Content-Disposition");
            else
                rc = disposition(m, v, &name, &filename, &has_filename);
            seen_cd = true;
        } else if (strcasecmp(s, "Content-Type") == 0) {
            if (ctype)
                rc = fail(m, "một phần có hai tiêu đề Content-Type");
            else if (vl == 0 || vl > CTYPE_MAX_BYTES || !eg_utf8_valid(v, vl))
                rc = fail(m, "Content-Type của một phần không hợp lệ");
            else if (strncasecmp(v, "multipart/", 10) == 0)
                rc = fail(m, "không chấp nhận multipart lồng nhau");
            ctype = v;
        } else if (strcasecmp(s, "Content-Transfer-Encoding") == 0) {
            if (strcasecmp(v, "binary") != 0 && strcasecmp(v, "8bit") != 0 &&
                strcasecmp(v, "7bit") != 0)
                rc = fail(m, "Content-Transfer-Encoding của một phần không được hỗ trợ");
        }
        s = next;
    }
    if (rc == EG_OK && !seen_cd)
        rc = fail(m, "mỗi phần phải có Content-Disposition: form-data");
    if (rc == EG_OK && !text_ok(eg_buf_str(&name), name.len, NAME_MAX_BYTES))
        rc = fail(m, "tên trường của một phần không hợp lệ");
    if (rc == EG_OK && has_filename &&
        !text_ok(eg_buf_str(&filename), filename.len, FILENAME_MAX_BYTES))
        rc = fail(m, "tên tệp không phải UTF-8 hợp lệ hoặc chứa ký tự điều khiển");
    if (rc == EG_OK) {
        struct eg_mp_part p = {
            .name = eg_buf_str(&name),
            .filename = has_filename ? eg_buf_str(&filename) : NULL,
            .ctype = ctype,
        };
        rc = m->h.begin(m->h.ctx, &p);
        if (rc != EG_OK)
            m->state = S_ERROR;
        else
            m->in_part = true;
    }
    eg_buf_release(&name);
    eg_buf_release(&filename);
    return rc;
}

/* Bytes that belong to the current part (or, before the first delimiter, to nothing). */
static enum eg_err
emit(struct eg_mp *m, const char *p, size_t n)
{
    if (!m->in_part)
        return fail(m, "nội dung phải bắt đầu bằng ranh giới (boundary) đầu tiên");
    enum eg_err rc = m->h.data(m->h.ctx, p, n);
    if (rc != EG_OK)
        m->state = S_ERROR;
    return rc;
}

static enum eg_err
delimiter(struct eg_mp *m)
{
    m->state = S_AFTER;
    if (!m->in_part)
        return EG_OK;
    m->in_part = false;
    enum eg_err rc = m->h.end(m->h.ctx);
    if (rc != EG_OK)
        m->state = S_ERROR;
    return rc;
}

/* One byte of a part's header block; at its blank line the part begins. */
static enum eg_err
head_byte(struct eg_mp *m, char c)
{
    /*
     * part_headers() reads the block as C strings: a NUL would end a line early
     * and hide every header line after it (a second Content-Disposition, a
     * nested multipart Content-Type), where another reader would see them.
     */
    if (c == '\0')
        return fail(m, "tiêu đề của một phần chứa ký tự điều khiển");
    if (eg_buf_addc(&m->head, c) != EG_OK)
        return fail(m, "tiêu đề của một phần quá dài");
    size_t n = m->head.len;
    const char *h = m->head.p;
    if (n == 2 && h[0] == '\r' && h[1] == '\n')
        return fail(m, "mỗi phần phải có Content-Disposition: form-data");
    if (n >= 4 && memcmp(h + n - 4, "\r\n\r\n", 4) == 0) {
        enum eg_err rc = part_headers(m);
        if (rc == EG_OK) {
            m->state = S_BODY;
            m->match = 0;
        }
        return rc;
    }
    return EG_OK;
}

enum eg_err
eg_mp_feed(struct eg_mp *m, const char *p, size_t n)
{
    enum eg_err rc = EG_OK;
    size_t i = 0;
    while (i < n && rc == EG_OK) {
        char c = p[i];
        switch (m->state) {
        case S_BODY:
            if (m->match == 0) {
                const char *cr = memchr(p + i, '\r', n - i);
                size_t span = cr ? (size_t)(cr - (p + i)) : n - i;
                if (span) {
                    rc = emit(m, p + i, span);
                    i += span;
                    continue;
                }
            }
            if (c == m->delim[m->match]) {
                i++;
                if (++m->match == m->dlen) {
                    m->match = 0;
                    rc = delimiter(m);
                }
                continue;
            }
            /* A failed partial match: what matched is data; c may start a new match. */
            rc = emit(m, m->delim, m->match);
            m->match = 0;
            if (c == '\r') {
                m->match = 1;
                i++;
            }
            continue;
        case S_AFTER:
            if (c == '-')
                m->state = S_DASH;
            else if (c == '\r')
                m->state = S_LF;
            else if (c == ' ' || c == '\t') {
                m->state = S_PAD;
                m->pad = 1;
            } else
                rc = fail(m, "sau ranh giới (boundary) phải xuống dòng");
            break;
        case S_PAD:
            if (c == '\r')
                m->state = S_LF;
            else if ((c != ' ' && c != '\t') || ++m->pad > MAX_PAD)
                rc = fail(m, "sau ranh giới (boundary) phải xuống dòng");
            break;
        case S_DASH:
            if (c == '-')
                m->state = S_EPILOGUE;
            else
                rc = fail(m, "ranh giới kết thúc không hợp lệ");
            break;
        case S_LF:
            if (c != '\n') {
                rc = fail(m, "sau ranh giới (boundary) phải là CR LF");
                break;
            }
            if (++m->parts > EG_MP_MAX_PARTS) {
                rc = fail(m, "quá nhiều phần trong nội dung multipart");
                break;
            }
            eg_buf_reset(&m->head);
            m->state = S_HEAD;
            break;
        case S_HEAD:
            rc = head_byte(m, c);
            break;
        case S_EPILOGUE:
            return EG_OK;
        default:
            return EG_EINVAL; /* stopped by an earlier error */
        }
        i++;
    }
    return rc;
}

enum eg_err
eg_mp_finish(struct eg_mp *m)
{
    if (m->state == S_EPILOGUE)
        return EG_OK;
    if (m->state == S_ERROR)
        return EG_EINVAL;
    return fail(m, "nội dung multipart bị cắt: thiếu ranh giới kết thúc");
}
