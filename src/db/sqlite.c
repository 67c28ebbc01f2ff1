/*
 * sqlite.c - the SQLite driver: WAL, synchronous=FULL, foreign keys on, one
 * read connection per thread (opened on first use, closed when the thread
 * ends) and one writer connection behind a mutex.
 *
 * Group commit (PERFORMANCE P4/P5). With synchronous=FULL every COMMIT waits
 * for the disk; writers that queue behind each other share that wait. The
 * writer connection keeps one outer transaction (BEGIN IMMEDIATE) open while
 * writers are queued; each eg_tx write transaction is a SAVEPOINT inside it.
 * Committing a write releases its savepoint; if nobody is waiting for the
 * writer (or the batch is full) it COMMITs the outer transaction at once,
 * else it hands the writer to the next one and sleeps until a later writer's
 * COMMIT has made its changes durable. eg_tx_commit() therefore returns only
 * once the changes are on disk, with the COMMIT's result: a failed COMMIT
 * fails every write of its batch, none of which was acknowledged. A rolled
 * back write rolls back to its savepoint only. A sleeping writer that is not
 * woken within GROUP_WAIT_MS takes the writer and commits the batch itself,
 * so no write waits on a writer that gave up.
 */
#include "db_int.h"

#include <errno.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <sqlite3.h>

struct sq_db;

struct sq_stmt {
    struct eg_stmt base;
    sqlite3_stmt *h;
    struct sq_stmt *next_used; /* statements touched by the running tx */
    struct sq_stmt *twin;      /* another cached statement of the same SQL */
    bool in_use;
    bool cached;
};

/* The transaction-control statements run_simple() keeps prepared. */
static const char *const simple_sql[] = {
    "BEGIN",         "BEGIN IMMEDIATE",   "COMMIT", "ROLLBACK", "SAVEPOINT eg_tx",
    "RELEASE eg_tx", "ROLLBACK TO eg_tx",
};
#define SIMPLE_N (sizeof(simple_sql) / sizeof(simple_sql[0]))

struct sq_conn {
    sqlite3 *h;
    struct sq_db *owner;
    struct eg_stmt_cache cache;     /* SQL text -> struct sq_stmt * (and its twins) */
    sqlite3_stmt *simple[SIMPLE_N]; /* run_simple()'s, prepared on first use */
    struct sq_conn *next;           /* the readers' registry */
    bool writer;
    bool busy; /* a tx is running on it */
};

struct sq_tx {
    struct eg_tx base;
    struct sq_conn *conn;
    struct sq_stmt *used;
    bool temp; /* conn is this tx's own (a nested read) */
};

#define GROUP_MAX 64    /* writes in one batch at most */
#define GROUP_WAIT_MS 5 /* a sleeping writer takes over after this */
#define GROUP_FAILS 64  /* failed batches remembered, by generation */
#define TWINS_MAX 4     /* cached statements of one SQL beside the first */

struct sq_db {
    char *path;
    int busy_ms;
    struct sq_conn *writer;
    struct sq_tx wtx;
    pthread_mutex_t wlock;
    /* group commit: wanting counts threads waiting for wlock; the rest is under wlock,
     * except done_gen and the failures, under bmu */
    atomic_int wanting;
    bool batch_open;   /* the outer transaction is open on the writer */
    int pending;       /* released writes in it */
    uint64_t gen;      /* the batch being filled */
    uint64_t done_gen; /* the last batch that ended */
    /* Batches end well but for rare I/O errors: only the failed ones are remembered (the
     * last GROUP_FAILS), so a writer that slept through any number of batches still learns
     * its own batch's outcome. */
    struct {
        uint64_t gen;
        enum eg_err rc;
    } fails[GROUP_FAILS];
    uint64_t nfails; /* failed batches ever */
    pthread_mutex_t bmu;
    pthread_cond_t bcv;
    atomic_ullong batches, batched;
    pthread_key_t key;
    pthread_mutex_t reg_lock;
    struct sq_conn *readers;
    atomic_long readers_open;
    atomic_long writer_busy;
    atomic_ullong tx_read, tx_write, writer_waits, writer_wait_ns, errors;
};

static enum eg_err
map_rc(int rc, int ext)
{
    switch (rc & 0xff) {
    case SQLITE_OK:
    case SQLITE_ROW:
    case SQLITE_DONE:
        return EG_OK;
    case SQLITE_CONSTRAINT:
        if (ext == SQLITE_CONSTRAINT_UNIQUE || ext == SQLITE_CONSTRAINT_PRIMARYKEY)
            return EG_ECONFLICT;
        return EG_EINVAL;
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
        return EG_EBUSY;
    case SQLITE_FULL:
        return EG_EUNAVAIL;
    case SQLITE_NOMEM:
        return EG_ENOMEM;
    case SQLITE_TOOBIG:
        return EG_ETOOBIG;
    case SQLITE_INTERRUPT:
        return EG_ETIMEOUT;
    case SQLITE_ERROR:
    case SQLITE_MISUSE:
    case SQLITE_RANGE:
        return EG_EINTERNAL;
    default:
        return EG_EIO;
    }
}

static enum eg_err
conn_fail(struct sq_tx *tx, int rc)
{
    sqlite3 *h = tx->conn->h;
    eg_tx_set_errmsg(&tx->base, sqlite3_errmsg(h));
    atomic_fetch_add(&tx->conn->owner->errors, 1);
    return map_rc(rc, sqlite3_extended_errcode(h));
}

static void
stmt_finalize(void *p, void *arg)
{
    (void)arg;
    struct sq_stmt *st = p;
    while (st) {
        struct sq_stmt *twin = st->twin;
        sqlite3_finalize(st->h);
        free(st);
        st = twin;
    }
}

static void
conn_close(struct sq_conn *c)
{
    if (!c)
        return;
    eg_stmt_cache_clear(&c->cache, stmt_finalize, NULL);
    for (size_t i = 0; i < SIMPLE_N; i++)
        sqlite3_finalize(c->simple[i]);
    sqlite3_close_v2(c->h);
    free(c);
}

static enum eg_err
pragma(sqlite3 *h, const char *sql, const char *expect, struct eg_buf *msg)
{
    sqlite3_stmt *st = NULL;
    int rc = sqlite3_prepare_v2(h, sql, -1, &st, NULL);
    if (rc == SQLITE_OK) {
        rc = sqlite3_step(st);
        if (rc == SQLITE_ROW && expect) {
            const char *got = (const char *)sqlite3_column_text(st, 0);
            if (!got || strcmp(got, expect) != 0) {
                if (msg && eg_buf_printf(msg, "SQLite refused %s (got %s)", sql,
                                         got ? got : "nothing") != EG_OK)
                    eg_buf_reset(msg);
                sqlite3_finalize(st);
                return EG_EIO;
            }
        }
        if (rc == SQLITE_ROW || rc == SQLITE_DONE)
            rc = SQLITE_OK;
    }
    if (rc != SQLITE_OK) {
        if (msg && eg_buf_printf(msg, "SQLite: %s: %s", sql, sqlite3_errmsg(h)) != EG_OK)
            eg_buf_reset(msg);
        sqlite3_finalize(st);
        return map_rc(rc, sqlite3_extended_errcode(h));
    }
    sqlite3_finalize(st);
    return EG_OK;
}

static enum eg_err
conn_open(struct sq_db *d, bool writer, struct sq_conn **out, struct eg_buf *msg)
{
    *out = NULL;
    struct sq_conn *c = calloc(1, sizeof(*c));
    if (!c)
        return EG_ENOMEM;
    c->owner = d;
    c->writer = writer;
    eg_stmt_cache_init(&c->cache);
    int flags = SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_PRIVATECACHE;
    flags |= writer ? SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE : SQLITE_OPEN_READONLY;
    int rc = sqlite3_open_v2(d->path, &c->h, flags, NULL);
    if (rc != SQLITE_OK) {
        if (msg) {
            int err = sqlite3_system_errno(c->h);
            if (eg_buf_printf(msg, "cannot open the SQLite database %s: %s", d->path,
                              err ? strerror(err) : sqlite3_errstr(rc)) != EG_OK)
                eg_buf_reset(msg);
        }
        conn_close(c);
        return EG_EIO;
    }
    sqlite3_extended_result_codes(c->h, 1);
    sqlite3_busy_timeout(c->h, d->busy_ms);
    enum eg_err e = EG_OK;
    if (writer) {
        /* The first statement also proves the file is a database at all. */
        e = pragma(c->h, "PRAGMA journal_mode=WAL", "wal", msg);
        if (e == EG_OK)
            e = pragma(c->h, "PRAGMA synchronous=FULL", NULL, msg);
        if (e == EG_OK)
            e = pragma(c->h, "PRAGMA foreign_keys=ON", NULL, msg);
        /* Erased personal data must not linger in free pages (RELIABILITY G2). */
        if (e == EG_OK)
            e = pragma(c->h, "PRAGMA secure_delete=ON", NULL, msg);
    } else {
        e = pragma(c->h, "PRAGMA query_only=1", NULL, msg);
    }
    if (e == EG_OK)
        e = pragma(c->h, "PRAGMA temp_store=MEMORY", NULL, msg);
    if (e != EG_OK) {
        conn_close(c);
        return e;
    }
    *out = c;
    return EG_OK;
}

static void
reader_destroy(void *p)
{
    struct sq_conn *c = p;
    struct sq_db *d = c->owner;
    pthread_mutex_lock(&d->reg_lock);
    for (struct sq_conn **pp = &d->readers; *pp; pp = &(*pp)->next) {
        if (*pp == c) {
            *pp = c->next;
            break;
        }
    }
    pthread_mutex_unlock(&d->reg_lock);
    atomic_fetch_sub(&d->readers_open, 1);
    conn_close(c);
}

/* mkdir -p for the directory part of path. */
static int
make_parent_dirs(const char *path)
{
    char *copy = strdup(path);
    if (!copy)
        return ENOMEM;
    int err = 0;
    for (char *p = copy + 1; *p; p++) {
        if (*p != '/')
            continue;
        *p = '\0';
        if (mkdir(copy, 0750) != 0 && errno != EEXIST) {
            err = errno;
            break;
        }
        *p = '/';
    }
    free(copy);
    return err;
}

static void sq_close(struct eg_db *db);

static enum eg_err
sq_open(struct eg_db *db, const char *target, struct eg_buf *msg)
{
    struct sq_db *d = calloc(1, sizeof(*d));
    if (!d)
        return EG_ENOMEM;
    db->impl = d;
    d->busy_ms = db->opts.busy_timeout_ms;
    d->path = strdup(target);
    pthread_mutexattr_t ma;
    pthread_mutexattr_init(&ma);
    pthread_mutexattr_settype(&ma, PTHREAD_MUTEX_ERRORCHECK);
    pthread_mutex_init(&d->wlock, &ma);
    pthread_mutexattr_destroy(&ma);
    pthread_mutex_init(&d->reg_lock, NULL);
    pthread_mutex_init(&d->bmu, NULL);
    pthread_cond_init(&d->bcv, NULL);
    d->gen = 1;
    if (!d->path || pthread_key_create(&d->key, reader_destroy) != 0) {
        free(d->path);
        free(d);
        db->impl = NULL;
        return EG_ENOMEM;
    }
    if (db->opts.create) {
        int err = make_parent_dirs(target);
        if (err) {
            if (msg && eg_buf_printf(msg, "cannot create the directory for %s: %s", target,
                                     strerror(err)) != EG_OK)
                eg_buf_reset(msg);
            sq_close(db);
            return EG_EIO;
        }
    } else if (access(target, F_OK) != 0) {
        if (msg && eg_buf_printf(msg, "the SQLite database %s does not exist", target) != EG_OK)
            eg_buf_reset(msg);
        sq_close(db);
        return EG_ENOTFOUND;
    }
    enum eg_err rc = conn_open(d, true, &d->writer, msg);
    if (rc != EG_OK) {
        sq_close(db);
        return rc;
    }
    return EG_OK;
}

static void
sq_close(struct eg_db *db)
{
    struct sq_db *d = db->impl;
    if (!d)
        return;
    pthread_key_delete(d->key);
    pthread_mutex_lock(&d->reg_lock);
    while (d->readers) {
        struct sq_conn *c = d->readers;
        d->readers = c->next;
        conn_close(c);
    }
    pthread_mutex_unlock(&d->reg_lock);
    conn_close(d->writer);
    pthread_mutex_destroy(&d->wlock);
    pthread_mutex_destroy(&d->reg_lock);
    pthread_mutex_destroy(&d->bmu);
    pthread_cond_destroy(&d->bcv);
    free(d->path);
    free(d);
    db->impl = NULL;
}

/*
 * Transaction control, many times a request: kept prepared rather than
 * parsed by sqlite3_exec() each time. Any other SQL goes to sqlite3_exec().
 */
static int
step_simple(struct sq_conn *c, const char *sql)
{
    size_t i = 0;
    while (i < SIMPLE_N && strcmp(simple_sql[i], sql) != 0)
        i++;
    if (i == SIMPLE_N)
        return -1;
    if (!c->simple[i]) {
        int rc = sqlite3_prepare_v3(c->h, sql, -1, SQLITE_PREPARE_PERSISTENT, &c->simple[i], NULL);
        if (rc != SQLITE_OK)
            return rc;
    }
    int rc = sqlite3_step(c->simple[i]);
    sqlite3_reset(c->simple[i]);
    return rc == SQLITE_DONE ? SQLITE_OK : rc;
}

static enum eg_err
run_simple(struct sq_tx *tx, const char *sql)
{
    char *err = NULL;
    int rc = step_simple(tx->conn, sql);
    if (rc < 0)
        rc = sqlite3_exec(tx->conn->h, sql, NULL, NULL, &err);
    if (rc != SQLITE_OK) {
        eg_tx_set_errmsg(&tx->base, err ? err : sqlite3_errmsg(tx->conn->h));
        sqlite3_free(err);
        atomic_fetch_add(&tx->conn->owner->errors, 1);
        return map_rc(rc, sqlite3_extended_errcode(tx->conn->h));
    }
    return EG_OK;
}

static enum eg_err
lock_writer(struct sq_db *d)
{
    int64_t t0 = eg_mono_ns();
    struct timespec until;
    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_sec += d->busy_ms / 1000;
    until.tv_nsec += (long)(d->busy_ms % 1000) * 1000000L;
    if (until.tv_nsec >= 1000000000L) {
        until.tv_sec++;
        until.tv_nsec -= 1000000000L;
    }
    int r = pthread_mutex_trylock(&d->wlock);
    if (r == EBUSY) {
        atomic_fetch_add(&d->writer_waits, 1);
        atomic_fetch_add(&d->wanting, 1);
        r = pthread_mutex_timedlock(&d->wlock, &until);
        atomic_fetch_sub(&d->wanting, 1);
        atomic_fetch_add(&d->writer_wait_ns, (unsigned long long)(eg_mono_ns() - t0));
    }
    if (r == ETIMEDOUT)
        return EG_EBUSY;
    if (r == EDEADLK)
        EG_BUG("a write transaction was begun while this thread holds one");
    return r == 0 ? EG_OK : EG_EINTERNAL;
}

/*
 * Holding wlock: ends the batch. Its writes become durable with COMMIT (or
 * all fail with its error); the sleepers of this generation are woken.
 */
static void
flush_locked(struct sq_db *d)
{
    struct sq_tx t = {.conn = d->writer};
    t.base.db = NULL;
    enum eg_err rc = EG_OK;
    if (d->batch_open) {
        if (sqlite3_get_autocommit(d->writer->h)) {
            /* SQLite rolled the whole batch back after an error (disk full, I/O). */
            rc = d->pending ? EG_EIO : EG_OK;
        } else {
            rc = run_simple(&t, "COMMIT");
            if (rc != EG_OK && !sqlite3_get_autocommit(d->writer->h))
                (void)run_simple(&t, "ROLLBACK");
        }
        d->batch_open = false;
        if (d->pending) {
            atomic_fetch_add(&d->batches, 1);
            atomic_fetch_add(&d->batched, (unsigned long long)d->pending);
        }
    }
    pthread_mutex_lock(&d->bmu);
    if (rc != EG_OK) {
        d->fails[d->nfails % GROUP_FAILS].gen = d->gen;
        d->fails[d->nfails % GROUP_FAILS].rc = rc;
        d->nfails++;
    }
    d->done_gen = d->gen;
    d->gen++;
    d->pending = 0;
    pthread_cond_broadcast(&d->bcv);
    pthread_mutex_unlock(&d->bmu);
}

/* Holding wlock, at the start of a write: the outer transaction, then this write's savepoint. */
static enum eg_err
open_write(struct sq_tx *tx)
{
    struct sq_db *d = tx->conn->owner;
    if (d->batch_open && sqlite3_get_autocommit(tx->conn->h))
        flush_locked(d); /* the batch died with an error: its sleepers learn it */
    enum eg_err rc = EG_OK;
    if (!d->batch_open) {
        rc = run_simple(tx, "BEGIN IMMEDIATE");
        if (rc != EG_OK)
            return rc;
        d->batch_open = true;
    }
    rc = run_simple(tx, "SAVEPOINT eg_tx");
    if (rc != EG_OK && d->pending == 0)
        flush_locked(d);
    return rc;
}

/*
 * Holding bmu, batch my having ended: its outcome. Unknown only when more
 * than GROUP_FAILS batches failed since (then EG_EIO: the write may or may not
 * be durable, as after a lost answer; a retry with its idempotency key tells).
 */
static enum eg_err
batch_result(const struct sq_db *d, uint64_t my)
{
    uint64_t kept = d->nfails < GROUP_FAILS ? d->nfails : GROUP_FAILS;
    uint64_t oldest = UINT64_MAX;
    for (uint64_t i = 0; i < kept; i++) {
        uint64_t g = d->fails[(d->nfails - 1 - i) % GROUP_FAILS].gen;
        if (g == my)
            return d->fails[(d->nfails - 1 - i) % GROUP_FAILS].rc;
        oldest = g;
    }
    return d->nfails <= GROUP_FAILS || my > oldest ? EG_OK : EG_EIO;
}

/* Sleeps until batch my has ended (taking the writer to end it if nobody does); its result. */
static enum eg_err
wait_durable(struct sq_db *d, uint64_t my)
{
    pthread_mutex_lock(&d->bmu);
    while (d->done_gen < my) {
        struct timespec until;
        clock_gettime(CLOCK_REALTIME, &until);
        until.tv_nsec += GROUP_WAIT_MS * 1000000L;
        if (until.tv_nsec >= 1000000000L) {
            until.tv_sec++;
            until.tv_nsec -= 1000000000L;
        }
        if (pthread_cond_timedwait(&d->bcv, &d->bmu, &until) != ETIMEDOUT || d->done_gen >= my)
            continue;
        pthread_mutex_unlock(&d->bmu);
        atomic_fetch_add(&d->wanting, 1);
        pthread_mutex_lock(&d->wlock);
        atomic_fetch_sub(&d->wanting, 1);
        if (d->done_gen < my && d->gen == my)
            flush_locked(d);
        pthread_mutex_unlock(&d->wlock);
        pthread_mutex_lock(&d->bmu);
    }
    enum eg_err rc = batch_result(d, my);
    pthread_mutex_unlock(&d->bmu);
    return rc;
}

static enum eg_err
sq_begin(struct eg_db *db, enum eg_tx_mode mode, struct eg_tx **out)
{
    struct sq_db *d = db->impl;
    struct sq_tx *tx;
    enum eg_err rc;
    if (mode == EG_TX_WRITE) {
        rc = lock_writer(d);
        if (rc != EG_OK)
            return rc;
        tx = &d->wtx;
        memset(tx, 0, sizeof(*tx));
        tx->conn = d->writer;
        atomic_store(&d->writer_busy, 1);
        atomic_fetch_add(&d->tx_write, 1);
    } else {
        struct sq_conn *c = pthread_getspecific(d->key);
        if (!c) {
            rc = conn_open(d, false, &c, NULL);
            if (rc != EG_OK)
                return rc;
            if (pthread_setspecific(d->key, c) != 0) {
                conn_close(c);
                return EG_ENOMEM;
            }
            pthread_mutex_lock(&d->reg_lock);
            c->next = d->readers;
            d->readers = c;
            pthread_mutex_unlock(&d->reg_lock);
            atomic_fetch_add(&d->readers_open, 1);
        }
        bool temp = false;
        if (c->busy) {
            /* A read inside a read on one thread: a connection of its own, closed at the end. */
            rc = conn_open(d, false, &c, NULL);
            if (rc != EG_OK)
                return rc;
            temp = true;
        }
        tx = calloc(1, sizeof(*tx));
        if (!tx) {
            if (temp)
                conn_close(c);
            return EG_ENOMEM;
        }
        tx->conn = c;
        tx->temp = temp;
        atomic_fetch_add(&d->tx_read, 1);
    }
    tx->base.db = db;
    tx->base.mode = mode;
    tx->conn->busy = true;
    rc = mode == EG_TX_WRITE ? open_write(tx) : run_simple(tx, "BEGIN");
    if (rc != EG_OK) {
        tx->conn->busy = false;
        if (mode == EG_TX_WRITE) {
            atomic_store(&d->writer_busy, 0);
            pthread_mutex_unlock(&d->wlock);
        } else {
            if (tx->temp)
                conn_close(tx->conn);
            free(tx);
        }
        return rc;
    }
    *out = &tx->base;
    return EG_OK;
}

/* Gives statements and the connection back; frees what the tx prepared uncached. */
static void
tx_end(struct sq_tx *tx)
{
    struct sq_stmt *st = tx->used;
    while (st) {
        struct sq_stmt *next = st->next_used;
        if (st->cached) {
            sqlite3_reset(st->h);
            sqlite3_clear_bindings(st->h);
            st->in_use = false;
        } else {
            stmt_finalize(st, NULL);
        }
        st = next;
    }
    tx->used = NULL;
    tx->conn->busy = false;
    struct sq_db *d = tx->conn->owner;
    if (tx->base.mode == EG_TX_WRITE) {
        atomic_store(&d->writer_busy, 0);
        pthread_mutex_unlock(&d->wlock);
    } else {
        if (tx->temp)
            conn_close(tx->conn);
        free(tx);
    }
}

/* Holding wlock: undoes this write (its savepoint), and ends the batch if nobody follows. */
static void
rollback_write(struct sq_tx *tx)
{
    struct sq_db *d = tx->conn->owner;
    if (!sqlite3_get_autocommit(tx->conn->h)) {
        (void)run_simple(tx, "ROLLBACK TO eg_tx");
        (void)run_simple(tx, "RELEASE eg_tx");
    }
    if (atomic_load(&d->wanting) == 0 || sqlite3_get_autocommit(tx->conn->h))
        flush_locked(d);
}

static enum eg_err
sq_commit(struct eg_tx *t)
{
    struct sq_tx *tx = (struct sq_tx *)t;
    /* Reset statements first: an unfinished SELECT would hold the read lock. */
    for (struct sq_stmt *st = tx->used; st; st = st->next_used)
        sqlite3_reset(st->h);
    if (tx->base.mode != EG_TX_WRITE) {
        enum eg_err rc = run_simple(tx, "COMMIT");
        if (rc != EG_OK && !sqlite3_get_autocommit(tx->conn->h))
            (void)run_simple(tx, "ROLLBACK");
        tx_end(tx);
        return rc;
    }
    struct sq_db *d = tx->conn->owner;
    enum eg_err rc = sqlite3_get_autocommit(tx->conn->h) ? EG_EIO : run_simple(tx, "RELEASE eg_tx");
    if (rc != EG_OK) {
        rollback_write(tx);
        tx_end(tx);
        return rc;
    }
    uint64_t my = d->gen;
    d->pending++;
    if (atomic_load(&d->wanting) == 0 || d->pending >= GROUP_MAX) {
        flush_locked(d);
        tx_end(tx);
        pthread_mutex_lock(&d->bmu);
        rc = batch_result(d, my);
        pthread_mutex_unlock(&d->bmu);
        return rc;
    }
    tx_end(tx); /* the next writer carries on in this batch */
    return wait_durable(d, my);
}

static void
sq_rollback(struct eg_tx *t)
{
    struct sq_tx *tx = (struct sq_tx *)t;
    for (struct sq_stmt *st = tx->used; st; st = st->next_used)
        sqlite3_reset(st->h);
    if (tx->base.mode == EG_TX_WRITE)
        rollback_write(tx);
    else if (!sqlite3_get_autocommit(tx->conn->h))
        (void)run_simple(tx, "ROLLBACK");
    tx_end(tx);
}

static enum eg_err
sq_exec(struct eg_tx *t, const char *sql)
{
    return run_simple((struct sq_tx *)t, sql);
}

/* White space, semicolons and comments only? */
static bool
only_trivia(const char *p)
{
    while (p && *p) {
        if (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r' || *p == ';') {
            p++;
        } else if (p[0] == '-' && p[1] == '-') {
            p += strcspn(p, "\n");
        } else if (p[0] == '/' && p[1] == '*') {
            const char *end = strstr(p + 2, "*/");
            if (!end)
                return false;
            p = end + 2;
        } else {
            return false;
        }
    }
    return true;
}

static enum eg_err
sq_prepare(struct eg_tx *t, const char *sql, struct eg_stmt **out)
{
    struct sq_tx *tx = (struct sq_tx *)t;
    struct sq_conn *c = tx->conn;
    /*
     * The same SQL twice in one transaction (a helper called twice) gets a
     * twin, kept too - up to TWINS_MAX of them; beyond that (a bulk import
     * running one statement thousands of times in one transaction) a
     * statement of its own, finalized when the transaction ends, so neither
     * the chain nor the cache grows with the transaction.
     */
    struct sq_stmt *head = eg_stmt_cache_get(&c->cache, sql);
    struct sq_stmt *st = head;
    int twins = 0;
    while (st && st->in_use) {
        st = st->twin;
        twins++;
    }
    bool keep = twins <= TWINS_MAX;
    if (!st) {
        st = calloc(1, sizeof(*st));
        if (!st)
            return EG_ENOMEM;
        const char *tail = NULL;
        int rc =
            sqlite3_prepare_v3(c->h, sql, -1, keep ? SQLITE_PREPARE_PERSISTENT : 0, &st->h, &tail);
        if (rc != SQLITE_OK) {
            free(st);
            return conn_fail(tx, rc);
        }
        /* One statement per prepare, on both drivers: none at all, or a second one, is a bug. */
        if (!st->h || !only_trivia(tail)) {
            eg_tx_set_errmsg(t, st->h ? "more than one SQL statement" : "no SQL statement");
            sqlite3_finalize(st->h);
            free(st);
            return EG_EINVAL;
        }
        st->base.ncols = sqlite3_column_count(st->h);
        if (head && keep) {
            st->twin = head->twin;
            head->twin = st;
            st->cached = true;
        } else if (!head && eg_stmt_cache_put(&c->cache, sql, st) == EG_OK) {
            st->cached = true;
        }
    }
    st->base.tx = t;
    st->base.changes = 0;
    st->in_use = true;
    st->next_used = tx->used;
    tx->used = st;
    *out = &st->base;
    return EG_OK;
}

static enum eg_err
sq_bind(struct eg_stmt *s, int idx, const struct eg_db_value *v)
{
    struct sq_stmt *st = (struct sq_stmt *)s;
    int rc;
    switch (v->type) {
    case EG_DBV_I64:
        rc = sqlite3_bind_int64(st->h, idx, v->i);
        break;
    case EG_DBV_DOUBLE:
        rc = sqlite3_bind_double(st->h, idx, v->d);
        break;
    case EG_DBV_TEXT:
        rc = sqlite3_bind_text64(st->h, idx, v->p, v->n, SQLITE_TRANSIENT, SQLITE_UTF8);
        break;
    case EG_DBV_BLOB:
        rc = sqlite3_bind_blob64(st->h, idx, v->p, v->n, SQLITE_TRANSIENT);
        break;
    default:
        rc = sqlite3_bind_null(st->h, idx);
        break;
    }
    return rc == SQLITE_OK ? EG_OK : conn_fail((struct sq_tx *)s->tx, rc);
}

static enum eg_err
sq_step(struct eg_stmt *s, bool *row)
{
    struct sq_stmt *st = (struct sq_stmt *)s;
    struct sq_tx *tx = (struct sq_tx *)s->tx;
    int rc = sqlite3_step(st->h);
    if (rc == SQLITE_ROW) {
        *row = true;
        return EG_OK;
    }
    if (rc == SQLITE_DONE) {
        s->changes = sqlite3_stmt_readonly(st->h) ? 0 : sqlite3_changes64(tx->conn->h);
        sqlite3_reset(st->h);
        return EG_OK;
    }
    enum eg_err e = conn_fail(tx, rc);
    sqlite3_reset(st->h);
    return e;
}

static void
sq_reset(struct eg_stmt *s)
{
    struct sq_stmt *st = (struct sq_stmt *)s;
    sqlite3_reset(st->h);
    sqlite3_clear_bindings(st->h);
}

static bool
sq_is_null(const struct eg_stmt *s, int col)
{
    return sqlite3_column_type(((const struct sq_stmt *)s)->h, col) == SQLITE_NULL;
}

static const char *
sq_text(const struct eg_stmt *s, int col)
{
    return (const char *)sqlite3_column_text(((const struct sq_stmt *)s)->h, col);
}

static size_t
sq_len(const struct eg_stmt *s, int col)
{
    return (size_t)sqlite3_column_bytes(((const struct sq_stmt *)s)->h, col);
}

static int64_t
sq_i64(const struct eg_stmt *s, int col)
{
    return sqlite3_column_int64(((const struct sq_stmt *)s)->h, col);
}

static double
sq_dbl(const struct eg_stmt *s, int col)
{
    return sqlite3_column_double(((const struct sq_stmt *)s)->h, col);
}

static const void *
sq_blob(struct eg_stmt *s, int col, size_t *n)
{
    sqlite3_stmt *h = ((struct sq_stmt *)s)->h;
    const void *p = sqlite3_column_blob(h, col);
    *n = (size_t)sqlite3_column_bytes(h, col);
    return p;
}

static enum eg_err
sq_ping(struct eg_db *db)
{
    struct eg_tx *tx;
    enum eg_err rc = sq_begin(db, EG_TX_READ, &tx);
    if (rc != EG_OK)
        return rc;
    rc = sq_exec(tx, "SELECT 1 FROM sqlite_schema LIMIT 1");
    sq_rollback(tx);
    return rc;
}

static enum eg_err
sq_metrics(struct eg_db *db, struct eg_buf *out)
{
    struct sq_db *d = db->impl;
    return eg_buf_printf(
        out,
        "# HELP egov_db_connections Open database connections by role.\n"
        "# TYPE egov_db_connections gauge\n"
        "egov_db_connections{driver=\"sqlite\",role=\"writer\"} 1\n"
        "egov_db_connections{driver=\"sqlite\",role=\"reader\"} %ld\n"
        "# HELP egov_db_connections_in_use Connections running a transaction now.\n"
        "# TYPE egov_db_connections_in_use gauge\n"
        "egov_db_connections_in_use{driver=\"sqlite\",role=\"writer\"} %ld\n"
        "# HELP egov_db_transactions_total Transactions begun.\n"
        "# TYPE egov_db_transactions_total counter\n"
        "egov_db_transactions_total{driver=\"sqlite\",mode=\"read\"} %llu\n"
        "egov_db_transactions_total{driver=\"sqlite\",mode=\"write\"} %llu\n"
        "# HELP egov_db_waits_total Transactions that had to wait for a connection.\n"
        "# TYPE egov_db_waits_total counter\n"
        "egov_db_waits_total{driver=\"sqlite\"} %llu\n"
        "# HELP egov_db_wait_seconds_total Time spent waiting for a connection.\n"
        "# TYPE egov_db_wait_seconds_total counter\n"
        "egov_db_wait_seconds_total{driver=\"sqlite\"} %.6f\n"
        "# HELP egov_db_errors_total Statements that failed.\n"
        "# TYPE egov_db_errors_total counter\n"
        "egov_db_errors_total{driver=\"sqlite\"} %llu\n"
        "# HELP egov_db_group_commits_total COMMITs that made writes durable (group commit).\n"
        "# TYPE egov_db_group_commits_total counter\n"
        "egov_db_group_commits_total{driver=\"sqlite\"} %llu\n"
        "# HELP egov_db_group_committed_writes_total Write transactions those COMMITs carried.\n"
        "# TYPE egov_db_group_committed_writes_total counter\n"
        "egov_db_group_committed_writes_total{driver=\"sqlite\"} %llu\n",
        atomic_load(&d->readers_open), atomic_load(&d->writer_busy), atomic_load(&d->tx_read),
        atomic_load(&d->tx_write), atomic_load(&d->writer_waits),
        (double)atomic_load(&d->writer_wait_ns) / 1e9, atomic_load(&d->errors),
        atomic_load(&d->batches), atomic_load(&d->batched));
}

const struct eg_db_driver eg_db_sqlite_driver = {
    .open = sq_open,
    .close = sq_close,
    .begin = sq_begin,
    .commit = sq_commit,
    .rollback = sq_rollback,
    .exec = sq_exec,
    .prepare = sq_prepare,
    .bind = sq_bind,
    .step = sq_step,
    .reset = sq_reset,
    .is_null = sq_is_null,
    .text = sq_text,
    .len = sq_len,
    .i64 = sq_i64,
    .dbl = sq_dbl,
    .blob = sq_blob,
    .ping = sq_ping,
    .metrics = sq_metrics,
};
