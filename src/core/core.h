/*
 * core.h - the vocabulary every other component of egov speaks.
 *
 * Owns: the error enum and its strings, bounded growable buffers (struct eg_buf),
 * borrowed slices (struct eg_str), arenas with cleanups (struct eg_arena), the
 * process logger, JSON helpers on jansson, UTF-8 and Vietnamese text helpers on
 * utf8proc, and the clock.
 *
 * Invariants: a struct eg_buf is NUL-terminated whenever p != NULL and never grows
 * past its max; everything allocated from an arena dies with eg_arena_free().
 * Thread safety: nothing here is shared between threads except the logger, which
 * is configured once before threads start and then only written to (one write(2)
 * per line, so lines never interleave).
 */
#ifndef EG_CORE_H
#define EG_CORE_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#define EG_WUR __attribute__((warn_unused_result))
#define EG_PRINTF(f, a) __attribute__((format(printf, f, a)))
#define EG_ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

/* Impossible states: stays on in release builds (git's BUG()). Never for bad input. */
#define EG_BUG(msg) eg_bug(__FILE__, __LINE__, (msg))
#define EG_ASSERT(c)                                                                               \
    do {                                                                                           \
        if (!(c))                                                                                  \
            eg_bug(__FILE__, __LINE__, #c);                                                        \
    } while (0)
__attribute__((noreturn)) void eg_bug(const char *file, int line, const char *what);

/* ---- errors ------------------------------------------------------------ */

enum eg_err {
    EG_OK = 0,
    EG_EINVAL,    /* the input is malformed or breaks a rule */
    EG_ENOTFOUND, /* no such object */
    EG_ECONFLICT, /* unique violation, concurrent change, wrong state */
    EG_EUNAUTH,   /* not signed in */
    EG_EFORBIDDEN,
    EG_ETOOBIG, /* a limit was reached */
    EG_ERATE,   /* too many requests */
    EG_ENOMEM,
    EG_EIO,
    EG_EBUSY,    /* the resource is busy; retry later */
    EG_EUNAVAIL, /* a dependency (database, mail server) is unreachable */
    EG_ETIMEOUT,
    EG_EVERSION, /* the database schema is newer than this binary */
    EG_EINTERNAL,
    EG_ERR_COUNT
};

/* A sentence for people ("no such object"). */
const char *eg_strerror(enum eg_err e);
/* A stable machine code for APIs ("not_found"). */
const char *eg_err_code(enum eg_err e);

/* ---- slices ------------------------------------------------------------ */

/* A borrowed view; not NUL-terminated unless said so. */
struct eg_str {
    const char *p;
    size_t n;
};

#define EG_STR(lit) ((struct eg_str){(lit), sizeof(lit) - 1})
struct eg_str eg_str_c(const char *s);
bool eg_str_eq(struct eg_str a, struct eg_str b);
bool eg_str_eqc(struct eg_str a, const char *c);

/* ---- buffers ----------------------------------------------------------- */

/*
 * An owned, growable, always NUL-terminated byte buffer that refuses to grow
 * past max (curl's dynbuf). Adding past max returns EG_ETOOBIG and leaves the
 * content as it was. eg_buf_release() frees the contents; the struct is reusable.
 */
struct eg_buf {
    char *p;
    size_t len;
    size_t cap;
    size_t max;
};

#define EG_BUF_INIT(max_)                                                                          \
    {                                                                                              \
        NULL, 0, 0, (max_)                                                                         \
    }

void eg_buf_init(struct eg_buf *b, size_t max);
void eg_buf_release(struct eg_buf *b);
void eg_buf_reset(struct eg_buf *b);
/* Makes room for n more bytes (and the NUL) without changing len. */
EG_WUR enum eg_err eg_buf_grow(struct eg_buf *b, size_t n);
EG_WUR enum eg_err eg_buf_add(struct eg_buf *b, const void *p, size_t n);
EG_WUR enum eg_err eg_buf_adds(struct eg_buf *b, const char *s);
EG_WUR enum eg_err eg_buf_addc(struct eg_buf *b, char c);
EG_WUR enum eg_err eg_buf_printf(struct eg_buf *b, const char *fmt, ...) EG_PRINTF(2, 3);
EG_WUR enum eg_err eg_buf_vprintf(struct eg_buf *b, const char *fmt, va_list ap);
/* The contents, or "" for an empty buffer; never NULL. */
const char *eg_buf_str(const struct eg_buf *b);
/* Hands the malloc'ed contents to the caller (NULL when empty) and releases b. */
char *eg_buf_take(struct eg_buf *b);

/* ---- arenas ------------------------------------------------------------ */

/*
 * Memory with a lifetime (nginx pools). Allocations are 16-byte aligned and are
 * freed together by eg_arena_free(); cleanups registered with
 * eg_arena_cleanup() run first, newest first. An arena refuses to hold more
 * than max bytes (NULL from the allocators) so a client cannot grow it forever.
 */
struct eg_arena;

struct eg_arena *eg_arena_new(size_t chunk, size_t max);
void eg_arena_free(struct eg_arena *a);
/* Runs the cleanups and drops all allocations but keeps the first chunk. */
void eg_arena_clear(struct eg_arena *a);
void *eg_arena_alloc(struct eg_arena *a, size_t n);
void *eg_arena_zalloc(struct eg_arena *a, size_t n);
char *eg_arena_strndup(struct eg_arena *a, const char *s, size_t n);
char *eg_arena_strdup(struct eg_arena *a, const char *s);
char *eg_arena_printf(struct eg_arena *a, const char *fmt, ...) EG_PRINTF(2, 3);
EG_WUR enum eg_err eg_arena_cleanup(struct eg_arena *a, void (*fn)(void *), void *arg);
size_t eg_arena_used(const struct eg_arena *a);

/* ---- logging ----------------------------------------------------------- */

enum eg_log_level { EG_LOG_DEBUG, EG_LOG_INFO, EG_LOG_WARN, EG_LOG_ERROR };

/* Called once at start-up, before any thread exists. fd is where lines go. */
void eg_log_setup(enum eg_log_level min, int fd);
bool eg_log_enabled(enum eg_log_level l);
/* One JSON line {"ts":..,"level":..,"msg":..}; msg is escaped, never raw. */
void eg_log(enum eg_log_level l, const char *fmt, ...) EG_PRINTF(2, 3);
/* Writes n bytes of an already-encoded JSON object as one line (the access log). */
void eg_log_line(const char *json, size_t n);
EG_WUR enum eg_err eg_log_level_parse(const char *s, enum eg_log_level *out);

#define eg_debug(...) eg_log(EG_LOG_DEBUG, __VA_ARGS__)
#define eg_info(...) eg_log(EG_LOG_INFO, __VA_ARGS__)
#define eg_warn(...) eg_log(EG_LOG_WARN, __VA_ARGS__)
#define eg_error(...) eg_log(EG_LOG_ERROR, __VA_ARGS__)

/* ---- JSON -------------------------------------------------------------- */

/*
 * Strict parsing: duplicate keys, invalid UTF-8, trailing garbage and nesting
 * deeper than EG_JSON_MAX_DEPTH are refused. On failure *out is NULL and msg
 * (if given) holds a sentence naming the problem and its position.
 */
#define EG_JSON_MAX_DEPTH 64
EG_WUR enum eg_err eg_json_parse(const char *p, size_t n, json_t **out, struct eg_buf *msg);

enum eg_json_type {
    EG_JSON_STRING,
    EG_JSON_INT,
    EG_JSON_BOOL,
    EG_JSON_OBJECT,
    EG_JSON_ARRAY,
    EG_JSON_NUMBER,
    EG_JSON_SECRET, /* a string kept as typed: a password (its owner normalises it) */
};

/* A declared input field (kcgi's kvalid): what a handler is willing to accept. */
struct eg_json_field {
    const char *name;
    enum eg_json_type type;
    bool required;
    size_t max_len; /* strings: bytes (0 = 4096); arrays: items (0 = 1000) */
    long long min;  /* integers, when min < max */
    long long max;
};

/*
 * Checks obj against the declared fields: types, required fields, lengths,
 * ranges, NFC-normal UTF-8 strings without control characters, and no
 * unknown keys. The first problem is described in msg.
 */
EG_WUR enum eg_err eg_json_check(const json_t *obj, const struct eg_json_field *fields, size_t n,
                                 struct eg_buf *msg);
/* Compact UTF-8 encoding into b. */
EG_WUR enum eg_err eg_json_dump(const json_t *v, struct eg_buf *b);
/* n bytes of UTF-8 as a JSON string, quoted and escaped as eg_json_dump does, into b. */
EG_WUR enum eg_err eg_json_add_string(struct eg_buf *b, const char *s, size_t n);

/* ---- UTF-8 and Vietnamese text ----------------------------------------- */

bool eg_utf8_valid(const char *s, size_t n);
/* Appends s with every invalid UTF-8 byte replaced by U+FFFD (for logging client input). */
EG_WUR enum eg_err eg_utf8_sanitize(const char *s, size_t n, struct eg_buf *out);
/* NFC normal form of s, appended to out. Invalid UTF-8 is EG_EINVAL. */
EG_WUR enum eg_err eg_text_nfc(const char *s, size_t n, struct eg_buf *out);
bool eg_text_is_nfc(const char *s, size_t n);
/*
 * The folded form used for search (DOMAIN-VN §7): NFD, combining marks
 * removed, đ/Đ to d, case folded, runs of white space collapsed to one space,
 * trimmed; default-ignorable characters (zero-width space, soft hyphen) are
 * dropped. "  Đăng KÝ  khai sinh" -> "dang ky khai sinh". On failure out is
 * left as it was.
 */
EG_WUR enum eg_err eg_text_fold(const char *s, size_t n, struct eg_buf *out);

/* ---- time -------------------------------------------------------------- */

/* The clock is passed down so tests can fix "now" (STYLE.md §9). */
struct eg_clock {
    int64_t (*now_ms)(void *ctx);
    void *ctx;
};

extern const struct eg_clock eg_clock_system;
int64_t eg_clock_now_ms(const struct eg_clock *c);
/* Monotonic nanoseconds, for durations. */
int64_t eg_mono_ns(void);
/* "2026-11-27T20:13:22.123Z" into buf (at least 32 bytes). */
void eg_time_iso_utc(int64_t ms, char *buf, size_t n);
/* "27/11/2026 03:13" in Asia/Ho_Chi_Minh (UTC+7, no DST) into buf (>= 24 bytes). */
void eg_time_vn(int64_t ms, char *buf, size_t n);

/* ---- numbers and small parsers ---------------------------------------- */

/* Whole decimal string to int64 within [min, max]; no sign games, no trailing junk. */
EG_WUR enum eg_err eg_parse_i64(const char *s, long long min, long long max, long long *out);
/* "512", "64k", "1M", "2G" (powers of 1024) to bytes. */
EG_WUR enum eg_err eg_parse_size(const char *s, size_t *out);
/* "500ms", "30s", "5m", "2h", or plain seconds, to milliseconds. */
EG_WUR enum eg_err eg_parse_duration_ms(const char *s, long long *out);

/* Random bytes from the kernel (getrandom); EG_EIO if it cannot. */
EG_WUR enum eg_err eg_random(void *p, size_t n);
/* Lower-case hex of n bytes into out (2n+1 bytes). */
void eg_hex(const void *p, size_t n, char *out);

/* FNV-1a over n bytes, continuing from h (start with EG_HASH64_INIT): for hash tables, not security. */
#define EG_HASH64_INIT 14695981039346656037ULL
uint64_t eg_hash64(uint64_t h, const void *p, size_t n);

/* ---- a memo: answers kept between requests ------------------------------ */

/*
 * A fixed table of byte strings kept under keys, for an answer that costs far
 * more to build than to check (a rendered page, a tracking view). Each entry
 * carries the stamp it was built under (a version the caller reads from the
 * database) and when: a get finds it only with the same stamp and younger than
 * ttl_ms. A key has one slot (by its hash); a newer entry replaces an older
 * one. Values longer than value_max are not kept, and all kept values stay
 * under bytes_max. One mutex, held only to compare and copy. Thread-safe.
 */
struct eg_memo;

EG_WUR enum eg_err eg_memo_new(size_t slots, size_t bytes_max, size_t value_max, int64_t ttl_ms,
                               struct eg_memo **out);
void eg_memo_free(struct eg_memo *m); /* NULL-safe */
/* Appends the value kept for key under stamp to out: EG_ENOTFOUND if none fresh (or EG_ENOMEM). */
EG_WUR enum eg_err eg_memo_get(struct eg_memo *m, const char *key, size_t klen, int64_t stamp,
                               int64_t now_ms, struct eg_buf *out);
/* Keeps value under key and stamp, built at now_ms; silently not when it does not fit. */
void eg_memo_put(struct eg_memo *m, const char *key, size_t klen, int64_t stamp, int64_t now_ms,
                 const char *value, size_t n);

/* ---- a bounded pool of worker threads ----------------------------------- */

/*
 * For CPU-heavy work that must not hold the HTTP workers (password hashing).
 * Jobs run in submission order on `threads` threads; at most `queue_max` wait.
 * With low_priority the threads run under SCHED_IDLE, so they use spare CPU
 * only and never slow down the threads serving ordinary requests.
 */
struct eg_pool;

EG_WUR enum eg_err eg_pool_new(int threads, int queue_max, bool low_priority, struct eg_pool **out);
/* EG_ERATE when the queue is full (the caller answers 429). */
EG_WUR enum eg_err eg_pool_submit(struct eg_pool *p, void (*fn)(void *arg), void *arg);
/* Runs the queued jobs to the end, then joins and frees. NULL-safe. */
void eg_pool_free(struct eg_pool *p);
/* Jobs waiting plus running, for metrics. */
int eg_pool_load(struct eg_pool *p);

/* ---- files compiled into the binary ----------------------------------- */

/* Built by tools/embed.c; names are paths from the repository root. */
struct eg_embedded_file {
    const char *name;
    const unsigned char *data; /* NUL-terminated */
    size_t len;
};

extern const struct eg_embedded_file eg_embedded_files[];
extern const size_t eg_embedded_count;
const struct eg_embedded_file *eg_embedded(const char *name);

#endif /* EG_CORE_H */
