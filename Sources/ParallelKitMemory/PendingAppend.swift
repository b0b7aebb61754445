import ParallelKitSystem

/// One store's batch on its way to disk, in three steps so that the slow one — the `write` and
/// the `fsync`, about a millisecond and a half — runs without the `Memory`'s lock, and its other
/// threads' lookups go on meanwhile: ``EntryLog/beginAppend(_:tag:)`` (under the lock: the
/// records, the shared `flock`, the writer's descriptor), ``perform()`` (no lock), then
/// ``EntryLog/finishAppend(_:_:)`` (under the lock: the `flock` released, the records indexed).
///
/// `Memory` runs the three under its writing lock, so one store, `clear()` or compaction at a
/// time touches the writer's descriptor and the directory's `flock` (which is per descriptor,
/// shared by the process's threads): the descriptor cannot be closed while it is written.
struct PendingAppend {
    let fd: Int32
    let bytes: [UInt8]
    /// Bytes the test budget lets through (``EntryLog/writeBudget``); the rest fail with `ENOSPC`.
    let allowed: Int
    let entries: Int
    /// The entries' records' bytes, at the start of ``bytes`` (the touches follow).
    let entryBytes: Int
    let what: String

    /// Writes the records and `fsync`s them; the system call that failed, or nil.
    func perform() -> SystemError? {
        do throws(SystemError) {
            try bytes.withUnsafeBytes { raw in
                Result { () throws(SystemError) in try writeAll(fd, UnsafeRawBufferPointer(rebasing: raw[0..<allowed])) }
            }.get()
            if allowed < bytes.count { throw SystemError(call: "write", errno: ENOSPC) }
            _ = try systemCall("fsync") { fsync(fd) }
            return nil
        } catch {
            return error
        }
    }
}

extension EntryLog {
    /// The records of `entries` (keys and encoded outputs) of the function tagged `tag`, and of
    /// the touches gathered since the last store, ready to write; takes the directory's lock
    /// shared and opens the writer's file. Nil when there is nothing to write.
    ///
    /// - Throws: ``MemoryError/Code/storeFailed`` when the lock or the file cannot be had.
    func beginAppend(_ entries: [(key: MemoryKey, payload: [UInt8])], tag: UInt64) throws(MemoryError) -> PendingAppend? {
        guard !entries.isEmpty else { return nil }
        let time = Self.now()
        var bytes: [UInt8] = []
        bytes.reserveCapacity(
            entries.reduce(touches.count * EntryRecord.headerSize) {
                $0 + EntryRecord.headerSize + EntryRecord.tagSize + $1.payload.count
            })
        for entry in entries {
            entry.payload.withUnsafeBytes { payload in
                EntryRecord.append(kind: .entry, key: entry.key, time: time, tag: tag, payload: payload, to: &bytes)
            }
        }
        let entryBytes = bytes.count
        for key in touches {
            EntryRecord.append(kind: .touch, key: key, time: time, payload: UnsafeRawBufferPointer(start: nil, count: 0), to: &bytes)
        }
        touches.removeAll()
        let what = "storing \(entries.count) \(entries.count == 1 ? "entry" : "entries") in \(entriesPath)"
        do {
            _ = try systemCall("flock") { flock(lockFD, LOCK_SH) }
        } catch {
            throw MemoryError(.storeFailed, what, systemError: error)
        }
        let fd: Int32
        do {
            fd = try openWriter()
        } catch {
            if let writer { close(writer.fd) }
            writer = nil
            flock(lockFD, LOCK_UN)
            throw MemoryError(.storeFailed, what, systemError: error)
        }
        let allowed = min(writeBudget ?? bytes.count, bytes.count)
        if let budget = writeBudget { writeBudget = budget - allowed }
        return PendingAppend(
            fd: fd, bytes: bytes, allowed: allowed, entries: entries.count, entryBytes: entryBytes, what: what)
    }

    /// Releases the directory's lock and indexes `pending`'s records, or, when `failure` says
    /// its write or `fsync` failed, forgets the writer (what reached the file is a torn record
    /// that no reader takes for an entry; this memory appends to a new file from then on).
    /// Returns where the entries' records now are, for a map's journal (nil when not known).
    ///
    /// - Throws: ``MemoryError/Code/storeFailed`` with `failure`.
    @discardableResult
    func finishAppend(_ pending: PendingAppend, _ failure: SystemError?) throws(MemoryError) -> StoredEntries? {
        flock(lockFD, LOCK_UN)
        if let failure {
            if let writer { close(writer.fd) }
            writer = nil
            throw MemoryError(.storeFailed, pending.what, systemError: failure)
        }
        counters.stores += pending.entries
        guard let name = writer?.name else { return nil }
        if segments[name] == nil, let segment = try? LogSegment(directory: entriesPath, name: name) {
            segments[name] = segment
        }
        if let segment = segments[name] { scan(segment) }
        // The file's offset is its end: this memory alone writes it, under its writing lock, with O_APPEND.
        let end = Int(lseek(pending.fd, 0, SEEK_CUR))
        guard end >= pending.bytes.count else { return nil }
        return StoredEntries(
            segment: name, offset: end - pending.bytes.count, length: pending.entryBytes, count: pending.entries)
    }
}

/// Where one store put its entries' records: a file of `entries/`, the byte range of the
/// records (consecutive, in the order given), and how many.
struct StoredEntries: Sendable {
    let segment: String
    let offset: Int
    let length: Int
    let count: Int
}
