#!/usr/bin/env python3
"""tamper.py - the audit log's tampering test (issue 3, RELIABILITY E4).

usage: python3 tests/audit/tamper.py --egov build/egov --db sqlite|postgres
                                     [--pg-url postgres://egov@127.0.0.1:55460/egov]
                                     [--trials N] [--jobs N] [--fresh-copies] [--entries N]
                                     [--seed S] [--keep] [-v]

Builds a log of --entries (300) entries through the real binary (`egov migrate`,
`egov audit append-test`, enabled by EGOV_TEST_AUDIT_APPEND=1, and `egov audit
checkpoint` at 0, 100, 200 and the end), checks it independently here (every
leaf hash and every signed root recomputed in Python from docs/audit.md), then
for each trial copies the database (SQLite: a file copy; PostgreSQL: CREATE
DATABASE ... TEMPLATE), applies ONE random tampering and runs `egov audit
verify`, which must exit 1 naming an entry or a checkpoint. Every 50th trial
also verifies an untouched copy, which must exit 0.

The tamperings (weights in KINDS): a changed field of an entry; a changed leaf
hash; a deleted entry; an inserted entry (at the end with a wrong or a right
hash, or in the middle with the later entries renumbered, with or without every
hash and the state recomputed); two entries swapped (with or without rehashing);
a cut tail (alone, with the state rewound, and with the database's checkpoints
deleted as well, so that only the anchor file can tell); a deleted checkpoint;
a changed checkpoint (root, time, size, signature); a forged signature; a
signature and root replayed from another checkpoint.

Left out on purpose: an entry appended at the very end with a correct hash AND
the state updated. After the newest checkpoint that is indistinguishable from
egov's own appends (docs/audit.md, "What it cannot detect"); the next
checkpoint bounds that window, nothing closes it.

The attacker's first step in every trial is to switch the append-only
triggers off, so the copies come from a template with the triggers removed.
Default trials: 1000 on SQLite, 200 on PostgreSQL. A PostgreSQL copy costs about
a second (CREATE and DROP DATABASE with fsync on), so by default each worker
makes one copy (CREATE DATABASE ... TEMPLATE) and after every trial puts its
three audit tables back from saved copies inside it; the untouched copies,
verified every 50 trials, check that putting back. --fresh-copies makes a new
database for every trial instead. --jobs N runs trials side by side, each
worker on a copy of its own (it helps little where fsync is the bottleneck,
which is why the default is 1). The tamperings are drawn from --seed before
anything runs, so a seed names the same trials whatever --jobs is. Exit status 1 when any tampering went unseen or any untouched copy
failed.
"""

import argparse
import base64
import glob
import hashlib
import json
import os
import random
import re
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor

COLS = ["seq", "ts_ms", "actor", "action", "object", "outcome", "remote", "request_id",
        "detail", "leaf_hash"]
FIELDS = COLS[1:9]
OUTCOMES = ["success", "failure", "denied"]
NAMED = re.compile(r"^audit log broken at (entry \d+|checkpoint \d+)", re.M)


# ---- the log's format, from docs/audit.md ------------------------------------------

def leaf_bytes(r):
    d = {k: r[k] for k in FIELDS}
    d["seq"] = r["seq"]
    return json.dumps(d, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def leaf_hash(r):
    return hashlib.sha256(b"\x00" + leaf_bytes(r)).digest()


def node(a, b):
    return hashlib.sha256(b"\x01" + a + b).digest()


def mth(hs):
    if not hs:
        return hashlib.sha256(b"").digest()
    if len(hs) == 1:
        return hs[0]
    k = 1
    while k * 2 < len(hs):
        k *= 2
    return node(mth(hs[:k]), mth(hs[k:]))


def frontier(hs):
    """The stored state: roots of the perfect subtrees, largest (highest) first."""
    stack = []
    for h in hs:
        level, n = 0, h
        while stack and stack[-1][0] == level:
            n = node(stack.pop()[1], n)
            level += 1
        stack.append((level, n))
    return b"".join(h for _, h in stack)


# ---- databases -------------------------------------------------------------------

class Sqlite:
    kind = "sqlite"

    def __init__(self, tmp):
        self.tmp = tmp
        self.base = os.path.join(tmp, "base.db")
        self.tmpl = os.path.join(tmp, "attacker.db")

    def trial(self, slot):
        return os.path.join(self.tmp, f"trial{slot}.db")

    def url(self, which, slot=0):
        return "sqlite:" + {"base": self.base, "tmpl": self.tmpl,
                            "trial": self.trial(slot)}[which]

    def load(self):
        con = sqlite3.connect(self.base)
        rows = [dict(zip(COLS, r)) for r in con.execute(
            f"SELECT {', '.join(COLS)} FROM audit_entry ORDER BY seq")]
        cps = [dict(zip(["tree_size", "ts_ms", "root_hash", "signature"], r)) for r in con.execute(
            "SELECT tree_size, ts_ms, root_hash, signature FROM audit_checkpoint "
            "ORDER BY tree_size")]
        state = con.execute("SELECT log_id, tree_size, frontier FROM audit_state").fetchone()
        con.close()
        return rows, cps, state

    def make_template(self):
        for p in (self.tmpl, self.tmpl + "-wal", self.tmpl + "-shm"):
            if os.path.exists(p):
                os.unlink(p)
        shutil.copyfile(self.base, self.tmpl)
        con = sqlite3.connect(self.tmpl)
        for (name,) in con.execute("SELECT name FROM sqlite_schema WHERE type = 'trigger' "
                                   "AND tbl_name LIKE 'audit%'").fetchall():
            con.execute(f"DROP TRIGGER {name}")
        con.commit()
        con.close()

    def new_copy(self, slot):
        t = self.trial(slot)
        for p in (t, t + "-wal", t + "-shm"):
            if os.path.exists(p):
                os.unlink(p)
        shutil.copyfile(self.tmpl, t)

    def apply(self, slot, stmts):
        con = sqlite3.connect(self.trial(slot))
        con.execute("PRAGMA synchronous = OFF")  # a throw-away copy: no fsync per trial
        for sql, params in stmts:
            con.execute(sql, params)
        con.commit()
        con.close()

    def drop_copy(self, slot):
        pass

    def cleanup(self):
        pass


class Postgres:
    kind = "postgres"

    def __init__(self, url, tmp, fresh):
        self.fresh = fresh
        self.psql = shutil.which("psql") or (sorted(glob.glob("/usr/lib/postgresql/*/bin/psql"))
                                             or [None])[-1]
        if not self.psql:
            raise SystemExit("tamper.py: psql not found")
        m = re.match(r"^(postgres(?:ql)?://[^/?]*)(/[^?]*)?(\?.*)?$", url)
        if not m:
            raise SystemExit(f"tamper.py: cannot parse --pg-url {url}")
        self.prefix, self.query = m.group(1), m.group(3) or ""
        self.tag = tag = f"egov_tamper_{os.getpid()}"
        self.names = {"base": tag + "_base", "tmpl": tag + "_tmpl"}
        self.slots = set()
        self.admin = self.url_of("postgres")
        for n in self.names.values():
            self.sql(self.admin, f"DROP DATABASE IF EXISTS {n} WITH (FORCE)")
        self.sql(self.admin, f"CREATE DATABASE {self.names['base']}")

    def url_of(self, db):
        return f"{self.prefix}/{db}{self.query}"

    def trial(self, slot):
        return f"{self.tag}_trial{slot}"

    def url(self, which, slot=0):
        return self.url_of(self.trial(slot) if which == "trial" else self.names[which])

    def sql(self, url, text, capture=False):
        p = subprocess.run([self.psql, "-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1", "-d", url],
                           input=text, capture_output=True, text=True)
        if p.returncode != 0:
            raise RuntimeError(f"psql failed: {p.stderr.strip()}\n{text[:500]}")
        return p.stdout if capture else None

    def load(self):
        url = self.url("base")

        def q(sql):
            out = self.sql(url, f"SELECT coalesce(json_agg(t), '[]') FROM ({sql}) t", True)
            return json.loads(out)
        rows = q(f"SELECT {', '.join(COLS[:-1])}, encode(leaf_hash, 'hex') AS leaf_hash "
                 "FROM audit_entry ORDER BY seq")
        for r in rows:
            r["leaf_hash"] = bytes.fromhex(r["leaf_hash"])
        cps = q("SELECT tree_size, ts_ms, encode(root_hash, 'hex') AS root_hash, "
                "encode(signature, 'hex') AS signature FROM audit_checkpoint ORDER BY tree_size")
        for c in cps:
            c["root_hash"] = bytes.fromhex(c["root_hash"])
            c["signature"] = bytes.fromhex(c["signature"])
        s = q("SELECT log_id, tree_size, encode(frontier, 'hex') AS frontier FROM audit_state")[0]
        return rows, cps, (s["log_id"], s["tree_size"], bytes.fromhex(s["frontier"]))

    def make_template(self):
        self.sql(self.admin, f"CREATE DATABASE {self.names['tmpl']} TEMPLATE {self.names['base']}")
        self.sql(self.url("tmpl"), "ALTER TABLE audit_entry DISABLE TRIGGER USER;"
                                   "ALTER TABLE audit_checkpoint DISABLE TRIGGER USER;"
                                   "ALTER TABLE audit_state DISABLE TRIGGER USER;"
                                   "CREATE TABLE saved_entry AS SELECT * FROM audit_entry;"
                                   "CREATE TABLE saved_state AS SELECT * FROM audit_state;"
                                   "CREATE TABLE saved_checkpoint AS "
                                   "SELECT * FROM audit_checkpoint;")

    def new_copy(self, slot):
        if self.fresh or slot not in self.slots:
            self.sql(self.admin,
                     f"CREATE DATABASE {self.trial(slot)} TEMPLATE {self.names['tmpl']}")
        self.slots.add(slot)

    @staticmethod
    def literal(v):
        if v is None:
            return "NULL"
        if isinstance(v, bool):
            return "1" if v else "0"
        if isinstance(v, int):
            return str(v)
        if isinstance(v, (bytes, bytearray)):
            return "'\\x" + bytes(v).hex() + "'::bytea"
        return "'" + str(v).replace("'", "''") + "'"

    def apply(self, slot, stmts):
        script = []
        for sql, params in stmts:
            parts = sql.split("?")
            assert len(parts) == len(params) + 1, sql
            out = parts[0]
            for p, rest in zip(params, parts[1:]):
                out += self.literal(p) + rest
            script.append(out + ";")
        self.sql(self.url("trial", slot), "BEGIN;\n" + "\n".join(script) + "\nCOMMIT;\n")

    def drop_copy(self, slot):
        if self.fresh:
            self.sql(self.admin, f"DROP DATABASE IF EXISTS {self.trial(slot)} WITH (FORCE)")
            return
        self.sql(self.url("trial", slot),
                 "BEGIN; DELETE FROM audit_entry; INSERT INTO audit_entry SELECT * FROM saved_entry;"
                 " DELETE FROM audit_state; INSERT INTO audit_state SELECT * FROM saved_state;"
                 " DELETE FROM audit_checkpoint;"
                 " INSERT INTO audit_checkpoint SELECT * FROM saved_checkpoint; COMMIT;")

    def cleanup(self):
        for n in list(self.names.values()) + [self.trial(s) for s in self.slots]:
            self.sql(self.admin, f"DROP DATABASE IF EXISTS {n} WITH (FORCE)")


# ---- the tamperings ------------------------------------------------------------------

class Log:
    """The untouched log as loaded from the base database, for building tamperings."""

    def __init__(self, rows, cps):
        self.rows, self.cps = rows, cps
        self.n = len(rows)


def upd_row(r):
    sets = ", ".join(f"{c} = ?" for c in COLS[1:])
    return (f"UPDATE audit_entry SET {sets} WHERE seq = ?", [r[c] for c in COLS[1:]] + [r["seq"]])


def ins_row(r):
    return (f"INSERT INTO audit_entry ({', '.join(COLS)}) VALUES ({', '.join('?' * len(COLS))})",
            [r[c] for c in COLS])


def rehash(rows, state=True):
    """Statements that recompute every leaf hash (and the state) for rows, as an attacker can."""
    out = []
    for r in rows:
        h = leaf_hash(r)
        if h != r["leaf_hash"]:
            out.append(("UPDATE audit_entry SET leaf_hash = ? WHERE seq = ?", [h, r["seq"]]))
    if state:
        hs = [leaf_hash(r) for r in rows]
        out.append(("UPDATE audit_state SET tree_size = ?, frontier = ? WHERE id = 1",
                    [len(rows), frontier(hs)]))
    return out


def mutate_text(rnd, s):
    s = s or ""
    if not s or rnd.random() < 0.3:
        return s + rnd.choice("xyz0.:")
    i = rnd.randrange(len(s))
    c = rnd.choice([c for c in "abcXYZ019.:-" if c != s[i]])
    return s[:i] + c + s[i + 1:]


def t_field(rnd, log):
    r = dict(rnd.choice(log.rows))
    f = rnd.choice(FIELDS)
    if f == "ts_ms":
        r[f] += rnd.choice([-1, 1]) * rnd.randint(1, 10**6)
    elif f == "outcome":
        r[f] = rnd.choice([o for o in OUTCOMES if o != r[f]])
    elif f == "detail" and (r[f] is None or rnd.random() < 0.2):
        r[f] = "{}" if r[f] is None else None
    else:
        r[f] = mutate_text(rnd, r[f])
    sql = f"UPDATE audit_entry SET {f} = ? WHERE seq = ?"
    return f"field {f} of entry {r['seq']}", [(sql, [r[f], r["seq"]])]


def t_leaf(rnd, log):
    r = rnd.choice(log.rows)
    h = bytearray(r["leaf_hash"])
    bit = rnd.randrange(256)
    h[bit // 8] ^= 1 << (bit % 8)
    return f"leaf hash of entry {r['seq']}", [
        ("UPDATE audit_entry SET leaf_hash = ? WHERE seq = ?", [bytes(h), r["seq"]])]


def t_delete(rnd, log):
    k = rnd.randrange(log.n)
    return f"deleted entry {k}", [("DELETE FROM audit_entry WHERE seq = ?", [k])]


def forged(rnd, log, seq):
    src = rnd.choice(log.rows)
    r = dict(src)
    r["seq"] = seq
    r["actor"] = rnd.choice(["account:1", "system", "anonymous"])
    r["action"] = rnd.choice(["admin.org_unit.create", "auth.login"])
    r["outcome"] = "success"
    r["request_id"] = "forged-%d" % rnd.randrange(10**6)
    return r


def t_insert(rnd, log):
    v = rnd.choice(["tail-wrong-hash", "tail-right-hash", "middle", "middle-rehash"])
    n = log.n
    if v.startswith("tail"):
        r = forged(rnd, log, n)
        if v == "tail-right-hash":
            r["leaf_hash"] = leaf_hash(r)
        return f"inserted entry {n} ({v})", [ins_row(r)]
    k = rnd.randrange(n)
    r = forged(rnd, log, k)
    stmts = [("UPDATE audit_entry SET seq = seq + 1000000 WHERE seq >= ?", [k]),
             ("UPDATE audit_entry SET seq = seq - 999999 WHERE seq >= 1000000", []),
             ins_row(r)]
    if v == "middle-rehash":
        rows = log.rows[:k] + [r] + [dict(x, seq=x["seq"] + 1) for x in log.rows[k:]]
        stmts += rehash(rows)
    return f"inserted entry {k} ({v})", stmts


def t_swap(rnd, log):
    i, j = rnd.sample(range(log.n), 2)
    a, b = dict(log.rows[j], seq=i), dict(log.rows[i], seq=j)
    stmts = [upd_row(a), upd_row(b)]
    v = "plain"
    if rnd.random() < 0.4:
        v = "rehashed"
        rows = list(log.rows)
        rows[i], rows[j] = a, b
        stmts += rehash(rows)
    return f"swapped entries {i} and {j} ({v})", stmts


def t_truncate(rnd, log):
    k = rnd.randrange(log.n)
    v = rnd.choice(["entries", "state-rewound", "checkpoints-deleted"])
    stmts = [("DELETE FROM audit_entry WHERE seq >= ?", [k])]
    if v != "entries":
        stmts += rehash(log.rows[:k])
    if v == "checkpoints-deleted":
        stmts.append(("DELETE FROM audit_checkpoint WHERE tree_size > ?", [k]))
    return f"tail cut at {k} ({v})", stmts


def t_cp_delete(rnd, log):
    c = rnd.choice(log.cps)
    return f"deleted checkpoint {c['tree_size']}", [
        ("DELETE FROM audit_checkpoint WHERE tree_size = ?", [c["tree_size"]])]


def t_cp_modify(rnd, log):
    c = rnd.choice(log.cps)
    size = c["tree_size"]
    f = rnd.choice(["root_hash", "ts_ms", "tree_size", "signature"])
    if f in ("root_hash", "signature"):
        v = bytearray(c[f])
        bit = rnd.randrange(len(v) * 8)
        v[bit // 8] ^= 1 << (bit % 8)
        v = bytes(v)
    elif f == "ts_ms":
        v = c[f] + rnd.choice([-1, 1]) * rnd.randint(1, 10**6)
    else:
        used = {x["tree_size"] for x in log.cps}
        v = rnd.choice([s for s in range(0, log.n + 50) if s not in used])
    return f"checkpoint {size}: {f} changed", [
        (f"UPDATE audit_checkpoint SET {f} = ? WHERE tree_size = ?", [v, size])]


def t_cp_forge(rnd, log):
    c = rnd.choice(log.cps)
    if rnd.random() < 0.5 and len(log.cps) > 1:
        o = rnd.choice([x for x in log.cps if x is not c])
        return f"checkpoint {c['tree_size']}: root and signature of {o['tree_size']} replayed", [
            ("UPDATE audit_checkpoint SET root_hash = ?, signature = ? WHERE tree_size = ?",
             [o["root_hash"], o["signature"], c["tree_size"]])]
    sig = bytes(rnd.randrange(256) for _ in range(64))
    return f"checkpoint {c['tree_size']}: forged signature", [
        ("UPDATE audit_checkpoint SET signature = ? WHERE tree_size = ?", [sig, c["tree_size"]])]


KINDS = [  # (name, weight, function)
    ("modify-field", 25, t_field),
    ("modify-leaf-hash", 10, t_leaf),
    ("delete-entry", 12, t_delete),
    ("insert-entry", 12, t_insert),
    ("swap-entries", 12, t_swap),
    ("truncate-tail", 12, t_truncate),
    ("delete-checkpoint", 6, t_cp_delete),
    ("modify-checkpoint", 6, t_cp_modify),
    ("forge-signature", 5, t_cp_forge),
]


# ---- driving egov --------------------------------------------------------------------

def egov(args, env, check=True):
    p = subprocess.run(args, env=env, capture_output=True, text=True)
    if check and p.returncode != 0:
        raise RuntimeError(f"{' '.join(args)} exited {p.returncode}: {p.stdout}{p.stderr}")
    return p


def build(a, db, env):
    exe = a.egov
    egov([exe, "migrate", "--db", db.url("base")], env)
    env_append = dict(env, EGOV_TEST_AUDIT_APPEND="1")
    egov([exe, "audit", "checkpoint", "--db", db.url("base")], env)
    done, seed = 0, a.seed
    for stop in (100, 200, a.entries):
        if stop > done:
            egov([exe, "audit", "append-test", str(stop - done), "--seed", str(seed + stop),
                  "--db", db.url("base")], env_append)
            done = stop
            egov([exe, "audit", "checkpoint", "--db", db.url("base")], env)


def check_independently(rows, cps, state, anchor):
    """The log as docs/audit.md defines it, recomputed without egov."""
    hs = []
    for i, r in enumerate(rows):
        assert r["seq"] == i, f"seq {r['seq']} at position {i}"
        h = leaf_hash(r)
        assert h == r["leaf_hash"], f"leaf {i} differs from docs/audit.md's definition"
        hs.append(h)
    for c in cps:
        assert mth(hs[:c["tree_size"]]) == c["root_hash"], f"root of checkpoint {c['tree_size']}"
    assert state[1] == len(rows) and state[2] == frontier(hs), "state row"
    lines = [ln.split(" ") for ln in open(anchor).read().splitlines()]
    assert len(lines) == len(cps), f"{len(lines)} anchor lines, {len(cps)} checkpoints"
    for f in lines:
        assert f[0] == "egov-audit-checkpoint-v1" and f[1] == "egov-audit/" + state[0]
        assert base64.b64decode(f[3]) == mth(hs[:int(f[2])]), f"anchor root at {f[2]}"
    masked = [r for r in rows if re.search(r"\d{9}", (r["object"] or "") + (r["detail"] or ""))]
    assert not masked, f"an unmasked 9-digit run reached entry {masked[0]['seq']}"


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--egov", required=True)
    ap.add_argument("--db", required=True, choices=["sqlite", "postgres"])
    ap.add_argument("--pg-url")
    ap.add_argument("--trials", type=int)
    ap.add_argument("--jobs", type=int, help="trials run side by side")
    ap.add_argument("--fresh-copies", action="store_true",
                    help="PostgreSQL: a new CREATE DATABASE ... TEMPLATE for every trial")
    ap.add_argument("--entries", type=int, default=300)
    ap.add_argument("--seed", type=int, default=int(time.time()) % 100000)
    ap.add_argument("--keep", action="store_true", help="keep the temporary directory")
    ap.add_argument("-v", dest="verbose", action="store_true", help="one line per trial")
    a = ap.parse_args()
    a.egov = os.path.abspath(a.egov)
    if a.trials is None:
        a.trials = 1000 if a.db == "sqlite" else 200
    if a.jobs is None:
        a.jobs = 1
    if a.jobs < 1:
        ap.error("--jobs must be at least 1")
    if a.db == "postgres" and not a.pg_url:
        ap.error("--db postgres needs --pg-url")
    if a.entries < 210:
        ap.error("--entries must be at least 210")
    rnd = random.Random(a.seed)
    tmp = tempfile.mkdtemp(prefix="egov-tamper-")
    env = {k: v for k, v in os.environ.items() if not k.startswith("EGOV_")}
    env.update(EGOV_AUDIT_KEY=os.path.join(tmp, "keys", "audit.key"),
               EGOV_AUDIT_ANCHOR=os.path.join(tmp, "anchor", "audit-anchor.log"),
               EGOV_LOG_LEVEL="error")
    db = Sqlite(tmp) if a.db == "sqlite" else Postgres(a.pg_url, tmp, a.fresh_copies)
    t0 = time.monotonic()
    failures, controls, stats = [], 0, {k[0]: [0, 0] for k in KINDS}
    try:
        build(a, db, env)
        rows, cps, state = db.load()
        check_independently(rows, cps, state, env["EGOV_AUDIT_ANCHOR"])
        log = Log(rows, cps)
        p = egov([a.egov, "audit", "verify", "--db", db.url("base")], env, check=False)
        if p.returncode != 0 or f"audit log intact: {log.n} entries" not in p.stdout:
            raise RuntimeError(f"the untouched log does not verify: {p.stdout}{p.stderr}")
        db.make_template()
        built = time.monotonic() - t0
        print(f"tamper.py: {a.db}, seed {a.seed}: built {log.n} entries and {len(cps)} "
              f"checkpoints in {built:.1f}s (independent recomputation agrees)")
        weights = [k[1] for k in KINDS]
        plan = []  # (trial number, kind, description, statements); None: an untouched copy
        for i in range(a.trials):
            if i % 50 == 0:
                plan.append((i, None, "untouched copy", []))
            name, _, fn = rnd.choices(KINDS, weights)[0]
            plan.append((i, name, *fn(rnd, log)))
        free = list(range(a.jobs))
        lock = threading.Lock()

        def run(item):
            i, name, what, stmts = item
            with lock:
                slot = free.pop()
            try:
                db.new_copy(slot)
                if name:
                    db.apply(slot, stmts)
                p = egov([a.egov, "audit", "verify", "--db", db.url("trial", slot)], env,
                         check=False)
                db.drop_copy(slot)
            finally:
                with lock:
                    free.append(slot)
            if name is None:
                ok = p.returncode == 0
            else:
                ok = p.returncode == 1 and NAMED.search(p.stdout) is not None
            return i, name, what, ok, p

        with ThreadPoolExecutor(max_workers=a.jobs) as pool:
            for i, name, what, ok, p in pool.map(run, plan):
                if name is None:
                    controls += 1
                else:
                    stats[name][0] += 1
                    stats[name][1] += ok
                if not ok:
                    failures.append((what, f"exit {p.returncode}: {p.stdout}{p.stderr}"))
                if a.verbose:
                    print(f"  {i:4d} {what:50s} -> {p.stdout.strip() or p.stderr.strip()}")
    finally:
        if not a.keep:
            db.cleanup()
            shutil.rmtree(tmp, ignore_errors=True)
        else:
            print(f"tamper.py: kept {tmp}")
    elapsed = time.monotonic() - t0
    for name, (n, seen) in stats.items():
        print(f"  {name:20s} {seen:5d} / {n:<5d} detected")
    total = sum(s[1] for s in stats.values())
    print(f"tamper.py: {total} of {a.trials} tamperings detected, {controls} untouched copies "
          f"verified, {elapsed:.1f}s")
    for what, out in failures[:20]:
        print(f"FAILED: {what}: {out.strip()}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
