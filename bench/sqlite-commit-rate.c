/*
 * sqlite-commit-rate.c - L_sq_full of ../shared/docs/PERFORMANCE.md: durable one-row
 * transactions per second that SQLite itself manages on this disk. Used by
 * bench/sections/submit.sh, which builds it into its temporary directory:
 *
 *   cc -O2 bench/sqlite-commit-rate.c $(pkg-config --cflags --libs sqlite3) -o sqlite-commit-rate
 *   sqlite-commit-rate DBFILE SECONDS [WARMUP-SECONDS]
 *
 * One connection, journal_mode=WAL, synchronous=FULL (egov's settings, src/db/sqlite.c),
 * and a loop of BEGIN IMMEDIATE; INSERT one row of ~200 bytes; COMMIT - every commit
 * waits for its fsync of the WAL, as egov's does. The WAL checkpoints automatically
 * (every 1000 pages, SQLite's default, also egov's). DBFILE is created if missing and
 * should sit in the directory egov's database uses (the same disk). Commits for WARMUP
 * seconds (default 1, not counted), then for SECONDS. Prints one line:
 *   TX_PER_S COMMITS SECONDS
 * Exit 1 with a message on stderr when SQLite fails. Not part of egov: not built by CMake.
 */
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double
now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int
exec(sqlite3 *db, const char *sql)
{
    char *err = NULL;
    if (sqlite3_exec(db, sql, NULL, NULL, &err) != SQLITE_OK) {
        fprintf(stderr, "sqlite-commit-rate: %s: %s\n", sql, err ? err : "?");
        sqlite3_free(err);
        return -1;
    }
    return 0;
}

/* One durable transaction with one row. */
static int
commit_one(sqlite3 *db, sqlite3_stmt *ins, long i)
{
    static const char pad[] = "sqlite-commit-rate: a row of about the size of a small dossier "
                              "event, so that the WAL grows as it does under egov's load; "
                              "the content does not matter, the fsync of each commit does.";
    if (exec(db, "BEGIN IMMEDIATE") != 0)
        return -1;
    sqlite3_bind_int64(ins, 1, i);
    sqlite3_bind_text(ins, 2, pad, (int)sizeof(pad) - 1, SQLITE_STATIC);
    if (sqlite3_step(ins) != SQLITE_DONE) {
        fprintf(stderr, "sqlite-commit-rate: insert: %s\n", sqlite3_errmsg(db));
        return -1;
    }
    sqlite3_reset(ins);
    return exec(db, "COMMIT");
}

int
main(int argc, char **argv)
{
    if (argc < 3 || argc > 4) {
        fprintf(stderr, "usage: sqlite-commit-rate DBFILE SECONDS [WARMUP-SECONDS]\n");
        return 2;
    }
    double seconds = strtod(argv[2], NULL);
    double warmup = argc > 3 ? strtod(argv[3], NULL) : 1.0;
    if (seconds <= 0 || warmup < 0) {
        fprintf(stderr, "sqlite-commit-rate: SECONDS must be > 0 and WARMUP >= 0\n");
        return 2;
    }
    sqlite3 *db = NULL;
    if (sqlite3_open(argv[1], &db) != SQLITE_OK) {
        fprintf(stderr, "sqlite-commit-rate: %s: %s\n", argv[1], db ? sqlite3_errmsg(db) : "?");
        sqlite3_close(db);
        return 1;
    }
    sqlite3_stmt *ins = NULL;
    int rc = 1;
    if (exec(db, "PRAGMA journal_mode=WAL") != 0 || exec(db, "PRAGMA synchronous=FULL") != 0 ||
        exec(db, "CREATE TABLE IF NOT EXISTS t (id INTEGER PRIMARY KEY, n INTEGER NOT NULL, "
                 "v TEXT NOT NULL)") != 0)
        goto out;
    if (sqlite3_prepare_v2(db, "INSERT INTO t (n, v) VALUES (?, ?)", -1, &ins, NULL) != SQLITE_OK) {
        fprintf(stderr, "sqlite-commit-rate: prepare: %s\n", sqlite3_errmsg(db));
        goto out;
    }
    long i = 0;
    double end = now_s() + warmup;
    while (warmup > 0 && now_s() < end)
        if (commit_one(db, ins, i++) != 0)
            goto out;
    long n = 0;
    double t0 = now_s();
    end = t0 + seconds;
    double t1 = t0;
    while (t1 < end) {
        if (commit_one(db, ins, i++) != 0)
            goto out;
        n++;
        t1 = now_s();
    }
    printf("%.1f %ld %.3f\n", (double)n / (t1 - t0), n, t1 - t0);
    rc = 0;
out:
    sqlite3_finalize(ins);
    sqlite3_close(db);
    return rc;
}
