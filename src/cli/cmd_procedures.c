/*
 * cmd_procedures.c - egov procedures import | export: the catalogue as a JSON
 * file, for the operators who receive it from the province's office or move it
 * between installations (docs/procedures.md).
 *
 *   egov procedures import --file PATH [--publish] [--db URL] [--config PATH]
 *   egov procedures export [--db URL] [--config PATH]      (to standard output)
 *
 * The import is all or nothing and audited as the operator's action.
 */
#include "cli.h"

#include "audit/audit.h"
#include "procedures/procedures.h"

#include <errno.h>
#include <getopt.h>
#include <pwd.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#define CATALOGUE_MAX ((size_t)64 * 1024 * 1024)

static const char usage[] =
    "usage: egov procedures import --file PATH [--publish] [--db URL] [--config PATH]\n"
    "       egov procedures export [--db URL] [--config PATH]\n"
    "The file is a catalogue {\"fields\":[...],\"procedures\":[...]} as export writes it\n"
    "(docs/procedures.md). Import stores every procedure as a new version, all or nothing;\n"
    "--publish makes the new versions current at once.\n";

enum { OPT_DB = 256, OPT_CONFIG, OPT_FILE, OPT_PUBLISH, OPT_HELP };

static const struct option opts[] = {
    {"db", required_argument, NULL, OPT_DB},     {"config", required_argument, NULL, OPT_CONFIG},
    {"file", required_argument, NULL, OPT_FILE}, {"publish", no_argument, NULL, OPT_PUBLISH},
    {"help", no_argument, NULL, OPT_HELP},       {NULL, 0, NULL, 0},
};

struct args {
    const char *file;
    bool publish;
};

/* EG_EXIT_OK, EG_EXIT_USAGE, or -1 after --help. */
static int
parse(const char *action, struct eg_config *cfg, int argc, char **argv, struct args *a)
{
    struct eg_buf msg = EG_BUF_INIT(1024);
    bool import = strcmp(action, "import") == 0;
    int code = EG_EXIT_OK;
    opterr = 0;
    optind = 0;
    while (code == EG_EXIT_OK) {
        int opt = getopt_long(argc, argv, ":", opts, NULL);
        if (opt == -1)
            break;
        if (opt == OPT_HELP) {
            fputs(usage, stdout);
            code = -1;
        } else if (opt == OPT_DB) {
            if (eg_config_set(cfg, "db", optarg, "flag --db", &msg) != EG_OK) {
                eg_cli_error("%s", eg_buf_str(&msg));
                code = EG_EXIT_USAGE;
            }
        } else if (opt == OPT_CONFIG) {
            continue; /* loaded by the caller, before the environment */
        } else if (import && opt == OPT_FILE) {
            a->file = optarg;
        } else if (import && opt == OPT_PUBLISH) {
            a->publish = true;
        } else {
            const char *arg = argv[optind - 1];
            eg_cli_error(opt == ':'
                             ? "procedures %s: the flag %s needs a value"
                             : "procedures %s: unknown flag %s (see 'egov procedures --help')",
                         action, arg);
            code = EG_EXIT_USAGE;
        }
    }
    if (code == EG_EXIT_OK && optind < argc) {
        eg_cli_error("procedures %s: unexpected argument '%s'", action, argv[optind]);
        code = EG_EXIT_USAGE;
    }
    if (code == EG_EXIT_OK && import && !a->file) {
        eg_cli_error("procedures import: which file? (--file PATH)");
        code = EG_EXIT_USAGE;
    }
    eg_buf_release(&msg);
    return code;
}

/* The whole file, at most CATALOGUE_MAX bytes. */
static enum eg_err
read_file(const char *path, struct eg_buf *out)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        eg_cli_error("procedures import: cannot open %s: %s", path, strerror(errno));
        return EG_EIO;
    }
    enum eg_err rc = EG_OK;
    char chunk[65536];
    size_t n;
    while (rc == EG_OK && (n = fread(chunk, 1, sizeof(chunk), f)) > 0)
        rc = eg_buf_add(out, chunk, n);
    if (rc == EG_OK && ferror(f))
        rc = EG_EIO;
    fclose(f);
    if (rc == EG_ETOOBIG)
        eg_cli_error("procedures import: %s is larger than 64 MiB", path);
    else if (rc != EG_OK)
        eg_cli_error("procedures import: cannot read %s", path);
    return rc;
}

static const char *
operator_name(char *buf, size_t n)
{
    const struct passwd *pw = getpwuid(getuid());
    snprintf(buf, n, "operator:%.64s", pw && pw->pw_name ? pw->pw_name : "unknown");
    return buf;
}

static int
run_import(struct eg_db *db, const struct args *a)
{
    struct eg_buf text = EG_BUF_INIT(CATALOGUE_MAX);
    struct eg_buf msg = EG_BUF_INIT(4096);
    json_t *cat = NULL;
    enum eg_err rc = read_file(a->file, &text);
    if (rc == EG_OK) {
        rc = eg_json_parse(text.p, text.len, &cat, &msg);
        if (rc != EG_OK)
            eg_cli_error("procedures import: %s is not valid JSON: %s", a->file,
                         msg.len ? eg_buf_str(&msg) : eg_strerror(rc));
    }
    eg_buf_release(&text);
    char actor[96], detail[96];
    size_t count = 0;
    struct eg_tx *tx = NULL;
    int64_t now = eg_clock_now_ms(&eg_clock_system);
    if (rc == EG_OK) {
        eg_buf_reset(&msg);
        rc = eg_db_begin(db, EG_TX_WRITE, &tx);
        if (rc == EG_OK) {
            rc = eg_procedure_import(tx, cat, a->publish, false,
                                     operator_name(actor, sizeof(actor)), now, &count, &msg);
            snprintf(detail, sizeof(detail), "{\"procedures\":%zu,\"published\":%s}", count,
                     a->publish ? "true" : "false");
            struct eg_audit_event ev = {
                .actor = actor,
                .action = "admin.procedure.import",
                .object = "procedures",
                .outcome = EG_AUDIT_SUCCESS,
                .detail = detail,
            };
            if (rc == EG_OK)
                rc = eg_audit_append(tx, &ev, now);
            if (rc == EG_OK)
                rc = eg_tx_commit(tx);
            else
                eg_tx_rollback(tx);
        }
        if (rc != EG_OK)
            eg_cli_error("procedures import: nothing was imported: %s",
                         msg.len ? eg_buf_str(&msg) : eg_strerror(rc));
    }
    if (rc == EG_OK)
        printf("egov: imported %zu procedures from %s%s\n", count, a->file,
               a->publish ? ", published" : " as drafts");
    json_decref(cat);
    eg_buf_release(&msg);
    return rc == EG_OK ? EG_EXIT_OK : EG_EXIT_FAIL;
}

static int
run_export(struct eg_db *db)
{
    json_t *cat = NULL;
    enum eg_err rc = eg_procedure_export(db, &cat);
    if (rc != EG_OK) {
        eg_cli_error("procedures export: %s", eg_strerror(rc));
        return EG_EXIT_FAIL;
    }
    int bad = json_dumpf(cat, stdout, JSON_INDENT(2) | JSON_SORT_KEYS);
    json_decref(cat);
    if (bad || fputc('\n', stdout) == EOF || fflush(stdout) != 0) {
        eg_cli_error("procedures export: cannot write to standard output");
        return EG_EXIT_FAIL;
    }
    return EG_EXIT_OK;
}

int
eg_cmd_procedures(struct eg_config *cfg, int argc, char **argv)
{
    if (argc < 1 || strcmp(argv[0], "--help") == 0 || strcmp(argv[0], "help") == 0) {
        fputs(usage, argc < 1 ? stderr : stdout);
        return argc < 1 ? EG_EXIT_USAGE : EG_EXIT_OK;
    }
    const char *action = argv[0];
    if (strcmp(action, "import") != 0 && strcmp(action, "export") != 0) {
        eg_cli_error("unknown procedures command '%s' (import or export)", action);
        return EG_EXIT_USAGE;
    }
    struct args a = {0};
    int code = parse(action, cfg, argc, argv, &a);
    if (code != EG_EXIT_OK)
        return code == -1 ? EG_EXIT_OK : code;
    struct eg_db *db = NULL;
    if (eg_cli_open_db(cfg, &db) != EG_OK)
        return EG_EXIT_FAIL;
    int version = 0;
    if (eg_db_schema_version(db, &version) != EG_OK || version != eg_db_schema_latest()) {
        eg_cli_error("the database is not at schema version %d: run 'egov migrate' first",
                     eg_db_schema_latest());
        eg_db_close(db);
        return EG_EXIT_FAIL;
    }
    code = strcmp(action, "import") == 0 ? run_import(db, &a) : run_export(db);
    eg_db_close(db);
    return code;
}
