-- The search page in seven forms (by votes, by trend, a category, words, words by votes, all)
-- with a share of votes from random (customer, idea) pairs mixed in. Over the random template,
-- whose ideas start with no votes, every first vote for an idea enters the pages by votes.
-- Prepend common.lua. args: tokens-file vote-share (0.01 = 1 % of requests)
local tokens, ideas, share = {}, 10000, 0.01
local paths = {"/search?sort=top", "/search?sort=trending", "/search?category=food", "/search?category=drinks&sort=top",
  "/search?q=greener", "/search?q=city&sort=top", "/search"}
function init(args)
  math.randomseed(os.time() * 1000 + tid)
  tokens = bearer_tokens(args[1], 2000)
  share = tonumber(args[2] or "0.01")
end
function request()
  if math.random() < share then
    return wrk.format("POST", "/ideas/" .. math.random(1, ideas) .. "/votes", { ["Authorization"] = tokens[math.random(1, #tokens)] })
  end
  return wrk.format("GET", paths[math.random(1, #paths)], {["Accept"] = "text/html", ["Accept-Encoding"] = "gzip", ["Accept-Language"] = "ko"})
end
