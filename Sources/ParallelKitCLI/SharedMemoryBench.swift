import ParallelKit

#if canImport(Glibc)
import Glibc
#endif

/// Benchmarks of shared memory across processes.
enum SharedMemoryBench {
    static let sharedSum = "shared-sum"
    static let sharedSumSummary = "sum of 1…20,000,000 into one SharedValue by 2 processes: per-element adds vs one add each"
    static let lock = "process-lock"
    static let lockSummary = "uncontended ProcessLock lock + unlock"

    static func sharedSumCases(quick: Bool, workers: Workers) -> [BenchCase] {
        let n = quick ? 200_000 : 20_000_000
        let salt = Int(getenv("PARALLELKIT_BENCH_SALT").map { atoi($0) } ?? 0)
        let expected = localSum(1, n, salt: salt)
        let parts = workers.count
        @Sendable func inputs(_ total: SharedValue<Int>) -> [SharedSumInput] {
            (0..<parts).map { part in
                SharedSumInput(total: total, from: 1 + n * part / parts, to: n * (part + 1) / parts, salt: salt)
            }
        }
        func pooled<Task: WorkerTask>(_ task: Task.Type, _ variant: String) -> BenchCase where Task.Input == SharedSumInput {
            BenchCase(workload: sharedSum, variant: variant, workers: parts, items: n) { () async throws(BenchError) in
                let pool = try await ProcessPoolBench.pool(workers: workers)
                let total: SharedValue<Int>
                do { total = try SharedValue(0) } catch { throw .poolFailed("\(error)") }
                do { _ = try await pool.map(task, inputs(total), chunkSize: 1) } catch { throw .poolFailed("\(error)") }
                guard total.load() == expected else { throw .wrongResult(variant: variant) }
            }
        }
        return [
            BenchCase(workload: sharedSum, variant: "serial", workers: 1, items: n) { () async throws(BenchError) in
                guard localSum(1, n, salt: salt) == expected else { throw .wrongResult(variant: "serial") }
            },
            pooled(SharedSumNaiveTask.self, "process-atomic-per-element"),
            pooled(SharedSumLocalTask.self, "process-local-then-add"),
        ]
    }

    static func lockCases(quick: Bool) -> [BenchCase] {
        let rounds = quick ? 10_000 : 1_000_000
        return [
            BenchCase(workload: lock, variant: "uncontended", workers: 1, baseline: "uncontended") {
                () async throws(BenchError) -> Double in
                let lock: ProcessLock
                do { lock = try ProcessLock() } catch { throw .poolFailed("\(error)") }
                let start = ContinuousClock.now
                for _ in 0..<rounds {
                    lock.lock()
                    lock.unlock()
                }
                return seconds(ContinuousClock.now - start) / Double(rounds)
            }
        ]
    }
}
