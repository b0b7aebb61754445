/// A strict reader for the XML the SVG writers of this package produce (tests only): it accepts a
/// declaration, comments, elements with quoted attributes, and text with the predefined and
/// numeric entities, and refuses anything not well-formed — a tag closed out of order or not at
/// all, an attribute unquoted or given twice, a raw `<` or a stray `&`, text outside the root, a
/// second root — naming where.
struct MiniXML {
    struct Element {
        var name: String
        var attributes: [String: String]
        var children: [Element] = []
        /// The element's own text (its children's not included), entities replaced.
        var text = ""

        /// This element and every element under it, in document order.
        var all: [Element] { [self] + children.flatMap(\.all) }
        /// Every element under this one (or this one) named `name`, with `class` `className` if given.
        func elements(_ name: String, className: String? = nil) -> [Element] {
            all.filter { $0.name == name && (className == nil || $0.attributes["class"] == className) }
        }
    }

    struct Failure: Error, CustomStringConvertible {
        var offset: Int
        var reason: String
        var description: String { "not well-formed at byte \(offset): \(reason)" }
    }

    /// The root element of `text`.
    static func parse(_ text: String) throws(Failure) -> Element {
        var reader = MiniXML(bytes: Array(text.utf8))
        return try reader.document()
    }

    private let bytes: [UInt8]
    private var index = 0

    private init(bytes: [UInt8]) { self.bytes = bytes }

    private func fail(_ reason: String) -> Failure { Failure(offset: index, reason: reason) }
    private func peek(_ literal: String) -> Bool { bytes[index...].starts(with: Array(literal.utf8)) }
    private var atEnd: Bool { index >= bytes.count }

    private mutating func skipSpace() {
        while !atEnd, [0x20, 0x09, 0x0A, 0x0D].contains(bytes[index]) { index += 1 }
    }

    private mutating func skip(past literal: String) throws(Failure) {
        let pattern = Array(literal.utf8)
        while !atEnd, !bytes[index...].starts(with: pattern) { index += 1 }
        guard !atEnd else { throw fail("no \(literal)") }
        index += pattern.count
    }

    /// Prolog, one root element, then only space and comments.
    private mutating func document() throws(Failure) -> Element {
        if peek("<?xml") { try skip(past: "?>") }
        try misc()
        guard !atEnd, peek("<") else { throw fail("no root element") }
        let root = try element()
        try misc()
        guard atEnd else { throw fail("content after the root element") }
        return root
    }

    private mutating func misc() throws(Failure) {
        while true {
            skipSpace()
            if peek("<!--") { try skip(past: "-->") } else { return }
        }
    }

    private mutating func name() throws(Failure) -> String {
        let start = index
        while !atEnd, bytes[index] == 0x3A || bytes[index] == 0x5F || bytes[index] == 0x2D || bytes[index] == 0x2E
            || (bytes[index] >= 0x30 && bytes[index] <= 0x39) || ((bytes[index] | 0x20) >= 0x61 && (bytes[index] | 0x20) <= 0x7A)
        {
            index += 1
        }
        guard index > start, !(bytes[start] >= 0x30 && bytes[start] <= 0x39) else { throw fail("a name was expected") }
        return String(decoding: bytes[start..<index], as: UTF8.self)
    }

    /// Text up to `end` (`<` for content, the quote for an attribute), entities replaced.
    private mutating func characters(until end: UInt8) throws(Failure) -> String {
        var out: [UInt8] = []
        while !atEnd, bytes[index] != end {
            let byte = bytes[index]
            if byte == 0x3C { throw fail("a raw < in text or an attribute") }
            if byte == 0x26 {
                let start = index + 1
                guard let semicolon = bytes[start...].prefix(12).firstIndex(of: 0x3B) else { throw fail("a stray &") }
                let entity = String(decoding: bytes[start..<semicolon], as: UTF8.self)
                let named = ["amp": "&", "lt": "<", "gt": ">", "quot": "\"", "apos": "'"]
                if let value = named[entity] {
                    out += Array(value.utf8)
                } else if entity.hasPrefix("#"), let code = entity.hasPrefix("#x")
                    ? UInt32(entity.dropFirst(2), radix: 16) : UInt32(entity.dropFirst()), let scalar = Unicode.Scalar(code)
                {
                    out += Array(String(Character(scalar)).utf8)
                } else {
                    throw fail("unknown entity &\(entity);")
                }
                index = semicolon + 1
            } else {
                out.append(byte)
                index += 1
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    private mutating func element() throws(Failure) -> Element {
        index += 1  // <
        var element = Element(name: try name(), attributes: [:])
        while true {
            let hadSpace = !atEnd && [0x20, 0x09, 0x0A, 0x0D].contains(bytes[index])
            skipSpace()
            guard !atEnd else { throw fail("a start tag never ends") }
            if peek("/>") {
                index += 2
                return element
            }
            if peek(">") {
                index += 1
                break
            }
            guard hadSpace else { throw fail("attributes must be separated by space") }
            let key = try name()
            skipSpace()
            guard peek("=") else { throw fail("attribute \(key) has no value") }
            index += 1
            skipSpace()
            guard !atEnd, bytes[index] == 0x22 || bytes[index] == 0x27 else { throw fail("attribute \(key) is not quoted") }
            let quote = bytes[index]
            index += 1
            let value = try characters(until: quote)
            guard !atEnd else { throw fail("attribute \(key) never ends") }
            index += 1
            guard element.attributes.updateValue(value, forKey: key) == nil else { throw fail("attribute \(key) given twice") }
        }
        while true {
            element.text += try characters(until: 0x3C)
            guard !atEnd else { throw fail("<\(element.name)> is never closed") }
            if peek("</") {
                index += 2
                let closing = try name()
                guard closing == element.name else { throw fail("</\(closing)> closes <\(element.name)>") }
                skipSpace()
                guard peek(">") else { throw fail("an end tag never ends") }
                index += 1
                return element
            }
            if peek("<!--") {
                try skip(past: "-->")
            } else {
                element.children.append(try self.element())
            }
        }
    }
}
