/*
 * pg.c - the PostgreSQL driver over libpq: a small pool of connections opened on
 * demand, each statement prepared once per connection, text results.
 */
#include "db_int.h"

#include <errno.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <libpq-fe.h>

struct pg_db;

struct pg_stmt {
    struct eg_stmt base;
    char name[24];
    int nparams;
    char **values; /* malloc'ed copies, NULL for SQL NULL */
    int *lengths;
    int *formats;
    PGresult *res;
    int row;  /* current row, -1 before the first */
    bool ran; /* executed since the last reset */
    bool in_use;
    bool cached;
    unsigned char **blobs; /* unescaped bytea per column, until the next step */
    int nblobs;
    struct pg_stmt *next_used;
};

struct pg_conn {
    PGconn *h;
    struct eg_stmt_cache cache;
    unsigned next_name;
    bool busy;
};

struct pg_tx {
    struct eg_tx base;
    struct pg_conn *conn;
    struct pg_stmt *used;
    bool in_block; /* BEGIN was sent */
};

struct pg_db {
    char *conninfo;
    int size;
    int busy_ms;
    struct pg_conn *conns; /* size slots; h == NULL until first use */
    pthread_mutex_t lock;
    pthread_cond_t freed;
    int in_use;
    atomic_ullong checkouts, waits, wait_ns, errors, reconnects;
};

static enum eg_err
map_state(const char *state, PGconn *h)
{
    if (PQstatus(h) == CONNECTION_BAD)
        return EG_EUNAVAIL;
    if (!state)
        return EG_EIO;
    if (strcmp(state, "23505") == 0)
        return EG_ECONFLICT;
    if (strncmp(state, "23", 2) == 0 || strncmp(state, "22", 2) == 0)
        return EG_EINVAL;
    if (strcmp(state, "40001") == 0 || strcmp(state, "40P01") == 0 || strcmp(state, "55P03") == 0)
        return EG_EBUSY;
    if (strncmp(state, "08", 2) == 0 || strncmp(state, "57P", 3) == 0 ||
        strcmp(state, "53300") == 0)
        return EG_EUNAVAIL;
    if (strcmp(state, "57014") == 0)
        return EG_ETIMEOUT;
    if (strncmp(state, "53", 2) == 0)
        return EG_EUNAVAIL; /* disk full, out of memory on the server */
    if (strncmp(state, "42", 2) == 0)
        return EG_EINTERNAL; /* our SQL is wrong */
    if (strcmp(state, "P0001") == 0)
        return EG_EINVAL; /* a trigger's RAISE EXCEPTION: a rule refused it, as SQLite's ABORT */
    return EG_EIO;
}

static enum eg_err
res_fail(struct pg_tx *tx, PGresult *res)
{
    PGconn *h = tx->conn->h;
    const char *m = res ? PQresultErrorMessage(res) : PQerrorMessage(h);
    eg_tx_set_errmsg(&tx->base, m && *m ? m : PQerrorMessage(h));
    struct pg_db *d = tx->base.db->impl;
    atomic_fetch_add(&d->errors, 1);
    return map_state(res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL, h);
}

/* Server notices ("relation already exists, skipping") go to the debug log, not stderr. */
static void
on_notice(void *arg, const char *message)
{
    (void)arg;
    eg_debug("postgres: %.*s", (int)strcspn(message, "\n"), message);
}

static PGconn *
connect_one(const char *conninfo)
{
    /* Values in the URL win over these defaults (expand_dbname, later keys override). */
    const char *keys[] = {"connect_timeout", "application_name", "dbname", NULL};
    const char *vals[] = {"5", "egov", conninfo, NULL};
    PGconn *h = PQconnectdbParams(keys, vals, 1);
    if (h)
        PQsetNoticeProcessor(h, on_notice, NULL);
    return h;
}

/* The first line of libpq's message, for people. */
static void
first_line(struct eg_buf *msg, const char *prefix, const char *m)
{
    if (!msg)
        return;
    size_t n = strcspn(m, "\n");
    if (eg_buf_adds(msg, prefix) != EG_OK || eg_buf_add(msg, m, n) != EG_OK)
        eg_buf_reset(msg);
}

static void
free_blobs(struct pg_stmt *st)
{
    for (int i = 0; i < st->nblobs; i++) {
        PQfreemem(st->blobs[i]);
        st->blobs[i] = NULL;
    }
}

static void
stmt_free(void *p, void *arg)
{
    (void)arg;
    struct pg_stmt *st = p;
    PQclear(st->res);
    free_blobs(st);
    free(st->blobs);
    for (int i = 0; i < st->nparams; i++)
        free(st->values[i]);
    free(st->values);
    free(st->lengths);
    free(st->formats);
    free(st);
}

static void
conn_drop_cache(struct pg_conn *c)
{
    eg_stmt_cache_clear(&c->cache, stmt_free, NULL);
}

static enum eg_err
pg_open(struct eg_db *db, const char *target, struct eg_buf *msg)
{
    struct pg_db *d = calloc(1, sizeof(*d));
    if (!d)
        return EG_ENOMEM;
    d->size = db->opts.pool_size;
    d->busy_ms = db->opts.busy_timeout_ms;
    d->conninfo = strdup(target);
    d->conns = calloc((size_t)d->size, sizeof(*d->conns));
    if (!d->conninfo || !d->conns) {
        free(d->conninfo);
        free(d->conns);
        free(d);
        return EG_ENOMEM;
    }
    for (int i = 0; i < d->size; i++)
        eg_stmt_cache_init(&d->conns[i].cache);
    pthread_mutex_init(&d->lock, NULL);
    pthread_cond_init(&d->freed, NULL);
    db->impl = d;
    /* Connect one now, so a wrong URL or a server that is down shows at start. */
    d->conns[0].h = connect_one(d->conninfo);
    if (!d->conns[0].h || PQstatus(d->conns[0].h) != CONNECTION_OK) {
        if (msg) {
            struct eg_buf pre = EG_BUF_INIT(1024);
            if (eg_buf_printf(&pre, "cannot connect to PostgreSQL (%s): ", db->url_safe) != EG_OK)
                eg_buf_reset(&pre);
            first_line(msg, eg_buf_str(&pre),
                       d->conns[0].h ? PQerrorMessage(d->conns[0].h) : "out of memory");
            eg_buf_release(&pre);
        }
        PQfinish(d->conns[0].h);
        d->conns[0].h = NULL;
        db->drv->close(db);
        return EG_EUNAVAIL;
    }
    return EG_OK;
}

static void
pg_close(struct eg_db *db)
{
    struct pg_db *d = db->impl;
    if (!d)
        return;
    for (int i = 0; i < d->size; i++) {
        conn_drop_cache(&d->conns[i]);
        PQfinish(d->conns[i].h);
    }
    pthread_mutex_destroy(&d->lock);
    pthread_cond_destroy(&d->freed);
    free(d->conns);
    free(d->conninfo);
    free(d);
    db->impl = NULL;
}

static struct pg_conn *
take_free(struct pg_db *d)
{
    /* Prefer a connection that is already open. */
    for (int i = 0; i < d->size; i++)
        if (!d->conns[i].busy && d->conns[i].h)
            return &d->conns[i];
    for (int i = 0; i < d->size; i++)
        if (!d->conns[i].busy)
            return &d->conns[i];
    return NULL;
}

static enum eg_err
checkout(struct pg_db *d, struct pg_conn **out)
{
    pthread_mutex_lock(&d->lock);
    struct pg_conn *c = take_free(d);
    if (!c) {
        atomic_fetch_add(&d->waits, 1);
        int64_t t0 = eg_mono_ns();
        struct timespec until;
        clock_gettime(CLOCK_REALTIME, &until);
        until.tv_sec += d->busy_ms / 1000;
        until.tv_nsec += (long)(d->busy_ms % 1000) * 1000000L;
        if (until.tv_nsec >= 1000000000L) {
            until.tv_sec++;
            until.tv_nsec -= 1000000000L;
        }
        while (!(c = take_free(d))) {
            if (pthread_cond_timedwait(&d->freed, &d->lock, &until) == ETIMEDOUT)
                break;
        }
        atomic_fetch_add(&d->wait_ns, (unsigned long long)(eg_mono_ns() - t0));
    }
    if (c) {
        c->busy = true;
        d->in_use++;
    }
    pthread_mutex_unlock(&d->lock);
    if (!c)
        return EG_EBUSY;
    atomic_fetch_add(&d->checkouts, 1);
    /* Connect lazily, and repair a connection the server dropped. */
    if (!c->h) {
        c->h = connect_one(d->conninfo);
    } else if (PQstatus(c->h) != CONNECTION_OK) {
        conn_drop_cache(c);
        PQreset(c->h);
        atomic_fetch_add(&d->reconnects, 1);
    }
    if (!c->h || PQstatus(c->h) != CONNECTION_OK) {
        conn_drop_cache(c);
        PQfinish(c->h);
        c->h = NULL;
        pthread_mutex_lock(&d->lock);
        c->busy = false;
        d->in_use--;
        pthread_cond_signal(&d->freed);
        pthread_mutex_unlock(&d->lock);
        return EG_EUNAVAIL;
    }
    *out = c;
    return EG_OK;
}

static void
checkin(struct pg_db *d, struct pg_conn *c)
{
    pthread_mutex_lock(&d->lock);
    c->busy = false;
    d->in_use--;
    pthread_cond_signal(&d->freed);
    pthread_mutex_unlock(&d->lock);
}

static enum eg_err
simple(struct pg_tx *tx, const char *sql)
{
    PGresult *res = PQexec(tx->conn->h, sql);
    ExecStatusType s = PQresultStatus(res);
    enum eg_err rc = EG_OK;
    if (s != PGRES_COMMAND_OK && s != PGRES_TUPLES_OK && s != PGRES_EMPTY_QUERY)
        rc = res_fail(tx, res);
    PQclear(res);
    return rc;
}

static enum eg_err
pg_begin(struct eg_db *db, enum eg_tx_mode mode, struct eg_tx **out)
{
    struct pg_db *d = db->impl;
    struct pg_tx *tx = calloc(1, sizeof(*tx));
    if (!tx)
        return EG_ENOMEM;
    enum eg_err rc = checkout(d, &tx->conn);
    if (rc != EG_OK) {
        free(tx);
        return rc;
    }
    tx->base.db = db;
    tx->base.mode = mode;
    if (mode == EG_TX_WRITE) {
        rc = simple(tx, "BEGIN");
        if (rc != EG_OK) {
            checkin(d, tx->conn);
            free(tx);
            return rc;
        }
        tx->in_block = true;
    }
    *out = &tx->base;
    return EG_OK;
}

static void
stmt_clear_result(struct pg_stmt *st)
{
    PQclear(st->res);
    st->res = NULL;
    free_blobs(st);
    st->row = -1;
    st->ran = false;
}

static void
tx_end(struct pg_tx *tx)
{
    struct pg_stmt *st = tx->used;
    while (st) {
        struct pg_stmt *next = st->next_used;
        stmt_clear_result(st);
        if (st->cached) {
            for (int i = 0; i < st->nparams; i++) {
                free(st->values[i]);
                st->values[i] = NULL;
            }
            st->in_use = false;
        } else {
            stmt_free(st, NULL);
        }
        st = next;
    }
    checkin(tx->base.db->impl, tx->conn);
    free(tx);
}

static enum eg_err
pg_commit(struct eg_tx *t)
{
    struct pg_tx *tx = (struct pg_tx *)t;
    enum eg_err rc = EG_OK;
    if (tx->in_block) {
        PGresult *res = PQexec(tx->conn->h, "COMMIT");
        if (PQresultStatus(res) != PGRES_COMMAND_OK) {
            rc = res_fail(tx, res);
        } else if (strcmp(PQcmdStatus(res), "ROLLBACK") == 0) {
            /* A statement failed earlier and the server rolled the work back. */
            eg_tx_set_errmsg(t, "the transaction was rolled back by the server");
            rc = EG_EIO;
        }
        PQclear(res);
    }
    tx_end(tx);
    return rc;
}

static void
pg_rollback(struct eg_tx *t)
{
    struct pg_tx *tx = (struct pg_tx *)t;
    if (tx->in_block && PQstatus(tx->conn->h) == CONNECTION_OK)
        (void)simple(tx, "ROLLBACK");
    tx_end(tx);
}

static enum eg_err
pg_exec(struct eg_tx *t, const char *sql)
{
    return simple((struct pg_tx *)t, sql);
}

static enum eg_err
stmt_alloc_params(struct pg_stmt *st, int n)
{
    st->nparams = n;
    if (n == 0)
        return EG_OK;
    st->values = calloc((size_t)n, sizeof(*st->values));
    st->lengths = calloc((size_t)n, sizeof(*st->lengths));
    st->formats = calloc((size_t)n, sizeof(*st->formats));
    return st->values && st->lengths && st->formats ? EG_OK : EG_ENOMEM;
}

static enum eg_err
pg_prepare(struct eg_tx *t, const char *sql, struct eg_stmt **out)
{
    struct pg_tx *tx = (struct pg_tx *)t;
    struct pg_conn *c = tx->conn;
    struct pg_stmt *st = eg_stmt_cache_get(&c->cache, sql);
    if (!st || st->in_use) {
        bool cache = !st;
        struct eg_buf text = EG_BUF_INIT(1 << 20);
        int n = 0;
        enum eg_err rc = eg_sql_to_pg(sql, &text, &n);
        st = calloc(1, sizeof(*st));
        if (rc == EG_OK && !st)
            rc = EG_ENOMEM;
        if (rc == EG_OK)
            rc = stmt_alloc_params(st, n);
        if (rc != EG_OK) {
            eg_buf_release(&text);
            if (st)
                stmt_free(st, NULL);
            return rc;
        }
        snprintf(st->name, sizeof(st->name), "eg%u", c->next_name++);
        PGresult *res = PQprepare(c->h, st->name, eg_buf_str(&text), n, NULL);
        eg_buf_release(&text);
        if (PQresultStatus(res) != PGRES_COMMAND_OK) {
            rc = res_fail(tx, res);
            PQclear(res);
            stmt_free(st, NULL);
            return rc;
        }
        PQclear(res);
        if (cache && eg_stmt_cache_put(&c->cache, sql, st) == EG_OK)
            st->cached = true;
    }
    st->base.tx = t;
    st->base.changes = 0;
    st->base.ncols = 0;
    st->row = -1;
    st->ran = false;
    st->in_use = true;
    st->next_used = tx->used;
    tx->used = st;
    *out = &st->base;
    return EG_OK;
}

static enum eg_err
pg_bind(struct eg_stmt *s, int idx, const struct eg_db_value *v)
{
    struct pg_stmt *st = (struct pg_stmt *)s;
    if (idx > st->nparams)
        return EG_EINTERNAL;
    int i = idx - 1;
    free(st->values[i]);
    st->values[i] = NULL;
    st->lengths[i] = 0;
    st->formats[i] = 0;
    char num[64];
    const char *p = NULL;
    size_t n = 0;
    switch (v->type) {
    case EG_DBV_NULL:
        return EG_OK;
    case EG_DBV_I64:
        n = (size_t)snprintf(num, sizeof(num), "%lld", (long long)v->i);
        p = num;
        break;
    case EG_DBV_DOUBLE:
        n = (size_t)snprintf(num, sizeof(num), "%.17g", v->d);
        p = num;
        break;
    case EG_DBV_TEXT:
        if (memchr(v->p, '\0', v->n))
            return EG_EINVAL; /* PostgreSQL text cannot hold NUL */
        p = v->p;
        n = v->n;
        break;
    case EG_DBV_BLOB:
        p = v->p;
        n = v->n;
        st->formats[i] = 1;
        break;
    }
    if (n > (size_t)1 << 30)
        return EG_ETOOBIG;
    st->values[i] = malloc(n + 1);
    if (!st->values[i])
        return EG_ENOMEM;
    memcpy(st->values[i], p, n);
    st->values[i][n] = '\0';
    st->lengths[i] = (int)n;
    return EG_OK;
}

static enum eg_err
pg_step(struct eg_stmt *s, bool *row)
{
    struct pg_stmt *st = (struct pg_stmt *)s;
    struct pg_tx *tx = (struct pg_tx *)s->tx;
    if (!st->ran) {
        PQclear(st->res);
        st->res = PQexecPrepared(tx->conn->h, st->name, st->nparams,
                                 (const char *const *)st->values, st->lengths, st->formats, 0);
        st->ran = true;
        st->row = -1;
        ExecStatusType es = PQresultStatus(st->res);
        if (es == PGRES_COMMAND_OK) {
            const char *t = PQcmdTuples(st->res);
            s->changes = *t ? strtoll(t, NULL, 10) : 0;
            s->ncols = 0;
        } else if (es == PGRES_TUPLES_OK) {
            /* Rows changed only by INSERT/UPDATE/DELETE ... RETURNING, not by a SELECT. */
            const char *tag = PQcmdStatus(st->res);
            const char *t = PQcmdTuples(st->res);
            bool dml = strncmp(tag, "INSERT", 6) == 0 || strncmp(tag, "UPDATE", 6) == 0 ||
                       strncmp(tag, "DELETE", 6) == 0 || strncmp(tag, "MERGE", 5) == 0;
            s->changes = dml && *t ? strtoll(t, NULL, 10) : 0;
            s->ncols = PQnfields(st->res);
        } else {
            enum eg_err rc = res_fail(tx, st->res);
            stmt_clear_result(st);
            return rc;
        }
    }
    free_blobs(st);
    if (st->res && st->row + 1 < PQntuples(st->res)) {
        st->row++;
        *row = true;
        return EG_OK;
    }
    /* Done: the next step runs the statement again, like SQLite after reset. */
    PQclear(st->res);
    st->res = NULL;
    st->ran = false;
    return EG_OK;
}

static void
pg_reset(struct eg_stmt *s)
{
    struct pg_stmt *st = (struct pg_stmt *)s;
    stmt_clear_result(st);
    for (int i = 0; i < st->nparams; i++) {
        free(st->values[i]);
        st->values[i] = NULL;
    }
}

static bool
has_row(const struct pg_stmt *st)
{
    return st->res && st->row >= 0 && st->row < PQntuples(st->res);
}

static bool
pg_is_null(const struct eg_stmt *s, int col)
{
    const struct pg_stmt *st = (const struct pg_stmt *)s;
    return !has_row(st) || PQgetisnull(st->res, st->row, col);
}

static const char *
pg_text(const struct eg_stmt *s, int col)
{
    const struct pg_stmt *st = (const struct pg_stmt *)s;
    if (pg_is_null(s, col))
        return NULL;
    return PQgetvalue(st->res, st->row, col);
}

static size_t
pg_len(const struct eg_stmt *s, int col)
{
    const struct pg_stmt *st = (const struct pg_stmt *)s;
    if (pg_is_null(s, col))
        return 0;
    return (size_t)PQgetlength(st->res, st->row, col);
}

static int64_t
pg_i64(const struct eg_stmt *s, int col)
{
    const char *t = pg_text(s, col);
    return t ? strtoll(t, NULL, 10) : 0;
}

static double
pg_dbl(const struct eg_stmt *s, int col)
{
    const char *t = pg_text(s, col);
    return t ? strtod(t, NULL) : 0;
}

static const void *
pg_blob(struct eg_stmt *s, int col, size_t *n)
{
    struct pg_stmt *st = (struct pg_stmt *)s;
    const char *t = pg_text(s, col);
    if (!t)
        return NULL;
    if (col >= st->nblobs) {
        unsigned char **v = realloc(st->blobs, (size_t)(col + 1) * sizeof(*v));
        if (!v)
            return NULL;
        for (int i = st->nblobs; i <= col; i++)
            v[i] = NULL;
        st->blobs = v;
        st->nblobs = col + 1;
    }
    PQfreemem(st->blobs[col]);
    st->blobs[col] = PQunescapeBytea((const unsigned char *)t, n);
    return st->blobs[col];
}

static enum eg_err
pg_ping(struct eg_db *db)
{
    struct eg_tx *tx;
    enum eg_err rc = pg_begin(db, EG_TX_READ, &tx);
    if (rc != EG_OK)
        return rc;
    rc = pg_exec(tx, "SELECT 1");
    pg_rollback(tx);
    return rc;
}

static enum eg_err
pg_metrics(struct eg_db *db, struct eg_buf *out)
{
    struct pg_db *d = db->impl;
    int open = 0, in_use;
    pthread_mutex_lock(&d->lock);
    for (int i = 0; i < d->size; i++)
        open += d->conns[i].h != NULL;
    in_use = d->in_use;
    pthread_mutex_unlock(&d->lock);
    return eg_buf_printf(
        out,
        "# HELP egov_db_pool_size Connections the pool may open.\n"
        "# TYPE egov_db_pool_size gauge\n"
        "egov_db_pool_size{driver=\"postgres\"} %d\n"
        "# HELP egov_db_connections Open database connections by role.\n"
        "# TYPE egov_db_connections gauge\n"
        "egov_db_connections{driver=\"postgres\",role=\"pool\"} %d\n"
        "# HELP egov_db_connections_in_use Connections running a transaction now.\n"
        "# TYPE egov_db_connections_in_use gauge\n"
        "egov_db_connections_in_use{driver=\"postgres\",role=\"pool\"} %d\n"
        "# HELP egov_db_checkouts_total Connections taken from the pool.\n"
        "# TYPE egov_db_checkouts_total counter\n"
        "egov_db_checkouts_total{driver=\"postgres\"} %llu\n"
        "# HELP egov_db_waits_total Transactions that had to wait for a connection.\n"
        "# TYPE egov_db_waits_total counter\n"
        "egov_db_waits_total{driver=\"postgres\"} %llu\n"
        "# HELP egov_db_wait_seconds_total Time spent waiting for a connection.\n"
        "# TYPE egov_db_wait_seconds_total counter\n"
        "egov_db_wait_seconds_total{driver=\"postgres\"} %.6f\n"
        "# HELP egov_db_reconnects_total Connections re-established after a loss.\n"
        "# TYPE egov_db_reconnects_total counter\n"
        "egov_db_reconnects_total{driver=\"postgres\"} %llu\n"
        "# HELP egov_db_errors_total Statements that failed.\n"
        "# TYPE egov_db_errors_total counter\n"
        "egov_db_errors_total{driver=\"postgres\"} %llu\n",
        d->size, open, in_use, atomic_load(&d->checkouts), atomic_load(&d->waits),
        (double)atomic_load(&d->wait_ns) / 1e9, atomic_load(&d->reconnects),
        atomic_load(&d->errors));
}

const struct eg_db_driver eg_db_pg_driver = {
    .open = pg_open,
    .close = pg_close,
    .begin = pg_begin,
    .commit = pg_commit,
    .rollback = pg_rollback,
    .exec = pg_exec,
    .prepare = pg_prepare,
    .bind = pg_bind,
    .step = pg_step,
    .reset = pg_reset,
    .is_null = pg_is_null,
    .text = pg_text,
    .len = pg_len,
    .i64 = pg_i64,
    .dbl = pg_dbl,
    .blob = pg_blob,
    .ping = pg_ping,
    .metrics = pg_metrics,
};
