#!/usr/bin/env python3
"""A real HTTP receiver for the webhook tests.

Each POST is appended as one JSON line to --out: path, headers, body, the time, and whether
its Standard Webhooks signature verifies with --secret-file's secret (read at each request,
so a test can write it after creating the webhook). The path picks the behaviour:
  /ok               200
  /fail             500 every time
  /flaky/N          500 to the first N requests on that path, then 200
  /slow/S           waits S seconds, then 200 (past the sender's timeout: a failure)
  /drip/S           sends a 200 head, then the body one byte a second for S seconds
Prints "PORT <n>" once it listens.
"""
import argparse, base64, hashlib, hmac, json, os, sys, threading, time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

lock = threading.Lock()
counts = {}


def verify(secret, headers, body):
    if not secret.startswith("whsec_"):
        return False
    key = base64.b64decode(secret[len("whsec_"):])
    signed = f"{headers.get('webhook-id')}.{headers.get('webhook-timestamp')}.".encode() + body
    expected = base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest()).decode()
    for signature in headers.get("webhook-signature", "").split(" "):
        version, _, value = signature.partition(",")
        if version == "v1" and hmac.compare_digest(value, expected):
            return True
    return False


def make_handler(out, secret_file):
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args):
            pass

        def do_POST(self):
            length = int(self.headers.get("Content-Length", "0"))
            body = self.rfile.read(length)
            headers = {key.lower(): value for key, value in self.headers.items()}
            try:
                secret = open(secret_file).read().strip()
            except OSError:
                secret = ""
            parts = self.path.strip("/").split("/")
            with lock:
                counts[self.path] = counts.get(self.path, 0) + 1
                n = counts[self.path]
            record = {"path": self.path, "headers": headers, "body": body.decode("utf-8", "replace"),
                      "valid_signature": verify(secret, headers, body), "received_at": time.time(), "n": n}
            with lock, open(out, "a", encoding="utf-8") as f:
                f.write(json.dumps(record, ensure_ascii=False) + "\n")
            status = 200
            if parts[0] == "fail":
                status = 500
            elif parts[0] == "flaky" and n <= int(parts[1]):
                status = 500
            elif parts[0] == "slow":
                time.sleep(float(parts[1]))
            elif parts[0] == "drip":
                self.send_response(200)
                self.send_header("Content-Length", str(int(parts[1])))
                self.end_headers()
                for _ in range(int(parts[1])):
                    try:
                        self.wfile.write(b".")
                        self.wfile.flush()
                    except OSError:
                        return
                    time.sleep(1)
                return
            payload = b'{"ok":true}'
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

    return Handler


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--out", required=True)
    parser.add_argument("--secret-file", required=True)
    args = parser.parse_args()
    server = ThreadingHTTPServer(("127.0.0.1", 0), make_handler(args.out, args.secret_file))
    server.daemon_threads = True
    print(f"PORT {server.server_address[1]}", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    sys.exit(main())
