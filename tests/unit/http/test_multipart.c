/*
 * test_multipart.c - the streaming multipart/form-data parser (multipart.h):
 * a browser's body read whole and byte by byte, and a NUL byte in a part's
 * headers refused (found by tests/fuzz/fuzz_multipart.c: the header block is
 * read as C strings, so a NUL hid every header line after it).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "http/multipart.h"

#include <stdio.h>
#include <string.h>

/* What the callbacks saw, as text: "B name|filename|ctype", "D bytes", "E". */
struct seen {
    char log[4096];
    size_t n;
};

static void
add(struct seen *s, const char *p, size_t n)
{
    assert_true(s->n + n < sizeof(s->log));
    memcpy(s->log + s->n, p, n);
    s->n += n;
    s->log[s->n] = '\0';
}

static enum eg_err
on_begin(void *ctx, const struct eg_mp_part *p)
{
    char line[512];
    int k = snprintf(line, sizeof(line), "[B %s|%s|%s]", p->name, p->filename ? p->filename : "-",
                     p->ctype ? p->ctype : "-");
    add(ctx, line, (size_t)k);
    return EG_OK;
}

static enum eg_err
on_data(void *ctx, const char *p, size_t n)
{
    add(ctx, p, n);
    return EG_OK;
}

static enum eg_err
on_end(void *ctx)
{
    add(ctx, "[E]", 3);
    return EG_OK;
}

/* Parses body in pieces of `step` bytes (0: whole); the result, and what was seen in s. */
static enum eg_err
parse(const char *ct, const char *body, size_t n, size_t step, struct seen *s, const char **why)
{
    struct eg_mp m;
    struct eg_mp_handler h = {on_begin, on_data, on_end, s};
    memset(s, 0, sizeof(*s));
    enum eg_err rc = eg_mp_init(&m, ct, &h);
    for (size_t i = 0; rc == EG_OK && i < n;) {
        size_t k = step && step < n - i ? step : n - i;
        rc = eg_mp_feed(&m, body + i, k);
        i += k;
    }
    if (rc == EG_OK)
        rc = eg_mp_finish(&m);
    *why = eg_mp_error(&m);
    eg_mp_release(&m);
    return rc;
}

#define CT "multipart/form-data; boundary=XyZ"

static void
test_browser_body(void **state)
{
    (void)state;
    static const char body[] =
        "--XyZ\r\nContent-Disposition: form-data; name=\"note\"\r\n\r\nhai\r\ndòng\r\n"
        "--XyZ\r\nContent-Disposition: form-data; name=\"file\"; filename=\"Sổ.pdf\"\r\n"
        "Content-Type: application/pdf\r\n\r\n%PDF-1.4\n--XyZ\r\n-XyZ\r\n--XyZ--\r\n";
    static const char want[] = "[B note|-|-]hai\r\ndòng[E][B file|Sổ.pdf|application/pdf]"
                               "%PDF-1.4\n--XyZ\r\n-XyZ[E]";
    /* Near misses inside the file are data: the delimiter is CR LF "--XyZ". */
    for (size_t step = 0; step <= 3; step++) {
        struct seen s;
        const char *why;
        assert_int_equal(parse(CT, body, sizeof(body) - 1, step, &s, &why), EG_OK);
        assert_string_equal(s.log, want);
    }
}

static void
test_nul_in_headers_refused(void **state)
{
    (void)state;
    /* Each would hide the header line after the NUL: a nested multipart, a second
     * Content-Disposition with a filename. */
    static const struct {
        const char *body;
        size_t n;
    } bodies[] = {
#define B(s) {s, sizeof(s) - 1}
        B("--XyZ\r\nContent-Disposition: form-data; name=a\0\r\n"
          "Content-Type: multipart/mixed; boundary=q\r\n\r\nx\r\n--XyZ--\r\n"),
        B("--XyZ\r\nContent-Disposition: form-data; name=\"a\"\0\r\n"
          "Content-Disposition: form-data; name=\"b\"; filename=\"b.exe\"\r\n\r\nx\r\n--XyZ--\r\n"),
        B("--XyZ\r\nX-Other: \0\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\nx\r\n"
          "--XyZ--\r\n"),
        B("--XyZ\r\n\0Content-Disposition: form-data; name=\"a\"\r\n\r\nx\r\n--XyZ--\r\n"),
#undef B
    };
    for (size_t i = 0; i < EG_ARRAY_LEN(bodies); i++)
        for (size_t step = 0; step <= 1; step++) {
            struct seen s;
            const char *why;
            assert_int_equal(parse(CT, bodies[i].body, bodies[i].n, step, &s, &why), EG_EINVAL);
            assert_string_equal(s.log, ""); /* no part began */
            assert_non_null(strstr(why, "ký tự điều khiển"));
        }
    /* A NUL in a part's data is data. */
    static const char data[] = "--XyZ\r\nContent-Disposition: form-data; name=\"f\"; "
                               "filename=\"a.bin\"\r\n\r\na\0b\r\n--XyZ--\r\n";
    struct seen s;
    const char *why;
    assert_int_equal(parse(CT, data, sizeof(data) - 1, 0, &s, &why), EG_OK);
    assert_int_equal(s.n, strlen("[B f|a.bin|-]") + 3 + 3);
    assert_memory_equal(s.log + strlen("[B f|a.bin|-]"), "a\0b[E]", 6);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_browser_body),
        cmocka_unit_test(test_nul_in_headers_refused),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
