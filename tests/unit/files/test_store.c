/*
 * test_store.c - the content-addressed store on both drivers: one blob for the
 * same content twice, type by content (a PNG named .pdf is refused where only
 * PDF is accepted), stored names, a producer's wrong hash, copies when a link
 * is impossible, settling after gc, and crash safety: a process killed at any
 * moment while storing never leaves a half-written blob under its hash.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <signal.h>
#include <sys/wait.h>
#include <time.h>

#include "filestest.h"

/* ---- types and names (no database) ------------------------------------------------- */

static void
test_detect(void **state)
{
    (void)state;
    static const struct {
        const char *bytes;
        size_t n;
        enum eg_ftype want;
    } cases[] = {
        {"%PDF-1.7\n", 9, EG_FTYPE_PDF},
        {"%PDF-", 5, EG_FTYPE_PDF},
        {"%PDF", 4, EG_FTYPE_NONE},
        {" %PDF-1.4", 9, EG_FTYPE_NONE},
        {"\xff\xd8\xff\xe0\x00\x10JFIF", 10, EG_FTYPE_JPEG},
        {"\xff\xd8\xff", 3, EG_FTYPE_JPEG},
        {"\xff\xd8", 2, EG_FTYPE_NONE},
        {"\x89PNG\r\n\x1a\n", 8, EG_FTYPE_PNG},
        {"\x89PNG\r\n\x1a", 7, EG_FTYPE_NONE},
        {"\x89PNG\n\x1a\n\n", 8, EG_FTYPE_NONE},
        {"<?xml version=\"1.0\"?><a/>", 25, EG_FTYPE_XML},
        {"\xef\xbb\xbf\r\n  <?xml version='1.0'?>", 26, EG_FTYPE_XML},
        {"<?xml-stylesheet href='x'?>", 27, EG_FTYPE_NONE},
        {"<?XML version=\"1.0\"?>", 21, EG_FTYPE_NONE},
        {"<html><body>", 12, EG_FTYPE_NONE},
        {"GIF89a", 6, EG_FTYPE_NONE},
        {"PK\x03\x04", 4, EG_FTYPE_NONE},
        {"", 0, EG_FTYPE_NONE},
    };
    for (size_t i = 0; i < EG_ARRAY_LEN(cases); i++) {
        enum eg_ftype got = eg_ftype_detect(cases[i].bytes, cases[i].n);
        if (got != cases[i].want)
            print_error("case %zu: got %d, want %d\n", i, got, cases[i].want);
        assert_int_equal(got, cases[i].want);
    }
    assert_string_equal(eg_ftype_mime(EG_FTYPE_JPEG), "image/jpeg");
    assert_int_equal(eg_ftype_of_mime("image/png"), EG_FTYPE_PNG);
    assert_int_equal(eg_ftype_of_mime("image/gif"), EG_FTYPE_NONE);
    assert_null(eg_ftype_mime(EG_FTYPE_NONE));
    unsigned m;
    struct eg_buf msg = EG_BUF_INIT(512);
    assert_int_equal(eg_ftype_parse("pdf, JPG,png", &m, &msg), EG_OK);
    assert_int_equal(m, EG_FTYPE_PDF | EG_FTYPE_JPEG | EG_FTYPE_PNG);
    assert_int_equal(eg_ftype_parse("xml", &m, &msg), EG_OK);
    assert_int_equal(m, EG_FTYPE_XML);
    assert_int_equal(eg_ftype_parse("pdf,gif", &m, &msg), EG_EINVAL);
    assert_contains(eg_buf_str(&msg), "gif");
    assert_int_equal(eg_ftype_parse(" , ", &m, &msg), EG_EINVAL);
    assert_int_equal(eg_ftype_parse(NULL, &m, &msg), EG_EINVAL);
    eg_buf_release(&msg);
}

static void
name_is(const char *given, enum eg_ftype t, const char *want)
{
    struct eg_buf out = EG_BUF_INIT(1024);
    assert_int_equal(eg_files_filename(given, t, &out), EG_OK);
    if (strcmp(eg_buf_str(&out), want) != 0)
        print_error("name of \"%s\": \"%s\", want \"%s\"\n", given ? given : "(null)",
                    eg_buf_str(&out), want);
    assert_string_equal(eg_buf_str(&out), want);
    assert_true(out.len <= EG_FILENAME_MAX);
    assert_true(eg_utf8_valid(out.p, out.len));
    assert_true(eg_text_is_nfc(out.p, out.len));
    eg_buf_release(&out);
}

static void
test_filenames(void **state)
{
    (void)state;
    name_is("Giấy khai sinh.pdf", EG_FTYPE_PDF, "Giấy khai sinh.pdf");
    /* NFD (as macOS writes names) becomes NFC. */
    name_is("Gia\xcc\x82\xcc\x81y.pdf", EG_FTYPE_PDF, "Giấy.pdf");
    name_is("C:\\Users\\An\\scan.PDF", EG_FTYPE_PDF, "scan.PDF");
    name_is("../../etc/passwd", EG_FTYPE_PDF, "passwd.pdf");
    name_is("scan.pdf", EG_FTYPE_PNG, "scan.png");
    name_is("photo.jpeg", EG_FTYPE_JPEG, "photo.jpeg");
    name_is("photo.jpg", EG_FTYPE_PNG, "photo.png");
    name_is("scan.tiff", EG_FTYPE_PNG, "scan.tiff.png");
    name_is("scan", EG_FTYPE_JPEG, "scan.jpg");
    name_is("a\tb\x7f"
            "c\xc2\x9b.pdf",
            EG_FTYPE_PDF, "abc.pdf");
    name_is("  .hidden.pdf. ", EG_FTYPE_PDF, "hidden.pdf");
    name_is("", EG_FTYPE_PDF, "tep-dinh-kem.pdf");
    name_is(NULL, EG_FTYPE_XML, "tep-dinh-kem.xml");
    name_is(".pdf", EG_FTYPE_PDF, "pdf.pdf");
    name_is("dir/", EG_FTYPE_PDF, "tep-dinh-kem.pdf");
    name_is("\xff\xfe.pdf", EG_FTYPE_PDF, "tep-dinh-kem.pdf");
    /* Long names are cut on a character boundary before the extension. */
    char longname[2048] = "";
    for (int i = 0; i < 200; i++)
        strcat(longname, "ễ");
    strcat(longname, ".pdf");
    struct eg_buf out = EG_BUF_INIT(1024);
    assert_int_equal(eg_files_filename(longname, EG_FTYPE_PDF, &out), EG_OK);
    assert_true(out.len <= EG_FILENAME_MAX);
    assert_true(out.len > EG_FILENAME_MAX - 8);
    assert_true(eg_utf8_valid(out.p, out.len));
    assert_string_equal(out.p + out.len - 4, ".pdf");
    eg_buf_release(&out);
}

/* ---- the store ---------------------------------------------------------------------- */

static void
test_same_content_once(void **state)
{
    struct ft *f = ft_get(state);
    unsigned char *pdf = ft_pdf(100000, 1);
    struct eg_attachment a = ft_attach(f, pdf, 100000, "một.pdf", NOW);
    struct eg_attachment b = ft_attach(f, pdf, 100000, "hai.pdf", NOW + 1000);
    assert_true(a.id != b.id);
    assert_string_equal(a.sha256, b.sha256);
    char hex[65];
    ft_sha256(pdf, 100000, hex);
    assert_string_equal(a.sha256, hex);
    assert_int_equal(a.size, 100000);
    assert_int_equal(a.type, EG_FTYPE_PDF);
    assert_string_equal(b.filename, "hai.pdf");
    assert_int_equal(ft_count_blobs(f), 1);
    assert_int_equal(dbt_scalar(f->t->db, "SELECT COUNT(*) FROM file_blob"), 1);
    assert_int_equal(dbt_scalar(f->t->db, "SELECT COUNT(*) FROM attachment"), 2);
    /* Used again: the second upload moved last_used_at. */
    assert_int_equal(dbt_scalar(f->t->db, "SELECT last_used_at FROM file_blob"), NOW + 1000);
    assert_int_equal(dbt_scalar(f->t->db, "SELECT created_at FROM file_blob"), NOW);
    char path[512];
    ft_blob_path(f, hex, path, sizeof(path));
    size_t n = 0;
    unsigned char *disk = ft_read(path, &n);
    assert_non_null(disk);
    assert_int_equal(n, 100000);
    assert_memory_equal(disk, pdf, n);
    struct stat st;
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0400);
    /* Read back. */
    struct eg_attachment g;
    assert_int_equal(eg_files_get(f->t->db, b.id, &g), EG_OK);
    assert_string_equal(g.sha256, hex);
    assert_string_equal(g.filename, "hai.pdf");
    assert_string_equal(g.declared_type, "application/pdf");
    assert_string_equal(g.owner_kind, "upload");
    assert_string_equal(g.owner_ref, "");
    assert_int_equal(g.owner_account, f->account);
    assert_int_equal(g.created_ms, NOW + 1000);
    assert_int_equal(g.type, EG_FTYPE_PDF);
    assert_int_equal(eg_files_get(f->t->db, b.id + 100, &g), EG_ENOTFOUND);
    int fd;
    uint64_t size;
    assert_int_equal(eg_files_open_blob(f->fs, hex, &fd, &size), EG_OK);
    assert_int_equal(size, 100000);
    close(fd);
    assert_int_equal(eg_files_open_blob(f->fs, "../../etc/passwd", &fd, &size), EG_ENOTFOUND);
    free(disk);
    free(pdf);
}

static void
test_type_by_content(void **state)
{
    struct ft *f = ft_get(state);
    struct ft_src s;
    struct eg_blob b;
    struct eg_buf msg = EG_BUF_INIT(1024);
    /* A PNG called scan.pdf, declared application/pdf, where only PDF is accepted. */
    ft_src_new(f, ft_png, sizeof(ft_png), &s);
    assert_int_equal(eg_files_store(f->fs, &s.src, EG_FTYPE_PDF, &b, &msg), EG_EINVAL);
    assert_contains(eg_buf_str(&msg), "PNG");
    assert_contains(eg_buf_str(&msg), "PDF");
    assert_contains(eg_buf_str(&msg), "không");
    assert_int_equal(ft_count_blobs(f), 0);
    /* Where PNG is accepted it is stored, and its name gets the right extension. */
    assert_int_equal(eg_files_store(f->fs, &s.src, EG_FTYPE_SCANS, &b, &msg), EG_OK);
    assert_int_equal(b.type, EG_FTYPE_PNG);
    struct eg_attach in = {.filename = "scan.pdf",
                           .declared_type = "application/pdf",
                           .owner_account = f->account,
                           .owner_kind = "upload"};
    struct eg_attachment a;
    struct eg_tx *tx = dbt_begin(f->t->db, EG_TX_WRITE);
    assert_int_equal(eg_files_attach_tx(tx, &b, &in, NOW, &a), EG_OK);
    assert_int_equal(eg_tx_commit(tx), EG_OK);
    assert_string_equal(a.filename, "scan.png");
    assert_string_equal(a.declared_type, "application/pdf");
    assert_int_equal(a.type, EG_FTYPE_PNG);
    ft_src_free(&s);
    /* Not any accepted type, empty, or XML by default. */
    static const char gif[] = "GIF89a\x01\x00\x01\x00";
    ft_src_new(f, gif, sizeof(gif) - 1, &s);
    assert_int_equal(eg_files_store(f->fs, &s.src, 0, &b, &msg), EG_EINVAL);
    assert_contains(eg_buf_str(&msg), "PDF, JPEG hoặc PNG");
    ft_src_free(&s);
    ft_src_new(f, "", 0, &s);
    assert_int_equal(eg_files_store(f->fs, &s.src, 0, &b, &msg), EG_EINVAL);
    assert_contains(eg_buf_str(&msg), "rỗng");
    ft_src_free(&s);
    static const char xml[] = "<?xml version=\"1.0\"?><hoso/>";
    ft_src_new(f, xml, sizeof(xml) - 1, &s);
    assert_int_equal(eg_files_store(f->fs, &s.src, 0, &b, &msg), EG_EINVAL);
    assert_int_equal(eg_files_store(f->fs, &s.src, EG_FTYPE_XML, &b, &msg), EG_OK);
    assert_int_equal(b.type, EG_FTYPE_XML);
    ft_src_free(&s);
    assert_int_equal(ft_count_blobs(f), 2);
    eg_buf_release(&msg);
}

static void
test_wrong_hash_refused(void **state)
{
    struct ft *f = ft_get(state);
    unsigned char *pdf = ft_pdf(5000, 2);
    struct ft_src s;
    ft_src_new(f, pdf, 5000, &s);
    s.hex[10] = s.hex[10] == '0' ? '1' : '0';
    struct eg_blob b;
    struct eg_buf msg = EG_BUF_INIT(1024);
    assert_int_equal(eg_files_store(f->fs, &s.src, 0, &b, &msg), EG_EIO);
    assert_int_equal(ft_count_blobs(f), 0);
    /* Without a hash of its own the store computes it. */
    s.src.sha256 = NULL;
    assert_int_equal(eg_files_store(f->fs, &s.src, 0, &b, &msg), EG_OK);
    char hex[65];
    ft_sha256(pdf, 5000, hex);
    assert_string_equal(b.sha256, hex);
    eg_buf_release(&msg);
    ft_src_free(&s);
    free(pdf);
}

static void
test_copy_and_settle(void **state)
{
    struct ft *f = ft_get(state);
    unsigned char *pdf = ft_pdf(300000, 3);
    struct ft_src s;
    ft_src_new(f, pdf, 300000, &s);
    /* No name to link: the bytes are copied, the source is left alone. */
    s.src.path = NULL;
    struct eg_blob b;
    struct eg_buf msg = EG_BUF_INIT(1024);
    assert_int_equal(eg_files_store(f->fs, &s.src, 0, &b, &msg), EG_OK);
    char path[512], tmp[512];
    ft_blob_path(f, b.sha256, path, sizeof(path));
    struct stat st, ss;
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(stat(s.path, &ss), 0);
    assert_true(st.st_ino != ss.st_ino);
    assert_int_equal(st.st_size, 300000);
    snprintf(tmp, sizeof(tmp), "%s/tmp", f->root);
    DIR *d = opendir(tmp);
    assert_non_null(d);
    size_t left = 0;
    for (struct dirent *e = readdir(d); e; e = readdir(d))
        left += e->d_name[0] != '.';
    closedir(d);
    assert_int_equal(left, 0);
    /* With its name, a hard link: the same file, no copy. */
    s.src.path = s.path;
    assert_int_equal(unlink(path), 0);
    assert_int_equal(eg_files_store(f->fs, &s.src, 0, &b, &msg), EG_OK);
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(st.st_ino, ss.st_ino);
    /* gc removed it after the check and before the commit: settle puts it back. */
    assert_int_equal(unlink(path), 0);
    assert_int_equal(eg_files_settle(f->fs, &s.src, &b), EG_OK);
    size_t n = 0;
    unsigned char *disk = ft_read(path, &n);
    assert_non_null(disk);
    assert_int_equal(n, 300000);
    assert_memory_equal(disk, pdf, n);
    free(disk);
    /* A damaged blob of the wrong size is replaced by the good bytes (a copy of its own
     * first: the linked blob is the source file itself). */
    s.src.path = NULL;
    assert_int_equal(unlink(path), 0);
    assert_int_equal(eg_files_settle(f->fs, &s.src, &b), EG_OK);
    assert_int_equal(chmod(path, 0600), 0);
    assert_int_equal(truncate(path, 1000), 0);
    assert_int_equal(eg_files_store(f->fs, &s.src, 0, &b, &msg), EG_OK);
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(st.st_size, 300000);
    eg_buf_release(&msg);
    ft_src_free(&s);
    free(pdf);
}

/*
 * Crash safety: a child stores a 4 MiB file (copying it, the slow way, half the
 * time) and is killed at a random moment. Whatever moment: every file under
 * a blob's name holds exactly the bytes that hash to that name.
 */
static void
test_crash_never_leaves_a_half_blob(void **state)
{
    struct ft *f = ft_get(state);
    enum { SIZE = 4 << 20, ROUNDS = 24 };
    unsigned seed = (unsigned)time(NULL);
    size_t killed = 0;
    for (int i = 0; i < ROUNDS; i++) {
        unsigned char *pdf = ft_pdf(SIZE, seed + (unsigned)i);
        struct ft_src s;
        ft_src_new(f, pdf, SIZE, &s);
        free(pdf);
        pid_t pid = fork();
        assert_true(pid >= 0);
        if (pid == 0) {
            struct eg_blob b;
            struct eg_buf msg = EG_BUF_INIT(1024);
            if (i % 2)
                s.src.path = NULL;
            _exit(eg_files_store(f->fs, &s.src, 0, &b, &msg) == EG_OK ? 0 : 1);
        }
        struct timespec ts = {0, (long)((seed * 7919u + (unsigned)i * 104729u) % 40) * 1000000L};
        nanosleep(&ts, NULL);
        kill(pid, SIGKILL);
        int status = 0;
        assert_int_equal(waitpid(pid, &status, 0), pid);
        killed += WIFSIGNALED(status);
        ft_src_free(&s);
    }
    /* Every named blob is whole. */
    DIR *top = opendir(f->root);
    assert_non_null(top);
    size_t checked = 0;
    for (struct dirent *a = readdir(top); a; a = readdir(top)) {
        if (strlen(a->d_name) != 2 || a->d_name[0] == '.')
            continue;
        char p1[1024];
        snprintf(p1, sizeof(p1), "%s/%s", f->root, a->d_name);
        DIR *mid = opendir(p1);
        for (struct dirent *b = mid ? readdir(mid) : NULL; b; b = readdir(mid)) {
            if (b->d_name[0] == '.')
                continue;
            char p2[1536];
            snprintf(p2, sizeof(p2), "%s/%s", p1, b->d_name);
            DIR *leaf = opendir(p2);
            for (struct dirent *c = leaf ? readdir(leaf) : NULL; c; c = readdir(leaf)) {
                if (c->d_name[0] == '.')
                    continue;
                char p3[2048], hex[65];
                snprintf(p3, sizeof(p3), "%s/%s", p2, c->d_name);
                size_t n = 0;
                unsigned char *data = ft_read(p3, &n);
                assert_non_null(data);
                ft_sha256(data, n, hex);
                if (strcmp(hex, c->d_name) != 0)
                    fail_msg("%s holds %zu bytes hashing to %s", p3, n, hex);
                free(data);
                checked++;
            }
            if (leaf)
                closedir(leaf);
        }
        if (mid)
            closedir(mid);
    }
    closedir(top);
    print_message("crash rounds: %d, killed while storing: %zu, whole blobs found: %zu\n", ROUNDS,
                  killed, checked);
    /* And gc clears the leftovers of the killed copies once they are old. */
    struct eg_files_gc_stats st;
    assert_int_equal(eg_files_gc(f->fs, f->t->db, eg_clock_now_ms(&eg_clock_system) + 2 * HOUR,
                                 HOUR, false, &st),
                     EG_OK);
    assert_int_equal(st.orphans, checked);
    assert_int_equal(ft_count_blobs(f), 0);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_detect),
        cmocka_unit_test(test_filenames),
        FT_BOTH(test_same_content_once),
        FT_BOTH(test_type_by_content),
        FT_BOTH(test_wrong_hash_refused),
        FT_BOTH(test_copy_and_settle),
        FT_BOTH(test_crash_never_leaves_a_half_blob),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
