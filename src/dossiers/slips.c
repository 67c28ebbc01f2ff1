/*
 * slips.c - the one-stop shop's slips as PDFs (Circular 01/2018/TT-VPCP,
 * replaced by 03/2025/TT-VPCP, Appendix I): 01 receipt and appointment with
 * a QR code to the tracking page, 02 supplement request, 03 refusal, 04
 * apology and extension, 05 stop notice, 06 control slip. This file reads
 * the dossier, draws what every slip shares (the header, the title, the
 * signatures) and holds the public functions; the slips themselves are in
 * slips_intake.c (01, 06) and slips_notices.c (02-05). The tracking book
 * (07) is in slips_book.c.
 *
 * Input is the dossier's full view as eg_dossier_get() gives it (the JSON is
 * the contract, docs/slips.md). Every member is read through slips_rd_*(): a
 * missing or null member is a dotted blank on paper, a member of the wrong
 * type is EG_EINVAL naming it, so no JSON can crash the printing.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "slips_int.h"

#define SIGN_ROOM 4 /* empty lines under "(Ký ...)" for the signature */
#define BLANK ".............................."
#define MM (72.0 / 25.4)

/* ---- reading the dossier's JSON ----------------------------------------------------- */

void
slips_rd_fail(struct rd *r, const char *where, const char *key, const char *want)
{
    if (r->err != EG_OK)
        return;
    r->err = EG_EINVAL;
    if (r->msg == NULL)
        return;
    eg_buf_reset(r->msg);
    if (eg_buf_printf(r->msg, "Dữ liệu %s không hợp lệ: %s%s%s phải là %s.", r->what, where,
                      *where != '\0' ? "." : "", key, want) != EG_OK)
        eg_buf_reset(r->msg);
}

/* obj[key] when it has type want; NULL when obj is NULL or the member is missing or null. */
static const json_t *
rd_get(struct rd *r, const json_t *obj, const char *where, const char *key, json_type want,
       const char *want_name)
{
    if (obj == NULL)
        return NULL;
    const json_t *v = json_object_get(obj, key);
    if (v == NULL || json_is_null(v))
        return NULL;
    bool ok = json_typeof(v) == want || (want == JSON_TRUE && json_is_boolean(v));
    if (!ok) {
        slips_rd_fail(r, where, key, want_name);
        return NULL;
    }
    return v;
}

/* A string member; "" counts as missing. */
const char *
slips_rd_str(struct rd *r, const json_t *obj, const char *where, const char *key)
{
    const json_t *v = rd_get(r, obj, where, key, JSON_STRING, "một chuỗi");
    const char *s = v != NULL ? json_string_value(v) : NULL;
    return s != NULL && *s != '\0' ? s : NULL;
}

const json_t *
slips_rd_obj(struct rd *r, const json_t *obj, const char *where, const char *key)
{
    return rd_get(r, obj, where, key, JSON_OBJECT, "một đối tượng");
}

const json_t *
slips_rd_arr(struct rd *r, const json_t *obj, const char *where, const char *key)
{
    return rd_get(r, obj, where, key, JSON_ARRAY, "một mảng");
}

/* An integer member into *out; false when missing. */
bool
slips_rd_int(struct rd *r, const json_t *obj, const char *where, const char *key, long long *out)
{
    const json_t *v = rd_get(r, obj, where, key, JSON_INTEGER, "một số nguyên");
    if (v == NULL)
        return false;
    *out = json_integer_value(v);
    return true;
}

bool
slips_rd_bool(struct rd *r, const json_t *obj, const char *where, const char *key, bool *out)
{
    const json_t *v = rd_get(r, obj, where, key, JSON_TRUE, "true hoặc false");
    if (v == NULL)
        return false;
    *out = json_is_true(v);
    return true;
}

static bool
digits(const char *s, int n, int *out)
{
    int v = 0;
    for (int i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return false;
        v = v * 10 + (s[i] - '0');
    }
    *out = v;
    return true;
}

static bool
parse_when(const char *s, int min_year, struct when *w)
{
    size_t n = strlen(s);
    *w = (struct when){0};
    if (n < 10 || !digits(s, 4, &w->y) || s[4] != '-' || !digits(s + 5, 2, &w->mo) || s[7] != '-' ||
        !digits(s + 8, 2, &w->d))
        return false;
    if (w->mo < 1 || w->mo > 12 || w->d < 1 || w->d > 31 || w->y < min_year)
        return false;
    if (n > 10) {
        if (n < 16 || (s[10] != 'T' && s[10] != ' ') || !digits(s + 11, 2, &w->h) || s[13] != ':' ||
            !digits(s + 14, 2, &w->mi) || w->h > 23 || w->mi > 59)
            return false;
        int sec;
        if (n > 16 && (n != 19 || s[16] != ':' || !digits(s + 17, 2, &sec)))
            return false;
        w->has_time = true;
    }
    w->set = true;
    return true;
}

struct when
slips_rd_when(struct rd *r, const json_t *obj, const char *where, const char *key)
{
    struct when w = {0};
    const char *s = slips_rd_str(r, obj, where, key);
    if (s != NULL && !parse_when(s, r->min_year, &w))
        slips_rd_fail(r, where, key, "ngày YYYY-MM-DD hoặc thời điểm YYYY-MM-DDTHH:MM");
    return w;
}

/* ---- formatting ----------------------------------------------------------------------- */

/* "27/11/2026", or a blank. */
const char *
slips_fmt_date(char *b, size_t n, struct when w)
{
    if (!w.set)
        snprintf(b, n, "..../..../........");
    else
        snprintf(b, n, "%02d/%02d/%04d", w.d, w.mo, w.y);
    return b;
}

/* "10:30 27/11/2026" (the date alone without a time), or a blank. */
const char *
slips_fmt_time(char *b, size_t n, struct when w)
{
    if (!w.set)
        snprintf(b, n, "....:.... ..../..../........");
    else if (!w.has_time)
        return slips_fmt_date(b, n, w);
    else
        snprintf(b, n, "%02d:%02d %02d/%02d/%04d", w.h, w.mi, w.d, w.mo, w.y);
    return b;
}

/* "10 giờ 30 phút, ngày 27/11/2026", as the forms word a time. */
const char *
slips_fmt_long(char *b, size_t n, struct when w)
{
    char date[32];
    if (w.set && w.has_time)
        snprintf(b, n, "%02d giờ %02d phút, ngày %s", w.h, w.mi,
                 slips_fmt_date(date, sizeof(date), w));
    else if (w.set)
        snprintf(b, n, "ngày %s", slips_fmt_date(date, sizeof(date), w));
    else
        snprintf(b, n, ".... giờ .... phút, ngày ..../..../........");
    return b;
}

const char *
slips_or_blank(const char *s)
{
    return s != NULL ? s : BLANK;
}

/*
 * s, or its first bytes (at a character boundary) and "…" when longer than
 * n - 4: a name in a block that is never split across pages (the header,
 * the signatures) must not make it taller than a page.
 */
static const char *
clip(const char *s, char *b, size_t n)
{
    if (s == NULL || strlen(s) < n - 4)
        return s;
    size_t k = n - 4;
    while (k > 0 && ((unsigned char)s[k] & 0xC0) == 0x80)
        k--;
    memcpy(b, s, k);
    memcpy(b + k, "\xe2\x80\xa6", 4); /* … and the NUL */
    return b;
}

static bool
starts(const char *s, const char *prefix)
{
    return s != NULL && strncmp(s, prefix, strlen(prefix)) == 0;
}

/* ---- the slip being made -------------------------------------------------------------- */

void
slips_read_event(struct slip *s, size_t i, struct event *e)
{
    char where[48];
    snprintf(where, sizeof(where), "timeline[%zu]", i);
    *e = (struct event){0};
    const json_t *j = json_array_get(s->timeline, i);
    if (!json_is_object(j)) {
        slips_rd_fail(&s->r, "", where, "một đối tượng");
        return;
    }
    e->set = true;
    e->action = slips_rd_str(&s->r, j, where, "action");
    e->title = slips_rd_str(&s->r, j, where, "action_title");
    e->actor = slips_rd_str(&s->r, j, where, "actor");
    e->note = slips_rd_str(&s->r, j, where, "note");
    e->to = slips_rd_str(&s->r, j, where, "to");
    e->outcome = slips_rd_str(&s->r, j, where, "step_outcome");
    e->unit = slips_rd_str(&s->r, slips_rd_obj(&s->r, j, where, "unit"), where, "name");
    e->step = -1;
    e->to_step = -1;
    (void)slips_rd_int(&s->r, j, where, "step", &e->step);
    (void)slips_rd_int(&s->r, j, where, "to_step", &e->to_step);
    e->at = slips_rd_when(&s->r, j, where, "at");
    e->due = slips_rd_when(&s->r, j, where, "due");
    if (e->action == NULL)
        e->action = "";
}

/* Type-checks the components and the steps, whichever slip reads them. */
static void
check_lists(struct slip *s)
{
    struct rd *r = &s->r;
    char where[48];
    char fw[96];
    long long n;
    bool b;
    for (size_t i = 0; i < json_array_size(s->components) && r->err == EG_OK; i++) {
        const json_t *c = json_array_get(s->components, i);
        snprintf(where, sizeof(where), "components[%zu]", i);
        if (!json_is_object(c)) {
            slips_rd_fail(r, "", where, "một đối tượng");
            break;
        }
        (void)slips_rd_str(r, c, where, "name");
        (void)slips_rd_int(r, c, where, "originals", &n);
        (void)slips_rd_int(r, c, where, "copies", &n);
        (void)slips_rd_bool(r, c, where, "paper", &b);
        const json_t *files = slips_rd_arr(r, c, where, "files");
        for (size_t k = 0; k < json_array_size(files) && r->err == EG_OK; k++) {
            const json_t *f = json_array_get(files, k);
            snprintf(fw, sizeof(fw), "%s.files[%zu]", where, k);
            if (!json_is_object(f))
                slips_rd_fail(r, "", fw, "một đối tượng");
            else
                (void)slips_rd_str(r, f, fw, "filename");
        }
    }
    for (size_t i = 0; i < json_array_size(s->steps) && r->err == EG_OK; i++) {
        const json_t *st = json_array_get(s->steps, i);
        snprintf(where, sizeof(where), "steps[%zu]", i);
        if (!json_is_object(st)) {
            slips_rd_fail(r, "", where, "một đối tượng");
            break;
        }
        (void)slips_rd_str(r, st, where, "name");
        const json_t *u = slips_rd_obj(r, st, where, "unit");
        (void)slips_rd_str(r, u, where, "code");
        (void)slips_rd_str(r, u, where, "name");
    }
}

/* Reads (and type-checks) everything the slips use. */
static void
read_common(struct slip *s)
{
    struct rd *r = &s->r;
    const json_t *d = s->d;
    s->code = slips_rd_str(r, d, "", "code");
    s->status = slips_rd_str(r, d, "", "status");
    s->reason = slips_rd_str(r, d, "", "reason");
    const json_t *ag = slips_rd_obj(r, d, "", "agency");
    s->agency = slips_rd_str(r, ag, "agency", "name");
    s->agency_code = slips_rd_str(r, ag, "agency", "code");
    s->agency_address = slips_rd_str(r, ag, "agency", "address");
    s->agency_phone = slips_rd_str(r, ag, "agency", "phone");
    s->province = slips_rd_str(r, slips_rd_obj(r, d, "", "province"), "province", "name");
    const json_t *pr = slips_rd_obj(r, d, "", "procedure");
    s->proc_code = slips_rd_str(r, pr, "procedure", "code");
    s->proc_name = slips_rd_str(r, pr, "procedure", "name");
    s->has_days = slips_rd_int(r, pr, "procedure", "working_days", &s->working_days);
    const json_t *ap = slips_rd_obj(r, d, "", "applicant");
    s->app_name = slips_rd_str(r, ap, "applicant", "name");
    s->app_kind = slips_rd_str(r, ap, "applicant", "kind");
    s->app_phone = slips_rd_str(r, ap, "applicant", "phone");
    s->app_email = slips_rd_str(r, ap, "applicant", "email");
    s->app_address = slips_rd_str(r, ap, "applicant", "address");
    s->app_pid = slips_rd_str(r, ap, "applicant", "personal_id");
    s->channel = slips_rd_str(r, d, "", "channel_title");
    s->received = slips_rd_when(r, d, "", "received");
    s->due = slips_rd_when(r, d, "", "due");
    s->due_at = slips_rd_when(r, d, "", "due_at");
    s->timeline = slips_rd_arr(r, d, "", "timeline");
    s->steps = slips_rd_arr(r, d, "", "steps");
    s->components = slips_rd_arr(r, d, "", "components");
    /* Every event once, so a bad one is found whatever the slip. */
    for (size_t i = 0; i < json_array_size(s->timeline) && r->err == EG_OK; i++) {
        struct event e;
        slips_read_event(s, i, &e);
    }
    check_lists(s);
}

/* The last event with that action (index in *at), or e->set false. */
void
slips_last_event(struct slip *s, const char *action, struct event *e, size_t *at)
{
    *e = (struct event){0};
    for (size_t i = json_array_size(s->timeline); i-- > 0;) {
        slips_read_event(s, i, e);
        if (e->set && strcmp(e->action, action) == 0) {
            if (at != NULL)
                *at = i;
            return;
        }
    }
    *e = (struct event){0};
}

/* The addressee as the letters say it. */
const char *
slips_honorific(const struct slip *s)
{
    if (s->app_kind != NULL && strcmp(s->app_kind, "business") == 0)
        return "Quý tổ chức";
    if (s->app_kind != NULL && strcmp(s->app_kind, "citizen") == 0)
        return "Ông/Bà";
    return "Ông/Bà/tổ chức";
}

/* ---- blocks every slip shares --------------------------------------------------------- */

/* A paragraph from a format. */
enum eg_err
slips_say(struct slip *s, const struct eg_pdf_style *st, const char *fmt, ...)
{
    eg_buf_reset(&s->line);
    va_list ap;
    va_start(ap, fmt);
    enum eg_err rc = eg_buf_vprintf(&s->line, fmt, ap);
    va_end(ap);
    if (rc != EG_OK)
        return rc;
    return eg_pdf_text(s->pdf, st, eg_buf_str(&s->line));
}

const struct eg_pdf_style slips_body = {.leading = 1.4};
static const struct eg_pdf_style para = {.align = EG_PDF_JUSTIFY, .indent = 10, .leading = 1.35};

/* A paragraph of a letter, with the small space Decree 30 puts between paragraphs. */
enum eg_err
slips_say_p(struct slip *s, const char *fmt, ...)
{
    enum eg_err rc = eg_pdf_space(s->pdf, 3);
    if (rc != EG_OK)
        return rc;
    eg_buf_reset(&s->line);
    va_list ap;
    va_start(ap, fmt);
    rc = eg_buf_vprintf(&s->line, fmt, ap);
    va_end(ap);
    if (rc != EG_OK)
        return rc;
    return eg_pdf_text(s->pdf, &para, eg_buf_str(&s->line));
}

/* After "Ủy ban nhân dân " (either spelling of the tone) or "UBND ", or NULL. */
static const char *
committee_of(const char *name)
{
    static const char *const prefixes[] = {"Ủy ban nhân dân ", "Uỷ ban nhân dân ", "UBND "};
    for (size_t i = 0; i < EG_ARRAY_LEN(prefixes); i++)
        if (starts(name, prefixes[i]))
            return name + strlen(prefixes[i]);
    return NULL;
}

/* Decree 30's place name: the commune of a commune's committee, else the province's name. */
static const char *
place_of(const struct slip *s, char *b, size_t n)
{
    static const char *const communes[] = {"xã ", "phường ", "đặc khu "};
    static const char *const provinces[] = {"tỉnh ", "thành phố ", "Tỉnh ", "Thành phố "};
    const char *rest = committee_of(s->agency);
    for (size_t i = 0; rest != NULL && i < EG_ARRAY_LEN(communes); i++)
        if (starts(rest, communes[i]))
            return clip(rest + strlen(communes[i]), b, n);
    rest = committee_of(s->province);
    if (rest == NULL)
        rest = s->province;
    for (size_t i = 0; rest != NULL && i < EG_ARRAY_LEN(provinces); i++)
        if (starts(rest, provinces[i]))
            return clip(rest + strlen(provinces[i]), b, n);
    return "..............";
}

/*
 * The header: left, the province over the agency when the agency is not a
 * committee itself, the agency in bold capitals and a short rule; right, the
 * national name and motto. Under them, "Số: ..." when number, and the place
 * and date in italics.
 */
enum eg_err
slips_header(struct slip *s, bool number, struct when date)
{
    double half = eg_pdf_text_width(s->pdf) / MM * 0.4;
    char pb[400];
    char ab[400];
    struct eg_pdf_cell left[2];
    size_t nleft = 0;
    if (s->province != NULL && s->agency != NULL && committee_of(s->agency) == NULL)
        left[nleft++] = (struct eg_pdf_cell){clip(s->province, pb, sizeof(pb)), EG_PDF_UPPER, HEAD};
    left[nleft++] = (struct eg_pdf_cell){s->agency != NULL ? clip(s->agency, ab, sizeof(ab))
                                                           : "Cơ quan ................",
                                         EG_PDF_BOLD | EG_PDF_UPPER | EG_PDF_RULE, HEAD};
    struct eg_pdf_cell right[] = {
        {"CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", EG_PDF_BOLD, HEAD},
        {"Độc lập - Tự do - Hạnh phúc", EG_PDF_BOLD | EG_PDF_UNDERLINE, BODY},
    };
    enum eg_err rc = eg_pdf_columns(s->pdf, half, left, nleft, right, EG_ARRAY_LEN(right));
    char place[256];
    char line[512];
    if (date.set)
        snprintf(line, sizeof(line), "%s, ngày %02d tháng %s%d năm %d",
                 place_of(s, place, sizeof(place)), date.d, date.mo <= 2 ? "0" : "", date.mo,
                 date.y);
    else
        snprintf(line, sizeof(line), "%s, ngày .... tháng .... năm ........",
                 place_of(s, place, sizeof(place)));
    struct eg_pdf_cell num[] = {{"Số: ........../..........", 0, BODY}};
    struct eg_pdf_cell dateline[] = {{line, EG_PDF_ITALIC, BODY}};
    if (rc == EG_OK)
        rc = eg_pdf_space(s->pdf, 4);
    if (rc == EG_OK)
        rc = eg_pdf_columns(s->pdf, half, num, number ? 1 : 0, dateline, 1);
    return rc;
}

/* The title in bold capitals, and "Mã hồ sơ: ..." under it. */
enum eg_err
slips_title(struct slip *s, const char *t)
{
    struct eg_pdf_style big = {
        .size = BODY + 2, .flags = EG_PDF_BOLD | EG_PDF_UPPER, .align = EG_PDF_CENTER};
    struct eg_pdf_style code = {.flags = EG_PDF_BOLD, .align = EG_PDF_CENTER};
    enum eg_err rc = eg_pdf_space(s->pdf, 18);
    if (rc == EG_OK)
        rc = eg_pdf_text(s->pdf, &big, t);
    if (rc == EG_OK)
        rc = slips_say(s, &code, "Mã hồ sơ: %s", s->code);
    if (rc == EG_OK)
        rc = eg_pdf_space(s->pdf, 10);
    return rc;
}

/* "Kính gửi: Ông/Bà Nguyễn Văn An" centred. */
enum eg_err
slips_to_applicant(struct slip *s)
{
    struct eg_pdf_style st = {.align = EG_PDF_CENTER};
    return slips_say(s, &st, "Kính gửi: %s %s", slips_honorific(s), slips_or_blank(s->app_name));
}

/* One signer on the right, or two side by side; recipients (letters) on the left. */
enum eg_err
slips_signatures(struct slip *s, const struct signer *left, const struct signer *right,
                 bool recipients)
{
    char room[SIGN_ROOM + 1];
    memset(room, '\n', SIGN_ROOM);
    room[SIGN_ROOM] = '\0';
    char names[2][200];
    struct eg_pdf_cell l[4];
    struct eg_pdf_cell r[4];
    size_t nl = 0;
    size_t nr = 0;
    const struct signer *sides[] = {left, right};
    struct eg_pdf_cell *cells[] = {l, r};
    size_t *counts[] = {&nl, &nr};
    for (size_t k = 0; k < 2; k++) {
        const struct signer *g = sides[k];
        if (g == NULL)
            continue;
        struct eg_pdf_cell *c = cells[k];
        size_t *n = counts[k];
        c[(*n)++] = (struct eg_pdf_cell){g->role, EG_PDF_BOLD | EG_PDF_UPPER, BODY};
        c[(*n)++] = (struct eg_pdf_cell){g->hint, EG_PDF_ITALIC, SMALL};
        c[(*n)++] = (struct eg_pdf_cell){room, 0, BODY};
        if (g->name != NULL)
            c[(*n)++] =
                (struct eg_pdf_cell){clip(g->name, names[k], sizeof(names[k])), EG_PDF_BOLD, BODY};
    }
    if (recipients && left == NULL) {
        l[nl++] = (struct eg_pdf_cell){"Nơi nhận:", EG_PDF_BOLD | EG_PDF_ITALIC | EG_PDF_CELL_LEFT,
                                       SMALL + 0.5};
        l[nl++] = (struct eg_pdf_cell){"- Như trên;\n- Lưu: VT, Bộ phận một cửa.", EG_PDF_CELL_LEFT,
                                       SMALL - 0.5};
    }
    enum eg_err rc = eg_pdf_space(s->pdf, 14);
    if (rc == EG_OK)
        rc = eg_pdf_columns(s->pdf, eg_pdf_text_width(s->pdf) / MM / 2, l, nl, r, nr);
    return rc;
}

/* ---- the public functions ---------------------------------------------------------------- */

struct slip_kind {
    const char *vi;
    const char *en;
    const char *form;    /* "01" */
    const char *missing; /* why a dossier has none */
};

static const struct slip_kind kinds[] = {
    [EG_SLIP_RECEIPT] = {"Giấy tiếp nhận hồ sơ và hẹn trả kết quả",
                         "Receipt and appointment for the result", "01", "chưa được tiếp nhận"},
    [EG_SLIP_SUPPLEMENT] = {"Phiếu yêu cầu bổ sung, hoàn thiện hồ sơ",
                            "Request to supplement the dossier", "02",
                            "chưa từng được yêu cầu bổ sung"},
    [EG_SLIP_REFUSAL] = {"Phiếu từ chối tiếp nhận giải quyết hồ sơ",
                         "Refusal to receive the dossier", "03", "không bị từ chối tiếp nhận"},
    [EG_SLIP_APOLOGY] = {"Văn bản xin lỗi và đề nghị gia hạn thời gian giải quyết",
                         "Apology and extension of the processing time", "04", "chưa được gia hạn"},
    [EG_SLIP_STOP] = {"Thông báo dừng giải quyết hồ sơ", "Notice that processing has stopped", "05",
                      "không bị dừng giải quyết"},
    [EG_SLIP_CONTROL] = {"Phiếu kiểm soát quá trình giải quyết hồ sơ",
                         "Control slip of the processing", "06", "chưa được tiếp nhận"},
};

static const struct slip_kind *
kind_of(enum eg_slip s)
{
    if ((int)s < EG_SLIP_RECEIPT || (int)s > EG_SLIP_CONTROL)
        return NULL;
    return &kinds[s];
}

const char *
eg_slip_title(enum eg_slip s, const char *lang)
{
    const struct slip_kind *k = kind_of(s);
    if (k == NULL)
        return "";
    return lang != NULL && strcmp(lang, "en") == 0 ? k->en : k->vi;
}

static bool
has_event(struct slip *s, const char *action)
{
    struct event e;
    slips_last_event(s, action, &e, NULL);
    return e.set;
}

/* Whether the dossier (already read) has what the slip needs. */
static bool
available(struct slip *s, enum eg_slip k)
{
    if (s->code == NULL)
        return false;
    switch (k) {
    case EG_SLIP_RECEIPT:
    case EG_SLIP_CONTROL:
        return s->received.set;
    case EG_SLIP_SUPPLEMENT:
        return has_event(s, "request_supplement");
    case EG_SLIP_REFUSAL:
        return (s->status != NULL && strcmp(s->status, "refused") == 0) || has_event(s, "refuse");
    case EG_SLIP_APOLOGY:
        return has_event(s, "extend");
    case EG_SLIP_STOP:
        return (s->status != NULL && strcmp(s->status, "stopped") == 0) || has_event(s, "stop");
    }
    return false;
}

bool
eg_slip_available(const json_t *dossier, enum eg_slip k)
{
    if (!json_is_object(dossier) || kind_of(k) == NULL)
        return false;
    struct slip s = {.r = {EG_OK, NULL, "hồ sơ", 1900}, .d = dossier};
    read_common(&s);
    return s.r.err == EG_OK && available(&s, k);
}

enum eg_err
slips_fail(struct eg_buf *msg, enum eg_err rc, const char *fmt, ...)
{
    if (msg == NULL)
        return rc;
    eg_buf_reset(msg);
    va_list ap;
    va_start(ap, fmt);
    if (eg_buf_vprintf(msg, fmt, ap) != EG_OK)
        eg_buf_reset(msg);
    va_end(ap);
    return rc;
}

static enum eg_err
build(struct slip *s, enum eg_slip k)
{
    switch (k) {
    case EG_SLIP_RECEIPT:
        return slips_receipt(s);
    case EG_SLIP_SUPPLEMENT:
        return slips_supplement(s);
    case EG_SLIP_REFUSAL:
        return slips_refusal(s);
    case EG_SLIP_APOLOGY:
        return slips_apology(s);
    case EG_SLIP_STOP:
        return slips_stop(s);
    case EG_SLIP_CONTROL:
        return slips_control(s);
    }
    return EG_EINVAL;
}

enum eg_err
eg_slip_pdf(const json_t *dossier, enum eg_slip k, const char *track_url, struct eg_buf *out,
            struct eg_buf *msg)
{
    struct eg_buf scratch = EG_BUF_INIT(1024);
    struct eg_buf *m = msg != NULL ? msg : &scratch;
    const struct slip_kind *kind = kind_of(k);
    if (kind == NULL)
        return slips_fail(msg, EG_EINVAL, "Không có mẫu phiếu số %d.", (int)k);
    if (!json_is_object(dossier))
        return slips_fail(msg, EG_EINVAL,
                          "Dữ liệu hồ sơ không hợp lệ: phải là một đối tượng JSON.");
    struct slip s = {.r = {EG_OK, m, "hồ sơ", 1900}, .d = dossier, .line = EG_BUF_INIT(LINE_MAX)};
    s.track_url = track_url != NULL && *track_url != '\0' ? track_url : NULL;
    read_common(&s);
    enum eg_err rc = s.r.err;
    if (rc != EG_OK)
        goto out;
    if (s.code == NULL) {
        rc = slips_fail(msg, EG_EINVAL, "Hồ sơ chưa có mã (bản nháp): không có %s để in.",
                        eg_slip_title(k, "vi"));
        goto out;
    }
    if (!available(&s, k)) {
        rc = slips_fail(msg, EG_EINVAL, "Hồ sơ %s %s: không có %s để in.", s.code, kind->missing,
                        eg_slip_title(k, "vi"));
        goto out;
    }
    struct eg_buf doc_title = EG_BUF_INIT(4096);
    struct eg_buf footer = EG_BUF_INIT(4096);
    rc = eg_buf_printf(&doc_title, "%s - %s", kind->vi, s.code);
    if (rc == EG_OK)
        rc = eg_buf_printf(&footer, "Mẫu số %s. Mã hồ sơ %s. In từ hệ thống egov.", kind->form,
                           s.code);
    struct eg_pdf_opts o = {
        .title = eg_buf_str(&doc_title),
        .author = s.agency != NULL ? s.agency : "egov",
        .subject = s.code,
        .body_size = BODY,
        .page_numbers = true,
        .footer = eg_buf_str(&footer),
    };
    if (rc == EG_OK)
        rc = eg_pdf_new(&o, &s.pdf, m);
    if (rc == EG_OK)
        rc = build(&s, k);
    /* A member of the wrong type found while drawing wins over what followed from it. */
    if (s.r.err != EG_OK) {
        rc = s.r.err;
    } else {
        if (rc == EG_OK)
            rc = eg_pdf_save(s.pdf, out);
        if (rc != EG_OK && s.pdf != NULL) {
            const char *why = eg_pdf_errmsg(s.pdf);
            rc = slips_fail(msg, rc, "%s %s: %s", kind->vi, s.code,
                            *why != '\0' ? why : eg_strerror(rc));
        }
    }
    eg_buf_release(&doc_title);
    eg_buf_release(&footer);
out:
    eg_pdf_free(s.pdf);
    eg_buf_release(&s.line);
    eg_buf_release(&scratch);
    return rc;
}
