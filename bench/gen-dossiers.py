#!/usr/bin/env python3
"""gen-dossiers.py - many dossiers in an egov SQLite database, fast, for `make bench`.

    bench/gen-dossiers.py DBFILE COUNT [--per-day N] [--codes FILE] [--sample N] [--seed S]

Adds COUNT dossiers to DBFILE (a database made by `egov init --demo` in which egov itself
has already created at least one dossier; egov must not be running on it). Each new
dossier is a copy of one of those real ones - the templates, taken in turn - so every
NOT NULL column, every foreign key (procedure version, process, org units, applicant
account) and every value egov's code expects is one egov wrote itself. What changes per
copy: the id, the code (<receiving unit>-YYMMDD-NNNN) and the times. Templates are the
dossiers that are submitted or closed (returned, refused, withdrawn, stopped) and have no
files, so the deadline scanner of a running egov has nothing to do with the copies.

The copies take days before the first day any dossier of the database has, N a day per
receiving unit (--per-day, default 1000; numbers 0001..N), going back one day at a time:
1,000,000 copies of one unit reach back 1,000 days. Their times are those of the template
moved to that day (08:00 local time plus the number's share of a 9-hour day), the due
date with them. Each copy gets the template's timeline (dossier_event) and units
(dossier_unit), and each (unit, day) its dossier_seq row with last = N, so the daily
sequence stays gap-free. The sealed form is the template's (the same bytes; nothing but
the public tracking view is meant to read these copies). No audit entries are written:
these are not actions anyone took.

Everything goes in one transaction (journal_mode=DELETE while it runs, WAL again after,
as egov uses it); the secondary indexes of the three tables are dropped before and made
again after, which is much faster than keeping them up to date row by row. At the end,
PRAGMA foreign_key_check on the tables written must find nothing.

--codes FILE writes the codes of --sample (default 10000) of the copies, picked at random
(all of them if there are fewer), one a line, for a wrk script to look up. Prints what it
did and how long it took on stderr. Deterministic for the same database, COUNT and --seed.
"""

import argparse
import datetime
import random
import sqlite3
import sys
import time

TZ = datetime.timezone(datetime.timedelta(hours=7))  # Asia/Ho_Chi_Minh, no DST
DAY_MS = 86400 * 1000
TEMPLATE_STATES = ("submitted", "returned", "refused", "withdrawn", "stopped")
TABLES = ("dossier", "dossier_event", "dossier_unit")
CHUNK = 20000


def columns(db, table):
    return [r[1] for r in db.execute(f"PRAGMA table_info({table})")]


def local_day(ms):
    return datetime.datetime.fromtimestamp(ms / 1000, TZ).date()


def day_start_ms(day):
    return int(datetime.datetime(day.year, day.month, day.day, tzinfo=TZ).timestamp() * 1000)


def shifter(cols):
    """A function moving a row's *_ms columns by delta (None stays None)."""
    idx = [i for i, c in enumerate(cols) if c.endswith("_ms")]

    def shift(row, delta):
        row = list(row)
        for i in idx:
            if row[i] is not None:
                row[i] += delta
        return row
    return shift


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("db")
    ap.add_argument("count", type=int)
    ap.add_argument("--per-day", type=int, default=1000)
    ap.add_argument("--codes")
    ap.add_argument("--sample", type=int, default=10000)
    ap.add_argument("--seed", type=int, default=20261128)
    a = ap.parse_args()
    if a.count < 1 or not 1 <= a.per_day <= 9999:
        sys.exit("gen-dossiers: COUNT must be >= 1 and --per-day 1..9999")
    t0 = time.monotonic()
    db = sqlite3.connect(a.db, isolation_level=None)
    db.execute("PRAGMA busy_timeout = 5000")
    mode = db.execute("PRAGMA journal_mode").fetchone()[0]
    if db.execute("PRAGMA journal_mode = DELETE").fetchone()[0] != "delete":
        sys.exit("gen-dossiers: cannot leave WAL mode (is egov still running on this database?)")
    db.execute("PRAGMA synchronous = OFF")
    db.execute("PRAGMA cache_size = -262144")  # 256 MiB: the indexes stay in memory
    db.execute("PRAGMA foreign_keys = OFF")  # checked once at the end instead

    dcols = columns(db, "dossier")
    ecols = columns(db, "dossier_event")
    ucols = columns(db, "dossier_unit")
    for need in ("id", "code", "org_unit_id", "submitted_ms", "due_ms", "due_date", "state"):
        if need not in dcols:
            sys.exit(f"gen-dossiers: dossier has no column {need}: not the schema this was written for")
    ci = {c: i for i, c in enumerate(dcols)}
    marks = ",".join("?" * len(TEMPLATE_STATES))
    templates = db.execute(
        f"SELECT d.*, u.code FROM dossier d JOIN org_unit u ON u.id = d.org_unit_id "
        f"WHERE d.state IN ({marks}) AND d.code IS NOT NULL AND d.submitted_ms IS NOT NULL "
        f"AND NOT EXISTS (SELECT 1 FROM dossier_file f WHERE f.dossier_id = d.id) ORDER BY d.id",
        TEMPLATE_STATES).fetchall()
    if not templates:
        sys.exit("gen-dossiers: no dossier to copy (need a submitted or closed one without files; "
                 "submit one through egov first)")
    tmpl = []
    for t in templates:
        row, unit_code = list(t[:-1]), t[-1]
        tid = row[ci["id"]]
        events = db.execute("SELECT * FROM dossier_event WHERE dossier_id = ? ORDER BY id",
                            (tid,)).fetchall()
        units = db.execute("SELECT * FROM dossier_unit WHERE dossier_id = ?", (tid,)).fetchall()
        tmpl.append((row, unit_code, events, units))

    first = db.execute("SELECT min(day) FROM dossier_seq").fetchone()[0]
    first_day = (datetime.date.fromisoformat(first) if first
                 else local_day(min(t[0][ci["submitted_ms"]] for t in tmpl)))
    next_id = (db.execute("SELECT coalesce(max(id), 0) FROM dossier").fetchone()[0]) + 1
    next_eid = (db.execute("SELECT coalesce(max(id), 0) FROM dossier_event").fetchone()[0]) + 1

    db.execute("BEGIN IMMEDIATE")
    # Secondary indexes out of the way (the UNIQUE index on code and the primary keys stay).
    names = ",".join("?" * len(TABLES))
    indexes = db.execute(f"SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS "
                         f"NOT NULL AND tbl_name IN ({names})", TABLES).fetchall()
    for name, _ in indexes:
        db.execute(f'DROP INDEX "{name}"')

    dshift, eshift = shifter(dcols), shifter(ecols)
    i_id, i_code, i_due, i_dd = ci["id"], ci["code"], ci["due_ms"], ci["due_date"]
    i_eid, i_edos = ecols.index("id"), ecols.index("dossier_id")
    i_udos = ucols.index("dossier_id")
    per_unit = {}  # unit id -> copies made so far
    seq_last = {}  # (unit id, day) -> last number
    rng = random.Random(a.seed)
    want = min(a.sample, a.count) if a.codes else 0
    sample = []  # reservoir of codes
    step_ms = (9 * 3600 * 1000) // a.per_day
    ins_d = f"INSERT INTO dossier ({','.join(dcols)}) VALUES ({','.join('?' * len(dcols))})"
    ins_e = f"INSERT INTO dossier_event ({','.join(ecols)}) VALUES ({','.join('?' * len(ecols))})"
    ins_u = f"INSERT INTO dossier_unit ({','.join(ucols)}) VALUES ({','.join('?' * len(ucols))})"
    made = 0
    while made < a.count:
        drows, erows, urows = [], [], []
        for _ in range(min(CHUNK, a.count - made)):
            row, unit_code, events, units = tmpl[made % len(tmpl)]
            unit = row[ci["org_unit_id"]]
            k = per_unit.get(unit, 0)
            per_unit[unit] = k + 1
            day = first_day - datetime.timedelta(days=1 + k // a.per_day)
            seq = k % a.per_day + 1
            seq_last[(unit, day)] = seq
            when = day_start_ms(day) + 8 * 3600 * 1000 + (seq - 1) * step_ms
            delta = when - row[ci["submitted_ms"]]
            d = dshift(row, delta)
            d[i_id] = next_id
            d[i_code] = "%s-%s-%04d" % (unit_code, day.strftime("%y%m%d"), seq)
            if d[i_due] is not None:
                d[i_dd] = local_day(d[i_due]).isoformat()
            drows.append(d)
            for e in events:
                e = eshift(e, delta)
                e[i_eid] = next_eid
                e[i_edos] = next_id
                next_eid += 1
                erows.append(e)
            for u in units:
                u = list(u)
                u[i_udos] = next_id
                urows.append(u)
            if want:
                if len(sample) < want:
                    sample.append(d[i_code])
                else:
                    j = rng.randrange(made + 1)
                    if j < want:
                        sample[j] = d[i_code]
            next_id += 1
            made += 1
        db.executemany(ins_d, drows)
        db.executemany(ins_e, erows)
        db.executemany(ins_u, urows)
    db.executemany("INSERT INTO dossier_seq (org_unit_id, day, last) VALUES (?, ?, ?)",
                   [(u, d.isoformat(), n) for (u, d), n in seq_last.items()])
    t_rows = time.monotonic()
    for _, sql in indexes:
        db.execute(sql)
    t_idx = time.monotonic()
    db.execute("COMMIT")
    bad = []
    for t in TABLES + ("dossier_seq",):
        bad += db.execute(f"PRAGMA foreign_key_check({t})").fetchall()
    db.execute(f"PRAGMA journal_mode = {mode}")
    db.close()
    t1 = time.monotonic()
    if bad:
        sys.exit(f"gen-dossiers: {len(bad)} foreign key violations, e.g. {bad[:3]}")
    if a.codes:
        rng.shuffle(sample)
        with open(a.codes, "w") as f:
            f.write("\n".join(sample) + "\n")
    days = len({d for _, d in seq_last})
    print(f"gen-dossiers: {a.count} dossiers ({len(tmpl)} templates, {days} days back from "
          f"{first_day}, {len(seq_last)} unit-days) in {t1 - t0:.1f} s (rows {t_rows - t0:.1f} s, "
          f"{len(indexes)} indexes {t_idx - t_rows:.1f} s, commit and checks {t1 - t_idx:.1f} s); "
          f"foreign_key_check: 0 violations", file=sys.stderr)


if __name__ == "__main__":
    main()
