/*
 * audit.h - the tamper-evident audit log (docs/audit.md).
 *
 * Owns the audit_entry, audit_state and audit_checkpoint tables, the Ed25519
 * signing key (a file outside the database, with its public key beside it as
 * KEY.pub) and the anchor file (checkpoints, one line each, outside the database).
 *
 * Every entry is a leaf of an RFC 9162 Merkle tree. eg_audit_append() adds it
 * inside the CALLER's write transaction, so a business change and its entry
 * commit or roll back together; seq runs 0, 1, 2 ... without gaps. The tree's
 * frontier (the roots of its perfect subtrees) lives in one state row, so an
 * append and the current tree head cost O(log n); on PostgreSQL the append
 * locks that row (SELECT ... FOR UPDATE), so several egov processes may share
 * one database. eg_audit_checkpoint() signs the tree head and writes it to the
 * database and to the anchor file; eg_audit_verify() recomputes everything.
 *
 * Invariants: entries and checkpoints are never updated or deleted (triggers
 * refuse it); no run of 9 or more digits reaches actor, object or detail (it is
 * masked, "001******789"); control characters and invalid UTF-8 are refused.
 *
 * Ownership: json_t results belong to the caller. A struct eg_audit comes from
 * eg_audit_open() and goes with eg_audit_free().
 * Thread safety: append, list, verify and the head readers are stateless. A
 * struct eg_audit is read-only after opening and may be shared by threads;
 * checkpoints through one struct eg_audit are serialised by its mutex.
 */
#ifndef EG_AUDIT_H
#define EG_AUDIT_H

#include "core/core.h"
#include "db/db.h"

/* The schema version whose migration (0004_audit.sql) creates the audit tables. */
#define EG_AUDIT_SCHEMA 4
#define EG_AUDIT_HASH_LEN 32
#define EG_AUDIT_PUBKEY_LEN 32

/* Field limits in bytes (after masking and, for detail, canonical encoding). */
#define EG_AUDIT_ACTOR_MAX 128
#define EG_AUDIT_ACTION_MAX 64
#define EG_AUDIT_OBJECT_MAX 256
#define EG_AUDIT_REMOTE_MAX 64
#define EG_AUDIT_REQUEST_ID_MAX 64
#define EG_AUDIT_DETAIL_MAX 4096

enum eg_audit_outcome { EG_AUDIT_SUCCESS, EG_AUDIT_FAILURE, EG_AUDIT_DENIED };

/* "success", "failure", "denied" ("unknown" otherwise). */
const char *eg_audit_outcome_str(enum eg_audit_outcome o);
EG_WUR enum eg_err eg_audit_outcome_parse(const char *s, enum eg_audit_outcome *out);

/* ---- appending ----------------------------------------------------------------- */

struct eg_audit_event {
    const char *actor;  /* "account:42", "anonymous", "system"; required */
    const char *action; /* dotted lower case, at least two parts: "auth.login_failed" */
    const char *object; /* "org_unit:000.00.04.H41"; NULL is "-" */
    enum eg_audit_outcome outcome;
    const char *remote;     /* the client's IP address; NULL is "-" */
    const char *request_id; /* NULL is "-" */
    const char *detail;     /* a JSON object as text, or NULL; stored compact with sorted keys */
};

/*
 * Appends e as the next entry, inside tx, which must be an EG_TX_WRITE
 * transaction the caller commits. Append last in the transaction: on
 * PostgreSQL the state row stays locked until the commit, so audited writers
 * queue there. EG_EINVAL (and a warning naming the field, never its value)
 * for a missing, malformed, too long or control-character field; now_ms must
 * not be negative.
 */
EG_WUR enum eg_err eg_audit_append(struct eg_tx *tx, const struct eg_audit_event *e,
                                   int64_t now_ms);

/*
 * Appends s to out with every run of 9 or more ASCII digits masked: the first
 * three and the last three digits stay, the rest become '*'
 * ("001234567789" -> "001******789"). The same length as s.
 */
EG_WUR enum eg_err eg_audit_mask_digits(const char *s, size_t n, struct eg_buf *out);

/* ---- keys and checkpoints ------------------------------------------------------- */

struct eg_audit;

struct eg_audit_opts {
    const char *key_path;         /* the Ed25519 key; its public key is key_path + ".pub" */
    const char *anchor_path;      /* the anchor file; NULL writes checkpoints to the db only */
    bool create_key;              /* create a missing key (0600, directories as needed) */
    const struct eg_clock *clock; /* for the ticker; NULL is the system clock */
};

/*
 * Loads (or, with create_key, creates) the signing key and writes KEY.pub when
 * it is missing. A key readable by group or others is refused (EG_EFORBIDDEN);
 * a KEY.pub that does not match the key is EG_ECONFLICT. msg says why.
 */
EG_WUR enum eg_err eg_audit_open(const struct eg_audit_opts *o, struct eg_audit **out,
                                 struct eg_buf *msg);
/* NULL-safe; wipes the key from memory. */
void eg_audit_free(struct eg_audit *a);
void eg_audit_public_key(const struct eg_audit *a, unsigned char out[EG_AUDIT_PUBKEY_LEN]);
/* Reads a public key file (64 hex digits; '#' lines are comments). */
EG_WUR enum eg_err eg_audit_pubkey_read(const char *path, unsigned char out[EG_AUDIT_PUBKEY_LEN],
                                        struct eg_buf *msg);

/* A tree head: the log's size and Merkle root, and for checkpoints when it was signed. */
struct eg_audit_head {
    int64_t size;
    unsigned char root[EG_AUDIT_HASH_LEN];
    int64_t ts_ms;
    bool written; /* eg_audit_checkpoint: a new checkpoint was written */
};

/* The current size and root, from the state row (ts_ms is 0). */
EG_WUR enum eg_err eg_audit_tree_head(struct eg_db *db, struct eg_audit_head *out);
/* The newest signed checkpoint (for freshness alerts); EG_ENOTFOUND when none. */
EG_WUR enum eg_err eg_audit_last_checkpoint(struct eg_db *db, struct eg_audit_head *out);

/*
 * Signs the current tree head and stores it in audit_checkpoint, then appends it
 * as one line to the anchor file (opened O_APPEND, created 0640, fsync'ed; a
 * failed fsync is EG_EIO and is not retried). Nothing is written when the
 * newest checkpoint already has this size (out->written is false). A log that
 * holds fewer entries than its newest checkpoint is EG_ECONFLICT: it was
 * truncated, and signing it again would hide that.
 */
EG_WUR enum eg_err eg_audit_checkpoint(struct eg_audit *a, struct eg_db *db, int64_t now_ms,
                                       struct eg_audit_head *out, struct eg_buf *msg);

/*
 * A background thread that writes a checkpoint at once, then every every_ms,
 * logging failures. eg_audit_ticker_stop() wakes it, writes a final checkpoint,
 * joins and frees it (NULL-safe). a and db must outlive the ticker.
 */
struct eg_audit_ticker;
EG_WUR enum eg_err eg_audit_ticker_start(struct eg_audit *a, struct eg_db *db, long long every_ms,
                                         struct eg_audit_ticker **out);
void eg_audit_ticker_stop(struct eg_audit_ticker *t);

/* ---- verifying ------------------------------------------------------------------ */

enum eg_audit_fault {
    EG_AUDIT_INTACT,
    EG_AUDIT_BAD_ENTRY,      /* bad_seq names it */
    EG_AUDIT_BAD_CHECKPOINT, /* bad_size names it (bad_line too when it is an anchor line) */
    EG_AUDIT_BAD_ANCHOR,     /* the anchor file itself: missing, unreadable, malformed line */
    EG_AUDIT_BAD_STATE,      /* the state row disagrees with the entries */
};

struct eg_audit_report {
    bool intact;
    enum eg_audit_fault fault;
    int64_t entries;        /* entries checked */
    int64_t checkpoints;    /* database checkpoints checked */
    int64_t anchored;       /* anchor-file checkpoints checked */
    int64_t anchored_size;  /* the largest anchored size, -1 when none */
    int64_t anchored_ts_ms; /* when that one was signed */
    int64_t bad_seq;        /* -1 unless fault is BAD_ENTRY */
    int64_t bad_size;       /* -1 unless a checkpoint is named */
    long bad_line;          /* anchor line number, 0 when none */
    char where[96];         /* "entry 1234", "checkpoint 300", "checkpoint 300 (anchor line 7)" */
    char what[256];         /* one sentence: "its fields do not match its hash" */
};

/*
 * Recomputes every leaf hash from the stored fields; checks seq runs 0..n-1
 * without gaps or repeats; recomputes the root at every checkpoint size and
 * checks each database checkpoint's signature and root; checks every anchor
 * line likewise, that it is also in the database, and that the database holds
 * at least as many entries as it covers (a truncated tail); and checks the
 * state row agrees with the entries. Reads one consistent snapshot.
 *
 * EG_OK means the check ran: rep->intact, or the FIRST problem in log order in
 * rep->where and rep->what. anchor_path NULL skips the anchor (then a tail cut
 * after the newest database checkpoint, with the checkpoints deleted, goes
 * unseen). EG_ENOTFOUND when the database has no audit tables; other errors
 * are the database's.
 */
EG_WUR enum eg_err eg_audit_verify(struct eg_db *db,
                                   const unsigned char pubkey[EG_AUDIT_PUBKEY_LEN],
                                   const char *anchor_path, struct eg_audit_report *rep);

/* ---- reading -------------------------------------------------------------------- */

struct eg_audit_filter {
    const char *actor;         /* exact, or NULL */
    const char *action_prefix; /* whole parts: "auth" matches auth.login, not authz.deny */
    const char *object;        /* exact, or NULL */
    const char *outcome;       /* "success", "failure", "denied", or NULL */
    int64_t from_ms;           /* ts_ms >= from_ms when > 0 */
    int64_t to_ms;             /* ts_ms < to_ms when > 0 */
    int64_t before_seq;        /* keyset paging: seq < before_seq when > 0 */
    int limit;                 /* 1..200; 0 is 50 */
};

/*
 * Entries matching f, newest first:
 * {"items":[{"seq","ts_ms","time","actor","action","object","outcome","remote",
 *   "request_id","detail":{}|null,"leaf_hash"}],"total":N,"next_before_seq":N|null}.
 * total counts every match regardless of paging; next_before_seq is what to pass
 * as before_seq for the next (older) page. EG_EINVAL for a bad filter.
 */
EG_WUR enum eg_err eg_audit_list(struct eg_db *db, const struct eg_audit_filter *f, json_t **out);

#endif /* EG_AUDIT_H */
