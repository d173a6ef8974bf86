-- Appended to each script: one machine-readable line (same format as ../shared/peers, plus the
-- mean latency and the run's length: with one request in flight per connection, Little's law
-- gives requests x mean latency = connections x duration, and bench.sh reads how far wrk's
-- coordinated-omission correction took its latencies above that).
function done(summary, latency, requests)
  local secs = summary.duration / 1e6
  local e = summary.errors
  io.write(string.format("WRKRESULT requests=%d rps=%.1f p50_us=%d p99_us=%d max_us=%d non2xx=%d sock_err=%d mean_us=%.0f dur_us=%d\n",
    summary.requests, summary.requests / secs, latency:percentile(50), latency:percentile(99), latency.max,
    e.status, e.connect + e.read + e.write + e.timeout, latency.mean, summary.duration))
end
