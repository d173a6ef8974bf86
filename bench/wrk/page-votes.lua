-- HTML pages (gzip, Korean) with a share of votes from random (customer, idea) pairs mixed in:
-- what keeping pages past votes that leave what they show, and one render per page, are for.
-- Prepend common.lua. args: tokens-file vote-share (0.01 = 1 % of requests) [pages]
-- pages: "idea" (random ideas of 10,000; the default), "home", or "search" (seven forms: by votes,
-- by trend, a category, a category by votes, words, words by votes, all). Over the random template,
-- whose ideas start with no votes, every first vote for an idea enters the pages by votes or trend.
local tokens, ideas, share, pages = {}, 10000, 0.1, "idea"
local searches = {"/search?sort=top", "/search?sort=trending", "/search?category=food", "/search?category=drinks&sort=top",
  "/search?q=greener", "/search?q=city&sort=top", "/search"}
function init(args)
  math.randomseed(os.time() * 1000 + tid)
  tokens = bearer_tokens(args[1], 2000)
  share = tonumber(args[2] or "0.1")
  pages = args[3] or "idea"
end
local function page()
  if pages == "home" then return "/" end
  if pages == "search" then return searches[math.random(1, #searches)] end
  return "/ideas/" .. math.random(1, ideas)
end
function request()
  if math.random() < share then
    return wrk.format("POST", "/ideas/" .. math.random(1, ideas) .. "/votes", { ["Authorization"] = tokens[math.random(1, #tokens)] })
  end
  return wrk.format("GET", page(), {
    ["Accept"] = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8",
    ["Accept-Encoding"] = "gzip, deflate, br",
    ["Accept-Language"] = "ko-KR,ko;q=0.9,en;q=0.8"})
end
