/*
 * test_org_unit.c - the organisation tree on both drivers: creating units
 * under the right parent, reading one, listing with diacritic-insensitive
 * search and paging, importing all-or-nothing, and the instance settings.
 *
 * Vietnamese literals here are NFC; NFD forms are spelled with code points.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "directory/directory.h"
#include "db/dbtest.h"

#define NOW 1767225600 /* 2026-01-01T00:00:00Z */

/* NFD "Nguyễn Thị Thuỷ": e U+0302 U+0303, i U+0323, y U+0309. */
#define NAME_NFD "Nguye\xcc\x82\xcc\x83n Thi\xcc\xa3 Thuy\xcc\x89"
#define NAME_NFC "Nguyễn Thị Thuỷ"

static struct eg_org_unit
unit(const char *code, const char *parent, enum eg_org_kind kind, const char *name)
{
    return (struct eg_org_unit){
        .code = code,
        .parent_code = parent,
        .kind = kind,
        .name = name,
        .valid_from = "2025-07-01",
    };
}

/* eg_org_unit_create in a write tx of its own; msg_out gets the message. */
static enum eg_err
create(struct eg_db *db, const struct eg_org_unit *u, char *msg_out, size_t cap)
{
    struct eg_tx *tx = dbt_begin(db, EG_TX_WRITE);
    struct eg_buf msg = EG_BUF_INIT(2048);
    enum eg_err rc = eg_org_unit_create(tx, u, NOW, &msg);
    if (msg_out)
        snprintf(msg_out, cap, "%s", eg_buf_str(&msg));
    eg_buf_release(&msg);
    if (rc == EG_OK)
        rc = eg_tx_commit(tx);
    else
        eg_tx_rollback(tx);
    return rc;
}

static void
create_ok(struct eg_db *db, const char *code, const char *parent, enum eg_org_kind kind,
          const char *name)
{
    struct eg_org_unit u = unit(code, parent, kind, name);
    char msg[2048];
    enum eg_err rc = create(db, &u, msg, sizeof(msg));
    if (rc != EG_OK)
        fail_msg("create %s: %s: %s", code, eg_strerror(rc), msg);
}

/* Refused with rc, a Vietnamese message, and nothing stored. */
static void
create_refused(struct eg_db *db, const struct eg_org_unit *u, enum eg_err want)
{
    int64_t before = 0, after = 0;
    assert_int_equal(eg_org_unit_count(db, &before), EG_OK);
    char msg[2048];
    enum eg_err rc = create(db, u, msg, sizeof(msg));
    if (rc != want)
        fail_msg("create %s (parent %s): %s, expected %s (%s)", u->code ? u->code : "(null)",
                 u->parent_code ? u->parent_code : "none", eg_err_code(rc), eg_err_code(want), msg);
    assert_true(strlen(msg) > 0);
    assert_true(eg_utf8_valid(msg, strlen(msg)));
    assert_int_equal(eg_org_unit_count(db, &after), EG_OK);
    assert_int_equal(after, before);
}

/* A small province: root, two departments, a sub-unit, communes. */
static void
small_tree(struct eg_db *db)
{
    create_ok(db, "000.00.00.H41", NULL, EG_ORG_PROVINCE_COMMITTEE, "Ủy ban nhân dân tỉnh Nghệ An");
    create_ok(db, "000.00.02.H41", "000.00.00.H41", EG_ORG_DEPARTMENT, "Sở Nội vụ tỉnh Nghệ An");
    create_ok(db, "000.00.05.H41", "000.00.00.H41", EG_ORG_DEPARTMENT, "Sở Xây dựng tỉnh Nghệ An");
    create_ok(db, "000.01.02.H41", "000.00.02.H41", EG_ORG_SUB_UNIT, "Văn phòng Sở Nội vụ");
    create_ok(db, "001.01.02.H41", "000.01.02.H41", EG_ORG_SUB_UNIT, "Tổ lưu trữ");
    create_ok(db, "000.00.41.H41", "000.00.00.H41", EG_ORG_COMMUNE_COMMITTEE,
              "Ủy ban nhân dân phường Trường Vinh");
    create_ok(db, "000.00.43.H41", "000.00.00.H41", EG_ORG_COMMUNE_COMMITTEE,
              "Ủy ban nhân dân phường Vinh Hưng");
    create_ok(db, "000.00.49.H41", "000.00.00.H41", EG_ORG_COMMUNE_COMMITTEE,
              "Ủy ban nhân dân xã Hưng Nguyên");
}

static json_t *
get_ok(struct eg_db *db, const char *code)
{
    json_t *o = NULL;
    enum eg_err rc = eg_org_unit_get(db, code, &o);
    if (rc != EG_OK)
        fail_msg("get %s: %s", code, eg_strerror(rc));
    assert_non_null(o);
    return o;
}

static const char *
jstr(const json_t *o, const char *key)
{
    const json_t *v = json_object_get(o, key);
    return json_is_string(v) ? json_string_value(v) : NULL;
}

/* ---- create ----------------------------------------------------------------------- */

static void
test_create_tree(void **state)
{
    struct dbt *t = dbt_get(state);
    small_tree(t->db);
    int64_t n = 0;
    assert_int_equal(eg_org_unit_count(t->db, &n), EG_OK);
    assert_int_equal(n, 8);

    json_t *root = get_ok(t->db, "000.00.00.H41");
    assert_string_equal(jstr(root, "code"), "000.00.00.H41");
    assert_string_equal(jstr(root, "kind"), "province_committee");
    assert_string_equal(jstr(root, "name"), "Ủy ban nhân dân tỉnh Nghệ An");
    assert_string_equal(jstr(root, "valid_from"), "2025-07-01");
    assert_true(json_is_null(json_object_get(root, "valid_to")));
    assert_true(json_is_null(json_object_get(root, "parent")));
    assert_true(json_is_null(json_object_get(root, "email")));
    assert_true(json_is_true(json_object_get(root, "open")));
    assert_true(json_is_false(json_object_get(root, "demo")));
    assert_int_equal(json_integer_value(json_object_get(root, "level")), 1);
    json_decref(root);

    json_t *leaf = get_ok(t->db, "001.01.02.H41");
    assert_int_equal(json_integer_value(json_object_get(leaf, "level")), 4);
    const json_t *p = json_object_get(leaf, "parent");
    assert_true(json_is_object(p));
    assert_string_equal(jstr(p, "code"), "000.01.02.H41");
    assert_string_equal(jstr(p, "name"), "Văn phòng Sở Nội vụ");
    json_decref(leaf);
}

static void
test_create_all_fields(void **state)
{
    struct dbt *t = dbt_get(state);
    struct eg_org_unit u = {
        .code = "000.00.00.H41",
        .kind = EG_ORG_PROVINCE_COMMITTEE,
        .name = "Ủy ban nhân dân tỉnh Nghệ An",
        .name_en = "People's Committee of Nghe An Province",
        .short_name = "UBND tỉnh",
        .address = "Số 3 đường Trường Thi",
        .phone = "0238 3999 100",
        .email = "ubnd@nghean.demo.egov.vn",
        .website = "https://nghean.demo.egov.vn",
        .valid_from = "2025-07-01",
        .demo = true,
    };
    assert_int_equal(create(t->db, &u, NULL, 0), EG_OK);
    json_t *o = get_ok(t->db, u.code);
    assert_string_equal(jstr(o, "name_en"), u.name_en);
    assert_string_equal(jstr(o, "short_name"), u.short_name);
    assert_string_equal(jstr(o, "address"), u.address);
    assert_string_equal(jstr(o, "phone"), u.phone);
    assert_string_equal(jstr(o, "email"), u.email);
    assert_string_equal(jstr(o, "website"), u.website);
    assert_true(json_is_true(json_object_get(o, "demo")));
    json_decref(o);
    /* The short name is searchable too. */
    struct eg_org_query q = {.q = "ubnd", .limit = 10};
    json_t *res = NULL;
    assert_int_equal(eg_org_unit_list(t->db, &q, &res), EG_OK);
    assert_int_equal(json_integer_value(json_object_get(res, "total")), 1);
    json_decref(res);
}

static void
test_create_wrong_parent(void **state)
{
    struct dbt *t = dbt_get(state);
    small_tree(t->db);
    /* A sub-unit of 000.00.02 placed under another department. */
    struct eg_org_unit u = unit("000.02.02.H41", "000.00.05.H41", EG_ORG_SUB_UNIT, "Phòng A");
    create_refused(t->db, &u, EG_EINVAL);
    /* Another province's code. */
    u = unit("000.00.06.H42", "000.00.00.H41", EG_ORG_DEPARTMENT, "Sở B");
    create_refused(t->db, &u, EG_EINVAL);
    /* Another group letter. */
    u = unit("000.00.06.K41", "000.00.00.H41", EG_ORG_DEPARTMENT, "Sở B");
    create_refused(t->db, &u, EG_EINVAL);
    /* A sibling as parent. */
    u = unit("000.00.06.H41", "000.00.05.H41", EG_ORG_DEPARTMENT, "Sở B");
    create_refused(t->db, &u, EG_EINVAL);
    /* A child as parent. */
    u = unit("000.00.02.H41", "000.01.02.H41", EG_ORG_DEPARTMENT, "Sở B");
    create_refused(t->db, &u, EG_EINVAL);
    /* A root with a parent, a non-root without one. */
    u = unit("000.00.00.H42", "000.00.00.H41", EG_ORG_PROVINCE_COMMITTEE, "UBND B");
    create_refused(t->db, &u, EG_EINVAL);
    u = unit("000.00.07.H41", NULL, EG_ORG_DEPARTMENT, "Sở C");
    create_refused(t->db, &u, EG_EINVAL);
    /* A parent code that is not a code. */
    u = unit("000.00.07.H41", "UBND", EG_ORG_DEPARTMENT, "Sở C");
    create_refused(t->db, &u, EG_EINVAL);
}

/*
 * The parent is the unit one level up, the code's own parent: a level-3
 * sub-unit 000.02.02.H41 of department 000.00.02.H41 cannot hang directly
 * under the province 000.00.00.H41. Today any ancestor is accepted, so a
 * sub-unit can even exist while its department does not.
 */
static void
test_create_parent_must_be_one_level_up(void **state)
{
    struct dbt *t = dbt_get(state);
    small_tree(t->db);
    struct eg_org_unit u = unit("000.02.02.H41", "000.00.00.H41", EG_ORG_SUB_UNIT, "Phòng A");
    create_refused(t->db, &u, EG_EINVAL);
    /* Department 000.00.07 does not exist; its sub-unit must not either. */
    u = unit("000.01.07.H41", "000.00.00.H41", EG_ORG_SUB_UNIT, "Phòng B");
    create_refused(t->db, &u, EG_EINVAL);
    u = unit("002.01.02.H41", "000.00.02.H41", EG_ORG_SUB_UNIT, "Tổ C");
    create_refused(t->db, &u, EG_EINVAL);
}

static void
test_create_missing_or_closed_parent(void **state)
{
    struct dbt *t = dbt_get(state);
    small_tree(t->db);
    /* The code is right, the parent does not exist. */
    struct eg_org_unit u = unit("000.01.09.H41", "000.00.09.H41", EG_ORG_SUB_UNIT, "Phòng A");
    create_refused(t->db, &u, EG_EINVAL);
    /* A closed parent takes no new children. */
    dbt_write(t->db, "UPDATE org_unit SET valid_to = '2025-12-31' WHERE code = '000.00.05.H41'");
    u = unit("000.01.05.H41", "000.00.05.H41", EG_ORG_SUB_UNIT, "Phòng B");
    create_refused(t->db, &u, EG_EINVAL);
    /* An open one still does. */
    create_ok(t->db, "000.02.02.H41", "000.00.02.H41", EG_ORG_SUB_UNIT, "Phòng C");
}

static void
test_create_duplicate(void **state)
{
    struct dbt *t = dbt_get(state);
    small_tree(t->db);
    struct eg_org_unit u = unit("000.00.02.H41", "000.00.00.H41", EG_ORG_DEPARTMENT, "Sở khác");
    create_refused(t->db, &u, EG_ECONFLICT);
    u = unit("000.00.00.H41", NULL, EG_ORG_PROVINCE_COMMITTEE, "UBND khác");
    create_refused(t->db, &u, EG_ECONFLICT);
    /* A closed unit's code is never reused either. */
    dbt_write(t->db, "UPDATE org_unit SET valid_to = '2025-12-31' WHERE code = '000.00.43.H41'");
    u = unit("000.00.43.H41", "000.00.00.H41", EG_ORG_COMMUNE_COMMITTEE, "UBND phường mới");
    create_refused(t->db, &u, EG_ECONFLICT);
}

static void
test_create_bad_fields(void **state)
{
    struct dbt *t = dbt_get(state);
    small_tree(t->db);
    char long_name[400];
    memset(long_name, 'a', sizeof(long_name) - 1);
    long_name[sizeof(long_name) - 1] = '\0';
    static const char *const bad_names[] = {"", "Sở\x01A", "Sở\nA", "Sở\x7f", "S\xc3", "\xff"};
    struct eg_org_unit u = unit("000.00.08.H41", "000.00.00.H41", EG_ORG_DEPARTMENT, NULL);
    create_refused(t->db, &u, EG_EINVAL);
    for (size_t i = 0; i < EG_ARRAY_LEN(bad_names); i++) {
        u.name = bad_names[i];
        create_refused(t->db, &u, EG_EINVAL);
    }
    u.name = long_name;
    create_refused(t->db, &u, EG_EINVAL);
    u.name = "Sở Khoa học và Công nghệ";
    static const char *const bad_dates[] = {"2025-13-01", "2025-00-10", "2025-07-32",   "2025-7-1",
                                            "01/07/2025", "",           "2025-07-01T00"};
    for (size_t i = 0; i < EG_ARRAY_LEN(bad_dates); i++) {
        u.valid_from = bad_dates[i];
        create_refused(t->db, &u, EG_EINVAL);
    }
    u.valid_from = NULL;
    create_refused(t->db, &u, EG_EINVAL);
    u.valid_from = "2025-07-01";
    u.email = "not-an-address";
    create_refused(t->db, &u, EG_EINVAL);
    u.email = NULL;
    u.phone = "0238\r\n3999";
    create_refused(t->db, &u, EG_EINVAL);
    u.phone = NULL;
    u.address = long_name;
    create_refused(t->db, &u, EG_EINVAL);
    u.address = NULL;
    u.code = "000.00.08.h41";
    create_refused(t->db, &u, EG_EINVAL);
    u.code = "000.00.08.H41";
    create_ok(t->db, u.code, u.parent_code, u.kind, u.name);
}

static void
test_create_nfc_and_fold(void **state)
{
    struct dbt *t = dbt_get(state);
    create_ok(t->db, "000.00.00.H41", NULL, EG_ORG_PROVINCE_COMMITTEE, "UBND");
    struct eg_org_unit u =
        unit("000.00.03.H41", "000.00.00.H41", EG_ORG_DEPARTMENT, "Phòng " NAME_NFD);
    u.short_name = "Đăng  KÝ";
    assert_int_equal(create(t->db, &u, NULL, 0), EG_OK);
    json_t *o = get_ok(t->db, "000.00.03.H41");
    assert_string_equal(jstr(o, "name"), "Phòng " NAME_NFC);
    json_decref(o);
    /* The folded shadow: no marks, đ -> d, lower case, single spaces, short name after. */
    struct eg_tx *tx = dbt_begin(t->db, EG_TX_READ);
    struct eg_stmt *st =
        dbt_prepare(tx, "SELECT name, name_fold FROM org_unit WHERE code = '000.00.03.H41'");
    bool row;
    assert_int_equal(eg_stmt_step(st, &row), EG_OK);
    assert_true(row);
    assert_string_equal(eg_stmt_text(st, 0), "Phòng " NAME_NFC);
    assert_string_equal(eg_stmt_text(st, 1), "phong nguyen thi thuy dang ky");
    eg_tx_rollback(tx);
    /* Found by either spelling. */
    struct eg_org_query q = {.q = NAME_NFD, .limit = 10};
    json_t *res = NULL;
    assert_int_equal(eg_org_unit_list(t->db, &q, &res), EG_OK);
    assert_int_equal(json_integer_value(json_object_get(res, "total")), 1);
    json_decref(res);
}

/* ---- get and list ---------------------------------------------------------------------- */

static void
test_get_missing(void **state)
{
    struct dbt *t = dbt_get(state);
    small_tree(t->db);
    json_t *o = (json_t *)1;
    assert_int_equal(eg_org_unit_get(t->db, "000.00.99.H41", &o), EG_ENOTFOUND);
    assert_null(o);
    assert_int_equal(eg_org_unit_get(t->db, "", &o), EG_ENOTFOUND);
    assert_int_equal(eg_org_unit_get(t->db, "000.00.00.H41' OR '1'='1", &o), EG_ENOTFOUND);
}

/* The codes of a list result, "a,b,c". */
static void
list_codes(struct eg_db *db, const struct eg_org_query *q, char *out, size_t cap, int64_t *total)
{
    json_t *res = NULL;
    enum eg_err rc = eg_org_unit_list(db, q, &res);
    if (rc != EG_OK)
        fail_msg("list q=%s: %s", q->q ? q->q : "(null)", eg_strerror(rc));
    *total = json_integer_value(json_object_get(res, "total"));
    const json_t *items = json_object_get(res, "items");
    assert_true(json_is_array(items));
    size_t i, n = 0;
    const json_t *it;
    out[0] = '\0';
    json_array_foreach(items, i, it)
    {
        n += (size_t)snprintf(out + n, cap - n, "%s%s", i ? "," : "", jstr(it, "code"));
        assert_true(n < cap);
    }
    json_decref(res);
}

static void
assert_search(struct eg_db *db, const char *q, const char *want_codes)
{
    struct eg_org_query query = {.q = q, .limit = 50};
    char got[2048];
    int64_t total;
    list_codes(db, &query, got, sizeof(got), &total);
    if (strcmp(got, want_codes) != 0)
        fail_msg("search \"%s\": got [%s], expected [%s]", q ? q : "(null)", got, want_codes);
}

static void
test_list_search(void **state)
{
    struct dbt *t = dbt_get(state);
    small_tree(t->db);
    /* Without diacritics, in any word order, any case. */
    assert_search(t->db, "vinh truong", "000.00.41.H41");
    assert_search(t->db, "truong vinh", "000.00.41.H41");
    assert_search(t->db, "Trường Vinh", "000.00.41.H41");
    assert_search(t->db, "TRUONG", "000.00.41.H41");
    assert_search(t->db, "  phuong   VINH  ", "000.00.41.H41,000.00.43.H41");
    assert_search(t->db, "hung", "000.00.43.H41,000.00.49.H41");
    assert_search(t->db, "hưng nguyên", "000.00.49.H41");
    assert_search(t->db, "so noi vu", "000.00.02.H41,000.01.02.H41");
    assert_search(t->db, "Sở Nội vụ tỉnh", "000.00.02.H41");
    assert_search(t->db, "xây dựng", "000.00.05.H41");
    assert_search(t->db, "không có", "");
    /* LIKE's wildcards are plain characters here. */
    assert_search(t->db, "%", "");
    assert_search(t->db, "_", "");
    assert_search(t->db, "vinh%", "");
    /* Empty and NULL queries list everything. */
    assert_search(t->db, "",
                  "000.00.00.H41,000.00.02.H41,000.00.05.H41,000.00.41.H41,"
                  "000.00.43.H41,000.00.49.H41,000.01.02.H41,001.01.02.H41");
    assert_search(t->db, NULL,
                  "000.00.00.H41,000.00.02.H41,000.00.05.H41,000.00.41.H41,"
                  "000.00.43.H41,000.00.49.H41,000.01.02.H41,001.01.02.H41");
    /* Codes are searchable by their digits. */
    assert_search(t->db, "00.41", "000.00.41.H41");
}

/*
 * A code typed as printed, with its group letter, finds the unit on both
 * drivers. The words are folded to lower case and matched with LIKE against
 * u.code: SQLite's LIKE ignores ASCII case, PostgreSQL's does not, so on
 * PostgreSQL "000.00.41.H41" (folded to "...h41") finds nothing today.
 */
static void
test_list_search_by_code(void **state)
{
    struct dbt *t = dbt_get(state);
    small_tree(t->db);
    assert_search(t->db, "000.00.41.H41", "000.00.41.H41");
    assert_search(t->db, "01.02.H41", "000.01.02.H41,001.01.02.H41");
}

static void
test_list_paging(void **state)
{
    struct dbt *t = dbt_get(state);
    small_tree(t->db);
    char got[2048];
    int64_t total;
    struct eg_org_query q = {.limit = 3};
    list_codes(t->db, &q, got, sizeof(got), &total);
    assert_string_equal(got, "000.00.00.H41,000.00.02.H41,000.00.05.H41");
    assert_int_equal(total, 8);
    q.offset = 3;
    list_codes(t->db, &q, got, sizeof(got), &total);
    assert_string_equal(got, "000.00.41.H41,000.00.43.H41,000.00.49.H41");
    assert_int_equal(total, 8);
    q.offset = 6;
    list_codes(t->db, &q, got, sizeof(got), &total);
    assert_string_equal(got, "000.01.02.H41,001.01.02.H41");
    q.offset = 8;
    list_codes(t->db, &q, got, sizeof(got), &total);
    assert_string_equal(got, "");
    assert_int_equal(total, 8);
    /* Total counts the filtered set, not the page. */
    q = (struct eg_org_query){.q = "phuong", .limit = 1, .offset = 1};
    list_codes(t->db, &q, got, sizeof(got), &total);
    assert_string_equal(got, "000.00.43.H41");
    assert_int_equal(total, 2);
    /* Children of one parent. */
    q = (struct eg_org_query){.parent = "000.00.02.H41", .limit = 200};
    list_codes(t->db, &q, got, sizeof(got), &total);
    assert_string_equal(got, "000.01.02.H41");
    assert_int_equal(total, 1);
    q = (struct eg_org_query){.parent = "000.00.00.H41", .q = "so", .limit = 200};
    list_codes(t->db, &q, got, sizeof(got), &total);
    assert_string_equal(got, "000.00.02.H41,000.00.05.H41");
    /* Closed units only when asked. */
    dbt_write(t->db, "UPDATE org_unit SET valid_to = '2025-12-31' WHERE code = '000.00.43.H41'");
    q = (struct eg_org_query){.q = "phuong", .limit = 10};
    list_codes(t->db, &q, got, sizeof(got), &total);
    assert_string_equal(got, "000.00.41.H41");
    assert_int_equal(total, 1);
    q.include_closed = true;
    list_codes(t->db, &q, got, sizeof(got), &total);
    assert_string_equal(got, "000.00.41.H41,000.00.43.H41");
    assert_int_equal(total, 2);
    json_t *o = get_ok(t->db, "000.00.43.H41");
    assert_true(json_is_false(json_object_get(o, "open")));
    assert_string_equal(jstr(o, "valid_to"), "2025-12-31");
    json_decref(o);
}

static void
test_list_bounds(void **state)
{
    struct dbt *t = dbt_get(state);
    json_t *res = (json_t *)1;
    struct eg_org_query q = {.limit = 0};
    assert_int_equal(eg_org_unit_list(t->db, &q, &res), EG_EINVAL);
    assert_null(res);
    q.limit = 201;
    assert_int_equal(eg_org_unit_list(t->db, &q, &res), EG_EINVAL);
    q.limit = 10;
    q.offset = -1;
    assert_int_equal(eg_org_unit_list(t->db, &q, &res), EG_EINVAL);
    q.offset = 0;
    q.limit = 200;
    assert_int_equal(eg_org_unit_list(t->db, &q, &res), EG_OK);
    assert_int_equal(json_integer_value(json_object_get(res, "total")), 0);
    assert_int_equal(json_array_size(json_object_get(res, "items")), 0);
    json_decref(res);
    /* A long query of many words is handled (extra words are ignored, not a crash). */
    q.q = "một hai ba bốn năm sáu bảy tám chín mười một hai ba bốn năm sáu bảy tám chín mười";
    assert_int_equal(eg_org_unit_list(t->db, &q, &res), EG_OK);
    json_decref(res);
}

/* ---- import ----------------------------------------------------------------------------- */

static json_t *
demo_units(void)
{
    const struct eg_embedded_file *f = eg_embedded("data/demo/province.json");
    assert_non_null(f);
    json_t *doc = NULL;
    assert_int_equal(eg_json_parse((const char *)f->data, f->len, &doc, NULL), EG_OK);
    json_t *units = json_incref(json_object_get(doc, "org_units"));
    json_decref(doc);
    assert_true(json_is_array(units));
    return units;
}

static void
test_import_demo(void **state)
{
    struct dbt *t = dbt_get(state);
    json_t *units = demo_units();
    struct eg_tx *tx = dbt_begin(t->db, EG_TX_WRITE);
    struct eg_buf msg = EG_BUF_INIT(2048);
    size_t count = 0;
    enum eg_err rc = eg_org_unit_import(tx, units, true, NOW, &count, &msg);
    if (rc != EG_OK)
        fail_msg("import: %s", eg_buf_str(&msg));
    assert_int_equal(eg_tx_commit(tx), EG_OK);
    eg_buf_release(&msg);
    assert_int_equal(count, json_array_size(units));
    int64_t n = 0;
    assert_int_equal(eg_org_unit_count(t->db, &n), EG_OK);
    assert_int_equal(n, (int64_t)json_array_size(units));
    json_decref(units);
    assert_search(t->db, "vinh truong", "000.00.41.H41");
    json_t *o = get_ok(t->db, "000.02.04.H41");
    assert_true(json_is_true(json_object_get(o, "demo")));
    assert_string_equal(jstr(json_object_get(o, "parent"), "code"), "000.00.04.H41");
    json_decref(o);
}

/* A bad unit in the middle: an error naming it; the caller rolls back; nothing stays. */
static void
import_bad_middle(struct dbt *t, json_t *bad, const char *want_in_msg)
{
    json_t *units =
        json_pack("[{s:s, s:n, s:s, s:s, s:s}, {s:s, s:s, s:s, s:s, s:s}, o]", "code",
                  "000.00.00.H41", "parent", "kind", "province_committee", "name", "UBND tỉnh",
                  "valid_from", "2025-07-01", "code", "000.00.01.H41", "parent", "000.00.00.H41",
                  "kind", "department", "name", "Văn phòng", "valid_from", "2025-07-01", bad);
    assert_non_null(units);
    assert_int_equal(
        json_array_append_new(units, json_pack("{s:s, s:s, s:s, s:s, s:s}", "code", "000.00.02.H41",
                                               "parent", "000.00.00.H41", "kind", "department",
                                               "name", "Sở Nội vụ", "valid_from", "2025-07-01")),
        0);
    struct eg_tx *tx = dbt_begin(t->db, EG_TX_WRITE);
    struct eg_buf msg = EG_BUF_INIT(2048);
    size_t count = 99;
    enum eg_err rc = eg_org_unit_import(tx, units, false, NOW, &count, &msg);
    char m[2048];
    snprintf(m, sizeof(m), "%s", eg_buf_str(&msg));
    eg_buf_release(&msg);
    eg_tx_rollback(tx);
    json_decref(units);
    assert_int_not_equal(rc, EG_OK);
    assert_int_equal(count, 2);
    assert_contains(m, "đơn vị thứ 3");
    assert_contains(m, want_in_msg);
    int64_t n = -1;
    assert_int_equal(eg_org_unit_count(t->db, &n), EG_OK);
    assert_int_equal(n, 0);
}

static void
test_import_all_or_nothing(void **state)
{
    struct dbt *t = dbt_get(state);
    /* Wrong branch. */
    import_bad_middle(t,
                      json_pack("{s:s, s:s, s:s, s:s, s:s}", "code", "000.01.02.H41", "parent",
                                "000.00.01.H41", "kind", "sub_unit", "name", "Phòng", "valid_from",
                                "2025-07-01"),
                      "000.01.02.H41");
    /* Unknown kind. */
    import_bad_middle(t,
                      json_pack("{s:s, s:s, s:s, s:s, s:s}", "code", "000.00.03.H41", "parent",
                                "000.00.00.H41", "kind", "ministry", "name", "Sở", "valid_from",
                                "2025-07-01"),
                      "000.00.03.H41");
    /* Missing required field. */
    import_bad_middle(t,
                      json_pack("{s:s, s:s, s:s, s:s}", "code", "000.00.03.H41", "parent",
                                "000.00.00.H41", "kind", "department", "valid_from", "2025-07-01"),
                      "name");
    /* Unknown key. */
    import_bad_middle(t,
                      json_pack("{s:s, s:s, s:s, s:s, s:s, s:s}", "code", "000.00.03.H41", "parent",
                                "000.00.00.H41", "kind", "department", "name", "Sở", "valid_from",
                                "2025-07-01", "colour", "red"),
                      "colour");
    /* Duplicate code: the database refuses, mid-transaction. */
    import_bad_middle(t,
                      json_pack("{s:s, s:s, s:s, s:s, s:s}", "code", "000.00.01.H41", "parent",
                                "000.00.00.H41", "kind", "department", "name", "Văn phòng 2",
                                "valid_from", "2025-07-01"),
                      "000.00.01.H41");
    /* Not an object at all. */
    import_bad_middle(t, json_integer(7), "?");
}

static void
test_import_not_array(void **state)
{
    struct dbt *t = dbt_get(state);
    struct eg_tx *tx = dbt_begin(t->db, EG_TX_WRITE);
    struct eg_buf msg = EG_BUF_INIT(2048);
    size_t count = 9;
    json_t *obj = json_object();
    assert_int_equal(eg_org_unit_import(tx, obj, false, NOW, &count, &msg), EG_EINVAL);
    assert_int_equal(count, 0);
    assert_true(msg.len > 0);
    json_decref(obj);
    json_t *empty = json_array();
    assert_int_equal(eg_org_unit_import(tx, empty, false, NOW, &count, NULL), EG_OK);
    assert_int_equal(count, 0);
    json_decref(empty);
    eg_tx_rollback(tx);
    eg_buf_release(&msg);
}

/* ---- instance settings ---------------------------------------------------------------- */

static void
test_instance_settings(void **state)
{
    struct dbt *t = dbt_get(state);
    struct eg_buf out = EG_BUF_INIT(4096);
    assert_int_equal(eg_instance_get(t->db, "province_name", &out), EG_ENOTFOUND);
    assert_int_equal(out.len, 0);

    struct eg_tx *tx = dbt_begin(t->db, EG_TX_WRITE);
    assert_int_equal(eg_instance_set(tx, "province_name", "Tỉnh Nghệ An", NOW), EG_OK);
    assert_int_equal(eg_instance_set(tx, "demo_label", "", NOW), EG_OK);
    assert_int_equal(eg_tx_commit(tx), EG_OK);
    assert_int_equal(eg_instance_get(t->db, "province_name", &out), EG_OK);
    assert_string_equal(eg_buf_str(&out), "Tỉnh Nghệ An");
    eg_buf_reset(&out);
    assert_int_equal(eg_instance_get(t->db, "demo_label", &out), EG_OK);
    assert_string_equal(eg_buf_str(&out), "");

    /* Overwrite; and get appends to what out holds. */
    tx = dbt_begin(t->db, EG_TX_WRITE);
    assert_int_equal(eg_instance_set(tx, "province_name", "Tỉnh Hà Tĩnh", NOW + 1), EG_OK);
    assert_int_equal(eg_tx_commit(tx), EG_OK);
    eg_buf_reset(&out);
    assert_int_equal(eg_buf_adds(&out, "> "), EG_OK);
    assert_int_equal(eg_instance_get(t->db, "province_name", &out), EG_OK);
    assert_string_equal(eg_buf_str(&out), "> Tỉnh Hà Tĩnh");
    assert_int_equal(dbt_scalar(t->db, "SELECT count(*) FROM instance_setting"), 2);
    assert_int_equal(dbt_scalar(t->db, "SELECT updated_at FROM instance_setting WHERE key = "
                                       "'province_name'"),
                     NOW + 1);

    /* Rolled back: not stored. */
    tx = dbt_begin(t->db, EG_TX_WRITE);
    assert_int_equal(eg_instance_set(tx, "ghost", "x", NOW), EG_OK);
    eg_tx_rollback(tx);
    eg_buf_reset(&out);
    assert_int_equal(eg_instance_get(t->db, "ghost", &out), EG_ENOTFOUND);

    /* A NULL value breaks NOT NULL. */
    tx = dbt_begin(t->db, EG_TX_WRITE);
    assert_int_equal(eg_instance_set(tx, "k", NULL, NOW), EG_EINVAL);
    eg_tx_rollback(tx);

    /* A value longer than out's limit is reported, not truncated. */
    struct eg_buf tiny = EG_BUF_INIT(4);
    assert_int_equal(eg_instance_get(t->db, "province_name", &tiny), EG_ETOOBIG);
    eg_buf_release(&tiny);
    eg_buf_release(&out);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        DBT_BOTH(test_create_tree, dbt_setup_migrated),
        DBT_BOTH(test_create_all_fields, dbt_setup_migrated),
        DBT_BOTH(test_create_wrong_parent, dbt_setup_migrated),
        DBT_BOTH(test_create_parent_must_be_one_level_up, dbt_setup_migrated),
        DBT_BOTH(test_create_missing_or_closed_parent, dbt_setup_migrated),
        DBT_BOTH(test_create_duplicate, dbt_setup_migrated),
        DBT_BOTH(test_create_bad_fields, dbt_setup_migrated),
        DBT_BOTH(test_create_nfc_and_fold, dbt_setup_migrated),
        DBT_BOTH(test_get_missing, dbt_setup_migrated),
        DBT_BOTH(test_list_search, dbt_setup_migrated),
        DBT_BOTH(test_list_search_by_code, dbt_setup_migrated),
        DBT_BOTH(test_list_paging, dbt_setup_migrated),
        DBT_BOTH(test_list_bounds, dbt_setup_migrated),
        DBT_BOTH(test_import_demo, dbt_setup_migrated),
        DBT_BOTH(test_import_all_or_nothing, dbt_setup_migrated),
        DBT_BOTH(test_import_not_array, dbt_setup_migrated),
        DBT_BOTH(test_instance_settings, dbt_setup_migrated),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
