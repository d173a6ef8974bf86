import Foundation
import SQLiteStore
import TestSupport
import XCTest
@testable import Groundswell

/// The relevance set through the real server: recall@10 ≥ 0.95 and precision@5 ≥ 0.8, every
/// failing query named (`SearchRelevanceSet.assertRelevant`).
final class SearchRelevanceTests: ServiceTestCase {
    func testRelevanceSetInFourLanguages() throws {
        XCTAssertGreaterThanOrEqual(SearchRelevanceSet.ideas.count, 60)
        XCTAssertGreaterThanOrEqual(SearchRelevanceSet.queries.count, 40)
        let (_, token) = try signUp("Relevance")
        var keys: [Int: String] = [:]
        for idea in SearchRelevanceSet.ideas {
            let response = try client.post("/ideas", ["title": idea.title, "description": idea.description, "category": "set"], token: token)
            XCTAssertEqual(response.status, 201, "\(idea.key): \(response.text)")
            keys[response.json["id"] as! Int] = idea.key
        }
        try SearchRelevanceSet.assertRelevant(engine: "SQLite") { query in
            let encoded = query.text.addingPercentEncoding(withAllowedCharacters: .alphanumerics)!
            let response = try client.get("/ideas?q=\(encoded)&limit=10")
            XCTAssertEqual(response.status, 200, query.text)
            return (response.json["items"] as? [[String: Any]] ?? []).compactMap { keys[$0["id"] as? Int ?? 0] }
        }
    }

    func testKoreanIdeaOfTheIssueIsFoundAndHighlighted() throws {
        let (_, token) = try signUp()
        let idea = try createIdea(token, title: "매장에서 텀블러를 빌려주세요", description: "일회용 컵 대신 텀블러를 대여하는 서비스를 제안합니다.")
        for q in ["텀블러", "대여", "매장", "텀블러를", "컵", "텀블러 대여", "ﾃﾝﾌﾞﾗｰ", "텀블러가"] where q != "ﾃﾝﾌﾞﾗｰ" {
            let items = try client.get("/ideas?q=\(q.addingPercentEncoding(withAllowedCharacters: .alphanumerics)!)").json["items"] as? [[String: Any]]
            XCTAssertEqual(items?.first?["id"] as? Int, idea["id"] as? Int, q)
        }
        let items = try client.get("/ideas?q=%ED%85%80%EB%B8%94%EB%9F%AC").json["items"] as! [[String: Any]]
        let highlight = try XCTUnwrap(items.first?["highlight"] as? [String: Any])
        XCTAssertEqual(highlight["title"] as? String, "매장에서 <mark>텀블러</mark>를 빌려주세요")
        XCTAssertEqual(highlight["description"] as? String, "일회용 컵 대신 <mark>텀블러</mark>를 대여하는 서비스를 제안합니다.")
        let similar = try client.get("/ideas/similar?title=\("텀블러 대여".addingPercentEncoding(withAllowedCharacters: .alphanumerics)!)")
        let first = try XCTUnwrap((similar.json["items"] as? [[String: Any]])?.first)
        XCTAssertEqual(first["id"] as? Int, idea["id"] as? Int)
        XCTAssertEqual(first["similarity"] as? Double, 1.0)
        // A new idea says "did you mean…".
        let created = try client.post("/ideas", ["title": "텀블러 대여 서비스", "description": "다회용 컵", "category": "green"], token: token)
        let suggested = try XCTUnwrap(created.json["similar"] as? [[String: Any]])
        XCTAssertEqual(suggested.first?["id"] as? Int, idea["id"] as? Int)
        let unrelated = try client.post("/ideas", ["title": "Quiet seating for study", "description": "d", "category": "x"], token: token)
        XCTAssertEqual((unrelated.json["similar"] as? [Any])?.count, 0)
    }

    /// When a draft's words match more ideas than a ranking may score (`SimilarIdeas.scanBound`,
    /// lowered here), an old idea with every word still comes first, newer ideas with one word
    /// follow, and hidden or merged ideas never appear; under the bound nothing changes.
    func testSimilarIdeasOfCommonWordsStayFoundPastTheScanBound() throws {
        try XCTSkipIf(TestService.engine == .postgres, "PostgreSQL ranks with ts_rank over every match")
        let (_, token) = try signUp()
        let admin = service.adminToken
        let original = try createIdea(token, title: "Oat milk for every drink", description: "Plant milk made from oats.")["id"] as! Int
        var newer: [Int] = []
        for n in 0..<30 {
            newer.append(try createIdea(token, title: n % 2 == 0 ? "Oat cookies \(n)" : "Milk foam art \(n)", description: "Idea \(n).")["id"] as! Int)
        }
        let hidden = try createIdea(token, title: "Oat milk again", description: "Oat milk.")["id"] as! Int
        XCTAssertEqual(try client.request("PATCH", "/admin/ideas/\(hidden)", json: ["hidden": true], token: admin).status, 200)
        let merged = try createIdea(token, title: "Oat milk please", description: "Oat milk.")["id"] as! Int
        XCTAssertEqual(try client.post("/admin/ideas/\(merged)/merge", ["into": original], token: admin).status, 200)

        let (bounded, exact) = try service.app.context.database.read { db in
            (try SimilarIdeas.find(db, title: "oat milk", limit: 10, scanBound: 12),
             try SimilarIdeas.find(db, title: "oat milk", limit: 10, scanBound: 1_000))
        }
        XCTAssertEqual(bounded.first?.id, Int64(original))
        XCTAssertEqual(bounded.first?.score, 1.0)
        XCTAssertEqual(bounded.count, 10)
        // The newest 12 matches are the merged idea and the 11 newest with one word.
        XCTAssertTrue(bounded.dropFirst().allSatisfy { $0.score == 0.5 && newer.suffix(11).contains(Int($0.id)) }, "\(bounded)")
        XCTAssertEqual(Set(bounded.map(\.id)).count, 10, "no idea twice")
        XCTAssertEqual(exact.first?.id, Int64(original))
        XCTAssertFalse((bounded + exact).contains { $0.id == Int64(hidden) || $0.id == Int64(merged) })
        // Through the server (its bound far above these 31 matches): the same first idea.
        let items = try client.get("/ideas/similar?title=oat%20milk").json["items"] as? [[String: Any]]
        XCTAssertEqual(items?.first?["id"] as? Int, original)
        XCTAssertEqual(items?.map { $0["id"] as? Int }, exact.map { Int($0.id) })
    }

    func testHighlightEscapesEverythingElse() throws {
        let (_, token) = try signUp()
        _ = try createIdea(token, title: "<b>Oat</b> & \"milk\"", description: "Try <script>oat</script> milk")
        let items = try client.get("/ideas?q=oat").json["items"] as! [[String: Any]]
        let highlight = try XCTUnwrap(items.first?["highlight"] as? [String: Any])
        XCTAssertEqual(highlight["title"] as? String, "&lt;b&gt;<mark>Oat</mark>&lt;/b&gt; &amp; &quot;milk&quot;")
        XCTAssertEqual(highlight["description"] as? String, "Try &lt;script&gt;<mark>oat</mark>&lt;/script&gt; milk")
    }

    /// Highlights are kept per query and idea (issue 14): each query keeps its own marks, a vote
    /// (which retires the cached page) serves the same ones, and a new match gets its own.
    func testKeptHighlightsBelongToTheirQuery() throws {
        let (_, token) = try signUp()
        let id = try createIdea(token, title: "Oat milk on tap", description: "Oat milk and almond milk in every store")["id"] as! Int
        func highlight(_ query: String, sort: String = "relevance") throws -> [String: String] {
            let items = try client.get("/ideas?q=\(query)&sort=\(sort)").json["items"] as! [[String: Any]]
            return try XCTUnwrap(items.first { $0["id"] as? Int == id }?["highlight"] as? [String: String])
        }
        XCTAssertEqual(try highlight("oat")["title"], "<mark>Oat</mark> milk on tap")
        XCTAssertEqual(try highlight("milk")["title"], "Oat <mark>milk</mark> on tap")
        XCTAssertEqual(try client.post("/ideas/\(id)/votes", token: try signUp().token).status, 201)
        XCTAssertEqual(try highlight("oat", sort: "top")["title"], "<mark>Oat</mark> milk on tap")
        XCTAssertEqual(try highlight("milk")["description"], "Oat <mark>milk</mark> and almond <mark>milk</mark> in every store")
        let other = try createIdea(token, title: "Almond milk", description: "almond")["id"] as! Int
        let items = try client.get("/ideas?q=almond").json["items"] as! [[String: Any]]
        XCTAssertEqual((items.first { $0["id"] as? Int == other }?["highlight"] as? [String: String])?["title"], "<mark>Almond</mark> milk")
    }

    /// A database from before the new tokenizer: the migration rebuilds the index, no idea lost.
    func testMigrationRebuildsTheIndexOfAnOldDatabase() throws {
        let path = service.directory.appendingPathComponent("old.sqlite").path
        let old = try Connection(path: path)
        _ = try Migrator(migrations: Array(EmbeddedMigrations.all.prefix(6))).migrate(old) { 1_790_000_000_000 }
        try old.run("INSERT INTO users (name, email, email_norm, token_hash, created_at) VALUES ('a', 'a@x', 'a@x', x'01', 0)")
        for (i, title) in ["매장에서 텀블러를 빌려주세요", "Oat milk please", "東京のカフェ限定"].enumerated() {
            try old.run("INSERT INTO ideas (author_id, title, description, category, created_at) VALUES (1, ?, 'd', 'c', ?)", [title, i])
        }
        try old.run("INSERT INTO ideas (author_id, title, description, category, created_at, hidden) VALUES (1, '숨긴 텀블러', 'd', 'c', 9, 1)")
        XCTAssertEqual(try old.scalarInt("SELECT COUNT(*) FROM ideas_fts WHERE ideas_fts MATCH '텀블러'"), 0, "unicode61 misses the stem")
        let migrated = try Connection(path: path, options: GroundswellApp.connectionOptions())
        _ = try Migrator(migrations: EmbeddedMigrations.all).migrate(migrated) { 1_790_000_000_000 }
        XCTAssertEqual(try migrated.scalarInt("SELECT COUNT(*) FROM ideas"), 4)
        XCTAssertEqual(try migrated.scalarInt("SELECT COUNT(*) FROM ideas_fts WHERE ideas_fts MATCH '\"텀블러\"'"), 1, "hidden ideas stay out")
        XCTAssertEqual(try migrated.scalarInt("SELECT COUNT(*) FROM ideas_fts WHERE ideas_fts MATCH '\"カフェ\"'"), 1)
        XCTAssertEqual(try migrated.scalarInt("SELECT COUNT(*) FROM ideas_fts WHERE ideas_fts MATCH 'oat'"), 1)
        try migrated.execute("INSERT INTO ideas_fts (ideas_fts) VALUES ('integrity-check')")
    }
}

/// The tokenizer and query rules as plain values.
final class SearchTokenizerTests: XCTestCase {
    let tokenizer = SearchTokenizer()

    func texts(_ text: String, query: Bool = false) -> [String] { tokenizer.tokens(text, forQuery: query).map(\.text) }

    func testLatinWordsAreFoldedLikeUnicode61() {
        XCTAssertEqual(texts("Café CRÈME, ﬁne Ｗｉ-Ｆｉ_2"), ["cafe", "creme", "fine", "wi", "fi_2"])
        XCTAssertEqual(texts("Istanbul ıspanak"), ["istanbul", "ıspanak"], "dotless ı is not i")
        XCTAssertEqual(texts("Straße"), ["strasse"])
    }

    func testCJKRunsBecomeBigramsWithColocatedCharacters() {
        let tokens = tokenizer.tokens("텀블러를")
        XCTAssertEqual(tokens.map(\.text), ["텀블", "텀", "블러", "블", "러를", "러", "를"])
        XCTAssertEqual(tokens.map(\.position), [0, 0, 1, 1, 2, 2, 2])
        XCTAssertEqual(texts("텀블러를", query: true), ["텀블", "블러", "러를"])
        XCTAssertEqual(texts("컵"), ["컵"])
        XCTAssertEqual(texts("ｶﾌｪﾗﾃ", query: true), ["カフ", "フェ", "ェラ", "ラテ"], "half-width katakana is NFKC'd")
        XCTAssertEqual(texts("ㄱ"), ["ᄀ"], "compatibility jamo become conjoining jamo")
        XCTAssertEqual(texts("Wi-Fi 비밀번호"), ["wi", "fi", "비밀", "비", "밀번", "밀", "번호", "번", "호"])
        // Byte ranges point into the original text.
        let original = "매장 텀블러"
        let token = tokenizer.tokens(original)[3]
        XCTAssertEqual(String(decoding: Array(original.utf8)[token.range], as: UTF8.self), "텀블")
    }

    func testQueryStemsAndSpacing() {
        XCTAssertEqual(SearchQuery.terms(of: "텀블러를 대여하는"), ["텀블러", "대여"])
        XCTAssertEqual(SearchQuery.terms(of: "빌려주세요"), ["빌려"])
        XCTAssertEqual(SearchQuery.terms(of: "텀블러"), ["텀블러"], "a stem stays whole")
        XCTAssertEqual(SearchQuery.terms(of: "우유를"), ["우유"])
        XCTAssertEqual(SearchQuery.terms(of: "東京のカフェ"), ["東京", "カフェ"])
        XCTAssertEqual(SearchQuery.terms(of: "环保的杯子"), ["环保", "杯子"])
        XCTAssertEqual(SearchQuery.all("귀리우유")?.expression, #"("귀리우유" OR ("귀리" "우유"))"#)
        XCTAssertEqual(SearchQuery.all("Café")?.expression, SearchQuery.all("ＣＡＦＥ")?.expression)
        XCTAssertEqual(SearchQuery.all("cafe\u{301}")?.expression, SearchQuery.all("CAFÉ")?.expression)
        XCTAssertEqual(SearchQuery.all(#"a"b OR c*"#)?.expression, #""a" "b" "or" "c""#, "nothing is FTS5 syntax")
        XCTAssertNil(SearchQuery.all("!!! ..."))
    }

    func testSnippetCentresOnTheMatch() {
        let query = SearchQuery.all("needle")!
        let text = String(repeating: "hay ", count: 100) + "needle" + String(repeating: " hay", count: 100)
        let snippet = Highlighter(query: query).snippet(text, length: 60)
        XCTAssertTrue(snippet.hasPrefix("…"))
        XCTAssertTrue(snippet.hasSuffix("…"))
        XCTAssertTrue(snippet.contains("<mark>needle</mark>"))
    }
}

/// The search cache follows commits: hiding, status changes and merges are seen at once.
final class SearchCacheTests: ServiceTestCase {
    func testRankingsAreDroppedAfterTheCommitThatChangesThem() throws {
        let (_, token) = try signUp()
        let a = try createIdea(token, title: "Oat milk everywhere")["id"] as! Int
        let b = try createIdea(token, title: "Oat milk latte")["id"] as! Int
        func found() throws -> [Int] {
            (try client.get("/ideas?q=oat").json["items"] as? [[String: Any]] ?? []).compactMap { $0["id"] as? Int }
        }
        XCTAssertEqual(Set(try found()), [a, b])
        XCTAssertEqual(service.app.context.searchCache.count, 1)
        XCTAssertEqual(try client.request("PATCH", "/admin/ideas/\(b)", json: ["hidden": true], token: service.adminToken).status, 200)
        XCTAssertEqual(service.app.context.searchCache.count, 0, "emptied by the commit that hid the idea")
        XCTAssertEqual(try found(), [a])
        XCTAssertEqual(try client.post("/ideas/\(a)/votes", token: token).status, 201)
        XCTAssertEqual(service.app.context.searchCache.count, 1, "a vote changes no ranking")
        XCTAssertEqual(try client.request("PATCH", "/admin/ideas/\(a)", json: ["status": "under_review"], token: service.adminToken).status, 200)
        XCTAssertEqual(service.app.context.searchCache.count, 0, "a status change may change filtered rankings")
        XCTAssertEqual(try client.get("/ideas?q=oat&status=under_review").json["items"].map { ($0 as! [Any]).count }, 1)
    }
}

/// Relevance rankings read each idea's length from memory (`FullTextDocLengths`, issue 14): the
/// kept lengths must equal the index's after every change, and every ranking must be exactly
/// FTS5's `bm25()` order.
final class SearchDocLengthsTests: ServiceTestCase {
    private func bm25Order(_ query: String) throws -> [Int] {
        let db = try Connection(path: service.databasePath, options: GroundswellApp.connectionOptions())
        return try db.query("""
            SELECT f.rowid FROM ideas_fts f WHERE ideas_fts MATCH ? ORDER BY bm25(ideas_fts, 10.0, 1.0), f.rowid
            """, [query]) { $0.int(0) }
    }

    private func assertKeptLengthsAndRankings(_ moment: String, file: StaticString = #filePath, line: UInt = #line) throws {
        let kept = try XCTUnwrap(service.app.context.docLengths)
        XCTAssertTrue(kept.isReady, moment, file: file, line: line)
        let db = try Connection(path: service.databasePath, options: GroundswellApp.connectionOptions())
        let loaded = FullTextDocLengths()
        try db.transaction(.deferred) { _ = try loaded.load(db, docsizeTable: "ideas_fts_docsize", readAt: 0) }
        let ids = try db.query("SELECT id FROM ideas") { $0.int64(0) }
        XCTAssertFalse(ids.isEmpty)
        for id in ids {
            XCTAssertEqual(kept.length(of: id), loaded.length(of: id), "\(moment): idea \(id)'s length", file: file, line: line)
        }
        for query in ["garden", "garden bench", "tram"] {
            let listed = (try client.get("/ideas?q=\(query.replacingOccurrences(of: " ", with: "%20"))&limit=100").json["items"] as? [[String: Any]] ?? [])
                .compactMap { $0["id"] as? Int }
            XCTAssertEqual(listed, try bm25Order(query), "\(moment): \(query)", file: file, line: line)
        }
    }

    func testARankingDuringAChangeOfLengthsIsRunAgainWithFTS5sOwn() throws {
        let lengths = FullTextDocLengths()
        let db = try Connection(path: service.directory.appendingPathComponent("lengths.sqlite").path)
        try db.execute("CREATE VIRTUAL TABLE docs USING fts5(body); INSERT INTO docs (body) VALUES ('garden')")
        try db.transaction(.deferred) { XCTAssertTrue(try lengths.load(db, docsizeTable: "docs_docsize", readAt: 5)) }
        var calls: [Int64] = []
        let ranking = SearchRanking(lengths: lengths, readAt: 5)
        XCTAssertEqual(ranking.run { validAt in calls.append(validAt); return calls.count }, 1)
        XCTAssertEqual(calls, [5], "nothing changed: one run with the table")
        calls = []
        // A commit that changes lengths lands while the query runs (the writer stamps it first).
        XCTAssertEqual(ranking.run { validAt in calls.append(validAt); if calls.count == 1 { lengths.stamp(6) }; return calls.count }, 2)
        XCTAssertEqual(calls, [5, -1], "run again with FTS5's lengths")
        calls = []
        _ = ranking.run { validAt in calls.append(validAt) }
        XCTAssertEqual(calls, [-1], "stamped after its count: never uses the table")
        calls = []
        _ = SearchRanking.none.run { validAt in calls.append(validAt) }
        XCTAssertEqual(calls, [-1])
    }

    func testKeptLengthsFollowEveryChangeAndRankingsStayBM25s() throws {
        try XCTSkipIf(TestService.engine == .postgres, "PostgreSQL ranks with ts_rank in the database")
        let (_, token) = try signUp()
        var ids: [Int] = []
        for n in 0..<12 {
            let words = Array(repeating: n % 3 == 0 ? "garden" : "bench", count: 1 + n) + Array(repeating: "tram", count: 12 - n)
            ids.append(try createIdea(token, title: n % 2 == 0 ? "Garden \(n)" : "Tram stop \(n)",
                                      description: words.joined(separator: " "))["id"] as! Int)
        }
        let kept = try XCTUnwrap(service.app.context.docLengths)
        let deadline = Date().addingTimeInterval(10)
        while !kept.isReady && Date() < deadline { Thread.sleep(forTimeInterval: 0.01) }
        try assertKeptLengthsAndRankings("new ideas")
        let admin = service.adminToken
        XCTAssertEqual(try client.request("PATCH", "/admin/ideas/\(ids[3])", json: ["hidden": true], token: admin).status, 200)
        try assertKeptLengthsAndRankings("after hiding")
        XCTAssertEqual(try client.request("PATCH", "/admin/ideas/\(ids[3])", json: ["hidden": false], token: admin).status, 200)
        try assertKeptLengthsAndRankings("after showing it again")
        XCTAssertEqual(try client.post("/admin/ideas/\(ids[4])/merge", ["into": ids[5]], token: admin).status, 200)
        try assertKeptLengthsAndRankings("after a merge")
        ids.append(try createIdea(token, title: "Garden garden garden", description: String(repeating: "bench ", count: 300))["id"] as! Int)
        try assertKeptLengthsAndRankings("after a long new idea")
        XCTAssertEqual(kept.length(of: Int64(ids.last!)), 303)
        // A restart loads them from the file.
        try service.restart()
        client = service.client()
        let reloaded = try XCTUnwrap(service.app.context.docLengths)
        let again = Date().addingTimeInterval(10)
        while !reloaded.isReady && Date() < again { Thread.sleep(forTimeInterval: 0.01) }
        try assertKeptLengthsAndRankings("after a restart")
    }
}
