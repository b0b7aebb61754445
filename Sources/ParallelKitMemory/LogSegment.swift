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
    /// Records up to here are indexed; the bytes after it are not yet (or are torn).
    var scanned = 0

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

    /// How many records follow ``scanned``, by their headers' lengths alone (no checksums): the
    /// room an index needs before ``scan(_:)`` fills it.
    func recordsAfterScanned() -> Int {
        var offset = scanned
        var count = 0
        while true {
            let rest = bytes(from: offset)
            guard let header = EntryRecord.header(rest), EntryRecord.headerSize + header.length <= rest.count else { break }
            offset += EntryRecord.headerSize + header.length
            count += 1
        }
        return count
    }

    /// Reads the records after ``scanned`` and calls `found` with each intact one (its header and
    /// its offset); stops at a torn record at the end (it may still be being written: read again
    /// next time) and at bytes that are not a record. Returns how many damaged records it skipped.
    func scan(_ found: (EntryRecord.Header, Int) -> Void) -> Int {
        var damaged = 0
        while true {
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
}
