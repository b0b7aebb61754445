import ParallelKit
import ParallelKitTabular

/// Tasks `parallelkit bench` runs in worker processes.
let benchWorkerTasks: [any WorkerTask.Type] = [
    NoOpTask.self, SquareMapTask.self, CountInRangeMapTask.self, CPUTask.self, SharedSumNaiveTask.self,
    SharedSumLocalTask.self, ArrayDigestTask.self, InputDigestTask.self, StarmapCountTask.self, FunctionToTestTask.self,
    CSVRowsTask.self,
]

/// csv-rows' row function on processes: whole chunks to each worker.
struct CSVRowsTask: CSVRowTask {
    static func transform(_ record: CSVRecord) throws -> [String] { try TabularBench.rowFunction(record) }
}

/// Returns its input: the cost of a round trip and nothing else.
struct NoOpTask: WorkerTask {
    static func run(_ input: Int) -> Int { input }
}

/// Seed 000's square, through a process pool.
struct SquareMapTask: WorkerTask {
    static func run(_ input: Int) -> Int { Squares.apply(input) }
}

/// Seed 004's count-in-range, through a process pool.
struct CountInRangeMapTask: WorkerTask {
    static func run(_ input: [Int]) -> Int { CountInRange.apply(input) }
}

/// About 1 ms of floating-point work (125,000 dependent square roots).
struct CPUTask: WorkerTask {
    static let rounds = 125_000
    static func run(_ input: Int) -> Double { sqrtRounds(rounds, seed: input) }
}

/// The range a `shared-sum` worker adds into the shared total.
struct SharedSumInput: Codable, Sendable {
    var total: SharedValue<Int>
    var from: Int
    var to: Int
    /// 0 at run time: XOR-ing it keeps the compiler from replacing the loop by n(n+1)/2.
    var salt: Int
}

/// Adds every number of its range to the shared total, one atomic add per number.
struct SharedSumNaiveTask: WorkerTask {
    static func run(_ input: SharedSumInput) -> Bool {
        for value in input.from...input.to { input.total.add(value ^ input.salt) }
        return true
    }
}

/// Sums its range locally, then adds the sum to the shared total once.
struct SharedSumLocalTask: WorkerTask {
    static func run(_ input: SharedSumInput) -> Bool {
        input.total.add(localSum(input.from, input.to, salt: input.salt))
        return true
    }
}

/// from + … + to, each XOR-ed with `salt`.
@inline(never)
func localSum(_ from: Int, _ to: Int, salt: Int) -> Int {
    var sum = 0
    for value in from...to { sum &+= value ^ salt }
    return sum
}

/// Count, first and last element of an array input: the least a task can do with it, so the
/// `large-array` rows time the hand-off.
struct ArrayDigestTask: WorkerTask {
    static func run(_ input: [Double]) -> [Double] { [Double(input.count), input.first ?? 0, input.last ?? 0] }
}

/// `ArrayDigestTask` for a zero-copy input.
struct InputDigestTask: WorkerTask {
    static func run(_ input: SharedInputArray<Double>) -> [Double] { [Double(input.count), input.first ?? 0, input.last ?? 0] }
}
