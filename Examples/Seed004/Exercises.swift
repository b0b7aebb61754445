import Foundation
import ParallelKitMacros
import ParallelKitRun

/// Exercise 1's function: the items of `a` that are also in `b`.
@WorkerFunction
func commonItems(a: [Int], b: [Int]) -> [Int] { a.filter(b.contains) }

/// Exercise 3's function: a row scaled to vary between 0 and 1.
@WorkerFunction
func normalise(_ row: [Double]) -> [Double] {
    let low = row.min() ?? 0, high = row.max() ?? 0
    return row.map { high == low ? 0 : ($0 - low) / (high - low) }
}

/// Seed 004's three exercises.
enum Exercises {
    static func run() async throws {
        let clock = ContinuousClock()

        // Problem 1: Pool.apply() for the row-wise common items of list_a and list_b.
        let listA = [[1, 2, 3], [5, 6, 7, 8], [10, 11, 12], [20, 21]]
        let listB = [[2, 3, 4, 5], [6, 9, 10], [11, 12, 13, 14], [21, 24, 25]]
        var start = clock.now
        let common = try await withProcessPool(workers: 2) { pool in
            var out: [[Int]] = []
            for (a, b) in zip(listA, listB) { out.append(try await pool.apply($commonItems, .init(a, b))) }
            return out
        }
        print("exercise 1, common items: \(common) (\(clock.now - start))")

        // Problem 2: Pool.map() running three python scripts; here a CommandRunner, one job each.
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("seed004-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let scripts = ["script1.py", "script2.py", "script3.py"].map { folder.appendingPathComponent($0).path }
        for (n, script) in scripts.enumerated() {
            try "print('script\(n + 1) says \(n + 1) squared is', \(n + 1) ** 2)\n".write(toFile: script, atomically: true, encoding: .utf8)
        }
        start = clock.now
        let runs = try await CommandRunner(RunConfiguration(workers: .count(3))).map(arguments: scripts.map { ["python3", $0] })
        for run in runs { print("exercise 2, \(run.isSuccess ? "ok" : "FAILED"): \(run.text.trimmingCharacters(in: .newlines))") }
        print("exercise 2, three scripts (\(clock.now - start))")

        // Problem 3: normalise each row of a 2-d list to vary between 0 and 1.
        let rows = [[2, 3, 4, 5], [6, 9, 10, 12], [11, 12, 13, 14], [21, 24, 25, 26]].map { $0.map(Double.init) }
        start = clock.now
        let normalised = try await Parallel(jobs: 2, backend: .processes).map($normalise, rows)
        let shown = normalised.map { $0.map { ($0 * 10_000).rounded() / 10_000 } }
        print("exercise 3, normalised rows: \(shown) (\(clock.now - start))")
    }
}
