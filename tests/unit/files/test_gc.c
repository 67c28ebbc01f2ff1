/*
 * test_gc.c - gc and verify on both drivers: gc keeps every blob an attachment
 * refers to and every blob used within the grace period, removes the others
 * (row and file), files without a row and leftover copies, and --dry-run only
 * counts; verify finds a flipped byte, a wrong size and a missing file.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <sys/time.h>

#include "filestest.h"

struct problems {
    size_t n;
    char seen[8][256];
};

static void
collect(void *ctx, const char *sha256, const char *problem)
{
    struct problems *p = ctx;
    if (p->n < 8)
        snprintf(p->seen[p->n], sizeof(p->seen[0]), "%s: %s", sha256, problem);
    p->n++;
}

/* Sets a file's modification time to ms since the epoch. */
static void
set_mtime(const char *path, int64_t ms)
{
    struct timeval tv[2] = {{(time_t)(ms / 1000), 0}, {(time_t)(ms / 1000), 0}};
    assert_int_equal(utimes(path, tv), 0);
}

static void
test_gc_keeps_what_is_referenced(void **state)
{
    struct ft *f = ft_get(state);
    unsigned char *pa = ft_pdf(20000, 11), *pb = ft_pdf(30000, 12), *pc = ft_pdf(40000, 13);
    struct eg_attachment a = ft_attach(f, pa, 20000, "a.pdf", NOW);
    struct eg_attachment b = ft_attach(f, pb, 30000, "b.pdf", NOW);
    struct eg_attachment b2 = ft_attach(f, pb, 30000, "b-again.pdf", NOW + HOUR);
    /* c: stored, never attached (a crash between store and attach). */
    struct ft_src s;
    struct eg_blob cb;
    struct eg_buf msg = EG_BUF_INIT(512);
    ft_src_new(f, pc, 40000, &s);
    assert_int_equal(eg_files_store(f->fs, &s.src, 0, &cb, &msg), EG_OK);
    ft_src_free(&s);
    eg_buf_release(&msg);
    char pathc[512], patha[512], pathb[512];
    ft_blob_path(f, cb.sha256, pathc, sizeof(pathc));
    ft_blob_path(f, a.sha256, patha, sizeof(patha));
    ft_blob_path(f, b.sha256, pathb, sizeof(pathb));
    set_mtime(pathc, NOW);
    set_mtime(patha, NOW);
    set_mtime(pathb, NOW);
    /* A leftover copy of a killed process, and a fresh one. */
    char old[512], fresh[512];
    snprintf(old, sizeof(old), "%s/tmp/0123456789abcdef.tmp", f->root);
    snprintf(fresh, sizeof(fresh), "%s/tmp/fedcba9876543210.tmp", f->root);
    FILE *fp = fopen(old, "wb");
    assert_non_null(fp);
    fputs("partial", fp);
    fclose(fp);
    fp = fopen(fresh, "wb");
    assert_non_null(fp);
    fclose(fp);
    set_mtime(old, NOW);
    set_mtime(fresh, NOW + 10 * HOUR);
    assert_int_equal(ft_count_blobs(f), 3);

    /* Everything referenced: nothing goes, however late. */
    struct eg_files_gc_stats st;
    assert_int_equal(eg_files_gc(f->fs, f->t->db, NOW + 2 * HOUR, HOUR, false, &st), EG_OK);
    assert_int_equal(st.blobs, 0);
    assert_int_equal(st.orphans, 1); /* c, a file without a row */
    assert_int_equal(st.temporaries, 1);
    assert_int_equal(st.bytes, 40000 + 7);
    assert_int_equal(ft_count_blobs(f), 2);
    assert_int_equal(access(pathc, F_OK), -1);
    assert_int_equal(access(old, F_OK), -1);
    assert_int_equal(access(fresh, F_OK), 0);
    assert_int_equal(dbt_scalar(f->t->db, "SELECT COUNT(*) FROM file_blob"), 2);

    /* b's attachments go; its blob was last used at NOW + 1 h. */
    struct eg_tx *tx = dbt_begin(f->t->db, EG_TX_WRITE);
    dbt_exec_ok(tx, "DELETE FROM attachment WHERE filename LIKE 'b%'");
    assert_int_equal(eg_tx_commit(tx), EG_OK);
    (void)b2;
    /* Within the grace period: kept. */
    assert_int_equal(eg_files_gc(f->fs, f->t->db, NOW + 90 * 60 * 1000, HOUR, false, &st), EG_OK);
    assert_int_equal(st.blobs, 0);
    assert_int_equal(access(pathb, F_OK), 0);
    /* A dry run counts it and leaves it. */
    assert_int_equal(eg_files_gc(f->fs, f->t->db, NOW + 3 * HOUR, HOUR, true, &st), EG_OK);
    assert_int_equal(st.blobs, 1);
    assert_int_equal(st.bytes, 30000);
    assert_int_equal(access(pathb, F_OK), 0);
    assert_int_equal(dbt_scalar(f->t->db, "SELECT COUNT(*) FROM file_blob"), 2);
    /* Past it: row and file go; a stays. */
    assert_int_equal(eg_files_gc(f->fs, f->t->db, NOW + 3 * HOUR, HOUR, false, &st), EG_OK);
    assert_int_equal(st.blobs, 1);
    assert_int_equal(access(pathb, F_OK), -1);
    assert_int_equal(access(patha, F_OK), 0);
    assert_int_equal(dbt_scalar(f->t->db, "SELECT COUNT(*) FROM file_blob"), 1);
    assert_int_equal(ft_count_blobs(f), 1);
    /* The same content uploaded again afterwards is stored afresh. */
    struct eg_attachment b3 = ft_attach(f, pb, 30000, "b3.pdf", NOW + 4 * HOUR);
    assert_string_equal(b3.sha256, b.sha256);
    assert_int_equal(access(pathb, F_OK), 0);
    /* Many unreferenced blobs: more than one batch. */
    for (unsigned i = 0; i < 130; i++) {
        unsigned char *p = ft_pdf(100, 1000 + i);
        ft_src_new(f, p, 100, &s);
        struct eg_blob x;
        struct eg_buf m2 = EG_BUF_INIT(512);
        assert_int_equal(eg_files_store(f->fs, &s.src, 0, &x, &m2), EG_OK);
        struct eg_attach in = {.owner_account = f->account, .owner_kind = "upload"};
        struct eg_attachment out;
        tx = dbt_begin(f->t->db, EG_TX_WRITE);
        assert_int_equal(eg_files_attach_tx(tx, &x, &in, NOW, &out), EG_OK);
        assert_int_equal(eg_tx_commit(tx), EG_OK);
        eg_buf_release(&m2);
        ft_src_free(&s);
        free(p);
    }
    tx = dbt_begin(f->t->db, EG_TX_WRITE);
    dbt_exec_ok(tx, "DELETE FROM attachment WHERE filename = 'tep-dinh-kem.pdf'");
    assert_int_equal(eg_tx_commit(tx), EG_OK);
    assert_int_equal(eg_files_gc(f->fs, f->t->db, NOW + 5 * HOUR, HOUR, false, &st), EG_OK);
    assert_int_equal(st.blobs, 130);
    assert_int_equal(ft_count_blobs(f), 2);
    assert_int_equal(dbt_scalar(f->t->db, "SELECT COUNT(*) FROM file_blob"), 2);
    free(pa);
    free(pb);
    free(pc);
}

static void
test_verify_finds_damage(void **state)
{
    struct ft *f = ft_get(state);
    unsigned char *pa = ft_pdf(50000, 21), *pb = ft_pdf(60000, 22), *pc = ft_pdf(70000, 23);
    struct eg_attachment a = ft_attach(f, pa, 50000, "a.pdf", NOW);
    struct eg_attachment b = ft_attach(f, pb, 60000, "b.pdf", NOW);
    struct eg_attachment c = ft_attach(f, pc, 70000, "c.pdf", NOW);
    struct problems p = {0};
    struct eg_files_verify_stats st;
    assert_int_equal(eg_files_verify(f->fs, f->t->db, collect, &p, &st), EG_OK);
    assert_int_equal(st.blobs, 3);
    assert_int_equal(st.ok, 3);
    assert_int_equal(p.n, 0);
    /* One flipped byte in a. */
    char path[512];
    ft_blob_path(f, a.sha256, path, sizeof(path));
    assert_int_equal(chmod(path, 0600), 0);
    FILE *fp = fopen(path, "r+b");
    assert_non_null(fp);
    assert_int_equal(fseek(fp, 12345, SEEK_SET), 0);
    int ch = fgetc(fp);
    assert_int_equal(fseek(fp, 12345, SEEK_SET), 0);
    fputc(ch ^ 0x01, fp);
    fclose(fp);
    assert_int_equal(eg_files_verify(f->fs, f->t->db, collect, &p, &st), EG_OK);
    assert_int_equal(st.bad, 1);
    assert_int_equal(st.ok, 2);
    assert_int_equal(p.n, 1);
    assert_contains(p.seen[0], a.sha256);
    assert_contains(p.seen[0], "damaged");
    /* b missing (referenced: lost); c's row says another size. */
    ft_blob_path(f, b.sha256, path, sizeof(path));
    assert_int_equal(unlink(path), 0);
    char sql[200];
    snprintf(sql, sizeof(sql), "UPDATE file_blob SET size = 1 WHERE sha256 = '%s'", c.sha256);
    dbt_write(f->t->db, sql);
    memset(&p, 0, sizeof(p));
    assert_int_equal(eg_files_verify(f->fs, f->t->db, collect, &p, &st), EG_OK);
    assert_int_equal(st.blobs, 3);
    assert_int_equal(st.ok, 0);
    assert_int_equal(st.bad, 2);
    assert_int_equal(st.missing, 1);
    assert_int_equal(p.n, 3);
    /* An unused row without a file (gc cut short) is reported, not counted as lost. */
    snprintf(sql, sizeof(sql), "DELETE FROM attachment WHERE id = %lld", (long long)b.id);
    dbt_write(f->t->db, sql);
    assert_int_equal(eg_files_verify(f->fs, f->t->db, collect, &p, &st), EG_OK);
    assert_int_equal(st.missing, 0);
    assert_int_equal(st.unused_missing, 1);
    free(pa);
    free(pb);
    free(pc);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        FT_BOTH(test_gc_keeps_what_is_referenced),
        FT_BOTH(test_verify_finds_damage),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
