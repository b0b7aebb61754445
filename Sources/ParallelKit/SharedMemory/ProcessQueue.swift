import CParallelKit
import ParallelKitSystem
import Synchronization

/// Why a ``ProcessQueue`` operation did not deliver a value.
public enum ProcessQueueError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The queue is empty and no writer is left: every process that wrote to it has called
    /// ``ProcessQueue/finishWriting()``, released its queue, or died. Nothing more can come.
    case writersGone
    /// Nothing could be got (or put) within the timeout.
    case timedOut
    /// The waiting task was cancelled.
    case cancelled
    /// The value's encoding (`bytes`) is larger than the queue's whole capacity.
    case tooLarge(bytes: Int, capacity: Int)
    /// A value could not be encoded, or the bytes taken from the queue could not be decoded
    /// as the element type. The bad message is removed; the queue goes on.
    case coding(String)
    /// More than ``ProcessQueue/maxWriters`` queue objects are writing at once.
    case tooManyWriters

    public var description: String {
        switch self {
        case .writersGone: return "the queue is empty and every writer has finished or died"
        case .timedOut: return "timed out waiting on the queue"
        case .cancelled: return "cancelled while waiting on the queue"
        case .tooLarge(let bytes, let capacity): return "a \(bytes)-byte message does not fit a \(capacity)-byte queue"
        case .coding(let why): return "a queue message could not be encoded or decoded: \(why)"
        case .tooManyWriters: return "more than \(ProcessQueue<Int>.maxWriters) writers at once"
        }
    }
}

/// A first-in first-out queue between processes, for any number of writers and readers:
/// Python's `multiprocessing.Queue`, with typed values and an end.
///
/// Values are encoded (compact binary `Codable`) into a ring buffer in shared memory guarded
/// by a robust ``ProcessLock``-style mutex; waiting is a futex, so a blocked ``get()`` costs no
/// CPU. Values put by one writer come out in the order it put them.
///
/// **Ending.** A queue object becomes a *writer* when it first puts (the creating object is
/// one from the start) and stops being one at ``finishWriting()``, when it is released, or
/// when its process dies. A ``get()`` on an empty queue with no writer left throws
/// ``ProcessQueueError/writersGone`` instead of waiting forever — so readers can loop until
/// then, and a crashed producer cannot hang them.
///
/// ```swift
/// let queue = try ProcessQueue<String>()
/// // producers (workers) get `queue` as a field of their task input and call queue.put(line)
/// _ = try await pool.map(Produce.self, inputs)      // every producer has put and returned
/// queue.finishWriting()                              // the parent puts nothing either
/// while let line = try await queue.next() { print(line) }    // nil once every writer is gone
/// ```
public final class ProcessQueue<Element: Codable & Sendable>: Codable, Sendable {
    /// How many queue objects (across all processes) may be writers at the same time.
    public static var maxWriters: Int { QueueLayout.writerSlots }

    let segment: SharedSegment
    private let layout: QueueLayout
    /// This object's row in the writer table, or -1 when it is not a writer.
    private let writerSlot: Mutex<Int>

    private static var kind: String { "ProcessQueue<\(String(reflecting: Element.self))>" }

    /// The bytes of ring buffer (encoded values plus 4 bytes each).
    public var capacity: Int { segment.count }

    /// Creates an empty queue holding up to `capacity` bytes of encoded values. The new
    /// object is a writer until ``finishWriting()``.
    public init(capacity: Int = 1 << 20) throws(SharedMemoryError) {
        precondition(capacity >= 16, "ProcessQueue(capacity: \(capacity)): at least 16 bytes")
        segment = try .create(kind: Self.kind, count: capacity, payloadBytes: QueueLayout.headerBytes + capacity)
        layout = QueueLayout(segment.payload, capacity: capacity, initialize: true)
        writerSlot = Mutex(-1)
        _ = try? registerWriter()
    }

    deinit { finishWriting() }

    /// Puts `value` at the tail, waiting while the queue is full.
    public func put(_ value: Element) throws(ProcessQueueError) {
        try put(value, deadline: nil)
    }

    /// Puts `value` at the tail, waiting at most `timeout` for room.
    public func put(_ value: Element, timeout: Duration) throws(ProcessQueueError) {
        try put(value, deadline: ContinuousClock.now + timeout)
    }

    /// Takes the value at the head, waiting while the queue is empty and a writer is left.
    ///
    /// - Throws: ``ProcessQueueError/writersGone`` when empty with no writer left;
    ///   ``ProcessQueueError/coding(_:)`` when the message does not decode.
    public func get() throws(ProcessQueueError) -> Element {
        try get(deadline: nil, cancelled: { false })
    }

    /// Takes the value at the head, waiting at most `timeout`.
    public func get(timeout: Duration) throws(ProcessQueueError) -> Element {
        try get(deadline: ContinuousClock.now + timeout, cancelled: { false })
    }

    /// Takes the value at the head without blocking a thread of the cooperative pool: the
    /// wait happens on a thread of its own. Honours task cancellation (within 50 ms).
    public func get(timeout: Duration? = nil) async throws(ProcessQueueError) -> Element {
        if let ready = try takeIfReady() { return ready }
        let deadline = timeout.map { ContinuousClock.now + $0 }
        let cancelled = CancellationFlag()
        let result: Result<Element, ProcessQueueError> = await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                OSThread.start(name: "pk-queue-get", joinable: false) {
                    continuation.resume(returning: Result { () throws(ProcessQueueError) in
                        try self.get(deadline: deadline, cancelled: { cancelled.isCancelled })
                    })
                }
            }
        } onCancel: {
            cancelled.cancel()
        }
        return try result.get()
    }

    /// The next value, or nil when the queue is empty and every writer has gone: the loop
    /// `while let value = try await queue.next() { … }` reads until the producers are done.
    public func next() async throws(ProcessQueueError) -> Element? {
        do {
            return try await get()
        } catch {
            if error == .writersGone { return nil }
            throw error
        }
    }

    /// Says that this object will put nothing more. When no writer is left, readers of an
    /// empty queue get ``ProcessQueueError/writersGone``. Called when the object is released.
    public func finishWriting() {
        let slot = writerSlot.withLock { slot in
            defer { slot = -1 }
            return slot
        }
        guard slot >= 0 else { return }
        layout.locked { layout.writers[slot] = 0 }
        pk_futex_wake_all(layout.dataSignal)
    }

    /// The number of values in the queue now (another process may change it at once).
    public var count: Int { layout.locked { Int(layout.state.pointee.messages) } }

    public func encode(to encoder: any Encoder) throws { try segment.encodeHandle(to: encoder) }

    /// Attaches to the queue named by the handle. The new object is not a writer until it puts.
    public init(from decoder: any Decoder) throws {
        segment = try .attach(from: decoder, kind: Self.kind) { QueueLayout.headerBytes + $0 }
        layout = QueueLayout(segment.payload, capacity: segment.count, initialize: false)
        writerSlot = Mutex(-1)
    }

    // MARK: - Putting and getting

    private func put(_ value: Element, deadline: ContinuousClock.Instant?) throws(ProcessQueueError) {
        let bytes: [UInt8]
        do { bytes = try WireCoder.encode(value) } catch { throw .coding("\(error)") }
        let needed = bytes.count + 4
        guard needed <= capacity else { throw .tooLarge(bytes: bytes.count, capacity: capacity) }
        try registerWriter()
        while true {
            let next: FullQueue = layout.locked {
                guard layout.freeBytes >= needed else {
                    layout.state.pointee.writersWaiting += 1
                    return .wait(layout.spaceSignal.pointee)
                }
                layout.append(bytes)
                return .appended(wakeReaders: layout.state.pointee.readersWaiting > 0)
            }
            switch next {
            case .appended(let wakeReaders):
                if wakeReaders { pk_futex_wake_all(layout.dataSignal) }
                return
            case .wait(let signal):
                try wait(on: layout.spaceSignal, while: signal, waiting: \.writersWaiting, deadline: deadline, cancelled: { false })
            }
        }
    }

    private func get(deadline: ContinuousClock.Instant?, cancelled: () -> Bool) throws(ProcessQueueError) -> Element {
        while true {
            if let value = try takeIfReady() { return value }
            let next: EmptyQueue = layout.locked {
                if layout.state.pointee.messages > 0 { return .retry }  // put since we looked
                guard layout.pruneDeadWriters() > 0 else { return .ended }
                layout.state.pointee.readersWaiting += 1
                return .wait(layout.dataSignal.pointee)
            }
            switch next {
            case .retry: continue
            case .ended: throw .writersGone
            case .wait(let signal):
                try wait(on: layout.dataSignal, while: signal, waiting: \.readersWaiting, deadline: deadline, cancelled: cancelled)
            }
        }
    }

    /// What a reader that found the queue empty does next.
    private enum EmptyQueue {
        case retry
        case ended
        /// Sleep until the data signal moves past this value.
        case wait(UInt32)
    }

    /// What a writer did with a full or roomy queue.
    private enum FullQueue {
        case appended(wakeReaders: Bool)
        /// Sleep until the space signal moves past this value.
        case wait(UInt32)
    }

    /// Takes the head value if there is one.
    private func takeIfReady() throws(ProcessQueueError) -> Element? {
        let taken: (bytes: [UInt8], wakeWriters: Bool)? = layout.locked {
            guard let bytes = layout.takeFirst() else { return nil }
            return (bytes, layout.state.pointee.writersWaiting > 0)
        }
        guard let (bytes, wakeWriters) = taken else { return nil }
        if wakeWriters { pk_futex_wake_all(layout.spaceSignal) }
        do { return try WireCoder.decode(Element.self, from: bytes) } catch { throw .coding("\(error)") }
    }

    /// Sleeps until `signal` moves past `value`, for at most 50 ms at a time so that dead
    /// writers, deadlines and cancellation are noticed. The caller counted itself in
    /// `waiting` under the lock; the count is taken back here.
    private func wait(
        on signal: UnsafeMutablePointer<UInt32>, while value: UInt32, waiting: WritableKeyPath<QueueLayout.State, UInt32>,
        deadline: ContinuousClock.Instant?, cancelled: () -> Bool
    ) throws(ProcessQueueError) {
        defer { layout.locked { layout.state.pointee[keyPath: waiting] -= 1 } }
        if cancelled() { throw .cancelled }
        var slice: Duration = .milliseconds(50)
        if let deadline {
            let left = deadline - .now
            guard left > .zero else { throw .timedOut }
            slice = min(slice, left)
        }
        let (seconds, attoseconds) = slice.components
        _ = pk_futex_wait(signal, value, seconds * 1_000_000_000 + attoseconds / 1_000_000_000)
    }

    private func registerWriter() throws(ProcessQueueError) {
        try writerSlot.withLock { (slot: inout Int) throws(ProcessQueueError) in
            guard slot < 0 else { return }
            guard let free = layout.locked({ layout.claimWriterSlot() }) else { throw .tooManyWriters }
            slot = free
        }
    }
}
