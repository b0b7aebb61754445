// The worker executable of ParallelKit's tests: serves the test tasks. Started with `parent`
// it instead becomes a parent that runs a pool of itself, prints its workers' pids, and waits
// to be killed (to test that workers die with their parent); with `hold-shared`, a program
// holding every shared-memory type.
@_spi(Testing) import ParallelKit
import ParallelKitTestTasks

import ParallelKitSystem

if let fake = getenv("PK_TEST_FAKE_BUILD_ID") {
    WorkerTasks.buildIDOverride.withLock { $0 = String(cString: fake) }
}
WorkerTasks.serveIfWorker(allTestTasks)

if CommandLine.arguments.dropFirst().first == "parent" {
    let pool = try await ProcessPool(workers: 2)
    print(pool.workerPIDs.map(String.init).joined(separator: " "))
    fflush(nil)
    while true { sleep(60) }
}
// `hold-shared [input bytes] [hold-lock]`: hold every shared-memory type, mapped by a worker
// too, and wait to be killed (the shared-memory lifetime tests and drill).
if CommandLine.arguments.dropFirst().first == "hold-shared" {
    let bytes = CommandLine.arguments.dropFirst(2).first.flatMap { Int($0) } ?? 1 << 20
    try await holdEverySharedType(inputBytes: bytes, holdLock: CommandLine.arguments.contains("hold-lock"))
}
print("parallelkit test worker: start me from a ProcessPool")
