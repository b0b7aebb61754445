import Foundation
import Testing

/// Benchmarks/compare in this package (`packageRoot` is MPITests.swift's).
private let compareScript = packageRoot + "/Benchmarks/compare"

/// The groups of Benchmarks/compare that CI runs (their peers come with Python or .ci/run), and the
/// workloads each must bring.
private let quickGroups: [String: Set<String>] = [
    "python-processes": [
        "pool-startup", "apply-roundtrip", "squares", "count-in-range", "starmap-struct", "map-array", "cpu-task",
    ],
    "python-threads": ["sleep-16", "submit-roundtrip", "stream-throughput"],
    "joblib": ["joblib-30x10"],
    "run": ["run-startup", "run-true", "run-sleeps"],
]

// The suite is declared in TestSupport.swift, with the other suites that ProcessPoolSuites runs one at a time.
extension ProcessPoolSuites.CompareTests {
    @Test(
        "compare --quick: the JSON parses, every group it ran has a row for each of its comparisons, the bars are well-formed",
        .enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/xargs"), "needs xargs"))
    func quick() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("pk-compare-\(UUID())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let json = directory.appendingPathComponent("compare.json").path
        let svg = directory.appendingPathComponent("compare.svg").path
        let groups = quickGroups.keys.sorted()
        let run = try await runCLI(
            ["--quick", "--only", groups.joined(separator: ","), "--parallelkit", cliPath(), "--json", json, "--plot", svg],
            executable: compareScript)
        #expect(run.status == 0, "stdout: \(run.output)\nstderr: \(run.error)")
        #expect(run.output.contains("peer ÷ PK"))
        #expect(run.output.contains("machine: "))

        let report = try #require(JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: json))) as? [String: Any])
        #expect(report["quick"] as? Bool == true)
        let ran = try #require(report["groups"] as? [[String: Any]])
        #expect(ran.map { $0["name"] as? String ?? "" }.sorted() == groups)
        #expect(ran.allSatisfy { $0["status"] as? String == "ran" }, "\(ran)")
        let rows = try #require(report["rows"] as? [[String: Any]])
        for (group, workloads) in quickGroups {
            let own = rows.filter { $0["group"] as? String == group }
            #expect(Set(own.compactMap { $0["workload"] as? String }) == workloads, "\(group): \(own)")
        }
        #expect(rows.count == 19)  // 8 python-processes, 3 python-threads, 2 joblib, 6 run
        for row in rows {
            #expect((row["parallelkit_seconds"] as? Double ?? 0) > 0 && (row["peer_seconds"] as? Double ?? 0) > 0, "\(row)")
            let ratio = try #require(row["ratio"] as? Double)
            #expect(abs(ratio - (row["peer_seconds"] as! Double) / (row["parallelkit_seconds"] as! Double)) < 1e-9)
        }

        let root = try MiniXML.parse(try String(contentsOfFile: svg, encoding: .utf8))
        #expect(root.name == "svg")
        let workloads = Set(rows.compactMap { $0["workload"] as? String })
        #expect(root.elements("g", className: "group").count == workloads.count)
        // One bar per peer row and one per ParallelKit variant of each workload.
        let parallelKitBars = Set(rows.map { "\($0["workload"]!)/\($0["parallelkit_variant"]!)" }).count
        #expect(root.elements("rect", className: "bar").count == rows.count + parallelKitBars)
        #expect(root.elements("text", className: "x-label").first?.text.contains("log scale") == true)
        #expect(root.elements("text", className: "legend").map(\.text).first == "ParallelKit")
    }
}
