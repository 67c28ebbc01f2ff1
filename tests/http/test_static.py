"""test_static.py - files under /static/: caching, and no way out of the directory."""

import os
import shutil

from harness import STATIC_DIR, check, eq, parse_responses, short
from test_limits import req

CANARIES = ("OUTSIDE-CANARY-7731", "PARENT-CANARY-5512", "HIDDEN-CANARY-9901",
            "GIT-CANARY-4410", "root:x:0:0")


def make_static(ctx):
    """A copy of web/static plus traps: hidden files, symlinks out, a file above it."""
    top = ctx.tempdir("egov-static-")
    static = os.path.join(top, "static")
    shutil.copytree(STATIC_DIR, static)
    os.makedirs(os.path.join(top, "outside"))
    with open(os.path.join(top, "outside", "secret.txt"), "w") as f:
        f.write("OUTSIDE-CANARY-7731\n")
    with open(os.path.join(top, "canary.txt"), "w") as f:
        f.write("PARENT-CANARY-5512\n")
    with open(os.path.join(static, ".hidden"), "w") as f:
        f.write("HIDDEN-CANARY-9901\n")
    os.makedirs(os.path.join(static, ".git"))
    with open(os.path.join(static, ".git", "config"), "w") as f:
        f.write("GIT-CANARY-4410\n")
    os.makedirs(os.path.join(static, "sub"))
    with open(os.path.join(static, "sub", "ok.txt"), "w") as f:
        f.write("SUB-OK\n")
    os.symlink("../outside/secret.txt", os.path.join(static, "link.css"))
    os.symlink(os.path.join(top, "outside", "secret.txt"), os.path.join(static, "abslink.txt"))
    os.symlink("/etc/passwd", os.path.join(static, "passwd.txt"))
    os.symlink("../outside", os.path.join(static, "linkdir"))
    os.symlink("../../canary.txt", os.path.join(static, "sub", "inner-link.txt"))
    return static


def test_static_file_and_etag(ctx):
    with ctx.server() as s:
        want = (STATIC_DIR / "egov.css").read_bytes()
        r = s.get("/static/egov.css")
        eq(r.status, 200, "status")
        eq(r.body, want, "body of /static/egov.css")
        eq(r.header("Content-Type"), "text/css; charset=utf-8", "Content-Type")
        etag = r.header("ETag")
        check(etag and etag.startswith('"') and etag.endswith('"'), f"ETag {etag!r}")
        cc = r.header("Cache-Control") or ""
        check("public" in cc and "max-age=" in cc, f"Cache-Control {cc!r}")
        r2 = s.get("/static/egov.css")
        eq(r2.header("ETag"), etag, "ETag is stable")
        r = s.get("/static/egov.css", headers={"If-None-Match": etag})
        eq(r.status, 304, "If-None-Match with the ETag")
        eq(r.body, b"", "304 body")
        eq(r.header("ETag"), etag, "ETag on the 304")
        r = s.get("/static/egov.css", headers={"If-None-Match": f'"x", W/{etag}'})
        eq(r.status, 304, "If-None-Match with a list and a weak validator (weak comparison)")
        r = s.get("/static/egov.css", headers={"If-None-Match": '"something-else"'})
        eq(r.status, 200, "If-None-Match with another ETag")
        eq(r.body, want, "body after a non-matching If-None-Match")
        h = s.request("HEAD", "/static/egov.css")
        eq((h.status, h.body), (200, b""), "HEAD")
        eq(h.header("Content-Length"), str(len(want)), "Content-Length on HEAD")


def test_static_not_found_is_html(ctx):
    with ctx.server() as s:
        r = s.get("/static/nope.css")
        eq(r.status, 404, "status")
        check((r.header("Content-Type") or "").startswith("text/html"),
              f"Content-Type {r.header('Content-Type')!r}")
        check('lang="vi"' in r.text, "the static 404 page is not Vietnamese")
        eq((r.header("Cache-Control") or ""), "no-store", "Cache-Control on a 404")


def test_static_subdirectory(ctx):
    static = make_static(ctx)
    with ctx.server(static_dir=static) as s:
        r = s.get("/static/sub/ok.txt")
        eq((r.status, r.body), (200, b"SUB-OK\n"), "a file in a subdirectory")
        eq(r.header("Content-Type"), "text/plain; charset=utf-8", "Content-Type of .txt")


ESCAPES = [
    "/static/../canary.txt",
    "/static/%2e%2e/canary.txt",
    "/static/%2E%2E/canary.txt",
    "/static/.%2e/canary.txt",
    "/static/..%2fcanary.txt",
    "/static/%2e%2e%2fcanary.txt",
    "/static/%252e%252e/canary.txt",
    "/static/%252e%252e%252fcanary.txt",
    "/static/..%5ccanary.txt",
    "/static/..\\canary.txt",
    "/static/..;/canary.txt",
    "/static/%c0%ae%c0%ae/canary.txt",
    "/static/%e2%80%a5/canary.txt",
    "/static/....//canary.txt",
    "/static/sub/../../canary.txt",
    "/static/sub/%2e%2e/%2e%2e/canary.txt",
    "/static/sub/..%2f..%2fcanary.txt",
    "/static//etc/passwd",
    "/static/%2fetc%2fpasswd",
    "/static/.hidden",
    "/static/%2ehidden",
    "/static/.git/config",
    "/static/%2egit/config",
    "/static/link.css",
    "/static/abslink.txt",
    "/static/passwd.txt",
    "/static/linkdir/secret.txt",
    "/static/sub/inner-link.txt",
    "/static/",
    "/static",
    "/static/sub",
    "/static/sub/",
    "/static/egov.css/..",
    "/static/egov.css%00.txt",
    "/static/egov.css%20",
    "/static/egov.css.",
    "/static/EGOV.CSS",
    "/static/../../../../../../etc/passwd",
    "/static/%2e%2e/%2e%2e/%2e%2e/%2e%2e/%2e%2e/etc/passwd",
    "/../static/egov.css/../../canary.txt",
]


def test_static_no_escape(ctx):
    """RELIABILITY C3: '..' in every spelling, hidden files, symlinks (to a file, to a
    directory, absolute), directories -> 400 or 404, never the content."""
    static = make_static(ctx)
    with ctx.server(static_dir=static) as s:
        eq(s.get("/static/egov.css").status, 200, "the real file is served from the copy")
        wrong = []
        for t in ESCAPES:
            got, _ = s.raw(req("GET", t), timeout=3)
            rs, _ = parse_responses(got)
            status = rs[0].status if rs else None
            leaked = [c for c in CANARIES if c.encode() in got]
            if leaked:
                wrong.append(f"{t} -> {status} LEAKS {leaked}")
            elif status not in (400, 404):
                wrong.append(f"{t} -> {status or short(got, 60)}")
        check(not wrong, f"{len(wrong)} of {len(ESCAPES)}: " + "; ".join(wrong))
