-- GET /ideas/<random id> as a browser, with a query string no request repeats: every page
-- misses the anonymous page cache, so this is what reading, rendering and compressing costs.
local IDEAS = 10000
local n = 0
function init(args)
  IDEAS = tonumber(args[1] or "10000")
  math.randomseed(os.time() * 1000 + tid)
end
function request()
  n = n + 1
  return wrk.format("GET", "/ideas/" .. math.random(1, IDEAS) .. "?miss=" .. tid .. "-" .. n, {
    ["Accept"] = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8",
    ["Accept-Encoding"] = "gzip, deflate, br",
    ["Accept-Language"] = "ko-KR,ko;q=0.9,en;q=0.8"})
end
