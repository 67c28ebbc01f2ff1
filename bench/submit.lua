-- bench/submit.lua - wrk script: online dossier submissions (POST /api/v1/dossiers), each
-- with an Idempotency-Key of its own, from several citizens in turn.
--
-- Environment (set by bench/sections/submit.sh):
--   BENCH_SUBMIT_TOKENS  the citizens' API tokens, separated by commas (one per request, in turn)
--   BENCH_SUBMIT_BODY    a file holding the JSON body (a valid submission, e.g. of 1.013978)
-- Keys are "bench-<16 random hex digits of this wrk run>-<thread>-<n>", so no two requests of
-- any run ever share one. Prints "status: 201=N replayed=N other=N" at the end: only 201s
-- without Idempotent-Replayed count as submissions.
local tokens = {}
for t in string.gmatch(os.getenv("BENCH_SUBMIT_TOKENS") or "", "[^,]+") do
  tokens[#tokens + 1] = t
end
local body
do
  local f = assert(io.open(os.getenv("BENCH_SUBMIT_BODY") or "", "rb"), "BENCH_SUBMIT_BODY")
  body = f:read("*a")
  f:close()
end
local run
do
  local f = assert(io.open("/dev/urandom", "rb"))
  local b = f:read(8)
  f:close()
  run = string.gsub(b, ".", function(c) return string.format("%02x", string.byte(c)) end)
end

local threads = {}
local nthreads = 0
tid = 0 -- set in each thread's own state by setup()

function setup(thread)
  nthreads = nthreads + 1
  thread:set("tid", nthreads)
  table.insert(threads, thread)
end

function init(args)
  assert(#tokens > 0, "BENCH_SUBMIT_TOKENS is empty")
  s201, replayed, sother = 0, 0, 0
end

local n = 0
request = function()
  n = n + 1
  local tok = tokens[n % #tokens + 1]
  return wrk.format("POST", "/api/v1/dossiers", {
    ["Authorization"] = "Bearer " .. tok,
    ["Content-Type"] = "application/json",
    ["Idempotency-Key"] = "bench-" .. run .. "-" .. tostring(tid) .. "-" .. n,
  }, body)
end

response = function(status, headers, body)
  if status == 201 and headers["Idempotent-Replayed"] == nil then
    s201 = s201 + 1
  elseif status == 201 then
    replayed = replayed + 1
  else
    sother = sother + 1
  end
end

function done(summary, latency, requests)
  local a, b, c = 0, 0, 0
  for _, t in ipairs(threads) do
    a = a + t:get("s201"); b = b + t:get("replayed"); c = c + t:get("sother")
  end
  io.write(string.format("status: 201=%d replayed=%d other=%d\n", a, b, c))
end
