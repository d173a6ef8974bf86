extension HTML {
    /// A data table with a caption and column headers (a chart's numbers, or a list). Wide
    /// tables scroll inside their own box on a phone instead of the page.
    mutating func table(caption: String, headers: [String], rows: [[String]]) {
        // Focusable and named: a table wider than a phone scrolls inside this box by keyboard too.
        element("div", [("class", "table-wrap"), ("tabindex", "0"), ("role", "region"), ("aria-label", caption)]) { html in
            html.element("table") { html in
                html.element("caption") { $0.text(caption) }
                html.element("thead") { html in
                    html.element("tr") { html in for header in headers { html.element("th", [("scope", "col")]) { $0.text(header) } } }
                }
                html.element("tbody") { html in
                    for row in rows { html.element("tr") { html in for cell in row { html.element("td") { $0.text(cell) } } } }
                }
            }
        }
    }
}
