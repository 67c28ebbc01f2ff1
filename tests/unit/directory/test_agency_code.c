/*
 * test_agency_code.c - QCVN 102 agency codes (DOMAIN-VN §1.2):
 * V1V2V3.Z1Z2.Y1Y2.MX1X2, level 4 first, level 1 last. Valid codes of every
 * depth decode with their parent one level up; every other shape is refused.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "directory/directory.h"

#include <stdio.h>
#include <string.h>

static struct eg_agency_code
parse_ok(const char *code)
{
    struct eg_agency_code c;
    struct eg_buf msg = EG_BUF_INIT(1024);
    enum eg_err rc = eg_agency_code_parse(code, &c, &msg);
    if (rc != EG_OK)
        fail_msg("%s refused: %s", code, eg_buf_str(&msg));
    assert_int_equal(msg.len, 0);
    eg_buf_release(&msg);
    return c;
}

static void
assert_code(const char *code, char group, int l1, int l2, int l3, int l4, int depth,
            const char *parent)
{
    struct eg_agency_code c = parse_ok(code);
    assert_int_equal(c.group, group);
    assert_int_equal(c.level1, l1);
    assert_int_equal(c.level2, l2);
    assert_int_equal(c.level3, l3);
    assert_int_equal(c.level4, l4);
    assert_int_equal(c.depth, depth);
    assert_string_equal(c.parent, parent);
    /* The parent is itself a valid code one level up. */
    if (depth > 1) {
        struct eg_agency_code p = parse_ok(c.parent);
        assert_int_equal(p.depth, depth - 1);
        assert_int_equal(p.group, group);
        assert_int_equal(p.level1, l1);
    }
}

static void
refused(const char *code)
{
    struct eg_agency_code c;
    memset(&c, 0x55, sizeof(c));
    struct eg_buf msg = EG_BUF_INIT(1024);
    enum eg_err rc = eg_agency_code_parse(code, &c, &msg);
    if (rc != EG_EINVAL)
        fail_msg("\"%s\" accepted (depth %d)", code ? code : "(null)", c.depth);
    assert_true(msg.len > 0);
    assert_true(eg_utf8_valid(msg.p, msg.len));
    eg_buf_release(&msg);
    /* No half-decoded leftovers. */
    assert_string_equal(c.parent, "");
    assert_int_equal(eg_agency_code_parse(code, &c, NULL), EG_EINVAL);
}

static void
test_every_depth(void **state)
{
    (void)state;
    assert_code("000.00.00.H41", 'H', 41, 0, 0, 0, 1, "");
    assert_code("000.00.05.H41", 'H', 41, 5, 0, 0, 2, "000.00.00.H41");
    assert_code("000.02.05.H41", 'H', 41, 5, 2, 0, 3, "000.00.05.H41");
    assert_code("001.02.05.H41", 'H', 41, 5, 2, 1, 4, "000.02.05.H41");
    assert_code("000.00.18.G12", 'G', 12, 18, 0, 0, 2, "000.00.00.G12");
    assert_code("000.00.00.G22", 'G', 22, 0, 0, 0, 1, "");
    assert_code("000.17.22.H56", 'H', 56, 22, 17, 0, 3, "000.00.22.H56");
    assert_code("999.99.99.Z99", 'Z', 99, 99, 99, 999, 4, "000.99.99.Z99");
    assert_code("000.00.00.K54", 'K', 54, 0, 0, 0, 1, "");
}

static void
test_bad_shapes(void **state)
{
    (void)state;
    static const char *const bad[] = {
        "000.00.00.h41",  /* lower-case group letter */
        "000.00.00.H4",   /* 12 characters */
        "000.00.00.H411", /* 14 characters */
        "0000.00.00.H41", /* 14, a long first group */
        "00.00.00.H41",   /* 12 */
        "000000000H41",   /* no dots */
        "000-00-00-H41",  /* other separators */
        "000.00.00H41.",  /* dot in the wrong place */
        "000.00.00.141",  /* digit for the letter */
        "000.00.00.HH1",  /* letter in the level-1 number */
        "000.00.0A.H41",  /* letter in a digit group */
        "A00.00.00.H41",
        "000.O0.00.H41", /* letter O for zero */
        "000.00.00. 41",
        "000.00.00.Đ41",              /* not ASCII (and 14 bytes) */
        "000.00.00.\xc3\x84\x34\x31", /* "...Ä41": 13 bytes, not ASCII */
        "",
        " 000.00.00.H41",
        "000.00.00.H41 ",
        "000.00.00.H41\n",
        "+00.00.00.H41",
        "-01.00.00.H41",
        "000.05.00.H41", /* level 3 set under a zero level 2 */
        "001.00.00.H41", /* level 4 under zero levels 3 and 2 */
        "001.00.05.H41", /* level 4 under a zero level 3 */
        "001.05.00.H41",
    };
    for (size_t i = 0; i < EG_ARRAY_LEN(bad); i++)
        refused(bad[i]);
    refused(NULL);
}

static void
test_embedded_nul(void **state)
{
    (void)state;
    /* strlen stops at the NUL: "000.00" is too short. */
    refused("000.00\0.00.H41");
}

static void
test_group_names(void **state)
{
    (void)state;
    assert_non_null(eg_agency_group_name('H'));
    assert_non_null(eg_agency_group_name('K'));
    assert_non_null(eg_agency_group_name('G'));
    assert_true(strstr(eg_agency_group_name('H'), "Ủy ban nhân dân") != NULL);
    assert_null(eg_agency_group_name('Q'));
    assert_null(eg_agency_group_name('h'));
    assert_null(eg_agency_group_name('\0'));
}

static void
test_kinds(void **state)
{
    (void)state;
    static const char *const names[] = {"province_committee", "department", "service_center",
                                        "sub_unit", "commune_committee"};
    for (size_t i = 0; i < EG_ARRAY_LEN(names); i++) {
        enum eg_org_kind k;
        assert_int_equal(eg_org_kind_parse(names[i], &k), EG_OK);
        assert_int_equal(k, (enum eg_org_kind)i);
        assert_string_equal(eg_org_kind_str(k), names[i]);
    }
    enum eg_org_kind k = EG_ORG_DEPARTMENT;
    assert_int_equal(eg_org_kind_parse("Department", &k), EG_EINVAL);
    assert_int_equal(eg_org_kind_parse("", &k), EG_EINVAL);
    assert_int_equal(eg_org_kind_parse("department ", &k), EG_EINVAL);
    assert_int_equal(k, EG_ORG_DEPARTMENT);
    assert_string_equal(eg_org_kind_str((enum eg_org_kind)99), "unknown");
    assert_string_equal(eg_org_kind_str((enum eg_org_kind) - 1), "unknown");
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_depth),  cmocka_unit_test(test_bad_shapes),
        cmocka_unit_test(test_embedded_nul), cmocka_unit_test(test_group_names),
        cmocka_unit_test(test_kinds),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
