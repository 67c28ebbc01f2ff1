/*
 * cmd_user.c - egov user add|passwd|role|disable|enable and egov token create|revoke:
 * what the province's operators do from the server's shell.
 *
 * Passwords only ever come on standard input (--password-stdin), never on the
 * command line where `ps` and shell history would keep them. A new token is
 * the only thing printed on standard output, so scripts can capture it.
 */
#include "cli.h"

#include "access/access.h"
#include "audit/audit.h"
#include "directory/directory.h"
#include "identity/identity.h"

#include <getopt.h>
#include <pwd.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct user_args {
    const char *login, *kind, *personal_id, *tax_code, *name, *email, *role, *org, *scope, *ttl,
        *token_name, *id;
    bool password_stdin, revoke;
};

enum {
    U_LOGIN = 300,
    U_KIND,
    U_PID,
    U_TAX,
    U_NAME,
    U_EMAIL,
    U_ROLE,
    U_ORG,
    U_PWSTDIN,
    U_REVOKE,
    U_SCOPE,
    U_TTL,
    U_TOKEN_NAME,
    U_ID,
    U_DB,
    U_CONFIG,
    U_LOG
};

static const struct option opts[] = {
    {"login", required_argument, NULL, U_LOGIN},
    {"kind", required_argument, NULL, U_KIND},
    {"personal-id", required_argument, NULL, U_PID},
    {"tax-code", required_argument, NULL, U_TAX},
    {"name", required_argument, NULL, U_NAME},
    {"email", required_argument, NULL, U_EMAIL},
    {"role", required_argument, NULL, U_ROLE},
    {"org", required_argument, NULL, U_ORG},
    {"password-stdin", no_argument, NULL, U_PWSTDIN},
    {"revoke", no_argument, NULL, U_REVOKE},
    {"scope", required_argument, NULL, U_SCOPE},
    {"ttl", required_argument, NULL, U_TTL},
    {"name-of-token", required_argument, NULL, U_TOKEN_NAME},
    {"id", required_argument, NULL, U_ID},
    {"db", required_argument, NULL, U_DB},
    {"config", required_argument, NULL, U_CONFIG},
    {"log-level", required_argument, NULL, U_LOG},
    {NULL, 0, NULL, 0},
};

/* Which flags each action takes (besides --db, --config, --log-level). */
static const struct {
    const char *cmd, *action;
    int flags[8];
} allowed[] = {
    {"user", "add", {U_LOGIN, U_KIND, U_PID, U_TAX, U_NAME, U_EMAIL, U_ROLE, U_ORG}},
    {"user", "passwd", {U_LOGIN, U_PWSTDIN}},
    {"user", "role", {U_LOGIN, U_ROLE, U_ORG, U_REVOKE}},
    {"user", "disable", {U_LOGIN}},
    {"user", "enable", {U_LOGIN}},
    {"token", "create", {U_LOGIN, U_SCOPE, U_TTL, U_TOKEN_NAME}},
    {"token", "revoke", {U_ID}},
};

static bool
takes(const char *cmd, const char *action, int flag)
{
    if (flag == U_DB || flag == U_CONFIG || flag == U_LOG)
        return true;
    if (flag == U_PWSTDIN && strcmp(action, "add") == 0)
        return true;
    for (size_t i = 0; i < EG_ARRAY_LEN(allowed); i++)
        if (strcmp(allowed[i].cmd, cmd) == 0 && strcmp(allowed[i].action, action) == 0)
            for (int j = 0; j < 8; j++)
                if (allowed[i].flags[j] == flag)
                    return true;
    return false;
}

static const char *
operator_actor(char *buf, size_t n)
{
    const struct passwd *pw = getpwuid(getuid());
    snprintf(buf, n, "operator:%s", pw && pw->pw_name ? pw->pw_name : "unknown");
    return buf;
}

/* The first line of standard input, without its newline; NULL on failure. */
static char *
read_password(void)
{
    static char line[4 * EG_PASSWORD_MAX + 2];
    if (!fgets(line, sizeof(line), stdin))
        return NULL;
    size_t n = strcspn(line, "\r\n");
    if (line[n] == '\0' && n == sizeof(line) - 1)
        return NULL; /* longer than any allowed password */
    line[n] = '\0';
    return line;
}

static int
parse(const char *cmd, int argc, char **argv, struct eg_config *cfg, struct user_args *a)
{
    memset(a, 0, sizeof(*a));
    struct eg_buf msg = EG_BUF_INIT(1024);
    const char *action = argv[0];
    opterr = 0;
    optind = 0;
    for (;;) {
        int o = getopt_long(argc, argv, ":", opts, NULL);
        if (o == -1)
            break;
        if (o == '?' || o == ':' || !takes(cmd, action, o)) {
            const char *name = o >= U_LOGIN && o <= U_LOG ? opts[o - U_LOGIN].name : NULL;
            if (o == ':')
                eg_cli_error("%s %s: the flag %s needs a value", cmd, action, argv[optind - 1]);
            else if (name)
                eg_cli_error("%s %s: --%s is not a flag of this command", cmd, action, name);
            else
                eg_cli_error("%s %s: unknown flag %s (see 'egov help')", cmd, action,
                             argv[optind - 1]);
            eg_buf_release(&msg);
            return EG_EXIT_USAGE;
        }
        const char *v = optarg;
        switch (o) {
        case U_LOGIN:
            a->login = v;
            break;
        case U_KIND:
            a->kind = v;
            break;
        case U_PID:
            a->personal_id = v;
            break;
        case U_TAX:
            a->tax_code = v;
            break;
        case U_NAME:
            a->name = v;
            break;
        case U_EMAIL:
            a->email = v;
            break;
        case U_ROLE:
            a->role = v;
            break;
        case U_ORG:
            a->org = v;
            break;
        case U_PWSTDIN:
            a->password_stdin = true;
            break;
        case U_REVOKE:
            a->revoke = true;
            break;
        case U_SCOPE:
            a->scope = v;
            break;
        case U_TTL:
            a->ttl = v;
            break;
        case U_TOKEN_NAME:
            a->token_name = v;
            break;
        case U_ID:
            a->id = v;
            break;
        default: {
            const char *key = o == U_DB ? "db" : o == U_LOG ? "log_level" : NULL;
            enum eg_err rc = EG_OK;
            if (o == U_CONFIG)
                rc = eg_config_load_file(cfg, v, &msg);
            else if (key)
                rc = eg_config_set(cfg, key, v, "flag", &msg);
            if (rc != EG_OK) {
                eg_cli_error("%s", eg_buf_str(&msg));
                eg_buf_release(&msg);
                return EG_EXIT_USAGE;
            }
        }
        }
    }
    eg_buf_release(&msg);
    if (optind < argc) {
        eg_cli_error("%s %s: unexpected argument '%s'", cmd, action, argv[optind]);
        return EG_EXIT_USAGE;
    }
    return EG_EXIT_OK;
}

struct ctx {
    struct eg_db *db;
    struct eg_audit *audit;
    struct eg_identity *identity;
};

static int
open_ctx(struct eg_config *cfg, struct ctx *x)
{
    memset(x, 0, sizeof(*x));
    if (eg_cli_open_db(cfg, &x->db) != EG_OK)
        return EG_EXIT_FAIL;
    int v = 0;
    if (eg_db_schema_version(x->db, &v) != EG_OK || v != eg_db_schema_latest()) {
        eg_cli_error("the database is not at schema version %d: run 'egov migrate' first",
                     eg_db_schema_latest());
        return EG_EXIT_FAIL;
    }
    return eg_cli_open_services(cfg, x->db, &x->audit, &x->identity) == EG_OK ? EG_EXIT_OK
                                                                              : EG_EXIT_FAIL;
}

static void
close_ctx(struct ctx *x)
{
    /* Sign what the operator just did, so `egov audit verify` covers it at once. */
    if (x->audit && x->db) {
        struct eg_audit_head head;
        struct eg_buf msg = EG_BUF_INIT(1024);
        if (eg_audit_checkpoint(x->audit, x->db, eg_clock_now_ms(&eg_clock_system), &head, &msg) !=
            EG_OK)
            eg_cli_error("could not sign an audit checkpoint: %s", eg_buf_str(&msg));
        eg_buf_release(&msg);
    }
    eg_identity_close(x->identity);
    eg_audit_free(x->audit);
    eg_db_close(x->db);
}

static int
require(const char *cmd, const char *action, const char *flag, const void *v)
{
    if (v)
        return EG_EXIT_OK;
    eg_cli_error("%s %s: %s is required", cmd, action, flag);
    return EG_EXIT_USAGE;
}

/* Runs the work in one write transaction; prints msg or the error on failure. */
static int
finish(struct eg_tx *tx, enum eg_err rc, struct eg_buf *msg, const char *what)
{
    if (rc == EG_OK)
        rc = eg_tx_commit(tx);
    else
        eg_tx_rollback(tx);
    if (rc != EG_OK)
        eg_cli_error("%s: %s", what, msg && msg->len ? msg->p : eg_strerror(rc));
    return rc == EG_OK ? EG_EXIT_OK : EG_EXIT_FAIL;
}

static int
user_add(struct ctx *x, const struct user_args *a)
{
    enum eg_account_kind kind;
    if (require("user", "add", "--kind", a->kind) || require("user", "add", "--login", a->login))
        return EG_EXIT_USAGE;
    if (eg_account_kind_parse(a->kind, &kind) != EG_OK) {
        eg_cli_error("user add: --kind must be citizen, business or staff");
        return EG_EXIT_USAGE;
    }
    if ((a->role != NULL) != (a->org != NULL)) {
        eg_cli_error("user add: --role and --org go together");
        return EG_EXIT_USAGE;
    }
    if (!a->password_stdin) {
        eg_cli_error("user add: give the password on standard input with --password-stdin");
        return EG_EXIT_USAGE;
    }
    char *pw = read_password();
    struct eg_buf msg = EG_BUF_INIT(1024);
    char hash[crypto_pwhash_STRBYTES];
    if (!pw || eg_password_check(x->identity, pw, &msg) != EG_OK) {
        eg_cli_error("user add: %s", msg.len ? msg.p : "no password on standard input");
        eg_buf_release(&msg);
        return EG_EXIT_FAIL;
    }
    enum eg_err rc = eg_password_hash(pw, hash, sizeof(hash));
    sodium_memzero(pw, strlen(pw));
    struct eg_account_new n = {
        .kind = kind,
        .login = a->login,
        .personal_id = a->personal_id,
        .tax_code = a->tax_code,
        .name = a->name ? a->name : a->login,
        .email = a->email,
        .password_hash = hash,
        .active = true,
    };
    char actor[64];
    operator_actor(actor, sizeof(actor));
    int64_t now = eg_clock_now_ms(&eg_clock_system), id = 0, grant = 0, unit = 0;
    struct eg_tx *tx = NULL;
    if (rc == EG_OK)
        rc = eg_db_begin(x->db, EG_TX_WRITE, &tx);
    if (rc != EG_OK) {
        eg_cli_error("user add: %s", eg_strerror(rc));
        eg_buf_release(&msg);
        return EG_EXIT_FAIL;
    }
    rc = eg_account_create(x->identity, tx, &n, actor, now, &id, &msg);
    enum eg_role role;
    if (rc == EG_OK && a->role && eg_role_parse(a->role, &role) != EG_OK) {
        rc = EG_EINVAL;
        eg_buf_reset(&msg);
        if (eg_buf_adds(&msg, "unknown --role (desk_officer, specialist, department_head, "
                              "agency_leader, clerk, agency_admin, province_admin)") != EG_OK)
            eg_buf_reset(&msg);
    }
    if (rc == EG_OK && a->org && eg_org_unit_id(tx, a->org, &unit) != EG_OK) {
        rc = EG_EINVAL;
        eg_buf_reset(&msg);
        if (eg_buf_printf(&msg, "no org unit with the code %s", a->org) != EG_OK)
            eg_buf_reset(&msg);
    }
    if (rc == EG_OK && a->role)
        rc = eg_role_grant_operator(tx, actor, id, role, unit, now, &grant, &msg);
    sodium_memzero(hash, sizeof(hash));
    int code = finish(tx, rc, &msg, "user add");
    if (code == EG_EXIT_OK)
        fprintf(stderr, "egov: created account %lld (%s %s)\n", (long long)id, a->kind, a->login);
    eg_buf_release(&msg);
    return code;
}

static int
find(struct ctx *x, const char *login, int64_t *id)
{
    struct eg_tx *tx;
    enum eg_err rc = eg_db_begin(x->db, EG_TX_READ, &tx);
    if (rc == EG_OK) {
        rc = eg_account_find(x->identity, tx, login, id);
        eg_tx_rollback(tx);
    }
    if (rc == EG_ENOTFOUND)
        eg_cli_error("no account signs in as %s", login);
    else if (rc != EG_OK)
        eg_cli_error("cannot look up %s: %s", login, eg_strerror(rc));
    return rc == EG_OK ? EG_EXIT_OK : EG_EXIT_FAIL;
}

static int
user_passwd(struct ctx *x, const struct user_args *a)
{
    int64_t id;
    if (require("user", "passwd", "--login", a->login))
        return EG_EXIT_USAGE;
    if (!a->password_stdin) {
        eg_cli_error("user passwd: give the password on standard input with --password-stdin");
        return EG_EXIT_USAGE;
    }
    if (find(x, a->login, &id) != EG_EXIT_OK)
        return EG_EXIT_FAIL;
    char *pw = read_password();
    struct eg_buf msg = EG_BUF_INIT(1024);
    char hash[crypto_pwhash_STRBYTES];
    if (!pw || eg_password_check(x->identity, pw, &msg) != EG_OK) {
        eg_cli_error("user passwd: %s", msg.len ? msg.p : "no password on standard input");
        eg_buf_release(&msg);
        return EG_EXIT_FAIL;
    }
    enum eg_err rc = eg_password_hash(pw, hash, sizeof(hash));
    sodium_memzero(pw, strlen(pw));
    struct eg_tx *tx = NULL;
    char actor[64];
    if (rc == EG_OK)
        rc = eg_db_begin(x->db, EG_TX_WRITE, &tx);
    if (rc == EG_OK)
        rc = eg_account_set_password(tx, id, hash, operator_actor(actor, sizeof(actor)),
                                     eg_clock_now_ms(&eg_clock_system));
    sodium_memzero(hash, sizeof(hash));
    int code = tx ? finish(tx, rc, &msg, "user passwd") : EG_EXIT_FAIL;
    eg_buf_release(&msg);
    return code;
}

static int
user_role(struct ctx *x, const struct user_args *a)
{
    int64_t id, unit = 0, grant = 0;
    enum eg_role role;
    if (require("user", "role", "--login", a->login) ||
        require("user", "role", "--role", a->role) || require("user", "role", "--org", a->org))
        return EG_EXIT_USAGE;
    if (eg_role_parse(a->role, &role) != EG_OK) {
        eg_cli_error("user role: unknown --role %s", a->role);
        return EG_EXIT_USAGE;
    }
    if (find(x, a->login, &id) != EG_EXIT_OK)
        return EG_EXIT_FAIL;
    struct eg_buf msg = EG_BUF_INIT(1024);
    struct eg_tx *tx;
    char actor[64];
    int64_t now = eg_clock_now_ms(&eg_clock_system);
    enum eg_err rc = eg_db_begin(x->db, EG_TX_WRITE, &tx);
    if (rc != EG_OK) {
        eg_cli_error("user role: %s", eg_strerror(rc));
        return EG_EXIT_FAIL;
    }
    rc = eg_org_unit_id(tx, a->org, &unit);
    if (rc == EG_ENOTFOUND && eg_buf_printf(&msg, "no org unit with the code %s", a->org) != EG_OK)
        eg_buf_reset(&msg);
    if (rc == EG_OK && !a->revoke)
        rc = eg_role_grant_operator(tx, operator_actor(actor, sizeof(actor)), id, role, unit, now,
                                    &grant, &msg);
    if (rc == EG_OK && a->revoke)
        rc = eg_role_revoke_operator(tx, operator_actor(actor, sizeof(actor)), id, role, unit, now,
                                     &msg);
    int code = finish(tx, rc, &msg, "user role");
    eg_buf_release(&msg);
    return code;
}

static int
user_status(struct ctx *x, const struct user_args *a, const char *status)
{
    int64_t id;
    if (require("user", status, "--login", a->login))
        return EG_EXIT_USAGE;
    if (find(x, a->login, &id) != EG_EXIT_OK)
        return EG_EXIT_FAIL;
    struct eg_tx *tx;
    char actor[64];
    enum eg_err rc = eg_db_begin(x->db, EG_TX_WRITE, &tx);
    if (rc != EG_OK) {
        eg_cli_error("user: %s", eg_strerror(rc));
        return EG_EXIT_FAIL;
    }
    rc = eg_account_set_status(tx, id, status, operator_actor(actor, sizeof(actor)),
                               eg_clock_now_ms(&eg_clock_system));
    return finish(tx, rc, NULL, "user");
}

static int
token_create(struct ctx *x, const struct user_args *a)
{
    int64_t id, token_id = 0;
    if (require("token", "create", "--login", a->login))
        return EG_EXIT_USAGE;
    const char *scopes = a->scope ? a->scope : "read";
    struct eg_buf msg = EG_BUF_INIT(256);
    if (eg_scopes_check(scopes, &msg) != EG_OK) {
        eg_cli_error("token create: %s", eg_buf_str(&msg));
        eg_buf_release(&msg);
        return EG_EXIT_USAGE;
    }
    long long ttl = 90LL * 24 * 3600 * 1000;
    if (a->ttl) {
        /* "90d" as well as the usual durations. */
        size_t n = strlen(a->ttl);
        long long days;
        char tmp[32];
        if (n > 1 && n < sizeof(tmp) && a->ttl[n - 1] == 'd') {
            memcpy(tmp, a->ttl, n - 1);
            tmp[n - 1] = '\0';
            if (eg_parse_i64(tmp, 1, 366, &days) == EG_OK)
                ttl = days * 24 * 3600 * 1000;
            else
                ttl = -1;
        } else if (eg_parse_duration_ms(a->ttl, &ttl) != EG_OK) {
            ttl = -1;
        }
        if (ttl < 3600LL * 1000 || ttl > 366LL * 24 * 3600 * 1000) {
            eg_cli_error("token create: --ttl must be between 1h and 366d (e.g. 90d, 12h)");
            eg_buf_release(&msg);
            return EG_EXIT_USAGE;
        }
    }
    if (find(x, a->login, &id) != EG_EXIT_OK) {
        eg_buf_release(&msg);
        return EG_EXIT_FAIL;
    }
    char token[64], actor[64];
    struct eg_tx *tx;
    enum eg_err rc = eg_db_begin(x->db, EG_TX_WRITE, &tx);
    if (rc == EG_OK)
        rc =
            eg_api_token_create(tx, id, a->token_name ? a->token_name : "cli", scopes, ttl,
                                operator_actor(actor, sizeof(actor)),
                                eg_clock_now_ms(&eg_clock_system), &token_id, token, sizeof(token));
    int code = rc == EG_OK || tx ? finish(tx, rc, &msg, "token create") : EG_EXIT_FAIL;
    if (code == EG_EXIT_OK) {
        printf("%s\n", token);
        fprintf(stderr, "egov: token %lld created for %s (%s); it is shown only now\n",
                (long long)token_id, a->login, scopes);
    }
    sodium_memzero(token, sizeof(token));
    eg_buf_release(&msg);
    return code;
}

static int
token_revoke(struct ctx *x, const struct user_args *a)
{
    long long id;
    if (require("token", "revoke", "--id", a->id))
        return EG_EXIT_USAGE;
    if (eg_parse_i64(a->id, 1, INT64_MAX, &id) != EG_OK) {
        eg_cli_error("token revoke: --id must be a token number");
        return EG_EXIT_USAGE;
    }
    struct eg_tx *tx;
    char actor[64];
    enum eg_err rc = eg_db_begin(x->db, EG_TX_WRITE, &tx);
    if (rc != EG_OK) {
        eg_cli_error("token revoke: %s", eg_strerror(rc));
        return EG_EXIT_FAIL;
    }
    rc = eg_api_token_revoke(tx, 0, id, operator_actor(actor, sizeof(actor)),
                             eg_clock_now_ms(&eg_clock_system));
    if (rc == EG_ENOTFOUND) {
        eg_tx_rollback(tx);
        eg_cli_error("token revoke: no live token %lld", id);
        return EG_EXIT_FAIL;
    }
    return finish(tx, rc, NULL, "token revoke");
}

int
eg_cmd_user(struct eg_config *cfg, const char *cmd, int argc, char **argv)
{
    if (argc < 1) {
        eg_cli_error("%s: which action? (see 'egov help')", cmd);
        return EG_EXIT_USAGE;
    }
    const char *action = argv[0];
    bool known = false;
    for (size_t i = 0; i < EG_ARRAY_LEN(allowed); i++)
        known =
            known || (strcmp(allowed[i].cmd, cmd) == 0 && strcmp(allowed[i].action, action) == 0);
    if (!known) {
        eg_cli_error("%s: unknown action '%s' (see 'egov help')", cmd, action);
        return EG_EXIT_USAGE;
    }
    struct user_args a;
    int code = parse(cmd, argc, argv, cfg, &a);
    if (code != EG_EXIT_OK)
        return code;
    eg_log_setup(cfg->log_level, 2);
    struct ctx x;
    code = open_ctx(cfg, &x);
    if (code == EG_EXIT_OK) {
        if (strcmp(action, "add") == 0)
            code = user_add(&x, &a);
        else if (strcmp(action, "passwd") == 0)
            code = user_passwd(&x, &a);
        else if (strcmp(action, "role") == 0)
            code = user_role(&x, &a);
        else if (strcmp(action, "disable") == 0 || strcmp(action, "enable") == 0)
            code = user_status(&x, &a, strcmp(action, "disable") == 0 ? "disabled" : "active");
        else if (strcmp(action, "create") == 0)
            code = token_create(&x, &a);
        else
            code = token_revoke(&x, &a);
    }
    close_ctx(&x);
    return code;
}
