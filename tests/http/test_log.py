"""test_log.py - the JSON access log on stderr, and what must never be in it."""

import urllib.parse

from harness import check, eq, only, short, dbname_of
from test_limits import req


def test_access_log(ctx):
    """One JSON object per request with id, method, path (no query), status and ms;
    no query strings, bodies, cookies or tokens."""
    with ctx.server() as s:
        ids = {}

        def note(r, method, path, status):
            ids[r.header("X-Request-Id")] = (method, path, status)

        r = s.get("/healthz")
        note(r, "GET", "/healthz", 200)
        r = s.get("/api/v1/org-units?q=vinh&secret=CANARY123",
                  headers={"Authorization": "Bearer TOKENCANARY789",
                           "Cookie": "session=COOKIECANARY321"})
        note(r, "GET", "/api/v1/org-units", 200)
        r = s.get("/nope?secret=CANARY123")
        note(r, "GET", "/nope", 404)
        r = s.post_json("/api/v1/agency-codes/parse", {"codes": ["BODYCANARY456"]})
        note(r, "POST", "/api/v1/agency-codes/parse", 200)
        r = s.request("DELETE", "/api/v1/org-units?secret=CANARY123")
        note(r, "DELETE", "/api/v1/org-units", 405)
        r = s.raw_one(req("GET", "/api/v1/org-units/%00?secret=CANARY123"))
        note(r, "GET", "/api/v1/org-units/%00", 400)
        code = s.stop()
        eq(code, 0, "exit code after SIGTERM")
        lines = s.log_lines()
        raw = [o["_raw"] for o in lines if "_raw" in o]
        check(not raw, f"stderr lines that are not JSON: {raw[:3]}")
        err = s.stderr()
        for canary in ("CANARY123", "TOKENCANARY789", "COOKIECANARY321", "BODYCANARY456"):
            check(canary not in err, f"{canary} appears in the log: "
                                     f"{short(err[err.find(canary) - 200:err.find(canary) + 50])}")
        access = s.access_log()
        by_id = {}
        for o in access:
            for k in ("ts", "id", "method", "path", "status", "ms"):
                check(k in o, f"access line without {k!r}: {o}")
            check(isinstance(o["ms"], (int, float)) and o["ms"] >= 0, f"ms is {o['ms']!r}")
            check("?" not in (o.get("path") or ""), f"a query string in the log: {o}")
            by_id.setdefault(o["id"], []).append(o)
        for rid, (method, path, status) in ids.items():
            got = by_id.get(rid, [])
            eq(len(got), 1, f"access lines for request {rid} ({method} {path})")
            o = got[0]
            eq((o["method"], o["path"], o["status"]), (method, path, status),
               f"access line for {rid}")
        check(all(o.get("level") for o in lines), "a log line without level")


def test_startup_and_shutdown_log_clean(ctx):
    """A normal start and stop logs JSON at info level only: no warnings (the HTTP
    library must be set up so that all its messages go through egov's logger)."""
    with ctx.server() as s:
        pass
    lines = s.log_lines()
    raw = [o["_raw"] for o in lines if "_raw" in o]
    check(not raw, f"stderr lines that are not JSON: {raw[:3]}")
    msgs = [o.get("msg", "") for o in lines if o.get("type") != "access"]
    check(any("serving" in m for m in msgs), f"no 'serving' line: {msgs}")
    check(any("stopped" in m for m in msgs), f"no 'stopped' line: {msgs}")
    bad = [o for o in lines if o.get("level") not in ("info", "debug")]
    check(not bad, f"{len(bad)} warn/error lines on a clean start and stop: "
                   f"{[o.get('msg') for o in bad]}")


@only("postgres")
def test_password_never_shown(ctx):
    """The database password (here ignored by the trust-auth test server) appears in
    no log line, no /metrics and no error."""
    url = ctx.fresh_db()
    u = urllib.parse.urlsplit(url)
    user = u.username or "egov"
    host = u.hostname + (f":{u.port}" if u.port else "")
    secret_url = urllib.parse.urlunsplit((u.scheme, f"{user}:s3cret@{host}", u.path, "", ""))
    with ctx.server(db_url=secret_url) as s:
        bodies = [s.get(p).body for p in ("/metrics", "/readyz", "/api/v1/nope",
                                          "/api/v1/org-units")]
        for b in bodies:
            check(b"s3cret" not in b, f"the password is in a response: {short(b)}")
    check("s3cret" not in s.stderr(), "the password is in egov serve's stderr")
    check(dbname_of(url) in s.stderr(), "the log does not name the database at all")
    p = ctx.egov(["migrate", "--db", secret_url])
    eq(p.returncode, 0, f"migrate exit code ({p.stderr.strip()})")
    check("s3cret" not in p.stdout + p.stderr, f"the password is in migrate's output: {p.stdout}")
