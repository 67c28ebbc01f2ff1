"""test_directory.py - the public directory API on the demo province."""

import unicodedata
import urllib.parse

from harness import assert_json_error, check, eq, short

PROVINCE = "000.00.00.H41"
TRUONG_VINH = "000.00.41.H41"
SO_TU_PHAP = "000.00.04.H41"
PARSE = "/api/v1/agency-codes/parse"


def q(s):
    return urllib.parse.quote(s, safe="")


def test_org_units_list(ctx):
    with ctx.server() as s:
        r = s.get("/api/v1/org-units")
        eq(r.status, 200, "status")
        check((r.header("Content-Type") or "").startswith("application/json"),
              f"Content-Type {r.header('Content-Type')!r}")
        j = r.json()
        total = j.get("total")
        check(isinstance(total, int) and total >= 40, f"total is {total!r}, expected >= 40")
        items = j.get("items")
        check(isinstance(items, list) and len(items) == min(total, j.get("per_page", 50)),
              f"{len(items or [])} items for total {total}, per_page {j.get('per_page')}")
        eq(j.get("page"), 1, "page")
        codes = [u["code"] for u in items]
        eq(len(set(codes)), len(codes), "distinct codes on the page")
        check(PROVINCE in codes, "the provincial People's Committee is not listed")
        for u in items:
            for k in ("code", "name", "kind", "level", "demo", "open"):
                check(k in u, f"unit {u.get('code')} has no {k!r}")
            eq(u["demo"], True, f"unit {u['code']} demo flag")
            eq(unicodedata.normalize("NFC", u["name"]), u["name"], f"{u['code']} name is NFC")
        kinds = {u["kind"] for u in items}
        for k in ("province_committee", "department", "service_center", "commune_committee"):
            check(k in kinds, f"no unit of kind {k} in the demo province (kinds: {sorted(kinds)})")


def test_org_units_paging(ctx):
    with ctx.server() as s:
        total = s.get("/api/v1/org-units").json()["total"]
        seen = []
        page = 1
        while True:
            r = s.get(f"/api/v1/org-units?page={page}&per_page=10")
            eq(r.status, 200, f"page {page} status")
            j = r.json()
            eq(j.get("page"), page, "page echoed")
            eq(j.get("per_page"), 10, "per_page echoed")
            eq(j.get("total"), total, f"total on page {page}")
            if not j["items"]:
                break
            check(len(j["items"]) <= 10, f"page {page} has {len(j['items'])} items")
            seen += [u["code"] for u in j["items"]]
            page += 1
            check(page < 20, "paging does not end")
        eq(len(seen), total, "units seen over all pages")
        eq(len(set(seen)), total, "distinct units over all pages")
        r = s.get("/api/v1/org-units?per_page=200")
        eq(len(r.json()["items"]), total, "per_page=200 returns everything")
        r = s.get("/api/v1/org-units?page=1000&per_page=10")
        eq(r.status, 200, "a page past the end")
        eq(r.json()["items"], [], "items past the end")
        for bad in ("page=0", "page=-1", "page=abc", "page=1.5", "page=", "page=1e3",
                    "page=99999999999999999999", "per_page=0", "per_page=201", "per_page=x",
                    "page=%201"):
            r = s.get(f"/api/v1/org-units?{bad}")
            assert_json_error(r, 400)


def test_org_units_search(ctx):
    with ctx.server() as s:
        nfd = unicodedata.normalize("NFD", "Trường Vinh")
        for term, want in (("truong vinh", TRUONG_VINH), ("Trường Vinh", TRUONG_VINH),
                           ("TRƯỜNG VINH", TRUONG_VINH), (nfd, TRUONG_VINH),
                           ("  truong   vinh ", TRUONG_VINH), ("so tu phap", SO_TU_PHAP),
                           ("Sở Tư pháp", SO_TU_PHAP), ("SỞ TƯ PHÁP", SO_TU_PHAP),
                           ("do luong", "000.00.56.H41"), ("Đô Lương", "000.00.56.H41"),
                           ("trung tam phuc vu hanh chinh cong", "000.00.14.H41")):
            r = s.get("/api/v1/org-units?q=" + q(term))
            eq(r.status, 200, f"q={term!r} status")
            j = r.json()
            check(j["items"], f"q={term!r} found nothing")
            eq(j["items"][0]["code"], want, f"first result for q={term!r}")
            eq(j["total"], len(j["items"]), f"total for q={term!r}")
        # The query "+" form of a space works like %20.
        r = s.get("/api/v1/org-units?q=truong+vinh")
        eq(r.json()["items"][0]["code"], TRUONG_VINH, "q=truong+vinh")
        # Nothing found is an empty list, not an error.
        r = s.get("/api/v1/org-units?q=" + q("không có đơn vị này"))
        eq(r.status, 200, "no match status")
        eq((r.json()["total"], r.json()["items"]), (0, []), "no match")


def test_org_units_search_hostile(ctx):
    """LIKE wildcards are literal, SQL metacharacters are data, limits hold."""
    with ctx.server() as s:
        total = s.get("/api/v1/org-units").json()["total"]
        for term in ("%", "_", "%%", "\\", "' OR 1=1 --", "\" OR \"\"=\"", "'; DROP TABLE org_unit; --",
                     "*", "\\%"):
            r = s.get("/api/v1/org-units?q=" + q(term))
            eq(r.status, 200, f"q={term!r} status")
            check(r.json()["total"] < total,
                  f"q={term!r} matched {r.json()['total']} of {total} units (wildcard not escaped?)")
        eq(s.get("/api/v1/org-units").json()["total"], total, "units still there")
        r = s.get("/api/v1/org-units?q=" + "a" * 200)
        eq(r.status, 200, "a 200-byte query")
        r = s.get("/api/v1/org-units?q=" + "a" * 201)
        assert_json_error(r, 400)
        r = s.get("/api/v1/org-units?q=" + q("ư" * 101))  # 202 bytes
        assert_json_error(r, 400)


def test_org_units_parent_filter(ctx):
    with ctx.server() as s:
        r = s.get(f"/api/v1/org-units?parent={SO_TU_PHAP}")
        eq(r.status, 200, "status")
        items = r.json()["items"]
        check(len(items) >= 2, f"only {len(items)} units under {SO_TU_PHAP}")
        for u in items:
            eq((u.get("parent") or {}).get("code"), SO_TU_PHAP, f"parent of {u['code']}")


def test_org_unit_get(ctx):
    with ctx.server() as s:
        r = s.get(f"/api/v1/org-units/{PROVINCE}")
        eq(r.status, 200, "status")
        u = r.json()
        eq(u.get("code"), PROVINCE, "code")
        eq(u.get("kind"), "province_committee", "kind")
        check("Ủy ban nhân dân tỉnh" in (u.get("name") or ""), f"name is {u.get('name')!r}")
        eq(u.get("parent"), None, "parent of the province")
        eq(u.get("level"), 1, "level")
        r = s.get(f"/api/v1/org-units/{SO_TU_PHAP}")
        u = r.json()
        eq((u.get("parent") or {}).get("code"), PROVINCE, "parent of Sở Tư pháp")
        eq(u.get("level"), 2, "level of a department")
        h = s.request("HEAD", f"/api/v1/org-units/{PROVINCE}")
        eq((h.status, h.body), (200, b""), "HEAD")


def test_org_unit_bad_and_unknown_codes(ctx):
    with ctx.server() as s:
        for bad in ("abc", "000.00.00.h41", "000-00-00-H41", "000.00.00.H4", "000.00.00.H411",
                    "0000.0.00.H41", "001.00.04.H41", "x" * 300, q("000.00.00.Ĥ41"), "%20", "..."):
            r = s.get("/api/v1/org-units/" + bad)
            check(r.status == 400, f"GET /api/v1/org-units/{bad[:40]} -> {r.status}, expected 400")
            assert_json_error(r, 400)
        r = s.get("/api/v1/org-units/000.00.99.H41")
        e = assert_json_error(r, 404, "not_found")
        r = s.get("/api/v1/org-units/000.00.99.H41", headers={"Accept-Language": "en"})
        e = assert_json_error(r, 404, "not_found")
        check("Không" not in e["message"], f"English message expected: {e['message']!r}")


def _parse(s, obj=None, raw=None, ctype="application/json"):
    return s.post_json(PARSE, obj, raw=raw, ctype=ctype)


def test_agency_codes_parse(ctx):
    with ctx.server() as s:
        codes = [PROVINCE, "000.01.04.H41", "000.00.99.H41", "000.00.00.G01", "abc",
                 "001.00.04.H41", "000.00.00.h41", ""]
        r = _parse(s, {"codes": codes})
        eq(r.status, 200, f"status ({short(r.body)})")
        items = r.json().get("items")
        eq([i.get("code") for i in items], codes, "codes echoed in order")
        p, sub, unknown, ministry = items[0], items[1], items[2], items[3]
        eq((p["valid"], p["level"], p["level1"], p.get("parent")), (True, 1, "H41", None),
           "the province code")
        check(p.get("group") and "tỉnh" in p["group"], f"group of H: {p.get('group')!r}")
        eq((p.get("org_unit") or {}).get("code"), PROVINCE, "org_unit of the province code")
        eq((sub["valid"], sub["level"], sub["parent"]), (True, 3, SO_TU_PHAP), "a level-3 code")
        eq((sub.get("org_unit") or {}).get("name"), "Văn phòng Sở Tư pháp", "its org unit")
        eq((unknown["valid"], unknown.get("org_unit", "absent")), (True, None),
           "a valid code nobody holds")
        check(ministry["valid"] and ministry.get("group") and "Bộ" in ministry["group"],
              f"a G code: {ministry}")
        for bad in items[4:]:
            eq(bad["valid"], False, f"{bad['code']!r} valid")
            check(isinstance(bad.get("message"), str) and bad["message"],
                  f"{bad['code']!r} has no explanation")
        r = _parse(s, {"codes": []})
        eq((r.status, r.json().get("items")), (200, []), "no codes")
        r = _parse(s, {"codes": [PROVINCE] * 100})
        eq(r.status, 200, "100 codes")
        eq(len(r.json()["items"]), 100, "100 items")
        r = _parse(s, {"codes": [PROVINCE]}, ctype="application/json; charset=utf-8")
        eq(r.status, 200, "Content-Type with charset")


def test_agency_codes_parse_errors(ctx):
    with ctx.server() as s:
        for ctype in ("text/plain", None, "application/x-www-form-urlencoded",
                      "multipart/form-data; boundary=x"):
            r = _parse(s, {"codes": []}, ctype=ctype)
            assert_json_error(r, 415)
        cases = [
            (b'{"codes": [', "invalid_json"),
            (b'{"codes": []} x', "invalid_json"),
            (b"", "invalid_json"),
            (b"null", "invalid_json"),
            (b'[]', "invalid_json"),
            (b'"codes"', "invalid_json"),
            (b'{"codes": [], "codes": []}', None),
            (b'{"codes": [{"a": 1, "a": 2}]}', None),
            (b'{"codes": ["\xff\xfe"]}', "invalid_json"),
            (b'{"codes": ["\\ud800"]}', "invalid_json"),
            (b'{"codes": ["a\\u0000b"]}', None),
            (b'{"codes": "000.00.00.H41"}', "invalid_argument"),
            (b'{"codes": null}', "invalid_argument"),
            (b'{}', "invalid_argument"),
            (b'{"codes": [], "extra": 1}', "invalid_argument"),
            (b'{"Codes": []}', "invalid_argument"),
            (b'{"codes": [1]}', "invalid_argument"),
            (b'{"codes": [null]}', "invalid_argument"),
            (b'{"codes": ["' + b"0" * 36 + b'"]}', "invalid_argument"),
            (b'{"codes": [[]]}', "invalid_argument"),
            (b"[" * 5000 + b"]" * 5000, None),
            (b'{"codes": ' + b"[" * 5000 + b"]" * 5000 + b"}", None),
        ]
        for body, code in cases:
            r = _parse(s, raw=body)
            check(r.status == 400, f"POST {PARSE} {short(body, 60)} -> {r.status}, expected 400: "
                                   f"{short(r.body, 160)}")
            assert_json_error(r, 400, code)
        r = _parse(s, {"codes": [PROVINCE] * 101})
        assert_json_error(r, 400, "invalid_argument")
        eq(s.get("/healthz").status, 200, "the server survived")


def test_agency_codes_content_type_matching(ctx):
    """RFC 9110 §8.3.1: media types are case-insensitive; a different type that
    merely starts with "application/json" is not JSON."""
    with ctx.server() as s:
        wrong = []
        for ctype, want in (("Application/JSON", 200), ("application/json;charset=UTF-8", 200),
                            ("application/jsonx", 415), ("application/json-patch+json", 415)):
            r = _parse(s, {"codes": [PROVINCE]}, ctype=ctype)
            if r.status != want:
                wrong.append(f"{ctype!r} -> {r.status} (expected {want})")
        check(not wrong, "Content-Type: " + "; ".join(wrong))
