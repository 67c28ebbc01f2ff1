/*
 * test_checkpoint.c - the signing key (created 0600 with KEY.pub beside it,
 * reloaded, refused when readable by others or when KEY.pub does not match),
 * checkpoints (not written twice for one size; one anchor line each, in a file
 * created 0640), and the ticker (periodic checkpoints, a final one on stop).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "audittest.h"

#include <sys/stat.h>
#include <time.h>

static int
count_lines(const char *path)
{
    FILE *fp = fopen(path, "r");
    if (!fp)
        return -1;
    int n = 0, c;
    while ((c = fgetc(fp)) != EOF)
        n += c == '\n';
    fclose(fp);
    return n;
}

static mode_t
mode_of(const char *path)
{
    struct stat sb;
    assert_int_equal(stat(path, &sb), 0);
    return sb.st_mode & 0777;
}

static void
test_key_files(void **state)
{
    struct fx *f = fx_get(state);
    char pub[400], text[200];
    snprintf(pub, sizeof(pub), "%s.pub", f->key);
    assert_int_equal(mode_of(f->key), 0600);
    /* KEY.pub holds the public key in hex, and verify reads it back. */
    unsigned char pk[32];
    assert_int_equal(eg_audit_pubkey_read(pub, pk, NULL), EG_OK);
    assert_memory_equal(pk, f->pk, 32);
    FILE *fp = fopen(pub, "r");
    assert_non_null(fp);
    assert_non_null(fgets(text, sizeof(text), fp));
    fclose(fp);
    char hex[65];
    eg_hex(f->pk, 32, hex);
    assert_int_equal(strncmp(text, hex, 64), 0);
    /* The same key when opened again, also without create_key. */
    struct eg_audit *b = NULL;
    struct eg_audit_opts o = {.key_path = f->key};
    struct eg_buf msg = EG_BUF_INIT(1024);
    assert_int_equal(eg_audit_open(&o, &b, &msg), EG_OK);
    eg_audit_public_key(b, pk);
    assert_memory_equal(pk, f->pk, 32);
    eg_audit_free(b);
    /* A missing KEY.pub is written again. */
    assert_int_equal(unlink(pub), 0);
    assert_int_equal(eg_audit_open(&o, &b, &msg), EG_OK);
    eg_audit_free(b);
    assert_int_equal(eg_audit_pubkey_read(pub, pk, NULL), EG_OK);
    assert_memory_equal(pk, f->pk, 32);
    /* A KEY.pub of another key is a conflict. */
    fp = fopen(pub, "w");
    assert_non_null(fp);
    fputs("# not ours\n0000000000000000000000000000000000000000000000000000000000000000\n", fp);
    fclose(fp);
    assert_int_equal(eg_audit_open(&o, &b, &msg), EG_ECONFLICT);
    assert_null(b);
    assert_non_null(strstr(eg_buf_str(&msg), "does not match"));
    /* A key others can read is refused. */
    assert_int_equal(chmod(f->key, 0644), 0);
    assert_int_equal(eg_audit_open(&o, &b, &msg), EG_EFORBIDDEN);
    assert_non_null(strstr(eg_buf_str(&msg), "chmod 600"));
    /* No key: not found unless asked to create one. */
    o.key_path = "/tmp/egov-audit-no-such-dir/k";
    assert_int_equal(eg_audit_open(&o, &b, &msg), EG_ENOTFOUND);
    /* Garbage is not a key. */
    char junk[400];
    snprintf(junk, sizeof(junk), "%s/junk.key", f->dir);
    fp = fopen(junk, "w");
    assert_non_null(fp);
    fputs("hello\n", fp);
    fclose(fp);
    assert_int_equal(chmod(junk, 0600), 0);
    o.key_path = junk;
    assert_int_equal(eg_audit_open(&o, &b, &msg), EG_EINVAL);
    assert_int_equal(eg_audit_pubkey_read(junk, pk, &msg), EG_EINVAL);
    eg_buf_release(&msg);
}

static void
test_checkpoint_once_per_size(void **state)
{
    struct fx *f = fx_get(state);
    struct eg_audit_head h = fx_checkpoint(f), c;
    assert_true(h.written);
    assert_int_equal(h.size, 0);
    assert_int_equal(mode_of(f->anchor), 0640);
    assert_int_equal(count_lines(f->anchor), 1);
    h = fx_checkpoint(f);
    assert_false(h.written);
    assert_int_equal(h.size, 0);
    assert_int_equal(count_lines(f->anchor), 1);
    fx_append(f, 0, 5);
    h = fx_checkpoint(f);
    assert_true(h.written);
    assert_int_equal(h.size, 5);
    assert_int_equal(h.ts_ms, f->now);
    assert_int_equal(eg_audit_last_checkpoint(f->t->db, &c), EG_OK);
    assert_int_equal(c.size, 5);
    assert_int_equal(c.ts_ms, f->now);
    assert_memory_equal(c.root, h.root, 32);
    assert_int_equal(count_lines(f->anchor), 2);
    assert_int_equal(dbt_scalar(f->t->db, "SELECT count(*) FROM audit_checkpoint"), 2);
    /* The anchor line parses back to what was signed. */
    FILE *fp = fopen(f->anchor, "r");
    char line[512];
    assert_non_null(fgets(line, sizeof(line), fp));
    assert_non_null(fgets(line, sizeof(line), fp));
    fclose(fp);
    struct eg_audit_anchor_line l;
    assert_int_equal(eg_audit_anchor_parse(line, strlen(line) - 1, &l), EG_OK);
    assert_int_equal(l.size, 5);
    assert_memory_equal(l.root, h.root, 32);
    assert_true(eg_audit_sig_ok(f->pk, l.origin, l.size, l.root, l.ts_ms, l.sig));
    assert_false(eg_audit_sig_ok(f->pk, l.origin, l.size + 1, l.root, l.ts_ms, l.sig));
    /* Strict parsing: one space apart, canonical numbers, exact lengths. */
    char bad[600];
    snprintf(bad, sizeof(bad), "%.*s ", (int)strlen(line) - 1, line);
    assert_int_equal(eg_audit_anchor_parse(bad, strlen(bad), &l), EG_EINVAL);
    assert_int_equal(eg_audit_anchor_parse("egov-audit-checkpoint-v1 a 05 x 1 y", 35, &l),
                     EG_EINVAL);
    assert_int_equal(eg_audit_anchor_parse("", 0, &l), EG_EINVAL);
    /* No anchor configured: the database only. */
    struct eg_audit *b = NULL;
    struct eg_audit_opts o = {.key_path = f->key};
    assert_int_equal(eg_audit_open(&o, &b, NULL), EG_OK);
    fx_append(f, 5, 6);
    assert_int_equal(eg_audit_checkpoint(b, f->t->db, f->now, &h, NULL), EG_OK);
    assert_true(h.written);
    assert_int_equal(count_lines(f->anchor), 2);
    eg_audit_free(b);
    /* ... which verify with the anchor reports as a checkpoint the anchor lacks: fine. */
    assert_intact(fx_verify(f));
    assert_int_equal(eg_audit_checkpoint(f->a, f->t->db, -1, &h, NULL), EG_EINVAL);
}

static void
sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

static void
test_ticker(void **state)
{
    struct fx *f = fx_get(state);
    struct eg_audit_ticker *t = NULL;
    assert_int_equal(eg_audit_ticker_start(f->a, f->t->db, 0, &t), EG_EINVAL);
    assert_null(t);
    assert_int_equal(eg_audit_ticker_start(f->a, f->t->db, 40, &t), EG_OK);
    for (int i = 0; i < 5; i++) {
        fx_append(f, i * 4, i * 4 + 4);
        sleep_ms(60);
    }
    fx_append(f, 20, 23); /* after the last tick: only the final checkpoint covers these */
    eg_audit_ticker_stop(t);
    eg_audit_ticker_stop(NULL);
    int64_t n = dbt_scalar(f->t->db, "SELECT count(*) FROM audit_checkpoint");
    assert_true(n >= 3);
    assert_int_equal(dbt_scalar(f->t->db, "SELECT max(tree_size) FROM audit_checkpoint"), 23);
    assert_int_equal(count_lines(f->anchor), (int)n);
    struct eg_audit_report r = fx_verify(f);
    assert_intact(r);
    assert_int_equal(r.anchored_size, 23);
    /* Started: what is already there is anchored at once, before any period passed. */
    fx_append(f, 23, 24);
    assert_int_equal(eg_audit_ticker_start(f->a, f->t->db, 3600000, &t), EG_OK);
    for (int i = 0; i < 200; i++) {
        if (dbt_scalar(f->t->db, "SELECT max(tree_size) FROM audit_checkpoint") == 24)
            break;
        sleep_ms(10);
    }
    assert_int_equal(dbt_scalar(f->t->db, "SELECT max(tree_size) FROM audit_checkpoint"), 24);
    /* Stopped long before the next period: the final checkpoint covers the rest. */
    fx_append(f, 24, 26);
    eg_audit_ticker_stop(t);
    assert_int_equal(dbt_scalar(f->t->db, "SELECT max(tree_size) FROM audit_checkpoint"), 26);
}

/* The anchor's directory is made on demand; a file that cannot be written is EG_EIO. */
static void
test_anchor_errors(void **state)
{
    struct fx *f = fx_get(state);
    char path[400];
    snprintf(path, sizeof(path), "%s/a/b/c/anchor.log", f->dir);
    assert_int_equal(eg_audit_anchor_append(path, "x\n", 2, NULL), EG_OK);
    assert_int_equal(mode_of(path), 0640);
    assert_int_equal(count_lines(path), 1);
    struct eg_buf msg = EG_BUF_INIT(1024);
    snprintf(path, sizeof(path), "%s/a/b/c/anchor.log/below", f->dir);
    assert_int_equal(eg_audit_anchor_append(path, "x\n", 2, &msg), EG_EIO);
    assert_true(msg.len > 0);
    eg_buf_release(&msg);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        FX_BOTH(test_key_files),
        FX_BOTH(test_checkpoint_once_per_size),
        FX_BOTH(test_ticker),
        FX_BOTH(test_anchor_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
