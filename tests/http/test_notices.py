"""test_notices.py - the applicant is told, for real (issue 5 item 6): egov runs with a real SMTP
server (tests/notify/smtp_server.py, python3-aiosmtpd) and a real SMS gateway process
(tests/support/sms_gateway.py); a dossier goes through submission, receipt, a supplement request,
the supplement, an inter-agency decision and the return of the result, and each change the
applicant should know about arrives once by email (Vietnamese, the code, the tracking link) and
once by SMS (unaccented, the code). A second test takes the mail server down while a change is
made, and nothing is lost or sent twice when it comes back."""
import json
import os
import subprocess
import sys
import time

from harness import REPO, Skip, check, eq, free_port
from test_auth import Auth, call

COMMUNE = "000.00.41.H41"
LAND_OFFICE = "000.00.07.H41"
LAND = "1.013978"
FORM = {"applicant_name": "Nguyễn Văn An", "applicant_personal_id": "001204001234",
        "parcel_address": "Khối 5, phường Trường Vinh", "area_m2": 152,
        "land_use_purpose": "residential", "origin": "Nhận chuyển nhượng năm 1998",
        "use_since": "1998-05-01", "has_assets": "no", "phone": "0912345678"}
PUBLIC = "https://dichvucong.nghean.example.vn"
PY = "/usr/bin/python3" if os.path.exists("/usr/bin/python3") else sys.executable


def wait_port(port, timeout=10):
    import socket
    end = time.time() + timeout
    while time.time() < end:
        try:
            socket.create_connection(("127.0.0.1", port), 0.2).close()
            return
        except OSError:
            time.sleep(0.05)
    raise AssertionError(f"nothing listens on {port}")


class World(Auth):
    def __init__(self, ctx):
        # Debian's python3 has python3-aiosmtpd (scripts/install-deps.sh); another python3
        # first in PATH may not.
        if subprocess.run([PY, "-c", "import aiosmtpd"], capture_output=True).returncode != 0:
            raise Skip(f"python3-aiosmtpd is not installed for {PY}")
        self.mail = ctx.tempdir("egov-mail-")
        self.smsdir = ctx.tempdir("egov-sms-")
        smtp_port, sms_port = free_port(), free_port()
        self.procs = [
            subprocess.Popen([PY, str(REPO / "tests/notify/smtp_server.py"),
                              "--port", str(smtp_port), "--dir", self.mail],
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL),
            subprocess.Popen([PY, str(REPO / "tests/support/sms_gateway.py"),
                              "--port", str(sms_port), "--dir", self.smsdir, "--token", "tk"],
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)]
        ctx._cleanups.append(self.stop_helpers)
        wait_port(smtp_port)
        wait_port(sms_port)
        super().__init__(ctx, {"EGOV_SPOOL_DIR": ctx.tempdir("egov-spool-"),
                               "EGOV_FILES_DIR": ctx.tempdir("egov-files-"),
                               "EGOV_SMTP_URL": f"smtp://127.0.0.1:{smtp_port}",
                               "EGOV_SMS_URL": f"http://127.0.0.1:{sms_port}/send",
                               "EGOV_SMS_PROVIDER": "json", "EGOV_SMS_TOKEN": "tk",
                               "EGOV_SMS_SENDER": "UBND-NGHEAN", "EGOV_PUBLIC_URL": PUBLIC})
        self.server().start()
        self.tok = {}
        self.add_user("citizen.an", email="an@example.vn", name="Nguyễn Văn An")
        for login, role, org in (("desk41", "desk_officer", COMMUNE),
                                 ("cv41", "specialist", COMMUNE),
                                 ("cv07", "specialist", LAND_OFFICE),
                                 ("ld07", "agency_leader", LAND_OFFICE)):
            self.add_user(login, kind="staff", role=role, org=org)
        for login in ("citizen.an", "desk41", "cv41", "cv07", "ld07"):
            p = self.cli(["token", "create", "--login", login, "--scope", "read write"])
            check(p.returncode == 0, f"token for {login}: {p.stderr.strip()}")
            self.tok[login] = p.stdout.strip()
        r = self.api("citizen.an", "PATCH", "/api/v1/me", {"phone": "0912 345 678"})
        check(r.status == 200, f"the citizen's phone: {r.status} {r.body[:200]!r}")

    def stop_helpers(self):
        for p in self.procs:
            p.terminate()
            try:
                p.wait(5)
            except subprocess.TimeoutExpired:
                p.kill()

    def api(self, who, method, path, obj=None):
        return call(self.s, method, path, obj=obj, bearer=self.tok[who])

    def act(self, who, d, action, note=None, files=None):
        body = {"action": action, "version": d["version"]}
        if note:
            body["note"] = note
        if files:
            body["files"] = files
        r = self.api(who, "POST", f"/api/v1/dossiers/{d['code']}/actions", body)
        eq(r.status, 200, f"{action} by {who}: {r.body[:300]!r}")
        return {**d, **r.json()}

    def mails(self):
        out = []
        for name in sorted(os.listdir(self.mail)):
            if name.endswith(".json"):
                with open(os.path.join(self.mail, name)) as f:
                    out.append(json.load(f))
        return out

    def sms(self):
        path = os.path.join(self.smsdir, "requests.jsonl")
        if not os.path.exists(path):
            return []
        with open(path) as f:
            return [json.loads(line) for line in f if line.strip()]

    def wait_for(self, what, n, timeout=30):
        end = time.time() + timeout
        got = what()
        while len(got) < n and time.time() < end:
            time.sleep(0.2)
            got = what()
        return got


def test_whole_path_notices(ctx):
    w = World(ctx)
    r = w.api("citizen.an", "POST", "/api/v1/dossiers",
              {"procedure": LAND, "agency": COMMUNE, "form": FORM})
    eq(r.status, 201, f"submit: {r.body[:300]!r}")
    d = r.json()
    code = d["code"]
    d = w.act("desk41", d, "receive")
    d = w.act("cv41", d, "request_supplement",
              "Bổ sung bản sao giấy tờ về quyền sử dụng đất năm 1998.")
    d = w.act("citizen.an", d, "supplement")
    d = w.act("cv41", d, "forward")
    d = w.act("cv07", d, "forward")
    d = w.act("ld07", d, "approve")
    w.act("desk41", d, "return_result")
    # submitted, received, supplement, resumed, result ready, returned: six notices.
    mails = w.wait_for(w.mails, 6)
    eq(len(mails), 6, f"emails: {[m.get('subject') for m in mails]}")
    texts = w.wait_for(w.sms, 6)
    accepted = [t for t in texts if t.get("accepted")]
    eq(len(accepted), 6, f"SMS accepted: {[t.get('text') for t in texts]}")
    for m in mails:
        check(code in m["subject"], f"the code in the subject: {m['subject']!r}")
        check("an@example.vn" in m["to"], f"to the applicant: {m['to']!r}")
        check("Kính gửi" in m["text"] and f"{PUBLIC}/tra-cuu/{code}" in m["text"],
              f"a Vietnamese letter with the tracking link: {m['text'][:300]!r}")
    subjects = " | ".join(m["subject"] for m in mails)
    check("bổ sung" in subjects.lower(), f"the supplement request is mailed: {subjects}")
    supplement = [m for m in mails if "bổ sung" in m["subject"].lower()]
    check(any("năm 1998" in m["text"] for m in supplement), "the officer's reason in the mail")
    for t in accepted:
        eq(t["to"], "+84912345678", "the SMS goes to the profile's phone, in E.164")
        check(code in t["text"], f"the code in the SMS: {t['text']!r}")
        check(all(ord(ch) < 128 for ch in t["text"]), f"an unaccented SMS: {t['text']!r}")
    # Nothing twice: distinct Message-IDs and idempotency keys.
    ids = [m.get("message_id") for m in mails]
    eq(len(set(ids)), len(ids), "one email per notice")
    keys = [t.get("idempotency_key") for t in accepted]
    eq(len(set(keys)), len(keys), "one SMS per notice")


def test_mail_server_down_loses_nothing(ctx):
    w = World(ctx)
    with open(os.path.join(w.mail, "mode"), "w") as f:
        f.write("tempfail")
    r = w.api("citizen.an", "POST", "/api/v1/dossiers",
              {"procedure": LAND, "agency": COMMUNE, "form": FORM})
    eq(r.status, 201, "the change is made while mail is down")
    code = r.json()["code"]
    # The SMS still goes; the email waits in the outbox.
    texts = w.wait_for(w.sms, 1)
    check(any(code in t["text"] for t in texts), "the SMS is sent while mail is down")
    time.sleep(1.0)
    eq(len(w.mails()), 0, "no email accepted while the server refuses")
    rows = w.sql("SELECT state, attempts FROM outbox WHERE channel = 'email'")
    check(rows and all(str(s) == "queued" for s, _ in rows), f"the email stays queued: {rows}")
    check(any(int(a) >= 1 for _, a in rows), f"it was tried: {rows}")
    # Back up: the next attempt (backoff) delivers it once. Shorten the wait by making the
    # row due now, as time passing would.
    with open(os.path.join(w.mail, "mode"), "w") as f:
        f.write("accept")
    w.sql("UPDATE outbox SET next_attempt_ms = 0 WHERE state = 'queued'")
    mails = w.wait_for(w.mails, 1, timeout=40)
    eq(len(mails), 1, "delivered once the server is back")
    check(code in mails[0]["subject"], "the submission's email")
    time.sleep(1.5)
    eq(len(w.mails()), 1, "and only once")
