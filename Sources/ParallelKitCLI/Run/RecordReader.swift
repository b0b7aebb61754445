#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// Reads records ended by a delimiter from a file descriptor, a buffer at a time, so standard
/// input of any length streams through in constant memory. The last record needs no delimiter.
final class RecordReader {
    private let fd: Int32
    private let delimiter: Bytes
    private let closeWhenDone: Bool
    private var buffer: [UInt8] = []
    private var start = 0
    private var atEnd = false

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
        let fd = (path + [0]).withUnsafeBufferPointer { pointer in
            pointer.baseAddress!.withMemoryRebound(to: CChar.self, capacity: pointer.count) {
                Glibc.open($0, O_RDONLY | O_CLOEXEC)
            }
        }
        guard fd >= 0 else {
            throw RunUsageError("cannot open input file '\(path.text)': \(String(cString: strerror(errno)))")
        }
        return RecordReader(fd: fd, delimiter: delimiter, closeWhenDone: true)
    }

    /// The next record without its delimiter, or `nil` at the end of the input.
    func next() -> Bytes? {
        while true {
            if let end = findDelimiter() {
                let record = Array(buffer[start..<end])
                start = end + delimiter.count
                return record
            }
            if atEnd {
                guard start < buffer.count else { return nil }
                let record = Array(buffer[start...])
                start = buffer.count
                return record
            }
            fill()
        }
    }

    /// Every remaining record.
    func readAll() -> [Bytes] {
        var records: [Bytes] = []
        while let record = next() { records.append(record) }
        return records
    }

    private func findDelimiter() -> Int? {
        guard start < buffer.count else { return nil }
        if delimiter.count == 1 {
            let target = delimiter[0]
            return buffer.withUnsafeBufferPointer { pointer in
                guard let base = pointer.baseAddress,
                    let found = memchr(base + start, Int32(target), pointer.count - start)
                else { return nil }
                return base.distance(to: found.assumingMemoryBound(to: UInt8.self))
            }
        }
        return buffer.firstIndex(of: delimiter, from: start)
    }

    private func fill() {
        if start > 0 {
            buffer.removeFirst(start)
            start = 0
        }
        let chunk = 64 * 1024
        let old = buffer.count
        buffer.append(contentsOf: repeatElement(0, count: chunk))
        var got = 0
        while true {
            got = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress! + old, chunk) }
            if got < 0, errno == EINTR { continue }
            break
        }
        buffer.removeLast(chunk - max(got, 0))
        if got <= 0 { atEnd = true }
    }
}
