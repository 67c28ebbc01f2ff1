/*
 * cmd_calendar.c - egov calendar: the lunar calendar, deadlines in working
 * days, the year's holidays, and the days an administrator enters from the
 * deciding documents (docs/calendar.md, docs/cli.md).
 *
 *   egov calendar lunar YYYY-MM-DD [--json]
 *   egov calendar due --from YYYY-MM-DDTHH:MM --days N [--pause FROM/UNTIL]... [--json]
 *   egov calendar holidays --year YYYY [--json]
 *   egov calendar add-day --date D --kind day_off|working_day --name NAME
 *                         --document NUMBER --document-date D
 *   egov calendar remove-day --date D
 *   egov calendar week [--weekdays 12345 --hours 07:00-11:30,13:30-17:00]
 *
 * Times on the command line are local (Asia/Ho_Chi_Minh). due and holidays
 * read the configured database (--db, EGOV_DB, the config file) for the
 * entered days and the working week, or none with --no-db. Changes are
 * audited as the operator's actions.
 */
#include "cli.h"

#include "audit/audit.h"
#include "calendar/calendar.h"

#include <getopt.h>
#include <pwd.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#define PAUSES_MAX 16

static const char usage[] =
    "usage: egov calendar lunar YYYY-MM-DD [--json]\n"
    "       egov calendar due --from YYYY-MM-DDTHH:MM --days N [--pause FROM/UNTIL]... [--json]\n"
    "       egov calendar holidays --year YYYY [--json]\n"
    "       egov calendar add-day --date YYYY-MM-DD --kind day_off|working_day --name NAME\n"
    "                             --document NUMBER --document-date YYYY-MM-DD\n"
    "       egov calendar remove-day --date YYYY-MM-DD\n"
    "       egov calendar week [--weekdays 12345 --hours 07:00-11:30,13:30-17:00]\n"
    "Times are local (Asia/Ho_Chi_Minh, UTC+7). due, holidays, add-day, remove-day and\n"
    "week take --db URL and --config PATH; due and holidays take --no-db to use the\n"
    "Labour Code's rules alone. A pause is FROM/UNTIL in local time, FROM/ while the\n"
    "dossier still waits for its supplement. See docs/calendar.md.\n";

enum {
    OPT_DB = 256,
    OPT_CONFIG,
    OPT_NO_DB,
    OPT_JSON,
    OPT_FROM,
    OPT_DAYS,
    OPT_PAUSE,
    OPT_YEAR,
    OPT_DATE,
    OPT_KIND,
    OPT_NAME,
    OPT_DOCUMENT,
    OPT_DOCUMENT_DATE,
    OPT_WEEKDAYS,
    OPT_HOURS,
    OPT_HELP,
};

static const struct option opts[] = {
    {"db", required_argument, NULL, OPT_DB},
    {"config", required_argument, NULL, OPT_CONFIG},
    {"no-db", no_argument, NULL, OPT_NO_DB},
    {"json", no_argument, NULL, OPT_JSON},
    {"from", required_argument, NULL, OPT_FROM},
    {"days", required_argument, NULL, OPT_DAYS},
    {"pause", required_argument, NULL, OPT_PAUSE},
    {"year", required_argument, NULL, OPT_YEAR},
    {"date", required_argument, NULL, OPT_DATE},
    {"kind", required_argument, NULL, OPT_KIND},
    {"name", required_argument, NULL, OPT_NAME},
    {"document", required_argument, NULL, OPT_DOCUMENT},
    {"document-date", required_argument, NULL, OPT_DOCUMENT_DATE},
    {"weekdays", required_argument, NULL, OPT_WEEKDAYS},
    {"hours", required_argument, NULL, OPT_HOURS},
    {"help", no_argument, NULL, OPT_HELP},
    {NULL, 0, NULL, 0},
};

#define BIT(o) (1u << ((o)-OPT_DB))
#define DB_FLAGS (BIT(OPT_DB) | BIT(OPT_CONFIG))

/* An action, the flags it takes and those it needs. */
static const struct action {
    const char *name;
    unsigned takes;
    unsigned needs;
    int positional; /* arguments after the flags */
} actions[] = {
    {"lunar", BIT(OPT_JSON), 0, 1},
    {"due",
     DB_FLAGS | BIT(OPT_NO_DB) | BIT(OPT_JSON) | BIT(OPT_FROM) | BIT(OPT_DAYS) | BIT(OPT_PAUSE),
     BIT(OPT_FROM) | BIT(OPT_DAYS), 0},
    {"holidays", DB_FLAGS | BIT(OPT_NO_DB) | BIT(OPT_JSON) | BIT(OPT_YEAR), BIT(OPT_YEAR), 0},
    {"add-day",
     DB_FLAGS | BIT(OPT_DATE) | BIT(OPT_KIND) | BIT(OPT_NAME) | BIT(OPT_DOCUMENT) |
         BIT(OPT_DOCUMENT_DATE),
     BIT(OPT_DATE) | BIT(OPT_KIND) | BIT(OPT_NAME) | BIT(OPT_DOCUMENT) | BIT(OPT_DOCUMENT_DATE), 0},
    {"remove-day", DB_FLAGS | BIT(OPT_DATE), BIT(OPT_DATE), 0},
    {"week", DB_FLAGS | BIT(OPT_WEEKDAYS) | BIT(OPT_HOURS), 0, 0},
};

struct args {
    const struct action *act;
    unsigned seen;
    bool json, no_db;
    const char *positional;
    const char *value[OPT_HELP - OPT_DB]; /* the last value of each flag */
    struct eg_calendar_pause pauses[PAUSES_MAX];
    size_t npauses;
};

static const char *
flag_name(int opt)
{
    return opts[opt - OPT_DB].name;
}

/* Usage errors print one line and give EG_EXIT_USAGE. */
static int bad(const struct args *a, const char *fmt, ...) EG_PRINTF(2, 3);

static int
bad(const struct args *a, const char *fmt, ...)
{
    char line[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof(line), fmt, ap);
    va_end(ap);
    eg_cli_error("calendar %s: %s", a->act->name, line);
    return EG_EXIT_USAGE;
}

/* "FROM/UNTIL" or "FROM/" in local time. */
static int
parse_pause(struct args *a, const char *s)
{
    if (a->npauses == PAUSES_MAX)
        return bad(a, "at most %d --pause flags", PAUSES_MAX);
    const char *slash = strchr(s, '/');
    char from[32];
    size_t n = slash ? (size_t)(slash - s) : 0;
    struct eg_calendar_pause *p = &a->pauses[a->npauses];
    if (!slash || n >= sizeof(from))
        return bad(
            a, "--pause must be FROM/UNTIL or FROM/ in local time YYYY-MM-DDTHH:MM, not '%s'", s);
    memcpy(from, s, n);
    from[n] = '\0';
    p->until = EG_CALENDAR_OPEN;
    if (eg_datetime_parse(from, &p->from) != EG_OK ||
        (slash[1] && eg_datetime_parse(slash + 1, &p->until) != EG_OK))
        return bad(
            a, "--pause must be FROM/UNTIL or FROM/ in local time YYYY-MM-DDTHH:MM, not '%s'", s);
    a->npauses++;
    return EG_EXIT_OK;
}

/* EG_EXIT_OK, EG_EXIT_USAGE, or -1 after --help. */
static int
parse(struct eg_config *cfg, int argc, char **argv, struct args *a)
{
    struct eg_buf msg = EG_BUF_INIT(1024);
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
        if (opt == ':' || opt == '?' || !(a->act->takes & BIT(opt))) {
            const char *arg = opt >= OPT_DB && opt < OPT_HELP ? NULL : argv[optind - 1];
            char name[64];
            if (!arg) {
                snprintf(name, sizeof(name), "--%s", flag_name(opt));
                arg = name;
            }
            code = bad(a,
                       opt == ':' ? "the flag %s needs a value"
                                  : "unknown flag %s (see 'egov calendar --help')",
                       arg);
            break;
        }
        a->seen |= BIT(opt);
        a->value[opt - OPT_DB] = optarg;
        if (opt == OPT_JSON)
            a->json = true;
        else if (opt == OPT_NO_DB)
            a->no_db = true;
        else if (opt == OPT_PAUSE)
            code = parse_pause(a, optarg);
        else if (opt == OPT_DB && eg_config_set(cfg, "db", optarg, "flag --db", &msg) != EG_OK) {
            eg_cli_error("%s", eg_buf_str(&msg));
            code = EG_EXIT_USAGE;
        }
    }
    eg_buf_release(&msg);
    if (code != EG_EXIT_OK)
        return code;
    int extra = argc - optind;
    if (extra > a->act->positional)
        return bad(a, "unexpected argument '%s'", argv[optind + a->act->positional]);
    if (extra < a->act->positional)
        return bad(a, "which date? (egov calendar lunar YYYY-MM-DD)");
    if (extra)
        a->positional = argv[optind];
    for (int o = OPT_DB; o < OPT_HELP; o++)
        if ((a->act->needs & BIT(o)) && !(a->seen & BIT(o))) {
            char name[64];
            snprintf(name, sizeof(name), "--%s", flag_name(o));
            return bad(a, "the flag %s is required", name);
        }
    if ((a->seen & BIT(OPT_NO_DB)) && (a->seen & BIT(OPT_DB)))
        return bad(a, "--db and --no-db together");
    if (((a->seen & BIT(OPT_WEEKDAYS)) != 0) != ((a->seen & BIT(OPT_HOURS)) != 0))
        return bad(a, "--weekdays and --hours go together");
    return EG_EXIT_OK;
}

static const char *
value(const struct args *a, int opt)
{
    return a->value[opt - OPT_DB];
}

/* A --date-like flag as a plain date, or a usage error. */
static int
date_flag(const struct args *a, int opt, struct eg_date *out)
{
    const char *s = value(a, opt);
    char name[64];
    snprintf(name, sizeof(name), "--%s", flag_name(opt));
    if (eg_date_parse(s, out) != EG_OK)
        return bad(a, "%s must be a date YYYY-MM-DD, not '%s'", name, s);
    return EG_EXIT_OK;
}

static const char *const weekdays_en[8] = {"", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"};

/* ---- lunar --------------------------------------------------------------------------- */

static int
run_lunar(const struct args *a)
{
    struct eg_date d;
    struct eg_lunar_date l;
    if (eg_date_parse(a->positional, &d) != EG_OK)
        return bad(a, "'%s' is not a date YYYY-MM-DD", a->positional);
    if (eg_lunar_from_solar(d, &l) != EG_OK)
        return bad(a, "%s is outside the years the lunar calendar covers (1900-2100)",
                   a->positional);
    if (a->json) {
        printf("{\"day\":%d,\"month\":%d,\"year\":%d,\"leap\":%s}\n", l.day, l.month, l.year,
               l.leap ? "true" : "false");
        return EG_EXIT_OK;
    }
    char name[EG_LUNAR_NAME_MAX];
    eg_lunar_year_name(l.year, name);
    printf("%s: ngày %d tháng %d%s năm %s (%d) âm lịch\n", a->positional, l.day, l.month,
           l.leap ? " nhuận" : "", name, l.year);
    return EG_EXIT_OK;
}

/* ---- reading the calendar ------------------------------------------------------------- */

/* Opens the configured database without creating it, at the latest schema. */
static enum eg_err
open_existing(const struct eg_config *cfg, struct eg_db **out)
{
    struct eg_db_opts o = {.pool_size = cfg->db_pool,
                           .busy_timeout_ms = (int)cfg->db_busy_timeout_ms};
    struct eg_buf msg = EG_BUF_INIT(2048);
    enum eg_err rc = eg_db_open(cfg->db, &o, out, &msg);
    if (rc != EG_OK)
        eg_cli_error("%s (or give --no-db to use the Labour Code's rules alone)",
                     msg.len ? eg_buf_str(&msg) : eg_strerror(rc));
    eg_buf_release(&msg);
    return rc;
}

static bool
schema_ok(struct eg_db *db)
{
    int version = 0;
    if (eg_db_schema_version(db, &version) != EG_OK || version != eg_db_schema_latest()) {
        eg_cli_error("the database is not at schema version %d: run 'egov migrate' first",
                     eg_db_schema_latest());
        return false;
    }
    return true;
}

/* The calendar of first..last from the database, or from the rules alone. */
static int
calendar_for(const struct eg_config *cfg, const struct args *a, int first, int last,
             struct eg_calendar **out)
{
    if (first < EG_CALENDAR_FIRST_YEAR)
        first = EG_CALENDAR_FIRST_YEAR;
    if (last > EG_CALENDAR_LAST_YEAR)
        last = EG_CALENDAR_LAST_YEAR;
    enum eg_err rc;
    if (a->no_db) {
        struct eg_calendar_week w;
        eg_calendar_week_default(&w);
        rc = eg_calendar_build(&w, NULL, 0, first, last, out, NULL);
    } else {
        struct eg_db *db = NULL;
        if (open_existing(cfg, &db) != EG_OK)
            return EG_EXIT_FAIL;
        rc = schema_ok(db) ? eg_calendar_load(db, first, last, out) : EG_EVERSION;
        eg_db_close(db);
        if (rc == EG_EVERSION)
            return EG_EXIT_FAIL;
    }
    if (rc != EG_OK) {
        eg_cli_error("calendar %s: cannot build the calendar: %s", a->act->name, eg_strerror(rc));
        return EG_EXIT_FAIL;
    }
    return EG_EXIT_OK;
}

/* ---- due ----------------------------------------------------------------------------- */

static int
run_due(const struct eg_config *cfg, const struct args *a)
{
    int64_t from;
    long long days;
    if (eg_datetime_parse(value(a, OPT_FROM), &from) != EG_OK)
        return bad(a, "--from must be a local time YYYY-MM-DDTHH:MM, not '%s'", value(a, OPT_FROM));
    if (eg_parse_i64(value(a, OPT_DAYS), 0, 3660, &days) != EG_OK)
        return bad(a, "--days must be a number of working days from 0 to 3660, not '%s'",
                   value(a, OPT_DAYS));
    struct eg_date start = eg_date_of_ms(from, NULL);
    if (start.year < EG_CALENDAR_FIRST_YEAR || start.year > EG_CALENDAR_LAST_YEAR)
        return bad(a, "--from must be in the years 1900-2100, not '%s'", value(a, OPT_FROM));
    int64_t until = a->npauses ? a->pauses[a->npauses - 1].until : from;
    int last =
        eg_date_of_ms(until == EG_CALENDAR_OPEN ? a->pauses[a->npauses - 1].from : until, NULL)
            .year;
    if (last < start.year)
        last = start.year;
    last += (int)(days / 200) + 2; /* at least 200 working days in a year */
    struct eg_calendar *cal = NULL;
    int code = calendar_for(cfg, a, start.year, last, &cal);
    if (code != EG_EXIT_OK)
        return code;
    struct eg_calendar_due due;
    enum eg_err rc = eg_calendar_due(cal, from, (int)days, a->pauses, a->npauses, &due);
    eg_calendar_free(cal);
    if (rc != EG_OK)
        return bad(a, "no deadline: the pauses must be in order, after --from, each ending after "
                      "it starts, only the last one open, and the deadline within 1900-2100");
    char received[EG_DATE_STR], at[EG_DATETIME_STR], utc[32];
    eg_date_format(due.received, received);
    if (due.paused) {
        if (a->json)
            printf("{\"due\":null,\"paused\":true,\"remaining\":%d,\"received\":\"%s\","
                   "\"working_days\":%lld}\n",
                   due.remaining, received, days);
        else
            printf("no due date while the dossier waits: %d working days were left when the "
                   "clock stopped (received %s)\n",
                   due.remaining, received);
        return EG_EXIT_OK;
    }
    eg_datetime_format(due.at, at);
    eg_time_iso_utc(due.at, utc, sizeof(utc));
    if (a->json) {
        printf("{\"due\":\"%s\",\"due_utc\":\"%s\",\"received\":\"%s\",\"working_days\":%lld}\n",
               at, utc, received, days);
    } else {
        printf("due %s %s (%s), the end of working hours on the %lld%s working day after %s "
               "(not counted)\n",
               at, weekdays_en[eg_date_weekday(due.date)], utc, days,
               days == 1   ? "st"
               : days == 2 ? "nd"
               : days == 3 ? "rd"
                           : "th",
               received);
    }
    return EG_EXIT_OK;
}

/* ---- holidays ------------------------------------------------------------------------ */

static json_t *
holiday_json(const struct eg_calendar_holiday *h)
{
    char date[EG_DATE_STR];
    eg_date_format(h->date, date);
    json_t *o =
        json_pack("{s:s, s:i, s:s, s:s, s:b, s:s}", "date", date, "weekday",
                  eg_date_weekday(h->date), "reason", eg_calendar_reason_str(h->reason), "kind",
                  eg_calendar_kind_str(h->kind), "working", h->working, "name", h->name);
    if (!o)
        return NULL;
    if (h->name_en && json_object_set_new(o, "name_en", json_string(h->name_en)) != 0)
        goto fail;
    if (h->reason == EG_CALENDAR_ENTERED) {
        char doc_date[EG_DATE_STR];
        eg_date_format(h->document_date, doc_date);
        if (json_object_set_new(o, "document", json_string(h->document)) != 0 ||
            json_object_set_new(o, "document_date", json_string(doc_date)) != 0 ||
            (h->created_by &&
             json_object_set_new(o, "created_by", json_string(h->created_by)) != 0))
            goto fail;
    }
    return o;
fail:
    json_decref(o);
    return NULL;
}

static int
run_holidays(const struct eg_config *cfg, const struct args *a)
{
    long long year;
    if (eg_parse_i64(value(a, OPT_YEAR), EG_CALENDAR_FIRST_YEAR, EG_CALENDAR_LAST_YEAR, &year) !=
        EG_OK)
        return bad(a, "--year must be a year from 1900 to 2100, not '%s'", value(a, OPT_YEAR));
    struct eg_calendar *cal = NULL;
    int code = calendar_for(cfg, a, (int)year, (int)year, &cal);
    if (code != EG_EXIT_OK)
        return code;
    const struct eg_calendar_holiday *items = NULL;
    size_t n = 0;
    if (eg_calendar_holidays(cal, (int)year, &items, &n) != EG_OK) {
        eg_calendar_free(cal);
        return EG_EXIT_FAIL;
    }
    if (a->json) {
        json_t *days = json_array();
        json_t *root = json_pack("{s:I, s:o}", "year", (json_int_t)year, "days", days);
        bool ok = root != NULL;
        for (size_t i = 0; ok && i < n; i++)
            ok = json_array_append_new(days, holiday_json(&items[i])) == 0;
        char *text = ok ? json_dumps(root, JSON_COMPACT) : NULL;
        if (text)
            printf("%s\n", text);
        free(text);
        json_decref(root);
        code = text ? EG_EXIT_OK : EG_EXIT_FAIL;
    } else {
        char name[EG_LUNAR_NAME_MAX];
        eg_lunar_year_name((int)year, name);
        printf("%lld (%s): public holidays, compensatory days and entered days\n", year, name);
        for (size_t i = 0; i < n; i++) {
            const struct eg_calendar_holiday *h = &items[i];
            char date[EG_DATE_STR], doc_date[EG_DATE_STR];
            eg_date_format(h->date, date);
            printf("%s %s  %-7s  %-12s  %s", date, weekdays_en[eg_date_weekday(h->date)],
                   h->working ? "working" : "off", eg_calendar_reason_str(h->reason), h->name);
            if (h->reason == EG_CALENDAR_ENTERED) {
                eg_date_format(h->document_date, doc_date);
                printf(" (%s, %s)", h->document, doc_date);
            }
            putchar('\n');
        }
    }
    eg_calendar_free(cal);
    return code;
}

/* ---- changes ------------------------------------------------------------------------- */

static const char *
operator_name(char *buf, size_t n)
{
    const struct passwd *pw = getpwuid(getuid());
    snprintf(buf, n, "operator:%.64s", pw && pw->pw_name ? pw->pw_name : "unknown");
    return buf;
}

/* Opens the database for a change; EG_EXIT_OK or EG_EXIT_FAIL. */
static int
open_for_change(const struct eg_config *cfg, struct eg_db **db)
{
    if (eg_cli_open_db(cfg, db) != EG_OK)
        return EG_EXIT_FAIL;
    if (!schema_ok(*db)) {
        eg_db_close(*db);
        *db = NULL;
        return EG_EXIT_FAIL;
    }
    return EG_EXIT_OK;
}

/* Commits tx after appending the audit entry, or rolls it back. */
static enum eg_err
audit_commit(struct eg_tx *tx, enum eg_err rc, const char *actor, const char *action,
             const char *object, const char *detail, int64_t now)
{
    struct eg_audit_event ev = {
        .actor = actor,
        .action = action,
        .object = object,
        .outcome = EG_AUDIT_SUCCESS,
        .detail = detail,
    };
    if (rc == EG_OK)
        rc = eg_audit_append(tx, &ev, now);
    if (rc == EG_OK)
        return eg_tx_commit(tx);
    eg_tx_rollback(tx);
    return rc;
}

static int
run_add_day(const struct eg_config *cfg, const struct args *a)
{
    struct eg_calendar_entry e = {0};
    int code = date_flag(a, OPT_DATE, &e.date);
    if (code == EG_EXIT_OK)
        code = date_flag(a, OPT_DOCUMENT_DATE, &e.document_date);
    if (code != EG_EXIT_OK)
        return code;
    if (eg_calendar_kind_parse(value(a, OPT_KIND), &e.kind) != EG_OK)
        return bad(a, "--kind must be day_off or working_day, not '%s'", value(a, OPT_KIND));
    e.name = value(a, OPT_NAME);
    e.document = value(a, OPT_DOCUMENT);
    struct eg_db *db = NULL;
    if (open_for_change(cfg, &db) != EG_EXIT_OK)
        return EG_EXIT_FAIL;
    char actor[96], object[64], date[EG_DATE_STR];
    eg_date_format(e.date, date);
    snprintf(object, sizeof(object), "calendar_day:%s", date);
    struct eg_buf msg = EG_BUF_INIT(1024), detail = EG_BUF_INIT(4096);
    int64_t now = eg_clock_now_ms(&eg_clock_system);
    struct eg_tx *tx = NULL;
    enum eg_err rc = eg_db_begin(db, EG_TX_WRITE, &tx);
    if (rc == EG_OK) {
        rc = eg_calendar_entry_add(tx, &e, operator_name(actor, sizeof(actor)), now, &msg);
        json_t *d = rc == EG_OK ? json_pack("{s:s, s:s, s:s}", "kind", eg_calendar_kind_str(e.kind),
                                            "name", e.name, "document", e.document)
                                : NULL;
        if (rc == EG_OK && (!d || eg_json_dump(d, &detail) != EG_OK))
            rc = EG_ENOMEM;
        json_decref(d);
        rc =
            audit_commit(tx, rc, actor, "admin.calendar.day_add", object, eg_buf_str(&detail), now);
    }
    eg_db_close(db);
    if (rc == EG_EINVAL && msg.len)
        code = bad(a, "%s", eg_buf_str(&msg));
    else if (rc != EG_OK)
        eg_cli_error("calendar add-day: nothing was stored: %s",
                     msg.len ? eg_buf_str(&msg) : eg_strerror(rc));
    else
        printf("egov: %s is now a %s (%s)\n", date,
               e.kind == EG_CALENDAR_WORKING_DAY ? "working day" : "day off", e.document);
    eg_buf_release(&msg);
    eg_buf_release(&detail);
    return rc == EG_OK ? EG_EXIT_OK : code != EG_EXIT_OK ? code : EG_EXIT_FAIL;
}

static int
run_remove_day(const struct eg_config *cfg, const struct args *a)
{
    struct eg_date d;
    int code = date_flag(a, OPT_DATE, &d);
    if (code != EG_EXIT_OK)
        return code;
    struct eg_db *db = NULL;
    if (open_for_change(cfg, &db) != EG_EXIT_OK)
        return EG_EXIT_FAIL;
    char actor[96], object[64], date[EG_DATE_STR];
    eg_date_format(d, date);
    snprintf(object, sizeof(object), "calendar_day:%s", date);
    struct eg_buf detail = EG_BUF_INIT(4096);
    int64_t now = eg_clock_now_ms(&eg_clock_system);
    struct eg_tx *tx = NULL;
    json_t *was = NULL;
    enum eg_err rc = eg_db_begin(db, EG_TX_WRITE, &tx);
    if (rc == EG_OK) {
        rc = eg_calendar_entry_remove(tx, d, &was);
        if (rc == EG_OK)
            rc = eg_json_dump(was, &detail);
        rc = audit_commit(tx, rc, operator_name(actor, sizeof(actor)), "admin.calendar.day_remove",
                          object, eg_buf_str(&detail), now);
    }
    eg_db_close(db);
    json_decref(was);
    eg_buf_release(&detail);
    if (rc == EG_ENOTFOUND)
        eg_cli_error("calendar remove-day: no day was entered for %s", date);
    else if (rc != EG_OK)
        eg_cli_error("calendar remove-day: nothing was removed: %s", eg_strerror(rc));
    else
        printf("egov: the entry for %s was removed\n", date);
    return rc == EG_OK ? EG_EXIT_OK : EG_EXIT_FAIL;
}

static int
run_week(const struct eg_config *cfg, const struct args *a)
{
    bool set = (a->seen & BIT(OPT_WEEKDAYS)) != 0;
    struct eg_calendar_week w;
    struct eg_buf msg = EG_BUF_INIT(1024), days = EG_BUF_INIT(16), hours = EG_BUF_INIT(128);
    int code = EG_EXIT_OK;
    if (set &&
        eg_calendar_week_parse(value(a, OPT_WEEKDAYS), value(a, OPT_HOURS), &w, &msg) != EG_OK)
        code = bad(a, "%s", eg_buf_str(&msg));
    struct eg_db *db = NULL;
    if (code == EG_EXIT_OK)
        code = open_for_change(cfg, &db);
    struct eg_tx *tx = NULL;
    enum eg_err rc = EG_OK;
    if (code == EG_EXIT_OK && set) {
        char actor[96];
        int64_t now = eg_clock_now_ms(&eg_clock_system);
        rc = eg_db_begin(db, EG_TX_WRITE, &tx);
        if (rc == EG_OK) {
            rc = eg_calendar_week_set(tx, &w, operator_name(actor, sizeof(actor)), now, &msg);
            if (rc == EG_OK)
                rc = eg_calendar_week_format(&w, &days, &hours);
            char detail[256];
            snprintf(detail, sizeof(detail), "{\"working_days\":\"%s\",\"hours\":\"%s\"}",
                     eg_buf_str(&days), eg_buf_str(&hours));
            rc = audit_commit(tx, rc, actor, "admin.calendar.week_set", "calendar_week", detail,
                              now);
        }
    } else if (code == EG_EXIT_OK) {
        rc = eg_db_begin(db, EG_TX_READ, &tx);
        if (rc == EG_OK)
            rc = eg_calendar_week_get(tx, &w);
        eg_tx_rollback(tx);
        if (rc == EG_OK)
            rc = eg_calendar_week_format(&w, &days, &hours);
    }
    eg_db_close(db);
    if (code == EG_EXIT_OK && rc != EG_OK) {
        eg_cli_error("calendar week: %s", msg.len ? eg_buf_str(&msg) : eg_strerror(rc));
        code = EG_EXIT_FAIL;
    } else if (code == EG_EXIT_OK) {
        printf("weekdays %s, hours %s%s\n", eg_buf_str(&days), eg_buf_str(&hours),
               set ? " (stored)" : "");
    }
    eg_buf_release(&msg);
    eg_buf_release(&days);
    eg_buf_release(&hours);
    return code;
}

int
eg_cmd_calendar(struct eg_config *cfg, int argc, char **argv)
{
    if (argc < 1 || strcmp(argv[0], "--help") == 0 || strcmp(argv[0], "help") == 0) {
        fputs(usage, argc < 1 ? stderr : stdout);
        return argc < 1 ? EG_EXIT_USAGE : EG_EXIT_OK;
    }
    struct args a;
    memset(&a, 0, sizeof(a));
    for (size_t i = 0; i < EG_ARRAY_LEN(actions); i++)
        if (strcmp(actions[i].name, argv[0]) == 0)
            a.act = &actions[i];
    if (!a.act) {
        eg_cli_error("unknown calendar command '%s' (lunar, due, holidays, add-day, remove-day "
                     "or week)",
                     argv[0]);
        return EG_EXIT_USAGE;
    }
    int code = parse(cfg, argc, argv, &a);
    if (code != EG_EXIT_OK)
        return code == -1 ? EG_EXIT_OK : code;
    const char *name = a.act->name;
    if (strcmp(name, "lunar") == 0)
        return run_lunar(&a);
    if (strcmp(name, "due") == 0)
        return run_due(cfg, &a);
    if (strcmp(name, "holidays") == 0)
        return run_holidays(cfg, &a);
    if (strcmp(name, "add-day") == 0)
        return run_add_day(cfg, &a);
    if (strcmp(name, "remove-day") == 0)
        return run_remove_day(cfg, &a);
    return run_week(cfg, &a);
}
