/*
 * notify.h - outgoing notifications: email over SMTP (libcurl) and the durable
 * outbox that sends them in the background with retries.
 *
 * Owns the outbox table (migration 0005). A notification is written with
 * eg_outbox_add() inside the caller's write transaction, so it exists exactly
 * when the change that caused it was committed (ARCHITECTURE §3). A notifier
 * (one thread per egov process, any number of processes) claims due rows,
 * sends each outside any transaction, then records the outcome: sent, retry
 * later with exponential backoff, or dead.
 *
 * Delivery is at least once, not exactly once: SMTP has no way to ask "did
 * you already take this one?". egov records "sent" in its own transaction
 * right after the server's 250, and a retry reuses the row's Message-ID and
 * bytes, so a second copy (a crash between the 250 and that commit) is rare
 * and recognisable downstream. docs/notify.md says more.
 *
 * Memory: nothing returned here is owned by the caller except what is
 * appended to the caller's buffers. eg_notifier_start() copies the config.
 * Thread safety: eg_smtp_send() and eg_outbox_add() are reentrant;
 * eg_notifier_kick() may be called from any thread; the other eg_notifier_*
 * calls belong to the thread that created the notifier.
 */
#ifndef EG_NOTIFY_H
#define EG_NOTIFY_H

#include "core/core.h"
#include "db/db.h"

/* ---- SMTP ------------------------------------------------------------------------- */

struct eg_smtp_config {
    const char *url;         /* "smtp://host:587" (STARTTLS when offered) or "smtps://host:465" */
    const char *user;        /* NULL or "" = no AUTH */
    const char *password;    /* never appears in any message or log */
    const char *from;        /* envelope and From address: "noreply@dichvucong.example.vn" */
    const char *from_name;   /* display name, UTF-8: "Cổng dịch vụ công"; NULL = none */
    bool require_tls;        /* smtp://: refuse to send unless STARTTLS succeeds */
    long connect_timeout_ms; /* 0 = 10 s */
    long timeout_ms;         /* the exchange; 0 = 60 s (the closing QUIT may add as much) */
};

struct eg_mail {
    const char *to;         /* one address, ASCII: "citizen@example.vn" */
    const char *to_name;    /* optional display name, UTF-8 */
    const char *subject;    /* UTF-8, one line */
    const char *text;       /* UTF-8 plain text body; LF or CRLF line ends */
    const char *html;       /* optional HTML alternative, UTF-8 */
    const char *message_id; /* optional "<local@domain>"; NULL = a random one */
    int64_t date_ms;        /* the Date header; 0 = now */
};

/* Checks the settings (scheme, From address, no CR/LF anywhere); err says what is wrong. */
EG_WUR enum eg_err eg_smtp_config_check(const struct eg_smtp_config *c, struct eg_buf *err);

/*
 * The RFC 5322 message for m, appended to out: Date (UTC), From (display name as
 * RFC 2047 encoded-words when not plain ASCII), To, Subject (encoded-words,
 * folded under 78 columns), Message-ID, MIME-Version, Auto-Submitted, and a
 * text/plain part in quoted-printable (lines <= 76), or multipart/alternative
 * with the HTML part. Text is put in NFC. Any CR or LF (or other control
 * character) in a header field, an invalid address or invalid UTF-8 is
 * EG_EINVAL with a sentence in err; nothing is appended then.
 */
EG_WUR enum eg_err eg_mail_build(const struct eg_smtp_config *c, const struct eg_mail *m,
                                 struct eg_buf *out, struct eg_buf *err);

/*
 * Builds and sends m. Errors say what to do next:
 *   EG_EINVAL   the message or the settings are wrong, or the server refused it
 *               permanently (5xx): do not retry;
 *   EG_EBUSY    the server refused for now (4xx): retry later;
 *   EG_EUNAVAIL the server could not be reached, timed out, broke off, or
 *               refused the login: retry later.
 * err (reset first) gets one sentence for the log, with the server's URL
 * without credentials; never the password and never the recipient.
 */
EG_WUR enum eg_err eg_smtp_send(const struct eg_smtp_config *c, const struct eg_mail *m,
                                struct eg_buf *err);

/* ---- the outbox ------------------------------------------------------------------- */

#define EG_OUTBOX_KEY_MAX 200           /* bytes of a dedupe key */
#define EG_OUTBOX_PAYLOAD_MAX (2 << 20) /* bytes of a payload as JSON */

/*
 * Queues one notification inside the caller's write transaction tx; it is sent
 * only if tx commits. channel is "email" (payload {"to","subject","text",
 * "html"?,"to_name"?}; checked here as eg_mail_build would). dedupe_key names
 * the notification ("verify-email:<account>:<token id>"); a key already in the
 * outbox is EG_ECONFLICT and leaves tx usable, so the caller may treat it as
 * already queued. Call eg_notifier_kick() after the commit to send at once.
 */
EG_WUR enum eg_err eg_outbox_add(struct eg_tx *tx, const char *channel, const char *dedupe_key,
                                 const json_t *payload, int64_t now_ms);

/* eg_outbox_add() for an email; html and to_name may be NULL. */
EG_WUR enum eg_err eg_outbox_add_email(struct eg_tx *tx, const char *dedupe_key, const char *to,
                                       const char *to_name, const char *subject, const char *text,
                                       const char *html, int64_t now_ms);

/*
 * Outbox figures in Prometheus text, appended to out: egov_outbox_queued,
 * egov_outbox_sending, egov_outbox_dead (gauges) and egov_outbox_sent_total
 * (a counter), each by channel.
 */
EG_WUR enum eg_err eg_notify_metrics(struct eg_db *db, struct eg_buf *out);

/* ---- the notifier ----------------------------------------------------------------- */

struct eg_notify_config {
    struct eg_smtp_config smtp;
    int batch;                    /* rows claimed at once; 0 = 10 */
    int max_attempts;             /* dead after this many failed attempts; 0 = 30 */
    int64_t max_age_ms;           /* dead when still failing this long after queueing; 0 = 24 h */
    int64_t lease_ms;             /* a claimed row is reclaimable after this; 0 = 5 min;
                              * at least 2 * smtp.timeout_ms + 6 s */
    int64_t backoff_base_ms;      /* first retry delay, doubled each time; 0 = 30 s */
    int64_t backoff_max_ms;       /* the longest retry delay; 0 = 1 h */
    int64_t poll_ms;              /* the thread looks for due rows at least this often; 0 = 10 s */
    bool no_jitter;               /* tests: exact delays instead of up to +10 % at random */
    const struct eg_clock *clock; /* the thread's clock; NULL = the system clock */
};

struct eg_notifier;

/*
 * A notifier on db without a thread (for eg_notifier_run_once()). cfg is
 * copied; its smtp settings are checked (EG_EINVAL, with err saying why).
 */
EG_WUR enum eg_err eg_notifier_new(struct eg_db *db, const struct eg_notify_config *cfg,
                                   struct eg_notifier **out, struct eg_buf *err);

/* eg_notifier_new() and a thread that sends due rows until eg_notifier_stop(). */
EG_WUR enum eg_err eg_notifier_start(struct eg_db *db, const struct eg_notify_config *cfg,
                                     struct eg_notifier **out, struct eg_buf *err);

/* Wakes the thread now (rows were committed). Any thread; cheap; NULL-safe. */
void eg_notifier_kick(struct eg_notifier *n);

/*
 * One pass, on the caller's thread, as of now_ms: claims the due rows batch by
 * batch and sends them until none is due. *sent (optional) counts the
 * messages the server accepted. EG_OK unless the database failed; a failed
 * send is recorded on its row, not returned.
 */
EG_WUR enum eg_err eg_notifier_run_once(struct eg_notifier *n, int64_t now_ms, int *sent);

/*
 * Stops the thread if there is one: the message being sent is finished and
 * recorded, rows claimed but not yet tried go back to the queue. Then frees
 * n. NULL-safe.
 */
void eg_notifier_stop(struct eg_notifier *n);

#endif /* EG_NOTIFY_H */
