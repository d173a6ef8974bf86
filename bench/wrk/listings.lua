-- Listings while votes change them: 90 % listing pages — top or trending, unfiltered, by one of
-- the seeded categories, by status, or a search ordered by votes — and 10 % votes from random
-- (customer, idea) pairs, so every commit retires the cached pages and most listings are
-- computed afresh. args: tokens-file customers ideas
local tokens, ideas = {}, 10000
local sorts = { "top", "trending" }
local filters = { "", "", "&category=drinks", "&category=community", "&status=submitted", "&q=garden", "&q=lantern" }
function init(args)
  math.randomseed(os.time() * 1000 + tid)
  ideas = tonumber(args[3] or "10000")
  tokens = bearer_tokens(args[1], tonumber(args[2] or "2000"))
end
function request()
  if math.random() < 0.9 then
    return wrk.format("GET", "/ideas?sort=" .. sorts[math.random(1, #sorts)] .. filters[math.random(1, #filters)] .. "&limit=20")
  end
  return wrk.format("POST", "/ideas/" .. math.random(1, ideas) .. "/votes", { ["Authorization"] = tokens[math.random(1, #tokens)] })
end
