import ParallelKit
import ParallelKitRun
import ParallelKitSystem
import Synchronization

/// The runner as a library (issue 15): `run-library`, 2,000 × `true` two at a time through
/// ``CommandRunner`` (compared with `parallelkit run`, swift-subprocess and `xargs -P2` by
/// `Benchmarks/compare-run-library.sh`), and `run-memory`, the peak resident memory of 10,000
/// jobs printing 1 KiB each, read from a stream that drops each output or collected by `map`.
enum RunLibraryBench {
    static let workload = "run-library"
    static let summary = "2,000 x `true` (by name, as parallelkit run gets it), two at a time, through ParallelKitRun's CommandRunner"
    static let memory = "run-memory"
    static let memorySummary = "peak resident memory growth of 10,000 jobs printing 1 KiB each: stream (outputs dropped) vs map"

    static func cases(quick: Bool) -> [BenchCase] {
        let count = quick ? 200 : 2_000
        // By name, as `parallelkit run true` gets it: the runner finds it on PATH once and caches it.
        let jobs = Array(repeating: ["true"], count: count)
        var spawning = CommandRunner(RunConfiguration(workers: .count(2)))
        spawning.spawnStrategy = .posixSpawn
        // clone is the library as shipped (the CLI's strategy); posix-spawn, in the same call, is
        // the measure of what waiting for each exec would cost.
        return [("clone", CommandRunner(RunConfiguration(workers: .count(2)))), ("posix-spawn", spawning)].map { variant, runner in
            BenchCase(workload: workload, variant: variant, workers: 2, items: count, baseline: "posix-spawn") {
                () async throws(BenchError) in
                let results: [JobResult]
                do throws(RunError) { results = try await runner.map(arguments: jobs) } catch { throw .runFailed(error.description) }
                guard results.count == count, results.allSatisfy({ $0.status == .exited(0) }) else {
                    throw .wrongResult(variant: variant)
                }
            }
        }
    }

    /// `stream` drops each result as it comes; `map` keeps them all. Each row reports the growth of
    /// peak RSS during its runs (`peak_rss_bytes`, the median over repetitions).
    static func memoryCases(quick: Bool) -> [BenchCase] {
        let count = quick ? 1_000 : 10_000
        let jobs = Array(repeating: ["head", "-c", "1024", "/dev/zero"], count: count)
        let runner = CommandRunner(RunConfiguration(workers: .count(2)))
        let streamPeaks = PeakSamples()
        let mapPeaks = PeakSamples()
        return [
            BenchCase(
                workload: memory, variant: "stream", workers: 2, items: count, baseline: "stream",
                extras: { [("peak_rss_bytes", streamPeaks.medianPeak)] }
            ) { () async throws(BenchError) in
                let before = ResidentMemory.resetPeak()
                var (seen, wrong) = (0, 0)
                do throws(RunError) {
                    for try await result in runner.stream(arguments: jobs) {
                        if result.standardOutput.count != 1024 || !result.isSuccess { wrong += 1 }
                        seen += 1
                    }
                } catch {
                    throw .runFailed(error.description)
                }
                guard seen == count, wrong == 0 else { throw .wrongResult(variant: "stream") }
                streamPeaks.append(ResidentMemory.peak - before)
            },
            BenchCase(
                workload: memory, variant: "map", workers: 2, items: count, baseline: "stream",
                extras: { [("peak_rss_bytes", mapPeaks.medianPeak)] }
            ) { () async throws(BenchError) in
                let before = ResidentMemory.resetPeak()
                let results: [JobResult]
                do throws(RunError) { results = try await runner.map(arguments: jobs) } catch { throw .runFailed(error.description) }
                guard results.count == count, results.allSatisfy({ $0.standardOutput.count == 1024 && $0.isSuccess }) else {
                    throw .wrongResult(variant: "map")
                }
                mapPeaks.append(ResidentMemory.peak - before)
            },
        ]
    }
}

/// The peak RSS growth of each repetition of a `run-memory` row.
private final class PeakSamples: Sendable {
    private let values = Mutex<[Double]>([])

    func append(_ value: Double) { values.withLock { $0.append(value) } }
    var medianPeak: Double { median(values.withLock { $0 }) }
}
