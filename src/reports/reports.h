/*
 * reports.h - the standard statistics report on administrative procedures
 * (báo cáo tình hình tiếp nhận, giải quyết TTHC, DOMAIN-VN §3.4) and its
 * exports: JSON, CSV, XLSX and server-rendered SVG charts (docs/reports.md).
 *
 * Owns no table. Reads the dossier table of migration 0010 directly (and
 * org_unit, procedure_field, procedure for names) in one read transaction:
 * two GROUP BY queries per report, on the indexes dossier_received and
 * dossier_report_end (migration 0011). It never includes dossiers.h: it
 * shares that component's layer, and the report must not depend on its code.
 *
 * Counting, in one sentence per column group (the full rules are in
 * docs/reports.md): a dossier is in the report when it was received
 * (received_ms set) before the end of the period and had not ended before its
 * start; it ends when its result is ready (finished_ms) or it is closed
 * (closed_ms) without a result (withdrawn, stopped, refused). Every such
 * dossier lands in exactly one of (8) (9) (10) (12) (13) (14) (15) (16), so
 *   (3) = (4) + (5) + (6) = (7) + (11) + (14) + (15) + (16),
 *   (7) = (8) + (9) + (10),   (11) = (12) + (13)
 * hold on any data; eg_report_unbalanced() checks them.
 *
 * Ownership: eg_report_run() gives a struct eg_report the caller frees with
 * eg_report_free(); everything it points to dies with it. The exports append
 * to the caller's buffer and leave nothing behind (XLSX removes its
 * temporary file on every path). Text for people is Vietnamese.
 * Thread safety: stateless; a struct eg_report may be read by several threads.
 */
#ifndef EG_REPORTS_H
#define EG_REPORTS_H

#include "core/core.h"
#include "db/db.h"

/* A period longer than this many days is refused (five years and a day). */
#define EG_REPORT_MAX_DAYS 1827
/* More groups than this is EG_ETOOBIG (narrow the scope or group otherwise). */
#define EG_REPORT_MAX_ROWS 5000
/* Codes in the query (agency, field, procedure) are at most this long. */
#define EG_REPORT_CODE_MAX 64

enum eg_report_group {
    EG_REPORT_BY_AGENCY,    /* the unit (dossier.agency_unit_id, or org_unit_id: by_desk) */
    EG_REPORT_BY_FIELD,     /* the field (lĩnh vực, dossier.field_code) */
    EG_REPORT_BY_PROCEDURE, /* the procedure (dossier.procedure_code) */
    EG_REPORT_GROUP_COUNT
};
const char *eg_report_group_str(enum eg_report_group g); /* "agency", "field", "procedure" */
EG_WUR enum eg_err eg_report_group_parse(const char *s, enum eg_report_group *out);

struct eg_report_query {
    const char *from; /* "YYYY-MM-DD", local date (Asia/Ho_Chi_Minh), inclusive */
    const char *to;   /* "YYYY-MM-DD", local date, inclusive; from <= to */
    enum eg_report_group group;
    /*
     * By agency: one row for the scope's root (its own dossiers only) and one
     * per direct sub-unit of it, each counting that sub-unit's whole subtree.
     * Without it, one row per unit that has dossiers. Ignored by the others.
     */
    bool rollup;
    const char *agency; /* only this unit's subtree (QCVN 102 code); NULL: every unit */
    /*
     * Which unit of a dossier "agency" (grouping and scope) means: the
     * implementing agency that has competence to resolve it
     * (dossier.agency_unit_id, the official report's sense), or with by_desk
     * the one-stop desk that received it (dossier.org_unit_id).
     */
    bool by_desk;
    const char *field;     /* only this field code; NULL: all */
    const char *procedure; /* only this procedure code; NULL: all */
    /*
     * Dossiers still in progress are overdue (13) when their due time is
     * before the end of the period, or before now_ms when that is earlier (a
     * period that has not ended yet). 0: the end of the period.
     */
    int64_t now_ms;
};

/* The columns, numbered as on the official form; (1) and (2) are STT and the name. */
enum eg_report_col {
    EG_RC_RECEIVED, /* (3) received: (4) + (5) + (6) */
    EG_RC_ONLINE,   /* (4) received online in the period */
    EG_RC_DIRECT,   /* (5) received at the counter, by post, phone or fax in the period */
    EG_RC_CARRIED,  /* (6) carried over: received before the period, still open at its start */
    EG_RC_RESOLVED, /* (7) resolved in the period: (8) + (9) + (10) */
    EG_RC_EARLY,    /* (8) result ready on a day before the due date */
    EG_RC_ON_TIME,  /* (9) result ready on the due date, by the due time */
    EG_RC_LATE,     /* (10) result ready after the due time */
    EG_RC_PENDING,  /* (11) in progress at the end of the period: (12) + (13) */
    EG_RC_PENDING_ON_TIME, /* (12) ... not yet past the due time */
    EG_RC_PENDING_LATE,    /* (13) ... past the due time */
    EG_RC_WITHDRAWN,       /* (14) withdrawn by the applicant in the period */
    EG_RC_STOPPED,         /* (15) processing stopped in the period */
    EG_RC_REFUSED,         /* (16) refused after being received, in the period */
    EG_RC_COUNT
};
/* The form's number of the column: 3..16. */
int eg_report_col_number(enum eg_report_col c);
/* A stable key for JSON and code: "received", "online", "direct", "carried", ... */
const char *eg_report_col_key(enum eg_report_col c);
/* The column's heading in "vi" (default) or "en". */
const char *eg_report_col_title(enum eg_report_col c, const char *lang);

struct eg_report_row {
    const char *code; /* the unit's QCVN 102 code, the field or the procedure code */
    const char *name; /* its name; the code when the name is unknown */
    bool subtree;     /* by agency with rollup: the row counts the unit's sub-units too */
    int64_t v[EG_RC_COUNT];
};

/* Received in one calendar month of the period (the first and last may be partial). */
struct eg_report_month {
    int year, month;
    int64_t online, direct; /* (4) and (5) of the dossiers received in that month */
};

/* A finished report. Read-only for callers; eg_report_free() frees it all. */
struct eg_report {
    struct eg_report_query query; /* as asked, its strings owned by the report */
    int64_t from_ms, to_ms;       /* [start of `from`, start of the day after `to`), UTC ms */
    int64_t asof_ms;              /* when (12)/(13) were judged */
    const char *agency_name;      /* the scope unit's name, NULL without agency */
    const char *field_name;       /* NULL without field (the code when unknown) */
    const char *procedure_name;   /* NULL without procedure (the code when unknown) */
    struct eg_report_row *rows;   /* ordered by code */
    size_t nrows;
    struct eg_report_row total; /* code "", name "Tổng cộng": the sum of the rows */
    struct eg_report_month *months;
    size_t nmonths;
    struct eg_arena *arena; /* private */
};

/*
 * Runs the report. EG_EINVAL with a Vietnamese sentence in msg (optional) for
 * a bad date, a period backwards or longer than EG_REPORT_MAX_DAYS, an
 * overlong code, or an agency code that names no unit; EG_ETOOBIG when more
 * than EG_REPORT_MAX_ROWS groups; database errors as db.h maps them.
 */
EG_WUR enum eg_err eg_report_run(struct eg_db *db, const struct eg_report_query *q,
                                 struct eg_report **out, struct eg_buf *msg);
/* NULL-safe. */
void eg_report_free(struct eg_report *r);

/* (3) - (7) - (11) - (14) - (15) - (16): zero for a balanced row. */
int64_t eg_report_row_balance(const struct eg_report_row *row);
/* Whether every equation of the header comment holds for the row. */
bool eg_report_row_balanced(const struct eg_report_row *row);
/*
 * The rows that do not balance, the total last if it does not either (and if
 * it is not the sum of the rows): their count, and the first cap of them in
 * out (out may be NULL when cap is 0). Zero on a correct report.
 */
size_t eg_report_unbalanced(const struct eg_report *r, const struct eg_report_row **out,
                            size_t cap);

/*
 * {"title","period":{"from","to","label"},"group","rollup","by_desk","asof",
 *  "scope":{"agency":{code,name}|null,"field":{code,name}|null,"procedure":{..}|null},
 *  "columns":[{"key","number","title"}],
 *  "rows":[{"code","name","subtree",<key>:n ...,"balance":n}],"total":{...},
 *  "months":[{"month":"YYYY-MM","online","direct","received"}],"balanced":bool}
 * A new reference for the caller.
 */
EG_WUR enum eg_err eg_report_json(const struct eg_report *r, json_t **out);

/*
 * RFC 4180 CSV: UTF-8 with a byte order mark (so Excel reads Vietnamese),
 * CRLF, a header row of Vietnamese column headings, one record per row and a
 * last record "Tổng cộng". Text cells that a spreadsheet would take for a
 * formula (starting with = + - @ or a tab) get a leading apostrophe.
 */
EG_WUR enum eg_err eg_report_csv(const struct eg_report *r, struct eg_buf *out);

/*
 * The report as an XLSX workbook appended to out: one sheet titled with the
 * period and scope, the form's merged group headings, numbers as numbers, a
 * total row of SUM formulas (with their values) and a balance column.
 * libxlsxwriter writes files: the workbook and its scratch files go to tmpdir
 * (NULL: $TMPDIR or /tmp), and are removed whatever happens.
 */
EG_WUR enum eg_err eg_report_xlsx(const struct eg_report *r, const char *tmpdir,
                                  struct eg_buf *out);

/*
 * Charts as standalone <svg> elements (no script, no external reference),
 * appended to out, for inline use in a page or as image/svg+xml. role="img"
 * with <title> and <desc>; every figure is also written as text; the series
 * differ by pattern as well as colour; all text is escaped.
 *
 * Outcomes: one stacked horizontal bar per row (early / on time / late) of
 * the rows with the most resolved dossiers (at most 30, said in the desc).
 */
EG_WUR enum eg_err eg_report_svg_outcomes(const struct eg_report *r, struct eg_buf *out);
/* Received per month of the period: stacked bars, online and the other channels. */
EG_WUR enum eg_err eg_report_svg_months(const struct eg_report *r, struct eg_buf *out);

/*
 * A file name for a download: "bao-cao-tthc-2026-01-01-2026-01-31.<ext>"
 * (ASCII only; ext as given, at most 8 letters).
 */
EG_WUR enum eg_err eg_report_filename(const struct eg_report *r, const char *ext,
                                      struct eg_buf *out);

#endif /* EG_REPORTS_H */
