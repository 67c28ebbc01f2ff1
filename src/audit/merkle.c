/*
 * merkle.c - RFC 9162 §2.1 hashing: leaf = SHA-256(0x00 || data), node =
 * SHA-256(0x01 || left || right), MTH with k the largest power of two < n.
 *
 * The log keeps a frontier instead of the tree: the roots of the perfect
 * subtrees that a tree of n leaves splits into (one per set bit of n). An
 * append merges equal-sized subtrees like a binary counter carries; the root
 * folds the frontier from the smallest subtree up, which is exactly MTH
 * because MTH's left part is always the largest perfect subtree.
 */
#include "audit_int.h"

#include <string.h>

#include <sodium.h>

void
eg_audit_leaf_hash(const void *p, size_t n, unsigned char out[EG_AUDIT_HASH_LEN])
{
    static const unsigned char zero = 0x00;
    crypto_hash_sha256_state st;
    crypto_hash_sha256_init(&st);
    crypto_hash_sha256_update(&st, &zero, 1);
    crypto_hash_sha256_update(&st, p, n);
    crypto_hash_sha256_final(&st, out);
}

void
eg_audit_node_hash(const unsigned char l[EG_AUDIT_HASH_LEN],
                   const unsigned char r[EG_AUDIT_HASH_LEN], unsigned char out[EG_AUDIT_HASH_LEN])
{
    unsigned char in[1 + 2 * EG_AUDIT_HASH_LEN];
    in[0] = 0x01;
    memcpy(in + 1, l, EG_AUDIT_HASH_LEN);
    memcpy(in + 1 + EG_AUDIT_HASH_LEN, r, EG_AUDIT_HASH_LEN);
    crypto_hash_sha256(out, in, sizeof(in));
}

void
eg_audit_mth(const unsigned char *leaves, size_t n, unsigned char out[EG_AUDIT_HASH_LEN])
{
    if (n == 0) {
        crypto_hash_sha256(out, (const unsigned char *)"", 0);
        return;
    }
    if (n == 1) {
        memcpy(out, leaves, EG_AUDIT_HASH_LEN);
        return;
    }
    size_t k = 1;
    while (k * 2 < n)
        k *= 2;
    unsigned char l[EG_AUDIT_HASH_LEN], r[EG_AUDIT_HASH_LEN];
    eg_audit_mth(leaves, k, l);
    eg_audit_mth(leaves + k * EG_AUDIT_HASH_LEN, n - k, r);
    eg_audit_node_hash(l, r, out);
}

void
eg_audit_frontier_init(struct eg_audit_frontier *f)
{
    f->size = 0;
}

void
eg_audit_frontier_push(struct eg_audit_frontier *f, const unsigned char leaf[EG_AUDIT_HASH_LEN])
{
    unsigned char node[EG_AUDIT_HASH_LEN];
    memcpy(node, leaf, EG_AUDIT_HASH_LEN);
    int level = 0;
    while (level < EG_AUDIT_LEVELS && (f->size >> level) & 1) {
        eg_audit_node_hash(f->h[level], node, node);
        level++;
    }
    EG_ASSERT(level < EG_AUDIT_LEVELS);
    memcpy(f->h[level], node, EG_AUDIT_HASH_LEN);
    f->size++;
}

void
eg_audit_frontier_root(const struct eg_audit_frontier *f, unsigned char out[EG_AUDIT_HASH_LEN])
{
    bool any = false;
    for (int level = 0; level < EG_AUDIT_LEVELS; level++) {
        if (!((f->size >> level) & 1))
            continue;
        if (any)
            eg_audit_node_hash(f->h[level], out, out);
        else
            memcpy(out, f->h[level], EG_AUDIT_HASH_LEN);
        any = true;
    }
    if (!any)
        crypto_hash_sha256(out, (const unsigned char *)"", 0);
}

size_t
eg_audit_frontier_encode(const struct eg_audit_frontier *f,
                         unsigned char out[EG_AUDIT_LEVELS * EG_AUDIT_HASH_LEN])
{
    size_t n = 0;
    for (int level = EG_AUDIT_LEVELS - 1; level >= 0; level--) {
        if (!((f->size >> level) & 1))
            continue;
        memcpy(out + n, f->h[level], EG_AUDIT_HASH_LEN);
        n += EG_AUDIT_HASH_LEN;
    }
    return n;
}

enum eg_err
eg_audit_frontier_decode(int64_t size, const void *p, size_t n, struct eg_audit_frontier *f)
{
    if (size < 0)
        return EG_EINVAL;
    size_t want = (size_t)__builtin_popcountll((unsigned long long)size) * EG_AUDIT_HASH_LEN;
    if (n != want || (want > 0 && !p))
        return EG_EINVAL;
    f->size = size;
    const unsigned char *b = p;
    size_t off = 0;
    for (int level = EG_AUDIT_LEVELS - 1; level >= 0; level--) {
        if (!((size >> level) & 1))
            continue;
        memcpy(f->h[level], b + off, EG_AUDIT_HASH_LEN);
        off += EG_AUDIT_HASH_LEN;
    }
    return EG_OK;
}

bool
eg_audit_frontier_equal(const struct eg_audit_frontier *a, const struct eg_audit_frontier *b)
{
    if (a->size != b->size)
        return false;
    for (int level = 0; level < EG_AUDIT_LEVELS; level++)
        if (((a->size >> level) & 1) && memcmp(a->h[level], b->h[level], EG_AUDIT_HASH_LEN) != 0)
            return false;
    return true;
}
