/*
 * ticker.c - a thread that writes a checkpoint when it starts (so the anchor
 * file exists from the first moment and what is already in the log is anchored
 * at once), then every every_ms, and once more when it is stopped, so the
 * newest entries are anchored before egov exits.
 * It sleeps on a condition variable over the monotonic clock, so stopping is
 * immediate and a wall-clock jump neither skips nor doubles a tick.
 */
#include "audit_int.h"

#include <errno.h>
#include <stdlib.h>
#include <time.h>

struct eg_audit_ticker {
    struct eg_audit *a;
    struct eg_db *db;
    long long every_ms;
    pthread_t thread;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    bool stop;
};

static void
tick(struct eg_audit_ticker *t, const char *when)
{
    struct eg_buf msg = EG_BUF_INIT(1024);
    struct eg_audit_head head;
    enum eg_err rc = eg_audit_checkpoint(t->a, t->db, eg_clock_now_ms(&t->a->clock), &head, &msg);
    if (rc != EG_OK)
        eg_error("audit: the %s checkpoint failed: %s", when,
                 msg.len ? eg_buf_str(&msg) : eg_strerror(rc));
    else if (head.written)
        eg_debug("audit: checkpoint at %lld entries", (long long)head.size);
    eg_buf_release(&msg);
}

static void
deadline_after(struct timespec *ts, long long ms)
{
    clock_gettime(CLOCK_MONOTONIC, ts);
    ts->tv_sec += (time_t)(ms / 1000);
    ts->tv_nsec += (long)(ms % 1000) * 1000000L;
    if (ts->tv_nsec >= 1000000000L) {
        ts->tv_sec++;
        ts->tv_nsec -= 1000000000L;
    }
}

static void *
run(void *arg)
{
    struct eg_audit_ticker *t = arg;
    struct timespec until;
    tick(t, "first");
    deadline_after(&until, t->every_ms);
    pthread_mutex_lock(&t->mu);
    while (!t->stop) {
        int r = pthread_cond_timedwait(&t->cv, &t->mu, &until);
        if (t->stop)
            break;
        if (r != ETIMEDOUT)
            continue; /* spurious wake-up: the same deadline still holds */
        pthread_mutex_unlock(&t->mu);
        tick(t, "periodic");
        deadline_after(&until, t->every_ms);
        pthread_mutex_lock(&t->mu);
    }
    pthread_mutex_unlock(&t->mu);
    tick(t, "final");
    return NULL;
}

enum eg_err
eg_audit_ticker_start(struct eg_audit *a, struct eg_db *db, long long every_ms,
                      struct eg_audit_ticker **out)
{
    *out = NULL;
    if (!a || !db || every_ms <= 0)
        return EG_EINVAL;
    struct eg_audit_ticker *t = calloc(1, sizeof(*t));
    if (!t)
        return EG_ENOMEM;
    t->a = a;
    t->db = db;
    t->every_ms = every_ms;
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&t->cv, &ca);
    pthread_condattr_destroy(&ca);
    pthread_mutex_init(&t->mu, NULL);
    if (pthread_create(&t->thread, NULL, run, t) != 0) {
        pthread_cond_destroy(&t->cv);
        pthread_mutex_destroy(&t->mu);
        free(t);
        return EG_ENOMEM;
    }
    *out = t;
    return EG_OK;
}

void
eg_audit_ticker_stop(struct eg_audit_ticker *t)
{
    if (!t)
        return;
    pthread_mutex_lock(&t->mu);
    t->stop = true;
    pthread_cond_signal(&t->cv);
    pthread_mutex_unlock(&t->mu);
    pthread_join(t->thread, NULL);
    pthread_cond_destroy(&t->cv);
    pthread_mutex_destroy(&t->mu);
    free(t);
}
