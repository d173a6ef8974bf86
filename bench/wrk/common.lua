-- Shared by every Groundswell wrk script: numbers each thread, loads customers' tokens.
local counter = 0
function setup(thread)
  counter = counter + 1
  thread:set("tid", counter)
end

-- The first `count` tokens of `path` (one per line), as Authorization header values.
function bearer_tokens(path, count)
  local tokens = {}
  for line in io.lines(path) do
    tokens[#tokens + 1] = "Bearer " .. line
    if #tokens >= count then break end
  end
  return tokens
end
