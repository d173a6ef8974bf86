import Foundation
import TestSupport
import XCTest

/// The log never holds up a request: lines it cannot write are dropped and counted in /metrics
/// (issue 14). Runs the real binary with its log going to /dev/full, where every write fails.
final class LogDropTests: XCTestCase {
    func testLinesThatCannotBeWrittenAreDroppedCountedAndNeverDelayRequests() throws {
        try XCTSkipUnless(FileManager.default.fileExists(atPath: "/dev/full"), "no /dev/full")
        let directory = try scratchDirectory("log-drop")
        let port = MultiNodeTests.freePort()
        let process = Process()
        process.executableURL = TestBinary.url
        process.arguments = ["serve", "--port", String(port), "--db", directory.appendingPathComponent("log.sqlite").path,
                             "--admin-token", "log-admin", "--access-log", "on", "--rate-limit", "off"]
        process.standardOutput = FileHandle(forWritingAtPath: "/dev/full")
        process.standardError = FileHandle.nullDevice
        try CrashTests.Server.spawning.withLock { try process.run() }
        defer {
            process.terminate()
            process.waitUntilExit()
        }
        let client = TestClient(port: port)
        let deadline = Date().addingTimeInterval(20)
        while (try? client.get("/healthz"))?.status != 200 {
            guard Date() < deadline else { return XCTFail("the server did not start") }
            Thread.sleep(forTimeInterval: 0.1)
        }

        for _ in 0..<40 { XCTAssertEqual(try client.get("/healthz").status, 200) }
        // Each of those requests left an access-log line the log thread could not write.
        var dropped = 0
        let counted = Date().addingTimeInterval(10)
        while dropped < 40 && Date() < counted {
            Thread.sleep(forTimeInterval: 0.1)
            dropped = try droppedLines(client)
        }
        XCTAssertGreaterThanOrEqual(dropped, 40)

        // Once counted, only new lines add to it: a failed notice about the drops is not itself
        // counted, or the count would climb on its own every flush. Between these two reads the
        // log lost exactly one line, the access line of the first read.
        Thread.sleep(forTimeInterval: 1)
        let before = try droppedLines(client)
        Thread.sleep(forTimeInterval: 1)
        XCTAssertEqual(try droppedLines(client), before + 1)
    }

    private func droppedLines(_ client: TestClient) throws -> Int {
        let response = try client.get("/metrics", token: "log-admin")
        XCTAssertEqual(response.status, 200)
        let line = response.text.split(separator: "\n").first { $0.hasPrefix("groundswell_log_dropped_lines_total ") }
        return line.flatMap { Int($0.split(separator: " ").last ?? "") } ?? -1
    }
}
