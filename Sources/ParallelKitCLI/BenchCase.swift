/// One row of `parallelkit bench`: a workload run one way, timed as a whole.
struct BenchCase: Sendable {
    let workload: String
    let variant: String
    let workers: Int
    /// Elements processed by one timed run.
    let items: Int
    /// The variant whose median time the speedup is measured against.
    let baseline: String
    /// Whether `seconds` is the time of one operation (latency rows) rather than of the workload.
    let isLatency: Bool
    /// Extra numeric columns for the JSON row, read after the last repetition.
    let extras: (@Sendable () -> [(key: String, value: Double)])?
    /// Runs the workload once and returns its own measure of the row's unit in seconds, or
    /// `nil` to be timed as a whole; throws when its result differs from the serial one.
    let run: @Sendable () async throws(BenchError) -> Double?

    /// A row timed as a whole.
    init(
        workload: String, variant: String, workers: Int, items: Int, baseline: String = "serial",
        extras: (@Sendable () -> [(key: String, value: Double)])? = nil,
        run: @escaping @Sendable () async throws(BenchError) -> Void
    ) {
        self.extras = extras
        self.workload = workload
        self.variant = variant
        self.workers = workers
        self.items = items
        self.baseline = baseline
        self.isLatency = false
        self.run = { () async throws(BenchError) -> Double? in
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
        self.extras = extras
        self.workload = workload
        self.variant = variant
        self.workers = workers
        self.items = 1
        self.baseline = baseline
        self.isLatency = true
        self.run = { () async throws(BenchError) -> Double? in try await measure() }
    }
}

/// Why a benchmark could not produce trustworthy figures.
enum BenchError: Error, CustomStringConvertible {
    case wrongResult(variant: String)
    case probeFailed(String)
    case poolFailed(String)

    var description: String {
        switch self {
        case .wrongResult(let variant): return "variant \(variant) produced a result different from the serial one"
        case .probeFailed(let why): return "memory probe failed: \(why)"
        case .poolFailed(let why): return "thread pool benchmark failed: \(why)"
        }
    }
}
