// Times closing a large funding round through the real server: 1,000 ideas in 4 tiers,
// 1,000,000 votes from 100,000 voters (make bench runs it; target: under 1 s).
// Arguments: ideas voters votes-per-voter [postgres-url]. With a URL (an empty database), the
// seeded SQLite file is copied there (`migrate-store`) and the round is closed on PostgreSQL.
import Foundation
import Groundswell
import HTTPServer
import Logging
import SQLiteStore
import Storage
import TestSupport

let arguments = CommandLine.arguments
let ideas = arguments.count > 1 ? Int(arguments[1]) ?? 1000 : 1000
let voters = arguments.count > 2 ? Int(arguments[2]) ?? 100_000 : 100_000
let votesPerVoter = arguments.count > 3 ? Int(arguments[3]) ?? 10 : 10
let postgresURL = arguments.count > 4 ? arguments[4] : nil

let directory = FileManager.default.temporaryDirectory.appendingPathComponent("close-bench-\(UUID().uuidString)")
try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
defer { try? FileManager.default.removeItem(at: directory) }
let path = directory.appendingPathComponent("bench.sqlite").path
var logger = Logger(label: "close-bench")
logger.logLevel = .warning

let now = Int64(Date().timeIntervalSince1970 * 1000)
let day: Int64 = 86_400_000
var configuration = AppConfiguration(databasePath: path)
configuration.adminToken = "bench-admin"
configuration.schedulerInterval = nil
let seeding = try GroundswellApp(configuration: configuration, logger: logger)

/// The round, its customers, ideas and votes, written by the writer thread. A closure formed in
/// top-level code belongs to the main actor (Swift 6) and traps when the writer runs it, so the
/// job is made in this function, which belongs to no actor.
func seedRound(_ writer: SQLWriter, now: Int64, day: Int64, ideas: Int, voters: Int, votesPerVoter: Int) throws {
    _ = try writer.sync { db -> Int in
        try db.run("""
            INSERT INTO rounds (id, name, submissions_open_at, submissions_close_at, voting_opens_at, voting_closes_at, mode, created_at)
            VALUES (1, 'Bench round', ?, ?, ?, ?, 'tiers', ?)
            """, [now - 10 * day, now - 5 * day, now - 5 * day, now + day, now])
        for (position, tier) in [("5K", 5000, 10), ("25K", 25000, 10), ("50K", 50000, 10), ("250K", 250000, 2)].enumerated() {
            try db.run("INSERT INTO round_tiers (round_id, position, name, amount, winners) VALUES (1, ?, ?, ?, ?)",
                       [position, tier.0, tier.1, tier.2])
        }
        for user in 1...voters {
            try db.run("INSERT INTO users (id, name, email, email_norm, token_hash, created_at) VALUES (?, ?, ?, ?, ?, ?)",
                       [user, "Voter \(user)", "v\(user)@example.com", "v\(user)@example.com", Array("t\(user)".utf8), now])
        }
        let tiers = ["5K", "25K", "50K", "250K"]
        for idea in 1...ideas {
            try db.run("""
                INSERT INTO ideas (id, author_id, title, description, category, created_at, round_id, tier, entry_state)
                VALUES (?, ?, ?, 'A bench idea', 'bench', ?, 1, ?, 'entered')
                """, [idea, idea, "Bench idea \(idea)", now - 6 * day, tiers[idea % 4]])
        }
        var generator = SystemRandomNumberGenerator()
        var voteTime = now - 5 * day
        for voter in 1...voters {
            // Each voter picks distinct ideas, skewed so rankings have a clear head and many ties.
            var chosen = Set<Int>()
            while chosen.count < min(votesPerVoter, ideas) {
                let r = Double.random(in: 0..<1, using: &generator)
                chosen.insert(1 + Int(Double(ideas) * r * r) % ideas)
            }
            for idea in chosen {
                voteTime += 1
                try VoteLedger.record(db, ideaID: Int64(idea), userID: Int64(voter), day: Int64(voteTime / day), at: Int64(voteTime),
                                      roundID: 1, addressHash: nil)
            }
        }
        return 0
    }
}

let seedStart = Date()
try seedRound(seeding.context.database.writer, now: now, day: day, ideas: ideas, voters: voters, votesPerVoter: votesPerVoter)
let votes = try seeding.context.database.read { try $0.scalarInt("SELECT COUNT(*) FROM votes") } ?? 0
let app: GroundswellApp
if let postgresURL {
    seeding.close()
    _ = try StoreTransfer.copy(sqlitePath: path, postgresURL: postgresURL, now: now)
    configuration.postgresURL = postgresURL
    app = try GroundswellApp(configuration: configuration, logger: logger)
} else {
    app = seeding
}
let seeded = Date().timeIntervalSince(seedStart)

var serverConfiguration = ServerConfiguration()
serverConfiguration.port = 0
serverConfiguration.accessLog = false
let server = Server(configuration: serverConfiguration, responder: app.responder, logger: logger)
let port = try server.start()
let connection = try RawConnection(port: port, timeout: 60)
// The open round as its readers see it (`GET /rounds/1`: its entry count among the rest), one
// request at a time: a count that visited every entry made this the round's slowest read.
var reads: [Double] = []
for _ in 0..<200 {
    let begun = DispatchTime.now().uptimeNanoseconds
    try connection.send("GET /rounds/1 HTTP/1.1\r\nHost: x\r\n\r\n")
    let shown = try connection.readResponse()
    reads.append(Double(DispatchTime.now().uptimeNanoseconds - begun) / 1e6)
    guard shown.status == 200, shown.json["entry_count"] as? Int == ideas else {
        fatalError("GET /rounds/1 answered \(shown.status) with entry_count \(shown.json["entry_count"] ?? "none"), not \(ideas)")
    }
}
reads.sort()
let request = "POST /admin/rounds/1/close HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer bench-admin\r\nContent-Length: 0\r\n\r\n"
let start = DispatchTime.now().uptimeNanoseconds
try connection.send(request)
let response = try connection.readResponse()
let elapsed = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
let awards = (response.json["awards"] as? [Any])?.count ?? 0
try connection.send(request)
let again = try connection.readResponse()
server.shutdown()
app.close()
print(String(format: "close-round\(postgresURL == nil ? "" : " (PostgreSQL)"): %d ideas, 4 tiers, %lld votes from %d voters (seeded in %.1f s): close took %.3f s, HTTP %d, %d awards; second close %@; GET /rounds/1 before it (200 in a row) p50 %.2f ms, p99 %.2f ms",
             ideas, votes, voters, seeded, elapsed, response.status, awards, again.status == 200 ? "returned the same awards" : "FAILED",
             reads[reads.count / 2], reads[reads.count * 99 / 100]))
