// Seed 003: threads with sleeps, a thread pool with as_completed, processes with start/join, a
// process pool over random sleeps, and joblib over 30 × 10. Every sleep is a tenth of the seed's
// (function_to_test's a fiftieth).
// Run: swift run -c release Seed003
import ParallelKitMacros

@main
struct Seed003 {
    static let sleepTimes = [0.1, 0.2, 0.1, 0.5, 0.7, 0.9, 0.5, 0.4, 1.5, 1.3, 1.0, 0.3, 0.7, 0.6, 0.3, 0.8]

    static func main() async throws {
        WorkerTasks.serveIfWorker()
        print("(every sleep is \(timeScale) × the seed's, and function_to_test sleeps \(functionToTestSleep) s, not 0.1 s, so that the example stays quick)")
        let clock = ContinuousClock()
        let total = sleepTimes.reduce(0, +)

        // threading.Thread per sleep
        print("\nTotal time of sleep: \(rounded(total)) for \(sleepTimes.count) tasks")
        var start = clock.now
        let threads = sleepTimes.map { sleep in WorkerThread { myAwesomeFunction(sleep) }.start() }
        for thread in threads { _ = thread.join() }
        print("-- Finished in \(clock.now - start) (threads) --")

        // ThreadPoolExecutor + submit + as_completed
        start = clock.now
        let pool = ThreadPool()
        let tasks = try sleepTimes.map { sleep in try pool.submit { myAwesomeFunction(sleep) } }
        var allResults: [String] = []
        for await (_, task) in asCompleted(tasks) { allResults.append(try await task.value) }
        pool.close()
        pool.join()
        print("as_completed: \(allResults.count) results, \(Set(allResults) == Set(sleepTimes.map { "Slept for \($0) seconds" }) ? "one per sleep" : "WRONG")")
        print("first to finish: \(allResults[0])")
        print("Finished in \(clock.now - start) (thread pool)")

        // Sequential, then multiprocessing.Process with start and join
        start = clock.now
        for sleep in [0.1, 1, 0.3] { _ = myAwesomeFunction(sleep) }
        print("\nFinished in \(clock.now - start) (sequential: 0.1, 1, 0.3)")
        start = clock.now
        let processes = (0..<3).map { _ in WorkerProcess($sleepAndSay, 0.1) }
        for process in processes { process.start() }
        for process in processes { _ = try await process.join() }
        print("Finished in \(clock.now - start) (3 processes with start/join)")

        try await processPool(clock)
        try await joblib(clock)
    }

    /// ProcessPoolExecutor over 20 random sleeps (np.random.rand(20), a fixed seed here).
    static func processPool(_ clock: ContinuousClock) async throws {
        var generator = SeededGenerator(state: 42)
        let randomSleeps = (0..<20).map { _ in Double.random(in: 0..<1, using: &generator) }
        print("\nTotal sleep time: \(rounded(randomSleeps.reduce(0, +))) for \(randomSleeps.count) tasks")
        let start = clock.now
        let results = try await withProcessPool { pool in
            let tasks = try randomSleeps.map { sleep in try pool.submit($sleepAndSquare, sleep) }
            var all: [Double] = []
            for await (_, task) in asCompleted(tasks) { all.append(try await task.value) }
            return all
        }
        let expected = randomSleeps.map { $0 * $0 }
        print("squares of the sleeps, as completed: \(results.count), \(results.sorted() == expected.sorted() ? "all correct" : "WRONG")")
        print("sum of squares: \(rounded(results.reduce(0, +)))")
        print("Finished in \(clock.now - start) (process pool)")
    }

    /// joblib's Parallel(n_jobs=cpu_count(), backend='multiprocessing') over 30 × 10, then serially.
    static func joblib(_ clock: ContinuousClock) async throws {
        let pairs = (0..<30).flatMap { i in (0..<10).map { j in functionToTest_WorkerTask.Input(i: i, j: j) } }
        var start = clock.now
        let parallel = try await Parallel(jobs: .all, backend: .processes).map($functionToTest, pairs)
        print("\nJoblib finished in \(clock.now - start) (processes; sum \(parallel.reduce(0, +)))")
        start = clock.now
        let threaded = try await Parallel(jobs: 16, backend: .threadPool).map(pairs) { functionToTest(i: $0.i, j: $0.j) }
        print("Joblib finished in \(clock.now - start) (16 pool threads: sleeps need threads, not cores; sum \(threaded.reduce(0, +)))")
        start = clock.now
        let serial = pairs.map { functionToTest(i: $0.i, j: $0.j) }
        print("Numpy finished in \(clock.now - start) (serial; sum \(serial.reduce(0, +)))")
        print("same results: \(parallel == serial && threaded == serial)")
    }

    static func rounded(_ value: Double) -> Double { (value * 1000).rounded() / 1000 }
}
