import ParallelKitSystem

/// One finished job as the joblog, `--results` files and rows record it.
struct JobRecord {
    var sequence: Int
    /// The host that ran the job (`parallelkit run --mpi`); `nil`: this one, written `:` as GNU
    /// writes a local job.
    var host: Bytes?
    var startTime: Double
    var runtime: Double
    var sent: Int
    var received: Int
    /// The exit code; -1 when the runner killed the job (timeout, `--halt now`), as GNU writes.
    var exitValue: Int32
    var signal: Int32
    var command: Bytes
}

/// `--joblog FILE`: GNU parallel's tab-separated columns (Seq, Host, Starttime, JobRuntime, Send,
/// Receive, Exitval, Signal, Command), one line per job written with a single `write` when its
/// output has been printed (as GNU does), so a runner killed with `kill -9` leaves a log of
/// exactly the jobs whose output was printed.
///
/// A write that fails (a full disk) is thrown, and the part of the line it wrote is cut off
/// again, so the log holds whole lines only and `--resume` runs the job again; a log that ends
/// in a part line (a runner killed mid-write, or GNU's own log after a full disk) gets a newline
/// before the first new line.
final class JobLog {
    static let header = Array("Seq\tHost\tStarttime\tJobRuntime\tSend\tReceive\tExitval\tSignal\tCommand\n".utf8)
    private let fd: Int32
    private let ownsDescriptor: Bool
    /// How the log is named in messages: `--joblog PATH`.
    let target: String

    /// Opens `path` (`-` for standard output). `append` keeps what is there (`+FILE`, `--resume`).
    init(path: Bytes, append: Bool) throws(RunUsageError) {
        target = "--joblog " + path.text
        if path == [UInt8(ascii: "-")] {
            fd = 1
            ownsDescriptor = false
            try Self.usageError { () throws(RunWriteFailure) in try write(Self.header) }
            return
        }
        let flags = O_CREAT | O_CLOEXEC | (append ? O_APPEND : O_TRUNC)
        // Appending, it reads the last byte too (a log that may end in a cut line).
        let readable = append ? try? openFile(path, O_RDWR | flags, mode: 0o644) : nil
        guard let opened = readable ?? (try? openFile(path, O_WRONLY | flags, mode: 0o644)) else {
            throw RunUsageError("cannot write to --joblog \(path.text)")
        }
        fd = opened
        ownsDescriptor = true
        let size = append ? self.size(regularFile: false) : 0
        try Self.usageError { () throws(RunWriteFailure) in
            if size == nil || size == 0 {
                try write(Self.header)
            } else if let size, readable != nil, lastByte(at: size - 1) != 0x0A {
                try write([0x0A])
            }
        }
    }

    deinit {
        if ownsDescriptor { close(fd) }
    }

    /// Appends the job's line.
    ///
    /// - Throws: ``RunWriteFailure`` naming the log and the error; the line is then not in the log.
    func write(_ record: JobRecord) throws(RunWriteFailure) {
        try write(Self.line(record))
    }

    private func write(_ bytes: Bytes) throws(RunWriteFailure) {
        let before = ownsDescriptor ? size(regularFile: true) : nil
        do {
            try writeAll(fd, bytes)
        } catch {
            // Cut off what part of the line was written, so the log ends with a whole line.
            if let before { _ = try? systemCall("ftruncate") { ftruncate(fd, before) } }
            throw RunWriteFailure(target: target, error: error)
        }
    }

    /// The log's size; `nil` when `fstat` fails, or (`regularFile`) when it is not a regular file.
    private func size(regularFile: Bool) -> off_t? {
        var info = stat()
        guard (try? systemCall("fstat", { fstat(fd, &info) })) != nil else { return nil }
        return !regularFile || (info.st_mode & S_IFMT) == S_IFREG ? info.st_size : nil
    }

    private func lastByte(at offset: off_t) -> UInt8? {
        var byte: UInt8 = 0
        guard (try? systemCall("pread", { pread(fd, &byte, 1, offset) })) == 1 else { return nil }
        return byte
    }

    private static func usageError(_ body: () throws(RunWriteFailure) -> Void) throws(RunUsageError) {
        do throws(RunWriteFailure) { try body() } catch { throw RunUsageError(error.message) }
    }

    /// One joblog line, newline included.
    static func line(_ record: JobRecord) -> Bytes {
        var line: Bytes = []
        line.reserveCapacity(64 + record.command.count)
        line += decimalBytes(record.sequence)
        line.append(0x09)
        line += record.host ?? [UInt8(ascii: ":")]
        line.append(0x09)
        line += fixed3(record.startTime)
        line.append(0x09)
        let runtime = fixed3(record.runtime)
        if runtime.count < 10 { line += Bytes(repeating: 0x20, count: 10 - runtime.count) }
        line += runtime
        line.append(0x09)
        line += decimalBytes(record.sent)
        line.append(0x09)
        line += decimalBytes(record.received)
        line.append(0x09)
        line += decimalBytes(Int(record.exitValue))
        line.append(0x09)
        line += decimalBytes(Int(record.signal))
        line.append(0x09)
        line += record.command
        line.append(0x0A)
        return line
    }

    /// `value` with three decimals, as `%.3f` writes it.
    static func fixed3(_ value: Double) -> Bytes {
        let thousandths = Int((max(value, 0) * 1000).rounded())
        let fraction = thousandths % 1000
        var text = decimalBytes(thousandths / 1000)
        text.append(UInt8(ascii: "."))
        if fraction < 100 { text.append(UInt8(ascii: "0")) }
        if fraction < 10 { text.append(UInt8(ascii: "0")) }
        text += decimalBytes(fraction)
        return text
    }

    /// What an existing joblog says: for each sequence number its last entry.
    struct Entries {
        var succeeded: Set<Int> = []
        /// Failed jobs by sequence number, with the command that was run.
        var failed: [Int: Bytes] = [:]

        var logged: Set<Int> { succeeded.union(failed.keys) }
    }

    /// Reads the joblog at `path`; a missing file is an empty log.
    static func read(_ path: Bytes) -> Entries {
        var entries = Entries()
        guard let fd = try? openFile(path, O_RDONLY | O_CLOEXEC) else { return entries }
        let reader = RecordReader(fd: fd, delimiter: [0x0A], closeWhenDone: true)
        while let line = reader.next() {
            let fields = line.split(separator: [0x09])
            guard fields.count >= 9, let sequence = Int(fields[0].text), let exitValue = Int(fields[6].text),
                let signal = Int(fields[7].text)
            else { continue }
            let command = Array(fields[8...].joined(separator: [0x09]))
            if exitValue == 0, signal == 0 {
                entries.succeeded.insert(sequence)
                entries.failed[sequence] = nil
            } else {
                entries.failed[sequence] = command
                entries.succeeded.remove(sequence)
            }
        }
        return entries
    }
}
