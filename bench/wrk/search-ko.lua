-- GET /ideas?q=<a Korean word from the seeder's vocabulary> (seed --lang ko): the same shape as
-- search.lua on the Korean data set; descriptions attach particles (정원을, 벤치를), so every hit
-- goes through the bigram index and the query's stem.
-- Words, percent-encoded: 정원 자전거 등불 재활용 놀이터 도서관 분수 시장 퇴비 빵집 벽화 공방 과수원 축제 전차 벤치
local words = { "%EC%A0%95%EC%9B%90", "%EC%9E%90%EC%A0%84%EA%B1%B0", "%EB%93%B1%EB%B6%88", "%EC%9E%AC%ED%99%9C%EC%9A%A9", "%EB%86%80%EC%9D%B4%ED%84%B0", "%EB%8F%84%EC%84%9C%EA%B4%80", "%EB%B6%84%EC%88%98", "%EC%8B%9C%EC%9E%A5", "%ED%87%B4%EB%B9%84", "%EB%B9%B5%EC%A7%91", "%EB%B2%BD%ED%99%94", "%EA%B3%B5%EB%B0%A9", "%EA%B3%BC%EC%88%98%EC%9B%90", "%EC%B6%95%EC%A0%9C", "%EC%A0%84%EC%B0%A8", "%EB%B2%A4%EC%B9%98" }
function init(args)
  math.randomseed(os.time() * 1000 + tid)
end
function request()
  return wrk.format("GET", "/ideas?q=" .. words[math.random(1, #words)] .. "&limit=20")
end
