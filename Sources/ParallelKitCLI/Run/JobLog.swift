import ParallelKitSystem

/// One finished job as the joblog, `--results` files and rows record it.
struct JobRecord {
    var sequence: Int
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
final class JobLog {
    static let header = Array("Seq\tHost\tStarttime\tJobRuntime\tSend\tReceive\tExitval\tSignal\tCommand\n".utf8)
    private let fd: Int32
    private let ownsDescriptor: Bool

    /// Opens `path` (`-` for standard output). `append` keeps what is there (`+FILE`, `--resume`).
    init(path: Bytes, append: Bool) throws(RunUsageError) {
        if path == [UInt8(ascii: "-")] {
            fd = 1
            ownsDescriptor = false
            try? writeAll(fd, Self.header)  // a failed joblog write is ignored for now: issue 13
            return
        }
        let flags = O_WRONLY | O_CREAT | O_CLOEXEC | (append ? O_APPEND : O_TRUNC)
        guard let opened = try? openFile(path, flags, mode: 0o644) else {
            throw RunUsageError("cannot write to --joblog \(path.text)")
        }
        fd = opened
        ownsDescriptor = true
        var info = stat()
        if !append || (fstat(fd, &info) == 0 && info.st_size == 0) {
            try? writeAll(fd, Self.header)  // a failed joblog write is ignored for now: issue 13
        }
    }

    deinit {
        if ownsDescriptor { close(fd) }
    }

    func write(_ record: JobRecord) {
        try? writeAll(fd, Self.line(record))  // a failed joblog write is ignored for now: issue 13
    }

    /// One joblog line, newline included.
    static func line(_ record: JobRecord) -> Bytes {
        var line: Bytes = []
        line.reserveCapacity(64 + record.command.count)
        line += decimalBytes(record.sequence)
        line += Array("\t:\t".utf8)
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
