import XCTest
@testable import HTTPServer

/// The trie's matching rules, without sockets: literals before parameters, percent-decoding
/// before comparing, empty segments ignored, 405 with the allowed methods.
final class RouterTests: XCTestCase {
    private func router() -> Router {
        let router = Router()
        for pattern in ["/ideas", "/ideas/{id}", "/ideas/{id}/votes", "/ideas/top", "/idea", "/users/me"] {
            router.get(pattern) { _ in .response(Response(body: [])) }
        }
        router.post("/ideas/{id}/votes") { _ in .response(Response(body: [])) }
        return router
    }

    private func pattern(_ match: Router.Match) -> String? {
        if case .found(_, _, let pattern) = match { return pattern }
        return nil
    }

    func testLiteralsWinOverParametersAndLengthsMustMatch() {
        let router = router()
        XCTAssertEqual(pattern(router.match(.get, path: "/ideas/top")), "/ideas/top")
        XCTAssertEqual(pattern(router.match(.get, path: "/ideas/tops")), "/ideas/{id}")
        XCTAssertEqual(pattern(router.match(.get, path: "/idea")), "/idea")
        XCTAssertEqual(pattern(router.match(.get, path: "/ideas")), "/ideas")
        XCTAssertEqual(pattern(router.match(.get, path: "//ideas//7/votes/")), "/ideas/{id}/votes")
        XCTAssertNil(pattern(router.match(.get, path: "/ideasx")))
        XCTAssertNil(pattern(router.match(.get, path: "/users/you")))
        XCTAssertNil(pattern(router.match(.get, path: "/Ideas")))
    }

    func testSegmentsArePercentDecodedBeforeMatching() {
        let router = router()
        XCTAssertEqual(pattern(router.match(.get, path: "/ide%61s/t%6Fp")), "/ideas/top")
        if case .found(_, let parameters, _) = router.match(.get, path: "/ideas/a%20b/votes") {
            XCTAssertEqual(parameters["id"], "a b")
        } else {
            XCTFail("parameter segment did not match")
        }
        if case .found(_, let parameters, _) = router.match(.get, path: "/ideas/42") {
            XCTAssertEqual(parameters["id"], "42")
        } else {
            XCTFail("parameter segment did not match")
        }
        XCTAssertNil(pattern(router.match(.get, path: "/ideas/%zz")))
    }

    func testWrongMethodListsTheAllowedOnes() {
        guard case .methodNotAllowed(let allowed) = router().match(.delete, path: "/ideas/1/votes") else {
            return XCTFail("expected 405")
        }
        XCTAssertEqual(allowed, [.get, .head, .post, .options])
    }
}
