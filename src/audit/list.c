/*
 * list.c - reading the log for the admin page and the API: filters, newest
 * first, keyset paging on seq. The WHERE clause is put together from a fixed
 * set of constant pieces, so at most 2^7 SQL texts reach the statement cache.
 */
#include "audit_int.h"

#include <stdio.h>
#include <string.h>

#define LIST_DEFAULT 50
#define LIST_MAX 200

static bool
filter_text_ok(const char *s, size_t max)
{
    if (!s)
        return true;
    size_t n = strlen(s);
    if (n == 0 || n > max || !eg_utf8_valid(s, n))
        return false;
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
            return false;
    return true;
}

struct query {
    struct eg_buf where;
    struct eg_buf actor, object; /* masked like the stored values */
    struct eg_buf action;        /* the prefix without a trailing '.' */
    struct eg_buf action_dot;    /* ... and with one */
};

static enum eg_err
build_where(const struct eg_audit_filter *f, struct query *q)
{
    enum eg_audit_outcome o;
    if (!filter_text_ok(f->actor, EG_AUDIT_ACTOR_MAX) ||
        !filter_text_ok(f->action_prefix, EG_AUDIT_ACTION_MAX) ||
        !filter_text_ok(f->object, EG_AUDIT_OBJECT_MAX) ||
        (f->outcome && eg_audit_outcome_parse(f->outcome, &o) != EG_OK) || f->from_ms < 0 ||
        f->to_ms < 0 || f->before_seq < 0 || f->limit < 0 || f->limit > LIST_MAX)
        return EG_EINVAL;
    enum eg_err rc = eg_buf_adds(&q->where, " WHERE 1 = 1");
    if (rc == EG_OK && f->actor)
        rc = eg_buf_adds(&q->where, " AND actor = ?");
    if (rc == EG_OK && f->actor)
        rc = eg_audit_mask_digits(f->actor, strlen(f->actor), &q->actor);
    /* Whole parts: "auth" and "auth." match auth.login but not authz.deny. */
    if (rc == EG_OK && f->action_prefix) {
        size_t n = strlen(f->action_prefix);
        if (f->action_prefix[n - 1] == '.')
            n--;
        rc = eg_buf_add(&q->action, f->action_prefix, n);
        if (rc == EG_OK)
            rc = eg_buf_printf(&q->action_dot, "%s.", eg_buf_str(&q->action));
        if (rc == EG_OK)
            rc = eg_buf_adds(&q->where, " AND (action = ? OR substr(action, 1, ?) = ?)");
    }
    if (rc == EG_OK && f->object)
        rc = eg_buf_adds(&q->where, " AND object = ?");
    if (rc == EG_OK && f->object)
        rc = eg_audit_mask_digits(f->object, strlen(f->object), &q->object);
    if (rc == EG_OK && f->outcome)
        rc = eg_buf_adds(&q->where, " AND outcome = ?");
    if (rc == EG_OK && f->from_ms > 0)
        rc = eg_buf_adds(&q->where, " AND ts_ms >= ?");
    if (rc == EG_OK && f->to_ms > 0)
        rc = eg_buf_adds(&q->where, " AND ts_ms < ?");
    return rc;
}

/* Binds the filter's values in the order build_where() wrote them; returns the next index. */
static enum eg_err
bind_filter(struct eg_stmt *st, const struct eg_audit_filter *f, const struct query *q, int *idx)
{
    enum eg_err rc = EG_OK;
    int i = 1;
    if (rc == EG_OK && f->actor)
        rc = eg_stmt_bind_text(st, i++, q->actor.p, q->actor.len);
    if (rc == EG_OK && f->action_prefix)
        rc = eg_stmt_bind_text(st, i++, eg_buf_str(&q->action), q->action.len);
    if (rc == EG_OK && f->action_prefix)
        rc = eg_stmt_bind_i64(st, i++, (int64_t)q->action_dot.len);
    if (rc == EG_OK && f->action_prefix)
        rc = eg_stmt_bind_text(st, i++, q->action_dot.p, q->action_dot.len);
    if (rc == EG_OK && f->object)
        rc = eg_stmt_bind_text(st, i++, q->object.p, q->object.len);
    if (rc == EG_OK && f->outcome)
        rc = eg_stmt_bind_text(st, i++, f->outcome, SIZE_MAX);
    if (rc == EG_OK && f->from_ms > 0)
        rc = eg_stmt_bind_i64(st, i++, f->from_ms);
    if (rc == EG_OK && f->to_ms > 0)
        rc = eg_stmt_bind_i64(st, i++, f->to_ms);
    *idx = i;
    return rc;
}

static enum eg_err
count(struct eg_tx *tx, const struct eg_audit_filter *f, const struct query *q, int64_t *total)
{
    struct eg_buf sql = EG_BUF_INIT(2048);
    struct eg_stmt *st = NULL;
    bool row = false;
    int idx;
    enum eg_err rc = eg_buf_adds(&sql, "SELECT count(*) FROM audit_entry");
    if (rc == EG_OK)
        rc = eg_buf_adds(&sql, eg_buf_str(&q->where));
    if (rc == EG_OK)
        rc = eg_tx_prepare(tx, eg_buf_str(&sql), &st);
    if (rc == EG_OK)
        rc = bind_filter(st, f, q, &idx);
    if (rc == EG_OK)
        rc = eg_stmt_step(st, &row);
    if (rc == EG_OK && row) {
        *total = eg_stmt_i64(st, 0);
        eg_stmt_reset(st);
    }
    eg_buf_release(&sql);
    return rc;
}

static json_t *
item(struct eg_stmt *st)
{
    char iso[40], hex[2 * EG_AUDIT_HASH_LEN + 1] = "";
    int64_t ts = eg_stmt_i64(st, 1);
    eg_time_iso_utc(ts, iso, sizeof(iso));
    size_t hn = 0;
    const void *h = eg_stmt_blob(st, 9, &hn);
    if (h && hn == EG_AUDIT_HASH_LEN)
        eg_hex(h, hn, hex);
    json_t *detail = json_null();
    const char *d = eg_stmt_text(st, 8);
    if (d) {
        json_t *parsed = json_loadb(d, eg_stmt_len(st, 8), 0, NULL);
        detail = parsed ? parsed : json_stringn(d, eg_stmt_len(st, 8));
    }
    const char *text[] = {"actor", "action", "object", "outcome", "remote", "request_id"};
    json_t *o = json_pack("{s:I,s:I,s:s,s:o*,s:s}", "seq", (json_int_t)eg_stmt_i64(st, 0), "ts_ms",
                          (json_int_t)ts, "time", iso, "detail", detail, "leaf_hash", hex);
    for (size_t i = 0; o && i < EG_ARRAY_LEN(text); i++) {
        const char *v = eg_stmt_text(st, (int)i + 2);
        json_t *s = v ? json_stringn(v, eg_stmt_len(st, (int)i + 2)) : json_null();
        if (json_object_set_new(o, text[i], s ? s : json_null()) != 0) {
            json_decref(o);
            o = NULL;
        }
    }
    return o;
}

static enum eg_err
page(struct eg_tx *tx, const struct eg_audit_filter *f, const struct query *q, int limit,
     json_t *items, int64_t *last_seq)
{
    struct eg_buf sql = EG_BUF_INIT(2048);
    struct eg_stmt *st = NULL;
    bool row = false;
    int idx = 1;
    enum eg_err rc = eg_buf_adds(&sql, "SELECT seq, ts_ms, actor, action, object, outcome, "
                                       "remote, request_id, detail, leaf_hash FROM audit_entry");
    if (rc == EG_OK)
        rc = eg_buf_adds(&sql, eg_buf_str(&q->where));
    if (rc == EG_OK && f->before_seq > 0)
        rc = eg_buf_adds(&sql, " AND seq < ?");
    if (rc == EG_OK)
        rc = eg_buf_adds(&sql, " ORDER BY seq DESC LIMIT ?");
    if (rc == EG_OK)
        rc = eg_tx_prepare(tx, eg_buf_str(&sql), &st);
    if (rc == EG_OK)
        rc = bind_filter(st, f, q, &idx);
    if (rc == EG_OK && f->before_seq > 0)
        rc = eg_stmt_bind_i64(st, idx++, f->before_seq);
    if (rc == EG_OK)
        rc = eg_stmt_bind_i64(st, idx, limit);
    for (;;) {
        if (rc == EG_OK)
            rc = eg_stmt_step(st, &row);
        if (rc != EG_OK || !row)
            break;
        *last_seq = eg_stmt_i64(st, 0);
        json_t *it = item(st);
        if (!it || json_array_append_new(items, it) != 0) {
            eg_stmt_reset(st);
            rc = EG_ENOMEM;
        }
    }
    eg_buf_release(&sql);
    return rc;
}

enum eg_err
eg_audit_list(struct eg_db *db, const struct eg_audit_filter *f, json_t **out)
{
    *out = NULL;
    struct query q = {
        .where = EG_BUF_INIT(1024),
        .actor = EG_BUF_INIT(EG_AUDIT_ACTOR_MAX + 1),
        .object = EG_BUF_INIT(EG_AUDIT_OBJECT_MAX + 1),
        .action = EG_BUF_INIT(EG_AUDIT_ACTION_MAX + 1),
        .action_dot = EG_BUF_INIT(EG_AUDIT_ACTION_MAX + 2),
    };
    struct eg_tx *tx = NULL;
    json_t *items = json_array();
    int64_t total = 0, last_seq = -1;
    int limit = f->limit ? f->limit : LIST_DEFAULT;
    enum eg_err rc = items ? build_where(f, &q) : EG_ENOMEM;
    if (rc == EG_OK)
        rc = eg_db_begin(db, EG_TX_READ, &tx);
    if (rc == EG_OK)
        rc = count(tx, f, &q, &total);
    if (rc == EG_OK)
        rc = page(tx, f, &q, limit, items, &last_seq);
    eg_tx_rollback(tx);
    if (rc == EG_OK) {
        bool more = json_array_size(items) == (size_t)limit && last_seq > 0;
        *out = json_pack("{s:O,s:I,s:o}", "items", items, "total", (json_int_t)total,
                         "next_before_seq", more ? json_integer(last_seq) : json_null());
        if (!*out)
            rc = EG_ENOMEM;
    }
    json_decref(items);
    eg_buf_release(&q.where);
    eg_buf_release(&q.actor);
    eg_buf_release(&q.object);
    eg_buf_release(&q.action);
    eg_buf_release(&q.action_dot);
    return rc;
}
