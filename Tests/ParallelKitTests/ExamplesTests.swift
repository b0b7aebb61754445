import Foundation
import ParallelKitTestSupport
import Testing

// The suite is declared in TestSupport.swift, with the other suites that ProcessPoolSuites runs one at a time.
// Each example of Examples/ runs as a program (never imported: SwiftPM races an executable's
// module against the tests that import it); its answers are checked, not its timings.
extension ProcessPoolSuites.ExamplesTests {
    /// Runs example `name` with a marker in its environment, which its worker processes and
    /// servers inherit; expects it to succeed, then that nothing carrying the marker is left.
    func runExample(_ name: String) async throws -> String {
        let run = UUID().uuidString
        let marker = "PARALLELKIT_EXAMPLE_RUN=\(run)"
        let result = try await runCLI([], environment: ["PARALLELKIT_EXAMPLE_RUN": run], executable: siblingExecutable(name))
        #expect(result.status == 0, "\(name) failed: \(result.error)")
        // Workers exit when their pipe closes; give them until a generous deadline to be reaped.
        let deadline = ContinuousClock.now + .seconds(10)
        while !processes(withEnvironmentEntry: marker).isEmpty, ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(20))
        }
        #expect(processes(withEnvironmentEntry: marker).isEmpty, "\(name) left processes running")
        #expect(!result.output.contains("DIFFERENT") && !result.output.contains("WRONG"), "\(result.output)")
        return result.output
    }

    /// The lines of `output` that start with `prefix`.
    func lines(_ output: String, _ prefix: String) -> [Substring] {
        output.split(separator: "\n").filter { $0.hasPrefix(prefix) }
    }

    @Test("Seed000Squares: the squares of 0…9 serially, on threads and in worker processes")
    func squares() async throws {
        let output = try await runExample("Seed000Squares")
        #expect(lines(output, "Results: ") == Array(repeating: "Results: [0, 1, 4, 9, 16, 25, 36, 49, 64, 81]", count: 3))
        #expect(lines(output, "Serial processing time: ").count == 1)
        #expect(lines(output, "Parallel processing time: ").count == 2)
    }

    @Test("Seed001: factorials of 10, 12, 14 in a pool and through Parallel; downloads from a local server")
    func factorialsAndDownloads() async throws {
        let output = try await runExample("Seed001")
        #expect(output.contains("Factorial of 10, sequentially: 3628800\n"))
        let factorials = output.split(separator: "\n").filter { $0.contains("[3628800, 479001600, 87178291200]") }
        #expect(factorials.count == 3)
        #expect(output.contains("for i in range(10)): [0, 1, 4, 9, 16, 25, 36, 49, 64, 81]"))
        #expect(lines(output, "Downloaded sequentially: [1048576, 2097152, 3145728] bytes").count == 1)
        #expect(lines(output, "Downloaded on one thread each: [1048576, 2097152, 3145728] bytes").count == 1)
        #expect(output.hasSuffix("All files downloaded!\n"))
    }

    @Test("Seed002SharedSum: two processes sum 1…20 into a SharedValue: 210")
    func sharedSum() async throws {
        let output = try await runExample("Seed002SharedSum")
        #expect(output.contains("sumcalc(range(1, 21)) in this process: 210\n"))
        #expect(output.contains("numbers added by each process: [10, 10]\n"))
        #expect(output.contains("Sum: 210\n"))
        #expect(output.contains("test: the shared sum is 210 — OK\n"))
    }

    @Test("Seed003: threads, a thread pool with asCompleted, processes, a process pool, joblib's 30 × 10")
    func threadsAndProcesses() async throws {
        let output = try await runExample("Seed003")
        #expect(output.contains("Total time of sleep: 9.9 for 16 tasks\n"))
        #expect(output.contains("as_completed: 16 results, one per sleep\n"))
        #expect(lines(output, "Function with sleep time 0.1 seconds finished").count == 3)
        #expect(output.contains("squares of the sleeps, as completed: 20, all correct\n"))
        // sum over i < 30, j < 10 of i + j: 10 × 435 + 30 × 45
        #expect(lines(output, "Joblib finished in ").allSatisfy { $0.hasSuffix("sum 5700.0)") })
        #expect(lines(output, "Joblib finished in ").count == 2)
        #expect(output.contains("same results: true\n"))
    }

    @Test("Seed004: every Pool method, the data-frame examples and the three exercises")
    func poolMethodsFramesAndExercises() async throws {
        let output = try await runExample("Seed004")
        for method in [
            "Pool.apply (", "Pool.map:", "Pool.starmap:", "Pool.apply_async, callback (", "Pool.apply_async, no callback (",
            "Pool.map_async:", "Pool.starmap_async:",
        ] {
            let line = try #require(lines(output, method).first, "no line for \(method)")
            #expect(line.contains("same as serial"), "\(line)")
        }
        #expect(lines(output, "Pool.map: ").first?.contains("rows 10000,") == true)
        #expect(output.contains("row-wise hypotenuses: [9.43, 5.83, 5.0, 5.66, 11.4] ("))
        #expect(output.contains("column-wise sums of squares: [163, 147] ("))
        // The example's own count of cores (the test's may differ: PARALLELKIT_WORKERS is not passed on).
        let partitions = try #require(lines(output, "partition shapes (").first)
        let cores = try #require(Int(partitions.dropFirst("partition shapes (".count).prefix { $0.isNumber }))
        let shapes = (0..<cores).map { "[\(500 / cores + ($0 < 500 % cores ? 1 : 0)), 2]" }.joined(separator: ", ")
        #expect(output.contains("partition shapes (\(cores) cores), vstacked: [\(shapes)] ("))
        #expect(output.contains("exercise 1, common items: [[2, 3], [6], [11, 12], [21]] ("))
        for n in 1...3 { #expect(output.contains("exercise 2, ok: script\(n) says \(n) squared is \(n * n)\n")) }
        #expect(output.contains(
            "exercise 3, normalised rows: [[0.0, 0.3333, 0.6667, 1.0], [0.0, 0.5, 0.6667, 1.0], [0.0, 0.3333, 0.6667, 1.0], [0.0, 0.6, 0.8, 1.0]] ("
        ))
    }
}
