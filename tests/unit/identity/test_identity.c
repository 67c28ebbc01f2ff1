/*
 * test_identity.c - the tricky cores of identity/: personal identification
 * numbers, tax codes, login names, the password policy, argon2id, TOTP
 * (RFC 6238 vectors), sealing, and the tokens' entropy.
 */
#define _GNU_SOURCE /* memmem */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "identity/identity_int.h"

static struct eg_identity *id;
static char keypath[64];

static int
setup(void **state)
{
    (void)state;
    snprintf(keypath, sizeof(keypath), "/tmp/egov-idtest-%d/identity.key", (int)getpid());
    struct eg_identity_config c;
    eg_identity_config_defaults(&c);
    c.key_path = keypath;
    c.hash_threads = 1;
    struct eg_buf msg = EG_BUF_INIT(1024);
    enum eg_err rc = eg_identity_open(&c, &id, &msg);
    if (rc != EG_OK)
        fprintf(stderr, "open: %s\n", eg_buf_str(&msg));
    eg_buf_release(&msg);
    return rc == EG_OK ? 0 : -1;
}

static int
teardown(void **state)
{
    (void)state;
    eg_identity_close(id);
    unlink(keypath);
    char dir[64];
    snprintf(dir, sizeof(dir), "/tmp/egov-idtest-%d", (int)getpid());
    rmdir(dir);
    return 0;
}

static void
test_pid(void **state)
{
    (void)state;
    struct eg_pid p;
    assert_int_equal(eg_pid_parse("040095000123", 2026, &p, NULL), EG_OK);
    assert_string_equal(p.digits, "040095000123");
    assert_int_equal(p.birth_year, 1995);
    assert_false(p.female);
    assert_string_equal(p.birth_province, "Nghệ An");
    /* 4th digit 3: a woman born in the 21st century. */
    assert_int_equal(eg_pid_parse("001 305 012 345", 2026, &p, NULL), EG_OK);
    assert_int_equal(p.birth_year, 2005);
    assert_true(p.female);
    assert_string_equal(p.birth_province, "Hà Nội");
    assert_int_equal(eg_pid_parse("079.1.99.123456", 2026, &p, NULL), EG_OK);
    assert_int_equal(p.birth_year, 1999);
    assert_true(p.female);
    /* No check digit exists: any 12 digits with a plausible year pass. */
    assert_int_equal(eg_pid_parse("999000000000", 2026, &p, NULL), EG_OK);
    assert_null(p.birth_province);
    struct eg_buf msg = EG_BUF_INIT(256);
    assert_int_equal(eg_pid_parse("04009500012", 2026, &p, &msg), EG_EINVAL);
    assert_non_null(strstr(eg_buf_str(&msg), "12 chữ số"));
    assert_int_equal(eg_pid_parse("0400950001234", 2026, &p, NULL), EG_EINVAL);
    assert_int_equal(eg_pid_parse("04009500012a", 2026, &p, NULL), EG_EINVAL);
    assert_int_equal(eg_pid_parse("", 2026, &p, NULL), EG_EINVAL);
    assert_int_equal(eg_pid_parse(NULL, 2026, &p, NULL), EG_EINVAL);
    /* Born in 2026 is fine in 2026; born in 2030 is not yet. */
    assert_int_equal(eg_pid_parse("001226000000", 2026, &p, NULL), EG_OK);
    assert_int_equal(eg_pid_parse("001230000000", 2026, &p, NULL), EG_EINVAL);
    eg_buf_release(&msg);
    char masked[13];
    eg_pid_mask("040095000123", masked);
    assert_string_equal(masked, "040******123");
}

static void
test_tax_code_and_login(void **state)
{
    (void)state;
    char t[16];
    assert_int_equal(eg_tax_code_parse("0101234567", t, NULL), EG_OK);
    assert_string_equal(t, "0101234567");
    assert_int_equal(eg_tax_code_parse("0101234567-001", t, NULL), EG_OK);
    assert_string_equal(t, "0101234567-001");
    assert_int_equal(eg_tax_code_parse("0101234567001", t, NULL), EG_OK);
    assert_string_equal(t, "0101234567-001");
    assert_int_equal(eg_tax_code_parse("010123456", t, NULL), EG_EINVAL);
    assert_int_equal(eg_tax_code_parse("01012345678", t, NULL), EG_EINVAL);
    assert_int_equal(eg_tax_code_parse("0101-234567", t, NULL), EG_EINVAL);
    assert_int_equal(eg_tax_code_parse("0101234567-0011", t, NULL), EG_EINVAL);
    assert_int_equal(eg_login_name_check("nguyen.van-a_1", NULL), EG_OK);
    assert_int_equal(eg_login_name_check("ab", NULL), EG_EINVAL);
    assert_int_equal(eg_login_name_check("1abc", NULL), EG_EINVAL);
    assert_int_equal(eg_login_name_check("Abc", NULL), EG_EINVAL);
    assert_int_equal(eg_login_name_check("nguyễn", NULL), EG_EINVAL);
    assert_int_equal(eg_login_name_check("a b c", NULL), EG_EINVAL);
}

static void
test_password_policy(void **state)
{
    (void)state;
    /* Lengths count characters, not bytes: eleven "ệ" are 33 bytes but 11 characters. */
    char buf[1024];
    size_t off = 0;
    for (int i = 0; i < 11; i++, off += 3)
        memcpy(buf + off, "ệ", 3);
    buf[off] = '\0';
    assert_int_equal(eg_password_check(id, buf, NULL), EG_EINVAL);
    memcpy(buf + off, "ệ", 4);
    assert_int_equal(eg_password_check(id, buf, NULL), EG_OK);
    memset(buf, 'x', 128);
    buf[128] = '\0';
    buf[0] = 'Q';
    assert_int_equal(eg_password_check(id, buf, NULL), EG_OK);
    buf[128] = 'y';
    buf[129] = '\0';
    assert_int_equal(eg_password_check(id, buf, NULL), EG_EINVAL);
    /* The breached list, case-insensitively. */
    assert_int_equal(eg_password_check(id, "password1234", NULL), EG_EINVAL);
    assert_int_equal(eg_password_check(id, "PASSWORD1234", NULL), EG_EINVAL);
    assert_int_equal(eg_password_check(id, "matkhau123456", NULL), EG_EINVAL);
    assert_int_equal(eg_password_check(id, "Sông Lam chảy qua Vinh 2026", NULL), EG_OK);
    assert_int_equal(eg_password_check(id, "\xff\xfe too long", NULL), EG_EINVAL);
}

static void
test_argon2id(void **state)
{
    (void)state;
    char h[crypto_pwhash_STRBYTES];
    assert_int_equal(eg_password_hash("Sông Lam chảy qua Vinh 2026", h, sizeof(h)), EG_OK);
    assert_non_null(strstr(h, "$argon2id$"));
    assert_non_null(strstr(h, "m=19456,t=2,p=1")); /* RELIABILITY D1 */
    assert_int_equal(eg_password_verify(h, "Sông Lam chảy qua Vinh 2026"), EG_OK);
    assert_int_equal(eg_password_verify(h, "Sông Lam chảy qua Vinh 2025"), EG_EFORBIDDEN);
    /* The NFD spelling of the same password is the same password. */
    assert_int_equal(eg_password_verify(h, "So\xcc\x82ng Lam cha\xcc\x89y qua Vinh 2026"), EG_OK);
    /* Never truncated: two 100-byte passwords that differ only in the last byte. */
    char a[101], b[101];
    memset(a, 'k', 100);
    a[100] = '\0';
    memcpy(b, a, sizeof(a));
    b[99] = 'j';
    assert_int_equal(eg_password_hash(a, h, sizeof(h)), EG_OK);
    assert_int_equal(eg_password_verify(h, a), EG_OK);
    assert_int_equal(eg_password_verify(h, b), EG_EFORBIDDEN);
}

/* RFC 6238 Appendix B, SHA-1, with the 20-byte key "12345678901234567890" (8 digits). */
static void
test_totp_rfc6238(void **state)
{
    (void)state;
    static const struct {
        int64_t t;
        const char *code;
    } v[] = {
        {59, "94287082"},         {1111111109, "07081804"}, {1111111111, "14050471"},
        {1234567890, "89005924"}, {2000000000, "69279037"}, {20000000000LL, "65353130"},
    };
    const unsigned char key[] = "12345678901234567890";
    for (size_t i = 0; i < EG_ARRAY_LEN(v); i++) {
        char out[9];
        assert_int_equal(eg_totp_code(key, 20, v[i].t / 30, 8, out), EG_OK);
        assert_string_equal(out, v[i].code);
        assert_int_equal(eg_totp_code(key, 20, v[i].t / 30, 6, out), EG_OK);
        assert_string_equal(out, v[i].code + 2);
    }
    char secret[33];
    assert_int_equal(eg_totp_new_secret(secret), EG_OK);
    assert_int_equal(strlen(secret), 32);
    struct eg_buf uri = EG_BUF_INIT(512);
    assert_int_equal(eg_totp_uri(secret, "Nguyễn Văn A", "egov", &uri), EG_OK);
    assert_non_null(strstr(uri.p, "otpauth://totp/egov:Nguy%E1%BB%85n%20V%C4%83n%20A?secret="));
    eg_buf_release(&uri);
}

static void
test_seal(void **state)
{
    (void)state;
    struct eg_buf sealed = EG_BUF_INIT(256), open = EG_BUF_INIT(64);
    assert_int_equal(eg_identity_seal(id, "040095000123", 12, &sealed), EG_OK);
    assert_null(memmem(sealed.p, sealed.len, "040095000123", 12));
    assert_int_equal(eg_identity_open_sealed(id, sealed.p, sealed.len, &open), EG_OK);
    assert_string_equal(open.p, "040095000123");
    /* One flipped bit anywhere and it does not open. */
    sealed.p[sealed.len / 2] ^= 1;
    eg_buf_reset(&open);
    assert_int_equal(eg_identity_open_sealed(id, sealed.p, sealed.len, &open), EG_EINVAL);
    /* Two seals of the same number differ (random nonce); the keyed hash does not. */
    struct eg_buf s2 = EG_BUF_INIT(256), s3 = EG_BUF_INIT(256);
    assert_int_equal(eg_identity_seal(id, "040095000123", 12, &s2), EG_OK);
    assert_int_equal(eg_identity_seal(id, "040095000123", 12, &s3), EG_OK);
    assert_memory_not_equal(s2.p, s3.p, s2.len);
    unsigned char h1[EG_PII_HASH_LEN], h2[EG_PII_HASH_LEN];
    eg_identity_pii_hash(id, "040095000123", 12, h1);
    eg_identity_pii_hash(id, "040095000123", 12, h2);
    assert_memory_equal(h1, h2, sizeof(h1));
    eg_buf_release(&sealed);
    eg_buf_release(&open);
    eg_buf_release(&s2);
    eg_buf_release(&s3);
}

static int
cmp(const void *a, const void *b)
{
    return memcmp(a, b, EG_TOKEN_TEXT);
}

/* RELIABILITY D5: 100,000 tokens, no duplicate, 256 bits in 43 base64url characters. */
static void
test_token_entropy(void **state)
{
    (void)state;
    enum { N = 100000 };
    char(*t)[EG_TOKEN_TEXT] = calloc(N, EG_TOKEN_TEXT);
    assert_non_null(t);
    unsigned long counts[256] = {0};
    for (int i = 0; i < N; i++) {
        assert_int_equal(eg_token_new(t[i]), EG_OK);
        assert_int_equal(strlen(t[i]), 43);
        for (int k = 0; k < 43; k++) {
            unsigned char ch = (unsigned char)t[i][k];
            assert_true((ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') ||
                        (ch >= '0' && ch <= '9') || ch == '-' || ch == '_');
            counts[ch]++;
        }
    }
    qsort(t, N, EG_TOKEN_TEXT, cmp);
    for (int i = 1; i < N; i++)
        assert_int_not_equal(memcmp(t[i - 1], t[i], EG_TOKEN_TEXT), 0);
    /* The first 42 characters are uniform over 64 symbols: each near 42 * N / 64. */
    double expect = 43.0 * N / 64;
    for (int ch = 0; ch < 256; ch++)
        if (counts[ch])
            assert_true(counts[ch] > expect * 0.9 && counts[ch] < expect * 1.1 + 0.05 * N);
    free(t);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_pid),
        cmocka_unit_test(test_tax_code_and_login),
        cmocka_unit_test(test_password_policy),
        cmocka_unit_test(test_argon2id),
        cmocka_unit_test(test_totp_rfc6238),
        cmocka_unit_test(test_seal),
        cmocka_unit_test(test_token_entropy),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
