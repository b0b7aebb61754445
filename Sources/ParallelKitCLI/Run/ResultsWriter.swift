import ParallelKitSystem

/// `--results`: each job's output saved instead of printed, in GNU parallel's layouts —
/// a directory tree `DIR/1/<value>/2/<value>/{seq,stdout,stderr}` (column names instead of
/// numbers with `--header`), files named by a template (`--results out_{}` → `out_a`,
/// `out_a.err`, `out_a.seq`; a template ending in `/` is a directory), or one CSV/TSV or JSON
/// row per job (`-.csv`/`-.json` to standard output).
final class ResultsWriter {
    private let mode: RunOptions.Results
    private let template: CommandTemplate?
    private var table: Int32 = -1
    private var wroteHeader = false
    private let names: [Int: Bytes]

    init(_ mode: RunOptions.Results, options: RunOptions, names: [Bytes: Int]) throws(RunUsageError) {
        self.mode = mode
        var byPosition: [Int: Bytes] = [:]
        for (name, position) in names { byPosition[position] = name }
        self.names = byPosition
        switch mode {
        case .template(let text):
            template = try CommandTemplate(
                words: [text], quoteWords: false, replaceString: options.replaceString, header: options.header != nil)
        default:
            template = nil
        }
        switch mode {
        case .csv(let path, _), .json(let path):
            if path.starts(with: "-.") {
                table = 1
            } else {
                guard let opened = try? openFile(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode: 0o644) else {
                    throw RunUsageError("cannot write to --results \(path.text)")
                }
                table = opened
            }
        case .directory(let path):
            guard Self.makeDirectories(path) else { throw RunUsageError("cannot make --results directory \(path.text)") }
        case .template:
            break
        }
    }

    deinit {
        if table > 1 { close(table) }
    }

    func write(_ record: JobRecord, job: Job, context: CommandTemplate.Context) {
        switch mode {
        case .directory(let root):
            var directory = root
            for (index, value) in job.spec.arguments.enumerated() {
                directory += [UInt8(ascii: "/")] + (names[index] ?? decimalBytes(index + 1))
                directory += [UInt8(ascii: "/")] + Self.pathComponent(value)
            }
            saveFiles(directory: directory, record: record, job: job)
        case .template:
            guard let template else { return }
            let name = template.rawText(context)
            if name.last == UInt8(ascii: "/") {
                saveFiles(directory: Array(name.dropLast()), record: record, job: job)
            } else {
                if let slash = name.lastIndex(of: UInt8(ascii: "/")) { _ = Self.makeDirectories(Array(name[..<slash])) }
                Self.save(job.output, to: name)
                Self.save(job.error, to: name + Array(".err".utf8))
                Self.save(decimalBytes(record.sequence), to: name + Array(".seq".utf8))
            }
        case .csv(_, let separator):
            if !wroteHeader {
                wroteHeader = true
                var header = ["Seq", "Host", "Starttime", "JobRuntime", "Send", "Receive", "Exitval", "Signal", "Command"]
                    .map { Array($0.utf8) }
                for index in job.spec.arguments.indices { header.append(names[index] ?? Array("V\(index + 1)".utf8)) }
                header += [Array("Stdout".utf8), Array("Stderr".utf8)]
                writeRow(Array(header.joined(separator: [separator])) + [0x0A])
            }
            var fields: [Bytes] = [
                decimalBytes(record.sequence), [UInt8(ascii: ":")], JobLog.fixed3(record.startTime),
                JobLog.fixed3(record.runtime), decimalBytes(record.sent), decimalBytes(record.received),
                decimalBytes(Int(record.exitValue)), decimalBytes(Int(record.signal)), record.command,
            ]
            fields += job.spec.arguments
            fields += [job.output.contents(), job.error.contents()]
            let line = fields.map { Self.csvField($0, separator: separator) }.joined(separator: [separator])
            writeRow(Array(line) + [0x0A])
        case .json:
            var line = Array("{ \"Seq\": ".utf8) + decimalBytes(record.sequence)
            line += Array(", \"Host\": \":\", \"Starttime\": ".utf8) + JobLog.fixed3(record.startTime)
            line += Array(", \"JobRuntime\": ".utf8) + JobLog.fixed3(record.runtime)
            line += Array(", \"Send\": ".utf8) + decimalBytes(record.sent)
            line += Array(", \"Receive\": ".utf8) + decimalBytes(record.received)
            line += Array(", \"Exitval\": ".utf8) + decimalBytes(Int(record.exitValue))
            line += Array(", \"Signal\": ".utf8) + decimalBytes(Int(record.signal))
            line += Array(", \"Command\": ".utf8) + Self.jsonString(record.command)
            line += Array(", \"V\": [ ".utf8)
                + Array(job.spec.arguments.map(Self.jsonString).joined(separator: [UInt8(ascii: ",")]))
            line += Array(" ], \"Stdout\": ".utf8) + Self.jsonString(job.output.contents())
            line += Array(", \"Stderr\": ".utf8) + Self.jsonString(job.error.contents())
            line += Array(" }\n".utf8)
            writeRow(line)
        }
    }

    private func writeRow(_ row: Bytes) {
        try? writeAll(table, row)  // a failed --results write is ignored for now: issue 13
    }

    private func saveFiles(directory: Bytes, record: JobRecord, job: Job) {
        _ = Self.makeDirectories(directory)
        Self.save(job.output, to: directory + Array("/stdout".utf8))
        Self.save(job.error, to: directory + Array("/stderr".utf8))
        Self.save(decimalBytes(record.sequence), to: directory + Array("/seq".utf8))
    }

    /// A value as one path component: `/` written as `\_`, as GNU does.
    static func pathComponent(_ value: Bytes) -> Bytes {
        var component: Bytes = []
        for byte in value {
            if byte == UInt8(ascii: "/") {
                component += [UInt8(ascii: "\\"), UInt8(ascii: "_")]
            } else {
                component.append(byte)
            }
        }
        return component
    }

    private static func save(_ buffer: OutputBuffer, to path: Bytes) {
        guard let fd = try? openFile(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode: 0o644) else { return }
        buffer.forEachPiece { try? writeAll(fd, $0) }  // a failed --results write is ignored for now: issue 13
        close(fd)
    }

    private static func save(_ bytes: Bytes, to path: Bytes) {
        guard let fd = try? openFile(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode: 0o644) else { return }
        try? writeAll(fd, bytes)  // a failed --results write is ignored for now: issue 13
        close(fd)
    }

    /// `mkdir -p`.
    static func makeDirectories(_ path: Bytes) -> Bool {
        guard !path.isEmpty else { return true }
        var prefix: Bytes = []
        for (index, byte) in path.enumerated() {
            prefix.append(byte)
            if byte == UInt8(ascii: "/") || index == path.count - 1 {
                _ = withCString(prefix) { mkdir($0, 0o755) }
            }
        }
        var info = stat()
        return withCString(path) { stat($0, &info) } == 0 && (info.st_mode & S_IFMT) == S_IFDIR
    }

    /// A CSV field, quoted (with `""` for `"`) when it holds a separator, quote, blank or newline.
    static func csvField(_ value: Bytes, separator: UInt8) -> Bytes {
        let needsQuotes = value.contains {
            $0 == separator || $0 == UInt8(ascii: "\"") || $0 == 0x20 || $0 == 0x09 || $0 == 0x0A || $0 == 0x0D
        }
        guard needsQuotes else { return value }
        var field: Bytes = [UInt8(ascii: "\"")]
        for byte in value {
            field.append(byte)
            if byte == UInt8(ascii: "\"") { field.append(byte) }
        }
        field.append(UInt8(ascii: "\""))
        return field
    }

    /// A JSON string: `"` and `\` escaped, control bytes as `\u00xx`, other bytes as they are.
    static func jsonString(_ value: Bytes) -> Bytes {
        var text: Bytes = [UInt8(ascii: "\"")]
        let hex = Array("0123456789abcdef".utf8)
        for byte in value {
            switch byte {
            case UInt8(ascii: "\""), UInt8(ascii: "\\"):
                text += [UInt8(ascii: "\\"), byte]
            case 0..<0x20:
                text += Array("\\u00".utf8) + [hex[Int(byte >> 4)], hex[Int(byte & 0xF)]]
            default:
                text.append(byte)
            }
        }
        text.append(UInt8(ascii: "\""))
        return text
    }
}
