import ParallelKitSystem

/// The entries of one memory directory, as this process sees them: append-only log files
/// (``LogSegment``), one per writer, indexed in memory. Not thread-safe: ``Memory`` holds it
/// under a lock.
///
/// Layout: `DIRECTORY/entries/*.log`, and `DIRECTORY/lock`, which writers hold shared (`flock`)
/// while they append and `clear()` and compactions hold exclusive while they replace files.
/// Each `Memory` appends to a file of its own, so writers in several processes never
/// interleave; a batch of entries is one `write` and one `fsync`.
final class EntryLog {
    struct Location {
        let segment: LogSegment
        let offset: Int
        let length: Int
        var lastUse: UInt64
        /// The tag of the function that stored it (``KeyPrefix/tag``); nil for an entry written
        /// without one (before tags).
        let tag: UInt64?

        /// Where the output starts, after the record's header and its tag.
        var outputOffset: Int { EntryRecord.headerSize + (tag == nil ? 0 : EntryRecord.tagSize) }
    }

    struct Counters {
        var hits = 0
        var misses = 0
        var stores = 0
        var evictions = 0
        var damaged = 0
    }

    let directory: String
    let entriesPath: String
    let lockFD: Int32
    var segments: [String: LogSegment] = [:]
    var index: [MemoryKey: Location] = [:]
    var counters = Counters()
    /// The file this memory appends to; nil until its first store, and after a failed write
    /// (whatever followed a torn record would be lost to readers) or a compaction.
    var writer: (fd: Int32, name: String)?
    /// Keys used since they were last written or touched long ago: written as touch records with
    /// the next store, so that other processes' evictions see the use.
    var touches: [MemoryKey] = []
    /// Bytes this log may still write (tests: a disk that fills up); nil without limit.
    var writeBudget: Int?

    /// A key used less than this long after its last recorded use is not touched again on disk.
    static let touchInterval: UInt64 = 60_000_000_000

    init(directory: String) throws(MemoryError) {
        self.directory = directory
        entriesPath = directory + "/entries"
        do {
            try Self.makeDirectory(directory)
            try Self.makeDirectory(entriesPath)
            lockFD = try systemCall("open") { open(directory + "/lock", O_RDWR | O_CREAT | O_CLOEXEC, 0o644) }
        } catch {
            throw MemoryError(.directoryUnusable, "the memory directory \(directory)", systemError: error)
        }
        // The files are read at the first lookup, not here: a resumed map served by its journal
        // (``RunJournal``) need not index what it read whole.
    }

    deinit {
        if let writer { close(writer.fd) }
        close(lockFD)
    }

    private static func makeDirectory(_ path: String) throws(SystemError) {
        do {
            _ = try systemCall("mkdir") { mkdir(path, 0o755) }
        } catch where error.errno == EEXIST {}
    }

    static func now() -> UInt64 {
        var time = timespec()
        clock_gettime(CLOCK_REALTIME, &time)
        return UInt64(time.tv_sec) * 1_000_000_000 + UInt64(time.tv_nsec)
    }

    // MARK: Reading

    /// Opens the files that appeared since the last call, indexes the records appended to every
    /// file since, and forgets files that were unlinked (by a compaction or `clear()` elsewhere).
    /// The byte ranges of `skipping` (by file name: those a map's journal read whole) are left
    /// out of the index, as holes; a refresh without them indexes every hole first.
    func refresh(skipping: [String: [Range<Int>]] = [:]) throws(MemoryError) {
        let names: Set<String>
        do {
            names = try listSegments()
        } catch {
            throw MemoryError(.directoryUnusable, "reading the memory directory \(entriesPath)", systemError: error)
        }
        let gone = segments.keys.filter { !names.contains($0) }
        if !gone.isEmpty { forget(Set(gone)) }
        for name in names.sorted() {
            if segments[name] == nil {
                guard let segment = try? LogSegment(directory: entriesPath, name: name) else { continue }  // unlinked meanwhile
                segments[name] = segment
            }
            if let segment = segments[name] { scan(segment, skipping: skipping[name] ?? []) }
        }
    }

    private func listSegments() throws(SystemError) -> Set<String> {
        try Self.fileNames(in: entriesPath, endingWith: ".log")
    }

    /// The names in `directory` that end with `suffix`.
    static func fileNames(in directory: String, endingWith suffix: String) throws(SystemError) -> Set<String> {
        guard let stream = opendir(directory) else { throw SystemError(call: "opendir", errno: errno) }
        defer { closedir(stream) }
        var names: Set<String> = []
        while let entry = readdir(stream) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
            }
            if name.hasSuffix(suffix) { names.insert(name) }
        }
        return names
    }

    private func forget(_ names: Set<String>) {
        for name in names { segments[name] = nil }
        index = index.filter { !names.contains($0.value.segment.name) }
    }

    /// Indexes what was appended to `segment` since it was last read, but for `skipping`; a
    /// file cut short from outside is read again from its start.
    func scan(_ segment: LogSegment, skipping: [Range<Int>] = []) {
        guard let state = try? segment.fileState() else { return }
        if state.size < segment.mappedSize {
            index = index.filter { $0.value.segment !== segment }
            segment.scanned = 0
            segment.holes = []
        }
        if skipping.isEmpty, !segment.holes.isEmpty {
            counters.damaged += segment.fillHoles { header, offset in add(header, at: offset, in: segment) }
        }
        guard state.size > segment.scanned else { return }
        do {
            try segment.map(size: state.size)
        } catch {
            return
        }
        // Room for every record first: growing a dictionary of a million entries one rehash at a
        // time was a third of a resumed run's time (perf).
        index.reserveCapacity(index.count + segment.recordsAfterScanned(skipping: skipping))
        counters.damaged += segment.scan(skipping: skipping) { header, offset in add(header, at: offset, in: segment) }
    }

    /// Indexes the intact record at `offset` of `segment`, whose header is `header`.
    @inline(__always)
    private func add(_ header: EntryRecord.Header, at offset: Int, in segment: LogSegment) {
        switch header.kind {
        case .entry, .taggedEntry:
            var tag: UInt64?
            if header.kind == .taggedEntry {
                guard header.length >= EntryRecord.tagSize else { return }
                tag = UInt64(
                    littleEndian: segment.bytes(from: offset + EntryRecord.headerSize).loadUnaligned(as: UInt64.self))
            }
            // One hash operation for a new key (the common case); a second only when an older
            // record of the key was used later than this one was written.
            let location = Location(segment: segment, offset: offset, length: header.length, lastUse: header.time, tag: tag)
            if let old = index.updateValue(location, forKey: header.key), old.lastUse > header.time {
                index[header.key]?.lastUse = old.lastUse
            }
        case .touch:
            if let old = index[header.key], old.lastUse < header.time { index[header.key]?.lastUse = header.time }
        case .journal:
            break  // only in journals/, never in an entries file
        }
    }

    /// Whether `location`'s file is still whole and linked; refreshes the index when it is not.
    private func isReadable(_ location: Location) -> Bool {
        guard let state = try? location.segment.fileState(), state.linked,
            state.size >= location.segment.mappedSize
        else {
            try? refresh()
            return false
        }
        return true
    }

    /// The payload stored for `key`, checked against its checksum; a damaged record is dropped
    /// from the index (and so recomputed and written again). Counts a hit or a miss.
    func payload(_ key: MemoryKey, refreshingOnMiss: Bool = true, checkFile: Bool = true) -> [UInt8]? {
        if refreshingOnMiss, index[key] == nil { try? refresh() }
        guard var position = index.index(forKey: key) else {
            counters.misses += 1
            return nil
        }
        if checkFile, !isReadable(index.values[position]) {
            guard let again = index.index(forKey: key) else {
                counters.misses += 1
                return nil
            }
            position = again
        }
        // One hash lookup for a hit: the location is read and its use recorded through `position`.
        let location = index.values[position]
        let raw = location.segment.bytes(from: location.offset)
        guard let header = EntryRecord.header(raw), header.length == location.length,
            raw.count >= EntryRecord.headerSize + header.length, EntryRecord.isIntact(raw, header), header.key == key
        else {
            index.remove(at: position)
            counters.damaged += 1
            counters.misses += 1
            return nil
        }
        let now = Self.now()
        if now &- location.lastUse > Self.touchInterval { touches.append(key) }
        index.values[position].lastUse = now
        counters.hits += 1
        return Array(UnsafeRawBufferPointer(rebasing: raw[location.outputOffset..<EntryRecord.headerSize + header.length]))
    }

    /// Drops `key`'s entry from the index, as damaged (its payload did not decode).
    func discard(_ key: MemoryKey) {
        guard index.removeValue(forKey: key) != nil else { return }
        counters.damaged += 1
        counters.hits -= 1
        counters.misses += 1
    }

    /// Each key's payload, or nil: one refresh and one check of each file for the whole batch;
    /// the ranges of `skipping` are not indexed (``refresh(skipping:)``).
    func payloads(_ keys: [MemoryKey], skipping: [String: [Range<Int>]] = [:]) -> [[UInt8]?] {
        try? refresh(skipping: skipping)
        // Each file once (not each entry's: a million entries live in a handful of files).
        let unreadable = segments.values.contains { segment in
            guard let state = try? segment.fileState(), state.linked, state.size >= segment.mappedSize else { return true }
            return false
        }
        if unreadable { try? refresh(skipping: skipping) }
        return keys.map { payload($0, refreshingOnMiss: false, checkFile: false) }
    }

    // MARK: Writing

    /// The writer's descriptor: a new file when there is none, or when a compaction or
    /// `clear()` in another process unlinked it.
    func openWriter() throws(SystemError) -> Int32 {
        if let writer {
            var status = stat()
            if fstat(writer.fd, &status) == 0, status.st_nlink > 0 { return writer.fd }
            close(writer.fd)
            self.writer = nil
        }
        let name = Self.newSegmentName()
        let fd = try systemCall("open") {
            open(entriesPath + "/" + name, O_WRONLY | O_CREAT | O_EXCL | O_APPEND | O_CLOEXEC, 0o644)
        }
        writer = (fd, name)
        try syncDirectory()
        return fd
    }

    static func newSegmentName() -> String {
        let random = UInt64.random(in: 0...UInt64.max)
        return "\(getpid())-" + String(random, radix: 16) + ".log"
    }

    func syncDirectory() throws(SystemError) {
        let fd = try systemCall("open") { open(entriesPath, O_RDONLY | O_DIRECTORY | O_CLOEXEC) }
        defer { close(fd) }
        _ = try systemCall("fsync") { fsync(fd) }
    }

    /// `writeAll`, within ``writeBudget`` when a test set one (then the write is cut short and
    /// fails with `ENOSPC`, as on a full disk).
    func write(_ fd: Int32, _ bytes: [UInt8]) throws(SystemError) {
        guard let budget = writeBudget else { return try writeAll(fd, bytes) }
        let allowed = min(budget, bytes.count)
        try bytes.withUnsafeBytes { raw in
            Result { () throws(SystemError) in try writeAll(fd, UnsafeRawBufferPointer(rebasing: raw[0..<allowed])) }
        }.get()
        writeBudget = budget - allowed
        if allowed < bytes.count { throw SystemError(call: "write", errno: ENOSPC) }
    }

    /// The bytes of every file this process knows of.
    var totalBytes: Int { segments.values.reduce(0) { $0 + $1.mappedSize } }

    // MARK: Replacing files

    /// Runs `body` holding the directory's lock exclusively: no writer appends meanwhile.
    func exclusively<Result>(_ body: () throws(MemoryError) -> Result) throws(MemoryError) -> Result {
        do {
            _ = try systemCall("flock") { flock(lockFD, LOCK_EX) }
        } catch {
            throw MemoryError(.storeFailed, "locking \(directory)/lock", systemError: error)
        }
        defer { flock(lockFD, LOCK_UN) }
        return try body()
    }

    /// Unlinks every log file; the writer starts a new one at the next store.
    func removeAll() throws(MemoryError) {
        try exclusively { () throws(MemoryError) in
            try refresh()
            for name in segments.keys { unlink(entriesPath + "/" + name) }
            removeJournals()
            if let writer {
                unlink(entriesPath + "/" + writer.name)
                close(writer.fd)
            }
            writer = nil
            touches.removeAll()
            segments = [:]
            index = [:]
        }
    }

    /// Forgets the writer (its file was replaced by a compaction).
    func dropWriter() {
        if let writer { close(writer.fd) }
        writer = nil
    }
}
