/*
 * cmd_audit.c - egov audit verify | checkpoint | pubkey.
 *
 * "append-test N" writes N varied entries for tests/audit/tamper.py; it exists
 * only when EGOV_TEST_AUDIT_APPEND=1, so a production egov cannot be used to
 * pad the log. It goes through the real binary, configuration and database
 * driver, which a separate test program would not.
 */
#include "cmd_audit.h"

#include "cli.h"
#include "audit/audit.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char usage[] = "usage: egov audit verify [--db URL] [--pubkey PATH] [--anchor PATH | "
                            "--no-anchor]\n"
                            "       egov audit checkpoint [--db URL] [--key PATH] [--anchor PATH]\n"
                            "       egov audit pubkey [--key PATH]\n";

enum {
    OPT_DB = 256,
    OPT_PUBKEY,
    OPT_ANCHOR,
    OPT_NO_ANCHOR,
    OPT_KEY,
    OPT_SEED,
    OPT_CONFIG,
    OPT_HELP
};

static const struct option opts[] = {
    {"db", required_argument, NULL, OPT_DB},
    {"pubkey", required_argument, NULL, OPT_PUBKEY},
    {"anchor", required_argument, NULL, OPT_ANCHOR},
    {"no-anchor", no_argument, NULL, OPT_NO_ANCHOR},
    {"key", required_argument, NULL, OPT_KEY},
    {"seed", required_argument, NULL, OPT_SEED},
    {"config", required_argument, NULL, OPT_CONFIG},
    {"help", no_argument, NULL, OPT_HELP},
    {NULL, 0, NULL, 0},
};

struct args {
    const char *pubkey; /* NULL: <audit_key>.pub */
    bool no_anchor;
    long long seed;
    const char *count; /* append-test N */
};

struct sub {
    const char *name;
    unsigned flags; /* the OPT_* (minus OPT_DB) it accepts, as bits */
    bool takes_count;
};

#define BIT(o) (1u << ((o)-OPT_DB))

static const struct sub subs[] = {
    {"verify", BIT(OPT_DB) | BIT(OPT_PUBKEY) | BIT(OPT_ANCHOR) | BIT(OPT_NO_ANCHOR), false},
    {"checkpoint", BIT(OPT_DB) | BIT(OPT_KEY) | BIT(OPT_ANCHOR), false},
    {"pubkey", BIT(OPT_KEY), false},
    {"append-test", BIT(OPT_DB) | BIT(OPT_SEED), true},
};

static bool
test_append_enabled(void)
{
    const char *e = getenv("EGOV_TEST_AUDIT_APPEND");
    return e && strcmp(e, "1") == 0;
}

/* Flags into cfg and a; EG_EXIT_OK, EG_EXIT_USAGE, or -1 for --help. */
static int
parse(const struct sub *s, struct eg_config *cfg, int argc, char **argv, struct args *a)
{
    struct eg_buf msg = EG_BUF_INIT(2048);
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
            break;
        }
        if (opt == OPT_CONFIG)
            continue; /* the caller loaded it, before the environment */
        if (opt == '?' || opt == ':' || !(s->flags & BIT(opt))) {
            const char *arg = argv[optind - 1];
            if (opt == ':')
                eg_cli_error("audit %s: the flag %s needs a value", s->name, arg);
            else
                eg_cli_error("audit %s: unknown flag %s (see 'egov audit --help')", s->name, arg);
            code = EG_EXIT_USAGE;
            break;
        }
        enum eg_err rc = EG_OK;
        if (opt == OPT_DB)
            rc = eg_config_set(cfg, "db", optarg, "flag --db", &msg);
        else if (opt == OPT_ANCHOR)
            rc = eg_config_set(cfg, "audit_anchor", optarg, "flag --anchor", &msg);
        else if (opt == OPT_KEY)
            rc = eg_config_set(cfg, "audit_key", optarg, "flag --key", &msg);
        else if (opt == OPT_PUBKEY)
            a->pubkey = optarg;
        else if (opt == OPT_NO_ANCHOR)
            a->no_anchor = true;
        else if (opt == OPT_SEED)
            rc = eg_parse_i64(optarg, 0, 1LL << 40, &a->seed);
        if (rc != EG_OK) {
            eg_cli_error("%s", msg.len ? eg_buf_str(&msg) : "audit: a flag has a bad value");
            code = EG_EXIT_USAGE;
        }
    }
    if (code == EG_EXIT_OK && s->takes_count && optind < argc)
        a->count = argv[optind++];
    if (code == EG_EXIT_OK && optind < argc) {
        eg_cli_error("audit %s: unexpected argument '%s'", s->name, argv[optind]);
        code = EG_EXIT_USAGE;
    }
    eg_buf_release(&msg);
    return code;
}

/* The database as configured, never created: a check of a missing file must not make one. */
static enum eg_err
open_db(const struct eg_config *cfg, struct eg_db **out)
{
    struct eg_db_opts o = {
        .pool_size = cfg->db_pool,
        .busy_timeout_ms = (int)cfg->db_busy_timeout_ms,
        .create = false,
    };
    struct eg_buf msg = EG_BUF_INIT(2048);
    enum eg_err rc = eg_db_open(cfg->db, &o, out, &msg);
    if (rc != EG_OK)
        eg_cli_error("%s", msg.len ? eg_buf_str(&msg) : eg_strerror(rc));
    eg_buf_release(&msg);
    return rc;
}

static int
cmd_verify(struct eg_config *cfg, const struct args *a)
{
    unsigned char pk[EG_AUDIT_PUBKEY_LEN];
    char pub_path[EG_CONFIG_STR + 8];
    struct eg_buf msg = EG_BUF_INIT(2048);
    struct eg_db *db = NULL;
    struct eg_audit_report rep;
    int code = EG_EXIT_FAIL;
    snprintf(pub_path, sizeof(pub_path), "%s.pub", cfg->audit_key);
    const char *pub = a->pubkey ? a->pubkey : pub_path;
    if (eg_audit_pubkey_read(pub, pk, &msg) != EG_OK) {
        eg_cli_error("cannot verify: %s", eg_buf_str(&msg));
        goto out;
    }
    if (open_db(cfg, &db) != EG_OK)
        goto out;
    const char *anchor = a->no_anchor ? NULL : cfg->audit_anchor;
    enum eg_err rc = eg_audit_verify(db, pk, anchor, &rep);
    if (rc == EG_ENOTFOUND) {
        eg_cli_error("cannot verify: %s has no audit log (run 'egov migrate')", eg_db_url_safe(db));
        goto out;
    }
    if (rc != EG_OK) {
        eg_cli_error("cannot verify %s: %s", eg_db_url_safe(db), eg_strerror(rc));
        goto out;
    }
    if (!rep.intact) {
        printf("audit log broken at %s: %s\n", rep.where, rep.what);
        goto out;
    }
    printf("audit log intact: %lld entries, %lld checkpoints\n", (long long)rep.entries,
           (long long)rep.checkpoints);
    if (!anchor) {
        printf("the anchor file was not checked (--no-anchor): a cut tail may go unseen\n");
    } else if (rep.anchored_size >= 0) {
        char when[40];
        eg_time_iso_utc(rep.anchored_ts_ms, when, sizeof(when));
        printf("%lld anchored checkpoints; the newest covers %lld entries, signed %s\n",
               (long long)rep.anchored, (long long)rep.anchored_size, when);
    }
    code = EG_EXIT_OK;
out:
    eg_db_close(db);
    eg_buf_release(&msg);
    return code;
}

static int
cmd_checkpoint(struct eg_config *cfg)
{
    struct eg_audit_opts o = {
        .key_path = cfg->audit_key,
        .anchor_path = cfg->audit_anchor,
        .create_key = true,
    };
    struct eg_buf msg = EG_BUF_INIT(2048);
    struct eg_audit *a = NULL;
    struct eg_db *db = NULL;
    struct eg_audit_head head;
    int code = EG_EXIT_FAIL;
    if (eg_audit_open(&o, &a, &msg) != EG_OK) {
        eg_cli_error("%s", eg_buf_str(&msg));
        goto out;
    }
    if (open_db(cfg, &db) != EG_OK)
        goto out;
    int version = 0;
    if (eg_db_schema_version(db, &version) != EG_OK || version < EG_AUDIT_SCHEMA) {
        eg_cli_error("%s has no audit log (run 'egov migrate')", eg_db_url_safe(db));
        goto out;
    }
    enum eg_err rc = eg_audit_checkpoint(a, db, eg_clock_now_ms(&eg_clock_system), &head, &msg);
    if (rc != EG_OK) {
        eg_cli_error("checkpoint failed: %s", msg.len ? eg_buf_str(&msg) : eg_strerror(rc));
        goto out;
    }
    char root[2 * EG_AUDIT_HASH_LEN + 1];
    eg_hex(head.root, sizeof(head.root), root);
    if (head.written)
        printf("audit checkpoint written: %lld entries, root %s\n", (long long)head.size, root);
    else
        printf("audit checkpoint not needed: the newest one already covers %lld entries\n",
               (long long)head.size);
    code = EG_EXIT_OK;
out:
    eg_db_close(db);
    eg_audit_free(a);
    eg_buf_release(&msg);
    return code;
}

static int
cmd_pubkey(struct eg_config *cfg)
{
    struct eg_audit_opts o = {.key_path = cfg->audit_key};
    struct eg_buf msg = EG_BUF_INIT(2048);
    struct eg_audit *a = NULL;
    unsigned char pk[EG_AUDIT_PUBKEY_LEN];
    char pub_path[EG_CONFIG_STR + 8];
    int code = EG_EXIT_OK;
    enum eg_err rc = eg_audit_open(&o, &a, &msg);
    if (rc == EG_OK) {
        eg_audit_public_key(a, pk);
    } else if (rc == EG_ENOTFOUND) {
        /* A verifying host may hold only the public key. */
        snprintf(pub_path, sizeof(pub_path), "%s.pub", cfg->audit_key);
        rc = eg_audit_pubkey_read(pub_path, pk, &msg);
    }
    if (rc == EG_OK) {
        char hex[2 * EG_AUDIT_PUBKEY_LEN + 1];
        eg_hex(pk, sizeof(pk), hex);
        printf("%s\n", hex);
    } else {
        eg_cli_error("%s", eg_buf_str(&msg));
        code = EG_EXIT_FAIL;
    }
    eg_audit_free(a);
    eg_buf_release(&msg);
    return code;
}

/* ---- append-test: varied entries for the tampering test ----------------------------- */

static uint64_t
next_rand(uint64_t *s)
{
    /* splitmix64: reproducible from --seed, no global state */
    uint64_t z = (*s += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

static enum eg_err
append_one(struct eg_db *db, uint64_t *rs, long long i)
{
    static const char *const actions[] = {
        "auth.login", "auth.login_failed",     "authz.deny",
        "pii.read",   "admin.org_unit.create", "dossier.state.change"};
    static const char *const details[] = {
        NULL,
        "{\"reason\":\"wrong password\",\"login\":\"nguyen.van.a\"}",
        "{\"name\":\"Đăng ký khai sinh\",\"note\":\"quote \\\" and back\\\\slash\"}",
        "{\"personal_id\":\"001234567890\",\"phone\":84912345678}",
        "{\"login\":\"admin\\r\\nfake entry\",\"attempt\":3}",
        "{\"z\":1,\"a\":[true,null,2.5],\"nested\":{\"b\":\"/path?x=1\"}}",
    };
    char actor[64], object[96], remote[64], req[32];
    uint64_t r = next_rand(rs);
    int kind = (int)(r % 10);
    if (kind < 6)
        snprintf(actor, sizeof(actor), "account:%llu", (unsigned long long)(r >> 8) % 5000);
    else
        snprintf(actor, sizeof(actor), "%s", kind < 8 ? "anonymous" : "system");
    r = next_rand(rs);
    if (r % 3 == 0)
        snprintf(object, sizeof(object), "org_unit:000.%02llu.04.H41",
                 (unsigned long long)(r >> 8) % 30);
    else if (r % 3 == 1)
        snprintf(object, sizeof(object), "citizen:0012%08llu",
                 (unsigned long long)(r >> 8) % 100000000ULL);
    else
        snprintf(object, sizeof(object), "dossier:H41-%lld", i);
    r = next_rand(rs);
    if (r % 2)
        snprintf(remote, sizeof(remote), "203.0.113.%llu", (unsigned long long)(r >> 8) % 255);
    else
        snprintf(remote, sizeof(remote), "2001:db8::%llx", (unsigned long long)(r >> 8) % 65535);
    snprintf(req, sizeof(req), "t-%08llx", (unsigned long long)i);
    r = next_rand(rs);
    struct eg_audit_event e = {
        .actor = actor,
        .action = actions[r % EG_ARRAY_LEN(actions)],
        .object = object,
        .outcome = (enum eg_audit_outcome)((r >> 8) % 3),
        .remote = remote,
        .request_id = req,
        .detail = details[(r >> 16) % EG_ARRAY_LEN(details)],
    };
    struct eg_tx *tx = NULL;
    enum eg_err rc = eg_db_begin(db, EG_TX_WRITE, &tx);
    if (rc != EG_OK)
        return rc;
    rc = eg_audit_append(tx, &e, eg_clock_now_ms(&eg_clock_system));
    if (rc != EG_OK) {
        eg_tx_rollback(tx);
        return rc;
    }
    return eg_tx_commit(tx);
}

static int
cmd_append_test(struct eg_config *cfg, const struct args *a)
{
    long long n = 0;
    if (!a->count || eg_parse_i64(a->count, 1, 10000000, &n) != EG_OK) {
        eg_cli_error("audit append-test: give a count from 1 to 10000000");
        return EG_EXIT_USAGE;
    }
    struct eg_db *db = NULL;
    if (open_db(cfg, &db) != EG_OK)
        return EG_EXIT_FAIL;
    uint64_t rs = (uint64_t)a->seed;
    enum eg_err rc = EG_OK;
    for (long long i = 0; i < n && rc == EG_OK; i++)
        rc = append_one(db, &rs, i);
    if (rc != EG_OK)
        eg_cli_error("audit append-test: %s", eg_strerror(rc));
    else
        printf("appended %lld audit entries\n", n);
    eg_db_close(db);
    return rc == EG_OK ? EG_EXIT_OK : EG_EXIT_FAIL;
}

int
eg_cmd_audit(struct eg_config *cfg, int argc, char **argv)
{
    if (argc < 1 || !argv[0]) {
        eg_cli_error("audit: which command? verify, checkpoint or pubkey (egov audit --help)");
        return EG_EXIT_USAGE;
    }
    if (strcmp(argv[0], "--help") == 0 || strcmp(argv[0], "help") == 0) {
        fputs(usage, stdout);
        return EG_EXIT_OK;
    }
    const struct sub *s = NULL;
    for (size_t i = 0; i < EG_ARRAY_LEN(subs); i++)
        if (strcmp(subs[i].name, argv[0]) == 0)
            s = &subs[i];
    if (s && s->takes_count && !test_append_enabled())
        s = NULL;
    if (!s) {
        eg_cli_error("unknown audit command '%s' (verify, checkpoint or pubkey)", argv[0]);
        return EG_EXIT_USAGE;
    }
    struct args a = {0};
    int code = parse(s, cfg, argc, argv, &a);
    if (code == -1)
        return EG_EXIT_OK;
    if (code != EG_EXIT_OK)
        return code;
    if (strcmp(s->name, "verify") == 0)
        return cmd_verify(cfg, &a);
    if (strcmp(s->name, "checkpoint") == 0)
        return cmd_checkpoint(cfg);
    if (strcmp(s->name, "pubkey") == 0)
        return cmd_pubkey(cfg);
    return cmd_append_test(cfg, &a);
}
