/* config.c - parsing settings from a file, the environment and flags. */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define CONFIG_FILE_MAX ((size_t)256 * 1024)

void
eg_config_defaults(struct eg_config *c)
{
    memset(c, 0, sizeof(*c));
    snprintf(c->db, sizeof(c->db), "sqlite:var/egov.db");
    snprintf(c->listen_host, sizeof(c->listen_host), "127.0.0.1");
    c->listen_port = 8080;
    snprintf(c->static_dir, sizeof(c->static_dir), "web/static");
    snprintf(c->spool_dir, sizeof(c->spool_dir), "var/spool");
    snprintf(c->files_dir, sizeof(c->files_dir), "var/files");
    c->log_level = EG_LOG_INFO;
    struct eg_http_config h;
    eg_http_config_defaults(&h);
    c->threads = 0;
    c->write_threads = 16;
    c->page_cache = (size_t)16 << 20;
    c->max_body = h.max_body;
    c->max_header = h.max_header;
    c->max_connections = h.max_conns;
    c->conn_per_ip = h.conn_per_ip;
    c->idle_timeout_ms = (long long)h.idle_timeout_s * 1000;
    c->body_timeout_ms = h.body_timeout_ms;
    c->drain_timeout_ms = h.drain_timeout_ms;
    c->spool_reserve = h.spool_reserve;
    c->db_pool = 4;
    c->db_busy_timeout_ms = 5000;
    c->migrate_on_start = true;
    snprintf(c->audit_key, sizeof(c->audit_key), "var/audit.key");
    snprintf(c->audit_anchor, sizeof(c->audit_anchor), "var/audit-anchor.log");
    c->audit_checkpoint_ms = 60000;
    c->dossier_scan_ms = 60000;
    snprintf(c->identity_key, sizeof(c->identity_key), "var/identity.key");
    c->session_idle_ms = 30LL * 60 * 1000;
    c->session_absolute_ms = 12LL * 3600 * 1000;
    c->signin_per_login = 100;
    c->signin_per_address = 1000;
    snprintf(c->smtp_url, sizeof(c->smtp_url), "smtp://127.0.0.1:25");
    snprintf(c->smtp_from, sizeof(c->smtp_from), "no-reply@egov.localdomain");
    snprintf(c->smtp_from_name, sizeof(c->smtp_from_name), "Cổng dịch vụ công");
    snprintf(c->public_url, sizeof(c->public_url), "http://127.0.0.1:8080");
    eg_ldap_config_defaults(&c->ldap);
}

static enum eg_err
bad(struct eg_buf *msg, const char *origin, const char *key, const char *why, const char *value)
{
    eg_buf_reset(msg);
    /* The value is echoed only when short and printable; it may be anything. */
    bool show = false;
    if (value) {
        show = strlen(value) <= 64;
        for (const char *p = value; show && *p; p++)
            show = (unsigned char)*p >= 0x20 && *p != 0x7f;
    }
    /* The key may be client-sized too (an unknown one is echoed): at most 64 bytes of it. */
    if (eg_buf_printf(msg, "%s: %.64s%s: %s%s%s%s", origin, key, strlen(key) > 64 ? "..." : "", why,
                      show ? " (got '" : "", show ? value : "", show ? "')" : "") != EG_OK)
        eg_buf_reset(msg);
    return EG_EINVAL;
}

static enum eg_err
set_str(char *dst, size_t cap, const char *value, const char *origin, const char *key,
        struct eg_buf *msg)
{
    size_t n = strlen(value);
    if (n == 0)
        return bad(msg, origin, key, "must not be empty", NULL);
    if (n >= cap)
        return bad(msg, origin, key, "is too long", NULL);
    memcpy(dst, value, n + 1);
    return EG_OK;
}

static enum eg_err
parse_listen(struct eg_config *c, const char *v, const char *origin, struct eg_buf *msg)
{
    const char *colon;
    char host[256];
    if (v[0] == '[') {
        const char *close = strchr(v, ']');
        if (!close || close[1] != ':')
            return bad(msg, origin, "listen", "expected HOST:PORT or [IPv6]:PORT", v);
        size_t n = (size_t)(close - v - 1);
        if (n == 0 || n >= sizeof(host))
            return bad(msg, origin, "listen", "the host part is empty or too long", v);
        memcpy(host, v + 1, n);
        host[n] = '\0';
        colon = close + 1;
    } else {
        colon = strrchr(v, ':');
        if (!colon || colon == v)
            return bad(msg, origin, "listen", "expected HOST:PORT", v);
        size_t n = (size_t)(colon - v);
        if (n >= sizeof(host))
            return bad(msg, origin, "listen", "the host part is too long", NULL);
        memcpy(host, v, n);
        host[n] = '\0';
        if (strchr(host, ':'))
            return bad(msg, origin, "listen", "write an IPv6 address as [ADDR]:PORT", v);
    }
    long long port;
    if (eg_parse_i64(colon + 1, 0, 65535, &port) != EG_OK)
        return bad(msg, origin, "listen", "the port must be a number from 0 to 65535", v);
    snprintf(c->listen_host, sizeof(c->listen_host), "%s", host);
    c->listen_port = (int)port;
    return EG_OK;
}

static enum eg_err
set_uint(unsigned *dst, const char *v, long long min, long long max, const char *origin,
         const char *key, struct eg_buf *msg)
{
    long long x;
    if (eg_parse_i64(v, min, max, &x) != EG_OK) {
        char why[96];
        snprintf(why, sizeof(why), "expected a whole number from %lld to %lld", min, max);
        return bad(msg, origin, key, why, v);
    }
    *dst = (unsigned)x;
    return EG_OK;
}

static enum eg_err
set_size(size_t *dst, const char *v, size_t min, size_t max, const char *origin, const char *key,
         struct eg_buf *msg)
{
    size_t x;
    if (eg_parse_size(v, &x) != EG_OK)
        return bad(msg, origin, key, "expected a size like 512k, 1M or 2G", v);
    if (x < min || x > max)
        return bad(msg, origin, key, "is outside the allowed range", v);
    *dst = x;
    return EG_OK;
}

static enum eg_err
set_duration(long long *dst, const char *v, long long min, long long max, const char *origin,
             const char *key, struct eg_buf *msg)
{
    long long x;
    if (eg_parse_duration_ms(v, &x) != EG_OK)
        return bad(msg, origin, key, "expected a duration like 500ms, 30s, 5m or 1h", v);
    if (x < min || x > max)
        return bad(msg, origin, key, "is outside the allowed range", v);
    *dst = x;
    return EG_OK;
}

static enum eg_err
set_bool(bool *dst, const char *v, const char *origin, const char *key, struct eg_buf *msg)
{
    if (strcmp(v, "true") == 0 || strcmp(v, "yes") == 0 || strcmp(v, "1") == 0 ||
        strcmp(v, "on") == 0) {
        *dst = true;
        return EG_OK;
    }
    if (strcmp(v, "false") == 0 || strcmp(v, "no") == 0 || strcmp(v, "0") == 0 ||
        strcmp(v, "off") == 0) {
        *dst = false;
        return EG_OK;
    }
    return bad(msg, origin, key, "expected true or false", v);
}

enum eg_err
eg_config_set(struct eg_config *c, const char *key, const char *v, const char *origin,
              struct eg_buf *msg)
{
    unsigned u = 0;
    enum eg_err rc;
    if (strcmp(key, "db") == 0) {
        if (strncmp(v, "sqlite:", 7) != 0 && strncmp(v, "postgres://", 11) != 0 &&
            strncmp(v, "postgresql://", 13) != 0)
            return bad(msg, origin, key, "must be sqlite:PATH or a postgres:// URI", NULL);
        if (strcmp(v, "sqlite:") == 0)
            return bad(msg, origin, key, "sqlite: needs a file path, e.g. sqlite:var/egov.db",
                       NULL);
        return set_str(c->db, sizeof(c->db), v, origin, key, msg);
    }
    if (strcmp(key, "listen") == 0)
        return parse_listen(c, v, origin, msg);
    if (strcmp(key, "static_dir") == 0)
        return set_str(c->static_dir, sizeof(c->static_dir), v, origin, key, msg);
    if (strcmp(key, "spool_dir") == 0)
        return set_str(c->spool_dir, sizeof(c->spool_dir), v, origin, key, msg);
    if (strcmp(key, "spool_reserve") == 0)
        return set_size(&c->spool_reserve, v, 0, (size_t)1 << 50, origin, key, msg);
    if (strcmp(key, "files_dir") == 0)
        return set_str(c->files_dir, sizeof(c->files_dir), v, origin, key, msg);
    if (strcmp(key, "log_level") == 0) {
        if (eg_log_level_parse(v, &c->log_level) != EG_OK)
            return bad(msg, origin, key, "expected debug, info, warn or error", v);
        return EG_OK;
    }
    if (strcmp(key, "threads") == 0) {
        rc = set_uint(&u, v, 0, 256, origin, key, msg);
        if (rc == EG_OK)
            c->threads = (int)u;
        return rc;
    }
    if (strcmp(key, "write_threads") == 0) {
        rc = set_uint(&u, v, 1, 1024, origin, key, msg);
        if (rc == EG_OK)
            c->write_threads = (int)u;
        return rc;
    }
    if (strcmp(key, "page_cache") == 0)
        return set_size(&c->page_cache, v, 0, (size_t)1 << 30, origin, key, msg);
    if (strcmp(key, "max_body") == 0)
        return set_size(&c->max_body, v, 1024, (size_t)1 << 30, origin, key, msg);
    if (strcmp(key, "max_header") == 0)
        return set_size(&c->max_header, v, 4096, (size_t)1 << 20, origin, key, msg);
    if (strcmp(key, "max_connections") == 0)
        return set_uint(&c->max_connections, v, 1, 1000000, origin, key, msg);
    if (strcmp(key, "conn_per_ip") == 0)
        return set_uint(&c->conn_per_ip, v, 0, 1000000, origin, key, msg);
    if (strcmp(key, "idle_timeout") == 0)
        return set_duration(&c->idle_timeout_ms, v, 1000, 3600000, origin, key, msg);
    if (strcmp(key, "body_timeout") == 0)
        return set_duration(&c->body_timeout_ms, v, 100, 3600000, origin, key, msg);
    if (strcmp(key, "drain_timeout") == 0)
        return set_duration(&c->drain_timeout_ms, v, 0, 600000, origin, key, msg);
    if (strcmp(key, "db_pool") == 0) {
        rc = set_uint(&u, v, 1, 256, origin, key, msg);
        if (rc == EG_OK)
            c->db_pool = (int)u;
        return rc;
    }
    if (strcmp(key, "db_busy_timeout") == 0)
        return set_duration(&c->db_busy_timeout_ms, v, 1, 600000, origin, key, msg);
    if (strcmp(key, "migrate_on_start") == 0)
        return set_bool(&c->migrate_on_start, v, origin, key, msg);
    if (strcmp(key, "audit_key") == 0)
        return set_str(c->audit_key, sizeof(c->audit_key), v, origin, key, msg);
    if (strcmp(key, "audit_anchor") == 0)
        return set_str(c->audit_anchor, sizeof(c->audit_anchor), v, origin, key, msg);
    if (strcmp(key, "audit_checkpoint") == 0)
        return set_duration(&c->audit_checkpoint_ms, v, 1000, 86400000, origin, key, msg);
    if (strcmp(key, "dossier_scan") == 0)
        return set_duration(&c->dossier_scan_ms, v, 100, 86400000, origin, key, msg);
    if (strcmp(key, "identity_key") == 0)
        return set_str(c->identity_key, sizeof(c->identity_key), v, origin, key, msg);
    if (strcmp(key, "breached_list") == 0)
        return set_str(c->breached_list, sizeof(c->breached_list), v, origin, key, msg);
    if (strcmp(key, "session_idle") == 0)
        return set_duration(&c->session_idle_ms, v, 60000, 86400000, origin, key, msg);
    if (strcmp(key, "session_absolute") == 0)
        return set_duration(&c->session_absolute_ms, v, 300000, 30LL * 86400000, origin, key, msg);
    if (strcmp(key, "signin_attempts_per_login") == 0)
        return set_uint(&c->signin_per_login, v, 1, 1000000, origin, key, msg);
    if (strcmp(key, "signin_attempts_per_address") == 0)
        return set_uint(&c->signin_per_address, v, 1, 10000000, origin, key, msg);
    if (strcmp(key, "smtp_url") == 0) {
        if (strncmp(v, "smtp://", 7) != 0 && strncmp(v, "smtps://", 8) != 0)
            return bad(msg, origin, key, "must be smtp://HOST:PORT or smtps://HOST:PORT", NULL);
        return set_str(c->smtp_url, sizeof(c->smtp_url), v, origin, key, msg);
    }
    if (strcmp(key, "smtp_user") == 0)
        return set_str(c->smtp_user, sizeof(c->smtp_user), v, origin, key, msg);
    if (strcmp(key, "smtp_password") == 0)
        return set_str(c->smtp_password, sizeof(c->smtp_password), v, origin, key, msg);
    if (strcmp(key, "smtp_from") == 0) {
        if (!strchr(v, '@') || strpbrk(v, " <>\r\n"))
            return bad(msg, origin, key, "must be a plain address like no-reply@example.vn", NULL);
        return set_str(c->smtp_from, sizeof(c->smtp_from), v, origin, key, msg);
    }
    if (strcmp(key, "smtp_from_name") == 0)
        return set_str(c->smtp_from_name, sizeof(c->smtp_from_name), v, origin, key, msg);
    if (strcmp(key, "sms_url") == 0) {
        if (strncmp(v, "https://", 8) != 0 && strncmp(v, "http://", 7) != 0)
            return bad(msg, origin, key, "must be https://HOST/PATH (http:// only to loopback)",
                       NULL);
        return set_str(c->sms_url, sizeof(c->sms_url), v, origin, key, msg);
    }
    if (strcmp(key, "sms_provider") == 0) {
        if (strcmp(v, "json") != 0 && strcmp(v, "brandname") != 0)
            return bad(msg, origin, key, "expected json or brandname", v);
        return set_str(c->sms_provider, sizeof(c->sms_provider), v, origin, key, msg);
    }
    if (strcmp(key, "sms_token") == 0)
        return set_str(c->sms_token, sizeof(c->sms_token), v, origin, key, msg);
    if (strcmp(key, "sms_sender") == 0)
        return set_str(c->sms_sender, sizeof(c->sms_sender), v, origin, key, msg);
    if (strcmp(key, "sms_max_segments") == 0) {
        rc = set_uint(&u, v, 1, 10, origin, key, msg);
        if (rc == EG_OK)
            c->sms_max_segments = (int)u;
        return rc;
    }
    if (strcmp(key, "public_url") == 0) {
        if (strncmp(v, "http://", 7) != 0 && strncmp(v, "https://", 8) != 0)
            return bad(msg, origin, key, "must start with http:// or https://", v);
        return set_str(c->public_url, sizeof(c->public_url), v, origin, key, msg);
    }
    if (strncmp(key, "ldap_", 5) == 0) {
        rc = eg_ldap_config_set(&c->ldap, key, v, origin, msg);
        if (rc != EG_ENOTFOUND)
            return rc;
    }
    return bad(msg, origin, key, "is not a setting egov knows", NULL);
}

static const char *
trim(char *s)
{
    while (*s == ' ' || *s == '\t')
        s++;
    size_t n = strlen(s);
    while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r'))
        s[--n] = '\0';
    return s;
}

enum eg_err
eg_config_parse(struct eg_config *c, const char *text, size_t n, const char *origin,
                struct eg_buf *msg)
{
    if (memchr(text, '\0', n)) {
        eg_buf_reset(msg);
        if (eg_buf_printf(msg, "%s: contains a NUL byte; is it a text file?", origin) != EG_OK)
            eg_buf_reset(msg);
        return EG_EINVAL;
    }
    if (!eg_utf8_valid(text, n)) {
        eg_buf_reset(msg);
        if (eg_buf_printf(msg, "%s: is not valid UTF-8", origin) != EG_OK)
            eg_buf_reset(msg);
        return EG_EINVAL;
    }
    char line[2048];
    char where[512];
    size_t lineno = 0;
    const char *p = text, *end = text + n;
    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        size_t len = nl ? (size_t)(nl - p) : (size_t)(end - p);
        lineno++;
        snprintf(where, sizeof(where), "%s:%zu", origin, lineno);
        if (len >= sizeof(line)) {
            eg_buf_reset(msg);
            if (eg_buf_printf(msg, "%s: the line is too long", where) != EG_OK)
                eg_buf_reset(msg);
            return EG_EINVAL;
        }
        memcpy(line, p, len);
        line[len] = '\0';
        p = nl ? nl + 1 : end;
        char *hash = strchr(line, '#');
        if (hash)
            *hash = '\0';
        char *eq = strchr(line, '=');
        const char *whole = trim(line);
        if (*whole == '\0')
            continue;
        if (!eq) {
            eg_buf_reset(msg);
            if (eg_buf_printf(msg, "%s: expected 'key = value'", where) != EG_OK)
                eg_buf_reset(msg);
            return EG_EINVAL;
        }
        *eq = '\0';
        const char *key = trim(line);
        const char *value = trim(eq + 1);
        for (const char *k = key; *k; k++) {
            if (!islower((unsigned char)*k) && *k != '_') {
                eg_buf_reset(msg);
                if (eg_buf_printf(msg, "%s: a key is lower-case letters and '_'", where) != EG_OK)
                    eg_buf_reset(msg);
                return EG_EINVAL;
            }
        }
        if (*key == '\0') {
            eg_buf_reset(msg);
            if (eg_buf_printf(msg, "%s: the key is missing", where) != EG_OK)
                eg_buf_reset(msg);
            return EG_EINVAL;
        }
        enum eg_err rc = eg_config_set(c, key, value, where, msg);
        if (rc != EG_OK)
            return rc;
    }
    return EG_OK;
}

enum eg_err
eg_config_load_file(struct eg_config *c, const char *path, struct eg_buf *msg)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        eg_buf_reset(msg);
        if (eg_buf_printf(msg, "cannot read the config file %s: %s", path, strerror(errno)) !=
            EG_OK)
            eg_buf_reset(msg);
        return EG_EINVAL;
    }
    struct eg_buf text = EG_BUF_INIT(CONFIG_FILE_MAX);
    char chunk[4096];
    enum eg_err rc = EG_OK;
    while (rc == EG_OK) {
        size_t got = fread(chunk, 1, sizeof(chunk), f);
        if (got == 0)
            break;
        rc = eg_buf_add(&text, chunk, got);
    }
    bool err = ferror(f);
    fclose(f);
    if (rc != EG_OK || err) {
        eg_buf_reset(msg);
        if (eg_buf_printf(msg, "cannot read the config file %s: %s", path,
                          rc == EG_ETOOBIG ? "larger than 256 KiB" : "read error") != EG_OK)
            eg_buf_reset(msg);
        eg_buf_release(&text);
        return EG_EINVAL;
    }
    rc = eg_config_parse(c, eg_buf_str(&text), text.len, path, msg);
    eg_buf_release(&text);
    return rc;
}

enum eg_err
eg_config_load_env(struct eg_config *c, char **env, struct eg_buf *msg)
{
    for (char **e = env; e && *e; e++) {
        if (strncmp(*e, "EGOV_", 5) != 0)
            continue;
        const char *eq = strchr(*e, '=');
        if (!eq)
            continue;
        char key[64];
        size_t n = (size_t)(eq - (*e + 5));
        if (n == 0 || n >= sizeof(key))
            continue;
        for (size_t i = 0; i < n; i++)
            key[i] = (char)tolower((unsigned char)(*e)[5 + i]);
        key[n] = '\0';
        /* EGOV_CONFIG names the file; EGOV_SOURCE_DIR and friends belong to tests. */
        if (strcmp(key, "config") == 0 || strcmp(key, "source_dir") == 0 ||
            strncmp(key, "test_", 5) == 0)
            continue;
        char origin[80];
        snprintf(origin, sizeof(origin), "environment EGOV_%.*s", (int)n, *e + 5);
        enum eg_err rc = eg_config_set(c, key, eq + 1, origin, msg);
        if (rc != EG_OK)
            return rc;
    }
    return EG_OK;
}

void
eg_config_http(const struct eg_config *c, struct eg_http_config *h)
{
    eg_http_config_defaults(h);
    h->host = c->listen_host;
    h->port = c->listen_port;
    h->threads = c->threads;
    h->max_body = c->max_body;
    h->max_header = c->max_header;
    h->max_conns = c->max_connections;
    h->conn_per_ip = c->conn_per_ip;
    h->idle_timeout_s = (unsigned)((c->idle_timeout_ms + 999) / 1000);
    h->body_timeout_ms = (unsigned)c->body_timeout_ms;
    h->drain_timeout_ms = (unsigned)c->drain_timeout_ms;
    h->static_dir = c->static_dir;
    h->spool_dir = c->spool_dir;
    h->spool_reserve = c->spool_reserve;
}
