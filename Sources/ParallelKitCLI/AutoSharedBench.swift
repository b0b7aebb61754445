import ParallelKit
import ParallelKitSystem
import Synchronization

/// Issue 16.3's row: seed 000's squares (10M Ints in, 10M out) through `Parallel` on the process
/// pool (`Parallel(backend: .processes(pool), sharing:)`), its
/// inputs and outputs copied through the sockets (`sharing: .never`) against crossing in shared
/// memory (`.automatic`, the default), in the same run. The JSON rows also carry the minor page
/// faults of the parent and of the workers during the row's last run.
enum AutoSharedBench {
    static let workload = "auto-shared"
    static let summary = "squares over 10,000,000 Ints through Parallel on a ProcessPool: sharing .never against .automatic"

    private static let faults = Mutex<[String: (parent: Int, workers: Int)]>([:])

    static func cases(quick: Bool, workers: Workers) -> [BenchCase] {
        let input = Squares.makeInput(quick: quick)
        let expected = input.map { Squares.apply($0) }
        return [("process-pool-never", Sharing.never), ("process-pool-automatic", .automatic)].map { variant, sharing in
            BenchCase(
                workload: workload, variant: variant, workers: workers.count, items: input.count, baseline: "process-pool-never",
                extras: {
                    let counted = faults.withLock { $0[variant] } ?? (parent: 0, workers: 0)
                    return [("parent_minor_faults", Double(counted.parent)), ("worker_minor_faults", Double(counted.workers))]
                }
            ) { () async throws(BenchError) in
                let pool = try await ProcessPoolBench.pool(workers: workers)
                let before = (parent: minorFaults(of: getpid()), workers: pool.workerPIDs.map(minorFaults(of:)).reduce(0, +))
                let outputs: [Int]
                do {
                    outputs = try await Parallel(backend: .processes(pool), sharing: sharing).map(SquareMapTask.self, input)
                } catch {
                    throw .poolFailed("\(error)")
                }
                let after = (parent: minorFaults(of: getpid()), workers: pool.workerPIDs.map(minorFaults(of:)).reduce(0, +))
                faults.withLock { $0[variant] = (after.parent - before.parent, after.workers - before.workers) }
                guard outputs == expected else { throw .wrongResult(variant: variant) }
            }
        }
    }

    /// Process `pid`'s minor page faults so far (`/proc/<pid>/stat`, field 10); 0 when unreadable.
    static func minorFaults(of pid: Int32) -> Int {
        guard let line = SmallFile.text("/proc/\(pid)/stat"), let end = line.lastIndex(of: ")") else { return 0 }
        let fields = line[line.index(after: end)...].split(separator: " ")
        return fields.count > 7 ? Int(fields[7]) ?? 0 : 0
    }
}
