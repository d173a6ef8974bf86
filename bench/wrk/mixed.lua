-- Real browsing: 90 % reads (an idea page 50 %, the top list 20 %, a search 20 %) and 10 %
-- votes from random (customer, idea) pairs. args: tokens-file customers ideas
local tokens, ideas = {}, 10000
local words = { "garden", "bicycle", "lantern", "recycling", "playground", "library", "fountain", "market",
                "compost", "bakery", "mural", "workshop", "orchard", "festival", "tram", "bench" }
function init(args)
  math.randomseed(os.time() * 1000 + tid)
  ideas = tonumber(args[3] or "10000")
  tokens = bearer_tokens(args[1], tonumber(args[2] or "2000"))
end
function request()
  local r = math.random()
  if r < 0.5 then return wrk.format("GET", "/ideas/" .. math.random(1, ideas)) end
  if r < 0.7 then return wrk.format("GET", "/ideas?sort=top&limit=20") end
  if r < 0.9 then return wrk.format("GET", "/ideas?q=" .. words[math.random(1, #words)] .. "&limit=20") end
  return wrk.format("POST", "/ideas/" .. math.random(1, ideas) .. "/votes", { ["Authorization"] = tokens[math.random(1, #tokens)] })
end
