// `mpi-dispatch`, `mpi-roundtrip`, `mpi-cpu-task` and `mpi-idle-cpu` for Benchmarks/compare-mpi.sh,
// as JSON lines in the shape of `parallelkit bench --json`. Run under mpirun; rank 0 measures.
#if MPI
import Glibc
import ParallelKit
import ParallelKitMPI

struct BenchSquare: WorkerTask {
    static func run(_ input: Int) -> Int { input &* input }
}

/// About 1 ms of floating-point work, as `parallelkit bench`'s cpu-task (125,000 dependent square roots).
struct BenchCPUTask: WorkerTask {
    static func run(_ input: Int) -> Double { sqrtRounds(125_000, seed: input) }
}

@inline(never)
func sqrtRounds(_ rounds: Int, seed: Int) -> Double {
    var value = Double(seed)
    for round in 0..<rounds { value = (value + Double(round)).squareRoot() + 1 }
    return value
}

func seconds(_ body: () async throws -> Void) async rethrows -> Double {
    let start = ContinuousClock.now
    try await body()
    let elapsed = ContinuousClock.now - start
    return Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
}

func row(_ workload: String, _ variant: String, workers: Int, items: Int, seconds: Double, _ extra: String = "") {
    print(#"{"workload":"\#(workload)","variant":"\#(variant)","workers":\#(workers),"items":\#(items),"seconds":\#(seconds)\#(extra)}"#)
}

/// User plus system CPU seconds of process `pid` so far (from /proc; the ranks share this host).
func cpuSeconds(_ pid: Int32) -> Double {
    guard let file = fopen("/proc/\(pid)/stat", "r") else { return 0 }
    defer { fclose(file) }
    var buffer = [CChar](repeating: 0, count: 1024)
    guard fgets(&buffer, Int32(buffer.count), file) != nil else { return 0 }
    let text = String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    // Fields after the command's closing parenthesis: state is the 3rd field, utime the 14th.
    guard let close = text.lastIndex(of: ")") else { return 0 }
    let fields = text[text.index(after: close)...].split(separator: " ")
    guard fields.count > 12, let user = Double(fields[11]), let system = Double(fields[12]) else { return 0 }
    return (user + system) / Double(sysconf(Int32(_SC_CLK_TCK)))
}

func bench(_ what: String) async throws {
    let pool = try await MPIPool()
    let workers = pool.workerCount
    _ = try await pool.map(BenchSquare.self, Array(0..<1_000))  // start-up and warm-up
    switch what {
    case "dispatch":
        let only = CommandLine.arguments.dropFirst(2).first
        let pids = [getpid()] + (await pool.workers).sorted { $0.key < $1.key }.map(\.value.pid)
        for (variant, count, chunking) in [("unbatched", 100_000, Chunking.fixed(1)), ("batched", 2_000_000, .fixed(1_000))]
        where only == nil || only == variant {
            // `dispatch unbatched N`: another count, for profiles that must outweigh the start-up.
            let inputs = Array(0..<(CommandLine.arguments.dropFirst(3).first.flatMap { Int($0) } ?? count))
            var outputs: [Int] = []
            let before = pids.map(cpuSeconds)
            let time = try await seconds { outputs = try await pool.map(BenchSquare.self, inputs, chunking: chunking) }
            let used = zip(pids.map(cpuSeconds), before).map { (($0 - $1) * 1000).rounded() / 1000 }
            guard outputs == inputs.map(BenchSquare.run) else { fatalError("mpi-dispatch: wrong result") }
            row("mpi-dispatch", "mpipool-\(variant)", workers: workers, items: inputs.count, seconds: time,
                #","tasks_per_second":\#(Int(Double(inputs.count) / time)),"cpu_seconds_by_rank":\#(used)"#)
        }
        if only != nil { return }
        let calls = 5_000
        let time = try await seconds { for i in 0..<calls { _ = try await pool.apply(BenchSquare.self, i) } }
        row("mpi-roundtrip", "mpipool-apply", workers: workers, items: calls, seconds: time / Double(calls))
    case "cpu-task":
        let inputs = Array(0..<2_000)
        var serial: [Double] = []
        let serialTime = await seconds { serial = inputs.map(BenchCPUTask.run) }
        row("mpi-cpu-task", "serial", workers: 1, items: inputs.count, seconds: serialTime)
        var outputs: [Double] = []
        // What each rank spends while the workers compute: on 2 cores, rank 0's share is theirs.
        let pids = [getpid()] + (await pool.workers).sorted { $0.key < $1.key }.map(\.value.pid)
        let before = pids.map(cpuSeconds)
        let time = try await seconds { outputs = try await pool.map(BenchCPUTask.self, inputs) }
        let used = zip(pids.map(cpuSeconds), before).map { (($0 - $1) * 100).rounded() / 100 }
        guard outputs == serial else { fatalError("mpi-cpu-task: wrong result") }
        row("mpi-cpu-task", "mpipool", workers: workers, items: inputs.count, seconds: time,
            #","speedup":\#((serialTime / time * 100).rounded() / 100),"cpu_seconds_by_rank":\#(used)"#)
    default:  // idle-cpu: the worker ranks wait for work for 3 s
        let pids = await pool.workers.values.map(\.pid)
        let before = pids.map(cpuSeconds)
        let time = await seconds { try? await Task.sleep(for: .seconds(3)) }
        let used = zip(pids.map(cpuSeconds), before).map { $0 - $1 }
        let percent = used.map { $0 / time * 100 }.max() ?? 0
        row("mpi-idle-cpu", "mpipool", workers: workers, items: pids.count, seconds: time,
            #","max_core_percent_per_idle_rank":\#((percent * 10).rounded() / 10)"#)
    }
}

WorkerTasks.serveIfWorker()
let what = CommandLine.arguments.dropFirst().first ?? "dispatch"
do {
    try await bench(what)
} catch {
    print("mpi bench failed: \(error)")
    exit(1)
}
#else
import Glibc

print("ParallelKitMPIBench: built without the MPI trait (swift build --traits MPI)")
exit(2)
#endif
