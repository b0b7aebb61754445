import ParallelKit

// The recipe's tasks: internal, as a user's would be. The tests reach them through
// `@testable import ParallelKitRecipeTasks`; nothing here needs to be public. The worker
// executable, ParallelKitRecipeWorker, links this library and serves them.

/// How many Collatz steps take `start` down to 1: work with an answer the tests can compute.
struct CollatzSteps: WorkerTask {
    static func run(_ start: Int) -> Int {
        var value = start
        var steps = 0
        while value > 1 {
            value = value.isMultiple(of: 2) ? value / 2 : 3 * value + 1
            steps += 1
        }
        return steps
    }
}

/// Several arguments as one internal `Input` struct, made with its internal memberwise initializer.
struct Scale: WorkerTask {
    struct Input: Codable, Sendable, Equatable {
        var values: [Double]
        var factor: Double
    }

    static func run(_ input: Input) -> [Double] { input.values.map { $0 * input.factor } }
}
