/*
 * notifier.c - the background sender: claim due outbox rows, send each outside
 * any transaction, record the outcome in a transaction of its own.
 *
 * Channels: "email" through SMTP and "sms" through an HTTP gateway, each only
 * when configured. Rows of a channel this notifier does not have stay queued
 * (another process may have it, or the operator will configure it): they are
 * never claimed here, never marked dead, and a warning says so once.
 *
 * One thread per egov process. It wakes when kicked (rows were just
 * committed), when the earliest retry falls due, or every poll_ms (rows added
 * by another process). Rows are claimed in small batches under a lease; a row
 * whose lease would run out before its send could finish is handed back
 * rather than sent, so a slow batch never races another process's reclaim.
 */
#include "notify_int.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define BATCH_MAX 100
#define LEASE_MARGIN_MS 5000 /* a send must end this long before the lease does */
#define FINISH_TRIES 5       /* recording "sent" is retried: a lost record is a duplicate */
#define IDLE_MIN_MS 100      /* never spin: something due but not ours waits this long */

enum { CH_EMAIL, CH_SMS, CH_COUNT };
static const char *const channel_names[CH_COUNT] = {"email", "sms"};

struct eg_notifier {
    struct eg_db *db;
    struct eg_notify_config cfg; /* its strings are the copies below */
    char *url;
    char *user;
    char *password;
    char *from;
    char *from_name;
    char *sms_url;
    char *sms_provider;
    char *sms_token;
    char *sms_sender;
    bool has[CH_COUNT];         /* the channel is configured */
    bool warned[CH_COUNT];      /* "rows wait for a channel we do not have" was said */
    struct eg_outbox_row *rows; /* cfg.batch of them */
    pthread_t thread;
    bool has_thread;
    pthread_mutex_t mu;
    pthread_cond_t cv; /* on CLOCK_MONOTONIC */
    bool kicked;       /* under mu */
    atomic_bool stopping;
};

static char *
dup_opt(const char *s, bool *ok)
{
    if (!s)
        return NULL;
    char *d = strdup(s);
    if (!d)
        *ok = false;
    return d;
}

static void
free_secret(char *s)
{
    if (s) {
        explicit_bzero(s, strlen(s));
        free(s);
    }
}

/*
 * The longest one send of channel ch can take, with a margin: SMTP's exchange and then
 * the QUIT at cleanup; one HTTP request, connection included.
 */
static int64_t
send_max_ms(const struct eg_notify_config *c, int ch)
{
    if (ch == CH_SMS)
        return (int64_t)c->sms.timeout_ms + 1000 + LEASE_MARGIN_MS;
    return 2 * (int64_t)c->smtp.timeout_ms + 1000 + LEASE_MARGIN_MS;
}

static int64_t
clock_now(const struct eg_notifier *n)
{
    return eg_clock_now_ms(n->cfg.clock ? n->cfg.clock : &eg_clock_system);
}

static void
free_notifier(struct eg_notifier *n)
{
    free(n->url);
    free(n->user);
    free_secret(n->password);
    free(n->from);
    free(n->from_name);
    free(n->sms_url);
    free(n->sms_provider);
    free_secret(n->sms_token);
    free(n->sms_sender);
    free(n->rows);
    pthread_cond_destroy(&n->cv);
    pthread_mutex_destroy(&n->mu);
    free(n);
}

static enum eg_err
fill_config(struct eg_notifier *n, const struct eg_notify_config *cfg, struct eg_buf *err)
{
    struct eg_notify_config *c = &n->cfg;
    *c = *cfg;
    if (!c->batch)
        c->batch = EG_NOTIFY_BATCH;
    if (!c->max_attempts)
        c->max_attempts = EG_NOTIFY_MAX_ATTEMPTS;
    if (!c->max_age_ms)
        c->max_age_ms = EG_NOTIFY_MAX_AGE_MS;
    if (!c->lease_ms)
        c->lease_ms = EG_NOTIFY_LEASE_MS;
    if (!c->backoff_base_ms)
        c->backoff_base_ms = EG_NOTIFY_BACKOFF_BASE_MS;
    if (!c->backoff_max_ms)
        c->backoff_max_ms = EG_NOTIFY_BACKOFF_MAX_MS;
    if (!c->poll_ms)
        c->poll_ms = EG_NOTIFY_POLL_MS;
    if (!c->smtp.timeout_ms)
        c->smtp.timeout_ms = EG_SMTP_TIMEOUT_MS;
    if (!c->smtp.connect_timeout_ms)
        c->smtp.connect_timeout_ms = EG_SMTP_CONNECT_TIMEOUT_MS;
    if (!c->sms.timeout_ms)
        c->sms.timeout_ms = EG_SMS_TIMEOUT_MS;
    if (!c->sms.max_segments)
        c->sms.max_segments = EG_SMS_SEGMENTS;
    const char *bad = NULL;
    if (c->batch < 1 || c->batch > BATCH_MAX)
        bad = "the notifier batch must be 1..100";
    else if (c->max_attempts < 1 || c->max_age_ms < 0 || c->poll_ms < 0)
        bad = "the notifier limits must be positive";
    else if (c->backoff_base_ms < 1 || c->backoff_max_ms < c->backoff_base_ms)
        bad = "the notifier backoff must be positive, its maximum at least its base";
    else if (n->has[CH_EMAIL] && c->lease_ms < send_max_ms(c, CH_EMAIL))
        bad = "the notifier lease must outlast twice the SMTP timeout by 6 seconds";
    else if (n->has[CH_SMS] && c->lease_ms < send_max_ms(c, CH_SMS))
        bad = "the notifier lease must outlast the SMS timeout by 6 seconds";
    if (bad) {
        if (err) {
            eg_buf_reset(err);
            if (eg_buf_adds(err, bad) != EG_OK)
                eg_buf_reset(err);
        }
        return EG_EINVAL;
    }
    bool ok = true;
    n->url = dup_opt(cfg->smtp.url, &ok);
    n->user = dup_opt(cfg->smtp.user, &ok);
    n->password = dup_opt(cfg->smtp.password, &ok);
    n->from = dup_opt(cfg->smtp.from, &ok);
    n->from_name = dup_opt(cfg->smtp.from_name, &ok);
    c->smtp.url = n->url;
    c->smtp.user = n->user;
    c->smtp.password = n->password;
    c->smtp.from = n->from;
    c->smtp.from_name = n->from_name;
    n->sms_url = dup_opt(cfg->sms.url, &ok);
    n->sms_provider = dup_opt(cfg->sms.provider, &ok);
    n->sms_token = dup_opt(cfg->sms.token, &ok);
    n->sms_sender = dup_opt(cfg->sms.sender, &ok);
    c->sms.url = n->sms_url;
    c->sms.provider = n->sms_provider;
    c->sms.token = n->sms_token;
    c->sms.sender = n->sms_sender;
    return ok ? EG_OK : EG_ENOMEM;
}

enum eg_err
eg_notifier_new(struct eg_db *db, const struct eg_notify_config *cfg, struct eg_notifier **out,
                struct eg_buf *err)
{
    *out = NULL;
    bool mail = cfg->smtp.url && *cfg->smtp.url;
    bool sms = cfg->sms.url && *cfg->sms.url;
    enum eg_err rc = EG_OK;
    if (!mail && !sms) {
        rc = EG_EINVAL;
        if (err) {
            eg_buf_reset(err);
            if (eg_buf_adds(err, "neither smtp_url nor sms_url is set: nothing could be sent") !=
                EG_OK)
                eg_buf_reset(err);
        }
    }
    if (rc == EG_OK && mail)
        rc = eg_smtp_config_check(&cfg->smtp, err);
    if (rc == EG_OK && sms)
        rc = eg_sms_config_check(&cfg->sms, err);
    if (rc != EG_OK)
        return rc;
    struct eg_notifier *n = calloc(1, sizeof(*n));
    if (!n)
        return EG_ENOMEM;
    pthread_condattr_t ca;
    bool cv_ok = pthread_condattr_init(&ca) == 0;
    cv_ok = cv_ok && pthread_condattr_setclock(&ca, CLOCK_MONOTONIC) == 0;
    cv_ok = cv_ok && pthread_cond_init(&n->cv, &ca) == 0;
    pthread_condattr_destroy(&ca);
    if (!cv_ok || pthread_mutex_init(&n->mu, NULL) != 0)
        EG_BUG("cannot make a mutex or condition variable");
    n->db = db;
    n->has[CH_EMAIL] = mail;
    n->has[CH_SMS] = sms;
    atomic_init(&n->stopping, false);
    rc = fill_config(n, cfg, err);
    if (rc == EG_OK) {
        n->rows = calloc((size_t)n->cfg.batch, sizeof(*n->rows));
        if (!n->rows)
            rc = EG_ENOMEM;
    }
    if (rc != EG_OK) {
        free_notifier(n);
        return rc;
    }
    *out = n;
    return EG_OK;
}

/* ---- one row ---------------------------------------------------------------------- */

/* Records o, retrying a failed database for the SENT outcome (a lost "sent" is a resend). */
static void
finish(struct eg_notifier *n, const struct eg_outbox_row *r, enum eg_outbox_outcome o,
       int64_t when_ms, const char *error)
{
    bool fenced = false;
    enum eg_err rc = EG_OK;
    for (int i = 0; i < FINISH_TRIES; i++) {
        rc = eg_outbox_finish(n->db, r, o, when_ms, error, &fenced);
        if (rc == EG_OK || o != EG_OUTBOX_SENT || atomic_load(&n->stopping))
            break;
        struct timespec ts = {0, (long)(100 << i) * 1000000L};
        nanosleep(&ts, NULL);
    }
    if (rc != EG_OK)
        eg_error("outbox %lld: the outcome could not be recorded (%s); the row will be tried "
                 "again when its lease ends",
                 (long long)r->id, eg_strerror(rc));
    else if (fenced)
        eg_warn("outbox %lld: its lease ran out before the outcome was recorded; another "
                "notifier has it now",
                (long long)r->id);
}

static unsigned
jitter(const struct eg_notifier *n)
{
    unsigned r = 0;
    if (n->cfg.no_jitter || eg_random(&r, sizeof(r)) != EG_OK)
        return 0;
    return r % 1001;
}

/* The letters of "<hex@domain>": the SMS request's idempotency key. */
static void
sms_ref(const char *message_id, char *out, size_t n)
{
    const char *p = message_id && message_id[0] == '<' ? message_id + 1 : "";
    size_t k = strcspn(p, "@>");
    snprintf(out, n, "%.*s", (int)(k < n ? k : n - 1), p);
}

/* Sends one row of channel ch; err gets the reason of a failure, *unusable a bad payload. */
static enum eg_err
send_row(struct eg_notifier *n, int ch, const struct eg_outbox_row *r, const json_t *payload,
         char *what, size_t what_n, bool *unusable, struct eg_buf *err)
{
    if (ch == CH_SMS) {
        const char *to, *text;
        char ref[64];
        enum eg_err rc = eg_outbox_sms_from_json(payload, &to, &text, err);
        *unusable = rc != EG_OK;
        if (rc != EG_OK)
            return rc;
        char masked[EG_SMS_PHONE_MAX];
        eg_sms_phone_mask(to, masked, sizeof(masked));
        snprintf(what, what_n, "SMS to %s", masked);
        sms_ref(r->message_id, ref, sizeof(ref));
        return eg_sms_send_ref(&n->cfg.sms, to, text, ref, err);
    }
    struct eg_mail m;
    enum eg_err rc = eg_outbox_email_from_json(payload, &m, err);
    *unusable = rc != EG_OK;
    if (rc != EG_OK)
        return rc;
    snprintf(what, what_n, "%s", r->message_id);
    m.message_id = r->message_id;
    m.date_ms = r->created_ms; /* the same Date on every attempt: a retry is the same bytes */
    return eg_smtp_send(&n->cfg.smtp, &m, err);
}

/* Sends one claimed row and records what happened. true when the server took it. */
static bool
deliver(struct eg_notifier *n, int ch, const struct eg_outbox_row *r, int64_t now_ms, bool live)
{
    struct eg_buf err = EG_BUF_INIT(1024);
    json_t *payload = NULL;
    char what[EG_MAIL_MSGID_MAX + 32] = "";
    bool sent = false;
    bool unusable = true;
    enum eg_err rc = eg_json_parse(r->payload, strlen(r->payload), &payload, &err);
    if (rc == EG_OK)
        rc = send_row(n, ch, r, payload, what, sizeof(what), &unusable, &err);
    if (live)
        now_ms = clock_now(n);
    if (rc != EG_OK && unusable) {
        eg_error("outbox %lld: unusable payload, given up: %s", (long long)r->id, eg_buf_str(&err));
        finish(n, r, EG_OUTBOX_DEAD, now_ms, eg_buf_str(&err));
    } else if (rc == EG_OK) {
        sent = true;
        finish(n, r, EG_OUTBOX_SENT, now_ms, NULL);
        eg_info("outbox %lld: %s %s (attempt %d)", (long long)r->id,
                ch == CH_SMS ? "accepted by the gateway:" : "sent as", what, r->attempts);
    } else if (rc == EG_EINVAL || r->attempts >= n->cfg.max_attempts ||
               now_ms - r->created_ms >= n->cfg.max_age_ms) {
        eg_error("outbox %lld: given up after attempt %d: %s", (long long)r->id, r->attempts,
                 eg_buf_str(&err));
        finish(n, r, EG_OUTBOX_DEAD, now_ms, eg_buf_str(&err));
    } else {
        int64_t delay = eg_outbox_backoff_ms(n->cfg.backoff_base_ms, n->cfg.backoff_max_ms,
                                             r->attempts, jitter(n));
        eg_warn("outbox %lld: attempt %d failed, next in %llds: %s", (long long)r->id, r->attempts,
                (long long)(delay / 1000), eg_buf_str(&err));
        finish(n, r, EG_OUTBOX_RETRY, now_ms + delay, eg_buf_str(&err));
    }
    json_decref(payload);
    eg_buf_release(&err);
    return sent;
}

/* ---- passes ----------------------------------------------------------------------- */

/* Rows wait for a channel this notifier does not have: say so once (they stay queued). */
static void
note_unconfigured(struct eg_notifier *n, int ch)
{
    int64_t waiting = 0;
    if (n->warned[ch] || eg_outbox_waiting(n->db, channel_names[ch], &waiting) != EG_OK ||
        waiting == 0)
        return;
    n->warned[ch] = true;
    eg_warn("outbox: %lld %s notifications are waiting but %s is not configured here (%s); "
            "they stay queued",
            (long long)waiting, channel_names[ch], ch == CH_SMS ? "SMS" : "mail",
            ch == CH_SMS ? "sms_url" : "smtp_url");
}

/*
 * Claims and sends batches of channel ch until fewer than a batch is due. live: the
 * thread's pass, where time moves (outcome times and the lease check read the clock).
 */
static enum eg_err
run_channel(struct eg_notifier *n, int ch, int64_t now_ms, bool live, int *sent)
{
    enum eg_err rc = EG_OK;
    int k = n->cfg.batch;
    const char *from = ch == CH_SMS ? EG_SMS_ID_FROM : n->cfg.smtp.from;
    int64_t bound = send_max_ms(&n->cfg, ch);
    while (rc == EG_OK && k == n->cfg.batch && !atomic_load(&n->stopping)) {
        rc = eg_outbox_claim(n->db, channel_names[ch], now_ms, n->cfg.lease_ms, from, n->cfg.batch,
                             n->rows, &k);
        int64_t lease_end = now_ms + n->cfg.lease_ms;
        for (int i = 0; rc == EG_OK && i < k; i++) {
            int64_t t = live ? clock_now(n) : now_ms;
            if (atomic_load(&n->stopping) || t + bound > lease_end) {
                /* Not tried: back to the queue for whoever is next, this attempt not counted. */
                finish(n, &n->rows[i], EG_OUTBOX_RELEASE, t, NULL);
            } else if (deliver(n, ch, &n->rows[i], t, live)) {
                (*sent)++;
            }
        }
        for (int i = 0; i < k; i++)
            eg_outbox_row_release(&n->rows[i]);
        if (live)
            now_ms = clock_now(n);
    }
    return rc;
}

/* Every configured channel in turn, email first. */
static enum eg_err
run_pass(struct eg_notifier *n, int64_t now_ms, bool live, int *sent)
{
    enum eg_err rc = EG_OK;
    *sent = 0;
    for (int ch = 0; rc == EG_OK && ch < CH_COUNT; ch++) {
        if (!n->has[ch])
            note_unconfigured(n, ch);
        else
            rc = run_channel(n, ch, live ? clock_now(n) : now_ms, live, sent);
    }
    return rc;
}

enum eg_err
eg_notifier_run_once(struct eg_notifier *n, int64_t now_ms, int *sent)
{
    int dummy;
    return run_pass(n, now_ms, false, sent ? sent : &dummy);
}

/* ---- the thread ------------------------------------------------------------------- */

void
eg_notifier_kick(struct eg_notifier *n)
{
    if (!n)
        return;
    pthread_mutex_lock(&n->mu);
    n->kicked = true;
    pthread_cond_signal(&n->cv);
    pthread_mutex_unlock(&n->mu);
}

static void
wait_for(struct eg_notifier *n, int64_t ms)
{
    struct timespec until;
    clock_gettime(CLOCK_MONOTONIC, &until);
    until.tv_sec += (time_t)(ms / 1000);
    until.tv_nsec += (long)(ms % 1000) * 1000000L;
    if (until.tv_nsec >= 1000000000L) {
        until.tv_sec++;
        until.tv_nsec -= 1000000000L;
    }
    pthread_mutex_lock(&n->mu);
    while (!n->kicked && !atomic_load(&n->stopping))
        if (pthread_cond_timedwait(&n->cv, &n->mu, &until) == ETIMEDOUT)
            break;
    n->kicked = false;
    pthread_mutex_unlock(&n->mu);
}

static void *
thread_main(void *arg)
{
    struct eg_notifier *n = arg;
    bool failing = false;
    while (!atomic_load(&n->stopping)) {
        int sent = 0;
        int64_t wait_ms = n->cfg.poll_ms;
        enum eg_err rc = run_pass(n, clock_now(n), true, &sent);
        if (rc != EG_OK && !failing)
            eg_warn("notifier: the outbox cannot be read (%s); trying again every %llds",
                    eg_strerror(rc), (long long)(n->cfg.poll_ms / 1000));
        failing = rc != EG_OK;
        for (int ch = 0; rc == EG_OK && ch < CH_COUNT; ch++) {
            int64_t due;
            bool any = false;
            /* Rows of a channel we do not have are not ours to wait for. */
            if (!n->has[ch] || eg_outbox_next_due(n->db, channel_names[ch], &due, &any) != EG_OK ||
                !any)
                continue;
            int64_t d = due - clock_now(n);
            if (d < wait_ms)
                wait_ms = d < IDLE_MIN_MS ? IDLE_MIN_MS : d;
        }
        wait_for(n, wait_ms);
    }
    return NULL;
}

enum eg_err
eg_notifier_start(struct eg_db *db, const struct eg_notify_config *cfg, struct eg_notifier **out,
                  struct eg_buf *err)
{
    struct eg_notifier *n;
    enum eg_err rc = eg_notifier_new(db, cfg, &n, err);
    if (rc != EG_OK)
        return rc;
    if (pthread_create(&n->thread, NULL, thread_main, n) != 0) {
        free_notifier(n);
        return EG_EINTERNAL;
    }
    n->has_thread = true;
    char url[1024];
    if (n->has[CH_EMAIL]) {
        eg_smtp_url_safe(n->cfg.smtp.url, url, sizeof(url));
        eg_info("notifier: sending mail through %s", url);
    } else {
        eg_info("notifier: mail is not configured (smtp_url); email rows stay queued");
    }
    if (n->has[CH_SMS]) {
        eg_sms_url_safe(n->cfg.sms.url, url, sizeof(url));
        eg_info("notifier: sending SMS through %s (provider %s)", url,
                n->cfg.sms.provider && *n->cfg.sms.provider ? n->cfg.sms.provider : "json");
    } else {
        eg_info("notifier: SMS is not configured (sms_url); SMS rows stay queued");
    }
    *out = n;
    return EG_OK;
}

void
eg_notifier_stop(struct eg_notifier *n)
{
    if (!n)
        return;
    if (n->has_thread) {
        pthread_mutex_lock(&n->mu);
        atomic_store(&n->stopping, true);
        pthread_cond_signal(&n->cv);
        pthread_mutex_unlock(&n->mu);
        pthread_join(n->thread, NULL);
    }
    free_notifier(n);
}
