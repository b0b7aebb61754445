import ArgumentParser
import CParallelKit
import ParallelKit
import ParallelKitSystem

/// The `map-memory` workload: peak resident memory of `parallelMap` against serial `map` over
/// the same 10,000,000 Ints, each measured in a fresh child process (`memory-probe`).
enum MemoryProbe {
    static let workload = "map-memory"
    static let summary = "peak resident memory of map vs parallelMap over 10,000,000 Ints, each in a fresh process"

    static func rows(quick: Bool, repetitions: Int, workers: Workers) throws -> [BenchRow] {
        let count = quick ? 1_000_000 : 10_000_000
        let variants = ["serial", "parallelMap"]
        var seconds: [[Double]] = [[], []]
        var peaks: [[Double]] = [[], []]
        for _ in 0..<repetitions {
            for (index, variant) in variants.enumerated() {
                let (time, peak) = try probe(variant: variant, count: count, workers: workers.count)
                seconds[index].append(time)
                peaks[index].append(peak)
            }
        }
        let serialPeak = median(peaks[0])
        return variants.enumerated().map { index, variant in
            let peak = median(peaks[index])
            return BenchRow(
                label: BenchLabel(workload: workload, variant: variant, workers: index == 0 ? 1 : workers.count, items: count),
                seconds: median(seconds[index]), baselineSeconds: median(seconds[0]), baselineVariant: variants[0],
                extra: [("peak_rss_bytes", peak), ("rss_ratio", peak / serialPeak)])
        }
    }

    /// Runs `parallelkit memory-probe` in a child process and reads its time and peak RSS.
    ///
    /// Spawned without Foundation's `Process`: this executable does not link Foundation, so that
    /// `parallelkit run` starts in a few milliseconds.
    private static func probe(variant: String, count: Int, workers: Int) throws(BenchError) -> (Double, Double) {
        var fds: [Int32] = [-1, -1]
        guard (try? systemCall("pipe2", { pk_pipe_cloexec(&fds, 0) })) != nil else {
            throw .probeFailed("could not make a pipe for the \(variant) probe")
        }
        let arguments = ["/proc/self/exe", "memory-probe", "--variant", variant, "--count", "\(count)", "--workers", "\(workers)"]
        // posix_spawn: the bench has threads (its pools) when it starts a probe.
        var configuration = SpawnConfiguration(executable: arguments[0], arguments: arguments)
        configuration.standardInput = .devNull
        configuration.standardOutput = .descriptor(fds[1])
        let child: SpawnedProcess
        do {
            child = try ProcessSpawner.spawn(configuration)
        } catch {
            close(fds[0])
            close(fds[1])
            throw .probeFailed("could not start \(variant) probe: \(error.reason)")
        }
        close(fds[1])
        var output: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 4096)
        while let got = try? systemCall("read", { read(fds[0], &chunk, chunk.count) }), got > 0 {
            output += chunk[0..<got]
        }
        close(fds[0])
        var status: Int32 = 0
        _ = try? systemCall("waitpid") { waitpid(child.pid, &status, 0) }
        let line = output.split(separator: 0x0A).first.map { String(decoding: $0, as: UTF8.self) } ?? ""
        let fields = line.split(separator: " ")
        let termination = TerminationStatus(waitStatus: status)
        guard termination.isSuccess, fields.count == 2, let time = Double(fields[0]),
            let peak = Double(fields[1])
        else {
            throw .probeFailed("\(variant) probe exited with status \(termination.shellStatus)")
        }
        return (time, peak)
    }
}

/// `parallelkit memory-probe`: maps 0..<count once and prints seconds and peak RSS bytes (VmHWM).
struct MemoryProbeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "memory-probe", abstract: "Internal: one map-memory measurement.", shouldDisplay: false)

    @Option var variant: String
    @Option var count: Int
    @Option var workers: Int

    func run() throws {
        let input = Array(0..<count)
        let start = ContinuousClock.now
        let output: [Int]
        switch variant {
        case "serial": output = input.map { $0 &* $0 &+ 1 }
        case "parallelMap": output = input.parallelMap(workers: .count(workers)) { $0 &* $0 &+ 1 }
        default: throw ValidationError("unknown variant \(variant)")
        }
        let elapsed = seconds(ContinuousClock.now - start)
        guard output.count == count else { throw ExitCode.failure }
        print("\(elapsed) \(ResidentMemory.peak)")
    }
}
