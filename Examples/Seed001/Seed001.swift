// Seed 001: factorials of 10, 12 and 14 in a pool of 4 worker processes and through `Parallel`
// (joblib); joblib's `compute_something` over range(10); three files downloaded sequentially and
// on one thread each, from a local HTTP server. Run: swift run -c release Seed001
import Foundation
import ParallelKitMacros

@main
struct Seed001 {
    static func main() async throws {
        WorkerTasks.serveIfWorker()
        let clock = ContinuousClock()

        print("Factorial of 10, sequentially: \(factorial(10))")

        var start = clock.now
        let pooled = try await withProcessPool(workers: 4) { pool in try await pool.map($factorial, [10, 12, 14]) }
        print("Pool(processes=4).map(factorial, [10, 12, 14]): \(pooled)  (\(clock.now - start))")

        start = clock.now
        let threaded = try await Parallel(jobs: 4).map([10, 12, 14]) { factorial($0) }
        print("Parallel(jobs: 4), threads: \(threaded)  (\(clock.now - start))")

        start = clock.now
        let processes = try await Parallel(jobs: 4, backend: .processes).map($factorial, [10, 12, 14])
        print("Parallel(jobs: 4, backend: .processes): \(processes)  (\(clock.now - start))")

        start = clock.now
        let squares = try await Parallel(jobs: 4).map(0..<10) { computeSomething($0) }
        print("Parallel(n_jobs=4)(delayed(compute_something)(i) for i in range(10)): \(squares)  (\(clock.now - start))")

        try downloads(clock)
    }

    /// Sequential, then one `WorkerThread` per file (Python's `threading.Thread`).
    static func downloads(_ clock: ContinuousClock) throws {
        let files = [("file1.txt", 1 << 20), ("file2.txt", 2 << 20), ("file3.txt", 3 << 20)]
        let server = try FileServer(files: files.map { (name: $0.0, bytes: $0.1) })
        defer { server.stop() }
        let target = FileManager.default.temporaryDirectory.appendingPathComponent("seed001-out-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: target, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: target) }
        let jobs = files.map { (url: server.url($0.0), file: target.appendingPathComponent($0.0)) }

        var start = clock.now
        let sequential = try jobs.map { try downloadFile($0.url, to: $0.file) }
        print("Downloaded sequentially: \(sequential) bytes  (\(clock.now - start))")

        start = clock.now
        let threads = jobs.map { job in WorkerThread { () throws -> Int in try downloadFile(job.url, to: job.file) }.start() }
        let threaded = try threads.map { try $0.join() }
        print("Downloaded on one thread each: \(threaded) bytes  (\(clock.now - start))")
        print("All files downloaded!")
    }
}
