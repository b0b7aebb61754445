import ParallelKit

/// Seed 002's `sumcalc(sumval, myrange)`: adds every number of `from...to` into the shared
/// total; returns how many it added.
struct AddRange: WorkerTask {
    struct Input: Codable, Sendable {
        var total: SharedValue<Double>
        var from: Int
        var to: Int
    }

    static func run(_ input: Input) -> Int {
        for value in input.from...input.to { input.total.add(Double(value)) }
        return input.to - input.from + 1
    }
}
