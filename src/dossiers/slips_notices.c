/*
 * slips_notices.c - the slips that follow an event of the dossier: 02
 * supplement request, 03 refusal to receive, 04 apology and extension of
 * the processing time, 05 stop notice. See slips.c.
 */
#include <stdio.h>
#include <string.h>

#include "slips_int.h"

/* ---- 02 supplement, 03 refusal -------------------------------------------------------- */

/* "Hồ sơ của / Nội dung / Địa chỉ / ..." as the intake forms list the applicant. */
static enum eg_err
applicant_lines(struct slip *s, const char *lead)
{
    enum eg_err rc = slips_say(s, &slips_body, "%s %s", lead, slips_or_blank(s->app_name));
    if (rc == EG_OK)
        rc = slips_say(s, &slips_body, "Nội dung yêu cầu giải quyết: %s (mã thủ tục %s).",
                       slips_or_blank(s->proc_name),
                       s->proc_code != NULL ? s->proc_code : "........");
    if (rc == EG_OK)
        rc = slips_say(s, &slips_body, "Địa chỉ: %s", slips_or_blank(s->app_address));
    if (rc == EG_OK)
        rc = slips_say(s, &slips_body, "Số điện thoại: %s", slips_or_blank(s->app_phone));
    if (rc == EG_OK)
        rc = slips_say(s, &slips_body, "Thư điện tử: %s", slips_or_blank(s->app_email));
    return rc;
}

/* The reason: the event's note, else the dossier's last reason, else dotted lines to write on. */
static enum eg_err
reason(struct slip *s, const char *label, const struct event *e)
{
    const char *why = e->note != NULL ? e->note : s->reason;
    if (why != NULL)
        return slips_say_p(s, "%s %s", label, why);
    enum eg_err rc = eg_pdf_space(s->pdf, 3);
    if (rc == EG_OK)
        rc = eg_pdf_fill(s->pdf, NULL, label, 2);
    return rc;
}

enum eg_err
slips_supplement(struct slip *s)
{
    struct event e;
    slips_last_event(s, "request_supplement", &e, NULL);
    char a[64];
    enum eg_err rc = slips_header(s, false, e.at);
    if (rc == EG_OK)
        rc = slips_title(s, "Phiếu yêu cầu bổ sung, hoàn thiện hồ sơ");
    if (rc == EG_OK)
        rc = applicant_lines(s, "Hồ sơ của:");
    if (rc == EG_OK)
        rc = slips_say(s, &slips_body, "Ngày tiếp nhận hồ sơ: %s.",
                       slips_fmt_date(a, sizeof(a), s->received));
    if (rc == EG_OK)
        rc = eg_pdf_space(s->pdf, 4);
    if (rc == EG_OK)
        rc = reason(s, "Yêu cầu bổ sung, hoàn thiện hồ sơ gồm những nội dung sau:", &e);
    if (rc == EG_OK)
        rc = slips_say_p(
            s,
            "Thời gian giải quyết hồ sơ tạm dừng từ ngày %s cho đến khi nhận đủ hồ sơ bổ "
            "sung, hoàn thiện.",
            slips_fmt_date(a, sizeof(a), e.at));
    if (rc == EG_OK)
        rc = slips_say_p(
            s,
            "Trong quá trình hoàn thiện hồ sơ nếu có vướng mắc, %s liên hệ với %s, số điện "
            "thoại %s để được hướng dẫn./.",
            slips_honorific(s), slips_or_blank(s->agency),
            s->agency_phone != NULL ? s->agency_phone : "................");
    struct signer r = {"Người hướng dẫn", "(Ký và ghi rõ họ tên)", e.actor};
    if (rc == EG_OK)
        rc = slips_signatures(s, NULL, &r, false);
    return rc;
}

enum eg_err
slips_refusal(struct slip *s)
{
    struct event e;
    slips_last_event(s, "refuse", &e, NULL);
    enum eg_err rc = slips_header(s, false, e.at);
    if (rc == EG_OK)
        rc = slips_title(s, "Phiếu từ chối tiếp nhận giải quyết hồ sơ");
    if (rc == EG_OK)
        rc = slips_say(s, &slips_body, "Bộ phận tiếp nhận và trả kết quả: %s",
                       slips_or_blank(s->agency));
    if (rc == EG_OK)
        rc = applicant_lines(s, "Tiếp nhận hồ sơ của:");
    if (rc == EG_OK)
        rc = eg_pdf_space(s->pdf, 4);
    if (rc == EG_OK)
        rc = reason(s,
                    "Sau khi nghiên cứu, đối chiếu với quy định hiện hành, Bộ phận tiếp nhận và "
                    "trả kết quả từ chối tiếp nhận, giải quyết hồ sơ này với lý do cụ thể như sau:",
                    &e);
    if (rc == EG_OK)
        rc = slips_say_p(s, "Xin thông báo để %s được biết và thực hiện./.", slips_honorific(s));
    struct signer r = {"Người tiếp nhận hồ sơ", "(Ký và ghi rõ họ tên)", e.actor};
    if (rc == EG_OK)
        rc = slips_signatures(s, NULL, &r, false);
    return rc;
}

/* ---- 04 apology and extension, 05 stop ----------------------------------------------- */

/* The due date before timeline[upto]: the last due an earlier event set. */
static struct when
due_before(struct slip *s, size_t upto)
{
    struct when w = {0};
    for (size_t i = 0; i < upto; i++) {
        struct event e;
        slips_read_event(s, i, &e);
        if (e.due.set)
            w = e.due;
    }
    return w;
}

/* "Ngày 27/11/2026, <agency> tiếp nhận hồ sơ của Ông/Bà ..., mã hồ sơ ..., về việc ...". */
static enum eg_err
letter_opening(struct slip *s, struct when old_due)
{
    char a[64], b[96];
    enum eg_err rc = slips_say_p(
        s,
        "Ngày %s, %s tiếp nhận hồ sơ của %s %s, mã hồ sơ %s, đề nghị giải quyết "
        "thủ tục: %s.",
        slips_fmt_date(a, sizeof(a), s->received), slips_or_blank(s->agency), slips_honorific(s),
        slips_or_blank(s->app_name), s->code, slips_or_blank(s->proc_name));
    if (rc == EG_OK)
        rc = slips_say_p(s, "Thời hạn trả kết quả giải quyết hồ sơ: %s.",
                         slips_fmt_long(b, sizeof(b), old_due));
    return rc;
}

enum eg_err
slips_apology(struct slip *s)
{
    struct event e;
    size_t at = 0;
    slips_last_event(s, "extend", &e, &at);
    struct when old = due_before(s, at);
    struct when new_due = e.due.set ? e.due : s->due;
    const char *ag = slips_or_blank(s->agency);
    const char *h = slips_honorific(s);
    char a[64];
    enum eg_err rc = slips_header(s, true, e.at);
    if (rc == EG_OK)
        rc = slips_title(s, "Văn bản xin lỗi và đề nghị gia hạn\nthời gian giải quyết");
    if (rc == EG_OK)
        rc = slips_to_applicant(s);
    if (rc == EG_OK)
        rc = eg_pdf_space(s->pdf, 6);
    if (rc == EG_OK)
        rc = letter_opening(s, old);
    if (rc == EG_OK)
        rc = slips_say_p(s, "Tuy nhiên đến nay, %s chưa giải quyết xong hồ sơ của %s.", ag, h);
    if (rc == EG_OK)
        rc = reason(s, "Lý do:", &e);
    if (rc == EG_OK)
        rc = slips_say_p(
            s,
            "Sự chậm trễ này đã gây phiền hà cho %s. %s xin lỗi %s và đề nghị gia hạn thời "
            "gian giải quyết hồ sơ đến ngày %s; %s sẽ trả kết quả giải quyết hồ sơ cho %s "
            "vào ngày %s.",
            h, ag, h, slips_fmt_date(a, sizeof(a), new_due), ag, h, a);
    if (rc == EG_OK)
        rc = slips_say_p(s, "Xin trân trọng cảm ơn sự hợp tác của %s./.", h);
    struct signer r = {"Thủ trưởng cơ quan", "(Ký, ghi rõ họ tên, đóng dấu)", NULL};
    if (rc == EG_OK)
        rc = slips_signatures(s, NULL, &r, true);
    return rc;
}

enum eg_err
slips_stop(struct slip *s)
{
    struct event e;
    size_t at = 0;
    slips_last_event(s, "stop", &e, &at);
    struct when due = e.set ? due_before(s, at) : s->due;
    if (!due.set)
        due = s->due_at.set ? s->due_at : s->due;
    char a[64];
    enum eg_err rc = slips_header(s, true, e.at);
    if (rc == EG_OK)
        rc = slips_title(s, "Thông báo dừng giải quyết hồ sơ");
    if (rc == EG_OK)
        rc = slips_to_applicant(s);
    if (rc == EG_OK)
        rc = eg_pdf_space(s->pdf, 6);
    if (rc == EG_OK)
        rc = letter_opening(s, due);
    if (rc == EG_OK)
        rc = slips_say_p(s, "%s thông báo dừng giải quyết hồ sơ nêu trên kể từ ngày %s.",
                         slips_or_blank(s->agency), slips_fmt_date(a, sizeof(a), e.at));
    if (rc == EG_OK)
        rc = reason(s, "Lý do:", &e);
    if (rc == EG_OK)
        rc = slips_say_p(s, "Xin thông báo để %s được biết./.", slips_honorific(s));
    struct signer r = {"Thủ trưởng cơ quan", "(Ký, ghi rõ họ tên, đóng dấu)", NULL};
    if (rc == EG_OK)
        rc = slips_signatures(s, NULL, &r, true);
    return rc;
}
