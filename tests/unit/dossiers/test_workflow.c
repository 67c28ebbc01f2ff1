/*
 * test_workflow.c - dossiers on both drivers with a clock the test moves:
 * codes from the daily sequence, due dates at receipt (with the calendar's
 * weekend and a supplement pause), who may act, two officers on one version,
 * actions a state does not allow, the public view, and the scanner.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <pthread.h>

#include "directory/directory.h"
#include "dossiers/dossiers.h"
#include "procedures/procedures.h"
#include "db/dbtest.h"

#define COMMUNE "000.00.41.H41"
#define OTHER_COMMUNE "000.00.42.H41"

/* Local time (UTC+7) as UTC milliseconds. */
static int64_t
local_ms(int y, int mo, int d, int h, int mi)
{
    return eg_date_to_ms((struct eg_date){y, mo, d}, h * 60 + mi);
}

static int64_t clock_now;
static int64_t
test_now(void *ctx)
{
    (void)ctx;
    return clock_now;
}
static const struct eg_clock test_clock = {test_now, NULL};

static struct eg_identity *identity;
static char keypath[96];

struct world {
    struct dbt *t;
    struct eg_dossiers *d;
    struct eg_actor citizen, other_citizen, desk, specialist, leader, far_desk;
};
static struct world w;

static void
load_province(struct eg_db *db)
{
    const char *src = getenv("EGOV_SOURCE_DIR");
    assert_non_null(src);
    char path[1024];
    snprintf(path, sizeof(path), "%s/data/demo/province.json", src);
    json_error_t err;
    json_t *doc = json_load_file(path, 0, &err);
    if (!doc)
        fail_msg("%s: %s", path, err.text);
    struct eg_tx *tx = dbt_begin(db, EG_TX_WRITE);
    struct eg_buf msg = EG_BUF_INIT(2048);
    size_t n = 0;
    if (eg_org_unit_import(tx, json_object_get(doc, "org_units"), true, clock_now, &n, &msg) !=
        EG_OK)
        fail_msg("province: %s", eg_buf_str(&msg));
    assert_int_equal(eg_tx_commit(tx), EG_OK);
    eg_buf_release(&msg);
    json_decref(doc);
}

/*
 * A procedure of the commune: 3 working days, one text field, one optional
 * component; with cutoff ("HH:MM"), a dossier received after it counts from the
 * next working day.
 */
static void
load_procedure(struct eg_db *db, const char *code, const char *cutoff)
{
    json_t *doc = json_pack(
        "{s:s, s:s, s:s, s:s, s:[s], s:[s], s:s, s:i, s:{s:i}, s:[{s:s, s:i}], "
        "s:[{s:s, s:i, s:i, s:b}], s:[s], s:[s], s:s, s:{s:[{s:s, s:s, s:s, s:b}]}, s:i, s:s}",
        "code", code, "name", "Cấp Giấy xác nhận tình trạng hôn nhân", "field", "HT", "level",
        "commune", "agencies", COMMUNE, "applicants", "citizen", "online_level", "full",
        "legacy_level", 4, "processing", "working_days", 3, "fees", "name", "Lệ phí", "amount_vnd",
        0, "components", "name", "Giấy tờ chứng minh", "originals", 1, "copies", 0, "required", 0,
        "steps_vi", "Nộp hồ sơ.", "legal_basis", "Luật Hộ tịch năm 2014.", "result_vi",
        "Giấy xác nhận.", "form", "fields", "name", "purpose", "label", "Mục đích sử dụng", "type",
        "text", "required", 1, "popularity", 50, "valid_from", "2025-07-01");
    assert_non_null(doc);
    if (cutoff)
        json_object_set_new(json_object_get(doc, "processing"), "cutoff", json_string(cutoff));
    struct eg_tx *tx = dbt_begin(db, EG_TX_WRITE);
    assert_int_equal(eg_procedure_field_put(tx, "HT", "Hộ tịch", "Civil status"), EG_OK);
    struct eg_buf msg = EG_BUF_INIT(2048);
    int version = 0;
    struct eg_procedure_put how = {EG_PUT_ANY, true, true, "test", clock_now};
    if (eg_procedure_put(tx, doc, &how, &version, &msg) != EG_OK)
        fail_msg("procedure: %s", eg_buf_str(&msg));
    assert_int_equal(eg_tx_commit(tx), EG_OK);
    eg_buf_release(&msg);
    json_decref(doc);
}

/* An account straight into the table (identity/ has its own tests), and its role. */
static struct eg_actor
account(struct eg_db *db, const char *kind, const char *login, const char *role, const char *unit)
{
    struct eg_tx *tx = dbt_begin(db, EG_TX_WRITE);
    struct eg_stmt *st;
    bool row = false;
    assert_int_equal(eg_tx_prepare(tx,
                                   "INSERT INTO account (kind, login, pid_hash, name, name_fold, "
                                   "email, status, created_at, updated_at) VALUES (?, ?, ?, ?, ?, "
                                   "?, 'active', 0, 0) RETURNING id",
                                   &st),
                     EG_OK);
    char email[96];
    snprintf(email, sizeof(email), "%s@example.vn", login);
    assert_int_equal(eg_stmt_bind_text(st, 1, kind, strlen(kind)), EG_OK);
    assert_int_equal(eg_stmt_bind_text(st, 2, login, strlen(login)), EG_OK);
    if (strcmp(kind, "citizen") == 0)
        assert_int_equal(eg_stmt_bind_blob(st, 3, login, strlen(login)), EG_OK);
    else
        assert_int_equal(eg_stmt_bind_null(st, 3), EG_OK);
    assert_int_equal(eg_stmt_bind_text(st, 4, login, strlen(login)), EG_OK);
    assert_int_equal(eg_stmt_bind_text(st, 5, login, strlen(login)), EG_OK);
    assert_int_equal(eg_stmt_bind_text(st, 6, email, strlen(email)), EG_OK);
    assert_int_equal(eg_stmt_step(st, &row), EG_OK);
    assert_true(row);
    int64_t id = eg_stmt_i64(st, 0);
    eg_stmt_reset(st);
    if (role) {
        enum eg_role r;
        int64_t unit_id = 0, grant = 0;
        assert_int_equal(eg_role_parse(role, &r), EG_OK);
        assert_int_equal(eg_org_unit_id(tx, unit, &unit_id), EG_OK);
        struct eg_buf msg = EG_BUF_INIT(512);
        if (eg_role_grant_operator(tx, "operator:test", id, r, unit_id, 0, &grant, &msg) != EG_OK)
            fail_msg("grant: %s", eg_buf_str(&msg));
        eg_buf_release(&msg);
    }
    assert_int_equal(eg_tx_commit(tx), EG_OK);
    struct eg_actor a = {
        .subject = {.account_id = id,
                    .kind = strcmp(kind, "citizen") == 0 ? EG_SUBJECT_CITIZEN : EG_SUBJECT_STAFF},
        .name = login};
    return a;
}

static int
setup(void **state)
{
    dbt_setup_migrated(state);
    struct dbt *t = *state;
    if (t->skip)
        return 0;
    snprintf(keypath, sizeof(keypath), "/tmp/egov-dostest-%d.key", (int)getpid());
    struct eg_identity_config ic;
    eg_identity_config_defaults(&ic);
    ic.key_path = keypath;
    ic.hash_threads = 1;
    struct eg_buf msg = EG_BUF_INIT(1024);
    if (eg_identity_open(&ic, &identity, &msg) != EG_OK)
        fail_msg("identity: %s", eg_buf_str(&msg));
    eg_buf_release(&msg);
    clock_now = local_ms(2026, 12, 4, 9, 0); /* a Friday morning */
    load_province(t->db);
    load_procedure(t->db, "1.004873", NULL);
    load_procedure(t->db, "1.004874", "15:00");
    memset(&w, 0, sizeof(w));
    w.t = t;
    w.citizen = account(t->db, "citizen", "citizen.an", NULL, NULL);
    w.other_citizen = account(t->db, "citizen", "citizen.binh", NULL, NULL);
    w.desk = account(t->db, "staff", "desk41", "desk_officer", COMMUNE);
    w.specialist = account(t->db, "staff", "cv41", "specialist", COMMUNE);
    w.leader = account(t->db, "staff", "ld41", "agency_leader", COMMUNE);
    w.far_desk = account(t->db, "staff", "desk42", "desk_officer", OTHER_COMMUNE);
    struct eg_dossiers_config dc = {.db = t->db,
                                    .identity = identity,
                                    .clock = &test_clock,
                                    .public_url = "https://dvc.example.vn",
                                    .calendar_ttl_ms = 1};
    assert_int_equal(eg_dossiers_open(&dc, &w.d), EG_OK);
    return 0;
}

static int
teardown(void **state)
{
    eg_dossiers_close(w.d);
    w.d = NULL;
    eg_identity_close(identity);
    identity = NULL;
    unlink(keypath);
    return dbt_teardown(state);
}

static struct eg_dossier_ref
submit_to(const char *procedure, const struct eg_actor *a, const char *purpose)
{
    json_t *form = json_pack("{s:s}", "purpose", purpose);
    struct eg_dossier_new n = {.procedure_code = procedure, .form = form};
    struct eg_dossier_ref ref;
    struct eg_buf msg = EG_BUF_INIT(1024);
    enum eg_err rc = eg_dossier_create(w.d, a, &n, &ref, &msg);
    if (rc != EG_OK)
        fail_msg("submit: %s: %s", eg_strerror(rc), eg_buf_str(&msg));
    eg_buf_release(&msg);
    json_decref(form);
    return ref;
}

static struct eg_dossier_ref
submit(const struct eg_actor *a, const char *purpose)
{
    return submit_to("1.004873", a, purpose);
}

static enum eg_err
act(const struct eg_actor *a, const char *code, enum eg_dossier_action what, int version,
    const char *note, struct eg_dossier_ref *out)
{
    struct eg_dossier_act x = {.action = what, .version = version, .note = note};
    struct eg_buf msg = EG_BUF_INIT(1024);
    enum eg_err rc = eg_dossier_do(w.d, a, code, &x, out, &msg);
    if (rc != EG_OK && rc != EG_ENOTFOUND)
        assert_true(msg.len > 0); /* every refusal says why */
    eg_buf_release(&msg);
    return rc;
}

static void
test_codes_and_due(void **state)
{
    struct dbt *t = dbt_get(state);
    if (!t)
        return;
    struct eg_dossier_ref a = submit(&w.citizen, "Kết hôn");
    assert_string_equal(a.code, COMMUNE "-261204-0001");
    assert_int_equal(a.state, EG_DS_SUBMITTED);
    struct eg_dossier_ref b = submit(&w.other_citizen, "Vay vốn");
    assert_string_equal(b.code, COMMUNE "-261204-0002");
    /* The next day starts again at 0001. */
    clock_now = local_ms(2026, 12, 5, 8, 0);
    struct eg_dossier_ref c = submit(&w.citizen, "Mua nhà");
    assert_string_equal(c.code, COMMUNE "-261205-0001");

    /* Received on Friday at 16:00, within working hours: the intake counts on Friday (not
     * counted), then Monday 7, Tuesday 8, Wednesday 9 December. */
    clock_now = local_ms(2026, 12, 4, 16, 0);
    struct eg_dossier_ref ra, r;
    assert_int_equal(act(&w.desk, a.code, EG_DA_RECEIVE, a.version, NULL, &ra), EG_OK);
    assert_int_equal(ra.state, EG_DS_RECEIVED);
    assert_string_equal(ra.due, "2026-12-09");
    /* Received after hours (18:00): counts from Monday, due Thursday 10 December. */
    clock_now = local_ms(2026, 12, 4, 18, 0);
    assert_int_equal(act(&w.desk, b.code, EG_DA_RECEIVE, b.version, NULL, &r), EG_OK);
    assert_string_equal(r.due, "2026-12-10");

    /* A supplement asked on Monday 9:00 and handed in on Thursday 10:00 stops the clock:
     * Monday was counted (its hours had begun), Tuesday and Wednesday were not; Thursday is
     * like an intake day. Two days remain: Friday 11 and Monday 14. */
    struct eg_dossier_ref s;
    clock_now = local_ms(2026, 12, 7, 9, 0);
    assert_int_equal(act(&w.specialist, a.code, EG_DA_REQUEST_SUPPLEMENT, ra.version,
                         "Bổ sung bản sao giấy tờ", &s),
                     EG_OK);
    assert_int_equal(s.state, EG_DS_SUPPLEMENT);
    clock_now = local_ms(2026, 12, 10, 10, 0);
    assert_int_equal(act(&w.citizen, a.code, EG_DA_SUPPLEMENT, s.version, NULL, &r), EG_OK);
    assert_int_equal(r.state, EG_DS_RECEIVED);
    assert_string_equal(r.due, "2026-12-14");
}

/*
 * Received after the procedure's cut-off (15:00): the clock starts on the next
 * working day, and a supplement asked and handed in before then - the same
 * evening - moves nothing. It used to be refused with an empty message: the
 * pause began before the moved start, which the calendar rejects.
 */
static void
test_cutoff_and_supplement(void **state)
{
    struct dbt *t = dbt_get(state);
    if (!t)
        return;
    struct eg_dossier_ref a = submit_to("1.004874", &w.citizen, "Kết hôn");
    struct eg_dossier_ref b = submit_to("1.004874", &w.other_citizen, "Vay vốn");
    struct eg_dossier_ref ra, rb, s, r;
    /* Friday 15:30, after the cut-off: like after hours, due Thursday 10 December. */
    clock_now = local_ms(2026, 12, 4, 15, 30);
    assert_int_equal(act(&w.desk, a.code, EG_DA_RECEIVE, a.version, NULL, &ra), EG_OK);
    assert_string_equal(ra.due, "2026-12-10");
    assert_int_equal(act(&w.desk, b.code, EG_DA_RECEIVE, b.version, NULL, &rb), EG_OK);
    assert_string_equal(rb.due, "2026-12-10");
    /* Asked at 16:00, handed in at 16:30: before the clock started; nothing moves. */
    clock_now = local_ms(2026, 12, 4, 16, 0);
    assert_int_equal(act(&w.specialist, a.code, EG_DA_REQUEST_SUPPLEMENT, ra.version,
                         "Bổ sung bản sao giấy tờ", &s),
                     EG_OK);
    clock_now = local_ms(2026, 12, 4, 16, 30);
    assert_int_equal(act(&w.citizen, a.code, EG_DA_SUPPLEMENT, s.version, NULL, &r), EG_OK);
    assert_int_equal(r.state, EG_DS_RECEIVED);
    assert_string_equal(r.due, "2026-12-10");
    /* Asked at 16:00, handed in on Tuesday 10:00: the pause reaches into the counted days;
     * Tuesday is like an intake day, three days remain: Wednesday 9, Thursday 10, Friday 11. */
    clock_now = local_ms(2026, 12, 4, 16, 0);
    assert_int_equal(act(&w.specialist, b.code, EG_DA_REQUEST_SUPPLEMENT, rb.version,
                         "Bổ sung bản sao giấy tờ", &s),
                     EG_OK);
    clock_now = local_ms(2026, 12, 8, 10, 0);
    assert_int_equal(act(&w.other_citizen, b.code, EG_DA_SUPPLEMENT, s.version, NULL, &r), EG_OK);
    assert_string_equal(r.due, "2026-12-11");
}

/* Two officers, one version: one wins. */
struct racer {
    const struct eg_actor *a;
    const char *code;
    int version;
    enum eg_err rc;
};

static void *
race(void *arg)
{
    struct racer *r = arg;
    struct eg_dossier_ref out;
    r->rc = act(r->a, r->code, EG_DA_RECEIVE, r->version, NULL, &out);
    return NULL;
}

static void
test_who_and_when(void **state)
{
    struct dbt *t = dbt_get(state);
    if (!t)
        return;
    struct eg_dossier_ref a = submit(&w.citizen, "Kết hôn");
    struct eg_dossier_ref r;
    /* Someone else's dossier does not exist for them; a far desk does not see it either. */
    assert_int_equal(act(&w.other_citizen, a.code, EG_DA_WITHDRAW, a.version, NULL, &r),
                     EG_ENOTFOUND);
    assert_int_equal(act(&w.far_desk, a.code, EG_DA_RECEIVE, a.version, NULL, &r), EG_ENOTFOUND);
    /* A specialist of the unit sees it but is not the desk. */
    assert_int_equal(act(&w.specialist, a.code, EG_DA_RECEIVE, a.version, NULL, &r), EG_EFORBIDDEN);
    /* Not in this state. */
    assert_int_equal(act(&w.leader, a.code, EG_DA_APPROVE, a.version, NULL, &r), EG_ECONFLICT);
    /* A reason is required. */
    assert_int_equal(act(&w.desk, a.code, EG_DA_REFUSE, a.version, NULL, &r), EG_EINVAL);

    pthread_t th[2];
    struct racer rr[2] = {{&w.desk, a.code, a.version, EG_OK}, {&w.desk, a.code, a.version, EG_OK}};
    for (int i = 0; i < 2; i++)
        assert_int_equal(pthread_create(&th[i], NULL, race, &rr[i]), 0);
    for (int i = 0; i < 2; i++)
        pthread_join(th[i], NULL);
    int ok = (rr[0].rc == EG_OK) + (rr[1].rc == EG_OK);
    int conflict = (rr[0].rc == EG_ECONFLICT) + (rr[1].rc == EG_ECONFLICT);
    assert_int_equal(ok, 1);
    assert_int_equal(conflict, 1);

    /* Through the process: forward (specialist), approve (leader), return (desk). */
    json_t *full = NULL;
    assert_int_equal(eg_dossier_get(w.d, &w.specialist, a.code, EG_VIEW_FULL, "vi", &full), EG_OK);
    int v = (int)json_integer_value(json_object_get(full, "version"));
    assert_true(json_array_size(json_object_get(full, "actions")) > 0);
    json_decref(full);
    assert_int_equal(act(&w.specialist, a.code, EG_DA_FORWARD, v, NULL, &r), EG_OK);
    struct eg_dossier_ref refused;
    assert_int_equal(act(&w.specialist, a.code, EG_DA_APPROVE, r.version, NULL, &refused),
                     EG_EFORBIDDEN);
    assert_int_equal(act(&w.leader, a.code, EG_DA_APPROVE, r.version, NULL, &r), EG_OK);
    assert_int_equal(r.state, EG_DS_RESULT_READY);
    assert_int_equal(act(&w.desk, a.code, EG_DA_RETURN_RESULT, r.version, NULL, &r), EG_OK);
    assert_int_equal(r.state, EG_DS_RETURNED);
    assert_int_equal(act(&w.citizen, a.code, EG_DA_WITHDRAW, r.version, NULL, &r), EG_ECONFLICT);

    /* The public view: no applicant, no form, no notes; the timeline's actions only. */
    json_t *pub = NULL;
    assert_int_equal(eg_dossier_get(w.d, &(struct eg_actor){0}, a.code, EG_VIEW_PUBLIC, "vi", &pub),
                     EG_OK);
    char *text = json_dumps(pub, JSON_COMPACT);
    assert_non_null(text);
    assert_null(strstr(text, "citizen.an"));
    assert_null(strstr(text, "Kết hôn"));
    assert_null(json_object_get(pub, "applicant"));
    assert_null(json_object_get(pub, "form"));
    assert_int_equal(json_integer_value(json_object_get(pub, "national_status")), 10);
    free(text);
    json_decref(pub);
    /* The full view: not for someone else. */
    assert_int_equal(eg_dossier_get(w.d, &w.other_citizen, a.code, EG_VIEW_FULL, "vi", &pub),
                     EG_ENOTFOUND);
}

static void
test_scanner(void **state)
{
    struct dbt *t = dbt_get(state);
    if (!t)
        return;
    struct eg_dossier_ref a = submit(&w.citizen, "Kết hôn"), r;
    assert_int_equal(act(&w.desk, a.code, EG_DA_RECEIVE, a.version, NULL, &r), EG_OK);
    assert_string_equal(r.due, "2026-12-09");
    int marked = -1, warned = -1;
    assert_int_equal(eg_dossiers_scan(w.d, local_ms(2026, 12, 7, 9, 0), &marked, &warned), EG_OK);
    assert_int_equal(marked, 0);
    assert_int_equal(warned, 0);
    /* The day before: warned once. */
    assert_int_equal(eg_dossiers_scan(w.d, local_ms(2026, 12, 8, 18, 0), &marked, &warned), EG_OK);
    assert_int_equal(warned, 1);
    assert_int_equal(eg_dossiers_scan(w.d, local_ms(2026, 12, 8, 19, 0), &marked, &warned), EG_OK);
    assert_int_equal(warned, 0);
    /* Past 17:00 on the due date: overdue, once. */
    assert_int_equal(eg_dossiers_scan(w.d, local_ms(2026, 12, 9, 17, 1), &marked, &warned), EG_OK);
    assert_int_equal(marked, 1);
    assert_int_equal(eg_dossiers_scan(w.d, local_ms(2026, 12, 9, 18, 0), &marked, &warned), EG_OK);
    assert_int_equal(marked, 0);
    json_t *full = NULL;
    assert_int_equal(eg_dossier_get(w.d, &w.desk, a.code, EG_VIEW_FULL, "vi", &full), EG_OK);
    assert_true(json_is_true(json_object_get(full, "overdue")));
    json_t *tl = json_object_get(full, "timeline");
    const char *last =
        json_string_value(json_object_get(json_array_get(tl, json_array_size(tl) - 1), "action"));
    assert_string_equal(last, "overdue");
    json_decref(full);
    /* The overdue queue shows it to the desk. */
    clock_now = local_ms(2026, 12, 10, 9, 0);
    struct eg_dossier_query q = {.queue = EG_QUEUE_OVERDUE, .limit = 10};
    json_t *list = NULL;
    assert_int_equal(eg_dossier_list(w.d, &w.desk, &q, "vi", &list), EG_OK);
    assert_int_equal(json_integer_value(json_object_get(list, "total")), 1);
    json_decref(list);
    /* A citizen has no staff queues. */
    assert_int_equal(eg_dossier_list(w.d, &w.citizen, &q, "vi", &list), EG_EFORBIDDEN);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        {"sqlite/test_codes_and_due", test_codes_and_due, setup, teardown, &dbt_kind_sqlite},
        {"pg/test_codes_and_due", test_codes_and_due, setup, teardown, &dbt_kind_pg},
        {"sqlite/test_cutoff_and_supplement", test_cutoff_and_supplement, setup, teardown,
         &dbt_kind_sqlite},
        {"pg/test_cutoff_and_supplement", test_cutoff_and_supplement, setup, teardown,
         &dbt_kind_pg},
        {"sqlite/test_who_and_when", test_who_and_when, setup, teardown, &dbt_kind_sqlite},
        {"pg/test_who_and_when", test_who_and_when, setup, teardown, &dbt_kind_pg},
        {"sqlite/test_scanner", test_scanner, setup, teardown, &dbt_kind_sqlite},
        {"pg/test_scanner", test_scanner, setup, teardown, &dbt_kind_pg},
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
