-- GET /admin/engagement (the console's analytics, issue 17) as staff keep asking for it: the
-- three default views (weekly, daily, monthly) in turn, signed with the bench admin token.
local views = { "/admin/engagement", "/admin/engagement?interval=day", "/admin/engagement?interval=month" }
local n = 0
function request()
  n = n + 1
  return wrk.format("GET", views[n % 3 + 1], { ["Authorization"] = "Bearer bench" })
end
