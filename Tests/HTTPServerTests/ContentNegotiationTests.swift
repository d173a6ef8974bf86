import XCTest
@testable import HTTPServer

/// `Accept` and `Accept-Encoding` as the pages read them (RFC 9110 §12.5).
final class ContentNegotiationTests: XCTestCase {
    func request(_ headers: [(String, String)]) -> Request {
        Request(method: .get, target: "/", headers: HTTPHeaders(headers))
    }

    func testHTMLOnlyWhenAskedForAheadOfJSON() {
        XCTAssertTrue(request([("Accept", "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8")]).prefersHTML)
        XCTAssertTrue(request([("Accept", "TEXT/HTML")]).prefersHTML)
        XCTAssertTrue(request([("Accept", "application/json;q=0.5, text/html")]).prefersHTML)
        XCTAssertFalse(request([]).prefersHTML)
        XCTAssertFalse(request([("Accept", "*/*")]).prefersHTML)
        XCTAssertFalse(request([("Accept", "application/json")]).prefersHTML)
        XCTAssertFalse(request([("Accept", "application/json, text/html;q=0.5")]).prefersHTML)
        XCTAssertFalse(request([("Accept", "text/html;q=0")]).prefersHTML)
        XCTAssertFalse(request([("Accept", "text/html;q=nonsense")]).prefersHTML)
        XCTAssertFalse(request([("Accept", ",,;;q=,")]).prefersHTML)
    }

    func testGzipWhenListedOrStarred() {
        XCTAssertTrue(request([("Accept-Encoding", "gzip, deflate, br")]).acceptsGzip)
        XCTAssertTrue(request([("Accept-Encoding", "br;q=1.0, GZIP;q=0.5")]).acceptsGzip)
        XCTAssertTrue(request([("Accept-Encoding", "*")]).acceptsGzip)
        XCTAssertFalse(request([("Accept-Encoding", "gzip;q=0, *")]).acceptsGzip)
        XCTAssertFalse(request([("Accept-Encoding", "br")]).acceptsGzip)
        XCTAssertFalse(request([]).acceptsGzip)
    }

    func testElementsAreTrimmedAndCarryTheirQuality() {
        var seen: [(String, Double)] = []
        Request.forEachElement(" ko-KR , ko;q=0.9,en ; q=0.8 ;level=1,") { name, q in
            seen.append((String(decoding: name, as: UTF8.self), q))
        }
        XCTAssertEqual(seen.map(\.0), ["ko-KR", "ko", "en"])
        XCTAssertEqual(seen.map(\.1), [1, 0.9, 0.8])
    }
}
