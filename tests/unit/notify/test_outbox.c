/*
 * test_outbox.c - the durable outbox and the notifier against a real SMTP
 * server process (aiosmtpd), on SQLite always and on PostgreSQL when
 * EGOV_TEST_PG_URL is set.
 *
 * The clock is driven by hand through eg_notifier_run_once(): a mail server
 * down for an hour loses nothing and, once back, gets the message exactly
 * once; a 550 is dead at once; a rolled-back transaction sends nothing; a
 * duplicate dedupe key is EG_ECONFLICT and leaves the transaction usable; an
 * expired lease is reclaimed with the same Message-ID; a stale claimer is
 * fenced off. Two notifier threads on two handles never send a row twice,
 * stopping finishes the message in progress, and no password reaches the
 * log or the table.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "db/dbtest.h"
#include "notify/notify_int.h"
#include "notify/smtptest.h"

#include <pthread.h>

#define T0 1767225600000LL /* 2026-01-01T00:00:00Z */
#define SEC 1000LL
#define FROM "noreply@dichvucong.example.vn"
#define SECRET "Pw-Zebra-S3cret-42"

static struct smtpd srv; /* one server for the file, restarted by the test that stops it */
static char srv_url[64];

static int
group_setup(void **state)
{
    (void)state;
    smtpd_init(&srv, NULL);
    smtpd_start(&srv);
    snprintf(srv_url, sizeof(srv_url), "smtp://127.0.0.1:%d", srv.port);
    return 0;
}

static int
group_teardown(void **state)
{
    (void)state;
    smtpd_destroy(&srv);
    return 0;
}

static int
setup(void **state)
{
    if (srv.pid <= 0)
        smtpd_start(&srv);
    smtpd_clear(&srv);
    return dbt_setup_migrated(state);
}

#define BOTH(fn) DBT_BOTH(fn, setup)

/* ---- helpers ------------------------------------------------------------------------- */

static struct eg_notify_config
ncfg(const char *url)
{
    struct eg_notify_config c = {
        .smtp = {.url = url, .from = FROM, .from_name = "Cổng dịch vụ công", .timeout_ms = 5000},
        .no_jitter = true};
    return c;
}

static struct eg_notifier *
notifier(struct eg_db *db, const struct eg_notify_config *c)
{
    struct eg_notifier *n = NULL;
    struct eg_buf err = EG_BUF_INIT(512);
    enum eg_err rc = eg_notifier_new(db, c, &n, &err);
    if (rc != EG_OK)
        fail_msg("eg_notifier_new: %s", eg_buf_str(&err));
    eg_buf_release(&err);
    return n;
}

static void
add_email(struct eg_db *db, const char *key, const char *to, int64_t now)
{
    struct eg_tx *tx = dbt_begin(db, EG_TX_WRITE);
    enum eg_err rc = eg_outbox_add_email(tx, key, to, "Nguyễn Văn An", "Hồ sơ đã được tiếp nhận",
                                         "Kính gửi ông/bà,\nHồ sơ đã được tiếp nhận.\n", NULL, now);
    if (rc != EG_OK)
        fail_msg("eg_outbox_add_email(%s): %s", key, eg_strerror(rc));
    assert_int_equal(eg_tx_commit(tx), EG_OK);
}

static int
run(struct eg_notifier *n, int64_t now)
{
    int sent = -1;
    assert_int_equal(eg_notifier_run_once(n, now, &sent), EG_OK);
    return sent;
}

/* The text in the first column of the only row of sql, copied into out. */
static void
text_of(struct eg_db *db, const char *sql, char *out, size_t n)
{
    struct eg_tx *tx = dbt_begin(db, EG_TX_READ);
    struct eg_stmt *st = dbt_prepare(tx, sql);
    bool row = false;
    assert_int_equal(eg_stmt_step(st, &row), EG_OK);
    assert_true(row);
    const char *s = eg_stmt_text(st, 0);
    snprintf(out, n, "%s", s ? s : "");
    eg_tx_rollback(tx);
}

static int64_t
count_state(struct eg_db *db, const char *state)
{
    char sql[128];
    snprintf(sql, sizeof(sql), "SELECT count(*) FROM outbox WHERE state = '%s'", state);
    struct eg_tx *tx = dbt_begin(db, EG_TX_READ);
    int64_t v = dbt_scalar_tx(tx, sql);
    eg_tx_rollback(tx);
    return v;
}

/* How many received messages carry this Message-ID. */
static int
received_with_id(const char *msgid)
{
    json_t *all = smtpd_messages(&srv);
    int k = 0;
    for (size_t i = 0; i < json_array_size(all); i++)
        k += strcmp(smtpd_field(json_array_get(all, i), "message_id"), msgid) == 0;
    json_decref(all);
    return k;
}

/* ---- tests ------------------------------------------------------------------------- */

static void
test_add_commit_send(void **state)
{
    struct dbt *t = dbt_get(state);
    struct eg_notify_config c = ncfg(srv_url);
    struct eg_notifier *n = notifier(t->db, &c);
    struct eg_tx *tx = dbt_begin(t->db, EG_TX_WRITE);
    json_t *p = json_pack("{s:s, s:s, s:s, s:s, s:s}", "to", "an@example.vn", "to_name",
                          "Nguyễn Văn An", "subject", "Thông báo kết quả", "text",
                          "Kết quả đã sẵn sàng.\n", "html", "<p>Kết quả đã sẵn sàng.</p>\n");
    assert_int_equal(eg_outbox_add(tx, "email", "result:1", p, T0), EG_OK);
    json_decref(p);
    assert_int_equal(eg_outbox_add_email(tx, "result:2", "binh@example.vn", NULL, "Thông báo 2",
                                         "Hai.\n", NULL, T0),
                     EG_OK);
    assert_int_equal(eg_tx_commit(tx), EG_OK);
    add_email(t->db, "result:3", "chi@example.vn", T0);
    assert_int_equal(count_state(t->db, "queued"), 3);

    assert_int_equal(run(n, T0), 3);
    assert_int_equal(count_state(t->db, "sent"), 3);
    assert_int_equal(dbt_scalar(t->db, "SELECT sum(attempts) FROM outbox"), 3);
    assert_int_equal(dbt_scalar(t->db, "SELECT min(sent_ms) FROM outbox"), T0);
    assert_int_equal(smtpd_count(&srv), 3);
    char id[300];
    text_of(t->db, "SELECT message_id FROM outbox WHERE dedupe_key = 'result:1'", id, sizeof(id));
    assert_int_equal(received_with_id(id), 1);
    json_t *all = smtpd_messages(&srv);
    bool seen = false;
    for (size_t i = 0; i < json_array_size(all); i++) {
        json_t *m = json_array_get(all, i);
        if (strcmp(smtpd_field(m, "message_id"), id) != 0)
            continue;
        seen = true;
        assert_string_equal(smtpd_field(m, "to_name"), "Nguyễn Văn An");
        assert_string_equal(smtpd_field(m, "subject"), "Thông báo kết quả");
        assert_string_equal(smtpd_field(m, "html"), "<p>Kết quả đã sẵn sàng.</p>\n");
        assert_string_equal(smtpd_field(m, "from_name"), "Cổng dịch vụ công");
    }
    assert_true(seen);
    json_decref(all);

    /* Nothing more to do, ever. */
    assert_int_equal(run(n, T0 + 3600 * SEC), 0);
    assert_int_equal(smtpd_count(&srv), 3);
    eg_notifier_stop(n);
}

static void
test_rollback_sends_nothing(void **state)
{
    struct dbt *t = dbt_get(state);
    struct eg_notify_config c = ncfg(srv_url);
    struct eg_notifier *n = notifier(t->db, &c);
    struct eg_tx *tx = dbt_begin(t->db, EG_TX_WRITE);
    assert_int_equal(eg_outbox_add_email(tx, "k", "a@example.vn", NULL, "s", "t", NULL, T0), EG_OK);
    eg_tx_rollback(tx);
    assert_int_equal(dbt_scalar(t->db, "SELECT count(*) FROM outbox"), 0);
    assert_int_equal(run(n, T0 + 3600 * SEC), 0);
    assert_int_equal(smtpd_count(&srv), 0);
    eg_notifier_stop(n);
}

static void
test_duplicate_key(void **state)
{
    struct dbt *t = dbt_get(state);
    add_email(t->db, "verify:42:1", "a@example.vn", T0);
    struct eg_tx *tx = dbt_begin(t->db, EG_TX_WRITE);
    assert_int_equal(
        eg_outbox_add_email(tx, "verify:42:1", "a@example.vn", NULL, "s", "t", NULL, T0),
        EG_ECONFLICT);
    /* The tx is still good (PostgreSQL would have aborted it on a raised unique violation). */
    assert_int_equal(
        eg_outbox_add_email(tx, "verify:42:2", "a@example.vn", NULL, "s", "t", NULL, T0), EG_OK);
    assert_int_equal(
        eg_outbox_add_email(tx, "verify:42:2", "a@example.vn", NULL, "s", "t", NULL, T0),
        EG_ECONFLICT);
    assert_int_equal(eg_tx_commit(tx), EG_OK);
    assert_int_equal(dbt_scalar(t->db, "SELECT count(*) FROM outbox"), 2);
    struct eg_notify_config c = ncfg(srv_url);
    struct eg_notifier *n = notifier(t->db, &c);
    assert_int_equal(run(n, T0), 2);
    assert_int_equal(smtpd_count(&srv), 2);
    eg_notifier_stop(n);
}

static void
test_invalid_refused(void **state)
{
    struct dbt *t = dbt_get(state);
    struct eg_tx *tx = dbt_begin(t->db, EG_TX_WRITE);
    assert_int_equal(eg_outbox_add_email(tx, "k1", "not an address", NULL, "s", "t", NULL, T0),
                     EG_EINVAL);
    assert_int_equal(eg_outbox_add_email(tx, "k2", "a@example.vn", NULL, "s\r\nBcc: x@example.vn",
                                         "t", NULL, T0),
                     EG_EINVAL);
    assert_int_equal(eg_outbox_add_email(tx, "", "a@example.vn", NULL, "s", "t", NULL, T0),
                     EG_EINVAL);
    assert_int_equal(eg_outbox_add_email(tx, "k\n3", "a@example.vn", NULL, "s", "t", NULL, T0),
                     EG_EINVAL);
    assert_int_equal(eg_outbox_add_email(tx, "k4", "a@example.vn", NULL, "s", NULL, NULL, T0),
                     EG_EINVAL);
    json_t *p = json_pack("{s:s, s:s, s:s, s:s}", "to", "a@example.vn", "subject", "s", "text", "t",
                          "bcc", "x@example.vn");
    assert_int_equal(eg_outbox_add(tx, "email", "k5", p, T0), EG_EINVAL);
    assert_int_equal(json_object_del(p, "bcc"), 0);
    assert_int_equal(eg_outbox_add(tx, "fax", "k6", p, T0), EG_EINVAL);
    assert_int_equal(eg_outbox_add(tx, "email", "k7", p, T0), EG_OK);
    json_decref(p);
    p = json_array();
    assert_int_equal(eg_outbox_add(tx, "email", "k8", p, T0), EG_EINVAL);
    json_decref(p);
    assert_int_equal(eg_tx_commit(tx), EG_OK);
    assert_int_equal(dbt_scalar(t->db, "SELECT count(*) FROM outbox"), 1);
}

/* ARCHITECTURE §3 / issue 5: down for an hour, nothing lost, nothing sent twice. */
/*
 * eg_outbox_add_email writes the payload's JSON itself: it must be what jansson
 * writes for the same object (so eg_outbox_add and it store alike) and read back
 * by eg_outbox_email_from_json as the same message - quotes, backslashes, line
 * breaks, control characters and Vietnamese text included.
 */
static void
test_email_payload_text(void **state)
{
    struct dbt *t = dbt_get(state);
    static const char *const texts[] = {
        "Kính gửi ông/bà \"Nguyễn\",\nHồ sơ C:\\giấy tờ\t đã nhận.\r\n\x01 </script> \u00e9",
        "",
        "x",
    };
    static const char subject[] = "Thông báo \"hồ sơ\" số 1";
    for (size_t i = 0; i < sizeof(texts) / sizeof(texts[0]); i++) {
        char key[16];
        snprintf(key, sizeof(key), "payload:%zu", i);
        const char *name = i == 1 ? NULL : "Trần \"Bình\"";
        const char *html = i == 2 ? NULL : "<p>Xin chào &amp; \"hẹn\" gặp</p>";
        struct eg_tx *tx = dbt_begin(t->db, EG_TX_WRITE);
        assert_int_equal(
            eg_outbox_add_email(tx, key, "binh@example.vn", name, subject, texts[i], html, T0),
            EG_OK);
        assert_int_equal(eg_tx_commit(tx), EG_OK);
        char sql[96], got[4096];
        snprintf(sql, sizeof(sql), "SELECT payload FROM outbox WHERE dedupe_key = '%s'", key);
        text_of(t->db, sql, got, sizeof(got));
        json_t *want = json_pack("{s:s, s:s, s:s}", "to", "binh@example.vn", "subject", subject,
                                 "text", texts[i]);
        if (name)
            json_object_set_new(want, "to_name", json_string(name));
        if (html)
            json_object_set_new(want, "html", json_string(html));
        struct eg_buf dumped = EG_BUF_INIT(1 << 20);
        assert_int_equal(eg_json_dump(want, &dumped), EG_OK);
        assert_string_equal(got, eg_buf_str(&dumped));
        json_t *back = NULL;
        assert_int_equal(eg_json_parse(got, strlen(got), &back, NULL), EG_OK);
        struct eg_mail m;
        assert_int_equal(eg_outbox_email_from_json(back, &m, NULL), EG_OK);
        assert_string_equal(m.text, texts[i]);
        assert_string_equal(m.subject, subject);
        if (name)
            assert_string_equal(m.to_name, name);
        else
            assert_null(m.to_name);
        json_decref(back);
        json_decref(want);
        eg_buf_release(&dumped);
    }
}

static void
test_server_down_for_an_hour(void **state)
{
    struct dbt *t = dbt_get(state);
    struct eg_notify_config c = ncfg(srv_url);
    struct eg_notifier *n = notifier(t->db, &c);
    smtpd_stop(&srv);
    add_email(t->db, "down:1", "a@example.vn", T0);

    assert_int_equal(run(n, T0), 0);
    char id_first[300], err[600];
    text_of(t->db, "SELECT message_id FROM outbox", id_first, sizeof(id_first));
    text_of(t->db, "SELECT last_error FROM outbox", err, sizeof(err));
    assert_contains(err, "cannot reach the mail server");
    assert_int_equal(dbt_scalar(t->db, "SELECT next_attempt_ms FROM outbox"), T0 + 30 * SEC);
    assert_int_equal(count_state(t->db, "queued"), 1);

    /* An hour of the clock, looked at every 10 s. Backing off 30 s, 1, 2, 4, 8, 16, 32 min,
     * the retries come at 0:30, 1:30, 3:30, 7:30, 15:30 and 31:30 (min:s), the next at 63:30. */
    for (int64_t now = T0; now <= T0 + 3600 * SEC; now += 10 * SEC)
        assert_int_equal(run(n, now), 0);
    assert_int_equal(dbt_scalar(t->db, "SELECT attempts FROM outbox"), 7);
    assert_int_equal(dbt_scalar(t->db, "SELECT next_attempt_ms FROM outbox"), T0 + 3810 * SEC);
    assert_int_equal(count_state(t->db, "queued"), 1);

    smtpd_start(&srv);                            /* back, on the same port */
    assert_int_equal(run(n, T0 + 3700 * SEC), 0); /* not due yet */
    assert_int_equal(run(n, T0 + 3810 * SEC), 1);
    assert_int_equal(count_state(t->db, "sent"), 1);
    assert_int_equal(dbt_scalar(t->db, "SELECT attempts FROM outbox"), 8);
    assert_int_equal(run(n, T0 + 5 * 3600 * SEC), 0);
    assert_int_equal(run(n, T0 + 48 * 3600 * SEC), 0);
    assert_int_equal(smtpd_count(&srv), 1);
    /* Every attempt carried the Message-ID given at the first claim. */
    char id_last[300];
    text_of(t->db, "SELECT message_id FROM outbox", id_last, sizeof(id_last));
    assert_string_equal(id_first, id_last);
    assert_int_equal(received_with_id(id_first), 1);
    eg_notifier_stop(n);
}

static void
test_permanent_rejection(void **state)
{
    struct dbt *t = dbt_get(state);
    struct eg_notify_config c = ncfg(srv_url);
    struct eg_notifier *n = notifier(t->db, &c);
    add_email(t->db, "bad:1", "reject-me@example.vn", T0);
    assert_int_equal(run(n, T0), 0);
    assert_int_equal(count_state(t->db, "dead"), 1);
    assert_int_equal(dbt_scalar(t->db, "SELECT attempts FROM outbox"), 1);
    char err[600];
    text_of(t->db, "SELECT last_error FROM outbox", err, sizeof(err));
    assert_contains(err, "550");
    assert_int_equal(run(n, T0 + 24 * 3600 * SEC), 0);
    assert_int_equal(dbt_scalar(t->db, "SELECT attempts FROM outbox"), 1);
    assert_int_equal(smtpd_count(&srv), 0);
    eg_notifier_stop(n);
}

static void
test_temporary_rejection(void **state)
{
    struct dbt *t = dbt_get(state);
    struct eg_notify_config c = ncfg(srv_url);
    struct eg_notifier *n = notifier(t->db, &c);
    add_email(t->db, "busy:1", "tempfail-me@example.vn", T0);
    assert_int_equal(run(n, T0), 0);
    assert_int_equal(count_state(t->db, "queued"), 1);
    assert_int_equal(dbt_scalar(t->db, "SELECT next_attempt_ms FROM outbox"), T0 + 30 * SEC);
    char err[600];
    text_of(t->db, "SELECT last_error FROM outbox", err, sizeof(err));
    assert_contains(err, "451");
    eg_notifier_stop(n);
}

static void
test_gives_up(void **state)
{
    struct dbt *t = dbt_get(state);
    char url[64];
    snprintf(url, sizeof(url), "smtp://127.0.0.1:%d", smtpd_free_port());
    struct eg_notify_config c = ncfg(url);
    c.max_attempts = 3;
    struct eg_notifier *n = notifier(t->db, &c);
    add_email(t->db, "gone:1", "a@example.vn", T0);
    assert_int_equal(run(n, T0), 0);
    assert_int_equal(run(n, T0 + 30 * SEC), 0);
    assert_int_equal(count_state(t->db, "queued"), 1);
    assert_int_equal(run(n, T0 + 90 * SEC), 0);
    assert_int_equal(count_state(t->db, "dead"), 1);
    assert_int_equal(dbt_scalar(t->db, "SELECT attempts FROM outbox"), 3);
    /* Older than max_age (24 h) when it fails: dead at the first failure. */
    add_email(t->db, "old:1", "a@example.vn", T0);
    assert_int_equal(run(n, T0 + 25 * 3600 * SEC), 0);
    assert_int_equal(count_state(t->db, "dead"), 2);
    eg_notifier_stop(n);
}

/* A process claimed a row and died: the row is sent after the lease, with its Message-ID. */
static void
test_expired_lease(void **state)
{
    struct dbt *t = dbt_get(state);
    add_email(t->db, "lease:1", "a@example.vn", T0);
    struct eg_outbox_row rows[4] = {{0}};
    int k = 0;
    assert_int_equal(eg_outbox_claim(t->db, "email", T0, EG_NOTIFY_LEASE_MS, FROM, 4, rows, &k),
                     EG_OK);
    assert_int_equal(k, 1);
    char dead_id[300];
    snprintf(dead_id, sizeof(dead_id), "%s", rows[0].message_id);
    eg_outbox_row_release(&rows[0]); /* ... and the process is gone */

    struct eg_notify_config c = ncfg(srv_url);
    struct eg_notifier *n = notifier(t->db, &c);
    assert_int_equal(run(n, T0 + 1000), 0);
    assert_int_equal(run(n, T0 + EG_NOTIFY_LEASE_MS - 1), 0);
    assert_int_equal(count_state(t->db, "sending"), 1);
    assert_int_equal(smtpd_count(&srv), 0);
    assert_int_equal(run(n, T0 + EG_NOTIFY_LEASE_MS), 1);
    assert_int_equal(count_state(t->db, "sent"), 1);
    assert_int_equal(dbt_scalar(t->db, "SELECT attempts FROM outbox"), 2);
    assert_int_equal(received_with_id(dead_id), 1);
    eg_notifier_stop(n);
}

/* A claimer whose lease ran out cannot record an outcome over the next claimer's. */
static void
test_stale_claim_fenced(void **state)
{
    struct dbt *t = dbt_get(state);
    add_email(t->db, "fence:1", "a@example.vn", T0);
    struct eg_outbox_row a = {0}, b = {0};
    int k = 0;
    assert_int_equal(eg_outbox_claim(t->db, "email", T0, 60 * SEC, FROM, 1, &a, &k), EG_OK);
    assert_int_equal(k, 1);
    /* Within the lease nobody else gets it. */
    assert_int_equal(eg_outbox_claim(t->db, "email", T0 + 59 * SEC, 60 * SEC, FROM, 1, &b, &k),
                     EG_OK);
    assert_int_equal(k, 0);
    assert_int_equal(eg_outbox_claim(t->db, "email", T0 + 60 * SEC, 60 * SEC, FROM, 1, &b, &k),
                     EG_OK);
    assert_int_equal(k, 1);
    assert_string_equal(a.message_id, b.message_id);
    assert_int_equal(b.attempts, a.attempts + 1);
    bool fenced = false;
    assert_int_equal(eg_outbox_finish(t->db, &a, EG_OUTBOX_RETRY, T0, "late", &fenced), EG_OK);
    assert_true(fenced);
    assert_int_equal(count_state(t->db, "sending"), 1);
    assert_int_equal(eg_outbox_finish(t->db, &b, EG_OUTBOX_SENT, T0 + 61 * SEC, NULL, &fenced),
                     EG_OK);
    assert_false(fenced);
    assert_int_equal(eg_outbox_finish(t->db, &a, EG_OUTBOX_SENT, T0 + 62 * SEC, NULL, &fenced),
                     EG_OK);
    assert_true(fenced);
    assert_int_equal(dbt_scalar(t->db, "SELECT sent_ms FROM outbox"), T0 + 61 * SEC);
    eg_outbox_row_release(&a);
    eg_outbox_row_release(&b);
}

/* Two notifier threads on two handles of one database: every row exactly once. */
static void
test_two_notifiers(void **state)
{
    struct dbt *t = dbt_get(state);
    enum { ROWS = 40 };
    struct eg_db *db2 = NULL;
    dbt_open_opts(t, NULL, &db2);
    struct eg_notify_config c = ncfg(srv_url);
    c.batch = 3;
    c.poll_ms = 100;
    c.no_jitter = false;
    struct eg_notifier *n1 = NULL, *n2 = NULL;
    assert_int_equal(eg_notifier_start(t->db, &c, &n1, NULL), EG_OK);
    assert_int_equal(eg_notifier_start(db2, &c, &n2, NULL), EG_OK);
    for (int b = 0; b < ROWS / 10; b++) {
        struct eg_tx *tx = dbt_begin(b % 2 ? db2 : t->db, EG_TX_WRITE);
        for (int i = 0; i < 10; i++) {
            char key[32];
            snprintf(key, sizeof(key), "pair:%d", b * 10 + i);
            assert_int_equal(eg_outbox_add_email(tx, key, "a@example.vn", NULL, key, "x\n", NULL,
                                                 eg_clock_now_ms(&eg_clock_system)),
                             EG_OK);
        }
        assert_int_equal(eg_tx_commit(tx), EG_OK);
        eg_notifier_kick(n1);
        eg_notifier_kick(n2);
    }
    for (int i = 0; i < 6000 && count_state(t->db, "sent") < ROWS; i++)
        smtpd_sleep_ms(10);
    eg_notifier_stop(n1);
    eg_notifier_stop(n2);
    assert_int_equal(count_state(t->db, "sent"), ROWS);
    assert_int_equal(dbt_scalar(t->db, "SELECT max(attempts) FROM outbox"), 1);
    json_t *all = smtpd_messages(&srv);
    assert_int_equal(json_array_size(all), ROWS);
    for (size_t i = 0; i < json_array_size(all); i++)
        for (size_t j = i + 1; j < json_array_size(all); j++)
            assert_string_not_equal(smtpd_field(json_array_get(all, i), "message_id"),
                                    smtpd_field(json_array_get(all, j), "message_id"));
    json_decref(all);
    eg_db_close(db2);
}

/* eg_notifier_stop() lets the message in progress finish and hands the rest back. */
static void
test_stop_finishes_current(void **state)
{
    struct dbt *t = dbt_get(state);
    smtpd_mode(&srv, "slow:1");
    struct eg_notify_config c = ncfg(srv_url);
    struct eg_notifier *n = NULL;
    assert_int_equal(eg_notifier_start(t->db, &c, &n, NULL), EG_OK);
    /* Due a second ago, so the thread's next pass claims all three at once. */
    int64_t due = eg_clock_now_ms(&eg_clock_system) - 1000;
    struct eg_tx *tx = dbt_begin(t->db, EG_TX_WRITE);
    for (int i = 0; i < 3; i++) {
        char key[32];
        snprintf(key, sizeof(key), "stop:%d", i);
        assert_int_equal(eg_outbox_add_email(tx, key, "a@example.vn", NULL, key, "x\n", NULL, due),
                         EG_OK);
    }
    assert_int_equal(eg_tx_commit(tx), EG_OK);
    eg_notifier_kick(n);
    for (int i = 0; i < 500 && count_state(t->db, "sending") < 3; i++)
        smtpd_sleep_ms(10);
    assert_int_equal(count_state(t->db, "sending"), 3);
    eg_notifier_stop(n); /* while the first message waits for its 250 */
    assert_int_equal(count_state(t->db, "sending"), 0);
    assert_int_equal(count_state(t->db, "sent"), 1);
    assert_int_equal(count_state(t->db, "queued"), 2);
    assert_int_equal(dbt_scalar(t->db, "SELECT max(attempts) FROM outbox WHERE state = 'queued'"),
                     0);
    assert_int_equal(smtpd_count(&srv), 1);
}

static void
test_password_never_logged(void **state)
{
    struct dbt *t = dbt_get(state);
    struct smtpd auth;
    smtpd_init(&auth, "sender:" SECRET);
    smtpd_start(&auth);
    char logpath[] = "/tmp/egov_notify_log_XXXXXX";
    int fd = mkstemp(logpath);
    assert_true(fd >= 0);
    eg_log_setup(EG_LOG_DEBUG, fd);

    char url[256];
    snprintf(url, sizeof(url), "smtp://sender:Wrong-%s@127.0.0.1:%d", SECRET, auth.port);
    struct eg_notify_config c = ncfg(url);
    c.smtp.user = "sender";
    c.smtp.password = "Wrong-" SECRET;
    struct eg_notifier *n = NULL;
    assert_int_equal(eg_notifier_start(t->db, &c, &n, NULL), EG_OK); /* logs its URL */
    eg_notifier_stop(n);
    n = notifier(t->db, &c);
    add_email(t->db, "pw:1", "a@example.vn", T0);
    assert_int_equal(run(n, T0), 0);
    eg_notifier_stop(n);
    char err[600];
    text_of(t->db, "SELECT last_error FROM outbox", err, sizeof(err));
    assert_contains(err, "refused the login");
    assert_not_contains(err, SECRET);
    assert_int_equal(count_state(t->db, "queued"), 1); /* a login problem is retried */

    /* With the right password it goes, and the log still holds no password. */
    snprintf(url, sizeof(url), "smtp://127.0.0.1:%d", auth.port);
    c.smtp.url = url;
    c.smtp.password = SECRET;
    n = notifier(t->db, &c);
    assert_int_equal(run(n, T0 + 30 * SEC), 1);
    eg_notifier_stop(n);
    assert_int_equal(smtpd_count(&auth), 1);

    eg_log_setup(EG_LOG_INFO, 2);
    close(fd);
    FILE *f = fopen(logpath, "r");
    assert_non_null(f);
    static char log[1 << 16];
    size_t len = fread(log, 1, sizeof(log) - 1, f);
    log[len] = '\0';
    fclose(f);
    unlink(logpath);
    assert_contains(log, "refused the login");
    assert_contains(log, "sending mail through smtp://127.0.0.1:");
    assert_contains(log, "sent as <");
    assert_not_contains(log, SECRET);
    assert_not_contains(log, "a@example.vn"); /* nor the recipient */
    smtpd_destroy(&auth);
}

static void
test_metrics(void **state)
{
    struct dbt *t = dbt_get(state);
    struct eg_notify_config c = ncfg(srv_url);
    struct eg_notifier *n = notifier(t->db, &c);
    add_email(t->db, "m:1", "a@example.vn", T0);
    add_email(t->db, "m:2", "b@example.vn", T0);
    add_email(t->db, "m:3", "reject-c@example.vn", T0);
    add_email(t->db, "m:4", "tempfail-d@example.vn", T0);
    assert_int_equal(run(n, T0), 2);
    add_email(t->db, "m:5", "e@example.vn", T0);
    struct eg_outbox_row r = {0};
    int k = 0;
    assert_int_equal(eg_outbox_claim(t->db, "email", T0, 60 * SEC, FROM, 1, &r, &k), EG_OK);
    assert_int_equal(k, 1);
    eg_outbox_row_release(&r);
    struct eg_buf out = EG_BUF_INIT(1 << 16);
    assert_int_equal(eg_notify_metrics(t->db, &out), EG_OK);
    assert_contains(eg_buf_str(&out), "# TYPE egov_outbox_queued gauge\n");
    assert_contains(eg_buf_str(&out), "egov_outbox_queued{channel=\"email\"} 1\n");
    assert_contains(eg_buf_str(&out), "egov_outbox_sending{channel=\"email\"} 1\n");
    assert_contains(eg_buf_str(&out), "egov_outbox_dead{channel=\"email\"} 1\n");
    assert_contains(eg_buf_str(&out), "# TYPE egov_outbox_sent_total counter\n");
    assert_contains(eg_buf_str(&out), "egov_outbox_sent_total{channel=\"email\"} 2\n");
    eg_buf_release(&out);
    eg_notifier_stop(n);
}

static void
test_config_refused(void **state)
{
    struct dbt *t = dbt_get(state);
    struct eg_notifier *n = NULL;
    struct eg_buf err = EG_BUF_INIT(512);
    struct eg_notify_config c = ncfg("http://127.0.0.1:1");
    assert_int_equal(eg_notifier_new(t->db, &c, &n, &err), EG_EINVAL);
    assert_contains(eg_buf_str(&err), "smtp://");
    c = ncfg(srv_url);
    c.smtp.from = "nobody";
    assert_int_equal(eg_notifier_start(t->db, &c, &n, &err), EG_EINVAL);
    c = ncfg(srv_url);
    c.lease_ms = 10 * SEC; /* shorter than a send may take */
    assert_int_equal(eg_notifier_new(t->db, &c, &n, &err), EG_EINVAL);
    assert_contains(eg_buf_str(&err), "lease");
    assert_null(n);
    eg_notifier_stop(NULL);
    eg_notifier_kick(NULL);
    eg_buf_release(&err);
}

/*
 * The claim reads only what it takes: with 3,000 notices waiting for a mail
 * server that is down, SQLite answers "the oldest due rows of this channel"
 * from outbox_due_channel in order, not by sorting every queued row (which it
 * did through outbox_state, inside a write transaction, on every claim). The
 * query text is due_ids()'s in src/notify/outbox.c.
 */
static void
test_claim_plan(void **state)
{
    struct dbt *t = dbt_get(state);
    if (t->kind != EG_DB_SQLITE)
        skip();
    struct eg_tx *tx = dbt_begin(t->db, EG_TX_WRITE);
    for (int i = 0; i < 3000; i++) {
        char sql[256];
        snprintf(sql, sizeof(sql),
                 "INSERT INTO outbox (channel, dedupe_key, payload, state, attempts, created_ms, "
                 "next_attempt_ms) VALUES ('email', 'k%d', '{}', 'queued', 1, 0, %d)",
                 i, 1000000 + i);
        struct eg_stmt *st = dbt_prepare(tx, sql);
        bool row;
        assert_int_equal(eg_stmt_step(st, &row), EG_OK);
    }
    assert_int_equal(eg_tx_commit(tx), EG_OK);
    /* As deployed (no statistics), then after ANALYZE. */
    for (int pass = 0; pass < 2; pass++) {
        if (pass == 1) {
            tx = dbt_begin(t->db, EG_TX_WRITE);
            assert_int_equal(eg_tx_exec(tx, "ANALYZE"), EG_OK);
            assert_int_equal(eg_tx_commit(tx), EG_OK);
        }
        tx = dbt_begin(t->db, EG_TX_READ);
        struct eg_stmt *st = dbt_prepare(
            tx, "EXPLAIN QUERY PLAN SELECT id FROM outbox WHERE state IN ('queued', 'sending') AND "
                "next_attempt_ms <= ? AND channel = ? ORDER BY next_attempt_ms, id LIMIT ?");
        bool row = true, indexed = false, sorted = false;
        char plan[1024] = "";
        while (eg_stmt_step(st, &row) == EG_OK && row) {
            const char *d = eg_stmt_text(st, 3);
            snprintf(plan + strlen(plan), sizeof(plan) - strlen(plan), "%s; ", d ? d : "");
            indexed = indexed || (d && strstr(d, "outbox_due_channel"));
            sorted = sorted || (d && strstr(d, "TEMP B-TREE"));
        }
        eg_tx_rollback(tx);
        if (!indexed || sorted)
            fail_msg("the claim's plan (pass %d): %s", pass, plan);
    }
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        BOTH(test_add_commit_send),
        BOTH(test_rollback_sends_nothing),
        BOTH(test_duplicate_key),
        BOTH(test_invalid_refused),
        BOTH(test_email_payload_text),
        BOTH(test_server_down_for_an_hour),
        BOTH(test_permanent_rejection),
        BOTH(test_temporary_rejection),
        BOTH(test_gives_up),
        BOTH(test_expired_lease),
        BOTH(test_stale_claim_fenced),
        BOTH(test_two_notifiers),
        BOTH(test_stop_finishes_current),
        BOTH(test_password_never_logged),
        BOTH(test_metrics),
        BOTH(test_config_refused),
        BOTH(test_claim_plan),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
