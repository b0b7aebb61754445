import CParallelKit
import ParallelKitSystem

/// A mutex shared between processes that survives its holder's death: Python's
/// `multiprocessing.Lock`, without the lock left held by a killed process.
///
/// It is a robust, process-shared pthread mutex in shared memory. If a process dies holding
/// it, the next ``lock()`` returns ``Acquisition/previousOwnerDied`` (and holds the lock, made
/// consistent again) — the data it guards may be half-updated, so check it. Hand it to a worker
/// as a field of a `WorkerTask` input: it is `Codable`, and decoding attaches to the same lock.
///
/// ```swift
/// let lock = try ProcessLock()
/// lock.withLock { appendLine(to: logFile) }          // in the parent and in workers alike
/// if lock.lock() == .previousOwnerDied { repairLog() }
/// lock.unlock()
/// ```
///
/// - Note: Not reentrant. Uncontended lock + unlock costs tens of nanoseconds (no system call).
public final class ProcessLock: Codable, Sendable {
    /// How ``lock()`` got the lock.
    public enum Acquisition: Sendable, Equatable {
        case acquired
        /// The previous holder died holding it; the lock is consistent again and now yours.
        case previousOwnerDied
    }

    static let kind = "ProcessLock"
    let segment: SharedSegment
    let mutex: RobustMutex

    /// Creates a lock in a new shared segment.
    public init() throws(SharedMemoryError) {
        segment = try .create(kind: Self.kind, count: 1, payloadBytes: MemoryLayout<pthread_mutex_t>.stride)
        mutex = RobustMutex(at: segment.payload, initialize: true)
    }

    /// Waits for the lock.
    @discardableResult
    public func lock() -> Acquisition { mutex.lock() }

    public func unlock() { mutex.unlock() }

    /// Runs `body` holding the lock.
    public func withLock<Result, Failure: Error>(_ body: () throws(Failure) -> Result) throws(Failure) -> Result {
        mutex.lock()
        defer { mutex.unlock() }
        return try body()
    }

    public func encode(to encoder: any Encoder) throws { try segment.encodeHandle(to: encoder) }

    public init(from decoder: any Decoder) throws {
        segment = try .attach(from: decoder, kind: Self.kind) { _ in MemoryLayout<pthread_mutex_t>.stride }
        mutex = RobustMutex(at: segment.payload, initialize: false)
    }
}

/// A robust, process-shared pthread mutex at an address in shared memory.
struct RobustMutex: @unchecked Sendable {
    // @unchecked: the pointee is a process-shared pthread mutex, safe to use from any thread.
    let pointer: UnsafeMutablePointer<pthread_mutex_t>

    init(at address: UnsafeMutableRawPointer, initialize: Bool) {
        pointer = address.assumingMemoryBound(to: pthread_mutex_t.self)
        if initialize {
            let status = pk_robust_mutex_init(pointer)
            precondition(status == 0, "ProcessLock: pthread_mutex_init failed with \(status)")
        }
    }

    @discardableResult
    func lock() -> ProcessLock.Acquisition {
        switch pk_robust_mutex_lock(pointer) {
        case 0: return .acquired
        case 1: return .previousOwnerDied
        default: preconditionFailure("ProcessLock: pthread_mutex_lock failed (a lock of another kind?)")
        }
    }

    func unlock() { pthread_mutex_unlock(pointer) }
}
