/*
 * fuzz_url.c - eg_url_parse on the input as a request target, and eg_form_parse
 * on it as an application/x-www-form-urlencoded body, in an arena with the
 * server's per-request limits.
 *
 * Invariants when parsing succeeds:
 *  - at most EG_URL_MAX_SEGS segments and EG_URL_MAX_QUERY pairs;
 *  - no segment is "." or "..", holds '/', or has a byte < 0x20 or DEL; every
 *    decoded segment, key and value is valid UTF-8 without control characters,
 *    but a form body's values, which may hold tab and LF (CR LF becomes LF);
 *  - path is "/" followed by the segments joined by '/' (plus the trailing '/');
 *  - percent-encoding what was decoded and parsing again gives the same result.
 * When it fails with EG_EINVAL, msg holds a valid UTF-8 sentence.
 */
#include "fuzz.h"

#include "http/http.h"

/* The arena of a request in src/http/server.c. */
#define ARENA_CHUNK 8192
#define ARENA_MAX ((size_t)4 * 1024 * 1024)

static void
check_decoded(const char *s)
{
    FUZZ_CHECK(s != NULL);
    size_t n = strlen(s);
    FUZZ_CHECK(fuzz_no_controls(s, n));
    FUZZ_CHECK(eg_utf8_valid(s, n));
}

/* A form value: as check_decoded, but tab and LF may stand in it (never CR). */
static void
check_value_lines(const char *s)
{
    FUZZ_CHECK(s != NULL);
    size_t n = strlen(s);
    FUZZ_CHECK(memchr(s, '\r', n) == NULL);
    char *copy = malloc(n + 1);
    FUZZ_CHECK(copy != NULL);
    for (size_t i = 0; i <= n; i++)
        copy[i] = s[i] == '\t' || s[i] == '\n' ? ' ' : s[i];
    FUZZ_CHECK(fuzz_no_controls(copy, n));
    free(copy);
    FUZZ_CHECK(eg_utf8_valid(s, n));
}

static void
check_msg(enum eg_err rc, const struct eg_buf *msg)
{
    FUZZ_CHECK(rc == EG_OK || rc == EG_EINVAL || rc == EG_ETOOBIG);
    if (rc == EG_EINVAL) {
        FUZZ_CHECK(msg->len > 0);
        FUZZ_CHECK(eg_utf8_valid(msg->p, msg->len));
    }
}

/* Appends s percent-encoded: only unreserved characters stay as they are. */
static void
encode(struct eg_buf *b, const char *s)
{
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        bool plain = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                     c == '-' || c == '.' || c == '_' || c == '~';
        enum eg_err rc = plain ? eg_buf_addc(b, (char)c) : eg_buf_printf(b, "%%%02X", c);
        FUZZ_CHECK(rc == EG_OK);
    }
}

static void
encode_pairs(struct eg_buf *b, const struct eg_kv *kv, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (i > 0)
            FUZZ_CHECK(eg_buf_addc(b, '&') == EG_OK);
        encode(b, kv[i].key);
        FUZZ_CHECK(eg_buf_addc(b, '=') == EG_OK);
        encode(b, kv[i].value);
    }
}

static void
check_pairs(const struct eg_kv *kv, size_t n, bool lines)
{
    FUZZ_CHECK(n <= EG_URL_MAX_QUERY);
    for (size_t i = 0; i < n; i++) {
        check_decoded(kv[i].key);
        if (lines)
            check_value_lines(kv[i].value);
        else
            check_decoded(kv[i].value);
    }
}

static bool
same_pairs(const struct eg_kv *a, size_t na, const struct eg_kv *b, size_t nb)
{
    if (na != nb)
        return false;
    for (size_t i = 0; i < na; i++)
        if (strcmp(a[i].key, b[i].key) != 0 || strcmp(a[i].value, b[i].value) != 0)
            return false;
    return true;
}

/* Non-empty pieces between '&': what eg_form_parse must return one pair for. */
static size_t
count_pieces(const char *s, size_t n)
{
    size_t pieces = 0, len = 0;
    for (size_t i = 0; i <= n; i++) {
        if (i == n || s[i] == '&') {
            pieces += len > 0;
            len = 0;
        } else {
            len++;
        }
    }
    return pieces;
}

static void
fuzz_target(struct eg_arena *a, const char *t, size_t n)
{
    struct eg_url u;
    struct eg_buf msg = EG_BUF_INIT(512);
    enum eg_err rc = eg_url_parse(a, t, n, &u, &msg);
    check_msg(rc, &msg);
    eg_buf_release(&msg);
    if (rc != EG_OK)
        return;

    FUZZ_CHECK(n > 0 && t[0] == '/');
    FUZZ_CHECK(u.nsegs <= EG_URL_MAX_SEGS);
    const char *q = memchr(t, '?', n);
    size_t pn = q ? (size_t)(q - t) : n;
    bool trailing = pn > 1 && t[pn - 1] == '/';

    struct eg_buf path = EG_BUF_INIT(SIZE_MAX);
    for (size_t i = 0; i < u.nsegs; i++) {
        const char *s = u.segs[i];
        check_decoded(s);
        FUZZ_CHECK(strcmp(s, ".") != 0 && strcmp(s, "..") != 0);
        FUZZ_CHECK(strchr(s, '/') == NULL);
        FUZZ_CHECK(eg_buf_addc(&path, '/') == EG_OK && eg_buf_adds(&path, s) == EG_OK);
    }
    if (trailing || path.len == 0)
        FUZZ_CHECK(eg_buf_addc(&path, '/') == EG_OK);
    FUZZ_CHECK(u.path != NULL && strcmp(u.path, eg_buf_str(&path)) == 0);
    eg_buf_release(&path);
    check_pairs(u.query, u.nquery, false);
    FUZZ_CHECK(u.nquery == (q ? count_pieces(q + 1, n - pn - 1) : 0));

    /* Encode what was decoded and parse it again: the same segments and pairs. */
    struct eg_buf again = EG_BUF_INIT(SIZE_MAX);
    for (size_t i = 0; i < u.nsegs; i++) {
        FUZZ_CHECK(eg_buf_addc(&again, '/') == EG_OK);
        encode(&again, u.segs[i]);
    }
    if (trailing || again.len == 0)
        FUZZ_CHECK(eg_buf_addc(&again, '/') == EG_OK);
    if (u.nquery > 0) {
        FUZZ_CHECK(eg_buf_addc(&again, '?') == EG_OK);
        encode_pairs(&again, u.query, u.nquery);
    }
    struct eg_url v;
    rc = eg_url_parse(a, again.p, again.len, &v, NULL);
    FUZZ_CHECK(rc == EG_OK);
    FUZZ_CHECK(v.nsegs == u.nsegs);
    for (size_t i = 0; i < u.nsegs; i++)
        FUZZ_CHECK(strcmp(u.segs[i], v.segs[i]) == 0);
    FUZZ_CHECK(strcmp(u.path, v.path) == 0);
    FUZZ_CHECK(same_pairs(u.query, u.nquery, v.query, v.nquery));
    eg_buf_release(&again);
}

static void
fuzz_form(struct eg_arena *a, const char *s, size_t n)
{
    struct eg_kv *kv;
    size_t count;
    struct eg_buf msg = EG_BUF_INIT(512);
    enum eg_err rc = eg_form_parse(a, s, n, &kv, &count, EG_URL_MAX_QUERY, &msg);
    check_msg(rc, &msg);
    eg_buf_release(&msg);
    if (rc != EG_OK)
        return;
    check_pairs(kv, count, true);
    FUZZ_CHECK(count == count_pieces(s, n));

    struct eg_buf again = EG_BUF_INIT(SIZE_MAX);
    encode_pairs(&again, kv, count);
    struct eg_kv *kv2;
    size_t count2;
    rc = eg_form_parse(a, eg_buf_str(&again), again.len, &kv2, &count2, EG_URL_MAX_QUERY, NULL);
    FUZZ_CHECK(rc == EG_OK);
    FUZZ_CHECK(same_pairs(kv, count, kv2, count2));
    eg_buf_release(&again);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct eg_arena *a = eg_arena_new(ARENA_CHUNK, ARENA_MAX);
    FUZZ_CHECK(a != NULL);
    /* The parsers take a length; data is not NUL-terminated, so ASan sees overreads. */
    fuzz_target(a, (const char *)data, size);
    eg_arena_clear(a);
    fuzz_form(a, (const char *)data, size);
    eg_arena_free(a);
    return 0;
}
