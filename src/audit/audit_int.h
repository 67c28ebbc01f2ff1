/*
 * audit_int.h - what the audit files share; included only inside src/audit/
 * and by its unit tests.
 */
#ifndef EG_AUDIT_INT_H
#define EG_AUDIT_INT_H

#include "audit/audit.h"

#include <pthread.h>

#define EG_AUDIT_SIG_LEN 64
#define EG_AUDIT_LEVELS 63 /* a tree of up to 2^63 - 1 leaves */

struct eg_audit {
    unsigned char pk[EG_AUDIT_PUBKEY_LEN];
    unsigned char sk[64]; /* libsodium's seed || public key */
    char *anchor_path;
    struct eg_clock clock;
    pthread_mutex_t lock; /* one checkpoint at a time */
};

/* ---- RFC 9162 hashing (merkle.c) ------------------------------------------------ */

/* SHA-256(0x00 || p) */
void eg_audit_leaf_hash(const void *p, size_t n, unsigned char out[EG_AUDIT_HASH_LEN]);
/* SHA-256(0x01 || l || r) */
void eg_audit_node_hash(const unsigned char l[EG_AUDIT_HASH_LEN],
                        const unsigned char r[EG_AUDIT_HASH_LEN],
                        unsigned char out[EG_AUDIT_HASH_LEN]);
/* MTH over n leaf hashes (32 bytes each, back to back) by the RFC's recursive definition. */
void eg_audit_mth(const unsigned char *leaves, size_t n, unsigned char out[EG_AUDIT_HASH_LEN]);

/*
 * The roots of the perfect subtrees of a tree of `size` leaves: h[level] holds
 * the root of a subtree of 2^level leaves when bit `level` of size is set.
 */
struct eg_audit_frontier {
    int64_t size;
    unsigned char h[EG_AUDIT_LEVELS][EG_AUDIT_HASH_LEN];
};

void eg_audit_frontier_init(struct eg_audit_frontier *f);
void eg_audit_frontier_push(struct eg_audit_frontier *f,
                            const unsigned char leaf[EG_AUDIT_HASH_LEN]);
/* MTH of the tree so far (SHA-256 of nothing when empty). */
void eg_audit_frontier_root(const struct eg_audit_frontier *f,
                            unsigned char out[EG_AUDIT_HASH_LEN]);
/* Stored form: the set levels' hashes, highest level first. Returns the length. */
size_t eg_audit_frontier_encode(const struct eg_audit_frontier *f,
                                unsigned char out[EG_AUDIT_LEVELS * EG_AUDIT_HASH_LEN]);
/* EG_EINVAL when n does not fit size. */
EG_WUR enum eg_err eg_audit_frontier_decode(int64_t size, const void *p, size_t n,
                                            struct eg_audit_frontier *f);
bool eg_audit_frontier_equal(const struct eg_audit_frontier *a, const struct eg_audit_frontier *b);

/* ---- entries (entry.c) --------------------------------------------------------- */

/* An entry as stored; strings are not NUL-terminated (p, n). detail.p NULL is SQL NULL. */
struct eg_audit_row {
    int64_t seq;
    int64_t ts_ms;
    struct eg_str actor, action, object, outcome, remote, request_id, detail;
};

/* The canonical leaf bytes of r (docs/audit.md "The leaf"). */
EG_WUR enum eg_err eg_audit_leaf_bytes(const struct eg_audit_row *r, struct eg_buf *out);
/* Leaf hash of r's canonical bytes. */
EG_WUR enum eg_err eg_audit_row_hash(const struct eg_audit_row *r,
                                     unsigned char out[EG_AUDIT_HASH_LEN]);

/* The state row (creates nothing; EG_ENOTFOUND when missing). for_update locks it on PG. */
EG_WUR enum eg_err eg_audit_state_read(struct eg_tx *tx, bool for_update, char log_id[64],
                                       struct eg_audit_frontier *f);

/* ---- checkpoints (checkpoint.c) -------------------------------------------------- */

/* "egov-audit/<log_id>" */
void eg_audit_origin(const char *log_id, char *out, size_t cap);
/* The signed text: "egov-audit-checkpoint v1\n<origin>\n<size>\n<root b64>\n<ts_ms>\n". */
EG_WUR enum eg_err eg_audit_checkpoint_text(const char *origin, int64_t size,
                                            const unsigned char root[EG_AUDIT_HASH_LEN],
                                            int64_t ts_ms, struct eg_buf *out);
bool eg_audit_sig_ok(const unsigned char pk[EG_AUDIT_PUBKEY_LEN], const char *origin, int64_t size,
                     const unsigned char root[EG_AUDIT_HASH_LEN], int64_t ts_ms,
                     const unsigned char sig[EG_AUDIT_SIG_LEN]);

/* ---- the anchor file (anchor.c) ------------------------------------------------- */

struct eg_audit_anchor_line {
    long line; /* 1-based */
    char origin[80];
    int64_t size;
    int64_t ts_ms;
    unsigned char root[EG_AUDIT_HASH_LEN];
    unsigned char sig[EG_AUDIT_SIG_LEN];
};

/* "egov-audit-checkpoint-v1 <origin> <size> <root b64> <ts_ms> <sig b64>\n" into out. */
EG_WUR enum eg_err eg_audit_anchor_format(const struct eg_audit_anchor_line *l, struct eg_buf *out);
/* Parses one line (without its newline). EG_EINVAL when it is not a checkpoint line. */
EG_WUR enum eg_err eg_audit_anchor_parse(const char *s, size_t n, struct eg_audit_anchor_line *out);
/* Blank lines, '#' comments and lines a crash cut short: not checkpoints, not faults. */
bool eg_audit_anchor_skippable(const char *s, size_t n);
/* Appends one line to path: O_APPEND, created 0640, fsync'ed. */
EG_WUR enum eg_err eg_audit_anchor_append(const char *path, const char *line, size_t n,
                                          struct eg_buf *msg);

/* ---- files (key.c) ------------------------------------------------------------ */

/* mkdir -p of path's directory (0750 for new directories). */
EG_WUR enum eg_err eg_audit_mkdirs_for(const char *path, struct eg_buf *msg);
/* fsync of the directory holding path. */
EG_WUR enum eg_err eg_audit_sync_dir_of(const char *path);

/* msg = one sentence, formatted. Returns rc. */
enum eg_err eg_audit_say(struct eg_buf *msg, enum eg_err rc, const char *fmt, ...) EG_PRINTF(3, 4);

#endif /* EG_AUDIT_INT_H */
