/*
 * cmd_files.c - egov files gc | verify: upkeep of the attachment store
 * (docs/files.md).
 *
 *   egov files gc [--grace 24h] [--dry-run] [--files-dir DIR] [--db URL] [--config PATH]
 *   egov files verify [--files-dir DIR] [--db URL] [--config PATH]
 *
 * gc removes blobs that no attachment references and nothing used within the
 * grace period, files a crash left without a row, and leftover temporaries.
 * verify re-hashes every blob and reports each one whose content, size or
 * file is not what its row says; it exits 1 when any referenced blob is
 * damaged or missing.
 */
#include "cli.h"

#include "files/files.h"

#include <getopt.h>
#include <stdio.h>
#include <string.h>

#define DEFAULT_GRACE_MS (24LL * 3600 * 1000)

static const char usage[] =
    "usage: egov files gc [--grace 24h] [--dry-run] [--files-dir DIR] [--db URL] [--config PATH]\n"
    "       egov files verify [--files-dir DIR] [--db URL] [--config PATH]\n"
    "gc removes stored files that no attachment refers to and that nothing used for the\n"
    "grace period (default 24h), files a crash left without a database row, and leftover\n"
    "copies; --dry-run only counts them. verify re-hashes every stored file and lists those\n"
    "whose content or size differs from the database, or that are missing; it exits 1 if\n"
    "any file an attachment refers to is damaged or missing.\n";

enum { OPT_DB = 256, OPT_CONFIG, OPT_FILES_DIR, OPT_GRACE, OPT_DRY_RUN, OPT_HELP };

static const struct option opts[] = {
    {"db", required_argument, NULL, OPT_DB},
    {"config", required_argument, NULL, OPT_CONFIG},
    {"files-dir", required_argument, NULL, OPT_FILES_DIR},
    {"grace", required_argument, NULL, OPT_GRACE},
    {"dry-run", no_argument, NULL, OPT_DRY_RUN},
    {"help", no_argument, NULL, OPT_HELP},
    {NULL, 0, NULL, 0},
};

struct args {
    long long grace_ms;
    bool dry_run;
};

/* EG_EXIT_OK, EG_EXIT_USAGE, or -1 after --help. */
static int
parse(const char *action, struct eg_config *cfg, int argc, char **argv, struct args *a)
{
    struct eg_buf msg = EG_BUF_INIT(1024);
    bool gc = strcmp(action, "gc") == 0;
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
        } else if (opt == OPT_DB || opt == OPT_FILES_DIR) {
            const char *key = opt == OPT_DB ? "db" : "files_dir";
            const char *origin = opt == OPT_DB ? "flag --db" : "flag --files-dir";
            if (eg_config_set(cfg, key, optarg, origin, &msg) != EG_OK) {
                eg_cli_error("%s", eg_buf_str(&msg));
                code = EG_EXIT_USAGE;
            }
        } else if (opt == OPT_CONFIG) {
            continue; /* loaded by the caller, before the environment */
        } else if (gc && opt == OPT_GRACE) {
            if (eg_parse_duration_ms(optarg, &a->grace_ms) != EG_OK || a->grace_ms < 0) {
                eg_cli_error("files gc: --grace: expected a duration like 30m, 24h or 168h "
                             "(got '%.32s')",
                             optarg);
                code = EG_EXIT_USAGE;
            }
        } else if (gc && opt == OPT_DRY_RUN) {
            a->dry_run = true;
        } else {
            const char *arg = argv[optind - 1];
            eg_cli_error(opt == ':' ? "files %s: the flag %s needs a value"
                                    : "files %s: unknown flag %s (see 'egov files --help')",
                         action, arg);
            code = EG_EXIT_USAGE;
        }
    }
    if (code == EG_EXIT_OK && optind < argc) {
        eg_cli_error("files %s: unexpected argument '%s'", action, argv[optind]);
        code = EG_EXIT_USAGE;
    }
    eg_buf_release(&msg);
    return code;
}

static int
run_gc(struct eg_files *fs, struct eg_db *db, const struct args *a)
{
    struct eg_files_gc_stats st;
    enum eg_err rc =
        eg_files_gc(fs, db, eg_clock_now_ms(&eg_clock_system), a->grace_ms, a->dry_run, &st);
    if (rc != EG_OK) {
        eg_cli_error("files gc: stopped: %s", eg_strerror(rc));
        return EG_EXIT_FAIL;
    }
    printf("egov: files gc%s: %llu unused stored files, %llu files without a database row, "
           "%llu leftover copies; %llu bytes %s\n",
           a->dry_run ? " (dry run)" : "", (unsigned long long)st.blobs,
           (unsigned long long)st.orphans, (unsigned long long)st.temporaries,
           (unsigned long long)st.bytes, a->dry_run ? "would be freed" : "freed");
    return EG_EXIT_OK;
}

static void
report(void *ctx, const char *sha256, const char *problem)
{
    (void)ctx;
    printf("%s: %s\n", sha256, problem);
}

static int
run_verify(struct eg_files *fs, struct eg_db *db)
{
    struct eg_files_verify_stats st;
    enum eg_err rc = eg_files_verify(fs, db, report, NULL, &st);
    if (rc != EG_OK) {
        eg_cli_error("files verify: stopped: %s", eg_strerror(rc));
        return EG_EXIT_FAIL;
    }
    printf("egov: files verify: %llu stored files, %llu intact, %llu damaged, %llu missing"
           "%s\n",
           (unsigned long long)st.blobs, (unsigned long long)st.ok, (unsigned long long)st.bad,
           (unsigned long long)st.missing,
           st.unused_missing ? " (and unused rows without a file, which gc removes)" : "");
    return st.bad || st.missing ? EG_EXIT_FAIL : EG_EXIT_OK;
}

int
eg_cmd_files(struct eg_config *cfg, int argc, char **argv)
{
    if (argc < 1 || strcmp(argv[0], "--help") == 0 || strcmp(argv[0], "help") == 0) {
        fputs(usage, argc < 1 ? stderr : stdout);
        return argc < 1 ? EG_EXIT_USAGE : EG_EXIT_OK;
    }
    const char *action = argv[0];
    if (strcmp(action, "gc") != 0 && strcmp(action, "verify") != 0) {
        eg_cli_error("unknown files command '%s' (gc or verify)", action);
        return EG_EXIT_USAGE;
    }
    struct args a = {.grace_ms = DEFAULT_GRACE_MS};
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
    struct eg_files *fs = NULL;
    struct eg_buf msg = EG_BUF_INIT(1024);
    struct eg_files_config fc = {.root = cfg->files_dir};
    if (eg_files_open(&fc, &fs, &msg) != EG_OK) {
        eg_cli_error("files %s: %s", action, msg.len ? eg_buf_str(&msg) : "cannot open the store");
        code = EG_EXIT_FAIL;
    } else {
        code = strcmp(action, "gc") == 0 ? run_gc(fs, db, &a) : run_verify(fs, db);
    }
    eg_buf_release(&msg);
    eg_files_close(fs);
    eg_db_close(db);
    return code;
}
