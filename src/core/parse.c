/* parse.c - small strict parsers for numbers, sizes and durations; random bytes. */
#include "core.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

enum eg_err
eg_parse_i64(const char *s, long long min, long long max, long long *out)
{
    if (!s || !*s)
        return EG_EINVAL;
    const char *p = s;
    if (*p == '-')
        p++;
    if (*p < '0' || *p > '9')
        return EG_EINVAL;
    errno = 0;
    char *end;
    long long v = strtoll(s, &end, 10);
    if (errno != 0 || *end != '\0')
        return EG_EINVAL;
    if (v < min || v > max)
        return EG_EINVAL;
    *out = v;
    return EG_OK;
}

/* Splits "64k" into 64 and "k"; the number part must be plain digits. */
static enum eg_err
number_unit(const char *s, unsigned long long *num, const char **unit)
{
    if (!s || *s < '0' || *s > '9')
        return EG_EINVAL;
    errno = 0;
    char *end;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno != 0)
        return EG_EINVAL;
    *num = v;
    *unit = end;
    return EG_OK;
}

static enum eg_err
scale(unsigned long long v, unsigned long long mul, unsigned long long *out)
{
    if (mul != 0 && v > ULLONG_MAX / mul)
        return EG_EINVAL;
    *out = v * mul;
    return EG_OK;
}

enum eg_err
eg_parse_size(const char *s, size_t *out)
{
    unsigned long long v, mul, r;
    const char *u;
    if (number_unit(s, &v, &u) != EG_OK)
        return EG_EINVAL;
    if (strcmp(u, "") == 0 || strcmp(u, "B") == 0)
        mul = 1;
    else if (strcmp(u, "k") == 0 || strcmp(u, "K") == 0 || strcmp(u, "KiB") == 0)
        mul = 1ULL << 10;
    else if (strcmp(u, "M") == 0 || strcmp(u, "MiB") == 0)
        mul = 1ULL << 20;
    else if (strcmp(u, "G") == 0 || strcmp(u, "GiB") == 0)
        mul = 1ULL << 30;
    else
        return EG_EINVAL;
    if (scale(v, mul, &r) != EG_OK || r > SIZE_MAX)
        return EG_EINVAL;
    *out = (size_t)r;
    return EG_OK;
}

enum eg_err
eg_parse_duration_ms(const char *s, long long *out)
{
    unsigned long long v, mul, r;
    const char *u;
    if (number_unit(s, &v, &u) != EG_OK)
        return EG_EINVAL;
    if (strcmp(u, "ms") == 0)
        mul = 1;
    else if (strcmp(u, "") == 0 || strcmp(u, "s") == 0)
        mul = 1000;
    else if (strcmp(u, "m") == 0)
        mul = 60000;
    else if (strcmp(u, "h") == 0)
        mul = 3600000;
    else
        return EG_EINVAL;
    if (scale(v, mul, &r) != EG_OK || r > (unsigned long long)LLONG_MAX)
        return EG_EINVAL;
    *out = (long long)r;
    return EG_OK;
}

enum eg_err
eg_random(void *p, size_t n)
{
    unsigned char *b = p;
    while (n > 0) {
        ssize_t r = getrandom(b, n, 0);
        if (r < 0) {
            if (errno == EINTR)
                continue;
            return EG_EIO;
        }
        b += r;
        n -= (size_t)r;
    }
    return EG_OK;
}

void
eg_hex(const void *p, size_t n, char *out)
{
    static const char digits[] = "0123456789abcdef";
    const unsigned char *b = p;
    for (size_t i = 0; i < n; i++) {
        out[2 * i] = digits[b[i] >> 4];
        out[2 * i + 1] = digits[b[i] & 15];
    }
    out[2 * n] = '\0';
}
