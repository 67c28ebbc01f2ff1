"""test_dossiers.py - dossiers (hồ sơ) over HTTP, the way citizens and officers meet them
(src/dossiers/dossiers.h, src/api/dossiers.c, /tmp/notes/dossier-json.md).

Every test starts its own `egov serve` on the demo province (SQLite or PostgreSQL) with a
spool and a file store of its own, makes its people with the real CLI (`egov user add`,
`egov token create`) and works through the API only, but for two looks into the database:
the count of dossier rows (a refused submission leaves none) and the outbox (the emails
the applicant is sent).

The procedure is the demo's birth registration (1.001193, "Đăng ký khai sinh"): its form
has required text, date, select, address and personal-id fields, a show_if group (the
father) and a required file field; components 1 and 5 are required (component 0, the
declaration, is the online form itself). It is carried out by every commune and has no
process of its own, so it runs the default one: a specialist examines, the agency leader
decides, both at the receiving commune. C1 is the commune everybody submits to, C2 a
neighbour whose staff must see nothing of C1's dossiers.

  * online submission with attachments; form and file errors with Vietnamese messages
    naming the field; a refused submission leaves nothing behind (no row, no sequence
    number, the files still the citizen's);
  * Idempotency-Key: retries, another body, keys per account, concurrent requests;
  * drafts: save, read, change, submit; others get 404;
  * the daily sequence <agency>-YYMMDD-NNNN under 30 concurrent submissions;
  * counter intake by the desk, and who may not;
  * a provincial procedure received at the service center and processed at the
    department (the demo's inter-agency process);
  * the workflow: receive, forward, approve, return; supplements, rejection, refusal,
    withdrawal, stopping, extension; versions and concurrent officers; actions the state
    does not allow;
  * access: other citizens and other communes get 404; the public tracking view has no
    personal data; malformed codes; staff reads are audited (dossier.read);
  * notifications in the outbox; the officers' queues.

Tests at the end ("defects") state behaviour egov does not have yet; they fail until the
C code is fixed.
"""

import concurrent.futures
import datetime
import json
import re
import threading
import urllib.parse

from harness import assert_json_error, check, eq, short
from test_auth import new_pid
from test_files import Files, make_pdf, upload

C1 = "000.00.41.H41"   # Ủy ban nhân dân phường Trường Vinh
C2 = "000.00.42.H41"   # Ủy ban nhân dân phường Thành Vinh
ROOT = "000.00.00.H41"
SO_TU_PHAP = "000.00.04.H41"
BIRTH = "1.001193"     # Đăng ký khai sinh (commune, online full, citizens)
OFFLINE = "2.000884"   # Chứng thực chữ ký: not taken online
DOSSIERS = "/api/v1/dossiers"
CODE_RE = re.compile(r"^(\d{3}\.\d{2}\.\d{2}\.H\d{2})-(\d{6})-(\d{4,5})$")
VN = datetime.timezone(datetime.timedelta(hours=7))

# The labels of the birth registration's form (data/demo/procedures.json).
L_CHILD = "Họ, chữ đệm và tên của trẻ"
L_SEX = "Giới tính"
L_MOTHER_PID = "Số định danh cá nhân của mẹ"
L_FATHER = "Họ, chữ đệm và tên của cha"
L_CERT = "Giấy chứng sinh (ảnh hoặc PDF)"
ID_DOCS = "Giấy tờ tùy thân của người yêu cầu"


def today_yymmdd():
    return datetime.datetime.now(VN).strftime("%y%m%d")


def birth_form(**over):
    """A complete birth registration form (the father unknown: his fields are not asked)."""
    form = {"child_name": "Nguyễn Minh Khang", "child_birth_date": "2026-11-02",
            "child_sex": "male", "birth_place": "Bệnh viện Sản Nhi Nghệ An",
            "mother_name": "Lê Thị Hoa", "mother_personal_id": new_pid(1, 95),
            "father_known": "no", "copies_requested": 2}
    for k, v in over.items():
        if v is None:
            form.pop(k, None)
        else:
            form[k] = v
    return form


class Person:
    def __init__(self, login, kind, name, email, token, id, role=None, org=None):
        self.login, self.kind, self.name, self.email = login, kind, name, email
        self.token, self.id, self.role, self.org = token, id, role, org

    def __repr__(self):
        return self.login


class Desk(Files):
    """A server with the demo data, plus people made on demand and the API calls a test
    needs. Files gives the spool and store of the test's own and the CLI."""

    def __init__(self, ctx):
        super().__init__(ctx)
        self.people = {}
        self.n = 0

    # -- people
    def person(self, login, kind="citizen", role=None, org=None, name=None):
        if login in self.people:
            return self.people[login]
        name = name or {"citizen": "Công dân", "staff": "Cán bộ"}.get(kind, "Người") \
            + " " + login
        u = self.add_user(login, kind=kind, role=role, org=org, name=name,
                          email=f"{login}@example.vn")
        tok = self.token(login, "read write admin" if role == "province_admin" else "read write")
        r = self.s.get("/api/v1/me", headers={"Authorization": f"Bearer {tok}"})
        eq(r.status, 200, f"GET /api/v1/me as {login} ({short(r.body)})")
        p = Person(login, kind, name, u["email"], tok, r.json()["id"], role, org)
        self.people[login] = p
        return p

    def citizen(self, login, name=None):
        return self.person(login, "citizen", name=name)

    def staff(self, login, role, org=C1):
        return self.person(login, "staff", role, org)

    # -- HTTP
    def call(self, who, method, path, obj=None, headers=None, raw=None):
        h = {}
        if who is not None:
            h["Authorization"] = f"Bearer {who.token}"
        body = None
        if raw is not None:
            body = raw
        elif obj is not None:
            body = json.dumps(obj, ensure_ascii=False).encode()
        if body is not None:
            h["Content-Type"] = "application/json"
        h.update(headers or {})
        return self.s.request(method, path, body=body, headers=h, timeout=30)

    def up(self, who, text=None, name="giay-to.pdf"):
        self.n += 1
        data = make_pdf(text or f"{who.login} file {self.n}")
        r = upload(self.s, data, bearer=who.token, query="?filename=" + urllib.parse.quote(name))
        eq(r.status, 201, f"{who.login} uploads {name} ({short(r.body)})")
        return r.json()["id"]

    def birth_files(self, who):
        """The three files a birth registration online needs, uploaded by who."""
        return [{"id": self.up(who, name="giay-chung-sinh.pdf"), "field": "birth_certificate"},
                {"id": self.up(who, name="giay-chung-sinh-ban-sao.pdf"), "component": 1},
                {"id": self.up(who, name="cccd.pdf"), "component": 5}]

    def birth(self, who, agency=C1, files=None, **form):
        return {"procedure": BIRTH, "agency": agency, "form": birth_form(**form),
                "files": self.birth_files(who) if files is None else files}

    def counter(self, desk, agency=C1, applicant=None, paper=(0, 1, 5), **kw):
        """A counter intake by desk: the papers handed in, and the scan of the birth
        certificate the form's file field asks for (uploaded by the desk)."""
        b = {"procedure": BIRTH, "agency": agency, "channel": "counter", "form": birth_form(),
             "applicant": applicant or {"name": "Hoàng Thị Lan"}, "paper": list(paper),
             "files": [{"id": self.up(desk, name="scan-giay-chung-sinh.pdf"),
                        "field": "birth_certificate"}]}
        b.update(kw)
        return b

    def submit(self, who, body, key=None, raw=None):
        return self.call(who, "POST", DOSSIERS, body, raw=raw,
                         headers={"Idempotency-Key": key} if key is not None else None)

    def submitted(self, who, agency=C1, **form):
        r = self.submit(who, self.birth(who, agency, **form))
        eq(r.status, 201, f"{who.login} submits a birth registration to {agency} "
                          f"({short(r.body)})")
        return r.json()

    def get(self, who, code):
        return self.call(who, "GET", f"{DOSSIERS}/{code}")

    def view(self, who, code):
        r = self.get(who, code)
        eq(r.status, 200, f"GET {code} as {who.login} ({short(r.body)})")
        return r.json()

    def act(self, who, code, action, version, **kw):
        body = {"action": action, "version": version}
        body.update(kw)
        return self.call(who, "POST", f"{DOSSIERS}/{code}/actions", body)

    def act_ok(self, who, code, action, **kw):
        """The action at the version the actor sees now; asserts 200."""
        v = self.view(who, code)["version"]
        r = self.act(who, code, action, v, **kw)
        eq(r.status, 200, f"{action} on {code} by {who.login} at version {v} ({short(r.body)})")
        j = r.json()
        eq(j.get("version"), v + 1, f"the version after {action}")
        eq(j.get("code"), code, f"the code after {action}")
        return j

    def queue(self, who, q=None, **params):
        if q is not None:
            params["queue"] = q
        qs = urllib.parse.urlencode(params)
        return self.call(who, "GET", DOSSIERS + (f"?{qs}" if qs else ""))

    def codes_in(self, who, q=None, **params):
        r = self.queue(who, q, limit=100, **params)
        eq(r.status, 200, f"GET {DOSSIERS}?queue={q} as {who.login} ({short(r.body)})")
        return [it.get("code") for it in r.json()["items"]]

    # -- the database
    def dossier_count(self):
        return self.scalar("SELECT COUNT(*) FROM dossier")

    def outbox(self):
        """[(channel, payload as a dict)] in order. One column per row: psql's unaligned
        output splits on '|', which a payload may contain."""
        rows = self.sql("SELECT channel || ' ' || payload FROM outbox ORDER BY id")
        out = []
        for row in rows:
            ch, _, payload = "|".join(str(x) for x in row).partition(" ")
            out.append((ch, json.loads(payload)))
        return out

    def owner_kind(self, attachment):
        rows = self.sql(f"SELECT owner_kind FROM attachment WHERE id = {int(attachment)}")
        return rows[0][0] if rows else None


def msg_of(r):
    return r.json().get("error", {}).get("message", "")


def refused(r, status, code=None, *words):
    """A JSON error of that status whose message has every word."""
    e = assert_json_error(r, status, code)
    for w in words:
        check(w in e["message"], f"the {status} message {e['message']!r} lacks {w!r}")
    return e


def timeline_actions(j):
    return [e["action"] for e in j["timeline"]]


def step_role(j):
    return (j.get("step") or {}).get("role")


# ---- submission ----------------------------------------------------------------------------


def test_online_submission_with_attachments(ctx):
    """A citizen uploads three PDFs and submits: 201 with the code <C1>-YYMMDD-0001, the
    status, a version and Location; the full view has the form, the files in their
    components and the applicant; each file downloads byte for byte from the dossier; the
    files are now the dossier's (not reusable); the citizen's list has it."""
    d = Desk(ctx)
    with d.server() as s:
        an = d.citizen("an.nguyen", "Nguyễn Văn An")
        pdfs = {}
        files = []
        for ref, name in (({"field": "birth_certificate"}, "giấy chứng sinh.pdf"),
                          ({"component": 1}, "chung-sinh.pdf"), ({"component": 5}, "cccd.pdf")):
            data = make_pdf(f"an {name}")
            r = upload(s, data, bearer=an.token, query="?filename=" + urllib.parse.quote(name))
            eq(r.status, 201, f"upload {name}")
            pdfs[r.json()["id"]] = (name, data)
            files.append(dict(ref, id=r.json()["id"]))
        form = birth_form()
        r = d.submit(an, {"procedure": BIRTH, "agency": C1, "form": form, "files": files})
        eq(r.status, 201, f"POST {DOSSIERS} ({short(r.body)})")
        j = r.json()
        m = CODE_RE.match(j.get("code") or "")
        check(m, f"code {j.get('code')!r}")
        eq((m.group(1), m.group(2), m.group(3)), (C1, today_yymmdd(), "0001"), "the code's parts")
        eq((j["status"], j["status_title"]), ("submitted", "Mới đăng ký"), "status")
        check(isinstance(j.get("version"), int) and isinstance(j.get("id"), int), short(r.body))
        eq(j.get("due"), None, "due before the desk received it")
        eq(r.header("Location"), f"{DOSSIERS}/{j['code']}", "Location")
        eq(r.header("Idempotent-Replayed"), None, "Idempotent-Replayed on a first request")
        code = j["code"]

        v = d.view(an, code)
        eq((v["code"], v["status"], v["version"], v["channel"], v["national_status"]),
           (code, "submitted", j["version"], "online", 1), "the full view")
        eq((v["procedure"]["code"], v["agency"]["code"]), (BIRTH, C1), "procedure and agency")
        eq((v["applicant"]["name"], v["applicant"]["email"], v["applicant"]["account"]),
           (an.name, an.email, an.id), "the applicant")
        for k, val in form.items():
            eq(v["form"].get(k), val, f"form[{k}]")
        eq(sorted(f["id"] for f in v["files"]), sorted(pdfs), "the dossier's files")
        comp = {c["index"]: [f["id"] for f in c["files"]] for c in v["components"]}
        # Component 1 (the birth certificate) is carried by the form's file field
        # birth_certificate (data/demo/procedures.json): it lists that field's file too.
        eq((sorted(comp[1]), comp[5]), (sorted([files[0]["id"], files[1]["id"]]),
                                        [files[2]["id"]]), "files by component")
        byfield = [f for f in v["files"] if f["field"] == "birth_certificate"]
        eq([f["id"] for f in byfield], [files[0]["id"]], "the file of the form's file field")
        eq(timeline_actions(v), ["submit"], "the timeline")
        eq(v["timeline"][0]["actor"], an.name, "who submitted")
        check("withdraw" in v["actions"] and "receive" not in v["actions"],
              f"the applicant's actions {v['actions']}")
        for fid, (name, data) in pdfs.items():
            r = d.call(an, "GET", f"{DOSSIERS}/{code}/files/{fid}")
            eq(r.status, 200, f"download file {fid} of the dossier ({short(r.body)})")
            check(r.body == data, f"file {fid}: the download differs from the upload")
            eq(r.header("Content-Type"), "application/pdf", "Content-Type of a download")
            check("no-store" in (r.header("Cache-Control") or ""), "Cache-Control of a download")
            eq(d.owner_kind(fid), "dossier", f"attachment {fid} belongs to the dossier")
        eq(d.codes_in(an, "mine"), [code], "the citizen's list")
        eq(d.codes_in(an), [code], "the citizen's list without ?queue")
        # The same files cannot go into a second dossier.
        r = d.submit(an, {"procedure": BIRTH, "agency": C1, "form": birth_form(), "files": files})
        refused(r, 400, None, str(files[0]["id"]))
        eq(d.dossier_count(), 1, "dossier rows after reusing the files")


def test_form_and_file_errors_create_nothing(ctx):
    """Each broken submission: 400 whose Vietnamese message names what is wrong (the
    field's label, the component, the file); afterwards no dossier row, the citizen's list
    unchanged, the files still the citizen's uploads, and the next valid submission gets
    sequence number 0001 (a refused one used none)."""
    d = Desk(ctx)
    with d.server() as s:
        an = d.citizen("an.nguyen")
        binh = d.citizen("binh.tran")
        files = d.birth_files(an)
        theirs = d.up(binh, name="cua-binh.pdf")

        def body(**kw):
            b = {"procedure": BIRTH, "agency": C1, "form": birth_form(), "files": files}
            b.update(kw)
            return b
        cases = [
            ("a required field missing", body(form=birth_form(child_name=None)),
             [L_CHILD, "bắt buộc"]),
            ("a required field blank", body(form=birth_form(child_name="")), [L_CHILD]),
            ("an invalid personal id", body(form=birth_form(mother_personal_id="12345")),
             [L_MOTHER_PID]),
            ("a personal id with letters",
             body(form=birth_form(mother_personal_id="0011950123ab")), [L_MOTHER_PID]),
            ("a select value not offered", body(form=birth_form(child_sex="unknown")),
             [L_SEX, "lựa chọn"]),
            ("an unknown form key", body(form=birth_form(nickname="Bé Bi")), ["nickname"]),
            ("a date that is no date", body(form=birth_form(child_birth_date="2026-02-30")),
             ["Ngày, tháng, năm sinh"]),
            ("a number out of range", body(form=birth_form(copies_requested=21)),
             ["Số bản sao"]),
            ("a field asked by show_if left out",
             body(form=birth_form(father_known="yes")), [L_FATHER]),
            ("someone else's file",
             body(files=files[:2] + [{"id": theirs, "component": 5}]), [str(theirs)]),
            ("a file that does not exist",
             body(files=files[:2] + [{"id": 999999, "component": 5}]), ["999999"]),
            ("a required component without a file", body(files=files[:2]), [ID_DOCS]),
            ("the form's required file field without a file",
             body(files=[dict(files[0], field=None, component=2)] + files[1:]), [L_CERT]),
            ("a component the procedure does not have",
             body(files=files + [{"id": d.up(an), "component": 40}]), ["41"]),
            ("the same file twice", body(files=files + [files[1]]), [str(files[1]["id"])]),
            ("an unknown procedure", body(procedure="9.999999"), ["9.999999"]),
            ("an agency that does not carry it out", body(agency=SO_TU_PHAP), [SO_TU_PHAP]),
            ("a procedure not taken online", body(procedure=OFFLINE), ["trực tuyến"]),
            ("the form not an object", body(form=["x"]), []),
            ("files not a list", body(files={"id": 1}), []),
            ("a file reference without component or field", body(files=[{"id": files[0]["id"]}]),
             []),
        ]
        for what, b, words in cases:
            if b.get("files") and isinstance(b["files"], list):
                b["files"] = [{k: v for k, v in f.items() if v is not None} for f in b["files"]]
            r = d.submit(an, b)
            if r.status != 400:
                raise AssertionError(f"{what}: expected 400, got {r.status} {short(r.body)}")
            e = refused(r, 400)
            for w in words:
                check(w in e["message"], f"{what}: the message {e['message']!r} lacks {w!r}")
        r = d.submit(an, None, raw=b'{"procedure": "1.001193", "form": {')
        refused(r, 400, "invalid_json")
        r = d.call(an, "POST", DOSSIERS, raw=json.dumps(body()).encode(),
                   headers={"Content-Type": "text/plain"})
        refused(r, 415)
        eq(d.dossier_count(), 0, "dossier rows after the refused submissions")
        eq(d.codes_in(an, "mine"), [], "the citizen's list after the refused submissions")
        for f in files:
            eq(d.owner_kind(f["id"]), "upload", f"attachment {f['id']} after the refusals")
        eq(d.outbox(), [], "the outbox after the refused submissions")
        j = d.submitted(an)
        eq(CODE_RE.match(j["code"]).group(3), "0001", "the first dossier's number after refusals")
        # The birth certificate sent once, for the form's file field, is also component 1
        # (the component is carried by that field: docs/procedures.md), so the citizen is
        # not asked for it twice.
        once = [{"id": d.up(an, name="giay-chung-sinh.pdf"), "field": "birth_certificate"},
                {"id": d.up(an, name="cccd.pdf"), "component": 5}]
        r = d.submit(an, body(files=once))
        eq(r.status, 201, f"the birth certificate sent once ({short(r.body)})")
        v = d.view(an, r.json()["code"])
        eq([[f["id"] for f in c["files"]] for c in v["components"] if c["index"] in (1, 5)],
           [[once[0]["id"]], [once[1]["id"]]], "component 1 holds the field's file")


# ---- Idempotency-Key ------------------------------------------------------------------------


def test_idempotency_key(ctx):
    """A retry with the same key and body: 201 again, Idempotent-Replayed: true, the same
    code, still one dossier. The key with another body: 409 with a message, nothing new.
    Keys belong to an account (another citizen's same key is their own submission). A
    request that was refused did not use its key up. Over-long and empty keys: 400."""
    d = Desk(ctx)
    with d.server() as s:
        an = d.citizen("an.nguyen")
        binh = d.citizen("binh.tran")
        body = d.birth(an)
        first = d.submit(an, body, key="nop-ho-so-1")
        eq(first.status, 201, f"the first request ({short(first.body)})")
        code = first.json()["code"]
        again = d.submit(an, body, key="nop-ho-so-1")
        eq(again.status, 201, f"the retry ({short(again.body)})")
        eq(again.header("Idempotent-Replayed"), "true", "Idempotent-Replayed on the retry")
        eq(again.json()["code"], code, "the retry's code")
        eq(again.header("Location"), first.header("Location"), "the retry's Location")
        other = dict(body, form=birth_form(child_name="Nguyễn Minh Khôi"))
        r = d.submit(an, other, key="nop-ho-so-1")
        refused(r, 409, None, "Idempotency-Key")
        eq(d.dossier_count(), 1, "dossier rows after the retry and the conflicting body")
        # Another citizen with the same key string: a submission of their own.
        r = d.submit(binh, d.birth(binh), key="nop-ho-so-1")
        eq(r.status, 201, f"binh with the same key string ({short(r.body)})")
        check(r.header("Idempotent-Replayed") is None and r.json()["code"] != code,
              f"binh's submission answered with an's dossier: {short(r.body)}")
        # A refused request does not keep its key: the corrected one is a new submission.
        fixed = d.birth(an)
        broken = dict(fixed, form=birth_form(child_name=None))
        refused(d.submit(an, broken, key="nop-ho-so-2"), 400, None, L_CHILD)
        r = d.submit(an, fixed, key="nop-ho-so-2")
        eq(r.status, 201, f"the corrected request with the same key ({short(r.body)})")
        eq(r.header("Idempotent-Replayed"), None, "replayed after a refusal")
        # After the dossier moved on, a late retry still finds it (no second dossier).
        desk = d.staff("desk.c1", "desk_officer")
        d.act_ok(desk, code, "receive")
        late = d.submit(an, body, key="nop-ho-so-1")
        eq((late.status, late.header("Idempotent-Replayed"), late.json().get("code")),
           (201, "true", code), "a late retry after the desk received it")
        for key in ("x" * 256, ""):
            r = d.submit(an, d.birth(an, files=[]), key=key)
            refused(r, 400, None, "Idempotency-Key")
        eq(d.dossier_count(), 3, "dossier rows at the end")


# ---- drafts --------------------------------------------------------------------------------


def test_drafts(ctx):
    """A partial draft (required fields missing is fine): 201 with no code, Location
    /api/v1/drafts/{id}; GET gives it back; PUT changes it (with its version; a stale
    version is 409); submitting an incomplete draft is 400 and it stays a draft; once
    complete, submit gives a code. Another citizen and the commune's desk get 404 for
    every draft route; after submission the draft routes are 404 and the dossier route
    has it."""
    d = Desk(ctx)
    with d.server() as s:
        an = d.citizen("an.nguyen")
        binh = d.citizen("binh.tran")
        desk = d.staff("desk.c1", "desk_officer")
        r = d.submit(an, {"procedure": BIRTH, "agency": C1, "draft": True,
                          "form": {"child_name": "Bé Na"}})
        eq(r.status, 201, f"save a partial draft ({short(r.body)})")
        j = r.json()
        eq((j.get("code"), j.get("status")), (None, "draft"), "a draft has no code")
        did = j["id"]
        eq(r.header("Location"), f"/api/v1/drafts/{did}", "Location of a draft")
        path = f"/api/v1/drafts/{did}"
        g = d.call(an, "GET", path)
        eq(g.status, 200, f"GET {path} ({short(g.body)})")
        eq((g.json()["status"], g.json()["form"]), ("draft", {"child_name": "Bé Na"}),
           "the draft read back")
        check("no-store" in (g.header("Cache-Control") or ""), "Cache-Control of a draft")
        for who in (binh, desk):
            for method, p, body in (("GET", path, None), ("PUT", path, {"form": {}}),
                                    ("POST", path + "/submit", None)):
                r = d.call(who, method, p, body)
                refused(r, 404, "not_found")
        eq(d.call(binh, "GET", "/api/v1/drafts/999999").status, 404, "an unknown draft")
        eq(d.call(an, "GET", "/api/v1/drafts/abc").status, 404, "a draft id that is no number")
        check(g.json().get("code") is None and d.codes_in(desk, "all") == [],
              "the desk lists a draft")
        # Incomplete: the submission says what is missing, and nothing changes.
        r = d.call(an, "POST", path + "/submit")
        refused(r, 400, None, "bắt buộc")
        eq(d.call(an, "GET", path).json()["status"], "draft", "still a draft")
        version = g.json()["version"]
        files = d.birth_files(an)
        full = {"form": birth_form(child_name="Bé Na"), "files": files, "version": version}
        r = d.call(an, "PUT", path, full)
        eq(r.status, 200, f"PUT the completed draft ({short(r.body)})")
        eq(r.json()["version"], version + 1, "the version after PUT")
        r = d.call(an, "PUT", path, dict(full, version=version))
        refused(r, 409)
        g = d.call(an, "GET", path).json()
        eq(g["form"]["mother_name"], full["form"]["mother_name"], "the changed form")
        eq(sorted(f["id"] for f in g["files"]), sorted(f["id"] for f in files), "draft files")
        # Files left out of a later PUT are the citizen's uploads again.
        spare = d.up(an, name="thua.pdf")
        r = d.call(an, "PUT", path, dict(full, files=files + [{"id": spare, "component": 2}],
                                         version=None))
        eq(r.status, 200, f"PUT with one more file ({short(r.body)})")
        eq(d.owner_kind(spare), "dossier", "the extra file while in the draft")
        r = d.call(an, "PUT", path, dict(full, version=None))
        eq(r.status, 200, f"PUT without it ({short(r.body)})")
        eq(d.owner_kind(spare), "upload", "the file left out of the draft")
        r = d.call(an, "POST", path + "/submit")
        eq(r.status, 200, f"submit the draft ({short(r.body)})")
        sub = r.json()
        check(CODE_RE.match(sub.get("code") or ""), f"the submitted draft's code: {sub}")
        eq(CODE_RE.match(sub["code"]).group(3), "0001", "the draft's number")
        eq(sub["status"], "submitted", "status after submit")
        eq(r.header("Location"), f"{DOSSIERS}/{sub['code']}", "Location after submit")
        for method, p, body in (("GET", path, None), ("PUT", path, {"form": {}}),
                                ("POST", path + "/submit", None)):
            refused(d.call(an, method, p, body), 404, "not_found")
        v = d.view(an, sub["code"])
        eq(timeline_actions(v), ["create", "submit"], "the timeline of a submitted draft")
        eq(d.codes_in(desk, "new"), [sub["code"]], "the desk's new dossiers")
        refused(d.call(an, "DELETE", path), 404, "not_found")  # submitted: no draft any more
        eq(d.view(an, sub["code"])["status"], "submitted", "the dossier after DELETE of its draft")
        # A draft given up: deleted by its applicant alone; its files are uploads again.
        r = d.submit(an, {"procedure": BIRTH, "agency": C1, "draft": True,
                          "form": {"child_name": "Bé Bỏ"}, "files": d.birth_files(an)[:1]})
        eq(r.status, 201, f"another draft ({short(r.body)})")
        gone = r.json()["id"]
        gpath = f"/api/v1/drafts/{gone}"
        attached = [f["id"] for f in d.call(an, "GET", gpath).json()["files"]]
        check(attached and all(d.owner_kind(f) == "dossier" for f in attached),
              f"the draft's files {attached}")
        for who in (binh, desk):
            refused(d.call(who, "DELETE", gpath), 404, "not_found")
        eq(d.call(an, "GET", gpath).status, 200, "the draft after others tried to delete it")
        r = d.call(an, "DELETE", gpath)
        eq((r.status, r.body), (204, b""), f"DELETE one's own draft ({short(r.body)})")
        refused(d.call(an, "GET", gpath), 404, "not_found")
        refused(d.call(an, "DELETE", gpath), 404, "not_found")
        eq([d.owner_kind(f) for f in attached], ["upload"] * len(attached),
           "the deleted draft's files")
        rows = d.sql(f"SELECT count(*) FROM dossier WHERE id = {int(gone)}")
        eq(int(rows[0][0]), 0, "its row")
        eq(d.sql("SELECT actor, object FROM audit_entry WHERE action = 'dossier.draft_delete'"),
           [(f"account:{an.id}", f"dossier_draft:{gone}")], "the deletion audited")


# ---- the daily sequence ---------------------------------------------------------------------


def test_daily_sequence_under_concurrency(ctx):
    """30 submissions by five citizens to one commune at once: every one 201, the codes
    <C1>-YYMMDD-0001 .. 0030 with no gap and no duplicate; another commune's sequence is
    its own (starts at 0001)."""
    d = Desk(ctx)
    with d.server() as s:
        people = [d.citizen(f"cd.{i}") for i in range(5)]
        bodies = [(p, d.birth(p, child_name=f"Trẻ {i:02d}")) for i in range(6)
                  for p in people]
        bar = threading.Barrier(len(bodies))

        def go(pb):
            bar.wait()
            return d.submit(pb[0], pb[1])
        with concurrent.futures.ThreadPoolExecutor(len(bodies)) as ex:
            res = list(ex.map(go, bodies))
        bad = [(r.status, short(r.body, 120)) for r in res if r.status != 201]
        check(not bad, f"{len(bad)} of 30 concurrent submissions failed: {bad[:5]}")
        codes = [r.json()["code"] for r in res]
        parts = [CODE_RE.match(c) for c in codes]
        check(all(parts), f"codes {codes}")
        eq({(m.group(1), m.group(2)) for m in parts}, {(C1, today_yymmdd())}, "agency and day")
        eq(sorted(int(m.group(3)) for m in parts), list(range(1, 31)), "the numbers")
        eq(d.dossier_count(), 30, "dossier rows")
        other = d.submitted(people[0], agency=C2)
        eq(CODE_RE.match(other["code"]).groups()[::2], (C2, "0001"), "C2's first number")
        desk = d.staff("desk.c1", "desk_officer")
        eq(sorted(d.codes_in(desk, "new")), sorted(codes), "the desk's new dossiers")


# ---- counter intake -------------------------------------------------------------------------


def test_counter_intake(ctx):
    """The desk enters a dossier handed in at the counter (channel counter, the applicant's
    name and contacts, the components handed in on paper): 201, received at once with a
    due date, the timeline 'intake', the paper components marked. A citizen may not use
    the counter channel (403); the desk of another commune may not enter for this one
    (403); the desk may not submit online (403); no counter draft; the applicant's name is
    required; a required component neither on paper nor as a file: 400."""
    d = Desk(ctx)
    with d.server() as s:
        desk = d.staff("desk.c1", "desk_officer")
        desk2 = d.staff("desk.c2", "desk_officer", C2)
        an = d.citizen("an.nguyen")
        applicant = {"name": "Hoàng Thị Lan", "email": "lan.hoang@example.vn",
                     "phone": "0912 345 678"}
        counter = d.counter(desk, applicant=applicant)
        r = d.submit(desk, counter)
        eq(r.status, 201, f"counter intake ({short(r.body)})")
        j = r.json()
        eq(j["status"], "received", "a counter dossier is received at once")
        check(j.get("due") and re.match(r"^\d{4}-\d{2}-\d{2}$", j["due"]), f"due {j.get('due')}")
        check(j.get("due_at", "").startswith(j["due"]), f"due_at {j.get('due_at')}")
        eq(CODE_RE.match(j["code"]).group(1), C1, "the counter dossier's agency")
        v = d.view(desk, j["code"])
        eq((v["channel"], v["applicant"]["name"], v["applicant"]["email"]),
           ("counter", applicant["name"], applicant["email"]), "the counter dossier")
        eq(v["applicant"]["account"], None, "no account for a counter applicant")
        eq(timeline_actions(v), ["intake"], "the timeline")
        eq([c["index"] for c in v["components"] if c["paper"]], [0, 1, 5], "paper components")
        check(v["received"] and v["due"] == j["due"], f"received {v['received']}, due {v['due']}")
        eq(step_role(v), "specialist", "the first step")
        # With scanned files of the desk's own upload instead of paper.
        fid = d.up(desk, name="scan.pdf")
        r = d.submit(desk, d.counter(desk, paper=[0, 5]) | {
            "files": [{"id": fid, "component": 1},
                      {"id": d.up(desk), "field": "birth_certificate"}]})
        eq(r.status, 201, f"counter intake with a scanned file ({short(r.body)})")
        n = d.dossier_count()
        refused(d.submit(an, d.counter(an)), 403)
        refused(d.submit(desk2, d.counter(desk2)), 403, None, C1)
        refused(d.submit(desk, d.birth(desk, files=[])), 403)
        refused(d.submit(desk, dict(counter, draft=True)), 400)
        refused(d.submit(desk, dict(counter, applicant={"name": ""})), 400)
        refused(d.submit(desk, dict(counter, applicant={"email": "x@example.vn"})), 400,
                None, '"name"')
        refused(d.submit(desk, d.counter(desk, paper=[0, 1])), 400, None, ID_DOCS)
        refused(d.submit(desk, dict(counter, channel="carrier pigeon")), 400, None, "channel")
        refused(d.submit(desk, dict(counter, paper=[0, 1, 5, 99])), 400, None, "paper")
        refused(d.submit(desk, d.counter(desk, files=[{"id": d.up(an), "field":
                                                      "birth_certificate"}])), 400)
        eq(d.dossier_count(), n, "dossier rows after the refused intakes")


# ---- the workflow ---------------------------------------------------------------------------


def test_workflow_receive_to_return(ctx):
    """receive (desk) -> forward (specialist) -> approve (leader) -> return_result (desk),
    each with the version seen and each answer one version later; the timeline has each
    action with its actor; each step is the process's (specialist, then agency leader);
    result approved; the public track view follows along; the actions each person is
    offered match what they may do."""
    d = Desk(ctx)
    with d.server() as s:
        an = d.citizen("an.nguyen")
        desk = d.staff("desk.c1", "desk_officer")
        spec = d.staff("spec.c1", "specialist")
        lead = d.staff("lead.c1", "agency_leader")
        j = d.submitted(an)
        code = j["code"]
        eq(d.view(desk, code)["actions"], ["receive", "refuse", "request_supplement"],
           "the desk's actions on a submitted dossier")
        eq(d.view(spec, code)["actions"], [], "the specialist's actions before receipt")
        r = d.act(desk, code, "receive", j["version"])
        eq(r.status, 200, f"receive ({short(r.body)})")
        rec = r.json()
        eq((rec["status"], rec["version"]), ("received", j["version"] + 1), "after receive")
        check(rec.get("due") and rec.get("due_at"), f"due after receive: {rec}")
        v = d.view(spec, code)
        eq((step_role(v), v["step"]["index"]), ("specialist", 0), "the step after receive")
        eq([st["role"] for st in v["steps"]], ["specialist", "agency_leader"], "the process")
        check("forward" in v["actions"] and "approve" not in v["actions"],
              f"the specialist's actions {v['actions']}")
        eq(v["due"], rec["due"], "due in the full view")
        fw = d.act(spec, code, "forward", rec["version"], note="Hồ sơ hợp lệ.")
        eq(fw.status, 200, f"forward ({short(fw.body)})")
        fw = fw.json()
        eq((fw["status"], fw["version"]), ("processing", rec["version"] + 1), "after forward")
        v = d.view(lead, code)
        eq((step_role(v), v["step"]["index"]), ("agency_leader", 1), "the step after forward")
        check({"approve", "reject"} <= set(v["actions"]), f"the leader's actions {v['actions']}")
        ap = d.act(lead, code, "approve", fw["version"])
        eq(ap.status, 200, f"approve ({short(ap.body)})")
        ap = ap.json()
        eq((ap["status"], ap["version"]), ("result_ready", fw["version"] + 1), "after approve")
        check("return_result" in d.view(desk, code)["actions"], "the desk may return it")
        rt = d.act(desk, code, "return_result", ap["version"])
        eq(rt.status, 200, f"return_result ({short(rt.body)})")
        eq((rt.json()["status"], rt.json()["version"]), ("returned", ap["version"] + 1),
           "after return_result")
        v = d.view(an, code)
        eq(timeline_actions(v), ["submit", "receive", "forward", "approve", "return_result"],
           "the timeline")
        eq([e["actor"] for e in v["timeline"]], [an.name, desk.name, spec.name, lead.name,
                                                 desk.name], "who did each")
        eq([e["to"] for e in v["timeline"]],
           ["submitted", "received", "processing", "result_ready", "returned"], "states")
        eq(v["timeline"][2]["note"], "Hồ sơ hợp lệ.", "the forward's note")
        eq((v["result"], v["national_status"], v["step"]), ("approved", 10, None), "the end")
        check(v["finished"] and v["returned"], f"finished {v['finished']}, returned "
                                               f"{v['returned']}")
        eq(v["actions"], [], "the applicant's actions on a returned dossier")
        t = s.get(f"/api/v1/track/{code}")
        eq(t.status, 200, f"track ({short(t.body)})")
        eq([e["action"] for e in t.json()["timeline"]], timeline_actions(v), "public timeline")
        eq((t.json()["status"], t.json()["result"]), ("returned", "approved"), "public status")


def test_supplement_and_reasons(ctx):
    """request_supplement needs a note (400 without, nothing changed); with one the dossier
    waits for the applicant (status supplement, paused, the reason shown); the applicant
    hands in a file of their own (someone else's is 400 and changes nothing) and the
    dossier is back where it was (received, at its step) with a due date no earlier than
    before; the supplement
    file is marked as such. reject needs a reason and records it."""
    d = Desk(ctx)
    with d.server() as s:
        an = d.citizen("an.nguyen")
        binh = d.citizen("binh.tran")
        desk = d.staff("desk.c1", "desk_officer")
        spec = d.staff("spec.c1", "specialist")
        lead = d.staff("lead.c1", "agency_leader")
        code = d.submitted(an)["code"]
        rec = d.act_ok(desk, code, "receive")
        before = d.view(spec, code)
        for note in (None, ""):
            kw = {} if note is None else {"note": note}
            refused(d.act(spec, code, "request_supplement", before["version"], **kw), 400, None,
                    "note")
        eq(d.view(spec, code)["version"], before["version"], "version after the refusals")
        note = "Bổ sung bản sao giấy chứng sinh có xác nhận của cơ sở y tế."
        r = d.act(spec, code, "request_supplement", before["version"], note=note)
        eq(r.status, 200, f"request_supplement ({short(r.body)})")
        v = d.view(an, code)
        eq((v["status"], v["paused"], v["reason"]), ("supplement", True, note),
           "waiting for the supplement")
        eq(v["timeline"][-1]["note"], note, "the note in the timeline")
        check("supplement" in v["actions"], f"the applicant's actions {v['actions']}")
        check(v["pauses"] and v["pauses"][-1]["until"] is None, f"pauses {v['pauses']}")
        theirs = d.up(binh)
        r = d.act(an, code, "supplement", v["version"], files=[{"id": theirs, "component": 1}])
        refused(r, 400, None, str(theirs))
        eq(d.view(an, code), v, "the dossier after a supplement with someone else's file")
        eq(d.owner_kind(theirs), "upload", "binh's file after the refusal")
        mine = d.up(an, name="bo-sung.pdf")
        r = d.act(an, code, "supplement", v["version"], files=[{"id": mine, "component": 1}])
        eq(r.status, 200, f"supplement ({short(r.body)})")
        back = r.json()
        eq(back["status"], before["status"], "status after the supplement (as before it)")
        check(back["due"] >= rec["due"], f"due went back from {rec['due']} to {back['due']}")
        v = d.view(spec, code)
        eq(v["paused"], False, "paused after the supplement")
        check(v["pauses"][-1]["until"], f"the pause did not end: {v['pauses']}")
        sup = [f for f in v["files"] if f["id"] == mine]
        check(sup and sup[0]["supplement"], f"the supplement file {sup}")
        eq(timeline_actions(v)[-2:], ["request_supplement", "supplement"], "timeline")
        fw = d.act_ok(spec, code, "forward")
        refused(d.act(lead, code, "reject", fw["version"]), 400, None, "note")
        reason = "Người yêu cầu không phải cha, mẹ hoặc người thân thích của trẻ."
        r = d.act(lead, code, "reject", fw["version"], note=reason)
        eq(r.status, 200, f"reject ({short(r.body)})")
        v = d.view(an, code)
        eq((v["status"], v["result"], v["reason"]), ("result_ready", "rejected", reason),
           "after reject")


def test_refuse_withdraw_stop_extend(ctx):
    """refuse at intake (with a reason, final: nothing more is possible); withdraw by the
    applicant (only theirs; submitted, received or waiting for a supplement; no reason
    needed); stop by a leader with a reason (not by the specialist: 403);
    extend with new_due: not the current due date or earlier, not a day off, then the new
    due date is the dossier's."""
    d = Desk(ctx)
    with d.server() as s:
        an = d.citizen("an.nguyen")
        binh = d.citizen("binh.tran")
        desk = d.staff("desk.c1", "desk_officer")
        spec = d.staff("spec.c1", "specialist")
        lead = d.staff("lead.c1", "agency_leader")
        # refuse
        code = d.submitted(an)["code"]
        refused(d.act(desk, code, "refuse", 2), 400, None, "note")
        r = d.act(desk, code, "refuse", 2, note="Hồ sơ không thuộc thẩm quyền của phường.")
        eq((r.status, r.json().get("status")), (200, "refused"), f"refuse ({short(r.body)})")
        v = d.view(an, code)
        eq((v["status"], v["national_status"], v["actions"]), ("refused", 3, []), "refused")
        eq(v["reason"], "Hồ sơ không thuộc thẩm quyền của phường.", "the refusal's reason")
        for who, action in ((desk, "receive"), (an, "withdraw"), (lead, "stop")):
            refused(d.act(who, code, action, v["version"], note="x"), 409)
        # withdraw (submitted, then one in processing)
        code = d.submitted(an)["code"]
        refused(d.act(binh, code, "withdraw", 2, note="x"), 404, "not_found")
        refused(d.act(desk, code, "withdraw", 2, note="x"), 403)
        r = d.act(an, code, "withdraw", 2, note="Gia đình đã đăng ký ở nơi khác.")
        eq((r.status, r.json().get("status")), (200, "withdrawn"), f"withdraw ({short(r.body)})")
        code = d.submitted(an)["code"]
        d.act_ok(desk, code, "receive")
        d.act_ok(an, code, "withdraw", note="Không cần nữa.")
        eq(d.view(desk, code)["status"], "withdrawn", "withdrawn while received")
        # While a supplement is awaited, and without a reason (none is needed to withdraw:
        # docs/dossiers.md, the OpenAPI DossierAction).
        code = d.submitted(an)["code"]
        d.act_ok(desk, code, "request_supplement", note="Thiếu giấy chứng sinh.")
        d.act_ok(an, code, "withdraw")
        v = d.view(an, code)
        eq((v["status"], v["paused"]), ("withdrawn", False), "withdrawn while waiting")
        # stop
        code = d.submitted(an)["code"]
        d.act_ok(desk, code, "receive")
        v = d.view(spec, code)
        refused(d.act(spec, code, "stop", v["version"], note="x"), 403)
        refused(d.act(lead, code, "stop", v["version"]), 400, None, "note")
        r = d.act(lead, code, "stop", v["version"], note="Người yêu cầu đề nghị dừng.")
        eq((r.status, r.json().get("status")), (200, "stopped"), f"stop ({short(r.body)})")
        eq(d.view(an, code)["national_status"], 8, "national status of a stopped dossier")
        # extend
        code = d.submitted(an)["code"]
        rec = d.act_ok(desk, code, "receive")
        due = datetime.date.fromisoformat(rec["due"])
        ver = rec["version"]
        refused(d.act(desk, code, "extend", ver, note="Cần xác minh."), 400, None, "new_due")
        for bad in (rec["due"], (due - datetime.timedelta(days=1)).isoformat(), "2026-13-01",
                    "hôm nay"):
            refused(d.act(desk, code, "extend", ver, note="Cần xác minh.", new_due=bad), 400)
        sunday = due + datetime.timedelta(days=(6 - due.weekday()) or 7)
        refused(d.act(desk, code, "extend", ver, note="Cần xác minh.",
                      new_due=sunday.isoformat()), 400, None, "ngày làm việc")
        refused(d.act(desk, code, "extend", ver, new_due=(sunday + datetime.timedelta(days=1))
                      .isoformat()), 400, None, "note")
        eq(d.view(desk, code)["version"], ver, "version after the refused extensions")
        new_due = None
        day = sunday
        for _ in range(20):
            day += datetime.timedelta(days=1)
            if day.weekday() >= 5:
                continue
            r = d.act(desk, code, "extend", ver, note="Cần xác minh thông tin khai sinh.",
                      new_due=day.isoformat())
            if r.status == 200:
                new_due = day.isoformat()
                break
            refused(r, 400, None, "ngày làm việc")   # a holiday: try the next day
        check(new_due, "no working day was accepted for an extension")
        v = d.view(an, code)
        eq((v["due"], v["status"]), (new_due, "received"), "after extend")
        check(v["due_at"].startswith(new_due), f"due_at {v['due_at']}")
        eq(v["timeline"][-1]["action"], "extend", "the timeline's last action")
        eq(v["reason"], "Cần xác minh thông tin khai sinh.", "the extension's reason")


def test_two_officers_at_once(ctx):
    """Two desk officers receive the same dossier at the same version at once: exactly one
    200, the other 409 with a message; the dossier was received once. Two specialists
    forward at once likewise. A stale version later: 409 that says to reload."""
    d = Desk(ctx)
    with d.server() as s:
        an = d.citizen("an.nguyen")
        desks = [d.staff("desk.a", "desk_officer"), d.staff("desk.b", "desk_officer")]
        specs = [d.staff("spec.a", "specialist"), d.staff("spec.b", "specialist")]
        for round_ in range(3):
            code = d.submitted(an)["code"]
            for who, action in ((desks, "receive"), (specs, "forward")):
                ver = d.view(who[0], code)["version"]
                bar = threading.Barrier(2)

                def go(p, action=action, ver=ver, code=code, bar=bar):
                    bar.wait()
                    return d.act(p, code, action, ver)
                with concurrent.futures.ThreadPoolExecutor(2) as ex:
                    res = list(ex.map(go, who))
                eq(sorted(r.status for r in res), [200, 409],
                   f"round {round_}, {action} at once: {[(r.status, short(r.body)) for r in res]}")
                loser = [r for r in res if r.status == 409][0]
                refused(loser, 409)
                check(len(msg_of(loser)) > 20, f"the 409's message: {msg_of(loser)!r}")
                v = d.view(an, code)
                eq(timeline_actions(v).count(action), 1, f"{action}s in the timeline")
                eq(v["version"], ver + 1, f"version after {action}")
        r = d.act(desks[0], code, "request_supplement", ver, note="Thiếu giấy tờ.")
        refused(r, 409, None, "phiên bản")


def test_action_not_allowed_in_state(ctx):
    """Actions the state does not allow: 409 with a Vietnamese message naming the action
    and the state; the dossier is exactly as before (full view, list item and public view).
    An unknown action, a missing or wrong version type, a note with control characters:
    400. A person who may see the dossier but not do that: 403."""
    d = Desk(ctx)
    with d.server() as s:
        an = d.citizen("an.nguyen")
        desk = d.staff("desk.c1", "desk_officer")
        spec = d.staff("spec.c1", "specialist")
        lead = d.staff("lead.c1", "agency_leader")
        code = d.submitted(an)["code"]

        def snapshot():
            return (d.view(an, code), d.view(desk, code), s.get(f"/api/v1/track/{code}").json(),
                    d.codes_in(an, "mine"))
        before = snapshot()
        ver = before[0]["version"]
        for who, action, kw in ((lead, "approve", {}), (spec, "forward", {}),
                                (desk, "return_result", {}), (desk, "supplement", {}),
                                (lead, "stop", {"note": "x"}),
                                (desk, "extend", {"note": "x", "new_due": "2099-01-05"}),
                                (spec, "assign", {"assignee": spec.id})):
            r = d.act(who, code, action, ver, **kw)
            e = refused(r, 409)
            check("Mới đăng ký" in e["message"] and "Không thể" in e["message"],
                  f"{action}: the message {e['message']!r} does not name the state")
        refused(d.act(spec, code, "receive", ver), 403, None, "Tiếp nhận")
        refused(d.act(an, code, "receive", ver), 403)
        refused(d.act(desk, code, "fly", ver), 400, None, "action")
        refused(d.call(desk, "POST", f"{DOSSIERS}/{code}/actions", {"action": "receive"}), 400,
                None, "version")
        refused(d.act(desk, code, "receive", "2"), 400, None, "version")
        refused(d.act(desk, code, "refuse", ver, note="lý do\x07"), 400)
        refused(d.act(desk, code, "refuse", ver, note="x" * 2001), 400)
        eq(snapshot(), before, "the dossier after the refused actions")
        d.act_ok(desk, code, "receive")
        after = d.view(an, code)
        refused(d.act(desk, code, "receive", after["version"]), 409, None, "Đã tiếp nhận")
        eq(d.view(an, code), after, "after receiving twice")


def test_inter_agency_process(ctx):
    """A provincial procedure of the demo (2.000635, Sở Tư pháp) is received by the
    Public Administration Service Center and examined and decided at the department
    (data/demo/processes.json): the code is the center's, its desk receives it and hands
    the result back, the department's specialist and leader act on its steps, and the
    staff of another department get 404."""
    d = Desk(ctx)
    with d.server() as s:
        center, dept = "000.00.14.H41", SO_TU_PHAP
        an = d.citizen("an.nguyen")
        desk = d.staff("desk.ttpv", "desk_officer", center)
        desk_dept = d.staff("desk.stp", "desk_officer", dept)
        spec = d.staff("spec.stp", "specialist", dept)
        lead = d.staff("lead.stp", "agency_leader", dept)
        other = d.staff("spec.snnmt", "specialist", "000.00.07.H41")
        form = {"requester_name": "Nguyễn Văn An", "requester_personal_id": new_pid(0, 80),
                "event_type": "birth", "subject_name": "Nguyễn Văn An",
                "subject_birth_date": "1980-03-04", "registration_place": "UBND xã Nam Đàn",
                "copies": 1, "delivery": "counter"}
        r = d.submit(an, {"procedure": "2.000635", "agency": dept, "form": form,
                          "files": [{"id": d.up(an, name="cccd.pdf"), "component": 2}]})
        eq(r.status, 201, f"submit 2.000635 ({short(r.body)})")
        code = r.json()["code"]
        eq(CODE_RE.match(code).group(1), center, "the code's unit: the receiving center")
        v = d.view(an, code)
        eq([(st["unit"]["code"], st["role"]) for st in v["steps"]],
           [(dept, "specialist"), (dept, "agency_leader")], "the steps")
        eq(d.codes_in(desk, "new"), [code], "the center's desk")
        eq(d.codes_in(desk_dept, "new"), [], "the department's desk")
        refused(d.act(desk_dept, code, "receive", v["version"]), 403)
        refused(d.get(other, code), 404, "not_found")
        d.act_ok(desk, code, "receive")
        eq(d.codes_in(spec, "step"), [code], "the department specialist's step queue")
        refused(d.act(desk, code, "forward", d.view(desk, code)["version"]), 403)
        d.act_ok(spec, code, "forward")
        d.act_ok(lead, code, "approve")
        eq(d.codes_in(desk, "results"), [code], "the center's results")
        d.act_ok(desk, code, "return_result")
        v = d.view(an, code)
        eq([(e["action"], (e["unit"] or {}).get("code")) for e in v["timeline"]],
           [("submit", center), ("receive", center), ("forward", dept), ("approve", dept),
            ("return_result", center)], "who acted where")
        refused(d.get(other, code), 404, "not_found")


# ---- access ---------------------------------------------------------------------------------


def test_access_other_people_and_communes(ctx):
    """Another citizen and the staff of another commune (and staff of C1 without a dossier
    role) get 404 for the dossier, its actions and its files, the same answer as for a code
    that does not exist; nobody signed in gets 401. The applicant and C1's staff see it;
    C1's staff reads are audited as dossier.read (the applicant's are not)."""
    d = Desk(ctx)
    with d.server() as s:
        an = d.citizen("an.nguyen")
        binh = d.citizen("binh.tran")
        desk = d.staff("desk.c1", "desk_officer")
        spec = d.staff("spec.c1", "specialist")
        clerk = d.staff("clerk.c1", "clerk")
        desk2 = d.staff("desk.c2", "desk_officer", C2)
        lead2 = d.staff("lead.c2", "agency_leader", C2)
        admin1 = d.staff("admin.c1", "agency_admin", C1)
        tuphap = d.staff("spec.stp", "specialist", SO_TU_PHAP)
        prov = d.person("prov.admin", "staff", "province_admin", ROOT)
        j = d.submitted(an)
        code = j["code"]
        fid = d.view(an, code)["files"][0]["id"]
        ghost = f"{C1}-{today_yymmdd()}-0999"
        nothing = d.get(binh, ghost)
        refused(nothing, 404, "not_found")
        for who in (binh, desk2, lead2, admin1, tuphap, prov):
            r = d.get(who, code)
            refused(r, 404, "not_found")
            eq(msg_of(r), msg_of(nothing), f"{who}: the 404 message")
            check(an.name.encode() not in r.body, f"{who} got the applicant's name")
            for action, kw in (("receive", {}), ("withdraw", {"note": "x"}),
                               ("refuse", {"note": "x"})):
                refused(d.act(who, code, action, j["version"], **kw), 404, "not_found")
            r = d.call(who, "GET", f"{DOSSIERS}/{code}/files/{fid}")
            refused(r, 404, "not_found")
            check(b"%PDF" not in r.body, f"{who} got the file")
            check(code not in d.codes_in(who, "mine" if who.kind == "citizen" else "all"),
                  f"{who} lists the dossier")
        eq(d.view(desk, code)["status"], "submitted", "nothing happened to the dossier")
        for path in (f"{DOSSIERS}/{code}", f"{DOSSIERS}/{code}/files/{fid}", DOSSIERS):
            refused(s.get(path), 401)
        refused(d.call(None, "POST", f"{DOSSIERS}/{code}/actions",
                       {"action": "receive", "version": 2}), 401)
        # Those who may see it.
        for who in (an, desk, spec, clerk):
            eq(d.view(who, code)["code"], code, f"{who} sees the dossier")
            r = d.call(who, "GET", f"{DOSSIERS}/{code}/files/{fid}")
            eq(r.status, 200, f"{who} downloads a file of the dossier")
        refused(d.call(an, "GET", f"{DOSSIERS}/{code}/files/999999"), 404)
        refused(d.call(an, "GET", f"{DOSSIERS}/{code}/files/abc"), 404)
        # dossier.read: one per staff read (GET and download), none for the applicant.
        r = d.call(prov, "GET", "/api/v1/audit?action=dossier.read&limit=200")
        eq(r.status, 200, f"GET /api/v1/audit as the province admin ({short(r.body)})")
        reads = [(i["actor"], i["object"]) for i in r.json()["items"]
                 if i["action"] == "dossier.read"]
        for who in (desk, spec, clerk):
            eq(reads.count((f"account:{who.id}", f"dossier:{code}")), 2 + (who is desk),
               f"dossier.read entries of {who} ({reads})")
        eq([a for a, _ in reads if a == f"account:{an.id}"], [], "the applicant's reads audited")
        check(not any(o == f"dossier:{code}" and a in {f"account:{p.id}" for p in
                                                       (desk2, lead2, admin1, tuphap, prov)}
                      for a, o in reads), f"refused reads audited as reads: {reads}")


def test_public_tracking_view(ctx):
    """GET /api/v1/track/{code} needs no account and shows status and dates: none of the
    applicant's name, email, phone, personal id, the form's values or the notes anywhere in
    the JSON; only the documented keys. Unknown and malformed codes (HTML, 10,000
    characters, percent-encoded invalid UTF-8, SQL) are JSON errors, never a crash or a
    5xx, and never reflect the input. A draft has no tracking view."""
    d = Desk(ctx)
    with d.server() as s:
        an = d.citizen("an.nguyen", "Phạm Thị Canary")
        r = d.call(an, "PATCH", "/api/v1/me", {"phone": "0987654321"})
        eq(r.status, 200, f"PATCH /api/v1/me phone ({short(r.body)})")
        desk = d.staff("desk.c1", "desk_officer")
        form = birth_form(child_name="Trần Canary Bé", mother_name="Vũ Thị Mẹcanary",
                          birth_place="Số 7 ngõ Canary")
        code = d.submitted(an, **{k: form[k] for k in form})["code"]
        note = "Ghi chú nội bộ canary-note-77"
        d.act_ok(desk, code, "request_supplement", note=note)
        secrets = [an.name, an.email, "0987654321", form["mother_personal_id"],
                   form["child_name"], form["mother_name"], form["birth_place"], note,
                   "canary", desk.name, an.login]
        r = s.get(f"/api/v1/track/{code}")
        eq(r.status, 200, f"track ({short(r.body)})")
        text = r.body.decode("utf-8")
        for x in secrets:
            check(x.lower() not in text.lower(), f"the public view shows {x!r}: {short(text, 600)}")
        j = r.json()
        allowed = {"code", "status", "status_title", "national_status", "procedure", "agency",
                   "channel", "channel_title", "submitted", "received", "due", "due_at",
                   "finished", "returned", "result", "overdue", "paused", "timeline"}
        extra = set(j) - allowed
        check(not extra, f"keys in the public view beyond the documented ones: {sorted(extra)}")
        eq(set(j["procedure"]), {"code", "name"}, "procedure keys")
        eq(set(j["agency"]), {"code", "name"}, "agency keys")
        for e in j["timeline"]:
            eq(set(e), {"action", "action_title", "to", "at"}, "timeline item keys")
        eq(j["status"], "supplement", "the public status")
        check("private" not in (r.header("Cache-Control") or "x"), "Cache-Control")
        eq(r.header("Content-Type"), "application/json", "Content-Type")
        r = s.get(f"/api/v1/track/{code}", headers={"Authorization": f"Bearer {an.token}"})
        eq(r.json(), j, "the tracking view for the signed-in applicant")
        # Kept between lookups, but a change to the dossier shows at once, in each language.
        en = s.get(f"/api/v1/track/{code}", headers={"Accept-Language": "en"}).json()
        eq((en["status"], en["code"]), (j["status"], code), "the English view")
        check(en["status_title"] != j["status_title"], f"titles {en['status_title']!r}")
        v = d.view(an, code)
        r = d.act(an, code, "supplement", v["version"],
                  files=[{"id": d.up(an, name="bo-sung.pdf"), "component": 1}])
        eq(r.status, 200, f"supplement ({short(r.body)})")
        for lang in ("vi", "en"):
            t = s.get(f"/api/v1/track/{code}", headers={"Accept-Language": lang}).json()
            eq(t["status"], r.json()["status"], f"the tracking view ({lang}) right after a change")
            eq(len(t["timeline"]), len(j["timeline"]) + 1, f"its timeline ({lang})")
        j = s.get(f"/api/v1/track/{code}").json()
        draft = d.submit(an, {"procedure": BIRTH, "agency": C1, "draft": True, "form": {}})
        eq(draft.status, 201, "a draft")
        bad = ["<script>alert(1)</script>", "A" * 10000, "%C3%28", "%FF%FE", "' OR 1=1 --",
               f"{C1}-{today_yymmdd()}-0999", f"{C1}-{today_yymmdd()}-00001",
               f"{C1}-991399-0001", "..%2F..%2Fetc%2Fpasswd", str(draft.json()["id"]), "null",
               "%00", "000.00.41.H41-261128-0001%0A"]
        for raw in bad:
            enc = raw if "%" in raw else urllib.parse.quote(raw, safe="")
            for path, who in ((f"/api/v1/track/{enc}", None), (f"{DOSSIERS}/{enc}", an)):
                r = d.call(who, "GET", path)
                check(r.status in (400, 404, 414), f"GET {short(path, 80)}: {r.status} "
                                                   f"{short(r.body)}")
                refused(r, r.status)
                if raw.startswith("<") or raw.startswith("'"):
                    check(raw.encode() not in r.body and b"<script" not in r.body,
                          f"the answer reflects the input: {short(r.body)}")
        for raw in ("<script>x</script>", "A" * 10000, "<b>x"):
            r = d.call(an, "POST", f"{DOSSIERS}/{urllib.parse.quote(raw, safe='')}/actions",
                       {"action": "withdraw", "version": 1, "note": "x"})
            # "/" in a segment is refused by the URL layer (400), the rest is no dossier.
            refused(r, 400 if "/" in raw else 404)
        eq(s.get("/healthz").status, 200, "egov after the malformed codes")
        errs = [o for o in s.log_lines() if o.get("level") in ("error", "fatal")]
        check(not errs, f"errors in the log: {short(json.dumps(errs[:3]), 500)}")
        five = [o for o in s.access_log() if o.get("status", 0) >= 500]
        check(not five, f"5xx answers: {short(json.dumps(five[:3]), 500)}")


# ---- notifications and queues ---------------------------------------------------------------


def test_notifications_in_the_outbox(ctx):
    """After submit, receive and approve the outbox has an email to the applicant for each
    (the dossier's code in the subject, their name), and an SMS to their mobile number; a
    counter applicant with an email gets the intake notice; a refused action queues
    nothing; nobody else is written to."""
    d = Desk(ctx)
    with d.server() as s:
        an = d.citizen("an.nguyen", "Nguyễn Văn An")
        r = d.call(an, "PATCH", "/api/v1/me", {"phone": "0987654321"})
        eq(r.status, 200, f"PATCH /api/v1/me phone ({short(r.body)})")
        desk = d.staff("desk.c1", "desk_officer")
        spec = d.staff("spec.c1", "specialist")
        lead = d.staff("lead.c1", "agency_leader")
        code = d.submitted(an)["code"]
        sms = [p for ch, p in d.outbox() if ch == "sms"]
        eq(len(sms), 1, f"SMS queued by the submission: {sms}")
        check(sms[0].get("to", "").endswith("987654321") and code in sms[0].get("text", ""),
              f"the SMS {sms[0]}")

        def mails():
            return [p for ch, p in d.outbox() if ch == "email"]

        def new_mail(before, what):
            m = mails()[len(before):]
            eq(len(m), 1, f"emails queued by {what}: {[x.get('subject') for x in m]}")
            m = m[0]
            eq(m.get("to"), an.email, f"the {what} email's recipient")
            check(code in m.get("subject", ""), f"the {what} email's subject {m.get('subject')!r}")
            check(an.name in m.get("text", "") or an.name == m.get("to_name"),
                  f"the {what} email does not address {an.name}")
            return m
        m = new_mail([], "submit")
        check("nộp" in m["subject"].lower(), f"subject {m['subject']!r}")
        seen = mails()
        rec = d.act_ok(desk, code, "receive")
        m = new_mail(seen, "receive")
        due = datetime.date.fromisoformat(rec["due"]).strftime("%d/%m/%Y")
        check(due in m["text"], f"the receipt email lacks the due date {due}")
        seen = mails()
        refused(d.act(lead, code, "approve", rec["version"]), 409)
        eq(mails(), seen, "emails after a refused action")
        d.act_ok(spec, code, "forward")
        seen = mails()
        d.act_ok(lead, code, "approve")
        new_mail(seen, "approve")
        # A counter applicant with an email is told too.
        r = d.submit(desk, d.counter(desk, applicant={"name": "Hoàng Thị Lan",
                                                      "email": "lan.hoang@example.vn"}))
        eq(r.status, 201, f"counter intake ({short(r.body)})")
        m = mails()[-1]
        eq(m.get("to"), "lan.hoang@example.vn", "the counter applicant's email")
        check(r.json()["code"] in m.get("subject", ""), "the counter email's subject")
        everyone = {m.get("to") for m in mails()}
        eq(everyone, {an.email, "lan.hoang@example.vn"}, "recipients")


def test_queues(ctx):
    """The desk's queue=new has the submitted dossier (and not the other commune's, nor
    once received); the specialist's queue=step has it after receipt; the leader assigns
    it to a specialist, whose queue=assigned has it (the other specialist may no longer
    forward it); after approval the desk's queue=results has it. queue=mine is the
    citizen's own; a citizen asking for a staff queue and staff asking for queue=mine get
    403; an unknown queue or state is 400; paging works."""
    d = Desk(ctx)
    with d.server() as s:
        an = d.citizen("an.nguyen")
        binh = d.citizen("binh.tran")
        desk = d.staff("desk.c1", "desk_officer")
        spec = d.staff("spec.c1", "specialist")
        spec_b = d.staff("spec.c1b", "specialist")
        lead = d.staff("lead.c1", "agency_leader")
        desk2 = d.staff("desk.c2", "desk_officer", C2)
        code = d.submitted(an)["code"]
        other = d.submitted(binh, agency=C2)["code"]
        eq(d.codes_in(desk, "new"), [code], "the desk's new dossiers")
        eq(d.codes_in(desk2, "new"), [other], "C2's desk's new dossiers")
        eq(d.codes_in(spec, "step"), [], "the specialist's step queue before receipt")
        eq(d.codes_in(an, "mine"), [code], "an's dossiers")
        eq(d.codes_in(binh, "mine"), [other], "binh's dossiers")
        item = d.queue(desk, "new").json()["items"][0]
        for k in ("id", "code", "status", "procedure", "agency", "applicant_name", "channel",
                  "submitted", "due", "overdue", "version"):
            check(k in item, f"list item without {k!r}: {item}")
        for who in (an, binh):
            for q in ("new", "step", "assigned", "results", "all", "overdue", "due_soon"):
                refused(d.queue(who, q), 403)
        for who in (desk, spec):
            refused(d.queue(who, "mine"), 403)
        refused(d.queue(desk, "everything"), 400, None, "queue")
        refused(d.queue(desk, "all", state="lost"), 400, None, "state")
        refused(d.queue(desk, "all", limit=0), 400)
        refused(d.queue(desk, "all", page=0), 400)
        d.act_ok(desk, code, "receive")
        eq(d.codes_in(desk, "new"), [], "the desk's new dossiers after receipt")
        eq(d.codes_in(spec, "step"), [code], "the specialist's step queue")
        eq(d.codes_in(spec_b, "step"), [code], "the other specialist's step queue")
        eq(d.codes_in(lead, "step"), [], "the leader's step queue at the first step")
        eq(d.codes_in(desk, "all"), [code], "the desk's list of everything")
        eq(d.codes_in(desk, "all", state="received"), [code], "filtered by state")
        eq(d.codes_in(desk, "all", state="submitted"), [], "filtered by another state")
        eq(d.codes_in(desk2, "all"), [other], "C2's desk sees only C2's")
        v = d.view(lead, code)
        r = d.act(lead, code, "assign", v["version"], assignee=desk.id)
        refused(r, 400)
        r = d.act(lead, code, "assign", v["version"], assignee=spec.id)
        eq(r.status, 200, f"assign ({short(r.body)})")
        eq(d.codes_in(spec, "assigned"), [code], "the assignee's queue")
        eq(d.codes_in(spec_b, "assigned"), [], "the other specialist's assigned queue")
        eq(d.view(an, code)["step"]["assignee"], {"id": spec.id, "name": spec.name},
           "the assignee in the view")
        refused(d.act(spec_b, code, "forward", r.json()["version"]), 403)
        d.act_ok(spec, code, "forward")
        eq(d.codes_in(spec, "assigned"), [], "assigned after forwarding")
        eq(d.codes_in(lead, "step"), [code], "the leader's step queue")
        d.act_ok(lead, code, "approve")
        eq(d.codes_in(desk, "results"), [code], "the desk's results queue")
        more = [d.submitted(an)["code"] for _ in range(3)]
        page1 = d.queue(an, "mine", limit=2).json()
        page2 = d.queue(an, "mine", limit=2, page=2).json()
        eq((page1["total"], page2["total"]), (4, 4), "totals")
        eq([it["code"] for it in page1["items"] + page2["items"]],
           list(reversed([code] + more)), "an's dossiers, newest first, over two pages")


# ---- defects found while writing these tests (they fail until fixed) ------------------------


def test_idempotent_retries_at_once_with_files(ctx):
    """20 retries of one submission with its files, sent at once (a phone on a bad line):
    exactly one dossier and every answer 201 with the same code (docs/dossiers.md: "a
    retry (even concurrent: the loser of the insert race looks the key up again) answers
    with the same dossier").

    Fails today: eg_dossier_create (src/dossiers/create.c) looks the key up before its
    transaction and stores it (idem_store) only after create_tx has attached the files.
    A request that started before the winner committed then finds the files already the
    winner's dossier's and answers 400 "Tệp số N không phải tệp bạn đã tải lên" instead
    of the replay; only a conflict on the key itself (EG_ECONFLICT) is turned into one."""
    d = Desk(ctx)
    with d.server() as s:
        an = d.citizen("an.nguyen")
        for attempt in range(3):
            key = f"mang-yeu-{attempt}"
            body = d.birth(an)
            bar = threading.Barrier(20)

            def go(_, key=key, body=body, bar=bar):
                bar.wait()
                return d.submit(an, body, key=key)
            with concurrent.futures.ThreadPoolExecutor(20) as ex:
                res = list(ex.map(go, range(20)))
            bad = [(r.status, short(r.body, 140)) for r in res if r.status != 201]
            check(not bad, f"round {attempt}: {len(bad)} of 20 retries were not 201: {bad[:3]}")
            codes = {r.json()["code"] for r in res}
            eq(len(codes), 1, f"round {attempt}: codes answered {codes}")
            eq(sum(1 for r in res if r.header("Idempotent-Replayed") != "true"), 1,
               f"round {attempt}: answers that were not replays")
            eq(d.dossier_count(), attempt + 1, f"round {attempt}: dossier rows")


def test_counter_intake_honours_idempotency_key(ctx):
    """The desk's retried counter intake (same Idempotency-Key, same body) must not make a
    second dossier: the route says "Idempotency-Key honoured" for both ways in.

    Fails today: eg_dossier_create (src/dossiers/create.c) looks up and stores the key
    only when the channel is online (`n->idem_key && online`), so a retry of a counter
    intake is handled as a new intake: with the same scanned file it is refused 400 (the
    file is already the first dossier's), without files it would be a second dossier
    with a new code."""
    d = Desk(ctx)
    with d.server() as s:
        desk = d.staff("desk.c1", "desk_officer")
        body = d.counter(desk)
        a = d.submit(desk, body, key="quay-1")
        b = d.submit(desk, body, key="quay-1")
        eq((a.status, b.status), (201, 201), f"two answers ({short(a.body)} / {short(b.body)})")
        eq(b.json()["code"], a.json()["code"], "the retry's code")
        eq(b.header("Idempotent-Replayed"), "true", "Idempotent-Replayed on the retry")
        eq(d.dossier_count(), 1, "dossier rows")


def test_handler_refusals_are_audited(ctx):
    """A 403 decided by the dossier rules (a citizen using the counter channel, a desk of
    another commune entering for this one, a citizen asking for a staff queue, a
    specialist trying to stop a dossier) is an authorization denial and must be in the
    audit log as authz.deny with the request's id, like every other 403 (RELIABILITY
    D7/E1, test_matrix's rule; handlers refuse through eg_gate_refuse()).

    Fails today: src/api/dossiers.c answers these with eg_resp_err()/eg_resp_error()
    (fail() and the queue check in eg_api_dossiers), so nothing is audited."""
    d = Desk(ctx)
    with d.server() as s:
        an = d.citizen("an.nguyen")
        desk = d.staff("desk.c1", "desk_officer")
        desk2 = d.staff("desk.c2", "desk_officer", C2)
        spec = d.staff("spec.c1", "specialist")
        prov = d.person("prov.admin", "staff", "province_admin", ROOT)
        code = d.submitted(an)["code"]
        d.act_ok(desk, code, "receive")
        rids = {}
        for what, r in (("citizen at the counter", d.submit(an, d.counter(an))),
                        ("another commune's desk", d.submit(desk2, d.counter(desk2))),
                        ("staff online", d.submit(desk, d.birth(desk, files=[]))),
                        ("citizen's staff queue", d.queue(an, "new")),
                        ("specialist stops", d.act(spec, code, "stop",
                                                   d.view(spec, code)["version"], note="x"))):
            refused(r, 403)
            rids[r.header("X-Request-Id")] = what
        r = d.call(prov, "GET", "/api/v1/audit?action=authz&limit=200")
        eq(r.status, 200, f"GET /api/v1/audit ({short(r.body)})")
        denied = {i.get("request_id") for i in r.json()["items"] if i["action"] == "authz.deny"}
        missing = [what for rid, what in rids.items() if rid not in denied]
        check(not missing, f"403s without an authz.deny audit entry: {missing}")


def test_idempotency_key_with_another_body_under_concurrency(ctx):
    """Ten requests with one key, half with one body and half with another, at once: one
    dossier; every answer with the winner's body is 201 with its code, every other 409.

    Fails today, for the reason test_idempotent_retries_at_once_with_files gives: the
    losers with the other body find the shared files already attached and answer 400
    (the file is not theirs) instead of 409 (the key was used for another request)."""
    d = Desk(ctx)
    with d.server() as s:
        an = d.citizen("an.nguyen")
        for round_ in range(5):
            files = d.birth_files(an)
            a = {"procedure": BIRTH, "agency": C1, "form": birth_form(child_name="Lê Văn A"),
                 "files": files}
            b = dict(a, form=birth_form(child_name="Lê Văn B"))
            bar = threading.Barrier(10)

            def go(i, a=a, b=b, bar=bar, key=f"cung-mot-khoa-{round_}"):
                bar.wait()
                return i % 2, d.submit(an, a if i % 2 == 0 else b, key=key)
            with concurrent.futures.ThreadPoolExecutor(10) as ex:
                res = list(ex.map(go, range(10)))
            won = {k for k, r in res if r.status == 201}
            eq(len(won), 1, f"round {round_}: bodies answered 201: "
                            f"{[(k, r.status) for k, r in res]}")
            codes = {r.json()["code"] for k, r in res if r.status == 201}
            eq(len(codes), 1, f"round {round_}: codes answered: {codes}")
            for k, r in res:
                if k not in won and r.status != 409:
                    raise AssertionError(f"round {round_}: the other body answered {r.status}, "
                                         f"expected 409: {short(r.body)}")
            eq(d.dossier_count(), round_ + 1, f"round {round_}: dossier rows")


def test_counter_intake_with_papers_only(ctx):
    """At the counter the applicant hands in papers: components 0, 1 and 5 on paper are
    the whole dossier (brief: "counter intake by a desk officer (channel counter,
    applicant name, paper components) -> received at once"; docs/dossiers.md: every
    required component must have a file online "or be ticked as handed in on paper at the
    counter"). files_check already counts a component on paper as present.

    Fails today: eg_dossier_create (src/dossiers/create.c) runs ds_form_files_check for
    every channel, so the online form's required file field (birth_certificate, the
    same document as component 1) still demands an uploaded scan: 400 "Giấy chứng sinh
    (ảnh hoặc PDF): hãy đính kèm tệp." for a dossier whose certificate is on the desk. (If
    a scan is meant to be compulsory at the counter, the paper list should not count
    for component 1 either; today the two rules disagree.)"""
    d = Desk(ctx)
    with d.server() as s:
        desk = d.staff("desk.c1", "desk_officer")
        r = d.submit(desk, d.counter(desk, files=[]))
        eq(r.status, 201, f"counter intake with papers only ({short(r.body)})")
        eq(r.json()["status"], "received", "status")


def test_counter_applicant_contacts_checked(ctx):
    """The desk types the applicant's email and phone; a mistyped one must be refused (400
    naming it) while the applicant is at the counter, not accepted and silently never
    used: every notice of the dossier goes to these.

    Fails today: eg_dossier_create (src/dossiers/create.c) only checks their length
    ("Thư điện tử hoặc số điện thoại quá dài."); "not an email", an address with CR LF
    and a phone "abc" are stored, and notify/ later drops each notice with a warning
    ("the applicant's email address is not usable; no email queued"). The form's own
    email and phone fields are checked (form.c email_ok, phone_ok); these should be too."""
    d = Desk(ctx)
    with d.server() as s:
        desk = d.staff("desk.c1", "desk_officer")
        for app in ({"name": "Lan", "email": "not an email"},
                    {"name": "Lan", "email": "lan@example.vn\r\nBcc: x@example.vn"},
                    {"name": "Lan", "phone": "abc"}):
            r = d.submit(desk, d.counter(desk, applicant=app))
            if r.status != 400:
                raise AssertionError(f"applicant {app}: expected 400, got {r.status} "
                                     f"{short(r.body)}")
        eq(d.dossier_count(), 0, "dossier rows")
