-- Idea draws shared by vote-random.lua and ref-vote-random.lua (bench.sh puts this file first):
-- draw_setup(dist, ideas) once per thread, then draw_idea() per request.
--   uniform: every idea alike; zipf: popularity ~ 1/rank (s = 1.0); hot: idea 1 takes half.
local draw_dist, draw_ideas, draw_cdf = "uniform", 10000, nil
function draw_setup(dist, ideas)
  draw_dist, draw_ideas = dist or "uniform", ideas or 10000
  if draw_dist == "zipf" then
    draw_cdf = {}
    local sum = 0
    for k = 1, draw_ideas do sum = sum + 1 / k; draw_cdf[k] = sum end
    for k = 1, draw_ideas do draw_cdf[k] = draw_cdf[k] / sum end
  end
end
function draw_idea()
  if draw_dist == "hot" then
    if math.random() < 0.5 then return 1 end
    return math.random(2, draw_ideas)
  elseif draw_dist == "zipf" then
    local u, lo, hi = math.random(), 1, draw_ideas
    while lo < hi do
      local mid = math.floor((lo + hi) / 2)
      if draw_cdf[mid] < u then lo = mid + 1 else hi = mid end
    end
    return lo
  end
  return math.random(1, draw_ideas)
end
