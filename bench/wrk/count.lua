-- Counts what wrk saw: requests written, 302 answers, other answers; prints one JSON line.
local threads = {}

function setup(thread)
  table.insert(threads, thread)
end

function init(args)
  sent = 0
  c302 = 0
  other = 0
end

function request()
  sent = sent + 1
  return wrk.format()
end

function response(status, headers, body)
  if status == 302 then
    c302 = c302 + 1
  else
    other = other + 1
  end
end

function done(summary, latency, requests)
  local s, r, o = 0, 0, 0
  for _, t in ipairs(threads) do
    s = s + t:get("sent")
    r = r + t:get("c302")
    o = o + t:get("other")
  end
  local e = summary.errors
  io.write(string.format(
    'BENCH_JSON {"requests":%d,"duration_us":%d,"sent":%d,"status_302":%d,"status_other":%d,' ..
    '"errors":{"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d},' ..
    '"latency_us":{"p50":%d,"p90":%d,"p99":%d,"max":%d,"mean":%.1f}}\n',
    summary.requests, summary.duration, s, r, o,
    e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max, latency.mean))
end
