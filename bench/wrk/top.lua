function request()
  return wrk.format("GET", "/ideas?sort=top&limit=20")
end
