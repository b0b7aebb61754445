import ParallelKit

/// Tasks `parallelkit bench` runs in worker processes.
let benchWorkerTasks: [any WorkerTask.Type] = [NoOpTask.self, SquareMapTask.self, CountInRangeMapTask.self, CPUTask.self]

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
