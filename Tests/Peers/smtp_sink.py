#!/usr/bin/env python3
"""A real SMTP server on loopback for the delivery tests (aiosmtpd from PyPI).

Every message it accepts is parsed with Python's email package and appended, as one JSON
line, to --out: envelope, decoded subject, headers, the text and HTML parts, and whether
the session used TLS and AUTH. --fail-first N answers 451 to the first N messages, to make
the sender retry. --tls CERT KEY offers STARTTLS and then requires it and AUTH
(user "mailer", password "secret"). Prints "PORT <n>" once it listens.
"""
import argparse, asyncio, email, email.policy, json, socket, ssl, sys, time

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult


class Handler:
    def __init__(self, out, fail_first):
        self.out = out
        self.fail_first = fail_first

    async def handle_DATA(self, server, session, envelope):
        if self.fail_first > 0:
            self.fail_first -= 1
            return "451 4.3.0 try again later"
        raw = envelope.content if isinstance(envelope.content, bytes) else envelope.content.encode()
        message = email.message_from_bytes(raw, policy=email.policy.default)
        parts = {}
        for part in message.walk():
            if part.get_content_maintype() == "text":
                parts[part.get_content_subtype()] = part.get_content()
        record = {
            "mail_from": envelope.mail_from,
            "rcpt_tos": envelope.rcpt_tos,
            "subject": str(message["subject"]),
            "headers": {key.lower(): str(value) for key, value in message.items()},
            "text": parts.get("plain", ""),
            "html": parts.get("html", ""),
            "longest_line": max(len(line) for line in raw.split(b"\r\n")),
            "tls": session.ssl is not None,
            "authenticated": bool(session.authenticated),
            "received_at": time.time(),
        }
        with open(self.out, "a", encoding="utf-8") as f:
            f.write(json.dumps(record, ensure_ascii=False) + "\n")
        return "250 2.0.0 OK"


def authenticator(server, session, envelope, mechanism, auth_data):
    ok = getattr(auth_data, "login", None) == b"mailer" and getattr(auth_data, "password", None) == b"secret"
    return AuthResult(success=ok)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--out", required=True)
    parser.add_argument("--fail-first", type=int, default=0)
    parser.add_argument("--tls", nargs=2, metavar=("CERT", "KEY"))
    args = parser.parse_args()
    probe = socket.socket()
    probe.bind(("127.0.0.1", 0))
    port = probe.getsockname()[1]
    probe.close()
    options = {}
    if args.tls:
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(*args.tls)
        options = dict(tls_context=context, require_starttls=True, authenticator=authenticator, auth_require_tls=True)
    controller = Controller(Handler(args.out, args.fail_first), hostname="127.0.0.1", port=port, **options)
    controller.start()
    print(f"PORT {port}", flush=True)
    try:
        while True:
            time.sleep(3600)
    finally:
        controller.stop()


if __name__ == "__main__":
    sys.exit(main())
