#if canImport(Glibc)
import Glibc
#endif
import CLinux

/// The `Date:` header line, formatted once a second instead of once a response.
struct DateCache {
    private(set) var line: [UInt8] = []
    private var second: time_t = -1

    mutating func refresh() {
        let now = time(nil)
        guard now != second else { return }
        second = now
        line = Array("Date: \(DateCache.imfFixdate(now))\r\n".utf8)
    }

    /// IMF-fixdate (RFC 9110 §5.6.7), e.g. `Sun, 06 Nov 1994 08:49:37 GMT`.
    static func imfFixdate(_ seconds: time_t) -> String {
        var t = seconds
        var parts = tm()
        gmtime_r(&t, &parts)
        var buffer = [CChar](repeating: 0, count: 64)
        let count = strftime(&buffer, buffer.count, "%a, %d %b %Y %H:%M:%S GMT", &parts)
        return String(decoding: buffer[0..<count].map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
