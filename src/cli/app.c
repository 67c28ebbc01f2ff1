/* app.c - subcommand dispatch and flag parsing. */
#include "cli.h"
#include "cli/cmd_audit.h"
#include "cli/cmd_ldap.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifndef EGOV_VERSION
#define EGOV_VERSION "0.0.0"
#endif

static const char usage[] =
    "egov - the provincial e-government platform\n"
    "\n"
    "usage: egov COMMAND [FLAGS]\n"
    "\n"
    "commands:\n"
    "  serve      start the HTTP server (migrates an older database first)\n"
    "  init       create the database and its schema; --demo loads the demo province and\n"
    "             its catalogue of procedures\n"
    "  migrate    apply the schema migrations this egov knows (idempotent)\n"
    "  user add --login LOGIN --kind citizen|business|staff [--personal-id N | --tax-code N]\n"
    "           [--name NAME] [--email EMAIL] [--role ROLE --org CODE] --password-stdin\n"
    "  user passwd --login LOGIN --password-stdin\n"
    "  user role --login LOGIN --role ROLE --org CODE [--revoke]\n"
    "  user disable|enable --login LOGIN\n"
    "  token create --login LOGIN [--scope 'read write admin'] [--ttl 90d] [--name-of-token N]\n"
    "             prints only the token on standard output\n"
    "  token revoke --id N\n"
    "  audit verify [--pubkey PATH] [--anchor PATH] | audit checkpoint | audit pubkey\n"
    "  ldap export            write the directory's units and staff to LDAP (ldap_* settings)\n"
    "  ldap test-bind --login LOGIN --password-stdin\n"
    "  procedures import --file PATH [--publish]   a catalogue JSON file, all or nothing\n"
    "  procedures export      the published catalogue as JSON on standard output\n"
    "  files gc [--grace 24h] [--dry-run]   remove stored files nothing refers to\n"
    "  files verify           re-hash every stored file; exit 1 if one is damaged or missing\n"
    "  calendar lunar YYYY-MM-DD [--json]       the lunar date (âm lịch) of a day\n"
    "  calendar due --from YYYY-MM-DDTHH:MM --days N [--pause FROM/UNTIL]... [--json]\n"
    "             the deadline of N working days for an intake at that local time\n"
    "  calendar holidays --year YYYY [--json]   holidays, compensatory and entered days\n"
    "  calendar add-day --date D --kind day_off|working_day --name NAME --document NUMBER\n"
    "           --document-date D    a day set by a deciding document (audited)\n"
    "  calendar remove-day --date D | calendar week [--weekdays 12345 --hours HH:MM-HH:MM,...]\n"
    "  version    print the version and the schema version\n"
    "  help       show this text\n"
    "\n"
    "flags (serve, init, migrate):\n"
    "  --db URL            sqlite:PATH or postgres://USER:PASS@HOST:PORT/DB\n"
    "                      (default sqlite:var/egov.db)\n"
    "  --config PATH       a file of 'key = value' lines (also EGOV_CONFIG)\n"
    "  --log-level LEVEL   debug, info, warn or error\n"
    "flags (serve):\n"
    "  --listen HOST:PORT  default 127.0.0.1:8080; [::1]:8080 for IPv6\n"
    "  --static-dir DIR    default web/static\n"
    "  --threads N         worker threads; 0 = one per core\n"
    "flags (init):\n"
    "  --demo              load the demo province and catalogue (clearly labelled demo data)\n"
    "\n"
    "Every setting can also come from the config file or an EGOV_<NAME> variable\n"
    "(EGOV_DB, EGOV_LISTEN, EGOV_MAX_BODY ...); flags win over the environment,\n"
    "the environment over the file. See docs/configuration.md.\n";

void
eg_cli_error(const char *fmt, ...)
{
    char line[2048];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof(line), fmt, ap);
    va_end(ap);
    line[strcspn(line, "\n")] = '\0';
    fprintf(stderr, "egov: %s\n", line);
}

enum { OPT_DB = 256, OPT_CONFIG, OPT_LOG, OPT_LISTEN, OPT_STATIC, OPT_THREADS, OPT_DEMO, OPT_HELP };

struct cmd {
    const char *name;
    bool db;     /* takes --db, --config, --log-level */
    bool server; /* takes --listen, --static-dir, --threads */
    bool demo;   /* takes --demo */
};

static const struct cmd cmds[] = {
    {"serve", true, true, false},    {"init", true, false, true},
    {"migrate", true, false, false}, {"version", false, false, false},
    {"help", false, false, false},
};

static const struct option all_opts[] = {
    {"db", required_argument, NULL, OPT_DB},
    {"config", required_argument, NULL, OPT_CONFIG},
    {"log-level", required_argument, NULL, OPT_LOG},
    {"listen", required_argument, NULL, OPT_LISTEN},
    {"static-dir", required_argument, NULL, OPT_STATIC},
    {"threads", required_argument, NULL, OPT_THREADS},
    {"demo", no_argument, NULL, OPT_DEMO},
    {"help", no_argument, NULL, OPT_HELP},
    {NULL, 0, NULL, 0},
};

static bool
allowed(const struct cmd *c, int opt)
{
    switch (opt) {
    case OPT_DB:
    case OPT_CONFIG:
    case OPT_LOG:
        return c->db;
    case OPT_LISTEN:
    case OPT_STATIC:
    case OPT_THREADS:
        return c->server;
    case OPT_DEMO:
        return c->demo;
    case OPT_HELP:
        return true;
    default:
        return false;
    }
}

static const char *
flag_key(int opt)
{
    switch (opt) {
    case OPT_DB:
        return "db";
    case OPT_LOG:
        return "log_level";
    case OPT_LISTEN:
        return "listen";
    case OPT_STATIC:
        return "static_dir";
    case OPT_THREADS:
        return "threads";
    default:
        return NULL;
    }
}

/* Settings in order: defaults, file, environment, flags. */
static int
configure(const struct cmd *c, int argc, char **argv, char **env, struct eg_config *cfg, bool *demo)
{
    eg_config_defaults(cfg);
    struct eg_buf msg = EG_BUF_INIT(2048);
    int code = EG_EXIT_OK;
    /* First pass: validate flags and find --config. */
    const char *config_path = NULL;
    for (char **e = env; e && *e; e++)
        if (strncmp(*e, "EGOV_CONFIG=", 12) == 0)
            config_path = *e + 12;
    opterr = 0;
    optind = 0;
    for (;;) {
        int opt = getopt_long(argc, argv, ":", all_opts, NULL);
        if (opt == -1)
            break;
        if (opt == '?' || opt == ':' || !allowed(c, opt)) {
            /* A known flag with its value was consumed: name the flag, not the value. */
            const char *arg = argv[optind - 1];
            char name[64];
            if (opt >= OPT_DB && opt <= OPT_HELP) {
                snprintf(name, sizeof(name), "--%s", all_opts[opt - OPT_DB].name);
                arg = name;
            }
            if (opt == ':')
                eg_cli_error("%s: the flag %s needs a value", c->name, arg);
            else
                eg_cli_error("%s: unknown flag %s (see 'egov help')", c->name, arg);
            return EG_EXIT_USAGE;
        }
        if (opt == OPT_HELP) {
            fputs(usage, stdout);
            return -1;
        }
        if (opt == OPT_CONFIG)
            config_path = optarg;
    }
    if (optind < argc) {
        eg_cli_error("%s: unexpected argument '%s' (see 'egov help')", c->name, argv[optind]);
        return EG_EXIT_USAGE;
    }
    if (config_path && eg_config_load_file(cfg, config_path, &msg) != EG_OK)
        code = EG_EXIT_USAGE;
    if (code == EG_EXIT_OK && eg_config_load_env(cfg, env, &msg) != EG_OK)
        code = EG_EXIT_USAGE;
    /* Second pass: the flags themselves. */
    optind = 0;
    while (code == EG_EXIT_OK) {
        int opt = getopt_long(argc, argv, ":", all_opts, NULL);
        if (opt == -1)
            break;
        if (opt == OPT_DEMO) {
            *demo = true;
            continue;
        }
        const char *key = flag_key(opt);
        if (!key)
            continue;
        char origin[64];
        snprintf(origin, sizeof(origin), "flag --%s", all_opts[opt - OPT_DB].name);
        if (eg_config_set(cfg, key, optarg, origin, &msg) != EG_OK)
            code = EG_EXIT_USAGE;
    }
    if (code != EG_EXIT_OK)
        eg_cli_error("%s", eg_buf_str(&msg));
    eg_buf_release(&msg);
    return code;
}

int
eg_cli_main(int argc, char **argv, char **env)
{
    if (argc < 2) {
        fputs(usage, stderr);
        return EG_EXIT_USAGE;
    }
    const char *name = argv[1];
    if (strcmp(name, "--help") == 0 || strcmp(name, "-h") == 0)
        name = "help";
    if (strcmp(name, "--version") == 0)
        name = "version";
    if (strcmp(name, "user") == 0 || strcmp(name, "token") == 0 || strcmp(name, "audit") == 0 ||
        strcmp(name, "ldap") == 0 || strcmp(name, "procedures") == 0 ||
        strcmp(name, "calendar") == 0 || strcmp(name, "files") == 0) {
        /* These parse their own flags after the defaults, the file and the environment. */
        struct eg_config cfg;
        struct eg_buf msg = EG_BUF_INIT(2048);
        eg_config_defaults(&cfg);
        const char *path = NULL;
        for (char **e = env; e && *e; e++)
            if (strncmp(*e, "EGOV_CONFIG=", 12) == 0)
                path = *e + 12;
        for (int i = 2; i + 1 < argc; i++)
            if (strcmp(argv[i], "--config") == 0)
                path = argv[i + 1];
        if ((path && eg_config_load_file(&cfg, path, &msg) != EG_OK) ||
            eg_config_load_env(&cfg, env, &msg) != EG_OK) {
            eg_cli_error("%s", eg_buf_str(&msg));
            eg_buf_release(&msg);
            return EG_EXIT_USAGE;
        }
        eg_buf_release(&msg);
        if (strcmp(name, "procedures") == 0) {
            eg_log_setup(cfg.log_level, 2);
            return eg_cmd_procedures(&cfg, argc - 2, argv + 2);
        }
        if (strcmp(name, "files") == 0) {
            eg_log_setup(cfg.log_level, 2);
            return eg_cmd_files(&cfg, argc - 2, argv + 2);
        }
        if (strcmp(name, "calendar") == 0) {
            eg_log_setup(cfg.log_level, 2);
            return eg_cmd_calendar(&cfg, argc - 2, argv + 2);
        }
        if (strcmp(name, "audit") == 0 || strcmp(name, "ldap") == 0) {
            if (argc < 3) {
                eg_cli_error("%s: which action? (see 'egov help')", name);
                return EG_EXIT_USAGE;
            }
            eg_log_setup(cfg.log_level, 2);
            if (strcmp(name, "ldap") == 0)
                return eg_cmd_ldap(&cfg, argc - 2, argv + 2);
            return eg_cmd_audit(&cfg, argc - 2, argv + 2);
        }
        return eg_cmd_user(&cfg, name, argc - 2, argv + 2);
    }
    const struct cmd *c = NULL;
    for (size_t i = 0; i < EG_ARRAY_LEN(cmds); i++)
        if (strcmp(cmds[i].name, name) == 0)
            c = &cmds[i];
    if (!c) {
        eg_cli_error("unknown command '%s' (see 'egov help')", argv[1]);
        return EG_EXIT_USAGE;
    }
    struct eg_config cfg;
    bool demo = false;
    int code = configure(c, argc - 1, argv + 1, env, &cfg, &demo);
    if (code == -1)
        return EG_EXIT_OK;
    if (code != EG_EXIT_OK)
        return code;
    if (strcmp(c->name, "help") == 0) {
        fputs(usage, stdout);
        return EG_EXIT_OK;
    }
    if (strcmp(c->name, "version") == 0) {
        printf("egov %s (schema %d)\n", EGOV_VERSION, eg_db_schema_latest());
        return EG_EXIT_OK;
    }
    /* Log lines go to stderr as JSON; people-facing messages use eg_cli_error(). */
    eg_log_setup(cfg.log_level, 2);
    if (strcmp(c->name, "serve") == 0)
        return eg_cmd_serve(&cfg);
    if (strcmp(c->name, "init") == 0)
        return eg_cmd_init(&cfg, demo);
    return eg_cmd_migrate(&cfg);
}
