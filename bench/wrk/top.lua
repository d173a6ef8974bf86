-- GET /ideas?sort=<top, or the first argument: trending, new>&limit=20
local sort = "top"
function init(args)
  sort = args[1] or "top"
end
function request()
  return wrk.format("GET", "/ideas?sort=" .. sort .. "&limit=20")
end
