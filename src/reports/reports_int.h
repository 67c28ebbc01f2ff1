/*
 * reports_int.h - what the report's files share; included only inside
 * src/reports/ (and by its unit tests, which check the SQL's query plans).
 */
#ifndef EG_REPORTS_INT_H
#define EG_REPORTS_INT_H

#include "reports.h"

/* Asia/Ho_Chi_Minh is UTC+7 all year (no daylight saving). */
#define EG_REPORT_TZ_MS (7LL * 3600 * 1000)
#define EG_REPORT_DAY_MS (86400LL * 1000)

/* Days since 1970-01-01 of a proleptic Gregorian date, and back. */
int64_t eg_report_days_from_civil(int y, int m, int d);
void eg_report_civil_from_days(int64_t days, int *y, int *m, int *d);
/* "YYYY-MM-DD" (a real date, year 1970..9999) to days since the epoch. */
EG_WUR enum eg_err eg_report_parse_date(const char *s, int64_t *days);
/* "DD/MM/YYYY" of a days-since-epoch date into buf (>= 11 bytes). */
void eg_report_date_vn(int64_t days, char *buf, size_t n);
/* "từ ngày 01/01/2026 đến ngày 31/01/2026". */
EG_WUR enum eg_err eg_report_period_label(const struct eg_report *r, struct eg_buf *out);
/* "Phạm vi: ...; Lĩnh vực: ...; Thủ tục: ...; Theo: đơn vị" (what the report covers). */
EG_WUR enum eg_err eg_report_scope_label(const struct eg_report *r, struct eg_buf *out);
/* The heading of the row labels column: "Cơ quan giải quyết", "Lĩnh vực", "Thủ tục hành chính". */
const char *eg_report_group_title(const struct eg_report_query *q);

#define EG_REPORT_TITLE "Báo cáo tình hình tiếp nhận, giải quyết thủ tục hành chính"
#define EG_REPORT_TOTAL "Tổng cộng"

/* The column groups of the form's two-line header. */
struct eg_report_band {
    const char *title;
    enum eg_report_col first, last;
};
extern const struct eg_report_band eg_report_bands[4];

/* Text escaped for XML/HTML content and attribute values (& < > " '), appended to out. */
EG_WUR enum eg_err eg_report_xml_escape(struct eg_buf *out, const char *s);
/* At most max code points of s, whole characters only; "…" appended when cut. */
EG_WUR enum eg_err eg_report_utf8_cut(struct eg_buf *out, const char *s, size_t max);

/* Which query eg_report_sql builds. */
enum eg_report_sql_kind {
    EG_REPORT_SQL_GROUPS, /* the GROUP BY of the rows */
    EG_REPORT_SQL_DAYS,   /* received per local day, for the months */
};
/*
 * The SQL text for the query's shape (grouping, rollup, which filters are
 * set): one of a bounded set of texts, so the statement cache keeps them.
 */
EG_WUR enum eg_err eg_report_sql(const struct eg_report_query *q, enum eg_report_sql_kind kind,
                                 struct eg_buf *sql);

#endif /* EG_REPORTS_INT_H */
