#!/usr/bin/env bash
# make bench: seeds a database (10,000 ideas, 50,000 customers with tokens), then runs
# Groundswell and, if built (make bench-peers), the Hummingbird reference, alternately,
# ROUNDS times, with wrk (THREADS x CONNS, DURATION s after WARMUP s), and prints one
# table of medians with the ratios. Loopback only; every wrk run is bounded by timeout.
set -euo pipefail
cd "$(dirname "$0")/.."
ROUNDS=${ROUNDS:-3}; THREADS=${THREADS:-2}; CONNS=${CONNS:-64}; DURATION=${DURATION:-10}; WARMUP=${WARMUP:-2}
ENDPOINTS=${ENDPOINTS-"healthz idea page-idea page-idea-miss page-home vote top search engagement search-ko"}
IDLE=${IDLE:-10000}
PEERS=${PEERS:-../shared/peers}
command -v wrk >/dev/null || { echo "bench: wrk not found (apt-get install wrk)" >&2; exit 2; }
bin=${BIN:-"$(swift build -c release --show-bin-path)/groundswell"}
[ -x "$bin" ] || { echo "bench: build first (make release)" >&2; exit 2; }
hb=".build-peers/hummingbird/release/HummingbirdRef"
[ -x "$hb" ] || hb="$PEERS/hummingbird-ref/.build/release/HummingbirdRef"
out=bench/out; mkdir -p "$out"
results="$out/results-$(date -u +%Y%m%dT%H%M%SZ).txt"; : > "$results"
tck=$(getconf CLK_TCK)

if [ ! -f "$out/template.sqlite" ] || [ "$bin" -nt "$out/template.sqlite" ]; then
  rm -f "$out"/template.sqlite*
  "$bin" seed --db "$out/template.sqlite" --users 50000 --ideas 10000 --tokens-out "$out/tokens.txt" > /dev/null
fi
# The same data set in Korean, for the Korean search endpoint.
if [ ! -f "$out/template-ko.sqlite" ] || [ "$bin" -nt "$out/template-ko.sqlite" ]; then
  rm -f "$out"/template-ko.sqlite*
  "$bin" seed --db "$out/template-ko.sqlite" --users 50000 --ideas 10000 --lang ko > /dev/null
fi

pid=""
cleanup() { [ -n "$pid" ] && kill "$pid" 2>/dev/null || true; [ -n "${node_pids:-}" ] && kill $node_pids ${lb:-} 2>/dev/null || true; }
trap cleanup EXIT

# Refuses to start a server on a port something already listens on: a server left running by
# an interrupted run would answer instead, and its figures would be taken for the new one's.
ensure_port_free() {
  if (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; then
    echo "bench: port $1 is already in use (a server left running?); stop it first" >&2; exit 1
  fi
}
wait_ready() { for _ in $(seq 1 100); do curl -fs -o /dev/null "$1" && return 0; sleep 0.1; done; echo "bench: $1 did not come up" >&2; return 1; }
# CPU ticks (user + system) of the given processes together.
cpu_ticks() {
  local total=0 p f
  for p in "$@"; do
    [ -r "/proc/$p/stat" ] || continue
    f=$(sed 's/^.*) //' "/proc/$p/stat"); set -- $f; total=$((total + ${12} + ${13}))
  done
  echo "$total"
}
peak_rss() { awk '/^VmHWM:/ { printf "%.1f", $2 / 1024 }' "/proc/$1/status"; }
fds() { ls "/proc/$1/fd" | wc -l; }

# Each server starts after sync(1), so neither measures the kernel still writing back a fresh
# database copy (that showed up as fsync stalls in the first round).
start_ours() {
  rm -f "$out"/run.sqlite*; cp "$out/${1:-template}.sqlite" "$out/run.sqlite"; sync
  launch_ours; wait_ready "$url/healthz"
}
# Starts the server on $out/run.sqlite without waiting for it.
launch_ours() {
  ensure_port_free 8180
  "$bin" serve --port 8180 --db "$out/run.sqlite" --admin-token bench --access-log "${ACCESS_LOG:-on}" --sync "${SYNC:-full}" --rate-limit "${RATE_LIMIT:-on}" --rate-limit-exempt 127.0.0.0/8 --max-connections-per-address 0 ${EXTRA_FLAGS:-} > "$out/server.log" 2>&1 &
  pid=$!; url=http://127.0.0.1:8180
}
start_hb() {
  rm -f "$out"/hb.sqlite*
  ensure_port_free 8181
  PORT=8181 DB_PATH="$out/hb.sqlite" "$hb" > "$out/hb.log" 2>&1 &
  pid=$!; url=http://127.0.0.1:8181; wait_ready "$url/hello"; sync
}
stop() { kill "$pid"; wait "$pid" 2>/dev/null || true; pid=""; }

# measure LABEL ENDPOINT SCRIPT URLPATH [args...]
measure() {
  local label=$1 endpoint=$2 script=$3 path=$4; shift 4
  cat "$script" bench/wrk/report.lua > "$out/run.lua"
  if grep -q "draw_idea" "$script"; then cat bench/wrk/draw.lua "$out/run.lua" > "$out/run2.lua"; mv "$out/run2.lua" "$out/run.lua"; fi
  if [ -f bench/wrk/common.lua ] && ! grep -q "function setup" "$script"; then cat bench/wrk/common.lua "$out/run.lua" > "$out/run2.lua"; mv "$out/run2.lua" "$out/run.lua"; fi
  local warm_args=("$@") main_args=("$@")
  if [ "$endpoint" = vote ]; then warm_args+=(5000); main_args+=(0); fi
  timeout $((WARMUP + 15)) wrk -t"$THREADS" -c"$CONNS" -d"${WARMUP}s" --timeout 2s -s "$out/run.lua" "$url$path" -- "${warm_args[@]}" > /dev/null 2>&1 || true
  # CPU of the server, or of every process serving (PIDS: nodes, PostgreSQL, the balancer).
  local t0; t0=$(cpu_ticks ${PIDS:-$pid})
  local from; from=$(date -u +%Y-%m-%dT%H:%M:%S.%3NZ)
  timeout $((DURATION + 15)) wrk -t"$THREADS" -c"$CONNS" -d"${DURATION}s" --timeout 2s -s "$out/run.lua" "$url$path" -- "${main_args[@]}" > "$out/wrk.txt" 2>&1 || true
  local t1; t1=$(cpu_ticks ${PIDS:-$pid})
  local to; to=$(date -u +%Y-%m-%dT%H:%M:%S.%3NZ)
  local line; line=$(grep '^WRKRESULT' "$out/wrk.txt" || echo "WRKRESULT rps=0 p50_us=0 p99_us=0 non2xx=-1 sock_err=-1 requests=0 mean_us=0 dur_us=1")
  local cpu; cpu=$(awk -v d=$((t1 - t0)) -v hz="$tck" -v s="$DURATION" 'BEGIN { printf "%.0f", d / hz / s * 100 }')
  get() { printf '%s\n' "$line" | tr ' ' '\n' | awk -F= -v k="$1" '$1 == k { print $2 }'; }
  # wrk corrects its latencies for coordinated omission: a request slower than twice the mean
  # interval between a connection's requests adds the requests a steady client would have sent
  # meanwhile (its stats_correct), so one 250 ms stall of all 64 connections adds ~4,000 samples
  # and sets p99. By Little's law requests x mean latency / (connections x duration) is ~1.00
  # without stalls; above 1 it measures the added samples. The server's own p99 of the requests
  # it served is printed next to wrk's.
  local busy; busy=$(awk -v r="$(get requests)" -v m="$(get mean_us)" -v d="$(get dur_us)" -v c="$CONNS" 'BEGIN { printf "%.2f", r * m / (c * d) }')
  printf '%s %s %s %s %s %s %s %s %s %s %s\n' "$label" "$endpoint" "$(get rps)" "$(get p50_us)" "$(get p99_us)" "$(get non2xx)" "$(get sock_err)" "$cpu" "$(peak_rss "$pid")" "$(server_p99 "$label" "$from" "$to")" "$busy" | tee -a "$results"
}

# The 99th percentile of the request durations the server itself logged between two UTC
# timestamps (its access log: `<time> info groundswell: METHOD PATH STATUS 1.234ms ...`, timed
# from the parsed request to the response on the monotonic clock), in µs; "-" without a log.
server_p99() {
  [ "$1" = groundswell ] && [ "${ACCESS_LOG:-on}" = on ] && [ -f "$out/server.log" ] || { echo -; return; }
  sleep 0.1  # the log thread writes out every 50 ms
  awk -v from="$2" -v to="$3" '$1 >= from && $1 <= to && $6 ~ /^[1-5][0-9][0-9]$/ && $7 ~ /^[0-9.]+ms$/ { sub("ms", "", $7); print $7 * 1000 }' "$out/server.log" \
    | sort -n | awk '{ v[NR] = $1 } END { if (NR == 0) print "-"; else { i = int(NR * 0.99 + 0.5); if (i < 1) i = 1; printf "%.0f\n", v[i] } }'
}

echo "# $(date -u +%FT%TZ) $(uname -srm) cores=$(nproc); wrk -t$THREADS -c$CONNS -d${DURATION}s (+${WARMUP}s warm-up), $ROUNDS rounds (the scale, idle, flood, round-close and upload sections run once)" | tee -a "$results"
echo "# server endpoint req/s p50_us p99_us non2xx sock_err server_cpu% peak_rss_MiB server_p99_us wrk_co" | tee -a "$results"
for round in $(seq 1 "$ROUNDS"); do
  [ -n "$ENDPOINTS" ] || break
  start_ours
  for ep in $ENDPOINTS; do
    case $ep in
      healthz) measure groundswell healthz bench/wrk/healthz.lua /healthz ;;
      idea)    measure groundswell idea bench/wrk/idea.lua /ideas/1 10000 ;;
      # The web site's pages (issue 15): HTML, gzip, random ideas.
      page-idea) measure groundswell page-idea bench/wrk/page-idea.lua /ideas/1 10000 ;;
      page-idea-miss) measure groundswell page-idea-miss bench/wrk/page-idea-miss.lua /ideas/1 10000 ;;
      page-home) measure groundswell page-home bench/wrk/page-home.lua / ;;
      vote)    measure groundswell vote bench/wrk/vote.lua /ideas/1/votes "$PWD/$out/tokens.txt" "$THREADS" 10000 ;;
      top)     measure groundswell top bench/wrk/top.lua /ideas ;;
      search)  measure groundswell search bench/wrk/search.lua /ideas ;;
      engagement) measure groundswell engagement bench/wrk/engagement.lua /admin/engagement ;;
    esac
  done
  stop
  if [[ " $ENDPOINTS " == *" search-ko "* ]]; then
    start_ours template-ko
    measure groundswell search-ko bench/wrk/search-ko.lua /ideas
    stop
  fi
  if [ -x "$hb" ]; then
    start_hb
    for ep in healthz idea vote; do
      case $ep in
        healthz) measure hummingbird healthz "$PEERS/wrk/hello.lua" /hello ;;
        idea)    measure hummingbird idea "$PEERS/wrk/ideas.lua" /ideas/1 ;;
        vote)    measure hummingbird vote "$PEERS/wrk/votes.lua" /ideas/1/votes ;;
      esac
    done
    stop
  fi
done

# Votes as real traffic (issue 14): random (customer, idea) pairs, uniform, Zipf (s = 1.0) and one
# hot idea taking half, and a 90 % read / 10 % vote mix; 2,000 and 200,000 customers; each side
# by side with the reference on the same draws, alternating, the access log on and going to a
# file; uniform with 2,000 customers once more with the access log off.
RANDOM_VOTES=${RANDOM_VOTES-"uniform zipf hot mixed"}
CUSTOMERS=${CUSTOMERS-"2000 200000"}
random_template() {
  if [ ! -f "$out/template-random.sqlite" ] || [ "$bin" -nt "$out/template-random.sqlite" ]; then
    rm -f "$out"/template-random.sqlite*
    "$bin" seed --db "$out/template-random.sqlite" --users 200000 --ideas 10000 --tokens-out "$out/tokens-random.txt" > /dev/null
  fi
}
if [ -n "$RANDOM_VOTES" ]; then
  random_template
  for round in $(seq 1 "$ROUNDS"); do
    for n in $CUSTOMERS; do
      for w in $RANDOM_VOTES; do
        start_ours template-random
        if [ "$w" = mixed ]; then
          measure groundswell "mixed-$n" bench/wrk/mixed.lua /ideas "$PWD/$out/tokens-random.txt" "$n" 10000
        else
          measure groundswell "vote-$w-$n" bench/wrk/vote-random.lua /ideas "$PWD/$out/tokens-random.txt" "$w" "$n" 10000
        fi
        stop
        if [ -x "$hb" ]; then
          start_hb
          if [ "$w" = mixed ]; then
            measure hummingbird "mixed-$n" bench/wrk/ref-mixed.lua /ideas "$n" 10000
          else
            measure hummingbird "vote-$w-$n" bench/wrk/ref-vote-random.lua /ideas "$w" "$n" 10000
          fi
          stop
        fi
      done
    done
    ACCESS_LOG=off start_ours template-random
    measure groundswell "vote-uniform-2000-nolog" bench/wrk/vote-random.lua /ideas "$PWD/$out/tokens-random.txt" uniform 2000 10000
    stop
  done
fi

# Times round closes through the real server (built by `make bench` and `make bench-scale`).
closebench="$(swift build -c release --show-bin-path)/CloseBench"

# Nodes (issue 19): uniform random votes (200,000 customers) on 1 node over SQLite, then on 1, 2
# and 3 nodes sharing one PostgreSQL (its own throw-away cluster, fsync on, as SQLite's --sync
# full), 2 and 3 behind HAProxy. All on this machine's cores, so a ratio, not a scale-out claim;
# the CPU column is every serving process together (nodes, PostgreSQL, HAProxy), and the line
# after each run gives the CPU time per acknowledged vote.
NODES=${NODES-"1 2 3"}
pgbin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
if [ -n "$NODES" ] && [ -n "$pgbin" ] && command -v haproxy >/dev/null; then
  random_template
  pgdir=/tmp/groundswell-bench-pg; pgport=8190
  as_owner() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
  as_owner "$pgbin/pg_ctl" -D "$pgdir/data" -m immediate stop > /dev/null 2>&1 || true
  rm -rf "$pgdir"; mkdir -p "$pgdir"; [ "$(id -u)" = 0 ] && chown postgres "$pgdir"
  as_owner "$pgbin/initdb" -D "$pgdir/data" -A trust -U groundswell -E UTF8 --locale=C.UTF-8 > /dev/null
  as_owner "$pgbin/pg_ctl" -D "$pgdir/data" -l "$pgdir/server.log" -w -o "-p $pgport -k $pgdir -c listen_addresses=127.0.0.1 -c max_connections=200 -c shared_buffers=128MB" start > /dev/null
  pgurl() { echo "postgres://groundswell@127.0.0.1:$pgport/$1"; }
  as_owner "$pgbin/createdb" -h 127.0.0.1 -p $pgport -U groundswell gs_template
  "$bin" migrate-store --from "sqlite:$out/template-random.sqlite" --to "$(pgurl gs_template)" > "$out/migrate-store.txt"
  node_pids=""
  start_nodes() {
    as_owner "$pgbin/dropdb" -h 127.0.0.1 -p $pgport -U groundswell --if-exists gs_run
    as_owner "$pgbin/createdb" -h 127.0.0.1 -p $pgport -U groundswell -T gs_template gs_run
    node_pids=""; local servers="" i
    for i in $(seq 1 "$1"); do
      mkdir -p "$out/node$i"
      (cd "$out/node$i" && GROUNDSWELL_ADDRESS_KEY=$(printf '5a%.0s' $(seq 1 32)) exec "$bin" serve --port $((8200 + i)) --db "$(pgurl gs_run)" --admin-token bench \
        --access-log "${ACCESS_LOG:-on}" --rate-limit off --max-connections-per-address 0 > server.log 2>&1) &
      node_pids="$node_pids $!"; servers="$servers    server n$i 127.0.0.1:$((8200 + i))"$'\n'
      wait_ready "http://127.0.0.1:$((8200 + i))/healthz"
    done
    pid=${node_pids# }; pid=${pid%% *}; url=http://127.0.0.1:8201; lb=""
    if [ "$1" -gt 1 ]; then
      printf 'global\n    maxconn 4096\ndefaults\n    mode http\n    timeout connect 1s\n    timeout client 30s\n    timeout server 30s\nfrontend f\n    bind 127.0.0.1:8200\n    default_backend n\nbackend n\n    balance roundrobin\n%s' "$servers" > "$out/haproxy.cfg"
      haproxy -f "$out/haproxy.cfg" -db > /dev/null 2>&1 & lb=$!
      url=http://127.0.0.1:8200; wait_ready "$url/healthz"
    fi
    PIDS="$node_pids $lb $(pgrep -d ' ' -f "$pgdir/data" || true) $(pgrep -d ' ' -P "$(head -1 "$pgdir/data/postmaster.pid")" || true)"
  }
  stop_nodes() { kill $node_pids $lb 2>/dev/null || true; wait $node_pids $lb 2>/dev/null || true; pid=""; PIDS=""; }
  per_vote() { tail -1 "$results" | awk '{ if ($3 > 0) printf "# %s: %.0f us of CPU per vote (all serving processes)\n", $2, $8 / 100 * 1000000 / $3 }' | tee -a "$results"; }
  for round in $(seq 1 "$ROUNDS"); do
    start_ours template-random
    PIDS="$pid" measure groundswell "nodes-sqlite-1" bench/wrk/vote-random.lua /ideas "$PWD/$out/tokens-random.txt" uniform 200000 10000; per_vote
    stop
    for n in $NODES; do
      start_nodes "$n"
      measure groundswell "nodes-postgres-$n" bench/wrk/vote-random.lua /ideas "$PWD/$out/tokens-random.txt" uniform 200000 10000; per_vote
      stop_nodes
    done
  done
  # The round close of the section below (1,000 ideas, 1,000,000 votes) on this PostgreSQL: the
  # SQLite file it seeds is copied over first, then closed there (bulk writes in pipelines).
  if [ "${CLOSE_BENCH:-1}" = 1 ] && [ -x "$closebench" ]; then
    as_owner "$pgbin/createdb" -h 127.0.0.1 -p $pgport -U groundswell gs_close
    "$closebench" 1000 100000 10 "$(pgurl gs_close)" | sed 's/^/# /' | tee -a "$results"
  fi
  as_owner "$pgbin/pg_ctl" -D "$pgdir/data" -m fast stop > /dev/null || true
fi

# Live counts (issue 16): STREAMS server-sent event streams on one round while votes flow (uniform
# random votes, 2,000 customers) and a probe votes 20 times a second on one of the round's entries:
# vote throughput beside the streams against the same run without them, the server's RSS, and how
# long each probe vote took to reach the streams (p50/p99/max), with how many saw the last one.
STREAMS=${STREAMS:-10000}
if [ "$STREAMS" -gt 0 ] && command -v python3 >/dev/null; then
  random_template
  for round in $(seq 1 "$ROUNDS"); do
    EXTRA_FLAGS="--max-streams-per-client 100000" start_ours template-random
    measure groundswell "vote-uniform-2000-nostreams" bench/wrk/vote-random.lua /ideas "$PWD/$out/tokens-random.txt" uniform 2000 10000
    rss0=$(awk '/^VmRSS:/ { printf "%.1f", $2 / 1024 }' "/proc/$pid/status")
    python3 scripts/stream_clients.py 8180 bench "$PWD/$out/tokens-random.txt" "$STREAMS" $((WARMUP + DURATION + 4)) > "$out/streams.txt" 2>&1 & sc=$!
    for _ in $(seq 1 600); do grep -q OPEN "$out/streams.txt" 2>/dev/null && break; sleep 0.1; done
    opened=$(grep -o 'OPEN [0-9]*' "$out/streams.txt" | awk '{print $2}')
    rss1=$(awk '/^VmRSS:/ { printf "%.1f", $2 / 1024 }' "/proc/$pid/status")
    c0=$(cpu_ticks "$sc")
    measure groundswell "vote-uniform-2000-streams" bench/wrk/vote-random.lua /ideas "$PWD/$out/tokens-random.txt" uniform 2000 10000
    rss2=$(awk '/^VmRSS:/ { printf "%.1f", $2 / 1024 }' "/proc/$pid/status")
    c1=$(cpu_ticks "$sc")
    client_cpu=$(awk -v d=$((c1 - c0)) -v hz="$tck" -v s="$((WARMUP + DURATION))" 'BEGIN { printf "%.0f", d / hz / s * 100 }')
    wait $sc || true
    echo "# streams: ${opened:-0} open; server RSS ${rss0} MiB before, ${rss1} MiB with them open, ${rss2} MiB after the votes; the stream client used ${client_cpu}% of a core; $(grep '^STREAMS' "$out/streams.txt" || tail -3 "$out/streams.txt")" | tee -a "$results"
    stop
  done
fi

# Idle keep-alive connections: open IDLE, then measure a live client beside them.
if [ "$IDLE" -gt 0 ] && command -v python3 >/dev/null; then
  start_ours
  rss0=$(awk '/^VmRSS:/ { printf "%.1f", $2 / 1024 }' "/proc/$pid/status")
  python3 scripts/idle_clients.py 8180 "$IDLE" 40 > "$out/idle.txt" 2>&1 & idle=$!
  for _ in $(seq 1 300); do grep -q OPEN "$out/idle.txt" 2>/dev/null && break; sleep 0.1; done
  opened=$(grep -o 'OPEN [0-9]*' "$out/idle.txt" | awk '{print $2}')
  CONNS=16 DURATION=5 WARMUP=0 measure groundswell "healthz+${opened:-0}idle" bench/wrk/healthz.lua /healthz > /dev/null
  tail -1 "$results"
  rss1=$(awk '/^VmRSS:/ { printf "%.1f", $2 / 1024 }' "/proc/$pid/status")
  echo "# idle: ${opened:-0} idle connections held; RSS ${rss0} MiB before, ${rss1} MiB with them; server fds $(fds "$pid")" | tee -a "$results"
  kill $idle 2>/dev/null || true; wait $idle 2>/dev/null || true
  stop
fi

# 100,000 malformed requests: memory and open files must come back to where they were.
if [ "${FLOOD:-100000}" -gt 0 ] && command -v python3 >/dev/null; then
  start_ours
  python3 scripts/flood.py 8180 "$pid" "${FLOOD:-100000}" | sed 's/^/# /' | tee -a "$results"
  stop
fi

# The 1,000,000 ideas / 1,000,000 customers / 20,000,000 votes data set (issue 14; SCALE=1, which
# `make bench-scale` sets). Seeded once into $out/scale.sqlite (or SCALE_DB, an existing file from
# `groundswell seed`, whose customers' tokens are gsu_seed_N); then a copy of it, read once first so
# the page cache holds it as it would on a server that has run a while: start-up to the first
# /healthz, database size and bytes per vote, random ideas, top, trending, search and random votes
# (200,000 customers x 1,000,000 ideas), each row's peak RSS, and closing a round of 100,000 ideas.
if [ "${SCALE:-0}" = 1 ]; then
  scale=${SCALE_DB:-$out/scale.sqlite}
  if [ ! -f "$scale" ]; then
    seeded=$(date +%s)
    # Under another name until complete, so that an interrupted seed is not taken for the data set.
    rm -f "$scale".seeding*
    "$bin" seed --db "$scale.seeding" --users 1000000 --ideas 1000000 --votes 20000000 > /dev/null
    mv "$scale.seeding" "$scale"; rm -f "$scale".seeding*
    echo "# scale: seeded 1,000,000 customers, 1,000,000 ideas and 20,000,000 votes in $(( $(date +%s) - seeded )) s" | tee -a "$results"
  fi
  awk 'BEGIN { for (i = 1; i <= 200000; i++) print "gsu_seed_" i }' > "$out/tokens-scale.txt"
  rm -f "$out"/run.sqlite*; cp "$scale" "$out/run.sqlite"; cat "$out/run.sqlite" > /dev/null; sync
  bytes=$(stat -c %s "$out/run.sqlite")
  votes=$(python3 -c 'import sqlite3, sys; print(sqlite3.connect("file:" + sys.argv[1] + "?mode=ro", uri=True).execute("SELECT count(*) FROM votes").fetchone()[0])' "$out/run.sqlite")
  started=$(date +%s%N)
  launch_ours
  for _ in $(seq 1 3000); do curl -fs -o /dev/null "$url/healthz" && break; sleep 0.01; done
  ready=$(date +%s%N)
  echo "# scale: start-up to the first /healthz $(awk -v d=$((ready - started)) 'BEGIN { printf "%.2f", d / 1e9 }') s, RSS then $(awk '/^VmRSS:/ { printf "%.1f", $2 / 1024 }' "/proc/$pid/status") MiB; database $(awk -v b="$bytes" 'BEGIN { printf "%.2f", b / 1e9 }') GB, $votes votes, $(awk -v b="$bytes" -v v="$votes" 'BEGIN { if (v > 0) printf "%.0f", b / v; else print "-" }') bytes of file per vote" | tee -a "$results"
  measure groundswell scale-idea bench/wrk/idea.lua /ideas/1 1000000
  measure groundswell scale-top bench/wrk/top.lua /ideas top
  measure groundswell scale-trending bench/wrk/top.lua /ideas trending
  measure groundswell scale-search bench/wrk/search.lua /ideas
  measure groundswell scale-vote bench/wrk/vote-random.lua /ideas "$PWD/$out/tokens-scale.txt" uniform 200000 1000000
  stop
  [ -x "$closebench" ] && "$closebench" 100000 100000 10 | sed 's/^/# scale: /' | tee -a "$results"
fi

# Closing a big round (1,000 ideas, 4 tiers, 1,000,000 votes from 100,000 voters).
if [ "${CLOSE_BENCH:-1}" = 1 ]; then
  [ -x "$closebench" ] && "$closebench" | sed 's/^/# /' | tee -a "$results"
fi

# Picture uploads (issue 18): photo-like JPEGs over 4 connections, then 100 at once; the
# server's memory before, at peak and after.
if [ "${UPLOAD_BENCH:-1}" = 1 ]; then
  uploadbench="$(swift build -c release --show-bin-path)/UploadBench"
  if [ -x "$uploadbench" ]; then
    start_ours
    "$uploadbench" 8180 "$pid" 4 "$DURATION" | sed 's/^/# /' | tee -a "$results"
    stop
  fi
fi

echo
awk '
  /^#/ { next }
  { key = $1 " " $2; n[key]++; rps[key, n[key]] = $3; p99[key, n[key]] = $5; rss[key, n[key]] = $9; non2xx[key] += $6;
    srv[key, n[key]] = ($10 == "" || $10 == "-") ? -1 : $10; if ($11 + 0 > 1.05) odd[key]++
    if (!(key in seen)) { seen[key] = 1; order[++k] = key } }
  function median(a, key, c,   i, j, t, v) {
    for (i = 1; i <= c; i++) v[i] = a[key, i]
    for (i = 1; i <= c; i++) for (j = i + 1; j <= c; j++) if (v[j] + 0 < v[i] + 0) { t = v[i]; v[i] = v[j]; v[j] = t }
    return (c % 2) ? v[(c + 1) / 2] : (v[c / 2] + v[c / 2 + 1]) / 2
  }
  END {
    printf "%-12s %-18s %10s %9s %9s %8s %12s %13s %12s\n", "server", "endpoint", "req/s", "p99 ms", "peak MiB", "non2xx", "vs reference", "server p99 ms", "wrk co>1.05"
    for (i = 1; i <= k; i++) {
      key = order[i]; split(key, parts, " ")
      r = median(rps, key, n[key]); ref = "hummingbird " parts[2]; ratio = "-"
      if (parts[1] == "groundswell" && (ref in n)) ratio = sprintf("%.2fx", r / median(rps, ref, n[ref]))
      s = median(srv, key, n[key]); s = (s < 0) ? "-" : sprintf("%.3f", s / 1000)
      printf "%-12s %-18s %10.0f %9.2f %9.1f %8d %12s %13s %12s\n", parts[1], parts[2], r, median(p99, key, n[key]) / 1000, median(rss, key, n[key]), non2xx[key], ratio, s, (odd[key] + 0) "/" n[key]
    }
  }' "$results" | tee "$out/table.txt"
echo "# raw lines in $results"
