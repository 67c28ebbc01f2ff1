/*
 * test_verify.c - eg_audit_verify against each kind of tampering, on SQLite and
 * PostgreSQL: a changed field or leaf hash, a deleted, inserted or reordered
 * entry (also with every hash recomputed, as an attacker who knows the format
 * would), a cut tail (also with the database's checkpoints removed: only the
 * anchor file sees it), changed, deleted or forged checkpoints, a wrong key,
 * another log's anchor, and a damaged state row. Each names the first problem.
 *
 * The log of every test: 100 entries with checkpoints at 0, 37, 64 and 100
 * (anchor lines 1 to 4).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "audittest.h"

#include <sodium.h>

static struct fx *
build(void **state)
{
    struct fx *f = fx_get(state);
    (void)fx_checkpoint(f);
    fx_append_batch(f, 0, 37);
    (void)fx_checkpoint(f);
    fx_append_batch(f, 37, 64);
    (void)fx_checkpoint(f);
    fx_append_batch(f, 64, 100);
    (void)fx_checkpoint(f);
    fx_untrigger(f);
    fx_sql(f, "CREATE TABLE audit_backup AS SELECT * FROM audit_entry;"
              " CREATE TABLE state_backup AS SELECT * FROM audit_state");
    return f;
}

/* Entries and state as build() left them. */
static void
restore(struct fx *f)
{
    fx_sql(f, "DELETE FROM audit_entry; INSERT INTO audit_entry SELECT * FROM audit_backup;"
              " DELETE FROM audit_state; INSERT INTO audit_state SELECT * FROM state_backup");
}

static void
test_intact(void **state)
{
    struct fx *f = build(state);
    struct eg_audit_report r = fx_verify(f);
    assert_intact(r);
    assert_int_equal(r.entries, 100);
    assert_int_equal(r.checkpoints, 4);
    assert_int_equal(r.anchored, 4);
    assert_int_equal(r.anchored_size, 100);
    assert_int_equal(r.anchored_ts_ms, f->now);
    assert_int_equal(r.bad_seq, -1);
    struct eg_audit_head h, c;
    assert_int_equal(eg_audit_tree_head(f->t->db, &h), EG_OK);
    assert_int_equal(eg_audit_last_checkpoint(f->t->db, &c), EG_OK);
    assert_int_equal(h.size, 100);
    assert_int_equal(c.size, 100);
    assert_memory_equal(h.root, c.root, 32);
}

static void
test_modified_field(void **state)
{
    struct fx *f = build(state);
    const char *tamper[] = {
        "UPDATE audit_entry SET ts_ms = ts_ms + 1 WHERE seq = 42",
        "UPDATE audit_entry SET actor = 'account:1' WHERE seq = 42",
        "UPDATE audit_entry SET action = 'auth.logout' WHERE seq = 42",
        "UPDATE audit_entry SET object = object || ' ' WHERE seq = 42",
        "UPDATE audit_entry SET outcome = 'denied' WHERE seq = 42",
        "UPDATE audit_entry SET remote = '198.51.100.1' WHERE seq = 42",
        "UPDATE audit_entry SET request_id = 'x' WHERE seq = 42",
        "UPDATE audit_entry SET detail = NULL WHERE seq = 42",
        "UPDATE audit_entry SET detail = '{}' WHERE seq = 44",
        "UPDATE audit_entry SET detail = replace(detail, 'khai', 'khal') WHERE seq = 42",
    };
    for (size_t i = 0; i < EG_ARRAY_LEN(tamper); i++) {
        fx_sql(f, tamper[i]);
        struct eg_audit_report r = fx_verify(f);
        int64_t seq = strstr(tamper[i], "seq = 44") ? 44 : 42;
        char where[32];
        snprintf(where, sizeof(where), "entry %lld", (long long)seq);
        assert_broken(r, EG_AUDIT_BAD_ENTRY, where);
        assert_string_equal(r.what, "its fields do not match its hash");
        assert_int_equal(r.bad_seq, seq);
        assert_int_equal(r.entries, seq);
        restore(f);
        assert_intact(fx_verify(f));
    }
}

static void
test_modified_leaf(void **state)
{
    struct fx *f = build(state);
    fx_sql(f, "UPDATE audit_entry SET leaf_hash = (SELECT leaf_hash FROM audit_backup WHERE seq = "
              "43) WHERE seq = 42");
    struct eg_audit_report r = fx_verify(f);
    assert_broken(r, EG_AUDIT_BAD_ENTRY, "entry 42");
    restore(f);
    /* Fields and hash changed together: the signed root at 64 no longer matches. */
    fx_sql(f, "UPDATE audit_entry SET outcome = 'denied' WHERE seq = 42");
    fx_rehash(f, true);
    r = fx_verify(f);
    assert_broken(r, EG_AUDIT_BAD_CHECKPOINT, "checkpoint 64");
    assert_string_equal(r.what, "the entries before it do not hash to its signed root: an entry "
                                "from 37 to 63 was changed, inserted, deleted or reordered");
    assert_int_equal(r.bad_size, 64);
}

static void
test_deleted(void **state)
{
    struct fx *f = build(state);
    fx_sql(f, "DELETE FROM audit_entry WHERE seq = 42");
    struct eg_audit_report r = fx_verify(f);
    assert_broken(r, EG_AUDIT_BAD_ENTRY, "entry 42");
    assert_string_equal(r.what, "it is missing: the entry after 41 is 43 (deleted)");
    restore(f);
    fx_sql(f, "DELETE FROM audit_entry WHERE seq = 0");
    r = fx_verify(f);
    assert_broken(r, EG_AUDIT_BAD_ENTRY, "entry 0");
    restore(f);
    /* Deleted and the rest renumbered and rehashed. */
    fx_sql(f, "DELETE FROM audit_entry WHERE seq = 42;"
              " UPDATE audit_entry SET seq = seq + 1000000 WHERE seq > 42;"
              " UPDATE audit_entry SET seq = seq - 1000001 WHERE seq > 1000000");
    fx_rehash(f, true);
    r = fx_verify(f);
    assert_broken(r, EG_AUDIT_BAD_CHECKPOINT, "checkpoint 64");
}

static void
test_inserted(void **state)
{
    struct fx *f = build(state);
    /* In the middle: the later entries move up one, every hash and the state recomputed. */
    fx_sql(f, "UPDATE audit_entry SET seq = seq + 1000000 WHERE seq >= 50;"
              " UPDATE audit_entry SET seq = seq - 999999 WHERE seq >= 1000000;"
              " INSERT INTO audit_entry SELECT 50, ts_ms, 'account:1', action, object, outcome,"
              " remote, request_id, detail, leaf_hash FROM audit_backup WHERE seq = 49");
    fx_rehash(f, true);
    struct eg_audit_report r = fx_verify(f);
    assert_broken(r, EG_AUDIT_BAD_CHECKPOINT, "checkpoint 64");
    restore(f);
    /* At the end, with a correct hash but the state left alone. */
    fx_sql(f, "INSERT INTO audit_entry SELECT 100, ts_ms, actor, action, object, outcome, remote,"
              " request_id, detail, leaf_hash FROM audit_backup WHERE seq = 99");
    r = fx_verify(f);
    assert_broken(r, EG_AUDIT_BAD_ENTRY, "entry 100");
    assert_string_equal(r.what, "its fields do not match its hash");
    fx_rehash(f, false);
    r = fx_verify(f);
    assert_broken(r, EG_AUDIT_BAD_ENTRY, "entry 100");
    assert_string_equal(r.what, "it is not counted in the log state: it was added after the fact");
}

/*
 * The documented limit (docs/audit.md): someone with write access to the
 * database who appends a well-formed entry after the newest checkpoint and
 * updates the state is indistinguishable from egov itself until... never; the
 * next checkpoint signs it. Checkpoints bound the window, they cannot close it.
 */
static void
test_tail_forgery_is_the_known_limit(void **state)
{
    struct fx *f = build(state);
    fx_sql(f, "INSERT INTO audit_entry SELECT 100, ts_ms, actor, action, object, outcome, remote,"
              " request_id, detail, leaf_hash FROM audit_backup WHERE seq = 99");
    fx_rehash(f, true);
    assert_intact(fx_verify(f));
}

static void
test_swapped(void **state)
{
    struct fx *f = build(state);
    const char *swap = "UPDATE audit_entry SET (ts_ms, actor, action, object, outcome, remote,"
                       " request_id, detail, leaf_hash) = (SELECT ts_ms, actor, action, object,"
                       " outcome, remote, request_id, detail, leaf_hash FROM audit_backup b"
                       " WHERE b.seq = CASE audit_entry.seq WHEN 10 THEN 20 ELSE 10 END)"
                       " WHERE seq IN (10, 20)";
    fx_sql(f, swap);
    struct eg_audit_report r = fx_verify(f);
    assert_broken(r, EG_AUDIT_BAD_ENTRY, "entry 10");
    /* Swapped and rehashed: the first signed root over them breaks. */
    fx_rehash(f, true);
    r = fx_verify(f);
    assert_broken(r, EG_AUDIT_BAD_CHECKPOINT, "checkpoint 37");
    assert_string_equal(r.what, "the entries before it do not hash to its signed root: an entry "
                                "from 0 to 36 was changed, inserted, deleted or reordered");
}

static void
test_truncated(void **state)
{
    struct fx *f = build(state);
    /* The entries go, nothing else: the database's own checkpoint at 100 sees it. */
    fx_sql(f, "DELETE FROM audit_entry WHERE seq >= 80");
    struct eg_audit_report r = fx_verify(f);
    assert_broken(r, EG_AUDIT_BAD_ENTRY, "entry 80");
    assert_string_equal(r.what, "it is missing: checkpoint 100 covers 100 entries but the log "
                                "ends after 80 (its tail was cut off)");
    assert_int_equal(r.bad_size, 100);
    /* The state rewound and the database's checkpoints deleted: only the anchor knows. */
    fx_rehash(f, true);
    fx_sql(f, "DELETE FROM audit_checkpoint WHERE tree_size > 80");
    r = fx_verify(f);
    assert_broken(r, EG_AUDIT_BAD_ENTRY, "entry 80");
    assert_string_equal(r.what, "it is missing: the anchored checkpoint 100 covers 100 entries "
                                "but the log ends after 80 (its tail was cut off)");
    /* Without the anchor the cut is invisible, which is why the anchor exists. */
    assert_intact(fx_verify_with(f, f->pk, NULL));
    /* The whole log deleted, checkpoints too, state reset: the anchor still has them all. */
    fx_sql(f, "DELETE FROM audit_entry; DELETE FROM audit_checkpoint");
    fx_rehash(f, true);
    r = fx_verify(f);
    assert_broken(r, EG_AUDIT_BAD_CHECKPOINT, "checkpoint 0 (anchor line 1)");
    assert_string_equal(r.what, "it is missing from the database: a checkpoint was deleted");
}

static void
test_checkpoint_tampered(void **state)
{
    struct fx *f = build(state);
    fx_sql(f, "CREATE TABLE cp_backup AS SELECT * FROM audit_checkpoint");
    const char *undo =
        "DELETE FROM audit_checkpoint; INSERT INTO audit_checkpoint SELECT * FROM cp_backup";
    struct {
        const char *sql;
        const char *where;
    } cases[] = {
        {"UPDATE audit_checkpoint SET root_hash = (SELECT root_hash FROM cp_backup WHERE "
         "tree_size = 37) WHERE tree_size = 64",
         "checkpoint 64"},
        {"UPDATE audit_checkpoint SET ts_ms = ts_ms + 1 WHERE tree_size = 64", "checkpoint 64"},
        {"UPDATE audit_checkpoint SET signature = (SELECT signature FROM cp_backup WHERE "
         "tree_size = 37) WHERE tree_size = 64",
         "checkpoint 64"},
        {"UPDATE audit_checkpoint SET signature = root_hash WHERE tree_size = 64", "checkpoint 64"},
        {"DELETE FROM audit_checkpoint WHERE tree_size = 64", "checkpoint 64 (anchor line 3)"},
        {"DELETE FROM audit_checkpoint WHERE tree_size = 0", "checkpoint 0 (anchor line 1)"},
        {"UPDATE audit_checkpoint SET tree_size = 65 WHERE tree_size = 64",
         "checkpoint 64 (anchor line 3)"},
    };
    for (size_t i = 0; i < EG_ARRAY_LEN(cases); i++) {
        fx_sql(f, cases[i].sql);
        struct eg_audit_report r = fx_verify(f);
        assert_broken(r, EG_AUDIT_BAD_CHECKPOINT, cases[i].where);
        fx_sql(f, undo);
        assert_intact(fx_verify(f));
    }
    /* A forged signature: 64 random bytes. */
    unsigned char sig[64];
    randombytes_buf(sig, sizeof(sig));
    struct eg_tx *tx = dbt_begin(f->t->db, EG_TX_WRITE);
    struct eg_stmt *st =
        dbt_prepare(tx, "UPDATE audit_checkpoint SET signature = ? WHERE tree_size = 100");
    bool row;
    assert_int_equal(eg_stmt_bind_blob(st, 1, sig, sizeof(sig)), EG_OK);
    assert_int_equal(eg_stmt_step(st, &row), EG_OK);
    assert_int_equal(eg_tx_commit(tx), EG_OK);
    struct eg_audit_report r = fx_verify(f);
    assert_broken(r, EG_AUDIT_BAD_CHECKPOINT, "checkpoint 100");
    assert_non_null(strstr(r.what, "signature does not verify"));
}

static void
test_wrong_key(void **state)
{
    struct fx *f = build(state);
    unsigned char pk[32], sk[64];
    crypto_sign_ed25519_keypair(pk, sk);
    struct eg_audit_report r = fx_verify_with(f, pk, f->anchor);
    assert_broken(r, EG_AUDIT_BAD_CHECKPOINT, "checkpoint 0");
    assert_int_equal(r.entries, 0);
}

/* Appends a correctly signed line for another log to the anchor file. */
static void
test_anchor_of_another_log(void **state)
{
    struct fx *f = build(state);
    struct eg_audit_anchor_line l = {.size = 64, .ts_ms = 5};
    snprintf(l.origin, sizeof(l.origin), "egov-audit/0000000000000000");
    memset(l.root, 7, sizeof(l.root));
    struct eg_buf text = EG_BUF_INIT(1024), line = EG_BUF_INIT(1024);
    assert_int_equal(eg_audit_checkpoint_text(l.origin, l.size, l.root, l.ts_ms, &text), EG_OK);
    crypto_sign_ed25519_detached(l.sig, NULL, (const unsigned char *)text.p, text.len, f->a->sk);
    assert_int_equal(eg_audit_anchor_format(&l, &line), EG_OK);
    assert_int_equal(eg_audit_anchor_append(f->anchor, line.p, line.len, NULL), EG_OK);
    struct eg_audit_report r = fx_verify(f);
    assert_broken(r, EG_AUDIT_BAD_CHECKPOINT, "checkpoint 64 (anchor line 5)");
    assert_non_null(strstr(r.what, "belongs to another audit log"));
    eg_buf_release(&text);
    eg_buf_release(&line);
}

static void
write_file(const char *path, const char *mode, const char *text)
{
    FILE *fp = fopen(path, mode);
    assert_non_null(fp);
    fputs(text, fp);
    fclose(fp);
}

static void
test_anchor_file(void **state)
{
    struct fx *f = build(state);
    char saved[4096];
    FILE *fp = fopen(f->anchor, "r");
    assert_non_null(fp);
    size_t n = fread(saved, 1, sizeof(saved) - 1, fp);
    saved[n] = '\0';
    fclose(fp);
    /* A line changed by hand: its signature fails. */
    char buf[4096];
    memcpy(buf, saved, n + 1);
    char *l3 = strchr(strchr(buf, '\n') + 1, '\n') + 1;
    char *size_at = strstr(l3, " 64 ");
    assert_non_null(size_at);
    size_at[2] = '5'; /* "64" -> "65" */
    write_file(f->anchor, "w", buf);
    struct eg_audit_report r = fx_verify(f);
    assert_broken(r, EG_AUDIT_BAD_CHECKPOINT, "checkpoint 65 (anchor line 3)");
    /* Missing: a cut tail could hide, so that is a fault. */
    assert_int_equal(unlink(f->anchor), 0);
    r = fx_verify(f);
    assert_broken(r, EG_AUDIT_BAD_ANCHOR, "the anchor file");
    /* A line that is not a checkpoint. */
    write_file(f->anchor, "w", saved);
    assert_intact(fx_verify(f));
    write_file(f->anchor, "a", "rm -rf /\n");
    r = fx_verify(f);
    assert_broken(r, EG_AUDIT_BAD_ANCHOR, "anchor line 5");
    /* Comments, blank lines and a last line cut short by a crash are not faults. */
    write_file(f->anchor, "w", saved);
    write_file(f->anchor, "a",
               "# moved to WORM storage on 2026-01-02\n\negov-audit-checkpoint-v1 e");
    assert_intact(fx_verify(f));
    /* The next checkpoint closes the cut line and starts its own. */
    fx_append(f, 100, 110);
    (void)fx_checkpoint(f);
    struct eg_audit_report r2 = fx_verify(f);
    assert_intact(r2);
    assert_int_equal(r2.anchored, 5);
    assert_int_equal(r2.anchored_size, 110);
}

static void
test_state(void **state)
{
    struct fx *f = build(state);
    fx_sql(f, "CREATE TABLE st_backup AS SELECT * FROM audit_state");
    const char *undo = "DELETE FROM audit_state; INSERT INTO audit_state SELECT * FROM st_backup";
    fx_sql(f, "UPDATE audit_state SET tree_size = 99");
    struct eg_audit_report r = fx_verify(f);
    assert_broken(r, EG_AUDIT_BAD_STATE, "the log state");
    assert_string_equal(r.what, "its row is damaged");
    fx_sql(f, undo);
    fx_sql(f, "DELETE FROM audit_state");
    r = fx_verify(f);
    assert_broken(r, EG_AUDIT_BAD_STATE, "the log state");
    assert_string_equal(r.what, "its row is missing");
    fx_sql(f, undo);
    fx_sql(f, "UPDATE audit_state SET log_id = 'another'");
    r = fx_verify(f);
    assert_broken(r, EG_AUDIT_BAD_CHECKPOINT, "checkpoint 0");
    fx_sql(f, undo);
    /* The right length, the wrong hashes. */
    unsigned char junk[96] = {1, 2, 3};
    struct eg_tx *tx = dbt_begin(f->t->db, EG_TX_WRITE);
    struct eg_stmt *st = dbt_prepare(tx, "UPDATE audit_state SET frontier = ?");
    bool row;
    assert_int_equal(eg_stmt_bind_blob(st, 1, junk, sizeof(junk)), EG_OK);
    assert_int_equal(eg_stmt_step(st, &row), EG_OK);
    assert_int_equal(eg_tx_commit(tx), EG_OK);
    r = fx_verify(f);
    assert_broken(r, EG_AUDIT_BAD_STATE, "the log state");
    assert_string_equal(r.what, "its hashes do not match the entries");
    fx_sql(f, undo);
    assert_intact(fx_verify(f));
}

/* A checkpoint refuses to sign a log shorter than its newest checkpoint. */
static void
test_checkpoint_refuses_truncated(void **state)
{
    struct fx *f = build(state);
    fx_sql(f, "DELETE FROM audit_entry WHERE seq >= 80");
    fx_rehash(f, true);
    struct eg_buf msg = EG_BUF_INIT(1024);
    struct eg_audit_head h;
    assert_int_equal(eg_audit_checkpoint(f->a, f->t->db, f->now + 5, &h, &msg), EG_ECONFLICT);
    assert_non_null(strstr(eg_buf_str(&msg), "truncated"));
    assert_false(h.written);
    eg_buf_release(&msg);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        FX_BOTH(test_intact),
        FX_BOTH(test_modified_field),
        FX_BOTH(test_modified_leaf),
        FX_BOTH(test_deleted),
        FX_BOTH(test_inserted),
        FX_BOTH(test_tail_forgery_is_the_known_limit),
        FX_BOTH(test_swapped),
        FX_BOTH(test_truncated),
        FX_BOTH(test_checkpoint_tampered),
        FX_BOTH(test_wrong_key),
        FX_BOTH(test_anchor_of_another_log),
        FX_BOTH(test_anchor_file),
        FX_BOTH(test_state),
        FX_BOTH(test_checkpoint_refuses_truncated),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
