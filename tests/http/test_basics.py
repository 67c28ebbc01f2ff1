"""test_basics.py - health, readiness, metrics, security headers, errors, OpenAPI."""

import re
import time

from harness import (TestFailure, assert_json_error, check, eq, only, psql, short,
                     with_dbname, dbname_of)


def test_healthz(ctx):
    with ctx.server() as s:
        r = s.get("/healthz")
        eq(r.status, 200, "GET /healthz status")
        check((r.header("Content-Type") or "").startswith("application/json"),
              f"Content-Type {r.header('Content-Type')!r}")
        eq(r.json(), {"status": "ok"}, "GET /healthz body")
        h = s.request("HEAD", "/healthz")
        eq(h.status, 200, "HEAD /healthz status")
        eq(h.body, b"", "HEAD /healthz body")


def test_readyz(ctx):
    with ctx.server() as s:
        r = s.get("/readyz")
        eq(r.status, 200, "GET /readyz status")
        j = r.json()
        eq(j.get("status"), "ready", "readyz status field")


def _wait_status(s, path, want, timeout):
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        try:
            last = s.get(path, timeout=3)
            if last.status == want:
                return last
        except OSError as e:
            last = e
        time.sleep(0.2)
    raise TestFailure(f"GET {path} did not become {want} within {timeout}s (last: {last!r})")


class _Outage:
    """The fresh database refuses connections and its sessions are terminated;
    the shared PostgreSQL server keeps running for the other tests."""

    def __init__(self, ctx, url):
        self.name = dbname_of(url)
        self.admin = with_dbname(ctx.pg_url, "postgres")

    def __enter__(self):
        psql(self.admin, f'ALTER DATABASE "{self.name}" ALLOW_CONNECTIONS false')
        psql(self.admin, "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                         f"WHERE datname = '{self.name}' AND pid <> pg_backend_pid()")
        time.sleep(0.2)
        return self

    def __exit__(self, *exc):
        psql(self.admin, f'ALTER DATABASE "{self.name}" ALLOW_CONNECTIONS true')
        return False


def _timed_get(s, path, timeout=10):
    t0 = time.monotonic()
    r = s.get(path, timeout=timeout)
    return r, time.monotonic() - t0


@only("postgres")
def test_readyz_database_outage(ctx):
    """RELIABILITY C8: the database goes away -> /readyz 503 + Retry-After within
    2 s, /healthz still 200; it comes back -> /readyz 200 again."""
    url = ctx.fresh_db()
    with ctx.server(db_url=url) as s:
        eq(s.get("/readyz").status, 200, "readyz before the outage")
        with _Outage(ctx, url):
            r, dt = _timed_get(s, "/readyz")
            eq(r.status, 503, "readyz while the database is down")
            check(dt <= 2.0, f"readyz took {dt:.2f}s to report the outage (limit 2 s)")
            ra = r.header("Retry-After")
            check(ra is not None and ra.strip().isdigit(), f"Retry-After is {ra!r}")
            r, dt = _timed_get(s, "/readyz")
            eq(r.status, 503, "readyz asked again while the database is down")
            check(dt <= 2.0, f"the second readyz took {dt:.2f}s (limit 2 s)")
            eq(s.get("/healthz").status, 200, "healthz while the database is down")
        _wait_status(s, "/readyz", 200, 15)


@only("postgres")
def test_api_database_outage(ctx):
    """RELIABILITY C8 for a data endpoint: during the outage GET /api/v1/org-units
    answers 503 with the JSON error and Retry-After within 2 s (not 500, not a
    hang); afterwards it answers 200 again."""
    url = ctx.fresh_db()
    with ctx.server(db_url=url) as s:
        eq(s.get("/api/v1/org-units").status, 200, "org-units before the outage")
        with _Outage(ctx, url):
            r, dt = _timed_get(s, "/api/v1/org-units")
            assert_json_error(r, 503)
            check(dt <= 2.0, f"org-units took {dt:.2f}s to fail during the outage (limit 2 s)")
            check(r.header("Retry-After") is not None,
                  f"the 503 from GET /api/v1/org-units during a database outage has no "
                  f"Retry-After (headers: {[k for k, _ in r.headers]})")
        _wait_status(s, "/api/v1/org-units", 200, 15)


@only("postgres")
def test_readyz_postgres_server_restart(ctx):
    """The whole PostgreSQL server stops (a private one, started for this test
    with scripts/pg-test-server.sh) -> /readyz 503 + Retry-After within 2 s and
    no crash; the server starts again on the same port -> /readyz 200."""
    import subprocess
    from harness import REPO, free_port
    script = str(REPO / "scripts" / "pg-test-server.sh")
    d = ctx.tempdir("egov-pg-")
    port = free_port()

    def pg(*args):
        p = subprocess.run([script, *args], capture_output=True, text=True, timeout=60)
        check(p.returncode == 0, f"pg-test-server.sh {args[0]} failed: {p.stderr.strip()}")
        return p.stdout.strip()

    url = pg("start", d, str(port))
    ctx._cleanups.append(lambda: subprocess.run([script, "stop", d], capture_output=True))
    with ctx.server(db_url=url) as s:
        eq(s.get("/readyz").status, 200, "readyz with the server up")
        pg("stop", d)
        r, dt = _timed_get(s, "/readyz")
        eq(r.status, 503, "readyz with the PostgreSQL server stopped")
        check(dt <= 2.0, f"readyz took {dt:.2f}s (limit 2 s)")
        check(r.header("Retry-After"), "no Retry-After on the 503")
        eq(s.get("/healthz").status, 200, "healthz with the PostgreSQL server stopped")
        pg("start", d, str(port))
        _wait_status(s, "/readyz", 200, 30)
        eq(s.get("/api/v1/org-units").status, 200, "org-units after the server came back")


METRIC_LINE = re.compile(r'^[a-zA-Z_:][a-zA-Z0-9_:]*(\{[a-zA-Z_][a-zA-Z0-9_]*="(\\.|[^"\\])*"'
                         r'(,[a-zA-Z_][a-zA-Z0-9_]*="(\\.|[^"\\])*")*\})? '
                         r'[-+]?([0-9.]+([eE][-+]?[0-9]+)?|Inf|NaN)$')


def _metrics(s):
    r = s.get("/metrics")
    eq(r.status, 200, "GET /metrics status")
    ct = r.header("Content-Type") or ""
    check(ct.startswith("text/plain"), f"/metrics Content-Type {ct!r}")
    samples = {}
    for line in r.text.splitlines():
        if not line or line.startswith("#"):
            continue
        check(METRIC_LINE.match(line), f"not a Prometheus sample line: {line!r}")
        name, _, value = line.rpartition(" ")
        samples[name] = float(value)
    return r.text, samples


def _metrics_until(s, ok, seconds=3.0):
    """A request is counted when libmicrohttpd reports it complete, which can be a moment
    after the client has read the answer (more so under the sanitizers): poll a little."""
    deadline = time.monotonic() + seconds
    while True:
        text, m = _metrics(s)
        if ok(m) or time.monotonic() > deadline:
            return text, m
        time.sleep(0.02)


def test_metrics(ctx):
    with ctx.server() as s:
        for _ in range(3):
            s.get("/healthz")
        key = 'egov_http_requests_total{route="GET /healthz",status="200"}'
        _, m1 = _metrics_until(s, lambda m: m.get(key, 0) >= 3)
        check(key in m1, f"{key} missing from /metrics")
        n1 = m1[key]
        check(n1 >= 3, f"{key} is {n1}, expected >= 3")
        for _ in range(5):
            s.get("/healthz")
        text, m2 = _metrics_until(s, lambda m: m.get(key, 0) >= n1 + 5)
        eq(m2.get(key), n1 + 5, key + " after 5 more requests")
        # A 404 is counted too.
        s.get("/no/such/page")
        _, m3 = _metrics_until(s, lambda m: any(
            k.startswith("egov_http_requests_total{") and 'status="404"' in k for k in m))
        check(any(k.startswith("egov_http_requests_total{") and 'status="404"' in k
                  for k in m3), "no egov_http_requests_total sample with status 404")
        # A latency histogram for the route.
        check("# TYPE egov_http_request_duration_seconds histogram" in text,
              "no histogram TYPE line for egov_http_request_duration_seconds")
        bkey = 'egov_http_request_duration_seconds_bucket{route="GET /healthz",le="+Inf"}'
        ckey = 'egov_http_request_duration_seconds_count{route="GET /healthz"}'
        skey = 'egov_http_request_duration_seconds_sum{route="GET /healthz"}'
        for k in (bkey, ckey, skey):
            check(k in m2, f"{k} missing from /metrics")
        eq(m2[bkey], m2[ckey], "+Inf bucket vs _count")
        check(m2[ckey] >= n1 + 5, f"{ckey} = {m2[ckey]}, expected >= {n1 + 5}")
        buckets = [(k, v) for k, v in m2.items()
                   if k.startswith('egov_http_request_duration_seconds_bucket{route="GET /healthz"')]
        check(len(buckets) >= 5, f"only {len(buckets)} histogram buckets")
        values = [v for _, v in buckets]
        check(values == sorted(values), f"histogram buckets are not cumulative: {values}")
        # Database pool figures.
        db = [k for k in m2 if k.startswith("egov_db_")]
        check(db, "no egov_db_ samples in /metrics")
        check(any(k.startswith("egov_db_connections") for k in db),
              f"no egov_db_connections sample; got {db}")
        if ctx.postgres:
            check(any(k.startswith("egov_db_pool_size") for k in db),
                  f"no egov_db_pool_size sample on PostgreSQL; got {db}")
        # Every sample belongs to a family with a # TYPE line.
        for k in m2:
            fam = k.split("{")[0]
            base = re.sub(r"_(bucket|sum|count)$", "", fam)
            check(f"# TYPE {fam} " in text or f"# TYPE {base} histogram" in text,
                  f"no # TYPE line for {fam}")


CSP_DIRECTIVES = ("object-src 'none'", "base-uri 'none'", "frame-ancestors 'none'")


def check_security_headers(r, what):
    csp = r.header("Content-Security-Policy")
    check(csp, f"{what}: no Content-Security-Policy")
    for d in CSP_DIRECTIVES:
        check(d in csp, f"{what}: CSP lacks {d}: {csp!r}")
    eq((r.header("X-Content-Type-Options") or "").lower(), "nosniff",
       f"{what}: X-Content-Type-Options")
    check(r.header("Referrer-Policy"), f"{what}: no Referrer-Policy")
    hsts = r.header("Strict-Transport-Security") or ""
    m = re.search(r"max-age=(\d+)", hsts)
    check(m and int(m.group(1)) >= 31536000 and "includesubdomains" in hsts.lower(),
          f"{what}: Strict-Transport-Security {hsts!r}")
    check(r.header("X-Request-Id"), f"{what}: no X-Request-Id")
    ct = r.header("Content-Type") or ""
    if ct.startswith("text/"):
        check("charset=utf-8" in ct.lower(), f"{what}: Content-Type without charset: {ct!r}")


def test_security_headers(ctx):
    """RELIABILITY C4 on every kind of answer egov gives: 2xx, 304, 4xx, JSON, HTML, files."""
    with ctx.server() as s:
        cases = [
            ("GET", "/healthz", None, {}),
            ("GET", "/readyz", None, {}),
            ("GET", "/metrics", None, {}),
            ("GET", "/api/v1/openapi.json", None, {}),
            ("GET", "/api/v1/org-units", None, {}),
            ("GET", "/api/v1/org-units/000.00.00.H41", None, {}),
            ("GET", "/api/v1/org-units/bad", None, {}),
            ("GET", "/api/v1/org-units/000.00.99.H41", None, {}),
            ("POST", "/api/v1/agency-codes/parse", b'{"codes":["000.00.00.H41"]}',
             {"Content-Type": "application/json"}),
            ("POST", "/api/v1/agency-codes/parse", b"{", {"Content-Type": "application/json"}),
            ("POST", "/api/v1/agency-codes/parse", b"{}", {"Content-Type": "text/plain"}),
            ("GET", "/api/v1/nope", None, {}),
            ("DELETE", "/api/v1/org-units", None, {}),
            ("GET", "/nope", None, {}),
            ("GET", "/nope", None, {"Accept-Language": "en"}),
            ("GET", "/static/egov.css", None, {}),
            ("GET", "/static/nope.css", None, {}),
            ("HEAD", "/healthz", None, {}),
        ]
        ids = set()
        for method, path, body, hdrs in cases:
            r = s.request(method, path, body=body, headers=hdrs)
            what = f"{method} {path} -> {r.status}"
            check_security_headers(r, what)
            rid = r.header("X-Request-Id")
            check(rid not in ids, f"{what}: X-Request-Id {rid!r} was used before")
            ids.add(rid)
            if path.startswith("/api/") and path != "/api/v1/openapi.json" or \
                    path in ("/healthz", "/readyz", "/metrics"):
                cc = r.header("Cache-Control") or ""
                check("no-store" in cc, f"{what}: Cache-Control {cc!r}, expected no-store")
        etag = s.get("/static/egov.css").header("ETag")
        r = s.get("/static/egov.css", headers={"If-None-Match": etag})
        eq(r.status, 304, "conditional GET status")
        check_security_headers(r, "304 /static/egov.css")
        for raw in (b"GET /static/../CMakeLists.txt HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
                    b"GET /api/v1/%00 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"):
            r = s.raw_one(raw)
            check_security_headers(r, f"raw {short(raw, 40)} -> {r.status}")


def test_request_id_unique_and_echoed(ctx):
    with ctx.server() as s:
        ids = [s.get("/healthz").header("X-Request-Id") for _ in range(20)]
        eq(len(set(ids)), 20, "distinct X-Request-Id values over 20 requests")
        r = s.get("/api/v1/nope")
        j = r.json()
        eq(j["error"].get("request_id"), r.header("X-Request-Id"),
           "error.request_id vs X-Request-Id")
        # Two servers do not hand out the same ids.
    with ctx.server() as s2:
        other = s2.get("/healthz").header("X-Request-Id")
        check(other not in ids, f"a second server reused the request id {other}")


def test_api_not_found_json(ctx):
    with ctx.server() as s:
        for path in ("/api/v1/nope", "/api/v1/org-units/000.00.00.H41/extra", "/api/v2/org-units",
                     "/api/"):
            r = s.get(path)
            assert_json_error(r, 404, "not_found")
        r = s.get("/api/v1/nope", headers={"Accept-Language": "en"})
        e = assert_json_error(r, 404, "not_found")
        check(re.search(r"[A-Za-z]", e["message"]) and "Không" not in e["message"],
              f"English 404 message expected, got {e['message']!r}")


def test_method_not_allowed(ctx):
    with ctx.server() as s:
        r = s.request("DELETE", "/api/v1/org-units")
        assert_json_error(r, 405, "method_not_allowed")
        allow = {m.strip() for m in (r.header("Allow") or "").split(",")}
        check("GET" in allow, f"Allow header {r.header('Allow')!r} lacks GET")
        check("DELETE" not in allow, f"Allow header {r.header('Allow')!r} lists DELETE")
        r = s.get("/api/v1/agency-codes/parse")
        assert_json_error(r, 405)
        eq((r.header("Allow") or "").replace(" ", ""), "POST", "Allow for the parse route")
        r = s.request("PUT", "/healthz", body=b"")
        eq(r.status, 405, "PUT /healthz")
        check("GET" in (r.header("Allow") or ""), f"Allow {r.header('Allow')!r}")


def test_html_404_vietnamese_and_english(ctx):
    with ctx.server() as s:
        r = s.get("/khong-co-trang-nay")
        eq(r.status, 404, "status")
        check((r.header("Content-Type") or "").startswith("text/html"),
              f"Content-Type {r.header('Content-Type')!r}")
        check('lang="vi"' in r.text, "the 404 page is not lang=\"vi\"")
        check("Không tìm thấy" in r.text, f"no Vietnamese text in the 404 page: {short(r.text)}")
        check(r.header("X-Request-Id") in r.text, "the 404 page does not show the request id")
        for hdrs, path in (({"Accept-Language": "en"}, "/nope"),
                           ({"Accept-Language": "en-US,en;q=0.9,vi;q=0.8"}, "/nope"),
                           ({}, "/nope?lang=en")):
            r = s.get(path, headers=hdrs)
            eq(r.status, 404, f"status with {hdrs or path}")
            check('lang="en"' in r.text, f"{hdrs or path}: the page is not lang=\"en\"")
            check("not found" in r.text.lower() and "Không" not in r.text,
                  f"{hdrs or path}: not an English page: {short(r.text)}")
        r = s.get("/nope", headers={"Accept-Language": "vi-VN,vi;q=0.9,en;q=0.8"})
        check('lang="vi"' in r.text, "Accept-Language vi-VN first did not give Vietnamese")


def test_openapi(ctx):
    with ctx.server() as s:
        r = s.get("/api/v1/openapi.json")
        eq(r.status, 200, "status")
        check((r.header("Content-Type") or "").startswith("application/json"),
              f"Content-Type {r.header('Content-Type')!r}")
        doc = r.json()
        v = doc.get("openapi") if isinstance(doc, dict) else None
        check(isinstance(v, str) and re.fullmatch(r"3\.1\.\d+", v),
              f'"openapi" is {v!r}, expected "3.1.x" (document: {short(r.body, 120)})')
        info = doc.get("info") or {}
        check(info.get("title") and info.get("version"), f"info.title/version missing: {info}")
        paths = doc.get("paths") or {}
        want = {
            "/healthz": "get", "/readyz": "get", "/metrics": "get",
            "/api/v1/openapi.json": "get", "/api/v1/org-units": "get",
            "/api/v1/org-units/{code}": "get", "/api/v1/agency-codes/parse": "post",
        }
        missing = [p for p in want if p not in paths]
        check(not missing, f"paths missing from openapi.json: {missing}")
        for p, m in want.items():
            check(m in paths[p], f"openapi.json: {p} has no '{m}' operation")
            check(isinstance(paths[p][m].get("responses"), dict) and paths[p][m]["responses"],
                  f"openapi.json: {m.upper()} {p} documents no responses")
        # Every documented operation is one the server answers (not 404/405).
        for p, ops in paths.items():
            # A real object for each capture: the demo's root unit, birth registration.
            code = "1.001193" if "procedure" in p else "000.00.00.H41"
            concrete = p.replace("{code}", code).replace("{version}", "1").replace("{id}", "1")
            for m in ops:
                if m.upper() not in ("GET", "POST", "PUT", "DELETE", "PATCH"):
                    continue
                r = s.request(m.upper(), concrete, body=b"{}" if m != "get" else None,
                              headers={"Content-Type": "application/json"} if m != "get" else {})
                if r.status == 404 and ("/dossiers/" in p or "/drafts/" in p or "/track/" in p):
                    # No dossier exists in a fresh demo: the handler's own 404 is the answer,
                    # which must not be the router's "no such path".
                    unknown = s.request("GET", "/api/v1/no-such-route-" + m)
                    check(r.json()["error"]["message"] != unknown.json()["error"]["message"],
                          f"openapi.json documents {m.upper()} {p} but no route answers it")
                    continue
                check(r.status not in (404, 405),
                      f"openapi.json documents {m.upper()} {p} but the server answers {r.status}")
