import CLinux

/// One part of a `multipart/form-data` body: its field name, the file name and type the
/// sender declared (information only — never trusted for what the bytes are), and where
/// its content lies in the body.
public struct MultipartPart: Sendable {
    public let name: String
    public let filename: String?
    public let contentType: String?
    public let range: Range<Int>
}

/// A body that is not well-formed `multipart/form-data`.
public struct MultipartError: Error, Sendable {
    public let message: String
}

/// `multipart/form-data` (RFC 7578, framed as RFC 2046 §5.1.1 says) read in place: parts are
/// ranges of the body, so a file part is never copied — the body may be a mapped spool file.
public enum MultipartForm {
    /// The `boundary` parameter of a `multipart/form-data` Content-Type, or nil if the type
    /// is another or the boundary is missing or invalid (1–70 characters, RFC 2046).
    public static func boundary(contentType: String) -> String? {
        let parameters = headerParameters(contentType)
        guard parameters.type == "multipart/form-data", let value = parameters.values["boundary"],
              (1...70).contains(value.utf8.count), value.last != " ",
              value.utf8.allSatisfy({ $0 >= 0x20 && $0 < 0x7F }) else { return nil }
        return value
    }

    /// The parts of `body`, in order. At most `maxParts`, each head at most 8 KiB.
    public static func parse(_ body: UnsafeRawBufferPointer, boundary: String, maxParts: Int = 16) throws(MultipartError) -> [MultipartPart] {
        let delimiter = Array("--\(boundary)".utf8)
        let separator = [CR, LF] + delimiter  // what ends a part's content
        // The first delimiter: at the very start, or after a preamble ending in CRLF.
        var position: Int
        if starts(body, at: 0, with: delimiter) {
            position = delimiter.count
        } else if let found = find(separator, in: body, from: 0) {
            position = found + separator.count
        } else {
            throw MultipartError(message: "the body has no part delimited by its boundary")
        }
        var parts: [MultipartPart] = []
        while true {
            // After a delimiter: "--" closes the body; otherwise padding, CRLF, a part.
            if starts(body, at: position, with: [0x2D, 0x2D]) {
                guard !parts.isEmpty else { throw MultipartError(message: "the body has no parts") }
                return parts
            }
            while position < body.count, body[position] == SP || body[position] == HT { position += 1 }
            guard starts(body, at: position, with: [CR, LF]) else {
                throw MultipartError(message: "a boundary line is not followed by CRLF")
            }
            position += 2
            guard parts.count < maxParts else { throw MultipartError(message: "more than \(maxParts) parts") }
            guard let headEnd = find([CR, LF, CR, LF], in: body, from: position, limit: 8 * 1024) else {
                if starts(body, at: position, with: [CR, LF]) {
                    // A part with no header lines at all: RFC 7578 requires Content-Disposition.
                    throw MultipartError(message: "a part has no Content-Disposition header")
                }
                throw MultipartError(message: "a part's header block is missing its end or longer than 8 KiB")
            }
            let head = try headers(UnsafeRawBufferPointer(rebasing: body[position..<headEnd]))
            let contentStart = headEnd + 4
            guard let contentEnd = find(separator, in: body, from: contentStart) else {
                throw MultipartError(message: "the body ends before the part's closing boundary (truncated upload?)")
            }
            parts.append(MultipartPart(name: head.name, filename: head.filename, contentType: head.contentType,
                                       range: contentStart..<contentEnd))
            position = contentEnd + separator.count
        }
    }

    private struct Head {
        var name: String
        var filename: String?
        var contentType: String?
    }

    private static func headers(_ bytes: UnsafeRawBufferPointer) throws(MultipartError) -> Head {
        guard let text = String(validating: bytes, as: UTF8.self) else {
            throw MultipartError(message: "a part's headers are not UTF-8")
        }
        var disposition: String?
        var contentType: String?
        for line in text.split(separator: "\r\n", omittingEmptySubsequences: false) {
            guard let colon = line.firstIndex(of: ":") else { throw MultipartError(message: "a part's header line has no colon") }
            let name = line[..<colon].lowercased()
            let value = String(line[line.index(after: colon)...].trimmingSpaces)
            if name == "content-disposition" { disposition = value }
            if name == "content-type" { contentType = value }
        }
        guard let disposition else { throw MultipartError(message: "a part has no Content-Disposition header") }
        let parameters = headerParameters(disposition)
        guard parameters.type == "form-data" else { throw MultipartError(message: "a part's disposition is not form-data") }
        guard let name = parameters.values["name"] else { throw MultipartError(message: "a part has no field name") }
        return Head(name: name, filename: parameters.values["filename"], contentType: contentType)
    }

    /// `form-data; name="a"; filename="b.jpg"` (or a Content-Type's parameters): quoted strings
    /// may hold `;` and `\"` escapes.
    private static func headerParameters(_ text: String) -> (type: String, values: [String: String]) {
        var values: [String: String] = [:]
        let scalars = Array(text.unicodeScalars)
        var i = 0
        func skipSpaces() { while i < scalars.count, scalars[i] == " " || scalars[i] == "\t" { i += 1 } }
        var type = ""
        while i < scalars.count, scalars[i] != ";" { type.unicodeScalars.append(scalars[i]); i += 1 }
        while i < scalars.count {
            i += 1  // the ';'
            skipSpaces()
            var key = ""
            while i < scalars.count, scalars[i] != "=", scalars[i] != ";" { key.unicodeScalars.append(scalars[i]); i += 1 }
            guard i < scalars.count, scalars[i] == "=" else { continue }
            i += 1
            skipSpaces()
            var value = ""
            if i < scalars.count, scalars[i] == "\"" {
                i += 1
                while i < scalars.count, scalars[i] != "\"" {
                    if scalars[i] == "\\", i + 1 < scalars.count { i += 1 }
                    value.unicodeScalars.append(scalars[i])
                    i += 1
                }
                i += 1
                while i < scalars.count, scalars[i] != ";" { i += 1 }
            } else {
                while i < scalars.count, scalars[i] != ";" { value.unicodeScalars.append(scalars[i]); i += 1 }
                value = String(value.trimmingSpaces)
            }
            let name = key.trimmingSpaces.lowercased()
            if values[name] == nil { values[name] = value }
        }
        return (type.trimmingSpaces.lowercased(), values)
    }

    private static func starts(_ body: UnsafeRawBufferPointer, at offset: Int, with bytes: [UInt8]) -> Bool {
        guard offset + bytes.count <= body.count else { return false }
        for (i, byte) in bytes.enumerated() where body[offset + i] != byte { return false }
        return true
    }

    /// The offset of `needle` in `body` at or after `from` (and starting before `from + limit`).
    private static func find(_ needle: [UInt8], in body: UnsafeRawBufferPointer, from: Int, limit: Int = .max) -> Int? {
        guard from < body.count, let base = body.baseAddress else { return nil }
        let length = min(body.count - from, limit > body.count ? body.count : limit + needle.count)
        return needle.withUnsafeBytes { n -> Int? in
            guard let hit = clinux_memmem(base + from, length, n.baseAddress, n.count) else { return nil }
            return UnsafeRawPointer(hit) - base
        }
    }
}

extension StringProtocol {
    /// Without leading and trailing spaces and tabs.
    var trimmingSpaces: Substring {
        var text = Substring(self)
        while let first = text.first, first == " " || first == "\t" { text.removeFirst() }
        while let last = text.last, last == " " || last == "\t" { text.removeLast() }
        return text
    }
}

extension MultipartPart {
    /// A text field's value (UTF-8), or nil if it is not valid UTF-8.
    public func text(in body: UnsafeRawBufferPointer) -> String? {
        String(validating: UnsafeRawBufferPointer(rebasing: body[range]), as: UTF8.self)
    }
}
