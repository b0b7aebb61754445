import ParallelKit
import ParallelKitSystem

/// What `Parallel` costs over calling its backend directly: three workloads, each run both ways
/// on the same input (and the same pool) in the same run.
enum FrontDoorBench {
    static let workload = "frontdoor-overhead"
    static let summary =
        "the same work through Parallel and through its backend directly: cheap-map on threads, "
        + "count-in-range on processes, sleep-16 on a thread pool"

    static func cases(quick: Bool, workers: Workers) -> [BenchCase] {
        cheapMapCases(quick: quick, workers: workers) + countInRangeCases(quick: quick, workers: workers)
            + sleepCases(quick: quick)
    }

    /// `x*x+1` over 10,000,000 Ints: `ThreadsBackend.map` vs `Parallel(backend: .threads).map`.
    private static func cheapMapCases(quick: Bool, workers: Workers) -> [BenchCase] {
        let input = CheapMap.makeInput(quick: quick)
        let expected = input.map { CheapMap.apply($0) }
        let backend = ThreadsBackend(workers: workers)
        let front = Parallel(jobs: workers, backend: .threads)
        return [
            row("cheap-map/direct", workers: workers.count, items: input.count, expected) { () async throws(BackendError) in
                try await backend.map(input, progress: nil) { CheapMap.apply($0) }
            },
            row("cheap-map/parallel", workers: workers.count, items: input.count, expected) { () async throws(BackendError) in
                try await front.map(input) { CheapMap.apply($0) }
            },
            row("cheap-map/parallelMap", workers: workers.count, items: input.count, expected) { () async throws(BackendError) in
                input.parallelMap(workers: workers) { CheapMap.apply($0) }
            },
        ]
    }

    /// Seed 004's rows through one process pool: `pool.map` vs `Parallel(backend: .processes(pool)).map`.
    private static func countInRangeCases(quick: Bool, workers: Workers) -> [BenchCase] {
        let input = CountInRange.makeInput(quick: quick)
        let expected = input.map { CountInRange.apply($0) }
        return [
            row("count-in-range/direct", workers: workers.count, items: input.count, expected) {
                () async throws(BackendError) in
                try await pool(workers).map(CountInRangeMapTask.self, input)
            },
            row("count-in-range/parallel", workers: workers.count, items: input.count, expected) {
                () async throws(BackendError) in
                try await Parallel(backend: .processes(try await pool(workers))).map(CountInRangeMapTask.self, input)
            },
        ]
    }

    /// Seed 003's 16 sleeps on a pool of 16 threads: the pool as a backend vs `Parallel(backend: .threadPool(pool))`.
    private static func sleepCases(quick: Bool) -> [BenchCase] {
        let micros = ThreadPoolBench.sleepTimes.map { UInt32($0 * (quick ? 10_000 : 1_000_000)) }
        let pool = ThreadPool(workers: 16)
        return [
            row("sleep-16/direct", workers: 16, items: micros.count, micros) { () async throws(BackendError) in
                try await pool.map(micros, progress: nil) { usleep($0); return $0 }
            },
            row("sleep-16/parallel", workers: 16, items: micros.count, micros) { () async throws(BackendError) in
                try await Parallel(backend: .threadPool(pool)).map(micros) { usleep($0); return $0 }
            },
        ]
    }

    /// The bench's shared pool, its error as a backend error.
    private static func pool(_ workers: Workers) async throws(BackendError) -> ProcessPool {
        do {
            return try await ProcessPoolBench.pool(workers: workers)
        } catch {
            throw BackendError(.spawnFailed, detail: "\(error)")
        }
    }

    /// A row named `variant`, measured against the `…/direct` row of its workload.
    private static func row<Output: Equatable & Sendable>(
        _ variant: String, workers: Int, items: Int, _ expected: [Output],
        _ body: @escaping @Sendable () async throws(BackendError) -> [Output]
    ) -> BenchCase {
        let direct = variant.split(separator: "/")[0] + "/direct"
        return BenchCase(workload: workload, variant: variant, workers: workers, items: items, baseline: String(direct)) {
            () async throws(BenchError) in
            let outputs: [Output]
            do { outputs = try await body() } catch { throw .poolFailed("\(error)") }
            guard outputs == expected else { throw .wrongResult(variant: variant) }
        }
    }
}
