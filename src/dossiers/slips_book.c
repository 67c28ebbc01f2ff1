/*
 * slips_book.c - 07 Sổ theo dõi hồ sơ: the tracking book of a unit for a
 * period, one row per dossier, on landscape A4 pages (Circular 01/2018 and
 * 03/2025 of the Government Office, Appendix I).
 *
 * Items are those of eg_dossier_list() plus "finished" and "returned". As
 * for the slips (slips.c), a missing member is a dotted blank and a member
 * of the wrong type is EG_EINVAL naming it.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "dossiers/dossiers.h"
#include "pdf/pdf.h"

#define BODY 12.0
#define HEAD 11.0      /* the national name and the unit, as on the slips */
#define CELL 8.5       /* a register's small print: about Times New Roman 10 pt */
#define MAX_PAGES 5000 /* 2,000 rows take about 130 pages */
#define BLANK "........"

struct book {
    enum eg_err err;
    struct eg_buf *msg;
    char where[48]; /* "items[12]" */
};

static void
bad(struct book *b, const char *key, const char *want)
{
    if (b->err != EG_OK)
        return;
    b->err = EG_EINVAL;
    if (b->msg == NULL)
        return;
    eg_buf_reset(b->msg);
    if (eg_buf_printf(b->msg, "Dữ liệu sổ theo dõi không hợp lệ: %s%s%s phải là %s.", b->where,
                      *key != '\0' ? "." : "", key, want) != EG_OK)
        eg_buf_reset(b->msg);
}

/* A string member ("" counts as missing); the wrong type is remembered. */
static const char *
str_of(struct book *b, const json_t *obj, const char *key)
{
    const json_t *v = json_object_get(obj, key);
    if (v == NULL || json_is_null(v))
        return NULL;
    if (!json_is_string(v)) {
        bad(b, key, "một chuỗi");
        return NULL;
    }
    const char *s = json_string_value(v);
    return *s != '\0' ? s : NULL;
}

static const json_t *
obj_of(struct book *b, const json_t *obj, const char *key)
{
    const json_t *v = json_object_get(obj, key);
    if (v == NULL || json_is_null(v))
        return NULL;
    if (!json_is_object(v)) {
        bad(b, key, "một đối tượng");
        return NULL;
    }
    return v;
}

/* "YYYY-MM-DD[THH:MM[:SS]]" into its numbers; false (and the error) when malformed. */
struct day {
    bool set;
    bool has_time;
    int y, mo, d, h, mi;
};

static bool
num(const char *s, int n, int *out)
{
    *out = 0;
    for (int i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return false;
        *out = *out * 10 + (s[i] - '0');
    }
    return true;
}

static struct day
day_of(struct book *b, const json_t *obj, const char *key)
{
    struct day w = {0};
    const char *s = str_of(b, obj, key);
    if (s == NULL)
        return w;
    size_t n = strlen(s);
    int sec;
    bool ok = n >= 10 && num(s, 4, &w.y) && s[4] == '-' && num(s + 5, 2, &w.mo) && s[7] == '-' &&
              num(s + 8, 2, &w.d) && w.mo >= 1 && w.mo <= 12 && w.d >= 1 && w.d <= 31;
    if (ok && n > 10) {
        ok = n >= 16 && (s[10] == 'T' || s[10] == ' ') && num(s + 11, 2, &w.h) && s[13] == ':' &&
             num(s + 14, 2, &w.mi) && w.h <= 23 && w.mi <= 59 &&
             (n == 16 || (n == 19 && s[16] == ':' && num(s + 17, 2, &sec)));
        w.has_time = ok;
    }
    if (!ok) {
        bad(b, key, "ngày YYYY-MM-DD hoặc thời điểm YYYY-MM-DDTHH:MM");
        return (struct day){0};
    }
    w.set = true;
    return w;
}

/* "27/11/2026\n10:30", "27/11/2026", or a blank. */
static const char *
fmt(char *out, size_t n, struct day w)
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
day_cmp(struct day a, struct day b)
{
    long x = (long)a.y * 10000 + a.mo * 100 + a.d;
    long y = (long)b.y * 10000 + b.mo * 100 + b.d;
    return x < y ? -1 : x > y;
}

/* The remark: the state, and when finished whether before, on or after the due date. */
static enum eg_err
remark(struct book *b, const json_t *it, struct day finished, struct day due, struct eg_buf *out)
{
    eg_buf_reset(out);
    const char *state = str_of(b, it, "status_title");
    const json_t *over = json_object_get(it, "overdue");
    if (over != NULL && !json_is_null(over) && !json_is_boolean(over))
        bad(b, "overdue", "true hoặc false");
    const char *timing = NULL;
    if (finished.set && due.set) {
        int c = day_cmp(finished, due);
        timing = c < 0 ? "Trước hạn" : c == 0 ? "Đúng hạn" : "Quá hạn";
    } else if (json_is_true(over)) {
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
        bad(b, "", "một đối tượng");
        return EG_EINVAL;
    }
    const json_t *p = obj_of(b, it, "procedure");
    const char *pname = p != NULL ? str_of(b, p, "name") : NULL;
    const char *pcode = p != NULL ? str_of(b, p, "code") : NULL;
    eg_buf_reset(proc);
    enum eg_err rc =
        eg_buf_printf(proc, "%s%s%s%s", pname != NULL ? pname : BLANK, pcode != NULL ? " (" : "",
                      pcode != NULL ? pcode : "", pcode != NULL ? ")" : "");
    struct day received = day_of(b, it, "received");
    struct day due = day_of(b, it, "due_at");
    if (!due.set)
        due = day_of(b, it, "due");
    struct day finished = day_of(b, it, "finished");
    struct day returned = day_of(b, it, "returned");
    if (rc == EG_OK)
        rc = remark(b, it, finished, due, note);
    if (b->err != EG_OK)
        return b->err;
    const char *code = str_of(b, it, "code");
    const char *who = str_of(b, it, "applicant_name");
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

static enum eg_err say(struct eg_buf *msg, enum eg_err rc, const char *fmt_, ...) EG_PRINTF(3, 4);

static enum eg_err
say(struct eg_buf *msg, enum eg_err rc, const char *fmt_, ...)
{
    if (msg == NULL)
        return rc;
    eg_buf_reset(msg);
    va_list ap;
    va_start(ap, fmt_);
    if (eg_buf_vprintf(msg, fmt_, ap) != EG_OK)
        eg_buf_reset(msg);
    va_end(ap);
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
        return say(msg, EG_EINVAL, "Dữ liệu sổ theo dõi không hợp lệ: items phải là một mảng.");
    struct book b = {EG_OK, msg, ""};
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
        rc = say(msg, rc, "Tên đơn vị hoặc kỳ quá dài.");
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
    if (b.err != EG_OK) {
        rc = b.err; /* msg already says which member */
        goto out;
    }
    if (rc == EG_OK)
        rc = eg_pdf_save(pdf, out);
    if (rc != EG_OK) {
        const char *why = eg_pdf_errmsg(pdf);
        rc = say(msg, rc, "Sổ theo dõi hồ sơ: %s", *why != '\0' ? why : eg_strerror(rc));
    }
out:
    eg_pdf_free(pdf);
    eg_buf_release(&title);
    eg_buf_release(&footer);
    eg_buf_release(&scratch);
    return rc;
}
