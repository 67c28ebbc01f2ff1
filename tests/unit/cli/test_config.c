/*
 * test_config.c - egov's settings: the defaults, every key with good and bad
 * values, the config file syntax, the EGOV_* environment, and messages that
 * name where a bad value came from without echoing long, binary or secret
 * values.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "cli/config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define assert_contains(hay, needle)                                                               \
    do {                                                                                           \
        const char *h_ = (hay);                                                                    \
        if (!h_ || !strstr(h_, (needle)))                                                          \
            fail_msg("expected \"%s\" to contain \"%s\"", h_ ? h_ : "(null)", (needle));           \
    } while (0)

#define assert_not_contains(hay, needle)                                                           \
    do {                                                                                           \
        const char *h_ = (hay);                                                                    \
        if (h_ && strstr(h_, (needle)))                                                            \
            fail_msg("expected \"%s\" not to contain \"%s\"", h_, (needle));                       \
    } while (0)

static void
set_ok(struct eg_config *c, const char *key, const char *value)
{
    struct eg_buf msg = EG_BUF_INIT(1024);
    enum eg_err rc = eg_config_set(c, key, value, "test", &msg);
    if (rc != EG_OK)
        fail_msg("%s = %s refused: %s", key, value, eg_buf_str(&msg));
    eg_buf_release(&msg);
}

/*
 * A refused value: EG_EINVAL, a one-line message "origin: key: ...", and the
 * configuration exactly as it was. The message is copied into out.
 */
static void
set_bad(struct eg_config *c, const char *key, const char *value, char *out, size_t cap)
{
    struct eg_config before = *c;
    struct eg_buf msg = EG_BUF_INIT(1024);
    assert_int_equal(eg_buf_adds(&msg, "stale text"), EG_OK);
    enum eg_err rc = eg_config_set(c, key, value, "egov.conf:7", &msg);
    char m[1024];
    snprintf(m, sizeof(m), "%s", eg_buf_str(&msg));
    eg_buf_release(&msg);
    if (rc != EG_EINVAL)
        fail_msg("%s = \"%s\" gave %s, expected EG_EINVAL", key, value, eg_err_code(rc));
    char prefix[128];
    snprintf(prefix, sizeof(prefix), "egov.conf:7: %s: ", key);
    if (strncmp(m, prefix, strlen(prefix)) != 0)
        fail_msg("message \"%s\" does not start with \"%s\"", m, prefix);
    assert_not_contains(m, "stale text");
    assert_null(strchr(m, '\n'));
    if (memcmp(&before, c, sizeof(before)) != 0)
        fail_msg("refused %s = \"%s\" changed the configuration", key, value);
    if (out)
        snprintf(out, cap, "%s", m);
}

/* ---- defaults ------------------------------------------------------------------------ */

static void
test_defaults(void **state)
{
    (void)state;
    struct eg_config c;
    memset(&c, 0x77, sizeof(c));
    eg_config_defaults(&c);
    assert_string_equal(c.db, "sqlite:var/egov.db");
    assert_string_equal(c.listen_host, "127.0.0.1");
    assert_int_equal(c.listen_port, 8080);
    assert_string_equal(c.static_dir, "web/static");
    assert_int_equal(c.log_level, EG_LOG_INFO);
    assert_int_equal(c.threads, 0);
    assert_int_equal(c.max_body, 1024 * 1024);
    assert_int_equal(c.max_header, 16 * 1024);
    assert_int_equal(c.max_connections, 4096);
    assert_int_equal(c.conn_per_ip, 256);
    assert_int_equal(c.idle_timeout_ms, 30000);
    assert_int_equal(c.body_timeout_ms, 30000);
    assert_int_equal(c.drain_timeout_ms, 10000);
    assert_int_equal(c.db_pool, 4);
    assert_int_equal(c.db_busy_timeout_ms, 5000);
    assert_true(c.migrate_on_start);
    assert_string_equal(c.audit_key, "var/audit.key");
    assert_string_equal(c.audit_anchor, "var/audit-anchor.log");
    assert_int_equal(c.audit_checkpoint_ms, 60000);
    assert_string_equal(c.smtp_url, "smtp://127.0.0.1:25");
    assert_string_equal(c.smtp_user, "");
    assert_string_equal(c.smtp_password, "");
    assert_string_equal(c.smtp_from, "no-reply@egov.localdomain");
    assert_string_equal(c.smtp_from_name, "Cổng dịch vụ công");
    assert_string_equal(c.public_url, "http://127.0.0.1:8080");
}

static void
test_http_config(void **state)
{
    (void)state;
    struct eg_config c;
    eg_config_defaults(&c);
    set_ok(&c, "listen", "[::1]:9443");
    set_ok(&c, "threads", "3");
    set_ok(&c, "idle_timeout", "1500ms"); /* rounds up to whole seconds */
    set_ok(&c, "max_body", "2M");
    struct eg_http_config h;
    eg_config_http(&c, &h);
    assert_string_equal(h.host, "::1");
    assert_int_equal(h.port, 9443);
    assert_int_equal(h.threads, 3);
    assert_int_equal(h.max_body, 2 * 1024 * 1024);
    assert_int_equal(h.max_header, 16 * 1024);
    assert_int_equal(h.max_conns, 4096);
    assert_int_equal(h.conn_per_ip, 256);
    assert_int_equal(h.idle_timeout_s, 2);
    assert_int_equal(h.body_timeout_ms, 30000);
    assert_int_equal(h.drain_timeout_ms, 10000);
    assert_string_equal(h.static_dir, "web/static");
}

/* ---- every key, good values ------------------------------------------------------------ */

static void
test_set_good(void **state)
{
    (void)state;
    struct eg_config c;
    eg_config_defaults(&c);
    set_ok(&c, "db", "sqlite:/var/lib/egov/egov.db");
    assert_string_equal(c.db, "sqlite:/var/lib/egov/egov.db");
    set_ok(&c, "db", "postgres://egov:pw@db.internal:5432/egov?sslmode=require");
    assert_string_equal(c.db, "postgres://egov:pw@db.internal:5432/egov?sslmode=require");
    set_ok(&c, "db", "postgresql:///egov");
    assert_string_equal(c.db, "postgresql:///egov");

    set_ok(&c, "static_dir", "/srv/egov/static");
    assert_string_equal(c.static_dir, "/srv/egov/static");

    static const char *const levels[] = {"debug", "info", "warn", "error"};
    for (int i = 0; i < 4; i++) {
        set_ok(&c, "log_level", levels[i]);
        assert_int_equal(c.log_level, (enum eg_log_level)i);
    }

    set_ok(&c, "threads", "0");
    assert_int_equal(c.threads, 0);
    set_ok(&c, "threads", "256");
    assert_int_equal(c.threads, 256);
    assert_int_equal(c.write_threads, 16);
    set_ok(&c, "write_threads", "1");
    assert_int_equal(c.write_threads, 1);
    set_ok(&c, "write_threads", "1024");
    assert_int_equal(c.write_threads, 1024);
    assert_int_equal(c.page_cache, (size_t)16 << 20);
    set_ok(&c, "page_cache", "0");
    assert_int_equal(c.page_cache, 0);
    set_ok(&c, "page_cache", "64M");
    assert_int_equal(c.page_cache, (size_t)64 << 20);

    set_ok(&c, "max_body", "1024");
    assert_int_equal(c.max_body, 1024);
    set_ok(&c, "max_body", "64k");
    assert_int_equal(c.max_body, 64 * 1024);
    set_ok(&c, "max_body", "1G");
    assert_int_equal(c.max_body, (size_t)1 << 30);
    set_ok(&c, "max_header", "4096");
    assert_int_equal(c.max_header, 4096);
    set_ok(&c, "max_header", "1M");
    assert_int_equal(c.max_header, 1 << 20);

    set_ok(&c, "max_connections", "1");
    assert_int_equal(c.max_connections, 1);
    set_ok(&c, "max_connections", "1000000");
    assert_int_equal(c.max_connections, 1000000);
    set_ok(&c, "conn_per_ip", "0");
    assert_int_equal(c.conn_per_ip, 0);
    set_ok(&c, "conn_per_ip", "32");
    assert_int_equal(c.conn_per_ip, 32);

    set_ok(&c, "idle_timeout", "1s");
    assert_int_equal(c.idle_timeout_ms, 1000);
    set_ok(&c, "idle_timeout", "1h");
    assert_int_equal(c.idle_timeout_ms, 3600000);
    set_ok(&c, "body_timeout", "100ms");
    assert_int_equal(c.body_timeout_ms, 100);
    set_ok(&c, "body_timeout", "45");
    assert_int_equal(c.body_timeout_ms, 45000);
    set_ok(&c, "drain_timeout", "0");
    assert_int_equal(c.drain_timeout_ms, 0);
    set_ok(&c, "drain_timeout", "10m");
    assert_int_equal(c.drain_timeout_ms, 600000);

    set_ok(&c, "db_pool", "1");
    assert_int_equal(c.db_pool, 1);
    set_ok(&c, "db_pool", "256");
    assert_int_equal(c.db_pool, 256);
    set_ok(&c, "db_busy_timeout", "1ms");
    assert_int_equal(c.db_busy_timeout_ms, 1);
    set_ok(&c, "db_busy_timeout", "10m");
    assert_int_equal(c.db_busy_timeout_ms, 600000);

    static const char *const yes[] = {"true", "yes", "1", "on"};
    static const char *const no[] = {"false", "no", "0", "off"};
    for (int i = 0; i < 4; i++) {
        set_ok(&c, "migrate_on_start", no[i]);
        assert_false(c.migrate_on_start);
        set_ok(&c, "migrate_on_start", yes[i]);
        assert_true(c.migrate_on_start);
    }

    set_ok(&c, "audit_key", "/etc/egov/audit.key");
    assert_string_equal(c.audit_key, "/etc/egov/audit.key");
    set_ok(&c, "audit_anchor", "/var/lib/egov/anchor.log");
    assert_string_equal(c.audit_anchor, "/var/lib/egov/anchor.log");
    set_ok(&c, "audit_checkpoint", "1s");
    assert_int_equal(c.audit_checkpoint_ms, 1000);
    set_ok(&c, "audit_checkpoint", "24h");
    assert_int_equal(c.audit_checkpoint_ms, 86400000);
    set_ok(&c, "smtp_url", "smtps://mail.nghean.gov.vn:465");
    assert_string_equal(c.smtp_url, "smtps://mail.nghean.gov.vn:465");
    set_ok(&c, "smtp_url", "smtp://127.0.0.1:2525");
    set_ok(&c, "smtp_user", "egov");
    assert_string_equal(c.smtp_user, "egov");
    set_ok(&c, "smtp_password", "p@ss w0rd#;=");
    assert_string_equal(c.smtp_password, "p@ss w0rd#;=");
    set_ok(&c, "smtp_from", "khong-tra-loi@nghean.gov.vn");
    assert_string_equal(c.smtp_from, "khong-tra-loi@nghean.gov.vn");
    set_ok(&c, "smtp_from_name", "Cổng dịch vụ công tỉnh Nghệ An");
    assert_string_equal(c.smtp_from_name, "Cổng dịch vụ công tỉnh Nghệ An");
    set_ok(&c, "public_url", "https://dichvucong.nghean.gov.vn");
    assert_string_equal(c.public_url, "https://dichvucong.nghean.gov.vn");
    set_ok(&c, "public_url", "http://127.0.0.1:8080");
}

static void
test_listen(void **state)
{
    (void)state;
    struct eg_config c;
    eg_config_defaults(&c);
    set_ok(&c, "listen", "0.0.0.0:80");
    assert_string_equal(c.listen_host, "0.0.0.0");
    assert_int_equal(c.listen_port, 80);
    set_ok(&c, "listen", "[::1]:8080");
    assert_string_equal(c.listen_host, "::1");
    assert_int_equal(c.listen_port, 8080);
    set_ok(&c, "listen", "[::]:443");
    assert_string_equal(c.listen_host, "::");
    assert_int_equal(c.listen_port, 443);
    set_ok(&c, "listen", "[fe80::1%eth0]:65535");
    assert_string_equal(c.listen_host, "fe80::1%eth0");
    assert_int_equal(c.listen_port, 65535);
    set_ok(&c, "listen", "localhost:0"); /* 0: any free port */
    assert_string_equal(c.listen_host, "localhost");
    assert_int_equal(c.listen_port, 0);

    static const char *const bad[] = {
        "8080",     ":8080",       "host:", "host:65536",  "host:-1",     "host:abc", "host:80x",
        "host: 80", "host:+80",    "[::1]", "[::1]8080",   "[]:80",       "::1:8080", "[::1:8080",
        "[::1]:",   "[::1]:99999", "",      "host:8080:1", "1.2.3.4:1e3",
    };
    for (size_t i = 0; i < EG_ARRAY_LEN(bad); i++)
        set_bad(&c, "listen", bad[i], NULL, 0);
    /* The value is echoed back: short and printable. */
    char m[1024];
    set_bad(&c, "listen", "host:65536", m, sizeof(m));
    assert_contains(m, "(got 'host:65536')");
    set_bad(&c, "listen", "::1:8080", m, sizeof(m));
    assert_contains(m, "[");
    /* A host longer than the buffer. */
    char longhost[400];
    memset(longhost, 'h', 300);
    snprintf(longhost + 300, sizeof(longhost) - 300, ":80");
    set_bad(&c, "listen", longhost, m, sizeof(m));
    assert_not_contains(m, "hhhhhhhhhhhhhhhhhhhh");
    longhost[0] = '[';
    snprintf(longhost + 299, sizeof(longhost) - 299, "]:80");
    set_bad(&c, "listen", longhost, m, sizeof(m));
    assert_not_contains(m, "hhhhhhhhhhhhhhhhhhhh");
    assert_string_equal(c.listen_host, "localhost");
}

/* ---- every key, bad values ---------------------------------------------------------------- */

static void
test_set_bad(void **state)
{
    (void)state;
    static const struct {
        const char *key, *value;
    } bad[] = {
        {"db", "mysql://root@localhost/egov"},
        {"db", "sqlite:"},
        {"db", ""},
        {"db", "SQLITE:x.db"},
        {"static_dir", ""},
        {"log_level", "verbose"},
        {"log_level", "INFO"},
        {"log_level", ""},
        {"threads", "-1"},
        {"threads", "257"},
        {"threads", "abc"},
        {"threads", ""},
        {"threads", "1.5"},
        {"threads", "4 "},
        {"write_threads", "0"},
        {"write_threads", "1025"},
        {"write_threads", "x"},
        {"page_cache", "2G"},
        {"page_cache", "-1"},
        {"page_cache", "lots"},
        {"max_body", "1023"},
        {"max_body", "2G"},
        {"max_body", "1T"},
        {"max_body", "abc"},
        {"max_body", "-1"},
        {"max_body", ""},
        {"max_body", "99999999999999999999999"},
        {"max_header", "4095"},
        {"max_header", "2M"},
        {"max_connections", "0"},
        {"max_connections", "1000001"},
        {"conn_per_ip", "-1"},
        {"idle_timeout", "999ms"},
        {"idle_timeout", "2h"},
        {"idle_timeout", "5 s"},
        {"idle_timeout", "5d"},
        {"body_timeout", "99ms"},
        {"drain_timeout", "11m"},
        {"drain_timeout", "-1"},
        {"db_pool", "0"},
        {"db_pool", "257"},
        {"db_pool", "x"},
        {"db_busy_timeout", "0"},
        {"db_busy_timeout", "11m"},
        {"migrate_on_start", "maybe"},
        {"migrate_on_start", "TRUE"},
        {"migrate_on_start", ""},
        {"audit_key", ""},
        {"audit_anchor", ""},
        {"audit_checkpoint", "999ms"},
        {"audit_checkpoint", "25h"},
        {"audit_checkpoint", "soon"},
        {"smtp_url", "http://mail.example.vn"},
        {"smtp_url", "mail.example.vn:25"},
        {"smtp_url", ""},
        {"smtp_user", ""},
        {"smtp_password", ""},
        {"smtp_from", "no-reply"},
        {"smtp_from", "Egov <no-reply@example.vn>"},
        {"smtp_from", "a b@example.vn"},
        {"smtp_from", "a@example.vn\r\nBcc: x@y.vn"},
        {"smtp_from", ""},
        {"smtp_from_name", ""},
        {"public_url", "dichvucong.example.vn"},
        {"public_url", "ftp://example.vn"},
        {"public_url", ""},
        {"colour", "red"},
        {"", "x"},
        {"DB", "sqlite:x.db"},
    };
    struct eg_config c;
    eg_config_defaults(&c);
    for (size_t i = 0; i < EG_ARRAY_LEN(bad); i++)
        set_bad(&c, bad[i].key, bad[i].value, NULL, 0);

    char m[1024];
    set_bad(&c, "colour", "red", m, sizeof(m));
    assert_contains(m, "not a setting");
    set_bad(&c, "threads", "257", m, sizeof(m));
    assert_contains(m, "(got '257')");
    assert_contains(m, "256");
    set_bad(&c, "static_dir", "", m, sizeof(m));
    assert_contains(m, "empty");
    char toolong[EG_CONFIG_STR + 8];
    memset(toolong, 'd', sizeof(toolong) - 1);
    toolong[sizeof(toolong) - 1] = '\0';
    set_bad(&c, "static_dir", toolong, m, sizeof(m));
    assert_contains(m, "too long");
    assert_not_contains(m, "dddddddd");
    /* Exactly the limit minus the NUL fits. */
    toolong[EG_CONFIG_STR - 1] = '\0';
    set_ok(&c, "static_dir", toolong);
    assert_int_equal(strlen(c.static_dir), EG_CONFIG_STR - 1);
}

/*
 * A refused number leaves the setting alone. threads and db_pool go through a
 * local 'unsigned u' that set_uint() does not write on failure, and then copy
 * it anyway (config.c, eg_config_set). Called from one frame, so the local sits
 * where the previous call left 9: at -O0 (the ASan build) threads becomes 9;
 * optimised builds happen to skip the store.
 */
static void
test_refused_number_keeps_setting(void **state)
{
    (void)state;
    struct eg_config c;
    eg_config_defaults(&c);
    struct eg_buf msg = EG_BUF_INIT(1024);
    assert_int_equal(eg_config_set(&c, "threads", "7", "t", &msg), EG_OK);
    assert_int_equal(eg_config_set(&c, "db_pool", "9", "t", &msg), EG_OK);
    assert_int_equal(eg_config_set(&c, "threads", "many", "t", &msg), EG_EINVAL);
    int threads = c.threads;
    assert_int_equal(eg_config_set(&c, "threads", "11", "t", &msg), EG_OK);
    assert_int_equal(eg_config_set(&c, "db_pool", "lots", "t", &msg), EG_EINVAL);
    int pool = c.db_pool;
    eg_buf_release(&msg);
    if (threads != 7 || pool != 9)
        fail_msg("refused values changed settings: threads %d (expected 7), db_pool %d "
                 "(expected 9)",
                 threads, pool);
}

/* Values are echoed only when short and printable; db values never (a password). */
static void
test_messages_do_not_echo(void **state)
{
    (void)state;
    struct eg_config c;
    eg_config_defaults(&c);
    char m[1024];
    set_bad(&c, "db", "mysql://root:Hunter2Secret@db/egov", m, sizeof(m));
    assert_not_contains(m, "Hunter2Secret");
    assert_contains(m, "postgres://");
    set_bad(&c, "smtp_url", "submission://egov:Hunter2Secret@mail", m, sizeof(m));
    assert_not_contains(m, "Hunter2Secret");
    char pw[300];
    memset(pw, 'S', sizeof(pw) - 1);
    pw[sizeof(pw) - 1] = '\0';
    set_bad(&c, "smtp_password", pw, m, sizeof(m));
    assert_not_contains(m, "SSSS");
    char longv[200];
    memset(longv, '9', sizeof(longv) - 1);
    longv[sizeof(longv) - 1] = '\0';
    set_bad(&c, "threads", longv, m, sizeof(m));
    assert_not_contains(m, "9999999999");
    assert_true(strlen(m) < 200);
    /* 64 characters are still shown, 65 are not. */
    char v64[70];
    memset(v64, 'x', 64);
    v64[64] = '\0';
    set_bad(&c, "log_level", v64, m, sizeof(m));
    assert_contains(m, v64);
    v64[64] = 'x';
    v64[65] = '\0';
    set_bad(&c, "log_level", v64, m, sizeof(m));
    assert_not_contains(m, "xxxxxxxxxxxxxxxx");
    static const char *const binary[] = {"in\x1b[31mfo", "de\nbug", "warn\r", "\x7f", "a\tb"};
    for (size_t i = 0; i < EG_ARRAY_LEN(binary); i++) {
        set_bad(&c, "log_level", binary[i], m, sizeof(m));
        assert_null(strchr(m, '\x1b'));
        assert_null(strchr(m, '\r'));
        assert_null(strchr(m, '\t'));
        assert_null(strchr(m, '\x7f'));
        assert_not_contains(m, "(got");
    }
}

/* ---- config files ------------------------------------------------------------------------ */

static enum eg_err
parse(struct eg_config *c, const char *text, size_t n, char *m, size_t cap)
{
    struct eg_buf msg = EG_BUF_INIT(1024);
    enum eg_err rc = eg_config_parse(c, text, n, "egov.conf", &msg);
    snprintf(m, cap, "%s", eg_buf_str(&msg));
    eg_buf_release(&msg);
    return rc;
}

static void
test_parse_good(void **state)
{
    (void)state;
    struct eg_config c;
    eg_config_defaults(&c);
    char m[1024];
    const char *text = "# egov settings\n"
                       "\n"
                       "db = sqlite:/var/lib/egov/egov.db\r\n"
                       "   listen=[::1]:9000   \n"
                       "\t# indented comment\n"
                       "threads = 4 # trailing comment\n"
                       "log_level\t=\tdebug\r\n"
                       "   \t  \r\n"
                       "threads = 6\n" /* later lines win */
                       "migrate_on_start = off";
    assert_int_equal(parse(&c, text, strlen(text), m, sizeof(m)), EG_OK);
    assert_string_equal(c.db, "sqlite:/var/lib/egov/egov.db");
    assert_string_equal(c.listen_host, "::1");
    assert_int_equal(c.listen_port, 9000);
    assert_int_equal(c.threads, 6);
    assert_int_equal(c.log_level, EG_LOG_DEBUG);
    assert_false(c.migrate_on_start);
    /* An empty file and a file of comments are fine. */
    assert_int_equal(parse(&c, "", 0, m, sizeof(m)), EG_OK);
    assert_int_equal(parse(&c, "#\n#\n\n", 5, m, sizeof(m)), EG_OK);
    /* Only n bytes count: the text need not be NUL-terminated. */
    assert_int_equal(parse(&c, "threads = 12garbage", 12, m, sizeof(m)), EG_OK);
    assert_int_equal(c.threads, 12);
    /* Vietnamese in a value (a path) is fine. */
    const char *vi = "static_dir = /srv/tĩnh\n";
    assert_int_equal(parse(&c, vi, strlen(vi), m, sizeof(m)), EG_OK);
    assert_string_equal(c.static_dir, "/srv/tĩnh");
}

static void
assert_parse_fails(const char *text, size_t n, const char *want1, const char *want2)
{
    struct eg_config c;
    eg_config_defaults(&c);
    char m[1024];
    enum eg_err rc = parse(&c, text, n, m, sizeof(m));
    if (rc != EG_EINVAL)
        fail_msg("\"%.*s\" parsed: %s", (int)n, text, eg_err_code(rc));
    assert_contains(m, want1);
    if (want2)
        assert_contains(m, want2);
    assert_null(strchr(m, '\n'));
}

/* A literal with its exact length (it may hold NUL bytes). */
#define PF(lit, w1, w2) assert_parse_fails((lit), sizeof(lit) - 1, (w1), (w2))

static void
test_parse_bad(void **state)
{
    (void)state;
    PF("db = sqlite:x.db\n\njust words\n", "egov.conf:3:", "key = value");
    PF("# c\n= value\n", "egov.conf:2:", "key");
    PF("  = value", "egov.conf:1:", "key");
    PF("Threads = 4\n", "egov.conf:1:", "lower-case");
    PF("max-body = 1M\n", "egov.conf:1:", "lower-case");
    PF("thr eads = 4\n", "egov.conf:1:", NULL);
    PF("a\r\nb\r\ncolour = red\r\n", "egov.conf:1:", NULL);
    PF("# x\r\n\r\ncolour = red\r\n", "egov.conf:3: colour:", "not a setting");
    PF("threads = 4\nthreads = 999\n", "egov.conf:2: threads:", "(got '999')");
    PF("threads = 4\nthreads =\n", "egov.conf:2: threads:", NULL);
    /* NUL bytes and invalid UTF-8: the whole file, named. */
    PF("threads = 4\n\0\n", "egov.conf", "NUL");
    PF("static_dir = /srv/\xff\n", "egov.conf", "UTF-8");
    PF("static_dir = /srv/\xc3\n", "egov.conf", "UTF-8");
    /* A line too long for the parser. */
    size_t n = 5000;
    char *big = malloc(n);
    assert_non_null(big);
    memcpy(big, "static_dir = ", 13);
    memset(big + 13, 's', n - 13);
    assert_parse_fails(big, n, "egov.conf:1:", "long");
    free(big);
}

static void
test_load_file(void **state)
{
    (void)state;
    char path[] = "/tmp/egov_u_conf_XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    const char *text = "listen = 0.0.0.0:8081\nmax_body = 2M\n";
    assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
    close(fd);
    struct eg_config c;
    eg_config_defaults(&c);
    struct eg_buf msg = EG_BUF_INIT(1024);
    assert_int_equal(eg_config_load_file(&c, path, &msg), EG_OK);
    assert_int_equal(c.listen_port, 8081);
    assert_int_equal(c.max_body, 2 << 20);

    /* Errors name the file and the line. */
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs("listen = 0.0.0.0:8081\n\nthreads = lots\n", f);
    fclose(f);
    assert_int_equal(eg_config_load_file(&c, path, &msg), EG_EINVAL);
    char want[128];
    snprintf(want, sizeof(want), "%s:3: threads:", path);
    assert_contains(eg_buf_str(&msg), want);

    /* Larger than 256 KiB. */
    f = fopen(path, "w");
    assert_non_null(f);
    for (int i = 0; i < 300 * 1024 / 16; i++)
        fputs("# padding.....\n\n", f);
    fclose(f);
    assert_int_equal(eg_config_load_file(&c, path, &msg), EG_EINVAL);
    assert_contains(eg_buf_str(&msg), path);
    assert_contains(eg_buf_str(&msg), "256 KiB");
    unlink(path);

    /* Missing. */
    assert_int_equal(eg_config_load_file(&c, path, &msg), EG_EINVAL);
    assert_contains(eg_buf_str(&msg), path);
    assert_contains(eg_buf_str(&msg), "No such file");
    eg_buf_release(&msg);
}

/* ---- the environment ------------------------------------------------------------------------ */

static void
test_env(void **state)
{
    (void)state;
    char *env[] = {
        (char *)"PATH=/usr/bin:/bin",
        (char *)"EGOV_DB=postgres://egov@db/egov",
        (char *)"EGOV_LISTEN=[::1]:8443",
        (char *)"EGOV_MAX_BODY=4M",
        (char *)"EGOV_MIGRATE_ON_START=no",
        (char *)"EGOV_CONFIG=/etc/egov/egov.conf",
        (char *)"EGOV_SOURCE_DIR=/work/main",
        (char *)"EGOV_TEST_PG_URL=postgres://egov@127.0.0.1:1/egov",
        (char *)"EGOV_TEST_ANYTHING=x",
        (char *)"EGOVX=1",
        (char *)"EGOV=1",
        (char *)"EGOV_=1",
        (char *)"EGOV_NOEQUALS",
        (char *)"XEGOV_DB=sqlite:nope",
        NULL,
    };
    struct eg_config c;
    eg_config_defaults(&c);
    struct eg_buf msg = EG_BUF_INIT(1024);
    enum eg_err rc = eg_config_load_env(&c, env, &msg);
    if (rc != EG_OK)
        fail_msg("load_env: %s", eg_buf_str(&msg));
    assert_string_equal(c.db, "postgres://egov@db/egov");
    assert_string_equal(c.listen_host, "::1");
    assert_int_equal(c.listen_port, 8443);
    assert_int_equal(c.max_body, 4 << 20);
    assert_false(c.migrate_on_start);

    assert_int_equal(eg_config_load_env(&c, NULL, &msg), EG_OK);
    char *none[] = {NULL};
    assert_int_equal(eg_config_load_env(&c, none, &msg), EG_OK);

    /* A bad value names the variable. */
    char *bad[] = {(char *)"EGOV_THREADS=lots", NULL};
    assert_int_equal(eg_config_load_env(&c, bad, &msg), EG_EINVAL);
    assert_contains(eg_buf_str(&msg), "environment EGOV_THREADS: threads:");
    assert_contains(eg_buf_str(&msg), "(got 'lots')");
    /* An unknown EGOV_ variable is a mistake worth saying. */
    char *unknown[] = {(char *)"EGOV_COLOUR=red", NULL};
    assert_int_equal(eg_config_load_env(&c, unknown, &msg), EG_EINVAL);
    assert_contains(eg_buf_str(&msg), "EGOV_COLOUR");
    /* Case of the name does not matter, the value's does. */
    char *lower[] = {(char *)"EGOV_log_level=warn", NULL};
    assert_int_equal(eg_config_load_env(&c, lower, &msg), EG_OK);
    assert_int_equal(c.log_level, EG_LOG_WARN);
    eg_buf_release(&msg);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_defaults),
        cmocka_unit_test(test_http_config),
        cmocka_unit_test(test_set_good),
        cmocka_unit_test(test_listen),
        cmocka_unit_test(test_set_bad),
        cmocka_unit_test(test_refused_number_keeps_setting),
        cmocka_unit_test(test_messages_do_not_echo),
        cmocka_unit_test(test_parse_good),
        cmocka_unit_test(test_parse_bad),
        cmocka_unit_test(test_load_file),
        cmocka_unit_test(test_env),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
