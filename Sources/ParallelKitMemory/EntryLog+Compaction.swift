import ParallelKitSystem

extension EntryLog {
    /// Keeps the directory within `limit` bytes: when its files hold more, rewrites the entries
    /// most recently used into one new file, as many as fit in three quarters of the limit (so
    /// that the next stores do not compact again at once), and unlinks the old files — the
    /// least recently used entries are evicted, and superseded, damaged and touch records go.
    ///
    /// Holds the directory's lock exclusively throughout; the new file is written to a temporary
    /// name, `fsync`ed and renamed before any old one is unlinked, so a crash leaves either the
    /// old files or the new one (or both: then entries are there twice, which is harmless).
    /// Returns whether it compacted.
    @discardableResult
    func enforce(limit: Int) throws(MemoryError) -> Bool {
        guard totalBytes > limit else { return false }
        return try exclusively { () throws(MemoryError) -> Bool in
            try refresh()
            guard totalBytes > limit else { return false }
            let target = limit / 4 * 3
            var kept: [(key: MemoryKey, location: Location)] = []
            var size = 0
            for (key, location) in index.sorted(by: { $0.value.lastUse > $1.value.lastUse }) {
                let bytes = EntryRecord.headerSize + location.length
                if size + bytes > target { break }
                kept.append((key, location))
                size += bytes
            }
            let evicted = index.count - kept.count
            try rewrite(keeping: kept, "compacting \(entriesPath) to \(limit) bytes")
            counters.evictions += evicted
            return true
        }
    }

    /// Removes the entries of the function tagged `tag` (``CachedFunction/clear()``), every
    /// process's, the same way: the others are rewritten into one new file, the old files
    /// unlinked. Returns how many it removed; rewrites nothing when there are none.
    func removeEntries(tag: UInt64) throws(MemoryError) -> Int {
        try exclusively { () throws(MemoryError) -> Int in
            try refresh()
            let kept = index.filter { $0.value.tag != tag }.map { (key: $0.key, location: $0.value) }
            let removed = index.count - kept.count
            guard removed > 0 else { return 0 }
            try rewrite(keeping: kept, "removing a function's entries from \(entriesPath)")
            return removed
        }
    }

    /// Writes `kept` into one new file (temporary name, `fsync`, rename), unlinks every old file
    /// and the maps' journals (which name old files), and reads the directory again. The caller
    /// holds the lock exclusively.
    private func rewrite(keeping kept: [(key: MemoryKey, location: Location)], _ what: String) throws(MemoryError) {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(kept.reduce(0) { $0 + EntryRecord.headerSize + $1.location.length })
        for (key, location) in kept {
            let raw = location.segment.bytes(from: location.offset)
            // The whole payload, the tag included, under the record's own kind.
            let payload = UnsafeRawBufferPointer(
                rebasing: raw[EntryRecord.headerSize..<EntryRecord.headerSize + location.length])
            let kind: EntryRecord.Kind = location.tag == nil ? .entry : .taggedEntry
            EntryRecord.append(kind: kind, key: key, time: location.lastUse, payload: payload, to: &bytes)
        }
        let name = Self.newSegmentName()
        let temporary = entriesPath + "/.compacting-" + name
        do throws(SystemError) {
            let fd = try systemCall("open") {
                open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
            }
            defer { close(fd) }
            try write(fd, bytes)
            _ = try systemCall("fsync") { fsync(fd) }
            _ = try systemCall("rename") { rename(temporary, entriesPath + "/" + name) }
            try syncDirectory()
        } catch {
            unlink(temporary)
            throw MemoryError(.storeFailed, what, systemError: error)
        }
        for old in segments.keys { unlink(entriesPath + "/" + old) }
        removeJournals()
        dropWriter()
        segments = [:]
        index = [:]
        try refresh()
    }
}
