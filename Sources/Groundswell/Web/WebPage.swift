import Compression
import Crypto
import HTTPServer

/// The frame of every page — language, title, the content-hashed stylesheet and script, the
/// header navigation (signed in or not, the language switch, the search box), the notice a
/// form left, main content, footer — and how every HTML response leaves: security headers,
/// an `ETag` (304 when the browser has the same page), gzip when the client accepts it.
struct WebPage {
    let request: Request
    let language: WebLanguage
    let viewer: WebViewer
    /// Set on the staff console's pages: its navigation instead of the customer site's.
    let staff: StaffMember?

    /// No inline script or style anywhere: everything comes from our own origin. The only
    /// frames are the privacy-enhanced video players, inserted when a reader presses play.
    static let contentSecurityPolicy =
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
        + "frame-src https://www.youtube-nocookie.com https://player.vimeo.com; "
        + "form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'"

    init(_ request: Request, viewer: WebViewer, staff: StaffMember? = nil) {
        self.request = request
        self.language = WebLanguage.of(request)
        self.viewer = viewer
        self.staff = staff
    }

    func t(_ message: Message) -> String { message.text(language) }

    /// The page's path and query, for "come back here" links (language switch, sign in), without
    /// tracking parameters: they are no use there, and a kept page is the same for every click id.
    var here: String { TrackingParameters.stripped(request.target) }

    /// A complete page. `setCookies` go out with it (a visitor's CSRF token).
    /// `readScopes`: what reading this page counts toward besides the whole site (an idea's
    /// category `c:NAME` and round `r:ID`), for the engagement ladder's filters.
    func render(title: String, status: HTTPStatus = .ok, setCookies: [String] = [], personal: Bool = false,
                readScopes: [String] = [], head: ((inout HTML) -> Void)? = nil, main: (inout HTML) -> Void) -> Response {
        let notice = WebNotice.of(request)
        var html = HTML()
        html.doctype()
        html.element("html", [("lang", language.rawValue)]) { html in
            html.element("head") { html in
                html.void("meta", [("charset", "utf-8")])
                html.void("meta", [("name", "viewport"), ("content", "width=device-width, initial-scale=1")])
                html.element("title") { $0.text(title + " · " + t(.siteName)) }
                if let csrf = viewer.csrf, viewer.signedIn || staff != nil { html.void("meta", [("name", "csrf-token"), ("content", csrf)]) }
                html.void("link", [("rel", "stylesheet"), ("href", WebAssets.stylesheet.path)])
                html.element("script", [("src", WebAssets.script.path), ("defer", "")])
                head?(&html)
            }
            html.element("body") { html in
                html.element("a", [("class", "skip"), ("href", "#main")]) { $0.text(t(.skipToContent)) }
                if let staff { consoleHeader(&html, staff) } else { header(&html) }
                html.element("main", [("id", "main")]) { html in
                    html.element("div", [("class", "notice"), ("role", "status"), ("aria-live", "polite"), ("id", "live")]) { html in
                        if let notice { html.text(notice.message.text(language)) }
                    }
                    main(&html)
                }
                html.element("footer", [("class", "site")]) { $0.element("p") { $0.text(t(.footer)) } }
            }
        }
        // An exact-size copy: the builder reserved room for a large page, and pages may be cached.
        var response = Response(status: status, body: Array(html.bytes[...]), contentType: "text/html; charset=utf-8")
        for cookie in setCookies { response.headers.add("Set-Cookie", cookie) }
        if notice != nil { response.headers.add("Set-Cookie", WebNotice.clearCookie) }
        if !readScopes.isEmpty { response.headers.set(WebContext.readScopesHeader, readScopes.joined(separator: "\n")) }
        return WebPage.finish(request, response, personal: personal || viewer.signedIn)
    }

    private func header(_ html: inout HTML) {
        html.element("header", [("class", "site")]) { html in
            html.element("a", [("class", "brand"), ("href", "/")]) { $0.text(t(.siteName)) }
            html.element("form", [("class", "search"), ("action", "/search"), ("method", "get"), ("role", "search")]) { html in
                html.element("label", [("for", "site-search"), ("class", "visually-hidden")]) { $0.text(t(.searchLabel)) }
                html.void("input", [("id", "site-search"), ("type", "search"), ("name", "q"), ("maxlength", "200")])
                html.element("button", [("type", "submit")]) { $0.text(t(.searchButton)) }
            }
            html.element("nav", [("aria-label", t(.mainNavigation))]) { html in
                html.element("ul") { html in
                    link(&html, "/", .home)
                    link(&html, "/rounds", .rounds)
                    link(&html, "/in-action", .ideasInAction)
                    link(&html, "/ideas/new", .submitIdea)
                    if viewer.signedIn {
                        link(&html, "/account", .myPage)
                        html.element("li") { html in
                            html.element("form", [("action", "/signout"), ("method", "post"), ("class", "inline")]) { html in
                                csrfField(&html)
                                html.element("button", [("type", "submit"), ("class", "link")]) { $0.text(t(.signOut)) }
                            }
                        }
                    } else {
                        link(&html, "/signin?next=" + WebPage.queryValue(here), .signIn)
                        link(&html, "/signup", .signUp)
                    }
                    let other = language.other
                    html.element("li") { html in
                        html.element("a", [("href", "/lang/\(other.rawValue)?next=" + WebPage.queryValue(here)), ("lang", other.rawValue),
                                           ("hreflang", other.rawValue)]) { $0.text(t(.language)) }
                    }
                }
            }
        }
    }

    /// The staff console's header: its sections (admins see all; moderators what they may do).
    private func consoleHeader(_ html: inout HTML, _ staff: StaffMember) {
        html.element("header", [("class", "site console")]) { html in
            html.element("a", [("class", "brand"), ("href", "/admin")]) { $0.text(t(.siteName) + " · " + t(.console)) }
            html.element("nav", [("aria-label", t(.console))]) { html in
                html.element("ul") { html in
                    link(&html, "/admin", .analytics)
                    link(&html, "/admin/moderation", .moderation)
                    link(&html, "/admin/users", .users)
                    link(&html, "/admin/rounds", .rounds)
                    link(&html, "/admin/fraud", .fraud)
                    if staff.role == .admin {
                        link(&html, "/admin/categories", .categories)
                        link(&html, "/admin/staff", .staffMembers)
                        link(&html, "/admin/webhooks", .health)
                    }
                    link(&html, "/", .customerSite)
                    html.element("li") { html in
                        html.element("form", [("action", "/admin/signout"), ("method", "post"), ("class", "inline")]) { html in
                            csrfField(&html)
                            html.element("button", [("type", "submit"), ("class", "link")]) { $0.text(t(.signOut) + " (" + staff.name + ")") }
                        }
                    }
                    let other = language.other
                    html.element("li") { html in
                        html.element("a", [("href", "/lang/\(other.rawValue)?next=" + WebPage.queryValue(here)), ("lang", other.rawValue),
                                           ("hreflang", other.rawValue)]) { $0.text(t(.language)) }
                    }
                }
            }
        }
    }

    private func link(_ html: inout HTML, _ href: String, _ message: Message) {
        html.element("li") { html in
            let current = href == request.path
            html.element("a", [("href", href), ("aria-current", current ? "page" : nil)]) { $0.text(t(message)) }
        }
    }

    /// Share-card tags (Open Graph, Twitter) and the canonical URL, so a shared link unfurls
    /// with the title and a short description.
    /// A picture for a share card: absolute URL, size, and its text alternative.
    struct CardImage {
        let url: String
        let width: Int
        let height: Int
        let alt: String
    }

    static func shareCard(_ html: inout HTML, url: String, title: String, description: String, siteName: String, image: CardImage? = nil) {
        let summary = description.unicodeScalars.count > 200 ? String(description.unicodeScalars.prefix(199)) + "…" : description
        html.void("link", [("rel", "canonical"), ("href", url)])
        html.void("meta", [("name", "description"), ("content", summary)])
        for (property, value) in [("og:type", "article"), ("og:site_name", siteName), ("og:title", title),
                                  ("og:description", summary), ("og:url", url)] {
            html.void("meta", [("property", property), ("content", value)])
        }
        if let image {
            for (property, value) in [("og:image", image.url), ("og:image:width", String(image.width)),
                                      ("og:image:height", String(image.height)), ("og:image:alt", image.alt.isEmpty ? title : image.alt)] {
                html.void("meta", [("property", property), ("content", value)])
            }
        }
        html.void("meta", [("name", "twitter:card"), ("content", image == nil ? "summary" : "summary_large_image")])
        html.void("meta", [("name", "twitter:title"), ("content", title)])
        html.void("meta", [("name", "twitter:description"), ("content", summary)])
        if let image { html.void("meta", [("name", "twitter:image"), ("content", image.url)]) }
    }

    /// The hidden CSRF field every state-changing form carries.
    func csrfField(_ html: inout HTML) {
        html.void("input", [("type", "hidden"), ("name", WebForm.csrfField), ("value", viewer.csrf ?? "")])
    }

    /// A labelled form field with an optional hint, `aria-describedby` tying them together.
    func field(_ html: inout HTML, id: StaticString, label: Message, hint: Message? = nil,
               input: (inout HTML, _ describedBy: String?) -> Void) {
        html.element("div", [("class", "field")]) { html in
            html.element("label", [("for", id.description)]) { $0.text(t(label)) }
            let hintID = hint.map { _ in id.description + "-hint" }
            if let hint, let hintID { html.element("p", [("class", "hint"), ("id", hintID)]) { $0.text(t(hint)) } }
            input(&html, hintID)
        }
    }

    /// An error box naming what went wrong (in the reader's language where we have the words,
    /// else the API's message) and its stable code.
    func errorBox(_ html: inout HTML, _ failure: WebForm.Failure) {
        html.element("div", [("class", "error"), ("role", "alert"), ("id", "form-error")]) { html in
            html.element("p") { html in
                if let known = Message.forError(failure.code) {
                    html.text(known.text(language))
                } else {
                    html.text(t(.errorGeneric) + " " + failure.message)
                }
            }
            html.element("p", [("class", "meta")]) { $0.text(t(.errorCode) + ": " + failure.code) }
        }
    }

    /// A page that only says what went wrong (404 for a missing idea, 403 for a stale form…).
    func failure(_ failure: WebForm.Failure, back: String? = nil) -> Response {
        let notFound = failure.status == .notFound
        return render(title: notFound ? t(.notFoundTitle) : t(.errorTitle), status: failure.status) { html in
            html.element("h1") { $0.text(notFound ? t(.notFoundTitle) : t(.errorTitle)) }
            errorBox(&html, failure)
            html.element("p") { $0.element("a", [("href", back ?? "/")]) { $0.text(back == nil ? t(.home) : t(.backTo)) } }
        }
    }

    /// Percent-encodes a value for a query string (everything but unreserved characters).
    static func queryValue(_ value: String) -> String {
        // Bytes first, one String at the end: every page writes several of these (links, the
        // language switch), and appending per character cost ~3 % of rendering an idea page.
        let hex: StaticString = "0123456789ABCDEF"
        var out: [UInt8] = []
        out.reserveCapacity(value.utf8.count)
        for byte in value.utf8 {
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
                 UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "~"), UInt8(ascii: "/"):
                out.append(byte)
            default:
                hex.withUTF8Buffer { digits in
                    out.append(UInt8(ascii: "%"))
                    out.append(digits[Int(byte >> 4)])
                    out.append(digits[Int(byte & 15)])
                }
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// What every HTML response gets on the way out: the security headers, `Vary`, caching
    /// (`no-cache`: always revalidated, so a 304 is cheap but a change is seen at once;
    /// `private` when the page is about the signed-in reader), an `ETag` of the body, and gzip
    /// when accepted and worth it. `revalidate` then answers 304 when the browser has it.
    static func finish(_ request: Request, _ original: Response, personal: Bool) -> Response {
        var response = original
        secure(&response)
        response.headers.set("Vary", "Accept, Accept-Encoding, Accept-Language, Cookie")
        response.headers.set("Cache-Control", personal ? "private, no-cache" : "no-cache")
        if response.status == .ok {
            response.headers.set("ETag", "W/\"" + Hex.string(Array(SHA256.hash(data: response.body).prefix(12))) + "\"")
        }
        return compressed(request, response)
    }

    /// `304 Not Modified` (with the validators and cookies, no body) when `If-None-Match`
    /// names the page's `ETag`; the page itself otherwise.
    static func revalidate(_ request: Request, _ response: Response) -> Response {
        guard response.status == .ok, let tag = response.headers["ETag"], let match = request.headers["if-none-match"],
              match.split(separator: ",").contains(where: { $0.trimmingOWS() == tag || $0.trimmingOWS() == "*" }) else {
            return response
        }
        var notModified = Response(status: .notModified, contentType: nil)
        for name in ["ETag", "Cache-Control", "Vary", "Content-Security-Policy", "Referrer-Policy"] {
            if let value = response.headers[name] { notModified.headers.set(name, value) }
        }
        for cookie in response.headers.values("set-cookie") { notModified.headers.add("Set-Cookie", cookie) }
        return notModified
    }

    /// gzip for clients that accept it, when the body is big enough to gain from it.
    static func compressed(_ request: Request, _ original: Response) -> Response {
        guard original.body.count >= 1024, request.acceptsGzip,
              // libdeflate's fastest level: ~19 µs for a 4 KiB page here (zlib at level 3 with a
              // 4 KiB window took ~50 µs for a slightly larger result).
              let packed = Gzip.compress(original.body, level: 1) else { return original }
        var response = original
        response.body = packed
        response.headers.set("Content-Encoding", "gzip")
        return response
    }

    /// The headers every HTML response carries.
    static func secure(_ response: inout Response) {
        response.headers.set("Content-Security-Policy", contentSecurityPolicy)
        response.headers.set("Referrer-Policy", "strict-origin-when-cross-origin")
    }
}
