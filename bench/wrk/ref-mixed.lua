-- The reference's side of mixed.lua: 90 % idea reads (the reference has no lists or search),
-- 10 % votes from random (customer, idea) pairs. args: customers ideas
local counter = 0
function setup(thread)
  counter = counter + 1
  thread:set("tid", counter)
end
local ideas, customers = 10000, 2000
function init(args)
  math.randomseed(os.time() * 1000 + tid)
  customers = tonumber(args[1] or "2000")
  ideas = tonumber(args[2] or "10000")
end
local headers = { ["Content-Type"] = "application/json" }
function request()
  if math.random() < 0.9 then return wrk.format("GET", "/ideas/" .. math.random(1, ideas)) end
  local body = string.format('{"voter_id":"c%d"}', math.random(1, customers))
  return wrk.format("POST", "/ideas/" .. math.random(1, ideas) .. "/votes", headers, body)
end
