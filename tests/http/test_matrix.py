"""test_matrix.py - the generated authorization matrix (issue 3 item 3; RELIABILITY D7,
D8, E1): every route of src/api/openapi.json x every actor x (own object / another
citizen's / another agency's), over HTTP against the real egov.

The expected decision comes from the documented policy (docs/access.md, docs/gate.md),
written down here independently of the server (POLICY below):

  * a route's permission is its "x-egov-permission" in openapi.json (the matrix also
    states the permission it expects for each route and fails when they differ);
  * "public" is open to everyone; "signed_in" to any account, acting on the caller's
    own account by construction; the staff permissions are carried by the roles in
    POLICY, granted on an org unit and holding in its whole subtree;
  * the object's unit decides: a staff account's unit is its assignment, a citizen's or
    business's account (and a staff account without an assignment) sits at the root,
    so only province-wide grants reach it; an org unit is its own object (a new unit:
    its parent); a role grant is decided on the unit it is granted on;
  * nobody grants, revokes, disables or enables themselves; only a province_admin
    holding it over the unit grants or revokes province_admin; roles go to staff only;
    a grant also needs staff.manage over the person's own unit (an agency administers
    its own staff); only a province_admin disables a province_admin;
  * dossiers (src/dossiers/dossiers.h): a dossier is seen by its applicant and by staff
    holding a dossier role (DOSSIER_ROLES) on its unit or above it, and by nobody else
    (404, as if it did not exist); citizens and businesses submit online, only the desk
    officer of the unit enters one at the counter; the applicant alone withdraws, the
    desk alone receives; a draft is its applicant's only; the tracking view is public.
    The matrix's own procedure 9.999991 is carried out by X and Y, with the default
    process (examine, decide) at the receiving unit, so its dossiers stay in that unit.

Expected status: allowed -> the route's success status (a few handlers answer a fixed
non-2xx for the benign input the matrix sends: see Case.ok); not allowed -> 401 for
anonymous, 403 for anyone signed in, or 404 where egov deliberately hides that an
object exists. The routes that hide existence (HIDES_EXISTENCE): DELETE
/api/v1/me/sessions/{id} and DELETE /api/v1/me/tokens/{id} with someone else's id,
one's files, and the dossier and draft routes for a dossier one may not see (someone who
sees a dossier but may not do an action gets 403).

Channels: every cell is sent with a bearer token of scope 'read write admin' (made with
`egov token create`); a sample of routes is sent again through a cookie session (with
its CSRF token). Privileged staff's cookie sessions first must set up TOTP: every gated
route but the setup ones is refused with 403 mfa_setup_required until they do.

Besides the route x actor x object cells:
  * the account list (GET /api/v1/admin/accounts) is checked entry by entry: every known
    account must be listed exactly when the oracle lets the actor read it;
  * D8: PATCH /api/v1/me with each access attribute (kind, login, status, roles, org,
    ...) is 400 and changes nothing;
  * the cross-account attempts on sessions and tokens leave the victim's working;
  * a narrower token ('read', 'read write') of the province admin is refused every
    staff-permission route (403 insufficient_scope);
  * a revoked grant stops working at once, and a new one works at once.

Mismatches are split into cross-citizen leaks, cross-agency leaks, escalations (self /
province_admin / second-factor / scope rules), over-refusals and wrong statuses; any of
them fails the test. Every 403 the matrix causes must have an authz.deny audit entry
with the same request id (read back with GET /api/v1/audit?action=authz). With -v the
runner prints every cell.

A new route in openapi.json without a template here fails test_matrix_covers_every_route
(no server needed), so a new route forces a new matrix row.
"""

import base64
import hashlib
import hmac
import json
import os
import random
import re
import struct
import time

from harness import REPO, TestFailure, check, eq, short
from test_files import make_pdf

OPENAPI = REPO / "src" / "api" / "openapi.json"
PW = "Matrix-Horse-42!x"  # 17 characters, not on the breached list
COOKIE = "__Host-egov"

ROOT = "000.00.00.H41"   # UBND tỉnh
X = "000.00.04.H41"      # Sở Tư pháp: "agency X"
SUB = "000.01.04.H41"    # Văn phòng Sở Tư pháp: a sub-unit of X
SIB = "000.02.04.H41"    # Phòng HCTP: another sub-unit of X (sideways from SUB)
Y = "000.00.07.H41"      # Sở NN&MT: "agency Y"

# The policy as documented: which granted roles carry each staff permission
# (docs/access.md; the table in src/access/access.c). Written here on purpose, not read
# from the server: a change of policy must be reviewed here too.
POLICY = {
    "org.manage": {"agency_admin", "province_admin"},
    "staff.manage": {"agency_admin", "province_admin"},
    "role.grant": {"agency_admin", "province_admin"},
    "account.read": {"agency_admin", "province_admin"},
    "audit.read": {"province_admin"},
    "procedure.manage": {"province_admin"},
    "report.read": {"department_head", "agency_leader", "agency_admin", "province_admin"},
}
STAFF_PERMS = set(POLICY)
PRIVILEGED = {"department_head", "agency_leader", "agency_admin", "province_admin"}
# Routes a privileged account without TOTP may still use (EG_GATE_MFA_SETUP/_STEP).
MFA_SETUP_ROUTES = {("GET", "/api/v1/me"), ("POST", "/api/v1/me/totp"),
                    ("POST", "/api/v1/me/totp/confirm"), ("POST", "/api/v1/session/mfa"),
                    ("DELETE", "/api/v1/session")}
HIDES_EXISTENCE = {("DELETE", "/api/v1/me/sessions/{id}"), ("DELETE", "/api/v1/me/tokens/{id}"),
                   ("GET", "/api/v1/files/{id}"), ("GET", "/api/v1/dossiers/{code}"),
                   ("POST", "/api/v1/dossiers/{code}/actions"),
                   ("GET", "/api/v1/dossiers/{code}/files/{id}"), ("GET", "/api/v1/drafts/{id}"),
                   ("PUT", "/api/v1/drafts/{id}"), ("POST", "/api/v1/drafts/{id}/submit"),
                   ("DELETE", "/api/v1/drafts/{id}"), ("GET", "/api/v1/dossiers/{code}/slips/{n}")}
# The roles that see the dossiers of the unit they are granted on (and below it): the
# DOSSIER_STAFF mask of src/dossiers/dossiers_int.h, written here on purpose.
DOSSIER_ROLES = {"desk_officer", "specialist", "department_head", "agency_leader", "clerk"}
DOSSIER_PROCEDURE = "9.999991"
# Routes also sent through a cookie session (with CSRF) for every signed-in actor.
COOKIE_SAMPLE = {("GET", "/api/v1/me"), ("PATCH", "/api/v1/me"), ("GET", "/api/v1/me/sessions"),
                 ("GET", "/api/v1/me/tokens"), ("GET", "/api/v1/admin/accounts"),
                 ("GET", "/api/v1/admin/accounts/{id}"), ("PATCH", "/api/v1/admin/accounts/{id}"),
                 ("POST", "/api/v1/admin/staff"), ("POST", "/api/v1/admin/accounts/{id}/roles"),
                 ("DELETE", "/api/v1/admin/role-grants/{id}"), ("POST", "/api/v1/org-units"),
                 ("PATCH", "/api/v1/org-units/{code}"), ("GET", "/api/v1/audit"),
                 ("POST", "/api/v1/files"), ("GET", "/api/v1/files/{id}"),
                 ("POST", "/api/v1/dossiers"), ("GET", "/api/v1/dossiers"),
                 ("GET", "/api/v1/dossiers/{code}")}

LEAK_CITIZEN, LEAK_AGENCY, LEAK_ESCALATION = "cross-citizen", "cross-agency", "escalation"


def openapi_routes():
    """{(METHOD, path): x-egov-permission} from src/api/openapi.json."""
    doc = json.loads(OPENAPI.read_text(encoding="utf-8"))
    out = {}
    for path, item in doc.get("paths", {}).items():
        for method, op in item.items():
            if method.lower() in ("get", "put", "post", "patch", "delete", "head", "options"):
                out[(method.upper(), path)] = op.get("x-egov-permission")
    return out


# ---- TOTP (RFC 6238), for the privileged staff's second factor ------------------------


def totp(key, step):
    mac = hmac.new(key, struct.pack(">Q", step), hashlib.sha1).digest()
    off = mac[-1] & 0x0F
    code = (struct.unpack(">I", mac[off:off + 4])[0] & 0x7FFFFFFF) % 1000000
    return f"{code:06d}"


def b32key(secret):
    s = secret.replace(" ", "").upper()
    return base64.b32decode(s + "=" * (-len(s) % 8))


class App:
    """An authenticator app for one account: egov accepts the step before, the current
    one and the next, each at most once (steps only go up, across secrets)."""

    def __init__(self):
        self.key = None
        self.last = -1

    def code(self, key=None):
        key = key or self.key
        while True:
            t = time.time()
            now = int(t // 30)
            low = now - 1 if t % 30 < 25 else now
            step = max(self.last + 1, low)
            if step <= now + 1:
                self.last = step
                return totp(key, step)
            time.sleep(30 - t % 30 + 0.05)


# ---- actors and objects ----------------------------------------------------------------


class Account:
    """A known account: what the oracle needs (kind, unit) and what the tests use."""

    def __init__(self, label, kind, login=None, unit=None, id=None):
        self.label = label
        self.kind = kind          # citizen | business | staff
        self.login = login
        self.unit = unit          # staff: the assigned unit (None: unassigned)
        self.id = id

    @property
    def oracle_unit(self):
        """The unit the access decision is made at."""
        return self.unit if self.kind == "staff" and self.unit else ROOT


class Actor(Account):
    def __init__(self, label, kind, login=None, unit=None, grants=()):
        super().__init__(label, kind, login, unit)
        self.grants = list(grants)   # [(role, unit code)]
        self.grant_ids = {}          # (role, unit) -> grant id
        self.password = PW
        self.token = None
        self.token_id = None
        self.spare = []              # [(id, token)] throwaway API tokens
        self.s1 = None               # cookie session for the sample: (token, csrf)
        self.s2 = None               # a second session: (token, csrf, id)
        self.app = App()

    @property
    def anonymous(self):
        return self.kind == "anonymous"

    @property
    def privileged(self):
        return any(r in PRIVILEGED for r, _ in self.grants)


class Case:
    """One concrete request of a route for one actor and one object, with its expectation."""

    def __init__(self, obj, allowed, ok, build, leak=LEAK_AGENCY, deny=None, verify=None,
                 after=None, cookie=True, intact=None):
        self.obj = obj            # what the object is, for the report
        self.allowed = allowed    # the oracle's decision
        self.ok = ok              # status when allowed
        self.build = build        # () -> (method, path, body or None)
        self.leak = leak          # the class of a wrongful success
        self.deny = deny          # status when refused by a signed-in actor (default 403)
        self.verify = verify      # (resp) -> problem string or None, when allowed and ok
        self.intact = intact      # (resp) -> problem string or None, when refused as expected
        self.after = after        # (resp) -> None: restore the fixture
        self.cookie = cookie      # may also run through a cookie session


class Cell:
    __slots__ = ("route", "channel", "actor", "obj", "expected", "actual", "allowed", "leak",
                 "rid", "code", "problem")

    def __init__(self, route, channel, actor, obj, expected, actual, allowed, leak, rid=None,
                 code=None, problem=None):
        self.route, self.channel, self.actor, self.obj = route, channel, actor, obj
        self.expected, self.actual, self.allowed, self.leak = expected, actual, allowed, leak
        self.rid, self.code, self.problem = rid, code, problem

    def describe(self):
        m, p = self.route
        s = (f"{m} {p} [{self.channel}] actor={self.actor} object={self.obj}: expected "
             f"{self.expected} ({'allowed' if self.allowed else 'denied'}), got {self.actual}"
             + (f" {self.code}" if self.code else ""))
        return s + (f" - {self.problem}" if self.problem else "")


def error_code(r):
    try:
        j = json.loads(r.body.decode("utf-8"))
        return (j.get("error") or {}).get("code") if isinstance(j, dict) else None
    except (ValueError, UnicodeDecodeError, AttributeError):
        return None


class Matrix:
    def __init__(self, ctx):
        self.ctx = ctx
        self.env = {}
        self.s = None
        self.cells = []
        self.denials = []        # (rid, cell) of every 403 caused
        self.problems = []       # fixture problems (setup or restore failed)
        self.accounts = {}       # id -> Account (everything the test knows)
        self.parent = {ROOT: None, X: ROOT, SUB: X, SIB: X, Y: ROOT}
        self.counters = {}
        self.uniq = random.getrandbits(20)
        self.token_owner = {}    # token id -> account id
        self.session_lists = {}  # actor label -> set of session ids seen in GET /me/sessions
        self.dossiers, self.dfiles, self.drafts, self.d = {}, {}, {}, {}
        self.own_drafts = {}     # actor label -> draft ids made by the submit rows

    # -- plumbing
    def cli(self, args, input=None):
        p = self.ctx.egov(list(args) + ["--db", self.s.db_url], env=self.env, input=input)
        check(p.returncode == 0, f"egov {' '.join(args[:2])} failed (exit {p.returncode}): "
                                 f"{p.stderr.strip()[:300]}")
        return p

    def http(self, method, path, body=None, bearer=None, cookie=None, csrf=None):
        h = {}
        if bearer:
            h["Authorization"] = f"Bearer {bearer}"
        if cookie:
            h["Cookie"] = f"{COOKIE}={cookie}"
            if csrf and method not in ("GET", "HEAD"):
                h["X-CSRF-Token"] = csrf
        data = None
        if isinstance(body, tuple):  # (Content-Type, bytes): an upload
            h["Content-Type"], data = body
        elif body is not None:
            data = json.dumps(body).encode()
            h["Content-Type"] = "application/json"
        return self.s.request(method, path, body=data, headers=h, timeout=30)

    def as_prov(self, method, path, body=None):
        return self.http(method, path, body, bearer=self.prov.token)

    def fresh(self, what):
        self.counters[what] = self.counters.get(what, 0) + 1
        return self.counters[what]

    def ancestors(self, code):
        out = []
        while code:
            out.append(code)
            code = self.parent.get(code)
        return out

    # -- the oracle
    def holds(self, actor, perm, unit):
        if actor.kind != "staff":
            return False
        up = self.ancestors(unit)
        return any(r in POLICY.get(perm, ()) and u in up for r, u in actor.grants)

    def holds_role(self, actor, role, unit):
        up = self.ancestors(unit)
        return actor.kind == "staff" and any(r == role and u in up for r, u in actor.grants)

    def holds_anywhere(self, actor, perm):
        return actor.kind == "staff" and any(r in POLICY.get(perm, ()) for r, _ in actor.grants)

    # -- running one cell
    def run(self, route, actor, case, channel="bearer", expect=None, expect_code=None,
            leak=None, token=None):
        method, path, body = case.build()
        if channel.startswith("bearer"):
            r = self.http(method, path, body, bearer=token or actor.token)
        elif channel == "anonymous":
            r = self.http(method, path, body)
        else:
            tok, csrf = actor.s1
            r = self.http(method, path, body, cookie=tok, csrf=csrf)
        allowed = case.allowed if expect is None else expect < 400 or expect == case.ok
        if expect is None:
            if case.allowed:
                expect = case.ok
            elif actor.anonymous:
                expect = 401
            else:
                expect = case.deny or 403
        code = error_code(r) if r.status >= 400 else None
        problem = None
        if r.status == expect and expect_code and code != expect_code:
            problem = f"error code {code!r}, expected {expect_code!r}"
        after_check = None
        if r.status == expect and case.allowed and expect == case.ok:
            after_check = case.verify
        elif r.status == expect and not allowed:
            after_check = case.intact
        if after_check:
            try:
                problem = after_check(r)
            except TestFailure as e:
                problem = str(e)
        cell = Cell(route, channel, actor.label, case.obj, expect, r.status, allowed,
                    leak or case.leak, r.header("X-Request-Id"), code, problem)
        self.cells.append(cell)
        if r.status == 403:
            self.denials.append(cell)
        if case.after:
            try:
                case.after(r)
            except TestFailure as e:
                self.problems.append(f"restoring after {cell.describe()}: {e}")
        return r

    # -- classification
    @staticmethod
    def is_denial(c):
        return c.actual in (401, 403) or (c.actual == 404 and c.route in HIDES_EXISTENCE)

    def mismatches(self):
        out = {LEAK_CITIZEN: [], LEAK_AGENCY: [], LEAK_ESCALATION: [], "over-refusal": [],
               "wrong status": []}
        for c in self.cells:
            if c.actual == c.expected and not c.problem:
                continue
            if c.actual == c.expected and c.problem:
                # The right status, but another account's data (or a broken fixture).
                out[c.leak if c.leak in out else "wrong status"].append(c)
            elif not c.allowed and 200 <= c.actual < 300:
                out[c.leak].append(c)
            elif c.allowed and self.is_denial(c):
                out["over-refusal"].append(c)
            else:
                out["wrong status"].append(c)
        return out

    # ---- the fixture -------------------------------------------------------------------

    def me(self, token):
        r = self.http("GET", "/api/v1/me", bearer=token)
        eq(r.status, 200, f"GET /api/v1/me with a fresh token ({short(r.body)})")
        return r.json()

    def make_token(self, actor):
        p = self.cli(["token", "create", "--login", actor.login, "--scope", "read write admin"])
        actor.token = p.stdout.strip()
        m = re.search(r"token (\d+) created", p.stderr)
        check(actor.token.startswith("egov_") and m, f"egov token create: {short(p.stdout)} "
                                                      f"{short(p.stderr)}")
        actor.token_id = int(m.group(1))

    def register(self, acc):
        self.accounts[acc.id] = acc
        return acc

    def new_staff(self, label, login, unit, position="Chuyên viên"):
        """A staff account assigned to unit, made by the province admin over the API."""
        r = self.as_prov("POST", "/api/v1/admin/staff",
                         {"login": login, "name": f"Cán bộ {label}", "org": unit,
                          "email": f"{login}.{self.uniq}@example.vn", "position": position})
        eq(r.status, 201, f"POST /api/v1/admin/staff {login} in {unit} ({short(r.body)})")
        return r.json()["id"]

    def grant(self, account_id, role, unit):
        r = self.as_prov("POST", f"/api/v1/admin/accounts/{account_id}/roles",
                         {"role": role, "org": unit})
        eq(r.status, 201, f"the province admin grants {role} on {unit} to {account_id} "
                          f"({short(r.body)})")
        return r.json()["id"]

    def setup(self):
        # Identity and audit keys of the test's own, shared by the CLI and egov serve.
        d = self.ctx.tempdir("egov-keys-")
        self.env = {"EGOV_IDENTITY_KEY": os.path.join(d, "identity.key"),
                    "EGOV_AUDIT_KEY": os.path.join(d, "audit.key"),
                    "EGOV_AUDIT_ANCHOR": os.path.join(d, "audit-anchor.log"),
                    "EGOV_SPOOL_DIR": os.path.join(d, "spool"),
                    "EGOV_FILES_DIR": os.path.join(d, "files")}
        self.s = self.ctx.server(env=self.env)
        self.s.start()
        anon = Actor("anonymous", "anonymous")
        prov = self.prov = Actor("province_admin@root", "staff", "mx.prov", None,
                                 [("province_admin", ROOT)])
        self.cli(["user", "add", "--login", prov.login, "--kind", "staff", "--name",
                  "Quản trị tỉnh", "--email", f"mx.prov.{self.uniq}@example.vn", "--role",
                  "province_admin", "--org", ROOT, "--password-stdin"], input=PW + "\n")
        a = Actor("citizen A", "citizen", "mx.citizen.a")
        b = Actor("citizen B", "citizen", "mx.citizen.b")
        c = Actor("business C", "business", "mx.business.c")
        for who, extra in ((a, ["--personal-id", "0010%02d%06d" % (random.randint(60, 99),
                                                                   random.randint(0, 999999))]),
                           (b, ["--personal-id", "0011%02d%06d" % (random.randint(0, 9),
                                                                   random.randint(0, 999999))]),
                           (c, ["--tax-code", "%010d" % random.randint(0, 9999999999)])):
            self.cli(["user", "add", "--login", who.login, "--kind", who.kind, "--name",
                      who.label, "--email", f"{who.login}.{self.uniq}@example.vn"] + extra
                     + ["--password-stdin"], input=PW + "\n")
        for who in (prov, a, b, c):
            self.make_token(who)
            who.id = self.me(who.token)["id"]
        staff = [Actor(f"{role}@X", "staff", f"mx.{role}", X, [(role, X)])
                 for role in ("desk_officer", "specialist", "department_head", "agency_leader",
                              "clerk", "agency_admin")]
        staff += [Actor("agency_admin@Y", "staff", "mx.admin.y", Y, [("agency_admin", Y)]),
                  Actor("agency_admin@sub-unit of X", "staff", "mx.admin.sub", SUB,
                        [("agency_admin", SUB)]),
                  Actor("no role@X", "staff", "mx.norole", X, [])]
        for who in staff:
            who.id = self.new_staff(who.label, who.login, who.unit)
            for role, unit in who.grants:
                who.grant_ids[(role, unit)] = self.grant(who.id, role, unit)
            self.cli(["user", "passwd", "--login", who.login, "--password-stdin"],
                     input=PW + "\n")
            self.make_token(who)
        for g in self.me(prov.token)["roles"]:
            prov.grant_ids[(g["role"], g["org_unit"]["code"])] = g["id"]
        check(("province_admin", ROOT) in prov.grant_ids, "the province admin's grant")
        self.A, self.B, self.C = a, b, c
        # Objects that are nobody's actor: staff in X, in a sub-unit of X, in its sibling, in Y.
        self.tX = Account("staff in X", "staff", "mx.t.x", X)
        self.tSub = Account("staff in sub-unit of X", "staff", "mx.t.sub", SUB)
        self.tSib = Account("staff in sibling sub-unit of X", "staff", "mx.t.sib", SIB)
        self.tY = Account("staff in Y", "staff", "mx.t.y", Y)
        for t in (self.tX, self.tSub, self.tSib, self.tY):
            t.id = self.new_staff(t.label, t.login, t.unit)
        self.actors = [anon, a, b, c] + staff[:6] + staff[6:8] + [prov, staff[8]]
        for acc in self.actors[1:] + [self.tX, self.tSub, self.tSib, self.tY]:
            self.register(acc)
            if isinstance(acc, Actor):
                self.token_owner[acc.token_id] = acc.id
        self.targets = [a, b, c, self.tX, self.tSub, self.tSib, self.tY, prov]
        # A file of each signed-in actor's own, for the file rows (uploaded with its token).
        self.files = {}
        for who in self.actors[1:]:
            data = make_pdf(f"matrix {who.label} {self.uniq}")
            r = self.http("POST", "/api/v1/files", ("application/pdf", data), bearer=who.token)
            eq(r.status, 201, f"{who.label} uploads a file ({short(r.body)})")
            self.files[who.label] = (r.json()["id"], data)
        # A procedure of the matrix's own, for the version and publish rows.
        r = self.as_prov("POST", "/api/v1/admin/procedures?publish=true",
                         self.procedure_fixture("9.999990"))
        eq(r.status, 201, f"creating the matrix's procedure: {short(r.body)}")
        self.dossier_setup()
        # The tree as the public directory shows it must be the one the oracle assumes.
        for code, parent in self.parent.items():
            r = self.s.get(f"/api/v1/org-units/{code}")
            eq(r.status, 200, f"GET /api/v1/org-units/{code}")
            eq((r.json().get("parent") or {}).get("code"), parent, f"parent of {code}")

    def dossier_setup(self):
        """The matrix's dossier procedure (carried out by X and Y, online, for citizens and
        businesses), a dossier of A's and one of B's at X and one of C's at Y, each with a
        file, and two drafts of each of A, B and C (the first to read and change, the
        second left alone as the victim of others' attempts)."""
        r = self.as_prov("POST", "/api/v1/admin/procedures?publish=true",
                         dict(self.procedure_fixture(DOSSIER_PROCEDURE), level="province",
                              agencies=[X, Y], applicants=["citizen", "business"],
                              online_level="full"))
        eq(r.status, 201, f"creating the matrix's dossier procedure: {short(r.body)}")
        self.dossiers = {}   # code -> (unit, applicant account id or None)
        self.dfiles = {}     # code -> (attachment id, bytes)
        self.drafts = {}     # applicant label -> [draft ids]
        self.d = {}          # "A", "B", "C" -> code
        for who, unit, key in ((self.A, X, "A"), (self.B, X, "B"), (self.C, Y, "C")):
            data = make_pdf(f"matrix dossier file {who.label} {self.uniq}")
            r = self.http("POST", "/api/v1/files?filename=don.pdf", ("application/pdf", data),
                          bearer=who.token)
            eq(r.status, 201, f"{who.label} uploads a dossier file ({short(r.body)})")
            fid = r.json()["id"]
            r = self.http("POST", "/api/v1/dossiers",
                          self.dossier_body(unit, files=[{"id": fid, "component": 0}]),
                          bearer=who.token)
            eq(r.status, 201, f"{who.label} submits a dossier to {unit} ({short(r.body)})")
            code = r.json()["code"]
            self.dossiers[code] = (unit, who.id)
            self.dfiles[code] = (fid, data)
            self.d[key] = code
            self.drafts[who.label] = [self.new_draft(who) for _ in range(2)]

    @staticmethod
    def dossier_body(unit, channel="online", files=()):
        b = {"procedure": DOSSIER_PROCEDURE, "agency": unit, "form": {}, "files": list(files)}
        if channel != "online":
            b.update(channel=channel, applicant={"name": "Người nộp tại quầy"})
        return b

    def new_draft(self, who):
        r = self.http("POST", "/api/v1/dossiers", dict(self.dossier_body(X), draft=True),
                      bearer=who.token)
        eq(r.status, 201, f"{who.label} saves a draft ({short(r.body)})")
        return r.json()["id"]

    def sees_dossier(self, actor, code):
        """The oracle: the applicant, or a dossier role on the dossier's unit or above."""
        unit, applicant = self.dossiers[code]
        if actor.anonymous:
            return False
        if applicant is not None and actor.id == applicant:
            return True
        up = self.ancestors(unit)
        return actor.kind == "staff" and any(r in DOSSIER_ROLES and u in up
                                             for r, u in actor.grants)

    def dossier_leak(self, actor):
        return LEAK_AGENCY if actor.kind == "staff" else LEAK_CITIZEN

    @staticmethod
    def procedure_fixture(code):
        return {"code": code, "name": f"Thủ tục thử {code}", "field": "HT",
                "level": "commune", "agencies": ["*communes*"], "applicants": ["citizen"],
                "online_level": "offline", "processing": {"working_days": 3}, "fees": [],
                "components": [{"name": "Đơn đề nghị", "originals": 1, "copies": 0}],
                "steps_vi": ["Nộp hồ sơ."], "legal_basis": ["Luật Hộ tịch năm 2014."],
                "result_vi": "Kết quả.", "form": {"fields": []}, "valid_from": "2026-01-01"}

    def restore_account(self, acc):
        """Re-enables an account the matrix managed to disable."""
        if acc is self.prov:
            self.cli(["user", "enable", "--login", acc.login])
            return
        r = self.as_prov("PATCH", f"/api/v1/admin/accounts/{acc.id}", {"status": "active"})
        if r.status != 200:
            self.cli(["user", "enable", "--login", acc.login])

    def restore_grant(self, actor, role, unit):
        """Gives an actor back a grant the matrix managed to revoke."""
        if actor is self.prov:
            self.cli(["user", "role", "--login", actor.login, "--role", role, "--org", unit])
            for g in self.me(actor.token)["roles"]:
                actor.grant_ids[(g["role"], g["org_unit"]["code"])] = g["id"]
        else:
            actor.grant_ids[(role, unit)] = self.grant(actor.id, role, unit)

    def revoke_quietly(self, gid):
        r = self.as_prov("DELETE", f"/api/v1/admin/role-grants/{gid}")
        check(r.status in (204, 404), f"cleanup: revoking grant {gid}: {r.status} "
                                      f"{short(r.body)}")

    # ---- request templates, one per route ---------------------------------------------

    def leak_of(self, actor, acc):
        if acc.id == actor.id:
            return LEAK_ESCALATION
        return LEAK_CITIZEN if acc.kind in ("citizen", "business") else LEAK_AGENCY

    def account_objects(self, actor):
        objs = []
        if not actor.anonymous:
            objs.append(("own account", actor))
        objs += [(acc.label, acc) for acc in self.targets if acc.id != actor.id]
        return objs

    def templates(self):
        """[(route, permission the matrix expects, gen(actor) -> [Case])], in running order."""
        T = []

        def add(method, path, perm):
            def deco(fn):
                T.append(((method, path), perm, fn))
                return fn
            return deco

        def simple(method, path, body=None):
            return lambda: (method, path, body() if callable(body) else body)

        # -- public routes: open to everyone, whoever is signed in.
        for path, ok in (("/healthz", 200), ("/readyz", 200), ("/metrics", 200),
                         ("/api/v1/openapi.json", 200), ("/api/v1/org-units", 200),
                         (f"/api/v1/org-units/{X}", 200),
                         ("/api/v1/procedures?q=khai+sinh", 200),
                         ("/api/v1/procedures/1.001193", 200),
                         ("/api/v1/procedures/1.001193/form.pdf", 200),
                         ("/api/v1/procedure-fields", 200),
                         ("/api/v1/procedure-catalogue", 200)):
            route = re.sub(r"/api/v1/org-units/.*", "/api/v1/org-units/{code}", path)
            route = re.sub(r"/api/v1/procedures/[^/?]+", "/api/v1/procedures/{code}", route)
            add("GET", route.split("?")[0], "public")(
                lambda actor, path=path, ok=ok: [Case("-", True, ok, simple("GET", path))])

        @add("POST", "/api/v1/agency-codes/parse", "public")
        def _(actor):
            return [Case("-", True, 200, simple("POST", "/api/v1/agency-codes/parse",
                                                {"codes": [X, Y]}))]

        @add("POST", "/api/v1/accounts", "public")
        def _(actor):
            def body():
                n = self.fresh("signup")
                pid = "0010%02d%06d" % (random.randint(60, 99), random.randint(0, 999999))
                return {"kind": "citizen", "personal_id": pid, "name": f"Người đăng ký {n}",
                        "email": f"mx.signup{n}.{self.uniq}@example.vn", "password": PW}
            return [Case("sign-up of a new citizen", True, 202,
                         simple("POST", "/api/v1/accounts", body))]

        # Without the emailed token these answer 400 invalid_link: the handler ran.
        @add("POST", "/api/v1/accounts/verify-email", "public")
        def _(actor):
            return [Case("an unknown link token (400 invalid_link)", True, 400,
                         simple("POST", "/api/v1/accounts/verify-email", {"token": "x" * 43}))]

        @add("POST", "/api/v1/password-reset", "public")
        def _(actor):
            return [Case("a reset request", True, 202,
                         simple("POST", "/api/v1/password-reset",
                                {"login": f"mx.nobody.{self.uniq}"}))]

        @add("POST", "/api/v1/password-reset/confirm", "public")
        def _(actor):
            return [Case("an unknown link token (400 invalid_link)", True, 400,
                         simple("POST", "/api/v1/password-reset/confirm",
                                {"token": "x" * 43, "password": "Another-Horse-43!y"}))]

        @add("POST", "/api/v1/session", "public")
        def _(actor):
            who = self.A if actor.anonymous else actor
            return [Case(f"sign in as {who.label}", True, 200,
                         lambda: ("POST", "/api/v1/session",
                                  {"login": who.login, "password": who.password}))]

        # -- the caller's own account.
        def own(actor, obj, ok, build, verify=None, after=None):
            # Someone else's data in the answer is a leak of that kind.
            leak = LEAK_AGENCY if actor.kind == "staff" else LEAK_CITIZEN
            return Case(obj, not actor.anonymous, ok, build, leak=leak, verify=verify,
                        after=after)

        def is_me(actor):
            def v(r):
                j = r.json()
                if j.get("id") != actor.id or j.get("login") != actor.login:
                    return (f"answered about account {j.get('id')} {j.get('login')!r}, not the "
                            f"caller {actor.id} {actor.login!r}")
                return None
            return v

        @add("GET", "/api/v1/me", "signed_in")
        def _(actor):
            return [own(actor, "own account", 200, simple("GET", "/api/v1/me"), is_me(actor))]

        @add("PATCH", "/api/v1/me", "signed_in")
        def _(actor):
            cases = [own(actor, "own profile (phone)", 200,
                         simple("PATCH", "/api/v1/me",
                                lambda: {"phone": "09%08d" % self.fresh("phone")}),
                         is_me(actor))]
            if actor.anonymous:
                return cases
            # D8: none of the attributes that decide access can be set through the profile.
            def unchanged(r, actor=actor):
                me = self.me(actor.token)
                got = (me.get("id"), me.get("login"), me.get("kind"), me.get("status", "active"),
                       sorted((g.get("role"), (g.get("org_unit") or {}).get("code"))
                              for g in me.get("roles", []) if g.get("org_unit")))
                want = (actor.id, actor.login, actor.kind, "active",
                        sorted((ro, u) for ro, u in actor.grants))
                return None if got == want else f"after the refused PATCH /me: {got} != {want}"
            for attr, value in (("kind", "staff"), ("login", "mx.someone.else"),
                                ("status", "active"), ("roles", [{"role": "province_admin",
                                                                   "org": ROOT}]),
                                ("role", "province_admin"), ("org", ROOT), ("org_unit", ROOT),
                                ("assignments", [{"org": ROOT}]), ("id", 1),
                                ("account_id", 1), ("personal_id", "001099000001"),
                                ("tax_code", "0100000000"), ("email", "x@example.vn"),
                                ("totp_enabled", False), ("auth_source", "ldap")):
                cases.append(Case(f"own access attribute {attr!r} (400: D8)", True, 400,
                                  simple("PATCH", "/api/v1/me", {attr: value}),
                                  leak=LEAK_ESCALATION, verify=unchanged, cookie=False))
            return cases

        @add("GET", "/api/v1/me/sessions", "signed_in")
        def _(actor):
            def v(r):
                ids = {x.get("id") for x in r.json().get("items", [])}
                self.session_lists.setdefault(actor.label, set()).update(ids)
                others = [o.label for o in self.actors if o is not actor and o.s2
                          and o.s2[2] in ids]
                return f"lists the sessions of {others}" if others else None
            return [own(actor, "own sessions", 200, simple("GET", "/api/v1/me/sessions"), v)]

        @add("GET", "/api/v1/me/tokens", "signed_in")
        def _(actor):
            def v(r):
                ids = {x.get("id") for x in r.json().get("items", [])}
                foreign = sorted(i for i in ids if self.token_owner.get(i, actor.id) != actor.id)
                if foreign:
                    return f"lists tokens {foreign} of other accounts"
                if actor.token_id not in ids:
                    return f"its own token {actor.token_id} is not listed ({sorted(ids)})"
                return None
            return [own(actor, "own tokens", 200, simple("GET", "/api/v1/me/tokens"), v)]

        @add("POST", "/api/v1/me/tokens", "signed_in")
        def _(actor):
            def after(r):
                if r.status != 201:
                    return
                j = r.json()
                actor.spare.append((j["id"], j["token"]))
                self.token_owner[j["id"]] = actor.id
                r2 = self.http("POST", "/api/v1/me/tokens", {"name": "spare", "scopes": "read"},
                               bearer=actor.token)
                eq(r2.status, 201, f"a second spare token for {actor.label}")
                actor.spare.append((r2.json()["id"], r2.json()["token"]))
                self.token_owner[r2.json()["id"]] = actor.id
            return [own(actor, "a new token of one's own", 201,
                        simple("POST", "/api/v1/me/tokens", {"name": "matrix", "scopes": "read"}),
                        after=after)]

        def next_actor(actor, need):
            """Another signed-in actor (the victim of a cross-account attempt)."""
            xs = [a for a in self.actors if not a.anonymous and need(a)]
            i = xs.index(actor) if actor in xs else -1
            return xs[(i + 1) % len(xs)]

        # Two rounds each: first everyone tries someone else's (the victim's must survive),
        # then everyone ends one of their own.
        @add("DELETE", "/api/v1/me/tokens/{id}", "signed_in")
        def _(actor):
            victim = next_actor(actor, lambda a: a.spare)
            vid, vtok = victim.spare[0]

            def alive(r):
                r2 = self.http("GET", "/api/v1/me", bearer=vtok)
                if r2.status != 200 or r2.json().get("id") != victim.id:
                    return f"{victim.label}'s token {vid} no longer works ({r2.status})"
                return None
            return [Case(f"{victim.label}'s token", False, 204,
                         simple("DELETE", f"/api/v1/me/tokens/{vid}"),
                         leak=self.leak_of(actor, victim), deny=404, intact=alive)]

        @add("DELETE", "/api/v1/me/tokens/{id}", "signed_in")
        def _(actor):
            cases = []
            if not actor.anonymous and len(actor.spare) > 1:
                oid, otok = actor.spare[1]

                def dead(r):
                    r2 = self.http("GET", "/api/v1/me", bearer=otok)
                    return None if r2.status == 401 else f"the revoked token answers {r2.status}"
                cases.append(own(actor, "own token", 204,
                                 simple("DELETE", f"/api/v1/me/tokens/{oid}"), dead))
            return cases

        @add("DELETE", "/api/v1/me/sessions/{id}", "signed_in")
        def _(actor):
            victim = next_actor(actor, lambda a: a.s2)
            vtok, _, vid = victim.s2

            def alive(r):
                r2 = self.http("GET", "/api/v1/me", cookie=vtok)
                if r2.status != 200 or r2.json().get("id") != victim.id:
                    return f"{victim.label}'s session {vid} was ended ({r2.status})"
                return None
            return [Case(f"{victim.label}'s session", False, 204,
                         simple("DELETE", f"/api/v1/me/sessions/{vid}"),
                         leak=self.leak_of(actor, victim), deny=404, intact=alive)]

        @add("DELETE", "/api/v1/me/sessions/{id}", "signed_in")
        def _(actor):
            cases = []
            if not actor.anonymous and actor.s2:
                otok, _, oid = actor.s2

                def dead(r):
                    r2 = self.http("GET", "/api/v1/me", cookie=otok)
                    return None if r2.status == 401 else f"the ended session answers {r2.status}"
                cases.append(own(actor, "own session", 204,
                                 simple("DELETE", f"/api/v1/me/sessions/{oid}"), dead))
            return cases

        @add("POST", "/api/v1/me/totp", "signed_in")
        def _(actor):
            def v(r):
                return None if r.json().get("secret") else "no secret"
            return [own(actor, "own second factor (begin)", 200,
                        simple("POST", "/api/v1/me/totp"), v)]

        @add("POST", "/api/v1/me/totp/confirm", "signed_in")
        def _(actor):
            state = {}

            def build():
                if actor.anonymous:
                    return ("POST", "/api/v1/me/totp/confirm",
                            {"secret": "A" * 32, "code": "123456"})
                r = self.http("POST", "/api/v1/me/totp", bearer=actor.token)
                eq(r.status, 200, f"POST /api/v1/me/totp for {actor.label}")
                state["key"] = b32key(r.json()["secret"])
                return ("POST", "/api/v1/me/totp/confirm",
                        {"secret": r.json()["secret"], "code": actor.app.code(state["key"])})

            def after(r):
                if r.status == 200:
                    actor.app.key = state["key"]
            return [own(actor, "own second factor (turn on)", 200, build, after=after)]

        @add("DELETE", "/api/v1/me/totp", "signed_in")
        def _(actor):
            # Staff with an approve or admin role keep their second factor (409, before the
            # code is looked at: their code is not used up).
            ok = 409 if actor.privileged else 204

            def build():
                if not actor.app.key:
                    code = "123456"
                elif actor.privileged:
                    code = totp(actor.app.key, int(time.time() // 30))
                else:
                    code = actor.app.code()
                return ("DELETE", "/api/v1/me/totp", {"code": code})
            return [own(actor, "own second factor (turn off)" + (" - 409 for privileged staff"
                                                                  if ok == 409 else ""), ok,
                        build)]

        @add("POST", "/api/v1/session/mfa", "signed_in")
        def _(actor):
            # A bearer token is no half-signed-in session: 409 no_mfa_pending.
            return [own(actor, "own sign-in step (409 no_mfa_pending)", 409,
                        simple("POST", "/api/v1/session/mfa", {"code": "123456"}))]

        # -- one's own files: anyone else's is 404, as if it did not exist.
        @add("POST", "/api/v1/files", "signed_in")
        def _(actor):
            data = make_pdf(f"matrix upload {actor.label} {self.uniq}")

            def v(r):
                j = r.json()
                want = (hashlib.sha256(data).hexdigest(), len(data), "application/pdf")
                got = (j.get("sha256"), j.get("size"), j.get("type"))
                return None if got == want else f"answered {got}, expected {want}"
            return [own(actor, "a new file of one's own", 201,
                        simple("POST", "/api/v1/files", ("application/pdf", data)), v)]

        @add("GET", "/api/v1/files/{id}", "signed_in")
        def _(actor):
            owners = [o for o in self.actors[1:] if o is actor] + \
                     [o for o in (self.A, self.B, self.C, self.actors[4]) if o is not actor]
            cases = []
            for owner in owners:
                fid, data = self.files[owner.label]

                def v(r, data=data, owner=owner):
                    return None if r.body == data else f"not {owner.label}'s file"
                mine = owner is actor
                cases.append(Case("own file" if mine else f"{owner.label}'s file", mine, 200,
                                  simple("GET", f"/api/v1/files/{fid}"),
                                  leak=self.leak_of(actor, owner), deny=404, verify=v))
            return cases

        # -- dossiers: the applicant and the staff of the dossier's unit see it; anyone else
        # gets 404 as if it did not exist (someone who sees it but may not act: 403).
        def register_new(unit, applicant):
            def after(r):
                if r.status == 201 and r.json().get("code"):
                    self.dossiers[r.json()["code"]] = (unit, applicant)
            return after

        def answered_in(unit):
            def v(r):
                code = r.json().get("code") or ""
                return None if code.startswith(unit + "-") else f"answered dossier {code!r}"
            return v

        @add("POST", "/api/v1/dossiers", "signed_in")
        def _(actor):
            applicant = actor.kind in ("citizen", "business")
            desk = {u for u in (X, Y) if self.holds_role(actor, "desk_officer", u)}
            return [Case("an online submission to X (citizens and businesses)", applicant, 201,
                         simple("POST", "/api/v1/dossiers", self.dossier_body(X)),
                         leak=LEAK_ESCALATION, verify=answered_in(X),
                         after=register_new(X, actor.id)),
                    Case("a counter intake at X (its desk only)", X in desk, 201,
                         simple("POST", "/api/v1/dossiers", self.dossier_body(X, "counter")),
                         leak=LEAK_AGENCY, verify=answered_in(X), after=register_new(X, None)),
                    Case("a counter intake at Y (its desk only)", Y in desk, 201,
                         simple("POST", "/api/v1/dossiers", self.dossier_body(Y, "counter")),
                         leak=LEAK_AGENCY, verify=answered_in(Y), after=register_new(Y, None))]

        @add("GET", "/api/v1/dossiers", "signed_in")
        def _(actor):
            def listing(queue):
                def v(r):
                    j = r.json()
                    items = j.get("items", [])
                    if j.get("total", 0) > len(items):
                        return f"{j.get('total')} dossiers but {len(items)} on the page"
                    got = {it.get("code") for it in items if it.get("code")}
                    if queue == "mine":
                        want = {c for c, (_, a) in self.dossiers.items() if a == actor.id}
                        drafts = {it.get("id") for it in items if not it.get("code")}
                        foreign = drafts - set(self.drafts.get(actor.label, [])) - \
                            self.own_drafts.get(actor.label, set())
                        if foreign:
                            return f"lists drafts {sorted(foreign)} that are not the caller's"
                    else:
                        want = {c for c in self.dossiers if self.sees_dossier(actor, c)}
                    if got - want:
                        return f"lists dossiers it may not see: {sorted(got - want)}"
                    if want - got:
                        return f"leaves out dossiers it may see: {sorted(want - got)}"
                    return None
                return v
            staff = actor.kind == "staff"
            return [Case("one's own dossiers (queue=mine)", not actor.anonymous and not staff,
                         200, simple("GET", "/api/v1/dossiers?queue=mine&limit=100"),
                         leak=LEAK_CITIZEN, verify=listing("mine")),
                    Case("the staff's dossiers (queue=all)", staff, 200,
                         simple("GET", "/api/v1/dossiers?queue=all&limit=100"),
                         leak=LEAK_AGENCY if staff else LEAK_CITIZEN, verify=listing("all"))]

        def dossier_objects(actor):
            """(label, code, applicant's Actor) of the matrix's three dossiers."""
            return [(("own" if owner is actor else f"{owner.label}'s") + f" dossier at {where}",
                     self.d[key], owner)
                    for owner, where, key in ((self.A, "X", "A"), (self.B, "X", "B"),
                                              (self.C, "Y", "C"))]

        @add("GET", "/api/v1/dossiers/{code}", "signed_in")
        def _(actor):
            cases = []
            for label, code, owner in dossier_objects(actor):
                def v(r, code=code, owner=owner):
                    j = r.json()
                    got = (j.get("code"), (j.get("applicant") or {}).get("account"))
                    return None if got == (code, owner.id) else f"answered {got}"
                cases.append(Case(label, self.sees_dossier(actor, code), 200,
                                  simple("GET", f"/api/v1/dossiers/{code}"),
                                  leak=self.dossier_leak(actor), deny=404, verify=v))
            return cases

        @add("POST", "/api/v1/dossiers/{code}/actions", "signed_in")
        def _(actor):
            # At a version long gone: those allowed get 409 (the rule let them through, the
            # version did not), so nothing ever changes.
            cases = []
            for label, code, owner in dossier_objects(actor):
                unit = self.dossiers[code][0]
                sees = self.sees_dossier(actor, code)
                for action, body, may in (
                        ("withdraw", {"note": "Thử ma trận."}, actor is owner),
                        ("receive", {}, self.holds_role(actor, "desk_officer", unit))):
                    cases.append(Case(f"{label}: {action} at a stale version (409 when allowed)",
                                      may, 409,
                                      simple("POST", f"/api/v1/dossiers/{code}/actions",
                                             dict(body, action=action, version=9999)),
                                      leak=self.dossier_leak(actor), deny=403 if sees else 404,
                                      cookie=False))
            return cases

        @add("GET", "/api/v1/dossiers/{code}/files/{id}", "signed_in")
        def _(actor):
            cases = []
            for label, code, owner in dossier_objects(actor):
                fid, data = self.dfiles[code]

                def v(r, data=data):
                    return None if r.body == data else "not the dossier's file"
                cases.append(Case(f"{label}, its file", self.sees_dossier(actor, code), 200,
                                  simple("GET", f"/api/v1/dossiers/{code}/files/{fid}"),
                                  leak=self.dossier_leak(actor), deny=404, verify=v))
            fid, _ = self.dfiles[self.d["C"]]
            cases.append(Case("A's dossier with the file of C's dossier", False, 200,
                              simple("GET", f"/api/v1/dossiers/{self.d['A']}/files/{fid}"),
                              leak=self.dossier_leak(actor), deny=404))
            return cases

        def draft_objects(actor):
            """(label, draft id, applicant's Actor, mine): one's own first draft, and A's or
            B's first draft as someone else's."""
            out = []
            if actor.label in self.drafts:
                out.append(("own draft", self.drafts[actor.label][0], actor, True))
            victim = self.B if actor is self.A else self.A
            out.append((f"{victim.label}'s draft", self.drafts[victim.label][0], victim, False))
            return out

        def still_draft(owner, did):
            def v(r):
                r2 = self.http("GET", f"/api/v1/drafts/{did}", bearer=owner.token)
                if r2.status != 200 or r2.json().get("status") != "draft":
                    return f"{owner.label}'s draft {did} is gone ({r2.status})"
                return None
            return v

        @add("GET", "/api/v1/drafts/{id}", "signed_in")
        def _(actor):
            cases = []
            for label, did, owner, mine in draft_objects(actor):
                def v(r, did=did):
                    j = r.json()
                    got = (j.get("id"), j.get("status"))
                    return None if got == (did, "draft") else f"answered {got}"
                cases.append(Case(label, mine, 200, simple("GET", f"/api/v1/drafts/{did}"),
                                  leak=self.dossier_leak(actor), deny=404, verify=v))
            return cases

        @add("PUT", "/api/v1/drafts/{id}", "signed_in")
        def _(actor):
            cases = []
            for label, did, owner, mine in draft_objects(actor):
                cases.append(Case(label, mine, 200,
                                  simple("PUT", f"/api/v1/drafts/{did}", {"form": {}}),
                                  leak=self.dossier_leak(actor), deny=404,
                                  intact=still_draft(owner, did)))
            return cases

        @add("POST", "/api/v1/drafts/{id}/submit", "signed_in")
        def _(actor):
            cases = []
            if actor.label in self.drafts:
                st = {}

                def build(st=st):
                    st["id"] = self.new_draft(actor)
                    self.own_drafts.setdefault(actor.label, set()).add(st["id"])
                    return ("POST", f"/api/v1/drafts/{st['id']}/submit", None)

                def after(r):
                    if r.status == 200 and r.json().get("code"):
                        self.dossiers[r.json()["code"]] = (X, actor.id)
                cases.append(Case("a new draft of one's own", True, 200, build,
                                  leak=LEAK_ESCALATION, verify=answered_in(X), after=after))
            victim = self.B if actor is self.A else self.A
            did = self.drafts[victim.label][1]
            cases.append(Case(f"{victim.label}'s draft", False, 200,
                              simple("POST", f"/api/v1/drafts/{did}/submit"),
                              leak=self.dossier_leak(actor), deny=404,
                              intact=still_draft(victim, did)))
            return cases

        @add("DELETE", "/api/v1/drafts/{id}", "signed_in")
        def _(actor):
            cases = []
            if actor.label in self.drafts:
                st = {}

                def build(st=st):
                    st["id"] = self.new_draft(actor)
                    return ("DELETE", f"/api/v1/drafts/{st['id']}", None)

                def gone(r, st=st):
                    r2 = self.http("GET", f"/api/v1/drafts/{st['id']}", bearer=actor.token)
                    return None if r2.status == 404 else f"the draft is still there ({r2.status})"
                cases.append(Case("a new draft of one's own", True, 204, build,
                                  leak=LEAK_ESCALATION, verify=gone))
            victim = self.B if actor is self.A else self.A
            did = self.drafts[victim.label][1]
            cases.append(Case(f"{victim.label}'s draft", False, 204,
                              simple("DELETE", f"/api/v1/drafts/{did}"),
                              leak=self.dossier_leak(actor), deny=404,
                              intact=still_draft(victim, did)))
            return cases

        @add("GET", "/api/v1/dossiers/{code}/slips/{n}", "signed_in")
        def _(actor):
            # The matrix's dossiers are only submitted: no slip yet. Whoever may see the dossier
            # is told so; anyone else is told there is no such dossier (nothing about it leaks).
            def told_no_slip(r):
                return None if "phiếu" in r.json()["error"]["message"] else "not about the slip"

            def told_no_dossier(r):
                msg = r.json()["error"]["message"] if r.body.startswith(b"{") else ""
                return "the answer shows the dossier exists" if "phiếu" in msg else None
            cases = []
            for label, code, owner in dossier_objects(actor):
                cases.append(Case(f"{label}: the receipt slip before receipt",
                                  self.sees_dossier(actor, code), 404,
                                  simple("GET", f"/api/v1/dossiers/{code}/slips/1"),
                                  leak=self.dossier_leak(actor), deny=404, verify=told_no_slip,
                                  intact=told_no_dossier))
            return cases

        @add("GET", "/api/v1/track/{code}", "public")
        def _(actor):
            def v(r):
                for secret in (self.A.label, self.A.login, "@example.vn"):
                    if secret in r.text:
                        return f"the public view shows {secret!r}"
                return None
            return [Case("citizen A's dossier (public view)", True, 200,
                         simple("GET", f"/api/v1/track/{self.d['A']}"), verify=v)]

        # -- administration: the object's unit decides.
        @add("GET", "/api/v1/admin/accounts/{id}", "account.read")
        def _(actor):
            cases = []
            for label, acc in self.account_objects(actor):
                def v(r, acc=acc):
                    j = r.json()
                    return None if j.get("id") == acc.id else f"answered account {j.get('id')}"
                cases.append(Case(label, self.holds(actor, "account.read", acc.oracle_unit), 200,
                                  simple("GET", f"/api/v1/admin/accounts/{acc.id}"),
                                  leak=self.leak_of(actor, acc), verify=v))
            return cases

        @add("GET", "/api/v1/admin/accounts", "account.read")
        def _(actor):
            return [Case("the account list", self.holds_anywhere(actor, "account.read"), 200,
                         simple("GET", "/api/v1/admin/accounts?per_page=200"),
                         verify=lambda r: self.check_listing(actor, r))]

        @add("POST", "/api/v1/admin/staff", "staff.manage")
        def _(actor):
            cases = []
            for unit, label in ((ROOT, "a new staff account at the root"),
                                (X, "a new staff account in X"),
                                (SUB, "a new staff account in a sub-unit of X"),
                                (SIB, "a new staff account in the sibling sub-unit"),
                                (Y, "a new staff account in Y")):
                st = {}

                def build(unit=unit, st=st):
                    n = self.fresh("staff")
                    st["login"] = f"mx.new{n}"
                    return ("POST", "/api/v1/admin/staff",
                            {"login": st["login"], "name": f"Cán bộ mới {n}",
                             "email": f"mx.new{n}.{self.uniq}@example.vn", "org": unit,
                             "position": "Chuyên viên"})

                def after(r, unit=unit, st=st):
                    if r.status == 201:
                        self.register(Account(f"new staff {st['login']}", "staff", st["login"],
                                              unit, r.json()["id"]))
                cases.append(Case(label, self.holds(actor, "staff.manage", unit), 201, build,
                                  after=after))
            return cases

        @add("POST", "/api/v1/admin/accounts/{id}/roles", "role.grant")
        def _(actor):
            objs = [(self.tX, "specialist", X, "specialist on X to staff in X"),
                    (self.tSub, "specialist", SUB, "specialist on the sub-unit to staff there"),
                    (self.tSib, "specialist", SIB, "specialist on the sibling sub-unit"),
                    (self.tY, "specialist", Y, "specialist on Y to staff in Y"),
                    # Decided on the unit granted on (X) and on the person's own unit (Y).
                    (self.tY, "clerk", X, "clerk on X to staff in Y"),
                    (self.tX, "province_admin", ROOT, "province_admin on the root to staff in X"),
                    (self.tX, "province_admin", X, "province_admin on X to staff in X"),
                    (self.A, "specialist", X, "specialist on X to citizen A (400: not staff)")]
            if not actor.anonymous:
                mine = actor.unit or (actor.grants[0][1] if actor.grants else X)
                objs.append((actor, "agency_admin" if actor.kind == "staff" else "specialist",
                             mine, "own account (a role on one's own unit)"))
            cases = []
            for acc, role, unit, label in objs:
                allowed = (self.holds(actor, "role.grant", unit) and acc.id != actor.id
                           and self.holds(actor, "staff.manage", acc.oracle_unit)
                           and (role != "province_admin"
                                or self.holds_role(actor, "province_admin", unit)))
                ok = 201 if acc.kind == "staff" else 400
                leak = (LEAK_ESCALATION if acc.id == actor.id or role == "province_admin"
                        else LEAK_CITIZEN if acc.kind != "staff" else LEAK_AGENCY)

                def after(r, acc=acc, role=role, unit=unit):
                    if r.status == 201:
                        self.revoke_quietly(r.json()["id"])
                cases.append(Case(label, allowed, ok,
                                  simple("POST", f"/api/v1/admin/accounts/{acc.id}/roles",
                                         {"role": role, "org": unit}),
                                  leak=leak, after=after))
            return cases

        @add("DELETE", "/api/v1/admin/role-grants/{id}", "role.grant")
        def _(actor):
            objs = [(self.tX, "specialist", X, "a specialist grant on X"),
                    (self.tSub, "specialist", SUB, "a specialist grant on the sub-unit"),
                    (self.tSib, "specialist", SIB, "a specialist grant on the sibling sub-unit"),
                    (self.tY, "specialist", Y, "a specialist grant on Y"),
                    (self.tX, "province_admin", X, "a province_admin grant on X")]
            cases = []
            for acc, role, unit, label in objs:
                allowed = (self.holds(actor, "role.grant", unit)
                           and (role != "province_admin"
                                or self.holds_role(actor, "province_admin", unit)))
                st = {}

                def build(acc=acc, role=role, unit=unit, st=st):
                    st["gid"] = self.grant(acc.id, role, unit)
                    return ("DELETE", f"/api/v1/admin/role-grants/{st['gid']}", None)

                def after(r, st=st):
                    if r.status != 204 and "gid" in st:
                        self.revoke_quietly(st["gid"])
                cases.append(Case(label, allowed, 204, build,
                                  leak=LEAK_ESCALATION if role == "province_admin"
                                  else LEAK_AGENCY, after=after))
            for (role, unit), gid in sorted(actor.grant_ids.items()):
                def after(r, role=role, unit=unit):
                    if r.status == 204:
                        self.restore_grant(actor, role, unit)
                cases.append(Case(f"own grant ({role} on {unit})", False, 204,
                                  simple("DELETE", f"/api/v1/admin/role-grants/{gid}"),
                                  leak=LEAK_ESCALATION, after=after))
            return cases

        @add("POST", "/api/v1/org-units", "org.manage")
        def _(actor):
            cases = []
            for parent, label in ((ROOT, "a new unit under the root"), (X, "a new unit under X"),
                                  (SUB, "a new unit under the sub-unit of X"),
                                  (SIB, "a new unit under the sibling sub-unit"),
                                  (Y, "a new unit under Y")):
                st = {}

                def build(parent=parent, st=st):
                    n = self.fresh(parent)
                    code = {ROOT: f"000.00.{60 + n:02d}.H41", X: f"000.{3 + n:02d}.04.H41",
                            Y: f"000.{n:02d}.07.H41", SUB: f"{n:03d}.01.04.H41",
                            SIB: f"{n:03d}.02.04.H41"}[parent]
                    st["code"] = code
                    return ("POST", "/api/v1/org-units",
                            {"code": code, "parent": parent,
                             "kind": "department" if parent == ROOT else "sub_unit",
                             "name": f"Đơn vị thử {code}", "valid_from": "2026-01-01"})

                def after(r, parent=parent, st=st):
                    if r.status == 201:
                        self.parent[st["code"]] = parent
                cases.append(Case(label, self.holds(actor, "org.manage", parent), 201, build,
                                  after=after))
            return cases

        @add("PATCH", "/api/v1/org-units/{code}", "org.manage")
        def _(actor):
            cases = []
            for unit, label in ((ROOT, "the root unit"), (X, "agency X"),
                                (SUB, "the sub-unit of X"), (SIB, "the sibling sub-unit"),
                                (Y, "agency Y")):
                def v(r, unit=unit):
                    return None if r.json().get("code") == unit else "another unit answered"
                cases.append(Case(label, self.holds(actor, "org.manage", unit), 200,
                                  simple("PATCH", f"/api/v1/org-units/{unit}",
                                         lambda: {"phone": "0238 3%06d" % self.fresh("tel")}),
                                  verify=v))
            return cases

        @add("GET", "/api/v1/audit", "audit.read")
        def _(actor):
            return [Case("the audit log", self.holds_anywhere(actor, "audit.read"), 200,
                         simple("GET", "/api/v1/audit?limit=5"))]

        # -- the catalogue: the province's administrators keep it, decided on the root unit.
        def manage(actor):
            return self.holds(actor, "procedure.manage", ROOT)

        @add("GET", "/api/v1/admin/procedures", "procedure.manage")
        def _(actor):
            return [Case("the catalogue with drafts", manage(actor), 200,
                         simple("GET", "/api/v1/admin/procedures?q=khai+sinh"),
                         leak=LEAK_ESCALATION)]

        @add("GET", "/api/v1/admin/procedures/{code}", "procedure.manage")
        def _(actor):
            return [Case("a procedure with its versions", manage(actor), 200,
                         simple("GET", "/api/v1/admin/procedures/1.001193"),
                         leak=LEAK_ESCALATION)]

        @add("POST", "/api/v1/admin/procedures", "procedure.manage")
        def _(actor):
            return [Case("a new draft procedure", manage(actor), 201,
                         lambda: ("POST", "/api/v1/admin/procedures",
                                  self.procedure_fixture("9.%06d" % self.fresh("procedure"))),
                         leak=LEAK_ESCALATION)]

        @add("PUT", "/api/v1/admin/procedures/{code}", "procedure.manage")
        def _(actor):
            return [Case("a new draft version", manage(actor), 200,
                         simple("PUT", "/api/v1/admin/procedures/9.999990",
                                lambda: self.procedure_fixture("9.999990")),
                         leak=LEAK_ESCALATION)]

        @add("POST", "/api/v1/admin/procedures/{code}/versions/{version}/publish",
             "procedure.manage")
        def _(actor):
            return [Case("publishing version 1 again", manage(actor), 200,
                         simple("POST", "/api/v1/admin/procedures/9.999990/versions/1/publish"),
                         leak=LEAK_ESCALATION)]

        @add("POST", "/api/v1/admin/procedures/{code}/retire", "procedure.manage")
        def _(actor):
            # A code nobody has: 404 for those allowed, refused before the lookup for the rest.
            return [Case("retiring an unknown procedure (404)", manage(actor), 404,
                         simple("POST", "/api/v1/admin/procedures/9.999999/retire"),
                         leak=LEAK_ESCALATION)]

        @add("GET", "/api/v1/admin/procedures/{code}/process", "procedure.manage")
        def _(actor):
            return [Case("a procedure's process", manage(actor), 200,
                         simple("GET", "/api/v1/admin/procedures/1.001193/process"),
                         leak=LEAK_ESCALATION)]

        @add("PUT", "/api/v1/admin/procedures/{code}/process", "procedure.manage")
        def _(actor):
            body = {"steps": [{"id": "xu_ly", "name": "Xử lý hồ sơ", "unit": "agency",
                               "role": "specialist", "days": 1, "decides": True}]}
            return [Case("a new version of a procedure's process", manage(actor), 200,
                         simple("PUT", "/api/v1/admin/procedures/1.001193/process", body),
                         leak=LEAK_ESCALATION)]

        # -- statistics: report.read on the unit asked for (the root for the province).
        @add("GET", "/api/v1/reports", "report.read")
        def _(actor):
            cases = []
            for label, unit in (("agency X's report", X), ("agency Y's report", Y),
                                ("the province's report", ROOT)):
                q = f"from=2026-01-01&to=2026-12-31&agency={unit}"
                cases.append(Case(label, self.holds(actor, "report.read", unit), 200,
                                  simple("GET", f"/api/v1/reports?{q}"),
                                  leak=LEAK_AGENCY))
            return cases

        @add("POST", "/api/v1/admin/procedure-catalogue", "procedure.manage")
        def _(actor):
            return [Case("an empty import", manage(actor), 200,
                         simple("POST", "/api/v1/admin/procedure-catalogue",
                                {"fields": [], "procedures": []}),
                         leak=LEAK_ESCALATION)]

        # -- what ends the caller's sessions or changes its password: late.
        @add("DELETE", "/api/v1/session", "signed_in")
        def _(actor):
            # Through a bearer token there is no session to end: 400 not_a_session.
            return [own(actor, "own sign-out (400 not_a_session for a token)", 400,
                        simple("DELETE", "/api/v1/session"))]

        @add("DELETE", "/api/v1/me/sessions", "signed_in")
        def _(actor):
            def v(r):
                r2 = self.http("GET", "/api/v1/me", bearer=actor.token)
                return None if r2.status == 200 else f"the API token stopped working"
            return [own(actor, "own sessions, everywhere", 204,
                        simple("DELETE", "/api/v1/me/sessions"), v)]

        @add("POST", "/api/v1/me/password", "signed_in")
        def _(actor):
            new = f"Matrix-Pass-{random.getrandbits(40):010x}!"

            def after(r):
                if r.status == 204:
                    actor.password = new
            return [own(actor, "own password", 204,
                        lambda: ("POST", "/api/v1/me/password",
                                 {"current_password": actor.password, "new_password": new}),
                        after=after)]

        # -- disabling ends the target's sessions: last. Re-enabled right after.
        @add("PATCH", "/api/v1/admin/accounts/{id}", "staff.manage")
        def _(actor):
            cases = []
            for label, acc in self.account_objects(actor):
                # Nobody below province level locks out a province administrator.
                top = any(r == "province_admin" for r, _ in getattr(acc, "grants", ()))
                allowed = (self.holds(actor, "staff.manage", acc.oracle_unit) and acc.id != actor.id
                           and (not top or self.holds_role(actor, "province_admin", ROOT)))

                def after(r, acc=acc):
                    if r.status == 200:
                        self.restore_account(acc)
                cases.append(Case(label, allowed, 200,
                                  simple("PATCH", f"/api/v1/admin/accounts/{acc.id}",
                                         {"status": "disabled"}),
                                  leak=self.leak_of(actor, acc), after=after,
                                  cookie=acc.id == actor.id or not isinstance(acc, Actor)))
            return cases

        return T

    # ---- the account list: what each actor may see -----------------------------------

    def check_listing(self, actor, r):
        j = r.json()
        items = j.get("items", [])
        if j.get("total", 0) > len(items):
            return f"{j.get('total')} accounts but {len(items)} on the page (raise per_page)"
        listed = {it["id"]: it for it in items}
        seen = dict(self.accounts)
        for i, it in listed.items():
            if i not in seen:  # e.g. a citizen who signed up: at the root
                seen[i] = Account(f"account {it.get('login') or i} ({it.get('kind')})",
                                  it.get("kind"), it.get("login"),
                                  None if it.get("kind") != "staff" else "?", i)
        for i, acc in sorted(seen.items()):
            unit = acc.oracle_unit
            if unit == "?":
                vis = False  # a staff account the matrix does not know: nobody expects it
            else:
                vis = self.holds(actor, "account.read", unit)
            if i not in self.accounts and not vis and i not in listed:
                continue
            self.cells.append(Cell(("GET", "/api/v1/admin/accounts"), self.channel + " list",
                                   actor.label, acc.label, 200 if vis else 0,
                                   200 if i in listed else 0, vis, self.leak_of(actor, acc),
                                   r.header("X-Request-Id"),
                                   "listed" if i in listed else "absent"))
        return None

    # ---- the phases ----------------------------------------------------------------------

    def sign_in(self, actor):
        r = self.http("POST", "/api/v1/session", {"login": actor.login, "password": actor.password})
        eq(r.status, 200, f"{actor.label} signs in ({short(r.body)})")
        tok = None
        for v in r.header_all("Set-Cookie"):
            k, _, val = v.split(";")[0].partition("=")
            if k.strip() == COOKIE:
                tok = val
        check(tok, f"no session cookie for {actor.label}")
        return tok, r.json()

    def cookie_phase(self, T):
        """Every signed-in actor through a cookie session: privileged staff first meet the
        second-factor wall, then the sampled routes; it ends with signing out."""
        self.channel = "cookie"
        probe_body = {}
        for actor in self.actors[1:]:
            tok1, j1 = self.sign_in(actor)
            tok2, _ = self.sign_in(actor)
            actor.s1 = (tok1, j1.get("csrf"))
            if actor.privileged:
                if not j1.get("mfa_setup_required"):
                    self.problems.append(f"{actor.label} ({[r for r, _ in actor.grants]}) signed "
                                         f"in without being asked to set up TOTP: {short(j1)}")
                # Until TOTP is on, every gated route but the setup ones: 403 mfa_setup_required.
                for route, perm, _ in T:
                    if perm == "public" or route in MFA_SETUP_ROUTES:
                        continue
                    method, pattern = route
                    path = pattern.replace("{id}", "999999999").replace("{code}",
                                                                        "000.00.99.H41")
                    case = Case("any (before TOTP is set up)", False, 0,
                                lambda m=method, p=path: (m, p, probe_body if m != "GET"
                                                          and m != "DELETE" else None),
                                leak=LEAK_ESCALATION)
                    self.run(route, actor, case, "cookie", expect=403,
                             expect_code="mfa_setup_required")
            # The second factor through the session itself (for privileged staff this is
            # what makes the session whole).
            st = {}

            def got(r, st=st):
                st["secret"] = r.json().get("secret") if r.status == 200 else None
            if actor.privileged:
                self.run(("GET", "/api/v1/me"), actor,
                         Case("own account (before TOTP is set up)", True, 200,
                              lambda: ("GET", "/api/v1/me", None), LEAK_ESCALATION),
                         "cookie")
                self.run(("POST", "/api/v1/me/totp"), actor,
                         Case("own second factor (begin)", True, 200,
                              lambda: ("POST", "/api/v1/me/totp", None), after=got),
                         "cookie")
                if st.get("secret"):
                    key = b32key(st["secret"])
                    self.run(("POST", "/api/v1/me/totp/confirm"), actor,
                             Case("own second factor (turn on)", True, 200,
                                  lambda: ("POST", "/api/v1/me/totp/confirm",
                                           {"secret": st["secret"],
                                            "code": actor.app.code(key)})),
                             "cookie")
                    actor.app.key = key
            r = self.http("GET", "/api/v1/me/sessions", cookie=tok2)
            eq(r.status, 200, f"GET /api/v1/me/sessions with {actor.label}'s second session "
                              f"({short(r.body)})")
            cur = [x["id"] for x in r.json()["items"] if x.get("current")]
            check(len(cur) == 1, f"no current session in {short(r.body)}")
            actor.s2 = (tok2, None, cur[0])
            for route, perm, gen in T:
                if route not in COOKIE_SAMPLE:
                    continue
                for case in gen(actor):
                    if case.cookie:
                        self.run(route, actor, case, "cookie")
            self.run(("DELETE", "/api/v1/session"), actor,
                     Case("own sign-out", True, 204, lambda: ("DELETE", "/api/v1/session", None),
                          leak=LEAK_ESCALATION), "cookie")
            r = self.http("GET", "/api/v1/me", cookie=tok1)
            if r.status != 401:
                self.problems.append(f"{actor.label}'s session answers {r.status} after "
                                     f"signing out")

    def bearer_phase(self, T):
        self.channel = "bearer"
        for route, perm, gen in T:
            for actor in self.actors:
                for case in gen(actor):
                    self.run(route, actor, case, "anonymous" if actor.anonymous else "bearer")

    def scope_phase(self, T):
        """A narrower token of the province admin: every staff-permission route needs the
        'admin' scope, whatever the roles (docs/gate.md step 4)."""
        prov = self.prov
        for scope in ("read", "read write"):
            p = self.cli(["token", "create", "--login", prov.login, "--scope", scope])
            token = p.stdout.strip()
            self.channel = f"bearer:{scope}"
            for route, perm, gen in T:
                if perm not in STAFF_PERMS:
                    continue
                for case in gen(prov):
                    if case.allowed:
                        self.run(route, prov, case, self.channel, expect=403,
                                 expect_code="insufficient_scope", leak=LEAK_ESCALATION,
                                 token=token)
                        break

    def revocation_phase(self):
        """A revoked grant stops working at once, and a new one works at once."""
        self.channel = "bearer"
        adm = next(a for a in self.actors if a.label == "agency_admin@Y")
        route = ("GET", "/api/v1/admin/accounts/{id}")

        def read():
            return ("GET", f"/api/v1/admin/accounts/{self.tY.id}", None)
        gid = adm.grant_ids[("agency_admin", Y)]
        r = self.as_prov("DELETE", f"/api/v1/admin/role-grants/{gid}")
        eq(r.status, 204, f"the province admin revokes {adm.label}'s grant ({short(r.body)})")
        grants, adm.grants = adm.grants, []
        self.run(route, adm, Case("staff in Y, right after the grant on Y was revoked", False,
                                  200, read), "bearer")
        adm.grants = grants
        self.restore_grant(adm, "agency_admin", Y)
        self.run(route, adm, Case("staff in Y, right after the grant on Y was given back", True,
                                  200, read), "bearer")

    def audit_denials(self):
        """{request id: entry} of every authz.deny in the audit log."""
        out = {}
        before = None
        while True:
            q = "/api/v1/audit?action=authz&limit=200" + (f"&before={before}" if before else "")
            r = self.as_prov("GET", q)
            eq(r.status, 200, f"GET {q} as the province admin ({short(r.body)})")
            j = r.json()
            for it in j.get("items", []):
                if it.get("action") == "authz.deny":
                    out[it.get("request_id")] = it
            before = j.get("next_before_seq")
            if not before or not j.get("items"):
                return out


def _report(m, by, missing, routes_hit, elapsed):
    cells = [c for c in m.cells]
    allowed = sum(1 for c in cells if c.allowed)
    denied = len(cells) - allowed
    chans = {}
    for c in cells:
        chans[c.channel] = chans.get(c.channel, 0) + 1
    line = (f"    matrix on {m.ctx.db_kind}: {len(cells)} cells "
            f"({', '.join(f'{k} {v}' for k, v in sorted(chans.items()))}) over {len(routes_hit)} "
            f"routes and {len(m.actors)} actors: {allowed} allowed, {denied} denied; "
            f"cross-citizen leaks {len(by[LEAK_CITIZEN])}, cross-agency leaks "
            f"{len(by[LEAK_AGENCY])}, escalations {len(by[LEAK_ESCALATION])}, over-refusals "
            f"{len(by['over-refusal'])}, wrong status {len(by['wrong status'])}; 403s "
            f"{len(m.denials)}, without an authz.deny entry {len(missing)} ({elapsed:.1f}s)")
    print(line, flush=True)
    return line


def _describe(c):
    if c.channel.endswith(" list"):
        m, p = c.route
        want = "listed" if c.expected == 200 else "absent"
        return (f"{m} {p} [{c.channel}] actor={c.actor} account={c.obj}: expected {want}, "
                f"got {c.code}")
    return c.describe()


# ---- the tests --------------------------------------------------------------------------


def test_matrix_covers_every_route(ctx):
    """Every route in src/api/openapi.json has a request template in this module, with the
    permission the matrix expects; no template is left for a route that is gone."""
    api = openapi_routes()
    check(api, f"no routes in {OPENAPI}")
    T = Matrix(ctx).templates()
    have = {}
    for route, perm, _ in T:
        have[route] = perm
    missing = sorted(set(api) - set(have))
    stale = sorted(set(have) - set(api))
    wrong = sorted(f"{m} {p}: openapi.json {api[(m, p)]!r}, matrix {have[(m, p)]!r}"
                   for (m, p) in set(api) & set(have) if api[(m, p)] != have[(m, p)])
    undeclared = sorted(f"{m} {p}" for (m, p), perm in api.items() if not perm)
    check(not undeclared, f"routes without x-egov-permission: {undeclared}")
    check(not missing, "routes in openapi.json without a template in test_matrix.py: "
                       + ", ".join(f"{m} {p}" for m, p in missing))
    check(not stale, "templates for routes openapi.json no longer has: "
                     + ", ".join(f"{m} {p}" for m, p in stale))
    check(not wrong, "the permission changed (review the matrix): " + "; ".join(wrong))
    unknown = sorted({p for p in api.values() if p not in STAFF_PERMS | {"public", "signed_in"}})
    check(not unknown, f"permissions the matrix has no policy for: {unknown}")


def test_matrix(ctx):
    """role x route x (own / another citizen's / another agency's object): 0 cross-citizen
    and 0 cross-agency accesses, no over-refusal, and every 403 audited as authz.deny."""
    t0 = time.monotonic()
    m = Matrix(ctx)
    m.setup()
    T = m.templates()
    api = openapi_routes()
    served = m.s.get("/api/v1/openapi.json")
    eq(served.status, 200, "GET /api/v1/openapi.json")
    eq(json.loads(served.body), json.loads(OPENAPI.read_text(encoding="utf-8")),
       "the served OpenAPI document and src/api/openapi.json")
    for route, perm, _ in T:
        eq(api.get(route), perm, f"x-egov-permission of {route[0]} {route[1]}")
    m.cookie_phase(T)
    m.bearer_phase(T)
    m.scope_phase(T)
    m.revocation_phase()
    denied_log = m.audit_denials()
    missing = [c for c in m.denials if c.rid not in denied_log]
    by = m.mismatches()
    routes_hit = {c.route for c in m.cells if c.channel in ("bearer", "anonymous")}
    line = _report(m, by, missing, routes_hit, time.monotonic() - t0)
    if ctx.verbose:
        for c in m.cells:
            print("      " + _describe(c))
    out = []
    not_hit = sorted(set(api) - routes_hit)
    if not_hit:
        out.append("routes no cell exercised: " + ", ".join(f"{a} {b}" for a, b in not_hit))
    if m.problems:
        out.append("fixture: " + " | ".join(m.problems[:10]))
    for kind in (LEAK_CITIZEN, LEAK_AGENCY, LEAK_ESCALATION, "over-refusal", "wrong status"):
        if by[kind]:
            out.append(f"{len(by[kind])} {kind}: " + " | ".join(_describe(c) for c in by[kind][:25])
                       + (" | ..." if len(by[kind]) > 25 else ""))
    if missing:
        groups = {}
        for c in missing:
            groups.setdefault((c.route, c.obj), []).append(f"{c.actor} [{c.channel}]")
        out.append(f"{len(missing)} of {len(m.denials)} 403 answers have no authz.deny audit "
                   f"entry: " + " | ".join(f"{r[0]} {r[1]} object={o}: {', '.join(who)}"
                                           for (r, o), who in groups.items()))
    check(not out, line.strip() + " || " + " || ".join(out))
