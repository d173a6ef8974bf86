import Foundation
import HTTPServer
import SQLiteStore
import TestSupport
import XCTest
@testable import Groundswell

/// One list of error codes (`ErrorCode`), the docs' table checked against it, and one
/// mapping of unexpected errors for reads and writes alike.
final class ErrorCatalogueTests: ServiceTestCase {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    func testDocsErrorTableListsEveryCodeWithItsStatus() throws {
        let api = try String(contentsOf: Self.root.appendingPathComponent("docs/api.md"), encoding: .utf8)
        let table = api.components(separatedBy: "### Error codes")[1].components(separatedBy: "\n## ")[0]
        var documented: [String: Int] = [:]
        for line in table.split(separator: "\n") where line.hasPrefix("| ") {
            let cells = line.split(separator: "|").map { $0.trimmingCharacters(in: .whitespaces) }
            guard let status = Int(cells[0]) else { continue }
            for code in cells[1].split(separator: ",") {
                documented[code.trimmingCharacters(in: CharacterSet(charactersIn: " `"))] = status
            }
        }
        let known = Dictionary(uniqueKeysWithValues: ErrorCode.allCases.map { ($0.rawValue, $0.status.code) })
        XCTAssertEqual(Set(documented.keys).subtracting(known.keys), [], "documented but not in ErrorCode")
        XCTAssertEqual(Set(known.keys).subtracting(documented.keys), [], "in ErrorCode but not documented")
        for (code, status) in documented { XCTAssertEqual(known[code], status, code) }
    }

    func testNoErrorCodeIsSpelledOutsideTheCatalogue() throws {
        let sources = Self.root.appendingPathComponent("Sources/Groundswell")
        let files = FileManager.default.enumerator(at: sources, includingPropertiesForKeys: nil)!.compactMap { $0 as? URL }
        for file in files where file.pathExtension == "swift" && file.lastPathComponent != "ErrorCode.swift" {
            let text = try String(contentsOf: file, encoding: .utf8)
            XCTAssertFalse(text.contains("code: \""), "\(file.lastPathComponent) spells an error code; add it to ErrorCode")
            XCTAssertFalse(text.contains("HTTPError(."), "\(file.lastPathComponent) builds an HTTPError by hand; use ErrorCode")
        }
    }

    struct Boom: Error, CustomStringConvertible { var description: String { "secret detail /etc/passwd" } }

    func testUnexpectedErrorsAreTheSameOnReadsAndWritesAndCarryARequestID() throws {
        service.stop()
        service.extraRoutes = { app in
            app.router.get("/test/read-bug") { _ in throw Boom() }
            app.router.post("/test/write-bug") { _ in app.context.write { _ in throw Boom() } }
            app.router.get("/test/read-storage") { _ in throw SQLiteError(code: 5, message: "database is locked") }
            app.router.post("/test/write-storage") { _ in app.context.write { _ in throw SQLiteError(code: 13, message: "disk full") } }
        }
        try service.start()
        client = service.client()
        for (method, path, status, code) in [("GET", "/test/read-bug", 500, "internal_error"), ("POST", "/test/write-bug", 500, "internal_error"),
                                             ("GET", "/test/read-storage", 503, "storage_unavailable"),
                                             ("POST", "/test/write-storage", 503, "storage_unavailable")] {
            let response = try client.request(method, path)
            assertError(response, status, code)
            let id = try XCTUnwrap((response.json["error"] as? [String: Any])?["request_id"] as? String, path)
            XCTAssertEqual(id.count, 16)
            XCTAssertEqual(response.header("x-request-id"), id)
            XCTAssertFalse(response.text.contains("passwd") || response.text.contains("disk full"), "no internals leak")
            if status == 503 { XCTAssertEqual(response.header("retry-after"), "1") }
        }
    }
}

/// Handlers parse, call a store and write JSON: they never hold SQL.
final class HandlersHoldNoSQLTests: XCTestCase {
    func testRoutesMiddlewareAndAuthenticatorHoldNoSQL() throws {
        let sources = ErrorCatalogueTests.root.appendingPathComponent("Sources/Groundswell")
        let files = FileManager.default.enumerator(at: sources, includingPropertiesForKeys: nil)!.compactMap { $0 as? URL }
        let handlers = files.filter {
            let name = $0.lastPathComponent
            return name.hasSuffix("Routes.swift") || name.hasSuffix("Middleware.swift") || name == "Authenticator.swift" || name == "AdminGate.swift"
        }
        XCTAssertGreaterThan(handlers.count, 10)
        let sql = try NSRegularExpression(pattern: #"\b(SELECT|INSERT INTO|UPDATE \w+ SET|DELETE FROM)\b"#)
        for file in handlers {
            let text = try String(contentsOf: file, encoding: .utf8)
            let found = sql.numberOfMatches(in: text, range: NSRange(text.startIndex..., in: text))
            XCTAssertEqual(found, 0, "\(file.lastPathComponent) holds SQL; move it into its feature's store")
            XCTAssertFalse(text.contains("db.run(") || text.contains("db.query(") || text.contains("db.queryOne(") || text.contains("db.scalarInt("),
                           "\(file.lastPathComponent) runs statements itself")
        }
    }
}
