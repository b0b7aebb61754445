// Seed 002: two processes sum 1…20 into one shared value (Python's `multiprocessing.Value`),
// then the seed's unit test: the sum is 210. Run: swift run -c release Seed002SharedSum
import ParallelKit

#if canImport(Glibc)
    import Glibc
#endif

@main
struct Seed002SharedSum {
    static func main() async throws {
        WorkerTasks.serveIfWorker()

        print("Number of processors: \(Workers.available)")
        let serialSum = (1...20).reduce(0, +)
        print("sumcalc(range(1, 21)) in this process: \(serialSum)")

        let clock = ContinuousClock()
        let start = clock.now
        let total = try SharedValue(0.0)  // Value('d', 0.0)
        let first = WorkerProcess(AddRange.self, .init(total: total, from: 1, to: 10))
        let second = WorkerProcess(AddRange.self, .init(total: total, from: 11, to: 20))
        first.start()
        second.start()
        let firstCount = try await first.join()
        let secondCount = try await second.join()
        let counts = [firstCount, secondCount]
        let elapsed = clock.now - start
        print("numbers added by each process: \(counts)")
        print("Sum: \(Int(total.load()))")
        print("Two processes took \(elapsed) (starting them included)")

        // The seed's unit test, `assertEqual(sumval.value, 210)`.
        if total.load() == 210 {
            print("test: the shared sum is 210 — OK")
        } else {
            print("test: the shared sum is \(total.load()), not 210 — FAILED")
            exit(1)
        }
    }
}
