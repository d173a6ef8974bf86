/// HTML built by construction: element and attribute names are compile-time constants
/// (`StaticString`), and every runtime value — text or attribute value — is escaped on the
/// way in. Markup that is already safe is only accepted as `TrustedHTML`, which only this
/// module makes (search highlights, the layout). No string concatenation of user text into markup.
struct HTML {
    private(set) var text = ""

    init() { text.reserveCapacity(8192) }

    /// A fragment known to be safe markup.
    struct TrustedHTML {
        fileprivate let markup: String
        /// Markup escaped by `Highlighter` (escapes everything, adds only `<mark>`).
        static func highlighted(_ markup: String) -> TrustedHTML { TrustedHTML(markup: markup) }
    }

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

    mutating func trusted(_ fragment: TrustedHTML) { text += fragment.markup }

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
