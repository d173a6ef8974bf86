import XCTest
@testable import Groundswell

/// The rollup window's compact entries: actors ordered as `activity_days` orders `u<id>` (UTF-8
/// bytes), and sorting and merging giving what hashing each (day, actor, scope) gave.
final class RollupWindowTests: XCTestCase {
    func testActorsOrderAsTheirKeysDo() {
        let fixed: [Int64] = [0, 1, 9, 10, 11, 19, 2, 20, 99, 100, 101, 1_000, 999, 12_345, 1_234, 123_456,
                              Int64.max, Int64.max - 1, 1_000_000_000_000_000_000, 999_999_999_999_999_999]
        var generator = SystemRandomNumberGenerator()
        let random = (0..<300).map { _ in Int64.random(in: 0...[9, 999, 99_999, 10_000_000, Int64.max].randomElement(using: &generator)!) }
        let ids = fixed + random
        for a in ids {
            for b in ids.prefix(60) {
                let expected = Array("u\(a)".utf8).lexicographicallyPrecedes(Array("u\(b)".utf8))
                XCTAssertEqual(RollupWindow.actorPrecedes(a, b), expected, "u\(a) before u\(b)")
            }
        }
    }

    func testAggregatingBySortingMatchesCountingByKey() {
        let scopesMet = ["", "c:zeta", "c:Alpha", "r:12", "c:éclair", "r:3"]
        var raw: [RollupWindow.Entry] = []
        var expected: [ReaderLog.Key: EngagementRollup.Counts] = [:]
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<5_000 {
            let actor = Int64.random(in: 1...[30, 3_000].randomElement(using: &generator)!)
            let day = Int32.random(in: 20_000...20_003)
            let scope = UInt32.random(in: 0..<UInt32(scopesMet.count))
            var entry = RollupWindow.Entry(actorID: actor, day: day, scope: scope)
            let key = ReaderLog.Key(day: Int64(day), actor: "u\(actor)", scope: scopesMet[Int(scope)])
            switch Int.random(in: 0..<3) {
            case 0: entry.votes = 1; expected[key, default: .init()].votes += 1
            case 1: entry.comments = 1; expected[key, default: .init()].comments += 1
            default: entry.ideas = 1; expected[key, default: .init()].ideas += 1
            }
            raw.append(entry)
        }
        // The builder's merges along the way (`compact`, here every 700 entries) change nothing.
        var merged: [RollupWindow.Entry] = []
        for entry in raw {
            merged.append(entry)
            if merged.count % 700 == 0 { RollupWindow.compact(&merged) }
        }
        XCTAssertLessThan(merged.count, raw.count, "entries of one row merged along the way")
        let (mergedEntries, mergedScopes) = RollupWindow.aggregate(&merged, scopes: scopesMet)
        let (entries, scopes) = RollupWindow.aggregate(&raw, scopes: scopesMet)
        XCTAssertTrue(raw.isEmpty)
        XCTAssertEqual(mergedScopes, scopes)
        XCTAssertEqual(mergedEntries.map { [$0.actorID, Int64($0.day), Int64($0.scope), Int64($0.votes), Int64($0.comments), Int64($0.ideas)] },
                       entries.map { [$0.actorID, Int64($0.day), Int64($0.scope), Int64($0.votes), Int64($0.comments), Int64($0.ideas)] })
        XCTAssertEqual(scopes, scopesMet.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) })
        let window = RollupWindow(start: .init(votes: 0, comments: 0, ideas: 0), ends: .init(votes: 1, comments: 1, ideas: 1),
                                  entries: entries, scopes: scopes, more: false, resume: nil)
        XCTAssertEqual(entries.count, expected.count, "one entry per row of activity_days")
        for index in entries.indices {
            let counts = window.counts(at: index), want = expected[window.key(at: index)]
            XCTAssertEqual(counts.votes, want?.votes)
            XCTAssertEqual(counts.comments, want?.comments)
            XCTAssertEqual(counts.ideas, want?.ideas)
            XCTAssertEqual(counts.reads, 0)
        }
        // The window's order: by actor key, then the table's order within an actor.
        let keys = entries.indices.map { window.key(at: $0) }
        for (a, b) in zip(keys, keys.dropFirst()) {
            if a.actor == b.actor {
                XCTAssertTrue(ReaderLog.Key.precedesInTable(a, b))
            } else {
                XCTAssertTrue(a.actor.utf8.lexicographicallyPrecedes(b.actor.utf8))
            }
        }
        // A write takes whole actors, in the table's order.
        var copy = window
        let taken = copy.take(keys: 10).map { window.key(at: $0) }
        XCTAssertEqual(taken, taken.sorted { ReaderLog.Key.precedesInTable($0, $1) })
        XCTAssertFalse(copy.finished)
        // A window resumed after the actor a write reached has the same entries left.
        var resumed = RollupWindow(start: window.start, ends: window.ends, entries: entries, scopes: scopes, more: false,
                                   resume: copy.take(keys: 1).map { entries[$0].actorID }.last)
        XCTAssertEqual(resumed.take(keys: .max), copy.take(keys: .max))
    }
}
