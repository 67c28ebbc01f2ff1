/*
 * dossiers.h - dossiers (hồ sơ) from submission to returned result through
 * the one-stop shop (docs/dossiers.md, DOMAIN-VN §3).
 *
 * Owns the tables of migration 0010: processes (how a procedure's dossiers
 * move between units, as versioned JSON data), dossiers, their timeline,
 * clock pauses, files, the daily code sequence and idempotency keys.
 *
 * A dossier is created as a draft by its applicant, or submitted at once
 * (online), or entered at the counter by a desk officer (already received).
 * Every action is one write transaction: the dossier row (compared and set on
 * its version, so of two officers acting at once exactly one wins and the
 * other gets EG_ECONFLICT), its timeline event, its audit entry and its
 * notices in the outbox.
 *
 * Business code only: no HTTP. Who acts is a struct eg_actor; permissions are
 * decided here through access/ (the step's role on the step's unit, the
 * applicant on their own dossier). Messages for people are Vietnamese.
 * Thread safety: a struct eg_dossiers is shared by all threads; every call
 * takes the database and does its own transactions.
 */
#ifndef EG_DOSSIERS_H
#define EG_DOSSIERS_H

#include "access/access.h"
#include "calendar/calendar.h"
#include "core/core.h"
#include "db/db.h"
#include "identity/identity.h"

/* ---- states ------------------------------------------------------------------------- */

enum eg_dossier_state {
    EG_DS_DRAFT,        /* the applicant's, not yet submitted */
    EG_DS_SUBMITTED,    /* submitted online, waiting for the desk (national 1) */
    EG_DS_RECEIVED,     /* received, at its first step (2) */
    EG_DS_PROCESSING,   /* being processed (4) */
    EG_DS_SUPPLEMENT,   /* waiting for the applicant's supplement; the clock stops (5) */
    EG_DS_RESULT_READY, /* approved or rejected; the result waits at the desk (9) */
    EG_DS_RETURNED,     /* the result was handed over (10) */
    EG_DS_REFUSED,      /* not received at intake (3) */
    EG_DS_WITHDRAWN,    /* the applicant withdrew it (7) */
    EG_DS_STOPPED,      /* processing stopped (8) */
    EG_DS_COUNT
};

const char *eg_dossier_state_str(enum eg_dossier_state s); /* "draft", "submitted", ... */
EG_WUR enum eg_err eg_dossier_state_parse(const char *s, enum eg_dossier_state *out);
/* The state for people: "vi" or "en". */
const char *eg_dossier_state_title(enum eg_dossier_state s, const char *lang);
/* The national portal's TrangThaiHoSo code (1-10); 0 for a draft (never sent). */
int eg_dossier_national_status(enum eg_dossier_state s);
/* The dossier is over: returned, refused, withdrawn or stopped. */
bool eg_dossier_state_final(enum eg_dossier_state s);

enum eg_channel {
    EG_CHANNEL_ONLINE,
    EG_CHANNEL_COUNTER,
    EG_CHANNEL_POST,
    EG_CHANNEL_PHONE,
    EG_CHANNEL_FAX,
    EG_CHANNEL_COUNT
};
const char *eg_channel_str(enum eg_channel c); /* "online", "counter", ... */
const char *eg_channel_title(enum eg_channel c, const char *lang);
EG_WUR enum eg_err eg_channel_parse(const char *s, enum eg_channel *out);

/* ---- actions ------------------------------------------------------------------------ */

enum eg_dossier_action {
    EG_DA_RECEIVE,            /* desk: take a submitted dossier in (form 01) */
    EG_DA_REFUSE,             /* desk: refuse a submitted dossier, with a reason (form 03) */
    EG_DA_ASSIGN,             /* the step's unit: give the dossier to one officer */
    EG_DA_FORWARD,            /* the step's officer: on to the next step */
    EG_DA_SEND_BACK,          /* the step's officer: back to the previous step, with a reason */
    EG_DA_REQUEST_SUPPLEMENT, /* desk or step: ask the applicant for more (form 02) */
    EG_DA_SUPPLEMENT,         /* applicant (or desk for them): the dossier is complete again */
    EG_DA_APPROVE,            /* the deciding step: the result is granted */
    EG_DA_REJECT,             /* the deciding step: the result is a refusal, with a reason */
    EG_DA_EXTEND,             /* desk or step: a later due date, with the apology (form 04) */
    EG_DA_RETURN_RESULT,      /* desk: the result was handed over */
    EG_DA_WITHDRAW,           /* applicant: withdraws the dossier */
    EG_DA_STOP,               /* a leader: stops processing, with a reason (form 05) */
    EG_DA_COUNT
};
const char *eg_dossier_action_str(enum eg_dossier_action a); /* "receive", ... */
const char *eg_dossier_action_title(enum eg_dossier_action a, const char *lang);
EG_WUR enum eg_err eg_dossier_action_parse(const char *s, enum eg_dossier_action *out);

/* ---- processes ---------------------------------------------------------------------- */

#define EG_PROCESS_MAX_STEPS 12

/*
 * A process definition (JSON):
 *   {"steps":[{"id":"tham_dinh","name":"Thẩm định hồ sơ","unit":"receiving",
 *              "role":"specialist","days":2},
 *             {"id":"phe_duyet","name":"Phê duyệt","unit":"receiving",
 *              "role":"agency_leader","days":1,"decides":true}]}
 * Steps run after the desk's intake, in order (forward goes to the next, send
 * back to the previous). unit is "receiving" (the unit that received the
 * dossier) or the QCVN 102 code of another unit (an inter-agency hand-off,
 * liên thông); role one of specialist, department_head, agency_leader,
 * desk_officer, clerk; days the step's allowance in working days (0-365);
 * exactly the last step decides (approve or reject). 1..EG_PROCESS_MAX_STEPS
 * steps with distinct ids (a-z0-9_). msg names the first problem.
 */
EG_WUR enum eg_err eg_process_check(const json_t *def, struct eg_buf *msg);
/* The process a procedure has when none was defined: examine, then decide. */
EG_WUR enum eg_err eg_process_default(int working_days, json_t **out);
/*
 * Stores def as the procedure's next process version, used by dossiers
 * submitted from now on; checks every unit code exists and is open.
 */
EG_WUR enum eg_err eg_process_put(struct eg_tx *tx, const char *procedure_code, const json_t *def,
                                  const char *actor, int64_t now_ms, int *version,
                                  struct eg_buf *msg);
/* The current process of a procedure (its definition, a new reference to a value shared
 * with other callers: read it, never change it), or EG_ENOTFOUND. */
EG_WUR enum eg_err eg_process_current(struct eg_tx *tx, const char *procedure_code, int64_t *id,
                                      json_t **def);

/* ---- the service -------------------------------------------------------------------- */

struct eg_dossiers;

struct eg_dossiers_config {
    struct eg_db *db;
    const struct eg_identity *identity; /* seals the form; required */
    const struct eg_clock *clock;       /* NULL: the system clock */
    const char *public_url;             /* "https://dichvucong.example.vn": tracking links */
    int64_t calendar_ttl_ms;            /* reload the calendar this often; 0 = 30 s */
    int64_t warn_before_ms; /* the scanner warns this long before a due time; 0 = 1 day */
};

EG_WUR enum eg_err eg_dossiers_open(const struct eg_dossiers_config *c, struct eg_dossiers **out);
void eg_dossiers_close(struct eg_dossiers *d);

/* Who acts: an account (staff, citizen or business) and where the request came from. */
struct eg_actor {
    struct eg_subject subject;
    const char *name;       /* the person's name for the timeline */
    const char *remote;     /* for the audit entry */
    const char *request_id; /* for the audit entry */
};

/* ---- submission --------------------------------------------------------------------- */

struct eg_dossier_file_ref {
    int64_t
        attachment_id; /* an attachment of the applicant's (or, at the counter, the officer's) */
    int component;     /* the procedure's component index, or -1 */
    const char *field; /* a form field of type file, or NULL */
};

#define EG_DOSSIER_MAX_FILES 100

struct eg_dossier_new {
    const char *procedure_code;
    const char *agency_code; /* the receiving unit; NULL when the procedure has one */
    const json_t *form;      /* {field name: value}; checked against the procedure's form */
    const struct eg_dossier_file_ref *files;
    size_t nfiles;
    bool draft;              /* keep as a draft (online only) */
    enum eg_channel channel; /* online for applicants; the desk enters the others */
    /* Counter intake: who the applicant is (the officer is the actor). */
    const char *applicant_name;
    const char *applicant_kind; /* "citizen" / "business" */
    const char *applicant_email;
    const char *applicant_phone;
    int64_t applicant_account; /* the applicant's account if they have one, else 0 */
    const json_t *paper;       /* counter: [component indexes handed in on paper] */
    const char *idem_key;      /* Idempotency-Key; NULL: none */
    const char *request_hash;  /* with idem_key: the request's hash (a replay must match) */
    int version;               /* draft update: the version the applicant saw; 0: any */
};

/* What a submission or an action leaves: enough for the API's answer. */
struct eg_dossier_ref {
    int64_t id;
    char code[64]; /* "" for a draft */
    enum eg_dossier_state state;
    int version;
    char due[EG_DATE_STR]; /* "" until received */
    int64_t due_ms;        /* 0 until received */
    bool replayed;         /* an Idempotency-Key seen before: the first answer again */
};

/*
 * Creates a dossier. EG_EINVAL with a Vietnamese sentence in msg (the first
 * problem: unknown procedure, not for this kind of applicant, an agency that
 * does not carry it out, a form value, a required component without a file,
 * a file that is not the applicant's); EG_EFORBIDDEN when the actor may not;
 * EG_ECONFLICT when idem_key was used with another request.
 */
EG_WUR enum eg_err eg_dossier_create(struct eg_dossiers *d, const struct eg_actor *a,
                                     const struct eg_dossier_new *n, struct eg_dossier_ref *out,
                                     struct eg_buf *msg);
/* The applicant changes a draft (form and files as in n; procedure and agency may not change). */
EG_WUR enum eg_err eg_dossier_draft_update(struct eg_dossiers *d, const struct eg_actor *a,
                                           int64_t id, const struct eg_dossier_new *n,
                                           struct eg_dossier_ref *out, struct eg_buf *msg);
/*
 * Deletes the applicant's own draft (a dossier never submitted): its rows go,
 * its files become the applicant's uploads again; audited (dossier.draft_delete).
 * EG_ENOTFOUND for anything but one's own draft.
 */
EG_WUR enum eg_err eg_dossier_draft_delete(struct eg_dossiers *d, const struct eg_actor *a,
                                           int64_t id);
/* The applicant submits a draft (checked in full again). */
EG_WUR enum eg_err eg_dossier_draft_submit(struct eg_dossiers *d, const struct eg_actor *a,
                                           int64_t id, struct eg_dossier_ref *out,
                                           struct eg_buf *msg);

/* ---- actions ------------------------------------------------------------------------ */

struct eg_dossier_act {
    enum eg_dossier_action action;
    int version; /* the version the actor saw; another: EG_ECONFLICT */
    /* the reason or remark: required to refuse, send back, request a supplement, reject,
     * extend and stop */
    const char *note;
    int64_t assignee;                        /* assign: the officer */
    const char *new_due;                     /* extend: "YYYY-MM-DD", after the current due date */
    const struct eg_dossier_file_ref *files; /* supplement, result: files handed in */
    size_t nfiles;
};

/*
 * Does one action on the dossier with that code. EG_ENOTFOUND when there is
 * none or the actor may not see it; EG_EFORBIDDEN when the actor may see it
 * but not do this; EG_EINVAL (msg) when its input is wrong; EG_ECONFLICT (msg)
 * when the action is not allowed in the dossier's state or the dossier
 * changed since act->version.
 */
EG_WUR enum eg_err eg_dossier_do(struct eg_dossiers *d, const struct eg_actor *a, const char *code,
                                 const struct eg_dossier_act *act, struct eg_dossier_ref *out,
                                 struct eg_buf *msg);

/* ---- reading ------------------------------------------------------------------------ */

enum eg_dossier_view {
    EG_VIEW_FULL,   /* the applicant or responsible staff: everything */
    EG_VIEW_PUBLIC, /* anyone with the code: status and dates, no personal data */
};

/*
 * One dossier as JSON: {"id","code","status","status_title","national_status",
 * "procedure":{code,name,version},"agency":{code,name},"channel","submitted",
 * "received","due","finished","returned","result","step":{...},"version",
 * "applicant":{...},"form":{...},"files":[...],"timeline":[...],"actions":[...]}
 * (the public view: code, status, procedure, agency, dates and the timeline's
 * actions without notes or names). "actions" lists what this actor may do now.
 * EG_ENOTFOUND when there is none or (full view) the actor may not see it.
 * The full view of personal data is audited (dossier.read).
 */
EG_WUR enum eg_err eg_dossier_get(struct eg_dossiers *d, const struct eg_actor *a, const char *code,
                                  enum eg_dossier_view view, const char *lang, json_t **out);
/*
 * The public view of eg_dossier_get() as JSON text, appended to out: what
 * GET /api/v1/track/{code} answers. Kept between lookups and checked against
 * the dossier's version each time (track.c), so a change shows at once; names
 * of units and procedures, and "overdue", may lag by up to 5 seconds.
 */
EG_WUR enum eg_err eg_dossier_track_json(struct eg_dossiers *d, const char *code, const char *lang,
                                         struct eg_buf *out);
/* A draft by id (its applicant only). */
EG_WUR enum eg_err eg_dossier_get_draft(struct eg_dossiers *d, const struct eg_actor *a, int64_t id,
                                        const char *lang, json_t **out);

/*
 * A file of the dossier with that code, for someone who may see the dossier:
 * *attachment_id is then the attachment to stream (files/). EG_ENOTFOUND
 * otherwise. Staff downloads are audited (dossier.read).
 */
EG_WUR enum eg_err eg_dossier_file(struct eg_dossiers *d, const struct eg_actor *a,
                                   const char *code, int64_t attachment_id,
                                   int64_t *attachment_out);

enum eg_queue {
    EG_QUEUE_MINE,     /* the applicant's own dossiers */
    EG_QUEUE_NEW,      /* submitted online, waiting for the desk of the actor's units */
    EG_QUEUE_ASSIGNED, /* assigned to the actor */
    EG_QUEUE_STEP,     /* at a step the actor's role and unit may act on */
    EG_QUEUE_DUE_SOON, /* in progress in the actor's units, due within warn_before */
    EG_QUEUE_OVERDUE,  /* in progress in the actor's units, past due */
    EG_QUEUE_RESULTS,  /* results waiting at the desk of the actor's units */
    EG_QUEUE_ALL,      /* everything in the actor's units */
    EG_QUEUE_COUNT
};
const char *eg_queue_str(enum eg_queue q);
EG_WUR enum eg_err eg_queue_parse(const char *s, enum eg_queue *out);

struct eg_dossier_query {
    enum eg_queue queue;
    const char *state; /* filter, or NULL */
    int limit;         /* 1..100 */
    int offset;
};

/* {"items":[{"id","code","status","status_title","procedure":{code,name},"agency":{code,name},
 *            "applicant_name","channel","submitted","received","due","overdue","version"}],
 *  "total":N} */
EG_WUR enum eg_err eg_dossier_list(struct eg_dossiers *d, const struct eg_actor *a,
                                   const struct eg_dossier_query *q, const char *lang,
                                   json_t **out);

/* ---- the scanner -------------------------------------------------------------------- */

/*
 * Marks dossiers past their due time overdue and warns once before it
 * (timeline events and notices to the officers). *marked and *warned count
 * what this pass did. Safe to run from any number of processes.
 */
EG_WUR enum eg_err eg_dossiers_scan(struct eg_dossiers *d, int64_t now_ms, int *marked,
                                    int *warned);

/* A thread running eg_dossiers_scan() every every_ms (0 = 60 s) until eg_dossiers_scanner_stop(). */
EG_WUR enum eg_err eg_dossiers_scanner_start(struct eg_dossiers *d, int64_t every_ms);
/* Stops the thread if there is one (before eg_dossiers_close). NULL-safe. */
void eg_dossiers_scanner_stop(struct eg_dossiers *d);

/* The calendar in use (a reference the caller releases with eg_dossiers_calendar_put). */
EG_WUR enum eg_err eg_dossiers_calendar_get(struct eg_dossiers *d, const struct eg_calendar **out);
void eg_dossiers_calendar_put(struct eg_dossiers *d, const struct eg_calendar *cal);

/*
 * The public tracking page of a dossier, "<public_url>/tra-cuu/<code>" (the
 * receipt's QR code and the notices link there); a path alone when the
 * installation has no public URL configured.
 */
void eg_dossier_track_url(const struct eg_dossiers *d, const char *code, char *out, size_t n);

/* ---- codes -------------------------------------------------------------------------- */

/*
 * The dossier code <agency code>-YYMMDD-NNNN (DOMAIN-VN §3.1) for sequence
 * seq (1..9999; 5 digits from 10000 on) on local date day.
 */
EG_WUR enum eg_err eg_dossier_code_format(const char *agency_code, struct eg_date day, int seq,
                                          char *out, size_t n);
/* Checks the shape of a code (for 404s without a query): agency code, date, number. */
bool eg_dossier_code_valid(const char *code);

/* ---- slips and forms (slips.c, Circular 01/2018 and 03/2025 of the Government Office) ----- */

enum eg_slip {
    EG_SLIP_RECEIPT = 1, /* 01 Giấy tiếp nhận hồ sơ và hẹn trả kết quả, with a QR code */
    EG_SLIP_SUPPLEMENT = 2, /* 02 Phiếu yêu cầu bổ sung, hoàn thiện hồ sơ */
    EG_SLIP_REFUSAL = 3,    /* 03 Phiếu từ chối tiếp nhận giải quyết hồ sơ */
    EG_SLIP_APOLOGY = 4, /* 04 Văn bản xin lỗi và đề nghị gia hạn thời gian giải quyết */
    EG_SLIP_STOP = 5,    /* 05 Thông báo dừng giải quyết hồ sơ */
    EG_SLIP_CONTROL = 6, /* 06 Phiếu kiểm soát quá trình giải quyết hồ sơ */
};
/* The slip's title ("Giấy tiếp nhận hồ sơ và hẹn trả kết quả") in "vi" or "en". */
const char *eg_slip_title(enum eg_slip s, const char *lang);
/* Whether a dossier in that JSON (eg_dossier_get's full view) has what the slip needs. */
bool eg_slip_available(const json_t *dossier, enum eg_slip s);
/*
 * One slip as a PDF, appended to out, from a dossier's full view (eg_dossier_get)
 * and the public tracking URL of that dossier (the receipt's QR code). EG_EINVAL
 * (msg) when the dossier has nothing for that slip (no refusal to print).
 */
EG_WUR enum eg_err eg_slip_pdf(const json_t *dossier, enum eg_slip s, const char *track_url,
                               struct eg_buf *out, struct eg_buf *msg);
/*
 * 07 Sổ theo dõi hồ sơ: the tracking book of a unit for a period, one row per
 * dossier (items as eg_dossier_list gives them, plus "finished" and "returned"),
 * appended to out as a PDF.
 */
EG_WUR enum eg_err eg_slip_book_pdf(const json_t *items, const char *unit_name, const char *period,
                                    struct eg_buf *out, struct eg_buf *msg);

/* ---- staff helpers (staff.c, for the portal's desk pages) --------------------------- */

/*
 * The officers the dossier's current step may be assigned to: active staff
 * holding the step's role on the step's unit (granted there or above it), by
 * name, at most 200: [{"id","name"}]. An empty list when the dossier is at no
 * step (not received yet, or finished). EG_ENOTFOUND when there is no such
 * dossier or the actor is not staff working on its units. Who may assign is
 * still decided by eg_dossier_do(EG_DA_ASSIGN).
 */
EG_WUR enum eg_err eg_dossier_assignees(struct eg_dossiers *d, const struct eg_actor *a,
                                        const char *code, json_t **out);
/*
 * What eg_dossier_create() would answer from its idempotency record alone,
 * before anything is stored for a new try: EG_OK and the dossier (replayed
 * set) when the actor's key was used by the same request (request_hash),
 * EG_ECONFLICT when by another, EG_ENOTFOUND when never. A page calls it
 * first, so that a browser's retry or a double click neither stores its files
 * again nor is checked again (its files may belong to the dossier by now).
 */
EG_WUR enum eg_err eg_dossier_idem_find(struct eg_dossiers *d, const struct eg_actor *a,
                                        const char *key, const char *request_hash,
                                        struct eg_dossier_ref *out);

#endif /* EG_DOSSIERS_H */
