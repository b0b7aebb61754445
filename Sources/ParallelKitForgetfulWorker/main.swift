// A program that forgot `WorkerTasks.serveIfWorker(...)` at the top of `main`, for the runaway
// guard's tests: run as a worker, it goes on through `main` and starts a pool of itself, whose
// workers would do the same without the guard. Each run first appends its pid to the file named
// by the first argument, so that a test counts how many copies ever started.
//
//   ParallelKitForgetfulWorker COUNT-FILE          start a ProcessPool of itself
//   ParallelKitForgetfulWorker COUNT-FILE process  start a WorkerProcess of itself (no COUNT-FILE)
import ParallelKit
import ParallelKitTestTasks

import ParallelKitSystem

let arguments = Array(CommandLine.arguments.dropFirst())
if let countFile = arguments.first {
    let line = Array("\(getpid())\n".utf8)
    let fd = open(countFile, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0o644)
    if fd >= 0 {
        _ = line.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        close(fd)
    }
}
// The mistake under test: no `WorkerTasks.serveIfWorker(SquareTask.self)` here.
if arguments.dropFirst().first == "process" {
    let process = WorkerProcess(SquareTask.self, 3, accepting: .anyBuild)
    process.start()
    print(try await process.join())
} else {
    let pool = try await ProcessPool(workers: 2, arguments: arguments, accepting: .anyBuild)
    print(try await pool.map(SquareTask.self, [1, 2, 3]))
}
