/*
 * test_notice.c - the notices an applicant receives: every kind rendered
 * (subject, the email's parts and tone, NFC, the unaccented SMS within 160
 * characters), officers' reasons kept as bounded plain text, bad notices
 * refused, and the rows queued on SQLite and PostgreSQL: one per channel the
 * applicant has, with the right channel, payload and dedupe key, once.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "db/dbtest.h"
#include "notify/notify_int.h"

#define T0 1767225600000LL /* 2026-01-01T00:00:00Z */
#define CODE "000.17.22.H41-260115-0001"
#define URL "https://dvc.nghean.gov.vn/t/H41260115"
#define REASON "Thiếu bản sao giấy chứng nhận kết hôn của cha mẹ."

static struct eg_notice
sample(enum eg_notice_kind k)
{
    struct eg_notice n = {
        .kind = k,
        .event_id = 1000 + (int64_t)k,
        .code = CODE,
        .procedure_name = "Đăng ký khai sinh",
        .agency_name = "UBND xã Nghi Phú",
        .applicant_name = "Nguyễn Văn An",
        .email = "an@example.vn",
        .phone = "0912 345 678",
        .due = "20/01/2026",
        .reason = NULL,
        .track_url = URL,
    };
    if (k == EG_NOTICE_REFUSED || k == EG_NOTICE_SUPPLEMENT || k == EG_NOTICE_REJECTED ||
        k == EG_NOTICE_STOPPED || k == EG_NOTICE_EXTENDED)
        n.reason = REASON;
    if (k == EG_NOTICE_SUBMITTED || k == EG_NOTICE_REFUSED || k == EG_NOTICE_REJECTED ||
        k == EG_NOTICE_RETURNED || k == EG_NOTICE_WITHDRAWN || k == EG_NOTICE_STOPPED)
        n.due = NULL;
    return n;
}

/* What each kind says: the subject, a phrase of its body, its due label, and the SMS. */
static const struct {
    enum eg_notice_kind kind;
    const char *name;
    const char *subject;
    const char *what;
    const char *due_line;
    const char *sms;
} expect[] = {
    {EG_NOTICE_SUBMITTED, "submitted", "Hồ sơ " CODE " đã được nộp trực tuyến",
     "Hồ sơ đang chờ UBND xã Nghi Phú kiểm tra và tiếp nhận.", NULL,
     "Ho so " CODE " da duoc nop truc tuyen, dang cho tiep nhan. Tra cuu: " URL},
    {EG_NOTICE_RECEIVED, "received", "Hồ sơ " CODE " đã được tiếp nhận",
     "đã được UBND xã Nghi Phú tiếp nhận và đang được giải quyết.",
     "Ngày hẹn trả kết quả: 20/01/2026",
     "Ho so " CODE " da duoc tiep nhan. Hen tra ket qua: 20/01/2026. Tra cuu: " URL},
    {EG_NOTICE_REFUSED, "refused", "Hồ sơ " CODE " không được tiếp nhận",
     "Rất tiếc, hồ sơ số " CODE " của ông/bà không được UBND xã Nghi Phú tiếp nhận.", NULL,
     "Ho so " CODE " khong duoc tiep nhan. Ly do: Thieu ban sao giay chung nhan ket hon cua "
     "cha me. Tra cuu: " URL},
    {EG_NOTICE_SUPPLEMENT, "supplement", "Hồ sơ " CODE " cần bổ sung, hoàn thiện",
     "Thời hạn giải quyết hồ sơ tạm dừng cho đến khi nhận đủ hồ sơ bổ sung.",
     "Thời hạn bổ sung: 20/01/2026",
     /* no room left for the reason next to this code and link: the email has it */
     "Ho so " CODE " can bo sung, hoan thien. Han bo sung: 20/01/2026. Tra cuu: " URL},
    {EG_NOTICE_RESUMED, "resumed", "Hồ sơ " CODE " tiếp tục được giải quyết",
     "đã được bổ sung đầy đủ và tiếp tục được UBND xã Nghi Phú giải quyết.",
     "Ngày hẹn trả kết quả mới: 20/01/2026",
     "Ho so " CODE " da du bo sung, tiep tuc duoc giai quyet. Hen tra: 20/01/2026. Tra cuu: " URL},
    {EG_NOTICE_EXTENDED, "extended", "Xin lỗi và hẹn lại ngày trả kết quả hồ sơ " CODE,
     "Chúng tôi thành thật xin lỗi ông/bà vì hồ sơ số " CODE
     " chưa được giải quyết đúng thời hạn đã hẹn.",
     "Ngày hẹn trả kết quả mới: 20/01/2026",
     "Xin loi ong/ba, ho so " CODE " chua duoc giai quyet dung hen. Hen tra moi: 20/01/2026. "
     "Tra cuu: " URL},
    {EG_NOTICE_RESULT_READY, "result_ready", "Hồ sơ " CODE " đã có kết quả",
     "Ông/bà vui lòng nhận kết quả theo hình thức đã đăng ký khi nộp hồ sơ.",
     "Ngày hẹn trả kết quả: 20/01/2026",
     "Ho so " CODE " da co ket qua, moi ong/ba nhan ket qua. Hen tra: 20/01/2026. Tra cuu: " URL},
    {EG_NOTICE_REJECTED, "rejected", "Hồ sơ " CODE " không được giải quyết",
     "thực hiện quyền khiếu nại theo quy định của pháp luật.", NULL,
     "Ho so " CODE " khong duoc giai quyet. Ly do: Thieu ban sao giay chung nhan ket hon cua "
     "cha me. Tra cuu: " URL},
    {EG_NOTICE_RETURNED, "returned", "Hồ sơ " CODE " đã được trả kết quả",
     "ông/bà có thể đánh giá mức độ hài lòng theo đường dẫn dưới đây.", NULL,
     "Ho so " CODE " da duoc tra ket qua. Cam on ong/ba. Tra cuu: " URL},
    {EG_NOTICE_WITHDRAWN, "withdrawn", "Hồ sơ " CODE " đã được rút",
     "Nếu ông/bà không đề nghị rút hồ sơ này, xin liên hệ ngay UBND xã Nghi Phú.", NULL,
     "Ho so " CODE " da duoc rut theo de nghi cua ong/ba. Tra cuu: " URL},
    {EG_NOTICE_STOPPED, "stopped", "Hồ sơ " CODE " bị dừng giải quyết",
     "đã bị UBND xã Nghi Phú dừng giải quyết.", NULL,
     "Ho so " CODE " bi dung giai quyet. Ly do: Thieu ban sao giay chung nhan ket hon cua cha "
     "me. Tra cuu: " URL},
};

struct rendered {
    struct eg_buf subject, body, sms;
};

static enum eg_err
render(const struct eg_notice *n, struct rendered *r)
{
    eg_buf_init(&r->subject, 4096);
    eg_buf_init(&r->body, 1 << 16);
    eg_buf_init(&r->sms, 4096);
    return eg_notice_render(n, &r->subject, &r->body, &r->sms);
}

static void
rendered_release(struct rendered *r)
{
    eg_buf_release(&r->subject);
    eg_buf_release(&r->body);
    eg_buf_release(&r->sms);
}

static void
assert_ascii(const char *s)
{
    for (const char *p = s; *p; p++)
        if ((unsigned char)*p >= 0x80 || ((unsigned char)*p < 0x20 && *p != '\n'))
            fail_msg("not 7-bit text: %s", s);
}

/* ---- rendering ------------------------------------------------------------------------ */

static void
test_every_kind_rendered(void **state)
{
    (void)state;
    assert_int_equal(EG_ARRAY_LEN(expect), EG_NOTICE_KIND_COUNT);
    for (size_t i = 0; i < EG_ARRAY_LEN(expect); i++) {
        assert_int_equal(expect[i].kind, (enum eg_notice_kind)i);
        struct eg_notice n = sample(expect[i].kind);
        struct rendered r;
        enum eg_err rc = render(&n, &r);
        if (rc != EG_OK)
            fail_msg("%s: %s", expect[i].name, eg_strerror(rc));
        const char *b = eg_buf_str(&r.body);
        assert_string_equal(eg_notice_kind_name(n.kind), expect[i].name);
        assert_string_equal(eg_buf_str(&r.subject), expect[i].subject);
        /* The administrative letter: salutation, facts, what next, link, sign-off, footer. */
        assert_int_equal(strncmp(b, "Kính gửi ông/bà Nguyễn Văn An,\n\n", 35), 0);
        assert_contains(b, expect[i].what);
        assert_contains(b, "\nMã hồ sơ: " CODE "\n");
        assert_contains(b, "\nThủ tục: Đăng ký khai sinh\n");
        assert_contains(b, "\nCơ quan giải quyết: UBND xã Nghi Phú\n");
        assert_contains(b, "\nTra cứu tình trạng hồ sơ: " URL "\n");
        assert_contains(b, "\nTrân trọng,\nUBND xã Nghi Phú\n");
        assert_contains(b, "\n-- \nĐây là thư được gửi tự động");
        assert_contains(b, "vui lòng không trả lời thư này");
        if (expect[i].due_line)
            assert_contains(b, expect[i].due_line);
        else
            assert_not_contains(b, "/01/2026");
        if (n.reason)
            assert_contains(b, ": " REASON "\n");
        assert_true(eg_text_is_nfc(r.body.p, r.body.len));
        assert_true(eg_text_is_nfc(r.subject.p, r.subject.len));
        assert_true(eg_mail_field_valid(eg_buf_str(&r.subject), EG_MAIL_SUBJECT_MAX, false));
        /* The SMS: unaccented, one segment. */
        const char *s = eg_buf_str(&r.sms);
        if (strcmp(s, expect[i].sms) != 0)
            fail_msg("%s SMS:\n  got  '%s'\n  want '%s'", expect[i].name, s, expect[i].sms);
        assert_ascii(s);
        assert_true(eg_sms_septets(r.sms.p, r.sms.len) <= EG_SMS_SEGMENT);
        rendered_release(&r);
    }
    assert_string_equal(eg_notice_kind_name(EG_NOTICE_KIND_COUNT), "unknown");
}

static void
test_optional_parts(void **state)
{
    (void)state;
    struct eg_notice n = sample(EG_NOTICE_RECEIVED);
    n.applicant_name = NULL;
    n.agency_name = NULL;
    n.procedure_name = NULL;
    n.track_url = NULL;
    n.due = NULL;
    struct rendered r;
    assert_int_equal(render(&n, &r), EG_OK);
    const char *b = eg_buf_str(&r.body);
    assert_int_equal(strncmp(b, "Kính gửi ông/bà,\n\n", 22), 0);
    assert_contains(b, "đã được cơ quan giải quyết tiếp nhận");
    assert_not_contains(b, "Thủ tục:");
    assert_not_contains(b, "Cơ quan giải quyết:");
    assert_not_contains(b, "Tra cứu");
    assert_not_contains(b, "Ngày hẹn");
    assert_contains(b, "Trân trọng,\nBộ phận tiếp nhận và trả kết quả\n");
    assert_contains(b, "liên hệ cơ quan giải quyết.");
    assert_string_equal(eg_buf_str(&r.sms), "Ho so " CODE " da duoc tiep nhan.");
    rendered_release(&r);

    /* A reason given to a kind that has no label of its own is a note. */
    n = sample(EG_NOTICE_RECEIVED);
    n.reason = "Nhận kết quả tại quầy số 3.";
    assert_int_equal(render(&n, &r), EG_OK);
    assert_contains(eg_buf_str(&r.body), "\nGhi chú: Nhận kết quả tại quầy số 3.\n");
    assert_contains(eg_buf_str(&r.sms), "Ghi chu: Nhan ket qua tai quay... Tra cuu: " URL);
    n.due = NULL;
    n.track_url = NULL;
    rendered_release(&r);
    assert_int_equal(render(&n, &r), EG_OK);
    assert_string_equal(eg_buf_str(&r.sms),
                        "Ho so " CODE " da duoc tiep nhan. Ghi chu: Nhan ket qua tai quay so 3.");
    rendered_release(&r);
}

static void
test_text_cleaned(void **state)
{
    (void)state;
    struct eg_notice n = sample(EG_NOTICE_REFUSED);
    /* Typed with combining marks (NFD): the email is NFC all the same. */
    n.applicant_name = "Nguye\xcc\x82\xcc\x83n  Va\xcc\x86n\tAn\n";
    n.procedure_name = "Đa\xcc\x86ng ky\xcc\x81 khai sinh";
    n.reason = "Thiếu giấy tờ:\r\n- bản sao <b>CCCD</b> & \"sổ hộ khẩu\"\r\n\r\n\r\n\r\n"
               "- tờ khai\x01 số\x7f 2\xc2\x81.";
    struct rendered r;
    assert_int_equal(render(&n, &r), EG_OK);
    const char *b = eg_buf_str(&r.body);
    assert_true(eg_text_is_nfc(r.body.p, r.body.len));
    assert_contains(b, "Kính gửi ông/bà Nguyễn Văn An,\n");
    assert_contains(b, "Thủ tục: Đăng ký khai sinh\n");
    /* Officers' words stay text, line breaks kept (at most one blank line), control
     * characters made spaces; nothing is interpreted as markup. */
    assert_contains(b, "Lý do:\nThiếu giấy tờ:\n- bản sao <b>CCCD</b> & \"sổ hộ khẩu\"\n\n"
                       "- tờ khai số 2 .\n");
    const char *s = eg_buf_str(&r.sms);
    assert_ascii(s);
    assert_contains(s, "Ly do: Thieu giay to: - ban sao");
    assert_true(eg_sms_septets(r.sms.p, r.sms.len) <= EG_SMS_SEGMENT);
    rendered_release(&r);

    /* A long reason: bounded in the email, cut at a word in the SMS. */
    char longr[6000];
    size_t k = 0;
    static const char word[] = "giấy tờ ";
    while (k + sizeof(word) < sizeof(longr)) {
        memcpy(longr + k, word, sizeof(word) - 1);
        k += sizeof(word) - 1;
    }
    longr[k] = '\0';
    n = sample(EG_NOTICE_STOPPED);
    n.reason = longr;
    assert_int_equal(render(&n, &r), EG_OK);
    b = eg_buf_str(&r.body);
    const char *lr = strstr(b, "Lý do: ");
    assert_non_null(lr);
    const char *end = strstr(lr, "...\n");
    assert_non_null(end);
    assert_true((size_t)(end + 3 - (lr + strlen("Lý do: "))) <= EG_NOTICE_REASON_MAX);
    s = eg_buf_str(&r.sms);
    assert_true(eg_sms_septets(r.sms.p, r.sms.len) <= EG_SMS_SEGMENT);
    assert_contains(s, "Ly do: giay to giay to");
    assert_contains(s, "to... Tra cuu: " URL);
    rendered_release(&r);

    /* No room for a reason worth reading next to a long link: left out of the SMS. */
    char url[200];
    snprintf(url, sizeof(url), "https://dichvucong.nghean.gov.vn/portal/tra-cuu-ho-so?ma=%s&x=%s",
             CODE, "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaa");
    n = sample(EG_NOTICE_REJECTED);
    n.track_url = url;
    assert_int_equal(render(&n, &r), EG_OK);
    assert_not_contains(eg_buf_str(&r.sms), "Ly do");
    assert_contains(eg_buf_str(&r.sms), url);
    assert_contains(eg_buf_str(&r.body), REASON);
    rendered_release(&r);
}

static void
test_bad_notice_refused(void **state)
{
    (void)state;
    struct rendered r;
    struct eg_notice n = sample(EG_NOTICE_RECEIVED);
    assert_int_equal(eg_notice_render(NULL, NULL, NULL, NULL), EG_EINVAL);
    n.kind = EG_NOTICE_KIND_COUNT;
    assert_int_equal(render(&n, &r), EG_EINVAL);
    rendered_release(&r);
    n.kind = (enum eg_notice_kind) - 1;
    assert_int_equal(render(&n, &r), EG_EINVAL);
    rendered_release(&r);
    static const struct {
        const char *field, *value;
    } bad[] = {
        {"code", NULL},
        {"code", ""},
        {"code", "H41 0001"},
        {"code", "Hồ-sơ-1"},
        {"code", "H41-260115-0001-0000000000000000000000000000000000000000000000000000"},
        {"due", "2026-01-20"},
        {"due", "32/01/2026"},
        {"due", "20/13/2026"},
        {"due", "1/1/2026"},
        {"track_url", "javascript:alert(1)"},
        {"track_url", "https://dvc.example.vn/t/a b"},
        {"track_url", "https://dvc.example.vn/t/\r\nX"},
        {"applicant_name", "An\xff"},
        {"reason", "\xc3("},
        {"agency_name", "\xed\xa0\x80"},
    };
    for (size_t i = 0; i < EG_ARRAY_LEN(bad); i++) {
        n = sample(EG_NOTICE_REFUSED);
        const char **f = strcmp(bad[i].field, "code") == 0          ? &n.code
                         : strcmp(bad[i].field, "due") == 0         ? &n.due
                         : strcmp(bad[i].field, "track_url") == 0   ? &n.track_url
                         : strcmp(bad[i].field, "reason") == 0      ? &n.reason
                         : strcmp(bad[i].field, "agency_name") == 0 ? &n.agency_name
                                                                    : &n.applicant_name;
        *f = bad[i].value;
        if (render(&n, &r) != EG_EINVAL)
            fail_msg("%s '%s' accepted", bad[i].field, bad[i].value ? bad[i].value : "(null)");
        rendered_release(&r);
    }
    n = sample(EG_NOTICE_RECEIVED);
    n.event_id = 0;
    assert_int_equal(render(&n, &r), EG_EINVAL);
    rendered_release(&r);
}

/* ---- queueing ------------------------------------------------------------------------- */

#define BOTH(fn) DBT_BOTH(fn, dbt_setup_migrated)

static int64_t
rows(struct eg_db *db, const char *where)
{
    char sql[256];
    snprintf(sql, sizeof(sql), "SELECT count(*) FROM outbox WHERE %s", where);
    return dbt_scalar(db, sql);
}

/* The payload of the row with this dedupe key, parsed; the channel into ch. */
static json_t *
payload_of(struct eg_db *db, const char *key, char *ch, size_t chn)
{
    struct eg_tx *tx = dbt_begin(db, EG_TX_READ);
    struct eg_stmt *st =
        dbt_prepare(tx, "SELECT channel, payload, state FROM outbox WHERE dedupe_key = ?");
    assert_int_equal(eg_stmt_bind_text(st, 1, key, SIZE_MAX), EG_OK);
    bool row = false;
    assert_int_equal(eg_stmt_step(st, &row), EG_OK);
    if (!row)
        fail_msg("no outbox row %s", key);
    snprintf(ch, chn, "%s", eg_stmt_text(st, 0));
    assert_string_equal(eg_stmt_text(st, 2), "queued");
    json_error_t je;
    json_t *p = json_loads(eg_stmt_text(st, 1), 0, &je);
    assert_non_null(p);
    eg_tx_rollback(tx);
    return p;
}

static void
notice(struct eg_db *db, const struct eg_notice *n)
{
    struct eg_tx *tx = dbt_begin(db, EG_TX_WRITE);
    enum eg_err rc = eg_notify_notice(tx, n, T0);
    if (rc != EG_OK)
        fail_msg("eg_notify_notice(%s): %s", eg_notice_kind_name(n->kind), eg_strerror(rc));
    assert_int_equal(eg_tx_commit(tx), EG_OK);
}

static void
test_each_kind_queued(void **state)
{
    struct dbt *t = dbt_get(state);
    for (int k = 0; k < EG_NOTICE_KIND_COUNT; k++) {
        struct eg_notice n = sample((enum eg_notice_kind)k);
        notice(t->db, &n);
        struct rendered r;
        assert_int_equal(render(&n, &r), EG_OK);
        char key[64], ch[16];
        snprintf(key, sizeof(key), "notice:%lld:email", (long long)n.event_id);
        json_t *p = payload_of(t->db, key, ch, sizeof(ch));
        assert_string_equal(ch, "email");
        assert_int_equal(json_object_size(p), 4);
        assert_string_equal(json_string_value(json_object_get(p, "to")), "an@example.vn");
        assert_string_equal(json_string_value(json_object_get(p, "to_name")), "Nguyễn Văn An");
        assert_string_equal(json_string_value(json_object_get(p, "subject")), r.subject.p);
        assert_string_equal(json_string_value(json_object_get(p, "text")), r.body.p);
        json_decref(p);
        snprintf(key, sizeof(key), "notice:%lld:sms", (long long)n.event_id);
        p = payload_of(t->db, key, ch, sizeof(ch));
        assert_string_equal(ch, "sms");
        assert_int_equal(json_object_size(p), 2);
        assert_string_equal(json_string_value(json_object_get(p, "to")), "+84912345678");
        assert_string_equal(json_string_value(json_object_get(p, "text")), expect[k].sms);
        json_decref(p);
        rendered_release(&r);
    }
    assert_int_equal(rows(t->db, "channel = 'email'"), EG_NOTICE_KIND_COUNT);
    assert_int_equal(rows(t->db, "channel = 'sms'"), EG_NOTICE_KIND_COUNT);
    assert_int_equal(rows(t->db, "state = 'queued' AND attempts = 0"), 2 * EG_NOTICE_KIND_COUNT);
    assert_int_equal(dbt_scalar(t->db, "SELECT min(created_ms) FROM outbox"), T0);

    /* The same event told again (a retried request): success, nothing new. */
    struct eg_notice n = sample(EG_NOTICE_RECEIVED);
    struct eg_tx *tx = dbt_begin(t->db, EG_TX_WRITE);
    assert_int_equal(eg_notify_notice(tx, &n, T0 + 1000), EG_OK);
    assert_int_equal(eg_notify_notice(tx, &n, T0 + 2000), EG_OK);
    /* ... and the transaction is still usable (PostgreSQL). */
    n.event_id = 5000;
    assert_int_equal(eg_notify_notice(tx, &n, T0), EG_OK);
    assert_int_equal(eg_tx_commit(tx), EG_OK);
    assert_int_equal(rows(t->db, "1 = 1"), 2 * EG_NOTICE_KIND_COUNT + 2);
}

static void
test_channels_the_applicant_has(void **state)
{
    struct dbt *t = dbt_get(state);
    struct eg_notice n = sample(EG_NOTICE_RESULT_READY);
    n.event_id = 1;
    n.phone = NULL;
    notice(t->db, &n);
    n.event_id = 2;
    n.email = "";
    n.phone = "+84 983 456 789";
    notice(t->db, &n);
    n.event_id = 3;
    n.email = NULL;
    n.phone = "";
    notice(t->db, &n);
    assert_int_equal(rows(t->db, "dedupe_key = 'notice:1:email'"), 1);
    assert_int_equal(rows(t->db, "dedupe_key = 'notice:2:sms'"), 1);
    assert_int_equal(rows(t->db, "1 = 1"), 2);
    char ch[16];
    json_t *p = payload_of(t->db, "notice:2:sms", ch, sizeof(ch));
    assert_string_equal(json_string_value(json_object_get(p, "to")), "+84983456789");
    json_decref(p);

    /* A contact that cannot be used is skipped, with a warning that does not repeat it;
     * the other channel is still queued. */
    char logpath[] = "/tmp/egov_notice_log_XXXXXX";
    int fd = mkstemp(logpath);
    assert_true(fd >= 0);
    eg_log_setup(EG_LOG_DEBUG, fd);
    n = sample(EG_NOTICE_REFUSED);
    n.event_id = 4;
    n.email = "an at example.vn";
    notice(t->db, &n);
    n.event_id = 5;
    n.email = "an@example.vn";
    n.phone = "024 3456 7890";
    notice(t->db, &n);
    eg_log_setup(EG_LOG_INFO, 2);
    close(fd);
    assert_int_equal(rows(t->db, "dedupe_key LIKE 'notice:4:%'"), 1);
    assert_int_equal(rows(t->db, "dedupe_key = 'notice:4:sms'"), 1);
    assert_int_equal(rows(t->db, "dedupe_key LIKE 'notice:5:%'"), 1);
    assert_int_equal(rows(t->db, "dedupe_key = 'notice:5:email'"), 1);
    FILE *f = fopen(logpath, "r");
    assert_non_null(f);
    static char log[1 << 14];
    size_t len = fread(log, 1, sizeof(log) - 1, f);
    log[len] = '\0';
    fclose(f);
    unlink(logpath);
    assert_contains(log, "notice 4 (refused): the applicant's email address is not usable");
    assert_contains(log, "notice 5 (refused): the applicant's phone number is not a Vietnamese");
    assert_not_contains(log, "an at example");
    assert_not_contains(log, "3456");

    /* Rolled back with the change: nothing. */
    struct eg_tx *tx = dbt_begin(t->db, EG_TX_WRITE);
    n = sample(EG_NOTICE_WITHDRAWN);
    assert_int_equal(eg_notify_notice(tx, &n, T0), EG_OK);
    eg_tx_rollback(tx);
    assert_int_equal(rows(t->db, "dedupe_key LIKE 'notice:1009:%'"), 0);

    /* A bad notice queues nothing and says so. */
    tx = dbt_begin(t->db, EG_TX_WRITE);
    n.due = "2026-01-20";
    assert_int_equal(eg_notify_notice(tx, &n, T0), EG_EINVAL);
    assert_int_equal(eg_notify_notice(tx, NULL, T0), EG_EINVAL);
    eg_tx_rollback(tx);
}

static void
test_outbox_sms_rows(void **state)
{
    struct dbt *t = dbt_get(state);
    struct eg_tx *tx = dbt_begin(t->db, EG_TX_WRITE);
    assert_int_equal(eg_outbox_add_sms(tx, "s:1", "0912.345.678", "Hồ sơ đã có kết quả.", T0),
                     EG_OK);
    assert_int_equal(eg_outbox_add_sms(tx, "s:1", "0912345678", "x", T0), EG_ECONFLICT);
    assert_int_equal(eg_outbox_add_sms(tx, "s:2", "0243456789", "x", T0), EG_EINVAL);
    assert_int_equal(eg_outbox_add_sms(tx, "s:3", "0912345678", "", T0), EG_EINVAL);
    assert_int_equal(eg_outbox_add_sms(tx, "s:4", "0912345678", NULL, T0), EG_EINVAL);
    assert_int_equal(eg_outbox_add_sms(tx, "s:5", "0912345678", "\xff", T0), EG_EINVAL);
    assert_int_equal(eg_outbox_add_sms(tx, "", "0912345678", "x", T0), EG_EINVAL);
    char big[EG_SMS_TEXT_MAX + 2];
    memset(big, 'a', sizeof(big) - 1);
    big[sizeof(big) - 1] = '\0';
    assert_int_equal(eg_outbox_add_sms(tx, "s:6", "0912345678", big, T0), EG_EINVAL);
    /* Through eg_outbox_add(): "to" in E.164, exactly "to" and "text". */
    json_t *p = json_pack("{s:s, s:s}", "to", "+84912345678", "text", "Xin chào");
    assert_int_equal(eg_outbox_add(tx, "sms", "s:7", p, T0), EG_OK);
    json_decref(p);
    p = json_pack("{s:s, s:s}", "to", "0912345678", "text", "x");
    assert_int_equal(eg_outbox_add(tx, "sms", "s:8", p, T0), EG_EINVAL);
    json_decref(p);
    p = json_pack("{s:s, s:s, s:s}", "to", "+84912345678", "text", "x", "from", "y");
    assert_int_equal(eg_outbox_add(tx, "sms", "s:9", p, T0), EG_EINVAL);
    json_decref(p);
    p = json_pack("{s:s, s:s}", "to", "+84912345678", "text", "a\rb");
    assert_int_equal(eg_outbox_add(tx, "sms", "s:10", p, T0), EG_EINVAL);
    json_decref(p);
    p = json_pack("{s:s, s:i}", "to", "+84912345678", "text", 1);
    assert_int_equal(eg_outbox_add(tx, "sms", "s:11", p, T0), EG_EINVAL);
    json_decref(p);
    /* An SMS payload is not an email, nor the other way round. */
    p = json_pack("{s:s, s:s, s:s}", "to", "a@example.vn", "subject", "s", "text", "t");
    assert_int_equal(eg_outbox_add(tx, "sms", "s:12", p, T0), EG_EINVAL);
    json_decref(p);
    p = json_pack("{s:s, s:s}", "to", "+84912345678", "text", "x");
    assert_int_equal(eg_outbox_add(tx, "email", "s:13", p, T0), EG_EINVAL);
    json_decref(p);
    assert_int_equal(eg_tx_commit(tx), EG_OK);
    assert_int_equal(rows(t->db, "channel = 'sms'"), 2);
    char ch[16];
    p = payload_of(t->db, "s:1", ch, sizeof(ch));
    assert_string_equal(ch, "sms");
    assert_string_equal(json_string_value(json_object_get(p, "to")), "+84912345678");
    assert_string_equal(json_string_value(json_object_get(p, "text")), "Ho so da co ket qua.");
    json_decref(p);
    p = payload_of(t->db, "s:7", ch, sizeof(ch));
    assert_string_equal(json_string_value(json_object_get(p, "text")), "Xin chào");
    json_decref(p);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_kind_rendered),
        cmocka_unit_test(test_optional_parts),
        cmocka_unit_test(test_text_cleaned),
        cmocka_unit_test(test_bad_notice_refused),
        BOTH(test_each_kind_queued),
        BOTH(test_channels_the_applicant_has),
        BOTH(test_outbox_sms_rows),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
