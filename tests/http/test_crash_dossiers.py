"""test_crash_dossiers.py - kill -9 under submission load (issue 5, RELIABILITY A1, A3).

Issue 5 "Done when": a kill -9 harness under submission load (100 cycles) loses 0
acknowledged dossiers and creates 0 duplicates when clients retry with their
Idempotency-Key; the daily sequence has no gaps or duplicates under concurrency.

One database (SQLite in WAL with synchronous=FULL, or PostgreSQL), `egov init --demo`,
three citizens with API tokens. Six client threads (two per citizen) submit the land
registration 1.013978 (no uploads) to three communes in turn, each request with an
Idempotency-Key of its own and a parcel address naming that key, so that every body is
different. Meanwhile the test SIGKILLs egov at a random moment 50 ms to 1.5 s after it
answers /healthz, starts it again on the same database (a new port; the clients follow),
and does that CYCLES times (100; 20 with EGOV_TEST_FAST=1, as the sanitizer suite runs
it; EGOV_CRASH_CYCLES overrides both). A request that gets no answer - refused, reset, cut
short, timed out - or a 5xx (not acknowledged: say a batch whose COMMIT failed) is sent again
with the same key and the same body until it is answered otherwise. An answer is an
acknowledgement when it is 201 with a code, whether fresh or replayed (Idempotent-Replayed:
true, when the first attempt committed but its answer was lost in the kill); a 4xx is a
failure.

At the end, with egov up, every client finishes its request in flight; a sample of the
acknowledged dossiers is read back through the API by their applicants (the sealed form
must hold the parcel address sent). egov then stops with SIGTERM (exit 0), and the database
must show:
  - every acknowledged code, under its applicant and key, with the SHA-256 of the exact body
    sent (dossier_idempotency.request_hash): 0 lost, 0 changed;
  - exactly one dossier per key: as many dossiers as keys acknowledged, as many as
    idempotency rows, no dossier under two keys: 0 duplicates;
  - per receiving unit and day, the numbers NNNN of <unit>-YYMMDD-NNNN exactly 1..N, and the
    unit's dossier_seq row at N: no gap, no duplicate;
  - SQLite: PRAGMA integrity_check ok and no foreign key violation.
Every egov process must have ended by our SIGKILL (or the final SIGTERM), never by itself,
with nothing from a sanitizer in its output. The last line printed says how many dossiers,
answers lost in a kill (replays), retries and 5xx answers (which should be rare) the run saw.

On PostgreSQL the database server is not killed - it survives egov, as in production - so
what is tested there is egov's own state and what the kill can leave behind on the server:
transactions cut off mid-way (their backends roll them back), a COMMIT sent just before the
kill that completes after it, a retry that races such a commit, a new pool after a restart.

Runtime: about 100 s per database on a 2-CPU machine (100 cycles of ~0.8 s plus a restart).
"""

import hashlib
import http.client
import json
import os
import random
import re
import signal
import socket
import threading
import time

from harness import TestFailure, check, eq, sanitizer_check, short
from test_auth import new_pid

PROCEDURE = "1.013978"  # land registration: a form and no required upload
AGENCIES = ("000.00.41.H41", "000.00.42.H41", "000.00.43.H41")
CODE_RE = re.compile(r"^(\d{3}\.\d{2}\.\d{2}\.H\d{2})-(\d{6})-(\d{4,5})$")
CITIZENS = 3
CLIENTS_PER_CITIZEN = 2
KILL_AFTER = (0.05, 1.5)  # seconds after /healthz answers
ANSWER_TIMEOUT = 120  # a client that gets no answer for this long fails the test
PW = "Crash-Harness-7!pw"


def cycles():
    """100 (the issue's number); 20 with EGOV_TEST_FAST=1 (the sanitizer suite); EGOV_CRASH_CYCLES
    overrides both."""
    v = os.environ.get("EGOV_CRASH_CYCLES",
                       "20" if os.environ.get("EGOV_TEST_FAST") == "1" else "100")
    check(v.isdigit() and int(v) > 0, f"EGOV_CRASH_CYCLES must be a positive number, not {v!r}")
    return int(v)


class Citizen:
    def __init__(self, login, token):
        self.login = login
        self.token = token


def form(key):
    return {"applicant_name": "Nguyễn Văn An", "applicant_personal_id": "001204001234",
            "parcel_address": f"Thửa {key}, khối 5, phường Trường Vinh", "area_m2": "152",
            "land_use_purpose": "residential", "origin": "Nhận chuyển nhượng năm 1998",
            "use_since": "1998-05-01", "has_assets": "no", "phone": "0912 345 678"}


class Load:
    """The client threads, the port they talk to, and what they were answered."""

    def __init__(self, citizens):
        self.citizens = citizens
        self.port = None
        self.lock = threading.Lock()
        self.stop = threading.Event()
        self.acks = {}  # key -> (login, code, replayed, sha256 of the body, parcel address)
        self.failures = []
        self.sent = 0  # attempts
        self.unanswered = 0  # attempts that got no answer
        self.errors_5xx = []  # answers 5xx (retried like no answer)
        self.threads = []
        self.run_id = "%08x" % random.getrandbits(32)

    def start(self):
        n = 0
        for c in self.citizens:
            for _ in range(CLIENTS_PER_CITIZEN):
                t = threading.Thread(target=self.client, args=(n, c), daemon=True)
                self.threads.append(t)
                n += 1
        for t in self.threads:
            t.start()

    def finish(self, timeout):
        self.stop.set()
        for t in self.threads:
            t.join(timeout)
        check(not any(t.is_alive() for t in self.threads),
              "a client was still waiting for an answer at the end")

    def post(self, body, key, token):
        c = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
        try:
            c.request("POST", "/api/v1/dossiers", body=body,
                      headers={"Authorization": f"Bearer {token}",
                               "Content-Type": "application/json",
                               "Idempotency-Key": key})
            r = c.getresponse()
            return r.status, r.getheader("Idempotent-Replayed"), r.read()
        finally:
            c.close()

    def client(self, idx, who):
        n = 0
        while not self.stop.is_set():
            n += 1
            key = f"crash-{self.run_id}-{idx}-{n}"
            f = form(key)
            body = json.dumps({"procedure": PROCEDURE, "agency": AGENCIES[(idx + n) % 3],
                               "form": f}, ensure_ascii=False).encode()
            since = time.monotonic()
            while True:
                with self.lock:
                    self.sent += 1
                try:
                    status, replayed, data = self.post(body, key, who.token)
                    if status < 500:
                        break
                    # 5xx: not acknowledged (e.g. a batch whose COMMIT failed); a client
                    # retries it with the same key, as it does a request that got no answer.
                    with self.lock:
                        self.errors_5xx.append(f"{status} {short(data, 160)}")
                except (OSError, http.client.HTTPException):
                    with self.lock:
                        self.unanswered += 1
                if time.monotonic() - since > ANSWER_TIMEOUT:
                    with self.lock:
                        self.failures.append(f"{key}: no 201 for {ANSWER_TIMEOUT} s")
                    return
                time.sleep(0.02)
            try:
                code = json.loads(data).get("code") if status == 201 else None
            except ValueError:
                code = None
            with self.lock:
                if status != 201 or not code:
                    self.failures.append(f"{key} ({who.login}): {status} {short(data, 200)}")
                    return
                self.acks[key] = (who.login, code, replayed == "true",
                                  hashlib.sha256(body).hexdigest(), f["parcel_address"])


def make_citizens(ctx, url):
    out = []
    for i in range(CITIZENS):
        login = f"crash.c{i + 1}"
        p = ctx.egov(["user", "add", "--db", url, "--login", login, "--kind", "citizen",
                      "--personal-id", new_pid(2, 4), "--name", f"Công dân {i + 1}",
                      "--email", f"{login}@example.vn", "--password-stdin"], input=PW + "\n")
        check(p.returncode == 0, f"egov user add {login}: {p.stderr.strip()}")
        p = ctx.egov(["token", "create", "--db", url, "--login", login, "--scope", "read write"])
        check(p.returncode == 0 and p.stdout.strip(), f"egov token create {login}: {p.stderr.strip()}")
        out.append(Citizen(login, p.stdout.strip()))
    return out


def ended_by_us(s, what):
    """The server we are about to replace (or just killed) must not have died by itself."""
    code = s.proc.returncode
    check(code == -signal.SIGKILL, f"{what}: egov ended with {code}, not by our SIGKILL: "
                                   f"{short(s.stderr()[-800:], 800)}")
    sanitizer_check(s.stderr(), f"egov serve ({what})")


def test_kill9_under_submission_load(ctx):
    n_cycles = cycles()
    url = ctx.fresh_db()
    files = ctx.tempdir("egov-crash-files-")
    env = {"EGOV_FILES_DIR": os.path.join(files, "files"),
           "EGOV_SPOOL_DIR": os.path.join(files, "spool"),
           "EGOV_LOG_LEVEL": "warn",
           # Nothing listens there: the applicants' notices stay queued (they are written in
           # the submission's transaction; sending them is not what this test is about).
           "EGOV_SMTP_URL": f"smtp://127.0.0.1:{closed_port()}"}
    p = ctx.egov(["init", "--demo", "--db", url], env=env)
    check(p.returncode == 0, f"egov init --demo: {p.stderr.strip()}")
    citizens = make_citizens(ctx, url)

    t_start = time.monotonic()
    s = ctx.server(db_url=url, init=False, env=env).start()
    load = Load(citizens)
    load.port = s.port
    load.start()
    rng = random.Random()
    kills_at = []
    restart_s = []
    try:
        for cycle in range(n_cycles):
            wait = rng.uniform(*KILL_AFTER)
            time.sleep(wait)
            check(s.proc.poll() is None,
                  f"cycle {cycle + 1}: egov ended by itself with {s.proc.returncode} "
                  f"({len(load.acks)} dossiers so far): {short(s.stderr()[-800:], 800)}")
            check(not load.failures, f"cycle {cycle + 1}: {load.failures[:5]}")
            s.stop(signal.SIGKILL)
            ended_by_us(s, f"cycle {cycle + 1}")
            kills_at.append(wait)
            t0 = time.monotonic()
            s = ctx.server(db_url=url, init=False, env=env).start()
            restart_s.append(time.monotonic() - t0)
            load.port = s.port
        # Let every client finish the request it is in (retried until answered).
        time.sleep(0.5)
        load.finish(ANSWER_TIMEOUT + 10)
    finally:
        load.stop.set()
    t_load = time.monotonic() - t_start
    check(not load.failures, f"answers that were not a 201 with a code: {load.failures[:5]} "
                             f"({len(load.failures)} in all)")
    check(len(load.acks) > 10 * n_cycles,
          f"only {len(load.acks)} dossiers acknowledged in {n_cycles} cycles: too little load to "
          f"mean anything")

    # A sample read back through the API by the applicants: the sealed form holds what was sent.
    tokens = {c.login: c.token for c in citizens}
    sample = random.sample(sorted(load.acks), min(60, len(load.acks)))
    replayed = [k for k, a in load.acks.items() if a[2]]
    sample += replayed[:40]
    for key in sample:
        login, code, _, _, address = load.acks[key]
        r = s.get(f"/api/v1/dossiers/{code}", headers={"Authorization": f"Bearer {tokens[login]}"},
                  timeout=10)
        eq(r.status, 200, f"GET /api/v1/dossiers/{code} by {login} ({short(r.body)})")
        v = r.json()
        eq((v.get("code"), (v.get("form") or {}).get("parcel_address")), (code, address),
           f"dossier {code} (key {key}) read back")
    code = s.stop(signal.SIGTERM)
    eq(code, 0, f"egov's exit code after SIGTERM at the end ({short(s.stderr()[-600:], 600)})")
    sanitizer_check(s.stderr(), "egov serve (the last one)")

    check_database(ctx, url, load)
    replays = sum(1 for a in load.acks.values() if a[2])
    print(f"    crash_dossiers ({ctx.db_kind}): {n_cycles} SIGKILLs in {t_load:.0f} s "
          f"(kill {min(kills_at):.2f}-{max(kills_at):.2f} s after ready; restart to /healthz "
          f"{sum(restart_s) / len(restart_s) * 1000:.0f} ms on average, at most "
          f"{max(restart_s) * 1000:.0f} ms); {len(load.acks)} dossiers acknowledged, "
          f"{replays} of them replayed after an answer lost in a kill; {load.unanswered} "
          f"attempts unanswered and {len(load.errors_5xx)} answered 5xx of {load.sent}"
          f"{' (' + '; '.join(sorted(set(load.errors_5xx))[:3]) + ')' if load.errors_5xx else ''}"
          f"; 0 lost, 0 duplicates, sequences gap-free",
          flush=True)


def closed_port():
    """A loopback port nobody listens on (for the SMTP URL)."""
    with socket.socket() as so:
        so.bind(("127.0.0.1", 0))
        return so.getsockname()[1]


def check_database(ctx, url, load):
    rows = ctx.sql(url, "SELECT a.login, i.idem_key, i.request_hash, d.code, d.applicant_account, "
                        "i.account_id FROM dossier_idempotency i JOIN dossier d ON d.id = "
                        "i.dossier_id JOIN account a ON a.id = i.account_id")
    by_key = {}
    for login, key, digest, code, applicant, account in rows:
        check(str(applicant) == str(account),
              f"dossier {code}: applicant {applicant} but its key {key} is account {account}'s")
        by_key[key] = (login, digest, code)

    lost, changed = [], []
    for key, (login, code, replayed, digest, _) in load.acks.items():
        got = by_key.get(key)
        if got is None:
            lost.append(f"{code} (key {key}, {'replayed' if replayed else 'fresh'} 201)")
        elif got != (login, digest, code):
            changed.append(f"key {key}: acknowledged {(login, digest[:12], code)}, "
                           f"database {(got[0], got[1][:12], got[2])}")
    check(not lost, f"{len(lost)} acknowledged dossiers lost: {lost[:5]}")
    check(not changed, f"{len(changed)} acknowledged dossiers differ: {changed[:5]}")

    unbound = int(ctx.sql(url, "SELECT count(*) FROM dossier_idempotency WHERE dossier_id IS "
                               "NULL")[0][0])
    eq(unbound, 0, "idempotency keys claimed by a committed transaction but naming no dossier")
    n_dossiers = int(ctx.sql(url, "SELECT count(*) FROM dossier")[0][0])
    n_idem, n_idem_dossiers = (int(x) for x in ctx.sql(
        url, "SELECT count(*), count(DISTINCT dossier_id) FROM dossier_idempotency")[0])
    eq(n_idem, n_idem_dossiers, "idempotency rows vs the dossiers they name (a dossier under two keys)")
    eq(n_dossiers, n_idem, "dossiers vs idempotency rows (a dossier made without its key)")
    extra = sorted(set(by_key) - set(load.acks))
    check(not extra, f"{len(extra)} dossiers for keys never acknowledged: {extra[:5]}")
    eq(n_dossiers, len(load.acks), "dossiers vs keys acknowledged (duplicates)")
    codes = [c for (c,) in ctx.sql(url, "SELECT code FROM dossier")]
    eq(len(codes), len(set(codes)), "distinct dossier codes")

    # The daily sequence: per receiving unit and day, 1..N, and dossier_seq.last = N.
    seqs = {}
    for c in codes:
        m = CODE_RE.match(c or "")
        check(m, f"a dossier code {c!r} not of the form <unit>-YYMMDD-NNNN")
        seqs.setdefault((m.group(1), m.group(2)), []).append(int(m.group(3)))
    last = {}
    for unit, day, n in ctx.sql(url, "SELECT u.code, s.day, s.last FROM dossier_seq s "
                                     "JOIN org_unit u ON u.id = s.org_unit_id"):
        last[(unit, day[2:4] + day[5:7] + day[8:10])] = int(n)
    for (unit, day), nums in sorted(seqs.items()):
        nums.sort()
        dups = sorted({x for x in nums if nums.count(x) > 1}) if len(set(nums)) != len(nums) else []
        check(not dups, f"{unit} on {day}: numbers given twice: {dups[:10]}")
        gaps = sorted(set(range(1, len(nums) + 1)) - set(nums))
        check(not gaps, f"{unit} on {day}: gaps in 1..{len(nums)}: {gaps[:10]} "
                        f"(numbers up to {nums[-1]})")
        eq(last.get((unit, day)), len(nums), f"dossier_seq.last of {unit} on {day}")
    check(len(seqs) >= len(AGENCIES), f"sequences of {sorted(seqs)}: expected one per commune")

    if url.startswith("sqlite:"):
        eq(ctx.sql(url, "PRAGMA integrity_check"), [("ok",)], "PRAGMA integrity_check")
        eq(ctx.sql(url, "PRAGMA foreign_key_check"), [], "PRAGMA foreign_key_check")
    if not load.acks:
        raise TestFailure("no dossier was acknowledged")
