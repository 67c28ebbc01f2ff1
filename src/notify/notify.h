/*
 * notify.h - outgoing notifications: email over SMTP and SMS through an HTTP
 * gateway (both on libcurl), the notices a dossier's applicant receives, and
 * the durable outbox that sends them in the background with retries.
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
 * Thread safety: eg_smtp_send(), eg_sms_send(), the eg_sms_* text helpers,
 * eg_outbox_add*() and eg_notify_notice() are reentrant;
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

/* ---- SMS ---------------------------------------------------------------------------- */

#define EG_SMS_PHONE_MAX 16     /* bytes for "+84912345678" and its NUL, with room */
#define EG_SMS_TEXT_MAX 1600    /* bytes of an SMS text as queued */
#define EG_SMS_SEGMENT 160      /* GSM 7-bit characters in a single SMS */
#define EG_SMS_SEGMENT_PART 153 /* in each part of a longer one (the rest is a header) */
#define EG_SMS_SEGMENTS_MAX 10

/*
 * An HTTP SMS gateway. provider names the dialect (docs/notify.md):
 *   "json"      POST {"to":"+84...","from":sender,"text":...} as application/json with
 *               Authorization: Bearer <token> and Idempotency-Key: <the outbox row's id>;
 *   "brandname" POST phone=84...&brandname=<sender>&message=...&apikey=<token>&request_id=...
 *               as application/x-www-form-urlencoded, answered {"code":"00",...}, as
 *               Vietnamese brandname gateways do.
 * url is https://, or http:// to a loopback address only (the token must not cross a
 * network in clear).
 */
struct eg_sms_config {
    const char *url;      /* "https://sms.example.vn/api/send"; NULL or "" = SMS not configured */
    const char *provider; /* "json" (NULL or "" too) or "brandname" */
    const char *token;    /* json: the Bearer token (optional); brandname: the API key */
    const char *sender;   /* json: "from" (optional); brandname: the registered brandname */
    long timeout_ms;      /* the whole exchange, connection included; 0 = 15 s */
    int max_segments;     /* longer texts are cut to fit, ending in "..."; 0 = 2 (306 chars) */
};

/* Checks the settings (scheme, provider, sender, no control characters); err says what is wrong. */
EG_WUR enum eg_err eg_sms_config_check(const struct eg_sms_config *c, struct eg_buf *err);

/*
 * A Vietnamese mobile number as written by people - "0912 345 678", "0912.345.678",
 * "+84 912 345 678", "84912345678", "+84 0912 345 678" - in E.164, "+84912345678",
 * into out (n >= EG_SMS_PHONE_MAX). The subscriber number has 9 digits and starts with
 * 3, 5, 7, 8 or 9 (the mobile ranges since 2018). Anything else is EG_EINVAL with a
 * Vietnamese sentence for the citizen in err (optional), which never repeats the input.
 */
EG_WUR enum eg_err eg_sms_phone_normalize(const char *in, char *out, size_t n, struct eg_buf *err);

/* phone with every digit but the last 3 masked, for logs: "+84912345678" -> "+84******678". */
void eg_sms_phone_mask(const char *phone, char *out, size_t n);

/*
 * Vietnamese text as Vietnamese gateways take it (GSM 03.38 7-bit, no diacritics),
 * appended to out: marks removed with the case kept ("Đăng ký" -> "Dang ky", đ -> d,
 * Đ -> D), compatibility forms and typographic quotes, dashes and spaces made plain,
 * CR LF and CR made LF, other control characters a space, ` a quote, and any character
 * still outside ASCII a '?'. Invalid UTF-8 is EG_EINVAL; out is unchanged on failure.
 */
EG_WUR enum eg_err eg_sms_unaccent(const char *s, size_t n, struct eg_buf *out);

/* GSM 7-bit characters (septets) of ASCII text: [ \ ] ^ { | } ~ take two (escape + char). */
size_t eg_sms_septets(const char *s, size_t n);
/* Segments a text of that many septets is sent as: 1 up to 160, then one per 153; 0 if empty. */
int eg_sms_segments(size_t septets);

/*
 * eg_sms_unaccent(), then cut to at most max_segments segments (1..EG_SMS_SEGMENTS_MAX;
 * 0 = 2): at the last space before the limit when there is one near it, ending in "...".
 * *cut (optional) says whether it was cut. Leading and trailing white space is dropped.
 */
EG_WUR enum eg_err eg_sms_fit(const char *s, size_t n, int max_segments, struct eg_buf *out,
                              bool *cut);

/*
 * Sends text to phone (any form eg_sms_phone_normalize() takes) through the gateway:
 * the text is put through eg_sms_fit() with c->max_segments first. Errors, as for
 * eg_smtp_send():
 *   EG_EINVAL   bad settings, number or text, or the gateway refused it for good
 *               (a 4xx other than 401, 403, 408 and 429): do not retry;
 *   EG_EBUSY    the gateway refused for now (429, 408, 5xx, or a "brandname" gateway's
 *               2xx with a failure code such as an empty balance): retry later;
 *   EG_EUNAVAIL unreachable, timed out, broke off, TLS failed, a redirect, or the token
 *               was refused (401/403: fixed by the operator; the SMS must not die
 *               meanwhile): retry later.
 * err (reset first) gets one sentence for the log naming the gateway without query or
 * credentials, with at most 200 bytes of its answer; never the token and never more of
 * a phone number than its last 3 digits.
 */
EG_WUR enum eg_err eg_sms_send(const struct eg_sms_config *c, const char *phone, const char *text,
                               struct eg_buf *err);

/* ---- the outbox ------------------------------------------------------------------- */

#define EG_OUTBOX_KEY_MAX 200           /* bytes of a dedupe key */
#define EG_OUTBOX_PAYLOAD_MAX (2 << 20) /* bytes of a payload as JSON */

/*
 * Queues one notification inside the caller's write transaction tx; it is sent
 * only if tx commits. channel is "email" (payload {"to","subject","text",
 * "html"?,"to_name"?}; checked here as eg_mail_build would) or "sms" (payload
 * {"to","text"}: "to" in E.164 as eg_sms_phone_normalize() writes it, "text"
 * non-empty UTF-8 of at most EG_SMS_TEXT_MAX bytes without control characters
 * other than LF; unaccented and cut to the configured segments when sent).
 * Rows of a channel the notifier is not configured for wait, queued. dedupe_key names
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
 * eg_outbox_add() for an SMS: phone in any form eg_sms_phone_normalize() takes
 * (EG_EINVAL otherwise), stored in E.164; text stored unaccented (eg_sms_unaccent),
 * so the row holds what will be sent (the notifier only cuts it to its segments).
 */
EG_WUR enum eg_err eg_outbox_add_sms(struct eg_tx *tx, const char *dedupe_key, const char *phone,
                                     const char *text, int64_t now_ms);

/*
 * Outbox figures in Prometheus text, appended to out: egov_outbox_queued,
 * egov_outbox_sending, egov_outbox_dead (gauges) and egov_outbox_sent_total
 * (a counter), each by channel.
 */
EG_WUR enum eg_err eg_notify_metrics(struct eg_db *db, struct eg_buf *out);

/* ---- notices to an applicant ---------------------------------------------------------- */

/*
 * What happened to a dossier, in the words of the one-stop shop (DOMAIN-VN §3.2-3.3).
 * notify knows nothing of dossiers (tools/layers.txt): the dossier component fills a
 * struct eg_notice and calls eg_notify_notice() in the transaction of the change.
 */
enum eg_notice_kind {
    EG_NOTICE_SUBMITTED,    /* submitted online, waiting to be received */
    EG_NOTICE_RECEIVED,     /* received; due = the appointment to return the result */
    EG_NOTICE_REFUSED,      /* refused at intake; reason */
    EG_NOTICE_SUPPLEMENT,   /* supplement requested; reason = what to add, due = by when */
    EG_NOTICE_RESUMED,      /* supplement received, processing goes on; due = the new date */
    EG_NOTICE_EXTENDED,     /* late: the apology and the new date (Circular 03/2025 form 04) */
    EG_NOTICE_RESULT_READY, /* the result can be collected */
    EG_NOTICE_REJECTED,     /* decided: not granted; reason */
    EG_NOTICE_RETURNED,     /* the result was handed over */
    EG_NOTICE_WITHDRAWN,    /* withdrawn at the applicant's request */
    EG_NOTICE_STOPPED,      /* processing stopped (form 05); reason */
    EG_NOTICE_KIND_COUNT
};

#define EG_NOTICE_REASON_MAX 1000 /* bytes of a reason kept in an email (cut with "...") */

struct eg_notice {
    enum eg_notice_kind kind;
    int64_t event_id;           /* the dossier event: names the notice ("notice:<id>:email") */
    const char *code;           /* the dossier code, "000.17.22.H56-210531-0001" (required) */
    const char *procedure_name; /* "Đăng ký khai sinh"; NULL = not shown */
    const char *agency_name;    /* the agency deciding it; NULL = "cơ quan giải quyết" */
    const char *applicant_name; /* "Nguyễn Văn An"; NULL = "Kính gửi ông/bà," */
    const char *email;          /* NULL or "" = no email */
    const char *phone;          /* any form eg_sms_phone_normalize() takes; NULL or "" = no SMS */
    const char *due;            /* "dd/MM/yyyy" or NULL */
    const char *reason;         /* an officer's words, plain text (never HTML), or NULL */
    const char *track_url;      /* the short link to follow the dossier; NULL = none */
};

/* "submitted", "received", ... (the kind's name in dedupe keys' documentation and logs). */
const char *eg_notice_kind_name(enum eg_notice_kind k);

/*
 * Renders n in Vietnamese and queues it inside tx: an email (subject and plain
 * text, NFC, "Kính gửi ông/bà ...") when n->email is set, with dedupe key
 * "notice:<event_id>:email", and an unaccented SMS of at most 160 characters where
 * the dossier code and the link allow, with key "notice:<event_id>:sms", when
 * n->phone is set. A notice already queued (EG_ECONFLICT from the outbox) is
 * success. An email address or phone number that cannot be used is skipped with
 * a warning in the log (without the address or number) and the other channel is
 * still queued: a bad contact must not block the change that caused the notice.
 * EG_EINVAL for an unknown kind, event_id <= 0, a missing or malformed code, due
 * not dd/MM/yyyy, a track_url that is not http(s)://, or invalid UTF-8.
 */
EG_WUR enum eg_err eg_notify_notice(struct eg_tx *tx, const struct eg_notice *n, int64_t now_ms);

/* ---- the notifier ----------------------------------------------------------------- */

/*
 * A channel whose url is empty is not configured: its rows stay queued (a warning is
 * logged once) until a notifier that has it runs. At least one must be configured.
 */
struct eg_notify_config {
    struct eg_smtp_config smtp;   /* email; smtp.url NULL or "" = no email */
    struct eg_sms_config sms;     /* SMS; sms.url NULL or "" = no SMS */
    int batch;                    /* rows claimed at once; 0 = 10 */
    int max_attempts;             /* dead after this many failed attempts; 0 = 30 */
    int64_t max_age_ms;           /* dead when still failing this long after queueing; 0 = 24 h */
    int64_t lease_ms;             /* a claimed row is reclaimable after this; 0 = 5 min;
                              * at least 2 * smtp.timeout_ms + 6 s and sms.timeout_ms + 6 s */
    int64_t backoff_base_ms;      /* first retry delay, doubled each time; 0 = 30 s */
    int64_t backoff_max_ms;       /* the longest retry delay; 0 = 1 h */
    int64_t poll_ms;              /* the thread looks for due rows at least this often; 0 = 10 s */
    bool no_jitter;               /* tests: exact delays instead of up to +10 % at random */
    const struct eg_clock *clock; /* the thread's clock; NULL = the system clock */
};

struct eg_notifier;

/*
 * A notifier on db without a thread (for eg_notifier_run_once()). cfg is
 * copied; the settings of its configured channels are checked (EG_EINVAL, with
 * err saying why; also when neither email nor SMS is configured).
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
 * batch and sends them until none is due, email first, then SMS. *sent
 * (optional) counts the messages the server or gateway accepted. EG_OK unless the database failed; a failed
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
