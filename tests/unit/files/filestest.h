/*
 * filestest.h - what the files/ unit tests share: a migrated database (both
 * drivers, tests/unit/db/dbtest.h) with one account, a store and a spool in a
 * temporary directory of the test's own, source files made from bytes, and an
 * independent SHA-256 (OpenSSL's one-shot EVP_Digest, not the store's code).
 *
 * Include after <cmocka.h>.
 */
#ifndef EG_TESTS_FILESTEST_H
#define EG_TESTS_FILESTEST_H

#include "db/dbtest.h"
#include "files/files.h"

#include <fcntl.h>
#include <openssl/evp.h>
#include <sys/stat.h>
#include <unistd.h>

#define NOW 1767225600000LL /* 2026-01-01T00:00:00Z */
#define HOUR (3600LL * 1000)

struct ft {
    struct dbt *t;
    char dir[256];   /* the test's own: store/, spool/ */
    char root[300];  /* dir/store */
    char spool[300]; /* dir/spool */
    struct eg_files *fs;
    int64_t account;
};

static const unsigned char ft_png[] = {0x89, 'P', 'N', 'G', 0x0d, 0x0a, 0x1a, 0x0a,
                                       0,    0,   0,   13,  'I',  'H',  'D',  'R'};

static inline void
ft_sha256(const void *p, size_t n, char hex[65])
{
    unsigned char d[32];
    unsigned dn = 0;
    assert_int_equal(EVP_Digest(p, n, d, &dn, EVP_sha256(), NULL), 1);
    assert_int_equal(dn, 32);
    eg_hex(d, 32, hex);
}

static inline int
ft_setup(void **state)
{
    struct ft *f = calloc(1, sizeof(*f));
    assert_non_null(f);
    dbt_setup_migrated(state);
    f->t = *state;
    *state = f;
    snprintf(f->dir, sizeof(f->dir), "/tmp/egov_u_%ld_files_XXXXXX", (long)getpid());
    assert_non_null(mkdtemp(f->dir));
    snprintf(f->root, sizeof(f->root), "%s/store", f->dir);
    snprintf(f->spool, sizeof(f->spool), "%s/spool", f->dir);
    assert_int_equal(mkdir(f->spool, 0700), 0);
    struct eg_files_config c = {.root = f->root, .spool_dir = f->spool};
    struct eg_buf msg = EG_BUF_INIT(1024);
    assert_int_equal(eg_files_open(&c, &f->fs, &msg), EG_OK);
    eg_buf_release(&msg);
    if (!f->t->skip) {
        dbt_write(f->t->db, "INSERT INTO account (kind, login, name, name_fold, status, "
                            "created_at, updated_at) VALUES ('staff', 'ft', 'F T', 'f t', "
                            "'active', 0, 0)");
        f->account = dbt_scalar(f->t->db, "SELECT id FROM account WHERE login = 'ft'");
    }
    return 0;
}

static inline int
ft_teardown(void **state)
{
    struct ft *f = *state;
    eg_files_close(f->fs);
    dbt_rm_rf(f->dir);
    *state = f->t;
    dbt_teardown(state);
    free(f);
    return 0;
}

/* The fixture; skips like dbt_get() when PostgreSQL is not there. */
static inline struct ft *
ft_get(void **state)
{
    struct ft *f = *state;
    if (f->t->skip) {
        print_message(DBT_SKIP_MSG);
        skip();
    }
    return f;
}

#define FT_BOTH(fn)                                                                                \
    {"sqlite/" #fn, fn, ft_setup, ft_teardown, &dbt_kind_sqlite},                                  \
    {                                                                                              \
        "pg/" #fn, fn, ft_setup, ft_teardown, &dbt_kind_pg                                         \
    }

/* A source in the spool: a new file holding p[0..n), open read-write. */
struct ft_src {
    struct eg_blob_src src;
    char path[400];
    char hex[65];
};

static inline void
ft_src_new(struct ft *f, const void *p, size_t n, struct ft_src *s)
{
    static unsigned counter;
    memset(s, 0, sizeof(*s));
    snprintf(s->path, sizeof(s->path), "%s/src-%u", f->spool, ++counter);
    int fd = open(s->path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    assert_true(fd >= 0);
    const char *c = p;
    size_t left = n;
    while (left > 0) {
        ssize_t w = write(fd, c, left);
        assert_true(w > 0);
        c += w;
        left -= (size_t)w;
    }
    ft_sha256(p, n, s->hex);
    s->src.fd = fd;
    s->src.path = s->path;
    s->src.sha256 = s->hex;
}

static inline void
ft_src_free(struct ft_src *s)
{
    if (s->src.fd >= 0)
        close(s->src.fd);
    s->src.fd = -1;
    unlink(s->path);
}

/* root/ab/cd/<hex> of the fixture's store. */
static inline void
ft_blob_path(const struct ft *f, const char *hex, char *out, size_t n)
{
    snprintf(out, n, "%s/%.2s/%.2s/%s", f->root, hex, hex + 2, hex);
}

/* The whole of a file, malloc'ed; NULL if it cannot be read. */
static inline unsigned char *
ft_read(const char *path, size_t *n)
{
    FILE *fp = fopen(path, "rb");
    if (!fp)
        return NULL;
    struct stat st;
    if (fstat(fileno(fp), &st) != 0) {
        fclose(fp);
        return NULL;
    }
    unsigned char *b = malloc((size_t)st.st_size + 1);
    *n = b ? fread(b, 1, (size_t)st.st_size, fp) : 0;
    fclose(fp);
    return b;
}

/* A PDF-looking body of n bytes (n >= 16), its bytes after the header from seed. */
static inline unsigned char *
ft_pdf(size_t n, unsigned seed)
{
    unsigned char *b = malloc(n);
    assert_non_null(b);
    memcpy(b, "%PDF-1.7\n%", 10);
    uint32_t x = seed * 2654435761u + 1;
    for (size_t i = 10; i < n; i++) {
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        b[i] = (unsigned char)x;
    }
    return b;
}

/* Stores and attaches p[0..n) as one upload of the fixture's account. */
static inline struct eg_attachment
ft_attach(struct ft *f, const void *p, size_t n, const char *name, int64_t now)
{
    struct ft_src s;
    ft_src_new(f, p, n, &s);
    struct eg_attach a = {.filename = name,
                          .declared_type = "application/pdf",
                          .owner_account = f->account,
                          .owner_kind = "upload"};
    struct eg_attachment out;
    struct eg_buf msg = EG_BUF_INIT(1024);
    enum eg_err rc = eg_files_attach(f->fs, f->t->db, &s.src, 0, &a, now, &out, &msg);
    if (rc != EG_OK)
        print_error("eg_files_attach: %s: %s\n", eg_strerror(rc), eg_buf_str(&msg));
    assert_int_equal(rc, EG_OK);
    eg_buf_release(&msg);
    ft_src_free(&s);
    return out;
}

/* Files under the store's ab/cd/ directories (not tmp/). */
static inline size_t
ft_count_blobs(const struct ft *f)
{
    size_t count = 0;
    DIR *top = opendir(f->root);
    assert_non_null(top);
    for (struct dirent *a = readdir(top); a; a = readdir(top)) {
        if (strlen(a->d_name) != 2 || a->d_name[0] == '.')
            continue;
        char p1[1024];
        snprintf(p1, sizeof(p1), "%s/%s", f->root, a->d_name);
        DIR *mid = opendir(p1);
        for (struct dirent *b = mid ? readdir(mid) : NULL; b; b = readdir(mid)) {
            if (strlen(b->d_name) != 2 || b->d_name[0] == '.')
                continue;
            char p2[1536];
            snprintf(p2, sizeof(p2), "%s/%s", p1, b->d_name);
            DIR *leaf = opendir(p2);
            for (struct dirent *c = leaf ? readdir(leaf) : NULL; c; c = readdir(leaf))
                count += c->d_name[0] != '.';
            if (leaf)
                closedir(leaf);
        }
        if (mid)
            closedir(mid);
    }
    closedir(top);
    return count;
}

#endif /* EG_TESTS_FILESTEST_H */
