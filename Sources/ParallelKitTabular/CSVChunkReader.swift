import ParallelKitSystem

/// A piece of CSV input cut at a record boundary: whole records, quoted line ends included.
struct CSVChunk: Sendable {
    /// The bytes, from the start of a record to just after a record's line end (or the input's end).
    var bytes: [UInt8]
    /// Where it stands in the input, counted from 0.
    var index: Int
    /// No record boundary was found within ``CSVChunkReader/maxRecordBytes``: the chunk was cut
    /// inside a record.
    var cutInsideRecord: Bool
}

/// Reads CSV input — a file descriptor or bytes in memory — as chunks of about `chunkBytes`
/// that end at record boundaries, in constant memory.
///
/// A line feed ends a record only outside quotes, and every chunk starts outside them, so a
/// line feed is a boundary exactly when the quotes before it in the chunk are even in number
/// (`""` counts two). The reader scans for quotes with `memchr`, keeps no state between chunks
/// but their start, and strips a UTF-8 byte-order mark at the start of the input.
///
/// Not the runner's `RecordReader`: that one cuts at a delimiter with no notion of quotes and
/// ends its input on a stopping signal, as `parallelkit run` needs; this one must see quotes and
/// report every failure as a ``CSVError``.
final class CSVChunkReader {
    private enum Source {
        case file(Int32)
        case memory([UInt8], offset: Int)
    }

    private var source: Source
    private let chunkBytes: Int
    /// The longest a record may be; a chunk is cut inside a record past it.
    let maxRecordBytes: Int
    private let path: String?
    private var pending: [UInt8] = []
    private var atEnd = false
    private var startedInput = false
    private var chunksMade = 0
    private var quotes: [Int] = []
    /// Where the buffers of new chunks come from, when an apply recycles them.
    var buffers: CSVApplyBuffers?

    /// Opens the file at `path`.
    ///
    /// - Throws: ``CSVError/Code/io(_:)`` when it cannot be opened.
    init(path: String, chunkBytes: Int, maxRecordBytes: Int = 64 << 20) throws(CSVError) {
        do {
            let fd = try systemCall("open") { path.withCString { open($0, O_RDONLY | O_CLOEXEC) } }
            source = .file(fd)
        } catch {
            throw CSVError(.io(.init(error)), path: path)
        }
        self.path = path
        self.chunkBytes = max(chunkBytes, 1)
        self.maxRecordBytes = max(maxRecordBytes, self.chunkBytes)
    }

    /// Reads `bytes` from memory.
    init(bytes: [UInt8], chunkBytes: Int, maxRecordBytes: Int = 64 << 20) {
        source = .memory(bytes, offset: 0)
        path = nil
        self.chunkBytes = max(chunkBytes, 1)
        self.maxRecordBytes = max(maxRecordBytes, self.chunkBytes)
    }

    deinit {
        if case .file(let fd) = source { close(fd) }
    }

    /// The next chunk, or `nil` at the end of the input: the records that end within the next
    /// `chunkBytes`, or the first record that ends after them when none does. The first call may
    /// be preceded by one to ``nextRecord()`` that takes the header.
    func nextChunk() throws(CSVError) -> CSVChunk? {
        try fill(toAtLeast: chunkBytes + 1)
        if pending.isEmpty { return nil }
        if atEnd, pending.count <= chunkBytes { return take(pending.count, inside: false) }
        findQuotes()
        if let cut = boundary(last: true, below: chunkBytes) { return take(cut, inside: false) }
        return try firstBoundary(from: chunkBytes)
    }

    /// The first record alone (a header), or `nil` for empty input.
    func nextRecord() throws(CSVError) -> CSVChunk? {
        try fill(toAtLeast: 1)
        if pending.isEmpty { return nil }
        return try firstBoundary(from: 0)
    }

    /// The chunk up to the first boundary at or after `offset`, reading more as needed.
    private func firstBoundary(from offset: Int) throws(CSVError) -> CSVChunk {
        while true {
            findQuotes()
            if let cut = boundary(last: false, below: pending.count, from: offset) { return take(cut, inside: false) }
            if atEnd { return take(pending.count, inside: false) }
            if pending.count >= maxRecordBytes { return take(pending.count, inside: true) }
            try fill(toAtLeast: min(2 * max(pending.count, 4096), maxRecordBytes))
        }
    }

    private func take(_ count: Int, inside: Bool) -> CSVChunk {
        // The pending buffer becomes the chunk and the few bytes after the cut a new buffer: one
        // small copy instead of copying the chunk out and moving the rest down.
        var rest = buffers?.takeBytes(.input, capacity: chunkBytes + 64 * 1024 + 1) ?? []
        rest.append(contentsOf: pending[count...])
        pending.removeLast(pending.count - count)
        let chunk = CSVChunk(bytes: pending, index: chunksMade, cutInsideRecord: inside)
        pending = rest
        chunksMade += 1
        return chunk
    }

    /// Reads until `wanted` bytes are pending or the input ends.
    private func fill(toAtLeast wanted: Int) throws(CSVError) {
        while !atEnd, pending.count < wanted {
            let want = max(wanted - pending.count, 64 * 1024)
            switch source {
            case .file(let fd):
                let before = pending.count
                pending.reserveCapacity(before + want)
                var got = 0
                do {
                    try pending.withUnsafeMutableBufferPointerAppending(want) { (buffer) throws(SystemError) -> Int in
                        got = try systemCall("read") { read(fd, buffer.baseAddress, want) }
                        return got
                    }
                } catch {
                    throw CSVError(.io(.init(error)), path: path)
                }
                if got == 0 { atEnd = true }
            case .memory(let bytes, let offset):
                let end = min(bytes.count, offset + want)
                pending.append(contentsOf: bytes[offset..<end])
                source = .memory(bytes, offset: end)
                if end == bytes.count { atEnd = true }
            }
            if !startedInput, pending.count >= 3 || atEnd {
                startedInput = true
                if pending.starts(with: [0xEF, 0xBB, 0xBF]) { pending.removeFirst(3) }
            }
        }
    }

    /// The offsets just after the pending quotes, found with `memchr`.
    private func findQuotes() {
        quotes.removeAll(keepingCapacity: true)
        pending.withUnsafeBytes { raw in
            guard let base = raw.baseAddress else { return }
            var searched = 0
            while searched < raw.count, let hit = memchr(base + searched, Int32(UInt8(ascii: "\"")), raw.count - searched) {
                let at = base.distance(to: UnsafeRawPointer(hit))
                quotes.append(at)
                searched = at + 1
            }
        }
    }

    /// The offset just after the last (or first) line feed outside quotes among the pending
    /// bytes `from..<below`, or `nil` when there is none. ``findQuotes()`` must have run.
    private func boundary(last: Bool, below: Int, from: Int = 0) -> Int? {
        pending.withUnsafeBytes { raw -> Int? in
            let high = min(below, raw.count)
            // Segment s lies between quote s - 1 and quote s; it is outside quotes when s is even.
            let segments = stride(from: 0, through: quotes.count, by: 2)
            for segment in last ? Array(segments.reversed()) : Array(segments) {
                let low = max(from, segment == 0 ? 0 : quotes[segment - 1] + 1)
                let top = min(high, segment == quotes.count ? raw.count : quotes[segment])
                guard low < top else { continue }
                if last {
                    var at = top
                    while at > low {
                        at -= 1
                        if raw[at] == UInt8(ascii: "\n") { return at + 1 }
                    }
                } else if let hit = memchr(raw.baseAddress! + low, Int32(UInt8(ascii: "\n")), top - low) {
                    return raw.baseAddress!.distance(to: UnsafeRawPointer(hit)) + 1
                }
            }
            return nil
        }
    }
}

extension CSVError.SystemFailure {
    init(_ error: SystemError) {
        self.init(call: error.call, errno: error.errno, description: error.description)
    }
}

extension Array where Element == UInt8 {
    /// Lets `body` write up to `count` bytes after the end; keeps the number it returns.
    mutating func withUnsafeMutableBufferPointerAppending<E: Error>(
        _ count: Int, _ body: (UnsafeMutableRawBufferPointer) throws(E) -> Int
    ) throws(E) {
        let before = self.count
        var failure: E?
        append(contentsOf: repeatElement(0, count: count))
        let written = withUnsafeMutableBytes { raw -> Int in
            do throws(E) {
                return try body(UnsafeMutableRawBufferPointer(rebasing: raw[before..<(before + count)]))
            } catch {
                failure = error
                return 0
            }
        }
        removeLast(count - written)
        if let failure { throw failure }
    }
}
