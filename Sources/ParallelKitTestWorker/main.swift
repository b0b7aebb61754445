// The worker executable of ParallelKit's tests: serves the test tasks. Started with `parent`
// it instead becomes a parent that runs a pool of itself, prints its workers' pids, and waits
// to be killed (to test that workers die with their parent).
@_spi(Testing) import ParallelKit
import ParallelKitTestTasks

import ParallelKitSystem

if let fake = getenv("PK_TEST_FAKE_BUILD_ID") {
    WorkerTasks.buildIDOverride.withLock { $0 = String(cString: fake) }
}
WorkerTasks.serveIfWorker(allTestTasks)

let mode = CommandLine.arguments.dropFirst().first
let runs = CommandLine.arguments.dropFirst(2).first.flatMap { Int($0) } ?? 10
switch mode {
case "orphan-shell": exit(await orphanDrill(.shellBackground, runs: runs))
case "orphan-socket": exit(await orphanDrill(.holdingSocket, runs: runs))
case "crash-initializer": exit(await crashInitializerDrill(runs: runs))
default: break
}
if mode == "parent" {
    // `parent own-group`: in a process group of its own first, so that a test can signal the
    // group without signalling itself.
    if CommandLine.arguments.dropFirst(2).first == "own-group" { setpgid(0, 0) }
    let pool = try await ProcessPool(workers: 2)
    print(pool.workerPIDs.map(String.init).joined(separator: " "))
    fflush(nil)
    while true { sleep(60) }
}
print("parallelkit test worker: start me from a ProcessPool")
