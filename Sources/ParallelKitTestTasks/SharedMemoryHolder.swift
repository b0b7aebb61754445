// A program that holds every shared-memory type, mapped by a pool worker too: what the
// shared-memory lifetime tests and Benchmarks/drill-shared-memory.sh kill with a signal.
@_spi(Backend) import ParallelKit
import Synchronization

import ParallelKitSystem

/// One object of every shared-memory type.
public struct SharedHoldings: Codable, Sendable {
    public var array: SharedArray<Int>
    public var value: SharedValue<Double>
    public var lock: ProcessLock
    public var queue: ProcessQueue<QueueItem>
    public var input: SharedInputArray<Double>

    /// What a holder of an `inputBytes`-byte input array has written: `array[0]` is 42, every
    /// input element is 1.
    public init(inputBytes: Int) throws {
        array = try SharedArray(repeating: 0, count: 1024)
        value = try SharedValue(0.0)
        lock = try ProcessLock()
        queue = try ProcessQueue(capacity: 4096)
        input = try SharedInputArray(count: inputBytes / MemoryLayout<Double>.stride, sharingAbove: 0) { buffer in
            buffer.initialize(repeating: 1)
        }
        array[0] = 42
    }
}

/// The holdings a worker keeps mapped until it dies.
private let heldByWorker = Mutex<[SharedHoldings]>([])

/// Attaches to every holding and keeps it mapped: writes its pid into `array[1]`, adds 1 to
/// `value`, puts one item and checks the input; returns its pid.
public struct HoldSharedTask: WorkerTask {
    public static func run(_ holdings: SharedHoldings) throws -> Int32 {
        holdings.array[1] = Int(getpid())
        holdings.value.add(1)
        try holdings.queue.put(QueueItem(producer: Int(getpid()), sequence: 0))
        let sum = holdings.input.withUnsafeBufferPointer { $0.reduce(0, +) }
        precondition(sum == Double(holdings.input.count), "HoldSharedTask: the input reads \(sum)")
        heldByWorker.withLock { $0.append(holdings) }
        return getpid()
    }
}

/// Creates ``SharedHoldings`` with an `inputBytes`-byte input array, has a pool worker map them
/// all, then prints `ready <pid> <worker pid> <the holdings, wire-encoded, in hex>` and waits to
/// be killed. With `holdLock`, it holds the lock while it waits.
public func holdEverySharedType(inputBytes: Int, holdLock: Bool) async throws -> Never {
    let holdings = try SharedHoldings(inputBytes: inputBytes)
    let pool = try await ProcessPool(workers: 1)
    let worker = try await pool.apply(HoldSharedTask.self, holdings)
    if holdLock { holdings.lock.lock() }
    let hex = try WireCoder.encode(holdings).map { byte in
        let digits = String(byte, radix: 16)
        return digits.count == 1 ? "0" + digits : digits
    }.joined()
    print("ready \(getpid()) \(worker) \(hex)")
    fflush(nil)
    while true { sleep(60) }
}
