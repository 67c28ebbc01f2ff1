/*
 * entry.c - one audit entry: field checks, digit masking, the canonical leaf
 * bytes, and the append inside the caller's transaction.
 */
#include "audit_int.h"

#include <stdio.h>
#include <string.h>

enum eg_err
eg_audit_say(struct eg_buf *msg, enum eg_err rc, const char *fmt, ...)
{
    if (!msg)
        return rc;
    eg_buf_reset(msg);
    va_list ap;
    va_start(ap, fmt);
    if (eg_buf_vprintf(msg, fmt, ap) != EG_OK)
        eg_buf_reset(msg);
    va_end(ap);
    return rc;
}

const char *
eg_audit_outcome_str(enum eg_audit_outcome o)
{
    switch (o) {
    case EG_AUDIT_SUCCESS:
        return "success";
    case EG_AUDIT_FAILURE:
        return "failure";
    case EG_AUDIT_DENIED:
        return "denied";
    }
    return "unknown";
}

enum eg_err
eg_audit_outcome_parse(const char *s, enum eg_audit_outcome *out)
{
    static const enum eg_audit_outcome all[] = {EG_AUDIT_SUCCESS, EG_AUDIT_FAILURE,
                                                EG_AUDIT_DENIED};
    for (size_t i = 0; s && i < EG_ARRAY_LEN(all); i++) {
        if (strcmp(s, eg_audit_outcome_str(all[i])) == 0) {
            *out = all[i];
            return EG_OK;
        }
    }
    return EG_EINVAL;
}

/* ---- masking ---------------------------------------------------------------- */

#define MASK_RUN 9  /* a run this long may be a personal id (12), tax code (10, 13), phone */
#define MASK_KEEP 3 /* digits kept at each end */
/* Reals with 15 significant digits, so 0.1 stays "0.1" and is not a long digit run. */
#define DETAIL_DUMP (JSON_COMPACT | JSON_SORT_KEYS | JSON_REAL_PRECISION(15))

static bool
is_digit(char c)
{
    return c >= '0' && c <= '9';
}

static bool
has_long_run(const char *s, size_t n)
{
    size_t run = 0;
    for (size_t i = 0; i < n; i++) {
        run = is_digit(s[i]) ? run + 1 : 0;
        if (run >= MASK_RUN)
            return true;
    }
    return false;
}

enum eg_err
eg_audit_mask_digits(const char *s, size_t n, struct eg_buf *out)
{
    enum eg_err rc = EG_OK;
    size_t i = 0;
    while (i < n && rc == EG_OK) {
        size_t j = i;
        while (j < n && is_digit(s[j]))
            j++;
        if (j - i >= MASK_RUN) {
            rc = eg_buf_add(out, s + i, MASK_KEEP);
            for (size_t k = i + MASK_KEEP; k < j - MASK_KEEP && rc == EG_OK; k++)
                rc = eg_buf_addc(out, '*');
            if (rc == EG_OK)
                rc = eg_buf_add(out, s + j - MASK_KEEP, MASK_KEEP);
            i = j;
        } else if (j > i) {
            rc = eg_buf_add(out, s + i, j - i);
            i = j;
        } else {
            rc = eg_buf_addc(out, s[i]);
            i++;
        }
    }
    return rc;
}

/* ---- field checks ------------------------------------------------------------- */

/* Valid UTF-8 without C0 controls, DEL or C1 controls (U+0080..U+009F). */
static bool
text_ok(const char *s, size_t n)
{
    if (!eg_utf8_valid(s, n) || memchr(s, '\0', n))
        return false;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c < 0x20 || c == 0x7f)
            return false;
        if (c == 0xc2 && i + 1 < n && (unsigned char)s[i + 1] < 0xa0)
            return false;
    }
    return true;
}

/* "auth.login_failed": two or more parts of [a-z0-9_], each starting with a letter. */
static bool
action_ok(const char *s)
{
    size_t n = strlen(s);
    if (n == 0 || n > EG_AUDIT_ACTION_MAX)
        return false;
    int parts = 0;
    bool start = true;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (start) {
            if (c < 'a' || c > 'z')
                return false;
            start = false;
            parts++;
        } else if (c == '.') {
            start = true;
        } else if (!((c >= 'a' && c <= 'z') || is_digit(c) || c == '_')) {
            return false;
        }
    }
    return !start && parts >= 2;
}

/* Addresses and request ids: printable ASCII without spaces, quotes or backslashes. */
static bool
token_ok(const char *s, size_t max)
{
    size_t n = strlen(s);
    if (n == 0 || n > max)
        return false;
    for (size_t i = 0; i < n; i++)
        if (s[i] <= 0x20 || s[i] >= 0x7f || s[i] == '"' || s[i] == '\\')
            return false;
    return true;
}

static enum eg_err
refuse(const char *field, const char *why)
{
    eg_warn("audit: an entry was refused: %s %s", field, why);
    return EG_EINVAL;
}

/* A required or optional text field, masked into out. */
static enum eg_err
masked_text(const char *field, const char *s, size_t max, struct eg_buf *out)
{
    size_t n = strlen(s);
    if (n == 0)
        return refuse(field, "is empty");
    if (n > max)
        return refuse(field, "is too long");
    if (!text_ok(s, n))
        return refuse(field, "holds a control character or invalid UTF-8");
    return eg_audit_mask_digits(s, n, out);
}

/* A JSON value with every long digit run masked; numbers that hold one become strings. */
static json_t *
mask_json(const json_t *v)
{
    struct eg_buf b = EG_BUF_INIT((size_t)EG_AUDIT_DETAIL_MAX * 4 + 1);
    json_t *r = NULL;
    if (json_is_object(v)) {
        r = json_object();
        const char *k;
        json_t *x;
        json_object_foreach((json_t *)v, k, x)
        {
            eg_buf_reset(&b);
            json_t *m = mask_json(x);
            if (!r || !m || eg_audit_mask_digits(k, strlen(k), &b) != EG_OK ||
                json_object_set_new(r, eg_buf_str(&b), m) != 0) {
                json_decref(r);
                r = NULL;
                break;
            }
        }
    } else if (json_is_array(v)) {
        r = json_array();
        size_t i;
        json_t *x;
        json_array_foreach(v, i, x)
        {
            json_t *m = mask_json(x);
            if (!r || !m || json_array_append_new(r, m) != 0) {
                json_decref(r);
                r = NULL;
                break;
            }
        }
    } else if (json_is_string(v)) {
        if (eg_audit_mask_digits(json_string_value(v), json_string_length(v), &b) == EG_OK)
            r = json_stringn(b.p ? b.p : "", b.len);
    } else if (json_is_number(v)) {
        char *t = json_dumps(v, JSON_ENCODE_ANY | JSON_REAL_PRECISION(15));
        if (t && has_long_run(t, strlen(t))) {
            if (eg_audit_mask_digits(t, strlen(t), &b) == EG_OK)
                r = json_stringn(b.p, b.len);
        } else if (t) {
            r = json_deep_copy(v);
        }
        free(t);
    } else {
        r = json_deep_copy(v);
    }
    eg_buf_release(&b);
    return r;
}

/* detail as stored: a JSON object, masked, compact, keys sorted; no raw DEL or C1. */
static enum eg_err
canonical_detail(const char *text, struct eg_buf *out)
{
    json_t *v = NULL, *m = NULL;
    char *t = NULL;
    enum eg_err rc = EG_OK;
    size_t n = strlen(text);
    if (n > (size_t)EG_AUDIT_DETAIL_MAX * 4) {
        rc = refuse("detail", "is too long");
        goto out;
    }
    if (eg_json_parse(text, n, &v, NULL) != EG_OK || !json_is_object(v)) {
        rc = refuse("detail", "is not a JSON object");
        goto out;
    }
    m = mask_json(v);
    t = m ? json_dumps(m, DETAIL_DUMP) : NULL;
    if (!t) {
        rc = EG_ENOMEM;
        goto out;
    }
    size_t len = strlen(t);
    if (len > EG_AUDIT_DETAIL_MAX) {
        rc = refuse("detail", "is too long");
        goto out;
    }
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)t[i];
        if (c == 0x7f || (c == 0xc2 && (unsigned char)t[i + 1] < 0xa0)) {
            rc = refuse("detail", "holds a control character");
            goto out;
        }
    }
    rc = eg_buf_add(out, t, len);
out:
    free(t);
    json_decref(m);
    json_decref(v);
    return rc;
}

/* ---- the leaf ----------------------------------------------------------------- */

/* A JSON string exactly as Python's json.dumps(ensure_ascii=False) writes it. */
static enum eg_err
add_json_string(struct eg_buf *b, struct eg_str s)
{
    enum eg_err rc = eg_buf_addc(b, '"');
    for (size_t i = 0; i < s.n && rc == EG_OK; i++) {
        unsigned char c = (unsigned char)s.p[i];
        switch (c) {
        case '"':
            rc = eg_buf_add(b, "\\\"", 2);
            break;
        case '\\':
            rc = eg_buf_add(b, "\\\\", 2);
            break;
        case '\b':
            rc = eg_buf_add(b, "\\b", 2);
            break;
        case '\f':
            rc = eg_buf_add(b, "\\f", 2);
            break;
        case '\n':
            rc = eg_buf_add(b, "\\n", 2);
            break;
        case '\r':
            rc = eg_buf_add(b, "\\r", 2);
            break;
        case '\t':
            rc = eg_buf_add(b, "\\t", 2);
            break;
        default:
            if (c < 0x20)
                rc = eg_buf_printf(b, "\\u%04x", c);
            else
                rc = eg_buf_addc(b, (char)c);
        }
    }
    if (rc == EG_OK)
        rc = eg_buf_addc(b, '"');
    return rc;
}

enum eg_err
eg_audit_leaf_bytes(const struct eg_audit_row *r, struct eg_buf *out)
{
    /* Keys in byte order, as JSON_SORT_KEYS and Python's sort_keys give them. */
    enum eg_err rc = eg_buf_adds(out, "{\"action\":");
    if (rc == EG_OK)
        rc = add_json_string(out, r->action);
    if (rc == EG_OK)
        rc = eg_buf_adds(out, ",\"actor\":");
    if (rc == EG_OK)
        rc = add_json_string(out, r->actor);
    if (rc == EG_OK)
        rc = eg_buf_adds(out, ",\"detail\":");
    if (rc == EG_OK)
        rc = r->detail.p ? add_json_string(out, r->detail) : eg_buf_adds(out, "null");
    if (rc == EG_OK)
        rc = eg_buf_adds(out, ",\"object\":");
    if (rc == EG_OK)
        rc = add_json_string(out, r->object);
    if (rc == EG_OK)
        rc = eg_buf_adds(out, ",\"outcome\":");
    if (rc == EG_OK)
        rc = add_json_string(out, r->outcome);
    if (rc == EG_OK)
        rc = eg_buf_adds(out, ",\"remote\":");
    if (rc == EG_OK)
        rc = add_json_string(out, r->remote);
    if (rc == EG_OK)
        rc = eg_buf_adds(out, ",\"request_id\":");
    if (rc == EG_OK)
        rc = add_json_string(out, r->request_id);
    if (rc == EG_OK)
        rc = eg_buf_printf(out, ",\"seq\":%lld,\"ts_ms\":%lld}", (long long)r->seq,
                           (long long)r->ts_ms);
    return rc;
}

enum eg_err
eg_audit_row_hash(const struct eg_audit_row *r, unsigned char out[EG_AUDIT_HASH_LEN])
{
    /* Six bytes of output per input byte at worst (\u00xx). */
    struct eg_buf b = EG_BUF_INIT((size_t)64 << 20);
    enum eg_err rc = eg_audit_leaf_bytes(r, &b);
    if (rc == EG_OK)
        eg_audit_leaf_hash(b.p, b.len, out);
    eg_buf_release(&b);
    return rc;
}

/* ---- the state row -------------------------------------------------------------- */

enum eg_err
eg_audit_state_read(struct eg_tx *tx, bool for_update, char log_id[64], struct eg_audit_frontier *f)
{
    const char *sql = "SELECT log_id, tree_size, frontier FROM audit_state WHERE id = 1";
    if (for_update && eg_tx_kind(tx) == EG_DB_POSTGRES)
        sql = "SELECT log_id, tree_size, frontier FROM audit_state WHERE id = 1 FOR UPDATE";
    struct eg_stmt *st = NULL;
    bool row = false;
    enum eg_err rc = eg_tx_prepare(tx, sql, &st);
    if (rc == EG_OK)
        rc = eg_stmt_step(st, &row);
    if (rc != EG_OK)
        return rc;
    if (!row)
        return EG_ENOTFOUND;
    size_t idn = eg_stmt_len(st, 0);
    const char *id = eg_stmt_text(st, 0);
    if (log_id) {
        if (!id || idn == 0 || idn > 63 || !text_ok(id, idn)) {
            rc = EG_EINVAL;
        } else {
            memcpy(log_id, id, idn);
            log_id[idn] = '\0';
        }
    }
    size_t n = 0;
    const void *p = eg_stmt_blob(st, 2, &n);
    if (rc == EG_OK)
        rc = eg_audit_frontier_decode(eg_stmt_i64(st, 1), p, n, f);
    eg_stmt_reset(st);
    return rc;
}

/* ---- appending ------------------------------------------------------------------ */

struct fields {
    struct eg_buf actor, object, detail;
    const char *action, *remote, *request_id;
    bool has_detail;
};

static void
fields_release(struct fields *f)
{
    eg_buf_release(&f->actor);
    eg_buf_release(&f->object);
    eg_buf_release(&f->detail);
}

static enum eg_err
fields_check(const struct eg_audit_event *e, struct fields *f)
{
    eg_buf_init(&f->actor, EG_AUDIT_ACTOR_MAX + 1);
    eg_buf_init(&f->object, EG_AUDIT_OBJECT_MAX + 1);
    eg_buf_init(&f->detail, EG_AUDIT_DETAIL_MAX + 1);
    f->has_detail = e->detail != NULL;
    if (!e->actor)
        return refuse("actor", "is missing");
    if (!e->action || !action_ok(e->action))
        return refuse("action", "is not dotted lower case (\"auth.login\")");
    if (e->outcome != EG_AUDIT_SUCCESS && e->outcome != EG_AUDIT_FAILURE &&
        e->outcome != EG_AUDIT_DENIED)
        return refuse("outcome", "is not success, failure or denied");
    f->action = e->action;
    f->remote = e->remote ? e->remote : "-";
    f->request_id = e->request_id ? e->request_id : "-";
    if (!token_ok(f->remote, EG_AUDIT_REMOTE_MAX))
        return refuse("remote", "is not an address");
    if (!token_ok(f->request_id, EG_AUDIT_REQUEST_ID_MAX))
        return refuse("request_id", "is not a request id");
    enum eg_err rc = masked_text("actor", e->actor, EG_AUDIT_ACTOR_MAX, &f->actor);
    if (rc == EG_OK)
        rc = masked_text("object", e->object ? e->object : "-", EG_AUDIT_OBJECT_MAX, &f->object);
    if (rc == EG_OK && e->detail)
        rc = canonical_detail(e->detail, &f->detail);
    return rc;
}

static enum eg_err
insert_entry(struct eg_tx *tx, const struct eg_audit_row *r, const unsigned char leaf[32])
{
    struct eg_stmt *st = NULL;
    bool row;
    enum eg_err rc = eg_tx_prepare(tx,
                                   "INSERT INTO audit_entry (seq, ts_ms, actor, action, object, "
                                   "outcome, remote, request_id, detail, leaf_hash) "
                                   "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                                   &st);
    if (rc == EG_OK)
        rc = eg_stmt_bind_i64(st, 1, r->seq);
    if (rc == EG_OK)
        rc = eg_stmt_bind_i64(st, 2, r->ts_ms);
    const struct eg_str *text[] = {&r->actor,   &r->action, &r->object,
                                   &r->outcome, &r->remote, &r->request_id};
    for (size_t i = 0; i < EG_ARRAY_LEN(text) && rc == EG_OK; i++)
        rc = eg_stmt_bind_text(st, (int)i + 3, text[i]->p, text[i]->n);
    if (rc == EG_OK)
        rc = r->detail.p ? eg_stmt_bind_text(st, 9, r->detail.p, r->detail.n)
                         : eg_stmt_bind_null(st, 9);
    if (rc == EG_OK)
        rc = eg_stmt_bind_blob(st, 10, leaf, EG_AUDIT_HASH_LEN);
    if (rc == EG_OK)
        rc = eg_stmt_step(st, &row);
    return rc;
}

static enum eg_err
update_state(struct eg_tx *tx, const struct eg_audit_frontier *f, int64_t old_size)
{
    unsigned char enc[EG_AUDIT_LEVELS * EG_AUDIT_HASH_LEN];
    size_t n = eg_audit_frontier_encode(f, enc);
    struct eg_stmt *st = NULL;
    bool row;
    enum eg_err rc = eg_tx_prepare(
        tx, "UPDATE audit_state SET tree_size = ?, frontier = ? WHERE id = 1 AND tree_size = ?",
        &st);
    if (rc == EG_OK)
        rc = eg_stmt_bind_i64(st, 1, f->size);
    if (rc == EG_OK)
        rc = eg_stmt_bind_blob(st, 2, enc, n);
    if (rc == EG_OK)
        rc = eg_stmt_bind_i64(st, 3, old_size);
    if (rc == EG_OK)
        rc = eg_stmt_step(st, &row);
    if (rc == EG_OK && eg_stmt_changes(st) != 1)
        rc = EG_ECONFLICT; /* only a misuse (a PG read tx) lets two appends race here */
    return rc;
}

enum eg_err
eg_audit_append(struct eg_tx *tx, const struct eg_audit_event *e, int64_t now_ms)
{
    struct fields f;
    struct eg_audit_frontier fr;
    unsigned char leaf[EG_AUDIT_HASH_LEN];
    enum eg_err rc = fields_check(e, &f);
    if (rc == EG_OK && now_ms < 0)
        rc = refuse("time", "is before 1970");
    if (rc != EG_OK)
        goto out;
    rc = eg_audit_state_read(tx, true, NULL, &fr);
    if (rc == EG_ENOTFOUND)
        rc = EG_EINTERNAL; /* the migration creates the row; someone removed it */
    if (rc != EG_OK)
        goto out;
    const char *outcome = eg_audit_outcome_str(e->outcome);
    struct eg_audit_row r = {
        .seq = fr.size,
        .ts_ms = now_ms,
        .actor = {eg_buf_str(&f.actor), f.actor.len},
        .action = eg_str_c(f.action),
        .object = {eg_buf_str(&f.object), f.object.len},
        .outcome = eg_str_c(outcome),
        .remote = eg_str_c(f.remote),
        .request_id = eg_str_c(f.request_id),
        .detail = {f.has_detail ? eg_buf_str(&f.detail) : NULL, f.detail.len},
    };
    rc = eg_audit_row_hash(&r, leaf);
    if (rc == EG_OK)
        rc = insert_entry(tx, &r, leaf);
    if (rc == EG_OK) {
        int64_t old = fr.size;
        eg_audit_frontier_push(&fr, leaf);
        rc = update_state(tx, &fr, old);
    }
out:
    fields_release(&f);
    return rc;
}
