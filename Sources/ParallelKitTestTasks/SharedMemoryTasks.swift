// Worker tasks that use shared memory, for ParallelKit's tests.
import ParallelKit

#if canImport(Glibc)
import Glibc
#endif

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
