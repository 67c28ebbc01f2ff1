/* scan.c - the deadline scanner: overdue dossiers marked, officers warned before the date. */
#include "dossiers_int.h"

#include "notify/notify.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#define SCAN_BATCH 200

/* Ids of in-progress dossiers matching cond (with one ? for a time), at most SCAN_BATCH. */
static enum eg_err
due_ids(struct eg_tx *tx, const char *cond, int64_t t, int64_t *ids, size_t *n)
{
    char sql[512];
    snprintf(sql, sizeof(sql),
             "SELECT id FROM dossier WHERE state IN ('received', 'processing') AND %s ORDER BY "
             "due_ms LIMIT %d",
             cond, SCAN_BATCH);
    struct eg_stmt *st;
    bool row = false;
    *n = 0;
    enum eg_err rc = eg_tx_prepare(tx, sql, &st);
    if (rc == EG_OK)
        rc = eg_stmt_bind_i64(st, 1, t);
    while (rc == EG_OK && (rc = eg_stmt_step(st, &row)) == EG_OK && row)
        ids[(*n)++] = eg_stmt_i64(st, 0);
    return rc;
}

/* The officers to warn: the assignee, else the holders of the step's role on its unit. */
static enum eg_err
warn_officers(struct eg_tx *tx, const struct drow *r, int64_t event_id, int64_t now_ms)
{
    struct eg_stmt *st;
    bool row = false;
    enum eg_err rc = eg_tx_prepare(
        tx,
        "SELECT a.id, a.email, a.name FROM account a WHERE a.status = 'active' AND a.email IS NOT "
        "NULL AND (a.id = ? OR (? = 0 AND a.id IN (SELECT account_id FROM role_grant WHERE "
        "org_unit_id = ? AND role = ? AND revoked_at IS NULL))) ORDER BY a.id LIMIT 20",
        &st);
    if (rc == EG_OK)
        rc = eg_stmt_bind_i64(st, 1, r->assignee);
    if (rc == EG_OK)
        rc = eg_stmt_bind_i64(st, 2, r->assignee);
    if (rc == EG_OK)
        rc = eg_stmt_bind_i64(st, 3, r->step_unit_id);
    if (rc == EG_OK)
        rc = eg_stmt_bind_text(st, 4, r->step_role, strlen(r->step_role));
    struct {
        int64_t id;
        char email[256], name[256];
    } to[20];
    size_t n = 0;
    while (rc == EG_OK && (rc = eg_stmt_step(st, &row)) == EG_OK && row && n < 20) {
        to[n].id = eg_stmt_i64(st, 0);
        snprintf(to[n].email, sizeof(to[n].email), "%s", eg_stmt_text(st, 1));
        snprintf(to[n].name, sizeof(to[n].name), "%s", eg_stmt_text(st, 2));
        n++;
    }
    struct eg_date day;
    char due[16] = "";
    if (eg_date_parse(r->due_date, &day) == EG_OK)
        snprintf(due, sizeof(due), "%02d/%02d/%04d", day.day, day.month, day.year);
    for (size_t i = 0; rc == EG_OK && i < n; i++) {
        char key[96], subject[256], text[1024];
        snprintf(key, sizeof(key), "warn:%lld:%lld", (long long)event_id, (long long)to[i].id);
        snprintf(subject, sizeof(subject), "Hồ sơ %s sắp đến hạn giải quyết (%s)", r->code, due);
        snprintf(text, sizeof(text),
                 "Kính gửi %s,\n\nHồ sơ %s của %s đang ở bước do đơn vị của anh/chị xử lý và sẽ "
                 "đến hạn trả kết quả vào ngày %s.\nĐề nghị anh/chị xử lý kịp thời; nếu không "
                 "thể đúng hạn, hãy lập văn bản xin lỗi và hẹn lại ngày trả kết quả.\n\nĐây là "
                 "thư tự động của hệ thống một cửa điện tử.\n",
                 to[i].name, r->code, r->applicant_name, due);
        rc = eg_outbox_add_email(tx, key, to[i].email, to[i].name, subject, text, NULL, now_ms);
        if (rc == EG_ECONFLICT || rc == EG_EINVAL)
            rc = EG_OK; /* already queued, or an address the outbox will not take */
    }
    return rc;
}

/* One dossier: marked overdue or warned, with its timeline event, unless already. */
static enum eg_err
scan_one(struct eg_dossiers *d, int64_t id, bool overdue, int64_t now_ms, bool *done)
{
    *done = false;
    struct eg_tx *tx;
    enum eg_err rc = eg_db_begin(d->db, EG_TX_WRITE, &tx);
    if (rc != EG_OK)
        return rc;
    struct drow r;
    rc = ds_load_row(tx, NULL, id, true, &r);
    bool todo = rc == EG_OK && (r.state == EG_DS_RECEIVED || r.state == EG_DS_PROCESSING);
    struct eg_stmt *st;
    bool row;
    if (todo) {
        /* The flag is set by a statement that checks it: two scanners cannot both do it. */
        rc = eg_tx_prepare(tx,
                           overdue ? "UPDATE dossier SET overdue = 1 WHERE id = ? AND overdue = 0 "
                                     "AND due_ms < ?"
                                   : "UPDATE dossier SET warned = 1 WHERE id = ? AND warned = 0 "
                                     "AND due_ms >= ?",
                           &st);
        if (rc == EG_OK)
            rc = eg_stmt_bind_i64(st, 1, id);
        if (rc == EG_OK)
            rc = eg_stmt_bind_i64(st, 2, now_ms);
        if (rc == EG_OK)
            rc = eg_stmt_step(st, &row);
        todo = rc == EG_OK && eg_stmt_changes(st) == 1;
    }
    int64_t event_id = 0;
    if (todo) {
        r.overdue = r.overdue || overdue;
        rc = ds_add_event(tx, &r, &r, overdue ? "overdue" : "warn", NULL, 0, NULL, NULL, now_ms,
                          &event_id);
        if (rc == EG_OK)
            rc = warn_officers(tx, &r, event_id, now_ms);
        if (rc == EG_OK)
            rc = ds_audit_action(tx, NULL, overdue ? "overdue" : "warn", &r, r.state, now_ms);
    }
    if (rc == EG_OK && todo)
        rc = eg_tx_commit(tx);
    else
        eg_tx_rollback(tx);
    *done = rc == EG_OK && todo;
    return rc;
}

enum eg_err
eg_dossiers_scan(struct eg_dossiers *d, int64_t now_ms, int *marked, int *warned)
{
    int64_t ids[SCAN_BATCH];
    size_t n = 0;
    *marked = *warned = 0;
    for (int pass = 0; pass < 2; pass++) {
        bool overdue = pass == 0;
        for (;;) {
            struct eg_tx *tx;
            enum eg_err rc = eg_db_begin(d->db, EG_TX_READ, &tx);
            if (rc != EG_OK)
                return rc;
            if (overdue)
                rc = due_ids(tx, "overdue = 0 AND due_ms < ?", now_ms, ids, &n);
            else
                rc = due_ids(tx, "warned = 0 AND overdue = 0 AND due_ms < ?",
                             now_ms + d->warn_before_ms, ids, &n);
            eg_tx_rollback(tx);
            if (rc != EG_OK)
                return rc;
            int did = 0;
            for (size_t i = 0; i < n; i++) {
                bool done;
                rc = scan_one(d, ids[i], overdue, now_ms, &done);
                if (rc != EG_OK)
                    return rc;
                did += done;
            }
            *(overdue ? marked : warned) += did;
            if (n < SCAN_BATCH || did == 0)
                break;
        }
    }
    return EG_OK;
}

static void *
scanner_main(void *arg)
{
    struct eg_dossiers *d = arg;
    pthread_mutex_lock(&d->mu);
    while (!d->stopping) {
        pthread_mutex_unlock(&d->mu);
        int marked = 0, warned = 0;
        enum eg_err rc = eg_dossiers_scan(d, eg_clock_now_ms(d->clock), &marked, &warned);
        if (rc != EG_OK)
            eg_warn("dossier scanner: %s", eg_err_code(rc));
        else if (marked || warned)
            eg_info("dossier scanner: %d marked overdue, %d warned", marked, warned);
        pthread_mutex_lock(&d->mu);
        struct timespec until;
        clock_gettime(CLOCK_REALTIME, &until);
        until.tv_sec += d->scan_every_ms / 1000;
        until.tv_nsec += (d->scan_every_ms % 1000) * 1000000L;
        if (until.tv_nsec >= 1000000000L) {
            until.tv_sec++;
            until.tv_nsec -= 1000000000L;
        }
        if (!d->stopping)
            pthread_cond_timedwait(&d->wake, &d->mu, &until);
    }
    pthread_mutex_unlock(&d->mu);
    return NULL;
}

enum eg_err
eg_dossiers_scanner_start(struct eg_dossiers *d, int64_t every_ms)
{
    if (d->scanning)
        return EG_EINVAL;
    d->scan_every_ms = every_ms > 0 ? every_ms : 60000;
    d->stopping = false;
    if (pthread_create(&d->scanner, NULL, scanner_main, d) != 0)
        return EG_EIO;
    d->scanning = true;
    return EG_OK;
}

void
eg_dossiers_scanner_stop(struct eg_dossiers *d)
{
    if (!d || !d->scanning)
        return;
    pthread_mutex_lock(&d->mu);
    d->stopping = true;
    pthread_cond_broadcast(&d->wake);
    pthread_mutex_unlock(&d->mu);
    pthread_join(d->scanner, NULL);
    d->scanning = false;
}
