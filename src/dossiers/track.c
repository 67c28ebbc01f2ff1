/*
 * track.c - the public tracking view as JSON text, kept between lookups.
 *
 * Tracking by code is the one dossier read anyone may make, and the busiest
 * (citizens refresh it; the QR code on every slip leads to it). Building the
 * view reads the dossier, its unit, its procedure's name and its timeline and
 * writes JSON; most lookups ask again about a dossier that has not changed. So
 * the text is kept, per code and language, with the dossier's version: every
 * lookup reads the version (one indexed row) and uses the kept text only when
 * it is the same, so a change to the dossier shows at once. What the version
 * does not cover - the names of units and procedures, and "overdue" turning
 * true at the due time - may lag by at most TRACK_TTL_MS.
 *
 * The cache is a fixed table of TRACK_SLOTS slots, each code and language in
 * one slot by its hash (a newer entry replaces an older one), under one mutex
 * held only to compare and copy. The table is large enough that ten thousand
 * dossiers looked up in turn mostly keep their own slots (its pages are only
 * touched as they are used), and the texts kept are bounded by TRACK_BYTES.
 */
#include "dossiers_int.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#define TRACK_SLOTS 65536
#define TRACK_TTL_MS 5000
#define TRACK_MAX_BYTES ((size_t)64 * 1024)    /* a larger view is built every time */
#define TRACK_BYTES ((size_t)32 * 1024 * 1024) /* all texts kept, at most */

struct track_slot {
    char code[49]; /* eg_dossier_code_valid: at most 35 + 13 characters */
    char lang[4];
    int version;
    int64_t built_ms;
    char *json;
    size_t len;
};

struct eg_track_cache {
    pthread_mutex_t mu;
    size_t bytes; /* the texts kept */
    struct track_slot slots[TRACK_SLOTS];
};

enum eg_err
ds_track_cache_new(struct eg_track_cache **out)
{
    *out = calloc(1, sizeof(**out));
    if (!*out)
        return EG_ENOMEM;
    pthread_mutex_init(&(*out)->mu, NULL);
    return EG_OK;
}

void
ds_track_cache_free(struct eg_track_cache *c)
{
    if (!c)
        return;
    for (size_t i = 0; i < TRACK_SLOTS; i++)
        free(c->slots[i].json);
    pthread_mutex_destroy(&c->mu);
    free(c);
}

static size_t
slot_of(const char *code, const char *lang)
{
    uint64_t h = 1469598103934665603ULL;
    for (const char *s = code; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ULL;
    for (const char *s = lang; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ULL;
    return (size_t)(h % TRACK_SLOTS);
}

/* The dossier's version, EG_ENOTFOUND for no dossier or a draft. */
static enum eg_err
version_of(struct eg_db *db, const char *code, int *version)
{
    struct eg_tx *tx;
    struct eg_stmt *st;
    bool row = false;
    enum eg_err rc = eg_db_begin(db, EG_TX_READ, &tx);
    if (rc != EG_OK)
        return rc;
    rc = eg_tx_prepare(tx, "SELECT version, state FROM dossier WHERE code = ?", &st);
    if (rc == EG_OK)
        rc = eg_stmt_bind_text(st, 1, code, strlen(code));
    if (rc == EG_OK)
        rc = eg_stmt_step(st, &row);
    if (rc == EG_OK && (!row || strcmp(eg_stmt_text(st, 1), "draft") == 0))
        rc = EG_ENOTFOUND;
    if (rc == EG_OK)
        *version = (int)eg_stmt_i64(st, 0);
    eg_tx_rollback(tx);
    return rc;
}

enum eg_err
eg_dossier_track_json(struct eg_dossiers *d, const char *code, const char *lang, struct eg_buf *out)
{
    if (!eg_dossier_code_valid(code))
        return EG_ENOTFOUND;
    lang = lang && strcmp(lang, "en") == 0 ? "en" : "vi";
    int version = 0;
    enum eg_err rc = version_of(d->db, code, &version);
    if (rc != EG_OK)
        return rc;
    int64_t now = eg_clock_now_ms(d->clock);
    struct eg_track_cache *c = d->track;
    struct track_slot *s = &c->slots[slot_of(code, lang)];
    pthread_mutex_lock(&c->mu);
    bool hit = s->json && s->version == version && strcmp(s->code, code) == 0 &&
               strcmp(s->lang, lang) == 0 && now - s->built_ms >= 0 &&
               now - s->built_ms < TRACK_TTL_MS;
    if (hit)
        rc = eg_buf_add(out, s->json, s->len);
    pthread_mutex_unlock(&c->mu);
    if (hit)
        return rc;

    struct eg_actor anyone = {0};
    json_t *view = NULL;
    rc = eg_dossier_get(d, &anyone, code, EG_VIEW_PUBLIC, lang, &view);
    size_t start = out->len;
    if (rc == EG_OK)
        rc = eg_json_dump(view, out);
    json_decref(view);
    if (rc != EG_OK)
        return rc;
    size_t len = out->len - start;
    char *copy = len <= TRACK_MAX_BYTES ? malloc(len) : NULL;
    if (!copy)
        return EG_OK; /* answered, just not kept */
    memcpy(copy, out->p + start, len);
    pthread_mutex_lock(&c->mu);
    if (c->bytes - s->len + len > TRACK_BYTES) {
        pthread_mutex_unlock(&c->mu);
        free(copy);
        return EG_OK;
    }
    c->bytes = c->bytes - s->len + len;
    free(s->json);
    memcpy(s->code, code, strlen(code) + 1);
    memcpy(s->lang, lang, strlen(lang) + 1);
    s->version = version;
    s->built_ms = now;
    s->json = copy;
    s->len = len;
    pthread_mutex_unlock(&c->mu);
    return EG_OK;
}
