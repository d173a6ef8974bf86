-- GET /ideas?q=<a word from the seeder's vocabulary>
local words = { "garden", "bicycle", "lantern", "recycling", "playground", "library", "fountain", "market",
                "compost", "bakery", "mural", "workshop", "orchard", "festival", "tram", "bench" }
function init(args)
  math.randomseed(os.time() * 1000 + tid)
end
function request()
  return wrk.format("GET", "/ideas?q=" .. words[math.random(1, #words)] .. "&limit=20")
end
