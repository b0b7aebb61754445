import ParallelKit
import ParallelKitSystem

/// Seed 003's joblib program: `function_to_test(i, j)` — a sleep, then `sqrt(i²) + sqrt(j²)` —
/// over 30 × 10 pairs with `jobs: .all` (the seed's `n_jobs=cpu_count()`), through `Parallel`.
/// The rows with joblib beside them are `Benchmarks/compare-joblib.sh`.
enum JoblibBench {
    static let workload = "joblib-30x10"
    static let summary = "seed 003: function_to_test(i, j) over 30 x 10 pairs, 10 ms sleep each, through Parallel"

    static func cases(quick: Bool, workers: Workers) -> [BenchCase] {
        let sleep = quick ? 1 : 10
        let pairs = (0..<30).flatMap { i in (0..<10).map { j in FunctionToTestTask.Input(i: i, j: j, milliseconds: sleep) } }
        let expected = pairs.map { Double($0.i) + Double($0.j) }
        // The seed's n_jobs=cpu_count(): the usable cores, whatever --workers says.
        let jobs = Workers.all
        return [
            row("serial", workers: 1, pairs.count, expected) { () async throws(BackendError) in
                try await Parallel(backend: .serial).map(FunctionToTestTask.self, pairs)
            },
            // A pool made for the call, as joblib's multiprocessing backend makes one per call.
            row("parallel-processes", workers: jobs.count, pairs.count, expected) { () async throws(BackendError) in
                try await Parallel(jobs: jobs, backend: .processes).map(FunctionToTestTask.self, pairs)
            },
            row("parallel-threadpool", workers: jobs.count, pairs.count, expected) { () async throws(BackendError) in
                try await Parallel(jobs: jobs, backend: .threadPool).map(pairs) { FunctionToTestTask.run($0) }
            },
        ]
    }

    private static func row(
        _ variant: String, workers: Int, _ items: Int, _ expected: [Double],
        _ body: @escaping @Sendable () async throws(BackendError) -> [Double]
    ) -> BenchCase {
        BenchCase(workload: workload, variant: variant, workers: workers, items: items) { () async throws(BenchError) in
            let outputs: [Double]
            do { outputs = try await body() } catch { throw .poolFailed("\(error)") }
            guard outputs == expected else { throw .wrongResult(variant: variant) }
        }
    }
}

/// Seed 003's `function_to_test(i, j)`: sleeps `milliseconds` (the seed's simulated
/// computation), then returns `sqrt(i²) + sqrt(j²)`.
struct FunctionToTestTask: WorkerTask {
    struct Input: Codable, Sendable {
        var i: Int
        var j: Int
        var milliseconds: Int
    }

    static func run(_ input: Input) -> Double {
        usleep(UInt32(input.milliseconds) * 1000)
        return Double(input.i * input.i).squareRoot() + Double(input.j * input.j).squareRoot()
    }
}
