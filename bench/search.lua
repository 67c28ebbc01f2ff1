-- bench/search.lua - wrk script: procedure searches as people type them, in turn.
-- The path prefix comes from the environment (BENCH_SEARCH_PATH, default the API),
-- so the same queries run against the API and against the results page.
local prefix = os.getenv("BENCH_SEARCH_PATH") or "/api/v1/procedures?q="
local queries = {
  "dang+ky+khai+sinh", "%C4%91%C4%83ng+k%C3%BD+k%E1%BA%BFt+h%C3%B4n", "khai+tu",
  "giay+phep+xay+dung", "ho+kinh+doanh", "cap+lai+giay+chung+nhan", "so+do",
  "thu+tuc+dang+ky+tam+tru", "chung+thuc+ban+sao", "tro+cap+xa+hoi",
}
local i = 0

request = function()
  i = i % #queries + 1
  return wrk.format("GET", prefix .. queries[i])
end
