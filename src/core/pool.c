/* pool.c - a fixed set of worker threads with a bounded FIFO queue. */
#define _GNU_SOURCE /* SCHED_IDLE */
#include "core.h"

#include <pthread.h>
#include <sched.h>
#include <stdlib.h>

struct job {
    void (*fn)(void *arg);
    void *arg;
};

struct eg_pool {
    pthread_mutex_t lock;
    pthread_cond_t ready;
    struct job *ring;
    int cap, head, count, running;
    bool stopping;
    bool low;
    int nthreads;
    pthread_t threads[];
};

static void *
worker(void *p_)
{
    struct eg_pool *p = p_;
    if (p->low) {
        /* Spare CPU only: readers on the HTTP threads always come first. */
        struct sched_param sp = {0};
        (void)pthread_setschedparam(pthread_self(), SCHED_IDLE, &sp);
    }
    pthread_mutex_lock(&p->lock);
    for (;;) {
        while (p->count == 0 && !p->stopping)
            pthread_cond_wait(&p->ready, &p->lock);
        if (p->count == 0 && p->stopping)
            break;
        struct job j = p->ring[p->head];
        p->head = (p->head + 1) % p->cap;
        p->count--;
        p->running++;
        pthread_mutex_unlock(&p->lock);
        j.fn(j.arg);
        pthread_mutex_lock(&p->lock);
        p->running--;
    }
    pthread_mutex_unlock(&p->lock);
    return NULL;
}

enum eg_err
eg_pool_new(int threads, int queue_max, bool low_priority, struct eg_pool **out)
{
    *out = NULL;
    if (threads < 1 || threads > 256 || queue_max < 1)
        return EG_EINVAL;
    struct eg_pool *p = calloc(1, sizeof(*p) + (size_t)threads * sizeof(pthread_t));
    if (!p)
        return EG_ENOMEM;
    p->ring = calloc((size_t)queue_max, sizeof(*p->ring));
    if (!p->ring) {
        free(p);
        return EG_ENOMEM;
    }
    p->cap = queue_max;
    p->low = low_priority;
    pthread_mutex_init(&p->lock, NULL);
    pthread_cond_init(&p->ready, NULL);
    for (int i = 0; i < threads; i++) {
        if (pthread_create(&p->threads[i], NULL, worker, p) != 0) {
            p->nthreads = i;
            eg_pool_free(p);
            return EG_ENOMEM;
        }
    }
    p->nthreads = threads;
    *out = p;
    return EG_OK;
}

enum eg_err
eg_pool_submit(struct eg_pool *p, void (*fn)(void *arg), void *arg)
{
    pthread_mutex_lock(&p->lock);
    if (p->count == p->cap || p->stopping) {
        pthread_mutex_unlock(&p->lock);
        return EG_ERATE;
    }
    p->ring[(p->head + p->count) % p->cap] = (struct job){fn, arg};
    p->count++;
    pthread_cond_signal(&p->ready);
    pthread_mutex_unlock(&p->lock);
    return EG_OK;
}

int
eg_pool_load(struct eg_pool *p)
{
    pthread_mutex_lock(&p->lock);
    int n = p->count + p->running;
    pthread_mutex_unlock(&p->lock);
    return n;
}

void
eg_pool_free(struct eg_pool *p)
{
    if (!p)
        return;
    pthread_mutex_lock(&p->lock);
    p->stopping = true;
    pthread_cond_broadcast(&p->ready);
    pthread_mutex_unlock(&p->lock);
    for (int i = 0; i < p->nthreads; i++)
        pthread_join(p->threads[i], NULL);
    pthread_mutex_destroy(&p->lock);
    pthread_cond_destroy(&p->ready);
    free(p->ring);
    free(p);
}
