import Foundation
import ParallelKit
import Testing

@testable import ParallelKitCLI

// The suite is declared in TestSupport.swift, with the other suites that ProcessPoolSuites runs one at a time.
extension ProcessPoolSuites.SpeedupSweepTests {
    @Test("bench --plot: one row per worker count, 1 to twice the usable cores, and an SVG of one series per workload")
    func plot() async throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("pk-plot-\(UUID()).svg").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        let run = try await runCLI([
            "bench", "--quick", "--json", "--repetitions", "1", "--plot", path, "--workload", "costly-map",
            "--workload", "squares",
        ])
        #expect(run.status == 0, "stderr: \(run.error)")
        let rows = try benchRows(run.output)
        let counts = SpeedupSweep.workerCounts(cores: Workers.available)
        #expect(counts == Array(1...(2 * Workers.available)))
        #expect(rows.map { "\($0["workload"]!)/\($0["variant"]!)/\($0["workers"]!)" }
            == ["costly-map", "squares"].flatMap { name in counts.map { "\(name)/parallelMap/\($0)" } })
        let root = try MiniXML.parse(try String(contentsOfFile: path, encoding: .utf8))
        #expect(root.elements("polyline", className: "series").count == 2)
        #expect(root.elements("circle").count == 2 * counts.count + 2)
        #expect(root.elements("text", className: "legend-fit").allSatisfy { $0.text.contains("serial fraction s = ") })
    }

    @Test("bench --plot prints each workload's serial fraction; a workload of fixed workers and --workers are refused")
    func plotTable() async throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("pk-plot-\(UUID()).svg").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        let run = try await runCLI(["bench", "--quick", "--repetitions", "1", "--plot", path, "--workload", "tiny"])
        #expect(run.status == 0, "stderr: \(run.error)")
        #expect(run.output.contains("tiny: Amdahl's serial fraction s = "))
        #expect(run.output.contains("wrote \(path)"))
        let fixed = try await runCLI(["bench", "--quick", "--repetitions", "1", "--plot", path, "--workload", "pool-startup"])
        #expect(fixed.status != 0)
        #expect(fixed.error.contains("workload pool-startup has no variant"))
        let workers = try await runCLI(["bench", "--plot", path, "--workers", "2"])
        #expect(workers.status != 0)
        #expect(workers.error.contains("leave out --workers"))
    }
}
