import ParallelKit
import ParallelKitSystem
import Synchronization

/// Benchmarks of shared memory across processes.
enum SharedMemoryBench {
    static let sharedSum = "shared-sum"
    static let sharedSumSummary = "sum of 1…20,000,000 into one SharedValue by 2 processes: per-element adds vs one add each"
    static let largeArray = "large-array"
    static let largeArraySummary = "a 200 MB [Double] handed to a pool task: through the pipe vs SharedInputArray (time, parent's added peak RSS)"
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
                do { _ = try await pool.map(task, inputs(total), chunking: .fixed(1)) } catch { throw .poolFailed("\(error)") }
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

    static func largeArrayCases(quick: Bool, workers: Workers) -> [BenchCase] {
        let count = quick ? 2_500_000 : 25_000_000
        let peaks = Mutex<[String: [Double]]>([:])
        func row<Input: Sendable>(
            _ variant: String, prepare: @escaping @Sendable () throws -> Input,
            handOff: @escaping @Sendable (ProcessPool, Input) async throws -> [Double]
        ) -> BenchCase {
            BenchCase(
                workload: largeArray, variant: variant, workers: 1, baseline: "pipe",
                extras: { [("added_peak_rss_bytes", median(peaks.withLock { $0[variant] ?? [] }))] }
            ) { () async throws(BenchError) -> Double in
                let pool = try await ProcessPoolBench.pool(workers: workers)
                let digest: [Double]
                let elapsed: Double
                do {
                    let input = try prepare()
                    let before = ResidentMemory.resetPeak()
                    let start = ContinuousClock.now
                    digest = try await handOff(pool, input)
                    elapsed = seconds(ContinuousClock.now - start)
                    peaks.withLock { $0[variant, default: []].append(ResidentMemory.peak - before) }
                } catch {
                    throw .poolFailed("\(error)")
                }
                guard digest == [Double(count), 0, Double(count - 1)] else { throw .wrongResult(variant: variant) }
                return elapsed
            }
        }
        return [
            row("pipe", prepare: { (0..<count).map(Double.init) }) { pool, values in
                try await pool.apply(ArrayDigestTask.self, values)
            },
            row("zero-copy", prepare: {
                try SharedInputArray<Double>(count: count) { buffer in
                    for index in buffer.indices { buffer[index] = Double(index) }
                }
            }) { pool, values in
                try await pool.apply(InputDigestTask.self, values)
            },
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
