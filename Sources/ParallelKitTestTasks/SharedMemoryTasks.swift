// Worker tasks that use shared memory, for ParallelKit's tests.
import ParallelKit

import ParallelKitSystem

/// Seed 002's `sumcalc`: adds every number of a range to a shared total, one by one.
public struct AddRangeTask: WorkerTask {
    public struct Input: Codable, Sendable {
        public var total: SharedValue<Double>
        public var from: Int
        public var to: Int
        public init(total: SharedValue<Double>, from: Int, to: Int) {
            self.total = total
            self.from = from
            self.to = to
        }
    }
    public static func run(_ input: Input) -> Bool {
        for value in input.from...input.to { input.total.add(Double(value)) }
        return true
    }
}

/// Adds 1 to a shared counter `times` times.
public struct IncrementTask: WorkerTask {
    public struct Input: Codable, Sendable {
        public var counter: SharedValue<Int>
        public var times: Int
        public init(counter: SharedValue<Int>, times: Int) {
            self.counter = counter
            self.times = times
        }
    }
    public static func run(_ input: Input) -> Int {
        for _ in 0..<input.times { input.counter.add(1) }
        return input.times
    }
}

/// Takes a shared lock and dies holding it.
public struct DieHoldingLockTask: WorkerTask {
    public static func run(_ lock: ProcessLock) -> Bool {
        lock.lock()
        kill(getpid(), SIGKILL)
        return false
    }
}

/// Writes `value` into every element of a shared array, in a worker.
public struct FillSharedArrayTask: WorkerTask {
    public struct Input: Codable, Sendable {
        public var array: SharedArray<Int>
        public var value: Int
        public init(array: SharedArray<Int>, value: Int) {
            self.array = array
            self.value = value
        }
    }
    public static func run(_ input: Input) -> Int {
        input.array.withUnsafeMutableBufferPointer { buffer in
            for index in buffer.indices { buffer[index] = input.value }
        }
        return input.array.count
    }
}

/// One value in the queue tests: which producer put it, and its place in that producer's order.
public struct QueueItem: Codable, Sendable, Hashable {
    public var producer: Int
    public var sequence: Int
    public init(producer: Int, sequence: Int) {
        self.producer = producer
        self.sequence = sequence
    }
}

/// Puts `count` items tagged with `producer` into a shared queue, in sequence order.
public struct ProduceTask: WorkerTask {
    public struct Input: Codable, Sendable {
        public var queue: ProcessQueue<QueueItem>
        public var producer: Int
        public var count: Int
        public init(queue: ProcessQueue<QueueItem>, producer: Int, count: Int) {
            self.queue = queue
            self.producer = producer
            self.count = count
        }
    }
    public static func run(_ input: Input) throws -> Int {
        for sequence in 0..<input.count { try input.queue.put(QueueItem(producer: input.producer, sequence: sequence)) }
        return input.count
    }
}

/// Takes items from a shared queue until every writer has gone, and returns them in order.
public struct ConsumeTask: WorkerTask {
    public static func run(_ queue: ProcessQueue<QueueItem>) throws -> [QueueItem] {
        var items: [QueueItem] = []
        while true {
            do throws(ProcessQueueError) {
                items.append(try queue.get())
            } catch {
                guard error == .writersGone else { throw error }
                return items
            }
        }
    }
}

/// Puts three items, then dies by SIGKILL while still a writer.
public struct DieWhileWritingTask: WorkerTask {
    public static func run(_ queue: ProcessQueue<QueueItem>) throws -> Bool {
        for sequence in 0..<3 { try queue.put(QueueItem(producer: 9, sequence: sequence)) }
        kill(getpid(), SIGKILL)
        return false
    }
}

/// What a worker saw of a `SharedInputArray`: its sum, count, and whether it was mapped.
public struct InputSummary: Codable, Sendable, Equatable {
    public var sum: Double
    public var count: Int
    public var isShared: Bool
    public init(sum: Double, count: Int, isShared: Bool) {
        self.sum = sum
        self.count = count
        self.isShared = isShared
    }
}

/// Sums a read-only input array.
public struct SumInputTask: WorkerTask {
    public static func run(_ input: SharedInputArray<Double>) -> InputSummary {
        InputSummary(sum: input.withUnsafeBufferPointer { $0.reduce(0, +) }, count: input.count, isShared: input.isShared)
    }
}

/// Writes into a read-only input through a raw pointer: the read-only mapping makes it crash.
public struct WriteInputTask: WorkerTask {
    public static func run(_ input: SharedInputArray<Double>) -> Bool {
        input.withUnsafeBufferPointer { UnsafeMutablePointer(mutating: $0.baseAddress!).pointee = -1 }
        return true
    }
}
