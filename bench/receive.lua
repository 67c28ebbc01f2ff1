-- bench/receive.lua - wrk script: a workflow transition by a civil servant, the desk
-- receiving submitted dossiers (POST /api/v1/dossiers/{code}/actions {"action":"receive"}),
-- each dossier once.
--
-- Environment (set by bench/sections/submit.sh):
--   BENCH_RECEIVE_TOKEN  the desk officer's API token
--   BENCH_RECEIVE_CODES  a file of "CODE VERSION" lines: submitted dossiers, none received yet
--   BENCH_WRK_THREADS    wrk's -t (default 1): thread k of n takes every n-th line from the k-th
-- Prints "status: 200=N 409=N other=N exhausted=N" at the end. exhausted > 0 means the list ran
-- out before the run ended and dossiers were asked twice (answered 409): the run is not valid.
local token = os.getenv("BENCH_RECEIVE_TOKEN") or ""
local list = {}
do
  local f = assert(io.open(os.getenv("BENCH_RECEIVE_CODES") or "", "r"), "BENCH_RECEIVE_CODES")
  for line in f:lines() do
    local code, version = string.match(line, "^(%S+)%s+(%d+)")
    if code then list[#list + 1] = {code, version} end
  end
  f:close()
end
local nth = tonumber(os.getenv("BENCH_WRK_THREADS") or "1") or 1
local threads = {}
local nthreads = 0
tid = 0 -- set in each thread's own state by setup()

function setup(thread)
  nthreads = nthreads + 1
  thread:set("tid", nthreads)
  table.insert(threads, thread)
end

function init(args)
  assert(#list > 0, "no codes in BENCH_RECEIVE_CODES")
  s200, s409, sother, exhausted = 0, 0, 0, 0
end

local i
request = function()
  i = (i or (tid - nth)) + nth
  local e = list[i]
  if not e then
    exhausted = exhausted + 1
    e = list[(i - 1) % #list + 1]
  end
  return wrk.format("POST", "/api/v1/dossiers/" .. e[1] .. "/actions", {
    ["Authorization"] = "Bearer " .. token,
    ["Content-Type"] = "application/json",
  }, '{"action":"receive","version":' .. e[2] .. '}')
end

response = function(status, headers, body)
  if status == 200 then s200 = s200 + 1
  elseif status == 409 then s409 = s409 + 1
  else sother = sother + 1 end
end

function done(summary, latency, requests)
  local a, b, c, d = 0, 0, 0, 0
  for _, t in ipairs(threads) do
    a = a + t:get("s200"); b = b + t:get("s409"); c = c + t:get("sother"); d = d + t:get("exhausted")
  end
  io.write(string.format("status: 200=%d 409=%d other=%d exhausted=%d\n", a, b, c, d))
end
