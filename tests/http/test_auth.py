"""test_auth.py - sign-in, sessions, CSRF, attribute integrity, passwords,
throttling and secrets in logs (RELIABILITY D1-D3, D5, D6, D8, E2; issue 3 items 2 and 7).

Accounts are made with the real CLI (`egov user add ... --password-stdin`) on the
test's own database, with identity and audit keys in a temporary directory of
the test (EGOV_IDENTITY_KEY, EGOV_AUDIT_KEY, EGOV_AUDIT_ANCHOR), shared by the CLI
and `egov serve`. The helpers at the top are used by test_tokens.py and
test_totp.py too.

The slow test (real idle expiry, ~65 s) is skipped when EGOV_TEST_FAST=1.
"""

import base64
import concurrent.futures
import hashlib
import hmac
import json
import os
import random
import re
import statistics
import struct
import subprocess
import time
import unicodedata

from harness import Skip, TestFailure, assert_json_error, check, eq, free_port, pg_bin, short

COOKIE = "__Host-egov"
PW = "Correct-Horse-42!"  # 17 characters, not on the breached list
TOKEN_RE = re.compile(r"^[A-Za-z0-9_-]{43}$")
API_TOKEN_RE = re.compile(r"^egov_[A-Za-z0-9_-]{43}$")
# Headers that may differ between two answers that must otherwise be identical.
VARYING_HEADERS = {"date", "x-request-id", "content-length"}


# ---- helpers shared by test_auth, test_tokens and test_totp ------------------------------


def new_pid(sex_century=0, year=None):
    """A valid 12-digit personal identification number (DOMAIN-VN 6.2): province 001
    (Ha Noi), the century/sex digit, two year digits and six random digits."""
    yy = year if year is not None else random.randint(60, 99)
    return f"001{sex_century}{yy:02d}{random.randint(0, 999999):06d}"


def canary(prefix):
    """A unique password-shaped string (letters, digits, punctuation; 12+ characters)."""
    return f"{prefix}-{random.getrandbits(48):012x}!Q"


class Auth:
    """egov serve with keys of the test's own, plus the CLI on the same database."""

    def __init__(self, ctx, env=None):
        self.ctx = ctx
        d = ctx.tempdir("egov-keys-")
        self.env = {"EGOV_IDENTITY_KEY": os.path.join(d, "identity.key"),
                    "EGOV_AUDIT_KEY": os.path.join(d, "audit.key"),
                    "EGOV_AUDIT_ANCHOR": os.path.join(d, "audit-anchor.log")}
        self.env.update(env or {})
        self.s = None
        self.cli_log = []  # (args, stdout, stderr) of every CLI run, for the secrets check

    def server(self, **kw):
        self.s = self.ctx.server(env=self.env, **kw)
        return self.s

    def cli(self, args, input=None):
        p = self.ctx.egov(list(args) + ["--db", self.s.db_url], env=self.env, input=input)
        self.cli_log.append((list(args), p.stdout, p.stderr))
        return p

    def add_user(self, login, kind="citizen", password=PW, personal_id=None, email=None,
                 name=None, tax_code=None, role=None, org=None):
        """`egov user add`; citizens get a fresh personal id and an email unless given.
        Returns a dict of what the account signs in with."""
        args = ["user", "add", "--login", login, "--kind", kind]
        if kind == "citizen":
            personal_id = personal_id or new_pid()
            email = email or f"{login}@example.vn"
        if kind == "business":
            tax_code = tax_code or f"{random.randint(0, 9999999999):010d}"
            email = email or f"{login}@example.vn"
        for flag, v in (("--personal-id", personal_id), ("--tax-code", tax_code),
                        ("--name", name), ("--email", email), ("--role", role), ("--org", org)):
            if v is not None:
                args += [flag, v]
        p = self.cli(args + ["--password-stdin"], input=password + "\n")
        check(p.returncode == 0, f"egov user add {login} failed (exit {p.returncode}): "
                                 f"{p.stderr.strip()}")
        return {"login": login, "password": password, "personal_id": personal_id,
                "email": email, "tax_code": tax_code, "kind": kind}

    def disable(self, login):
        p = self.cli(["user", "disable", "--login", login])
        check(p.returncode == 0, f"egov user disable {login}: {p.stderr.strip()}")

    def sql(self, statement):
        return self.ctx.sql(self.s.db_url, statement)

    def scalar(self, statement):
        rows = self.sql(statement)
        return int(rows[0][0]) if rows and rows[0][0] not in (None, "") else 0


def call(s, method, path, obj=None, cookie=None, csrf=None, bearer=None, headers=None,
         raw=None, timeout=10):
    """One API request: obj as JSON (or raw bytes), the session cookie, the CSRF header,
    a bearer token."""
    h = {}
    if cookie is not None:
        h["Cookie"] = f"{COOKIE}={cookie}"
    if csrf is not None:
        h["X-CSRF-Token"] = csrf
    if bearer is not None:
        h["Authorization"] = f"Bearer {bearer}"
    body = None
    if obj is not None or raw is not None:
        body = raw if raw is not None else json.dumps(obj).encode()
        h["Content-Type"] = "application/json"
    h.update(headers or {})
    return s.request(method, path, body=body, headers=h, timeout=timeout)


def set_cookie(r, name=COOKIE):
    """(value, [attributes]) of the Set-Cookie for name, or (None, None)."""
    for v in r.header_all("Set-Cookie"):
        parts = [p.strip() for p in v.split(";")]
        k, _, val = parts[0].partition("=")
        if k == name:
            return val, parts[1:]
    return None, None


class Sess:
    """A signed-in browser: the cookie token and its CSRF token."""

    def __init__(self, s, token, csrf, resp=None):
        self.s = s
        self.token = token
        self.csrf = csrf
        self.resp = resp

    def get(self, path):
        return call(self.s, "GET", path, cookie=self.token)

    def send(self, method, path, obj=None, csrf=True, **kw):
        return call(self.s, method, path, obj, cookie=self.token,
                    csrf=self.csrf if csrf is True else (csrf or None), **kw)

    def me(self):
        r = self.get("/api/v1/me")
        eq(r.status, 200, f"GET /api/v1/me with the session cookie ({short(r.body)})")
        return r.json()


def login_req(s, login, password, headers=None, cookie=None):
    return call(s, "POST", "/api/v1/session", {"login": login, "password": password},
                cookie=cookie, headers=headers)


def sign_in(s, login, password=PW, headers=None, expect_mfa=False):
    """Signs in and returns a Sess; fails the test unless the answer is 200 with a cookie."""
    r = login_req(s, login, password, headers=headers)
    eq(r.status, 200, f"POST /api/v1/session as {login!r} ({short(r.body)})")
    j = r.json()
    token, _ = set_cookie(r)
    check(token, f"no {COOKIE} cookie in the sign-in answer: {r.header_all('Set-Cookie')}")
    eq(j.get("mfa_required"), expect_mfa, "mfa_required in the sign-in answer")
    check(isinstance(j.get("csrf"), str) and TOKEN_RE.match(j["csrf"]),
          f"no 43-character csrf in the sign-in answer: {short(r.body)}")
    return Sess(s, token, j["csrf"], r)


def masked_body(r):
    """The body with its request id replaced, for byte-for-byte comparison."""
    rid = r.header("X-Request-Id") or ""
    b = r.body
    if rid:
        b = b.replace(rid.encode(), b"<request-id>")
    return b


def stable_headers(r):
    return [(k.lower(), v) for k, v in r.headers if k.lower() not in VARYING_HEADERS]


def assert_same_answer(a, b, what):
    """Same status, same headers (but Date/X-Request-Id/Content-Length), same body bytes
    apart from the request id."""
    eq(b.status, a.status, f"{what}: status")
    eq(stable_headers(b), stable_headers(a), f"{what}: headers")
    eq(masked_body(b), masked_body(a), f"{what}: body (request id masked)")


def totp(key, t=None, step=None, digits=6, period=30):
    """RFC 6238 TOTP with HMAC-SHA-1 (RFC 4226 dynamic truncation)."""
    if step is None:
        step = int((time.time() if t is None else t) // period)
    mac = hmac.new(key, struct.pack(">Q", step), hashlib.sha1).digest()
    off = mac[-1] & 0x0F
    code = (struct.unpack(">I", mac[off:off + 4])[0] & 0x7FFFFFFF) % (10 ** digits)
    return f"{code:0{digits}d}"


def b32key(secret):
    s = secret.replace(" ", "").upper()
    return base64.b32decode(s + "=" * (-len(s) % 8))


class Authenticator:
    """An authenticator app: codes egov accepts now (its window is the step before,
    the current one and the next) and whose step is above every step used so far."""

    def __init__(self, secret):
        self.secret = secret
        self.key = b32key(secret)
        self.last = -1

    def code(self):
        while True:
            t = time.time()
            now = int(t // 30)
            # The step before is safe only while the request surely lands in this step.
            low = now - 1 if t % 30 < 25 else now
            step = max(self.last + 1, low)
            if step <= now + 1:
                self.last = step
                return totp(self.key, step=step)
            time.sleep(30 - t % 30 + 0.05)

    def peek(self):
        """The code code() would give, without using it up (for requests that must be
        refused whatever the code)."""
        t = time.time()
        now = int(t // 30)
        low = now - 1 if t % 30 < 25 else now
        return totp(self.key, step=min(max(self.last + 1, low), now + 1))

    def wrong(self):
        """Six digits that are no code of the steps around now."""
        now = int(time.time() // 30)
        near = {totp(self.key, step=s) for s in range(now - 3, now + 4)}
        while True:
            c = f"{random.randint(0, 999999):06d}"
            if c not in near:
                return c


def enable_totp(sess, name="Authenticator"):
    """POST /me/totp and /me/totp/confirm; returns (Authenticator, recovery codes)."""
    r = sess.send("POST", "/api/v1/me/totp")
    eq(r.status, 200, f"POST /api/v1/me/totp ({short(r.body)})")
    secret = r.json()["secret"]
    app = Authenticator(secret)
    r = sess.send("POST", "/api/v1/me/totp/confirm", {"secret": secret, "code": app.code()})
    eq(r.status, 200, f"POST /api/v1/me/totp/confirm with the right code ({short(r.body)})")
    return app, r.json()["recovery_codes"]


def parallel(fn, items, workers=4):
    with concurrent.futures.ThreadPoolExecutor(workers) as ex:
        return list(ex.map(fn, items))


# ---- sign-in ---------------------------------------------------------------------------------


def test_sign_in_identifiers(ctx):
    """A citizen signs in with the login name, the 12-digit personal id (also written in
    groups with spaces or dots) and the email (any case); a business with its tax code;
    GET /me names the account, its kind and roles."""
    a = Auth(ctx)
    with a.server() as s:
        pid = new_pid()
        a.add_user("an.nguyen", personal_id=pid, email="An.Nguyen@Example.VN",
                         name="Nguyễn Văn An")
        a.add_user("congty-abc", kind="business", tax_code="0101234567")
        a.add_user("le.binh", kind="staff", name="Lê Bình")
        spaced = f"{pid[:3]} {pid[3:6]} {pid[6:9]} {pid[9:]}"
        dotted = f"{pid[:3]}.{pid[3:6]}.{pid[6:9]}.{pid[9:]}"
        for login in ("an.nguyen", "AN.NGUYEN", pid, spaced, dotted, "an.nguyen@example.vn",
                      "An.Nguyen@EXAMPLE.vn", "  an.nguyen@example.vn  "):
            sess = sign_in(s, login)
            j = sess.resp.json()
            eq(j["account"]["login"], "an.nguyen", f"account.login after signing in as {login!r}")
            eq(j["account"]["kind"], "citizen", "account.kind")
            me = sess.me()
            eq((me["login"], me["kind"]), ("an.nguyen", "citizen"), f"GET /me after {login!r}")
            eq([x.get("role") for x in me["roles"]], ["citizen"], "roles of a citizen")
        sess = sign_in(s, "0101234567")
        me = sess.me()
        eq((me["login"], me["kind"]), ("congty-abc", "business"), "GET /me of the business")
        eq([x.get("role") for x in me["roles"]], ["business"], "roles of a business")
        sess = sign_in(s, "le.binh")
        me = sess.me()
        eq((me["login"], me["kind"]), ("le.binh", "staff"), "GET /me of the staff member")
        check(isinstance(me.get("roles"), list), f"roles of staff: {me.get('roles')!r}")
        # Without credentials: 401.
        r = s.get("/api/v1/me")
        assert_json_error(r, 401)


def test_identical_failure_answers(ctx):
    """Wrong password, unknown login (name, personal id, email) and a disabled account
    with its right password: the same 401, the same headers, the same body but for the
    request id; and about the same time (a dummy argon2id hash for unknown logins)."""
    a = Auth(ctx)
    with a.server() as s:
        alice = a.add_user("alice")
        a.add_user("dave")
        pre = sign_in(s, "dave")
        a.disable("dave")
        wrong = login_req(s, "alice", "Wrong-Password-99")
        assert_json_error(wrong, 401, "invalid_credentials")
        check(set_cookie(wrong)[0] is None, "a failed sign-in sets the session cookie")
        cases = {
            "unknown login name": login_req(s, "nobody.here", PW),
            "unknown personal id": login_req(s, new_pid(), PW),
            "unknown email": login_req(s, "nobody@example.vn", PW),
            "disabled account, right password": login_req(s, "dave", PW),
            "wrong password via personal id": login_req(s, alice["personal_id"], "Wrong-Pass-99"),
            "wrong password via email": login_req(s, alice["email"], "Wrong-Pass-99"),
        }
        for what, r in cases.items():
            assert_same_answer(wrong, r, what)
        # English answers agree with each other too.
        en = {"Accept-Language": "en"}
        assert_same_answer(login_req(s, "alice", "Wrong-Password-99", headers=en),
                           login_req(s, "nobody.here", PW, headers=en), "English answers")
        # The disabled account's earlier session ended with it.
        r = pre.get("/api/v1/me")
        eq(r.status, 401, "GET /me with a session of an account disabled since")

        def timed(login, pw):
            t0 = time.monotonic()
            r = login_req(s, login, pw)
            eq(r.status, 401, f"sign-in as {login!r} status")
            return time.monotonic() - t0

        known = [timed("alice", f"Wrong-Password-{i:02d}") for i in range(7)]
        unknown = [timed(f"ghost{i}", f"Wrong-Password-{i:02d}") for i in range(7)]
        mk, mu = statistics.median(known), statistics.median(unknown)
        check(mu >= 0.4 * mk and mu <= 2.5 * mk,
              f"median time of a wrong password {mk * 1000:.1f} ms vs an unknown login "
              f"{mu * 1000:.1f} ms: the difference tells which logins exist")


def test_sign_in_input_errors(ctx):
    """Malformed sign-in requests are refused before any hashing, without a cookie."""
    a = Auth(ctx)
    with a.server() as s:
        a.add_user("alice")
        r = call(s, "POST", "/api/v1/session", {"login": "alice"})
        assert_json_error(r, 400)
        r = call(s, "POST", "/api/v1/session", {"login": "alice", "password": PW, "x": 1})
        assert_json_error(r, 400)
        r = call(s, "POST", "/api/v1/session", raw=b"login=alice&password=x",
                 headers={"Content-Type": "application/x-www-form-urlencoded"})
        assert_json_error(r, 415)
        r = call(s, "POST", "/api/v1/session", raw=b'{"login": "alice", "password": ')
        assert_json_error(r, 400)
        check(set_cookie(r)[0] is None, "a refused sign-in sets a cookie")


def test_concurrent_sign_ins(ctx):
    """200 sign-ins over 8 connections at a time (right and wrong passwords, unknown
    logins) while the hashing pool queues them: every one is answered (200, 401, or 429
    busy with Retry-After), and egov is still up afterwards (PERFORMANCE P6)."""
    a = Auth(ctx)
    with a.server() as s:
        a.add_user("alice")
        a.add_user("bob")

        def one(i):
            # 67 attempts per login: under the limit of 100 an hour.
            login, pw = (("alice", PW), ("bob", f"Wrong-{i:04d}-x"), (f"ghost{i}", PW))[i % 3]
            try:
                r = login_req(s, login, pw)
            except OSError as e:
                return f"{type(e).__name__}: {e}"
            if r.status == 429 and not r.header("Retry-After"):
                return "429 without Retry-After"
            return r.status

        got = parallel(one, range(200), workers=8)
        bad = [g for g in got if g not in (200, 401, 429)]
        try:
            alive = s.get("/healthz", timeout=3).status == 200
        except OSError:
            alive = False
        check(alive and not bad,
              f"egov {'answers' if alive else 'no longer answers'} /healthz; "
              f"{len(bad)} of 200 sign-ins unanswered or wrong: {sorted(set(map(str, bad)))[:4]}")
        eq(sorted(set(got[0::3])), [200], "answers to the right password")


# ---- the session cookie ------------------------------------------------------------------


def test_session_cookie(ctx):
    """__Host-egov: Secure, HttpOnly, SameSite=Lax, Path=/, no Domain; the token is
    43 base64url characters (256 bits); the CSRF token is a different 256-bit value."""
    a = Auth(ctx)
    with a.server() as s:
        a.add_user("alice")
        r = login_req(s, "alice", PW)
        eq(r.status, 200, f"sign-in status ({short(r.body)})")
        cookies = r.header_all("Set-Cookie")
        eq(len([c for c in cookies if c.startswith(COOKIE + "=")]), 1,
           f"{COOKIE} cookies in {cookies}")
        token, attrs = set_cookie(r)
        check(TOKEN_RE.match(token), f"the token {token!r} is not 43 base64url characters")
        raw = base64.urlsafe_b64decode(token + "=")
        eq(len(raw), 32, "bytes in the token")
        low = [x.lower() for x in attrs]
        for want in ("secure", "httponly", "samesite=lax", "path=/"):
            check(want in low, f"the cookie lacks {want}: {attrs}")
        check(not any(x.startswith("domain") for x in low),
              f"a __Host- cookie must not have Domain: {attrs}")
        csrf = r.json()["csrf"]
        check(csrf != token, "the CSRF token is the session token")
        check(TOKEN_RE.match(csrf), f"csrf {csrf!r} is not 43 base64url characters")
        eq(r.header("Cache-Control"), "no-store", "Cache-Control of the sign-in answer")


def test_token_sample(ctx):
    """60 sign-ins: 60 different session tokens and 60 different CSRF
    tokens, all 43 base64url characters, with about half of their 15,360 bits set."""
    a = Auth(ctx)
    with a.server() as s:
        a.add_user("alice")
        sessions = [sign_in(s, "alice") for _ in range(60)]
        tokens = [x.token for x in sessions]
        csrfs = [x.csrf for x in sessions]
        eq(len(set(tokens)), 60, "distinct session tokens in 60 sign-ins")
        eq(len(set(csrfs)), 60, "distinct CSRF tokens in 60 sign-ins")
        check(not set(tokens) & set(csrfs), "a CSRF token equals a session token")
        ones = 0
        for t in tokens:
            check(TOKEN_RE.match(t), f"token {t!r}")
            ones += sum(bin(b).count("1") for b in base64.urlsafe_b64decode(t + "="))
        n = 60 * 256
        # Binomial(n, 1/2): sigma = sqrt(n)/2 = 62; six sigma either way.
        check(abs(ones - n / 2) < 6 * (n ** 0.5) / 2,
              f"{ones} of {n} token bits are 1: not random")
        r = sessions[0].get("/api/v1/me/sessions")
        eq(r.status, 200, "GET /me/sessions")
        eq(len(r.json()["items"]), 60, "open sessions listed after 60 sign-ins")


def test_new_token_every_sign_in_and_logout(ctx):
    """Two sign-ins: two tokens, both valid. DELETE /api/v1/session ends the first (its
    token then gets 401: no replay after logout) and clears the cookie; the second lives."""
    a = Auth(ctx)
    with a.server() as s:
        a.add_user("alice")
        one = sign_in(s, "alice")
        two = sign_in(s, "alice")
        check(one.token != two.token, "the same token for two sign-ins")
        check(one.csrf != two.csrf, "the same CSRF token for two sessions")
        one.me()
        two.me()
        r = one.send("DELETE", "/api/v1/session")
        eq(r.status, 204, f"DELETE /api/v1/session ({short(r.body)})")
        v, attrs = set_cookie(r)
        check(v == "" and attrs and any(x.lower() == "max-age=0" for x in attrs),
              f"the logout answer does not clear the cookie: {r.header_all('Set-Cookie')}")
        for i in range(2):
            r = one.get("/api/v1/me")
            assert_json_error(r, 401)
        r = one.send("PATCH", "/api/v1/me", {"name": "Replayed"})
        check(r.status in (401, 403), f"PATCH /me with a logged-out token: {r.status}")
        eq(two.me()["name"], "alice", "the other session after the logout (and the name)")
        # A logged-out token cannot log out again or list sessions.
        r = one.send("DELETE", "/api/v1/session")
        assert_json_error(r, 401)


def test_session_fixation(ctx):
    """A cookie planted before sign-in (unknown, or a live session of another account)
    is never adopted: the sign-in answer sets a fresh token and the planted one stays
    what it was."""
    a = Auth(ctx)
    with a.server() as s:
        a.add_user("alice")
        a.add_user("mallory")
        planted = base64.urlsafe_b64encode(os.urandom(32)).rstrip(b"=").decode()
        r = login_req(s, "alice", PW, cookie=planted)
        eq(r.status, 200, f"sign-in with a planted unknown cookie ({short(r.body)})")
        token, _ = set_cookie(r)
        check(token and token != planted, "the planted token was kept")
        r = call(s, "GET", "/api/v1/me", cookie=planted)
        assert_json_error(r, 401)
        eq(Sess(s, token, None).me()["login"], "alice", "GET /me with the new token")
        # Mallory's own live session, planted in Alice's browser.
        m = sign_in(s, "mallory")
        r = login_req(s, "alice", PW, cookie=m.token, headers={"X-CSRF-Token": m.csrf})
        eq(r.status, 200, f"sign-in over another account's session ({short(r.body)})")
        token2, _ = set_cookie(r)
        check(token2 and token2 != m.token, "the sign-in kept mallory's token")
        eq(Sess(s, token2, None).me()["login"], "alice", "the new token is alice's")
        eq(m.me()["login"], "mallory", "mallory's token still mallory's")


def test_logout_everywhere(ctx):
    """DELETE /api/v1/me/sessions ends every session of the account (all get 401), and
    none of another account."""
    a = Auth(ctx)
    with a.server() as s:
        a.add_user("alice")
        a.add_user("bob")
        mine = [sign_in(s, "alice") for _ in range(3)]
        theirs = sign_in(s, "bob")
        r = mine[0].send("DELETE", "/api/v1/me/sessions")
        eq(r.status, 204, f"DELETE /api/v1/me/sessions ({short(r.body)})")
        for i, x in enumerate(mine):
            r = x.get("/api/v1/me")
            eq(r.status, 401, f"alice's session {i} after logging out everywhere")
        eq(theirs.me()["login"], "bob", "bob's session after alice logged out everywhere")
        fresh = sign_in(s, "alice")
        eq(fresh.me()["login"], "alice", "a sign-in after logging out everywhere")


def test_my_sessions(ctx):
    """GET /api/v1/me/sessions lists the account's sessions, exactly one `current`;
    DELETE /api/v1/me/sessions/{id} ends one of one's own, and someone else's id is
    404 (and their session lives on)."""
    a = Auth(ctx)
    with a.server() as s:
        a.add_user("alice")
        a.add_user("bob")
        one = sign_in(s, "alice", headers={"User-Agent": "Browser-One"})
        two = sign_in(s, "alice", headers={"User-Agent": "Browser-Two"})
        bob = sign_in(s, "bob")
        r = one.get("/api/v1/me/sessions")
        eq(r.status, 200, "GET /me/sessions status")
        items = r.json()["items"]
        eq(len(items), 2, f"alice's sessions: {items}")
        cur = [x for x in items if x.get("current") is True]
        eq(len(cur), 1, f"sessions marked current: {items}")
        eq(cur[0].get("user_agent"), "Browser-One", "user_agent of the current session")
        check(all(isinstance(x.get("id"), int) for x in items), f"ids: {items}")
        for x in items:
            for secret in (one.token, two.token, one.csrf, two.csrf):
                check(secret not in json.dumps(x), "a token in GET /me/sessions")
        other_id = [x["id"] for x in items if not x["current"]][0]
        bob_items = bob.get("/api/v1/me/sessions").json()["items"]
        eq(len(bob_items), 1, "bob's sessions")
        bob_id = bob_items[0]["id"]
        check(bob_id not in [x["id"] for x in items], "bob's session in alice's list")
        r = one.send("DELETE", f"/api/v1/me/sessions/{bob_id}")
        assert_json_error(r, 404)
        eq(bob.me()["login"], "bob", "bob's session after alice tried to end it")
        for bad in ("0", "-1", "abc", "99999999"):
            r = one.send("DELETE", f"/api/v1/me/sessions/{bad}")
            eq(r.status, 404, f"DELETE /me/sessions/{bad}")
        r = one.send("DELETE", f"/api/v1/me/sessions/{other_id}")
        eq(r.status, 204, f"DELETE /me/sessions/{other_id} (own) ({short(r.body)})")
        eq(two.get("/api/v1/me").status, 401, "the ended session")
        eq(one.me()["login"], "alice", "the current session after ending the other")
        eq(len(one.get("/api/v1/me/sessions").json()["items"]), 1, "sessions left")


def test_session_timeouts_configured(ctx):
    """Idle 30 min and absolute 12 h by default: a session last used 29 min ago lives,
    31 min ago it is over; one past its absolute end is over though freshly used.
    EGOV_SESSION_IDLE / EGOV_SESSION_ABSOLUTE change them; below 1m / 5m is refused.
    (Time is moved by editing the session rows' timestamps.)"""
    a = Auth(ctx)
    with a.server() as s:
        a.add_user("alice")
        fresh, idle29, idle31, past = (sign_in(s, "alice") for _ in range(4))
        rows = a.sql("SELECT id, created_at, expires_at FROM session ORDER BY id")
        eq(len(rows), 4, "session rows")
        for sid, created, expires in rows:
            eq(int(expires) - int(created), 12 * 3600 * 1000,
               f"absolute lifetime of session {sid} (ms)")
        ids = [int(r[0]) for r in rows]
        minute = 60 * 1000
        a.sql(f"UPDATE session SET last_seen_at = last_seen_at - {29 * minute}, "
              f"created_at = created_at - {29 * minute} WHERE id = {ids[1]}")
        a.sql(f"UPDATE session SET last_seen_at = last_seen_at - {31 * minute}, "
              f"created_at = created_at - {31 * minute} WHERE id = {ids[2]}")
        a.sql(f"UPDATE session SET created_at = created_at - {12 * 60 * minute + 1000}, "
              f"expires_at = expires_at - {12 * 60 * minute + 1000} WHERE id = {ids[3]}")
        eq(fresh.get("/api/v1/me").status, 200, "a fresh session")
        eq(idle29.get("/api/v1/me").status, 200, "a session idle for 29 minutes")
        r = idle31.get("/api/v1/me")
        eq(r.status, 401, "a session idle for 31 minutes")
        eq(past.get("/api/v1/me").status, 401, "a session past its absolute end")
        # Used just now, the 29-minute one is good for another 30 minutes.
        eq(idle29.get("/api/v1/me").status, 200, "the 29-minute session used again")
    b = Auth(ctx, env={"EGOV_SESSION_IDLE": "2m", "EGOV_SESSION_ABSOLUTE": "5m"})
    with b.server() as s:
        b.add_user("alice")
        x = sign_in(s, "alice")
        created, expires = (int(v) for v in b.sql("SELECT created_at, expires_at FROM session")[0])
        eq(expires - created, 5 * 60 * 1000, "absolute lifetime with EGOV_SESSION_ABSOLUTE=5m")
        b.sql(f"UPDATE session SET last_seen_at = last_seen_at - {150 * 1000}, "
              f"created_at = created_at - {150 * 1000}")
        eq(x.get("/api/v1/me").status, 401, "a session idle 2.5 min with EGOV_SESSION_IDLE=2m")
    for var, val in (("EGOV_SESSION_IDLE", "30s"), ("EGOV_SESSION_ABSOLUTE", "4m")):
        c = Auth(ctx, env={var: val})
        try:
            p = ctx.egov(["serve", "--db", ctx.fresh_db(), "--listen",
                          f"127.0.0.1:{free_port()}"], env=c.env, timeout=15)
        except subprocess.TimeoutExpired:
            raise TestFailure(f"egov serve with {var}={val} started and kept running")
        check(p.returncode != 0, f"egov serve with {var}={val} started (exit {p.returncode})")
        check(var[5:].lower() in p.stderr, f"the error does not name {var}: {p.stderr.strip()}")


def test_my_sessions_lists_only_live_ones(ctx):
    """GET /api/v1/me/sessions ("one's open sessions") leaves out sessions that can no
    longer be used: idle too long or past their absolute end (timestamps moved back)."""
    a = Auth(ctx)
    with a.server() as s:
        a.add_user("alice")
        cur, idle, past = (sign_in(s, "alice") for _ in range(3))
        ids = [int(r[0]) for r in a.sql("SELECT id FROM session ORDER BY id")]
        minute = 60 * 1000
        a.sql(f"UPDATE session SET last_seen_at = last_seen_at - {31 * minute}, "
              f"created_at = created_at - {31 * minute} WHERE id = {ids[1]}")
        a.sql(f"UPDATE session SET created_at = created_at - {12 * 60 * minute + 1000}, "
              f"expires_at = expires_at - {12 * 60 * minute + 1000} WHERE id = {ids[2]}")
        eq(idle.get("/api/v1/me").status, 401, "the idle session")
        eq(past.get("/api/v1/me").status, 401, "the session past its end")
        items = cur.get("/api/v1/me/sessions").json()["items"]
        eq([x["id"] for x in items], [ids[0]], "sessions listed (only the live one)")


def test_idle_expiry_real_time(ctx):
    """Slow (~70 s, skipped with EGOV_TEST_FAST=1): with EGOV_SESSION_IDLE=1m a session
    left alone for 65 s is over, while one used 35 s after sign-in (30 s before the
    check) is still alive: idle time counts from the last use."""
    if os.environ.get("EGOV_TEST_FAST") == "1":
        raise Skip("slow (65 s of waiting); EGOV_TEST_FAST=1")
    a = Auth(ctx, env={"EGOV_SESSION_IDLE": "1m"})
    with a.server() as s:
        a.add_user("alice")
        left, used = sign_in(s, "alice"), sign_in(s, "alice")
        t0 = time.monotonic()
        time.sleep(35)
        eq(used.get("/api/v1/me").status, 200, "the session used 35 s after sign-in")
        time.sleep(max(0.0, 65 - (time.monotonic() - t0)))
        r = left.get("/api/v1/me")
        eq(r.status, 401, "a session idle for 65 s with EGOV_SESSION_IDLE=1m")
        check(set_cookie(r)[0] == "", "the answer does not clear the stale cookie")
        r = used.get("/api/v1/me")
        eq(r.status, 200, "a session last used 30 s ago (sign-in 65 s ago) with "
                          "EGOV_SESSION_IDLE=1m: idle time must count from the last request")


# ---- CSRF ------------------------------------------------------------------------------------


def test_csrf_patch_me(ctx):
    """A cookie-authenticated PATCH /me: without X-CSRF-Token 403 csrf, with a wrong one
    (random, another session's, truncated) 403, with its own 200. Nothing changes on a
    refusal. A bearer-token PATCH needs no CSRF token."""
    a = Auth(ctx)
    with a.server() as s:
        a.add_user("alice", name="Alice")
        a.add_user("bob")
        al = sign_in(s, "alice")
        al2 = sign_in(s, "alice")
        bo = sign_in(s, "bob")
        rand = base64.urlsafe_b64encode(os.urandom(32)).rstrip(b"=").decode()
        for what, tok in (("no X-CSRF-Token", None), ("a random token", rand),
                          ("bob's token", bo.csrf), ("alice's other session's token", al2.csrf),
                          ("her token cut short", al.csrf[:42]),
                          ("her token plus one", al.csrf + "A"),
                          ("an empty token", ""), ("the session token", al.token)):
            r = call(s, "PATCH", "/api/v1/me", {"name": "Forged"}, cookie=al.token,
                     headers={} if tok is None else {"X-CSRF-Token": tok})
            e = assert_json_error(r, 403)
            eq(e["code"], "csrf", f"error code with {what}")
        eq(al.me()["name"], "Alice", "the name after forged PATCHes")
        r = al.send("PATCH", "/api/v1/me", {"name": "Alice Nguyễn"})
        eq(r.status, 200, f"PATCH /me with the right CSRF token ({short(r.body)})")
        eq(r.json().get("name"), "Alice Nguyễn", "the name in the PATCH answer")
        eq(al2.me()["name"], "Alice Nguyễn", "the name seen from the other session")
        # A form-style CSRF field is no substitute for the header on the JSON API.
        r = call(s, "PATCH", "/api/v1/me", raw=f"csrf={al.csrf}".encode(), cookie=al.token,
                 headers={"Content-Type": "application/x-www-form-urlencoded"})
        eq(r.status, 403, "PATCH /me with the CSRF token in a form body")
        # Bearer: no cookie rides along, so no CSRF token is needed.
        r = al.send("POST", "/api/v1/me/tokens", {"name": "w", "scopes": "read write"})
        eq(r.status, 201, f"POST /me/tokens ({short(r.body)})")
        tok = r.json()["token"]
        r = call(s, "PATCH", "/api/v1/me", {"name": "Via Token"}, bearer=tok)
        eq(r.status, 200, f"PATCH /me with a bearer token and no CSRF token ({short(r.body)})")
        eq(al.me()["name"], "Via Token", "the name after the bearer PATCH")


def test_csrf_every_state_changing_route(ctx):
    """Every POST/PATCH/PUT/DELETE route of the OpenAPI document that takes a session
    refuses a cookie-authenticated request without the CSRF header (403 csrf) - and one
    with another account's CSRF token. Afterwards nothing has changed."""
    a = Auth(ctx)
    with a.server() as s:
        a.add_user("alice", name="Alice")
        a.add_user("bob")
        al = sign_in(s, "alice")
        bo = sign_in(s, "bob")
        r = s.get("/api/v1/openapi.json")
        eq(r.status, 200, "GET /api/v1/openapi.json")
        doc = r.json()
        routes = []
        for path, ops in doc["paths"].items():
            for method, op in ops.items():
                if method.upper() not in ("POST", "PATCH", "PUT", "DELETE"):
                    continue
                sec = op.get("security", doc.get("security", []))
                if not any("session" in x for x in sec):
                    continue
                routes.append((method.upper(), re.sub(r"\{[^}]+\}", "1", path)))
        check(len(routes) >= 10, f"only {len(routes)} state-changing session routes: {routes}")
        body = {"name": "Forged", "current_password": PW, "new_password": "Forged-Password-1",
                "code": "123456", "secret": "A" * 32, "scopes": "read write admin"}
        refused = []
        for method, path in routes:
            for what, hdr in (("without X-CSRF-Token", {}),
                              ("with bob's CSRF token", {"X-CSRF-Token": bo.csrf})):
                r = call(s, method, path, body, cookie=al.token, headers=hdr)
                if r.status != 403 or (r.json().get("error") or {}).get("code") != "csrf":
                    refused.append(f"{method} {path} {what}: {r.status} {short(r.body, 120)}")
        check(not refused, "state-changing routes that did not answer 403 csrf: "
                           + "; ".join(refused))
        me = al.me()
        eq((me["name"], me["totp_enabled"]), ("Alice", False), "alice after the forgeries")
        eq(al.get("/api/v1/me/tokens").json()["items"], [], "alice's tokens after the forgeries")
        eq(len(al.get("/api/v1/me/sessions").json()["items"]), 1, "alice's sessions")
        sign_in(s, "alice")  # the password is unchanged


def test_sign_in_origin(ctx):
    """POST /api/v1/session from another site's page (a foreign Origin, or "null") is
    refused 403 without a cookie; the same origin is fine (login CSRF)."""
    a = Auth(ctx)
    with a.server() as s:
        a.add_user("alice")
        for origin in ("https://evil.example", "null", f"http://127.0.0.1:{s.port}.evil.example",
                       "http://evil.example:80"):
            r = login_req(s, "alice", PW, headers={"Origin": origin})
            e = assert_json_error(r, 403)
            check(set_cookie(r)[0] is None, f"Origin {origin}: a cookie was set")
            check(e["code"] != "invalid_credentials", f"Origin {origin}: {e}")
        r = login_req(s, "alice", PW, headers={"Origin": f"http://127.0.0.1:{s.port}"})
        eq(r.status, 200, f"sign-in with the same Origin ({short(r.body)})")


# ---- attribute integrity (D8) ------------------------------------------------------------


def test_profile_cannot_change_access_attributes(ctx):
    """PATCH /api/v1/me with kind, login, roles, status, email, personal_id (and other
    attributes that decide access) is 400 and changes nothing - alone or mixed with an
    allowed field; the allowed fields change."""
    a = Auth(ctx)
    with a.server() as s:
        a.add_user("alice", name="Alice")
        al = sign_in(s, "alice")
        before = al.me()
        before.pop("csrf", None)
        attempts = [
            {"kind": "staff"}, {"login": "admin"}, {"roles": [{"role": "province_admin"}]},
            {"roles": "province_admin"}, {"role": "province_admin"}, {"status": "active"},
            {"status": "disabled"}, {"email": "attacker@example.vn"},
            {"personal_id": new_pid()}, {"tax_code": "0101234567"}, {"id": 2},
            {"email_verified": True}, {"totp_enabled": False}, {"auth_source": "ldap"},
            {"org_unit": "000.00.00.H41"}, {"password_hash": "x"},
            {"name": "Mallory", "kind": "staff"}, {"name": "Mallory", "roles": ["province_admin"]},
            {"Kind": "staff"}, {"name": "Mallory", "name ": "x"},
        ]
        for body in attempts:
            r = al.send("PATCH", "/api/v1/me", body)
            e = assert_json_error(r, 400)
            check(e["code"] in ("invalid_argument", "read_only", "forbidden_field"),
                  f"PATCH /me {body}: code {e['code']}")
            after = al.me()
            after.pop("csrf", None)
            eq(after, before, f"GET /me after PATCH /me {body}")
        r = al.send("PATCH", "/api/v1/me", {"name": "Alice B", "phone": "0912 345 678",
                                             "address": "Số 1 Lê Lợi", "birth_date": "1990-05-17"})
        eq(r.status, 200, f"PATCH /me with allowed fields ({short(r.body)})")
        after = al.me()
        for k, v in (("name", "Alice B"), ("phone", "0912 345 678"),
                     ("birth_date", "1990-05-17"), ("kind", "citizen"), ("login", "alice"),
                     ("email", before["email"]), ("personal_id", before["personal_id"]),
                     ("status", "active")):
            eq(after.get(k), v, f"{k} after the allowed PATCH")


# ---- passwords (D2) ----------------------------------------------------------------------


def test_password_change(ctx):
    """POST /api/v1/me/password: a wrong current password 403; too short (11), breached
    ("password1234", any case), too long (129 characters) 400; 64- and 128-character
    passwords work; after a change every session of the account is over (401), the old
    password fails and the new one signs in."""
    a = Auth(ctx)
    with a.server() as s:
        a.add_user("alice")
        a.add_user("bob")
        one, two = sign_in(s, "alice"), sign_in(s, "alice")
        bob = sign_in(s, "bob")

        def change(sess, cur, new):
            return sess.send("POST", "/api/v1/me/password",
                             {"current_password": cur, "new_password": new})

        r = change(one, "Not-The-Password-1", "Brand-New-Password-1")
        assert_json_error(r, 403, "wrong_password")
        for weak in ("Short-Pass1", "password1234", "PASSWORD1234", "Password1234", "x" * 129,
                     "Mật-khẩu-ngắn", ""):
            if weak == "Mật-khẩu-ngắn":
                weak = "Mật-khẩu-ng"  # 11 characters, 15 bytes
            r = change(one, PW, weak)
            assert_json_error(r, 400)
        eq(one.me()["login"], "alice", "the session after refused changes")
        sign_in(s, "alice")  # the password has not changed
        pw64 = "".join(random.choice("abcdefghijkmnpqrstuvwxyzABCDEFGH0123456789-_!") for _ in
                       range(64))
        r = change(one, PW, pw64)
        eq(r.status, 204, f"a 64-character new password ({short(r.body)})")
        for i, x in enumerate((one, two)):
            eq(x.get("/api/v1/me").status, 401, f"alice's session {i} after the change")
        eq(bob.me()["login"], "bob", "bob's session after alice's change")
        r = login_req(s, "alice", PW)
        assert_json_error(r, 401, "invalid_credentials")
        three = sign_in(s, "alice", pw64)
        pw128 = ("Đường-Lê-Lợi-" * 10)[:128]
        eq(len(pw128), 128, "length of the 128-character password")
        r = change(three, pw64, pw128)
        eq(r.status, 204, f"a 128-character (Unicode) new password ({short(r.body)})")
        four = sign_in(s, "alice", pw128)
        r = change(four, pw128, pw128 + "x")
        assert_json_error(r, 400)
        eq(four.me()["login"], "alice", "the session after refusing 129 characters")


def test_password_no_truncation_and_unicode(ctx):
    """Passwords are never truncated: one differing from the real one only at byte 73
    (or later, up to character 128) is wrong. A Vietnamese password signs in whether
    typed in NFC or NFD (normalised), and length counts characters, not bytes."""
    a = Auth(ctx)
    with a.server() as s:
        base = "Sông-Hồng-chảy-về-Biển-Đông-" * 6  # multi-byte characters
        a.add_user("alice", password=PW)
        pw = "A" * 40 + "-Long-Password-" + "z" * 40  # 95 ASCII characters
        al = sign_in(s, "alice")
        r = al.send("POST", "/api/v1/me/password", {"current_password": PW, "new_password": pw})
        eq(r.status, 204, f"setting a 95-character password ({short(r.body)})")
        for pos in (72, 73, 80, 94):
            variant = pw[:pos] + ("y" if pw[pos] != "y" else "x") + pw[pos + 1:]
            r = login_req(s, "alice", variant)
            assert_json_error(r, 401, "invalid_credentials")
        for cut in (72, 73, 94):
            r = login_req(s, "alice", pw[:cut])
            assert_json_error(r, 401, "invalid_credentials")
        r = login_req(s, "alice", pw + "z")
        assert_json_error(r, 401, "invalid_credentials")
        al = sign_in(s, "alice", pw)
        nfc = unicodedata.normalize("NFC", base[:60])
        nfd = unicodedata.normalize("NFD", nfc)
        check(nfc != nfd, "the test password has no decomposable characters")
        r = al.send("POST", "/api/v1/me/password", {"current_password": pw, "new_password": nfc})
        eq(r.status, 204, f"setting a Vietnamese password ({short(r.body)})")
        al = sign_in(s, "alice", nfc)
        # 12 characters but 20+ bytes: long enough.
        short12 = "Đường-Huế-1!"
        eq(len(short12), 12, "characters in the short Vietnamese password")
        r = al.send("POST", "/api/v1/me/password",
                    {"current_password": nfc, "new_password": short12})
        eq(r.status, 204, f"a 12-character Vietnamese password ({short(r.body)})")
        sign_in(s, "alice", short12)
        # The same password typed in decomposed form (NFD, e.g. pasted on macOS).
        sign_in(s, "alice", unicodedata.normalize("NFD", short12))


# ---- throttling (D3) -------------------------------------------------------------------


def test_throttle_per_login(ctx):
    """110 wrong passwords for one login (one after the other: ~30 ms each), all 401: egov
    evaluates 100 and refuses the rest unevaluated, so then even the right password gets
    the same 401 as a wrong one (and costs the same time). Another login is unaffected."""
    a = Auth(ctx)
    with a.server() as s:
        a.add_user("victim")
        a.add_user("other")
        wrong = [login_req(s, "victim", f"Guess-{i:04d}-xyz") for i in range(110)]
        statuses = sorted({r.status for r in wrong})
        eq(statuses, [401], "statuses of 110 wrong passwords")
        for r in wrong[1:]:
            assert_same_answer(wrong[0], r, "answers to the wrong passwords")
        evaluated = a.scalar("SELECT COUNT(*) FROM audit_entry WHERE action = 'auth.login_failed'")
        throttled = a.scalar("SELECT COUNT(*) FROM audit_entry "
                             "WHERE action = 'auth.login_throttled'")
        eq((evaluated, throttled), (100, 10), "(evaluated, throttled) attempts in the audit log")
        t_right, t_eval = [], []
        for i in range(3):
            t0 = time.monotonic()
            right = login_req(s, "victim", PW)
            t_right.append(time.monotonic() - t0)
            assert_same_answer(wrong[0], right, "the right password over the limit vs a wrong one")
            check(set_cookie(right)[0] is None, "a cookie for the throttled login")
        other = sign_in(s, "other")
        eq(other.me()["login"], "other", "another login after the attack")
        for i in range(3):
            t0 = time.monotonic()
            r = login_req(s, "other", f"Wrong-Password-7{i}")
            t_eval.append(time.monotonic() - t0)
            eq(r.status, 401, "a wrong password for the other login")
        t_right, t_eval = statistics.median(t_right), statistics.median(t_eval)
        check(t_right >= 0.3 * t_eval,
              f"an unevaluated attempt took {t_right * 1000:.1f} ms, an evaluated one "
              f"{t_eval * 1000:.1f} ms: the time tells the attempt was not evaluated")


def test_throttle_per_account_across_identifiers(ctx):
    """The limit is per account (RELIABILITY D3, issue 3: "at most 100 evaluated attempts
    per account per hour"): 50 wrong passwords via the login name and 50 via the email
    exhaust it, so the right password via the personal id, the name or the email is
    refused like a wrong one."""
    a = Auth(ctx)
    with a.server() as s:
        v = a.add_user("victim")
        res = [login_req(s, "victim" if i % 2 else v["email"], f"Guess-{i:04d}-xyz")
               for i in range(100)]
        eq(sorted({r.status for r in res}), [401], "statuses of 100 wrong passwords")
        evaluated = a.scalar("SELECT COUNT(*) FROM audit_entry WHERE action = 'auth.login_failed'")
        eq(evaluated, 100, "evaluated attempts so far")
        got = {}
        for how in (v["personal_id"], "victim", v["email"]):
            r = login_req(s, how, PW)
            got[how] = r.status
        eq(got, {k: 401 for k in got},
           "answers to the right password via each identifier after 100 evaluated wrong "
           "ones for the account")


def test_throttle_per_address(ctx):
    """Once an address has made 1,000 attempts in the hour (counted in signin_attempt;
    here the counter is set), every sign-in from it is 429 rate_limited with a
    Retry-After, for a known login with its right password as for an unknown one."""
    a = Auth(ctx)
    with a.server() as s:
        a.add_user("alice")
        eq(login_req(s, "alice", "Wrong-Password-1").status, 401, "a first wrong password")
        rows = a.sql("SELECT key, minute, attempts FROM signin_attempt WHERE key LIKE 'ip:%'")
        eq(len(rows), 1, f"per-address counters: {rows}")
        key, minute, n = rows[0]
        eq(int(n), 1, "attempts counted for the address")
        a.sql(f"UPDATE signin_attempt SET attempts = 999 WHERE key = '{key}'")
        sign_in(s, "alice")  # the 1,000th attempt is still evaluated
        for login, pw in (("alice", PW), ("nobody", PW), ("alice", "Wrong-Password-2")):
            r = login_req(s, login, pw)
            assert_json_error(r, 429, "rate_limited")
            ra = r.header("Retry-After")
            check(ra is not None and ra.isdigit() and 0 < int(ra) <= 3600,
                  f"Retry-After on the 429: {ra!r}")
            check(set_cookie(r)[0] is None, "a cookie on a 429")


# ---- no secrets in logs (E2) ---------------------------------------------------------------


def test_no_secrets_in_logs(ctx):
    """Sign-ins (name, spaced personal id, email, wrong, unknown, disabled), a password
    change, CSRF failures, API tokens (session and CLI), TOTP with a recovery code, logout,
    at log level debug: no password, session or CSRF token, API token, TOTP secret,
    recovery code or full personal id in egov's stderr, in the CLI's stderr, or in the
    audit log; and no password, token or personal id in clear in the database."""
    a = Auth(ctx, env={"EGOV_LOG_LEVEL": "debug"})
    secrets = {}
    with a.server() as s:
        pid = new_pid(1, 88)
        pw1, pw2 = canary("Pw1Canary"), canary("Pw2Canary")
        wrong_pw = canary("WrongCanary")
        secrets.update(pid=pid, pid_spaced=f"{pid[:3]} {pid[3:6]} {pid[6:9]} {pid[9:]}",
                       pw1=pw1, pw2=pw2, wrong=wrong_pw)
        u = a.add_user("canary.user", personal_id=pid, password=pw1, email="canary@example.vn")
        a.add_user("gone.user", password=pw1)
        a.disable("gone.user")
        sess = [sign_in(s, secrets["pid_spaced"], pw1), sign_in(s, "canary.user", pw1),
                sign_in(s, u["email"], pw1)]
        for login in ("canary.user", pid, "no.such.user", "gone.user"):
            eq(login_req(s, login, wrong_pw).status, 401, f"wrong password as {login}")
        eq(login_req(s, "gone.user", pw1).status, 401, "the disabled account")
        sess[0].me()
        eq(call(s, "PATCH", "/api/v1/me", {"name": "X"}, cookie=sess[0].token,
                headers={"X-CSRF-Token": sess[1].csrf}).status, 403, "PATCH with a wrong CSRF")
        r = sess[0].send("POST", "/api/v1/me/password",
                         {"current_password": wrong_pw, "new_password": pw2})
        eq(r.status, 403, "password change with a wrong current one")
        r = sess[0].send("POST", "/api/v1/me/password",
                         {"current_password": pw1, "new_password": pw2})
        eq(r.status, 204, f"password change ({short(r.body)})")
        x = sign_in(s, pid, pw2)
        r = x.send("POST", "/api/v1/me/tokens", {"name": "ci", "scopes": "read write"})
        eq(r.status, 201, "token create")
        api_tok = r.json()["token"]
        eq(call(s, "GET", "/api/v1/me", bearer=api_tok).status, 200, "bearer GET /me")
        p = a.cli(["token", "create", "--login", "canary.user", "--scope", "read", "--ttl", "1d"])
        eq(p.returncode, 0, f"egov token create: {p.stderr.strip()}")
        cli_tok = p.stdout.strip()
        eq(call(s, "GET", "/api/v1/me", bearer=cli_tok).status, 200, "CLI token GET /me")
        eq(x.send("DELETE", f"/api/v1/me/tokens/{r.json()['id']}").status, 204, "token revoke")
        eq(call(s, "GET", "/api/v1/me", bearer=api_tok).status, 401, "revoked token")
        app, recovery = enable_totp(x)
        eq(x.send("DELETE", "/api/v1/session").status, 204, "logout")
        y = sign_in(s, "canary.user", pw2, expect_mfa=True)
        eq(y.send("POST", "/api/v1/session/mfa", {"code": app.wrong()}).status, 401,
           "a wrong TOTP code")
        r = y.send("POST", "/api/v1/session/mfa", {"code": app.code()})
        eq(r.status, 200, f"the TOTP step ({short(r.body)})")
        y2 = Sess(s, set_cookie(r)[0], y.csrf)
        z = sign_in(s, "canary.user", pw2, expect_mfa=True)
        r = z.send("POST", "/api/v1/session/mfa", {"code": recovery[0]})
        eq(r.status, 200, f"a recovery code ({short(r.body)})")
        y2.me()
        eq(y2.send("DELETE", "/api/v1/me/sessions").status, 204, "logout everywhere")
        secrets.update(api=api_tok, api_raw=api_tok[5:], cli=cli_tok, cli_raw=cli_tok[5:],
                       totp_secret=app.secret)
        for i, t in enumerate(sess + [x, y, y2, z]):
            secrets[f"session{i}"] = t.token
            secrets[f"csrf{i}"] = t.csrf
        for i, c in enumerate(recovery):
            secrets[f"recovery{i}"] = c
        eq(s.stop(), 0, "egov serve exit code after SIGTERM")
        err = s.stderr()
        check(len(err) > 1000 and '"type":"access"' in err.replace(" ", ""),
              f"hardly anything logged: {short(err)}")
        leaks = [f"{k} in egov's stderr: {short(err[max(0, err.find(v) - 150):err.find(v) + 60])}"
                 for k, v in secrets.items() if v in err]
        for args, out, stderr in a.cli_log:
            for k, v in secrets.items():
                if v in stderr or (v in out and args[:2] != ["token", "create"]):
                    leaks.append(f"{k} in the output of egov {' '.join(args[:2])}")
        audit = json.dumps(a.sql("SELECT actor, action, object, remote, request_id, detail "
                                 "FROM audit_entry"), ensure_ascii=False)
        leaks += [f"{k} in the audit log" for k, v in secrets.items() if v in audit]
        dump = database_bytes(ctx, s.db_url)
        for k in ("pid", "pw1", "pw2", "wrong", "api", "api_raw", "cli_raw", "totp_secret",
                  "session0", "session1", "recovery0", "recovery1"):
            if secrets[k].encode() in dump:
                leaks.append(f"{k} in clear in the database")
        check(not leaks, "secrets found: " + " | ".join(leaks))


def database_bytes(ctx, db_url):
    """Everything in the database as bytes: the SQLite files, or a pg_dump."""
    if db_url.startswith("sqlite:"):
        path = db_url[len("sqlite:"):]
        out = b""
        for suffix in ("", "-wal", "-journal"):
            try:
                with open(path + suffix, "rb") as f:
                    out += f.read()
            except OSError:
                pass
        return out
    p = subprocess.run([pg_bin("pg_dump"), "-a", "-d", db_url], capture_output=True,
                       timeout=60)
    if p.returncode != 0:
        raise TestFailure(f"pg_dump failed: {p.stderr.decode(errors='replace').strip()}")
    return p.stdout
