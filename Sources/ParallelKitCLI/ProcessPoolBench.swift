import ParallelKit
import ParallelKitSystem
import Synchronization

/// Benchmarks of `ProcessPool`: start-up, round trips, and seed workloads through worker processes.
enum ProcessPoolBench {
    static let startup = "pool-startup"
    static let startupSummary = "time until a ProcessPool of 2 workers is started and ready"
    static let roundtrip = "apply-roundtrip"
    static let roundtripSummary = "median time of ProcessPool.apply of a no-op"
    static let cpuTask = "cpu-task"
    static let cpuTaskSummary = "2000 tasks of ~1 ms each: serial, threads, worker processes"
    static let memory = "pool-memory"
    static let memorySummary = "parent resident memory after 1M and after 10M tasks streamed through a pool"

    private static let shared = Mutex<ProcessPool?>(nil)

    /// One pool for the whole bench run, started on first use.
    static func pool(workers: Workers) async throws(BenchError) -> ProcessPool {
        if let pool = shared.withLock({ $0 }) { return pool }
        do {
            let pool = try await ProcessPool(workers: workers)
            shared.withLock { $0 = pool }
            return pool
        } catch {
            throw .poolFailed("\(error)")
        }
    }

    static func startupCases(workers: Workers) -> [BenchCase] {
        [
            BenchCase(workload: startup, variant: "process-pool", workers: 2, baseline: "process-pool") {
                () async throws(BenchError) -> Double in
                let start = ContinuousClock.now
                let pool: ProcessPool
                do { pool = try await ProcessPool(workers: 2) } catch { throw .poolFailed("\(error)") }
                let elapsed = seconds(ContinuousClock.now - start)
                pool.terminate()
                return elapsed
            }
        ]
    }

    static func roundtripCases(quick: Bool, workers: Workers) -> [BenchCase] {
        let samples = quick ? 200 : 2000
        return [
            BenchCase(workload: roundtrip, variant: "process-pool", workers: workers.count, baseline: "process-pool") {
                () async throws(BenchError) -> Double in
                let pool = try await pool(workers: workers)
                return try await medianSeconds(samples: samples) { () async throws(BenchError) in
                    let answer: Int
                    do { answer = try await pool.apply(NoOpTask.self, 41) } catch { throw .poolFailed("\(error)") }
                    guard answer == 41 else { throw .wrongResult(variant: "process-pool") }
                }
            }
        ]
    }

    /// A `process-pool` row for a map workload, checked against the serial result.
    static func mapCase<Task: WorkerTask>(
        _ task: Task.Type, workload: String, input: [Task.Input], expected: [Task.Output], workers: Workers
    ) -> BenchCase where Task.Output: Equatable {
        BenchCase(workload: workload, variant: "process-pool", workers: workers.count, items: input.count) {
            () async throws(BenchError) in
            let pool = try await pool(workers: workers)
            let outputs: [Task.Output]
            do { outputs = try await pool.map(task, input) } catch { throw .poolFailed("\(error)") }
            guard outputs == expected else { throw .wrongResult(variant: "process-pool") }
        }
    }

    static func cpuTaskCases(quick: Bool, workers: Workers) -> [BenchCase] {
        let input = Array(0..<(quick ? 40 : 2000))
        let expected = input.map { CPUTask.run($0) }
        return [
            BenchCase(workload: cpuTask, variant: "serial", workers: 1, items: input.count) { () async throws(BenchError) in
                guard input.map({ CPUTask.run($0) }) == expected else { throw .wrongResult(variant: "serial") }
            },
            BenchCase(workload: cpuTask, variant: "parallelMap", workers: workers.count, items: input.count) {
                () async throws(BenchError) in
                guard input.parallelMap(workers: workers, { CPUTask.run($0) }) == expected else {
                    throw .wrongResult(variant: "parallelMap")
                }
            },
            mapCase(CPUTask.self, workload: cpuTask, input: input, expected: expected, workers: workers),
        ]
    }

    static func memoryCases(quick: Bool, workers: Workers) -> [BenchCase] {
        let (first, total) = quick ? (100_000, 1_000_000) : (1_000_000, 10_000_000)
        return [
            BenchCase(
                workload: memory, variant: "process-pool-imap", workers: workers.count, items: total, baseline: "process-pool-imap",
                extras: {
                    let marks = MemoryMarks.current
                    return [("rss_after_first_bytes", marks.first), ("rss_after_all_bytes", marks.last), ("rss_growth_bytes", marks.last - marks.first)]
                }
            ) {
                () async throws(BenchError) in
                let pool = try await pool(workers: workers)
                var consumed = 0
                var checksum = 0
                do {
                    for try await value in pool.stream(SquareMapTask.self, 0..<total, chunking: .fixed(10_000)) {
                        checksum &+= value
                        consumed += 1
                        if consumed == first { MemoryMarks.record(first: ResidentMemory.current) }
                    }
                } catch {
                    throw .poolFailed("\(error)")
                }
                MemoryMarks.record(last: ResidentMemory.current)
                guard consumed == total, checksum == (0..<total).reduce(0, { $0 &+ $1 &* $1 }) else {
                    throw .wrongResult(variant: "process-pool-imap")
                }
            }
        ]
    }
}

/// Resident memory readings of the latest `pool-memory` run.
enum MemoryMarks {
    private static let marks = Mutex<(first: Double, last: Double)>((0, 0))
    static func record(first: Double) { marks.withLock { $0.first = first } }
    static func record(last: Double) { marks.withLock { $0.last = last } }
    static var current: (first: Double, last: Double) { marks.withLock { $0 } }
}
