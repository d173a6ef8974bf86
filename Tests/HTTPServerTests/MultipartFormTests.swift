import XCTest
@testable import HTTPServer

/// RFC 7578 bodies read in place: parts as ranges, quoted parameters, and the malformed
/// bodies a client (or an attacker) sends.
final class MultipartFormTests: XCTestCase {
    private func parse(_ text: String, boundary: String = "XyZ") throws -> [(MultipartPart, String)] {
        let bytes = Array(text.utf8)
        return try bytes.withUnsafeBytes { raw in
            try MultipartForm.parse(raw, boundary: boundary).map { ($0, $0.text(in: raw) ?? "") }
        }
    }

    func testBoundaryFromContentType() {
        XCTAssertEqual(MultipartForm.boundary(contentType: "multipart/form-data; boundary=XyZ"), "XyZ")
        XCTAssertEqual(MultipartForm.boundary(contentType: "Multipart/Form-Data;boundary=\"a b;c\""), "a b;c")
        XCTAssertNil(MultipartForm.boundary(contentType: "multipart/form-data"))
        XCTAssertNil(MultipartForm.boundary(contentType: "multipart/mixed; boundary=a"))
        XCTAssertNil(MultipartForm.boundary(contentType: "application/json"))
        XCTAssertNil(MultipartForm.boundary(contentType: "multipart/form-data; boundary=" + String(repeating: "a", count: 71)))
    }

    func testPartsWithPreambleQuotedNamesAndEpilogue() throws {
        let body = "preamble\r\n--XyZ\r\nContent-Disposition: form-data; name=\"alt\"\r\n\r\nA \"nice\" view\r\n"
            + "--XyZ  \r\nContent-Disposition: form-data; name=\"file\"; filename=\"a;b \\\"c\\\".jpg\"\r\nContent-Type: image/jpeg\r\n\r\n"
            + "\r\n--Xy not the end\r\n--XyZ--\r\nepilogue"
        let parts = try parse(body)
        XCTAssertEqual(parts.count, 2)
        XCTAssertEqual(parts[0].0.name, "alt")
        XCTAssertNil(parts[0].0.filename)
        XCTAssertEqual(parts[0].1, "A \"nice\" view")
        XCTAssertEqual(parts[1].0.name, "file")
        XCTAssertEqual(parts[1].0.filename, "a;b \"c\".jpg")
        XCTAssertEqual(parts[1].0.contentType, "image/jpeg")
        XCTAssertEqual(parts[1].1, "\r\n--Xy not the end")
    }

    func testMalformedBodiesAreRefused() {
        let bad = [
            "",
            "--XyZ--\r\n",                                                       // no parts
            "--XyZ\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\nvalue",  // no closing boundary (truncated)
            "--XyZ\r\nContent-Type: text/plain\r\n\r\nvalue\r\n--XyZ--",         // no Content-Disposition
            "--XyZ\r\nContent-Disposition: attachment; name=\"a\"\r\n\r\nv\r\n--XyZ--",
            "--XyZ\r\nContent-Disposition: form-data\r\n\r\nv\r\n--XyZ--",       // no name
            "--XyZ\r\nno colon here\r\n\r\nv\r\n--XyZ--",
            "--XyZx\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\nv\r\n--XyZ--",
            "--XyZ\r\nContent-Disposition: form-data; name=\"a\"" + String(repeating: "x", count: 9000) + "\r\n\r\nv\r\n--XyZ--",
        ]
        for body in bad {
            XCTAssertThrowsError(try parse(body), body.prefix(60).description)
        }
        let many = (0..<20).map { "--XyZ\r\nContent-Disposition: form-data; name=\"f\($0)\"\r\n\r\nv\r\n" }.joined() + "--XyZ--"
        XCTAssertThrowsError(try parse(many), "more than 16 parts")
    }
}
