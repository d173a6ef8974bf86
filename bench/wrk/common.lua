-- Shared by every Groundswell wrk script: numbers each thread, reads script arguments.
local counter = 0
function setup(thread)
  counter = counter + 1
  thread:set("tid", counter)
end
