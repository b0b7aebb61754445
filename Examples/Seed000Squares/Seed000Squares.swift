// Seed 000: the squares of 0…9, serially, on threads (`parallelMap`) and in worker processes
// (`ProcessPool.map`, Python's `multiprocessing.Pool.map`). Run: swift run -c release Seed000Squares
import ParallelKitMacros

@main
struct Seed000Squares {
    static func main() async throws {
        WorkerTasks.serveIfWorker()  // workers, which run this same program, serve here

        let numbers = Array(0..<10)
        let clock = ContinuousClock()

        print("Serial Processing")
        var start = clock.now
        let serial = numbers.map(square)
        let serialTime = clock.now - start
        print("Results: \(serial)")
        print("Serial processing time: \(serialTime)")

        print("\nParallel Processing (threads: parallelMap)")
        start = clock.now
        let threaded = numbers.parallelMap(square)
        let threadedTime = clock.now - start
        print("Results: \(threaded)")
        print("Parallel processing time: \(threadedTime)")

        print("\nParallel Processing (worker processes: ProcessPool.map, \(Workers.available) workers)")
        start = clock.now
        let pooled = try await withProcessPool { pool in try await pool.map($square, numbers) }
        let pooledTime = clock.now - start
        print("Results: \(pooled)")
        print("Parallel processing time: \(pooledTime) (starting the workers included)")

        print("\nTime difference (serial - threads): \(serialTime - threadedTime)")
        print("Time difference (serial - processes): \(serialTime - pooledTime)")
        print("Ten squares are far too little work to gain from parallelism; the seed says so too.")
    }
}
