// The worker executable of ParallelKit's tests: serves the test tasks. Started with `parent`
// it instead becomes a parent that runs a pool of itself, prints its workers' pids, and waits
// to be killed (to test that workers die with their parent).
@_spi(Testing) import ParallelKit
import ParallelKitTestTasks

#if canImport(Glibc)
import Glibc
#endif

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
if CommandLine.arguments.dropFirst().first == "debug-map" {
    let pool = try await ProcessPool(workers: 2)
    for size in [0, 1, 2, 97, 20_000] {
        print("size", size); fflush(nil)
        let result = try await pool.map(SquareTask.self, Array(0..<size), chunkSize: 7)
        print("ok", result.count); fflush(nil)
    }
}
print("parallelkit test worker: start me from a ProcessPool")
