#!/usr/bin/python3
"""A real SMTP server for egov's notify tests (Debian's python3-aiosmtpd).

    smtp_server.py --port P --dir D [--host 127.0.0.1] [--auth USER:PASSWORD]
    smtp_server.py --parse FILE        prints the JSON summary of one message file

Every accepted message is stored in D as msg-<n>.eml (the bytes received) and
msg-<n>.json (what Python's email package makes of it: decoded From, To and
Subject, the text and HTML bodies, defects, the longest line). The .json is
written last and atomically, and both before the server answers 250, so a
client that got 250 finds the files.

Behaviour can be changed while it runs, so a test can take the server "down"
for some recipients or all mail:
  - a recipient whose local part starts with "reject" gets 550 at RCPT,
    one starting with "tempfail" gets 451 at RCPT;
  - the file D/mode, read at every message, holds one word: "accept" (the
    default), "reject" (554 after DATA), "tempfail" (451 after DATA) or
    "slow:SECONDS" (wait before answering after DATA).
With --auth, AUTH PLAIN/LOGIN is offered without TLS and required before MAIL.
SIGTERM stops it.
"""

import argparse
import asyncio
import email
import email.policy
import json
import logging
import os
import signal
import sys
import warnings

PARSE_ONLY = "--parse" in sys.argv

if not PARSE_ONLY:
    from aiosmtpd.smtp import SMTP, AuthResult, LoginPassword


def summarize(raw: bytes) -> dict:
    msg = email.message_from_bytes(raw, policy=email.policy.default)
    lines = raw.split(b"\r\n")
    head_end = raw.find(b"\r\n\r\n")
    head = raw[:head_end] if head_end >= 0 else raw
    defects = [type(d).__name__ for d in msg.defects]
    out = {
        "max_line": max((len(x) for x in lines), default=0),
        "max_header_line": max((len(x) for x in head.split(b"\r\n")), default=0),
        "bare_lf": b"\n" in raw.replace(b"\r\n", b""),
        "headers_ascii": all(b < 128 for b in head),
        "header_names": [k for k in msg.keys()],
        "content_type": msg.get_content_type(),
        "message_id": msg.get("Message-ID"),
        "date": msg.get("Date"),
        "auto_submitted": msg.get("Auto-Submitted"),
    }
    for name in ("From", "To"):
        h = msg[name]
        key = name.lower()
        out[key] = str(h) if h is not None else None
        if h is not None:
            defects += [type(d).__name__ for d in h.defects]
            if len(h.addresses) == 1:
                out[key + "_name"] = h.addresses[0].display_name
                out[key + "_addr"] = h.addresses[0].addr_spec
    subj = msg["Subject"]
    out["subject"] = str(subj) if subj is not None else None
    if subj is not None:
        defects += [type(d).__name__ for d in subj.defects]
    if msg["Date"] is not None and msg["Date"].datetime is not None:
        out["date_utc"] = msg["Date"].datetime.isoformat()
    plain = msg.get_body(preferencelist=("plain",))
    html = msg.get_body(preferencelist=("html",))
    # Bodies with "\n" line ends, as a reader sees them.
    out["text"] = plain.get_content().replace("\r\n", "\n") if plain is not None else None
    out["html"] = html.get_content().replace("\r\n", "\n") if html is not None else None
    for part in msg.walk():
        defects += [type(d).__name__ for d in part.defects]
    out["defects"] = defects
    return out


class Handler:
    def __init__(self, directory: str):
        self.dir = directory
        self.seq = 0

    def mode(self) -> str:
        try:
            with open(os.path.join(self.dir, "mode"), encoding="ascii") as f:
                return f.read().strip() or "accept"
        except FileNotFoundError:
            return "accept"

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        local = address.split("@", 1)[0].lower()
        if local.startswith("reject"):
            return "550 5.1.1 mailbox unavailable"
        if local.startswith("tempfail"):
            return "451 4.3.0 try again later"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        mode = self.mode()
        if mode == "reject":
            return "554 5.6.0 message refused"
        if mode == "tempfail":
            return "451 4.3.0 try again later"
        if mode.startswith("slow:"):
            await asyncio.sleep(float(mode[5:]))
        raw = envelope.content
        self.seq += 1
        base = os.path.join(self.dir, "msg-%d-%06d" % (os.getpid(), self.seq))
        with open(base + ".eml", "wb") as f:
            f.write(raw)
        info = summarize(raw)
        info["envelope_from"] = envelope.mail_from
        info["rcpt_tos"] = list(envelope.rcpt_tos)
        info["auth"] = bool(getattr(session, "authenticated", False))
        with open(base + ".tmp", "w", encoding="utf-8") as f:
            json.dump(info, f, ensure_ascii=False)
        os.rename(base + ".tmp", base + ".json")
        return "250 2.0.0 OK queued"


def make_authenticator(user: str, password: str):
    def authenticator(server, session, envelope, mechanism, auth_data):
        ok = (
            isinstance(auth_data, LoginPassword)
            and auth_data.login == user.encode()
            and auth_data.password == password.encode()
        )
        return AuthResult(success=ok, handled=False)

    return authenticator


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int)
    ap.add_argument("--dir")
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--auth")
    ap.add_argument("--parse")
    a = ap.parse_args()
    if a.parse:
        with open(a.parse, "rb") as f:
            json.dump(summarize(f.read()), sys.stdout, ensure_ascii=False)
        return 0
    if a.port is None or not a.dir:
        ap.error("--port and --dir are required")
    os.makedirs(a.dir, exist_ok=True)
    # AUTH without TLS is what the tests want; say so once, not on every session.
    warnings.filterwarnings("ignore")
    logging.basicConfig(level=logging.ERROR, stream=sys.stderr)
    handler = Handler(a.dir)
    kwargs = {"hostname": "localhost", "timeout": 30}
    if a.auth:
        user, _, password = a.auth.partition(":")
        kwargs.update(
            authenticator=make_authenticator(user, password),
            auth_required=True,
            auth_require_tls=False,
        )
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    server = loop.run_until_complete(
        loop.create_server(lambda: SMTP(handler, loop=loop, **kwargs), a.host, a.port)
    )
    loop.add_signal_handler(signal.SIGTERM, loop.stop)
    loop.add_signal_handler(signal.SIGINT, loop.stop)
    try:
        loop.run_forever()
    finally:
        server.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
