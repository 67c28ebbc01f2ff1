/*
 * notice.c - what an applicant is told when something happens to a dossier:
 * a Vietnamese email and an unaccented SMS per kind of event, queued in the
 * outbox inside the caller's transaction.
 *
 * The texts are a table with one row per enum eg_notice_kind; {code},
 * {agency} and {procedure} in them are filled from the notice. Officers'
 * words (the reason) are plain text: control characters are removed, the
 * length is bounded, nothing is interpreted (the email has no HTML part).
 * The outbox stores the finished text, so a change here never alters a
 * notice already queued.
 */
#include "notify_int.h"

#include <stdio.h>
#include <string.h>

#define CODE_MAX ((size_t)64)
#define URL_MAX ((size_t)1024)
#define NAME_MAX_BYTES ((size_t)512) /* a name, a procedure or an agency in a notice */
#define BODY_MAX ((size_t)64 * 1024)
#define SMS_REASON_MIN 20 /* septets: a reason cut shorter than this says nothing; left out */

struct notice_text {
    const char *name;
    const char *subject;      /* email subject */
    const char *what;         /* email: what happened */
    const char *next;         /* email: what to do next */
    const char *due_label;    /* email: the line showing due */
    const char *reason_label; /* email: the line showing the reason */
    const char *sms;          /* the SMS, with diacritics (it is unaccented when rendered) */
    const char *sms_due;      /* the SMS's label of due */
    const char *sms_reason;   /* the SMS's label of the reason */
};

static const char due_default[] = "Ngày hẹn trả kết quả";
static const char reason_default[] = "Ghi chú";

static const struct notice_text texts[EG_NOTICE_KIND_COUNT] = {
    [EG_NOTICE_SUBMITTED] =
        {
            .name = "submitted",
            .subject = "Hồ sơ {code} đã được nộp trực tuyến",
            .what = "Hệ thống đã nhận được hồ sơ số {code} do ông/bà nộp trực tuyến. Hồ sơ đang "
                    "chờ {agency} kiểm tra và tiếp nhận.",
            .next = "Ông/bà sẽ nhận được thông báo khi hồ sơ được tiếp nhận hoặc khi cần bổ sung "
                    "giấy tờ. Ông/bà không cần nộp lại hồ sơ này.",
            .sms = "Hồ sơ {code} đã được nộp trực tuyến, đang chờ tiếp nhận.",
            .sms_due = "Dự kiến trả",
        },
    [EG_NOTICE_RECEIVED] =
        {
            .name = "received",
            .subject = "Hồ sơ {code} đã được tiếp nhận",
            .what = "Hồ sơ số {code} của ông/bà đã được {agency} tiếp nhận và đang được giải "
                    "quyết.",
            .next = "Ông/bà có thể theo dõi tình trạng hồ sơ theo đường dẫn dưới đây. Khi đến "
                    "nhận kết quả, xin mang theo giấy tiếp nhận hồ sơ và hẹn trả kết quả cùng "
                    "giấy tờ tùy thân.",
            .sms = "Hồ sơ {code} đã được tiếp nhận.",
            .sms_due = "Hẹn trả kết quả",
        },
    [EG_NOTICE_REFUSED] =
        {
            .name = "refused",
            .subject = "Hồ sơ {code} không được tiếp nhận",
            .what = "Rất tiếc, hồ sơ số {code} của ông/bà không được {agency} tiếp nhận.",
            .next = "Ông/bà vui lòng hoàn thiện hồ sơ theo lý do nêu trên rồi nộp lại. Nếu cần "
                    "hướng dẫn, xin liên hệ bộ phận tiếp nhận và trả kết quả của {agency}.",
            .reason_label = "Lý do",
            .sms = "Hồ sơ {code} không được tiếp nhận.",
            .sms_reason = "Lý do",
        },
    [EG_NOTICE_SUPPLEMENT] =
        {
            .name = "supplement",
            .subject = "Hồ sơ {code} cần bổ sung, hoàn thiện",
            .what = "Để tiếp tục được giải quyết, hồ sơ số {code} của ông/bà cần được bổ sung, "
                    "hoàn thiện theo yêu cầu của {agency}.",
            .next = "Ông/bà vui lòng bổ sung giấy tờ theo nội dung nêu trên, trực tuyến theo "
                    "đường dẫn dưới đây hoặc tại bộ phận tiếp nhận và trả kết quả. Thời hạn giải "
                    "quyết hồ sơ tạm dừng cho đến khi nhận đủ hồ sơ bổ sung.",
            .due_label = "Thời hạn bổ sung",
            .reason_label = "Nội dung cần bổ sung",
            .sms = "Hồ sơ {code} cần bổ sung, hoàn thiện.",
            .sms_due = "Hạn bổ sung",
            .sms_reason = "Nội dung",
        },
    [EG_NOTICE_RESUMED] =
        {
            .name = "resumed",
            .subject = "Hồ sơ {code} tiếp tục được giải quyết",
            .what = "Hồ sơ số {code} của ông/bà đã được bổ sung đầy đủ và tiếp tục được {agency} "
                    "giải quyết.",
            .next = "Ông/bà không cần làm gì thêm. Ông/bà sẽ nhận được thông báo khi hồ sơ có "
                    "kết quả.",
            .due_label = "Ngày hẹn trả kết quả mới",
            .sms = "Hồ sơ {code} đã đủ bổ sung, tiếp tục được giải quyết.",
            .sms_due = "Hẹn trả",
        },
    [EG_NOTICE_EXTENDED] =
        {
            .name = "extended",
            .subject = "Xin lỗi và hẹn lại ngày trả kết quả hồ sơ {code}",
            .what = "Chúng tôi thành thật xin lỗi ông/bà vì hồ sơ số {code} chưa được giải quyết "
                    "đúng thời hạn đã hẹn.",
            .next = "Kết quả sẽ được trả vào ngày hẹn mới nêu trên. Mong ông/bà thông cảm.",
            .due_label = "Ngày hẹn trả kết quả mới",
            .reason_label = "Lý do",
            .sms = "Xin lỗi ông/bà, hồ sơ {code} chưa được giải quyết đúng hẹn.",
            .sms_due = "Hẹn trả mới",
            .sms_reason = "Lý do",
        },
    [EG_NOTICE_RESULT_READY] =
        {
            .name = "result_ready",
            .subject = "Hồ sơ {code} đã có kết quả",
            .what = "Hồ sơ số {code} của ông/bà đã được {agency} giải quyết xong và đã có kết "
                    "quả.",
            .next = "Ông/bà vui lòng nhận kết quả theo hình thức đã đăng ký khi nộp hồ sơ. Nếu "
                    "nhận trực tiếp, xin mang theo giấy tiếp nhận hồ sơ và hẹn trả kết quả cùng "
                    "giấy tờ tùy thân.",
            .sms = "Hồ sơ {code} đã có kết quả, mời ông/bà nhận kết quả.",
            .sms_due = "Hẹn trả",
        },
    [EG_NOTICE_REJECTED] =
        {
            .name = "rejected",
            .subject = "Hồ sơ {code} không được giải quyết",
            .what = "Sau khi xem xét, hồ sơ số {code} của ông/bà không được {agency} giải quyết.",
            .next = "Ông/bà có thể liên hệ {agency} để được giải thích, hướng dẫn, hoặc thực hiện "
                    "quyền khiếu nại theo quy định của pháp luật.",
            .reason_label = "Lý do",
            .sms = "Hồ sơ {code} không được giải quyết.",
            .sms_reason = "Lý do",
        },
    [EG_NOTICE_RETURNED] =
        {
            .name = "returned",
            .subject = "Hồ sơ {code} đã được trả kết quả",
            .what = "Kết quả giải quyết hồ sơ số {code} đã được trả cho ông/bà.",
            .next = "Hồ sơ đã hoàn thành. Cảm ơn ông/bà đã sử dụng dịch vụ; ông/bà có thể đánh "
                    "giá mức độ hài lòng theo đường dẫn dưới đây. Nếu ông/bà chưa nhận được kết "
                    "quả, xin liên hệ ngay {agency}.",
            .sms = "Hồ sơ {code} đã được trả kết quả. Cảm ơn ông/bà.",
        },
    [EG_NOTICE_WITHDRAWN] =
        {
            .name = "withdrawn",
            .subject = "Hồ sơ {code} đã được rút",
            .what = "Hồ sơ số {code} đã được rút theo đề nghị của ông/bà và sẽ không tiếp tục "
                    "được giải quyết.",
            .next = "Nếu ông/bà không đề nghị rút hồ sơ này, xin liên hệ ngay {agency}.",
            .sms = "Hồ sơ {code} đã được rút theo đề nghị của ông/bà.",
        },
    [EG_NOTICE_STOPPED] =
        {
            .name = "stopped",
            .subject = "Hồ sơ {code} bị dừng giải quyết",
            .what = "Hồ sơ số {code} của ông/bà đã bị {agency} dừng giải quyết.",
            .next = "Ông/bà có thể liên hệ {agency} để được hướng dẫn.",
            .reason_label = "Lý do",
            .sms = "Hồ sơ {code} bị dừng giải quyết.",
            .sms_reason = "Lý do",
        },
};

const char *
eg_notice_kind_name(enum eg_notice_kind k)
{
    return (unsigned)k < EG_NOTICE_KIND_COUNT ? texts[k].name : "unknown";
}

/* ---- cleaning what callers give -------------------------------------------------- */

/* Cuts b back to at most max bytes at a character boundary. */
static void
cut_utf8(struct eg_buf *b, size_t start, size_t max)
{
    if (b->len - start <= max)
        return;
    size_t n = start + max;
    while (n > start && ((unsigned char)b->p[n] & 0xc0) == 0x80)
        n--;
    b->len = n;
    b->p[n] = '\0';
}

/*
 * s in NFC, appended to out: one line (every control character a space, runs of
 * spaces one, trimmed) or, with lines, text keeping single and double line breaks.
 * Past max bytes it is cut at a character and ends in "...".
 */
static enum eg_err
clean(const char *s, size_t max, bool lines, struct eg_buf *out)
{
    /* What is past four times the limit is cut anyway: not even read. */
    size_t n = strlen(s);
    if (n > 4 * max) {
        n = 4 * max;
        while (n > 0 && ((unsigned char)s[n] & 0xc0) == 0x80)
            n--;
    }
    struct eg_buf nfc = EG_BUF_INIT(4 * n + 16);
    size_t start = out->len;
    enum eg_err rc = eg_text_nfc(s, n, &nfc);
    size_t newlines = 0;
    bool space = false;
    for (size_t i = 0; rc == EG_OK && i < nfc.len; i++) {
        unsigned char c = (unsigned char)nfc.p[i];
        bool c1 = c == 0xc2 && i + 1 < nfc.len && (unsigned char)nfc.p[i + 1] >= 0x80 &&
                  (unsigned char)nfc.p[i + 1] <= 0x9f;
        if (c1)
            i++;
        if (lines && (c == '\n' || (c == '\r' && (i + 1 >= nfc.len || nfc.p[i + 1] != '\n')))) {
            newlines++;
            space = false;
            continue;
        }
        if (c < 0x20 || c == 0x7f || c == ' ' || c1) {
            space = true;
            continue;
        }
        if (out->len > start) {
            if (newlines)
                rc = eg_buf_adds(out, newlines > 1 ? "\n\n" : "\n");
            else if (space)
                rc = eg_buf_addc(out, ' ');
        }
        newlines = 0;
        space = false;
        if (rc == EG_OK)
            rc = eg_buf_addc(out, (char)c);
    }
    if (rc == EG_OK && out->len - start > max) {
        cut_utf8(out, start, max - 3);
        rc = eg_buf_adds(out, "...");
    }
    if (rc != EG_OK && out->p) {
        out->len = start;
        out->p[start] = '\0';
    }
    eg_buf_release(&nfc);
    return rc;
}

/* 1..max bytes of printable ASCII without spaces. */
static bool
token_valid(const char *s, size_t max)
{
    size_t n = s ? strlen(s) : 0;
    if (n == 0 || n > max)
        return false;
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)s[i] <= 0x20 || (unsigned char)s[i] >= 0x7f)
            return false;
    return true;
}

static bool
url_valid(const char *s)
{
    return token_valid(s, URL_MAX) &&
           (strncmp(s, "https://", 8) == 0 || strncmp(s, "http://", 7) == 0);
}

/* "dd/MM/yyyy" with a day 01..31 and a month 01..12. */
static bool
date_valid(const char *s)
{
    if (!s || strlen(s) != 10 || s[2] != '/' || s[5] != '/')
        return false;
    for (int i = 0; i < 10; i++)
        if (i != 2 && i != 5 && (s[i] < '0' || s[i] > '9'))
            return false;
    int d = (s[0] - '0') * 10 + (s[1] - '0');
    int m = (s[3] - '0') * 10 + (s[4] - '0');
    return d >= 1 && d <= 31 && m >= 1 && m <= 12;
}

static bool
set(const char *s)
{
    return s && *s;
}

/* ---- rendering ------------------------------------------------------------------- */

struct vars {
    const char *code;
    const char *agency; /* cleaned, or the fallback */
    const char *procedure;
};

/* t with {code}, {agency} and {procedure} filled, appended to out. */
static enum eg_err
expand(struct eg_buf *out, const char *t, const struct vars *v)
{
    static const char *const names[] = {"{code}", "{agency}", "{procedure}"};
    enum eg_err rc = EG_OK;
    while (rc == EG_OK && *t) {
        const char *open = strchr(t, '{');
        if (!open)
            return eg_buf_adds(out, t);
        rc = eg_buf_add(out, t, (size_t)(open - t));
        const char *vals[] = {v->code, v->agency, v->procedure};
        size_t i = 0;
        while (i < EG_ARRAY_LEN(names) && strncmp(open, names[i], strlen(names[i])) != 0)
            i++;
        if (i == EG_ARRAY_LEN(names))
            EG_BUG("a notice text names an unknown field");
        if (rc == EG_OK)
            rc = eg_buf_adds(out, vals[i] ? vals[i] : "");
        t = open + strlen(names[i]);
    }
    return rc;
}

struct parts {
    struct eg_buf name, agency, procedure, reason;
};

static enum eg_err
render_email(const struct eg_notice *n, const struct notice_text *k, const struct parts *p,
             const struct vars *v, struct eg_buf *subject, struct eg_buf *body)
{
    struct eg_buf b = EG_BUF_INIT(BODY_MAX);
    struct eg_buf s = EG_BUF_INIT(EG_MAIL_SUBJECT_MAX);
    enum eg_err rc = expand(&s, k->subject, v);
    if (rc == EG_OK)
        rc = p->name.len ? eg_buf_printf(&b, "Kính gửi ông/bà %s,\n\n", p->name.p)
                         : eg_buf_adds(&b, "Kính gửi ông/bà,\n\n");
    if (rc == EG_OK)
        rc = expand(&b, k->what, v);
    if (rc == EG_OK)
        rc = eg_buf_printf(&b, "\n\nMã hồ sơ: %s\n", n->code);
    if (rc == EG_OK && p->procedure.len)
        rc = eg_buf_printf(&b, "Thủ tục: %s\n", p->procedure.p);
    if (rc == EG_OK && p->agency.len)
        rc = eg_buf_printf(&b, "Cơ quan giải quyết: %s\n", p->agency.p);
    if (rc == EG_OK && set(n->due))
        rc = eg_buf_printf(&b, "%s: %s\n", k->due_label ? k->due_label : due_default, n->due);
    if (rc == EG_OK && p->reason.len)
        rc = eg_buf_printf(&b, "%s:%s%s\n", k->reason_label ? k->reason_label : reason_default,
                           strchr(p->reason.p, '\n') ? "\n" : " ", p->reason.p);
    if (rc == EG_OK)
        rc = eg_buf_adds(&b, "\n");
    if (rc == EG_OK)
        rc = expand(&b, k->next, v);
    if (rc == EG_OK && set(n->track_url))
        rc = eg_buf_printf(&b, "\n\nTra cứu tình trạng hồ sơ: %s", n->track_url);
    if (rc == EG_OK)
        rc = eg_buf_printf(&b, "\n\nTrân trọng,\n%s\n",
                           p->agency.len ? p->agency.p : "Bộ phận tiếp nhận và trả kết quả");
    /* "-- " is the signature separator mail clients know (RFC 3676 4.3). */
    if (rc == EG_OK)
        rc = eg_buf_printf(&b,
                           "\n-- \nĐây là thư được gửi tự động từ hệ thống dịch vụ công, vui lòng "
                           "không trả lời thư này. Khi cần hỗ trợ, ông/bà vui lòng liên hệ %s.\n",
                           v->agency);
    /* The pieces are NFC already and the texts are written in NFC; this keeps it so. */
    if (rc == EG_OK && subject)
        rc = eg_text_nfc(s.p, s.len, subject);
    if (rc == EG_OK && body)
        rc = eg_text_nfc(b.p, b.len, body);
    eg_buf_release(&b);
    eg_buf_release(&s);
    return rc;
}

/* Appends " <label>: <value>." unaccented. */
static enum eg_err
sms_part(struct eg_buf *out, const char *label, const char *value, size_t n)
{
    struct eg_buf t = EG_BUF_INIT(EG_SMS_TEXT_MAX);
    enum eg_err rc = eg_buf_printf(&t, " %s: ", label);
    if (rc == EG_OK)
        rc = eg_buf_add(&t, value, n);
    while (rc == EG_OK && t.len && (t.p[t.len - 1] == '.' || t.p[t.len - 1] == ' '))
        t.p[--t.len] = '\0';
    if (rc == EG_OK)
        rc = eg_buf_addc(&t, '.');
    if (rc == EG_OK)
        rc = eg_sms_unaccent(t.p, t.len, out);
    eg_buf_release(&t);
    return rc;
}

/*
 * The SMS: "<what happened with the code>. <due label>: dd/MM/yyyy. <reason label>:
 * <reason>. Tra cuu: <link>", unaccented. A reason that would take the text past 160
 * characters is cut at a word, or left out when too little of it would remain.
 */
static enum eg_err
render_sms(const struct eg_notice *n, const struct notice_text *k, const struct parts *p,
           const struct vars *v, struct eg_buf *out)
{
    struct eg_buf head = EG_BUF_INIT(EG_SMS_TEXT_MAX);
    struct eg_buf tail = EG_BUF_INIT(EG_SMS_TEXT_MAX);
    struct eg_buf reason = EG_BUF_INIT(EG_SMS_TEXT_MAX);
    struct eg_buf all = EG_BUF_INIT((size_t)4 * EG_SMS_TEXT_MAX);
    struct eg_buf t = EG_BUF_INIT(EG_SMS_TEXT_MAX);
    enum eg_err rc = expand(&t, k->sms, v);
    if (rc == EG_OK)
        rc = eg_sms_unaccent(t.p, t.len, &head);
    if (rc == EG_OK && set(n->due) && k->sms_due)
        rc = sms_part(&head, k->sms_due, n->due, strlen(n->due));
    if (rc == EG_OK && set(n->track_url))
        rc = eg_buf_printf(&tail, " Tra cuu: %s", n->track_url);
    if (rc == EG_OK && p->reason.len) {
        /* one line of it */
        eg_buf_reset(&t);
        rc = clean(p->reason.p, EG_SMS_TEXT_MAX, false, &t);
        if (rc == EG_OK)
            rc = sms_part(&reason, k->sms_reason ? k->sms_reason : reason_default, t.p, t.len);
    }
    size_t fixed = eg_sms_septets(head.p, head.len) + eg_sms_septets(tail.p, tail.len);
    size_t rs = eg_sms_septets(reason.p, reason.len);
    if (rc == EG_OK && rs && fixed + rs > EG_SMS_SEGMENT) {
        /* Keep " Label: " and as many words as fit, then "...". */
        size_t room = fixed < EG_SMS_SEGMENT ? EG_SMS_SEGMENT - fixed : 0;
        const char *colon = strchr(reason.p, ':');
        size_t label = colon ? (size_t)(colon - reason.p) + 2 : 0;
        if (room < label + SMS_REASON_MIN + 3) {
            eg_buf_reset(&reason);
        } else {
            size_t used = 0, end = 0;
            while (end < reason.len && used + eg_sms_septets(reason.p + end, 1) <= room - 3)
                used += eg_sms_septets(reason.p + end++, 1);
            size_t sp = end;
            while (sp > label && reason.p[sp] != ' ')
                sp--;
            if (sp > label + SMS_REASON_MIN / 2)
                end = sp; /* a word is not cut in half when a space is near */
            while (end > label && strchr(", .;:", reason.p[end - 1]))
                end--;
            reason.len = end;
            reason.p[end] = '\0';
            rc = eg_buf_adds(&reason, "...");
        }
    }
    if (rc == EG_OK)
        rc = eg_buf_add(&all, head.p, head.len);
    if (rc == EG_OK)
        rc = eg_buf_add(&all, reason.p, reason.len);
    if (rc == EG_OK)
        rc = eg_buf_add(&all, tail.p, tail.len);
    if (rc == EG_OK)
        rc = eg_buf_add(out, all.p, all.len);
    eg_buf_release(&head);
    eg_buf_release(&tail);
    eg_buf_release(&reason);
    eg_buf_release(&all);
    eg_buf_release(&t);
    return rc;
}

static void
parts_release(struct parts *p)
{
    eg_buf_release(&p->name);
    eg_buf_release(&p->agency);
    eg_buf_release(&p->procedure);
    eg_buf_release(&p->reason);
}

/* Checks n and fills p with its cleaned texts. */
static enum eg_err
prepare(const struct eg_notice *n, struct parts *p)
{
    eg_buf_init(&p->name, 4 * NAME_MAX_BYTES);
    eg_buf_init(&p->agency, 4 * NAME_MAX_BYTES);
    eg_buf_init(&p->procedure, 4 * NAME_MAX_BYTES);
    eg_buf_init(&p->reason, (size_t)4 * EG_NOTICE_REASON_MAX);
    if (!n || (unsigned)n->kind >= EG_NOTICE_KIND_COUNT || n->event_id <= 0 ||
        !token_valid(n->code, CODE_MAX) || (set(n->due) && !date_valid(n->due)) ||
        (set(n->track_url) && !url_valid(n->track_url)))
        return EG_EINVAL;
    enum eg_err rc = EG_OK;
    if (set(n->applicant_name))
        rc = clean(n->applicant_name, EG_MAIL_NAME_MAX, false, &p->name);
    if (rc == EG_OK && set(n->agency_name))
        rc = clean(n->agency_name, NAME_MAX_BYTES, false, &p->agency);
    if (rc == EG_OK && set(n->procedure_name))
        rc = clean(n->procedure_name, NAME_MAX_BYTES, false, &p->procedure);
    if (rc == EG_OK && set(n->reason))
        rc = clean(n->reason, EG_NOTICE_REASON_MAX, true, &p->reason);
    return rc == EG_ETOOBIG ? EG_EINVAL : rc;
}

enum eg_err
eg_notice_render(const struct eg_notice *n, struct eg_buf *subject, struct eg_buf *body,
                 struct eg_buf *sms)
{
    struct parts p;
    enum eg_err rc = prepare(n, &p);
    if (rc == EG_OK) {
        const struct notice_text *k = &texts[n->kind];
        struct vars v = {n->code, p.agency.len ? p.agency.p : "cơ quan giải quyết", p.procedure.p};
        if (subject || body)
            rc = render_email(n, k, &p, &v, subject, body);
        if (rc == EG_OK && sms)
            rc = render_sms(n, k, &p, &v, sms);
    }
    parts_release(&p);
    return rc;
}

/* ---- queueing --------------------------------------------------------------------- */

enum eg_err
eg_notify_notice(struct eg_tx *tx, const struct eg_notice *n, int64_t now_ms)
{
    struct eg_buf subject = EG_BUF_INIT(EG_MAIL_SUBJECT_MAX);
    struct eg_buf body = EG_BUF_INIT(BODY_MAX);
    struct eg_buf sms = EG_BUF_INIT(EG_SMS_TEXT_MAX);
    struct eg_buf name = EG_BUF_INIT(4 * NAME_MAX_BYTES);
    char key[64], phone[EG_SMS_PHONE_MAX];
    bool mail = n && set(n->email);
    bool text = n && set(n->phone);
    enum eg_err rc =
        eg_notice_render(n, mail ? &subject : NULL, mail ? &body : NULL, text ? &sms : NULL);
    if (rc != EG_OK)
        goto out;
    const char *kind = eg_notice_kind_name(n->kind);
    if (mail && !eg_mail_addr_valid(n->email)) {
        eg_warn("notice %lld (%s): the applicant's email address is not usable; no email queued",
                (long long)n->event_id, kind);
        mail = false;
    }
    if (mail && set(n->applicant_name))
        rc = clean(n->applicant_name, EG_MAIL_NAME_MAX, false, &name);
    if (rc == EG_OK && mail) {
        snprintf(key, sizeof(key), "notice:%lld:email", (long long)n->event_id);
        rc = eg_outbox_add_email(tx, key, n->email, name.len ? name.p : NULL, subject.p, body.p,
                                 NULL, now_ms);
        if (rc == EG_ECONFLICT) /* already queued: the same event told twice */
            rc = EG_OK;
    }
    if (rc == EG_OK && text &&
        eg_sms_phone_normalize(n->phone, phone, sizeof(phone), NULL) != EG_OK) {
        eg_warn("notice %lld (%s): the applicant's phone number is not a Vietnamese mobile "
                "number; no SMS queued",
                (long long)n->event_id, kind);
        text = false;
    }
    if (rc == EG_OK && text) {
        snprintf(key, sizeof(key), "notice:%lld:sms", (long long)n->event_id);
        rc = eg_outbox_add_sms(tx, key, phone, sms.p, now_ms);
        if (rc == EG_ECONFLICT)
            rc = EG_OK;
    }
out:
    eg_buf_release(&subject);
    eg_buf_release(&body);
    eg_buf_release(&sms);
    eg_buf_release(&name);
    return rc;
}
