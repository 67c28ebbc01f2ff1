/*
 * xlsx.c - the report as an Excel workbook through libxlsxwriter, laid out
 * like the official form: title, period and scope, the two-line header with
 * the merged groups (Tiếp nhận / Đã giải quyết / Đang giải quyết / Kết thúc
 * không giải quyết), the column numbers (1)..(16), one row per group, a total
 * row of SUM formulas and a balance column of formulas (each with its value,
 * so viewers that do not recalculate show the numbers too).
 *
 * libxlsxwriter only writes files: the workbook goes to a fresh mkstemp()
 * file in tmpdir, is read back into the caller's buffer and unlinked on
 * every path; its scratch files go to the same directory and are unlinked
 * by the library as soon as they are opened.
 */
#include "reports_int.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <xlsxwriter.h>

/* Rows (0-based) of the sheet. */
#define ROW_TITLE 0
#define ROW_PERIOD 1
#define ROW_SCOPE 2
#define ROW_ASOF 3
#define ROW_BAND 4
#define ROW_HEAD 5
#define ROW_SUB 6
#define ROW_NUMBERS 7
#define ROW_DATA 8
/* Columns: A STT, B code, C name, then (3)..(16) in D..Q (index = the form's number), R balance. */
#define COL_NO 0
#define COL_CODE 1
#define COL_NAME 2
#define COL_BALANCE (EG_RC_COUNT + 3)

struct sheet {
    lxw_worksheet *ws;
    lxw_error err; /* the first failure */
    lxw_format *title, *sub, *head, *numhead, *text, *num, *bad, *ttext, *tnum;
};

static void
keep(struct sheet *s, lxw_error e)
{
    if (s->err == LXW_NO_ERROR)
        s->err = e;
}

static void
str(struct sheet *s, int row, int col, const char *v, lxw_format *f)
{
    keep(s, worksheet_write_string(s->ws, (lxw_row_t)row, (lxw_col_t)col, v, f));
}

static void
merge(struct sheet *s, int r1, int c1, int r2, int c2, const char *v, lxw_format *f)
{
    keep(s, worksheet_merge_range(s->ws, (lxw_row_t)r1, (lxw_col_t)c1, (lxw_row_t)r2, (lxw_col_t)c2,
                                  v, f));
}

static char
letter(int col)
{
    return (char)('A' + col); /* the sheet has 18 columns */
}

static void
formats(lxw_workbook *wb, struct sheet *s)
{
    s->title = workbook_add_format(wb);
    format_set_bold(s->title);
    format_set_font_size(s->title, 14);
    format_set_align(s->title, LXW_ALIGN_CENTER);
    format_set_align(s->title, LXW_ALIGN_VERTICAL_CENTER);
    s->sub = workbook_add_format(wb);
    format_set_italic(s->sub);
    format_set_align(s->sub, LXW_ALIGN_CENTER);
    s->head = workbook_add_format(wb);
    format_set_bold(s->head);
    format_set_border(s->head, LXW_BORDER_THIN);
    format_set_align(s->head, LXW_ALIGN_CENTER);
    format_set_align(s->head, LXW_ALIGN_VERTICAL_CENTER);
    format_set_text_wrap(s->head);
    format_set_bg_color(s->head, 0xDDEBF7);
    s->numhead = workbook_add_format(wb);
    format_set_italic(s->numhead);
    format_set_border(s->numhead, LXW_BORDER_THIN);
    format_set_align(s->numhead, LXW_ALIGN_CENTER);
    s->text = workbook_add_format(wb);
    format_set_border(s->text, LXW_BORDER_THIN);
    format_set_align(s->text, LXW_ALIGN_VERTICAL_CENTER);
    format_set_text_wrap(s->text);
    s->num = workbook_add_format(wb);
    format_set_border(s->num, LXW_BORDER_THIN);
    format_set_num_format(s->num, "#,##0");
    s->bad = workbook_add_format(wb);
    format_set_border(s->bad, LXW_BORDER_THIN);
    format_set_num_format(s->bad, "#,##0");
    format_set_bold(s->bad);
    format_set_font_color(s->bad, 0xC00000);
    s->ttext = workbook_add_format(wb);
    format_set_bold(s->ttext);
    format_set_border(s->ttext, LXW_BORDER_THIN);
    s->tnum = workbook_add_format(wb);
    format_set_bold(s->tnum);
    format_set_border(s->tnum, LXW_BORDER_THIN);
    format_set_num_format(s->tnum, "#,##0");
}

static void
header(struct sheet *s, const struct eg_report *r)
{
    struct eg_buf b = EG_BUF_INIT(4096);
    merge(s, ROW_TITLE, 0, ROW_TITLE, COL_BALANCE,
          "BÁO CÁO TÌNH HÌNH TIẾP NHẬN, GIẢI QUYẾT "
          "THỦ TỤC HÀNH CHÍNH",
          s->title);
    if (eg_buf_adds(&b, "Kỳ báo cáo: ") != EG_OK || eg_report_period_label(r, &b) != EG_OK)
        keep(s, LXW_ERROR_MEMORY_MALLOC_FAILED);
    merge(s, ROW_PERIOD, 0, ROW_PERIOD, COL_BALANCE, eg_buf_str(&b), s->sub);
    eg_buf_reset(&b);
    if (eg_report_scope_label(r, &b) != EG_OK)
        keep(s, LXW_ERROR_MEMORY_MALLOC_FAILED);
    merge(s, ROW_SCOPE, 0, ROW_SCOPE, COL_BALANCE, eg_buf_str(&b), s->sub);
    char at[32];
    eg_buf_reset(&b);
    enum eg_err rc;
    if (r->asof_ms == r->to_ms) {
        eg_report_date_vn((r->to_ms + EG_REPORT_TZ_MS) / EG_REPORT_DAY_MS - 1, at, sizeof(at));
        rc = eg_buf_printf(&b, "Hồ sơ đang giải quyết tính đến hết ngày %s", at);
    } else {
        eg_time_vn(r->asof_ms, at, sizeof(at));
        rc = eg_buf_printf(&b, "Hồ sơ đang giải quyết tính đến %s", at);
    }
    if (rc != EG_OK)
        keep(s, LXW_ERROR_MEMORY_MALLOC_FAILED);
    merge(s, ROW_ASOF, 0, ROW_ASOF, COL_BALANCE, eg_buf_str(&b), s->sub);
    eg_buf_release(&b);

    merge(s, ROW_BAND, COL_NO, ROW_SUB, COL_NO, "STT", s->head);
    merge(s, ROW_BAND, COL_CODE, ROW_SUB, COL_CODE, "Mã", s->head);
    merge(s, ROW_BAND, COL_NAME, ROW_SUB, COL_NAME, eg_report_group_title(&r->query), s->head);
    for (size_t i = 0; i < EG_ARRAY_LEN(eg_report_bands); i++) {
        const struct eg_report_band *band = &eg_report_bands[i];
        merge(s, ROW_BAND, (int)band->first + 3, ROW_BAND, (int)band->last + 3, band->title,
              s->head);
    }
    /* Under Tiếp nhận: the total, "Trong kỳ" over online and direct, then carried over. */
    merge(s, ROW_HEAD, EG_RC_RECEIVED + 3, ROW_SUB, EG_RC_RECEIVED + 3, "Tổng số", s->head);
    merge(s, ROW_HEAD, EG_RC_ONLINE + 3, ROW_HEAD, EG_RC_DIRECT + 3, "Trong kỳ", s->head);
    str(s, ROW_SUB, EG_RC_ONLINE + 3, eg_report_col_title(EG_RC_ONLINE, "vi"), s->head);
    str(s, ROW_SUB, EG_RC_DIRECT + 3, eg_report_col_title(EG_RC_DIRECT, "vi"), s->head);
    for (int c = EG_RC_CARRIED; c < EG_RC_COUNT; c++) {
        const char *t = c == EG_RC_RESOLVED || c == EG_RC_PENDING
                            ? "Tổng số"
                            : eg_report_col_title((enum eg_report_col)c, "vi");
        merge(s, ROW_HEAD, c + 3, ROW_SUB, c + 3, t, s->head);
    }
    merge(s, ROW_BAND, COL_BALANCE, ROW_SUB, COL_BALANCE,
          "Kiểm tra cân đối (3)−(7)−(11)−(14)−(15)−(16)", s->head);
    /* The numbering row of the form. */
    str(s, ROW_NUMBERS, COL_NO, "(1)", s->numhead);
    str(s, ROW_NUMBERS, COL_CODE, "", s->numhead);
    str(s, ROW_NUMBERS, COL_NAME, "(2)", s->numhead);
    for (int c = 0; c < EG_RC_COUNT; c++) {
        char n[8];
        snprintf(n, sizeof(n), "(%d)", eg_report_col_number((enum eg_report_col)c));
        str(s, ROW_NUMBERS, c + 3, n, s->numhead);
    }
    str(s, ROW_NUMBERS, COL_BALANCE, "(17)", s->numhead);
}

/* The balance formula of the sheet row (0-based) and its value. */
static void
balance(struct sheet *s, int row, const struct eg_report_row *v, lxw_format *f)
{
    char fx[96];
    int n = row + 1;
    snprintf(fx, sizeof(fx), "=%c%d-%c%d-%c%d-%c%d-%c%d-%c%d", letter(EG_RC_RECEIVED + 3), n,
             letter(EG_RC_RESOLVED + 3), n, letter(EG_RC_PENDING + 3), n,
             letter(EG_RC_WITHDRAWN + 3), n, letter(EG_RC_STOPPED + 3), n,
             letter(EG_RC_REFUSED + 3), n);
    int64_t b = eg_report_row_balance(v);
    keep(s,
         worksheet_write_formula_num(s->ws, (lxw_row_t)row, COL_BALANCE, fx,
                                     b != 0 || !eg_report_row_balanced(v) ? s->bad : f, (double)b));
}

static void
body(struct sheet *s, const struct eg_report *r)
{
    for (size_t i = 0; i < r->nrows && s->err == LXW_NO_ERROR; i++) {
        const struct eg_report_row *row = &r->rows[i];
        int y = ROW_DATA + (int)i;
        keep(s, worksheet_write_number(s->ws, (lxw_row_t)y, COL_NO, (double)(i + 1), s->num));
        str(s, y, COL_CODE, row->code, s->text);
        str(s, y, COL_NAME, row->name, s->text);
        for (int c = 0; c < EG_RC_COUNT; c++)
            keep(s, worksheet_write_number(s->ws, (lxw_row_t)y, (lxw_col_t)(c + 3),
                                           (double)row->v[c], s->num));
        balance(s, y, row, s->num);
    }
    int y = ROW_DATA + (int)r->nrows;
    str(s, y, COL_NO, "", s->ttext);
    str(s, y, COL_CODE, "", s->ttext);
    str(s, y, COL_NAME, EG_REPORT_TOTAL, s->ttext);
    for (int c = 0; c < EG_RC_COUNT; c++) {
        double v = (double)r->total.v[c];
        if (r->nrows == 0) {
            keep(s, worksheet_write_number(s->ws, (lxw_row_t)y, (lxw_col_t)(c + 3), v, s->tnum));
            continue;
        }
        char fx[48];
        snprintf(fx, sizeof(fx), "=SUM(%c%d:%c%d)", letter(c + 3), ROW_DATA + 1, letter(c + 3), y);
        keep(s,
             worksheet_write_formula_num(s->ws, (lxw_row_t)y, (lxw_col_t)(c + 3), fx, s->tnum, v));
    }
    balance(s, y, &r->total, s->tnum);
}

static void
layout(struct sheet *s)
{
    keep(s, worksheet_set_column(s->ws, COL_NO, COL_NO, 5, NULL));
    keep(s, worksheet_set_column(s->ws, COL_CODE, COL_CODE, 16, NULL));
    keep(s, worksheet_set_column(s->ws, COL_NAME, COL_NAME, 42, NULL));
    keep(s, worksheet_set_column(s->ws, 3, EG_RC_COUNT + 2, 11, NULL));
    keep(s, worksheet_set_column(s->ws, COL_BALANCE, COL_BALANCE, 14, NULL));
    keep(s, worksheet_set_row(s->ws, ROW_TITLE, 24, NULL));
    keep(s, worksheet_set_row(s->ws, ROW_SUB, 48, NULL));
    worksheet_freeze_panes(s->ws, ROW_DATA, COL_NAME + 1);
    worksheet_set_landscape(s->ws);
    worksheet_set_paper(s->ws, 9); /* A4 */
    worksheet_fit_to_pages(s->ws, 1, 0);
    keep(s, worksheet_repeat_rows(s->ws, ROW_BAND, ROW_NUMBERS));
}

static enum eg_err
read_back(const char *path, struct eg_buf *out)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return EG_EIO;
    size_t mark = out->len;
    enum eg_err rc = EG_OK;
    char chunk[16384];
    for (;;) {
        size_t n = fread(chunk, 1, sizeof(chunk), f);
        if (n > 0)
            rc = eg_buf_add(out, chunk, n);
        if (rc != EG_OK || n < sizeof(chunk))
            break;
    }
    if (rc == EG_OK && ferror(f))
        rc = EG_EIO;
    fclose(f);
    if (rc != EG_OK && out->p) {
        out->len = mark;
        out->p[mark] = '\0';
    }
    return rc;
}

enum eg_err
eg_report_xlsx(const struct eg_report *r, const char *tmpdir, struct eg_buf *out)
{
    if (!tmpdir) {
        tmpdir = getenv("TMPDIR");
        if (!tmpdir || !*tmpdir)
            tmpdir = "/tmp";
    }
    char path[4096];
    int len = snprintf(path, sizeof(path), "%s/egov-report-XXXXXX", tmpdir);
    if (len < 0 || (size_t)len >= sizeof(path))
        return EG_EINVAL;
    int fd = mkstemp(path);
    if (fd < 0) {
        eg_warn("report: cannot create a file in %s: %s", tmpdir, strerror(errno));
        return EG_EIO;
    }
    close(fd);

    enum eg_err rc = EG_OK;
    lxw_workbook_options opts = {
        .constant_memory = LXW_FALSE, .tmpdir = (char *)tmpdir, .use_zip64 = LXW_FALSE};
    lxw_workbook *wb = workbook_new_opt(path, &opts);
    if (!wb) {
        rc = EG_ENOMEM;
        goto out;
    }
    struct sheet s = {0};
    s.ws = workbook_add_worksheet(wb, "Báo cáo");
    if (!s.ws)
        s.err = LXW_ERROR_MEMORY_MALLOC_FAILED;
    lxw_doc_properties props = {0};
    props.title = (char *)EG_REPORT_TITLE;
    props.author = (char *)"egov";
    keep(&s, workbook_set_properties(wb, &props));
    if (s.err == LXW_NO_ERROR) {
        formats(wb, &s);
        layout(&s);
        header(&s, r);
        body(&s, r);
    }
    /* Closing writes the file and frees the workbook, whatever happened before. */
    lxw_error closed = workbook_close(wb);
    if (s.err != LXW_NO_ERROR || closed != LXW_NO_ERROR) {
        lxw_error e = s.err != LXW_NO_ERROR ? s.err : closed;
        eg_warn("report: xlsx: %s", lxw_strerror(e));
        rc = e == LXW_ERROR_MEMORY_MALLOC_FAILED ? EG_ENOMEM : EG_EIO;
        goto out;
    }
    rc = read_back(path, out);
out:
    unlink(path);
    return rc;
}
