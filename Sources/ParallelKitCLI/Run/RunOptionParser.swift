import ParallelKitRun
import ParallelKitSystem

/// Parses `parallelkit run`'s arguments by hand: GNU parallel's syntax (`:::`, `:::+`, `::::`,
/// `-j+2`, `-j50%`, bundled flags `-kj2`, unique prefixes of long options, options ending at the
/// first word that is not one) does not fit ArgumentParser. Works on bytes: values after `:::`
/// may be any bytes.
struct RunOptionParser {
    /// What an option does with its value.
    private enum Action: Sendable {
        case flag(@Sendable (inout RunOptions) -> Void)
        case value(@Sendable (inout RunOptions, Bytes) throws(RunUsageError) -> Void)
    }

    private struct Option: Sendable {
        var names: [String]
        var action: Action
    }

    /// Parses `arguments` (those after `run`).
    static func parse(_ arguments: [Bytes]) throws(RunUsageError) -> RunOptions {
        var options = RunOptions()
        var index = 0
        let separators = Set(["--", ":::", ":::+", "::::", "::::+"])
        // Options.
        parsing: while index < arguments.count {
            let argument = arguments[index]
            let text = argument.text
            if text == "--" {
                index += 1
                break
            }
            if separators.contains(text) || argument == options.argumentSeparator
                || argument == options.fileSeparator
            {
                break
            }
            guard argument.count > 1, argument[0] == UInt8(ascii: "-") else { break }
            if argument[1] == UInt8(ascii: "-") {
                // --name or --name=value
                let body = argument.dropFirst(2)
                let equals = body.firstIndex(of: UInt8(ascii: "="))
                let name = String(decoding: body[body.startIndex..<(equals ?? body.endIndex)], as: UTF8.self)
                let option = try longOption(name)
                switch option.action {
                case .flag(let apply):
                    if equals != nil { throw RunUsageError("option --\(name) takes no value") }
                    apply(&options)
                case .value(let apply):
                    if let equals {
                        try apply(&options, Array(body[(equals + 1)...]))
                    } else {
                        index += 1
                        guard index < arguments.count else {
                            throw RunUsageError("option --\(name) needs a value")
                        }
                        try apply(&options, arguments[index])
                    }
                }
                index += 1
                continue parsing
            }
            // -abc bundles; a value-taking letter takes the rest of the word or the next word.
            var position = 1
            while position < argument.count {
                let letter = String(UnicodeScalar(argument[position]))
                guard let option = optionList.first(where: { $0.names.contains(letter) }) else {
                    if unsupportedShort.contains(letter) {
                        throw RunUsageError("option -\(letter) is not supported by parallelkit run")
                    }
                    throw RunUsageError("unknown option: -\(letter)")
                }
                switch option.action {
                case .flag(let apply):
                    apply(&options)
                    position += 1
                case .value(let apply):
                    if position + 1 < argument.count {
                        try apply(&options, Array(argument[(position + 1)...]))
                    } else {
                        index += 1
                        guard index < arguments.count else {
                            throw RunUsageError("option -\(letter) needs a value")
                        }
                        try apply(&options, arguments[index])
                    }
                    position = argument.count
                }
            }
            index += 1
        }
        // The help or the version, whatever follows: GNU prints it and runs nothing.
        if options.showHelp || options.showVersion { return options }
        // The command, up to the first input-source separator.
        while index < arguments.count, !isSeparator(arguments[index], options) {
            options.command.append(arguments[index])
            index += 1
        }
        // Input sources.
        while index < arguments.count {
            let separator = arguments[index]
            let linked = separator.last == UInt8(ascii: "+")
            let isFile = separator == options.fileSeparator || separator == options.fileSeparator + [UInt8(ascii: "+")]
            index += 1
            var values: [Bytes] = []
            while index < arguments.count, !isSeparator(arguments[index], options) {
                values.append(arguments[index])
                index += 1
            }
            if isFile {
                for (position, file) in values.enumerated() {
                    options.sources.append(.init(kind: .file(file), linkedToPrevious: linked && position == 0))
                }
            } else {
                // GNU reads ::: values like lines of a file: a value with the delimiter in it
                // becomes several values.
                var split: [Bytes] = []
                for value in values {
                    if options.delimiter == [0x0A], value.contains(0x0A) {
                        var pieces = value.split(separator: [0x0A])
                        if pieces.last?.isEmpty == true { pieces.removeLast() }
                        split.append(contentsOf: pieces)
                    } else {
                        split.append(value)
                    }
                }
                options.sources.append(.init(kind: .values(split), linkedToPrevious: linked))
            }
        }
        try validate(options)
        return options
    }

    private static func isSeparator(_ word: Bytes, _ options: RunOptions) -> Bool {
        word == options.argumentSeparator || word == options.argumentSeparator + [UInt8(ascii: "+")]
            || word == options.fileSeparator || word == options.fileSeparator + [UInt8(ascii: "+")]
    }

    private static func validate(_ options: RunOptions) throws(RunUsageError) {
        if options.pipePart {
            guard options.sources.contains(where: { if case .file = $0.kind { true } else { false } }) else {
                throw RunUsageError("--pipepart needs a file given with -a or ::::")
            }
        }
        if options.resume != .none, options.joblog == nil {
            throw RunUsageError("--resume, --resume-failed and --retry-failed need --joblog")
        }
        if case .some(.json) = options.results, options.pipe {
            throw RunUsageError("--results with --pipe is not supported")
        }
    }

    /// The long option `name` names exactly, or uniquely abbreviates.
    private static func longOption(_ name: String) throws(RunUsageError) -> Option {
        // A linear search of ~80 options: a dictionary here cost ~0.1 ms of runtime type set-up
        // at every start, a twentieth of the runner's start-up.
        func isLong(_ candidate: String) -> Bool { candidate.utf8.count > 1 }
        if let exact = optionList.first(where: { $0.names.contains { isLong($0) && $0 == name } }) { return exact }
        let matching = optionList.filter { $0.names.contains { isLong($0) && $0.hasPrefix(name) } }
        if matching.count == 1 { return matching[0] }
        if matching.count > 1 {
            let candidates = matching.map { "--" + $0.names[0] }.sorted().joined(separator: ", ")
            throw RunUsageError("option --\(name) is ambiguous: \(candidates)")
        }
        if unsupported.contains(name) {
            throw RunUsageError("option --\(name) is not supported by parallelkit run")
        }
        throw RunUsageError("unknown option: --\(name)")
    }

    // MARK: - The option table

    private static func integer(_ value: Bytes, _ name: String, minimum: Int = 0) throws(RunUsageError) -> Int {
        guard let number = OptionValue.size(value.text), number >= minimum else {
            throw RunUsageError("\(name) needs a whole number of at least \(minimum), not '\(value.text)'")
        }
        return number
    }

    private static func parseJobs(_ value: Bytes) throws(RunUsageError) -> RunOptions.Jobs {
        var text = value.text
        // A file holding the value, as GNU allows (`-j procfile`).
        if text.contains("/") || (Int(text) == nil && !text.hasSuffix("%") && !text.hasPrefix("+") && !text.hasPrefix("-")),
            let contents = SmallFile.text(text, limit: 256)
        {
            text = String(contents.filter { !$0.isWhitespace })
        }
        if text.hasSuffix("%"), let percent = Double(text.dropLast()), percent > 0 {
            return .percent(percent)
        }
        if text.hasPrefix("+"), let plus = Int(text.dropFirst()), plus >= 0 { return .plus(plus) }
        if text.hasPrefix("-"), let minus = Int(text.dropFirst()), minus >= 0 { return .minus(minus) }
        if let count = Int(text), count >= 0 { return count == 0 ? .unlimited : .count(count) }
        throw RunUsageError("-j: cannot use '\(value.text)' as a number of jobs (N, N%, +N, -N or 0)")
    }

    private static let optionList: [Option] = [
        Option(names: ["jobs", "max-procs", "j", "P"], action: .value { options, value throws(RunUsageError) in
            options.jobs = try parseJobs(value)
        }),
        Option(names: ["keep-order", "k"], action: .flag { $0.keepOrder = true }),
        Option(names: ["no-keep-order"], action: .flag { $0.keepOrder = false }),
        Option(names: ["ungroup", "u"], action: .flag { $0.outputMode = .ungrouped }),
        Option(names: ["group"], action: .flag { $0.outputMode = .grouped }),
        Option(names: ["line-buffer", "lb", "linebuffer"], action: .flag { $0.outputMode = .lineBuffered }),
        Option(names: ["tag"], action: .flag { $0.tag = true }),
        Option(names: ["tagstring", "tag-string"], action: .value { options, value in options.tagString = value }),
        Option(names: ["quote", "q"], action: .flag { $0.quoteCommand = true }),
        Option(names: ["null", "0"], action: .flag { $0.delimiter = [0] }),
        Option(names: ["delimiter", "d"], action: .value { options, value throws(RunUsageError) in
            let delimiter = OptionValue.unescape(value)
            guard !delimiter.isEmpty else { throw RunUsageError("-d needs a delimiter that is not empty") }
            options.delimiter = delimiter
        }),
        Option(names: ["arg-file", "a"], action: .value { options, value in
            options.sources.append(.init(kind: .file(value)))
        }),
        Option(names: ["colsep", "C"], action: .value { options, value throws(RunUsageError) in
            guard !value.isEmpty else { throw RunUsageError("--colsep needs a separator that is not empty") }
            options.columnSeparator = value
        }),
        Option(names: ["header"], action: .value { options, value in options.header = value }),
        Option(names: ["max-args", "n"], action: .value { options, value throws(RunUsageError) in
            options.maxArguments = try integer(value, "-n")
        }),
        Option(names: ["max-replace-args", "N"], action: .value { options, value throws(RunUsageError) in
            options.maxArguments = try integer(value, "-N")
        }),
        Option(names: ["replace", "I"], action: .value { options, value throws(RunUsageError) in
            guard !value.isEmpty else { throw RunUsageError("-I needs a replacement string") }
            options.replaceString = value
        }),
        Option(names: ["halt-on-error", "halt"], action: .value { options, value throws(RunUsageError) in
            guard let policy = HaltPolicy.parse(value.text) else {
                throw RunUsageError("--halt: cannot use '\(value.text)'; expected never, or now|soon,fail|success|done=N or N%")
            }
            options.halt = policy
        }),
        Option(names: ["timeout"], action: .value { options, value throws(RunUsageError) in
            let text = value.text
            if text.hasSuffix("%"), let percent = Double(text.dropLast()), percent > 0 {
                options.timeout = .percentOfMedian(percent)
            } else if let seconds = OptionValue.seconds(text), seconds > 0 {
                options.timeout = .seconds(seconds)
            } else {
                throw RunUsageError("--timeout must be seconds (with s, m, h or d) or a percentage, not '\(text)'")
            }
        }),
        Option(names: ["retries"], action: .value { options, value throws(RunUsageError) in
            let count = try integer(value, "--retries")
            options.retries = count == 0 ? Int.max : count
        }),
        Option(names: ["retry-delay"], action: .value { options, value throws(RunUsageError) in
            guard let seconds = OptionValue.seconds(value.text), seconds >= 0 else {
                throw RunUsageError("--retry-delay must be seconds, not '\(value.text)'")
            }
            options.retryDelay = seconds
        }),
        Option(names: ["termseq", "term-seq"], action: .value { options, value throws(RunUsageError) in
            guard let sequence = Teardown.parse(value.text) else {
                throw RunUsageError("--termseq: cannot use '\(value.text)'; expected SIGNAL,ms,SIGNAL,ms,…")
            }
            options.termSequence = sequence
        }),
        Option(names: ["joblog", "jl"], action: .value { options, value in
            // `+FILE` appends to FILE.
            options.joblogAppends = value.first == UInt8(ascii: "+")
            options.joblog = options.joblogAppends ? Array(value.dropFirst()) : value
        }),
        Option(names: ["resume"], action: .flag { $0.resume = .skipLogged }),
        Option(names: ["resume-failed"], action: .flag { $0.resume = .rerunFailed }),
        Option(names: ["retry-failed"], action: .flag { $0.resume = .retryFailedFromLog }),
        Option(names: ["results", "res"], action: .value { options, value throws(RunUsageError) in
            options.results = try results(value)
        }),
        Option(names: ["dry-run", "dryrun"], action: .flag { $0.dryRun = true }),
        Option(names: ["verbose", "t"], action: .flag { $0.verbose = true }),
        Option(names: ["v"], action: .flag { $0.verboseToStandardOutput = true }),
        Option(names: ["bar"], action: .flag { $0.progress.bar = true }),
        Option(names: ["eta"], action: .flag { $0.progress.eta = true }),
        Option(names: ["progress"], action: .flag { $0.progress.progress = true }),
        Option(names: ["total-jobs", "total"], action: .value { options, value throws(RunUsageError) in
            options.totalJobsHint = try integer(value, "--total-jobs")
        }),
        Option(names: ["no-run-if-empty", "r"], action: .flag { $0.skipEmpty = true }),
        Option(names: ["pipe", "spreadstdin"], action: .flag { $0.pipe = true }),
        Option(names: ["pipepart", "pipe-part"], action: .flag {
            $0.pipe = true
            $0.pipePart = true
        }),
        Option(names: ["block", "block-size"], action: .value { options, value throws(RunUsageError) in
            guard let size = OptionValue.size(value.text), size != 0 else {
                throw RunUsageError("--block needs a size such as 1M, not '\(value.text)'")
            }
            options.blockSize = size
        }),
        Option(names: ["recend"], action: .value { options, value in options.recordEnd = OptionValue.unescape(value) }),
        Option(names: ["recstart"], action: .value { options, value in
            options.recordStart = OptionValue.unescape(value)
        }),
        Option(names: ["shell-quote", "shellquote"], action: .flag { $0.shellQuoteOnly = true }),
        Option(names: ["trim"], action: .value { options, value throws(RunUsageError) in
            guard ["n", "l", "r", "lr", "rl"].contains(value.text) else {
                throw RunUsageError("--trim must be n, l, r, lr or rl, not '\(value.text)'")
            }
            options.trim = value
        }),
        Option(names: ["tmpdir"], action: .value { options, value in options.tmpdir = value }),
        Option(names: ["arg-sep", "argsep"], action: .value { options, value in options.argumentSeparator = value }),
        Option(names: ["arg-file-sep", "argfilesep"], action: .value { options, value in
            options.fileSeparator = value
        }),
        Option(names: ["link", "xapply"], action: .flag { $0.linkAll = true }),
        Option(names: ["mpi"], action: .flag { $0.mpi = true }),
        Option(names: ["help", "h"], action: .flag { $0.showHelp = true }),
        Option(names: ["version", "V"], action: .flag { $0.showVersion = true }),
        // Accepted and ignored: there is no notice to silence, and nothing else to configure.
        Option(names: ["will-cite", "no-notice", "gnu", "plain"], action: .flag { _ in }),
    ]

    /// Options of GNU parallel that `parallelkit run` refuses with a clear message.
    private static let unsupported: Set<String> = [
        "sshlogin", "sshloginfile", "slf", "onall", "nonall", "transfer", "return", "cleanup", "basefile", "trc",
        "semaphore", "sem", "fifo", "cat", "tee", "round-robin", "shard", "bin", "group-by", "xargs", "tmux",
        "tmuxpane", "sql", "sqlmaster", "sqlworker", "env", "rpl", "plus", "csv", "compress", "nice", "load",
        "memfree", "memsuspend", "noswap", "delay", "fg", "bg", "interactive", "files", "output-as-files",
        "template", "filter", "shebang", "hashbang", "shuf", "latest-line", "ll", "color", "ctag", "ctagstring",
    ]

    /// Short options of GNU parallel that `parallelkit run` refuses with a clear message.
    private static let unsupportedShort: Set<String> = ["X", "m", "S", "L", "l", "s", "x", "p", "E", "e", "i", "o", "g"]

    private static func results(_ value: Bytes) throws(RunUsageError) -> RunOptions.Results {
        let text = value.text
        if text.hasSuffix(".json") { return .json(value) }
        if text.hasSuffix(".csv") { return .csv(path: value, separator: UInt8(ascii: ",")) }
        if text.hasSuffix(".tsv") { return .csv(path: value, separator: 0x09) }
        if value.contains(UInt8(ascii: "{")), (try? CommandTemplate.hasReplacement(value)) == true {
            return .template(value)
        }
        return .directory(value)
    }
}
