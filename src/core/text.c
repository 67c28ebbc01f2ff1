/* text.c - UTF-8 validity, NFC, and the Vietnamese search folding, on utf8proc. */
#include "core.h"

#include <stdlib.h>
#include <string.h>
#include <utf8proc.h>

bool
eg_utf8_valid(const char *s, size_t n)
{
    const utf8proc_uint8_t *p = (const utf8proc_uint8_t *)s;
    size_t i = 0;
    while (i < n) {
        if (p[i] < 0x80) {
            i++;
            continue;
        }
        utf8proc_int32_t cp;
        utf8proc_ssize_t k = utf8proc_iterate(p + i, (utf8proc_ssize_t)(n - i), &cp);
        if (k <= 0 || cp < 0)
            return false;
        i += (size_t)k;
    }
    return true;
}

static enum eg_err
map(const char *s, size_t n, utf8proc_option_t opts, utf8proc_custom_func fn, struct eg_buf *out)
{
    if (!eg_utf8_valid(s, n))
        return EG_EINVAL;
    utf8proc_uint8_t *r = NULL;
    utf8proc_ssize_t k =
        utf8proc_map_custom((const utf8proc_uint8_t *)s, (utf8proc_ssize_t)n, &r, opts, fn, NULL);
    if (k < 0) {
        free(r);
        return k == UTF8PROC_ERROR_NOMEM ? EG_ENOMEM : EG_EINVAL;
    }
    enum eg_err rc = eg_buf_add(out, r, (size_t)k);
    free(r);
    return rc;
}

/*
 * True when s is well-formed UTF-8 made only of code points that are NFC
 * whatever surrounds them: no decomposition to undo, no combining class, and
 * nothing that composes with what comes before (NFC_Quick_Check = Yes,
 * ccc = 0). That is U+0000-U+02FF (ASCII and the Latin blocks, where the
 * Vietnamese letters without a precomposed form in U+1Exx live), U+1E00-U+1EFF
 * (Latin Extended Additional: the rest of Vietnamese) and U+2002-U+20CF
 * (punctuation and currency signs; U+2000 and U+2001 decompose to U+2002 and
 * U+2003). Text in NFC Vietnamese is all of this, so it is copied as it is;
 * anything else (a combining mark, another script) goes to utf8proc.
 */
static bool
nfc_by_itself(const char *s, size_t n)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t i = 0;
    while (i < n) {
        unsigned char c = p[i];
        if (c < 0x80) {
            i++;
        } else if (c >= 0xc2 && c <= 0xcb) { /* U+0080-U+02FF */
            if (i + 1 >= n || (p[i + 1] & 0xc0) != 0x80)
                return false;
            i += 2;
        } else if (c == 0xe1 || c == 0xe2) {
            if (i + 2 >= n || (p[i + 1] & 0xc0) != 0x80 || (p[i + 2] & 0xc0) != 0x80)
                return false;
            unsigned cp = ((unsigned)(c & 0x0f) << 12) | ((unsigned)(p[i + 1] & 0x3f) << 6) |
                          (unsigned)(p[i + 2] & 0x3f);
            if (!((cp >= 0x1e00 && cp <= 0x1eff) || (cp >= 0x2002 && cp <= 0x20cf)))
                return false;
            i += 3;
        } else {
            return false;
        }
    }
    return true;
}

enum eg_err
eg_text_nfc(const char *s, size_t n, struct eg_buf *out)
{
    if (nfc_by_itself(s, n))
        return eg_buf_add(out, s, n);
    return map(s, n, UTF8PROC_STABLE | UTF8PROC_COMPOSE, NULL, out);
}

bool
eg_text_is_nfc(const char *s, size_t n)
{
    if (nfc_by_itself(s, n))
        return true;
    struct eg_buf b = EG_BUF_INIT(n * 3 + 16);
    bool same = eg_text_nfc(s, n, &b) == EG_OK && b.len == n && memcmp(b.p, s, n) == 0;
    eg_buf_release(&b);
    return same;
}

/* đ and Đ have no decomposition in Unicode; fold them by hand (DOMAIN-VN §7). */
static utf8proc_int32_t
map_d(utf8proc_int32_t cp, void *data)
{
    (void)data;
    if (cp == 0x0111 || cp == 0x0110)
        return 'd';
    return cp;
}

static bool
is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

enum eg_err
eg_text_fold(const char *s, size_t n, struct eg_buf *out)
{
    struct eg_buf tmp = EG_BUF_INIT(n * 4 + 16);
    size_t start = out->len;
    enum eg_err rc = map(s, n,
                         UTF8PROC_STABLE | UTF8PROC_DECOMPOSE | UTF8PROC_STRIPMARK |
                             UTF8PROC_CASEFOLD | UTF8PROC_LUMP | UTF8PROC_STRIPCC | UTF8PROC_IGNORE,
                         map_d, &tmp);
    if (rc != EG_OK)
        goto out;
    /* Collapse runs of white space to one space and trim both ends. */
    bool pending = false;
    for (size_t i = 0; i < tmp.len; i++) {
        char c = tmp.p[i];
        if (is_space(c)) {
            pending = true;
            continue;
        }
        if (pending && out->len > start) {
            rc = eg_buf_addc(out, ' ');
            if (rc != EG_OK)
                goto out;
        }
        pending = false;
        rc = eg_buf_addc(out, c);
        if (rc != EG_OK)
            goto out;
    }
out:
    if (rc != EG_OK && out->p) {
        /* All or nothing: a failed fold leaves out as it was. */
        out->len = start;
        out->p[start] = '\0';
    }
    eg_buf_release(&tmp);
    return rc;
}

enum eg_err
eg_utf8_sanitize(const char *s, size_t n, struct eg_buf *out)
{
    const utf8proc_uint8_t *p = (const utf8proc_uint8_t *)s;
    size_t i = 0;
    enum eg_err rc = EG_OK;
    while (i < n && rc == EG_OK) {
        size_t j = i;
        while (j < n && p[j] < 0x80)
            j++;
        if (j > i) {
            rc = eg_buf_add(out, s + i, j - i);
            i = j;
            continue;
        }
        utf8proc_int32_t cp;
        utf8proc_ssize_t k = utf8proc_iterate(p + i, (utf8proc_ssize_t)(n - i), &cp);
        if (k <= 0 || cp < 0) {
            rc = eg_buf_adds(out, "\xef\xbf\xbd"); /* U+FFFD */
            i++;
        } else {
            rc = eg_buf_add(out, s + i, (size_t)k);
            i += (size_t)k;
        }
    }
    return rc;
}
