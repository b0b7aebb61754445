/// One row of `parallelkit bench`: a workload run one way, timed as a whole.
struct BenchCase: Sendable {
    let label: BenchLabel
    /// The variant whose median time the speedup is measured against.
    let baseline: String
    /// Whether `seconds` is the time of one operation (latency rows) rather than of the workload.
    let isLatency: Bool
    /// Extra numeric columns for the JSON row, read after the last repetition.
    let extras: (@Sendable () -> [(key: String, value: Double)])?
    /// Runs the workload once and returns its own measure of the row's unit in seconds, or
    /// `nil` to be timed as a whole; throws when its result differs from the serial one.
    let run: @Sendable () async throws(BenchError) -> Double?
}

extension BenchCase {
    /// A row timed as a whole.
    init(
        workload: String, variant: String, workers: Int, items: Int, baseline: String = "serial",
        extras: (@Sendable () -> [(key: String, value: Double)])? = nil,
        run: @escaping @Sendable () async throws(BenchError) -> Void
    ) {
        self.init(
            label: BenchLabel(workload: workload, variant: variant, workers: workers, items: items),
            baseline: baseline, isLatency: false, extras: extras
        ) { () async throws(BenchError) -> Double? in
            try await run()
            return nil
        }
    }

    /// A latency row: `measure` returns the median seconds of one operation.
    init(
        workload: String, variant: String, workers: Int, baseline: String,
        extras: (@Sendable () -> [(key: String, value: Double)])? = nil,
        measure: @escaping @Sendable () async throws(BenchError) -> Double
    ) {
        self.init(
            label: BenchLabel(workload: workload, variant: variant, workers: workers, items: 1),
            baseline: baseline, isLatency: true, extras: extras
        ) { () async throws(BenchError) -> Double? in try await measure() }
    }
}

/// Why a benchmark could not produce trustworthy figures.
enum BenchError: Error, CustomStringConvertible {
    case wrongResult(variant: String)
    case probeFailed(String)
    case poolFailed(String)
    case runFailed(String)

    var description: String {
        switch self {
        case .wrongResult(let variant): return "variant \(variant) produced a result different from the serial one"
        case .probeFailed(let why): return "memory probe failed: \(why)"
        case .poolFailed(let why): return "thread pool benchmark failed: \(why)"
        case .runFailed(let why): return "command runner benchmark failed: \(why)"
        }
    }
}
