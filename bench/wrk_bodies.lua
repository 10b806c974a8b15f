-- POST bodies in rotation for wrk (bench/http_load.py): one JSON body per line of the file
-- named by WRK_BODIES, headers as a flat JSON object of strings in WRK_HEADERS, an optional
-- pause before each request in WRK_DELAY_MS (spread as WRK_PAUSES says), an optional first
-- line WRK_OFFSET (0-based: a second run goes on where the first stopped). The summary is one
-- JSON line.
local bodies = {}
for line in io.lines(os.getenv("WRK_BODIES")) do
  bodies[#bodies + 1] = line
end
local headers = {}
for name, value in string.gmatch(os.getenv("WRK_HEADERS"), '"([^"]+)": "([^"]*)"') do
  headers[name] = value
end
local pause = tonumber(os.getenv("WRK_DELAY_MS") or "0")
local next_body = tonumber(os.getenv("WRK_OFFSET") or "0") % #bodies
problems = 0
stock_changed = 0

request = function()
  next_body = next_body % #bodies + 1
  return wrk.format("POST", "/graphql", headers, bodies[next_body])
end

-- WRK_PAUSES: "even" gives every connection the same pause; "random" draws each pause from
-- an exponential law of that mean (seeded, so runs repeat), as independent shoppers do. Even
-- pauses keep connections in lockstep: a worker's 16 requests answered together come back
-- together after the same pause.
local random_pauses = (os.getenv("WRK_PAUSES") or "even") == "random"
math.randomseed(tonumber(os.getenv("WRK_SEED") or "1"))

-- wrk waits whole milliseconds (it truncates what delay returns): the fractions are carried
-- over, so that the pauses average the one asked for.
local carried = 0
if pause > 0 then
  delay = function()
    if random_pauses then
      carried = carried - pause * math.log(1 - math.random())
    else
      carried = carried + pause
    end
    local whole = math.floor(carried)
    carried = carried - whole
    return whole
  end
end

response = function(status, _, body)
  if status ~= 200 or string.find(body, '"errors"', 1, true) then
    problems = problems + 1
  end
  if string.find(body, "StockChanged", 1, true) then
    stock_changed = stock_changed + 1
  end
end

local threads = {}
setup = function(thread)
  threads[#threads + 1] = thread
end

done = function(summary, latency, _)
  local p, s = 0, 0
  for _, thread in ipairs(threads) do
    p = p + thread:get("problems")
    s = s + thread:get("stock_changed")
  end
  local e = summary.errors
  io.write(string.format(
    '{"requests": %d, "duration_us": %d, "p50_us": %d, "p99_us": %d, "non2xx": %d, '
      .. '"socket_errors": %d, "problems": %d, "stock_changed": %d}\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99),
    e.status, e.connect + e.read + e.write + e.timeout, p, s))
end
