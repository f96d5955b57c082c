-- wrk script of scripts/bench-edge.sh: POSTs the JSON body of a file to the
-- URL (a `.jsonl` file holds several bodies, one per line: each request
-- sends the next one in turn). Given a file of session tokens, every request is a checkout by the
-- next token in turn, under an Idempotency-Key of its own (PREFIX-thread-n),
-- so that none is answered as a replay. At the end it prints one line,
-- "bench-edge {json}", with what the bench script's row needs.
--
--   wrk ... -s scripts/bench-edge.lua URL -- BODY.json [TOKENS.txt PREFIX]

local function slurp(file)
  local f = assert(io.open(file, "rb"))
  local text = f:read("*a")
  f:close()
  return text
end

local threads = 0
function setup(thread)
  threads = threads + 1
  thread:set("thread_id", threads)
end

local bodies, tokens, prefix, sent = {}, {}, nil, 0
function init(args)
  if args[1]:match("%.jsonl$") then
    for line in slurp(args[1]):gmatch("[^\n]+") do
      bodies[#bodies + 1] = line
    end
  else
    bodies[1] = slurp(args[1])
  end
  if args[2] then
    for token in slurp(args[2]):gmatch("[^\n]+") do
      tokens[#tokens + 1] = token
    end
    prefix = args[3] .. "-" .. thread_id
  end
  wrk.method = "POST"
  wrk.body = bodies[1]
  wrk.headers["Content-Type"] = "application/json"
end

function request()
  if #tokens == 0 then
    return wrk.format()
  end
  sent = sent + 1
  return wrk.format(nil, nil, {
    ["Content-Type"] = "application/json",
    ["Authorization"] = "Bearer " .. tokens[(sent + 7 * thread_id) % #tokens + 1],
    ["Idempotency-Key"] = prefix .. "-" .. sent,
  }, bodies[sent % #bodies + 1])
end

function done(summary, latency)
  local e = summary.errors
  io.write(string.format(
    'bench-edge {"requests":%d,"duration_us":%d,"p50_us":%d,"p99_us":%d,"non_2xx_3xx":%d,"socket_errors":%d}\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99),
    e.status, e.connect + e.read + e.write + e.timeout))
end
