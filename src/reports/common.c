/*
 * common.c - what every export shares: the columns and their headings, the
 * calendar arithmetic of local dates, the period and scope labels, escaping.
 */
#include "reports_int.h"

#include <stdio.h>
#include <string.h>

static const struct {
    const char *key, *vi, *en;
} cols[EG_RC_COUNT] = {
    [EG_RC_RECEIVED] = {"received", "Tổng số hồ sơ tiếp nhận", "Received, total"},
    [EG_RC_ONLINE] = {"online", "Trực tuyến", "Online"},
    [EG_RC_DIRECT] = {"direct", "Trực tiếp, bưu chính, điện thoại, fax",
                      "At the counter, by post, phone or fax"},
    [EG_RC_CARRIED] = {"carried", "Từ kỳ trước chuyển sang", "Carried over"},
    [EG_RC_RESOLVED] = {"resolved", "Tổng số đã giải quyết", "Resolved, total"},
    [EG_RC_EARLY] = {"early", "Trước hạn", "Early"},
    [EG_RC_ON_TIME] = {"on_time", "Đúng hạn", "On time"},
    [EG_RC_LATE] = {"late", "Quá hạn", "Late"},
    [EG_RC_PENDING] = {"pending", "Tổng số đang giải quyết", "In progress, total"},
    [EG_RC_PENDING_ON_TIME] = {"pending_on_time", "Trong hạn", "Within the deadline"},
    [EG_RC_PENDING_LATE] = {"pending_late", "Quá hạn", "Overdue"},
    [EG_RC_WITHDRAWN] = {"withdrawn", "Rút hồ sơ", "Withdrawn"},
    [EG_RC_STOPPED] = {"stopped", "Dừng xử lý", "Stopped"},
    [EG_RC_REFUSED] = {"refused", "Không được tiếp nhận", "Refused"},
};

const struct eg_report_band eg_report_bands[4] = {
    {"Tiếp nhận", EG_RC_RECEIVED, EG_RC_CARRIED},
    {"Đã giải quyết", EG_RC_RESOLVED, EG_RC_LATE},
    {"Đang giải quyết", EG_RC_PENDING, EG_RC_PENDING_LATE},
    {"Kết thúc không giải quyết", EG_RC_WITHDRAWN, EG_RC_REFUSED},
};

int
eg_report_col_number(enum eg_report_col c)
{
    return (unsigned)c < EG_RC_COUNT ? (int)c + 3 : 0;
}

const char *
eg_report_col_key(enum eg_report_col c)
{
    return (unsigned)c < EG_RC_COUNT ? cols[c].key : "unknown";
}

const char *
eg_report_col_title(enum eg_report_col c, const char *lang)
{
    if ((unsigned)c >= EG_RC_COUNT)
        return "?";
    return lang && strcmp(lang, "en") == 0 ? cols[c].en : cols[c].vi;
}

static const char *const groups[EG_REPORT_GROUP_COUNT] = {"agency", "field", "procedure"};

const char *
eg_report_group_str(enum eg_report_group g)
{
    return (unsigned)g < EG_REPORT_GROUP_COUNT ? groups[g] : "unknown";
}

enum eg_err
eg_report_group_parse(const char *s, enum eg_report_group *out)
{
    for (int i = 0; s && i < EG_REPORT_GROUP_COUNT; i++) {
        if (strcmp(s, groups[i]) == 0) {
            *out = (enum eg_report_group)i;
            return EG_OK;
        }
    }
    return EG_EINVAL;
}

const char *
eg_report_group_title(const struct eg_report_query *q)
{
    switch (q->group) {
    case EG_REPORT_BY_FIELD:
        return "Lĩnh vực";
    case EG_REPORT_BY_PROCEDURE:
        return "Thủ tục hành chính";
    default:
        return q->by_desk ? "Bộ phận tiếp nhận" : "Cơ quan giải quyết";
    }
}

/* ---- dates (H. Hinnant's days_from_civil / civil_from_days) ---------------------- */

int64_t
eg_report_days_from_civil(int y, int m, int d)
{
    int64_t yy = (int64_t)y - (m <= 2);
    int64_t era = (yy >= 0 ? yy : yy - 399) / 400;
    int64_t yoe = yy - era * 400;
    int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

void
eg_report_civil_from_days(int64_t z, int *y, int *m, int *d)
{
    z += 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    int64_t doe = z - era * 146097;
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int64_t mp = (5 * doy + 2) / 153;
    int64_t dd = doy - (153 * mp + 2) / 5 + 1;
    int64_t mm = mp < 10 ? mp + 3 : mp - 9;
    *y = (int)(yoe + era * 400 + (mm <= 2));
    *m = (int)mm;
    *d = (int)dd;
}

static int
digits(const char *s, int n)
{
    int v = 0;
    for (int i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return -1;
        v = v * 10 + (s[i] - '0');
    }
    return v;
}

enum eg_err
eg_report_parse_date(const char *s, int64_t *days)
{
    if (!s || strlen(s) != 10 || s[4] != '-' || s[7] != '-')
        return EG_EINVAL;
    int y = digits(s, 4), m = digits(s + 5, 2), d = digits(s + 8, 2);
    if (y < 1970 || m < 1 || m > 12 || d < 1)
        return EG_EINVAL;
    static const int mdays[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    if (d > mdays[m - 1] + (m == 2 && leap))
        return EG_EINVAL;
    *days = eg_report_days_from_civil(y, m, d);
    return EG_OK;
}

void
eg_report_date_vn(int64_t days, char *buf, size_t n)
{
    int y, m, d;
    eg_report_civil_from_days(days, &y, &m, &d);
    snprintf(buf, n, "%02d/%02d/%04d", d, m, y);
}

enum eg_err
eg_report_period_label(const struct eg_report *r, struct eg_buf *out)
{
    char a[16], b[16];
    eg_report_date_vn((r->from_ms + EG_REPORT_TZ_MS) / EG_REPORT_DAY_MS, a, sizeof(a));
    eg_report_date_vn((r->to_ms + EG_REPORT_TZ_MS) / EG_REPORT_DAY_MS - 1, b, sizeof(b));
    return eg_buf_printf(out, "từ ngày %s đến ngày %s", a, b);
}

enum eg_err
eg_report_scope_label(const struct eg_report *r, struct eg_buf *out)
{
    enum eg_err rc =
        eg_buf_printf(out, "Phạm vi: %s%s", r->agency_name ? r->agency_name : "toàn tỉnh",
                      r->agency_name && r->query.by_desk ? " (nơi tiếp nhận)" : "");
    if (rc == EG_OK && r->field_name)
        rc = eg_buf_printf(out, "; lĩnh vực: %s", r->field_name);
    if (rc == EG_OK && r->procedure_name)
        rc = eg_buf_printf(out, "; thủ tục: %s", r->procedure_name);
    if (rc == EG_OK)
        rc = eg_buf_printf(out, "; theo: %s", eg_report_group_title(&r->query));
    if (rc == EG_OK && r->query.group == EG_REPORT_BY_AGENCY && r->query.rollup)
        rc = eg_buf_adds(out, " (gộp đơn vị cấp dưới)");
    return rc;
}

/* ---- text ------------------------------------------------------------------------ */

enum eg_err
eg_report_xml_escape(struct eg_buf *out, const char *s)
{
    enum eg_err rc = EG_OK;
    const char *run = s;
    for (const char *p = s; rc == EG_OK && *p; p++) {
        const char *rep = NULL;
        switch (*p) {
        case '&':
            rep = "&amp;";
            break;
        case '<':
            rep = "&lt;";
            break;
        case '>':
            rep = "&gt;";
            break;
        case '"':
            rep = "&quot;";
            break;
        case '\'':
            rep = "&#39;";
            break;
        default:
            /* Control characters other than tab and newline are not XML at all. */
            if ((unsigned char)*p < 0x20 && *p != '\t' && *p != '\n')
                rep = " ";
            break;
        }
        if (rep) {
            rc = eg_buf_add(out, run, (size_t)(p - run));
            if (rc == EG_OK)
                rc = eg_buf_adds(out, rep);
            run = p + 1;
        }
    }
    if (rc == EG_OK)
        rc = eg_buf_adds(out, run);
    return rc;
}

enum eg_err
eg_report_utf8_cut(struct eg_buf *out, const char *s, size_t max)
{
    size_t i = 0, chars = 0;
    while (s[i] && chars < max) {
        i++;
        while (((unsigned char)s[i] & 0xC0) == 0x80)
            i++;
        chars++;
    }
    enum eg_err rc = eg_buf_add(out, s, i);
    if (rc == EG_OK && s[i])
        rc = eg_buf_adds(out, "…");
    return rc;
}
