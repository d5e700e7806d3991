-- The readers of bench/load_site.py, for wrk:
--   wrk -t2 -c32 -d10s -s bench/load_readers.lua URL -- MIX RUN THREADS [beacon]
-- MIX "one": one client (one address behind the trusted proxy, one browser), no cookies.
-- MIX "new": every page view a new reader: a new address in X-Forwarded-For, one of a few
--   browsers' User-Agents, no cookies. RUN (1-255) gives each wrk run its own addresses
--   (10.RUN.x.y: 65,536 page views per run before one comes back).
-- "beacon": each page view is the page's GET and then the visit counter's beacon POST, as
--   beacon.js sends it (the page-cache setup, where nginx serves the GET).
-- done() prints one JSON line with what the bench reports, the latency at every 0.1 % included.

local agents = {
  "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0.0.0 Safari/537.36",
  "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:132.0) Gecko/20100101 Firefox/132.0",
  "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Safari/605.1.15",
  "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1",
  "Mozilla/5.0 (Linux; Android 14; SM-A546E) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0.0.0 Mobile Safari/537.36",
  "Mozilla/5.0 (Linux; Android 13; Redmi Note 12) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/129.0.0.0 Mobile Safari/537.36 CocCoc/1.0",
  "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0.0.0 Safari/537.36 Edg/130.0.0.0",
  "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0",
}

local started = 0
function setup(thread)
  started = started + 1
  thread:set("tid", started)
end

local mix, run, threads, beacon
function init(args)
  mix, run, threads, beacon = args[1], tonumber(args[2]), tonumber(args[3]), args[4] == "beacon"
end

local function reader(view)
  if mix == "one" then
    return "10.0.0.1", agents[1]
  end
  local k = (view * threads + tid - 1) % 65536
  return string.format("10.%d.%d.%d", run, math.floor(k / 256), k % 256), agents[view % #agents + 1]
end

local sent = 0
request = function()
  local view = beacon and math.floor(sent / 2) or sent
  local address, agent = reader(view)
  local headers = {["User-Agent"] = agent, ["X-Forwarded-For"] = address}
  local second = beacon and sent % 2 == 1
  sent = sent + 1
  if second then
    headers["Sec-Fetch-Site"] = "same-origin"
    return wrk.format("POST", "/visit_counter/hit", headers, "")
  end
  return wrk.format("GET", nil, headers)
end

done = function(summary, latency, requests)
  local e = summary.errors
  local permille = {}  -- the latency at each 0.1 %, so that rounds can be pooled
  for k = 1, 999 do
    permille[k] = string.format("%.2f", latency:percentile(k / 10) / 1e3)
  end
  io.write(string.format(
    '{"requests": %d, "seconds": %.3f, "p50_ms": %.2f, "p99_ms": %.2f, "max_ms": %.2f, ' ..
    '"socket_errors": %d, "non_2xx": %d, "permille_ms": [%s]}\n',
    summary.requests, summary.duration / 1e6, latency:percentile(50) / 1e3,
    latency:percentile(99) / 1e3, latency.max / 1e3, e.connect + e.read + e.write + e.timeout, e.status,
    table.concat(permille, ", ")))
end
