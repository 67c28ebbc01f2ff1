-- bench/track.lua - wrk script: public status lookups, GET /api/v1/track/{code}, over real
-- dossier codes in a shuffled order (each connection's thread walks the whole list in turn).
--
-- Environment (set by bench/sections/track.sh and dossier_scale.sh):
--   BENCH_TRACK_CODES_<port>  a file of dossier codes, one a line (bench/gen-dossiers.py
--                      --codes), for the egov on that port (several egovs in one section)
--   BENCH_TRACK_CODES  the same, for any port without a file of its own
--   BENCH_TRACK_DELAY  ms each connection waits between requests (default 0: back to back);
--                      used to run at about half the maximum rate
-- Prints "status: 200=N other=N" at the end; anything but 200 means a code was not found.
local codes = {}
do
  local path = os.getenv("BENCH_TRACK_CODES_" .. (wrk.port or "")) or os.getenv("BENCH_TRACK_CODES")
  local f = assert(io.open(path or "", "r"), "BENCH_TRACK_CODES(_" .. (wrk.port or "") .. ")")
  for line in f:lines() do
    if #line > 0 then codes[#codes + 1] = line end
  end
  f:close()
end
local pause = tonumber(os.getenv("BENCH_TRACK_DELAY") or "0") or 0
local threads = {}
local nthreads = 0
tid = 0 -- set in each thread's own state by setup()

function setup(thread)
  nthreads = nthreads + 1
  thread:set("tid", nthreads)
  table.insert(threads, thread)
end

function init(args)
  assert(#codes > 0, "no codes in BENCH_TRACK_CODES")
  s200, sother = 0, 0
end

local i
request = function()
  -- Threads start at different places so that they do not look up the same codes together.
  i = ((i or (tid * 7919)) % #codes) + 1
  return wrk.format("GET", "/api/v1/track/" .. codes[i])
end

response = function(status, headers, body)
  if status == 200 then s200 = s200 + 1 else sother = sother + 1 end
end

if pause > 0 then
  delay = function() return pause end
end

function done(summary, latency, requests)
  local a, b = 0, 0
  for _, t in ipairs(threads) do
    a = a + t:get("s200"); b = b + t:get("sother")
  end
  io.write(string.format("status: 200=%d other=%d\n", a, b))
end
