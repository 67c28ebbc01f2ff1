/*
 * cmd_ldap.c - egov ldap export and egov ldap test-bind: the operator's side of the
 * directory's LDAP link (docs/ldap.md).
 *
 * export writes the directory to LDAP as the service account and appends one audit
 * entry with what it did. test-bind checks a login and password the way sign-in
 * will, so an operator can try the settings before staff depend on them; the
 * password comes only on standard input, never on the command line.
 */
#include "cli.h"
#include "cmd_ldap.h"

#include "audit/audit.h"

#include <getopt.h>
#include <pwd.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#define PASSWORD_MAX 1024

enum { L_LOGIN = 400, L_PWSTDIN, L_DB, L_CONFIG, L_LOG };

static const struct option opts[] = {
    {"login", required_argument, NULL, L_LOGIN},   {"password-stdin", no_argument, NULL, L_PWSTDIN},
    {"db", required_argument, NULL, L_DB},         {"config", required_argument, NULL, L_CONFIG},
    {"log-level", required_argument, NULL, L_LOG}, {NULL, 0, NULL, 0},
};

struct ldap_args {
    const char *action;
    const char *login;
    bool password_stdin;
};

static bool
takes(const char *action, int o)
{
    if (o == L_CONFIG || o == L_LOG)
        return true;
    if (strcmp(action, "export") == 0)
        return o == L_DB;
    return o == L_LOGIN || o == L_PWSTDIN;
}

static int
parse(int argc, char **argv, struct eg_config *cfg, struct ldap_args *a)
{
    memset(a, 0, sizeof(*a));
    a->action = argv[0];
    if (strcmp(a->action, "export") != 0 && strcmp(a->action, "test-bind") != 0) {
        eg_cli_error("ldap: unknown action '%s' (export or test-bind)", a->action);
        return EG_EXIT_USAGE;
    }
    struct eg_buf msg = EG_BUF_INIT(2048);
    int code = EG_EXIT_OK;
    opterr = 0;
    optind = 0;
    while (code == EG_EXIT_OK) {
        int o = getopt_long(argc, argv, ":", opts, NULL);
        if (o == -1)
            break;
        if (o == '?' || o == ':' || !takes(a->action, o)) {
            const char *name = o >= L_LOGIN && o <= L_LOG ? opts[o - L_LOGIN].name : NULL;
            if (o == ':')
                eg_cli_error("ldap %s: the flag %s needs a value", a->action, argv[optind - 1]);
            else if (name)
                eg_cli_error("ldap %s: --%s is not a flag of this command", a->action, name);
            else
                eg_cli_error("ldap %s: unknown flag %s (see 'egov help')", a->action,
                             argv[optind - 1]);
            code = EG_EXIT_USAGE;
            break;
        }
        enum eg_err rc = EG_OK;
        if (o == L_LOGIN)
            a->login = optarg;
        else if (o == L_PWSTDIN)
            a->password_stdin = true;
        else if (o == L_CONFIG)
            rc = eg_config_load_file(cfg, optarg, &msg);
        else
            rc = eg_config_set(cfg, o == L_DB ? "db" : "log_level", optarg, "flag", &msg);
        if (rc != EG_OK) {
            eg_cli_error("%s", eg_buf_str(&msg));
            code = EG_EXIT_USAGE;
        }
    }
    if (code == EG_EXIT_OK && optind < argc) {
        eg_cli_error("ldap %s: unexpected argument '%s'", a->action, argv[optind]);
        code = EG_EXIT_USAGE;
    }
    eg_buf_release(&msg);
    return code;
}

/* The first line of standard input, without its line end; false if there is none. */
static bool
read_password(char *line, size_t cap)
{
    if (!fgets(line, (int)cap, stdin))
        return false;
    size_t n = strcspn(line, "\r\n");
    if (line[n] == '\0' && n == cap - 1)
        return false; /* longer than any password we take */
    line[n] = '\0';
    return true;
}

static int
test_bind(const struct eg_ldap_config *c, const struct ldap_args *a)
{
    if (!a->login || !a->password_stdin) {
        eg_cli_error("ldap test-bind: give --login LOGIN and the password on standard input "
                     "with --password-stdin");
        return EG_EXIT_USAGE;
    }
    struct eg_buf msg = EG_BUF_INIT(2048);
    if (eg_ldap_config_check(c, false, &msg) != EG_OK) {
        eg_cli_error("ldap test-bind: %s", eg_buf_str(&msg));
        eg_buf_release(&msg);
        return EG_EXIT_USAGE;
    }
    char pw[PASSWORD_MAX + 2];
    if (!read_password(pw, sizeof(pw))) {
        eg_cli_error("ldap test-bind: no password (of at most %d bytes) on standard input",
                     PASSWORD_MAX);
        eg_buf_release(&msg);
        return EG_EXIT_FAIL;
    }
    struct eg_ldap_person p;
    enum eg_err rc = eg_ldap_authenticate(c, a->login, pw, &p, &msg);
    explicit_bzero(pw, sizeof(pw));
    int code = EG_EXIT_FAIL;
    if (rc == EG_OK) {
        printf("ok: %s\n", p.dn);
        printf("cn: %s\n", p.cn ? p.cn : "-");
        printf("displayName: %s\n", p.display_name ? p.display_name : "-");
        printf("mail: %s\n", p.mail ? p.mail : "-");
        code = EG_EXIT_OK;
    } else if (rc == EG_EFORBIDDEN) {
        eg_cli_error("ldap test-bind: refused: %s", eg_buf_str(&msg));
    } else {
        eg_cli_error("ldap test-bind: %s: %s", eg_strerror(rc), eg_buf_str(&msg));
    }
    eg_ldap_person_release(&p);
    eg_buf_release(&msg);
    return code;
}

/* One audit entry for the export, whatever its outcome. */
static void
audit_export(struct eg_db *db, const struct eg_ldap_config *c,
             const struct eg_ldap_export_report *r, enum eg_err rc)
{
    const struct passwd *pw = getpwuid(getuid());
    char actor[96], object[EG_AUDIT_OBJECT_MAX + 1], detail[256];
    snprintf(actor, sizeof(actor), "operator:%.64s", pw && pw->pw_name ? pw->pw_name : "unknown");
    snprintf(object, sizeof(object), "ldap:%.200s", c->export_base);
    snprintf(detail, sizeof(detail),
             "{\"added\":%zu,\"modified\":%zu,\"deleted\":%zu,\"unchanged\":%zu%s%s%s}", r->added,
             r->modified, r->deleted, r->unchanged, rc == EG_OK ? "" : ",\"error\":\"",
             rc == EG_OK ? "" : eg_err_code(rc), rc == EG_OK ? "" : "\"");
    struct eg_audit_event ev = {
        .actor = actor,
        .action = "ldap.export",
        .object = object,
        .outcome = rc == EG_OK ? EG_AUDIT_SUCCESS : EG_AUDIT_FAILURE,
        .detail = detail,
    };
    struct eg_tx *tx = NULL;
    enum eg_err arc = eg_db_begin(db, EG_TX_WRITE, &tx);
    if (arc == EG_OK)
        arc = eg_audit_append(tx, &ev, eg_clock_now_ms(&eg_clock_system));
    if (arc == EG_OK)
        arc = eg_tx_commit(tx);
    else
        eg_tx_rollback(tx);
    if (arc != EG_OK)
        eg_cli_error("ldap export: could not write the audit entry: %s", eg_strerror(arc));
}

static int
run_export(struct eg_config *cfg, const struct eg_ldap_config *c)
{
    struct eg_buf msg = EG_BUF_INIT(4096);
    if (eg_ldap_config_check(c, true, &msg) != EG_OK) {
        eg_cli_error("ldap export: %s", eg_buf_str(&msg));
        eg_buf_release(&msg);
        return EG_EXIT_USAGE;
    }
    struct eg_db *db = NULL;
    if (eg_cli_open_db(cfg, &db) != EG_OK) {
        eg_buf_release(&msg);
        return EG_EXIT_FAIL;
    }
    int v = 0;
    if (eg_db_schema_version(db, &v) != EG_OK || v != eg_db_schema_latest()) {
        eg_cli_error("the database is not at schema version %d: run 'egov migrate' first",
                     eg_db_schema_latest());
        eg_db_close(db);
        eg_buf_release(&msg);
        return EG_EXIT_FAIL;
    }
    struct eg_ldap_export_report r;
    enum eg_err rc = eg_ldap_export(c, db, &r, &msg);
    printf("ldap export: %zu added, %zu modified, %zu deleted, %zu unchanged\n", r.added,
           r.modified, r.deleted, r.unchanged);
    if (rc != EG_OK)
        eg_cli_error("ldap export: %s: %s", eg_strerror(rc), eg_buf_str(&msg));
    audit_export(db, c, &r, rc);
    eg_db_close(db);
    eg_buf_release(&msg);
    return rc == EG_OK ? EG_EXIT_OK : rc == EG_EINVAL ? EG_EXIT_USAGE : EG_EXIT_FAIL;
}

int
eg_cmd_ldap_run(struct eg_config *cfg, const struct eg_ldap_config *ldap, int argc, char **argv)
{
    if (argc < 1) {
        eg_cli_error("ldap: which action? export or test-bind");
        return EG_EXIT_USAGE;
    }
    struct ldap_args a;
    int code = parse(argc, argv, cfg, &a);
    if (code != EG_EXIT_OK)
        return code;
    if (!eg_ldap_enabled(ldap)) {
        eg_cli_error("ldap %s: LDAP is not configured (set ldap_url; see docs/ldap.md)", a.action);
        return EG_EXIT_USAGE;
    }
    return strcmp(a.action, "export") == 0 ? run_export(cfg, ldap) : test_bind(ldap, &a);
}

int
eg_cmd_ldap(struct eg_config *cfg, int argc, char **argv)
{
#ifdef EG_CONFIG_HAS_LDAP
    return eg_cmd_ldap_run(cfg, &cfg->ldap, argc, argv);
#else
    (void)cfg;
    (void)argc;
    (void)argv;
    eg_cli_error("ldap: this build's configuration has no LDAP settings yet (EG_CONFIG_HAS_LDAP)");
    return EG_EXIT_USAGE;
#endif
}
