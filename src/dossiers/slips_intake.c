/*
 * slips_intake.c - the two slips a dossier has from the moment the desk
 * receives it: 01 receipt and appointment (the components handed in, the
 * date of the result, a QR code to the tracking page) and 06 control slip
 * (every hand-over of the dossier so far, unit to unit). See slips.c.
 */
#include <stdio.h>
#include <string.h>

#include "slips_int.h"

#define TABLE 10.0
#define QR_MM 28.0

/* ---- 01 receipt and appointment --------------------------------------------------------- */

/* How a component was handed in: on paper, as files (their names), or both. */
static enum eg_err
component_form(struct slip *s, const json_t *c, const char *where, struct eg_buf *out, bool *given)
{
    bool paper = false;
    bool has_paper = slips_rd_bool(&s->r, c, where, "paper", &paper);
    const json_t *files = slips_rd_arr(&s->r, c, where, "files");
    eg_buf_reset(out);
    enum eg_err rc = EG_OK;
    if (paper)
        rc = eg_buf_adds(out, "Bản giấy");
    size_t i;
    const json_t *f;
    size_t nfiles = 0;
    json_array_foreach(files, i, f)
    {
        char fw[96];
        snprintf(fw, sizeof(fw), "%s.files[%zu]", where, i);
        if (!json_is_object(f)) {
            slips_rd_fail(&s->r, "", fw, "một đối tượng");
            break;
        }
        const char *name = slips_rd_str(&s->r, f, fw, "filename");
        if (rc == EG_OK)
            rc = eg_buf_printf(out, "%s%s", nfiles == 0 ? (paper ? "; tệp: " : "Tệp: ") : ", ",
                               slips_or_blank(name));
        nfiles++;
    }
    *given = paper || nfiles > 0 || (!has_paper && files == NULL);
    if (rc == EG_OK && out->len == 0)
        rc = eg_buf_adds(out, "..........");
    return rc;
}

static enum eg_err
components_table(struct slip *s, int *count)
{
    static const struct eg_pdf_column cols[] = {
        {"STT", 11, EG_PDF_CENTER},         {"Tên thành phần hồ sơ", 0, EG_PDF_LEFT},
        {"Bản chính", 17, EG_PDF_CENTER},   {"Bản sao", 15, EG_PDF_CENTER},
        {"Hình thức nộp", 38, EG_PDF_LEFT},
    };
    struct eg_pdf_table t = {cols, EG_ARRAY_LEN(cols), TABLE, TABLE, false};
    struct eg_buf form = EG_BUF_INIT(LINE_MAX);
    *count = 0;
    enum eg_err rc = eg_pdf_table_begin(s->pdf, &t);
    size_t i;
    const json_t *c;
    json_array_foreach(s->components, i, c)
    {
        char where[48];
        snprintf(where, sizeof(where), "components[%zu]", i);
        if (!json_is_object(c)) {
            slips_rd_fail(&s->r, "", where, "một đối tượng");
            break;
        }
        bool given = false;
        if (rc == EG_OK)
            rc = component_form(s, c, where, &form, &given);
        if (rc != EG_OK || !given)
            continue;
        long long orig = 0;
        long long copies = 0;
        char no[16], o[24], k[24];
        snprintf(no, sizeof(no), "%d", ++*count);
        if (slips_rd_int(&s->r, c, where, "originals", &orig))
            snprintf(o, sizeof(o), "%lld", orig);
        else
            snprintf(o, sizeof(o), "....");
        if (slips_rd_int(&s->r, c, where, "copies", &copies))
            snprintf(k, sizeof(k), "%lld", copies);
        else
            snprintf(k, sizeof(k), "....");
        const char *row[] = {no, slips_or_blank(slips_rd_str(&s->r, c, where, "name")), o, k,
                             eg_buf_str(&form)};
        rc = eg_pdf_table_row(s->pdf, row, EG_ARRAY_LEN(row));
    }
    if (rc == EG_OK && *count == 0) {
        const char *row[] = {"", "Không có thành phần hồ sơ nào được nộp.", "", "", ""};
        rc = eg_pdf_table_row(s->pdf, row, EG_ARRAY_LEN(row));
    }
    if (rc == EG_OK)
        rc = eg_pdf_table_end(s->pdf);
    eg_buf_release(&form);
    return rc;
}

/* The officer who received the dossier: the actor of the receive (or counter intake) event. */
static const char *
receiver(struct slip *s)
{
    struct event e;
    slips_last_event(s, "receive", &e, NULL);
    if (!e.set)
        slips_last_event(s, "intake", &e, NULL);
    return e.actor;
}

enum eg_err
slips_receipt(struct slip *s)
{
    char a[96], b[96];
    enum eg_err rc = slips_header(s, false, s->received);
    if (rc == EG_OK)
        rc = slips_title(s, "Giấy tiếp nhận hồ sơ và hẹn trả kết quả");
    if (rc == EG_OK && s->track_url != NULL) {
        struct eg_pdf_qr_opts q = {.align = EG_PDF_RIGHT, .caption = s->code, .beside = true};
        rc = eg_pdf_qr(s->pdf, s->track_url, QR_MM, &q);
    }
    if (rc == EG_OK)
        rc = slips_say(s, &slips_body, "Bộ phận tiếp nhận và trả kết quả: %s",
                       slips_or_blank(s->agency));
    if (rc == EG_OK)
        rc = slips_say(s, &slips_body, "Tiếp nhận hồ sơ của: %s", slips_or_blank(s->app_name));
    if (rc == EG_OK && s->app_pid != NULL)
        rc = slips_say(s, &slips_body, "Số định danh cá nhân: %s", s->app_pid);
    if (rc == EG_OK)
        rc = slips_say(s, &slips_body, "Địa chỉ: %s", slips_or_blank(s->app_address));
    if (rc == EG_OK)
        rc = slips_say(s, &slips_body, "Số điện thoại: %s", slips_or_blank(s->app_phone));
    if (rc == EG_OK)
        rc = slips_say(s, &slips_body, "Thư điện tử: %s", slips_or_blank(s->app_email));
    if (rc == EG_OK)
        rc = slips_say(s, &slips_body, "Nội dung yêu cầu giải quyết: %s (mã thủ tục %s).",
                       slips_or_blank(s->proc_name),
                       s->proc_code != NULL ? s->proc_code : "........");
    if (rc == EG_OK)
        rc = slips_say(s, &slips_body, "Hình thức nộp: %s.",
                       s->channel != NULL ? s->channel : "..........");
    if (rc == EG_OK)
        rc = slips_say(s, &slips_body, "1. Thành phần hồ sơ nộp gồm:");
    int n = 0;
    if (rc == EG_OK)
        rc = eg_pdf_space(s->pdf, 3);
    if (rc == EG_OK)
        rc = components_table(s, &n);
    if (rc == EG_OK)
        rc = eg_pdf_space(s->pdf, 4);
    if (rc == EG_OK)
        rc = slips_say(s, &slips_body, "2. Số lượng hồ sơ: 01 bộ, gồm %d thành phần.", n);
    if (rc == EG_OK && s->has_days)
        rc = slips_say(s, &slips_body,
                       "3. Thời gian giải quyết hồ sơ theo quy định: %lld ngày làm việc.",
                       s->working_days);
    else if (rc == EG_OK)
        rc = slips_say(s, &slips_body,
                       "3. Thời gian giải quyết hồ sơ theo quy định: .... ngày làm việc.");
    if (rc == EG_OK)
        rc = slips_say(s, &slips_body, "4. Thời gian nhận hồ sơ: %s.",
                       slips_fmt_long(a, sizeof(a), s->received));
    if (rc == EG_OK)
        rc = slips_say(s, &slips_body, "5. Thời gian trả kết quả giải quyết hồ sơ: %s.",
                       slips_fmt_long(b, sizeof(b), s->due_at.set ? s->due_at : s->due));
    const char *delivery = slips_rd_str(&s->r, s->d, "", "delivery");
    if (rc == EG_OK && delivery != NULL)
        rc = slips_say(s, &slips_body, "6. Đăng ký nhận kết quả tại: %s.", delivery);
    else if (rc == EG_OK)
        rc = slips_say(s, &slips_body,
                       "6. Đăng ký nhận kết quả tại: Bộ phận tiếp nhận và trả kết quả, %s%s%s.",
                       slips_or_blank(s->agency), s->agency_address != NULL ? ", " : "",
                       s->agency_address != NULL ? s->agency_address : "");
    if (rc == EG_OK && s->track_url != NULL) {
        struct eg_pdf_style note = {.size = SMALL, .flags = EG_PDF_ITALIC, .leading = 1.3};
        rc = slips_say(
            s, &note,
            "Tra cứu tình trạng giải quyết hồ sơ: quét mã QR trên phiếu này hoặc truy cập %s "
            "và nhập mã hồ sơ.",
            s->track_url);
    }
    struct signer l = {"Người nộp hồ sơ", "(Ký và ghi rõ họ tên)", s->app_name};
    struct signer r = {"Người tiếp nhận hồ sơ", "(Ký và ghi rõ họ tên)", receiver(s)};
    if (rc == EG_OK)
        rc = slips_signatures(s, &l, &r, false);
    return rc;
}

/* ---- 06 control slip ------------------------------------------------------------------ */

/* The step's name and unit ("Thẩm định hồ sơ - Phòng Tư pháp"), or NULL. */
static const char *
step_text(struct slip *s, long long idx, char *b, size_t n)
{
    if (idx < 0 || (size_t)idx >= json_array_size(s->steps))
        return NULL;
    char where[48];
    snprintf(where, sizeof(where), "steps[%lld]", idx);
    const json_t *st = json_array_get(s->steps, (size_t)idx);
    if (!json_is_object(st)) {
        slips_rd_fail(&s->r, "", where, "một đối tượng");
        return NULL;
    }
    const char *name = slips_rd_str(&s->r, st, where, "name");
    const char *unit = slips_rd_str(&s->r, slips_rd_obj(&s->r, st, where, "unit"), where, "name");
    snprintf(b, n, "%s%s%s", name != NULL ? name : "", name != NULL && unit != NULL ? "\n" : "",
             unit != NULL ? unit : (s->agency != NULL ? s->agency : ""));
    return b;
}

/* Who took the dossier over from timeline[i]. */
static const char *
taker(struct slip *s, size_t i, const struct event *e, char *b, size_t n)
{
    char st[1024];
    const char *step = step_text(s, e->to_step, st, sizeof(st));
    if (step != NULL) {
        /* The person: whoever acted next at that step. */
        const char *who = NULL;
        for (size_t j = i + 1; j < json_array_size(s->timeline) && who == NULL; j++) {
            struct event x;
            slips_read_event(s, j, &x);
            if (x.set && x.step == e->to_step && strcmp(x.action, "overdue") != 0 &&
                strcmp(x.action, "warn") != 0)
                who = x.actor;
        }
        snprintf(b, n, "%s%s%s", who != NULL ? who : "", who != NULL ? "\n" : "", step);
        return b;
    }
    static const char *const to_applicant_states[] = {"supplement", "refused", "returned",
                                                      "stopped"};
    for (size_t k = 0; k < EG_ARRAY_LEN(to_applicant_states); k++)
        if (e->to != NULL && strcmp(e->to, to_applicant_states[k]) == 0) {
            snprintf(b, n, "%s\n(người nộp hồ sơ)", slips_or_blank(s->app_name));
            return b;
        }
    if (strcmp(e->action, "extend") == 0) {
        snprintf(b, n, "%s\n(người nộp hồ sơ)", slips_or_blank(s->app_name));
        return b;
    }
    if (e->to != NULL && (strcmp(e->to, "submitted") == 0 || strcmp(e->to, "result_ready") == 0 ||
                          strcmp(e->to, "withdrawn") == 0)) {
        snprintf(b, n, "Bộ phận tiếp nhận và trả kết quả\n%s", slips_or_blank(s->agency));
        return b;
    }
    return "";
}

static const char *
outcome_title(const char *o)
{
    if (o == NULL)
        return "";
    if (strcmp(o, "early") == 0)
        return "Trước hạn";
    if (strcmp(o, "on_time") == 0)
        return "Đúng hạn";
    if (strcmp(o, "late") == 0)
        return "Quá hạn";
    return o;
}

static enum eg_err
control_rows(struct slip *s)
{
    static const struct eg_pdf_column cols[] = {
        {"STT", 10, EG_PDF_CENTER},
        {"Bên giao", 0, EG_PDF_LEFT},
        {"Bên nhận", 0, EG_PDF_LEFT},
        {"Thời gian giao, nhận", 24, EG_PDF_CENTER},
        {"Kết quả giải quyết", 21, EG_PDF_CENTER},
        {"Ghi chú", 0, EG_PDF_LEFT},
    };
    struct eg_pdf_table t = {cols, EG_ARRAY_LEN(cols), TABLE - 0.5, TABLE - 0.5, false};
    struct eg_buf note = EG_BUF_INIT(LINE_MAX);
    char giver[1024], got[2048], at[48], no[16];
    enum eg_err rc = eg_pdf_table_begin(s->pdf, &t);
    int n = 0;
    for (size_t i = 0; i < json_array_size(s->timeline) && rc == EG_OK; i++) {
        struct event e;
        slips_read_event(s, i, &e);
        /* Drafts and the scanner's marks hand nothing over. */
        if (!e.set || strcmp(e.action, "create") == 0 || strcmp(e.action, "warn") == 0 ||
            strcmp(e.action, "overdue") == 0)
            continue;
        snprintf(giver, sizeof(giver), "%s%s%s", slips_or_blank(e.actor),
                 e.unit != NULL ? "\n" : "", e.unit != NULL ? e.unit : "");
        snprintf(no, sizeof(no), "%d", ++n);
        eg_buf_reset(&note);
        rc = eg_buf_adds(&note, e.title != NULL ? e.title : e.action);
        if (rc == EG_OK && e.note != NULL)
            rc = eg_buf_printf(&note, ": %s", e.note);
        const char *row[] = {no,
                             giver,
                             taker(s, i, &e, got, sizeof(got)),
                             slips_fmt_time(at, sizeof(at), e.at),
                             outcome_title(e.outcome),
                             eg_buf_str(&note)};
        if (rc == EG_OK)
            rc = eg_pdf_table_row(s->pdf, row, EG_ARRAY_LEN(row));
    }
    if (rc == EG_OK)
        rc = eg_pdf_table_end(s->pdf);
    eg_buf_release(&note);
    return rc;
}

/* The units other than the receiving one that the process goes through (liên thông). */
static enum eg_err
partners(struct slip *s, struct eg_buf *out)
{
    eg_buf_reset(out);
    enum eg_err rc = EG_OK;
    size_t i;
    const json_t *st;
    json_array_foreach(s->steps, i, st)
    {
        char where[48];
        snprintf(where, sizeof(where), "steps[%zu]", i);
        if (!json_is_object(st)) {
            slips_rd_fail(&s->r, "", where, "một đối tượng");
            break;
        }
        const json_t *u = slips_rd_obj(&s->r, st, where, "unit");
        const char *code = slips_rd_str(&s->r, u, where, "code");
        const char *name = slips_rd_str(&s->r, u, where, "name");
        if (name == NULL || code == NULL ||
            (s->agency_code != NULL && strcmp(code, s->agency_code) == 0) ||
            strstr(eg_buf_str(out), name) != NULL)
            continue;
        if (rc == EG_OK)
            rc = eg_buf_printf(out, "%s%s", out->len > 0 ? "; " : "", name);
    }
    if (rc == EG_OK && out->len == 0)
        rc = eg_buf_adds(out, "Không");
    return rc;
}

enum eg_err
slips_control(struct slip *s)
{
    char a[64], b[64];
    struct eg_buf other = EG_BUF_INIT(LINE_MAX);
    enum eg_err rc = slips_header(s, false, s->received);
    if (rc == EG_OK)
        rc = slips_title(s, "Phiếu kiểm soát quá trình giải quyết hồ sơ");
    if (rc == EG_OK)
        rc = slips_say(s, &slips_body, "Kèm theo hồ sơ của: %s", slips_or_blank(s->app_name));
    if (rc == EG_OK)
        rc = slips_say(s, &slips_body, "Thủ tục: %s (mã thủ tục %s).", slips_or_blank(s->proc_name),
                       s->proc_code != NULL ? s->proc_code : "........");
    if (rc == EG_OK)
        rc = slips_say(s, &slips_body, "Ngày nhận hồ sơ: %s.",
                       slips_fmt_time(a, sizeof(a), s->received));
    if (rc == EG_OK)
        rc = slips_say(s, &slips_body, "Ngày hẹn trả kết quả: %s.",
                       slips_fmt_time(b, sizeof(b), s->due_at.set ? s->due_at : s->due));
    if (rc == EG_OK)
        rc = slips_say(s, &slips_body, "Cơ quan (bộ phận) giải quyết hồ sơ: %s.",
                       slips_or_blank(s->agency));
    if (rc == EG_OK)
        rc = partners(s, &other);
    if (rc == EG_OK)
        rc =
            slips_say(s, &slips_body, "Cơ quan phối hợp giải quyết hồ sơ: %s.", eg_buf_str(&other));
    if (rc == EG_OK)
        rc = eg_pdf_space(s->pdf, 6);
    if (rc == EG_OK)
        rc = control_rows(s);
    eg_buf_release(&other);
    return rc;
}
