/*
 * slips_int.h - shared by the files that print the one-stop shop's papers:
 * slips.c (reading the dossier, the blocks every slip shares, the public
 * functions), slips_intake.c (01, 06), slips_notices.c (02-05) and
 * slips_book.c (07); not a public interface.
 */
#ifndef EG_SLIPS_INT_H
#define EG_SLIPS_INT_H

#include "dossiers/dossiers.h"
#include "pdf/pdf.h"

#define BODY 12.0 /* DejaVu Serif 12 pt is about as wide as Times New Roman 13-14 pt */
#define HEAD 11.0 /* the national name and the agency: Decree 30's 12-13 pt in Times */
#define SMALL 10.5
#define LINE_MAX ((size_t)EG_PDF_TEXT_MAX)

/* ---- reading JSON (slips.c) --------------------------------------------------------------- */

/*
 * A reader of JSON members: a missing or null member reads as NULL (or
 * false), a member of the wrong type sets err and says which in msg, "Dữ
 * liệu <what> không hợp lệ: <where>.<key> phải là ...". The first problem
 * wins; once err is set, reads go on returning what they can.
 */
struct rd {
    enum eg_err err;
    struct eg_buf *msg; /* the first problem, Vietnamese; NULL: not kept */
    const char *what;   /* what the data is: "hồ sơ", "sổ theo dõi" */
    int min_year;       /* a date of an earlier year is malformed (the slips: 1900; the book: 0) */
};

void slips_rd_fail(struct rd *r, const char *where, const char *key, const char *want);
/* A string member; "" counts as missing. */
const char *slips_rd_str(struct rd *r, const json_t *obj, const char *where, const char *key);
const json_t *slips_rd_obj(struct rd *r, const json_t *obj, const char *where, const char *key);
const json_t *slips_rd_arr(struct rd *r, const json_t *obj, const char *where, const char *key);
/* An integer member into *out; false when missing. */
bool slips_rd_int(struct rd *r, const json_t *obj, const char *where, const char *key,
                  long long *out);
bool slips_rd_bool(struct rd *r, const json_t *obj, const char *where, const char *key, bool *out);

/* A local time "YYYY-MM-DDTHH:MM" (seconds allowed) or a date "YYYY-MM-DD". */
struct when {
    bool set;
    bool has_time;
    int y, mo, d, h, mi;
};

/* A date or time member; set is false when it is missing or malformed (then r says so). */
struct when slips_rd_when(struct rd *r, const json_t *obj, const char *where, const char *key);

/* ---- formatting (slips.c) ----------------------------------------------------------------- */

/* "27/11/2026", or a blank. */
const char *slips_fmt_date(char *b, size_t n, struct when w);
/* "10:30 27/11/2026" (the date alone without a time), or a blank. */
const char *slips_fmt_time(char *b, size_t n, struct when w);
/* "10 giờ 30 phút, ngày 27/11/2026", as the forms word a time. */
const char *slips_fmt_long(char *b, size_t n, struct when w);
/* s, or a dotted blank to write on. */
const char *slips_or_blank(const char *s);
/* A formatted message into msg (reset first; may be NULL); returns rc. */
enum eg_err slips_fail(struct eg_buf *msg, enum eg_err rc, const char *fmt, ...) EG_PRINTF(3, 4);

/* ---- the slip being made (slips.c) -------------------------------------------------------- */

/* One entry of the timeline (slips_read_event). */
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

/* The slip being made: the dossier read once by slips.c, and the PDF. */
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

/* timeline[i], type-checked; e->set false when it is not an object. */
void slips_read_event(struct slip *s, size_t i, struct event *e);
/* The last event with that action (index in *at), or e->set false. */
void slips_last_event(struct slip *s, const char *action, struct event *e, size_t *at);
/* The addressee as the letters say it: "Ông/Bà", "Quý tổ chức". */
const char *slips_honorific(const struct slip *s);

/* ---- blocks every slip shares (slips.c) --------------------------------------------------- */

extern const struct eg_pdf_style slips_body;

/* A paragraph from a format. */
enum eg_err slips_say(struct slip *s, const struct eg_pdf_style *st, const char *fmt, ...)
    EG_PRINTF(3, 4);
/* A paragraph of a letter, with the small space Decree 30 puts between paragraphs. */
enum eg_err slips_say_p(struct slip *s, const char *fmt, ...) EG_PRINTF(2, 3);
/* The agency and the national name, "Số: ..." when number, the place and date. */
enum eg_err slips_header(struct slip *s, bool number, struct when date);
/* The title in bold capitals, and "Mã hồ sơ: ..." under it. */
enum eg_err slips_title(struct slip *s, const char *t);
/* "Kính gửi: Ông/Bà Nguyễn Văn An" centred. */
enum eg_err slips_to_applicant(struct slip *s);

struct signer {
    const char *role;
    const char *hint;
    const char *name; /* printed under the room to sign, or NULL */
};

/* One signer on the right, or two side by side; recipients (letters) on the left. */
enum eg_err slips_signatures(struct slip *s, const struct signer *left, const struct signer *right,
                             bool recipients);

/* ---- the slips ------------------------------------------------------------------------------ */

/* slips_intake.c: 01 receipt and appointment, 06 control slip. */
enum eg_err slips_receipt(struct slip *s);
enum eg_err slips_control(struct slip *s);
/* slips_notices.c: 02 supplement request, 03 refusal, 04 apology and extension, 05 stop. */
enum eg_err slips_supplement(struct slip *s);
enum eg_err slips_refusal(struct slip *s);
enum eg_err slips_apology(struct slip *s);
enum eg_err slips_stop(struct slip *s);

#endif /* EG_SLIPS_INT_H */
