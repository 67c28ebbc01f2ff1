/* dossiers.c - the service: its calendar, codes and deadlines. */
#include "dossiers_int.h"

#include "procedures/procedures.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum eg_err
eg_dossiers_open(const struct eg_dossiers_config *c, struct eg_dossiers **out)
{
    *out = NULL;
    if (!c->db || !c->identity)
        return EG_EINVAL;
    struct eg_dossiers *d = calloc(1, sizeof(*d));
    if (!d)
        return EG_ENOMEM;
    if (eg_procedure_cache_new(&d->procedures) != EG_OK || ds_track_cache_new(&d->track) != EG_OK) {
        eg_procedure_cache_free(d->procedures);
        free(d);
        return EG_ENOMEM;
    }
    d->db = c->db;
    d->identity = c->identity;
    d->clock = c->clock ? c->clock : &eg_clock_system;
    snprintf(d->public_url, sizeof(d->public_url), "%s", c->public_url ? c->public_url : "");
    size_t n = strlen(d->public_url);
    while (n > 0 && d->public_url[n - 1] == '/')
        d->public_url[--n] = '\0';
    d->calendar_ttl_ms = c->calendar_ttl_ms > 0 ? c->calendar_ttl_ms : 30000;
    d->warn_before_ms = c->warn_before_ms > 0 ? c->warn_before_ms : 24LL * 3600 * 1000;
    pthread_mutex_init(&d->mu, NULL);
    pthread_cond_init(&d->wake, NULL);
    *out = d;
    return EG_OK;
}

void
eg_dossiers_close(struct eg_dossiers *d)
{
    if (!d)
        return;
    eg_dossiers_scanner_stop(d);
    pthread_cond_destroy(&d->wake);
    if (d->cal) {
        eg_calendar_free(d->cal->cal);
        free(d->cal);
    }
    while (d->stale) {
        struct cal_ref *next = d->stale->next;
        eg_calendar_free(d->stale->cal);
        free(d->stale);
        d->stale = next;
    }
    pthread_mutex_destroy(&d->mu);
    eg_procedure_cache_free(d->procedures);
    eg_memo_free(d->track);
    free(d);
}

/*
 * The calendar of the years around now, reloaded every calendar_ttl_ms so
 * that days an administrator enters count within that time. Threads share
 * one calendar; a replaced one is freed when its last user puts it back.
 */
enum eg_err
eg_dossiers_calendar_get(struct eg_dossiers *d, const struct eg_calendar **out)
{
    int64_t now = eg_clock_now_ms(d->clock);
    pthread_mutex_lock(&d->mu);
    bool fresh = d->cal && now - d->cal_loaded_ms < d->calendar_ttl_ms && now >= d->cal_loaded_ms;
    if (!fresh) {
        int year = eg_date_of_ms(now, NULL).year;
        int first = year - 2 < EG_CALENDAR_FIRST_YEAR ? EG_CALENDAR_FIRST_YEAR : year - 2;
        int last = year + 5 > EG_CALENDAR_LAST_YEAR ? EG_CALENDAR_LAST_YEAR : year + 5;
        struct eg_calendar *cal = NULL;
        enum eg_err rc = eg_calendar_load(d->db, first, last, &cal);
        struct cal_ref *ref = rc == EG_OK ? calloc(1, sizeof(*ref)) : NULL;
        if (!ref) {
            eg_calendar_free(cal);
            if (!d->cal) {
                pthread_mutex_unlock(&d->mu);
                return rc == EG_OK ? EG_ENOMEM : rc;
            }
            /* Keep the one we have; try again next time. */
        } else {
            ref->cal = cal;
            if (d->cal) {
                if (d->cal->users == 0) {
                    eg_calendar_free(d->cal->cal);
                    free(d->cal);
                } else {
                    d->cal->next = d->stale;
                    d->stale = d->cal;
                }
            }
            d->cal = ref;
            d->cal_loaded_ms = now;
        }
    }
    d->cal->users++;
    *out = d->cal->cal;
    pthread_mutex_unlock(&d->mu);
    return EG_OK;
}

void
eg_dossiers_calendar_put(struct eg_dossiers *d, const struct eg_calendar *cal)
{
    if (!cal)
        return;
    pthread_mutex_lock(&d->mu);
    if (d->cal && d->cal->cal == cal) {
        d->cal->users--;
    } else {
        for (struct cal_ref **p = &d->stale; *p; p = &(*p)->next) {
            struct cal_ref *r = *p;
            if (r->cal != cal)
                continue;
            if (--r->users == 0) {
                *p = r->next;
                eg_calendar_free(r->cal);
                free(r);
            }
            break;
        }
    }
    pthread_mutex_unlock(&d->mu);
}

/*
 * The calendar an operation holds from before its transaction to its end:
 * loading a stale calendar reads the database, which must not happen while
 * the thread holds a connection of the pool in a transaction (PostgreSQL's
 * pool could run dry with every thread waiting for a second connection).
 */
static _Thread_local const struct eg_calendar *held;

enum eg_err
ds_calendar_hold(struct eg_dossiers *d)
{
    if (held)
        return EG_OK;
    return eg_dossiers_calendar_get(d, &held);
}

const struct eg_calendar *
ds_calendar_held(void)
{
    return held;
}

void
ds_calendar_release(struct eg_dossiers *d)
{
    if (held)
        eg_dossiers_calendar_put(d, held);
    held = NULL;
}

enum eg_err
ds_procedure_cutoff(struct eg_dossiers *d, struct eg_tx *tx, const char *code, int version,
                    char out[6])
{
    json_t *doc = NULL;
    out[0] = '\0';
    enum eg_err rc = eg_procedure_document_cached_tx(tx, d->procedures, code, version, &doc);
    if (rc != EG_OK)
        return rc;
    const char *c =
        json_string_value(json_object_get(json_object_get(doc, "processing"), "cutoff"));
    if (c && strlen(c) == 5)
        memcpy(out, c, 6);
    json_decref(doc);
    return EG_OK;
}

/* The pauses of a dossier, in order (at most max). */
static enum eg_err
pauses_of(struct eg_tx *tx, int64_t id, struct eg_calendar_pause *p, size_t max, size_t *n)
{
    struct eg_stmt *st;
    bool row = false;
    *n = 0;
    enum eg_err rc = eg_tx_prepare(tx,
                                   "SELECT from_ms, until_ms FROM dossier_pause WHERE dossier_id = "
                                   "? ORDER BY from_ms",
                                   &st);
    if (rc == EG_OK)
        rc = eg_stmt_bind_i64(st, 1, id);
    while (rc == EG_OK && (rc = eg_stmt_step(st, &row)) == EG_OK && row) {
        if (*n == max) {
            eg_stmt_reset(st);
            return EG_ETOOBIG;
        }
        p[*n].from = eg_stmt_i64(st, 0);
        p[*n].until = eg_stmt_is_null(st, 1) ? EG_CALENDAR_OPEN : eg_stmt_i64(st, 1);
        (*n)++;
    }
    return rc;
}

/*
 * The deadline of `days` working days from from_ms for dossier r: with its
 * pauses (only those after from_ms) when asked, and the procedure's intra-day
 * cut-off: received after it, the intake counts from the next working day.
 */
enum eg_err
ds_due_of(struct eg_dossiers *d, struct eg_tx *tx, const struct drow *r, int64_t from_ms, int days,
          const char *cutoff, bool with_pauses, struct eg_calendar_due *out)
{
    struct eg_calendar_pause all[64], after[64];
    size_t n = 0, m = 0;
    enum eg_err rc = with_pauses ? pauses_of(tx, r->id, all, EG_ARRAY_LEN(all), &n) : EG_OK;
    if (rc != EG_OK)
        return rc;
    int64_t start = from_ms;
    if (cutoff && cutoff[0]) {
        int minute;
        struct eg_date day = eg_date_of_ms(from_ms, &minute);
        int cut = ((cutoff[0] - '0') * 10 + (cutoff[1] - '0')) * 60 + (cutoff[3] - '0') * 10 +
                  (cutoff[4] - '0');
        if (minute >= cut)
            start = eg_date_to_ms(day, 1439); /* after hours: counts from the next working day */
    }
    /*
     * The pauses since from_ms, as the clock sees them: one that ended before
     * the clock started (received after the cut-off, a supplement asked and
     * handed in the same evening) moves nothing, and one running across the
     * start counts from the start.
     */
    for (size_t i = 0; i < n; i++) {
        if (all[i].from < from_ms || (all[i].until != EG_CALENDAR_OPEN && all[i].until <= start))
            continue;
        after[m] = all[i];
        if (after[m].from < start)
            after[m].from = start;
        m++;
    }
    from_ms = start;
    const struct eg_calendar *cal = held;
    if (!cal && (rc = eg_dossiers_calendar_get(d, &cal)) != EG_OK)
        return rc;
    rc = eg_calendar_due(cal, from_ms, days, m ? after : NULL, m, out);
    if (cal != held)
        eg_dossiers_calendar_put(d, cal);
    return rc;
}

void
eg_dossier_track_url(const struct eg_dossiers *d, const char *code, char *out, size_t n)
{
    snprintf(out, n, "%s/tra-cuu/%s", d->public_url, code);
}

enum eg_err
eg_dossier_code_format(const char *agency_code, struct eg_date day, int seq, char *out, size_t n)
{
    if (!agency_code || !*agency_code || seq < 1 || seq > 99999 || !eg_date_valid(day))
        return EG_EINVAL;
    int w = snprintf(out, n, "%s-%02d%02d%02d-%04d", agency_code, day.year % 100, day.month,
                     day.day, seq);
    return w > 0 && (size_t)w < n ? EG_OK : EG_ETOOBIG;
}

bool
eg_dossier_code_valid(const char *code)
{
    size_t n = code ? strlen(code) : 0;
    if (n < 13 + 12 || n > 35 + 13)
        return false;
    const char *dash = strchr(code, '-');
    if (!dash || dash - code < 13 || dash - code > 35)
        return false;
    for (const char *p = code; p < dash; p++)
        if (!((*p >= '0' && *p <= '9') || (*p >= 'A' && *p <= 'Z') || *p == '.'))
            return false;
    const char *q = dash + 1;
    for (int i = 0; i < 6; i++)
        if (q[i] < '0' || q[i] > '9')
            return false;
    if (q[6] != '-')
        return false;
    size_t digits = strlen(q + 7);
    if (digits < 4 || digits > 5)
        return false;
    for (size_t i = 0; i < digits; i++)
        if (q[7 + i] < '0' || q[7 + i] > '9')
            return false;
    return true;
}
