"""Sends N malformed requests (many kinds, new connections and pipelined) to 127.0.0.1:PORT
and prints the server's RSS and open file count before and after. Bench-only helper:
  python3 scripts/flood.py PORT PID [N]"""
import os, socket, sys, time

port, pid = int(sys.argv[1]), int(sys.argv[2])
total = int(sys.argv[3]) if len(sys.argv) > 3 else 100_000
BAD = [
    b"GET / HTTP/1.1\r\n\r\n",                                               # no Host
    b"GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n",                         # two Hosts
    b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n",
    b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\n",
    b"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
    b"GET /\x00 HTTP/1.1\r\nHost: x\r\n\r\n",
    b"GET / HTTP/1.1\nHost: x\n\n",                                          # bare LF
    b"GET / HTTP/1.1\r\nHost: x\r\n folded\r\n\r\n",                         # obs-fold
    b"GET / HTTP/9.9\r\nHost: x\r\n\r\n",
    b"\xff\xfe\xfd garbage \r\n\r\n",
    b"GET /" + b"a" * 9000 + b" HTTP/1.1\r\nHost: x\r\n\r\n",               # 414
    b"GET / HTTP/1.1\r\nHost: x\r\nX: " + b"b" * 40000 + b"\r\n\r\n",        # 431
    b"POST /users HTTP/1.1\r\nHost: x\r\nContent-Length: 9\r\n\r\n{\"name\":\xff",  # bad JSON / UTF-8
    b"POST /ideas HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer nope\r\nContent-Length: 2\r\n\r\n{}",
]

def rss_kb():
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0

def fds():
    return len(os.listdir(f"/proc/{pid}/fd"))

def one(payload):
    s = socket.create_connection(("127.0.0.1", port), timeout=5)
    try:
        s.sendall(payload)
        s.shutdown(socket.SHUT_WR)
        while s.recv(65536):
            pass
    except OSError:
        pass
    finally:
        s.close()

# Warm up: every event loop opens its own reader connection on first use.
for _ in range(200):
    one(b"GET /ideas HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
    one(BAD[-1])
time.sleep(1)
before = (rss_kb(), fds())
start = time.time()
for i in range(total):
    one(BAD[i % len(BAD)])
elapsed = time.time() - start
time.sleep(3)  # let lingering closes finish
after = (rss_kb(), fds())
print(f"flood: {total} malformed requests in {elapsed:.1f} s; server RSS {before[0]/1024:.1f} MiB -> {after[0]/1024:.1f} MiB, "
      f"open files {before[1]} -> {after[1]}")
