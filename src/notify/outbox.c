/*
 * outbox.c - the outbox table: queueing inside the caller's transaction,
 * claiming due rows with a lease, recording outcomes, and the figures for
 * /metrics.
 *
 * A row's life: queued -> sending (claimed, leased) -> sent | queued (retry) |
 * dead. While a row is sending, next_attempt_ms holds the end of its lease,
 * so "due" is one condition for both states: state IN ('queued', 'sending')
 * AND next_attempt_ms <= now (and one partial index serves it). attempts is
 * raised at each claim and is the claim's fencing token: an outcome is
 * recorded only WHERE attempts still equals the claimer's value.
 */
#include "notify_int.h"

#include <stdlib.h>
#include <string.h>

static const char *const channels[] = {"email", "sms"};

static bool
channel_known(const char *ch)
{
    for (size_t i = 0; ch && i < EG_ARRAY_LEN(channels); i++)
        if (strcmp(ch, channels[i]) == 0)
            return true;
    return false;
}

/* ---- payloads --------------------------------------------------------------------- */

static enum eg_err
opt_string(const json_t *o, const char *key, const char **out)
{
    json_t *v = json_object_get(o, key);
    *out = NULL;
    if (!v || json_is_null(v))
        return EG_OK;
    if (!json_is_string(v))
        return EG_EINVAL;
    *out = json_string_value(v);
    /* jansson strings may hold NUL; a C string would silently end there. */
    return strlen(*out) == json_string_length(v) ? EG_OK : EG_EINVAL;
}

enum eg_err
eg_outbox_email_from_json(const json_t *payload, struct eg_mail *m, struct eg_buf *err)
{
    static const char *const keys[] = {"to", "to_name", "subject", "text", "html"};
    memset(m, 0, sizeof(*m));
    if (!json_is_object(payload)) {
        if (err && eg_buf_adds(err, "the email payload is not a JSON object") != EG_OK)
            eg_buf_reset(err);
        return EG_EINVAL;
    }
    const char *key;
    json_t *v;
    json_object_foreach((json_t *)payload, key, v)
    {
        bool known = false;
        for (size_t i = 0; i < EG_ARRAY_LEN(keys); i++)
            known = known || strcmp(key, keys[i]) == 0;
        if (!known) {
            if (err && eg_buf_printf(err, "the email payload has an unknown key") != EG_OK)
                eg_buf_reset(err);
            return EG_EINVAL;
        }
    }
    enum eg_err rc = opt_string(payload, "to", &m->to);
    if (rc == EG_OK)
        rc = opt_string(payload, "to_name", &m->to_name);
    if (rc == EG_OK)
        rc = opt_string(payload, "subject", &m->subject);
    if (rc == EG_OK)
        rc = opt_string(payload, "text", &m->text);
    if (rc == EG_OK)
        rc = opt_string(payload, "html", &m->html);
    if (rc != EG_OK) {
        if (err && eg_buf_adds(err, "an email payload field is not a string") != EG_OK)
            eg_buf_reset(err);
        return rc;
    }
    return eg_mail_check(m, err);
}

/* Valid UTF-8 of 1..max bytes with no control character but LF. */
static bool
sms_text_valid(const char *s, size_t max)
{
    size_t n = strlen(s);
    if (n == 0 || n > max || !eg_utf8_valid(s, n))
        return false;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if ((c < 0x20 && c != '\n') || c == 0x7f)
            return false;
        if (c == 0xc2 && (unsigned char)s[i + 1] >= 0x80 && (unsigned char)s[i + 1] <= 0x9f)
            return false;
    }
    return true;
}

enum eg_err
eg_outbox_sms_from_json(const json_t *payload, const char **to, const char **text,
                        struct eg_buf *err)
{
    const char *why = NULL;
    *to = *text = NULL;
    if (!json_is_object(payload) || json_object_size(payload) != 2) {
        why = "the SMS payload is not an object of exactly \"to\" and \"text\"";
    } else if (opt_string(payload, "to", to) != EG_OK ||
               opt_string(payload, "text", text) != EG_OK || !*to || !*text) {
        why = "the SMS payload needs \"to\" and \"text\" as strings";
    } else {
        char e164[EG_SMS_PHONE_MAX];
        if (eg_sms_phone_normalize(*to, e164, sizeof(e164), NULL) != EG_OK ||
            strcmp(e164, *to) != 0)
            why = "the SMS recipient is not a Vietnamese mobile number in E.164 (+84...)";
        else if (!sms_text_valid(*text, EG_SMS_TEXT_MAX))
            why = "the SMS text is empty, too long, not UTF-8, or has a control character";
    }
    if (!why)
        return EG_OK;
    if (err) {
        eg_buf_reset(err);
        if (eg_buf_adds(err, why) != EG_OK)
            eg_buf_reset(err);
    }
    *to = *text = NULL;
    return EG_EINVAL;
}

/* The row itself: the payload already checked and written as JSON text. */
static enum eg_err
outbox_insert(struct eg_tx *tx, const char *channel, const char *dedupe_key, const char *json,
              size_t n, int64_t now_ms)
{
    struct eg_stmt *st = NULL;
    bool row;
    if (!eg_mail_field_valid(dedupe_key, EG_OUTBOX_KEY_MAX, false) || !*dedupe_key)
        return EG_EINVAL;
    /* ON CONFLICT DO NOTHING: a duplicate must not abort the caller's tx on PostgreSQL. */
    enum eg_err rc = eg_tx_prepare(tx,
                                   "INSERT INTO outbox (channel, dedupe_key, payload, state, "
                                   "attempts, next_attempt_ms, created_ms) VALUES (?, ?, ?, "
                                   "'queued', 0, ?, ?) ON CONFLICT (dedupe_key) DO NOTHING",
                                   &st);
    if (rc == EG_OK)
        rc = eg_stmt_bind_text(st, 1, channel, SIZE_MAX);
    if (rc == EG_OK)
        rc = eg_stmt_bind_text(st, 2, dedupe_key, SIZE_MAX);
    if (rc == EG_OK)
        rc = eg_stmt_bind_text(st, 3, json, n);
    if (rc == EG_OK)
        rc = eg_stmt_bind_i64(st, 4, now_ms);
    if (rc == EG_OK)
        rc = eg_stmt_bind_i64(st, 5, now_ms);
    if (rc == EG_OK)
        rc = eg_stmt_step(st, &row);
    if (rc == EG_OK && eg_stmt_changes(st) == 0)
        rc = EG_ECONFLICT;
    return rc;
}

enum eg_err
eg_outbox_add(struct eg_tx *tx, const char *channel, const char *dedupe_key, const json_t *payload,
              int64_t now_ms)
{
    struct eg_buf json = EG_BUF_INIT(EG_OUTBOX_PAYLOAD_MAX);
    struct eg_mail m;
    const char *to, *text;
    enum eg_err rc = EG_EINVAL;

    if (!channel_known(channel))
        goto out;
    if (strcmp(channel, "sms") == 0)
        rc = eg_outbox_sms_from_json(payload, &to, &text, NULL);
    else
        rc = eg_outbox_email_from_json(payload, &m, NULL);
    if (rc == EG_OK)
        rc = eg_json_dump(payload, &json);
    if (rc == EG_OK)
        rc = outbox_insert(tx, channel, dedupe_key, json.p, json.len, now_ms);
out:
    eg_buf_release(&json);
    return rc;
}

/* "key":"value" (or null), after a comma unless first. */
static enum eg_err
add_member(struct eg_buf *b, const char *key, const char *value)
{
    enum eg_err rc = eg_buf_printf(b, "%s\"%s\":", b->len > 1 ? "," : "", key);
    if (rc == EG_OK)
        rc = value ? eg_json_add_string(b, value, strlen(value)) : eg_buf_adds(b, "null");
    return rc;
}

/*
 * The payload is checked as eg_outbox_email_from_json would check it and
 * written as JSON text directly: this runs inside every submission's and
 * action's write transaction, where building a jansson object, reading it back
 * and dumping it cost a tenth of the writer's time.
 */
enum eg_err
eg_outbox_add_email(struct eg_tx *tx, const char *dedupe_key, const char *to, const char *to_name,
                    const char *subject, const char *text, const char *html, int64_t now_ms)
{
    struct eg_mail m = {
        .to = to, .to_name = to_name, .subject = subject, .text = text, .html = html};
    if (!to || eg_mail_check(&m, NULL) != EG_OK)
        return EG_EINVAL;
    struct eg_buf json = EG_BUF_INIT(EG_OUTBOX_PAYLOAD_MAX);
    enum eg_err rc = eg_buf_addc(&json, '{');
    if (rc == EG_OK)
        rc = add_member(&json, "to", to);
    if (rc == EG_OK)
        rc = add_member(&json, "subject", subject);
    if (rc == EG_OK)
        rc = add_member(&json, "text", text);
    if (rc == EG_OK && to_name)
        rc = add_member(&json, "to_name", to_name);
    if (rc == EG_OK && html)
        rc = add_member(&json, "html", html);
    if (rc == EG_OK)
        rc = eg_buf_addc(&json, '}');
    if (rc == EG_OK)
        rc = outbox_insert(tx, "email", dedupe_key, json.p, json.len, now_ms);
    eg_buf_release(&json);
    return rc;
}

enum eg_err
eg_outbox_add_sms(struct eg_tx *tx, const char *dedupe_key, const char *phone, const char *text,
                  int64_t now_ms)
{
    char to[EG_SMS_PHONE_MAX];
    struct eg_buf gsm = EG_BUF_INIT(EG_SMS_TEXT_MAX);
    json_t *p = NULL;
    enum eg_err rc = eg_sms_phone_normalize(phone, to, sizeof(to), NULL);
    if (rc == EG_OK && (!text || strlen(text) > EG_SMS_TEXT_MAX))
        rc = EG_EINVAL;
    if (rc == EG_OK)
        rc = eg_sms_unaccent(text, strlen(text), &gsm);
    if (rc == EG_ETOOBIG)
        rc = EG_EINVAL;
    if (rc != EG_OK)
        goto out;
    p = json_pack("{s:s, s:s}", "to", to, "text", eg_buf_str(&gsm));
    rc = p ? eg_outbox_add(tx, "sms", dedupe_key, p, now_ms) : EG_ENOMEM;
out:
    json_decref(p);
    eg_buf_release(&gsm);
    return rc;
}

/* ---- claiming and finishing ------------------------------------------------------- */

void
eg_outbox_row_release(struct eg_outbox_row *r)
{
    if (!r)
        return;
    free(r->payload);
    free(r->message_id);
    memset(r, 0, sizeof(*r));
}

static char *
dup_col(const struct eg_stmt *st, int col)
{
    const char *s = eg_stmt_text(st, col);
    return s ? strndup(s, eg_stmt_len(st, col)) : NULL;
}

/* The ids of up to max due rows, oldest due first; on PostgreSQL locked for this tx. */
static enum eg_err
due_ids(struct eg_tx *tx, const char *channel, int64_t now_ms, int max, int64_t *ids, int *n)
{
    static const char sql_sqlite[] =
        "SELECT id FROM outbox WHERE state IN ('queued', 'sending') AND next_attempt_ms <= ? "
        "AND channel = ? ORDER BY next_attempt_ms, id LIMIT ?";
    /* SKIP LOCKED: another process claiming right now keeps its rows, we take others. */
    static const char sql_pg[] =
        "SELECT id FROM outbox WHERE state IN ('queued', 'sending') AND next_attempt_ms <= ? "
        "AND channel = ? ORDER BY next_attempt_ms, id LIMIT ? FOR UPDATE SKIP LOCKED";
    struct eg_stmt *st;
    bool row = false;
    *n = 0;
    enum eg_err rc = eg_tx_prepare(tx, eg_tx_kind(tx) == EG_DB_POSTGRES ? sql_pg : sql_sqlite, &st);
    if (rc == EG_OK)
        rc = eg_stmt_bind_i64(st, 1, now_ms);
    if (rc == EG_OK)
        rc = eg_stmt_bind_text(st, 2, channel, SIZE_MAX);
    if (rc == EG_OK)
        rc = eg_stmt_bind_i64(st, 3, max);
    while (rc == EG_OK) {
        rc = eg_stmt_step(st, &row);
        if (rc != EG_OK || !row)
            break;
        if (*n < max)
            ids[(*n)++] = eg_stmt_i64(st, 0);
    }
    return rc;
}

static enum eg_err
claim_one(struct eg_tx *tx, int64_t id, int64_t lease_until, const char *msgid,
          struct eg_outbox_row *r)
{
    struct eg_stmt *st;
    bool row = false;
    enum eg_err rc = eg_tx_prepare(
        tx,
        "UPDATE outbox SET state = 'sending', attempts = attempts + 1, lease_until_ms = ?, "
        "next_attempt_ms = ?, message_id = COALESCE(message_id, ?) WHERE id = ? "
        "RETURNING attempts, created_ms, payload, message_id",
        &st);
    if (rc == EG_OK)
        rc = eg_stmt_bind_i64(st, 1, lease_until);
    if (rc == EG_OK)
        rc = eg_stmt_bind_i64(st, 2, lease_until);
    if (rc == EG_OK)
        rc = eg_stmt_bind_text(st, 3, msgid, SIZE_MAX);
    if (rc == EG_OK)
        rc = eg_stmt_bind_i64(st, 4, id);
    if (rc == EG_OK)
        rc = eg_stmt_step(st, &row);
    if (rc == EG_OK && !row)
        rc = EG_EINTERNAL; /* the row was selected (and locked) in this very tx */
    if (rc == EG_OK) {
        r->id = id;
        r->attempts = (int)eg_stmt_i64(st, 0);
        r->created_ms = eg_stmt_i64(st, 1);
        r->payload = dup_col(st, 2);
        r->message_id = dup_col(st, 3);
        if (!r->payload || !r->message_id)
            rc = EG_ENOMEM;
        bool more = false;
        if (rc == EG_OK)
            rc = eg_stmt_step(st, &more);
    }
    eg_stmt_reset(st);
    return rc;
}

enum eg_err
eg_outbox_claim(struct eg_db *db, const char *channel, int64_t now_ms, int64_t lease_ms,
                const char *msgid_from, int max, struct eg_outbox_row *rows, int *n)
{
    struct eg_tx *tx = NULL;
    struct eg_buf msgid = EG_BUF_INIT(EG_MAIL_MSGID_MAX + 1);
    int64_t *ids = NULL;
    int found = 0;
    *n = 0;
    enum eg_err rc = EG_ENOMEM;
    ids = calloc((size_t)(max > 0 ? max : 1), sizeof(*ids));
    if (!ids)
        goto out;
    rc = eg_db_begin(db, EG_TX_WRITE, &tx);
    if (rc != EG_OK)
        goto out;
    rc = due_ids(tx, channel, now_ms, max, ids, &found);
    for (int i = 0; rc == EG_OK && i < found; i++) {
        eg_buf_reset(&msgid);
        rc = eg_mime_message_id(msgid_from, &msgid);
        if (rc == EG_OK)
            rc = claim_one(tx, ids[i], now_ms + lease_ms, eg_buf_str(&msgid), &rows[i]);
        if (rc == EG_OK)
            (*n)++;
    }
    if (rc == EG_OK) {
        rc = eg_tx_commit(tx);
        tx = NULL;
    }
out:
    if (tx) {
        eg_warn("outbox: claiming rows failed: %s", eg_tx_errmsg(tx));
        eg_tx_rollback(tx);
    }
    if (rc != EG_OK) {
        for (int i = 0; i < *n; i++)
            eg_outbox_row_release(&rows[i]);
        *n = 0;
    }
    free(ids);
    eg_buf_release(&msgid);
    return rc;
}

/* error cut to at most max bytes on a UTF-8 boundary, into out. */
static void
cut_error(const char *error, char *out, size_t max)
{
    size_t n = error ? strlen(error) : 0;
    if (n >= max) {
        n = max - 1;
        while (n > 0 && ((unsigned char)error[n] & 0xc0) == 0x80)
            n--;
    }
    memcpy(out, error ? error : "", n);
    out[n] = '\0';
}

enum eg_err
eg_outbox_finish(struct eg_db *db, const struct eg_outbox_row *r, enum eg_outbox_outcome o,
                 int64_t when_ms, const char *error, bool *fenced)
{
    static const char *const sql[] = {
        [EG_OUTBOX_SENT] = "UPDATE outbox SET state = 'sent', sent_ms = ?, lease_until_ms = NULL, "
                           "last_error = ? WHERE id = ? AND state = 'sending' AND attempts = ?",
        [EG_OUTBOX_RETRY] = "UPDATE outbox SET state = 'queued', next_attempt_ms = ?, "
                            "lease_until_ms = NULL, last_error = ? "
                            "WHERE id = ? AND state = 'sending' AND attempts = ?",
        [EG_OUTBOX_DEAD] = "UPDATE outbox SET state = 'dead', next_attempt_ms = ?, "
                           "lease_until_ms = NULL, last_error = ? "
                           "WHERE id = ? AND state = 'sending' AND attempts = ?",
        [EG_OUTBOX_RELEASE] = "UPDATE outbox SET state = 'queued', next_attempt_ms = ?, "
                              "lease_until_ms = NULL, attempts = attempts - 1, "
                              "last_error = COALESCE(?, last_error) "
                              "WHERE id = ? AND state = 'sending' AND attempts = ?",
    };
    char msg[512];
    struct eg_tx *tx = NULL;
    struct eg_stmt *st;
    bool row;
    *fenced = false;
    cut_error(error, msg, sizeof(msg));
    enum eg_err rc = eg_db_begin(db, EG_TX_WRITE, &tx);
    if (rc != EG_OK)
        return rc;
    rc = eg_tx_prepare(tx, sql[o], &st);
    if (rc == EG_OK)
        rc = eg_stmt_bind_i64(st, 1, when_ms);
    if (rc == EG_OK)
        rc = error ? eg_stmt_bind_text(st, 2, msg, SIZE_MAX) : eg_stmt_bind_null(st, 2);
    if (rc == EG_OK)
        rc = eg_stmt_bind_i64(st, 3, r->id);
    if (rc == EG_OK)
        rc = eg_stmt_bind_i64(st, 4, r->attempts);
    if (rc == EG_OK)
        rc = eg_stmt_step(st, &row);
    if (rc == EG_OK)
        *fenced = eg_stmt_changes(st) == 0;
    if (rc != EG_OK) {
        eg_warn("outbox %lld: recording the outcome failed: %s", (long long)r->id,
                eg_tx_errmsg(tx));
        eg_tx_rollback(tx);
        return rc;
    }
    return eg_tx_commit(tx);
}

enum eg_err
eg_outbox_next_due(struct eg_db *db, const char *channel, int64_t *due_ms, bool *any)
{
    struct eg_tx *tx;
    struct eg_stmt *st;
    bool row = false;
    *any = false;
    enum eg_err rc = eg_db_begin(db, EG_TX_READ, &tx);
    if (rc != EG_OK)
        return rc;
    rc = eg_tx_prepare(tx,
                       "SELECT min(next_attempt_ms) FROM outbox "
                       "WHERE state IN ('queued', 'sending') AND channel = ?",
                       &st);
    if (rc == EG_OK)
        rc = eg_stmt_bind_text(st, 1, channel, SIZE_MAX);
    if (rc == EG_OK)
        rc = eg_stmt_step(st, &row);
    if (rc == EG_OK && row && !eg_stmt_is_null(st, 0)) {
        *any = true;
        *due_ms = eg_stmt_i64(st, 0);
    }
    eg_tx_rollback(tx);
    return rc;
}

enum eg_err
eg_outbox_waiting(struct eg_db *db, const char *channel, int64_t *count)
{
    struct eg_tx *tx;
    struct eg_stmt *st;
    bool row = false;
    *count = 0;
    enum eg_err rc = eg_db_begin(db, EG_TX_READ, &tx);
    if (rc != EG_OK)
        return rc;
    rc = eg_tx_prepare(tx,
                       "SELECT count(*) FROM outbox "
                       "WHERE channel = ? AND state IN ('queued', 'sending')",
                       &st);
    if (rc == EG_OK)
        rc = eg_stmt_bind_text(st, 1, channel, SIZE_MAX);
    if (rc == EG_OK)
        rc = eg_stmt_step(st, &row);
    if (rc == EG_OK && row)
        *count = eg_stmt_i64(st, 0);
    eg_tx_rollback(tx);
    return rc;
}

int64_t
eg_outbox_backoff_ms(int64_t base_ms, int64_t max_ms, int attempts, unsigned jitter_pm)
{
    int64_t d = base_ms;
    for (int i = 1; i < attempts && d < max_ms; i++)
        d *= 2;
    if (d > max_ms)
        d = max_ms;
    if (jitter_pm > 1000)
        jitter_pm = 1000;
    return d + d / 10 * (int64_t)jitter_pm / 1000;
}

/* ---- metrics ---------------------------------------------------------------------- */

enum eg_err
eg_notify_metrics(struct eg_db *db, struct eg_buf *out)
{
    static const char *const states[] = {"queued", "sending", "dead", "sent"};
    static const char *const names[] = {"egov_outbox_queued", "egov_outbox_sending",
                                        "egov_outbox_dead", "egov_outbox_sent_total"};
    static const char *const help[] = {
        "Notifications waiting to be sent, retries included.",
        "Notifications claimed by a notifier and being sent.",
        "Notifications given up on (see last_error in the outbox table).",
        "Notifications the mail server or the SMS gateway accepted."};
    int64_t counts[EG_ARRAY_LEN(channels)][EG_ARRAY_LEN(states)] = {{0}};
    struct eg_tx *tx;
    struct eg_stmt *st;
    bool row = false;
    enum eg_err rc = eg_db_begin(db, EG_TX_READ, &tx);
    if (rc != EG_OK)
        return rc;
    rc = eg_tx_prepare(tx, "SELECT channel, state, count(*) FROM outbox GROUP BY channel, state",
                       &st);
    while (rc == EG_OK) {
        rc = eg_stmt_step(st, &row);
        if (rc != EG_OK || !row)
            break;
        const char *ch = eg_stmt_text(st, 0);
        const char *state = eg_stmt_text(st, 1);
        for (size_t c = 0; ch && state && c < EG_ARRAY_LEN(channels); c++)
            for (size_t s = 0; s < EG_ARRAY_LEN(states); s++)
                if (strcmp(ch, channels[c]) == 0 && strcmp(state, states[s]) == 0)
                    counts[c][s] = eg_stmt_i64(st, 2);
    }
    eg_tx_rollback(tx);
    for (size_t s = 0; rc == EG_OK && s < EG_ARRAY_LEN(states); s++) {
        rc = eg_buf_printf(out, "# HELP %s %s\n# TYPE %s %s\n", names[s], help[s], names[s],
                           s == 3 ? "counter" : "gauge");
        for (size_t c = 0; rc == EG_OK && c < EG_ARRAY_LEN(channels); c++)
            rc = eg_buf_printf(out, "%s{channel=\"%s\"} %lld\n", names[s], channels[c],
                               (long long)counts[c][s]);
    }
    return rc;
}
