-- wrk script: post.lua's requests, and every response counted by status; a 503 counts apart
-- with and without Retry-After (shedding must say when to come back). Slower than post.lua:
-- wrk hands each response to Lua. Usage: wrk -s statuses.lua <url> -- <bodies file>
local requests = {}
local index = 0
local threads = {}
counts = {} -- global: done() reads each thread's copy through thread:get

function setup(thread)
  threads[#threads + 1] = thread
end

function init(args)
  local headers = { ["Content-Type"] = "application/json" }
  for line in io.lines(args[1]) do
    if line ~= "" then
      requests[#requests + 1] = wrk.format("POST", nil, headers, line)
    end
  end
  if #requests == 0 then
    error("no request bodies in " .. tostring(args[1]))
  end
end

function request()
  index = index % #requests + 1
  return requests[index]
end

function response(status, headers, _)
  local key = tostring(status)
  if status == 503 then
    local retry = headers["retry-after"] or headers["Retry-After"]
    key = retry and "503+retry-after" or "503"
  end
  counts[key] = (counts[key] or 0) + 1
end

function done(summary, latency, _)
  local merged = {}
  for _, thread in ipairs(threads) do
    for key, n in pairs(thread:get("counts") or {}) do
      merged[key] = (merged[key] or 0) + n
    end
  end
  local parts = {}
  for key, n in pairs(merged) do
    parts[#parts + 1] = string.format('"%s":%d', key, n)
  end
  local e = summary.errors
  io.write(string.format(
    'WRK_JSON {"duration_us":%d,"requests":%d,"bytes":%d,' ..
    '"errors":{"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d},' ..
    '"latency_us":{"min":%d,"mean":%.1f,"max":%d,"p50":%d,"p90":%d,"p99":%d},' ..
    '"statuses":{%s}}\n',
    summary.duration, summary.requests, summary.bytes,
    e.connect, e.read, e.write, e.status, e.timeout,
    latency.min, latency.mean, latency.max,
    latency:percentile(50), latency:percentile(90), latency:percentile(99),
    table.concat(parts, ",")))
end
