/*
 * config.h - egov's settings: defaults, then a config file, then EGOV_*
 * environment variables, then command-line flags, each overriding the last.
 * A bad value is a one-line message naming the setting and where it came from.
 */
#ifndef EG_CLI_CONFIG_H
#define EG_CLI_CONFIG_H

#include "core/core.h"
#include "directory/directory.h"
#include "http/http.h"

#define EG_CONFIG_HAS_LDAP 1

#define EG_CONFIG_STR 1024

struct eg_config {
    char db[EG_CONFIG_STR];
    char listen_host[256];
    int listen_port;
    char static_dir[EG_CONFIG_STR];
    /* attachments: streamed request bodies land in spool_dir, then live in files_dir */
    char spool_dir[EG_CONFIG_STR];
    size_t spool_reserve;
    char files_dir[EG_CONFIG_STR];
    enum eg_log_level log_level;
    int threads;
    int write_threads; /* requests waiting for a durable commit, off the HTTP threads */
    size_t page_cache; /* bytes of catalogue pages kept for visitors not signed in; 0: none */
    size_t max_body;
    size_t max_header;
    unsigned max_connections;
    unsigned conn_per_ip;
    long long idle_timeout_ms;
    long long body_timeout_ms;
    long long drain_timeout_ms;
    int db_pool;
    long long db_busy_timeout_ms;
    bool migrate_on_start;
    /* audit: the Ed25519 signing key and the append-only anchor file, outside the database */
    char audit_key[EG_CONFIG_STR];
    char audit_anchor[EG_CONFIG_STR];
    long long audit_checkpoint_ms;
    long long dossier_scan_ms; /* how often overdue dossiers are looked for */
    /* identity: the key for personal-data hashing and encryption, sessions, passwords */
    char identity_key[EG_CONFIG_STR];
    char breached_list[EG_CONFIG_STR];
    long long session_idle_ms;
    long long session_absolute_ms;
    unsigned signin_per_login; /* evaluated sign-in attempts per login and hour */
    unsigned signin_per_address;
    /* outgoing mail */
    char smtp_url[EG_CONFIG_STR];
    char smtp_user[256];
    char smtp_password[256];
    char smtp_from[256];
    char smtp_from_name[256];
    /* SMS through an HTTP gateway (docs/notify.md); an empty sms_url means no SMS */
    char sms_url[EG_CONFIG_STR];
    char sms_provider[16]; /* "json" (also when empty) or "brandname" */
    char sms_token[512];
    char sms_sender[64];
    int sms_max_segments; /* 0 = the notifier's default (2) */
    /* the address people reach egov at, for links in mail ("https://dichvucong.example.vn") */
    char public_url[EG_CONFIG_STR];
    /* staff sign-in by LDAP bind, and the directory's export (ldap_* settings) */
    struct eg_ldap_config ldap;
};

void eg_config_defaults(struct eg_config *c);
/* One setting by its file name ("max_body"); origin names where it came from. */
EG_WUR enum eg_err eg_config_set(struct eg_config *c, const char *key, const char *value,
                                 const char *origin, struct eg_buf *msg);
/* "key = value" lines; '#' starts a comment; blank lines are fine. */
EG_WUR enum eg_err eg_config_parse(struct eg_config *c, const char *text, size_t n,
                                   const char *origin, struct eg_buf *msg);
EG_WUR enum eg_err eg_config_load_file(struct eg_config *c, const char *path, struct eg_buf *msg);
/* Every EGOV_<KEY> variable that names a setting (EGOV_CONFIG is the file itself). */
EG_WUR enum eg_err eg_config_load_env(struct eg_config *c, char **environ_, struct eg_buf *msg);
/* Fills an HTTP configuration from the settings. */
void eg_config_http(const struct eg_config *c, struct eg_http_config *h);

#endif /* EG_CLI_CONFIG_H */
