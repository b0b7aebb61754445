import Foundation
import Testing

@testable import ParallelKitCLI

@Suite("parallelkit bench")
struct BenchCommandTests {
    @Test("--json prints one object per row with the documented keys")
    func jsonRows() async throws {
        let run = try await runCLI(["bench", "--quick", "--json", "--repetitions", "1", "--workload", "tiny", "--workload", "costly-map"])
        #expect(run.status == 0, "stderr: \(run.error)")
        let rows = try benchRows(run.output)
        #expect(Set(rows.compactMap { $0["workload"] as? String }) == ["tiny", "costly-map"])
        let variants = rows.compactMap { $0["variant"] as? String }
        for expected in ["serial", "parallelMap", "concurrentPerform", "taskgroup-per-element"] {
            #expect(variants.contains(expected))
        }
        for row in rows {
            for key in ["workload", "variant", "workers", "seconds", "speedup", "items_per_second"] {
                #expect(row[key] != nil, "missing \(key) in \(row)")
            }
            #expect((row["seconds"] as? Double ?? 0) > 0)
        }
        let serial = rows.first { $0["variant"] as? String == "serial" }
        #expect(serial?["speedup"] as? Double == 1.0)
    }

    @Test("the table: a workload's line, its columns, its rows in their units, and a summary")
    func table() async throws {
        let run = try await runCLI(["bench", "--quick", "--repetitions", "1", "--workload", "squares", "--workload", "submit-roundtrip"])
        #expect(run.status == 0)
        let lines = run.output.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        let opening = try #require(lines.firstIndex { $0.hasPrefix("squares: seed 000") })
        #expect(lines[opening + 1].contains("speedup") && lines[opening + 1].contains("efficiency"))
        // --quick squares has 100,000 items, so the task-group subset is the whole input: serial,
        // parallelMap, concurrentPerform, process-pool and taskgroup-per-element.
        let squares = lines[(opening + 2)...].prefix { !$0.isEmpty }
        #expect(squares.count == 5)
        #expect(squares.map { $0.split(separator: " ").first.map(String.init) } == [
            "serial", "parallelMap", "concurrentPerform", "process-pool", "taskgroup-per-element",
        ])
        // Throughput rows: a time with its unit, items per second, a speedup.
        #expect(squares.allSatisfy { row in
            ["ns", "µs", "ms", " s"].contains { row.contains($0) } && row.contains("/s") && row.contains("x")
        })
        #expect(squares.first?.contains("1.00x") == true)
        // A latency row shows its latency and its ratio to its baseline, never a speedup.
        let latency = try #require(lines.firstIndex { $0.hasPrefix("submit-roundtrip:") })
        let latencyRows = lines[(latency + 2)...].prefix { !$0.isEmpty }
        #expect(!latencyRows.isEmpty)
        #expect(latencyRows.contains { $0.contains("baseline") })
        #expect(latencyRows.allSatisfy { !$0.contains("/s") })
        #expect(lines.contains { $0.hasPrefix("summary: ") && $0.contains("rows in") })
        #expect(lines.contains { $0.contains("best speedup: squares/") })
    }

    @Test("the front door's rows: Parallel beside its backend, with and without a sink, and seed 003's joblib program")
    func frontDoorRows() async throws {
        let run = try await runCLI([
            "bench", "--quick", "--json", "--repetitions", "1", "--workload", "frontdoor-overhead",
            "--workload", "progress-overhead", "--workload", "joblib-30x10",
        ])
        #expect(run.status == 0, "stderr: \(run.error)")
        let rows = try benchRows(run.output)
        let variants = Set(rows.map { "\($0["workload"]!)/\($0["variant"]!)" })
        for expected in [
            "frontdoor-overhead/cheap-map/direct", "frontdoor-overhead/cheap-map/parallel",
            "frontdoor-overhead/count-in-range/direct", "frontdoor-overhead/count-in-range/parallel",
            "frontdoor-overhead/sleep-16/direct", "frontdoor-overhead/sleep-16/parallel",
            "progress-overhead/no-sink", "progress-overhead/counter",
            "joblib-30x10/serial", "joblib-30x10/parallel-processes", "joblib-30x10/parallel-threadpool",
        ] {
            #expect(variants.contains(expected), "missing \(expected)")
        }
        // Each overhead row is measured against the direct call of its own workload.
        for row in rows where (row["variant"] as? String)?.hasSuffix("/direct") == true {
            #expect(row["speedup"] as? Double == 1.0)
        }
    }

    @Test("the long workloads run only with --full, --quick or by name")
    func longWorkloadsNeedFull() {
        #expect(BenchCommand.longWorkloads == [
            "frontdoor-overhead", "joblib-30x10", "csv-memory", "csv-rows", "run-memory", "stream-throughput", "cpu-task",
            "pool-memory", "large-array",
        ])
        #expect(BenchCommand.longWorkloads.isSubset(of: Set(BenchCommand.catalog.map(\.name))))
    }

    @Test("without --repetitions a workload runs whole rounds for about a second: five of an instant case, one of a slow one")
    func roundsByTime() async throws {
        let instant = BenchCase(workload: "w", variant: "serial", workers: 1, items: 1) {}
        let counter = Counter()
        let counted = BenchCase(workload: "w", variant: "serial", workers: 1, items: 1) { counter.increment() }
        _ = try await BenchCommand.measure([instant, counted], repetitions: nil)
        #expect(counter.count == 5)
        let slow = Counter()
        let slowCase = BenchCase(workload: "w", variant: "serial", workers: 1, items: 1) {
            slow.increment()
            usleep(1_100_000)  // longer than the budget: one round is enough
        }
        _ = try await BenchCommand.measure([slowCase], repetitions: nil)
        #expect(slow.count == 1)
        let fixed = Counter()
        _ = try await BenchCommand.measure([BenchCase(workload: "w", variant: "serial", workers: 1, items: 1) { fixed.increment() }], repetitions: 2)
        #expect(fixed.count == 2)
    }

    @Test("a row over ten times its baseline's items in ten times its time has a speedup of 1, not 0.1")
    func speedupPerItem() {
        let small = BenchCase(workload: "w", variant: "small", workers: 1, items: 10, baseline: "small") {}
        let large = BenchCase(workload: "w", variant: "large", workers: 2, items: 100, baseline: "small") {}
        let rows = BenchCommand.rows([small, large], medians: [0.25, 1.25])
        #expect(rows.map(\.speedup) == [1, 2])
        #expect(rows.map(\.efficiency) == [1, 1])
        let latency = BenchCase(workload: "w", variant: "wait", workers: 1, baseline: "small") { 0.04 }
        #expect(BenchCommand.rows([small, latency], medians: [0.25, 0.5])[1].baselineSeconds == 0.25)
    }

    @Test("the default run reports sleep-16's serial row as the sum of its sleeps without sleeping them")
    func sleepSerialSum() async throws {
        let serial = try #require(ThreadPoolBench.sleepCases(quick: false, sleepSerial: false).first)
        #expect(serial.label.variant == "serial")
        let start = ContinuousClock.now
        let reported = try await serial.run()
        #expect(ContinuousClock.now - start < .seconds(1))
        #expect(abs((reported ?? 0) - ThreadPoolBench.sleepTimes.reduce(0, +)) < 1e-6)
    }

    @Test("the thread pool workloads report their variants, latency rows without items_per_second")
    func threadPoolRows() async throws {
        let run = try await runCLI([
            "bench", "--quick", "--json", "--repetitions", "1", "--workload", "sleep-16", "--workload", "starvation-latency",
            "--workload", "submit-roundtrip", "--workload", "stream-throughput",
        ])
        #expect(run.status == 0, "stderr: \(run.error)")
        let rows = try benchRows(run.output)
        let variants = Set(rows.map { "\($0["workload"]!)/\($0["variant"]!)" })
        for expected in [
            "sleep-16/serial", "sleep-16/threadpool-16", "sleep-16/cooperative-taskgroup",
            "starvation-latency/cooperative", "starvation-latency/threadpool-16",
            "submit-roundtrip/threadpool-await", "submit-roundtrip/threadpool-wait",
            "stream-throughput/map-ordered", "stream-throughput/map-unordered",
        ] {
            #expect(variants.contains(expected), "missing \(expected)")
        }
        for row in rows where row["workload"] as? String == "submit-roundtrip" {
            #expect(row["items_per_second"] == nil)
            #expect((row["seconds"] as? Double ?? 1) < 0.1)
        }
    }

    @Test("the process-pool and shared-memory workloads run their workers and check their results")
    func processRows() async throws {
        let run = try await runCLI([
            "bench", "--quick", "--json", "--repetitions", "1", "--workload", "shared-sum", "--workload", "process-lock",
            "--workload", "apply-roundtrip", "--workload", "cpu-task", "--workload", "large-array",
        ])
        #expect(run.status == 0, "stderr: \(run.error)")
        let rows = try benchRows(run.output)
        let variants = Set(rows.map { "\($0["workload"]!)/\($0["variant"]!)" })
        for expected in [
            "shared-sum/serial", "shared-sum/process-atomic-per-element", "shared-sum/process-local-then-add",
            "process-lock/uncontended", "apply-roundtrip/process-pool", "cpu-task/process-pool",
            "large-array/pipe", "large-array/zero-copy",
        ] {
            #expect(variants.contains(expected), "missing \(expected)")
        }
        // The pipe copies the 20 MB input at least once in the parent; zero-copy adds no copy.
        let added = Dictionary(uniqueKeysWithValues: rows.filter { $0["workload"] as? String == "large-array" }.map {
            ($0["variant"] as! String, $0["added_peak_rss_bytes"] as? Double ?? -1)
        })
        #expect(added["pipe"]! >= 20_000_000)
        #expect(added["zero-copy"]! >= 0 && added["zero-copy"]! < 5_000_000)
    }

    @Test("the memory workload reports peak RSS for both variants")
    func memoryRows() async throws {
        let run = try await runCLI(["bench", "--quick", "--json", "--repetitions", "1", "--workload", "map-memory"])
        #expect(run.status == 0, "stderr: \(run.error)")
        let rows = try benchRows(run.output)
        #expect(rows.count == 2)
        #expect(rows.allSatisfy { ($0["peak_rss_bytes"] as? Double ?? 0) > 8_000_000 })
    }

    @Test("the runner's library rows: run-library's two spawn strategies, run-memory's stream and map")
    func runLibraryRows() async throws {
        let run = try await runCLI([
            "bench", "--quick", "--json", "--repetitions", "1", "--workload", "run-library", "--workload", "run-memory",
        ])
        #expect(run.status == 0, "stderr: \(run.error)")
        let rows = try benchRows(run.output)
        #expect(rows.map { "\($0["workload"] ?? "")/\($0["variant"] ?? "")" } == [
            "run-library/clone", "run-library/posix-spawn", "run-memory/stream", "run-memory/map",
        ])
        #expect(rows.allSatisfy { ($0["workers"] as? Int) == 2 && ($0["seconds"] as? Double ?? 0) > 0 })
        // Peak RSS growth is reported for both (how large is the bench's to show, not a test's).
        let peaks = rows.suffix(2).map { $0["peak_rss_bytes"] as? Double ?? -1 }
        #expect(peaks.allSatisfy { $0 >= 0 })
    }

    @Test("the tabular rows: csv-rows, table-rows and table-columns check their results; no file is left behind")
    func tabularRows() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("pk-bench-\(UUID())").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let run = try await runCLI(
            [
                "bench", "--quick", "--json", "--repetitions", "1", "--workers", "2", "--workload", "csv-rows",
                "--workload", "table-rows", "--workload", "table-columns",
            ], environment: ["TMPDIR": directory])
        #expect(run.status == 0, "stderr: \(run.error)")
        let rows = try benchRows(run.output)
        #expect(rows.map { "\($0["workload"] ?? "")/\($0["variant"] ?? "")" } == [
            "csv-rows/serial", "csv-rows/parallel", "csv-rows/parallel-threadpool", "csv-rows/parallel-processes", "table-rows/serial",
            "table-rows/mapRows", "table-columns/serial", "table-columns/mapColumns",
        ])
        #expect(rows.allSatisfy { ($0["seconds"] as? Double ?? 0) > 0 })
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory) == [])
    }

    @Test("the progress-events workload times report(.finished(1)) on a counter and on bars, and checks the counts")
    func progressEvents() async throws {
        let run = try await runCLI([
            "bench", "--quick", "--json", "--repetitions", "1", "--workload", "progress-events",
        ])
        #expect(run.status == 0)
        #expect(run.error.isEmpty)  // standard error is a file: no progress line
        let rows = try benchRows(run.output)
        #expect(rows.map { $0["variant"] as? String ?? "" } == [
            "counter", "bar", "bar-drawing", "counter-2-threads", "bar-drawing-2-threads",
        ])
    }

    @Test("bad arguments are refused with a clear message and a non-zero exit")
    func badArguments() async throws {
        let unknown = try await runCLI(["bench", "--workload", "nope"])
        #expect(unknown.status != 0)
        #expect(unknown.error.contains("unknown workload nope"))
        let zero = try await runCLI(["bench", "--repetitions", "0"])
        #expect(zero.status != 0)
        #expect(zero.error.contains("--repetitions must be 1 or more"))
    }
}

/// The JSON objects of `parallelkit bench --json` output, one per line.
func benchRows(_ output: String) throws -> [[String: Any]] {
    try output.split(separator: "\n").map { line in
        try #require(JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
    }
}
