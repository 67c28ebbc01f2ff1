/*
 * test_procedures.c - the catalogue on both drivers: checking documents,
 * versions and publishing, search as people type (with or without
 * diacritics, any case, any word order, extra words), filters, hostile
 * queries, and query plans that never scan the procedure table.
 *
 * The province is the demo one (data/demo/province.json); the procedures are
 * small ones made here, so each search expectation is visible in this file.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "directory/directory.h"
#include "procedures/procedures.h"
#include "db/dbtest.h"

#define NOW 1767225600000LL /* 2026-01-01T00:00:00Z */

#define JUSTICE "000.00.04.H41"
#define CONSTRUCTION "000.00.05.H41"
#define COMMUNE "000.00.41.H41"

/* ---- documents ------------------------------------------------------------------ */

static json_t *
doc_new(const char *code, const char *name, const char *field, const char *level,
        const char *agency, const char *applicant, int popularity)
{
    json_t *d = json_pack(
        "{s:s, s:s, s:s, s:s, s:[s], s:[s], s:s, s:i, s:{s:i}, s:[{s:s, s:i}], "
        "s:[{s:s, s:i, s:i}], s:[s], s:[s], s:s, s:{s:[{s:s, s:s, s:s, s:b}]}, s:i, s:s}",
        "code", code, "name", name, "field", field, "level", level, "agencies", agency,
        "applicants", applicant, "online_level", "partial", "legacy_level", 3, "processing",
        "working_days", 5, "fees", "name", "Lệ phí", "amount_vnd", 0, "components", "name",
        "Tờ khai theo mẫu", "originals", 1, "copies", 0, "steps_vi", "Nộp hồ sơ.", "legal_basis",
        "Luật Hộ tịch năm 2014.", "result_vi", "Kết quả giải quyết.", "form", "fields", "name",
        "full_name", "label", "Họ, chữ đệm và tên", "type", "text", "required", 1, "popularity",
        popularity, "valid_from", "2025-07-01");
    assert_non_null(d);
    return d;
}

static enum eg_err
check(const json_t *doc, char *msg, size_t cap)
{
    struct eg_buf b = EG_BUF_INIT(2048);
    enum eg_err rc = eg_procedure_check(doc, &b);
    snprintf(msg, cap, "%s", eg_buf_str(&b));
    eg_buf_release(&b);
    return rc;
}

/* doc with key set to v (v stolen) is refused, and the message names want. */
static void
refused_with(const char *key, json_t *v, const char *want)
{
    json_t *d =
        doc_new("1.001193", "Đăng ký khai sinh", "HT", "commune", "*communes*", "citizen", 0);
    json_object_set_new(d, key, v);
    char msg[2048];
    enum eg_err rc = check(d, msg, sizeof(msg));
    if (rc != EG_EINVAL)
        fail_msg("%s accepted", key);
    if (!strstr(msg, want))
        fail_msg("%s: message \"%s\" does not name %s", key, msg, want);
    assert_true(eg_utf8_valid(msg, strlen(msg)));
    json_decref(d);
}

static void
test_check(void **state)
{
    (void)state;
    char msg[2048];
    json_t *d =
        doc_new("1.001193", "Đăng ký khai sinh", "HT", "commune", "*communes*", "citizen", 0);
    if (check(d, msg, sizeof(msg)) != EG_OK)
        fail_msg("the sample document is refused: %s", msg);
    json_decref(d);

    refused_with("code", json_string("1001193"), "code");
    refused_with("code", json_string("1.00119"), "code");
    refused_with("code", json_string("1.001193."), "code");
    refused_with("code", json_string("1.001193.h41"), "code");
    refused_with("level", json_string("district"), "level");
    refused_with("online_level", json_string("4"), "online_level");
    refused_with("legacy_level", json_integer(5), "legacy_level");
    refused_with("valid_from", json_string("01/07/2025"), "valid_from");
    refused_with("valid_from", json_string("2025-13-01"), "valid_from");
    refused_with("applicants", json_pack("[s]", "tourist"), "applicants");
    refused_with("applicants", json_array(), "applicants");
    refused_with("agencies", json_array(), "agencies");
    refused_with("processing", json_pack("{s:i}", "working_days", -1), "processing");
    refused_with("processing", json_pack("{s:i, s:s}", "working_days", 3, "cutoff", "25:00"),
                 "cutoff");
    refused_with("fees", json_pack("[{s:s, s:i}]", "name", "Lệ phí", "amount_vnd", -5), "fees[0]");
    refused_with("components", json_array(), "components");
    refused_with("name", json_string(""), "name");
    /* Not NFC: "Đăng ky\xcc\x81" is "ký" decomposed. */
    refused_with("name", json_string("Đăng ky\xcc\x81 khai sinh"), "name");
    refused_with("nmae", json_string("typo"), "thủ tục");
    refused_with(
        "form",
        json_pack("{s:[{s:s, s:s, s:s}]}", "fields", "name", "x", "label", "X", "type", "colour"),
        "form.fields[0]");
    refused_with("form",
                 json_pack("{s:[{s:s, s:s, s:s}]}", "fields", "name", "Bad Name", "label", "X",
                           "type", "text"),
                 "form.fields[0]");
    refused_with("form",
                 json_pack("{s:[{s:s, s:s, s:s}, {s:s, s:s, s:s}]}", "fields", "name", "a", "label",
                           "A", "type", "text", "name", "a", "label", "A", "type", "date"),
                 "form.fields[1]");
    /* A select needs at least two options. */
    refused_with("form",
                 json_pack("{s:[{s:s, s:s, s:s, s:[{s:s, s:s}]}]}", "fields", "name", "kind",
                           "label", "Loại", "type", "select", "options", "value", "a", "label",
                           "A"),
                 "form.fields[0].options");
    /* A file field needs its size limit and accepted types. */
    refused_with("form",
                 json_pack("{s:[{s:s, s:s, s:s}]}", "fields", "name", "scan", "label", "Bản quét",
                           "type", "file"),
                 "form.fields[0]");
    /* A conditional field must refer to an earlier select and one of its values. */
    json_t *sel = json_pack("{s:s, s:s, s:s, s:[{s:s, s:s}, {s:s, s:s}]}", "name", "kind", "label",
                            "Loại", "type", "select", "options", "value", "a", "label", "A",
                            "value", "b", "label", "B");
    json_t *later =
        json_pack("{s:s, s:s, s:s, s:{s:s, s:s}}", "name", "detail", "label", "Chi tiết", "type",
                  "text", "show_if", "field", "kind", "equals", "c");
    refused_with("form", json_pack("{s:[O, o]}", "fields", sel, later), "form.fields[1]");
    json_t *before =
        json_pack("{s:s, s:s, s:s, s:{s:s, s:s}}", "name", "detail", "label", "Chi tiết", "type",
                  "text", "show_if", "field", "kind", "equals", "a");
    refused_with("form", json_pack("{s:[O, O]}", "fields", before, sel), "form.fields[0]");
    /* ... and is accepted when it does. */
    d = doc_new("1.001193", "Đăng ký khai sinh", "HT", "commune", "*communes*", "citizen", 0);
    json_object_set_new(d, "form", json_pack("{s:[o, o]}", "fields", sel, before));
    if (check(d, msg, sizeof(msg)) != EG_OK)
        fail_msg("a conditional field is refused: %s", msg);
    json_decref(d);
}

/* ---- a small catalogue in the demo province -------------------------------------- */

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
    enum eg_err rc = eg_org_unit_import(tx, json_object_get(doc, "org_units"), true, NOW, &n, &msg);
    if (rc != EG_OK)
        fail_msg("province: %s", eg_buf_str(&msg));
    assert_int_equal(eg_tx_commit(tx), EG_OK);
    eg_buf_release(&msg);
    json_decref(doc);
}

static void
put(struct eg_db *db, json_t *doc, bool publish)
{
    struct eg_tx *tx = dbt_begin(db, EG_TX_WRITE);
    struct eg_buf msg = EG_BUF_INIT(2048);
    int version = 0;
    struct eg_procedure_put how = {EG_PUT_ANY, publish, true, "test", NOW};
    enum eg_err rc = eg_procedure_put(tx, doc, &how, &version, &msg);
    if (rc != EG_OK)
        fail_msg("put %s: %s: %s", json_string_value(json_object_get(doc, "code")), eg_strerror(rc),
                 eg_buf_str(&msg));
    assert_int_equal(eg_tx_commit(tx), EG_OK);
    eg_buf_release(&msg);
    json_decref(doc);
}

static void
fields(struct eg_db *db)
{
    struct eg_tx *tx = dbt_begin(db, EG_TX_WRITE);
    assert_int_equal(eg_procedure_field_put(tx, "HT", "Hộ tịch", "Civil status"), EG_OK);
    assert_int_equal(eg_procedure_field_put(tx, "XD", "Hoạt động xây dựng", "Construction"), EG_OK);
    assert_int_equal(eg_procedure_field_put(tx, "CT", "Chứng thực", "Certification"), EG_OK);
    assert_int_equal(eg_tx_commit(tx), EG_OK);
}

static int
setup_catalogue(void **state)
{
    dbt_setup_migrated(state);
    struct dbt *t = *state;
    if (t->skip)
        return 0;
    load_province(t->db);
    fields(t->db);
    /* Names that share words with the birth registration, most of them longer. */
    put(t->db,
        doc_new("1.001193", "Đăng ký khai sinh", "HT", "commune", "*communes*", "citizen", 60),
        true);
    put(t->db,
        doc_new("1.004884", "Đăng ký lại khai sinh", "HT", "commune", "*communes*", "citizen", 5),
        true);
    put(t->db,
        doc_new("1.001695", "Đăng ký khai sinh có yếu tố nước ngoài", "HT", "commune", "*communes*",
                "citizen", 8),
        true);
    put(t->db, doc_new("1.000656", "Đăng ký khai tử", "HT", "commune", "*communes*", "citizen", 30),
        true);
    put(t->db, doc_new("1.000894", "Đăng ký kết hôn", "HT", "commune", "*communes*", "citizen", 50),
        true);
    put(t->db,
        doc_new("1.004227", "Cấp bản sao trích lục hộ tịch", "HT", "province", JUSTICE, "citizen",
                20),
        true);
    put(t->db,
        doc_new("1.009974", "Cấp giấy phép xây dựng mới đối với công trình cấp đặc biệt", "XD",
                "province", CONSTRUCTION, "business", 40),
        true);
    put(t->db,
        doc_new("2.000815", "Chứng thực bản sao từ bản chính giấy tờ, văn bản", "CT", "commune",
                COMMUNE, "citizen", 90),
        true);
    /* A draft is invisible to the public search. */
    put(t->db,
        doc_new("1.008888", "Đăng ký khai sinh lưu động", "HT", "commune", COMMUNE, "citizen", 99),
        false);
    return 0;
}

/* ---- search ----------------------------------------------------------------------- */

static json_t *
search(struct eg_db *db, const struct eg_procedure_query *q)
{
    json_t *out = NULL;
    enum eg_err rc = eg_procedure_search(db, q, &out);
    if (rc != EG_OK)
        fail_msg("search \"%s\": %s", q->q ? q->q : "", eg_strerror(rc));
    return out;
}

static const char *
first_code(const json_t *res)
{
    return json_string_value(
        json_object_get(json_array_get(json_object_get(res, "items"), 0), "code"));
}

static void
first_is(struct eg_db *db, const char *q, const char *code)
{
    struct eg_procedure_query pq = {.q = q, .limit = 20};
    json_t *res = search(db, &pq);
    const char *got = first_code(res);
    if (!got || strcmp(got, code) != 0) {
        char *dump = json_dumps(res, JSON_COMPACT);
        print_message("%.2000s\n", dump ? dump : "");
        free(dump);
        fail_msg("\"%s\": first %s, expected %s", q, got ? got : "nothing", code);
    }
    json_decref(res);
}

static void
test_spellings(void **state)
{
    struct dbt *t = dbt_get(state);
    static const char *const birth[] = {
        "dang ky khai sinh",
        "đăng ký khai sinh",
        "Đăng ký khai sinh",
        "DANG KY KHAI SINH",
        "ĐĂNG KÝ KHAI SINH",
        "khai sinh",
        "Khai Sinh",
        "khai sinh dang ky", /* any word order */
        "  dang   ky  khai  sinh  ",
        "đăng ký khai sin",  /* still typing */
        "dang ki khai sinh", /* "ki": no such word, so the words that are there rank */
        "thủ tục đăng ký khai sinh",
        "Đa\xcc\x86ng ky\xcc\x81 khai sinh", /* decomposed (NFD), as some keyboards send */
        "dăng ky khai sinh",                 /* half the diacritics */
    };
    for (size_t i = 0; i < EG_ARRAY_LEN(birth); i++)
        first_is(t->db, birth[i], "1.001193");
    first_is(t->db, "dang ky ket hon", "1.000894");
    first_is(t->db, "ket hon", "1.000894");
    first_is(t->db, "khai tu", "1.000656");
    first_is(t->db, "giay phep xay dung", "1.009974");
    first_is(t->db, "chung thuc ban sao", "2.000815");
    first_is(t->db, "trich luc", "1.004227");
    first_is(t->db, "khai sinh nuoc ngoai", "1.001695");
    first_is(t->db, "1.000656", "1.000656"); /* by code */

    /* Everything with every word, ranked; and nothing for words nobody has. */
    struct eg_procedure_query q = {.q = "khai sinh", .limit = 20};
    json_t *res = search(t->db, &q);
    assert_int_equal(json_integer_value(json_object_get(res, "total")), 3);
    assert_false(json_is_true(json_object_get(res, "partial")));
    json_decref(res);
    q.q = "xyzzy plugh";
    res = search(t->db, &q);
    assert_int_equal(json_integer_value(json_object_get(res, "total")), 0);
    assert_int_equal(json_array_size(json_object_get(res, "items")), 0);
    json_decref(res);
    /* The draft stays out, even when its words are asked for. */
    q.q = "khai sinh luu dong";
    res = search(t->db, &q);
    size_t k;
    json_t *it;
    json_array_foreach(json_object_get(res, "items"), k, it)
    {
        assert_string_not_equal(json_string_value(json_object_get(it, "code")), "1.008888");
    }
    json_decref(res);
}

static int64_t
total_of(struct eg_db *db, const struct eg_procedure_query *q)
{
    json_t *res = search(db, q);
    int64_t n = json_integer_value(json_object_get(res, "total"));
    size_t items = json_array_size(json_object_get(res, "items"));
    assert_true((int64_t)items <= n);
    json_decref(res);
    return n;
}

static void
test_filters(void **state)
{
    struct dbt *t = dbt_get(state);
    struct eg_procedure_query q = {.limit = 20};
    assert_int_equal(total_of(t->db, &q), 8);
    /* Without a text, the most used first. */
    json_t *res = search(t->db, &q);
    assert_string_equal(first_code(res), "2.000815");
    json_decref(res);
    q.field = "HT";
    assert_int_equal(total_of(t->db, &q), 6);
    q.field = NULL;
    q.level = "province";
    assert_int_equal(total_of(t->db, &q), 2);
    q.level = NULL;
    q.applicant = "business";
    assert_int_equal(total_of(t->db, &q), 1);
    q.applicant = "citizen";
    assert_int_equal(total_of(t->db, &q), 7);
    q.applicant = NULL;
    /* "*communes*" put the civil-status procedures in every commune. */
    q.agency = "000.00.50.H41";
    assert_int_equal(total_of(t->db, &q), 5);
    q.agency = COMMUNE;
    assert_int_equal(total_of(t->db, &q), 6);
    q.agency = JUSTICE;
    assert_int_equal(total_of(t->db, &q), 1);
    q.agency = "000.00.99.H41";
    assert_int_equal(total_of(t->db, &q), 0);
    /* Text and filters together. */
    q.agency = NULL;
    q.q = "dang ky";
    q.field = "HT";
    q.level = "commune";
    assert_int_equal(total_of(t->db, &q), 5);
    q.field = "XD";
    assert_int_equal(total_of(t->db, &q), 0);
    /* The units that carry procedures out, with how many; departments before communes. */
    json_t *units = NULL;
    assert_int_equal(eg_procedure_agencies(t->db, &units), EG_OK);
    json_t *first = json_array_get(units, 0);
    assert_string_equal(json_string_value(json_object_get(first, "code")), JUSTICE);
    assert_int_equal(json_integer_value(json_object_get(first, "count")), 1);
    size_t ui;
    json_t *u;
    bool seen_commune = false;
    json_array_foreach(units, ui, u)
    {
        bool commune =
            strcmp(json_string_value(json_object_get(u, "kind")), "commune_committee") == 0;
        assert_true(commune || !seen_commune);
        seen_commune = seen_commune || commune;
        if (strcmp(json_string_value(json_object_get(u, "code")), COMMUNE) == 0)
            assert_int_equal(json_integer_value(json_object_get(u, "count")), 6);
    }
    assert_true(seen_commune);
    json_decref(units);
    /* English names come with the items. */
    struct eg_procedure_query ht = {.q = "ket hon", .limit = 5};
    json_t *r2 = search(t->db, &ht);
    json_t *it0 = json_array_get(json_object_get(r2, "items"), 0);
    assert_string_equal(
        json_string_value(json_object_get(json_object_get(it0, "field"), "name_en")),
        "Civil status");
    json_decref(r2);

    /* Paging: the pages together are the whole list, each once. */
    struct eg_procedure_query all = {.limit = 100};
    json_t *whole = search(t->db, &all);
    struct eg_procedure_query page = {.limit = 3};
    for (int i = 0; i < 3; i++) {
        page.offset = i * 3;
        json_t *p = search(t->db, &page);
        json_t *items = json_object_get(p, "items");
        assert_int_equal(json_array_size(items), i < 2 ? 3 : 2);
        for (size_t k = 0; k < json_array_size(items); k++)
            assert_string_equal(
                json_string_value(json_object_get(json_array_get(items, k), "code")),
                json_string_value(json_object_get(
                    json_array_get(json_object_get(whole, "items"), (size_t)i * 3 + k), "code")));
        json_decref(p);
    }
    json_decref(whole);
    /* Bad paging and an overlong text are refused, not cut. */
    struct eg_procedure_query bad = {.limit = 0};
    json_t *out = NULL;
    assert_int_equal(eg_procedure_search(t->db, &bad, &out), EG_EINVAL);
    bad.limit = 101;
    assert_int_equal(eg_procedure_search(t->db, &bad, &out), EG_EINVAL);
    bad.limit = 10;
    bad.offset = -1;
    assert_int_equal(eg_procedure_search(t->db, &bad, &out), EG_EINVAL);
    char longq[EG_PROCEDURE_QUERY_MAX + 2];
    memset(longq, 'a', sizeof(longq) - 1);
    longq[sizeof(longq) - 1] = '\0';
    bad.offset = 0;
    bad.q = longq;
    assert_int_equal(eg_procedure_search(t->db, &bad, &out), EG_EINVAL);
    assert_null(out);
}

/* Query syntax of either engine, markup, quotes: plain words or nothing, never an error. */
static void
test_hostile(void **state)
{
    struct dbt *t = dbt_get(state);
    static const char *const qs[] = {
        "\"",
        "\"khai sinh",
        "khai*",
        "*",
        "NEAR(khai sinh)",
        "khai OR sinh",
        "khai AND NOT sinh",
        "name:khai",
        "khai & sinh | !x",
        "sinh:*",
        "'; DROP TABLE procedure; --",
        "<script>alert(1)</script>",
        "(((",
        ")",
        "^khai",
        "-khai",
        "+sinh",
        "khai\tsinh\n",
        "\xe2\x80\x8b", /* a zero-width space */
        "",
    };
    for (size_t i = 0; i < EG_ARRAY_LEN(qs); i++) {
        struct eg_procedure_query q = {.q = qs[i], .limit = 10};
        json_t *res = search(t->db, &q);
        assert_true(json_is_integer(json_object_get(res, "total")));
        json_decref(res);
    }
    first_is(t->db, "\"khai sinh\"", "1.001193");
    first_is(t->db, "khai OR sinh", "1.001193");
    /* Invalid UTF-8 is refused before any engine sees it. */
    struct eg_procedure_query q = {.q = "khai \xff sinh", .limit = 10};
    json_t *out = NULL;
    assert_int_equal(eg_procedure_search(t->db, &q, &out), EG_EINVAL);
    assert_null(out);
}

/* ---- versions ----------------------------------------------------------------------- */

static json_t *
get(struct eg_db *db, const char *code, bool drafts, enum eg_err want)
{
    json_t *out = NULL;
    enum eg_err rc = eg_procedure_get(db, code, drafts, &out);
    if (rc != want)
        fail_msg("get %s: %s, expected %s", code, eg_err_code(rc), eg_err_code(want));
    return out;
}

/*
 * What the cached reading gives must be what the plain one gives, whatever
 * the callers did to earlier answers' top-level keys.
 */
static void
same_when_cached(struct eg_db *db, struct eg_procedure_cache *cache, const char *code)
{
    json_t *plain = get(db, code, false, EG_OK);
    for (int i = 0; i < 2; i++) {
        json_t *cached = NULL;
        assert_int_equal(eg_procedure_get_cached(db, cache, code, NULL, &cached), EG_OK);
        assert_true(json_equal(plain, cached));
        json_object_set_new(cached, "scribble", json_true());
        json_object_del(cached, "processing");
        json_decref(cached);
    }
    json_decref(plain);
}

static void
test_versions(void **state)
{
    struct dbt *t = dbt_get(state);
    struct eg_procedure_cache *cache = NULL;
    assert_int_equal(eg_procedure_cache_new(&cache), EG_OK);
    same_when_cached(t->db, cache, "1.001193");
    json_t *none = NULL;
    assert_int_equal(eg_procedure_get_cached(t->db, cache, "1.008888", NULL, &none), EG_ENOTFOUND);
    assert_null(none);
    /* Asked about one unit: that unit, or none. */
    json_t *one = NULL;
    assert_int_equal(eg_procedure_get_cached(t->db, cache, "1.001193", COMMUNE, &one), EG_OK);
    assert_int_equal(json_array_size(json_object_get(one, "agencies")), 1);
    assert_string_equal(json_string_value(json_object_get(
                            json_array_get(json_object_get(one, "agencies"), 0), "code")),
                        COMMUNE);
    json_decref(one);
    assert_int_equal(eg_procedure_get_cached(t->db, cache, "1.001193", "000.00.99.H99", &one),
                     EG_OK);
    assert_int_equal(json_array_size(json_object_get(one, "agencies")), 0);
    json_decref(one);
    /* A draft: administrators see it, the public does not. */
    json_t *got = get(t->db, "1.008888", false, EG_ENOTFOUND);
    assert_null(got);
    got = get(t->db, "1.008888", true, EG_OK);
    assert_string_equal(json_string_value(json_object_get(got, "status")), "draft");
    json_decref(got);

    /* A second version of a published procedure stays a draft until published. */
    json_t *v2 =
        doc_new("1.001193", "Đăng ký khai sinh", "HT", "commune", "*communes*", "citizen", 60);
    json_object_set_new(json_object_get(v2, "processing"), "working_days", json_integer(1));
    json_object_set_new(v2, "valid_from", json_string("2026-03-01"));
    put(t->db, v2, false);
    got = get(t->db, "1.001193", false, EG_OK);
    assert_int_equal(json_integer_value(json_object_get(got, "version")), 1);
    assert_int_equal(
        json_integer_value(json_object_get(json_object_get(got, "processing"), "working_days")), 5);
    assert_string_equal(json_string_value(json_object_get(got, "field_name")), "Hộ tịch");
    /* "*communes*" became every open commune of the demo province. */
    json_t *agencies = json_object_get(got, "agencies");
    assert_true(json_array_size(agencies) >= 12);
    assert_string_equal(json_string_value(json_object_get(json_array_get(agencies, 0), "code")),
                        COMMUNE);
    json_decref(got);
    got = get(t->db, "1.001193", true, EG_OK);
    assert_int_equal(json_integer_value(json_object_get(got, "version")), 2);
    json_decref(got);
    same_when_cached(t->db, cache, "1.001193"); /* still version 1 */

    struct eg_tx *tx = dbt_begin(t->db, EG_TX_WRITE);
    assert_int_equal(eg_procedure_publish(tx, "1.001193", 2, NOW + 1000, NULL), EG_OK);
    assert_int_equal(eg_procedure_publish(tx, "1.001193", 9, NOW + 1000, NULL), EG_ENOTFOUND);
    assert_int_equal(eg_procedure_publish(tx, "9.999999", 1, NOW + 1000, NULL), EG_ENOTFOUND);
    assert_int_equal(eg_tx_commit(tx), EG_OK);
    got = get(t->db, "1.001193", false, EG_OK);
    assert_int_equal(json_integer_value(json_object_get(got, "version")), 2);
    assert_string_equal(json_string_value(json_object_get(got, "valid_from")), "2026-03-01");
    json_decref(got);
    same_when_cached(t->db, cache, "1.001193"); /* version 2 now */
    eg_procedure_cache_free(cache);
    /* The search's working days follow the published version. */
    struct eg_procedure_query q = {.q = "dang ky khai sinh", .limit = 5};
    json_t *res = search(t->db, &q);
    assert_int_equal(json_integer_value(json_object_get(
                         json_array_get(json_object_get(res, "items"), 0), "working_days")),
                     1);
    json_decref(res);

    json_t *versions = NULL;
    assert_int_equal(eg_procedure_versions(t->db, "1.001193", &versions), EG_OK);
    assert_int_equal(json_array_size(versions), 2);
    json_t *newest = json_array_get(versions, 0);
    assert_int_equal(json_integer_value(json_object_get(newest, "version")), 2);
    assert_true(json_is_true(json_object_get(newest, "current")));
    assert_true(json_is_integer(json_object_get(newest, "published_at")));
    assert_false(json_is_true(json_object_get(json_array_get(versions, 1), "current")));
    json_decref(versions);
    assert_int_equal(eg_procedure_versions(t->db, "9.999999", &versions), EG_ENOTFOUND);

    /* The document as written, for editing: "*communes*" stays as it is. */
    json_t *doc = NULL;
    assert_int_equal(eg_procedure_document(t->db, "1.001193", 0, &doc), EG_OK);
    assert_string_equal(json_string_value(json_object_get(doc, "valid_from")), "2026-03-01");
    assert_string_equal(json_string_value(json_array_get(json_object_get(doc, "agencies"), 0)),
                        "*communes*");
    assert_null(json_object_get(doc, "status"));
    json_decref(doc);
    assert_int_equal(eg_procedure_document(t->db, "1.001193", 1, &doc), EG_OK);
    assert_string_equal(json_string_value(json_object_get(doc, "valid_from")), "2025-07-01");
    json_decref(doc);
    assert_int_equal(eg_procedure_document(t->db, "1.001193", 7, &doc), EG_ENOTFOUND);
    assert_int_equal(eg_procedure_document(t->db, "9.999999", 0, &doc), EG_ENOTFOUND);

    /* Retired: gone from the portal and its search (and its field's count), versions kept. */
    json_t *fields_before = NULL, *fields_after = NULL;
    assert_int_equal(eg_procedure_fields(t->db, &fields_before), EG_OK);
    tx = dbt_begin(t->db, EG_TX_WRITE);
    assert_int_equal(eg_procedure_retire(tx, "1.001193", NOW + 2000), EG_OK);
    assert_int_equal(eg_tx_commit(tx), EG_OK);
    tx = dbt_begin(t->db, EG_TX_WRITE);
    assert_int_equal(eg_procedure_retire(tx, "1.001193", NOW + 3000), EG_ENOTFOUND);
    eg_tx_rollback(tx);
    assert_null(get(t->db, "1.001193", false, EG_ENOTFOUND));
    assert_int_equal(eg_procedure_fields(t->db, &fields_after), EG_OK);
    for (size_t fi = 0; fi < json_array_size(fields_before); fi++) {
        const json_t *b = json_array_get(fields_before, fi), *a = json_array_get(fields_after, fi);
        bool ht = strcmp(json_string_value(json_object_get(b, "code")), "HT") == 0;
        assert_int_equal(json_integer_value(json_object_get(a, "count")),
                         json_integer_value(json_object_get(b, "count")) - (ht ? 1 : 0));
    }
    json_decref(fields_before);
    json_decref(fields_after);
    /* The words still stand together in this one's name. */
    first_is(t->db, "dang ky khai sinh", "1.001695");
    assert_int_equal(eg_procedure_versions(t->db, "1.001193", &versions), EG_OK);
    assert_int_equal(json_array_size(versions), 2);
    json_decref(versions);
    /* Administrators may list it among the retired. */
    struct eg_procedure_query admin = {
        .q = "dang ky khai sinh", .include_drafts = true, .limit = 20};
    json_t *res2 = search(t->db, &admin);
    int64_t without = json_integer_value(json_object_get(res2, "total"));
    json_decref(res2);
    admin.include_retired = true;
    res2 = search(t->db, &admin);
    assert_int_equal(json_integer_value(json_object_get(res2, "total")), without + 1);
    json_decref(res2);

    /* A refused version changes nothing. */
    json_t *badv =
        doc_new("1.000894", "Đăng ký kết hôn", "NOPE", "commune", "*communes*", "citizen", 50);
    tx = dbt_begin(t->db, EG_TX_WRITE);
    struct eg_buf msg = EG_BUF_INIT(1024);
    int version = 0;
    struct eg_procedure_put how = {EG_PUT_ANY, true, false, "test", NOW};
    assert_int_equal(eg_procedure_put(tx, badv, &how, &version, &msg), EG_EINVAL);
    assert_non_null(strstr(eg_buf_str(&msg), "field"));
    eg_tx_rollback(tx);
    eg_buf_release(&msg);
    json_decref(badv);
    assert_int_equal(eg_procedure_versions(t->db, "1.000894", &versions), EG_OK);
    assert_int_equal(json_array_size(versions), 1);
    json_decref(versions);
}

/* Export, then import into a fresh database: the same catalogue. */
static void
test_export_import(void **state)
{
    struct dbt *t = dbt_get(state);
    json_t *cat = NULL;
    assert_int_equal(eg_procedure_export(t->db, &cat), EG_OK);
    assert_int_equal(json_array_size(json_object_get(cat, "procedures")), 8);
    assert_int_equal(json_array_size(json_object_get(cat, "fields")), 3);

    /* All or nothing: one bad procedure and none of them is stored. */
    struct eg_tx *tx = dbt_begin(t->db, EG_TX_WRITE);
    json_t *copy = json_deep_copy(cat);
    json_t *first = json_array_get(json_object_get(copy, "procedures"), 0);
    char code[EG_PROCEDURE_CODE_MAX + 1];
    snprintf(code, sizeof(code), "%s", json_string_value(json_object_get(first, "code")));
    json_object_set_new(json_array_get(json_object_get(copy, "procedures"), 5), "level",
                        json_string("district"));
    json_object_set_new(first, "name", json_string("Tên đã đổi"));
    struct eg_buf msg = EG_BUF_INIT(2048);
    size_t n = 0;
    assert_int_equal(eg_procedure_import(tx, copy, true, false, "test", NOW, &n, &msg), EG_EINVAL);
    assert_non_null(strstr(eg_buf_str(&msg), "level"));
    eg_tx_rollback(tx);
    json_decref(copy);
    json_t *got = get(t->db, code, false, EG_OK);
    assert_string_not_equal(json_string_value(json_object_get(got, "name")), "Tên đã đổi");
    json_decref(got);

    /* Re-importing the export adds one version to each, content unchanged. */
    eg_buf_reset(&msg);
    tx = dbt_begin(t->db, EG_TX_WRITE);
    assert_int_equal(eg_procedure_import(tx, cat, true, false, "test", NOW, &n, &msg), EG_OK);
    assert_int_equal(eg_tx_commit(tx), EG_OK);
    assert_int_equal(n, 8);
    json_t *again = NULL;
    assert_int_equal(eg_procedure_export(t->db, &again), EG_OK);
    assert_true(json_equal(cat, again));
    json_decref(again);
    json_decref(cat);
    eg_buf_release(&msg);
}

/* ---- query plans -------------------------------------------------------------------- */

/* In plan[0..n): the FTS5 table is read before the procedure table p is touched. */
static bool
fts_first(const char *plan, size_t n)
{
    char buf[8192];
    snprintf(buf, sizeof(buf), "%.*s", (int)n, plan);
    const char *fts = strstr(buf, "SCAN s VIRTUAL TABLE");
    const char *search_p = strstr(buf, "SEARCH p "), *scan_p = strstr(buf, "SCAN p ");
    return fts && (!search_p || search_p > fts) && (!scan_p || scan_p > fts);
}

/*
 * A text search must be driven by the full-text index: on SQLite each statement's
 * first step is the FTS5 table (not every published row, each then looked up in
 * the index: that is a scan too); on PostgreSQL an index, never the table.
 */
static void
text_plan_ok(struct eg_db *db, const struct eg_procedure_query *q, const char *what)
{
    struct eg_buf plan = EG_BUF_INIT(64 * 1024);
    assert_int_equal(eg_procedure_search_plan(db, q, &plan), EG_OK);
    const char *p = eg_buf_str(&plan);
    bool ok;
    if (eg_db_kind(db) == EG_DB_SQLITE) {
        /* In both statements (the page, then "--", the count): the index before any p. */
        const char *count = strstr(p, "--\n");
        ok = count && fts_first(p, (size_t)(count - p)) && fts_first(count + 3, strlen(count + 3));
    } else {
        /* The GIN index, or with a filter as selective a b-tree one: never the table. */
        ok = strstr(p, "Seq Scan on procedure ") == NULL &&
             (strstr(p, "procedure_search_idx") || strstr(p, "Index Scan"));
    }
    if (!ok)
        fail_msg("%s is not driven by the full-text index:\n%s", what, p);
    eg_buf_release(&plan);
}

static void
plan_ok(struct eg_db *db, const struct eg_procedure_query *q, const char *what)
{
    struct eg_buf plan = EG_BUF_INIT(64 * 1024);
    enum eg_err rc = eg_procedure_search_plan(db, q, &plan);
    if (rc != EG_OK)
        fail_msg("%s: %s", what, eg_strerror(rc));
    const char *p = eg_buf_str(&plan);
    /* SQLite says "SCAN p" for a walk over the table itself; PostgreSQL "Seq Scan on procedure". */
    const char *bad = strstr(p, "Seq Scan on procedure ");
    for (const char *s = strstr(p, "SCAN p"); s && !bad; s = strstr(s + 1, "SCAN p")) {
        char line[512];
        snprintf(line, sizeof(line), "%.*s", (int)strcspn(s, "\n"), s);
        if ((s[6] == '\n' || s[6] == ' ') && !strstr(line, "USING"))
            bad = s;
    }
    if (bad)
        fail_msg("%s scans the procedure table:\n%s", what, p);
    print_message("plan for %s:\n%s", what, p);
    eg_buf_release(&plan);
}

/*
 * 3000 procedures shaped like a real catalogue: 40 fields, a quarter of them
 * carried out by every commune, the rest by one of the departments.
 */
static int
setup_many(void **state)
{
    dbt_setup_migrated(state);
    struct dbt *t = *state;
    if (t->skip)
        return 0;
    load_province(t->db);
    static const char *const words[] = {"cấp",      "đổi",     "gia hạn",   "điều chỉnh", "thu hồi",
                                        "xác nhận", "đăng ký", "thẩm định", "phê duyệt"};
    static const char *const things[] = {"giấy phép", "chứng chỉ", "giấy chứng nhận", "hồ sơ",
                                         "bản sao",   "thông báo", "quyết định"};
    struct eg_tx *tx = dbt_begin(t->db, EG_TX_WRITE);
    for (int f = 0; f < 40; f++) {
        char code[8], name[32];
        snprintf(code, sizeof(code), "F%02d", f);
        snprintf(name, sizeof(name), "Lĩnh vực %d", f);
        assert_int_equal(eg_procedure_field_put(tx, code, name, NULL), EG_OK);
    }
    struct eg_buf msg = EG_BUF_INIT(2048);
    for (int i = 0; i < 3000; i++) {
        char code[16], name[160], field[8], agency[16];
        snprintf(code, sizeof(code), "1.%06d", 100000 + i);
        snprintf(name, sizeof(name), "%s %s %s số %d", words[i % 9], things[i % 7],
                 i % 3 ? "hoạt động xây dựng" : "hộ tịch", i);
        snprintf(field, sizeof(field), "F%02d", i % 40);
        snprintf(agency, sizeof(agency), "000.00.%02d.H41", 2 + i % 13);
        json_t *d = doc_new(code, name, field, i % 4 ? "province" : "commune",
                            i % 4 ? agency : "*communes*", i % 5 ? "citizen" : "business", i % 100);
        int version;
        struct eg_procedure_put how = {EG_PUT_ANY, true, true, "test", NOW};
        enum eg_err rc = eg_procedure_put(tx, d, &how, &version, &msg);
        if (rc != EG_OK)
            fail_msg("%s: %s", code, eg_buf_str(&msg));
        json_decref(d);
    }
    assert_int_equal(eg_tx_commit(tx), EG_OK);
    eg_buf_release(&msg);
    return 0;
}

/*
 * Searches go through the full-text index, lists through their indexes. (A
 * commune's list is left out: a quarter of the catalogue matches it, and
 * there PostgreSQL rightly prefers reading the table.)
 */
static void
plans_all(struct dbt *t)
{
    struct eg_procedure_query q = {.q = "cap giay phep", .limit = 20};
    plan_ok(t->db, &q, "text");
    text_plan_ok(t->db, &q, "text");
    struct eg_procedure_query rare = {.q = "tham dinh giay phep hoat dong", .limit = 20};
    text_plan_ok(t->db, &rare, "a text few procedures have");
    first_is(t->db, "thẩm định giấy phép hoạt động xây dựng số 7", "1.100007");
    q.field = "F07";
    plan_ok(t->db, &q, "text + field");
    text_plan_ok(t->db, &q, "text + field");
    q.field = NULL;
    q.agency = CONSTRUCTION;
    plan_ok(t->db, &q, "text + agency");
    text_plan_ok(t->db, &q, "text + agency");
    q.agency = NULL;
    q.level = "commune";
    q.applicant = "business";
    plan_ok(t->db, &q, "text + level + applicant");
    struct eg_procedure_query one = {.q = "1.100007", .limit = 20};
    plan_ok(t->db, &one, "a code");
    struct eg_procedure_query browse = {.field = "F07", .limit = 20, .offset = 40};
    plan_ok(t->db, &browse, "a field's list");
    browse.field = NULL;
    browse.agency = JUSTICE;
    plan_ok(t->db, &browse, "a department's list");
    struct eg_procedure_query popular = {.limit = 8};
    plan_ok(t->db, &popular, "the most used");
}

/* Once as a new database has it (no statistics yet), once after ANALYZE. */
static void
test_plans(void **state)
{
    struct dbt *t = dbt_get(state);
    plans_all(t);
    struct eg_tx *tx;
    /* Fresh statistics, as autovacuum would have them (PostgreSQL: outside a transaction). */
    if (t->kind == EG_DB_SQLITE) {
        tx = dbt_begin(t->db, EG_TX_WRITE);
        assert_int_equal(eg_tx_exec(tx, "ANALYZE"), EG_OK);
        assert_int_equal(eg_tx_commit(tx), EG_OK);
    } else {
        tx = dbt_begin(t->db, EG_TX_READ);
        assert_int_equal(eg_tx_exec(tx, "VACUUM ANALYZE"), EG_OK);
        eg_tx_rollback(tx);
    }
    plans_all(t);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_check),
        DBT_BOTH(test_spellings, setup_catalogue),
        DBT_BOTH(test_filters, setup_catalogue),
        DBT_BOTH(test_hostile, setup_catalogue),
        DBT_BOTH(test_versions, setup_catalogue),
        DBT_BOTH(test_export_import, setup_catalogue),
        DBT_BOTH(test_plans, setup_many),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
