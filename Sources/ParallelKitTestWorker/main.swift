// The worker executable of ParallelKit's tests: serves the test tasks. Started with `parent`
// it instead becomes a parent that runs a pool of itself, prints its workers' pids, and waits
// to be killed (to test that workers die with their parent); with `drill-large-result`,
// `orphan-shell`, `orphan-socket` or `crash-initializer` it runs a drill of Benchmarks/; with
// `hold-shared`, a program holding every shared-memory type; with `map-shared`, one in the middle
// of a shared map; with `progress-drill`, progress bars on standard error (ProgressDrill.swift).
//
// Two arguments make a worker pretend to be something else, for the handshake tests. They are
// arguments (`ProcessPool(arguments:)`), not environment variables, so that they reach only the
// workers of the pool under test: the environment is the test process's, shared by every pool
// the tests run at the same time.
//   --report-build ID   report build ID instead of this executable's
//   --impostor-square   register SquareTask's name with other types (Double → Double)
@_spi(Testing) import ParallelKit
import ParallelKitTestTasks

import ParallelKitSystem

/// `SquareTask`'s name with other types, as another build might register it.
struct ImpostorSquareTask: WorkerTask {
    static var name: String { SquareTask.name }
    static func run(_ input: Double) -> Double { input * input + 1 }
}

let arguments = Array(CommandLine.arguments.dropFirst())
if let flag = arguments.firstIndex(of: "--report-build"), flag + 1 < arguments.count {
    WorkerTasks.buildIDOverride.withLock { $0 = arguments[flag + 1] }
}
if arguments.contains("--impostor-square") {
    WorkerTasks.serveIfWorker(allTestTasks.filter { ObjectIdentifier($0) != ObjectIdentifier(SquareTask.self) } + [ImpostorSquareTask.self])
}
WorkerTasks.serveIfWorker(allTestTasks)

let mode = arguments.first
let runs = arguments.dropFirst().first.flatMap { Int($0) } ?? 10
switch mode {
case "orphan-shell": exit(await orphanDrill(.shellBackground, runs: runs))
case "orphan-socket": exit(await orphanDrill(.holdingSocket, runs: runs))
case "crash-initializer": exit(await crashInitializerDrill(runs: runs))
case "progress-drill":
    exit(try await ProgressDrill.run(Array(arguments.dropFirst())))
case "drill-large-result":
    try await LargeResultDrill.run(Array(arguments.dropFirst()))
    exit(0)
case "parent":
    // `parent own-group`: in a process group of its own first, so that a test can signal the
    // group without signalling itself.
    if arguments.dropFirst().first == "own-group" { setpgid(0, 0) }
    let pool = try await ProcessPool(workers: 2)
    print(pool.workerPIDs.map(String.init).joined(separator: " "))
    fflush(nil)
    while true { sleep(60) }
case "hold-shared":
    // `hold-shared [input bytes] [hold-lock]`: hold every shared-memory type, mapped by a worker
    // too, and wait to be killed (the shared-memory lifetime tests and drill).
    let bytes = arguments.dropFirst().first.flatMap { Int($0) } ?? 1 << 20
    try await holdEverySharedType(inputBytes: bytes, holdLock: arguments.contains("hold-lock"))
case "map-shared":
    // A program killed in the middle of a map whose inputs and outputs are shared.
    try await holdSharedMap()
default: break
}
print("parallelkit test worker: start me from a ProcessPool")
