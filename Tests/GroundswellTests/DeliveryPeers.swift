import Foundation
import TestSupport
import XCTest

/// The repository, its test peers (Tests/Peers) and the venv `make test` fills (scripts/venv.sh).
enum Peers {
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    static func script(_ name: String) -> String { repository.appendingPathComponent("Tests/Peers/\(name)").path }

    /// The venv's Python (aiosmtpd); `make test` creates it before the tests run.
    static var venvPython: String {
        get throws {
            let path = repository.appendingPathComponent(".build-venv/bin/python").path
            guard FileManager.default.isExecutableFile(atPath: path) else {
                throw ClientError("\(path) is missing: run scripts/venv.sh (make test does)")
            }
            return path
        }
    }

    /// JSON lines a peer wrote so far.
    static func records(_ path: String) -> [[String: Any]] {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { return [] }
        return text.split(separator: "\n").compactMap {
            try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]
        }
    }

    /// Polls `condition` until it holds or `seconds` pass; true if it held.
    @discardableResult
    static func wait(_ seconds: Double, _ condition: () throws -> Bool) rethrows -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if try condition() { return true }
            Thread.sleep(forTimeInterval: 0.05)
        }
        return try condition()
    }
}

/// A process that prints "PORT n" when ready: a Python peer or the groundswell binary.
final class PeerProcess {
    let process = Process()
    let port: Int

    init(executable: String, arguments: [String], portPattern: String = #"PORT (\d+)"#) throws {
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = FileHandle.nullDevice
        try process.run()
        var text = ""
        let deadline = Date().addingTimeInterval(30)
        var found: Int?
        while found == nil && Date() < deadline {
            let chunk = pipe.fileHandleForReading.availableData
            if chunk.isEmpty { break }
            text += String(decoding: chunk, as: UTF8.self)
            if let match = text.firstMatch(of: try Regex(portPattern)), let captured = match.output[1].substring {
                found = Int(captured)
            }
        }
        guard let found else {
            process.terminate()
            throw ClientError("\(executable) did not start: \(text)")
        }
        port = found
    }

    func kill() {
        Glibc.kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
    }

    func stop() {
        if process.isRunning {
            process.terminate()
            process.waitUntilExit()
        }
    }

    deinit { stop() }

    /// The groundswell binary serving `db` with extra flags.
    static func groundswell(db: String, _ extra: [String]) throws -> PeerProcess {
        try PeerProcess(executable: TestBinary.url.path,
                        arguments: ["serve", "--port", "0", "--db", db, "--admin-token", "delivery-admin", "--access-log", "off",
                                    "--rate-limit", "off"] + extra,
                        portPattern: #"http://127\.0\.0\.1:(\d+)"#)
    }
}
