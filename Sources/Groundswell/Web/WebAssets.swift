import Crypto
import HTTPServer

/// The site's stylesheet, served by Groundswell itself under a URL that carries a hash of its
/// content, so it can be cached for a year (`immutable`) and a new version is a new URL.
enum WebAssets {
    static let stylesheet = """
        :root{--ink:#1d2327;--muted:#50575e;--accent:#0b6e4f;--line:#d5d8dc;--bg:#fff;font-family:system-ui,-apple-system,"Noto Sans KR","Noto Sans CJK KR",sans-serif;line-height:1.5;color:var(--ink);background:var(--bg)}
        body{margin:0}
        a{color:var(--accent)}
        a:focus-visible,button:focus-visible{outline:3px solid #f0b400;outline-offset:2px}
        .skip{position:absolute;left:-999px;top:0;background:#fff;padding:.5rem}
        .skip:focus{left:.5rem}
        header.site,footer.site{display:flex;flex-wrap:wrap;gap:1rem;align-items:center;justify-content:space-between;padding:.75rem 1rem;border-bottom:1px solid var(--line)}
        footer.site{border-top:1px solid var(--line);border-bottom:0;color:var(--muted)}
        .brand{font-weight:700;font-size:1.25rem;text-decoration:none}
        nav ul{list-style:none;display:flex;gap:1rem;margin:0;padding:0}
        main{max-width:60rem;margin:0 auto;padding:1rem}
        .columns{display:grid;grid-template-columns:repeat(auto-fit,minmax(17rem,1fr));gap:1.5rem}
        ol.ideas{list-style:none;padding:0;margin:0}
        ol.ideas li{padding:.6rem 0;border-bottom:1px solid var(--line)}
        .meta{color:var(--muted);font-size:.9rem}
        ul.tags{list-style:none;display:flex;flex-wrap:wrap;gap:.5rem;padding:0}
        ul.tags li{border:1px solid var(--line);border-radius:1rem;padding:.1rem .7rem}
        .banner{border:2px solid var(--accent);border-radius:.5rem;padding:.75rem 1rem;margin:1rem 0}
        """

    static let stylesheetHash: String = {
        Hex.string(Array(SHA256.hash(data: Array(stylesheet.utf8)))).prefix(16).description
    }()

    static var stylesheetPath: String { "/assets/\(stylesheetHash)/site.css" }

    static func register(on router: Router) {
        let body = Array(stylesheet.utf8)
        router.get("/assets/{hash}/site.css") { request in
            guard request.parameters["hash"] == stylesheetHash else { throw APIError.notFound("asset") }
            var response = Response(status: .ok, body: body, contentType: "text/css; charset=utf-8")
            response.headers.set("Cache-Control", "public, max-age=31536000, immutable")
            return .response(response)
        }
    }
}
