import Foundation
import TestSupport
import XCTest
@testable import Groundswell

/// Accounts for people (issue 15, first part): passwords (Argon2id), browser sessions with a
/// cookie and a CSRF token, no account enumeration, failures rate-limited.
final class SessionTests: ServiceTestCase {
    func signUpWithEmail(_ email: String) throws -> String {
        let response = try client.post("/users", ["name": "Person", "email": email])
        XCTAssertEqual(response.status, 201, response.text)
        return response.json["token"] as! String
    }

    func signIn(_ email: String, _ password: String, userAgent: String = "Test browser") throws -> ClientResponse {
        try client.request("POST", "/sessions", json: ["email": email, "password": password], headers: [("User-Agent", userAgent)])
    }

    func cookie(_ response: ClientResponse) -> String? {
        guard let header = response.header("Set-Cookie") else { return nil }
        return header.split(separator: ";").first.map(String.init)
    }

    func testPasswordSignInSessionCookieAndCSRF() throws {
        let token = try signUpWithEmail("ann@example.com")
        XCTAssertEqual(try client.request("PUT", "/me/password", json: ["password": "short"], token: token).status, 400)
        XCTAssertEqual(try client.request("PUT", "/me/password", json: ["password": "tab\there long"], token: token).status, 400)
        XCTAssertEqual(try client.request("PUT", "/me/password", json: [:], token: token).status, 400)
        XCTAssertEqual(try client.request("PUT", "/me/password", json: ["password": "correct horse battery"]).status, 401)
        XCTAssertEqual(try client.request("PUT", "/me/password", json: ["password": "correct horse battery"], token: token).status, 204)
        // The stored hash is Argon2id with OWASP's parameters, never the password.
        let stored = try service.app.context.read { db in try SessionStore.passwordHash(db, userID: 1) }
        XCTAssertTrue(stored?.hasPrefix("$argon2id$v=19$m=19456,t=2,p=1$") == true, stored ?? "nil")

        // Wrong password and unknown email: the same status, code and message.
        let wrong = try signIn("ann@example.com", "wrong password!")
        let unknown = try signIn("nobody@example.com", "wrong password!")
        XCTAssertEqual(wrong.status, 401)
        XCTAssertEqual(wrong.errorCode, "invalid_credentials")
        XCTAssertEqual(wrong.text, unknown.text)
        XCTAssertNil(wrong.header("Set-Cookie"))

        let signedIn = try signIn("ANN@example.com", "correct horse battery")
        XCTAssertEqual(signedIn.status, 201, signedIn.text)
        let setCookie = try XCTUnwrap(signedIn.header("Set-Cookie"))
        XCTAssertTrue(setCookie.hasPrefix("gs_session=gss_"))
        XCTAssertTrue(setCookie.contains("HttpOnly"))
        XCTAssertTrue(setCookie.contains("SameSite=Lax"))
        XCTAssertTrue(setCookie.contains("Path=/"))
        XCTAssertFalse(setCookie.contains("Secure"), "the public URL is plain http here")
        XCTAssertEqual(signedIn.header("Cache-Control"), "no-store")
        let csrf = try XCTUnwrap(signedIn.json["csrf_token"] as? String)
        let session = try XCTUnwrap(cookie(signedIn))

        // The cookie authenticates; a change needs the CSRF token too.
        let me = try client.request("GET", "/me", headers: [("Cookie", "theme=dark; \(session)")])
        XCTAssertEqual(me.status, 200)
        XCTAssertEqual(me.json["email"] as? String, "ann@example.com")
        let idea = ["title": "Cookie idea", "description": "d", "category": "drinks"]
        let noCSRF = try client.request("POST", "/ideas", json: idea, headers: [("Cookie", session)])
        XCTAssertEqual(noCSRF.status, 403)
        XCTAssertEqual(noCSRF.errorCode, "csrf_failed")
        let badCSRF = try client.request("POST", "/ideas", json: idea, headers: [("Cookie", session), ("X-CSRF-Token", String(csrf.reversed()))])
        XCTAssertEqual(badCSRF.errorCode, "csrf_failed")
        let created = try client.request("POST", "/ideas", json: idea, headers: [("Cookie", session), ("X-CSRF-Token", csrf)])
        XCTAssertEqual(created.status, 201, created.text)
        XCTAssertEqual(try client.request("GET", "/me", headers: [("Cookie", "gs_session=gss_made_up")]).status, 401)

        // Sessions are listed and revocable; changing the password from a session needs the old one.
        let other = try XCTUnwrap(cookie(try signIn("ann@example.com", "correct horse battery", userAgent: "Phone")))
        let sessions = try client.request("GET", "/me/sessions", headers: [("Cookie", session)]).json["items"] as! [[String: Any]]
        XCTAssertEqual(sessions.count, 2)
        XCTAssertEqual(sessions.filter { $0["current"] as? Bool == true }.count, 1)
        XCTAssertEqual(Set(sessions.map { $0["user_agent"] as! String }), ["Test browser", "Phone"])
        let needsOld = try client.request("PUT", "/me/password", json: ["password": "new password here"],
                                          headers: [("Cookie", session), ("X-CSRF-Token", csrf)])
        XCTAssertEqual(needsOld.status, 400)
        let wrongOld = try client.request("PUT", "/me/password", json: ["password": "new password here", "current_password": "nope nope"],
                                          headers: [("Cookie", session), ("X-CSRF-Token", csrf)])
        XCTAssertEqual(wrongOld.status, 403)
        XCTAssertEqual(wrongOld.errorCode, "wrong_password")
        let changed = try client.request("PUT", "/me/password", json: ["password": "new password here", "current_password": "correct horse battery"],
                                         headers: [("Cookie", session), ("X-CSRF-Token", csrf)])
        XCTAssertEqual(changed.status, 204)
        XCTAssertEqual(try client.request("GET", "/me", headers: [("Cookie", other)]).status, 401, "other sessions end with a new password")
        XCTAssertEqual(try client.request("GET", "/me", headers: [("Cookie", session)]).status, 200, "the session in use stays")
        XCTAssertEqual(try signIn("ann@example.com", "correct horse battery").status, 401)

        // Revoking, signing out, and rotating the token end sessions.
        let third = try signIn("ann@example.com", "new password here")
        let thirdID = third.json["id"] as! Int
        XCTAssertEqual(try client.request("DELETE", "/me/sessions/\(thirdID)", token: token).status, 204)
        XCTAssertEqual(try client.request("GET", "/me", headers: [("Cookie", cookie(third)!)]).status, 401)
        XCTAssertEqual(try client.request("DELETE", "/me/sessions/\(thirdID)", token: token).status, 404)
        let out = try client.request("DELETE", "/sessions/current", headers: [("Cookie", session), ("X-CSRF-Token", csrf)])
        XCTAssertEqual(out.status, 204)
        XCTAssertTrue(out.header("Set-Cookie")!.contains("Max-Age=0"))
        XCTAssertEqual(try client.request("GET", "/me", headers: [("Cookie", session)]).status, 401)
        let fourth = try XCTUnwrap(cookie(try signIn("ann@example.com", "new password here")))
        XCTAssertEqual(try client.post("/me/token", token: token).status, 200)
        XCTAssertEqual(try client.request("GET", "/me", headers: [("Cookie", fourth)]).status, 401)
    }

    /// The decoy is never made by hashing (no Argon2 run, no 19 MiB at start-up), yet checking a
    /// password against it runs Argon2 to the end like a real hash: a mismatch, not a decoding
    /// failure (which would answer sooner and tell unknown emails apart).
    func testDecoyHashIsCheckedLikeARealOne() throws {
        let real = try XCTUnwrap(PasswordHasher.hash("correct horse battery"))
        let decoy = PasswordHasher.decoy
        let parameters = { (hash: String) in hash.split(separator: "$").prefix(3).joined(separator: "$") }
        XCTAssertEqual(parameters(decoy), parameters(real))
        XCTAssertEqual(decoy.split(separator: "$").map(\.count), real.split(separator: "$").map(\.count))
        let mismatch = PasswordHasher.verifyStatus("wrong password!", hash: real)
        XCTAssertNotEqual(mismatch, 0)
        for password in ["", "correct horse battery", String(repeating: "x", count: 128)] {
            XCTAssertEqual(PasswordHasher.verifyStatus(password, hash: decoy), mismatch, password)
        }
        XCTAssertNotEqual(PasswordHasher.verifyStatus("x", hash: "$argon2id$v=19$m=19456,t=2,p=1$bad$bad"), mismatch,
                          "a malformed hash answers otherwise: the decoy is not one")
    }

    func testFailedSignInsAreLimitedPerAccount() throws {
        let token = try signUpWithEmail("bob@example.com")
        XCTAssertEqual(try client.request("PUT", "/me/password", json: ["password": "bob's long password"], token: token).status, 204)
        for _ in 0..<SignInLimiter.perAccount {
            XCTAssertEqual(try signIn("bob@example.com", "guess guess").status, 401)
        }
        let limited = try signIn("bob@example.com", "bob's long password")
        XCTAssertEqual(limited.status, 429)
        XCTAssertEqual(limited.errorCode, "rate_limited")
        XCTAssertNotNil(limited.header("Retry-After"))
        XCTAssertTrue(limited.text.contains("too many failed sign-ins"))
        // Erasure ends the password and the sessions.
        XCTAssertEqual(try client.request("DELETE", "/me", token: token).status, 204)
        let gone = try service.app.context.read { db in try SessionStore.passwordHash(db, userID: 1) }
        XCTAssertNil(gone)
    }

    func testCookieSessionsAreRefusedForBannedAccounts() throws {
        let token = try signUpWithEmail("carol@example.com")
        XCTAssertEqual(try client.request("PUT", "/me/password", json: ["password": "carol's password"], token: token).status, 204)
        let session = try XCTUnwrap(cookie(try signIn("carol@example.com", "carol's password")))
        XCTAssertEqual(try client.post("/admin/users/1/ban", ["void_votes": false], token: service.adminToken).status, 200)
        XCTAssertEqual(try client.request("GET", "/me", headers: [("Cookie", session)]).status, 403)
        XCTAssertEqual(try signIn("carol@example.com", "carol's password").status, 403)
    }
}
