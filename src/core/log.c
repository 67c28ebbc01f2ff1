/*
 * log.c - JSON lines to one file descriptor.
 *
 * The level and fd are set once by eg_log_setup() before threads start; after
 * that they are only read. Each line goes out in a single write(2), so lines
 * from different threads never interleave.
 */
#include "core.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Compact, and durations like 1.333 rather than 1.3332659999999999. */

static enum eg_log_level log_min = EG_LOG_INFO;
static int log_fd = 2;

static const char *const level_names[] = {"debug", "info", "warn", "error"};

void
eg_log_setup(enum eg_log_level min, int fd)
{
    log_min = min;
    log_fd = fd;
}

bool
eg_log_enabled(enum eg_log_level l)
{
    return l >= log_min;
}

enum eg_err
eg_log_level_parse(const char *s, enum eg_log_level *out)
{
    for (size_t i = 0; i < EG_ARRAY_LEN(level_names); i++) {
        if (strcmp(s, level_names[i]) == 0) {
            *out = (enum eg_log_level)i;
            return EG_OK;
        }
    }
    return EG_EINVAL;
}

static void
write_all(const char *p, size_t n)
{
    while (n > 0) {
        ssize_t w = write(log_fd, p, n);
        if (w < 0) {
            if (errno == EINTR)
                continue;
            return; /* nowhere left to report it */
        }
        p += w;
        n -= (size_t)w;
    }
}

void
eg_log_line(const char *json, size_t n)
{
    char small[2048];
    if (n < sizeof(small)) {
        memcpy(small, json, n);
        small[n] = '\n';
        write_all(small, n + 1);
        return;
    }
    char *big = malloc(n + 1);
    if (!big)
        return;
    memcpy(big, json, n);
    big[n] = '\n';
    write_all(big, n + 1);
    free(big);
}

void
eg_log(enum eg_log_level l, const char *fmt, ...)
{
    if (l < log_min)
        return;
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    char ts[32];
    eg_time_iso_utc(eg_clock_now_ms(&eg_clock_system), ts, sizeof(ts));
    /* The cut at 1023 bytes may split a character: drop that partial tail. */
    size_t n = strlen(msg);
    if (n == sizeof(msg) - 1) {
        size_t i = n;
        while (i > 0 && ((unsigned char)msg[i - 1] & 0xc0) == 0x80)
            i--;
        if (i > 0 && ((unsigned char)msg[i - 1] & 0xc0) == 0xc0) {
            unsigned char lead = (unsigned char)msg[i - 1];
            size_t want = lead >= 0xf0 ? 4 : lead >= 0xe0 ? 3 : 2;
            if (n - (i - 1) < want)
                n = i - 1;
        }
    }
    /* Client input may be anything: invalid bytes become U+FFFD. */
    struct eg_buf clean = EG_BUF_INIT(4 * sizeof(msg));
    if (eg_utf8_sanitize(msg, n, &clean) != EG_OK)
        eg_buf_reset(&clean);
    struct eg_buf line = EG_BUF_INIT(8 * sizeof(msg));
    enum eg_err rc =
        eg_buf_printf(&line, "{\"ts\":\"%s\",\"level\":\"%s\",\"msg\":", ts, level_names[l]);
    if (rc == EG_OK)
        rc = eg_json_add_string(&line, eg_buf_str(&clean), clean.len);
    if (rc == EG_OK)
        rc = eg_buf_addc(&line, '}');
    if (rc == EG_OK)
        eg_log_line(line.p, line.len);
    eg_buf_release(&line);
    eg_buf_release(&clean);
}
