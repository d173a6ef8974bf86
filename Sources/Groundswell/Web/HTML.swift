/// HTML built by construction: element and attribute names are compile-time constants
/// (`StaticString`), and every runtime value — text or attribute value — is escaped on the
/// way in. There is no way to insert raw markup. No string concatenation of user text into markup.
struct HTML {
    private(set) var text = ""

    init() { text.reserveCapacity(8192) }

    mutating func doctype() { text += "<!doctype html>\n" }

    /// `<name attr="value"…>children</name>`; attributes with a nil value are left out.
    mutating func element(_ name: StaticString, _ attributes: [(StaticString, String?)] = [], _ children: (inout HTML) -> Void = { _ in }) {
        open(name, attributes)
        children(&self)
        text += "</"
        text += name.description
        text += ">"
    }

    /// A void element (`<meta>`, `<link>`, `<input>`): no children, no end tag.
    mutating func void(_ name: StaticString, _ attributes: [(StaticString, String?)] = []) {
        open(name, attributes)
    }

    mutating func text(_ value: String) { text += HTMLEscaping.escape(value) }

    /// Text with the runs a search matched in `<mark>`, every run escaped.
    mutating func highlighted(_ segments: [Highlighter.Segment]) {
        for segment in segments {
            if segment.marked { element("mark") { $0.text(segment.text) } } else { text(segment.text) }
        }
    }

    private mutating func open(_ name: StaticString, _ attributes: [(StaticString, String?)]) {
        text += "<"
        text += name.description
        for (attribute, value) in attributes {
            guard let value else { continue }
            text += " "
            text += attribute.description
            text += "=\""
            text += HTMLEscaping.escape(value)
            text += "\""
        }
        text += ">"
    }
}
