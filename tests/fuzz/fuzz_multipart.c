/*
 * fuzz_multipart.c - the streaming multipart/form-data parser of
 * src/http/multipart.h, fed the way libmicrohttpd hands a body to spool.c: in
 * pieces of any size.
 *
 * How the input bytes are read:
 *   byte 0     bit 0: 0 = the rest is a raw body, 1 = the rest describes parts
 *              that the harness encodes into a well-formed body (below);
 *              bits 1-2: when not 0, the begin or end callback with that
 *              number (1..3) fails with EG_EIO; bits 3-7 seed the chunk sizes.
 *              '0' and '1' are a raw and a described body without failures;
 *   line 1     up to the first '\n': the Content-Type value if it starts with
 *              "multipart/" (any case), else the boundary, given as
 *              multipart/form-data; boundary="<line>";
 *   the rest   raw: the body. Described: parts separated by 0xFF, each one
 *              flags byte, then NAME 0xFE FILENAME 0xFE DATA (missing pieces
 *              are defaults); the flags choose a filename or none, filename*=
 *              or filename=, a Content-Type, header-name case, transport
 *              padding, Content-Transfer-Encoding, parameter order.
 *
 * Every body is parsed three times: in one piece, one byte at a time, and in
 * pieces of pseudo-random sizes (with empty pieces among them).
 *
 * Invariants:
 *  - the three runs give the same callbacks (the same parts with the same
 *    names, filenames and types, the same bytes of each part), the same
 *    result and the same message: how a body is cut never changes its meaning;
 *  - callbacks come in order (begin, data..., end), at most EG_MP_MAX_PARTS
 *    parts; a part's name is 1..256 bytes and its filename at most 1024, both
 *    valid UTF-8 without C0, DEL or C1 controls; a Content-Type is valid UTF-8
 *    without C0 controls but tab, at most 255 bytes, never "multipart/..."; no
 *    part's bytes hold the delimiter; a body is accepted only when every part
 *    ended, and none of its header blocks holds a NUL byte (which would end the
 *    C strings early and hide the header lines after it);
 *  - a callback's error is returned unchanged, no callback runs after it, and
 *    the parser refuses everything after any error; EG_EINVAL comes with a
 *    non-empty, valid UTF-8 sentence (it reaches clients);
 *  - eg_mp_init succeeds only for multipart/form-data (eg_mp_is_multipart)
 *    with a boundary of 1..70 bchars not ending in a space;
 *  - a described body whose boundary, names and filenames are valid is
 *    accepted, and gives back exactly the parts it was made of.
 */
#include "fuzz.h"

#include "http/multipart.h"

#include <strings.h>

#define LOG_MAX ((size_t)256 * 1024 * 1024)

/* ---- the callbacks, written down --------------------------------------------------- */

struct log {
    struct eg_buf ev;  /* the callbacks, in a form compared between runs */
    struct eg_buf cur; /* the bytes of the part being read */
    const char *delim; /* CR LF "--" boundary */
    size_t dlen;
    bool in_part;
    bool failed; /* a callback returned an error, or the parser did: no more callbacks */
    size_t parts;
    size_t calls; /* begin and end calls */
    size_t fail_at;
};

static void
log_init(struct log *lg, size_t fail_at)
{
    memset(lg, 0, sizeof(*lg));
    eg_buf_init(&lg->ev, LOG_MAX);
    eg_buf_init(&lg->cur, LOG_MAX);
    lg->fail_at = fail_at;
}

static void
log_release(struct log *lg)
{
    eg_buf_release(&lg->ev);
    eg_buf_release(&lg->cur);
}

static void
put(struct eg_buf *b, const void *p, size_t n)
{
    FUZZ_CHECK(eg_buf_add(b, p, n) == EG_OK);
}

/* A string or NULL, told apart. */
static void
put_str(struct eg_buf *b, const char *s)
{
    if (!s) {
        put(b, "\x01", 2);
        return;
    }
    put(b, "=", 1);
    put(b, s, strlen(s) + 1);
}

/* Valid UTF-8 without C0 controls (but tab, if asked) and DEL; without C1 controls if asked. */
static bool
text_ok(const char *s, size_t n, bool tab, bool c1)
{
    if (!eg_utf8_valid(s, n))
        return false;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if ((c < 0x20 && !(tab && c == '\t')) || c == 0x7f)
            return false;
        if (!c1 && c == 0xc2 && i + 1 < n && (unsigned char)s[i + 1] <= 0x9f)
            return false;
    }
    return true;
}

/* The begin or end call numbered fail_at fails; no callback may run after it. */
static enum eg_err
counted(struct log *lg)
{
    if (++lg->calls != lg->fail_at)
        return EG_OK;
    lg->failed = true;
    return EG_EIO;
}

static enum eg_err
on_begin(void *ctx, const struct eg_mp_part *p)
{
    struct log *lg = ctx;
    FUZZ_CHECK(!lg->failed && !lg->in_part);
    FUZZ_CHECK(++lg->parts <= EG_MP_MAX_PARTS);
    FUZZ_CHECK(p->name != NULL);
    size_t n = strlen(p->name);
    FUZZ_CHECK(n >= 1 && n <= 256 && text_ok(p->name, n, false, false));
    if (p->filename) {
        n = strlen(p->filename);
        FUZZ_CHECK(n <= 1024 && text_ok(p->filename, n, false, false));
    }
    if (p->ctype) {
        n = strlen(p->ctype);
        FUZZ_CHECK(n >= 1 && n <= 255 && text_ok(p->ctype, n, true, true));
        FUZZ_CHECK(strncasecmp(p->ctype, "multipart/", 10) != 0);
    }
    put(&lg->ev, "B", 1);
    put_str(&lg->ev, p->name);
    put_str(&lg->ev, p->filename);
    put_str(&lg->ev, p->ctype);
    lg->in_part = true;
    eg_buf_reset(&lg->cur);
    return counted(lg);
}

static enum eg_err
on_data(void *ctx, const char *p, size_t n)
{
    struct log *lg = ctx;
    FUZZ_CHECK(!lg->failed && lg->in_part);
    put(&lg->cur, p, n);
    return EG_OK;
}

/* The part's bytes into the log, after its tag. */
static void
flush(struct log *lg, char tag)
{
    char len[32];
    int k = snprintf(len, sizeof(len), "%c%zu:", tag, lg->cur.len);
    put(&lg->ev, len, (size_t)k);
    put(&lg->ev, eg_buf_str(&lg->cur), lg->cur.len);
    eg_buf_reset(&lg->cur);
}

static enum eg_err
on_end(void *ctx)
{
    struct log *lg = ctx;
    FUZZ_CHECK(!lg->failed && lg->in_part);
    FUZZ_CHECK(!fuzz_contains(eg_buf_str(&lg->cur), lg->cur.len, lg->delim));
    flush(lg, 'E');
    lg->in_part = false;
    return counted(lg);
}

/* ---- one run ----------------------------------------------------------------------- */

enum split { WHOLE, BYTES, RANDOM };

struct result {
    enum eg_err init, rc;
    const char *msg; /* eg_mp_error() after EG_EINVAL */
};

static uint32_t
next_rand(uint32_t *s)
{
    uint32_t x = *s ? *s : 0x9e3779b9u;
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    *s = x;
    return x;
}

static size_t
piece(enum split how, uint32_t *seed, size_t left)
{
    if (how == WHOLE)
        return left;
    if (how == BYTES)
        return 1;
    uint32_t r = next_rand(seed);
    size_t k = (r & 0x300) == 0 ? 1 + (r >> 12) % 4096 : 1 + (r >> 12) % 9;
    return k < left ? k : left;
}

static void
check_msg(const struct eg_mp *m)
{
    const char *why = eg_mp_error(m);
    FUZZ_CHECK(why != NULL && *why);
    FUZZ_CHECK(eg_utf8_valid(why, strlen(why)));
}

/* RFC 2046 bchars, 1..70 of them, not ending in a space. */
static bool
boundary_ok(const char *b, size_t n)
{
    if (n == 0 || n > EG_MP_BOUNDARY_MAX || b[n - 1] == ' ')
        return false;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)b[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              (c != 0 && strchr("'()+_,-./:=? ", c))))
            return false;
    }
    return true;
}

static const char *
find(const char *p, const char *end, const char *what, size_t n)
{
    for (; p + n <= end; p++)
        if (memcmp(p, what, n) == 0)
            return p;
    return NULL;
}

/* In a body the parser accepted: does a part's header block hold a NUL byte? */
static bool
nul_in_headers(const char *body, size_t n, const char *delim, size_t dlen)
{
    const char *end = body + n;
    const char *p = body + dlen - 2; /* after the first delimiter, which has no CR LF */
    while (p + 2 <= end && memcmp(p, "--", 2) != 0) {
        while (p < end && (*p == ' ' || *p == '\t'))
            p++;
        p += 2; /* CR LF */
        const char *blank = find(p, end, "\r\n\r\n", 4);
        if (!blank)
            return false;
        if (memchr(p, '\0', (size_t)(blank - p)))
            return true;
        /* The part's bytes start after the blank line: they may begin with
         * "--boundary", which is no delimiter without the CR LF of its own. */
        const char *next = find(blank + 4, end, delim, dlen);
        if (!next)
            return false;
        p = next + dlen;
    }
    return false;
}

static void
run(const char *ct, const char *body, size_t n, enum split how, uint32_t seed, size_t fail_at,
    struct log *lg, struct result *res)
{
    struct eg_mp m;
    struct eg_mp_handler h = {on_begin, on_data, on_end, lg};
    log_init(lg, fail_at);
    memset(res, 0, sizeof(*res));
    res->init = eg_mp_init(&m, ct, &h);
    if (res->init != EG_OK) {
        FUZZ_CHECK(res->init == EG_EINVAL);
        check_msg(&m);
        res->msg = eg_mp_error(&m);
        eg_mp_release(&m);
        return;
    }
    FUZZ_CHECK(eg_mp_is_multipart(ct));
    FUZZ_CHECK(m.dlen >= 5 && m.dlen == strlen(m.delim) && memcmp(m.delim, "\r\n--", 4) == 0);
    FUZZ_CHECK(boundary_ok(m.delim + 4, m.dlen - 4));
    lg->delim = m.delim;
    lg->dlen = m.dlen;

    enum eg_err rc = EG_OK;
    size_t i = 0;
    while (i < n && rc == EG_OK) {
        size_t k = piece(how, &seed, n - i);
        if (how == RANDOM && (seed & 0xf) == 0)
            rc = eg_mp_feed(&m, body + i, 0); /* an empty piece changes nothing */
        if (rc == EG_OK)
            rc = eg_mp_feed(&m, body + i, k);
        i += k;
    }
    if (rc == EG_OK)
        rc = eg_mp_finish(&m);
    res->rc = rc;
    if (lg->failed)
        FUZZ_CHECK(rc == EG_EIO); /* the callback's error, unchanged */
    else
        FUZZ_CHECK(rc == EG_OK || rc == EG_EINVAL);
    if (rc == EG_EINVAL) {
        check_msg(&m);
        res->msg = eg_mp_error(&m);
    }
    if (rc == EG_OK) {
        FUZZ_CHECK(!lg->in_part);
        FUZZ_CHECK(!nul_in_headers(body, n, m.delim, m.dlen));
    } else {
        /* After an error: nothing more is accepted, and no callback runs. */
        lg->failed = true;
        FUZZ_CHECK(eg_mp_feed(&m, "--\r\n", 4) != EG_OK);
        FUZZ_CHECK(eg_mp_finish(&m) != EG_OK);
    }
    if (lg->in_part)
        flush(lg, 'P'); /* what a part cut short had received */
    lg->delim = NULL;
    eg_mp_release(&m);
}

/* ---- described bodies -------------------------------------------------------------- */

struct built {
    struct eg_buf body;
    struct eg_buf want; /* the log a correct parser writes */
    bool valid;         /* the body is well-formed: it must be accepted */
};

/* filename*=UTF-8''... of s: tchars but % ' * as they are, everything else %XX. */
static void
put_ext_value(struct eg_buf *b, const char *s, size_t n)
{
    put(b, "UTF-8''", 7);
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
            (c != 0 && strchr("!#$&+-.^_`|~", c)))
            put(b, &s[i], 1);
        else {
            char hex[4];
            snprintf(hex, sizeof(hex), "%%%02X", c);
            put(b, hex, 3);
        }
    }
}

static const char *
find_byte(const char *p, const char *end, unsigned char c)
{
    const char *q = memchr(p, c, (size_t)(end - p));
    return q ? q : end;
}

static void
build_part(struct built *bt, const char *delim, size_t dlen, const char *p, size_t n, size_t index)
{
    unsigned flags = n ? (unsigned char)p[0] : 0;
    const char *s = n ? p + 1 : p, *end = p + n;
    const char *e1 = find_byte(s, end, 0xfe);
    const char *f = e1 < end ? e1 + 1 : end;
    const char *e2 = find_byte(f, end, 0xfe);
    const char *d = e2 < end ? e2 + 1 : end;

    char fallback[32];
    size_t name_n = (size_t)(e1 - s), file_n = (size_t)(e2 - f), data_n = (size_t)(end - d);
    const char *name = s;
    if (name_n == 0 || name_n > 256 || !text_ok(name, name_n, false, false) ||
        memchr(name, '"', name_n)) {
        snprintf(fallback, sizeof(fallback), "f%zu", index);
        name = fallback;
        name_n = strlen(fallback);
    }
    const char *filename = f;
    if (file_n > 1024 || !text_ok(filename, file_n, false, false)) {
        filename = "a.pdf";
        file_n = 5;
    }
    bool has_file = flags & 1, ext = (flags & 2) || memchr(filename, '"', file_n);
    bool lower = flags & 8, file_first = flags & 64;
    static const char *const ctypes[] = {"application/pdf", "text/plain; charset=utf-8",
                                         "image/png", "application/octet-stream"};
    const char *ctype = flags & 4 ? ctypes[(flags >> 4) & 3] : NULL;
    /* The part's bytes may not hold the delimiter: cut them before it. */
    for (size_t i = 0; i + dlen <= data_n; i++)
        if (memcmp(d + i, delim, dlen) == 0) {
            data_n = i;
            break;
        }

    struct eg_buf *b = &bt->body;
    put(b, lower ? "content-disposition: form-data" : "Content-Disposition: form-data", 30);
    for (int k = 0; k < 2; k++) {
        if ((k == 0) == file_first) {
            if (!has_file)
                continue;
            put(b, ext ? "; filename*=" : "; filename=\"", 12);
            if (ext)
                put_ext_value(b, filename, file_n);
            else {
                put(b, filename, file_n);
                put(b, "\"", 1);
            }
        } else {
            put(b, "; name=\"", 8);
            put(b, name, name_n);
            put(b, "\"", 1);
        }
    }
    put(b, "\r\n", 2);
    if (ctype) {
        put(b, lower ? "content-type: " : "Content-Type: ", 14);
        put(b, ctype, strlen(ctype));
        put(b, "\r\n", 2);
    }
    if (flags & 128)
        put(b, "Content-Transfer-Encoding: binary\r\n", 35);
    put(b, "\r\n", 2);
    put(b, d, data_n);
    put(b, delim, dlen);

    struct eg_buf *w = &bt->want;
    char tmp[1100];
    put(w, "B", 1);
    snprintf(tmp, sizeof(tmp), "%.*s", (int)name_n, name);
    put_str(w, tmp);
    snprintf(tmp, sizeof(tmp), "%.*s", (int)file_n, filename);
    put_str(w, has_file ? tmp : NULL);
    put_str(w, ctype);
    char len[32];
    int k = snprintf(len, sizeof(len), "E%zu:", data_n);
    put(w, len, (size_t)k);
    put(w, d, data_n);
}

/* The body the description p[0..n) stands for, with the boundary b. */
static void
build(struct built *bt, const char *b, size_t bn, const char *p, size_t n, unsigned flags)
{
    eg_buf_init(&bt->body, LOG_MAX);
    eg_buf_init(&bt->want, LOG_MAX);
    bt->valid = boundary_ok(b, bn) && !memchr(b, '"', bn);
    if (!bt->valid)
        return;
    char delim[4 + EG_MP_BOUNDARY_MAX + 1];
    memcpy(delim, "\r\n--", 4);
    memcpy(delim + 4, b, bn);
    size_t dlen = 4 + bn;
    /* The first delimiter has no CR LF before it. */
    put(&bt->body, delim + 2, dlen - 2);
    const char *s = p, *end = p + n;
    /* Parts separated by 0xFF; no description, no part. */
    for (size_t index = 0; n && index < EG_MP_MAX_PARTS; index++) {
        const char *e = find_byte(s, end, 0xff);
        /* Transport padding after the delimiter, then CR LF. */
        if (flags & 8)
            put(&bt->body, index % 2 ? " \t" : " ", index % 2 ? 2 : 1);
        put(&bt->body, "\r\n", 2);
        build_part(bt, delim, dlen, s, (size_t)(e - s), index);
        if (e == end)
            break;
        s = e + 1;
    }
    put(&bt->body, "--", 2);
    if (flags & 16)
        put(&bt->body, "\r\nan epilogue, ignored\r\n", 24);
    else
        put(&bt->body, "\r\n", 2);
}

static void
built_release(struct built *bt)
{
    eg_buf_release(&bt->body);
    eg_buf_release(&bt->want);
}

/* ---- the entry point --------------------------------------------------------------- */

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0)
        return 0;
    unsigned flags = data[0];
    bool described = flags & 1;
    size_t fail_at = (flags >> 1) & 3;
    const char *in = (const char *)data + 1;
    size_t n = size - 1;
    const char *nl = memchr(in, '\n', n);
    size_t line_n = nl ? (size_t)(nl - in) : n;
    const char *rest = nl ? nl + 1 : in + n;
    size_t rest_n = (size_t)(in + n - rest);

    char *line = fuzz_cstr((const uint8_t *)in, line_n);
    struct eg_buf ct = EG_BUF_INIT(LOG_MAX);
    if (!described && strncasecmp(line, "multipart/", 10) == 0)
        put(&ct, line, strlen(line));
    else {
        put(&ct, "multipart/form-data; boundary=\"", 31);
        put(&ct, line, strlen(line));
        put(&ct, "\"", 1);
    }

    struct built bt = {EG_BUF_INIT(0), EG_BUF_INIT(0), false};
    const char *body = rest;
    size_t body_n = rest_n;
    if (described)
        build(&bt, line, strlen(line), rest, rest_n, flags);
    if (bt.valid) {
        body = bt.body.p;
        body_n = bt.body.len;
    }

    struct log lg[3];
    struct result res[3];
    uint32_t seed = (uint32_t)flags << 24 ^ (uint32_t)size;
    for (int how = WHOLE; how <= RANDOM; how++)
        run(eg_buf_str(&ct), body, body_n, (enum split)how, seed, fail_at, &lg[how], &res[how]);
    for (int how = BYTES; how <= RANDOM; how++) {
        FUZZ_CHECK(res[how].init == res[WHOLE].init && res[how].rc == res[WHOLE].rc);
        FUZZ_CHECK((res[how].msg == NULL) == (res[WHOLE].msg == NULL));
        FUZZ_CHECK(!res[how].msg || strcmp(res[how].msg, res[WHOLE].msg) == 0);
        FUZZ_CHECK(fuzz_buf_eq(&lg[how].ev, &lg[WHOLE].ev));
    }
    if (bt.valid) {
        /* A well-formed body: accepted, with exactly its parts (unless a callback failed). */
        FUZZ_CHECK(res[WHOLE].init == EG_OK);
        if (fail_at == 0) {
            FUZZ_CHECK(res[WHOLE].rc == EG_OK);
            FUZZ_CHECK(fuzz_buf_eq(&lg[WHOLE].ev, &bt.want));
        }
    }
    for (int how = WHOLE; how <= RANDOM; how++)
        log_release(&lg[how]);
    built_release(&bt);
    eg_buf_release(&ct);
    free(line);
    return 0;
}
