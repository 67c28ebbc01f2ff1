/*
 * audittest.h - fixtures for the audit tests: a migrated database (SQLite, or
 * PostgreSQL when EGOV_TEST_PG_URL is set, through db/dbtest.h), a temporary
 * directory holding a fresh signing key and anchor file, and helpers that
 * append entries and play the attacker (triggers off, raw SQL).
 *
 * Include after <cmocka.h>.
 */
#ifndef EG_TESTS_AUDITTEST_H
#define EG_TESTS_AUDITTEST_H

#include "db/dbtest.h"
#include "audit/audit_int.h"

struct fx {
    struct dbt *t; /* t->db is the database */
    char dir[256];
    char key[320];
    char anchor[320];
    struct eg_audit *a;
    unsigned char pk[EG_AUDIT_PUBKEY_LEN];
    int64_t now;
};

static inline int
fx_setup(void **state)
{
    void *inner = *state;          /* the dbtest prestate: which driver */
    eg_log_setup(EG_LOG_ERROR, 2); /* refusals are warnings; the tests provoke many */
    dbt_setup_migrated(&inner);
    struct fx *f = calloc(1, sizeof(*f));
    assert_non_null(f);
    f->t = inner;
    f->now = 1767225600000LL; /* 2026-01-01T00:00:00Z */
    snprintf(f->dir, sizeof(f->dir), "/tmp/egov_audit_%ld_XXXXXX", (long)getpid());
    assert_non_null(mkdtemp(f->dir));
    snprintf(f->key, sizeof(f->key), "%s/keys/audit.key", f->dir);
    snprintf(f->anchor, sizeof(f->anchor), "%s/anchor/audit-anchor.log", f->dir);
    if (!f->t->skip) {
        struct eg_audit_opts o = {.key_path = f->key, .anchor_path = f->anchor, .create_key = true};
        struct eg_buf msg = EG_BUF_INIT(1024);
        enum eg_err rc = eg_audit_open(&o, &f->a, &msg);
        if (rc != EG_OK)
            print_error("eg_audit_open: %s\n", eg_buf_str(&msg));
        eg_buf_release(&msg);
        assert_int_equal(rc, EG_OK);
        eg_audit_public_key(f->a, f->pk);
    }
    *state = f;
    return 0;
}

static inline int
fx_teardown(void **state)
{
    struct fx *f = *state;
    if (!f)
        return 0;
    eg_audit_free(f->a);
    void *inner = f->t;
    dbt_teardown(&inner);
    dbt_rm_rf(f->dir);
    free(f);
    *state = NULL;
    return 0;
}

static inline struct fx *
fx_get(void **state)
{
    struct fx *f = *state;
    if (f->t->skip) {
        print_message(DBT_SKIP_MSG);
        skip();
    }
    return f;
}

#define FX_BOTH(fn)                                                                                \
    {"sqlite/" #fn, fn, fx_setup, fx_teardown, &dbt_kind_sqlite},                                  \
    {                                                                                              \
        "pg/" #fn, fn, fx_setup, fx_teardown, &dbt_kind_pg                                         \
    }

/* The i-th entry of a varied sequence, in tx. */
static inline enum eg_err
fx_append_tx(struct fx *f, struct eg_tx *tx, int i)
{
    static const char *const actions[] = {"auth.login", "auth.login_failed", "authz.deny",
                                          "pii.read", "admin.org_unit.create"};
    static const char *const details[] = {NULL, "{\"reason\":\"wrong password\"}",
                                          "{\"name\":\"Đăng ký khai sinh\",\"q\":\"a\\\"b\\\\c\"}",
                                          "{\"n\":[1,2.5,null,true]}"};
    char actor[32], object[64], req[32];
    if (i % 7 == 0)
        snprintf(actor, sizeof(actor), "anonymous");
    else
        snprintf(actor, sizeof(actor), "account:%d", i % 13);
    snprintf(object, sizeof(object), "org_unit:000.%02d.04.H41", i % 30);
    snprintf(req, sizeof(req), "t-%08x", (unsigned)i);
    struct eg_audit_event e = {
        .actor = actor,
        .action = actions[i % 5],
        .object = object,
        .outcome = (enum eg_audit_outcome)(i % 3),
        .remote = i % 2 ? "203.0.113.7" : "2001:db8::1",
        .request_id = req,
        .detail = details[i % 4],
    };
    return eg_audit_append(tx, &e, f->now + i * 1000);
}

/* Entries from..to-1, each in a write tx of its own. */
static inline void
fx_append(struct fx *f, int from, int to)
{
    for (int i = from; i < to; i++) {
        struct eg_tx *tx = dbt_begin(f->t->db, EG_TX_WRITE);
        assert_int_equal(fx_append_tx(f, tx, i), EG_OK);
        assert_int_equal(eg_tx_commit(tx), EG_OK);
    }
}

/* Entries from..to-1 in one write tx (faster where that does not matter). */
static inline void
fx_append_batch(struct fx *f, int from, int to)
{
    struct eg_tx *tx = dbt_begin(f->t->db, EG_TX_WRITE);
    for (int i = from; i < to; i++)
        assert_int_equal(fx_append_tx(f, tx, i), EG_OK);
    assert_int_equal(eg_tx_commit(tx), EG_OK);
}

static inline struct eg_audit_head
fx_checkpoint(struct fx *f)
{
    struct eg_audit_head h;
    struct eg_buf msg = EG_BUF_INIT(1024);
    f->now += 1;
    enum eg_err rc = eg_audit_checkpoint(f->a, f->t->db, f->now, &h, &msg);
    if (rc != EG_OK)
        print_error("eg_audit_checkpoint: %s\n", eg_buf_str(&msg));
    eg_buf_release(&msg);
    assert_int_equal(rc, EG_OK);
    return h;
}

static inline struct eg_audit_report
fx_verify_with(struct fx *f, const unsigned char *pk, const char *anchor)
{
    struct eg_audit_report r;
    enum eg_err rc = eg_audit_verify(f->t->db, pk, anchor, &r);
    assert_int_equal(rc, EG_OK);
    return r;
}

static inline struct eg_audit_report
fx_verify(struct fx *f)
{
    return fx_verify_with(f, f->pk, f->anchor);
}

#define assert_intact(r)                                                                           \
    do {                                                                                           \
        const struct eg_audit_report r_ = (r);                                                     \
        if (!r_.intact)                                                                            \
            fail_msg("expected intact, got: %s: %s", r_.where, r_.what);                           \
    } while (0)

#define assert_broken(r, fault_, where_)                                                           \
    do {                                                                                           \
        const struct eg_audit_report *r_ = &(r);                                                   \
        if (r_->intact)                                                                            \
            fail_msg("expected broken at %s, but the log verified", (where_));                     \
        if (r_->fault != (fault_) || strcmp(r_->where, (where_)) != 0)                             \
            fail_msg("expected %s (fault %d), got %s (fault %d): %s", (where_), (int)(fault_),     \
                     r_->where, (int)r_->fault, r_->what);                                         \
    } while (0)

/* The attacker's first step: the append-only triggers off. */
static inline void
fx_untrigger(struct fx *f)
{
    if (f->t->kind == EG_DB_SQLITE)
        dbt_write(f->t->db,
                  "DROP TRIGGER audit_entry_no_update; DROP TRIGGER audit_entry_no_delete;"
                  " DROP TRIGGER audit_checkpoint_no_update;"
                  " DROP TRIGGER audit_checkpoint_no_delete;"
                  " DROP TRIGGER audit_state_no_delete");
    else
        dbt_write(f->t->db, "ALTER TABLE audit_entry DISABLE TRIGGER USER;"
                            " ALTER TABLE audit_checkpoint DISABLE TRIGGER USER;"
                            " ALTER TABLE audit_state DISABLE TRIGGER USER");
}

/* Runs raw SQL in a write tx of its own. */
static inline void
fx_sql(struct fx *f, const char *sql)
{
    dbt_write(f->t->db, sql);
}

/*
 * Recomputes every leaf hash (and, with state, the state row) from the stored
 * fields: an attacker who knows the leaf format but not the signing key.
 */
static inline void
fx_rehash(struct fx *f, bool state)
{
    struct eg_tx *tx = dbt_begin(f->t->db, EG_TX_WRITE);
    struct eg_stmt *st =
        dbt_prepare(tx, "SELECT seq, ts_ms, actor, action, object, outcome, "
                        "remote, request_id, detail FROM audit_entry ORDER BY seq");
    struct eg_audit_frontier *fr = malloc(sizeof(*fr));
    assert_non_null(fr);
    eg_audit_frontier_init(fr);
    int64_t n = 0;
    unsigned char(*leaves)[32] = calloc(4096, 32);
    int64_t *seqs = calloc(4096, sizeof(*seqs));
    assert_non_null(leaves);
    assert_non_null(seqs);
    bool row = false;
    for (;;) {
        assert_int_equal(eg_stmt_step(st, &row), EG_OK);
        if (!row)
            break;
        const char *d = eg_stmt_text(st, 8);
        struct eg_audit_row r = {
            .seq = eg_stmt_i64(st, 0),
            .ts_ms = eg_stmt_i64(st, 1),
            .actor = eg_str_c(eg_stmt_text(st, 2)),
            .action = eg_str_c(eg_stmt_text(st, 3)),
            .object = eg_str_c(eg_stmt_text(st, 4)),
            .outcome = eg_str_c(eg_stmt_text(st, 5)),
            .remote = eg_str_c(eg_stmt_text(st, 6)),
            .request_id = eg_str_c(eg_stmt_text(st, 7)),
            .detail = {d, d ? strlen(d) : 0},
        };
        assert_true(n < 4096);
        seqs[n] = r.seq;
        assert_int_equal(eg_audit_row_hash(&r, leaves[n]), EG_OK);
        eg_audit_frontier_push(fr, leaves[n]);
        n++;
    }
    struct eg_stmt *u = dbt_prepare(tx, "UPDATE audit_entry SET leaf_hash = ? WHERE seq = ?");
    for (int64_t i = 0; i < n; i++) {
        assert_int_equal(eg_stmt_bind_blob(u, 1, leaves[i], 32), EG_OK);
        assert_int_equal(eg_stmt_bind_i64(u, 2, seqs[i]), EG_OK);
        assert_int_equal(eg_stmt_step(u, &row), EG_OK);
    }
    if (state) {
        unsigned char enc[EG_AUDIT_LEVELS * 32];
        size_t en = eg_audit_frontier_encode(fr, enc);
        struct eg_stmt *s =
            dbt_prepare(tx, "UPDATE audit_state SET tree_size = ?, frontier = ? WHERE id = 1");
        assert_int_equal(eg_stmt_bind_i64(s, 1, fr->size), EG_OK);
        assert_int_equal(eg_stmt_bind_blob(s, 2, enc, en), EG_OK);
        assert_int_equal(eg_stmt_step(s, &row), EG_OK);
    }
    assert_int_equal(eg_tx_commit(tx), EG_OK);
    free(leaves);
    free(seqs);
    free(fr);
}

#endif /* EG_TESTS_AUDITTEST_H */
