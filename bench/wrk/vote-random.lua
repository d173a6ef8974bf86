-- POST /ideas/<id>/votes as real traffic: each request a (customer, idea) pair drawn at random
-- (draw.lua), signed by that customer's token. Repeated pairs answer 409 already_voted, as in life.
-- args: tokens-file distribution(uniform|zipf|hot) customers ideas
local tokens = {}
function init(args)
  math.randomseed(os.time() * 1000 + tid)
  tokens = bearer_tokens(args[1], tonumber(args[3] or "2000"))
  draw_setup(args[2], tonumber(args[4] or "10000"))
end
function request()
  return wrk.format("POST", "/ideas/" .. draw_idea() .. "/votes", { ["Authorization"] = tokens[math.random(1, #tokens)] })
end
