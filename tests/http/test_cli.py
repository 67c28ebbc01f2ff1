"""test_cli.py - the egov command: flags, configuration, errors, migrations, defaults."""

import json
import os
import socket
import time

from harness import Skip, check, eq, port_is_free, short


def human_lines(text):
    """stderr lines meant for people (JSON log lines left out)."""
    return [l for l in text.splitlines() if l.strip() and not l.lstrip().startswith("{")]


def one_line(p, *needles, code, strict=True, what=""):
    """Exit code `code`, and one line on stderr (strict: nothing else at all) that
    names every needle."""
    what = what or "egov"
    check(p.returncode >= 0, f"{what} was killed by signal {-p.returncode}: {short(p.stderr)}")
    eq(p.returncode, code, f"{what} exit code (stderr: {short(p.stderr, 200)})")
    lines = [l for l in p.stderr.splitlines() if l.strip()] if strict else human_lines(p.stderr)
    check(len(lines) == 1, f"{what}: expected one line on stderr, got {len(lines)}: "
                           f"{short(p.stderr, 400)}")
    for n in needles:
        check(n in lines[0], f"{what}: the message does not name {n!r}: {lines[0]!r}")
    return lines[0]


def test_unknown_flag_and_command(ctx):
    e = ctx.egov
    one_line(e(["serve", "--bogus"]), "--bogus", code=2, what="serve --bogus")
    one_line(e(["nosuchcmd"]), "nosuchcmd", code=2, what="nosuchcmd")
    one_line(e(["serve", "--db"]), "--db", code=2, what="serve --db (no value)")
    one_line(e(["serve", "stray"]), "stray", code=2, what="serve stray")
    one_line(e(["migrate", "--demo"]), "--demo", code=2, what="migrate --demo")
    p = e([])
    eq(p.returncode, 2, "egov with no command")
    check("usage" in p.stderr, "no usage text for egov with no command")


def test_flag_not_for_this_command_is_named(ctx):
    """A known flag given to a command that does not take it: the message names the
    flag, not its value."""
    one_line(ctx.egov(["init", "--listen", "127.0.0.1:1234"]), "--listen", code=2,
             what="init --listen 127.0.0.1:1234")
    one_line(ctx.egov(["migrate", "--static-dir", "somewhere"]), "--static-dir", code=2,
             what="migrate --static-dir somewhere")


def test_bad_values(ctx):
    e = ctx.egov
    one_line(e(["serve"], env={"EGOV_MAX_BODY": "lots"}), "max_body", "EGOV_MAX_BODY", code=2,
             what="EGOV_MAX_BODY=lots")
    for env, needle in (({"EGOV_LISTEN": "nonsense"}, "listen"),
                        ({"EGOV_BODY_TIMEOUT": "forever"}, "body_timeout"),
                        ({"EGOV_THREADS": "-1"}, "threads"),
                        ({"EGOV_MAX_BODY": "0"}, "max_body"),
                        ({"EGOV_LOG_LEVEL": "loud"}, "log_level"),
                        ({"EGOV_DB": "mysql://x/y"}, "db"),
                        ({"EGOV_MAX_BODDY": "1M"}, "EGOV_MAX_BODDY")):
        one_line(e(["serve"], env=env), needle, code=2, what=f"serve with {env}")
    for args, needle in ((["--listen", "127.0.0.1:99999"], "listen"),
                         (["--listen", "nohostport"], "listen"),
                         (["--threads", "many"], "threads"),
                         (["--db", "sqlite:"], "db"),
                         (["--log-level", "loud"], "log"),):
        one_line(e(["serve"] + args), needle, code=2, what="serve " + " ".join(args))


def write(ctx, text, name="egov.conf"):
    path = os.path.join(ctx.tempdir("egov-conf-"), name)
    with open(path, "w") as f:
        f.write(text)
    return path


def test_config_file_errors(ctx):
    e = ctx.egov
    bad_line = write(ctx, "# egov settings\n\nlisten = 127.0.0.1:1234\nthis is not valid\n")
    one_line(e(["serve", "--config", bad_line]), f"{bad_line}:4", code=2,
             what="--config with a bad line 4")
    one_line(e(["serve"], env={"EGOV_CONFIG": bad_line}), f"{bad_line}:4", code=2,
             what="EGOV_CONFIG with a bad line 4")
    bad_value = write(ctx, "db = sqlite:x.db\nmax_body = lots\n")
    one_line(e(["migrate", "--config", bad_value]), f"{bad_value}:2", "max_body", code=2,
             what="--config with a bad value on line 2")
    unknown = write(ctx, "listen = 127.0.0.1:1234\nmax_bodyy = 1M\n")
    one_line(e(["serve", "--config", unknown]), f"{unknown}:2", "max_bodyy", code=2,
             what="--config with an unknown key on line 2")
    missing = "/nonexistent/egov.conf"
    one_line(e(["serve", "--config", missing]), missing, code=2, what="--config missing file")
    binary = write(ctx, "listen = 127.0.0.1:1\n\x00\x01", "bin.conf")
    one_line(e(["serve", "--config", binary]), binary, code=2, what="--config binary file")


def _serve_on(ctx, db, expect_port, args=(), env=None):
    s = ctx.server(db_url=db, listen=False, init=False, args=list(args), env=env,
                   port=expect_port)
    return s


def test_precedence_file_env_flag(ctx):
    """Settings: file < environment < flag (checked with the listening port and with
    the body limit)."""
    from harness import free_port
    db = ctx.fresh_db()
    p = ctx.egov(["init", "--demo", "--db", db])
    eq(p.returncode, 0, f"init ({p.stderr.strip()})")
    a, b, c = free_port(), free_port(), free_port()
    conf = write(ctx, f"listen = 127.0.0.1:{a}\nmax_body = 2k\n")
    big = b"x" * 3000

    def body_status(s):
        from test_limits import req
        got, _ = s.raw(req("GET", "/api/v1/org-units", [("Content-Length", "3000")], big))
        from harness import parse_responses
        rs, _ = parse_responses(got)
        return rs[0].status if rs else None

    with _serve_on(ctx, db, a, ["--config", conf]) as s:
        eq(body_status(s), 413, "file only: max_body = 2k")
    with _serve_on(ctx, db, b, env={"EGOV_CONFIG": conf, "EGOV_LISTEN": f"127.0.0.1:{b}",
                                    "EGOV_MAX_BODY": "1M"}) as s:
        eq(body_status(s), 200, "EGOV_MAX_BODY=1M over the file's 2k")
        check(port_is_free(a), f"the file's port {a} is in use although EGOV_LISTEN won")
    with _serve_on(ctx, db, c, ["--config", conf, "--listen", f"127.0.0.1:{c}"],
                   env={"EGOV_LISTEN": f"127.0.0.1:{b}"}) as s:
        eq(body_status(s), 413, "the file's max_body with a flag for listen")
        check(port_is_free(b), f"the environment's port {b} is in use although --listen won")
    # --config (a flag) wins over EGOV_CONFIG (the environment).
    broken = write(ctx, "broken line\n", "broken.conf")
    with _serve_on(ctx, db, a, ["--config", conf], env={"EGOV_CONFIG": broken}):
        pass


def test_unwritable_database(ctx):
    for cmd in (["init", "--demo"], ["migrate"], ["serve", "--listen", "127.0.0.1:0"]):
        p = ctx.egov(cmd + ["--db", "sqlite:/proc/forbidden/x.db"], timeout=20)
        one_line(p, "/proc/forbidden", code=1, strict=False, what=f"{cmd[0]} on /proc/forbidden")
    d = ctx.tempdir()
    p = ctx.egov(["init", "--db", "sqlite:" + d])
    one_line(p, d, code=1, strict=False, what="init on a directory")


def test_unreachable_postgres(ctx):
    urls = ["postgres://egov:s3cret@127.0.0.1:1/egov",
            "postgresql://egov@127.0.0.1:1/egov?password=s3cret&sslmode=disable"]
    for url in urls:
        for cmd in (["init", "--demo"], ["migrate"], ["serve", "--listen", "127.0.0.1:0"]):
            t0 = time.monotonic()
            p = ctx.egov(cmd + ["--db", url], timeout=30)
            dt = time.monotonic() - t0
            line = one_line(p, code=1, strict=False, what=f"{cmd[0]} on {url}")
            check("PostgreSQL" in line or "postgres" in line, f"unclear message: {line!r}")
            check("s3cret" not in p.stderr + p.stdout, f"{cmd[0]}: the password is shown: "
                                                       f"{short(p.stderr)}")
            check(dt < 10, f"{cmd[0]} took {dt:.1f}s to give up on a refused connection")
    p = ctx.egov(["serve"], env={"EGOV_DB": urls[0]})
    one_line(p, code=1, strict=False, what="EGOV_DB unreachable")
    check("s3cret" not in p.stderr, "the password from EGOV_DB is shown")


def test_version_and_help(ctx):
    for args in (["version"], ["--version"]):
        p = ctx.egov(args)
        eq(p.returncode, 0, f"egov {args[0]} exit code")
        check(p.stdout.startswith("egov ") and any(ch.isdigit() for ch in p.stdout),
              f"egov {args[0]} printed {p.stdout!r}")
    for args in (["help"], ["--help"], ["-h"], ["serve", "--help"]):
        p = ctx.egov(args)
        eq(p.returncode, 0, f"egov {' '.join(args)} exit code")
        for word in ("serve", "init", "migrate", "--db", "--listen"):
            check(word in p.stdout, f"egov {' '.join(args)} does not mention {word}")


def test_migrate_idempotent(ctx):
    db = ctx.fresh_db()
    p = ctx.egov(["migrate", "--db", db])
    eq(p.returncode, 0, f"first migrate ({p.stderr.strip()})")
    check("migrations applied" in p.stdout and "(0 migrations" not in p.stdout,
          f"the first migrate applied nothing: {p.stdout!r}")
    p = ctx.egov(["migrate", "--db", db])
    eq(p.returncode, 0, f"second migrate ({p.stderr.strip()})")
    check("(0 migrations applied)" in p.stdout, f"the second migrate: {p.stdout!r}")
    p = ctx.egov(["init", "--demo", "--db", db])
    eq(p.returncode, 0, f"init --demo after migrate ({p.stderr.strip()})")
    p = ctx.egov(["init", "--demo", "--db", db])
    eq(p.returncode, 0, f"init --demo a second time ({p.stderr.strip()})")
    check("not loaded again" in p.stdout, f"the second init --demo: {p.stdout!r}")
    rows = ctx.sql(db, "SELECT count(*) FROM org_unit")
    n = int(rows[0][0])
    check(40 <= n < 80, f"{n} org units after two init --demo (loaded twice?)")
    rows = ctx.sql(db, "SELECT count(*), count(DISTINCT version) FROM schema_migrations")
    eq(rows[0][0], rows[0][1], "schema_migrations rows vs distinct versions")


def test_newer_database_refused(ctx):
    db = ctx.fresh_db()
    p = ctx.egov(["init", "--demo", "--db", db])
    eq(p.returncode, 0, f"init ({p.stderr.strip()})")
    ctx.sql(db, "INSERT INTO schema_migrations (version, name, applied_at) "
                "VALUES (999, '0999_future.sql', 0)")
    for cmd in (["serve", "--listen", "127.0.0.1:0"], ["migrate"], ["init"]):
        p = ctx.egov(cmd + ["--db", db], timeout=20)
        line = one_line(p, "newer", "999", code=1, strict=False, what=f"{cmd[0]} on a newer db")
    rows = ctx.sql(db, "SELECT max(version) FROM schema_migrations")
    eq(int(rows[0][0]), 999, "the newer database was left alone")


def test_listen_address_in_use(ctx):
    db = ctx.fresh_db()
    eq(ctx.egov(["init", "--db", db]).returncode, 0, "init")
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        p = ctx.egov(["serve", "--db", db, "--listen", f"127.0.0.1:{port}"], timeout=20)
    one_line(p, str(port), code=1, strict=False, what="serve on a busy port")


def test_defaults(ctx):
    """With nothing set, in a fresh directory: init --demo creates var/egov.db and serve
    listens on 127.0.0.1:8080 with it."""
    if not port_is_free(8080):
        raise Skip("port 8080 is busy on this machine")
    cwd = ctx.tempdir("egov-cwd-")
    p = ctx.egov(["init", "--demo"], cwd=cwd)
    eq(p.returncode, 0, f"init --demo with defaults ({p.stderr.strip()})")
    check(os.path.isfile(os.path.join(cwd, "var", "egov.db")), "var/egov.db was not created")
    s = ctx.server(db_url="", listen=False, init=False, static_dir="", cwd=cwd, port=8080)
    with s:
        r = s.get("/api/v1/org-units")
        eq(r.status, 200, "org-units on the default server")
        check(r.json()["total"] >= 40, "the default server does not see the demo province")
        eq(s.get("/readyz").status, 200, "readyz on the default server")
    log = s.stderr()
    check("sqlite:var/egov.db" in log, f"the log does not name sqlite:var/egov.db: {short(log)}")
    check("127.0.0.1:8080" in log, "the log does not name 127.0.0.1:8080")


def test_procedures_import_export(ctx):
    """egov procedures export | import: a round trip, all or nothing, clear refusals."""
    db = ctx.fresh_db()
    p = ctx.egov(["init", "--demo", "--db", db])
    eq(p.returncode, 0, f"init --demo ({p.stderr.strip()})")
    check("demo catalogue" in p.stdout, f"init --demo did not load the catalogue: {p.stdout!r}")
    p = ctx.egov(["procedures", "export", "--db", db])
    eq(p.returncode, 0, f"export ({p.stderr.strip()})")
    cat = json.loads(p.stdout)
    n = len(cat["procedures"])
    check(n >= 30, f"the demo catalogue exports {n} procedures")
    d = ctx.tempdir("egov-cat-")
    path = os.path.join(d, "catalogue.json")
    with open(path, "w", encoding="utf-8") as f:
        json.dump(cat, f, ensure_ascii=False)
    before = int(ctx.sql(db, "SELECT count(*) FROM procedure_version")[0][0])
    p = ctx.egov(["procedures", "import", "--file", path, "--publish", "--db", db])
    eq(p.returncode, 0, f"import ({p.stderr.strip()})")
    check(f"imported {n} procedures" in p.stdout, f"import said {p.stdout!r}")
    after = int(ctx.sql(db, "SELECT count(*) FROM procedure_version")[0][0])
    eq(after, before + n, "one new version per procedure")
    p = ctx.egov(["procedures", "export", "--db", db])
    eq(json.loads(p.stdout), cat, "the export after the round trip")
    # One bad procedure in the middle: nothing is imported, the message names it.
    bad = json.loads(json.dumps(cat))
    victim = bad["procedures"][n // 2]
    victim["level"] = "district"
    with open(path, "w", encoding="utf-8") as f:
        json.dump(bad, f, ensure_ascii=False)
    p = one_line(ctx.egov(["procedures", "import", "--file", path, "--db", db]),
                 victim["code"], "level", code=1, strict=False, what="import of a bad catalogue")
    eq(int(ctx.sql(db, "SELECT count(*) FROM procedure_version")[0][0]), after,
       "versions after a refused import")
    # The operator's import is in the audit log.
    rows = ctx.sql(db, "SELECT count(*) FROM audit_entry WHERE action = 'admin.procedure.import'")
    eq(int(rows[0][0]), 1, "audit entries for the operator's import")
    with open(path, "w", encoding="utf-8") as f:
        f.write('{"fields": [')
    one_line(ctx.egov(["procedures", "import", "--file", path, "--db", db]), "JSON", code=1,
             strict=False, what="import of broken JSON")
    one_line(ctx.egov(["procedures", "import", "--file", os.path.join(d, "none.json"), "--db",
                       db]), "none.json", code=1, strict=False, what="import of a missing file")
    one_line(ctx.egov(["procedures", "import", "--db", db]), "--file", code=2,
             what="import without --file")
    one_line(ctx.egov(["procedures", "frob"]), "frob", code=2, what="procedures frob")
