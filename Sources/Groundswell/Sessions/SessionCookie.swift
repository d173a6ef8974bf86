import HTTPServer

/// The session cookie: `gs_session`, `HttpOnly; SameSite=Lax; Path=/`, and `Secure` unless the
/// public URL is plain `http://` (a local pilot), so the browser never sends it over plain HTTP
/// to a deployment that has TLS.
enum SessionCookie {
    static let name = "gs_session"

    /// The session cookie's value in a request, if any.
    static func value(_ request: Request) -> String? {
        for header in request.headers.values("cookie") {
            for pair in header.split(separator: ";") {
                let trimmed = pair.drop { $0 == " " }
                guard let equals = trimmed.firstIndex(of: "=") else { continue }
                if trimmed[..<equals] == name {
                    let value = String(trimmed[trimmed.index(after: equals)...])
                    return value.isEmpty ? nil : value
                }
            }
        }
        return nil
    }

    static func set(_ value: String, maxAge seconds: Int64, secure: Bool) -> String {
        "\(name)=\(value); Path=/; Max-Age=\(seconds); HttpOnly; SameSite=Lax" + (secure ? "; Secure" : "")
    }

    static func clear(secure: Bool) -> String {
        "\(name)=; Path=/; Max-Age=0; HttpOnly; SameSite=Lax" + (secure ? "; Secure" : "")
    }
}
