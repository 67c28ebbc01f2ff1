/*
 * csv.c - the report as RFC 4180 CSV for spreadsheets: UTF-8 with a byte
 * order mark (Excel otherwise reads it as the ANSI code page and garbles
 * Vietnamese), CRLF, every text field quoted, numbers bare.
 */
#include "reports_int.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

/*
 * One quoted field. A leading = + - @ or tab would make a spreadsheet run the
 * cell as a formula (CSV injection, a unit named "=HYPERLINK(...)"): such
 * text gets a leading apostrophe, which spreadsheets show as text.
 */
static enum eg_err
field(struct eg_buf *out, const char *s)
{
    enum eg_err rc = eg_buf_addc(out, '"');
    if (rc == EG_OK && strchr("=+-@\t\r", s[0]) && s[0] != '\0')
        rc = eg_buf_addc(out, '\'');
    for (const char *p = s; rc == EG_OK && *p; p++) {
        rc = eg_buf_addc(out, *p);
        if (rc == EG_OK && *p == '"')
            rc = eg_buf_addc(out, '"');
    }
    if (rc == EG_OK)
        rc = eg_buf_addc(out, '"');
    return rc;
}

static enum eg_err
record(struct eg_buf *out, const char *no, const struct eg_report_row *row)
{
    enum eg_err rc = field(out, no);
    if (rc == EG_OK)
        rc = eg_buf_addc(out, ',');
    if (rc == EG_OK)
        rc = field(out, row->code);
    if (rc == EG_OK)
        rc = eg_buf_addc(out, ',');
    if (rc == EG_OK)
        rc = field(out, row->name);
    for (int c = 0; rc == EG_OK && c < EG_RC_COUNT; c++)
        rc = eg_buf_printf(out, ",%" PRId64, row->v[c]);
    if (rc == EG_OK)
        rc = eg_buf_printf(out, ",%" PRId64 "\r\n", eg_report_row_balance(row));
    return rc;
}

enum eg_err
eg_report_csv(const struct eg_report *r, struct eg_buf *out)
{
    size_t mark = out->len;
    struct eg_buf h = EG_BUF_INIT(256);
    enum eg_err rc = eg_buf_adds(out, "\xEF\xBB\xBF");
    if (rc == EG_OK)
        rc = field(out, "STT");
    if (rc == EG_OK)
        rc = eg_buf_addc(out, ',');
    if (rc == EG_OK)
        rc = field(out, "Mã");
    if (rc == EG_OK)
        rc = eg_buf_addc(out, ',');
    if (rc == EG_OK)
        rc = field(out, eg_report_group_title(&r->query));
    for (int c = 0; rc == EG_OK && c < EG_RC_COUNT; c++) {
        eg_buf_reset(&h);
        /* "(8) Đã giải quyết: Trước hạn": the band keeps (10) and (13) apart. */
        const struct eg_report_band *band = NULL;
        for (size_t b = 0; b < EG_ARRAY_LEN(eg_report_bands); b++)
            if ((int)eg_report_bands[b].first < c && c <= (int)eg_report_bands[b].last)
                band = &eg_report_bands[b];
        rc = band ? eg_buf_printf(&h, "(%d) %s: %s", eg_report_col_number((enum eg_report_col)c),
                                  band->title, eg_report_col_title((enum eg_report_col)c, "vi"))
                  : eg_buf_printf(&h, "(%d) %s", eg_report_col_number((enum eg_report_col)c),
                                  eg_report_col_title((enum eg_report_col)c, "vi"));
        if (rc == EG_OK)
            rc = eg_buf_addc(out, ',');
        if (rc == EG_OK)
            rc = field(out, eg_buf_str(&h));
    }
    if (rc == EG_OK)
        rc = eg_buf_addc(out, ',');
    if (rc == EG_OK)
        rc = field(out, "Kiểm tra cân đối (3)-(7)-(11)-(14)-(15)-(16)");
    if (rc == EG_OK)
        rc = eg_buf_adds(out, "\r\n");
    for (size_t i = 0; rc == EG_OK && i < r->nrows; i++) {
        char no[24];
        snprintf(no, sizeof(no), "%zu", i + 1);
        rc = record(out, no, &r->rows[i]);
    }
    if (rc == EG_OK)
        rc = record(out, "", &r->total);
    eg_buf_release(&h);
    if (rc != EG_OK && out->p) {
        /* All or nothing: the caller's buffer is as it was. */
        out->len = mark;
        out->p[mark] = '\0';
    }
    return rc;
}
