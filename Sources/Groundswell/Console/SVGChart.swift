import Rules

/// Charts drawn on the server as SVG, in the page (no script, no chart library): each has a
/// `<title>` and `<desc>` for screen readers, and the page puts the same data in a table beside it.
enum SVGChart {
    static let colours = ["#0b6e4f", "#b36b00", "#3b5ba5", "#8a1c1c"]

    /// Stacked bars, one per label; `series` are (name, values) with one value per label.
    static func stackedBars(_ html: inout HTML, id: String, title: String, description: String,
                            labels: [String], series: [(String, [Int])]) {
        let width = 640.0, height = 220.0, bottom = 190.0, left = 36.0
        let totals = labels.indices.map { index in series.reduce(0) { $0 + $1.1[index] } }
        let maximum = Double(max(1, totals.max() ?? 1))
        let slot = (width - left - 8) / Double(max(1, labels.count))
        chart(&html, id: id, title: title, description: description, width: width, height: height) { html in
            axis(&html, left: left, bottom: bottom, top: 10, right: width - 8, maximum: Int(maximum))
            for (index, label) in labels.enumerated() {
                var y = bottom
                for (seriesIndex, entry) in series.enumerated() {
                    let value = Double(entry.1[index])
                    guard value > 0 else { continue }
                    let h = value / maximum * (bottom - 10)
                    y -= h
                    html.element("rect", [("x", fmt(left + Double(index) * slot + slot * 0.15)), ("y", fmt(y)),
                                          ("width", fmt(slot * 0.7)), ("height", fmt(h)), ("fill", colours[seriesIndex % colours.count])]) { html in
                        html.element("title") { $0.text("\(label) · \(entry.0): \(entry.1[index])") }
                    }
                }
                if labels.count <= 16 || index % max(1, labels.count / 8) == 0 {
                    html.element("text", [("x", fmt(left + Double(index) * slot + slot / 2)), ("y", fmt(bottom + 16)),
                                          ("text-anchor", "middle"), ("font-size", "10"), ("fill", "#1d2327")]) { $0.text(String(label.suffix(5))) }
                }
            }
            legend(&html, series.map(\.0), x: left, y: height - 2)
        }
    }

    /// A Lorenz curve: the line of equality and the curve through `points` (x, y in 0…1).
    static func lorenz(_ html: inout HTML, id: String, title: String, description: String, points: [(Double, Double)]) {
        let size = 220.0, pad = 24.0, span = size - 2 * pad
        chart(&html, id: id, title: title, description: description, width: size, height: size) { html in
            html.element("line", [("x1", fmt(pad)), ("y1", fmt(size - pad)), ("x2", fmt(size - pad)), ("y2", fmt(pad)),
                                  ("stroke", "#767676"), ("stroke-dasharray", "4 3")])
            let path = points.map { "\(fmt(pad + $0.0 * span)),\(fmt(size - pad - $0.1 * span))" }.joined(separator: " ")
            html.element("polyline", [("points", path), ("fill", "none"), ("stroke", colours[0]), ("stroke-width", "2.5")])
            axis(&html, left: pad, bottom: size - pad, top: pad, right: size - pad, maximum: nil)
        }
    }

    /// Horizontal bars, one per label.
    static func bars(_ html: inout HTML, id: String, title: String, description: String, items: [(String, Int)]) {
        let width = 640.0, row = 26.0, left = 130.0
        let height = Double(items.count) * row + 12
        let maximum = Double(max(1, items.map(\.1).max() ?? 1))
        chart(&html, id: id, title: title, description: description, width: width, height: height) { html in
            for (index, item) in items.enumerated() {
                let y = 6 + Double(index) * row
                html.element("text", [("x", fmt(left - 6)), ("y", fmt(y + 16)), ("text-anchor", "end"), ("font-size", "12"), ("fill", "#1d2327")]) {
                    $0.text(item.0)
                }
                let w = Double(item.1) / maximum * (width - left - 60)
                html.element("rect", [("x", fmt(left)), ("y", fmt(y + 3)), ("width", fmt(max(1, w))), ("height", "18"), ("fill", colours[0])])
                html.element("text", [("x", fmt(left + w + 6)), ("y", fmt(y + 16)), ("font-size", "12"), ("fill", "#1d2327")]) { $0.text(String(item.1)) }
            }
        }
    }

    private static func chart(_ html: inout HTML, id: String, title: String, description: String, width: Double, height: Double,
                              body: (inout HTML) -> Void) {
        html.element("svg", [("class", "chart"), ("viewBox", "0 0 \(fmt(width)) \(fmt(height))"), ("width", fmt(width)), ("height", fmt(height)),
                             ("role", "img"), ("aria-labelledby", "\(id)-title \(id)-desc"), ("xmlns", "http://www.w3.org/2000/svg")]) { html in
            html.element("title", [("id", "\(id)-title")]) { $0.text(title) }
            html.element("desc", [("id", "\(id)-desc")]) { $0.text(description) }
            body(&html)
        }
    }

    private static func axis(_ html: inout HTML, left: Double, bottom: Double, top: Double, right: Double, maximum: Int?) {
        html.element("line", [("x1", fmt(left)), ("y1", fmt(bottom)), ("x2", fmt(right)), ("y2", fmt(bottom)), ("stroke", "#50575e")])
        html.element("line", [("x1", fmt(left)), ("y1", fmt(top)), ("x2", fmt(left)), ("y2", fmt(bottom)), ("stroke", "#50575e")])
        if let maximum {
            html.element("text", [("x", fmt(left - 4)), ("y", fmt(top + 8)), ("text-anchor", "end"), ("font-size", "10"), ("fill", "#1d2327")]) {
                $0.text(String(maximum))
            }
        }
    }

    private static func legend(_ html: inout HTML, _ names: [String], x: Double, y: Double) {
        var offset = x
        for (index, name) in names.enumerated() {
            html.element("rect", [("x", fmt(offset)), ("y", fmt(y - 10)), ("width", "10"), ("height", "10"), ("fill", colours[index % colours.count])])
            html.element("text", [("x", fmt(offset + 14)), ("y", fmt(y - 1)), ("font-size", "11"), ("fill", "#1d2327")]) { $0.text(name) }
            offset += 24 + Double(name.count) * 7
        }
    }

    static func fmt(_ value: Double) -> String {
        let rounded = (value * 10).rounded() / 10
        return rounded == rounded.rounded() ? String(Int(rounded)) : String(rounded)
    }
}
