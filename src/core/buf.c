/* buf.c - bounded growable buffers and slices. */
#include "core.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct eg_str
eg_str_c(const char *s)
{
    struct eg_str r = {s, s ? strlen(s) : 0};
    return r;
}

bool
eg_str_eq(struct eg_str a, struct eg_str b)
{
    return a.n == b.n && (a.n == 0 || memcmp(a.p, b.p, a.n) == 0);
}

bool
eg_str_eqc(struct eg_str a, const char *c)
{
    return eg_str_eq(a, eg_str_c(c));
}

void
eg_buf_init(struct eg_buf *b, size_t max)
{
    b->p = NULL;
    b->len = 0;
    b->cap = 0;
    b->max = max;
}

void
eg_buf_release(struct eg_buf *b)
{
    free(b->p);
    b->p = NULL;
    b->len = 0;
    b->cap = 0;
}

void
eg_buf_reset(struct eg_buf *b)
{
    b->len = 0;
    if (b->p)
        b->p[0] = '\0';
}

/* Makes room for n more bytes plus the terminating NUL. */
enum eg_err
eg_buf_grow(struct eg_buf *b, size_t n)
{
    /* len + n + 1 must fit both max + 1 and size_t. */
    if (n > b->max || b->len > b->max - n || b->len + n == SIZE_MAX)
        return EG_ETOOBIG;
    size_t need = b->len + n + 1;
    if (need <= b->cap)
        return EG_OK;
    size_t limit = b->max == SIZE_MAX ? SIZE_MAX : b->max + 1;
    size_t cap = b->cap ? b->cap : 64;
    while (cap < need)
        cap = cap > SIZE_MAX / 2 ? need : cap * 2;
    if (cap > limit)
        cap = limit;
    char *p = realloc(b->p, cap);
    if (!p)
        return EG_ENOMEM;
    b->p = p;
    b->cap = cap;
    return EG_OK;
}

enum eg_err
eg_buf_add(struct eg_buf *b, const void *p, size_t n)
{
    enum eg_err rc = eg_buf_grow(b, n);
    if (rc != EG_OK)
        return rc;
    if (n)
        memcpy(b->p + b->len, p, n);
    b->len += n;
    b->p[b->len] = '\0';
    return EG_OK;
}

enum eg_err
eg_buf_adds(struct eg_buf *b, const char *s)
{
    return eg_buf_add(b, s, strlen(s));
}

enum eg_err
eg_buf_addc(struct eg_buf *b, char c)
{
    return eg_buf_add(b, &c, 1);
}

enum eg_err
eg_buf_vprintf(struct eg_buf *b, const char *fmt, va_list ap)
{
    va_list cp;
    va_copy(cp, ap);
    char small[256];
    int n = vsnprintf(small, sizeof(small), fmt, cp);
    va_end(cp);
    if (n < 0)
        return EG_EINVAL;
    if ((size_t)n < sizeof(small))
        return eg_buf_add(b, small, (size_t)n);
    enum eg_err rc = eg_buf_grow(b, (size_t)n);
    if (rc != EG_OK)
        return rc;
    vsnprintf(b->p + b->len, (size_t)n + 1, fmt, ap);
    b->len += (size_t)n;
    return EG_OK;
}

enum eg_err
eg_buf_printf(struct eg_buf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    enum eg_err rc = eg_buf_vprintf(b, fmt, ap);
    va_end(ap);
    return rc;
}

const char *
eg_buf_str(const struct eg_buf *b)
{
    return b->p ? b->p : "";
}

char *
eg_buf_take(struct eg_buf *b)
{
    if (b->len == 0) {
        eg_buf_release(b);
        return NULL;
    }
    char *p = b->p;
    b->p = NULL;
    b->len = 0;
    b->cap = 0;
    return p;
}
