/*
 * week.c - the province's working week and hours as text ("12345",
 * "07:00-11:30,13:30-17:00"), and the small vocabularies of calendar.h.
 */
#include "calendar_int.h"

#include <stdio.h>
#include <string.h>

enum eg_err
eg_cal_say(struct eg_buf *msg, enum eg_err rc, const char *fmt, ...)
{
    if (msg) {
        va_list ap;
        va_start(ap, fmt);
        eg_buf_reset(msg);
        if (eg_buf_vprintf(msg, fmt, ap) != EG_OK)
            eg_buf_reset(msg);
        va_end(ap);
    }
    return rc;
}

const char *
eg_calendar_kind_str(enum eg_calendar_kind k)
{
    return k == EG_CALENDAR_WORKING_DAY ? "working_day" : "day_off";
}

enum eg_err
eg_calendar_kind_parse(const char *s, enum eg_calendar_kind *out)
{
    if (s && strcmp(s, "day_off") == 0) {
        *out = EG_CALENDAR_DAY_OFF;
        return EG_OK;
    }
    if (s && strcmp(s, "working_day") == 0) {
        *out = EG_CALENDAR_WORKING_DAY;
        return EG_OK;
    }
    return EG_EINVAL;
}

const char *
eg_calendar_reason_str(enum eg_calendar_reason r)
{
    switch (r) {
    case EG_CALENDAR_HOLIDAY:
        return "holiday";
    case EG_CALENDAR_COMPENSATORY:
        return "compensatory";
    case EG_CALENDAR_ENTERED:
        return "entered";
    }
    return "?";
}

void
eg_calendar_week_default(struct eg_calendar_week *w)
{
    memset(w, 0, sizeof(*w));
    for (int d = 1; d <= 5; d++)
        w->working[d] = true;
    w->nperiods = 2;
    w->periods[0] = (struct eg_calendar_period){7 * 60, 11 * 60 + 30};
    w->periods[1] = (struct eg_calendar_period){13 * 60 + 30, 17 * 60};
}

enum eg_err
eg_calendar_week_check(const struct eg_calendar_week *w, struct eg_buf *msg)
{
    int days = 0;
    for (int d = 1; d <= 7; d++)
        days += w->working[d];
    if (days == 0)
        return eg_cal_say(msg, EG_EINVAL, "tuần làm việc phải có ít nhất một ngày làm việc");
    if (w->nperiods < 1 || w->nperiods > EG_CALENDAR_MAX_PERIODS)
        return eg_cal_say(msg, EG_EINVAL, "giờ làm việc phải có từ 1 đến %d khoảng",
                          EG_CALENDAR_MAX_PERIODS);
    int prev_end = 0;
    for (int i = 0; i < w->nperiods; i++) {
        const struct eg_calendar_period *p = &w->periods[i];
        if (p->start < prev_end || p->end <= p->start || p->end > 24 * 60)
            return eg_cal_say(msg, EG_EINVAL,
                              "giờ làm việc: các khoảng phải theo thứ tự, không chồng nhau, "
                              "trong 00:00-24:00");
        prev_end = p->end;
    }
    return EG_OK;
}

/* "HH:MM" at s (5 bytes), 00:00-24:00, into minutes; -1 if not. */
static int
parse_hhmm(const char *s)
{
    if (s[2] != ':')
        return -1;
    int h = 0, m = 0;
    for (int i = 0; i < 5; i++) {
        if (i == 2)
            continue;
        if (s[i] < '0' || s[i] > '9')
            return -1;
    }
    h = (s[0] - '0') * 10 + (s[1] - '0');
    m = (s[3] - '0') * 10 + (s[4] - '0');
    if (m > 59 || h > 24 || (h == 24 && m != 0))
        return -1;
    return h * 60 + m;
}

enum eg_err
eg_calendar_week_parse(const char *days, const char *hours, struct eg_calendar_week *out,
                       struct eg_buf *msg)
{
    struct eg_calendar_week w;
    memset(&w, 0, sizeof(w));
    if (!days || !*days || strlen(days) > 7)
        return eg_cal_say(msg, EG_EINVAL,
                          "ngày làm việc: các chữ số thứ trong tuần 1 (thứ Hai) đến 7 (Chủ nhật), "
                          "ví dụ 12345");
    for (const char *p = days; *p; p++) {
        if (*p < '1' || *p > '7' || w.working[*p - '0'])
            return eg_cal_say(msg, EG_EINVAL,
                              "ngày làm việc: các chữ số 1 (thứ Hai) đến 7 (Chủ nhật), "
                              "mỗi số một lần, ví dụ 12345");
        w.working[*p - '0'] = true;
    }
    /* "HH:MM-HH:MM" periods separated by commas. */
    size_t n = hours ? strlen(hours) : 0;
    if (n == 0 || (n + 1) % 12 != 0 || (n + 1) / 12 > EG_CALENDAR_MAX_PERIODS)
        return eg_cal_say(msg, EG_EINVAL,
                          "giờ làm việc: từ 1 đến %d khoảng HH:MM-HH:MM cách nhau bởi dấu phẩy, "
                          "ví dụ 07:00-11:30,13:30-17:00",
                          EG_CALENDAR_MAX_PERIODS);
    for (size_t at = 0; at < n; at += 12) {
        const char *p = hours + at;
        int start = parse_hhmm(p);
        int end = p[5] == '-' ? parse_hhmm(p + 6) : -1;
        if (start < 0 || end < 0 || (at + 11 < n && p[11] != ','))
            return eg_cal_say(msg, EG_EINVAL,
                              "giờ làm việc: từ 1 đến %d khoảng HH:MM-HH:MM cách nhau bởi dấu "
                              "phẩy, ví dụ 07:00-11:30,13:30-17:00",
                              EG_CALENDAR_MAX_PERIODS);
        w.periods[w.nperiods++] = (struct eg_calendar_period){start, end};
    }
    enum eg_err rc = eg_calendar_week_check(&w, msg);
    if (rc == EG_OK)
        *out = w;
    return rc;
}

enum eg_err
eg_calendar_week_format(const struct eg_calendar_week *w, struct eg_buf *days, struct eg_buf *hours)
{
    enum eg_err rc = EG_OK;
    for (int d = 1; d <= 7 && rc == EG_OK; d++)
        if (w->working[d])
            rc = eg_buf_addc(days, (char)('0' + d));
    for (int i = 0; i < w->nperiods && rc == EG_OK; i++) {
        const struct eg_calendar_period *p = &w->periods[i];
        rc = eg_buf_printf(hours, "%s%02d:%02d-%02d:%02d", i ? "," : "", p->start / 60,
                           p->start % 60, p->end / 60, p->end % 60);
    }
    return rc;
}
