import CParallelKit
@_spi(Backend) import ParallelKit
import Synchronization

/// A disk cache of results — joblib's `Memory` — keyed by what was computed and from what, not
/// by the code's text: a task's name and types, a version you bump, and the input's canonical
/// bytes.
///
/// Wrap a `WorkerTask` or a named closure with ``cache(_:version:)`` or
/// ``cache(_:version:_:)``; a call whose key has an entry returns the stored output without
/// running the work. Bump `version` when the work's results change: that invalidates that
/// work's entries and nothing else. Editing the code, moving it, or rebuilding does not (unless
/// ``Options/foldsBuildID``), the opposite of joblib, which hashes the function's source.
///
/// ```swift
/// let memory = try Memory(directory: "/var/cache/my-tool")
/// let slowSquare = memory.cache("slowSquare", version: 1) { (x: Int) in
///     sleep(1)
///     return x * x
/// }
/// print(try await slowSquare(4))   // computed: one second
/// print(try await slowSquare(4))   // from disk: microseconds, in this run and the next
/// ```
///
/// A map over many inputs takes the memory as its checkpoint —
/// `Parallel(...).map(Task.self, inputs, cache: memory)` — and a run killed half-way computes,
/// when run again, only what has no entry.
///
/// - Note: A `Memory` is thread-safe, and several processes may use one directory at once:
///   each appends to a file of its own, whole batches at a time, `fsync`ed; every record
///   carries a checksum, so a torn or damaged entry is a miss, never a wrong hit.
public final class Memory: Sendable {
    /// How a memory keeps its directory.
    public struct Options: Sendable {
        /// Bytes the directory may hold; past it the least recently used entries are evicted
        /// (down to three quarters of the limit). `nil`: no limit.
        public var sizeLimit: Int?
        /// Whether keys include this executable's build ID, so that every rebuild starts afresh
        /// (for work whose results depend on code you do not version by hand).
        public var foldsBuildID: Bool
        /// Tests: bytes this memory may write before writes fail with `ENOSPC`, as on a full disk.
        @_spi(Testing) public var writeBudget: Int?

        public init(sizeLimit: Int? = nil, foldsBuildID: Bool = false) {
            self.sizeLimit = sizeLimit
            self.foldsBuildID = foldsBuildID
        }
    }

    /// What a memory has done since it was made, and what its directory holds now.
    public struct Statistics: Sendable, Hashable {
        /// Lookups that found an entry.
        public var hits: Int
        /// Lookups that found none (or a damaged one).
        public var misses: Int
        /// Entries this memory wrote.
        public var stores: Int
        /// Entries this memory evicted to keep the size limit.
        public var evictions: Int
        /// Damaged or torn records found (never read as hits).
        public var damaged: Int
        /// Entries in the directory.
        public var entries: Int
        /// Bytes of the directory's log files.
        public var bytes: Int
    }

    /// The directory, as given.
    public let directory: String
    public let options: Options
    let log: Mutex<EntryLog>
    /// Held by stores, `clear()`s and compactions (then `log` inside it, never the other way
    /// round): a store writes and `fsync`s without `log`, so lookups need not wait for the disk.
    let writing = Mutex(())
    let build: String?

    /// A memory keeping its entries in `directory`, made if it does not exist.
    ///
    /// - Throws: ``MemoryError/Code/directoryUnusable`` when it cannot be made or read.
    public init(directory: String, options: Options = Options()) throws(MemoryError) {
        self.directory = directory
        self.options = options
        let log = try EntryLog(directory: directory)
        log.writeBudget = options.writeBudget
        self.log = Mutex(log)
        build = options.foldsBuildID ? Self.executableBuildID() : nil
    }

    private static func executableBuildID() -> String {
        var bytes = [UInt8](repeating: 0, count: 64)
        let length = pk_executable_build_id(&bytes, bytes.count)
        return bytes.prefix(length).map { String($0, radix: 16) }.joined(separator: ".")
    }

    /// `task` wrapped: a call looks its input up and runs the task only on a miss.
    ///
    /// ```swift
    /// let resize = memory.cache(Resize.self, version: 2)
    /// let thumbnail = try await resize(.init(path: "cat.jpg", width: 128))
    /// ```
    public func cache<Task: WorkerTask>(_ task: Task.Type, version: Int = 0) -> CachedFunction<Task.Input, Task.Output> {
        CachedFunction(memory: self, signature: Task.signature, version: version) { try await Task.run($0) }
    }

    /// `body`, known by `name`, wrapped: joblib's `@memory.cache`. The key holds `name`, the
    /// input and output types and `version` — not the closure's code, which cannot be read:
    /// bump `version` when it changes what it returns.
    public func cache<Input: Codable & Sendable, Output: Codable & Sendable>(
        _ name: String, version: Int = 0, _ body: @escaping @Sendable (Input) async throws -> Output
    ) -> CachedFunction<Input, Output> {
        let signature = "\(name)(\(String(reflecting: Input.self))) -> \(String(reflecting: Output.self))"
        return CachedFunction(memory: self, signature: signature, version: version, body)
    }

    /// Removes every entry of the directory (joblib's `memory.clear()`), those of other
    /// processes included; the statistics' counts go on.
    ///
    /// - Throws: ``MemoryError/Code/directoryUnusable`` when the directory cannot be read.
    public func clear() throws(MemoryError) {
        try writing.withLock { _ throws(MemoryError) in
            try log.withLock { log throws(MemoryError) in try log.removeAll() }
        }
    }

    /// The counts so far, and what the directory holds now (its files read again).
    public var statistics: Statistics {
        log.withLock { log in
            try? log.refresh()
            return Statistics(
                hits: log.counters.hits, misses: log.counters.misses, stores: log.counters.stores,
                evictions: log.counters.evictions, damaged: log.counters.damaged, entries: log.index.count,
                bytes: log.totalBytes)
        }
    }

    func keyPrefix(signature: String, version: Int) -> KeyPrefix {
        KeyPrefix(signature: signature, version: version, build: build)
    }

    /// The stored output for `key`, decoded; nil on a miss (or a payload that does not decode,
    /// which is dropped as damaged).
    func lookup<Output: Decodable>(_ key: MemoryKey, as type: Output.Type) -> Output? {
        guard let payload = log.withLock({ $0.payload(key) }) else { return nil }
        if let output = Self.decodePlain(Output.self, payload) ?? (try? WireCoder.decode(Output.self, from: payload)) {
            return output
        }
        log.withLock { $0.discard(key) }
        return nil
    }

    /// Looks up `keys`, those of the inputs at `indices`, in one pass over the directory (but
    /// for the byte ranges of `skipping`, read whole from a journal: ``served(_:tag:count:as:)``),
    /// adds the outputs found to `pieces`, and returns the positions in `keys` of those not found.
    /// The misses cost no generic code (a whole first run is all misses).
    func lookup<Output: Decodable>(
        _ keys: [MemoryKey], at indices: [Int], skipping: [String: [Range<Int>]] = [:],
        into pieces: inout OutputPieces<Output>
    ) -> [Int] {
        guard !keys.isEmpty else { return [] }  // a map its journal served whole reads no file
        let payloads = log.withLock { $0.payloads(keys, skipping: skipping) }
        var missing: [Int] = []
        var found: [Int] = []
        var outputs: [Output] = []
        for position in payloads.indices {
            guard let payload = payloads[position] else {
                missing.append(position)
                continue
            }
            if let output = Self.decodePlain(Output.self, payload) ?? (try? WireCoder.decode(Output.self, from: payload)) {
                found.append(indices[position])
                outputs.append(output)
            } else {
                log.withLock { $0.discard(keys[position]) }
                missing.append(position)
            }
        }
        if !outputs.isEmpty { pieces.add(outputs, at: found) }
        return missing
    }

    /// The outputs the journal of `runKey` names (``RunJournal``), at their inputs' places among
    /// `count`, and the byte ranges read, by file.
    func served<Output: Decodable>(
        _ runKey: MemoryKey, tag: UInt64, count: Int, as type: Output.Type
    ) -> (pieces: OutputPieces<Output>, read: [String: [Range<Int>]]) {
        let batches = RunJournal.batches(runKey: runKey, directory: directory)
        guard !batches.isEmpty else { return (OutputPieces(count: count), [:]) }
        return log.withLock { log in
            var pieces = OutputPieces<Output>(count: count)
            // In place: returning an optional output cost a generic metadata lookup per item (perf).
            let read = log.serve(batches, tag: tag, into: &pieces) { raw, target in
                if Self.decodePlain(raw, into: target) { return true }
                guard let output = try? WireCoder.decode(Output.self, from: Array(raw)) else { return false }
                target.initialize(to: output)
                return true
            }
            return (pieces, read)
        }
    }

    /// Removes the entries of the function tagged `tag` (``CachedFunction/clear()``).
    func clear(tag: UInt64) throws(MemoryError) {
        try writing.withLock { _ throws(MemoryError) in
            _ = try log.withLock { log throws(MemoryError) in try log.removeEntries(tag: tag) }
        }
    }

    /// A bare `Int` or `Double` output read from its payload without a decoder: the wire coder
    /// writes one as a tag (3 an Int64, 5 a Double) and 8 bytes little-endian. Nil for other
    /// types and other bytes (which the decoder then reads, or refuses).
    @inline(__always)
    static func decodePlain<Output>(_ type: Output.Type, _ payload: [UInt8]) -> Output? {
        guard payload.count == 9 else { return nil }
        let bits = payload.withUnsafeBytes { UInt64(littleEndian: $0.loadUnaligned(fromByteOffset: 1, as: UInt64.self)) }
        if Output.self == Int.self, payload[0] == 3 { return unsafeBitCast(Int(Int64(bitPattern: bits)), to: Output.self) }
        if Output.self == Double.self, payload[0] == 5 { return unsafeBitCast(Double(bitPattern: bits), to: Output.self) }
        return nil
    }

    /// The same, into `target` (left uninitialized when it returns false).
    @inline(__always)
    static func decodePlain<Output>(_ payload: UnsafeRawBufferPointer, into target: UnsafeMutablePointer<Output>) -> Bool {
        guard payload.count == 9 else { return false }
        let bits = UInt64(littleEndian: payload.loadUnaligned(fromByteOffset: 1, as: UInt64.self))
        if Output.self == Int.self, payload[0] == 3 {
            UnsafeMutableRawPointer(target).initializeMemory(as: Int.self, to: Int(Int64(bitPattern: bits)))
            return true
        }
        if Output.self == Double.self, payload[0] == 5 {
            UnsafeMutableRawPointer(target).initializeMemory(as: Double.self, to: Double(bitPattern: bits))
            return true
        }
        return false
    }

    /// Stores `outputs` of the function tagged `tag` under `keys`: one write and one `fsync`
    /// (without `log`'s lock: ``PendingAppend``), then the size limit. Returns where the
    /// records went (nil when nothing was written, or a compaction moved them at once).
    @discardableResult
    func store<Output: Encodable>(
        _ keys: some Collection<MemoryKey>, _ outputs: some Collection<Output>, tag: UInt64
    ) throws(MemoryError) -> StoredEntries? {
        var entries: [(key: MemoryKey, payload: [UInt8])] = []
        entries.reserveCapacity(keys.count)
        for (key, output) in zip(keys, outputs) {
            do {
                entries.append((key, try WireCoder.encode(output)))
            } catch {
                throw MemoryError(.unencodable, "\(String(reflecting: Output.self)) could not be encoded for \(directory)")
            }
        }
        return try writing.withLock { _ throws(MemoryError) -> StoredEntries? in
            let pending = try log.withLock { log throws(MemoryError) in try log.beginAppend(entries, tag: tag) }
            guard let pending else { return nil }
            let failure = pending.perform()
            return try log.withLock { log throws(MemoryError) -> StoredEntries? in
                let stored = try log.finishAppend(pending, failure)
                if let limit = options.sizeLimit, try log.enforce(limit: limit) { return nil }
                return stored
            }
        }
    }
}
