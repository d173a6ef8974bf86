function request()
  return wrk.format("GET", "/healthz")
end
