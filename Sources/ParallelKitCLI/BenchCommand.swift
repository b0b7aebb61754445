import ArgumentParser
import ParallelKit
import ParallelKitSystem

/// `parallelkit bench`: every workload run serially and with each variant, interleaved, in one process.
struct BenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Time each built-in workload serially and with each parallel variant.",
        discussion: """
            Variants of one workload run interleaved (serial, parallelMap, concurrentPerform, …, then \
            again), and each row reports the median of its runs (--repetitions, or as many as fit in \
            about a second per workload). Without --full, workloads of ten seconds or more run only \
            by name, and sleep-16's serial row is the sum of its sleeps. Speedup is the baseline's \
            median time over the row's; efficiency is speedup per worker.
            """
    )

    @Option(help: "Timed runs per variant; the median is reported. Default: as many as fit in about a second per workload (1 to 5), or 5 with --full.")
    var repetitions: Int?

    @Flag(help: "Print JSON lines instead of a table.")
    var json = false

    @Flag(help: "Use small inputs (for CI and tests).")
    var quick = false

    @Flag(help: "Also run the long workloads (\(BenchCommand.longWorkloads.sorted().joined(separator: ", "))), a minute or more each.")
    var full = false

    @Option(name: .customLong("workload"), help: "Run only this workload (repeatable). See --list.")
    var workloads: [String] = []

    @Option(
        name: .customLong("variant"),
        help: "Run only this variant of each workload (repeatable); a row's speedup then needs its baseline among them.")
    var variants: [String] = []

    @Option(help: "Workers for the parallel variants (default: every usable core).")
    var workers: Int?

    @Flag(help: "List the workloads and exit.")
    var list = false

    @Option(
        help: ArgumentHelp(
            "Instead of the table, time each workload's parallel variant against its serial baseline with 1 up to twice the usable cores and draw the speedups, with the ideal and an Amdahl's-law fit, as an SVG picture at this path (default workloads: \(SpeedupSweep.defaultWorkloads.joined(separator: ", "))).",
            valueName: "file.svg"))
    var plot: String?

    func validate() throws {
        if let repetitions, repetitions < 1 { throw ValidationError("--repetitions must be 1 or more, got \(repetitions)") }
        if let workers, workers < 1 { throw ValidationError("--workers must be 1 or more, got \(workers)") }
        if plot != nil, workers != nil { throw ValidationError("--plot sweeps the worker count itself; leave out --workers") }
        let unknown = workloads.filter { name in !Self.catalog.contains { $0.name == name } }
        if !unknown.isEmpty {
            let known = Self.catalog.map(\.name).joined(separator: ", ")
            throw ValidationError("unknown workload \(unknown.joined(separator: ", ")); known: \(known)")
        }
    }

    /// Workloads that take ten seconds or more at full size (measured at load 10: csv-memory 63 s,
    /// run-memory 32, stream-throughput 29, cpu-task 19, csv-rows 12, pool-memory 10): run by
    /// `--full`, `--quick` or by name, so that the default run stays within a minute.
    static let longWorkloads: Set<String> = [
        FrontDoorBench.workload, JoblibBench.workload, TabularBench.csvMemory, TabularBench.csvRows,
        RunLibraryBench.memory, ThreadPoolBench.stream, ProcessPoolBench.cpuTask, ProcessPoolBench.memory,
        SharedMemoryBench.largeArray,
    ]

    /// Seconds of measuring per workload that the default run aims for, in whole rounds.
    static let defaultBudget = 1.0

    /// Every workload: its name, what it measures, and how to build its cases.
    static let catalog: [(name: String, summary: String, make: @Sendable (Bool, Workers) -> [BenchCase])] = [
        (
            Squares.name, Squares.summary,
            { quick, workers in
                MapVariants.cases(Squares.self, quick: quick, workers: workers) { input, expected in
                    [ProcessPoolBench.mapCase(SquareMapTask.self, workload: Squares.name, input: input, expected: expected, workers: workers)]
                }
            }
        ),
        (
            CountInRange.name, CountInRange.summary,
            { quick, workers in
                MapVariants.cases(CountInRange.self, quick: quick, workers: workers) { input, expected in
                    [ProcessPoolBench.mapCase(CountInRangeMapTask.self, workload: CountInRange.name, input: input, expected: expected, workers: workers)]
                }
            }
        ),
        (AutoSharedBench.workload, AutoSharedBench.summary, { AutoSharedBench.cases(quick: $0, workers: $1) }),
        (StarmapBench.structRows, StarmapBench.structRowsSummary, { StarmapBench.structCases(quick: $0, workers: $1) }),
        (StarmapBench.arrayRows, StarmapBench.arrayRowsSummary, { StarmapBench.arrayCases(quick: $0, workers: $1) }),
        (CheapMap.name, CheapMap.summary, { MapVariants.cases(CheapMap.self, quick: $0, workers: $1) }),
        (CostlyMap.name, CostlyMap.summary, { MapVariants.cases(CostlyMap.self, quick: $0, workers: $1) }),
        (Imbalanced.name, Imbalanced.summary, { MapVariants.cases(Imbalanced.self, quick: $0, workers: $1) }),
        (Tiny.name, Tiny.summary, { MapVariants.cases(Tiny.self, quick: $0, workers: $1) }),
        (ThreadPoolBench.sleep16, ThreadPoolBench.sleep16Summary, { quick, _ in ThreadPoolBench.sleepCases(quick: quick) }),
        (ThreadPoolBench.starvation, ThreadPoolBench.starvationSummary, { quick, _ in ThreadPoolBench.starvationCases(quick: quick) }),
        (ThreadPoolBench.roundtrip, ThreadPoolBench.roundtripSummary, { quick, _ in ThreadPoolBench.roundtripCases(quick: quick) }),
        (ThreadPoolBench.stream, ThreadPoolBench.streamSummary, { quick, _ in ThreadPoolBench.streamCases(quick: quick) }),
        (ProcessPoolBench.startup, ProcessPoolBench.startupSummary, { _, workers in ProcessPoolBench.startupCases(workers: workers) }),
        (ProcessPoolBench.roundtrip, ProcessPoolBench.roundtripSummary, { quick, workers in ProcessPoolBench.roundtripCases(quick: quick, workers: workers) }),
        (ProcessPoolBench.cpuTask, ProcessPoolBench.cpuTaskSummary, { quick, workers in ProcessPoolBench.cpuTaskCases(quick: quick, workers: workers) }),
        (ProcessPoolBench.memory, ProcessPoolBench.memorySummary, { quick, workers in ProcessPoolBench.memoryCases(quick: quick, workers: workers) }),
        (SharedMemoryBench.sharedSum, SharedMemoryBench.sharedSumSummary, { quick, workers in SharedMemoryBench.sharedSumCases(quick: quick, workers: workers) }),
        (SharedMemoryBench.largeArray, SharedMemoryBench.largeArraySummary, { quick, workers in SharedMemoryBench.largeArrayCases(quick: quick, workers: workers) }),
        (SharedMemoryBench.lock, SharedMemoryBench.lockSummary, { quick, _ in SharedMemoryBench.lockCases(quick: quick) }),
        (FrontDoorBench.workload, FrontDoorBench.summary, { FrontDoorBench.cases(quick: $0, workers: $1) }),
        (ProgressBench.workload, ProgressBench.summary, { ProgressBench.cases(quick: $0, workers: $1) }),
        (JoblibBench.workload, JoblibBench.summary, { JoblibBench.cases(quick: $0, workers: $1) }),
        (MemoryProbe.workload, MemoryProbe.summary, { _, _ in [] }),
        (RunLibraryBench.workload, RunLibraryBench.summary, { quick, _ in RunLibraryBench.cases(quick: quick) }),
        (ProgressEventsBench.workload, ProgressEventsBench.summary, { quick, _ in ProgressEventsBench.cases(quick: quick) }),
        (RunLibraryBench.memory, RunLibraryBench.memorySummary, { quick, _ in RunLibraryBench.memoryCases(quick: quick) }),
        (TabularBench.csvRows, TabularBench.csvRowsSummary, { TabularBench.csvCases(quick: $0, workers: $1) }),
        (TabularBench.csvMemory, TabularBench.csvMemorySummary, { TabularBench.memoryCases(quick: $0, workers: $1) }),
        (TabularBench.tableRows, TabularBench.tableRowsSummary, { TabularBench.tableRowCases(quick: $0, workers: $1) }),
        (TabularBench.tableColumns, TabularBench.tableColumnsSummary, { TabularBench.tableColumnCases(quick: $0, workers: $1) }),
    ]

    func run() async throws {
        if list {
            for entry in Self.catalog { print("\(entry.name): \(entry.summary)") }
            return
        }
        let chosen = Self.catalog.filter { entry in
            workloads.isEmpty ? full || quick || !Self.longWorkloads.contains(entry.name) : workloads.contains(entry.name)
        }
        let report = BenchReport(json: json)
        if let plot {
            try await drawPlot(to: plot, report: report)
            return
        }
        let parallelWorkers: Workers = workers.map { .count($0) } ?? .all
        let started = ContinuousClock.now
        var printed: [BenchRow] = []
        // Which workload and variant runs, and how many workloads are done: on standard error,
        // only when it is a terminal and only once the bench has run for a second, erased before
        // each workload's rows and at the end, so that the table and --json stay clean.
        let progress = ProgressBar(style: .bar, total: chosen.count, delay: .seconds(1))
        for entry in chosen {
            progress.setLabel(entry.name)
            let rows: [BenchRow]
            if entry.name == MemoryProbe.workload {
                rows = try MemoryProbe.rows(quick: quick, repetitions: repetitions ?? (full ? 5 : 1), workers: parallelWorkers)
            } else {
                // sleep-16's serial row sleeps 9.9 s a run: slept only with --full (or --quick's
                // short sleeps); the default run reports the sum of the sleeps it would take.
                let made = entry.name == ThreadPoolBench.sleep16
                    ? ThreadPoolBench.sleepCases(quick: quick, sleepSerial: full || quick) : entry.make(quick, parallelWorkers)
                let cases = made.filter {
                    variants.isEmpty || variants.contains($0.label.variant)
                }
                let rounds = repetitions ?? (full ? 5 : nil)
                rows = cases.isEmpty ? [] : try await Self.measure(cases, repetitions: rounds, progress: progress)
            }
            progress.clear()
            let note = entry.name == ThreadPoolBench.sleep16 && !(full || quick) ? " (serial: the sum of the sleeps, not slept; --full sleeps it)" : ""
            if !rows.isEmpty { report.printWorkload(entry.name, summary: entry.summary + note) }
            for row in rows { report.print(row) }
            printed += rows
            progress.finished()
        }
        progress.finish(erasingLine: true)
        report.printSummary(printed, elapsed: seconds(ContinuousClock.now - started))
    }

    /// `--plot`: the sweep of ``SpeedupSweep`` over the chosen workloads, drawn by ``SpeedupPlot``.
    private func drawPlot(to path: String, report: BenchReport) async throws {
        let names = workloads.isEmpty ? SpeedupSweep.defaultWorkloads : workloads
        let entries = names.compactMap { name in Self.catalog.first { $0.name == name }.map { (name: $0.name, make: $0.make) } }
        let cores = Workers.available
        let progress = ProgressBar(style: .bar, total: entries.count, delay: .seconds(1))
        let rounds = repetitions ?? (full ? 5 : nil)
        let series = try await SpeedupSweep.run(
            entries, quick: quick, variant: variants.first, repetitions: rounds, cores: cores, report: report, progress: progress)
        progress.finish(erasingLine: true)
        let runs = rounds.map { "median of \($0) runs" } ?? "medians of about a second of runs"
        let plot = SpeedupPlot(
            series: series, cores: cores,
            subtitle: "parallelkit bench --plot\(quick ? " --quick" : ""): \(runs) per point, \(cores) usable cores, load \(Self.loadAverage)")
        try plot.document().write(to: path)
        guard !json else { return }
        print("")
        for one in series {
            let fraction = plot.fit(one).map { fixed($0.serialFraction, 3) } ?? "-"
            print("\(one.workload): Amdahl's serial fraction s = \(fraction) (least squares over \(one.points.count) points)")
        }
        print("wrote \(path)")
    }

    /// The first three figures of `/proc/loadavg` (the machine may be shared: say so on the picture).
    static var loadAverage: String {
        (SmallFile.text("/proc/loadavg") ?? "?").split(separator: " ").prefix(3).joined(separator: " ")
    }

    /// Runs every case `repetitions` times, interleaved, and turns medians into rows; with
    /// `repetitions` nil, whole rounds until the workload has been measured for
    /// ``defaultBudget`` seconds (at least one round, at most five).
    /// With `progress`, each run first names itself there: workload, variant and repetition.
    static func measure(
        _ cases: [BenchCase], repetitions: Int?, progress: ProgressBar? = nil
    ) async throws -> [BenchRow] {
        var times = [[Double]](repeating: [], count: cases.count)
        let started = ContinuousClock.now
        var repetition = 0
        while repetition < (repetitions ?? 5) {
            if repetitions == nil, repetition > 0, seconds(ContinuousClock.now - started) >= defaultBudget { break }
            defer { repetition += 1 }
            for (index, benchCase) in cases.enumerated() {
                let label = benchCase.label
                let of = repetitions.map { "/\($0)" } ?? ""
                progress?.setLabel("\(label.workload) \(label.variant) (run \(repetition + 1)\(of))")
                let start = ContinuousClock.now
                let ownMeasure = try await benchCase.run()
                times[index].append(ownMeasure ?? seconds(ContinuousClock.now - start))
            }
        }
        return rows(cases, medians: times.map(median))
    }

    /// Each case's row, from its median time and its baseline's.
    static func rows(_ cases: [BenchCase], medians: [Double]) -> [BenchRow] {
        cases.enumerated().map { index, benchCase in
            let baselineIndex = cases.firstIndex { $0.label.variant == benchCase.baseline } ?? index
            // A baseline over fewer items (csv-memory's 1M rows beside 10M) is scaled to this row's
            // count: the speedup of a throughput row compares items per second, not raw times.
            let baseline = cases[baselineIndex].label
            let scale = benchCase.isLatency || baseline.items == 0 ? 1 : Double(benchCase.label.items) / Double(baseline.items)
            return BenchRow(
                label: benchCase.label, seconds: medians[index], baselineSeconds: medians[baselineIndex] * scale,
                baselineVariant: cases[baselineIndex].label.variant, isThroughput: !benchCase.isLatency,
                extra: benchCase.extras?() ?? [])
        }
    }
}

/// The median of `values` (the mean of the middle two for an even count).
func median(_ values: [Double]) -> Double {
    let sorted = values.sorted()
    guard !sorted.isEmpty else { return .nan }
    let middle = sorted.count / 2
    return sorted.count % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2
}

/// The median seconds of `samples` runs of `operation`, one after another.
func medianSeconds<Failure: Error>(
    samples: Int, _ operation: () async throws(Failure) -> Void
) async throws(Failure) -> Double {
    var times: [Double] = []
    times.reserveCapacity(samples)
    for _ in 0..<samples {
        let start = ContinuousClock.now
        try await operation()
        times.append(seconds(ContinuousClock.now - start))
    }
    return median(times)
}

/// A `Duration` in seconds.
func seconds(_ duration: Duration) -> Double {
    let (whole, attoseconds) = duration.components
    return Double(whole) + Double(attoseconds) / 1e18
}
