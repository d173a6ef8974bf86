-- The reference's side of vote-random.lua: the same (customer, idea) draws (draw.lua), the
-- customer sent as the reference's voter_id. args: distribution customers ideas
local counter = 0
function setup(thread)
  counter = counter + 1
  thread:set("tid", counter)
end
local customers = 2000
function init(args)
  math.randomseed(os.time() * 1000 + tid)
  customers = tonumber(args[2] or "2000")
  draw_setup(args[1], tonumber(args[3] or "10000"))
end
local headers = { ["Content-Type"] = "application/json" }
function request()
  local body = string.format('{"voter_id":"c%d"}', math.random(1, customers))
  return wrk.format("POST", "/ideas/" .. draw_idea() .. "/votes", headers, body)
end
