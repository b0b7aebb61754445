import CParallelKit
import ParallelKitSystem

/// One value in shared memory that several processes read and update atomically: Python's
/// `multiprocessing.Value('d', 0.0)`.
///
/// Send it to workers as a field of a `WorkerTask` input; decoding attaches to the same memory.
/// Keep the creating instance alive while workers attach to it: releasing it closes the
/// segment's descriptor, after which no process can attach (mappings already made stay valid).
/// The memory is freed when the creator and every process that mapped it have let go or died,
/// however they died: nothing is ever left in `/dev/shm`.
///
/// ```swift
/// let total = try SharedValue(0.0)                         // seed 002's Value('d', 0.0)
/// try await withProcessPool { pool in
///     _ = try await pool.map(AddRange.self, [.init(total: total, from: 1, to: 10),
///                                            .init(total: total, from: 11, to: 20)])
/// }
/// print(total.load())                                      // 210.0
/// ```
///
/// - Note: Every operation is atomic and sequentially consistent across processes; `add` on a
///   `Double` is a compare-and-swap loop. `withLock` serializes larger read-modify-write steps.
public final class SharedValue<Value: SharedAtomic>: Codable, Sendable {
    let segment: SharedSegment
    private let mutex: RobustMutex

    private static var kind: String { "SharedValue<\(String(reflecting: Value.self))>" }
    private static var payloadBytes: Int { 64 + MemoryLayout<pthread_mutex_t>.stride }

    /// A new shared value holding `initial`.
    public init(_ initial: Value) throws(SharedMemoryError) {
        segment = try .create(kind: Self.kind, count: 1, payloadBytes: Self.payloadBytes)
        mutex = RobustMutex(at: segment.payload + 64, initialize: true)
        store(initial)
    }

    private var word: UnsafeMutablePointer<UInt64> { segment.payload.assumingMemoryBound(to: UInt64.self) }

    /// The value now.
    public func load() -> Value { Value.value(pk_atomic_load_u64(word)) }

    /// Replaces the value.
    public func store(_ value: Value) { pk_atomic_store_u64(word, Value.word(value)) }

    /// Sets the value to `desired` if it is `expected`.
    ///
    /// - Returns: whether it was exchanged, and the value found.
    public func compareExchange(expected: Value, desired: Value) -> (exchanged: Bool, original: Value) {
        var found = Value.word(expected)
        let exchanged = pk_atomic_cas_u64(word, &found, Value.word(desired)) != 0
        return (exchanged, Value.value(found))
    }

    /// Runs `body` on the value while holding this value's process-shared lock, then stores it.
    ///
    /// For read-modify-write steps no single atomic operation does; every process updating the
    /// value this way sees the others' updates.
    public func withLock<Result, Failure: Error>(_ body: (inout Value) throws(Failure) -> Result) throws(Failure) -> Result {
        mutex.lock()
        defer { mutex.unlock() }
        var value = load()
        let result = try body(&value)
        store(value)
        return result
    }

    public func encode(to encoder: any Encoder) throws { try segment.encodeHandle(to: encoder) }

    public init(from decoder: any Decoder) throws {
        segment = try .attach(from: decoder, kind: Self.kind) { _ in Self.payloadBytes }
        mutex = RobustMutex(at: segment.payload + 64, initialize: false)
    }
}

extension SharedValue where Value: SharedAddable {
    /// Adds `delta` atomically (wrapping for integers) and returns the new value.
    @discardableResult
    public func add(_ delta: Value) -> Value {
        atomicAdd(delta, to: word)
    }
}
