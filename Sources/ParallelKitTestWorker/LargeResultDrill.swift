import ParallelKit
import ParallelKitSystem
import ParallelKitTestTasks

/// The drill behind `Benchmarks/drill-large-result.sh`: a result over the message limit (its
/// error, how long it took, how many times it ran with `retries: 2`), then the parent's peak
/// resident memory while it receives a large result that is not an array of plain values.
///
///     ParallelKitTestWorker drill-large-result [too-large-bytes] [result-bytes] [limit]
enum LargeResultDrill {
    static func run(_ arguments: [String]) async throws {
        let numbers = arguments.compactMap { Int($0) }
        let tooLarge = numbers.count > 0 ? numbers[0] : 1_200_000_000
        let resultBytes = numbers.count > 1 ? numbers[1] : 300_000_000
        let limit = numbers.count > 2 ? numbers[2] : WireLimits.defaultMaxMessageBytes
        let pool = try await ProcessPool(workers: 1, retries: 2, maxMessageBytes: limit)
        defer { pool.terminate() }

        if tooLarge > 0 {
            let runs = try SharedValue<Int>(0)
            let start = MonotonicClock.nanoseconds()
            do {
                let lines = try await pool.apply(LargeResultTask.self, .init(bytes: tooLarge, runs: runs))
                print("too-large: no error, \(lines.count) lines")
            } catch {
                let seconds = Double(MonotonicClock.nanoseconds() - start) / 1e9
                print("too-large: result \(tooLarge) bytes of text, limit \(limit)")
                print("too-large: error code \(error.code), messageBytes \(error.messageBytes ?? -1), maxMessageBytes \(error.maxMessageBytes ?? -1)")
                print("too-large: error text: \(error)")
                print("too-large: time to error \(String(format: seconds)) s, runs with retries: 2 = \(runs.load())")
            }
        }

        let before = ResidentMemory.resetPeak()
        let start = MonotonicClock.nanoseconds()
        let lines = try await pool.apply(LargeResultTask.self, .init(bytes: resultBytes))
        let seconds = Double(MonotonicClock.nanoseconds() - start) / 1e9
        let peak = ResidentMemory.peak
        let text = lines.reduce(0) { $0 + $1.utf8.count }
        print("memory: result \(lines.count) strings, \(text) bytes of text, in \(String(format: seconds)) s")
        print("memory: parent resident before \(Int(before) / 1_000_000) MB, peak \(Int(peak) / 1_000_000) MB")
        print("memory: peak - before = \(Int(peak - before) / 1_000_000) MB = \(String(format: (peak - before) / Double(text)))x the result")
    }
}

extension String {
    /// `value` with two decimals.
    init(format value: Double) {
        let hundredths = Int((value * 100).rounded())
        let fraction = hundredths % 100
        self = "\(hundredths / 100).\(fraction < 10 ? "0" : "")\(fraction)"
    }
}
