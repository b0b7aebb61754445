import CParallelKit

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// The standard input of one `--pipe` job: bytes read from the runner's standard input, or a
/// byte range of a file (`--pipepart`), read as it is written to the job.
enum PipeBlock {
    case bytes(Bytes)
    case range(file: SharedFile, offset: Int, length: Int)

    var count: Int {
        switch self {
        case .bytes(let bytes): return bytes.count
        case .range(_, _, let length): return length
        }
    }
}

/// A file descriptor shared by the jobs that read ranges of it; closed with the last of them.
final class SharedFile {
    let fd: Int32
    init(fd: Int32) { self.fd = fd }
    deinit { close(fd) }
}

/// Where record boundaries are: after `--recend` (default a newline) and before `--recstart`;
/// with both, where the two meet.
struct RecordBoundary {
    let end: Bytes
    let start: Bytes

    init(end: Bytes?, start: Bytes?) {
        if end == nil, start == nil {
            self.end = [0x0A]
            self.start = []
        } else {
            self.end = end ?? []
            self.start = start ?? []
        }
    }

    var pattern: Bytes { end + start }
    /// Neither a start nor an end: every byte is a boundary.
    var isEmpty: Bool { end.isEmpty && start.isEmpty }

    /// The first boundary at or after `from` within `buffer[..<limit]`, or `nil`. A boundary is
    /// the position between `end` and `start`; position 0 is never one.
    func first(in buffer: UnsafeRawBufferPointer, from: Int, limit: Int) -> Int? {
        if isEmpty { return from < limit ? max(from, 1) : nil }
        let pattern = self.pattern
        var search = max(0, from - end.count)
        while search + pattern.count <= limit {
            guard let found = pattern.withUnsafeBytes({ needle -> Int? in
                guard let hit = pk_memmem(buffer.baseAddress! + search, limit - search, needle.baseAddress, needle.count)
                else { return nil }
                return buffer.baseAddress!.distance(to: UnsafeRawPointer(hit))
            }) else { return nil }
            let boundary = found + end.count
            if boundary >= max(from, 1) { return boundary }
            search = found + 1
        }
        return nil
    }

    /// The last boundary at or before `limit` in `buffer`, if any.
    func last(in buffer: UnsafeRawBufferPointer, upTo limit: Int) -> Int? {
        if end == [0x0A], start.isEmpty {
            guard limit > 0, let hit = pk_memrchr(buffer.baseAddress!, 0x0A, limit) else { return nil }
            return buffer.baseAddress!.distance(to: UnsafeRawPointer(hit)) + 1
        }
        var best: Int?
        var from = 1
        let searchLimit = min(buffer.count, limit + start.count)
        while let boundary = first(in: buffer, from: from, limit: searchLimit), boundary <= limit {
            best = boundary
            from = boundary + 1
        }
        return best
    }
}

/// Cuts `--pipe` input into blocks at record boundaries: each block is the longest run of whole
/// records that fits in `--block` bytes (a record longer than that is a block of its own), or
/// exactly `-N` records. `--pipepart` instead cuts a file into byte ranges, each ending at the
/// first boundary after a multiple of the block size, and never reads the data itself.
final class PipeSource {
    private let boundary: RecordBoundary
    private let blockSize: Int
    private let records: Int?
    private var header: Bytes = []
    // --pipe
    private var buffer: [UInt8] = []
    private var atEnd = false
    // --pipepart
    private var file: SharedFile?
    private var fileSize = 0
    private var offset = 0

    init(options: RunOptions, jobSlots: Int = 1) throws(RunUsageError) {
        boundary = RecordBoundary(end: options.recordEnd, start: options.recordStart)
        records = options.maxArguments.map { max($0, 1) }
        var size = options.blockSize
        if options.pipePart {
            guard case .file(let path) = options.sources.first(where: {
                if case .file = $0.kind { true } else { false }
            })?.kind else { throw RunUsageError("--pipepart needs a file given with -a or ::::") }
            let fd = withCString(path) { open($0, O_RDONLY | O_CLOEXEC) }
            guard fd >= 0 else {
                throw RunUsageError("cannot open input file '\(path.text)': \(String(cString: strerror(errno)))")
            }
            var info = stat()
            guard fstat(fd, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG else {
                close(fd)
                throw RunUsageError("--pipepart needs a regular file, and '\(path.text)' is not one")
            }
            file = SharedFile(fd: fd)
            fileSize = Int(info.st_size)
            if size < 0 { size = max(1, fileSize / max(1, -size * jobSlots) + 1) }
        }
        blockSize = max(size, 1)
        if options.header != nil, file == nil {
            header = readHeader(lines: Int(options.header!.text) ?? 1)
        }
    }

    private func readHeader(lines: Int) -> Bytes {
        var taken = 0
        var end = 0
        while taken < lines {
            while true {
                let found = buffer.withUnsafeBytes { boundary.first(in: $0, from: end + 1, limit: $0.count) }
                if let found {
                    end = found
                    break
                }
                if atEnd {
                    end = buffer.count
                    break
                }
                fill(toAtLeast: buffer.count + 65536)
            }
            taken += 1
        }
        let header = Array(buffer[..<end])
        buffer.removeFirst(end)
        return header
    }

    /// The next block, or `nil` at the end of the input.
    func next() throws(RunUsageError) -> PipeBlock? {
        if let file { return nextRange(file) }
        if let records { return nextRecords(records) }
        fill(toAtLeast: blockSize + max(boundary.start.count, 1))
        guard !buffer.isEmpty else { return nil }
        var cut: Int
        if atEnd, buffer.count <= blockSize {
            cut = buffer.count
        } else {
            cut = buffer.withUnsafeBytes { boundary.last(in: $0, upTo: min(blockSize, $0.count)) } ?? 0
            while cut == 0 {
                // No boundary within a block: the block is the first whole record, however long.
                if let found = buffer.withUnsafeBytes({ boundary.first(in: $0, from: 1, limit: $0.count) }) {
                    cut = found
                } else if atEnd {
                    cut = buffer.count
                } else {
                    fill(toAtLeast: buffer.count * 2)
                }
            }
        }
        return .bytes(take(cut))
    }

    private func nextRecords(_ count: Int) -> PipeBlock? {
        var end = 0
        var taken = 0
        fill(toAtLeast: 65536)
        guard !buffer.isEmpty else { return nil }
        while taken < count {
            if let found = buffer.withUnsafeBytes({ boundary.first(in: $0, from: end + 1, limit: $0.count) }),
                found < buffer.count || atEnd
            {
                end = found
                taken += 1
                continue
            }
            if atEnd {
                end = buffer.count
                break
            }
            fill(toAtLeast: buffer.count + 65536)
        }
        return .bytes(take(end))
    }

    private func take(_ count: Int) -> Bytes {
        let block = header + buffer[..<count]
        buffer.removeFirst(count)
        return block
    }

    private func fill(toAtLeast wanted: Int) {
        while !atEnd, buffer.count < wanted {
            let old = buffer.count
            let chunk = max(wanted - old, 65536)
            buffer.append(contentsOf: repeatElement(0, count: chunk))
            var got = 0
            repeat {
                got = buffer.withUnsafeMutableBytes { read(0, $0.baseAddress! + old, chunk) }
            } while got < 0 && errno == EINTR
            buffer.removeLast(chunk - max(got, 0))
            if got <= 0 { atEnd = true }
        }
    }

    private func nextRange(_ file: SharedFile) -> PipeBlock? {
        guard offset < fileSize else { return nil }
        let end = boundaryInFile(file, atOrAfter: offset + blockSize)
        defer { offset = end }
        return .range(file: file, offset: offset, length: end - offset)
    }

    /// The first record boundary in the file at or after `target` (the file's end if none).
    private func boundaryInFile(_ file: SharedFile, atOrAfter target: Int) -> Int {
        guard target < fileSize else { return fileSize }
        let back = boundary.end.count
        var windowStart = max(0, target - back)
        var window = Bytes(repeating: 0, count: 65536 + boundary.pattern.count)
        while windowStart < fileSize {
            let got = window.withUnsafeMutableBytes { pread(file.fd, $0.baseAddress, $0.count, off_t(windowStart)) }
            guard got > 0 else { return fileSize }
            let found = window.withUnsafeBytes { raw in
                boundary.first(in: UnsafeRawBufferPointer(rebasing: raw[0..<got]), from: target - windowStart, limit: got)
            }
            if let found, windowStart + found < fileSize || got < window.count {
                return min(windowStart + found, fileSize)
            }
            if got < window.count { return fileSize }
            windowStart += got - boundary.pattern.count
        }
        return fileSize
    }
}
