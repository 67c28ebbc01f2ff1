"""test_totp.py - the TOTP second factor (RFC 6238: HMAC-SHA-1, 30 s, 6 digits) with
recovery codes and replay rejection (issue 3 item 2, RELIABILITY D4). Codes are
computed here with hmac/hashlib from the standard library, checked against the
RFC 6238 test vectors first."""

import re
import time
import urllib.parse

from harness import assert_json_error, check, eq, short
from test_auth import (PW, Auth, Authenticator, Sess, b32key, call, enable_totp, set_cookie,
                       sign_in, totp)


def test_rfc6238_vectors(ctx):
    """Our TOTP against RFC 6238 appendix B (SHA-1, 8 digits) and the RFC 4226 HOTP
    values (6 digits, counter as the step)."""
    key = b"12345678901234567890"
    for t, want in ((59, "94287082"), (1111111109, "07081804"), (1111111111, "14050471"),
                    (1234567890, "89005924"), (2000000000, "69279037"),
                    (20000000000, "65353130")):
        eq(totp(key, t=t, digits=8), want, f"TOTP-SHA1 at T={t}")
    hotp = ["755224", "287082", "359152", "969429", "338314", "254676", "287922", "162583",
            "399871", "520489"]
    for i, want in enumerate(hotp):
        eq(totp(key, step=i), want, f"HOTP counter {i}")
    eq(b32key("GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"), key, "base32 decoding")


def test_totp_flow(ctx):
    """Enrol (wrong code 400, right code: 10 recovery codes), sign out, sign in:
    mfa_required and a half session that gets 401 mfa_required; a wrong code 401; the
    right code 200 with a NEW cookie token (the half-session token is dead); the same
    code on a new sign-in is refused (replay); DELETE /me/totp with a code turns it off."""
    a = Auth(ctx)
    with a.server() as s:
        pid = a.add_user("alice", name="Trần Thị Bích")["personal_id"]
        al = sign_in(s, "alice")
        r = al.send("POST", "/api/v1/me/totp")
        eq(r.status, 200, f"POST /me/totp ({short(r.body)})")
        j = r.json()
        secret = j["secret"]
        check(re.fullmatch(r"[A-Z2-7]{32}", secret), f"secret {secret!r} is not 32 base32 chars")
        eq(len(b32key(secret)), 20, "secret bytes (160 bits)")
        uri = urllib.parse.urlsplit(j["otpauth_uri"])
        eq((uri.scheme, uri.netloc), ("otpauth", "totp"), f"otpauth URI {j['otpauth_uri']}")
        q = dict(urllib.parse.parse_qsl(uri.query))
        eq((q.get("secret"), q.get("algorithm", "SHA1"), q.get("digits", "6"),
            q.get("period", "30")), (secret, "SHA1", "6", "30"), "otpauth parameters")
        check(pid not in j["otpauth_uri"], "the personal id in the otpauth URI")
        eq(al.me()["totp_enabled"], False, "totp_enabled before confirming")
        app = Authenticator(secret)
        r = al.send("POST", "/api/v1/me/totp/confirm", {"secret": secret, "code": app.wrong()})
        assert_json_error(r, 400)
        r = al.send("POST", "/api/v1/me/totp/confirm", {"secret": secret, "code": "12345"})
        assert_json_error(r, 400)
        eq(al.me()["totp_enabled"], False, "totp_enabled after a wrong code")
        r = al.send("POST", "/api/v1/me/totp/confirm", {"secret": secret, "code": app.code()})
        eq(r.status, 200, f"confirm with the right code ({short(r.body)})")
        codes = r.json()["recovery_codes"]
        eq(len(codes), 10, "recovery codes")
        eq(len(set(codes)), 10, "distinct recovery codes")
        eq(al.me()["totp_enabled"], True, "totp_enabled after confirming")
        eq(al.send("DELETE", "/api/v1/session").status, 204, "sign out")

        half = sign_in(s, "alice", expect_mfa=True)
        j = half.resp.json()
        check("account" not in j or not j["account"], f"account details before MFA: {j}")
        r = half.get("/api/v1/me")
        assert_json_error(r, 401, "mfa_required")
        r = half.send("POST", "/api/v1/session/mfa", {"code": app.wrong()})
        assert_json_error(r, 401, "invalid_code")
        check(set_cookie(r)[0] in (None, half.token), "a wrong code rotated the cookie")
        code = app.code()
        r = half.send("POST", "/api/v1/session/mfa", {"code": code})
        eq(r.status, 200, f"POST /session/mfa with the right code ({short(r.body)})")
        eq(r.json().get("mfa_required"), False, "mfa_required after the second factor")
        new_token, attrs = set_cookie(r)
        check(new_token and new_token != half.token, "no new session token after the TOTP step")
        check({"Secure", "HttpOnly", "SameSite=Lax", "Path=/"} <= set(attrs),
              f"attributes of the rotated cookie: {attrs}")
        full = Sess(s, new_token, r.json().get("csrf") or half.csrf)
        eq(full.me()["login"], "alice", "GET /me after the TOTP step")
        r = half.get("/api/v1/me")
        assert_json_error(r, 401)
        r = full.send("POST", "/api/v1/session/mfa", {"code": app.peek()})
        assert_json_error(r, 409)

        # Replay: the same code once more, on a fresh sign-in.
        again = sign_in(s, "alice", expect_mfa=True)
        r = again.send("POST", "/api/v1/session/mfa", {"code": code})
        assert_json_error(r, 401, "invalid_code")
        assert_json_error(again.get("/api/v1/me"), 401, "mfa_required")

        # Off, with a current code; a wrong one first.
        r = full.send("DELETE", "/api/v1/me/totp", {"code": app.wrong()})
        check(r.status in (400, 401, 403), f"DELETE /me/totp with a wrong code: {r.status}")
        eq(full.me()["totp_enabled"], True, "totp_enabled after a wrong code to turn it off")
        r = full.send("DELETE", "/api/v1/me/totp", {"code": app.code()})
        eq(r.status, 204, f"DELETE /me/totp with the right code ({short(r.body)})")
        eq(full.me()["totp_enabled"], False, "totp_enabled after turning it off")
        plain = sign_in(s, "alice")
        eq(plain.me()["login"], "alice", "a sign-in without the second factor")


def test_totp_recovery_codes(ctx):
    """A recovery code completes the second factor once (any case, with or without the
    dash), never twice; the other codes still work."""
    a = Auth(ctx)
    with a.server() as s:
        a.add_user("alice")
        _, codes = enable_totp(sign_in(s, "alice"))
        for c in codes:
            check(re.fullmatch(r"[a-z2-9]{4}-[a-z2-9]{4}", c), f"recovery code {c!r}")
        h = sign_in(s, "alice", expect_mfa=True)
        r = h.send("POST", "/api/v1/session/mfa", {"code": codes[0]})
        eq(r.status, 200, f"a recovery code ({short(r.body)})")
        tok, _ = set_cookie(r)
        check(tok and tok != h.token, "no new token after a recovery code")
        eq(Sess(s, tok, h.csrf).me()["login"], "alice", "GET /me after a recovery code")
        h = sign_in(s, "alice", expect_mfa=True)
        r = h.send("POST", "/api/v1/session/mfa", {"code": codes[0]})
        assert_json_error(r, 401, "invalid_code")
        r = h.send("POST", "/api/v1/session/mfa", {"code": codes[1].upper().replace("-", "")})
        eq(r.status, 200, f"another recovery code, upper case without the dash ({short(r.body)})")
        h = sign_in(s, "alice", expect_mfa=True)
        r = h.send("POST", "/api/v1/session/mfa", {"code": codes[1]})
        assert_json_error(r, 401, "invalid_code")
        r = h.send("POST", "/api/v1/session/mfa", {"code": "zzzz-zzzz"})
        assert_json_error(r, 401, "invalid_code")


def test_mfa_pending_session_is_confined(ctx):
    """A session that still owes its second factor gets 401 mfa_required everywhere but
    the TOTP step and sign-out: no profile, no sessions list, no API token (which would
    bypass the second factor), no TOTP change, no password change. The TOTP step needs
    the CSRF token. Sign-out works."""
    a = Auth(ctx)
    with a.server() as s:
        a.add_user("alice", name="Alice")
        app, _ = enable_totp(sign_in(s, "alice"))
        h = sign_in(s, "alice", expect_mfa=True)
        for method, path, body in (("GET", "/api/v1/me", None),
                                   ("PATCH", "/api/v1/me", {"name": "Half"}),
                                   ("GET", "/api/v1/me/sessions", None),
                                   ("DELETE", "/api/v1/me/sessions", None),
                                   ("GET", "/api/v1/me/tokens", None),
                                   ("POST", "/api/v1/me/tokens", {"name": "x", "scopes": "read"}),
                                   ("POST", "/api/v1/me/totp", None),
                                   ("DELETE", "/api/v1/me/totp", {"code": app.wrong()}),
                                   ("POST", "/api/v1/me/password",
                                    {"current_password": PW, "new_password": "Other-Pass-123"})):
            r = h.send(method, path, body)
            assert_json_error(r, 401, "mfa_required")
        r = h.send("POST", "/api/v1/session/mfa", {"code": app.peek()}, csrf=False)
        assert_json_error(r, 403, "csrf")
        r = h.send("POST", "/api/v1/session/mfa", {"code": "123456"}, csrf="A" * 43)
        assert_json_error(r, 403, "csrf")
        r = h.send("DELETE", "/api/v1/session")
        eq(r.status, 204, f"sign-out of a half session ({short(r.body)})")
        r = h.send("POST", "/api/v1/session/mfa", {"code": app.peek()})
        assert_json_error(r, 401)
        full = sign_in(s, "alice", expect_mfa=True)
        r = full.send("POST", "/api/v1/session/mfa", {"code": app.code()})
        eq(r.status, 200, f"the TOTP step ({short(r.body)})")
        me = Sess(s, set_cookie(r)[0], full.csrf).me()
        eq(me["name"], "Alice", "the profile after the half session's attempts")
        eq(me["totp_enabled"], True, "totp_enabled after the half session's attempts")
        r = call(s, "POST", "/api/v1/session", {"login": "alice", "password": "Other-Pass-123"})
        assert_json_error(r, 401, "invalid_credentials")


def test_mfa_code_throttle(ctx):
    """Guessing codes is limited like passwords: after 100 wrong codes in an hour the
    right code is refused too (429 with Retry-After, or the same 401), and the session
    stays half signed in."""
    a = Auth(ctx)
    with a.server() as s:
        a.add_user("alice")
        app, codes = enable_totp(sign_in(s, "alice"))
        h = sign_in(s, "alice", expect_mfa=True)
        wrong = {r.status for r in (h.send("POST", "/api/v1/session/mfa", {"code": app.wrong()})
                                    for _ in range(100))}
        eq(wrong, {401}, "answers to 100 wrong codes")
        r = h.send("POST", "/api/v1/session/mfa", {"code": app.code()})
        check(r.status in (401, 429), f"the right code after 100 wrong ones: {r.status} "
                                      f"{short(r.body)}")
        if r.status == 429:
            check(r.header("Retry-After"), "429 without Retry-After")
        r = h.send("POST", "/api/v1/session/mfa", {"code": codes[0]})
        check(r.status in (401, 429), f"a recovery code after 100 wrong ones: {r.status}")
        assert_json_error(h.get("/api/v1/me"), 401, "mfa_required")


def test_privileged_staff_totp(ctx):
    """Staff holding an approve or admin role must use TOTP (issue 3 item 2, RELIABILITY
    D4): signing in with the password alone must not give a complete session, and once
    TOTP is on it cannot be turned off (409)."""
    a = Auth(ctx)
    with a.server() as s:
        code = s.get("/api/v1/org-units").json()["items"][0]["code"]
        a.add_user("quan.tri", kind="staff", name="Quản trị", role="agency_admin", org=code)
        a.add_user("chuyen.vien", kind="staff", name="Chuyên viên", role="specialist", org=code)
        # A specialist (not privileged) may sign in with the password alone.
        sp = sign_in(s, "chuyen.vien")
        eq([x["role"] for x in sp.me()["roles"]], ["specialist"], "the specialist's roles")
        r = call(s, "POST", "/api/v1/session", {"login": "quan.tri", "password": PW})
        eq(r.status, 200, f"the admin's password step ({short(r.body)})")
        token, _ = set_cookie(r)
        j = r.json()
        # The password alone gives a session that can only set the second factor up.
        eq(j.get("mfa_setup_required"), True, "mfa_setup_required in the sign-in answer")
        for path in ("/api/v1/me/sessions", "/api/v1/admin/accounts", "/api/v1/me/tokens"):
            assert_json_error(call(s, "GET", path, cookie=token), 403, "mfa_setup_required")
        adm = Sess(s, token, j["csrf"])
        app, _ = enable_totp(adm)
        # With TOTP on, the same session is whole, and TOTP cannot be turned off.
        eq(call(s, "GET", "/api/v1/admin/accounts", cookie=token).status, 200,
           "an admin's listing once TOTP is on")
        r2 = adm.send("DELETE", "/api/v1/me/totp", {"code": app.code()})
        assert_json_error(r2, 409, "mfa_required_for_role")
        eq(adm.me()["totp_enabled"], True, "totp_enabled after the refused DELETE")


def test_totp_clock_window(ctx):
    """A code from the step before or after is accepted (clock drift); one from two
    steps away is not."""
    a = Auth(ctx)
    with a.server() as s:
        a.add_user("alice")
        app, _ = enable_totp(sign_in(s, "alice"))
        t = time.time()
        if t % 30 > 24:
            time.sleep(30 - t % 30 + 0.1)
        now = int(time.time() // 30)
        h = sign_in(s, "alice", expect_mfa=True)
        for step in (now - 3, now - 2, now + 3):
            r = h.send("POST", "/api/v1/session/mfa", {"code": totp(app.key, step=step)})
            assert_json_error(r, 401, "invalid_code")
        last = app.last
        step = max(last + 1, now - 1)
        if step <= now + 1:
            r = h.send("POST", "/api/v1/session/mfa", {"code": totp(app.key, step=step)})
            eq(r.status, 200, f"a code from step now{step - now:+d} ({short(r.body)})")
