#!/usr/bin/env bash
# make fuzz: builds libFuzzer targets for the HTTP request parser and JSON body decoding
# (swiftc -sanitize=fuzzer,address) and runs each for FUZZ_SECONDS (default 60).
# Crashes land in fuzz/out/<target>/ and fail the script; turn each into a regression test.
# CI runs it for a few seconds a target (.ci/run), so the targets keep building as the parser grows.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${FUZZ_SECONDS:-60}
out=fuzz/out; mkdir -p "$out"
http_sources="Sources/HTTPServer/RequestParser.swift Sources/HTTPServer/HeadParser.swift Sources/HTTPServer/Request.swift
  Sources/HTTPServer/HTTPHeaders.swift Sources/HTTPServer/HTTPMethod.swift Sources/HTTPServer/HTTPStatus.swift
  Sources/HTTPServer/HTTPError.swift Sources/HTTPServer/Response.swift Sources/HTTPServer/ParserLimits.swift
  Sources/JSON/JSONString.swift Sources/JSON/DecimalDigits.swift Sources/HTTPServer/ResponseStream.swift
  Sources/HTTPServer/SpooledBody.swift Sources/HTTPServer/SpoolPolicy.swift"
json_sources="Sources/JSON/JSONValue.swift Sources/JSON/JSONParser.swift Sources/JSON/JSONWriter.swift Sources/JSON/Timestamp.swift Sources/JSON/JSONString.swift Sources/JSON/DecimalDigits.swift Sources/HTTPServer/ResponseEncoder.swift
  Sources/HTTPServer/HTTPError.swift Sources/HTTPServer/HTTPStatus.swift Sources/HTTPServer/HTTPHeaders.swift Sources/HTTPServer/Response.swift Sources/HTTPServer/ResponseStream.swift"
build() {  # name sources...
  local name=$1; shift
  # The JSON sources import HTTPServer; compiled together they need no import.
  local tmp; tmp=$(mktemp -d)
  for f in "$@"; do sed -e "s/^import HTTPServer$//" -e "s/^import JSON$//" "$f" > "$tmp/$(basename "$f")"; done
  swiftc -sanitize=fuzzer,address -parse-as-library -O -module-name "Fuzz$name" "$tmp"/*.swift "fuzz/Fuzz$name.swift" \
    -o "$out/fuzz-$name" 2> "$out/build-$name.log" || { cat "$out/build-$name.log"; exit 1; }
  rm -rf "$tmp"
}
build HTTPParser $http_sources
build JSON $json_sources
# A target that stops early (a crash, a leak, a timeout) fails the script, after both have run.
status=0
for target in HTTPParser:http JSON:json; do
  name=${target%%:*}; corpus=${target##*:}
  mkdir -p "$out/$name" "$out/corpus-$corpus"
  echo "== fuzzing $name for ${seconds}s"
  rc=0
  "$out/fuzz-$name" -max_total_time="$seconds" -artifact_prefix="$out/$name/" -print_final_stats=1 \
    "$out/corpus-$corpus" "fuzz/corpus/$corpus" > "$out/$name.log" 2>&1 || rc=$?
  grep -E "stat::number_of_executed_units|stat::peak_rss|Done|ERROR|crash" "$out/$name.log" || true
  if [ "$rc" -ne 0 ]; then
    echo "== $name stopped early (exit $rc): the input is in $out/$name/, the report in $out/$name.log"
    status=1
  fi
done
exit "$status"
