-- GET /ideas/<random id in 1..IDEAS>
local IDEAS = 10000
function init(args)
  IDEAS = tonumber(args[1] or "10000")
  math.randomseed(os.time() * 1000 + tid)
end
function request()
  return wrk.format("GET", "/ideas/" .. math.random(1, IDEAS))
end
