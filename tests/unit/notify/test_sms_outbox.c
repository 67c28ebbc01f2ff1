/*
 * test_sms_outbox.c - SMS rows of the outbox sent by the notifier through a
 * real gateway process (tests/support/sms_gateway.py), on SQLite always and
 * on PostgreSQL when EGOV_TEST_PG_URL is set.
 *
 * The clock is driven by hand through eg_notifier_run_once(): a message is
 * delivered with the right text; a gateway that is down gets it later, once,
 * after retries with backoff; 400 is dead at once and never tried again;
 * 429 and 500 are retried; every attempt carries the row's idempotency key;
 * rows of a channel the notifier does not have stay queued with one warning;
 * a notice reaches both the mail server and the gateway; no token and no
 * full number reach the log or last_error.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "db/dbtest.h"
#include "notify/notify_int.h"
#include "notify/smstest.h"

#define T0 1767225600000LL /* 2026-01-01T00:00:00Z */
#define SEC 1000LL
#define TOKEN "Tok-Zebra-S3cret-77"
#define PHONE "0912 345 678"

static struct smsgw gw;
static struct smtpd mail;

static int
group_setup(void **state)
{
    (void)state;
    smsgw_init(&gw, TOKEN);
    smsgw_start(&gw);
    smtpd_init(&mail, NULL);
    smtpd_start(&mail);
    return 0;
}

static int
group_teardown(void **state)
{
    (void)state;
    smsgw_destroy(&gw);
    smtpd_destroy(&mail);
    return 0;
}

static int
setup(void **state)
{
    if (gw.pid <= 0)
        smsgw_start(&gw);
    smsgw_clear(&gw);
    smtpd_clear(&mail);
    return dbt_setup_migrated(state);
}

#define BOTH(fn) DBT_BOTH(fn, setup)

/* ---- helpers --------------------------------------------------------------------------- */

static struct eg_notify_config
sms_only(const char *provider)
{
    struct eg_notify_config c = {
        .sms = {.url = gw.url,
                .provider = provider,
                .token = TOKEN,
                .sender = strcmp(provider, "brandname") == 0 ? "UBND.NGHEAN" : "UBND Nghe An",
                .timeout_ms = 2000},
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
add_sms(struct eg_db *db, const char *key, const char *text, int64_t now)
{
    struct eg_tx *tx = dbt_begin(db, EG_TX_WRITE);
    enum eg_err rc = eg_outbox_add_sms(tx, key, PHONE, text, now);
    if (rc != EG_OK)
        fail_msg("eg_outbox_add_sms(%s): %s", key, eg_strerror(rc));
    assert_int_equal(eg_tx_commit(tx), EG_OK);
}

static int
run(struct eg_notifier *n, int64_t now)
{
    int sent = -1;
    assert_int_equal(eg_notifier_run_once(n, now, &sent), EG_OK);
    return sent;
}

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
    return dbt_scalar(db, sql);
}

static const char *
field(const json_t *r, const char *key)
{
    const char *v = json_string_value(json_object_get(r, key));
    return v ? v : "";
}

/* The row's idempotency key: the hex of its "<hex@sms.invalid>". */
static void
ref_of(struct eg_db *db, char *out, size_t n)
{
    char id[300];
    text_of(db, "SELECT message_id FROM outbox", id, sizeof(id));
    assert_int_equal(id[0], '<');
    assert_non_null(strstr(id, "@sms.invalid>"));
    snprintf(out, n, "%.*s", (int)strcspn(id + 1, "@"), id + 1);
}

/* Every request the gateway received carried this idempotency key. */
static void
assert_all_refs(const char *ref, bool form)
{
    json_t *all = smsgw_requests(&gw);
    for (size_t i = 0; i < json_array_size(all); i++)
        assert_string_equal(field(json_array_get(all, i), form ? "request_id" : "idempotency_key"),
                            ref);
    json_decref(all);
}

static char *
read_log(const char *path)
{
    static char log[1 << 16];
    FILE *f = fopen(path, "r");
    assert_non_null(f);
    size_t len = fread(log, 1, sizeof(log) - 1, f);
    log[len] = '\0';
    fclose(f);
    return log;
}

/* ---- tests ------------------------------------------------------------------------- */

static void
test_delivered(void **state)
{
    struct dbt *t = dbt_get(state);
    struct eg_notify_config c = sms_only("json");
    struct eg_notifier *n = notifier(t->db, &c);
    add_sms(t->db, "sms:1", "Hồ sơ H41-260115-0001 đã được tiếp nhận. Hẹn trả 20/01/2026.", T0);
    assert_int_equal(run(n, T0), 1);
    assert_int_equal(count_state(t->db, "sent"), 1);
    assert_int_equal(dbt_scalar(t->db, "SELECT sent_ms FROM outbox"), T0);
    json_t *all = smsgw_requests(&gw);
    assert_int_equal(json_array_size(all), 1);
    json_t *r = json_array_get(all, 0);
    assert_string_equal(field(r, "to"), "+84912345678");
    assert_string_equal(field(r, "text"),
                        "Ho so H41-260115-0001 da duoc tiep nhan. Hen tra 20/01/2026.");
    assert_string_equal(field(r, "from"), "UBND Nghe An");
    assert_string_equal(field(r, "authorization"), "Bearer " TOKEN);
    char ref[64];
    ref_of(t->db, ref, sizeof(ref));
    assert_int_equal(strlen(ref), 32);
    assert_string_equal(field(r, "idempotency_key"), ref);
    json_decref(all);
    assert_int_equal(run(n, T0 + 3600 * SEC), 0);
    assert_int_equal(smsgw_count(&gw), 1);
    eg_notifier_stop(n);
}

/* Down for a while: retried with backoff, nothing lost, delivered once when back. */
static void
test_gateway_down(void **state)
{
    struct dbt *t = dbt_get(state);
    struct eg_notify_config c = sms_only("json");
    struct eg_notifier *n = notifier(t->db, &c);
    smsgw_stop(&gw);
    add_sms(t->db, "down:1", "Ket qua da san sang.", T0);
    assert_int_equal(run(n, T0), 0);
    char err[600];
    text_of(t->db, "SELECT last_error FROM outbox", err, sizeof(err));
    assert_contains(err, "cannot reach the SMS gateway http://127.0.0.1:");
    assert_int_equal(count_state(t->db, "queued"), 1);
    assert_int_equal(dbt_scalar(t->db, "SELECT next_attempt_ms FROM outbox"), T0 + 30 * SEC);
    /* Ten minutes looked at every 10 s: retries at 0:30, 1:30, 3:30 and 7:30 (min:s). */
    for (int64_t now = T0; now <= T0 + 600 * SEC; now += 10 * SEC)
        assert_int_equal(run(n, now), 0);
    assert_int_equal(dbt_scalar(t->db, "SELECT attempts FROM outbox"), 5);
    assert_int_equal(dbt_scalar(t->db, "SELECT next_attempt_ms FROM outbox"), T0 + 930 * SEC);
    assert_int_equal(count_state(t->db, "queued"), 1);

    smsgw_start(&gw);                            /* back, on the same port */
    assert_int_equal(run(n, T0 + 900 * SEC), 0); /* not due yet */
    assert_int_equal(smsgw_count(&gw), 0);
    assert_int_equal(run(n, T0 + 930 * SEC), 1);
    assert_int_equal(count_state(t->db, "sent"), 1);
    assert_int_equal(dbt_scalar(t->db, "SELECT attempts FROM outbox"), 6);
    assert_int_equal(run(n, T0 + 48 * 3600 * SEC), 0);
    assert_int_equal(smsgw_count(&gw), 1);
    assert_int_equal(smsgw_accepted(&gw), 1);
    json_t *all = smsgw_requests(&gw);
    assert_string_equal(field(json_array_get(all, 0), "text"), "Ket qua da san sang.");
    json_decref(all);
    eg_notifier_stop(n);
}

static void
test_refused_for_good(void **state)
{
    struct dbt *t = dbt_get(state);
    struct eg_notify_config c = sms_only("json");
    struct eg_notifier *n = notifier(t->db, &c);
    add_sms(t->db, "bad:1", "x", T0);
    smsgw_control(&gw, "{\"status\": 400}"); /* every request, for ever */
    assert_int_equal(run(n, T0), 0);
    assert_int_equal(count_state(t->db, "dead"), 1);
    assert_int_equal(dbt_scalar(t->db, "SELECT attempts FROM outbox"), 1);
    char err[600];
    text_of(t->db, "SELECT last_error FROM outbox", err, sizeof(err));
    assert_contains(err, "refused the message for good (400)");
    assert_not_contains(err, "912345678");
    smsgw_clear(&gw);
    assert_int_equal(run(n, T0 + 30 * SEC), 0);
    assert_int_equal(run(n, T0 + 24 * 3600 * SEC), 0);
    assert_int_equal(dbt_scalar(t->db, "SELECT attempts FROM outbox"), 1);
    assert_int_equal(smsgw_count(&gw), 0);
    eg_notifier_stop(n);
}

static void
test_busy_retried(void **state)
{
    struct dbt *t = dbt_get(state);
    struct eg_notify_config c = sms_only("brandname");
    struct eg_notifier *n = notifier(t->db, &c);
    add_sms(t->db, "busy:1", "Hồ sơ đã có kết quả.", T0);
    smsgw_control(&gw, "{\"status\": 429, \"count\": 1}");
    assert_int_equal(run(n, T0), 0);
    assert_int_equal(count_state(t->db, "queued"), 1);
    assert_int_equal(dbt_scalar(t->db, "SELECT next_attempt_ms FROM outbox"), T0 + 30 * SEC);
    char err[600];
    text_of(t->db, "SELECT last_error FROM outbox", err, sizeof(err));
    assert_contains(err, "429");
    assert_not_contains(err, TOKEN);
    /* Then 500 twice and an empty balance: retried each time, 60 s, 2 min, 4 min later. */
    smsgw_control(&gw, "{\"status\": 500, \"count\": 2}");
    assert_int_equal(run(n, T0 + 29 * SEC), 0); /* not due yet */
    assert_int_equal(smsgw_count(&gw), 1);
    assert_int_equal(run(n, T0 + 30 * SEC), 0);
    assert_int_equal(dbt_scalar(t->db, "SELECT next_attempt_ms FROM outbox"), T0 + 90 * SEC);
    assert_int_equal(run(n, T0 + 90 * SEC), 0);
    text_of(t->db, "SELECT last_error FROM outbox", err, sizeof(err));
    assert_contains(err, "(500)");
    smsgw_control(&gw, "{\"code\": \"99\", \"count\": 1}");
    assert_int_equal(run(n, T0 + 210 * SEC), 0);
    text_of(t->db, "SELECT last_error FROM outbox", err, sizeof(err));
    assert_contains(err, "code 99");
    assert_int_equal(count_state(t->db, "queued"), 1);
    assert_int_equal(run(n, T0 + 450 * SEC), 1);
    assert_int_equal(count_state(t->db, "sent"), 1);
    assert_int_equal(dbt_scalar(t->db, "SELECT attempts FROM outbox"), 5);
    assert_int_equal(smsgw_count(&gw), 5);
    assert_int_equal(smsgw_accepted(&gw), 1);
    char ref[64];
    ref_of(t->db, ref, sizeof(ref));
    assert_all_refs(ref, true);
    json_t *all = smsgw_requests(&gw);
    json_t *last = json_array_get(all, 4);
    assert_string_equal(field(last, "to"), "84912345678");
    assert_string_equal(field(last, "brandname"), "UBND.NGHEAN");
    assert_string_equal(field(last, "text"), "Ho so da co ket qua.");
    json_decref(all);
    eg_notifier_stop(n);
}

/* The gateway took it but its answer never came: sent again, with the same key. */
static void
test_lost_answer(void **state)
{
    struct dbt *t = dbt_get(state);
    struct eg_notify_config c = sms_only("json");
    c.sms.timeout_ms = 500;
    struct eg_notifier *n = notifier(t->db, &c);
    add_sms(t->db, "lost:1", "x", T0);
    smsgw_control(&gw, "{\"hang\": 1.5, \"count\": 1}");
    assert_int_equal(run(n, T0), 0);
    assert_int_equal(count_state(t->db, "queued"), 1);
    smtpd_sleep_ms(1200);
    assert_int_equal(run(n, T0 + 30 * SEC), 1);
    assert_int_equal(smsgw_accepted(&gw), 2); /* at least once: the gateway can tell */
    char ref[64];
    ref_of(t->db, ref, sizeof(ref));
    assert_all_refs(ref, false);
    eg_notifier_stop(n);
}

/* Rows of a channel the notifier does not have wait, never dead, with one warning. */
static void
test_unconfigured_channel_waits(void **state)
{
    struct dbt *t = dbt_get(state);
    char logpath[] = "/tmp/egov_sms_log_XXXXXX";
    int fd = mkstemp(logpath);
    assert_true(fd >= 0);
    eg_log_setup(EG_LOG_DEBUG, fd);

    char url[64];
    snprintf(url, sizeof(url), "smtp://127.0.0.1:%d", mail.port);
    struct eg_notify_config mail_only = {
        .smtp = {.url = url, .from = "noreply@dichvucong.example.vn", .timeout_ms = 5000},
        .no_jitter = true};
    struct eg_notifier *n = notifier(t->db, &mail_only);
    add_sms(t->db, "wait:1", "x", T0);
    add_sms(t->db, "wait:2", "y", T0);
    for (int64_t now = T0; now <= T0 + 48 * 3600 * SEC; now += 3600 * SEC)
        assert_int_equal(run(n, now), 0);
    assert_int_equal(count_state(t->db, "queued"), 2);
    assert_int_equal(dbt_scalar(t->db, "SELECT max(attempts) FROM outbox"), 0);
    assert_int_equal(smsgw_count(&gw), 0);
    eg_notifier_stop(n);

    /* And the other way round: an SMS-only notifier leaves mail alone. */
    struct eg_tx *tx = dbt_begin(t->db, EG_TX_WRITE);
    assert_int_equal(
        eg_outbox_add_email(tx, "wait:mail", "an@example.vn", NULL, "s", "t", NULL, T0), EG_OK);
    assert_int_equal(eg_tx_commit(tx), EG_OK);
    struct eg_notify_config c = sms_only("json");
    n = notifier(t->db, &c);
    assert_int_equal(run(n, T0 + 49 * 3600 * SEC), 2);
    assert_int_equal(run(n, T0 + 50 * 3600 * SEC), 0);
    eg_notifier_stop(n);
    assert_int_equal(count_state(t->db, "queued"), 1);
    assert_int_equal(count_state(t->db, "sent"), 2);
    assert_int_equal(smtpd_count(&mail), 0);

    eg_log_setup(EG_LOG_INFO, 2);
    close(fd);
    const char *log = read_log(logpath);
    unlink(logpath);
    const char *w = "2 sms notifications are waiting but SMS is not configured here (sms_url)";
    const char *first = strstr(log, w);
    assert_non_null(first);
    assert_null(strstr(first + 1, w)); /* once */
    assert_contains(log, "1 email notifications are waiting but mail is not configured here");
    assert_contains(log, "accepted by the gateway: SMS to +84******678");
    assert_not_contains(log, "912345678");
    assert_not_contains(log, TOKEN);
}

/* One notice, both channels, both delivered by one notifier (the thread, kicked). */
static void
test_notice_both_channels(void **state)
{
    struct dbt *t = dbt_get(state);
    char url[64];
    snprintf(url, sizeof(url), "smtp://127.0.0.1:%d", mail.port);
    struct eg_notify_config c = sms_only("json");
    c.smtp.url = url;
    c.smtp.from = "noreply@dichvucong.example.vn";
    c.smtp.from_name = "Cổng dịch vụ công tỉnh Nghệ An";
    c.smtp.timeout_ms = 5000;
    c.poll_ms = 200;
    struct eg_notifier *n = NULL;
    struct eg_buf err = EG_BUF_INIT(512);
    assert_int_equal(eg_notifier_start(t->db, &c, &n, &err), EG_OK);
    struct eg_notice nt = {.kind = EG_NOTICE_SUPPLEMENT,
                           .event_id = 77,
                           .code = "000.17.22.H41-260115-0001",
                           .procedure_name = "Đăng ký khai sinh",
                           .agency_name = "UBND xã Nghi Phú",
                           .applicant_name = "Nguyễn Văn An",
                           .email = "an@example.vn",
                           .phone = PHONE,
                           .due = "20/01/2026",
                           .reason = "Bổ sung bản sao giấy chứng nhận kết hôn.",
                           .track_url = "https://dvc.nghean.gov.vn/t/1"};
    struct eg_tx *tx = dbt_begin(t->db, EG_TX_WRITE);
    assert_int_equal(eg_notify_notice(tx, &nt, eg_clock_now_ms(&eg_clock_system)), EG_OK);
    assert_int_equal(eg_tx_commit(tx), EG_OK);
    eg_notifier_kick(n);
    for (int i = 0; i < 1000 && count_state(t->db, "sent") < 2; i++)
        smtpd_sleep_ms(10);
    eg_notifier_stop(n);
    assert_int_equal(count_state(t->db, "sent"), 2);
    json_t *msgs = smtpd_messages(&mail);
    assert_int_equal(json_array_size(msgs), 1);
    json_t *m = json_array_get(msgs, 0);
    assert_string_equal(smtpd_field(m, "subject"),
                        "Hồ sơ 000.17.22.H41-260115-0001 cần bổ sung, hoàn thiện");
    assert_string_equal(smtpd_field(m, "to_name"), "Nguyễn Văn An");
    assert_contains(smtpd_field(m, "text"), "Kính gửi ông/bà Nguyễn Văn An,");
    assert_contains(smtpd_field(m, "text"),
                    "Nội dung cần bổ sung: Bổ sung bản sao giấy chứng nhận kết hôn.");
    json_decref(msgs);
    json_t *all = smsgw_requests(&gw);
    assert_int_equal(json_array_size(all), 1);
    assert_string_equal(field(json_array_get(all, 0), "text"),
                        "Ho so 000.17.22.H41-260115-0001 can bo sung, hoan thien. Han bo sung: "
                        "20/01/2026. Noi dung: Bo sung ban sao giay chung... Tra cuu: "
                        "https://dvc.nghean.gov.vn/t/1");
    assert_true(json_is_true(json_object_get(json_array_get(all, 0), "ascii")));
    json_decref(all);
    eg_buf_release(&err);
}

static void
test_config_and_metrics(void **state)
{
    struct dbt *t = dbt_get(state);
    struct eg_notifier *n = NULL;
    struct eg_buf err = EG_BUF_INIT(512);
    struct eg_notify_config none = {.no_jitter = true};
    assert_int_equal(eg_notifier_new(t->db, &none, &n, &err), EG_EINVAL);
    assert_contains(eg_buf_str(&err), "neither smtp_url nor sms_url");
    struct eg_notify_config c = sms_only("json");
    c.sms.url = "http://sms.example.vn/send";
    assert_int_equal(eg_notifier_new(t->db, &c, &n, &err), EG_EINVAL);
    assert_contains(eg_buf_str(&err), "https://");
    c = sms_only("brandname");
    c.sms.token = NULL;
    assert_int_equal(eg_notifier_new(t->db, &c, &n, &err), EG_EINVAL);
    c = sms_only("json");
    c.sms.timeout_ms = 60000;
    c.lease_ms = 60 * SEC;
    assert_int_equal(eg_notifier_new(t->db, &c, &n, &err), EG_EINVAL);
    assert_contains(eg_buf_str(&err), "lease");
    assert_null(n);

    c = sms_only("json");
    n = notifier(t->db, &c);
    add_sms(t->db, "m:1", "a", T0);
    add_sms(t->db, "m:2", "b", T0);
    assert_int_equal(run(n, T0), 2);
    add_sms(t->db, "m:3", "c", T0);
    struct eg_buf out = EG_BUF_INIT(1 << 16);
    assert_int_equal(eg_notify_metrics(t->db, &out), EG_OK);
    assert_contains(eg_buf_str(&out), "egov_outbox_queued{channel=\"sms\"} 1\n");
    assert_contains(eg_buf_str(&out), "egov_outbox_sent_total{channel=\"sms\"} 2\n");
    assert_contains(eg_buf_str(&out), "egov_outbox_queued{channel=\"email\"} 0\n");
    eg_buf_release(&out);
    eg_notifier_stop(n);
    eg_buf_release(&err);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        BOTH(test_delivered),
        BOTH(test_gateway_down),
        BOTH(test_refused_for_good),
        BOTH(test_busy_retried),
        BOTH(test_lost_answer),
        BOTH(test_unconfigured_channel_waits),
        BOTH(test_notice_both_channels),
        BOTH(test_config_and_metrics),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
