#!/usr/bin/python3
"""A real SMS gateway for egov's notify tests: python3's http.server, nothing else.

    sms_gateway.py --port P --dir D [--host 127.0.0.1] [--token T]

It takes POSTs in both dialects of src/notify/sms.c and records every request,
one JSON object per line, in D/requests.jsonl, before it answers:

    {"n": 1, "path": "/send", "dialect": "json" | "form", "to": "+8491...",
     "from": "...", "text": "...", "authorization": "Bearer ...",
     "idempotency_key": "...", "request_id": "...", "status": 200, "accepted": true}

"json":      Content-Type application/json, body {"to","from"?,"text"}; the answer is
             {"id": "sms-<n>", "status": "accepted"}.
"form":      application/x-www-form-urlencoded with phone, brandname, message, apikey,
             request_id?; the answer is {"code": "00", "message": "OK", "id": "sms-<n>"}.
With --token, a json request without "Authorization: Bearer T" or a form without
apikey=T gets 401.

A test steers it with the file D/control, read at every request: one JSON object
    {"status": 500, "count": 2}   answer 500 to the next 2 requests (400, 429, ...)
    {"code": "99", "count": 1}    form dialect: 200 with {"code": "99"} (no balance)
    {"hang": 3, "count": 1}       wait 3 s before answering (the client times out)
    {"drop": true, "count": 1}    close the connection without any answer
count is decremented in the file as requests are served (absent: for ever); a
missing file means accept. Error answers echo the request's body, as careless
gateways do, so the tests can show that egov keeps tokens and numbers out of
its logs. "Down" is the test stopping the process. SIGTERM stops it.
"""

import argparse
import json
import os
import signal
import sys
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

LOCK = threading.Lock()


def load_control(path):
    try:
        with open(path, encoding="utf-8") as f:
            text = f.read().strip()
    except FileNotFoundError:
        return None
    if not text:
        return None
    return json.loads(text)


def take_control(directory):
    """The control for this request, counting it down in the file."""
    path = os.path.join(directory, "control")
    c = load_control(path)
    if c is None:
        return None
    if "count" in c:
        if c["count"] <= 0:
            return None
        rest = dict(c)
        rest["count"] = c["count"] - 1
        tmp = path + ".tmp"
        with open(tmp, "w", encoding="utf-8") as f:
            json.dump(rest, f)
        os.replace(tmp, path)
    return c


class Gateway(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "sms-gateway-test/1"

    def log_message(self, fmt, *args):  # noqa: D102 - quiet: the tests read requests.jsonl
        sys.stderr.write("sms_gateway: " + (fmt % args) + "\n")

    def answer(self, status, obj):
        body = json.dumps(obj, ensure_ascii=False).encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):  # noqa: N802
        self.answer(405, {"error": "POST only"})

    def do_POST(self):  # noqa: N802
        d = self.server.dir
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length)
        ctype = (self.headers.get("Content-Type") or "").split(";")[0].strip().lower()
        rec = {"path": self.path, "content_type": ctype,
               "authorization": self.headers.get("Authorization"),
               "idempotency_key": self.headers.get("Idempotency-Key")}
        bad = None
        try:
            text = raw.decode("utf-8")
            if ctype == "application/json":
                body = json.loads(text)
                rec.update(dialect="json", to=body.get("to"), text=body.get("text"))
                if "from" in body:
                    rec["from"] = body["from"]
                extra = set(body) - {"to", "from", "text"}
                if extra or not isinstance(body.get("to"), str) or not isinstance(
                        body.get("text"), str):
                    bad = "expected {to, from?, text}"
                token_ok = (not self.server.token or
                            rec["authorization"] == "Bearer " + self.server.token)
            elif ctype == "application/x-www-form-urlencoded":
                form = urllib.parse.parse_qs(text, keep_blank_values=True, strict_parsing=True)
                one = {k: v[0] for k, v in form.items()}
                rec.update(dialect="form", to=one.get("phone"), text=one.get("message"),
                           brandname=one.get("brandname"), request_id=one.get("request_id"))
                rec["apikey_given"] = "apikey" in one
                if any(len(v) != 1 for v in form.values()) or not one.get("phone") or \
                        not one.get("message") or not one.get("brandname"):
                    bad = "expected phone, brandname, message, apikey"
                token_ok = not self.server.token or one.get("apikey") == self.server.token
            else:
                bad = "unsupported content type"
                token_ok = True
        except (UnicodeDecodeError, ValueError) as e:
            bad = f"unreadable body: {e}"
            token_ok = True
        rec["ascii"] = all(ord(ch) < 128 for ch in (rec.get("text") or ""))

        with LOCK:
            self.server.n += 1
            rec["n"] = self.server.n
            c = take_control(d) or {}
            if c.get("drop"):
                status, reply = 0, None
            elif bad:
                status, reply = 400, {"error": bad, "echo": raw.decode("utf-8", "replace")}
            elif not token_ok:
                status, reply = 401, {"error": "bad token", "echo": raw.decode("utf-8", "replace")}
            elif "status" in c:
                status = int(c["status"])
                reply = {"error": f"told to answer {status}",
                         "echo": raw.decode("utf-8", "replace")}
            elif "code" in c and rec.get("dialect") == "form":
                status, reply = 200, {"code": str(c["code"]), "message": "told to fail"}
            else:
                status = 200
                reply = ({"code": "00", "message": "OK", "id": f"sms-{rec['n']}"}
                         if rec.get("dialect") == "form"
                         else {"id": f"sms-{rec['n']}", "status": "accepted"})
            rec["status"] = status
            rec["accepted"] = status == 200 and not ("code" in c and rec.get("dialect") == "form")
            with open(os.path.join(d, "requests.jsonl"), "a", encoding="utf-8") as f:
                f.write(json.dumps(rec, ensure_ascii=False) + "\n")
        if c.get("hang"):
            time.sleep(float(c["hang"]))
        if c.get("drop"):
            self.close_connection = True
            return
        try:
            self.answer(status, reply)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up waiting (hang): the message was taken all the same


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--dir", required=True)
    ap.add_argument("--token", default="")
    a = ap.parse_args()
    srv = ThreadingHTTPServer((a.host, a.port), Gateway)
    srv.daemon_threads = True
    srv.dir = a.dir
    srv.token = a.token
    srv.n = 0

    def stop(signum, frame):  # noqa: ARG001
        threading.Thread(target=srv.shutdown, daemon=True).start()

    signal.signal(signal.SIGTERM, stop)
    srv.serve_forever()
    srv.server_close()


if __name__ == "__main__":
    main()
