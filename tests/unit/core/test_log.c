/*
 * test_log.c - the logger: one JSON line per call on the configured fd, level
 * filtering, escaping, and the cut of long messages at a UTF-8 boundary.
 * Lines are captured through a pipe.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "core/core.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

struct capture {
    int rd;
    int wr;
};

static int
setup(void **state)
{
    static struct capture c;
    int fds[2];
    if (pipe(fds) != 0)
        return -1;
    if (fcntl(fds[0], F_SETFL, O_NONBLOCK) != 0)
        return -1;
    c.rd = fds[0];
    c.wr = fds[1];
    eg_log_setup(EG_LOG_DEBUG, c.wr);
    *state = &c;
    return 0;
}

static int
teardown(void **state)
{
    struct capture *c = *state;
    eg_log_setup(EG_LOG_INFO, 2);
    close(c->rd);
    close(c->wr);
    return 0;
}

/* Everything written so far, into out (reset first). */
static void
drain(struct capture *c, struct eg_buf *out)
{
    eg_buf_reset(out);
    char tmp[4096];
    for (;;) {
        ssize_t r = read(c->rd, tmp, sizeof(tmp));
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            break;
        assert_int_equal(eg_buf_add(out, tmp, (size_t)r), EG_OK);
    }
}

/* Exactly one line: ends in '\n', no other '\n'. Returns it parsed. */
static json_t *
one_line(struct capture *c)
{
    struct eg_buf b = EG_BUF_INIT(1 << 16);
    drain(c, &b);
    assert_true(b.len > 0);
    assert_int_equal(b.p[b.len - 1], '\n');
    assert_null(memchr(b.p, '\n', b.len - 1));
    json_t *v = NULL;
    enum eg_err rc = eg_json_parse(b.p, b.len - 1, &v, NULL);
    eg_buf_release(&b);
    assert_int_equal(rc, EG_OK);
    return v;
}

static void
test_level_parse(void **state)
{
    (void)state;
    enum eg_log_level l = EG_LOG_ERROR;
    assert_int_equal(eg_log_level_parse("debug", &l), EG_OK);
    assert_int_equal(l, EG_LOG_DEBUG);
    assert_int_equal(eg_log_level_parse("info", &l), EG_OK);
    assert_int_equal(l, EG_LOG_INFO);
    assert_int_equal(eg_log_level_parse("warn", &l), EG_OK);
    assert_int_equal(l, EG_LOG_WARN);
    assert_int_equal(eg_log_level_parse("error", &l), EG_OK);
    assert_int_equal(l, EG_LOG_ERROR);
    static const char *const bad[] = {"",      "INFO",  "Info", "warning",
                                      "info ", " info", "err",  "fatal"};
    for (size_t i = 0; i < EG_ARRAY_LEN(bad); i++)
        assert_int_equal(eg_log_level_parse(bad[i], &l), EG_EINVAL);
}

static void
test_enabled_and_filtering(void **state)
{
    struct capture *c = *state;
    eg_log_setup(EG_LOG_WARN, c->wr);
    assert_false(eg_log_enabled(EG_LOG_DEBUG));
    assert_false(eg_log_enabled(EG_LOG_INFO));
    assert_true(eg_log_enabled(EG_LOG_WARN));
    assert_true(eg_log_enabled(EG_LOG_ERROR));
    eg_debug("không ghi");
    eg_info("không ghi");
    struct eg_buf b = EG_BUF_INIT(4096);
    drain(c, &b);
    assert_int_equal(b.len, 0);
    eg_warn("có ghi");
    json_t *v = one_line(c);
    assert_string_equal(json_string_value(json_object_get(v, "level")), "warn");
    json_decref(v);
    eg_error("có ghi");
    v = one_line(c);
    assert_string_equal(json_string_value(json_object_get(v, "level")), "error");
    json_decref(v);
    eg_buf_release(&b);
}

static void
test_line_shape(void **state)
{
    struct capture *c = *state;
    eg_info("Hồ sơ %s đã được tiếp nhận (%d tệp)", "000.00.01.H01-260101-0001", 3);
    json_t *v = one_line(c);
    assert_true(json_is_object(v));
    assert_int_equal(json_object_size(v), 3);
    const char *ts = json_string_value(json_object_get(v, "ts"));
    assert_non_null(ts);
    assert_int_equal(strlen(ts), strlen("2026-11-27T20:13:22.123Z"));
    assert_int_equal(ts[10], 'T');
    assert_int_equal(ts[23], 'Z');
    assert_string_equal(json_string_value(json_object_get(v, "level")), "info");
    assert_string_equal(json_string_value(json_object_get(v, "msg")),
                        "Hồ sơ 000.00.01.H01-260101-0001 đã được tiếp nhận (3 tệp)");
    json_decref(v);
    eg_debug("d");
    v = one_line(c);
    assert_string_equal(json_string_value(json_object_get(v, "level")), "debug");
    json_decref(v);
}

/* The message is data, never raw: quotes, newlines and controls are escaped. */
static void
test_escaping(void **state)
{
    struct capture *c = *state;
    static const char nasty[] = "a\"b\\c\nd\re\tf\x01g\x1b[31m}\n{\"level\":\"error\"}";
    eg_warn("%s", nasty);
    json_t *v = one_line(c);
    assert_string_equal(json_string_value(json_object_get(v, "msg")), nasty);
    assert_string_equal(json_string_value(json_object_get(v, "level")), "warn");
    json_decref(v);
}

/* 1 + 400 * 3 bytes: the 1023-byte cut falls inside an "ễ" and is backed off. */
static void
test_long_message_cut_at_char(void **state)
{
    struct capture *c = *state;
    struct eg_buf m = EG_BUF_INIT(4096);
    assert_int_equal(eg_buf_addc(&m, 'x'), EG_OK);
    for (int i = 0; i < 400; i++)
        assert_int_equal(eg_buf_adds(&m, "ễ"), EG_OK);
    eg_info("%s", m.p);
    json_t *v = one_line(c);
    const char *msg = json_string_value(json_object_get(v, "msg"));
    assert_non_null(msg);
    size_t n = strlen(msg);
    assert_true(n <= 1023);
    assert_true(n >= 1023 - 3);
    assert_true(eg_utf8_valid(msg, n));
    assert_memory_equal(msg, m.p, n);
    json_decref(v);
    eg_buf_release(&m);
}

/* Heavy escaping makes the line far longer than the message: still one line. */
static void
test_long_escaped_message(void **state)
{
    struct capture *c = *state;
    char m[1001];
    memset(m, '"', 1000);
    m[1000] = '\0';
    eg_error("%s", m);
    json_t *v = one_line(c);
    assert_string_equal(json_string_value(json_object_get(v, "msg")), m);
    json_decref(v);
    memset(m, '\x02', 1000); /* \u0002: six bytes each */
    eg_error("%s", m);
    v = one_line(c);
    assert_string_equal(json_string_value(json_object_get(v, "msg")), m);
    json_decref(v);
}

/*
 * A message with an invalid UTF-8 byte in the middle (client input passed to
 * %s). log.c's loop meant to drop a cut character at the end instead backs
 * off to the last valid prefix, so everything from the bad byte on is lost:
 * here "status=400" vanishes, and a bad first byte empties the message.
 */
static void
test_invalid_utf8_keeps_rest_of_message(void **state)
{
    struct capture *c = *state;
    eg_warn("path=%s status=%d", "/a\xff", 400);
    json_t *v = one_line(c);
    const char *msg = json_string_value(json_object_get(v, "msg"));
    char copy[256];
    snprintf(copy, sizeof(copy), "%s", msg ? msg : "");
    json_decref(v);
    assert_non_null(strstr(copy, "path=/a"));
    assert_non_null(strstr(copy, "status=400"));
}

/* eg_log_line writes the JSON it is given as one line, short or long. */
static void
log_as_line(const json_t *o)
{
    struct eg_buf b = EG_BUF_INIT(1 << 20);
    assert_int_equal(eg_json_dump(o, &b), EG_OK);
    eg_log_line(b.p, b.len);
    eg_buf_release(&b);
}

static void
test_log_json(void **state)
{
    struct capture *c = *state;
    json_t *o = json_pack("{s:s, s:i, s:s}", "method", "GET", "status", 200, "path",
                          "/ho-so/tra-cuu?q=Nguyễn");
    log_as_line(o);
    json_t *v = one_line(c);
    assert_true(json_equal(o, v));
    json_decref(v);

    /* Larger than the implementation's 2 KiB stack buffer. */
    char big[5000];
    memset(big, 'b', sizeof(big) - 1);
    big[sizeof(big) - 1] = '\0';
    json_object_set_new(o, "big", json_string(big));
    log_as_line(o);
    v = one_line(c);
    assert_true(json_equal(o, v));
    json_decref(v);
    json_decref(o);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_level_parse),
        cmocka_unit_test_setup_teardown(test_enabled_and_filtering, setup, teardown),
        cmocka_unit_test_setup_teardown(test_line_shape, setup, teardown),
        cmocka_unit_test_setup_teardown(test_escaping, setup, teardown),
        cmocka_unit_test_setup_teardown(test_long_message_cut_at_char, setup, teardown),
        cmocka_unit_test_setup_teardown(test_long_escaped_message, setup, teardown),
        cmocka_unit_test_setup_teardown(test_invalid_utf8_keeps_rest_of_message, setup, teardown),
        cmocka_unit_test_setup_teardown(test_log_json, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
