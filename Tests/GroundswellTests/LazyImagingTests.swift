import Foundation
import TestSupport
import XCTest

/// Issue 14 (memory): libvips and the libraries it links are mapped only once a picture
/// arrives, in the real binary: a server that takes none keeps them out of its RSS.
final class LazyImagingTests: XCTestCase {
    /// Read to the end (procfs files report a size of 0, so a sized read would see nothing).
    private func mapsVips(_ pid: Int32) throws -> Bool {
        let maps = try XCTUnwrap(FileHandle(forReadingAtPath: "/proc/\(pid)/maps")).readDataToEndOfFile()
        XCTAssertTrue(String(decoding: maps, as: UTF8.self).contains("libsqlite3"), "the maps were read")
        return String(decoding: maps, as: UTF8.self).contains("libvips.so")
    }

    func testLibvipsIsLoadedOnTheFirstPictureOnly() throws {
        let directory = try scratchDirectory("lazy-vips")
        let server = try CrashTests.Server(db: directory.appendingPathComponent("g.sqlite").path)
        defer { server.stop() }
        let pid = server.process.processIdentifier
        let client = TestClient(port: server.port)
        let token = try client.post("/users", ["name": "Ann", "email": "ann@example.com"]).json["token"] as! String
        let idea = try client.post("/ideas", ["title": "A picture idea", "description": "d", "category": "c"], token: token).json["id"] as! Int
        XCTAssertEqual(try client.get("/ideas/\(idea)").status, 200)
        XCTAssertFalse(try mapsVips(pid), "started and served without libvips")

        // Something that is not a picture is refused before libvips is needed.
        let text = MediaFixtures.form(file: Array("not a picture".utf8))
        XCTAssertEqual(try client.request("POST", "/ideas/\(idea)/media", body: text, token: token, contentType: MediaFixtures.contentType).status, 415)
        XCTAssertFalse(try mapsVips(pid))

        let picture = MediaFixtures.form(file: MediaFixtures.image(.png, width: 320, height: 200))
        let upload = try client.request("POST", "/ideas/\(idea)/media", body: picture, token: token, contentType: MediaFixtures.contentType)
        XCTAssertEqual(upload.status, 201, upload.text)
        XCTAssertTrue(try mapsVips(pid), "loaded for the first picture")
        XCTAssertEqual(upload.json["width"] as? Int, 320)
    }
}
