/*
 * memo.c - answers kept between requests (core.h): a fixed table of slots,
 * each holding one key's value with the stamp and time it was built under.
 *
 * A key lives in the slot its hash names, so a lookup compares one key; two
 * keys sharing a slot take turns (the newer replaces the older), which keeps
 * the table a fixed size with no eviction lists. Slots are allocated with the
 * table but only touched as they are used. Values are copied in and out under
 * the mutex, so a reader never holds a pointer into the table.
 */
#include "core.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

struct memo_slot {
    char *key; /* the key's bytes, then the value's, in one allocation; NULL: empty */
    size_t klen;
    size_t vlen;
    int64_t stamp;
    int64_t built_ms;
};

struct eg_memo {
    pthread_mutex_t mu;
    size_t nslots;
    size_t bytes;     /* keys and values kept */
    size_t bytes_max; /* at most */
    size_t value_max;
    int64_t ttl_ms;
    struct memo_slot *slots;
};

uint64_t
eg_hash64(uint64_t h, const void *p, size_t n)
{
    const unsigned char *s = p;
    for (size_t i = 0; i < n; i++)
        h = (h ^ s[i]) * 1099511628211ULL;
    return h;
}

enum eg_err
eg_memo_new(size_t slots, size_t bytes_max, size_t value_max, int64_t ttl_ms, struct eg_memo **out)
{
    *out = NULL;
    if (slots == 0 || ttl_ms <= 0)
        return EG_EINVAL;
    struct eg_memo *m = calloc(1, sizeof(*m));
    if (!m)
        return EG_ENOMEM;
    m->slots = calloc(slots, sizeof(*m->slots));
    if (!m->slots) {
        free(m);
        return EG_ENOMEM;
    }
    pthread_mutex_init(&m->mu, NULL);
    m->nslots = slots;
    m->bytes_max = bytes_max;
    m->value_max = value_max;
    m->ttl_ms = ttl_ms;
    *out = m;
    return EG_OK;
}

void
eg_memo_free(struct eg_memo *m)
{
    if (!m)
        return;
    for (size_t i = 0; i < m->nslots; i++)
        free(m->slots[i].key);
    free(m->slots);
    pthread_mutex_destroy(&m->mu);
    free(m);
}

static struct memo_slot *
slot_of(struct eg_memo *m, const char *key, size_t klen)
{
    return &m->slots[eg_hash64(EG_HASH64_INIT, key, klen) % m->nslots];
}

enum eg_err
eg_memo_get(struct eg_memo *m, const char *key, size_t klen, int64_t stamp, int64_t now_ms,
            struct eg_buf *out)
{
    struct memo_slot *s = slot_of(m, key, klen);
    enum eg_err rc = EG_ENOTFOUND;
    pthread_mutex_lock(&m->mu);
    if (s->key && s->stamp == stamp && s->klen == klen && now_ms >= s->built_ms &&
        now_ms - s->built_ms < m->ttl_ms && memcmp(s->key, key, klen) == 0)
        rc = eg_buf_add(out, s->key + klen, s->vlen);
    pthread_mutex_unlock(&m->mu);
    return rc;
}

void
eg_memo_put(struct eg_memo *m, const char *key, size_t klen, int64_t stamp, int64_t now_ms,
            const char *value, size_t n)
{
    if (n > m->value_max || klen > m->value_max)
        return;
    char *copy = malloc(klen + n + 1);
    if (!copy)
        return;
    memcpy(copy, key, klen);
    memcpy(copy + klen, value, n);
    copy[klen + n] = '\0';
    struct memo_slot *s = slot_of(m, key, klen);
    pthread_mutex_lock(&m->mu);
    size_t had = s->key ? s->klen + s->vlen : 0;
    if (m->bytes - had + klen + n > m->bytes_max) {
        pthread_mutex_unlock(&m->mu);
        free(copy);
        return;
    }
    m->bytes = m->bytes - had + klen + n;
    free(s->key);
    *s = (struct memo_slot){copy, klen, n, stamp, now_ms};
    pthread_mutex_unlock(&m->mu);
}
