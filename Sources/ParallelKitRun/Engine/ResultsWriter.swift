import ParallelKitSystem

/// `--results`: each job's output saved instead of printed, in GNU parallel's layouts —
/// a directory tree `DIR/1/<value>/2/<value>/{seq,stdout,stderr}` (column names instead of
/// numbers with `--header`), files named by a template (`--results out_{}` → `out_a`,
/// `out_a.err`, `out_a.seq`; a template ending in `/` is a directory), or one CSV/TSV or JSON
/// row per job (`-.csv`/`-.json` to standard output).
///
/// Every open, `mkdir` and write is checked: a failure is thrown as ``RunWriteFailure`` naming
/// the file, and ends the run before the job is logged (``RunOutput`` records results first).
final class ResultsWriter {
    private let mode: RunOptions.Results
    private let template: CommandTemplate?
    private var table: Int32 = -1
    private var wroteHeader = false
    private let names: [Int: Bytes]
    /// The rows' file as messages name it.
    private var tableName = ""

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
            tableName = path.starts(with: "-.") ? "standard output" : path.text
            if path.starts(with: "-.") {
                table = 1
            } else {
                guard let opened = try? openFile(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode: 0o644) else {
                    throw RunUsageError("cannot write to --results \(path.text)")
                }
                table = opened
            }
        case .directory(let path):
            do throws(SystemError) {
                try Self.makeDirectories(path)
            } catch {
                throw RunUsageError("cannot make --results directory \(path.text): \(error.reason)")
            }
        case .template:
            break
        }
    }

    deinit {
        if table > 1 { close(table) }
    }

    /// Saves the job's output and record.
    ///
    /// - Throws: ``RunWriteFailure`` naming the file that could not be made or written.
    func write(_ record: JobRecord, job: Job, context: CommandTemplate.Context) throws(RunWriteFailure) {
        switch mode {
        case .directory(let root):
            var directory = root
            for (index, value) in job.spec.arguments.enumerated() {
                directory += [UInt8(ascii: "/")] + (names[index] ?? decimalBytes(index + 1))
                directory += [UInt8(ascii: "/")] + Self.pathComponent(value)
            }
            try saveFiles(directory: directory, record: record, job: job)
        case .template:
            guard let template else { return }
            let name = template.rawText(context)
            if name.last == UInt8(ascii: "/") {
                try saveFiles(directory: Array(name.dropLast()), record: record, job: job)
            } else {
                if let slash = name.lastIndex(of: UInt8(ascii: "/")) {
                    try Self.makeDirectories(Array(name[..<slash]), for: name)
                }
                try Self.save(job.output, to: name)
                try Self.save(job.error, to: name + Array(".err".utf8))
                try Self.save(decimalBytes(record.sequence), to: name + Array(".seq".utf8))
            }
        case .csv(_, let separator):
            if !wroteHeader {
                wroteHeader = true
                var header = ["Seq", "Host", "Starttime", "JobRuntime", "Send", "Receive", "Exitval", "Signal", "Command"]
                    .map { Array($0.utf8) }
                for index in job.spec.arguments.indices { header.append(names[index] ?? Array("V\(index + 1)".utf8)) }
                header += [Array("Stdout".utf8), Array("Stderr".utf8)]
                try writeRow(Array(header.joined(separator: [separator])) + [0x0A])
            }
            var fields: [Bytes] = [
                decimalBytes(record.sequence), record.host ?? [UInt8(ascii: ":")], JobLog.fixed3(record.startTime),
                JobLog.fixed3(record.runtime), decimalBytes(record.sent), decimalBytes(record.received),
                decimalBytes(Int(record.exitValue)), decimalBytes(Int(record.signal)), record.command,
            ]
            fields += job.spec.arguments
            fields += [try Self.contents(job.output), try Self.contents(job.error)]
            let line = fields.map { Self.csvField($0, separator: separator) }.joined(separator: [separator])
            try writeRow(Array(line) + [0x0A])
        case .json:
            var line = Array("{ \"Seq\": ".utf8) + decimalBytes(record.sequence)
            line += Array(", \"Host\": ".utf8) + Self.jsonString(record.host ?? [UInt8(ascii: ":")])
            line += Array(", \"Starttime\": ".utf8) + JobLog.fixed3(record.startTime)
            line += Array(", \"JobRuntime\": ".utf8) + JobLog.fixed3(record.runtime)
            line += Array(", \"Send\": ".utf8) + decimalBytes(record.sent)
            line += Array(", \"Receive\": ".utf8) + decimalBytes(record.received)
            line += Array(", \"Exitval\": ".utf8) + decimalBytes(Int(record.exitValue))
            line += Array(", \"Signal\": ".utf8) + decimalBytes(Int(record.signal))
            line += Array(", \"Command\": ".utf8) + Self.jsonString(record.command)
            line += Array(", \"V\": [ ".utf8)
                + Array(job.spec.arguments.map(Self.jsonString).joined(separator: [UInt8(ascii: ",")]))
            line += Array(" ], \"Stdout\": ".utf8) + Self.jsonString(try Self.contents(job.output))
            line += Array(", \"Stderr\": ".utf8) + Self.jsonString(try Self.contents(job.error))
            line += Array(" }\n".utf8)
            try writeRow(line)
        }
    }

    private func writeRow(_ row: Bytes) throws(RunWriteFailure) {
        do throws(SystemError) {
            try writeAll(table, row)
        } catch {
            throw RunWriteFailure(target: "--results " + tableName, error: error)
        }
    }

    private func saveFiles(directory: Bytes, record: JobRecord, job: Job) throws(RunWriteFailure) {
        try Self.makeDirectories(directory, for: directory)
        try Self.save(job.output, to: directory + Array("/stdout".utf8))
        try Self.save(job.error, to: directory + Array("/stderr".utf8))
        try Self.save(decimalBytes(record.sequence), to: directory + Array("/seq".utf8))
    }

    /// The buffer's contents; a spill file that cannot be read back is the failure of `--tmpdir`.
    private static func contents(_ buffer: OutputBuffer) throws(RunWriteFailure) -> Bytes {
        let contents = buffer.contents()
        if let failure = buffer.failure { throw failure }
        return contents
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

    /// Writes `buffer` to a new file at `path`.
    private static func save(_ buffer: OutputBuffer, to path: Bytes) throws(RunWriteFailure) {
        let fd = try create(path)
        defer { close(fd) }
        var failure: SystemError?
        buffer.forEachPiece { piece in
            guard failure == nil else { return }
            do throws(SystemError) { try writeAll(fd, piece) } catch { failure = error }
        }
        if let failure { throw RunWriteFailure(target: "--results " + path.text, error: failure) }
        if let failure = buffer.failure { throw failure }
    }

    private static func save(_ bytes: Bytes, to path: Bytes) throws(RunWriteFailure) {
        let fd = try create(path)
        defer { close(fd) }
        do throws(SystemError) {
            try writeAll(fd, bytes)
        } catch {
            throw RunWriteFailure(target: "--results " + path.text, error: error)
        }
    }

    private static func create(_ path: Bytes) throws(RunWriteFailure) -> Int32 {
        do throws(SystemError) {
            return try openFile(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode: 0o644)
        } catch {
            throw RunWriteFailure(target: "--results " + path.text, error: error)
        }
    }

    /// `mkdir -p` for the results at `name`.
    private static func makeDirectories(_ path: Bytes, for name: Bytes) throws(RunWriteFailure) {
        do throws(SystemError) {
            try makeDirectories(path)
        } catch {
            throw RunWriteFailure(target: "--results " + name.text, error: error)
        }
    }

    /// `mkdir -p`.
    ///
    /// - Throws: ``SystemError`` from the last `mkdir` that failed, when `path` is not a directory
    ///   afterwards.
    static func makeDirectories(_ path: Bytes) throws(SystemError) {
        guard !path.isEmpty else { return }
        var prefix: Bytes = []
        var failure: SystemError?
        for (index, byte) in path.enumerated() {
            prefix.append(byte)
            if byte == UInt8(ascii: "/") || index == path.count - 1 {
                do throws(SystemError) {
                    _ = try systemCall("mkdir") { withCString(prefix) { mkdir($0, 0o755) } }
                } catch where error.errno == EEXIST {
                    // There already (checked below).
                } catch {
                    failure = error
                }
            }
        }
        var info = stat()
        let isDirectory = (try? systemCall("stat") { withCString(path) { stat($0, &info) } }) != nil
            && (info.st_mode & S_IFMT) == S_IFDIR
        if !isDirectory { throw failure ?? SystemError(call: "mkdir", errno: ENOTDIR) }
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
