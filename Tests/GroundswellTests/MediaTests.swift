import Foundation
import Imaging
import TestSupport
import XCTest
@testable import Groundswell

/// Pictures on ideas (issue 18): multipart uploads spooled to disk, recognised by their bytes,
/// re-encoded without metadata, served safely, removed with moderation and erasure.
final class MediaTests: ServiceTestCase {
    private func upload(_ idea: Int, _ file: [UInt8]?, token: String, filename: String = "photo.jpg", type: String = "image/jpeg",
                        fields: [(String, String)] = []) throws -> ClientResponse {
        try client.request("POST", "/ideas/\(idea)/media", body: MediaFixtures.form(fields: fields, file: file, filename: filename, type: type),
                           token: token, contentType: MediaFixtures.contentType)
    }

    private func authorAndIdea(_ name: String = "Creator") throws -> (token: String, idea: Int) {
        let (_, token) = try signUp(name)
        return (token, try createIdea(token, title: "Solar roofs on every store")["id"] as! Int)
    }

    private func fetch(_ url: String) throws -> ClientResponse { try client.get(url) }

    private var mediaDirectory: String { service.directory.appendingPathComponent("media").path }

    func testEachFormatIsStoredReEncodedAndServedSafely() throws {
        let (token, idea) = try authorAndIdea()
        for format in ImageFormat.allCases {
            let original = MediaFixtures.image(format, width: 1600, height: 900)
            let created = try upload(idea, original, token: token, filename: "x.\(format.fileExtension)", type: format.mimeType,
                                     fields: [("alt", "  A \(format.rawValue) view of the roof ")])
            XCTAssertEqual(created.status, 201, created.text)
            XCTAssertEqual(created.json["content_type"] as? String, format.mimeType)
            XCTAssertEqual(created.json["width"] as? Int, 1600)
            XCTAssertEqual(created.json["height"] as? Int, 900)
            XCTAssertEqual(created.json["alt"] as? String, "A \(format.rawValue) view of the roof")
            let thumbnail = try XCTUnwrap(created.json["thumbnail"] as? [String: Any])
            XCTAssertEqual(thumbnail["width"] as? Int, 640)
            XCTAssertEqual(thumbnail["height"] as? Int, 360)
            let url = try XCTUnwrap(created.json["url"] as? String)
            XCTAssertEqual(created.header("Location"), url)
            let served = try fetch(url)
            XCTAssertEqual(served.status, 200)
            XCTAssertEqual(served.header("content-type"), format.mimeType)
            XCTAssertEqual(served.header("x-content-type-options"), "nosniff")
            XCTAssertEqual(served.header("content-security-policy"), "default-src 'none'; sandbox")
            XCTAssertEqual(served.header("cache-control"), "public, max-age=31536000, immutable")
            XCTAssertEqual(ImageFormat.sniff(served.body.withUnsafeBytes { UnsafeRawBufferPointer(rebasing: $0[...]) }), format)
            XCTAssertEqual(served.body.count, created.json["bytes"] as? Int)
            // Re-encoded from pixels: never the sender's bytes.
            if format != .png { XCTAssertTrue(served.body != original, "re-encoded") }  // lossless PNG may come out the same
            let etag = try XCTUnwrap(served.header("etag"))
            XCTAssertEqual(try client.request("GET", url, headers: [("If-None-Match", etag)]).status, 304)
            let small = try fetch(thumbnail["url"] as! String)
            XCTAssertEqual(small.status, 200)
            XCTAssertEqual(small.header("content-type"), format.mimeType)
            // Stored content-addressed under the media folder.
            let name = String(url.dropFirst("/media/".count))
            XCTAssertTrue(FileManager.default.fileExists(atPath: "\(mediaDirectory)/\(name.prefix(2))/\(name)"))
        }
        let list = try client.get("/ideas/\(idea)/media")
        XCTAssertEqual((list.json["items"] as? [[String: Any]])?.count, 3)
        // Lists show the first picture's rendition.
        let image = try XCTUnwrap(try client.get("/ideas/\(idea)").json["image"] as? [String: Any])
        XCTAssertEqual(image["url"] as? String, ((list.json["items"] as! [[String: Any]])[0]["thumbnail"] as! [String: Any])["url"] as? String)
        XCTAssertEqual(try service.scalar("SELECT COUNT(*) FROM media"), 3)
        // Nothing left in the spool.
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: "\(mediaDirectory)/spool"), [])
    }

    func testLocationAndEveryOtherMetadataBlockAreStripped() throws {
        let (token, idea) = try authorAndIdea()
        let plain = MediaFixtures.image(.jpeg, width: 400, height: 200)
        let phone = MediaFixtures.withPhoneMetadata(plain, orientation: 6)
        // The fixture really carries it (so the test can fail).
        XCTAssertTrue(MediaFixtures.jpegMarkers(phone).contains(0xE1))
        XCTAssertTrue(MediaFixtures.contains(phone, "Exif"))
        XCTAssertTrue(MediaFixtures.contains(phone, "GPSLatitude"))
        let created = try upload(idea, phone, token: token)
        XCTAssertEqual(created.status, 201, created.text)
        // Orientation 6 (turn 90° clockwise) is applied to the pixels before the tag goes.
        XCTAssertEqual(created.json["width"] as? Int, 200)
        XCTAssertEqual(created.json["height"] as? Int, 400)
        for url in [created.json["url"] as! String, (created.json["thumbnail"] as! [String: Any])["url"] as! String] {
            let stored = try fetch(url).body
            let markers = MediaFixtures.jpegMarkers(stored)
            XCTAssertTrue(markers.contains(0xDA), "parsed up to the image data")
            for marker: UInt8 in Array(0xE1...0xEF) + [0xFE] {
                XCTAssertFalse(markers.contains(marker), String(format: "marker FF%02X survived", marker))
            }
            for text in ["Exif", "GPS", "PhoneCo", "xmpmeta", "Seoul", "taken at home", "8BIM"] {
                XCTAssertFalse(MediaFixtures.contains(stored, text), "\(text) survived")
            }
        }
    }

    func testTheBytesDecideNotTheNameOrTheDeclaredType() throws {
        let (token, idea) = try authorAndIdea()
        // A PNG called .jpg and declared image/jpeg is a PNG.
        let png = try upload(idea, MediaFixtures.image(.png), token: token, filename: "holiday.jpg", type: "image/jpeg")
        XCTAssertEqual(png.status, 201, png.text)
        XCTAssertEqual(png.json["content_type"] as? String, "image/png")
        XCTAssertTrue((png.json["url"] as? String)?.hasSuffix(".png") == true)
        // Anything else is 415, whatever it is called.
        let gif = Array("GIF89a".utf8) + [1, 0, 1, 0, 0x80, 0, 0, 0, 0, 0, 0xFF, 0xFF, 0xFF, 0x21, 0xF9, 4, 1, 0, 0, 0, 0, 0x2C, 0, 0, 0, 0, 1, 0, 1, 0, 0, 2, 2, 0x44, 1, 0, 0x3B]
        let html = Array("<html><script>alert(document.cookie)</script></html>".utf8)
        let svg = Array("<svg xmlns=\"http://www.w3.org/2000/svg\" onload=\"alert(1)\"/>".utf8)
        let pdf = Array("%PDF-1.4\n%\u{e2}\u{e3}\n1 0 obj<<>>endobj\n".utf8)
        for (bytes, name) in [(gif, "a.gif"), (html, "a.png"), (svg, "a.jpg"), (pdf, "a.webp"), ([0xFF, 0xD8], "short.jpg")] {
            assertError(try upload(idea, bytes, token: token, filename: name, type: "image/png"), 415, "unsupported_media_type")
        }
        // A WebP header on a RIFF of something else, and JPEG magic on garbage: recognised, then refused as undecodable.
        assertError(try upload(idea, Array("RIFF\u{0}\u{0}\u{0}\u{0}WEBPVP8 garbage".utf8), token: token), 422, "invalid_image")
        assertError(try upload(idea, [0xFF, 0xD8, 0xFF, 0xE0] + Array(repeating: 0x41, count: 500), token: token), 422, "invalid_image")
        XCTAssertEqual(try service.scalar("SELECT COUNT(*) FROM media"), 1)
    }

    func testAPolyglotKeepsOnlyItsPicture() throws {
        let (token, idea) = try authorAndIdea()
        // A valid JPEG with an HTML page and a ZIP's end record after its end marker.
        let polyglot = MediaFixtures.image(.jpeg) + Array("<html><script>alert(document.cookie)</script></html>".utf8)
            + [0x50, 0x4B, 0x05, 0x06] + Array(repeating: 0, count: 18)
        let created = try upload(idea, polyglot, token: token, filename: "x.html", type: "text/html")
        XCTAssertEqual(created.status, 201, created.text)
        let stored = try fetch(created.json["url"] as! String)
        XCTAssertEqual(stored.header("content-type"), "image/jpeg")
        XCTAssertFalse(MediaFixtures.contains(stored.body, "<script"))
        XCTAssertFalse(MediaFixtures.contains(stored.body, "<html"))
        XCTAssertEqual(Array(stored.body.suffix(2)), [0xFF, 0xD9], "ends at the JPEG's own end marker")
    }

    func testTruncatedPicturesAndTruncatedUploads() throws {
        let (token, idea) = try authorAndIdea()
        let whole = MediaFixtures.image(.jpeg, width: 800, height: 600)
        assertError(try upload(idea, Array(whole.prefix(whole.count / 2)), token: token), 422, "invalid_image")
        let png = MediaFixtures.image(.png, width: 800, height: 600)
        assertError(try upload(idea, Array(png.prefix(png.count / 2)), token: token), 422, "invalid_image")
        // The multipart body ends before its closing boundary.
        let form = MediaFixtures.form(file: whole)
        let cut = try client.request("POST", "/ideas/\(idea)/media", body: Array(form.prefix(form.count - 30)), token: token,
                                     contentType: MediaFixtures.contentType)
        assertError(cut, 400, "invalid_multipart")
        // The connection ends mid-body: nothing is stored, the spool file goes.
        var raw: RawConnection? = try RawConnection(port: service.port)
        try raw?.send("POST /ideas/\(idea)/media HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer \(token)\r\nContent-Type: \(MediaFixtures.contentType)\r\nContent-Length: \(form.count)\r\n\r\n")
        try raw?.send(Array(form.prefix(form.count / 2)))
        Thread.sleep(forTimeInterval: 0.2)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: "\(mediaDirectory)/spool").count, 1, "spooled while it arrives")
        raw = nil  // closes the connection
        let deadline = Date().addingTimeInterval(5)
        while Date() < deadline, (try? FileManager.default.contentsOfDirectory(atPath: "\(mediaDirectory)/spool").count) != 0 {
            Thread.sleep(forTimeInterval: 0.05)
        }
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: "\(mediaDirectory)/spool"), [])
        XCTAssertEqual(try service.scalar("SELECT COUNT(*) FROM media"), 0)
    }

    func testAnUploadOverTheLimitIsRefusedBeforeItsBodyIsRead() throws {
        service.media.maxUpload = 256 << 10
        try service.restart()
        client = service.client()
        let (token, idea) = try authorAndIdea()
        // Only the head is sent: the answer comes at once, without waiting for 10 MB.
        let raw = try RawConnection(port: service.port)
        try raw.send("POST /ideas/\(idea)/media HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer \(token)\r\nContent-Type: \(MediaFixtures.contentType)\r\nContent-Length: 10485760\r\n\r\n")
        let response = try raw.readResponse()
        XCTAssertEqual(response.status, 413)
        XCTAssertEqual(response.errorCode, "payload_too_large")
        // Chunked: refused as soon as it passes the limit.
        let chunked = try RawConnection(port: service.port)
        try chunked.send("POST /ideas/\(idea)/media HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer \(token)\r\nContent-Type: \(MediaFixtures.contentType)\r\nTransfer-Encoding: chunked\r\n\r\n")
        let chunk = [UInt8](repeating: 0x41, count: 64 << 10)
        var status = 0
        for _ in 0..<8 {
            guard (try? chunked.send(Array("10000\r\n".utf8) + chunk + Array("\r\n".utf8))) != nil else { break }
        }
        if let answer = try? chunked.readResponse() { status = answer.status }
        XCTAssertEqual(status, 413)
        // Other routes keep the ordinary body limit; uploads within the limit work.
        XCTAssertEqual(try upload(idea, MediaFixtures.image(.jpeg), token: token).status, 201)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: "\(mediaDirectory)/spool"), [])
    }

    func testWhoMayUploadAndMalformedForms() throws {
        let (token, idea) = try authorAndIdea()
        let (_, other) = try signUp("Other")
        let picture = MediaFixtures.image(.jpeg)
        assertError(try client.request("POST", "/ideas/\(idea)/media", body: MediaFixtures.form(file: picture),
                                       contentType: MediaFixtures.contentType), 401, "unauthorized")
        assertError(try upload(idea, picture, token: other), 403, "forbidden")
        assertError(try upload(999_999, picture, token: token), 404, "not_found")
        assertError(try client.request("POST", "/ideas/\(idea)/media", json: ["file": "x"], token: token), 415, "unsupported_media_type")
        assertError(try client.request("POST", "/ideas/\(idea)/media", body: Array("garbage".utf8), token: token,
                                       contentType: MediaFixtures.contentType), 400, "invalid_multipart")
        assertError(try upload(idea, nil, token: token, fields: [("alt", "no file")]), 400, "invalid_multipart")
        assertError(try upload(idea, picture, token: token, fields: [("alt", String(repeating: "a", count: 301))]), 400, "invalid_request")
        // Ten pictures an idea.
        for i in 0..<10 {
            XCTAssertEqual(try upload(idea, MediaFixtures.image(.png, width: 40 + i, height: 30), token: token).status, 201)
        }
        assertError(try upload(idea, picture, token: token), 400, "invalid_request", mentioning: "at most 10")
        // Dimensions: a decompression bomb's header is refused before decoding.
        assertError(try upload(try createIdea(token, title: "Another roof idea")["id"] as! Int,
                               MediaFixtures.image(.png, width: 10_001, height: 1), token: token), 422, "invalid_image")
    }

    func testTheQuotaPerCustomer() throws {
        // Room for two of these pictures as stored, not three.
        let stored = try MediaFixtures.image(.png, width: 300, height: 300).withUnsafeBytes { try Imaging.process($0) }
        let size = Int64(stored.bytes.count + stored.rendition.count)
        service.media.quotaBytes = size * 5 / 2
        try service.restart()
        client = service.client()
        let (token, idea) = try authorAndIdea()
        var statuses: [Int] = []
        for _ in 0..<3 {
            let response = try upload(idea, MediaFixtures.image(.png, width: 300, height: 300), token: token)
            statuses.append(response.status)
            if response.status != 201 { assertError(response, 413, "media_quota_exceeded") }
        }
        XCTAssertEqual(statuses, [201, 201, 413])
        XCTAssertEqual(try service.scalar("SELECT SUM(bytes + rendition_bytes) FROM media"), size * 2)
    }

    func testRemovalModerationAndHiddenIdeas() throws {
        let (token, idea) = try authorAndIdea()
        let (_, reader) = try signUp("Reader")
        let first = try upload(idea, MediaFixtures.image(.jpeg, width: 300, height: 300), token: token)
        let second = try upload(idea, MediaFixtures.image(.png, width: 310, height: 300), token: token)
        let third = try upload(idea, MediaFixtures.image(.webp, width: 320, height: 300), token: token)
        let firstURL = first.json["url"] as! String, secondURL = second.json["url"] as! String, thirdURL = third.json["url"] as! String
        // The author removes one: row and files go.
        assertError(try client.request("DELETE", "/ideas/\(idea)/media/\(first.json["id"] as! Int)", token: reader), 403, "forbidden")
        XCTAssertEqual(try client.request("DELETE", "/ideas/\(idea)/media/\(first.json["id"] as! Int)", token: token).status, 204)
        XCTAssertEqual(try fetch(firstURL).status, 404)
        let name = String(firstURL.dropFirst("/media/".count))
        XCTAssertFalse(FileManager.default.fileExists(atPath: "\(mediaDirectory)/\(name.prefix(2))/\(name)"))
        assertError(try client.request("DELETE", "/ideas/\(idea)/media/\(first.json["id"] as! Int)", token: token), 404, "not_found")
        // A reader flags one; a moderator hides it by resolving the flag.
        let flag = try client.post("/media/\(second.json["id"] as! Int)/flags", ["reason": "not my photo"], token: reader)
        XCTAssertEqual(flag.status, 201, flag.text)
        XCTAssertEqual(flag.json["target_type"] as? String, "media")
        assertError(try client.post("/media/\(second.json["id"] as! Int)/flags", ["reason": "again"], token: reader), 409, "already_flagged")
        XCTAssertEqual(try client.post("/admin/flags/\(flag.json["id"] as! Int)/resolve", ["action": "hide"], token: service.adminToken).status, 200)
        XCTAssertEqual(try fetch(secondURL).status, 404)
        XCTAssertEqual((try client.get("/ideas/\(idea)/media").json["items"] as? [[String: Any]])?.count, 1)
        assertError(try client.post("/media/\(second.json["id"] as! Int)/flags", ["reason": "hidden now"], token: token), 404, "not_found")
        // Staff remove the last one (audited).
        XCTAssertEqual(try client.request("DELETE", "/ideas/\(idea)/media/\(third.json["id"] as! Int)", token: service.adminToken).status, 204)
        XCTAssertEqual(try fetch(thirdURL).status, 404)
        XCTAssertEqual(try service.scalar("SELECT COUNT(*) FROM audit_log WHERE action = 'media.remove'"), 1)
        XCTAssertTrue(try client.get("/ideas/\(idea)").json["image"] is NSNull, "no visible picture left")
        // Hiding the idea hides its pictures.
        let fourth = try upload(idea, MediaFixtures.image(.jpeg, width: 330, height: 300), token: token)
        XCTAssertEqual(try fetch(fourth.json["url"] as! String).status, 200)
        XCTAssertEqual(try client.request("PATCH", "/admin/ideas/\(idea)", json: ["hidden": true], token: service.adminToken).status, 200)
        XCTAssertEqual(try fetch(fourth.json["url"] as! String).status, 404)
        XCTAssertEqual(try fetch((fourth.json["thumbnail"] as! [String: Any])["url"] as! String).status, 404)
        // Names that are not a stored file's never reach the disk.
        for bad in ["/media/..%2F..%2Fgroundswell.sqlite", "/media/x.jpg", "/media/" + String(repeating: "0", count: 64) + ".gif"] {
            XCTAssertEqual(try fetch(bad).status, 404, bad)
        }
    }

    func testErasureDeletesPicturesAndExportListsThem() throws {
        let (token, idea) = try authorAndIdea()
        let created = try upload(idea, MediaFixtures.image(.jpeg, width: 500, height: 300), token: token)
        let export = try client.get("/me/data", token: token)
        let media = try XCTUnwrap(export.json["media"] as? [[String: Any]])
        XCTAssertEqual(media.first?["url"] as? String, created.json["url"] as? String)
        XCTAssertEqual(try client.request("DELETE", "/me", token: token).status, 204)
        XCTAssertEqual(try fetch(created.json["url"] as! String).status, 404)
        XCTAssertEqual(try service.scalar("SELECT COUNT(*) FROM media"), 0)
        let name = String((created.json["url"] as! String).dropFirst("/media/".count))
        XCTAssertFalse(FileManager.default.fileExists(atPath: "\(mediaDirectory)/\(name.prefix(2))/\(name)"))
    }

    func testAHundredConcurrentUploads() throws {
        var work: [(String, Int, [UInt8])] = []
        for i in 0..<10 {
            let (token, idea) = try authorAndIdea("Creator \(i)")
            for j in 0..<10 { work.append((token, idea, MediaFixtures.image(.jpeg, width: 1200 + i, height: 800 + j))) }
        }
        // A hundred decodes on two cores (and PostgreSQL beside them) can take longer than a request's
        // usual 10 s: wait for each answer rather than time out and send the upload again.
        let statuses = concurrently(work, timeout: 120) { client, item in
            try client.request("POST", "/ideas/\(item.1)/media", body: MediaFixtures.form(file: item.2), token: item.0,
                               contentType: MediaFixtures.contentType)
        }
        XCTAssertEqual(statuses.filter { $0 == 201 }.count, 100, "\(statuses)")
        XCTAssertEqual(try service.scalar("SELECT COUNT(*) FROM media"), 100)
        XCTAssertEqual(try service.scalar("SELECT COUNT(DISTINCT sha256) FROM media"), 100)
        // Bodies went to disk, not to the server's memory budget; the spool is empty after.
        XCTAssertEqual(service.server.bufferedBytes, 0)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: "\(mediaDirectory)/spool"), [])
    }

    func testRestartRemovesFilesNoRowUses() throws {
        try XCTSkipIf(TestService.engine == .postgres, "on PostgreSQL the picture folder is shared by nodes and not swept at start")
        let (token, idea) = try authorAndIdea()
        let created = try upload(idea, MediaFixtures.image(.jpeg), token: token)
        // What a crash between the files and the commit leaves: a file no row names, a temp file, a spool file.
        let orphan = MediaFixtures.image(.png, width: 12, height: 12)
        let files = try MediaFiles(directory: mediaDirectory)
        let orphanName = try files.store(orphan, format: .png)
        FileManager.default.createFile(atPath: "\(mediaDirectory)/tmp/half-written", contents: Data([1, 2, 3]))
        FileManager.default.createFile(atPath: "\(mediaDirectory)/spool/upload-1-1-1", contents: Data([1, 2, 3]))
        try service.restart()
        client = service.client()
        XCTAssertFalse(FileManager.default.fileExists(atPath: files.path(of: orphanName)))
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: "\(mediaDirectory)/tmp"), [])
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: "\(mediaDirectory)/spool"), [])
        XCTAssertEqual(try fetch(created.json["url"] as! String).status, 200, "pictures in use stay")
    }
}

extension MediaTests {
    /// `groundswell backup` copies the files the rows use beside the database copy; `restore`
    /// puts them back into a new media folder, and a server on the restored database serves them.
    func testBackupAndRestoreCoverPictures() throws {
        try XCTSkipIf(TestService.engine == .postgres, "backup and restore are SQLite's; PostgreSQL has pg_dump")
        let (token, idea) = try authorAndIdea()
        let created = try upload(idea, MediaFixtures.image(.webp, width: 900, height: 600), token: token)
        XCTAssertEqual(created.status, 201)
        let backup = service.directory.appendingPathComponent("backup.sqlite").path
        // An upload in progress on the live server keeps its temporary file through a backup.
        let inProgress = "\(mediaDirectory)/tmp/upload-in-progress"
        FileManager.default.createFile(atPath: inProgress, contents: Data([1, 2, 3]))
        let (status, output) = try TestBinary.run(["backup", "--db", service.databasePath, "--out", backup])
        XCTAssertEqual(status, 0, output)
        XCTAssertTrue(FileManager.default.fileExists(atPath: inProgress), "backup must not clear the live server's temporary files")
        XCTAssertTrue(output.contains("2 picture files"), output)
        let name = String((created.json["url"] as! String).dropFirst("/media/".count))
        XCTAssertTrue(FileManager.default.fileExists(atPath: "\(backup).media/\(name.prefix(2))/\(name)"))
        let elsewhere = service.directory.appendingPathComponent("elsewhere")
        try FileManager.default.createDirectory(at: elsewhere, withIntermediateDirectories: true)
        let restored = elsewhere.appendingPathComponent("restored.sqlite").path
        let (restoreStatus, restoreOutput) = try TestBinary.run(["restore", "--from", backup, "--db", restored])
        XCTAssertEqual(restoreStatus, 0, restoreOutput)
        let copy = try XCTUnwrap(FileManager.default.contents(atPath: elsewhere.appendingPathComponent("media/\(name.prefix(2))/\(name)").path))
        XCTAssertEqual(Array(copy), try fetch(created.json["url"] as! String).body)
    }
}

extension MediaTests {
    /// A retried upload with the same Idempotency-Key is stored once; another picture under the
    /// same key is a mismatch (the spooled body is part of the request's fingerprint).
    func testIdempotentUploads() throws {
        let (token, idea) = try authorAndIdea()
        let form = MediaFixtures.form(file: MediaFixtures.image(.jpeg, width: 700, height: 500))
        func send(_ body: [UInt8]) throws -> ClientResponse {
            try client.request("POST", "/ideas/\(idea)/media", body: body, token: token, headers: [("Idempotency-Key", "upload-1")],
                               contentType: MediaFixtures.contentType)
        }
        let first = try send(form)
        XCTAssertEqual(first.status, 201, first.text)
        let retry = try send(form)
        XCTAssertEqual(retry.status, 201)
        XCTAssertEqual(retry.json["id"] as? Int, first.json["id"] as? Int)
        XCTAssertEqual(try service.scalar("SELECT COUNT(*) FROM media"), 1)
        assertError(try send(MediaFixtures.form(file: MediaFixtures.image(.jpeg, width: 701, height: 500))), 422, "idempotency_mismatch")
    }
}

extension MediaTests {
    /// A slow phone connection: an upload may take longer than an ordinary request to arrive
    /// (`uploadTimeout`), while other bodies keep the short limit.
    func testUploadsGetLongerToArriveThanOtherRequests() throws {
        service.serverConfiguration.requestTimeout = 1
        service.serverConfiguration.uploadTimeout = 5
        try service.restart()
        client = service.client()
        let (token, idea) = try authorAndIdea()
        let form = MediaFixtures.form(file: MediaFixtures.image(.jpeg, width: 640, height: 480))
        let slow = try RawConnection(port: service.port)
        try slow.send("POST /ideas/\(idea)/media HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer \(token)\r\nContent-Type: \(MediaFixtures.contentType)\r\nContent-Length: \(form.count)\r\n\r\n")
        try slow.send(Array(form.prefix(form.count / 2)))
        let other = try RawConnection(port: service.port)
        try other.send("POST /ideas HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer \(token)\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{\"title\"")
        Thread.sleep(forTimeInterval: 2.5)
        try slow.send(Array(form.suffix(from: form.count / 2)))
        XCTAssertEqual(try slow.readResponse().status, 201, "the upload had time")
        XCTAssertEqual(try other.readResponse().status, 408, "an ordinary body did not")
    }
}

extension MediaTests {
    /// The same picture on two ideas is stored once; removing it from one keeps the file for the other.
    func testASharedFileStaysWhileAnotherPictureUsesIt() throws {
        let (token, first) = try authorAndIdea()
        let second = try createIdea(token, title: "A second idea with the same photo")["id"] as! Int
        let picture = MediaFixtures.image(.jpeg, width: 800, height: 600)
        let a = try upload(first, picture, token: token)
        let b = try upload(second, picture, token: token)
        XCTAssertEqual(a.json["url"] as? String, b.json["url"] as? String, "content-addressed: one file")
        XCTAssertEqual(try client.request("DELETE", "/ideas/\(first)/media/\(a.json["id"] as! Int)", token: token).status, 204)
        XCTAssertEqual(try fetch(b.json["url"] as! String).status, 200, "still used by the second idea")
        XCTAssertEqual(try client.request("DELETE", "/ideas/\(second)/media/\(b.json["id"] as! Int)", token: token).status, 204)
        XCTAssertEqual(try fetch(b.json["url"] as! String).status, 404)
        let name = String((b.json["url"] as! String).dropFirst("/media/".count))
        XCTAssertFalse(FileManager.default.fileExists(atPath: "\(mediaDirectory)/\(name.prefix(2))/\(name)"), "gone with its last use")
    }
}
