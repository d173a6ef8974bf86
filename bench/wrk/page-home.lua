-- GET / as a browser asks for it: the home page (top, trending, newest, categories), gzip accepted.
function request()
  return wrk.format("GET", "/", {
    ["Accept"] = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8",
    ["Accept-Encoding"] = "gzip, deflate, br",
    ["Accept-Language"] = "en-US,en;q=0.9"})
end
