/*
 * slips.c - the one-stop shop's slips as PDFs (Circular 01/2018/TT-VPCP,
 * replaced by 03/2025/TT-VPCP, Appendix I): 01 receipt and appointment with
 * a QR code to the tracking page, 02 supplement request, 03 refusal, 04
 * apology and extension, 05 stop notice, 06 control slip. The tracking book
 * (07) is in slips_book.c.
 *
 * Input is the dossier's full view as eg_dossier_get() gives it (the JSON is
 * the contract, docs/slips.md). Every member is read through rd_*(): a
 * missing or null member is a dotted blank on paper, a member of the wrong
 * type is EG_EINVAL naming it, so no JSON can crash the printing.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dossiers/dossiers.h"
#include "pdf/pdf.h"

#define BODY 12.0 /* DejaVu Serif 12 pt is about as wide as Times New Roman 13-14 pt */
#define HEAD 11.0 /* the national name and the agency: Decree 30's 12-13 pt in Times */
#define SMALL 10.5
#define TABLE 10.0
#define SIGN_ROOM 4 /* empty lines under "(Ký ...)" for the signature */
#define QR_MM 28.0
#define LINE_MAX ((size_t)EG_PDF_TEXT_MAX)
#define BLANK ".............................."
#define MM (72.0 / 25.4)

/* ---- reading the dossier's JSON ----------------------------------------------------- */

struct rd {
    enum eg_err err;
    struct eg_buf *msg; /* the first problem, Vietnamese; NULL: not kept */
};

static void
rd_fail(struct rd *r, const char *where, const char *key, const char *want)
{
    if (r->err != EG_OK)
        return;
    r->err = EG_EINVAL;
    if (r->msg == NULL)
        return;
    eg_buf_reset(r->msg);
    if (eg_buf_printf(r->msg, "Dữ liệu hồ sơ không hợp lệ: %s%s%s phải là %s.", where,
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
        rd_fail(r, where, key, want_name);
        return NULL;
    }
    return v;
}

/* A string member; "" counts as missing. */
static const char *
rd_str(struct rd *r, const json_t *obj, const char *where, const char *key)
{
    const json_t *v = rd_get(r, obj, where, key, JSON_STRING, "một chuỗi");
    const char *s = v != NULL ? json_string_value(v) : NULL;
    return s != NULL && *s != '\0' ? s : NULL;
}

static const json_t *
rd_obj(struct rd *r, const json_t *obj, const char *where, const char *key)
{
    return rd_get(r, obj, where, key, JSON_OBJECT, "một đối tượng");
}

static const json_t *
rd_arr(struct rd *r, const json_t *obj, const char *where, const char *key)
{
    return rd_get(r, obj, where, key, JSON_ARRAY, "một mảng");
}

/* An integer member into *out; false when missing. */
static bool
rd_int(struct rd *r, const json_t *obj, const char *where, const char *key, long long *out)
{
    const json_t *v = rd_get(r, obj, where, key, JSON_INTEGER, "một số nguyên");
    if (v == NULL)
        return false;
    *out = json_integer_value(v);
    return true;
}

static bool
rd_bool(struct rd *r, const json_t *obj, const char *where, const char *key, bool *out)
{
    const json_t *v = rd_get(r, obj, where, key, JSON_TRUE, "true hoặc false");
    if (v == NULL)
        return false;
    *out = json_is_true(v);
    return true;
}

/* A local time "YYYY-MM-DDTHH:MM" (seconds allowed) or a date "YYYY-MM-DD". */
struct when {
    bool set;
    bool has_time;
    int y, mo, d, h, mi;
};

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
parse_when(const char *s, struct when *w)
{
    size_t n = strlen(s);
    *w = (struct when){0};
    if (n < 10 || !digits(s, 4, &w->y) || s[4] != '-' || !digits(s + 5, 2, &w->mo) || s[7] != '-' ||
        !digits(s + 8, 2, &w->d))
        return false;
    if (w->mo < 1 || w->mo > 12 || w->d < 1 || w->d > 31 || w->y < 1900)
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

static struct when
rd_when(struct rd *r, const json_t *obj, const char *where, const char *key)
{
    struct when w = {0};
    const char *s = rd_str(r, obj, where, key);
    if (s != NULL && !parse_when(s, &w))
        rd_fail(r, where, key, "ngày YYYY-MM-DD hoặc thời điểm YYYY-MM-DDTHH:MM");
    return w;
}

/* ---- formatting ----------------------------------------------------------------------- */

/* "27/11/2026", or a blank. */
static const char *
fmt_date(char *b, size_t n, struct when w)
{
    if (!w.set)
        snprintf(b, n, "..../..../........");
    else
        snprintf(b, n, "%02d/%02d/%04d", w.d, w.mo, w.y);
    return b;
}

/* "10:30 27/11/2026" (the date alone without a time), or a blank. */
static const char *
fmt_time(char *b, size_t n, struct when w)
{
    if (!w.set)
        snprintf(b, n, "....:.... ..../..../........");
    else if (!w.has_time)
        return fmt_date(b, n, w);
    else
        snprintf(b, n, "%02d:%02d %02d/%02d/%04d", w.h, w.mi, w.d, w.mo, w.y);
    return b;
}

/* "10 giờ 30 phút, ngày 27/11/2026", as the forms word a time. */
static const char *
fmt_long(char *b, size_t n, struct when w)
{
    char date[32];
    if (w.set && w.has_time)
        snprintf(b, n, "%02d giờ %02d phút, ngày %s", w.h, w.mi, fmt_date(date, sizeof(date), w));
    else if (w.set)
        snprintf(b, n, "ngày %s", fmt_date(date, sizeof(date), w));
    else
        snprintf(b, n, ".... giờ .... phút, ngày ..../..../........");
    return b;
}

static const char *
or_blank(const char *s)
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

struct event {
    bool set;
    const char *action;
    const char *title;
    const char *actor;
    const char *note;
    const char *to;
    const char *outcome;
    const char *unit;
    long long step;
    long long to_step;
    struct when at;
    struct when due;
};

struct slip {
    struct eg_pdf *pdf;
    struct rd r;
    struct eg_buf line;
    const json_t *d;
    const char *track_url;
    /* What every slip shows. */
    const char *code;
    const char *status;
    const char *reason;
    const char *agency;
    const char *agency_code;
    const char *agency_address;
    const char *agency_phone;
    const char *province;
    const char *proc_code;
    const char *proc_name;
    long long working_days;
    bool has_days;
    const char *app_name;
    const char *app_kind;
    const char *app_phone;
    const char *app_email;
    const char *app_address;
    const char *app_pid;
    const char *channel;
    struct when received;
    struct when due;
    struct when due_at;
    const json_t *timeline;
    const json_t *steps;
    const json_t *components;
};

static void
read_event(struct slip *s, size_t i, struct event *e)
{
    char where[48];
    snprintf(where, sizeof(where), "timeline[%zu]", i);
    *e = (struct event){0};
    const json_t *j = json_array_get(s->timeline, i);
    if (!json_is_object(j)) {
        rd_fail(&s->r, "", where, "một đối tượng");
        return;
    }
    e->set = true;
    e->action = rd_str(&s->r, j, where, "action");
    e->title = rd_str(&s->r, j, where, "action_title");
    e->actor = rd_str(&s->r, j, where, "actor");
    e->note = rd_str(&s->r, j, where, "note");
    e->to = rd_str(&s->r, j, where, "to");
    e->outcome = rd_str(&s->r, j, where, "step_outcome");
    e->unit = rd_str(&s->r, rd_obj(&s->r, j, where, "unit"), where, "name");
    e->step = -1;
    e->to_step = -1;
    (void)rd_int(&s->r, j, where, "step", &e->step);
    (void)rd_int(&s->r, j, where, "to_step", &e->to_step);
    e->at = rd_when(&s->r, j, where, "at");
    e->due = rd_when(&s->r, j, where, "due");
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
            rd_fail(r, "", where, "một đối tượng");
            break;
        }
        (void)rd_str(r, c, where, "name");
        (void)rd_int(r, c, where, "originals", &n);
        (void)rd_int(r, c, where, "copies", &n);
        (void)rd_bool(r, c, where, "paper", &b);
        const json_t *files = rd_arr(r, c, where, "files");
        for (size_t k = 0; k < json_array_size(files) && r->err == EG_OK; k++) {
            const json_t *f = json_array_get(files, k);
            snprintf(fw, sizeof(fw), "%s.files[%zu]", where, k);
            if (!json_is_object(f))
                rd_fail(r, "", fw, "một đối tượng");
            else
                (void)rd_str(r, f, fw, "filename");
        }
    }
    for (size_t i = 0; i < json_array_size(s->steps) && r->err == EG_OK; i++) {
        const json_t *st = json_array_get(s->steps, i);
        snprintf(where, sizeof(where), "steps[%zu]", i);
        if (!json_is_object(st)) {
            rd_fail(r, "", where, "một đối tượng");
            break;
        }
        (void)rd_str(r, st, where, "name");
        const json_t *u = rd_obj(r, st, where, "unit");
        (void)rd_str(r, u, where, "code");
        (void)rd_str(r, u, where, "name");
    }
}

/* Reads (and type-checks) everything the slips use. */
static void
read_common(struct slip *s)
{
    struct rd *r = &s->r;
    const json_t *d = s->d;
    s->code = rd_str(r, d, "", "code");
    s->status = rd_str(r, d, "", "status");
    s->reason = rd_str(r, d, "", "reason");
    const json_t *ag = rd_obj(r, d, "", "agency");
    s->agency = rd_str(r, ag, "agency", "name");
    s->agency_code = rd_str(r, ag, "agency", "code");
    s->agency_address = rd_str(r, ag, "agency", "address");
    s->agency_phone = rd_str(r, ag, "agency", "phone");
    s->province = rd_str(r, rd_obj(r, d, "", "province"), "province", "name");
    const json_t *pr = rd_obj(r, d, "", "procedure");
    s->proc_code = rd_str(r, pr, "procedure", "code");
    s->proc_name = rd_str(r, pr, "procedure", "name");
    s->has_days = rd_int(r, pr, "procedure", "working_days", &s->working_days);
    const json_t *ap = rd_obj(r, d, "", "applicant");
    s->app_name = rd_str(r, ap, "applicant", "name");
    s->app_kind = rd_str(r, ap, "applicant", "kind");
    s->app_phone = rd_str(r, ap, "applicant", "phone");
    s->app_email = rd_str(r, ap, "applicant", "email");
    s->app_address = rd_str(r, ap, "applicant", "address");
    s->app_pid = rd_str(r, ap, "applicant", "personal_id");
    s->channel = rd_str(r, d, "", "channel_title");
    s->received = rd_when(r, d, "", "received");
    s->due = rd_when(r, d, "", "due");
    s->due_at = rd_when(r, d, "", "due_at");
    s->timeline = rd_arr(r, d, "", "timeline");
    s->steps = rd_arr(r, d, "", "steps");
    s->components = rd_arr(r, d, "", "components");
    /* Every event once, so a bad one is found whatever the slip. */
    for (size_t i = 0; i < json_array_size(s->timeline) && r->err == EG_OK; i++) {
        struct event e;
        read_event(s, i, &e);
    }
    check_lists(s);
}

/* The last event with that action (index in *at), or e->set false. */
static void
last_event(struct slip *s, const char *action, struct event *e, size_t *at)
{
    *e = (struct event){0};
    for (size_t i = json_array_size(s->timeline); i-- > 0;) {
        read_event(s, i, e);
        if (e->set && strcmp(e->action, action) == 0) {
            if (at != NULL)
                *at = i;
            return;
        }
    }
    *e = (struct event){0};
}

/* The addressee as the letters say it. */
static const char *
honorific(const struct slip *s)
{
    if (s->app_kind != NULL && strcmp(s->app_kind, "business") == 0)
        return "Quý tổ chức";
    if (s->app_kind != NULL && strcmp(s->app_kind, "citizen") == 0)
        return "Ông/Bà";
    return "Ông/Bà/tổ chức";
}

/* ---- blocks every slip shares --------------------------------------------------------- */

static enum eg_err say(struct slip *s, const struct eg_pdf_style *st, const char *fmt, ...)
    EG_PRINTF(3, 4);

/* A paragraph from a format. */
static enum eg_err
say(struct slip *s, const struct eg_pdf_style *st, const char *fmt, ...)
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

static const struct eg_pdf_style body = {.leading = 1.4};
static const struct eg_pdf_style para = {.align = EG_PDF_JUSTIFY, .indent = 10, .leading = 1.35};

/* A paragraph of a letter, with the small space Decree 30 puts between paragraphs. */
static enum eg_err say_p(struct slip *s, const char *fmt, ...) EG_PRINTF(2, 3);

static enum eg_err
say_p(struct slip *s, const char *fmt, ...)
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
static enum eg_err
header(struct slip *s, bool number, struct when date)
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
static enum eg_err
title(struct slip *s, const char *t)
{
    struct eg_pdf_style big = {
        .size = BODY + 2, .flags = EG_PDF_BOLD | EG_PDF_UPPER, .align = EG_PDF_CENTER};
    struct eg_pdf_style code = {.flags = EG_PDF_BOLD, .align = EG_PDF_CENTER};
    enum eg_err rc = eg_pdf_space(s->pdf, 18);
    if (rc == EG_OK)
        rc = eg_pdf_text(s->pdf, &big, t);
    if (rc == EG_OK)
        rc = say(s, &code, "Mã hồ sơ: %s", s->code);
    if (rc == EG_OK)
        rc = eg_pdf_space(s->pdf, 10);
    return rc;
}

/* "Kính gửi: Ông/Bà Nguyễn Văn An" centred. */
static enum eg_err
to_applicant(struct slip *s)
{
    struct eg_pdf_style st = {.align = EG_PDF_CENTER};
    return say(s, &st, "Kính gửi: %s %s", honorific(s), or_blank(s->app_name));
}

struct signer {
    const char *role;
    const char *hint;
    const char *name; /* printed under the room to sign, or NULL */
};

/* One signer on the right, or two side by side; recipients (letters) on the left. */
static enum eg_err
signatures(struct slip *s, const struct signer *left, const struct signer *right, bool recipients)
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

/* ---- 01 receipt and appointment --------------------------------------------------------- */

/* How a component was handed in: on paper, as files (their names), or both. */
static enum eg_err
component_form(struct slip *s, const json_t *c, const char *where, struct eg_buf *out, bool *given)
{
    bool paper = false;
    bool has_paper = rd_bool(&s->r, c, where, "paper", &paper);
    const json_t *files = rd_arr(&s->r, c, where, "files");
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
            rd_fail(&s->r, "", fw, "một đối tượng");
            break;
        }
        const char *name = rd_str(&s->r, f, fw, "filename");
        if (rc == EG_OK)
            rc = eg_buf_printf(out, "%s%s", nfiles == 0 ? (paper ? "; tệp: " : "Tệp: ") : ", ",
                               or_blank(name));
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
            rd_fail(&s->r, "", where, "một đối tượng");
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
        if (rd_int(&s->r, c, where, "originals", &orig))
            snprintf(o, sizeof(o), "%lld", orig);
        else
            snprintf(o, sizeof(o), "....");
        if (rd_int(&s->r, c, where, "copies", &copies))
            snprintf(k, sizeof(k), "%lld", copies);
        else
            snprintf(k, sizeof(k), "....");
        const char *row[] = {no, or_blank(rd_str(&s->r, c, where, "name")), o, k,
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
    last_event(s, "receive", &e, NULL);
    if (!e.set)
        last_event(s, "intake", &e, NULL);
    return e.actor;
}

static enum eg_err
receipt(struct slip *s)
{
    char a[96], b[96];
    enum eg_err rc = header(s, false, s->received);
    if (rc == EG_OK)
        rc = title(s, "Giấy tiếp nhận hồ sơ và hẹn trả kết quả");
    if (rc == EG_OK && s->track_url != NULL) {
        struct eg_pdf_qr_opts q = {.align = EG_PDF_RIGHT, .caption = s->code, .beside = true};
        rc = eg_pdf_qr(s->pdf, s->track_url, QR_MM, &q);
    }
    if (rc == EG_OK)
        rc = say(s, &body, "Bộ phận tiếp nhận và trả kết quả: %s", or_blank(s->agency));
    if (rc == EG_OK)
        rc = say(s, &body, "Tiếp nhận hồ sơ của: %s", or_blank(s->app_name));
    if (rc == EG_OK && s->app_pid != NULL)
        rc = say(s, &body, "Số định danh cá nhân: %s", s->app_pid);
    if (rc == EG_OK)
        rc = say(s, &body, "Địa chỉ: %s", or_blank(s->app_address));
    if (rc == EG_OK)
        rc = say(s, &body, "Số điện thoại: %s", or_blank(s->app_phone));
    if (rc == EG_OK)
        rc = say(s, &body, "Thư điện tử: %s", or_blank(s->app_email));
    if (rc == EG_OK)
        rc = say(s, &body, "Nội dung yêu cầu giải quyết: %s (mã thủ tục %s).",
                 or_blank(s->proc_name), s->proc_code != NULL ? s->proc_code : "........");
    if (rc == EG_OK)
        rc = say(s, &body, "Hình thức nộp: %s.", s->channel != NULL ? s->channel : "..........");
    if (rc == EG_OK)
        rc = say(s, &body, "1. Thành phần hồ sơ nộp gồm:");
    int n = 0;
    if (rc == EG_OK)
        rc = eg_pdf_space(s->pdf, 3);
    if (rc == EG_OK)
        rc = components_table(s, &n);
    if (rc == EG_OK)
        rc = eg_pdf_space(s->pdf, 4);
    if (rc == EG_OK)
        rc = say(s, &body, "2. Số lượng hồ sơ: 01 bộ, gồm %d thành phần.", n);
    if (rc == EG_OK && s->has_days)
        rc = say(s, &body, "3. Thời gian giải quyết hồ sơ theo quy định: %lld ngày làm việc.",
                 s->working_days);
    else if (rc == EG_OK)
        rc = say(s, &body, "3. Thời gian giải quyết hồ sơ theo quy định: .... ngày làm việc.");
    if (rc == EG_OK)
        rc = say(s, &body, "4. Thời gian nhận hồ sơ: %s.", fmt_long(a, sizeof(a), s->received));
    if (rc == EG_OK)
        rc = say(s, &body, "5. Thời gian trả kết quả giải quyết hồ sơ: %s.",
                 fmt_long(b, sizeof(b), s->due_at.set ? s->due_at : s->due));
    const char *delivery = rd_str(&s->r, s->d, "", "delivery");
    if (rc == EG_OK && delivery != NULL)
        rc = say(s, &body, "6. Đăng ký nhận kết quả tại: %s.", delivery);
    else if (rc == EG_OK)
        rc = say(s, &body, "6. Đăng ký nhận kết quả tại: Bộ phận tiếp nhận và trả kết quả, %s%s%s.",
                 or_blank(s->agency), s->agency_address != NULL ? ", " : "",
                 s->agency_address != NULL ? s->agency_address : "");
    if (rc == EG_OK && s->track_url != NULL) {
        struct eg_pdf_style note = {.size = SMALL, .flags = EG_PDF_ITALIC, .leading = 1.3};
        rc = say(s, &note,
                 "Tra cứu tình trạng giải quyết hồ sơ: quét mã QR trên phiếu này hoặc truy cập %s "
                 "và nhập mã hồ sơ.",
                 s->track_url);
    }
    struct signer l = {"Người nộp hồ sơ", "(Ký và ghi rõ họ tên)", s->app_name};
    struct signer r = {"Người tiếp nhận hồ sơ", "(Ký và ghi rõ họ tên)", receiver(s)};
    if (rc == EG_OK)
        rc = signatures(s, &l, &r, false);
    return rc;
}

/* ---- 02 supplement, 03 refusal -------------------------------------------------------- */

/* "Hồ sơ của / Nội dung / Địa chỉ / ..." as the intake forms list the applicant. */
static enum eg_err
applicant_lines(struct slip *s, const char *lead)
{
    enum eg_err rc = say(s, &body, "%s %s", lead, or_blank(s->app_name));
    if (rc == EG_OK)
        rc = say(s, &body, "Nội dung yêu cầu giải quyết: %s (mã thủ tục %s).",
                 or_blank(s->proc_name), s->proc_code != NULL ? s->proc_code : "........");
    if (rc == EG_OK)
        rc = say(s, &body, "Địa chỉ: %s", or_blank(s->app_address));
    if (rc == EG_OK)
        rc = say(s, &body, "Số điện thoại: %s", or_blank(s->app_phone));
    if (rc == EG_OK)
        rc = say(s, &body, "Thư điện tử: %s", or_blank(s->app_email));
    return rc;
}

/* The reason: the event's note, else the dossier's last reason, else dotted lines to write on. */
static enum eg_err
reason(struct slip *s, const char *label, const struct event *e)
{
    const char *why = e->note != NULL ? e->note : s->reason;
    if (why != NULL)
        return say_p(s, "%s %s", label, why);
    enum eg_err rc = eg_pdf_space(s->pdf, 3);
    if (rc == EG_OK)
        rc = eg_pdf_fill(s->pdf, NULL, label, 2);
    return rc;
}

static enum eg_err
supplement(struct slip *s)
{
    struct event e;
    last_event(s, "request_supplement", &e, NULL);
    char a[64];
    enum eg_err rc = header(s, false, e.at);
    if (rc == EG_OK)
        rc = title(s, "Phiếu yêu cầu bổ sung, hoàn thiện hồ sơ");
    if (rc == EG_OK)
        rc = applicant_lines(s, "Hồ sơ của:");
    if (rc == EG_OK)
        rc = say(s, &body, "Ngày tiếp nhận hồ sơ: %s.", fmt_date(a, sizeof(a), s->received));
    if (rc == EG_OK)
        rc = eg_pdf_space(s->pdf, 4);
    if (rc == EG_OK)
        rc = reason(s, "Yêu cầu bổ sung, hoàn thiện hồ sơ gồm những nội dung sau:", &e);
    if (rc == EG_OK)
        rc = say_p(s,
                   "Thời gian giải quyết hồ sơ tạm dừng từ ngày %s cho đến khi nhận đủ hồ sơ bổ "
                   "sung, hoàn thiện.",
                   fmt_date(a, sizeof(a), e.at));
    if (rc == EG_OK)
        rc = say_p(s,
                   "Trong quá trình hoàn thiện hồ sơ nếu có vướng mắc, %s liên hệ với %s, số điện "
                   "thoại %s để được hướng dẫn./.",
                   honorific(s), or_blank(s->agency),
                   s->agency_phone != NULL ? s->agency_phone : "................");
    struct signer r = {"Người hướng dẫn", "(Ký và ghi rõ họ tên)", e.actor};
    if (rc == EG_OK)
        rc = signatures(s, NULL, &r, false);
    return rc;
}

static enum eg_err
refusal(struct slip *s)
{
    struct event e;
    last_event(s, "refuse", &e, NULL);
    enum eg_err rc = header(s, false, e.at);
    if (rc == EG_OK)
        rc = title(s, "Phiếu từ chối tiếp nhận giải quyết hồ sơ");
    if (rc == EG_OK)
        rc = say(s, &body, "Bộ phận tiếp nhận và trả kết quả: %s", or_blank(s->agency));
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
        rc = say_p(s, "Xin thông báo để %s được biết và thực hiện./.", honorific(s));
    struct signer r = {"Người tiếp nhận hồ sơ", "(Ký và ghi rõ họ tên)", e.actor};
    if (rc == EG_OK)
        rc = signatures(s, NULL, &r, false);
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
        read_event(s, i, &e);
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
    enum eg_err rc = say_p(s,
                           "Ngày %s, %s tiếp nhận hồ sơ của %s %s, mã hồ sơ %s, đề nghị giải quyết "
                           "thủ tục: %s.",
                           fmt_date(a, sizeof(a), s->received), or_blank(s->agency), honorific(s),
                           or_blank(s->app_name), s->code, or_blank(s->proc_name));
    if (rc == EG_OK)
        rc =
            say_p(s, "Thời hạn trả kết quả giải quyết hồ sơ: %s.", fmt_long(b, sizeof(b), old_due));
    return rc;
}

static enum eg_err
apology(struct slip *s)
{
    struct event e;
    size_t at = 0;
    last_event(s, "extend", &e, &at);
    struct when old = due_before(s, at);
    struct when new_due = e.due.set ? e.due : s->due;
    const char *ag = or_blank(s->agency);
    const char *h = honorific(s);
    char a[64];
    enum eg_err rc = header(s, true, e.at);
    if (rc == EG_OK)
        rc = title(s, "Văn bản xin lỗi và đề nghị gia hạn\nthời gian giải quyết");
    if (rc == EG_OK)
        rc = to_applicant(s);
    if (rc == EG_OK)
        rc = eg_pdf_space(s->pdf, 6);
    if (rc == EG_OK)
        rc = letter_opening(s, old);
    if (rc == EG_OK)
        rc = say_p(s, "Tuy nhiên đến nay, %s chưa giải quyết xong hồ sơ của %s.", ag, h);
    if (rc == EG_OK)
        rc = reason(s, "Lý do:", &e);
    if (rc == EG_OK)
        rc = say_p(s,
                   "Sự chậm trễ này đã gây phiền hà cho %s. %s xin lỗi %s và đề nghị gia hạn thời "
                   "gian giải quyết hồ sơ đến ngày %s; %s sẽ trả kết quả giải quyết hồ sơ cho %s "
                   "vào ngày %s.",
                   h, ag, h, fmt_date(a, sizeof(a), new_due), ag, h, a);
    if (rc == EG_OK)
        rc = say_p(s, "Xin trân trọng cảm ơn sự hợp tác của %s./.", h);
    struct signer r = {"Thủ trưởng cơ quan", "(Ký, ghi rõ họ tên, đóng dấu)", NULL};
    if (rc == EG_OK)
        rc = signatures(s, NULL, &r, true);
    return rc;
}

static enum eg_err
stop_notice(struct slip *s)
{
    struct event e;
    size_t at = 0;
    last_event(s, "stop", &e, &at);
    struct when due = e.set ? due_before(s, at) : s->due;
    if (!due.set)
        due = s->due_at.set ? s->due_at : s->due;
    char a[64];
    enum eg_err rc = header(s, true, e.at);
    if (rc == EG_OK)
        rc = title(s, "Thông báo dừng giải quyết hồ sơ");
    if (rc == EG_OK)
        rc = to_applicant(s);
    if (rc == EG_OK)
        rc = eg_pdf_space(s->pdf, 6);
    if (rc == EG_OK)
        rc = letter_opening(s, due);
    if (rc == EG_OK)
        rc = say_p(s, "%s thông báo dừng giải quyết hồ sơ nêu trên kể từ ngày %s.",
                   or_blank(s->agency), fmt_date(a, sizeof(a), e.at));
    if (rc == EG_OK)
        rc = reason(s, "Lý do:", &e);
    if (rc == EG_OK)
        rc = say_p(s, "Xin thông báo để %s được biết./.", honorific(s));
    struct signer r = {"Thủ trưởng cơ quan", "(Ký, ghi rõ họ tên, đóng dấu)", NULL};
    if (rc == EG_OK)
        rc = signatures(s, NULL, &r, true);
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
        rd_fail(&s->r, "", where, "một đối tượng");
        return NULL;
    }
    const char *name = rd_str(&s->r, st, where, "name");
    const char *unit = rd_str(&s->r, rd_obj(&s->r, st, where, "unit"), where, "name");
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
            read_event(s, j, &x);
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
            snprintf(b, n, "%s\n(người nộp hồ sơ)", or_blank(s->app_name));
            return b;
        }
    if (strcmp(e->action, "extend") == 0) {
        snprintf(b, n, "%s\n(người nộp hồ sơ)", or_blank(s->app_name));
        return b;
    }
    if (e->to != NULL && (strcmp(e->to, "submitted") == 0 || strcmp(e->to, "result_ready") == 0 ||
                          strcmp(e->to, "withdrawn") == 0)) {
        snprintf(b, n, "Bộ phận tiếp nhận và trả kết quả\n%s", or_blank(s->agency));
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
        read_event(s, i, &e);
        /* Drafts and the scanner's marks hand nothing over. */
        if (!e.set || strcmp(e.action, "create") == 0 || strcmp(e.action, "warn") == 0 ||
            strcmp(e.action, "overdue") == 0)
            continue;
        snprintf(giver, sizeof(giver), "%s%s%s", or_blank(e.actor), e.unit != NULL ? "\n" : "",
                 e.unit != NULL ? e.unit : "");
        snprintf(no, sizeof(no), "%d", ++n);
        eg_buf_reset(&note);
        rc = eg_buf_adds(&note, e.title != NULL ? e.title : e.action);
        if (rc == EG_OK && e.note != NULL)
            rc = eg_buf_printf(&note, ": %s", e.note);
        const char *row[] = {no,
                             giver,
                             taker(s, i, &e, got, sizeof(got)),
                             fmt_time(at, sizeof(at), e.at),
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
            rd_fail(&s->r, "", where, "một đối tượng");
            break;
        }
        const json_t *u = rd_obj(&s->r, st, where, "unit");
        const char *code = rd_str(&s->r, u, where, "code");
        const char *name = rd_str(&s->r, u, where, "name");
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

static enum eg_err
control(struct slip *s)
{
    char a[64], b[64];
    struct eg_buf other = EG_BUF_INIT(LINE_MAX);
    enum eg_err rc = header(s, false, s->received);
    if (rc == EG_OK)
        rc = title(s, "Phiếu kiểm soát quá trình giải quyết hồ sơ");
    if (rc == EG_OK)
        rc = say(s, &body, "Kèm theo hồ sơ của: %s", or_blank(s->app_name));
    if (rc == EG_OK)
        rc = say(s, &body, "Thủ tục: %s (mã thủ tục %s).", or_blank(s->proc_name),
                 s->proc_code != NULL ? s->proc_code : "........");
    if (rc == EG_OK)
        rc = say(s, &body, "Ngày nhận hồ sơ: %s.", fmt_time(a, sizeof(a), s->received));
    if (rc == EG_OK)
        rc = say(s, &body, "Ngày hẹn trả kết quả: %s.",
                 fmt_time(b, sizeof(b), s->due_at.set ? s->due_at : s->due));
    if (rc == EG_OK)
        rc = say(s, &body, "Cơ quan (bộ phận) giải quyết hồ sơ: %s.", or_blank(s->agency));
    if (rc == EG_OK)
        rc = partners(s, &other);
    if (rc == EG_OK)
        rc = say(s, &body, "Cơ quan phối hợp giải quyết hồ sơ: %s.", eg_buf_str(&other));
    if (rc == EG_OK)
        rc = eg_pdf_space(s->pdf, 6);
    if (rc == EG_OK)
        rc = control_rows(s);
    eg_buf_release(&other);
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
    last_event(s, action, &e, NULL);
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
    struct slip s = {.r = {EG_OK, NULL}, .d = dossier};
    read_common(&s);
    return s.r.err == EG_OK && available(&s, k);
}

static enum eg_err fail(struct eg_buf *msg, enum eg_err rc, const char *fmt, ...) EG_PRINTF(3, 4);

static enum eg_err
fail(struct eg_buf *msg, enum eg_err rc, const char *fmt, ...)
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
        return receipt(s);
    case EG_SLIP_SUPPLEMENT:
        return supplement(s);
    case EG_SLIP_REFUSAL:
        return refusal(s);
    case EG_SLIP_APOLOGY:
        return apology(s);
    case EG_SLIP_STOP:
        return stop_notice(s);
    case EG_SLIP_CONTROL:
        return control(s);
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
        return fail(msg, EG_EINVAL, "Không có mẫu phiếu số %d.", (int)k);
    if (!json_is_object(dossier))
        return fail(msg, EG_EINVAL, "Dữ liệu hồ sơ không hợp lệ: phải là một đối tượng JSON.");
    struct slip s = {.r = {EG_OK, m}, .d = dossier, .line = EG_BUF_INIT(LINE_MAX)};
    s.track_url = track_url != NULL && *track_url != '\0' ? track_url : NULL;
    read_common(&s);
    enum eg_err rc = s.r.err;
    if (rc != EG_OK)
        goto out;
    if (s.code == NULL) {
        rc = fail(msg, EG_EINVAL, "Hồ sơ chưa có mã (bản nháp): không có %s để in.",
                  eg_slip_title(k, "vi"));
        goto out;
    }
    if (!available(&s, k)) {
        rc = fail(msg, EG_EINVAL, "Hồ sơ %s %s: không có %s để in.", s.code, kind->missing,
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
            rc = fail(msg, rc, "%s %s: %s", kind->vi, s.code, *why != '\0' ? why : eg_strerror(rc));
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
