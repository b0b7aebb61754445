import CParallelKit
import ParallelKitSystem

/// Reads records ended by a delimiter from a file descriptor, a buffer at a time, so standard
/// input of any length streams through in constant memory. The last record needs no delimiter.
final class RecordReader {
    private let fd: Int32
    private let delimiter: Bytes
    private let closeWhenDone: Bool
    private let buffer = ReadBuffer()

    init(fd: Int32, delimiter: Bytes, closeWhenDone: Bool) {
        self.fd = fd
        self.delimiter = delimiter
        self.closeWhenDone = closeWhenDone
    }

    deinit {
        if closeWhenDone { close(fd) }
    }

    /// Opens `path` (`-` for standard input) for reading records.
    static func open(_ path: Bytes, delimiter: Bytes) throws(RunUsageError) -> RecordReader {
        if path == [UInt8(ascii: "-")] { return RecordReader(fd: 0, delimiter: delimiter, closeWhenDone: false) }
        do {
            return RecordReader(fd: try openFile(path, O_RDONLY | O_CLOEXEC), delimiter: delimiter, closeWhenDone: true)
        } catch {
            throw RunUsageError("cannot open input file '\(path.text)': \(error.reason)")
        }
    }

    /// The next record without its delimiter, or `nil` at the end of the input.
    func next() -> Bytes? {
        var searched = 0
        while true {
            if let end = findDelimiter(from: searched) {
                let record = buffer.take(end)
                buffer.drop(delimiter.count)
                return record
            }
            if buffer.atEnd {
                guard buffer.count > 0, !buffer.interrupted else { return nil }
                return buffer.take(buffer.count)
            }
            searched = max(0, buffer.count - delimiter.count + 1)
            buffer.readOnce(from: fd)
        }
    }

    /// Whether the next record has not arrived: no delimiter among the bytes held, the input
    /// not at its end, and nothing more to read without waiting. Reads once what is waiting
    /// before answering, so a `true` means ``next()`` would block and `fd` is worth polling.
    func isWaitingForInput() -> Bool {
        func ready() -> Bool { buffer.atEnd || findDelimiter(from: 0) != nil }
        if ready() { return false }
        guard buffer.readIfReady(from: fd) else { return true }
        return !ready()
    }

    /// The descriptor records are read from.
    var descriptor: Int32 { fd }

    /// Every remaining record.
    func readAll() -> [Bytes] {
        var records: [Bytes] = []
        while let record = next() { records.append(record) }
        return records
    }

    private func findDelimiter(from offset: Int) -> Int? {
        let bytes = buffer.bytes
        guard offset < bytes.count else { return nil }
        if delimiter.count == 1 {
            guard let found = memchr(bytes.baseAddress! + offset, Int32(delimiter[0]), bytes.count - offset) else {
                return nil
            }
            return bytes.baseAddress!.distance(to: UnsafeRawPointer(found))
        }
        return delimiter.withUnsafeBytes { needle -> Int? in
            guard let found = pk_memmem(bytes.baseAddress! + offset, bytes.count - offset, needle.baseAddress, needle.count)
            else { return nil }
            return bytes.baseAddress!.distance(to: found)
        }
    }
}
