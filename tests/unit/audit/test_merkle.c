/*
 * test_merkle.c - RFC 9162 §2.1 hashing against the Certificate Transparency
 * reference vectors (the 8 standard leaves and the published roots for sizes
 * 0..8), and the frontier against the recursive definition for every size up
 * to 600 and across stored form round trips.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "audit/audit_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const struct {
    const char *data;
    size_t n;
} leaves[] = {
    {"", 0},
    {"\x00", 1},
    {"\x10", 1},
    {"\x20\x21", 2},
    {"\x30\x31", 2},
    {"\x40\x41\x42\x43", 4},
    {"\x50\x51\x52\x53\x54\x55\x56\x57", 8},
    {"\x60\x61\x62\x63\x64\x65\x66\x67\x68\x69\x6a\x6b\x6c\x6d\x6e\x6f", 16},
};

/* Published in the CT reference implementations; index is the tree size. */
static const char *const roots[] = {
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
};

static void
assert_hex(const unsigned char h[32], const char *want)
{
    char got[65];
    eg_hex(h, 32, got);
    assert_string_equal(got, want);
}

static void
test_leaf_and_node(void **state)
{
    (void)state;
    unsigned char a[32], b[32], n[32];
    eg_audit_leaf_hash("", 0, a);
    assert_hex(a, roots[1]);
    eg_audit_leaf_hash("\x00", 1, b);
    assert_hex(b, "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7");
    eg_audit_node_hash(a, b, n);
    assert_hex(n, roots[2]);
}

static void
test_rfc_vectors(void **state)
{
    (void)state;
    unsigned char h[8][32], root[32];
    struct eg_audit_frontier f;
    eg_audit_frontier_init(&f);
    eg_audit_mth(h[0], 0, root);
    assert_hex(root, roots[0]);
    eg_audit_frontier_root(&f, root);
    assert_hex(root, roots[0]);
    for (size_t i = 0; i < EG_ARRAY_LEN(leaves); i++) {
        eg_audit_leaf_hash(leaves[i].data, leaves[i].n, h[i]);
        eg_audit_frontier_push(&f, h[i]);
        eg_audit_mth(h[0], i + 1, root);
        assert_hex(root, roots[i + 1]);
        eg_audit_frontier_root(&f, root);
        assert_hex(root, roots[i + 1]);
        assert_int_equal(f.size, (int64_t)i + 1);
    }
}

/* The frontier's root equals MTH at every size, and its stored form round-trips. */
static void
test_frontier_every_size(void **state)
{
    (void)state;
    enum { N = 600 };
    unsigned char(*h)[32] = malloc(N * 32);
    struct eg_audit_frontier *f = malloc(sizeof(*f)), *g = malloc(sizeof(*g));
    unsigned char *enc = malloc(EG_AUDIT_LEVELS * 32);
    assert_non_null(h);
    assert_non_null(f);
    assert_non_null(g);
    assert_non_null(enc);
    eg_audit_frontier_init(f);
    for (int i = 0; i < N; i++) {
        char d[16];
        int dn = snprintf(d, sizeof(d), "leaf %d", i);
        eg_audit_leaf_hash(d, (size_t)dn, h[i]);
        eg_audit_frontier_push(f, h[i]);
        unsigned char a[32], b[32];
        eg_audit_mth(h[0], (size_t)i + 1, a);
        eg_audit_frontier_root(f, b);
        assert_memory_equal(a, b, 32);
        size_t n = eg_audit_frontier_encode(f, enc);
        assert_int_equal(n, (size_t)__builtin_popcount((unsigned)i + 1) * 32);
        assert_int_equal(eg_audit_frontier_decode(f->size, enc, n, g), EG_OK);
        assert_true(eg_audit_frontier_equal(f, g));
        eg_audit_frontier_root(g, b);
        assert_memory_equal(a, b, 32);
        /* A stored frontier of the wrong length for its size is refused. */
        assert_int_equal(eg_audit_frontier_decode(f->size + 1, enc, n, g),
                         __builtin_popcount((unsigned)i + 2) == __builtin_popcount((unsigned)i + 1)
                             ? EG_OK
                             : EG_EINVAL);
        assert_int_equal(eg_audit_frontier_decode(f->size, enc, n - 1, g), EG_EINVAL);
    }
    assert_int_equal(eg_audit_frontier_decode(-1, enc, 0, g), EG_EINVAL);
    assert_int_equal(eg_audit_frontier_decode(0, NULL, 0, g), EG_OK);
    free(h);
    free(f);
    free(g);
    free(enc);
}

static void
test_frontier_equal(void **state)
{
    (void)state;
    struct eg_audit_frontier a, b;
    unsigned char x[32] = {1}, y[32] = {2};
    eg_audit_frontier_init(&a);
    eg_audit_frontier_init(&b);
    assert_true(eg_audit_frontier_equal(&a, &b));
    eg_audit_frontier_push(&a, x);
    assert_false(eg_audit_frontier_equal(&a, &b));
    eg_audit_frontier_push(&b, y);
    assert_false(eg_audit_frontier_equal(&a, &b));
    eg_audit_frontier_init(&b);
    eg_audit_frontier_push(&b, x);
    assert_true(eg_audit_frontier_equal(&a, &b));
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_leaf_and_node),
        cmocka_unit_test(test_rfc_vectors),
        cmocka_unit_test(test_frontier_every_size),
        cmocka_unit_test(test_frontier_equal),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
