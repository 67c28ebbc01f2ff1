"""test_calendar.py - egov calendar: the lunar calendar, deadlines, the year's holidays,
and the days an administrator enters (docs/calendar.md), on SQLite and PostgreSQL.

  * `lunar` answers exactly {"day":D,"month":M,"year":Y,"leap":B} for Tết dates and leap
    months published independently (the sources are listed in
    tests/unit/calendar/test_lunar.c);
  * `due` counts working days over weekends, Tết, compensatory days, after-hours intake,
    pauses, and the administrator's days from the database;
  * `add-day`, `remove-day` and `week` change the database, audited as the operator;
  * bad input is one line naming the problem and exit code 2; a refusal changes nothing.
"""

import datetime
import json
import os

from harness import check, eq, short


def human_lines(text):
    return [l for l in text.splitlines() if l.strip() and not l.lstrip().startswith("{")]


def one_line(p, *needles, code, what):
    check(p.returncode >= 0, f"{what} was killed by signal {-p.returncode}: {short(p.stderr)}")
    eq(p.returncode, code, f"{what} exit code (stderr: {short(p.stderr, 300)})")
    lines = human_lines(p.stderr)
    check(len(lines) == 1, f"{what}: expected one line on stderr, got {len(lines)}: "
                           f"{short(p.stderr, 400)}")
    for n in needles:
        check(n in lines[0], f"{what}: the message does not name {n!r}: {lines[0]!r}")
    return lines[0]


def ok(p, what):
    check(p.returncode >= 0, f"{what} was killed by signal {-p.returncode}")
    eq(p.returncode, 0, f"{what} exit code (stderr: {short(p.stderr, 300)})")
    return p.stdout


def migrated_db(ctx):
    db = ctx.fresh_db()
    ok(ctx.egov(["init", "--db", db]), "init")
    return db


# Tết and leap months (see test_lunar.c for the sources).
LUNAR = {
    "1985-01-21": (1, 1, 1985, False),
    "2007-02-17": (1, 1, 2007, False),
    "2020-01-25": (1, 1, 2020, False),
    "2025-01-29": (1, 1, 2025, False),
    "2026-02-17": (1, 1, 2026, False),
    "2030-02-02": (1, 1, 2030, False),
    "2020-05-23": (1, 4, 2020, True),
    "2023-03-22": (1, 2, 2023, True),
    "2025-07-25": (1, 6, 2025, True),
    "2026-04-26": (10, 3, 2026, False),
    "2025-01-28": (29, 12, 2024, False),
    "1900-01-01": (1, 12, 1899, False),
}


def test_lunar(ctx):
    for solar, (d, m, y, leap) in LUNAR.items():
        out = ok(ctx.egov(["calendar", "lunar", solar, "--json"]), f"lunar {solar}")
        want = '{"day":%d,"month":%d,"year":%d,"leap":%s}\n' % (d, m, y,
                                                                 "true" if leap else "false")
        eq(out, want, f"lunar {solar} --json")
    out = ok(ctx.egov(["calendar", "lunar", "2026-02-17"]), "lunar text")
    check("Bính Ngọ" in out and "tháng 1" in out, f"lunar text: {out!r}")
    out = ok(ctx.egov(["calendar", "lunar", "2020-05-23"]), "lunar text of a leap month")
    check("nhuận" in out, f"a leap month says so: {out!r}")


def test_lunar_bad_input(ctx):
    e = ctx.egov
    one_line(e(["calendar", "lunar", "2026-02-30"]), "2026-02-30", code=2, what="no such day")
    one_line(e(["calendar", "lunar", "26-02-17"]), "26-02-17", code=2, what="short year")
    one_line(e(["calendar", "lunar", "1899-12-31"]), "1900", code=2, what="before 1900")
    one_line(e(["calendar", "lunar", "2101-01-01"]), "2100", code=2, what="after 2100")
    one_line(e(["calendar", "lunar"]), "date", code=2, what="no date")
    one_line(e(["calendar", "lunar", "2026-02-17", "2026-02-18"]), "2026-02-18", code=2,
             what="two dates")
    one_line(e(["calendar", "lunar", "2026-02-17", "--db", "sqlite:/tmp/x.db"]), "--db", code=2,
             what="lunar --db")
    one_line(e(["calendar", "frob"]), "frob", code=2, what="calendar frob")
    p = e(["calendar"])
    eq(p.returncode, 2, "calendar without an action")
    check("usage" in p.stderr, "calendar without an action prints the usage")
    p = e(["calendar", "--help"])
    eq(p.returncode, 0, "calendar --help")
    check("calendar due" in p.stdout, "calendar --help prints the usage")
    p = e(["help"])
    check("calendar due" in p.stdout, "egov help lists the calendar")


def due(ctx, args, what):
    out = ok(ctx.egov(["calendar", "due", "--json"] + args), what)
    doc = json.loads(out)
    check(out.startswith('{"due":'), f"{what}: the due date comes first: {out!r}")
    return doc


def test_due_rules(ctx):
    """Working days without the database: the Labour Code's rules alone."""
    cases = [
        # (from, days, due) in local time
        ("2026-03-09T10:00", 1, "2026-03-10T17:00"),   # Monday: Monday not counted
        ("2026-03-06T10:00", 1, "2026-03-09T17:00"),   # Friday: the weekend skipped
        ("2026-03-09T17:00", 1, "2026-03-11T17:00"),   # after hours: from Tuesday
        ("2026-03-08T10:00", 1, "2026-03-10T17:00"),   # on a Sunday: from Monday
        ("2026-03-09T10:00", 0, "2026-03-09T17:00"),   # same-day procedure
        ("2026-03-07T10:00", 0, "2026-03-09T17:00"),   # same-day, handed in on Saturday
        ("2026-02-13T10:00", 5, "2026-02-27T17:00"),   # across Tết Bính Ngọ
        ("2026-04-24T10:00", 1, "2026-04-28T17:00"),   # Giỗ Tổ on Sunday, Monday compensated
        ("2026-04-29T09:00", 1, "2026-05-04T17:00"),   # 30/4 and 1/5
        ("2029-08-31T10:00", 1, "2029-09-05T17:00"),   # 2/9 on a Sunday
    ]
    for frm, n, want in cases:
        doc = due(ctx, ["--from", frm, "--days", str(n), "--no-db"], f"due {frm} + {n}")
        eq(doc["due"], want, f"due {frm} + {n} working days")
        eq(doc["working_days"], n, "working_days echoed")
        local = datetime.datetime.fromisoformat(want)
        utc = (local - datetime.timedelta(hours=7)).strftime("%Y-%m-%dT%H:%M:00.000Z")
        eq(doc["due_utc"], utc, "due_utc is the same instant in UTC")
    # A supplement pause: requested Wednesday 10:00, complete Friday 15:00.
    doc = due(ctx, ["--from", "2026-03-02T09:00", "--days", "5", "--no-db",
                    "--pause", "2026-03-04T10:00/2026-03-06T15:00"], "due with a pause")
    eq(doc["due"], "2026-03-11T17:00", "due with a pause")
    doc = due(ctx, ["--from", "2026-03-02T09:00", "--days", "5", "--no-db",
                    "--pause", "2026-03-04T10:00/"], "due while waiting")
    eq(doc, {"due": None, "paused": True, "remaining": 3, "received": "2026-03-02",
             "working_days": 5}, "due while the dossier waits")
    out = ok(ctx.egov(["calendar", "due", "--from", "2026-03-06T10:00", "--days", "1",
                       "--no-db"]), "due as text")
    check("2026-03-09T17:00" in out and "Mon" in out, f"due as text: {out!r}")


def test_due_bad_input(ctx):
    e = ctx.egov
    base = ["calendar", "due", "--no-db"]
    one_line(e(base + ["--from", "2026-03-09", "--days", "1"]), "--from", code=2,
             what="a date without a time")
    one_line(e(base + ["--from", "2026-03-09T25:00", "--days", "1"]), "--from", code=2,
             what="hour 25")
    one_line(e(base + ["--from", "2026-03-09T10:00", "--days", "-1"]), "--days", code=2,
             what="negative days")
    one_line(e(base + ["--from", "2026-03-09T10:00", "--days", "two"]), "--days", code=2,
             what="days not a number")
    one_line(e(base + ["--from", "2026-03-09T10:00", "--days", "99999"]), "--days", code=2,
             what="too many days")
    one_line(e(base + ["--days", "1"]), "--from", code=2, what="no --from")
    one_line(e(base + ["--from", "2026-03-09T10:00"]), "--days", code=2, what="no --days")
    one_line(e(base + ["--from", "1899-12-31T10:00", "--days", "1"]), "1900", code=2,
             what="before 1900")
    one_line(e(base + ["--from", "2100-12-31T10:00", "--days", "5"]), "2100", code=2,
             what="a deadline after 2100")
    one_line(e(base + ["--from", "2026-03-09T10:00", "--days", "1", "--pause", "nonsense"]),
             "--pause", code=2, what="a malformed pause")
    one_line(e(base + ["--from", "2026-03-09T10:00", "--days", "1",
                       "--pause", "2026-03-08T10:00/2026-03-10T10:00"]), "pauses", code=2,
             what="a pause before the intake")
    one_line(e(base + ["--from", "2026-03-09T10:00", "--days", "1", "--year", "2026"]),
             "--year", code=2, what="a flag of another action")
    one_line(e(base + ["--from", "2026-03-09T10:00", "--days", "1", "--bogus"]), "--bogus",
             code=2, what="an unknown flag")
    one_line(e(base + ["--from", "2026-03-09T10:00", "--days"]), "--days", code=2,
             what="a flag without its value")
    one_line(e(["calendar", "due", "--from", "2026-03-09T10:00", "--days", "1", "--no-db",
                "--db", "sqlite:/tmp/x.db"]), "--no-db", code=2, what="--db and --no-db")


def test_database_needed(ctx):
    """Without --no-db the configured database is read, never created."""
    d = ctx.tempdir("egov-cal-")
    missing = "sqlite:" + os.path.join(d, "none", "egov.db")
    line = one_line(ctx.egov(["calendar", "due", "--from", "2026-03-09T10:00", "--days", "1",
                              "--db", missing]), "--no-db", code=1, what="a missing database")
    check(not os.path.exists(os.path.join(d, "none")), f"a database was created: {line}")
    # The default database (var/egov.db of the current directory) is not created either.
    p = ctx.egov(["calendar", "holidays", "--year", "2026"], cwd=d)
    eq(p.returncode, 1, "holidays with no database at the default place")
    check(not os.path.exists(os.path.join(d, "var", "egov.db")), "var/egov.db was created")


def test_holidays(ctx):
    out = ok(ctx.egov(["calendar", "holidays", "--year", "2026", "--no-db", "--json"]),
             "holidays 2026")
    doc = json.loads(out)
    eq(doc["year"], 2026, "year")
    days = {(x["date"], x["reason"]) for x in doc["days"]}
    want = {("2026-01-01", "holiday"), ("2026-02-15", "holiday"), ("2026-02-16", "holiday"),
            ("2026-02-17", "holiday"), ("2026-02-18", "holiday"), ("2026-02-19", "holiday"),
            ("2026-02-20", "compensatory"), ("2026-04-26", "holiday"),
            ("2026-04-27", "compensatory"), ("2026-04-30", "holiday"), ("2026-05-01", "holiday"),
            ("2026-09-01", "holiday"), ("2026-09-02", "holiday")}
    eq(days, want, "the holidays of 2026")
    for x in doc["days"]:
        wd = datetime.date.fromisoformat(x["date"]).isoweekday()
        eq(x["weekday"], wd, f"weekday of {x['date']}")
        eq(x["working"], False, f"{x['date']} is a day off")
        check(x["name"] and x["name_en"], f"{x['date']} has names")
    out = ok(ctx.egov(["calendar", "holidays", "--year", "2026", "--no-db"]), "holidays as text")
    check("Bính Ngọ" in out and "Giỗ Tổ Hùng Vương" in out, f"holidays as text: {out[:300]!r}")
    one_line(ctx.egov(["calendar", "holidays", "--year", "1800", "--no-db"]), "--year", code=2,
             what="holidays of 1800")
    one_line(ctx.egov(["calendar", "holidays", "--no-db"]), "--year", code=2,
             what="holidays without a year")


def audit_actions(ctx, db):
    rows = ctx.sql(db, "SELECT action, object, actor FROM audit_entry "
                       "WHERE action LIKE 'admin.calendar.%' ORDER BY seq")
    return [tuple(r) for r in rows]


def test_entered_days(ctx):
    """The 2026 National Day swap entered by an operator moves deadlines; removing it
    moves them back; each change is audited."""
    db = migrated_db(ctx)
    frm = ["calendar", "due", "--json", "--from", "2026-08-28T10:00", "--days", "1", "--db", db]
    eq(json.loads(ok(ctx.egov(frm), "due before"))["due"], "2026-08-31T17:00",
       "before the swap, Monday 31/8 is worked")
    doc_args = ["--document", "Thông báo 1234/TB-BNV", "--document-date", "2025-10-17",
                "--db", db]
    ok(ctx.egov(["calendar", "add-day", "--date", "2026-08-31", "--kind", "day_off",
                 "--name", "Nghỉ hoán đổi (làm bù thứ Bảy 22/8)"] + doc_args), "add day_off")
    out = ok(ctx.egov(["calendar", "add-day", "--date", "2026-08-22", "--kind", "working_day",
                       "--name", "Làm bù cho thứ Hai 31/8"] + doc_args), "add working_day")
    check("2026-08-22" in out, f"add-day says what it did: {out!r}")
    eq(json.loads(ok(ctx.egov(frm), "due after"))["due"], "2026-09-03T17:00",
       "after the swap, 31/8 to 2/9 are off")
    doc = json.loads(ok(ctx.egov(["calendar", "due", "--json", "--from", "2026-08-21T10:00",
                                  "--days", "1", "--db", db]), "due on the make-up Saturday"))
    eq(doc["due"], "2026-08-22T17:00", "the make-up Saturday counts")
    hol = json.loads(ok(ctx.egov(["calendar", "holidays", "--year", "2026", "--json", "--db",
                                  db]), "holidays with entries"))
    entered = [x for x in hol["days"] if x["reason"] == "entered"]
    eq([(x["date"], x["kind"], x["working"]) for x in entered],
       [("2026-08-22", "working_day", True), ("2026-08-31", "day_off", False)], "entered days")
    eq(entered[0]["document"], "Thông báo 1234/TB-BNV", "the deciding document")
    eq(entered[0]["document_date"], "2025-10-17", "its date")
    check(entered[0]["created_by"].startswith("operator:"), "entered by the operator")
    # Refusals change nothing.
    one_line(ctx.egov(["calendar", "add-day", "--date", "2026-08-31", "--kind", "working_day",
                       "--name", "again"] + doc_args), "2026-08-31", code=1,
             what="the same date twice")
    one_line(ctx.egov(["calendar", "add-day", "--date", "2026-08-30", "--kind", "holiday",
                       "--name", "x"] + doc_args), "--kind", code=2, what="a bad kind")
    one_line(ctx.egov(["calendar", "add-day", "--date", "2026-02-30", "--kind", "day_off",
                       "--name", "x"] + doc_args), "--date", code=2, what="a bad date")
    one_line(ctx.egov(["calendar", "add-day", "--date", "2026-08-30", "--kind", "day_off",
                       "--name", "a\tb"] + doc_args), "name", code=2, what="a control character")
    one_line(ctx.egov(["calendar", "add-day", "--date", "2025-01-01", "--kind", "day_off",
                       "--name", "x"] + doc_args), "document_date", code=2,
             what="a document dated after the day")
    one_line(ctx.egov(["calendar", "add-day", "--date", "2026-08-30", "--kind", "day_off",
                       "--db", db]), "--name", code=2, what="no name")
    eq(int(ctx.sql(db, "SELECT count(*) FROM calendar_day")[0][0]), 2, "rows after refusals")
    # Removing.
    out = ok(ctx.egov(["calendar", "remove-day", "--date", "2026-08-31", "--db", db]), "remove")
    check("2026-08-31" in out, f"remove-day says what it did: {out!r}")
    one_line(ctx.egov(["calendar", "remove-day", "--date", "2026-08-31", "--db", db]),
             "2026-08-31", code=1, what="removing a day that is not there")
    eq(json.loads(ok(ctx.egov(frm), "due after removal"))["due"], "2026-08-31T17:00",
       "after removing the day off")
    acts = audit_actions(ctx, db)
    eq([(a, o) for a, o, _ in acts],
       [("admin.calendar.day_add", "calendar_day:2026-08-31"),
        ("admin.calendar.day_add", "calendar_day:2026-08-22"),
        ("admin.calendar.day_remove", "calendar_day:2026-08-31")], "audit entries")
    check(all(actor.startswith("operator:") for _, _, actor in acts), f"actors: {acts}")


def test_week(ctx):
    db = migrated_db(ctx)
    out = ok(ctx.egov(["calendar", "week", "--db", db]), "week")
    eq(out, "weekdays 12345, hours 07:00-11:30,13:30-17:00\n", "the default week")
    ok(ctx.egov(["calendar", "week", "--weekdays", "123456", "--hours",
                 "07:30-11:30,13:00-16:30", "--db", db]), "week set")
    out = ok(ctx.egov(["calendar", "week", "--db", db]), "week after")
    eq(out, "weekdays 123456, hours 07:30-11:30,13:00-16:30\n", "the stored week")
    doc = due(ctx, ["--from", "2026-03-06T16:45", "--days", "1", "--db", db],
              "due with the province's week")
    eq(doc["due"], "2026-03-09T16:30", "after 16:30 on Friday, Saturday is the intake day")
    one_line(ctx.egov(["calendar", "week", "--weekdays", "89", "--hours", "07:00-17:00", "--db",
                       db]), "1", code=2, what="bad weekdays")
    one_line(ctx.egov(["calendar", "week", "--weekdays", "12345", "--db", db]), "--hours", code=2,
             what="weekdays without hours")
    one_line(ctx.egov(["calendar", "week", "--weekdays", "12345", "--hours", "17:00-07:00",
                       "--db", db]), "24:00", code=2, what="hours backwards")
    acts = audit_actions(ctx, db)
    eq([(a, o) for a, o, _ in acts], [("admin.calendar.week_set", "calendar_week")],
       "one audit entry for the one change")
