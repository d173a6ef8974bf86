import HTTPServer

/// The session cookie: `gs_session`, `HttpOnly; SameSite=Lax; Path=/`, and `Secure` unless the
/// public URL is plain `http://` (a local pilot), so the browser never sends it over plain HTTP
/// to a deployment that has TLS.
enum SessionCookie {
    static let name = "gs_session"

    /// The session cookie's value in a request, if any.
    static func value(_ request: Request) -> String? { request.cookie(name) }

    static func set(_ value: String, maxAge seconds: Int64, secure: Bool) -> String {
        "\(name)=\(value); Path=/; Max-Age=\(seconds); HttpOnly; SameSite=Lax" + (secure ? "; Secure" : "")
    }

    static func clear(secure: Bool) -> String {
        "\(name)=; Path=/; Max-Age=0; HttpOnly; SameSite=Lax" + (secure ? "; Secure" : "")
    }
}
