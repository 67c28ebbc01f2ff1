/* time.c - the clock, and times shown to people. */
#include "core.h"

#include <stdio.h>
#include <time.h>

static int64_t
system_now_ms(void *ctx)
{
    (void)ctx;
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

const struct eg_clock eg_clock_system = {system_now_ms, NULL};

int64_t
eg_clock_now_ms(const struct eg_clock *c)
{
    return c->now_ms(c->ctx);
}

int64_t
eg_mono_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static void
split(int64_t ms, int64_t offset_s, struct tm *tm, int *msec)
{
    int64_t s = ms / 1000;
    int64_t r = ms % 1000;
    if (r < 0) {
        r += 1000;
        s -= 1;
    }
    time_t t = (time_t)(s + offset_s);
    gmtime_r(&t, tm);
    *msec = (int)r;
}

void
eg_time_iso_utc(int64_t ms, char *buf, size_t n)
{
    struct tm tm;
    int msec;
    split(ms, 0, &tm, &msec);
    snprintf(buf, n, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900, tm.tm_mon + 1,
             tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, msec);
}

void
eg_time_vn(int64_t ms, char *buf, size_t n)
{
    /* Asia/Ho_Chi_Minh has been UTC+7 without DST since 1975. */
    struct tm tm;
    int msec;
    split(ms, (int64_t)7 * 3600, &tm, &msec);
    snprintf(buf, n, "%02d/%02d/%04d %02d:%02d", tm.tm_mday, tm.tm_mon + 1, tm.tm_year + 1900,
             tm.tm_hour, tm.tm_min);
}
