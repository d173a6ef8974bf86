import Foundation

/// An email as RFC 5322 text: multipart/alternative with a plain-text and an HTML part,
/// both UTF-8 in base64 (Korean survives any relay), display names and the subject as
/// RFC 2047 encoded words. Header values the customer controls (name, subject) are always
/// encoded, so no CR or LF of theirs can start a header of its own.
public struct MailMessage: Sendable {
    public var from: Mailbox
    public var to: Mailbox
    public var subject: String
    public var text: String
    public var html: String
    public var messageID: String
    /// Extra headers (List-Unsubscribe …), values ASCII and single-line.
    public var headers: [(String, String)] = []
    public var date = Date()

    public struct Mailbox: Sendable {
        public var name: String
        public var address: String
        public init(name: String, address: String) {
            self.name = name
            self.address = address
        }

        /// Whether the address can be written into a header as is.
        public var isSafe: Bool {
            !address.isEmpty && address.utf8.count <= 254
                && address.utf8.allSatisfy { $0 > 32 && $0 < 127 && $0 != UInt8(ascii: "<") && $0 != UInt8(ascii: ">") && $0 != UInt8(ascii: ",") }
        }

        var header: String {
            name.isEmpty ? "<\(address)>" : "\(MailMessage.encodedWord(name)) <\(address)>"
        }
    }

    public init(from: Mailbox, to: Mailbox, subject: String, text: String, html: String, messageID: String) {
        self.from = from
        self.to = to
        self.subject = subject
        self.text = text
        self.html = html
        self.messageID = messageID
    }

    /// The message as sent (CRLF line ends).
    public func rendered() -> [UInt8] {
        let boundary = "gs-" + UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased()
        var lines: [String] = [
            "From: \(from.header)",
            "To: \(to.header)",
            "Subject: \(MailMessage.encodedWord(subject))",
            "Date: \(MailMessage.dateHeader(date))",
            "Message-ID: <\(messageID)>",
            "MIME-Version: 1.0",
            "Auto-Submitted: auto-generated",
        ]
        for (name, value) in headers {
            lines.append("\(name): \(value.filter { !$0.isNewline })")
        }
        lines.append("Content-Type: multipart/alternative; boundary=\"\(boundary)\"")
        lines.append("")
        for (type, body) in [("text/plain", text), ("text/html", html)] {
            lines.append("--\(boundary)")
            lines.append("Content-Type: \(type); charset=UTF-8")
            lines.append("Content-Transfer-Encoding: base64")
            lines.append("")
            lines.append(contentsOf: MailMessage.base64Lines(Array(body.utf8)))
        }
        lines.append("--\(boundary)--")
        lines.append("")
        return Array(lines.joined(separator: "\r\n").utf8)
    }

    /// RFC 2047 encoded words (UTF-8, base64), split so no word passes 75 characters and no
    /// character is cut in two; plain ASCII without specials is left as is.
    static func encodedWord(_ text: String) -> String {
        let clean = text.filter { !$0.isNewline }
        if clean.utf8.allSatisfy({ $0 >= 32 && $0 < 127 }) && !clean.contains("=?") && !clean.contains(where: { "\"<>,;:@()[]\\".contains($0) }) {
            return clean
        }
        var words: [String] = []
        var chunk: [UInt8] = []
        for character in clean {
            let bytes = Array(String(character).utf8)
            if chunk.count + bytes.count > 45 {
                words.append("=?UTF-8?B?" + Data(chunk).base64EncodedString() + "?=")
                chunk = []
            }
            chunk.append(contentsOf: bytes)
        }
        if !chunk.isEmpty || words.isEmpty { words.append("=?UTF-8?B?" + Data(chunk).base64EncodedString() + "?=") }
        return words.joined(separator: "\r\n ")
    }

    static func base64Lines(_ bytes: [UInt8]) -> [String] {
        let encoded = Data(bytes).base64EncodedString()
        var lines: [String] = []
        var index = encoded.startIndex
        while index < encoded.endIndex {
            let end = encoded.index(index, offsetBy: 76, limitedBy: encoded.endIndex) ?? encoded.endIndex
            lines.append(String(encoded[index..<end]))
            index = end
        }
        return lines
    }

    static func dateHeader(_ date: Date) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss '+0000'"
        return formatter.string(from: date)
    }
}
