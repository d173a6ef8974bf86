import Compression
import Crypto
import HTTPServer

/// The site's stylesheet and script, served by Groundswell itself (no CDN) under URLs that
/// carry a hash of their content: cached for a year (`immutable`), a new version is a new URL.
/// Each is gzip-compressed once, at start-up, for clients that accept it.
enum WebAssets {
    struct Asset: Sendable {
        let name: String
        let contentType: String
        let body: [UInt8]
        let gzipped: [UInt8]?
        let hash: String

        init(name: String, contentType: String, text: String) {
            self.name = name
            self.contentType = contentType
            body = Array(text.utf8)
            gzipped = Gzip.compress(body, level: 12)
            hash = Hex.string(Array(SHA256.hash(data: body))).prefix(16).description
        }

        var path: String { "/assets/\(hash)/\(name)" }
    }

    static let stylesheet = Asset(name: "site.css", contentType: "text/css; charset=utf-8", text: SiteStyle.css)
    static let script = Asset(name: "site.js", contentType: "text/javascript; charset=utf-8", text: SiteScript.js)

    static func register(on router: Router) {
        for asset in [stylesheet, script] {
            router.get("/assets/{hash}/" + asset.name) { request in
                guard request.parameters["hash"] == asset.hash else { throw APIError.notFound("asset") }
                var response = Response(status: .ok, body: asset.body, contentType: asset.contentType)
                if request.acceptsGzip, let packed = asset.gzipped {
                    response.body = packed
                    response.headers.set("Content-Encoding", "gzip")
                }
                response.headers.set("Vary", "Accept-Encoding")
                response.headers.set("Cache-Control", "public, max-age=31536000, immutable")
                return .response(response)
            }
        }
    }
}
