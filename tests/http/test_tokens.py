"""test_tokens.py - personal API tokens (issue 3 item 2): created over the API and with
`egov token create`, used as `Authorization: Bearer egov_...`, scoped, expiring,
revocable; never shown again after creation."""

import base64
import os
import time

from harness import assert_json_error, check, eq, short
from test_auth import API_TOKEN_RE, PW, Auth, call, sign_in


def new_token(sess, scopes, name="script", ttl_days=None):
    body = {"name": name, "scopes": scopes}
    if ttl_days is not None:
        body["ttl_days"] = ttl_days
    r = sess.send("POST", "/api/v1/me/tokens", body)
    eq(r.status, 201, f"POST /api/v1/me/tokens {body} ({short(r.body)})")
    return r.json()


def assert_bearer_401(r, what):
    e = assert_json_error(r, 401)
    www = r.header("WWW-Authenticate") or ""
    check(www.startswith("Bearer"), f"{what}: WWW-Authenticate is {www!r}")
    return e


def test_token_create_list_use(ctx):
    """POST /me/tokens: 201 with the token (egov_ + 43 characters) once, its id, name,
    scopes and expiry; GET /me/tokens lists it without the token; as a bearer it signs
    GET /me in, which shows the scopes (and no CSRF token)."""
    a = Auth(ctx)
    with a.server() as s:
        a.add_user("alice")
        al = sign_in(s, "alice")
        t0 = int(time.time() * 1000)
        j = new_token(al, "read", name="báo cáo", ttl_days=30)
        tok = j["token"]
        check(API_TOKEN_RE.match(tok), f"token {tok!r} is not egov_ + 43 base64url characters")
        eq(len(base64.urlsafe_b64decode(tok[5:] + "=")), 32, "random bytes in the token")
        eq((j["name"], j["scopes"]), ("báo cáo", "read"), "name and scopes in the answer")
        check(isinstance(j.get("id"), int), f"id {j.get('id')!r}")
        day = 24 * 3600 * 1000
        check(abs(j["expires_at"] - (t0 + 30 * day)) < 60000,
              f"expires_at {j['expires_at']} is not 30 days from now ({t0})")
        j2 = new_token(al, "read write")
        check(j2["token"] != tok, "the same token twice")
        eq(j2["expires_at"] // 60000, (int(time.time() * 1000) + 90 * day) // 60000,
           "default expiry (90 days), in minutes")
        r = al.get("/api/v1/me/tokens")
        eq(r.status, 200, "GET /me/tokens")
        check(tok.encode() not in r.body and tok[5:].encode() not in r.body and
              j2["token"][5:].encode() not in r.body, "GET /me/tokens shows a token")
        items = r.json()["items"]
        eq(sorted(x["id"] for x in items), sorted([j["id"], j2["id"]]), "listed token ids")
        for x in items:
            check("token" not in x and "token_hash" not in x, f"a token field in the list: {x}")
            eq(x.get("revoked"), False, "revoked flag of a new token")
        r = call(s, "GET", "/api/v1/me", bearer=tok)
        eq(r.status, 200, f"GET /me with the bearer token ({short(r.body)})")
        me = r.json()
        eq((me["login"], me["kind"], me.get("scopes")), ("alice", "citizen", "read"),
           "login, kind and scopes seen through the token")
        check("csrf" not in me, "a CSRF token in a bearer answer")
        check(r.header("Set-Cookie") is None, "a bearer request got a cookie")
        r = call(s, "GET", "/api/v1/me", bearer=j2["token"])
        eq(r.json().get("scopes"), "read write", "scopes of the second token")
        # Case-insensitive scheme (RFC 9110 11.1).
        r = call(s, "GET", "/api/v1/me", headers={"Authorization": f"bearer {tok}"})
        eq(r.status, 200, "GET /me with 'bearer' in lower case")


def test_token_scopes(ctx):
    """A read token reads but cannot PATCH /me, create or revoke tokens, change the
    password or end sessions (403 insufficient_scope); a write token PATCHes without a
    CSRF token; a token cannot mint a token with scopes it does not have itself."""
    a = Auth(ctx)
    with a.server() as s:
        a.add_user("alice", name="Alice")
        al = sign_in(s, "alice")
        ro = new_token(al, "read")
        rw = new_token(al, "read write")
        eq(call(s, "GET", "/api/v1/me/sessions", bearer=ro["token"]).status, 200,
           "GET /me/sessions with a read token")
        for method, path, body in (("PATCH", "/api/v1/me", {"name": "Changed"}),
                                   ("POST", "/api/v1/me/tokens", {"name": "x", "scopes": "read"}),
                                   ("DELETE", f"/api/v1/me/tokens/{rw['id']}", None),
                                   ("POST", "/api/v1/me/password",
                                    {"current_password": PW, "new_password": "Another-Pass-99"}),
                                   ("DELETE", "/api/v1/me/sessions", None),
                                   ("POST", "/api/v1/me/totp", None)):
            r = call(s, method, path, body, bearer=ro["token"])
            assert_json_error(r, 403, "insufficient_scope")
        eq(al.me()["name"], "Alice", "the name after the read token's PATCH")
        eq(al.get("/api/v1/me").status, 200, "the session after the read token's attempts")
        r = call(s, "PATCH", "/api/v1/me", {"name": "Bởi token"}, bearer=rw["token"])
        eq(r.status, 200, f"PATCH /me with a write token and no CSRF ({short(r.body)})")
        eq(al.me()["name"], "Bởi token", "the name after the write token's PATCH")
        # No escalation: a "read write" token may not create an admin token.
        r = call(s, "POST", "/api/v1/me/tokens", {"name": "escalate", "scopes": "read write admin"},
                 bearer=rw["token"])
        check(r.status == 403, f"a 'read write' token created an 'admin' token: {r.status} "
                               f"{short(r.body)}")
        for bad in ("root", "", "read  write", "READ", "read,write", "admin" * 30):
            r = al.send("POST", "/api/v1/me/tokens", {"name": "x", "scopes": bad})
            assert_json_error(r, 400)
        for ttl in (0, 367, -1, "30"):
            r = al.send("POST", "/api/v1/me/tokens", {"name": "x", "scopes": "read",
                                                      "ttl_days": ttl})
            assert_json_error(r, 400)
        r = al.send("POST", "/api/v1/me/tokens", {"name": "", "scopes": "read"})
        assert_json_error(r, 400)


def test_token_revoked_unknown_expired(ctx):
    """A revoked, unknown, expired or malformed token, a session token sent as a bearer,
    or a disabled account's token: 401 with WWW-Authenticate: Bearer; a token cannot be
    used as the session cookie; another account's token id is 404 to revoke."""
    a = Auth(ctx)
    with a.server() as s:
        a.add_user("alice")
        a.add_user("bob")
        al, bo = sign_in(s, "alice"), sign_in(s, "bob")
        t1, t2, t3 = new_token(al, "read"), new_token(al, "read"), new_token(al, "read write")
        bt = new_token(bo, "read")
        r = al.send("DELETE", f"/api/v1/me/tokens/{bt['id']}")
        assert_json_error(r, 404)
        eq(call(s, "GET", "/api/v1/me", bearer=bt["token"]).status, 200,
           "bob's token after alice tried to revoke it")
        r = al.send("DELETE", f"/api/v1/me/tokens/{t1['id']}")
        eq(r.status, 204, f"revoking a token ({short(r.body)})")
        r = al.send("DELETE", f"/api/v1/me/tokens/{t1['id']}")
        assert_json_error(r, 404)
        items = {x["id"]: x for x in al.get("/api/v1/me/tokens").json()["items"]}
        eq(items[t1["id"]]["revoked"], True, "revoked flag in the list")
        assert_bearer_401(call(s, "GET", "/api/v1/me", bearer=t1["token"]), "revoked token")
        rand = "egov_" + base64.urlsafe_b64encode(os.urandom(32)).rstrip(b"=").decode()
        assert_bearer_401(call(s, "GET", "/api/v1/me", bearer=rand), "unknown token")
        assert_bearer_401(call(s, "GET", "/api/v1/me", bearer=t2["token"][:-1]), "cut token")
        assert_bearer_401(call(s, "GET", "/api/v1/me", bearer=t2["token"][5:]), "no prefix")
        assert_bearer_401(call(s, "GET", "/api/v1/me", bearer=al.token), "session as bearer")
        assert_bearer_401(call(s, "GET", "/api/v1/me", headers={"Authorization": "Basic YTpi"}),
                          "Basic authorization")
        # A bad bearer is not rescued by a good cookie.
        assert_bearer_401(call(s, "GET", "/api/v1/me", bearer=rand, cookie=al.token),
                          "unknown bearer plus a valid cookie")
        r = call(s, "GET", "/api/v1/me", cookie=t2["token"])
        assert_json_error(r, 401)
        # Expired: move its end into the past.
        a.sql(f"UPDATE api_token SET expires_at = {int(time.time() * 1000) - 1000} "
              f"WHERE id = {t2['id']}")
        assert_bearer_401(call(s, "GET", "/api/v1/me", bearer=t2["token"]), "expired token")
        eq(call(s, "GET", "/api/v1/me", bearer=t3["token"]).status, 200, "a live token")
        a.disable("alice")
        assert_bearer_401(call(s, "GET", "/api/v1/me", bearer=t3["token"]),
                          "a token of a disabled account")
        r = call(s, "PATCH", "/api/v1/me", {"name": "x"}, bearer=t3["token"])
        assert_bearer_401(r, "PATCH with a token of a disabled account")
        eq(call(s, "GET", "/api/v1/me", bearer=bt["token"]).status, 200, "bob's token")


def test_token_cli(ctx):
    """`egov token create --login L --scope ... --ttl 90d` prints only the token on
    stdout; it works like one made over the API (scopes enforced); `egov token revoke
    --id N` ends it; bad flags are refused."""
    a = Auth(ctx)
    with a.server() as s:
        u = a.add_user("alice", name="Alice")
        p = a.cli(["token", "create", "--login", "alice", "--scope", "read write admin",
                   "--ttl", "90d"])
        eq(p.returncode, 0, f"egov token create exit code ({p.stderr.strip()})")
        lines = p.stdout.splitlines()
        eq(len(lines), 1, f"stdout lines of egov token create: {p.stdout!r}")
        tok = lines[0]
        check(API_TOKEN_RE.match(tok), f"stdout {tok!r} is not a token")
        check(tok not in p.stderr, "the token on stderr")
        r = call(s, "GET", "/api/v1/me", bearer=tok)
        eq(r.status, 200, f"GET /me with the CLI token ({short(r.body)})")
        eq((r.json()["login"], r.json()["scopes"]), ("alice", "read write admin"),
           "login and scopes of the CLI token")
        r = call(s, "PATCH", "/api/v1/me", {"name": "Qua CLI"}, bearer=tok)
        eq(r.status, 200, f"PATCH /me with the CLI token ({short(r.body)})")
        # Found by personal id too, read-only by default.
        p = a.cli(["token", "create", "--login", u["personal_id"]])
        eq(p.returncode, 0, f"egov token create by personal id ({p.stderr.strip()})")
        ro = p.stdout.strip()
        eq(call(s, "GET", "/api/v1/me", bearer=ro).json().get("scopes"), "read",
           "default scope of egov token create")
        assert_json_error(call(s, "PATCH", "/api/v1/me", {"name": "x"}, bearer=ro), 403,
                          "insufficient_scope")
        al = sign_in(s, "alice")
        items = al.get("/api/v1/me/tokens").json()["items"]
        eq(len(items), 2, f"tokens listed: {items}")
        day = 24 * 3600 * 1000
        for x in items:
            check(abs(x["expires_at"] - x["created_at"] - 90 * day) < 1000,
                  f"the CLI token does not live 90 days: {x}")
        first = [x for x in items if x["scopes"] == "read write admin"][0]
        p = a.cli(["token", "revoke", "--id", str(first["id"])])
        eq(p.returncode, 0, f"egov token revoke ({p.stderr.strip()})")
        assert_bearer_401(call(s, "GET", "/api/v1/me", bearer=tok), "the CLI-revoked token")
        eq(call(s, "GET", "/api/v1/me", bearer=ro).status, 200, "the other CLI token")
        for args in (["token", "create", "--login", "alice", "--scope", "root"],
                     ["token", "create", "--login", "alice", "--ttl", "0d"],
                     ["token", "create", "--login", "alice", "--ttl", "400d"],
                     ["token", "create", "--login", "nobody"],
                     ["token", "revoke", "--id", str(first["id"])]):
            p = a.cli(args)
            check(p.returncode != 0, f"egov {' '.join(args)} succeeded")
            eq(p.stdout, "", f"stdout of the failed egov {' '.join(args)}")
