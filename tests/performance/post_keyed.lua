-- wrk script: post.lua with a client key (`-- <bodies file> [key]`) in Authorization: Bearer.
local requests = {}
local index = 0

function init(args)
  local headers = { ["Content-Type"] = "application/json" }
  if args[2] and args[2] ~= "" then
    headers["Authorization"] = "Bearer " .. args[2]
  end
  for line in io.lines(args[1]) do
    if line ~= "" then
      requests[#requests + 1] = wrk.format("POST", nil, headers, line)
    end
  end
end

function request()
  index = index % #requests + 1
  return requests[index]
end

function done(summary, latency, _)
  local e = summary.errors
  -- Latencies in microseconds. errors.status counts responses with a status >= 400; a
  -- response() hook would see every status but makes wrk parse each response in Lua.
  io.write(string.format(
    'WRK_JSON {"duration_us":%d,"requests":%d,"bytes":%d,' ..
    '"errors":{"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d},' ..
    '"latency_us":{"min":%d,"mean":%.1f,"max":%d,"p50":%d,"p90":%d,"p99":%d}}\n',
    summary.duration, summary.requests, summary.bytes,
    e.connect, e.read, e.write, e.status, e.timeout,
    latency.min, latency.mean, latency.max,
    latency:percentile(50), latency:percentile(90), latency:percentile(99)))
end
