/* cmd_serve.c - egov serve: open, migrate, listen, wait for a signal, drain, close. */
#include "cli.h"

#include "api/api.h"
#include "audit/audit.h"
#include "dossiers/dossiers.h"
#include "files/files.h"
#include "gate/gate.h"
#include "identity/identity.h"
#include "notify/notify.h"
#include "portal/portal.h"

#include <signal.h>
#include <stdio.h>
#include <string.h>

/* Schema check before serving: refuse a newer database, migrate an older one if allowed. */
static enum eg_err
check_schema(const struct eg_config *cfg, struct eg_db *db)
{
    int current = 0;
    enum eg_err rc = eg_db_schema_version(db, &current);
    if (rc != EG_OK) {
        eg_cli_error("cannot read the schema version of %s: %s", eg_db_url_safe(db),
                     eg_strerror(rc));
        return rc;
    }
    int latest = eg_db_schema_latest();
    if (current > latest) {
        eg_cli_error("the database %s is at schema version %d, newer than this egov knows (%d); "
                     "run the egov release that created it or a newer one",
                     eg_db_url_safe(db), current, latest);
        return EG_EVERSION;
    }
    if (current == latest)
        return EG_OK;
    if (!cfg->migrate_on_start) {
        eg_cli_error("the database %s is at schema version %d, this egov needs %d: run 'egov "
                     "migrate' first",
                     eg_db_url_safe(db), current, latest);
        return EG_EVERSION;
    }
    struct eg_buf msg = EG_BUF_INIT(2048);
    int applied = 0;
    rc = eg_db_migrate(db, &applied, &msg);
    if (rc != EG_OK)
        eg_cli_error("%s", msg.len ? msg.p : eg_strerror(rc));
    else
        eg_info("migrated %s to schema version %d", eg_db_url_safe(db), latest);
    eg_buf_release(&msg);
    return rc;
}

int
eg_cmd_serve(struct eg_config *cfg)
{
    /* Signals are taken by sigwait() below; worker threads inherit the mask. */
    sigset_t stop;
    sigemptyset(&stop);
    sigaddset(&stop, SIGTERM);
    sigaddset(&stop, SIGINT);
    pthread_sigmask(SIG_BLOCK, &stop, NULL);
    signal(SIGPIPE, SIG_IGN);

    struct eg_db *db = NULL;
    struct eg_router *router = NULL;
    struct eg_http_server *srv = NULL;
    struct eg_audit *audit = NULL;
    struct eg_audit_ticker *ticker = NULL;
    struct eg_identity *identity = NULL;
    struct eg_gate *gate = NULL;
    struct eg_notifier *notifier = NULL;
    struct eg_files *files = NULL;
    struct eg_dossiers *dossiers = NULL;
    int code = EG_EXIT_FAIL;
    struct eg_buf msg = EG_BUF_INIT(2048);
    struct eg_api api = {.clock = &eg_clock_system, .version = EGOV_VERSION};
    struct eg_tmpl_set *templates = NULL;
    struct eg_portal_config portal = {0};

    if (eg_cli_open_db(cfg, &db) != EG_OK)
        goto out;
    if (check_schema(cfg, db) != EG_OK)
        goto out;
    if (eg_ldap_enabled(&cfg->ldap) && eg_ldap_config_check(&cfg->ldap, false, &msg) != EG_OK) {
        eg_cli_error("%s", eg_buf_str(&msg));
        goto out;
    }
    if (eg_cli_open_services(cfg, db, &audit, &identity) != EG_OK)
        goto out;
    struct eg_files_config fc = {.root = cfg->files_dir, .spool_dir = cfg->spool_dir};
    if (eg_files_open(&fc, &files, &msg) != EG_OK) {
        eg_cli_error("files: %s", msg.len ? eg_buf_str(&msg) : "cannot open the store");
        goto out;
    }
    if (eg_audit_ticker_start(audit, db, cfg->audit_checkpoint_ms, &ticker) != EG_OK) {
        eg_cli_error("cannot start the audit checkpoint thread");
        goto out;
    }
    struct eg_notify_config nc = {
        .smtp =
            {
                .url = cfg->smtp_url,
                .user = cfg->smtp_user,
                .password = cfg->smtp_password,
                .from = cfg->smtp_from,
                .from_name = cfg->smtp_from_name,
            },
        .sms =
            {
                .url = cfg->sms_url,
                .provider = cfg->sms_provider,
                .token = cfg->sms_token,
                .sender = cfg->sms_sender,
                .max_segments = cfg->sms_max_segments,
            },
        .clock = &eg_clock_system,
    };
    if (eg_notifier_start(db, &nc, &notifier, &msg) != EG_OK) {
        eg_cli_error("notify: %s", eg_buf_str(&msg));
        goto out;
    }
    struct eg_gate_config gc = {
        .db = db,
        .identity = identity,
        .clock = &eg_clock_system,
        .notifier = notifier,
        .write_threads = cfg->write_threads,
    };
    if (eg_gate_new(&gc, &gate) != EG_OK) {
        eg_cli_error("cannot start the gate's %d write threads", cfg->write_threads);
        goto out;
    }
    api.db = db;
    api.identity = identity;
    api.gate = gate;
    api.files = files;
    struct eg_dossiers_config dc = {
        .db = db, .identity = identity, .clock = &eg_clock_system, .public_url = cfg->public_url};
    if (eg_dossiers_open(&dc, &dossiers) != EG_OK ||
        eg_dossiers_scanner_start(dossiers, cfg->dossier_scan_ms) != EG_OK) {
        eg_cli_error("cannot start the dossier service");
        goto out;
    }
    api.dossiers = dossiers;
    if (eg_portal_templates(&templates, &msg) != EG_OK) {
        eg_cli_error("templates: %s", eg_buf_str(&msg));
        goto out;
    }
    portal.templates = templates;
    portal.dossiers = dossiers;
    portal.files = files;
    portal.public_url = cfg->public_url;
    if (cfg->page_cache && eg_portal_memo_new(cfg->page_cache, &portal.pages) != EG_OK) {
        eg_cli_error("cannot keep catalogue pages (page_cache)");
        goto out;
    }
    router = eg_router_new();
    if (!router || eg_api_register(router, &api) != EG_OK ||
        eg_portal_register(router, gate, &portal) != EG_OK) {
        eg_cli_error("cannot build the route table");
        goto out;
    }
    struct eg_http_config hc;
    eg_config_http(cfg, &hc);
    if (eg_http_server_start(&hc, router, &srv, &msg) != EG_OK) {
        eg_cli_error("%s", eg_buf_str(&msg));
        goto out;
    }
    api.server = srv;
    eg_info("egov %s serving http://%s%s%s:%d/ with %s", EGOV_VERSION,
            strchr(cfg->listen_host, ':') ? "[" : "", cfg->listen_host,
            strchr(cfg->listen_host, ':') ? "]" : "", eg_http_server_port(srv), eg_db_url_safe(db));
    int sig = 0;
    sigwait(&stop, &sig);
    eg_info("received %s: no new connections; finishing requests in flight",
            sig == SIGTERM ? "SIGTERM" : "SIGINT");
    unsigned cut = eg_http_server_stop(srv);
    if (cut)
        eg_warn("%u requests were still running after the drain timeout", cut);
    eg_info("stopped");
    code = EG_EXIT_OK;
out:
    /* Order matters: no requests, then no background work, then the database. */
    eg_http_server_free(srv);
    eg_dossiers_close(dossiers);
    eg_notifier_stop(notifier);
    eg_audit_ticker_stop(ticker);
    eg_identity_close(identity);
    eg_router_free(router);
    eg_gate_free(gate);
    eg_tmpl_set_free(templates);
    eg_memo_free(portal.pages);
    eg_audit_free(audit);
    eg_files_close(files);
    eg_db_close(db);
    eg_buf_release(&msg);
    return code;
}
