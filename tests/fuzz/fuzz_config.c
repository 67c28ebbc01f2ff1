/*
 * fuzz_config.c - eg_config_parse of the input as a config file over the
 * defaults, and eg_config_set of it as one EGOV_KEY=value variable.
 *
 * Invariants:
 *  - success or not, every setting stays within the range eg_config_set
 *    allows, and string settings stay non-empty and NUL-terminated: a
 *    refused line must not leave a half-set or garbage value behind;
 *  - a refusal comes with a message; for a file (known to be UTF-8 by then)
 *    the message is valid UTF-8;
 *  - a parsed config written back as "key = value" lines parses to the same
 *    config;
 *  - eg_parse_i64, eg_parse_size and eg_parse_duration_ms (src/core/parse.c)
 *    agree with plain digit-by-digit parsers on the value.
 * The stack is painted before each call so that reading an uninitialised
 * local gives a visible value rather than a lucky zero.
 */
#include "fuzz.h"

#include "cli/config.h"

#include <limits.h>

static const char *const level_names[] = {"debug", "info", "warn", "error"};

static void
check_str(const char *s, size_t cap)
{
    FUZZ_CHECK(memchr(s, '\0', cap) != NULL);
    FUZZ_CHECK(s[0] != '\0');
}

static void
check_ranges(const struct eg_config *c)
{
    check_str(c->db, sizeof(c->db));
    FUZZ_CHECK(strncmp(c->db, "sqlite:", 7) == 0 || strncmp(c->db, "postgres://", 11) == 0 ||
               strncmp(c->db, "postgresql://", 13) == 0);
    FUZZ_CHECK(strcmp(c->db, "sqlite:") != 0);
    check_str(c->listen_host, sizeof(c->listen_host));
    FUZZ_CHECK(c->listen_port >= 0 && c->listen_port <= 65535);
    check_str(c->static_dir, sizeof(c->static_dir));
    FUZZ_CHECK((unsigned)c->log_level < EG_ARRAY_LEN(level_names));
    FUZZ_CHECK(c->threads >= 0 && c->threads <= 256);
    FUZZ_CHECK(c->max_body >= 1024 && c->max_body <= ((size_t)1 << 30));
    FUZZ_CHECK(c->max_header >= 4096 && c->max_header <= ((size_t)1 << 20));
    FUZZ_CHECK(c->max_connections >= 1 && c->max_connections <= 1000000);
    FUZZ_CHECK(c->conn_per_ip <= 1000000);
    FUZZ_CHECK(c->idle_timeout_ms >= 1000 && c->idle_timeout_ms <= 3600000);
    FUZZ_CHECK(c->body_timeout_ms >= 100 && c->body_timeout_ms <= 3600000);
    FUZZ_CHECK(c->drain_timeout_ms >= 0 && c->drain_timeout_ms <= 600000);
    FUZZ_CHECK(c->db_pool >= 1 && c->db_pool <= 256);
    FUZZ_CHECK(c->db_busy_timeout_ms >= 1 && c->db_busy_timeout_ms <= 600000);
}

/* The config as a file; false if a listen host cannot be written (brackets and ']'). */
static bool
write_back(const struct eg_config *c, struct eg_buf *b)
{
    /* Brackets keep a host with ':', a leading '[' or blanks at either end intact. */
    const char *h = c->listen_host;
    size_t hn = strlen(h);
    bool brackets = strchr(h, ':') || h[0] == '[' || h[0] == ' ' || h[0] == '\t' ||
                    h[hn - 1] == ' ' || h[hn - 1] == '\t' || h[hn - 1] == '\r';
    if (brackets && strchr(h, ']'))
        return false;
    enum eg_err rc = eg_buf_printf(
        b,
        "db = %s\nlisten = %s%s%s:%d\nstatic_dir = %s\nlog_level = %s\nthreads = %d\n"
        "max_body = %zu\nmax_header = %zu\nmax_connections = %u\nconn_per_ip = %u\n"
        "idle_timeout = %lldms\nbody_timeout = %lldms\ndrain_timeout = %lldms\ndb_pool = %d\n"
        "db_busy_timeout = %lldms\nmigrate_on_start = %s\n",
        c->db, brackets ? "[" : "", c->listen_host, brackets ? "]" : "", c->listen_port,
        c->static_dir, level_names[c->log_level], c->threads, c->max_body, c->max_header,
        c->max_connections, c->conn_per_ip, c->idle_timeout_ms, c->body_timeout_ms,
        c->drain_timeout_ms, c->db_pool, c->db_busy_timeout_ms,
        c->migrate_on_start ? "true" : "false");
    FUZZ_CHECK(rc == EG_OK);
    return true;
}

static bool
same_config(const struct eg_config *a, const struct eg_config *b)
{
    return strcmp(a->db, b->db) == 0 && strcmp(a->listen_host, b->listen_host) == 0 &&
           a->listen_port == b->listen_port && strcmp(a->static_dir, b->static_dir) == 0 &&
           a->log_level == b->log_level && a->threads == b->threads && a->max_body == b->max_body &&
           a->max_header == b->max_header && a->max_connections == b->max_connections &&
           a->conn_per_ip == b->conn_per_ip && a->idle_timeout_ms == b->idle_timeout_ms &&
           a->body_timeout_ms == b->body_timeout_ms && a->drain_timeout_ms == b->drain_timeout_ms &&
           a->db_pool == b->db_pool && a->db_busy_timeout_ms == b->db_busy_timeout_ms &&
           a->migrate_on_start == b->migrate_on_start;
}

static void
fuzz_file(const char *text, size_t n)
{
    struct eg_config *c = malloc(sizeof(*c));
    FUZZ_CHECK(c != NULL);
    eg_config_defaults(c);
    struct eg_buf msg = EG_BUF_INIT(2048);
    fuzz_paint_stack();
    enum eg_err rc = eg_config_parse(c, text, n, "egov.conf", &msg);
    FUZZ_CHECK(rc == EG_OK || rc == EG_EINVAL);
    check_ranges(c);
    if (rc != EG_OK) {
        FUZZ_CHECK(msg.len > 0);
        FUZZ_CHECK(eg_utf8_valid(msg.p, msg.len));
        FUZZ_CHECK(strncmp(msg.p, "egov.conf", 9) == 0);
        goto out;
    }

    struct eg_buf text2 = EG_BUF_INIT((size_t)64 * 1024);
    if (!write_back(c, &text2)) {
        eg_buf_release(&text2);
        goto out;
    }
    struct eg_config *d = malloc(sizeof(*d));
    FUZZ_CHECK(d != NULL);
    eg_config_defaults(d);
    fuzz_paint_stack();
    rc = eg_config_parse(d, text2.p, text2.len, "written-back.conf", &msg);
    FUZZ_CHECK(rc == EG_OK);
    FUZZ_CHECK(same_config(c, d));
    free(d);
    eg_buf_release(&text2);
out:
    eg_buf_release(&msg);
    free(c);
}

/* Digits only, at least one, into *v; false on anything else or overflow. */
static bool
ref_digits(const char *s, size_t n, unsigned long long *v)
{
    *v = 0;
    if (n == 0)
        return false;
    for (size_t i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return false;
        unsigned d = (unsigned)(s[i] - '0');
        if (*v > (ULLONG_MAX - d) / 10)
            return false;
        *v = *v * 10 + d;
    }
    return true;
}

/* The number and its unit: digits first, then the unit; false without digits. */
static bool
ref_number_unit(const char *s, unsigned long long *v, const char **unit)
{
    size_t n = strspn(s, "0123456789");
    *unit = s + n;
    return ref_digits(s, n, v);
}

static void
check_numbers(const char *s)
{
    static const struct {
        const char *unit;
        unsigned long long mul;
    } sizes[] = {{"", 1},
                 {"B", 1},
                 {"k", 1ULL << 10},
                 {"K", 1ULL << 10},
                 {"KiB", 1ULL << 10},
                 {"M", 1ULL << 20},
                 {"MiB", 1ULL << 20},
                 {"G", 1ULL << 30},
                 {"GiB", 1ULL << 30}},
      durations[] = {{"ms", 1}, {"", 1000}, {"s", 1000}, {"m", 60000}, {"h", 3600000}};
    unsigned long long v;
    const char *unit;
    bool num = ref_number_unit(s, &v, &unit);

    /* Whole numbers, with a minus sign allowed, within [-1000, 1000] and all of long long. */
    bool neg = s[0] == '-';
    unsigned long long mag;
    bool digits = ref_digits(s + neg, strlen(s + neg), &mag);
    long long got;
    bool fits = digits && (neg ? mag <= (unsigned long long)LLONG_MAX + 1 : mag <= LLONG_MAX);
    long long want = !fits ? 0 : neg ? (long long)(0 - mag) : (long long)mag;
    enum eg_err rc = eg_parse_i64(s, LLONG_MIN, LLONG_MAX, &got);
    FUZZ_CHECK((rc == EG_OK) == fits);
    FUZZ_CHECK(rc != EG_OK || got == want);
    rc = eg_parse_i64(s, -1000, 1000, &got);
    FUZZ_CHECK((rc == EG_OK) == (fits && want >= -1000 && want <= 1000));

    size_t size;
    unsigned long long mul = 0;
    for (size_t i = 0; num && i < EG_ARRAY_LEN(sizes); i++)
        if (strcmp(unit, sizes[i].unit) == 0 && v <= SIZE_MAX / sizes[i].mul)
            mul = sizes[i].mul;
    rc = eg_parse_size(s, &size);
    FUZZ_CHECK((rc == EG_OK) == (mul != 0));
    FUZZ_CHECK(rc != EG_OK || size == v * mul);

    long long ms;
    mul = 0;
    for (size_t i = 0; num && i < EG_ARRAY_LEN(durations); i++)
        if (strcmp(unit, durations[i].unit) == 0 && v <= LLONG_MAX / durations[i].mul)
            mul = durations[i].mul;
    rc = eg_parse_duration_ms(s, &ms);
    FUZZ_CHECK((rc == EG_OK) == (mul != 0));
    FUZZ_CHECK(rc != EG_OK || ms == (long long)(v * mul));
}

/*
 * KEY=value as eg_config_load_env hands it over: the key is 1 to 63 bytes,
 * lower-cased; the value may be any bytes but NUL.
 */
static void
fuzz_env(const char *s, size_t n)
{
    const char *eq = memchr(s, '=', n);
    size_t kn = eq ? (size_t)(eq - s) : n;
    if (kn == 0 || kn >= 64)
        return;
    char *key = fuzz_cstr((const uint8_t *)s, kn);
    for (char *k = key; *k; k++)
        if (*k >= 'A' && *k <= 'Z')
            *k = (char)(*k - 'A' + 'a');
    char *value = eq ? fuzz_cstr((const uint8_t *)eq + 1, n - kn - 1) : fuzz_cstr(NULL, 0);
    struct eg_config *c = malloc(sizeof(*c));
    FUZZ_CHECK(c != NULL);
    eg_config_defaults(c);
    struct eg_buf msg = EG_BUF_INIT(2048);
    fuzz_paint_stack();
    enum eg_err rc = eg_config_set(c, key, value, "environment EGOV_FUZZ", &msg);
    FUZZ_CHECK(rc == EG_OK || rc == EG_EINVAL);
    check_ranges(c);
    if (rc != EG_OK)
        FUZZ_CHECK(msg.len > 0);
    check_numbers(value);
    eg_buf_release(&msg);
    free(c);
    free(key);
    free(value);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_file((const char *)data, size);
    fuzz_env((const char *)data, size);
    return 0;
}
