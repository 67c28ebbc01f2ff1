/*
 * test_rules.c - the pure rules of dossiers/: codes, the national status
 * table, process definitions, and a submitted form checked against a
 * procedure's form definition.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "dossiers/dossiers_int.h"

static void
test_codes(void **state)
{
    (void)state;
    char code[64];
    struct eg_date d = {2021, 5, 31};
    assert_int_equal(eg_dossier_code_format("000.17.22.H56", d, 1, code, sizeof(code)), EG_OK);
    assert_string_equal(code, "000.17.22.H56-210531-0001");
    assert_true(eg_dossier_code_valid(code));
    assert_int_equal(eg_dossier_code_format("000.00.14.H56", (struct eg_date){2020, 2, 3}, 118,
                                            code, sizeof(code)),
                     EG_OK);
    assert_string_equal(code, "000.00.14.H56-200203-0118");
    /* Past 9999 a day, the number grows a digit rather than wrapping or failing. */
    assert_int_equal(eg_dossier_code_format("000.00.41.H41", d, 10000, code, sizeof(code)), EG_OK);
    assert_string_equal(code, "000.00.41.H41-210531-10000");
    assert_true(eg_dossier_code_valid(code));
    assert_int_equal(eg_dossier_code_format("000.00.41.H41", d, 0, code, sizeof(code)), EG_EINVAL);
    assert_int_equal(eg_dossier_code_format("", d, 1, code, sizeof(code)), EG_EINVAL);
    assert_int_equal(eg_dossier_code_format("000.00.41.H41", d, 1, code, 10), EG_ETOOBIG);

    static const char *const bad[] = {
        "",
        "000.17.22.H56",
        "000.17.22.H56-210531",
        "000.17.22.H56-21053-0001",
        "000.17.22.H56-210531-001",
        "000.17.22.h56-210531-0001",
        "<script>-210531-0001",
        "000.17.22.H56-210531-0001x",
        "000.17.22.H56-2105311-0001",
        "../../etc/passwd",
        "000.17.22.H56-210531-123456",
    };
    for (size_t i = 0; i < EG_ARRAY_LEN(bad); i++)
        assert_false(eg_dossier_code_valid(bad[i]));
    assert_false(eg_dossier_code_valid(NULL));
}

static void
test_states(void **state)
{
    (void)state;
    /* DOMAIN-VN §3.2: the national portal's TrangThaiHoSo codes. */
    static const struct {
        enum eg_dossier_state s;
        int national;
    } want[] = {
        {EG_DS_DRAFT, 0},        {EG_DS_SUBMITTED, 1},  {EG_DS_RECEIVED, 2},  {EG_DS_REFUSED, 3},
        {EG_DS_PROCESSING, 4},   {EG_DS_SUPPLEMENT, 5}, {EG_DS_WITHDRAWN, 7}, {EG_DS_STOPPED, 8},
        {EG_DS_RESULT_READY, 9}, {EG_DS_RETURNED, 10},
    };
    for (size_t i = 0; i < EG_ARRAY_LEN(want); i++) {
        assert_int_equal(eg_dossier_national_status(want[i].s), want[i].national);
        enum eg_dossier_state back;
        assert_int_equal(eg_dossier_state_parse(eg_dossier_state_str(want[i].s), &back), EG_OK);
        assert_int_equal(back, want[i].s);
        assert_non_null(strstr(eg_dossier_state_title(want[i].s, "vi"), " ")
                            ? eg_dossier_state_title(want[i].s, "vi")
                            : "x");
    }
    assert_true(eg_dossier_state_final(EG_DS_RETURNED));
    assert_false(eg_dossier_state_final(EG_DS_SUPPLEMENT));
    for (int a = 0; a < EG_DA_COUNT; a++) {
        enum eg_dossier_action back;
        assert_int_equal(eg_dossier_action_parse(eg_dossier_action_str(a), &back), EG_OK);
        assert_int_equal((int)back, a);
    }
    enum eg_dossier_action x;
    assert_int_equal(eg_dossier_action_parse("approve; DROP TABLE", &x), EG_EINVAL);
}

static enum eg_err
check_process(const char *text, char *msg, size_t cap)
{
    json_error_t err;
    json_t *def = json_loads(text, 0, &err);
    assert_non_null(def);
    struct eg_buf b = EG_BUF_INIT(1024);
    enum eg_err rc = eg_process_check(def, &b);
    snprintf(msg, cap, "%s", eg_buf_str(&b));
    eg_buf_release(&b);
    json_decref(def);
    return rc;
}

static void
test_process_check(void **state)
{
    (void)state;
    char msg[1024];
    assert_int_equal(
        check_process("{\"receiving\":\"000.00.14.H41\",\"steps\":[{\"id\":\"a\",\"name\":\"Thẩm "
                      "định\",\"unit\":\"agency\",\"role\":\"specialist\",\"days\":2},{\"id\":"
                      "\"b\",\"name\":\"Phê duyệt\",\"unit\":\"000.00.07.H41\",\"role\":\"agency_"
                      "leader\",\"days\":1,\"decides\":true}]}",
                      msg, sizeof(msg)),
        EG_OK);
    static const struct {
        const char *def, *want;
    } bad[] = {
        {"[]", "đối tượng"},
        {"{\"steps\":[]}", "steps"},
        {"{\"stepz\":[]}", "stepz"},
        {"{\"steps\":[{\"id\":\"a\",\"name\":\"X\",\"unit\":\"agency\",\"role\":\"specialist\","
         "\"days\":1}]}",
         "decides"},
        {"{\"steps\":[{\"id\":\"A\",\"name\":\"X\",\"unit\":\"agency\",\"role\":\"specialist\","
         "\"days\":1,\"decides\":true}]}",
         "steps[0].id"},
        {"{\"steps\":[{\"id\":\"a\",\"name\":\"X\",\"unit\":\"somewhere\",\"role\":"
         "\"specialist\",\"days\":1,\"decides\":true}]}",
         "steps[0].unit"},
        {"{\"steps\":[{\"id\":\"a\",\"name\":\"X\",\"unit\":\"agency\",\"role\":\"citizen\","
         "\"days\":1,\"decides\":true}]}",
         "steps[0].role"},
        {"{\"steps\":[{\"id\":\"a\",\"name\":\"X\",\"unit\":\"agency\",\"role\":\"specialist\","
         "\"days\":366,\"decides\":true}]}",
         "steps[0].days"},
        {"{\"steps\":[{\"id\":\"a\",\"name\":\"X\",\"unit\":\"agency\",\"role\":\"specialist\","
         "\"days\":1},{\"id\":\"a\",\"name\":\"Y\",\"unit\":\"agency\",\"role\":"
         "\"specialist\",\"days\":1,\"decides\":true}]}",
         "steps[1].id"},
        {"{\"receiving\":\"X\",\"steps\":[{\"id\":\"a\",\"name\":\"X\",\"unit\":\"agency\","
         "\"role\":\"specialist\",\"days\":1,\"decides\":true}]}",
         "receiving"},
        {"{\"steps\":[{\"id\":\"a\",\"name\":\"X\",\"unit\":\"agency\",\"role\":\"specialist\","
         "\"days\":1,\"decides\":true,\"extra\":1}]}",
         "extra"},
    };
    for (size_t i = 0; i < EG_ARRAY_LEN(bad); i++) {
        assert_int_equal(check_process(bad[i].def, msg, sizeof(msg)), EG_EINVAL);
        if (!strstr(msg, bad[i].want))
            fail_msg("case %zu: \"%s\" does not name %s", i, msg, bad[i].want);
    }
    /* The default process passes its own check, for any number of working days. */
    for (int wd = 0; wd <= 365; wd += 73) {
        json_t *def = NULL;
        assert_int_equal(eg_process_default(wd, &def), EG_OK);
        struct eg_buf b = EG_BUF_INIT(1024);
        assert_int_equal(eg_process_check(def, &b), EG_OK);
        eg_buf_release(&b);
        json_decref(def);
    }
}

/* A procedure document with one field of each kind (what form.c reads of it). */
static json_t *
procedure(void)
{
    json_error_t err;
    json_t *p = json_loads(
        "{\"form\":{\"fields\":["
        "{\"name\":\"ho_ten\",\"label\":\"Họ và tên\",\"type\":\"text\",\"required\":true,"
        "\"max_length\":10},"
        "{\"name\":\"ghi_chu\",\"label\":\"Ghi chú\",\"type\":\"textarea\"},"
        "{\"name\":\"so_ban\",\"label\":\"Số bản\",\"type\":\"number\",\"min\":1,\"max\":5},"
        "{\"name\":\"ngay\",\"label\":\"Ngày sinh\",\"type\":\"date\"},"
        "{\"name\":\"co_cha\",\"label\":\"Có cha\",\"type\":\"select\",\"required\":true,"
        "\"options\":[{\"value\":\"yes\",\"label\":\"Có\"},{\"value\":\"no\",\"label\":"
        "\"Không\"}]},"
        "{\"name\":\"ten_cha\",\"label\":\"Tên cha\",\"type\":\"text\",\"required\":true,"
        "\"show_if\":{\"field\":\"co_cha\",\"equals\":\"yes\"}},"
        "{\"name\":\"cccd\",\"label\":\"Số định danh\",\"type\":\"personal_id\"},"
        "{\"name\":\"mst\",\"label\":\"Mã số thuế\",\"type\":\"tax_code\"},"
        "{\"name\":\"dt\",\"label\":\"Điện thoại\",\"type\":\"phone\"},"
        "{\"name\":\"email\",\"label\":\"Thư điện tử\",\"type\":\"email\"},"
        "{\"name\":\"dia_chi\",\"label\":\"Địa chỉ\",\"type\":\"address\"},"
        "{\"name\":\"giay\",\"label\":\"Giấy chứng sinh\",\"type\":\"file\",\"required\":true}"
        "]}}",
        0, &err);
    assert_non_null(p);
    return p;
}

static enum eg_err
form(const char *text, bool partial, json_t **clean, char *msg, size_t cap)
{
    json_error_t err;
    json_t *f = json_loads(text, 0, &err);
    if (!f)
        fail_msg("bad test JSON %s: %s", text, err.text);
    json_t *p = procedure();
    struct eg_buf b = EG_BUF_INIT(1024);
    enum eg_err rc = ds_form_check(p, f, 2026, partial, clean, &b);
    snprintf(msg, cap, "%s", eg_buf_str(&b));
    eg_buf_release(&b);
    json_decref(p);
    json_decref(f);
    return rc;
}

static void
test_form_check(void **state)
{
    (void)state;
    char msg[1024];
    json_t *clean = NULL;
    /* NFD in, NFC out, trimmed; numbers as strings accepted; the phone normalised;
     * the father's name dropped because "co_cha" is "no". */
    assert_int_equal(form("{\"ho_ten\":\"  Nguye\xcc\x82\xcc\x83n An \",\"so_ban\":\"2\","
                          "\"co_cha\":\"no\",\"ten_cha\":\"X\",\"dt\":\"+84 912.345.678\","
                          "\"cccd\":\"001 204 001 234\",\"ghi_chu\":\"dòng 1\\ndòng 2\"}",
                          false, &clean, msg, sizeof(msg)),
                     EG_OK);
    assert_string_equal(json_string_value(json_object_get(clean, "ho_ten")), "Nguyễn An");
    assert_int_equal(json_integer_value(json_object_get(clean, "so_ban")), 2);
    assert_null(json_object_get(clean, "ten_cha"));
    assert_string_equal(json_string_value(json_object_get(clean, "dt")), "0912345678");
    assert_string_equal(json_string_value(json_object_get(clean, "cccd")), "001204001234");
    assert_string_equal(json_string_value(json_object_get(clean, "ghi_chu")), "dòng 1\ndòng 2");
    json_decref(clean);

    static const struct {
        const char *form, *want;
    } bad[] = {
        {"{\"co_cha\":\"no\"}", "Họ và tên: bắt buộc"},
        {"{\"ho_ten\":\"An\",\"co_cha\":\"yes\"}", "Tên cha: bắt buộc"},
        {"{\"ho_ten\":\"An\",\"co_cha\":\"maybe\"}", "Có cha"},
        {"{\"ho_ten\":\"Nguyễn Văn Anh Tuấn\",\"co_cha\":\"no\"}", "dài quá 10"},
        {"{\"ho_ten\":\"An\",\"co_cha\":\"no\",\"so_ban\":9}", "không được lớn hơn 5"},
        {"{\"ho_ten\":\"An\",\"co_cha\":\"no\",\"so_ban\":\"2x\"}", "số nguyên"},
        {"{\"ho_ten\":\"An\",\"co_cha\":\"no\",\"ngay\":\"2026-02-30\"}", "Ngày sinh"},
        {"{\"ho_ten\":\"An\",\"co_cha\":\"no\",\"cccd\":\"12345\"}", "12 chữ số"},
        {"{\"ho_ten\":\"An\",\"co_cha\":\"no\",\"mst\":\"abc\"}", "Mã số thuế"},
        {"{\"ho_ten\":\"An\",\"co_cha\":\"no\",\"dt\":\"+1 555 0100\"}", "Điện thoại"},
        {"{\"ho_ten\":\"An\",\"co_cha\":\"no\",\"email\":\"a@b\"}", "Thư điện tử"},
        {"{\"ho_ten\":\"An\\u0007\",\"co_cha\":\"no\"}", "điều khiển"},
        {"{\"ho_ten\":\"An\",\"co_cha\":\"no\",\"unknown\":1}", "unknown"},
        {"{\"ho_ten\":[\"An\"],\"co_cha\":\"no\"}", "phải là chữ"},
    };
    for (size_t i = 0; i < EG_ARRAY_LEN(bad); i++) {
        clean = NULL;
        assert_int_equal(form(bad[i].form, false, &clean, msg, sizeof(msg)), EG_EINVAL);
        assert_null(clean);
        if (!strstr(msg, bad[i].want))
            fail_msg("case %zu: \"%s\" does not say %s", i, msg, bad[i].want);
    }
    /* A draft may leave required fields empty, but not hold wrong values. */
    assert_int_equal(form("{}", true, &clean, msg, sizeof(msg)), EG_OK);
    json_decref(clean);
    assert_int_equal(form("{\"cccd\":\"1\"}", true, &clean, msg, sizeof(msg)), EG_EINVAL);

    /* A required file field needs a file with its name, unless it is not asked. */
    json_t *p = procedure();
    json_t *c = json_pack("{s:s}", "co_cha", "no");
    struct eg_buf b = EG_BUF_INIT(1024);
    assert_int_equal(ds_form_files_check(p, c, NULL, 0, &b), EG_EINVAL);
    assert_non_null(strstr(eg_buf_str(&b), "Giấy chứng sinh"));
    struct eg_dossier_file_ref f = {.attachment_id = 7, .component = -1, .field = "giay"};
    assert_int_equal(ds_form_files_check(p, c, &f, 1, &b), EG_OK);
    eg_buf_release(&b);
    json_decref(c);
    json_decref(p);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_codes),
        cmocka_unit_test(test_states),
        cmocka_unit_test(test_process_check),
        cmocka_unit_test(test_form_check),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
