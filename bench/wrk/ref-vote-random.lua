-- The reference's side of vote-random.lua: the same (customer, idea) draws, the customer sent
-- as the reference's voter_id. args: distribution customers ideas
local counter = 0
function setup(thread)
  counter = counter + 1
  thread:set("tid", counter)
end
local ideas, dist, cdf, customers = 10000, "uniform", nil, 2000
function init(args)
  math.randomseed(os.time() * 1000 + tid)
  dist = args[1] or "uniform"
  customers = tonumber(args[2] or "2000")
  ideas = tonumber(args[3] or "10000")
  if dist == "zipf" then
    cdf = {}
    local sum = 0
    for k = 1, ideas do sum = sum + 1 / k; cdf[k] = sum end
    for k = 1, ideas do cdf[k] = cdf[k] / sum end
  end
end
local function pick_idea()
  if dist == "hot" then
    if math.random() < 0.5 then return 1 end
    return math.random(2, ideas)
  elseif dist == "zipf" then
    local u, lo, hi = math.random(), 1, ideas
    while lo < hi do
      local mid = math.floor((lo + hi) / 2)
      if cdf[mid] < u then lo = mid + 1 else hi = mid end
    end
    return lo
  end
  return math.random(1, ideas)
end
local headers = { ["Content-Type"] = "application/json" }
function request()
  local body = string.format('{"voter_id":"c%d"}', math.random(1, customers))
  return wrk.format("POST", "/ideas/" .. pick_idea() .. "/votes", headers, body)
end
