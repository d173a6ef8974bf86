-- The home page (gzip, Korean) with a share of votes from random (customer, idea) pairs mixed in:
-- what keeping the home page past votes that leave its lists, and one render per page, are for.
-- Prepend common.lua. args: tokens-file vote-share (0.01 = 1 % of requests)
local tokens, ideas, share = {}, 10000, 0.01
function init(args)
  math.randomseed(os.time() * 1000 + tid)
  tokens = bearer_tokens(args[1], 2000)
  share = tonumber(args[2] or "0.01")
end
function request()
  if math.random() < share then
    return wrk.format("POST", "/ideas/" .. math.random(1, ideas) .. "/votes", { ["Authorization"] = tokens[math.random(1, #tokens)] })
  end
  return wrk.format("GET", "/", {["Accept"] = "text/html", ["Accept-Encoding"] = "gzip", ["Accept-Language"] = "ko"})
end
