import ParallelKitSystem

/// One log file of a memory's directory, mapped read-only: the records written by one writer
/// (a `Memory` in some process) or by a compaction.
///
/// Files are only ever appended to, never truncated or rewritten, by this library: a compaction
/// or `clear()` writes new files and unlinks old ones, so a mapping stays valid while it is
/// held. One cut short from outside is noticed (``fileSize()``) before its bytes are read.
final class LogSegment {
    let name: String
    let fd: Int32
    private(set) var base: UnsafeRawPointer?
    private(set) var mappedSize = 0
    /// Records up to here are indexed, but for ``holes``; the bytes after it are not yet (or are torn).
    var scanned = 0
    /// Ranges below ``scanned`` skipped by a scan: a map's journal read their records whole
    /// (``RunJournal``), so its lookup of the other items need not index them. The next full
    /// ``EntryLog/refresh(skipping:)`` indexes them.
    var holes: [Range<Int>] = []

    init(directory: String, name: String) throws(SystemError) {
        self.name = name
        fd = try systemCall("open") { open(directory + "/" + name, O_RDONLY | O_CLOEXEC) }
    }

    deinit {
        unmap()
        close(fd)
    }

    /// The file's size and whether it is still linked into the directory.
    func fileState() throws(SystemError) -> (size: Int, linked: Bool) {
        var status = stat()
        _ = try systemCall("fstat") { fstat(fd, &status) }
        return (Int(status.st_size), status.st_nlink > 0)
    }

    /// Maps `size` bytes (the file's size now); the old mapping ends, so no pointer into it
    /// may be held across this call.
    func map(size: Int) throws(SystemError) {
        guard size != mappedSize else { return }
        unmap()
        guard size > 0 else { return }
        let address = mmap(nil, size, PROT_READ, MAP_SHARED, fd, 0)
        guard let address, address != MAP_FAILED else {
            throw SystemError(call: "mmap", errno: ENOMEM)
        }
        base = UnsafeRawPointer(address)
        mappedSize = size
    }

    private func unmap() {
        if let base { munmap(UnsafeMutableRawPointer(mutating: base), mappedSize) }
        base = nil
        mappedSize = 0
    }

    /// The mapped bytes from `offset` to the end of the mapping.
    func bytes(from offset: Int) -> UnsafeRawBufferPointer {
        guard let base, offset < mappedSize else { return UnsafeRawBufferPointer(start: nil, count: 0) }
        return UnsafeRawBufferPointer(start: base + offset, count: mappedSize - offset)
    }

    /// How many records follow ``scanned``, by their headers' lengths alone (no checksums), but
    /// for those in `skipping`: the room an index needs before ``scan(skipping:_:)`` fills it.
    func recordsAfterScanned(skipping: [Range<Int>] = []) -> Int {
        var offset = scanned
        var count = 0
        var skips = skipping.sorted { $0.lowerBound < $1.lowerBound }[...]
        while true {
            if let skip = Self.skip(at: offset, &skips, within: mappedSize) {
                offset = skip.upperBound
                continue
            }
            let rest = bytes(from: offset)
            guard let header = EntryRecord.header(rest), EntryRecord.headerSize + header.length <= rest.count else { break }
            offset += EntryRecord.headerSize + header.length
            count += 1
        }
        return count
    }

    /// Reads the records after ``scanned`` and calls `found` with each intact one (its header and
    /// its offset); stops at a torn record at the end (it may still be being written: read again
    /// next time) and at bytes that are not a record. A range of `skipping` that starts where a
    /// record starts is jumped over and kept in ``holes``. Returns how many damaged records it skipped.
    func scan(skipping: [Range<Int>] = [], _ found: (EntryRecord.Header, Int) -> Void) -> Int {
        var damaged = 0
        var skips = skipping.sorted { $0.lowerBound < $1.lowerBound }[...]
        while true {
            if let skip = Self.skip(at: scanned, &skips, within: mappedSize) {
                holes.append(skip)
                scanned = skip.upperBound
                continue
            }
            let rest = bytes(from: scanned)
            guard let header = EntryRecord.header(rest) else { break }
            let end = EntryRecord.headerSize + header.length
            guard end <= rest.count else { break }
            if EntryRecord.isIntact(rest, header) {
                found(header, scanned)
            } else if end == rest.count {
                break  // the last record: perhaps still being written
            } else {
                damaged += 1
            }
            scanned += end
        }
        return damaged
    }

    /// Calls `found` with each intact record of ``holes``, and forgets them. Returns how many
    /// damaged records it skipped.
    func fillHoles(_ found: (EntryRecord.Header, Int) -> Void) -> Int {
        var damaged = 0
        for hole in holes {
            var offset = hole.lowerBound
            while offset < hole.upperBound {
                let rest = bytes(from: offset)
                guard let header = EntryRecord.header(rest), EntryRecord.headerSize + header.length <= rest.count else {
                    damaged += 1
                    break
                }
                if EntryRecord.isIntact(rest, header) { found(header, offset) } else { damaged += 1 }
                offset += EntryRecord.headerSize + header.length
            }
        }
        holes = []
        return damaged
    }

    /// The first of `skips` (sorted) that starts at `offset` and ends within `size`, removed; the
    /// ones that start before `offset` are dropped (a scan passed them: they were not at a record's start).
    private static func skip(at offset: Int, _ skips: inout ArraySlice<Range<Int>>, within size: Int) -> Range<Int>? {
        while let first = skips.first, first.lowerBound < offset || first.isEmpty { skips.removeFirst() }
        guard let first = skips.first, first.lowerBound == offset, first.upperBound <= size else { return nil }
        skips.removeFirst()
        return first
    }
}
