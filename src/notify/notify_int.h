/*
 * notify_int.h - notify/'s private pieces, shared by its files and its unit
 * tests: the MIME encoders, the mail checks, the SMS request, the notice
 * renderer, the outbox rows and the backoff.
 * Nothing outside src/notify/ and tests/unit/notify/ includes this.
 */
#ifndef EG_NOTIFY_INT_H
#define EG_NOTIFY_INT_H

#include "notify.h"

#define EG_MAIL_ADDR_MAX ((size_t)254)
#define EG_MAIL_SUBJECT_MAX ((size_t)900)  /* bytes, before encoding */
#define EG_MAIL_NAME_MAX ((size_t)256)     /* bytes of a display name */
#define EG_MAIL_BODY_MAX ((size_t)1 << 20) /* bytes of a text or HTML body */
#define EG_MAIL_MSGID_MAX ((size_t)250)
#define EG_MAIL_LINE_MAX ((size_t)78) /* RFC 5322 2.1.1: SHOULD be no more than 78 characters */
#define EG_MAIL_QP_LINE ((size_t)76)  /* RFC 2045 6.7 (5) */

/* defaults of struct eg_smtp_config and struct eg_notify_config */
#define EG_SMTP_CONNECT_TIMEOUT_MS 10000L
#define EG_SMTP_TIMEOUT_MS 60000L
#define EG_NOTIFY_BATCH 10
#define EG_NOTIFY_MAX_ATTEMPTS 30
#define EG_NOTIFY_MAX_AGE_MS (24LL * 3600 * 1000)
#define EG_NOTIFY_LEASE_MS (5LL * 60 * 1000)
#define EG_NOTIFY_BACKOFF_BASE_MS (30LL * 1000)
#define EG_NOTIFY_BACKOFF_MAX_MS (3600LL * 1000)
#define EG_NOTIFY_POLL_MS (10LL * 1000)
#define EG_SMS_TIMEOUT_MS 15000L
#define EG_SMS_CONNECT_TIMEOUT_MS 10000L
#define EG_SMS_SEGMENTS 2
/* SMS rows get a random id like a Message-ID, "<32 hex@sms.invalid>", sent to the gateway
 * as the request's idempotency key (the hex part) on every attempt. */
#define EG_SMS_ID_FROM "egov@sms.invalid"

/* ---- checks (mime.c) ------------------------------------------------------------- */

/*
 * A plain ASCII address local@domain as SMTP takes it: no spaces, quotes,
 * angle brackets or control characters; a dotted domain of letters, digits
 * and hyphens. (Quoted local parts and SMTPUTF8 are refused on purpose.)
 */
bool eg_mail_addr_valid(const char *a);
/* Valid UTF-8 of at most max bytes with no control character (tab allowed when tab). */
bool eg_mail_field_valid(const char *s, size_t max, bool tab);
/* "<local@domain>", printable ASCII, one '@', no spaces or brackets inside. */
bool eg_mail_msgid_valid(const char *id);
/* Every field of m as eg_mail_build() wants it; err (optional) says which is wrong. */
EG_WUR enum eg_err eg_mail_check(const struct eg_mail *m, struct eg_buf *err);

/* ---- encoders (mime.c) ----------------------------------------------------------- */

/*
 * Appends s as a header field value starting at column *col: as it is when it
 * is plain printable ASCII that folds at its spaces, otherwise as RFC 2047
 * "B" encoded-words of whole UTF-8 characters, each at most 75 characters,
 * folded so that no line passes column 78. *col is updated. phrase: the value
 * is a display name, so plain ASCII goes in a quoted-string.
 */
EG_WUR enum eg_err eg_mime_header_text(struct eg_buf *out, const char *s, size_t n, bool phrase,
                                       size_t *col);
/*
 * Appends s (UTF-8, LF or CRLF line ends) as quoted-printable with CRLF line
 * ends and lines of at most 76 characters; the result ends with CRLF. A line
 * that would begin with "." or "From " has that first character encoded.
 */
EG_WUR enum eg_err eg_mime_qp(struct eg_buf *out, const char *s, size_t n);
/* "Thu, 27 Nov 2026 20:13:22 +0000" (RFC 5322 3.3, UTC) into buf (>= 32 bytes). */
void eg_mime_date(int64_t ms, char *buf, size_t n);
/* "<32 hex@domain of from>" into out. */
EG_WUR enum eg_err eg_mime_message_id(const char *from, struct eg_buf *out);

/* ---- SMTP (smtp.c) -------------------------------------------------------------- */

/* url without user, password or login options, for messages and logs. */
void eg_smtp_url_safe(const char *url, char *out, size_t n);
/* curl_global_init() once per process, from whichever thread comes first; NULL or why not. */
const char *eg_notify_curl_start(void);
/* Replaces every copy of secret in err by "***" (what servers echo is not ours to trust). */
void eg_notify_redact(struct eg_buf *err, const char *secret);

/* ---- SMS (sms.c) ---------------------------------------------------------------- */

/* url without user, password, query or fragment, for messages and logs. */
void eg_sms_url_safe(const char *url, char *out, size_t n);
/*
 * eg_sms_send() with ref (NULL or letters and digits) as the request's idempotency
 * key: the Idempotency-Key header ("json") or the request_id field ("brandname").
 */
EG_WUR enum eg_err eg_sms_send_ref(const struct eg_sms_config *c, const char *phone,
                                   const char *text, const char *ref, struct eg_buf *err);

/* ---- notices (notice.c) --------------------------------------------------------- */

/*
 * The texts of n: the email's subject and body (NFC) and the SMS (unaccented),
 * appended to the buffers (any may be NULL). EG_EINVAL as eg_notify_notice().
 */
EG_WUR enum eg_err eg_notice_render(const struct eg_notice *n, struct eg_buf *subject,
                                    struct eg_buf *body, struct eg_buf *sms);

/* ---- outbox rows (outbox.c) ------------------------------------------------------ */

struct eg_outbox_row {
    int64_t id;
    int attempts; /* including this one: the fencing token of the claim */
    int64_t created_ms;
    char *payload;    /* malloc'ed JSON text */
    char *message_id; /* malloc'ed "<...>" */
};

void eg_outbox_row_release(struct eg_outbox_row *r);

/*
 * One write transaction: up to max due rows of channel (queued with
 * next_attempt_ms <= now, or sending with an expired lease) become sending
 * with a lease until now + lease_ms, attempts + 1, and a Message-ID made from
 * msgid_from if they had none. PostgreSQL takes them FOR UPDATE SKIP LOCKED,
 * so concurrent claimers never get the same row. rows[0..*n) are filled.
 */
EG_WUR enum eg_err eg_outbox_claim(struct eg_db *db, const char *channel, int64_t now_ms,
                                   int64_t lease_ms, const char *msgid_from, int max,
                                   struct eg_outbox_row *rows, int *n);

enum eg_outbox_outcome {
    EG_OUTBOX_SENT,
    EG_OUTBOX_RETRY,   /* back to queued, due at when_ms */
    EG_OUTBOX_DEAD,    /* given up */
    EG_OUTBOX_RELEASE, /* not tried: back to queued, due at when_ms, attempt not counted */
};

/*
 * Records the outcome of a claimed row in its own write transaction. *fenced
 * is set when the row was no longer ours (the lease expired and another
 * claimer took it): nothing was changed then.
 */
EG_WUR enum eg_err eg_outbox_finish(struct eg_db *db, const struct eg_outbox_row *r,
                                    enum eg_outbox_outcome o, int64_t when_ms, const char *error,
                                    bool *fenced);

/* The earliest next_attempt_ms of a queued or sending row of channel; *any false when none. */
EG_WUR enum eg_err eg_outbox_next_due(struct eg_db *db, const char *channel, int64_t *due_ms,
                                      bool *any);

/* How many rows of channel are queued or sending. */
EG_WUR enum eg_err eg_outbox_waiting(struct eg_db *db, const char *channel, int64_t *count);

/*
 * The delay before retry number `attempts` + 1 after `attempts` failures:
 * base * 2^(attempts-1), at most max, plus jitter (0..1000 per mille of the
 * delay / 10, i.e. up to +10 %).
 */
int64_t eg_outbox_backoff_ms(int64_t base_ms, int64_t max_ms, int attempts, unsigned jitter_pm);

/* Turns an email payload into a mail whose strings point into payload (borrowed). */
EG_WUR enum eg_err eg_outbox_email_from_json(const json_t *payload, struct eg_mail *m,
                                             struct eg_buf *err);
/* The "to" and "text" of an SMS payload, checked, pointing into payload (borrowed). */
EG_WUR enum eg_err eg_outbox_sms_from_json(const json_t *payload, const char **to,
                                           const char **text, struct eg_buf *err);

#endif /* EG_NOTIFY_INT_H */
