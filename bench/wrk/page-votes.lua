-- HTML idea pages (random ideas of 10,000, gzip, Korean) with a share of votes from random
-- (customer, idea) pairs mixed in: what keeping idea pages past other ideas' votes is for.
-- Prepend common.lua. args: tokens-file vote-share (0.01 = 1 % of requests)
local tokens, ideas, share = {}, 10000, 0.1
function init(args)
  math.randomseed(os.time() * 1000 + tid)
  tokens = bearer_tokens(args[1], 2000)
  share = tonumber(args[2] or "0.1")
end
function request()
  if math.random() < share then
    return wrk.format("POST", "/ideas/" .. math.random(1, ideas) .. "/votes", { ["Authorization"] = tokens[math.random(1, #tokens)] })
  end
  return wrk.format("GET", "/ideas/" .. math.random(1, ideas), {
    ["Accept"] = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8",
    ["Accept-Encoding"] = "gzip, deflate, br",
    ["Accept-Language"] = "ko-KR,ko;q=0.9,en;q=0.8"})
end
