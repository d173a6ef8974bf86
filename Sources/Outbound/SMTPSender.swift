import CCurl
import Foundation

/// Sends mail through an SMTP server with libcurl. The URL says how:
/// `smtp://host:port` (plain), `smtp://user:password@host:587?starttls=required` (STARTTLS
/// demanded, then AUTH with the URL's credentials), or `smtps://…` (TLS from the start).
/// Certificates are verified; `insecureTLS` (tests with a self-signed server only) turns that off.
public struct SMTPSender: Sendable {
    public let url: String
    private let requireTLS: Bool
    public var insecureTLS = false
    public var timeout: Double = 30

    /// Parses and checks the URL; throws a message for the operator.
    public init(url: String) throws {
        guard var components = URLComponents(string: url), let scheme = components.scheme?.lowercased(),
              scheme == "smtp" || scheme == "smtps", let host = components.host, !host.isEmpty else {
            throw DestinationError("--smtp-url must look like smtp://host:port, smtp://user:pass@host:587?starttls=required or smtps://host:465")
        }
        var starttls = false
        for item in components.queryItems ?? [] {
            switch (item.name, item.value ?? "") {
            case ("starttls", "required"), ("starttls", "true"), ("starttls", "1"): starttls = true
            case ("starttls", "no"), ("starttls", "false"), ("starttls", "0"): starttls = false
            default: throw DestinationError("--smtp-url: unknown setting \(item.name)=\(item.value ?? "")")
            }
        }
        components.queryItems = nil
        guard let plain = components.string else { throw DestinationError("--smtp-url is not a valid URL") }
        self.url = plain
        self.requireTLS = starttls
    }

    /// Hands one message to the server for one recipient; throws curl's error (with the
    /// server's reply when it refused).
    public func send(from: String, to: String, message: [UInt8]) throws {
        let curl = try CurlEasy()
        try curl.set(CURLOPT_URL, url)
        try curl.set(CURLOPT_PROTOCOLS_STR, "smtp,smtps")
        if requireTLS { try curl.set(CURLOPT_USE_SSL, Int(CURLUSESSL_ALL.rawValue)) }
        if insecureTLS {
            try curl.set(CURLOPT_SSL_VERIFYPEER, 0)
            try curl.set(CURLOPT_SSL_VERIFYHOST, 0)
        }
        try curl.set(CURLOPT_CONNECTTIMEOUT_MS, 10_000)
        try curl.set(CURLOPT_TIMEOUT_MS, Int(timeout * 1000))
        try curl.set(CURLOPT_MAIL_FROM, "<\(from)>")
        try curl.set(CURLOPT_MAIL_RCPT, list: ["<\(to)>"])
        try curl.set(CURLOPT_UPLOAD, 1)
        try curl.set(CURLOPT_INFILESIZE_LARGE, size: message.count)
        let source = MessageSource(message)
        let context = Unmanaged.passRetained(source)
        defer { context.release() }
        try curl.set(CURLOPT_READFUNCTION, function: MessageSource.read)
        try curl.set(CURLOPT_READDATA, pointer: context.toOpaque())
        try curl.perform()
    }
}

/// Feeds a message to curl's upload, piece by piece. Owned by the one transfer that uses it.
final class MessageSource {
    let bytes: [UInt8]
    var offset = 0

    init(_ bytes: [UInt8]) { self.bytes = bytes }

    static let read: ccurl_data_fn = { buffer, size, count, context in
        guard let buffer, let context else { return 0 }
        let source = Unmanaged<MessageSource>.fromOpaque(context).takeUnretainedValue()
        let n = min(size * count, source.bytes.count - source.offset)
        guard n > 0 else { return 0 }
        source.bytes.withUnsafeBufferPointer { all in
            buffer.withMemoryRebound(to: UInt8.self, capacity: n) { target in
                target.update(from: all.baseAddress! + source.offset, count: n)
            }
        }
        source.offset += n
        return n
    }
}
