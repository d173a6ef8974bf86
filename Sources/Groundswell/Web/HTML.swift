/// HTML built by construction: element and attribute names are compile-time constants
/// (`StaticString`), and every runtime value — text or attribute value — is escaped on the
/// way in. There is no way to insert raw markup. No string concatenation of user text into markup.
/// Written straight into UTF-8 bytes, which is what the response sends.
struct HTML {
    private(set) var bytes: [UInt8] = []

    init() { bytes.reserveCapacity(16 * 1024) }

    /// The page as text (tests and tools; responses send `bytes`).
    var text: String { String(decoding: bytes, as: UTF8.self) }

    mutating func doctype() { raw("<!doctype html>\n") }

    /// `<name attr="value"…>children</name>`; attributes with a nil value are left out.
    mutating func element(_ name: StaticString, _ attributes: [(StaticString, String?)] = [], _ children: (inout HTML) -> Void = { _ in }) {
        open(name, attributes)
        children(&self)
        raw("</")
        raw(name)
        raw(">")
    }

    /// A void element (`<meta>`, `<link>`, `<input>`): no children, no end tag.
    mutating func void(_ name: StaticString, _ attributes: [(StaticString, String?)] = []) {
        open(name, attributes)
    }

    mutating func text(_ value: String) { HTMLEscaping.append(value, to: &bytes) }

    /// Text with the runs a search matched in `<mark>`, every run escaped.
    mutating func highlighted(_ segments: [Highlighter.Segment]) {
        for segment in segments {
            if segment.marked { element("mark") { $0.text(segment.text) } } else { text(segment.text) }
        }
    }

    /// Markup only from compile-time constants of this file's callers' own.
    private mutating func raw(_ constant: StaticString) {
        constant.withUTF8Buffer { bytes.append(contentsOf: $0) }
    }

    private mutating func open(_ name: StaticString, _ attributes: [(StaticString, String?)]) {
        raw("<")
        raw(name)
        for (attribute, value) in attributes {
            guard let value else { continue }
            raw(" ")
            raw(attribute)
            raw("=\"")
            HTMLEscaping.append(value, to: &bytes)
            raw("\"")
        }
        raw(">")
    }
}
