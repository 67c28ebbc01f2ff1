/*
 * cache.c - parsed procedure documents, kept between requests.
 *
 * A stored version of a procedure never changes (eg_procedure_put adds a new
 * one; publishing only stamps it), so a document parsed once can serve every
 * later reader of the same (procedure id, version) on the same database. A
 * submission used to spend a quarter of its instructions parsing the
 * procedure's document; with the cache it makes a shallow copy instead.
 *
 * The cache belongs to one database (its owner's) and holds CACHE_SLOTS
 * documents, the oldest replaced first. Readers get a new top-level object
 * whose members are shared with the cache: jansson's reference counts are
 * atomic and nothing here changes a shared member, so any number of threads
 * may read them at once.
 */
#include "procedures_int.h"

#include <pthread.h>
#include <stdlib.h>

#define CACHE_SLOTS 64

struct slot {
    int64_t pid;
    int version;
    json_t *doc; /* NULL: empty */
};

struct eg_procedure_cache {
    pthread_mutex_t lock;
    struct slot slots[CACHE_SLOTS];
    size_t next; /* the slot replaced next */
};

enum eg_err
eg_procedure_cache_new(struct eg_procedure_cache **out)
{
    *out = calloc(1, sizeof(**out));
    if (!*out)
        return EG_ENOMEM;
    pthread_mutex_init(&(*out)->lock, NULL);
    return EG_OK;
}

void
eg_procedure_cache_free(struct eg_procedure_cache *c)
{
    if (!c)
        return;
    for (size_t i = 0; i < CACHE_SLOTS; i++)
        json_decref(c->slots[i].doc);
    pthread_mutex_destroy(&c->lock);
    free(c);
}

json_t *
eg_proc_cache_get(struct eg_procedure_cache *c, int64_t pid, int version)
{
    json_t *copy = NULL;
    pthread_mutex_lock(&c->lock);
    for (size_t i = 0; i < CACHE_SLOTS; i++) {
        const struct slot *s = &c->slots[i];
        if (s->doc && s->pid == pid && s->version == version) {
            copy = json_copy(s->doc);
            break;
        }
    }
    pthread_mutex_unlock(&c->lock);
    return copy;
}

void
eg_proc_cache_put(struct eg_procedure_cache *c, int64_t pid, int version, json_t *doc)
{
    pthread_mutex_lock(&c->lock);
    for (size_t i = 0; i < CACHE_SLOTS; i++) {
        if (c->slots[i].doc && c->slots[i].pid == pid && c->slots[i].version == version) {
            pthread_mutex_unlock(&c->lock); /* another thread was first */
            return;
        }
    }
    struct slot *s = &c->slots[c->next];
    c->next = (c->next + 1) % CACHE_SLOTS;
    json_decref(s->doc);
    s->pid = pid;
    s->version = version;
    s->doc = json_incref(doc);
    pthread_mutex_unlock(&c->lock);
}
