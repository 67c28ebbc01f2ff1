"""test_reports.py - the statistics as people get them (issue 5 item 7): dossiers made through the
API with every outcome, then the same report as JSON, as CSV, as XLSX and on the /thong-ke page
must show the same numbers, the expected ones, and balance; who may see which unit's report."""
import csv
import datetime
import io
import re
import zipfile
from xml.etree import ElementTree

from harness import check, eq
from test_auth import Auth, call

COMMUNE = "000.00.41.H41"
OTHER = "000.00.42.H41"
LAND = "1.013978"  # commune, no required upload online; decided by the land office (liên thông)
LAND_OFFICE = "000.00.07.H41"
FORM = {"applicant_name": "Nguyễn Văn An", "applicant_personal_id": "001204001234",
        "parcel_address": "Khối 5, phường Trường Vinh", "area_m2": 152,
        "land_use_purpose": "residential", "origin": "Nhận chuyển nhượng năm 1998",
        "use_since": "1998-05-01", "has_assets": "no", "phone": "0912345678"}
KEYS = ["received", "online", "direct", "carried", "resolved", "early", "on_time", "late",
        "pending", "pending_on_time", "pending_late", "withdrawn", "stopped", "refused"]


class World(Auth):
    def __init__(self, ctx):
        super().__init__(ctx, {"EGOV_SPOOL_DIR": ctx.tempdir("egov-spool-"),
                               "EGOV_FILES_DIR": ctx.tempdir("egov-files-")})
        self.server().start()
        self.tok = {}
        self.add_user("citizen.an")
        self.add_user("desk41", kind="staff", role="desk_officer", org=COMMUNE)
        self.add_user("cv41", kind="staff", role="specialist", org=COMMUNE)
        self.add_user("ld41", kind="staff", role="agency_leader", org=COMMUNE)
        self.add_user("ld42", kind="staff", role="agency_leader", org=OTHER)
        self.add_user("cv07", kind="staff", role="specialist", org=LAND_OFFICE)
        self.add_user("ld07", kind="staff", role="agency_leader", org=LAND_OFFICE)
        for login, scope in (("citizen.an", "read write"), ("desk41", "read write"),
                             ("cv41", "read write"), ("ld41", "read write admin"),
                             ("ld42", "read write admin"), ("cv07", "read write"),
                             ("ld07", "read write")):
            p = self.cli(["token", "create", "--login", login, "--scope", scope])
            check(p.returncode == 0, f"token for {login}: {p.stderr.strip()}")
            self.tok[login] = p.stdout.strip()

    def api(self, who, method, path, obj=None):
        return call(self.s, method, path, obj=obj, bearer=self.tok[who])

    def submit(self):
        r = self.api("citizen.an", "POST", "/api/v1/dossiers",
                     {"procedure": LAND, "agency": COMMUNE, "form": FORM})
        eq(r.status, 201, f"submit: {r.body[:300]!r}")
        return r.json()

    def intake(self):
        r = self.api("desk41", "POST", "/api/v1/dossiers",
                     {"procedure": LAND, "agency": COMMUNE, "form": FORM, "channel": "counter",
                      "applicant": {"name": "Trần Thị Bình", "kind": "citizen"}, "paper": [0]})
        eq(r.status, 201, f"counter intake: {r.body[:300]!r}")
        return r.json()

    def act(self, who, d, action, note=None):
        body = {"action": action, "version": d["version"]}
        if note:
            body["note"] = note
        r = self.api(who, "POST", f"/api/v1/dossiers/{d['code']}/actions", body)
        eq(r.status, 200, f"{action} by {who}: {r.body[:300]!r}")
        return {**d, **r.json()}


def build(w):
    """Dossiers of every outcome; returns the expected report of the commune."""
    received = []
    for _ in range(3):  # online, received, still in progress
        received.append(w.act("desk41", w.submit(), "receive"))
    for _ in range(2):  # counter intake, in progress
        received.append(w.intake())
    done = w.act("desk41", w.submit(), "receive")  # approved, early
    done = w.act("cv41", done, "forward")
    done = w.act("cv07", done, "forward")
    done = w.act("ld07", done, "approve")
    w.act("desk41", done, "return_result")
    rej = w.act("desk41", w.submit(), "receive")  # rejected: resolved too, early
    rej = w.act("cv41", rej, "forward")
    rej = w.act("cv07", rej, "forward")
    w.act("ld07", rej, "reject", "Không đủ điều kiện cấp giấy chứng nhận.")
    wd = w.act("desk41", w.submit(), "receive")
    w.act("citizen.an", wd, "withdraw")
    w.act("ld41", w.intake(), "stop", "Dừng xử lý theo yêu cầu của cơ quan có thẩm quyền.")
    w.act("desk41", w.submit(), "refuse", "Hồ sơ không thuộc thẩm quyền.")  # never received
    w.submit()  # submitted, not received: not counted
    # Received: 6 online (3 in progress, approved, rejected, withdrawn) and 3 at the counter
    # (2 in progress, stopped); the refused one and the one still waiting were never received.
    return {"received": 9, "online": 6, "direct": 3, "carried": 0, "resolved": 2, "early": 2,
            "on_time": 0, "late": 0, "pending": 5, "pending_on_time": 5, "pending_late": 0,
            "withdrawn": 1, "stopped": 1, "refused": 0}


def today(w):
    """The local date (Asia/Ho_Chi_Minh) the dossiers were received on."""
    del w
    return (datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(hours=7)).date() \
        .isoformat()


def numbers_of_row(row):
    return [int(row[k]) for k in KEYS]


def test_report_formats_agree(ctx):
    w = World(ctx)
    want = build(w)
    day = today(w)
    q = f"/api/v1/reports?from={day}&to={day}&agency={COMMUNE}"
    r = w.api("ld41", "GET", q)
    eq(r.status, 200, f"report: {r.body[:300]!r}")
    rep = r.json()
    check(rep["balanced"] is True, "the report balances")
    total = rep["total"]
    eq({k: total[k] for k in KEYS}, want, "the totals")
    eq(total["received"], total["resolved"] + total["pending"] + total["withdrawn"]
       + total["stopped"] + total["refused"], "(3) = (7) + (11) + (14) + (15) + (16)")

    # CSV: UTF-8 with a BOM, the same total row.
    r = w.api("ld41", "GET", q + "&format=csv")
    eq(r.status, 200, "csv")
    check(r.body.startswith(b"\xef\xbb\xbf"), "the CSV starts with a BOM (Excel reads UTF-8)")
    rows = list(csv.reader(io.StringIO(r.body.decode("utf-8-sig"))))
    last = [row for row in rows if "Tổng cộng" in row]
    check(last, f"a total row in the CSV: {rows[-2:]}")
    nums = [int(x) for x in last[0][3:3 + len(KEYS)]]
    eq(nums, [want[k] for k in KEYS], "the CSV's total row")

    # XLSX: a zip with the sheet; the total row's values.
    r = w.api("ld41", "GET", q + "&format=xlsx")
    eq(r.status, 200, "xlsx")
    z = zipfile.ZipFile(io.BytesIO(r.body))
    ns = {"m": "http://schemas.openxmlformats.org/spreadsheetml/2006/main"}
    shared = []
    if "xl/sharedStrings.xml" in z.namelist():
        for si in ElementTree.fromstring(z.read("xl/sharedStrings.xml")).findall("m:si", ns):
            shared.append("".join(t.text or "" for t in si.iter(f"{{{ns['m']}}}t")))
    sheet = ElementTree.fromstring(z.read("xl/worksheets/sheet1.xml"))
    found = None
    for row in sheet.iter(f"{{{ns['m']}}}row"):
        texts, values = [], []
        for c in row.findall("m:c", ns):
            v = c.find("m:v", ns)
            is_ = c.find("m:is", ns)
            if c.get("t") == "s" and v is not None:
                texts.append(shared[int(v.text)])
            elif c.get("t") == "inlineStr" and is_ is not None:
                texts.append("".join(t.text or "" for t in is_.iter(f"{{{ns['m']}}}t")))
            elif v is not None:
                values.append(int(float(v.text)))
        if any("Tổng cộng" in t for t in texts):
            found = values
    check(found is not None, "a total row in the XLSX")
    eq(found[:len(KEYS)], [want[k] for k in KEYS], "the XLSX's total row")

    # The page: the same totals in its table's footer, and the two charts.
    r = call(w.s, "GET", f"/thong-ke?from={day}&to={day}&agency={COMMUNE}", bearer=w.tok["ld41"])
    eq(r.status, 200, f"the page: {r.body[:200]!r}")
    html = r.text
    foot = re.search(r"<tfoot>(.*?)</tfoot>", html, re.S)
    check(foot, "the table has a footer")
    cells = [int(x) for x in re.findall(r"<td>(\d+)</td>", foot.group(1))]
    eq(cells, [want[k] for k in KEYS], "the page's totals")
    eq(html.count("<svg"), 2, "two charts")
    check("<script" not in html.lower() or "nonce" in html.lower(), "no inline script")


def test_report_scope(ctx):
    w = World(ctx)
    day = today(w)
    # Another commune's leader: not this commune, nor the province.
    r = w.api("ld42", "GET", f"/api/v1/reports?from={day}&to={day}&agency={COMMUNE}")
    eq(r.status, 403, "another commune's figures")
    r = w.api("ld41", "GET", f"/api/v1/reports?from={day}&to={day}")
    eq(r.status, 403, "the province's figures for a commune leader")
    # A citizen and a desk officer do not read statistics.
    r = w.api("citizen.an", "GET", f"/api/v1/reports?from={day}&to={day}&agency={COMMUNE}")
    check(r.status in (401, 403), f"a citizen: {r.status}")
    r = w.api("desk41", "GET", f"/api/v1/reports?from={day}&to={day}&agency={COMMUNE}")
    eq(r.status, 403, "a desk officer")
    # Bad input: clear 400s in Vietnamese, never a crash.
    for bad in ("from=2026-13-01&to=2026-12-01", "from=2026-12-31&to=2026-01-01",
                "from=x&to=y", "to=2026-01-01", f"from={day}&to={day}&group=<script>",
                f"from={day}&to={day}&format=pdf"):
        r = w.api("ld41", "GET", f"/api/v1/reports?{bad}&agency={COMMUNE}")
        eq(r.status, 400, f"{bad}: {r.body[:200]!r}")
        msg = r.json()["error"]["message"]
        check(msg and "<script>" not in msg, f"{bad}: a message without markup: {msg!r}")
    r = w.api("ld41", "GET", f"/api/v1/reports?from={day}&to={day}&agency=999.99.99.H99")
    eq(r.status, 400, "an unknown agency")
