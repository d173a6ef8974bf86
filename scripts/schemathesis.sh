#!/usr/bin/env bash
# Runs schemathesis against the live server with docs/openapi.yaml as the contract: no 5xx,
# status codes, content types and bodies as documented, for every operation, once with an
# admin token and once with a customer token. Called by .ci/run after `make test`.
set -euo pipefail
cd "$(dirname "$0")/.."
ST_VERSION=${ST_VERSION:-4.32.5}
EXAMPLES=${EXAMPLES:-40}
venv=.build-venv
ST_VERSION=$ST_VERSION scripts/venv.sh
bin="$(swift build --show-bin-path)/groundswell"
[ -x "$bin" ] || swift build --product groundswell
work=$(mktemp -d)
pid=""
cleanup() { [ -n "$pid" ] && kill "$pid" 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT
status=0
# Each pass gets a fresh server and database, so one pass (say, an admin banning the test
# customer) cannot change what the other sees.
for who in admin customer; do
  rm -f "$work"/st.sqlite*
  "$bin" serve --port 0 --db "$work/st.sqlite" --admin-token st-admin --access-log off --log-level error > "$work/server.log" 2>&1 &
  pid=$!
  for _ in $(seq 1 100); do grep -q "listening on" "$work/server.log" 2>/dev/null && break; sleep 0.1; done
  url=$(grep -o 'http://127.0.0.1:[0-9]*' "$work/server.log" | head -1)
  [ -n "$url" ] || { echo "schemathesis: server did not start"; cat "$work/server.log"; exit 1; }
  customer=$(curl -fs -X POST "$url/users" -d '{"name":"Schema","email":"schema@example.com"}' | python3 -c 'import json,sys; print(json.load(sys.stdin)["token"])')
  curl -fs -X POST "$url/ideas" -H "Authorization: Bearer $customer" -d '{"title":"Seed idea","description":"d","category":"c"}' > /dev/null
  token=st-admin; [ "$who" = customer ] && token=$customer
  echo "== schemathesis as $who"
  # Event streams never end by themselves: their contract is checked by LiveEventsTests instead.
  "$venv/bin/st" run docs/openapi.yaml --url "$url" -H "Authorization: Bearer $token" --exclude-path-regex "/events$" \
    --checks not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance \
    --phases examples,fuzzing,stateful --max-examples "$EXAMPLES" --workers 2 --seed 1 > "$work/st-$who.txt" 2>&1 || status=1
  sed -n '/^API Operations:/,$p' "$work/st-$who.txt"
  grep -q "FAILURES" "$work/st-$who.txt" && sed -n '/FAILURES/,/WARNINGS/p' "$work/st-$who.txt" | head -150
  if ! kill -0 "$pid" 2>/dev/null; then
    echo "schemathesis: the server died; its log ends with:"; grep -E "Fatal|error|at /" "$work/server.log" | head -40
    status=1
  else
    kill "$pid"; wait "$pid" 2>/dev/null || true
  fi
  pid=""
  if grep -qiE "fatal error|panic|unhandled error" "$work/server.log"; then
    echo "schemathesis: the server logged a crash or an unhandled error:"; grep -iE "fatal error|panic|unhandled error" "$work/server.log" | head -20
    status=1
  fi
done
exit $status
