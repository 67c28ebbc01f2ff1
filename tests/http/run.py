#!/usr/bin/env python3
"""run.py - the HTTP-level test suite: starts the real egov and drives it over HTTP.

usage: python3 tests/http/run.py --egov build/egov --db sqlite|postgres
                                 [--pg-url postgres://egov@127.0.0.1:55440/egov]
                                 [-k PATTERN] [-v]

Every test gets a fresh database (SQLite: a temp dir; PostgreSQL: a database
created on the --pg-url server and dropped afterwards), `egov init --demo`,
and its own `egov serve` on a free port. One line per test, a summary, exit
status 1 if anything failed.
"""

import argparse
import importlib
import inspect
import os
import re
import sys
import time
import traceback

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.dont_write_bytecode = True  # no __pycache__ in the source tree

import harness  # noqa: E402

MODULES = ["test_basics", "test_directory", "test_limits", "test_static", "test_log",
           "test_cli", "test_shutdown", "test_auth", "test_tokens", "test_totp", "test_pii",
           "test_matrix", "test_procedures", "test_files", "test_calendar", "test_dossiers",
           "test_reports", "test_notices", "test_crash_dossiers"]


def collect(pattern):
    tests = []
    for name in MODULES:
        mod = importlib.import_module(name)
        fns = [f for n, f in vars(mod).items()
               if n.startswith("test_") and inspect.isfunction(f) and f.__module__ == name]
        fns.sort(key=lambda f: f.__code__.co_firstlineno)
        for f in fns:
            full = f"{name[5:]}.{f.__name__[5:]}"
            if pattern and not re.search(pattern, full):
                continue
            tests.append((full, f))
    return tests


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--egov", required=True, help="the egov binary")
    ap.add_argument("--db", required=True, choices=["sqlite", "postgres"])
    ap.add_argument("--pg-url", help="an empty database on the PostgreSQL server to use")
    ap.add_argument("-k", dest="pattern", help="run only tests whose module.name matches (regex)")
    ap.add_argument("-v", dest="verbose", action="store_true",
                    help="print tracebacks and egov's stderr for failures")
    a = ap.parse_args()
    egov = os.path.abspath(a.egov)
    if not os.access(egov, os.X_OK):
        print(f"run.py: {a.egov} is not an executable", file=sys.stderr)
        return 2
    if a.db == "postgres":
        if not a.pg_url:
            print("run.py: --db postgres needs --pg-url", file=sys.stderr)
            return 2
        try:
            harness.psql(a.pg_url, "SELECT 1")
        except Exception as e:  # noqa: BLE001
            print(f"run.py: cannot reach {a.pg_url}: {e}", file=sys.stderr)
            return 2
    tests = collect(a.pattern)
    if not tests:
        print("run.py: no test matches", file=sys.stderr)
        return 2
    pool = harness.PgPool(a.pg_url) if a.db == "postgres" else None
    try:
        return run(tests, egov, a, pool)
    finally:
        if pool:
            pool.close()


def run(tests, egov, a, pool):
    print(f"egov HTTP tests: {egov} on {a.db}" + (f" ({a.pg_url})" if a.pg_url else ""),
          flush=True)
    t_all = time.monotonic()
    passed = failed = skipped = 0
    failures = []
    for full, fn in tests:
        only = getattr(fn, "only_db", None)
        if only and only != a.db:
            skipped += 1
            print(f"SKIP {full}: runs on {only} only", flush=True)
            continue
        ctx = harness.Context(egov, a.db, a.pg_url, a.verbose, pg_pool=pool)
        t0 = time.monotonic()
        status, reason, tb = "PASS", "", None
        try:
            fn(ctx)
        except harness.Skip as e:
            status, reason = "SKIP", str(e)
        except AssertionError as e:
            status, reason, tb = "FAIL", str(e) or "assertion failed", traceback.format_exc()
        except Exception as e:  # noqa: BLE001 - a test that crashes is a failure
            status, reason, tb = "FAIL", f"{type(e).__name__}: {e}", traceback.format_exc()
        finally:
            servers = list(ctx._servers)
            died = [s for s in servers if s.proc is not None and s.proc.poll() is not None
                    and not s.stopped]
            ctx.close()
        if status == "FAIL":
            for s in died:
                code = s.proc.returncode
                how = f"signal {-code}" if code < 0 else f"exit code {code}"
                reason += f" [egov serve had ended on its own with {how}]"
            reason = reason.replace("\r", "").replace("\n", " | ")
        dt = time.monotonic() - t0
        if status == "PASS":
            passed += 1
            print(f"PASS {full} ({dt:.1f}s)", flush=True)
        elif status == "SKIP":
            skipped += 1
            print(f"SKIP {full}: {reason}", flush=True)
        else:
            failed += 1
            failures.append(full)
            print(f"FAIL {full} ({dt:.1f}s): {reason}", flush=True)
            if a.verbose:
                print("  " + tb.rstrip().replace("\n", "\n  "))
                for s in servers:
                    err = s.stderr()
                    if err:
                        tail = "\n".join(err.splitlines()[-15:])
                        print("  egov stderr (last lines):\n    " + tail.replace("\n", "\n    "))
    total = time.monotonic() - t_all
    print(f"{passed} passed, {failed} failed, {skipped} skipped in {total:.1f}s ({a.db})")
    if failures:
        print("failed: " + ", ".join(failures))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
