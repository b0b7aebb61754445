// Seed 004: every multiprocessing.Pool method on the count-in-range data, the pandas row,
// column and partition examples, and the three exercises. Run: swift run -c release Seed004
import ParallelKitMacros

@main
struct Seed004 {
    static func main() async throws {
        WorkerTasks.serveIfWorker()
        print("Number of processors: \(Workers.available)")

        // np.random.randint(0, 10, size=[200000, 5]): the seed's data is random, unseeded (its
        // `np.random.RandomState(100)` seeds nothing), so its first ten counts are not ours.
        let data = countInRangeData(rows: 200_000)
        print("data[:5]: \(Array(data.prefix(5)))")
        let clock = ContinuousClock()
        let start = clock.now
        let serial = data.map { howManyWithinRange(row: $0, minimum: 4, maximum: 8) }
        print("serial: \(Array(serial.prefix(10))) rows \(serial.count), total \(serial.reduce(0, +)) (\(clock.now - start))")
        let threads = data.parallelMap { howManyWithinRange(row: $0, minimum: 4, maximum: 8) }
        print("threads (parallelMap): \(threads == serial ? "same as serial" : "DIFFERENT")")

        try await PoolMethods.run(data, expected: serial, full: CommandLine.arguments.contains("--full"))
        try await DataFrames.run()
        try await Exercises.run()
    }
}
