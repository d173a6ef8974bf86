/// Just enough of RFC 9110 content negotiation for one URL to serve both a page and JSON, and
/// for compressed bodies.
extension Request {
    /// Whether the client asks for HTML ahead of JSON: `text/html` listed in `Accept` with a
    /// quality above zero and at least that of `application/json`. Browsers send
    /// `text/html,…,*/*;q=0.8`; API clients send nothing, `*/*` or `application/json`, and
    /// keep getting JSON.
    public var prefersHTML: Bool {
        guard let accept = headers["accept"] else { return false }
        let html = Request.quality(of: "text/html", in: accept)
        guard let html, html > 0 else { return false }
        return html >= (Request.quality(of: "application/json", in: accept) ?? 0)
    }

    /// Whether `Accept-Encoding` allows gzip (listed, or `*`, with a quality above zero).
    public var acceptsGzip: Bool {
        guard let header = headers["accept-encoding"] else { return false }
        if let gzip = Request.quality(of: "gzip", in: header) { return gzip > 0 }
        return (Request.quality(of: "*", in: header) ?? 0) > 0
    }

    /// The `q` of `token` (case-insensitive) in a comma-separated header, 1 when it has none,
    /// nil when the token is not listed.
    static func quality(of token: String, in header: String) -> Double? {
        for part in header.split(separator: ",") {
            let fields = part.split(separator: ";")
            guard let name = fields.first, name.trimmingOWS().lowercased() == token else { continue }
            var q = 1.0
            for field in fields.dropFirst() {
                let pair = field.trimmingOWS()
                if pair.lowercased().hasPrefix("q="), let value = Double(pair.dropFirst(2)) { q = value }
            }
            return q
        }
        return nil
    }
}

extension Parameters {
    /// Parameters given by name, for a handler called with a request made in-process.
    public init(_ pairs: [(String, String)]) {
        self.init()
        for (name, value) in pairs { append(name, value) }
    }
}
