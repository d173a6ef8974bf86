-- POST /ideas/<id>/votes, each request signed by a different customer from the seeded
-- token file; (customer, idea) pairs never repeat, so every vote is a new row.
-- args: tokens-file threads ideas round-offset
local tokens = {}
local n = 0
local first, count, ideas, offset
function init(args)
  local all = {}
  for line in io.lines(args[1]) do all[#all + 1] = line end
  local threads = tonumber(args[2])
  ideas = tonumber(args[3] or "10000")
  offset = tonumber(args[4] or "0")
  count = math.floor(#all / threads)
  first = (tid - 1) * count
  for i = 1, count do tokens[i] = "Bearer " .. all[first + i] end
end
function request()
  local u = n % count
  local round = math.floor(n / count) + offset
  n = n + 1
  local idea = (first + u + round * 7919) % ideas + 1
  return wrk.format("POST", "/ideas/" .. idea .. "/votes", { ["Authorization"] = tokens[u + 1] })
end
