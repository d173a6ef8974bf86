import XCTest
@testable import Rules

/// Video and link attachments (issue 18): recognised by their address, normalised, or refused.
final class AttachedLinkTests: XCTestCase {
    func testYouTubeAndVimeoInEveryUsualForm() {
        for text in ["https://www.youtube.com/watch?v=dQw4w9WgXcQ", "http://youtube.com/watch?feature=share&v=dQw4w9WgXcQ#t=3",
                     "https://youtu.be/dQw4w9WgXcQ?si=abc", "https://m.youtube.com/watch?v=dQw4w9WgXcQ",
                     "https://www.youtube.com/shorts/dQw4w9WgXcQ", " https://www.youtube.com/embed/dQw4w9WgXcQ "] {
            let link = AttachedLink(text)
            XCTAssertEqual(link?.kind, .youtube, text)
            XCTAssertEqual(link?.url, "https://www.youtube.com/watch?v=dQw4w9WgXcQ", text)
            XCTAssertEqual(link?.embedURL, "https://www.youtube-nocookie.com/embed/dQw4w9WgXcQ")
        }
        XCTAssertEqual(AttachedLink("https://vimeo.com/76979871")?.embedURL, "https://player.vimeo.com/video/76979871?dnt=1")
        XCTAssertEqual(AttachedLink("https://www.youtube.com/watch?v=short")?.kind, .link, "not a video id: a plain link")
        XCTAssertEqual(AttachedLink("https://vimeo.com/channels/staffpicks")?.kind, .link)
    }

    func testOtherLinksAndRefusals() {
        XCTAssertEqual(AttachedLink("https://example.com/plan.pdf"), AttachedLink("https://example.com/plan.pdf"))
        XCTAssertEqual(AttachedLink("https://example.com/plan.pdf")?.kind, .link)
        for bad in ["javascript:alert(1)", "ftp://example.com/x", "https://user:pass@example.com/", "https://exa mple.com",
                    "https://", "example.com", "https://localhost/", "https://example.com/\"><script>", ""] {
            XCTAssertNil(AttachedLink(bad), bad)
        }
    }
}
