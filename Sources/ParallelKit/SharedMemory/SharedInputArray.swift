/// A read-only array for worker-task inputs that crosses to a worker without being copied when
/// it is large: joblib's automatic memory-mapping of big NumPy arguments, made explicit and typed.
///
/// Below the threshold (1 MiB by default) the elements travel through the pipe like any
/// `Codable` array. At or above it they live in a shared-memory segment, and only its handle
/// travels: the worker maps the same pages read-only (`PROT_READ`), so handing over 200 MB
/// costs microseconds and no second copy. Build large inputs in place with
/// ``init(count:sharingAbove:initializingWith:)`` so they never exist twice.
///
/// Workers cannot write through this type — it has no setter, and the mapping itself is
/// read-only (a write through a raw pointer crashes the worker, reported as SIGSEGV). To let
/// workers write, opt in explicitly: make the field a ``SharedArray``.
///
/// ```swift
/// struct Mean: WorkerTask {
///     static func run(_ samples: SharedInputArray<Double>) -> Double {
///         samples.reduce(0, +) / Double(samples.count)
///     }
/// }
/// let samples = try SharedInputArray<Double>(count: 25_000_000) { buffer in
///     for index in buffer.indices { buffer[index] = Double(index) }
/// }                                                     // 200 MB, written once, in shared memory
/// let mean = try await pool.apply(Mean.self, samples)   // the worker maps it: no copy
/// ```
///
/// The creator holds the segment's descriptor until its last copy of the array is released;
/// workers that mapped it keep their mapping until they release theirs. The segment has no name
/// in any file system: however the creator and its workers end (Ctrl-C, `kill -9` included),
/// the kernel frees its memory once the last of them is gone.
public struct SharedInputArray<Element: BitwiseCopyable & Codable & Sendable>: RandomAccessCollection, Codable, Sendable {
    /// Arrays of at least this many bytes go through shared memory unless told otherwise.
    public static var defaultThreshold: Int { 1 << 20 }

    private let storage: Storage

    /// The number of elements.
    public var count: Int { storage.count }
    public var startIndex: Int { 0 }
    public var endIndex: Int { storage.count }

    /// Whether the elements live in shared memory (else they travel through the pipe).
    public var isShared: Bool { storage.segment != nil }

    /// The path through which other processes attach to the shared segment while this
    /// process holds it (`/proc/<pid>/fd/<n>`), or nil when not shared.
    public var segmentPath: String? { storage.segment?.name }

    /// The shared segment, or nil when not shared.
    var storageSegment: SharedSegment? { storage.segment }

    /// An input array holding `values`: copied once into shared memory when it takes at least
    /// `threshold` bytes.
    public init(_ values: some Collection<Element>, sharingAbove threshold: Int = Self.defaultThreshold) throws(SharedMemoryError) {
        do {
            storage = try Storage(count: values.count, threshold: threshold) { buffer in
                _ = buffer.initialize(from: values)
            }
        } catch {
            switch error {
            case .sharedMemory(let failure): throw failure
            case .initializer(let never): switch never {}
            }
        }
    }

    /// An input array of `count` elements written in place by `initialize` (which must set
    /// every element) — in shared memory when it takes at least `threshold` bytes, so a large
    /// input is never copied at all.
    public init<Failure: Error>(
        count: Int, sharingAbove threshold: Int = Self.defaultThreshold,
        initializingWith initialize: (UnsafeMutableBufferPointer<Element>) throws(Failure) -> Void
    ) throws(SharedInputArrayError<Failure>) {
        precondition(count >= 0, "SharedInputArray(count: \(count)): the count must be 0 or more")
        storage = try Storage(count: count, threshold: threshold, initialize)
    }

    public subscript(position: Int) -> Element {
        precondition(position >= 0 && position < storage.count, "SharedInputArray index \(position) out of range 0..<\(storage.count)")
        return storage.base[position]
    }

    /// Calls `body` with the elements, for fast bulk reads.
    public func withUnsafeBufferPointer<Result, Failure: Error>(
        _ body: (UnsafeBufferPointer<Element>) throws(Failure) -> Result
    ) throws(Failure) -> Result {
        try body(UnsafeBufferPointer(start: storage.base, count: storage.count))
    }

    private static var kind: String {
        "SharedInputArray<\(String(reflecting: Element.self))>(stride \(MemoryLayout<Element>.stride))"
    }

    /// What travels: the elements themselves, or the handle of the segment holding them.
    private enum Wire: Codable {
        case inline([Element])
        case shared(SharedHandle)
    }

    public func encode(to encoder: any Encoder) throws {
        if let segment = storage.segment {
            try Wire.shared(segment.handle).encode(to: encoder)
        } else {
            try Wire.inline(Array(self)).encode(to: encoder)
        }
    }

    /// Decodes the elements, or maps their segment read-only.
    public init(from decoder: any Decoder) throws {
        switch try Wire(from: decoder) {
        case .inline(let values):
            storage = Storage(copying: values)
        case .shared(let handle):
            let segment = try handle.attach(kind: Self.kind, writable: false) { $0 * MemoryLayout<Element>.stride }
            storage = Storage(segment: segment)
        }
    }

    /// The elements: a private heap buffer, or a read-only shared mapping.
    private final class Storage: @unchecked Sendable {
        // @unchecked: the elements are written only inside init, before the object is shared,
        // and are read-only afterwards (a shared segment is even mprotect-ed read-only).
        let base: UnsafeMutablePointer<Element>
        let count: Int
        let segment: SharedSegment?

        init<Failure: Error>(
            count: Int, threshold: Int, _ initialize: (UnsafeMutableBufferPointer<Element>) throws(Failure) -> Void
        ) throws(SharedInputArrayError<Failure>) {
            let bytes = count * MemoryLayout<Element>.stride
            if bytes >= threshold {
                let segment: SharedSegment
                do {
                    segment = try SharedSegment.create(
                        kind: SharedInputArray.kind, count: count, payloadBytes: bytes, readOnlyLater: true)
                } catch {
                    throw .sharedMemory(error)
                }
                base = segment.payload.bindMemory(to: Element.self, capacity: count)
                self.segment = segment
            } else {
                base = .allocate(capacity: Swift.max(count, 1))
                segment = nil
            }
            self.count = count
            do {
                try initialize(UnsafeMutableBufferPointer(start: base, count: count))
            } catch {
                if segment == nil { base.deallocate() }
                throw .initializer(error)
            }
            segment?.makeReadOnly()
        }

        init(copying values: [Element]) {
            base = .allocate(capacity: Swift.max(values.count, 1))
            _ = UnsafeMutableBufferPointer(start: base, count: values.count).initialize(from: values)
            count = values.count
            segment = nil
        }

        init(segment: SharedSegment) {
            base = segment.payload.assumingMemoryBound(to: Element.self)
            count = segment.count
            self.segment = segment
        }

        deinit {
            if segment == nil { base.deallocate() }
        }
    }
}

/// Why a ``SharedInputArray`` could not be built in place.
public enum SharedInputArrayError<Failure: Error>: Error {
    /// The shared segment could not be created.
    case sharedMemory(SharedMemoryError)
    /// The initializing closure threw.
    case initializer(Failure)
}
