"""harness.py - start the real egov binary and talk HTTP to it.

Used by run.py and the test_*.py modules next to it. Python 3 standard library
only. A test is a function test_NAME(ctx) in a test_*.py module; it starts
servers with `with ctx.server(...) as s:` and asserts with the helpers below.

What this module gives a test:
  ctx.server(env=..., args=..., static_dir=..., init=True)
      a fresh database (SQLite file in a temp dir, or a fresh PostgreSQL
      database), `egov init --demo`, `egov serve` on a free port with stderr
      captured; on leaving the block SIGTERM, and the exit code must be 0.
  s.get/post/request(...)      http.client, one connection per request
  s.raw(bytes)                 a raw socket: send bytes, read until close/timeout
  parse_responses(bytes)       split raw bytes into HTTP responses
  ctx.egov(args, env=...)      run an egov subcommand, capture its output
  ctx.fresh_db()               a database URL of its own, dropped afterwards
"""

import contextlib
import http.client
import json
import os
import random
import re
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import urllib.parse
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
STATIC_DIR = REPO / "web" / "static"


class Skip(Exception):
    """Raised by a test that cannot run here (reason in the message)."""


class TestFailure(AssertionError):
    pass


def check(cond, msg):
    if not cond:
        raise TestFailure(msg)


def eq(actual, expected, what):
    if actual != expected:
        raise TestFailure(f"{what}: expected {expected!r}, got {actual!r}")


def short(b, n=300):
    """A printable excerpt of bytes or str for failure messages."""
    if isinstance(b, bytes):
        b = b.decode("utf-8", "replace")
    b = b.replace("\r", "\\r").replace("\n", "\\n")
    return b if len(b) <= n else b[:n] + "..."


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def port_is_free(port, host="127.0.0.1"):
    with socket.socket() as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind((host, port))
            return True
        except OSError:
            return False


def clean_env(extra=None):
    """The environment for egov: ours without EGOV_* variables, plus extra."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("EGOV_")}
    env.setdefault("LANG", "C.UTF-8")
    if extra:
        for k, v in extra.items():
            if v is None:
                env.pop(k, None)
            else:
                env[k] = str(v)
    return env


# ---- PostgreSQL helpers ---------------------------------------------------------


def pg_bin(name):
    """A PostgreSQL client program, from the newest /usr/lib/postgresql/*/bin."""
    def version(d):
        return int(d.parent.name) if d.parent.name.isdigit() else 0
    for d in sorted(Path("/usr/lib/postgresql").glob("*/bin"), key=version, reverse=True):
        if (d / name).exists():
            return str(d / name)
    found = shutil.which(name)
    if found:
        return found
    raise Skip(f"{name} not found under /usr/lib/postgresql/*/bin")


def with_dbname(url, dbname):
    u = urllib.parse.urlsplit(url)
    return urllib.parse.urlunsplit((u.scheme, u.netloc, "/" + dbname, u.query, u.fragment))


def dbname_of(url):
    return urllib.parse.urlsplit(url).path.lstrip("/")


def psql(url, sql, check_rc=True, timeout=30):
    """Runs SQL through psql; returns stdout (tuples only, unaligned)."""
    p = subprocess.run([pg_bin("psql"), "-X", "-qAt", "-v", "ON_ERROR_STOP=1", "-d", url,
                        "-c", sql], capture_output=True, text=True, timeout=timeout)
    if check_rc and p.returncode != 0:
        raise TestFailure(f"psql failed ({sql!r}): {p.stderr.strip()}")
    return p.stdout


def new_db_name():
    return "egov_t_%08x" % random.getrandbits(32)


class PgPool:
    """Creates empty databases ahead of the tests and drops used ones behind them,
    on background threads, so a test does not wait for CREATE/DROP DATABASE.
    Every test still gets a database nobody has used."""

    def __init__(self, pg_url, ahead=2):
        import queue
        import threading
        self.admin = with_dbname(pg_url, "postgres")
        self.ready = queue.Queue(maxsize=ahead)
        self.used = queue.Queue()
        self.stop = threading.Event()
        self.error = None
        self.threads = [threading.Thread(target=self._create, daemon=True),
                        threading.Thread(target=self._drop, daemon=True),
                        threading.Thread(target=self._drop, daemon=True)]
        for t in self.threads:
            t.start()

    def _create(self):
        import queue
        while not self.stop.is_set():
            name = new_db_name()
            try:
                psql(self.admin, f'CREATE DATABASE "{name}"')
            except Exception as e:  # noqa: BLE001 - reported to the taker
                self.error = e
                return
            while True:
                try:
                    self.ready.put(name, timeout=0.2)
                    break
                except queue.Full:
                    if self.stop.is_set():
                        self.used.put(name)
                        return

    def _drop(self):
        while True:
            name = self.used.get()
            if name is None:
                return
            psql(self.admin, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)', check_rc=False)

    def take(self):
        import queue
        while True:
            if self.error:
                raise TestFailure(f"cannot create a test database: {self.error}")
            try:
                return self.ready.get(timeout=0.5)
            except queue.Empty:
                continue

    def release(self, name):
        self.used.put(name)

    def close(self):
        import queue
        self.stop.set()
        self.threads[0].join(10)
        while True:
            try:
                self.used.put(self.ready.get_nowait())
            except queue.Empty:
                break
        for t in self.threads[1:]:
            self.used.put(None)
        for t in self.threads[1:]:
            t.join(60)


# ---- responses ----------------------------------------------------------------------


class Resp:
    """A response read with http.client (or parsed from raw bytes)."""

    def __init__(self, status, reason, headers, body):
        self.status = status
        self.reason = reason
        self.headers = headers  # list of (name, value), order kept
        self.body = body

    def header(self, name, default=None):
        name = name.lower()
        for k, v in self.headers:
            if k.lower() == name:
                return v
        return default

    def header_all(self, name):
        name = name.lower()
        return [v for k, v in self.headers if k.lower() == name]

    @property
    def text(self):
        return self.body.decode("utf-8", "replace")

    def json(self):
        try:
            return json.loads(self.body.decode("utf-8"))
        except (ValueError, UnicodeDecodeError) as e:
            raise TestFailure(f"the body is not JSON ({e}): {short(self.body)}")

    def __repr__(self):
        return f"<{self.status} {short(self.body, 160)}>"


def parse_responses(data):
    """Splits raw bytes into responses; returns (list of Resp, leftover bytes)."""
    out = []
    rest = data
    while rest:
        end = rest.find(b"\r\n\r\n")
        if end < 0 or not rest.startswith(b"HTTP/"):
            break
        head = rest[:end].decode("latin-1").split("\r\n")
        m = re.match(r"HTTP/\d\.\d (\d{3}) ?(.*)", head[0])
        if not m:
            break
        headers = []
        for line in head[1:]:
            k, _, v = line.partition(":")
            headers.append((k.strip(), v.strip()))
        r = Resp(int(m.group(1)), m.group(2), headers, b"")
        body_start = end + 4
        te = (r.header("Transfer-Encoding") or "").lower()
        if "chunked" in te:
            pos = body_start
            body = b""
            while True:
                nl = rest.find(b"\r\n", pos)
                if nl < 0:
                    break
                size = int(rest[pos:nl].split(b";")[0] or b"0", 16)
                pos = nl + 2
                if size == 0:
                    trailer_end = rest.find(b"\r\n", pos)
                    pos = trailer_end + 2 if trailer_end >= 0 else len(rest)
                    break
                body += rest[pos:pos + size]
                pos += size + 2
            r.body = body
            rest = rest[pos:]
        else:
            n = int(r.header("Content-Length") or 0)
            if r.status in (204, 304):
                n = 0
            r.body = rest[body_start:body_start + n]
            rest = rest[body_start + n:]
        out.append(r)
    return out, rest


# ---- the server ------------------------------------------------------------------------


class Server:
    """One `egov serve` process on a database of its own."""

    def __init__(self, ctx, db_url, env=None, args=None, static_dir=None, init=True,
                 cwd=None, listen=True, wait=True, port=None):
        """db_url "" = no --db flag; static_dir "" = no --static-dir flag; listen=False =
        no --listen flag (then port says where egov is expected to listen)."""
        self.ctx = ctx
        self.db_url = db_url
        self.env = dict(env or {})
        self.args = list(args or [])
        self.static_dir = str(STATIC_DIR) if static_dir is None else str(static_dir)
        self.init = init
        self.cwd = cwd
        self.listen = listen
        self.wait = wait
        self.port = port
        self.proc = None
        self.exit_code = None
        self.stop_seconds = None
        self.stopped = False  # the test stopped it (stop() or wait_exit())
        self._err_path = None
        self._out_path = None

    # -- life cycle
    def start(self):
        if self.init and self.db_url:
            p = self.ctx.egov(["init", "--demo", "--db", self.db_url], env=self.env)
            check(p.returncode == 0,
                  f"egov init --demo failed (exit {p.returncode}): {p.stderr.strip()}")
        tmp = self.ctx.tempdir("serve-")
        self._err_path = os.path.join(tmp, "stderr")
        self._out_path = os.path.join(tmp, "stdout")
        cmd = [self.ctx.egov_path, "serve"]
        if self.db_url:
            cmd += ["--db", self.db_url]
        if self.listen:
            self.port = free_port()
            cmd += ["--listen", f"127.0.0.1:{self.port}"]
        if self.static_dir:
            cmd += ["--static-dir", self.static_dir]
        cmd += self.args
        self.cmd = cmd
        with open(self._err_path, "wb") as err, open(self._out_path, "wb") as out:
            self.proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=out, stderr=err,
                                         env=clean_env({**self.ctx.keys_env(), **self.env}),
                                         cwd=self.cwd)
        if self.wait:
            self.wait_ready()
        return self

    def wait_ready(self, timeout=10):
        deadline = time.monotonic() + timeout
        last = None
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise TestFailure(f"egov serve exited with {self.proc.returncode} before "
                                  f"answering /healthz: {short(self.stderr(), 600)}")
            try:
                r = self.get("/healthz", timeout=1)
                if r.status == 200:
                    return
                last = r
            except OSError as e:
                last = e
            time.sleep(0.03)
        raise TestFailure(f"egov serve did not answer /healthz within {timeout}s ({last!r}): "
                          f"{short(self.stderr(), 600)}")

    def kill_with(self, sig):
        self.proc.send_signal(sig)

    def stop(self, sig=signal.SIGTERM, timeout=20):
        """Sends sig and waits; returns the exit code (None if it had to be killed)."""
        if self.proc is None:
            return None
        self.stopped = True
        if self.proc.poll() is None:
            t0 = time.monotonic()
            self.proc.send_signal(sig)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
                self.exit_code = None
                self.stop_seconds = None
                return None
            self.stop_seconds = time.monotonic() - t0
        self.exit_code = self.proc.returncode
        return self.exit_code

    def wait_exit(self, timeout):
        """Waits for the process to end by itself; returns (code, seconds) or (None, None)."""
        t0 = time.monotonic()
        try:
            self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            return None, None
        self.stopped = True
        self.exit_code = self.proc.returncode
        return self.exit_code, time.monotonic() - t0

    def stderr(self):
        try:
            with open(self._err_path, "rb") as f:
                return f.read().decode("utf-8", "replace")
        except (OSError, TypeError):
            return ""

    def log_lines(self):
        """stderr as parsed JSON objects; a non-JSON line becomes {'_raw': line}."""
        out = []
        for line in self.stderr().splitlines():
            if not line.strip():
                continue
            try:
                out.append(json.loads(line))
            except ValueError:
                out.append({"_raw": line})
        return out

    def access_log(self):
        return [o for o in self.log_lines() if o.get("type") == "access"]

    def __enter__(self):
        return self.start()

    def __exit__(self, et, ev, tb):
        if self.proc is None:
            return False
        if self.stopped and self.proc.poll() is not None:
            if et is None:
                sanitizer_check(self.stderr(), "egov serve")
            return False
        if self.proc.poll() is not None:
            code = self.proc.returncode
            if et is None:
                raise TestFailure(f"egov serve exited by itself with {code}: "
                                  f"{short(self.stderr(), 600)}")
            return False
        code = self.stop()
        if et is None:
            check(code is not None, "egov did not exit within 20 s of SIGTERM")
            check(code == 0, f"egov serve exited with {code} after SIGTERM (expected 0): "
                             f"{short(self.stderr()[-600:], 600)}")
        sanitizer_check(self.stderr(), "egov serve")
        return False

    # -- HTTP
    def conn(self, timeout=5):
        return http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)

    def request(self, method, path, body=None, headers=None, timeout=5, conn=None):
        own = conn is None
        c = conn or self.conn(timeout)
        try:
            hdrs = dict(headers or {})
            if isinstance(body, str):
                body = body.encode("utf-8")
            c.putrequest(method, path, skip_accept_encoding=True)
            for k, v in hdrs.items():
                c.putheader(k, v)
            if body is not None and not any(k.lower() in ("content-length", "transfer-encoding")
                                            for k in hdrs):
                c.putheader("Content-Length", str(len(body)))
            c.endheaders(body)
            r = c.getresponse()
            data = r.read()
            return Resp(r.status, r.reason, r.getheaders(), data)
        finally:
            if own:
                c.close()

    def get(self, path, headers=None, timeout=5, conn=None):
        return self.request("GET", path, headers=headers, timeout=timeout, conn=conn)

    def post_json(self, path, obj=None, raw=None, ctype="application/json", headers=None):
        body = raw if raw is not None else json.dumps(obj).encode()
        h = {"Content-Type": ctype} if ctype else {}
        h.update(headers or {})
        return self.request("POST", path, body=body, headers=h)

    def connect(self, timeout=5):
        s = socket.create_connection(("127.0.0.1", self.port), timeout=timeout)
        s.settimeout(timeout)
        return s

    def raw(self, data, timeout=3, until_close=True):
        """Sends raw bytes; reads until the server closes or timeout. Returns (bytes, closed)."""
        s = self.connect(timeout)
        try:
            s.sendall(data)
            return read_all(s, timeout, until_close)
        finally:
            s.close()

    def raw_one(self, data, timeout=3):
        """Sends raw bytes, returns the first response parsed (fails if none)."""
        got, _ = self.raw(data, timeout)
        rs, _ = parse_responses(got)
        check(rs, f"no HTTP response to {short(data, 120)}; got {short(got)}")
        return rs[0]


def read_all(s, timeout, until_close=True):
    """Reads from s until EOF (closed=True) or until timeout passes (closed=False).
    With until_close=False it returns as soon as one complete response is in."""
    s.settimeout(timeout)
    out = b""
    deadline = time.monotonic() + timeout
    while True:
        left = deadline - time.monotonic()
        if left <= 0:
            return out, False
        s.settimeout(left)
        try:
            b = s.recv(65536)
        except socket.timeout:
            return out, False
        except ConnectionResetError:
            return out, True
        if not b:
            return out, True
        out += b
        if not until_close:
            rs, rest = parse_responses(out)
            if rs and _complete(out):
                return out, False


def _complete(data):
    end = data.find(b"\r\n\r\n")
    if end < 0:
        return False
    rs, rest = parse_responses(data)
    if not rs:
        return False
    r = rs[0]
    n = int(r.header("Content-Length") or 0)
    if "chunked" in (r.header("Transfer-Encoding") or "").lower():
        return data.endswith(b"0\r\n\r\n")
    return len(data) >= end + 4 + n


SANITIZER_MARKS = ("ERROR: AddressSanitizer", "ERROR: LeakSanitizer", "runtime error:",
                   "Segmentation fault", "core dumped", "ThreadSanitizer")


def sanitizer_check(text, what):
    for m in SANITIZER_MARKS:
        if m in text:
            i = text.find(m)
            raise TestFailure(f"{what}: {m} in its output: {short(text[i:i + 400], 400)}")


# ---- the per-test context --------------------------------------------------------------------


class Context:
    def __init__(self, egov_path, db_kind, pg_url=None, verbose=False, pg_pool=None):
        self.pg_pool = pg_pool
        self.egov_path = egov_path
        self.db_kind = db_kind
        self.pg_url = pg_url
        self.verbose = verbose
        self._cleanups = []
        self._servers = []

    @property
    def postgres(self):
        return self.db_kind == "postgres"

    def tempdir(self, prefix="egov-t-"):
        d = tempfile.mkdtemp(prefix=prefix)
        self._cleanups.append(lambda: shutil.rmtree(d, ignore_errors=True))
        return d

    def fresh_db(self):
        """A database URL nobody else uses; dropped at the end of the test."""
        if self.db_kind == "sqlite":
            d = self.tempdir("egov-db-")
            return "sqlite:" + os.path.join(d, "egov.db")
        if self.pg_pool:
            name = self.pg_pool.take()
            self._cleanups.append(lambda: self.pg_pool.release(name))
            return with_dbname(self.pg_url, name)
        name = new_db_name()
        admin = with_dbname(self.pg_url, "postgres")
        psql(admin, f'CREATE DATABASE "{name}"')
        self._cleanups.append(lambda: psql(admin, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)',
                                           check_rc=False))
        return with_dbname(self.pg_url, name)

    def server(self, db_url=None, **kw):
        s = Server(self, self.fresh_db() if db_url is None else db_url, **kw)
        self._servers.append(s)
        return s

    def keys_env(self):
        """Each test's own identity and audit keys and anchor file, outside the source tree
        (egov's defaults would put them in var/ of the current directory). Explicit
        EGOV_* settings of a test win over these."""
        if not hasattr(self, "_keys_env"):
            d = self.tempdir("egov-keys-")
            self._keys_env = {"EGOV_IDENTITY_KEY": os.path.join(d, "identity.key"),
                              "EGOV_AUDIT_KEY": os.path.join(d, "audit.key"),
                              "EGOV_AUDIT_ANCHOR": os.path.join(d, "audit-anchor.log")}
        return self._keys_env

    def egov(self, args, env=None, cwd=None, timeout=30, input=None):
        merged = {**self.keys_env(), **(env or {})}
        p = subprocess.run([self.egov_path] + list(args), capture_output=True, text=True,
                           env=clean_env(merged), cwd=cwd, timeout=timeout, input=input,
                           errors="replace")
        sanitizer_check(p.stderr, "egov " + " ".join(args[:1]))
        return p

    def sql(self, db_url, statement):
        """Runs one statement on a database egov uses (SQLite or PostgreSQL)."""
        if db_url.startswith("sqlite:"):
            import sqlite3
            con = sqlite3.connect(db_url[len("sqlite:"):])
            try:
                cur = con.execute(statement)
                rows = cur.fetchall()
                con.commit()
                return rows
            finally:
                con.close()
        out = psql(db_url, statement)
        return [tuple(line.split("|")) for line in out.splitlines() if line]

    def close(self):
        for s in self._servers:
            if s.proc is not None and s.proc.poll() is None:
                s.proc.kill()
                s.proc.wait()
        for fn in reversed(self._cleanups):
            try:
                fn()
            except Exception:  # noqa: BLE001 - cleanup must not hide the result
                pass


# ---- shared assertions ---------------------------------------------------------------------


def assert_json_error(r, status, code=None):
    eq(r.status, status, "status")
    ct = r.header("Content-Type") or ""
    check(ct.startswith("application/json"), f"Content-Type is {ct!r}, expected application/json")
    j = r.json()
    check(isinstance(j, dict) and isinstance(j.get("error"), dict),
          f"body is not {{\"error\":{{...}}}}: {short(r.body)}")
    e = j["error"]
    check(isinstance(e.get("code"), str) and e["code"], f"error.code missing: {short(r.body)}")
    check(isinstance(e.get("message"), str) and e["message"],
          f"error.message missing: {short(r.body)}")
    if code is not None:
        eq(e["code"], code, "error.code")
    return e


def assert_no_file_leak(r, *canaries):
    for c in canaries:
        check(c.encode() not in r.body, f"the response leaks {c!r}: {short(r.body)}")


@contextlib.contextmanager
def timed(limit, what):
    t0 = time.monotonic()
    yield
    dt = time.monotonic() - t0
    check(dt <= limit, f"{what} took {dt:.2f}s (limit {limit}s)")


def only(db_kind):
    """Marks a test that runs on one database only (the runner prints SKIP elsewhere)."""
    def deco(fn):
        fn.only_db = db_kind
        return fn
    return deco


def stream_request(s, head, body, piece=8192, timeout=5):
    """Sends head, then body in pieces the way a real client does: it stops sending
    as soon as the server answers or the connection breaks. Returns
    (first response or None, all bytes read, bytes of body sent)."""
    import select
    sock = s.connect(timeout)
    got = b""
    sent = 0
    try:
        sock.sendall(head)
        while sent < len(body):
            ready, _, _ = select.select([sock], [], [], 0)
            if ready:
                break
            try:
                sock.sendall(body[sent:sent + piece])
            except OSError:
                break
            sent += min(piece, len(body) - sent)
        try:
            more, _ = read_all(sock, timeout, until_close=False)
            got += more
        except OSError:
            pass
    finally:
        sock.close()
    rs, _ = parse_responses(got)
    return (rs[0] if rs else None), got, sent
