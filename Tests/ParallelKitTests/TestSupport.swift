import Foundation
import ParallelKitTestSupport
import ParallelKitTestTasks
import Synchronization
import Testing

@_spi(Backend) @testable import ParallelKit

/// Input sizes every operation is checked at: empty, tiny, primes, and a million.
let checkedSizes = [0, 1, 2, 3, 7, 13, 97, 1009, 65_537, 1_000_000]

/// Every chunking the engine supports, including degenerate bounds.
let checkedChunkings: [Chunking] = [
    .adaptive, .fixed(1), .fixed(7), .fixed(4096), .adaptive(minimum: 64), .adaptive(minimum: 1, maximum: 3),
]

/// Worker counts: the plain loop, the usual case, and more workers than cores.
let checkedWorkers: [Workers] = [1, 2, 4, .all]

/// An error whose type the tests check is kept through typed throws.
struct Boom: Error, Equatable {
    let index: Int
}

/// Counts calls made from many threads.
final class Counter: Sendable {
    private let value = Atomic<Int>(0)
    func increment() { value.add(1, ordering: .relaxed) }
    var count: Int { value.load(ordering: .relaxed) }
}

/// An object that counts how many of its kind are alive, to prove nothing leaks or double-frees.
final class Tracked: Sendable {
    static let alive = Atomic<Int>(0)
    let value: Int
    init(_ value: Int) {
        self.value = value
        Tracked.alive.add(1, ordering: .relaxed)
    }
    deinit { Tracked.alive.subtract(1, ordering: .relaxed) }
}

/// Busy work that the optimizer cannot remove, about `rounds` × 8 ns.
@inline(never)
func spin(_ rounds: Int, _ seed: Int) -> Double {
    var s = Double(seed)
    for i in 0..<rounds { s = (s + Double(i)).squareRoot() + 1 }
    return s
}

/// The test worker executable, built next to the test bundle, with its build read from its file
/// (``WorkerExecutable/product(_:)``, the recipe of Guides/ProcessPool.md), read once.
let testWorker: WorkerExecutable = {
    do {
        return try .product("ParallelKitTestWorker")
    } catch {
        fatalError("the test worker: \(error)")
    }
}()

/// The build of the test worker executable (`testWorkerPath()`): what every test that starts
/// that executable accepts (a pool accepts only its own build by default).
func testWorkerBuild() -> AcceptedBuild { testWorker.accepting }

/// The test worker executable's path.
func testWorkerPath() -> String { testWorker.path }

/// A pool of test workers.
func testPool(
    workers: Workers = 2, initializer: WorkerInitializer? = nil, maxTasksPerWorker: Int? = nil,
    taskTimeout: Duration? = nil, retries: Int = 0, accepting: AcceptedBuild = testWorkerBuild()
) async throws(BackendError) -> ProcessPool {
    WorkerTasks.register(allTestTasks)
    return try await ProcessPool(
        workers: workers, executable: testWorkerPath(), initializer: initializer, maxTasksPerWorker: maxTasksPerWorker,
        taskTimeout: taskTimeout, retries: retries, accepting: accepting)
}

/// The suites of `ProcessPool` and `WorkerProcess`, one file per source they test, run one at a
/// time as when they were one suite: `initializers` counts this process's children, and the
/// timing bounds of `cancellation` and `lifecycle` assume no other pool of these suites is busy.
@Suite("ProcessPool and WorkerProcess", .serialized)
enum ProcessPoolSuites {
    /// ProcessPool.swift: creation, initializers, recycling, supervision of crashed and killed
    /// workers, retries, close, join and terminate, and what a closed pool leaves behind.
    @Suite("ProcessPool") struct ProcessPoolTests {}

    /// ProcessPoolOperations.swift: apply, submit, map and submitMap, task errors, cancellation,
    /// the calling-thread fast paths, and withProcessPool.
    @Suite("ProcessPool operations") struct ProcessPoolOperationsTests {}

    /// Sharing.swift, MapTransport.swift and SharedBatch.swift: map's inputs and outputs through
    /// shared segments — the same results, errors and progress as copied, nothing left behind.
    @Suite("Sharing") struct SharingTests {}

    /// ProcessPoolStreams.swift: stream and streamUnordered.
    @Suite("ProcessPool streams") struct ProcessPoolStreamsTests {}

    /// WorkerConnection.swift, through a pool: deaths seen from pidfds, process groups, ignored
    /// signals, the handshake and its timeout, batch timeouts, undecodable replies, the
    /// descriptors a worker inherits, and workers dying with their parent.
    @Suite("WorkerConnection") struct WorkerConnectionTests {}

    /// WorkerProcess.swift: one task in one process.
    @Suite("WorkerProcess") struct WorkerProcessTests {}

    /// WorkerExecutable.swift: the recipe for worker processes in tests — the recipe's worker
    /// target found beside the test bundle, a pool and a process of it, a missing product.
    @Suite("WorkerExecutable") struct WorkerExecutableTests {}

    /// ParallelBackend.swift: `parallelMap(_:on:)` runs one `WorkerTask` on threads or on processes.
    @Suite("ParallelBackend") struct ParallelBackendTests {}

    /// Parallel/: the front door, `Parallel(jobs:backend:)`, over every backend.
    @Suite("Parallel") struct ParallelFrontDoorTests {}

    /// ParallelKitMPI: MPIPool and the "mpi" backend under `mpirun -np 4` (MPITests.swift), and
    /// `parallelkit run --mpi` (MPIRunMainTests.swift).
    @Suite("MPIPool") struct MPIPoolTests {}
    /// RemoteJobExecutor.swift and RunScheduler+Remote.swift: jobs handed over whole, as `--mpi`
    /// hands them to ranks, without MPI.
    @Suite("RemoteJobExecutor") struct RemoteJobExecutorTests {}
    /// ParallelKitTabular's row, column and partition operations with tasks on processes.
    @Suite("Tabular on processes") struct TabularProcessTests {}

    /// Examples/: every seed example run as a program, its answers checked (ExamplesTests.swift).
    @Suite("Examples") struct ExamplesTests {}

    /// `parallelkit bench --plot`: the sweep over worker counts drawn as SVG (SpeedupSweepTests.swift).
    @Suite("SpeedupSweep") struct SpeedupSweepTests {}

    /// Benchmarks/compare --quick with the peers quick to install (CompareTests.swift).
    @Suite("Benchmarks/compare") struct CompareTests {}
}

/// Starts the test worker executable as a program of its own with `arguments` (one of its
/// drills) and returns it with the first line it prints on standard output (`ready …`), read
/// off the cooperative pool; an empty line when it ended first.
func startTestWorkerProgram(_ arguments: [String]) async throws -> (process: Process, firstLine: String) {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: testWorkerPath())
    process.arguments = arguments
    let output = Pipe()
    process.standardOutput = output
    try process.run()
    let reader = output.fileHandleForReading
    let line = await offCooperativePool { () -> String in
        var line: [UInt8] = []
        while true {
            let byte = reader.readData(ofLength: 1)
            if byte.isEmpty || byte.first == UInt8(ascii: "\n") { return String(decoding: line, as: UTF8.self) }
            line.append(contentsOf: byte)
        }
    }
    return (process, line)
}
