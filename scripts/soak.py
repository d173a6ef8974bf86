"""Memory soak for the server's buffer bounds (issue 12, items 7 and 8). Starts the release
binary on a temp database and, from many loopback source addresses:
  1. opens CONNS connections that each declare a 1 MiB body and send all but 1 KB of it,
  2. closes them, waits, and reads RSS again (buffers must go back to the system),
  3. opens HEADS connections that each send 32 KB of an unfinished request head, closes them,
  4. holds IDLE silent connections and checks /healthz still answers.
Prints RSS, statuses and /healthz latency at each step. Bench-only helper:
  python3 scripts/soak.py BINARY [CONNS] [HEADS] [IDLE]"""
import os, resource, socket, subprocess, sys, tempfile, time

binary = sys.argv[1]
conns = int(sys.argv[2]) if len(sys.argv) > 2 else 3000
heads = int(sys.argv[3]) if len(sys.argv) > 3 else 8000
idle = int(sys.argv[4]) if len(sys.argv) > 4 else 20000
soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))

work = tempfile.mkdtemp(prefix="groundswell-soak-")
server = subprocess.Popen([binary, "serve", "--port", "0", "--db", os.path.join(work, "soak.sqlite"),
                           "--admin-token", "soak", "--access-log", "off"],
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
line = server.stdout.readline()
port = int(line.rsplit(":", 1)[1])

def rss_mib():
    with open(f"/proc/{server.pid}/status") as f:
        for l in f:
            if l.startswith("VmRSS:"):
                return int(l.split()[1]) / 1024
    return 0.0

def source(i):
    return f"127.0.{1 + i // 200 % 250}.{2 + i % 200}"

def connect(i):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.bind((source(i), 0))
    s.settimeout(5)
    s.connect(("127.0.0.1", port))
    return s

def healthz():
    s = socket.create_connection(("127.0.0.1", port), timeout=10)
    t0 = time.time()
    s.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
    data = s.recv(4096)
    s.close()
    return data.split(b" ", 2)[1].decode() if data else "none", (time.time() - t0) * 1000

def statuses(socks):
    counts = {}
    for s in socks:
        s.setblocking(False)
        try:
            data = s.recv(4096)
            key = data.split(b" ", 2)[1].decode() if data.startswith(b"HTTP/") else "closed"
        except BlockingIOError:
            key = "pending"
        except OSError:
            key = "reset"
        counts[key] = counts.get(key, 0) + 1
    return counts

def report(step):
    status, ms = healthz()
    print(f"{step:<44} RSS {rss_mib():7.1f} MiB   /healthz {status} in {ms:6.1f} ms", flush=True)

time.sleep(0.3)
report("start")
body = b"x" * (1024 * 1024 - 1024)
socks = []
for i in range(conns):
    try:
        s = connect(i)
        s.sendall(b"POST /ideas HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 1048576\r\n\r\n")
        s.send(body)
        socks.append(s)
    except OSError:
        pass
time.sleep(1)
report(f"{len(socks)} x 1 MiB bodies, all but 1 KB sent")
print("   answers:", statuses(socks), flush=True)
for s in socks: s.close()
time.sleep(3)
report("closed them, 3 s later")
socks = []
for i in range(heads):
    try:
        s = connect(i)
        s.sendall(b"GET / HTTP/1.1\r\nHost: x\r\nX-Pad: " + b"p" * 32000)
        socks.append(s)
    except OSError:
        pass
time.sleep(1)
report(f"{len(socks)} x 32 KB unfinished heads")
for s in socks: s.close()
time.sleep(3)
report("closed them, 3 s later")
socks = []
for i in range(min(idle, hard - 100)):
    try:
        socks.append(connect(i))
    except OSError:
        break
time.sleep(1)
report(f"{len(socks)} idle connections from {min(idle, 50000) // 200 + 1} addresses")
time.sleep(5)
report("6 s later (first-byte timeout 5 s)")
for s in socks: s.close()
server.terminate()
server.wait()
