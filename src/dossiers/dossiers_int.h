/* dossiers_int.h - shared by the files of dossiers/; not a public interface. */
#ifndef EG_DOSSIERS_INT_H
#define EG_DOSSIERS_INT_H

#include "dossiers.h"

#include <pthread.h>

/* A calendar shared by threads, freed when the last user puts it back. */
struct cal_ref {
    struct eg_calendar *cal;
    int users;
    struct cal_ref *next; /* in the list of replaced ones still in use */
};

/* The memo of public tracking views (track.c). */
EG_WUR enum eg_err ds_track_cache_new(struct eg_memo **out);

struct eg_dossiers {
    struct eg_db *db;
    const struct eg_identity *identity;
    const struct eg_clock *clock;
    char public_url[512];
    int64_t calendar_ttl_ms;
    int64_t warn_before_ms;
    pthread_mutex_t mu;
    struct cal_ref *cal;   /* the current calendar */
    struct cal_ref *stale; /* replaced ones still in use: freed when their last user is done */
    int64_t cal_loaded_ms;
    struct eg_procedure_cache *procedures; /* parsed procedure documents of db */
    struct eg_memo *track;                 /* public views as JSON text (track.c) */
    /* the scanner thread */
    pthread_t scanner;
    bool scanning;
    bool stopping;
    int64_t scan_every_ms;
    pthread_cond_t wake;
};

/* One step of a dossier's process, resolved against its receiving unit. */
struct step {
    char id[64];
    char name[256];
    int64_t unit_id;
    char unit_code[40];
    enum eg_role role;
    int days;
    bool decides;
};

struct process {
    int n;
    struct step steps[EG_PROCESS_MAX_STEPS];
};

/* A dossier row as stored (text fields NUL-terminated copies). */
struct drow {
    int64_t id;
    char code[64];
    char procedure_code[64];
    int procedure_version;
    char field_code[32];
    int64_t process_id;
    int64_t unit_id; /* the receiving unit */
    char unit_code[40];
    int64_t agency_unit_id; /* the implementing unit the applicant chose */
    char agency_code[40];
    enum eg_channel channel;
    int64_t applicant_account;
    char applicant_kind[16];
    char applicant_name[256];
    char applicant_email[256];
    char applicant_phone[32];
    enum eg_dossier_state state;
    int step;
    int64_t step_unit_id;
    char step_role[24];
    int64_t step_started_ms;
    int64_t step_due_ms;
    int64_t assignee;
    enum eg_dossier_state resume_state;
    bool has_resume;
    char result[16];
    int working_days;
    int64_t created_ms, submitted_ms, received_ms, due_ms, finished_ms, returned_ms, closed_ms;
    char due_date[EG_DATE_STR];
    bool overdue;
    int version;
};

/* state.c */
const char *eg_dossier_event_title(const char *action, const char *lang);

/* process.c: the steps of process_id (or of the default for working_days when 0). */
EG_WUR enum eg_err ds_load_process(struct eg_tx *tx, const struct drow *r, struct process *out);
/* The receiving unit a process names ("receiving" in its definition), or "" for the agency's. */
void ds_process_receiving(const json_t *def, char out[40]);

/* store.c */
EG_WUR enum eg_err ds_load_row(struct eg_tx *tx, const char *code, int64_t id, bool for_update,
                               struct drow *out);
EG_WUR enum eg_err ds_add_event(struct eg_tx *tx, const struct drow *before,
                                const struct drow *after, const char *action,
                                const struct eg_actor *a, int64_t unit_id, const char *note,
                                const char *outcome, int64_t now_ms, int64_t *event_id);
EG_WUR enum eg_err ds_audit_action(struct eg_tx *tx, const struct eg_actor *a, const char *action,
                                   const struct drow *d, enum eg_dossier_state from,
                                   int64_t now_ms);
EG_WUR enum eg_err ds_attach_files(struct eg_tx *tx, const struct drow *d, const struct eg_actor *a,
                                   int64_t owner, const struct eg_dossier_file_ref *files, size_t n,
                                   int64_t event_id, struct eg_buf *msg);
EG_WUR enum eg_err ds_lookup_unit(struct eg_tx *tx, const char *code, int64_t *id);
EG_WUR enum eg_err ds_unit_code_of(struct eg_tx *tx, int64_t id, char *out, size_t n);
/* The account's name ("" if none). */
EG_WUR enum eg_err ds_account_name(struct eg_tx *tx, int64_t id, char *out, size_t n);
/* Does the account hold a role of mask on unit (or above it)? */
EG_WUR enum eg_err ds_holds_on(struct eg_tx *tx, int64_t account, unsigned mask, int64_t unit,
                               bool *out);

/* create.c */
/* An Idempotency-Key of the account seen before: its dossier (replayed), EG_ENOTFOUND, or
 * EG_ECONFLICT (msg, may be NULL) when it came with another request. */
EG_WUR enum eg_err ds_idem_lookup(struct eg_dossiers *d, int64_t account, const char *key,
                                  const char *hash, struct eg_dossier_ref *out, struct eg_buf *msg);
/* Writes r's changing columns back if its version is still expect_version (else EG_ECONFLICT). */
EG_WUR enum eg_err ds_save_row(struct eg_tx *tx, const struct drow *r, int expect_version);
/* Received now: the first step, the due dates. */
EG_WUR enum eg_err ds_start_processing(struct eg_dossiers *d, struct eg_tx *tx, struct drow *r,
                                       int64_t now_ms);
/* A draft gets its code and is submitted (online) or received (counter intake). */
EG_WUR enum eg_err ds_submit_row(struct eg_dossiers *d, struct eg_tx *tx, const struct eg_actor *a,
                                 struct drow *r, int64_t now_ms, int64_t *event_id);
void ds_ref_of(const struct drow *r, struct eg_dossier_ref *out);
/* The form of a dossier, unsealed (a new reference). */
EG_WUR enum eg_err ds_form_of(struct eg_dossiers *d, struct eg_tx *tx, int64_t id, json_t **out);

/* act.c: what the actor is to this dossier. */
struct who {
    bool applicant;   /* the dossier's own applicant */
    bool desk;        /* a desk officer of the receiving unit */
    bool step_holder; /* holds the current step's role on its unit */
    bool step_leader; /* a head or leader of the current step's unit */
    bool leader;      /* a head or leader of the receiving unit or the step's */
    bool staff_sees;  /* holds a dossier role on one of the dossier's units */
};
EG_WUR enum eg_err ds_who_is(struct eg_tx *tx, const struct eg_actor *a, const struct drow *r,
                             const struct process *p, struct who *w);
/* EG_OK, EG_ECONFLICT (the state does not allow it) or EG_EFORBIDDEN (not this actor). */
EG_WUR enum eg_err ds_may(enum eg_dossier_action action, const struct drow *r,
                          const struct process *p, const struct who *w, int64_t me,
                          struct eg_buf *msg);

/* calendar use (dossiers.c) */
EG_WUR enum eg_err ds_due_of(struct eg_dossiers *d, struct eg_tx *tx, const struct drow *r,
                             int64_t from_ms, int days, const char *cutoff, bool with_pauses,
                             struct eg_calendar_due *out);
/* The procedure version's intra-day cut-off ("HH:MM", or "" for none), its document cached. */
EG_WUR enum eg_err ds_procedure_cutoff(struct eg_dossiers *d, struct eg_tx *tx, const char *code,
                                       int version, char out[6]);
/* Takes the calendar before a write transaction, gives it back after (see dossiers.c). */
EG_WUR enum eg_err ds_calendar_hold(struct eg_dossiers *d);
void ds_calendar_release(struct eg_dossiers *d);
/* The calendar held by this thread, or NULL. */
const struct eg_calendar *ds_calendar_held(void);

/* form.c: checks the submitted form against the procedure document; clean gets the values
 * of the fields asked (a new object). partial (a draft): required fields may be empty. */
EG_WUR enum eg_err ds_form_check(const json_t *procedure, const json_t *form, int current_year,
                                 bool partial, json_t **clean, struct eg_buf *msg);

/* A Vietnamese phone number (0 or +84, 10-11 digits) into out as 0xxxxxxxxx. */
bool ds_phone_ok(const char *s, char out[16]);
/* An email address of the usual shape, without spaces, quotes or angle brackets. */
bool ds_email_ok(const char *s);
/* Every required file field that is asked has a file. */
EG_WUR enum eg_err ds_form_files_check(const json_t *procedure, const json_t *clean,
                                       const struct eg_dossier_file_ref *files, size_t n,
                                       struct eg_buf *msg);

/* notices (notice.c): the applicant's notice of an event, queued in tx. */
EG_WUR enum eg_err ds_notice_event(struct eg_dossiers *d, struct eg_tx *tx, const struct drow *r,
                                   const char *action, int64_t event_id, const char *reason,
                                   int64_t now_ms);

/* Role masks. */
#define ROLE(r) (1u << (r))
#define LEADERS (ROLE(EG_ROLE_DEPARTMENT_HEAD) | ROLE(EG_ROLE_AGENCY_LEADER))
#define DOSSIER_STAFF                                                                              \
    (ROLE(EG_ROLE_DESK_OFFICER) | ROLE(EG_ROLE_SPECIALIST) | LEADERS | ROLE(EG_ROLE_CLERK))

/* Appends a formatted Vietnamese sentence to msg (reset first) and returns rc. */
enum eg_err ds_say(struct eg_buf *msg, enum eg_err rc, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* create.c and drafts.c */
/* What a submission needs to know about its procedure, read before the write. */
struct proc {
    json_t *doc; /* eg_procedure_get_cached: the current document plus version and agencies */
    int version;
    int working_days;
    char cutoff[6];
    char field[32];
};
/* The procedure in force with that code and what a submission takes from it (p->doc is
 * released by ds_proc_free()); EG_EINVAL (msg) when there is none. With agency, the
 * document's "agencies" holds that unit only (or none). */
EG_WUR enum eg_err ds_proc_load(struct eg_dossiers *d, const char *code, const char *agency,
                                struct proc *p, struct eg_buf *msg);
void ds_proc_free(struct proc *p);
/* Files name real components and file fields; required ones are there (unless partial). */
EG_WUR enum eg_err ds_files_check(const json_t *doc, const struct eg_dossier_new *n, bool partial,
                                  struct eg_buf *msg);
/* The form as stored: sealed by identity. */
EG_WUR enum eg_err ds_seal_form(struct eg_dossiers *d, const json_t *form, struct eg_buf *out);

#endif /* EG_DOSSIERS_INT_H */
