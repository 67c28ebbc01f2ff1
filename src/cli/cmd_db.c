/* cmd_db.c - egov init and egov migrate, and opening the configured database. */
#include "cli.h"

#include "audit/audit.h"
#include "directory/directory.h"
#include "identity/identity.h"
#include "procedures/procedures.h"

#include <stdio.h>

enum eg_err
eg_cli_open_db(const struct eg_config *cfg, struct eg_db **out)
{
    struct eg_db_opts opts = {
        .pool_size = cfg->db_pool,
        .busy_timeout_ms = (int)cfg->db_busy_timeout_ms,
        .create = true,
    };
    struct eg_buf msg = EG_BUF_INIT(2048);
    enum eg_err rc = eg_db_open(cfg->db, &opts, out, &msg);
    if (rc != EG_OK)
        eg_cli_error("%s", msg.len ? msg.p : eg_strerror(rc));
    eg_buf_release(&msg);
    return rc;
}

enum eg_err
eg_cli_open_services(const struct eg_config *cfg, struct eg_db *db, struct eg_audit **audit,
                     struct eg_identity **identity)
{
    (void)db;
    *audit = NULL;
    *identity = NULL;
    struct eg_buf msg = EG_BUF_INIT(2048);
    struct eg_audit_opts ao = {
        .key_path = cfg->audit_key,
        .anchor_path = cfg->audit_anchor,
        .create_key = true,
        .clock = &eg_clock_system,
    };
    enum eg_err rc = eg_audit_open(&ao, audit, &msg);
    if (rc != EG_OK) {
        eg_cli_error("%s", msg.len ? msg.p : eg_strerror(rc));
        goto out;
    }
    struct eg_identity_config ic;
    eg_identity_config_defaults(&ic);
    ic.key_path = cfg->identity_key;
    ic.breached_path = cfg->breached_list[0] ? cfg->breached_list : NULL;
    ic.session_idle_ms = cfg->session_idle_ms;
    ic.session_absolute_ms = cfg->session_absolute_ms;
    ic.attempts_per_account_hour = (int)cfg->signin_per_login;
    ic.attempts_per_ip_hour = (int)cfg->signin_per_address;
    ic.public_url = cfg->public_url;
    ic.ldap = cfg->ldap;
    ic.site_name = cfg->smtp_from_name;
    eg_buf_reset(&msg);
    rc = eg_identity_open(&ic, identity, &msg);
    if (rc != EG_OK)
        eg_cli_error("%s", msg.len ? msg.p : eg_strerror(rc));
out:
    eg_buf_release(&msg);
    return rc;
}

/* Brings the schema up to date; prints why not. */
static enum eg_err
migrate(struct eg_db *db, int *applied)
{
    struct eg_buf msg = EG_BUF_INIT(2048);
    enum eg_err rc = eg_db_migrate(db, applied, &msg);
    if (rc != EG_OK)
        eg_cli_error("%s", msg.len ? msg.p : eg_strerror(rc));
    eg_buf_release(&msg);
    return rc;
}

int
eg_cmd_migrate(struct eg_config *cfg)
{
    struct eg_db *db;
    if (eg_cli_open_db(cfg, &db) != EG_OK)
        return EG_EXIT_FAIL;
    int applied = 0;
    enum eg_err rc = migrate(db, &applied);
    if (rc == EG_OK)
        printf("egov: %s is at schema version %d (%d migration%s applied)\n", eg_db_url_safe(db),
               eg_db_schema_latest(), applied, applied == 1 ? "" : "s");
    eg_db_close(db);
    return rc == EG_OK ? EG_EXIT_OK : EG_EXIT_FAIL;
}

/* The demo catalogue, unless the database has procedures already. */
static enum eg_err
load_catalogue(struct eg_db *db)
{
    int64_t procedures = 0;
    enum eg_err rc = eg_procedure_count(db, &procedures);
    if (rc != EG_OK) {
        eg_cli_error("cannot read the catalogue: %s", eg_strerror(rc));
        return rc;
    }
    if (procedures > 0) {
        printf("egov: the database already holds %lld procedures; the demo catalogue was not "
               "loaded again\n",
               (long long)procedures);
        return EG_OK;
    }
    size_t count = 0;
    struct eg_buf msg = EG_BUF_INIT(2048);
    rc = eg_cli_load_demo_catalogue(db, &count, &msg);
    if (rc == EG_OK)
        printf("egov: loaded the demo catalogue (%zu procedures) - demo data, not official\n",
               count);
    else
        eg_cli_error("cannot load the demo catalogue: %s", msg.len ? msg.p : eg_strerror(rc));
    eg_buf_release(&msg);
    return rc;
}

int
eg_cmd_init(struct eg_config *cfg, bool demo)
{
    struct eg_db *db;
    if (eg_cli_open_db(cfg, &db) != EG_OK)
        return EG_EXIT_FAIL;
    int applied = 0;
    enum eg_err rc = migrate(db, &applied);
    if (rc == EG_OK)
        printf("egov: %s is ready at schema version %d\n", eg_db_url_safe(db),
               eg_db_schema_latest());
    /* The first signed checkpoint starts the anchor file that later verifies lean on. */
    if (rc == EG_OK) {
        struct eg_audit *audit = NULL;
        struct eg_identity *identity = NULL;
        rc = eg_cli_open_services(cfg, db, &audit, &identity);
        struct eg_audit_head head;
        struct eg_buf msg = EG_BUF_INIT(1024);
        if (rc == EG_OK)
            rc = eg_audit_checkpoint(audit, db, eg_clock_now_ms(&eg_clock_system), &head, &msg);
        if (rc != EG_OK && msg.len)
            eg_cli_error("%s", msg.p);
        eg_buf_release(&msg);
        eg_identity_close(identity);
        eg_audit_free(audit);
    }
    if (rc == EG_OK && demo) {
        int64_t units = 0;
        rc = eg_org_unit_count(db, &units);
        if (rc == EG_OK && units > 0) {
            printf("egov: the database already holds %lld org units; the demo province was not "
                   "loaded again\n",
                   (long long)units);
        } else if (rc == EG_OK) {
            size_t count = 0;
            struct eg_buf msg = EG_BUF_INIT(2048);
            rc = eg_cli_load_demo(db, &count, &msg);
            if (rc == EG_OK)
                printf("egov: loaded the demo province (%zu org units) - demo data, not "
                       "official\n",
                       count);
            else
                eg_cli_error("cannot load the demo province: %s",
                             msg.len ? msg.p : eg_strerror(rc));
            eg_buf_release(&msg);
        } else {
            eg_cli_error("cannot read the directory: %s", eg_strerror(rc));
        }
    }
    if (rc == EG_OK && demo)
        rc = load_catalogue(db);
    eg_db_close(db);
    return rc == EG_OK ? EG_EXIT_OK : EG_EXIT_FAIL;
}
