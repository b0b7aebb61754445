import Testing

@testable import ParallelKitCLI

/// The words of `text`, in order, whatever the line breaks.
private func words(_ text: String) -> [Substring] { text.split(whereSeparator: { $0 == " " || $0 == "\n" }) }

@Suite("HelpLayout: wrapping at word boundaries")
struct HelpLayoutTests {
    static let sample = HelpLayout(blocks: [
        .heading("Usage:"),
        .paragraph("tool [options] [command [arguments]] (::: arguments | :::: argfiles)...", indent: 2, hanging: 6),
        .blank,
        .row(
            term: "-j N, --jobs",
            text: "run N jobs at once; N% of the cores, +N or -N cores, or 0 for as many as possible"),
        .row(term: "--a-very-long-option-name value", text: "its text starts on the line below the term"),
        .row(term: "-k", text: "keep the order"),
    ])

    @Test(
        "no line is longer than the width but for a longer word, and every word is whole and in order",
        arguments: [20, 33, 40, 59, 60, 80, 132])
    func widths(width: Int) {
        let text = Self.sample.render(width: width)
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false).dropLast()
        for line in lines {
            // Only a word longer than the line may pass the width (at 20 columns, the long option).
            #expect(line.count <= width || words(String(line)).count == 1, "\(line.count) > \(width): '\(line)'")
        }
        // A split word would be two words here.
        #expect(words(text) == words(Self.sample.render(width: 10_000)))
        #expect(text.hasSuffix("\n"))
    }

    @Test("a row's text starts beside its term when the line is wide enough, below it otherwise")
    func rows() {
        let wide = Self.sample.render(width: 80).split(separator: "\n")
        #expect(wide.contains("  -k                    keep the order"))
        #expect(wide.contains("  --a-very-long-option-name value"))
        #expect(wide.contains("                        its text starts on the line below the term"))
        let narrow = Self.sample.render(width: 40).split(separator: "\n")
        #expect(narrow.contains("  -k"))
        #expect(narrow.contains("      keep the order"))
    }

    @Test("continuation lines hang at their indent")
    func hanging() {
        let lines = HelpLayout.wrap("aaa bbb ccc ddd", width: 9, indent: 2, hanging: 4)
        #expect(lines == ["  aaa bbb", "    ccc", "    ddd"])
    }

    @Test("a word longer than the line stands alone on it, whole")
    func longWord() {
        let word = String(repeating: "x", count: 30)
        let lines = HelpLayout.wrap("a \(word) b", width: 20, indent: 0, hanging: 0)
        #expect(lines == ["a", word, "b"])
    }

    @Test("widths under the minimum are laid out at the minimum")
    func minimum() {
        #expect(Self.sample.render(width: 1) == Self.sample.render(width: HelpLayout.minimumWidth))
    }
}
