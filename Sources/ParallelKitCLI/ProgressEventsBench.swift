import ParallelKit
import ParallelKitSystem

/// What one progress event costs a backend's thread: `report(.finished(1))` through
/// `any ProgressSink`, as the backends call it, on a `ProgressCounter` (a lock) and on a
/// `ProgressBar` — one that does not draw (standard error is not a terminal) and one that draws
/// (`.always`, to /dev/null: a coarse clock read and a throttle check per event, a frame every
/// 100 ms).
enum ProgressEventsBench {
    static let workload = "progress-events"
    static let summary = "ns per report(.finished(1)): ProgressCounter against ProgressBar, drawing or not"

    static func cases(quick: Bool) -> [BenchCase] {
        let events = quick ? 200_000 : 10_000_000
        // One descriptor for the bench's process; the bars that draw on it end with each run.
        let devNull = open("/dev/null", O_WRONLY)
        func row(_ variant: String, threads: Int, _ make: @escaping @Sendable () -> any ProgressSink) -> BenchCase {
            BenchCase(workload: workload, variant: variant, workers: threads, items: events, baseline: "counter") {
                () throws(BenchError) in
                let sink = make()
                let perThread = events / threads
                _ = (0..<threads).parallelMap(workers: .count(threads)) { _ in
                    for _ in 0..<perThread { sink.report(.finished(1)) }
                }
                let finished = (sink as? ProgressCounter)?.counts.finished ?? (sink as? ProgressBar)?.snapshot.finished
                (sink as? ProgressBar)?.finish(erasingLine: true)
                guard finished == perThread * threads else { throw .wrongResult(variant: variant) }
            }
        }
        return [
            row("counter", threads: 1) { ProgressCounter() },
            row("bar", threads: 1) { ProgressBar(output: devNull) },
            row("bar-drawing", threads: 1) { ProgressBar(output: devNull, drawing: .always) },
            row("counter-2-threads", threads: 2) { ProgressCounter() },
            row("bar-drawing-2-threads", threads: 2) { ProgressBar(output: devNull, drawing: .always) },
        ]
    }
}
