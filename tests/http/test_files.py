"""test_files.py - attachments (issue 5 item 1): POST /api/v1/files streams its body to
the spool and stores it content-addressed (docs/files.md); GET /api/v1/files/{id} gives
it back to its owner only.

Real small files are made here: a minimal valid PDF, a 1x1 PNG and a 1x1 baseline JPEG
(make_pdf, make_png, make_jpeg; test_matrix uses make_pdf too). Every server gets a
spool and a store of its own in temporary directories (EGOV_SPOOL_DIR, EGOV_FILES_DIR),
and the tests look into both: a refused, cut-off, stalled or oversized upload must
leave nothing in the spool, and nothing in the store or the database.
"""

import hashlib
import os
import random
import select
import socket
import struct
import subprocess
import time
import urllib.parse
import zlib

from harness import (assert_json_error, check, eq, parse_responses, read_all, short,
                     stream_request)
from test_auth import Auth, call, sign_in

UPLOAD = "/api/v1/files"
LIMIT = 20 * 1024 * 1024


# ---- real small files -------------------------------------------------------------------


def make_pdf(text="egov"):
    """A minimal valid PDF of one page showing text (ASCII), with a correct xref table."""
    text = text.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")
    stream = f"BT /F1 12 Tf 20 100 Td ({text}) Tj ET".encode()
    objs = [b"<< /Type /Catalog /Pages 2 0 R >>",
            b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 300 144] "
            b"/Resources << /Font << /F1 5 0 R >> >> /Contents 4 0 R >>",
            b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
            b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"]
    out = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n"
    offsets = []
    for i, o in enumerate(objs, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % i + o + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objs) + 1)
    out += b"".join(b"%010d 00000 n \n" % off for off in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objs) + 1,
                                                                             xref)
    return out


def make_png(gray=128):
    """A 1x1 8-bit grayscale PNG."""
    def chunk(kind, data):
        return (struct.pack(">I", len(data)) + kind + data
                + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF))
    ihdr = struct.pack(">IIBBBBB", 1, 1, 8, 0, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr)
            + chunk(b"IDAT", zlib.compress(bytes([0, gray]))) + chunk(b"IEND", b""))


# The standard luminance Huffman tables of ITU T.81 Annex K.3.
_DC_BITS = [0, 1, 5, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0]
_DC_VALS = list(range(12))
_AC_BITS = [0, 2, 1, 3, 3, 2, 4, 3, 5, 5, 4, 4, 0, 0, 1, 0x7D]
_AC_VALS = bytes.fromhex(
    "01020300041105122131410613516107227114328191a1082342b1c11552d1f02433627282090a161718191a"
    "25262728292a3435363738393a434445464748494a535455565758595a636465666768696a73747576777879"
    "7a838485868788898a92939495969798999aa2a3a4a5a6a7a8a9aab2b3b4b5b6b7b8b9bac2c3c4c5c6c7c8c9"
    "cad2d3d4d5d6d7d8d9dae1e2e3e4e5e6e7e8e9eaf1f2f3f4f5f6f7f8f9fa")


def make_jpeg():
    """A 1x1 baseline grayscale JPEG (JFIF): one 8x8 block whose coefficients are all 0,
    coded with the standard tables as DC category 0 ("00") and end-of-block ("1010")."""
    def seg(marker, data):
        return b"\xff" + bytes([marker]) + struct.pack(">H", len(data) + 2) + data
    app0 = b"JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00"
    dqt = b"\x00" + bytes([1] * 64)
    sof = b"\x08" + struct.pack(">HH", 1, 1) + b"\x01" + b"\x01\x11\x00"
    dht = (b"\x00" + bytes(_DC_BITS) + bytes(_DC_VALS)
           + b"\x10" + bytes(_AC_BITS) + _AC_VALS)
    sos = b"\x01" + b"\x01\x00" + b"\x00\x3f\x00"
    return (b"\xff\xd8" + seg(0xE0, app0) + seg(0xDB, dqt) + seg(0xC0, sof) + seg(0xC4, dht)
            + seg(0xDA, sos) + b"\x2b" + b"\xff\xd9")


def multipart(fields=(), files=(), boundary=None):
    """(Content-Type, body) of a multipart/form-data form as a browser sends it.
    fields: (name, value); files: (name, filename, content type, bytes)."""
    b = boundary or "----egovTest%016x" % random.getrandbits(64)
    out = b""
    for name, value in fields:
        out += (f"--{b}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n".encode()
                + value.encode() + b"\r\n")
    for name, filename, ctype, data in files:
        out += (f"--{b}\r\nContent-Disposition: form-data; name=\"{name}\"; "
                f"filename=\"{filename}\"\r\nContent-Type: {ctype}\r\n\r\n".encode()
                + data + b"\r\n")
    out += f"--{b}--\r\n".encode()
    return f"multipart/form-data; boundary={b}", out


# ---- the fixture ------------------------------------------------------------------------


class Files(Auth):
    """Auth (accounts, the CLI) plus a spool and a store of the test's own."""

    def __init__(self, ctx, env=None):
        self.spool = ctx.tempdir("egov-spool-")
        self.store = ctx.tempdir("egov-files-")
        super().__init__(ctx, {"EGOV_SPOOL_DIR": self.spool, "EGOV_FILES_DIR": self.store,
                               **(env or {})})

    def token(self, login, scope="read write"):
        p = self.cli(["token", "create", "--login", login, "--scope", scope])
        check(p.returncode == 0, f"egov token create: {p.stderr.strip()}")
        return p.stdout.strip()

    def spool_files(self):
        return sorted(os.listdir(self.spool))

    def stored(self):
        """{hex name: bytes} of every blob in the store."""
        out = {}
        for d, _, names in os.walk(self.store):
            if os.path.basename(d) == "tmp":
                continue
            for n in names:
                with open(os.path.join(d, n), "rb") as f:
                    out[n] = f.read()
        return out

    def attachments(self):
        return self.scalar("SELECT COUNT(*) FROM attachment")

    def wait_spool_empty(self, what, timeout=3.0):
        deadline = time.monotonic() + timeout
        while self.spool_files() and time.monotonic() < deadline:
            time.sleep(0.05)
        eq(self.spool_files(), [], f"spool files left after {what}")

    def assert_nothing_stored(self, what, blobs=0, rows=0):
        self.wait_spool_empty(what)
        eq(len(self.stored()), blobs, f"blobs in the store after {what}")
        eq(self.attachments(), rows, f"attachment rows after {what}")


def upload(s, data, ctype="application/pdf", bearer=None, query="", headers=None, cookie=None,
           csrf=None):
    h = {"Content-Type": ctype}
    if bearer:
        h["Authorization"] = f"Bearer {bearer}"
    if cookie:
        h["Cookie"] = f"__Host-egov={cookie}"
    if csrf:
        h["X-CSRF-Token"] = csrf
    h.update(headers or {})
    return s.request("POST", UPLOAD + query, body=data, headers=h, timeout=30)


def head(ctype, length, bearer, extra=()):
    lines = [f"POST {UPLOAD} HTTP/1.1", "Host: t", f"Content-Type: {ctype}",
             f"Authorization: Bearer {bearer}"]
    lines += [f"Content-Length: {length}"] if length is not None else \
        ["Transfer-Encoding: chunked"]
    lines += list(extra)
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


def check_created(r, data, ctype, filename=None):
    eq(r.status, 201, f"upload status ({short(r.body)})")
    j = r.json()
    eq(j.get("sha256"), hashlib.sha256(data).hexdigest(), "sha256 in the answer")
    eq(j.get("size"), len(data), "size in the answer")
    eq(j.get("type"), ctype, "type in the answer")
    check(isinstance(j.get("id"), int), f"id {j.get('id')!r}")
    eq(r.header("Location"), f"/api/v1/files/{j['id']}", "Location")
    if filename is not None:
        eq(j.get("filename"), filename, "filename in the answer")
    return j


def check_download(s, j, data, ctype, bearer):
    r = s.request("GET", f"/api/v1/files/{j['id']}",
                  headers={"Authorization": f"Bearer {bearer}"}, timeout=30)
    eq(r.status, 200, f"GET /api/v1/files/{j['id']} ({short(r.body)})")
    check(r.body == data, f"the download differs from the upload ({len(r.body)} bytes, "
                          f"{len(data)} sent)")
    eq(r.header("Content-Type"), ctype, "Content-Type of the download")
    cd = r.header("Content-Disposition") or ""
    check(cd.startswith("attachment;"), f"Content-Disposition {cd!r}")
    want = "filename*=UTF-8''" + urllib.parse.quote(j["filename"], safe="!#$&+-.^_`|~")
    check(want in cd, f"Content-Disposition {cd!r} lacks {want!r}")
    check('filename="' in cd and all(ord(ch) < 128 for ch in cd),
          f"Content-Disposition without an ASCII filename: {cd!r}")
    eq(r.header("X-Content-Type-Options"), "nosniff", "nosniff on a download")
    check("no-store" in (r.header("Cache-Control") or ""), "Cache-Control of a download")
    return r


# ---- the tests --------------------------------------------------------------------------


def test_raw_upload_round_trip(ctx):
    """A PDF, a PNG and a JPEG made here, each sent as the raw body: 201 with the SHA-256,
    size, type by content and the name from ?filename=; downloaded byte for byte with its
    type and Content-Disposition (RFC 6266 filename*); stored once under ab/cd/<hash>;
    nothing left in the spool."""
    f = Files(ctx)
    with f.server() as s:
        f.add_user("alice")
        tok = f.token("alice")
        cases = [(make_pdf("Giay khai sinh"), "application/pdf", "application/pdf",
                  "Giấy khai sinh.pdf", "Giấy khai sinh.pdf"),
                 (make_png(), "image/png", "image/png", "ảnh.png", "ảnh.png"),
                 (make_jpeg(), "image/jpeg", "image/jpeg", "scan", "scan.jpg"),
                 # The declared type is recorded, not believed.
                 (make_png(7), "application/octet-stream", "image/png", "x.pdf", "x.png")]
        for data, declared, ctype, name, stored_name in cases:
            q = "?filename=" + urllib.parse.quote(name)
            r = upload(s, data, declared, bearer=tok, query=q)
            j = check_created(r, data, ctype, stored_name)
            check_download(s, j, data, ctype, tok)
            hx = j["sha256"]
            path = os.path.join(f.store, hx[:2], hx[2:4], hx)
            check(os.path.isfile(path), f"no blob at {path}")
            with open(path, "rb") as fh:
                eq(fh.read(), data, "the blob's bytes")
            eq(os.stat(path).st_mode & 0o777, 0o400, f"mode of {path}")
        eq(f.spool_files(), [], "spool files after the uploads")
        rows = f.sql("SELECT filename, declared_type, detected_type, owner_kind FROM attachment "
                     "ORDER BY id")
        eq([tuple(x) for x in rows][-1], ("x.png", "application/octet-stream", "image/png",
                                          "upload"), "the last attachment row")
        r = s.request("HEAD", f"/api/v1/files/{j['id']}",
                      headers={"Authorization": f"Bearer {tok}"})
        eq((r.status, r.body), (200, b""), "HEAD of a file")


def test_multipart_upload_round_trip(ctx):
    """What a browser form sends: text fields and one file part (a Vietnamese filename as
    raw UTF-8); the part's filename and type are taken, the text fields are read; the
    answer and the download are as for a raw body. A browser's empty file input
    (filename="" and no bytes) is no file."""
    f = Files(ctx)
    with f.server() as s:
        f.add_user("alice")
        tok = f.token("alice")
        pdf = make_pdf("multipart")
        ct, body = multipart([("note", "Bản sao giấy tờ\r\ndòng hai")],
                             [("file", "Sổ hộ khẩu.pdf", "application/pdf", pdf)])
        r = upload(s, body, ct, bearer=tok)
        j = check_created(r, pdf, "application/pdf", "Sổ hộ khẩu.pdf")
        check_download(s, j, pdf, "application/pdf", tok)
        jpg = make_jpeg()
        ct, body = multipart([], [("empty", "", "application/octet-stream", b""),
                                  ("scan", "C:\\Users\\an\\ảnh chụp.JPG", "image/jpeg", jpg)])
        r = upload(s, body, ct, bearer=tok)
        j = check_created(r, jpg, "image/jpeg", "ảnh chụp.JPG")
        check_download(s, j, jpg, "image/jpeg", tok)
        # filename*= (RFC 8187) is read too.
        b = "b0undary"
        body = (f"--{b}\r\nContent-Disposition: form-data; name=\"f\"; filename=\"fallback.pdf\"; "
                f"filename*=UTF-8''%C4%90%C6%A1n.pdf\r\nContent-Type: application/pdf\r\n\r\n"
                ).encode() + pdf + f"\r\n--{b}--\r\n".encode()
        r = upload(s, body, f"multipart/form-data; boundary={b}", bearer=tok)
        check_created(r, pdf, "application/pdf", "Đơn.pdf")
        eq(f.spool_files(), [], "spool files after the uploads")


def test_same_content_stored_once(ctx):
    """The same bytes uploaded twice (by two people, under two names): two attachments,
    one blob on disk and one file_blob row."""
    f = Files(ctx)
    with f.server() as s:
        f.add_user("alice")
        f.add_user("bob")
        ta, tb = f.token("alice"), f.token("bob")
        pdf = make_pdf("twice")
        j1 = check_created(upload(s, pdf, bearer=ta, query="?filename=a.pdf"), pdf,
                           "application/pdf", "a.pdf")
        j2 = check_created(upload(s, pdf, bearer=tb, query="?filename=b.pdf"), pdf,
                           "application/pdf", "b.pdf")
        check(j1["id"] != j2["id"], "the same attachment id twice")
        eq(j1["sha256"], j2["sha256"], "the hash of the same content")
        eq(list(f.stored()), [j1["sha256"]], "blobs in the store")
        eq(f.scalar("SELECT COUNT(*) FROM file_blob"), 1, "file_blob rows")
        eq(f.attachments(), 2, "attachment rows")
        check_download(s, j2, pdf, "application/pdf", tb)


def test_declared_too_large_refused_before_the_body(ctx):
    """Content-Length one byte over 20 MiB, and a 2 GB upload: 413 with the JSON error at
    once, before a byte of the body is sent; the server never reads it (the access log
    says 0 bytes in) and nothing reaches the spool."""
    f = Files(ctx)
    with f.server() as s:
        f.add_user("alice")
        tok = f.token("alice")
        for length in (LIMIT + 1, 2 * 1024 ** 3, 2 ** 63 - 1):
            sock = s.connect()
            t0 = time.monotonic()
            sock.sendall(head("application/pdf", length, tok))
            got, closed = read_all(sock, 3, until_close=True)
            sock.close()
            dt = time.monotonic() - t0
            rs, _ = parse_responses(got)
            check(rs, f"no answer to Content-Length {length}: {short(got)}")
            assert_json_error(rs[0], 413, "too_large")
            check(dt < 2, f"the 413 for Content-Length {length} took {dt:.1f}s")
            check(closed, f"the connection stayed open after the 413 (Content-Length {length})")
            eq((rs[0].header("Connection") or "").lower(), "close", "Connection on the 413")
        # Exactly the limit is fine.
        data = make_pdf("limit")
        data += b"%" + b"x" * (LIMIT - len(data) - 2) + b"\n"
        eq(len(data), LIMIT, "the test file's size")
        r = upload(s, data, bearer=tok)
        check_created(r, data, "application/pdf")
        log = [x for x in s.access_log() if x.get("route") == UPLOAD]
        eq([x.get("bytes_in") for x in log if x.get("status") == 413], [0, 0, 0],
           "bytes_in of the refused uploads")
        eq([x.get("bytes_in") for x in log if x.get("status") == 201], [LIMIT],
           "bytes_in of the upload at the limit")
    f.assert_nothing_stored("the refusals", blobs=1, rows=1)


def test_chunked_body_past_the_limit(ctx):
    """A chunked upload that grows past 20 MiB: written to the spool while under the
    limit (a spool file is seen mid-way), then nothing more is written, the spool file is
    removed at once, and the client gets 413 with the JSON error."""
    f = Files(ctx)
    with f.server() as s:
        f.add_user("alice")
        tok = f.token("alice")
        sock = s.connect(timeout=10)
        sock.sendall(head("application/pdf", None, tok))
        piece = b"%PDF-" + b"x" * (1024 * 1024 - 5)
        chunk = b"%x\r\n" % len(piece) + piece + b"\r\n"
        seen = []
        answered = None
        for i in range(22):
            sock.sendall(chunk)
            if i == 10:
                time.sleep(0.3)
                seen = [(n, os.path.getsize(os.path.join(f.spool, n)))
                        for n in f.spool_files()]
        time.sleep(0.3)
        left = f.spool_files()
        try:
            sock.sendall(b"0\r\n\r\n")
        except OSError:
            pass
        got, _ = read_all(sock, 10, until_close=False)
        sock.close()
        rs, _ = parse_responses(got)
        check(rs, f"no answer to a 22 MiB chunked upload: {short(got)}")
        answered = rs[0]
        assert_json_error(answered, 413, "too_large")
        check(len(seen) == 1 and seen[0][1] >= 8 * 1024 * 1024,
              f"mid-way, the spool held {seen} (expected one file of about 11 MiB)")
        eq(left, [], "spool files once the body passed the limit")
    f.assert_nothing_stored("a chunked body past the limit")


def test_two_gigabytes_refused_without_filling_anything(ctx):
    """A 2 GB chunked upload is cut off: the server answers 413 after at most a few times
    the route's limit and closes, the spool never holds more than the limit, the
    process's memory does not grow with the body, and nothing is kept."""
    f = Files(ctx)
    with f.server() as s:
        f.add_user("alice")
        tok = f.token("alice")

        def rss():
            with open(f"/proc/{s.proc.pid}/status") as fh:
                for line in fh:
                    if line.startswith("VmRSS:"):
                        return int(line.split()[1]) * 1024
            return 0
        before = rss()
        sock = s.connect(timeout=10)
        sock.sendall(head("application/pdf", None, tok))
        piece = b"%PDF-" + b"y" * (256 * 1024 - 5)
        chunk = b"%x\r\n" % len(piece) + piece + b"\r\n"
        sent = 0
        peak_spool = 0
        got = b""
        t0 = time.monotonic()
        while sent < 2 * 1024 ** 3 and time.monotonic() - t0 < 60:
            ready, _, _ = select.select([sock], [], [], 0)
            if ready:
                break
            try:
                sock.sendall(chunk)
            except OSError:
                break
            sent += len(piece)
            if sent % (4 * 1024 * 1024) == 0:
                peak_spool = max([peak_spool] + [os.path.getsize(os.path.join(f.spool, n))
                                                 for n in f.spool_files()])
        try:
            more, _ = read_all(sock, 5, until_close=True)
            got += more
        except OSError:
            pass
        sock.close()
        grew = rss() - before
        rs, _ = parse_responses(got)
        check(rs, f"no answer after {sent >> 20} MiB of a 2 GB chunked upload: {short(got)}")
        assert_json_error(rs[0], 413, "too_large")
        check(sent <= 6 * LIMIT, f"the server read {sent >> 20} MiB before refusing")
        check(peak_spool <= LIMIT, f"the spool held {peak_spool} bytes (limit {LIMIT})")
        check(grew < 16 * 1024 * 1024, f"egov's memory grew by {grew >> 20} MiB")
        eq(s.get("/healthz").status, 200, "the server after the 2 GB upload")
    f.assert_nothing_stored("a 2 GB upload")


def test_cut_off_and_stalled_uploads_leave_nothing(ctx):
    """A client that disconnects halfway (raw and multipart) and one that stalls until the
    body timeout: the half-written spool files are removed, nothing is stored."""
    f = Files(ctx, env={"EGOV_BODY_TIMEOUT": "1s"})
    with f.server() as s:
        f.add_user("alice")
        tok = f.token("alice")
        pdf = make_pdf("cut") + b"%" + b"z" * (2 * 1024 * 1024)
        ct, body = multipart([("note", "x")], [("file", "cut.pdf", "application/pdf", pdf)])
        for what, ctype, data in (("a raw body", "application/pdf", pdf),
                                  ("a multipart body", ct, body)):
            sock = s.connect()
            sock.sendall(head(ctype, len(data), tok) + data[:len(data) // 2])
            deadline = time.monotonic() + 2
            while not f.spool_files() and time.monotonic() < deadline:
                time.sleep(0.02)
            check(f.spool_files(), f"{what}: no spool file while the body was arriving")
            sock.close()
            f.wait_spool_empty(f"{what} cut off halfway")
        # Stalled: half the body, then nothing; the body timeout (1 s) ends it.
        sock = s.connect()
        sock.sendall(head("application/pdf", len(pdf), tok) + pdf[:100000])
        t0 = time.monotonic()
        got, closed = read_all(sock, 5, until_close=True)
        sock.close()
        check(closed, "a stalled upload kept its connection open")
        check(time.monotonic() - t0 < 4, "a stalled upload was cut after more than 4 s")
        rs, _ = parse_responses(got)
        if rs:
            eq(rs[0].status, 408, "status of a stalled upload")
        f.wait_spool_empty("a stalled upload")
        eq(s.get("/healthz").status, 200, "the server after the cut uploads")
    f.assert_nothing_stored("cut and stalled uploads")


def test_type_by_content(ctx):
    """The content decides: random bytes called x.pdf and declared application/pdf, a PNG
    where only PDF is accepted (?accept=pdf), a GIF, an XML file unless accepted, and an
    empty file are refused with 415 and a Vietnamese message; ?accept=xml takes XML; an
    unknown ?accept= is 400. Nothing refused is kept."""
    f = Files(ctx)
    with f.server() as s:
        f.add_user("alice")
        tok = f.token("alice")
        xml = b"\xef\xbb\xbf<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<a>\xc4\x91</a>\n"
        gif = b"GIF89a\x01\x00\x01\x00\x00\x00\x00;"
        refused = [("random bytes as x.pdf", os.urandom(4096), "application/pdf", ""),
                   ("a PNG named x.pdf where only PDF is accepted", make_png(),
                    "application/pdf", "?accept=pdf&filename=x.pdf"),
                   ("a PDF where only images are accepted", make_pdf(), "application/pdf",
                    "?accept=jpeg,png"),
                   ("a GIF", gif, "image/gif", ""),
                   ("XML by default", xml, "application/xml", ""),
                   ("HTML", b"<!doctype html><script>alert(1)</script>", "text/html", "")]
        for what, data, declared, q in refused:
            r = upload(s, data, declared, bearer=tok, query=q)
            e = assert_json_error(r, 415, "unsupported_file_type")
            check("không" in e["message"] or "Tệp" in e["message"],
                  f"{what}: not a Vietnamese message: {e['message']!r}")
        r = upload(s, make_png(), "image/png", bearer=tok, query="?accept=pdf")
        e = assert_json_error(r, 415)
        check("PNG" in e["message"] and "PDF" in e["message"],
              f"the message should say what the file is and what is accepted: {e['message']}")
        r = s.request("POST", UPLOAD, body=b"0\r\n\r\n",
                      headers={"Authorization": f"Bearer {tok}", "Content-Type": "application/pdf",
                               "Transfer-Encoding": "chunked"})
        e = assert_json_error(r, 415)
        check("rỗng" in e["message"], f"an empty file's message: {e['message']!r}")
        r = upload(s, b"", bearer=tok)
        assert_json_error(r, 400, "no_file")
        assert_json_error(upload(s, make_pdf(), bearer=tok, query="?accept=gif"), 400,
                          "invalid_argument")
        f.assert_nothing_stored("the refused types")
        r = upload(s, xml, "text/xml", bearer=tok, query="?accept=xml")
        check_created(r, xml, "application/xml", "tep-dinh-kem.xml")


def test_bad_multipart_bodies(ctx):
    """Multipart bodies that are cut, malformed or hold two files: 400 with a message,
    nothing kept."""
    f = Files(ctx)
    with f.server() as s:
        f.add_user("alice")
        tok = f.token("alice")
        pdf = make_pdf()
        b = "XyZ"
        part = (f"--{b}\r\nContent-Disposition: form-data; name=\"f\"; filename=\"a.pdf\"\r\n"
                f"Content-Type: application/pdf\r\n\r\n").encode() + pdf
        ct = f"multipart/form-data; boundary={b}"
        cases = [("no closing boundary", ct, part + f"\r\n--{b}\r\n".encode(), "bad_request"),
                 ("cut in the file", ct, part, "bad_request"),
                 ("a preamble", ct, b"hello\r\n" + part + f"\r\n--{b}--\r\n".encode(),
                  "bad_request"),
                 ("no boundary parameter", "multipart/form-data", part, "bad_request"),
                 ("a part without a name", ct,
                  f"--{b}\r\nContent-Disposition: form-data\r\n\r\nx\r\n--{b}--\r\n".encode(),
                  "bad_request"),
                 ("nested multipart", ct,
                  (f"--{b}\r\nContent-Disposition: form-data; name=\"m\"\r\nContent-Type: "
                   f"multipart/mixed; boundary=q\r\n\r\n--q--\r\n--{b}--\r\n").encode(),
                  "bad_request"),
                 ("two files", *multipart([], [("a", "a.pdf", "application/pdf", pdf),
                                               ("b", "b.pdf", "application/pdf", pdf)]),
                  "one_file"),
                 ("no file at all", *multipart([("note", "x")]), "no_file")]
        for what, ctype, body, code in cases:
            r = upload(s, body, ctype, bearer=tok)
            try:
                assert_json_error(r, 400, code)
            except AssertionError as e:
                raise AssertionError(f"{what}: {e}") from None
        f.assert_nothing_stored("the bad multipart bodies")


def test_other_people_get_404(ctx):
    """Alice's file: 404 for Bob and for a staff member (the same answer as a file that
    does not exist), 401 for nobody, 200 for Alice."""
    f = Files(ctx)
    with f.server() as s:
        f.add_user("alice")
        f.add_user("bob")
        f.add_user("cb.tuphap", kind="staff", role="specialist", org="000.00.04.H41",
                   email="cb@example.vn")
        ta, tb, ts = f.token("alice"), f.token("bob"), f.token("cb.tuphap")
        pdf = make_pdf("alice")
        j = check_created(upload(s, pdf, bearer=ta), pdf, "application/pdf")
        path = f"/api/v1/files/{j['id']}"
        nothing = s.request("GET", "/api/v1/files/999999",
                            headers={"Authorization": f"Bearer {tb}"})
        assert_json_error(nothing, 404, "not_found")
        for who, tok in (("bob", tb), ("staff", ts)):
            r = s.request("GET", path, headers={"Authorization": f"Bearer {tok}"})
            e = assert_json_error(r, 404, "not_found")
            eq(e["message"], nothing.json()["error"]["message"], f"{who}: the 404 message")
            check(pdf not in r.body, f"{who} got the file's bytes")
        r = s.get(path)
        assert_json_error(r, 401)
        assert_json_error(s.get("/api/v1/files/abc", headers={"Authorization": f"Bearer {ta}"}),
                          404)
        check_download(s, j, pdf, "application/pdf", ta)


def test_anonymous_refused_before_the_body(ctx):
    """Nobody signed in: 401 as soon as the headers are in; the 10 MiB body is never read
    and nothing reaches the spool. A bad token likewise."""
    f = Files(ctx)
    with f.server() as s:
        for auth in ([], ["Authorization: Bearer egov_" + "A" * 43]):
            lines = [f"POST {UPLOAD} HTTP/1.1", "Host: t", "Content-Type: application/pdf",
                     f"Content-Length: {10 * 1024 * 1024}"] + auth
            sock = s.connect()
            t0 = time.monotonic()
            sock.sendall(("\r\n".join(lines) + "\r\n\r\n").encode())
            got, closed = read_all(sock, 3, until_close=True)
            sock.close()
            rs, _ = parse_responses(got)
            check(rs, f"no answer without a body: {short(got)}")
            assert_json_error(rs[0], 401)
            check(time.monotonic() - t0 < 2, "the 401 waited for the body")
            check(rs[0].header("WWW-Authenticate"), "401 without WWW-Authenticate")
        r = s.request("POST", UPLOAD, body=make_pdf(), headers={"Content-Type": "application/pdf"})
        assert_json_error(r, 401)
        eq([x.get("bytes_in") for x in s.access_log() if x.get("route") == UPLOAD][:2], [0, 0],
           "bytes read of the refused uploads")
    f.assert_nothing_stored("anonymous uploads")


def test_csrf_for_cookie_sessions(ctx):
    """A cookie session must prove its CSRF token: in X-CSRF-Token (checked before the
    body), or for a page's multipart form in its csrf field (checked once the body is in).
    Missing or another session's token: 403 csrf and nothing kept; bearer tokens need
    none."""
    f = Files(ctx)
    with f.server() as s:
        f.add_user("alice")
        f.add_user("bob")
        al = sign_in(s, "alice")
        bo = sign_in(s, "bob")
        pdf = make_pdf("csrf")

        def refused(r, what):
            try:
                assert_json_error(r, 403, "csrf")
            except AssertionError as e:
                raise AssertionError(f"{what}: {e}") from None
        refused(upload(s, pdf, cookie=al.token), "a raw body without X-CSRF-Token")
        refused(upload(s, pdf, cookie=al.token, csrf=bo.csrf), "a raw body with bob's token")
        for what, fields in (("a form without the csrf field", [("note", "x")]),
                             ("a form with bob's csrf", [("csrf", bo.csrf)]),
                             ("a form with an empty csrf", [("csrf", "")])):
            ct, body = multipart(fields, [("file", "a.pdf", "application/pdf", pdf)])
            refused(upload(s, body, ct, cookie=al.token), what)
        # The header wins over a form field for an API client.
        ct, body = multipart([("csrf", al.csrf)], [("file", "a.pdf", "application/pdf", pdf)])
        refused(upload(s, body, ct, cookie=al.token, csrf=bo.csrf),
                "a form with alice's field but bob's header")
        f.assert_nothing_stored("the forged uploads")
        r = upload(s, pdf, cookie=al.token, csrf=al.csrf, query="?filename=header.pdf")
        check_created(r, pdf, "application/pdf", "header.pdf")
        ct, body = multipart([("csrf", al.csrf)], [("file", "form.pdf", "application/pdf", pdf)])
        r = upload(s, body, ct, cookie=al.token)
        j = check_created(r, pdf, "application/pdf", "form.pdf")
        r = call(s, "GET", f"/api/v1/files/{j['id']}", cookie=al.token)
        eq((r.status, r.body), (200, pdf), "alice downloads through her session")
        eq(f.spool_files(), [], "spool files")


def test_low_disk_space_507(ctx):
    """When the spool's filesystem would keep less than spool_reserve free, an upload is
    refused at once with 507 and a clear message, before its body is read."""
    f = Files(ctx, env={"EGOV_SPOOL_RESERVE": "1000000G"})
    with f.server() as s:
        f.add_user("alice")
        tok = f.token("alice")
        sock = s.connect()
        sock.sendall(head("application/pdf", 1024 * 1024, tok))
        got, _ = read_all(sock, 3, until_close=True)
        sock.close()
        rs, _ = parse_responses(got)
        check(rs, f"no answer: {short(got)}")
        e = assert_json_error(rs[0], 507, "insufficient_storage")
        check("chỗ" in e["message"], f"message {e['message']!r}")
        r = upload(s, make_pdf(), bearer=tok, headers={"Accept-Language": "en"})
        e = assert_json_error(r, 507)
        check("room" in e["message"], f"English message {e['message']!r}")
        check(any("spool" in x.get("msg", "") for x in s.log_lines()),
              "no warning about the spool in the log")
    f.assert_nothing_stored("uploads refused for space")


def test_spool_files_of_a_dead_process_removed(ctx):
    """Spool files a killed egov left behind (its pid in their names) are removed when the
    next one starts; files of a live process and other files are left alone."""
    f = Files(ctx)
    p = subprocess.Popen(["sleep", "30"])
    try:
        dead = subprocess.Popen(["true"])
        dead.wait()
        names = {f"egov-{dead.pid}-0123456789abcdef.up": False,
                 f"egov-{p.pid}-0123456789abcdef.up": True,
                 "notes.txt": True}
        for n in names:
            with open(os.path.join(f.spool, n), "wb") as fh:
                fh.write(b"x" * 100)
        with f.server():
            pass
        for n, kept in names.items():
            eq(os.path.exists(os.path.join(f.spool, n)), kept, f"{n} after a start")
    finally:
        p.kill()
        p.wait()


def test_gc_and_verify(ctx):
    """egov files verify passes on a sound store and exits 1 naming a blob with one byte
    flipped; egov files gc keeps every referenced blob, and once an attachment is gone its
    blob goes after the grace period (not before)."""
    f = Files(ctx)
    with f.server() as s:
        f.add_user("alice")
        tok = f.token("alice")
        a, b = make_pdf("keep"), make_png()
        ja = check_created(upload(s, a, bearer=tok), a, "application/pdf")
        jb = check_created(upload(s, b, "image/png", bearer=tok), b, "image/png")
    env = {"EGOV_FILES_DIR": f.store, **f.env}

    def egov(*args):
        return f.ctx.egov(["files"] + list(args) + ["--db", s.db_url], env=env)
    p = egov("verify")
    eq(p.returncode, 0, f"files verify on a sound store: {p.stdout} {p.stderr}")
    check("2 stored files, 2 intact" in p.stdout, f"verify's summary: {p.stdout!r}")
    hx = ja["sha256"]
    path = os.path.join(f.store, hx[:2], hx[2:4], hx)
    os.chmod(path, 0o600)
    with open(path, "r+b") as fh:
        fh.seek(10)
        c = fh.read(1)
        fh.seek(10)
        fh.write(bytes([c[0] ^ 1]))
    p = egov("verify")
    eq(p.returncode, 1, f"files verify with a flipped byte: {p.stdout} {p.stderr}")
    check(hx in p.stdout and "damaged" in p.stdout, f"verify names the blob: {p.stdout!r}")
    for grace in ("0s", "1h"):
        p = egov("gc", "--grace", grace)
        eq(p.returncode, 0, f"files gc: {p.stderr}")
        eq(sorted(f.stored()), sorted([ja["sha256"], jb["sha256"]]),
           f"blobs after gc --grace {grace} with both referenced")
    f.sql(f"DELETE FROM attachment WHERE id = {jb['id']}")
    p = egov("gc", "--grace", "1h")
    eq(p.returncode, 0, f"files gc: {p.stderr}")
    check(jb["sha256"] in f.stored(), "gc removed a blob unused for less than the grace")
    p = egov("gc", "--grace", "0s", "--dry-run")
    check("1 unused" in p.stdout, f"gc --dry-run: {p.stdout!r}")
    check(jb["sha256"] in f.stored(), "gc --dry-run removed something")
    p = egov("gc", "--grace", "0s")
    eq(p.returncode, 0, f"files gc: {p.stderr}")
    eq(list(f.stored()), [ja["sha256"]], "blobs after gc of the unreferenced one")
    eq(f.scalar("SELECT COUNT(*) FROM file_blob"), 1, "file_blob rows after gc")
    p = egov("nope")
    eq(p.returncode, 2, "egov files nope")
