import HTTPServer

/// The frame of every page: language, title, the stylesheet (a content-hashed, immutable URL),
/// header navigation with the language switch, main content, footer; and the security headers
/// every HTML response carries.
enum WebPage {
    /// No inline script or style anywhere: everything comes from our own origin.
    static let contentSecurityPolicy =
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
        + "form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'"

    static func render(_ language: WebLanguage, title: String, path: String, main: (inout HTML) -> Void) -> Response {
        var html = HTML()
        html.doctype()
        html.element("html", [("lang", language.rawValue)]) { html in
            html.element("head") { html in
                html.void("meta", [("charset", "utf-8")])
                html.void("meta", [("name", "viewport"), ("content", "width=device-width, initial-scale=1")])
                html.element("title") { $0.text(title + " · " + Message.siteName.text(language)) }
                html.void("link", [("rel", "stylesheet"), ("href", WebAssets.stylesheetPath)])
            }
            html.element("body") { html in
                html.element("a", [("class", "skip"), ("href", "#main")]) { $0.text(Message.skipToContent.text(language)) }
                html.element("header", [("class", "site")]) { html in
                    html.element("a", [("class", "brand"), ("href", "/")]) { $0.text(Message.siteName.text(language)) }
                    html.element("nav", [("aria-label", Message.siteName.text(language))]) { html in
                        html.element("ul") { html in
                            html.element("li") { $0.element("a", [("href", "/")]) { $0.text(Message.home.text(language)) } }
                            html.element("li") { $0.element("a", [("href", "/in-action")]) { $0.text(Message.ideasInAction.text(language)) } }
                            let switchTo = language.other
                            html.element("li") { html in
                                html.element("a", [("href", "/lang/\(switchTo.rawValue)?next=" + path), ("lang", switchTo.rawValue),
                                                   ("hreflang", switchTo.rawValue)]) { $0.text(Message.language.text(language)) }
                            }
                        }
                    }
                }
                html.element("main", [("id", "main")]) { main(&$0) }
                html.element("footer", [("class", "site")]) { $0.element("p") { $0.text(Message.footer.text(language)) } }
            }
        }
        var response = Response(status: .ok, body: Array(html.text.utf8), contentType: "text/html; charset=utf-8")
        secure(&response)
        response.headers.set("Vary", "Accept-Language, Cookie")
        response.headers.set("Cache-Control", "no-cache")
        return response
    }

    /// The headers every HTML response carries.
    static func secure(_ response: inout Response) {
        response.headers.set("Content-Security-Policy", contentSecurityPolicy)
        response.headers.set("Referrer-Policy", "strict-origin-when-cross-origin")
    }
}
