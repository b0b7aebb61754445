import CParallelKit

/// A fixed-size array in shared memory that several processes read and write: Python's
/// `multiprocessing.Array` and `shared_memory`.
///
/// Elements are plain values (`BitwiseCopyable`). Reads and writes of different elements from
/// different processes need no lock; for the same element use ``add(_:at:)`` (8-byte atomic
/// types) or a ``ProcessLock``. Send it to workers as a field of a `WorkerTask` input.
///
/// Like every shared type it lives in memory that has no name (a `memfd`): other processes
/// attach through the creator's descriptor while the creating instance lives, and the kernel
/// frees the memory when the creator and every process that mapped it are gone, however they
/// ended — a crash or `kill -9` leaves nothing in `/dev/shm`.
///
/// ```swift
/// let histogram = try SharedArray<Int>(repeating: 0, count: 256)
/// // in each worker:  for byte in chunk { histogram.add(1, at: Int(byte)) }
/// let counts = histogram.toArray()
/// ```
public final class SharedArray<Element: BitwiseCopyable>: Codable, Sendable {
    let segment: SharedSegment

    /// The number of elements.
    public var count: Int { segment.count }

    private static var kind: String {
        "SharedArray<\(String(reflecting: Element.self))>(stride \(MemoryLayout<Element>.stride))"
    }

    private static func payloadBytes(_ count: Int) -> Int { count * MemoryLayout<Element>.stride }

    /// A shared array of `count` copies of `value`.
    public init(repeating value: Element, count: Int) throws(SharedMemoryError) {
        precondition(count >= 0, "SharedArray(count: \(count)): the count must be 0 or more")
        segment = try .create(kind: Self.kind, count: count, payloadBytes: Self.payloadBytes(count))
        elements.initialize(repeating: value, count: count)
    }

    /// A shared array holding `values`.
    public init(_ values: some Collection<Element>) throws(SharedMemoryError) {
        segment = try .create(kind: Self.kind, count: values.count, payloadBytes: Self.payloadBytes(values.count))
        _ = UnsafeMutableBufferPointer(start: elements, count: values.count).initialize(from: values)
    }

    private var elements: UnsafeMutablePointer<Element> { segment.payload.assumingMemoryBound(to: Element.self) }

    /// The element at `index`. Writing is visible to every process that mapped the array.
    public subscript(index: Int) -> Element {
        get {
            precondition(index >= 0 && index < count, "SharedArray index \(index) out of range 0..<\(count)")
            return elements[index]
        }
        set {
            precondition(index >= 0 && index < count, "SharedArray index \(index) out of range 0..<\(count)")
            elements[index] = newValue
        }
    }

    /// Calls `body` with the elements, for bulk reads.
    public func withUnsafeBufferPointer<Result, Failure: Error>(
        _ body: (UnsafeBufferPointer<Element>) throws(Failure) -> Result
    ) throws(Failure) -> Result {
        try body(UnsafeBufferPointer(start: elements, count: count))
    }

    /// Calls `body` with the elements, for bulk writes.
    public func withUnsafeMutableBufferPointer<Result, Failure: Error>(
        _ body: (UnsafeMutableBufferPointer<Element>) throws(Failure) -> Result
    ) throws(Failure) -> Result {
        try body(UnsafeMutableBufferPointer(start: elements, count: count))
    }

    /// A copy of the elements as an ordinary array.
    public func toArray() -> [Element] { withUnsafeBufferPointer { Array($0) } }

    public func encode(to encoder: any Encoder) throws { try segment.encodeHandle(to: encoder) }

    public init(from decoder: any Decoder) throws {
        segment = try .attach(from: decoder, kind: Self.kind, payloadBytes: Self.payloadBytes)
    }
}

extension SharedArray where Element: SharedAddable {
    /// Adds `delta` to the element at `index` atomically and returns the new value.
    ///
    /// - Precondition: `Element` is 8 bytes wide (`Int`, `Int64`, `UInt64`, `Double`).
    @discardableResult
    public func add(_ delta: Element, at index: Int) -> Element {
        precondition(MemoryLayout<Element>.size == 8, "SharedArray.add(_:at:) needs 8-byte elements")
        precondition(index >= 0 && index < count, "SharedArray index \(index) out of range 0..<\(count)")
        let word = UnsafeMutableRawPointer(elements + index).assumingMemoryBound(to: UInt64.self)
        return atomicAdd(delta, to: word)
    }
}
