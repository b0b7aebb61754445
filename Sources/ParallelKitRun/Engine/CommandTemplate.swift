/// A command with GNU parallel's replacement strings, parsed once and rendered for every job.
///
/// A template whose literal text has no shell syntax is run directly (`posix_spawn`, no shell):
/// it is split into words at blanks, and each job's values are put into those words. Otherwise
/// the template runs under `/bin/sh -c` with every substituted value quoted (`ShellQuote`). Both
/// paths give the program the same arguments, and the shell form is also what `--dry-run` and the
/// joblog show — the same text GNU parallel shows.
///
/// With several arguments per job (`-n`, `-N`), a word that holds `{}` (or `{.}`, `{/}` …) is
/// repeated once per argument, as GNU's context replacement (`-X`) does: `-N2 echo x{}y ::: a b`
/// runs `echo xay xby`.
package struct CommandTemplate: Sendable {
    /// What a replacement string stands for.
    enum Value: Sendable, Equatable {
        /// `{}` and its path forms: every argument of the job.
        case all(PathTransform)
        /// `{n}` and its path forms: argument n (from the end when negative).
        case positional(Int, PathTransform)
        /// `{name}` with `--header`: the column of that name.
        case named(Bytes, PathTransform)
        /// `{#}`: the job's sequence number.
        case sequence
        /// `{%}`: the job's slot.
        case slot
    }

    enum Piece: Sendable, Equatable {
        case literal(Bytes)
        case replacement(Value, source: Bytes)
    }

    /// The template's words, each a list of pieces, with the blanks that separated them.
    struct Word: Sendable {
        var pieces: [Piece]
        /// The blanks after the word (kept for the shell text).
        var separator: Bytes
        /// Whether the word repeats per argument in context mode.
        var repeatsPerArgument: Bool
    }

    let words: [Word]
    /// Whether any piece is a replacement string; without one the arguments are appended.
    let hasReplacement: Bool
    /// Whether the literal text needs a shell (pipes, quotes, redirections, globs …).
    let needsShell: Bool
    /// `-q`: the words were given one per argument and are quoted when a shell is needed.
    let quoteWords: Bool

    /// The job-specific values a template is rendered with.
    struct Context {
        var arguments: [Bytes]
        var sequence: Int
        var slot: Int
        /// Whether several arguments per job were asked for (`-n`, `-N`): context replacement.
        var repeatWords: Bool
        /// Column names from `--header`, mapped to argument positions (0-based).
        var names: [Bytes: Int]
        /// Whether a template without replacement strings gets the arguments appended (not with
        /// `--pipe`, where the input is the data on standard input).
        var appendsArguments = true
    }

    /// Parses `words` (the command as given). Without `-q` the words are joined with spaces and
    /// split again at blanks, as a shell would see them.
    init(words given: [Bytes], quoteWords: Bool, replaceString: Bytes, header: Bool) throws(RunUsageError) {
        self.quoteWords = quoteWords
        var rawWords: [(Bytes, Bytes)] = []
        if quoteWords {
            rawWords = given.map { ($0, [UInt8(ascii: " ")]) }
            if !rawWords.isEmpty { rawWords[rawWords.count - 1].1 = [] }
        } else {
            let joined = Array(given.joined(separator: [UInt8(ascii: " ")]))
            var index = 0
            var word: Bytes = []
            while index < joined.count {
                let byte = joined[index]
                if byte == 0x20 || byte == 0x09 {
                    var separator: Bytes = []
                    while index < joined.count, joined[index] == 0x20 || joined[index] == 0x09 {
                        separator.append(joined[index])
                        index += 1
                    }
                    if word.isEmpty, rawWords.isEmpty {
                        continue  // leading blanks
                    }
                    rawWords.append((word, separator))
                    word = []
                    continue
                }
                word.append(byte)
                index += 1
            }
            if !word.isEmpty { rawWords.append((word, [])) }
            if let last = rawWords.last, last.0.isEmpty { rawWords.removeLast() }
        }
        let whole = Array(given.joined(separator: [UInt8(ascii: " ")]))
        if let open = whole.firstIndex(of: Array("{=".utf8)), whole.firstIndex(of: Array("=}".utf8), from: open + 2) != nil {
            throw RunUsageError("perl expressions in replacement strings ({= … =}) are not supported by parallelkit run")
        }
        var parsed: [Word] = []
        var anyReplacement = false
        var literalShell = false
        for (position, (text, separator)) in rawWords.enumerated() {
            let pieces = try Self.pieces(text, replaceString: replaceString, header: header)
            var repeats = false
            for piece in pieces {
                switch piece {
                case .literal(let literal):
                    if !quoteWords, Self.hasShellSyntax(literal, firstWord: position == 0) { literalShell = true }
                case .replacement(let value, _):
                    anyReplacement = true
                    if case .all = value { repeats = true }
                }
            }
            parsed.append(Word(pieces: pieces, separator: separator, repeatsPerArgument: repeats))
        }
        if !quoteWords, let first = parsed.first, first.pieces.count == 1, case .literal(let name) = first.pieces[0],
            Self.shellWords.contains(name)
        {
            literalShell = true
        }
        words = parsed
        hasReplacement = anyReplacement
        needsShell = literalShell
    }

    /// Whether `text` holds a replacement string (for `--results` templates).
    package static func hasReplacement(_ text: Bytes) throws(RunUsageError) -> Bool {
        try pieces(text, replaceString: Array("{}".utf8), header: false).contains {
            if case .replacement = $0 { true } else { false }
        }
    }

    // MARK: - Rendering

    /// The text GNU parallel would run and print for this job: values quoted; without a
    /// replacement string, the quoted arguments appended.
    func shellText(_ context: Context) -> Bytes {
        var output: Bytes = []
        output.reserveCapacity(64)
        for word in words {
            if context.repeatWords, word.repeatsPerArgument, context.arguments.count != 1 {
                let copies = context.arguments.isEmpty ? [Bytes?.none] : context.arguments.map { Optional($0) }
                for (index, argument) in copies.enumerated() {
                    if index > 0 { output.append(0x20) }
                    appendShellWord(word, context, only: argument, to: &output)
                }
            } else {
                appendShellWord(word, context, only: nil, to: &output)
            }
            output.append(contentsOf: word.separator)
        }
        if !hasReplacement, context.appendsArguments {
            output.append(0x20)
            for (index, argument) in context.arguments.enumerated() {
                if index > 0 { output.append(0x20) }
                ShellQuote.append(argument, to: &output)
            }
        }
        return output
    }

    /// The template with values put in as they are, unquoted (for `--tagstring` and `--results`
    /// names, which no shell reads).
    func rawText(_ context: Context) -> Bytes {
        var output: Bytes = []
        for word in words {
            for piece in word.pieces {
                switch piece {
                case .literal(let literal): output.append(contentsOf: literal)
                case .replacement(let value, let source):
                    guard let values = self.values(value, context, only: nil) else {
                        output.append(contentsOf: source)
                        continue
                    }
                    output.append(contentsOf: values.joined(separator: [0x20]))
                }
            }
            output.append(contentsOf: word.separator)
        }
        return output
    }

    private func appendShellWord(_ word: Word, _ context: Context, only argument: Bytes?, to output: inout Bytes) {
        for piece in word.pieces {
            switch piece {
            case .literal(let literal):
                if quoteWords { ShellQuote.append(literal, to: &output) } else { output.append(contentsOf: literal) }
            case .replacement(let value, let source):
                guard let values = self.values(value, context, only: argument) else {
                    output.append(contentsOf: source)
                    continue
                }
                switch value {
                case .sequence, .slot:
                    output.append(contentsOf: values[0])
                default:
                    for (index, element) in values.enumerated() {
                        if index > 0 { output.append(0x20) }
                        ShellQuote.append(element, to: &output)
                    }
                }
            }
        }
    }

    /// The program and arguments for running this job directly, without a shell.
    func argv(_ context: Context) -> [Bytes] {
        var argv: [Bytes] = []
        argv.reserveCapacity(words.count + context.arguments.count)
        for word in words {
            if context.repeatWords, word.repeatsPerArgument, context.arguments.count != 1 {
                let copies = context.arguments.isEmpty ? [Bytes?.none] : context.arguments.map { Optional($0) }
                for argument in copies { appendArgvWord(word, context, only: argument, to: &argv) }
            } else {
                appendArgvWord(word, context, only: nil, to: &argv)
            }
        }
        if !hasReplacement, context.appendsArguments { argv.append(contentsOf: context.arguments) }
        return argv
    }

    private func appendArgvWord(_ word: Word, _ context: Context, only argument: Bytes?, to argv: inout [Bytes]) {
        var current: Bytes = []
        for piece in word.pieces {
            switch piece {
            case .literal(let literal):
                current.append(contentsOf: literal)
            case .replacement(let value, let source):
                guard let values = self.values(value, context, only: argument) else {
                    current.append(contentsOf: source)
                    continue
                }
                current.append(contentsOf: values[0])
                for element in values.dropFirst() {
                    argv.append(current)
                    current = element
                }
            }
        }
        argv.append(current)
    }

    /// The values a replacement stands for in this job; `nil` for an unknown `{name}`, which
    /// stays as written.
    private func values(_ value: Value, _ context: Context, only argument: Bytes?) -> [Bytes]? {
        switch value {
        case .sequence: return [decimalBytes(context.sequence)]
        case .slot: return [decimalBytes(context.slot)]
        case .all(let transform):
            if let argument { return [transform.apply(argument)] }
            if context.arguments.isEmpty { return [[]] }
            return context.arguments.map(transform.apply)
        case .positional(let position, let transform):
            let index = position > 0 ? position - 1 : context.arguments.count + position
            guard index >= 0, index < context.arguments.count else { return [[]] }
            return [transform.apply(context.arguments[index])]
        case .named(let name, let transform):
            guard let index = context.names[name] else { return nil }
            guard index < context.arguments.count else { return [[]] }
            return [transform.apply(context.arguments[index])]
        }
    }

    // MARK: - Parsing

    private static func pieces(_ text: Bytes, replaceString: Bytes, header: Bool) throws(RunUsageError) -> [Piece] {
        var pieces: [Piece] = []
        var literal: Bytes = []
        var index = 0
        let customReplace = replaceString != Array("{}".utf8)
        func flush() {
            if !literal.isEmpty { pieces.append(.literal(literal)) }
            literal = []
        }
        while index < text.count {
            if customReplace, text[index] == replaceString[0],
                index + replaceString.count <= text.count,
                Array(text[index..<(index + replaceString.count)]) == replaceString
            {
                flush()
                pieces.append(.replacement(.all(.none), source: replaceString))
                index += replaceString.count
                continue
            }
            guard text[index] == UInt8(ascii: "{") else {
                literal.append(text[index])
                index += 1
                continue
            }
            guard let close = text[(index + 1)...].firstIndex(of: UInt8(ascii: "}")) else {
                literal.append(text[index])
                index += 1
                continue
            }
            let body = text[(index + 1)..<close]
            let source = Array(text[index...close])
            if let value = value(of: body, customReplace: customReplace, header: header) {
                flush()
                pieces.append(.replacement(value, source: source))
                index = close + 1
            } else {
                literal.append(text[index])
                index += 1
            }
        }
        flush()
        return pieces
    }

    /// What `{body}` means, or `nil` when it is literal text.
    private static func value(of body: ArraySlice<UInt8>, customReplace: Bool, header: Bool) -> Value? {
        if body == [UInt8(ascii: "#")] { return .sequence }
        if body == [UInt8(ascii: "%")] { return .slot }
        if let transform = PathTransform.parse(body) {
            if customReplace, transform == .none { return nil }
            return .all(transform)
        }
        // {n}, {-n} and their path forms.
        var digitsEnd = body.startIndex
        if digitsEnd < body.endIndex, body[digitsEnd] == UInt8(ascii: "-") { digitsEnd += 1 }
        let digitsStart = digitsEnd
        while digitsEnd < body.endIndex, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(body[digitsEnd]) {
            digitsEnd += 1
        }
        if digitsEnd > digitsStart, let number = Int(String(decoding: body[body.startIndex..<digitsEnd], as: UTF8.self)),
            number != 0, let transform = PathTransform.parse(body[digitsEnd...])
        {
            return .positional(number, transform)
        }
        guard header, !body.isEmpty, !body.contains(0x20) else { return nil }
        for suffixLength in [2, 1, 0] where body.count > suffixLength {
            let split = body.endIndex - suffixLength
            if let transform = PathTransform.parse(body[split...]) {
                return .named(Array(body[..<split]), transform)
            }
        }
        return nil
    }

    /// Shell keywords and builtins that change the shell itself: a template starting with one of
    /// these always runs under the shell, even with no shell syntax in it.
    static let shellWords: Set<Bytes> = Set([
        "exit", "cd", "export", "set", "unset", "eval", "exec", "source", ".", "ulimit", "umask", "read",
        "wait", "trap", "shift", "return", "alias", "unalias", "readonly", "local", "command", "type", "hash",
        "getopts", "jobs", "fg", "bg", "break", "continue", "times", "if", "then", "else", "elif", "fi",
        "for", "while", "until", "do", "done", "case", "esac", "function", "{", "}", "!", "[[", "time",
    ].map { Array($0.utf8) })

    /// Whether literal template text means something to a shell beyond splitting at blanks.
    static func hasShellSyntax(_ literal: Bytes, firstWord: Bool) -> Bool {
        for (index, byte) in literal.enumerated() {
            switch byte {
            case UInt8(ascii: "|"), UInt8(ascii: "&"), UInt8(ascii: ";"), UInt8(ascii: "<"), UInt8(ascii: ">"),
                UInt8(ascii: "("), UInt8(ascii: ")"), UInt8(ascii: "$"), UInt8(ascii: "`"), UInt8(ascii: "\\"),
                UInt8(ascii: "\""), UInt8(ascii: "'"), UInt8(ascii: "*"), UInt8(ascii: "?"), UInt8(ascii: "["),
                UInt8(ascii: "{"), UInt8(ascii: "}"), 0x0A:
                return true
            case UInt8(ascii: "#"), UInt8(ascii: "~"):
                if index == 0 { return true }
            case UInt8(ascii: "="):
                if firstWord { return true }
            default:
                break
            }
        }
        return false
    }
}
