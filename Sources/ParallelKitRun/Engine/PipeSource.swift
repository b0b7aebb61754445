import CParallelKit
import ParallelKitSystem

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
    private let buffer = ReadBuffer(capacity: 1 << 20)
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
            let fd: Int32
            do {
                fd = try openFile(path, O_RDONLY | O_CLOEXEC)
            } catch {
                throw RunUsageError("cannot open input file '\(path.text)': \(error.reason)")
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
        if let header = options.header, file == nil {
            self.header = readHeader(lines: Int(header.text) ?? 1)
        }
    }

    private func readHeader(lines: Int) -> Bytes {
        var end = 0
        for _ in 0..<lines {
            while true {
                if let found = boundary.first(in: buffer.bytes, from: end + 1, limit: buffer.count) {
                    end = found
                    break
                }
                if buffer.atEnd {
                    end = buffer.count
                    break
                }
                buffer.readOnce(from: 0)
            }
        }
        return buffer.take(end)
    }

    /// Where the next block ends, from the bytes held only.
    private enum Cut {
        case block(Int)
        case end
        case needMore
    }

    /// With `-N`: how far the records of the next block have been found, kept across calls.
    private var recordsEnd = 0
    private var recordsTaken = 0

    /// The next block, or `nil` at the end of the input; waits for input as long as it takes.
    func next() throws(RunUsageError) -> PipeBlock? {
        if let file { return nextRange(file) }
        while true {
            switch cut() {
            case .end:
                return nil
            case .block(let length):
                recordsEnd = 0
                recordsTaken = 0
                guard !buffer.interrupted else { return nil }
                return .bytes(buffer.take(length, prefix: header))
            case .needMore:
                if records != nil {
                    buffer.readOnce(from: 0)
                } else {
                    buffer.fill(from: 0, toAtLeast: buffer.count < minimumHeld ? minimumHeld : buffer.count * 2)
                }
            }
        }
    }

    /// Standard input, when the next block has not arrived and nothing more can be read without
    /// waiting (what can be is read first); `nil` when ``next()`` would not wait. With it the
    /// runner serves running jobs (their output, `--timeout`) while a quiet input fills a block.
    func descriptorToWaitFor() -> Int32? {
        guard file == nil else { return nil }
        while case .needMore = cut() {
            guard buffer.readIfReady(from: 0, chunk: max(64 * 1024, minimumHeld - buffer.count)) else { return 0 }
        }
        return nil
    }

    /// Bytes to hold before a block is cut: a whole block and the start of the next record.
    private var minimumHeld: Int { blockSize + max(boundary.start.count, 1) }

    /// Where the next block ends: the longest run of whole records within `--block` (a record
    /// longer than that alone), or `-N` records; `.needMore` when the bytes held cannot tell yet.
    private func cut() -> Cut {
        if let records { return cutRecords(records) }
        if buffer.atEnd {
            if buffer.count == 0 { return .end }
            if buffer.count <= blockSize { return .block(buffer.count) }
        } else if buffer.count < minimumHeld {
            return .needMore
        }
        if let last = boundary.last(in: buffer.bytes, upTo: min(blockSize, buffer.count)), last > 0 {
            return .block(last)
        }
        if let first = boundary.first(in: buffer.bytes, from: 1, limit: buffer.count) { return .block(first) }
        return buffer.atEnd ? .block(buffer.count) : .needMore
    }

    private func cutRecords(_ count: Int) -> Cut {
        if buffer.atEnd, buffer.count == 0 { return .end }
        while recordsTaken < count {
            if let found = boundary.first(in: buffer.bytes, from: recordsEnd + 1, limit: buffer.count),
                found < buffer.count || buffer.atEnd
            {
                recordsEnd = found
                recordsTaken += 1
                continue
            }
            guard buffer.atEnd else { return .needMore }
            recordsEnd = buffer.count
            break
        }
        return .block(recordsEnd)
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
            let got = window.withUnsafeMutableBytes { raw in
                (try? systemCall("pread") { pread(file.fd, raw.baseAddress, raw.count, off_t(windowStart)) }) ?? 0
            }
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
