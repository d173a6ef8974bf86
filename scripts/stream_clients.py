"""Bench helper for issue 16's live-count target: holds STREAMS server-sent event streams on one
round while a probe casts PROBE_RATE votes a second on one of its entries; every stream notes
when it first sees each new count, and the latency from the vote's acknowledgement to that
moment is reported (p50, p99, max) with the number of streams that saw the last probe vote.

  stream_clients.py PORT ADMIN_TOKEN TOKENS_FILE STREAMS SECONDS [PROBE_RATE]

Prints "OPEN <n>" once the streams are open (the bench then runs wrk beside them) and a
"STREAMS ..." summary line at the end."""
import http.client, json, resource, selectors, socket, sys, threading, time

port, admin, tokens_file, streams, seconds = int(sys.argv[1]), sys.argv[2], sys.argv[3], int(sys.argv[4]), float(sys.argv[5])
rate = float(sys.argv[6]) if len(sys.argv) > 6 else 20.0
soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
tokens = open(tokens_file).read().split()[-5000:]  # far from the tokens wrk uses


def call(method, path, body=None, token=None):
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    headers = {"Content-Type": "application/json"}
    if token:
        headers["Authorization"] = "Bearer " + token
    c.request(method, path, json.dumps(body) if body is not None else None, headers)
    r = c.getresponse()
    data = r.read()
    c.close()
    return r.status, json.loads(data) if data else {}


now = time.time()
iso = lambda t: time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(t))
status, round_ = call("POST", "/admin/rounds", {
    "name": "Stream bench", "submissions_open_at": iso(now - 60), "submissions_close_at": iso(now + 3600),
    "voting_opens_at": iso(now - 60), "voting_closes_at": iso(now + 3600), "mode": "budget", "budget": 100000,
    "votes_per_user_per_day": 10}, admin)
assert status == 201, (status, round_)
round_id = round_["id"]
ideas = []
for i in range(10):
    status, idea = call("POST", "/ideas", {"title": f"Stream bench entry {i}", "description": "d", "category": "community",
                                           "round_id": round_id, "requested_amount": 1000}, tokens[i])
    assert status == 201, (status, idea)
    ideas.append(idea["id"])
probe = ideas[0]
needle = b'"idea_id":%d,' % probe

selector = selectors.DefaultSelector()
request = b"GET /rounds/%d/events HTTP/1.1\r\nHost: bench\r\nAccept: text/event-stream\r\n\r\n" % round_id
seen = {}
buffers = {}
for i in range(streams):
    try:
        s = socket.create_connection(("127.0.0.1", port), timeout=5)
        s.sendall(request)
        s.setblocking(False)
    except OSError as e:
        print(f"stopped at {i}: {e}", flush=True)
        break
    selector.register(s, selectors.EVENT_READ)
    seen[s.fileno()] = 0
    buffers[s.fileno()] = b""
opened = len(seen)
print(f"OPEN {opened}", flush=True)

acks = {}
latencies = []
lock = threading.Lock()
stop = threading.Event()


def prober():
    next_token = 10
    interval = 1.0 / rate
    while not stop.is_set() and next_token < len(tokens):
        started = time.time()
        status, body = call("POST", f"/ideas/{probe}/votes", None, tokens[next_token])
        next_token += 1
        if status == 201:
            with lock:
                acks[body["votes"]] = time.time()
        time.sleep(max(0, interval - (time.time() - started)))


def count_in(message):
    at = message.rfind(needle)
    if at < 0:
        return None
    v = message.find(b'"votes":', at)
    end = v + 8
    while end < len(message) and 48 <= message[end] <= 57:
        end += 1
    return int(message[v + 8:end])


thread = threading.Thread(target=prober, daemon=True)
thread.start()
deadline = time.time() + seconds
closed = 0
while time.time() < deadline:
    for key, _ in selector.select(timeout=0.2):
        s = key.fileobj
        fd = s.fileno()
        try:
            data = s.recv(262144)
        except BlockingIOError:
            continue
        except OSError:
            data = b""
        if not data:
            selector.unregister(s)
            s.close()
            closed += 1
            continue
        buffer = buffers[fd] + data
        end = buffer.rfind(b"\n\n")
        if end < 0:
            buffers[fd] = buffer
            continue
        start = buffer.rfind(b"\n\n", 0, end)
        last = buffer[start + 2:end] if start >= 0 else buffer[:end]
        buffers[fd] = buffer[end + 2:]
        count = count_in(last)
        if count is None or count <= seen[fd]:
            continue
        t = time.time()
        with lock:
            for n in range(seen[fd] + 1, count + 1):
                if n in acks:
                    latencies.append(max(0.0, t - acks[n]))
        seen[fd] = count
stop.set()
thread.join()
# Give the last probe vote a moment to arrive everywhere, then count who saw it.
last = max(acks) if acks else 0
settle = time.time() + 2
while time.time() < settle:
    for key, _ in selector.select(timeout=0.1):
        s = key.fileobj
        try:
            data = s.recv(262144)
        except OSError:
            continue
        buffer = buffers[s.fileno()] + data
        end = buffer.rfind(b"\n\n")
        if end >= 0:
            start = buffer.rfind(b"\n\n", 0, end)
            count = count_in(buffer[start + 2:end] if start >= 0 else buffer[:end])
            if count is not None:
                seen[s.fileno()] = max(seen[s.fileno()], count)
            buffers[s.fileno()] = buffer[end + 2:]
        else:
            buffers[s.fileno()] = buffer
latencies.sort()
pick = lambda q: latencies[min(len(latencies) - 1, int(q * len(latencies)))] * 1000 if latencies else -1
everywhere = sum(1 for v in seen.values() if v >= last)
print(f"STREAMS opened={opened} closed_by_server={closed} probe_votes={len(acks)} samples={len(latencies)} "
      f"p50_ms={pick(0.5):.0f} p99_ms={pick(0.99):.0f} max_ms={(latencies[-1] * 1000 if latencies else -1):.0f} "
      f"saw_last_vote={everywhere}/{opened}", flush=True)
