-- GET /ideas/<random id in 1..IDEAS> as a browser asks for it: the HTML page, gzip accepted.
local IDEAS = 10000
function init(args)
  IDEAS = tonumber(args[1] or "10000")
  math.randomseed(os.time() * 1000 + tid)
end
function request()
  return wrk.format("GET", "/ideas/" .. math.random(1, IDEAS), {
    ["Accept"] = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8",
    ["Accept-Encoding"] = "gzip, deflate, br",
    ["Accept-Language"] = "ko-KR,ko;q=0.9,en;q=0.8"})
end
