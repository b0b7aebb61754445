import ParallelKitSystem

/// A map's journal: where each batch a ``Parallel`` map committed to a memory went, so that the
/// map run again on the same inputs reads those outputs back in order, without a key or an index
/// lookup per item (what made a resumed run cost 1.2 µs for every item already done).
///
/// Layout: `DIRECTORY/journals/RUNKEY.journal`, where the run key is the SHA-256 of the
/// function's key header (signature, version, build) and of all the map's inputs
/// (``KeyPrefix/runKey(_:)``). Each record is an ``EntryRecord`` of kind
/// ``EntryRecord/Kind/journal`` whose key is the run key, written after its batch's entries
/// were written and `fsync`ed, with this payload (8-byte little-endian numbers):
///
/// ```
///  0  offset of the batch's first entry record in its file
///  8  bytes of the batch's entry records (consecutive)
/// 16  entries in the batch
/// 24  length of the file's name, then the name (in entries/)
///  …  number of index ranges, then each range's start and count: the inputs the entries are
///     the outputs of, in order
/// ```
///
/// A journal only points at entries; it is not `fsync`ed (a record lost to a power failure
/// costs a resumed run speed, not results), and a record is used only when every entry it names
/// is intact, of the map's function, and where it says. A compaction or `clear()` removes every
/// journal (the files they name are gone).
enum RunJournal {
    struct Batch: Equatable {
        var segment: String
        var offset: Int
        var length: Int
        var count: Int
        var ranges: [Range<Int>]
    }

    /// Maps of fewer inputs have no journal (their keys cost little; a file for each small map
    /// called in a loop would fill the directory).
    static let minimumItems = 1024

    /// Bytes of a journal file read at most; a longer one is not used.
    static let sizeLimit = 16 << 20

    static func path(directory: String, runKey: MemoryKey) -> String {
        directory + "/journals/" + runKey.description + ".journal"
    }

    /// The runs of consecutive indices in `indices` (ascending or not), in order.
    static func ranges(of indices: some Collection<Int>) -> [Range<Int>] {
        var ranges: [Range<Int>] = []
        for index in indices {
            if let last = ranges.last, last.upperBound == index {
                ranges[ranges.count - 1] = last.lowerBound..<index + 1
            } else {
                ranges.append(index..<index + 1)
            }
        }
        return ranges
    }

    static func payload(_ batch: Batch) -> [UInt8] {
        var bytes: [UInt8] = []
        func append(_ value: Int) { withUnsafeBytes(of: UInt64(value).littleEndian) { bytes.append(contentsOf: $0) } }
        append(batch.offset)
        append(batch.length)
        append(batch.count)
        append(batch.segment.utf8.count)
        bytes.append(contentsOf: batch.segment.utf8)
        append(batch.ranges.count)
        for range in batch.ranges {
            append(range.lowerBound)
            append(range.count)
        }
        return bytes
    }

    /// The batch a payload describes; nil when its numbers do not make one.
    static func batch(_ raw: UnsafeRawBufferPointer) -> Batch? {
        var offset = 0
        func next() -> Int? {
            guard offset + 8 <= raw.count else { return nil }
            let value = UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: offset, as: UInt64.self))
            offset += 8
            return value <= UInt64(Int.max / 2) ? Int(value) : nil
        }
        guard let start = next(), let length = next(), let count = next(), let nameLength = next(),
            offset + nameLength <= raw.count
        else { return nil }
        let name = String(decoding: UnsafeRawBufferPointer(rebasing: raw[offset..<offset + nameLength]), as: UTF8.self)
        offset += nameLength
        guard let rangeCount = next(), rangeCount <= raw.count / 16 else { return nil }
        var ranges: [Range<Int>] = []
        ranges.reserveCapacity(rangeCount)
        var items = 0
        for _ in 0..<rangeCount {
            guard let lower = next(), let size = next() else { return nil }
            ranges.append(lower..<lower + size)
            items += size
        }
        guard items == count, offset == raw.count, !name.contains("/") else { return nil }
        return Batch(segment: name, offset: start, length: length, count: count, ranges: ranges)
    }

    /// Appends `batch` to the journal of `runKey` in `directory`; false when it could not (the
    /// entries are stored all the same: a resumed run finds them through the index).
    @discardableResult
    static func append(_ batch: Batch, runKey: MemoryKey, directory: String) -> Bool {
        var record: [UInt8] = []
        payload(batch).withUnsafeBytes { payload in
            EntryRecord.append(kind: .journal, key: runKey, time: EntryLog.now(), payload: payload, to: &record)
        }
        let path = path(directory: directory, runKey: runKey)
        var fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o644)
        if fd < 0, errno == ENOENT {
            mkdir(directory + "/journals", 0o755)
            fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o644)
        }
        guard fd >= 0 else { return false }
        defer { close(fd) }
        // One write: O_APPEND keeps records of several processes whole and apart.
        do {
            try writeAll(fd, record)
            return true
        } catch {
            return false
        }
    }

    /// The intact records of `runKey`'s journal in `directory`, in order; none when it has no
    /// journal (or an unreadable one).
    static func batches(runKey: MemoryKey, directory: String) -> [Batch] {
        guard let bytes = try? SmallFile.bytes(path(directory: directory, runKey: runKey), limit: sizeLimit) else {
            return []
        }
        return bytes.withUnsafeBytes { raw in
            var batches: [Batch] = []
            var offset = 0
            while true {
                let rest = UnsafeRawBufferPointer(rebasing: raw[offset...])
                guard let header = EntryRecord.header(rest), EntryRecord.headerSize + header.length <= rest.count else { break }
                if header.kind == .journal, header.key == runKey, EntryRecord.isIntact(rest, header),
                    let batch = batch(
                        UnsafeRawBufferPointer(rebasing: rest[EntryRecord.headerSize..<EntryRecord.headerSize + header.length]))
                {
                    batches.append(batch)
                }
                offset += EntryRecord.headerSize + header.length
            }
            return batches
        }
    }
}

extension EntryLog {
    /// Unlinks every map's journal (their files are being replaced or removed).
    func removeJournals() {
        let journals = directory + "/journals"
        guard let names = try? Self.fileNames(in: journals, endingWith: ".journal") else { return }
        for name in names { unlink(journals + "/" + name) }
    }
}

extension EntryLog {
    /// The outputs `batches` name, decoded by `decode` (which initializes its pointer and
    /// returns true, or returns false), added to `pieces`. A batch is used whole
    /// or not at all: its inputs have no output yet, its file is still linked and long enough,
    /// each of its `count` records is an intact entry of the function tagged `tag`, and they fill
    /// its byte range exactly. Counts the items served as hits; returns the byte ranges it read,
    /// by file (the lookup of the other items need not index them: ``refresh(skipping:)``).
    func serve<Output>(
        _ batches: [RunJournal.Batch], tag: UInt64, into pieces: inout OutputPieces<Output>,
        decode: (UnsafeRawBufferPointer, UnsafeMutablePointer<Output>) -> Bool
    ) -> [String: [Range<Int>]] {
        var read: [String: [Range<Int>]] = [:]
        let now = Self.now()
        let served = pieces.coveredCount
        for batch in batches {
            guard pieces.canTake(batch.ranges), let segment = journalSegment(batch.segment, end: batch.offset + batch.length)
            else { continue }
            var offset = batch.offset
            var used: [MemoryKey] = []
            let values = [Output](unsafeUninitializedCapacity: batch.count) { buffer, initialized in
                while initialized < batch.count {
                    let rest = segment.bytes(from: offset)
                    guard let header = EntryRecord.header(rest), header.kind == .taggedEntry,
                        header.length >= EntryRecord.tagSize, EntryRecord.headerSize + header.length <= rest.count,
                        UInt64(littleEndian: rest.loadUnaligned(fromByteOffset: EntryRecord.headerSize, as: UInt64.self))
                            == tag,
                        EntryRecord.isIntact(rest, header),
                        decode(
                            UnsafeRawBufferPointer(
                                rebasing: rest[
                                    EntryRecord.headerSize + EntryRecord.tagSize..<EntryRecord.headerSize + header.length]),
                            buffer.baseAddress! + initialized)
                    else { return }
                    initialized += 1
                    if now &- header.time > Self.touchInterval { used.append(header.key) }
                    offset += EntryRecord.headerSize + header.length
                }
            }
            guard values.count == batch.count, offset == batch.offset + batch.length else { continue }
            pieces.add(values, at: batch.ranges)
            touches.append(contentsOf: used)
            read[batch.segment, default: []].append(batch.offset..<offset)
        }
        counters.hits += pieces.coveredCount - served
        return read
    }

    /// The file `name` of entries/, mapped to at least `end` bytes; nil when it is gone or shorter.
    private func journalSegment(_ name: String, end: Int) -> LogSegment? {
        let segment: LogSegment
        if let known = segments[name] {
            segment = known
        } else {
            guard let opened = try? LogSegment(directory: entriesPath, name: name) else { return nil }
            segments[name] = opened
            segment = opened
        }
        guard let state = try? segment.fileState(), state.linked, state.size >= end, state.size >= segment.mappedSize
        else { return nil }
        if segment.mappedSize < end {
            guard (try? segment.map(size: state.size)) != nil else { return nil }
        }
        return segment
    }
}
