// Worker tasks used by ParallelKit's own tests, registered by the test worker executable.
import ParallelKit
import Synchronization

import ParallelKitSystem

/// n → n².
public struct SquareTask: WorkerTask {
    public static func run(_ input: Int) -> Int { input &* input }
}

/// Seed 004's `howmany_within_range`, as a struct input (Python's starmap).
public struct CountInRangeTask: WorkerTask {
    public struct Input: Codable, Sendable {
        public var row: [Int]
        public var minimum: Int
        public var maximum: Int
        public init(row: [Int], minimum: Int = 4, maximum: Int = 8) {
            self.row = row
            self.minimum = minimum
            self.maximum = maximum
        }
    }
    public static func run(_ input: Input) -> Int {
        input.row.reduce(0) { $0 + ((input.minimum...input.maximum).contains($1) ? 1 : 0) }
    }
}

/// An error thrown on purpose, to check it arrives with its type.
public struct OddInputError: Error, CustomStringConvertible {
    public let value: Int
    public var description: String { "odd input \(value)" }
}

/// Throws ``OddInputError`` for odd inputs.
public struct EvenOnlyTask: WorkerTask {
    public static func run(_ input: Int) throws -> Int {
        if input % 2 != 0 { throw OddInputError(value: input) }
        return input / 2
    }
}

/// How ``CrashTask`` ends its worker.
public enum CrashMode: String, Codable, Sendable {
    case fatalError, exitCode, sigkill
}

/// Returns its value, or crashes its worker in the requested way.
public struct CrashTask: WorkerTask {
    public enum Input: Codable, Sendable {
        case value(Int)
        case crash(CrashMode)
    }
    public static func run(_ input: Input) -> Int {
        switch input {
        case .value(let value): return value
        case .crash(.fatalError): fatalError("CrashTask asked to crash")
        case .crash(.exitCode): exit(7)
        case .crash(.sigkill):
            kill(getpid(), SIGKILL)
            return -1
        }
    }
}

/// Sleeps this many milliseconds, then returns them.
public struct SleepTask: WorkerTask {
    public static func run(_ input: Int) -> Int {
        usleep(UInt32(input) * 1000)
        return input
    }
}

/// Sleeps this many milliseconds; returns when it started and ended (monotonic nanoseconds,
/// the same clock in every process).
public struct IntervalTask: WorkerTask {
    public static func run(_ input: Int) -> [UInt64] {
        let start = now()
        usleep(UInt32(input) * 1000)
        return [start, now()]
    }

    private static func now() -> UInt64 {
        var time = timespec()
        clock_gettime(CLOCK_MONOTONIC, &time)
        return UInt64(time.tv_sec) * 1_000_000_000 + UInt64(time.tv_nsec)
    }
}

/// Returns the worker's process ID.
public struct PIDTask: WorkerTask {
    public static func run(_ input: Int) -> Int32 { getpid() }
}

/// Writes bytes that are not a frame to the parent's socket, then waits to be killed.
public struct CorruptReplyTask: WorkerTask {
    public static func run(_ input: Int) -> Int {
        var garbage: [UInt8] = [5, 0, 0, 0, 99, 1, 2, 3, 4]
        _ = write(3, &garbage, garbage.count)
        sleep(30)
        return 0
    }
}

/// What the initializer stored in this worker.
let initializedWith = Mutex<String?>(nil)

/// An initializer: stores its input, or throws when it is "fail".
public struct InitializeTask: WorkerTask {
    public struct InitializerFailed: Error {}
    public static func run(_ input: String) throws -> Bool {
        if input == "fail" { throw InitializerFailed() }
        initializedWith.withLock { $0 = input }
        return true
    }
}

/// Returns what the initializer stored, or "" if none ran.
public struct ReadInitializedTask: WorkerTask {
    public static func run(_ input: Int) -> String { initializedWith.withLock { $0 } ?? "" }
}

/// Returns about `bytes` of text as 1 KiB strings (a large result that is not an array of plain
/// values), counting its runs in `runs`, so that a test sees whether a batch was retried.
public struct LargeResultTask: WorkerTask {
    public struct Input: Codable, Sendable {
        public var bytes: Int
        public var runs: SharedValue<Int>?
        public init(bytes: Int, runs: SharedValue<Int>? = nil) {
            self.bytes = bytes
            self.runs = runs
        }
    }
    public static func run(_ input: Input) -> [String] {
        input.runs?.add(1)
        // One string shared here; the parent decodes each into a string of its own.
        return Array(repeating: String(repeating: "x", count: 1023) + "\n", count: input.bytes / 1024)
    }
}

/// Answers with a frame whose length prefix claims 4 GiB − 1 bytes (and nothing after it), counting
/// its runs in `runs`; then waits to be killed.
public struct HugeHeaderTask: WorkerTask {
    public static func run(_ runs: SharedValue<Int>) -> Int {
        runs.add(1)
        var header: [UInt8] = [0xff, 0xff, 0xff, 0xff, 5]
        _ = write(3, &header, header.count)
        sleep(30)
        return 0
    }
}

/// Every task of the test worker.
public let allTestTasks: [any WorkerTask.Type] = [
    SquareTask.self, CountInRangeTask.self, EvenOnlyTask.self, CrashTask.self, SleepTask.self, IntervalTask.self, PIDTask.self,
    CorruptReplyTask.self, InitializeTask.self, ReadInitializedTask.self, AddRangeTask.self, IncrementTask.self,
    DieHoldingLockTask.self, FillSharedArrayTask.self, ProduceTask.self, ConsumeTask.self, DieWhileWritingTask.self,
    SumInputTask.self, WriteInputTask.self, LargeResultTask.self, HugeHeaderTask.self, LeaveChildAndExitTask.self,
    FatalInitializerTask.self, ProcessGroupTask.self, HoldSharedTask.self, NestedPoolTask.self,
    WeighTask.self, DescribeTask.self, MappedSegmentsTask.self,
]
