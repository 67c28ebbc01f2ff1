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
 * The memo (core.h) has TRACK_SLOTS slots, each code and language in one slot
 * by its hash: large enough that ten thousand dossiers looked up in turn mostly
 * keep their own slots (its pages are only touched as they are used); the texts
 * kept are bounded by TRACK_BYTES.
 */
#include "dossiers_int.h"

#include <string.h>

#define TRACK_SLOTS 65536
#define TRACK_TTL_MS 5000
#define TRACK_MAX_BYTES ((size_t)64 * 1024)    /* a larger view is built every time */
#define TRACK_BYTES ((size_t)32 * 1024 * 1024) /* all texts kept, at most */

enum eg_err
ds_track_cache_new(struct eg_memo **out)
{
    return eg_memo_new(TRACK_SLOTS, TRACK_BYTES, TRACK_MAX_BYTES, TRACK_TTL_MS, out);
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
    char key[64];
    int klen = snprintf(key, sizeof(key), "%s%c%s", code, '\0', lang);
    rc = eg_memo_get(d->track, key, (size_t)klen, version, now, out);
    if (rc != EG_ENOTFOUND)
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
    eg_memo_put(d->track, key, (size_t)klen, version, now, out->p + start, out->len - start);
    return EG_OK;
}
