/* notice.c - what the applicant is told, queued in the transaction of the change. */
#include "dossiers_int.h"

#include "notify/notify.h"

#include <stdio.h>
#include <string.h>

/* The notice of a timeline action, or false when the applicant is not told of it. */
static bool
kind_of(const char *action, const struct drow *r, enum eg_notice_kind *k)
{
    static const struct {
        const char *action;
        enum eg_notice_kind kind;
    } map[] = {
        {"submit", EG_NOTICE_SUBMITTED},
        {"intake", EG_NOTICE_RECEIVED},
        {"receive", EG_NOTICE_RECEIVED},
        {"refuse", EG_NOTICE_REFUSED},
        {"request_supplement", EG_NOTICE_SUPPLEMENT},
        {"supplement", EG_NOTICE_RESUMED},
        {"extend", EG_NOTICE_EXTENDED},
        {"approve", EG_NOTICE_RESULT_READY},
        {"reject", EG_NOTICE_REJECTED},
        {"return_result", EG_NOTICE_RETURNED},
        {"withdraw", EG_NOTICE_WITHDRAWN},
        {"stop", EG_NOTICE_STOPPED},
    };
    for (size_t i = 0; i < EG_ARRAY_LEN(map); i++) {
        if (strcmp(action, map[i].action) == 0) {
            *k = map[i].kind;
            /* A supplement before the dossier was received: it is still just submitted. */
            if (*k == EG_NOTICE_RESUMED && !r->received_ms)
                *k = EG_NOTICE_SUBMITTED;
            return true;
        }
    }
    return false;
}

static enum eg_err
names_of(struct eg_dossiers *d, struct eg_tx *tx, const struct drow *r, char *procedure, size_t pn,
         char *agency, size_t an)
{
    (void)d;
    struct eg_stmt *st;
    bool row = false;
    procedure[0] = agency[0] = '\0';
    enum eg_err rc = eg_tx_prepare(tx,
                                   "SELECT p.name, u.name FROM dossier d JOIN org_unit u ON u.id "
                                   "= d.org_unit_id LEFT JOIN procedure p ON p.code = "
                                   "d.procedure_code WHERE d.id = ?",
                                   &st);
    if (rc == EG_OK)
        rc = eg_stmt_bind_i64(st, 1, r->id);
    if (rc == EG_OK)
        rc = eg_stmt_step(st, &row);
    if (rc == EG_OK && row) {
        snprintf(procedure, pn, "%s", eg_stmt_is_null(st, 0) ? "" : eg_stmt_text(st, 0));
        snprintf(agency, an, "%s", eg_stmt_text(st, 1));
        eg_stmt_reset(st);
    }
    return rc;
}

enum eg_err
ds_notice_event(struct eg_dossiers *d, struct eg_tx *tx, const struct drow *r, const char *action,
                int64_t event_id, const char *reason, int64_t now_ms)
{
    enum eg_notice_kind kind;
    if (!kind_of(action, r, &kind) || !r->code[0])
        return EG_OK;
    if (!r->applicant_email[0] && !r->applicant_phone[0])
        return EG_OK;
    char procedure[512], agency[512], due[16] = "", url[700] = "";
    enum eg_err rc = names_of(d, tx, r, procedure, sizeof(procedure), agency, sizeof(agency));
    if (rc != EG_OK)
        return rc;
    struct eg_date day;
    if (r->due_date[0] && eg_date_parse(r->due_date, &day) == EG_OK)
        snprintf(due, sizeof(due), "%02d/%02d/%04d", day.day, day.month, day.year);
    if (d->public_url[0])
        eg_dossier_track_url(d, r->code, url, sizeof(url));
    struct eg_notice n = {
        .kind = kind,
        .event_id = event_id,
        .code = r->code,
        .procedure_name = procedure[0] ? procedure : NULL,
        .agency_name = agency[0] ? agency : NULL,
        .applicant_name = r->applicant_name[0] ? r->applicant_name : NULL,
        .email = r->applicant_email,
        .phone = r->applicant_phone,
        .due = due[0] && kind != EG_NOTICE_REFUSED && kind != EG_NOTICE_WITHDRAWN &&
                       kind != EG_NOTICE_STOPPED && kind != EG_NOTICE_RETURNED
                   ? due
                   : NULL,
        .reason = reason && *reason ? reason : NULL,
        .track_url = url[0] ? url : NULL,
    };
    return eg_notify_notice(tx, &n, now_ms);
}
