import ParallelKit
import ParallelKitSystem

/// `progress-drill <shape> <items> <microseconds> [summary] [fail]`: drives `ProgressBar`s on
/// standard error the way a program would, for the tests that read a real pseudo-terminal
/// (ProgressBarTerminalTests):
///
/// - `single`: one bar over a threads-backend map of `items` items, each sleeping `microseconds`;
/// - `nested`: an outer bar over three steps, each an inner bar over such a map;
/// - `concurrent`: two bars, each over its own map, at the same time.
///
/// `summary` asks for the summary line, `fail` ends the bars with `finish(failed: true)`.
enum ProgressDrill {
    static func run(_ arguments: [String]) async throws -> Int32 {
        let shape = arguments.first ?? "single"
        let items = arguments.dropFirst().first.flatMap { Int($0) } ?? 40
        let microseconds = arguments.dropFirst(2).first.flatMap { UInt32($0) } ?? 10_000
        let summary = arguments.contains("summary")
        let failed = arguments.contains("fail")
        func work(_ label: String) async throws {
            let bar = ProgressBar(style: [.bar, .counts], label: label, summary: summary)
            _ = try await ThreadsBackend(workers: .count(2)).map(Array(0..<items), progress: bar) { item in
                usleep(microseconds)
                return item
            }
            bar.finish(failed: failed)
        }
        switch shape {
        case "nested":
            let outer = ProgressBar(style: [.bar, .counts], total: 3, label: "outer", summary: summary)
            for step in 1...3 {
                try await work("inner \(step)")
                outer.finished()
            }
            outer.finish(failed: failed)
        case "concurrent":
            async let first: Void = work("first")
            async let second: Void = work("second")
            _ = try await (first, second)
        default:
            try await work("drill")
        }
        return 0
    }
}
