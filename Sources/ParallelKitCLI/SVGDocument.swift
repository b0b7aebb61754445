import ParallelKitSystem

/// A standalone SVG picture written as text, without Foundation: shapes and labels in user units,
/// every attribute quoted and every text escaped, so that the file is well-formed XML that any
/// browser or `rsvg-convert` shows without a plug-in.
struct SVGDocument {
    let width: Int
    let height: Int
    private var elements: [String] = []

    init(width: Int, height: Int) {
        self.width = width
        self.height = height
    }

    /// The document: the XML declaration, the `svg` element and everything drawn, in order.
    var text: String {
        var lines = [
            #"<?xml version="1.0" encoding="UTF-8"?>"#,
            #"<svg xmlns="http://www.w3.org/2000/svg" width="\#(width)" height="\#(height)" viewBox="0 0 \#(width) \#(height)" font-family="DejaVu Sans, Helvetica, Arial, sans-serif">"#,
            #"<rect x="0" y="0" width="\#(width)" height="\#(height)" fill="white"/>"#,
        ]
        lines += elements
        lines.append("</svg>")
        return lines.joined(separator: "\n") + "\n"
    }

    /// A straight line; `dash` is an SVG dash pattern such as `"6 4"`.
    mutating func line(
        _ x1: Double, _ y1: Double, _ x2: Double, _ y2: Double, stroke: String, width: Double = 1, dash: String? = nil
    ) {
        elements.append(
            "<line x1=\"\(Self.number(x1))\" y1=\"\(Self.number(y1))\" x2=\"\(Self.number(x2))\" y2=\"\(Self.number(y2))\""
                + strokeAttributes(stroke, width, dash) + "/>")
    }

    /// A line through `points`, in order.
    mutating func polyline(
        _ points: [(x: Double, y: Double)], stroke: String, width: Double = 2, dash: String? = nil, className: String? = nil
    ) {
        let list = points.map { "\(Self.number($0.x)),\(Self.number($0.y))" }.joined(separator: " ")
        let classAttribute = className.map { " class=\"\(Self.escaped($0))\"" } ?? ""
        elements.append(
            "<polyline\(classAttribute) points=\"\(list)\" fill=\"none\"" + strokeAttributes(stroke, width, dash) + "/>")
    }

    mutating func circle(_ x: Double, _ y: Double, radius: Double, fill: String) {
        elements.append("<circle cx=\"\(Self.number(x))\" cy=\"\(Self.number(y))\" r=\"\(Self.number(radius))\" fill=\"\(fill)\"/>")
    }

    mutating func rect(_ x: Double, _ y: Double, _ width: Double, _ height: Double, fill: String, stroke: String? = nil) {
        let outline = stroke.map { " stroke=\"\($0)\"" } ?? ""
        elements.append(
            "<rect x=\"\(Self.number(x))\" y=\"\(Self.number(y))\" width=\"\(Self.number(width))\" height=\"\(Self.number(height))\" fill=\"\(fill)\"\(outline)/>"
        )
    }

    /// A label at (`x`, `y`), its baseline there; `anchor` is `start`, `middle` or `end`;
    /// `rotation` in degrees turns it about that point (-90 reads upwards, for a y axis).
    mutating func text(
        _ content: String, _ x: Double, _ y: Double, size: Double = 12, anchor: String = "start",
        rotation: Double = 0, bold: Bool = false, className: String? = nil
    ) {
        var attributes = "x=\"\(Self.number(x))\" y=\"\(Self.number(y))\" font-size=\"\(Self.number(size))\""
        if anchor != "start" { attributes += " text-anchor=\"\(anchor)\"" }
        if rotation != 0 {
            attributes += " transform=\"rotate(\(Self.number(rotation)) \(Self.number(x)) \(Self.number(y)))\""
        }
        if bold { attributes += " font-weight=\"bold\"" }
        if let className { attributes += " class=\"\(Self.escaped(className))\"" }
        elements.append("<text \(attributes)>\(Self.escaped(content))</text>")
    }

    /// Writes the document to `path`, replacing what was there.
    func write(to path: String) throws(SystemError) {
        let fd = try systemCall("open") { open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644) }
        defer { close(fd) }
        try writeAll(fd, Array(text.utf8))
    }

    /// `text` with the five characters XML reserves written as entities.
    static func escaped(_ text: String) -> String {
        var result = ""
        for character in text {
            switch character {
            case "&": result += "&amp;"
            case "<": result += "&lt;"
            case ">": result += "&gt;"
            case "\"": result += "&quot;"
            case "'": result += "&apos;"
            default: result.append(character)
            }
        }
        return result
    }

    /// A coordinate with at most one decimal (`12`, `12.5`).
    static func number(_ value: Double) -> String {
        let text = fixed(value, 1)
        return text.hasSuffix(".0") ? String(text.dropLast(2)) : text
    }

    private func strokeAttributes(_ stroke: String, _ width: Double, _ dash: String?) -> String {
        " stroke=\"\(stroke)\" stroke-width=\"\(Self.number(width))\"" + (dash.map { " stroke-dasharray=\"\($0)\"" } ?? "")
    }
}
