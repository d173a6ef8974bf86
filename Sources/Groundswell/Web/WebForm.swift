import HTTPServer
import JSON

/// A submitted HTML form (`application/x-www-form-urlencoded`, or `multipart/form-data` where a
/// file is uploaded), its CSRF token checked, and the bridge to the API: a form becomes the JSON
/// body of the very handler the API uses (an upload passes its spooled body on as it is), called
/// in-process, so a page can never do something the API would refuse (or the other way round).
struct WebForm {
    static let csrfField = "_csrf"

    let fields: QueryItems
    let csrf: String
    /// An upload form's body (on disk), handed on to the API handler.
    let upload: SpooledBody?

    /// What the API answered when it refused, for the page that says so.
    struct Failure: Sendable {
        let status: HTTPStatus
        let code: String
        let message: String

        init(status: HTTPStatus, code: String, message: String) {
            self.status = status
            self.code = code
            self.message = message
        }

        init(_ error: HTTPError) { self.init(status: error.status, code: error.code, message: error.message) }
    }

    /// Parses the body and checks its token: the session's for a signed-in viewer, the
    /// `gs_csrf` cookie's for a visitor (double submit). Anything else is 403 `csrf_failed`,
    /// a body of another type 415 `unsupported_media_type`. `acceptingUploads`: a multipart form
    /// is read too (its text fields; the token is checked before any file in it is looked at).
    init(_ request: Request, viewer: WebViewer, acceptingUploads: Bool = false) throws {
        let contentType = request.headers["content-type"] ?? ""
        let type = contentType.split(separator: ";").first.map { $0.trimmingOWS().lowercased() } ?? ""
        if acceptingUploads, let boundary = MultipartForm.boundary(contentType: contentType) {
            let text = try MediaUpload.fields(request.bodyFile, boundary: boundary)
            fields = QueryItems(items: text.map { (name: $0.key, value: $0.value) })
            upload = request.bodyFile
        } else {
            guard type == "application/x-www-form-urlencoded" else {
                throw ErrorCode.unsupportedMediaType.error(acceptingUploads
                    ? "this form is posted as multipart/form-data (with its file) or application/x-www-form-urlencoded"
                    : "a form is posted as application/x-www-form-urlencoded")
            }
            guard let text = String(validating: request.body, as: UTF8.self) else { throw APIError.invalid("the form is not UTF-8") }
            fields = QueryItems(text)
            upload = nil
        }
        let sent = fields[WebForm.csrfField] ?? ""
        guard let expected = viewer.csrf, !sent.isEmpty, Tokens.matches(sent, expected) else {
            throw ErrorCode.csrfFailed.error("the form's CSRF token is missing or not this session's; reload the page and try again")
        }
        csrf = expected
    }

    subscript(_ name: String) -> String? { fields[name] }

    /// How a form field becomes a JSON member.
    enum Kind {
        /// A string, sent as typed (the API trims and checks it); absent fields are left out.
        case text
        /// A string, left out when empty (an optional field the reader left blank).
        case optionalText
        /// A whole number, left out when empty; anything else is sent as a string, so the API
        /// names the field in its error.
        case integer
        /// A checkbox: true when present, false when not.
        case checkbox
    }

    func json(_ spec: [(String, Kind)]) -> [UInt8] {
        var json = JSONWriter(capacity: 512)
        json.beginObject()
        for (name, kind) in spec {
            let value = fields[name]
            switch kind {
            case .text:
                guard let value else { continue }
                json.key(dynamic: name); json.string(value)
            case .optionalText:
                guard let value, !value.trimmingWhitespace().isEmpty else { continue }
                json.key(dynamic: name); json.string(value)
            case .integer:
                guard let value, !value.trimmingWhitespace().isEmpty else { continue }
                json.key(dynamic: name)
                if let number = Int64(value.trimmingWhitespace()) { json.int(number) } else { json.string(value) }
            case .checkbox:
                json.key(dynamic: name); json.bool(value != nil)
            }
        }
        json.endObject()
        return json.bytes
    }

    /// Calls an API handler with this form as its JSON body (nil: no body — or, for an upload
    /// form, the uploaded body as it came), as the same client: cookies and language go along,
    /// and the form's token as `X-CSRF-Token`.
    func call(_ handler: Handler, from request: Request, method: HTTPMethod = .post, parameters: [(String, String)] = [],
              body: [UInt8]?, context: AppContext) -> Reply {
        let forwardsUpload = body == nil && upload != nil
        var headers = HTTPHeaders()
        for (name, value) in request.headers {
            let lower = name.lowercased()
            if ["content-length", "transfer-encoding", "idempotency-key"].contains(lower) { continue }
            if lower == "content-type" && !forwardsUpload { continue }
            headers.add(name, value)
        }
        if body != nil { headers.set("Content-Type", "application/json") }
        headers.set("X-CSRF-Token", csrf)
        do {
            var inner = request.inProcess(method, target: request.target, headers: headers, body: body ?? [], parameters: parameters)
            if forwardsUpload { inner.bodyFile = upload }
            return try handler(inner)
        } catch {
            return .response(APIError.response(for: error, logger: context.logger, context: "a web form"))
        }
    }

    /// The refusal in an API response, or nil when it succeeded.
    static func failure(_ response: Response) -> Failure? {
        guard response.status.code >= 400 else { return nil }
        let error = JSONValue.of(response.body)["error"] ?? .null
        return Failure(status: response.status, code: error.string("code") ?? "error", message: error.string("message") ?? "")
    }

    /// `303 See Other` to `location`, with a notice for the next page and any cookies the API
    /// set (a new session).
    static func redirect(_ location: String, notice: WebNotice? = nil, keeping response: Response? = nil) -> Response {
        var redirect = Response(status: .seeOther, contentType: nil)
        redirect.headers.set("Location", location)
        redirect.headers.set("Cache-Control", "no-store")
        if let notice { redirect.headers.add("Set-Cookie", notice.setCookie) }
        for cookie in response?.headers.values("set-cookie") ?? [] { redirect.headers.add("Set-Cookie", cookie) }
        return redirect
    }

    /// A path on this site to come back to (`next=`), never another origin.
    static func localPath(_ candidate: String?) -> String {
        guard let next = candidate, next.hasPrefix("/"), !next.hasPrefix("//"), !next.contains("\\"),
              next.utf8.allSatisfy({ $0 > 32 && $0 < 127 }) else { return "/" }
        return next
    }
}
