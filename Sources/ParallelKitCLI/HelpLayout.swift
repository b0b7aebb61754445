/// Help text laid out for a terminal: headings, paragraphs and two-column option rows, wrapped
/// at word boundaries to a width.
///
/// A word is never split: a word longer than its line stands alone on it, whole, and may pass
/// the width (help is read and copied, and half an option name is a wrong option name).
struct HelpLayout {
    /// One piece of help text.
    enum Block: Equatable {
        /// A line of its own, not wrapped (a heading such as `Inputs:`).
        case heading(String)
        /// Text wrapped to the width, from column `indent`, continuation lines at `hanging`.
        case paragraph(String, indent: Int = 0, hanging: Int? = nil)
        /// An option and what it does: the term at column 2, the text in the description column,
        /// or on the line below when the term does not leave room for it.
        case row(term: String, text: String)
        /// An empty line.
        case blank
    }

    /// The column descriptions start at, on lines of at least ``twoColumnWidth`` columns.
    static let descriptionColumn = 24
    /// Narrower than this, a row's text goes below its term, indented by 6.
    static let twoColumnWidth = 60
    /// The narrowest width laid out; a smaller one is taken as this.
    static let minimumWidth = 20

    var blocks: [Block]

    /// The text laid out in lines of at most `width` columns (but for words longer than that),
    /// each line ending in a newline.
    func render(width: Int) -> String {
        let width = max(width, Self.minimumWidth)
        var lines: [String] = []
        for block in blocks {
            switch block {
            case .heading(let text):
                lines.append(text)
            case .paragraph(let text, let indent, let hanging):
                lines += Self.wrap(text, width: width, indent: indent, hanging: hanging ?? indent)
            case .row(let term, let text):
                lines += Self.row(term: term, text: text, width: width)
            case .blank:
                lines.append("")
            }
        }
        return lines.map { $0 + "\n" }.joined()
    }

    /// `text`'s words filled into lines of at most `width` columns: the first line starts at
    /// column `indent`, the others at `hanging`.
    static func wrap(_ text: String, width: Int, indent: Int, hanging: Int) -> [String] {
        var lines: [String] = []
        var line = ""
        var lineLength = 0
        var margin = indent
        for word in text.split(whereSeparator: { $0 == " " || $0 == "\n" }) {
            let length = word.count
            if lineLength > 0, margin + lineLength + 1 + length > width {
                lines.append(String(repeating: " ", count: margin) + line)
                line = ""
                lineLength = 0
                margin = hanging
            }
            if lineLength > 0 {
                line += " "
                lineLength += 1
            }
            line += word
            lineLength += length
        }
        if lineLength > 0 || lines.isEmpty { lines.append(String(repeating: " ", count: margin) + line) }
        return lines
    }

    /// A row: the term at column 2 and its text from ``descriptionColumn``, or below the term.
    private static func row(term: String, text: String, width: Int) -> [String] {
        let column = width >= twoColumnWidth ? descriptionColumn : 6
        var lines = wrap(term, width: width, indent: 2, hanging: 4)
        let termLength = lines[lines.count - 1].count
        if lines.count == 1, termLength + 2 <= column, width >= twoColumnWidth {
            // The text starts on the term's line: wrap as if the term were indentation.
            var textLines = wrap(text, width: width, indent: column, hanging: column)
            textLines[0] = lines[0] + String(textLines[0].dropFirst(termLength))
            return textLines
        }
        lines += wrap(text, width: width, indent: column, hanging: column)
        return lines
    }
}
