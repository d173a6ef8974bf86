"""Opens N idle keep-alive connections to 127.0.0.1:PORT, each after one request,
prints OPEN <count>, holds them for SECONDS, then exits. Bench-only helper."""
import resource, socket, sys, time

port, count, seconds = int(sys.argv[1]), int(sys.argv[2]), float(sys.argv[3])
soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
socks = []
request = b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n"
for i in range(count):
    try:
        s = socket.create_connection(("127.0.0.1", port), timeout=5)
        s.sendall(request)
        s.recv(4096)
        socks.append(s)
    except OSError as e:
        print(f"stopped at {i}: {e}", flush=True)
        break
print(f"OPEN {len(socks)}", flush=True)
deadline = time.time() + seconds
while time.time() < deadline:
    time.sleep(0.5)
