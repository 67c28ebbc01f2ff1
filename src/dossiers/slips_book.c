/*
 * slips_book.c - 07 Sổ theo dõi hồ sơ: the tracking book of a unit for a
 * period, one row per dossier, on landscape A4 pages (Circular 01/2018 and
 * 03/2025 of the Government Office, Appendix I).
 *
 * Items are those of eg_dossier_list() plus "finished" and "returned". As
 * for the slips (slips.c, whose readers of JSON it uses), a missing member
 * is a dotted blank and a member of the wrong type is EG_EINVAL naming it.
 */
#include <stdio.h>
#include <string.h>

#include "slips_int.h"

#define CELL 8.5       /* a register's small print: about Times New Roman 10 pt */
#define MAX_PAGES 5000 /* 2,000 rows take about 130 pages */
#define BLANK "........"

struct book {
    struct rd r;    /* "sổ theo dõi", of any year */
    char where[48]; /* "items[12]" */
};

/* "27/11/2026\n10:30", "27/11/2026", or a blank. */
static const char *
fmt(char *out, size_t n, struct when w)
{
    if (!w.set)
        snprintf(out, n, BLANK);
    else if (w.has_time)
        snprintf(out, n, "%02d/%02d/%04d\n%02d:%02d", w.d, w.mo, w.y, w.h, w.mi);
    else
        snprintf(out, n, "%02d/%02d/%04d", w.d, w.mo, w.y);
    return out;
}

static int
day_cmp(struct when a, struct when b)
{
    long x = (long)a.y * 10000 + (long)a.mo * 100 + a.d;
    long y = (long)b.y * 10000 + (long)b.mo * 100 + b.d;
    return x < y ? -1 : x > y;
}

/* The remark: the state, and when finished whether before, on or after the due date. */
static enum eg_err
remark(struct book *b, const json_t *it, struct when finished, struct when due, struct eg_buf *out)
{
    eg_buf_reset(out);
    const char *state = slips_rd_str(&b->r, it, b->where, "status_title");
    bool over = false;
    (void)slips_rd_bool(&b->r, it, b->where, "overdue", &over);
    const char *timing = NULL;
    if (finished.set && due.set) {
        int c = day_cmp(finished, due);
        timing = c < 0 ? "Trước hạn" : c == 0 ? "Đúng hạn" : "Quá hạn";
    } else if (over) {
        timing = "Quá hạn";
    }
    enum eg_err rc = eg_buf_adds(out, state != NULL ? state : "");
    if (rc == EG_OK && timing != NULL)
        rc = eg_buf_printf(out, "%s%s", out->len > 0 ? "; " : "", timing);
    return rc;
}

static enum eg_err
row(struct eg_pdf *pdf, struct book *b, size_t i, const json_t *it, struct eg_buf *proc,
    struct eg_buf *note)
{
    snprintf(b->where, sizeof(b->where), "items[%zu]", i);
    if (!json_is_object(it)) {
        slips_rd_fail(&b->r, "", b->where, "một đối tượng");
        return EG_EINVAL;
    }
    const json_t *p = slips_rd_obj(&b->r, it, b->where, "procedure");
    const char *pname = slips_rd_str(&b->r, p, b->where, "name");
    const char *pcode = slips_rd_str(&b->r, p, b->where, "code");
    eg_buf_reset(proc);
    enum eg_err rc =
        eg_buf_printf(proc, "%s%s%s%s", pname != NULL ? pname : BLANK, pcode != NULL ? " (" : "",
                      pcode != NULL ? pcode : "", pcode != NULL ? ")" : "");
    struct when received = slips_rd_when(&b->r, it, b->where, "received");
    struct when due = slips_rd_when(&b->r, it, b->where, "due_at");
    if (!due.set)
        due = slips_rd_when(&b->r, it, b->where, "due");
    struct when finished = slips_rd_when(&b->r, it, b->where, "finished");
    struct when returned = slips_rd_when(&b->r, it, b->where, "returned");
    if (rc == EG_OK)
        rc = remark(b, it, finished, due, note);
    if (b->r.err != EG_OK)
        return b->r.err;
    const char *code = slips_rd_str(&b->r, it, b->where, "code");
    const char *who = slips_rd_str(&b->r, it, b->where, "applicant_name");
    char no[24], r[48], d[48], f[48], t[48];
    snprintf(no, sizeof(no), "%zu", i + 1);
    const char *cells[] = {no,
                           code != NULL ? code : BLANK,
                           who != NULL ? who : BLANK,
                           eg_buf_str(proc),
                           fmt(r, sizeof(r), received),
                           fmt(d, sizeof(d), due),
                           fmt(f, sizeof(f), finished),
                           fmt(t, sizeof(t), returned),
                           eg_buf_str(note)};
    if (rc == EG_OK)
        rc = eg_pdf_table_row(pdf, cells, EG_ARRAY_LEN(cells));
    return rc;
}

static enum eg_err
head(struct eg_pdf *pdf, const char *unit_name, const char *period)
{
    struct eg_pdf_cell left[] = {
        {unit_name != NULL && *unit_name != '\0' ? unit_name : "Cơ quan ................",
         EG_PDF_BOLD | EG_PDF_UPPER | EG_PDF_RULE, HEAD}};
    struct eg_pdf_cell right[] = {
        {"CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", EG_PDF_BOLD, HEAD},
        {"Độc lập - Tự do - Hạnh phúc", EG_PDF_BOLD | EG_PDF_UNDERLINE, BODY},
    };
    enum eg_err rc = eg_pdf_columns(pdf, 110, left, 1, right, EG_ARRAY_LEN(right));
    struct eg_pdf_style big = {.size = BODY + 4, .flags = EG_PDF_BOLD, .align = EG_PDF_CENTER};
    struct eg_pdf_style sub = {.flags = EG_PDF_ITALIC, .align = EG_PDF_CENTER};
    if (rc == EG_OK)
        rc = eg_pdf_space(pdf, 14);
    if (rc == EG_OK)
        rc = eg_pdf_text(pdf, &big, "SỔ THEO DÕI HỒ SƠ");
    if (rc == EG_OK && period != NULL && *period != '\0') {
        struct eg_buf line = EG_BUF_INIT(EG_PDF_TEXT_MAX);
        rc = eg_buf_printf(&line, "Kỳ: %s", period);
        if (rc == EG_OK)
            rc = eg_pdf_text(pdf, &sub, eg_buf_str(&line));
        eg_buf_release(&line);
    }
    if (rc == EG_OK)
        rc = eg_pdf_space(pdf, 8);
    return rc;
}

/* The table, one row per item, and the count under it. */
static enum eg_err
rows(struct eg_pdf *pdf, struct book *b, const json_t *items)
{
    static const struct eg_pdf_column cols[] = {
        {"STT", 11, EG_PDF_CENTER},
        {"Mã hồ sơ", 46, EG_PDF_LEFT},
        {"Người nộp hồ sơ", 32, EG_PDF_LEFT},
        {"Thủ tục hành chính", 0, EG_PDF_LEFT},
        {"Ngày nhận hồ sơ", 21, EG_PDF_CENTER},
        {"Ngày hẹn trả kết quả", 21, EG_PDF_CENTER},
        {"Ngày giải quyết xong", 21, EG_PDF_CENTER},
        {"Ngày trả kết quả", 21, EG_PDF_CENTER},
        {"Ghi chú", 26, EG_PDF_LEFT},
    };
    struct eg_pdf_table t = {cols, EG_ARRAY_LEN(cols), CELL, CELL, true};
    struct eg_buf proc = EG_BUF_INIT(EG_PDF_TEXT_MAX);
    struct eg_buf note = EG_BUF_INIT(EG_PDF_TEXT_MAX);
    enum eg_err rc = eg_pdf_table_begin(pdf, &t);
    size_t i;
    const json_t *it;
    json_array_foreach(items, i, it)
    {
        if (rc != EG_OK)
            break;
        rc = row(pdf, b, i, it, &proc, &note);
    }
    if (rc == EG_OK)
        rc = eg_pdf_table_end(pdf);
    if (rc == EG_OK) {
        struct eg_pdf_style st = {.flags = EG_PDF_ITALIC};
        rc = eg_pdf_space(pdf, 6);
        eg_buf_reset(&proc);
        if (rc == EG_OK)
            rc = eg_buf_printf(&proc, "Tổng số: %zu hồ sơ.", json_array_size(items));
        if (rc == EG_OK)
            rc = eg_pdf_text(pdf, &st, eg_buf_str(&proc));
    }
    eg_buf_release(&proc);
    eg_buf_release(&note);
    return rc;
}

enum eg_err
eg_slip_book_pdf(const json_t *items, const char *unit_name, const char *period, struct eg_buf *out,
                 struct eg_buf *msg)
{
    if (!json_is_array(items))
        return slips_fail(msg, EG_EINVAL,
                          "Dữ liệu sổ theo dõi không hợp lệ: items phải là một mảng.");
    struct book b = {.r = {EG_OK, msg, "sổ theo dõi", 0}};
    struct eg_buf title = EG_BUF_INIT(4096);
    struct eg_buf footer = EG_BUF_INIT(4096);
    struct eg_buf scratch = EG_BUF_INIT(1024);
    struct eg_pdf *pdf = NULL;
    const char *unit = unit_name != NULL && *unit_name != '\0' ? unit_name : NULL;
    enum eg_err rc = eg_buf_printf(&title, "Sổ theo dõi hồ sơ%s%s", unit != NULL ? " - " : "",
                                   unit != NULL ? unit : "");
    if (rc == EG_OK)
        rc = eg_buf_printf(&footer, "Mẫu số 07. Sổ theo dõi hồ sơ%s%s%s%s. In từ hệ thống egov.",
                           unit != NULL ? " - " : "", unit != NULL ? unit : "",
                           period != NULL && *period != '\0' ? ", kỳ " : "",
                           period != NULL ? period : "");
    if (rc != EG_OK) {
        rc = slips_fail(msg, rc, "Tên đơn vị hoặc kỳ quá dài.");
        goto out;
    }
    struct eg_pdf_opts o = {
        .title = eg_buf_str(&title),
        .author = unit != NULL ? unit : "egov",
        .body_size = BODY,
        .page_numbers = true,
        .footer = eg_buf_str(&footer),
        .landscape = true,
        .max_pages = MAX_PAGES,
    };
    rc = eg_pdf_new(&o, &pdf, msg != NULL ? msg : &scratch);
    if (rc != EG_OK)
        goto out;
    rc = head(pdf, unit, period);
    if (rc == EG_OK)
        rc = rows(pdf, &b, items);
    if (b.r.err != EG_OK) {
        rc = b.r.err; /* msg already says which member */
        goto out;
    }
    if (rc == EG_OK)
        rc = eg_pdf_save(pdf, out);
    if (rc != EG_OK) {
        const char *why = eg_pdf_errmsg(pdf);
        rc = slips_fail(msg, rc, "Sổ theo dõi hồ sơ: %s", *why != '\0' ? why : eg_strerror(rc));
    }
out:
    eg_pdf_free(pdf);
    eg_buf_release(&title);
    eg_buf_release(&footer);
    eg_buf_release(&scratch);
    return rc;
}
