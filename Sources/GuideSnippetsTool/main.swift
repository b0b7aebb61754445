// Turns the ```swift blocks of one Markdown file into a Swift file that the `GuideSnippets`
// target compiles, so that a renamed API breaks the build and not the reader.
//
//     GuideSnippetsTool <input.md> <output.swift> <GuideName>
//
// Run by the `GuideSnippetsPlugin` build-tool plugin, once per Markdown file. The rule for
// fragments (also in ARCHITECTURE.md):
//
// - A block whose first line starts with `// prelude` is the guide's prelude (at most one per
//   file): declarations its other blocks use. It goes to the file's top level, each top-level
//   declaration made `fileprivate`, so that two guides may declare the same name.
// - A block whose first line starts with `// declarations` goes to the file's top level as the
//   prelude does (any number of them): for what cannot be local, such as a type with an
//   attached extension macro.
// - A block whose first line starts with `// not compiled` is left out (say why on that line).
// - Every other block is a fragment, wrapped in `func snippet_<GuideName>_<n>() async throws`,
//   where `n` counts the file's ```swift blocks from 1: top-level statements, `try` and `await`
//   work, and fragments do not see each other's names. `import` lines move to the file's top,
//   `@main` becomes `@MainActor` (the target is a library; a `@main` type's `main` runs on the
//   main actor, so its code is checked as there), and every name a fragment declares at its
//   top level is read once at the end, so that an example need not use all it shows.
//
// `#sourceLocation` points every diagnostic at the Markdown line it comes from.

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// A ```swift block: its lines and the 1-based line number of the first of them.
struct Block {
    var firstLine: Int
    var lines: [String]
}

/// The ```swift blocks of a Markdown text, in order. Fences may be indented (in a list item);
/// the info string must start with `swift`.
func swiftBlocks(in text: String) throws(SnippetError) -> [Block] {
    var blocks: [Block] = []
    var current: Block?
    for (index, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
        let trimmed = line.drop { $0 == " " }
        if var block = current {
            if trimmed.hasPrefix("```") && trimmed.dropFirst(3).allSatisfy({ $0 == " " }) {
                blocks.append(block)
                current = nil
            } else {
                block.lines.append(String(line))
                current = block
            }
        } else if trimmed.hasPrefix("```swift") {
            let rest = trimmed.dropFirst("```swift".count)
            if rest.isEmpty || rest.first == " " { current = Block(firstLine: index + 2, lines: []) }
        }
    }
    if let current { throw SnippetError("a ```swift block starting at line \(current.firstLine - 1) is not closed") }
    return blocks
}

/// What a block is, from its first non-empty line.
enum BlockKind {
    case prelude, declarations, notCompiled, fragment

    init(_ block: Block) {
        let first = block.lines.first { !$0.allSatisfy { $0 == " " } }?.drop { $0 == " " } ?? ""
        if first.hasPrefix("// prelude") {
            self = .prelude
        } else if first.hasPrefix("// declarations") {
            self = .declarations
        } else if first.hasPrefix("// not compiled") {
            self = .notCompiled
        } else {
            self = .fragment
        }
    }
}

/// Each line of a block with the brace depth at its start, outside string literals and comments
/// (enough for examples: multi-line string literals are not handled).
func depths(_ lines: [String]) -> [Int] {
    var depth = 0
    var inBlockComment = false
    var result: [Int] = []
    for line in lines {
        result.append(depth)
        var inString = false
        var previous: Character = " "
        var escaped = false
        for character in line {
            defer { previous = character }
            if inBlockComment {
                if previous == "*" && character == "/" { inBlockComment = false }
                continue
            }
            if inString {
                if escaped { escaped = false } else if character == "\\" { escaped = true } else if character == "\"" { inString = false }
                continue
            }
            if previous == "/" && character == "/" { break }
            if previous == "/" && character == "*" { inBlockComment = true; continue }
            switch character {
            case "\"": inString = true
            case "{": depth += 1
            case "}": depth -= 1
            default: break
            }
        }
    }
    return result
}

/// The line without its leading spaces, and those spaces.
func splitIndent(_ line: String) -> (indent: Substring, body: Substring) {
    let body = line.drop { $0 == " " || $0 == "\t" }
    return (line[..<body.startIndex], body)
}

func isIdentifierCharacter(_ character: Character) -> Bool {
    character == "_" || character.isLetter || character.isNumber
}

/// The first word of `text` (letters, digits, underscores).
func firstWord(_ text: Substring) -> Substring {
    text.prefix(while: isIdentifierCharacter)
}

/// The names bound by a top-level `let`/`var` line: `let x = …`, `var x: T`, `let (a, b) = …`.
func declaredNames(_ body: Substring) -> [String] {
    let keyword = firstWord(body)
    guard keyword == "let" || keyword == "var" else { return [] }
    let rest = body.dropFirst(keyword.count).drop { $0 == " " }
    if rest.first == "(" {
        guard let close = rest.firstIndex(of: ")") else { return [] }
        return rest[rest.index(after: rest.startIndex)..<close].split(separator: ",").compactMap { part in
            let name = firstWord(part.drop { $0 == " " })
            return name.isEmpty || name == "_" ? nil : String(name)
        }
    }
    let name = firstWord(rest)
    return name.isEmpty || name == "_" ? [] : [String(name)]
}

/// Modifiers after which a declaration keyword may still follow.
let modifiers: Set<Substring> = ["final", "indirect", "nonisolated", "static", "nonmutating", "mutating"]
let declarationKeywords: Set<Substring> = ["func", "let", "var", "struct", "enum", "class", "actor", "typealias", "protocol"]
let accessModifiers: Set<Substring> = ["private", "fileprivate", "internal", "package", "public", "open"]

/// A prelude's top-level declaration line made `fileprivate` (after its attributes), or the line
/// unchanged when it declares nothing or already says its access.
func madeFilePrivate(_ line: String) -> String {
    let (indent, body) = splitIndent(line)
    var rest = body
    // Skip attributes: `@Sendable`, `@available(…)`.
    while rest.first == "@" {
        rest = rest.dropFirst()
        rest = rest.drop(while: isIdentifierCharacter)
        if rest.first == "(", let close = rest.firstIndex(of: ")") { rest = rest[rest.index(after: close)...] }
        rest = rest.drop { $0 == " " }
    }
    let declarationStart = rest.startIndex
    while true {
        let word = firstWord(rest)
        if accessModifiers.contains(word) { return line }
        if declarationKeywords.contains(word) { break }
        guard modifiers.contains(word) else { return line }
        rest = rest.dropFirst(word.count)
        if rest.first == "(", let close = rest.firstIndex(of: ")") { rest = rest[rest.index(after: close)...] }
        rest = rest.drop { $0 == " " }
    }
    return String(indent) + body[..<declarationStart] + "fileprivate " + body[declarationStart...]
}

/// A `#sourceLocation` directive pointing at `line` of the Markdown file.
func sourceLocation(_ file: String, _ line: Int) -> String {
    let escaped = file.replacing("\\", with: "\\\\").replacing("\"", with: "\\\"")
    return "#sourceLocation(file: \"\(escaped)\", line: \(line))"
}

/// The generated Swift file for one Markdown file.
func generate(markdown: String, path: String, guide: String) throws(SnippetError) -> String {
    let blocks = try swiftBlocks(in: markdown)
    var imports: [String] = ["import ParallelKit"]
    var prelude: [String] = []
    var fragments: [String] = []
    var preludeCount = 0
    for (index, block) in blocks.enumerated() {
        let number = index + 1
        let levels = depths(block.lines)
        switch BlockKind(block) {
        case .notCompiled:
            fragments.append("// snippet \(number): not compiled\n")
        case .prelude, .declarations:
            if BlockKind(block) == .prelude {
                preludeCount += 1
                guard preludeCount == 1 else {
                    throw SnippetError("\(path):\(block.firstLine): a second prelude (one per file)")
                }
            }
            prelude.append(sourceLocation(path, block.firstLine))
            for (line, level) in zip(block.lines, levels) {
                let (indent, text) = splitIndent(line)
                if level == 0, text.hasPrefix("@main ") {
                    prelude.append(madeFilePrivate(String(indent) + "@MainActor " + text.dropFirst("@main ".count)))
                } else {
                    prelude.append(level == 0 ? madeFilePrivate(line) : line)
                }
            }
            prelude.append("#sourceLocation()\n")
        case .fragment:
            var body: [String] = []
            var names: [String] = []
            for (line, level) in zip(block.lines, levels) {
                let (indent, text) = splitIndent(line)
                guard level == 0 else { body.append(line); continue }
                if firstWord(text) == "import" {
                    if !imports.contains(String(text)) { imports.append(String(text)) }
                    body.append("")
                } else if text.hasPrefix("@main ") {
                    body.append(String(indent) + "@MainActor " + text.dropFirst("@main ".count))
                } else {
                    names += declaredNames(text)
                    body.append(line)
                }
            }
            let name = String(guide.map { isIdentifierCharacter($0) ? $0 : "_" })
            var function = ["func snippet_\(name)_\(number)() async throws {", sourceLocation(path, block.firstLine)]
            function += body
            function.append("#sourceLocation()")
            function += names.map { "    _ = \($0)" }
            function.append("}\n")
            fragments.append(function.joined(separator: "\n"))
        }
    }
    let header = """
        // Generated by GuideSnippetsTool from \(path) (\(blocks.count) ```swift blocks): do not edit.
        // Diagnostics point at the Markdown lines; the rule for fragments is in ARCHITECTURE.md.

        """
    return ([header] + imports + [""] + prelude + fragments).joined(separator: "\n")
}

struct SnippetError: Error {
    var message: String
    init(_ message: String) { self.message = message }
}

func readFile(_ path: String) throws(SnippetError) -> String {
    guard let file = fopen(path, "r") else { throw SnippetError("cannot open \(path): \(String(cString: strerror(errno)))") }
    defer { fclose(file) }
    var bytes: [UInt8] = []
    var buffer = [UInt8](repeating: 0, count: 1 << 16)
    while true {
        let count = fread(&buffer, 1, buffer.count, file)
        bytes += buffer[..<count]
        if count < buffer.count { break }
    }
    guard ferror(file) == 0 else { throw SnippetError("cannot read \(path)") }
    return String(decoding: bytes, as: UTF8.self)
}

/// Writes `text` to `path` unless the file already holds it, so that an unchanged guide does not
/// make its snippets compile again.
func writeFileIfChanged(_ path: String, _ text: String) throws(SnippetError) {
    if let old = try? readFile(path), old == text { return }
    guard let file = fopen(path, "w") else { throw SnippetError("cannot create \(path): \(String(cString: strerror(errno)))") }
    let bytes = Array(text.utf8)
    let written = fwrite(bytes, 1, bytes.count, file)
    guard fclose(file) == 0, written == bytes.count else { throw SnippetError("cannot write \(path)") }
}

/// Prints `message` on standard error and exits with `status`.
func fail(_ message: String, status: Int32 = 1) -> Never {
    let bytes = Array("\(message)\n".utf8)
    _ = write(2, bytes, bytes.count)
    exit(status)
}

let arguments = CommandLine.arguments
guard arguments.count == 4 else { fail("usage: GuideSnippetsTool <input.md> <output.swift> <GuideName>", status: 2) }
do {
    let markdown = try readFile(arguments[1])
    try writeFileIfChanged(arguments[2], try generate(markdown: markdown, path: arguments[1], guide: arguments[3]))
} catch {
    fail("error: \(error.message)")
}
