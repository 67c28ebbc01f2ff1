/* url.c - request targets: percent-decoding, path segments, query and form pairs. */
#include "http_int.h"

#include <string.h>

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

static enum eg_err
fail(struct eg_buf *msg, const char *why)
{
    if (msg) {
        eg_buf_reset(msg);
        if (eg_buf_adds(msg, why) != EG_OK)
            eg_buf_reset(msg);
    }
    return EG_EINVAL;
}

/*
 * Decodes s[0..n) into a NUL-terminated arena string. plus: '+' means space
 * (forms). Control characters (including %00), bad escapes and invalid UTF-8
 * are refused; with lines (a form field's value: a textarea), tab and line
 * breaks are kept, CR LF and a lone CR becoming LF.
 */
static enum eg_err
decode(struct eg_arena *a, const char *s, size_t n, bool plus, bool lines, char **out,
       struct eg_buf *msg)
{
    char *d = eg_arena_alloc(a, n + 1);
    if (!d)
        return EG_ETOOBIG;
    size_t j = 0;
    bool prev_cr = false;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '%') {
            if (i + 2 >= n)
                return fail(msg, "mã thoát %xx không hợp lệ trong địa chỉ");
            int h = hexval(s[i + 1]), l = hexval(s[i + 2]);
            if (h < 0 || l < 0)
                return fail(msg, "mã thoát %xx không hợp lệ trong địa chỉ");
            c = (unsigned char)(h * 16 + l);
            i += 2;
        } else if (c == '+' && plus) {
            c = ' ';
        }
        if (lines && c == '\r') {
            d[j++] = '\n';
            prev_cr = true;
            continue;
        }
        if (lines && c == '\n' && prev_cr) {
            prev_cr = false; /* the LF of a CR LF: already a line break */
            continue;
        }
        prev_cr = false;
        if ((c < 0x20 && !(lines && (c == '\t' || c == '\n'))) || c == 0x7f)
            return fail(msg, "địa chỉ chứa ký tự điều khiển");
        d[j++] = (char)c;
    }
    d[j] = '\0';
    if (!eg_utf8_valid(d, j))
        return fail(msg, "địa chỉ không phải UTF-8 hợp lệ");
    /* C1 controls (U+0080-U+009F, C2 80..C2 9F) are controls too: a terminal acts on U+009B. */
    for (size_t i = 0; i + 1 < j; i++)
        if ((unsigned char)d[i] == 0xc2 && (unsigned char)d[i + 1] <= 0x9f)
            return fail(msg, "địa chỉ chứa ký tự điều khiển");
    *out = d;
    return EG_OK;
}

/* Pairs of a query string (lines false) or of a form body (values may hold lines). */
static enum eg_err
pairs_parse(struct eg_arena *a, const char *s, size_t n, struct eg_kv **out, size_t *count,
            size_t max, bool lines, struct eg_buf *msg)
{
    *out = NULL;
    *count = 0;
    size_t pairs = 0;
    for (size_t i = 0; i < n; i++)
        pairs += s[i] == '&';
    pairs++;
    if (pairs > max)
        return fail(msg, "quá nhiều tham số");
    struct eg_kv *kv = eg_arena_alloc(a, pairs * sizeof(*kv));
    if (!kv)
        return EG_ETOOBIG;
    size_t k = 0;
    const char *p = s, *end = s + n;
    while (p < end) {
        const char *amp = memchr(p, '&', (size_t)(end - p));
        const char *stop = amp ? amp : end;
        if (stop > p) {
            const char *eq = memchr(p, '=', (size_t)(stop - p));
            const char *kend = eq ? eq : stop;
            char *key, *val;
            enum eg_err rc = decode(a, p, (size_t)(kend - p), true, false, &key, msg);
            if (rc == EG_OK)
                rc = eq ? decode(a, eq + 1, (size_t)(stop - eq - 1), true, lines, &val, msg)
                        : decode(a, "", 0, true, false, &val, msg);
            if (rc != EG_OK)
                return rc;
            kv[k].key = key;
            kv[k].value = val;
            k++;
        }
        p = amp ? amp + 1 : end;
    }
    *out = kv;
    *count = k;
    return EG_OK;
}

enum eg_err
eg_form_parse(struct eg_arena *a, const char *s, size_t n, struct eg_kv **out, size_t *count,
              size_t max, struct eg_buf *msg)
{
    return pairs_parse(a, s, n, out, count, max, true, msg);
}

enum eg_err
eg_url_parse(struct eg_arena *a, const char *target, size_t n, struct eg_url *out,
             struct eg_buf *msg)
{
    memset(out, 0, sizeof(*out));
    if (n == 0 || target[0] != '/')
        return fail(msg, "địa chỉ phải bắt đầu bằng /");
    const char *q = memchr(target, '?', n);
    size_t pn = q ? (size_t)(q - target) : n;
    const char *frag = memchr(target, '#', n);
    if (frag)
        return fail(msg, "địa chỉ không được chứa #");
    const char **segs = eg_arena_alloc(a, EG_URL_MAX_SEGS * sizeof(*segs));
    struct eg_buf path = EG_BUF_INIT(pn + 1);
    if (!segs)
        return EG_ETOOBIG;
    size_t ns = 0;
    enum eg_err rc = EG_OK;
    const char *p = target + 1, *end = target + pn;
    while (p <= end && rc == EG_OK) {
        const char *slash = memchr(p, '/', (size_t)(end - p));
        const char *stop = slash ? slash : end;
        if (stop == p && !slash)
            break; /* a trailing '/' adds no segment */
        char *seg;
        rc = decode(a, p, (size_t)(stop - p), false, false, &seg, msg);
        if (rc != EG_OK)
            break;
        if (strcmp(seg, ".") == 0 || strcmp(seg, "..") == 0 || strchr(seg, '/')) {
            rc = fail(msg, "đường dẫn chứa thành phần không hợp lệ (., .. hoặc %2F)");
            break;
        }
        if (ns == EG_URL_MAX_SEGS) {
            rc = fail(msg, "đường dẫn quá sâu");
            break;
        }
        segs[ns++] = seg;
        if (eg_buf_addc(&path, '/') != EG_OK || eg_buf_adds(&path, seg) != EG_OK)
            rc = EG_ETOOBIG;
        if (!slash)
            break;
        p = slash + 1;
    }
    if (rc == EG_OK && pn > 1 && target[pn - 1] == '/' && eg_buf_addc(&path, '/') != EG_OK)
        rc = EG_ETOOBIG;
    if (rc == EG_OK) {
        out->path = path.len ? eg_arena_strndup(a, path.p, path.len) : "/";
        if (!out->path)
            rc = EG_ETOOBIG;
    }
    eg_buf_release(&path);
    if (rc != EG_OK)
        return rc;
    out->segs = segs;
    out->nsegs = ns;
    if (q)
        rc = pairs_parse(a, q + 1, n - pn - 1, &out->query, &out->nquery, EG_URL_MAX_QUERY, false,
                         msg);
    return rc;
}
