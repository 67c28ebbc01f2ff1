/*
 * test_entry.c - one entry: the exact leaf bytes, digit masking (a personal
 * identification number never reaches the log), field checks (control
 * characters, invalid UTF-8, lengths, the action grammar), the canonical
 * detail, and that an append commits or rolls back with the caller's tx.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "audittest.h"

static void
assert_masked(const char *in, const char *want)
{
    struct eg_buf b = EG_BUF_INIT(1024);
    assert_int_equal(eg_audit_mask_digits(in, strlen(in), &b), EG_OK);
    assert_string_equal(eg_buf_str(&b), want);
    eg_buf_release(&b);
}

static void
test_mask(void **state)
{
    (void)state;
    assert_masked("001234567789", "001******789");
    assert_masked("citizen:001234567890", "citizen:001******890");
    assert_masked("123456789", "123***789");
    assert_masked("12345678", "12345678"); /* 8 digits: a date, a small number */
    assert_masked("tax 0101234567 and 0101234567001.", "tax 010****567 and 010*******001.");
    assert_masked("000.00.04.H41", "000.00.04.H41");
    assert_masked("", "");
    assert_masked("a1b2c3", "a1b2c3");
}

static void
test_outcome(void **state)
{
    (void)state;
    enum eg_audit_outcome o;
    assert_string_equal(eg_audit_outcome_str(EG_AUDIT_SUCCESS), "success");
    assert_string_equal(eg_audit_outcome_str(EG_AUDIT_FAILURE), "failure");
    assert_string_equal(eg_audit_outcome_str(EG_AUDIT_DENIED), "denied");
    assert_string_equal(eg_audit_outcome_str((enum eg_audit_outcome)9), "unknown");
    assert_int_equal(eg_audit_outcome_parse("denied", &o), EG_OK);
    assert_int_equal(o, EG_AUDIT_DENIED);
    assert_int_equal(eg_audit_outcome_parse("Denied", &o), EG_EINVAL);
    assert_int_equal(eg_audit_outcome_parse(NULL, &o), EG_EINVAL);
}

/* The leaf is documented byte for byte in docs/audit.md; this is that example. */
static void
test_leaf_bytes(void **state)
{
    (void)state;
    struct eg_audit_row r = {
        .seq = 7,
        .ts_ms = 1767225600000LL,
        .actor = EG_STR("account:42"),
        .action = EG_STR("auth.login"),
        .object = EG_STR("account:42"),
        .outcome = EG_STR("success"),
        .remote = EG_STR("203.0.113.7"),
        .request_id = EG_STR("a1-0000002a"),
        .detail = EG_STR("{\"method\":\"password\",\"note\":\"Đã \\\"ok\\\"\"}"),
    };
    struct eg_buf b = EG_BUF_INIT(4096);
    assert_int_equal(eg_audit_leaf_bytes(&r, &b), EG_OK);
    assert_string_equal(eg_buf_str(&b),
                        "{\"action\":\"auth.login\",\"actor\":\"account:42\",\"detail\":"
                        "\"{\\\"method\\\":\\\"password\\\",\\\"note\\\":\\\"Đã "
                        "\\\\\\\"ok\\\\\\\"\\\"}\",\"object\":\"account:42\",\"outcome\":"
                        "\"success\",\"remote\":\"203.0.113.7\",\"request_id\":\"a1-0000002a\","
                        "\"seq\":7,\"ts_ms\":1767225600000}");
    unsigned char h[32], want[32];
    assert_int_equal(eg_audit_row_hash(&r, h), EG_OK);
    eg_audit_leaf_hash(b.p, b.len, want);
    assert_memory_equal(h, want, 32);
    /* The worked example of docs/audit.md, hash and all. */
    r.detail = EG_STR("{\"method\":\"password\"}");
    assert_int_equal(eg_audit_row_hash(&r, h), EG_OK);
    char hex[65];
    eg_hex(h, 32, hex);
    assert_string_equal(hex, "b512ac7b3438a1371deb79f1e20c05415e4b06d506778918f3fbf7aa5c45c605");
    /* No detail is JSON null; control bytes (only a tampered row has them) are escaped. */
    r.detail = (struct eg_str){NULL, 0};
    r.actor = EG_STR("a\n\x01\t");
    eg_buf_reset(&b);
    assert_int_equal(eg_audit_leaf_bytes(&r, &b), EG_OK);
    assert_non_null(strstr(eg_buf_str(&b), "\"actor\":\"a\\n\\u0001\\t\",\"detail\":null,"));
    eg_buf_release(&b);
}

/* ---- through the database ----------------------------------------------------------- */

static enum eg_err
append(struct fx *f, const struct eg_audit_event *e)
{
    struct eg_tx *tx = dbt_begin(f->t->db, EG_TX_WRITE);
    enum eg_err rc = eg_audit_append(tx, e, f->now);
    if (rc == EG_OK)
        rc = eg_tx_commit(tx);
    else
        eg_tx_rollback(tx);
    return rc;
}

static const struct eg_audit_event good = {
    .actor = "account:42",
    .action = "auth.login",
    .object = "account:42",
    .outcome = EG_AUDIT_SUCCESS,
    .remote = "203.0.113.7",
    .request_id = "a1-0000002a",
};

static void
test_refused(void **state)
{
    struct fx *f = fx_get(state);
    char long_actor[EG_AUDIT_ACTOR_MAX + 2];
    memset(long_actor, 'a', sizeof(long_actor) - 1);
    long_actor[sizeof(long_actor) - 1] = '\0';
    char long_detail[EG_AUDIT_DETAIL_MAX + 64];
    snprintf(long_detail, sizeof(long_detail), "{\"x\":\"%0*d\"}", EG_AUDIT_DETAIL_MAX, 0);
    for (size_t i = 0; i < strlen(long_detail); i++)
        if (long_detail[i] == '0')
            long_detail[i] = 'x';
    struct {
        const char *field;
        const char *value;
    } bad[] = {
        {"actor", NULL},
        {"actor", ""},
        {"actor", "account:42\nadmin"},
        {"actor", "account\x1b[31m"},
        {"actor", "bad \xc3\x28 utf8"},
        {"actor", "c1 \xc2\x9b control"},
        {"actor", "del \x7f"},
        {"actor", long_actor},
        {"action", NULL},
        {"action", "login"},
        {"action", "Auth.login"},
        {"action", "auth..login"},
        {"action", "auth.login."},
        {"action", ".auth"},
        {"action", "auth.1login"},
        {"action", "auth.log-in"},
        {"object", ""},
        {"object", "org_unit:\r\n"},
        {"remote", "203.0.113.7 x"},
        {"remote", ""},
        {"remote", "\"1.2.3.4\""},
        {"request_id", "id\n"},
        {"detail", "[1,2]"},
        {"detail", "\"text\""},
        {"detail", "{\"a\":1,\"a\":2}"},
        {"detail", "{\"a\":"},
        {"detail", "{\"c1\":\"\xc2\x85\"}"},
        {"detail", "{\"del\":\"\x7f\"}"},
        {"detail", long_detail},
    };
    for (size_t i = 0; i < EG_ARRAY_LEN(bad); i++) {
        struct eg_audit_event e = good;
        if (strcmp(bad[i].field, "actor") == 0)
            e.actor = bad[i].value;
        else if (strcmp(bad[i].field, "action") == 0)
            e.action = bad[i].value;
        else if (strcmp(bad[i].field, "object") == 0)
            e.object = bad[i].value;
        else if (strcmp(bad[i].field, "remote") == 0)
            e.remote = bad[i].value;
        else if (strcmp(bad[i].field, "request_id") == 0)
            e.request_id = bad[i].value;
        else
            e.detail = bad[i].value;
        if (append(f, &e) != EG_EINVAL)
            fail_msg("case %zu (%s) was accepted", i, bad[i].field);
    }
    struct eg_audit_event e = good;
    e.outcome = (enum eg_audit_outcome)7;
    assert_int_equal(append(f, &e), EG_EINVAL);
    struct eg_tx *tx = dbt_begin(f->t->db, EG_TX_WRITE);
    assert_int_equal(eg_audit_append(tx, &good, -1), EG_EINVAL);
    eg_tx_rollback(tx);
    assert_int_equal(dbt_scalar(f->t->db, "SELECT count(*) FROM audit_entry"), 0);
    /* Defaults, Vietnamese text, escaped control characters inside detail are fine. */
    e = good;
    e.object = NULL;
    e.remote = NULL;
    e.request_id = NULL;
    e.actor = "Nguyễn Văn A";
    e.detail = "{\"login\":\"admin\\r\\n{\\\"forged\\\":1}\",\"esc\":\"\\u001b[31m\"}";
    assert_int_equal(append(f, &e), EG_OK);
    struct eg_tx *rt = dbt_begin(f->t->db, EG_TX_READ);
    struct eg_stmt *st =
        dbt_prepare(rt, "SELECT object, remote, request_id, actor, detail FROM audit_entry");
    bool row = false;
    assert_int_equal(eg_stmt_step(st, &row), EG_OK);
    assert_true(row);
    assert_string_equal(eg_stmt_text(st, 0), "-");
    assert_string_equal(eg_stmt_text(st, 1), "-");
    assert_string_equal(eg_stmt_text(st, 2), "-");
    assert_string_equal(eg_stmt_text(st, 3), "Nguyễn Văn A");
    /* One line, keys sorted, control characters escaped (RELIABILITY E3). */
    assert_string_equal(eg_stmt_text(st, 4),
                        "{\"esc\":\"\\u001B[31m\",\"login\":\"admin\\r\\n{\\\"forged\\\":1}\"}");
    eg_stmt_reset(st);
    eg_tx_rollback(rt);
    assert_intact(fx_verify_with(f, f->pk, NULL));
}

/* RELIABILITY E2: the full number never reaches any column. */
static void
test_masked_in_db(void **state)
{
    struct fx *f = fx_get(state);
    struct eg_audit_event e = good;
    e.actor = "citizen:001234567890";
    e.object = "citizen:001234567890";
    e.detail = "{\"cccd\":\"001234567890\",\"n\":1234567890123,\"r\":123456789.5,"
               "\"ok\":12345678,\"x\":0.1,\"001234567890\":[\"079203000123\",7]}";
    assert_int_equal(append(f, &e), EG_OK);
    struct eg_tx *rt = dbt_begin(f->t->db, EG_TX_READ);
    struct eg_stmt *st = dbt_prepare(rt, "SELECT actor, object, detail FROM audit_entry");
    bool row = false;
    assert_int_equal(eg_stmt_step(st, &row), EG_OK);
    assert_true(row);
    assert_string_equal(eg_stmt_text(st, 0), "citizen:001******890");
    assert_string_equal(eg_stmt_text(st, 1), "citizen:001******890");
    assert_string_equal(eg_stmt_text(st, 2),
                        "{\"001******890\":[\"079******123\",7],\"cccd\":\"001******890\","
                        "\"n\":\"123*******123\",\"ok\":12345678,\"r\":\"123***789.5\","
                        "\"x\":0.1}");
    for (int c = 0; c < 3; c++) {
        assert_null(strstr(eg_stmt_text(st, c), "1234567890"));
        assert_null(strstr(eg_stmt_text(st, c), "079203000123"));
    }
    eg_stmt_reset(st);
    eg_tx_rollback(rt);
}

/* The entry commits or rolls back with the business change; seq has no gap. */
static void
test_rollback(void **state)
{
    struct fx *f = fx_get(state);
    struct eg_tx *tx = dbt_begin(f->t->db, EG_TX_WRITE);
    assert_int_equal(eg_audit_append(tx, &good, f->now), EG_OK);
    assert_int_equal(eg_audit_append(tx, &good, f->now), EG_OK);
    eg_tx_rollback(tx);
    assert_int_equal(dbt_scalar(f->t->db, "SELECT count(*) FROM audit_entry"), 0);
    assert_int_equal(dbt_scalar(f->t->db, "SELECT tree_size FROM audit_state"), 0);
    tx = dbt_begin(f->t->db, EG_TX_WRITE);
    assert_int_equal(eg_audit_append(tx, &good, f->now), EG_OK);
    assert_int_equal(eg_audit_append(tx, &good, f->now), EG_OK);
    assert_int_equal(eg_tx_commit(tx), EG_OK);
    assert_int_equal(dbt_scalar(f->t->db, "SELECT max(seq) FROM audit_entry"), 1);
    assert_int_equal(dbt_scalar(f->t->db, "SELECT tree_size FROM audit_state"), 2);
    struct eg_audit_head h;
    assert_int_equal(eg_audit_tree_head(f->t->db, &h), EG_OK);
    assert_int_equal(h.size, 2);
    assert_intact(fx_verify_with(f, f->pk, NULL));
}

/* Triggers keep honest code from changing the log; only an attacker switches them off. */
static void
test_append_only(void **state)
{
    struct fx *f = fx_get(state);
    fx_append(f, 0, 3);
    (void)fx_checkpoint(f);
    const char *sql[] = {
        "UPDATE audit_entry SET actor = 'x' WHERE seq = 1",
        "DELETE FROM audit_entry WHERE seq = 2",
        "UPDATE audit_checkpoint SET ts_ms = 1",
        "DELETE FROM audit_checkpoint",
        "DELETE FROM audit_state",
    };
    for (size_t i = 0; i < EG_ARRAY_LEN(sql); i++) {
        struct eg_tx *tx = dbt_begin(f->t->db, EG_TX_WRITE);
        enum eg_err rc = eg_tx_exec(tx, sql[i]);
        eg_tx_rollback(tx);
        if (rc == EG_OK)
            fail_msg("%s was allowed", sql[i]);
    }
    if (f->t->kind == EG_DB_POSTGRES) {
        struct eg_tx *tx = dbt_begin(f->t->db, EG_TX_WRITE);
        assert_int_not_equal(eg_tx_exec(tx, "TRUNCATE audit_entry"), EG_OK);
        eg_tx_rollback(tx);
    }
    assert_intact(fx_verify(f));
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_mask),       cmocka_unit_test(test_outcome),
        cmocka_unit_test(test_leaf_bytes), FX_BOTH(test_refused),
        FX_BOTH(test_masked_in_db),        FX_BOTH(test_rollback),
        FX_BOTH(test_append_only),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
