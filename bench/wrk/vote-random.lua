-- POST /ideas/<id>/votes as real traffic: each request a (customer, idea) pair drawn at random,
-- signed by that customer's token. Repeated pairs answer 409 already_voted, as in life.
-- args: tokens-file distribution(uniform|zipf|hot) customers ideas
--   uniform: every idea alike; zipf: idea popularity ~ 1/rank (s = 1.0); hot: idea 1 takes half.
local tokens, ideas, dist, cdf = {}, 10000, "uniform", nil
function init(args)
  math.randomseed(os.time() * 1000 + tid)
  dist = args[2] or "uniform"
  local customers = tonumber(args[3] or "2000")
  ideas = tonumber(args[4] or "10000")
  for line in io.lines(args[1]) do
    tokens[#tokens + 1] = "Bearer " .. line
    if #tokens >= customers then break end
  end
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
function request()
  return wrk.format("POST", "/ideas/" .. pick_idea() .. "/votes", { ["Authorization"] = tokens[math.random(1, #tokens)] })
end
