-- wrk script for bench/run.py: requests args[1] (a path); "{n}" in it becomes a
-- number unique to this request, so every request can miss the cache. done() prints
-- the figures as one JSON line for run.py to read.

local threads = 0

function setup(thread)
  threads = threads + 1
  thread:set("id", threads)
end

function init(args)
  path = args[1]
  run = args[2] or ""
  counter = 0
end

function request()
  counter = counter + 1
  return wrk.format(nil, (path:gsub("{n}", run .. "x" .. id .. "x" .. counter)))
end

function done(summary, latency, requests)
  local errors = summary.errors
  io.write(string.format(
    'BENCH-JSON {"requests": %d, "duration_us": %d, "p50_us": %d, "p99_us": %d, "mean_us": %.0f, '
      .. '"errors": {"connect": %d, "read": %d, "write": %d, "status": %d, "timeout": %d}}\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99), latency.mean,
    errors.connect, errors.read, errors.write, errors.status, errors.timeout
  ))
end
