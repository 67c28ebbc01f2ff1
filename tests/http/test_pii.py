"""test_pii.py - personal identification numbers are not readable from the database
(issue 3 item 1, RELIABILITY G1): not in the SQLite file, its WAL or journal, not in a
PostgreSQL dump, not in the audit log, not in egov's output. The owner still sees theirs."""

import glob
import os
import subprocess

from harness import check, eq, pg_bin

PID = "040195007316"
PASSWORD = "Mùa thu Hà Nội 2026 đẹp lắm"


def variants(pid):
    """The number as it might be written down: plain, in groups, dotted, in UTF-16."""
    return [pid, f"{pid[:3]} {pid[3:6]} {pid[6:]}", f"{pid[:3]}.{pid[3:6]}.{pid[6:]}",
            pid.encode("utf-16-le").decode("latin-1")]


def file_bytes(db_url):
    path = db_url[len("sqlite:"):]
    data = b""
    for f in [path] + glob.glob(path + "-*"):
        with open(f, "rb") as fh:
            data += fh.read()
    return data


def dump(db_url):
    p = subprocess.run([pg_bin("pg_dump"), "--data-only", db_url], capture_output=True,
                       timeout=60)
    check(p.returncode == 0, f"pg_dump failed: {p.stderr[:300]!r}")
    return p.stdout


def test_personal_id_not_readable_at_rest(ctx):
    db = ctx.fresh_db()
    with ctx.server(db_url=db) as s:
        r = s.post_json("/api/v1/accounts", {"kind": "citizen", "personal_id": PID,
                                             "name": "Lê Thị Thu", "email": "thu@example.vn",
                                             "password": PASSWORD})
        eq(r.status, 202, f"sign-up: {r.text[:200]}")
        # A second account by the operator, with the number in the CLI.
        p = ctx.egov(["user", "add", "--db", db, "--login", "le.van.nam", "--kind", "citizen",
                      "--personal-id", "079.2.02.012345", "--name", "Lê Văn Nam", "--email",
                      "nam@example.vn", "--password-stdin"], input=PASSWORD + "\n")
        eq(p.returncode, 0, f"user add: {p.stderr}")
        # The operator's account can sign in with the number, and sees it back whole.
        r = s.post_json("/api/v1/session", {"login": "079 202 012345", "password": PASSWORD})
        eq(r.status, 200, f"sign-in by number: {r.text[:200]}")
        cookie = r.header("Set-Cookie").split(";")[0]
        me = s.get("/api/v1/me", headers={"Cookie": cookie}).json()
        eq(me.get("personal_id"), "079202012345", "the owner's own number")
        err = s.stderr()
    raw = file_bytes(db) if db.startswith("sqlite:") else dump(db)
    # A control: what is stored readable is found, so the search itself works.
    check(b"le.van.nam" in raw and "Lê Văn Nam".encode() in raw,
          "the login and the name were not found: the search reads the wrong files")
    for pid in (PID, "079202012345"):
        for v in variants(pid):
            check(v.encode("latin-1") not in raw,
                  f"the number {pid} is readable in the database as {v!r}")
        check(pid not in err, f"the number {pid} appears in egov's output")
    # The audit log keeps masked numbers only.
    rows = ctx.sql(db, "SELECT actor, object, detail FROM audit_entry")
    text = repr(rows)
    for pid in (PID, "079202012345"):
        check(pid not in text, f"the number {pid} is in the audit log")
